//! Issue 24, through the real binary: backups to folders that the node writes create-only, a
//! damaged object named by `backup verify` and taken from the other target by the restore, and
//! the ransomware case: every file of the data directory overwritten, the books restored from the
//! backups with the recovery kit alone, the hub stopped.

use std::path::Path;

use crate::sync::{HubProcess, Work};
use crate::{Company, path_arg};

/// A temporary directory whose backup folders are made removable again (their files' immutable
/// attribute cleared, `release_tree`) before it is removed.
struct Temp(tempfile::TempDir);

impl std::ops::Deref for Temp {
    type Target = tempfile::TempDir;
    fn deref(&self) -> &tempfile::TempDir {
        &self.0
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        rempart_hub::objects::release_tree(self.0.path());
    }
}

fn temporary() -> Temp {
    Temp(tempfile::tempdir().expect("temporary directory"))
}

/// A hub of its own and a company connected to it, its recovery kit written to `kit.txt`.
fn connected(temp: &Path) -> (HubProcess, Company, std::path::PathBuf) {
    let hub = HubProcess::start(&temp.join("hub"));
    let node = Company::new("CH");
    let kit = temp.join("kit.txt");
    node.ok(&["connect", &hub.url, "--kit-out", path_arg(&kit)]);
    (hub, node, kit)
}

/// A device invited by `admin` (invoice series B) and joined in `dir`.
fn enrol(admin: &Company, hub: &HubProcess, dir: &Path) -> Company {
    let code_file = dir.with_extension("code");
    std::fs::write(&code_file, crate::sync::invite(admin, "B")).expect("code");
    let device = Company::at(dir.to_owned());
    device.ok(&["join", "--code-file", path_arg(&code_file), "--hub", &hub.url]);
    device
}

/// Overwrites every file under `dir` with bytes drawn from `seed` (the same length, or 4 KiB for
/// an empty file), as ransomware encrypting in place leaves them. Returns how many.
fn overwrite_every_file(dir: &Path, seed: u64) -> usize {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as u8
    };
    let mut count = 0;
    let mut pending = vec![dir.to_owned()];
    while let Some(path) = pending.pop() {
        for entry in std::fs::read_dir(&path).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let len = std::fs::metadata(&path).expect("metadata").len().max(4096) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| next()).collect();
            std::fs::write(&path, bytes).expect("overwrite");
            count += 1;
        }
    }
    count
}

/// Makes a file a backup wrote writable again, as root can: its immutable attribute cleared,
/// then its mode.
fn writable(path: &Path) {
    rempart_hub::objects::release(path);
    let mut permissions = std::fs::metadata(path).expect("metadata").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(path, permissions).expect("writable");
}

/// Flips one bit in the middle of a file.
fn flip(path: &Path) {
    writable(path);
    let mut bytes = std::fs::read(path).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(path, bytes).expect("write");
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(path) = pending.pop() {
        for entry in std::fs::read_dir(&path).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).expect("read"));
            }
        }
    }
    out
}

#[test]
fn ransomware_on_a_node_the_books_come_back_from_its_backups_with_the_kit() {
    let temp = temporary();
    let (hub, node, kit) = connected(temp.path());
    let (usb, nas) = (temp.path().join("usb"), temp.path().join("nas"));
    for target in [&usb, &nas] {
        let added = node.ok(&["backup", "add", path_arg(target)]);
        assert!(added.contains("added"), "{added}");
    }
    let refused = node.fails(&["backup", "add", path_arg(&usb)]);
    assert!(refused.contains("is a backup target already"), "{refused}");
    let listed = node.ok(&["backup", "list", "--format", "csv"]);
    assert!(listed.contains(path_arg(&usb)) && listed.contains(path_arg(&nas)), "{listed}");

    // Backups are incremental: a second run writes only what is new, and never changes what a
    // run wrote before.
    node.entry(1, "100.00");
    let first = node.ok(&["backup", "run"]);
    assert!(first.contains("new events"), "{first}");
    let before = files(&usb);
    node.entry(2, "200.00");
    let second = node.ok(&["backup", "run"]);
    assert!(second.contains("1 new events"), "{second}");
    let after = files(&usb);
    for (path, bytes) in &before {
        assert_eq!(after.get(path), Some(bytes), "{} was changed", path.display());
    }
    assert!(after.len() > before.len(), "the new batch was written");
    for path in after.keys() {
        let permissions = std::fs::metadata(path).expect("metadata").permissions();
        assert!(permissions.readonly(), "{} is read-only", path.display());
    }
    let nothing = node.ok(&["backup", "run"]);
    assert!(nothing.contains("0 new events, 0 objects"), "{nothing}");
    let backed_up = node.state_hash();
    let sound = node.ok(&["backup", "verify"]);
    assert_eq!(sound.matches("restored and verified").count(), 2, "{sound}");

    // The drills: the node lost (restored from the first target), the hub lost (refilled from
    // this node alone); each measured, identical, and shown by `status`.
    let drilled = node.ok(&["drill", "ransom"]);
    assert!(drilled.contains(&format!("from {}", usb.display())) && drilled.contains("identical"), "{drilled}");
    let drilled = node.ok(&["drill", "hub"]);
    assert!(
        drilled.contains("from a wiped hub refilled from this device") && drilled.contains("identical"),
        "{drilled}"
    );
    assert!(!drilled.contains("come back only from"), "this device holds all the hub held: {drilled}");
    assert_eq!(node.state_hash(), backed_up, "a drill changes nothing in the books");
    let status = node.ok(&["status"]);
    assert!(status.contains("Last backup:") && status.contains("2 target(s)"), "{status}");
    assert!(status.contains("Last restore drill (ransomware):") && status.contains("identical."), "{status}");
    assert!(status.contains("Last hub drill:"), "{status}");

    // Bit rot on the USB disk: the check names the object, and fails.
    let batches = usb.join("t");
    let damaged = files(&batches)
        .into_keys()
        .filter(|path| path.components().any(|part| part.as_os_str() == "b"))
        .max()
        .expect("a batch on the USB disk");
    flip(&damaged);
    let output = node.run(&["backup", "verify"]);
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{said}");
    let name = damaged.strip_prefix(&usb).expect("under the target").to_string_lossy().into_owned();
    assert!(said.contains(&format!("{name} is damaged")), "{name} in {said}");
    assert!(said.contains(&format!("{}: restored and verified", nas.display())), "{said}");

    // An entry after the last backup, then ransomware: every file of the node overwritten.
    node.entry(3, "300.00");
    let overwritten = overwrite_every_file(&node.dir, 24);
    assert!(overwritten >= 3, "{overwritten} files");
    let gone = node.fails(&["verify"]);
    assert!(!gone.is_empty());
    // The hub is down too: the backups and the kit are all there is.
    hub.stop();
    let restored = Company::at(temp.path().join("restored"));
    let out = restored.ok(&["restore", "--from", path_arg(&usb), "--from", path_arg(&nas), "--kit", path_arg(&kit)]);
    assert!(out.contains(&format!("{name} is damaged")), "the damaged batch was not used: {out}");
    assert!(out.contains("all intact"), "{out}");
    assert!(out.contains("Restored") && out.contains("apply"), "{out}");
    assert_eq!(restored.state_hash(), backed_up, "everything backed up is back, as it was");
    let balance = restored.ok(&["report", "trial-balance", "--format", "csv"]);
    assert!(balance.contains("300.00"), "the two entries backed up: {balance}");
    assert!(!balance.contains("600.00"), "the entry made after the last backup was never backed up: {balance}");

    // Restoring into a directory that holds a company is refused, and the kit is needed.
    let again = restored.fails(&["restore", "--from", path_arg(&nas), "--kit", path_arg(&kit)]);
    assert!(!again.is_empty());
    let nowhere = Company::at(temp.path().join("nowhere"));
    let refused = nowhere.fails(&["restore", "--from", "ftp://nas/rempart", "--kit", path_arg(&kit)]);
    assert!(refused.contains("is not a backup target"), "{refused}");
    assert!(!temp.path().join("nowhere").exists(), "nothing was made");
}

/// A moto S3 server (installed by `.ci/run` from PyPI) on a free loopback port, stopped when
/// dropped; its Python, which has boto3, sets up and checks what the product's client does not
/// do itself (a bucket with Object Lock, IAM users, and the attempts of a thief).
struct Moto {
    child: std::process::Child,
    endpoint: String,
    python: std::path::PathBuf,
}

impl Moto {
    fn start() -> Moto {
        use std::io::BufRead;
        let program = std::env::var("REMPART_MOTO_SERVER").unwrap_or_else(|_| "moto_server".to_owned());
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port();
        let mut child = std::process::Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {program} ({error}): run .ci/run, or set REMPART_MOTO_SERVER")
            });
        let mut lines = std::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
        for line in lines.by_ref() {
            if line.expect("moto's log").contains("Running on") {
                break;
            }
        }
        std::thread::spawn(move || lines.for_each(drop));
        // moto's own environment's interpreter, which has boto3 (`.ci/run` names the server in
        // its virtual environment); else the Python on the PATH.
        let python = match std::env::var("REMPART_MOTO_SERVER") {
            Ok(server) => Path::new(&server).with_file_name("python"),
            Err(_) => std::path::PathBuf::from("python3"),
        };
        Moto { child, endpoint: format!("http://127.0.0.1:{port}"), python }
    }

    /// Runs a Python script with the endpoint as its argument; its standard output as JSON.
    fn python(&self, script: &str) -> serde_json::Value {
        self.python_with(script, "")
    }

    /// The same, with a second argument.
    fn python_with(&self, script: &str, argument: &str) -> serde_json::Value {
        let output = std::process::Command::new(&self.python)
            .args(["-c", script, &self.endpoint, argument])
            .output()
            .expect("run moto's python");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("JSON")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bucket with Object Lock, and two IAM users: the node's, which may write, read, list and
/// extend retentions but not delete; and an administrator's, which may do anything S3 allows.
const SETUP: &str = r#"
import boto3, json, sys
ep = sys.argv[1]
kw = dict(endpoint_url=ep, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
s3, iam = boto3.client("s3", **kw), boto3.client("iam", **kw)
s3.create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True)
def user(name, actions):
    iam.create_user(UserName=name)
    statement = {"Effect": "Allow", "Action": actions, "Resource": ["arn:aws:s3:::locked", "arn:aws:s3:::locked/*"]}
    iam.put_user_policy(UserName=name, PolicyName="backup", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
node = ["s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:GetObjectRetention", "s3:PutObjectRetention"]
print(json.dumps({"node": user("node", node), "admin": user("admin", ["s3:*"])}))
"#;

/// With IAM checked (moto checks it only on requests signed in their headers, which boto3's are):
/// each object's lock as the administrator reads it, then what a thief holding the node's
/// credentials tries (delete, overwrite) and what the administrator tries (delete the locked
/// version), each answer recorded; IAM is left unchecked again for the product's client.
const ATTACK: &str = r#"
import boto3, json, sys, urllib.request
ep, keys = sys.argv[1], json.loads(sys.argv[2])
def auth(count):
    request = urllib.request.Request(ep + "/moto-api/reset-auth", data=count.encode(), method="POST", headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request).read()
def client(who):
    return boto3.client("s3", endpoint_url=ep, region_name="us-east-1", aws_access_key_id=keys[who]["id"], aws_secret_access_key=keys[who]["secret"])
def answer(call):
    try:
        call()
        return "done"
    except Exception as error:
        return error.response["Error"]["Code"]
auth("0")
node, admin = client("node"), client("admin")
seen = []
for listed in admin.list_objects_v2(Bucket="locked", Prefix="acme/")["Contents"]:
    key = listed["Key"]
    head = admin.head_object(Bucket="locked", Key=key)
    seen.append({
        "key": key,
        "mode": head.get("ObjectLockMode"),
        "until": head["ObjectLockRetainUntilDate"].timestamp(),
        "delete": answer(lambda: node.delete_object(Bucket="locked", Key=key)),
        "overwrite": answer(lambda: node.put_object(Bucket="locked", Key=key, Body=b"ransom", IfNoneMatch="*")),
        "delete_version": answer(lambda: admin.delete_object(Bucket="locked", Key=key, VersionId=head["VersionId"])),
        # What the node's credential can do: write a new version over it (no If-None-Match).
        "write_over": answer(lambda: node.put_object(Bucket="locked", Key=key, Body=b"ransom")),
    })
    # And the administrator's: hide it behind a delete marker.
    seen[-1]["delete_marker"] = answer(lambda: admin.delete_object(Bucket="locked", Key=seen[-1]["key"]))
auth("inf")
print(json.dumps(seen))
"#;

#[test]
fn a_bucket_with_object_lock_keeps_every_backup_from_the_nodes_credentials_and_restores() {
    let moto = Moto::start();
    let keys = moto.python(SETUP);
    let temp = temporary();
    let (hub, node, kit) = connected(temp.path());
    let with_node_keys = |args: &[&str], dir: &Path| {
        let output = crate::binary()
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", keys["node"]["id"].as_str().expect("id"))
            .env("AWS_SECRET_ACCESS_KEY", keys["node"]["secret"].as_str().expect("secret"))
            .output()
            .expect("run rempart");
        let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        (output.status.success(), said)
    };
    let refused = node.fails(&["backup", "add", "s3://Bad_Bucket/x"]);
    assert!(refused.contains("is not a backup target"), "{refused}");
    let refused = node.fails(&["backup", "add", path_arg(&temp.path().join("usb")), "--object-lock-days", "30"]);
    assert!(refused.contains("Object Lock is for an S3 bucket"), "{refused}");
    // First a retention of one day; then thirty: the next backup retains every object written
    // before for thirty days from then (the retention of what a restore needs is extended).
    let (added, said) = with_node_keys(&["backup", "add", "s3://locked/acme", "--object-lock-days", "1"], &node.dir);
    assert!(added, "{said}");
    node.entry(1, "100.00");
    let (ran, said) = with_node_keys(&["backup", "run"], &node.dir);
    assert!(ran && said.contains("new events"), "{said}");
    let (added, said) = with_node_keys(&["backup", "add", "s3://locked/acme", "--object-lock-days", "30"], &node.dir);
    assert!(added, "{said}");
    let listed = node.ok(&["backup", "list", "--format", "csv"]);
    assert!(listed.contains("s3://locked/acme,\"compliance, 30 days\""), "{listed}");
    assert_eq!(listed.lines().count(), 2, "one target, its lock changed: {listed}");
    node.entry(2, "200.00");
    let (ran, said) = with_node_keys(&["backup", "run"], &node.dir);
    assert!(ran && said.contains("1 new events"), "{said}");

    // Every object is locked for 30 days in compliance mode; the node's credentials can neither
    // delete nor overwrite one, and not even the administrator can delete a locked version.
    let seen = moto.python_with(ATTACK, &keys.to_string());
    let objects = seen.as_array().expect("objects");
    assert!(objects.len() >= 5, "roster, wraps, two batches at least: {seen}");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("now").as_secs_f64();
    for object in objects {
        assert_eq!(object["mode"], "COMPLIANCE", "{object}");
        let until = object["until"].as_f64().expect("until");
        assert!(until > now + 29.0 * 86_400.0 && until < now + 31.0 * 86_400.0, "{object}");
        assert_eq!(object["delete"], "AccessDenied", "{object}");
        assert_eq!(object["overwrite"], "PreconditionFailed", "{object}");
        assert_eq!(object["delete_version"], "AccessDenied", "{object}");
        assert_eq!(object["write_over"], "done", "a new version over the locked one: {object}");
    }
    assert_eq!(objects.last().expect("an object")["delete_marker"], "done", "{seen}");
    // Each locked first version is what a check and a restore read, whatever was written over it.
    let (sound, said) = with_node_keys(&["backup", "verify"], &node.dir);
    assert!(sound && said.contains("restored and verified"), "{said}");

    // Pruning: in the locked prefix the older checkpoint is kept, its retention holds it; in a
    // prefix without a lock, every version of the older checkpoint goes, and the newest stays.
    let (added, said) = with_node_keys(&["backup", "add", "s3://locked/plain"], &node.dir);
    assert!(added, "{said}");
    for day in [3, 4] {
        node.entry(day, "50.00");
        let (ran, said) = with_node_keys(&["backup", "run", "--checkpoint"], &node.dir);
        assert!(ran && said.matches("With a checkpoint").count() == 2, "{said}");
    }
    let (pruned, said) = with_node_keys(&["backup", "prune", "--yes"], &node.dir);
    assert!(pruned, "{said}");
    assert!(said.contains("s3://locked/acme: t/") && said.contains("its retention holds it until"), "{said}");
    assert_eq!(said.matches("s3://locked/plain: t/").count(), 2, "one kept, one removed: {said}");
    assert_eq!(said.matches(" removed (").count(), 1, "{said}");
    let (_, said) = with_node_keys(&["backup", "prune", "--yes"], &node.dir);
    assert!(said.contains("s3://locked/plain: nothing to remove"), "every version went: {said}");
    let backed_up = node.state_hash();

    // The node is lost with the hub; the books come back from the bucket with the kit.
    hub.stop();
    overwrite_every_file(&node.dir, 7);
    let restored = temp.path().join("restored");
    let (back, said) = with_node_keys(&["restore", "--from", "s3://locked/acme", "--kit", path_arg(&kit)], &restored);
    assert!(back && said.contains("all intact"), "{said}");
    assert_eq!(Company::at(restored).state_hash(), backed_up);
}

/// A restore to a point in time, between two commits: exactly the commits before it.
#[test]
fn a_restore_until_a_moment_holds_exactly_the_commits_before_it() {
    let temp = temporary();
    let (_hub, node, kit) = connected(temp.path());
    let usb = temp.path().join("usb");
    node.ok(&["backup", "add", path_arg(&usb)]);
    node.entry(1, "100.00");
    // The moment of that commit, as its events are stamped: the next commit, made by a process
    // started after this one ended, is stamped later.
    let stamped: i64 = node
        .database()
        .query_row("SELECT max(hlc_wall_ms) FROM events", [], |row| row.get(0))
        .expect("the last event's stamp");
    let at_first = node.state_hash();
    node.entry(2, "200.00");
    node.ok(&["backup", "run"]);
    let moment = chrono::DateTime::from_timestamp_millis(stamped).expect("a moment").to_rfc3339();

    let nowhere = Company::at(temp.path().join("nowhere"));
    let refused =
        nowhere.fails(&["restore", "--from", path_arg(&usb), "--until", "yesterday", "--kit", path_arg(&kit)]);
    assert!(refused.contains("\"yesterday\" is not a moment"), "{refused}");
    let then = Company::at(temp.path().join("then"));
    let out = then.ok(&["restore", "--from", path_arg(&usb), "--until", &moment, "--kit", path_arg(&kit)]);
    assert!(out.contains("all intact"), "{out}");
    assert_eq!(then.state_hash(), at_first, "the first commit, not the second");
    let balance = then.ok(&["report", "trial-balance", "--format", "csv"]);
    assert!(balance.contains("100.00") && !balance.contains("300.00"), "{balance}");
    let now = Company::at(temp.path().join("now"));
    now.ok(&["restore", "--from", path_arg(&usb), "--kit", path_arg(&kit)]);
    assert_eq!(now.state_hash(), node.state_hash(), "without --until, everything");
}

/// Copies a folder target, file by file (the copies writable, as a person's copy is).
fn copy_target(from: &Path, to: &Path) {
    for (path, bytes) in files(from) {
        let copy = to.join(path.strip_prefix(from).expect("under the target"));
        std::fs::create_dir_all(copy.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&copy, bytes).expect("copy");
    }
}

/// What someone with write access to a backup folder can do to it, and what the node does then:
/// a chain's first batch overwritten is named by `backup verify` and by a restore (which fails
/// unless another target makes up for it, and then succeeds whole); another company's batches
/// planted in a target keep nothing from being restored; a symbolic link planted in a target is
/// not followed. A device's invitation and enrolment, a target out of reach, a target removed.
#[test]
fn a_backup_folder_tampered_with_is_named_and_made_up_for_and_never_taken_for_whole() {
    let temp = temporary();
    let (hub, node, kit) = connected(temp.path());
    let (usb, nas, gone) = (temp.path().join("usb"), temp.path().join("nas"), temp.path().join("gone"));
    for target in [&usb, &gone] {
        node.ok(&["backup", "add", path_arg(target)]);
    }
    // A device invited and enrolled: the hub removes the used invitation; backups go on.
    enrol(&node, &hub, &temp.path().join("laptop"));
    node.entry(1, "100.00");
    node.ok(&["sync"]);
    // One target out of reach (its folder now a file): named, the others backed up all the same.
    std::fs::remove_dir_all(&gone).expect("rm");
    std::fs::write(&gone, b"not a folder").expect("a file in its place");
    let output = node.run(&["backup", "run"]);
    let (said, complained) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success(), "{said}{complained}");
    assert!(said.contains(&format!("{}: ", usb.display())) && said.contains("new events"), "{said}");
    assert!(complained.contains(&format!("backup target {}", gone.display())), "{complained}");
    let removed = node.ok(&["backup", "remove", path_arg(&gone)]);
    assert!(removed.contains("removed"), "{removed}");
    assert!(node.fails(&["backup", "remove", path_arg(&gone)]).contains("is not a backup target of this device"));
    let sound = node.ok(&["backup", "verify"]);
    assert!(sound.contains("restored and verified"), "the invitation removed is no damage: {sound}");
    // A second batch of the node's chain.
    node.entry(2, "50.00");
    node.ok(&["backup", "run"]);
    let backed_up = node.state_hash();
    copy_target(&usb, &nas);

    // The first batch of the node's chain overwritten on the USB disk.
    let first = files(&usb)
        .into_keys()
        .filter(|path| path.components().any(|part| part.as_os_str() == "b"))
        .find(|path| path.ends_with("00000000000000000001"))
        .expect("the first batch");
    // As the node wrote it, a batch cannot be opened to be written, by root no more than by
    // another user: its immutable attribute, and its mode.
    assert!(std::fs::OpenOptions::new().append(true).open(&first).is_err(), "{}", first.display());
    assert!(std::fs::remove_file(&first).is_err(), "{}", first.display());
    writable(&first);
    std::fs::write(&first, b"ransom").expect("overwrite");
    let name = first.strip_prefix(&usb).expect("under").to_string_lossy().into_owned();
    let output = node.run(&["backup", "verify"]);
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{said}");
    assert!(said.contains(&format!("{name} is damaged")) && said.contains("NOT SOUND"), "{said}");
    let chain =
        first.parent().and_then(|dir| dir.file_name()).expect("the chain's folder").to_string_lossy()[..8].to_owned();
    assert!(said.contains(&format!("node {chain} restored up to 0 of")), "{said}");

    // Another company's batches planted in the NAS copy, and a symbolic link out of it.
    let tenant_dir = std::fs::read_dir(nas.join("t")).expect("t").next().expect("a tenant").expect("entry").path();
    let planted = tenant_dir.join("b").join("80808080808080808080808080808080");
    std::fs::create_dir_all(&planted).expect("mkdir");
    std::fs::write(planted.join("00000000000000000001"), b"someone else's").expect("plant");
    // A copy of the node's first batch planted under a name that sorts between its first and
    // second batches, and no batch's name: neither served nor cutting the chain short there.
    let chains = first.parent().and_then(Path::parent).expect("the chains").strip_prefix(&usb).expect("under");
    let (node_batches, node_chain) = std::fs::read_dir(nas.join(chains))
        .expect("the chains")
        .map(|chain| {
            let chain = chain.expect("a chain").path();
            (std::fs::read_dir(&chain).expect("its batches").count(), chain)
        })
        .max()
        .expect("a chain");
    assert!(node_batches >= 2, "a chain of several batches: {node_batches}");
    let first_copy = std::fs::read(node_chain.join("00000000000000000001")).expect("the first batch");
    std::fs::write(node_chain.join("00000000000000000001a"), first_copy).expect("plant");
    // And pipes, which a read would wait on for ever: one among the batches, one as a checkpoint.
    let chain =
        std::fs::read_dir(tenant_dir.join("b")).expect("chains").next().expect("a chain").expect("entry").path();
    let checkpoints = tenant_dir.join("checkpoints").join("80808080808080808080808080808080");
    std::fs::create_dir_all(&checkpoints).expect("mkdir");
    for fifo in [chain.join("99999999999999999999"), checkpoints.join("00000000000000099999")] {
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(made.success());
    }

    // From the USB disk alone: the damaged batch is named and the restore fails.
    let alone = Company::at(temp.path().join("alone"));
    let output = alone.run(&["restore", "--from", path_arg(&usb), "--kit", path_arg(&kit)]);
    let complained = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{complained}");
    assert!(
        complained.contains(&format!("{name} was found damaged and no other target made up for it")),
        "{complained}"
    );
    // With the NAS copy (planted objects and all): made up for, whole.
    let restored = Company::at(temp.path().join("restored"));
    let out = restored.ok(&["restore", "--from", path_arg(&usb), "--from", path_arg(&nas), "--kit", path_arg(&kit)]);
    assert!(out.contains(&format!("{name} is damaged")) && out.contains("all intact"), "{out}");
    assert_eq!(restored.state_hash(), backed_up);
    // From the NAS copy alone, planted objects and all: whole.
    let nas_alone = Company::at(temp.path().join("nas-alone"));
    let out = nas_alone.ok(&["restore", "--from", path_arg(&nas), "--kit", path_arg(&kit)]);
    assert!(out.contains("all intact"), "{out}");
    assert_eq!(nas_alone.state_hash(), backed_up, "no chain cut short by what was planted");

    // A symbolic link planted in a target is not followed: the backup is refused, nothing written
    // where it points.
    let outside = temp.path().join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let wraps = files(&usb).into_keys().find(|path| path.to_string_lossy().contains("/wraps/")).expect("a wrap");
    let wraps_dir = wraps.parent().expect("wraps").to_owned();
    std::fs::rename(&wraps_dir, temp.path().join("wraps-aside")).expect("move aside");
    std::os::unix::fs::symlink(&outside, &wraps_dir).expect("symlink");
    let code = crate::sync::invite(&node, "C");
    assert!(!code.is_empty());
    let output = node.run(&["backup", "run"]);
    assert!(!output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("a symbolic link in the store"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(std::fs::read_dir(&outside).expect("outside").count(), 0, "nothing written outside the target");

    // A restore to a moment before anything was recorded is refused.
    let before = Company::at(temp.path().join("before"));
    let refused = before.fails(&[
        "restore",
        "--from",
        path_arg(&nas),
        "--until",
        "2001-01-01T00:00:00Z",
        "--kit",
        path_arg(&kit),
    ]);
    assert!(refused.contains("nothing was recorded up to that moment"), "{refused}");
    assert!(!temp.path().join("before").exists(), "nothing was made");
}

/// Someone who can write to a backup folder takes the revocation of a device out of its list of
/// devices, so that the revoked device's later batches would be taken: the office's own batch
/// after the revocation names the longer list, and the restore refuses the folder.
#[test]
fn a_revocation_taken_out_of_a_backup_is_seen_and_the_backup_refused() {
    let temp = temporary();
    let (hub, office, kit) = connected(temp.path());
    let usb = temp.path().join("usb");
    office.ok(&["backup", "add", path_arg(&usb)]);
    let laptop = enrol(&office, &hub, &temp.path().join("laptop"));
    office.ok(&["sync"]);
    let laptop_id =
        laptop.ok(&["status"]).split("node ").nth(1).expect("node").split(' ').next().expect("id").to_owned();
    office.ok(&["device", "revoke", &laptop_id]);
    office.entry(1, "100.00");
    office.ok(&["sync"]);
    office.ok(&["backup", "run"]);
    let whole = Company::at(temp.path().join("whole"));
    whole.ok(&["restore", "--from", path_arg(&usb), "--kit", path_arg(&kit)]);
    assert_eq!(whole.state_hash(), office.state_hash());

    // The last entry of the list of devices, the revocation, taken out of the folder.
    let entries: Vec<std::path::PathBuf> =
        files(&usb).into_keys().filter(|path| path.to_string_lossy().contains("/roster/")).collect();
    let revocation = entries.iter().max().expect("roster entries");
    rempart_hub::objects::release(revocation);
    std::fs::remove_file(revocation).expect("take the revocation out");
    let shortened = Company::at(temp.path().join("shortened"));
    let refused = shortened.fails(&["restore", "--from", path_arg(&usb), "--kit", path_arg(&kit)]);
    assert!(refused.contains("gives a shortened list of devices"), "{refused}");
    assert!(!temp.path().join("shortened").exists(), "nothing was left");
}

/// A checkpoint (the whole database, encrypted and signed) written with a backup: a restore
/// starts from it, checks it event by event and against its state hash, and takes in the events
/// after it; a checkpoint altered in the folder is passed over and the restore goes on from the
/// log alone, to the same books.
#[test]
fn a_restore_starts_from_a_checkpoint_and_passes_over_an_altered_one() {
    let temp = temporary();
    let (_hub, node, kit) = connected(temp.path());
    let usb = temp.path().join("usb");
    node.ok(&["backup", "add", path_arg(&usb)]);
    node.entry(1, "100.00");
    let written = node.ok(&["backup", "run", "--checkpoint"]);
    assert!(written.contains("With a checkpoint of"), "{written}");
    node.entry(2, "200.00");
    let written = node.ok(&["backup", "run"]);
    assert!(!written.contains("checkpoint"), "none due yet: {written}");
    let hash = node.state_hash();

    let restored = Company::at(temp.path().join("restored"));
    let out = restored.ok(&["restore", "--from", path_arg(&usb), "--kit", path_arg(&kit)]);
    assert!(out.contains("started from its checkpoint of") && out.contains("all intact"), "{out}");
    assert!(out.contains("Restored 1 events"), "only the entry after the checkpoint is applied: {out}");
    assert_eq!(restored.state_hash(), hash);
    let checked = node.ok(&["backup", "verify"]);
    assert!(checked.contains("events gives the same books as its log") && checked.contains("restored and verified"));

    // The checkpoint altered in a copy of the folder: passed over, the log restores the same.
    let copy = temp.path().join("copy");
    copy_target(&usb, &copy);
    let checkpoint =
        files(&copy).into_keys().find(|path| path.to_string_lossy().contains("/checkpoints/")).expect("a checkpoint");
    flip(&checkpoint);
    let from_log = Company::at(temp.path().join("from-log"));
    let out = from_log.ok(&["restore", "--from", path_arg(&copy), "--kit", path_arg(&kit)]);
    assert!(!out.contains("started from its checkpoint") && out.contains("all intact"), "{out}");
    assert_eq!(from_log.state_hash(), hash);

    // A batch the checkpoint stands for, damaged on the USB disk: a restore from the checkpoint
    // would not read it, but one that falls back to the log, or goes to an earlier moment, does;
    // `backup verify` reads the log too, and names it.
    let covered = files(&usb)
        .into_keys()
        .filter(|path| path.components().any(|part| part.as_os_str() == "b"))
        .find(|path| path.ends_with("00000000000000000001"))
        .expect("a first batch");
    flip(&covered);
    let output = node.run(&["backup", "verify"]);
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{said}");
    assert!(said.contains("is damaged") && said.contains("NOT SOUND"), "{said}");
}

/// Batches taken out of a backup folder (a device's newest): the restore gives back less than
/// the other devices had seen, and says so, failing; `backup verify` says so too.
#[test]
fn batches_taken_out_of_a_backup_are_named_by_what_the_other_devices_had_seen() {
    let temp = temporary();
    let (hub, node, kit) = connected(temp.path());
    let laptop = enrol(&node, &hub, &temp.path().join("laptop"));
    for day in [1, 2] {
        laptop.entry(day, "10.00");
        laptop.ok(&["sync"]);
    }
    node.ok(&["sync"]);
    node.entry(3, "30.00");
    let usb = temp.path().join("usb");
    node.ok(&["backup", "add", path_arg(&usb)]);
    node.ok(&["backup", "run"]);
    let identity: serde_json::Value =
        serde_json::from_slice(&std::fs::read(laptop.dir.join("node.json")).expect("node.json")).expect("JSON");
    let laptop_id = identity["node"].as_str().expect("the laptop's id").to_owned();
    let last = files(&usb)
        .into_keys()
        .filter(|path| path.parent().and_then(|dir| dir.file_name()).is_some_and(|name| name == laptop_id.as_str()))
        .max()
        .expect("the laptop's batches");
    rempart_hub::objects::release(&last);
    std::fs::remove_file(&last).expect("taken out");

    let restored = Company::at(temp.path().join("restored"));
    let output = restored.run(&["restore", "--from", path_arg(&usb), "--kit", path_arg(&kit)]);
    let complained = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{complained}");
    assert!(complained.contains(&format!("had seen the events of node {}", &laptop_id[..8])), "{complained}");
    let output = node.run(&["backup", "verify"]);
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success() && said.contains("NOT SOUND"), "{said}");
}

/// Pruning, from an administrator's device and with `--yes` only: the checkpoints older than the
/// newest are removed, the newest and the whole log stay; a restore starts from the newest, and a
/// restore to a moment before it still comes whole from the log.
#[test]
fn pruning_removes_old_checkpoints_only_when_confirmed_never_the_newest_nor_the_log() {
    let temp = temporary();
    let (_hub, node, kit) = connected(temp.path());
    let usb = temp.path().join("usb");
    node.ok(&["backup", "add", path_arg(&usb)]);
    node.entry(1, "100.00");
    node.ok(&["backup", "run", "--checkpoint"]);
    node.entry(2, "200.00");
    node.ok(&["backup", "run", "--checkpoint"]);
    let stamped: i64 = node
        .database()
        .query_row("SELECT max(hlc_wall_ms) FROM events", [], |row| row.get(0))
        .expect("the last event's stamp");
    let at_second = node.state_hash();
    node.entry(3, "300.00");
    node.ok(&["backup", "run", "--checkpoint"]);
    let checkpoints = || -> Vec<std::path::PathBuf> {
        files(&usb).into_keys().filter(|path| path.to_string_lossy().contains("/checkpoints/")).collect()
    };
    let log = || -> Vec<(std::path::PathBuf, Vec<u8>)> {
        files(&usb).into_iter().filter(|(path, _)| !path.to_string_lossy().contains("/checkpoints/")).collect()
    };
    let (made, log_before) = (checkpoints(), log());
    assert_eq!(made.len(), 3, "{made:?}");
    let newest = made.iter().max_by_key(|path| path.file_name().map(|name| name.to_owned())).expect("one").clone();
    // A bit flipped in the oldest one's body: the check names it, though no restore starts from it.
    let oldest = made.iter().min_by_key(|path| path.file_name().map(|name| name.to_owned())).expect("one").clone();
    let sound = std::fs::read(&oldest).expect("read");
    flip(&oldest);
    let output = node.run(&["backup", "verify"]);
    let said = String::from_utf8_lossy(&output.stdout);
    let name = oldest.strip_prefix(&usb).expect("within").display().to_string();
    assert!(!output.status.success() && said.contains(&name) && said.contains("is damaged"), "{said}");
    std::fs::write(&oldest, sound).expect("put back");
    assert!(node.ok(&["backup", "verify"]).contains("restored and verified"));
    // A copy of the newest planted under another device's name: no checkpoint of its own, it
    // takes no genuine one's place among those kept.
    let planted = newest.parent().and_then(Path::parent).expect("checkpoints").join("80808080808080808080808080808080");
    std::fs::create_dir_all(&planted).expect("mkdir");
    let planted = planted.join(newest.file_name().expect("a name"));
    std::fs::copy(&newest, &planted).expect("plant");
    let made: Vec<std::path::PathBuf> = checkpoints();

    // Without --yes, nothing goes: what would is named.
    let shown = node.ok(&["backup", "prune"]);
    assert_eq!(shown.matches("would be removed").count(), 2, "{shown}");
    assert!(shown.contains("run again with --yes to remove these 2 objects"), "{shown}");
    assert_eq!(checkpoints(), made, "nothing removed");
    assert!(node.fails(&["backup", "prune", "--keep", "0", "--yes"]).contains("--keep"));
    // Keeping three, nothing is to go; in French, the same.
    let kept = node.ok_in("fr", &["backup", "prune", "--keep", "3", "--yes"]);
    assert!(kept.contains("rien à supprimer") && kept.matches("conservé").count() == 3, "{kept}");
    assert!(!kept.contains("80808080"), "the planted copy is not one kept: {kept}");
    // Confirmed: the two older ones go, the newest and every object of the log stay as they were.
    let pruned = node.ok(&["backup", "prune", "--yes"]);
    assert_eq!(pruned.matches(" removed (").count(), 2, "{pruned}");
    let mut left = vec![newest.clone(), planted.clone()];
    left.sort();
    assert_eq!(checkpoints(), left, "the newest, and the planted copy as new as it");
    assert_eq!(log(), log_before, "the log is never pruned");
    let again = node.ok(&["backup", "prune", "--yes"]);
    assert!(again.contains("nothing to remove"), "{again}");
    // The planted copy is named by the check as what it is: no checkpoint of that name.
    let output = node.run(&["backup", "verify"]);
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success() && said.contains("80808080808080808080808080808080/"), "{said}");
    assert!(said.contains("is damaged"), "{said}");
    std::fs::remove_file(&planted).expect("taken away");
    assert!(node.ok(&["backup", "verify"]).contains("restored and verified"));

    // A restore starts from the newest; one to a moment before it, from the log.
    let now = Company::at(temp.path().join("now"));
    let out = now.ok(&["restore", "--from", path_arg(&usb), "--kit", path_arg(&kit)]);
    assert!(out.contains("started from its checkpoint of") && out.contains("all intact"), "{out}");
    assert_eq!(now.state_hash(), node.state_hash());
    let moment = chrono::DateTime::from_timestamp_millis(stamped).expect("a moment").to_rfc3339();
    let then = Company::at(temp.path().join("then"));
    let out = then.ok(&["restore", "--from", path_arg(&usb), "--until", &moment, "--kit", path_arg(&kit)]);
    assert!(!out.contains("started from its checkpoint") && out.contains("all intact"), "{out}");
    assert_eq!(then.state_hash(), at_second);
}

/// The office's machine and the hub both lost, no backup target: the books come back from the
/// shop's till (a member device: it holds no recovery secret), its data directory read as a
/// restore's source with the kit. The till's directory is read, never changed; the restored
/// device syncs with the company's hub; another company's directory is refused.
#[test]
fn the_books_come_back_from_another_nodes_data_directory_with_the_kit() {
    let temp = temporary();
    let (hub, node, kit) = connected(temp.path());
    let till = enrol(&node, &hub, &temp.path().join("till"));
    node.entry(1, "100.00");
    node.ok(&["sync"]);
    till.entry(2, "20.00");
    till.ok(&["sync"]);
    node.ok(&["sync"]);
    till.ok(&["sync"]);
    let books = node.state_hash();
    assert_eq!(till.state_hash(), books, "the till holds the whole company");
    let before = files(&till.dir);
    let hub_url = hub.url.clone();
    hub.stop();
    overwrite_every_file(&node.dir, 11);

    let restored = Company::at(temp.path().join("restored"));
    let out = restored.ok(&["restore", "--from", path_arg(&till.dir), "--kit", path_arg(&kit)]);
    assert!(out.contains("all intact"), "{out}");
    assert_eq!(restored.state_hash(), books);
    assert_eq!(files(&till.dir), before, "the till's directory is read, never changed");
    let status = restored.ok(&["status"]);
    assert!(status.contains(&hub_url), "the company's hub, to sync with: {status}");

    let other = Company::new("FR");
    let elsewhere = Company::at(temp.path().join("elsewhere"));
    let refused = elsewhere.fails(&["restore", "--from", path_arg(&other.dir), "--kit", path_arg(&kit)]);
    assert!(refused.contains("holds another company than the recovery kit's"), "{refused}");
    assert!(!temp.path().join("elsewhere").exists(), "nothing was left");
}

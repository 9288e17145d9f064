//! Real processes: the `rempart hub` binary on loopback and three nodes (three data directories)
//! working while the hub is stopped, restarted, wiped and replaced; their state hashes converge.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use crate::{Company, binary};

/// A hub process on a port it chose; killed when dropped.
pub(crate) struct HubProcess {
    child: Child,
    pub(crate) url: String,
}

impl HubProcess {
    /// A hub of one's own: any company may connect.
    pub(crate) fn start(store: &Path) -> HubProcess {
        HubProcess::start_with(store, &["--open-signup"])
    }

    fn start_with(store: &Path, extra: &[&str]) -> HubProcess {
        let mut child = binary()
            .args(["hub", "--listen", "127.0.0.1:0", "--store"])
            .arg(store)
            .args(extra)
            .env("REMPART_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the hub");
        let stdout = child.stdout.take().expect("hub stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("hub's first line");
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://") || word.starts_with("https://"))
            .map(|word| word.trim_end_matches(',').to_owned())
            .unwrap_or_else(|| panic!("the hub did not say where it listens: {line}"));
        HubProcess { child, url }
    }

    pub(crate) fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A node is a company's data directory driven through the binary.
type Node = Company;

pub(crate) trait Work {
    fn entry(&self, day: u32, amount: &str);
}

impl Work for Node {
    fn entry(&self, day: u32, amount: &str) {
        self.ok(&[
            "entry",
            "add",
            "--date",
            &format!("2026-06-{day:02}"),
            "--text",
            "Vente atelier",
            "--post",
            &format!("1020={amount}"),
            "--post",
            &format!("3400=-{amount}"),
        ]);
    }
}

/// Issue 18, flaw 5, through the real binary: a hub started without `--open-signup` admits a new
/// company only with a one-time token its operator printed with `rempart hub token`, and a hub
/// that lost everything takes the company back only with a new one.
#[test]
fn a_closed_hub_admits_a_company_with_a_one_time_token_from_its_operator() {
    let temp = tempfile::tempdir().unwrap();
    let store = temp.path().join("hub");
    std::fs::create_dir_all(&store).unwrap();
    let hub = HubProcess::start_with(&store, &[]);
    let office = Company::at(temp.path().join("office"));
    office.ok(&["init", "--company", "Garage du Lac SA", "--country", "CH"]);
    let kit = temp.path().join("kit.txt");
    let refused = office.fails(&["connect", &hub.url, "--kit-out", kit.to_str().unwrap()]);
    assert!(refused.contains("admission token"), "{refused}");
    assert!(!kit.exists() && !office.dir.join("sync.key").exists());
    let token = |store: &Path| {
        let output = binary().args(["hub", "token", "--store"]).arg(store).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().lines().last().unwrap().trim().to_owned()
    };
    let first = token(&store);
    assert!(first.starts_with("RMPA-"), "{first}");
    office.ok(&["connect", &hub.url, "--kit-out", kit.to_str().unwrap(), "--token", &first]);
    // Spent.
    let other = Company::at(temp.path().join("other"));
    other.ok(&["init", "--company", "Autre SA", "--country", "CH"]);
    let kit2 = temp.path().join("kit2.txt");
    let refused = other.fails(&["connect", &hub.url, "--kit-out", kit2.to_str().unwrap(), "--token", &first]);
    assert!(refused.contains("admission token"), "{refused}");

    // The hub loses everything: the company comes back with a new token only.
    hub.stop();
    std::fs::remove_dir_all(&store).unwrap();
    std::fs::create_dir_all(&store).unwrap();
    let hub = HubProcess::start_with(&store, &[]);
    office.entry(1, "100.00");
    let refused = office.fails(&["sync", "--hub", &hub.url]);
    assert!(refused.contains("admission token"), "{refused}");
    let again = token(&store);
    let out = office.ok(&["sync", "--token", &again]);
    assert!(out.contains("list of devices lacked entries this node holds"), "{out}");
    hub.stop();
}

/// An invitation for a member device whose invoice numbers take `series`.
pub(crate) fn invite(node: &Node, series: &str) -> String {
    let out = node.ok(&["device", "invite", "--series", series]);
    out.lines().last().expect("a code on the last line").trim().to_owned()
}

/// Issue 18, flaw 1, as a new user would try it: an admin device is revoked; its former user,
/// who knew the company's recovery kit (an admin device holds its secret) and the old admin
/// passphrase of earlier versions, tries to get back in through the hub with all of it. Nothing
/// written after the revocation opens to them; the new kit restores everything.
#[test]
fn a_revoked_admin_gets_nothing_back_with_what_it_knew() {
    let temp = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(&temp.path().join("hub"));
    let office = Company::at(temp.path().join("office"));
    office.ok(&["init", "--company", "Garage du Lac SA", "--country", "CH"]);
    let old_kit = temp.path().join("old-kit.txt");
    office.ok(&["connect", &hub.url, "--kit-out", old_kit.to_str().unwrap()]);
    let code =
        office.ok(&["device", "invite", "--role", "admin", "--series", "B"]).lines().last().unwrap().trim().to_owned();
    let boss = Company::at(temp.path().join("boss"));
    // The code from a file, not the command line.
    let code_file = temp.path().join("code.txt");
    std::fs::write(&code_file, format!("{code}\n")).unwrap();
    boss.ok(&["join", "--code-file", code_file.to_str().unwrap(), "--hub", &hub.url]);
    office.entry(1, "100.00");
    office.ok(&["sync"]);
    boss.ok(&["sync"]);

    let boss_id = boss.ok(&["status"]).lines().next().unwrap().split("node ").nth(1).unwrap()[..8].to_owned();
    let new_kit = temp.path().join("new-kit.txt");
    let out = office.ok(&["device", "revoke", &boss_id, "--kit-out", new_kit.to_str().unwrap()]);
    assert!(out.contains("NEW recovery kit"), "{out}");
    // Written after the revocation.
    office.entry(2, "2345.60");
    office.ok(&["sync"]);

    // The old kit (and, from earlier versions, the old passphrase in the environment) open
    // nothing: refused by the hub, nothing left behind.
    let tenant = office.ok(&["status"]).lines().next().unwrap().rsplit(' ').next().unwrap().to_owned();
    let thief = Company::at(temp.path().join("thief"));
    let output = binary()
        .arg("--data-dir")
        .arg(&thief.dir)
        .args(["restore", "--hub", &hub.url, "--kit", old_kit.to_str().unwrap()])
        .env("REMPART_PASSPHRASE", "remparts et douves profondes")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let refused = String::from_utf8_lossy(&output.stderr);
    assert!(refused.contains("does not accept this recovery kit"), "{refused}");
    assert!(!thief.dir.exists());
    // The passphrase wrap of earlier versions is served to no one, signed or not.
    for path in [format!("/v1/t/{tenant}/wraps/passphrase"), format!("/v1/t/{tenant}/roster")] {
        let answer = ureq::get(&format!("{}{path}", hub.url)).config().http_status_as_error(false).build().call();
        let status = answer.map(|answer| answer.status().as_u16()).unwrap();
        assert_eq!(status, 401, "{path}");
    }
    // The revoked device itself is told so, and `sync --watch` stops at once: retrying cannot
    // help (a deadline, not a sleep, bounds the wait).
    let refused = boss.fails(&["sync"]);
    assert!(refused.contains("revoked"), "{refused}");
    let watch = binary()
        .arg("--data-dir")
        .arg(&boss.dir)
        .args(["sync", "--watch", "--interval", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (sender, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(watch.wait_with_output()));
    let output =
        ended.recv_timeout(std::time::Duration::from_secs(60)).expect("sync --watch went on retrying").unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("revoked"));
    let journal = boss.ok(&["report", "journal", "--format", "csv"]);
    assert!(!journal.contains("2345.60"), "{journal}");

    // The current kit is shown again from the admin device (the same words as the new kit); the
    // revoked device has none to show.
    let again = temp.path().join("again-kit.txt");
    office.ok(&["kit", "--kit-out", again.to_str().unwrap()]);
    let words = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter_map(|line| line.trim().split_once(". "))
            .filter(|(number, _)| number.parse::<u32>().is_ok())
            .map(|(_, word)| word.to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(words(&again).len(), 24);
    assert_eq!(words(&again), words(&new_kit));
    assert_ne!(words(&again), words(&old_kit));
    let refused = boss.fails(&["kit", "--kit-out", temp.path().join("boss-kit.txt").to_str().unwrap()]);
    assert!(refused.contains("revoked") || refused.contains("admin"), "{refused}");

    // The new kit restores everything, the entry written after the revocation with it.
    let restored = Company::at(temp.path().join("restored"));
    restored.ok(&["restore", "--hub", &hub.url, "--kit", new_kit.to_str().unwrap()]);
    let journal = restored.ok(&["report", "journal", "--format", "csv"]);
    assert!(journal.contains("2345.60"), "{journal}");
    assert_eq!(restored.state_hash(), office.state_hash());
    hub.stop();
}

#[test]
fn three_nodes_converge_through_a_hub_stopped_restarted_wiped_and_replaced() {
    let temp = tempfile::tempdir().unwrap();
    let hub_store = temp.path().join("hub");
    let hub = HubProcess::start(&hub_store);
    let office = Company::at(temp.path().join("office"));
    let laptop = Company::at(temp.path().join("laptop"));
    let till = Company::at(temp.path().join("till"));
    office.ok(&["init", "--company", "Garage du Lac SA", "--country", "CH"]);
    office.entry(1, "100.00");

    // No terminal and no --kit-out: refused before anything is sent.
    let refused = office.fails(&["connect", &hub.url]);
    assert!(refused.contains("--kit-out"), "{refused}");
    let kit = temp.path().join("kit.txt");
    let out = office.ok(&["connect", &hub.url, "--kit-out", kit.to_str().unwrap()]);
    assert!(out.contains("cannot be recovered by anyone"), "{out}");
    let kit_text = std::fs::read_to_string(&kit).unwrap();
    assert_eq!(
        kit_text.lines().filter(|line| line.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit())).count(),
        24
    );

    for (node, series) in [(&laptop, "B"), (&till, "C")] {
        let code = invite(&office, series);
        assert!(code.starts_with("RMP1-"), "{code}");
        let out = node.ok(&["join", &code, "--hub", &hub.url]);
        assert!(out.contains("events received"), "{out}");
        // The code works once.
        let again = Company::at(temp.path().join("again"));
        let refused = again.fails(&["join", &code, "--hub", &hub.url]);
        assert!(refused.contains("unknown, used or expired"), "{refused}");
        assert!(!again.dir.exists(), "nothing is left of a refused join");
    }
    // Each device's invoice series is its own: one taken, or not a short prefix, is refused.
    let taken = office.fails(&["device", "invite", "--series", "B"]);
    assert!(taken.contains("invoice series B is another device's already"), "{taken}");
    let bad = office.fails(&["device", "invite", "--series", "b-2"]);
    assert!(bad.contains("\"b-2\" is not an invoice series"), "{bad}");

    // Everyone works; the hub stops; everyone keeps working offline; sync says it plainly.
    laptop.entry(2, "200.00");
    till.entry(3, "300.00");
    for node in [&office, &laptop, &till] {
        node.ok(&["sync"]);
    }
    hub.stop();
    office.entry(4, "400.00");
    laptop.entry(5, "500.00");
    let offline = till.fails(&["sync"]);
    assert!(offline.contains("cannot be reached"), "{offline}");
    till.entry(6, "600.00");
    let status = till.ok(&["status"]);
    assert!(status.contains("offline since"), "{status}");
    assert!(status.contains("Events of this node not at the hub yet"), "{status}");

    // Restarted on the same store (on a new port).
    let hub = HubProcess::start(&hub_store);
    for node in [&office, &laptop, &till, &office, &laptop] {
        node.ok(&["sync", "--hub", &hub.url]);
    }
    let hash = office.state_hash();
    assert_eq!(laptop.state_hash(), hash);
    assert_eq!(till.state_hash(), hash);
    let status = office.ok(&["status"]);
    assert!(status.contains(": reachable."), "{status}");
    assert!(status.contains("Every event of this node is at the hub"), "{status}");
    assert_eq!(status.lines().filter(|line| line.starts_with("  ")).count(), 3, "{status}");
    // The office and the laptop numbered entries of the same journal while offline, each in its
    // own series: no number is given twice, and the journal shows both series.
    let conflicts = office.ok(&["conflicts", "--format", "csv"]);
    assert_eq!(conflicts.lines().count(), 1, "only the header: {conflicts}");
    assert!(status.contains("No fork, no conflict"), "{status}");
    let journal = office.ok(&["report", "journal", "--format", "csv"]);
    let laptop_series =
        format!("OD {}", laptop.ok(&["status"]).split("node ").nth(1).unwrap().split(' ').next().unwrap());
    assert!(journal.contains(&format!("{laptop_series},")), "{laptop_series} in {journal}");

    // Wiped: the store is emptied under a new process; the nodes refill it.
    hub.stop();
    std::fs::remove_dir_all(&hub_store).unwrap();
    let hub = HubProcess::start(&hub_store);
    till.entry(7, "700.00");
    let out = till.ok(&["sync", "--hub", &hub.url]);
    assert!(out.contains("list of devices lacked entries this node holds"), "{out}");
    for node in [&office, &laptop, &till] {
        node.ok(&["sync", "--hub", &hub.url]);
    }

    // Replaced by a brand-new hub elsewhere: the same.
    hub.stop();
    let hub = HubProcess::start(&temp.path().join("new-hub"));
    office.entry(8, "800.00");
    for node in [&laptop, &office, &till, &laptop] {
        node.ok(&["sync", "--hub", &hub.url]);
    }
    let hash = office.state_hash();
    assert_eq!(laptop.state_hash(), hash);
    assert_eq!(till.state_hash(), hash);
    let balance = office.ok(&["report", "trial-balance", "--format", "csv"]);
    assert!(balance.contains("3600.00") || balance.contains("-3600.00"), "{balance}");

    // Every device is lost: the books come back from the hub alone, with the kit.
    let restored = Company::at(temp.path().join("restored"));
    let out = restored.ok(&["restore", "--hub", &hub.url, "--kit", kit.to_str().unwrap()]);
    assert!(out.contains("Restored") && out.contains("download") && out.contains("apply"), "{out}");
    assert_eq!(restored.state_hash(), hash);
    let tenant = office.ok(&["status"]).lines().next().unwrap().rsplit(' ').next().unwrap().to_owned();
    let fingerprint = kit_text.lines().find(|line| line.starts_with("Roster fingerprint")).unwrap();
    let roster = kit_text.lines().find(|line| line.starts_with("List of devices when")).unwrap();
    let words: Vec<String> = kit_text
        .lines()
        .filter_map(|line| line.trim().split_once(". "))
        .filter(|(number, _)| number.parse::<u32>().is_ok())
        .map(|(_, word)| word.to_owned())
        .collect();
    assert_eq!(words.len(), 24);
    // Retyped by hand, as the words alone: refused, the company and the roster fingerprint are
    // needed too (and the roster when the kit was made, which kits made before it was printed
    // lack: as much as they knew); then with them, restored.
    let typed = temp.path().join("typed-kit.txt");
    std::fs::write(&typed, words.join(" ")).unwrap();
    let again = Company::at(temp.path().join("again-restored"));
    let refused = again.fails(&["restore", "--hub", &hub.url, "--kit", typed.to_str().unwrap()]);
    assert!(refused.contains("roster fingerprint"), "{refused}");
    assert!(!again.dir.exists());
    std::fs::write(&typed, format!("{tenant}\n{fingerprint}\n{roster}\n{}", words.join(" "))).unwrap();
    again.ok(&["restore", "--hub", &hub.url, "--kit", typed.to_str().unwrap()]);
    assert_eq!(again.state_hash(), hash);
    // A kit with a word changed is refused plainly, and leaves nothing behind.
    let wrong = temp.path().join("wrong-kit.txt");
    let mut changed = words.clone();
    changed[3] = if changed[3] == "abandon" { "ability".into() } else { "abandon".into() };
    std::fs::write(&wrong, format!("company {tenant}\n{fingerprint}\n{}", changed.join(" "))).unwrap();
    let failed = Company::at(temp.path().join("failed"));
    let refused = failed.fails(&["restore", "--hub", &hub.url, "--kit", wrong.to_str().unwrap()]);
    assert!(refused.contains("recovery kit"), "{refused}");
    assert!(!failed.dir.exists());

    // The till is lost: revoked from the office; it is told so when it tries to sync.
    let devices = office.ok(&["device", "list", "--format", "csv"]);
    let till_id = till.ok(&["status"]).lines().next().unwrap().split("node ").nth(1).unwrap()[..8].to_owned();
    assert!(devices.contains(&till_id), "{devices}");
    let out = office.ok(&["device", "revoke", &till_id]);
    assert!(out.contains("revoked"), "{out}");
    let refused = till.fails(&["sync", "--hub", &hub.url]);
    assert!(refused.contains("revoked"), "{refused}");
    hub.stop();
}

#[test]
fn two_hub_processes_on_one_store_serve_one_company_concurrently_and_lose_nothing() {
    let temp = tempfile::tempdir().unwrap();
    let store = temp.path().join("shared");
    let first = HubProcess::start(&store);
    let second = HubProcess::start(&store);
    let office = Company::at(temp.path().join("office"));
    office.ok(&["init", "--company", "Garage du Lac SA", "--country", "CH"]);
    let kit = temp.path().join("kit.txt");
    office.ok(&["connect", &first.url, "--kit-out", kit.to_str().unwrap()]);
    let nodes: Vec<Node> = ["laptop", "till"]
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let node = Company::at(temp.path().join(name));
            let code = invite(&office, ["B", "C"][index]);
            let url = if index == 0 { &second.url } else { &first.url };
            node.ok(&["join", &code, "--hub", url]);
            node
        })
        .collect();
    let all: Vec<&Node> = std::iter::once(&office).chain(nodes.iter()).collect();
    // Three rounds: everyone records, then everyone syncs at once, each with one of the hubs.
    for round in 0..3u32 {
        for (index, node) in all.iter().enumerate() {
            node.entry(1 + round * 3 + index as u32, &format!("{}.00", 10 * (index + 1)));
        }
        std::thread::scope(|scope| {
            for (index, node) in all.iter().enumerate() {
                let url =
                    if (index + round as usize).is_multiple_of(2) { first.url.clone() } else { second.url.clone() };
                scope.spawn(move || node.ok(&["sync", "--hub", &url]));
            }
        });
    }
    for node in all.iter().chain(all.iter()) {
        node.ok(&["sync"]);
    }
    let hash = office.state_hash();
    for node in &nodes {
        assert_eq!(node.state_hash(), hash);
    }
    let balance = office.ok(&["report", "trial-balance", "--format", "csv"]);
    assert!(balance.contains("180.00"), "{balance}");
    first.stop();
    second.stop();
}

#[test]
fn a_directory_put_back_from_a_backup_records_again_only_after_a_sync() {
    let temp = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(&temp.path().join("hub"));
    let office = Company::at(temp.path().join("office"));
    office.ok(&["init", "--company", "Garage du Lac SA", "--country", "CH"]);
    let kit = temp.path().join("kit.txt");
    office.ok(&["connect", &hub.url, "--kit-out", kit.to_str().unwrap()]);
    office.entry(1, "100.00");
    office.ok(&["sync"]);
    let backup = temp.path().join("backup");
    rempart_store::layout::copy_data_dir(&office.dir, &backup).unwrap();
    office.entry(2, "200.00");
    office.ok(&["sync"]);
    let hash = office.state_hash();

    // The directory is put back from the backup: recording is refused, status says why.
    std::fs::remove_dir_all(&office.dir).unwrap();
    std::fs::rename(&backup, &office.dir).unwrap();
    let refused = office.fails(&[
        "entry",
        "add",
        "--date",
        "2026-06-09",
        "--text",
        "Vente",
        "--post",
        "1020=5.00",
        "--post",
        "3400=-5.00",
    ]);
    assert!(refused.contains("Run `rempart sync` first"), "{refused}");
    assert!(refused.lines().count() <= 2, "one clear message: {refused}");
    let status = office.ok(&["status"]);
    assert!(status.contains("put back from a backup"), "{status}");
    let out = office.ok(&["sync"]);
    assert!(out.contains("confirmed this node's own head"), "{out}");
    assert_eq!(office.state_hash(), hash);
    office.entry(3, "300.00");
    office.ok(&["sync"]);
    let status = office.ok(&["status"]);
    assert!(status.contains("No fork, no conflict") && !status.contains("put back"), "{status}");

    // Put back again, with the hub out of reach: a new chain, and recording goes on at once.
    let backup = temp.path().join("backup2");
    rempart_store::layout::copy_data_dir(&office.dir, &backup).unwrap();
    office.entry(4, "400.00");
    office.ok(&["sync"]);
    hub.stop();
    std::fs::remove_dir_all(&office.dir).unwrap();
    std::fs::rename(&backup, &office.dir).unwrap();
    let offline = office.fails(&["sync"]);
    assert!(offline.contains("cannot be reached"), "{offline}");
    let out = office.ok(&["device", "rechain"]);
    assert!(out.contains("goes on as node"), "{out}");
    office.entry(5, "500.00");
    let again = office.fails(&["device", "rechain"]);
    assert!(again.contains("records as it is"), "{again}");
    let hub = HubProcess::start(&temp.path().join("hub"));
    office.ok(&["sync", "--hub", &hub.url]);
    let status = office.ok(&["status"]);
    assert!(!status.contains("put back"), "{status}");
    // The new chain numbers in a series of its own: the number the old identity gave its last
    // entry is not given twice.
    let conflicts = office.ok(&["conflicts", "--format", "csv"]);
    assert_eq!(conflicts.lines().count(), 1, "only the header: {conflicts}");
    assert!(status.contains("No fork, no conflict"), "{status}");
    // The kit restores the company with both chains of the device.
    let restored = Company::at(temp.path().join("restored"));
    restored.ok(&["restore", "--hub", &hub.url, "--kit", kit.to_str().unwrap()]);
    office.ok(&["sync"]);
    assert_eq!(restored.state_hash(), office.state_hash());
    let devices = office.ok(&["device", "list", "--format", "csv"]);
    assert_eq!(devices.lines().count(), 4, "header, the old identity, the new one, the restored: {devices}");
    let balance = office.ok(&["report", "trial-balance", "--format", "csv"]);
    assert!(balance.contains("1500.00"), "100 + 200 + 300 + 400 + 500: {balance}");
}

#[test]
fn a_hub_over_tls_is_reached_only_by_nodes_that_trust_its_certificate() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let (cert, key, ca) = (fixtures.join("hub.pem"), fixtures.join("hub.key"), fixtures.join("ca.pem"));
    let temp = tempfile::tempdir().unwrap();
    let hub = HubProcess::start_with(
        &temp.path().join("hub"),
        &["--open-signup", "--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()],
    );
    assert!(hub.url.starts_with("https://127.0.0.1:"), "{}", hub.url);
    let office = Company::at(temp.path().join("office"));
    office.ok(&["init", "--company", "Garage du Lac SA", "--country", "CH"]);
    let kit = temp.path().join("kit.txt");
    // Without the company's certificate authority the hub's certificate is not trusted.
    let refused = office.fails(&["connect", &hub.url, "--kit-out", kit.to_str().unwrap()]);
    assert!(refused.contains("cannot be reached"), "{refused}");
    assert!(!kit.exists());
    let trusted = |args: &[&str]| {
        let output =
            binary().arg("--data-dir").arg(&office.dir).args(args).env("REMPART_HUB_CA", &ca).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let out = trusted(&["connect", &hub.url, "--kit-out", kit.to_str().unwrap()]);
    assert!(out.contains("events received"), "{out}");
    let status = trusted(&["status"]);
    assert!(status.contains(": reachable."), "{status}");
    hub.stop();
}

#[test]
fn on_a_terminal_the_kit_is_shown_and_three_of_its_words_are_asked_back() {
    use std::io::{Read, Write};
    let temp = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(&temp.path().join("hub"));
    let office = Company::at(temp.path().join("office"));
    office.ok(&["init", "--company", "Garage du Lac SA", "--country", "CH"]);
    // `script` (util-linux) runs the command on a pseudo-terminal, as a person would.
    let command = format!("{} --data-dir {} connect {}", env!("CARGO_BIN_EXE_rempart"), office.dir.display(), hub.url);
    let mut child = std::process::Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env("REMPART_LANG", "en")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script from util-linux");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (sender, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(read) = stdout.read(&mut buffer) {
            if read == 0 || sender.send(String::from_utf8_lossy(&buffer[..read]).into_owned()).is_err() {
                break;
            }
        }
    });
    let mut screen = String::new();
    let mut answered = 0;
    let mut wrong_given = false;
    // A bound on the test itself: the program answers long before.
    while let Ok(chunk) = received.recv_timeout(std::time::Duration::from_secs(60)) {
        screen.push_str(&chunk);
        let words: Vec<String> = screen
            .lines()
            .filter_map(|line| {
                line.trim().split_once(". ").filter(|(n, _)| n.parse::<u32>().is_ok()).map(|(_, w)| w.trim().to_owned())
            })
            .collect();
        let asked = screen.rsplit("Type word ").next().and_then(|rest| rest.split(' ').next()?.parse::<usize>().ok());
        let prompts = screen.matches("of the kit:").count();
        if let Some(number) = asked
            && prompts > answered
            && words.len() >= 24
        {
            if !wrong_given {
                stdin.write_all(b"rempart\n").unwrap();
                wrong_given = true;
            } else {
                stdin.write_all(format!("{}\n", words[number - 1]).as_bytes()).unwrap();
            }
            answered = prompts;
        }
        if screen.contains("events received") {
            break;
        }
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{screen}");
    assert!(screen.contains("That is not the word"), "{screen}");
    assert!(screen.contains("The kit is checked."), "{screen}");
    assert_eq!(screen.matches("of the kit:").count(), 4, "three words asked, one asked again: {screen}");
    hub.stop();
}

/// Two devices of one garage, apart, each do what one device alone would refuse twice: define
/// the same item and open the same account (each their own way), record an entry in January
/// while the other closes it, and both take the full payment of one invoice while one also
/// credits it. Every sync goes on (each device's own events reach the hub), both end with the
/// same books, and `conflicts` and `status` name each case, in French too.
#[test]
fn two_devices_apart_creating_the_same_keys_keep_syncing_and_list_what_one_device_would_refuse() {
    let temp = tempfile::tempdir().unwrap();
    let hub = HubProcess::start(&temp.path().join("hub"));
    let office = Company::at(temp.path().join("office"));
    let laptop = Company::at(temp.path().join("laptop"));
    office.ok(&["init", "--company", "Garage du Lac SA", "--country", "CH"]);
    office.in_morges(&[]);
    office.ok(&[
        "contact",
        "add",
        "--id",
        "FAVRE",
        "--name",
        "Jean Favre",
        "--set",
        "postcode=1196",
        "--set",
        "town=Gland",
    ]);
    let draft = crate::draft_of(&office.ok(&["invoice", "new", "--contact", "FAVRE", "--date", "2026-03-10"]));
    office.ok(&[
        "invoice",
        "line",
        &draft,
        "--text",
        "Service",
        "--price",
        "100.00",
        "--vat",
        "N81",
        "--account",
        "3400",
    ]);
    let number = crate::number_of(&office.ok(&["invoice", "issue", &draft]));
    let kit = temp.path().join("kit.txt");
    office.ok(&["connect", &hub.url, "--kit-out", kit.to_str().unwrap()]);
    // The code from standard input, out of the shell's history and the list of processes.
    laptop.ok_with_input(&["join", "--code-file", "-", "--hub", &hub.url], &format!("{}\n", invite(&office, "B")));

    // Apart.
    let item = |node: &Node, price: &str| {
        node.ok(&[
            "item",
            "add",
            "MO",
            "--label",
            "Main-d'œuvre",
            "--price",
            price,
            "--vat",
            "N81",
            "--account",
            "3400",
        ])
    };
    item(&office, "120.00");
    item(&laptop, "125.00");
    office.ok(&["account", "add", "1021", "--label", "Banque EUR", "--type", "asset", "--currency", "EUR"]);
    laptop.ok(&["account", "add", "1021", "--label", "Caisse atelier", "--type", "asset", "--currency", "CHF"]);
    office.ok(&["period", "close", "--until", "2026-01-31"]);
    laptop.ok(&[
        "entry",
        "add",
        "--date",
        "2026-01-15",
        "--text",
        "Oubli janvier",
        "--post",
        "6000=50.00",
        "--post",
        "1020=-50.00",
    ]);
    for node in [&office, &laptop] {
        node.ok(&["payment", "add", "--contact", "FAVRE", "--amount", "108.10", "--invoice", &number]);
    }
    laptop.ok(&["invoice", "credit", &number]);

    // Each device's sync goes on (a chain it could not take in would be a warning and a
    // failure), and the second round leaves nothing behind.
    for node in [&office, &laptop, &office, &laptop] {
        let out = node.ok(&["sync"]);
        assert!(!out.contains("WARNING"), "{out}");
    }
    for node in [&office, &laptop] {
        let status = node.ok(&["status"]);
        assert!(!status.contains("not at the hub yet"), "{status}");
        assert!(status.contains("Conflicts to look at"), "{status}");
    }
    assert_eq!(office.state_hash(), laptop.state_hash());

    let conflicts = office.ok(&["conflicts", "--format", "csv"]);
    assert_eq!(conflicts, laptop.ok(&["conflicts", "--format", "csv"]));
    let kinds: Vec<&str> = conflicts.lines().skip(1).map(|line| line.split(',').next().unwrap_or("")).collect();
    assert_eq!(
        kinds,
        [
            "Created on several nodes",
            "Created on several nodes",
            "Entry in a closed period",
            "Invoice paid beyond its total"
        ],
        "{conflicts}"
    );
    assert!(conflicts.contains("item MO") && conflicts.contains("account 1021"), "{conflicts}");
    assert!(conflicts.contains("108.10 paid more than its total, kept as a credit of FAVRE"), "{conflicts}");

    // Nothing is shown open on the invoice; the excess is the customer's credit.
    let receivables = office.ok(&["report", "receivables", "--to", "2026-12-31", "--format", "csv"]);
    assert!(!receivables.contains(&number), "{receivables}");
    assert!(receivables.contains("216.20"), "{receivables}");

    let french = office.ok_in("fr", &["conflicts"]);
    assert!(french.contains("Créé sur plusieurs nœuds") && french.contains("108.10"), "{french}");

    // The owner sets the item's price and settles that conflict on one device: once synced, no
    // device lists it. An id that names no open conflict is refused and changes nothing.
    office.ok(&["item", "edit", "MO", "--price", "122.00"]);
    let item_conflict = conflicts
        .lines()
        .find(|line| line.contains("item MO"))
        .and_then(|line| line.rsplit(',').next())
        .expect("the item's conflict and its id")
        .to_owned();
    let before = office.log_snapshot();
    let refused = office.fails(&["conflicts", "--settle", "0123456789"]);
    assert!(refused.contains("no open conflict has the id 0123456789"), "{refused}");
    assert_eq!(office.log_snapshot(), before);
    let settled = office.ok(&["conflicts", "--settle", &item_conflict]);
    assert!(settled.contains(&item_conflict), "{settled}");
    office.ok(&["sync"]);
    laptop.ok(&["sync"]);
    let conflicts = laptop.ok(&["conflicts", "--format", "csv"]);
    assert!(!conflicts.contains("item MO") && conflicts.contains("account 1021"), "{conflicts}");
    assert_eq!(office.state_hash(), laptop.state_hash());
}

//! Issue 24, through the real binary: backups to folders that the node writes create-only, a
//! damaged object named by `backup verify` and taken from the other target by the restore, and
//! the ransomware case: every file of the data directory overwritten, the books restored from the
//! backups with the recovery kit alone, the hub stopped.

use std::path::Path;

use crate::sync::{HubProcess, Work};
use crate::{Company, path_arg};

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

/// Flips one bit in the middle of a file.
fn flip(path: &Path) {
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
    let temp = tempfile::tempdir().expect("temporary directory");
    let hub = HubProcess::start(&temp.path().join("hub"));
    let node = Company::new("CH");
    let kit = temp.path().join("kit.txt");
    node.ok(&["connect", &hub.url, "--kit-out", path_arg(&kit)]);
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
    let nothing = node.ok(&["backup", "run"]);
    assert!(nothing.contains("0 new events, 0 objects"), "{nothing}");
    let backed_up = node.state_hash();
    let sound = node.ok(&["backup", "verify"]);
    assert_eq!(sound.matches("restored and verified").count(), 2, "{sound}");

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
    let refused = nowhere.fails(&["restore", "--from", "s3://bucket", "--kit", path_arg(&kit)]);
    assert!(refused.contains("is not a backup target"), "{refused}");
    assert!(!temp.path().join("nowhere").exists(), "nothing was made");
}

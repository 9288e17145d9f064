//! The demo chain and its drill (issue 22): a chain of three stores built through real processes
//! and a real hub on loopback, then the first incident replayed on copies of it.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{Company, binary};

/// Every file under `dir` and its bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                let name = entry.path().strip_prefix(dir).unwrap().display().to_string();
                found.insert(name, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    found
}

/// The two numbers of a report line `label: A of B`.
fn a_of_b(text: &str, label: &str) -> (u64, u64) {
    let line = text.lines().find(|line| line.contains(label)).unwrap_or_else(|| panic!("no line {label} in:\n{text}"));
    // Counts are grouped by thousands as the company's locale writes them (1'080).
    let after = line[line.find(label).unwrap() + label.len()..].replace('\'', "");
    let numbers: Vec<u64> = after
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().unwrap())
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn a_chain_whose_head_office_and_warehouse_are_destroyed_loses_nothing_and_restocks_the_same() {
    let temp = tempfile::tempdir().unwrap();
    let chain = temp.path().join("chain");
    let built = Company::at(chain.clone()).ok(&["demo", "--chain", "--stores", "3", "--weeks", "6", "--tickets", "8"]);
    assert!(built.contains("Log in as owner"), "{built}");
    assert!(built.contains("on all 5 nodes"), "{built}");
    for dir in ["hub", "head-office", "warehouse", "store-01", "store-02", "store-03"] {
        assert!(chain.join(dir).is_dir(), "{dir} missing");
    }
    assert!(chain.join("recovery-kit.txt").is_file() && chain.join("chain.json").is_file());
    let before = contents(&chain);

    let work = temp.path().join("work");
    let output = binary().args(["drill", "chain"]).arg(&chain).arg("--work").arg(&work).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(text.lines().filter(|line| line.starts_with('✓')).count(), 9, "{text}");
    assert!(!text.contains('✗'), "{text}");
    assert!(text.contains("Every check passed."), "{text}");

    let (broken, nodes) = a_of_b(&text, "Destroyed nodes that no longer open:");
    assert_eq!((broken, nodes), (2, 2));
    let (revoked, devices) = a_of_b(&text, "Destroyed devices revoked by the restored head office:");
    assert_eq!((revoked, devices), (2, 2));
    assert!(text.contains("recovery kits renewed: 1"), "{text}");
    // Head office, the new warehouse and the three stores' tills.
    assert_eq!(a_of_b(&text, "active devices all trusted:"), (5, 5), "{text}");
    assert!(
        text.contains("The stolen copy of head office refused by the hub: yes; the old recovery kit refused: yes"),
        "{text}"
    );
    // Each store tried at the end of each day, and the hub was not there.
    assert_eq!(a_of_b(&text, "Syncs that failed while the hub was down:"), (6, 6), "{text}");
    assert!(work.join("incident/recovery-kit-renewed.txt").is_file());
    let (found, sold) = a_of_b(&text, "Tickets of the outage held by the restored head office:");
    assert!(sold > 0 && found == sold, "{text}");
    let (equal, nodes) = a_of_b(&text, "Nodes computing head office's state:");
    assert!(nodes == 5 && equal == nodes, "{text}");
    let (equal, cards) = a_of_b(&text, "Loyalty balances equal to the run without incident:");
    assert!(cards > 0 && equal == cards, "{text}");
    let (equal, proposals) = a_of_b(&text, "Replenishment proposals identical to the run without incident:");
    assert!(proposals > 0 && equal == proposals, "{text}");

    // The drill worked on copies: the chain is as it was.
    assert!(contents(&chain) == before, "the drill changed the chain");
    assert!(work.join("incident/head-office-restored").is_dir() && work.join("calm").is_dir());

    // The hub lost instead: its storage wiped on a copy and refilled by the five nodes.
    let work = temp.path().join("hub-work");
    let output = binary().args(["drill", "hub", "--chain"]).arg(&chain).arg("--work").arg(&work).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(text.lines().filter(|line| line.starts_with('✓')).count(), 5, "{text}");
    assert!(!text.contains('✗') && text.contains("Every check passed."), "{text}");
    let (wiped, _) = a_of_b(&text, "The hub's storage wiped:");
    assert!(wiped > 0, "{text}");
    assert!(text.contains("objects of the company left on the new hub before the syncs: 0"), "{text}");
    // Head office, the warehouse and the three stores: one chain each.
    assert_eq!(a_of_b(&text, "Chains back on the refilled hub to their last event:"), (5, 5), "{text}");
    let (same, objects) = a_of_b(&text, "Roster entries and batches back byte for byte:");
    assert!(objects > 5 && same == objects, "{text}");
    assert!(text.contains(", 0 others; key wraps:"), "{text}");
    assert_eq!(a_of_b(&text, "chains whole to their last event"), (5, 5), "{text}");
    assert!(text.contains("Restored head office computes head office's state: yes"), "{text}");
    assert_eq!(a_of_b(&text, "nodes unchanged by the refill:"), (5, 5), "{text}");
    assert!(text.contains("Recovery time:"), "{text}");
    assert!(work.join("hub-lost/head-office-restored").is_dir());
    assert!(contents(&chain) == before, "the hub drill changed the chain");

    // Something the hub held that no node gives back (a batch copied under a device of no
    // roster): the drill names it and fails.
    let company = std::fs::read_dir(chain.join("hub/t")).unwrap().next().unwrap().unwrap().path();
    let node = std::fs::read_dir(company.join("b")).unwrap().next().unwrap().unwrap().path();
    let batch = std::fs::read_dir(&node).unwrap().next().unwrap().unwrap().path();
    let planted = company.join("b/ffffffffffffffffffffffffffffffff");
    std::fs::create_dir_all(&planted).unwrap();
    std::fs::copy(&batch, planted.join(batch.file_name().unwrap())).unwrap();
    let work = temp.path().join("hub-work-planted");
    let output = binary().args(["drill", "hub", "--chain"]).arg(&chain).arg("--work").arg(&work).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!output.status.success(), "{text}");
    let (same, held) = a_of_b(&text, "Roster entries and batches back byte for byte:");
    assert_eq!(same + 1, held, "{text}");
    assert!(text.lines().any(|line| line.starts_with("✗ Roster entries and batches")), "{text}");
    assert!(text.contains("Checks failed: 1."), "{text}");
    // The chains themselves are all back: the planted copy is no chain of the company's.
    assert_eq!(a_of_b(&text, "Chains back on the refilled hub to their last event:"), (5, 5), "{text}");
}

#[test]
fn a_drill_refuses_what_is_not_a_chain_and_a_work_directory_in_use() {
    let company = Company::new("CH");
    let output = binary().args(["drill", "chain"]).arg(&company.dir).output().unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(said.contains("is not a chain"), "{said}");

    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("chain.json"), "{}").unwrap();
    let output = binary().args(["drill", "chain"]).arg(temp.path()).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not describe a chain"));
    let output = binary().args(["drill", "hub", "--chain"]).arg(temp.path()).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not describe a chain"));
    // A copy's place is only asked of a chain's drill.
    let output = binary().args(["drill", "hub", "--work"]).arg(temp.path()).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--chain"));

    // A chain's description, but the work directory holds something: refused before anything.
    let described = tempfile::tempdir().unwrap();
    std::fs::write(
        described.path().join("chain.json"),
        r#"{"format":1,"size":{"stores":1,"weeks":4,"tickets":1},"seed":1,"first":"2025-01-01","last":"2025-01-29"}"#,
    )
    .unwrap();
    let taken = tempfile::tempdir().unwrap();
    std::fs::write(taken.path().join("something"), "x").unwrap();
    let output =
        binary().args(["drill", "chain"]).arg(described.path()).arg("--work").arg(taken.path()).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("choose another --work"));
    assert_eq!(std::fs::read_dir(taken.path()).unwrap().count(), 1, "the work directory was changed");

    // A chain is not built over what a directory holds.
    let output = Company::at(taken.path().to_owned()).run(&["demo", "--chain", "--stores", "1", "--weeks", "4"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("already holds"));
    assert_eq!(std::fs::read_dir(taken.path()).unwrap().count(), 1, "the directory was changed");
}

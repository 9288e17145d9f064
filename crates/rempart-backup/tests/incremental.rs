//! Property: a backup after any sequence of commits (and syncs with the company's hub, and other
//! backups) writes only new objects to its target and never changes one it wrote before; what it
//! reports written is what appeared; and the target restores to the node's state at the end.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rempart_backup::{LocalHub, Target};
use rempart_hub::{MemStore, ObjectStore};
use rempart_node::{Env, Session};
use rempart_store::{Clock, Store};

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(path) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// A small deterministic generator (splitmix64): the run follows from the seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

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

#[test]
fn an_incremental_backup_writes_only_new_objects_and_never_changes_one() {
    for seed in [1_u64, 2, 3] {
        let temp = temporary();
        let mut random = rempart_node::system_random;
        let mut env = Env { clock: Clock::System, random: &mut random };
        let mut store =
            Store::init(&temp.path().join("data"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
        let hub_objects: Arc<dyn ObjectStore> = Arc::new(MemStore::default());
        let mut hub = LocalHub::new(hub_objects, "the company's hub".to_owned());
        Session::connect_with(&mut store, "the company's hub", &mut hub, &mut env, None).unwrap();
        let mut session = Session::open(&store).unwrap();
        // Small batches, so that a commit spans several.
        session.set_push_batch_bytes(2_048);
        let folder = temp.path().join("usb");
        let target = Target::parse(folder.to_str().unwrap()).unwrap();
        rempart_backup::add_target(&store, &session, target.clone()).unwrap();
        let mut rng = Rng(seed);
        // What was exercised: commits, syncs, backups that wrote, backups with nothing to write.
        let mut counts = [0_u32; 4];
        let mut contact = 0;
        for _ in 0..40 {
            match rng.below(6) {
                0..=2 => {
                    for _ in 0..=rng.below(30) {
                        contact += 1;
                        let name = BTreeMap::from([(
                            "name".to_owned(),
                            Some(format!("Client {contact} {}", "x".repeat(1 + rng.below(200) as usize))),
                        )]);
                        store.create_contact(None, name).unwrap();
                    }
                    counts[0] += 1;
                }
                3 => {
                    session.sync(&mut store, &mut hub, &mut env).unwrap();
                    counts[1] += 1;
                }
                _ => {
                    let before = files(&folder);
                    let written = rempart_backup::run(&mut store, &mut session, &target, &mut env).unwrap();
                    let after = files(&folder);
                    for (path, bytes) in &before {
                        assert_eq!(after.get(path), Some(bytes), "seed {seed}: {} was changed", path.display());
                    }
                    let new: Vec<&PathBuf> = after.keys().filter(|path| !before.contains_key(*path)).collect();
                    assert_eq!(new.len() as u64, written.objects, "seed {seed}: objects reported");
                    let new_bytes: u64 = new.iter().map(|path| after[*path].len() as u64).sum();
                    assert_eq!(new_bytes, written.bytes, "seed {seed}: bytes reported");
                    counts[if written.objects > 0 { 2 } else { 3 }] += 1;
                }
            }
        }
        // A last backup, then the target restores to the node's state.
        rempart_backup::run(&mut store, &mut session, &target, &mut env).unwrap();
        let again = rempart_backup::run(&mut store, &mut session, &target, &mut env).unwrap();
        assert_eq!((again.objects, again.bytes), (0, 0), "seed {seed}: nothing new, nothing written");
        counts[3] += 1;
        // What `sync --watch` and `serve` do by themselves: nothing until a backup is due.
        let before = store.event_count().unwrap();
        store.create_contact(None, BTreeMap::from([("name".to_owned(), Some("Late".to_owned()))])).unwrap();
        let late = store.event_count().unwrap() - before;
        assert!(rempart_backup::run_due(&mut store, &mut session, u64::MAX, &mut env).unwrap().is_empty());
        let due = rempart_backup::run_due(&mut store, &mut session, 0, &mut env).unwrap();
        assert_eq!(due.len(), 1, "seed {seed}: one target");
        assert!(due[0].as_ref().is_ok_and(|written| written.events == late), "seed {seed}: {due:?}");
        let check = rempart_backup::check(&store, &session, &target, &mut env).unwrap();
        assert!(check.verified && check.read.damaged.is_empty(), "seed {seed}: {check:?}");
        assert_eq!(check.state_hash, store.state_hash().unwrap().to_hex(), "seed {seed}");
        assert!(counts.iter().all(|count| *count > 0), "seed {seed}: every kind of step happened: {counts:?}");
    }
}

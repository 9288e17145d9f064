//! Checkpoints signed by the company's own device but not what they say (a header that lies
//! about the state hash, a database holding a trigger or a stranger's chain): the restore does not
//! keep them and starts again from the log alone, to the same books; a true one is started from.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rempart_backup::{Checked, LocalHub, RestoreOptions, Target};
use rempart_hub::{MemStore, ObjectStore};
use rempart_node::{Env, Kit, Session};
use rempart_store::{Clock, Store};

/// A company of `contacts` contacts connected to a hub of its own, backed up to a folder.
fn company(temp: &Path, contacts: usize, env: &mut Env<'_>) -> (Store, Session, Kit, Target) {
    let mut store = Store::init(&temp.join("data"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    let hub_objects: Arc<dyn ObjectStore> = Arc::new(MemStore::default());
    let mut hub = LocalHub::new(hub_objects, "the company's hub".to_owned());
    let kit = Session::connect_with(&mut store, "the company's hub", &mut hub, env, None).unwrap();
    let mut session = Session::open(&store).unwrap();
    for index in 0..contacts {
        let name = BTreeMap::from([("name".to_owned(), Some(format!("Client {index}")))]);
        store.create_contact(None, name).unwrap();
    }
    let target = Target::parse(temp.join("usb").to_str().unwrap()).unwrap();
    rempart_backup::run(&mut store, &mut session, &target, env).unwrap();
    (store, session, kit, target)
}

/// Plants in `target` a checkpoint of the store's very database, sealed and signed by this
/// device, after `tamper` changed its database (SQL) or its header.
fn plant(
    (store, session, target): (&Store, &Session, &Target),
    temp: &Path,
    tamper: (&str, impl FnOnce(&mut rempart_sync::checkpoint::CheckpointHeader)),
) {
    let snapshot = temp.join("snapshot.db");
    let info = store.snapshot_into(&snapshot).unwrap();
    rusqlite::Connection::open(&snapshot).unwrap().execute_batch(tamper.0).unwrap();
    let events = info.events;
    let mut header = rempart_backup::checkpoint_header(store, info);
    (tamper.1)(&mut header);
    let author = session.author(store.signing_key()).unwrap();
    let bytes = std::fs::read(&snapshot).unwrap();
    let sealed = rempart_sync::checkpoint::seal(header, author.key, store.signing_key(), bytes, [3; 24]).unwrap();
    let key = rempart_backup::checkpoint_key(store.tenant(), store.node(), events);
    target.open().unwrap().put_new(&key, &sealed).unwrap();
}

/// The company restored from `target` into `dir`.
fn restore(kit: &Kit, target: &Target, dir: &Path, env: &mut Env<'_>) -> (Store, Vec<Checked>) {
    let options = RestoreOptions::default();
    let restored =
        rempart_backup::restore(kit, std::slice::from_ref(target), (dir, Some("the company's hub")), options, env)
            .unwrap();
    assert!(restored.refused.is_empty(), "{:?}", restored.refused);
    (restored.store, restored.read)
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
fn a_checkpoint_whose_header_lies_is_refused_and_the_log_restores_the_same() {
    let temp = temporary();
    let mut random = rempart_node::system_random;
    let mut env = Env { clock: Clock::System, random: &mut random };
    let (mut store, mut session, kit, target) = company(temp.path(), 5, &mut env);
    // Its state hash false.
    plant((&store, &session, &target), temp.path(), ("", |header| header.state_hash = rempart_log::Hash32([7; 32])));
    let (restored, read) = restore(&kit, &target, &temp.path().join("restored"), &mut env);
    assert_eq!(read[0].checkpoint, None, "the lying checkpoint was not kept");
    assert_eq!(restored.state_hash().unwrap(), store.state_hash().unwrap());
    assert!(restored.verify().unwrap().is_ok());

    // The same checkpoint with its true state hash is started from.
    let again = Target::parse(temp.path().join("usb2").to_str().unwrap()).unwrap();
    rempart_backup::run_with(&mut store, &mut session, &again, rempart_backup::CheckpointWhen::Now, &mut env).unwrap();
    let (restored, read) = restore(&kit, &again, &temp.path().join("restored2"), &mut env);
    assert_eq!(read[0].checkpoint, Some(store.event_count().unwrap()));
    assert_eq!(restored.state_hash().unwrap(), store.state_hash().unwrap());
}

/// A checkpoint signed by the company's own device whose database carries what a restored device
/// must never run or hold: a trigger, or a chain of a node the roster does not know. It is not
/// adopted, the log restores the same books, and nothing of it stays.
#[test]
fn a_checkpoint_with_a_trigger_or_a_stranger_chain_is_not_adopted() {
    for tamper in [
        "CREATE TRIGGER evil AFTER INSERT ON events BEGIN UPDATE sync_state SET value = 'evil'; END;",
        // Named as SQLite's own objects nearly are (`_` is any character to LIKE).
        "CREATE TRIGGER sqliteZx AFTER INSERT ON events BEGIN UPDATE sync_state SET value = 'evil'; END;",
        // An index of its own on a table of the layout.
        "CREATE INDEX extra ON events (kind);",
        "INSERT INTO events (node, seq, version, tenant, hlc_wall_ms, hlc_logical, prev, kind, payload, hash)
         SELECT x'80808080808080808080808080808080', 1, version, tenant, hlc_wall_ms, hlc_logical, prev, kind, payload, hash
         FROM events LIMIT 1;",
    ] {
        let temp = temporary();
        let mut random = rempart_node::system_random;
        let mut env = Env { clock: Clock::System, random: &mut random };
        let (store, session, kit, target) = company(temp.path(), 1, &mut env);
        plant((&store, &session, &target), temp.path(), (tamper, |_| {}));
        let dir = temp.path().join("restored");
        let (restored, read) = restore(&kit, &target, &dir, &mut env);
        assert_eq!(read[0].checkpoint, None, "not adopted: {tamper}");
        assert_eq!(restored.state_hash().unwrap(), store.state_hash().unwrap());
        drop(restored);
        let conn = rusqlite::Connection::open(dir.join("ledger.db")).unwrap();
        let triggers: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'", [], |row| row.get(0)).unwrap();
        let strangers: i64 = conn
            .query_row("SELECT count(*) FROM events WHERE node = x'80808080808080808080808080808080'", [], |row| row.get(0))
            .unwrap();
        assert_eq!((triggers, strangers), (0, 0), "nothing of it stays");
        assert!(!dir.join("checkpoint.db").exists(), "no plaintext left");
    }
}

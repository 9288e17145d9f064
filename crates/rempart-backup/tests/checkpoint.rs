//! A checkpoint signed by the company's own device but whose header lies about what it holds (its
//! state hash): the restore adopts it, finds the projections are not what the header names, and
//! starts again from the log alone, to the same books.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use rempart_backup::{LocalHub, RestoreOptions, Target};
use rempart_hub::{MemStore, ObjectStore};
use rempart_node::{Env, Session};
use rempart_store::{Clock, Store};

#[test]
fn a_checkpoint_whose_header_lies_is_refused_and_the_log_restores_the_same() {
    let temp = tempfile::tempdir().unwrap();
    let mut random = rempart_node::system_random;
    let mut env = Env { clock: Clock::System, random: &mut random };
    let mut store = Store::init(&temp.path().join("data"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    let hub_objects: Arc<dyn ObjectStore> = Arc::new(MemStore::default());
    let mut hub = LocalHub::new(hub_objects, "the company's hub".to_owned());
    let kit = Session::connect_with(&mut store, "the company's hub", &mut hub, &mut env, None).unwrap();
    let mut session = Session::open(&store).unwrap();
    for index in 0..5 {
        let name = BTreeMap::from([("name".to_owned(), Some(format!("Client {index}")))]);
        store.create_contact(None, name).unwrap();
    }
    let folder = temp.path().join("usb");
    let target = Target::parse(folder.to_str().unwrap()).unwrap();
    rempart_backup::run(&mut store, &mut session, &target, &mut env).unwrap();

    // A checkpoint of the very database, sealed and signed by this device, its state hash false.
    let snapshot = temp.path().join("snapshot.db");
    let info = store.snapshot_into(&snapshot).unwrap();
    let author = session.author(store.signing_key()).unwrap();
    let header = rempart_sync::checkpoint::CheckpointHeader {
        tenant: store.tenant(),
        node: store.node(),
        epoch: author.key.epoch(),
        cut: info.cut,
        events: info.events,
        last_wall_ms: info.last_wall_ms,
        state_hash: rempart_log::Hash32([7; 32]),
        schema_version: rempart_store::SCHEMA_VERSION,
        created_ms: 0,
        nonce: [0; 24],
        ciphertext_len: 0,
        ciphertext_hash: rempart_log::Hash32([0; 32]),
    };
    let sealed = rempart_sync::checkpoint::seal(
        header,
        author.key,
        store.signing_key(),
        std::fs::read(&snapshot).unwrap(),
        [3; 24],
    )
    .unwrap();
    let key = format!("t/{}/checkpoints/{}/{:020}", store.tenant(), store.node(), info.events);
    target.open().unwrap().put_new(&key, &sealed).unwrap();

    let (restored, _, read) = rempart_backup::restore(
        &kit,
        std::slice::from_ref(&target),
        (&temp.path().join("restored"), "the company's hub"),
        RestoreOptions::default(),
        &mut env,
    )
    .unwrap();
    assert_eq!(read[0].checkpoint, None, "the lying checkpoint was not kept");
    assert_eq!(restored.state_hash().unwrap(), store.state_hash().unwrap());
    assert!(restored.verify().unwrap().is_ok());

    // The same checkpoint with its true state hash is started from.
    let fresh = temp.path().join("usb2");
    let again = Target::parse(fresh.to_str().unwrap()).unwrap();
    rempart_backup::run_with(&mut store, &mut session, &again, rempart_backup::CheckpointWhen::Now, &mut env).unwrap();
    let (restored, _, read) = rempart_backup::restore(
        &kit,
        std::slice::from_ref(&again),
        (&temp.path().join("restored2"), "the company's hub"),
        RestoreOptions::default(),
        &mut env,
    )
    .unwrap();
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
        "INSERT INTO events (node, seq, version, tenant, hlc_wall_ms, hlc_logical, prev, kind, payload, hash)
         SELECT x'80808080808080808080808080808080', 1, version, tenant, hlc_wall_ms, hlc_logical, prev, kind, payload, hash
         FROM events LIMIT 1;",
    ] {
        let temp = tempfile::tempdir().unwrap();
        let mut random = rempart_node::system_random;
        let mut env = Env { clock: Clock::System, random: &mut random };
        let mut store =
            Store::init(&temp.path().join("data"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
        let hub_objects: Arc<dyn ObjectStore> = Arc::new(MemStore::default());
        let mut hub = LocalHub::new(hub_objects, "the company's hub".to_owned());
        let kit = Session::connect_with(&mut store, "the company's hub", &mut hub, &mut env, None).unwrap();
        let mut session = Session::open(&store).unwrap();
        store.create_contact(None, BTreeMap::from([("name".to_owned(), Some("Client".to_owned()))])).unwrap();
        let folder = temp.path().join("usb");
        let target = Target::parse(folder.to_str().unwrap()).unwrap();
        rempart_backup::run(&mut store, &mut session, &target, &mut env).unwrap();

        let snapshot = temp.path().join("snapshot.db");
        let info = store.snapshot_into(&snapshot).unwrap();
        rusqlite::Connection::open(&snapshot).unwrap().execute_batch(tamper).unwrap();
        let author = session.author(store.signing_key()).unwrap();
        let header = rempart_sync::checkpoint::CheckpointHeader {
            tenant: store.tenant(),
            node: store.node(),
            epoch: author.key.epoch(),
            cut: info.cut,
            events: info.events,
            last_wall_ms: info.last_wall_ms,
            state_hash: info.state_hash,
            schema_version: rempart_store::SCHEMA_VERSION,
            created_ms: 0,
            nonce: [0; 24],
            ciphertext_len: 0,
            ciphertext_hash: rempart_log::Hash32([0; 32]),
        };
        let bytes = std::fs::read(&snapshot).unwrap();
        let sealed = rempart_sync::checkpoint::seal(header, author.key, store.signing_key(), bytes, [4; 24]).unwrap();
        let key = format!("t/{}/checkpoints/{}/{:020}", store.tenant(), store.node(), info.events);
        target.open().unwrap().put_new(&key, &sealed).unwrap();

        let dir = temp.path().join("restored");
        let (restored, _, read) = rempart_backup::restore(
            &kit,
            std::slice::from_ref(&target),
            (&dir, "the company's hub"),
            RestoreOptions::default(),
            &mut env,
        )
        .unwrap();
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

//! The hub on a real S3-protocol server (`moto_server`, installed by `.ci/run` from PyPI): the
//! object store's contract, create-only writes racing, paged listings, and a company syncing
//! through a hub whose storage is the bucket.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};

use rempart_domain::Country;
use rempart_hub::s3::S3Store;
use rempart_hub::{Hub, Limits, MemStore, ObjectStore, Put};
use rempart_node::Session;
use rempart_store::Store;

use crate::{World, entry};

/// A moto S3 server on a free loopback port, stopped when dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    fn start() -> Moto {
        let program = std::env::var("REMPART_MOTO_SERVER").unwrap_or_else(|_| "moto_server".to_owned());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {program} ({error}): run .ci/run, which installs moto[server] from PyPI, or set REMPART_MOTO_SERVER")
            });
        // The server says when it listens; read its log until then.
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let endpoint = format!("http://127.0.0.1:{port}");
        for line in lines.by_ref() {
            let line = line.unwrap();
            if line.contains("Running on") {
                break;
            }
        }
        std::thread::spawn(move || lines.for_each(drop));
        Moto { child, endpoint }
    }

    fn store(&self, bucket: &str) -> S3Store {
        let store = S3Store::new(&self.endpoint, bucket, "us-east-1", rusty_s3::Credentials::new("testing", "testing"))
            .unwrap();
        store.create_bucket().unwrap();
        store
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_s3_store_keeps_the_object_store_contract() {
    let moto = Moto::start();
    let store = moto.store("contract");
    assert_eq!(store.put_new("t/ab/b/n1/001", b"one").unwrap(), Put::Created);
    assert_eq!(store.put_new("t/ab/b/n1/001", b"two").unwrap(), Put::Exists);
    assert_eq!(store.get("t/ab/b/n1/001").unwrap().as_deref(), Some(&b"one"[..]));
    assert_eq!(store.get_prefix("t/ab/b/n1/001", 2).unwrap().as_deref(), Some(&b"on"[..]));
    assert!(store.get("t/ab/missing").unwrap().is_none());
    let version = |key: &str| store.list("t/ab/").unwrap().into_iter().find(|o| o.key == key).unwrap().version;
    store.put("t/ab/recovery", b"v1").unwrap();
    let first = version("t/ab/recovery");
    store.put("t/ab/recovery", b"v2").unwrap();
    assert_eq!(store.get("t/ab/recovery").unwrap().as_deref(), Some(&b"v2"[..]));
    assert_ne!(version("t/ab/recovery"), first, "a write gives the object a new version");
    // More keys than one listing page holds.
    for index in 0..1_005 {
        store.put_new(&format!("t/cd/b/n/{index:020}"), b"x").unwrap();
    }
    let listed = store.list("t/cd/").unwrap();
    assert_eq!(listed.len(), 1_005);
    assert!(listed.windows(2).all(|pair| pair[0].key < pair[1].key));
    assert_eq!(store.list("t/ab/").unwrap().len(), 2);
    store.remove("t/ab/recovery").unwrap();
    assert!(store.get("t/ab/recovery").unwrap().is_none());
    assert!(store.put_new("../escape", b"x").is_err());

    // Eight writers race on one key: exactly one wins.
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(8));
    let outcomes: Vec<Put> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8u8)
            .map(|index| {
                let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
                scope.spawn(move || {
                    barrier.wait();
                    store.put_new("t/ef/b/n/00000000000000000001", &[index; 64]).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    assert_eq!(outcomes.iter().filter(|put| **put == Put::Created).count(), 1, "{outcomes:?}");
}

#[test]
fn a_company_syncs_through_a_hub_stored_in_s3() {
    let moto = Moto::start();
    let bucket = Arc::new(moto.store("hub"));
    let mut world = World::new();
    world.hub = Arc::new(Hub::new(bucket.clone(), Limits::default()).with_open_signup());
    world.objects = Arc::new(MemStore::default());
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "s3", transport, env)).unwrap();
    office.post_entries(&[entry("E-S3", 7, 424_242)], &mut |_| {}).unwrap();
    crate::sync(&mut world, &mut office);
    let mut laptop = crate::enrol_member(&mut world, &office, "laptop", "s3");
    crate::sync(&mut world, &mut laptop);
    assert_eq!(laptop.state_hash().unwrap(), office.state_hash().unwrap());
    // The bucket holds the company's objects, none of them in clear.
    let objects = bucket.list(&format!("t/{}/", office.tenant())).unwrap();
    assert!(objects.iter().any(|object| object.key.contains("/b/")), "{objects:?}");
    for rempart_hub::Listed { key, .. } in objects {
        let bytes = bucket.get(&key).unwrap().unwrap();
        for needle in [&b"Garage du Lac"[..], b"4242.42", b"E-S3", b"Dupont"] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle), "{key} holds plaintext");
        }
    }
}

//! Two hubs on one store: hub processes share nothing but the storage, so two of them racing to
//! store different batches for the same events must not both win.

use std::sync::{Arc, Barrier};

use rempart_domain::Country;
use rempart_hub::{DirStore, Hub, Limits, Method, Request};
use rempart_log::SigningKey;
use rempart_node::Session;
use rempart_store::Store;
use rempart_sync::{Batch, RequestSigner};

use crate::{World, entry};

#[test]
fn two_hubs_racing_on_one_store_accept_one_batch_per_sequence() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    crate::sync(&mut world, &mut office);
    let session = Session::open(&office).unwrap();
    let after = office.version_vector().unwrap().seq(office.node());

    // Eight clones of the office each record a different next event: eight validly signed,
    // different batches for the same place of the chain.
    let mut forks = Vec::new();
    for index in 0..8 {
        let dir = world.dir(&format!("clone-{index}"));
        std::fs::create_dir_all(&dir).unwrap();
        for file in std::fs::read_dir(office.dir()).unwrap() {
            let file = file.unwrap();
            std::fs::copy(file.path(), dir.join(file.file_name())).unwrap();
        }
        let mut clone = Store::open(&dir).unwrap();
        // Rempart on a copy waits for a sync before recording; a clone's forger skips that check.
        clone.confirm_own_head().unwrap();
        clone.post_entries(&[entry(&format!("E-race-{index}"), 2, 100 + index)], &mut |_| {}).unwrap();
        let run = clone.chain_run(clone.node(), after, 1 << 20).unwrap();
        forks.push(
            Batch::seal(
                &session.author(clone.signing_key()).unwrap(),
                &run.events,
                &run.seals,
                run.prev,
                [index as u8; 24],
            )
            .unwrap()
            .encode(),
        );
    }

    // Two hubs on one directory store, as two processes behind a load balancer would be; the
    // roster and everything else come from the world's hub.
    let storage = world.dir("shared-store");
    let shared = Arc::new(DirStore::open(&storage).unwrap());
    for (key, bytes) in world.objects.snapshot() {
        rempart_hub::ObjectStore::put_new(&*shared, &key, &bytes).unwrap();
    }
    let hubs = [
        Arc::new(Hub::new(shared.clone(), Limits::default()).with_open_signup()),
        Arc::new(Hub::new(shared.clone(), Limits::default()).with_open_signup()),
    ];
    let now = world.now.get();
    let target = format!("/v1/t/{}/batches", office.tenant());
    let signing: SigningKey = office.signing_key().clone();
    let signer = RequestSigner::Device(office.node());
    let barrier = Arc::new(Barrier::new(forks.len()));
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = forks
            .iter()
            .enumerate()
            .map(|(index, batch)| {
                let hub = Arc::clone(&hubs[index % 2]);
                let barrier = Arc::clone(&barrier);
                let (target, signing) = (target.clone(), signing.clone());
                scope.spawn(move || {
                    let auth =
                        crate::auth(&hub, (&signing, signer), ("PUT", &target, batch), now, [index as u8 + 1; 16]);
                    let request = Request::signed(Method::Put, &target, Some(&auth), batch.clone());
                    barrier.wait();
                    hub.handle(&request, now).status
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|status| **status == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|status| *status == 201 || *status == 409), "{statuses:?}");
    let prefix = format!("t/{}/b/{}/", office.tenant(), office.node());
    let stored = rempart_hub::ObjectStore::list(&*shared, &prefix).unwrap();
    let winners: Vec<_> =
        stored.iter().filter(|object| object.key.ends_with(&format!("{:020}", after.0 + 1))).collect();
    assert_eq!(winners.len(), 1, "{stored:?}");
    // Both hubs serve the same heads from the shared store.
    assert_eq!(hubs[0].heads(office.tenant()).unwrap(), hubs[1].heads(office.tenant()).unwrap());
}

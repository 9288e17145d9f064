//! Tampering at the hub: a byte flipped in a stored batch, a batch deleted, a batch replaced by
//! another validly signed batch of the same node. Each is detected and named; the good copy held
//! by another node heals the hub where that is possible.

use rempart_domain::Country;
use rempart_log::EventSeq;
use rempart_node::Session;
use rempart_store::Store;
use rempart_sync::{Batch, Role};

use crate::{World, entry, sync};

/// The office with three batches at the hub, and a laptop holding them all.
fn company(world: &mut World) -> (Store, Store) {
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    for day in 1..=3 {
        office.post_entries(&[entry(&format!("E-{day}"), day, 1000 * day as i64)], &mut |_| {}).unwrap();
        sync(world, &mut office);
    }
    let mut laptop = crate::enrol_member(world, &office, "laptop", "mem");
    sync(world, &mut laptop);
    (office, laptop)
}

fn office_batches(world: &World, office: &Store) -> Vec<String> {
    let prefix = format!("t/{}/b/{}/", office.tenant(), office.node());
    world.objects.snapshot().into_keys().filter(|key| key.starts_with(&prefix)).collect()
}

fn join(world: &mut World, office: &Store, name: &str) -> Store {
    let code = world
        .with_env(|env, transport| {
            Session::open(office).unwrap().invite(office, transport, env, Role::Member, 60_000, None)
        })
        .unwrap();
    let dir = world.dir(name);
    world.with_env(|env, transport| Session::join(&code, "mem", &dir, transport, env)).unwrap().0
}

#[test]
fn a_damaged_or_deleted_batch_is_set_apart_and_uploaded_again_by_a_node_that_holds_it() {
    for damage in ["flip", "delete"] {
        let mut world = World::new();
        let (office, mut laptop) = company(&mut world);
        let keys = office_batches(&world, &office);
        assert!(keys.len() >= 3, "{keys:?}");
        let target = keys[1].clone();
        let original = world.objects.snapshot()[&target].clone();
        let mut objects = world.objects.snapshot();
        match damage {
            "flip" => {
                let bytes = objects.get_mut(&target).unwrap();
                let last = bytes.len() - 3;
                bytes[last] ^= 0x40;
            }
            _ => {
                objects.remove(&target);
            }
        }
        world.objects.restore(objects);

        // A new device gets what is sound, and no error: the hub serves only the sound run.
        let mut till = join(&mut world, &office, &format!("till-{damage}"));
        let report = sync(&mut world, &mut till);
        assert!(report.forks.is_empty(), "{report:?}");
        let partial = till.version_vector().unwrap().seq(office.node());
        assert!(partial < office.version_vector().unwrap().seq(office.node()), "{damage}: {partial}");
        if damage == "flip" {
            let evidence = format!("t/{}/damaged/", office.tenant());
            assert!(world.objects.snapshot().keys().any(|key| key.starts_with(&evidence)), "set apart as evidence");
        }

        // The laptop holds the good copy and gives it back; the new device then gets everything.
        let report = sync(&mut world, &mut laptop);
        assert!(report.pushed_batches >= 1, "{damage}: {report:?}");
        assert_eq!(world.objects.snapshot()[&target], original, "{damage}: the hub is healed");
        sync(&mut world, &mut till);
        assert_eq!(till.state_hash().unwrap(), office.state_hash().unwrap(), "{damage}");
    }
}

/// Someone who can add objects to the hub's storage (or a backup target's) plants a copy of a
/// batch under a name that sorts among a chain's batches but is no batch's: the heads the hub
/// gives are the same. A copy of a batch put under another batch's name is damage: set apart,
/// the head stops before it, and the node holding the genuine batch gives it back.
#[test]
fn a_batch_copied_under_another_name_cuts_no_chain_short_and_is_set_apart_in_anothers_place() {
    let mut world = World::new();
    let (office, mut laptop) = company(&mut world);
    let keys = office_batches(&world, &office);
    assert!(keys.len() >= 3, "{keys:?}");
    let heads = world.hub.heads(office.tenant()).unwrap();
    let mut objects = world.objects.snapshot();
    let first = objects[&keys[0]].clone();
    objects.insert(format!("{}a", keys[0]), first.clone());
    // And junk under a batch key within the first batch's events, which nothing reads.
    let header = rempart_sync::batch::decode_header(&first).unwrap();
    assert!(header.last.0 >= 2, "a first batch of several events: {header:?}");
    let within = format!("t/{}/b/{}/{:020}", office.tenant(), office.node(), 2);
    objects.insert(within.clone(), b"junk".to_vec());
    // And a copy under the key of event 0, which no batch has.
    objects.insert(format!("t/{}/b/{}/{:020}", office.tenant(), office.node(), 0), first.clone());
    world.objects.restore(objects);
    assert_eq!(world.hub.heads(office.tenant()).unwrap(), heads, "nothing cut short by the planted copy");
    assert!(world.objects.snapshot().contains_key(&within), "not even looked at");
    // The office's next batch is taken all the same: it continues the chain past the junk.
    let mut office = office;
    office.post_entries(&[entry("E-after", 5, 500)], &mut |_| {}).unwrap();
    let report = sync(&mut world, &mut office);
    assert_eq!(report.pushed_batches, 1, "{report:?}");
    let heads = world.hub.heads(office.tenant()).unwrap();
    assert_eq!(heads.seq(office.node()), office.version_vector().unwrap().seq(office.node()));
    sync(&mut world, &mut laptop);

    let original = world.objects.snapshot()[&keys[1]].clone();
    let mut objects = world.objects.snapshot();
    objects.insert(keys[1].clone(), first);
    world.objects.restore(objects);
    let cut = world.hub.heads(office.tenant()).unwrap().seq(office.node());
    assert!(cut < heads.seq(office.node()), "the head stops before the misplaced copy: {cut:?}");
    let evidence = format!("t/{}/damaged/", office.tenant());
    assert!(world.objects.snapshot().keys().any(|key| key.starts_with(&evidence)), "set apart as evidence");
    sync(&mut world, &mut laptop);
    assert_eq!(world.objects.snapshot()[&keys[1]], original, "given back by the laptop");
    assert_eq!(world.hub.heads(office.tenant()).unwrap(), heads);
}

#[test]
fn a_batch_replaced_by_another_validly_signed_one_is_a_fork_named_by_the_nodes() {
    let mut world = World::new();
    let (mut office, mut laptop) = company(&mut world);
    // A clone of the office's directory (a stolen copy, with its keys) writes other events at the
    // same places as the office.
    let clone_dir = world.dir("clone");
    std::fs::create_dir_all(&clone_dir).unwrap();
    for file in std::fs::read_dir(office.dir()).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), clone_dir.join(file.file_name())).unwrap();
    }
    let mut clone = Store::open(&clone_dir).unwrap();
    // Rempart on a copy waits for a sync before recording; a thief's copy skips that check.
    assert!(clone.copy_found_ms().unwrap().is_some());
    clone.confirm_own_head().unwrap();
    let after = office.version_vector().unwrap().seq(office.node());
    office.post_entries(&[entry("E-genuine", 9, 777)], &mut |_| {}).unwrap();
    clone.post_entries(&[entry("E-forged", 9, 666)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);
    sync(&mut world, &mut laptop);

    // Someone with access to the hub's storage puts the clone's batch in place of the office's.
    let session = Session::open(&clone).unwrap();
    let run = clone.chain_run(clone.node(), after, 1 << 20).unwrap();
    let forged = Batch::seal(&session.author(clone.signing_key()).unwrap(), &run.events, &run.seals, run.prev, [1; 24])
        .unwrap()
        .encode();
    let key = format!("t/{}/b/{}/{:020}", office.tenant(), office.node(), after.0 + 1);
    let mut objects = world.objects.snapshot();
    assert!(objects.contains_key(&key), "the office's batch is at {key}");
    objects.insert(key.clone(), forged);
    world.objects.restore(objects);

    for node in [&mut laptop, &mut office] {
        let report = sync(&mut world, node);
        assert_eq!(report.forks.len(), 1, "{report:?}");
        assert!(report.forks[0].refused.is_none(), "both versions held: {:?}", report.forks[0]);
        let forks = node.forks().unwrap();
        assert_eq!(forks.len(), 1);
        assert_eq!(forks[0].seq, EventSeq(after.0 + 1));
        let verify = node.verify().unwrap();
        assert!(
            verify.problems.iter().any(|p| matches!(p, rempart_store::Problem::Forked { .. })),
            "{:?}",
            verify.problems
        );
    }
    // The hub does not take the genuine copy over a validly signed one: it says it is a fork.
    let genuine = Session::open(&laptop).unwrap().kept_batches(&laptop, office.node(), after, 1).unwrap().remove(0);
    let target = format!("/v1/t/{}/batches", office.tenant());
    let answer = world.with_env(|env, transport| {
        let auth = crate::auth(
            &transport.hub,
            (laptop.signing_key(), rempart_sync::RequestSigner::Device(laptop.node())),
            ("PUT", &target, &genuine),
            env.clock.now_ms(),
            [2; 16],
        );
        rempart_node::Transport::call(transport, rempart_node::Verb::Put, &target, Some(&auth), genuine.clone())
            .unwrap()
    });
    assert_eq!(answer.status, 409, "{}", answer.message());
    assert!(answer.message().contains("different batch"), "{}", answer.message());
    // And every later sync still names the fork.
    let report = sync(&mut world, &mut laptop);
    assert_eq!(report.forks.len(), 1, "{report:?}");
}

#[test]
fn a_hub_withholding_a_nodes_batches_is_named_by_a_node_that_meets_what_others_saw() {
    let mut world = World::new();
    let (mut office, mut laptop) = company(&mut world);
    let mut till = join(&mut world, &office, "till");
    sync(&mut world, &mut till);
    laptop.post_entries(&[entry("E-L1", 4, 4_000)], &mut |_| {}).unwrap();
    sync(&mut world, &mut laptop);
    sync(&mut world, &mut office);
    let laptop_head = laptop.version_vector().unwrap().seq(laptop.node());
    assert_eq!(office.version_vector().unwrap().seq(laptop.node()), laptop_head);
    // The office's next batch says what it holds of the laptop's chain.
    office.post_entries(&[entry("E-O1", 5, 5_000)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);

    // The hub hides the laptop's last batch from everyone.
    let prefix = format!("t/{}/b/{}/", office.tenant(), laptop.node());
    let mut objects = world.objects.snapshot();
    let last = objects.keys().rfind(|key| key.starts_with(&prefix)).cloned().unwrap();
    let hidden = objects.remove(&last).unwrap();
    world.objects.restore(objects);

    let report = sync(&mut world, &mut till);
    assert_eq!(report.withheld.len(), 1, "{report:?}");
    let withheld = report.withheld[0];
    assert_eq!(
        (withheld.by, withheld.node, withheld.seen),
        (office.node(), laptop.node(), laptop_head),
        "{withheld:?}"
    );

    // Once the batch is back (a node holding it gives it again), nothing is withheld any more.
    let mut objects = world.objects.snapshot();
    objects.insert(last, hidden);
    world.objects.restore(objects);
    let report = sync(&mut world, &mut till);
    assert!(report.withheld.is_empty(), "{report:?}");
    assert_eq!(till.state_hash().unwrap(), office.state_hash().unwrap());
}

//! Nodes and a hub in one process: connecting, inviting, joining, syncing both ways, a wiped hub
//! refilled by the nodes, tenants kept apart, and the hub never holding plaintext.

// Integration tests: a failed unwrap is a failed test (the product itself denies unwrap).
#![allow(clippy::unwrap_used)]

mod authority;
mod hostile;
mod s3;
mod sim;
mod tamper;
mod two_hubs;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;
use rempart_domain::{Country, Currency, EntryDraft, PostingDraft};
use rempart_hub::{Hub, Limits, MemStore, Method, Request};
use rempart_log::EventSeq;
use rempart_node::{Answer, Env, NodeError, OwnHeadDoubt, Session, Transport, Unreachable, UnreachableWhy, Verb};
use rempart_store::{Clock, Store};
use rempart_sync::{RequestAuth, Role};

/// A clock the test moves by hand, shared by the hub's handler and the nodes' stores.
#[derive(Clone)]
pub(crate) struct TestClock(Arc<AtomicU64>);

impl TestClock {
    pub(crate) fn at(now_ms: u64) -> TestClock {
        TestClock(Arc::new(AtomicU64::new(now_ms)))
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    pub(crate) fn set(&self, now_ms: u64) {
        self.0.store(now_ms, Ordering::Relaxed);
    }

    pub(crate) fn clock(&self) -> Clock {
        Clock::Simulated(Arc::clone(&self.0))
    }
}

/// A request signature made for `hub` (its identity), as a device or another signer makes it.
pub(crate) fn auth(
    hub: &Hub,
    (key, signer): (&rempart_log::SigningKey, rempart_sync::RequestSigner),
    (method, target, body): (&str, &str, &[u8]),
    time_ms: u64,
    nonce: [u8; 16],
) -> RequestAuth {
    let call = rempart_sync::Call { hub: &hub.identity().unwrap(), method, target, body };
    RequestAuth::sign(key, signer, &call, time_ms, nonce)
}

/// Calls the hub's handler directly, at a clock the test moves.
struct Direct {
    hub: Arc<Hub>,
    now: TestClock,
    identity: Option<rempart_sync::HubId>,
}

impl Transport for Direct {
    fn hub(&self) -> String {
        "in-process hub".to_owned()
    }

    fn identity(&mut self) -> &mut Option<rempart_sync::HubId> {
        &mut self.identity
    }

    fn call(
        &mut self,
        verb: Verb,
        target: &str,
        auth: Option<&RequestAuth>,
        body: Vec<u8>,
    ) -> Result<Answer, Unreachable> {
        let response = self.hub.handle(&request(verb, target, auth, body), self.now.get());
        Ok(Answer { status: response.status, body: response.body })
    }
}

/// The request a node's call makes, handed to the hub's handler directly as the HTTP server would.
fn request(verb: Verb, target: &str, auth: Option<&RequestAuth>, body: Vec<u8>) -> Request {
    let method = match verb {
        Verb::Get => Method::Get,
        Verb::Put => Method::Put,
        Verb::Post => Method::Post,
    };
    Request::signed(method, target, auth, body)
}

/// A small deterministic generator (splitmix64): the whole run follows from the seed.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn fill(&mut self, buffer: &mut [u8]) {
        for byte in buffer {
            *byte = self.next() as u8;
        }
    }
}

struct World {
    hub: Arc<Hub>,
    objects: Arc<MemStore>,
    now: TestClock,
    seed: u64,
    temp: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World::with_limits(Limits::default())
    }

    fn with_limits(limits: Limits) -> World {
        World::at(limits, rempart_node::system_now_ms())
    }

    /// A world whose clock starts at `now_ms`: the simulation's starts at the same moment in
    /// every run, so that a seed gives the same bytes.
    fn at(limits: Limits, now_ms: u64) -> World {
        let objects = Arc::new(MemStore::default());
        World {
            hub: Arc::new(Hub::new(objects.clone(), limits).with_open_signup()),
            objects,
            now: TestClock::at(now_ms),
            seed: 1,
            temp: tempfile::tempdir().unwrap(),
        }
    }

    fn transport(&self) -> Direct {
        Direct { hub: Arc::clone(&self.hub), now: self.now.clone(), identity: None }
    }

    /// Runs `f` with an environment whose clock is the world's and whose randomness is seeded.
    fn with_env<T>(&mut self, f: impl FnOnce(&mut Env<'_>, &mut Direct) -> T) -> T {
        self.now.set(self.now.get() + 1_000);
        let mut transport = self.transport();
        // Deterministic bytes for the test, never used in the product.
        let mut rng = Rng(self.seed);
        let mut random = move |buffer: &mut [u8]| rng.fill(buffer);
        self.seed = self.seed.wrapping_add(7919);
        let mut env = Env { clock: self.now.clock(), random: &mut random };
        f(&mut env, &mut transport)
    }

    fn dir(&self, name: &str) -> std::path::PathBuf {
        self.temp.path().join(name)
    }
}

fn entry(id: &str, day: u32, amount: i64) -> EntryDraft {
    let posting = |account: &str, amount_minor: i64| PostingDraft {
        account: account.into(),
        amount: rempart_domain::money::format_plain(amount_minor, Currency::CHF),
        currency: Some(Currency::CHF),
        vat_code: None,
    };
    EntryDraft {
        id: id.into(),
        date: NaiveDate::from_ymd_opt(2026, 5, day).unwrap(),
        journal: None,
        text: "Réparation carrosserie Dupont".into(),
        postings: vec![posting("1020", amount), posting("3400", -amount)],
    }
}

/// A member device invited by `admin` and enrolled with the one-time code, in a directory `name`.
fn enrol_member(world: &mut World, admin: &Store, name: &str, hub: &str) -> Store {
    let code = world
        .with_env(|env, transport| {
            Session::open(admin).unwrap().invite(admin, transport, env, Role::Member, 60_000, None)
        })
        .unwrap();
    let dir = world.dir(name);
    world.with_env(|env, transport| Session::join(&code, hub, &dir, transport, env)).unwrap().0
}

fn sync(world: &mut World, store: &mut Store) -> rempart_node::SyncReport {
    let mut session = Session::open(store).unwrap();
    world.with_env(|env, transport| session.sync(store, transport, env)).unwrap()
}

#[test]
fn two_devices_of_a_company_converge_through_the_hub_and_a_wiped_hub_is_refilled() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", Country::Ch, 1).unwrap();
    let kit = world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    assert_eq!(kit.secret.words().len(), 24);
    office.post_entries(&[entry("E-1", 4, 123_450)], &mut |_| {}).unwrap();
    let report = sync(&mut world, &mut office);
    assert!(report.pushed_events > 10, "{report:?}");

    // The laptop joins with a one-time code and receives the books.
    let code = world.with_env(|env, transport| {
        let mut session = Session::open(&office).unwrap();
        session.invite(&office, transport, env, Role::Member, 3_600_000, None)
    });
    let code = code.unwrap();
    let (laptop_dir, thief_dir) = (world.dir("laptop"), world.dir("thief"));
    let (mut laptop, _) =
        world.with_env(|env, transport| Session::join(&code, "mem", &laptop_dir, transport, env)).unwrap();
    let report = sync(&mut world, &mut laptop);
    assert!(report.pulled_events > 10, "{report:?}");
    // The code works once.
    let again = world.with_env(|env, transport| Session::join(&code, "mem", &thief_dir, transport, env));
    assert!(matches!(again, Err(NodeError::InvitationClosed)), "{:?}", again.err());

    // Both write, both sync; both hold the same events and compute the same state.
    laptop.post_entries(&[entry("E-2", 5, 99_900)], &mut |_| {}).unwrap();
    office.post_entries(&[entry("E-3", 6, 50_000)], &mut |_| {}).unwrap();
    sync(&mut world, &mut laptop);
    sync(&mut world, &mut office);
    sync(&mut world, &mut laptop);
    assert_eq!(office.version_vector().unwrap(), laptop.version_vector().unwrap());
    assert_eq!(office.state_hash().unwrap(), laptop.state_hash().unwrap());
    assert!(laptop.verify().unwrap().problems.is_empty());

    // The hub holds no plaintext: no customer text, company name or amount.
    for (key, bytes) in world.objects.snapshot() {
        for needle in [&b"Dupont"[..], b"Garage du Lac", b"1234.50", b"E-1"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{key} holds {:?}",
                String::from_utf8_lossy(needle)
            );
        }
    }

    // Each device keeps the batches, its own and the other's, without their ciphertext (the
    // events are in its log): a header, a signature and a version vector.
    for (store, node) in [(&office, laptop.node()), (&office, office.node()), (&laptop, office.node())] {
        let kept = store.kept_batches(node, EventSeq(0), u64::MAX).unwrap();
        assert!(!kept.is_empty());
        assert!(kept.iter().all(|bytes| rempart_sync::batch::is_compact(bytes) && bytes.len() < 512));
    }
    let batches = |world: &World| -> Vec<(String, Vec<u8>)> {
        world.objects.snapshot().into_iter().filter(|(key, _)| key.contains("/b/")).collect()
    };
    let before = batches(&world);

    // The hub's storage is wiped: the next sync gives it the roster and every batch back,
    // the laptop's included, and a third device can join from the refilled hub.
    world.objects.restore(Default::default());
    let report = sync(&mut world, &mut office);
    assert!(report.roster_restored, "{report:?}");
    assert!(report.pushed_events >= office.version_vector().unwrap().total() - 1, "{report:?}");
    let heads = world.hub.heads(office.tenant()).unwrap();
    assert_eq!(heads, office.version_vector().unwrap());
    assert_eq!(batches(&world), before, "the batches made again from the office's log are the very same bytes");
    let report = sync(&mut world, &mut laptop);
    assert_eq!((report.pulled_events, report.pushed_batches), (0, 0), "{report:?}");
    let code = world
        .with_env(|env, transport| {
            let mut session = Session::open(&office).unwrap();
            session.invite(&office, transport, env, Role::Admin, 3_600_000, None)
        })
        .unwrap();
    let till_dir = world.dir("till");
    let (mut till, session) =
        world.with_env(|env, transport| Session::join(&code, "mem", &till_dir, transport, env)).unwrap();
    assert!(session.secrets.recovery.is_some(), "an admin device holds the recovery secret");
    sync(&mut world, &mut till);
    assert_eq!(till.state_hash().unwrap(), office.state_hash().unwrap());
}

/// A till pushes its sales without pulling: the hub gets its events, it takes in nothing of
/// the laptop's, and head office's next sync holds both; the till's next full sync pulls.
#[test]
fn a_push_only_sends_without_taking_in() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let mut laptop = enrol_member(&mut world, &office, "laptop", "mem");
    let mut till = enrol_member(&mut world, &office, "till", "mem");
    sync(&mut world, &mut laptop);
    sync(&mut world, &mut till);
    laptop.post_entries(&[entry("E-1", 4, 10_000)], &mut |_| {}).unwrap();
    sync(&mut world, &mut laptop);
    till.post_entries(&[entry("E-2", 5, 20_000)], &mut |_| {}).unwrap();
    let held = till.version_vector().unwrap().seq(laptop.node());
    let mut session = Session::open(&till).unwrap();
    let report = world.with_env(|env, transport| session.push_only(&mut till, transport, env)).unwrap();
    assert!(report.pushed_events >= 1 && report.pulled_events == 0, "{report:?}");
    assert_eq!(till.version_vector().unwrap().seq(laptop.node()), held, "nothing of the laptop's taken in");
    sync(&mut world, &mut office);
    for node in [laptop.node(), till.node()] {
        assert_eq!(office.version_vector().unwrap().seq(node), world.hub.heads(office.tenant()).unwrap().seq(node));
    }
    assert!(office.entry_number("E-2").is_ok() && office.entry_number("E-1").is_ok());
    let report = sync(&mut world, &mut till);
    assert!(report.pulled_events >= 1, "{report:?}");
    assert_eq!(till.state_hash().unwrap(), office.state_hash().unwrap());
}

#[test]
fn a_device_of_one_company_gets_nothing_of_another() {
    let mut world = World::new();
    let mut alpha = Store::init(&world.dir("alpha"), "Alpha Sàrl", Country::Ch, 1).unwrap();
    let mut beta = Store::init(&world.dir("beta"), "Beta SAS", Country::Fr, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut alpha, "mem", transport, env)).unwrap();
    world.with_env(|env, transport| Session::connect(&mut beta, "mem", transport, env)).unwrap();
    sync(&mut world, &mut alpha);
    sync(&mut world, &mut beta);
    let beta_tenant = beta.tenant();
    let beta_node = beta.node();
    // Alpha's device, with valid signatures, asks for each of Beta's endpoints.
    let key = alpha.signing_key().clone();
    let signer = rempart_sync::RequestSigner::Device(alpha.node());
    let targets = [
        (Verb::Get, format!("/v1/t/{beta_tenant}/roster")),
        (Verb::Post, format!("/v1/t/{beta_tenant}/roster")),
        (Verb::Get, format!("/v1/t/{beta_tenant}/heads")),
        (Verb::Get, format!("/v1/t/{beta_tenant}/batches/{beta_node}?after=0")),
        (Verb::Put, format!("/v1/t/{beta_tenant}/batches")),
        (Verb::Get, format!("/v1/t/{beta_tenant}/wraps/e1-recovery")),
        (Verb::Put, format!("/v1/t/{beta_tenant}/wraps/e1-device-{}", alpha.node())),
        (Verb::Put, format!("/v1/t/{beta_tenant}/invites/{}", rempart_log::Hash32([1; 32]))),
    ];
    let before = world.objects.snapshot();
    for (verb, target) in targets {
        let answer = world.with_env(|env, transport| {
            let body = b"[]".to_vec();
            let auth = crate::auth(
                &transport.hub,
                (&key, signer),
                (verb.as_str(), &target, &body),
                env.clock.now_ms(),
                [7; 16],
            );
            transport.call(verb, &target, Some(&auth), body).unwrap()
        });
        assert_eq!(answer.status, 403, "{} {target}: {}", verb.as_str(), answer.message());
        assert!(answer.message().contains("not an enrolled device"), "{}", answer.message());
    }
    assert_eq!(world.objects.snapshot(), before, "nothing was stored");
}

/// A company connected to the world's hub, with one entry, synced.
fn connected_office(world: &mut World, dir: &std::path::Path) -> Store {
    let mut office = Store::init(dir, "Garage du Lac SA", Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    office.post_entries(&[entry("E-1", 4, 123_450)], &mut |_| {}).unwrap();
    sync(world, &mut office);
    office
}

#[test]
fn a_device_put_back_from_an_old_copy_fetches_its_own_head_before_recording() {
    let mut world = World::new();
    let (office_dir, backup_dir) = (world.dir("office"), world.dir("backup"));
    let office = connected_office(&mut world, &office_dir);
    let mut laptop = crate::enrol_member(&mut world, &office, "laptop", "mem");
    sync(&mut world, &mut laptop);

    // A file backup of the office's directory, taken with the program closed. Opening the
    // directory again where it was is no copy: recording goes on.
    drop(office);
    rempart_store::layout::copy_data_dir(&office_dir, &backup_dir).unwrap();
    let hub_at_backup: std::collections::BTreeSet<String> = world.objects.snapshot().into_keys().collect();
    let mut office = Store::open(&office_dir).unwrap();
    assert_eq!(office.copy_found_ms().unwrap(), None);
    office.post_entries(&[entry("E-2", 5, 99_900)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);
    let newest = office.version_vector().unwrap();

    // The office machine is wiped and its directory put back from the backup: the copy's chain
    // ends before E-2, which the hub holds. Recording is refused, and still after reopening.
    drop(office);
    std::fs::remove_dir_all(&office_dir).unwrap();
    rempart_store::layout::copy_data_dir(&backup_dir, &office_dir).unwrap();
    for _ in 0..2 {
        let mut office = Store::open(&office_dir).unwrap();
        assert!(office.copy_found_ms().unwrap().is_some());
        let before = office.version_vector().unwrap();
        assert!(before.seq(office.node()) < newest.seq(office.node()));
        let refused = office.post_entries(&[entry("E-3", 6, 50_000)], &mut |_| {});
        assert!(matches!(refused, Err(rempart_store::StoreError::CopyNotConfirmed)), "{refused:?}");
        assert_eq!(office.version_vector().unwrap(), before, "a refused recording changes nothing");
    }

    // One sync fetches the node's own head back from the hub; recording goes on after it,
    // without a fork, and the laptop agrees.
    let mut office = Store::open(&office_dir).unwrap();
    let report = sync(&mut world, &mut office);
    assert!(report.own_head_confirmed && report.own_head_unconfirmed.is_none(), "{report:?}");
    assert_eq!(office.version_vector().unwrap(), newest);
    assert_eq!(office.copy_found_ms().unwrap(), None);
    office.post_entries(&[entry("E-3", 6, 50_000)], &mut |_| {}).unwrap();
    let report = sync(&mut world, &mut office);
    assert!(report.forks.is_empty() && report.rejected.is_empty(), "{report:?}");
    sync(&mut world, &mut laptop);
    assert_eq!(laptop.version_vector().unwrap(), office.version_vector().unwrap());
    assert_eq!(laptop.state_hash().unwrap(), office.state_hash().unwrap());
    assert!(laptop.forks().unwrap().is_empty() && office.forks().unwrap().is_empty());
    assert!(office.verify().unwrap().problems.is_empty());

    // A copy whose own chain another node has seen further than the hub serves stays refused:
    // the hub is put back to a state without the office's newest batch, and the laptop, which
    // has seen it, has said so in a batch of its own.
    laptop.post_entries(&[entry("E-4", 7, 10_000)], &mut |_| {}).unwrap();
    sync(&mut world, &mut laptop);
    drop(office);
    std::fs::remove_dir_all(&office_dir).unwrap();
    rempart_store::layout::copy_data_dir(&backup_dir, &office_dir).unwrap();
    let mut office = Store::open(&office_dir).unwrap();
    let office_batches = format!("/b/{}/", office.node());
    let kept: std::collections::BTreeMap<String, Vec<u8>> = world
        .objects
        .snapshot()
        .into_iter()
        .filter(|(key, _)| !key.contains(&office_batches) || hub_at_backup.contains(key))
        .collect();
    world.objects.restore(kept);
    let report = sync(&mut world, &mut office);
    let doubt = report.own_head_unconfirmed.expect("the copy is not confirmed");
    assert!(matches!(doubt, OwnHeadDoubt::SeenFurther { .. }), "{doubt:?}");
    assert!(office.copy_found_ms().unwrap().is_some());
    assert!(matches!(
        office.post_entries(&[entry("E-5", 8, 1_000)], &mut |_| {}),
        Err(rempart_store::StoreError::CopyNotConfirmed)
    ));
}

#[test]
fn a_copy_of_a_company_that_syncs_with_no_hub_records_at_once() {
    let temp = tempfile::tempdir().unwrap();
    let (original, copy) = (temp.path().join("original"), temp.path().join("copy"));
    let mut store = Store::init(&original, "Boulangerie Favre", Country::Ch, 1).unwrap();
    store.post_entries(&[entry("E-1", 4, 1_000)], &mut |_| {}).unwrap();
    drop(store);
    rempart_store::layout::copy_data_dir(&original, &copy).unwrap();
    let mut copied = Store::open(&copy).unwrap();
    assert_eq!(copied.copy_found_ms().unwrap(), None);
    copied.post_entries(&[entry("E-2", 5, 2_000)], &mut |_| {}).unwrap();
}

#[test]
fn a_copy_that_must_record_offline_goes_on_under_a_new_chain() {
    let mut world = World::new();
    let office_dir = world.dir("office");
    let mut office = connected_office(&mut world, &office_dir);
    let mut till = enrol_member(&mut world, &office, "till", "mem");
    sync(&mut world, &mut till);
    till.post_entries(&[entry("T-1", 5, 1_000)], &mut |_| {}).unwrap();
    sync(&mut world, &mut till);
    // T-2 is recorded, backed up, and never synced: the till's machine dies.
    till.post_entries(&[entry("T-2", 6, 2_000)], &mut |_| {}).unwrap();
    let till_dir = till.dir().to_owned();
    let backup = world.dir("till-backup");
    let old_node = till.node();
    let old_chain = till.version_vector().unwrap().seq(old_node);
    drop(till);
    rempart_store::layout::copy_data_dir(&till_dir, &backup).unwrap();
    assert!(world.hub.heads(office.tenant()).unwrap().seq(old_node) < old_chain);

    // The till is put back from the backup while the hub cannot be reached: it goes on under a
    // new chain, at once, offline, and records.
    std::fs::remove_dir_all(&till_dir).unwrap();
    rempart_store::layout::copy_data_dir(&backup, &till_dir).unwrap();
    let mut till = Store::open(&till_dir).unwrap();
    assert!(till.copy_found_ms().unwrap().is_some());
    let new_node = world.with_env(|env, _| Session::open(&till).unwrap().rechain(&mut till, env)).unwrap();
    assert_ne!(new_node, old_node);
    assert_eq!(till.node(), new_node);
    assert_eq!(till.copy_found_ms().unwrap(), None);
    till.post_entries(&[entry("T-3", 7, 3_000)], &mut |_| {}).unwrap();
    let reopened = Store::open(&till_dir).unwrap();
    assert_eq!(reopened.node(), new_node, "the new identity is the directory's");
    drop(reopened);

    // Meanwhile the company's roster moved on: a device joined and was revoked, which began key
    // epoch 2, wrapped for the till's old identity only. The till's entry naming its successor is
    // signed again on top of it, the key of epoch 2 is carried over to the new identity, the old
    // chain's last event (T-2, which only the copy holds) goes up under the old identity, the new
    // chain goes up, and nothing forks.
    let visitor = enrol_member(&mut world, &office, "visitor", "mem");
    let visitor_node = visitor.node();
    world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, visitor_node))
        .unwrap();
    assert_eq!(Session::open(&office).unwrap().roster.epoch(), 2);
    let report = sync(&mut world, &mut till);
    assert!(report.forks.is_empty() && report.rejected.is_empty() && report.refused.is_empty(), "{report:?}");
    assert_eq!(till.version_vector().unwrap().seq(old_node), old_chain);
    let session = Session::open(&till).unwrap();
    assert!(session.secrets.succession.is_none(), "the hub holds the succession");
    assert!(session.secrets.keys.contains_key(&2), "the key of epoch 2 was carried over");
    assert_eq!(world.hub.heads(office.tenant()).unwrap().seq(old_node), old_chain);
    sync(&mut world, &mut office);
    sync(&mut world, &mut till);
    assert_eq!(office.version_vector().unwrap(), till.version_vector().unwrap());
    assert_eq!(office.state_hash().unwrap(), till.state_hash().unwrap());
    let roster = Session::open(&office).unwrap().roster;
    assert_eq!(roster.member(new_node).map(|m| m.role), Some(Role::Member));
    assert!(roster.is_active(old_node), "the old identity stays until an admin revokes it");
    let last = roster.entries().last().unwrap().parse_body().unwrap().action;
    assert!(
        matches!(last, rempart_sync::Action::Succeed { device, .. } if device == new_node),
        "the succession was signed again after the revocation: {last:?}"
    );
    for store in [&office, &till] {
        assert!(store.forks().unwrap().is_empty());
        assert!(store.verify().unwrap().problems.is_empty(), "{:?}", store.verify().unwrap().problems);
    }
    let balance: i64 = office
        .connection()
        .query_row("SELECT sum(debit_minor) FROM p_balances WHERE account = '1020'", [], |row| row.get(0))
        .unwrap();
    assert_eq!(balance, 123_450 + 1_000 + 2_000 + 3_000);

    // Revoking the old identity revokes its successor with it (a stolen key's successor does not
    // outlive the revocation); the till is told so.
    world.with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, old_node)).unwrap();
    let roster = Session::open(&office).unwrap().roster;
    assert!(!roster.is_active(old_node) && !roster.is_active(new_node));
    let refused = world.with_env(|env, transport| Session::open(&till).unwrap().sync(&mut till, transport, env));
    assert!(matches!(refused, Err(NodeError::Revoked)), "{refused:?}");
}

#[test]
fn a_database_put_back_over_its_own_file_is_seen_by_the_head_anchor() {
    let mut world = World::new();
    let dir = world.dir("office");
    drop(connected_office(&mut world, &dir));
    let wal = dir.join("ledger.db-wal");
    assert!(std::fs::metadata(&wal).map_or(true, |m| m.len() == 0), "a closed database is whole in its file");
    let saved = std::fs::read(dir.join("ledger.db")).unwrap();
    let mut office = Store::open(&dir).unwrap();
    office.post_entries(&[entry("E-2", 5, 99_900)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);
    let newest = office.version_vector().unwrap();
    drop(office);

    // The database alone is written back over its own file: same inode, same birth time; only
    // the head anchor, which names a later event, tells.
    std::fs::write(dir.join("ledger.db"), &saved).unwrap();
    let _ = std::fs::remove_file(&wal);
    let _ = std::fs::remove_file(dir.join("ledger.db-shm"));
    let mut office = Store::open(&dir).unwrap();
    assert!(office.copy_found_ms().unwrap().is_some());
    assert!(matches!(
        office.post_entries(&[entry("E-3", 6, 1_000)], &mut |_| {}),
        Err(rempart_store::StoreError::CopyNotConfirmed)
    ));
    let report = sync(&mut world, &mut office);
    assert!(report.own_head_confirmed, "{report:?}");
    assert_eq!(office.version_vector().unwrap(), newest);
    office.post_entries(&[entry("E-3", 6, 1_000)], &mut |_| {}).unwrap();
    drop(office);
    let office = Store::open(&dir).unwrap();
    assert_eq!(office.copy_found_ms().unwrap(), None, "confirmed once, not again at each start");
    assert!(office.verify().unwrap().problems.is_empty());
}

#[test]
fn events_lost_with_a_database_put_back_keep_recording_refused_until_a_new_chain() {
    let mut world = World::new();
    let dir = world.dir("office");
    drop(connected_office(&mut world, &dir));
    let saved = std::fs::read(dir.join("ledger.db")).unwrap();
    // E-2 is recorded and never reaches the hub; then the database alone is put back.
    let mut office = Store::open(&dir).unwrap();
    office.post_entries(&[entry("E-2", 5, 99_900)], &mut |_| {}).unwrap();
    drop(office);
    std::fs::write(dir.join("ledger.db"), &saved).unwrap();
    let _ = std::fs::remove_file(dir.join("ledger.db-wal"));
    let _ = std::fs::remove_file(dir.join("ledger.db-shm"));
    let mut office = Store::open(&dir).unwrap();
    let report = sync(&mut world, &mut office);
    let doubt = report.own_head_unconfirmed.expect("not confirmed");
    assert!(matches!(doubt, OwnHeadDoubt::AnchorFurther { .. }), "{doubt:?}");
    assert!(matches!(
        office.post_entries(&[entry("E-3", 6, 1_000)], &mut |_| {}),
        Err(rempart_store::StoreError::CopyNotConfirmed)
    ));
    // A new chain goes on.
    world.with_env(|env, _| Session::open(&office).unwrap().rechain(&mut office, env)).unwrap();
    office.post_entries(&[entry("E-3", 6, 1_000)], &mut |_| {}).unwrap();
    let report = sync(&mut world, &mut office);
    assert!(report.forks.is_empty() && report.refused.is_empty() && report.rejected.is_empty(), "{report:?}");
    assert!(office.verify().unwrap().problems.is_empty());
}

/// The world's storage, counting the reads of batch headers.
struct CountingHeaders {
    inner: Arc<MemStore>,
    header_reads: std::sync::atomic::AtomicUsize,
}

impl rempart_hub::ObjectStore for CountingHeaders {
    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<rempart_hub::Put, rempart_hub::ObjectError> {
        self.inner.put_new(key, bytes)
    }
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), rempart_hub::ObjectError> {
        self.inner.put(key, bytes)
    }
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, rempart_hub::ObjectError> {
        self.inner.get(key)
    }
    fn get_prefix(&self, key: &str, len: usize) -> Result<Option<Vec<u8>>, rempart_hub::ObjectError> {
        self.header_reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.get_prefix(key, len)
    }
    fn list(&self, prefix: &str) -> Result<Vec<rempart_hub::Listed>, rempart_hub::ObjectError> {
        self.inner.list(prefix)
    }
    fn remove(&self, key: &str) -> Result<(), rempart_hub::ObjectError> {
        self.inner.remove(key)
    }
}

#[test]
fn the_hub_reads_a_batch_header_again_only_when_its_object_changed() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    for day in 1..=3 {
        office.post_entries(&[entry(&format!("E-{day}"), day, 10_000)], &mut |_| {}).unwrap();
        sync(&mut world, &mut office);
    }
    let batches: Vec<String> = world.objects.snapshot().into_keys().filter(|key| key.contains("/b/")).collect();
    assert!(batches.len() >= 3, "{batches:?}");

    // A second hub process on the same storage.
    let counting = Arc::new(CountingHeaders { inner: world.objects.clone(), header_reads: Default::default() });
    let hub = Hub::new(counting.clone(), Limits::default()).with_open_signup();
    let reads = || counting.header_reads.load(std::sync::atomic::Ordering::Relaxed);
    let heads = hub.heads(office.tenant()).unwrap();
    assert_eq!(heads, world.hub.heads(office.tenant()).unwrap());
    assert_eq!(heads, office.version_vector().unwrap());
    assert_eq!(reads(), batches.len(), "each header read once");
    assert_eq!(hub.heads(office.tenant()).unwrap(), heads);
    assert_eq!(reads(), batches.len(), "then known by the listing alone");

    // The last batch changed behind the hub's back (its head hash altered, same size): read again
    // at once, alone, and the heads show it.
    let last = batches.last().unwrap();
    let mut altered = rempart_hub::ObjectStore::get(&*world.objects, last).unwrap().unwrap();
    altered[90] ^= 0x01;
    rempart_hub::ObjectStore::put(&*world.objects, last, &altered).unwrap();
    let changed = hub.heads(office.tenant()).unwrap();
    assert_eq!(reads(), batches.len() + 1);
    assert_ne!(changed, heads, "the altered head shows");
}

/// The hub's transport, cut (as a network dropping) from the `cut_at`-th batch upload on.
struct CutAfter<'a> {
    inner: &'a mut Direct,
    uploads: usize,
    cut_at: usize,
}

impl Transport for CutAfter<'_> {
    fn hub(&self) -> String {
        self.inner.hub()
    }

    fn identity(&mut self) -> &mut Option<rempart_sync::HubId> {
        self.inner.identity()
    }

    fn call(
        &mut self,
        verb: Verb,
        target: &str,
        auth: Option<&RequestAuth>,
        body: Vec<u8>,
    ) -> Result<Answer, Unreachable> {
        if verb == Verb::Put && target.ends_with("/batches") {
            self.uploads += 1;
            if self.uploads >= self.cut_at {
                let dropped = ureq::Error::Io(std::io::Error::other("the network dropped"));
                return Err(Unreachable { hub: self.hub(), reason: UnreachableWhy::Network(dropped) });
            }
        }
        self.inner.call(verb, target, auth, body)
    }
}

#[test]
fn a_push_of_many_batches_cut_midway_keeps_their_order_and_the_next_sync_sends_the_rest() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    // Large entries (long texts, many lines), enough for several batches of about 4 MiB.
    let text = "Révision complète, pneus, freins et climatisation du véhicule de la flotte ".repeat(6);
    let drafts: Vec<EntryDraft> = (0..14_000)
        .map(|n| {
            let mut draft = entry(&format!("E-{n}"), 1 + n % 28, 1_000 + i64::from(n));
            draft.text = text.clone();
            let lines = draft.postings.clone();
            for _ in 0..4 {
                draft.postings.extend(lines.iter().cloned());
            }
            draft
        })
        .collect();
    for chunk in drafts.chunks(3_500) {
        office.post_entries(chunk, &mut |_| {}).unwrap();
    }
    let me = office.node();
    let total = office.version_vector().unwrap().seq(me);

    // The network drops at the third upload: the sync fails and says so.
    let mut session = Session::open(&office).unwrap();
    let cut = world.with_env(|env, direct| {
        let mut transport = CutAfter { inner: direct, uploads: 0, cut_at: 3 };
        session.sync(&mut office, &mut transport, env)
    });
    assert!(matches!(cut, Err(NodeError::Unreachable(_))), "{cut:?}");
    // The hub holds the first two batches, a contiguous start of the chain; the node kept the
    // third before it was sent, and nothing after it (the push stopped there).
    let held = world.hub.heads(office.tenant()).unwrap().seq(me);
    let kept = office.kept_up_to(me).unwrap();
    assert!(held > EventSeq(0) && held < kept && kept < total, "hub {held}, kept {kept}, log {total}");
    let stored = world.objects.snapshot().into_keys().filter(|key| key.contains("/b/")).count();
    assert_eq!(stored, 2);

    // The next sync sends the rest: the kept batch made again from the log, then new ones.
    let report = sync(&mut world, &mut office);
    assert_eq!(report.pushed_events, total.0 - held.0, "{report:?}");
    assert!(report.pushed_batches >= 3, "{report:?}");
    assert_eq!(world.hub.heads(office.tenant()).unwrap(), office.version_vector().unwrap());
    assert_eq!(office.kept_up_to(me).unwrap(), total);

    // A new device gets the same books from the hub.
    let mut laptop = enrol_member(&mut world, &office, "laptop", "mem");
    sync(&mut world, &mut laptop);
    assert_eq!(laptop.state_hash().unwrap(), office.state_hash().unwrap());
    assert!(laptop.verify().unwrap().problems.is_empty());
}

/// A chain this node cannot take in (here its disk refuses that chain's rows, a fault the test
/// injects with a trigger) stops that chain only: the sync names it, still takes in the
/// other chains and still pushes this node's own events; once the fault is gone the next sync
/// takes the rest in and the books agree.
#[test]
fn a_chain_that_cannot_be_taken_in_stops_only_itself_and_own_events_still_go_up() {
    let mut world = World::new();
    let dir = world.dir("office");
    let mut office = connected_office(&mut world, &dir);
    let mut laptop = enrol_member(&mut world, &office, "laptop", "mem");
    let mut till = enrol_member(&mut world, &office, "till", "mem");
    for store in [&mut office, &mut laptop, &mut till] {
        sync(&mut world, store);
    }
    let fault = format!(
        "CREATE TRIGGER injected_fault BEFORE INSERT ON events WHEN NEW.node = X'{}'
         BEGIN SELECT RAISE(ABORT, 'disk says no'); END",
        hex::encode(office.node().as_bytes())
    );
    laptop.connection().execute_batch(&fault).unwrap();
    office
        .define_item(rempart_domain::catalogue::ItemDefined {
            code: "MO".into(),
            label: "Main-d'œuvre".into(),
            unit: "h".into(),
            price_minor: 12_000,
            currency: Currency::CHF,
            vat_code: "N81".into(),
            account: "3400".into(),
        })
        .unwrap();
    office.post_entries(&[entry("E-office", 6, 1_000)], &mut |_| {}).unwrap();
    till.post_entries(&[entry("E-till", 7, 2_000)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);
    sync(&mut world, &mut till);
    laptop.post_entries(&[entry("E-laptop", 8, 3_000)], &mut |_| {}).unwrap();

    let report = sync(&mut world, &mut laptop);
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    assert_eq!(report.rejected[0].node, office.node(), "{report:?}");
    assert_eq!(report.pushed_events, 1, "the laptop's own entry went up");
    assert_eq!(laptop.held(till.node()).unwrap(), till.held(till.node()).unwrap(), "the till's chain was taken in");
    assert!(laptop.held(office.node()).unwrap().unwrap().seq < office.held(office.node()).unwrap().unwrap().seq);
    let laptop_head = laptop.held(laptop.node()).unwrap();
    sync(&mut world, &mut office);
    assert_eq!(office.held(laptop.node()).unwrap(), laptop_head, "the office got the laptop's entry");

    laptop.connection().execute_batch("DROP TRIGGER injected_fault").unwrap();
    let report = sync(&mut world, &mut laptop);
    assert!(report.rejected.is_empty(), "{report:?}");
    sync(&mut world, &mut till);
    assert_eq!(laptop.state_hash().unwrap(), office.state_hash().unwrap());
    assert_eq!(till.state_hash().unwrap(), office.state_hash().unwrap());
    assert_eq!(laptop.items().unwrap().len(), 1);
}

/// A batch that ends inside a commit carries a seal over its last event: a device that only
/// ever receives it (the author lost before its next upload) holds a sealed chain and verifies
/// clean; the author's log keeps the same seal, so the batch is made again the same from it;
/// the rest of the commit comes with the next sync.
#[test]
fn a_batch_cut_inside_a_commit_is_sealed_where_it_ends() {
    let mut world = World::new();
    let dir = world.dir("office");
    let mut office = connected_office(&mut world, &dir);
    let mut laptop = enrol_member(&mut world, &office, "laptop", "mem");
    sync(&mut world, &mut laptop);
    let me = office.node();
    let before = office.held(me).unwrap().unwrap().seq;
    // One commit of two events: the contact and its first fields.
    office.create_contact(Some("C-1".into()), [("name".to_owned(), Some("Favre".into()))].into()).unwrap();
    let mut session = Session::open(&office).unwrap();
    session.set_push_batch_bytes(1);
    let cut = world.with_env(|env, direct| {
        let mut transport = CutAfter { inner: direct, uploads: 0, cut_at: 2 };
        session.sync(&mut office, &mut transport, env)
    });
    assert!(matches!(cut, Err(NodeError::Unreachable(_))), "{cut:?}");
    assert_eq!(world.hub.heads(office.tenant()).unwrap().seq(me), EventSeq(before.0 + 1), "the first event alone");
    sync(&mut world, &mut laptop);
    assert_eq!(laptop.held(me).unwrap().map(|head| head.seq), Some(EventSeq(before.0 + 1)));
    let report = laptop.verify().unwrap();
    assert!(report.problems.is_empty(), "a batch cut inside a commit verifies: {:?}", report.problems);
    let report = office.verify().unwrap();
    assert!(report.problems.is_empty(), "the author's extra seal verifies: {:?}", report.problems);

    // The rest of the commit arrives; a wiped hub is filled again with the very same batches.
    let mut session = Session::open(&office).unwrap();
    session.set_push_batch_bytes(1);
    world.with_env(|env, direct| session.sync(&mut office, direct, env)).unwrap();
    sync(&mut world, &mut laptop);
    assert_eq!(laptop.state_hash().unwrap(), office.state_hash().unwrap());
    let stored = world.objects.snapshot();
    world.objects.restore(Default::default());
    sync(&mut world, &mut office);
    let refilled = world.objects.snapshot();
    for (key, bytes) in stored.iter().filter(|(key, _)| key.contains(&format!("/b/{me}/"))) {
        assert_eq!(refilled.get(key), Some(bytes), "batch {key} made again the same");
    }
}

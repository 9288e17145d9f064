//! Hostile requests and batches: each is refused with the right status and a clear message, and
//! nothing is stored; the hub goes on serving the genuine ones.

use rempart_hub::Limits;
use rempart_log::{EventSeq, Hash32, SigningKey};
use rempart_node::{Answer, Hostile, NodeError, RejectedWhy, RevokedWriter, Session, Transport, Verb};
use rempart_store::Store;
use rempart_sync::{Batch, RequestAuth, RequestSigner, Role};

use crate::{World, entry, sync};

/// Sends a request signed by `key` as `signer`, at the world's clock shifted by `skew_ms`.
fn send(
    world: &mut World,
    key: &SigningKey,
    signer: RequestSigner,
    verb: Verb,
    target: &str,
    body: Vec<u8>,
    skew_ms: i64,
) -> Answer {
    world.with_env(|env, transport| {
        let mut nonce = [0u8; 16];
        (env.random)(&mut nonce);
        let time = (env.clock.now_ms() as i64 + skew_ms) as u64;
        let auth = crate::auth(&transport.hub, (key, signer), (verb.as_str(), target, &body), time, nonce);
        transport.call(verb, target, Some(&auth), body).unwrap()
    })
}

fn device(store: &Store) -> RequestSigner {
    RequestSigner::Device(store.node())
}

/// A sealed batch of `store`'s own events after `after`, with a chosen previous hash and key.
fn batch(store: &Store, session: &Session, after: u64, prev: Option<Hash32>, signing: &SigningKey) -> Vec<u8> {
    let run = store.chain_run(store.node(), EventSeq(after), 1 << 20).unwrap();
    Batch::seal(&session.author(signing).unwrap(), &run.events, &run.seals, prev.unwrap_or(run.prev), [3; 24])
        .unwrap()
        .encode()
}

fn assert_refused(answer: &Answer, status: u16, words: &str) {
    assert_eq!(answer.status, status, "{}", answer.message());
    assert!(answer.message().contains(words), "expected \"{words}\" in: {}", answer.message());
}

#[test]
fn hostile_batches_and_requests_are_refused_and_nothing_is_stored() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let mut other = Store::init(&world.dir("other"), "Autre SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut other, "mem", transport, env)).unwrap();
    let held = office.version_vector().unwrap().seq(office.node()).0;
    office.post_entries(&[entry("E-H1", 1, 100)], &mut |_| {}).unwrap();
    office.post_entries(&[entry("E-H2", 2, 200)], &mut |_| {}).unwrap();
    let session = Session::open(&office).unwrap();
    let tenant = office.tenant();
    let batches = format!("/v1/t/{tenant}/batches");
    let key = office.signing_key().clone();
    let genuine = batch(&office, &session, held, None, &key);
    let before = world.objects.snapshot();

    // Signed by another key than the node's.
    let forged = batch(&office, &session, held, None, other.signing_key());
    assert_refused(&send(&mut world, &key, device(&office), Verb::Put, &batches, forged, 0), 403, "not signed by node");
    // A gap: starts one event after what the hub holds.
    let run = office.chain_run(office.node(), EventSeq(held + 1), 1 << 20).unwrap();
    let gap = Batch::seal(&session.author(&key).unwrap(), &run.events, &run.seals, run.prev, [4; 24]).unwrap().encode();
    assert_refused(&send(&mut world, &key, device(&office), Verb::Put, &batches, gap, 0), 409, "does not continue");
    // Naming a roster the company does not have (longer, or parted), or a key epoch it has not
    // begun: a member could otherwise make every other device hold back what it sends.
    let run = office.chain_run(office.node(), EventSeq(held), 1 << 20).unwrap();
    let data = &session.secrets.keys[&1];
    let mark = session.roster.mark();
    let epoch_two = rempart_sync::DataKey::new(2, [7; 32]);
    for (data, roster) in [
        (data, rempart_sync::RosterMark { len: mark.len + 1, ..mark }),
        (data, rempart_sync::RosterMark { head: Hash32([1; 32]), ..mark }),
        (&epoch_two, mark),
    ] {
        let author = rempart_sync::batch::Author { key: data, signing: &key, roster };
        let lying = Batch::seal(&author, &run.events, &run.seals, run.prev, [6; 24]).unwrap().encode();
        assert_refused(&send(&mut world, &key, device(&office), Verb::Put, &batches, lying, 0), 400, "does not hold");
    }
    // The right place but a wrong previous hash.
    let wrong_prev = batch(&office, &session, held, Some(Hash32([9; 32])), &key);
    assert_refused(
        &send(&mut world, &key, device(&office), Verb::Put, &batches, wrong_prev, 0),
        409,
        "does not continue",
    );
    // Truncated, and garbage in the ciphertext.
    let truncated = genuine[..genuine.len() - 1].to_vec();
    assert_refused(&send(&mut world, &key, device(&office), Verb::Put, &batches, truncated, 0), 400, "truncated");
    let mut garbage = genuine.clone();
    let last = garbage.len() - 5;
    garbage[last] ^= 0xff;
    assert_refused(
        &send(&mut world, &key, device(&office), Verb::Put, &batches, garbage, 0),
        400,
        "not the one its header names",
    );
    // Not a batch at all, and oversized.
    assert_refused(
        &send(&mut world, &key, device(&office), Verb::Put, &batches, b"{\"json\":1}".to_vec(), 0),
        400,
        "truncated",
    );
    let huge = vec![0u8; world.hub.limits().body_bytes_max + 1];
    assert_refused(&send(&mut world, &key, device(&office), Verb::Put, &batches, huge, 0), 413, "exceeds");
    // Office's batch sent by the other company's device into its own namespace.
    let theirs = format!("/v1/t/{}/batches", other.tenant());
    let other_key = other.signing_key().clone();
    assert_refused(
        &send(&mut world, &other_key, device(&other), Verb::Put, &theirs, genuine.clone(), 0),
        403,
        "another company",
    );
    // Requests: unsigned, expired, replayed, malformed.
    let heads = format!("/v1/t/{tenant}/heads");
    let unsigned = world.hub.handle(
        &rempart_hub::Request {
            method: rempart_hub::Method::Get,
            target: heads.clone(),
            signer: None,
            time: None,
            nonce: None,
            signature: None,
            body: Vec::new(),
            request_id: "test".into(),
            from_loopback: true,
            authorization: None,
        },
        rempart_node::system_now_ms(),
    );
    assert_eq!(unsigned.status, 401, "{}", unsigned.message());
    assert_refused(
        &send(&mut world, &key, device(&office), Verb::Get, &heads, Vec::new(), -600_000),
        401,
        "away from the hub's clock",
    );
    let auth = crate::auth(&world.hub, (&key, device(&office)), ("GET", &heads, b""), world.now.get() + 1000, [8; 16]);
    let mut transport = world.transport();
    assert_eq!(transport.call(Verb::Get, &heads, Some(&auth), Vec::new()).unwrap().status, 200);
    assert_refused(&transport.call(Verb::Get, &heads, Some(&auth), Vec::new()).unwrap(), 401, "already received");
    let roster = format!("/v1/t/{tenant}/roster");
    assert_refused(
        &send(&mut world, &key, device(&office), Verb::Post, &roster, b"{not json".to_vec(), 0),
        400,
        "not a list of roster entries",
    );
    let wrap = format!("/v1/t/{tenant}/wraps/e9-device-{}", office.node());
    assert_refused(
        &send(&mut world, &key, device(&office), Verb::Put, &wrap, b"\x00\x01".to_vec(), 0),
        400,
        "not a key wrap",
    );
    assert_eq!(world.objects.snapshot(), before, "nothing of the refused requests was stored");

    // The genuine batch goes through, once; sent again it is recognised.
    assert_eq!(send(&mut world, &key, device(&office), Verb::Put, &batches, genuine.clone(), 0).status, 201);
    assert_eq!(send(&mut world, &key, device(&office), Verb::Put, &batches, genuine, 0).status, 200);
    // A different batch for the same events (a cloned device, or a forgery) is a fork.
    let mut clone_events = office.chain_run(office.node(), EventSeq(held), 1 << 20).unwrap();
    clone_events.events.truncate(1);
    clone_events.seals.clear();
    let fork = Batch::seal(
        &session.author(&key).unwrap(),
        &clone_events.events,
        &clone_events.seals,
        clone_events.prev,
        [5; 24],
    )
    .unwrap()
    .encode();
    assert_refused(&send(&mut world, &key, device(&office), Verb::Put, &batches, fork, 0), 409, "different batch");
}

#[test]
fn a_revoked_device_is_refused_and_told_so_and_new_data_is_closed_to_it() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let mut laptop = crate::enrol_member(&mut world, &office, "laptop", "mem");
    sync(&mut world, &mut laptop);
    laptop.post_entries(&[entry("E-L1", 3, 300)], &mut |_| {}).unwrap();
    sync(&mut world, &mut laptop);
    let laptop_node = laptop.node();
    let written_before = laptop.version_vector().unwrap().seq(laptop_node);

    // The admin first takes in what the laptop wrote (as `rempart device revoke` does): that
    // stays valid, anything later does not.
    sync(&mut world, &mut office);
    let (epoch, kit) = world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, laptop_node))
        .unwrap();
    assert_eq!(epoch, 2);
    assert!(kit.is_none(), "a member device never held the recovery secret");
    // What the laptop wrote before stays; what it writes after is refused, and it is told why.
    laptop.post_entries(&[entry("E-L2", 4, 400)], &mut |_| {}).unwrap();
    let refused = world.with_env(|env, transport| Session::open(&laptop).unwrap().sync(&mut laptop, transport, env));
    assert!(matches!(refused, Err(NodeError::Revoked)), "{refused:?}");
    // The office's new events use epoch 2, which the laptop never received.
    office.post_entries(&[entry("E-O1", 5, 500)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);
    let key_2 = Session::open(&office).unwrap().secrets.keys.get(&2).cloned();
    assert!(key_2.is_some());
    assert!(!Session::open(&laptop).unwrap().secrets.keys.contains_key(&2));
    assert_eq!(world.hub.heads(office.tenant()).unwrap().seq(laptop_node), written_before);
    assert_eq!(office.version_vector().unwrap().seq(laptop_node), written_before);
}

/// A hub's answer to a download holding one batch, framed by its length.
fn download_of(batch: &[u8]) -> Answer {
    let mut framed = (batch.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(batch);
    Answer { status: 200, body: framed }
}

/// A hub that claims `node`'s chain up to the end of `late`, a batch it never accepted, and serves
/// it right after the genuine ones; everything else goes to the real hub.
struct Lying<'a> {
    inner: &'a mut dyn Transport,
    node: rempart_log::NodeId,
    late: &'a [u8],
    header: &'a rempart_sync::batch::Header,
}

impl Transport for Lying<'_> {
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
    ) -> Result<Answer, rempart_node::Unreachable> {
        let after_genuine = format!("/batches/{}?after={}", self.node, self.header.first.0 - 1);
        if verb == Verb::Get && target.ends_with(&after_genuine) {
            return Ok(download_of(self.late));
        }
        let mut answer = self.inner.call(verb, target, auth, body)?;
        if verb == Verb::Get && target.ends_with("/heads") {
            let mut heads: rempart_sync::VersionVector = serde_json::from_slice(&answer.body).unwrap();
            heads.set(self.node, rempart_sync::Head { seq: self.header.last, hash: self.header.head });
            answer.body = serde_json::to_vec(&heads).unwrap();
        }
        Ok(answer)
    }
}

/// A hostile hub keeps serving a revoked device's events written after its revocation, in
/// answers of one batch each, so that the pull takes them in over several groups: the events
/// before the revocation are taken in, the pull stops at the first batch past it and says so, and
/// the books are the admin's.
#[test]
fn a_hub_serving_a_revoked_devices_later_events_across_groups_is_refused_at_the_revocation() {
    // Answers of one batch each: each is a group of its own.
    let mut world = World::with_limits(Limits { download_bytes_max: 1, ..Limits::default() });
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let mut laptop = crate::enrol_member(&mut world, &office, "laptop", "mem");
    sync(&mut world, &mut laptop);
    for (index, id) in ["E-L1", "E-L2"].into_iter().enumerate() {
        laptop.post_entries(&[entry(id, 3 + index as u32, 300)], &mut |_| {}).unwrap();
        sync(&mut world, &mut laptop);
    }
    let laptop_node = laptop.node();
    let revoked_after = laptop.version_vector().unwrap().seq(laptop_node);
    sync(&mut world, &mut office);
    world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, laptop_node))
        .unwrap();

    // Written after the revocation and sealed by the laptop under the old key: the hub (which
    // itself would neither count nor serve it) claims and serves it after the genuine batches.
    laptop.post_entries(&[entry("E-L3", 6, 600)], &mut |_| {}).unwrap();
    let late = batch(&laptop, &Session::open(&laptop).unwrap(), revoked_after.0, None, laptop.signing_key());
    let header = Batch::decode(&late).unwrap().header;

    let mut till = crate::enrol_member(&mut world, &office, "till", "mem");
    for _ in 0..2 {
        let mut session = Session::open(&till).unwrap();
        session.set_pull_group_bytes(1);
        let report = world
            .with_env(|env, transport| {
                let mut lying = Lying { inner: transport, node: laptop_node, late: &late, header: &header };
                session.sync(&mut till, &mut lying, env)
            })
            .unwrap();
        assert_eq!(till.version_vector().unwrap().seq(laptop_node), revoked_after);
        assert!(
            report.rejected.iter().any(|rejected| matches!(
                rejected.why,
                RejectedWhy::Hostile(Hostile::AfterRevocation { node }) if node == laptop_node
            )),
            "{:?}",
            report.rejected
        );
    }
    assert_eq!(till.state_hash().unwrap(), office.state_hash().unwrap());
}

/// Devices of one company syncing at once go over its request rate: each call the hub refuses
/// for it waits (on the test's clock) and is signed and sent again, and the syncs go through.
#[test]
fn a_sync_over_the_companys_request_rate_waits_and_goes_through() {
    let mut world = World::with_limits(Limits { requests_per_second: 1, burst: 3, ..Limits::default() });
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    let mut laptop = crate::enrol_member(&mut world, &office, "laptop", "mem");
    for (index, day) in (1..=5).enumerate() {
        office.post_entries(&[entry(&format!("E-R{index}"), day, 100 + index as i64)], &mut |_| {}).unwrap();
    }
    // `with_env` moves the clock by a second before the sync; the rest is the waits.
    let before = world.now.get() + 1_000;
    let report = sync(&mut world, &mut office);
    assert!(report.pushed_events >= 5, "{report:?}");
    assert!(world.now.get() > before, "the sync went over a rate of one request a second without waiting");
    let report = sync(&mut world, &mut laptop);
    assert!(report.pulled_events >= 5, "{report:?}");
    assert_eq!(laptop.state_hash().unwrap(), office.state_hash().unwrap());
}

/// A hub (or a proxy before it) that refuses every signed call for the company's rate, keeping
/// each attempt's nonce and the test clock when it came.
struct Busy<'a> {
    inner: &'a mut dyn Transport,
    now: crate::TestClock,
    attempts: Vec<(String, u64)>,
}

impl Transport for Busy<'_> {
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
    ) -> Result<Answer, rempart_node::Unreachable> {
        let Some(auth) = auth else { return self.inner.call(verb, target, None, body) };
        let nonce =
            auth.headers().iter().find(|(name, _)| *name == rempart_sync::auth::HEADER_NONCE).unwrap().1.clone();
        self.attempts.push((nonce, self.now.get()));
        let body = br#"{"reason":"rate_limited","message":"too many requests for this company"}"#.to_vec();
        Ok(Answer { status: 429, body })
    }
}

/// A call refused for the rate every time is sent again after each of the waits, each attempt
/// signed anew, the waits drawn about their length; then the refusal stands.
#[test]
fn a_call_refused_for_the_rate_every_time_gives_up_after_its_waits_each_attempt_signed_anew() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    let now = world.now.clone();
    let (attempts, outcome) = world.with_env(|env, transport| {
        let mut busy = Busy { inner: transport, now, attempts: Vec::new() };
        let outcome = Session::open(&office).unwrap().sync(&mut office, &mut busy, env);
        (busy.attempts, outcome)
    });
    assert!(matches!(outcome, Err(NodeError::Refused { status: 429, .. })), "{outcome:?}");
    assert_eq!(attempts.len(), 1 + rempart_node::RATE_WAITS_MS.len());
    let nonces: std::collections::BTreeSet<&String> = attempts.iter().map(|(nonce, _)| nonce).collect();
    assert_eq!(nonces.len(), attempts.len(), "an attempt was sent again with a spent nonce");
    for (pair, wait) in attempts.windows(2).zip(rempart_node::RATE_WAITS_MS) {
        let waited = pair[1].1 - pair[0].1;
        assert!(waited >= wait / 2 && waited < wait / 2 + wait, "waited {waited} ms for about {wait}");
    }
}

#[test]
fn quota_rate_and_clocks_are_enforced() {
    let mut world = World::with_limits(Limits { requests_per_second: 1, burst: 8, ..Limits::default() });
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    let heads = format!("/v1/t/{}/heads", office.tenant());
    let key = office.signing_key().clone();
    // Ten requests at one instant against a burst of eight: the last ones wait their turn.
    let now = world.now.get();
    let mut transport = world.transport();
    let answers: Vec<Answer> = (0..10u8)
        .map(|index| {
            let auth = crate::auth(&world.hub, (&key, device(&office)), ("GET", &heads, b""), now, [index; 16]);
            transport.call(Verb::Get, &heads, Some(&auth), Vec::new()).unwrap()
        })
        .collect();
    assert_eq!(answers[0].status, 200);
    assert_refused(&answers[9], 429, "too many requests");

    // A tiny quota: the first sync's batches do not fit.
    let mut world = World::with_limits(Limits { quota_bytes: 6_000, ..Limits::default() });
    let mut small = Store::init(&world.dir("small"), "Petit SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut small, "mem", transport, env)).unwrap();
    let refused = world.with_env(|env, transport| Session::open(&small).unwrap().sync(&mut small, transport, env));
    match refused {
        Err(NodeError::Refused { status: 507, reason, message }) => assert_eq!(reason, "quota", "{message}"),
        other => panic!("expected the quota, got {other:?}"),
    }

    // Key wraps count too: one past the quota is refused and nothing is stored.
    let mut world = World::with_limits(Limits { quota_bytes: 60_000, ..Limits::default() });
    let mut small = Store::init(&world.dir("small2"), "Petit SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut small, "mem", transport, env)).unwrap();
    sync(&mut world, &mut small);
    let key = small.signing_key().clone();
    let name = format!("e1-device-{}", small.node());
    let target = format!("/v1/t/{}/wraps/{name}", small.tenant());
    let stored = world.objects.snapshot()[&format!("t/{}/wraps/{name}", small.tenant())].clone();
    let mut wrap: rempart_sync::Wrap = serde_json::from_slice(&stored).unwrap();
    wrap.sealed = vec![7; 70_000];
    let body = serde_json::to_vec(&wrap).unwrap();
    let auth = crate::auth(&world.hub, (&key, device(&small)), ("PUT", &target, &body), world.now.get(), [1; 16]);
    let answer = world.transport().call(Verb::Put, &target, Some(&auth), body).unwrap();
    assert_refused(&answer, 507, "quota");
    assert_eq!(world.objects.snapshot()[&format!("t/{}/wraps/{name}", small.tenant())], stored);

    // A hub whose clock is an hour behind the node's: the node's events are stamped too far ahead.
    let mut world = World::new();
    let mut ahead = Store::init(&world.dir("ahead"), "Futur SA", rempart_domain::Country::Ch, 1).unwrap();
    world.now.set(world.now.get() - 3_600_000);
    world.with_env(|env, transport| Session::connect(&mut ahead, "mem", transport, env)).unwrap();
    let report = sync(&mut world, &mut ahead);
    // The hub's own message, as it sent it.
    assert!(report.refused.iter().any(|r| r.message.contains("ahead of the hub's clock")), "{report:?}");
}

/// A hub that answers every download with a batch of another company.
struct Swapping {
    inner: crate::Direct,
    foreign: Vec<u8>,
}

impl Transport for Swapping {
    fn hub(&self) -> String {
        "a swapping hub".to_owned()
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
    ) -> Result<Answer, rempart_node::Unreachable> {
        if verb == Verb::Get && target.contains("/batches/") {
            return Ok(download_of(&self.foreign));
        }
        self.inner.call(verb, target, auth, body)
    }
}

#[test]
fn a_batch_of_another_company_served_to_a_node_is_rejected_by_it() {
    let mut world = World::new();
    let mut alpha = Store::init(&world.dir("alpha"), "Alpha Sàrl", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut alpha, "mem", transport, env)).unwrap();
    sync(&mut world, &mut alpha);
    let foreign = Session::open(&alpha).unwrap().kept_batches(&alpha, alpha.node(), EventSeq(0), 1).unwrap().remove(0);
    let mut beta = Store::init(&world.dir("beta"), "Beta SAS", rempart_domain::Country::Fr, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut beta, "mem", transport, env)).unwrap();
    sync(&mut world, &mut beta);
    let code = world
        .with_env(|env, transport| {
            Session::open(&beta).unwrap().invite(&beta, transport, env, Role::Member, 60_000, None)
        })
        .unwrap();
    let dir = world.dir("beta-laptop");
    let (mut laptop, _) = world.with_env(|env, transport| Session::join(&code, "mem", &dir, transport, env)).unwrap();
    let refused = world.with_env(|env, transport| {
        let mut swapping = Swapping {
            inner: crate::Direct { hub: transport.hub.clone(), now: transport.now.clone(), identity: None },
            foreign: foreign.clone(),
        };
        Session::open(&laptop).unwrap().sync(&mut laptop, &mut swapping, env)
    });
    // The other company's batch is rejected; the rest of the sync goes on, and says so.
    let report = refused.unwrap();
    assert_eq!(report.rejected.len(), 1, "{report:?}");
    assert!(matches!(report.rejected[0].why, RejectedWhy::Hostile(Hostile::BatchOfAnother)), "{report:?}");
    assert!(laptop.version_vector().unwrap().get(alpha.node()).is_none(), "nothing of the other company was taken");
    assert_eq!(laptop.version_vector().unwrap().0.len(), 1, "only the laptop's own chain");
}

#[test]
fn revoking_an_admin_device_renews_the_recovery_kit() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    let old_kit = world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let invite = |world: &mut World, office: &Store| {
        world
            .with_env(|env, transport| {
                Session::open(office).unwrap().invite(office, transport, env, Role::Admin, 60_000, None)
            })
            .unwrap()
    };
    let code = invite(&mut world, &office);
    let dir = world.dir("boss-laptop");
    let (mut boss, session) =
        world.with_env(|env, transport| Session::join(&code, "mem", &dir, transport, env)).unwrap();
    assert_eq!(
        session.secrets.recovery.as_ref().map(|r| *r.bytes()),
        Some(*old_kit.secret.bytes()),
        "an admin holds the kit's secret"
    );
    sync(&mut world, &mut boss);
    let code = invite(&mut world, &office);
    let dir = world.dir("deputy");
    let (mut deputy, _) = world.with_env(|env, transport| Session::join(&code, "mem", &dir, transport, env)).unwrap();
    sync(&mut world, &mut deputy);

    // Revoking an admin renews the kit: nothing else (no passphrase) is needed.
    let boss_node = boss.node();
    let (epoch, new_kit) = world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, boss_node))
        .unwrap();
    let new_kit = new_kit.expect("a new kit");
    assert_eq!(epoch, 2);
    assert_ne!(new_kit.secret.bytes(), old_kit.secret.bytes());
    assert_eq!((new_kit.tenant, new_kit.genesis), (old_kit.tenant, old_kit.genesis));
    office.post_entries(&[entry("E-after", 9, 900)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);

    // The other admin device picks the new secret up; the old kit opens nothing any more.
    sync(&mut world, &mut deputy);
    assert_eq!(
        Session::open(&deputy).unwrap().secrets.recovery.as_ref().map(|r| *r.bytes()),
        Some(*new_kit.secret.bytes())
    );
    let (old_dir, new_dir) = (world.dir("old-kit"), world.dir("new-kit"));
    let refused =
        world.with_env(|env, transport| Session::restore(&old_kit, "mem", &old_dir, transport, env).map(|_| ()));
    assert!(matches!(refused, Err(NodeError::KitRefused)), "{refused:?}");
    assert!(!old_dir.exists(), "a refused restore leaves nothing behind");
    // The new kit restores everything, both epochs.
    let (mut restored, mut session) =
        world.with_env(|env, transport| Session::restore(&new_kit, "mem", &new_dir, transport, env)).unwrap();
    assert_eq!(session.secrets.keys.len(), 2);
    world.with_env(|env, transport| session.sync(&mut restored, transport, env)).unwrap();
    assert_eq!(restored.state_hash().unwrap(), office.state_hash().unwrap());
}

#[test]
fn strangers_cannot_spend_a_companys_budget_nor_members_take_the_name_of_a_future_key() {
    let mut world = World::with_limits(Limits { requests_per_second: 1, burst: 20, ..Limits::default() });
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    let tenant = office.tenant();
    // Nothing is served to a request that is not signed, the recovery wraps least of all (there
    // is no passphrase wrap to guess against), however often it is asked.
    let now = world.now.get();
    let wraps: Vec<String> = world
        .objects
        .snapshot()
        .keys()
        .filter_map(|key| key.split_once("/wraps/").map(|(_, name)| name.to_owned()))
        .collect();
    assert!(wraps.iter().any(|name| name.contains("recovery")), "{wraps:?}");
    for name in wraps.iter().map(String::as_str).chain(["passphrase"]).cycle().take(40) {
        let target = format!("/v1/t/{tenant}/wraps/{name}");
        let request = rempart_hub::Request::signed(rempart_hub::Method::Get, &target, None, Vec::new());
        let answer = world.hub.handle(&request, now);
        assert_eq!(answer.status, 401, "{name}: {}", String::from_utf8_lossy(&answer.body));
    }
    // The devices' budget is untouched by them.
    let key = office.signing_key().clone();
    let heads = format!("/v1/t/{tenant}/heads");
    let auth = crate::auth(&world.hub, (&key, device(&office)), ("GET", &heads, b""), now, [1; 16]);
    assert_eq!(world.transport().call(Verb::Get, &heads, Some(&auth), Vec::new()).unwrap().status, 200);

    // A member may write its own wraps of known epochs only, under their exact names.
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office2"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    let member = crate::enrol_member(&mut world, &office, "member", "mem");
    let wrap = rempart_sync::Wrap::seal(
        office.tenant(),
        rempart_sync::Wrapped::DataKey(2),
        rempart_sync::Recipient::Device(member.node()),
        1,
        &rempart_sync::WrapSecret::from_bytes([3; 32]).public(),
        &[4; 32],
        rempart_sync::WrapEntropy { ephemeral: [5; 32], nonce: [6; 24] },
    )
    .unwrap();
    let member_key = member.signing_key().clone();
    for name in [format!("e2-device-{}", member.node()), format!("x-device-{}", member.node())] {
        let target = format!("/v1/t/{}/wraps/{name}", office.tenant());
        let answer =
            send(&mut world, &member_key, device(&member), Verb::Put, &target, serde_json::to_vec(&wrap).unwrap(), 0);
        assert_eq!(answer.status, 400, "{name}: {}", answer.message());
    }
    // Nor can an admin (a device about to be revoked) squat the name of a wrap to come: a wrap is
    // taken only under the name its fields give, for an epoch the roster has, to an active
    // recipient; anything else is refused and nothing is stored.
    let office_key = office.signing_key().clone();
    let stranger = rempart_log::NodeId::from_bytes([77; 16]);
    let attempts = [
        (
            format!("e2-device-{}", member.node()),
            rempart_sync::Wrapped::DataKey(2),
            rempart_sync::Recipient::Device(member.node()),
        ),
        (format!("e1-device-{stranger}"), rempart_sync::Wrapped::DataKey(1), rempart_sync::Recipient::Device(stranger)),
        ("e1-recovery-g2".to_owned(), rempart_sync::Wrapped::DataKey(1), rempart_sync::Recipient::Recovery),
        (
            format!("e1-device-{}", office.node()),
            rempart_sync::Wrapped::DataKey(1),
            rempart_sync::Recipient::Device(member.node()),
        ),
    ];
    for (name, what, to) in attempts {
        let wrap = rempart_sync::Wrap::seal(
            office.tenant(),
            what,
            to,
            1,
            &rempart_sync::WrapSecret::from_bytes([3; 32]).public(),
            &[4; 32],
            rempart_sync::WrapEntropy { ephemeral: [5; 32], nonce: [6; 24] },
        )
        .unwrap();
        let target = format!("/v1/t/{}/wraps/{name}", office.tenant());
        let before = world.objects.snapshot();
        let answer =
            send(&mut world, &office_key, device(&office), Verb::Put, &target, serde_json::to_vec(&wrap).unwrap(), 0);
        assert_refused(&answer, 400, "not one it may have");
        assert_eq!(world.objects.snapshot(), before, "{name}");
    }
}

#[test]
fn a_revoked_admin_filling_a_wiped_hub_again_is_named_and_the_company_moves_to_a_new_hub() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    office.post_entries(&[entry("E-1", 3, 300)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);
    let code = world
        .with_env(|env, transport| {
            Session::open(&office).unwrap().invite(&office, transport, env, Role::Admin, 60_000, None)
        })
        .unwrap();
    let dir = world.dir("boss");
    let (mut boss, _) = world.with_env(|env, transport| Session::join(&code, "mem", &dir, transport, env)).unwrap();
    sync(&mut world, &mut boss);
    let boss_node = boss.node();
    world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, boss_node))
        .unwrap();
    sync(&mut world, &mut office);

    // The hub loses its storage; the revoked boss, whose list predates its revocation, fills it
    // first and writes on it: an invitation of its own.
    world.objects.restore(Default::default());
    sync(&mut world, &mut boss);
    world
        .with_env(|env, transport| {
            Session::open(&boss).unwrap().invite(&boss, transport, env, Role::Admin, 60_000, None)
        })
        .unwrap();

    // The office finds the hub's list parted from its own, says who wrote it, and keeps its own.
    let roster_before = Session::open(&office).unwrap().roster.entries().to_vec();
    let refused = world.with_env(|env, transport| Session::open(&office).unwrap().sync(&mut office, transport, env));
    match refused {
        Err(NodeError::Hostile(Hostile::RosterRefilled { writer: RevokedWriter::Device(writer), .. })) => {
            assert_eq!(writer, boss_node);
        }
        other => panic!("expected the roster's divergence named, got {other:?}"),
    }
    assert_eq!(Session::open(&office).unwrap().roster.entries(), &roster_before[..]);

    // The company moves to a new hub: the office fills it; the boss is refused there.
    let objects = std::sync::Arc::new(rempart_hub::MemStore::default());
    world.hub = std::sync::Arc::new(rempart_hub::Hub::new(objects.clone(), Limits::default()).with_open_signup());
    world.objects = objects;
    let report = sync(&mut world, &mut office);
    assert!(report.roster_restored, "{report:?}");
    let revoked = world.with_env(|env, transport| Session::open(&boss).unwrap().sync(&mut boss, transport, env));
    assert!(matches!(revoked, Err(NodeError::Refused { status: 409, .. })), "{revoked:?}");
    let hub_roster = world.objects.snapshot().keys().filter(|key| key.contains("/roster/")).count();
    assert_eq!(hub_roster, roster_before.len());
    assert_eq!(world.hub.heads(office.tenant()).unwrap(), office.version_vector().unwrap());
}

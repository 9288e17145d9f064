//! Issue 18: who holds power, and how it changes hands. A hub that forges a roster, a revoked
//! admin who keeps everything its device held: each is refused, and says so in a typed error.

use rempart_log::{Hash32, NodeId, SigningKey};
use rempart_node::{Answer, Forgery, HeldBack, NodeError, Session, Transport, Unreachable, Verb};
use rempart_store::Store;
use rempart_sync::{
    Action, Batch, Body, DataKey, DeviceKeys, Entry, Proven, RecoverySecret, RequestAuth, Role, Roster, RosterError,
    Signer, Wrap, WrapSecret,
};

use crate::{World, entry, sync};

/// A hub that serves the roster as `entries` (from the position a node asks for on), and
/// everything else as it is: cut short, it hides the last entries; another list, it forges.
struct Serving<'a> {
    inner: &'a mut dyn Transport,
    entries: Vec<Entry>,
}

impl Transport for Serving<'_> {
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
        if verb == Verb::Get && target.contains("/roster") {
            let after: usize = target.split("after=").nth(1).map_or(0, |after| after.parse().unwrap());
            let entries = &self.entries[after.min(self.entries.len())..];
            let served = serde_json::json!({ "len": self.entries.len(), "entries": entries });
            return Ok(Answer { status: 200, body: serde_json::to_vec(&served).unwrap() });
        }
        self.inner.call(verb, target, auth, body)
    }
}

fn keys_of(sign: &SigningKey, wrap: &WrapSecret) -> DeviceKeys {
    DeviceKeys { sign: sign.verifying_key().to_bytes(), wrap: wrap.public() }
}

/// Flaw 2, built exactly as described: the hub makes its own genesis for the company's id, adds
/// its own device, then "revokes" it naming the company's public recovery keys as the new
/// recovery key (which it can read from the company's genuine roster), proving it with a key of
/// its own. A restoring owner whose kit matched the roster's current recovery key adopted that
/// company before; now the roster is refused, and the kit's genesis would refuse it anyway.
#[test]
fn a_restoring_owner_refuses_a_roster_the_hub_made_up() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    let kit = world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    office.post_entries(&[entry("E-1", 3, 300)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);
    let tenant = office.tenant();
    let company = Session::open(&office).unwrap().roster.recovery();

    let hub_device =
        (NodeId::from_bytes([40; 16]), SigningKey::from_bytes(&[41; 32]), WrapSecret::from_bytes([42; 32]));
    let hub_recovery = RecoverySecret::from_bytes([43; 32]);
    let hub_admin = (NodeId::from_bytes([44; 16]), SigningKey::from_bytes(&[45; 32]), WrapSecret::from_bytes([46; 32]));
    let genesis = Body {
        tenant,
        seq: 1,
        prev: Hash32::ZERO,
        at_ms: 1,
        action: Action::Genesis {
            device: hub_device.0,
            keys: keys_of(&hub_device.1, &hub_device.2),
            recovery: DeviceKeys {
                sign: hub_recovery.signing_key().verifying_key().to_bytes(),
                wrap: hub_recovery.wrap_secret().public(),
            },
            key_commitment: DataKey::new(1, [47; 32]).commitment(),
        },
    };
    let mut forged = Roster::from_entries(
        tenant,
        &[Entry::genesis(&genesis, hub_device.0, &hub_device.1, &hub_recovery.signing_key())],
    )
    .unwrap();
    let add = Action::Add { device: hub_admin.0, keys: keys_of(&hub_admin.1, &hub_admin.2), role: Role::Admin };
    forged
        .append(
            Entry::sign(&forged.next_body(2, add), Signer::Device(hub_device.0), &hub_device.1)
                .proven_by_device(&hub_admin.1),
        )
        .unwrap();
    let revoke = Action::Revoke {
        device: hub_admin.0,
        upto_seq: 0,
        epoch: 2,
        key_commitment: DataKey::new(2, [48; 32]).commitment(),
        recovery: Some(company),
        successors: Vec::new(),
    };
    let unproven = Entry::sign(&forged.next_body(3, revoke), Signer::Device(hub_device.0), &hub_device.1);
    let proven_by_hub = unproven.clone().proven_by_recovery(&hub_recovery.signing_key());

    let mut attempts = Vec::new();
    for (name, last) in [("unproven", unproven), ("proven by the hub", proven_by_hub)] {
        let mut entries = forged.entries().to_vec();
        entries.push(last);
        let dir = world.dir(name);
        let outcome = world.with_env(|env, transport| {
            let mut hub = Serving { inner: transport, entries };
            Session::restore(&kit, "mem", &dir, &mut hub, env).map(|_| ())
        });
        assert!(!dir.exists(), "{name}: a refused restore leaves nothing behind");
        attempts.push(outcome);
    }
    assert!(
        matches!(
            &attempts[0],
            Err(NodeError::ForgedRoster(Forgery::Refused(RosterError::WithoutProof {
                position: 3,
                of: Proven::Recovery
            })))
        ),
        "{:?}",
        attempts[0]
    );
    assert!(
        matches!(
            &attempts[1],
            Err(NodeError::ForgedRoster(Forgery::Refused(RosterError::BadProof { position: 3, of: Proven::Recovery })))
        ),
        "{:?}",
        attempts[1]
    );
    // A roster the hub made up whole and that verifies (no renaming of keys): refused by the
    // genesis the kit names.
    let dir = world.dir("own genesis");
    let outcome = world.with_env(|env, transport| {
        let mut hub = Serving { inner: transport, entries: forged.entries().to_vec() };
        Session::restore(&kit, "mem", &dir, &mut hub, env).map(|_| ())
    });
    assert!(matches!(outcome, Err(NodeError::ForgedRoster(Forgery::OtherGenesis))), "{outcome:?}");
    // The genuine roster restores.
    let dir = world.dir("genuine");
    let (mut restored, mut session) =
        world.with_env(|env, transport| Session::restore(&kit, "mem", &dir, transport, env)).unwrap();
    world.with_env(|env, transport| session.sync(&mut restored, transport, env)).unwrap();
    assert_eq!(restored.state_hash().unwrap(), office.state_hash().unwrap());
}

/// Flaw 1 at the level of the keys: a revoked admin keeps everything its device held (its keys,
/// the data keys, the recovery secret it knew) and gets the hub's whole storage, as a hub
/// operator in league with it would give. Nothing in there opens to it that was written after
/// its revocation: every wrap it can open holds a key of the epochs before, and every batch
/// written since is closed to those keys.
#[test]
fn what_a_revoked_admin_held_opens_nothing_written_after() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    let old_kit = world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let code = world
        .with_env(|env, transport| {
            Session::open(&office).unwrap().invite(&office, transport, env, Role::Admin, 60_000, None)
        })
        .unwrap();
    let dir = world.dir("boss");
    let (mut boss, _) = world.with_env(|env, transport| Session::join(&code, "mem", &dir, transport, env)).unwrap();
    sync(&mut world, &mut boss);
    let held = Session::open(&boss).unwrap().secrets;
    assert_eq!(held.recovery.as_ref().map(|r| *r.bytes()), Some(*old_kit.secret.bytes()));
    let before: std::collections::BTreeSet<String> = world.objects.snapshot().into_keys().collect();

    let boss_node = boss.node();
    let (epoch, new_kit) = world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, boss_node))
        .unwrap();
    assert!(new_kit.is_some());
    office.post_entries(&[entry("E-after", 9, 900)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);

    let storage = world.objects.snapshot();
    let mut wraps_tried = 0;
    let mut batches_tried = 0;
    let secrets = [held.wrap_secret(), old_kit.secret.wrap_secret()];
    for (key, bytes) in &storage {
        if key.contains("/wraps/") {
            let wrap: Wrap = serde_json::from_slice(bytes).unwrap();
            for secret in &secrets {
                wraps_tried += 1;
                if let Ok(opened) = wrap.open(secret) {
                    let epoch_of = match wrap.what {
                        rempart_sync::Wrapped::DataKey(epoch) => epoch,
                        rempart_sync::Wrapped::Recovery => {
                            assert_eq!(*opened, *old_kit.secret.bytes(), "{key}: only the old recovery secret");
                            continue;
                        }
                    };
                    assert!(epoch_of < epoch, "{key} opens a key of epoch {epoch_of} to the revoked admin");
                }
            }
        } else if key.contains("/b/") && !before.contains(key) {
            batches_tried += 1;
            let batch = Batch::decode(bytes).unwrap();
            let author = office.verifying_key();
            for data in held.keys.values() {
                assert!(batch.open(data, &author).is_err(), "{key} opens with a key the revoked admin held");
            }
        }
    }
    assert!(wraps_tried >= 10 && batches_tried >= 1, "{wraps_tried} wraps, {batches_tried} batches");
}

/// Flaw 8: the sync secrets and the roster copy are their owner's alone, and are never written
/// through a link planted where their temporary file goes.
#[cfg(unix)]
#[test]
fn the_sync_secrets_are_written_privately_and_through_no_planted_link() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    let dir = office.dir().to_owned();
    assert_eq!(mode(&dir), 0o700);
    for file in ["sync.key", "roster.json"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    let target = world.dir("stolen");
    std::fs::write(&target, b"").unwrap();
    for planted in ["sync.tmp", "roster.tmp"] {
        std::os::unix::fs::symlink(&target, dir.join(planted)).unwrap();
    }
    // An invitation saves the roster and the secrets again.
    world
        .with_env(|env, transport| {
            Session::open(&office).unwrap().invite(&office, transport, env, Role::Member, 60_000, None)
        })
        .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"", "nothing went through the links");
    assert!(Session::open(&office).unwrap().roster.len() >= 2);
}

/// Flaw 5: a hub admits a new company only with a one-time admission token from its operator; a
/// company id it saw cannot be taken by another roster; the number of companies is capped.
#[test]
fn a_hub_admits_a_company_only_with_a_one_time_token_and_keeps_its_id() {
    let mut world = World::new();
    let objects = world.objects.clone();
    let closed = |limits: rempart_hub::Limits| std::sync::Arc::new(rempart_hub::Hub::new(objects.clone(), limits));
    world.hub = closed(rempart_hub::Limits { companies_max: 2, ..rempart_hub::Limits::default() });
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();

    // Without a token, or with one the operator never issued: refused, nothing stored anywhere.
    for token in [None, Some("RMPA-00"), Some(&*format!("RMPA-{}", "ab".repeat(32)))] {
        let refused = world.with_env(|env, transport| Session::connect_with(&mut office, "mem", transport, env, token));
        assert!(matches!(refused, Err(NodeError::AdmissionRequired)), "{token:?}: {refused:?}");
        // Nothing of any company: the hub's own identity (drawn at its first request) aside.
        let stored = world.objects.snapshot();
        assert!(stored.keys().all(|key| key == "hub/identity"), "{:?}", stored.keys());
        assert!(!office.dir().join("sync.key").exists());
    }
    let token = rempart_hub::issue_admission(world.objects.as_ref(), [7; 32]).unwrap();
    world.with_env(|env, transport| Session::connect_with(&mut office, "mem", transport, env, Some(&token))).unwrap();
    office.post_entries(&[entry("E-1", 3, 300)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);

    // The token is spent: another company cannot use it.
    let mut other = Store::init(&world.dir("other"), "Autre SA", rempart_domain::Country::Ch, 1).unwrap();
    let refused =
        world.with_env(|env, transport| Session::connect_with(&mut other, "mem", transport, env, Some(&token)));
    assert!(matches!(refused, Err(NodeError::AdmissionRequired)), "{refused:?}");

    // While the hub holds the company, another roster for its id is a stranger's.
    let tenant = office.tenant();
    let stranger = Store::join(
        rempart_store::Environment::seeded(world.now.clock(), [3; 32]),
        &world.dir("stranger"),
        tenant,
        SigningKey::from_bytes(&[50; 32]),
    )
    .unwrap();
    let fresh = rempart_hub::issue_admission(world.objects.as_ref(), [8; 32]).unwrap();
    let mut stranger = stranger;
    let taken =
        world.with_env(|env, transport| Session::connect_with(&mut stranger, "mem", transport, env, Some(&fresh)));
    assert!(matches!(taken, Err(NodeError::Refused { status: 403, .. })), "{taken:?}");
    // The hub loses the company's objects (not what it saw): another roster for the id, even
    // with a fresh token, is refused; the id is the company's.
    let kept: std::collections::BTreeMap<String, Vec<u8>> =
        world.objects.snapshot().into_iter().filter(|(key, _)| !key.starts_with("t/")).collect();
    world.objects.restore(kept);
    world.hub = closed(rempart_hub::Limits { companies_max: 2, ..rempart_hub::Limits::default() });
    let taken =
        world.with_env(|env, transport| Session::connect_with(&mut stranger, "mem", transport, env, Some(&fresh)));
    assert!(matches!(taken, Err(NodeError::CompanyIdTaken)), "{taken:?}");
    assert!(!world.objects.snapshot().keys().any(|key| key.starts_with("t/")));

    // The company's own roster, lost by the hub and given back, needs no token: the hub saw it.
    let report = sync(&mut world, &mut office);
    assert!(report.roster_restored, "{report:?}");

    // A wiped hub saw nothing: the company comes back with a token only.
    world.objects.restore(Default::default());
    world.hub = closed(rempart_hub::Limits { companies_max: 2, ..rempart_hub::Limits::default() });
    let refused = world.with_env(|env, transport| Session::open(&office).unwrap().sync(&mut office, transport, env));
    assert!(matches!(refused, Err(NodeError::AdmissionRequired)), "{refused:?}");
    let token = rempart_hub::issue_admission(world.objects.as_ref(), [9; 32]).unwrap();
    let mut session = Session::open(&office).unwrap();
    session.set_admission(Some(token));
    let report = world.with_env(|env, transport| session.sync(&mut office, transport, env)).unwrap();
    assert!(report.roster_restored, "{report:?}");

    // The cap on companies: the second fits, the third does not, token or not.
    let mut second = Store::init(&world.dir("second"), "Deux SA", rempart_domain::Country::Ch, 1).unwrap();
    let token = rempart_hub::issue_admission(world.objects.as_ref(), [10; 32]).unwrap();
    world.with_env(|env, transport| Session::connect_with(&mut second, "mem", transport, env, Some(&token))).unwrap();
    let mut third = Store::init(&world.dir("third"), "Trois SA", rempart_domain::Country::Ch, 1).unwrap();
    let token = rempart_hub::issue_admission(world.objects.as_ref(), [11; 32]).unwrap();
    let full = world.with_env(|env, transport| Session::connect_with(&mut third, "mem", transport, env, Some(&token)));
    assert!(
        matches!(full, Err(NodeError::Refused { status: 507, ref reason, .. }) if reason == "hub_full"),
        "{full:?}"
    );
}

/// The adversarial review of issue 18: the thief of an admin device enrols a device of its own;
/// revoking the stolen device names that device instead of handing it the new keys, and goes on
/// only once it is revoked too (or kept on a person's word).
#[test]
fn revoking_a_device_names_the_devices_it_enrolled() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let code = world
        .with_env(|env, transport| {
            Session::open(&office).unwrap().invite(&office, transport, env, Role::Admin, 60_000, None)
        })
        .unwrap();
    let dir = world.dir("stolen");
    let (mut stolen, _) = world.with_env(|env, transport| Session::join(&code, "mem", &dir, transport, env)).unwrap();
    sync(&mut world, &mut stolen);
    // The thief invites a device of its own from the stolen admin device.
    let code = world
        .with_env(|env, transport| {
            Session::open(&stolen).unwrap().invite(&stolen, transport, env, Role::Member, 60_000, None)
        })
        .unwrap();
    let dir = world.dir("thiefs");
    let (thiefs, _) = world.with_env(|env, transport| Session::join(&code, "mem", &dir, transport, env)).unwrap();
    let (stolen_node, thiefs_node) = (stolen.node(), thiefs.node());
    // Flaw 7: the used invitations' sealed payloads (the company's keys under the code) are gone
    // from the hub's storage: a code found later opens nothing, storage in hand.
    let sealed: Vec<String> = world.objects.snapshot().into_keys().filter(|key| key.contains("/invites/")).collect();
    assert!(sealed.is_empty(), "{sealed:?}");

    let refused =
        world.with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, stolen_node));
    match refused {
        Err(NodeError::EnrolledDevicesRemain { devices }) => assert_eq!(devices, vec![thiefs_node]),
        other => panic!("expected the enrolled device named, got {other:?}"),
    }
    assert!(Session::open(&office).unwrap().roster.is_active(stolen_node), "nothing was revoked");
    world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, thiefs_node))
        .unwrap();
    world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, stolen_node))
        .unwrap();
    let roster = Session::open(&office).unwrap().roster;
    assert!(!roster.is_active(stolen_node) && !roster.is_active(thiefs_node));
}

/// Flaw 6, at join: the invitation names the roster as the inviting device held it; a hub that
/// serves the joining device a roster cut short of it (a revocation withheld) is refused.
#[test]
fn a_joining_device_refuses_a_roster_cut_short_of_its_invitation() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let till = crate::enrol_member(&mut world, &office, "till", "mem");
    let till_node = till.node();
    world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, till_node))
        .unwrap();
    let code = world
        .with_env(|env, transport| {
            Session::open(&office).unwrap().invite(&office, transport, env, Role::Member, 60_000, None)
        })
        .unwrap();
    let genuine = Session::open(&office).unwrap().roster.entries().to_vec();
    // The hub hides the revocation (and what follows it).
    let hidden = genuine[..genuine.len() - 2].to_vec();
    let dir = world.dir("laptop");
    let refused = world.with_env(|env, transport| {
        let mut hub = Serving { inner: transport, entries: hidden };
        Session::join(&code, "mem", &dir, &mut hub, env).map(|_| ())
    });
    assert!(
        matches!(refused, Err(NodeError::ForgedRoster(Forgery::ShorterThanNamed { named })) if named == genuine.len() as u64),
        "{refused:?}"
    );
    // The genuine roster: the device joins, and the till is revoked there.
    let (_, session) = world.with_env(|env, transport| Session::join(&code, "mem", &dir, transport, env)).unwrap();
    assert!(!session.roster.is_active(till_node));
}

/// Flaw 6: the hub hides the revocation of a till from the laptop. The office's batches written
/// since name its roster and the new key epoch: the laptop names what it was not served and sends
/// nothing under the old key (which the revoked till holds), kept so across sessions; once the
/// hub serves the roster, it goes on under the new key.
#[test]
fn a_revocation_the_hub_hides_is_named_and_nothing_new_goes_out_under_the_old_key() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let mut laptop = crate::enrol_member(&mut world, &office, "laptop", "mem");
    let till = crate::enrol_member(&mut world, &office, "till", "mem");
    sync(&mut world, &mut laptop);
    let before = Session::open(&laptop).unwrap().roster.entries().to_vec();
    world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, till.node()))
        .unwrap();
    office.post_entries(&[entry("E-after", 3, 300)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);
    let genuine = Session::open(&office).unwrap().roster.entries().to_vec();
    assert!(genuine.len() > before.len());

    laptop.post_entries(&[entry("E-laptop", 4, 400)], &mut |_| {}).unwrap();
    let laptop_head = laptop.version_vector().unwrap().seq(laptop.node());
    let mut session = Session::open(&laptop).unwrap();
    let report = world
        .with_env(|env, transport| {
            let mut hub = Serving { inner: transport, entries: before.clone() };
            session.sync(&mut laptop, &mut hub, env)
        })
        .unwrap();
    assert_eq!((report.pushed_events, report.pushed_batches), (0, 0), "nothing goes out under the old key");
    let Some(HeldBack::Withheld { named, held_len, held_epoch }) = report.held_back else {
        panic!("the hidden revocation is named: {report:?}")
    };
    assert_eq!((named.by, named.epoch, named.mark.len), (office.node(), 2, genuine.len() as u64));
    assert_eq!((held_len, held_epoch), (before.len() as u64, 1));
    assert_eq!(report.rejected.len(), 1, "the office's batch under the key this node lacks: {report:?}");
    // Kept in the data directory: the next session (and `rempart status`) knows it, and sealing
    // refuses too.
    let reopened = Session::open(&laptop).unwrap();
    assert!(reopened.roster_watch().held_back(&reopened.roster).is_some());
    assert_eq!(laptop.version_vector().unwrap().seq(laptop.node()), laptop_head);
    let office_report = sync(&mut world, &mut office);
    assert_eq!(office_report.pulled_events, 0, "the laptop's event did not reach the hub");

    // The hub serves the roster again: the laptop catches up and sends under the new key.
    let report = sync(&mut world, &mut laptop);
    assert_eq!(report.held_back, None);
    assert!(report.roster_watch.is_empty(), "{report:?}");
    assert!(report.pushed_events >= 1);
    let session = Session::open(&laptop).unwrap();
    assert_eq!(session.roster.epoch(), 2);
    let mut epochs = Vec::new();
    for bytes in session.kept_batches(&laptop, laptop.node(), rempart_log::EventSeq(laptop_head.0 - 1), 100).unwrap() {
        epochs.push(rempart_sync::batch::decode_header(&bytes).unwrap().epoch);
    }
    assert_eq!(epochs, [2], "the laptop's new event went out under the new key only");
    assert!(sync(&mut world, &mut office).pulled_events >= 1);
}

/// Flaw 6, a forged roster: the hub, with a revoked admin's key, serves the laptop a branch in
/// which that admin enrolled a device of its own instead of being revoked. The office's batches
/// name the genuine roster: the laptop names the parting, and sends nothing.
#[test]
fn a_roster_parted_from_the_one_other_devices_name_holds_everything_back() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let code = world
        .with_env(|env, transport| {
            Session::open(&office).unwrap().invite(&office, transport, env, Role::Admin, 60_000, None)
        })
        .unwrap();
    let dir = world.dir("admin-till");
    let (till, _) = world.with_env(|env, transport| Session::join(&code, "mem", &dir, transport, env)).unwrap();
    let mut laptop = crate::enrol_member(&mut world, &office, "laptop", "mem");
    sync(&mut world, &mut laptop);
    let before = Session::open(&laptop).unwrap().roster;
    world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, till.node()))
        .unwrap();
    office.post_entries(&[entry("E-after", 3, 300)], &mut |_| {}).unwrap();
    sync(&mut world, &mut office);

    // The branch: the revoked admin enrols a device of its own, after the same entries.
    let evil = (NodeId::from_bytes([50; 16]), SigningKey::from_bytes(&[51; 32]), WrapSecret::from_bytes([52; 32]));
    let body = before.next_body(
        before.last_at_ms() + 1,
        Action::Add { device: evil.0, keys: keys_of(&evil.1, &evil.2), role: Role::Admin },
    );
    let mut forged = before.entries().to_vec();
    forged.push(Entry::sign(&body, Signer::Device(till.node()), till.signing_key()).proven_by_device(&evil.1));
    let mut session = Session::open(&laptop).unwrap();
    laptop.post_entries(&[entry("E-laptop", 4, 400)], &mut |_| {}).unwrap();
    let report = world
        .with_env(|env, transport| {
            let mut hub = Serving { inner: transport, entries: forged.clone() };
            session.sync(&mut laptop, &mut hub, env)
        })
        .unwrap();
    assert_eq!(session.roster.len(), forged.len() as u64, "the branch checks out on its own");
    let Some(HeldBack::Parted { named }) = report.held_back else { panic!("the parting is named: {report:?}") };
    assert_eq!((named.by, named.mark.len), (office.node(), forged.len() as u64));
    assert_eq!((report.pushed_events, report.pushed_batches), (0, 0));
    // Sealing refuses too, whatever the hub serves next.
    let reopened = Session::open(&laptop).unwrap();
    assert!(matches!(reopened.roster_watch().held_back(&reopened.roster), Some(HeldBack::Parted { .. })));
}

/// Flaw 6 at restore: the kit names the roster as it was when it was made; a hub serving less of
/// it (here, hiding a member's revocation, which renews no kit) is refused.
#[test]
fn a_restore_refuses_a_roster_shorter_than_its_kit_names() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let till = crate::enrol_member(&mut world, &office, "till", "mem");
    world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, till.node()))
        .unwrap();
    let session = Session::open(&office).unwrap();
    let kit = session.kit(&office).unwrap();
    let genuine = session.roster.entries().to_vec();
    assert_eq!(kit.roster, session.roster.mark());
    let dir = world.dir("restored");
    let refused = world.with_env(|env, transport| {
        let mut hub = Serving { inner: transport, entries: genuine[..genuine.len() - 1].to_vec() };
        Session::restore(&kit, "mem", &dir, &mut hub, env).map(|_| ())
    });
    assert!(
        matches!(refused, Err(NodeError::ForgedRoster(Forgery::ShorterThanNamed { named })) if named == genuine.len() as u64),
        "{refused:?}"
    );
    let (_, restored) = world.with_env(|env, transport| Session::restore(&kit, "mem", &dir, transport, env)).unwrap();
    assert!(!restored.roster.is_active(till.node()));
}

/// A hub that answers a request for the wrap `name` with `bytes`: an older wrap replayed.
struct Replaying<'a> {
    inner: &'a mut dyn Transport,
    name: String,
    bytes: Vec<u8>,
}

impl Transport for Replaying<'_> {
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
        if verb == Verb::Get && target.ends_with(&format!("/wraps/{}", self.name)) {
            return Ok(Answer { status: 200, body: self.bytes.clone() });
        }
        self.inner.call(verb, target, auth, body)
    }
}

/// Flaw 7: key wraps carry the recovery key's generation, bound to their ciphertext. Each
/// revocation of an admin renews the kit; a hub serving another admin device the recovery wrap of
/// the generation before in place of the current one is refused, and the device asks again.
#[test]
fn an_older_wrap_served_in_place_of_a_newer_one_is_refused() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let mut admins = Vec::new();
    for name in ["laptop", "till", "spare"] {
        let code = world
            .with_env(|env, transport| {
                Session::open(&office).unwrap().invite(&office, transport, env, Role::Admin, 60_000, None)
            })
            .unwrap();
        let dir = world.dir(name);
        admins.push(world.with_env(|env, transport| Session::join(&code, "mem", &dir, transport, env)).unwrap().0);
    }
    let (mut laptop, till, spare) = (admins.remove(0), admins.remove(0), admins.remove(0));
    sync(&mut world, &mut office);
    world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, till.node()))
        .unwrap();
    sync(&mut world, &mut laptop);
    let (_, kit) = world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, spare.node()))
        .unwrap();
    let kit = kit.expect("revoking an admin renews the kit");
    let new = format!("recovery-g3-device-{}", laptop.node());
    let old = format!("recovery-g2-device-{}", laptop.node());
    let objects = world.objects.snapshot();
    let older = objects.iter().find(|(key, _)| key.ends_with(&old)).expect("the older wrap is at the hub").1.clone();
    let mut session = Session::open(&laptop).unwrap();
    let replayed = world.with_env(|env, transport| {
        let mut hub = Replaying { inner: transport, name: new.clone(), bytes: older };
        session.sync(&mut laptop, &mut hub, env)
    });
    assert!(
        matches!(&replayed, Err(NodeError::WrongWrap { asked, served }) if *asked == new && *served == old),
        "{replayed:?}"
    );
    // Nothing of that sync was kept: the laptop stays where it was, with the kit it held.
    let reopened = Session::open(&laptop).unwrap();
    assert_eq!(reopened.roster.recovery_generation(), 2);
    assert_ne!(reopened.kit(&laptop).unwrap().secret.bytes(), kit.secret.bytes());
    // Served the wrap asked for, the laptop holds the new kit.
    sync(&mut world, &mut laptop);
    let held = Session::open(&laptop).unwrap().kit(&laptop).unwrap();
    assert_eq!(held.secret.bytes(), kit.secret.bytes());
}

/// From the adversarial review of flaw 6: only an active device's word counts. A device this copy
/// knows revoked names a roster of any length and epoch, and is not heard; it cannot clear what an
/// active device named either; what an active device named goes once it is revoked (an admin ends
/// a member's naming of a roster that does not exist by revoking it).
#[test]
fn only_active_devices_name_the_roster_and_a_revoked_one_clears_nothing() {
    use rempart_node::{NamedRoster, RosterWatch};
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let till = crate::enrol_member(&mut world, &office, "till", "mem");
    let laptop = crate::enrol_member(&mut world, &office, "laptop", "mem");
    sync(&mut world, &mut office);
    let before = Session::open(&office).unwrap().roster;
    world
        .with_env(|env, transport| Session::open(&office).unwrap().revoke(&office, transport, env, till.node()))
        .unwrap();
    let roster = Session::open(&office).unwrap().roster;
    let far = rempart_sync::RosterMark { len: u64::MAX, head: Hash32([3; 32]) };
    let mut watch = RosterWatch::default();
    watch.note(&roster, NamedRoster { by: till.node(), mark: far, epoch: u32::MAX });
    assert!(watch.is_empty(), "a revoked device is not heard");
    let ahead = NamedRoster { by: laptop.node(), mark: far, epoch: 2 };
    watch.note(&roster, ahead);
    watch.note(&roster, NamedRoster { by: till.node(), mark: far, epoch: 3 });
    watch.settle(&roster);
    assert_eq!(watch.ahead, Some(ahead), "a revoked device clears nothing");
    assert!(matches!(watch.held_back(&roster), Some(HeldBack::Withheld { .. })));
    // Before the revocation, the till was active: its word counted, and the revocation ends it.
    let mut earlier = RosterWatch::default();
    earlier.note(&before, NamedRoster { by: till.node(), mark: far, epoch: 9 });
    assert!(earlier.held_back(&before).is_some());
    earlier.settle(&roster);
    assert!(earlier.is_empty());
}

/// Flaw 7: a request signature covers the identity of the hub it is made for. Captured on its way
/// to one hub and sent to another holding the same company (a copy of its storage), within its
/// five minutes and with a new nonce there, it does not verify; made for that hub, it does.
#[test]
fn a_request_made_for_one_hub_does_not_verify_at_another() {
    let mut world = World::new();
    let mut office = Store::init(&world.dir("office"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).unwrap();
    world.with_env(|env, transport| Session::connect(&mut office, "mem", transport, env)).unwrap();
    sync(&mut world, &mut office);
    let copy = rempart_hub::MemStore::default();
    copy.restore(world.objects.snapshot().into_iter().filter(|(key, _)| key != "hub/identity").collect());
    let other = rempart_hub::Hub::new(std::sync::Arc::new(copy), rempart_hub::Limits::default());
    assert_ne!(other.identity().unwrap(), world.hub.identity().unwrap());
    let heads = format!("/v1/t/{}/heads", office.tenant());
    let device = (office.signing_key(), rempart_sync::RequestSigner::Device(office.node()));
    let now = world.now.get();
    let captured = crate::auth(&world.hub, device, ("GET", &heads, b""), now, [1; 16]);
    let request =
        |auth: &RequestAuth| rempart_hub::Request::signed(rempart_hub::Method::Get, &heads, Some(auth), Vec::new());
    assert_eq!(world.hub.handle(&request(&captured), now).status, 200);
    let answer = other.handle(&request(&captured), now);
    assert_eq!(answer.status, 401, "{}", String::from_utf8_lossy(&answer.body));
    let made_for_it = crate::auth(&other, device, ("GET", &heads, b""), now, [2; 16]);
    assert_eq!(other.handle(&request(&made_for_it), now).status, 200);
    // A node that knew another identity for the hub (its storage replaced since) is refused
    // once, asks again who the hub is, and goes on.
    office.post_entries(&[entry("E-2", 4, 400)], &mut |_| {}).unwrap();
    let mut session = Session::open(&office).unwrap();
    let report = world.with_env(|env, transport| {
        *transport.identity() = Some([9; 16]);
        let report = session.sync(&mut office, transport, env);
        let learnt = *transport.identity();
        (report, learnt)
    });
    assert!(report.0.unwrap().pushed_events >= 1);
    assert_eq!(report.1, Some(world.hub.identity().unwrap()));
}

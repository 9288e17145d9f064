//! The node's side of sync: attaching a company to a hub, enrolling devices, and moving batches
//! both ways.
//!
//! Everything here goes through a `Transport` (HTTP in the product, an injected network in the
//! simulation) and an `Env` (clock and randomness), so the same code runs in both. A sync pulls
//! first, then pushes:
//!
//! 1. the roster is brought up to date from the hub and checked entry by entry against the copy
//!    the node holds (a hub serving another roster is refused); a hub that holds no roster for the
//!    company (wiped, or new) gets the node's copy back;
//! 2. data keys of new epochs are fetched as wraps for this device and checked against their
//!    commitment in the roster;
//! 3. the hub's heads are compared with the node's version vector; batches the node lacks are
//!    downloaded, checked (signature against the roster, decryption, chain) and taken in with the
//!    batch kept beside them;
//! 4. the node's new events are sealed into batches, and every kept batch the hub lacks (the
//!    node's own and other nodes', still signed by their authors) is uploaded.

pub mod secrets;
pub mod transport;
pub mod watch;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rempart_log::{EventSeq, Hash32, NodeId, Seal, SigningKey, TenantId, VerifyingKey};
use rempart_store::sync::{ChainReader, ChainRun, KeptBatch};
use rempart_store::{Clock, Environment, Store, StoreError};
use rempart_sync::batch::{Author, BATCH_TARGET_BYTES};
use rempart_sync::{
    Action, Batch, Call, DataKey, DeviceKeys, Entry, HubId, InviteSecret, Named, Recipient, RecoverySecret,
    RequestAuth, RequestSigner, Role, Roster, RosterMark, SealedInvite, Signer, SyncError, VersionVector, Wrap,
    WrapEntropy, WrapSecret, Wrapped,
};
use serde::{Deserialize, Serialize};

pub use secrets::Secrets;
pub use transport::{Answer, Http, Transport, Unreachable, Verb};
pub use watch::{HeldBack, NamedRoster, RosterWatch};

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Unreachable(#[from] Unreachable),
    #[error("the hub refused ({status}): {message}")]
    Refused { status: u16, reason: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("this company is not connected to a hub: run `rempart connect URL` first")]
    NotConnected,
    #[error("this company is already connected to the hub at {hub}")]
    AlreadyConnected { hub: String },
    #[error("only an admin device of the company can do that")]
    NotAdmin,
    #[error("the invitation is unknown, used or expired: ask an admin device for a new code")]
    InvitationClosed,
    #[error(
        "the device enrolled devices that are still active ({}): they would receive the new keys. Revoke them first, or confirm that they stay with --keep-enrolled",
        devices.iter().map(|d| d.short()).collect::<Vec<_>>().join(", ")
    )]
    EnrolledDevicesRemain { devices: Vec<NodeId> },
    #[error(
        "this hub admits a new company (or one it lost) only with a one-time admission token from its operator: give it with --token"
    )]
    AdmissionRequired,
    #[error("this company's id belongs to another roster at this hub: it is not your company's hub, or it was taken")]
    CompanyIdTaken,
    #[error(
        "the hub does not accept this recovery kit for this company: check the words and the company id (a kit replaced when an admin device was revoked no longer opens anything)"
    )]
    KitRefused,
    /// The hub no longer counts this device among the company's: an admin revoked it. Retrying
    /// cannot help.
    #[error("the hub does not count this device among the company's devices: it was revoked from an admin device")]
    Revoked,
    #[error("the hub serves a roster that is not your company's: {0}")]
    ForgedRoster(Forgery),
    /// The hub served another key wrap than the one asked for (an older one replayed, or one
    /// of another company): refused.
    #[error("the hub served the key wrap {served} when {asked} was asked for: refused")]
    WrongWrap { asked: String, served: String },
    /// New data waits: another device named a roster this device was not served.
    #[error("{0}")]
    HeldBack(HeldBack),
    #[error("{0}")]
    Local(String),
    #[error("{0}")]
    Hostile(String),
}

/// A hub's refusal to admit a company without a token, as its own kind.
fn admission_error(error: NodeError) -> NodeError {
    match error {
        NodeError::Refused { reason, .. } if reason == "admission" => NodeError::AdmissionRequired,
        NodeError::Refused { reason, .. } if reason == "company_taken" => NodeError::CompanyIdTaken,
        other => other,
    }
}

/// How a roster served as the company's shows it is not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Forgery {
    #[error("{0}")]
    Refused(rempart_sync::RosterError),
    #[error("its genesis is not the one the recovery kit or the invitation names")]
    OtherGenesis,
    #[error("its recovery key is not this kit's (a kit replaced when an admin device was revoked opens nothing)")]
    OtherRecoveryKey,
    #[error(
        "it does not hold, as its entry {named}, the one the invitation or the recovery kit names: entries were withheld or replaced"
    )]
    ShorterThanNamed { named: u64 },
}

/// Clock and randomness, from the system in the product and from a seed in the simulation. A
/// data directory the node makes (join, restore) takes its clock and a stream seeded from
/// `random`, so that a simulation's devices have the same ids in every run of a seed.
pub struct Env<'a> {
    pub clock: Clock,
    pub random: &'a mut dyn FnMut(&mut [u8]),
}

impl Env<'_> {
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        (self.random)(&mut out);
        out
    }

    fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    /// The environment of a data directory this node makes.
    fn store_environment(&mut self) -> Environment {
        Environment::seeded(self.clock.clone(), self.bytes())
    }
}

/// The system clock and random generator.
pub fn system_now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

pub fn system_random(buffer: &mut [u8]) {
    // The operating system's generator failing is not something to carry on from.
    if let Err(error) = getrandom::fill(buffer) {
        panic!("the system random number generator failed: {error}");
    }
}

/// The hub's answer to a roster request: its length there, and the entries asked for.
#[derive(Deserialize)]
struct ServedRoster {
    len: u64,
    entries: Vec<Entry>,
}

/// Payload of an invitation, encrypted under its code.
#[derive(Serialize, Deserialize)]
struct InvitePayload {
    genesis: Hash32,
    /// The roster as the inviting device held it, with the invitation: the joining device
    /// refuses a roster the hub cut short of it (a revocation hidden), or that parted from it.
    #[serde(default)]
    roster_len: u64,
    #[serde(default)]
    roster_head: Hash32,
    keys: BTreeMap<u32, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recovery: Option<String>,
}

const CODE_PREFIX: &str = "RMP1-";

/// The one-time code of an invitation: the tenant and the invitation's secret.
pub fn invite_code(tenant: TenantId, secret: &InviteSecret) -> String {
    let mut bytes = tenant.as_bytes().to_vec();
    bytes.extend_from_slice(secret.bytes());
    format!("{CODE_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub fn parse_invite_code(code: &str) -> Result<(TenantId, InviteSecret), NodeError> {
    let bad = || NodeError::Local("this is not an invitation code of Rempart (it starts with RMP1-)".to_owned());
    let body = code.trim().strip_prefix(CODE_PREFIX).ok_or_else(bad)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
    if bytes.len() != 48 {
        return Err(bad());
    }
    let tenant = TenantId::from_bytes(bytes[..16].try_into().map_err(|_| bad())?);
    let secret = InviteSecret::from_bytes(bytes[16..].try_into().map_err(|_| bad())?);
    Ok((tenant, secret))
}

/// The identity of the hub behind `transport`, asked of it (`GET /v1/hub`) and kept with the
/// transport.
pub fn hub_identity(transport: &mut dyn Transport) -> Result<HubId, NodeError> {
    let answer = transport.call(Verb::Get, "/v1/hub", None, Vec::new())?;
    if !answer.is_success() {
        return Err(NodeError::Refused { status: answer.status, reason: answer.reason(), message: answer.message() });
    }
    #[derive(Deserialize)]
    struct Identity {
        hub: String,
    }
    let identity: Identity = parse(&answer.body, "its identity")?;
    let mut hub = [0u8; 16];
    hex::decode_to_slice(&identity.hub, &mut hub)
        .map_err(|_| NodeError::Hostile("the hub's identity is not 32 hexadecimal digits".to_owned()))?;
    *transport.identity() = Some(hub);
    Ok(hub)
}

/// Bodies small enough to keep a copy of, to send again if the hub turned out to be another one.
const RESENT_BODY_BYTES_MAX: usize = 64 << 10;

/// A signed call to the hub, turning refusals into errors. The signature covers the hub's
/// identity: a call refused as unauthenticated after the hub changed (its storage replaced, or
/// another hub behind the same address) asks the identity again, and a small one is sent again.
fn call(
    transport: &mut dyn Transport,
    env: &mut Env<'_>,
    (key, signer): (&SigningKey, RequestSigner),
    verb: Verb,
    target: &str,
    body: Vec<u8>,
) -> Result<Answer, NodeError> {
    let hub = match *transport.identity() {
        Some(hub) => hub,
        None => hub_identity(transport)?,
    };
    let sign = |env: &mut Env<'_>, hub: &HubId, body: &[u8]| {
        let call = Call { hub, method: verb.as_str(), target, body };
        RequestAuth::sign(key, signer, &call, env.now(), env.bytes())
    };
    let auth = sign(env, &hub, &body);
    let copy = (body.len() <= RESENT_BODY_BYTES_MAX).then(|| body.clone());
    let mut answer = transport.call(verb, target, Some(&auth), body)?;
    if answer.status == 401 && answer.reason() == "unauthenticated" {
        let fresh = hub_identity(transport)?;
        if let Some(body) = copy.filter(|_| fresh != hub) {
            let auth = sign(env, &fresh, &body);
            answer = transport.call(verb, target, Some(&auth), body)?;
        }
    }
    if answer.is_success() {
        Ok(answer)
    } else {
        Err(NodeError::Refused { status: answer.status, reason: answer.reason(), message: answer.message() })
    }
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    // The node's messages (roster entries, wraps, invitations, heads) serialise; an empty body
    // must never be sent for one, so a failure stops here.
    serde_json::to_vec(value).expect("a message of the sync protocol serialises")
}

/// A key wrap the hub served for `name`, taken only if it is that one: its own fields (company,
/// what, recipient, recovery generation, all bound to its ciphertext) give that name.
fn served_wrap(body: &[u8], tenant: TenantId, name: &str) -> Result<Wrap, NodeError> {
    let wrap: Wrap = parse(body, "a key wrap")?;
    if wrap.tenant != tenant || wrap.own_name() != name {
        return Err(NodeError::WrongWrap { asked: name.to_owned(), served: wrap.own_name() });
    }
    Ok(wrap)
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, NodeError> {
    serde_json::from_slice(bytes)
        .map_err(|error| NodeError::Hostile(format!("the hub sent {what} that cannot be read: {error}")))
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub roster_entries: u64,
    pub pulled_events: u64,
    pub pushed_batches: u64,
    pub pushed_events: u64,
    /// Batches the hub already held (an upload repeated after a lost answer, or a refill).
    pub already_held: u64,
    /// Batches the hub refused, with its reason.
    pub refused: Vec<String>,
    /// Whether the roster had to be given back to the hub (a wiped or new hub).
    pub roster_restored: bool,
    /// Chains found with two different versions of the same events, in plain words.
    pub forks: Vec<String>,
    /// Events other nodes have seen that the hub does not serve, in plain words.
    pub withheld: Vec<String>,
    /// Batches the hub served that this node rejected (damaged, forged, past a revocation), by
    /// chain: that chain stops there, the others go on.
    pub rejected: Vec<String>,
    /// The data directory is a copy (or was put back from a backup) and this sync confirmed this
    /// node's own head: recording may go on.
    pub own_head_confirmed: bool,
    /// The data directory is a copy whose own head this sync could not confirm, in plain words:
    /// recording stays refused.
    pub own_head_unconfirmed: Option<String>,
    /// What other devices named of the roster that this device was not served.
    pub roster_watch: RosterWatch,
    /// Why nothing new was sent, if nothing was: a roster withheld or parted.
    pub held_back: Option<HeldBack>,
}

/// A connected node: its secrets and roster, loaded from its data directory.
pub struct Session {
    pub secrets: Secrets,
    pub roster: Roster,
    /// Where the time of taking batches in went, summed over the session.
    pub timings: Timings,
    /// Called as events come in: (received so far, expected in all).
    progress: Option<Box<dyn FnMut(u64, u64)>>,
    /// The furthest each chain is known to reach, from the version vectors other nodes put in
    /// their batches: chain -> (head, the node that had seen it).
    claims: RefCell<BTreeMap<NodeId, (rempart_sync::Head, NodeId)>>,
    /// The rosters other devices named in their batches that this copy does not hold.
    watch: RefCell<RosterWatch>,
    /// How much of the hub's answers a pull takes in at once (`GROUP_BYTES` unless set).
    group_bytes: usize,
    /// About how many bytes of events a batch this node pushes carries (`BATCH_TARGET_BYTES`).
    batch_bytes: usize,
    /// The hub operator's one-time admission token, for a hub that does not hold the company
    /// yet (new, or wiped) and admits new companies only with one.
    admission: Option<String>,
}

/// Time spent taking batches in, by stage.
#[derive(Debug, Default)]
pub struct Timings {
    /// Waiting for the hub's answers to downloads.
    pub download: Cell<Duration>,
    /// Reading batches and checking their hash and signature.
    pub verify: Cell<Duration>,
    /// Decrypting and checking what is inside against the header.
    pub decrypt: Cell<Duration>,
    /// Checking the events against the chain held and projecting them (`take_in`), and building
    /// the indexes a large pull dropped (`Store::end_take_in`).
    pub apply: Cell<Duration>,
}

fn add(cell: &Cell<Duration>, since: Instant) {
    cell.set(cell.get() + since.elapsed());
}

/// The recovery kit: the recovery secret (its 24 words) and the company it opens, named by its
/// id and by the hash of its roster's genesis, so that the kit accepts only its own company's
/// roster, whatever a hub serves; and the roster as it was when the kit was made, so that a hub
/// serving less of it (a revocation hidden) is refused.
#[derive(Clone)]
pub struct Kit {
    pub tenant: TenantId,
    pub genesis: Hash32,
    pub roster: RosterMark,
    pub secret: RecoverySecret,
}

impl std::fmt::Debug for Kit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kit(tenant {}, genesis {}, roster {})", self.tenant, self.genesis, self.roster.len)
    }
}

impl Session {
    /// Loads the sync secrets and roster of a connected data directory.
    pub fn open(store: &Store) -> Result<Session, NodeError> {
        let dir = store.dir();
        let secrets = Secrets::load(dir)?.ok_or(NodeError::NotConnected)?;
        let mut entries = secrets::load_roster(dir)?.ok_or(NodeError::NotConnected)?;
        // A succession a crash cut short before the store switched: undone, the old identity
        // goes on (`rechain` can be run again).
        // Not while a rechain holds the lock: it is under way, not cut short.
        let idle = lock_rechain(dir)?.try_lock().is_ok();
        let undo = secrets.succession.as_ref().filter(|succession| idle && succession.from == store.node()).map(|succession| {
            entries.retain(|entry| {
                !matches!(entry.parse_body().map(|b| b.action), Ok(Action::Succeed { device, .. }) if device == succession.to)
            });
            succession.from_wrap
        });
        let roster = Roster::from_entries(secrets.tenant, &entries)?;
        let claims: BTreeMap<NodeId, (rempart_sync::Head, NodeId)> =
            store.sync_setting("claims")?.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default();
        let watch = match store.sync_setting("roster_watch")? {
            Some(text) => serde_json::from_str(&text).map_err(|error| {
                NodeError::Local(format!("the roster names kept in this data directory cannot be read: {error}"))
            })?,
            None => RosterWatch::default(),
        };
        let mut session = Session::new(secrets, roster);
        *session.claims.borrow_mut() = claims;
        *session.watch.borrow_mut() = watch;
        if let Some(wrap) = undo {
            session.secrets.wrap = wrap;
            session.secrets.succession = None;
            session.save(store)?;
        } else if let Some(succession) = &session.secrets.succession
            && succession.to == store.node()
            && session.secrets.wrap != succession.to_wrap
        {
            session.secrets.wrap = succession.to_wrap;
            session.save(store)?;
        }
        Ok(session)
    }

    /// The company's current recovery kit, from an admin device that holds its secret: to print
    /// it again (a revocation whose kit was not shown, a kit worn out). Refused elsewhere.
    pub fn kit(&self, store: &Store) -> Result<Kit, NodeError> {
        let me = store.node();
        let admin = self.roster.member(me).is_some_and(|m| m.role == Role::Admin) && self.roster.is_active(me);
        match &self.secrets.recovery {
            Some(secret) if admin && secret.wrap_secret().public() == self.roster.recovery().wrap => Ok(Kit {
                tenant: self.secrets.tenant,
                genesis: self.roster.genesis(),
                roster: self.roster.mark(),
                secret: secret.clone(),
            }),
            _ => Err(NodeError::NotAdmin),
        }
    }

    /// Goes on under a new identity: a copy of this device's data (put back from a backup) that
    /// must record before it can confirm its own head at the hub starts a new chain under a new
    /// node id, rather than risk forking the old chain, which may go further elsewhere. Works
    /// offline: the roster entry that names the successor is signed by this device and given to
    /// the hub at the next sync (signed again on top of the hub's roster if that moved on). The
    /// old identity stays enrolled, with what it wrote, until an admin revokes it.
    pub fn rechain(&mut self, store: &mut Store, env: &mut Env<'_>) -> Result<NodeId, NodeError> {
        let from = store.node();
        if store.copy_found_ms()?.is_none() {
            return Err(NodeError::Local(
                "this data directory records as it is: a new identity is for a copy that cannot confirm its own head"
                    .to_owned(),
            ));
        }
        if self.secrets.succession.is_some() {
            return Err(NodeError::Local(
                "this device already goes on under a new identity that the hub has not registered yet: sync first"
                    .to_owned(),
            ));
        }
        if !self.roster.is_active(from) {
            return Err(NodeError::Local(
                "this device is not an active device of the company: it cannot name a successor".to_owned(),
            ));
        }
        let to = NodeId::from_bytes(env.bytes());
        let key = SigningKey::from_bytes(&env.bytes());
        let wrap = WrapSecret::from_bytes(env.bytes());
        let keys = DeviceKeys { sign: key.verifying_key().to_bytes(), wrap: wrap.public() };
        // One rechain at a time, and no `Session::open` undoing it halfway (see there).
        let lock = lock_rechain(store.dir())?;
        lock.lock().map_err(|error| NodeError::Local(format!("the directory cannot be locked: {error}")))?;
        // The old chain's events not yet in a batch go into batches signed by the old identity
        // now, while it can sign: they then reach the hub like any kept batch.
        self.seal_own_batches(store, env, None)?;
        let from_key = store.signing_key().clone();
        let body = self.roster.next_body(env.now(), Action::Succeed { from, device: to, keys });
        self.roster.append(Entry::sign(&body, Signer::Device(from), &from_key).proven_by_device(&key))?;
        // The intent first (undone by `open` if the switch does not happen), then the switch.
        self.secrets.succession = Some(secrets::Succession {
            from,
            from_key: from_key.to_bytes(),
            from_wrap: self.secrets.wrap,
            to,
            to_wrap: *wrap.to_bytes(),
        });
        self.save(store)?;
        store.rechain(to, key)?;
        self.secrets.wrap = *wrap.to_bytes();
        self.save(store)?;
        drop(lock);
        Ok(to)
    }

    /// After a succession, while the hub lacks the entry naming the successor and its roster
    /// moved on: that entry is signed again, by the old identity, on top of the hub's roster,
    /// which this node then takes as its own.
    fn rebase_succession(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<Option<(u64, bool)>, NodeError> {
        let Some(succession) = self.secrets.succession.clone() else { return Ok(None) };
        let tenant = self.secrets.tenant;
        let from_key = SigningKey::from_bytes(&succession.from_key);
        let from = RequestSigner::Device(succession.from);
        let answer =
            call(transport, env, (&from_key, from), Verb::Get, &format!("/v1/t/{tenant}/roster?after=0"), Vec::new())?;
        let served: ServedRoster = parse(&answer.body, "roster entries")?;
        let Ok(mut roster) = Roster::from_entries(tenant, &served.entries) else { return Ok(None) };
        if roster.genesis() != self.secrets.genesis {
            return Ok(None);
        }
        let successor = self.roster.member(succession.to).map(|member| member.keys);
        if successor.is_some() && roster.member(succession.to).map(|member| member.keys) == successor {
            // The hub holds the succession already (an earlier answer was lost).
            self.roster = roster;
            self.succession_registered(store, transport, env)?;
            return Ok(Some((0, false)));
        }
        let ours = self.roster.entries();
        let at = ours.iter().zip(roster.entries()).take_while(|(a, b)| a == b).count();
        // Only the succession may be this node's own since the two parted.
        let succession_entry = match &ours[at..] {
            [entry] => entry.parse_body().ok().map(|body| body.action),
            _ => None,
        };
        let Some(action @ Action::Succeed { .. }) = succession_entry else { return Ok(None) };
        // The successor proves its key: this store has switched to it (`open` undoes a switch
        // that did not happen).
        if store.node() != succession.to {
            return Ok(None);
        }
        let added = roster.len() - at as u64;
        let entry = Entry::sign(&roster.next_body(env.now(), action), Signer::Device(succession.from), &from_key)
            .proven_by_device(store.signing_key());
        roster.append(entry.clone())?;
        self.ask(store, transport, env, Verb::Post, &format!("/v1/t/{tenant}/roster"), json(&vec![entry]))?;
        self.roster = roster;
        self.succession_registered(store, transport, env)?;
        self.fetch_keys(store, transport, env)?;
        self.fetch_recovery(store, transport, env)?;
        Ok(Some((added, false)))
    }

    /// Points this node at another hub (a hub moved, or replaced by a new one).
    pub fn set_hub(&mut self, store: &Store, hub: &str) -> Result<(), NodeError> {
        self.secrets.hub = hub.to_owned();
        store.set_sync_setting("hub", hub)?;
        self.save(store)
    }

    fn new(secrets: Secrets, roster: Roster) -> Session {
        Session {
            secrets,
            roster,
            timings: Timings::default(),
            progress: None,
            claims: RefCell::default(),
            watch: RefCell::default(),
            group_bytes: GROUP_BYTES,
            batch_bytes: BATCH_TARGET_BYTES,
            admission: None,
        }
    }

    /// Who seals this node's batches now: the data key of the roster's epoch, `signing`, and the
    /// roster as this copy holds it.
    pub fn author<'a>(&'a self, signing: &'a SigningKey) -> Result<Author<'a>, NodeError> {
        let epoch = self.roster.epoch();
        let key = self
            .secrets
            .keys
            .get(&epoch)
            .ok_or_else(|| NodeError::Local(format!("this node lacks the data key of epoch {epoch}")))?;
        Ok(Author { key, signing, roster: self.roster.mark() })
    }

    /// What other devices named of the roster that this copy does not hold, as of the last sync.
    pub fn roster_watch(&self) -> RosterWatch {
        self.watch.borrow().clone()
    }

    /// Gives the hub's admission token, used if the hub does not hold the company (`sync` to a
    /// new or wiped hub that admits new companies only with one).
    pub fn set_admission(&mut self, token: Option<String>) {
        self.admission = token;
    }

    /// Where the whole roster goes to a hub that does not hold it: with the admission token, in
    /// the signed path, if there is one.
    fn roster_target(tenant: TenantId, admission: Option<&str>) -> String {
        match admission {
            Some(token) => format!("/v1/t/{tenant}/roster?admission={}", token.trim()),
            None => format!("/v1/t/{tenant}/roster"),
        }
    }

    /// Wraps every data key this node holds for its own device key, at the hub.
    fn wrap_keys_for_self(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(), NodeError> {
        let public = WrapSecret::from_bytes(self.secrets.wrap).public();
        for (epoch, key) in &self.secrets.keys {
            let to = Recipient::Device(store.node());
            match self.put_wrap(store, transport, env, Wrapped::DataKey(*epoch), to, &public, key.bytes()) {
                // Put there by an earlier attempt whose answer was lost.
                Ok(()) | Err(NodeError::Refused { status: 409, .. }) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// The secrets first: a succession they record is then never missing while its roster entry
    /// is there.
    fn save(&self, store: &Store) -> Result<(), NodeError> {
        self.secrets.save(store.dir())?;
        secrets::save_roster(store.dir(), self.roster.entries())
    }

    fn device(store: &Store) -> RequestSigner {
        RequestSigner::Device(store.node())
    }

    /// A call to the hub signed by this device.
    fn ask(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        verb: Verb,
        target: &str,
        body: Vec<u8>,
    ) -> Result<Answer, NodeError> {
        call(transport, env, (store.signing_key(), Self::device(store)), verb, target, body)
    }

    /// Attaches a company to a hub: this node becomes the first admin device; a data key, a
    /// recovery secret and this device's wrap key are drawn; the roster's genesis and the wraps
    /// go to the hub. Returns the recovery kit, to be shown once.
    pub fn connect(
        store: &mut Store,
        hub: &str,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<Kit, NodeError> {
        Session::connect_with(store, hub, transport, env, None)
    }

    /// As `connect`, with the hub operator's one-time admission token.
    pub fn connect_with(
        store: &mut Store,
        hub: &str,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        admission: Option<&str>,
    ) -> Result<Kit, NodeError> {
        if let Some(secrets) = Secrets::load(store.dir())? {
            return Err(NodeError::AlreadyConnected { hub: secrets.hub.clone() });
        }
        let tenant = store.tenant();
        let me = store.node();
        let wrap = WrapSecret::from_bytes(env.bytes());
        let recovery = RecoverySecret::from_bytes(env.bytes());
        let data = DataKey::new(1, env.bytes());
        let recovery_keys = DeviceKeys {
            sign: recovery.signing_key().verifying_key().to_bytes(),
            wrap: recovery.wrap_secret().public(),
        };
        let body = rempart_sync::Body {
            tenant,
            seq: 1,
            prev: Hash32::ZERO,
            at_ms: env.now(),
            action: Action::Genesis {
                device: me,
                keys: DeviceKeys { sign: store.verifying_key().to_bytes(), wrap: wrap.public() },
                recovery: recovery_keys,
                key_commitment: data.commitment(),
            },
        };
        let genesis = Entry::genesis(&body, me, store.signing_key(), &recovery.signing_key());
        let roster = Roster::from_entries(tenant, std::slice::from_ref(&genesis))?;
        let key = store.signing_key().clone();
        let target = Session::roster_target(tenant, admission);
        call(transport, env, (&key, Self::device(store)), Verb::Post, &target, json(&vec![genesis]))
            .map_err(admission_error)?;
        let session = Session::new(
            Secrets::enrolled(
                tenant,
                hub,
                roster.genesis(),
                &wrap,
                BTreeMap::from([(1, data.clone())]),
                Some(recovery.clone()),
            ),
            roster,
        );
        session.save(store)?;
        let wraps = [
            (Wrapped::DataKey(1), Recipient::Device(me), wrap.public(), *data.bytes()),
            (Wrapped::DataKey(1), Recipient::Recovery, recovery.wrap_secret().public(), *data.bytes()),
            (Wrapped::Recovery, Recipient::Device(me), wrap.public(), *recovery.bytes()),
        ];
        for (what, to, public, secret) in wraps {
            session.put_wrap(store, transport, env, what, to, &public, &secret)?;
        }
        store.set_sync_setting("hub", hub)?;
        tracing::info!(tenant = %tenant, hub, "company connected to a hub");
        Ok(Kit { tenant, genesis: session.roster.genesis(), roster: session.roster.mark(), secret: recovery })
    }

    #[allow(clippy::too_many_arguments)]
    fn put_wrap(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        what: Wrapped,
        to: Recipient,
        public: &[u8; 32],
        secret: &[u8; 32],
    ) -> Result<(), NodeError> {
        let entropy = WrapEntropy { ephemeral: env.bytes(), nonce: env.bytes() };
        let wrap =
            Wrap::seal(self.secrets.tenant, what, to, self.roster.recovery_generation(), public, secret, entropy)?;
        let target = format!("/v1/t/{}/wraps/{}", self.secrets.tenant, wrap.own_name());
        self.ask(store, transport, env, Verb::Put, &target, json(&wrap))?;
        Ok(())
    }

    /// Publishes a one-time invitation for a new device; returns its code.
    pub fn invite(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        role: Role,
        valid_ms: u64,
    ) -> Result<String, NodeError> {
        self.refresh_roster(store, transport, env)?;
        let me = store.node();
        if self.roster.member(me).map(|m| m.role) != Some(Role::Admin) {
            return Err(NodeError::NotAdmin);
        }
        let secret = InviteSecret::from_bytes(env.bytes());
        let now = env.now();
        let action = Action::Invite {
            invite: secret.id(),
            invite_key: secret.signing_key().verifying_key().to_bytes(),
            role,
            expires_ms: now + valid_ms,
        };
        let entry = Entry::sign(&self.roster.next_body(now, action), Signer::Device(me), store.signing_key());
        let tenant = self.secrets.tenant;
        self.ask(store, transport, env, Verb::Post, &format!("/v1/t/{tenant}/roster"), json(&vec![entry.clone()]))?;
        self.roster.append(entry)?;
        self.save(store)?;
        let payload = InvitePayload {
            genesis: self.roster.genesis(),
            roster_len: self.roster.len(),
            roster_head: self.roster.head(),
            keys: self.secrets.keys.iter().map(|(epoch, key)| (*epoch, hex::encode(key.bytes()))).collect(),
            recovery: (role == Role::Admin)
                .then(|| self.secrets.recovery.as_ref().map(|r| hex::encode(r.bytes())))
                .flatten(),
        };
        let sealed = secret.seal(tenant, &zeroizing_json(&payload), env.bytes());
        let target = format!("/v1/t/{tenant}/invites/{}", secret.id());
        self.ask(store, transport, env, Verb::Put, &target, json(&sealed))?;
        Ok(invite_code(tenant, &secret))
    }

    /// Enrols a new device in `dir` with an invitation code: fetches and opens the invitation,
    /// checks the roster against it, creates the data directory and signs the join.
    pub fn join(
        code: &str,
        hub: &str,
        dir: &Path,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(Store, Session), NodeError> {
        let (tenant, secret) = parse_invite_code(code)?;
        let id = secret.id();
        let invite_key = secret.signing_key();
        let signer = RequestSigner::Invite(id);
        let answer =
            call(transport, env, (&invite_key, signer), Verb::Get, &format!("/v1/t/{tenant}/invites/{id}"), Vec::new())
                .map_err(|error| match error {
                    NodeError::Refused { status: 403 | 404, .. } => NodeError::InvitationClosed,
                    other => other,
                })?;
        let sealed: SealedInvite = parse(&answer.body, "an invitation")?;
        let payload: InvitePayload = serde_json::from_slice(&secret.open(&sealed)?)
            .map_err(|_| NodeError::Hostile("the invitation's payload cannot be read".to_owned()))?;
        let answer =
            call(transport, env, (&invite_key, signer), Verb::Get, &format!("/v1/t/{tenant}/roster"), Vec::new())?;
        let served: ServedRoster = parse(&answer.body, "a roster")?;
        let mut roster = Roster::from_entries(tenant, &served.entries).map_err(|error| match error {
            SyncError::Roster(error) => NodeError::ForgedRoster(Forgery::Refused(error)),
            other => NodeError::Sync(other),
        })?;
        if roster.genesis() != payload.genesis {
            return Err(NodeError::ForgedRoster(Forgery::OtherGenesis));
        }
        let named = usize::try_from(payload.roster_len).ok().and_then(|len| len.checked_sub(1));
        if let Some(at) = named
            && roster.entries().get(at).map(Entry::hash) != Some(payload.roster_head)
        {
            return Err(NodeError::ForgedRoster(Forgery::ShorterThanNamed { named: payload.roster_len }));
        }
        // Expired by this machine's clock too, whatever the hub's says.
        if roster.invitation_expiry(id).is_none_or(|expires| env.now() > expires) {
            return Err(NodeError::InvitationClosed);
        }
        let mut keys = BTreeMap::new();
        for (epoch, text) in &payload.keys {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(text, &mut bytes)
                .map_err(|_| NodeError::Hostile("a key of the invitation is damaged".to_owned()))?;
            let key = DataKey::new(*epoch, bytes);
            if roster.commitment(*epoch) != Some(key.commitment()) {
                return Err(NodeError::Hostile(format!("the key of epoch {epoch} does not match the roster")));
            }
            keys.insert(*epoch, key);
        }
        let recovery = match &payload.recovery {
            Some(text) => {
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(text, &mut bytes)
                    .map_err(|_| NodeError::Hostile("the invitation is damaged".to_owned()))?;
                // Only the company's current recovery secret is held: an older one (the inviting
                // device had not synced a renewal yet) is left, and the current one is fetched.
                Some(RecoverySecret::from_bytes(bytes))
                    .filter(|secret| secret.wrap_secret().public() == roster.recovery().wrap)
            }
            None => None,
        };
        let signing = SigningKey::from_bytes(&env.bytes());
        let wrap = WrapSecret::from_bytes(env.bytes());
        let store = Store::join(env.store_environment(), dir, tenant, signing)?;
        let me = store.node();
        let action = Action::Join {
            invite: id,
            device: me,
            keys: DeviceKeys { sign: store.verifying_key().to_bytes(), wrap: wrap.public() },
        };
        let entry = Entry::sign(&roster.next_body(env.now(), action), Signer::Invite(id), &invite_key)
            .proven_by_device(store.signing_key());
        roster.append(entry.clone())?;
        call(transport, env, (&invite_key, signer), Verb::Post, &format!("/v1/t/{tenant}/roster"), json(&vec![entry]))?;
        let session = Session::new(Secrets::enrolled(tenant, hub, roster.genesis(), &wrap, keys, recovery), roster);
        session.save(&store)?;
        session.wrap_keys_for_self(&store, transport, env)?;
        store.set_sync_setting("hub", hub)?;
        Ok((store, session))
    }

    /// Revokes a device: its events up to what the hub holds of it stay valid, later ones are
    /// refused, and a new key epoch starts, wrapped for every remaining device and the recovery
    /// key, so data written from now on is closed to it. An admin device held the recovery
    /// secret: revoking one (or a device whose successors include one) also draws a new recovery
    /// secret, which signs its own roster entry, gets every epoch's key wrapped for it and is
    /// wrapped for the remaining admin devices: the old kit, which the revoked person may have
    /// seen, opens nothing written from now on. Returns the new epoch and the new kit, if any.
    pub fn revoke(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        device: NodeId,
    ) -> Result<(u32, Option<Kit>), NodeError> {
        self.revoke_with(store, transport, env, device, false)
    }

    /// As `revoke`; the devices the revoked one enrolled (a thief could have enrolled its own)
    /// would get the new keys: refused with their list unless `keep_enrolled`, the person's
    /// word that they stay.
    pub fn revoke_with(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        device: NodeId,
        keep_enrolled: bool,
    ) -> Result<(u32, Option<Kit>), NodeError> {
        self.refresh_roster(store, transport, env)?;
        let me = store.node();
        if self.roster.member(me).map(|m| m.role) != Some(Role::Admin) {
            return Err(NodeError::NotAdmin);
        }
        if device == me {
            return Err(NodeError::Local(
                "a device cannot revoke itself: revoke it from another admin device".to_owned(),
            ));
        }
        if !self.roster.is_active(device) {
            return Err(NodeError::Local(format!("{device} is not an enrolled device of this company")));
        }
        let going = self.roster.active_successors(device);
        let enrolled: Vec<NodeId> =
            self.roster.enrolled_through(device).into_iter().filter(|id| !going.contains(id) && *id != me).collect();
        if !enrolled.is_empty() && !keep_enrolled {
            return Err(NodeError::EnrolledDevicesRemain { devices: enrolled });
        }
        let tenant = self.secrets.tenant;
        let renewal = self.roster.revoking_renews_recovery(device).then(|| RecoverySecret::from_bytes(env.bytes()));
        // What this node holds and has checked of the device's chain stays valid: not what the
        // hub claims, which a hostile hub could stretch. (`rempart device revoke` syncs first.)
        let upto_seq = store.held(device)?.map_or(0, |head| head.seq.0);
        let epoch = self.roster.epoch() + 1;
        let key = DataKey::new(epoch, env.bytes());
        let recovery = renewal.as_ref().map(|secret| DeviceKeys {
            sign: secret.signing_key().verifying_key().to_bytes(),
            wrap: secret.wrap_secret().public(),
        });
        // Its successors go with it, each valid up to what this node holds of it.
        let mut successors = Vec::new();
        for successor in self.roster.active_successors(device) {
            successors.push((successor, store.held(successor)?.map_or(0, |head| head.seq.0)));
        }
        let action = Action::Revoke { device, upto_seq, epoch, key_commitment: key.commitment(), recovery, successors };
        let mut entry = Entry::sign(&self.roster.next_body(env.now(), action), Signer::Device(me), store.signing_key());
        if let Some(secret) = &renewal {
            entry = entry.proven_by_recovery(&secret.signing_key());
        }
        let mut next = self.roster.clone();
        next.append(entry.clone())?;
        self.ask(store, transport, env, Verb::Post, &format!("/v1/t/{tenant}/roster"), json(&vec![entry]))?;
        self.roster = next;
        self.secrets.keys.insert(epoch, key.clone());
        if let Some(secret) = &renewal {
            self.secrets.recovery = Some(secret.clone());
        }
        self.save(store)?;
        let active: Vec<(NodeId, [u8; 32], Role)> = self
            .roster
            .members()
            .iter()
            .filter(|(id, _)| self.roster.is_active(**id))
            .map(|(id, member)| (*id, member.keys.wrap, member.role))
            .collect();
        for (id, public, _) in &active {
            self.put_wrap(store, transport, env, Wrapped::DataKey(epoch), Recipient::Device(*id), public, key.bytes())?;
        }
        let recovery = self.roster.recovery().wrap;
        // With a new recovery key, every epoch's key is wrapped for it; else only the new one.
        let epochs: Vec<(u32, DataKey)> = if renewal.is_some() {
            self.secrets.keys.iter().map(|(epoch, key)| (*epoch, key.clone())).collect()
        } else {
            vec![(epoch, key.clone())]
        };
        for (epoch, key) in epochs {
            self.put_wrap(store, transport, env, Wrapped::DataKey(epoch), Recipient::Recovery, &recovery, key.bytes())?;
        }
        if let Some(secret) = &renewal {
            for (id, public, role) in &active {
                if *role == Role::Admin {
                    self.put_wrap(
                        store,
                        transport,
                        env,
                        Wrapped::Recovery,
                        Recipient::Device(*id),
                        public,
                        secret.bytes(),
                    )?;
                }
            }
        }
        tracing::info!(device = %device.short(), epoch, upto_seq, renewed = renewal.is_some(), "device revoked");
        let (genesis, roster) = (self.roster.genesis(), self.roster.mark());
        Ok((epoch, renewal.map(|secret| Kit { tenant, genesis, roster, secret })))
    }

    /// Gives a hub that lost its storage the key wraps back: an admin device wraps every epoch's
    /// key again for every enrolled device and the recovery key; any device wraps the keys for
    /// itself. Wraps the hub still holds stay.
    fn refill_wraps(&self, store: &Store, transport: &mut dyn Transport, env: &mut Env<'_>) -> Result<(), NodeError> {
        let me = store.node();
        let admin = self.roster.member(me).is_some_and(|m| m.role == Role::Admin);
        let mut recipients: Vec<(Recipient, [u8; 32])> = self
            .roster
            .members()
            .iter()
            .filter(|(id, _)| self.roster.is_active(**id) && (admin || **id == me))
            .map(|(id, member)| (Recipient::Device(*id), member.keys.wrap))
            .collect();
        if admin {
            recipients.push((Recipient::Recovery, self.roster.recovery().wrap));
        }
        let put = |outcome: Result<(), NodeError>| match outcome {
            Err(NodeError::Refused { status: 409, .. }) => Ok(()),
            other => other,
        };
        for (epoch, key) in &self.secrets.keys {
            for (to, public) in &recipients {
                put(self.put_wrap(store, transport, env, Wrapped::DataKey(*epoch), *to, public, key.bytes()))?;
            }
        }
        if let (true, Some(recovery)) = (admin, &self.secrets.recovery) {
            let public = WrapSecret::from_bytes(self.secrets.wrap).public();
            put(self.put_wrap(
                store,
                transport,
                env,
                Wrapped::Recovery,
                Recipient::Device(me),
                &public,
                recovery.bytes(),
            ))?;
        }
        Ok(())
    }

    /// How much of the hub's answers a pull takes in at once, in one transaction (at least one
    /// answer): more means fewer rewrites of the projection pages and more memory, about three
    /// times this while the group is taken in.
    pub fn set_pull_group_bytes(&mut self, bytes: usize) {
        self.group_bytes = bytes;
    }

    /// About how many bytes of events each batch this node pushes carries (at least one event,
    /// at most `BATCH_TARGET_BYTES`): smaller batches mean more requests, and a simulation's hub
    /// answers with many of them at once.
    pub fn set_push_batch_bytes(&mut self, bytes: usize) {
        self.batch_bytes = bytes.min(BATCH_TARGET_BYTES);
    }

    /// Shows progress as events come in: `(received so far, expected in all)`.
    pub fn set_progress(&mut self, progress: Box<dyn FnMut(u64, u64)>) {
        self.progress = Some(progress);
    }

    /// Rebuilds a lost device from the hub alone, in `dir`: proves itself with the recovery
    /// kit, checks the roster the hub serves from its genesis (the one the kit names) to its
    /// end, and that its current recovery key is the kit's, enrols itself as a new admin device
    /// signed by the recovery key, and pulls and checks everything. Call `sync` on the returned
    /// session to download.
    pub fn restore(
        kit: &Kit,
        hub: &str,
        dir: &Path,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(Store, Session), NodeError> {
        let tenant = kit.tenant;
        let recovery = kit.secret.clone();
        let recovery_key = recovery.signing_key();
        let signer = RequestSigner::Recovery;
        let answer =
            call(transport, env, (&recovery_key, signer), Verb::Get, &format!("/v1/t/{tenant}/roster"), Vec::new())
                .map_err(|error| match error {
                    NodeError::Refused { status: 401 | 403, .. } => NodeError::KitRefused,
                    other => other,
                })?;
        let served: ServedRoster = parse(&answer.body, "a roster")?;
        let mut roster = Roster::from_entries(tenant, &served.entries).map_err(|error| match error {
            SyncError::Roster(error) => NodeError::ForgedRoster(Forgery::Refused(error)),
            other => NodeError::Sync(other),
        })?;
        if roster.genesis() != kit.genesis {
            return Err(NodeError::ForgedRoster(Forgery::OtherGenesis));
        }
        if roster.compare(&kit.roster) != Named::Held {
            return Err(NodeError::ForgedRoster(Forgery::ShorterThanNamed { named: kit.roster.len }));
        }
        let ours = DeviceKeys { sign: recovery_key.verifying_key().to_bytes(), wrap: recovery.wrap_secret().public() };
        if roster.recovery() != ours {
            return Err(NodeError::ForgedRoster(Forgery::OtherRecoveryKey));
        }
        let mut keys = BTreeMap::new();
        for epoch in 1..=roster.epoch() {
            let name = Wrap::name(Wrapped::DataKey(epoch), Recipient::Recovery, roster.recovery_generation());
            let answer = call(
                transport,
                env,
                (&recovery_key, signer),
                Verb::Get,
                &format!("/v1/t/{tenant}/wraps/{name}"),
                Vec::new(),
            )?;
            let wrap = served_wrap(&answer.body, tenant, &name)?;
            let key = DataKey::new(epoch, *wrap.open(&recovery.wrap_secret())?);
            if roster.commitment(epoch) != Some(key.commitment()) {
                return Err(NodeError::Hostile(format!(
                    "the key of epoch {epoch} served by the hub does not match the roster"
                )));
            }
            keys.insert(epoch, key);
        }
        let signing = SigningKey::from_bytes(&env.bytes());
        let wrap = WrapSecret::from_bytes(env.bytes());
        let store = Store::join(env.store_environment(), dir, tenant, signing)?;
        let me = store.node();
        let action = Action::Add {
            device: me,
            keys: DeviceKeys { sign: store.verifying_key().to_bytes(), wrap: wrap.public() },
            role: Role::Admin,
        };
        let entry = Entry::sign(&roster.next_body(env.now(), action), Signer::Recovery, &recovery_key)
            .proven_by_device(store.signing_key());
        roster.append(entry.clone())?;
        call(
            transport,
            env,
            (&recovery_key, signer),
            Verb::Post,
            &format!("/v1/t/{tenant}/roster"),
            json(&vec![entry]),
        )?;
        let session =
            Session::new(Secrets::enrolled(tenant, hub, roster.genesis(), &wrap, keys, Some(recovery.clone())), roster);
        session.save(&store)?;
        session.wrap_keys_for_self(&store, transport, env)?;
        session.put_wrap(
            &store,
            transport,
            env,
            Wrapped::Recovery,
            Recipient::Device(me),
            &wrap.public(),
            recovery.bytes(),
        )?;
        store.set_sync_setting("hub", hub)?;
        Ok((store, session))
    }

    /// Brings the roster up to date from the hub; gives the hub the node's copy when it has none.
    fn refresh_roster(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(u64, bool), NodeError> {
        let tenant = self.secrets.tenant;
        // From this node's last entry on: the hub's copy of that entry must be the same (entries
        // are chained, so all before it are too), or the two lists have parted.
        let target = format!("/v1/t/{tenant}/roster?after={}", self.roster.len().saturating_sub(1));
        let served: Option<ServedRoster> = match self.ask(store, transport, env, Verb::Get, &target, Vec::new()) {
            Ok(answer) => Some(parse(&answer.body, "roster entries")?),
            Err(NodeError::Refused { status: 404, .. }) => None,
            // The hub's roster may be an older one that does not have this device yet (restored
            // from an old copy, or refilled by a node that had not heard of it): give it ours,
            // which it accepts only if it extends its own and enrols this device.
            Err(NodeError::Refused { status: 403, .. }) if self.roster.is_active(store.node()) => {
                let entries = json(&self.roster.entries().to_vec());
                let target = Session::roster_target(tenant, self.admission.as_deref());
                return match self.ask(store, transport, env, Verb::Post, &target, entries).map_err(admission_error) {
                    Ok(_) => {
                        self.succession_registered(store, transport, env)?;
                        Ok((0, true))
                    }
                    // The hub's roster moved on since this device named its successor (the
                    // hub tells a device it does not know no more than 403).
                    Err(NodeError::Refused { status: 403 | 409, .. }) if self.secrets.succession.is_some() => {
                        match self.rebase_succession(store, transport, env)? {
                            Some(outcome) => Ok(outcome),
                            None => Err(self.roster_divergence(store, transport, env, None)?),
                        }
                    }
                    Err(NodeError::Refused { status: 403, .. }) => Err(NodeError::Revoked),
                    Err(error) => Err(error),
                };
            }
            Err(error) => return Err(error),
        };
        let Some(served) = served.filter(|served| served.len >= self.roster.len()) else {
            // The hub holds no roster for the company (wiped, or new) or less of it than this
            // node (restored from an old copy): it gets this node's copy back.
            let entries = json(&self.roster.entries().to_vec());
            let target = Session::roster_target(tenant, self.admission.as_deref());
            return match self.ask(store, transport, env, Verb::Post, &target, entries).map_err(admission_error) {
                Ok(_) => {
                    self.succession_registered(store, transport, env)?;
                    Ok((0, true))
                }
                Err(NodeError::Refused { status: 409, .. }) => match self.rebase_succession(store, transport, env)? {
                    Some(outcome) => Ok(outcome),
                    None => Err(self.roster_divergence(store, transport, env, None)?),
                },
                Err(error) => Err(error),
            };
        };
        let mut entries = served.entries.into_iter();
        if self.roster.entries().last() != entries.next().as_ref() {
            // A succession the hub registered, signed again on top of its roster, while the
            // answer was lost: this node takes the hub's roster.
            if self.secrets.succession.is_some()
                && let Some(outcome) = self.rebase_succession(store, transport, env)?
            {
                return Ok(outcome);
            }
            return Err(self.roster_divergence(store, transport, env, None)?);
        }
        let mut added = 0;
        for entry in entries {
            if let Err(error) = self.roster.append(entry) {
                return Err(self.roster_divergence(store, transport, env, Some(error))?);
            }
            added += 1;
        }
        if added > 0 {
            self.fetch_keys(store, transport, env)?;
            self.fetch_recovery(store, transport, env)?;
            self.save(store)?;
        }
        // The hub holds every entry this node has, a succession's included.
        self.succession_registered(store, transport, env)?;
        if !self.roster.is_active(store.node()) {
            return Err(NodeError::Local(
                "this device was revoked from the company's roster: it cannot sync any more".to_owned(),
            ));
        }
        Ok((added, false))
    }

    /// Once the hub holds the entry that names the successor: the data keys of epochs begun
    /// meanwhile (wrapped for the old identity only) are fetched as the old identity, every key is
    /// wrapped for the new one, and only then are the old identity's keys forgotten.
    fn succession_registered(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(), NodeError> {
        let Some(succession) = self.secrets.succession.clone() else { return Ok(()) };
        let tenant = self.secrets.tenant;
        let from_key = SigningKey::from_bytes(&succession.from_key);
        let from_wrap = WrapSecret::from_bytes(succession.from_wrap);
        for epoch in 1..=self.roster.epoch() {
            if self.secrets.keys.contains_key(&epoch) {
                continue;
            }
            let name = Wrap::name(Wrapped::DataKey(epoch), Recipient::Device(succession.from), 0);
            let target = format!("/v1/t/{tenant}/wraps/{name}");
            let signer = RequestSigner::Device(succession.from);
            let answer = call(transport, env, (&from_key, signer), Verb::Get, &target, Vec::new())?;
            let wrap = served_wrap(&answer.body, tenant, &name)?;
            let key = DataKey::new(epoch, *wrap.open(&from_wrap)?);
            if self.roster.commitment(epoch) != Some(key.commitment()) {
                return Err(NodeError::Hostile(format!(
                    "the key of epoch {epoch} served by the hub does not match the roster"
                )));
            }
            self.secrets.keys.insert(epoch, key);
        }
        self.wrap_keys_for_self(store, transport, env)?;
        self.secrets.succession = None;
        self.save(store)
    }

    /// Why the hub's roster does not continue this node's, in plain words: where the two part, and
    /// whether the hub's side was written by a device (or with a recovery kit) that this node's
    /// side revoked, which is what a revoked admin filling a wiped hub again looks like. The hub
    /// alone cannot tell the two sides apart; this node keeps its own.
    fn roster_divergence(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        cause: Option<SyncError>,
    ) -> Result<NodeError, NodeError> {
        let tenant = self.secrets.tenant;
        let target = format!("/v1/t/{tenant}/roster?after=0");
        let answer = self.ask(store, transport, env, Verb::Get, &target, Vec::new())?;
        let served: ServedRoster = parse(&answer.body, "roster entries")?;
        let ours = self.roster.entries();
        let at = ours.iter().zip(&served.entries).take_while(|(a, b)| a == b).count();
        if at == ours.len().min(served.entries.len()) {
            // One list extends the other: they have not parted.
            return Ok(match cause {
                // An entry no key of the company signed as the rules want: made up.
                Some(SyncError::Roster(error)) => NodeError::ForgedRoster(Forgery::Refused(error)),
                Some(error) => NodeError::Hostile(format!(
                    "the hub's list of the company's devices goes on with an entry this node refuses: {error}"
                )),
                None => NodeError::Refused {
                    status: 409,
                    reason: "conflict".to_owned(),
                    message: "the company's list of devices changed at the hub meanwhile: sync again".to_owned(),
                },
            });
        }
        let place = at + 1;
        // The hub's side is named only once it verifies: its signers are then who they say.
        let theirs = match Roster::from_entries(tenant, &served.entries) {
            Ok(roster) if roster.genesis() == self.secrets.genesis => roster,
            Ok(_) => return Ok(NodeError::Hostile("the hub serves the list of devices of another company".to_owned())),
            Err(error) => {
                return Ok(NodeError::Hostile(format!(
                    "the hub's list of the company's devices parts from this node's at entry {place} and does not verify ({error}): the hub rewrote it. This node keeps its own list and does not sync with this hub"
                )));
            }
        };
        let revoked: Vec<(NodeId, bool)> = ours[at..]
            .iter()
            .filter_map(|entry| match entry.parse_body().ok()?.action {
                Action::Revoke { device, recovery, .. } => Some((device, recovery.is_some())),
                _ => None,
            })
            .collect();
        // Who wrote the hub's side: devices, the issuers of the invitations used, the recovery key.
        let issuer = |invite: Hash32| {
            theirs.entries().iter().find_map(|entry| match (entry.parse_body().ok()?.action, entry.signer) {
                (Action::Invite { invite: id, .. }, Signer::Device(device)) if id == invite => Some(device),
                _ => None,
            })
        };
        let writer = theirs.entries()[at..].iter().find_map(|entry| match entry.signer {
            Signer::Device(device) => revoked.iter().any(|(d, _)| *d == device).then_some(device),
            Signer::Invite(invite) => issuer(invite).filter(|device| revoked.iter().any(|(d, _)| d == device)),
            Signer::Recovery => None,
        });
        let writer =
            writer.map(|device| format!("device {}, which this node's list revoked", device.short())).or_else(|| {
                let old_kit = theirs.entries()[at..].iter().any(|entry| entry.signer == Signer::Recovery)
                    && revoked.iter().any(|(_, renewed)| *renewed);
                old_kit.then(|| {
                    "the recovery kit that this node's list replaced when it revoked an admin device".to_owned()
                })
            });
        Ok(NodeError::Hostile(match writer {
            Some(writer) => format!(
                "the hub's list of the company's devices parts from this node's at entry {place}, and the hub's side was written by {writer}: a revoked device filled the hub again after the hub lost its storage. This node keeps its own list and does not sync with this hub; move the company to a new hub with `rempart sync --hub URL` (this node fills it), and have the old hub's operator remove the company there"
            ),
            None => format!(
                "the hub's list of the company's devices parts from this node's at entry {place}: the hub or a device rewrote it. This node keeps its own list and does not sync with this hub"
            ),
        }))
    }

    /// On an admin device, fetches the recovery secret when the roster names a new one.
    fn fetch_recovery(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(), NodeError> {
        let me = store.node();
        if self.roster.member(me).map(|m| m.role) != Some(Role::Admin) {
            return Ok(());
        }
        let current = self.roster.recovery().wrap;
        if self.secrets.recovery.as_ref().is_some_and(|r| r.wrap_secret().public() == current) {
            return Ok(());
        }
        let name = Wrap::name(Wrapped::Recovery, Recipient::Device(me), self.roster.recovery_generation());
        let target = format!("/v1/t/{}/wraps/{name}", self.secrets.tenant);
        let answer = match self.ask(store, transport, env, Verb::Get, &target, Vec::new()) {
            Ok(answer) => answer,
            Err(NodeError::Refused { status: 404, .. }) => return Ok(()),
            Err(error) => return Err(error),
        };
        let wrap = served_wrap(&answer.body, self.secrets.tenant, &name)?;
        let secret = RecoverySecret::from_bytes(*wrap.open(&self.secrets.wrap_secret())?);
        if secret.wrap_secret().public() != current {
            return Err(NodeError::Hostile("the recovery secret served by the hub is not the roster's".to_owned()));
        }
        self.secrets.recovery = Some(secret);
        self.save(store)
    }

    /// Fetches the data keys of epochs this node lacks, wrapped for it, and checks them.
    fn fetch_keys(&mut self, store: &Store, transport: &mut dyn Transport, env: &mut Env<'_>) -> Result<(), NodeError> {
        let me = store.node();
        for epoch in 1..=self.roster.epoch() {
            if self.secrets.keys.contains_key(&epoch) {
                continue;
            }
            let name = Wrap::name(Wrapped::DataKey(epoch), Recipient::Device(me), 0);
            let target = format!("/v1/t/{}/wraps/{name}", self.secrets.tenant);
            let answer = self.ask(store, transport, env, Verb::Get, &target, Vec::new())?;
            let wrap = served_wrap(&answer.body, self.secrets.tenant, &name)?;
            let key = DataKey::new(epoch, *wrap.open(&self.secrets.wrap_secret())?);
            if self.roster.commitment(epoch) != Some(key.commitment()) {
                return Err(NodeError::Hostile(format!(
                    "the key of epoch {epoch} served by the hub does not match the roster"
                )));
            }
            self.secrets.keys.insert(epoch, key);
        }
        Ok(())
    }

    /// One sync: roster, keys, pull, push. Records when the hub was last reached, and since when
    /// it has been out of reach, for `rempart status`.
    pub fn sync(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<SyncReport, NodeError> {
        let outcome = self.sync_inner(store, transport, env);
        match &outcome {
            Ok(_) => store.clear_sync_setting("offline_since_ms")?,
            Err(NodeError::Unreachable(_)) => {
                if store.sync_setting("offline_since_ms")?.is_none() {
                    store.set_sync_setting("offline_since_ms", &env.now().to_string())?;
                }
            }
            Err(_) => {}
        }
        outcome
    }

    fn sync_inner(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<SyncReport, NodeError> {
        let mut report = SyncReport::default();
        let (added, restored) = self.refresh_roster(store, transport, env)?;
        report.roster_entries = added;
        report.roster_restored = restored;
        self.watch.borrow_mut().settle(&self.roster);
        // A hub that lost its storage (wiped, replaced, put back to an old copy) lacks the wraps
        // of the current key: one look tells, and they are given back.
        let me = store.node();
        let probe = if self.roster.member(me).is_some_and(|m| m.role == Role::Admin) {
            Recipient::Recovery
        } else {
            Recipient::Device(me)
        };
        let name = Wrap::name(Wrapped::DataKey(self.roster.epoch()), probe, self.roster.recovery_generation());
        let target = format!("/v1/t/{}/wraps/{name}", self.secrets.tenant);
        match self.ask(store, transport, env, Verb::Get, &target, Vec::new()) {
            Err(NodeError::Refused { status: 404, .. }) => self.refill_wraps(store, transport, env)?,
            Err(error) => return Err(error),
            Ok(_) => {}
        }
        self.fetch_keys(store, transport, env)?;
        let tenant = self.secrets.tenant;
        let answer = self.ask(store, transport, env, Verb::Get, &format!("/v1/t/{tenant}/heads"), Vec::new())?;
        let hub: VersionVector = parse(&answer.body, "heads")?;
        self.pull(store, transport, env, &hub, &mut report)?;
        report.withheld = self.withheld(store, &hub)?;
        if store.copy_found_ms()?.is_some() {
            match self.own_head_doubt(store, &hub)? {
                None => {
                    store.confirm_own_head()?;
                    report.own_head_confirmed = true;
                }
                Some(doubt) => report.own_head_unconfirmed = Some(doubt),
            }
        }
        store.set_sync_setting("claims", &String::from_utf8_lossy(&json(&*self.claims.borrow())))?;
        store.set_sync_setting("withheld", &report.withheld.join("\n"))?;
        // A batch named a roster further than this copy: an author that moved on after this
        // sync's roster refresh, or a hub that withholds entries. Asked once more, it tells.
        if self.watch.borrow().ahead.is_some() {
            let (added, _) = self.refresh_roster(store, transport, env)?;
            report.roster_entries += added;
        }
        self.watch.borrow_mut().settle(&self.roster);
        let watch = self.watch.borrow().clone();
        store.set_sync_setting("roster_watch", &String::from_utf8_lossy(&json(&watch)))?;
        report.held_back = watch.held_back(&self.roster);
        report.roster_watch = watch;
        if report.held_back.is_none() {
            self.push(store, transport, env, &hub, &mut report)?;
        }
        // What the hub holds now, as `rempart status` shows it.
        let hub: VersionVector = if report.pushed_batches > 0 || report.already_held > 0 {
            let answer = self.ask(store, transport, env, Verb::Get, &format!("/v1/t/{tenant}/heads"), Vec::new())?;
            parse(&answer.body, "heads")?
        } else {
            hub
        };
        store.set_sync_setting("last_sync_ms", &env.now().to_string())?;
        store.set_sync_setting("hub_heads", &String::from_utf8_lossy(&json(&hub)))?;
        Ok(report)
    }

    fn pull(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        hub: &VersionVector,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        let local = store.version_vector()?;
        let expected: u64 = hub.0.iter().map(|(node, head)| head.seq.0.saturating_sub(local.seq(*node).0)).sum();
        store.begin_take_in(expected)?;
        let pulled = self.pull_chains(store, transport, env, hub, expected, report);
        // Building the indexes a large take-in dropped is part of applying what it brought.
        let started = Instant::now();
        let ended = store.end_take_in();
        add(&self.timings.apply, started);
        pulled?;
        Ok(ended?)
    }

    /// The body of `pull`: each chain the hub holds further than this node, in groups of answers.
    fn pull_chains(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        hub: &VersionVector,
        expected: u64,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        let tenant = self.secrets.tenant;
        for (node, head) in &hub.0 {
            let held = store.held(*node)?.map_or(EventSeq(0), |head| head.seq);
            if held >= head.seq {
                // Both hold that place of the chain: they must hold the same event there.
                if store.event_hash(*node, head.seq)? != Some(head.hash) {
                    self.fetch_fork(store, transport, env, *node, head.seq, report)?;
                }
                continue;
            }
            if store.forks()?.iter().any(|fork| fork.node == *node) {
                continue;
            }
            loop {
                let held = store.held(*node)?.map_or(EventSeq(0), |head| head.seq);
                if held >= head.seq {
                    break;
                }
                // Several answers are taken in together, in one transaction: each transaction
                // rewrites every projection page it touches, and a run of postings touches pages
                // all over the table.
                let mut answers = Vec::new();
                let (mut after, mut bytes) = (held, 0);
                while after < head.seq && bytes < self.group_bytes {
                    let target = format!("/v1/t/{tenant}/batches/{node}?after={}", after.0);
                    let started = Instant::now();
                    let answer = self.ask(store, transport, env, Verb::Get, &target, Vec::new())?;
                    add(&self.timings.download, started);
                    let last = unframe(&answer.body)?
                        .last()
                        .and_then(|batch| rempart_sync::batch::decode_header(batch).ok())
                        .map(|header| header.last);
                    bytes += answer.body.len();
                    answers.push(answer.body);
                    match last {
                        Some(last) if last > after => after = last,
                        _ => break,
                    }
                }
                let mut batches = Vec::new();
                for answer in &answers {
                    batches.extend(unframe(answer)?);
                }
                if batches.is_empty() {
                    break;
                }
                match self.take_batches(store, *node, &batches) {
                    Ok(events) => {
                        report.pulled_events += events;
                        if let Some(progress) = &mut self.progress {
                            progress(report.pulled_events, expected);
                        }
                    }
                    Err(NodeError::Store(StoreError::Forked { node: short, seq })) => {
                        report.forks.push(fork_words(&short, seq));
                        break;
                    }
                    // A batch of one chain that fails its checks stops that chain only: the other
                    // chains are still pulled and this node's events still pushed.
                    Err(NodeError::Hostile(why)) => {
                        report.rejected.push(format!("node {}: {why}", node.short()));
                        break;
                    }
                    Err(NodeError::Store(StoreError::SyncRefused { node: short, why })) => {
                        report.rejected.push(format!("node {short}: {why}"));
                        break;
                    }
                    // Whatever else this node could not take in of one chain (its disk, a fact
                    // it cannot project) stops that chain only, named in the report: sync
                    // degrades, it does not stop, and this node's own events still go up.
                    Err(error) => {
                        tracing::warn!(node = %node.short(), %error, "a chain could not be taken in");
                        report.rejected.push(format!("node {}: {error}", node.short()));
                        break;
                    }
                }
                if store.held(*node)?.map_or(EventSeq(0), |head| head.seq) == held {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Downloads the hub's version of event `seq` of `node`, which differs from the one held
    /// here, so that the fork is recorded with both versions as evidence.
    fn fetch_fork(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        node: NodeId,
        seq: EventSeq,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        let target = format!("/v1/t/{}/batches/{node}?after={}", self.secrets.tenant, seq.0.saturating_sub(1));
        let answer = self.ask(store, transport, env, Verb::Get, &target, Vec::new())?;
        if let Some(bytes) = unframe(&answer.body)?.first() {
            match self.take_batch(store, node, bytes) {
                Err(NodeError::Store(StoreError::Forked { node: short, seq })) => {
                    report.forks.push(fork_words(&short, seq))
                }
                Err(NodeError::Hostile(why)) => report.forks.push(format!("node {}: {why}", node.short())),
                _ => report.forks.push(fork_words(&node.short(), seq.0)),
            }
        }
        Ok(())
    }

    /// Checks one downloaded batch and opens it: the events and seals it carries, and the batch's
    /// compact form when it can be kept so (`Batch::compact`).
    fn open_batch(&self, node: NodeId, batch: &Batch) -> Result<(VerifyingKey, ChainRun, Option<Vec<u8>>), NodeError> {
        let started = Instant::now();
        let header = &batch.header;
        if header.tenant != self.secrets.tenant || header.node != node {
            return Err(NodeError::Hostile("the hub served a batch of another company or node".to_owned()));
        }
        let member = self.roster.member(node).ok_or_else(|| {
            NodeError::Hostile(format!("the hub served a batch of node {}, which is not in the roster", node.short()))
        })?;
        // A revoked node's events up to its revocation stay valid; a batch reaching past it is
        // cut there (the events after it are refused), one wholly after it refused.
        let valid_until = member.revoked_after.unwrap_or(u64::MAX);
        if header.first.0 > valid_until {
            return Err(NodeError::Hostile(format!(
                "the hub served events of node {} after its revocation",
                node.short()
            )));
        }
        let key = VerifyingKey::from_bytes(&member.keys.sign)
            .map_err(|_| NodeError::Hostile("unusable key in the roster".to_owned()))?;
        if !batch.is_signed_by(&key) {
            return Err(NodeError::Hostile(format!("the hub served a batch not signed by node {}", node.short())));
        }
        // What the author held of the roster, signed: noted even when this node lacks the batch's
        // key (a batch under an epoch this node lacks is what a hidden revocation looks like), and
        // otherwise once the batch has opened.
        let named = NamedRoster { by: node, mark: header.roster, epoch: header.epoch };
        let Some(data) = self.secrets.keys.get(&header.epoch) else {
            self.watch.borrow_mut().note(&self.roster, named);
            return Err(NodeError::Hostile(format!(
                "a batch is encrypted under key epoch {}, which this node lacks",
                header.epoch
            )));
        };
        add(&self.timings.verify, started);
        let started = Instant::now();
        let contents = batch
            .open(data, &key)
            .map_err(|error| NodeError::Hostile(format!("the hub served a batch that fails its checks: {error}")))?;
        add(&self.timings.decrypt, started);
        self.watch.borrow_mut().note(&self.roster, named);
        self.note_claims(node, &contents.seen);
        // Kept without its ciphertext only if all its events are taken in and the same bytes can
        // be made again from them; otherwise kept whole.
        let compact = (contents.reproducible && header.last.0 <= valid_until).then(|| batch.compact(&contents.seen));
        let mut events = contents.events;
        let mut seals = contents.seals;
        events.retain(|event| event.seq.0 <= valid_until);
        seals.retain(|seal| seal.seq.0 <= valid_until);
        Ok((key, ChainRun { prev: header.prev, events, seals }, compact))
    }

    fn note_claims(&self, by: NodeId, seen: &VersionVector) {
        let mut claims = self.claims.borrow_mut();
        for (node, head) in &seen.0 {
            if claims.get(node).is_none_or(|(known, _)| known.seq < head.seq) {
                claims.insert(*node, (*head, by));
            }
        }
    }

    /// Why this node's own head cannot be taken as its latest, after a pull, if it cannot: the hub
    /// holds more of its chain than could be taken in, another node has seen it reach further, or
    /// it is forked.
    fn own_head_doubt(&self, store: &Store, hub: &VersionVector) -> Result<Option<String>, NodeError> {
        let me = store.node();
        let held = store.held(me)?.map_or(EventSeq(0), |head| head.seq);
        if hub.seq(me) > held {
            return Ok(Some(format!(
                "the hub holds this node's events up to {}, but only {} could be taken in",
                hub.seq(me),
                held
            )));
        }
        if let Some((head, by)) = self.claims.borrow().get(&me)
            && head.seq > held
        {
            return Ok(Some(format!(
                "node {} has seen this node's events up to {}, beyond the {} held here and at the hub",
                by.short(),
                head.seq,
                held
            )));
        }
        if let Some(fork) = store.forks()?.into_iter().find(|fork| fork.node == me) {
            return Ok(Some(format!("this node's own chain is forked at event {}", fork.seq)));
        }
        if let Some(anchored) = store.anchored_seq()?
            && anchored > held
        {
            return Ok(Some(format!(
                "this node's chain reached event {anchored} (its head anchor says so), which neither this copy nor the hub holds: recording now could fork it; `rempart device rechain` goes on under a new chain"
            )));
        }
        Ok(None)
    }

    /// Chains that other nodes have seen further than both this node and the hub hold: events
    /// that exist, that the hub does not serve (withheld, or lost and not yet given back).
    fn withheld(&self, store: &Store, hub: &VersionVector) -> Result<Vec<String>, NodeError> {
        let mut out = Vec::new();
        for (node, (head, by)) in self.claims.borrow().iter() {
            let held = store.held(*node)?.map_or(EventSeq(0), |h| h.seq);
            if head.seq > held && head.seq > hub.seq(*node) {
                out.push(format!(
                    "node {} had seen events of node {} up to {}, but the hub serves them only up to {}: the hub withholds them, or lost them and no node holding them has given them back yet",
                    by.short(),
                    node.short(),
                    head.seq,
                    hub.seq(*node)
                ));
            }
        }
        Ok(out)
    }

    /// Checks and takes in downloaded batches of one node, in one transaction; returns the new
    /// events. Batches that fail their checks stop the run: those before them are taken in.
    fn take_batches(&self, store: &mut Store, node: NodeId, batches: &[&[u8]]) -> Result<u64, NodeError> {
        let mut runs: Vec<ChainRun> = Vec::with_capacity(batches.len());
        let mut opened_batches = Vec::with_capacity(batches.len());
        let mut key = None;
        let mut failure = None;
        for bytes in batches {
            let started = Instant::now();
            let decoded = match Batch::decode(bytes) {
                Ok(batch) => batch,
                Err(error) => {
                    failure = Some(NodeError::Hostile(format!("the hub served a damaged batch: {error}")));
                    break;
                }
            };
            add(&self.timings.verify, started);
            let (node_key, opened, compact) = match self.open_batch(node, &decoded) {
                Ok(opened) => opened,
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            };
            key = Some(node_key);
            opened_batches.push((decoded.header.first, decoded.header.last, compact, *bytes));
            runs.push(opened);
        }
        // One run of all the batches' events, made at its full size at once.
        let run = runs.first().map(|first| ChainRun {
            prev: first.prev,
            events: Vec::with_capacity(runs.iter().map(|run| run.events.len()).sum()),
            seals: Vec::with_capacity(runs.iter().map(|run| run.seals.len()).sum()),
        });
        let run = run.map(|mut whole| {
            for opened in runs {
                whole.events.extend(opened.events);
                whole.seals.extend(opened.seals);
            }
            whole
        });
        let kept: Vec<KeptBatch<'_>> = opened_batches
            .iter()
            .map(|(first, last, compact, bytes)| KeptBatch {
                first: *first,
                last: *last,
                bytes: compact.as_deref().unwrap_or(bytes),
            })
            .collect();
        let mut taken = 0;
        if let (Some(run), Some(key)) = (run, key) {
            let started = Instant::now();
            taken = store.take_in_kept(&key, &run, "hub", &kept)?.new_events;
            add(&self.timings.apply, started);
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(taken),
        }
    }

    /// Checks and takes in one downloaded batch; returns the new events.
    fn take_batch(&self, store: &mut Store, node: NodeId, bytes: &[u8]) -> Result<u64, NodeError> {
        self.take_batches(store, node, &[bytes])
    }

    fn push(
        &mut self,
        store: &mut Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        hub: &VersionVector,
        report: &mut SyncReport,
    ) -> Result<(), NodeError> {
        let mut hub = hub.clone();
        // A batch of this node refused just now is reported once; the rest of its chain waits.
        let refused = self.seal_own_batches(store, env, Some((transport, &mut hub, report)))?;
        let local = store.version_vector()?;
        for (node, head) in &local.0 {
            if refused && *node == store.node() {
                continue;
            }
            let mut after = hub.seq(*node);
            while after < head.seq {
                let batches = self.kept_batches(store, *node, after, KEPT_EVENTS_PER_ROUND)?;
                if batches.is_empty() {
                    break;
                }
                for bytes in batches {
                    match self.upload(store, transport, env, bytes, report)? {
                        Uploaded::Stored(last) => after = last,
                        Uploaded::Held(now) => {
                            // The hub had it: a hole it had was filled, or the rest is there too.
                            after = now;
                            break;
                        }
                        Uploaded::Refused => {
                            after = head.seq;
                            break;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Uploads one batch (whole bytes) and says how the hub took it.
    fn upload(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        bytes: Vec<u8>,
        report: &mut SyncReport,
    ) -> Result<Uploaded, NodeError> {
        let tenant = self.secrets.tenant;
        let header = rempart_sync::batch::decode_header(&bytes)?;
        let node = header.node;
        match self.ask(store, transport, env, Verb::Put, &format!("/v1/t/{tenant}/batches"), bytes) {
            Ok(answer) if answer.status == 200 => {
                report.already_held += 1;
                let target = format!("/v1/t/{tenant}/heads");
                let answer = self.ask(store, transport, env, Verb::Get, &target, Vec::new())?;
                let now: VersionVector = parse(&answer.body, "heads")?;
                Ok(Uploaded::Held(now.seq(node).max(header.last)))
            }
            Ok(_) => {
                report.pushed_batches += 1;
                report.pushed_events += header.count();
                Ok(Uploaded::Stored(header.last))
            }
            Err(NodeError::Refused { status, message, .. }) if status == 409 || status == 403 || status == 400 => {
                tracing::warn!(node = %node.short(), first = header.first.0, status, "batch refused: {message}");
                report.refused.push(format!(
                    "events {}-{} of node {}: {message}",
                    header.first,
                    header.last,
                    node.short()
                ));
                Ok(Uploaded::Refused)
            }
            Err(error) => Err(error),
        }
    }

    /// Seals this node's events not yet in a batch into batches under the current key epoch, and
    /// keeps them. Given a hub (`upload`: transport, its heads, the report) that holds every batch
    /// kept before, each new one is uploaded as soon as it is kept, from the bytes just made, and
    /// the heads move on; otherwise they wait for the upload of kept batches, which makes them
    /// again from the log. True if the hub refused one (it is reported).
    fn seal_own_batches(
        &self,
        store: &Store,
        env: &mut Env<'_>,
        mut upload: Option<(&mut dyn Transport, &mut VersionVector, &mut SyncReport)>,
    ) -> Result<bool, NodeError> {
        let me = store.node();
        if let Some(held_back) = self.watch.borrow().held_back(&self.roster) {
            return Err(NodeError::HeldBack(held_back));
        }
        // What this node holds of the other chains goes into its batches.
        let mut seen = store.version_vector()?;
        seen.0.remove(&me);
        let kept = store.kept_up_to(me)?;
        if upload.as_ref().is_some_and(|(_, hub, _)| hub.seq(me) < kept) {
            upload = None;
        }
        // The batches are made (read, encrypted, signed) on a thread of their own, each while the
        // one before is kept and uploaded here: an upload waits for the hub to store its batch
        // durably. The channel holds one made batch, so the maker is at most one ahead.
        let reader = store.chain_reader()?;
        let author = self.author(store.signing_key())?;
        let seed: [u8; 32] = env.bytes();
        let batch_bytes = self.batch_bytes;
        let (made, batches) = std::sync::mpsc::sync_channel::<Result<MadeBatch, NodeError>>(1);
        let mut refused = false;
        std::thread::scope(|scope| {
            let seen = &seen;
            scope.spawn(move || {
                let mut after = kept;
                while let Some(next) = make_batch(&reader, &author, seen, (me, after, batch_bytes), &seed).transpose() {
                    let failed = next.is_err();
                    if let Ok(batch) = &next {
                        after = batch.last;
                    }
                    // A closed channel: the keeper stopped on an error, nothing more is wanted.
                    if made.send(next).is_err() || failed {
                        break;
                    }
                }
            });
            for batch in batches {
                let batch = batch?;
                // Made from the log, so kept compactly: the log gives the same batch back (with
                // the seal of a cut inside a commit, kept first).
                let kept = KeptBatch { first: batch.first, last: batch.last, bytes: &batch.compact };
                store.keep_own_batch(kept, batch.cut_seal.as_ref())?;
                if let Some((transport, hub, report)) = upload.as_mut() {
                    match self.upload(store, &mut **transport, env, batch.bytes, report)? {
                        Uploaded::Stored(last) => hub.set(me, rempart_sync::Head { seq: last, hash: batch.head }),
                        Uploaded::Held(_) => upload = None,
                        Uploaded::Refused => {
                            refused = true;
                            upload = None;
                        }
                    }
                }
            }
            Ok::<(), NodeError>(())
        })?;
        Ok(refused)
    }

    /// The batches of `node` this node keeps that hold events after `after` (about `max_events`
    /// of them, at least one batch), as they travelled: those kept compactly are made again from
    /// the events held, under the data key of their epoch.
    pub fn kept_batches(
        &self,
        store: &Store,
        node: NodeId,
        after: EventSeq,
        max_events: u64,
    ) -> Result<Vec<Vec<u8>>, NodeError> {
        let mut out = Vec::new();
        for bytes in store.kept_batches(node, after, max_events)? {
            if !rempart_sync::batch::is_compact(&bytes) {
                out.push(bytes);
                continue;
            }
            let header = rempart_sync::batch::kept_header(&bytes)?;
            let key =
                self.secrets.keys.get(&header.epoch).ok_or_else(|| {
                    NodeError::Local(format!("this node lacks the data key of epoch {}", header.epoch))
                })?;
            let run = store.chain_range(node, header.first, header.last)?;
            let batch = Batch::from_compact(&bytes, key, &run.events, &run.seals).map_err(|error| {
                NodeError::Local(format!(
                    "the batch of node {} from event {} cannot be made again from this node's log: {error}",
                    node.short(),
                    header.first
                ))
            })?;
            out.push(batch.encode());
        }
        Ok(out)
    }
}

fn fork_words(node: &str, seq: u64) -> String {
    format!(
        "node {node} has two different versions of its event {seq} (the hub's and this node's): a device was cloned or someone tampered with the hub; that chain is frozen here and both versions are kept as evidence"
    )
}

/// Splits a download into batches: `len u32 | bytes`, repeated.
/// The lock file a rechain holds (an advisory lock, released by the system if the process dies).
fn lock_rechain(dir: &Path) -> Result<std::fs::File, NodeError> {
    let path = dir.join("rechain.lock");
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|error| NodeError::Local(format!("{} cannot be opened: {error}", path.display())))
}

/// A batch of this node's own events, made and ready to be kept and uploaded.
struct MadeBatch {
    first: EventSeq,
    last: EventSeq,
    /// The hash of its last event.
    head: Hash32,
    /// As kept: the header and signature (the events are in the log).
    compact: Vec<u8>,
    /// As uploaded.
    bytes: Vec<u8>,
    /// The seal over its last event when the batch ends inside a commit (whose own seal comes
    /// with the next batch): kept in this node's log before the batch, so that the batch is made
    /// again the same from the log, and so that a node holding only this batch holds a sealed
    /// chain even if the rest never comes (this device lost before its next upload).
    cut_seal: Option<Seal>,
}

/// Makes the batch of `me`'s events after `after` (about `batch_bytes` of them), if any.
fn make_batch(
    reader: &ChainReader,
    author: &Author<'_>,
    seen: &VersionVector,
    (me, after, batch_bytes): (NodeId, EventSeq, usize),
    seed: &[u8; 32],
) -> Result<Option<MadeBatch>, NodeError> {
    let mut run = reader.chain_run(me, after, batch_bytes)?;
    let Some(last_event) = run.events.last() else { return Ok(None) };
    let last = last_event.seq;
    // A seal is deterministic (Ed25519): the same cut gives the same seal, and the same batch.
    let cut_seal = (run.seals.last().map(|seal| seal.seq) != Some(last))
        .then(|| Seal::sign(author.signing, last_event.tenant, me, last, last_event.hash()));
    run.seals.extend(cut_seal.clone());
    let first = after.next();
    let nonce = rempart_sync::batch::batch_nonce(seed, first);
    let batch = Batch::seal_with_seen(author, &run.events, &run.seals, run.prev, nonce, seen)?;
    Ok(Some(MadeBatch {
        first,
        last,
        head: batch.header.head,
        compact: batch.compact(seen),
        bytes: batch.encode(),
        cut_seal,
    }))
}

/// How the hub took an uploaded batch.
enum Uploaded {
    /// Stored: the hub now holds the node's events up to this one.
    Stored(EventSeq),
    /// It held this batch already; it holds the node's events up to this one.
    Held(EventSeq),
    /// Refused (a fork, a revoked node, a bad batch): reported, and nothing more of that node is sent.
    Refused,
}

/// About how many events of kept batches a push reads and uploads at a time.
const KEPT_EVENTS_PER_ROUND: u64 = 8_192;

/// How much of the hub's answers a pull takes in at once unless set otherwise
/// (`Session::set_pull_group_bytes`). (Opening the next group on a second thread while one is
/// taken in was tried and measured slower, for a reason not found: BENCHMARKS.md.)
const GROUP_BYTES: usize = 64 << 20;

fn unframe(mut body: &[u8]) -> Result<Vec<&[u8]>, NodeError> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let bad = || NodeError::Hostile("the hub's answer is cut short".to_owned());
        let len = body.get(..4).ok_or_else(bad)?;
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let bytes = body.get(4..4 + len).ok_or_else(bad)?;
        out.push(bytes);
        body = &body[4 + len..];
    }
    Ok(out)
}

fn zeroizing_json<T: Serialize>(value: &T) -> zeroize::Zeroizing<Vec<u8>> {
    zeroize::Zeroizing::new(json(value))
}

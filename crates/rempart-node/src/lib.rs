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
//!
//! The modules, by subject:
//!
//! - `call`: a signed call to the hub, at a route of its API (`rempart_sync::api`);
//! - `connect`, `invite`, `enrol` (join), `restore`, `revoke`, `rechain`: the company's devices;
//! - `keys`: the data keys and recovery secret, wrapped for devices at the hub; `kit`: the
//!   recovery kit;
//! - `roster`: the roster kept up to date from the hub, and where the two part;
//! - `sync`, `pull`, `push`: one sync, and its two directions; `report`: what it did;
//! - `secrets`, `watch`, `transport`, `env`, `error`.

mod backup;
mod call;
mod connect;
mod enrol;
mod env;
mod error;
mod health;
mod invite;
mod keys;
mod kit;
mod pull;
mod push;
mod rechain;
mod report;
mod restore;
mod revoke;
mod roster;
pub mod secrets;
mod sync;
pub mod transport;
pub mod watch;

use std::cell::RefCell;
use std::collections::BTreeMap;

use rempart_log::{NodeId, SigningKey};
use rempart_store::Store;
use rempart_sync::batch::{Author, BATCH_TARGET_BYTES};
use rempart_sync::{Action, Roster};

pub use call::{RATE_WAITS_MS, hub_identity};
pub use env::{Env, system_now_ms, system_random};
pub use error::{Forgery, Hostile, Local, NodeError, RevokedWriter, Served};
pub use health::{Health, Peer, health, note_reachability, probe};
pub use invite::{invite_code, parse_invite_code};
pub use kit::Kit;
pub use report::{ForkSeen, OwnHeadDoubt, RefusedBatch, Rejected, RejectedWhy, SyncReport, Timings, Withheld};
pub use secrets::Secrets;
pub use sync::withheld_seen;
pub use transport::{Answer, Http, Transport, Unreachable, UnreachableWhy, Verb};
pub use watch::{HeldBack, NamedRoster, RosterWatch};

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
    /// A restore to a point in time: only the events stamped at or before this millisecond are
    /// taken in (`set_until`).
    until_ms: Option<u64>,
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
        let idle = rechain::lock_rechain(dir)?.try_lock().is_ok();
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
            Some(text) => serde_json::from_str(&text).map_err(|source| Local::RosterWatchUnreadable { source })?,
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
            group_bytes: pull::GROUP_BYTES,
            batch_bytes: BATCH_TARGET_BYTES,
            admission: None,
            until_ms: None,
        }
    }

    /// Who seals this node's batches now: the data key of the roster's epoch, `signing`, and the
    /// roster as this copy holds it.
    pub fn author<'a>(&'a self, signing: &'a SigningKey) -> Result<Author<'a>, NodeError> {
        let epoch = self.roster.epoch();
        let key = self.secrets.keys.get(&epoch).ok_or(Local::NoDataKey { epoch })?;
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

    /// Takes in, from now on, only the events stamped at or before `until_ms` (Unix milliseconds,
    /// their clock's wall time): a restore to a point in time. A commit's events share one wall
    /// time, so a commit is taken whole or not at all; clocks keep causality, so what is taken
    /// of one chain never names an event of another that is not taken.
    pub fn set_until(&mut self, until_ms: Option<u64>) {
        self.until_ms = until_ms;
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

    /// The secrets first: a succession they record is then never missing while its roster entry
    /// is there.
    fn save(&self, store: &Store) -> Result<(), NodeError> {
        self.secrets.save(store.dir())?;
        secrets::save_roster(store.dir(), self.roster.entries())
    }
}

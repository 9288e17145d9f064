//! What one sync did (`SyncReport`), and where the time of taking batches in went (`Timings`).

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::{HeldBack, RosterWatch};

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

/// Adds the time since `since` to a stage.
pub(crate) fn add(cell: &Cell<Duration>, since: Instant) {
    cell.set(cell.get() + since.elapsed());
}

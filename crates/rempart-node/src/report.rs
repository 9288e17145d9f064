//! What one sync did (`SyncReport`, with what it found: `RefusedBatch`, `ForkSeen`, `Withheld`,
//! `Rejected`, `OwnHeadDoubt`), and where the time of taking batches in went (`Timings`).

use std::cell::Cell;
use std::time::{Duration, Instant};

use rempart_log::{EventSeq, NodeId};
use rempart_store::{Refusal, StoreError};

use crate::{HeldBack, Hostile, RosterWatch};

/// What one sync did.
#[derive(Debug, Default)]
pub struct SyncReport {
    pub roster_entries: u64,
    pub pulled_events: u64,
    pub pushed_batches: u64,
    pub pushed_events: u64,
    /// Batches the hub already held (an upload repeated after a lost answer, or a refill).
    pub already_held: u64,
    /// Batches the hub refused, with its reason.
    pub refused: Vec<RefusedBatch>,
    /// Whether the roster had to be given back to the hub (a wiped or new hub).
    pub roster_restored: bool,
    /// Chains found with two different versions of the same events.
    pub forks: Vec<ForkSeen>,
    /// Events other nodes have seen that the hub does not serve.
    pub withheld: Vec<Withheld>,
    /// Batches the hub served that this node rejected (damaged, forged, past a revocation), by
    /// chain: that chain stops there, the others go on.
    pub rejected: Vec<Rejected>,
    /// The data directory is a copy (or was put back from a backup) and this sync confirmed this
    /// node's own head: recording may go on.
    pub own_head_confirmed: bool,
    /// The data directory is a copy whose own head this sync could not confirm, and why:
    /// recording stays refused.
    pub own_head_unconfirmed: Option<OwnHeadDoubt>,
    /// What other devices named of the roster that this device was not served.
    pub roster_watch: RosterWatch,
    /// Why nothing new was sent, if nothing was: a roster withheld or parted.
    pub held_back: Option<HeldBack>,
}

/// A batch the hub refused: its events, and the hub's answer (its status and its own message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("events {first}-{last} of node {}: {message}", node.short())]
pub struct RefusedBatch {
    pub node: NodeId,
    pub first: EventSeq,
    pub last: EventSeq,
    pub status: u16,
    /// The hub's message, as it sent it.
    pub message: String,
}

/// A chain found with two versions of its event `seq`: the hub's and this node's. When the
/// batch the hub served for that place was itself refused (`refused`), the hub's version could
/// not be checked, and that is what is told.
#[derive(Debug, thiserror::Error)]
pub struct ForkSeen {
    pub node: NodeId,
    pub seq: EventSeq,
    pub refused: Option<Hostile>,
}

impl std::fmt::Display for ForkSeen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let node = self.node.short();
        match &self.refused {
            Some(why) => write!(f, "node {node}: {why}"),
            None => write!(
                f,
                "node {node} has two different versions of its event {} (the hub's and this node's): a device was cloned or someone tampered with the hub; that chain is frozen here and both versions are kept as evidence",
                self.seq
            ),
        }
    }
}

/// Events of `node` that node `by` had seen up to `seen`, which the hub serves only up to
/// `served`.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "node {} had seen events of node {} up to {seen}, but the hub serves them only up to {served}: the hub withholds them, or lost them and no node holding them has given them back yet",
    by.short(),
    node.short()
)]
pub struct Withheld {
    pub by: NodeId,
    pub node: NodeId,
    pub seen: EventSeq,
    pub served: EventSeq,
}

/// The batches of `node`'s chain the hub served that this node did not take in, and why.
#[derive(Debug, thiserror::Error)]
#[error("node {}: {why}", node.short())]
pub struct Rejected {
    pub node: NodeId,
    pub why: RejectedWhy,
}

/// Why a chain's batches were not taken in.
#[derive(Debug, thiserror::Error)]
pub enum RejectedWhy {
    /// The hub served them wrong.
    #[error(transparent)]
    Hostile(Hostile),
    /// Their events fail the checks of the chain held here.
    #[error(transparent)]
    Refused(Refusal),
    /// This node could not take them in (its disk, a fact it cannot project).
    #[error(transparent)]
    Store(StoreError),
}

/// Why this node's own head cannot be taken as its latest, on a copy of its data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OwnHeadDoubt {
    #[error("the hub holds this node's events up to {hub}, but only {held} could be taken in")]
    HubFurther { hub: EventSeq, held: EventSeq },
    #[error(
        "node {} has seen this node's events up to {seen}, beyond the {held} held here and at the hub",
        by.short()
    )]
    SeenFurther { by: NodeId, seen: EventSeq, held: EventSeq },
    #[error("this node's own chain is forked at event {seq}")]
    Forked { seq: EventSeq },
    #[error(
        "this node's chain reached event {anchored} (its head anchor says so), which neither this copy nor the hub holds: recording now could fork it; `rempart device rechain` goes on under a new chain"
    )]
    AnchorFurther { anchored: EventSeq },
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

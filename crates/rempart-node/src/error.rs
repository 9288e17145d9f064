//! What can go wrong on the node's side of sync: `NodeError`; `Local`, what is wrong on this
//! device, and `Hostile`, what the hub served wrong; `Forgery`, how a roster served as the
//! company's shows it is not; and `NodeError::is_retryable`, whether trying again can help.

use std::path::PathBuf;

use rempart_log::{EventSeq, NodeId};
use rempart_store::StoreError;
use rempart_sync::SyncError;

use crate::{HeldBack, Unreachable};

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
    /// Something is wrong on this device: its files, its keys, or what was asked of it.
    /// The roster changed at the hub while this device was adding to it: the next sync takes the
    /// new entries first.
    #[error("the company's list of devices changed at the hub meanwhile: sync again")]
    RosterChangedMeanwhile,
    #[error(transparent)]
    Local(#[from] Local),
    /// The hub served something wrong: data that fails its checks, or another company's.
    #[error(transparent)]
    Hostile(#[from] Hostile),
}

impl NodeError {
    /// Whether `sync --watch` should try again later. Not when only a person can mend it: this
    /// device revoked, the company not connected or not admitted, its id taken, a roster that is
    /// not the company's. Everything else may pass on its own, and must not end a watch that
    /// keeps a shop's device in sync: the network, the hub's storage, a hub (or a proxy before
    /// it) serving wrong data or refusing for a while, a roster it withholds, this machine's disk
    /// (review of issue 19: one bad answer must not stop the device's sync for good).
    pub fn is_retryable(&self) -> bool {
        match self {
            NodeError::NotConnected
            | NodeError::AlreadyConnected { .. }
            | NodeError::NotAdmin
            | NodeError::InvitationClosed
            | NodeError::EnrolledDevicesRemain { .. }
            | NodeError::AdmissionRequired
            | NodeError::CompanyIdTaken
            | NodeError::KitRefused
            | NodeError::Revoked
            | NodeError::ForgedRoster(_) => false,
            NodeError::Unreachable(_)
            | NodeError::RosterChangedMeanwhile
            | NodeError::Store(_)
            | NodeError::Refused { .. }
            | NodeError::Local(_)
            | NodeError::Sync(_)
            | NodeError::WrongWrap { .. }
            | NodeError::HeldBack(_)
            | NodeError::Hostile(_) => true,
        }
    }
}

/// What is wrong on this device.
#[derive(Debug, thiserror::Error)]
pub enum Local {
    #[error("{} cannot be read: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{} is damaged: {source}", path.display())]
    Damaged { path: PathBuf, source: serde_json::Error },
    #[error("{} holds a damaged key", path.display())]
    DamagedKey { path: PathBuf },
    #[error("{} cannot be written: {source}", path.display())]
    Unwritable { path: PathBuf, source: std::io::Error },
    #[error("{} cannot be opened: {source}", path.display())]
    Unopenable { path: PathBuf, source: std::io::Error },
    #[error("the directory cannot be locked: {source}")]
    Unlockable { source: std::io::Error },
    #[error("the roster names kept in this data directory cannot be read: {source}")]
    RosterWatchUnreadable { source: serde_json::Error },
    #[error("this node lacks the data key of epoch {epoch}")]
    NoDataKey { epoch: u32 },
    #[error(
        "the batch of node {} from event {first} cannot be made again from this node's log: {source}",
        node.short()
    )]
    BatchNotRemade { node: NodeId, first: EventSeq, source: SyncError },
    #[error("this data directory records as it is: a new identity is for a copy that cannot confirm its own head")]
    NotACopy,
    #[error("this device already goes on under a new identity that the hub has not registered yet: sync first")]
    SuccessionPending,
    #[error("this device is not an active device of the company: it cannot name a successor")]
    NotActive,
    #[error("this device was revoked from the company's roster: it cannot sync any more")]
    RevokedHere,
    #[error("a device cannot revoke itself: revoke it from another admin device")]
    RevokeSelf,
    #[error("{device} is not an enrolled device of this company")]
    NotEnrolled { device: NodeId },
    #[error("this is not an invitation code of Rempart (it starts with RMP1-)")]
    NotAnInvitationCode,
    #[error(
        "\"{series}\" is not an invoice series: 1 to 3 capital letters or digits starting with a letter, such as B"
    )]
    BadSeries { series: String },
    #[error("invoice series {series} is another device's already: choose another")]
    SeriesTaken { series: String },
    #[error("no device of this company has the id {id}")]
    NoSuchDevice { id: String },
    #[error(
        "revoking an admin device renews the company's recovery kit, to be written down: do it from the command line, `rempart device revoke ID --kit-out FILE`"
    )]
    RenewsKit,
}

/// What the hub served wrong.
#[derive(Debug, thiserror::Error)]
pub enum Hostile {
    #[error("the hub's identity is not 32 hexadecimal digits")]
    HubIdentityMalformed,
    #[error("the hub sent {what} that cannot be read: {source}")]
    Unreadable { what: Served, source: serde_json::Error },
    #[error("the hub's answer is cut short")]
    AnswerCutShort,
    #[error("the hub served a batch of another company or node")]
    BatchOfAnother,
    #[error("the hub served a batch of node {}, which is not in the roster", node.short())]
    NodeNotInRoster { node: NodeId },
    #[error("the hub served events of node {} after its revocation", node.short())]
    AfterRevocation { node: NodeId },
    #[error("unusable key in the roster")]
    UnusableKey { node: NodeId },
    #[error("the hub served a batch not signed by node {}", node.short())]
    BatchNotSigned { node: NodeId },
    #[error("a batch is encrypted under key epoch {epoch}, which this node lacks")]
    EpochLacking { epoch: u32 },
    #[error("the hub served a damaged batch: {source}")]
    BatchDamaged { source: SyncError },
    #[error("the hub served a batch that fails its checks: {source}")]
    BatchRefused { source: SyncError },
    #[error("the key of epoch {epoch} served by the hub does not match the roster")]
    ServedKeyMismatch { epoch: u32 },
    #[error("the recovery secret served by the hub is not the roster's")]
    ServedRecoveryMismatch,
    #[error("the invitation's payload cannot be read")]
    InvitationUnreadable,
    #[error("the invitation is damaged")]
    InvitationDamaged,
    #[error("a key of the invitation is damaged")]
    InvitationKeyDamaged,
    #[error("the key of epoch {epoch} does not match the roster")]
    InvitationKeyMismatch { epoch: u32 },
    #[error("the hub serves the list of devices of another company")]
    OtherCompanyRoster,
    #[error("the hub's list of the company's devices goes on with an entry this node refuses: {source}")]
    RosterEntryRefused { source: SyncError },
    /// `place` counts entries from 1.
    #[error(
        "the hub's list of the company's devices parts from this node's at entry {place} and does not verify ({source}): the hub rewrote it. This node keeps its own list and does not sync with this hub"
    )]
    RosterRewritten { place: usize, source: SyncError },
    #[error(
        "the hub's list of the company's devices parts from this node's at entry {place}, and the hub's side was written by {writer}: a revoked device filled the hub again after the hub lost its storage. This node keeps its own list and does not sync with this hub; move the company to a new hub with `rempart sync --hub URL` (this node fills it), and have the old hub's operator remove the company there"
    )]
    RosterRefilled { place: usize, writer: RevokedWriter },
    #[error(
        "the hub's list of the company's devices parts from this node's at entry {place}: the hub or a device rewrote it. This node keeps its own list and does not sync with this hub"
    )]
    RosterParted { place: usize },
}

/// What the hub sent that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Served {
    #[error("its identity")]
    Identity,
    #[error("a key wrap")]
    Wrap,
    #[error("a roster")]
    Roster,
    #[error("roster entries")]
    RosterEntries,
    #[error("an invitation")]
    Invitation,
    #[error("heads")]
    Heads,
}

/// Who wrote the hub's side of a roster parted from this node's, when this node's side revoked
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RevokedWriter {
    /// A device this node's list revoked, or one enrolled through its invitations.
    #[error("device {}, which this node's list revoked", .0.short())]
    Device(NodeId),
    #[error("the recovery kit that this node's list replaced when it revoked an admin device")]
    ReplacedKit,
}

/// A hub's refusal to admit a company without a token, as its own kind.
pub(crate) fn admission_error(error: NodeError) -> NodeError {
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

#[cfg(test)]
mod tests {
    use rempart_log::Hash32;
    use rempart_sync::{BatchError, RosterMark};

    use super::*;
    use crate::{NamedRoster, UnreachableWhy};

    fn refused(status: u16) -> NodeError {
        NodeError::Refused { status, reason: String::new(), message: String::new() }
    }

    #[test]
    fn only_what_may_pass_later_is_retried() {
        let node = NodeId::from_bytes([1; 16]);
        let named = NamedRoster { by: node, mark: RosterMark { len: 3, head: Hash32([2; 32]) }, epoch: 1 };
        let io = || std::io::Error::other("disk full");
        let network = Unreachable {
            hub: "https://hub.example".to_owned(),
            reason: UnreachableWhy::Network(ureq::Error::Io(io())),
        };
        let retried = [
            NodeError::RosterChangedMeanwhile,
            NodeError::Unreachable(network),
            refused(500),
            refused(503),
            refused(507),
            refused(429),
            refused(409),
            refused(408),
            refused(401),
            NodeError::Store(StoreError::KeyMismatch),
            Local::Unwritable { path: PathBuf::from("sync.key"), source: io() }.into(),
            Local::Unlockable { source: io() }.into(),
            // A hub, or a proxy before it, serving wrong data or refusing for a while.
            NodeError::HeldBack(HeldBack::Parted { named }),
            NodeError::Hostile(Hostile::BatchOfAnother),
            NodeError::Hostile(Hostile::RosterParted { place: 3 }),
            NodeError::WrongWrap { asked: "e2-recovery-g1".to_owned(), served: "e1-recovery-g1".to_owned() },
            NodeError::Sync(BatchError::NotABatch.into()),
            Local::NoDataKey { epoch: 2 }.into(),
            refused(400),
            refused(403),
            refused(404),
            refused(413),
        ];
        for error in &retried {
            assert!(error.is_retryable(), "{error:?}");
        }
        let stopped = [
            NodeError::Revoked,
            NodeError::ForgedRoster(Forgery::OtherGenesis),
            NodeError::AdmissionRequired,
            NodeError::CompanyIdTaken,
            NodeError::NotConnected,
            NodeError::NotAdmin,
            NodeError::KitRefused,
            NodeError::InvitationClosed,
        ];
        for error in &stopped {
            assert!(!error.is_retryable(), "{error:?}");
        }
    }
}

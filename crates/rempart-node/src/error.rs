//! What can go wrong on the node's side of sync: `NodeError`, and `Forgery`, how a roster served
//! as the company's shows it is not.

use rempart_log::NodeId;
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
    #[error("{0}")]
    Local(String),
    #[error("{0}")]
    Hostile(String),
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

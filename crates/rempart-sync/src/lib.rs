//! The sync protocol of Rempart, pure: no I/O, no clock, no randomness (keys, nonces and times come
//! in as arguments), so the hub, the node and the deterministic simulation share one definition.
//!
//! - `keys`: the tenant's data keys per epoch and how they are wrapped for devices (X25519), for
//!   the recovery kit (24 words); one-time invitations.
//! - `roster`: the signed chain of the tenant's devices, their keys and roles.
//! - `batch`: a run of one node's events, encrypted (XChaCha20-Poly1305, padded) behind a clear,
//!   signed header that the hub checks without the key.
//! - `checkpoint`: a node's whole database at a cut, encrypted and signed, to restore from.
//! - `vv`: version vectors, to tell what each side lacks and to catch forks and lying hubs.
//! - `api`: the hub's endpoints (`Route`: target written by the node, parsed by the hub) and
//!   the bodies both sides exchange.
//! - `auth`: signed requests (time, nonce, body hash), so no bearer secret travels or is stored.

pub mod api;
pub mod auth;
pub mod batch;
pub mod checkpoint;
pub mod keys;
pub mod roster;
pub mod vv;

pub use auth::{AuthError, Call, HubId, RequestAuth, RequestSigner};
pub use batch::{Batch, BatchError, Contents, Header, Inside};
pub use keys::{
    DataKey, InviteSecret, KeyError, KitError, Recipient, RecoverySecret, SealedInvite, Wrap, WrapEntropy, WrapSecret,
    Wrapped,
};
pub use roster::{
    Action, Body, DeviceKeys, Entry, Member, Named, Proven, ROSTER_FORMAT, Role, Roster, RosterError, RosterMark,
    Signer,
};
pub use vv::{Head, Standing, VersionVector};

/// What the sync protocol refuses, by subject, each with the data its message needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("recovery kit: {0}")]
    Kit(#[from] KitError),
    #[error("roster: {0}")]
    Roster(RosterError),
    #[error("batch: {0}")]
    Batch(#[from] BatchError),
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] checkpoint::CheckpointError),
    #[error(transparent)]
    Auth(#[from] AuthError),
}

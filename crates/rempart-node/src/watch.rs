//! The roster other devices name: every batch's signed header names its author's roster as the
//! author held it (length and head, `RosterMark`) and the key epoch it was encrypted under. A hub
//! that hides a revocation from this node (serves it the roster without its last entries) must
//! also withhold every batch written since by the devices that know of it, and cannot change what
//! they name: the node compares each name with its own copy, asks the roster again, says what it
//! was not served (sync and status), and sends nothing new until it is served, since a hidden
//! revocation is exactly what would leave the revoked device able to read it.

use rempart_log::NodeId;
use rempart_sync::{Named, Roster, RosterMark};
use serde::{Deserialize, Serialize};

/// A roster a device named in a batch it signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedRoster {
    /// The device that signed the batch.
    pub by: NodeId,
    pub mark: RosterMark,
    /// The key epoch of the batch.
    pub epoch: u32,
}

/// What this node has seen named of the roster that its own copy does not hold. Kept in the
/// data directory (`sync_settings`, `roster_watch`) until the copy holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterWatch {
    /// The longest roster named that is longer than this copy: entries the hub has not served.
    pub ahead: Option<NamedRoster>,
    /// A roster named that parted from this copy: one of the two is not the company's (a hub
    /// serving different rosters to different devices).
    pub parted: Option<NamedRoster>,
}

/// Why this node must not send anything new now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeldBack {
    /// A device named a longer roster than the hub serves this node, asked twice: the hub
    /// withholds entries (a revocation, perhaps).
    #[error(
        "device {} holds {} entries of the roster (key epoch {}); the hub serves this device {} (epoch {}): it withholds the rest, a revocation perhaps, so nothing new is sent until it serves them",
        named.by.short(), named.mark.len, named.epoch, held_len, held_epoch
    )]
    Withheld { named: NamedRoster, held_len: u64, held_epoch: u32 },
    /// A device named a roster parted from this node's copy.
    #[error(
        "device {} holds another roster than this device's at its entry {}: the hub serves different rosters, and one is not the company's; nothing new is sent",
        named.by.short(), named.mark.len
    )]
    Parted { named: NamedRoster },
}

impl RosterWatch {
    /// Notes the roster a batch names, against this node's copy. Only an active device's word
    /// counts: a device this copy knows revoked named nothing that matters since (its batches
    /// before its revocation name rosters this copy holds), and could otherwise name anything.
    pub fn note(&mut self, roster: &Roster, named: NamedRoster) {
        if !roster.is_active(named.by) {
            return;
        }
        match roster.compare(&named.mark) {
            Named::Held => {}
            Named::Ahead => {
                if self.ahead.is_none_or(|ahead| named.mark.len > ahead.mark.len) {
                    self.ahead = Some(named);
                }
            }
            Named::Parted => {
                if self.parted.is_none() {
                    self.parted = Some(named);
                }
            }
        }
    }

    /// Forgets what this node's copy now holds (the hub served it since), and what devices since
    /// revoked named (a member can name any roster in its batches: the others hold back until an
    /// admin revokes it); a roster that was ahead and parted from the copy the hub served since
    /// stays named, as parted.
    pub fn settle(&mut self, roster: &Roster) {
        let revoked = |named: &NamedRoster| !roster.is_active(named.by);
        if self.ahead.as_ref().is_some_and(revoked) {
            self.ahead = None;
        }
        if self.parted.as_ref().is_some_and(revoked) {
            self.parted = None;
        }
        if let Some(ahead) = self.ahead {
            match roster.compare(&ahead.mark) {
                Named::Held => self.ahead = None,
                Named::Ahead => {}
                Named::Parted => {
                    self.ahead = None;
                    self.parted.get_or_insert(ahead);
                }
            }
        }
    }

    /// Whether new data must wait: a roster parted from this copy was named, or a longer one the
    /// hub did not serve when asked again (an honest hub holds every entry before the batches
    /// that name it: devices give the hub their entries first).
    pub fn held_back(&self, roster: &Roster) -> Option<HeldBack> {
        if let Some(named) = self.parted {
            return Some(HeldBack::Parted { named });
        }
        self.ahead.map(|named| HeldBack::Withheld { named, held_len: roster.len(), held_epoch: roster.epoch() })
    }

    pub fn is_empty(&self) -> bool {
        self.ahead.is_none() && self.parted.is_none()
    }
}

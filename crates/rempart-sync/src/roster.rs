//! The roster: the signed chain of who belongs to a tenant.
//!
//! Each entry is a JSON body (tenant, position, hash of the previous entry, time, action), kept as
//! the exact bytes that were signed. Power only passes from a key that holds it to a key that
//! proves it takes it:
//! - every entry is signed by a key that holds the power to write it at that point: an admin
//!   device that is enrolled and not revoked, the current recovery key, the device itself for its
//!   successor, or, for a join, the key of the one-time invitation an admin published before it;
//! - every entry that gives power to a key carries that key's own signature of the same body (a
//!   proof of possession, under a context of its own): the genesis for its device and its
//!   recovery key, an added, joining or succeeding device for its key, a revocation for the new
//!   recovery key it names. A hub cannot name a key it does not hold, such as a company's public
//!   recovery key, as one of its own roster's keys;
//! - revoking an admin device (which held the recovery secret) names a new recovery key, or the
//!   entry is refused: the roster rules, not only the program that writes entries, require it.
//!
//! The hub checks batches against the roster without decrypting anything; nodes check it again
//! from the genesis, whose hash the recovery kit names.

use std::collections::BTreeMap;

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rempart_log::{EventSeq, Hash32, NodeId, TenantId};
use serde::{Deserialize, Serialize};

use crate::SyncError;

const ENTRY_SIGN_CONTEXT: &[u8] = b"rempart roster entry v1\0";
const PROOF_SIGN_CONTEXT: &[u8] = b"rempart roster proof of possession v2\0";
const ENTRY_HASH_CONTEXT: &str = "rempart 2026-12 roster entry hash v2";
/// The layout of roster entries: 2 since every entry that gives power carries proofs of
/// possession. Entries of layout 1 have none and are refused (`RosterError::WithoutProof`).
pub const ROSTER_FORMAT: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Enrols and revokes devices, holds the recovery secret.
    Admin,
    /// Reads and writes the books.
    Member,
}

/// A device's public keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceKeys {
    /// Ed25519: seals its chain, signs its batches and its requests.
    #[serde(with = "hex")]
    pub sign: [u8; 32],
    /// X25519: receives wrapped keys.
    #[serde(with = "hex")]
    pub wrap: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    Genesis {
        device: NodeId,
        keys: DeviceKeys,
        /// The recovery kit's public keys.
        recovery: DeviceKeys,
        key_commitment: Hash32,
    },
    Invite {
        invite: Hash32,
        #[serde(with = "hex")]
        invite_key: [u8; 32],
        role: Role,
        expires_ms: u64,
        /// The invoice-number prefix the owner chose for the device it invites (`2026-B-0001`),
        /// unique in the company: the roster, one chain every device checks, reserves it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        series: Option<String>,
    },
    Join {
        invite: Hash32,
        device: NodeId,
        keys: DeviceKeys,
    },
    /// An admin enrols a device directly (for example a new chain of a restored device).
    Add {
        device: NodeId,
        keys: DeviceKeys,
        role: Role,
    },
    /// A device goes on under a new identity, signed by the device itself: a copy of its data
    /// put back from a backup starts a new chain rather than risk forking the old one, which
    /// may go further elsewhere. The successor has the same role; the old identity stays
    /// enrolled (what it wrote stays valid) until an admin revokes it.
    Succeed {
        from: NodeId,
        device: NodeId,
        keys: DeviceKeys,
    },
    /// Removes a device: its batches up to `upto_seq` stay valid, later ones are refused, and data
    /// written from now on uses the new key epoch.
    Revoke {
        device: NodeId,
        upto_seq: u64,
        epoch: u32,
        key_commitment: Hash32,
        /// A new recovery key, required when the revoked device (or a successor going with it)
        /// is an admin, which held the recovery secret: the old kit opens nothing written from
        /// now on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recovery: Option<DeviceKeys>,
        /// The devices it named as successors, one after the other, still active, each with the
        /// last of its events that stays valid: they go with it, or a stolen key's successor
        /// would outlive the revocation.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        successors: Vec<(NodeId, u64)>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    pub tenant: TenantId,
    pub seq: u64,
    pub prev: Hash32,
    pub at_ms: u64,
    #[serde(flatten)]
    pub action: Action,
}

/// Who signed an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Signer {
    Device(NodeId),
    Invite(Hash32),
    /// The recovery key (whoever holds the kit): it may do what an admin does, for instance
    /// enrol the device that replaces a lost one.
    Recovery,
}

/// A key an entry gives power to, which must sign the entry too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proven {
    Device(NodeId),
    Recovery,
}

impl std::fmt::Display for Proven {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Proven::Device(device) => write!(f, "device {device}"),
            Proven::Recovery => f.write_str("the recovery key"),
        }
    }
}

/// Why a roster entry is refused. `position` is the entry's place in the roster, from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("the roster is empty")]
    Empty,
    #[error("roster entry {position} cannot be read")]
    Unreadable { position: u64 },
    #[error("the roster's first entry is not its genesis")]
    FirstNotGenesis,
    #[error("roster entry {position} belongs to another company")]
    OtherTenant { position: u64 },
    #[error("roster entry {position} does not follow the entry before it")]
    OutOfPlace { position: u64 },
    #[error("roster entry {position} is a second genesis")]
    SecondGenesis { position: u64 },
    #[error("roster entry {position} has the wrong signer for what it does")]
    WrongSigner { position: u64 },
    #[error("roster entry {position} is signed by {signer}, not an active admin")]
    NotActiveAdmin { position: u64, signer: NodeId },
    #[error("roster entry {position} is signed by {signer}, not an active device")]
    NotActiveDevice { position: u64, signer: NodeId },
    #[error("the signature of roster entry {position} does not verify")]
    BadSignature { position: u64 },
    #[error(
        "roster entry {position} gives power to {of} without its proof of possession: it was forged, or written before roster format 2 (see SECURITY.md, \"Companies connected before roster format 2\")"
    )]
    WithoutProof { position: u64, of: Proven },
    #[error("the proof of possession of {of} on roster entry {position} does not verify")]
    BadProof { position: u64, of: Proven },
    #[error("roster entry {position} names a key that is not a valid Ed25519 key")]
    InvalidKey { position: u64 },
    #[error("roster entry {position} joins with an unknown invitation")]
    UnknownInvitation { position: u64 },
    #[error("roster entry {position} reuses an invitation")]
    InvitationReused { position: u64 },
    #[error("roster entry {position} joins with an expired invitation")]
    InvitationExpired { position: u64 },
    #[error("roster entry {position} repeats an invitation")]
    InvitationRepeated { position: u64 },
    #[error("roster entry {position} opens an invitation for too long")]
    InvitationTooLong { position: u64 },
    #[error("roster entry {position} enrols device {device} twice")]
    EnrolledTwice { position: u64, device: NodeId },
    #[error("roster entry {position} enrols device {device}, whose short id is device {other}'s")]
    ShortIdTaken { position: u64, device: NodeId, other: NodeId },
    #[error("roster entry {position}: device {device} has a successor already")]
    SuccessorAlready { position: u64, device: NodeId },
    #[error("roster entry {position} does not revoke with device {device} the successors it named")]
    SuccessorsLeftOut { position: u64, device: NodeId },
    #[error("roster entry {position} skips a key epoch")]
    EpochSkipped { position: u64 },
    #[error("roster entry {position} revokes no active device")]
    RevokesNoActiveDevice { position: u64 },
    #[error(
        "roster entry {position} revokes admin device {device} without a new recovery key: the recovery secret it held would stay valid"
    )]
    AdminRevokedWithoutNewRecovery { position: u64, device: NodeId },
    #[error("roster entry {position} is dated before the entry it follows, or a join before its invitation")]
    BackInTime { position: u64 },
    #[error(
        "roster entry {position} gives power to a key the roster already gave (a device's, an invitation's, a recovery key's)"
    )]
    KeyReused { position: u64 },
    #[error(
        "roster entry {position} names an invoice series that is not 1 to 3 capital letters or digits starting with a letter"
    )]
    BadSeries { position: u64 },
    #[error("roster entry {position} reserves invoice series {series}, which an earlier invitation reserved")]
    SeriesTaken { position: u64, series: String },
}

/// The longest invoice-series prefix a device may be given.
pub const SERIES_CHARS_MAX: usize = 3;

/// Whether `series` may prefix a device's invoice numbers: 1 to 3 capital letters or digits,
/// the first a letter (so `2026-B-0001` never reads as a date or a sequence).
pub fn series_valid(series: &str) -> bool {
    let mut chars = series.chars();
    chars.next().is_some_and(|first| first.is_ascii_uppercase())
        && series.len() <= SERIES_CHARS_MAX
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl From<RosterError> for SyncError {
    fn from(error: RosterError) -> SyncError {
        SyncError::Roster(error)
    }
}

/// One signed entry, as stored and shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The body's JSON, exactly as signed.
    pub body: String,
    pub signer: Signer,
    #[serde(with = "hex")]
    pub signature: [u8; 64],
    /// The proof of possession of the device key the entry enrols (add, join, succeed).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_sig")]
    pub device_proof: Option<[u8; 64]>,
    /// The proof of possession of the recovery key the entry names (genesis, revocation of an
    /// admin).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_sig")]
    pub recovery_proof: Option<[u8; 64]>,
}

mod opt_sig {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<[u8; 64]>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => serializer.serialize_str(&hex::encode(bytes)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<[u8; 64]>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        text.map(|text| {
            let mut out = [0u8; 64];
            hex::decode_to_slice(&text, &mut out).map_err(serde::de::Error::custom)?;
            Ok(out)
        })
        .transpose()
    }
}

fn message(context: &[u8], body: &str) -> Vec<u8> {
    let mut message = context.to_vec();
    message.extend_from_slice(body.as_bytes());
    message
}

impl Entry {
    /// Signs `body` with `key` on behalf of `signer`.
    pub fn sign(body: &Body, signer: Signer, key: &SigningKey) -> Entry {
        // Serializing a plain struct of strings and integers to a string cannot fail; an empty
        // body must never be signed, so a failure stops here.
        let body = serde_json::to_string(body).expect("a roster entry's body serialises");
        let signature = key.sign(&message(ENTRY_SIGN_CONTEXT, &body)).to_bytes();
        Entry { body, signer, signature, device_proof: None, recovery_proof: None }
    }

    /// Adds the proof that the holder of the device key the entry enrols takes it.
    pub fn proven_by_device(mut self, key: &SigningKey) -> Entry {
        self.device_proof = Some(key.sign(&message(PROOF_SIGN_CONTEXT, &self.body)).to_bytes());
        self
    }

    /// Adds the proof that the holder of the recovery key the entry names takes it.
    pub fn proven_by_recovery(mut self, key: &SigningKey) -> Entry {
        self.recovery_proof = Some(key.sign(&message(PROOF_SIGN_CONTEXT, &self.body)).to_bytes());
        self
    }

    /// The genesis entry, signed by the first device, with the proofs of its key and of the
    /// recovery key.
    pub fn genesis(body: &Body, device: NodeId, key: &SigningKey, recovery: &SigningKey) -> Entry {
        Entry::sign(body, Signer::Device(device), key).proven_by_device(key).proven_by_recovery(recovery)
    }

    /// Covers everything shipped: the body, the signer, the signature and the proofs.
    pub fn hash(&self) -> Hash32 {
        let mut hasher = blake3::Hasher::new_derive_key(ENTRY_HASH_CONTEXT);
        hasher.update(&(self.body.len() as u64).to_be_bytes());
        hasher.update(self.body.as_bytes());
        match self.signer {
            Signer::Device(node) => hasher.update(&[1]).update(node.as_bytes()),
            Signer::Invite(id) => hasher.update(&[2]).update(&id.0),
            Signer::Recovery => hasher.update(&[3]),
        };
        hasher.update(&self.signature);
        for proof in [&self.device_proof, &self.recovery_proof] {
            match proof {
                Some(bytes) => hasher.update(&[1]).update(bytes),
                None => hasher.update(&[0]),
            };
        }
        Hash32(*hasher.finalize().as_bytes())
    }

    /// The body, read back; `position` names the entry in the error.
    pub fn parse_body_at(&self, position: u64) -> Result<Body, RosterError> {
        serde_json::from_str(&self.body).map_err(|_| RosterError::Unreadable { position })
    }

    pub fn parse_body(&self) -> Result<Body, SyncError> {
        self.parse_body_at(0).map_err(SyncError::from)
    }

    fn check_proof(&self, position: u64, of: Proven, key: &[u8; 32]) -> Result<(), RosterError> {
        let proof = match of {
            Proven::Device(_) => self.device_proof,
            Proven::Recovery => self.recovery_proof,
        };
        let proof = proof.ok_or(RosterError::WithoutProof { position, of })?;
        verify(key, &message(PROOF_SIGN_CONTEXT, &self.body), &proof, position)
            .map_err(|_| RosterError::BadProof { position, of })
    }

    fn check_signature(&self, position: u64, key: &[u8; 32]) -> Result<(), RosterError> {
        verify(key, &message(ENTRY_SIGN_CONTEXT, &self.body), &self.signature, position)
    }

    /// Refuses a proof the entry has no key for: what is shipped is exactly what is checked.
    fn no_proof_beyond(&self, position: u64, device: bool, recovery: bool) -> Result<(), RosterError> {
        if (self.device_proof.is_some() && !device) || (self.recovery_proof.is_some() && !recovery) {
            return Err(RosterError::WrongSigner { position });
        }
        Ok(())
    }
}

/// A device as the roster knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub keys: DeviceKeys,
    pub role: Role,
    /// Set once revoked: the last sequence number of its chain that stays valid.
    pub revoked_after: Option<u64>,
    /// The device that enrolled it (the admin that added it, published its invitation, or that
    /// it succeeds); none for the genesis and for what the recovery key enrolled.
    pub enrolled_by: Option<NodeId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Invitation {
    key: [u8; 32],
    /// When the entry that opened it was written.
    published_ms: u64,
    role: Role,
    expires_ms: u64,
    used: bool,
    /// The admin device that published it (none for the recovery key): revoking it closes it.
    issuer: Option<NodeId>,
    /// The invoice series it reserves for the device that joins with it.
    series: Option<String>,
}

/// A roster as some device held it: its length and the hash of its last entry. Batch headers
/// and recovery kits carry one, so that a hub serving less of the roster than a device held
/// (a revocation hidden) is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RosterMark {
    pub len: u64,
    pub head: Hash32,
}

/// How a named roster stands against a copy of it (`Roster::compare`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// The copy holds it: the same entry at that length.
    Held,
    /// It is longer than the copy: entries the copy was not served.
    Ahead,
    /// The copy holds another entry at that length (or it names none): the two have parted.
    Parted,
}

/// The longest an invitation may stay open.
pub const INVITATION_MS_MAX: u64 = 31 * 24 * 3600 * 1000;

/// The state a verified roster describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    tenant: TenantId,
    genesis: Hash32,
    /// The device of the genesis entry: the one that created the company.
    founder: NodeId,
    head: Hash32,
    len: u64,
    recovery: DeviceKeys,
    recovery_generation: u32,
    members: BTreeMap<NodeId, Member>,
    invitations: BTreeMap<Hash32, Invitation>,
    commitments: BTreeMap<u32, Hash32>,
    /// Devices that named a successor: device -> successor (once each).
    successors: BTreeMap<NodeId, NodeId>,
    /// Invoice series reserved by invitations, each once: series -> invitation.
    series: BTreeMap<String, Hash32>,
    /// The invoice series of each device that joined with an invitation reserving one.
    device_series: BTreeMap<NodeId, String>,
    /// Recovery keys the company had before the current one.
    recoveries_held: Vec<[u8; 32]>,
    /// When the last entry was written: entries never go back in time.
    last_at_ms: u64,
    entries: Vec<Entry>,
}

fn verifying_key(bytes: &[u8; 32], position: u64) -> Result<VerifyingKey, RosterError> {
    VerifyingKey::from_bytes(bytes).map_err(|_| RosterError::InvalidKey { position })
}

fn verify(key: &[u8; 32], message: &[u8], signature: &[u8; 64], position: u64) -> Result<(), RosterError> {
    let signature = ed25519_dalek::Signature::from_bytes(signature);
    verifying_key(key, position)?.verify_strict(message, &signature).map_err(|_| RosterError::BadSignature { position })
}

impl Roster {
    /// Verifies a whole roster from its first entry.
    pub fn from_entries(tenant: TenantId, entries: &[Entry]) -> Result<Roster, SyncError> {
        let (first, rest) = entries.split_first().ok_or(RosterError::Empty)?;
        let mut roster = Roster::start(tenant, first)?;
        for entry in rest {
            roster.apply(entry.clone())?;
        }
        Ok(roster)
    }

    fn start(tenant: TenantId, entry: &Entry) -> Result<Roster, RosterError> {
        let body = entry.parse_body_at(1)?;
        let Action::Genesis { device, keys, recovery, key_commitment } = body.action else {
            return Err(RosterError::FirstNotGenesis);
        };
        if body.tenant != tenant {
            return Err(RosterError::OtherTenant { position: 1 });
        }
        if body.seq != 1 || body.prev != Hash32::ZERO {
            return Err(RosterError::OutOfPlace { position: 1 });
        }
        if entry.signer != Signer::Device(device) {
            return Err(RosterError::WrongSigner { position: 1 });
        }
        entry.check_signature(1, &keys.sign)?;
        entry.check_proof(1, Proven::Device(device), &keys.sign)?;
        entry.check_proof(1, Proven::Recovery, &recovery.sign)?;
        let hash = entry.hash();
        Ok(Roster {
            tenant,
            genesis: hash,
            founder: device,
            head: hash,
            len: 1,
            recovery,
            recovery_generation: 1,
            members: BTreeMap::from([(
                device,
                Member { keys, role: Role::Admin, revoked_after: None, enrolled_by: None },
            )]),
            invitations: BTreeMap::new(),
            commitments: BTreeMap::from([(1, key_commitment)]),
            successors: BTreeMap::new(),
            series: BTreeMap::new(),
            device_series: BTreeMap::new(),
            recoveries_held: Vec::new(),
            last_at_ms: body.at_ms,
            entries: vec![entry.clone()],
        })
    }

    /// Verifies and appends the next entry; a refused entry leaves the roster as it was.
    pub fn append(&mut self, entry: Entry) -> Result<(), SyncError> {
        let mut next = self.clone();
        next.apply(entry)?;
        *self = next;
        Ok(())
    }

    /// Verifies and applies the next entry; on error, the roster is to be dropped.
    fn apply(&mut self, entry: Entry) -> Result<(), RosterError> {
        let position = self.len + 1;
        let body = entry.parse_body_at(position)?;
        if body.tenant != self.tenant {
            return Err(RosterError::OtherTenant { position });
        }
        if body.seq != position || body.prev != self.head {
            return Err(RosterError::OutOfPlace { position });
        }
        if body.at_ms < self.last_at_ms {
            return Err(RosterError::BackInTime { position });
        }
        match (&body.action, entry.signer) {
            (Action::Genesis { .. }, _) => return Err(RosterError::SecondGenesis { position }),
            (Action::Join { invite, device, keys }, Signer::Invite(signer)) if signer == *invite => {
                let invitation = self.invitations.get(invite).ok_or(RosterError::UnknownInvitation { position })?;
                if invitation.used {
                    return Err(RosterError::InvitationReused { position });
                }
                if body.at_ms > invitation.expires_ms {
                    return Err(RosterError::InvitationExpired { position });
                }
                entry.check_signature(position, &invitation.key)?;
                entry.check_proof(position, Proven::Device(*device), &keys.sign)?;
                entry.no_proof_beyond(position, true, false)?;
                self.check_new_device(position, *device)?;
                // Joined no earlier than the invitation was published.
                if body.at_ms < invitation.published_ms {
                    return Err(RosterError::BackInTime { position });
                }
                self.check_new_keys(position, keys)?;
                let (role, enrolled_by) = (invitation.role, invitation.issuer);
                if let Some(series) = &invitation.series {
                    self.device_series.insert(*device, series.clone());
                }
                if let Some(invitation) = self.invitations.get_mut(invite) {
                    invitation.used = true;
                }
                self.members.insert(*device, Member { keys: *keys, role, revoked_after: None, enrolled_by });
            }
            (Action::Succeed { from, device, keys }, Signer::Device(signer)) if signer == *from => {
                let member = self
                    .members
                    .get(from)
                    .filter(|m| m.revoked_after.is_none())
                    .ok_or(RosterError::NotActiveDevice { position, signer })?;
                entry.check_signature(position, &member.keys.sign)?;
                entry.check_proof(position, Proven::Device(*device), &keys.sign)?;
                entry.no_proof_beyond(position, true, false)?;
                self.check_new_device(position, *device)?;
                // Once: a stolen key could otherwise spread into successors faster than admins
                // revoke them.
                if self.successors.contains_key(from) {
                    return Err(RosterError::SuccessorAlready { position, device: *from });
                }
                let role = member.role;
                self.check_new_keys(position, keys)?;
                self.members
                    .insert(*device, Member { keys: *keys, role, revoked_after: None, enrolled_by: Some(*from) });
                self.successors.insert(*from, *device);
            }
            (action, Signer::Device(signer)) => {
                let admin = self.members.get(&signer).filter(|m| m.role == Role::Admin && m.revoked_after.is_none());
                let admin = admin.ok_or(RosterError::NotActiveAdmin { position, signer })?;
                entry.check_signature(position, &admin.keys.sign)?;
                self.apply_admin_action(position, &entry, action, Some(signer), body.at_ms)?;
            }
            (action, Signer::Recovery) => {
                entry.check_signature(position, &self.recovery.sign)?;
                self.apply_admin_action(position, &entry, action, None, body.at_ms)?;
            }
            (_, Signer::Invite(_)) => return Err(RosterError::WrongSigner { position }),
        }
        self.head = entry.hash();
        self.len = position;
        self.last_at_ms = body.at_ms;
        self.entries.push(entry);
        Ok(())
    }

    /// Whether a signing key is already given power here: a member's, the recovery key's, an
    /// invitation's. Two identities sharing a key could stand for each other.
    fn uses_key(&self, key: &[u8; 32]) -> bool {
        self.members.values().any(|m| &m.keys.sign == key)
            || &self.recovery.sign == key
            || self.invitations.values().any(|i| &i.key == key)
    }

    /// A new device's id: not a member's, nor sharing its short form (its first 4 bytes, which
    /// name its journal and invoice series, `OD 3fa2c1d0-12`) with a member's: a device that
    /// chose its id to share another's short one could number in that device's series.
    fn check_new_device(&self, position: u64, device: NodeId) -> Result<(), RosterError> {
        if self.members.contains_key(&device) {
            return Err(RosterError::EnrolledTwice { position, device });
        }
        if let Some(other) = self.members.keys().find(|member| member.short() == device.short()) {
            return Err(RosterError::ShortIdTaken { position, device, other: *other });
        }
        Ok(())
    }

    /// A new device's keys: a signing key no one holds here yet, and an X25519 key that can
    /// receive a wrap (a low-order key would make every wrap for it fail).
    fn check_new_keys(&self, position: u64, keys: &DeviceKeys) -> Result<(), RosterError> {
        if self.uses_key(&keys.sign) {
            return Err(RosterError::KeyReused { position });
        }
        let probe = x25519_dalek::StaticSecret::from([0x5a; 32]);
        if !probe.diffie_hellman(&x25519_dalek::PublicKey::from(keys.wrap)).was_contributory() {
            return Err(RosterError::InvalidKey { position });
        }
        Ok(())
    }

    /// When the last entry was written, by the clock of the device that wrote it.
    pub fn last_at_ms(&self) -> u64 {
        self.last_at_ms
    }

    /// The active devices that `device` enrolled, directly or through the devices it enrolled:
    /// revoking a stolen device leaves them standing unless they are revoked too.
    pub fn enrolled_through(&self, device: NodeId) -> Vec<NodeId> {
        let mut found = Vec::new();
        let mut frontier = vec![device];
        while let Some(at) = frontier.pop() {
            for (id, member) in &self.members {
                if member.enrolled_by == Some(at) && !found.contains(id) && *id != device {
                    frontier.push(*id);
                    if member.revoked_after.is_none() {
                        found.push(*id);
                    }
                }
            }
        }
        found
    }

    fn apply_admin_action(
        &mut self,
        position: u64,
        entry: &Entry,
        action: &Action,
        signer: Option<NodeId>,
        at_ms: u64,
    ) -> Result<(), RosterError> {
        match action {
            Action::Invite { invite, invite_key, role, expires_ms, series } => {
                entry.no_proof_beyond(position, false, false)?;
                verifying_key(invite_key, position)?;
                if self.invitations.contains_key(invite) {
                    return Err(RosterError::InvitationRepeated { position });
                }
                if let Some(series) = series {
                    if !series_valid(series) {
                        return Err(RosterError::BadSeries { position });
                    }
                    if self.series.contains_key(series) {
                        return Err(RosterError::SeriesTaken { position, series: series.clone() });
                    }
                }
                if *expires_ms > at_ms.saturating_add(INVITATION_MS_MAX) {
                    return Err(RosterError::InvitationTooLong { position });
                }
                if self.uses_key(invite_key) {
                    return Err(RosterError::KeyReused { position });
                }
                self.invitations.insert(
                    *invite,
                    Invitation {
                        key: *invite_key,
                        published_ms: at_ms,
                        role: *role,
                        expires_ms: *expires_ms,
                        used: false,
                        issuer: signer,
                        series: series.clone(),
                    },
                );
                if let Some(series) = series {
                    self.series.insert(series.clone(), *invite);
                }
            }
            Action::Add { device, keys, role } => {
                entry.check_proof(position, Proven::Device(*device), &keys.sign)?;
                entry.no_proof_beyond(position, true, false)?;
                self.check_new_device(position, *device)?;
                self.check_new_keys(position, keys)?;
                let enrolled_by = signer;
                self.members.insert(*device, Member { keys: *keys, role: *role, revoked_after: None, enrolled_by });
            }
            Action::Revoke { device, upto_seq, epoch, key_commitment, recovery, successors } => {
                if successors.iter().map(|(d, _)| *d).collect::<Vec<_>>() != self.active_successors(*device) {
                    return Err(RosterError::SuccessorsLeftOut { position, device: *device });
                }
                if *epoch != self.epoch().saturating_add(1) {
                    return Err(RosterError::EpochSkipped { position });
                }
                if !self.is_active(*device) {
                    return Err(RosterError::RevokesNoActiveDevice { position });
                }
                // The successors named are the active ones (checked above).
                let gone: Vec<NodeId> = std::iter::once(*device).chain(successors.iter().map(|(d, _)| *d)).collect();
                let admin_gone = self.revoking_renews_recovery(*device);
                match recovery {
                    Some(recovery) => {
                        entry.check_proof(position, Proven::Recovery, &recovery.sign)?;
                        if self.recoveries_held.contains(&recovery.sign) || self.uses_key(&recovery.sign) {
                            return Err(RosterError::KeyReused { position });
                        }
                    }
                    None if admin_gone => {
                        return Err(RosterError::AdminRevokedWithoutNewRecovery { position, device: *device });
                    }
                    None => {}
                }
                entry.no_proof_beyond(position, false, recovery.is_some())?;
                for (gone_device, upto) in std::iter::once((*device, *upto_seq)).chain(successors.iter().copied()) {
                    if let Some(member) = self.members.get_mut(&gone_device) {
                        member.revoked_after = Some(upto);
                    }
                }
                self.commitments.insert(*epoch, *key_commitment);
                // A revoked device cannot come back through an invitation it published; a new
                // recovery key closes every open invitation (one the old recovery key published,
                // which the revoked admin held, included).
                for invitation in self.invitations.values_mut() {
                    if recovery.is_some() || invitation.issuer.is_some_and(|issuer| gone.contains(&issuer)) {
                        invitation.used = true;
                    }
                }
                if let Some(recovery) = recovery {
                    self.recoveries_held.push(self.recovery.sign);
                    self.recovery = *recovery;
                    self.recovery_generation = self.recovery_generation.saturating_add(1);
                }
            }
            Action::Genesis { .. } | Action::Join { .. } | Action::Succeed { .. } => {
                return Err(RosterError::WrongSigner { position });
            }
        }
        Ok(())
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// Hash of the first entry: the tenant's root of trust.
    pub fn genesis(&self) -> Hash32 {
        self.genesis
    }

    pub fn head(&self) -> Hash32 {
        self.head
    }

    /// The roster as this copy holds it, as a batch header or a kit names it.
    pub fn mark(&self) -> RosterMark {
        RosterMark { len: self.len, head: self.head }
    }

    /// How a roster some device names (`mark`) stands against this copy: held, further than
    /// this copy (entries it was not served), or parted from it (one of the two is not the
    /// company's).
    pub fn compare(&self, mark: &RosterMark) -> Named {
        if mark.len > self.len {
            return Named::Ahead;
        }
        let at = usize::try_from(mark.len).ok().and_then(|len| len.checked_sub(1));
        match at.and_then(|at| self.entries.get(at)) {
            Some(entry) if entry.hash() == mark.head => Named::Held,
            _ => Named::Parted,
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The current recovery key (the latest kit's).
    pub fn recovery(&self) -> DeviceKeys {
        self.recovery
    }

    /// How many recovery keys the tenant has had: 1 until an admin device is revoked.
    pub fn recovery_generation(&self) -> u32 {
        self.recovery_generation
    }

    /// The current key epoch: data is written under it.
    pub fn epoch(&self) -> u32 {
        self.commitments.keys().next_back().copied().unwrap_or(1)
    }

    pub fn commitment(&self, epoch: u32) -> Option<Hash32> {
        self.commitments.get(&epoch).copied()
    }

    /// The device that created the company (the genesis entry's): it numbers its invoices and
    /// entries in the company's plain series (`2026-0001`).
    pub fn founder(&self) -> NodeId {
        self.founder
    }

    pub fn members(&self) -> &BTreeMap<NodeId, Member> {
        &self.members
    }

    /// The device that `device` named as its successor, if any.
    pub fn successor(&self, device: NodeId) -> Option<NodeId> {
        self.successors.get(&device).copied()
    }

    /// The successors `device` named, one after the other, that are still active: revoking it
    /// revokes them with it.
    pub fn active_successors(&self, device: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut at = device;
        while let Some(next) = self.successors.get(&at).copied() {
            if self.is_active(next) {
                out.push(next);
            }
            at = next;
        }
        out
    }

    /// Whether revoking `device` must name a new recovery key: it, or a successor that goes with
    /// it, is an admin, which held the recovery secret.
    pub fn revoking_renews_recovery(&self, device: NodeId) -> bool {
        std::iter::once(device)
            .chain(self.active_successors(device))
            .any(|gone| self.members.get(&gone).is_some_and(|m| m.role == Role::Admin))
    }

    /// The device that named `device` as its successor, if any.
    pub fn predecessor(&self, device: NodeId) -> Option<NodeId> {
        self.successors.iter().find(|(_, to)| **to == device).map(|(from, _)| *from)
    }

    pub fn member(&self, device: NodeId) -> Option<&Member> {
        self.members.get(&device)
    }

    /// Whether `device` is enrolled and its chain is valid up to `seq`.
    pub fn may_write(&self, device: NodeId, seq: EventSeq) -> bool {
        self.members.get(&device).is_some_and(|m| m.revoked_after.is_none_or(|last| seq.0 <= last))
    }

    /// Whether `device` may make requests now (enrolled, not revoked).
    pub fn is_active(&self, device: NodeId) -> bool {
        self.members.get(&device).is_some_and(|m| m.revoked_after.is_none())
    }

    /// The invitations that can no longer be used at `now_ms`: used, expired, or closed with the
    /// revocation of the device that published them.
    pub fn closed_invitations(&self, now_ms: u64) -> Vec<Hash32> {
        self.invitations.iter().filter(|(_, i)| i.used || now_ms > i.expires_ms).map(|(id, _)| *id).collect()
    }

    /// When an invitation expires, if the roster has it.
    pub fn invitation_expiry(&self, invite: Hash32) -> Option<u64> {
        self.invitations.get(&invite).map(|i| i.expires_ms)
    }

    /// The invoice series an invitation reserved for the device that joins with it.
    pub fn invitation_series(&self, invite: Hash32) -> Option<&str> {
        self.invitations.get(&invite).and_then(|i| i.series.as_deref())
    }

    /// The invoice series of a device that joined with an invitation reserving one.
    pub fn device_series(&self, device: NodeId) -> Option<&str> {
        self.device_series.get(&device).map(String::as_str)
    }

    /// Whether an invitation reserved `series` already.
    pub fn series_taken(&self, series: &str) -> bool {
        self.series.contains_key(series)
    }

    /// The key of an open invitation, if it may still be used at `now_ms`.
    pub fn open_invitation(&self, invite: Hash32, now_ms: u64) -> Option<[u8; 32]> {
        self.invitations.get(&invite).filter(|i| !i.used && now_ms <= i.expires_ms).map(|i| i.key)
    }

    /// The body of the next entry, ready to sign.
    pub fn next_body(&self, at_ms: u64, action: Action) -> Body {
        Body { tenant: self.tenant, seq: self.len + 1, prev: self.head, at_ms, action }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{DataKey, InviteSecret, RecoverySecret, WrapSecret};

    const TENANT: TenantId = TenantId::from_bytes([1; 16]);

    struct Device {
        id: NodeId,
        sign: SigningKey,
        keys: DeviceKeys,
    }

    fn device(seed: u8) -> Device {
        let sign = SigningKey::from_bytes(&[seed; 32]);
        let keys = DeviceKeys {
            sign: sign.verifying_key().to_bytes(),
            wrap: WrapSecret::from_bytes([seed.wrapping_add(100); 32]).public(),
        };
        Device { id: NodeId::from_bytes([seed; 16]), sign, keys }
    }

    fn recovery_keys(secret: &RecoverySecret) -> DeviceKeys {
        DeviceKeys { sign: secret.signing_key().verifying_key().to_bytes(), wrap: secret.wrap_secret().public() }
    }

    /// The kind of a refusal.
    fn refused(result: Result<(), SyncError>) -> RosterError {
        match result {
            Err(SyncError::Roster(error)) => error,
            other => panic!("expected a roster refusal, got {other:?}"),
        }
    }

    /// A revocation of `device` that starts key epoch 2, no new recovery key.
    fn revoke_in_epoch_2(device: NodeId, upto_seq: u64, successors: Vec<(NodeId, u64)>) -> Action {
        Action::Revoke {
            device,
            upto_seq,
            epoch: 2,
            key_commitment: DataKey::new(2, [6; 32]).commitment(),
            recovery: None,
            successors,
        }
    }

    fn genesis_body(tenant: TenantId, first: &Device, recovery: &RecoverySecret) -> Body {
        Body {
            tenant,
            seq: 1,
            prev: Hash32::ZERO,
            at_ms: 1000,
            action: Action::Genesis {
                device: first.id,
                keys: first.keys,
                recovery: recovery_keys(recovery),
                key_commitment: DataKey::new(1, [5; 32]).commitment(),
            },
        }
    }

    fn started() -> (Roster, Device, RecoverySecret) {
        let first = device(1);
        let recovery = RecoverySecret::from_bytes([9; 32]);
        let entry =
            Entry::genesis(&genesis_body(TENANT, &first, &recovery), first.id, &first.sign, &recovery.signing_key());
        (Roster::from_entries(TENANT, &[entry]).unwrap(), first, recovery)
    }

    /// `admin` adds `device` with `role`, the device proving its key.
    fn add(roster: &mut Roster, admin: &Device, device: &Device, role: Role) {
        let action = Action::Add { device: device.id, keys: device.keys, role };
        let entry = Entry::sign(&roster.next_body(1500, action), Signer::Device(admin.id), &admin.sign)
            .proven_by_device(&device.sign);
        roster.append(entry).unwrap();
    }

    #[test]
    fn an_invitation_reserves_an_invoice_series_once_and_old_bodies_keep_their_bytes() {
        let (mut roster, admin, _) = started();
        let invite = |seed: u8, series: Option<&str>| {
            let code = InviteSecret::from_bytes([seed; 32]);
            let action = Action::Invite {
                invite: code.id(),
                invite_key: code.signing_key().verifying_key().to_bytes(),
                role: Role::Member,
                expires_ms: 5000,
                series: series.map(str::to_owned),
            };
            (code, action)
        };
        let (code, action) = invite(3, Some("B"));
        let entry = Entry::sign(&roster.next_body(2000, action), Signer::Device(admin.id), &admin.sign);
        assert!(entry.body.contains("\"series\":\"B\""), "{}", entry.body);
        roster.append(entry).unwrap();
        assert_eq!(roster.invitation_series(code.id()), Some("B"));
        assert!(roster.series_taken("B") && !roster.series_taken("C"));
        // The same series again, or one that is not a short prefix: refused, roster unchanged.
        let before = roster.clone();
        for (seed, series, expected) in [
            (4, "B", RosterError::SeriesTaken { position: 3, series: "B".into() }),
            (5, "b", RosterError::BadSeries { position: 3 }),
            (6, "2B", RosterError::BadSeries { position: 3 }),
            (7, "ABCD", RosterError::BadSeries { position: 3 }),
            (8, "B-1", RosterError::BadSeries { position: 3 }),
        ] {
            let (_, action) = invite(seed, Some(series));
            let entry = Entry::sign(&roster.next_body(2100, action), Signer::Device(admin.id), &admin.sign);
            assert_eq!(refused(roster.append(entry)), expected, "{series}");
        }
        assert_eq!(roster, before);
        // An invitation without a series is written as before series existed.
        let (code, action) = invite(9, None);
        let entry = Entry::sign(&roster.next_body(2200, action), Signer::Device(admin.id), &admin.sign);
        assert!(!entry.body.contains("series"), "{}", entry.body);
        roster.append(entry).unwrap();
        assert_eq!(roster.invitation_series(code.id()), None);
        assert!(series_valid("B") && series_valid("LA2") && !series_valid("") && !series_valid("É"));
    }

    #[test]
    fn devices_join_with_an_invitation_once_and_revocation_starts_an_epoch() {
        let (mut roster, admin, _) = started();
        let code = InviteSecret::from_bytes([3; 32]);
        let invite = Action::Invite {
            invite: code.id(),
            invite_key: code.signing_key().verifying_key().to_bytes(),
            role: Role::Member,
            expires_ms: 5000,
            series: None,
        };
        roster.append(Entry::sign(&roster.next_body(2000, invite), Signer::Device(admin.id), &admin.sign)).unwrap();
        assert!(roster.open_invitation(code.id(), 4000).is_some());
        assert!(roster.open_invitation(code.id(), 6000).is_none());

        let laptop = device(2);
        let join = Action::Join { invite: code.id(), device: laptop.id, keys: laptop.keys };
        let entry = Entry::sign(&roster.next_body(3000, join.clone()), Signer::Invite(code.id()), &code.signing_key());
        // The joining device proves its key, or it is not enrolled.
        assert!(
            matches!(refused(roster.clone().append(entry.clone())), RosterError::WithoutProof { position: 3, of: Proven::Device(d) } if d == laptop.id)
        );
        roster.append(entry.proven_by_device(&laptop.sign)).unwrap();
        assert_eq!(roster.member(laptop.id).map(|m| m.role), Some(Role::Member));
        assert!(roster.open_invitation(code.id(), 4000).is_none(), "used");

        // Used twice: refused, and the roster is unchanged.
        let before = roster.clone();
        let other = device(3);
        let again = Action::Join { invite: code.id(), device: other.id, keys: other.keys };
        let entry = Entry::sign(&roster.next_body(3500, again), Signer::Invite(code.id()), &code.signing_key())
            .proven_by_device(&other.sign);
        assert_eq!(refused(roster.append(entry)), RosterError::InvitationReused { position: 4 });
        assert_eq!(roster, before);

        // A member cannot revoke; an admin can, and the epoch moves on.
        let revoke = revoke_in_epoch_2(laptop.id, 40, Vec::new());
        let entry = Entry::sign(&roster.next_body(4000, revoke.clone()), Signer::Device(laptop.id), &laptop.sign);
        assert_eq!(refused(roster.append(entry)), RosterError::NotActiveAdmin { position: 4, signer: laptop.id });
        roster.append(Entry::sign(&roster.next_body(4000, revoke), Signer::Device(admin.id), &admin.sign)).unwrap();
        assert_eq!(roster.epoch(), 2);
        assert!(roster.may_write(laptop.id, EventSeq(40)));
        assert!(!roster.may_write(laptop.id, EventSeq(41)));
        assert!(!roster.is_active(laptop.id));
        assert!(roster.is_active(admin.id));

        // The whole chain verifies again from its entries, through JSON.
        let json = serde_json::to_string(roster.entries()).unwrap();
        let entries: Vec<Entry> = serde_json::from_str(&json).unwrap();
        assert_eq!(Roster::from_entries(TENANT, &entries).unwrap(), roster);
    }

    #[test]
    fn forged_or_misplaced_entries_are_refused() {
        let (roster, admin, _) = started();
        let stranger = device(7);
        let add = Action::Add { device: stranger.id, keys: stranger.keys, role: Role::Admin };
        let sign = |body: &Body, signer: NodeId, key: &SigningKey| {
            Entry::sign(body, Signer::Device(signer), key).proven_by_device(&stranger.sign)
        };

        // Signed by a device that is not in the roster.
        let mut copy = roster.clone();
        let entry = sign(&copy.next_body(2000, add.clone()), stranger.id, &stranger.sign);
        assert_eq!(refused(copy.append(entry)), RosterError::NotActiveAdmin { position: 2, signer: stranger.id });
        // Claiming to be the admin with another key.
        let entry = sign(&copy.next_body(2000, add.clone()), admin.id, &stranger.sign);
        assert_eq!(refused(copy.append(entry)), RosterError::BadSignature { position: 2 });
        // Out of place.
        let mut body = copy.next_body(2000, add.clone());
        body.seq = 3;
        assert_eq!(refused(copy.append(sign(&body, admin.id, &admin.sign))), RosterError::OutOfPlace { position: 2 });
        let mut body = copy.next_body(2000, add.clone());
        body.prev = Hash32([1; 32]);
        assert_eq!(refused(copy.append(sign(&body, admin.id, &admin.sign))), RosterError::OutOfPlace { position: 2 });
        // Another tenant's roster is not this one's.
        let other = Roster::from_entries(TenantId::from_bytes([2; 16]), roster.entries()).map(|_| ());
        assert_eq!(refused(other), RosterError::OtherTenant { position: 1 });
        // A body altered after signing.
        let mut entry = sign(&copy.next_body(2000, add), admin.id, &admin.sign);
        entry.body = entry.body.replace("\"admin\"", "\"member\"");
        assert_eq!(refused(copy.append(entry)), RosterError::BadSignature { position: 2 });
        // An entry that is not JSON.
        let mut entry = roster.entries()[0].clone();
        entry.body.push('}');
        assert_eq!(refused(copy.append(entry)), RosterError::Unreadable { position: 2 });
        assert_eq!(copy, roster);
    }

    #[test]
    fn every_key_given_power_proves_it_takes_it() {
        let (roster, admin, recovery) = started();
        let till = device(4);
        let add = Action::Add { device: till.id, keys: till.keys, role: Role::Member };
        let bare = Entry::sign(&roster.next_body(2000, add.clone()), Signer::Device(admin.id), &admin.sign);
        let of = Proven::Device(till.id);
        assert_eq!(refused(roster.clone().append(bare.clone())), RosterError::WithoutProof { position: 2, of });
        // Proven by another key than the one enrolled.
        let wrong = bare.clone().proven_by_device(&admin.sign);
        assert_eq!(refused(roster.clone().append(wrong)), RosterError::BadProof { position: 2, of });
        // The entry's own signature is not a proof: the contexts differ.
        let mut reused = bare.clone();
        reused.device_proof = Some(bare.signature);
        let by_till = Entry::sign(&roster.next_body(2000, add.clone()), Signer::Device(admin.id), &till.sign);
        reused.device_proof = Some(by_till.signature);
        assert_eq!(refused(roster.clone().append(reused)), RosterError::BadProof { position: 2, of });
        // A proof the entry has no key for is refused too.
        let extra = bare.clone().proven_by_device(&till.sign).proven_by_recovery(&recovery.signing_key());
        assert_eq!(refused(roster.clone().append(extra)), RosterError::WrongSigner { position: 2 });
        roster.clone().append(bare.proven_by_device(&till.sign)).unwrap();

        // The recovery key enrols a replacement device: the device proves its key too.
        let replacement = device(5);
        let add = Action::Add { device: replacement.id, keys: replacement.keys, role: Role::Admin };
        let entry = Entry::sign(&roster.next_body(2000, add.clone()), Signer::Recovery, &replacement.sign)
            .proven_by_device(&replacement.sign);
        assert_eq!(refused(roster.clone().append(entry)), RosterError::BadSignature { position: 2 });
        let entry = Entry::sign(&roster.next_body(2000, add), Signer::Recovery, &recovery.signing_key())
            .proven_by_device(&replacement.sign);
        let mut restored = roster.clone();
        restored.append(entry).unwrap();
        assert_eq!(restored.member(replacement.id).map(|m| m.role), Some(Role::Admin));

        // A genesis of roster format 1 (no proofs) is refused, and says what it is.
        let (_, first, _) = started();
        let mut old = Entry::sign(&genesis_body(TENANT, &first, &recovery), Signer::Device(first.id), &first.sign);
        old.recovery_proof = None;
        let error = Roster::from_entries(TENANT, &[old.clone()]).map(|_| ());
        assert_eq!(refused(error), RosterError::WithoutProof { position: 1, of: Proven::Device(first.id) });
        let old = old.proven_by_device(&first.sign);
        let error = Roster::from_entries(TENANT, &[old]).map(|_| ());
        assert_eq!(refused(error.clone()), RosterError::WithoutProof { position: 1, of: Proven::Recovery });
        assert!(error.unwrap_err().to_string().contains("roster format 2"));
    }

    #[test]
    fn revoking_an_admin_names_a_new_recovery_key_that_signs() {
        let (mut roster, admin, recovery) = started();
        let deputy = device(2);
        add(&mut roster, &admin, &deputy, Role::Admin);
        let new_recovery = RecoverySecret::from_bytes([10; 32]);
        let revoke = |recovery: Option<DeviceKeys>| Action::Revoke {
            device: deputy.id,
            upto_seq: 0,
            epoch: 2,
            key_commitment: DataKey::new(2, [6; 32]).commitment(),
            recovery,
            successors: Vec::new(),
        };
        let third = roster.next_body(3000, revoke(None));
        let sign = |action| Entry::sign(&Body { action, ..third.clone() }, Signer::Device(admin.id), &admin.sign);
        let before = roster.clone();
        assert_eq!(
            refused(roster.append(sign(revoke(None)))),
            RosterError::AdminRevokedWithoutNewRecovery { position: 3, device: deputy.id }
        );
        let named = sign(revoke(Some(recovery_keys(&new_recovery))));
        assert_eq!(
            refused(roster.append(named.clone())),
            RosterError::WithoutProof { position: 3, of: Proven::Recovery }
        );
        // Proven by the old recovery key, not the one named.
        let wrong = named.clone().proven_by_recovery(&recovery.signing_key());
        assert_eq!(refused(roster.append(wrong)), RosterError::BadProof { position: 3, of: Proven::Recovery });
        // A new recovery key that is no Ed25519 key: refused, and nothing half-applied.
        let bad = DeviceKeys { sign: [0xff; 32], ..recovery_keys(&new_recovery) };
        let bad = sign(revoke(Some(bad))).proven_by_recovery(&new_recovery.signing_key());
        assert!(matches!(refused(roster.append(bad)), RosterError::InvalidKey { .. } | RosterError::BadProof { .. }));
        assert_eq!(roster, before);
        roster.append(named.proven_by_recovery(&new_recovery.signing_key())).unwrap();
        assert_eq!((roster.recovery(), roster.recovery_generation()), (recovery_keys(&new_recovery), 2));
        assert!(!roster.is_active(deputy.id));
        // The old recovery key signs nothing any more.
        let late = device(6);
        let add = Action::Add { device: late.id, keys: late.keys, role: Role::Admin };
        let entry = Entry::sign(&roster.next_body(4000, add), Signer::Recovery, &recovery.signing_key())
            .proven_by_device(&late.sign);
        assert_eq!(refused(roster.append(entry)), RosterError::BadSignature { position: 4 });
    }

    /// Flaw 2 of issue 18, built exactly: a hub makes its own genesis, adds its own device, then
    /// "revokes" it naming the company's public recovery keys as the new recovery key. Before
    /// proofs of possession, a restoring owner whose kit matched the current recovery key
    /// adopted that roster.
    #[test]
    fn a_hub_cannot_hand_a_company_its_own_roster() {
        let company_recovery = RecoverySecret::from_bytes([9; 32]);
        let hub_device = device(20);
        let hub_recovery = RecoverySecret::from_bytes([21; 32]);
        let genesis = Entry::genesis(
            &genesis_body(TENANT, &hub_device, &hub_recovery),
            hub_device.id,
            &hub_device.sign,
            &hub_recovery.signing_key(),
        );
        let mut forged = Roster::from_entries(TENANT, &[genesis]).unwrap();
        let hub_admin = device(22);
        add(&mut forged, &hub_device, &hub_admin, Role::Admin);
        let action = Action::Revoke {
            device: hub_admin.id,
            upto_seq: 0,
            epoch: 2,
            key_commitment: DataKey::new(2, [7; 32]).commitment(),
            recovery: Some(recovery_keys(&company_recovery)),
            successors: Vec::new(),
        };
        let entry = Entry::sign(&forged.next_body(3000, action), Signer::Device(hub_device.id), &hub_device.sign);
        assert_eq!(
            refused(forged.clone().append(entry.clone())),
            RosterError::WithoutProof { position: 3, of: Proven::Recovery }
        );
        // Whatever key the hub proves with, it is not the company's.
        for key in [hub_recovery.signing_key(), hub_device.sign.clone()] {
            let proven = entry.clone().proven_by_recovery(&key);
            assert_eq!(
                refused(forged.clone().append(proven)),
                RosterError::BadProof { position: 3, of: Proven::Recovery }
            );
        }
        // And its genesis is not the company's: the kit names that one (checked at restore).
        let (company, _, _) = started();
        assert_ne!(forged.genesis(), company.genesis());
    }

    #[test]
    fn a_revoked_admin_cannot_come_back_through_its_own_invitation() {
        let (mut roster, admin, _) = started();
        let deputy = device(2);
        add(&mut roster, &admin, &deputy, Role::Admin);
        let code = InviteSecret::from_bytes([6; 32]);
        let invite = |expires_ms| Action::Invite {
            invite: code.id(),
            invite_key: code.signing_key().verifying_key().to_bytes(),
            role: Role::Admin,
            expires_ms,
            series: None,
        };
        let too_long = Entry::sign(
            &roster.next_body(2000, invite(2000 + INVITATION_MS_MAX + 1)),
            Signer::Device(deputy.id),
            &deputy.sign,
        );
        assert_eq!(refused(roster.clone().append(too_long)), RosterError::InvitationTooLong { position: 3 });
        roster
            .append(Entry::sign(&roster.next_body(2000, invite(90_000)), Signer::Device(deputy.id), &deputy.sign))
            .unwrap();
        let new_recovery = RecoverySecret::from_bytes([11; 32]);
        let revoke = Action::Revoke {
            device: deputy.id,
            upto_seq: 0,
            epoch: 2,
            key_commitment: DataKey::new(2, [6; 32]).commitment(),
            recovery: Some(recovery_keys(&new_recovery)),
            successors: Vec::new(),
        };
        let entry = Entry::sign(&roster.next_body(3000, revoke), Signer::Device(admin.id), &admin.sign)
            .proven_by_recovery(&new_recovery.signing_key());
        roster.append(entry).unwrap();
        assert!(roster.open_invitation(code.id(), 4000).is_none());
        let comeback = device(8);
        let join = Action::Join { invite: code.id(), device: comeback.id, keys: comeback.keys };
        let entry = Entry::sign(&roster.next_body(4000, join), Signer::Invite(code.id()), &code.signing_key())
            .proven_by_device(&comeback.sign);
        assert_eq!(refused(roster.append(entry)), RosterError::InvitationReused { position: 5 });
    }

    #[test]
    fn a_device_names_its_own_successor_with_its_role_and_no_one_elses() {
        let (mut roster, admin, _) = started();
        let till = device(2);
        add(&mut roster, &admin, &till, Role::Member);
        let next = device(3);
        let succeed = Action::Succeed { from: till.id, device: next.id, keys: next.keys };
        let sign = |roster: &Roster, action: Action, signer: NodeId, key: &SigningKey| {
            Entry::sign(&roster.next_body(2000, action), Signer::Device(signer), key).proven_by_device(&next.sign)
        };
        // Only the device itself names its successor: not the successor, not another device.
        for (signer, key) in [(next.id, &next.sign), (admin.id, &admin.sign)] {
            let entry = sign(&roster, succeed.clone(), signer, key);
            assert!(matches!(
                refused(roster.clone().append(entry)),
                RosterError::NotActiveAdmin { .. } | RosterError::WrongSigner { .. }
            ));
        }
        let forged = sign(&roster, succeed.clone(), till.id, &next.sign);
        assert_eq!(refused(roster.clone().append(forged)), RosterError::BadSignature { position: 3 });
        let unproven = Entry::sign(&roster.next_body(2000, succeed.clone()), Signer::Device(till.id), &till.sign);
        assert_eq!(
            refused(roster.clone().append(unproven)),
            RosterError::WithoutProof { position: 3, of: Proven::Device(next.id) }
        );
        roster.append(sign(&roster, succeed.clone(), till.id, &till.sign)).unwrap();
        assert_eq!(roster.member(next.id).map(|m| m.role), Some(Role::Member));
        assert!(roster.is_active(till.id) && roster.is_active(next.id));
        assert_eq!((roster.successor(till.id), roster.predecessor(next.id)), (Some(next.id), Some(till.id)));
        // Once, and never by a revoked device.
        let again = sign(&roster, succeed, till.id, &till.sign);
        assert_eq!(refused(roster.clone().append(again)), RosterError::EnrolledTwice { position: 4, device: next.id });
        let third = device(5);
        let another = Action::Succeed { from: till.id, device: third.id, keys: third.keys };
        let another = Entry::sign(&roster.next_body(2100, another), Signer::Device(till.id), &till.sign)
            .proven_by_device(&third.sign);
        assert_eq!(
            refused(roster.clone().append(another)),
            RosterError::SuccessorAlready { position: 4, device: till.id }
        );
        // Revoking the device revokes its successor with it, or is refused.
        let revoke_till = |successors| revoke_in_epoch_2(till.id, 9, successors);
        let bare = Entry::sign(&roster.next_body(2500, revoke_till(Vec::new())), Signer::Device(admin.id), &admin.sign);
        assert_eq!(
            refused(roster.clone().append(bare)),
            RosterError::SuccessorsLeftOut { position: 4, device: till.id }
        );
        let mut both = roster.clone();
        let with =
            Entry::sign(&both.next_body(2500, revoke_till(vec![(next.id, 3)])), Signer::Device(admin.id), &admin.sign);
        both.append(with).unwrap();
        assert!(!both.is_active(till.id) && !both.is_active(next.id));
        assert!(both.may_write(next.id, EventSeq(3)) && !both.may_write(next.id, EventSeq(4)));
        let revoke = revoke_in_epoch_2(next.id, 0, Vec::new());
        roster.append(Entry::sign(&roster.next_body(3000, revoke), Signer::Device(admin.id), &admin.sign)).unwrap();
        let other = device(4);
        let late = Action::Succeed { from: next.id, device: other.id, keys: other.keys };
        let entry = Entry::sign(&roster.next_body(4000, late), Signer::Device(next.id), &next.sign)
            .proven_by_device(&other.sign);
        assert_eq!(refused(roster.append(entry)), RosterError::NotActiveDevice { position: 5, signer: next.id });
    }

    #[test]
    fn a_genesis_is_the_tenants_only_with_its_recovery_key() {
        let (roster, admin, _) = started();
        let mut forged = roster.entries()[0].clone();
        forged.recovery_proof = None;
        let error = Roster::from_entries(TENANT, &[forged]).map(|_| ());
        assert_eq!(refused(error), RosterError::WithoutProof { position: 1, of: Proven::Recovery });
        // A hub making up a genesis with its own recovery key cannot reuse the tenant's recovery key.
        let mut body = roster.entries()[0].parse_body().unwrap();
        body.at_ms = 1;
        let fake_recovery = RecoverySecret::from_bytes([8; 32]);
        let entry = Entry::genesis(&body, admin.id, &admin.sign, &fake_recovery.signing_key());
        let error = Roster::from_entries(TENANT, &[entry]).map(|_| ());
        assert_eq!(refused(error), RosterError::BadProof { position: 1, of: Proven::Recovery });
    }

    /// The adversarial review of issue 18: an invitation the recovery key published closes with a
    /// new recovery key; entries never go back in time, nor a join before its invitation; a key
    /// given power once is not given again; a wrap key that cannot receive a wrap is refused; a
    /// "new" recovery key must be new.
    #[test]
    fn invitations_keys_and_dates_cannot_outlive_a_revocation() {
        let (mut roster, admin, recovery) = started();
        let deputy = device(2);
        add(&mut roster, &admin, &deputy, Role::Admin);
        let code = InviteSecret::from_bytes([12; 32]);
        let invite = Action::Invite {
            invite: code.id(),
            invite_key: code.signing_key().verifying_key().to_bytes(),
            role: Role::Admin,
            expires_ms: 2000 + INVITATION_MS_MAX,
            series: None,
        };
        roster.append(Entry::sign(&roster.next_body(2000, invite), Signer::Recovery, &recovery.signing_key())).unwrap();
        assert!(roster.open_invitation(code.id(), 2500).is_some());
        // Back in time.
        let late = device(13);
        let add_late = Action::Add { device: late.id, keys: late.keys, role: Role::Member };
        let early = Entry::sign(&roster.next_body(1999, add_late.clone()), Signer::Device(admin.id), &admin.sign)
            .proven_by_device(&late.sign);
        assert_eq!(refused(roster.clone().append(early)), RosterError::BackInTime { position: 4 });
        // A key given power already: the deputy's, the recovery key's, the invitation's.
        for key in [deputy.keys.sign, roster.recovery().sign, code.signing_key().verifying_key().to_bytes()] {
            let twin = Action::Add {
                device: NodeId::from_bytes([14; 16]),
                keys: DeviceKeys { sign: key, ..late.keys },
                role: Role::Admin,
            };
            let entry = Entry::sign(&roster.next_body(2100, twin), Signer::Device(admin.id), &admin.sign);
            assert!(matches!(
                refused(roster.clone().append(entry)),
                RosterError::KeyReused { .. } | RosterError::WithoutProof { .. } | RosterError::BadProof { .. }
            ));
        }
        let twin = Action::Add {
            device: NodeId::from_bytes([14; 16]),
            keys: DeviceKeys { sign: deputy.keys.sign, ..late.keys },
            role: Role::Admin,
        };
        let entry = Entry::sign(&roster.next_body(2100, twin), Signer::Device(admin.id), &admin.sign)
            .proven_by_device(&deputy.sign);
        assert_eq!(refused(roster.clone().append(entry)), RosterError::KeyReused { position: 4 });
        // A wrap key of low order (all zeros): every wrap for it would fail.
        let zero = Action::Add { device: late.id, keys: DeviceKeys { wrap: [0; 32], ..late.keys }, role: Role::Member };
        let entry = Entry::sign(&roster.next_body(2100, zero), Signer::Device(admin.id), &admin.sign)
            .proven_by_device(&late.sign);
        assert_eq!(refused(roster.clone().append(entry)), RosterError::InvalidKey { position: 4 });
        // An id chosen to share the deputy's short form, which names its series.
        let mut lookalike = [13; 16];
        lookalike[..4].copy_from_slice(&deputy.id.as_bytes()[..4]);
        let lookalike = NodeId::from_bytes(lookalike);
        let entry = Entry::sign(
            &roster.next_body(2100, Action::Add { device: lookalike, keys: late.keys, role: Role::Member }),
            Signer::Device(admin.id),
            &admin.sign,
        )
        .proven_by_device(&late.sign);
        assert_eq!(
            refused(roster.clone().append(entry)),
            RosterError::ShortIdTaken { position: 4, device: lookalike, other: deputy.id }
        );
        assert_eq!(roster.founder(), admin.id);

        // Revoking the deputy with a new recovery key closes the recovery key's invitation.
        let renewed = RecoverySecret::from_bytes([15; 32]);
        let revoke = |recovery: &RecoverySecret| Action::Revoke {
            device: deputy.id,
            upto_seq: 0,
            epoch: 2,
            key_commitment: DataKey::new(2, [6; 32]).commitment(),
            recovery: Some(DeviceKeys {
                sign: recovery.signing_key().verifying_key().to_bytes(),
                wrap: recovery.wrap_secret().public(),
            }),
            successors: Vec::new(),
        };
        // The "new" recovery key may not be the current one.
        let same = Entry::sign(&roster.next_body(3000, revoke(&recovery)), Signer::Device(admin.id), &admin.sign)
            .proven_by_recovery(&recovery.signing_key());
        assert_eq!(refused(roster.clone().append(same)), RosterError::KeyReused { position: 4 });
        let entry = Entry::sign(&roster.next_body(3000, revoke(&renewed)), Signer::Device(admin.id), &admin.sign)
            .proven_by_recovery(&renewed.signing_key());
        roster.append(entry).unwrap();
        assert!(roster.open_invitation(code.id(), 3500).is_none());
        let thief = device(16);
        let join = Action::Join { invite: code.id(), device: thief.id, keys: thief.keys };
        let entry = Entry::sign(&roster.next_body(3500, join), Signer::Invite(code.id()), &code.signing_key())
            .proven_by_device(&thief.sign);
        assert_eq!(refused(roster.append(entry)), RosterError::InvitationReused { position: 5 });
    }

    /// ARCHITECTURE.md's table of formats names the roster and batch layouts written here.
    #[test]
    fn the_architecture_names_the_roster_and_batch_formats() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md");
        let text = std::fs::read_to_string(&path).expect("ARCHITECTURE.md");
        for named in [
            format!("`ROSTER_FORMAT = {ROSTER_FORMAT}`"),
            format!("`BATCH_VERSION = {}`", crate::batch::BATCH_VERSION),
            format!("`{}`", String::from_utf8_lossy(PROOF_SIGN_CONTEXT).trim_end_matches('\0')),
        ] {
            assert!(text.contains(&named), "ARCHITECTURE.md does not say {named}");
        }
    }
}

//! The roster: the signed chain of who belongs to a tenant.
//!
//! Each entry is a JSON body (tenant, position, hash of the previous entry, time, action), kept as
//! the exact bytes that were signed. The first entry (genesis) enrols the first device as admin and
//! publishes the recovery key and the commitment of the first data key; it is signed by that device
//! and co-signed by the recovery key, so whoever holds the recovery kit can tell the tenant's own
//! roster from one a hub made up. Every later entry is signed by an admin device that is enrolled
//! and not revoked at that point, except a join, which is signed by the key of the one-time
//! invitation an admin published before it. The hub checks batches against the roster without
//! decrypting anything; nodes check it again.

use std::collections::BTreeMap;

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rempart_log::{EventSeq, Hash32, NodeId, TenantId};
use serde::{Deserialize, Serialize};

use crate::SyncError;

const ENTRY_SIGN_CONTEXT: &[u8] = b"rempart roster entry v1\0";
const ENTRY_HASH_CONTEXT: &str = "rempart 2026-11 roster entry hash v1";

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
        /// A new recovery key, when the revoked device held the old one (an admin device): the
        /// old kit and passphrase stop opening anything written from now on.
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
    /// The recovery key (whoever holds the kit or the passphrase): it may do what an admin does,
    /// for instance enrol the device that replaces a lost one.
    Recovery,
}

/// One signed entry, as stored and shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The body's JSON, exactly as signed.
    pub body: String,
    pub signer: Signer,
    #[serde(with = "hex")]
    pub signature: [u8; 64],
    /// Genesis only: the recovery key's signature over the same body.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_sig")]
    pub recovery_signature: Option<[u8; 64]>,
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

fn sign_message(body: &str) -> Vec<u8> {
    let mut message = ENTRY_SIGN_CONTEXT.to_vec();
    message.extend_from_slice(body.as_bytes());
    message
}

impl Entry {
    /// Signs `body` with `key` on behalf of `signer`.
    pub fn sign(body: &Body, signer: Signer, key: &SigningKey) -> Entry {
        // Serializing a plain struct of strings and integers to a string cannot fail.
        let body = serde_json::to_string(body).unwrap_or_default();
        let signature = key.sign(&sign_message(&body)).to_bytes();
        Entry { body, signer, signature, recovery_signature: None }
    }

    /// The genesis entry, signed by the first device and co-signed by the recovery key.
    pub fn genesis(body: &Body, device: NodeId, key: &SigningKey, recovery: &SigningKey) -> Entry {
        let mut entry = Entry::sign(body, Signer::Device(device), key);
        entry.recovery_signature = Some(recovery.sign(&sign_message(&entry.body)).to_bytes());
        entry
    }

    pub fn hash(&self) -> Hash32 {
        let mut hasher = blake3::Hasher::new_derive_key(ENTRY_HASH_CONTEXT);
        hasher.update(&(self.body.len() as u64).to_be_bytes());
        hasher.update(self.body.as_bytes());
        hasher.update(&self.signature);
        Hash32(*hasher.finalize().as_bytes())
    }

    pub fn parse_body(&self) -> Result<Body, SyncError> {
        serde_json::from_str(&self.body).map_err(|error| SyncError::Roster(format!("an entry cannot be read: {error}")))
    }
}

/// A device as the roster knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub keys: DeviceKeys,
    pub role: Role,
    /// Set once revoked: the last sequence number of its chain that stays valid.
    pub revoked_after: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Invitation {
    key: [u8; 32],
    role: Role,
    expires_ms: u64,
    used: bool,
    /// The admin device that published it (none for the recovery key): revoking it closes it.
    issuer: Option<NodeId>,
}

/// The longest an invitation may stay open.
pub const INVITATION_MS_MAX: u64 = 31 * 24 * 3600 * 1000;

/// The state a verified roster describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    tenant: TenantId,
    genesis: Hash32,
    head: Hash32,
    len: u64,
    recovery: DeviceKeys,
    recovery_generation: u32,
    members: BTreeMap<NodeId, Member>,
    invitations: BTreeMap<Hash32, Invitation>,
    commitments: BTreeMap<u32, Hash32>,
    /// Devices that named a successor: device -> successor (once each).
    successors: BTreeMap<NodeId, NodeId>,
    entries: Vec<Entry>,
}

fn verifying_key(bytes: &[u8; 32], what: &str) -> Result<VerifyingKey, SyncError> {
    VerifyingKey::from_bytes(bytes).map_err(|_| SyncError::Roster(format!("{what} is not a valid Ed25519 key")))
}

fn check_signature(key: &[u8; 32], body: &str, signature: &[u8; 64], what: &str) -> Result<(), SyncError> {
    let signature = ed25519_dalek::Signature::from_bytes(signature);
    verifying_key(key, what)?
        .verify_strict(&sign_message(body), &signature)
        .map_err(|_| SyncError::Roster(format!("the signature of {what} does not verify")))
}

impl Roster {
    /// Verifies a whole roster from its first entry.
    pub fn from_entries(tenant: TenantId, entries: &[Entry]) -> Result<Roster, SyncError> {
        let (first, rest) = entries.split_first().ok_or_else(|| SyncError::Roster("the roster is empty".to_owned()))?;
        let mut roster = Roster::start(tenant, first)?;
        for entry in rest {
            roster.append(entry.clone())?;
        }
        Ok(roster)
    }

    fn start(tenant: TenantId, entry: &Entry) -> Result<Roster, SyncError> {
        let body = entry.parse_body()?;
        let Action::Genesis { device, keys, recovery, key_commitment } = body.action else {
            return Err(SyncError::Roster("the roster's first entry is not its genesis".to_owned()));
        };
        if body.tenant != tenant || body.seq != 1 || body.prev != Hash32::ZERO {
            return Err(SyncError::Roster(format!("the roster's genesis is not that of tenant {tenant}")));
        }
        if entry.signer != Signer::Device(device) {
            return Err(SyncError::Roster("the genesis is not signed by the device it enrols".to_owned()));
        }
        check_signature(&keys.sign, &entry.body, &entry.signature, "the genesis")?;
        let recovery_signature = entry
            .recovery_signature
            .ok_or_else(|| SyncError::Roster("the genesis is not co-signed by the recovery key".to_owned()))?;
        check_signature(&recovery.sign, &entry.body, &recovery_signature, "the recovery key on the genesis")?;
        let hash = entry.hash();
        Ok(Roster {
            tenant,
            genesis: hash,
            head: hash,
            len: 1,
            recovery,
            recovery_generation: 1,
            members: BTreeMap::from([(device, Member { keys, role: Role::Admin, revoked_after: None })]),
            invitations: BTreeMap::new(),
            commitments: BTreeMap::from([(1, key_commitment)]),
            successors: BTreeMap::new(),
            entries: vec![entry.clone()],
        })
    }

    /// Verifies and appends the next entry.
    pub fn append(&mut self, entry: Entry) -> Result<(), SyncError> {
        let body = entry.parse_body()?;
        let position = self.len + 1;
        if body.tenant != self.tenant {
            return Err(SyncError::Roster(format!("roster entry {position} belongs to another tenant")));
        }
        if body.seq != position || body.prev != self.head {
            return Err(SyncError::Roster(format!("roster entry {position} does not follow entry {}", self.len)));
        }
        match (&body.action, entry.signer) {
            (Action::Genesis { .. }, _) => {
                return Err(SyncError::Roster(format!("roster entry {position} is a second genesis")));
            }
            (Action::Join { invite, device, keys }, Signer::Invite(signer)) if signer == *invite => {
                let invitation = self.invitations.get(invite).ok_or_else(|| {
                    SyncError::Roster(format!("roster entry {position} joins with an unknown invitation"))
                })?;
                if invitation.used {
                    return Err(SyncError::Roster(format!("roster entry {position} reuses an invitation")));
                }
                if body.at_ms > invitation.expires_ms {
                    return Err(SyncError::Roster(format!("roster entry {position} joins with an expired invitation")));
                }
                check_signature(&invitation.key, &entry.body, &entry.signature, "a join")?;
                if self.members.contains_key(device) {
                    return Err(SyncError::Roster(format!("roster entry {position} enrols device {device} twice")));
                }
                let role = invitation.role;
                if let Some(invitation) = self.invitations.get_mut(invite) {
                    invitation.used = true;
                }
                self.members.insert(*device, Member { keys: *keys, role, revoked_after: None });
            }
            (Action::Succeed { from, device, keys }, Signer::Device(signer)) if signer == *from => {
                let member = self.members.get(from).filter(|m| m.revoked_after.is_none()).ok_or_else(|| {
                    SyncError::Roster(format!("roster entry {position} is signed by {signer}, not an active device"))
                })?;
                check_signature(&member.keys.sign, &entry.body, &entry.signature, "a succession")?;
                verifying_key(&keys.sign, "the successor's key")?;
                if self.members.contains_key(device) {
                    return Err(SyncError::Roster(format!("roster entry {position} enrols device {device} twice")));
                }
                // Once: a stolen key could otherwise spread into successors faster than admins
                // revoke them.
                if self.successors.contains_key(from) {
                    return Err(SyncError::Roster(format!(
                        "roster entry {position}: device {from} has a successor already"
                    )));
                }
                let role = member.role;
                self.members.insert(*device, Member { keys: *keys, role, revoked_after: None });
                self.successors.insert(*from, *device);
            }
            (action, Signer::Device(signer)) => {
                let admin = self.members.get(&signer).filter(|m| m.role == Role::Admin && m.revoked_after.is_none());
                let admin = admin.ok_or_else(|| {
                    SyncError::Roster(format!("roster entry {position} is signed by {signer}, not an active admin"))
                })?;
                check_signature(&admin.keys.sign, &entry.body, &entry.signature, "a roster entry")?;
                self.apply_admin_action(position, action, Some(signer), body.at_ms)?;
            }
            (action, Signer::Recovery) => {
                check_signature(&self.recovery.sign, &entry.body, &entry.signature, "a roster entry")?;
                self.apply_admin_action(position, action, None, body.at_ms)?;
            }
            (_, Signer::Invite(_)) => {
                return Err(SyncError::Roster(format!("roster entry {position} is signed by an invitation")));
            }
        }
        self.head = entry.hash();
        self.len = position;
        self.entries.push(entry);
        Ok(())
    }

    fn apply_admin_action(
        &mut self,
        position: u64,
        action: &Action,
        signer: Option<NodeId>,
        at_ms: u64,
    ) -> Result<(), SyncError> {
        match action {
            Action::Invite { invite, invite_key, role, expires_ms } => {
                verifying_key(invite_key, "the invitation key")?;
                if self.invitations.contains_key(invite) {
                    return Err(SyncError::Roster(format!("roster entry {position} repeats an invitation")));
                }
                if *expires_ms > at_ms.saturating_add(INVITATION_MS_MAX) {
                    return Err(SyncError::Roster(format!("roster entry {position} opens an invitation for too long")));
                }
                self.invitations.insert(
                    *invite,
                    Invitation { key: *invite_key, role: *role, expires_ms: *expires_ms, used: false, issuer: signer },
                );
            }
            Action::Add { device, keys, role } => {
                verifying_key(&keys.sign, "the device's key")?;
                if self.members.contains_key(device) {
                    return Err(SyncError::Roster(format!("roster entry {position} enrols device {device} twice")));
                }
                self.members.insert(*device, Member { keys: *keys, role: *role, revoked_after: None });
            }
            Action::Revoke { device, upto_seq, epoch, key_commitment, recovery, successors } => {
                if successors.iter().map(|(d, _)| *d).collect::<Vec<_>>() != self.active_successors(*device) {
                    return Err(SyncError::Roster(format!(
                        "roster entry {position} does not revoke with device {device} the successors it named"
                    )));
                }
                if *epoch != self.epoch() + 1 {
                    return Err(SyncError::Roster(format!("roster entry {position} skips a key epoch")));
                }
                let member =
                    self.members.get_mut(device).filter(|m| m.revoked_after.is_none()).ok_or_else(|| {
                        SyncError::Roster(format!("roster entry {position} revokes no active device"))
                    })?;
                member.revoked_after = Some(*upto_seq);
                for (successor, upto) in successors {
                    if let Some(member) = self.members.get_mut(successor) {
                        member.revoked_after = Some(*upto);
                    }
                }
                self.commitments.insert(*epoch, *key_commitment);
                // A revoked device cannot come back through an invitation it published.
                let gone: Vec<NodeId> = std::iter::once(*device).chain(successors.iter().map(|(d, _)| *d)).collect();
                for invitation in self.invitations.values_mut() {
                    if invitation.issuer.is_some_and(|issuer| gone.contains(&issuer)) {
                        invitation.used = true;
                    }
                }
                if let Some(recovery) = recovery {
                    verifying_key(&recovery.sign, "the new recovery key")?;
                    self.recovery = *recovery;
                    self.recovery_generation += 1;
                }
            }
            Action::Genesis { .. } | Action::Join { .. } | Action::Succeed { .. } => {
                return Err(SyncError::Roster(format!("roster entry {position} has the wrong signer")));
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
            wrap: WrapSecret::from_bytes([seed + 100; 32]).public(),
        };
        Device { id: NodeId::from_bytes([seed; 16]), sign, keys }
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

    fn started() -> (Roster, Device, RecoverySecret) {
        let first = device(1);
        let recovery = RecoverySecret::from_bytes([9; 32]);
        let recovery_keys = DeviceKeys {
            sign: recovery.signing_key().verifying_key().to_bytes(),
            wrap: recovery.wrap_secret().public(),
        };
        let body = Body {
            tenant: TENANT,
            seq: 1,
            prev: Hash32::ZERO,
            at_ms: 1000,
            action: Action::Genesis {
                device: first.id,
                keys: first.keys,
                recovery: recovery_keys,
                key_commitment: DataKey::new(1, [5; 32]).commitment(),
            },
        };
        let entry = Entry::genesis(&body, first.id, &first.sign, &recovery.signing_key());
        (Roster::from_entries(TENANT, &[entry]).unwrap(), first, recovery)
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
        };
        roster.append(Entry::sign(&roster.next_body(2000, invite), Signer::Device(admin.id), &admin.sign)).unwrap();
        assert!(roster.open_invitation(code.id(), 4000).is_some());
        assert!(roster.open_invitation(code.id(), 6000).is_none());

        let laptop = device(2);
        let join = Action::Join { invite: code.id(), device: laptop.id, keys: laptop.keys };
        let entry = Entry::sign(&roster.next_body(3000, join.clone()), Signer::Invite(code.id()), &code.signing_key());
        roster.append(entry).unwrap();
        assert_eq!(roster.member(laptop.id).map(|m| m.role), Some(Role::Member));
        assert!(roster.open_invitation(code.id(), 4000).is_none(), "used");

        // Used twice: refused, and the roster is unchanged.
        let before = roster.clone();
        let other = device(3);
        let again = Action::Join { invite: code.id(), device: other.id, keys: other.keys };
        let error = roster
            .append(Entry::sign(&roster.next_body(3500, again), Signer::Invite(code.id()), &code.signing_key()))
            .unwrap_err();
        assert!(error.to_string().contains("reuses an invitation"), "{error}");
        assert_eq!(roster, before);

        // A member cannot revoke; an admin can, and the epoch moves on.
        let revoke = revoke_in_epoch_2(laptop.id, 40, Vec::new());
        let error = roster
            .append(Entry::sign(&roster.next_body(4000, revoke.clone()), Signer::Device(laptop.id), &laptop.sign))
            .unwrap_err();
        assert!(error.to_string().contains("not an active admin"), "{error}");
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

        // Signed by a device that is not in the roster.
        let mut copy = roster.clone();
        let entry = Entry::sign(&copy.next_body(2000, add.clone()), Signer::Device(stranger.id), &stranger.sign);
        assert!(copy.append(entry).unwrap_err().to_string().contains("not an active admin"));
        // Claiming to be the admin with another key.
        let entry = Entry::sign(&copy.next_body(2000, add.clone()), Signer::Device(admin.id), &stranger.sign);
        assert!(copy.append(entry).unwrap_err().to_string().contains("does not verify"));
        // Out of place.
        let mut body = copy.next_body(2000, add.clone());
        body.seq = 3;
        assert!(copy.append(Entry::sign(&body, Signer::Device(admin.id), &admin.sign)).is_err());
        let mut body = copy.next_body(2000, add.clone());
        body.prev = Hash32([1; 32]);
        assert!(copy.append(Entry::sign(&body, Signer::Device(admin.id), &admin.sign)).is_err());
        // Another tenant's roster is not this one's.
        assert!(Roster::from_entries(TenantId::from_bytes([2; 16]), roster.entries()).is_err());
        // A body altered after signing.
        let mut entry = Entry::sign(&copy.next_body(2000, add), Signer::Device(admin.id), &admin.sign);
        entry.body = entry.body.replace("\"admin\"", "\"member\"");
        assert!(copy.append(entry).is_err());
        assert_eq!(copy, roster);
    }

    #[test]
    fn a_revoked_admin_cannot_come_back_through_its_own_invitation() {
        let (mut roster, admin, _) = started();
        let deputy = device(2);
        let add = Action::Add { device: deputy.id, keys: deputy.keys, role: Role::Admin };
        roster.append(Entry::sign(&roster.next_body(1500, add), Signer::Device(admin.id), &admin.sign)).unwrap();
        let code = InviteSecret::from_bytes([6; 32]);
        let invite = |expires_ms| Action::Invite {
            invite: code.id(),
            invite_key: code.signing_key().verifying_key().to_bytes(),
            role: Role::Admin,
            expires_ms,
        };
        let too_long = Entry::sign(
            &roster.next_body(2000, invite(2000 + INVITATION_MS_MAX + 1)),
            Signer::Device(deputy.id),
            &deputy.sign,
        );
        assert!(roster.clone().append(too_long).unwrap_err().to_string().contains("too long"));
        roster
            .append(Entry::sign(&roster.next_body(2000, invite(90_000)), Signer::Device(deputy.id), &deputy.sign))
            .unwrap();
        let revoke = revoke_in_epoch_2(deputy.id, 0, Vec::new());
        roster.append(Entry::sign(&roster.next_body(3000, revoke), Signer::Device(admin.id), &admin.sign)).unwrap();
        assert!(roster.open_invitation(code.id(), 4000).is_none());
        let comeback = device(8);
        let join = Action::Join { invite: code.id(), device: comeback.id, keys: comeback.keys };
        let entry = Entry::sign(&roster.next_body(4000, join), Signer::Invite(code.id()), &code.signing_key());
        assert!(roster.append(entry).is_err());
    }

    #[test]
    fn a_device_names_its_own_successor_with_its_role_and_no_one_elses() {
        let (mut roster, admin, _) = started();
        let till = device(2);
        let add = Action::Add { device: till.id, keys: till.keys, role: Role::Member };
        roster.append(Entry::sign(&roster.next_body(1500, add), Signer::Device(admin.id), &admin.sign)).unwrap();
        let next = device(3);
        let succeed = Action::Succeed { from: till.id, device: next.id, keys: next.keys };
        // Only the device itself names its successor: not the successor, not another device.
        for (signer, key) in [(next.id, &next.sign), (admin.id, &admin.sign)] {
            let entry = Entry::sign(&roster.next_body(2000, succeed.clone()), Signer::Device(signer), key);
            assert!(roster.clone().append(entry).is_err());
        }
        let forged = Entry::sign(&roster.next_body(2000, succeed.clone()), Signer::Device(till.id), &next.sign);
        assert!(roster.clone().append(forged).unwrap_err().to_string().contains("does not verify"));
        roster
            .append(Entry::sign(&roster.next_body(2000, succeed.clone()), Signer::Device(till.id), &till.sign))
            .unwrap();
        assert_eq!(roster.member(next.id).map(|m| m.role), Some(Role::Member));
        assert!(roster.is_active(till.id) && roster.is_active(next.id));
        assert_eq!((roster.successor(till.id), roster.predecessor(next.id)), (Some(next.id), Some(till.id)));
        // Once, and never by a revoked device.
        let again = Entry::sign(&roster.next_body(2100, succeed), Signer::Device(till.id), &till.sign);
        assert!(roster.clone().append(again).unwrap_err().to_string().contains("twice"));
        let third = device(5);
        let another = Action::Succeed { from: till.id, device: third.id, keys: third.keys };
        let another = Entry::sign(&roster.next_body(2100, another), Signer::Device(till.id), &till.sign);
        assert!(roster.clone().append(another).unwrap_err().to_string().contains("has a successor already"));
        // Revoking the device revokes its successor with it, or is refused.
        let revoke_till = |successors| revoke_in_epoch_2(till.id, 9, successors);
        let bare = Entry::sign(&roster.next_body(2500, revoke_till(Vec::new())), Signer::Device(admin.id), &admin.sign);
        assert!(roster.clone().append(bare).unwrap_err().to_string().contains("successors it named"));
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
        let entry = Entry::sign(&roster.next_body(4000, late), Signer::Device(next.id), &next.sign);
        assert!(roster.append(entry).unwrap_err().to_string().contains("not an active device"));
    }

    #[test]
    fn the_recovery_key_enrols_a_replacement_device() {
        let (mut roster, _, recovery) = started();
        let replacement = device(5);
        let add = Action::Add { device: replacement.id, keys: replacement.keys, role: Role::Admin };
        let forged = Entry::sign(&roster.next_body(2000, add.clone()), Signer::Recovery, &replacement.sign);
        assert!(roster.clone().append(forged).is_err());
        roster.append(Entry::sign(&roster.next_body(2000, add), Signer::Recovery, &recovery.signing_key())).unwrap();
        assert_eq!(roster.member(replacement.id).map(|m| m.role), Some(Role::Admin));
    }

    #[test]
    fn a_genesis_without_the_recovery_key_is_not_the_tenants() {
        let (roster, admin, _) = started();
        let mut forged = roster.entries()[0].clone();
        forged.recovery_signature = None;
        assert!(Roster::from_entries(TENANT, &[forged]).unwrap_err().to_string().contains("co-signed"));
        // A hub making up a genesis with its own recovery key cannot reuse the tenant's recovery key.
        let mut body = roster.entries()[0].parse_body().unwrap();
        body.at_ms = 1;
        let fake_recovery = RecoverySecret::from_bytes([8; 32]);
        let entry = Entry::genesis(&body, admin.id, &admin.sign, &fake_recovery.signing_key());
        assert!(Roster::from_entries(TENANT, &[entry]).is_err());
    }
}

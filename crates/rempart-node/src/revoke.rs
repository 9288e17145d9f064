//! Revoking a device: its later events refused, a new key epoch wrapped for every remaining device
//! and the recovery key, and, when the device knew the recovery secret, a new recovery secret.

use rempart_log::NodeId;
use rempart_store::Store;
use rempart_sync::{Action, DataKey, DeviceKeys, Entry, Recipient, RecoverySecret, Role, Signer, Wrapped};

use crate::{Env, Kit, Local, NodeError, Session, Transport};

impl Session {
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
            return Err(Local::RevokeSelf.into());
        }
        if !self.roster.is_active(device) {
            return Err(Local::NotEnrolled { device }.into());
        }
        let going = self.roster.active_successors(device);
        let enrolled: Vec<NodeId> =
            self.roster.enrolled_through(device).into_iter().filter(|id| !going.contains(id) && *id != me).collect();
        if !enrolled.is_empty() && !keep_enrolled {
            return Err(NodeError::EnrolledDevicesRemain { devices: enrolled });
        }
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
        self.post_entry(store, transport, env, &entry)?;
        self.roster = next;
        self.secrets.keys.insert(epoch, key.clone());
        if let Some(secret) = &renewal {
            self.secrets.recovery = Some(secret.clone());
        }
        self.save(store)?;
        self.wrap_new_epoch(store, transport, env, &key, renewal.as_ref())?;
        tracing::info!(device = %device.short(), epoch, upto_seq, renewed = renewal.is_some(), "device revoked");
        Ok((epoch, renewal.map(|secret| self.kit_of(secret))))
    }

    /// After a revocation: the new epoch's `key` wrapped for every active device and the recovery
    /// key; with a `renewal` of the recovery secret, every epoch's key wrapped for the new
    /// recovery key, and the new secret for every admin device.
    fn wrap_new_epoch(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        key: &DataKey,
        renewal: Option<&RecoverySecret>,
    ) -> Result<(), NodeError> {
        let active: Vec<(NodeId, [u8; 32], Role)> = self
            .roster
            .members()
            .iter()
            .filter(|(id, _)| self.roster.is_active(**id))
            .map(|(id, member)| (*id, member.keys.wrap, member.role))
            .collect();
        let new = Wrapped::DataKey(key.epoch());
        for (id, public, _) in &active {
            self.put_wrap(store, transport, env, new, Recipient::Device(*id), public, key.bytes())?;
        }
        let recovery = self.roster.recovery().wrap;
        // With a new recovery key, every epoch's key is wrapped for it; else only the new one.
        let epochs: Vec<(u32, DataKey)> = if renewal.is_some() {
            self.secrets.keys.iter().map(|(epoch, key)| (*epoch, key.clone())).collect()
        } else {
            vec![(key.epoch(), key.clone())]
        };
        for (epoch, key) in epochs {
            let what = Wrapped::DataKey(epoch);
            self.put_wrap(store, transport, env, what, Recipient::Recovery, &recovery, key.bytes())?;
        }
        if let Some(secret) = renewal {
            for (id, public, role) in &active {
                if *role == Role::Admin {
                    let to = Recipient::Device(*id);
                    self.put_wrap(store, transport, env, Wrapped::Recovery, to, public, secret.bytes())?;
                }
            }
        }
        Ok(())
    }
}

//! The company's secrets at the hub: data keys (one per epoch) and the recovery secret, each
//! wrapped for a device's key or the recovery key; fetched and checked against the roster's
//! commitments, written for new devices and epochs, and given back to a hub that lost them.

use rempart_log::{SigningKey, TenantId};
use rempart_store::Store;
use rempart_sync::api::Route;
use rempart_sync::{
    DataKey, Recipient, RecoverySecret, RequestSigner, Role, Roster, Wrap, WrapEntropy, WrapSecret, Wrapped,
};

use crate::call::{call, json, parse};
use crate::{Env, Hostile, NodeError, Served, Session, Transport};

/// A key wrap the hub served for `name`, taken only if it is that one: its own fields (company,
/// what, recipient, recovery generation, all bound to its ciphertext) give that name.
fn served_wrap(body: &[u8], tenant: TenantId, name: &str) -> Result<Wrap, NodeError> {
    let wrap: Wrap = parse(body, Served::Wrap)?;
    if wrap.tenant != tenant || wrap.own_name() != name {
        return Err(NodeError::WrongWrap { asked: name.to_owned(), served: wrap.own_name() });
    }
    Ok(wrap)
}

/// The data key of `epoch` the hub holds wrapped for `to`, asked for as `by` and opened with
/// `secret`, taken only if it matches its commitment in `roster`.
pub(crate) fn fetch_data_key(
    transport: &mut dyn Transport,
    env: &mut Env<'_>,
    by: (&SigningKey, RequestSigner),
    roster: &Roster,
    epoch: u32,
    (to, secret): (Recipient, &WrapSecret),
) -> Result<DataKey, NodeError> {
    let tenant = roster.tenant();
    let name = Wrap::name(Wrapped::DataKey(epoch), to, roster.recovery_generation());
    let answer = call(transport, env, by, &Route::GetWrap { tenant, name: name.clone() }, Vec::new())?;
    let wrap = served_wrap(&answer.body, tenant, &name)?;
    let key = DataKey::new(epoch, *wrap.open(secret)?);
    if roster.commitment(epoch) != Some(key.commitment()) {
        return Err(Hostile::ServedKeyMismatch { epoch }.into());
    }
    Ok(key)
}

/// A wrap refused as one the hub holds already (put there by an earlier attempt whose answer was
/// lost) is there: that is what was wanted.
fn held_already(outcome: Result<(), NodeError>) -> Result<(), NodeError> {
    match outcome {
        Err(NodeError::Refused { status: 409, .. }) => Ok(()),
        other => other,
    }
}

impl Session {
    /// Wraps `secret` (a data key, or the recovery secret) for the holder of `public`, and gives
    /// the wrap to the hub.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn put_wrap(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        what: Wrapped,
        to: Recipient,
        public: &[u8; 32],
        secret: &[u8; 32],
    ) -> Result<(), NodeError> {
        let entropy = WrapEntropy { ephemeral: env.bytes(), nonce: env.bytes() };
        let tenant = self.secrets.tenant;
        let wrap = Wrap::seal(tenant, what, to, self.roster.recovery_generation(), public, secret, entropy)?;
        let route = Route::PutWrap { tenant, name: wrap.own_name() };
        self.ask(store, transport, env, &route, json(&wrap))?;
        Ok(())
    }

    /// Wraps every data key this node holds for its own device key, at the hub.
    pub(crate) fn wrap_keys_for_self(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(), NodeError> {
        let public = WrapSecret::from_bytes(self.secrets.wrap).public();
        for (epoch, key) in &self.secrets.keys {
            let to = Recipient::Device(store.node());
            held_already(self.put_wrap(store, transport, env, Wrapped::DataKey(*epoch), to, &public, key.bytes()))?;
        }
        Ok(())
    }

    /// A hub that lost its storage (wiped, replaced, put back to an old copy) lacks the wraps of
    /// the current key: one look tells, and they are given back.
    pub(crate) fn give_back_lost_wraps(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(), NodeError> {
        let me = store.node();
        let probe = if self.roster.member(me).is_some_and(|m| m.role == Role::Admin) {
            Recipient::Recovery
        } else {
            Recipient::Device(me)
        };
        let name = Wrap::name(Wrapped::DataKey(self.roster.epoch()), probe, self.roster.recovery_generation());
        match self.ask(store, transport, env, &Route::GetWrap { tenant: self.secrets.tenant, name }, Vec::new()) {
            Err(NodeError::Refused { status: 404, .. }) => self.refill_wraps(store, transport, env),
            Err(error) => Err(error),
            Ok(_) => Ok(()),
        }
    }

    /// Gives a hub that lost its storage the key wraps back: an admin device wraps every epoch's
    /// key again for every enrolled device and the recovery key; any device wraps the keys for
    /// itself. Wraps the hub still holds stay.
    fn refill_wraps(&self, store: &Store, transport: &mut dyn Transport, env: &mut Env<'_>) -> Result<(), NodeError> {
        let me = store.node();
        let admin = self.roster.member(me).is_some_and(|m| m.role == Role::Admin);
        let mut recipients: Vec<(Recipient, [u8; 32])> = self
            .roster
            .members()
            .iter()
            .filter(|(id, _)| self.roster.is_active(**id) && (admin || **id == me))
            .map(|(id, member)| (Recipient::Device(*id), member.keys.wrap))
            .collect();
        if admin {
            recipients.push((Recipient::Recovery, self.roster.recovery().wrap));
        }
        for (epoch, key) in &self.secrets.keys {
            for (to, public) in &recipients {
                held_already(self.put_wrap(store, transport, env, Wrapped::DataKey(*epoch), *to, public, key.bytes()))?;
            }
        }
        if let (true, Some(recovery)) = (admin, &self.secrets.recovery) {
            let public = WrapSecret::from_bytes(self.secrets.wrap).public();
            let to = Recipient::Device(me);
            held_already(self.put_wrap(store, transport, env, Wrapped::Recovery, to, &public, recovery.bytes()))?;
        }
        Ok(())
    }

    /// On an admin device, fetches the recovery secret when the roster names a new one.
    pub(crate) fn fetch_recovery(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(), NodeError> {
        let me = store.node();
        if self.roster.member(me).map(|m| m.role) != Some(Role::Admin) {
            return Ok(());
        }
        let current = self.roster.recovery().wrap;
        if self.secrets.recovery.as_ref().is_some_and(|r| r.wrap_secret().public() == current) {
            return Ok(());
        }
        let tenant = self.secrets.tenant;
        let name = Wrap::name(Wrapped::Recovery, Recipient::Device(me), self.roster.recovery_generation());
        let answer = match self.ask(store, transport, env, &Route::GetWrap { tenant, name: name.clone() }, Vec::new()) {
            Ok(answer) => answer,
            Err(NodeError::Refused { status: 404, .. }) => return Ok(()),
            Err(error) => return Err(error),
        };
        let wrap = served_wrap(&answer.body, tenant, &name)?;
        let secret = RecoverySecret::from_bytes(*wrap.open(&self.secrets.wrap_secret())?);
        if secret.wrap_secret().public() != current {
            return Err(Hostile::ServedRecoveryMismatch.into());
        }
        self.secrets.recovery = Some(secret);
        self.save(store)
    }

    /// Fetches the data keys of epochs this node lacks, wrapped for it, and checks them.
    pub(crate) fn fetch_keys(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(), NodeError> {
        let to = (Recipient::Device(store.node()), &self.secrets.wrap_secret());
        for epoch in 1..=self.roster.epoch() {
            if self.secrets.keys.contains_key(&epoch) {
                continue;
            }
            let by = (store.signing_key(), Self::device(store));
            let key = fetch_data_key(transport, env, by, &self.roster, epoch, to)?;
            self.secrets.keys.insert(epoch, key);
        }
        Ok(())
    }
}

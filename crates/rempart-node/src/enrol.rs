//! Enrolling a new device: with an invitation code (`Session::join`), or, for a lost device, with
//! the recovery kit (`Session::restore`, which shares `Enrolment`). The new device checks the
//! roster the hub serves from its genesis, makes its data directory, and signs its own entry.

use std::collections::BTreeMap;
use std::path::Path;

use rempart_log::{Hash32, NodeId, SigningKey, TenantId};
use rempart_store::Store;
use rempart_sync::api::{Route, ServedRoster};
use rempart_sync::{
    Action, DataKey, DeviceKeys, Entry, RecoverySecret, RequestSigner, Roster, SealedInvite, Signer, SyncError,
    WrapSecret,
};

use crate::call::{call, json, parse};
use crate::invite::{InvitePayload, parse_invite_code};
use crate::{Env, Forgery, Hostile, NodeError, Secrets, Served, Session, Transport};

/// The whole roster the hub serves for `tenant`, asked for as `by`: it must verify from its
/// genesis, and that genesis must be `genesis` (the one the invitation or the kit names).
pub(crate) fn roster_from_genesis(
    transport: &mut dyn Transport,
    env: &mut Env<'_>,
    by: (&SigningKey, RequestSigner),
    tenant: TenantId,
    genesis: Hash32,
) -> Result<Roster, NodeError> {
    let answer = call(transport, env, by, &Route::Roster { tenant, after: None }, Vec::new())?;
    let served: ServedRoster = parse(&answer.body, Served::Roster)?;
    let roster = Roster::from_entries(tenant, &served.entries).map_err(|error| match error {
        SyncError::Roster(error) => NodeError::ForgedRoster(Forgery::Refused(error)),
        other => NodeError::Sync(other),
    })?;
    if roster.genesis() != genesis {
        return Err(NodeError::ForgedRoster(Forgery::OtherGenesis));
    }
    Ok(roster)
}

/// A device about to be enrolled: the roster it checked, who signs its entry (an invitation's
/// key, the recovery key), and the secrets it gets.
pub(crate) struct Enrolment<'a> {
    pub(crate) roster: Roster,
    pub(crate) by: (&'a SigningKey, Signer),
    pub(crate) keys: BTreeMap<u32, DataKey>,
    pub(crate) recovery: Option<RecoverySecret>,
}

impl Enrolment<'_> {
    /// Makes the device's data directory in `dir` under a new key, signs its roster entry
    /// (`action`, given the device and its public keys) proven by that key, gives the entry to
    /// the hub, keeps the secrets and wraps the data keys for the device. Returns the store, the
    /// session and the device's wrap secret.
    pub(crate) fn enrol(
        self,
        hub: &str,
        dir: &Path,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        action: impl FnOnce(NodeId, DeviceKeys) -> Action,
    ) -> Result<(Store, Session, WrapSecret), NodeError> {
        let Enrolment { mut roster, by: (key, signer), keys, recovery } = self;
        let tenant = roster.tenant();
        let signing = SigningKey::from_bytes(&env.bytes());
        let wrap = WrapSecret::from_bytes(env.bytes());
        let store = Store::join(env.store_environment(), dir, tenant, signing)?;
        let action = action(store.node(), DeviceKeys { sign: store.verifying_key().to_bytes(), wrap: wrap.public() });
        let entry =
            Entry::sign(&roster.next_body(env.now(), action), signer, key).proven_by_device(store.signing_key());
        roster.append(entry.clone())?;
        let request_signer = match signer {
            Signer::Device(device) => RequestSigner::Device(device),
            Signer::Invite(id) => RequestSigner::Invite(id),
            Signer::Recovery => RequestSigner::Recovery,
        };
        let route = Route::PostRoster { tenant, admission: None };
        call(transport, env, (key, request_signer), &route, json(&vec![entry]))?;
        let session = Session::new(Secrets::enrolled(tenant, hub, roster.genesis(), &wrap, keys, recovery), roster);
        session.save(&store)?;
        session.wrap_keys_for_self(&store, transport, env)?;
        Ok((store, session, wrap))
    }
}

/// A 32-byte secret of an invitation, in hexadecimal; `damaged` if it is not.
fn invitation_secret(text: &str, damaged: Hostile) -> Result<[u8; 32], NodeError> {
    let mut bytes = [0u8; 32];
    match hex::decode_to_slice(text, &mut bytes) {
        Ok(()) => Ok(bytes),
        Err(_) => Err(damaged.into()),
    }
}

impl Session {
    /// Enrols a new device in `dir` with an invitation code: fetches and opens the invitation,
    /// checks the roster against it, creates the data directory and signs the join.
    pub fn join(
        code: &str,
        hub: &str,
        dir: &Path,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
    ) -> Result<(Store, Session), NodeError> {
        let (tenant, secret) = parse_invite_code(code)?;
        let id = secret.id();
        let invite_key = secret.signing_key();
        let by = (&invite_key, RequestSigner::Invite(id));
        let answer =
            call(transport, env, by, &Route::GetInvite { tenant, id }, Vec::new()).map_err(|error| match error {
                NodeError::Refused { status: 403 | 404, .. } => NodeError::InvitationClosed,
                other => other,
            })?;
        let sealed: SealedInvite = parse(&answer.body, Served::Invitation)?;
        let payload: InvitePayload =
            serde_json::from_slice(&secret.open(&sealed)?).map_err(|_| Hostile::InvitationUnreadable)?;
        let roster = roster_from_genesis(transport, env, by, tenant, payload.genesis)?;
        let named = usize::try_from(payload.roster_len).ok().and_then(|len| len.checked_sub(1));
        if let Some(at) = named
            && roster.entries().get(at).map(Entry::hash) != Some(payload.roster_head)
        {
            return Err(NodeError::ForgedRoster(Forgery::ShorterThanNamed { named: payload.roster_len }));
        }
        // Expired by this machine's clock too, whatever the hub's says.
        if roster.invitation_expiry(id).is_none_or(|expires| env.now() > expires) {
            return Err(NodeError::InvitationClosed);
        }
        let mut keys = BTreeMap::new();
        for (epoch, text) in &payload.keys {
            let key = DataKey::new(*epoch, invitation_secret(text, Hostile::InvitationKeyDamaged)?);
            if roster.commitment(*epoch) != Some(key.commitment()) {
                return Err(Hostile::InvitationKeyMismatch { epoch: *epoch }.into());
            }
            keys.insert(*epoch, key);
        }
        let recovery = match &payload.recovery {
            // Only the company's current recovery secret is held: an older one (the inviting
            // device had not synced a renewal yet) is left, and the current one is fetched.
            Some(text) => Some(RecoverySecret::from_bytes(invitation_secret(text, Hostile::InvitationDamaged)?))
                .filter(|secret| secret.wrap_secret().public() == roster.recovery().wrap),
            None => None,
        };
        let enrolment = Enrolment { roster, by: (&invite_key, Signer::Invite(id)), keys, recovery };
        let (mut store, session, _) =
            enrolment.enrol(hub, dir, transport, env, |device, keys| Action::Join { invite: id, device, keys })?;
        store.set_sync_setting("hub", hub)?;
        if let Some(series) = session.roster.invitation_series(id) {
            store.set_invoice_series(series)?;
        }
        Ok((store, session))
    }
}

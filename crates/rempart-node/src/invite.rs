//! Invitations: an admin device publishes a one-time invitation for a new device, sealed under
//! its code (`RMP1-...`, carrying the company and the invitation's secret), with the data keys
//! and the roster as the inviting device holds it.

use std::collections::BTreeMap;

use base64::Engine as _;
use rempart_log::{Hash32, TenantId};
use rempart_store::Store;
use rempart_sync::api::Route;
use rempart_sync::{Action, Entry, InviteSecret, Role, Signer};
use serde::{Deserialize, Serialize};

use crate::call::{json, zeroizing_json};
use crate::{Env, Local, NodeError, Session, Transport};

/// Payload of an invitation, encrypted under its code.
#[derive(Serialize, Deserialize)]
pub(crate) struct InvitePayload {
    pub(crate) genesis: Hash32,
    /// The roster as the inviting device held it, with the invitation: the joining device
    /// refuses a roster the hub cut short of it (a revocation hidden), or that parted from it.
    #[serde(default)]
    pub(crate) roster_len: u64,
    #[serde(default)]
    pub(crate) roster_head: Hash32,
    pub(crate) keys: BTreeMap<u32, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) recovery: Option<String>,
}

const CODE_PREFIX: &str = "RMP1-";

/// The one-time code of an invitation: the tenant and the invitation's secret.
pub fn invite_code(tenant: TenantId, secret: &InviteSecret) -> String {
    let mut bytes = tenant.as_bytes().to_vec();
    bytes.extend_from_slice(secret.bytes());
    format!("{CODE_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub fn parse_invite_code(code: &str) -> Result<(TenantId, InviteSecret), NodeError> {
    let bad = || NodeError::Local(Local::NotAnInvitationCode);
    let body = code.trim().strip_prefix(CODE_PREFIX).ok_or_else(bad)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
    if bytes.len() != 48 {
        return Err(bad());
    }
    let tenant = TenantId::from_bytes(bytes[..16].try_into().map_err(|_| bad())?);
    let secret = InviteSecret::from_bytes(bytes[16..].try_into().map_err(|_| bad())?);
    Ok((tenant, secret))
}

impl Session {
    /// Publishes a one-time invitation for a new device, reserving `series` for its invoice
    /// numbers (`2026-B-0001`); returns its code. Without a series (invitations written before
    /// series existed), the device numbers its invoices after its id.
    pub fn invite(
        &mut self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        role: Role,
        valid_ms: u64,
        series: Option<&str>,
    ) -> Result<String, NodeError> {
        if let Some(series) = series
            && !rempart_sync::roster::series_valid(series)
        {
            return Err(NodeError::Local(Local::BadSeries { series: series.to_owned() }));
        }
        self.refresh_roster(store, transport, env)?;
        let me = store.node();
        if self.roster.member(me).map(|m| m.role) != Some(Role::Admin) {
            return Err(NodeError::NotAdmin);
        }
        if let Some(series) = series
            && self.roster.series_taken(series)
        {
            return Err(NodeError::Local(Local::SeriesTaken { series: series.to_owned() }));
        }
        let secret = InviteSecret::from_bytes(env.bytes());
        let now = env.now();
        let action = Action::Invite {
            invite: secret.id(),
            invite_key: secret.signing_key().verifying_key().to_bytes(),
            role,
            expires_ms: now + valid_ms,
            series: series.map(str::to_owned),
        };
        let entry = Entry::sign(&self.roster.next_body(now, action), Signer::Device(me), store.signing_key());
        let tenant = self.secrets.tenant;
        self.post_entry(store, transport, env, &entry)?;
        self.roster.append(entry)?;
        self.save(store)?;
        let payload = InvitePayload {
            genesis: self.roster.genesis(),
            roster_len: self.roster.len(),
            roster_head: self.roster.head(),
            keys: self.secrets.keys.iter().map(|(epoch, key)| (*epoch, hex::encode(key.bytes()))).collect(),
            recovery: (role == Role::Admin)
                .then(|| self.secrets.recovery.as_ref().map(|r| hex::encode(r.bytes())))
                .flatten(),
        };
        let sealed = secret.seal(tenant, &zeroizing_json(&payload), env.bytes());
        self.ask(store, transport, env, &Route::PutInvite { tenant, id: secret.id() }, json(&sealed))?;
        Ok(invite_code(tenant, &secret))
    }
}

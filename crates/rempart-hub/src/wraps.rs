//! Key wraps at the hub: each stored create-only under the name its own fields give, of the
//! company, for a key epoch its roster has, to an active device or the current recovery key;
//! an admin device (or the recovery key) writes them for anyone, a device only its own.

use rempart_log::TenantId;
use rempart_sync::{Recipient, RequestAuth, RequestSigner, Role, Roster, Wrap, Wrapped};

use crate::layout::wrap_key;
use crate::objects;
use crate::request::{Refusal, Response, refuse};
use crate::{Hub, Put};

/// The storage key of the wrap `name`, if the name makes one.
fn checked_key(tenant: TenantId, name: &str) -> Result<String, Refusal> {
    let key = wrap_key(tenant, name);
    objects::check_key(&key).map_err(|_| refuse(400, "bad_request", "bad wrap name"))?;
    Ok(key)
}

impl Hub {
    pub(crate) fn read_wrap(&self, tenant: TenantId, name: &str) -> Result<Response, Refusal> {
        let key = checked_key(tenant, name)?;
        let bytes = self.objects.get(&key)?.ok_or_else(|| refuse(404, "not_found", format!("no wrap {name}")))?;
        Ok(Response::stored_json(bytes))
    }

    pub(crate) fn put_wrap(
        &self,
        roster: &Roster,
        auth: &RequestAuth,
        tenant: TenantId,
        name: &str,
        body: &[u8],
    ) -> Result<Response, Refusal> {
        let key = checked_key(tenant, name)?;
        let wrap: Wrap =
            serde_json::from_slice(body).map_err(|_| refuse(400, "bad_request", "the body is not a key wrap"))?;
        // A wrap is taken only under the name its own fields give, of this company, for a key
        // epoch the roster has, to an active device or the current recovery key: no name can be
        // squatted for a wrap to come.
        let generation = roster.recovery_generation();
        let epoch_known = match wrap.what {
            Wrapped::DataKey(epoch) => epoch >= 1 && epoch <= roster.epoch(),
            Wrapped::Recovery => true,
        };
        let recipient_known = match wrap.to {
            Recipient::Device(device) => roster.is_active(device),
            Recipient::Recovery => true,
        };
        if wrap.tenant != tenant
            || !epoch_known
            || !recipient_known
            || wrap.generation != generation
            || name != wrap.own_name()
        {
            return Err(refuse(
                400,
                "bad_wrap",
                "the wrap's name, company, key epoch or recipient is not one it may have",
            ));
        }
        let admin = auth.signer == RequestSigner::Recovery
            || matches!(auth.signer, RequestSigner::Device(d) if roster.member(d).is_some_and(|m| m.role == Role::Admin));
        // A device may write only the wraps of the data keys addressed to itself.
        let own = matches!(
            (auth.signer, wrap.to, wrap.what),
            (RequestSigner::Device(d), Recipient::Device(to), Wrapped::DataKey(_)) if d == to
        );
        if !admin && !own {
            return Err(refuse(403, "forbidden", "only an admin device writes key wraps for others"));
        }
        match self.store_new(&key, body, tenant)? {
            Put::Created => Ok(Response::created()),
            Put::Exists if self.objects.get(&key)?.as_deref() == Some(body) => Ok(Response::already_held()),
            Put::Exists => Err(refuse(409, "conflict", format!("the hub holds another wrap named {name}"))),
        }
    }
}

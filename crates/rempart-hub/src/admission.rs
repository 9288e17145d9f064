//! Which new companies the hub takes: one with a one-time admission token its operator issued
//! (`issue_admission`, spent create-only), or any on a hub with open signup; a company the hub
//! saw before (its roster lost and given back) is known by its genesis, and its id cannot be
//! taken by another roster; and no more companies than the hub's cap.

use rempart_log::{Hash32, TenantId};

use crate::layout::{SEEN_PREFIX, admission_key, admission_used_key, seen_key};
use crate::request::{Refusal, refuse};
use crate::{Hub, ObjectError, ObjectStore, Put};

const ADMISSION_CONTEXT: &str = "rempart 2026-12 hub admission token v1";
const ADMISSION_PREFIX: &str = "RMPA-";

/// The storage key of an admission token, from its text (`RMPA-` and 64 hexadecimal digits).
fn token_key(token: &str) -> Option<String> {
    let hex = token.trim().strip_prefix(ADMISSION_PREFIX)?;
    let mut secret = [0u8; 32];
    hex::decode_to_slice(hex, &mut secret).ok()?;
    Some(admission_key(&blake3::derive_key(ADMISSION_CONTEXT, &secret)))
}

/// Registers a one-time admission token made of `secret` in `objects`, as the hub's operator
/// does to let one new company in; returns the token to give to that company.
pub fn issue_admission(objects: &dyn ObjectStore, secret: [u8; 32]) -> Result<String, ObjectError> {
    let token = format!("{ADMISSION_PREFIX}{}", hex::encode(secret));
    let key = token_key(&token).expect("a token made of a secret's hexadecimal names its key");
    objects.put_new(&key, b"open")?;
    Ok(token)
}

fn admission_refused() -> Refusal {
    refuse(
        403,
        "admission",
        "this hub admits a new company only with a one-time admission token from its operator: connect with --token",
    )
}

/// A new company's admission, to be spent once its request is authenticated.
pub(crate) struct Admission {
    /// The storage key of its token (none on a hub with open signup).
    token: Option<String>,
}

impl Hub {
    /// What admitting a company new to this hub's storage takes: nothing if the hub saw this
    /// very company before (its roster lost and given back) or signs up anyone; else a one-time
    /// token (`token`, from the request's target), and room for one more company. Returns the
    /// token's key, to be spent by `admit` once the request is authenticated.
    pub(crate) fn admission(
        &self,
        tenant: TenantId,
        genesis: Hash32,
        token: Option<&str>,
    ) -> Result<Option<Admission>, Refusal> {
        match self.objects.get(&seen_key(tenant))? {
            Some(seen) if seen == genesis.to_hex().as_bytes() => return Ok(None),
            Some(_) => {
                return Err(refuse(
                    409,
                    "company_taken",
                    format!("company id {tenant} belongs to another roster at this hub: it cannot be taken"),
                ));
            }
            None => {}
        }
        let token = match (self.open_signup, token) {
            (true, _) => None,
            (false, Some(token)) => Some(token_key(token).ok_or_else(admission_refused)?),
            (false, None) => return Err(admission_refused()),
        };
        if let Some(key) = &token
            && (self.objects.get(key)?.is_none() || self.objects.get(&admission_used_key(key))?.is_some())
        {
            return Err(admission_refused());
        }
        if self.objects.list(SEEN_PREFIX)?.len() as u64 >= self.limits.companies_max {
            return Err(refuse(507, "hub_full", "this hub admits no more companies"));
        }
        Ok(Some(Admission { token }))
    }

    /// Spends the admission token and records the company as seen, both create-only: of two
    /// requests racing for one token or one id, one wins.
    pub(crate) fn admit(&self, tenant: TenantId, genesis: Hash32, admission: Admission) -> Result<(), Refusal> {
        if let Some(key) = admission.token
            && self.objects.put_new(&admission_used_key(&key), tenant.to_hex().as_bytes())? == Put::Exists
        {
            return Err(admission_refused());
        }
        let seen = seen_key(tenant);
        if self.objects.put_new(&seen, genesis.to_hex().as_bytes())? == Put::Exists
            && self.objects.get(&seen)?.as_deref() != Some(genesis.to_hex().as_bytes())
        {
            return Err(refuse(409, "company_taken", format!("company id {tenant} was taken meanwhile")));
        }
        tracing::info!(tenant = %tenant, "company admitted");
        Ok(())
    }
}

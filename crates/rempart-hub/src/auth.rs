//! Who a request is from, and what it may do: its signed headers checked before its body is read
//! (`Hub::precheck`: well formed, on time, a new nonce, a signer the company's roster knows, with
//! a short memory of signers storage did not know), then its signature over the hub's identity,
//! method, target and body, its nonce spent, the company's request budget, and the signer's
//! right to the endpoint (`Access`).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use rempart_log::TenantId;
use rempart_sync::api::{Route, RouteError};
use rempart_sync::auth::REQUEST_SKEW_MS;
use rempart_sync::{Call, RequestAuth, RequestSigner, Role, Roster};

use crate::request::{Method, Refusal, Request, Response, refuse};
use crate::roster::unknown_tenant;
use crate::{Hub, lock};

/// What an endpoint asks of its signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Roster, wraps, invitations: enrolled devices, and the invitation being used.
    Read,
    /// Batches and heads: enrolled devices.
    Write,
    /// Invitations: admin devices.
    Admin,
}

/// A request under a company's path with its signed headers read: what checking it takes.
pub(crate) struct Signed<'a> {
    pub(crate) request: &'a Request,
    pub(crate) auth: RequestAuth,
    pub(crate) tenant: TenantId,
    pub(crate) now_ms: u64,
}

/// Nonces seen within twice the allowed clock skew: by (signer, nonce), and in arrival order to
/// forget them.
#[derive(Default)]
pub(crate) struct Nonces {
    seen: HashMap<(String, [u8; 16]), u64>,
    order: VecDeque<(u64, String, [u8; 16])>,
}

/// How long a signer that storage did not know is refused without reading storage again, and
/// how many such signers are remembered.
const UNKNOWN_SIGNER_MS: u64 = 5_000;
const UNKNOWN_SIGNERS_MAX: usize = 100_000;

/// The largest body of a roster upload (a few thousand entries).
const ROSTER_BODY_MAX: usize = 4 << 20;

/// The key a request's signer signs with, if the roster gives it power now: an active device's,
/// an open invitation's, the current recovery key.
fn signer_key(roster: &Roster, signer: RequestSigner, now_ms: u64) -> Option<[u8; 32]> {
    match signer {
        RequestSigner::Device(device) => {
            roster.member(device).filter(|_| roster.is_active(device)).map(|m| m.keys.sign)
        }
        RequestSigner::Invite(id) => roster.open_invitation(id, now_ms),
        RequestSigner::Recovery => Some(roster.recovery().sign),
    }
}

/// The refusal of a signer the company's roster does not count among its devices.
pub(crate) fn not_enrolled(auth: &RequestAuth, tenant: TenantId) -> Refusal {
    refuse(403, "forbidden", format!("{} is not an enrolled device of company {tenant}", auth.signer.to_header()))
}

impl Hub {
    /// What can be checked of a request before its body is read: the signed headers are well
    /// formed, its time is near the hub's clock, its nonce is new, the company's request budget
    /// is not spent, and its signer is known to the company's roster (an active device, an open
    /// invitation, the recovery key). Returns the largest body the request may then send, or the
    /// answer that refuses it, so a stranger cannot make the hub read (or buffer) a body. The signature itself covers the body's hash
    /// and is checked once the body is in, by `handle`.
    pub fn precheck(&self, request: &Request, now_ms: u64) -> Result<usize, Response> {
        let refused = |refusal: Refusal| self.answer_refusal(request, refusal);
        let route = Route::parse(request.method.as_str(), &request.target);
        let tenant = match &route {
            Ok(route) => route.tenant(),
            Err(error @ RouteError::BadTenant { .. }) => {
                return Err(refused(refuse(400, "bad_request", error.to_string())));
            }
            Err(error) => error.tenant(),
        };
        // Health, metrics, unknown paths: no body is wanted.
        let Some(tenant) = tenant else { return Ok(0) };
        let auth = request.auth().map_err(refused)?;
        if auth.time_ms.abs_diff(now_ms) > REQUEST_SKEW_MS {
            return Err(refused(refuse(401, "unauthenticated", "the request's time is too far from the hub's clock")));
        }
        if lock(&self.nonces).seen.contains_key(&(auth.signer.to_header(), auth.nonce)) {
            return Err(refused(replayed()));
        }
        self.rate_spent(tenant, now_ms).map_err(refused)?;
        // The whole roster goes to a hub that lacks it (new company, wiped hub, a hub behind
        // the device) signed by a device it may not know yet: a small body, checked whole.
        if let Ok(Route::PostRoster { .. }) = route {
            return Ok(self.limits.body_bytes_max.min(ROSTER_BODY_MAX));
        }
        if !self.signer_known(tenant, &auth, now_ms).map_err(refused)? {
            return Err(refused(not_enrolled(&auth, tenant)));
        }
        Ok(self.limits.body_bytes_max)
    }

    /// Whether `auth`'s signer is in the company's roster: from the cached roster, else from
    /// storage once, after which an unknown signer is remembered for `UNKNOWN_SIGNER_MS` and
    /// costs no more storage reads (the roster growing in this process forgets it at once).
    fn signer_known(&self, tenant: TenantId, auth: &RequestAuth, now_ms: u64) -> Result<bool, Refusal> {
        let known = |roster: &Roster| signer_key(roster, auth.signer, now_ms).is_some();
        if self.roster(tenant, false)?.as_deref().is_some_and(known) {
            return Ok(true);
        }
        let remembered = (tenant, auth.signer.to_header());
        {
            let mut unknown = lock(&self.unknown_signers);
            if unknown.get(&remembered).is_some_and(|until| *until > now_ms) {
                return Ok(false);
            }
            if unknown.len() >= UNKNOWN_SIGNERS_MAX {
                unknown.retain(|_, until| *until > now_ms);
                if unknown.len() >= UNKNOWN_SIGNERS_MAX {
                    unknown.clear();
                }
            }
        }
        let fresh = self.roster(tenant, true)?;
        if fresh.as_deref().is_some_and(known) {
            return Ok(true);
        }
        lock(&self.unknown_signers).insert(remembered, now_ms + UNKNOWN_SIGNER_MS);
        Ok(false)
    }

    /// Forgets the signers storage did not know for `tenant`: its roster just grew.
    pub(crate) fn forget_unknown_signers(&self, tenant: TenantId) {
        lock(&self.unknown_signers).retain(|(known_tenant, _), _| *known_tenant != tenant);
    }

    /// Checks the request's signature and the signer's right to `access` the tenant; returns the
    /// roster it was checked against.
    pub(crate) fn authorize(&self, signed: &Signed<'_>, access: Access) -> Result<Arc<Roster>, Refusal> {
        let Signed { request, ref auth, tenant, now_ms } = *signed;
        // Writes read the roster from storage: another hub process may have revoked the signer.
        let mut roster = self.roster(tenant, request.method != Method::Get)?;
        let key_of = |roster: &Roster| -> Option<([u8; 32], bool)> {
            let key = signer_key(roster, auth.signer, now_ms)?;
            let allowed = match (auth.signer, access) {
                (RequestSigner::Device(device), Access::Admin) => {
                    roster.member(device).is_some_and(|m| m.role == Role::Admin)
                }
                (RequestSigner::Invite(_), access) => access == Access::Read,
                _ => true,
            };
            Some((key, allowed))
        };
        let mut found = roster.as_deref().and_then(key_of);
        if found.is_none() {
            // Another hub process may have enrolled the signer since this one last read the roster.
            roster = self.roster(tenant, true)?;
            found = roster.as_deref().and_then(key_of);
        }
        if roster.is_none() {
            return Err(unknown_tenant(tenant));
        }
        let (Some(roster), Some((key, allowed))) = (roster, found) else {
            return Err(not_enrolled(auth, tenant));
        };
        let key = VerifyingKey::from_bytes(&key)
            .map_err(|_| refuse(403, "forbidden", "the signer's key in the roster is not usable"))?;
        self.verify(signed, &key)?;
        if !allowed {
            return Err(refuse(403, "forbidden", "this device may not do that: it needs the admin role"));
        }
        Ok(roster)
    }

    /// Checks the request's signature by `key`, spends its nonce and counts it against the
    /// company's budget.
    pub(crate) fn verify(&self, signed: &Signed<'_>, key: &VerifyingKey) -> Result<(), Refusal> {
        let Signed { request, ref auth, tenant, now_ms } = *signed;
        let call = Call {
            hub: &self.identity()?,
            method: request.method.as_str(),
            target: &request.target,
            body: &request.body,
        };
        auth.verify(key, &call, now_ms).map_err(|error| refuse(401, "unauthenticated", error.to_string()))?;
        self.check_nonce(auth, now_ms)?;
        self.rate_limit(tenant, now_ms)
    }

    fn check_nonce(&self, auth: &RequestAuth, now_ms: u64) -> Result<(), Refusal> {
        let mut guard = lock(&self.nonces);
        let Nonces { seen, order } = &mut *guard;
        while let Some((at, signer, nonce)) = order.front() {
            if at + 2 * REQUEST_SKEW_MS >= now_ms {
                break;
            }
            seen.remove(&(signer.clone(), *nonce));
            order.pop_front();
        }
        let signer = auth.signer.to_header();
        if seen.contains_key(&(signer.clone(), auth.nonce)) {
            return Err(replayed());
        }
        seen.insert((signer.clone(), auth.nonce), now_ms);
        order.push_back((now_ms, signer, auth.nonce));
        Ok(())
    }
}

fn replayed() -> Refusal {
    refuse(401, "replayed", "this request was already received: a nonce is used once")
}

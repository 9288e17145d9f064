//! The companies' rosters at the hub: read back from storage and cached per process (a cached
//! roster stands for storage while one listing shows it unchanged), served from an entry on, and
//! extended by entries that verify, are signed by a key holding the power to write them and
//! continue what the hub holds (a company new to the hub's storage admitted first).

use std::borrow::Cow;
use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use rempart_log::TenantId;
use rempart_sync::api::ServedRoster;
use rempart_sync::auth::REQUEST_SKEW_MS;
use rempart_sync::{Action, Entry, RequestSigner, Role, Roster, Signer};

use crate::auth::{Signed, not_enrolled};
use crate::layout::{invite_key, roster_key, roster_prefix};
use crate::request::{Refusal, Response, refuse};
use crate::{Hub, Listed, Put, lock};

/// The refusal of a company the hub does not hold.
pub(crate) fn unknown_tenant(tenant: TenantId) -> Refusal {
    refuse(404, "unknown_tenant", format!("the hub holds no company {tenant}"))
}

impl Hub {
    /// The tenant's roster, from the cache or storage (`fresh` reads storage).
    pub(crate) fn roster(&self, tenant: TenantId, fresh: bool) -> Result<Option<Arc<Roster>>, Refusal> {
        if !fresh && let Some(roster) = lock(&self.rosters).get(&tenant) {
            return Ok(Some(Arc::clone(roster)));
        }
        let listed = self.objects.list(&roster_prefix(tenant))?;
        if listed.is_empty() {
            lock(&self.rosters).remove(&tenant);
            return Ok(None);
        }
        // Entries are only ever added: a cached roster of the same length whose last entry has
        // the stored size is the stored one, and one listing stands for reading every entry.
        if let Some(cached) = lock(&self.rosters).get(&tenant)
            && cached.len() == listed.len() as u64
            && cached.entries().last().map(|entry| serde_json::to_vec(entry).map_or(0, |b| b.len() as u64))
                == listed.last().map(|object| object.size)
        {
            return Ok(Some(Arc::clone(cached)));
        }
        let mut entries = Vec::with_capacity(listed.len());
        for Listed { key, .. } in listed {
            let bytes = self.objects.get(&key)?.unwrap_or_default();
            let entry: Entry = serde_json::from_slice(&bytes).map_err(|_| {
                tracing::error!(key, "a stored roster entry cannot be read");
                refuse(500, "storage", "the hub's copy of the roster is damaged; re-upload it from a node")
            })?;
            entries.push(entry);
        }
        let roster = Roster::from_entries(tenant, &entries).map_err(|error| {
            tracing::error!(%error, "the stored roster does not verify");
            refuse(
                500,
                "storage",
                format!("the hub's copy of the roster does not verify ({error}); re-upload it from a node"),
            )
        })?;
        let roster = Arc::new(roster);
        lock(&self.rosters).insert(tenant, Arc::clone(&roster));
        Ok(Some(roster))
    }

    /// `GET roster`: the entries after the first `after`, and the roster's length. Read from
    /// storage, not the cache: a node must see a wiped or rolled-back store.
    pub(crate) fn serve_roster(&self, tenant: TenantId, after: u64) -> Result<Response, Refusal> {
        let roster = self.roster(tenant, true)?.ok_or_else(|| unknown_tenant(tenant))?;
        let entries = usize::try_from(after).ok().and_then(|after| roster.entries().get(after..)).unwrap_or_default();
        let served = ServedRoster { entries: Cow::Borrowed(entries), len: roster.len() };
        // Written as it always was, through a JSON value: the entries' fields in the order of
        // their names.
        let served = serde_json::to_value(served).expect("a roster answer serialises");
        Ok(Response::json(200, &served))
    }

    /// `POST roster`: extends the roster (see `extend_roster`). A signer the hub does not know for
    /// this company learns nothing from the details of a refusal.
    pub(crate) fn post_roster(&self, signed: &Signed<'_>, admission: Option<&str>) -> Result<Response, Refusal> {
        let Signed { ref auth, tenant, now_ms, .. } = *signed;
        let outcome = self.extend_roster(signed, admission);
        if let Err(refusal) = &outcome
            && refusal.status != 401
            && let Some(held) = self.roster(tenant, false)?
        {
            let known = match auth.signer {
                RequestSigner::Device(device) => held.member(device).is_some(),
                RequestSigner::Invite(id) => held.open_invitation(id, now_ms).is_some(),
                RequestSigner::Recovery => true,
            };
            if !known {
                return Err(not_enrolled(auth, tenant));
            }
        }
        outcome
    }

    fn extend_roster(&self, signed: &Signed<'_>, admission: Option<&str>) -> Result<Response, Refusal> {
        let Signed { request, ref auth, tenant, now_ms } = *signed;
        let entries: Vec<Entry> = serde_json::from_slice(&request.body).map_err(|error| {
            refuse(400, "bad_request", format!("the body is not a list of roster entries: {error}"))
        })?;
        if entries.is_empty() {
            return Err(refuse(400, "bad_request", "no roster entry"));
        }
        let held = self.roster(tenant, true)?;
        let held_len = held.as_ref().map_or(0, |r| r.len());
        // Entries the hub holds must be the same; the new ones must extend the chain.
        let mut roster = match &held {
            Some(roster) => (**roster).clone(),
            None => Roster::from_entries(tenant, &entries[..1])
                .map_err(|error| refuse(400, "bad_roster", format!("the roster does not verify: {error}")))?,
        };
        // A company new to this hub's storage needs admission.
        let admission = if held_len == 0 { self.admission(tenant, roster.genesis(), admission)? } else { None };
        let start = if held_len == 0 { 1 } else { 0 };
        // Joins of invitations no longer open by the hub's clock, taken only as history an admin
        // built on (see below): their positions in `entries`.
        let mut joins_to_vouch = Vec::new();
        for (at, entry) in entries.iter().enumerate().skip(start) {
            let body = entry.parse_body().map_err(|error| refuse(400, "bad_roster", error.to_string()))?;
            let seq = body.seq;
            if seq <= roster.len() {
                if seq == 0 || roster.entries().get(seq as usize - 1) != Some(entry) {
                    return Err(refuse(409, "conflict", format!("the hub holds another roster entry {seq}")));
                }
                continue;
            }
            // Dated ahead of the hub's clock: an invitation could otherwise outlive every
            // revocation.
            if body.at_ms > now_ms.saturating_add(REQUEST_SKEW_MS) {
                return Err(refuse(400, "bad_roster", format!("roster entry {seq} is dated ahead of the hub's clock")));
            }
            // A join new to a hub that holds the company uses an invitation open now, by the
            // hub's clock, whoever signs the request (the joiner chose the entry's date) - or is
            // history: a hub put back to an old copy is given entries back that the company built
            // on since, which an admin or the recovery key signed after the join.
            if let (Some(_), Action::Join { invite, .. }) = (&held, &body.action)
                && roster.open_invitation(*invite, now_ms).is_none()
            {
                joins_to_vouch.push(at);
            }
            roster.append(entry.clone()).map_err(|error| refuse(400, "bad_roster", error.to_string()))?;
        }
        // Who may vouch: the recovery key (whose holder has every power already), or an admin the
        // hub's copy held before this upload (not one the upload itself enrols: an expired admin
        // invitation could otherwise vouch for its own join).
        let vouches = |entry: &Entry| match entry.signer {
            Signer::Recovery => true,
            Signer::Device(device) => held.as_ref().is_some_and(|held| {
                held.is_active(device) && held.member(device).is_some_and(|member| member.role == Role::Admin)
            }),
            Signer::Invite(_) => false,
        };
        if joins_to_vouch.iter().any(|at| !entries[at + 1..].iter().any(vouches)) {
            return Err(refuse(403, "forbidden", "the invitation is unknown, used or expired"));
        }
        // The signer must belong to the roster as it stands with the new entries: the device that
        // signs them, or the invitation a join uses.
        let key = match auth.signer {
            RequestSigner::Device(device) => {
                roster.member(device).filter(|_| roster.is_active(device)).map(|m| m.keys.sign)
            }
            RequestSigner::Invite(id) => {
                let joins = roster.entries()[held_len as usize..].iter().any(|entry| {
                    matches!(entry.parse_body().map(|b| b.action), Ok(Action::Join { invite, .. }) if invite == id)
                });
                joins.then(|| held.as_deref().and_then(|r| r.open_invitation(id, now_ms))).flatten()
            }
            RequestSigner::Recovery => Some(roster.recovery().sign),
        }
        .ok_or_else(|| {
            refuse(403, "forbidden", format!("{} may not write the roster of {tenant}", auth.signer.to_header()))
        })?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| refuse(403, "forbidden", "unusable key"))?;
        self.verify(signed, &key)?;
        if let Some(admission) = admission {
            self.admit(tenant, roster.genesis(), admission)?;
        }
        for (index, entry) in roster.entries().iter().enumerate().skip(held_len as usize) {
            let seq = index as u64 + 1;
            let bytes = serde_json::to_vec(entry).expect("a roster entry serialises");
            if self.store_new(&roster_key(tenant, seq), &bytes, tenant)? == Put::Exists {
                lock(&self.rosters).remove(&tenant);
                return Err(refuse(
                    409,
                    "conflict",
                    format!("roster entry {seq} was written meanwhile; read the roster again"),
                ));
            }
        }
        lock(&self.rosters).insert(tenant, Arc::new(roster.clone()));
        self.forget_unknown_signers(tenant);
        // A used, expired or closed invitation's sealed payload (the company's keys, under the
        // code) is destroyed: whoever reads the hub's storage later, code in hand, finds nothing.
        for invite in roster.closed_invitations(now_ms) {
            self.objects.remove(&invite_key(tenant, invite))?;
        }
        tracing::info!(entries = roster.len() - held_len, "roster extended");
        Ok(Response::json(201, &serde_json::json!({ "roster_len": roster.len() })))
    }
}

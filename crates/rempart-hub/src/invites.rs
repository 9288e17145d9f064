//! Sealed invitations at the hub: stored by an admin device for an invitation the roster holds
//! open, fetched once with the invitation's own code, and destroyed once expired (or used, or
//! closed: see `extend_roster`).

use rempart_log::{Hash32, TenantId};
use rempart_sync::{RequestSigner, Roster};

use crate::Hub;
use crate::auth::Signed;
use crate::layout::invite_key;
use crate::request::{Refusal, Response, refuse};

impl Hub {
    /// `PUT invites/<id>`, once an admin device's request is authorized against `roster`.
    pub(crate) fn put_invite(
        &self,
        roster: &Roster,
        tenant: TenantId,
        id: Hash32,
        body: &[u8],
        now_ms: u64,
    ) -> Result<Response, Refusal> {
        if roster.open_invitation(id, now_ms).is_none() {
            return Err(refuse(409, "conflict", "the roster has no open invitation with this id"));
        }
        self.store_new(&invite_key(tenant, id), body, tenant)?;
        Ok(Response::created())
    }

    /// Before `GET invites/<id>` is authorized: an invitation expired since the roster last grew
    /// is destroyed now, and only the invitation itself may fetch it.
    pub(crate) fn open_invite(&self, signed: &Signed<'_>, id: Hash32) -> Result<(), Refusal> {
        let Signed { ref auth, tenant, now_ms, .. } = *signed;
        if let Some(roster) = self.roster(tenant, false)?
            && roster.invitation_expiry(id).is_some_and(|expires| now_ms > expires)
        {
            self.objects.remove(&invite_key(tenant, id))?;
        }
        if auth.signer != RequestSigner::Invite(id) {
            return Err(refuse(403, "forbidden", "an invitation is fetched with its own code"));
        }
        Ok(())
    }

    /// `GET invites/<id>`, once authorized: the sealed invitation.
    pub(crate) fn read_invite(&self, tenant: TenantId, id: Hash32) -> Result<Response, Refusal> {
        let bytes =
            self.objects.get(&invite_key(tenant, id))?.ok_or_else(|| refuse(404, "not_found", "no such invitation"))?;
        Ok(Response::stored_json(bytes))
    }
}

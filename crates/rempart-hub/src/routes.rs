//! How a request reaches what answers it: its target read as a route of the API
//! (`rempart_sync::api::Route::parse`, the one definition the node writes its targets with),
//! then, under a company's path, the checks every request there passes (body size, signed headers)
//! before the endpoint's own, and a refusal answered and counted.

use std::sync::atomic::Ordering;

use rempart_log::TenantId;
use rempart_sync::api::{HubIdentity, Refused, Route, RouteError};

use crate::auth::{Access, Signed};
use crate::request::{Refusal, Request, Response, refuse};
use crate::{Hub, Method};

impl Hub {
    /// Handles one request at time `now_ms`.
    pub fn handle(&self, request: &Request, now_ms: u64) -> Response {
        self.metrics.requests.fetch_add(1, Ordering::Relaxed);
        let route = Route::parse(request.method.as_str(), &request.target);
        let outcome = match route {
            Ok(Route::Health) => Ok(Response::text(200, "ok\n".to_owned())),
            // Who this hub is, for the signatures of the requests made to it.
            Ok(Route::HubIdentity) => {
                self.identity().map(|identity| Response::json(200, &HubIdentity { hub: hex::encode(identity) }))
            }
            Ok(Route::Metrics) => self.metrics(request),
            Err(error @ RouteError::BadTenant { .. }) => Err(refuse(400, "bad_request", error.to_string())),
            Err(error @ RouteError::UnknownPath { .. }) => Err(refuse(404, "not_found", error.to_string())),
            // Everything else is under a company's path.
            route => match route.as_ref().map_or_else(RouteError::tenant, Route::tenant) {
                Some(tenant) => self.tenant_request(request, tenant, route, now_ms),
                // Every other route and refusal names a company: none comes here.
                None => Err(no_such_endpoint(request)),
            },
        };
        match outcome {
            Ok(response) => response,
            Err(refusal) => self.answer_refusal(request, refusal),
        }
    }

    /// The answer to a refused request: its status, message and short reason, counted.
    pub(crate) fn answer_refusal(&self, request: &Request, refusal: Refusal) -> Response {
        self.metrics.refused(refusal.reason);
        tracing::info!(request_id = %request.request_id, status = refusal.status, reason = refusal.reason, "refused: {}", refusal.message);
        let body = Refused { error: &refusal.message, reason: refusal.reason, request_id: &request.request_id };
        Response::json(refusal.status, &body)
    }

    /// A request under `tenant`'s path, its route read (or not) from its target.
    fn tenant_request(
        &self,
        request: &Request,
        tenant: TenantId,
        route: Result<Route, RouteError>,
        now_ms: u64,
    ) -> Result<Response, Refusal> {
        if request.body.len() > self.limits.body_bytes_max {
            return Err(refuse(413, "too_large", format!("the body exceeds {} bytes", self.limits.body_bytes_max)));
        }
        let signed = Signed { request, auth: request.auth()?, tenant, now_ms };
        let span = tracing::info_span!("tenant", tenant = %tenant, request_id = %request.request_id);
        let _entered = span.enter();
        let authorize = |access| self.authorize(&signed, access);
        match route {
            Ok(Route::PostRoster { admission, .. }) => self.post_roster(&signed, admission.as_deref()),
            Ok(Route::Roster { after, .. }) => {
                authorize(Access::Read)?;
                self.serve_roster(tenant, after.unwrap_or(0))
            }
            Ok(Route::PutBatch { .. }) => {
                authorize(Access::Write)?;
                self.put_batch(tenant, &request.body, now_ms)
            }
            Ok(Route::Heads { .. }) => {
                authorize(Access::Write)?;
                Ok(Response::json(200, &self.heads(tenant)?))
            }
            Ok(Route::Batches { node, after, .. }) => {
                authorize(Access::Write)?;
                self.get_batches(tenant, node, after)
            }
            Ok(Route::PutWrap { name, .. }) => {
                let roster = authorize(Access::Write)?;
                self.put_wrap(&roster, &signed.auth, tenant, &name, &request.body)
            }
            Ok(Route::GetWrap { name, .. }) => {
                authorize(Access::Read)?;
                self.read_wrap(tenant, &name)
            }
            Ok(Route::PutInvite { id, .. }) => {
                let roster = authorize(Access::Admin)?;
                self.put_invite(&roster, tenant, id, &request.body, now_ms)
            }
            Ok(Route::GetInvite { id, .. }) => {
                self.open_invite(&signed, id)?;
                authorize(Access::Read)?;
                self.read_invite(tenant, id)
            }
            // A malformed node id or invitation id is told once the request is authorized, as
            // the endpoint would (an invitation fetched is checked first).
            Err(error @ RouteError::BadNode { .. }) => {
                authorize(Access::Write)?;
                Err(refuse(400, "bad_request", error.to_string()))
            }
            Err(error @ RouteError::BadInvite { .. }) => {
                if request.method == Method::Put {
                    authorize(Access::Admin)?;
                }
                Err(refuse(400, "bad_request", error.to_string()))
            }
            // A number that does not read (`after=`) is told once the request is authorized
            // too: the signature checked, its nonce spent, the rate counted (review of issue 19).
            Err(error @ RouteError::BadNumber { .. }) => {
                authorize(Access::Read)?;
                Err(refuse(400, "bad_request", error.to_string()))
            }
            Err(RouteError::UnknownEndpoint { .. } | RouteError::UnknownPath { .. } | RouteError::BadTenant { .. })
            | Ok(Route::Health | Route::Metrics | Route::HubIdentity) => Err(no_such_endpoint(request)),
        }
    }
}

/// No endpoint answers this method and target. The query is left out of the answer (and so of
/// the log): it may carry an admission token.
fn no_such_endpoint(request: &Request) -> Refusal {
    let path = request.target.split_once('?').map_or(request.target.as_str(), |(path, _)| path);
    refuse(404, "not_found", format!("no such endpoint: {} {path}", request.method.as_str()))
}

//! The hub's API, defined once for the hub and the node: every endpoint as a `Route` with its
//! parameters, the target (path and query) a request of it is signed and sent with
//! (`Route::target`), the hub's reading of a target back into its route (`Route::parse`), and the
//! bodies both sides write and read.
//!
//! ```text
//! GET  /healthz                              whether the hub answers (unsigned)
//! GET  /metrics                              the hub's counters (this machine, or with its token)
//! GET  /v1/hub                               the hub's identity, which signatures cover (unsigned)
//! GET  /v1/t/<tenant>/roster[?after=N]       the company's roster entries after the first N
//! POST /v1/t/<tenant>/roster[?admission=T]   entries extending the roster (a new company's with
//!                                            the operator's admission token)
//! GET  /v1/t/<tenant>/heads                  the last event the hub holds of each node
//! PUT  /v1/t/<tenant>/batches                one batch
//! GET  /v1/t/<tenant>/batches/<node>?after=N the node's batches holding events after N, framed
//! PUT  /v1/t/<tenant>/wraps/<name>           a key wrap, stored under its own name
//! GET  /v1/t/<tenant>/wraps/<name>
//! PUT  /v1/t/<tenant>/invites/<id>           a sealed invitation
//! GET  /v1/t/<tenant>/invites/<id>
//! ```
//!
//! A request's signature covers its target as written, so a target is written one way only: the
//! parameters in this order, numbers in decimal.

use std::borrow::Cow;

use rempart_log::{Hash32, NodeId, TenantId};
use serde::{Deserialize, Serialize};

use crate::roster::Entry;

/// The methods of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Put,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
        }
    }
}

/// One endpoint of the hub, with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /healthz`.
    Health,
    /// `GET /metrics`.
    Metrics,
    /// `GET /v1/hub`: answered with a `HubIdentity`.
    HubIdentity,
    /// `GET /v1/t/<tenant>/roster`, from the entry after the first `after` (from the start if
    /// none is given): answered with a `ServedRoster`.
    Roster { tenant: TenantId, after: Option<u64> },
    /// `POST /v1/t/<tenant>/roster`, the body a list of entries (`Vec<Entry>`); `admission` is
    /// the hub operator's one-time token, for a company the hub does not hold yet.
    PostRoster { tenant: TenantId, admission: Option<String> },
    /// `GET /v1/t/<tenant>/heads`: answered with a `VersionVector`.
    Heads { tenant: TenantId },
    /// `PUT /v1/t/<tenant>/batches`, the body one batch.
    PutBatch { tenant: TenantId },
    /// `GET /v1/t/<tenant>/batches/<node>?after=N`: answered with the batches framed as
    /// `len u32 | batch`, repeated. Without `after`, from the start.
    Batches { tenant: TenantId, node: NodeId, after: u64 },
    /// `PUT /v1/t/<tenant>/wraps/<name>`, the body a key wrap (`Wrap`).
    PutWrap { tenant: TenantId, name: String },
    /// `GET /v1/t/<tenant>/wraps/<name>`: answered with the wrap.
    GetWrap { tenant: TenantId, name: String },
    /// `PUT /v1/t/<tenant>/invites/<id>`, the body a sealed invitation (`SealedInvite`).
    PutInvite { tenant: TenantId, id: Hash32 },
    /// `GET /v1/t/<tenant>/invites/<id>`: answered with the sealed invitation.
    GetInvite { tenant: TenantId, id: Hash32 },
}

/// Why a target names no route. Each names what its message needs; the hub answers 404 for the
/// two kinds of unknown endpoint and 400 for the others.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// Outside a company's paths, nothing has this method and path (`path` without its query).
    #[error("no such endpoint: {method} {path}")]
    UnknownPath { method: String, path: String },
    /// `/v1/t/<text>/...` where `text` is not a company id.
    #[error("\"{text}\" is not a tenant id")]
    BadTenant { text: String },
    /// Under a company's path, nothing has this method and path (`target` with its query): an
    /// unknown name, a segment too many or too few.
    #[error("no such endpoint: {method} {target}")]
    UnknownEndpoint { tenant: TenantId, method: String, target: String },
    /// `batches/<text>` where `text` is not a node id.
    #[error("\"{text}\" is not a node id")]
    BadNode { tenant: TenantId, text: String },
    /// `invites/<id>` where the id is not one.
    #[error("bad invitation id")]
    BadInvite { tenant: TenantId },
    /// The query parameter `name` is not a number.
    #[error("the query's {name} is not a number: \"{text}\"")]
    BadNumber { tenant: TenantId, name: &'static str, text: String },
}

impl RouteError {
    /// The company whose path the target names, if it names one.
    pub fn tenant(&self) -> Option<TenantId> {
        match self {
            RouteError::UnknownPath { .. } | RouteError::BadTenant { .. } => None,
            RouteError::UnknownEndpoint { tenant, .. }
            | RouteError::BadNode { tenant, .. }
            | RouteError::BadInvite { tenant }
            | RouteError::BadNumber { tenant, .. } => Some(*tenant),
        }
    }
}

impl Route {
    /// The method a request of this route is sent with.
    pub fn method(&self) -> Method {
        match self {
            Route::Health
            | Route::Metrics
            | Route::HubIdentity
            | Route::Roster { .. }
            | Route::Heads { .. }
            | Route::Batches { .. }
            | Route::GetWrap { .. }
            | Route::GetInvite { .. } => Method::Get,
            Route::PutBatch { .. } | Route::PutWrap { .. } | Route::PutInvite { .. } => Method::Put,
            Route::PostRoster { .. } => Method::Post,
        }
    }

    /// The company whose path this is, if it is one's.
    pub fn tenant(&self) -> Option<TenantId> {
        match self {
            Route::Health | Route::Metrics | Route::HubIdentity => None,
            Route::Roster { tenant, .. }
            | Route::PostRoster { tenant, .. }
            | Route::Heads { tenant }
            | Route::PutBatch { tenant }
            | Route::Batches { tenant, .. }
            | Route::PutWrap { tenant, .. }
            | Route::GetWrap { tenant, .. }
            | Route::PutInvite { tenant, .. }
            | Route::GetInvite { tenant, .. } => Some(*tenant),
        }
    }

    /// The path and query a request of this route is sent (and signed) with.
    pub fn target(&self) -> String {
        match self {
            Route::Health => "/healthz".to_owned(),
            Route::Metrics => "/metrics".to_owned(),
            Route::HubIdentity => "/v1/hub".to_owned(),
            Route::Roster { tenant, after: None } => format!("/v1/t/{tenant}/roster"),
            Route::Roster { tenant, after: Some(after) } => format!("/v1/t/{tenant}/roster?after={after}"),
            Route::PostRoster { tenant, admission: None } => format!("/v1/t/{tenant}/roster"),
            Route::PostRoster { tenant, admission: Some(token) } => {
                format!("/v1/t/{tenant}/roster?admission={token}")
            }
            Route::Heads { tenant } => format!("/v1/t/{tenant}/heads"),
            Route::PutBatch { tenant } => format!("/v1/t/{tenant}/batches"),
            Route::Batches { tenant, node, after } => format!("/v1/t/{tenant}/batches/{node}?after={after}"),
            Route::PutWrap { tenant, name } | Route::GetWrap { tenant, name } => {
                format!("/v1/t/{tenant}/wraps/{name}")
            }
            Route::PutInvite { tenant, id } | Route::GetInvite { tenant, id } => {
                format!("/v1/t/{tenant}/invites/{id}")
            }
        }
    }

    /// The route a request names by its method (`GET`, `PUT`, `POST`; anything else names none)
    /// and target. Leading slashes are one; a query parameter a route does not take is passed
    /// over, and of one given twice the first counts.
    pub fn parse(method: &str, target: &str) -> Result<Route, RouteError> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (text, rest) = match (method, segments.as_slice()) {
            ("GET", ["healthz"]) => return Ok(Route::Health),
            ("GET", ["metrics"]) => return Ok(Route::Metrics),
            ("GET", ["v1", "hub"]) => return Ok(Route::HubIdentity),
            (_, ["v1", "t", text, rest @ ..]) => (*text, rest),
            _ => return Err(RouteError::UnknownPath { method: method.to_owned(), path: path.to_owned() }),
        };
        let tenant: TenantId = text.parse().map_err(|_| RouteError::BadTenant { text: text.to_owned() })?;
        let number = |name: &'static str| -> Result<Option<u64>, RouteError> {
            query_value(query, name)
                .map(|text| text.parse().map_err(|_| RouteError::BadNumber { tenant, name, text: text.to_owned() }))
                .transpose()
        };
        let invite = |id: &str| id.parse::<Hash32>().map_err(|_| RouteError::BadInvite { tenant });
        Ok(match (method, rest) {
            ("GET", ["roster"]) => Route::Roster { tenant, after: number("after")? },
            ("POST", ["roster"]) => {
                Route::PostRoster { tenant, admission: query_value(query, "admission").map(str::to_owned) }
            }
            ("GET", ["heads"]) => Route::Heads { tenant },
            ("PUT", ["batches"]) => Route::PutBatch { tenant },
            ("GET", ["batches", node]) => {
                let node = node.parse().map_err(|_| RouteError::BadNode { tenant, text: (*node).to_owned() })?;
                Route::Batches { tenant, node, after: number("after")?.unwrap_or(0) }
            }
            ("PUT", ["wraps", name]) => Route::PutWrap { tenant, name: (*name).to_owned() },
            ("GET", ["wraps", name]) => Route::GetWrap { tenant, name: (*name).to_owned() },
            ("PUT", ["invites", id]) => Route::PutInvite { tenant, id: invite(id)? },
            ("GET", ["invites", id]) => Route::GetInvite { tenant, id: invite(id)? },
            _ => {
                return Err(RouteError::UnknownEndpoint {
                    tenant,
                    method: method.to_owned(),
                    target: target.to_owned(),
                });
            }
        })
    }
}

/// The value of the query parameter `name` (`name=value`), the first if it is given twice.
fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The answer to `GET /v1/hub`: the hub's identity in hexadecimal (read as written, so that a
/// node can say what is wrong with one that is not 32 hexadecimal digits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubIdentity {
    pub hub: String,
}

/// The answer to `GET /v1/t/<tenant>/roster`: the entries asked for, and the roster's length at
/// the hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServedRoster<'a> {
    pub entries: Cow<'a, [Entry]>,
    pub len: u64,
}

/// The body of a refusal, as the hub writes it: its message, a short reason (`quota`,
/// `admission`, ...) and the id of the request it answers. A node reads it field by field
/// (`message_of`, `reason_of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Refused<'a> {
    pub error: &'a str,
    pub reason: &'a str,
    pub request_id: &'a str,
}

impl Refused<'_> {
    /// The message of a refusal's body, if it has one. Each field is read on its own, so that a
    /// body of another shape (a proxy's) still gives what it has.
    pub fn message_of(body: &[u8]) -> Option<String> {
        text_field(body, "error")
    }

    /// The short reason of a refusal's body, if it has one (read as `message_of`).
    pub fn reason_of(body: &[u8]) -> Option<String> {
        text_field(body, "reason")
    }
}

fn text_field(body: &[u8], name: &str) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(body).ok()?.get(name)?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> TenantId {
        TenantId::from_bytes([0xab; 16])
    }

    fn every_route() -> Vec<Route> {
        let (tenant, node, id) = (tenant(), NodeId::from_bytes([7; 16]), Hash32([9; 32]));
        vec![
            Route::Health,
            Route::Metrics,
            Route::HubIdentity,
            Route::Roster { tenant, after: None },
            Route::Roster { tenant, after: Some(0) },
            Route::Roster { tenant, after: Some(u64::MAX) },
            Route::PostRoster { tenant, admission: None },
            Route::PostRoster { tenant, admission: Some(format!("RMPA-{}", "0f".repeat(32))) },
            Route::Heads { tenant },
            Route::PutBatch { tenant },
            Route::Batches { tenant, node, after: 0 },
            Route::Batches { tenant, node, after: 12_345 },
            Route::PutWrap { tenant, name: "e1-recovery-g0".to_owned() },
            Route::GetWrap { tenant, name: format!("recovery-g2-device-{node}") },
            Route::PutInvite { tenant, id },
            Route::GetInvite { tenant, id },
        ]
    }

    #[test]
    fn every_route_reads_back_from_its_target() {
        for route in every_route() {
            let target = route.target();
            assert_eq!(Route::parse(route.method().as_str(), &target), Ok(route.clone()), "{target}");
            assert_eq!(
                Route::parse(route.method().as_str(), &target).map(|parsed| parsed.tenant()),
                Ok(route.tenant())
            );
        }
    }

    #[test]
    fn targets_are_written_as_they_are_signed() {
        let tenant = tenant();
        let node = NodeId::from_bytes([7; 16]);
        assert_eq!(Route::HubIdentity.target(), "/v1/hub");
        assert_eq!(Route::Roster { tenant, after: Some(3) }.target(), format!("/v1/t/{tenant}/roster?after=3"));
        assert_eq!(
            Route::PostRoster { tenant, admission: Some("RMPA-00".to_owned()) }.target(),
            format!("/v1/t/{tenant}/roster?admission=RMPA-00")
        );
        assert_eq!(
            Route::Batches { tenant, node, after: 0 }.target(),
            format!("/v1/t/{tenant}/batches/{node}?after=0")
        );
        assert_eq!(Route::PutBatch { tenant }.method(), Method::Put);
        assert_eq!(Route::PostRoster { tenant, admission: None }.method(), Method::Post);
    }

    #[test]
    fn queries_and_slashes_are_read_as_the_hub_always_read_them() {
        let tenant = tenant();
        let node = NodeId::from_bytes([7; 16]);
        // A parameter a route does not take is passed over; of one given twice, the first counts.
        assert_eq!(
            Route::parse("GET", &format!("//v1/t/{tenant}/roster?x=1&after=4&after=5")),
            Ok(Route::Roster { tenant, after: Some(4) })
        );
        assert_eq!(
            Route::parse("POST", &format!("/v1/t/{tenant}/roster?after=4")),
            Ok(Route::PostRoster { tenant, admission: None })
        );
        assert_eq!(Route::parse("GET", "/healthz?probe"), Ok(Route::Health));
        assert_eq!(
            Route::parse("GET", &format!("/v1/t/{tenant}/batches/{node}")),
            Ok(Route::Batches { tenant, node, after: 0 })
        );
    }

    #[test]
    fn malformed_targets_are_refused_by_kind() {
        let tenant = tenant();
        let node = NodeId::from_bytes([7; 16]);
        let unknown_path =
            |method: &str, path: &str| RouteError::UnknownPath { method: method.into(), path: path.into() };
        assert_eq!(Route::parse("GET", "/v2/hub?x=1"), Err(unknown_path("GET", "/v2/hub")));
        assert_eq!(Route::parse("GET", "/v1/hub/more"), Err(unknown_path("GET", "/v1/hub/more")));
        assert_eq!(Route::parse("PUT", "/healthz"), Err(unknown_path("PUT", "/healthz")));
        assert_eq!(Route::parse("GET", "/v1/t"), Err(unknown_path("GET", "/v1/t")));
        assert_eq!(Route::parse("GET", "/v1/t/xyz/heads"), Err(RouteError::BadTenant { text: "xyz".to_owned() }));
        assert_eq!(Route::parse("DELETE", "/v1/t//heads"), Err(RouteError::BadTenant { text: String::new() }));
        let too_long = format!("{tenant}00");
        assert_eq!(
            Route::parse("GET", &format!("/v1/t/{too_long}/heads")),
            Err(RouteError::BadTenant { text: too_long })
        );
        let unknown =
            |method: &str, target: String| RouteError::UnknownEndpoint { tenant, method: method.into(), target };
        for (method, rest) in [
            ("GET", "heads/more"),
            ("GET", "roster/1"),
            ("GET", "batches"),
            ("GET", "wraps"),
            ("GET", "wraps/a/b"),
            ("GET", "nothing"),
            ("GET", ""),
            ("POST", "heads"),
            ("OTHER", "roster"),
        ] {
            let target = format!("/v1/t/{tenant}/{rest}?after=1");
            assert_eq!(Route::parse(method, &target), Err(unknown(method, target.clone())));
        }
        assert_eq!(
            Route::parse("GET", &format!("/v1/t/{tenant}/batches/00?after=1")),
            Err(RouteError::BadNode { tenant, text: "00".to_owned() })
        );
        assert_eq!(Route::parse("GET", &format!("/v1/t/{tenant}/invites/zz")), Err(RouteError::BadInvite { tenant }));
        assert_eq!(
            Route::parse("PUT", &format!("/v1/t/{tenant}/invites/{node}")),
            Err(RouteError::BadInvite { tenant })
        );
        for after in ["", "x", "-1", "1.5", "18446744073709551616"] {
            let bad = |name| RouteError::BadNumber { tenant, name, text: after.to_owned() };
            assert_eq!(Route::parse("GET", &format!("/v1/t/{tenant}/roster?after={after}")), Err(bad("after")));
            assert_eq!(Route::parse("GET", &format!("/v1/t/{tenant}/batches/{node}?after={after}")), Err(bad("after")));
        }
        assert_eq!(RouteError::BadTenant { text: "x".to_owned() }.tenant(), None);
        assert_eq!(RouteError::BadInvite { tenant }.tenant(), Some(tenant));
    }

    #[test]
    fn messages_are_the_hubs() {
        let tenant = tenant();
        assert_eq!(RouteError::BadTenant { text: "x".to_owned() }.to_string(), "\"x\" is not a tenant id");
        assert_eq!(RouteError::BadNode { tenant, text: "00".to_owned() }.to_string(), "\"00\" is not a node id");
        assert_eq!(
            RouteError::UnknownPath { method: "GET".to_owned(), path: "/x".to_owned() }.to_string(),
            "no such endpoint: GET /x"
        );
    }

    #[test]
    fn bodies_keep_their_shape() {
        let identity = HubIdentity { hub: "00".repeat(16) };
        assert_eq!(serde_json::to_string(&identity).unwrap(), format!("{{\"hub\":\"{}\"}}", "00".repeat(16)));
        let served = ServedRoster { entries: Cow::Borrowed(&[]), len: 3 };
        assert_eq!(serde_json::to_string(&served).unwrap(), "{\"entries\":[],\"len\":3}");
        let read: ServedRoster<'_> = serde_json::from_str("{\"len\":3,\"entries\":[]}").unwrap();
        assert_eq!(read, served);
        let refused = Refused { error: "no", reason: "quota", request_id: "r1" };
        let body = serde_json::to_vec(&refused).unwrap();
        assert_eq!(body, b"{\"error\":\"no\",\"reason\":\"quota\",\"request_id\":\"r1\"}");
        assert_eq!(Refused::message_of(&body).as_deref(), Some("no"));
        assert_eq!(Refused::reason_of(&body).as_deref(), Some("quota"));
        assert_eq!(Refused::reason_of(b"{\"error\":1,\"reason\":\"x\"}").as_deref(), Some("x"));
        assert_eq!(Refused::message_of(b"<html>"), None);
    }
}

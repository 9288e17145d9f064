//! The hub: a blind, stateless, multi-tenant relay of encrypted batches.
//!
//! It stores what nodes send (roster entries, batches, key wraps, invitations) under each
//! tenant's namespace of an object store, checks everything it can without a key (signatures
//! against the roster, chain continuity, one batch per sequence, clocks, quotas), and never
//! decrypts. It keeps no state of its own that matters but its identity (drawn once into its
//! storage, covered by request signatures, served at `GET /v1/hub`): rosters and heads are read back from
//! storage (a process caches rosters and refreshes them when a signer is unknown), so any number of
//! hub processes can serve one bucket, and a wiped hub is refilled by the nodes.
//!
//! `Hub::handle` takes a request as plain values and returns a response, so the HTTP server
//! (`http`) and the deterministic simulation drive the same code.
//!
//! Storage layout, per tenant `t/<tenant>/`:
//!
//! ```text
//! roster/<seq:020>            one roster entry (JSON), create-only
//! b/<node>/<first_seq:020>    one batch, create-only; batches of a node chain without gap or overlap
//! wraps/<name>                a key wrap (JSON), create-only
//! invites/<id>                a sealed invitation, create-only; removed once used, expired or closed
//! ```
//!
//! And hub-wide:
//!
//! ```text
//! hub/identity                16 random bytes, created once: the hub's identity, which request
//!                             signatures cover (a copy of the storage meant as another hub drops it)
//! admission/<hash>            a one-time admission token the operator issued (`rempart hub token`),
//!                             named by a keyed hash of it; `admission/<hash>.used` marks it used
//! seen/<tenant>               the genesis hash of each company the hub admitted: the id cannot be
//!                             taken by another roster, and the count caps the companies
//! ```
//!
//! A new company is admitted only with an admission token, unless the hub was started with open
//! signup (`Hub::with_open_signup`, `rempart hub --open-signup`) for a hub of one's own.

pub mod http;
pub mod objects;
pub mod s3;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rempart_log::{Hash32, NodeId, TenantId};
use rempart_sync::auth::REQUEST_SKEW_MS;
use rempart_sync::batch::HEADER_BYTES;
use rempart_sync::{
    Action, Batch, Call, Entry, Head, HubId, Named, RequestAuth, RequestSigner, Role, Roster, Signer, VersionVector,
};

pub use objects::{DirStore, Listed, MemStore, ObjectError, ObjectStore, Put};

/// Limits of one hub, per tenant.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes a tenant may store.
    pub quota_bytes: u64,
    /// Sustained requests per second per tenant, and the burst allowed above it.
    pub requests_per_second: u32,
    pub burst: u32,
    /// How far ahead of the hub's clock a batch's events may be stamped.
    pub clock_ahead_ms: u64,
    /// Largest request body.
    pub body_bytes_max: usize,
    /// Most bytes of batches served by one download request.
    pub download_bytes_max: usize,
    /// Most companies the hub admits, and most bytes it stores for all of them.
    pub companies_max: u64,
    pub hub_bytes_max: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            quota_bytes: 20 << 30,
            requests_per_second: 200,
            burst: 400,
            clock_ahead_ms: 10 * 60 * 1000,
            body_bytes_max: rempart_sync::batch::CIPHERTEXT_BYTES_MAX + HEADER_BYTES,
            download_bytes_max: 16 << 20,
            companies_max: 10_000,
            hub_bytes_max: 4 << 40,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Put,
    Post,
    Other,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Other => "OTHER",
        }
    }
}

/// A request as the hub sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// Path and query, as signed.
    pub target: String,
    pub signer: Option<String>,
    pub time: Option<String>,
    pub nonce: Option<String>,
    pub signature: Option<String>,
    pub body: Vec<u8>,
    pub request_id: String,
    /// Whether it came from this machine (loopback), where `/metrics` is served to anyone.
    pub from_loopback: bool,
    /// The `Authorization` header, for `/metrics` from elsewhere (`Bearer TOKEN`).
    pub authorization: Option<String>,
}

impl Request {
    /// A request signed with `auth`, or unsigned (from a node, or the simulation).
    pub fn signed(method: Method, target: &str, auth: Option<&RequestAuth>, body: Vec<u8>) -> Request {
        let [signer, time, nonce, signature] = match auth {
            Some(auth) => auth.headers().map(|(_, value)| Some(value)),
            None => [None, None, None, None],
        };
        Request {
            method,
            target: target.to_owned(),
            signer,
            time,
            nonce,
            signature,
            body,
            request_id: String::new(),
            from_loopback: true,
            authorization: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    fn json(status: u16, value: &impl serde::Serialize) -> Response {
        // The hub's answers are plain structures: they serialise.
        let body = serde_json::to_vec(value).expect("a hub answer serialises");
        Response { status, content_type: "application/json", body }
    }

    fn bytes(body: Vec<u8>) -> Response {
        Response { status: 200, content_type: "application/octet-stream", body }
    }

    fn text(status: u16, body: String) -> Response {
        Response { status, content_type: "text/plain; version=0.0.4", body: body.into_bytes() }
    }

    /// The message of an error response.
    pub fn message(&self) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|value| value.get("error").and_then(|e| e.as_str()).map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&self.body).into_owned())
    }
}

/// A refusal: an HTTP status and a message for the node to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
    /// A short reason for the metrics.
    pub reason: &'static str,
}

fn refuse(status: u16, reason: &'static str, message: impl Into<String>) -> Refusal {
    Refusal { status, message: message.into(), reason }
}

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

fn admission_refused() -> Refusal {
    refuse(
        403,
        "admission",
        "this hub admits a new company only with a one-time admission token from its operator: connect with --token",
    )
}

/// A new company's admission, to be spent once its request is authenticated.
struct Admission {
    /// The storage key of its token (none on a hub with open signup).
    token: Option<String>,
}

impl From<ObjectError> for Refusal {
    fn from(error: ObjectError) -> Refusal {
        tracing::error!(%error, "storage failed");
        refuse(503, "storage", "the hub's storage is failing; nothing was stored, try again later")
    }
}

/// Nonces seen within twice the allowed clock skew: by (signer, nonce), and in arrival order to
/// forget them.
#[derive(Default)]
struct Nonces {
    seen: HashMap<(String, [u8; 16]), u64>,
    order: VecDeque<(u64, String, [u8; 16])>,
}

struct Bucket {
    tokens: f64,
    at_ms: u64,
}

#[derive(Default)]
struct Metrics {
    requests: AtomicU64,
    refused: Mutex<HashMap<&'static str, u64>>,
    batches_stored: AtomicU64,
    batch_bytes_stored: AtomicU64,
    events_stored: AtomicU64,
}

pub struct Hub {
    objects: Arc<dyn ObjectStore>,
    limits: Limits,
    rosters: Mutex<HashMap<TenantId, Arc<Roster>>>,
    nonces: Mutex<Nonces>,
    buckets: Mutex<HashMap<TenantId, Bucket>>,
    usage: Mutex<HashMap<TenantId, u64>>,
    /// Headers of stored batches already read, by key, with the version of the object they were
    /// read from: a listing then stands for reading them again until the object changes.
    headers: Mutex<HashMap<String, (String, rempart_sync::Header)>>,
    metrics: Metrics,
    /// Whether any signed genesis is admitted, without a token.
    open_signup: bool,
    /// The token that opens `/metrics` to requests from elsewhere than this machine.
    metrics_token: Option<String>,
    /// Signers a fresh read of storage did not find, per company, until when: their requests
    /// are refused without reading storage again.
    unknown_signers: Mutex<HashMap<(TenantId, String), u64>>,
    /// Bytes stored for all companies: listed once, then counted as this process stores.
    hub_usage: Mutex<Option<u64>>,
    /// This hub's identity, read from (or first drawn into) its storage: request signatures
    /// cover it, so a request made for another hub does not verify here.
    identity: Mutex<Option<HubId>>,
}

const ADMISSION_CONTEXT: &str = "rempart 2026-12 hub admission token v1";
const ADMISSION_PREFIX: &str = "RMPA-";

/// The storage key of an admission token, from its text (`RMPA-` and 64 hexadecimal digits).
fn admission_key(token: &str) -> Option<String> {
    let hex = token.trim().strip_prefix(ADMISSION_PREFIX)?;
    let mut secret = [0u8; 32];
    hex::decode_to_slice(hex, &mut secret).ok()?;
    Some(format!("admission/{}", hex::encode(blake3::derive_key(ADMISSION_CONTEXT, &secret))))
}

/// Registers a one-time admission token made of `secret` in `objects`, as the hub's operator
/// does to let one new company in; returns the token to give to that company.
pub fn issue_admission(objects: &dyn ObjectStore, secret: [u8; 32]) -> Result<String, ObjectError> {
    let token = format!("{ADMISSION_PREFIX}{}", hex::encode(secret));
    let key =
        admission_key(&token).ok_or_else(|| ObjectError::Backend("the admission token cannot be named".to_owned()))?;
    objects.put_new(&key, b"open")?;
    Ok(token)
}

/// Batch headers kept in memory (about 400 bytes each) before the whole cache is dropped.
const HEADERS_MAX: usize = 250_000;

/// Rate buckets kept before idle ones are forgotten.
const BUCKETS_MAX: usize = 100_000;

/// How long a signer that storage did not know is refused without reading storage again, and
/// how many such signers are remembered.
const UNKNOWN_SIGNER_MS: u64 = 5_000;
const UNKNOWN_SIGNERS_MAX: usize = 100_000;

/// The largest body of a roster upload (a few thousand entries).
const ROSTER_BODY_MAX: usize = 4 << 20;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn tenant_prefix(tenant: TenantId) -> String {
    format!("t/{tenant}/")
}

/// Where a hub keeps its identity in its storage.
const IDENTITY_KEY: &str = "hub/identity";

fn roster_key(tenant: TenantId, seq: u64) -> String {
    format!("t/{tenant}/roster/{seq:020}")
}

fn batch_prefix(tenant: TenantId, node: NodeId) -> String {
    format!("t/{tenant}/b/{node}/")
}

fn first_seq_of_key(key: &str) -> Option<u64> {
    key.rsplit('/').next()?.parse().ok()
}

/// What a node's batches at the hub look like, from the listing and the headers.
struct StoredBatch {
    first: u64,
    object: Listed,
}

fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

impl Hub {
    pub fn new(objects: Arc<dyn ObjectStore>, limits: Limits) -> Hub {
        Hub {
            objects,
            limits,
            rosters: Mutex::default(),
            nonces: Mutex::default(),
            buckets: Mutex::default(),
            usage: Mutex::default(),
            headers: Mutex::default(),
            metrics: Metrics::default(),
            open_signup: false,
            metrics_token: None,
            unknown_signers: Mutex::default(),
            hub_usage: Mutex::default(),
            identity: Mutex::default(),
        }
    }

    /// This hub's identity: kept in its storage (`hub/identity`, created once), so that every
    /// process serving the same storage has the same, and a hub whose storage is replaced has a
    /// new one (its devices ask again, `GET /v1/hub`).
    pub fn identity(&self) -> Result<HubId, Refusal> {
        // Read without holding the lock (storage may be slow); the first read kept wins.
        if let Some(identity) = *lock(&self.identity) {
            return Ok(identity);
        }
        let read = |bytes: Vec<u8>| -> Result<HubId, Refusal> {
            bytes.try_into().map_err(|_| refuse(503, "storage", "the hub's identity in its storage is damaged"))
        };
        let identity = match self.objects.get(IDENTITY_KEY)? {
            Some(bytes) => read(bytes)?,
            None => {
                let mut drawn = [0u8; 16];
                getrandom::fill(&mut drawn)
                    .map_err(|error| refuse(503, "storage", format!("the hub cannot draw its identity: {error}")))?;
                match self.objects.put_new(IDENTITY_KEY, &drawn)? {
                    Put::Created => drawn,
                    // Another process drew it first.
                    Put::Exists => read(self.objects.get(IDENTITY_KEY)?.unwrap_or_default())?,
                }
            }
        };
        let mut held = lock(&self.identity);
        Ok(*held.get_or_insert(identity))
    }

    /// Serves `/metrics` to requests from elsewhere than this machine that carry
    /// `Authorization: Bearer TOKEN` (from this machine, to anyone).
    pub fn with_metrics_token(mut self, token: Option<String>) -> Hub {
        self.metrics_token = token.filter(|token| !token.trim().is_empty());
        self
    }

    /// What can be checked of a request before its body is read: the signed headers are well
    /// formed, its time is near the hub's clock, its nonce is new, and its signer is known to the
    /// company's roster (an active device, an open invitation, the recovery key). Returns the
    /// largest body the request may then send, or the answer that refuses it, so a stranger
    /// cannot make the hub read (or buffer) a body. The signature itself covers the body's hash
    /// and is checked once the body is in, by `handle`.
    pub fn precheck(&self, request: &Request, now_ms: u64) -> Result<usize, Response> {
        let refused = |refusal: Refusal| self.answer_refusal(request, refusal);
        let (path, _) = request.target.split_once('?').unwrap_or((&request.target, ""));
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (tenant, rest) = match segments.as_slice() {
            ["v1", "t", tenant, rest @ ..] => match tenant.parse::<TenantId>() {
                Ok(tenant) => (tenant, rest),
                Err(_) => return Err(refused(refuse(400, "bad_request", format!("\"{tenant}\" is not a tenant id")))),
            },
            // Health, metrics, unknown paths: no body is wanted.
            _ => return Ok(0),
        };
        let auth = RequestAuth::from_headers(
            request.signer.as_deref(),
            request.time.as_deref(),
            request.nonce.as_deref(),
            request.signature.as_deref(),
        )
        .map_err(|error| refused(refuse(401, "unauthenticated", error.to_string())))?;
        if auth.time_ms.abs_diff(now_ms) > REQUEST_SKEW_MS {
            return Err(refused(refuse(401, "unauthenticated", "the request's time is too far from the hub's clock")));
        }
        if lock(&self.nonces).seen.contains_key(&(auth.signer.to_header(), auth.nonce)) {
            return Err(refused(refuse(401, "replayed", "this request was already received: a nonce is used once")));
        }
        // The whole roster goes to a hub that lacks it (new company, wiped hub, a hub behind
        // the device) signed by a device it may not know yet: a small body, checked whole.
        if request.method == Method::Post && rest == ["roster"] {
            return Ok(self.limits.body_bytes_max.min(ROSTER_BODY_MAX));
        }
        if !self.signer_known(tenant, &auth, now_ms).map_err(refused)? {
            return Err(refused(refuse(
                403,
                "forbidden",
                format!("{} is not an enrolled device of company {tenant}", auth.signer.to_header()),
            )));
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

    /// Admits any company whose genesis verifies, without an admission token: for a hub of
    /// one's own, or a test.
    pub fn with_open_signup(mut self) -> Hub {
        self.open_signup = true;
        self
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Handles one request at time `now_ms`.
    pub fn handle(&self, request: &Request, now_ms: u64) -> Response {
        self.metrics.requests.fetch_add(1, Ordering::Relaxed);
        let (path, query) = request.target.split_once('?').unwrap_or((&request.target, ""));
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let outcome = match (request.method, segments.as_slice()) {
            (Method::Get, ["healthz"]) => Ok(Response::text(200, "ok\n".to_owned())),
            // Who this hub is, for the signatures of the requests made to it.
            (Method::Get, ["v1", "hub"]) => self
                .identity()
                .map(|identity| Response::json(200, &serde_json::json!({ "hub": hex::encode(identity) }))),
            (Method::Get, ["metrics"]) => {
                let token = request.authorization.as_deref().and_then(|value| value.strip_prefix("Bearer "));
                let opened = match (&self.metrics_token, token) {
                    (Some(expected), Some(given)) => {
                        blake3::hash(expected.as_bytes()) == blake3::hash(given.trim().as_bytes())
                    }
                    _ => false,
                };
                if request.from_loopback || opened {
                    Ok(self.metrics_text())
                } else {
                    Err(refuse(403, "forbidden", "the metrics are served on this machine, or with the metrics token"))
                }
            }
            (_, ["v1", "t", tenant, rest @ ..]) => match tenant.parse::<TenantId>() {
                Ok(tenant) => self.tenant_request(request, tenant, rest, query, now_ms),
                Err(_) => Err(refuse(400, "bad_request", format!("\"{tenant}\" is not a tenant id"))),
            },
            _ => Err(refuse(404, "not_found", format!("no such endpoint: {} {path}", request.method.as_str()))),
        };
        match outcome {
            Ok(response) => response,
            Err(refusal) => self.answer_refusal(request, refusal),
        }
    }

    /// The answer to a refused request: its status, message and short reason, counted.
    fn answer_refusal(&self, request: &Request, refusal: Refusal) -> Response {
        *lock(&self.metrics.refused).entry(refusal.reason).or_default() += 1;
        tracing::info!(request_id = %request.request_id, status = refusal.status, reason = refusal.reason, "refused: {}", refusal.message);
        Response::json(
            refusal.status,
            &serde_json::json!({
                "error": refusal.message,
                "reason": refusal.reason,
                "request_id": request.request_id,
            }),
        )
    }

    fn tenant_request(
        &self,
        request: &Request,
        tenant: TenantId,
        rest: &[&str],
        query: &str,
        now_ms: u64,
    ) -> Result<Response, Refusal> {
        if request.body.len() > self.limits.body_bytes_max {
            return Err(refuse(413, "too_large", format!("the body exceeds {} bytes", self.limits.body_bytes_max)));
        }
        let auth = RequestAuth::from_headers(
            request.signer.as_deref(),
            request.time.as_deref(),
            request.nonce.as_deref(),
            request.signature.as_deref(),
        )
        .map_err(|error| refuse(401, "unauthenticated", error.to_string()))?;
        let span = tracing::info_span!("tenant", tenant = %tenant, request_id = %request.request_id);
        let _entered = span.enter();
        match (request.method, rest) {
            (Method::Post, ["roster"]) => self.post_roster(request, &auth, tenant, now_ms),
            (Method::Get, ["roster"]) => {
                self.authorize(request, &auth, tenant, now_ms, Access::Read)?;
                // Read from storage, not the cache: a node must see a wiped or rolled-back store.
                let roster = self
                    .roster(tenant, true)?
                    .ok_or_else(|| refuse(404, "unknown_tenant", format!("the hub holds no company {tenant}")))?;
                let after: u64 = query_value(query, "after").and_then(|v| v.parse().ok()).unwrap_or(0);
                let entries: Vec<&Entry> = roster.entries().iter().skip(after as usize).collect();
                Ok(Response::json(200, &serde_json::json!({ "len": roster.len(), "entries": entries })))
            }
            (Method::Put, ["batches"]) => {
                self.authorize(request, &auth, tenant, now_ms, Access::Write)?;
                self.put_batch(tenant, &request.body, now_ms)
            }
            (Method::Get, ["heads"]) => {
                self.authorize(request, &auth, tenant, now_ms, Access::Write)?;
                Ok(Response::json(200, &self.heads(tenant)?))
            }
            (Method::Get, ["batches", node]) => {
                self.authorize(request, &auth, tenant, now_ms, Access::Write)?;
                let node: NodeId =
                    node.parse().map_err(|_| refuse(400, "bad_request", format!("\"{node}\" is not a node id")))?;
                let after: u64 = query_value(query, "after").and_then(|v| v.parse().ok()).unwrap_or(0);
                self.get_batches(tenant, node, after)
            }
            (Method::Put, ["wraps", name]) => {
                let roster = self.authorize(request, &auth, tenant, now_ms, Access::Write)?;
                self.put_wrap(&roster, &auth, tenant, name, &request.body)
            }
            (Method::Get, ["wraps", name]) => {
                self.authorize(request, &auth, tenant, now_ms, Access::Read)?;
                self.read_wrap(tenant, name)
            }
            (Method::Put, ["invites", id]) => {
                let roster = self.authorize(request, &auth, tenant, now_ms, Access::Admin)?;
                let id: Hash32 = id.parse().map_err(|_| refuse(400, "bad_request", "bad invitation id"))?;
                if roster.open_invitation(id, now_ms).is_none() {
                    return Err(refuse(409, "conflict", "the roster has no open invitation with this id"));
                }
                self.store_new(&format!("t/{tenant}/invites/{id}"), &request.body, tenant)?;
                Ok(Response::json(201, &serde_json::json!({ "stored": true })))
            }
            (Method::Get, ["invites", id]) => {
                let id: Hash32 = id.parse().map_err(|_| refuse(400, "bad_request", "bad invitation id"))?;
                // Expired since the roster last grew: destroyed now.
                if let Some(roster) = self.roster(tenant, false)?
                    && roster.invitation_expiry(id).is_some_and(|expires| now_ms > expires)
                {
                    self.objects.remove(&format!("t/{tenant}/invites/{id}"))?;
                }
                if auth.signer != RequestSigner::Invite(id) {
                    return Err(refuse(403, "forbidden", "an invitation is fetched with its own code"));
                }
                self.authorize(request, &auth, tenant, now_ms, Access::Read)?;
                let bytes = self
                    .objects
                    .get(&format!("t/{tenant}/invites/{id}"))?
                    .ok_or_else(|| refuse(404, "not_found", "no such invitation"))?;
                Ok(Response { status: 200, content_type: "application/json", body: bytes })
            }
            _ => Err(refuse(
                404,
                "not_found",
                format!("no such endpoint: {} {}", request.method.as_str(), request.target),
            )),
        }
    }

    fn read_wrap(&self, tenant: TenantId, name: &str) -> Result<Response, Refusal> {
        let key = format!("t/{tenant}/wraps/{name}");
        objects::check_key(&key).map_err(|_| refuse(400, "bad_request", "bad wrap name"))?;
        let bytes = self.objects.get(&key)?.ok_or_else(|| refuse(404, "not_found", format!("no wrap {name}")))?;
        Ok(Response { status: 200, content_type: "application/json", body: bytes })
    }

    /// A company's budget of requests, counted once a request is authenticated, so that strangers
    /// cannot spend it. Nothing is served to a request that is not signed.
    fn rate_limit(&self, tenant: TenantId, now_ms: u64) -> Result<(), Refusal> {
        let mut buckets = lock(&self.buckets);
        if buckets.len() > BUCKETS_MAX {
            buckets.retain(|_, bucket| bucket.at_ms + 60_000 > now_ms);
        }
        let (rate, burst) = (f64::from(self.limits.requests_per_second), f64::from(self.limits.burst));
        let bucket = buckets.entry(tenant).or_insert(Bucket { tokens: burst, at_ms: now_ms });
        let elapsed = now_ms.saturating_sub(bucket.at_ms) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at_ms = bucket.at_ms.max(now_ms);
        if bucket.tokens < 1.0 {
            return Err(refuse(429, "rate_limited", "too many requests for this company: slow down and retry"));
        }
        bucket.tokens -= 1.0;
        Ok(())
    }

    /// The tenant's roster, from the cache or storage (`fresh` reads storage).
    fn roster(&self, tenant: TenantId, fresh: bool) -> Result<Option<Arc<Roster>>, Refusal> {
        if !fresh && let Some(roster) = lock(&self.rosters).get(&tenant) {
            return Ok(Some(Arc::clone(roster)));
        }
        let listed = self.objects.list(&format!("t/{tenant}/roster/"))?;
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

    /// Checks the request's signature and the signer's right to `access` the tenant; returns the
    /// roster it was checked against.
    fn authorize(
        &self,
        request: &Request,
        auth: &RequestAuth,
        tenant: TenantId,
        now_ms: u64,
        access: Access,
    ) -> Result<Arc<Roster>, Refusal> {
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
            return Err(refuse(404, "unknown_tenant", format!("the hub holds no company {tenant}")));
        }
        let (Some(roster), Some((key, allowed))) = (roster, found) else {
            return Err(refuse(
                403,
                "forbidden",
                format!("{} is not an enrolled device of company {tenant}", auth.signer.to_header()),
            ));
        };
        let key = ed25519_dalek::VerifyingKey::from_bytes(&key)
            .map_err(|_| refuse(403, "forbidden", "the signer's key in the roster is not usable"))?;
        let call = Call {
            hub: &self.identity()?,
            method: request.method.as_str(),
            target: &request.target,
            body: &request.body,
        };
        auth.verify(&key, &call, now_ms).map_err(|error| refuse(401, "unauthenticated", error.to_string()))?;
        self.check_nonce(auth, now_ms)?;
        self.rate_limit(tenant, now_ms)?;
        if !allowed {
            return Err(refuse(403, "forbidden", "this device may not do that: it needs the admin role"));
        }
        Ok(roster)
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
            return Err(refuse(401, "replayed", "this request was already received: a nonce is used once"));
        }
        seen.insert((signer.clone(), auth.nonce), now_ms);
        order.push_back((now_ms, signer, auth.nonce));
        Ok(())
    }

    fn post_roster(
        &self,
        request: &Request,
        auth: &RequestAuth,
        tenant: TenantId,
        now_ms: u64,
    ) -> Result<Response, Refusal> {
        let outcome = self.extend_roster(request, auth, tenant, now_ms);
        // A signer the hub does not know for this company learns nothing from the details.
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
                return Err(refuse(
                    403,
                    "forbidden",
                    format!("{} is not an enrolled device of company {tenant}", auth.signer.to_header()),
                ));
            }
        }
        outcome
    }

    fn extend_roster(
        &self,
        request: &Request,
        auth: &RequestAuth,
        tenant: TenantId,
        now_ms: u64,
    ) -> Result<Response, Refusal> {
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
        let admission = if held_len == 0 { self.admission(tenant, roster.genesis(), request)? } else { None };
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
        let key =
            ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| refuse(403, "forbidden", "unusable key"))?;
        let call = Call { hub: &self.identity()?, method: "POST", target: &request.target, body: &request.body };
        auth.verify(&key, &call, now_ms).map_err(|error| refuse(401, "unauthenticated", error.to_string()))?;
        self.check_nonce(auth, now_ms)?;
        self.rate_limit(tenant, now_ms)?;
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
        lock(&self.unknown_signers).retain(|(known_tenant, _), _| *known_tenant != tenant);
        // A used, expired or closed invitation's sealed payload (the company's keys, under the
        // code) is destroyed: whoever reads the hub's storage later, code in hand, finds nothing.
        for invite in roster.closed_invitations(now_ms) {
            self.objects.remove(&format!("t/{tenant}/invites/{invite}"))?;
        }
        tracing::info!(entries = roster.len() - held_len, "roster extended");
        Ok(Response::json(201, &serde_json::json!({ "roster_len": roster.len() })))
    }

    /// What admitting a company new to this hub's storage takes: nothing if the hub saw this
    /// very company before (its roster lost and given back) or signs up anyone; else a one-time
    /// token, and room for one more company. Returns the token's key, to be spent by `admit`
    /// once the request is authenticated.
    fn admission(&self, tenant: TenantId, genesis: Hash32, request: &Request) -> Result<Option<Admission>, Refusal> {
        match self.objects.get(&format!("seen/{tenant}"))? {
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
        let query = request.target.split_once('?').map_or("", |(_, query)| query);
        let token = match (self.open_signup, query_value(query, "admission")) {
            (true, _) => None,
            (false, Some(token)) => Some(admission_key(token).ok_or_else(admission_refused)?),
            (false, None) => return Err(admission_refused()),
        };
        if let Some(key) = &token
            && (self.objects.get(key)?.is_none() || self.objects.get(&format!("{key}.used"))?.is_some())
        {
            return Err(admission_refused());
        }
        if self.objects.list("seen/")?.len() as u64 >= self.limits.companies_max {
            return Err(refuse(507, "hub_full", "this hub admits no more companies"));
        }
        Ok(Some(Admission { token }))
    }

    /// Spends the admission token and records the company as seen, both create-only: of two
    /// requests racing for one token or one id, one wins.
    fn admit(&self, tenant: TenantId, genesis: Hash32, admission: Admission) -> Result<(), Refusal> {
        if let Some(key) = admission.token
            && self.objects.put_new(&format!("{key}.used"), tenant.to_hex().as_bytes())? == Put::Exists
        {
            return Err(admission_refused());
        }
        if self.objects.put_new(&format!("seen/{tenant}"), genesis.to_hex().as_bytes())? == Put::Exists
            && self.objects.get(&format!("seen/{tenant}"))?.as_deref() != Some(genesis.to_hex().as_bytes())
        {
            return Err(refuse(409, "company_taken", format!("company id {tenant} was taken meanwhile")));
        }
        tracing::info!(tenant = %tenant, "company admitted");
        Ok(())
    }

    fn usage(&self, tenant: TenantId) -> Result<u64, Refusal> {
        if let Some(bytes) = lock(&self.usage).get(&tenant) {
            return Ok(*bytes);
        }
        let total = self.objects.list(&tenant_prefix(tenant))?.iter().map(|object| object.size).sum();
        lock(&self.usage).insert(tenant, total);
        Ok(total)
    }

    /// Bytes stored for every company, listed once and then counted as this process stores (other
    /// processes sharing the storage count their own: the cap holds to within what they add).
    fn hub_usage(&self) -> Result<u64, Refusal> {
        if let Some(bytes) = *lock(&self.hub_usage) {
            return Ok(bytes);
        }
        let total = self.objects.list("t/")?.iter().map(|object| object.size).sum();
        *lock(&self.hub_usage) = Some(total);
        Ok(total)
    }

    /// A create-only write counted against the tenant's quota and the hub's.
    fn store_new(&self, key: &str, bytes: &[u8], tenant: TenantId) -> Result<Put, Refusal> {
        if self.hub_usage()?.saturating_add(bytes.len() as u64) > self.limits.hub_bytes_max {
            return Err(refuse(507, "hub_full", "the hub's storage is full: nothing was stored"));
        }
        let used = self.usage(tenant)?;
        if used + bytes.len() as u64 > self.limits.quota_bytes {
            return Err(refuse(
                507,
                "quota",
                format!("the company's storage quota of {} bytes at the hub is used up", self.limits.quota_bytes),
            ));
        }
        let put = self.objects.put_new(key, bytes)?;
        if put == Put::Created {
            *lock(&self.usage).entry(tenant).or_default() += bytes.len() as u64;
            if let Some(total) = lock(&self.hub_usage).as_mut() {
                *total = total.saturating_add(bytes.len() as u64);
            }
        }
        Ok(put)
    }

    /// An overwrite of an object of `old_len` bytes, counted against the tenant's quota by the
    /// difference in size.
    fn store_replace(&self, key: &str, bytes: &[u8], old_len: u64, tenant: TenantId) -> Result<(), Refusal> {
        let used = self.usage(tenant)?;
        let after = used.saturating_sub(old_len) + bytes.len() as u64;
        if after > used && after > self.limits.quota_bytes {
            return Err(refuse(
                507,
                "quota",
                format!("the company's storage quota of {} bytes at the hub is used up", self.limits.quota_bytes),
            ));
        }
        self.objects.put(key, bytes)?;
        // By the difference, so that writes counted meanwhile by other requests stay counted.
        let mut usage = lock(&self.usage);
        let used = usage.entry(tenant).or_default();
        *used = used.saturating_sub(old_len) + bytes.len() as u64;
        Ok(())
    }

    fn stored_batches(&self, tenant: TenantId, node: NodeId) -> Result<Vec<StoredBatch>, Refusal> {
        Ok(self
            .objects
            .list(&batch_prefix(tenant, node))?
            .into_iter()
            .filter_map(|object| first_seq_of_key(&object.key).map(|first| StoredBatch { first, object }))
            .collect())
    }

    /// The header of a stored batch, if it reads: from memory if it was read from this very
    /// version of the object, else from storage.
    fn stored_header(&self, object: &Listed) -> Result<Option<rempart_sync::Header>, Refusal> {
        if let Some((version, header)) = lock(&self.headers).get(&object.key)
            && *version == object.version
        {
            return Ok(Some(header.clone()));
        }
        let Some(bytes) = self.objects.get_prefix(&object.key, HEADER_BYTES)? else {
            return Ok(None);
        };
        let header = header_of(&bytes);
        if let Some(header) = &header {
            let mut headers = lock(&self.headers);
            if headers.len() >= HEADERS_MAX {
                headers.clear();
            }
            headers.insert(object.key.clone(), (object.version.clone(), header.clone()));
        }
        Ok(header)
    }

    fn put_batch(&self, tenant: TenantId, body: &[u8], now_ms: u64) -> Result<Response, Refusal> {
        let batch = Batch::decode(body).map_err(|error| refuse(400, "bad_batch", error.to_string()))?;
        let header = &batch.header;
        if header.tenant != tenant {
            return Err(refuse(403, "forbidden", "the batch belongs to another company"));
        }
        let mut roster = self.roster(tenant, true)?.ok_or_else(|| refuse(404, "not_found", "no such company"))?;
        if roster.member(header.node).is_none() {
            roster = self.roster(tenant, true)?.ok_or_else(|| refuse(404, "not_found", "no such company"))?;
        }
        let member = roster
            .member(header.node)
            .ok_or_else(|| refuse(403, "forbidden", format!("node {} is not in the company's roster", header.node)))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&member.keys.sign)
            .map_err(|_| refuse(403, "forbidden", "the node's key in the roster is not usable"))?;
        if !batch.is_signed_by(&key) {
            return Err(refuse(403, "bad_signature", format!("the batch is not signed by node {}", header.node)));
        }
        if !roster.may_write(header.node, header.last) {
            return Err(refuse(
                403,
                "revoked",
                format!("node {} was revoked: events after its revocation are refused", header.node),
            ));
        }
        // The roster the batch names must be the company's as the hub holds it (read again if it
        // names more), under a key epoch that roster has: a member naming a roster or an epoch
        // that does not exist would make the other devices hold back what they send.
        if roster.compare(&header.roster) == Named::Ahead {
            roster = self.roster(tenant, true)?.ok_or_else(|| refuse(404, "not_found", "no such company"))?;
        }
        if roster.compare(&header.roster) != Named::Held || header.epoch == 0 || header.epoch > roster.epoch() {
            return Err(refuse(
                400,
                "bad_batch",
                "the batch names a roster or a key epoch that the company's roster does not hold",
            ));
        }
        if header.hlc_max.wall_ms > now_ms + self.limits.clock_ahead_ms {
            return Err(refuse(
                400,
                "clock_ahead",
                format!(
                    "the batch's events are stamped {} s ahead of the hub's clock: the node's clock is wrong",
                    (header.hlc_max.wall_ms - now_ms) / 1000
                ),
            ));
        }
        let object_key = format!("{}{:020}", batch_prefix(tenant, header.node), header.first.0);
        let stored = self.stored_batches(tenant, header.node)?;
        // Where the batch goes: right after the batch that ends at first-1 (or at the start), and
        // right before the next one, if any; anything else overlaps or leaves a gap.
        let position = stored.partition_point(|b| b.first < header.first.0);
        if let Some(same) = stored.get(position).filter(|b| b.first == header.first.0) {
            let held = self.objects.get(&same.object.key)?.unwrap_or_default();
            if held == body {
                return Ok(Response::json(200, &serde_json::json!({ "stored": "already" })));
            }
            if Batch::decode(&held).ok().is_none_or(|b| !b.is_signed_by(&key)) {
                // The stored copy is damaged: the hub heals it with this valid one.
                tracing::warn!(key = same.object.key, "a damaged stored batch is replaced by a valid copy");
                self.store_replace(&same.object.key, body, held.len() as u64, tenant)?;
                return Ok(Response::json(201, &serde_json::json!({ "stored": "healed" })));
            }
            return Err(refuse(
                409,
                "fork",
                format!(
                    "the hub already holds a different batch of node {} from event {}: one of them is forged or the device was cloned",
                    header.node, header.first
                ),
            ));
        }
        let before = match position.checked_sub(1).map(|i| &stored[i]) {
            Some(previous) => Some(self.stored_header(&previous.object)?),
            None => None,
        };
        let continues = match before {
            None => header.first.0 == 1 && header.prev == Hash32::ZERO,
            Some(Some(previous)) => previous.last.0 + 1 == header.first.0 && previous.head == header.prev,
            Some(None) => false,
        };
        if !continues {
            let held_to =
                stored.last().and_then(|b| self.stored_header(&b.object).ok().flatten()).map_or(0, |h| h.last.0);
            return Err(refuse(
                409,
                "discontinuous",
                format!(
                    "the batch of node {} from event {} does not continue what the hub holds (up to event {held_to})",
                    header.node, header.first
                ),
            ));
        }
        if let Some(next) = stored.get(position) {
            let next_header = self.stored_header(&next.object)?;
            if next_header.is_none_or(|n| n.first.0 != header.last.0 + 1 || n.prev != header.head) {
                return Err(refuse(409, "overlap", "the batch overlaps batches the hub holds"));
            }
        }
        match self.store_new(&object_key, body, tenant)? {
            Put::Created => {
                self.metrics.batches_stored.fetch_add(1, Ordering::Relaxed);
                self.metrics.batch_bytes_stored.fetch_add(body.len() as u64, Ordering::Relaxed);
                self.metrics.events_stored.fetch_add(header.count(), Ordering::Relaxed);
                tracing::info!(node = %header.node.short(), first = header.first.0, last = header.last.0, bytes = body.len(), "batch stored");
                Ok(Response::json(201, &serde_json::json!({ "stored": true })))
            }
            Put::Exists => Err(refuse(409, "conflict", "another batch for the same events was stored meanwhile")),
        }
    }

    /// The last event the hub holds of each node.
    pub fn heads(&self, tenant: TenantId) -> Result<VersionVector, Refusal> {
        // The end of each node's contiguous run from its first event: a batch lost or set apart in
        // the middle shows as a shorter head, so the nodes that hold it upload it again; a batch
        // replaced by another shows as a head whose hash the nodes holding the genuine one do not
        // know. Storage is listed each time, so that a change made behind the hub's back shows at
        // once; a header is read again only when its object's version changed.
        let mut vector = VersionVector::default();
        let prefix = format!("t/{tenant}/b/");
        let mut by_node: BTreeMap<String, Vec<Listed>> = BTreeMap::new();
        for object in self.objects.list(&prefix)? {
            if let Some((node, _)) = object.key[prefix.len()..].split_once('/') {
                by_node.entry(node.to_owned()).or_default().push(object);
            }
        }
        let roster = self.roster(tenant, false)?;
        for (node, objects) in by_node {
            let Ok(node) = node.parse::<NodeId>() else { continue };
            // Nothing of a revoked node past its revocation counts.
            let valid_until = roster.as_ref().and_then(|r| r.member(node)?.revoked_after).unwrap_or(u64::MAX);
            let mut head: Option<Head> = None;
            for object in objects {
                let Some(header) = self.stored_header(&object)? else { break };
                if header.first.0 > valid_until {
                    break;
                }
                let continues = match head {
                    None => header.first.0 == 1,
                    Some(previous) => previous.seq.0 + 1 == header.first.0 && previous.hash == header.prev,
                };
                if !continues {
                    break;
                }
                head = Some(Head { seq: header.last, hash: header.head });
            }
            if let Some(head) = head {
                vector.set(node, head);
            }
        }
        Ok(vector)
    }

    /// Batches of `node` holding events after `after`, framed as `len u32 | batch`. Each is
    /// checked before it is served; a damaged one is set apart, so that the nodes holding a good
    /// copy upload it again, and nothing after it is served.
    fn get_batches(&self, tenant: TenantId, node: NodeId, after: u64) -> Result<Response, Refusal> {
        let roster = self.roster(tenant, false)?.ok_or_else(|| refuse(404, "unknown_tenant", "no such company"))?;
        let key = roster
            .member(node)
            .and_then(|member| ed25519_dalek::VerifyingKey::from_bytes(&member.keys.sign).ok())
            .ok_or_else(|| refuse(404, "not_found", format!("node {node} is not in the company's roster")))?;
        let stored = self.stored_batches(tenant, node)?;
        // The batch that holds event after+1 starts at or before it.
        let start = stored.partition_point(|b| b.first <= after.saturating_add(1)).saturating_sub(1);
        let mut body = Vec::new();
        let mut next = after.saturating_add(1);
        for batch in &stored[start..] {
            if !body.is_empty() && body.len() as u64 + batch.object.size > self.limits.download_bytes_max as u64 {
                break;
            }
            if batch.first > next {
                // A hole (a batch lost or set apart): nothing after it is served until it is filled.
                break;
            }
            let Some(bytes) = self.objects.get(&batch.object.key)? else { break };
            let sound = Batch::decode(&bytes).ok().filter(|b| b.is_signed_by(&key) && b.header.first.0 == batch.first);
            let Some(decoded) = sound else {
                self.set_apart(tenant, &batch.object.key, &bytes)?;
                break;
            };
            if decoded.header.last.0 < next {
                continue;
            }
            next = decoded.header.last.0 + 1;
            body.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            body.extend_from_slice(&bytes);
        }
        Ok(Response::bytes(body))
    }

    /// Moves a damaged object out of the tenant's batches, keeping it as evidence.
    fn set_apart(&self, tenant: TenantId, key: &str, bytes: &[u8]) -> Result<(), Refusal> {
        let evidence = format!("t/{tenant}/damaged/{}", blake3_hex(bytes));
        tracing::error!(key, evidence, "a stored batch is damaged: set apart, to be uploaded again by the nodes");
        // The bytes move within the tenant's namespace, so its usage stays the same, unless the
        // same damaged copy was set apart before.
        if self.objects.put_new(&evidence, bytes)? == Put::Exists
            && let Some(used) = lock(&self.usage).get_mut(&tenant)
        {
            *used = used.saturating_sub(bytes.len() as u64);
        }
        self.objects.remove(key)?;
        *lock(&self.metrics.refused).entry("damaged_in_storage").or_default() += 1;
        Ok(())
    }

    fn put_wrap(
        &self,
        roster: &Roster,
        auth: &RequestAuth,
        tenant: TenantId,
        name: &str,
        body: &[u8],
    ) -> Result<Response, Refusal> {
        let key = format!("t/{tenant}/wraps/{name}");
        objects::check_key(&key).map_err(|_| refuse(400, "bad_request", "bad wrap name"))?;
        let wrap: rempart_sync::Wrap =
            serde_json::from_slice(body).map_err(|_| refuse(400, "bad_request", "the body is not a key wrap"))?;
        // A wrap is taken only under the name its own fields give, of this company, for a key
        // epoch the roster has, to an active device or the current recovery key: no name can be
        // squatted for a wrap to come.
        let generation = roster.recovery_generation();
        let epoch_known = match wrap.what {
            rempart_sync::Wrapped::DataKey(epoch) => epoch >= 1 && epoch <= roster.epoch(),
            rempart_sync::Wrapped::Recovery => true,
        };
        let recipient_known = match wrap.to {
            rempart_sync::Recipient::Device(device) => roster.is_active(device),
            rempart_sync::Recipient::Recovery => true,
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
            (RequestSigner::Device(d), rempart_sync::Recipient::Device(to), rempart_sync::Wrapped::DataKey(_)) if d == to
        );
        if !admin && !own {
            return Err(refuse(403, "forbidden", "only an admin device writes key wraps for others"));
        }
        match self.store_new(&key, body, tenant)? {
            Put::Created => Ok(Response::json(201, &serde_json::json!({ "stored": true }))),
            Put::Exists if self.objects.get(&key)?.as_deref() == Some(body) => {
                Ok(Response::json(200, &serde_json::json!({ "stored": "already" })))
            }
            Put::Exists => Err(refuse(409, "conflict", format!("the hub holds another wrap named {name}"))),
        }
    }

    fn metrics_text(&self) -> Response {
        let mut out = String::new();
        let counters = [
            ("rempart_hub_requests_total", "Requests handled.", &self.metrics.requests),
            ("rempart_hub_batches_stored_total", "Batches stored.", &self.metrics.batches_stored),
            ("rempart_hub_batch_bytes_stored_total", "Bytes of batches stored.", &self.metrics.batch_bytes_stored),
            ("rempart_hub_events_stored_total", "Events in the batches stored.", &self.metrics.events_stored),
        ];
        for (name, help, value) in counters {
            let value = value.load(Ordering::Relaxed);
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        }
        let _ = writeln!(
            out,
            "# HELP rempart_hub_refused_total Requests refused, by reason.\n# TYPE rempart_hub_refused_total counter"
        );
        let mut refused: Vec<(&str, u64)> = lock(&self.metrics.refused).iter().map(|(k, v)| (*k, *v)).collect();
        refused.sort();
        for (reason, count) in refused {
            let _ = writeln!(out, "rempart_hub_refused_total{{reason=\"{reason}\"}} {count}");
        }
        Response::text(200, out)
    }
}

fn blake3_hex(bytes: &[u8]) -> String {
    rempart_log::Hash32(*blake3::hash(bytes).as_bytes()).to_hex()
}

fn header_of(bytes: &[u8]) -> Option<rempart_sync::Header> {
    // A stored header is read back by decoding a batch whose ciphertext is left out: the decoder
    // checks lengths, so the header is parsed from its own fixed layout.
    rempart_sync::batch::decode_header(bytes).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Roster, wraps, invitations: enrolled devices, and the invitation being used.
    Read,
    /// Batches and heads: enrolled devices.
    Write,
    /// Invitations: admin devices.
    Admin,
}

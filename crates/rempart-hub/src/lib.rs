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
//! (`http`) and the deterministic simulation drive the same code. Its endpoints are the API's
//! (`rempart_sync::api`); the storage layout is in `layout`.
//!
//! - `request`: a request, its answer, a refusal;
//! - `routes`: a request's route, and the checks every request under a company's path passes;
//! - `auth`: the signed headers checked before the body is read, the signature, nonce and the
//!   signer's rights;
//! - `admission`: which new companies the hub takes;
//! - `roster`, `batches`, `wraps`, `invites`: what the hub keeps of each company;
//! - `limits`: rate, quota and caps; `metrics`: the counters at `/metrics`.
//!
//! A new company is admitted only with an admission token, unless the hub was started with open
//! signup (`Hub::with_open_signup`, `rempart hub --open-signup`) for a hub of one's own.

mod admission;
mod auth;
mod batches;
pub mod http;
mod invites;
mod layout;
mod limits;
mod metrics;
pub mod objects;
mod request;
mod roster;
mod routes;
pub mod s3;
mod wraps;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rempart_log::TenantId;
use rempart_sync::{HubId, Roster};

pub use admission::issue_admission;
pub use layout::{tenant_prefix, wrap_key};
pub use limits::Limits;
pub use objects::{DirStore, Listed, MemStore, ObjectError, ObjectStore, Put, S3Step};
pub use request::{Method, Refusal, Request, Response};

use crate::auth::Nonces;
use crate::layout::IDENTITY_KEY;
use crate::limits::Bucket;
use crate::metrics::Metrics;
use crate::request::refuse;

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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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

    /// Admits any company whose genesis verifies, without an admission token: for a hub of
    /// one's own, or a test.
    pub fn with_open_signup(mut self) -> Hub {
        self.open_signup = true;
        self
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }
}

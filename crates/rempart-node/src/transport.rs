//! How a node reaches a hub: one signed request, one answer. Over HTTP in the product; the
//! deterministic simulation puts an injected network here instead.

use std::time::Duration;

use rempart_sync::RequestAuth;
use rempart_sync::api::{Refused, Route};

/// The method of a request, as the API defines them.
pub use rempart_sync::api::Method as Verb;

/// The hub's answer: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The hub's short reason for a refusal (`quota`, `admission`, ...), empty if it gave none.
    pub fn reason(&self) -> String {
        Refused::reason_of(&self.body).unwrap_or_default()
    }

    /// The hub's message, from its JSON error body (else the start of the body).
    pub fn message(&self) -> String {
        Refused::message_of(&self.body)
            .unwrap_or_else(|| String::from_utf8_lossy(&self.body).chars().take(200).collect())
    }
}

/// The hub could not be reached at all (as opposed to an answer that refuses).
#[derive(Debug, thiserror::Error)]
#[error("the hub at {hub} cannot be reached: {reason}")]
pub struct Unreachable {
    pub hub: String,
    pub reason: UnreachableWhy,
}

/// Why a hub cannot be reached.
#[derive(Debug, thiserror::Error)]
pub enum UnreachableWhy {
    #[error("the hub's address must start with https:// or http://")]
    NotHttp,
    /// The file `REMPART_HUB_CA` names cannot be read.
    #[error("REMPART_HUB_CA ({path}): {source}")]
    CaUnreadable { path: String, source: std::io::Error },
    #[error("REMPART_HUB_CA ({path}) holds no certificate: {source}")]
    CaWithoutCertificate { path: String, source: ureq::Error },
    /// The request or its answer failed on the way (connection, TLS, timeout, a body cut short).
    #[error("{0}")]
    Network(ureq::Error),
    /// The hub's health check answers with this status.
    #[error("it answers {0}")]
    Unhealthy(ureq::http::StatusCode),
}

pub trait Transport {
    /// Where the hub is, for messages.
    fn hub(&self) -> String;
    /// The hub's identity as last learnt (`GET /v1/hub`), which request signatures cover: a
    /// slot kept with the transport, `None` until asked.
    fn identity(&mut self) -> &mut Option<rempart_sync::HubId>;
    fn call(
        &mut self,
        verb: Verb,
        target: &str,
        auth: Option<&RequestAuth>,
        body: Vec<u8>,
    ) -> Result<Answer, Unreachable>;
}

/// HTTP to a hub at a base URL such as `http://127.0.0.1:7431`.
pub struct Http {
    base: String,
    agent: ureq::Agent,
    identity: Option<rempart_sync::HubId>,
}

/// Largest answer read from a hub.
const ANSWER_BYTES_MAX: u64 = 64 << 20;

impl Http {
    /// A hub at `base` (`https://...`, or `http://...` on a trusted network). Its certificate
    /// is checked against the public authorities, or against the certificate authority in the
    /// PEM file named by `REMPART_HUB_CA` for a hub with a private one.
    pub fn new(base: &str) -> Result<Http, Unreachable> {
        let base = base.trim_end_matches('/').to_owned();
        let refused = |reason: UnreachableWhy| Unreachable { hub: base.clone(), reason };
        if !base.starts_with("http://") && !base.starts_with("https://") {
            return Err(refused(UnreachableWhy::NotHttp));
        }
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(120)));
        if let Ok(path) = std::env::var("REMPART_HUB_CA") {
            let pem = std::fs::read(&path)
                .map_err(|source| refused(UnreachableWhy::CaUnreadable { path: path.clone(), source }))?;
            let certificate = ureq::tls::Certificate::from_pem(&pem)
                .map_err(|source| refused(UnreachableWhy::CaWithoutCertificate { path: path.clone(), source }))?;
            let roots = ureq::tls::RootCerts::new_with_certs(&[certificate]);
            config = config.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build());
        }
        Ok(Http { base, agent: config.build().into(), identity: None })
    }
}

impl Http {
    /// Whether the hub answers at all (`GET /healthz`, no signature), within a few seconds.
    pub fn reachable(&self) -> Result<(), Unreachable> {
        let unreachable = |reason: UnreachableWhy| Unreachable { hub: self.base.clone(), reason };
        let response = self
            .agent
            .get(&format!("{}{}", self.base, Route::Health.target()))
            .config()
            .timeout_global(Some(Duration::from_secs(3)))
            .build()
            .call()
            .map_err(|error| unreachable(UnreachableWhy::Network(error)))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(unreachable(UnreachableWhy::Unhealthy(response.status())))
        }
    }
}

impl Transport for Http {
    fn hub(&self) -> String {
        self.base.clone()
    }

    fn identity(&mut self) -> &mut Option<rempart_sync::HubId> {
        &mut self.identity
    }

    fn call(
        &mut self,
        verb: Verb,
        target: &str,
        auth: Option<&RequestAuth>,
        body: Vec<u8>,
    ) -> Result<Answer, Unreachable> {
        let url = format!("{}{target}", self.base);
        let unreachable =
            |error: ureq::Error| Unreachable { hub: self.base.clone(), reason: UnreachableWhy::Network(error) };
        let headers: Vec<(&'static str, String)> = auth.map(|auth| auth.headers().to_vec()).unwrap_or_default();
        let response = match verb {
            Verb::Get => {
                let mut request = self.agent.get(&url);
                for (name, value) in &headers {
                    request = request.header(*name, value);
                }
                request.call()
            }
            Verb::Put | Verb::Post => {
                let mut request = if verb == Verb::Put { self.agent.put(&url) } else { self.agent.post(&url) };
                for (name, value) in &headers {
                    request = request.header(*name, value);
                }
                request.content_type("application/octet-stream").send(&body[..])
            }
        };
        let mut response = response.map_err(unreachable)?;
        let status = response.status().as_u16();
        let body = response.body_mut().with_config().limit(ANSWER_BYTES_MAX).read_to_vec().map_err(unreachable)?;
        Ok(Answer { status, body })
    }
}

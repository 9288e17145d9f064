//! A request and its answer as plain values (so the HTTP server and the simulation drive the same
//! code), and a refusal: the status, reason and message of a request the hub turns down.

use rempart_sync::RequestAuth;
use rempart_sync::api::{self, Refused};

use crate::ObjectError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Put,
    Post,
    Other,
}

impl Method {
    /// The method of the API this is, if it is one.
    fn api(self) -> Option<api::Method> {
        match self {
            Method::Get => Some(api::Method::Get),
            Method::Put => Some(api::Method::Put),
            Method::Post => Some(api::Method::Post),
            Method::Other => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.api().map_or("OTHER", api::Method::as_str)
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

    /// The authentication its signed headers carry, if they are well formed.
    pub(crate) fn auth(&self) -> Result<RequestAuth, Refusal> {
        RequestAuth::from_headers(
            self.signer.as_deref(),
            self.time.as_deref(),
            self.nonce.as_deref(),
            self.signature.as_deref(),
        )
        .map_err(|error| refuse(401, "unauthenticated", error.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    pub(crate) fn json(status: u16, value: &impl serde::Serialize) -> Response {
        // The hub's answers are plain structures: they serialise.
        let body = serde_json::to_vec(value).expect("a hub answer serialises");
        Response { status, content_type: "application/json", body }
    }

    /// A stored JSON object (a key wrap, a sealed invitation), served as it was stored.
    pub(crate) fn stored_json(body: Vec<u8>) -> Response {
        Response { status: 200, content_type: "application/json", body }
    }

    pub(crate) fn bytes(body: Vec<u8>) -> Response {
        Response { status: 200, content_type: "application/octet-stream", body }
    }

    pub(crate) fn text(status: u16, body: String) -> Response {
        Response { status, content_type: "text/plain; version=0.0.4", body: body.into_bytes() }
    }

    /// The answer to a create-only write that stored something new.
    pub(crate) fn created() -> Response {
        Response::json(201, &serde_json::json!({ "stored": true }))
    }

    /// The answer to a create-only write of what the hub held already, the same.
    pub(crate) fn already_held() -> Response {
        Response::json(200, &serde_json::json!({ "stored": "already" }))
    }

    /// The message of an error response.
    pub fn message(&self) -> String {
        Refused::message_of(&self.body).unwrap_or_else(|| String::from_utf8_lossy(&self.body).into_owned())
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

pub(crate) fn refuse(status: u16, reason: &'static str, message: impl Into<String>) -> Refusal {
    Refusal { status, message: message.into(), reason }
}

impl From<ObjectError> for Refusal {
    fn from(error: ObjectError) -> Refusal {
        tracing::error!(%error, "storage failed");
        refuse(503, "storage", "the hub's storage is failing; nothing was stored, try again later")
    }
}

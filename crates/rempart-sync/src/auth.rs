//! Signed requests: how a device proves to the hub who it is, without a bearer secret to steal.
//!
//! Each request carries the signer (a device, or a one-time invitation for the join that uses it),
//! the time in milliseconds, a random nonce, and an Ed25519 signature over a context string, the
//! identity of the hub it is meant for, the signer as its header names it, the method, the path
//! with its query, the time, the nonce and the BLAKE3 hash of the body. The hub's identity is not
//! sent: a hub checks the signature with its own, so a request made for one hub does not verify
//! at another (`GET /v1/hub` tells a node the identity of the hub it reaches). The hub
//! refuses a time too far from its own clock and a nonce it has already seen within that window,
//! so a captured request cannot be replayed, and a body cannot be swapped under a signature.

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rempart_log::{Hash32, NodeId};

use crate::SyncError;

const CONTEXT: &[u8] = b"rempart request v3\0";
/// How far a request's time may be from the hub's clock.
pub const REQUEST_SKEW_MS: u64 = 5 * 60 * 1000;

pub const HEADER_SIGNER: &str = "x-rempart-signer";
pub const HEADER_TIME: &str = "x-rempart-time";
pub const HEADER_NONCE: &str = "x-rempart-nonce";
pub const HEADER_SIGNATURE: &str = "x-rempart-signature";

/// Why a request's authentication is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// `text` is the signer header as received.
    #[error("the signer \"{text}\" is neither device:<id> nor invite:<id>")]
    BadSigner { text: String },
    #[error("the request is not signed")]
    NotSigned,
    #[error("the request time is not a number")]
    BadTime,
    #[error("the request nonce is not 32 hexadecimal digits")]
    BadNonce,
    #[error("the request signature is not 128 hexadecimal digits")]
    BadSignature,
    /// The request's time is `skew_ms` away from the hub's clock, more than `REQUEST_SKEW_MS`.
    #[error(
        "the request's time is {} s away from the hub's clock (at most {} s): check the device's clock",
        skew_ms / 1000,
        REQUEST_SKEW_MS / 1000
    )]
    Skew { skew_ms: u64 },
    #[error("the request's signature does not verify")]
    SignatureRefused,
}

/// Who signs a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestSigner {
    Device(NodeId),
    Invite(Hash32),
    /// The tenant's recovery key, when a lost device is replaced.
    Recovery,
}

impl RequestSigner {
    pub fn to_header(&self) -> String {
        match self {
            RequestSigner::Device(node) => format!("device:{node}"),
            RequestSigner::Invite(id) => format!("invite:{id}"),
            RequestSigner::Recovery => "recovery:kit".to_owned(),
        }
    }

    pub fn from_header(text: &str) -> Result<RequestSigner, SyncError> {
        let bad = || SyncError::Auth(AuthError::BadSigner { text: text.to_owned() });
        match text.split_once(':') {
            Some(("device", id)) => id.parse().map(RequestSigner::Device).map_err(|_| bad()),
            Some(("invite", id)) => id.parse().map(RequestSigner::Invite).map_err(|_| bad()),
            Some(("recovery", "kit")) => Ok(RequestSigner::Recovery),
            _ => Err(bad()),
        }
    }
}

/// A hub's identity: 16 random bytes it draws once and keeps in its storage.
pub type HubId = [u8; 16];

/// What a request signature covers besides its own fields: the hub it is meant for, and the
/// request itself.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub hub: &'a HubId,
    pub method: &'a str,
    pub target: &'a str,
    pub body: &'a [u8],
}

/// The authentication fields of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestAuth {
    pub signer: RequestSigner,
    pub time_ms: u64,
    pub nonce: [u8; 16],
    pub signature: [u8; 64],
}

fn message(signer: RequestSigner, call: &Call<'_>, time_ms: u64, nonce: &[u8; 16]) -> Vec<u8> {
    let Call { hub, method, target: path_and_query, body } = *call;
    let mut message = CONTEXT.to_vec();
    message.extend_from_slice(hub);
    for part in [signer.to_header().as_bytes(), method.as_bytes(), path_and_query.as_bytes()] {
        message.extend_from_slice(&(part.len() as u32).to_be_bytes());
        message.extend_from_slice(part);
    }
    message.extend_from_slice(&time_ms.to_be_bytes());
    message.extend_from_slice(nonce);
    message.extend_from_slice(blake3::hash(body).as_bytes());
    message
}

impl RequestAuth {
    pub fn sign(
        key: &SigningKey,
        signer: RequestSigner,
        call: &Call<'_>,
        time_ms: u64,
        nonce: [u8; 16],
    ) -> RequestAuth {
        let signature = key.sign(&message(signer, call, time_ms, &nonce)).to_bytes();
        RequestAuth { signer, time_ms, nonce, signature }
    }

    /// The header values, in the order of `HEADER_SIGNER`, `HEADER_TIME`, `HEADER_NONCE`,
    /// `HEADER_SIGNATURE`.
    pub fn headers(&self) -> [(&'static str, String); 4] {
        [
            (HEADER_SIGNER, self.signer.to_header()),
            (HEADER_TIME, self.time_ms.to_string()),
            (HEADER_NONCE, hex::encode(self.nonce)),
            (HEADER_SIGNATURE, hex::encode(self.signature)),
        ]
    }

    /// Reads the fields back from header values (absent headers are `None`).
    pub fn from_headers(
        signer: Option<&str>,
        time: Option<&str>,
        nonce: Option<&str>,
        signature: Option<&str>,
    ) -> Result<RequestAuth, SyncError> {
        let (Some(signer), Some(time), Some(nonce), Some(signature)) = (signer, time, nonce, signature) else {
            return Err(AuthError::NotSigned.into());
        };
        let signer = RequestSigner::from_header(signer)?;
        let time_ms = time.parse().map_err(|_| AuthError::BadTime)?;
        let mut nonce_bytes = [0u8; 16];
        hex::decode_to_slice(nonce, &mut nonce_bytes).map_err(|_| AuthError::BadNonce)?;
        let mut signature_bytes = [0u8; 64];
        hex::decode_to_slice(signature, &mut signature_bytes).map_err(|_| AuthError::BadSignature)?;
        Ok(RequestAuth { signer, time_ms, nonce: nonce_bytes, signature: signature_bytes })
    }

    /// Checks the signature with the signer's key and the time against `now_ms`. The nonce is the
    /// caller's to check against those already seen.
    pub fn verify(&self, key: &VerifyingKey, call: &Call<'_>, now_ms: u64) -> Result<(), SyncError> {
        if self.time_ms.abs_diff(now_ms) > REQUEST_SKEW_MS {
            return Err(AuthError::Skew { skew_ms: self.time_ms.abs_diff(now_ms) }.into());
        }
        let signature = ed25519_dalek::Signature::from_bytes(&self.signature);
        key.verify_strict(&message(self.signer, call, self.time_ms, &self.nonce), &signature)
            .map_err(|_| AuthError::SignatureRefused.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_request_verifies_only_as_sent() {
        let key = SigningKey::from_bytes(&[1; 32]);
        let signer = RequestSigner::Device(NodeId::from_bytes([2; 16]));
        let hub = [7; 16];
        let call = |method, target, body| Call { hub: &hub, method, target, body };
        let put = call("PUT", "/v1/t/ab/batches", b"body");
        let auth = RequestAuth::sign(&key, signer, &put, 1_000_000, [3; 16]);
        let [s, t, n, g] = auth.headers().map(|(_, value)| value);
        let back = RequestAuth::from_headers(Some(&s), Some(&t), Some(&n), Some(&g)).unwrap();
        assert_eq!(back, auth);
        let public = key.verifying_key();
        back.verify(&public, &call("PUT", "/v1/t/ab/batches", b"body"), 1_000_000 + 60_000).unwrap();
        assert!(back.verify(&public, &call("PUT", "/v1/t/ab/batches", b"other"), 1_000_000).is_err());
        assert!(back.verify(&public, &call("GET", "/v1/t/ab/batches", b"body"), 1_000_000).is_err());
        assert!(back.verify(&public, &call("PUT", "/v1/t/cd/batches", b"body"), 1_000_000).is_err());
        let stale = back.verify(&public, &call("PUT", "/v1/t/ab/batches", b"body"), 1_000_000 + 400_000).unwrap_err();
        assert!(matches!(stale, SyncError::Auth(AuthError::Skew { skew_ms: 400_000 })), "{stale:?}");
        // The signer is signed: the same signature under another signer's name fails.
        let renamed = RequestAuth { signer: RequestSigner::Recovery, ..back.clone() };
        assert!(renamed.verify(&public, &call("PUT", "/v1/t/ab/batches", b"body"), 1_000_000).is_err());
        // Made for another hub, it does not verify at this one.
        let elsewhere = Call { hub: &[8; 16], ..put };
        assert!(back.verify(&public, &elsewhere, 1_000_000).is_err());
        let other = SigningKey::from_bytes(&[4; 32]).verifying_key();
        assert!(back.verify(&other, &call("PUT", "/v1/t/ab/batches", b"body"), 1_000_000).is_err());
        assert!(RequestAuth::from_headers(None, Some(&t), Some(&n), Some(&g)).is_err());
        assert!(RequestSigner::from_header("admin:00").is_err());
        let invite = RequestSigner::Invite(Hash32([5; 32]));
        assert_eq!(RequestSigner::from_header(&invite.to_header()).unwrap(), invite);
    }
}

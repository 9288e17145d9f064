//! How the node asks the hub: the hub's identity (`hub_identity`), a call signed for it with its
//! route's target (`call`, `Session::ask`), and the JSON of what goes and comes back.

use rempart_log::SigningKey;
use rempart_store::Store;
use rempart_sync::api::{HubIdentity, Route};
use rempart_sync::{Call, HubId, RequestAuth, RequestSigner};
use serde::Serialize;

use crate::{Answer, Env, Hostile, NodeError, Served, Session, Transport};

/// The identity of the hub behind `transport`, asked of it (`GET /v1/hub`) and kept with the
/// transport.
pub fn hub_identity(transport: &mut dyn Transport) -> Result<HubId, NodeError> {
    let route = Route::HubIdentity;
    let answer = transport.call(route.method(), &route.target(), None, Vec::new())?;
    if !answer.is_success() {
        return Err(refused(&answer));
    }
    let identity: HubIdentity = parse(&answer.body, Served::Identity)?;
    let mut hub = [0u8; 16];
    hex::decode_to_slice(&identity.hub, &mut hub).map_err(|_| Hostile::HubIdentityMalformed)?;
    *transport.identity() = Some(hub);
    Ok(hub)
}

/// The error of an answer that is not a success.
fn refused(answer: &Answer) -> NodeError {
    NodeError::Refused { status: answer.status, reason: answer.reason(), message: answer.message() }
}

/// Bodies small enough to send again, signed for it, if the hub turned out to be another one:
/// the hub's identity is asked unsigned, so one a man in the middle names gets no large body
/// (a batch) signed for it.
const RESENT_BODY_BYTES_MAX: usize = 64 << 10;

/// About how long a call refused for the company's request rate (429: many devices of one
/// company syncing at once) waits each time before it is signed anew and sent again (each wait
/// drawn between half and one and a half times it); after the last, the refusal stands (and
/// `sync --watch` tries again at its next turn).
pub const RATE_WAITS_MS: [u64; 6] = [100, 250, 500, 1_000, 2_000, 4_000];

/// A signed call to the hub, turning refusals into errors. The signature covers the hub's
/// identity: a call refused as unauthenticated after the hub changed (its storage replaced, or
/// another hub behind the same address) asks the identity again, and a small one is sent again.
/// A call refused for the company's request rate is sent again after a wait (`RATE_WAITS_MS`).
pub(crate) fn call(
    transport: &mut dyn Transport,
    env: &mut Env<'_>,
    (key, signer): (&SigningKey, RequestSigner),
    route: &Route,
    body: Vec<u8>,
) -> Result<Answer, NodeError> {
    let (verb, target) = (route.method(), route.target());
    let mut hub = match *transport.identity() {
        Some(hub) => hub,
        None => hub_identity(transport)?,
    };
    let sign = |env: &mut Env<'_>, hub: &HubId, body: &[u8]| {
        let call = Call { hub, method: verb.as_str(), target: &target, body };
        RequestAuth::sign(key, signer, &call, env.now(), env.bytes())
    };
    let auth = sign(env, &hub, &body);
    // Each attempt is signed anew (a signature's nonce is spent by the hub that saw it).
    let copy = body.clone();
    let mut answer = transport.call(verb, &target, Some(&auth), body)?;
    if answer.status == 401 && answer.reason() == "unauthenticated" {
        let fresh = hub_identity(transport)?;
        if fresh != hub && copy.len() <= RESENT_BODY_BYTES_MAX {
            hub = fresh;
            let auth = sign(env, &hub, &copy);
            answer = transport.call(verb, &target, Some(&auth), copy.clone())?;
        }
    }
    for wait in RATE_WAITS_MS {
        if answer.status != 429 {
            break;
        }
        env.pause_about(wait);
        let auth = sign(env, &hub, &copy);
        answer = transport.call(verb, &target, Some(&auth), copy.clone())?;
    }
    if answer.is_success() { Ok(answer) } else { Err(refused(&answer)) }
}

impl Session {
    /// This device, as it signs requests.
    pub(crate) fn device(store: &Store) -> RequestSigner {
        RequestSigner::Device(store.node())
    }

    /// A call to the hub signed by this device.
    pub(crate) fn ask(
        &self,
        store: &Store,
        transport: &mut dyn Transport,
        env: &mut Env<'_>,
        route: &Route,
        body: Vec<u8>,
    ) -> Result<Answer, NodeError> {
        call(transport, env, (store.signing_key(), Self::device(store)), route, body)
    }
}

pub(crate) fn json<T: Serialize>(value: &T) -> Vec<u8> {
    // The node's messages (roster entries, wraps, invitations, heads) serialise; an empty body
    // must never be sent for one, so a failure stops here.
    serde_json::to_vec(value).expect("a message of the sync protocol serialises")
}

pub(crate) fn zeroizing_json<T: Serialize>(value: &T) -> zeroize::Zeroizing<Vec<u8>> {
    zeroize::Zeroizing::new(json(value))
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8], what: Served) -> Result<T, NodeError> {
    serde_json::from_slice(bytes).map_err(|source| Hostile::Unreadable { what, source }.into())
}

//! Issue 18: the hub takes any request (path, signed headers, body) without panicking, before
//! and after its body is read, and answers it with a status; a request that is not a company's
//! never stores anything.

// Integration tests: a failed unwrap is a failed test (the product itself denies unwrap).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use proptest::prelude::*;
use rempart_hub::{Hub, Limits, MemStore, Method, Request};

fn method(index: u8) -> Method {
    [Method::Get, Method::Put, Method::Post, Method::Other][usize::from(index % 4)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_request_gets_an_answer_and_stores_nothing_unless_signed(
        which in any::<u8>(),
        tenant in "[0-9a-f]{32}|[ -~]{0,40}",
        rest in prop::sample::select(vec!["roster", "roster?after=3", "batches", "heads", "batches/00", "wraps/x", "invites/ab", "", "a/b/c"]),
        signer in prop::option::of("(device|invite|recovery):[0-9a-z]{0,64}"),
        time in prop::option::of(prop_oneof!["[0-9]{0,20}", Just("1790000000000".to_owned())]),
        nonce in prop::option::of(prop_oneof!["[0-9a-f]{0,40}", "[0-9a-f]{32}"]),
        signature in prop::option::of(prop_oneof!["[0-9a-f]{0,140}", "[0-9a-f]{128}"]),
        body in proptest::collection::vec(any::<u8>(), 0..500),
    ) {
        let objects = Arc::new(MemStore::default());
        let hub = Hub::new(objects.clone(), Limits::default()).with_open_signup();
        let request = Request {
            method: method(which),
            target: format!("/v1/t/{tenant}/{rest}"),
            signer,
            time,
            nonce,
            signature,
            body,
            request_id: "prop".to_owned(),
            from_loopback: which % 2 == 0,
            authorization: None,
        };
        let now = 1_790_000_000_000;
        if let Err(answer) = hub.precheck(&request, now) {
            prop_assert!((400..500).contains(&answer.status), "{}", answer.status);
        }
        let answer = hub.handle(&request, now);
        prop_assert!((200..600).contains(&answer.status));
        // Nothing signed by a real key: nothing can be stored.
        prop_assert!(objects.snapshot().is_empty(), "{:?}", objects.snapshot().keys());
    }
}

/// Review of issue 19: a target whose number does not read (`after=abc`) is refused as such only
/// once the request is authorized: signed headers that do not verify are refused for that first,
/// as on every other endpoint.
#[test]
fn a_bad_number_is_told_only_after_the_signature_is_checked() {
    let hub = Hub::new(Arc::new(MemStore::default()), Limits::default());
    let tenant = "0123456789abcdef0123456789abcdef";
    for target in [format!("/v1/t/{tenant}/roster?after=abc"), format!("/v1/t/{tenant}/batches/{tenant}?after=x")] {
        let request = Request {
            method: Method::Get,
            target,
            signer: Some(format!("device:{tenant}")),
            time: Some("1790000000000".to_owned()),
            nonce: Some("0".repeat(32)),
            signature: Some("0".repeat(128)),
            body: Vec::new(),
            request_id: "bad-number".to_owned(),
            from_loopback: true,
            authorization: None,
        };
        let answer = hub.handle(&request, 1_790_000_000_000);
        // Refused as any request of this unknown company is (no roster to check the key against).
        assert!(matches!(answer.status, 401 | 403 | 404), "{} {}", answer.status, answer.message());
    }
}

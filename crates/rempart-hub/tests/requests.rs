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

//! Issue 18: every decoder of untrusted input in the sync protocol (batch, roster entry, key wrap,
//! invitation, request headers) takes arbitrary bytes without panicking, and a valid value
//! re-encodes to the very bytes it was read from. The properties count what they exercised, and
//! a last test fails when a kind of input never reached past a decoder's first check.

// Integration tests: a failed unwrap is a failed test (the product itself denies unwrap).
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use rempart_log::{Event, EventSeq, Hash32, Hlc, NodeId, Seal, SigningKey, TenantId};
use rempart_sync::batch::{Author, decode_header};
use rempart_sync::{
    Action, Batch, Body, DataKey, DeviceKeys, Entry, InviteSecret, Recipient, RecoverySecret, RequestAuth,
    RequestSigner, Roster, RosterMark, SealedInvite, Signer, Wrap, WrapEntropy, WrapSecret, Wrapped,
};

const TENANT: TenantId = TenantId::from_bytes([1; 16]);
const NODE: NodeId = NodeId::from_bytes([2; 16]);

fn valid_batch(len: u64, salt: u8) -> (Vec<u8>, DataKey, SigningKey) {
    let key = SigningKey::from_bytes(&[3; 32]);
    let mut events = Vec::new();
    let mut prev = Hash32::ZERO;
    for seq in 1..=len {
        let payload = format!("{{\"n\":{seq},\"salt\":{salt}}}").into_bytes();
        let hlc = Hlc { wall_ms: 1_700_000_000_000 + seq, logical: 0 };
        let event = Event::new(TENANT, NODE, EventSeq(seq), hlc, prev, "test.fact", payload).unwrap();
        prev = event.hash();
        events.push(event);
    }
    let last = events.last().unwrap();
    let seals = vec![Seal::sign(&key, TENANT, NODE, last.seq, last.hash())];
    let data = DataKey::new(1, [7; 32]);
    let batch = Batch::seal(
        &Author { key: &data, signing: &key, roster: RosterMark { len: 1, head: Hash32([salt; 32]) } },
        &events,
        &seals,
        Hash32::ZERO,
        [salt; 24],
    )
    .unwrap();
    (batch.encode(), data, key)
}

fn valid_entries() -> Vec<Entry> {
    let device = SigningKey::from_bytes(&[4; 32]);
    let recovery = RecoverySecret::from_bytes([5; 32]);
    let keys = |key: &SigningKey, wrap: u8| DeviceKeys {
        sign: key.verifying_key().to_bytes(),
        wrap: WrapSecret::from_bytes([wrap; 32]).public(),
    };
    let body = Body {
        tenant: TENANT,
        seq: 1,
        prev: Hash32::ZERO,
        at_ms: 1,
        action: Action::Genesis {
            device: NODE,
            keys: keys(&device, 6),
            recovery: DeviceKeys {
                sign: recovery.signing_key().verifying_key().to_bytes(),
                wrap: recovery.wrap_secret().public(),
            },
            key_commitment: DataKey::new(1, [7; 32]).commitment(),
        },
    };
    let genesis = Entry::genesis(&body, NODE, &device, &recovery.signing_key());
    let mut roster = Roster::from_entries(TENANT, &[genesis]).unwrap();
    let laptop = SigningKey::from_bytes(&[8; 32]);
    let add =
        Action::Add { device: NodeId::from_bytes([9; 16]), keys: keys(&laptop, 10), role: rempart_sync::Role::Member };
    let entry = Entry::sign(&roster.next_body(2, add), Signer::Device(NODE), &device).proven_by_device(&laptop);
    roster.append(entry).unwrap();
    roster.entries().to_vec()
}

static BATCH_HEADERS_READ: AtomicU64 = AtomicU64::new(0);
static BATCHES_OPENED: AtomicU64 = AtomicU64::new(0);
static ENTRIES_READ: AtomicU64 = AtomicU64::new(0);
static WRAPS_READ: AtomicU64 = AtomicU64::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary bytes, and a valid batch with bytes flipped, cut or appended: decoding and
    /// opening never panic, and only the unaltered batch opens; the valid batch decodes,
    /// re-encodes to its bytes and opens.
    #[test]
    fn a_batch_decoder_takes_any_bytes(
        noise in proptest::collection::vec(any::<u8>(), 0..600),
        len in 1u64..6,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        cut in any::<usize>(),
    ) {
        let _ = decode_header(&noise);
        let _ = Batch::decode(&noise);
        let (bytes, data, key) = valid_batch(len, flips.len() as u8);
        let batch = Batch::decode(&bytes).unwrap();
        prop_assert_eq!(batch.encode(), bytes.clone());
        prop_assert!(batch.open(&data, &key.verifying_key()).is_ok());
        let mut altered = bytes.clone();
        for (at, value) in &flips {
            let at = at % altered.len();
            altered[at] ^= value | 1;
        }
        if decode_header(&altered).is_ok() {
            BATCH_HEADERS_READ.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(decoded) = Batch::decode(&altered)
            && decoded.open(&data, &key.verifying_key()).is_ok()
        {
            prop_assert_eq!(&altered, &bytes, "an altered batch opened");
            BATCHES_OPENED.fetch_add(1, Ordering::Relaxed);
        }
        let _ = Batch::decode(&bytes[..cut % bytes.len()]);
        let mut longer = bytes.clone();
        longer.extend_from_slice(&noise);
        if !noise.is_empty() {
            prop_assert!(Batch::decode(&longer).map(|b| b.open(&data, &key.verifying_key()).is_err()).unwrap_or(true));
        }
    }

    /// Roster entries as JSON: arbitrary bytes and altered valid entries never panic the decoder
    /// or the roster's checks, and an altered entry never verifies as another roster; valid
    /// entries re-encode to their bytes and verify.
    #[test]
    fn a_roster_entry_decoder_takes_any_bytes(
        noise in proptest::collection::vec(any::<u8>(), 0..400),
        at in any::<usize>(),
        value in any::<u8>(),
    ) {
        if let Ok(entry) = serde_json::from_slice::<Entry>(&noise) {
            let _ = entry.parse_body();
            let _ = Roster::from_entries(TENANT, &[entry]);
        }
        let entries = valid_entries();
        for (index, entry) in entries.iter().enumerate() {
            let bytes = serde_json::to_vec(entry).unwrap();
            let back: Entry = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(serde_json::to_vec(&back).unwrap(), bytes.clone());
            let mut altered = bytes.clone();
            let at = at % altered.len();
            altered[at] ^= value | 1;
            if let Ok(entry) = serde_json::from_slice::<Entry>(&altered) {
                ENTRIES_READ.fetch_add(1, Ordering::Relaxed);
                let mut list = entries.clone();
                list[index] = entry;
                if let Ok(roster) = Roster::from_entries(TENANT, &list) {
                    prop_assert_eq!(roster.entries(), &entries[..]);
                }
            }
        }
        prop_assert!(Roster::from_entries(TENANT, &entries).is_ok());
    }

    /// Key wraps and sealed invitations as JSON, and request headers as text.
    #[test]
    fn wraps_invitations_and_request_headers_take_any_input(
        noise in proptest::collection::vec(any::<u8>(), 0..300),
        text in proptest::collection::vec(".{0,80}", 4),
        secret in any::<[u8; 32]>(),
        at in any::<usize>(),
    ) {
        let recipient = WrapSecret::from_bytes(secret);
        if let Ok(wrap) = serde_json::from_slice::<Wrap>(&noise) {
            let _ = wrap.open(&recipient);
        }
        let entropy = WrapEntropy { ephemeral: [secret[0] | 1; 32], nonce: [2; 24] };
        let to = Recipient::Device(NODE);
        let wrap = Wrap::seal(TENANT, Wrapped::DataKey(3), to, 1, &recipient.public(), &[4; 32], entropy).unwrap();
        let bytes = serde_json::to_vec(&wrap).unwrap();
        let back: Wrap = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(serde_json::to_vec(&back).unwrap(), bytes.clone());
        prop_assert_eq!(*back.open(&recipient).unwrap(), [4; 32]);
        let mut altered = bytes.clone();
        let at = at % altered.len();
        altered[at] ^= 1;
        if let Ok(wrap) = serde_json::from_slice::<Wrap>(&altered) {
            WRAPS_READ.fetch_add(1, Ordering::Relaxed);
            if wrap != back {
                prop_assert!(wrap.open(&recipient).is_err(), "an altered wrap opened");
            }
        }

        let code = InviteSecret::from_bytes(secret);
        if let Ok(sealed) = serde_json::from_slice::<SealedInvite>(&noise) {
            let _ = code.open(&sealed);
        }
        let sealed = code.seal(TENANT, b"payload", [5; 24]);
        let bytes = serde_json::to_vec(&sealed).unwrap();
        let back: SealedInvite = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(serde_json::to_vec(&back).unwrap(), bytes);
        prop_assert_eq!(&code.open(&back).unwrap()[..], b"payload");

        let _ = RequestAuth::from_headers(Some(&text[0]), Some(&text[1]), Some(&text[2]), Some(&text[3]));
        let _ = RequestSigner::from_header(&text[0]);
        let key = SigningKey::from_bytes(&secret);
        let call = rempart_sync::Call { hub: &[secret[2]; 16], method: "PUT", target: &text[0], body: &noise };
        let auth = RequestAuth::sign(&key, RequestSigner::Device(NODE), &call, 7, [secret[1]; 16]);
        let [s, t, n, g] = auth.headers().map(|(_, value)| value);
        prop_assert_eq!(RequestAuth::from_headers(Some(&s), Some(&t), Some(&n), Some(&g)).unwrap(), auth);
    }
}

/// The properties above reached past the decoders' first checks: altered batches with a readable
/// header, unaltered ones that opened, altered entries and wraps that were still JSON.
#[test]
fn the_decoder_properties_reached_past_the_first_check() {
    a_batch_decoder_takes_any_bytes();
    a_roster_entry_decoder_takes_any_bytes();
    wraps_invitations_and_request_headers_take_any_input();
    for (what, count) in [
        ("altered batches with a readable header", &BATCH_HEADERS_READ),
        ("batches opened", &BATCHES_OPENED),
        ("altered roster entries read as JSON", &ENTRIES_READ),
        ("altered wraps read as JSON", &WRAPS_READ),
    ] {
        assert!(count.load(Ordering::Relaxed) > 0, "no {what}");
    }
}

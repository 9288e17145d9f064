//! The event log format, defined here and nowhere else.
//!
//! An event is one immutable fact appended to its node's chain. Its canonical bytes (below) are
//! what is hashed, and are also its wire encoding, so there is exactly one byte layout to keep
//! stable. Each event carries the BLAKE3 hash of the previous event of the same node; after each
//! commit the node signs a seal over (tenant, node, last sequence, head hash) with its Ed25519 key.
//! Altering, removing, reordering or appending an event without the key therefore breaks either a
//! link or a seal, which `ChainVerifier` finds and locates.
//!
//! Canonical bytes of format version 1, all integers big-endian:
//!
//! ```text
//! "RMPE" | version u16 | tenant [16] | node [16] | seq u64 | hlc_wall_ms u64 | hlc_logical u32
//!        | prev_hash [32] | kind_len u16 | kind (ASCII) | payload_len u32 | payload
//! ```
//!
//! This crate does no I/O and reads no clock; time comes in as milliseconds.

mod chain;
mod ids;

use serde::{Deserialize, Serialize};

pub use chain::{ChainFault, ChainVerifier};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use ids::{EventSeq, Hash32, IdError, IdKind, NodeId, TenantId};

/// The only format version this build writes, and the newest it reads.
pub const FORMAT_VERSION: u16 = 1;
const EVENT_MAGIC: &[u8; 4] = b"RMPE";
const EVENT_HASH_CONTEXT: &str = "rempart 2026-11 event hash v1";
const SEAL_CONTEXT: &[u8] = b"rempart seal v1\0";
/// Largest payload of one event, in bytes.
pub const PAYLOAD_BYTES_MAX: usize = 1 << 20;
/// Longest event kind, in bytes.
pub const KIND_BYTES_MAX: usize = 64;
const HEADER_BYTES: usize = 4 + 2 + 16 + 16 + 8 + 8 + 4 + 32;

/// The kind of the first event of every node: it publishes the node's public key.
pub const NODE_CREATED: &str = "node.created";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCreated {
    /// Hex of the node's Ed25519 public key.
    pub public_key: String,
}

/// Hybrid logical clock timestamp: wall-clock milliseconds, and a counter that orders events
/// created within the same millisecond or while the wall clock stands behind the last timestamp.
/// Assigned once, when the event is created; the merge order of all nodes is (hlc, node).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Hlc {
    pub wall_ms: u64,
    pub logical: u32,
}

impl Hlc {
    /// The timestamp for a new local event, given the last one this node issued or saw.
    pub fn tick(self, now_ms: u64) -> Hlc {
        if now_ms > self.wall_ms {
            Hlc { wall_ms: now_ms, logical: 0 }
        } else {
            // Always later than `self`: a counter at its end moves the wall time on instead (a
            // peer's event may carry any counter).
            match self.logical.checked_add(1) {
                Some(logical) => Hlc { wall_ms: self.wall_ms, logical },
                None => Hlc { wall_ms: self.wall_ms.saturating_add(1), logical: 0 },
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub version: u16,
    pub tenant: TenantId,
    pub node: NodeId,
    pub seq: EventSeq,
    pub hlc: Hlc,
    pub prev: Hash32,
    pub kind: String,
    pub payload: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the event is truncated")]
    Truncated,
    #[error("the bytes are not a Rempart event")]
    BadMagic,
    #[error("the event is of format version {found}, newer than this Rempart reads ({FORMAT_VERSION}): update Rempart")]
    NewerVersion { found: u16 },
    #[error("the event kind is not valid ASCII of at most {KIND_BYTES_MAX} bytes")]
    BadKind,
    #[error("the payload is larger than {PAYLOAD_BYTES_MAX} bytes")]
    PayloadTooLarge,
    #[error("{count} unexpected bytes follow the event")]
    TrailingBytes { count: usize },
}

impl Event {
    /// The canonical bytes: both the hash input and the wire encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_BYTES + 2 + self.kind.len() + 4 + self.payload.len());
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        self.as_ref().write_canonical(&mut |bytes| out.extend_from_slice(bytes));
    }

    pub fn decode(bytes: &[u8]) -> Result<Event, DecodeError> {
        let mut reader = Reader { bytes };
        if reader.take(4)? != EVENT_MAGIC {
            return Err(DecodeError::BadMagic);
        }
        let version = u16::from_be_bytes(reader.array()?);
        if version > FORMAT_VERSION || version == 0 {
            return Err(DecodeError::NewerVersion { found: version });
        }
        let tenant = TenantId::from_bytes(reader.array()?);
        let node = NodeId::from_bytes(reader.array()?);
        let seq = EventSeq(u64::from_be_bytes(reader.array()?));
        let wall_ms = u64::from_be_bytes(reader.array()?);
        let logical = u32::from_be_bytes(reader.array()?);
        let prev = Hash32(reader.array()?);
        let kind_len = usize::from(u16::from_be_bytes(reader.array()?));
        if kind_len > KIND_BYTES_MAX {
            return Err(DecodeError::BadKind);
        }
        let kind = reader.take(kind_len)?;
        if !kind.iter().all(|b| b.is_ascii_graphic()) {
            return Err(DecodeError::BadKind);
        }
        let kind = String::from_utf8(kind.to_vec()).map_err(|_| DecodeError::BadKind)?;
        let payload_len = u32::from_be_bytes(reader.array()?) as usize;
        if payload_len > PAYLOAD_BYTES_MAX {
            return Err(DecodeError::PayloadTooLarge);
        }
        let payload = reader.take(payload_len)?.to_vec();
        if !reader.bytes.is_empty() {
            return Err(DecodeError::TrailingBytes { count: reader.bytes.len() });
        }
        Ok(Event { version, tenant, node, seq, hlc: Hlc { wall_ms, logical }, prev, kind, payload })
    }

    /// BLAKE3 of the canonical bytes, in a key derivation context of its own so that no other
    /// Rempart hash can collide with an event hash.
    pub fn hash(&self) -> Hash32 {
        self.as_ref().hash()
    }

    pub fn as_ref(&self) -> EventRef<'_> {
        EventRef {
            version: self.version,
            tenant: self.tenant,
            node: self.node,
            seq: self.seq,
            hlc: self.hlc,
            prev: self.prev,
            kind: &self.kind,
            payload: &self.payload,
        }
    }
}

/// An event whose kind and payload are borrowed, for example from a database row, so that a
/// verifier can hash millions of events without copying them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    pub version: u16,
    pub tenant: TenantId,
    pub node: NodeId,
    pub seq: EventSeq,
    pub hlc: Hlc,
    pub prev: Hash32,
    pub kind: &'a str,
    pub payload: &'a [u8],
}

impl EventRef<'_> {
    /// An owned copy, to hand the event to another thread.
    pub fn to_event(&self) -> Event {
        Event {
            version: self.version,
            tenant: self.tenant,
            node: self.node,
            seq: self.seq,
            hlc: self.hlc,
            prev: self.prev,
            kind: self.kind.to_owned(),
            payload: self.payload.to_vec(),
        }
    }

    /// Whether the kind and payload fit the format's limits (and so their length prefixes).
    pub fn within_limits(&self) -> bool {
        self.kind.len() <= KIND_BYTES_MAX && self.payload.len() <= PAYLOAD_BYTES_MAX
    }

    /// The canonical bytes, field by field, in the one order that defines format version 1.
    fn write_canonical(&self, sink: &mut dyn FnMut(&[u8])) {
        // Enforced by `Event::new`, `Event::decode` and whoever builds an `EventRef` from stored
        // bytes (`EventRef::within_limits`): longer fields would not fit their length prefixes.
        debug_assert!(self.within_limits());
        sink(EVENT_MAGIC);
        sink(&self.version.to_be_bytes());
        sink(self.tenant.as_bytes());
        sink(self.node.as_bytes());
        sink(&self.seq.0.to_be_bytes());
        sink(&self.hlc.wall_ms.to_be_bytes());
        sink(&self.hlc.logical.to_be_bytes());
        sink(self.prev.as_bytes());
        sink(&(self.kind.len() as u16).to_be_bytes());
        sink(self.kind.as_bytes());
        sink(&(self.payload.len() as u32).to_be_bytes());
        sink(self.payload);
    }

    /// The same digest as `Event::hash`, without copying the event: the canonical bytes are fed
    /// to the hasher as they are written.
    pub fn hash(&self) -> Hash32 {
        let mut hasher = blake3::Hasher::new_derive_key(EVENT_HASH_CONTEXT);
        self.write_canonical(&mut |bytes| {
            hasher.update(bytes);
        });
        Hash32(*hasher.finalize().as_bytes())
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], DecodeError> {
        if self.bytes.len() < count {
            return Err(DecodeError::Truncated);
        }
        let (head, tail) = self.bytes.split_at(count);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

/// A node's signature over the head of its chain after a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    pub tenant: TenantId,
    pub node: NodeId,
    pub seq: EventSeq,
    pub head: Hash32,
    pub signature: [u8; 64],
}

/// Encoded length of a seal: tenant, node, seq, head, signature.
pub const SEAL_BYTES: usize = 16 + 16 + 8 + 32 + 64;

impl Seal {
    fn message(tenant: TenantId, node: NodeId, seq: EventSeq, head: Hash32) -> Vec<u8> {
        let mut message = Vec::with_capacity(SEAL_CONTEXT.len() + 72);
        message.extend_from_slice(SEAL_CONTEXT);
        message.extend_from_slice(tenant.as_bytes());
        message.extend_from_slice(node.as_bytes());
        message.extend_from_slice(&seq.0.to_be_bytes());
        message.extend_from_slice(head.as_bytes());
        message
    }

    pub fn sign(key: &SigningKey, tenant: TenantId, node: NodeId, seq: EventSeq, head: Hash32) -> Seal {
        use ed25519_dalek::Signer;
        let signature = key.sign(&Self::message(tenant, node, seq, head)).to_bytes();
        Seal { tenant, node, seq, head, signature }
    }

    pub fn is_valid(&self, key: &VerifyingKey) -> bool {
        let signature = ed25519_dalek::Signature::from_bytes(&self.signature);
        key.verify_strict(&Self::message(self.tenant, self.node, self.seq, self.head), &signature).is_ok()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SEAL_BYTES);
        out.extend_from_slice(self.tenant.as_bytes());
        out.extend_from_slice(self.node.as_bytes());
        out.extend_from_slice(&self.seq.0.to_be_bytes());
        out.extend_from_slice(self.head.as_bytes());
        out.extend_from_slice(&self.signature);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Seal, DecodeError> {
        if bytes.len() != SEAL_BYTES {
            return Err(if bytes.len() < SEAL_BYTES {
                DecodeError::Truncated
            } else {
                DecodeError::TrailingBytes { count: bytes.len() - SEAL_BYTES }
            });
        }
        let mut reader = Reader { bytes };
        Ok(Seal {
            tenant: TenantId::from_bytes(reader.array()?),
            node: NodeId::from_bytes(reader.array()?),
            seq: EventSeq(u64::from_be_bytes(reader.array()?)),
            head: Hash32(reader.array()?),
            signature: reader.array()?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("event kind \"{kind}\" is not ASCII of at most {KIND_BYTES_MAX} bytes")]
    BadKind { kind: String },
    #[error("an event payload of {bytes} bytes exceeds the limit of {PAYLOAD_BYTES_MAX}")]
    PayloadTooLarge { bytes: usize },
}

impl Event {
    /// Builds an event of the current format version, checking the limits.
    pub fn new(
        tenant: TenantId,
        node: NodeId,
        seq: EventSeq,
        hlc: Hlc,
        prev: Hash32,
        kind: &str,
        payload: Vec<u8>,
    ) -> Result<Event, EventError> {
        if kind.is_empty() || kind.len() > KIND_BYTES_MAX || !kind.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(EventError::BadKind { kind: kind.to_owned() });
        }
        if payload.len() > PAYLOAD_BYTES_MAX {
            return Err(EventError::PayloadTooLarge { bytes: payload.len() });
        }
        Ok(Event { version: FORMAT_VERSION, tenant, node, seq, hlc, prev, kind: kind.to_owned(), payload })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn arb_event() -> impl Strategy<Value = Event> {
        (
            any::<[u8; 16]>(),
            any::<[u8; 16]>(),
            any::<u64>(),
            any::<u64>(),
            any::<u32>(),
            any::<[u8; 32]>(),
            "[a-z]{1,10}\\.[a-z]{1,10}",
            proptest::collection::vec(any::<u8>(), 0..300),
        )
            .prop_map(|(tenant, node, seq, wall_ms, logical, prev, kind, payload)| Event {
                version: FORMAT_VERSION,
                tenant: TenantId::from_bytes(tenant),
                node: NodeId::from_bytes(node),
                seq: EventSeq(seq),
                hlc: Hlc { wall_ms, logical },
                prev: Hash32(prev),
                kind,
                payload,
            })
    }

    proptest! {
        #[test]
        fn envelope_round_trips(event in arb_event()) {
            let bytes = event.encode();
            prop_assert_eq!(Event::decode(&bytes), Ok(event.clone()));
            // Any strict prefix is refused, never misread.
            let cut = bytes.len() / 2;
            prop_assert!(Event::decode(&bytes[..cut]).is_err());
        }

        #[test]
        fn streamed_hash_equals_hash_of_the_encoding(event in arb_event()) {
            let mut hasher = blake3::Hasher::new_derive_key(EVENT_HASH_CONTEXT);
            hasher.update(&event.encode());
            prop_assert_eq!(event.hash(), Hash32(*hasher.finalize().as_bytes()));
        }

        #[test]
        fn any_changed_byte_changes_the_hash(event in arb_event(), index in any::<prop::sample::Index>(), flip in 1u8..=255) {
            let mut bytes = event.encode();
            let at = index.index(bytes.len());
            bytes[at] ^= flip;
            if let Ok(altered) = Event::decode(&bytes) {
                prop_assert_ne!(altered.hash(), event.hash());
            }
        }

        #[test]
        fn decoding_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Event::decode(&bytes);
            let _ = Seal::decode(&bytes);
        }
    }

    #[test]
    fn newer_versions_are_refused_with_a_clear_error() {
        let mut event = Event::new(
            TenantId::from_bytes([1; 16]),
            NodeId::from_bytes([2; 16]),
            EventSeq(1),
            Hlc::default(),
            Hash32::ZERO,
            "x.y",
            vec![],
        )
        .unwrap();
        event.version = FORMAT_VERSION + 1;
        assert_eq!(Event::decode(&event.encode()), Err(DecodeError::NewerVersion { found: FORMAT_VERSION + 1 }));
    }

    #[test]
    fn seals_verify_only_with_their_key() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]);
        let seal =
            Seal::sign(&key, TenantId::from_bytes([1; 16]), NodeId::from_bytes([2; 16]), EventSeq(5), Hash32([3; 32]));
        assert!(seal.is_valid(&key.verifying_key()));
        assert!(!seal.is_valid(&other.verifying_key()));
        let moved = Seal { seq: EventSeq(6), ..seal.clone() };
        assert!(!moved.is_valid(&key.verifying_key()));
        assert_eq!(Seal::decode(&seal.encode()), Ok(seal));
    }

    /// A tick is later than what it ticks from, whatever the clock reads: a counter at its end
    /// moves the wall time on (a peer's event may carry any counter).
    #[test]
    fn a_tick_is_always_later() {
        let at_end = Hlc { wall_ms: 5_000, logical: u32::MAX };
        assert!(at_end.tick(1_000) > at_end);
        assert!(at_end.tick(5_000) > at_end);
        assert_eq!(at_end.tick(1_000), Hlc { wall_ms: 5_001, logical: 0 });
        proptest::proptest!(|(wall_ms in 0u64..u64::MAX, logical: u32, now_ms: u64)| {
            let last = Hlc { wall_ms, logical };
            proptest::prop_assert!(last.tick(now_ms) > last);
        });
    }

    #[test]
    fn hlc_is_monotonic_even_when_the_wall_clock_goes_back() {
        let first = Hlc::default().tick(1_000);
        let second = first.tick(900);
        let third = second.tick(1_000);
        let fourth = third.tick(1_001);
        assert!(first < second && second < third && third < fourth);
        assert_eq!(fourth, Hlc { wall_ms: 1_001, logical: 0 });
    }
}

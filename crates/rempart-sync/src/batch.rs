//! Batches: how a node's events leave it.
//!
//! A batch carries a contiguous run of one node's events, with the seals that fall in that run,
//! encrypted under the tenant's data key, behind a clear header the hub can check without the key.
//! All integers big-endian:
//!
//! ```text
//! "RMPB" | version u16 | tenant [16] | node [16] | first_seq u64 | last_seq u64
//!        | prev_hash [32] | head_hash [32] | hlc_min (wall u64, logical u32) | hlc_max (same)
//!        | key_epoch u32 | roster_len u64 | roster_head [32] | nonce [24] | ciphertext_len u32
//!        | ciphertext_hash [32] | signature [64] | ciphertext
//! ```
//!
//! `prev_hash` is the hash of the event before `first_seq` (zero for a chain's first batch),
//! `head_hash` that of `last_seq`. `roster_len` and `roster_head` name the company's roster as
//! the node held it when it sealed the batch (`RosterMark`): a node served less of the roster
//! than another one held, or another roster, can tell (a revocation the hub hides). The node signs everything before the signature (after a context
//! string); the AEAD's associated data is everything before `ciphertext_hash`, so the ciphertext is
//! bound to its header. The plaintext is
//!
//! ```text
//! content_len u32 | event_count u32 | (event_len u32 | event canonical bytes)* | seal_count u32
//!        | seal* | seen_count u32 | (node [16] | seq u64 | hash [32])* | zero padding
//! ```
//!
//! padded to the Padmé length of the content, so a batch's size tells little more than the order
//! of magnitude of what it holds. `seen` is the node's version vector when it sealed the batch:
//! what it held of every chain. Whoever opens the batch learns what exists, and can tell a hub
//! that withholds some of it.
//!
//! A node keeps the batches it made or took in, to refill a hub that lost them. One whose
//! plaintext is exactly what `plaintext` makes of its contents is kept compactly, as
//! `"RMPK" | header | signature | seen_count u32 | (node | seq | hash)*`, and made whole again from
//! the events held (`Batch::from_compact`: same key, nonce and plaintext, so the same ciphertext,
//! checked against the signed hash).

use chacha20poly1305::XNonce;
use chacha20poly1305::aead::{Aead, Payload};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rempart_log::{
    ChainFault, ChainVerifier, DecodeError, Event, EventSeq, Hash32, Hlc, NodeId, SEAL_BYTES, Seal, TenantId,
};

use crate::SyncError;
use crate::keys::DataKey;
use crate::roster::RosterMark;
use crate::vv::{Head, VersionVector};

const MAGIC: &[u8; 4] = b"RMPB";
/// The start of a batch kept without its ciphertext (`Batch::compact`).
const COMPACT_MAGIC: &[u8; 4] = b"RMPK";
/// The batch format this build writes and reads.
pub const BATCH_VERSION: u16 = 2;
const SIGN_CONTEXT: &[u8] = b"rempart batch v2\0";
/// Bytes of the clear header, signature included.
pub const HEADER_BYTES: usize = 4 + 2 + 16 + 16 + 8 + 8 + 32 + 32 + 12 + 12 + 4 + 8 + 32 + 24 + 4 + 32 + 64;
const AAD_BYTES: usize = HEADER_BYTES - 32 - 64;
const SIGNED_BYTES: usize = HEADER_BYTES - 64;
const TAG_BYTES: usize = 16;
/// Largest ciphertext of one batch. Nodes cut their batches well below it.
pub const CIPHERTEXT_BYTES_MAX: usize = 8 << 20;
/// The plaintext size a node aims for when it cuts batches: a half of the largest ciphertext, so
/// that a run cut one event past it (`rempart_log::PAYLOAD_BYTES_MAX`, 1 MiB at most), with its
/// seals and padding, still fits; each batch costs the hub a request, a signature
/// check and two fsyncs, which 4 MiB batches pay for a quarter as often as 1 MiB ones did.
pub const BATCH_TARGET_BYTES: usize = 4 << 20;

/// Why a batch is refused, or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("the batch is truncated: shorter than its header")]
    Truncated,
    #[error("this is not a Rempart batch")]
    NotABatch,
    #[error("the batch is of format version {found}; this build reads version {BATCH_VERSION}")]
    Version { found: u16 },
    #[error("the batch's sequence range is empty or starts at zero")]
    EmptyRange,
    #[error("the batch's sequence range reaches past what a chain can hold")]
    RangeTooFar,
    #[error("the batch names an empty roster: every company's has its genesis")]
    EmptyRoster,
    #[error("the batch's clock range is reversed")]
    ClockReversed,
    #[error("a batch needs at least one event")]
    NoEvents,
    /// A batch whose ciphertext would be `bytes` long.
    #[error("a batch of {bytes} bytes exceeds the limit of {CIPHERTEXT_BYTES_MAX}")]
    TooLarge { bytes: usize },
    #[error("the batch could not be encrypted")]
    NotEncrypted,
    #[error("this is not a batch kept compactly")]
    NotKept,
    #[error("the kept batch is truncated: shorter than its header")]
    KeptTruncated,
    #[error("the kept batch is truncated in its version vector")]
    KeptSeenTruncated,
    #[error("the kept batch has bytes after its version vector")]
    KeptTrailing,
    #[error("the kept batch is encrypted under key epoch {batch}, not {key}")]
    KeptEpoch { batch: u32, key: u32 },
    #[error("the kept batch holds events {first} to {last}, which are not all held")]
    KeptNotHeld { first: EventSeq, last: EventSeq },
    #[error("the kept batch could not be encrypted again")]
    KeptNotEncrypted,
    #[error("events {first} to {last} held here are not those the batch carried: they were altered since")]
    KeptAltered { first: EventSeq, last: EventSeq },
    #[error("the batch is larger than the limit")]
    OverLimit,
    #[error("the batch is truncated or padded: its header announces {announced} bytes of ciphertext, it has {found}")]
    LengthMismatch { announced: u32, found: usize },
    #[error("the batch's ciphertext is not the one its header names")]
    CiphertextMismatch,
    #[error("the batch is encrypted under key epoch {batch}, not {key}")]
    Epoch { batch: u32, key: u32 },
    #[error("the batch is not signed by node {node}")]
    NotSignedBy { node: NodeId },
    #[error("the batch does not decrypt: it was altered or not made with this key")]
    NotDecrypted,
    /// The batch decrypts, but what it holds does not match its header.
    #[error("the batch decrypts but {0}")]
    Inside(Inside),
}

/// What is wrong inside a batch that decrypts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Inside {
    #[error("is empty")]
    Empty,
    #[error("is shorter than it says")]
    ShorterThanSaid,
    #[error("has no event count")]
    NoEventCount,
    #[error("holds {found} events where its header announces {announced}")]
    EventCount { found: u64, announced: u64 },
    #[error("is truncated")]
    Truncated,
    #[error("holds an unreadable event: {source}")]
    UnreadableEvent { source: DecodeError },
    #[error("event {seq} is outside the batch's clock range")]
    OutsideClock { seq: EventSeq },
    #[error("has no seal count")]
    NoSealCount,
    #[error("is truncated in its seals")]
    SealsTruncated,
    #[error("holds an unreadable seal: {source}")]
    UnreadableSeal { source: DecodeError },
    #[error("holds a seal at {seq}, outside its events")]
    SealOutside { seq: EventSeq },
    #[error("is truncated in its version vector")]
    SeenTruncated,
    #[error("has bytes after its version vector")]
    Trailing,
    #[error("cannot be checked: {source}")]
    Unchecked { source: ChainFault },
    #[error("breaks the chain: {source}")]
    BrokenChain { source: ChainFault },
    #[error("does not end at the head its header names")]
    OtherHead,
    #[error("holds a seal at {seq} that does not name that event of the node")]
    SealNamesOther { seq: EventSeq },
}

/// The clear part of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub version: u16,
    pub tenant: TenantId,
    pub node: NodeId,
    pub first: EventSeq,
    pub last: EventSeq,
    pub prev: Hash32,
    pub head: Hash32,
    pub hlc_min: Hlc,
    pub hlc_max: Hlc,
    pub epoch: u32,
    /// The roster as the node held it when it sealed the batch.
    pub roster: RosterMark,
    pub nonce: [u8; 24],
    pub ciphertext_len: u32,
    pub ciphertext_hash: Hash32,
}

impl Header {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(self.tenant.as_bytes());
        out.extend_from_slice(self.node.as_bytes());
        out.extend_from_slice(&self.first.0.to_be_bytes());
        out.extend_from_slice(&self.last.0.to_be_bytes());
        out.extend_from_slice(self.prev.as_bytes());
        out.extend_from_slice(self.head.as_bytes());
        for hlc in [self.hlc_min, self.hlc_max] {
            out.extend_from_slice(&hlc.wall_ms.to_be_bytes());
            out.extend_from_slice(&hlc.logical.to_be_bytes());
        }
        out.extend_from_slice(&self.epoch.to_be_bytes());
        out.extend_from_slice(&self.roster.len.to_be_bytes());
        out.extend_from_slice(self.roster.head.as_bytes());
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ciphertext_len.to_be_bytes());
        out.extend_from_slice(self.ciphertext_hash.as_bytes());
    }

    /// Number of events the header claims.
    pub fn count(&self) -> u64 {
        self.last.0.saturating_sub(self.first.0) + 1
    }
}

/// A batch as stored and shipped: header, signature, ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub header: Header,
    pub signature: [u8; 64],
    pub ciphertext: Vec<u8>,
}

/// What a batch holds once opened and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    pub events: Vec<Event>,
    pub seals: Vec<Seal>,
    /// What the node held of every chain when it sealed the batch.
    pub seen: VersionVector,
    /// The plaintext is exactly the one this build makes of these contents (canonical events,
    /// seals and version vector, zero padding): the batch can be kept compactly.
    pub reproducible: bool,
}

fn ciphertext_hash(ciphertext: &[u8]) -> Hash32 {
    Hash32(*blake3::hash(ciphertext).as_bytes())
}

/// The nonce of the batch whose first event is `first`, drawn from `seed` (random, drawn once for
/// all the batches a push makes): a keyed hash, so batches made on a thread of their own need no
/// random draw each, and two batches of one seed never share a nonce (they start at different
/// events). For the key, such nonces are as good as random ones.
pub fn batch_nonce(seed: &[u8; 32], first: EventSeq) -> [u8; 24] {
    let hash = blake3::keyed_hash(seed, &first.0.to_le_bytes());
    let mut nonce = [0u8; 24];
    nonce.copy_from_slice(&hash.as_bytes()[..24]);
    nonce
}

/// The Padmé length for `len` bytes: at most 12 % larger, and leaking O(log log len) bits.
pub fn padme(len: usize) -> usize {
    if len < 2 {
        return len;
    }
    let e = usize::BITS - 1 - len.leading_zeros();
    let s = u32::BITS - e.leading_zeros();
    let mask = (1usize << (e - s)) - 1;
    (len + mask) & !mask
}

/// Reads the clear header at the start of a batch (the signature and ciphertext that follow are
/// not read), checking its magic, version and ranges.
pub fn decode_header(bytes: &[u8]) -> Result<Header, SyncError> {
    if bytes.len() < SIGNED_BYTES {
        return Err(BatchError::Truncated.into());
    }
    let mut reader = Reader { bytes };
    if reader.array::<4>() != *MAGIC {
        return Err(BatchError::NotABatch.into());
    }
    let version = u16::from_be_bytes(reader.array());
    if version != BATCH_VERSION {
        return Err(BatchError::Version { found: version }.into());
    }
    let hlc = |reader: &mut Reader| Hlc {
        wall_ms: u64::from_be_bytes(reader.array()),
        logical: u32::from_be_bytes(reader.array()),
    };
    let tenant = TenantId::from_bytes(reader.array());
    let node = NodeId::from_bytes(reader.array());
    let first = EventSeq(u64::from_be_bytes(reader.array()));
    let last = EventSeq(u64::from_be_bytes(reader.array()));
    let prev = Hash32(reader.array());
    let head = Hash32(reader.array());
    let hlc_min = hlc(&mut reader);
    let hlc_max = hlc(&mut reader);
    let header = Header {
        version,
        tenant,
        node,
        first,
        last,
        prev,
        head,
        hlc_min,
        hlc_max,
        epoch: u32::from_be_bytes(reader.array()),
        roster: RosterMark { len: u64::from_be_bytes(reader.array()), head: Hash32(reader.array()) },
        nonce: reader.array(),
        ciphertext_len: u32::from_be_bytes(reader.array()),
        ciphertext_hash: Hash32(reader.array()),
    };
    if header.first.0 == 0 || header.last < header.first {
        return Err(BatchError::EmptyRange.into());
    }
    // The sequence after a batch is computed from its last one: it must exist.
    if header.last.0 == u64::MAX {
        return Err(BatchError::RangeTooFar.into());
    }
    if header.roster.len == 0 {
        return Err(BatchError::EmptyRoster.into());
    }
    if header.hlc_max < header.hlc_min {
        return Err(BatchError::ClockReversed.into());
    }
    Ok(header)
}

/// The plaintext of a batch: its content, then zeros up to the Padmé length. The same events,
/// seals and `seen` always give the same bytes, so that a batch kept without its ciphertext can be
/// encrypted again into the very same one.
fn plaintext(events: &[Event], seals: &[Seal], seen: &VersionVector) -> Vec<u8> {
    let mut content = Vec::with_capacity(events.iter().map(|e| e.payload.len() + 128).sum::<usize>() + 64);
    content.extend_from_slice(&[0; 4]);
    content.extend_from_slice(&(events.len() as u32).to_be_bytes());
    for event in events {
        let bytes = event.encode();
        content.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        content.extend_from_slice(&bytes);
    }
    content.extend_from_slice(&(seals.len() as u32).to_be_bytes());
    for seal in seals {
        content.extend_from_slice(&seal.encode());
    }
    encode_seen(seen, &mut content);
    let content_len = content.len() - 4;
    content[..4].copy_from_slice(&(content_len as u32).to_be_bytes());
    content.resize(padme(content.len()), 0);
    content
}

fn encode_seen(seen: &VersionVector, out: &mut Vec<u8>) {
    out.extend_from_slice(&(seen.0.len() as u32).to_be_bytes());
    for (node, head) in &seen.0 {
        out.extend_from_slice(node.as_bytes());
        out.extend_from_slice(&head.seq.0.to_be_bytes());
        out.extend_from_slice(head.hash.as_bytes());
    }
}

/// Reads a version vector as `encode_seen` writes it; `None` if it is truncated.
fn read_seen(reader: &mut Reader<'_>) -> Option<VersionVector> {
    let count = reader.u32_checked()? as usize;
    let mut seen = VersionVector::default();
    for _ in 0..count {
        let node = NodeId::from_bytes(reader.take(16)?.try_into().ok()?);
        let seq = EventSeq(u64::from_be_bytes(reader.take(8)?.try_into().ok()?));
        let hash = Hash32(reader.take(32)?.try_into().ok()?);
        seen.set(node, Head { seq, hash });
    }
    Some(seen)
}

/// Whether `bytes` are a batch kept compactly (`Batch::compact`) rather than a whole batch.
pub fn is_compact(bytes: &[u8]) -> bool {
    bytes.starts_with(COMPACT_MAGIC)
}

/// The clear header of a kept batch, whole or compact.
pub fn kept_header(bytes: &[u8]) -> Result<Header, SyncError> {
    decode_header(bytes.strip_prefix(COMPACT_MAGIC).unwrap_or(bytes))
}

/// Who seals a batch, and under what: the tenant's data key of the current epoch, the node's
/// signing key, and the roster as the node holds it.
#[derive(Clone, Copy)]
pub struct Author<'a> {
    pub key: &'a DataKey,
    pub signing: &'a SigningKey,
    pub roster: RosterMark,
}

impl Batch {
    /// Encrypts and signs a run of `node`'s events. `seals` are the node's seals whose sequence
    /// falls in the run; `prev` is the hash of the event before the first.
    pub fn seal(
        author: &Author<'_>,
        events: &[Event],
        seals: &[Seal],
        prev: Hash32,
        nonce: [u8; 24],
    ) -> Result<Batch, SyncError> {
        Batch::seal_with_seen(author, events, seals, prev, nonce, &VersionVector::default())
    }

    /// As `seal`, carrying what the node held of every chain (`seen`).
    pub fn seal_with_seen(
        author: &Author<'_>,
        events: &[Event],
        seals: &[Seal],
        prev: Hash32,
        nonce: [u8; 24],
        seen: &VersionVector,
    ) -> Result<Batch, SyncError> {
        Batch::seal_plaintext(author, events, prev, nonce, plaintext(events, seals, seen))
    }

    /// Encrypts and signs `content`, the plaintext of a batch of `events`.
    fn seal_plaintext(
        author: &Author<'_>,
        events: &[Event],
        prev: Hash32,
        nonce: [u8; 24],
        content: Vec<u8>,
    ) -> Result<Batch, SyncError> {
        let Author { key, signing, roster } = *author;
        let (first, last) = match (events.first(), events.last()) {
            (Some(first), Some(last)) => (first, last),
            _ => return Err(BatchError::NoEvents.into()),
        };
        let ciphertext_len = content.len() + TAG_BYTES;
        if ciphertext_len > CIPHERTEXT_BYTES_MAX {
            return Err(BatchError::TooLarge { bytes: ciphertext_len }.into());
        }
        let mut header = Header {
            version: BATCH_VERSION,
            tenant: first.tenant,
            node: first.node,
            first: first.seq,
            last: last.seq,
            prev,
            head: last.hash(),
            hlc_min: first.hlc,
            hlc_max: last.hlc,
            epoch: key.epoch(),
            roster,
            nonce,
            ciphertext_len: ciphertext_len as u32,
            ciphertext_hash: Hash32::ZERO,
        };
        let mut aad = Vec::with_capacity(HEADER_BYTES);
        header.encode_into(&mut aad);
        aad.truncate(AAD_BYTES);
        let ciphertext = key
            .cipher()
            .encrypt(&XNonce::from(nonce), Payload { msg: &content, aad: &aad })
            .map_err(|_| BatchError::NotEncrypted)?;
        header.ciphertext_hash = ciphertext_hash(&ciphertext);
        let mut signed = SIGN_CONTEXT.to_vec();
        header.encode_into(&mut signed);
        let signature = signing.sign(&signed).to_bytes();
        Ok(Batch { header, signature, ciphertext })
    }

    /// The batch without its ciphertext: `"RMPK" | header | signature | seen`, about 300 bytes
    /// whatever the batch's size. Only for a batch whose contents are `reproducible` and whose
    /// events are kept: `from_compact` gives the very same batch back from them.
    pub fn compact(&self, seen: &VersionVector) -> Vec<u8> {
        let mut out = COMPACT_MAGIC.to_vec();
        self.header.encode_into(&mut out);
        out.extend_from_slice(&self.signature);
        encode_seen(seen, &mut out);
        out
    }

    /// Makes a batch kept compactly again from the events and seals it carried: the same plaintext
    /// encrypted under the same key and nonce is the same ciphertext, and it must be the one the
    /// signed header names, or the events held are not those that were sent.
    pub fn from_compact(bytes: &[u8], key: &DataKey, events: &[Event], seals: &[Seal]) -> Result<Batch, SyncError> {
        let body = bytes.strip_prefix(COMPACT_MAGIC).ok_or(BatchError::NotKept)?;
        if body.len() < HEADER_BYTES {
            return Err(BatchError::KeptTruncated.into());
        }
        let header = decode_header(body)?;
        let mut reader = Reader { bytes: &body[SIGNED_BYTES..] };
        let signature = reader.array();
        let seen = read_seen(&mut reader).ok_or(BatchError::KeptSeenTruncated)?;
        if !reader.bytes.is_empty() {
            return Err(BatchError::KeptTrailing.into());
        }
        if key.epoch() != header.epoch {
            return Err(BatchError::KeptEpoch { batch: header.epoch, key: key.epoch() }.into());
        }
        let held = (events.first().map(|e| e.seq), events.last().map(|e| e.seq));
        if held != (Some(header.first), Some(header.last)) || events.len() as u64 != header.count() {
            return Err(BatchError::KeptNotHeld { first: header.first, last: header.last }.into());
        }
        let mut aad = Vec::with_capacity(HEADER_BYTES);
        header.encode_into(&mut aad);
        aad.truncate(AAD_BYTES);
        let content = plaintext(events, seals, &seen);
        let ciphertext = key
            .cipher()
            .encrypt(&XNonce::from(header.nonce), Payload { msg: &content, aad: &aad })
            .map_err(|_| BatchError::KeptNotEncrypted)?;
        if ciphertext.len() != header.ciphertext_len as usize || ciphertext_hash(&ciphertext) != header.ciphertext_hash
        {
            return Err(BatchError::KeptAltered { first: header.first, last: header.last }.into());
        }
        Ok(Batch { header, signature, ciphertext })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_BYTES + self.ciphertext.len());
        self.header.encode_into(&mut out);
        out.extend_from_slice(&self.signature);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Reads a batch's structure: magic, version, lengths, and that the ciphertext is the one the
    /// header names. Does not check the signature (that needs the roster).
    pub fn decode(bytes: &[u8]) -> Result<Batch, SyncError> {
        if bytes.len() < HEADER_BYTES {
            return Err(BatchError::Truncated.into());
        }
        let header = decode_header(bytes)?;
        let mut reader = Reader { bytes: &bytes[SIGNED_BYTES..] };
        let signature = reader.array();
        let ciphertext = reader.bytes.to_vec();
        if ciphertext.len() > CIPHERTEXT_BYTES_MAX {
            return Err(BatchError::OverLimit.into());
        }
        if ciphertext.len() != header.ciphertext_len as usize {
            return Err(BatchError::LengthMismatch { announced: header.ciphertext_len, found: ciphertext.len() }.into());
        }
        if ciphertext_hash(&ciphertext) != header.ciphertext_hash {
            return Err(BatchError::CiphertextMismatch.into());
        }
        Ok(Batch { header, signature, ciphertext })
    }

    /// Whether the header is signed by `key`.
    pub fn is_signed_by(&self, key: &VerifyingKey) -> bool {
        let mut signed = SIGN_CONTEXT.to_vec();
        self.header.encode_into(&mut signed);
        debug_assert_eq!(signed.len(), SIGN_CONTEXT.len() + SIGNED_BYTES);
        key.verify_strict(&signed, &ed25519_dalek::Signature::from_bytes(&self.signature)).is_ok()
    }

    /// An identifier of this exact batch (two different batches for one range differ here).
    pub fn id(&self) -> Hash32 {
        let mut signed = SIGN_CONTEXT.to_vec();
        self.header.encode_into(&mut signed);
        signed.extend_from_slice(&self.signature);
        Hash32(*blake3::hash(&signed).as_bytes())
    }

    /// Decrypts and checks everything inside against the header: the events are the node's,
    /// contiguous from `first` to `last`, linked from `prev` to `head`, their clocks strictly
    /// increasing within the header's range, and every seal is the node's and names the hash of
    /// the event at its place. `node_key` is the node's Ed25519 key from the roster. The seals'
    /// own signatures are not checked here: the header's signature, over the ciphertext's hash,
    /// already vouches that the node sent them, and whoever keeps the events checks each seal's
    /// signature once (`Store::take_in` does, before anything is applied); checking them twice
    /// was half the cost of taking in books recorded entry by entry.
    pub fn open(&self, key: &DataKey, node_key: &VerifyingKey) -> Result<Contents, SyncError> {
        let header = &self.header;
        if key.epoch() != header.epoch {
            return Err(BatchError::Epoch { batch: header.epoch, key: key.epoch() }.into());
        }
        if !self.is_signed_by(node_key) {
            return Err(BatchError::NotSignedBy { node: header.node }.into());
        }
        let mut aad = Vec::with_capacity(HEADER_BYTES);
        header.encode_into(&mut aad);
        aad.truncate(AAD_BYTES);
        let plain = key
            .cipher()
            .decrypt(&XNonce::from(header.nonce), Payload { msg: &self.ciphertext, aad: &aad })
            .map_err(|_| BatchError::NotDecrypted)?;
        let inner = |why: Inside| SyncError::Batch(BatchError::Inside(why));
        let mut reader = Reader { bytes: &plain };
        let content_len = reader.u32_checked().ok_or_else(|| inner(Inside::Empty))? as usize;
        let content = reader.bytes.get(..content_len).ok_or_else(|| inner(Inside::ShorterThanSaid))?;
        let mut reader = Reader { bytes: content };
        let count = reader.u32_checked().ok_or_else(|| inner(Inside::NoEventCount))? as u64;
        if count != header.count() {
            return Err(inner(Inside::EventCount { found: count, announced: header.count() }));
        }
        // The count comes from the batch: the memory reserved is bounded by what is really there.
        let mut events = Vec::with_capacity((count as usize).min(reader.bytes.len() / 64));
        for _ in 0..count {
            let len = reader.u32_checked().ok_or_else(|| inner(Inside::Truncated))? as usize;
            let bytes = reader.take(len).ok_or_else(|| inner(Inside::Truncated))?;
            let event = Event::decode(bytes).map_err(|source| inner(Inside::UnreadableEvent { source }))?;
            if event.hlc < header.hlc_min || event.hlc > header.hlc_max {
                return Err(inner(Inside::OutsideClock { seq: event.seq }));
            }
            events.push(event);
        }
        let seal_count = reader.u32_checked().ok_or_else(|| inner(Inside::NoSealCount))? as usize;
        let mut seals = Vec::with_capacity(seal_count.min(events.len()));
        for _ in 0..seal_count {
            let bytes = reader.take(SEAL_BYTES).ok_or_else(|| inner(Inside::SealsTruncated))?;
            let seal = Seal::decode(bytes).map_err(|source| inner(Inside::UnreadableSeal { source }))?;
            if !(header.first..=header.last).contains(&seal.seq) {
                return Err(inner(Inside::SealOutside { seq: seal.seq }));
            }
            seals.push(seal);
        }
        let seen = read_seen(&mut reader).ok_or_else(|| inner(Inside::SeenTruncated))?;
        if !reader.bytes.is_empty() {
            return Err(inner(Inside::Trailing));
        }
        let chain = ChainVerifier::new(header.tenant, header.node, *node_key, Vec::new(), None)
            .map_err(|source| inner(Inside::Unchecked { source }))?;
        let mut chain = chain.resume(EventSeq(header.first.0 - 1), header.prev, None);
        let mut hashes = Vec::with_capacity(events.len());
        for event in &events {
            hashes.push(chain.push(event.as_ref()).map_err(|source| inner(Inside::BrokenChain { source }))?);
        }
        if chain.head() != (header.last, header.head) {
            return Err(inner(Inside::OtherHead));
        }
        for seal in &seals {
            let named = seal.seq.0.checked_sub(header.first.0).and_then(|at| hashes.get(usize::try_from(at).ok()?));
            if seal.tenant != header.tenant || seal.node != header.node || named != Some(&seal.head) {
                return Err(inner(Inside::SealNamesOther { seq: seal.seq }));
            }
        }
        // Whether the batch is exactly what this build would make of its contents: then it can be
        // kept without its ciphertext (`compact`) and made again from the events (`from_compact`).
        let reproducible = plaintext(&events, &seals, &seen) == plain;
        Ok(Contents { events, seals, seen, reproducible })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Only called after the total length has been checked.
    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[..N]);
        self.bytes = &self.bytes[N..];
        out
    }

    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let taken = self.bytes.get(..len)?;
        self.bytes = &self.bytes[len..];
        Some(taken)
    }

    fn u32_checked(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The author of the batches of these tests, holding a roster of three entries.
    fn author<'a>(key: &'a DataKey, signing: &'a SigningKey) -> Author<'a> {
        Author { key, signing, roster: RosterMark { len: 3, head: Hash32([6; 32]) } }
    }

    const TENANT: TenantId = TenantId::from_bytes([1; 16]);
    const NODE: NodeId = NodeId::from_bytes([2; 16]);

    #[test]
    fn batch_nonces_differ_by_first_event_and_by_seed_and_are_the_same_drawn_again() {
        let (seed, other) = ([7u8; 32], [8u8; 32]);
        let nonces: std::collections::BTreeSet<[u8; 24]> =
            (1..=1_000).map(|first| batch_nonce(&seed, EventSeq(first))).collect();
        assert_eq!(nonces.len(), 1_000);
        assert_eq!(batch_nonce(&seed, EventSeq(5)), batch_nonce(&seed, EventSeq(5)));
        assert_ne!(batch_nonce(&seed, EventSeq(5)), batch_nonce(&other, EventSeq(5)));
    }

    fn chain(len: u64) -> (SigningKey, Vec<Event>, Vec<Seal>) {
        chain_named(len, "Garage Muller")
    }

    fn chain_named(len: u64, customer: &str) -> (SigningKey, Vec<Event>, Vec<Seal>) {
        let key = SigningKey::from_bytes(&[3; 32]);
        let mut events = Vec::new();
        let mut prev = Hash32::ZERO;
        for seq in 1..=len {
            let payload = format!("{{\"customer\":\"{customer} {seq}\"}}").into_bytes();
            let hlc = Hlc { wall_ms: 1_700_000_000_000 + seq, logical: 0 };
            let event = Event::new(TENANT, NODE, EventSeq(seq), hlc, prev, "test.fact", payload).unwrap();
            prev = event.hash();
            events.push(event);
        }
        let seals = events
            .iter()
            .filter(|e| e.seq.0 % 3 == 0 || e.seq.0 == len)
            .map(|e| Seal::sign(&key, TENANT, NODE, e.seq, e.hash()))
            .collect();
        (key, events, seals)
    }

    #[test]
    fn a_batch_round_trips_and_hides_its_payload() {
        let (signing, events, seals) = chain(10);
        let data = DataKey::new(1, [7; 32]);
        let batch =
            Batch::seal(&author(&data, &signing), &events[3..], &seals[1..], events[2].hash(), [9; 24]).unwrap();
        let bytes = batch.encode();
        assert!(!bytes.windows(12).any(|w| w == b"Garage Mulle"), "no plaintext in the batch");
        let back = Batch::decode(&bytes).unwrap();
        assert_eq!(back, batch);
        assert_eq!((back.header.first, back.header.last, back.header.count()), (EventSeq(4), EventSeq(10), 7));
        assert_eq!(back.header.roster, RosterMark { len: 3, head: Hash32([6; 32]) }, "the author's roster, named");
        let contents = back.open(&data, &signing.verifying_key()).unwrap();
        assert_eq!(contents.events, events[3..]);
        assert_eq!(contents.seals, seals[1..]);
        assert!(contents.seen.0.is_empty());
        let mut seen = VersionVector::default();
        seen.set(NodeId::from_bytes([5; 16]), Head { seq: EventSeq(42), hash: Hash32([6; 32]) });
        let with_seen = Batch::seal_with_seen(
            &author(&data, &signing),
            &events[3..],
            &seals[1..],
            events[2].hash(),
            [9; 24],
            &seen,
        )
        .unwrap();
        assert_eq!(with_seen.open(&data, &signing.verifying_key()).unwrap().seen, seen);
    }

    #[test]
    fn altered_batches_are_refused_with_a_reason() {
        let (signing, events, seals) = chain(6);
        let data = DataKey::new(1, [7; 32]);
        let batch = Batch::seal(&author(&data, &signing), &events, &seals, Hash32::ZERO, [9; 24]).unwrap();
        let bytes = batch.encode();
        let refused = |bytes: &[u8]| Batch::decode(bytes).and_then(|b| b.open(&data, &signing.verifying_key()));

        // Each byte of the header and of the ciphertext matters.
        for at in [0, 5, 20, 40, 60, 100, 150, 160, 180, 200, HEADER_BYTES - 70, HEADER_BYTES - 1, HEADER_BYTES + 3] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x10;
            assert!(refused(&flipped).is_err(), "flip at {at}");
        }
        let error = refused(&bytes[..bytes.len() - 1]).unwrap_err();
        assert!(matches!(error, SyncError::Batch(BatchError::LengthMismatch { .. })), "{error:?}");
        let error = refused(&bytes[..50]).unwrap_err();
        assert!(matches!(error, SyncError::Batch(BatchError::Truncated)), "{error:?}");
        let mut garbage = bytes.clone();
        for byte in &mut garbage[HEADER_BYTES..] {
            *byte = 0x5a;
        }
        let error = refused(&garbage).unwrap_err();
        assert!(matches!(error, SyncError::Batch(BatchError::CiphertextMismatch)), "{error:?}");

        // Wrong key, wrong epoch, wrong signer.
        let other = DataKey::new(1, [8; 32]);
        let error = batch.open(&other, &signing.verifying_key()).unwrap_err();
        assert!(matches!(error, SyncError::Batch(BatchError::NotDecrypted)), "{error:?}");
        assert!(batch.open(&DataKey::new(2, [7; 32]), &signing.verifying_key()).is_err());
        let stranger = SigningKey::from_bytes(&[4; 32]).verifying_key();
        let error = batch.open(&data, &stranger).unwrap_err();
        assert!(matches!(error, SyncError::Batch(BatchError::NotSignedBy { node: NODE })), "{error:?}");

        // A validly signed batch whose inside does not continue from its claimed previous hash.
        let lying = Batch::seal(&author(&data, &signing), &events[1..], &[], Hash32([1; 32]), [9; 24]).unwrap();
        let error = lying.open(&data, &signing.verifying_key()).unwrap_err();
        assert!(matches!(error, SyncError::Batch(BatchError::Inside(Inside::BrokenChain { .. }))), "{error:?}");
        // Events out of order inside one batch.
        let mut shuffled = events.clone();
        shuffled.swap(1, 2);
        let lying = Batch::seal(&author(&data, &signing), &shuffled, &[], Hash32::ZERO, [9; 24]).unwrap();
        assert!(lying.open(&data, &signing.verifying_key()).is_err());
        assert!(Batch::seal(&author(&data, &signing), &[], &[], Hash32::ZERO, [9; 24]).is_err());
        // A seal that names another hash than its event's.
        let mut wrong = seals.clone();
        wrong[0].head = Hash32([3; 32]);
        let lying = Batch::seal(&author(&data, &signing), &events, &wrong, Hash32::ZERO, [9; 24]).unwrap();
        let error = lying.open(&data, &signing.verifying_key()).unwrap_err();
        assert!(matches!(error, SyncError::Batch(BatchError::Inside(Inside::SealNamesOther { .. }))), "{error:?}");
    }

    #[test]
    fn a_batch_kept_compactly_is_made_again_from_its_events() {
        let (signing, events, seals) = chain(10);
        let data = DataKey::new(1, [7; 32]);
        let mut seen = VersionVector::default();
        seen.set(NodeId::from_bytes([5; 16]), Head { seq: EventSeq(42), hash: Hash32([6; 32]) });
        let batch = Batch::seal_with_seen(
            &author(&data, &signing),
            &events[3..],
            &seals[1..],
            events[2].hash(),
            [9; 24],
            &seen,
        )
        .unwrap();
        let contents = batch.open(&data, &signing.verifying_key()).unwrap();
        assert!(contents.reproducible);
        let compact = batch.compact(&contents.seen);
        assert!(is_compact(&compact) && !is_compact(&batch.encode()));
        assert_eq!(compact.len(), 4 + HEADER_BYTES + 4 + 56, "header, signature and one node's head");
        assert_eq!(kept_header(&compact).unwrap(), batch.header);
        assert_eq!(kept_header(&batch.encode()).unwrap(), batch.header);
        let again = Batch::from_compact(&compact, &data, &contents.events, &contents.seals).unwrap();
        assert_eq!(again, batch, "the very same bytes, so the hub takes it as the one it had");

        // Events altered since, or missing, or another key: refused, never a different batch.
        let mut altered = contents.events.clone();
        altered[2] =
            Event::new(TENANT, NODE, altered[2].seq, altered[2].hlc, altered[2].prev, "test.fact", b"{}".to_vec())
                .unwrap();
        let error = Batch::from_compact(&compact, &data, &altered, &contents.seals).unwrap_err();
        assert!(matches!(error, SyncError::Batch(BatchError::KeptAltered { .. })), "{error:?}");
        let error = Batch::from_compact(&compact, &data, &contents.events[1..], &contents.seals).unwrap_err();
        assert!(matches!(error, SyncError::Batch(BatchError::KeptNotHeld { .. })), "{error:?}");
        let error = Batch::from_compact(&compact, &data, &contents.events, &[]).unwrap_err();
        assert!(matches!(error, SyncError::Batch(BatchError::KeptAltered { .. })), "{error:?}");
        assert!(Batch::from_compact(&compact, &DataKey::new(2, [7; 32]), &contents.events, &contents.seals).is_err());
        assert!(Batch::from_compact(&compact[..100], &data, &contents.events, &contents.seals).is_err());
        assert!(Batch::from_compact(&batch.encode(), &data, &contents.events, &contents.seals).is_err());
    }

    #[test]
    fn a_batch_this_build_would_not_make_alike_is_not_reproducible() {
        let (signing, events, seals) = chain(6);
        let data = DataKey::new(1, [7; 32]);
        // The same contents, with padding that is not zeros: it opens, but cannot be made again.
        let mut content = plaintext(&events, &seals, &VersionVector::default());
        let last = content.len() - 1;
        content[last] = 1;
        let odd = Batch::seal_plaintext(&author(&data, &signing), &events, Hash32::ZERO, [9; 24], content).unwrap();
        let contents = odd.open(&data, &signing.verifying_key()).unwrap();
        assert_eq!(contents.events, events);
        assert!(!contents.reproducible);
    }

    #[test]
    fn padding_hides_small_differences_in_size() {
        assert_eq!(padme(0), 0);
        assert_eq!(padme(1000), 1024);
        assert_eq!(padme(9), 10);
        for len in [2usize, 7, 100, 1000, 12_345, 1_000_000, 7_654_321] {
            let padded = padme(len);
            assert!(padded >= len && padded * 100 <= len * 112 + 100, "{len} -> {padded}");
        }
        let data = DataKey::new(1, [7; 32]);
        let sizes = ["Garage Muller", "Garage Mullers"].map(|name| {
            let (signing, events, seals) = chain_named(6, name);
            Batch::seal(&author(&data, &signing), &events, &seals, Hash32::ZERO, [9; 24]).unwrap().ciphertext.len()
        });
        assert_eq!(sizes[0], sizes[1], "six bytes more of customer names, same size class");
    }
}

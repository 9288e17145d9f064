//! A checkpoint: a node's whole database at a cut (every chain's events and seals, the
//! projections they give, the batches it keeps), encrypted with the tenant's data key behind a
//! clear header that the node signs, so that a restore can start from it rather than apply every
//! event again. The header names the cut (each chain's last sequence and head), the state hash of
//! the projections and the layout they follow; the restore checks the signature against the
//! roster, opens the ciphertext, checks every chain event by event and the projections against
//! the state hash, then takes in the events after the cut.
//!
//! Encoding: `RMPC`, the format version (u16), the header's length (u32) and the header (JSON),
//! the Ed25519 signature over the context and the header, then the ciphertext: the database's
//! bytes under XChaCha20-Poly1305 with a key derived from the epoch's data key for checkpoints
//! alone, the header as associated data.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rempart_log::{EventSeq, Hash32, NodeId, TenantId};
use serde::{Deserialize, Serialize};

use crate::DataKey;

const MAGIC: &[u8; 4] = b"RMPC";
/// The version of this encoding.
pub const CHECKPOINT_VERSION: u16 = 1;
const SIGN_CONTEXT: &[u8] = b"rempart checkpoint v1\0";
const KEY_CONTEXT: &str = "rempart checkpoint key v1";

/// What a checkpoint says in clear, signed by its node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointHeader {
    pub tenant: TenantId,
    /// The node that made and signed it.
    pub node: NodeId,
    pub epoch: u32,
    /// Each chain's last sequence and head at the cut.
    pub cut: Vec<(NodeId, EventSeq, Hash32)>,
    /// Events in all chains, and the latest wall time they were stamped with.
    pub events: u64,
    pub last_wall_ms: u64,
    /// The state hash of the projections at the cut, and the database layout they follow.
    pub state_hash: Hash32,
    pub schema_version: u32,
    pub created_ms: u64,
    pub nonce: [u8; 24],
    pub ciphertext_len: u64,
    pub ciphertext_hash: Hash32,
}

/// Why a checkpoint cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("the checkpoint is cut short")]
    Truncated,
    #[error("these bytes are not a checkpoint")]
    NotACheckpoint,
    #[error("the checkpoint is of format {found}, which this version does not read")]
    Version { found: u16 },
    #[error("the checkpoint's header cannot be read")]
    Header,
    #[error("the checkpoint is not signed by node {node}")]
    NotSignedBy { node: NodeId },
    #[error("the checkpoint's contents are not those its header names")]
    Altered,
}

fn cipher(key: &DataKey) -> XChaCha20Poly1305 {
    let derived = blake3::derive_key(KEY_CONTEXT, key.bytes());
    XChaCha20Poly1305::new(&derived.into())
}

/// Seals `plaintext` (a database's bytes, encrypted in place) under `key`, signed by `signing`;
/// the header's nonce, length and hash are set here. Returns the encoded checkpoint.
pub fn seal(
    mut header: CheckpointHeader,
    key: &DataKey,
    signing: &SigningKey,
    mut plaintext: Vec<u8>,
    nonce: [u8; 24],
) -> Result<Vec<u8>, CheckpointError> {
    header.nonce = nonce;
    header.epoch = key.epoch();
    // The tag is 16 bytes: the length is known before encrypting, and bound in the header.
    header.ciphertext_len = plaintext.len() as u64 + 16;
    header.ciphertext_hash = Hash32([0; 32]);
    let aad = serde_json::to_vec(&(&header.tenant, &header.node, header.epoch, &header.cut, header.state_hash))
        .map_err(|_| CheckpointError::Header)?;
    cipher(key).encrypt_in_place(&XNonce::from(nonce), &aad, &mut plaintext).map_err(|_| CheckpointError::Altered)?;
    header.ciphertext_hash = Hash32(*blake3::hash(&plaintext).as_bytes());
    let head = serde_json::to_vec(&header).map_err(|_| CheckpointError::Header)?;
    let mut signed = SIGN_CONTEXT.to_vec();
    signed.extend_from_slice(&head);
    let signature = signing.sign(&signed).to_bytes();
    let mut out = Vec::with_capacity(4 + 2 + 4 + head.len() + 64 + plaintext.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&CHECKPOINT_VERSION.to_be_bytes());
    out.extend_from_slice(&(head.len() as u32).to_be_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&signature);
    out.extend_from_slice(&plaintext);
    Ok(out)
}

/// A checkpoint's parts, decoded but not checked.
pub struct Decoded {
    pub header: CheckpointHeader,
    head: Vec<u8>,
    signature: [u8; 64],
    pub ciphertext: Vec<u8>,
}

/// How many bytes of a checkpoint `peek` needs at most (its header is far smaller).
pub const PEEK_BYTES: usize = 1 << 20;

/// A checkpoint's header and signature, read from its first bytes, so that a checkpoint not
/// signed by a device of the roster is never read whole; and the whole length it must have.
pub struct Peeked {
    pub header: CheckpointHeader,
    head: Vec<u8>,
    signature: [u8; 64],
    /// The length of the whole checkpoint its header gives.
    pub len: u64,
}

impl Peeked {
    pub fn is_signed_by(&self, key: &VerifyingKey) -> bool {
        let mut signed = SIGN_CONTEXT.to_vec();
        signed.extend_from_slice(&self.head);
        key.verify_strict(&signed, &ed25519_dalek::Signature::from_bytes(&self.signature)).is_ok()
    }
}

/// Reads a checkpoint's header and signature from its first bytes (`PEEK_BYTES` or all of it).
pub fn peek(prefix: &[u8]) -> Result<Peeked, CheckpointError> {
    if prefix.len() < 10 {
        return Err(CheckpointError::Truncated);
    }
    if &prefix[..4] != MAGIC {
        return Err(CheckpointError::NotACheckpoint);
    }
    let version = u16::from_be_bytes([prefix[4], prefix[5]]);
    if version != CHECKPOINT_VERSION {
        return Err(CheckpointError::Version { found: version });
    }
    let len = u32::from_be_bytes([prefix[6], prefix[7], prefix[8], prefix[9]]) as usize;
    let end = 10usize.checked_add(len).and_then(|end| end.checked_add(64)).ok_or(CheckpointError::Truncated)?;
    if prefix.len() < end {
        return Err(CheckpointError::Truncated);
    }
    let head = prefix[10..10 + len].to_vec();
    let header: CheckpointHeader = serde_json::from_slice(&head).map_err(|_| CheckpointError::Header)?;
    let mut signature = [0u8; 64];
    signature.copy_from_slice(&prefix[10 + len..end]);
    let total = (end as u64).checked_add(header.ciphertext_len).ok_or(CheckpointError::Header)?;
    Ok(Peeked { header, head, signature, len: total })
}

/// Decodes a checkpoint, taking its bytes (the ciphertext is kept, not copied).
pub fn decode(mut bytes: Vec<u8>) -> Result<Decoded, CheckpointError> {
    if bytes.len() < 10 {
        return Err(CheckpointError::Truncated);
    }
    if &bytes[..4] != MAGIC {
        return Err(CheckpointError::NotACheckpoint);
    }
    let version = u16::from_be_bytes([bytes[4], bytes[5]]);
    if version != CHECKPOINT_VERSION {
        return Err(CheckpointError::Version { found: version });
    }
    let len = u32::from_be_bytes([bytes[6], bytes[7], bytes[8], bytes[9]]) as usize;
    let end = 10usize.checked_add(len).and_then(|end| end.checked_add(64)).ok_or(CheckpointError::Truncated)?;
    if bytes.len() < end {
        return Err(CheckpointError::Truncated);
    }
    let head = bytes[10..10 + len].to_vec();
    let header: CheckpointHeader = serde_json::from_slice(&head).map_err(|_| CheckpointError::Header)?;
    let mut signature = [0u8; 64];
    signature.copy_from_slice(&bytes[10 + len..end]);
    let ciphertext = bytes.split_off(end);
    Ok(Decoded { header, head, signature, ciphertext })
}

impl Decoded {
    /// Whether `key` (the header's node's, from the roster) signed it.
    pub fn is_signed_by(&self, key: &VerifyingKey) -> bool {
        let mut signed = SIGN_CONTEXT.to_vec();
        signed.extend_from_slice(&self.head);
        key.verify_strict(&signed, &ed25519_dalek::Signature::from_bytes(&self.signature)).is_ok()
    }

    /// Whether its ciphertext is the one its header names (length and hash): what a check can
    /// tell of a checkpoint without its data key.
    pub fn is_whole(&self) -> bool {
        self.ciphertext.len() as u64 == self.header.ciphertext_len
            && Hash32(*blake3::hash(&self.ciphertext).as_bytes()) == self.header.ciphertext_hash
    }

    /// Opens it: signed by `node_key`, its ciphertext the one the header names, decrypted with
    /// the epoch's `key`. Returns the header and the database's bytes.
    pub fn open(self, key: &DataKey, node_key: &VerifyingKey) -> Result<(CheckpointHeader, Vec<u8>), CheckpointError> {
        if !self.is_signed_by(node_key) {
            return Err(CheckpointError::NotSignedBy { node: self.header.node });
        }
        if !self.is_whole() {
            return Err(CheckpointError::Altered);
        }
        let header = self.header;
        let mut bytes = self.ciphertext;
        let aad = serde_json::to_vec(&(&header.tenant, &header.node, header.epoch, &header.cut, header.state_hash))
            .map_err(|_| CheckpointError::Header)?;
        cipher(key)
            .decrypt_in_place(&XNonce::from(header.nonce), &aad, &mut bytes)
            .map_err(|_| CheckpointError::Altered)?;
        Ok((header, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> CheckpointHeader {
        CheckpointHeader {
            tenant: TenantId::from_bytes([1; 16]),
            node: NodeId::from_bytes([2; 16]),
            epoch: 0,
            cut: vec![(NodeId::from_bytes([2; 16]), EventSeq(7), Hash32([3; 32]))],
            events: 7,
            last_wall_ms: 1_000,
            state_hash: Hash32([4; 32]),
            schema_version: 28,
            created_ms: 2_000,
            nonce: [0; 24],
            ciphertext_len: 0,
            ciphertext_hash: Hash32([0; 32]),
        }
    }

    /// Sealed and opened with the right keys, a checkpoint gives its bytes back; another node's
    /// key, another data key, or any byte changed is refused.
    #[test]
    fn a_checkpoint_opens_only_as_sealed() {
        let key = DataKey::new(1, [9; 32]);
        let signing = SigningKey::from_bytes(&[5; 32]);
        let sealed = seal(header(), &key, &signing, b"the database".to_vec(), [6; 24]).unwrap();
        let (header, bytes) = decode(sealed.clone()).unwrap().open(&key, &signing.verifying_key()).unwrap();
        assert_eq!((bytes.as_slice(), header.epoch, header.events), (&b"the database"[..], 1, 7));
        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(matches!(
            decode(sealed.clone()).unwrap().open(&key, &other.verifying_key()),
            Err(CheckpointError::NotSignedBy { .. })
        ));
        let wrong = DataKey::new(1, [10; 32]);
        assert_eq!(
            decode(sealed.clone()).unwrap().open(&wrong, &signing.verifying_key()).err(),
            Some(CheckpointError::Altered)
        );
        for index in [0, 5, 20, sealed.len() - 1] {
            let mut changed = sealed.clone();
            changed[index] ^= 1;
            let opened = decode(changed).and_then(|decoded| decoded.open(&key, &signing.verifying_key()));
            assert!(opened.is_err(), "byte {index} changed");
        }
        assert_eq!(decode(sealed[..8].to_vec()).err(), Some(CheckpointError::Truncated));
    }
}

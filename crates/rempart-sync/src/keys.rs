//! Keys of a tenant, and how they are wrapped so that only its own devices can read its data.
//!
//! - A **data key** (32 random bytes per key epoch) encrypts every batch that leaves a node. A new
//!   epoch starts when a device is revoked, so data written after that is closed to it.
//! - Each enrolled device has an X25519 **wrap key pair**; a data key is wrapped for it with an
//!   ephemeral X25519 exchange, a BLAKE3-derived key-encryption key and XChaCha20-Poly1305.
//! - The **recovery secret** is 32 random bytes, printed once as the 24 words of the recovery kit.
//!   It derives an X25519 key pair (every data key is also wrapped for its public half) and an
//!   Ed25519 key that co-signs the roster's first entry, so whoever holds the kit can check that a
//!   roster is the tenant's own and not one made up by a hub. Admin devices hold it wrapped for
//!   themselves. No passphrase wraps it: a human-memorable secret that a hub serves can be
//!   guessed offline, and the kit and the devices are already the ways back (SECURITY.md).
//! - Each data key has a public **commitment** in the roster: an unwrapped key that does not match
//!   it is refused, so a hub cannot slip a key of its own to a device by wrapping it for the
//!   device's public key.
//!
//! This module does no I/O and draws no random numbers: keys, nonces and salts come in as bytes.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rempart_log::{Hash32, NodeId, TenantId};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::SyncError;

const COMMITMENT_CONTEXT: &str = "rempart 2026-11 data key commitment v1";
const WRAP_KEK_CONTEXT: &str = "rempart 2026-11 key wrap kek v1";
const INVITE_KEK_CONTEXT: &str = "rempart 2026-11 invite kek v1";
const INVITE_SIGN_CONTEXT: &str = "rempart 2026-11 invite signing key v1";
const INVITE_ID_CONTEXT: &str = "rempart 2026-11 invite id v1";
const RECOVERY_X25519_CONTEXT: &str = "rempart 2026-11 recovery x25519 v1";
const RECOVERY_ED25519_CONTEXT: &str = "rempart 2026-11 recovery ed25519 v1";
const WRAP_AAD: &[u8] = b"rempart wrap v2\0";

/// A tenant's data key of one epoch.
#[derive(Clone)]
pub struct DataKey {
    epoch: u32,
    bytes: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey(epoch {})", self.epoch)
    }
}

impl DataKey {
    pub fn new(epoch: u32, bytes: [u8; 32]) -> DataKey {
        DataKey { epoch, bytes: Zeroizing::new(bytes) }
    }

    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// The public commitment to this key, published in the roster.
    pub fn commitment(&self) -> Hash32 {
        let mut hasher = blake3::Hasher::new_derive_key(COMMITMENT_CONTEXT);
        hasher.update(&self.epoch.to_be_bytes());
        hasher.update(&self.bytes[..]);
        Hash32(*hasher.finalize().as_bytes())
    }

    pub(crate) fn cipher(&self) -> XChaCha20Poly1305 {
        aead(&self.bytes)
    }
}

fn aead(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&(*key).into())
}

fn seal(key: &[u8; 32], nonce: &[u8; 24], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce = XNonce::from(*nonce);
    // Encryption fails only for inputs longer than 2^38 bytes, far beyond any secret wrapped here;
    // an empty ciphertext must never stand for a wrap, so a failure stops here.
    aead(key).encrypt(&nonce, Payload { msg: plaintext, aad }).expect("a secret of 32 bytes encrypts")
}

fn open(key: &[u8; 32], nonce: &[u8; 24], aad: &[u8], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let nonce = XNonce::from(*nonce);
    aead(key).decrypt(&nonce, Payload { msg: ciphertext, aad }).ok().map(Zeroizing::new)
}

/// A device's X25519 key pair for receiving wrapped keys.
pub struct WrapSecret(x25519_dalek::StaticSecret);

impl WrapSecret {
    pub fn from_bytes(bytes: [u8; 32]) -> WrapSecret {
        WrapSecret(x25519_dalek::StaticSecret::from(bytes))
    }

    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    pub fn public(&self) -> [u8; 32] {
        x25519_dalek::PublicKey::from(&self.0).to_bytes()
    }
}

/// The tenant's recovery secret: the 32 bytes behind the 24 words of the recovery kit.
#[derive(Clone)]
pub struct RecoverySecret(Zeroizing<[u8; 32]>);

impl RecoverySecret {
    pub fn from_bytes(bytes: [u8; 32]) -> RecoverySecret {
        RecoverySecret(Zeroizing::new(bytes))
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn wrap_secret(&self) -> WrapSecret {
        WrapSecret::from_bytes(blake3::derive_key(RECOVERY_X25519_CONTEXT, &self.0[..]))
    }

    pub fn signing_key(&self) -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&blake3::derive_key(RECOVERY_ED25519_CONTEXT, &self.0[..]))
    }

    /// The 24 words of the recovery kit (BIP-39 English word list, the last word carrying a
    /// checksum, so a mistyped word is caught).
    pub fn words(&self) -> Vec<&'static str> {
        // 32 bytes are a valid BIP-39 entropy length, so this cannot fail; a kit without words
        // must never be shown, so a failure stops here.
        bip39::Mnemonic::from_entropy(&self.0[..]).map(|m| m.words().collect()).expect("32 bytes are BIP-39 entropy")
    }

    /// Reads the 24 words back, in any case and spacing.
    pub fn from_words(text: &str) -> Result<RecoverySecret, SyncError> {
        let normal = text.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
        if normal.len() != 24 {
            return Err(KitError::WordCount { count: normal.len() }.into());
        }
        let mnemonic = bip39::Mnemonic::parse_in_normalized(bip39::Language::English, &normal.join(" "))
            .map_err(|error| kit_error(error, &normal))?;
        let (entropy, len) = mnemonic.to_entropy_array();
        let bytes: [u8; 32] = entropy[..len].try_into().map_err(|_| KitError::Entropy { len })?;
        Ok(RecoverySecret::from_bytes(bytes))
    }
}

/// Why the words of a recovery kit do not read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KitError {
    #[error("a recovery kit has 24 words, not {count}")]
    WordCount { count: usize },
    /// `index` counts from 0; `word` is the word as typed (lowercased).
    #[error("word {} (\"{word}\") is not a word of the recovery kit", index + 1)]
    UnknownWord { index: usize, word: String },
    #[error("the words do not check out: one is mistyped or they are out of order")]
    Checksum,
    /// Another refusal of the BIP-39 reader (whose error, without `std`, is not a source).
    #[error("the recovery kit cannot be read: {cause}")]
    Unreadable { cause: bip39::Error },
    /// The words give `len` bytes, not 32.
    #[error("a recovery kit has 24 words")]
    Entropy { len: usize },
}

fn kit_error(error: bip39::Error, words: &[String]) -> KitError {
    match error {
        bip39::Error::UnknownWord(index) => {
            KitError::UnknownWord { index, word: words.get(index).cloned().unwrap_or_default() }
        }
        bip39::Error::InvalidChecksum => KitError::Checksum,
        cause => KitError::Unreadable { cause },
    }
}

/// What a wrap holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "epoch")]
pub enum Wrapped {
    DataKey(u32),
    Recovery,
}

/// Who can open a wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Recipient {
    Device(NodeId),
    Recovery,
}

impl Recipient {
    /// The name of this recipient in an object key.
    pub fn label(&self) -> String {
        match self {
            Recipient::Device(node) => format!("device-{node}"),
            Recipient::Recovery => "recovery".to_owned(),
        }
    }
}

/// Why a key could not be wrapped or unwrapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the recipient's public key is not a usable X25519 key")]
    UnusableRecipient,
    #[error("the key wrap for {} does not open with this key", to.label())]
    WrapRefused { to: Recipient },
    #[error("the invitation does not open with this code")]
    InvitationRefused,
}

/// A secret encrypted for one recipient's X25519 public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wrap {
    pub tenant: TenantId,
    pub what: Wrapped,
    pub to: Recipient,
    /// The generation of the company's recovery key when the wrap was made: bound to the wrap,
    /// so that a wrap of an older generation cannot be served as a newer one's.
    pub generation: u32,
    #[serde(with = "hex")]
    pub ephemeral: [u8; 32],
    #[serde(with = "hex")]
    pub nonce: [u8; 24],
    #[serde(with = "hex")]
    pub sealed: Vec<u8>,
}

fn wrap_aad(tenant: TenantId, what: Wrapped, to: Recipient, generation: u32, ephemeral: &[u8; 32]) -> Vec<u8> {
    let mut aad = WRAP_AAD.to_vec();
    aad.extend_from_slice(tenant.as_bytes());
    aad.extend_from_slice(&generation.to_be_bytes());
    match what {
        Wrapped::DataKey(epoch) => {
            aad.push(1);
            aad.extend_from_slice(&epoch.to_be_bytes());
        }
        Wrapped::Recovery => aad.push(2),
    }
    match to {
        Recipient::Device(node) => {
            aad.push(1);
            aad.extend_from_slice(node.as_bytes());
        }
        Recipient::Recovery => aad.push(2),
    }
    aad.extend_from_slice(ephemeral);
    aad
}

fn wrap_kek(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut hasher = blake3::Hasher::new_derive_key(WRAP_KEK_CONTEXT);
    hasher.update(shared);
    hasher.update(ephemeral);
    hasher.update(recipient);
    Zeroizing::new(*hasher.finalize().as_bytes())
}

/// Fresh randomness for one wrap: an ephemeral X25519 secret and a nonce.
pub struct WrapEntropy {
    pub ephemeral: [u8; 32],
    pub nonce: [u8; 24],
}

impl Wrap {
    /// The name of a wrap at the hub, from what it holds and for whom: a wrap is stored (create-
    /// only) and accepted only under this name. Wraps for the recovery key, and of the recovery
    /// secret, carry the recovery key's generation: a new kit has wraps of its own.
    pub fn name(what: Wrapped, to: Recipient, generation: u32) -> String {
        match (what, to) {
            (Wrapped::DataKey(epoch), Recipient::Recovery) => format!("e{epoch}-recovery-g{generation}"),
            (Wrapped::DataKey(epoch), to) => format!("e{epoch}-{}", to.label()),
            (Wrapped::Recovery, to) => format!("recovery-g{generation}-{}", to.label()),
        }
    }

    /// The name this wrap is stored and served under (`Wrap::name` of its own fields): a node
    /// takes a wrap only if it is the one it asked for.
    pub fn own_name(&self) -> String {
        Wrap::name(self.what, self.to, self.generation)
    }

    /// Encrypts `secret` for the holder of `recipient_public`, as of the recovery key's
    /// `generation`.
    pub fn seal(
        tenant: TenantId,
        what: Wrapped,
        to: Recipient,
        generation: u32,
        recipient_public: &[u8; 32],
        secret: &[u8; 32],
        entropy: WrapEntropy,
    ) -> Result<Wrap, SyncError> {
        let ephemeral_secret = x25519_dalek::StaticSecret::from(entropy.ephemeral);
        let ephemeral = x25519_dalek::PublicKey::from(&ephemeral_secret).to_bytes();
        let shared = ephemeral_secret.diffie_hellman(&x25519_dalek::PublicKey::from(*recipient_public));
        if !shared.was_contributory() {
            return Err(KeyError::UnusableRecipient.into());
        }
        let kek = wrap_kek(shared.as_bytes(), &ephemeral, recipient_public);
        let sealed = seal(&kek, &entropy.nonce, &wrap_aad(tenant, what, to, generation, &ephemeral), secret);
        Ok(Wrap { tenant, what, to, generation, ephemeral, nonce: entropy.nonce, sealed })
    }

    /// Decrypts the wrapped secret with the recipient's secret key.
    pub fn open(&self, recipient: &WrapSecret) -> Result<Zeroizing<[u8; 32]>, SyncError> {
        let refused = || SyncError::from(KeyError::WrapRefused { to: self.to });
        let shared = recipient.0.diffie_hellman(&x25519_dalek::PublicKey::from(self.ephemeral));
        if !shared.was_contributory() {
            return Err(refused());
        }
        let kek = wrap_kek(shared.as_bytes(), &self.ephemeral, &recipient.public());
        let plain = open(
            &kek,
            &self.nonce,
            &wrap_aad(self.tenant, self.what, self.to, self.generation, &self.ephemeral),
            &self.sealed,
        )
        .ok_or_else(refused)?;
        plain[..].try_into().map(Zeroizing::new).map_err(|_| refused())
    }
}

/// The secret of a one-time invitation: the code printed by `rempart device invite` carries it.
/// It derives the invitation's id, the Ed25519 key the new device signs its join with, and the
/// key that encrypts the invitation's payload (the tenant's data keys) at the hub.
#[derive(Clone)]
pub struct InviteSecret(Zeroizing<[u8; 32]>);

impl InviteSecret {
    pub fn from_bytes(bytes: [u8; 32]) -> InviteSecret {
        InviteSecret(Zeroizing::new(bytes))
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn id(&self) -> Hash32 {
        Hash32(blake3::derive_key(INVITE_ID_CONTEXT, &self.0[..]))
    }

    pub fn signing_key(&self) -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&blake3::derive_key(INVITE_SIGN_CONTEXT, &self.0[..]))
    }

    /// Encrypts the invitation's payload for whoever holds the code.
    pub fn seal(&self, tenant: TenantId, plaintext: &[u8], nonce: [u8; 24]) -> SealedInvite {
        let kek = Zeroizing::new(blake3::derive_key(INVITE_KEK_CONTEXT, &self.0[..]));
        let sealed = seal(&kek, &nonce, &self.aad(tenant), plaintext);
        SealedInvite { tenant, id: self.id(), nonce, sealed }
    }

    pub fn open(&self, invite: &SealedInvite) -> Result<Zeroizing<Vec<u8>>, SyncError> {
        let kek = Zeroizing::new(blake3::derive_key(INVITE_KEK_CONTEXT, &self.0[..]));
        open(&kek, &invite.nonce, &self.aad(invite.tenant), &invite.sealed)
            .ok_or(SyncError::Key(KeyError::InvitationRefused))
    }

    fn aad(&self, tenant: TenantId) -> Vec<u8> {
        let mut aad = b"rempart invite v1\0".to_vec();
        aad.extend_from_slice(tenant.as_bytes());
        aad.extend_from_slice(self.id().as_bytes());
        aad
    }
}

/// An invitation's payload, encrypted under its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedInvite {
    pub tenant: TenantId,
    pub id: Hash32,
    #[serde(with = "hex")]
    pub nonce: [u8; 24],
    #[serde(with = "hex")]
    pub sealed: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: TenantId = TenantId::from_bytes([7; 16]);

    fn entropy(seed: u8) -> WrapEntropy {
        WrapEntropy { ephemeral: [seed; 32], nonce: [seed.wrapping_add(1); 24] }
    }

    #[test]
    fn a_data_key_wrapped_for_a_device_opens_only_with_its_secret() {
        let device = WrapSecret::from_bytes([1; 32]);
        let other = WrapSecret::from_bytes([2; 32]);
        let key = DataKey::new(3, [9; 32]);
        let node = NodeId::from_bytes([4; 16]);
        let wrap = Wrap::seal(
            TENANT,
            Wrapped::DataKey(3),
            Recipient::Device(node),
            1,
            &device.public(),
            key.bytes(),
            entropy(5),
        )
        .unwrap();
        assert_eq!(*wrap.open(&device).unwrap(), *key.bytes());
        assert!(wrap.open(&other).is_err());
        assert!(!wrap.sealed.windows(32).any(|w| w == key.bytes()), "the key is not in clear");

        // Every clear field is bound: moving the wrap to another epoch, recipient or tenant fails.
        for altered in [
            Wrap { what: Wrapped::DataKey(4), ..wrap.clone() },
            Wrap { to: Recipient::Recovery, ..wrap.clone() },
            Wrap { tenant: TenantId::from_bytes([8; 16]), ..wrap.clone() },
            Wrap { generation: 2, ..wrap.clone() },
        ] {
            assert!(altered.open(&device).is_err());
        }
        let mut flipped = wrap.clone();
        flipped.sealed[0] ^= 1;
        assert!(flipped.open(&device).is_err());

        // A low-order point as recipient is refused rather than producing a guessable key.
        assert!(Wrap::seal(TENANT, Wrapped::Recovery, Recipient::Recovery, 1, &[0; 32], &[1; 32], entropy(6)).is_err());
    }

    #[test]
    fn the_commitment_names_the_key_and_its_epoch() {
        let key = DataKey::new(1, [9; 32]);
        assert_eq!(key.commitment(), DataKey::new(1, [9; 32]).commitment());
        assert_ne!(key.commitment(), DataKey::new(2, [9; 32]).commitment());
        assert_ne!(key.commitment(), DataKey::new(1, [8; 32]).commitment());
    }

    #[test]
    fn the_recovery_kit_is_24_words_that_read_back() {
        let secret = RecoverySecret::from_bytes(*blake3::hash(b"kit").as_bytes());
        let words = secret.words();
        assert_eq!(words.len(), 24);
        let typed = words.join("  ").to_uppercase();
        let back = RecoverySecret::from_words(&typed).unwrap();
        assert_eq!(back.bytes(), secret.bytes());
        assert_eq!(back.wrap_secret().public(), secret.wrap_secret().public());

        let mut swapped = words.clone();
        swapped.swap(0, 1);
        let error = RecoverySecret::from_words(&swapped.join(" ")).map(|_| ()).unwrap_err();
        assert!(matches!(error, SyncError::Kit(KitError::Checksum)) || words[0] == words[1], "{error:?}");
        let mut unknown = words.clone();
        unknown[5] = "rempart";
        let error = RecoverySecret::from_words(&unknown.join(" ")).map(|_| ()).unwrap_err();
        assert!(
            matches!(&error, SyncError::Kit(KitError::UnknownWord { index: 5, word }) if word == "rempart"),
            "{error:?}"
        );
        let error = RecoverySecret::from_words(&words[..23].join(" ")).map(|_| ()).unwrap_err();
        assert!(matches!(error, SyncError::Kit(KitError::WordCount { count: 23 })), "{error:?}");
    }

    #[test]
    fn an_invitation_opens_with_its_code_only() {
        let code = InviteSecret::from_bytes([4; 32]);
        let sealed = code.seal(TENANT, b"payload", [5; 24]);
        assert_eq!(sealed.id, code.id());
        assert_eq!(&code.open(&sealed).unwrap()[..], b"payload");
        assert!(InviteSecret::from_bytes([6; 32]).open(&sealed).is_err());
        assert!(code.open(&SealedInvite { tenant: TenantId::from_bytes([1; 16]), ..sealed }).is_err());
    }
}

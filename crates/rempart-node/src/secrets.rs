//! What a connected node keeps beside its data: the sync secrets (`sync.key`, mode 0600: the
//! device's X25519 secret, the tenant's data keys by epoch, the recovery secret on admin devices)
//! and its copy of the roster (`roster.json`, public). Every file is created exclusively with mode 0600.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use rempart_log::{Hash32, NodeId, TenantId};
use rempart_sync::{DataKey, Entry, RecoverySecret, WrapSecret};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::{Local, NodeError};

pub use rempart_store::layout::{ROSTER_FILE, SECRETS_FILE};

#[derive(Clone, Serialize, Deserialize)]
struct SecretsFile {
    tenant: TenantId,
    hub: String,
    genesis: Hash32,
    #[serde(with = "hex")]
    wrap_secret: [u8; 32],
    keys: BTreeMap<u32, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recovery: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    succession: Option<Succession>,
}

impl Drop for SecretsFile {
    fn drop(&mut self) {
        self.wrap_secret.zeroize();
        for key in self.keys.values_mut() {
            key.zeroize();
        }
        self.recovery.zeroize();
    }
}

/// A device going on under a new identity (`Session::rechain`), until the hub holds the roster
/// entry that names the successor: the old identity's keys stay here, to sign that entry again
/// should the roster have moved on meanwhile, and to undo a switch a crash cut short.
#[derive(Clone, Serialize, Deserialize)]
pub struct Succession {
    pub from: NodeId,
    #[serde(with = "hex")]
    pub from_key: [u8; 32],
    #[serde(with = "hex")]
    pub from_wrap: [u8; 32],
    pub to: NodeId,
    #[serde(with = "hex")]
    pub to_wrap: [u8; 32],
}

impl Drop for Succession {
    fn drop(&mut self) {
        self.from_key.zeroize();
        self.from_wrap.zeroize();
        self.to_wrap.zeroize();
    }
}

/// The node's sync secrets, in memory (zeroized when dropped, as their copies on the way to and
/// from `sync.key` are).
#[derive(Clone)]
pub struct Secrets {
    pub tenant: TenantId,
    pub hub: String,
    /// Hash of the roster's first entry: the tenant this node belongs to.
    pub genesis: Hash32,
    pub wrap: [u8; 32],
    pub keys: BTreeMap<u32, DataKey>,
    pub recovery: Option<RecoverySecret>,
    pub succession: Option<Succession>,
}

impl Drop for Secrets {
    fn drop(&mut self) {
        self.wrap.zeroize();
    }
}

impl Secrets {
    /// The secrets of a device just enrolled: no succession under way.
    pub fn enrolled(
        tenant: TenantId,
        hub: &str,
        genesis: Hash32,
        wrap: &WrapSecret,
        keys: BTreeMap<u32, DataKey>,
        recovery: Option<RecoverySecret>,
    ) -> Secrets {
        Secrets { tenant, hub: hub.to_owned(), genesis, wrap: *wrap.to_bytes(), keys, recovery, succession: None }
    }

    pub fn wrap_secret(&self) -> WrapSecret {
        WrapSecret::from_bytes(self.wrap)
    }

    pub fn load(dir: &Path) -> Result<Option<Secrets>, NodeError> {
        let path = dir.join(SECRETS_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(Local::Unreadable { path, source }.into()),
        };
        let file: SecretsFile =
            serde_json::from_slice(&bytes).map_err(|source| Local::Damaged { path: path.clone(), source })?;
        let key_bytes = |text: &str| -> Result<[u8; 32], NodeError> {
            let mut out = [0u8; 32];
            hex::decode_to_slice(text, &mut out).map_err(|_| Local::DamagedKey { path: path.clone() })?;
            Ok(out)
        };
        let mut keys = BTreeMap::new();
        for (epoch, text) in &file.keys {
            keys.insert(*epoch, DataKey::new(*epoch, key_bytes(text)?));
        }
        let recovery = file.recovery.as_deref().map(key_bytes).transpose()?.map(RecoverySecret::from_bytes);
        Ok(Some(Secrets {
            tenant: file.tenant,
            hub: file.hub.clone(),
            genesis: file.genesis,
            wrap: file.wrap_secret,
            keys,
            recovery,
            succession: file.succession.clone(),
        }))
    }

    pub fn save(&self, dir: &Path) -> Result<(), NodeError> {
        let file = SecretsFile {
            tenant: self.tenant,
            hub: self.hub.clone(),
            genesis: self.genesis,
            wrap_secret: self.wrap,
            keys: self.keys.iter().map(|(epoch, key)| (*epoch, hex::encode(key.bytes()))).collect(),
            recovery: self.recovery.as_ref().map(|r| hex::encode(r.bytes())),
            succession: self.succession.clone(),
        };
        // Plain fields and maps with integer keys: a JSON serialisation that cannot fail.
        let bytes = Zeroizing::new(serde_json::to_vec_pretty(&file).expect("the secrets file serialises"));
        write_atomically(&dir.join(SECRETS_FILE), &bytes)
    }
}

pub fn load_roster(dir: &Path) -> Result<Option<Vec<Entry>>, NodeError> {
    let path = dir.join(ROSTER_FILE);
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|source| Local::Damaged { path, source }.into()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Local::Unreadable { path, source }.into()),
    }
}

pub fn save_roster(dir: &Path, entries: &[Entry]) -> Result<(), NodeError> {
    // Roster entries are plain fields: a JSON serialisation that cannot fail.
    let bytes = serde_json::to_vec_pretty(entries).expect("roster entries serialise");
    write_atomically(&dir.join(ROSTER_FILE), &bytes)
}

/// The one durable atomic write (`rempart_store::durable`): temporary file created exclusively
/// with mode 0600, fsync, rename, folder fsync. The roster is public, but the data directory is
/// its owner's alone, and so is every file in it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), NodeError> {
    rempart_store::durable::write_atomically(path, bytes)
        .map_err(|source| Local::Unwritable { path: path.to_owned(), source }.into())
}

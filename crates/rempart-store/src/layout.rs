//! The data directory's layout: the names of its files, who may read them, and the node's
//! identity and key files. Every crate names the files of a data directory from here.
//!
//! ```text
//! node.json   identity: format version, tenant id, node id, public key
//! node.key    the node's Ed25519 secret key (hex), mode 0600, never logged
//! ledger.db   SQLite: meta, events, seals, and the p_* projections
//! head.seal   the last seal, outside the database, to detect a truncated log
//! sync.key    the node's sync secrets (data keys, its X25519 key), mode 0600 (rempart-node)
//! roster.json the company's roster as this node holds it (rempart-node)
//! rechain.lock held while a device goes on under a new chain key (rempart-node)
//! documents/  printed PDFs, unless written elsewhere (the binary)
//! ```

use std::fs;
use std::path::Path;

use rempart_log::SigningKey;
use serde::{Deserialize, Serialize};

use crate::{Damage, StoreError, durable};

pub const IDENTITY_FILE: &str = "node.json";

pub(crate) const KEY_FILE: &str = "node.key";

pub(crate) const DATABASE_FILE: &str = "ledger.db";

pub(crate) const ANCHOR_FILE: &str = "head.seal";

/// The key of a new chain while `Store::rechain` switches to it.
pub(crate) const NEXT_KEY_FILE: &str = "node.key.next";

/// The node's sync secrets, written by `rempart-node`.
pub const SECRETS_FILE: &str = "sync.key";

/// The roster as the node holds it, written by `rempart-node`.
pub const ROSTER_FILE: &str = "roster.json";

/// Held (an advisory lock) while the node goes on under a new chain key.
pub const RECHAIN_LOCK_FILE: &str = "rechain.lock";

/// The files a node's data directory is made of (the database's write-ahead log among them):
/// what a copy of the node must hold, and all it needs.
pub const NODE_FILES: [&str; 7] =
    [IDENTITY_FILE, KEY_FILE, DATABASE_FILE, "ledger.db-wal", ANCHOR_FILE, SECRETS_FILE, ROSTER_FILE];

/// Where printed documents go unless the command names another place.
pub const DOCUMENTS_DIR: &str = "documents";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Identity {
    pub(crate) format_version: u32,
    pub(crate) tenant: String,
    pub(crate) node: String,
    pub(crate) public_key: String,
}

/// The modes of a data directory and of the files in it: readable by their owner alone.
#[cfg(unix)]
pub(crate) const PRIVATE_DIR_MODE: u32 = 0o700;

#[cfg(unix)]
pub(crate) const PRIVATE_FILE_MODE: u32 = 0o600;

/// Makes `dir` (and its parents) and leaves it readable by its owner alone.
pub(crate) fn make_private_dir(dir: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(dir).map_err(|error| StoreError::io(dir, error))?;
    tighten(dir, true)
}

/// Takes group and other permissions away from a data directory or one of its files (one made by
/// an earlier version, or copied with a loose umask). Leaves a path it does not find alone.
pub(crate) fn tighten(path: &Path, is_dir: bool) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = match fs::symlink_metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(StoreError::io(path, error)),
        };
        let wanted = if is_dir { PRIVATE_DIR_MODE } else { PRIVATE_FILE_MODE };
        if metadata.file_type().is_file() || metadata.file_type().is_dir() {
            let mode = metadata.permissions().mode() & 0o777;
            if mode & !wanted != 0 {
                fs::set_permissions(path, fs::Permissions::from_mode(mode & wanted))
                    .map_err(|error| StoreError::io(path, error))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (path, is_dir);
    Ok(())
}

/// A file created exclusively (never through a link or over another file) with mode 0600.
pub(crate) fn write_private_file(path: &Path, contents: &[u8]) -> Result<(), StoreError> {
    durable::create_private(path, contents).map_err(|error| StoreError::io(path, error))
}

pub(crate) fn read_identity(dir: &Path) -> Result<Identity, StoreError> {
    let path = dir.join(IDENTITY_FILE);
    let bytes = fs::read(&path).map_err(|error| StoreError::io(&path, error))?;
    serde_json::from_slice(&bytes).map_err(|error| Damage::IdentityUnreadable { detail: error.to_string() }.into())
}

/// Writes a file by way of a temporary file, fsync and rename, so a reader sees either the old or
/// the new contents in full.
/// The temporary file is created exclusively with mode 0600, after removing one a crash left.
pub(crate) fn write_file_atomically(path: &Path, contents: &[u8]) -> Result<(), StoreError> {
    durable::write_atomically(path, contents).map_err(|error| StoreError::io(path, error))
}

pub(crate) fn read_key(path: &Path) -> Result<SigningKey, StoreError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::KeyMissing { path: path.to_owned() });
        }
        Err(source) => return Err(StoreError::KeyUnreadable { path: path.to_owned(), source }),
    };
    let mut seed = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut seed).map_err(|_| StoreError::KeyMalformed { path: path.to_owned() })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Whether `dir` holds a company's data directory already (its identity file): a new company,
/// a join or a restore must not be made over it.
pub fn holds_company(dir: &Path) -> bool {
    dir.join(IDENTITY_FILE).exists()
}

/// Copies a data directory file by file into `to` (made if missing), as a file backup or its
/// restore does: the copy is what a backup put back would be, a database file that is not the
/// one this node last wrote (`Store::open` tells it, `copy.rs`).
pub fn copy_data_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for file in fs::read_dir(from)? {
        let file = file?;
        if file.file_type()?.is_file() {
            fs::copy(file.path(), to.join(file.file_name()))?;
        }
    }
    Ok(())
}

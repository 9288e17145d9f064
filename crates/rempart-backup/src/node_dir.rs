//! Another node's data directory as the source of a restore: the surviving till of a shop whose
//! office machine and hub are both lost. It is copied into a scratch directory (it is never
//! opened, let alone changed, where it is), and the copy hands the company over to a hub in
//! memory as it would to a wiped hub: the roster, every batch it keeps as their authors signed
//! them, and its data keys wrapped for the recovery key (a device holding the keys can make
//! those; whoever restores still needs the recovery kit to open them). The restore then reads
//! that hub as it reads a backup target, checking everything again from the kit.
//!
//! Events of that node not sealed into a batch yet are not taken: they stay on it, and reach the
//! hub, and the restored device, at its next sync.

use std::path::Path;
use std::sync::Arc;

use rempart_hub::{MemStore, ObjectStore};
use rempart_node::{Env, Kit, Session};
use rempart_store::Store;

use crate::{BackupError, LocalHub};

/// What a node's data directory handed over: the company as a hub would hold it, and the hub
/// that node syncs with (the restored device's, unless the restore names another).
pub(crate) struct HandedOver {
    pub(crate) objects: Arc<dyn ObjectStore>,
    pub(crate) hub: String,
}

/// Whether `path` is a node's data directory rather than a backup folder.
pub(crate) fn is_node_dir(path: &Path) -> bool {
    rempart_store::layout::holds_company(path)
}

/// Reads the company out of the node data directory at `path` (a copy of it), for the kit's
/// company only.
pub(crate) fn hand_over(path: &Path, kit: &Kit, env: &mut Env<'_>) -> Result<HandedOver, BackupError> {
    let dir = path.display().to_string();
    let scratch = tempfile::Builder::new().prefix("rempart-node-copy-").tempdir().map_err(BackupError::Scratch)?;
    let copy = scratch.path().join("data");
    rempart_store::layout::copy_data_dir(path, &copy)
        .map_err(|source| BackupError::NodeCopy { dir: dir.clone(), source })?;
    let mut store = Store::open(&copy)?;
    if store.tenant() != kit.tenant {
        return Err(BackupError::OtherCompany { dir });
    }
    let mut session = Session::open(&store)?;
    let objects: Arc<dyn ObjectStore> = Arc::new(MemStore::default());
    let mut hub = LocalHub::new(Arc::clone(&objects), dir.clone());
    session.hand_over(&mut store, &mut hub, env)?;
    for wrap in session.recovery_wraps(env)? {
        let key = rempart_hub::wrap_key(kit.tenant, &wrap.own_name());
        let bytes = serde_json::to_vec(&wrap).expect("a key wrap is plain JSON");
        objects.put_new(&key, &bytes).map_err(|source| BackupError::Storage { target: dir.clone(), source })?;
    }
    Ok(HandedOver { objects, hub: session.secrets.hub.clone() })
}

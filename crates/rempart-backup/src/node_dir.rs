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
/// company only. The copy is made beside `beside` (the directory being restored into: its file
/// system, not a shared temporary one), readable by this user alone, and removed after.
pub(crate) fn hand_over(path: &Path, kit: &Kit, beside: &Path, env: &mut Env<'_>) -> Result<HandedOver, BackupError> {
    let dir = path.display().to_string();
    let builder = || tempfile::Builder::new().prefix(".rempart-node-copy-").clone();
    // A relative directory's parent may be empty: the current directory, then.
    let parent = beside.parent().map(|parent| if parent.as_os_str().is_empty() { Path::new(".") } else { parent });
    let scratch = match parent.filter(|parent| parent.is_dir()) {
        Some(parent) => builder().tempdir_in(parent),
        None => builder().tempdir(),
    }
    .map_err(BackupError::Scratch)?;
    let copy = scratch.path().join("data");
    copy_node(path, &copy).map_err(|source| BackupError::NodeCopy { dir: dir.clone(), source })?;
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

/// Copies the files a node is made of (`NODE_FILES`, no other), each opened without following a
/// symbolic link nor waiting on a pipe and read only if it is a regular file of a sane size: a
/// directory arranged to lead the copy elsewhere, block it or fill the disk gets no further than
/// an error.
fn copy_node(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    #[cfg(unix)]
    std::fs::set_permissions(to, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    for name in rempart_store::layout::NODE_FILES {
        let Some((file, size)) = rempart_hub::objects::open_regular(&from.join(name))? else { continue };
        if size > rempart_hub::objects::OBJECT_BYTES_MAX {
            return Err(std::io::Error::new(std::io::ErrorKind::FileTooLarge, format!("{name}: {size} bytes")));
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut out = options.open(to.join(name))?;
        std::io::copy(&mut std::io::Read::take(file, size), &mut out)?;
        out.sync_all()?;
    }
    Ok(())
}

//! Pruning a target: the checkpoints a restore no longer starts from, removed from an
//! administrator's device once their retention has ended. The log of batches is never pruned:
//! it is the books (the law keeps them ten years, in Switzerland and in France), every
//! point-in-time restore reads it, and the node holds it whole anyway, so a backup without it
//! would save nothing that matters. Old checkpoints are the only thing a backup holds twice.

use rempart_hub::ObjectStore;
use rempart_node::Session;
use rempart_store::Store;

use crate::{BackupError, Target, checkpoints_prefix, is_admin};

/// What pruning a target removed, or would remove without confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub target: String,
    /// The checkpoints kept as a restore's start: the newest a restore can use.
    pub kept: Vec<String>,
    /// Objects a retention still holds, kept: key and the moment it ends (Unix milliseconds).
    pub held: Vec<(String, u64)>,
    /// Objects removed (or to remove): key and bytes. On a bucket, each version of a key.
    pub removed: Vec<(String, u64)>,
    /// Whether they were removed, or only named.
    pub confirmed: bool,
}

/// One stored copy of a checkpoint: its key, its version in a bucket (every version of a key is
/// removed with it), its bytes.
struct Stored {
    key: String,
    version: Option<String>,
    size: u64,
}

/// The events a checkpoint's key names (`.../<events>`), the newest being the one holding most.
pub(crate) fn events_of(key: &str) -> u64 {
    key.rsplit('/').next().and_then(|last| last.parse::<u64>().ok()).unwrap_or(0)
}

/// Prunes `target`, from an administrator's device: keeps the `keep` newest checkpoints a
/// restore can start from (signed by an active administrator's device of the roster, of this
/// layout) and everything newer, and removes the older ones, each version of each, but for those
/// a retention still holds. Nothing is removed unless `confirmed`; nothing at all when no
/// checkpoint there is one a restore can use.
pub fn prune(
    store: &Store,
    session: &Session,
    target: &Target,
    keep: u32,
    confirmed: bool,
) -> Result<Pruned, BackupError> {
    if !is_admin(store, session) {
        return Err(BackupError::NotAdmin);
    }
    if keep == 0 {
        return Err(BackupError::KeepNone);
    }
    let storage = |source| BackupError::Storage { target: target.to_string(), source };
    let prefix = checkpoints_prefix(store.tenant());
    // What a restore reads (each key's first version on a bucket), to tell usable checkpoints.
    let reading = target.open_for_reading()?;
    let mut listed = reading.list(&prefix).map_err(storage)?;
    listed.sort_by_key(|object| std::cmp::Reverse(events_of(&object.key)));
    let usable: Vec<&String> = listed
        .iter()
        .filter(|object| usable(&*reading, session, store, (&object.key, object.size)))
        .map(|object| &object.key)
        .collect();
    let mut pruned =
        Pruned { target: target.to_string(), kept: Vec::new(), held: Vec::new(), removed: Vec::new(), confirmed };
    let Some(oldest_kept) = usable.get(keep as usize - 1).or(usable.last()) else { return Ok(pruned) };
    let floor = events_of(oldest_kept);
    pruned.kept = usable.iter().take(keep as usize).map(|key| (*key).clone()).collect();
    // Every stored copy of the older ones: each version on a bucket, the file in a folder.
    let bucket = target.bucket_to_prune()?;
    let stored: Vec<Stored> = match &bucket {
        Some(bucket) => bucket
            .versions(&prefix)
            .map_err(storage)?
            .into_iter()
            .map(|listed| Stored { key: listed.key, version: Some(listed.version), size: listed.size })
            .collect(),
        None => reading
            .list(&prefix)
            .map_err(storage)?
            .into_iter()
            .map(|listed| Stored { key: listed.key, version: None, size: listed.size })
            .collect(),
    };
    let now = rempart_node::system_now_ms();
    for copy in stored.into_iter().filter(|copy| events_of(&copy.key) < floor) {
        if let (Some(bucket), Some(version)) = (&bucket, &copy.version)
            && let Some(until) = bucket.retained_until(&copy.key, version).map_err(storage)?
            && until > now
        {
            pruned.held.push((copy.key, until));
            continue;
        }
        if confirmed {
            match (&bucket, &copy.version) {
                (Some(bucket), Some(version)) => bucket.remove_version(&copy.key, version).map_err(storage)?,
                _ => remove_file(target, &*reading, &copy.key)?,
            }
        }
        pruned.removed.push((copy.key, copy.size));
    }
    Ok(pruned)
}

/// Whether a restore could start from the checkpoint at `key`: its header and signature read
/// from its first bytes, of this company and layout, signed by an active administrator's device,
/// kept under the name its header gives (no copy planted under another counts), of the length
/// it names.
pub(crate) fn usable(objects: &dyn ObjectStore, session: &Session, store: &Store, (key, size): (&str, u64)) -> bool {
    let Ok(Some(prefix)) = objects.get_prefix(key, rempart_sync::checkpoint::PEEK_BYTES) else { return false };
    let Ok(peeked) = rempart_sync::checkpoint::peek(&prefix) else { return false };
    let header = &peeked.header;
    let Some(member) = session.roster.member(header.node) else { return false };
    let Ok(node_key) = rempart_log::VerifyingKey::from_bytes(&member.keys.sign) else { return false };
    header.tenant == store.tenant()
        && header.schema_version == rempart_store::SCHEMA_VERSION
        && session.roster.is_active(header.node)
        && member.role == rempart_sync::Role::Admin
        && key == crate::checkpoint_key(store.tenant(), header.node, header.events)
        && peeked.len == size
        && peeked.is_signed_by(&node_key)
}

/// Removes a checkpoint's file from a folder target.
fn remove_file(target: &Target, objects: &dyn ObjectStore, key: &str) -> Result<(), BackupError> {
    if let Target::Folder { path } = target {
        rempart_hub::objects::release(&path.join(key));
    }
    objects.remove(key).map_err(|source| BackupError::Storage { target: target.to_string(), source })
}

/// The objects among a target's checkpoints that are no checkpoint of a device of the company as
/// their name says: unreadable, cut short or grown, not under the name their header gives, or
/// signed by no device of the roster, or its body not the one its signed header names (a bit
/// flipped anywhere in it). That is damage (or something planted), named by a check; a
/// checkpoint of an older layout, or by a device revoked since, is merely passed over by a
/// restore, and is no damage. (Its header is read first, and the whole object only once that is
/// signed by a device of the roster; the body is decrypted only when a restore starts from it.)
pub(crate) fn damaged_checkpoints(
    objects: &dyn ObjectStore,
    session: &Session,
    tenant: rempart_log::TenantId,
) -> Result<Vec<String>, rempart_hub::ObjectError> {
    let mut damaged = Vec::new();
    for object in objects.list(&crate::checkpoints_prefix(tenant))? {
        let sound = (|| -> Option<()> {
            let prefix = objects.get_prefix(&object.key, rempart_sync::checkpoint::PEEK_BYTES).ok()??;
            let peeked = rempart_sync::checkpoint::peek(&prefix).ok()?;
            let header = &peeked.header;
            let member = session.roster.member(header.node)?;
            let node_key = rempart_log::VerifyingKey::from_bytes(&member.keys.sign).ok()?;
            let named = object.key == crate::checkpoint_key(tenant, header.node, header.events);
            if !(named && peeked.len == object.size && peeked.is_signed_by(&node_key)) {
                return None;
            }
            let whole = rempart_sync::checkpoint::decode(objects.get(&object.key).ok()??).ok()?;
            (whole.header == *header && whole.is_signed_by(&node_key) && whole.is_whole()).then_some(())
        })();
        if sound.is_none() {
            damaged.push(object.key);
        }
    }
    Ok(damaged)
}

//! Backups nobody can delete. A backup target (a folder: a USB disk, a NAS mount; or an S3
//! bucket) holds the company as a hub would: its roster, the key wraps of its recovery key and
//! devices, and every batch of every node, encrypted and signed by its author (`rempart_hub`'s
//! layout, `t/<tenant>/...`). A node writes it through a hub that runs in its own process over
//! the target (`LocalHub`), so a backup is checked as an upload to the company's hub is (the
//! roster, each batch's signature and continuity) and is log shipping: each run writes only the
//! batches the target lacks, create-only, and never changes an object it wrote (`AppendOnly`).
//!
//! A restore reads a target through the same hub, above a layer that keeps every write in memory
//! (`Overlay`): the recovery kit proves the company, the roster is checked from its genesis, the
//! data keys come from the recovery key's wraps, and every batch is checked and decrypted as a
//! sync's pull does. A batch the hub finds damaged on the way is set apart in that layer and named
//! (`Checked::damaged`); the next target fills the gap.

mod node_dir;
mod prune;
mod stores;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rempart_hub::s3::{ObjectLock, S3Store};
use rempart_hub::{DirStore, Hub, Limits, ObjectError, ObjectStore};

pub use rempart_hub::s3::LockMode;

/// Where every company's objects are in a target, as in a hub's storage.
const TENANTS_PREFIX: &str = "t/";
use rempart_node::transport::{Answer, Unreachable, Verb};
use rempart_node::{Env, Kit, NodeError, Session, Transport};
use rempart_store::{Store, StoreError};
use rempart_sync::RequestAuth;
use serde::{Deserialize, Serialize};

pub use prune::{Pruned, prune};
pub use stores::{AppendOnly, Overlay, Shared};

/// Where a backup is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A local folder: a USB disk, a NAS mount.
    Folder { path: PathBuf },
    /// An S3-compatible bucket (AWS S3, MinIO, Ceph), its keys under a prefix, reached with the
    /// endpoint and credentials of the `AWS_*` variables; with Object Lock, each object is
    /// locked as it is written.
    S3 {
        bucket: String,
        prefix: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lock: Option<ObjectLock>,
    },
}

/// Why a backup, its check or a restore from it could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("\"{text}\" is not a backup target: give a folder's path or s3://BUCKET/PREFIX")]
    NotATarget { text: String },
    #[error("{target} is a folder: Object Lock is for an S3 bucket (a folder is written create-only by construction)")]
    NotLockable { target: String },
    #[error("Object Lock keeps each object 1 to 36500 days, not {days}")]
    LockDays { days: u32 },
    #[error("{target} is a backup target already")]
    AlreadyAdded { target: String },
    #[error("no backup target is set: add one with `rempart backup add`")]
    NoTarget,
    #[error("only an administrator's device sets backup targets")]
    NotAdmin,
    #[error("the backup targets of this device cannot be read")]
    SettingsUnreadable,
    #[error("backup target {target}: {source}")]
    Storage { target: String, source: ObjectError },
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the scratch directory of a check cannot be made: {0}")]
    Scratch(std::io::Error),
    #[error(
        "backup target {target} holds an older list of devices than this device: back up to it first (`rempart backup run`)"
    )]
    Behind { target: String },
    #[error("backup target {target}: {source}")]
    At { target: String, source: Box<BackupError> },
    #[error("{target} is not a backup target of this device")]
    NotHeld { target: String },
    #[error("nothing was recorded up to that moment: no company to restore")]
    NothingBefore,
    #[error("backup target {target}: {why}")]
    RosterWithheld { target: String, why: rempart_node::HeldBack },
    #[error("the checkpoint {key} does not give back what its header names: the restore goes on from the log")]
    CheckpointUnsound { key: String },
    #[error(transparent)]
    Checkpoint(#[from] rempart_sync::checkpoint::CheckpointError),
    #[error("the checkpoint cannot be written or read here: {0}")]
    CheckpointFile(std::io::Error),
    #[error(
        "backup target {target}: {count} chain(s) of batches were refused as forged or forked: the target is refused"
    )]
    ChainsRefused { target: String, count: usize },
    #[error("pruning keeps at least the newest checkpoint: --keep 1 or more")]
    KeepNone,
    #[error("the node data directory {dir} cannot be copied to be read: {source}")]
    NodeCopy { dir: String, source: std::io::Error },
    #[error("the node data directory {dir} holds another company than the recovery kit's")]
    OtherCompany { dir: String },
}

impl Target {
    /// A target as a person names it: a folder's path (made absolute), or `s3://BUCKET/PREFIX`.
    pub fn parse(text: &str) -> Result<Target, BackupError> {
        let text = text.trim();
        let not = || BackupError::NotATarget { text: text.to_owned() };
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let prefix = prefix.trim_matches('/');
            let bucket_ok = (3..=63).contains(&bucket.len())
                && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.'));
            if !bucket_ok || (!prefix.is_empty() && rempart_hub::objects::check_key(prefix).is_err()) {
                return Err(not());
            }
            return Ok(Target::S3 { bucket: bucket.to_owned(), prefix: prefix.to_owned(), lock: None });
        }
        if text.is_empty() || text.contains("://") {
            return Err(not());
        }
        let path = std::path::absolute(Path::new(text)).map_err(|_| not())?;
        Ok(Target::Folder { path })
    }

    /// The same target, each object locked as it is written (an S3 bucket's only).
    pub fn locked(self, lock: ObjectLock) -> Result<Target, BackupError> {
        if !(1..=36_500).contains(&lock.days) {
            return Err(BackupError::LockDays { days: lock.days });
        }
        match self {
            Target::S3 { bucket, prefix, .. } => Ok(Target::S3 { bucket, prefix, lock: Some(lock) }),
            folder @ Target::Folder { .. } => Err(BackupError::NotLockable { target: folder.to_string() }),
        }
    }

    /// Its storage, created if it is a folder that does not exist yet.
    pub fn open(&self) -> Result<Box<dyn ObjectStore>, BackupError> {
        let storage = |source| BackupError::Storage { target: self.to_string(), source };
        match self {
            Target::Folder { path } => Ok(Box::new(DirStore::open_read_only_files(path).map_err(storage)?)),
            // Read as first written: a version written over one, or a delete marker, by someone
            // holding a writing credential hides nothing from a restore (Object Lock keeps the
            // first versions).
            Target::S3 { bucket, prefix, lock } => Ok(Box::new(s3_store(bucket, prefix, *lock).map_err(storage)?)),
        }
    }

    /// Its storage to read, nothing created in it: a folder must exist (a read-only medium is
    /// read as it is; a mistyped path is refused, not made).
    pub fn open_for_reading(&self) -> Result<Box<dyn ObjectStore>, BackupError> {
        let storage = |source| BackupError::Storage { target: self.to_string(), source };
        match self {
            Target::Folder { path } => Ok(Box::new(DirStore::open_existing(path).map_err(storage)?)),
            Target::S3 { .. } => self.open(),
        }
    }

    /// The bucket of an S3 target, to extend its objects' retention.
    fn bucket(&self) -> Result<Option<(S3Store, ObjectLock)>, BackupError> {
        match self {
            Target::S3 { bucket, prefix, lock: Some(lock) } => Ok(Some((
                s3_store(bucket, prefix, Some(*lock))
                    .map_err(|source| BackupError::Storage { target: self.to_string(), source })?,
                *lock,
            ))),
            _ => Ok(None),
        }
    }

    /// The bucket of an S3 target, locked or not, every version of its keys in reach: what
    /// pruning removes them from.
    fn bucket_to_prune(&self) -> Result<Option<S3Store>, BackupError> {
        match self {
            Target::S3 { bucket, prefix, lock } => Ok(Some(
                S3Store::from_url(&format!("s3://{bucket}"))
                    .and_then(|store| store.within(prefix, *lock))
                    .map_err(|source| BackupError::Storage { target: self.to_string(), source })?,
            )),
            Target::Folder { .. } => Ok(None),
        }
    }

    /// The same place, whatever its lock: two targets naming one place are one target.
    fn place(&self) -> Target {
        match self {
            Target::S3 { bucket, prefix, .. } => {
                Target::S3 { bucket: bucket.clone(), prefix: prefix.clone(), lock: None }
            }
            folder => folder.clone(),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Folder { path } => write!(f, "{}", path.display()),
            Target::S3 { bucket, prefix, .. } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Target::S3 { bucket, prefix, .. } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// A target's bucket under its prefix, each object written locked as `lock` says, each key read
/// as its first version: a version written over it, or a delete marker, by someone holding a
/// writing credential hides nothing (Object Lock keeps the first versions).
fn s3_store(bucket: &str, prefix: &str, lock: Option<ObjectLock>) -> Result<S3Store, ObjectError> {
    S3Store::from_url(&format!("s3://{bucket}"))
        .and_then(|store| store.within(prefix, lock))
        .map(|store| store.reading_first_versions().reading_objects_up_to(rempart_hub::objects::OBJECT_BYTES_MAX))
}

/// Whether this device is one of the company's administrators' (who alone set targets and prune).
fn is_admin(store: &Store, session: &Session) -> bool {
    session.roster.member(store.node()).is_some_and(|member| member.role == rempart_sync::Role::Admin)
}

/// The sync setting holding this device's backup targets (JSON).
const TARGETS_SETTING: &str = "backup_targets";

/// The targets this device backs up to, in the order they were added.
pub fn targets(store: &Store) -> Result<Vec<Target>, BackupError> {
    match store.sync_setting(TARGETS_SETTING)? {
        Some(text) => serde_json::from_str(&text).map_err(|_| BackupError::SettingsUnreadable),
        None => Ok(Vec::new()),
    }
}

/// Adds a target, from an administrator's device only; its storage is opened first (a folder is
/// made), so a target that cannot be written is refused now rather than at the first backup.
pub fn add_target(store: &Store, session: &Session, target: Target) -> Result<(), BackupError> {
    if !is_admin(store, session) {
        return Err(BackupError::NotAdmin);
    }
    let mut held = targets(store)?;
    // The same place again: its lock changed (a longer retention from now on), else refused.
    let same = held.iter().position(|other| other.place() == target.place());
    if let Some(index) = same {
        if held[index] == target {
            return Err(BackupError::AlreadyAdded { target: target.to_string() });
        }
        held.remove(index);
    }
    // Reached now, so that a target that cannot be read is refused at once.
    let listed = TENANTS_PREFIX;
    target.open()?.list(listed).map_err(|source| BackupError::Storage { target: target.to_string(), source })?;
    held.push(target);
    let text = serde_json::to_string(&held).map_err(|_| BackupError::SettingsUnreadable)?;
    store.set_sync_setting(TARGETS_SETTING, &text)?;
    Ok(())
}

/// Stops backing up to a target (from an administrator's device): what it holds stays there.
pub fn remove_target(store: &Store, session: &Session, target: &Target) -> Result<(), BackupError> {
    if !is_admin(store, session) {
        return Err(BackupError::NotAdmin);
    }
    let mut held = targets(store)?;
    let before = held.len();
    held.retain(|other| other.place() != target.place());
    if held.len() == before {
        return Err(BackupError::NotHeld { target: target.to_string() });
    }
    let text = serde_json::to_string(&held).map_err(|_| BackupError::SettingsUnreadable)?;
    store.set_sync_setting(TARGETS_SETTING, &text)?;
    store.clear_sync_setting(&last_setting(target))?;
    Ok(())
}

/// A hub in this process over a target's storage, reached without a network: each call is
/// handled as the hub's HTTP server would hand it over.
pub struct LocalHub {
    hub: Hub,
    name: String,
    identity: Option<rempart_sync::HubId>,
}

impl LocalHub {
    /// A hub of the company's own over `objects`: any company whose genesis verifies is admitted,
    /// and no rate or quota holds a backup back.
    pub fn new(objects: Arc<dyn ObjectStore>, name: String) -> LocalHub {
        let limits = Limits {
            quota_bytes: u64::MAX / 4,
            requests_per_second: u32::MAX / 4,
            burst: u32::MAX / 4,
            companies_max: u64::MAX / 4,
            hub_bytes_max: u64::MAX / 4,
            ..Limits::default()
        };
        LocalHub { hub: Hub::new(objects, limits).with_open_signup(), name, identity: None }
    }
}

impl Transport for LocalHub {
    fn hub(&self) -> String {
        self.name.clone()
    }

    fn identity(&mut self) -> &mut Option<rempart_sync::HubId> {
        &mut self.identity
    }

    fn call(
        &mut self,
        verb: Verb,
        target: &str,
        auth: Option<&RequestAuth>,
        body: Vec<u8>,
    ) -> Result<Answer, Unreachable> {
        let method = match verb {
            Verb::Get => rempart_hub::Method::Get,
            Verb::Put => rempart_hub::Method::Put,
            Verb::Post => rempart_hub::Method::Post,
        };
        let request = rempart_hub::Request::signed(method, target, auth, body);
        let response = self.hub.handle(&request, rempart_node::system_now_ms());
        Ok(Answer { status: response.status, body: response.body })
    }
}

/// What one backup wrote to one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub target: String,
    pub batches: u64,
    pub events: u64,
    /// Every object created (batches, roster entries, key wraps, a checkpoint) and their bytes.
    pub objects: u64,
    pub bytes: u64,
    /// The checkpoint written with it, if one was due: the events it holds and its bytes.
    pub checkpoint: Option<(u64, u64)>,
}

/// When a backup writes a checkpoint: when one is due (`CHECKPOINT_EVERY_EVENTS`), or now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointWhen {
    Due,
    Now,
}

/// A checkpoint is due once the log holds this many events more than the last one did (and at
/// least half as many again): a restore then applies at most about this many events after it.
pub const CHECKPOINT_EVERY_EVENTS: u64 = 100_000;

/// Where the checkpoints of a company are in a target.
fn checkpoints_prefix(tenant: rempart_log::TenantId) -> String {
    format!("t/{tenant}/checkpoints/")
}

/// Backs this device's copy of the company up to `target`: what the target lacks of it, written
/// create-only.
pub fn run(
    store: &mut Store,
    session: &mut Session,
    target: &Target,
    env: &mut Env<'_>,
) -> Result<Written, BackupError> {
    run_with(store, session, target, CheckpointWhen::Due, env)
}

/// As `run`, with a checkpoint written when `when` says.
pub fn run_with(
    store: &mut Store,
    session: &mut Session,
    target: &Target,
    when: CheckpointWhen,
    env: &mut Env<'_>,
) -> Result<Written, BackupError> {
    run_to(store, session, target, when, env)
        .map_err(|source| BackupError::At { target: target.to_string(), source: Box::new(source) })
}

fn run_to(
    store: &mut Store,
    session: &mut Session,
    target: &Target,
    when: CheckpointWhen,
    env: &mut Env<'_>,
) -> Result<Written, BackupError> {
    let objects = Arc::new(AppendOnly::new(target.open()?));
    let mut hub = LocalHub::new(Arc::clone(&objects) as Arc<dyn ObjectStore>, target.to_string());
    let report = session.back_up(store, &mut hub, env)?;
    let now = rempart_node::system_now_ms();
    // What the target holds now: this device's copy as it stands, every chain to its head.
    let cut: Vec<(String, u64)> =
        store.version_vector()?.0.iter().map(|(node, head)| (node.to_string(), head.seq.0)).collect();
    store.set_sync_setting(
        &cut_setting(target),
        &serde_json::to_string(&cut).map_err(|_| BackupError::SettingsUnreadable)?,
    )?;
    store.set_sync_setting(&last_setting(target), &now.to_string())?;
    keep_retained(store, session, target, now)?;
    let events = store.event_count()?;
    let last: u64 = store.sync_setting(&checkpoint_setting(target))?.and_then(|text| text.parse().ok()).unwrap_or(0);
    let due = events >= CHECKPOINT_EVERY_EVENTS && events >= last + CHECKPOINT_EVERY_EVENTS.max(last / 2);
    // A checkpoint of what the target holds one of already (nothing recorded since) is not made
    // again: it would be written nowhere.
    let held = objects
        .get_prefix(&checkpoint_key(store.tenant(), store.node(), events), 0)
        .map_err(|source| BackupError::Storage { target: target.to_string(), source })?
        .is_some();
    let checkpoint = if (when == CheckpointWhen::Now || due) && !held {
        let written = write_checkpoint(store, session, (&*objects, &target.to_string()), env)?;
        store.set_sync_setting(&checkpoint_setting(target), &written.0.to_string())?;
        Some(written)
    } else {
        None
    };
    let (created, bytes) = objects.written();
    Ok(Written {
        target: target.to_string(),
        batches: report.pushed_batches,
        events: report.pushed_events,
        objects: created,
        bytes,
        checkpoint,
    })
}

/// The sync setting keeping how many events the last checkpoint written to a target held.
fn checkpoint_setting(target: &Target) -> String {
    format!("backup_checkpoint:{target}")
}

/// Writes a checkpoint of this device's database to `objects`: copied whole at one moment (in a
/// directory of its own in the data directory, removed after), encrypted with the roster's
/// current data key and signed by this device, into `objects` (the target named `name`). Returns
/// the events it holds and its bytes.
fn write_checkpoint(
    store: &Store,
    session: &Session,
    (objects, name): (&dyn ObjectStore, &str),
    env: &mut Env<'_>,
) -> Result<(u64, u64), BackupError> {
    let scratch =
        tempfile::Builder::new().prefix("checkpoint-").tempdir_in(store.dir()).map_err(BackupError::CheckpointFile)?;
    let path = scratch.path().join("snapshot.db");
    let info = store.snapshot_into(&path)?;
    let bytes = std::fs::read(&path).map_err(BackupError::CheckpointFile)?;
    let author = session.author(store.signing_key())?;
    let mut nonce = [0u8; 24];
    (env.random)(&mut nonce);
    let events = info.events;
    let sealed =
        rempart_sync::checkpoint::seal(checkpoint_header(store, info), author.key, store.signing_key(), bytes, nonce)?;
    let key = checkpoint_key(store.tenant(), store.node(), events);
    objects.put_new(&key, &sealed).map_err(|source| BackupError::Storage { target: name.to_owned(), source })?;
    Ok((events, sealed.len() as u64))
}

/// The clear header of a checkpoint of this device's database as `info` describes it; `seal`
/// sets the epoch, the nonce and what names the ciphertext.
pub fn checkpoint_header(
    store: &Store,
    info: rempart_store::snapshot::SnapshotInfo,
) -> rempart_sync::checkpoint::CheckpointHeader {
    rempart_sync::checkpoint::CheckpointHeader {
        tenant: store.tenant(),
        node: store.node(),
        epoch: 0,
        cut: info.cut,
        events: info.events,
        last_wall_ms: info.last_wall_ms,
        state_hash: info.state_hash,
        schema_version: rempart_store::SCHEMA_VERSION,
        created_ms: rempart_node::system_now_ms(),
        nonce: [0; 24],
        ciphertext_len: 0,
        ciphertext_hash: rempart_log::Hash32([0; 32]),
    }
}

/// Where a checkpoint of `node` holding `events` events is kept in a target.
pub fn checkpoint_key(tenant: rempart_log::TenantId, node: rempart_log::NodeId, events: u64) -> String {
    format!("{}{node}/{events:020}", checkpoints_prefix(tenant))
}

/// The newest checkpoint in `objects` that this restore can start from: of the company, of this
/// layout, made up to the moment restored to (if any), signed by an active device of the roster,
/// opened with a key the device holds. Checkpoints that are not are passed over. `name` names
/// the source in an error.
fn newest_checkpoint(
    (objects, name): (&dyn ObjectStore, &str),
    session: &Session,
    tenant: rempart_log::TenantId,
    until_ms: Option<u64>,
) -> Result<Option<(String, rempart_sync::checkpoint::CheckpointHeader, Vec<u8>)>, BackupError> {
    let prefix = checkpoints_prefix(tenant);
    let mut listed =
        objects.list(&prefix).map_err(|source| BackupError::Storage { target: name.to_owned(), source })?;
    listed.sort_by_key(|object| std::cmp::Reverse(prune::events_of(&object.key)));
    for object in listed {
        // Its header and signature first, from its first bytes: a checkpoint is read whole only
        // once an administrator's device of the roster is found to have signed it, and it has
        // the length its header gives.
        let opened = (|| -> Option<(rempart_sync::checkpoint::CheckpointHeader, Vec<u8>)> {
            let prefix = objects.get_prefix(&object.key, rempart_sync::checkpoint::PEEK_BYTES).ok()??;
            let peeked = rempart_sync::checkpoint::peek(&prefix).ok()?;
            let header = &peeked.header;
            let member = session.roster.member(header.node)?;
            let fits = header.tenant == tenant
                && object.key == checkpoint_key(tenant, header.node, header.events)
                && header.schema_version == rempart_store::SCHEMA_VERSION
                && until_ms.is_none_or(|until| header.last_wall_ms <= until)
                && session.roster.is_active(header.node)
                && member.role == rempart_sync::Role::Admin
                && peeked.len == object.size;
            let node_key = rempart_log::VerifyingKey::from_bytes(&member.keys.sign).ok()?;
            if !fits || !peeked.is_signed_by(&node_key) {
                return None;
            }
            let key = session.secrets.keys.get(&header.epoch)?;
            let bytes = objects.get(&object.key).ok()??;
            rempart_sync::checkpoint::decode(bytes).ok()?.open(key, &node_key).ok()
        })();
        match opened {
            Some((header, bytes)) => return Ok(Some((object.key, header, bytes))),
            None => tracing::warn!(key = %object.key, "a checkpoint passed over: not one this restore can start from"),
        }
    }
    Ok(None)
}

/// Adopts a checkpoint's database as the restored device's, and checks it: every chain's node
/// in the roster with the roster's key, every chain sound event by event, the projections
/// giving the signed state hash, the cut held.
fn adopt_checked(
    store: Store,
    (path, bytes): (&Path, &[u8]),
    header: &rempart_sync::checkpoint::CheckpointHeader,
    session: &Session,
) -> Result<Store, BackupError> {
    // Made new, readable by this user alone: a name already there (a file someone kept, a
    // link planted) is neither written through nor removed.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(BackupError::CheckpointFile)?;
    let written = std::io::Write::write_all(&mut file, bytes);
    drop(file);
    // Once adopted, the file is the device's database; until then, it is removed on any failure.
    let adopted = written.map_err(BackupError::CheckpointFile).and_then(|()| Ok(store.adopt_snapshot(path)?));
    if adopted.is_err() {
        let _ = std::fs::remove_file(path);
    }
    let store = adopted?;
    let unsound = || BackupError::CheckpointUnsound { key: path.display().to_string() };
    for (node, key) in store.chain_keys()? {
        let member = session.roster.member(node).ok_or_else(unsound)?;
        if key.map(|key| key.to_bytes()) != Some(member.keys.sign) {
            return Err(unsound());
        }
        // Nothing of a revoked device past its revocation, as a restore from the log takes none.
        let head = store.held(node)?.ok_or_else(unsound)?;
        if !session.roster.may_write(node, head.seq) {
            return Err(unsound());
        }
    }
    // The events it names: every chain's but the restored device's own, each whole from its
    // first event (`verify_chains` below).
    let own = store.node();
    let held: u64 =
        store.version_vector()?.0.iter().filter(|(node, _)| **node != own).map(|(_, head)| head.seq.0).sum();
    if held != header.events {
        return Err(unsound());
    }
    if !store.verify_chains()?.is_empty() || store.state_hash()? != header.state_hash {
        return Err(unsound());
    }
    for (node, seq, hash) in &header.cut {
        if !store.held(*node)?.is_some_and(|head| head.seq == *seq && head.hash == *hash) {
            return Err(unsound());
        }
    }
    Ok(store)
}

/// The sync setting keeping when the last backup to a target ended.
fn last_setting(target: &Target) -> String {
    format!("backup_last:{target}")
}

/// The sync setting keeping what the last backup to a target left there: each chain's last
/// sequence.
fn cut_setting(target: &Target) -> String {
    format!("backup_cut:{target}")
}

/// What the last backup to `target` left there, as this device recorded it.
fn backed_up(store: &Store, target: &Target) -> Result<Vec<(rempart_log::NodeId, u64)>, BackupError> {
    let Some(text) = store.sync_setting(&cut_setting(target))? else { return Ok(Vec::new()) };
    let cut: Vec<(String, u64)> = serde_json::from_str(&text).map_err(|_| BackupError::SettingsUnreadable)?;
    cut.into_iter().map(|(node, seq)| Ok((node.parse().map_err(|_| BackupError::SettingsUnreadable)?, seq))).collect()
}

/// The sync setting keeping, per locked target, the earliest day any of its objects is retained
/// to (Unix milliseconds), as this device last set it.
fn retained_setting(target: &Target) -> String {
    format!("backup_retained:{target}")
}

/// Keeps a locked target's objects retained: once half the retention has passed since the
/// earliest retain-until this device set, every object of the company there is retained again
/// for the whole retention from now. Every batch is needed for a restore, so none is left to
/// expire; a checkpoint older than the newest is, for pruning to take once it has.
fn keep_retained(store: &Store, session: &Session, target: &Target, now: u64) -> Result<(), BackupError> {
    let Some((bucket, lock)) = target.bucket()? else { return Ok(()) };
    let retention = u64::from(lock.days) * 86_400_000;
    let setting = retained_setting(target);
    let earliest: Option<u64> = store.sync_setting(&setting)?.and_then(|text| text.parse().ok());
    match earliest {
        // Retained for long enough yet (new objects get the whole retention as written).
        Some(until) if until >= now.saturating_add(retention / 2) => Ok(()),
        Some(_) => {
            let storage = |source| BackupError::Storage { target: target.to_string(), source };
            // A checkpoint older than the newest a restore can start from is left to its
            // retention's end, for pruning to take: a restore starts from the newest, and the
            // log holds the rest. (Told by its signature, not its name: an object planted under
            // a higher name keeps no genuine checkpoint from being retained.)
            let checkpoints = checkpoints_prefix(store.tenant());
            let mut listed = bucket.list(&checkpoints).map_err(storage)?;
            listed.sort_by_key(|object| std::cmp::Reverse(prune::events_of(&object.key)));
            let newest = listed
                .into_iter()
                .find(|object| prune::usable(&bucket, session, store, (&object.key, object.size)))
                .map(|object| object.key);
            let superseded = |key: &str| key.starts_with(&checkpoints) && Some(key) != newest.as_deref();
            // Each key's first version: the one written and locked, whatever was put over it.
            // One that cannot be extended (planted there, locked longer by someone else) keeps
            // none of the others from their extension; it is named once they all had theirs.
            let mut failed = None;
            for prefix in [format!("t/{}/", store.tenant()), "hub/".to_owned(), "seen/".to_owned()] {
                for listed in bucket.list(&prefix).map_err(storage)? {
                    if superseded(&listed.key) || rempart_hub::objects::check_key(&listed.key).is_err() {
                        continue;
                    }
                    if let Err(error) = bucket.extend_retention(&listed.key, Some(&listed.version), lock) {
                        failed.get_or_insert(error);
                    }
                }
            }
            if let Some(error) = failed {
                return Err(storage(error));
            }
            store.set_sync_setting(&setting, &now.saturating_add(retention).to_string())?;
            Ok(())
        }
        None => {
            store.set_sync_setting(&setting, &now.saturating_add(retention).to_string())?;
            Ok(())
        }
    }
}

/// What a restore or a check read from one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub target: String,
    /// Events taken in from it.
    pub events: u64,
    /// The objects of the target found damaged on the way (set apart, not used).
    pub damaged: Vec<String>,
    /// The events of the checkpoint the restore started from, if it started from one.
    pub checkpoint: Option<u64>,
}

/// A company restored from backups: the device made, what was read of each target, the targets
/// that could not be used and why, and the hub recorded to sync with.
pub struct Restored {
    pub store: Store,
    pub session: Session,
    pub read: Vec<Checked>,
    /// Targets refused or out of reach: the restore went on from the others.
    pub refused: Vec<BackupError>,
}

/// One source of a restore, opened: its storage (read as often as needed) and its name.
struct Source {
    objects: Arc<dyn ObjectStore>,
    name: String,
}

impl Source {
    fn storage(&self) -> Box<dyn ObjectStore> {
        Box::new(Shared(Arc::clone(&self.objects)))
    }
}

/// Restores the company into `dir` from its backups with the recovery kit: from the first
/// target that gives it, then whatever the others hold that it lacked (a batch damaged in one is
/// taken from another). A target may be another node's data directory (`node_dir`). A target
/// that cannot be read, or is refused (a shortened list of devices, forged chains), is passed
/// over and named (`Restored::refused`); when none gives the company, the first one's error is
/// returned. What was restored may hold no company (a moment before it was made, a damaged first
/// batch no target made up for): the caller says so (`unfilled`, `NothingBefore`). The targets
/// are read, never written. `hub` is recorded as the company's hub, to sync with once it is
/// back; when none is given, the hub of a node directory read, else the first target's name.
pub fn restore(
    kit: &Kit,
    targets: &[Target],
    (dir, hub): (&Path, Option<&str>),
    options: RestoreOptions,
    env: &mut Env<'_>,
) -> Result<Restored, BackupError> {
    let mut refused = Vec::new();
    let mut node_hub = None;
    // Each source opened once; the one holding the longest list of devices first: the restored
    // device is enrolled at its end, where the others' lists meet it.
    let mut sources: Vec<(usize, Source)> = Vec::with_capacity(targets.len());
    for target in targets {
        let name = target.to_string();
        let opened = match target {
            Target::Folder { path } if node_dir::is_node_dir(path) => {
                node_dir::hand_over(path, kit, dir, env).map(|node| {
                    node_hub.get_or_insert(node.hub);
                    node.objects
                })
            }
            _ => target.open_for_reading().map(Arc::from),
        };
        let objects = match opened {
            Ok(objects) => objects,
            Err(error) => {
                refused.push(named(&name, error));
                continue;
            }
        };
        let entries = objects.list(&format!("t/{}/roster/", kit.tenant)).map_or(0, |listed| listed.len());
        sources.push((entries, Source { objects, name }));
    }
    sources.sort_by_key(|(entries, _)| std::cmp::Reverse(*entries));
    let hub = hub.map(str::to_owned).or(node_hub).or_else(|| sources.first().map(|(_, source)| source.name.clone()));
    let Some(hub) = hub else { return Err(refused.into_iter().next().unwrap_or(BackupError::NoTarget)) };
    let before = entries_of(dir);
    let mut options = Some(options);
    let mut first = None;
    let mut failed = Vec::new();
    for (index, (_, source)) in sources.iter().enumerate() {
        let options = options.take().unwrap_or_default();
        match restore_first(kit, source, (dir, &hub), options, env, &before) {
            Ok(restored) => {
                first = Some((index, restored));
                break;
            }
            Err(error) => {
                clear_made(dir, &before);
                failed.push(named(&source.name, error));
            }
        }
    }
    let Some((index, (mut store, mut session, read))) = first else {
        let mut errors = failed.into_iter().chain(refused);
        return Err(errors.next().unwrap_or(BackupError::NoTarget));
    };
    refused.extend(failed);
    let mut checked = vec![read];
    for (_, source) in &sources[index + 1..] {
        match take_from_storage(&mut store, &mut session, source, env) {
            Ok(read) => checked.push(read),
            Err(error) => refused.push(named(&source.name, error)),
        }
    }
    Ok(Restored { store, session, read: checked, refused })
}

/// An error of a target's restore, named with the target when it does not name one already.
fn named(target: &str, error: BackupError) -> BackupError {
    match error {
        named @ (BackupError::At { .. }
        | BackupError::RosterWithheld { .. }
        | BackupError::ChainsRefused { .. }
        | BackupError::Storage { .. }) => named,
        other => BackupError::At { target: target.to_owned(), source: Box::new(other) },
    }
}

/// The restore from the first source that gives the company: from its newest checkpoint when
/// one fits, else (or when it does not give back what it names) from its log alone.
fn restore_first(
    kit: &Kit,
    source: &Source,
    (dir, hub): (&Path, &str),
    options: RestoreOptions,
    env: &mut Env<'_>,
    before: &Option<std::collections::BTreeSet<std::ffi::OsString>>,
) -> Result<(Store, Session, Checked), BackupError> {
    let until_ms = options.until_ms;
    match restore_from(kit, (source.storage(), source.name.clone()), (dir, hub), options, env) {
        // A checkpoint that does not give back what it names: the restore starts again from the
        // log alone, into the same directory, made empty of what the first attempt made.
        Err(BackupError::CheckpointUnsound { key }) => {
            tracing::warn!(%key, "a checkpoint did not give back what it names: restoring from the log");
            clear_made(dir, before);
            let options = RestoreOptions { progress: None, until_ms, no_checkpoint: true };
            restore_from(kit, (source.storage(), source.name.clone()), (dir, hub), options, env)
        }
        other => other,
    }
}

/// The names in `dir` before a restore made anything there; none if it did not exist.
fn entries_of(dir: &Path) -> Option<std::collections::BTreeSet<std::ffi::OsString>> {
    let entries = std::fs::read_dir(dir).ok()?;
    Some(entries.flatten().map(|entry| entry.file_name()).collect())
}

/// Removes what a restore made in `dir`: the directory itself if it did not exist before,
/// else only the entries it did not hold (whatever else someone kept there stays).
fn clear_made(dir: &Path, before: &Option<std::collections::BTreeSet<std::ffi::OsString>>) {
    let Some(before) = before else {
        let _ = std::fs::remove_dir_all(dir);
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if before.contains(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        let _ = if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

/// The damaged objects none of the targets made up for: each chain's events from the damaged
/// batch on that the restored copy lacks.
pub fn unfilled(store: &Store, checked: &[Checked]) -> Result<Vec<String>, BackupError> {
    let mut out = Vec::new();
    for key in checked.iter().flat_map(|read| &read.damaged) {
        let mut parts = key.split('/').skip(3);
        let (Some(node), Some(first)) = (parts.next(), parts.next()) else { continue };
        let (Ok(node), Ok(first)) = (node.parse::<rempart_log::NodeId>(), first.parse::<u64>()) else { continue };
        let held = store.held(node)?.map_or(0, |head| head.seq.0);
        if held < first && !out.contains(key) {
            out.push(key.clone());
        }
    }
    Ok(out)
}

/// Restores the company into `dir` from one storage, read without being changed.
fn restore_from(
    kit: &Kit,
    (objects, name): (Box<dyn ObjectStore>, String),
    (dir, hub): (&Path, &str),
    options: RestoreOptions,
    env: &mut Env<'_>,
) -> Result<(Store, Session, Checked), BackupError> {
    let overlay = Arc::new(Overlay::new(objects));
    let mut local = LocalHub::new(Arc::clone(&overlay) as Arc<dyn ObjectStore>, name.clone());
    let (mut store, mut session) = Session::restore(kit, hub, dir, &mut local, env)?;
    if let Some(progress) = options.progress {
        session.set_progress(progress);
    }
    session.set_until(options.until_ms);
    // From the newest checkpoint that fits, when there is one: its database adopted and checked
    // (`adopt_checked`); anything amiss and the restore starts again from the log.
    let mut from_checkpoint = None;
    if !options.no_checkpoint
        && let Some((key, header, bytes)) =
            newest_checkpoint((&*overlay, &name), &session, kit.tenant, options.until_ms)?
    {
        let path = dir.join("checkpoint.db");
        let adopted = adopt_checked(store, (&path, &bytes), &header, &session);
        drop(bytes);
        store = adopted.map_err(|_| BackupError::CheckpointUnsound { key: key.clone() })?;
        from_checkpoint = Some((key, header.events));
    }
    let report = session.take_from_backup(&mut store, &mut local, env)?;
    refuse_withheld(&session, &name)?;
    // What follows a checkpoint must continue it: a chain refused or forked after it says the
    // checkpoint was not the company's as the log is.
    if let Some((key, _)) = &from_checkpoint
        && (!report.rejected.is_empty() || !report.forks.is_empty())
    {
        return Err(BackupError::CheckpointUnsound { key: key.clone() });
    }
    refuse_rejected(&report, &name)?;
    let checkpoint = from_checkpoint.map(|(_, events)| events);
    Ok((store, session, Checked { target: name, events: report.pulled_events, damaged: overlay.removed(), checkpoint }))
}

/// Refuses what was read when batches of the company's devices were refused as forged, or
/// forked: a target holding them is not the company's as its devices wrote it.
fn refuse_rejected(report: &rempart_node::SyncReport, target: &str) -> Result<(), BackupError> {
    let count = report.rejected.len() + report.forks.len();
    if count == 0 { Ok(()) } else { Err(BackupError::ChainsRefused { target: target.to_owned(), count }) }
}

/// Refuses what was read when a device's batch names a longer list of devices than the target
/// gave: entries were taken out of it (a revocation hidden, so that a revoked device's later
/// batches would be taken), and nothing read from it can be trusted whole.
fn refuse_withheld(session: &Session, target: &str) -> Result<(), BackupError> {
    match session.roster_watch().held_back(&session.roster) {
        Some(why) => Err(BackupError::RosterWithheld { target: target.to_owned(), why }),
        None => Ok(()),
    }
}

/// How a restore goes: a progress callback (events received, expected), and the moment it
/// restores to (Unix milliseconds; everything when none).
#[derive(Default)]
pub struct RestoreOptions {
    pub progress: Option<Box<dyn FnMut(u64, u64)>>,
    pub until_ms: Option<u64>,
    /// Restore from the log alone, whatever checkpoints the target holds.
    pub no_checkpoint: bool,
}

/// Takes in what `target` holds that this device lacks, reading it without changing it.
pub fn take_from(
    store: &mut Store,
    session: &mut Session,
    target: &Target,
    env: &mut Env<'_>,
) -> Result<Checked, BackupError> {
    let source = Source { objects: Arc::from(target.open_for_reading()?), name: target.to_string() };
    take_from_storage(store, session, &source, env)
}

/// Takes in what `source` holds that this device lacks.
fn take_from_storage(
    store: &mut Store,
    session: &mut Session,
    source: &Source,
    env: &mut Env<'_>,
) -> Result<Checked, BackupError> {
    let overlay = Arc::new(Overlay::new(source.storage()));
    let mut local = LocalHub::new(Arc::clone(&overlay) as Arc<dyn ObjectStore>, source.name.clone());
    let report = session.take_from_backup(store, &mut local, env)?;
    refuse_withheld(session, &source.name)?;
    refuse_rejected(&report, &source.name)?;
    Ok(Checked {
        target: source.name.clone(),
        events: report.pulled_events,
        damaged: overlay.removed(),
        checkpoint: None,
    })
}

/// Checks a target as a restore would use it, on an administrator's device (whose recovery
/// secret makes the kit): the company restored from it into a scratch directory as `rempart
/// restore` would (from its newest checkpoint, timed), then from its log alone, every batch
/// checked on the way (what a restore falls back to, and what a restore to an earlier moment
/// reads); the two must give the same books. The objects found damaged are named, and the log
/// copy's own check (`verify`) is returned with the events it holds.
pub fn check(store: &Store, session: &Session, target: &Target, env: &mut Env<'_>) -> Result<Check, BackupError> {
    let expected = backed_up(store, target)?;
    check_storage(store, session, (&|| target.open_for_reading(), target.to_string()), &expected, env)
}

/// Opens a storage to read, as often as a check needs.
type Opener<'a> = &'a dyn Fn() -> Result<Box<dyn ObjectStore>, BackupError>;

/// Checks one storage as `check` does a target's: `expected`, each chain's last sequence it
/// must give back.
fn check_storage(
    store: &Store,
    session: &Session,
    (open, name): (Opener<'_>, String),
    expected: &[(rempart_log::NodeId, u64)],
    env: &mut Env<'_>,
) -> Result<Check, BackupError> {
    let kit = session.kit(store)?;
    // A directory of its own, named at random and readable by this user alone, removed after.
    let scratch = tempfile::Builder::new().prefix("rempart-check-").tempdir().map_err(BackupError::Scratch)?;
    let behind = |error| match error {
        // The kit names this device's roster: a target backed up before its last change holds
        // less of it.
        BackupError::Node(NodeError::ForgedRoster(rempart_node::Forgery::ShorterThanNamed { .. })) => {
            BackupError::Behind { target: name.clone() }
        }
        other => other,
    };
    // As a restore makes it: from the newest checkpoint, when one fits.
    let started = std::time::Instant::now();
    let quick = restore_from(
        &kit,
        (open()?, name.clone()),
        (&scratch.path().join("quick"), &name),
        RestoreOptions::default(),
        env,
    );
    let millis = started.elapsed().as_millis() as u64;
    let (quick, mut checkpoint) = match quick.map_err(behind) {
        Ok(restored) => {
            let events = restored.2.checkpoint;
            (Some(restored), events.map(|events| CheckpointCheck::Agrees { events }))
        }
        Err(BackupError::CheckpointUnsound { key }) => (None, Some(CheckpointCheck::Unsound { key })),
        Err(error) => return Err(error),
    };
    // From the log alone, every batch read: the same store when no checkpoint was used.
    let (restored, restored_session, read, millis) = match quick {
        Some((restored, restored_session, read)) if read.checkpoint.is_none() => {
            (restored, restored_session, read, millis)
        }
        quick => {
            let started = std::time::Instant::now();
            let options = RestoreOptions { no_checkpoint: true, ..RestoreOptions::default() };
            let (restored, restored_session, read) =
                restore_from(&kit, (open()?, name.clone()), (&scratch.path().join("log"), &name), options, env)
                    .map_err(behind)?;
            let log_millis = started.elapsed().as_millis() as u64;
            if let (Some((quick, _, _)), Some(CheckpointCheck::Agrees { events })) = (&quick, &checkpoint)
                && quick.state_hash()? != restored.state_hash()?
            {
                checkpoint = Some(CheckpointCheck::Differs { events: *events });
            }
            // A restore falls back to the log when the checkpoint is unsound: that is its time.
            let millis = if quick.is_some() { millis } else { log_millis };
            (restored, restored_session, read, millis)
        }
    };
    // Checkpoints that are none of the company's as their name says: damage, named with the rest.
    let mut read = read;
    let damaged = prune::damaged_checkpoints(&*open()?, &restored_session, kit.tenant)
        .map_err(|source| BackupError::Storage { target: name.clone(), source })?;
    read.damaged.extend(damaged);
    let verified = restored.verify()?.is_ok();
    let mut missing = Vec::new();
    for (node, seq) in expected {
        let held = restored.held(*node)?.map_or(0, |head| head.seq.0);
        if held < *seq {
            missing.push((*node, *seq, held));
        }
    }
    // What the batches read name as seen, that the target did not give back (taken out of it).
    for lack in restored_session.lacking(&restored)? {
        if !missing.iter().any(|(node, _, _)| *node == lack.node) {
            missing.push((lack.node, lack.seen.0, lack.served.0));
        }
    }
    Ok(Check {
        read,
        events: restored.event_count()?,
        verified,
        missing,
        state_hash: restored.state_hash()?.to_hex(),
        millis,
        checkpoint,
    })
}

/// A target checked: what was read of it, the events the copy restored from it holds, whether
/// that copy verifies, and its state hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub read: Checked,
    pub events: u64,
    pub verified: bool,
    /// Chains the copy gives back short of what was backed up there, or of what its batches
    /// name as seen: node, the last sequence expected, the last one restored.
    pub missing: Vec<(rempart_log::NodeId, u64, u64)>,
    pub state_hash: String,
    /// How long a restore from it takes (from its newest checkpoint when one fits), with the
    /// verification of what it restored.
    pub millis: u64,
    /// Its newest checkpoint a restore starts from, checked against the log; none when it has
    /// none that fits.
    pub checkpoint: Option<CheckpointCheck>,
}

/// What the newest checkpoint of a target gave, against its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointCheck {
    /// The same books as the log: `events` events.
    Agrees { events: u64 },
    /// Adopted and checked, but not the books the log gives.
    Differs { events: u64 },
    /// Not giving back what its header names: a restore goes on from the log.
    Unsound { key: String },
}

impl Check {
    /// Restored, verified, nothing damaged, nothing short of what was backed up, and its
    /// checkpoint (if any) giving the log's books.
    pub fn sound(&self) -> bool {
        self.verified
            && self.read.damaged.is_empty()
            && self.missing.is_empty()
            && matches!(self.checkpoint, None | Some(CheckpointCheck::Agrees { .. }))
    }
}

/// Which drill was run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrillKind {
    /// The node lost: the company restored from its latest backup.
    Ransom,
    /// The hub lost: an empty hub refilled from this node, the company restored from it.
    Hub,
}

/// A drill's outcome, as it is kept and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drill {
    pub kind: DrillKind,
    /// When it ended (Unix milliseconds).
    pub at_ms: u64,
    /// The measured recovery: the restore into a scratch directory and its verification.
    pub millis: u64,
    pub events: u64,
    /// The restored copy verifies and its state hash is the live node's at the same cut.
    pub identical: bool,
    /// What it restored from.
    pub from: String,
    /// The hub drill: events the company's hub held at this device's last sync that this device
    /// could not give back to it (other devices' it lacks): a wiped hub gets those from them.
    #[serde(default)]
    pub not_refilled: u64,
}

/// The sync setting keeping a drill's outcome.
fn drill_setting(kind: DrillKind) -> &'static str {
    match kind {
        DrillKind::Ransom => "drill_ransom",
        DrillKind::Hub => "drill_hub",
    }
}

/// The last drill of a kind run on this device.
pub fn last_drill(store: &Store, kind: DrillKind) -> Result<Option<Drill>, BackupError> {
    match store.sync_setting(drill_setting(kind))? {
        Some(text) => serde_json::from_str(&text).map(Some).map_err(|_| BackupError::SettingsUnreadable),
        None => Ok(None),
    }
}

fn keep_drill(store: &Store, drill: &Drill) -> Result<(), BackupError> {
    let text = serde_json::to_string(drill).map_err(|_| BackupError::SettingsUnreadable)?;
    store.set_sync_setting(drill_setting(drill.kind), &text)?;
    Ok(())
}

/// The ransomware drill: a backup to the first target now (so that its cut is the live node's),
/// then the company restored from that target alone into a scratch directory, verified, and its
/// state hash compared with the live node's; the outcome kept for `status` and the dashboard.
pub fn drill_ransom(store: &mut Store, session: &mut Session, env: &mut Env<'_>) -> Result<Drill, BackupError> {
    let held = targets(store)?;
    let target = held.first().ok_or(BackupError::NoTarget)?;
    run(store, session, target, env)?;
    let live = store.state_hash()?.to_hex();
    let check = check(store, session, target, env)?;
    let drill = Drill {
        kind: DrillKind::Ransom,
        at_ms: rempart_node::system_now_ms(),
        millis: check.millis,
        events: check.events,
        identical: check.sound() && check.state_hash == live,
        from: target.to_string(),
        not_refilled: 0,
    };
    keep_drill(store, &drill)?;
    Ok(drill)
}

/// The hub drill: a hub whose storage was wiped (an empty one, in memory) refilled from this
/// node alone, as `sync` refills a wiped hub (the roster, the key wraps, every batch it keeps),
/// then the company restored from that hub alone into a scratch directory, verified and
/// compared; the outcome kept.
pub fn drill_hub(store: &mut Store, session: &mut Session, env: &mut Env<'_>) -> Result<Drill, BackupError> {
    let wiped: Arc<dyn ObjectStore> = Arc::new(rempart_hub::MemStore::default());
    let mut hub = LocalHub::new(Arc::clone(&wiped), "a wiped hub".to_owned());
    session.back_up(store, &mut hub, env)?;
    let live = store.state_hash()?.to_hex();
    let expected: Vec<(rempart_log::NodeId, u64)> =
        store.version_vector()?.0.iter().map(|(node, head)| (*node, head.seq.0)).collect();
    let open = || -> Result<Box<dyn ObjectStore>, BackupError> { Ok(Box::new(Shared(Arc::clone(&wiped)))) };
    let check = check_storage(store, session, (&open, "a wiped hub".to_owned()), &expected, env)?;
    // What the company's hub held at the last sync, against what this device gave back.
    let hub_held: rempart_sync::VersionVector =
        store.sync_setting("hub_heads")?.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default();
    let refilled = store.version_vector()?;
    let not_refilled =
        hub_held.0.iter().map(|(node, head)| head.seq.0.saturating_sub(refilled.seq(*node).0)).sum::<u64>();
    let drill = Drill {
        kind: DrillKind::Hub,
        at_ms: rempart_node::system_now_ms(),
        millis: check.millis,
        events: check.events,
        identical: check.sound() && check.state_hash == live,
        from: check.read.target.clone(),
        not_refilled,
    };
    keep_drill(store, &drill)?;
    Ok(drill)
}

/// How often `sync --watch` and `serve` back up by themselves: what is new is written at the
/// latest this long after it was committed, while the hub also holds it meanwhile.
pub const BACKUP_EVERY_MS: u64 = 15 * 60 * 1000;

/// Backs up to every target if the last backup is `every_ms` old or more (or none was made):
/// what `sync --watch` and `serve` do by themselves. Each target's outcome apart, so that one out
/// of reach does not keep the others from their backup; nothing when none is due.
pub fn run_due(
    store: &mut Store,
    session: &mut Session,
    every_ms: u64,
    env: &mut Env<'_>,
) -> Result<Vec<Result<Written, BackupError>>, BackupError> {
    let held = targets(store)?;
    let due = last_backup(store)?.is_none_or(|last| rempart_node::system_now_ms().saturating_sub(last) >= every_ms);
    if held.is_empty() || !due {
        return Ok(Vec::new());
    }
    Ok(held.iter().map(|target| run(store, session, target, env)).collect())
}

/// When this device last backed up to all its targets (Unix milliseconds): the oldest of each
/// target's last backup, so that a target left behind shows; none until each has one.
pub fn last_backup(store: &Store) -> Result<Option<u64>, BackupError> {
    let mut oldest: Option<u64> = None;
    for target in targets(store)? {
        let last: Option<u64> = store.sync_setting(&last_setting(&target))?.and_then(|text| text.parse().ok());
        match last {
            Some(last) => oldest = Some(oldest.map_or(last, |held| held.min(last))),
            None => return Ok(None),
        }
    }
    Ok(oldest)
}

//! Object storage for the hub: keys to immutable blobs, written create-only, so that two hub
//! processes racing on the same key cannot both win. A local directory is the default; an
//! S3-compatible bucket serves many hub processes at once.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("storage key \"{0}\" is not valid")]
    BadKey(String),
    #[error("storage error on {key}: {source}")]
    Io { key: String, source: std::io::Error },
    #[error("the stored object {key} holds {bytes} bytes, more than any object of ours")]
    TooLarge { key: String, bytes: u64 },
    #[error("\"{store}\" is not s3://BUCKET")]
    NotS3 { store: String },
    #[error("{name} is not set")]
    Unset { name: &'static str },
    #[error("the S3 endpoint {endpoint} cannot be read: {source}")]
    Endpoint { endpoint: String, source: url::ParseError },
    #[error("the bucket {bucket} cannot be used: {source}")]
    Bucket { bucket: String, source: rusty_s3::BucketError },
    #[error("{step:?} {key}: S3 cannot be reached: {source}")]
    Unreachable { step: S3Step, key: String, source: Box<ureq::Error> },
    #[error("{step:?} {key}: S3 answered {status}")]
    Status { step: S3Step, key: String, status: u16 },
    #[error("{step:?} {key}: S3's answer cannot be read")]
    Unreadable { step: S3Step, key: String },
    #[error("no random bytes for a temporary file's name: {0}")]
    Random(getrandom::Error),
}

/// What was asked of an S3 store when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S3Step {
    List,
    ListVersions,
    ReadLock,
    Read,
    Write,
    ExtendRetention,
    Remove,
    CreateBucket,
}

/// The most bytes an object of a backup target (a folder, a bucket) may hold to be read: more
/// than the largest checkpoint of a company (the whole database), far less than a file planted
/// to exhaust memory.
pub const OBJECT_BYTES_MAX: u64 = 8 << 30;

/// What a create-only write found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    Created,
    /// The key already held an object: nothing was written.
    Exists,
}

/// An object as listed: its key, its size, and a version that changes whenever the object is
/// written or replaced (an S3 ETag; a file's inode and change time; a counter in memory), so
/// that what was read of it can be kept until it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub size: u64,
    pub version: String,
}

pub trait ObjectStore: Send + Sync {
    /// Writes `bytes` under `key` durably unless the key exists.
    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<Put, ObjectError>;
    /// Writes `bytes` under `key` durably, replacing what was there.
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), ObjectError>;
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError>;
    /// The first `len` bytes of an object (fewer if it is shorter).
    fn get_prefix(&self, key: &str, len: usize) -> Result<Option<Vec<u8>>, ObjectError>;
    /// Every object under `prefix` (which ends with `/`), in byte order of the keys.
    fn list(&self, prefix: &str) -> Result<Vec<Listed>, ObjectError>;
    /// Removes an object (a damaged one, once set apart); absent is not an error.
    fn remove(&self, key: &str) -> Result<(), ObjectError>;
}

/// Keys are `/`-separated segments of ASCII letters, digits, `.`, `_` and `-`, none empty or
/// starting with a dot, so a key can never leave its namespace or the store's directory.
pub fn check_key(key: &str) -> Result<(), ObjectError> {
    let valid = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|segment| {
            !segment.is_empty()
                && !segment.starts_with('.')
                && segment.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        });
    if valid { Ok(()) } else { Err(ObjectError::BadKey(key.to_owned())) }
}

/// A local directory: one file per object, written to a temporary file, fsynced, then linked
/// into place (a hard link fails if the name exists, which makes the write create-only even
/// between processes), and the directory fsynced.
pub struct DirStore {
    root: PathBuf,
    /// Each object's file made read-only as it is written (a backup's folder).
    read_only: bool,
}

impl DirStore {
    pub fn open(root: &Path) -> Result<DirStore, ObjectError> {
        let io = |source| ObjectError::Io { key: root.display().to_string(), source };
        fs::create_dir_all(root.join(".tmp")).map_err(io)?;
        Ok(DirStore { root: root.to_owned(), read_only: false })
    }

    /// As `open`, each object's file made read-only (mode 0444) before it is linked into place:
    /// what a backup wrote is not changed by a program that respects permissions.
    pub fn open_read_only_files(root: &Path) -> Result<DirStore, ObjectError> {
        Ok(DirStore { read_only: true, ..DirStore::open(root)? })
    }

    /// A directory that exists, to read: nothing is created in it (a read-only medium, a
    /// mistyped path refused rather than made).
    pub fn open_existing(root: &Path) -> Result<DirStore, ObjectError> {
        let metadata =
            fs::symlink_metadata(root).map_err(|source| ObjectError::Io { key: root.display().to_string(), source })?;
        if !metadata.is_dir() {
            return Err(ObjectError::Io {
                key: root.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            });
        }
        Ok(DirStore { root: root.to_owned(), read_only: true })
    }

    /// The file of `key`, refused if a directory on the way to it within the store is a
    /// symbolic link: what someone planted there cannot lead reads or writes out of the store.
    fn path(&self, key: &str) -> Result<PathBuf, ObjectError> {
        check_key(key)?;
        let mut path = self.root.clone();
        let segments: Vec<&str> = key.split('/').collect();
        for (index, segment) in segments.iter().enumerate() {
            path.push(segment);
            let linked = fs::symlink_metadata(&path).is_ok_and(|metadata| metadata.file_type().is_symlink());
            if linked {
                return Err(ObjectError::Io {
                    key: segments[..=index].join("/"),
                    source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "a symbolic link in the store"),
                });
            }
        }
        Ok(path)
    }

    /// An object's bytes, whole or its first `len`: opened without following a symbolic link
    /// and without waiting on a pipe, and read only if what was opened is a regular file of at
    /// most `OBJECT_BYTES_MAX` bytes (what someone swapped in after the listing is judged
    /// as opened). Anything else is no object.
    fn read(&self, key: &str, len: Option<usize>) -> Result<Option<Vec<u8>>, ObjectError> {
        let path = self.path(key)?;
        let io = |source| ObjectError::Io { key: key.to_owned(), source };
        let Some((file, size)) = open_regular(&path).map_err(io)? else { return Ok(None) };
        let wanted = len.map_or(size, |len| size.min(len as u64));
        if wanted > read_limit(key) {
            return Err(ObjectError::TooLarge { key: key.to_owned(), bytes: size });
        }
        // Grown as it is read: a length given by a file swapped in meanwhile reserves nothing.
        let mut bytes = Vec::with_capacity(wanted.min(1 << 20) as usize);
        file.take(wanted).read_to_end(&mut bytes).map_err(io)?;
        Ok(Some(bytes))
    }

    fn temporary(&self, key: &str, bytes: &[u8]) -> Result<(PathBuf, fs::File), ObjectError> {
        let io = |source| ObjectError::Io { key: key.to_owned(), source };
        let mut name = [0u8; 12];
        getrandom::fill(&mut name).map_err(ObjectError::Random)?;
        let temporary = self.root.join(".tmp").join(hex::encode(name));
        let mut file = fs::File::create_new(&temporary).map_err(io)?;
        let written = file.write_all(bytes).and_then(|()| file.sync_all()).and_then(|()| {
            if self.read_only {
                let mut permissions = file.metadata()?.permissions();
                permissions.set_readonly(true);
                file.set_permissions(permissions)?;
            }
            Ok(())
        });
        // A write cut short (a full disk) leaves nothing behind.
        if let Err(source) = written {
            let _ = fs::remove_file(&temporary);
            return Err(io(source));
        }
        Ok((temporary, file))
    }
}

/// Whether an open failed on a symbolic link refused (`O_NOFOLLOW`'s `ELOOP`).
fn is_link_refused(error: &std::io::Error) -> bool {
    #[cfg(unix)]
    return error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error());
    #[cfg(not(unix))]
    return false;
}

/// Opens `path` to read if it is a regular file, without following a symbolic link (`ELOOP`,
/// no file) and without waiting on a pipe, and says its length; anything else is no file. What
/// the handle reads is what was judged: a file swapped in after this cannot be read through it.
pub fn open_regular(path: &Path) -> std::io::Result<Option<(fs::File, u64)>> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
        options.custom_flags(flags.bits() as i32);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound || is_link_refused(&error) => return Ok(None),
        Err(error) => return Err(error),
    };
    let metadata = file.metadata()?;
    Ok(metadata.is_file().then_some((file, metadata.len())))
}

/// The most bytes an object may hold to be read from a backup target: a checkpoint's
/// (`t/<tenant>/checkpoints/...`, the whole database) up to `OBJECT_BYTES_MAX`, any other (a
/// batch, a roster entry, a key wrap) up to 64 MiB, so that what is planted under their names
/// cannot exhaust memory.
pub fn read_limit(key: &str) -> u64 {
    if key.split('/').nth(2) == Some("checkpoints") { OBJECT_BYTES_MAX } else { 64 << 20 }
}

/// Makes the file open on `file` immutable where the file system has the attribute and this
/// process may set it (Linux, with `CAP_LINUX_IMMUTABLE`, as root has): nobody, root included,
/// then changes or removes it without clearing the attribute first. Set through the handle of
/// the file written, never a path (a link swapped in cannot turn it onto another file).
/// Elsewhere (another system, a network mount, a user without the capability) the file stays as
/// it was made, read-only.
fn make_immutable(file: &fs::File, key: &str) {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{IFlags, ioctl_getflags, ioctl_setflags};
        let set = ioctl_getflags(file).and_then(|flags| ioctl_setflags(file, flags | IFlags::IMMUTABLE));
        if let Err(error) = set {
            tracing::debug!(key, %error, "left read-only: the immutable attribute cannot be set here");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, key);
}

/// Clears the immutable attribute of a file of a backup folder (`make_immutable`), so that it can
/// be removed: pruning an old checkpoint, or a test done with its folder. The file is opened as
/// `open_regular` does (no link followed, no pipe waited on). Nothing happens where the attribute
/// is not set or cannot be cleared (removing the file then says why).
pub fn release(path: &Path) {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{IFlags, ioctl_getflags, ioctl_setflags};
        if let Ok(Some((file, _))) = open_regular(path)
            && let Ok(flags) = ioctl_getflags(&file)
            && flags.contains(IFlags::IMMUTABLE)
        {
            let _ = ioctl_setflags(&file, flags - IFlags::IMMUTABLE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = path;
}

/// Clears the immutable attribute of every file under `root` (no symbolic link followed): a
/// backup folder made removable again as a whole.
pub fn release_tree(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => release_tree(&entry.path()),
            Ok(kind) if kind.is_file() => release(&entry.path()),
            _ => {}
        }
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

impl ObjectStore for DirStore {
    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<Put, ObjectError> {
        let path = self.path(key)?;
        let io = |source| ObjectError::Io { key: key.to_owned(), source };
        let parent = path.parent().unwrap_or(&self.root).to_owned();
        fs::create_dir_all(&parent).map_err(io)?;
        let (temporary, file) = self.temporary(key, bytes)?;
        let linked = fs::hard_link(&temporary, &path);
        let _ = fs::remove_file(&temporary);
        match linked {
            Ok(()) => {
                if self.read_only {
                    make_immutable(&file, key);
                }
                sync_dir(&parent).map_err(io)?;
                Ok(Put::Created)
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(Put::Exists),
            Err(error) => Err(io(error)),
        }
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), ObjectError> {
        let path = self.path(key)?;
        let io = |source| ObjectError::Io { key: key.to_owned(), source };
        let parent = path.parent().unwrap_or(&self.root).to_owned();
        fs::create_dir_all(&parent).map_err(io)?;
        let (temporary, _) = self.temporary(key, bytes)?;
        fs::rename(&temporary, &path).map_err(io)?;
        sync_dir(&parent).map_err(io)
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        self.read(key, None)
    }

    fn get_prefix(&self, key: &str, len: usize) -> Result<Option<Vec<u8>>, ObjectError> {
        self.read(key, Some(len))
    }

    fn list(&self, prefix: &str) -> Result<Vec<Listed>, ObjectError> {
        use std::os::unix::fs::MetadataExt;
        let dir_key = prefix.trim_end_matches('/');
        let dir = self.path(dir_key)?;
        let mut out = Vec::new();
        let mut pending = vec![(dir, dir_key.to_owned())];
        while let Some((dir, key)) = pending.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(ObjectError::Io { key, source }),
            };
            for entry in entries {
                let entry = entry.map_err(|source| ObjectError::Io { key: key.clone(), source })?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let child = format!("{key}/{name}");
                let meta = entry.metadata().map_err(|source| ObjectError::Io { key: child.clone(), source })?;
                // A symbolic link, a pipe or a device is nothing the store wrote: not followed, not
                // listed.
                if !meta.is_dir() && !meta.is_file() {
                    continue;
                }
                if meta.is_dir() {
                    pending.push((entry.path(), child));
                } else {
                    // The change time moves with any write to the file, and no tool sets it
                    // back; a file replaced is a new inode.
                    let version = format!("{}-{}.{}", meta.ino(), meta.ctime(), meta.ctime_nsec());
                    out.push(Listed { key: child, size: meta.len(), version });
                }
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    fn remove(&self, key: &str) -> Result<(), ObjectError> {
        match fs::remove_file(self.path(key)?) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(ObjectError::Io { key: key.to_owned(), source }),
        }
    }
}

/// Objects in memory, for the deterministic simulation (where storage faults are injected
/// around it) and for tests.
#[derive(Default)]
pub struct MemStore {
    objects: Mutex<MemObjects>,
}

/// Each object with the number of the write that made it.
#[derive(Default)]
struct MemObjects {
    objects: BTreeMap<String, (Vec<u8>, u64)>,
    writes: u64,
}

impl MemObjects {
    fn insert(&mut self, key: String, bytes: Vec<u8>) {
        self.writes += 1;
        self.objects.insert(key, (bytes, self.writes));
    }
}

impl MemStore {
    fn objects(&self) -> std::sync::MutexGuard<'_, MemObjects> {
        self.objects.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every object, for snapshots (a hub restored from an old copy) and for tampering tests.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        self.objects().objects.iter().map(|(key, (bytes, _))| (key.clone(), bytes.clone())).collect()
    }

    /// Puts every object back as given, each as a new write.
    pub fn restore(&self, objects: BTreeMap<String, Vec<u8>>) {
        let mut held = self.objects();
        held.objects.clear();
        for (key, bytes) in objects {
            held.insert(key, bytes);
        }
    }
}

impl ObjectStore for MemStore {
    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<Put, ObjectError> {
        check_key(key)?;
        let mut objects = self.objects();
        if objects.objects.contains_key(key) {
            return Ok(Put::Exists);
        }
        objects.insert(key.to_owned(), bytes.to_vec());
        Ok(Put::Created)
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), ObjectError> {
        check_key(key)?;
        self.objects().insert(key.to_owned(), bytes.to_vec());
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        check_key(key)?;
        Ok(self.objects().objects.get(key).map(|(bytes, _)| bytes.clone()))
    }

    fn get_prefix(&self, key: &str, len: usize) -> Result<Option<Vec<u8>>, ObjectError> {
        Ok(self.get(key)?.map(|mut bytes| {
            bytes.truncate(len);
            bytes
        }))
    }

    fn list(&self, prefix: &str) -> Result<Vec<Listed>, ObjectError> {
        Ok(self
            .objects()
            .objects
            .range(prefix.to_owned()..)
            .take_while(|(key, _)| key.starts_with(prefix))
            .map(|(key, (bytes, write))| Listed {
                key: key.clone(),
                size: bytes.len() as u64,
                version: write.to_string(),
            })
            .collect())
    }

    fn remove(&self, key: &str) -> Result<(), ObjectError> {
        check_key(key)?;
        self.objects().objects.remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(store: &dyn ObjectStore) {
        assert_eq!(store.put_new("t/ab/b/n1/001", b"one").unwrap(), Put::Created);
        assert_eq!(store.put_new("t/ab/b/n1/001", b"two").unwrap(), Put::Exists);
        assert_eq!(store.get("t/ab/b/n1/001").unwrap().as_deref(), Some(&b"one"[..]));
        assert_eq!(store.get_prefix("t/ab/b/n1/001", 2).unwrap().as_deref(), Some(&b"on"[..]));
        store.put_new("t/ab/b/n2/001", b"x").unwrap();
        store.put_new("t/ab/roster/1", b"r").unwrap();
        store.put_new("t/cd/roster/1", b"other tenant").unwrap();
        let version = |key: &str| store.list("t/ab/").unwrap().into_iter().find(|o| o.key == key).unwrap().version;
        store.put("t/ab/recovery", b"v1").unwrap();
        let first = version("t/ab/recovery");
        store.put("t/ab/recovery", b"v2").unwrap();
        assert_eq!(store.get("t/ab/recovery").unwrap().as_deref(), Some(&b"v2"[..]));
        assert_ne!(version("t/ab/recovery"), first, "a write gives the object a new version");
        let held = version("t/ab/b/n1/001");
        assert_eq!(store.put_new("t/ab/b/n1/001", b"three").unwrap(), Put::Exists);
        assert_eq!(version("t/ab/b/n1/001"), held, "a refused write changes nothing");
        let keys: Vec<String> = store.list("t/ab/").unwrap().into_iter().map(|o| o.key).collect();
        assert_eq!(keys, ["t/ab/b/n1/001", "t/ab/b/n2/001", "t/ab/recovery", "t/ab/roster/1"]);
        let listed = store.list("t/ab/b/n1/").unwrap();
        assert_eq!((listed.len(), listed[0].key.as_str(), listed[0].size), (1, "t/ab/b/n1/001", 3));
        assert!(store.list("t/zz/").unwrap().is_empty());
        assert!(store.get("t/ab/missing").unwrap().is_none());
        for bad in ["../etc/passwd", "t/ab/../cd", "t//x", "t/.tmp/x", "t/a b", ""] {
            assert!(store.put_new(bad, b"x").is_err(), "{bad}");
        }
    }

    #[test]
    fn a_directory_store_writes_create_only_and_lists_by_prefix() {
        let temp = tempfile::tempdir().unwrap();
        let store = DirStore::open(temp.path()).unwrap();
        exercise(&store);
        assert!(fs::read_dir(temp.path().join(".tmp")).unwrap().next().is_none(), "no temporary file left");
    }

    #[test]
    fn the_memory_store_behaves_alike() {
        exercise(&MemStore::default());
    }
}

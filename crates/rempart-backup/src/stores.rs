//! The object stores a backup is written through and read back through: `AppendOnly` refuses
//! every overwrite and removal, so nothing a backup wrote can be changed by the node that wrote
//! it; `Overlay` reads a target and keeps whatever is written or removed in memory, so that a
//! restore or a check never changes the target it reads.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rempart_hub::{Listed, MemStore, ObjectError, ObjectStore, Put};

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A target written create-only: what it holds is never replaced nor removed through it. Counts
/// the objects and bytes it created.
pub struct AppendOnly {
    inner: Box<dyn ObjectStore>,
    created: AtomicU64,
    bytes: AtomicU64,
}

impl AppendOnly {
    pub fn new(inner: Box<dyn ObjectStore>) -> AppendOnly {
        AppendOnly { inner, created: AtomicU64::new(0), bytes: AtomicU64::new(0) }
    }

    /// The objects and bytes written through it.
    pub fn written(&self) -> (u64, u64) {
        (self.created.load(Ordering::Relaxed), self.bytes.load(Ordering::Relaxed))
    }
}

/// Why an append-only target refused: the key it would have changed.
fn refused(key: &str) -> ObjectError {
    ObjectError::Io {
        key: key.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, "a backup is never changed"),
    }
}

impl ObjectStore for AppendOnly {
    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<Put, ObjectError> {
        let put = self.inner.put_new(key, bytes)?;
        if put == Put::Created {
            self.created.fetch_add(1, Ordering::Relaxed);
            self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        Ok(put)
    }

    fn put(&self, key: &str, _bytes: &[u8]) -> Result<(), ObjectError> {
        Err(refused(key))
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        self.inner.get(key)
    }

    fn get_prefix(&self, key: &str, len: usize) -> Result<Option<Vec<u8>>, ObjectError> {
        self.inner.get_prefix(key, len)
    }

    fn list(&self, prefix: &str) -> Result<Vec<Listed>, ObjectError> {
        self.inner.list(prefix)
    }

    /// Refused, but for a used invitation, which the hub removes once it has enrolled its device:
    /// a backup keeps it (sealed, and of no use once used), and the backup goes on.
    fn remove(&self, key: &str) -> Result<(), ObjectError> {
        if is_invitation(key) { Ok(()) } else { Err(refused(key)) }
    }
}

/// Whether a key is an invitation's (`t/<tenant>/invites/<id>`).
fn is_invitation(key: &str) -> bool {
    key.split('/').nth(2) == Some("invites")
}

/// Whether a key is a batch's (`t/<tenant>/b/<node>/<first>`).
pub(crate) fn is_batch(key: &str) -> bool {
    key.split('/').nth(2) == Some("b")
}

/// A store shared with whoever else holds it (a hub in memory that a drill fills, then reads).
pub struct Shared(pub std::sync::Arc<dyn ObjectStore>);

impl ObjectStore for Shared {
    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<Put, ObjectError> {
        self.0.put_new(key, bytes)
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), ObjectError> {
        self.0.put(key, bytes)
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        self.0.get(key)
    }

    fn get_prefix(&self, key: &str, len: usize) -> Result<Option<Vec<u8>>, ObjectError> {
        self.0.get_prefix(key, len)
    }

    fn list(&self, prefix: &str) -> Result<Vec<Listed>, ObjectError> {
        self.0.list(prefix)
    }

    fn remove(&self, key: &str) -> Result<(), ObjectError> {
        self.0.remove(key)
    }
}

/// A target read as it is, with what is written or removed kept in memory above it: a hub over
/// it may set a damaged object apart or enrol a device, and the target stays untouched.
pub struct Overlay {
    base: Box<dyn ObjectStore>,
    top: MemStore,
    /// Keys removed above the target (a damaged object set apart), in order.
    removed: Mutex<BTreeSet<String>>,
}

impl Overlay {
    pub fn new(base: Box<dyn ObjectStore>) -> Overlay {
        Overlay { base, top: MemStore::default(), removed: Mutex::default() }
    }

    /// The batches of the target removed above it: those a hub found damaged and set apart (an
    /// invitation removed once used is no damage).
    pub fn removed(&self) -> Vec<String> {
        lock(&self.removed).iter().filter(|key| is_batch(key)).cloned().collect()
    }

    fn hidden(&self, key: &str) -> bool {
        lock(&self.removed).contains(key)
    }
}

impl ObjectStore for Overlay {
    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<Put, ObjectError> {
        if !self.hidden(key) && self.base.get_prefix(key, 0)?.is_some() {
            return Ok(Put::Exists);
        }
        let put = self.top.put_new(key, bytes)?;
        lock(&self.removed).remove(key);
        Ok(put)
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), ObjectError> {
        self.top.put(key, bytes)?;
        lock(&self.removed).remove(key);
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        match self.top.get(key)? {
            Some(bytes) => Ok(Some(bytes)),
            None if self.hidden(key) => Ok(None),
            None => self.base.get(key),
        }
    }

    fn get_prefix(&self, key: &str, len: usize) -> Result<Option<Vec<u8>>, ObjectError> {
        match self.top.get_prefix(key, len)? {
            Some(bytes) => Ok(Some(bytes)),
            None if self.hidden(key) => Ok(None),
            None => self.base.get_prefix(key, len),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<Listed>, ObjectError> {
        let above = self.top.list(prefix)?;
        let removed = lock(&self.removed).clone();
        let mut all: Vec<Listed> = self
            .base
            .list(prefix)?
            .into_iter()
            .filter(|listed| !removed.contains(&listed.key) && !above.iter().any(|top| top.key == listed.key))
            .collect();
        all.extend(above);
        all.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(all)
    }

    fn remove(&self, key: &str) -> Result<(), ObjectError> {
        self.top.remove(key)?;
        lock(&self.removed).insert(key.to_owned());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Through an append-only store nothing written is replaced or removed, and a second write of
    /// a key finds it there; what it wrote is counted.
    #[test]
    fn an_append_only_store_never_changes_what_it_holds() {
        let store = AppendOnly::new(Box::new(MemStore::default()));
        assert_eq!(store.put_new("a/1", b"first").unwrap(), Put::Created);
        assert_eq!(store.put_new("a/1", b"second").unwrap(), Put::Exists);
        assert!(store.put("a/1", b"third").is_err());
        assert!(store.remove("a/1").is_err());
        assert_eq!(store.get("a/1").unwrap().as_deref(), Some(&b"first"[..]));
        assert_eq!(store.written(), (1, 5));
        // A used invitation's removal is let through as done: the backup keeps it.
        store.put_new("t/x/invites/abc", b"sealed").unwrap();
        store.remove("t/x/invites/abc").unwrap();
        assert!(store.get("t/x/invites/abc").unwrap().is_some());
    }

    /// Above a target, writes and removals stay in memory: the target is untouched, and what
    /// was removed above it is named.
    #[test]
    fn an_overlay_leaves_its_target_as_it_was() {
        let base = MemStore::default();
        base.put_new("t/x/b/1", b"one").unwrap();
        base.put_new("t/x/b/2", b"two").unwrap();
        base.put_new("t/x/invites/i", b"sealed").unwrap();
        let target: Box<dyn ObjectStore> = Box::new(base);
        let overlay = Overlay::new(target);
        assert_eq!(overlay.put_new("t/x/b/1", b"other").unwrap(), Put::Exists);
        assert_eq!(overlay.put_new("t/x/b/3", b"three").unwrap(), Put::Created);
        overlay.remove("t/x/b/2").unwrap();
        overlay.remove("t/x/invites/i").unwrap();
        let keys: Vec<String> = overlay.list("t/x/b/").unwrap().into_iter().map(|listed| listed.key).collect();
        assert_eq!(keys, ["t/x/b/1", "t/x/b/3"]);
        assert_eq!(overlay.get("t/x/b/2").unwrap(), None);
        assert_eq!(overlay.removed(), ["t/x/b/2"], "the damaged batch; the invitation is no damage");
        assert_eq!(overlay.base.get("t/x/b/2").unwrap().as_deref(), Some(&b"two"[..]));
        assert_eq!(overlay.base.get("t/x/b/3").unwrap(), None);
    }
}

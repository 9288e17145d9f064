//! One durable, atomic way to write a file, used by every crate that writes one (the store's
//! identity and head anchor, the node's secrets and roster, printed documents): a reader sees the
//! old contents or the new ones in full, and once the call returns, a power cut keeps the new.
//!
//! The contents go to a temporary file beside the target, of a name no other writer uses at the
//! same time, created exclusively with mode 0600 (after removing one a crash left, so nothing is
//! ever written through a link someone put there), synced; renamed over the target; then the folder is synced, so that the rename itself
//! is on disk.

use std::fs;
use std::io::Write as _;
use std::path::Path;

/// Writes `contents` to `path` atomically and durably (see the module). The temporary file is
/// named after this process and a count of its writes, so that two writers of one file at once
/// (two handles on one data directory, each sealing its commits) never take each other's.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let write = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = path.with_extension(format!("tmp-{}-{write}", std::process::id()));
    match fs::remove_file(&temporary) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    create_private(&temporary, contents)?;
    rename_durably(&temporary, path)
}

/// Creates `path` exclusively (never through a link or over another file) with mode 0600, with
/// `contents`, synced.
pub fn create_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Renames `from` to `to` and syncs the folder of `to`, so that the new name survives a power cut.
pub fn rename_durably(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::rename(from, to)?;
    sync_folder(to.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new(".")))
}

/// Syncs a folder's entries (names, renames) to disk. On systems where a folder cannot be opened
/// for that, the rename's own guarantees are all there is.
pub fn sync_folder(folder: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(folder)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_written_atomically_replaces_the_old_whole_and_leaves_no_temporary() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("anchor.seal");
        write_atomically(&path, b"old").unwrap();
        // Two writers at once each get their whole contents in, one after the other.
        std::thread::scope(|scope| {
            for writer in 0..4u8 {
                let path = &path;
                scope.spawn(move || {
                    for _ in 0..50 {
                        write_atomically(path, &[writer; 64]).unwrap();
                    }
                });
            }
        });
        let written = fs::read(&path).unwrap();
        assert!(written.len() == 64 && written.iter().all(|byte| *byte == written[0]));
        write_atomically(&path, b"new contents").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new contents");
        let left: Vec<_> = fs::read_dir(temp.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        assert_eq!(left, ["anchor.seal"], "no temporary left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // Creating exclusively refuses a file that exists.
        assert!(create_private(&path, b"again").is_err());
    }
}

//! Telling this database file from a copy of it (a file put back from a backup, or a copied
//! data directory), so that a copy records nothing until a sync has confirmed its head.

use std::fs;
use std::path::Path;
use std::time::UNIX_EPOCH;

use rusqlite::{Connection, OptionalExtension, params};

use crate::StoreError;

/// The sync setting that records when the database file was found to be a copy.
pub(crate) const COPY_FOUND_SETTING: &str = "copy_found_ms";

/// What tells this database file from a copy of it: its birth time, which a copy, or a file put
/// back from a backup, does not keep; where the file system does not record it, the inode. Some
/// file systems renumber inodes when mounted again (FAT, some network and FUSE mounts): the birth
/// time, where there is one, is compared alone (`same_instance`).
pub(crate) fn file_instance(path: &Path) -> Result<String, StoreError> {
    let metadata = fs::metadata(path).map_err(|error| StoreError::io(path, error))?;
    let born =
        metadata.created().ok().and_then(|time| time.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
    #[cfg(not(unix))]
    let inode = 0u64;
    Ok(format!("{inode}:{born}"))
}

/// Whether two readings of `file_instance` are of the same file: by birth time when both have
/// one, else by inode.
pub(crate) fn same_instance(recorded: &str, current: &str) -> bool {
    let parts = |text: &str| -> (String, String) {
        let (inode, born) = text.split_once(':').unwrap_or((text, "0"));
        (inode.to_owned(), born.to_owned())
    };
    let ((inode_a, born_a), (inode_b, born_b)) = (parts(recorded), parts(current));
    if born_a != "0" && born_b != "0" { born_a == born_b } else { inode_a == inode_b }
}

/// Compares the database file with the one this node last wrote, and records when it is found to
/// be a copy: another file, or this node's own chain shorter than the head anchor says (the
/// database alone put back from a backup, over the file). Returns whether recording must wait
/// for a sync: a copy of a company that syncs with a hub, until a sync confirms this node's own
/// head. A company that syncs with no hub has no other holder of its chain, so a copy of it may
/// go on at once.
pub(crate) fn note_copy(
    conn: &Connection,
    database: &Path,
    rolled_back: bool,
    now_ms: u64,
) -> Result<bool, StoreError> {
    let instance = file_instance(database)?;
    let recorded: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'instance'", [], |row| row.get(0)).optional()?;
    let setting = |key: &str| -> Result<Option<String>, StoreError> {
        Ok(conn.query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |row| row.get(0)).optional()?)
    };
    let syncs = setting("hub")?.is_some();
    let other_file = recorded.as_deref().is_some_and(|recorded| !same_instance(recorded, &instance));
    if recorded.as_deref() != Some(instance.as_str()) || rolled_back {
        let transaction = conn.unchecked_transaction()?;
        transaction.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('instance', ?1)", [&instance])?;
        // A database from before the instance was recorded is taken as the one last written.
        if (other_file || rolled_back) && syncs {
            transaction.execute(
                "INSERT OR IGNORE INTO sync_state (key, value) VALUES (?1, ?2)",
                params![COPY_FOUND_SETTING, now_ms.to_string()],
            )?;
            tracing::warn!("the database file is a copy: recording waits for a sync to confirm this node's head");
        }
        transaction.commit()?;
    }
    Ok(syncs && setting(COPY_FOUND_SETTING)?.is_some())
}

#[cfg(test)]
mod copy_tests {
    use super::same_instance;

    #[test]
    fn a_file_is_known_by_its_birth_time_where_there_is_one_else_by_its_inode() {
        assert!(same_instance("12:1700000000000000000", "12:1700000000000000000"));
        // Renumbered inode (a FAT or network mount mounted again), same birth time: the same file.
        assert!(same_instance("12:1700000000000000000", "99:1700000000000000000"));
        // A copy: another birth time, whatever the inode.
        assert!(!same_instance("12:1700000000000000000", "12:1700000000000000001"));
        // No birth time on one side (not recorded, or not readable here): the inode decides.
        assert!(same_instance("12:0", "12:1700000000000000000"));
        assert!(!same_instance("12:0", "13:0"));
    }
}

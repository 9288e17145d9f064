//! The checkpointer: copies the write-ahead log into the database file on a thread of its own.
//! Left to SQLite, the copy and the fsync of the database file happen inside the commit that
//! brings the WAL past its threshold, so one commit in a hundred waits for them. A commit is
//! durable once its WAL frames are synced; the copy can come later, and here it does.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use rusqlite::{Connection, OpenFlags};

use crate::StoreError;

/// WAL frames (pages) after a commit from which the checkpointer is woken: SQLite's own
/// threshold for its automatic checkpoint.
const WAL_FRAMES_CHECKPOINT: i32 = 1000;

enum Signal {
    /// The WAL is past the threshold.
    Checkpoint,
    /// Answer once every signal sent before this one is handled.
    Settle(SyncSender<()>),
    Stop,
}

pub(crate) struct Checkpointer {
    signals: SyncSender<Signal>,
    thread: Option<JoinHandle<()>>,
    done: Arc<AtomicU64>,
}

/// Beyond this size the WAL file is truncated once copied (a large import leaves a large one).
const WAL_BYTES_KEPT: u64 = 64 * 1024 * 1024;

/// Copies the WAL into the database file without waiting on anyone; then, if the WAL file is
/// large and no one is writing, truncates it.
fn checkpoint(conn: &Connection, wal: &Path) -> Result<(), StoreError> {
    let (log, copied): (i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| Ok((row.get(1)?, row.get(2)?)))?;
    // Truncating makes the writer wait while it runs, so it is done only once the passive
    // checkpoint has copied every frame, when it only has to cut the file, and never while a
    // write is in progress (the connection does not wait for locks): waiting for a write to end
    // would leave the truncation to copy all of it first, with the next write waiting on that.
    if log == copied && std::fs::metadata(wal).map(|metadata| metadata.len()).unwrap_or(0) > WAL_BYTES_KEPT {
        // A write in progress makes it answer "busy" in its row, not fail: the next wake-up retries.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(())
}

impl Checkpointer {
    /// Starts the thread, with its own connection to `database`, and hooks `conn` (the store's
    /// connection) to wake it. SQLite's automatic checkpoint is turned off on `conn`.
    pub(crate) fn attach(conn: &mut Connection, database: &Path) -> Result<Checkpointer, StoreError> {
        let own =
            Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        // The truncating checkpoint gives up at once while a write is in progress: the next
        // wake-up tries again.
        own.busy_timeout(std::time::Duration::ZERO)?;
        let wal = database.with_extension("db-wal");
        let (signals, received) = sync_channel::<Signal>(1);
        let done = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&done);
        let thread = std::thread::Builder::new()
            .name("rempart-checkpoint".to_owned())
            .spawn(move || {
                while let Ok(signal) = received.recv() {
                    match signal {
                        // PASSIVE: copies what no reader still needs, never waits on a lock, so
                        // the writer goes on committing meanwhile.
                        Signal::Checkpoint => match checkpoint(&own, &wal) {
                            Ok(()) => {
                                counted.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(error) => tracing::warn!(%error, "checkpoint failed; the next one retries"),
                        },
                        Signal::Settle(answer) => {
                            let _ = answer.send(());
                        }
                        Signal::Stop => break,
                    }
                }
            })
            .map_err(|error| StoreError::io(database, error))?;
        // The pragma installs SQLite's own WAL hook, which the one below then replaces.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let wake = signals.clone();
        conn.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, frames: i32| {
            if frames >= WAL_FRAMES_CHECKPOINT {
                // One wake-up pending is enough: a full channel means one is on its way.
                let _ = wake.try_send(Signal::Checkpoint);
            }
            Ok(())
        }))?;
        Ok(Checkpointer { signals, thread: Some(thread), done })
    }

    /// Waits until every checkpoint asked for so far is done; returns how many were done.
    pub(crate) fn settle(&self) -> u64 {
        let (answer, answered) = sync_channel(1);
        if self.signals.send(Signal::Settle(answer)).is_ok() {
            let _ = answered.recv();
        }
        self.done.load(Ordering::Relaxed)
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let _ = self.signals.send(Signal::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

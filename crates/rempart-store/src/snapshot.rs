//! A whole database copied at one moment (what a checkpoint carries, `rempart_sync::checkpoint`),
//! what it holds, and a new device's database made from one: the copy's log, projections and
//! kept batches, with the device's own identity, settings and chain.

use std::path::Path;

use rempart_log::{EventSeq, Hash32, NodeId};
use rusqlite::Connection;

use crate::layout::DATABASE_FILE;
use crate::{Damage, Store, StoreError};

/// What a snapshot holds: each chain's last sequence and head, the events in all, the latest
/// wall time they were stamped with, and the state hash of its projections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub cut: Vec<(NodeId, EventSeq, Hash32)>,
    pub events: u64,
    pub last_wall_ms: u64,
    pub state_hash: Hash32,
}

fn path_text(path: &Path) -> Result<&str, StoreError> {
    path.to_str().ok_or_else(|| StoreError::Corrupt { what: Damage::PathNotText { path: path.display().to_string() } })
}

/// Every object of the database open on `conn` as its schema defines it: kind, name, table and
/// SQL text, SQLite's own included (a file made by hand can name a trigger `sqlite_...`). A
/// database of this layout, made by this program, has exactly the same, text for text: no layout
/// is altered in place (an older one is rebuilt from its log).
type SchemaObjects = std::collections::BTreeSet<(String, String, String, String)>;

fn schema_objects(conn: &Connection) -> Result<SchemaObjects, StoreError> {
    let mut statement = conn.prepare("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What the database open on `conn` holds.
fn info_of(conn: &Connection) -> Result<SnapshotInfo, StoreError> {
    let mut statement = conn.prepare(
        "SELECT e.node, e.seq, e.hash FROM events e
         JOIN (SELECT node, max(seq) AS last FROM events GROUP BY node) h ON e.node = h.node AND e.seq = h.last
         ORDER BY e.node",
    )?;
    let mut rows = statement.query([])?;
    let mut cut = Vec::new();
    while let Some(row) = rows.next()? {
        let node: Vec<u8> = row.get(0)?;
        let hash: Vec<u8> = row.get(2)?;
        let node = <[u8; 16]>::try_from(node).map_err(|_| StoreError::Corrupt { what: Damage::SnapshotMalformed })?;
        let hash = <[u8; 32]>::try_from(hash).map_err(|_| StoreError::Corrupt { what: Damage::SnapshotMalformed })?;
        cut.push((NodeId::from_bytes(node), EventSeq(row.get::<_, i64>(1)? as u64), Hash32(hash)));
    }
    let (events, last_wall_ms): (i64, Option<i64>) =
        conn.query_row("SELECT count(*), max(hlc_wall_ms) FROM events", [], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(SnapshotInfo {
        cut,
        events: events as u64,
        last_wall_ms: last_wall_ms.unwrap_or(0) as u64,
        state_hash: crate::verify::state_hash_of(conn)?,
    })
}

impl Store {
    /// Copies the whole database, as it stands at one moment, to `path` (which must not exist),
    /// and says what the copy holds, read from the copy itself.
    pub fn snapshot_into(&self, path: &Path) -> Result<SnapshotInfo, StoreError> {
        self.conn.execute("VACUUM INTO ?1", [path_text(path)?])?;
        let copy = Connection::open(path)?;
        // Another process taking in a large pull drops some indexes until its end: the copy has
        // them all, as this layout makes them (a restore adopts only that).
        copy.execute_batch(crate::schema::PROJECTION_INDEXES)?;
        info_of(&copy)
    }

    /// What the database at `path` holds (a snapshot, before it is adopted).
    pub fn snapshot_info(path: &Path) -> Result<SnapshotInfo, StoreError> {
        info_of(&Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?)
    }

    /// Makes this new device's database (just enrolled: its own chain and settings, nothing
    /// else) from the snapshot at `snapshot` (in the same directory, or at least on the same file
    /// system): the snapshot's log, projections and kept batches, with this device's own meta,
    /// settings, chain and seals. The store is closed, the snapshot becomes its database, and it
    /// is opened again.
    pub fn adopt_snapshot(self, snapshot: &Path) -> Result<Store, StoreError> {
        let dir = self.dir().to_owned();
        let database = dir.join(DATABASE_FILE);
        // The snapshot holds this layout's tables and indexes, each defined as this program
        // defines it, and nothing else: a trigger, a view, a table of its own, a constraint
        // added to a table would run, or stay, in this device's database.
        let expected = schema_objects(&self.conn)?;
        drop(self);
        {
            let conn = Connection::open(snapshot)?;
            conn.pragma_update(None, "trusted_schema", false)?;
            let found = schema_objects(&conn)?;
            if found != expected {
                return Err(StoreError::Corrupt { what: Damage::SnapshotMalformed });
            }
            conn.execute("ATTACH DATABASE ?1 AS fresh", [path_text(&database)?])?;
            conn.execute_batch(
                "BEGIN;
                 DELETE FROM main.meta;
                 INSERT INTO main.meta SELECT * FROM fresh.meta;
                 DELETE FROM main.events WHERE node IN (SELECT node FROM fresh.events);
                 DELETE FROM main.seals WHERE node IN (SELECT node FROM fresh.seals);
                 INSERT INTO main.events SELECT * FROM fresh.events;
                 INSERT INTO main.seals SELECT * FROM fresh.seals;
                 DELETE FROM main.sync_state;
                 INSERT INTO main.sync_state SELECT * FROM fresh.sync_state;
                 COMMIT;
                 DETACH DATABASE fresh;",
            )?;
        }
        for suffix in ["-wal", "-shm", ""] {
            let file = dir.join(format!("{DATABASE_FILE}{suffix}"));
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(StoreError::io(&file, source)),
            }
        }
        std::fs::rename(snapshot, &database).map_err(|source| StoreError::io(&database, source))?;
        std::fs::File::open(&dir)
            .and_then(|opened| opened.sync_all())
            .map_err(|source| StoreError::io(&dir, source))?;
        Store::open(&dir)
    }

    /// Each chain's node and the key its first event announces (`node.created`), as the log
    /// holds them: what a restore compares with the roster.
    pub fn chain_keys(&self) -> Result<Vec<(NodeId, Option<rempart_log::VerifyingKey>)>, StoreError> {
        let nodes: Vec<Vec<u8>> = self
            .conn
            .prepare("SELECT DISTINCT node FROM events ORDER BY node")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for node in nodes {
            let node =
                <[u8; 16]>::try_from(node).map_err(|_| StoreError::Corrupt { what: Damage::SnapshotMalformed })?;
            let node = NodeId::from_bytes(node);
            out.push((node, self.node_key(node)?.ok()));
        }
        Ok(out)
    }

    /// Checks every chain event by event (hashes, links, seals), as `verify` does before it
    /// replays them: the problems found, none when every chain is sound.
    pub fn verify_chains(&self) -> Result<Vec<crate::Problem>, StoreError> {
        let nodes: Vec<Vec<u8>> = self
            .conn
            .prepare("SELECT DISTINCT node FROM events ORDER BY node")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut problems = Vec::new();
        for node in nodes {
            let node =
                <[u8; 16]>::try_from(node).map_err(|_| StoreError::Corrupt { what: Damage::SnapshotMalformed })?;
            if let Err(found) = self.verify_chain(NodeId::from_bytes(node))? {
                problems.extend(found);
            }
        }
        Ok(problems)
    }
}

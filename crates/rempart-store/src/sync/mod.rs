//! The store's side of sync: what this node holds of every chain (its version vector), runs of a
//! chain to ship, and taking in another holder's events.
//!
//! Events taken in are checked against the chain held so far: they must continue it (next
//! sequence, previous hash, later clock), the chain's first event must announce the key the roster
//! gives for the node, and every seal must be that key's signature over the event it names. An
//! event already held is skipped; a different event at a place already held is a fork: the
//! evidence is kept in `forks`, the chain is frozen (nothing more is taken in for that node) and
//! the refusal names it. Events taken in are projected in the same transaction, through the same
//! projector as local commits, so the projections never lag the log. A large run is checked on a
//! second thread while the first writes what has been checked; nothing is committed before all of
//! it has passed.
//!
//! `take_in` takes events in; `conflicts` lists what devices recorded apart.

mod conflicts;
mod take_in;

pub use conflicts::{Conflict, KeyedRecord};
pub(crate) use conflicts::{SCHEMA, project_conflict_settled, unreplaced};
pub use take_in::{Author, CHECK_ASIDE_FROM, CLOCK_AHEAD_MAX_MS, Taken};

use rempart_log::{Event, EventSeq, Hash32, NodeId, Seal, TenantId};
use rempart_sync::{Head as VvHead, VersionVector};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::Blob;
use crate::Damage;
use crate::verify::{EVENT_COLUMNS, event_from_row};
use crate::{DATABASE_FILE, Store, StoreError};

/// A run of one node's chain, ready to be put into a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRun {
    /// Hash of the event before the first one (zero at the start of the chain).
    pub prev: Hash32,
    pub events: Vec<Event>,
    /// The node's seals over events of the run.
    pub seals: Vec<Seal>,
}

/// A batch as it travelled, kept beside the events it carried.
#[derive(Debug, Clone, Copy)]
pub struct KeptBatch<'a> {
    pub first: EventSeq,
    pub last: EventSeq,
    pub bytes: &'a [u8],
}

pub(crate) fn keep_batch(conn: &rusqlite::Connection, node: NodeId, batch: KeptBatch<'_>) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT OR IGNORE INTO sync_batches (node, first, last, bytes) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![&node.as_bytes()[..], batch.first.0 as i64, batch.last.0 as i64, batch.bytes])?;
    Ok(())
}

/// Evidence of a fork: two different events for one place of a node's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fork {
    pub node: NodeId,
    pub seq: EventSeq,
    pub held: Hash32,
    pub other: Hash32,
    pub source: String,
}

pub(crate) fn hash_of(bytes: Vec<u8>) -> Result<Hash32, StoreError> {
    bytes.try_into().map(Hash32).map_err(|_| Damage::WrongLength { what: Blob::EventHash }.into())
}

pub(crate) fn node_of(bytes: Vec<u8>) -> Result<NodeId, StoreError> {
    bytes.try_into().map(NodeId::from_bytes).map_err(|_| Damage::WrongLength { what: Blob::NodeId }.into())
}

/// Reads runs of chains on a connection of its own (see `Store::chain_reader`).
pub struct ChainReader {
    conn: Connection,
    tenant: TenantId,
}

impl ChainReader {
    /// As `Store::chain_run`.
    pub fn chain_run(&self, node: NodeId, after: EventSeq, max_bytes: usize) -> Result<ChainRun, StoreError> {
        Chains { conn: &self.conn, tenant: self.tenant }.run(node, after, max_bytes)
    }
}

/// Reading of chain runs, on the store's connection or a reader's.
struct Chains<'a> {
    conn: &'a Connection,
    tenant: TenantId,
}

impl Chains<'_> {
    /// Events of `node` after `after`, up to about `max_bytes` of event bytes (at least one event),
    /// preferably ending on a seal, with the seals over them.
    fn run(&self, node: NodeId, after: EventSeq, max_bytes: usize) -> Result<ChainRun, StoreError> {
        let node_bytes = &node.as_bytes()[..];
        let prev = if after.0 == 0 {
            Hash32::ZERO
        } else {
            let hash: Option<Vec<u8>> = self
                .conn
                .query_row(
                    "SELECT hash FROM events WHERE node = ?1 AND seq = ?2",
                    params![node_bytes, after.0 as i64],
                    |row| row.get(0),
                )
                .optional()?;
            hash_of(hash.ok_or_else(|| Damage::EventMissing { node: node.short(), seq: after.0 })?)?
        };
        let mut events = self.events_between(node, after, EventSeq(i64::MAX as u64), max_bytes)?;
        let Some(last) = events.last().map(|event| event.seq) else {
            return Ok(ChainRun { prev, events, seals: Vec::new() });
        };
        // End on the last seal within the run, so that the receiver's copy of the chain is sealed
        // after each run; a commit larger than a run is cut, and its seal comes with its last run.
        let sealed: Option<i64> = self.conn.query_row(
            "SELECT max(seq) FROM seals WHERE node = ?1 AND seq > ?2 AND seq <= ?3",
            params![node_bytes, after.0 as i64, last.0 as i64],
            |row| row.get(0),
        )?;
        if let Some(sealed) = sealed {
            events.truncate((sealed as u64 - after.0) as usize);
        }
        let last = events.last().map_or(after, |event| event.seq);
        let seals = self.seals_between(node, after.next(), last)?;
        Ok(ChainRun { prev, events, seals })
    }

    /// Events of `node` after `after` up to `until`, in order, stopping once about `max_bytes` of
    /// event bytes are read (at least one event).
    fn events_between(
        &self,
        node: NodeId,
        after: EventSeq,
        until: EventSeq,
        max_bytes: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE node = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq"
        ))?;
        let mut rows = statement.query(params![&node.as_bytes()[..], after.0 as i64, until.0 as i64])?;
        let mut events = Vec::new();
        let mut bytes = 0usize;
        while bytes < max_bytes
            && let Some(row) = rows.next()?
        {
            let event = event_from_row(row)?;
            bytes += event.payload.len() + 128;
            events.push(event);
        }
        Ok(events)
    }

    fn seals_between(&self, node: NodeId, first: EventSeq, last: EventSeq) -> Result<Vec<Seal>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT seq, head, signature FROM seals WHERE node = ?1 AND seq >= ?2 AND seq <= ?3 ORDER BY seq",
        )?;
        let mut rows = statement.query(params![&node.as_bytes()[..], first.0 as i64, last.0 as i64])?;
        let mut seals = Vec::new();
        while let Some(row) = rows.next()? {
            let signature: Vec<u8> = row.get(2)?;
            seals.push(Seal {
                tenant: self.tenant,
                node,
                seq: EventSeq(row.get::<_, i64>(0)? as u64),
                head: hash_of(row.get(1)?)?,
                signature: signature.try_into().map_err(|_| Damage::WrongLength { what: Blob::SealSignature })?,
            });
        }
        Ok(seals)
    }
}

impl Store {
    /// How far this node holds each chain. Each node's last event is one lookup of the primary
    /// key, and the nodes are found by skipping from one to the next, so this costs a few reads
    /// however long the log is.
    pub fn version_vector(&self) -> Result<VersionVector, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "WITH RECURSIVE nodes(node) AS (
                 SELECT min(node) FROM events
                 UNION ALL
                 SELECT (SELECT min(node) FROM events WHERE node > nodes.node) FROM nodes WHERE nodes.node IS NOT NULL
             )
             SELECT node FROM nodes WHERE node IS NOT NULL",
        )?;
        let nodes = statement.query_map([], |row| row.get::<_, Vec<u8>>(0))?.collect::<Result<Vec<_>, _>>()?;
        let mut vector = VersionVector::default();
        for node in nodes {
            let node = node_of(node)?;
            if let Some(head) = self.held(node)? {
                vector.set(node, head);
            }
        }
        Ok(vector)
    }

    /// The last event held of `node`'s chain.
    pub fn held(&self, node: NodeId) -> Result<Option<VvHead>, StoreError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT seq, hash FROM events WHERE node = ?1 ORDER BY seq DESC LIMIT 1")?
            .query_row([&node.as_bytes()[..]], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        row.map(|(seq, hash)| Ok(VvHead { seq: EventSeq(seq as u64), hash: hash_of(hash)? })).transpose()
    }

    /// Events of `node` after `after`, up to about `max_bytes` of event bytes (at least one event),
    /// preferably ending on a seal, with the seals over them.
    pub fn chain_run(&self, node: NodeId, after: EventSeq, max_bytes: usize) -> Result<ChainRun, StoreError> {
        self.chains().run(node, after, max_bytes)
    }

    fn chains(&self) -> Chains<'_> {
        Chains { conn: &self.conn, tenant: self.tenant }
    }

    /// A reader of chain runs on a connection of its own, for another thread: a push makes its
    /// next batch with it while this connection keeps and uploads the one made before. Each run
    /// is read as committed when it is read; the log is append-only, so runs read one after the
    /// other continue each other.
    pub fn chain_reader(&self) -> Result<ChainReader, StoreError> {
        let conn = Connection::open_with_flags(
            self.dir.join(DATABASE_FILE),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(60))?;
        Ok(ChainReader { conn, tenant: self.tenant })
    }

    /// The clock reading of event `seq` of `node`, if held.
    pub fn event_time_ms(&self, node: NodeId, seq: EventSeq) -> Result<Option<u64>, StoreError> {
        let wall: Option<i64> = self
            .conn
            .query_row(
                "SELECT hlc_wall_ms FROM events WHERE node = ?1 AND seq = ?2",
                params![&node.as_bytes()[..], seq.0 as i64],
                |row| row.get(0),
            )
            .optional()?;
        Ok(wall.map(|wall| wall as u64))
    }

    /// The hash of event `seq` of `node`, if held.
    pub fn event_hash(&self, node: NodeId, seq: EventSeq) -> Result<Option<Hash32>, StoreError> {
        let hash: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT hash FROM events WHERE node = ?1 AND seq = ?2",
                params![&node.as_bytes()[..], seq.0 as i64],
                |row| row.get(0),
            )
            .optional()?;
        hash.map(hash_of).transpose()
    }

    /// Keeps a batch this node made of its own events, with the seal made where it ends inside a
    /// commit, if it does (`rempart-node`'s push): one transaction, one durable write.
    pub fn keep_own_batch(&self, batch: KeptBatch<'_>, cut_seal: Option<&Seal>) -> Result<(), StoreError> {
        // Immediate: the write lock is taken first (waiting out the checkpointer), not upgraded
        // from a read, which SQLite may refuse at once.
        let transaction = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        if let Some(seal) = cut_seal {
            self.keep_own_seal(seal)?;
        }
        keep_batch(&transaction, self.node, batch)?;
        transaction.commit()?;
        Ok(())
    }

    /// Keeps a seal this node made over its own chain outside a commit: where a batch ends inside
    /// a commit. It must name an event of this node's chain as held.
    fn keep_own_seal(&self, seal: &Seal) -> Result<(), StoreError> {
        let mismatch = || StoreError::from(Damage::SealMismatch { seq: seal.seq.0 });
        let held = self.event_hash(self.node, seal.seq)?;
        if seal.node != self.node || held != Some(seal.head) || !seal.is_valid(&self.key.verifying_key()) {
            return Err(mismatch());
        }
        // The event sealed is hashed again from its row, not taken from the stored hash: a row
        // edited in the database since its commit is not sealed. (Reading the commit up to its
        // own seal would also check the rows between, but a commit of a million entries is cut
        // hundreds of times; a rewritten run before the cut still breaks the link the next batch
        // carries, which its receivers check.)
        let run = self.chain_range(self.node, seal.seq, seal.seq)?;
        if run.events.first().map(|event| event.hash()) != Some(seal.head) {
            return Err(mismatch());
        }
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO seals (node, seq, head, signature) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![
            &self.node.as_bytes()[..],
            seal.seq.0 as i64,
            &seal.head.as_bytes()[..],
            &seal.signature[..]
        ])?;
        Ok(())
    }

    /// The last sequence of `node` covered by a kept batch (0 if none).
    pub fn kept_up_to(&self, node: NodeId) -> Result<EventSeq, StoreError> {
        // Kept batches of a node follow each other: the one that starts last ends last. One
        // lookup of the key, rather than a scan of rows that hold a batch each.
        let last: Option<i64> = self
            .conn
            .prepare_cached("SELECT last FROM sync_batches WHERE node = ?1 ORDER BY first DESC LIMIT 1")?
            .query_row([&node.as_bytes()[..]], |row| row.get(0))
            .optional()?;
        Ok(EventSeq(last.unwrap_or(0) as u64))
    }

    /// Kept batches of `node` that hold events after `after`, in order, up to about `max_events`
    /// events (at least one batch). Each is kept whole or compactly, as `rempart_sync::batch`
    /// says; the caller makes a compact one whole again from the events held (`chain_range`).
    pub fn kept_batches(&self, node: NodeId, after: EventSeq, max_events: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        // From the batch holding event `after + 1` on: a seek, then a range read.
        let mut statement = self.conn.prepare_cached(
            "SELECT first, last, bytes FROM sync_batches WHERE node = ?1 AND last > ?2 AND first >= coalesce(
                 (SELECT first FROM sync_batches WHERE node = ?1 AND first <= ?2 + 1 ORDER BY first DESC LIMIT 1), 0)
             ORDER BY first",
        )?;
        let mut rows = statement.query(params![&node.as_bytes()[..], after.0 as i64])?;
        let mut out = Vec::new();
        let mut events = 0u64;
        while events < max_events
            && let Some(row) = rows.next()?
        {
            let (first, last): (i64, i64) = (row.get(0)?, row.get(1)?);
            events += last.saturating_sub(first).max(0) as u64 + 1;
            out.push(row.get(2)?);
        }
        Ok(out)
    }

    /// Events `first` to `last` of `node` and the seals among them, as a batch carried them.
    pub fn chain_range(&self, node: NodeId, first: EventSeq, last: EventSeq) -> Result<ChainRun, StoreError> {
        let chains = self.chains();
        let events = chains.events_between(node, EventSeq(first.0.saturating_sub(1)), last, usize::MAX)?;
        let prev = events.first().map_or(Hash32::ZERO, |event| event.prev);
        let seals = chains.seals_between(node, first, last)?;
        Ok(ChainRun { prev, events, seals })
    }

    /// A setting of the sync.
    pub fn sync_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |row| row.get(0)).optional()?)
    }

    pub fn set_sync_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?1, ?2)", params![key, value])?;
        Ok(())
    }

    pub fn clear_sync_setting(&self, key: &str) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM sync_state WHERE key = ?1", [key])?;
        Ok(())
    }

    /// When this database file was found to be a copy (or put back from a backup) whose own head
    /// a sync has not confirmed yet; recording waits until then.
    pub fn copy_found_ms(&self) -> Result<Option<u64>, StoreError> {
        if !self.copy_unconfirmed {
            return Ok(None);
        }
        Ok(Some(self.sync_setting(crate::COPY_FOUND_SETTING)?.and_then(|text| text.parse().ok()).unwrap_or(0)))
    }

    /// Called by a sync that has fetched this node's own head from the hub and found nothing of
    /// its chain held elsewhere beyond it: recording may go on.
    pub fn confirm_own_head(&mut self) -> Result<(), StoreError> {
        self.clear_sync_setting(crate::COPY_FOUND_SETTING)?;
        self.copy_unconfirmed = false;
        Ok(())
    }

    /// The last event of this node's chain that the head anchor names, if it reads: after a
    /// database put back from an old copy, more than the database holds.
    pub fn anchored_seq(&self) -> Result<Option<EventSeq>, StoreError> {
        let Ok(bytes) = std::fs::read(self.dir.join(crate::ANCHOR_FILE)) else { return Ok(None) };
        Ok(Seal::decode(&bytes).ok().filter(|seal| seal.node == self.node).map(|seal| seal.seq))
    }

    /// The node's signing key, to sign its batches and requests.
    pub fn signing_key(&self) -> &rempart_log::SigningKey {
        &self.key
    }

    /// The forks seen so far, oldest first.
    pub fn forks(&self) -> Result<Vec<Fork>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT node, seq, held_hash, other_hash, source FROM forks ORDER BY seen_ms, node, seq")?;
        let mut rows = statement.query([])?;
        let mut forks = Vec::new();
        while let Some(row) = rows.next()? {
            forks.push(Fork {
                node: node_of(row.get(0)?)?,
                seq: EventSeq(row.get::<_, i64>(1)? as u64),
                held: hash_of(row.get(2)?)?,
                other: hash_of(row.get(3)?)?,
                source: row.get(4)?,
            });
        }
        Ok(forks)
    }
}

#[cfg(test)]
mod tests {
    use crate::Environment;
    use rempart_domain::Country;
    use rempart_log::SigningKey;

    use super::*;

    fn synchronous(store: &Store) -> i64 {
        store.conn.query_row("PRAGMA synchronous", [], |row| row.get(0)).unwrap_or(-1)
    }

    #[test]
    fn another_nodes_events_leave_every_later_commit_fully_synchronous() {
        let temp = tempfile::tempdir().unwrap();
        let office = Store::init(&temp.path().join("office"), "Garage du Lac SA", Country::Ch, 1).unwrap();
        let mut laptop = Store::join(
            Environment::system().unwrap(),
            &temp.path().join("laptop"),
            office.tenant(),
            SigningKey::from_bytes(&[7; 32]),
        )
        .unwrap();
        let full = synchronous(&laptop);
        assert_eq!(full, 2, "FULL");
        let run = office.chain_run(office.node(), EventSeq(0), usize::MAX).unwrap();
        assert!(laptop.take_in(&Author::founder(office.verifying_key()), &run, "test").unwrap().new_events > 0);
        assert_eq!(synchronous(&laptop), full);
        // Refused (signed by another key): the setting is back too.
        let stranger = Author::device(SigningKey::from_bytes(&[9; 32]).verifying_key());
        let mut other = Store::join(
            Environment::system().unwrap(),
            &temp.path().join("other"),
            office.tenant(),
            SigningKey::from_bytes(&[8; 32]),
        )
        .unwrap();
        assert!(other.take_in(&stranger, &run, "test").is_err());
        assert_eq!(synchronous(&other), full);
    }
}

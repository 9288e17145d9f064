//! Verification, rebuild and the state hash.
//!
//! `verify` trusts nothing in the database: it checks the file's integrity, re-hashes every event,
//! checks every link, seal signature and the head anchor, then replays the whole log into a scratch
//! database and compares it, table by table and row by row, with the projections on disk. The
//! state hash is a digest of all projection tables in a canonical order; two nodes holding the
//! same events compute the same state hash.

use std::fs;
use std::time::{Duration, Instant};

use rempart_domain::{Described, Fact, LedgerState};
use rempart_log::{
    ChainFault, ChainVerifier, Event, EventRef, EventSeq, Hash32, Hlc, NODE_CREATED, NodeCreated, NodeId, Seal,
    TenantId, VerifyingKey,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use crate::Blob;
use crate::Damage;
use crate::project::{Origin, Projector};
use crate::schema::{PROJECTION_INDEXES, PROJECTIONS, SCHEMA_VERSION, create_projections, drop_projections_sql};
use crate::{ANCHOR_FILE, Store, StoreError, load_head};

const STATE_HASH_CONTEXT: &str = "rempart 2026-11 state hash v1";
/// Events handed from the reading thread to the checking thread at a time, and batches in flight.
const CHECK_BATCH_EVENTS: usize = 1024;
const CHECK_QUEUE_BATCHES_MAX: usize = 8;
/// Events altered after their seal that verify names in one chain before it stops there.
const ALTERED_EVENTS_MAX: usize = 100;

/// An event as verify names it: in business words when its fact can be read (from the log, or
/// from the projections for an entry gone from the log), else by its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventName {
    pub node: NodeId,
    pub seq: EventSeq,
    pub fact: Option<Described>,
    /// The kind recorded in the log, when the fact cannot be read (a node's own event, or one
    /// whose payload no longer decodes).
    pub kind: Option<String>,
}

/// One thing verify found wrong, with what a message an owner can act on needs. Texts that
/// come from elsewhere (SQLite's report, an error's own words, a table's key) are data, not the
/// message: the program says what they mean in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// SQLite's integrity check failed; `report` is what it said.
    FileDamaged {
        report: String,
    },
    /// The log's table cannot be read at all.
    LogUnreadable {
        detail: String,
    },
    /// The log holds no event of this node: it was emptied.
    OwnEventsGone {
        node: NodeId,
    },
    /// An event is filed under a node id of the wrong length.
    NodeIdMalformed,
    /// The first event of this node announces another key than this node's.
    OwnKeyReplaced {
        node: NodeId,
    },
    /// Another node's first event announces no readable key.
    NodeKeyUnreadable {
        node: NodeId,
    },
    /// The head anchor file is damaged, missing or unreadable (`detail`: why).
    AnchorDamaged {
        path: String,
        detail: String,
    },
    AnchorMissing {
        path: String,
    },
    /// An event was altered after it was sealed.
    Altered {
        event: EventName,
    },
    /// The chain is broken between two events: events were altered, removed or reordered.
    BrokenBetween {
        node: NodeId,
        before: Box<EventName>,
        after: Box<EventName>,
    },
    /// One event was deleted from the log.
    Deleted {
        event: EventName,
    },
    /// Several events were deleted from the log, starting with `first`.
    DeletedRange {
        node: NodeId,
        from: EventSeq,
        to: EventSeq,
        first: EventName,
    },
    /// The log ends before what the node had sealed and anchored.
    Truncated {
        node: NodeId,
        last: EventSeq,
        anchored: EventSeq,
    },
    /// A seal covers an event beyond the end of the log.
    SealBeyondEnd {
        node: NodeId,
        seq: EventSeq,
        last: EventSeq,
    },
    /// An event was added to the log without the node's key.
    AddedWithoutKey {
        event: EventName,
    },
    /// A seal was made with another key than the node's.
    SealedWithAnotherKey {
        node: NodeId,
        seq: EventSeq,
    },
    /// An event differs from the one the node sealed and anchored: the log was rewritten.
    Rewritten {
        event: EventName,
    },
    /// The head anchor was not signed with this node's key.
    AnchorReplaced {
        node: NodeId,
    },
    /// An event of the chain belongs to another company.
    WrongTenant {
        node: NodeId,
        seq: EventSeq,
    },
    /// An event is filed under another node than the one that made it.
    WrongNode {
        node: NodeId,
        seq: EventSeq,
    },
    /// An event is of a format version this program does not read.
    UnsupportedVersion {
        node: NodeId,
        seq: EventSeq,
        version: u16,
    },
    /// An event is not later than the one before it on its node's clock.
    ClockWentBack {
        node: NodeId,
        seq: EventSeq,
    },
    /// An event's row cannot be read.
    EventUnreadable {
        node: NodeId,
        seq: i64,
        detail: String,
    },
    /// A node's log cannot be read.
    ChainUnreadable {
        node: NodeId,
        detail: String,
    },
    /// A chain holds two different events for one place (kept as evidence by sync).
    Forked {
        node: NodeId,
        seq: EventSeq,
        source: String,
    },
    /// The projections were not compared, since the log itself is not sound.
    NotCompared,
    /// The log cannot be replayed.
    ReplayFailed {
        detail: String,
    },
    /// A projection table cannot be read.
    TableUnreadable {
        table: &'static str,
        detail: String,
    },
    /// A projection table no longer matches the log.
    TableDiffers {
        table: &'static str,
        difference: Difference,
    },
    /// A till's closures or tickets are not what its closures sealed.
    Closure {
        till: String,
        fault: rempart_domain::closures::ClosureFault,
    },
    /// A document's archive is not what its issue recorded.
    Archive {
        kind: rempart_domain::documents::PaperKind,
        number: String,
        fault: crate::documents::ArchiveFault,
    },
}

/// The first difference between a projection table on disk and the one replayed from the log.
/// `key` names the row by its key columns (and entry id) as `column value, ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// The digests differ, but no row does (a difference of types).
    Whole,
    /// The table has a row the log does not have.
    ExtraRow { key: String },
    /// The table lacks a row the log has.
    MissingRow { key: String },
    /// A row was edited: `column` holds `held` where the log says `logged`.
    Edited { key: String, column: String, held: String, logged: String },
}

/// The local setting that keeps the outcome of the last verification.
const LAST_VERIFY: &str = "last_verify";

/// What the last `verify` found: when, how many events it checked, how many problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LastVerify {
    pub at_ms: u64,
    pub events: u64,
    pub problems: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub nodes: u64,
    pub events: u64,
    pub seals: u64,
    /// The state hash of the projections, when they match the log.
    pub state_hash: Option<Hash32>,
    pub problems: Vec<Problem>,
    /// Time spent checking the database file, checking the chains, and replaying and comparing
    /// the projections.
    pub integrity_elapsed: Duration,
    pub chains_elapsed: Duration,
    pub projections_elapsed: Duration,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn blob<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N], String> {
    bytes.try_into().map_err(|_| format!("{what} has the wrong length"))
}

/// Reads the event stored at one row, borrowing its kind and payload, without trusting any of it.
/// Also returns the hash stored beside it.
fn read_event<'row>(row: &'row rusqlite::Row<'_>) -> Result<(EventRef<'row>, &'row [u8]), String> {
    let value = |index: usize| row.get_ref(index).map_err(|error| error.to_string());
    let integer = |index: usize| value(index)?.as_i64().map_err(|error| error.to_string());
    let bytes = |index: usize| value(index)?.as_blob().map_err(|error| error.to_string());
    let event = EventRef {
        version: u16::try_from(integer(2)?).map_err(|_| "the version is out of range".to_owned())?,
        tenant: TenantId::from_bytes(blob(bytes(3)?, "the tenant id")?),
        node: NodeId::from_bytes(blob(bytes(0)?, "the node id")?),
        seq: EventSeq(integer(1)? as u64),
        hlc: Hlc { wall_ms: integer(4)? as u64, logical: integer(5)? as u32 },
        prev: Hash32(blob(bytes(6)?, "the previous hash")?),
        kind: value(7)?.as_str().map_err(|error| error.to_string())?,
        payload: bytes(8)?,
    };
    if !event.within_limits() {
        return Err("its kind or payload is longer than the format allows".to_owned());
    }
    Ok((event, bytes(9)?))
}

/// Reads the event stored at one row (columns as `EVENT_COLUMNS`), owned.
pub(crate) fn event_from_row(row: &rusqlite::Row<'_>) -> Result<Event, StoreError> {
    read_event(row).map(|(event, _)| event.to_event()).map_err(|detail| Damage::EventUnreadable { detail }.into())
}

pub(crate) const EVENT_COLUMNS: &str =
    "node, seq, version, tenant, hlc_wall_ms, hlc_logical, prev, kind, payload, hash";

/// Appends one SQLite value to a digest's input in an unambiguous encoding (type tag, length,
/// bytes).
fn encode_value(out: &mut Vec<u8>, value: rusqlite::types::ValueRef<'_>) {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => out.push(0),
        ValueRef::Integer(number) => {
            out.push(1);
            out.extend_from_slice(&number.to_be_bytes());
        }
        ValueRef::Real(number) => {
            out.push(2);
            out.extend_from_slice(&number.to_bits().to_be_bytes());
        }
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            out.push(if matches!(value, ValueRef::Text(_)) { 3 } else { 4 });
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(bytes);
        }
    }
}

/// Input handed to the hasher at a time: BLAKE3 hashes large inputs several chunks at once.
const DIGEST_BUFFER_BYTES: usize = 1 << 16;

fn table_digest(conn: &Connection, table: &str, order: &str) -> Result<Hash32, StoreError> {
    let mut statement = conn.prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
    let columns = statement.column_count();
    let mut hasher = blake3::Hasher::new();
    let mut buffer = Vec::with_capacity(DIGEST_BUFFER_BYTES + 1024);
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        for index in 0..columns {
            encode_value(&mut buffer, row.get_ref(index)?);
        }
        if buffer.len() >= DIGEST_BUFFER_BYTES {
            hasher.update(&buffer);
            buffer.clear();
        }
    }
    hasher.update(&buffer);
    Ok(Hash32(*hasher.finalize().as_bytes()))
}

/// The state hash of the projections of the database open on `conn`.
pub(crate) fn state_hash_of(conn: &Connection) -> Result<Hash32, StoreError> {
    Ok(combine(&table_digests(conn)?))
}

fn table_digests(conn: &Connection) -> Result<Vec<Hash32>, StoreError> {
    PROJECTIONS.iter().map(|(table, order)| table_digest(conn, table, order)).collect()
}

fn combine(digests: &[Hash32]) -> Hash32 {
    let mut hasher = blake3::Hasher::new_derive_key(STATE_HASH_CONTEXT);
    for ((table, _), digest) in PROJECTIONS.iter().zip(digests) {
        hasher.update(table.as_bytes());
        hasher.update(&[0]);
        hasher.update(digest.as_bytes());
    }
    Hash32(*hasher.finalize().as_bytes())
}

/// Drops the projections and derives them again from the log, in the merge order of all nodes,
/// inside the caller's transaction.
pub(crate) fn rebuild_projections(conn: &Connection) -> Result<LedgerState, StoreError> {
    conn.execute_batch(&drop_projections_sql())?;
    create_projections(conn)?;
    let state = replay(conn, conn)?;
    conn.execute_batch(PROJECTION_INDEXES)?;
    conn.execute("UPDATE meta SET value = ?1 WHERE key = 'schema_version'", [SCHEMA_VERSION.to_string()])?;
    Ok(state)
}

/// Applies every event of `source`, in the merge order of all nodes, to the projections of
/// `target`, which must be empty.
fn replay(source: &Connection, target: &Connection) -> Result<LedgerState, StoreError> {
    let mut state = LedgerState::default();
    let mut projector = Projector::default();
    let mut statement = source.prepare(
        "SELECT node, seq, kind, payload, hlc_wall_ms, hlc_logical, tenant FROM events
         ORDER BY hlc_wall_ms, hlc_logical, node",
    )?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let node: Vec<u8> = row.get(0)?;
        let node = NodeId::from_bytes(node.try_into().map_err(|_| Damage::WrongLength { what: Blob::NodeId })?);
        let seq = EventSeq(row.get::<_, i64>(1)? as u64);
        let kind: String = row.get(2)?;
        let payload: Vec<u8> = row.get(3)?;
        if let Some(fact) = Fact::from_payload(&kind, &payload)? {
            let hlc = Hlc { wall_ms: row.get::<_, i64>(4)? as u64, logical: row.get::<_, i64>(5)? as u32 };
            let tenant: Vec<u8> = row.get(6)?;
            let tenant =
                TenantId::from_bytes(tenant.try_into().map_err(|_| Damage::WrongLength { what: Blob::TenantId })?);
            projector.apply(target, &mut state, Origin { tenant, node, seq, hlc }, &fact)?;
        }
    }
    projector.flush(target)?;
    Ok(state)
}

fn format_value(value: &Value) -> String {
    match value {
        Value::Null => "empty".to_owned(),
        Value::Integer(number) => number.to_string(),
        Value::Real(number) => number.to_string(),
        Value::Text(text) => format!("\"{text}\""),
        Value::Blob(bytes) => hex::encode(bytes),
    }
}

/// Orders primary keys as SQLite does for our key columns (integers, then text by bytes).
fn key_order(left: &[Value], right: &[Value]) -> std::cmp::Ordering {
    fn rank(value: &Value) -> (u8, i64, &[u8]) {
        match value {
            Value::Null => (0, 0, &[]),
            Value::Integer(number) => (1, *number, &[]),
            Value::Real(number) => (1, *number as i64, &[]),
            Value::Text(text) => (2, 0, text.as_bytes()),
            Value::Blob(bytes) => (3, 0, bytes),
        }
    }
    left.iter().map(rank).cmp(right.iter().map(rank))
}

/// Finds the first row where a projection on disk differs from the replayed one.
fn first_difference(
    live: &Connection,
    replayed: &Connection,
    table: &str,
    order: &str,
) -> Result<Difference, StoreError> {
    let sql = format!("SELECT * FROM {table} ORDER BY {order}");
    let mut live_statement = live.prepare(&sql)?;
    let mut replayed_statement = replayed.prepare(&sql)?;
    let names: Vec<String> = live_statement.column_names().map(str::to_owned).collect();
    let key_columns = order.split(',').count();
    let columns = names.len();
    let read = |row: &rusqlite::Row<'_>| -> Result<Vec<Value>, rusqlite::Error> {
        (0..columns).map(|index| row.get(index)).collect()
    };
    let mut live_rows = live_statement.query([])?;
    let mut replayed_rows = replayed_statement.query([])?;
    // The key columns, and the entry id where the table has one, so the owner can find the row.
    let entry_column = names.iter().position(|name| name == "entry_id").filter(|index| *index >= key_columns);
    let describe_key = |row: &[Value]| -> String {
        names
            .iter()
            .zip(row)
            .enumerate()
            .filter(|(index, _)| *index < key_columns || Some(*index) == entry_column)
            .map(|(_, (name, value))| match value {
                Value::Blob(bytes) if name == "node" => format!("node {}", hex::encode(&bytes[..bytes.len().min(4)])),
                other => format!("{name} {}", format_value(other)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    loop {
        let live_row = live_rows.next()?.map(read).transpose()?;
        let replayed_row = replayed_rows.next()?.map(read).transpose()?;
        match (live_row, replayed_row) {
            (None, None) => return Ok(Difference::Whole),
            (Some(row), None) => return Ok(Difference::ExtraRow { key: describe_key(&row) }),
            (None, Some(row)) => return Ok(Difference::MissingRow { key: describe_key(&row) }),
            (Some(live_row), Some(replayed_row)) if live_row != replayed_row => {
                if live_row[..key_columns] != replayed_row[..key_columns] {
                    return Ok(if key_order(&live_row[..key_columns], &replayed_row[..key_columns]).is_lt() {
                        Difference::ExtraRow { key: describe_key(&live_row) }
                    } else {
                        Difference::MissingRow { key: describe_key(&replayed_row) }
                    });
                }
                // The rows differ, so some column does.
                let index = (0..columns)
                    .find(|&index| live_row[index] != replayed_row[index])
                    .expect("two rows that differ differ in a column");
                return Ok(Difference::Edited {
                    key: describe_key(&live_row),
                    column: names[index].clone(),
                    held: format_value(&live_row[index]),
                    logged: format_value(&replayed_row[index]),
                });
            }
            _ => {}
        }
    }
}

impl Store {
    /// The company's country as the projections record it, for writing dates in a report on a
    /// store opened for repair (whose books are not loaded): none when it cannot be read.
    pub fn recorded_country(&self) -> Option<rempart_domain::Country> {
        let code: String =
            self.conn.query_row("SELECT value FROM p_company WHERE key = 'country'", [], |row| row.get(0)).ok()?;
        code.parse().ok()
    }

    /// The digest of all projections in canonical order.
    pub fn state_hash(&self) -> Result<Hash32, StoreError> {
        Ok(combine(&table_digests(&self.conn)?))
    }

    /// Drops the projections and derives them again from the log alone.
    pub fn rebuild(&mut self) -> Result<Hash32, StoreError> {
        // Immediate: the write lock is taken before anything is read, so that a checkpoint that
        // resets the WAL meanwhile cannot leave this transaction reading a snapshot it may not
        // write on (SQLITE_BUSY_SNAPSHOT); a writer waits on the lock instead.
        let transaction = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let state = rebuild_projections(&transaction)?;
        transaction.commit()?;
        self.state = state;
        self.head = load_head(&self.conn, self.node)?;
        self.state_hash()
    }

    /// Checks everything; returns the problems found in plain words (an empty list means sound).
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let report = self.verify_all()?;
        // Kept for the dashboard; a copy too damaged to keep it still answers what was found.
        let last = LastVerify { at_ms: self.now_ms(), events: report.events, problems: report.problems.len() as u64 };
        let text = serde_json::to_string(&last).expect("a struct of integers serialises");
        if let Err(error) = self.set_sync_setting(LAST_VERIFY, &text) {
            tracing::warn!(%error, "cannot keep the outcome of the verification");
        }
        Ok(report)
    }

    /// The outcome of the last `verify` on this data directory, if any was made.
    pub fn last_verify(&self) -> Result<Option<LastVerify>, StoreError> {
        self.sync_setting(LAST_VERIFY)?
            .map(|text| {
                serde_json::from_str(&text).map_err(|error| StoreError::Corrupt {
                    what: Damage::SettingUnreadable { key: LAST_VERIFY, detail: error.to_string() },
                })
            })
            .transpose()
    }

    fn verify_all(&self) -> Result<VerifyReport, StoreError> {
        let started = Instant::now();
        let mut report = VerifyReport {
            nodes: 0,
            events: 0,
            seals: 0,
            state_hash: None,
            problems: Vec::new(),
            integrity_elapsed: Duration::ZERO,
            chains_elapsed: Duration::ZERO,
            projections_elapsed: Duration::ZERO,
        };
        let integrity: Vec<String> = match self.conn.prepare("PRAGMA quick_check").and_then(|mut statement| {
            statement.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()
        }) {
            Ok(lines) => lines,
            Err(error) => vec![error.to_string()],
        };
        let integrity_elapsed = started.elapsed();
        let started = Instant::now();
        if integrity != ["ok"] {
            report.problems.push(Problem::FileDamaged { report: integrity.join("; ") });
        }
        let nodes: Vec<Vec<u8>> = match self
            .conn
            .prepare("SELECT DISTINCT node FROM events ORDER BY node")
            .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect::<Result<Vec<_>, _>>())
        {
            Ok(nodes) => nodes,
            Err(error) => {
                report.problems.push(Problem::LogUnreadable { detail: error.to_string() });
                return Ok(report);
            }
        };
        let mut chains_sound = true;
        if !nodes.iter().any(|node| node[..] == self.node.as_bytes()[..]) {
            report.problems.push(Problem::OwnEventsGone { node: self.node });
            chains_sound = false;
        }
        for node in nodes {
            let Ok(node) = <[u8; 16]>::try_from(node) else {
                report.problems.push(Problem::NodeIdMalformed);
                chains_sound = false;
                continue;
            };
            let node = NodeId::from_bytes(node);
            match self.verify_chain(node) {
                Ok(Ok((events, seals))) => {
                    report.nodes += 1;
                    report.events += events;
                    report.seals += seals;
                }
                Ok(Err(problems)) => {
                    report.problems.extend(problems);
                    chains_sound = false;
                }
                Err(error) => {
                    report.problems.push(Problem::ChainUnreadable { node, detail: error.to_string() });
                    chains_sound = false;
                }
            }
        }
        // Each document's archive against the hash its issue recorded, whatever the chains say,
        // so that an archive edited on disk is named by its document.
        match crate::documents::check_archives(&self.conn) {
            Ok(faults) => {
                for (kind, number, fault) in faults {
                    report.problems.push(Problem::Archive { kind, number, fault });
                }
            }
            Err(error) => {
                report.problems.push(Problem::TableUnreadable { table: "p_archives", detail: error.to_string() })
            }
        }
        // Forks seen by sync: the log holds one version, the other is kept as evidence.
        if let Ok(forks) = self.forks() {
            for fork in forks {
                report.problems.push(Problem::Forked { node: fork.node, seq: fork.seq, source: fork.source });
            }
        }
        report.integrity_elapsed = integrity_elapsed;
        report.chains_elapsed = started.elapsed();
        let started = Instant::now();
        if !chains_sound {
            report.problems.push(Problem::NotCompared);
            return Ok(report);
        }
        // A private temporary database on disk (the empty path): SQLite deletes it on close, and
        // memory stays bounded by the page cache however long the log is.
        let scratch = Connection::open("")?;
        scratch.pragma_update(None, "page_size", 16_384)?;
        scratch.pragma_update(None, "cache_size", -262_144)?;
        // Nothing of the scratch copy needs to survive a crash.
        scratch.pragma_update(None, "journal_mode", "OFF")?;
        scratch.pragma_update(None, "synchronous", "OFF")?;
        create_projections(&scratch)?;
        // One transaction: in autocommit mode every statement would be a commit of its own.
        scratch.execute_batch("BEGIN")?;
        if let Err(error) = replay(&self.conn, &scratch) {
            report.problems.push(Problem::ReplayFailed { detail: error.to_string() });
            return Ok(report);
        }
        scratch.execute_batch("COMMIT")?;
        // Every till's closures as the log gives them: signed, chained, covering their tickets.
        for (till, fault) in crate::closures::check_all_tills(&scratch, &self.conn)? {
            report.problems.push(Problem::Closure { till, fault });
        }
        let replayed = table_digests(&scratch)?;
        let mut live = Vec::with_capacity(PROJECTIONS.len());
        for ((table, order), replayed_digest) in PROJECTIONS.iter().zip(&replayed) {
            let live_digest = match table_digest(&self.conn, table, order) {
                Ok(digest) => digest,
                Err(error) => {
                    report.problems.push(Problem::TableUnreadable { table, detail: error.to_string() });
                    continue;
                }
            };
            live.push(live_digest);
            if live_digest != *replayed_digest {
                let difference = first_difference(&self.conn, &scratch, table, order)?;
                report.problems.push(Problem::TableDiffers { table, difference });
            }
        }
        if report.problems.is_empty() {
            report.state_hash = Some(combine(&live));
        }
        report.projections_elapsed = started.elapsed();
        tracing::info!(
            tenant = %self.tenant,
            node = %self.node.short(),
            events = report.events,
            problems = report.problems.len(),
            "verify finished"
        );
        Ok(report)
    }

    /// The key a node's chain must be sealed with. This node's is known from its own files; for
    /// other nodes it is the key their first event announces.
    pub(crate) fn node_key(&self, node: NodeId) -> Result<Result<VerifyingKey, Problem>, StoreError> {
        let first: Option<(String, Vec<u8>)> = self
            .conn
            .query_row("SELECT kind, payload FROM events WHERE node = ?1 AND seq = 1", [&node.as_bytes()[..]], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        let announced = first.and_then(|(kind, payload)| {
            (kind == NODE_CREATED).then(|| serde_json::from_slice::<NodeCreated>(&payload).ok()).flatten()
        });
        if node == self.node {
            let own = self.key.verifying_key();
            return Ok(match announced {
                Some(created) if created.public_key == hex::encode(own.as_bytes()) => Ok(own),
                Some(_) => Err(Problem::OwnKeyReplaced { node }),
                None => Ok(own),
            });
        }
        let key = announced
            .and_then(|created| <[u8; 32]>::try_from(hex::decode(created.public_key).ok()?).ok())
            .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok());
        Ok(key.ok_or(Problem::NodeKeyUnreadable { node }))
    }

    fn read_anchor(&self) -> Result<Option<Seal>, Problem> {
        let path = self.dir.join(ANCHOR_FILE);
        let shown = path.display().to_string();
        match fs::read(&path) {
            Ok(bytes) => Seal::decode(&bytes)
                .map(Some)
                .map_err(|error| Problem::AnchorDamaged { path: shown, detail: error.to_string() }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(Problem::AnchorMissing { path: shown }),
            Err(error) => Err(Problem::AnchorDamaged { path: shown, detail: error.to_string() }),
        }
    }

    /// Verifies one node's chain. The outer error is a failure to read; the inner one a fault.
    pub(crate) fn verify_chain(&self, node: NodeId) -> Result<Result<(u64, u64), Vec<Problem>>, StoreError> {
        let key = match self.node_key(node)? {
            Ok(key) => key,
            Err(problem) => return Ok(Err(vec![problem])),
        };
        let node_bytes = &node.as_bytes()[..];
        let mut seal_statement =
            self.conn.prepare("SELECT seq, head, signature FROM seals WHERE node = ?1 ORDER BY seq")?;
        let seals = seal_statement
            .query_map([node_bytes], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?, row.get::<_, Vec<u8>>(2)?))
            })?
            .map(|row| {
                let (seq, head, signature) = row?;
                Ok(Seal {
                    tenant: self.tenant,
                    node,
                    seq: EventSeq(seq as u64),
                    head: Hash32(blob(&head, "a seal head").map_err(|_| Damage::WrongLength { what: Blob::SealHead })?),
                    signature: blob(&signature, "a seal signature")
                        .map_err(|_| Damage::WrongLength { what: Blob::SealSignature })?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let anchor = if node == self.node {
            match self.read_anchor() {
                Ok(anchor) => anchor,
                Err(problem) => return Ok(Err(vec![problem])),
            }
        } else {
            None
        };
        let mut verifier = match ChainVerifier::new(self.tenant, node, key, seals, anchor) {
            Ok(verifier) => verifier,
            Err(fault) => return Ok(Err(vec![self.explain(node, &fault)?])),
        };
        // Two threads: this one reads the rows, the other hashes and checks them, in batches. An
        // event altered after its seal is named and the check goes on from what the seal says
        // it was, up to `ALTERED_EVENTS_MAX` of them; any other fault stops the chain there.
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Event>>(CHECK_QUEUE_BATCHES_MAX);
        let (read, checked) = std::thread::scope(|scope| {
            let checker = scope.spawn(move || -> (Result<ChainVerifier, ChainFault>, Vec<ChainFault>) {
                let mut altered = Vec::new();
                for batch in receiver {
                    for event in &batch {
                        match verifier.push(event.as_ref()) {
                            Ok(_) => {}
                            Err(ChainFault::AlteredAfterSeal { seq })
                                if altered.len() < ALTERED_EVENTS_MAX && verifier.go_on_past_altered(seq) =>
                            {
                                altered.push(ChainFault::AlteredAfterSeal { seq });
                            }
                            Err(fault) => return (Err(fault), altered),
                        }
                    }
                }
                (Ok(verifier), altered)
            });
            let read = self.read_chain(node, &sender);
            drop(sender);
            (read, checker.join())
        });
        // The checker panics only on a broken invariant: the panic goes on here.
        let (checked, altered) = checked.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let mut problems = Vec::new();
        for fault in &altered {
            problems.push(self.explain(node, fault)?);
        }
        let outcome = match checked {
            Ok(verifier) => match read? {
                Some(unreadable) => Err(unreadable),
                None => match verifier.finish() {
                    Ok(summary) => Ok(summary),
                    Err(fault) => Err(self.explain(node, &fault)?),
                },
            },
            Err(fault) => Err(self.explain(node, &fault)?),
        };
        match outcome {
            Ok(summary) if problems.is_empty() => Ok(Ok((summary.events, summary.seals))),
            Ok(_) => Ok(Err(problems)),
            Err(problem) => {
                problems.push(problem);
                Ok(Err(problems))
            }
        }
    }

    /// Sends the events of one node, in sequence order, to the checker in batches; stops at the
    /// first unreadable row (returned as a problem) or when the checker has stopped.
    fn read_chain(
        &self,
        node: NodeId,
        sender: &std::sync::mpsc::SyncSender<Vec<Event>>,
    ) -> Result<Option<Problem>, StoreError> {
        let mut statement =
            self.conn.prepare(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE node = ?1 ORDER BY seq"))?;
        let mut rows = statement.query([&node.as_bytes()[..]])?;
        let mut batch = Vec::with_capacity(CHECK_BATCH_EVENTS);
        while let Some(row) = rows.next()? {
            match read_event(row) {
                Ok((event, _)) => batch.push(event.to_event()),
                Err(what) => {
                    let seq: i64 = row.get(1)?;
                    return Ok(Some(Problem::EventUnreadable { node, seq, detail: what.to_string() }));
                }
            }
            if batch.len() == CHECK_BATCH_EVENTS
                && sender.send(std::mem::replace(&mut batch, Vec::with_capacity(CHECK_BATCH_EVENTS))).is_err()
            {
                return Ok(None);
            }
        }
        if !batch.is_empty() {
            let _ = sender.send(batch);
        }
        Ok(None)
    }

    /// Whether the event stored at (node, seq) no longer hashes to the hash recorded beside it.
    fn altered_in_place(&self, node: NodeId, seq: EventSeq) -> Result<bool, StoreError> {
        let mut statement =
            self.conn.prepare(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE node = ?1 AND seq = ?2"))?;
        let mut rows = statement.query(params![&node.as_bytes()[..], seq.0 as i64])?;
        Ok(match rows.next()? {
            Some(row) => match read_event(row) {
                Ok((event, stored_hash)) => event.hash().as_bytes()[..] != *stored_hash,
                Err(_) => true,
            },
            None => false,
        })
    }

    /// Names an event in business words (`FactKind::describe`), using the log itself, or the
    /// projections for an entry that is gone from the log.
    fn describe(&self, node: NodeId, seq: EventSeq) -> Result<EventName, StoreError> {
        let stored: Option<(String, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT kind, payload FROM events WHERE node = ?1 AND seq = ?2",
                params![&node.as_bytes()[..], seq.0 as i64],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let mut name = EventName { node, seq, fact: None, kind: None };
        match stored {
            Some((kind, payload)) => match Fact::from_payload(&kind, &payload) {
                Ok(Some(fact)) => name.fact = Some(fact.describe()),
                Ok(None) | Err(_) => name.kind = Some(kind),
            },
            None => {
                let entry: Option<(String, String)> = self
                    .conn
                    .query_row(
                        "SELECT id, date FROM p_entries WHERE node = ?1 AND seq = ?2",
                        params![&node.as_bytes()[..], seq.0 as i64],
                        |row| Ok((row.get(0)?, row.get(1)?)),
                    )
                    .optional()?;
                name.fact = entry.and_then(|(id, date)| {
                    let date = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").ok()?;
                    Some(Described::new("fact.entry_posted").text("id", &id).date("date", date))
                });
            }
        }
        Ok(name)
    }

    fn explain(&self, node: NodeId, fault: &ChainFault) -> Result<Problem, StoreError> {
        Ok(match *fault {
            ChainFault::AlteredAfterSeal { seq } => Problem::Altered { event: self.describe(node, seq)? },
            ChainFault::BrokenLink { seq } => {
                let before = EventSeq(seq.0 - 1);
                if self.altered_in_place(node, before)? {
                    Problem::Altered { event: self.describe(node, before)? }
                } else if self.altered_in_place(node, seq)? {
                    Problem::Altered { event: self.describe(node, seq)? }
                } else {
                    Problem::BrokenBetween {
                        node,
                        before: Box::new(self.describe(node, before)?),
                        after: Box::new(self.describe(node, seq)?),
                    }
                }
            }
            ChainFault::Missing { from, to } => {
                let first = self.describe(node, from)?;
                if from == to {
                    Problem::Deleted { event: first }
                } else {
                    Problem::DeletedRange { node, from, to, first }
                }
            }
            ChainFault::Truncated { last, anchored } => Problem::Truncated { node, last, anchored },
            ChainFault::SealBeyondEnd { seq, last } => Problem::SealBeyondEnd { node, seq, last },
            ChainFault::Unsealed { from } => Problem::AddedWithoutKey { event: self.describe(node, from)? },
            ChainFault::BadSeal { seq } => Problem::SealedWithAnotherKey { node, seq },
            ChainFault::AnchorMismatch { seq } => Problem::Rewritten { event: self.describe(node, seq)? },
            ChainFault::BadAnchor => Problem::AnchorReplaced { node },
            ChainFault::WrongTenant { seq } => Problem::WrongTenant { node, seq },
            ChainFault::WrongNode { seq } => Problem::WrongNode { node, seq },
            ChainFault::UnsupportedVersion { seq, version } => Problem::UnsupportedVersion { node, seq, version },
            ChainFault::ClockWentBack { seq } => Problem::ClockWentBack { node, seq },
        })
    }
}

//! Verification, rebuild and the state hash.
//!
//! `verify` trusts nothing in the database: it checks the file's integrity, re-hashes every event,
//! checks every link, seal signature and the head anchor, then replays the whole log into a scratch
//! database and compares it, table by table and row by row, with the projections on disk. The
//! state hash is a digest of all projection tables in a canonical order; two nodes holding the
//! same events compute the same state hash.

use std::fs;
use std::time::{Duration, Instant};

use rempart_domain::{Fact, LedgerState};
use rempart_log::{
    ChainFault, ChainVerifier, Event, EventRef, EventSeq, Hash32, Hlc, NODE_CREATED, NodeCreated, NodeId, Seal,
    TenantId, VerifyingKey,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use crate::project::{Origin, Projector};
use crate::schema::{PROJECTION_INDEXES, PROJECTION_SCHEMA, PROJECTIONS, SCHEMA_VERSION, drop_projections_sql};
use crate::{ANCHOR_FILE, Store, StoreError, load_head};

const STATE_HASH_CONTEXT: &str = "rempart 2026-11 state hash v1";
/// Events handed from the reading thread to the checking thread at a time, and batches in flight.
const CHECK_BATCH_EVENTS: usize = 1024;
const CHECK_QUEUE_BATCHES_MAX: usize = 8;
/// Events altered after their seal that verify names in one chain before it stops there.
const ALTERED_EVENTS_MAX: usize = 100;

/// One thing verify found wrong, in words an owner can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
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
    read_event(row).map(|(event, _)| event.to_event()).map_err(|what| StoreError::Corrupt { what })
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
    conn.execute_batch(PROJECTION_SCHEMA)?;
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
        "SELECT node, seq, kind, payload, hlc_wall_ms, hlc_logical FROM events ORDER BY hlc_wall_ms, hlc_logical, node",
    )?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let node: Vec<u8> = row.get(0)?;
        let node = NodeId::from_bytes(
            node.try_into().map_err(|_| StoreError::Corrupt { what: "a node id is not 16 bytes".into() })?,
        );
        let seq = EventSeq(row.get::<_, i64>(1)? as u64);
        let kind: String = row.get(2)?;
        let payload: Vec<u8> = row.get_ref(3)?.as_blob().map(<[u8]>::to_vec).unwrap_or_default();
        if let Some(fact) = Fact::from_payload(&kind, &payload)? {
            let hlc = Hlc { wall_ms: row.get::<_, i64>(4)? as u64, logical: row.get::<_, i64>(5)? as u32 };
            projector.apply(target, &mut state, Origin { node, seq, hlc }, &fact)?;
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
fn first_difference(live: &Connection, replayed: &Connection, table: &str, order: &str) -> Result<String, StoreError> {
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
            (None, None) => return Ok(format!("the table {table} differs from the log")),
            (Some(row), None) => {
                return Ok(format!("the table {table} has a row the log does not have ({})", describe_key(&row)));
            }
            (None, Some(row)) => {
                return Ok(format!("the table {table} lacks a row the log has ({})", describe_key(&row)));
            }
            (Some(live_row), Some(replayed_row)) if live_row != replayed_row => {
                if live_row[..key_columns] != replayed_row[..key_columns] {
                    let (first, which) = if key_order(&live_row[..key_columns], &replayed_row[..key_columns]).is_lt() {
                        (&live_row, "has a row the log does not have")
                    } else {
                        (&replayed_row, "lacks a row the log has")
                    };
                    return Ok(format!("the table {table} {which} ({})", describe_key(first)));
                }
                let index = (0..columns).find(|&index| live_row[index] != replayed_row[index]).unwrap_or(0);
                return Ok(format!(
                    "the table {table} was edited at ({}): {} is {} but the log says {}",
                    describe_key(&live_row),
                    names[index],
                    format_value(&live_row[index]),
                    format_value(&replayed_row[index])
                ));
            }
            _ => {}
        }
    }
}

impl Store {
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
            report.problems.push(Problem {
                message: format!(
                    "the database file is damaged (SQLite reports: {}): restore it from a backup or another node",
                    integrity.join("; ")
                ),
            });
        }
        let nodes: Vec<Vec<u8>> = match self
            .conn
            .prepare("SELECT DISTINCT node FROM events ORDER BY node")
            .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect::<Result<Vec<_>, _>>())
        {
            Ok(nodes) => nodes,
            Err(error) => {
                report.problems.push(Problem { message: format!("the log cannot be read: {error}") });
                return Ok(report);
            }
        };
        let mut chains_sound = true;
        if !nodes.iter().any(|node| node[..] == self.node.as_bytes()[..]) {
            report.problems.push(Problem {
                message: format!("the log holds no event of this node ({}): it was emptied", self.node.short()),
            });
            chains_sound = false;
        }
        for node in nodes {
            let Ok(node) = <[u8; 16]>::try_from(node) else {
                report
                    .problems
                    .push(Problem { message: "an event is filed under a node id of the wrong length".to_owned() });
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
                Ok(Err(messages)) => {
                    report.problems.extend(messages.into_iter().map(|message| Problem { message }));
                    chains_sound = false;
                }
                Err(StoreError::Corrupt { what: message }) => {
                    report.problems.push(Problem { message });
                    chains_sound = false;
                }
                Err(error) => {
                    report
                        .problems
                        .push(Problem { message: format!("the log of node {} cannot be read: {error}", node.short()) });
                    chains_sound = false;
                }
            }
        }
        // Forks seen by sync: the log holds one version, the other is kept as evidence.
        if let Ok(forks) = self.forks() {
            for fork in forks {
                report.problems.push(Problem {
                    message: format!(
                        "node {} has two different versions of its event {} (one came from {}): a device was cloned or a copy was tampered with; that chain is frozen and both versions are kept",
                        fork.node.short(),
                        fork.seq,
                        fork.source
                    ),
                });
            }
        }
        report.integrity_elapsed = integrity_elapsed;
        report.chains_elapsed = started.elapsed();
        let started = Instant::now();
        if !chains_sound {
            report.problems.push(Problem {
                message: "the projections were not compared with the log, since the log itself is not sound".to_owned(),
            });
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
        scratch.execute_batch(PROJECTION_SCHEMA)?;
        // One transaction: in autocommit mode every statement would be a commit of its own.
        scratch.execute_batch("BEGIN")?;
        if let Err(error) = replay(&self.conn, &scratch) {
            report.problems.push(Problem { message: format!("the log cannot be replayed: {error}") });
            return Ok(report);
        }
        scratch.execute_batch("COMMIT")?;
        let replayed = table_digests(&scratch)?;
        let mut live = Vec::with_capacity(PROJECTIONS.len());
        for ((table, order), replayed_digest) in PROJECTIONS.iter().zip(&replayed) {
            let live_digest = match table_digest(&self.conn, table, order) {
                Ok(digest) => digest,
                Err(error) => {
                    report.problems.push(Problem {
                        message: format!(
                            "the table {table} cannot be read ({error}); `rempart rebuild` restores it from the log"
                        ),
                    });
                    continue;
                }
            };
            live.push(live_digest);
            if live_digest != *replayed_digest {
                let difference = first_difference(&self.conn, &scratch, table, order)?;
                report.problems.push(Problem {
                    message: format!(
                        "{difference}: the table no longer matches the log; `rempart rebuild` restores it from the log"
                    ),
                });
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
    fn node_key(&self, node: NodeId) -> Result<Result<VerifyingKey, String>, StoreError> {
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
                Some(_) => Err(format!(
                    "the first event of node {} announces another key than this node's: the log was rewritten",
                    node.short()
                )),
                None => Ok(own),
            });
        }
        let key = announced
            .and_then(|created| <[u8; 32]>::try_from(hex::decode(created.public_key).ok()?).ok())
            .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok());
        Ok(key.ok_or_else(|| format!("node {} has no readable key in its first event", node.short())))
    }

    fn read_anchor(&self) -> Result<Option<Seal>, String> {
        let path = self.dir.join(ANCHOR_FILE);
        match fs::read(&path) {
            Ok(bytes) => Seal::decode(&bytes)
                .map(Some)
                .map_err(|error| format!("the head anchor {} is damaged: {error}", path.display())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(format!(
                "the head anchor {} is missing: a truncation of the log could not be detected",
                path.display()
            )),
            Err(error) => Err(format!("the head anchor {} cannot be read: {error}", path.display())),
        }
    }

    /// Verifies one node's chain. The outer error is a failure to read; the inner one a fault.
    fn verify_chain(&self, node: NodeId) -> Result<Result<(u64, u64), Vec<String>>, StoreError> {
        let key = match self.node_key(node)? {
            Ok(key) => key,
            Err(message) => return Ok(Err(vec![message])),
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
                    head: Hash32(blob(&head, "a seal head").map_err(|what| StoreError::Corrupt { what })?),
                    signature: blob(&signature, "a seal signature").map_err(|what| StoreError::Corrupt { what })?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let anchor = if node == self.node {
            match self.read_anchor() {
                Ok(anchor) => anchor,
                Err(message) => return Ok(Err(vec![message])),
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
        let Ok((checked, altered)) = checked else {
            return Err(StoreError::Corrupt { what: "the chain checker stopped unexpectedly".to_owned() });
        };
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
    ) -> Result<Option<String>, StoreError> {
        let mut statement =
            self.conn.prepare(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE node = ?1 ORDER BY seq"))?;
        let mut rows = statement.query([&node.as_bytes()[..]])?;
        let mut batch = Vec::with_capacity(CHECK_BATCH_EVENTS);
        while let Some(row) = rows.next()? {
            match read_event(row) {
                Ok((event, _)) => batch.push(event.to_event()),
                Err(what) => {
                    let seq: i64 = row.get(1).unwrap_or(0);
                    return Ok(Some(format!("event {seq} of node {} cannot be read: {what}", node.short())));
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

    /// Names an event in business words: "entry 4512 of 2026-03-14", using the log itself, or
    /// the projections for an event that is gone from the log.
    fn describe(&self, node: NodeId, seq: EventSeq) -> Result<String, StoreError> {
        let stored: Option<(String, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT kind, payload FROM events WHERE node = ?1 AND seq = ?2",
                params![&node.as_bytes()[..], seq.0 as i64],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let from_log = stored.map(|(kind, payload)| match Fact::from_payload(&kind, &payload) {
            Ok(Some(Fact::EntryPosted(entry))) => format!("entry {} of {}", entry.id, entry.date),
            Ok(Some(Fact::AccountOpened(account))) => format!("the opening of account {}", account.number),
            Ok(Some(Fact::AccountEdited(edit))) => format!("a change to account {}", edit.number),
            Ok(Some(Fact::PeriodClosed(closed))) => format!("the closing of the period until {}", closed.until),
            Ok(Some(Fact::CompanyCreated(_))) => "the creation of the company".to_owned(),
            Ok(Some(Fact::VatCodeDefined(vat))) => format!("VAT code {}", vat.code),
            _ => format!("event {seq} ({kind})"),
        });
        let description = match from_log {
            Some(description) => description,
            None => self
                .conn
                .query_row(
                    "SELECT id, date FROM p_entries WHERE node = ?1 AND seq = ?2",
                    params![&node.as_bytes()[..], seq.0 as i64],
                    |row| Ok(format!("entry {} of {}", row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
                )
                .optional()
                .ok()
                .flatten()
                .unwrap_or_else(|| format!("event {seq}")),
        };
        Ok(format!("{description} (event {seq}), recorded on node {}", node.short()))
    }

    fn explain(&self, node: NodeId, fault: &ChainFault) -> Result<String, StoreError> {
        let short = node.short();
        Ok(match fault {
            ChainFault::AlteredAfterSeal { seq } => {
                format!("{} was altered after it was sealed", self.describe(node, *seq)?)
            }
            ChainFault::BrokenLink { seq } => {
                let before = EventSeq(seq.0 - 1);
                if self.altered_in_place(node, before)? {
                    format!("{} was altered after it was sealed", self.describe(node, before)?)
                } else if self.altered_in_place(node, *seq)? {
                    format!("{} was altered after it was sealed", self.describe(node, *seq)?)
                } else {
                    format!(
                        "the log of node {short} is broken between {} and {}: events were altered, removed or reordered",
                        self.describe(node, before)?,
                        self.describe(node, *seq)?
                    )
                }
            }
            ChainFault::Missing { from, to } => {
                let first = self.describe(node, *from)?;
                if from == to {
                    format!("{first} was deleted from the log")
                } else {
                    format!("events {from} to {to} of node {short} were deleted from the log, starting with {first}")
                }
            }
            ChainFault::Truncated { last, anchored } => format!(
                "the log of node {short} ends at event {last} but the node had sealed up to event {anchored}: the last {} events were removed",
                anchored.0.saturating_sub(last.0)
            ),
            ChainFault::SealBeyondEnd { seq, last } => format!(
                "the log of node {short} ends at event {last} but a seal covers event {seq}: the last {} events were removed",
                seq.0.saturating_sub(last.0)
            ),
            ChainFault::Unsealed { from } => {
                format!("{} was added to the log without the node's key", self.describe(node, *from)?)
            }
            ChainFault::BadSeal { seq } => format!(
                "the seal over event {seq} of node {short} was not made with the node's key: someone re-signed the log with another key"
            ),
            ChainFault::AnchorMismatch { seq } => {
                format!("{} differs from the one the node sealed: the log was rewritten", self.describe(node, *seq)?)
            }
            ChainFault::BadAnchor => "the head anchor was not signed with this node's key: it was replaced".to_owned(),
            other => format!("node {short}: {other}"),
        })
    }
}

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

use rempart_domain::{Currency, EntryPosted, Fact, FactKind, Merge};
use rempart_log::{
    ChainVerifier, Event, EventSeq, Hash32, Hlc, NODE_CREATED, NodeCreated, NodeId, Seal, TenantId, VerifyingKey,
};
use rempart_sync::{Head as VvHead, VersionVector};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::project::{Origin, Projector, entry_digest, entry_exists};
use crate::verify::{EVENT_COLUMNS, event_from_row, rebuild_projections};
use crate::{ANCHOR_FILE, BULK_ENTRIES_MIN, DATABASE_FILE, Store, StoreError, load_state, write_file_atomically};

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

fn keep_batch(conn: &rusqlite::Connection, node: NodeId, batch: KeptBatch<'_>) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT OR IGNORE INTO sync_batches (node, first, last, bytes) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![&node.as_bytes()[..], batch.first.0 as i64, batch.last.0 as i64, batch.bytes])?;
    Ok(())
}

/// An invariant that one node alone could not enforce, broken once the nodes' events met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Two entries of one journal series carry the same number (from before journals were
    /// numbered in a series per node, or a node's data put back from a copy that recorded before
    /// its own head was confirmed).
    JournalNumber { journal: String, number: i64, entries: Vec<String> },
    /// Several contacts share an identifier that names one company (VAT number, SIREN, SIRET).
    SharedIdentifier { field: String, value: String, contacts: Vec<String> },
    /// The same entry id was recorded on several nodes; the first in merge order counts.
    EntryRecordedTwice { id: String, nodes: Vec<String>, events: Vec<String> },
    /// The same contact id was created on several nodes.
    ContactCreatedTwice { id: String, nodes: Vec<String>, events: Vec<String> },
    /// A record under a key people choose (an account number, an item code...) was created on
    /// several nodes apart, with different content: the first creation in merge order stands
    /// everywhere; a person edits it to what it must be, then settles the conflict.
    KeyCreatedTwice { record: KeyedRecord, key: String, nodes: Vec<String>, events: Vec<String> },
    /// The same supplier bill (supplier and reference) was recorded on several nodes apart: each
    /// stands and posted its entry, so one is probably a duplicate to be reversed.
    BillRecordedTwice { supplier: String, reference: String, bills: Vec<String> },
    /// An entry dated in a period that another node had closed without having seen it (it was
    /// recorded apart, before or after the close): the closed period's figures changed, for the
    /// accountant to look at.
    EntryInClosedPeriod { entry: String, date: String, closed_until: String, node: String },
    /// An invoice paid beyond its total by devices that each saw it open (one device allocates
    /// a payment only to what is open): the excess is the customer's credit, as one device makes
    /// an unallocated payment, to refund or to use. A credit note after a payment is no conflict:
    /// one device does the same, and the credit is the customer's too.
    InvoicePaidBeyondTotal { invoice: String, contact: String, excess_minor: i64, currency: Currency },
    /// A supplier bill paid beyond its total by devices that each saw it open: the excess was
    /// paid out twice, to be claimed back from the supplier.
    BillPaidBeyondTotal { bill: String, supplier: String, excess_minor: i64, currency: Currency },
    /// The same reminder level sent for one invoice on several devices apart: its fee was
    /// charged more than once.
    ReminderSentTwice { invoice: String, level: u8, reminders: Vec<String> },
    /// One field of a contact written on two nodes apart, neither knowing the other's write: the
    /// later in merge order shows, the other is in the history. Settled by an edit of the field
    /// on a node that holds both, which replaces them all.
    ContactFieldEditedApart { contact: String, field: String, values: Vec<String>, nodes: Vec<String> },
}

impl Conflict {
    /// What the conflict is about, as text in a fixed order: its kind, its record and the
    /// evidence (ids, nodes, amounts). A settlement names the BLAKE3 of it (`id`), so a new
    /// piece of evidence (a third device creating the key) makes a new conflict.
    fn evidence(&self) -> Vec<String> {
        let join = |items: &[String]| items.join(",");
        match self {
            Conflict::JournalNumber { journal, number, entries } => {
                vec!["journal number".into(), journal.clone(), number.to_string(), join(entries)]
            }
            Conflict::SharedIdentifier { field, value, contacts } => {
                vec!["shared identifier".into(), field.clone(), value.clone(), join(contacts)]
            }
            Conflict::EntryRecordedTwice { id, events, .. } => vec!["entry twice".into(), id.clone(), join(events)],
            Conflict::ContactCreatedTwice { id, events, .. } => {
                vec!["contact twice".into(), id.clone(), join(events)]
            }
            Conflict::KeyCreatedTwice { record, key, events, .. } => {
                vec!["key twice".into(), record.name().into(), key.clone(), join(events)]
            }
            Conflict::BillRecordedTwice { supplier, reference, bills } => {
                vec!["bill twice".into(), supplier.clone(), reference.clone(), join(bills)]
            }
            Conflict::EntryInClosedPeriod { entry, date, closed_until, node } => {
                vec!["closed period".into(), entry.clone(), date.clone(), closed_until.clone(), node.clone()]
            }
            Conflict::InvoicePaidBeyondTotal { invoice, contact, excess_minor, currency } => vec![
                "invoice paid beyond".into(),
                invoice.clone(),
                contact.clone(),
                excess_minor.to_string(),
                currency.as_str().into(),
            ],
            Conflict::BillPaidBeyondTotal { bill, supplier, excess_minor, currency } => vec![
                "bill paid beyond".into(),
                bill.clone(),
                supplier.clone(),
                excess_minor.to_string(),
                currency.as_str().into(),
            ],
            Conflict::ReminderSentTwice { invoice, level, reminders } => {
                vec!["reminder twice".into(), invoice.clone(), level.to_string(), join(reminders)]
            }
            Conflict::ContactFieldEditedApart { contact, field, values, nodes } => {
                vec!["field apart".into(), contact.clone(), field.clone(), join(values), join(nodes)]
            }
        }
    }

    /// The conflict's id: the BLAKE3 of its evidence (each piece length-prefixed), whole, as a
    /// settlement records it, so that no other evidence can be made to match it.
    pub fn id(&self) -> String {
        let mut hasher = blake3::Hasher::new_derive_key("rempart 2026-12 conflict id v1");
        for piece in self.evidence() {
            hasher.update(&(piece.len() as u64).to_be_bytes());
            hasher.update(piece.as_bytes());
        }
        hasher.finalize().to_hex().to_string()
    }

    /// The first ten hex digits of the id, as `rempart conflicts` shows it and `--settle`
    /// takes it (any prefix of the id naming one open conflict).
    pub fn short_id(&self) -> String {
        self.id()[..CONFLICT_ID_SHOWN_CHARS].to_owned()
    }
}

/// Hex digits of a conflict's id shown to people and asked of them.
const CONFLICT_ID_SHOWN_CHARS: usize = 10;

/// The records whose key a person chooses, each created by one kind of fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyedRecord {
    Account,
    VatCode,
    Item,
    ContactField,
}

impl KeyedRecord {
    pub const ALL: [KeyedRecord; 4] =
        [KeyedRecord::Account, KeyedRecord::VatCode, KeyedRecord::Item, KeyedRecord::ContactField];

    /// The record's name in `p_creations` (where the projector notes each creation).
    fn name(self) -> &'static str {
        match self {
            KeyedRecord::Account => "account",
            KeyedRecord::VatCode => "vat_code",
            KeyedRecord::Item => "item",
            KeyedRecord::ContactField => "contact_field",
        }
    }
}

/// What taking in a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Taken {
    pub new_events: u64,
    pub already_held: u64,
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

fn hash_of(bytes: Vec<u8>) -> Result<Hash32, StoreError> {
    bytes.try_into().map(Hash32).map_err(|_| StoreError::Corrupt { what: "an event hash is not 32 bytes".to_owned() })
}

fn node_of(bytes: Vec<u8>) -> Result<NodeId, StoreError> {
    bytes
        .try_into()
        .map(NodeId::from_bytes)
        .map_err(|_| StoreError::Corrupt { what: "a node id is not 16 bytes".to_owned() })
}

/// Of the writes of one contact field (stamp and what it replaced, in merge order), the stamps
/// no other write replaced. A write that says what it replaced (`ContactEdited::base`, stamps
/// comma-separated, empty for nothing) replaces those that came before it; one recorded before
/// writes said so replaces its own node's earlier writes.
pub(crate) fn unreplaced(writes: &[(String, Option<String>)]) -> Vec<&str> {
    // A stamp is `wall.logical.node`: compared as numbers, then node.
    fn order(stamp: &str) -> Option<(u64, u32, &str)> {
        let mut parts = stamp.splitn(3, '.');
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?))
    }
    let mut replaced: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (index, (stamp, base)) in writes.iter().enumerate() {
        let Some(own) = order(stamp) else { continue };
        match base {
            // A write can only replace what came before it: a stamp at or after its own, which
            // a device with a forged clock or base could name, replaces nothing.
            Some(base) => {
                replaced.extend(base.split(',').filter(|named| order(named).is_some_and(|named| named < own)))
            }
            // A write that does not say (recorded before writes said so) replaces its own
            // node's earlier writes, which that node had seen; another node's stay open.
            None => replaced.extend(
                writes[..index]
                    .iter()
                    .map(|(earlier, _)| earlier.as_str())
                    .filter(|earlier| order(earlier).is_some_and(|earlier| earlier.2 == own.2)),
            ),
        }
    }
    writes.iter().map(|(stamp, _)| stamp.as_str()).filter(|stamp| !replaced.contains(stamp)).collect()
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
            hash_of(hash.ok_or_else(|| StoreError::Corrupt {
                what: format!("event {after} of node {} is not held", node.short()),
            })?)?
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
                signature: signature
                    .try_into()
                    .map_err(|_| StoreError::Corrupt { what: "a seal signature is not 64 bytes".to_owned() })?,
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
        let mismatch =
            || StoreError::Corrupt { what: format!("a seal over event {} does not match the log", seal.seq) };
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

    /// The conflicts in the merged books that nobody settled yet, for people to resolve.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        let mut out = self.all_conflicts()?;
        let mut settled = self.conn.prepare_cached("SELECT 1 FROM p_settled_conflicts WHERE id = ?1")?;
        let mut open = Vec::with_capacity(out.len());
        for conflict in out.drain(..) {
            if !settled.exists([conflict.id()])? {
                open.push(conflict);
            }
        }
        Ok(open)
    }

    /// Records that a person looked at the open conflict whose id starts with `id` (at least
    /// the ten digits `conflicts` shows) and settled it.
    pub fn settle_conflict(&mut self, id: &str) -> Result<(), StoreError> {
        let unknown = || StoreError::UnknownConflict { id: id.to_owned() };
        if id.len() < CONFLICT_ID_SHOWN_CHARS {
            return Err(unknown());
        }
        let matching: Vec<String> = self
            .conflicts()?
            .iter()
            .map(Conflict::id)
            .filter(|full| full.starts_with(&id.to_ascii_lowercase()))
            .collect();
        let [full] = &matching[..] else { return Err(unknown()) };
        let settled = rempart_domain::ConflictSettled { id: full.clone() };
        self.commit(|batch| batch.record(Fact::ConflictSettled(settled)))
    }

    fn all_conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        let mut out = Vec::new();
        let mut statement = self.conn.prepare(
            "SELECT journal || coalesce(' ' || series, ''), number, group_concat(id, ' ') FROM
                 (SELECT journal, series, number, id FROM p_entries ORDER BY journal, series, number, id)
             GROUP BY journal, series, number HAVING count(*) > 1 ORDER BY journal, series, number",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let entries: String = row.get(2)?;
            out.push(Conflict::JournalNumber {
                journal: row.get(0)?,
                number: row.get(1)?,
                entries: entries.split(' ').map(str::to_owned).collect(),
            });
        }
        let mut statement = self.conn.prepare(
            "SELECT field, value, group_concat(contact, ' ') FROM
                 (SELECT field, value, contact FROM p_contact_fields
                  WHERE field IN ('vat_number', 'siren', 'siret') AND value IS NOT NULL ORDER BY contact)
             GROUP BY field, value HAVING count(*) > 1 ORDER BY field, value",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let contacts: String = row.get(2)?;
            out.push(Conflict::SharedIdentifier {
                field: row.get(0)?,
                value: row.get(1)?,
                contacts: contacts.split(' ').map(str::to_owned).collect(),
            });
        }
        self.keys_created_twice(&mut out)?;
        self.bills_recorded_twice(&mut out)?;
        self.entries_in_closed_periods(&mut out)?;
        self.invoices_paid_beyond_total(&mut out)?;
        self.bills_paid_beyond_total(&mut out)?;
        self.reminders_sent_twice(&mut out)?;
        self.contact_fields_edited_apart(&mut out)?;
        // Read from the projections the projector keeps of them (`p_entry_duplicates`,
        // `p_creations`), never from the log itself: `rempart status` asks on every run.
        let mut statement = self.conn.prepare(
            "SELECT id, group_concat(DISTINCT lower(hex(substr(node, 1, 4)))), group_concat(lower(hex(node)) || ':' || seq)
             FROM (
                 SELECT id, node, seq FROM p_entry_duplicates
                 UNION SELECT e.id, e.node, e.seq FROM p_entries e WHERE e.id IN (SELECT id FROM p_entry_duplicates)
                 ORDER BY id, node, seq)
             GROUP BY id ORDER BY id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let (nodes, events): (String, String) = (row.get(1)?, row.get(2)?);
            out.push(Conflict::EntryRecordedTwice {
                id: row.get(0)?,
                nodes: nodes.split(',').map(str::to_owned).collect(),
                events: events.split(',').map(str::to_owned).collect(),
            });
        }
        let mut statement = self.conn.prepare(
            "SELECT key, group_concat(DISTINCT lower(hex(substr(node, 1, 4)))), group_concat(lower(hex(node)) || ':' || seq)
             FROM (SELECT key, node, seq FROM p_creations WHERE record = 'contact' ORDER BY key, node, seq)
             GROUP BY key HAVING count(*) > 1 ORDER BY key",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let (nodes, events): (String, String) = (row.get(1)?, row.get(2)?);
            out.push(Conflict::ContactCreatedTwice {
                id: row.get(0)?,
                nodes: nodes.split(',').map(str::to_owned).collect(),
                events: events.split(',').map(str::to_owned).collect(),
            });
        }
        Ok(out)
    }

    /// Keys created on several nodes with different content. An edit made afterwards cannot say
    /// whether whoever made it knew every creation: a person settles it (`settle_conflict`).
    fn keys_created_twice(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT key, group_concat(DISTINCT lower(hex(substr(node, 1, 4)))), group_concat(lower(hex(node)) || ':' || seq)
             FROM (SELECT key, node, seq, digest FROM p_creations WHERE record = ?1 ORDER BY key, node, seq)
             GROUP BY key HAVING count(DISTINCT digest) > 1 ORDER BY key",
        )?;
        for record in KeyedRecord::ALL {
            let mut rows = statement.query([record.name()])?;
            while let Some(row) = rows.next()? {
                let key: String = row.get(0)?;
                let (nodes, events): (String, String) = (row.get(1)?, row.get(2)?);
                let nodes = nodes.split(',').map(str::to_owned).collect();
                let events = events.split(',').map(str::to_owned).collect();
                out.push(Conflict::KeyCreatedTwice { record, key, nodes, events });
            }
        }
        Ok(())
    }

    fn bills_recorded_twice(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT supplier, reference, group_concat(id, ' ') FROM
                 (SELECT supplier, reference, id FROM p_bills ORDER BY supplier, reference, id)
             GROUP BY supplier, reference HAVING count(*) > 1 ORDER BY supplier, reference",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let bills: String = row.get(2)?;
            out.push(Conflict::BillRecordedTwice {
                supplier: row.get(0)?,
                reference: row.get(1)?,
                bills: bills.split(' ').map(str::to_owned).collect(),
            });
        }
        Ok(())
    }

    /// Entries dated in a closed period that a closing node had not seen when it closed, unless
    /// a close that saw them covers their date (whoever made it closed over them knowingly). A
    /// close says what it saw as what its node held of each chain (`PeriodClosed::seen`); one
    /// recorded before closes said so saw what came before it by the clock. Only the entries the
    /// closes of the latest period did not see can be late: per chain, a range of the log past
    /// what those closes held, read from the projected closes (`p_period_closes`).
    fn entries_in_closed_periods(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
        struct Close {
            node: String,
            seq: u64,
            until: String,
            /// What the close saw of each chain: what it says, but never past the last event of
            /// that chain older than the close by the clock (a node has seen nothing it had not
            /// received, and stamps its events after all it received), so that a close that says
            /// it saw everything hides nothing recorded after it.
            seen: std::collections::BTreeMap<String, u64>,
        }
        let mut statement = self.conn.prepare(
            "SELECT lower(hex(node)), seq, hlc_wall_ms, hlc_logical, until, seen FROM p_period_closes ORDER BY until",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    Hlc { wall_ms: row.get::<_, i64>(2)? as u64, logical: row.get::<_, i64>(3)? as u32 },
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut closes = Vec::with_capacity(rows.len());
        for (node, seq, hlc, until, seen) in rows {
            let said: std::collections::BTreeMap<String, u64> = serde_json::from_str(&seen)
                .map_err(|error| StoreError::Corrupt { what: format!("a period close's vector: {error}") })?;
            let mut seen = std::collections::BTreeMap::new();
            for (chain, held) in said {
                let Ok(bytes) = hex::decode(&chain) else { continue };
                let before = self.last_seq_before(&bytes, hlc)?;
                seen.insert(chain, held.min(before));
            }
            closes.push(Close { node, seq: seq as u64, until, seen });
        }
        let Some(latest) = closes.last().map(|close| close.until.clone()) else {
            return Ok(());
        };
        // A close saw its own node's earlier events, and of the others what it says (a close
        // from before closes said so: nothing of the others).
        let sees = |close: &Close, node_hex: &str, seq: u64| {
            if close.node == node_hex {
                seq < close.seq
            } else {
                close.seen.get(node_hex).is_some_and(|held| seq <= *held)
            }
        };
        let mut statement = self.conn.prepare(
            "SELECT v.seq, v.hlc_wall_ms, v.hlc_logical, json_extract(v.payload, '$.id'), json_extract(v.payload, '$.date')
             FROM events v WHERE v.node = ?1 AND v.seq > ?2 AND v.kind = ?3 AND json_extract(v.payload, '$.date') <= ?4
                 AND NOT EXISTS (SELECT 1 FROM p_entry_duplicates d WHERE d.node = v.node AND d.seq = v.seq)
             ORDER BY v.seq",
        )?;
        let mut found = Vec::new();
        for node in self.version_vector()?.0.into_keys() {
            let node_hex = hex::encode(node.as_bytes());
            // What the latest period's closes of other nodes saw of this chain cannot be late;
            // a chain's own closes accept nothing of it (a device closing over its own entries).
            let from = closes
                .iter()
                .filter(|close| close.until == latest && close.node != node_hex)
                .map(|close| close.seen.get(&node_hex).copied().unwrap_or(0))
                .max()
                .unwrap_or(0);
            let mut rows = statement.query(params![&node.as_bytes()[..], from as i64, EntryPosted::KIND, latest])?;
            while let Some(row) = rows.next()? {
                let seq = row.get::<_, i64>(0)? as u64;
                let (entry, date): (String, String) = (row.get(3)?, row.get(4)?);
                let covers = |close: &&Close| close.until >= date;
                let accepted =
                    closes.iter().filter(covers).any(|close| close.node != node_hex && sees(close, &node_hex, seq));
                let unseen_by = closes.iter().filter(covers).find(|close| !sees(close, &node_hex, seq));
                if let (false, Some(close)) = (accepted, unseen_by) {
                    found.push((date, entry, close.until.clone(), node.short()));
                }
            }
        }
        found.sort_unstable();
        out.extend(found.into_iter().map(|(date, entry, closed_until, node)| Conflict::EntryInClosedPeriod {
            entry,
            date,
            closed_until,
            node,
        }));
        Ok(())
    }

    /// The last event of chain `node` stamped before `hlc` (0 if none): a chain's clock only
    /// goes up, so a few lookups of the primary key find it.
    fn last_seq_before(&self, node: &[u8], hlc: Hlc) -> Result<u64, StoreError> {
        let mut stamp =
            self.conn.prepare_cached("SELECT hlc_wall_ms, hlc_logical FROM events WHERE node = ?1 AND seq = ?2")?;
        let mut before = |seq: u64| -> Result<bool, StoreError> {
            let found: Option<(i64, i64)> =
                stamp.query_row(params![node, seq as i64], |row| Ok((row.get(0)?, row.get(1)?))).optional()?;
            Ok(found.is_some_and(|(wall, logical)| Hlc { wall_ms: wall as u64, logical: logical as u32 } < hlc))
        };
        let last: Option<i64> =
            self.conn.query_row("SELECT max(seq) FROM events WHERE node = ?1", [node], |row| row.get(0))?;
        let (mut low, mut high) = (0u64, last.unwrap_or(0) as u64);
        // Invariant: events up to `low` are before `hlc`, those after `high` are not.
        while low < high {
            let middle = low + (high - low).div_ceil(2);
            if before(middle)? {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        Ok(low)
    }

    fn invoices_paid_beyond_total(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT number, contact, currency, excess FROM (
                 SELECT i.number, i.contact, i.currency,
                     coalesce((SELECT sum(amount_minor) FROM p_payment_allocations WHERE invoice = i.number), 0)
                     - i.gross_minor
                     - coalesce((SELECT sum(fee_minor) FROM p_reminders WHERE invoice = i.number), 0) AS excess
                 FROM p_invoices i WHERE i.settled_on IS NOT NULL)
             WHERE excess > 0 ORDER BY number",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let currency: String = row.get(2)?;
            out.push(Conflict::InvoicePaidBeyondTotal {
                invoice: row.get(0)?,
                contact: row.get(1)?,
                excess_minor: row.get(3)?,
                currency: currency
                    .parse()
                    .map_err(|_| StoreError::Corrupt { what: "an invoice currency is not valid".to_owned() })?,
            });
        }
        Ok(())
    }

    fn bills_paid_beyond_total(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT id, supplier, currency, excess FROM (
                 SELECT b.id, b.supplier, b.currency,
                     coalesce((SELECT sum(amount_minor) FROM p_bill_payments WHERE bill = b.id), 0) - b.gross_minor
                         AS excess
                 FROM p_bills b)
             WHERE excess > 0 ORDER BY id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let currency: String = row.get(2)?;
            out.push(Conflict::BillPaidBeyondTotal {
                bill: row.get(0)?,
                supplier: row.get(1)?,
                excess_minor: row.get(3)?,
                currency: currency
                    .parse()
                    .map_err(|_| StoreError::Corrupt { what: "a bill currency is not valid".to_owned() })?,
            });
        }
        Ok(())
    }

    fn reminders_sent_twice(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT invoice, level, group_concat(id, ' ') FROM
                 (SELECT invoice, level, id FROM p_reminders ORDER BY invoice, level, id)
             GROUP BY invoice, level HAVING count(*) > 1 ORDER BY invoice, level",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let reminders: String = row.get(2)?;
            out.push(Conflict::ReminderSentTwice {
                invoice: row.get(0)?,
                level: row.get(1)?,
                reminders: reminders.split(' ').map(str::to_owned).collect(),
            });
        }
        Ok(())
    }

    /// Fields whose writes no other write replaced are several, with different values: they
    /// were written on devices apart, and none of the writes made since knew them all. A write
    /// made where all were held replaces them all and settles it.
    fn contact_fields_edited_apart(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
        let mut candidates = self.conn.prepare(
            "SELECT contact, field FROM p_contact_history GROUP BY contact, field
             HAVING count(DISTINCT node) > 1 ORDER BY contact, field",
        )?;
        let candidates: Vec<(String, String)> =
            candidates.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<Result<_, _>>()?;
        let mut writes = self.conn.prepare_cached(
            "SELECT hlc_wall_ms || '.' || hlc_logical || '.' || lower(hex(node)), base, coalesce(value, ''),
                    lower(hex(substr(node, 1, 4)))
             FROM p_contact_history WHERE contact = ?1 AND field = ?2 ORDER BY hlc_wall_ms, hlc_logical, node",
        )?;
        for (contact, field) in candidates {
            let history: Vec<(String, Option<String>, String, String)> = writes
                .query_map(params![contact, field], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
                .collect::<Result<_, _>>()?;
            let stamps: Vec<(String, Option<String>)> =
                history.iter().map(|(stamp, base, _, _)| (stamp.clone(), base.clone())).collect();
            let heads = unreplaced(&stamps);
            let heads: Vec<&(String, Option<String>, String, String)> =
                history.iter().filter(|write| heads.contains(&write.0.as_str())).collect();
            let mut values: Vec<&str> = heads.iter().map(|write| write.2.as_str()).collect();
            values.dedup();
            if heads.len() > 1 && values.len() > 1 {
                let mut nodes: Vec<String> = heads.iter().map(|write| write.3.clone()).collect();
                nodes.dedup();
                out.push(Conflict::ContactFieldEditedApart {
                    contact,
                    field,
                    values: heads.iter().map(|write| write.2.clone()).collect(),
                    nodes,
                });
            }
        }
        Ok(())
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

    /// Before taking in about `expected` events of other nodes, in several runs: when they are
    /// many, and at least half as many as this node holds (a device that has just joined, or is
    /// being restored), the entries' secondary indexes are dropped and built once at the end
    /// (`end_take_in`), from all rows at once, rather than grown row by row. Should a crash come
    /// in between, `open` builds them.
    pub fn begin_take_in(&mut self, expected: u64) -> Result<(), StoreError> {
        let held = self.version_vector()?.total();
        if expected >= BULK_ENTRIES_MIN as u64 && expected >= held / 2 {
            self.conn.execute_batch(crate::schema::DROP_INDEXES_FOR_TAKE_IN)?;
        }
        Ok(())
    }

    /// After the runs announced by `begin_take_in`, whatever their outcome: builds the indexes
    /// that were dropped, and frees the memory kept between runs (tens of megabytes after a large
    /// pull).
    pub fn end_take_in(&mut self) -> Result<(), StoreError> {
        self.take_in = Projector::default();
        self.conn.execute_batch(crate::schema::PROJECTION_INDEXES)?;
        Ok(())
    }

    /// Takes in a run of `key`'s node's chain, received from `source` (a hub, a peer, a backup).
    /// All or nothing, except the evidence of a fork, which is kept even though the run is refused.
    pub fn take_in(&mut self, key: &VerifyingKey, run: &ChainRun, source: &str) -> Result<Taken, StoreError> {
        self.take_in_kept(key, run, source, &[])
    }

    /// As `take_in`, also keeping the batches the run came in (their first and last sequence and
    /// their bytes) in the same transaction. Several batches taken in at once share one
    /// transaction, which writes each projection page once rather than once per batch.
    ///
    /// Another node's events are committed without waiting for the disk (`synchronous=NORMAL`,
    /// for this transaction only): a power cut can lose the last of them, never corrupt the
    /// database, and they are held by their node and the hub, which give them again at the next
    /// sync; the next commit of this node's own work, fully synchronous, makes them durable first
    /// (the WAL is written in order). This node's own events, back after a restore, wait for the
    /// disk as everything else does.
    pub fn take_in_kept(
        &mut self,
        key: &VerifyingKey,
        run: &ChainRun,
        source: &str,
        batches: &[KeptBatch<'_>],
    ) -> Result<Taken, StoreError> {
        let relaxed = run.events.first().is_some_and(|event| event.node != self.node);
        if relaxed {
            self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        let taken = self.take_in_run(key, run, source, batches);
        if relaxed {
            self.conn.pragma_update(None, "synchronous", "FULL")?;
        }
        taken
    }

    fn take_in_run(
        &mut self,
        key: &VerifyingKey,
        run: &ChainRun,
        source: &str,
        batches: &[KeptBatch<'_>],
    ) -> Result<Taken, StoreError> {
        let Some(first) = run.events.first() else {
            return Ok(Taken::default());
        };
        let node = first.node;
        let refuse = |why: String| StoreError::SyncRefused { node: node.short(), why };
        if first.tenant != self.tenant {
            return Err(refuse("the events belong to another company".to_owned()));
        }
        if let Some(fork) = self.forks()?.into_iter().find(|fork| fork.node == node) {
            return Err(StoreError::Forked { node: node.short(), seq: fork.seq.0 });
        }
        let held = self.held(node)?;
        let (held_seq, held_hash) = held.map_or((EventSeq(0), Hash32::ZERO), |head| (head.seq, head.hash));
        let held_hlc: Option<Hlc> = self
            .conn
            .query_row(
                "SELECT hlc_wall_ms, hlc_logical FROM events WHERE node = ?1 AND seq = ?2",
                params![&node.as_bytes()[..], held_seq.0 as i64],
                |row| Ok(Hlc { wall_ms: row.get::<_, i64>(0)? as u64, logical: row.get::<_, i64>(1)? as u32 }),
            )
            .optional()?;
        // Events already held must be the very same; the first one that differs is a fork.
        let mut taken = Taken::default();
        let mut fresh = Vec::new();
        for event in &run.events {
            if event.node != node || event.tenant != self.tenant {
                return Err(refuse("a run mixes the events of several nodes".to_owned()));
            }
            if event.seq > held_seq {
                fresh.push(event);
                continue;
            }
            let stored: Option<Vec<u8>> = self
                .conn
                .query_row(
                    "SELECT hash FROM events WHERE node = ?1 AND seq = ?2",
                    params![&node.as_bytes()[..], event.seq.0 as i64],
                    |row| row.get(0),
                )
                .optional()?;
            let stored = hash_of(stored.ok_or_else(|| StoreError::Corrupt {
                what: format!("event {} of node {} is missing from the log", event.seq, node.short()),
            })?)?;
            let hash = event.hash();
            if hash != stored {
                self.conn.execute(
                    "INSERT OR IGNORE INTO forks (node, seq, held_hash, other_hash, other_event, source, seen_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        &node.as_bytes()[..],
                        event.seq.0 as i64,
                        &stored.as_bytes()[..],
                        &hash.as_bytes()[..],
                        event.encode(),
                        source,
                        self.now_ms() as i64
                    ],
                )?;
                tracing::warn!(node = %node.short(), seq = event.seq.0, source, "fork: two different events for one place");
                return Err(StoreError::Forked { node: node.short(), seq: event.seq.0 });
            }
            taken.already_held += 1;
        }
        let Some(next) = fresh.first() else {
            for batch in batches {
                keep_batch(&self.conn, node, *batch)?;
            }
            return Ok(taken);
        };
        if next.seq != held_seq.next() {
            return Err(refuse(format!(
                "events {} to {} are missing before this run",
                held_seq.next(),
                next.seq.0 - 1
            )));
        }
        if held_seq.0 == 0 {
            let announced = (next.kind == NODE_CREATED)
                .then(|| serde_json::from_slice::<NodeCreated>(&next.payload).ok())
                .flatten()
                .map(|created| created.public_key);
            if announced.as_deref() != Some(hex::encode(key.as_bytes()).as_str()) {
                return Err(refuse("the chain does not start with the key the roster gives for the node".to_owned()));
            }
        }
        let fresh_seals: Vec<Seal> = run.seals.iter().filter(|seal| seal.seq > held_seq).cloned().collect();
        let tenant = self.tenant;
        let check = |give: &mut dyn FnMut(Checked) -> bool| {
            check_run(tenant, node, *key, &fresh_seals, (held_seq, held_hash, held_hlc), &fresh, give)
        };
        let run =
            RunToWrite { state: &self.state, clock: self.head.hlc, node, fresh: &fresh, seals: &fresh_seals, batches };
        let (transaction, newest, head) = if fresh.len() >= CHECK_ASIDE_FROM {
            // A large run is checked on a thread of its own, chunk by chunk, while this one writes
            // the chunks already checked; nothing is committed before the whole run has passed.
            std::thread::scope(|scope| {
                let (give, take) = std::sync::mpsc::sync_channel::<Checked>(CHUNKS_AHEAD);
                let checker = scope.spawn(move || check(&mut |chunk| give.send(chunk).is_ok()));
                let written = write_run(&mut self.conn, &mut self.take_in, &run, take);
                let checked = checker.join().map_err(|_| StoreError::Corrupt {
                    what: "the check of the events taken in stopped short".to_owned(),
                })?;
                // A failed check ends the writing short: its own fault is the one to tell.
                let head = checked?;
                let (transaction, newest) = written?;
                let head = head.ok_or_else(|| StoreError::Corrupt {
                    what: "the events taken in were written before they were all checked".to_owned(),
                })?;
                Ok::<_, StoreError>((transaction, newest, head))
            })?
        } else {
            let mut chunks = Vec::new();
            let head = check(&mut |chunk| {
                chunks.push(chunk);
                true
            })?
            .ok_or_else(|| StoreError::Corrupt { what: "the events checked were not all kept".to_owned() })?;
            let (transaction, newest) = write_run(&mut self.conn, &mut self.take_in, &run, chunks)?;
            (transaction, newest, head)
        };
        let state = load_state(&transaction)?;
        transaction.commit()?;
        self.state = state;
        // The clock of this node moves past everything it has seen, so its next events come after.
        self.head.hlc = newest;
        if node == self.node {
            // This node's own events, back from another holder after a restore from an old copy.
            let (seq, hash) = head;
            self.head.seq = seq;
            self.head.hash = hash;
            if let Some(seal) = fresh_seals.last() {
                write_file_atomically(&self.dir.join(ANCHOR_FILE), &seal.encode())
                    .map_err(|error| StoreError::AnchorNotWritten { seq: seal.seq.0, reason: error.to_string() })?;
            }
        }
        taken.new_events = fresh.len() as u64;
        Ok(taken)
    }
}

/// Runs of at least this many new events are checked on a second thread while the first writes.
pub const CHECK_ASIDE_FROM: usize = 4_096;
/// Events per chunk handed from the checking thread to the writing one, and chunks checked ahead.
const CHECKED_CHUNK: usize = 2_048;
const CHUNKS_AHEAD: usize = 8;

/// A chunk of a run's new events, checked: the hash and the fact of each, in chain order, and
/// the content digest of each entry (`entry_digest`), computed here rather than on the writing
/// thread.
struct Checked {
    hashes: Vec<Hash32>,
    facts: Vec<Option<Fact>>,
    digests: Vec<Option<[u8; 32]>>,
}

/// Checks new events against the chain held (`held`: last sequence, its hash and clock): seal
/// signatures, hashes, links, clocks; and decodes their facts. A chunk at a time, each with the
/// seals over its events, so that the writing can start after the first chunk; each chunk checked
/// goes to `give`, which answers false once nobody takes them (the writing failed). Answers the
/// head reached, or nothing if the writing stopped first.
fn check_run(
    tenant: TenantId,
    node: NodeId,
    key: VerifyingKey,
    seals: &[Seal],
    held: (EventSeq, Hash32, Option<Hlc>),
    events: &[&Event],
    give: &mut dyn FnMut(Checked) -> bool,
) -> Result<Option<(EventSeq, Hash32)>, StoreError> {
    let refuse = |why: String| StoreError::SyncRefused { node: node.short(), why };
    let (mut last, mut prev, mut last_hlc) = held;
    for chunk in events.chunks(CHECKED_CHUNK) {
        let end = chunk.last().map_or(last, |event| event.seq);
        let over_chunk = seals.iter().filter(|seal| seal.seq > last && seal.seq <= end).cloned().collect();
        let mut verifier = ChainVerifier::new(tenant, node, key, over_chunk, None)
            .map_err(|fault| refuse(fault.to_string()))?
            .resume(last, prev, last_hlc);
        let mut checked = Checked {
            hashes: Vec::with_capacity(chunk.len()),
            facts: Vec::with_capacity(chunk.len()),
            digests: Vec::with_capacity(chunk.len()),
        };
        for event in chunk {
            checked.hashes.push(verifier.push(event.as_ref()).map_err(|fault| refuse(fault.to_string()))?);
            last_hlc = Some(event.hlc);
        }
        (last, prev) = verifier.head();
        // An event whose fact this node cannot read refuses that node's run only, as a broken
        // chain does; the other chains are still taken in.
        for event in chunk {
            let fact = Fact::from_payload(&event.kind, &event.payload)
                .map_err(|error| refuse(format!("event {}: {error}", event.seq)))?;
            checked.digests.push(match &fact {
                Some(Fact::EntryPosted(entry)) => Some(entry_digest(entry)),
                _ => None,
            });
            checked.facts.push(fact);
        }
        if !give(checked) {
            return Ok(None);
        }
    }
    if let Some(seal) = seals.iter().find(|seal| seal.seq > last) {
        return Err(refuse(format!("a seal names event {}, which the run does not hold", seal.seq)));
    }
    Ok(Some((last, prev)))
}

/// A run of new events to write, as `take_in_run` found it.
struct RunToWrite<'r> {
    /// The ledger state before the run.
    state: &'r rempart_domain::LedgerState,
    /// This node's clock.
    clock: Hlc,
    node: NodeId,
    fresh: &'r [&'r Event],
    seals: &'r [Seal],
    batches: &'r [KeptBatch<'r>],
}

/// Writes a run's new events, their seals, their projection (through `projector`) and the batches
/// they came in, as their chunks come checked, in one transaction left open for the caller to
/// commit once the whole run has passed. Answers the transaction and this node's clock moved past
/// everything seen.
fn write_run<'c>(
    conn: &'c mut rusqlite::Connection,
    projector: &mut Projector,
    run: &RunToWrite<'_>,
    chunks: impl IntoIterator<Item = Checked>,
) -> Result<(rusqlite::Transaction<'c>, Hlc), StoreError> {
    let RunToWrite { state, clock, node, fresh, seals, batches } = *run;
    // Immediate: the write lock is taken before anything is read, so that a checkpoint that
    // resets the WAL meanwhile cannot leave this transaction reading a snapshot it may not
    // write on (SQLITE_BUSY_SNAPSHOT); a writer waits on the lock instead.
    let transaction = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Read under the write lock, so that no commit of another process comes in between.
    let frontier = projected_frontier(&transaction)?;
    // The node's clock never goes back: it moves past everything it has seen.
    let mut newest = clock.max(frontier);
    let mut replay = false;
    let mut state = state.clone();
    // Anything left by a run that failed is dropped; the memory is kept.
    projector.clear();
    projector.reserve(fresh.len());
    let mut position = 0;
    {
        let mut insert = transaction.prepare_cached(
            "INSERT INTO events (node, seq, version, tenant, hlc_wall_ms, hlc_logical, prev, kind, payload, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for chunk in chunks {
            let events = fresh
                .get(position..position + chunk.hashes.len())
                .ok_or_else(|| StoreError::Corrupt { what: "more events checked than taken in".to_owned() })?;
            position += events.len();
            for (event, hash) in events.iter().zip(&chunk.hashes) {
                insert.execute(params![
                    &node.as_bytes()[..],
                    event.seq.0 as i64,
                    event.version,
                    &event.tenant.as_bytes()[..],
                    event.hlc.wall_ms as i64,
                    event.hlc.logical,
                    &event.prev.as_bytes()[..],
                    event.kind,
                    event.payload,
                    &hash.as_bytes()[..]
                ])?;
                newest = newest.max(event.hlc);
            }
            // Once one event must be merged by a replay, the projection waits for the end.
            replay = replay || needs_replay(&transaction, frontier, events, &chunk.facts)?;
            if !replay {
                for ((event, fact), digest) in events.iter().zip(&chunk.facts).zip(&chunk.digests) {
                    if let Some(fact) = fact {
                        projector.apply_checked(
                            &transaction,
                            &mut state,
                            Origin { node, seq: event.seq, hlc: event.hlc },
                            fact,
                            *digest,
                        )?;
                    }
                }
            }
        }
        if position != fresh.len() {
            return Err(StoreError::Corrupt { what: "fewer events checked than taken in".to_owned() });
        }
        let mut seal_insert = transaction
            .prepare_cached("INSERT OR IGNORE INTO seals (node, seq, head, signature) VALUES (?1, ?2, ?3, ?4)")?;
        for seal in seals {
            seal_insert.execute(params![
                &node.as_bytes()[..],
                seal.seq.0 as i64,
                &seal.head.as_bytes()[..],
                &seal.signature[..]
            ])?;
        }
    }
    if replay {
        tracing::info!(node = %node.short(), events = fresh.len(), "events earlier than those applied: projections replayed");
        rebuild_projections(&transaction)?;
    } else {
        projector.flush(&transaction)?;
    }
    for batch in batches {
        keep_batch(&transaction, node, *batch)?;
    }
    Ok((transaction, newest))
}

/// The clock of the latest event held that the projections show (events of the `node.` kinds,
/// such as a node's first event, project nothing): events later than it can be applied as they
/// come. A device that has just joined holds only its own first event, so everything it takes
/// in is later.
fn projected_frontier(conn: &rusqlite::Connection) -> Result<Hlc, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT hlc_wall_ms, hlc_logical FROM events WHERE kind NOT LIKE 'node.%'
             ORDER BY hlc_wall_ms DESC, hlc_logical DESC LIMIT 1",
        )?
        .query_row([], |row| Ok(Hlc { wall_ms: row.get::<_, i64>(0)? as u64, logical: row.get::<_, i64>(1)? as u32 }))
        .optional()?
        .unwrap_or_default())
}

/// Whether events taken in must be merged by replaying the projections, rather than applied as
/// they come. Applying them as they come gives the projections of the merge order (HLC, node) when
/// every event is later than all those applied so far (`frontier`), or when the earlier ones are
/// facts whose projection does not depend on order (each kind says which, `FactKind::merge`).
fn needs_replay(
    conn: &rusqlite::Connection,
    frontier: Hlc,
    events: &[&Event],
    facts: &[Option<Fact>],
) -> Result<bool, StoreError> {
    for (event, fact) in events.iter().zip(facts) {
        if event.hlc > frontier {
            continue;
        }
        let commutes = match fact.as_ref().map(Fact::merge) {
            None | Some(Merge::Commutes) => true,
            Some(Merge::Ordered) => false,
            Some(Merge::EntryUnlessTaken { id }) => {
                !entry_exists(conn, id)?
                    && !conn.prepare_cached("SELECT 1 FROM p_entries WHERE reverses = ?1")?.exists([id])?
            }
        };
        if !commutes {
            return Ok(true);
        }
    }
    Ok(false)
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
        assert!(laptop.take_in(&office.verifying_key(), &run, "test").unwrap().new_events > 0);
        assert_eq!(synchronous(&laptop), full);
        // Refused (signed by another key): the setting is back too.
        let stranger = SigningKey::from_bytes(&[9; 32]).verifying_key();
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

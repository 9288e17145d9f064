//! Conflicts between devices: what two nodes recorded apart that the merge order decided and a
//! person should look at (a key created twice, a bill recorded twice, an entry in a period another
//! device closed, an invoice paid beyond its total, a field written apart), and their settling.

use rempart_domain::{ConflictSettled, Currency, EntryPosted, Fact, FactKind};
use rempart_log::Hlc;
use rusqlite::{Connection, OptionalExtension, params};

use crate::Damage;
use crate::project::stored_currency;
use crate::{Store, StoreError};

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
    /// One draft issued on several devices apart (or by a device turned against the company):
    /// the first issue in merge order stands with its number and lines everywhere; each other
    /// issue took its number in its series and posted its entry, to be reversed.
    InvoiceIssuedTwice { invoice: String, standing: String, numbers: Vec<String>, nodes: Vec<String> },
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
            Conflict::InvoiceIssuedTwice { invoice, numbers, .. } => {
                vec!["invoice twice".into(), invoice.clone(), join(numbers)]
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
pub(crate) const CONFLICT_ID_SHOWN_CHARS: usize = 10;

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

/// Projects a `ConflictSettled` fact.
pub(crate) fn project_conflict_settled(conn: &Connection, settled: &ConflictSettled) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT OR IGNORE INTO p_settled_conflicts (id) VALUES (?1)")?.execute([&settled.id])?;

    Ok(())
}

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub(crate) const SCHEMA: &str = "
-- Conflicts between devices a person settled (`rempart conflicts --settle`), by id.
CREATE TABLE p_settled_conflicts (
    id TEXT PRIMARY KEY
) WITHOUT ROWID;
";

impl Store {
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
        self.commit(|commit| commit.record(Fact::ConflictSettled(settled)))
    }

    pub(crate) fn all_conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
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
        self.invoices_issued_twice(&mut out)?;
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
    pub(crate) fn keys_created_twice(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
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

    pub(crate) fn bills_recorded_twice(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
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
    pub(crate) fn entries_in_closed_periods(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
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
            let said: std::collections::BTreeMap<String, u64> =
                serde_json::from_str(&seen).map_err(|error| Damage::CloseVector { detail: error.to_string() })?;
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
    pub(crate) fn last_seq_before(&self, node: &[u8], hlc: Hlc) -> Result<u64, StoreError> {
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

    pub(crate) fn invoices_paid_beyond_total(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
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
                currency: stored_currency(&currency)?,
            });
        }
        Ok(())
    }

    pub(crate) fn bills_paid_beyond_total(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
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
                currency: stored_currency(&currency)?,
            });
        }
        Ok(())
    }

    pub(crate) fn invoices_issued_twice(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT c.key, i.number FROM p_creations c JOIN p_invoices i ON i.id = c.key
             WHERE c.record = ?1 AND i.number IS NOT NULL
             GROUP BY c.key HAVING count(*) > 1 ORDER BY c.key",
        )?;
        let mut issues = self.conn.prepare(
            "SELECT lower(hex(substr(e.node, 1, 4))), e.kind, e.payload FROM p_creations c
             JOIN events e ON e.node = c.node AND e.seq = c.seq
             WHERE c.record = ?1 AND c.key = ?2 ORDER BY c.node, c.seq",
        )?;
        let twice: Vec<(String, String)> = statement
            .query_map([crate::invoices::ISSUE_RECORD], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (invoice, standing) in twice {
            let (mut numbers, mut nodes) = (Vec::new(), Vec::new());
            let mut rows = issues.query(params![crate::invoices::ISSUE_RECORD, invoice])?;
            while let Some(row) = rows.next()? {
                let (node, kind, payload): (String, String, Vec<u8>) = (row.get(0)?, row.get(1)?, row.get(2)?);
                let fact = Fact::from_payload(&kind, &payload)
                    .map_err(|error| Damage::EventUnreadable { detail: error.to_string() })?;
                let Some(Fact::InvoiceIssued(issued)) = fact else {
                    return Err(
                        Damage::EventUnreadable { detail: format!("{kind} noted as an invoice's issue") }.into()
                    );
                };
                numbers.push(issued.number);
                if !nodes.contains(&node) {
                    nodes.push(node);
                }
            }
            numbers.sort();
            out.push(Conflict::InvoiceIssuedTwice { invoice, standing, numbers, nodes });
        }
        Ok(())
    }

    pub(crate) fn reminders_sent_twice(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
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
    pub(crate) fn contact_fields_edited_apart(&self, out: &mut Vec<Conflict>) -> Result<(), StoreError> {
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
}

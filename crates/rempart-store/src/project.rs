//! Projection: how each fact changes the projection tables. The same code runs when a fact is
//! recorded, when the projections are rebuilt, and when `verify` replays the log into a scratch
//! database, so the three cannot disagree.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rempart_domain::documents::PaperKind;
use rempart_domain::{Currency, EntryPosted, Fact, LedgerState};
use rempart_log::{EventSeq, Hlc, NodeId, TenantId};
use rusqlite::{Connection, params};

use crate::{Damage, StoreError};

/// Where a fact came from, as stored next to the rows it produced.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// The company the event belongs to.
    pub tenant: TenantId,
    pub node: NodeId,
    pub seq: EventSeq,
    pub hlc: Hlc,
}

/// Debit, credit and count of postings of one account, currency and month or day.
type Totals = (i64, i64, i64);
/// A row of a totals table: account, period (yyyymm or yyyymmdd), currency, totals.
type TotalsRow = (Arc<str>, u32, Currency, Totals);

fn add_to(totals: &mut Totals, amount_minor: i64) {
    if amount_minor > 0 {
        totals.0 += amount_minor;
    } else {
        totals.1 -= amount_minor;
    }
    totals.2 += 1;
}

/// Sums postings sorted by account and date into totals rows per account, period and currency,
/// in key order; `period` maps a date (yyyymmdd) to its period. The periods of one account
/// follow each other, so each (account, period) is one run of the postings and no map is needed.
fn totals_of(postings: &[PostingRow], period: impl Fn(u32) -> u32) -> Vec<TotalsRow> {
    let mut rows: Vec<TotalsRow> = Vec::new();
    // Where the rows of the current (account, period) start: a few, one per currency.
    let mut run_start = 0;
    for posting in postings {
        let at = period(posting.date);
        let same_run = rows.last().is_some_and(|(account, last, _, _)| *last == at && *account == posting.account);
        if !same_run {
            rows[run_start..].sort_unstable_by_key(|row| row.2);
            run_start = rows.len();
        }
        match rows[run_start..].iter_mut().find(|row| row.2 == posting.currency) {
            Some(row) => add_to(&mut row.3, posting.amount_minor),
            None => {
                let mut totals = (0, 0, 0);
                add_to(&mut totals, posting.amount_minor);
                rows.push((Arc::clone(&posting.account), at, posting.currency, totals));
            }
        }
    }
    rows[run_start..].sort_unstable_by_key(|row| row.2);
    rows
}

/// Adds totals rows, in key order, to a totals table; `period_text` renders the period.
fn write_totals(
    conn: &Connection,
    table: &str,
    period_column: &str,
    rows: Vec<TotalsRow>,
    period_text: impl Fn(u32) -> DayText,
) -> Result<(), StoreError> {
    let mut upsert = conn.prepare_cached(&format!(
        "INSERT INTO {table} (account, {period_column}, currency, debit_minor, credit_minor, postings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account, {period_column}, currency) DO UPDATE SET
             debit_minor = debit_minor + excluded.debit_minor,
             credit_minor = credit_minor + excluded.credit_minor,
             postings = postings + excluded.postings"
    ))?;
    for (account, period, currency, (debit, credit, count)) in rows {
        upsert.execute(params![&*account, period_text(period).as_str(), currency.as_str(), debit, credit, count])?;
    }
    Ok(())
}

/// A date (yyyy-mm-dd) or a month (yyyy-mm) as text, made without allocating: the projections
/// write several million of them in a large import or pull. The text is that of
/// `format!("{:04}-{:02}-{:02}")`, for any year.
pub(crate) struct DayText {
    bytes: [u8; 24],
    len: usize,
}

impl DayText {
    /// `yyyymmdd` as yyyy-mm-dd.
    pub(crate) fn day(yyyymmdd: u32) -> DayText {
        DayText::new(i64::from(yyyymmdd / 10_000), yyyymmdd / 100 % 100, Some(yyyymmdd % 100))
    }

    /// `yyyymm` as yyyy-mm.
    pub(crate) fn month(yyyymm: u32) -> DayText {
        DayText::new(i64::from(yyyymm / 100), yyyymm % 100, None)
    }

    pub(crate) fn date(date: NaiveDate) -> DayText {
        DayText::new(i64::from(date.year()), date.month(), Some(date.day()))
    }

    fn new(year: i64, month: u32, day: Option<u32>) -> DayText {
        let mut text = DayText { bytes: [0; 24], len: 0 };
        if (0..10_000).contains(&year) {
            let year = year as u32;
            text.push(&two_digits(year / 100));
            text.push(&two_digits(year % 100));
        } else {
            // Years of five digits or before year 0 come only from hand-made events; the
            // formatting machinery writes them as it always did.
            let mut cursor = std::io::Cursor::new(&mut text.bytes[..]);
            // 24 bytes hold any i64 with its sign.
            let _ = std::io::Write::write_fmt(&mut cursor, format_args!("{year:04}"));
            text.len = cursor.position() as usize;
        }
        text.push(b"-");
        text.push(&two_digits(month));
        if let Some(day) = day {
            text.push(b"-");
            text.push(&two_digits(day));
        }
        text
    }

    fn push(&mut self, bytes: &[u8]) {
        if let Some(slot) = self.bytes.get_mut(self.len..self.len + bytes.len()) {
            slot.copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits, signs and dashes are ever written.
        std::str::from_utf8(&self.bytes[..self.len]).expect("a day text holds ASCII digits and dashes only")
    }
}

/// A month or a day of the month, below 100, as two digits.
fn two_digits(value: u32) -> [u8; 2] {
    let value = value % 100;
    [b'0' + (value / 10) as u8, b'0' + (value % 10) as u8]
}

pub fn entry_exists(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("SELECT 1 FROM p_entries WHERE id = ?1")?.exists([id])?)
}

/// Marks the written entry `original` as reversed by entry `by`.
fn set_reversed_by(conn: &Connection, original: &str, by: &str) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE p_entries SET reversed_by = ?2 WHERE id = ?1")?.execute(params![original, by])?;
    Ok(())
}

/// A row of `p_entries` waiting to be written.
struct EntryRow {
    journal: String,
    series: Option<String>,
    number: u64,
    date: DayText,
    validated_on: DayText,
    text: String,
    reverses: Option<String>,
    reversed_by: Option<String>,
    digest: [u8; 32],
    node: NodeId,
    seq: EventSeq,
}

/// A row of `p_postings` waiting to be written; its field order is the table's key order. Account
/// and VAT code are interned and the entry id shared with its entry, so that a million-entry import
/// holds its postings in a few hundred megabytes.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct PostingRow {
    account: Arc<str>,
    /// The booking date as the number yyyymmdd, which sorts like the ISO text.
    date: u32,
    node: NodeId,
    seq: EventSeq,
    line: u32,
    entry_id: Arc<str>,
    amount_minor: i64,
    currency: Currency,
    vat_code: Option<Arc<str>>,
}

/// Rows a projector holds before writing them in key order: past this many postings it writes
/// what it holds, so that memory stays bounded (about 100 bytes a posting) during a huge import.
const BUFFERED_POSTINGS_MAX: usize = 4_000_000;

/// Gathers the rows of a commit (or of a replay) and writes them in key order at its end: entries
/// by id, postings by account and date, totals by account and month (summed from the sorted
/// postings). Inserting in key order turns random b-tree inserts into appends, which is most of
/// the speed of a large import or rebuild.
#[derive(Default)]
pub struct Projector {
    /// Entries in the order they came, sorted by id when written.
    entries: Vec<(Arc<str>, EntryRow)>,
    /// Where each entry of `entries` is, by id.
    entry_at: HashMap<Arc<str>, usize>,
    /// Interned account numbers and VAT codes.
    names: HashSet<Arc<str>>,
    postings: Vec<PostingRow>,
    /// (VAT code, yyyymmdd, account, currency) -> (sum of the amounts, postings).
    vat_daily: HashMap<VatDay, (i64, i64)>,
    journals: HashMap<String, u64>,
    /// The tickets' changes of stock levels, and their sums (each till's last ticket number,
    /// each session's, the sales by day and store).
    stock_levels: crate::stock::StockLevels,
    tickets: crate::tills::TicketSums,
}

/// The key of `p_vat_daily`: VAT code, day as yyyymmdd, account, currency.
type VatDay = (Arc<str>, u32, Arc<str>, Currency);

/// A date the projections hold, read back.
pub(crate) fn stored_date(text: &str) -> Result<NaiveDate, StoreError> {
    rempart_domain::rules::parse_date(text).map_err(|_| Damage::NotADate { text: text.to_owned() }.into())
}

/// A currency the projections hold, read back.
pub(crate) fn stored_currency(text: &str) -> Result<Currency, StoreError> {
    text.parse().map_err(|_| Damage::NotACurrency { text: text.to_owned() }.into())
}

pub fn date_text(date: NaiveDate) -> String {
    DayText::date(date).as_str().to_owned()
}

/// What two entries with the same id must share to be the same entry: everything but the number
/// and validation date, which the recording node assigns. Each field is length-prefixed so that
/// no two different entries feed the hasher the same bytes.
pub fn entry_digest(entry: &EntryPosted) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_derive_key("rempart 2026-11 entry content v1");
    let mut text = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    text(entry.journal.as_bytes());
    text(date_text(entry.date).as_bytes());
    text(entry.text.as_bytes());
    text(entry.reverses.as_deref().unwrap_or("\0none").as_bytes());
    for posting in &entry.postings {
        text(posting.account.as_bytes());
        text(&posting.amount_minor.to_be_bytes());
        text(posting.currency.as_str().as_bytes());
        text(posting.vat_code.as_deref().unwrap_or("\0none").as_bytes());
    }
    *hasher.finalize().as_bytes()
}

/// Notes the creation of a record under a chosen key (`p_creations`), with the digest of what it
/// said, whatever the merge rule made of it.
pub(crate) fn note_creation(
    conn: &Connection,
    record: &str,
    key: &str,
    origin: Origin,
    fact: &Fact,
) -> Result<(), StoreError> {
    let digest = blake3::hash(&fact.to_payload());
    conn.prepare_cached(
        "INSERT OR IGNORE INTO p_creations (record, key, node, seq, digest) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![record, key, &origin.node.as_bytes()[..], origin.seq.0 as i64, &digest.as_bytes()[..]])?;
    Ok(())
}

/// Notes an entry not counted because another node recorded its id first.
fn note_duplicate_entry(conn: &Connection, id: &str, node: NodeId, seq: EventSeq) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT OR IGNORE INTO p_entry_duplicates (id, node, seq) VALUES (?1, ?2, ?3)")?
        .execute(params![id, &node.as_bytes()[..], seq.0 as i64])?;
    Ok(())
}

impl Projector {
    pub fn apply(
        &mut self,
        conn: &Connection,
        state: &mut LedgerState,
        origin: Origin,
        fact: &Fact,
    ) -> Result<(), StoreError> {
        self.apply_checked(conn, state, origin, fact, None)
    }

    /// As `apply`, with the content digest of an entry (`entry_digest`) when it was computed
    /// already, on the thread that checked the events.
    pub fn apply_checked(
        &mut self,
        conn: &Connection,
        state: &mut LedgerState,
        origin: Origin,
        fact: &Fact,
        digest: Option<[u8; 32]>,
    ) -> Result<(), StoreError> {
        // A digest computed ahead (on the checking thread) is the entry's own.
        debug_assert!(
            digest.is_none() || matches!(fact, Fact::EntryPosted(entry) if digest == Some(entry_digest(entry))),
            "a digest given belongs to the entry it comes with"
        );
        match fact {
            Fact::CompanyCreated(company) => crate::company::project_company_created(conn, origin, company)?,
            Fact::AccountOpened(opened) => crate::ledger::project_account_opened(conn, origin, fact, opened)?,
            Fact::AccountEdited(edit) => crate::ledger::project_account_edited(conn, edit)?,
            Fact::VatCodeDefined(vat) => crate::ledger::project_vat_code_defined(conn, origin, fact, vat)?,
            Fact::EntryPosted(entry) => self.apply_entry(conn, origin, entry, digest)?,
            Fact::ItemDefined(item) => crate::catalogue::project_item_defined(conn, origin, fact, item)?,
            Fact::ItemEdited(edit) => crate::catalogue::project_item_edited(conn, edit)?,
            Fact::InvoiceDrafted(draft) => {
                crate::invoices::note_event(conn, origin, &draft.id)?;
                crate::invoices::project_invoice_drafted(conn, draft)?
            }
            Fact::InvoiceLineAdded(added) => {
                crate::invoices::note_event(conn, origin, &added.id)?;
                crate::invoices::project_invoice_line_added(conn, added)?
            }
            Fact::InvoiceIssued(issued) => {
                crate::invoices::note_event(conn, origin, &issued.id)?;
                note_creation(conn, crate::invoices::ISSUE_RECORD, &issued.id, origin, fact)?;
                if let Some(hash) = &issued.archive {
                    crate::documents::note_recorded(conn, PaperKind::Invoice, &issued.number, hash)?;
                }
                crate::invoices::project_invoice_issued(conn, issued)?
            }
            Fact::CreditNoteIssued(credit) => {
                crate::invoices::note_event(conn, origin, &credit.invoice)?;
                if let Some(hash) = &credit.archive {
                    crate::documents::note_recorded(conn, PaperKind::CreditNote, &credit.number, hash)?;
                }
                crate::invoices::project_credit_note_issued(conn, credit)?
            }
            Fact::CompanyDetailsSet(details) => {
                if let Some(Some(logo)) = details.fields.get("logo") {
                    crate::documents::keep_logo(conn, logo)?;
                }
                crate::company::project_company_details_set(conn, origin, details)?
            }
            Fact::BillRecorded(bill) => crate::bills::project_bill_recorded(conn, bill)?,
            Fact::BillPaid(paid) => crate::bills::project_bill_paid(conn, paid)?,
            Fact::ReminderSent(reminder) => {
                crate::invoices::note_event(conn, origin, &reminder.invoice)?;
                if let Some(hash) = &reminder.archive {
                    let number = rempart_domain::dunning::reminder_number(&reminder.invoice, reminder.level);
                    crate::documents::note_recorded(conn, PaperKind::Reminder, &number, hash)?;
                }
                crate::dunning::project_reminder_sent(conn, reminder)?
            }
            Fact::PaymentReceived(payment) => {
                for allocation in &payment.allocations {
                    crate::invoices::note_event(conn, origin, &allocation.invoice)?;
                }
                crate::payments::project_payment_received(conn, payment)?
            }
            Fact::ContactFieldDefined(field) => {
                crate::contacts::project_contact_field_defined(conn, origin, fact, field)?
            }
            Fact::ContactCreated(contact) => crate::contacts::project_contact_created(conn, origin, fact, contact)?,
            Fact::ContactEdited(edit) => crate::contacts::project_contact_edited(conn, origin, edit)?,
            Fact::ConflictSettled(settled) => crate::sync::project_conflict_settled(conn, settled)?,
            Fact::UserAdded(added) => crate::users::project_user_added(conn, origin, added)?,
            Fact::UserChanged(changed) => crate::users::project_user_changed(conn, origin, changed)?,
            Fact::LocationAdded(location) => crate::stock::project_location_added(conn, location)?,
            Fact::SkuDefined(sku) => crate::stock::project_sku_defined(conn, sku)?,
            Fact::StockReceived(receipt) => crate::stock::project_stock_received(conn, receipt)?,
            Fact::StockAdjusted(adjusted) => crate::stock::project_stock_adjusted(conn, adjusted)?,
            Fact::TransferSent(sent) => crate::stock::project_transfer_sent(conn, sent)?,
            Fact::TransferArrived(arrived) => crate::stock::project_transfer_arrived(conn, arrived)?,
            Fact::TillBound(bound) => crate::tills::project_till_bound(conn, bound)?,
            Fact::TicketRecorded(ticket) => crate::tills::project_ticket_recorded(
                conn,
                origin.seq.0,
                ticket,
                (&mut self.stock_levels, &mut self.tickets),
            )?,
            Fact::TillCash(cash) => crate::tills::project_till_cash(conn, cash)?,
            Fact::ClosureSealed(closure) => crate::closures::project_closure_sealed(conn, closure)?,
            Fact::ProgramSet(program) => crate::loyalty::project_program(conn, program)?,
            Fact::CardIssued(card) => crate::loyalty::project_card(conn, card)?,
            Fact::PointsMoved(moved) => crate::loyalty::project_points(conn, moved)?,
            Fact::VoucherIssued(voucher) => crate::loyalty::project_voucher(conn, voucher)?,
            Fact::PurchaseOrdered(order) => crate::replenish::project_purchase_ordered(conn, order)?,
            Fact::InvoiceLineChanged(changed) => {
                crate::invoices::note_event(conn, origin, &changed.id)?;
                crate::invoices::project_invoice_line_changed(conn, changed)?
            }
            Fact::InvoiceLineRemoved(removed) => {
                crate::invoices::note_event(conn, origin, &removed.id)?;
                crate::invoices::project_invoice_line_removed(conn, removed)?
            }
            Fact::InvoiceDiscarded(discarded) => {
                crate::invoices::note_event(conn, origin, &discarded.id)?;
                crate::invoices::project_invoice_discarded(conn, discarded)?
            }
            Fact::PeriodClosed(closed) => crate::ledger::project_period_closed(conn, origin, state, closed)?,
            Fact::QuoteDrafted(draft) => {
                crate::invoices::note_event(conn, origin, &draft.id)?;
                crate::quotes::project_quote_drafted(conn, draft)?
            }
            Fact::QuoteLineAdded(added) => {
                crate::invoices::note_event(conn, origin, &added.id)?;
                crate::quotes::project_quote_line_added(conn, added)?
            }
            Fact::QuoteLineChanged(changed) => {
                crate::invoices::note_event(conn, origin, &changed.id)?;
                crate::quotes::project_quote_line_changed(conn, changed)?
            }
            Fact::QuoteLineRemoved(removed) => {
                crate::invoices::note_event(conn, origin, &removed.id)?;
                crate::quotes::project_quote_line_removed(conn, removed)?
            }
            Fact::QuoteDiscarded(discarded) => {
                crate::invoices::note_event(conn, origin, &discarded.id)?;
                crate::quotes::project_quote_discarded(conn, discarded)?
            }
            Fact::QuoteSent(sent) => {
                crate::invoices::note_event(conn, origin, &sent.id)?;
                if let Some(hash) = &sent.archive {
                    crate::documents::note_recorded(conn, PaperKind::Quote, &sent.number, hash)?;
                }
                crate::quotes::project_quote_sent(conn, sent)?
            }
            Fact::QuoteAnswered(answered) => {
                crate::invoices::note_event(conn, origin, &answered.id)?;
                // The invoice it became shows where it came from.
                if let Some(invoice) = &answered.invoice {
                    crate::invoices::note_event(conn, origin, invoice)?;
                }
                crate::quotes::project_quote_answered(conn, answered)?
            }
            Fact::DocumentArchived(archived) => crate::documents::project_document_archived(conn, origin, archived)?,
            Fact::VehicleNoted(noted) => {
                crate::invoices::note_event(conn, origin, &noted.document)?;
                crate::vehicles::project_vehicle_noted(conn, noted)?
            }
        }
        state.apply(fact);
        Ok(())
    }

    fn apply_entry(
        &mut self,
        conn: &Connection,
        origin: Origin,
        entry: &EntryPosted,
        digest: Option<[u8; 32]>,
    ) -> Result<(), StoreError> {
        // The same id recorded by two nodes (each importing the same file offline): the first in
        // the merge order stands, the other is a conflict for people to look at, and is not
        // counted twice. A local commit never gets here with a known id. An id met earlier in
        // this projector is found here; one already written is found when the entries are
        // written (`write_rows`), which then drops what the entry brought: one lookup per
        // entry less, a million of them in a large pull. A reversal is looked up at once, for
        // its effect on the entry it reverses is made now.
        if self.entry_at.contains_key(entry.id.as_str()) || (entry.reverses.is_some() && entry_exists(conn, &entry.id)?)
        {
            return note_duplicate_entry(conn, &entry.id, origin.node, origin.seq);
        }
        if let Some(original) = &entry.reverses {
            match self.entry_at.get(original.as_str()).and_then(|at| self.entries.get_mut(*at)) {
                Some((_, row)) => row.reversed_by = Some(entry.id.clone()),
                None => set_reversed_by(conn, original, &entry.id)?,
            }
        }
        // As the number yyyymmdd, which sorts like the ISO text (as it always was, a year before
        // 0 wraps around).
        let day =
            (entry.date.year() as u32).wrapping_mul(10_000).wrapping_add(entry.date.month() * 100 + entry.date.day());
        let entry_id: Arc<str> = Arc::from(entry.id.as_str());
        for (index, posting) in entry.postings.iter().enumerate() {
            let account = self.intern(&posting.account);
            let vat_code = posting.vat_code.as_deref().map(|code| self.intern(code));
            if let Some(code) = &vat_code {
                let sum =
                    self.vat_daily.entry((Arc::clone(code), day, Arc::clone(&account), posting.currency)).or_default();
                sum.0 += posting.amount_minor;
                sum.1 += 1;
            }
            self.postings.push(PostingRow {
                account,
                date: day,
                node: origin.node,
                seq: origin.seq,
                line: index as u32 + 1,
                entry_id: Arc::clone(&entry_id),
                amount_minor: posting.amount_minor,
                currency: posting.currency,
                vat_code,
            });
        }
        self.entry_at.insert(Arc::clone(&entry_id), self.entries.len());
        self.entries.push((
            entry_id,
            EntryRow {
                journal: entry.journal.clone(),
                series: entry.series.clone(),
                number: entry.number,
                date: DayText::date(entry.date),
                validated_on: DayText::date(entry.validated_on),
                text: entry.text.clone(),
                reverses: entry.reverses.clone(),
                reversed_by: None,
                digest: digest.unwrap_or_else(|| entry_digest(entry)),
                node: origin.node,
                seq: origin.seq,
            },
        ));
        if self.postings.len() >= BUFFERED_POSTINGS_MAX {
            self.write_rows(conn)?;
        }
        Ok(())
    }

    fn intern(&mut self, name: &str) -> Arc<str> {
        match self.names.get(name) {
            Some(interned) => Arc::clone(interned),
            None => {
                let interned: Arc<str> = Arc::from(name);
                self.names.insert(Arc::clone(&interned));
                interned
            }
        }
    }

    /// Forgets everything gathered and not written (after a failed commit), keeping the memory
    /// for the next one.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.entry_at.clear();
        self.postings.clear();
        self.vat_daily.clear();
        self.journals.clear();
        self.stock_levels.clear();
        self.tickets.clear();
    }

    /// Makes room for `entries` more entries at once, rather than growing step by step.
    pub fn reserve(&mut self, entries: usize) {
        self.entries.reserve(entries);
        self.entry_at.reserve(entries);
        self.postings.reserve(entries.saturating_mul(3).min(BUFFERED_POSTINGS_MAX));
    }

    /// The content digest of an entry recorded under `id` earlier in this commit, if any.
    pub fn pending_digest(&self, id: &str) -> Option<[u8; 32]> {
        self.entry_at.get(id).and_then(|at| self.entries.get(*at)).map(|(_, row)| row.digest)
    }

    /// Writes the buffered entries and postings, each in key order, and the totals of the postings.
    fn write_rows(&mut self, conn: &Connection) -> Result<(), StoreError> {
        let mut insert_entry = conn.prepare_cached(
            "INSERT INTO p_entries (id, journal, series, number, date, validated_on, text, reverses, reversed_by, digest,
                                    node, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (id) DO NOTHING",
        )?;
        self.entries.sort_unstable_by(|left, right| left.0.cmp(&right.0));
        // Entries whose id was already written (by another node's event earlier in the merge
        // order): they stand as they are, and what these brought is dropped.
        let mut known: HashSet<Arc<str>> = HashSet::new();
        for (id, row) in &self.entries {
            let written = insert_entry.execute(params![
                &**id,
                row.journal,
                row.series,
                row.number as i64,
                row.date.as_str(),
                row.validated_on.as_str(),
                row.text,
                row.reverses,
                row.reversed_by,
                &row.digest[..],
                &row.node.as_bytes()[..],
                row.seq.0 as i64
            ])?;
            if written == 0 {
                note_duplicate_entry(conn, id, row.node, row.seq)?;
                known.insert(Arc::clone(id));
                // A later entry of this projector reversed it: that reversal stands, on the
                // entry written before, as it would had the id been found when it came.
                if let Some(by) = &row.reversed_by {
                    set_reversed_by(conn, id, by)?;
                }
                continue;
            }
            let key = rempart_domain::journal_key(&row.journal, row.series.as_deref());
            let last = self.journals.entry(key).or_insert(0);
            *last = (*last).max(row.number);
        }
        self.entries.clear();
        self.entry_at.clear();
        if !known.is_empty() {
            let vat_daily = &mut self.vat_daily;
            self.postings.retain(|row| {
                if !known.contains(&row.entry_id) {
                    return true;
                }
                if let Some(code) = &row.vat_code {
                    let key = (Arc::clone(code), row.date, Arc::clone(&row.account), row.currency);
                    if let Some(sum) = vat_daily.get_mut(&key) {
                        sum.0 -= row.amount_minor;
                        sum.1 -= 1;
                        if sum.1 == 0 {
                            vat_daily.remove(&key);
                        }
                    }
                }
                false
            });
        }
        self.postings.sort_unstable();
        let mut insert_posting = conn.prepare_cached(
            "INSERT INTO p_postings (account, date, node, seq, line, entry_id, amount_minor, currency, vat_code)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for row in &self.postings {
            insert_posting.execute(params![
                &*row.account,
                DayText::day(row.date).as_str(),
                &row.node.as_bytes()[..],
                row.seq.0 as i64,
                row.line,
                &*row.entry_id,
                row.amount_minor,
                row.currency.as_str(),
                row.vat_code.as_deref()
            ])?;
        }
        write_totals(conn, "p_balances", "month", totals_of(&self.postings, |day| day / 100), DayText::month)?;
        write_totals(conn, "p_balances_daily", "day", totals_of(&self.postings, |day| day), DayText::day)?;
        self.postings.clear();
        Ok(())
    }

    /// Writes everything gathered. Called once at the end of each commit, rebuild or replay.
    pub fn flush(&mut self, conn: &Connection) -> Result<(), StoreError> {
        self.write_rows(conn)?;
        let mut vat = conn.prepare_cached(
            "INSERT INTO p_vat_daily (vat_code, day, account, currency, amount_minor, postings)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (vat_code, day, account, currency) DO UPDATE SET
                 amount_minor = amount_minor + excluded.amount_minor,
                 postings = postings + excluded.postings",
        )?;
        let mut vat_rows: Vec<(VatDay, (i64, i64))> = self.vat_daily.drain().collect();
        vat_rows.sort_unstable();
        for ((code, day, account, currency), (amount, count)) in vat_rows {
            vat.execute(params![&*code, DayText::day(day).as_str(), &*account, currency.as_str(), amount, count])?;
        }
        let mut journal = conn.prepare_cached(
            "INSERT INTO p_journals (code, last_number) VALUES (?1, ?2)
             ON CONFLICT (code) DO UPDATE SET last_number = max(last_number, excluded.last_number)",
        )?;
        for (code, last) in self.journals.drain() {
            journal.execute(params![code, last as i64])?;
        }
        crate::stock::write_levels(conn, &mut self.stock_levels)?;
        self.tickets.write(conn)?;
        Ok(())
    }
}

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub(crate) const SCHEMA: &str = "
-- Every creation of a record under a key people choose, from every node, with the BLAKE3 of
-- what it said: the same key created with other content on another node is a conflict
-- (`record` is account, vat_code, item, contact_field or contact).
CREATE TABLE p_creations (
    record TEXT NOT NULL,
    key TEXT NOT NULL,
    node BLOB NOT NULL,
    seq INTEGER NOT NULL,
    digest BLOB NOT NULL,
    PRIMARY KEY (record, key, node, seq)
) WITHOUT ROWID;
";

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rempart_domain::contacts::ContactEdited;

    use super::*;
    use crate::schema::create_projections;

    /// The text written without allocating is the text `format!` gives, for any year the
    /// projections can meet, including those of hand-made events.
    #[test]
    fn dates_are_written_as_format_writes_them() {
        for yyyymmdd in [20_261_202, 1_231, 99_991_231, 100_000_101, u32::MAX] {
            let (year, month, day) = (yyyymmdd / 10_000, yyyymmdd / 100 % 100, yyyymmdd % 100);
            assert_eq!(DayText::day(yyyymmdd).as_str(), format!("{year:04}-{month:02}-{day:02}"));
            assert_eq!(DayText::month(yyyymmdd / 100).as_str(), format!("{year:04}-{month:02}"));
        }
        for (year, month, day) in [(2026, 2, 28), (0, 1, 1), (-1, 12, 31), (-262_000, 6, 15), (262_000, 6, 15)] {
            let date = NaiveDate::from_ymd_opt(year, month, day).unwrap();
            assert_eq!(DayText::date(date).as_str(), format!("{year:04}-{month:02}-{day:02}"));
            assert_eq!(date_text(date), format!("{year:04}-{month:02}-{day:02}"));
        }
    }

    /// Totals summed from postings sorted by account and date: one row per account, period and
    /// currency, in key order, debits and credits apart.
    #[test]
    fn totals_are_summed_per_account_period_and_currency_in_key_order() {
        let posting = |account: &str, date: u32, currency: Currency, amount_minor: i64| PostingRow {
            account: Arc::from(account),
            date,
            node: NodeId::from_bytes([1; 16]),
            seq: EventSeq(1),
            line: 1,
            entry_id: Arc::from("E"),
            amount_minor,
            currency,
            vat_code: None,
        };
        let mut postings = vec![
            posting("1020", 20_260_131, Currency::CHF, 500),
            posting("1000", 20_260_105, Currency::EUR, -70),
            posting("1000", 20_260_105, Currency::CHF, 100),
            posting("1000", 20_260_105, Currency::CHF, -30),
            posting("1000", 20_260_220, Currency::CHF, 5),
            posting("1000", 20_260_107, Currency::EUR, 9),
        ];
        postings.sort_unstable();
        let monthly: Vec<(String, u32, Currency, Totals)> = totals_of(&postings, |day| day / 100)
            .into_iter()
            .map(|(account, period, currency, totals)| (account.to_string(), period, currency, totals))
            .collect();
        assert_eq!(
            monthly,
            vec![
                ("1000".to_owned(), 202_601, Currency::CHF, (100, 30, 2)),
                ("1000".to_owned(), 202_601, Currency::EUR, (9, 70, 2)),
                ("1000".to_owned(), 202_602, Currency::CHF, (5, 0, 1)),
                ("1020".to_owned(), 202_601, Currency::CHF, (500, 0, 1)),
            ]
        );
        let daily = totals_of(&postings, |day| day);
        let keys: Vec<(u32, Currency)> = daily.iter().map(|row| (row.1, row.2)).collect();
        assert_eq!(
            keys,
            vec![
                (20_260_105, Currency::CHF),
                (20_260_105, Currency::EUR),
                (20_260_107, Currency::EUR),
                (20_260_220, Currency::CHF),
                (20_260_131, Currency::CHF),
            ]
        );
        assert_eq!(daily[1].3, (0, 70, 1));
    }

    /// Writes from two nodes applied newest first: the field keeps the newest value and the
    /// history keeps both, as when a late batch arrives from another node.
    #[test]
    fn a_late_older_write_loses_but_is_kept_in_the_history() {
        let conn = Connection::open_in_memory().unwrap();
        create_projections(&conn).unwrap();
        let mut projector = Projector::default();
        let mut state = LedgerState::default();
        let edit = |value: &str| {
            Fact::ContactEdited(ContactEdited {
                id: "C-1".into(),
                fields: BTreeMap::from([("town".to_owned(), Some(value.to_owned()))]),
                base: BTreeMap::new(),
            })
        };
        let newer = Origin {
            tenant: TenantId::from_bytes([9; 16]),
            node: NodeId::from_bytes([1; 16]),
            seq: EventSeq(9),
            hlc: Hlc { wall_ms: 2_000, logical: 0 },
        };
        let older = Origin {
            tenant: TenantId::from_bytes([9; 16]),
            node: NodeId::from_bytes([2; 16]),
            seq: EventSeq(4),
            hlc: Hlc { wall_ms: 1_000, logical: 5 },
        };
        projector.apply(&conn, &mut state, newer, &edit("Lausanne")).unwrap();
        projector.apply(&conn, &mut state, older, &edit("Genève")).unwrap();
        let town: String = conn
            .query_row("SELECT value FROM p_contact_fields WHERE contact = 'C-1' AND field = 'town'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(town, "Lausanne");
        let history: i64 = conn
            .query_row("SELECT count(*) FROM p_contact_history WHERE contact = 'C-1'", [], |row| row.get(0))
            .unwrap();
        assert_eq!(history, 2);
        // Same HLC, the greater node id wins.
        let tie = Origin {
            tenant: TenantId::from_bytes([9; 16]),
            node: NodeId::from_bytes([3; 16]),
            seq: EventSeq(1),
            hlc: Hlc { wall_ms: 2_000, logical: 0 },
        };
        projector.apply(&conn, &mut state, tie, &edit("Sion")).unwrap();
        let town: String = conn
            .query_row("SELECT value FROM p_contact_fields WHERE contact = 'C-1' AND field = 'town'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(town, "Sion");
    }
}

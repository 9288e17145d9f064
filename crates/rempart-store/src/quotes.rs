//! Quotes: drafts and their lines (read and checked as an invoice's), sending, which numbers the
//! quote from this node's quote series, and the answer: refused, or accepted, which drafts the
//! invoice with the same lines in the same commit.

use chrono::{Datelike, Days, NaiveDate};
use rempart_domain::invoices::{InvoiceDrafted, InvoiceError, InvoiceLine, InvoiceLineAdded, InvoiceTotals, totals};
use rempart_domain::quotes::{
    Answer, QuoteAnswered, QuoteDiscarded, QuoteDrafted, QuoteError, QuoteLineAdded, QuoteLineChanged,
    QuoteLineRemoved, QuoteSent, QuoteStatus, VALIDITY_DAYS_DEFAULT, check_answer, check_validity,
};
use rempart_domain::vehicles::{VehicleError, VehicleNoted};
use rempart_domain::{Currency, Fact, LedgerState};
use rusqlite::{Connection, OptionalExtension, params};

use crate::invoices::{LineSpec, Lines, read_lines, resolve_line, write_line};
use crate::project::{date_text, stored_currency, stored_date};
use crate::{Store, StoreError};

/// The lines of quotes.
const QUOTE_LINES: Lines = Lines { table: "p_quote_lines", owner: "quote" };

/// A quote as stored: its header, its lines, and once sent its number, once answered its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub id: String,
    pub contact: String,
    pub date: NaiveDate,
    pub currency: Currency,
    pub cash_rounding: bool,
    pub valid_until: NaiveDate,
    pub number: Option<String>,
    pub lines: Vec<InvoiceLine>,
    /// The number of each line in `lines`, by which a draft's line is changed or removed.
    pub line_numbers: Vec<u32>,
    /// Totals as they are now (for a draft) or as sent; none while the draft has no priced line.
    pub totals: Option<InvoiceTotals>,
    pub discarded: bool,
    pub answer: Option<Answer>,
    pub answered_on: Option<NaiveDate>,
    /// The invoice draft an accepted quote became.
    pub invoice: Option<String>,
}

impl Quote {
    pub fn status(&self, today: NaiveDate) -> QuoteStatus {
        QuoteStatus::of(self.number.is_some(), self.answer, self.valid_until, today)
    }
}

/// One quote of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteSummary {
    pub id: String,
    pub number: Option<String>,
    pub contact: String,
    /// The customer's name (their id when they have none).
    pub customer: String,
    pub date: NaiveDate,
    pub valid_until: NaiveDate,
    pub currency: Currency,
    pub gross_minor: i64,
    pub status: QuoteStatus,
    /// The invoice an accepted quote became: its number once issued, its draft id before.
    pub invoice: Option<String>,
}

/// Which quotes a list shows.
#[derive(Debug, Clone, Default)]
pub struct QuoteFilter {
    pub contact: Option<String>,
    pub status: Option<QuoteStatus>,
}

impl Store {
    /// Starts a draft quote for a contact, valid until `valid_until` (thirty days after its date
    /// when not given); returns its draft id.
    pub fn draft_quote(
        &mut self,
        contact: &str,
        date: NaiveDate,
        valid_until: Option<NaiveDate>,
        cash_rounding: bool,
    ) -> Result<String, StoreError> {
        self.draft_quote_for(contact, (date, valid_until), cash_rounding, None)
    }

    /// Starts a draft quote for a contact and, when given, one of its vehicles with the mileage
    /// read, in one commit; returns its draft id.
    pub fn draft_quote_for(
        &mut self,
        contact: &str,
        (date, valid_until): (NaiveDate, Option<NaiveDate>),
        cash_rounding: bool,
        visit: Option<&crate::vehicles::Visit>,
    ) -> Result<String, StoreError> {
        let currency = self.company()?.currency;
        self.contact(contact)?;
        let valid_until = match valid_until {
            Some(until) => until,
            None => date
                .checked_add_days(Days::new(VALIDITY_DAYS_DEFAULT))
                .ok_or(QuoteError::Validity { date, valid_until: date })?,
        };
        check_validity(date, valid_until)?;
        let id = format!("Q-{}", hex::encode(self.random_bytes::<5>()));
        let noted = visit.map(|visit| self.noted(contact, &id, visit)).transpose()?;
        let draft =
            QuoteDrafted { id: id.clone(), contact: contact.to_owned(), date, currency, cash_rounding, valid_until };
        self.commit(|commit| {
            commit.record(Fact::QuoteDrafted(draft))?;
            match noted {
                Some(noted) => commit.record(Fact::VehicleNoted(noted)),
                None => Ok(()),
            }
        })?;
        Ok(id)
    }

    /// A quote by draft id or number.
    pub fn quote(&self, id_or_number: &str) -> Result<Quote, StoreError> {
        read_quote(&self.conn, &self.state, id_or_number)
    }

    /// Adds a line to a draft quote, completed from its item as an invoice's line is.
    pub fn add_quote_line(&mut self, id: &str, spec: LineSpec) -> Result<InvoiceLine, StoreError> {
        let quote = draft_in(&self.conn, &self.state, id)?;
        let lang = self.language_of(&quote.contact)?;
        let line = resolve_line(&self.state, &self.items()?, spec, (quote.date, lang.as_deref()))?;
        self.commit(|commit| {
            draft_in(commit.conn, &commit.state, &quote.id)?;
            commit.record(Fact::QuoteLineAdded(QuoteLineAdded { id: quote.id.clone(), line: line.clone() }))
        })?;
        Ok(line)
    }

    /// Replaces line `line` of a draft quote.
    pub fn change_quote_line(&mut self, id: &str, line: u32, spec: LineSpec) -> Result<InvoiceLine, StoreError> {
        let quote = draft_in(&self.conn, &self.state, id)?;
        let line = held_line(&quote, line)?;
        let lang = self.language_of(&quote.contact)?;
        let new = resolve_line(&self.state, &self.items()?, spec, (quote.date, lang.as_deref()))?;
        let changed = QuoteLineChanged { id: quote.id, line, new: new.clone() };
        self.commit(|commit| {
            held_line(&draft_in(commit.conn, &commit.state, &changed.id)?, line)?;
            commit.record(Fact::QuoteLineChanged(changed))
        })?;
        Ok(new)
    }

    /// Removes line `line` of a draft quote.
    pub fn remove_quote_line(&mut self, id: &str, line: u32) -> Result<(), StoreError> {
        let quote = draft_in(&self.conn, &self.state, id)?;
        let line = held_line(&quote, line)?;
        let removed = QuoteLineRemoved { id: quote.id, line };
        self.commit(|commit| {
            held_line(&draft_in(commit.conn, &commit.state, &removed.id)?, line)?;
            commit.record(Fact::QuoteLineRemoved(removed))
        })
    }

    /// Throws a draft quote away.
    pub fn discard_quote(&mut self, id: &str) -> Result<(), StoreError> {
        let quote = draft_in(&self.conn, &self.state, id)?;
        self.commit(|commit| {
            let quote = draft_in(commit.conn, &commit.state, &quote.id)?;
            commit.record(Fact::QuoteDiscarded(QuoteDiscarded { id: quote.id }))
        })
    }

    /// Sends a draft quote: numbers it in this node's quote series of its year and freezes its
    /// lines and validity. Returns the number.
    pub fn send_quote(&mut self, id: &str) -> Result<String, StoreError> {
        let quote = draft_in(&self.conn, &self.state, id)?;
        let numbering = self.numbering()?;
        let series = numbering.quotes(quote.date.year());
        let parties = self.parties(&quote.contact, &quote.id)?;
        self.commit(|commit| {
            // Read again under the write lock: another handle may have sent or changed it.
            let quote = draft_in(commit.conn, &commit.state, &quote.id)?;
            let totals = totals(&commit.state, &quote.lines, quote.date, quote.cash_rounding)?;
            let sequence = commit.state.next_invoice_sequence(&series);
            let number = numbering.number(&series, sequence);
            let paper = parties.paper(crate::documents::Figures {
                kind: rempart_domain::documents::PaperKind::Quote,
                number: number.clone(),
                date: quote.date,
                until: Some(quote.valid_until),
                lines: &quote.lines,
                totals: &totals,
                refers_to: None,
                reminder: None,
                services_vat: None,
            });
            let archive = Some(crate::documents::archive(commit, paper)?);
            commit.record(Fact::QuoteSent(QuoteSent {
                id: quote.id.clone(),
                series: series.clone(),
                sequence,
                number: number.clone(),
                valid_until: quote.valid_until,
                gross_minor: totals.gross_minor,
                lines: quote.lines,
                archive,
            }))?;
            Ok(number)
        })
    }

    /// Records the customer's acceptance of a sent quote on `date`, within its validity, and
    /// drafts the invoice dated that day with the quote's lines (checked again for that day)
    /// and its vehicle (with `mileage_km` when read again, else the quote's), in the same
    /// commit. Returns the invoice draft's id.
    pub fn accept_quote(
        &mut self,
        id_or_number: &str,
        date: NaiveDate,
        mileage_km: Option<u64>,
    ) -> Result<String, StoreError> {
        let quote = self.quote(id_or_number)?;
        let invoice = self.new_draft_id();
        let vehicle = crate::vehicles::noted_in(&self.conn, &quote.id)?.map(|noted| VehicleNoted {
            document: invoice.clone(),
            record: noted.record,
            plate: noted.plate,
            mileage_km: mileage_km.or(noted.mileage_km),
        });
        if vehicle.is_none() && mileage_km.is_some() {
            return Err(VehicleError::MileageWithoutVehicle.into());
        }
        for line in &quote.lines {
            rempart_domain::invoices::check_line(&self.state, line, date)?;
        }
        self.commit(|commit| {
            let quote = answerable(commit.conn, &commit.state, &quote.id, Answer::Accepted, date)?;
            commit.record(Fact::InvoiceDrafted(InvoiceDrafted {
                id: invoice.clone(),
                contact: quote.contact.clone(),
                date,
                currency: quote.currency,
                cash_rounding: quote.cash_rounding,
            }))?;
            for line in &quote.lines {
                commit.record(Fact::InvoiceLineAdded(InvoiceLineAdded { id: invoice.clone(), line: line.clone() }))?;
            }
            if let Some(vehicle) = vehicle {
                commit.record(Fact::VehicleNoted(vehicle))?;
            }
            commit.record(Fact::QuoteAnswered(QuoteAnswered {
                id: quote.id,
                date,
                answer: Answer::Accepted,
                invoice: Some(invoice.clone()),
            }))
        })?;
        Ok(invoice)
    }

    /// Records the customer's refusal of a sent quote on `date`.
    pub fn refuse_quote(&mut self, id_or_number: &str, date: NaiveDate) -> Result<(), StoreError> {
        let quote = self.quote(id_or_number)?;
        self.commit(|commit| {
            let quote = answerable(commit.conn, &commit.state, &quote.id, Answer::Refused, date)?;
            commit.record(Fact::QuoteAnswered(QuoteAnswered {
                id: quote.id,
                date,
                answer: Answer::Refused,
                invoice: None,
            }))
        })
    }

    /// Quotes, the newest first, with their status on `today` (drafts thrown away are not listed).
    pub fn quote_list(&self, filter: &QuoteFilter, today: NaiveDate) -> Result<Vec<QuoteSummary>, StoreError> {
        let ids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM p_quotes WHERE NOT discarded AND (?1 IS NULL OR contact = ?1)
                 ORDER BY date DESC, number IS NOT NULL, number DESC, id",
            )?
            .query_map([&filter.contact], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for id in ids {
            let quote = self.quote(&id)?;
            let status = quote.status(today);
            if filter.status.is_some_and(|wanted| wanted != status) {
                continue;
            }
            let customer = self.contact(&quote.contact)?.remove("name").unwrap_or_else(|| quote.contact.clone());
            // The invoice it became, by number once issued.
            let invoice = match &quote.invoice {
                Some(id) => Some(self.invoice(id)?.number.unwrap_or_else(|| id.clone())),
                None => None,
            };
            out.push(QuoteSummary {
                gross_minor: quote.totals.as_ref().map_or(0, |totals| totals.gross_minor),
                id: quote.id,
                number: quote.number,
                contact: quote.contact,
                customer,
                date: quote.date,
                valid_until: quote.valid_until,
                currency: quote.currency,
                status,
                invoice,
            });
        }
        Ok(out)
    }

    /// Every fact about a quote (drafted, lines, sent, answered) in merge order, with who
    /// recorded it.
    pub fn quote_history(&self, id_or_number: &str) -> Result<Vec<crate::invoices::HistoryItem>, StoreError> {
        let quote = self.quote(id_or_number)?;
        self.document_history(&quote.id, None)
    }
}

/// A quote's row as stored, before its dates, currency and answer are read.
struct Header {
    id: String,
    contact: String,
    date: String,
    currency: String,
    cash_rounding: bool,
    valid_until: String,
    number: Option<String>,
    discarded: bool,
    answer: Option<String>,
    answered_on: Option<String>,
    invoice: Option<String>,
}

/// The quote `id_or_number` as `conn` holds it.
fn read_quote(conn: &Connection, state: &LedgerState, id_or_number: &str) -> Result<Quote, StoreError> {
    let header = conn
        .prepare_cached(
            "SELECT id, contact, date, currency, cash_rounding, valid_until, number, discarded, answer, answered_on,
                    invoice
             FROM p_quotes WHERE id = ?1 OR number = ?1",
        )?
        .query_row([id_or_number.trim()], |row| {
            let texts = |index: usize| row.get::<_, Option<String>>(index);
            Ok(Header {
                id: row.get(0)?,
                contact: row.get(1)?,
                date: row.get(2)?,
                currency: row.get(3)?,
                cash_rounding: row.get(4)?,
                valid_until: row.get(5)?,
                number: texts(6)?,
                discarded: row.get(7)?,
                answer: texts(8)?,
                answered_on: texts(9)?,
                invoice: texts(10)?,
            })
        })
        .optional()?
        .ok_or_else(|| QuoteError::UnknownQuote { id: id_or_number.trim().to_owned() })?;
    let (lines, line_numbers) = read_lines(conn, QUOTE_LINES, &header.id)?;
    let date = stored_date(&header.date)?;
    let totals = totals(state, &lines, date, header.cash_rounding).ok();
    Ok(Quote {
        id: header.id,
        contact: header.contact,
        date,
        currency: stored_currency(&header.currency)?,
        cash_rounding: header.cash_rounding,
        valid_until: stored_date(&header.valid_until)?,
        number: header.number,
        lines,
        line_numbers,
        totals,
        discarded: header.discarded,
        answer: header.answer.as_deref().map(answer_of).transpose()?,
        answered_on: header.answered_on.as_deref().map(stored_date).transpose()?,
        invoice: header.invoice,
    })
}

fn answer_text(answer: Answer) -> &'static str {
    match answer {
        Answer::Accepted => "accepted",
        Answer::Refused => "refused",
    }
}

fn answer_of(text: &str) -> Result<Answer, StoreError> {
    match text {
        "accepted" => Ok(Answer::Accepted),
        "refused" => Ok(Answer::Refused),
        other => Err(crate::Damage::NotAnAnswer { text: other.to_owned() }.into()),
    }
}

/// The draft quote `id` as `conn` holds it, refused if sent or discarded.
fn draft_in(conn: &Connection, state: &LedgerState, id: &str) -> Result<Quote, StoreError> {
    let quote = read_quote(conn, state, id)?;
    if let Some(number) = quote.number {
        return Err(QuoteError::AlreadySent { id: quote.id, number }.into());
    }
    if quote.discarded {
        return Err(QuoteError::Discarded { id: quote.id }.into());
    }
    Ok(quote)
}

/// The sent quote `id` as `conn` holds it, if it may take `answer` on `date`.
fn answerable(
    conn: &Connection,
    state: &LedgerState,
    id: &str,
    answer: Answer,
    date: NaiveDate,
) -> Result<Quote, StoreError> {
    let quote = read_quote(conn, state, id)?;
    if quote.discarded {
        return Err(QuoteError::Discarded { id: quote.id }.into());
    }
    check_answer((&quote.id, quote.number.as_deref(), quote.date, quote.valid_until), quote.answer, answer, date)?;
    Ok(quote)
}

/// The number a draft gives its line `line`, if it has that line.
fn held_line(quote: &Quote, line: u32) -> Result<u32, StoreError> {
    if quote.line_numbers.contains(&line) {
        Ok(line)
    } else {
        Err(InvoiceError::NoSuchLine { line: line as usize }.into())
    }
}

pub(crate) fn project_quote_drafted(conn: &Connection, draft: &QuoteDrafted) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO p_quotes (id, contact, date, currency, cash_rounding, valid_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        draft.id,
        draft.contact,
        date_text(draft.date),
        draft.currency.as_str(),
        draft.cash_rounding,
        date_text(draft.valid_until)
    ])?;
    Ok(())
}

/// Whether `id` is a draft quote (a line edit on a sent one, from a device that had not heard of
/// the sending, changes nothing).
fn is_draft(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM p_quotes WHERE id = ?1 AND number IS NULL")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub(crate) fn project_quote_line_added(conn: &Connection, added: &QuoteLineAdded) -> Result<(), StoreError> {
    if is_draft(conn, &added.id)? {
        let next: u32 = conn
            .prepare_cached("SELECT coalesce(max(line), 0) + 1 FROM p_quote_lines WHERE quote = ?1")?
            .query_row([&added.id], |row| row.get(0))?;
        write_line(conn, QUOTE_LINES, &added.id, next, &added.line)?;
    }
    Ok(())
}

pub(crate) fn project_quote_line_changed(conn: &Connection, changed: &QuoteLineChanged) -> Result<(), StoreError> {
    let held = conn
        .prepare_cached("SELECT 1 FROM p_quote_lines WHERE quote = ?1 AND line = ?2")?
        .query_row(params![changed.id, changed.line], |_| Ok(()))
        .optional()?
        .is_some();
    if held && is_draft(conn, &changed.id)? {
        write_line(conn, QUOTE_LINES, &changed.id, changed.line, &changed.new)?;
    }
    Ok(())
}

pub(crate) fn project_quote_line_removed(conn: &Connection, removed: &QuoteLineRemoved) -> Result<(), StoreError> {
    if is_draft(conn, &removed.id)? {
        conn.prepare_cached("DELETE FROM p_quote_lines WHERE quote = ?1 AND line = ?2")?
            .execute(params![removed.id, removed.line])?;
    }
    Ok(())
}

pub(crate) fn project_quote_discarded(conn: &Connection, discarded: &QuoteDiscarded) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE p_quotes SET discarded = 1 WHERE id = ?1 AND number IS NULL")?
        .execute([&discarded.id])?;
    Ok(())
}

/// A quote sent on two devices apart keeps its first number and lines; the second's number is
/// taken in its series all the same, so the series has no gap.
pub(crate) fn project_quote_sent(conn: &Connection, sent: &QuoteSent) -> Result<(), StoreError> {
    crate::invoices::note_sequence(conn, &sent.series, sent.sequence)?;
    let updated = conn
        .prepare_cached(
            "UPDATE p_quotes SET number = ?2, series = ?3, sequence = ?4, valid_until = ?5, gross_minor = ?6,
                 discarded = 0
             WHERE id = ?1 AND number IS NULL",
        )?
        .execute(params![
            sent.id,
            sent.number,
            sent.series,
            sent.sequence as i64,
            date_text(sent.valid_until),
            sent.gross_minor
        ])?;
    if updated > 0 {
        conn.prepare_cached("DELETE FROM p_quote_lines WHERE quote = ?1")?.execute([&sent.id])?;
        for (number, line) in (1u32..).zip(&sent.lines) {
            write_line(conn, QUOTE_LINES, &sent.id, number, line)?;
        }
    }
    Ok(())
}

/// The first answer to a sent quote stands.
pub(crate) fn project_quote_answered(conn: &Connection, answered: &QuoteAnswered) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE p_quotes SET answer = ?2, answered_on = ?3, invoice = ?4
         WHERE id = ?1 AND number IS NOT NULL AND answer IS NULL",
    )?
    .execute(params![answered.id, answer_text(answered.answer), date_text(answered.date), answered.invoice])?;
    Ok(())
}

/// The projection tables of this module.
pub(crate) const SCHEMA: &str = "
-- Quotes: a draft has no number; sending sets number, series, sequence and total; the customer's
-- answer sets answer ('accepted' or 'refused'), its day and the invoice draft an acceptance made.
CREATE TABLE p_quotes (
    id TEXT PRIMARY KEY,
    contact TEXT NOT NULL,
    date TEXT NOT NULL,
    currency TEXT NOT NULL,
    cash_rounding INTEGER NOT NULL,
    valid_until TEXT NOT NULL,
    number TEXT UNIQUE,
    series TEXT,
    sequence INTEGER,
    gross_minor INTEGER,
    answer TEXT,
    answered_on TEXT,
    invoice TEXT,
    discarded INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX p_quotes_contact ON p_quotes (contact, date);

CREATE TABLE p_quote_lines (
    quote TEXT NOT NULL,
    line INTEGER NOT NULL,
    item TEXT,
    text TEXT NOT NULL,
    quantity_milli INTEGER NOT NULL,
    unit_price_minor INTEGER NOT NULL,
    discount_bp INTEGER NOT NULL,
    vat_code TEXT NOT NULL,
    account TEXT NOT NULL,
    unit TEXT,
    comment INTEGER NOT NULL,
    PRIMARY KEY (quote, line)
) WITHOUT ROWID;
";

//! The entries of a period as the French FEC (fichier des écritures comptables) lists them:
//! each entry with its journal, number, dates, text and lines, every line with its account's
//! label and, on the receivables and payables accounts, the customer's or supplier's
//! sub-ledger account; streamed in the order of validation, one entry at a time, so that a
//! book of millions of entries is exported in bounded memory. The file's layout is
//! `rempart-reports`'s.

use chrono::NaiveDate;
use rempart_domain::{Currency, Fact};
use rusqlite::params;

use crate::project::{date_text, stored_date};
use crate::{Store, StoreError};

/// One line of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FecLine {
    pub account: String,
    pub account_label: String,
    /// The customer or supplier, on the receivables and payables accounts: id and name.
    pub aux: Option<(String, String)>,
    pub amount_minor: i64,
    pub currency: Currency,
}

/// One entry, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FecEntry {
    pub id: String,
    pub journal: String,
    /// The device's series within the journal (none on the node that created the company).
    pub series: Option<String>,
    pub number: u64,
    pub date: NaiveDate,
    pub validated_on: NaiveDate,
    pub text: String,
    pub lines: Vec<FecLine>,
}

impl Store {
    /// Every entry dated from `from` to `to`, in the order of validation (then journal, series
    /// and number), handed to `each` one at a time.
    pub fn fec_entries<E: From<StoreError>>(
        &self,
        (from, to): (NaiveDate, NaiveDate),
        mut each: impl FnMut(FecEntry) -> Result<(), E>,
    ) -> Result<u64, E> {
        let country = self.company()?.country;
        let sub_ledgers =
            [rempart_domain::invoices::receivable_account(country), rempart_domain::bills::payable_account(country)];
        let labels: std::collections::HashMap<String, String> = self
            .conn
            .prepare("SELECT number, label FROM p_accounts")
            .map_err(StoreError::from)?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(StoreError::from)?
            .collect::<Result<_, _>>()
            .map_err(StoreError::from)?;
        // Who each document's entry is with: the customer of an invoice, its credit notes and
        // reminders, of a payment; the supplier of a bill and of its payments.
        let mut with: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        for sql in [
            "SELECT entry_id, contact FROM p_invoices WHERE entry_id IS NOT NULL",
            "SELECT entry_id, contact FROM p_payments",
            "SELECT c.entry_id, i.contact FROM p_credit_notes c JOIN p_invoices i ON i.number = c.invoice",
            "SELECT r.entry_id, i.contact FROM p_reminders r JOIN p_invoices i ON i.number = r.invoice
             WHERE r.entry_id IS NOT NULL",
            "SELECT entry_id, supplier FROM p_bills",
            "SELECT p.entry_id, b.supplier FROM p_bill_payments p JOIN p_bills b ON b.id = p.bill",
        ] {
            let mut statement = self.conn.prepare(sql).map_err(StoreError::from)?;
            let rows = statement
                .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
                .map_err(StoreError::from)?;
            for row in rows {
                let (entry, contact) = row.map_err(StoreError::from)?;
                with.insert(entry, contact);
            }
        }
        let names = self.contact_names()?;
        // A small page cache while the book is read once from end to end, so that the memory the
        // export takes does not grow with the book (the store's usual cache is put back after).
        self.conn.pragma_update(None, "cache_size", -16_384).map_err(StoreError::from)?;
        let outcome = self.stream_fec((from, to), (&labels, &with, &names, sub_ledgers), &mut each);
        self.conn.pragma_update(None, "cache_size", -262_144).map_err(StoreError::from)?;
        outcome
    }

    /// The entries of `fec_entries`, read and handed over one by one.
    fn stream_fec<E: From<StoreError>>(
        &self,
        (from, to): (NaiveDate, NaiveDate),
        (labels, with, names, sub_ledgers): Lookups<'_>,
        each: &mut impl FnMut(FecEntry) -> Result<(), E>,
    ) -> Result<u64, E> {
        // The entries in order, keys only (the sort stays small), each entry's lines read from
        // its event by its key.
        let mut statement = self
            .conn
            .prepare(
                "SELECT id, journal, series, number, date, validated_on, node, seq FROM p_entries
                 WHERE date >= ?1 AND date <= ?2
                 ORDER BY validated_on, journal, series, number",
            )
            .map_err(StoreError::from)?;
        let mut event = self
            .conn
            .prepare("SELECT kind, payload FROM events WHERE node = ?1 AND seq = ?2")
            .map_err(StoreError::from)?;
        let mut rows = statement.query(params![date_text(from), date_text(to)]).map_err(StoreError::from)?;
        let mut count = 0;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let id: String = row.get(0).map_err(StoreError::from)?;
            let node: Vec<u8> = row.get(6).map_err(StoreError::from)?;
            let seq: i64 = row.get(7).map_err(StoreError::from)?;
            let (kind, payload): (String, Vec<u8>) =
                event.query_row(params![node, seq], |row| Ok((row.get(0)?, row.get(1)?))).map_err(StoreError::from)?;
            let Some(Fact::EntryPosted(posted)) = Fact::from_payload(&kind, &payload).map_err(StoreError::from)? else {
                return Err(StoreError::Corrupt { what: crate::Damage::EntryWithoutEvent { id } }.into());
            };
            let contact = with.get(&id);
            let lines = posted
                .postings
                .into_iter()
                .map(|posting| FecLine {
                    account_label: labels.get(&posting.account).cloned().unwrap_or_default(),
                    aux: contact.filter(|_| sub_ledgers.contains(&posting.account.as_str())).map(|contact| {
                        (contact.clone(), names.get(contact).cloned().unwrap_or_else(|| contact.clone()))
                    }),
                    account: posting.account,
                    amount_minor: posting.amount_minor,
                    currency: posting.currency,
                })
                .collect();
            each(FecEntry {
                id,
                journal: row.get(1).map_err(StoreError::from)?,
                series: row.get(2).map_err(StoreError::from)?,
                number: row.get::<_, i64>(3).map_err(StoreError::from)? as u64,
                date: stored_date(&row.get::<_, String>(4).map_err(StoreError::from)?)?,
                validated_on: stored_date(&row.get::<_, String>(5).map_err(StoreError::from)?)?,
                text: posted.text,
                lines,
            })?;
            count += 1;
        }
        Ok(count)
    }
}

/// What every entry's lines are completed with: account labels, who each document's entry is
/// with, contacts' names, and the sub-ledger accounts.
type Lookups<'a> = (
    &'a std::collections::HashMap<String, String>,
    &'a std::collections::HashMap<String, String>,
    &'a std::collections::BTreeMap<String, String>,
    [&'a str; 2],
);

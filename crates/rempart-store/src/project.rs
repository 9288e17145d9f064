//! Projection: how each fact changes the projection tables. The same code runs when a fact is
//! recorded, when the projections are rebuilt, and when `verify` replays the log into a scratch
//! database, so the three cannot disagree.

use std::collections::HashMap;

use chrono::NaiveDate;
use rempart_domain::{EntryPosted, Fact, LedgerState};
use rempart_log::{EventSeq, NodeId};
use rusqlite::{Connection, params};

use crate::StoreError;

/// Where a fact came from, as stored next to the rows it produced.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    pub node: NodeId,
    pub seq: EventSeq,
}

/// Totals gathered during a commit and written once at its end.
#[derive(Default)]
pub struct Projector {
    balances: HashMap<(String, String, String), (i64, i64, i64)>,
    journals: HashMap<String, u64>,
}

pub fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// What two entries with the same id must share to be the same entry: everything but the number
/// and validation date, which the recording node assigns.
pub fn entry_digest(entry: &EntryPosted) -> [u8; 32] {
    let content = serde_json::json!({
        "journal": entry.journal,
        "date": entry.date,
        "text": entry.text,
        "postings": entry.postings,
        "reverses": entry.reverses,
    });
    *blake3::hash(content.to_string().as_bytes()).as_bytes()
}

impl Projector {
    pub fn apply(
        &mut self,
        conn: &Connection,
        state: &mut LedgerState,
        origin: Origin,
        fact: &Fact,
    ) -> Result<(), StoreError> {
        match fact {
            Fact::CompanyCreated(company) => {
                let mut insert =
                    conn.prepare_cached("INSERT OR REPLACE INTO p_company (key, value) VALUES (?1, ?2)")?;
                insert.execute(params!["name", company.name])?;
                insert.execute(params!["country", company.country.code()])?;
                insert.execute(params!["currency", company.currency.as_str()])?;
                insert.execute(params!["fiscal_year_start_month", company.fiscal_year_start_month.to_string()])?;
            }
            Fact::AccountOpened(opened) => {
                conn.prepare_cached(
                    "INSERT INTO p_accounts (number, label, label_de, label_en, kind, currency, closed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
                )?
                .execute(params![
                    opened.number,
                    opened.label,
                    opened.label_de,
                    opened.label_en,
                    opened.kind.as_str(),
                    opened.currency.as_str()
                ])?;
            }
            Fact::AccountEdited(edit) => {
                if let Some(label) = &edit.label {
                    conn.prepare_cached("UPDATE p_accounts SET label = ?2 WHERE number = ?1")?
                        .execute(params![edit.number, label])?;
                }
                if let Some(closed) = edit.closed {
                    conn.prepare_cached("UPDATE p_accounts SET closed = ?2 WHERE number = ?1")?
                        .execute(params![edit.number, closed])?;
                }
            }
            Fact::VatCodeDefined(vat) => {
                conn.prepare_cached(
                    "INSERT OR REPLACE INTO p_vat_codes (code, label, rate_bp, direction, account, valid_from, valid_until)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    vat.code,
                    vat.label,
                    vat.rate_bp,
                    vat.direction.as_str(),
                    vat.account,
                    date_text(vat.valid_from),
                    vat.valid_until.map(date_text)
                ])?;
            }
            Fact::EntryPosted(entry) => self.apply_entry(conn, origin, entry)?,
            Fact::PeriodClosed(closed) => {
                let until = state.closed_until.map_or(closed.until, |current| current.max(closed.until));
                conn.prepare_cached("INSERT OR REPLACE INTO p_company (key, value) VALUES ('closed_until', ?1)")?
                    .execute(params![date_text(until)])?;
            }
        }
        state.apply(fact);
        Ok(())
    }

    fn apply_entry(&mut self, conn: &Connection, origin: Origin, entry: &EntryPosted) -> Result<(), StoreError> {
        let date = date_text(entry.date);
        conn.prepare_cached(
            "INSERT INTO p_entries (id, journal, number, date, validated_on, text, reverses, reversed_by, digest, node, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, ?9, ?10)",
        )?
        .execute(params![
            entry.id,
            entry.journal,
            entry.number as i64,
            date,
            date_text(entry.validated_on),
            entry.text,
            entry.reverses,
            &entry_digest(entry)[..],
            &origin.node.as_bytes()[..],
            origin.seq.0 as i64
        ])?;
        if let Some(original) = &entry.reverses {
            conn.prepare_cached("UPDATE p_entries SET reversed_by = ?2 WHERE id = ?1")?
                .execute(params![original, entry.id])?;
        }
        let mut insert = conn.prepare_cached(
            "INSERT INTO p_postings (entry_id, line, account, date, amount_minor, currency, vat_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let month = &date[..7];
        for (index, posting) in entry.postings.iter().enumerate() {
            insert.execute(params![
                entry.id,
                (index + 1) as i64,
                posting.account,
                date,
                posting.amount_minor,
                posting.currency.as_str(),
                posting.vat_code
            ])?;
            let totals = self
                .balances
                .entry((posting.account.clone(), posting.currency.as_str().to_owned(), month.to_owned()))
                .or_insert((0, 0, 0));
            if posting.amount_minor > 0 {
                totals.0 += posting.amount_minor;
            } else {
                totals.1 -= posting.amount_minor;
            }
            totals.2 += 1;
        }
        let last = self.journals.entry(entry.journal.clone()).or_insert(0);
        *last = (*last).max(entry.number);
        Ok(())
    }

    /// Writes the gathered totals. Called once at the end of each commit, rebuild or replay.
    pub fn flush(&mut self, conn: &Connection) -> Result<(), StoreError> {
        let mut upsert = conn.prepare_cached(
            "INSERT INTO p_balances (account, currency, month, debit_minor, credit_minor, postings) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (account, currency, month) DO UPDATE SET
                 debit_minor = debit_minor + excluded.debit_minor,
                 credit_minor = credit_minor + excluded.credit_minor,
                 postings = postings + excluded.postings",
        )?;
        let mut balances: Vec<_> = self.balances.drain().collect();
        balances.sort();
        for ((account, currency, month), (debit, credit, count)) in balances {
            upsert.execute(params![account, currency, month, debit, credit, count])?;
        }
        let mut journal = conn.prepare_cached(
            "INSERT INTO p_journals (code, last_number) VALUES (?1, ?2)
             ON CONFLICT (code) DO UPDATE SET last_number = max(last_number, excluded.last_number)",
        )?;
        for (code, last) in self.journals.drain() {
            journal.execute(params![code, last as i64])?;
        }
        Ok(())
    }
}

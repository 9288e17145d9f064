//! Report queries over the projections. Totals come from the monthly totals for whole months
//! and from the daily totals for the partial months at the edges of a range, so a report over
//! years of postings reads a few thousand rows.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, Months, NaiveDate};
use rempart_domain::rules::is_month_end;
use rempart_domain::{AccountKind, Currency, Fact};
use rusqlite::params;

use crate::Damage;
use crate::project::date_text;
use crate::project::stored_currency;
use crate::{Store, StoreError};

/// Totals of one account in one currency over a range, with the balance before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTotals {
    pub account: String,
    pub label: String,
    pub kind: AccountKind,
    pub currency: Currency,
    pub opening_minor: i64,
    pub debit_minor: i64,
    pub credit_minor: i64,
}

impl AccountTotals {
    pub fn closing_minor(&self) -> i64 {
        self.opening_minor + self.debit_minor - self.credit_minor
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    pub date: String,
    /// The journal code, then the numbering series if there is one (`journal_key`).
    pub journal: String,
    pub number: i64,
    pub entry_id: String,
    pub text: String,
    pub amount_minor: i64,
    pub currency: Currency,
    pub vat_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalPosting {
    pub account: String,
    pub amount_minor: i64,
    pub currency: Currency,
    pub vat_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub id: String,
    /// The journal code, then the numbering series if there is one (`journal_key`).
    pub journal: String,
    pub number: i64,
    pub date: String,
    pub validated_on: String,
    pub text: String,
    pub reverses: Option<String>,
    pub reversed_by: Option<String>,
    pub postings: Vec<JournalPosting>,
    /// The person who recorded it through the web app (their id); none from the command line.
    pub by: Option<String>,
}

type Sums = BTreeMap<(String, Currency), (i64, i64)>;

fn month_text(date: NaiveDate) -> String {
    date.format("%Y-%m").to_string()
}

fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn month_end(date: NaiveDate) -> NaiveDate {
    month_start(date).checked_add_months(Months::new(1)).and_then(|next| next.pred_opt()).unwrap_or(date)
}

impl Store {
    /// Debit and credit totals per account and currency over the dates in [from, to].
    fn sums(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Sums, StoreError> {
        let mut sums = Sums::new();
        let mut add = |account: String, currency: &str, debit: i64, credit: i64| -> Result<(), StoreError> {
            let totals = sums.entry((account, stored_currency(currency)?)).or_insert((0, 0));
            totals.0 += debit;
            totals.1 += credit;
            Ok(())
        };
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Ok(sums);
        }
        // Whole months inside the range come from the monthly balances.
        let first_month = match from {
            None => "0000-00".to_owned(),
            Some(from) if from.day() == 1 => month_text(from),
            Some(from) => month_text(month_end(from).checked_add_days(Days::new(1)).unwrap_or(from)),
        };
        let last_month = match to {
            None => "9999-99".to_owned(),
            Some(to) if is_month_end(to) => month_text(to),
            Some(to) => month_text(month_start(to).pred_opt().unwrap_or(to)),
        };
        if first_month <= last_month {
            let mut statement = self.conn.prepare_cached(
                "SELECT account, currency, sum(debit_minor), sum(credit_minor) FROM p_balances
                 WHERE month BETWEEN ?1 AND ?2 GROUP BY account, currency",
            )?;
            let mut rows = statement.query(params![first_month, last_month])?;
            while let Some(row) = rows.next()? {
                add(row.get(0)?, row.get_ref(1)?.as_str().unwrap_or(""), row.get(2)?, row.get(3)?)?;
            }
        }
        // Partial months at the edges come from the daily totals, account by account.
        let mut pieces = Vec::new();
        if let Some(from) = from
            && from.day() != 1
        {
            let end = to.map_or(month_end(from), |to| to.min(month_end(from)));
            pieces.push((from, end));
        }
        if let Some(to) = to
            && !is_month_end(to)
        {
            let start = from.map_or(month_start(to), |from| from.max(month_start(to)));
            if pieces.first().is_none_or(|(head_start, _)| month_start(*head_start) != month_start(to)) {
                pieces.push((start, to));
            }
        }
        if !pieces.is_empty() {
            let accounts: Vec<String> = self
                .conn
                .prepare_cached("SELECT number FROM p_accounts")?
                .query_map([], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            let mut statement = self.conn.prepare_cached(
                "SELECT currency, sum(debit_minor), sum(credit_minor) FROM p_balances_daily
                 WHERE account = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY currency",
            )?;
            for (start, end) in pieces {
                let (start, end) = (date_text(start), date_text(end));
                for account in &accounts {
                    let mut rows = statement.query(params![account, start, end])?;
                    while let Some(row) = rows.next()? {
                        add(account.clone(), row.get_ref(0)?.as_str().unwrap_or(""), row.get(1)?, row.get(2)?)?;
                    }
                }
            }
        }
        Ok(sums)
    }

    /// Per account and currency: the balance before `from` and the debits and credits in
    /// [from, to]. Accounts without any posting up to `to` are left out.
    pub fn account_totals(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<AccountTotals>, StoreError> {
        let movement = self.sums(from, to)?;
        let opening = match from.and_then(|from| from.pred_opt()) {
            Some(before) => self.sums(None, Some(before))?,
            None => Sums::new(),
        };
        let mut keys: Vec<&(String, Currency)> = movement.keys().chain(opening.keys()).collect();
        keys.sort();
        keys.dedup();
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let (account, currency) = key;
            let Some(info) = self.state.accounts.get(account) else {
                return Err(Damage::UnknownAccount { account: account.clone() }.into());
            };
            let (opening_debit, opening_credit) = opening.get(key).copied().unwrap_or((0, 0));
            let (debit_minor, credit_minor) = movement.get(key).copied().unwrap_or((0, 0));
            out.push(AccountTotals {
                account: account.clone(),
                label: info.label.clone(),
                kind: info.kind,
                currency: *currency,
                opening_minor: opening_debit - opening_credit,
                debit_minor,
                credit_minor,
            });
        }
        Ok(out)
    }

    /// The postings of one account in [from, to], in date and entry order.
    pub fn ledger_lines(
        &self,
        account: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        limit: Option<usize>,
    ) -> Result<Vec<LedgerLine>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT p.date, e.journal || coalesce(' ' || e.series, ''), e.number, e.id, e.text, p.amount_minor,
                    p.currency, p.vat_code
             FROM p_postings p JOIN p_entries e ON e.id = p.entry_id
             WHERE p.account = ?1 AND p.date BETWEEN ?2 AND ?3
             ORDER BY p.date, e.journal, e.series, e.number, p.line LIMIT ?4",
        )?;
        let from = from.map_or_else(|| "0000-00-00".to_owned(), date_text);
        let to = to.map_or_else(|| "9999-99-99".to_owned(), date_text);
        let mut rows = statement.query(params![account, from, to, limit.map_or(-1, |limit| limit as i64)])?;
        let mut lines = Vec::new();
        while let Some(row) = rows.next()? {
            lines.push(LedgerLine {
                date: row.get(0)?,
                journal: row.get(1)?,
                number: row.get(2)?,
                entry_id: row.get(3)?,
                text: row.get(4)?,
                amount_minor: row.get(5)?,
                currency: stored_currency(row.get_ref(6)?.as_str().unwrap_or(""))?,
                vat_code: row.get(7)?,
            });
        }
        Ok(lines)
    }

    /// The entries booked in [from, to], with their postings, in date and number order; the
    /// first `limit` of them if given.
    pub fn journal_entries(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        limit: Option<usize>,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let from = from.map_or_else(|| "0000-00-00".to_owned(), date_text);
        let to = to.map_or_else(|| "9999-99-99".to_owned(), date_text);
        self.entries_where(
            "date BETWEEN ?1 AND ?2 ORDER BY date, journal, series, number LIMIT ?3",
            params![from, to, limit.map_or(-1, |limit| limit as i64)],
        )
    }

    /// The last `limit` entries by date (and number), the newest first.
    pub fn latest_entries(&self, limit: usize) -> Result<Vec<JournalEntry>, StoreError> {
        self.entries_where(
            "1 ORDER BY date DESC, journal DESC, series DESC, number DESC LIMIT ?1",
            params![limit as i64],
        )
    }

    /// The entries `clause` (a condition, order and limit on `p_entries`) picks, with their
    /// postings.
    fn entries_where(&self, clause: &str, values: impl rusqlite::Params) -> Result<Vec<JournalEntry>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT id, journal || coalesce(' ' || series, ''), number, date, validated_on, text, reverses,
                    reversed_by, node, seq
             FROM p_entries WHERE {clause}"
        ))?;
        let mut postings = self.conn.prepare_cached("SELECT kind, payload FROM events WHERE node = ?1 AND seq = ?2")?;
        let mut rows = statement.query(values)?;
        let mut entries = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let node: Vec<u8> = row.get(8)?;
            let seq: i64 = row.get(9)?;
            // The postings are read from the entry's own event: the log is the truth, and the
            // postings table is clustered by account, not by entry.
            let (kind, payload): (String, Vec<u8>) =
                postings.query_row(params![node, seq], |row| Ok((row.get(0)?, row.get(1)?)))?;
            let by = rempart_domain::facts::author(&payload);
            let Some(Fact::EntryPosted(posted)) = Fact::from_payload(&kind, &payload)? else {
                return Err(Damage::EntryWithoutEvent { id: id.to_owned() }.into());
            };
            let lines: Vec<JournalPosting> = posted
                .postings
                .into_iter()
                .map(|posting| JournalPosting {
                    account: posting.account,
                    amount_minor: posting.amount_minor,
                    currency: posting.currency,
                    vat_code: posting.vat_code,
                })
                .collect();
            entries.push(JournalEntry {
                id,
                journal: row.get(1)?,
                number: row.get(2)?,
                date: row.get(3)?,
                validated_on: row.get(4)?,
                text: row.get(5)?,
                reverses: row.get(6)?,
                reversed_by: row.get(7)?,
                postings: lines,
                by,
            });
        }
        Ok(entries)
    }
}

impl Store {
    /// The postings tagged with a VAT code and booked in [from, to], in date order.
    pub fn vat_postings(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<rempart_domain::vat::VatPosting>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT entry_id, date, account, amount_minor, vat_code FROM p_postings
             WHERE vat_code IS NOT NULL AND date BETWEEN ?1 AND ?2 ORDER BY date, entry_id, line",
        )?;
        let rows = statement.query_map(params![date_text(from), date_text(to)], |row| {
            Ok(rempart_domain::vat::VatPosting {
                entry_id: row.get(0)?,
                date: row.get(1)?,
                account: row.get(2)?,
                amount_minor: row.get(3)?,
                vat_code: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The same postings summed per VAT code and account, from the daily VAT totals: what the
    /// return needs without reading the postings. Each sum is a `VatPosting` without entry or date.
    pub fn vat_sums(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<rempart_domain::vat::VatPosting>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT vat_code, account, sum(amount_minor) FROM p_vat_daily
             WHERE day BETWEEN ?1 AND ?2 GROUP BY vat_code, account ORDER BY vat_code, account",
        )?;
        let rows = statement.query_map(params![date_text(from), date_text(to)], |row| {
            Ok(rempart_domain::vat::VatPosting {
                entry_id: String::new(),
                date: String::new(),
                vat_code: row.get(0)?,
                account: row.get(1)?,
                amount_minor: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

//! French VAT on services due when paid (`rempart_domain::vat_due`): what each invoice's services
//! still owe of VAT awaiting their payment, moved by the facts that set it aside (the issue), make
//! it due (each payment) or release it (a credit note); and those moves over a period, for the
//! return.

use chrono::NaiveDate;
use rempart_domain::vat_due::{AWAITING_ACCOUNT, VatAwaiting};
use rempart_domain::{AccountKind, AccountOpened, Fact};
use rusqlite::{Connection, params};

use crate::commit::Commit;
use crate::project::{date_text, stored_date};
use crate::{Damage, Store, StoreError};

/// What moved the VAT awaiting payment of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The invoice set it aside when issued.
    Issued,
    /// A payment made it due.
    Paid,
    /// A credit note released it.
    Credited,
    /// A credit note that settled the invoice made it due.
    Settled,
}

impl Move {
    fn as_str(self) -> &'static str {
        match self {
            Move::Issued => "issued",
            Move::Paid => "paid",
            Move::Credited => "credited",
            Move::Settled => "settled",
        }
    }

    fn parse(text: &str) -> Option<Move> {
        [Move::Issued, Move::Paid, Move::Credited, Move::Settled].into_iter().find(|kind| kind.as_str() == text)
    }
}

/// One move of one code's VAT awaiting payment: what waits grows by `base_minor` and `tax_minor`
/// (an issue), or shrinks (a payment, a credit note: negative).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitingMove {
    pub invoice: String,
    pub kind: Move,
    /// The invoice's number, the payment's id or the credit note's number.
    pub by: String,
    pub date: NaiveDate,
    pub code: String,
    pub base_minor: i64,
    pub tax_minor: i64,
}

/// Records in `conn` what `by` moved of `invoice`'s VAT awaiting payment on `date`, each amount
/// times `sign` (1 when set aside, -1 when made due or released).
pub(crate) fn project_moves(
    conn: &Connection,
    (invoice, kind, by): (&str, Move, &str),
    date: &str,
    moves: impl Iterator<Item = (String, i64, i64)>,
    sign: i64,
) -> Result<(), StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT OR REPLACE INTO p_vat_awaiting (invoice, code, by, kind, date, base_minor, tax_minor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (code, base, tax) in moves {
        insert.execute(params![invoice, code, by, kind.as_str(), date, sign * base, sign * tax])?;
    }
    Ok(())
}

/// What still waits of `invoice`'s services VAT, per code, as `conn` holds it.
pub(crate) fn awaiting_of(conn: &Connection, invoice: &str) -> Result<Vec<VatAwaiting>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT code, sum(base_minor), sum(tax_minor) FROM p_vat_awaiting WHERE invoice = ?1 GROUP BY code ORDER BY code",
    )?;
    let rows = statement.query_map([invoice], |row| {
        Ok(VatAwaiting { code: row.get(0)?, base_minor: row.get(1)?, tax_minor: row.get(2)? })
    })?;
    Ok(rows
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|left| left.base_minor != 0 || left.tax_minor != 0)
        .collect())
}

/// What is left to pay of an invoice, as `conn` holds it: its total less what was paid and
/// credited on it (its reminder fees apart).
pub(crate) fn open_of(conn: &Connection, invoice: &str) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT i.gross_minor
             - coalesce((SELECT sum(a.amount_minor) FROM p_payment_allocations a WHERE a.invoice = i.number), 0)
             - coalesce((SELECT sum(c.gross_minor) FROM p_credit_notes c WHERE c.invoice = i.number), 0)
         FROM p_invoices i WHERE i.number = ?1",
        )?
        .query_row([invoice], |row| row.get(0))?)
}

/// The postings that make `due` (tax per code) due: the account of VAT awaiting receipt debited,
/// each code's VAT account credited with the code, so that the return counts it; the account
/// opened if the books lack it.
pub(crate) fn due_postings(
    commit: &mut Commit<'_>,
    currency: rempart_domain::Currency,
    due: &[(String, i64)],
) -> Result<Vec<rempart_domain::Posting>, StoreError> {
    let posting = |account: &str, amount_minor: i64, vat_code: Option<String>| rempart_domain::Posting {
        account: account.to_owned(),
        amount_minor,
        currency,
        vat_code,
    };
    let mut by_code: std::collections::BTreeMap<&str, i64> = Default::default();
    for (code, tax) in due {
        *by_code.entry(code).or_default() += tax;
    }
    let total: i64 = by_code.values().sum();
    let mut postings = Vec::new();
    if total != 0 {
        open_awaiting_account(commit)?;
        postings.push(posting(AWAITING_ACCOUNT, total, None));
    }
    for (code, tax) in by_code.into_iter().filter(|(_, tax)| *tax != 0) {
        let account = commit
            .state
            .vat_codes
            .get(code)
            .map(|vat| vat.account.clone())
            .ok_or_else(|| rempart_domain::LedgerError::UnknownVatCode { code: code.to_owned() })?;
        postings.push(posting(&account, -tax, Some(code.to_owned())));
    }
    Ok(postings)
}

/// Opens the account of VAT awaiting receipt in this commit if the books lack it (a French company
/// made before it was in the chart).
pub(crate) fn open_awaiting_account(commit: &mut Commit<'_>) -> Result<(), StoreError> {
    if commit.state.accounts.contains_key(AWAITING_ACCOUNT) {
        return Ok(());
    }
    let chart = rempart_domain::chart::chart_of(rempart_domain::Country::Fr);
    let Some(account) = chart.iter().find(|account| account.number == AWAITING_ACCOUNT) else {
        return Err(rempart_domain::LedgerError::UnknownAccount { account: AWAITING_ACCOUNT.to_owned() }.into());
    };
    let currency = commit.state.company()?.currency;
    commit.record(Fact::AccountOpened(AccountOpened {
        number: account.number.to_owned(),
        label: account.label_fr.to_owned(),
        label_de: None,
        label_en: Some(account.label_en.to_owned()),
        kind: AccountKind::Liability,
        currency,
    }))
}

impl Store {
    /// Every move of VAT awaiting payment dated in [from, to], by date.
    pub fn vat_awaiting_moves(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<AwaitingMove>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT invoice, kind, by, date, code, base_minor, tax_minor FROM p_vat_awaiting
             WHERE date BETWEEN ?1 AND ?2 ORDER BY date, invoice, by, code",
        )?;
        let mut rows = statement.query(params![date_text(from), date_text(to)])?;
        let mut moves = Vec::new();
        while let Some(row) = rows.next()? {
            let kind: String = row.get(1)?;
            moves.push(AwaitingMove {
                invoice: row.get(0)?,
                kind: Move::parse(&kind)
                    .ok_or(StoreError::Corrupt { what: Damage::NotAVatMove { text: kind.clone() } })?,
                by: row.get(2)?,
                date: stored_date(&row.get::<_, String>(3)?)?,
                code: row.get(4)?,
                base_minor: row.get(5)?,
                tax_minor: row.get(6)?,
            });
        }
        Ok(moves)
    }

    /// What still waits of an invoice's services VAT, per code.
    pub fn vat_awaiting(&self, invoice: &str) -> Result<Vec<VatAwaiting>, StoreError> {
        awaiting_of(&self.conn, invoice)
    }
}

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub(crate) const SCHEMA: &str = "
-- French VAT on services awaiting payment: set aside by an invoice (kind issued, positive), made
-- due by its payments (paid) or released by its credit notes (credited), negative; per code.
CREATE TABLE p_vat_awaiting (
    invoice TEXT NOT NULL,
    code TEXT NOT NULL,
    by TEXT NOT NULL,
    kind TEXT NOT NULL,
    date TEXT NOT NULL,
    base_minor INTEGER NOT NULL,
    tax_minor INTEGER NOT NULL,
    PRIMARY KEY (invoice, code, by, kind)
) WITHOUT ROWID;

CREATE INDEX p_vat_awaiting_by_date ON p_vat_awaiting (date);
";

//! Supplier bills: recording them with their input VAT, paying them, and what is left to pay.

use chrono::{Days, NaiveDate};
use rempart_domain::bills::{BillError, BillLine, BillPaid, BillRecorded, bill_postings, payable_account};
use rempart_domain::payments::ageing_bucket;
use rempart_domain::rules::Transfer;
use rempart_domain::{AccountKind, Currency, Fact};
use rusqlite::params;

use crate::invoices::PAYMENT_TERMS_DAYS_DEFAULT;
use crate::project::date_text;
use crate::project::stored_currency;
use crate::project::stored_date;
use crate::{Store, StoreError, date_of_ms};
use rusqlite::Connection;

impl From<BillError> for StoreError {
    fn from(error: BillError) -> StoreError {
        StoreError::Bill(error)
    }
}

/// A bill with what is still to pay on it, seen on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payable {
    pub id: String,
    pub supplier: String,
    pub reference: String,
    pub date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: Currency,
    pub gross_minor: i64,
    pub paid_minor: i64,
    pub days_late: i64,
    pub bucket: usize,
}

impl Payable {
    pub fn open_minor(&self) -> i64 {
        self.gross_minor - self.paid_minor
    }
}

impl Store {
    /// Records a supplier's bill; the due date defaults to the supplier's payment terms.
    pub fn record_bill(
        &mut self,
        supplier: &str,
        reference: &str,
        date: NaiveDate,
        due_date: Option<NaiveDate>,
        lines: Vec<BillLine>,
    ) -> Result<BillRecorded, StoreError> {
        let company = self.company()?.clone();
        let fields = self.contact(supplier)?;
        if reference.trim().is_empty() {
            return Err(BillError::NoReference.into());
        }
        // Checked now, and again under the write lock (another handle on the data directory
        // may record it meanwhile).
        let unrecorded = |conn: &rusqlite::Connection| -> Result<(), StoreError> {
            let duplicate = conn
                .prepare_cached("SELECT 1 FROM p_bills WHERE supplier = ?1 AND reference = ?2")?
                .exists(params![supplier, reference])?;
            if duplicate {
                return Err(
                    BillError::Duplicate { supplier: supplier.to_owned(), reference: reference.to_owned() }.into()
                );
            }
            Ok(())
        };
        unrecorded(&self.conn)?;
        let terms =
            fields.get("payment_terms_days").and_then(|days| days.parse().ok()).unwrap_or(PAYMENT_TERMS_DAYS_DEFAULT);
        let due_date = due_date.unwrap_or_else(|| date.checked_add_days(Days::new(terms)).unwrap_or(date));
        let name = fields.get("name").cloned().unwrap_or_default();
        let id = format!("B-{}", hex::encode(self.random_bytes::<5>()));
        self.commit(|commit| {
            unrecorded(commit.conn)?;
            let (gross_minor, postings) =
                bill_postings(&commit.state, company.country, company.currency, date, &lines)?;
            let entry = commit.state.build_entry(
                format!("BILL-{id}"),
                "ACH",
                date,
                date_of_ms(commit.now_ms),
                format!("Facture {name} {reference}").chars().take(rempart_domain::rules::TEXT_BYTES_MAX / 4).collect(),
                postings,
            )?;
            let bill = BillRecorded {
                id: id.clone(),
                supplier: supplier.to_owned(),
                reference: reference.to_owned(),
                date,
                due_date,
                currency: company.currency,
                lines,
                gross_minor,
                entry_id: entry.id.clone(),
            };
            commit.record(Fact::BillRecorded(bill.clone()))?;
            commit.record(Fact::EntryPosted(entry))?;
            Ok(bill)
        })
    }

    /// Pays (part of) a bill from a bank or cash account.
    pub fn pay_bill(
        &mut self,
        bill: &str,
        date: NaiveDate,
        amount_minor: Option<i64>,
        account: &str,
    ) -> Result<BillPaid, StoreError> {
        let company = self.company()?.clone();
        // A bill paid in full is no longer a bill to pay.
        let payable = self
            .bill(bill)?
            .filter(|payable| payable.open_minor() > 0)
            .ok_or_else(|| BillError::UnknownBill { id: bill.to_owned() })?;
        let amount_minor = amount_minor.unwrap_or(payable.open_minor());
        if amount_minor <= 0 {
            return Err(BillError::NotPositive.into());
        }
        if amount_minor > payable.open_minor() {
            return Err(BillError::MoreThanOpen {
                amount: rempart_domain::money::format_plain(amount_minor, company.currency),
                open: rempart_domain::money::format_plain(payable.open_minor(), company.currency),
            }
            .into());
        }
        let money_account = self.state.accounts.get(account).is_some_and(|found| found.kind == AccountKind::Asset);
        if !money_account {
            return Err(rempart_domain::payments::PaymentError::NotMoneyAccount { account: account.to_owned() }.into());
        }
        let id = format!("Q-{}", hex::encode(self.random_bytes::<5>()));
        self.commit(|commit| {
            // Read again under the write lock: another handle on the data directory may have
            // paid it meanwhile.
            let paid_now: i64 = commit.conn.query_row(
                "SELECT coalesce(sum(amount_minor), 0) FROM p_bill_payments WHERE bill = ?1",
                [&payable.id],
                |row| row.get(0),
            )?;
            let open_now = payable.gross_minor - paid_now;
            if amount_minor > open_now {
                return Err(BillError::MoreThanOpen {
                    amount: rempart_domain::money::format_plain(amount_minor, company.currency),
                    open: rempart_domain::money::format_plain(open_now, company.currency),
                }
                .into());
            }
            let entry = commit.state.build_transfer(
                format!("BILLPAY-{id}"),
                "BQ",
                date,
                date_of_ms(commit.now_ms),
                format!("Paiement facture {} {}", payable.supplier, payable.reference),
                Transfer {
                    debit: payable_account(company.country),
                    credit: account,
                    amount_minor,
                    currency: company.currency,
                },
            )?;
            let paid = BillPaid {
                id: id.clone(),
                bill: bill.to_owned(),
                date,
                amount_minor,
                account: account.to_owned(),
                entry_id: entry.id.clone(),
            };
            commit.record(Fact::BillPaid(paid.clone()))?;
            commit.record(Fact::EntryPosted(entry))?;
            Ok(paid)
        })
    }

    /// Bills of one supplier (or all) still open at the end of `on`.
    pub fn payables(&self, supplier: Option<&str>, on: NaiveDate) -> Result<Vec<Payable>, StoreError> {
        let mut bills = self.bills(supplier, Some(on))?;
        // Paid beyond its total by devices that each saw it open: nothing is open
        // (`rempart conflicts` lists it).
        bills.retain(|payable| payable.open_minor() > 0);
        Ok(bills)
    }

    /// Every bill of one supplier (or all) dated up to `on` (or ever), with what was paid on it
    /// by then, by due date.
    pub fn bills(&self, supplier: Option<&str>, on: Option<NaiveDate>) -> Result<Vec<Payable>, StoreError> {
        self.bills_where(supplier, on, None)
    }

    /// The id of the bill of the supplier `supplier` (a contact id) that carries `reference` (as
    /// the supplier wrote it; case and spaces aside), named to people by both.
    pub fn find_bill(&self, supplier: &str, reference: &str) -> Result<String, StoreError> {
        let key = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        let wanted = key(reference);
        let found: Vec<String> = self
            .bills(Some(supplier), None)?
            .into_iter()
            .filter(|bill| key(&bill.reference) == wanted)
            .map(|bill| bill.id)
            .collect();
        let name = || self.contact(supplier).ok().and_then(|fields| fields.get("name").cloned()).unwrap_or_default();
        match &found[..] {
            [id] => Ok(id.clone()),
            [] => Err(BillError::NoSuchReference { supplier: name(), reference: reference.to_owned() }.into()),
            _ => Err(BillError::SameReference { supplier: name(), reference: reference.to_owned() }.into()),
        }
    }

    /// One bill, with everything paid on it; none if there is no such bill.
    pub fn bill(&self, id: &str) -> Result<Option<Payable>, StoreError> {
        Ok(self.bills_where(None, None, Some(id))?.pop())
    }

    fn bills_where(
        &self,
        supplier: Option<&str>,
        on: Option<NaiveDate>,
        id: Option<&str>,
    ) -> Result<Vec<Payable>, StoreError> {
        let on_text = on.map(|on| on.format("%Y-%m-%d").to_string());
        let mut statement = self.conn.prepare_cached(
            "SELECT b.id, b.supplier, b.reference, b.date, b.due_date, b.currency, b.gross_minor,
                    coalesce((SELECT sum(p.amount_minor) FROM p_bill_payments p
                              WHERE p.bill = b.id AND (?2 IS NULL OR p.date <= ?2)), 0)
             FROM p_bills b WHERE (?2 IS NULL OR b.date <= ?2) AND (?1 IS NULL OR b.supplier = ?1)
                 AND (?3 IS NULL OR b.id = ?3)
             ORDER BY b.due_date, b.supplier, b.reference",
        )?;
        let mut rows = statement.query(params![supplier, on_text, id])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let due_date = stored_date(&row.get::<_, String>(4)?)?;
            let on = on.unwrap_or(due_date);
            out.push(Payable {
                id: row.get(0)?,
                supplier: row.get(1)?,
                reference: row.get(2)?,
                date: stored_date(&row.get::<_, String>(3)?)?,
                due_date,
                currency: stored_currency(&row.get::<_, String>(5)?)?,
                gross_minor: row.get(6)?,
                paid_minor: row.get(7)?,
                days_late: (on - due_date).num_days().max(0),
                bucket: ageing_bucket(due_date, on),
            });
        }
        Ok(out)
    }
}

/// Projects a `BillRecorded` fact.
pub(crate) fn project_bill_recorded(conn: &Connection, bill: &BillRecorded) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO p_bills (id, supplier, reference, date, due_date, currency, gross_minor, entry_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        bill.id,
        bill.supplier,
        bill.reference,
        date_text(bill.date),
        date_text(bill.due_date),
        bill.currency.as_str(),
        bill.gross_minor,
        bill.entry_id
    ])?;

    Ok(())
}

/// Projects a `BillPaid` fact.
pub(crate) fn project_bill_paid(conn: &Connection, paid: &BillPaid) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO p_bill_payments (id, bill, date, amount_minor, account, entry_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![paid.id, paid.bill, date_text(paid.date), paid.amount_minor, paid.account, paid.entry_id])?;

    Ok(())
}

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub(crate) const SCHEMA: &str = "
-- Supplier bills and their payments.
CREATE TABLE p_bills (
    id TEXT PRIMARY KEY,
    supplier TEXT NOT NULL,
    reference TEXT NOT NULL,
    date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    gross_minor INTEGER NOT NULL,
    entry_id TEXT NOT NULL
) WITHOUT ROWID;
-- Not unique: one device refuses a supplier's reference twice, but two devices apart may each
-- record the same bill; both stand (each posted its entry) and `rempart conflicts` lists them.
CREATE INDEX p_bills_supplier_reference ON p_bills (supplier, reference);

CREATE TABLE p_bill_payments (
    id TEXT PRIMARY KEY,
    bill TEXT NOT NULL,
    date TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    account TEXT NOT NULL,
    entry_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX p_bill_payments_bill ON p_bill_payments (bill);
";

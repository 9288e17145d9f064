//! Customer payments and the receivables they leave open.

use chrono::NaiveDate;
use rempart_domain::invoices::receivable_account;
use rempart_domain::payments::{OpenInvoice, PaymentError, PaymentReceived, ageing_bucket, allocate};
use rempart_domain::vat_due::VatReceived;
use rempart_domain::{AccountKind, Currency, Fact};
use rusqlite::params;

use crate::invoices::settle;
use crate::project::date_text;
use crate::project::stored_currency;
use crate::project::stored_date;
use crate::{Store, StoreError, date_of_ms};
use rusqlite::Connection;

impl From<PaymentError> for StoreError {
    fn from(error: PaymentError) -> StoreError {
        StoreError::Payment(error)
    }
}

/// A payment received, as a customer's page and the payments list show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentSummary {
    pub id: String,
    /// The customer who paid (their number).
    pub contact: String,
    pub date: NaiveDate,
    pub amount_minor: i64,
    pub currency: Currency,
    /// The bank or cash account it came into.
    pub account: String,
    /// The invoices it paid, by number, with how much went to each.
    pub allocations: Vec<(String, i64)>,
    /// What it left in the customer's favour.
    pub unallocated_minor: i64,
}

impl Store {
    /// The payments received from one customer, the newest first.
    pub fn payments_of(&self, contact: &str) -> Result<Vec<PaymentSummary>, StoreError> {
        let mut out = self.payments(Some(contact), None, None)?;
        out.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// The payments received over the days `from` to `to` (either end open), of one customer or
    /// of all, in the order of their dates.
    pub fn payments(
        &self,
        contact: Option<&str>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<PaymentSummary>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, contact, date, amount_minor, currency, account, unallocated_minor FROM p_payments
             WHERE (?1 IS NULL OR contact = ?1) AND (?2 IS NULL OR date >= ?2) AND (?3 IS NULL OR date <= ?3)
             ORDER BY date, id",
        )?;
        type Row = (String, String, String, i64, String, String, i64);
        let rows: Vec<Row> = statement
            .query_map(params![contact, from.map(date_text), to.map(date_text)], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut allocations = self.conn.prepare_cached(
            "SELECT invoice, amount_minor FROM p_payment_allocations WHERE payment = ?1 ORDER BY invoice",
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, contact, date, amount_minor, currency, account, unallocated_minor) in rows {
            let allocated: Vec<(String, i64)> =
                allocations.query_map([&id], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<Result<_, _>>()?;
            out.push(PaymentSummary {
                date: stored_date(&date)?,
                currency: stored_currency(&currency)?,
                id,
                contact,
                amount_minor,
                account,
                allocations: allocated,
                unallocated_minor,
            });
        }
        Ok(out)
    }
}

/// An issued invoice with what is still open on it, seen on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receivable {
    pub contact: String,
    pub number: String,
    pub date: NaiveDate,
    pub due_date: NaiveDate,
    pub gross_minor: i64,
    pub paid_minor: i64,
    pub credited_minor: i64,
    /// Reminder fees added to what is owed.
    pub fees_minor: i64,
    /// The last reminder sent: level and date.
    pub reminded: Option<(u8, NaiveDate)>,
    pub currency: Currency,
    pub days_late: i64,
    /// 0: up to 30 days late, 1: 31-60, 2: 61-90, 3: over 90.
    pub bucket: usize,
}

impl Receivable {
    pub fn open_minor(&self) -> i64 {
        self.gross_minor + self.fees_minor - self.paid_minor - self.credited_minor
    }
}

impl Store {
    /// Issued invoices of one contact (or all) with an amount still open, as of the end of `on`
    /// (payments dated later are not counted).
    pub fn receivables(&self, contact: Option<&str>, on: NaiveDate) -> Result<Vec<Receivable>, StoreError> {
        receivables_in(&self.conn, contact, on)
    }

    /// Credits in customers' favour, as of `on`: what their payments left unallocated, and what
    /// was paid or credited on an invoice beyond its total (by devices that each saw it open;
    /// one device alone never allocates beyond what is open). Only a settled invoice on which
    /// more was paid and credited in all than its total can be one on `on` (what was paid and
    /// credited by then is no more than in all), so only those few are summed.
    pub fn customer_credits(&self, on: NaiveDate) -> Result<Vec<(String, Currency, i64)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT contact, currency, sum(amount) FROM (
                 SELECT contact, currency, unallocated_minor AS amount FROM p_payments WHERE date <= ?1
                 UNION ALL
                 SELECT i.contact, i.currency,
                     max(0, coalesce((SELECT sum(a.amount_minor) FROM p_payment_allocations a
                                      JOIN p_payments p ON p.id = a.payment WHERE a.invoice = i.number AND p.date <= ?1), 0)
                          + coalesce((SELECT sum(c.gross_minor) FROM p_credit_notes c WHERE c.invoice = i.number AND c.date <= ?1), 0)
                          - i.gross_minor
                          - coalesce((SELECT sum(r.fee_minor) FROM p_reminders r WHERE r.invoice = i.number AND r.date <= ?1), 0))
                 FROM p_invoices i
                 WHERE i.settled_on IS NOT NULL AND i.date <= ?1 AND i.received_minor > i.gross_minor
             )
             GROUP BY contact, currency HAVING sum(amount) <> 0 ORDER BY contact",
        )?;
        let rows = statement.query_map([on.format("%Y-%m-%d").to_string()], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (contact, currency, amount) = row?;
            let currency = stored_currency(&currency)?;
            out.push((contact, currency, amount));
        }
        Ok(out)
    }

    /// Records a customer's payment into `account` (bank or cash): allocated to the invoices named
    /// (`None` for all that is open on one) or else oldest first; what is left is a credit for
    /// the customer. Posts bank to receivable in the same commit.
    pub fn receive_payment(
        &mut self,
        contact: &str,
        date: NaiveDate,
        amount_minor: i64,
        account: &str,
        named: &[(String, Option<i64>)],
    ) -> Result<PaymentReceived, StoreError> {
        let company = self.company()?.clone();
        let name = self.contact(contact)?.get("name").cloned().unwrap_or_default();
        let receivable = receivable_account(company.country);
        let money_account = self.state.accounts.get(account).is_some_and(|found| found.kind == AccountKind::Asset)
            && account != receivable;
        if !money_account {
            return Err(PaymentError::NotMoneyAccount { account: account.to_owned() }.into());
        }
        let id = format!("P-{}", hex::encode(self.random_bytes::<5>()));
        self.commit(|commit| {
            // What is open is read inside the commit, under the write lock: another handle's
            // payment of the same invoice, committed just before, is counted.
            let receivables =
                receivables_in(commit.conn, Some(contact), NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(date))?;
            let open: Vec<OpenInvoice> = receivables
                .iter()
                .map(|receivable| OpenInvoice {
                    number: receivable.number.clone(),
                    date: receivable.date,
                    open_minor: receivable.open_minor(),
                })
                .collect();
            let (allocations, unallocated_minor) = allocate(amount_minor, company.currency, &open, named)?;
            // French services' VAT awaiting payment: each invoice paid makes due the share of
            // what waits that the payment pays of what was open of it (its fees paid last).
            let mut vat_due = Vec::new();
            for allocation in &allocations {
                let waiting = crate::vat_due::awaiting_of(commit.conn, &allocation.invoice)?;
                let Some(paid) = receivables.iter().find(|receivable| receivable.number == allocation.invoice) else {
                    continue;
                };
                let open = paid.gross_minor - paid.paid_minor - paid.credited_minor;
                for due in rempart_domain::vat_due::due_share(&waiting, allocation.amount_minor.min(open), open) {
                    vat_due.push(VatReceived {
                        invoice: allocation.invoice.clone(),
                        code: due.code,
                        base_minor: due.base_minor,
                        tax_minor: due.tax_minor,
                    });
                }
            }
            let posting = |account: &str, amount_minor: i64| rempart_domain::Posting {
                account: account.to_owned(),
                amount_minor,
                currency: company.currency,
                vat_code: None,
            };
            let mut postings = vec![posting(account, amount_minor), posting(receivable, -amount_minor)];
            let made_due: Vec<(String, i64)> = vat_due.iter().map(|due| (due.code.clone(), due.tax_minor)).collect();
            postings.extend(crate::vat_due::due_postings(commit, company.currency, &made_due)?);
            let entry = commit.state.build_entry(
                format!("PAY-{id}"),
                "BQ",
                date,
                date_of_ms(commit.now_ms),
                format!("Paiement {name}").chars().take(rempart_domain::rules::TEXT_BYTES_MAX / 4).collect(),
                postings,
            )?;
            let payment = PaymentReceived {
                id: id.clone(),
                contact: contact.to_owned(),
                date,
                amount_minor,
                currency: company.currency,
                account: account.to_owned(),
                allocations,
                unallocated_minor,
                entry_id: entry.id.clone(),
                vat_due,
            };
            commit.record(Fact::PaymentReceived(payment.clone()))?;
            commit.record(Fact::EntryPosted(entry))?;
            Ok(payment)
        })
    }
}

/// Issued invoices of one contact (or all) with an amount still open, as of the end of `on`, as
/// `conn` holds them (the store's, or a commit's: a payment allocates inside its commit).
fn receivables_in(conn: &Connection, contact: Option<&str>, on: NaiveDate) -> Result<Vec<Receivable>, StoreError> {
    let on_text = on.format("%Y-%m-%d").to_string();
    // An invoice settled on or before `on` cannot be open then: only the others are summed.
    // They are sorted here rather than by SQLite, which would walk an index of all the
    // invoices for the order and look each one up.
    let select = |filter: &str| {
        format!(
            "SELECT i.contact, i.number, i.date, i.due_date, i.gross_minor, i.currency,
                coalesce((SELECT sum(a.amount_minor) FROM p_payment_allocations a JOIN p_payments p ON p.id = a.payment
                          WHERE a.invoice = i.number AND p.date <= ?2), 0),
                coalesce((SELECT sum(c.gross_minor) FROM p_credit_notes c WHERE c.invoice = i.number AND c.date <= ?2), 0),
                coalesce((SELECT sum(r.fee_minor) FROM p_reminders r WHERE r.invoice = i.number AND r.date <= ?2), 0),
                (SELECT max(r.level) FROM p_reminders r WHERE r.invoice = i.number AND r.date <= ?2),
                (SELECT max(r.date) FROM p_reminders r WHERE r.invoice = i.number AND r.date <= ?2)
             FROM p_invoices i
             WHERE {filter} i.number IS NOT NULL AND i.date <= ?2 AND (i.settled_on IS NULL OR i.settled_on > ?2)"
        )
    };
    let mut statement = match contact {
        Some(_) => conn.prepare_cached(&select("i.contact = ?1 AND"))?,
        None => conn.prepare_cached(&select("?1 IS NULL AND"))?,
    };
    let mut rows = statement.query(params![contact, on_text])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let due_date = stored_date(&row.get::<_, String>(3)?)?;
        let receivable = Receivable {
            contact: row.get(0)?,
            number: row.get(1)?,
            date: stored_date(&row.get::<_, String>(2)?)?,
            due_date,
            gross_minor: row.get(4)?,
            paid_minor: row.get(6)?,
            credited_minor: row.get(7)?,
            fees_minor: row.get(8)?,
            reminded: match (row.get::<_, Option<u8>>(9)?, row.get::<_, Option<String>>(10)?) {
                (Some(level), Some(date)) => Some((level, stored_date(&date)?)),
                _ => None,
            },
            currency: stored_currency(&row.get::<_, String>(5)?)?,
            days_late: (on - due_date).num_days().max(0),
            bucket: ageing_bucket(due_date, on),
        };
        // Paid or credited beyond its total on devices apart: nothing is open, and the
        // excess is the customer's credit (`customer_credits`).
        if receivable.open_minor() > 0 {
            out.push(receivable);
        }
    }
    out.sort_unstable_by(|a, b| (&a.contact, a.date, &a.number).cmp(&(&b.contact, b.date, &b.number)));
    Ok(out)
}

/// Projects a `PaymentReceived` fact.
pub(crate) fn project_payment_received(conn: &Connection, payment: &PaymentReceived) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO p_payments (id, contact, date, amount_minor, currency, account, unallocated_minor, entry_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        payment.id,
        payment.contact,
        date_text(payment.date),
        payment.amount_minor,
        payment.currency.as_str(),
        payment.account,
        payment.unallocated_minor,
        payment.entry_id
    ])?;
    let mut allocate =
        conn.prepare_cached("INSERT INTO p_payment_allocations (invoice, payment, amount_minor) VALUES (?1, ?2, ?3)")?;
    for allocation in &payment.allocations {
        allocate.execute(params![allocation.invoice, payment.id, allocation.amount_minor])?;
        settle(conn, &allocation.invoice)?;
    }
    for due in &payment.vat_due {
        crate::vat_due::project_moves(
            conn,
            (&due.invoice, crate::vat_due::Move::Paid, &payment.id),
            &date_text(payment.date),
            std::iter::once((due.code.clone(), due.base_minor, due.tax_minor)),
            -1,
        )?;
    }

    Ok(())
}

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub(crate) const SCHEMA: &str = "
-- Customer payments and how they were allocated to invoices; `unallocated_minor` is a credit
-- in the customer's favour.
CREATE TABLE p_payments (
    id TEXT PRIMARY KEY,
    contact TEXT NOT NULL,
    date TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    account TEXT NOT NULL,
    unallocated_minor INTEGER NOT NULL,
    entry_id TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE p_payment_allocations (
    invoice TEXT NOT NULL,
    payment TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (invoice, payment)
) WITHOUT ROWID;
";

//! Reminders: the next level of an overdue invoice, recorded with the entry of its fee.

use chrono::NaiveDate;
use rempart_domain::Fact;
use rempart_domain::dunning::{DunningError, DunningLevel, ReminderSent, dunning_levels, fee_account, next_reminder};
use rempart_domain::invoices::receivable_account;
use rempart_domain::rules::Transfer;

use crate::invoices::settle;
use crate::project::date_text;
use crate::{Store, StoreError, date_of_ms};
use rusqlite::{Connection, params};

impl Store {
    /// The company's three dunning levels (its own delays and fees, or the defaults).
    pub fn dunning_levels(&self) -> Result<[DunningLevel; 3], StoreError> {
        let details = self.company_details()?;
        Ok(dunning_levels(&details, self.company()?.currency)?)
    }

    /// Records the next reminder of an invoice on `date`, if it is due by then, and posts its fee
    /// (receivable to fee income) in the same commit.
    pub fn send_reminder(&mut self, number: &str, date: NaiveDate) -> Result<ReminderSent, StoreError> {
        let company = self.company()?.clone();
        let invoice = self.invoice(number)?;
        let number = invoice.number.clone().ok_or_else(|| DunningError::Draft { id: invoice.id.clone() })?;
        let receivable = self
            .receivables(Some(&invoice.contact), date)?
            .into_iter()
            .find(|receivable| receivable.number == number)
            .filter(|receivable| receivable.open_minor() > 0)
            .ok_or_else(|| DunningError::NothingOpen { invoice: number.clone() })?;
        let levels = self.dunning_levels()?;
        let (level, from) = next_reminder(receivable.due_date, receivable.reminded, &levels)
            .ok_or_else(|| DunningError::AllSent { invoice: number.clone() })?;
        if from > date {
            return Err(DunningError::NotDue { invoice: number, level, from }.into());
        }
        let fee_minor = levels[usize::from(level - 1)].fee_minor;
        let id = format!("R-{}", hex::encode(self.random_bytes::<5>()));
        // The letter: the invoice's figures with this fee, the amount its payment part asks.
        let parties = self.parties(&invoice.contact, &invoice.id)?;
        let figures = rempart_domain::documents::PaperReminder {
            level,
            due_date: receivable.due_date,
            invoiced_minor: receivable.gross_minor,
            settled_minor: receivable.paid_minor + receivable.credited_minor,
            fee_minor,
            fees_minor: receivable.fees_minor + fee_minor,
            open_minor: receivable.open_minor() + fee_minor,
        };
        let asked = rempart_domain::invoices::InvoiceTotals { gross_minor: figures.open_minor, ..Default::default() };
        self.commit(|commit| {
            let paper = parties.paper(crate::documents::Figures {
                kind: rempart_domain::documents::PaperKind::Reminder,
                number: rempart_domain::dunning::reminder_number(&number, level),
                date,
                until: None,
                lines: &[],
                totals: &asked,
                refers_to: Some(rempart_domain::documents::PaperRef { number: number.clone(), date: invoice.date }),
                reminder: Some(figures.clone()),
                services_vat: None,
            });
            let archive = Some(crate::documents::archive(commit, paper)?);
            let entry = if fee_minor > 0 {
                Some(commit.state.build_transfer(
                    format!("REMINDER-{id}"),
                    "VTE",
                    date,
                    date_of_ms(commit.now_ms),
                    format!("Frais de rappel {level} {number}"),
                    Transfer {
                        debit: receivable_account(company.country),
                        credit: fee_account(company.country),
                        amount_minor: fee_minor,
                        currency: invoice.currency,
                    },
                )?)
            } else {
                None
            };
            let reminder = ReminderSent {
                id: id.clone(),
                invoice: number.clone(),
                level,
                date,
                fee_minor,
                currency: invoice.currency,
                entry_id: entry.as_ref().map(|entry| entry.id.clone()),
                archive,
            };
            commit.record(Fact::ReminderSent(reminder.clone()))?;
            if let Some(entry) = entry {
                commit.record(Fact::EntryPosted(entry))?;
            }
            Ok(reminder)
        })
    }
}

/// Projects a `ReminderSent` fact.
pub(crate) fn project_reminder_sent(conn: &Connection, reminder: &ReminderSent) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO p_reminders (id, invoice, level, date, fee_minor, entry_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        reminder.id,
        reminder.invoice,
        reminder.level,
        date_text(reminder.date),
        reminder.fee_minor,
        reminder.entry_id
    ])?;
    settle(conn, &reminder.invoice)?;

    Ok(())
}

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub(crate) const SCHEMA: &str = "
-- Reminders sent for invoices, with the fee each adds to what the customer owes.
CREATE TABLE p_reminders (
    id TEXT PRIMARY KEY,
    invoice TEXT NOT NULL,
    level INTEGER NOT NULL,
    date TEXT NOT NULL,
    fee_minor INTEGER NOT NULL,
    entry_id TEXT
) WITHOUT ROWID;
CREATE INDEX p_reminders_invoice ON p_reminders (invoice, level);
";

//! Customer payments: how a payment is allocated to open invoices, and what is left over as a
//! credit on the customer's account.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::facts::{Described, FactKind, Merge};
use crate::money::Currency;

/// One invoice still (partly) unpaid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInvoice {
    pub number: String,
    pub date: NaiveDate,
    pub open_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub invoice: String,
    pub amount_minor: i64,
}

/// A payment received from a customer, with its allocations to invoices; what is not allocated is
/// a credit in the customer's favour. Its entry (bank debited, receivable credited) is recorded in
/// the same commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentReceived {
    pub id: String,
    pub contact: String,
    pub date: NaiveDate,
    pub amount_minor: i64,
    pub currency: Currency,
    pub account: String,
    pub allocations: Vec<Allocation>,
    pub unallocated_minor: i64,
    pub entry_id: String,
    /// The French VAT on services it made due, per invoice and code (`vat_due`): its entry moves
    /// that tax from the account awaiting receipt to the code's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vat_due: Vec<crate::vat_due::VatReceived>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("a payment must be positive")]
    NotPositive,
    #[error("invoice {invoice} is not an open invoice of this customer")]
    NotOpen { invoice: String },
    #[error("invoice {invoice} has {open} open; {allocated} cannot be allocated to it")]
    MoreThanOpen { invoice: String, open: String, allocated: String },
    #[error("the allocations add up to more than the payment")]
    MoreThanPaid,
    #[error("account {account} is not an asset account (bank or cash)")]
    NotMoneyAccount { account: String },
}

/// Allocates a payment: to the invoices named (each with an amount, or `None` for what is open),
/// or, when none are named, to the open invoices oldest first. Returns the allocations and what
/// is left unallocated.
pub fn allocate(
    amount_minor: i64,
    currency: Currency,
    open: &[OpenInvoice],
    named: &[(String, Option<i64>)],
) -> Result<(Vec<Allocation>, i64), PaymentError> {
    if amount_minor <= 0 {
        return Err(PaymentError::NotPositive);
    }
    let mut left = amount_minor;
    let mut allocations = Vec::new();
    if named.is_empty() {
        let mut oldest_first: Vec<&OpenInvoice> = open.iter().collect();
        oldest_first.sort_by(|a, b| (a.date, &a.number).cmp(&(b.date, &b.number)));
        for invoice in oldest_first {
            if left == 0 {
                break;
            }
            let amount = invoice.open_minor.min(left);
            if amount > 0 {
                allocations.push(Allocation { invoice: invoice.number.clone(), amount_minor: amount });
                left -= amount;
            }
        }
        return Ok((allocations, left));
    }
    for (number, amount) in named {
        let invoice = open
            .iter()
            .find(|invoice| invoice.number == *number && invoice.open_minor > 0)
            .ok_or_else(|| PaymentError::NotOpen { invoice: number.clone() })?;
        let amount = amount.unwrap_or(invoice.open_minor.min(left));
        if amount <= 0 {
            return Err(PaymentError::NotPositive);
        }
        if amount > invoice.open_minor {
            return Err(PaymentError::MoreThanOpen {
                invoice: number.clone(),
                open: crate::money::format_plain(invoice.open_minor, currency),
                allocated: crate::money::format_plain(amount, currency),
            });
        }
        if amount > left {
            return Err(PaymentError::MoreThanPaid);
        }
        allocations.push(Allocation { invoice: number.clone(), amount_minor: amount });
        left -= amount;
    }
    Ok((allocations, left))
}

/// The ageing bucket of an amount due on `due_date`, seen on `on`: 0 (not yet due, or up to 30
/// days late), 1 (31-60), 2 (61-90), 3 (over 90).
pub fn ageing_bucket(due_date: NaiveDate, on: NaiveDate) -> usize {
    match (on - due_date).num_days() {
        ..=30 => 0,
        31..=60 => 1,
        61..=90 => 2,
        _ => 3,
    }
}

impl FactKind for PaymentReceived {
    const KIND: &'static str = "payment.received";
    const VERSION: u32 = 2;
    /// A row keyed by its own id; allocations add up.
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.payment_received").text("id", &self.id).date("date", self.date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        crate::rules::parse_date(text).unwrap()
    }

    fn open() -> Vec<OpenInvoice> {
        vec![
            OpenInvoice { number: "F-2".into(), date: day("2026-02-01"), open_minor: 5_000 },
            OpenInvoice { number: "F-1".into(), date: day("2026-01-15"), open_minor: 10_000 },
        ]
    }

    #[test]
    fn oldest_first_then_credit() {
        let (allocations, left) = allocate(12_000, Currency::CHF, &open(), &[]).unwrap();
        assert_eq!(
            allocations,
            [
                Allocation { invoice: "F-1".into(), amount_minor: 10_000 },
                Allocation { invoice: "F-2".into(), amount_minor: 2_000 }
            ]
        );
        assert_eq!(left, 0);
        let (_, credit) = allocate(20_000, Currency::CHF, &open(), &[]).unwrap();
        assert_eq!(credit, 5_000, "an overpayment is a credit for the customer");
    }

    #[test]
    fn named_invoices() {
        let (allocations, left) = allocate(6_000, Currency::CHF, &open(), &[("F-2".into(), None)]).unwrap();
        assert_eq!((allocations[0].amount_minor, left), (5_000, 1_000));
        assert!(matches!(
            allocate(6_000, Currency::CHF, &open(), &[("F-2".into(), Some(5_001))]),
            Err(PaymentError::MoreThanOpen { .. })
        ));
        assert!(matches!(
            allocate(6_000, Currency::CHF, &open(), &[("F-9".into(), None)]),
            Err(PaymentError::NotOpen { .. })
        ));
        assert_eq!(
            allocate(4_000, Currency::CHF, &open(), &[("F-1".into(), Some(5_000))]),
            Err(PaymentError::MoreThanPaid)
        );
        assert_eq!(allocate(0, Currency::CHF, &open(), &[]), Err(PaymentError::NotPositive));
    }

    #[test]
    fn buckets() {
        let due = day("2026-01-31");
        assert_eq!(
            ["2026-01-01", "2026-03-02", "2026-03-03", "2026-04-01", "2026-04-02", "2026-05-02"]
                .map(|on| ageing_bucket(due, day(on))),
            [0, 0, 1, 1, 2, 3]
        );
    }

    /// At the edges: an invoice with nothing open gets no allocation and cannot be named, and
    /// a payment allocated exactly is allocated whole.
    #[test]
    fn allocations_at_their_edges() {
        let mut open = open();
        open.push(OpenInvoice { number: "F-0".into(), date: day("2026-01-01"), open_minor: 0 });
        let (allocations, left) = allocate(15_000, Currency::CHF, &open, &[]).unwrap();
        assert_eq!(allocations.iter().map(|a| a.invoice.as_str()).collect::<Vec<_>>(), ["F-1", "F-2"]);
        assert_eq!(left, 0);
        assert_eq!(
            allocate(1_000, Currency::CHF, &open, &[("F-0".into(), None)]),
            Err(PaymentError::NotOpen { invoice: "F-0".into() })
        );
        let (allocations, left) = allocate(5_000, Currency::CHF, &open, &[("F-2".into(), Some(5_000))]).unwrap();
        assert_eq!((allocations[0].amount_minor, left), (5_000, 0));
        let (allocations, left) = allocate(3_000, Currency::CHF, &open, &[("F-1".into(), Some(3_000))]).unwrap();
        assert_eq!((allocations[0].amount_minor, left), (3_000, 0));
    }
}

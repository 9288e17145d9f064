//! Supplier bills: what the company owes, with the input VAT it may deduct, and their payments.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::chart::{AccountKind, Country, VatDirection};
use crate::facts::Posting;
use crate::facts::{Described, FactKind, Merge};
use crate::money::Currency;
use crate::rules::LedgerState;

/// One line of a supplier's bill: a net amount on an expense (or asset) account, with the VAT
/// code of the input tax paid on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillLine {
    pub account: String,
    pub net_minor: i64,
    pub vat_code: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillRecorded {
    pub id: String,
    pub supplier: String,
    /// The supplier's own number for the bill.
    pub reference: String,
    pub date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: Currency,
    pub lines: Vec<BillLine>,
    pub gross_minor: i64,
    pub entry_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillPaid {
    pub id: String,
    pub bill: String,
    pub date: NaiveDate,
    pub amount_minor: i64,
    pub account: String,
    pub entry_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillError {
    #[error("a bill needs at least one line")]
    Empty,
    #[error("\"{text}\" is not a bill line: write ACCOUNT=NET:VATCODE, such as 4000=100.00:IN81")]
    BadLine { text: String },
    #[error("a bill line must be positive")]
    NotPositive,
    #[error("VAT code {code} does not exist")]
    UnknownVatCode { code: String },
    #[error("VAT code {code} is for VAT charged to customers; a bill needs an input VAT code")]
    OutputVatCode { code: String },
    #[error("VAT code {code} is not in force on {date}")]
    VatCodeNotInForce { code: String, date: NaiveDate },
    #[error("account {account} is not an expense or asset account")]
    NotExpense { account: String },
    #[error("the supplier's reference is empty")]
    NoReference,
    #[error("bill {supplier} {reference} is already recorded")]
    Duplicate { supplier: String, reference: String },
    #[error("bill {id} does not exist")]
    UnknownBill { id: String },
    #[error("{supplier} has no bill with the reference {reference}")]
    NoSuchReference { supplier: String, reference: String },
    #[error(
        "two bills of {supplier} carry the reference {reference} (recorded on two devices): pay it by the id `bill list` shows"
    )]
    SameReference { supplier: String, reference: String },
    #[error("the payment ({amount}) is more than what is open on the bill ({open})")]
    MoreThanOpen { amount: String, open: String },
}

/// The account bills are owed on.
pub fn payable_account(country: Country) -> &'static str {
    match country {
        Country::Ch => "2000",
        Country::Fr => "401",
    }
}

/// Input VAT per code (rounded once per code, per bill), the gross, and the bill's postings:
/// expense accounts debited with the nets, input VAT debited, the supplier credited.
pub fn bill_postings(
    state: &LedgerState,
    country: Country,
    currency: Currency,
    date: NaiveDate,
    lines: &[BillLine],
) -> Result<(i64, Vec<Posting>), BillError> {
    if lines.is_empty() {
        return Err(BillError::Empty);
    }
    let mut nets: BTreeMap<&str, i64> = BTreeMap::new();
    let mut postings = Vec::new();
    for line in lines {
        if line.net_minor <= 0 {
            return Err(BillError::NotPositive);
        }
        let vat = state
            .vat_codes
            .get(&line.vat_code)
            .ok_or_else(|| BillError::UnknownVatCode { code: line.vat_code.clone() })?;
        if vat.direction != VatDirection::Input {
            return Err(BillError::OutputVatCode { code: line.vat_code.clone() });
        }
        if !vat.in_force_on(date) {
            return Err(BillError::VatCodeNotInForce { code: line.vat_code.clone(), date });
        }
        let expense = state
            .accounts
            .get(&line.account)
            .is_some_and(|account| matches!(account.kind, AccountKind::Expense | AccountKind::Asset));
        if !expense {
            return Err(BillError::NotExpense { account: line.account.clone() });
        }
        *nets.entry(&line.vat_code).or_default() += line.net_minor;
        postings.push(Posting {
            account: line.account.clone(),
            amount_minor: line.net_minor,
            currency,
            vat_code: Some(line.vat_code.clone()),
        });
    }
    let mut gross = 0;
    for (code, net) in nets {
        let vat = &state.vat_codes[code];
        let tax = (i128::from(net) * i128::from(vat.rate_bp) + 5_000) / 10_000;
        gross += net + tax as i64;
        if tax != 0 {
            postings.push(Posting {
                account: vat.account.clone(),
                amount_minor: tax as i64,
                currency,
                vat_code: Some(code.to_owned()),
            });
        }
    }
    postings.push(Posting {
        account: payable_account(country).to_owned(),
        amount_minor: -gross,
        currency,
        vat_code: None,
    });
    Ok((gross, postings))
}

impl FactKind for BillRecorded {
    const KIND: &'static str = "bill.recorded";
    const VERSION: u32 = 1;
    /// A row keyed by its own id.
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.bill_recorded")
            .text("reference", &self.reference)
            .text("supplier", &self.supplier)
            .date("date", self.date)
    }
}

impl FactKind for BillPaid {
    const KIND: &'static str = "bill.paid";
    const VERSION: u32 = 1;
    /// A row keyed by its own id; payments add up.
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.bill_paid").text("bill", &self.bill).date("date", self.date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bill_posts_its_input_tax() {
        let state = crate::rules::test_books::swiss();
        let date = crate::rules::parse_date("2026-03-05").unwrap();
        let line = |account: &str, net_minor, code: &str| BillLine {
            account: account.into(),
            net_minor,
            vat_code: code.into(),
            text: String::new(),
        };
        let (gross, postings) = bill_postings(
            &state,
            Country::Ch,
            Currency::CHF,
            date,
            &[line("4000", 12_345, "IN81"), line("6500", 1_000, "IN81")],
        )
        .unwrap();
        // 133.45 at 8.1 % = 10.80945 -> 10.81; gross 144.26.
        assert_eq!(gross, 14_426);
        assert_eq!(postings.iter().map(|p| p.amount_minor).sum::<i64>(), 0);
        assert_eq!(postings[2].account, "1170");
        assert_eq!(postings[2].amount_minor, 1_081);
        assert_eq!(
            bill_postings(&state, Country::Ch, Currency::CHF, date, &[line("4000", 100, "N81")]),
            Err(BillError::OutputVatCode { code: "N81".into() })
        );
        assert_eq!(
            bill_postings(&state, Country::Ch, Currency::CHF, date, &[line("3400", 100, "IN81")]),
            Err(BillError::NotExpense { account: "3400".into() })
        );
        assert_eq!(bill_postings(&state, Country::Ch, Currency::CHF, date, &[]), Err(BillError::Empty));
    }
}

//! The business facts the log records, one per event, and their payload encoding.
//!
//! Each fact has a stable kind string and a JSON payload with stable field names: the payload is
//! what the log hashes and keeps for the ten-year retention, so it must stay readable without
//! Rempart. Adding a field is done with `#[serde(default)]`; renaming or removing one needs a new
//! kind. Money is always an integer of minor units next to its currency.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::bills::{BillPaid, BillRecorded};
use crate::catalogue::{ItemDefined, ItemEdited};
use crate::chart::{AccountKind, Country, VatCode};
use crate::company::CompanyDetailsSet;
use crate::contacts::{ContactCreated, ContactEdited, ContactFieldDefined};
use crate::dunning::ReminderSent;
use crate::invoices::{CreditNoteIssued, InvoiceDrafted, InvoiceIssued, InvoiceLineAdded};
use crate::money::Currency;
use crate::payments::PaymentReceived;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyCreated {
    pub name: String,
    pub country: Country,
    pub currency: Currency,
    /// Month (1-12) in which the fiscal year starts.
    pub fiscal_year_start_month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOpened {
    pub number: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_de: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    pub kind: AccountKind,
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEdited {
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub account: String,
    /// Debit positive, credit negative, in minor units of `currency`.
    pub amount_minor: i64,
    pub currency: Currency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPosted {
    /// Chosen by whoever records the entry (an import's `entry_id`, or generated): it is the
    /// idempotency key, so recording the same id twice records one entry.
    pub id: String,
    pub journal: String,
    /// Gapless number within the journal's series, assigned when the entry is recorded.
    pub number: u64,
    /// The series of the journal the number belongs to: none for the node that created the
    /// company, the recording node's short id for every other node (see
    /// `LedgerState::journal_series`), so that nodes numbering offline never give one number twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// Booking date.
    pub date: NaiveDate,
    /// Date the entry was validated (recorded), as the FEC's `ValidDate`.
    pub validated_on: NaiveDate,
    pub text: String,
    pub postings: Vec<Posting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodClosed {
    /// Last day of the closed span: no entry dated on or before it may be recorded.
    pub until: NaiveDate,
    /// What the closing node held of each chain when it closed (node id in hex -> last
    /// sequence), so that an entry of the closed span recorded on another node that the closer
    /// had not seen is told apart from one it closed over (`rempart conflicts`). Empty in closes
    /// recorded before it existed: those are compared by clock instead.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub seen: std::collections::BTreeMap<String, u64>,
}

/// A person looked at a conflict between devices (`rempart conflicts`) and settled it: it is no
/// longer listed. The id names the conflict with its evidence, so a new case of the same kind
/// on the same record (a third device creating the key) is listed again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictSettled {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    CompanyCreated(CompanyCreated),
    AccountOpened(AccountOpened),
    AccountEdited(AccountEdited),
    VatCodeDefined(VatCode),
    EntryPosted(EntryPosted),
    PeriodClosed(PeriodClosed),
    ContactFieldDefined(ContactFieldDefined),
    ContactCreated(ContactCreated),
    ContactEdited(ContactEdited),
    ItemDefined(ItemDefined),
    ItemEdited(ItemEdited),
    InvoiceDrafted(InvoiceDrafted),
    InvoiceLineAdded(InvoiceLineAdded),
    InvoiceIssued(InvoiceIssued),
    PaymentReceived(PaymentReceived),
    CreditNoteIssued(CreditNoteIssued),
    BillRecorded(BillRecorded),
    BillPaid(BillPaid),
    CompanyDetailsSet(CompanyDetailsSet),
    ReminderSent(ReminderSent),
    ConflictSettled(ConflictSettled),
}

#[derive(Debug, thiserror::Error)]
pub enum FactError {
    #[error("unknown event kind \"{kind}\"")]
    UnknownKind { kind: String },
    #[error("the payload of a \"{kind}\" event is not valid: {source}")]
    Payload { kind: String, source: serde_json::Error },
}

impl Fact {
    pub const COMPANY_CREATED: &'static str = "company.created";
    pub const ACCOUNT_OPENED: &'static str = "account.opened";
    pub const ACCOUNT_EDITED: &'static str = "account.edited";
    pub const VAT_DEFINED: &'static str = "vat.defined";
    pub const ENTRY_POSTED: &'static str = "entry.posted";
    pub const PERIOD_CLOSED: &'static str = "period.closed";
    pub const CONTACT_FIELD_DEFINED: &'static str = "contact.field_defined";
    pub const CONTACT_CREATED: &'static str = "contact.created";
    pub const CONTACT_EDITED: &'static str = "contact.edited";
    pub const ITEM_DEFINED: &'static str = "item.defined";
    pub const ITEM_EDITED: &'static str = "item.edited";
    pub const INVOICE_DRAFTED: &'static str = "invoice.drafted";
    pub const INVOICE_LINE_ADDED: &'static str = "invoice.line_added";
    pub const INVOICE_ISSUED: &'static str = "invoice.issued";
    pub const PAYMENT_RECEIVED: &'static str = "payment.received";
    pub const CREDIT_NOTE_ISSUED: &'static str = "credit_note.issued";
    pub const BILL_RECORDED: &'static str = "bill.recorded";
    pub const BILL_PAID: &'static str = "bill.paid";
    pub const COMPANY_DETAILS_SET: &'static str = "company.details_set";
    pub const REMINDER_SENT: &'static str = "reminder.sent";
    pub const CONFLICT_SETTLED: &'static str = "conflict.settled";

    /// Every kind of fact, for the tests that must exercise each (`from_payload` reads each).
    pub const KINDS: [&'static str; 21] = [
        Self::COMPANY_CREATED,
        Self::ACCOUNT_OPENED,
        Self::ACCOUNT_EDITED,
        Self::VAT_DEFINED,
        Self::ENTRY_POSTED,
        Self::PERIOD_CLOSED,
        Self::CONTACT_FIELD_DEFINED,
        Self::CONTACT_CREATED,
        Self::CONTACT_EDITED,
        Self::ITEM_DEFINED,
        Self::ITEM_EDITED,
        Self::INVOICE_DRAFTED,
        Self::INVOICE_LINE_ADDED,
        Self::INVOICE_ISSUED,
        Self::PAYMENT_RECEIVED,
        Self::CREDIT_NOTE_ISSUED,
        Self::BILL_RECORDED,
        Self::BILL_PAID,
        Self::COMPANY_DETAILS_SET,
        Self::REMINDER_SENT,
        Self::CONFLICT_SETTLED,
    ];

    pub fn kind(&self) -> &'static str {
        match self {
            Fact::CompanyCreated(_) => Self::COMPANY_CREATED,
            Fact::AccountOpened(_) => Self::ACCOUNT_OPENED,
            Fact::AccountEdited(_) => Self::ACCOUNT_EDITED,
            Fact::VatCodeDefined(_) => Self::VAT_DEFINED,
            Fact::EntryPosted(_) => Self::ENTRY_POSTED,
            Fact::PeriodClosed(_) => Self::PERIOD_CLOSED,
            Fact::ContactFieldDefined(_) => Self::CONTACT_FIELD_DEFINED,
            Fact::ContactCreated(_) => Self::CONTACT_CREATED,
            Fact::ContactEdited(_) => Self::CONTACT_EDITED,
            Fact::ItemDefined(_) => Self::ITEM_DEFINED,
            Fact::ItemEdited(_) => Self::ITEM_EDITED,
            Fact::InvoiceDrafted(_) => Self::INVOICE_DRAFTED,
            Fact::InvoiceLineAdded(_) => Self::INVOICE_LINE_ADDED,
            Fact::InvoiceIssued(_) => Self::INVOICE_ISSUED,
            Fact::PaymentReceived(_) => Self::PAYMENT_RECEIVED,
            Fact::CreditNoteIssued(_) => Self::CREDIT_NOTE_ISSUED,
            Fact::BillRecorded(_) => Self::BILL_RECORDED,
            Fact::BillPaid(_) => Self::BILL_PAID,
            Fact::CompanyDetailsSet(_) => Self::COMPANY_DETAILS_SET,
            Fact::ReminderSent(_) => Self::REMINDER_SENT,
            Fact::ConflictSettled(_) => Self::CONFLICT_SETTLED,
        }
    }

    /// The payload bytes the log stores and hashes.
    pub fn to_payload(&self) -> Vec<u8> {
        let encoded = match self {
            Fact::CompanyCreated(fact) => serde_json::to_vec(fact),
            Fact::AccountOpened(fact) => serde_json::to_vec(fact),
            Fact::AccountEdited(fact) => serde_json::to_vec(fact),
            Fact::VatCodeDefined(fact) => serde_json::to_vec(fact),
            Fact::EntryPosted(fact) => serde_json::to_vec(fact),
            Fact::PeriodClosed(fact) => serde_json::to_vec(fact),
            Fact::ContactFieldDefined(fact) => serde_json::to_vec(fact),
            Fact::ContactCreated(fact) => serde_json::to_vec(fact),
            Fact::ContactEdited(fact) => serde_json::to_vec(fact),
            Fact::ItemDefined(fact) => serde_json::to_vec(fact),
            Fact::ItemEdited(fact) => serde_json::to_vec(fact),
            Fact::InvoiceDrafted(fact) => serde_json::to_vec(fact),
            Fact::InvoiceLineAdded(fact) => serde_json::to_vec(fact),
            Fact::InvoiceIssued(fact) => serde_json::to_vec(fact),
            Fact::PaymentReceived(fact) => serde_json::to_vec(fact),
            Fact::CreditNoteIssued(fact) => serde_json::to_vec(fact),
            Fact::BillRecorded(fact) => serde_json::to_vec(fact),
            Fact::BillPaid(fact) => serde_json::to_vec(fact),
            Fact::CompanyDetailsSet(fact) => serde_json::to_vec(fact),
            Fact::ReminderSent(fact) => serde_json::to_vec(fact),
            Fact::ConflictSettled(fact) => serde_json::to_vec(fact),
        };
        // These types hold only strings, integers, dates and enums: serialising them cannot fail,
        // and an empty payload must never reach the chain, so a failure stops here.
        encoded.expect("a fact of strings, integers, dates and enums serialises")
    }

    /// Decodes a payload read from the log. Returns `Ok(None)` for kinds owned by other layers
    /// (the log's own `node.*` events), which carry no business fact.
    pub fn from_payload(kind: &str, payload: &[u8]) -> Result<Option<Fact>, FactError> {
        fn decode<T: serde::de::DeserializeOwned>(kind: &str, payload: &[u8]) -> Result<T, FactError> {
            serde_json::from_slice(payload).map_err(|source| FactError::Payload { kind: kind.to_owned(), source })
        }
        let fact = match kind {
            Self::COMPANY_CREATED => Fact::CompanyCreated(decode(kind, payload)?),
            Self::ACCOUNT_OPENED => Fact::AccountOpened(decode(kind, payload)?),
            Self::ACCOUNT_EDITED => Fact::AccountEdited(decode(kind, payload)?),
            Self::VAT_DEFINED => Fact::VatCodeDefined(decode(kind, payload)?),
            Self::ENTRY_POSTED => Fact::EntryPosted(decode(kind, payload)?),
            Self::PERIOD_CLOSED => Fact::PeriodClosed(decode(kind, payload)?),
            Self::CONTACT_FIELD_DEFINED => Fact::ContactFieldDefined(decode(kind, payload)?),
            Self::CONTACT_CREATED => Fact::ContactCreated(decode(kind, payload)?),
            Self::CONTACT_EDITED => Fact::ContactEdited(decode(kind, payload)?),
            Self::ITEM_DEFINED => Fact::ItemDefined(decode(kind, payload)?),
            Self::ITEM_EDITED => Fact::ItemEdited(decode(kind, payload)?),
            Self::INVOICE_DRAFTED => Fact::InvoiceDrafted(decode(kind, payload)?),
            Self::INVOICE_LINE_ADDED => Fact::InvoiceLineAdded(decode(kind, payload)?),
            Self::INVOICE_ISSUED => Fact::InvoiceIssued(decode(kind, payload)?),
            Self::PAYMENT_RECEIVED => Fact::PaymentReceived(decode(kind, payload)?),
            Self::CREDIT_NOTE_ISSUED => Fact::CreditNoteIssued(decode(kind, payload)?),
            Self::BILL_RECORDED => Fact::BillRecorded(decode(kind, payload)?),
            Self::BILL_PAID => Fact::BillPaid(decode(kind, payload)?),
            Self::COMPANY_DETAILS_SET => Fact::CompanyDetailsSet(decode(kind, payload)?),
            Self::REMINDER_SENT => Fact::ReminderSent(decode(kind, payload)?),
            Self::CONFLICT_SETTLED => Fact::ConflictSettled(decode(kind, payload)?),
            other if other.starts_with("node.") => return Ok(None),
            other => {
                return Err(FactError::UnknownKind { kind: other.to_owned() });
            }
        };
        Ok(Some(fact))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_are_readable() {
        let fact = Fact::EntryPosted(EntryPosted {
            id: "E1".into(),
            journal: "OD".into(),
            number: 7,
            series: None,
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            validated_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            text: "Loyer".into(),
            postings: vec![Posting {
                account: "6000".into(),
                amount_minor: 150_000,
                currency: Currency::CHF,
                vat_code: None,
            }],
            reverses: None,
        });
        let payload = fact.to_payload();
        let text = std::str::from_utf8(&payload).unwrap();
        assert!(text.contains("\"amount_minor\":150000") && text.contains("\"currency\":\"CHF\""), "{text}");
        // An entry of the unnamed series is written as before the series existed.
        assert!(!text.contains("series"), "{text}");
        assert_eq!(Fact::from_payload(fact.kind(), &payload).unwrap(), Some(fact.clone()));
        let Fact::EntryPosted(mut entry) = fact else { unreachable!() };
        entry.series = Some("5e66e5df".into());
        let fact = Fact::EntryPosted(entry);
        assert_eq!(Fact::from_payload(fact.kind(), &fact.to_payload()).unwrap(), Some(fact));
        assert!(matches!(Fact::from_payload("entry.posted", b"{}"), Err(FactError::Payload { .. })));
        assert!(matches!(Fact::from_payload("what.ever", b"{}"), Err(FactError::UnknownKind { .. })));
        assert!(matches!(Fact::from_payload("node.created", b"{}"), Ok(None)));
    }

    /// Every kind listed is read by `from_payload`, once each.
    #[test]
    fn every_kind_is_listed_once_and_read() {
        let distinct: std::collections::BTreeSet<&str> = Fact::KINDS.into_iter().collect();
        assert_eq!(distinct.len(), Fact::KINDS.len());
        for kind in Fact::KINDS {
            assert!(!matches!(Fact::from_payload(kind, b"{}"), Err(FactError::UnknownKind { .. })), "{kind}");
        }
    }
}

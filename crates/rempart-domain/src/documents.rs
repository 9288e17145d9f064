//! What an A4 document prints, as inputs (`Paper`): the seller and its details, the customer,
//! the vehicle, the lines and totals, and for a reminder its figures. Frozen when the document
//! is issued (an invoice, a credit note, a reminder) or sent (a quote): the paper is recorded
//! as a fact of its own (`DocumentArchived`) in the same commit, and its BLAKE3 hash
//! (`archive_hash`) in the issuing fact, so that a reprint is made from what was printed
//! whatever changed since, and `verify` finds an archive that no longer matches its hash.
//! The layout (`rempart-docs`) reads nothing else, so the same paper always gives the same
//! bytes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::chart::Country;
use crate::facts::{Described, FactKind, Merge};
use crate::money::Currency;
use crate::qrbill::Address;

/// The company details an A4 document prints (its header, its mentions, its payment part).
pub const PRINTED_DETAILS: &[&str] = &[
    "vat_number",
    "siren",
    "siret",
    "email",
    "phone",
    "iban",
    "qr_iban",
    "late_penalty",
    "share_capital",
    "rcs",
    "legal_form",
];

/// When a French invoice's VAT on services is paid, as it must say (CGI art. 242 nonies A):
/// on receipts, the default rule; on debits, the company having opted for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServicesVat {
    OnReceipts,
    OnDebits,
}

/// Which document a paper is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaperKind {
    Invoice,
    Quote,
    CreditNote,
    Reminder,
}

impl PaperKind {
    pub const ALL: [PaperKind; 4] = [PaperKind::Invoice, PaperKind::Quote, PaperKind::CreditNote, PaperKind::Reminder];

    /// The kind `as_str` writes as `text`.
    pub fn parse(text: &str) -> Option<PaperKind> {
        PaperKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PaperKind::Invoice => "invoice",
            PaperKind::Quote => "quote",
            PaperKind::CreditNote => "credit_note",
            PaperKind::Reminder => "reminder",
        }
    }
}

/// One line as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperLine {
    pub text: String,
    pub quantity_milli: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub comment: bool,
    pub unit_price_minor: i64,
    pub discount_bp: u32,
    pub vat_rate_bp: u32,
    pub net_minor: i64,
}

/// The VAT of one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperVat {
    pub rate_bp: u32,
    pub net_minor: i64,
    pub vat_minor: i64,
}

/// The vehicle a document is for, as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperVehicle {
    /// Plate, make and model (`VD 123 456, VW Golf`).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mileage_km: Option<u64>,
}

/// The document another refers to: a credit note's invoice, a reminder's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperRef {
    pub number: String,
    pub date: NaiveDate,
}

/// A reminder's figures: the invoice's total, what was paid and credited on it, every fee
/// charged on it (this reminder's too), and what is open with them, the amount its payment
/// part asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperReminder {
    pub level: u8,
    pub due_date: NaiveDate,
    pub invoiced_minor: i64,
    pub settled_minor: i64,
    pub fee_minor: i64,
    pub fees_minor: i64,
    pub open_minor: i64,
}

/// Every input an A4 document is printed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paper {
    pub kind: PaperKind,
    pub number: String,
    pub date: NaiveDate,
    /// An invoice's due date, a quote's last day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// The customer's language (`fr`, `de`, `it`, `en`); French when they have none.
    pub lang: String,
    /// The company's country: its locale and the mentions or payment part its documents carry.
    pub country: Country,
    pub currency: Currency,
    pub seller: Address,
    /// The company's details printed (`PRINTED_DETAILS`), as they were.
    pub seller_details: BTreeMap<String, String>,
    /// The BLAKE3 hash of the company's logo (a PNG), kept by the store under that hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    pub customer: Address,
    pub customer_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_vat: Option<String>,
    /// A business (it has a VAT number, a SIREN or a SIRET): in France, owed the recovery
    /// indemnity mention.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub business_customer: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<PaperVehicle>,
    /// A French invoice with services that carry VAT: when that VAT is paid, as it mentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services_vat: Option<ServicesVat>,
    pub lines: Vec<PaperLine>,
    pub vat: Vec<PaperVat>,
    pub net_minor: i64,
    pub rounding_minor: i64,
    pub gross_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<PaperRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder: Option<PaperReminder>,
}

/// The hash of a paper as archived: BLAKE3 (derive-key mode, own context) of its JSON, whose
/// fields serialise in one order.
pub fn archive_hash(paper: &Paper) -> String {
    // A paper holds strings, integers, dates and enums: it serialises.
    let bytes = serde_json::to_vec(paper).expect("a paper serialises");
    blake3::Hasher::new_derive_key("rempart 2026-12 archived document v1")
        .update(&bytes)
        .finalize()
        .to_hex()
        .to_string()
}

/// The BLAKE3 hash under which a logo's PNG is kept.
pub fn logo_hash(png: &[u8]) -> String {
    blake3::Hasher::new_derive_key("rempart 2026-12 logo v1").update(png).finalize().to_hex().to_string()
}

/// What a document printed, archived when it was issued or sent. Every archive is kept; a
/// document's own is the one whose hash its issuing fact recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentArchived {
    /// Boxed: a paper is ten times the size of most facts.
    pub paper: Box<Paper>,
}

impl FactKind for DocumentArchived {
    const KIND: &'static str = "document.archived";
    const VERSION: u32 = 1;
    /// A row keyed by its own event: every archive is kept, in any order.
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.document_archived")
            .text("kind", self.paper.kind.as_str())
            .text("number", &self.paper.number)
    }
}

/// A detail an invoice cannot be issued without, as the law of the company's country and its
/// payment part ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// Switzerland: the account the QR-bill pays into (IBAN or QR-IBAN).
    CompanyAccount,
    /// The company's postcode and town (its address heads the invoice; the QR-bill needs it).
    CompanyTown,
    /// The company's VAT or UID number, when the invoice charges VAT.
    CompanyVatNumber,
    /// France: the company's SIREN.
    CompanySiren,
    /// The customer's postcode and town (the QR-bill's debtor; in France, a mandatory mention).
    CustomerTown { contact: String },
}

/// What an invoice of a company of `country` for `contact` lacks before it may be issued:
/// every missing detail at once.
pub fn missing_details(
    country: Country,
    company: &BTreeMap<String, String>,
    (contact, customer): (&str, &BTreeMap<String, String>),
    charges_vat: bool,
) -> Vec<Missing> {
    let has =
        |fields: &BTreeMap<String, String>, key: &str| fields.get(key).is_some_and(|value| !value.trim().is_empty());
    let mut missing = Vec::new();
    if country == Country::Ch && !has(company, "iban") && !has(company, "qr_iban") {
        missing.push(Missing::CompanyAccount);
    }
    if !has(company, "postcode") || !has(company, "town") {
        missing.push(Missing::CompanyTown);
    }
    if charges_vat && !has(company, "vat_number") {
        missing.push(Missing::CompanyVatNumber);
    }
    if country == Country::Fr && !has(company, "siren") {
        missing.push(Missing::CompanySiren);
    }
    if !has(customer, "postcode") || !has(customer, "town") {
        missing.push(Missing::CustomerTown { contact: contact.to_owned() });
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_missing_detail_is_listed_at_once() {
        let empty = BTreeMap::new();
        assert_eq!(
            missing_details(Country::Ch, &empty, ("7", &empty), true),
            [
                Missing::CompanyAccount,
                Missing::CompanyTown,
                Missing::CompanyVatNumber,
                Missing::CustomerTown { contact: "7".into() }
            ]
        );
        let place: BTreeMap<String, String> =
            [("postcode", "1110"), ("town", "Morges")].map(|(key, value)| (key.to_owned(), value.to_owned())).into();
        let mut company = place.clone();
        company.insert("qr_iban".into(), "CH44 3199 9123 0008 8901 2".into());
        assert_eq!(missing_details(Country::Ch, &company, ("7", &place), false), []);
        assert_eq!(missing_details(Country::Ch, &company, ("7", &place), true), [Missing::CompanyVatNumber]);
        assert_eq!(
            missing_details(Country::Fr, &place, ("7", &place), false),
            [Missing::CompanySiren],
            "no QR-bill in France, a SIREN"
        );
    }
}

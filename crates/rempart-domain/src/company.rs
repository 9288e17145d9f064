//! The company's own details (structured address, bank account, identifiers) and its dunning
//! settings, each a last-writer-wins field like a contact's. Invoice documents and reminders read
//! them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::chart::Country;
use crate::contacts::{ContactError, check_value};
use crate::facts::{Described, FactKind, Merge};
use crate::money::Currency;

/// The fields `rempart company set` accepts.
pub const COMPANY_FIELDS: &[&str] = &[
    "street",
    "building_number",
    "postcode",
    "town",
    "country",
    "email",
    "phone",
    "vat_number",
    "siren",
    "siret",
    "iban",
    "qr_iban",
    "late_penalty",
    "legal_form",
    "share_capital",
    "rcs",
    "logo",
    "dunning_1_days",
    "dunning_1_fee",
    "dunning_2_days",
    "dunning_2_fee",
    "dunning_3_days",
    "dunning_3_fee",
];

/// The largest logo file, before its base64 encoding.
pub const LOGO_BYTES_MAX: usize = 512 * 1024;

/// The PNG file a `logo` value holds (the file's bytes in standard base64), if it holds one
/// within the size limit; whether the image itself can be read is for the document crate.
pub fn logo_png(value: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    if value.len() > LOGO_BYTES_MAX.div_ceil(3) * 4 {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(value).ok()?;
    bytes.starts_with(b"\x89PNG\r\n\x1a\n").then_some(bytes)
}

/// A logo value for `bytes`: standard base64.
pub fn logo_value(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Days after the due date (or the previous reminder) and fee of each reminder level, when the
/// company has not set its own.
pub const DUNNING_DEFAULTS: [(u32, &str); 3] = [(10, "0.00"), (20, "20.00"), (20, "30.00")];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyDetailsSet {
    pub fields: BTreeMap<String, Option<String>>,
}

/// An IBAN with a valid check (ISO 13616, modulo 97), written without spaces or with the usual
/// groups of four.
pub fn iban_valid(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| *c != ' ').collect();
    if compact.len() < 15
        || compact.len() > 34
        || !compact.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    if !head[..2].chars().all(|c| c.is_ascii_uppercase()) || !head[2..].chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    if (head.starts_with("CH") || head.starts_with("LI")) && compact.len() != 21 {
        return false;
    }
    mod97_rotated(head, tail) == 1
}

/// ISO 7064 MOD 97-10 over `tail` then `head`, letters counted as 10 to 35: the check of IBANs
/// and of ISO 11649 creditor references, whose first four characters move to the end.
pub(crate) fn mod97_rotated(head: &str, tail: &str) -> u32 {
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = c.to_digit(36).unwrap_or(0);
        remainder = if value >= 10 { (remainder * 100 + value) % 97 } else { (remainder * 10 + value) % 97 };
    }
    remainder
}

/// A QR-IBAN: a Swiss or Liechtenstein IBAN whose institution id (digits 5 to 9) is 30000-31999.
pub fn qr_iban_valid(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| *c != ' ').collect();
    iban_valid(&compact)
        && (compact.starts_with("CH") || compact.starts_with("LI"))
        && compact[4..9].parse::<u32>().is_ok_and(|iid| (30_000..=31_999).contains(&iid))
}

/// Checks the writes of `rempart company set`.
pub fn check_details(fields: &BTreeMap<String, Option<String>>) -> Result<(), ContactError> {
    if fields.is_empty() {
        return Err(ContactError::NothingToChange);
    }
    for (name, value) in fields {
        let method_field = name.starts_with(crate::vat::VAT_METHOD_PREFIX);
        if !COMPANY_FIELDS.contains(&name.as_str()) && !method_field {
            return Err(ContactError::UnknownField { name: name.clone() });
        }
        let Some(value) = value else { continue };
        let bad = |reason: crate::contacts::ValueProblem| ContactError::BadValue {
            field: name.clone(),
            value: value.clone(),
            reason,
        };
        match name.as_str() {
            "iban" if !iban_valid(value) || qr_iban_valid(value) => Err(bad(crate::contacts::ValueProblem::Iban)),
            _ if method_field => match crate::vat::dated_vat_method(name, value) {
                Some(Ok(_)) => Ok(()),
                _ => Err(bad(crate::contacts::ValueProblem::VatMethod)),
            },
            "logo" => match logo_png(value) {
                Some(_) => Ok(()),
                None => Err(bad(crate::contacts::ValueProblem::Logo)),
            },
            "qr_iban" if !qr_iban_valid(value) => Err(bad(crate::contacts::ValueProblem::QrIban)),
            days if days.ends_with("_days") && !value.parse::<u32>().is_ok_and(|days| (1..=365).contains(&days)) => {
                Err(bad(crate::contacts::ValueProblem::Days))
            }
            fee if fee.ends_with("_fee")
                && !crate::money::parse_amount(value, crate::money::Currency::CHF).is_ok_and(|fee| fee >= 0) =>
            {
                Err(bad(crate::contacts::ValueProblem::Fee))
            }
            other => check_value(other, other, None, value),
        }?;
    }
    Ok(())
}

/// The company is created: its name, country, currency and fiscal year, the first fact of its log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyCreated {
    pub name: String,
    pub country: Country,
    pub currency: Currency,
    /// Month (1-12) in which the fiscal year starts.
    pub fiscal_year_start_month: u32,
}

impl FactKind for CompanyCreated {
    const KIND: &'static str = "company.created";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.company_created")
    }
}

impl FactKind for CompanyDetailsSet {
    const KIND: &'static str = "company.details_set";
    const VERSION: u32 = 1;
    /// Each field is a register decided by its stamp.
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.company_details_set")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans() {
        // Examples from the Swiss Payment Standards (QR-bill implementation guidelines).
        assert!(iban_valid("CH44 3199 9123 0008 8901 2"));
        assert!(qr_iban_valid("CH44 3199 9123 0008 8901 2"));
        assert!(iban_valid("CH58 0079 1123 0008 8901 2"));
        assert!(!qr_iban_valid("CH58 0079 1123 0008 8901 2"));
        assert!(!iban_valid("CH58 0079 1123 0008 8901 3"));
        assert!(iban_valid("FR76 3000 6000 0112 3456 7890 189"));
        assert!(!iban_valid("CH58 0079 1123 0008 8901"));
    }

    #[test]
    fn details() {
        let set = |name: &str, value: &str| check_details(&BTreeMap::from([(name.to_owned(), Some(value.to_owned()))]));
        assert!(set("qr_iban", "CH44 3199 9123 0008 8901 2").is_ok());
        assert!(set("iban", "CH44 3199 9123 0008 8901 2").is_err(), "a QR-IBAN is not an account IBAN");
        assert!(set("iban", "CH58 0079 1123 0008 8901 2").is_ok());
        assert!(set("dunning_2_fee", "20.00").is_ok());
        assert!(set("dunning_2_fee", "-1").is_err());
        assert!(set("dunning_1_days", "0").is_err());
        assert!(set("town", "Morges").is_ok());
        assert!(set("logo", &logo_value(b"\x89PNG\r\n\x1a\n and the rest")).is_ok());
        let mut large = b"\x89PNG\r\n\x1a\n".to_vec();
        large.resize(300 * 1024, 7);
        assert!(set("logo", &logo_value(&large)).is_ok(), "a logo is longer than other fields");
        assert!(set("logo", &logo_value(b"GIF89a")).is_err());
        assert!(set("logo", "not base64!").is_err());
        assert!(set("logo", &logo_value(&[0x89; LOGO_BYTES_MAX + 1])).is_err());
        assert!(matches!(set("logo_colour", "red"), Err(ContactError::UnknownField { .. })));
    }
}

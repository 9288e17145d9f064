//! Stock (issue 21, begun): the places stock is kept (stores, warehouses), and the barcodes that
//! name stocked items at a till's scanner. A barcode is a GTIN as printed under the bars: EAN-13,
//! UPC-A (12 digits) or EAN-8, each ending with a check digit that a scanner's misread or a typing
//! slip almost always breaks.

use serde::{Deserialize, Serialize};

use crate::facts::{Described, FactKind, Merge};

/// What a location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LocationKind {
    /// Sells to customers, through its tills.
    Store,
    /// Holds stock for the stores.
    Warehouse,
}

impl LocationKind {
    pub const ALL: [LocationKind; 2] = [LocationKind::Store, LocationKind::Warehouse];

    /// The word the command line takes.
    pub fn as_str(self) -> &'static str {
        match self {
            LocationKind::Store => "store",
            LocationKind::Warehouse => "warehouse",
        }
    }

    pub fn parse(text: &str) -> Result<LocationKind, StockError> {
        LocationKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text.trim())
            .ok_or_else(|| StockError::UnknownKind { kind: text.to_owned() })
    }
}

/// The longest location code, in characters.
pub const LOCATION_CODE_CHARS_MAX: usize = 16;

/// A place where stock is kept, named by a short code of its own (`GE1`, `WH`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationAdded {
    pub code: String,
    pub label: String,
    pub kind: LocationKind,
}

impl LocationAdded {
    /// Whether the location is well formed: a code of capital letters, digits and hyphens (1 to
    /// 16), a label.
    pub fn check(&self) -> Result<(), StockError> {
        let code_ok = (1..=LOCATION_CODE_CHARS_MAX).contains(&self.code.chars().count())
            && self.code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !code_ok {
            return Err(StockError::BadLocationCode { code: self.code.clone() });
        }
        if self.label.trim().is_empty() {
            return Err(StockError::EmptyLabel);
        }
        Ok(())
    }
}

impl FactKind for LocationAdded {
    const KIND: &'static str = "location.added";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        // A code given on two devices apart: the first in merge order stands.
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.location_added").text("code", &self.code).text("label", &self.label)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    #[error("\"{code}\" is not a location code: 1 to 16 capital letters, digits or hyphens")]
    BadLocationCode { code: String },
    #[error("a location needs a label")]
    EmptyLabel,
    #[error("\"{kind}\" is not a kind of location: store or warehouse")]
    UnknownKind { kind: String },
    #[error("location {code} already exists")]
    LocationExists { code: String },
}

/// A barcode whose check digit holds, kept as its digits (spaces as printed are dropped).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Barcode(String);

/// What kind of barcode it is, by its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarcodeKind {
    Ean13,
    UpcA,
    Ean8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    #[error("\"{text}\" is not a barcode: only digits, 8 (EAN-8), 12 (UPC-A) or 13 (EAN-13) of them")]
    NotABarcode { text: String },
    #[error("barcode {text} ends with {found}, where its check digit is {expected}: a digit is wrong")]
    CheckDigit { text: String, expected: u8, found: u8 },
}

/// The check digit of the digits before it (GTIN: from the right, weights 3, 1, 3, …).
pub fn check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits.iter().rev().enumerate().map(|(index, digit)| u32::from(*digit) * [3, 1][index % 2]).sum();
    ((10 - sum % 10) % 10) as u8
}

impl Barcode {
    /// Reads a barcode as printed or typed: its digits, spaces allowed between them.
    pub fn parse(text: &str) -> Result<Barcode, BarcodeError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let not_one = || BarcodeError::NotABarcode { text: text.to_owned() };
        if !matches!(compact.len(), 8 | 12 | 13) || !compact.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(not_one());
        }
        let digits: Vec<u8> = compact.bytes().map(|byte| byte - b'0').collect();
        let (body, last) = digits.split_at(digits.len() - 1);
        let expected = check_digit(body);
        if last[0] != expected {
            return Err(BarcodeError::CheckDigit { text: compact, expected, found: last[0] });
        }
        Ok(Barcode(compact))
    }

    pub fn kind(&self) -> BarcodeKind {
        match self.0.len() {
            13 => BarcodeKind::Ean13,
            12 => BarcodeKind::UpcA,
            _ => BarcodeKind::Ean8,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Barcode {
    type Error = BarcodeError;
    fn try_from(text: String) -> Result<Barcode, BarcodeError> {
        Barcode::parse(&text)
    }
}

impl From<Barcode> for String {
    fn from(barcode: Barcode) -> String {
        barcode.0
    }
}

impl std::fmt::Display for Barcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_location_has_a_short_code_and_a_label() {
        let location = |code: &str, label: &str| LocationAdded {
            code: code.into(),
            label: label.into(),
            kind: LocationKind::Store,
        };
        location("GE-1", "Genève Rive").check().unwrap();
        for code in ["", "ge1", "GE 1", "GE_1", &"X".repeat(17)] {
            assert_eq!(location(code, "x").check(), Err(StockError::BadLocationCode { code: code.into() }), "{code}");
        }
        assert_eq!(location("GE1", " ").check(), Err(StockError::EmptyLabel));
        assert_eq!(LocationKind::parse("warehouse"), Ok(LocationKind::Warehouse));
        assert!(matches!(LocationKind::parse("depot"), Err(StockError::UnknownKind { .. })));
    }

    #[test]
    fn printed_barcodes_read_and_broken_ones_are_refused() {
        // As printed on goods: an EAN-13, a UPC-A, an EAN-8.
        assert_eq!(Barcode::parse("4 006381 333931").unwrap().kind(), BarcodeKind::Ean13);
        assert_eq!(Barcode::parse("036000291452").unwrap().kind(), BarcodeKind::UpcA);
        assert_eq!(Barcode::parse("96385074").unwrap().kind(), BarcodeKind::Ean8);
        assert_eq!(Barcode::parse("4 006381 333931").unwrap().as_str(), "4006381333931");
        assert_eq!(
            Barcode::parse("4006381333932"),
            Err(BarcodeError::CheckDigit { text: "4006381333932".into(), expected: 1, found: 2 })
        );
        for bad in ["", "400638133393", "40063813339311", "4006381x33931", "123456789"] {
            assert!(
                matches!(
                    Barcode::parse(bad),
                    Err(BarcodeError::NotABarcode { .. }) | Err(BarcodeError::CheckDigit { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(Barcode::parse("40063813339311"), Err(BarcodeError::NotABarcode { .. })));
        // Read back from the log as written.
        let read: Barcode = serde_json::from_str("\"036000291452\"").unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), "\"036000291452\"");
        assert!(serde_json::from_str::<Barcode>("\"036000291453\"").is_err());
    }

    proptest! {
        /// Any digits with their check digit read; one digit changed anywhere never does (the
        /// weights 1 and 3 move every digit to another remainder).
        #[test]
        fn one_wrong_digit_is_always_caught(
            body in prop_oneof![Just(7usize), Just(11usize), Just(12usize)]
                .prop_flat_map(|len| proptest::collection::vec(0u8..10, len)),
            at in any::<prop::sample::Index>(),
            by in 1u8..10,
        ) {
            let mut digits = body.clone();
            digits.push(check_digit(&body));
            let text: String = digits.iter().map(|digit| char::from(b'0' + digit)).collect();
            prop_assert!(Barcode::parse(&text).is_ok());
            let at = at.index(digits.len());
            digits[at] = (digits[at] + by) % 10;
            let broken: String = digits.iter().map(|digit| char::from(b'0' + digit)).collect();
            let refused = matches!(Barcode::parse(&broken), Err(BarcodeError::CheckDigit { .. }));
            prop_assert!(refused, "{} read", broken);
        }
    }
}

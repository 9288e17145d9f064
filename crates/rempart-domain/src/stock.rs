//! Stock (issue 21): the places stock is kept (stores, warehouses), the SKUs it is counted in
//! (variants of catalogue items) and the barcodes that name them at a till's scanner, and the
//! movements whose sum is the stock: receipts, adjustments and counts, transfers sent and arrived.
//! Every movement is keyed by its own id and adds up, so stock takes facts in any order.
//!
//! A barcode is a GTIN as printed under the bars: EAN-13, UPC-A (12 digits) or EAN-8, each ending with a check digit that a scanner's misread or a typing
//! slip almost always breaks.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::facts::{Described, FactKind, Merge};
use crate::money::Currency;

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
    #[error("location {code} does not exist")]
    UnknownLocation { code: String },
    #[error("\"{sku}\" is not a SKU code: use 1 to 32 visible characters without spaces")]
    BadSkuCode { sku: String },
    #[error("\"{text}\" is not a size or colour: 1 to 32 characters")]
    BadVariant { text: String },
    #[error("SKU {sku} already exists")]
    SkuExists { sku: String },
    #[error("SKU {sku} does not exist")]
    UnknownSku { sku: String },
    #[error("item {item} does not exist in the catalogue")]
    UnknownItem { item: String },
    #[error("barcode {barcode} already names SKU {sku}")]
    BarcodeTaken { barcode: String, sku: String },
    #[error("{qty} is not a quantity here: a whole number of units above zero")]
    BadQuantity { qty: i64 },
    #[error("{cost_minor} (minor units of {currency}) is not a unit cost: zero or more")]
    BadCost { cost_minor: i64, currency: Currency },
    #[error("a movement needs at least one line")]
    NoLines,
    #[error("a count gives the quantity counted, and only a count does")]
    CountWithoutQuantity,
    #[error("\"{reason}\" is not a reason: count, damage, theft, loss, found or correction")]
    UnknownReason { reason: String },
    #[error("a transfer goes from one location to another, not to {code} itself")]
    SameLocation { code: String },
    #[error("transfer {transfer} does not exist")]
    UnknownTransfer { transfer: String },
    #[error("transfer {transfer} goes to {to}")]
    ElsewhereBound { transfer: String, to: String },
    #[error("transfer {transfer} arrived already")]
    ArrivedAlready { transfer: String },
}

/// The longest SKU code, size and colour, in bytes.
pub const SKU_CODE_BYTES_MAX: usize = 32;
pub const VARIANT_BYTES_MAX: usize = 32;

/// A stock-keeping unit: one variant (size, colour) of a catalogue item, which gives its label,
/// price and VAT; the SKU's own code is what stock is counted in, and its barcode what a till
/// scans. An item sold in one variant only has one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuDefined {
    pub sku: String,
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<Barcode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
}

impl SkuDefined {
    /// Whether the SKU is well formed: a code of 1 to 32 visible characters, variants of 1 to 32
    /// bytes when given.
    pub fn check(&self) -> Result<(), StockError> {
        if !code_ok(&self.sku) {
            return Err(StockError::BadSkuCode { sku: self.sku.clone() });
        }
        for variant in [&self.size, &self.colour].into_iter().flatten() {
            if variant.trim().is_empty() || variant.len() > VARIANT_BYTES_MAX {
                return Err(StockError::BadVariant { text: variant.clone() });
            }
        }
        Ok(())
    }
}

fn code_ok(code: &str) -> bool {
    !code.is_empty() && code.len() <= SKU_CODE_BYTES_MAX && code.chars().all(|c| c.is_ascii_graphic())
}

impl FactKind for SkuDefined {
    const KIND: &'static str = "sku.defined";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        // A code (or a barcode) given on two devices apart: the first in merge order stands.
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.sku_defined").text("sku", &self.sku).text("item", &self.item)
    }
}

/// A quantity of one SKU in a movement: whole units, never zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLine {
    pub sku: String,
    pub qty: i64,
}

/// The largest quantity of one line.
pub const QTY_MAX: i64 = 1_000_000_000;

fn check_lines<'a>(lines: impl IntoIterator<Item = &'a StockLine>, signed: bool) -> Result<(), StockError> {
    let mut any = false;
    for line in lines {
        any = true;
        if !code_ok(&line.sku) {
            return Err(StockError::BadSkuCode { sku: line.sku.clone() });
        }
        let in_range = if signed {
            line.qty != 0 && (-QTY_MAX..=QTY_MAX).contains(&line.qty)
        } else {
            (1..=QTY_MAX).contains(&line.qty)
        };
        if !in_range {
            return Err(StockError::BadQuantity { qty: line.qty });
        }
    }
    if !any {
        return Err(StockError::NoLines);
    }
    Ok(())
}

/// Goods received at a location (from a supplier), each line at its unit cost: what the weighted
/// average cost of the SKU is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReceived {
    pub id: String,
    pub date: NaiveDate,
    pub location: String,
    pub lines: Vec<ReceivedLine>,
    pub currency: Currency,
    /// The supplier's delivery note, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The purchase order it delivers (`replenish::PurchaseOrdered`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedLine {
    pub sku: String,
    pub qty: i64,
    /// Net cost of one unit, in minor units of the receipt's currency.
    pub unit_cost_minor: i64,
}

impl StockReceived {
    pub fn check(&self) -> Result<(), StockError> {
        check_received(&self.lines, self.currency)
    }
}

/// Lines of goods at a unit cost (a receipt's, a purchase order's): SKU codes, whole units in
/// bounds, costs from zero to `UNIT_COST_MAX_MINOR`, at least one line.
pub fn check_received(lines: &[ReceivedLine], currency: Currency) -> Result<(), StockError> {
    check_lines(&lines.iter().map(ReceivedLine::as_line).collect::<Vec<_>>(), false)?;
    if let Some(line) = lines.iter().find(|line| !(0..=UNIT_COST_MAX_MINOR).contains(&line.unit_cost_minor)) {
        return Err(StockError::BadCost { cost_minor: line.unit_cost_minor, currency });
    }
    Ok(())
}

impl ReceivedLine {
    fn as_line(&self) -> StockLine {
        StockLine { sku: self.sku.clone(), qty: self.qty }
    }
}

/// The highest unit cost, in minor units (ten million in the currency).
pub const UNIT_COST_MAX_MINOR: i64 = 1_000_000_000;

impl FactKind for StockReceived {
    const KIND: &'static str = "stock.received";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        // Rows keyed by the receipt's own id, quantities and costs that add up.
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.stock_received").text("location", &self.location).date("date", self.date)
    }
}

/// Why stock was adjusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdjustReason {
    /// An inventory count: the line carries what was counted and the difference from what the
    /// device knew.
    Count,
    Damage,
    Theft,
    Loss,
    Found,
    Correction,
}

impl AdjustReason {
    pub const ALL: [AdjustReason; 6] = [
        AdjustReason::Count,
        AdjustReason::Damage,
        AdjustReason::Theft,
        AdjustReason::Loss,
        AdjustReason::Found,
        AdjustReason::Correction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AdjustReason::Count => "count",
            AdjustReason::Damage => "damage",
            AdjustReason::Theft => "theft",
            AdjustReason::Loss => "loss",
            AdjustReason::Found => "found",
            AdjustReason::Correction => "correction",
        }
    }

    pub fn parse(text: &str) -> Result<AdjustReason, StockError> {
        AdjustReason::ALL
            .into_iter()
            .find(|reason| reason.as_str() == text.trim())
            .ok_or_else(|| StockError::UnknownReason { reason: text.to_owned() })
    }
}

/// Stock added or taken away at a location for a reason other than a sale or a transfer. A count
/// records the difference between what was counted and what the device knew then: the difference
/// adds up with movements the device had not seen, so a count never overwrites them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockAdjusted {
    pub id: String,
    pub date: NaiveDate,
    pub location: String,
    pub reason: AdjustReason,
    pub lines: Vec<AdjustedLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdjustedLine {
    pub sku: String,
    /// Units added (positive) or taken away (negative); zero only for a count that found what was
    /// expected.
    pub delta: i64,
    /// What was counted, for a count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted: Option<i64>,
}

impl StockAdjusted {
    pub fn check(&self) -> Result<(), StockError> {
        if self.lines.is_empty() {
            return Err(StockError::NoLines);
        }
        for line in &self.lines {
            if !code_ok(&line.sku) {
                return Err(StockError::BadSkuCode { sku: line.sku.clone() });
            }
            let counting = self.reason == AdjustReason::Count;
            if counting != line.counted.is_some() {
                return Err(StockError::CountWithoutQuantity);
            }
            if let Some(counted) = line.counted
                && !(0..=QTY_MAX).contains(&counted)
            {
                return Err(StockError::BadQuantity { qty: counted });
            }
            if !(-2 * QTY_MAX..=2 * QTY_MAX).contains(&line.delta) || (!counting && line.delta == 0) {
                return Err(StockError::BadQuantity { qty: line.delta });
            }
        }
        Ok(())
    }
}

impl FactKind for StockAdjusted {
    const KIND: &'static str = "stock.adjusted";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.stock_adjusted").text("location", &self.location).date("date", self.date)
    }
}

/// Goods sent from one location to another: they leave the first now and are in transit until
/// their arrival is recorded (`TransferArrived`), possibly on another device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferSent {
    /// The transfer's number, printed on the delivery note and typed at arrival.
    pub transfer: String,
    pub date: NaiveDate,
    pub from: String,
    pub to: String,
    pub lines: Vec<StockLine>,
}

impl TransferSent {
    pub fn check(&self) -> Result<(), StockError> {
        check_lines(&self.lines, false)?;
        if self.from == self.to {
            return Err(StockError::SameLocation { code: self.from.clone() });
        }
        Ok(())
    }
}

impl FactKind for TransferSent {
    const KIND: &'static str = "transfer.sent";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        // Keyed by its own number (random), quantities that add up.
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.transfer_sent")
            .text("transfer", &self.transfer)
            .text("from", &self.from)
            .text("to", &self.to)
    }
}

/// A transfer arrived at its destination, with the lines it brought (those sent). Two devices
/// recording the arrival of one transfer apart count it once: the arrival of the smallest id
/// stands, whatever the order they meet in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferArrived {
    pub id: String,
    pub transfer: String,
    pub date: NaiveDate,
    pub to: String,
    pub lines: Vec<StockLine>,
}

impl TransferArrived {
    pub fn check(&self) -> Result<(), StockError> {
        check_lines(&self.lines, false)
    }
}

impl FactKind for TransferArrived {
    const KIND: &'static str = "transfer.arrived";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.transfer_arrived").text("transfer", &self.transfer).text("to", &self.to)
    }
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

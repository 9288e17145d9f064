//! Tills (issue 21): a till is a node bound to a store; it sells in tickets numbered in its own
//! gapless series, takes payments (cash, card, TWINT, vouchers), gives change, and keeps a cash
//! drawer through sessions (opened with a float, cash put in or taken out with a reason, closed
//! with what was counted). A return is a new ticket naming the original, never a change to it.
//!
//! Shelf prices are VAT included: each line keeps its gross amount and its VAT rate, and the VAT
//! of a ticket is computed per rate from the gross of that rate, rounded half away from zero.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::facts::{Described, FactKind, Merge};
use crate::invoices::divide_rounded;
use crate::money::Currency;

/// The longest till code, in characters.
pub const TILL_CODE_CHARS_MAX: usize = 16;
/// The largest ticket sequence of a till: a billion tickets.
pub const TICKET_SEQUENCE_MAX: u64 = 1_000_000_000;
/// The most lines, and the most payments, of one ticket.
pub const LINES_MAX: usize = 1_000;
/// The largest amount of one line or payment, in minor units (ten million in the currency).
pub const AMOUNT_MAX_MINOR: i64 = 1_000_000_000;

/// A device bound as a till of a store: its code names the till's ticket series. The node is
/// the device's own id (hex): only that device numbers tickets in the series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TillBound {
    pub till: String,
    pub location: String,
    pub node: String,
}

impl TillBound {
    pub fn check(&self) -> Result<(), TillError> {
        if !till_code_ok(&self.till) {
            return Err(TillError::BadTillCode { till: self.till.clone() });
        }
        Ok(())
    }
}

fn till_code_ok(code: &str) -> bool {
    (1..=TILL_CODE_CHARS_MAX).contains(&code.chars().count())
        && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

impl FactKind for TillBound {
    const KIND: &'static str = "till.bound";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        // Keyed by its device, which binds itself once (take-in refuses a second binding): a code
        // bound on two devices apart keeps both, whatever the order.
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.till_bound").text("till", &self.till).text("location", &self.location)
    }
}

/// The number of a till's `sequence`th ticket.
pub fn ticket_number(till: &str, sequence: u64) -> String {
    format!("{till}-{sequence:06}")
}

/// The till code and place in its series a ticket number was made of (`ticket_number`), if it
/// is one: what follows the last hyphen, read back to the very same number.
pub fn ticket_place(number: &str) -> Option<(&str, u64)> {
    let (till, digits) = number.rsplit_once('-')?;
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let sequence: u64 = digits.parse().ok()?;
    (sequence > 0 && ticket_number(till, sequence) == number).then_some((till, sequence))
}

/// How a customer paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Cash,
    Card,
    Twint,
    Voucher,
}

impl Method {
    pub const ALL: [Method; 4] = [Method::Cash, Method::Card, Method::Twint, Method::Voucher];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::Card => "card",
            Method::Twint => "twint",
            Method::Voucher => "voucher",
        }
    }

    pub fn parse(text: &str) -> Result<Method, TillError> {
        Method::ALL
            .into_iter()
            .find(|method| method.as_str() == text.trim())
            .ok_or_else(|| TillError::UnknownMethod { method: text.to_owned() })
    }
}

/// One payment of a ticket (negative: paid back, on a return).
///
/// A ticket's lines and payments are the bulk of a store's log (millions a year), so their
/// events name their fields with one letter (`m`, `a`, `v`); the long names are read too (the
/// events written before, ticket layout 1), and are what a closure's digest is computed on
/// (`TicketRecorded::digest_form`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tender {
    #[serde(rename = "m", alias = "method")]
    pub method: Method,
    #[serde(rename = "a", alias = "amount_minor")]
    pub amount_minor: i64,
    /// The voucher's code, for a voucher.
    #[serde(rename = "v", alias = "voucher", default, skip_serializing_if = "Option::is_none")]
    pub voucher: Option<String>,
}

/// One line of a ticket: a SKU at its shelf price (VAT included), less a discount; a negative
/// quantity is returned goods. Its event names its fields with one letter (as `Tender`'s), and
/// leaves out a discount of zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketLine {
    #[serde(rename = "s", alias = "sku")]
    pub sku: String,
    #[serde(rename = "l", alias = "label")]
    pub label: String,
    #[serde(rename = "q", alias = "qty")]
    pub qty: i64,
    /// One unit's price, VAT included.
    #[serde(rename = "p", alias = "unit_price_minor")]
    pub unit_price_minor: i64,
    /// Taken off the line's amount (negative on a returned line: the share of the discount given
    /// back).
    #[serde(rename = "d", alias = "discount_minor", default, skip_serializing_if = "is_zero")]
    pub discount_minor: i64,
    #[serde(rename = "v", alias = "vat_code")]
    pub vat_code: String,
    #[serde(rename = "r", alias = "vat_rate_bp")]
    pub vat_rate_bp: u32,
    /// The revenue account.
    #[serde(rename = "a", alias = "account")]
    pub account: String,
}

/// Writes tickets in the long form of ticket layout 1 (`TicketDigestForm`): how a till's
/// archive carries them, readable by a person or another tool whatever form their events took.
pub fn serialize_long_form<S: serde::Serializer>(tickets: &[TicketRecorded], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(tickets.iter().map(TicketRecorded::long_form))
}

/// A ticket in the long form of ticket layout 1, every line and payment field named in full:
/// what closures' digests are computed on, so that a closure sealed over tickets whose events
/// carry either form keeps its digest (`TicketRecorded::digest_form`).
#[derive(Serialize)]
struct TicketDigestForm<'t> {
    node: &'t str,
    till: &'t str,
    sequence: u64,
    number: &'t str,
    session: &'t str,
    location: &'t str,
    date: NaiveDate,
    at_ms: u64,
    currency: Currency,
    lines: Vec<LineDigestForm<'t>>,
    payments: Vec<TenderDigestForm<'t>>,
    change_minor: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    returns: &'t Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    returns_node: &'t Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    card: &'t Option<String>,
    #[serde(skip_serializing_if = "is_zero")]
    rounding_minor: i64,
}

#[derive(Serialize)]
struct LineDigestForm<'t> {
    sku: &'t str,
    label: &'t str,
    qty: i64,
    unit_price_minor: i64,
    discount_minor: i64,
    vat_code: &'t str,
    vat_rate_bp: u32,
    account: &'t str,
}

#[derive(Serialize)]
struct TenderDigestForm<'t> {
    method: Method,
    amount_minor: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    voucher: &'t Option<String>,
}

impl TicketLine {
    /// What the line comes to, VAT included.
    pub fn gross_minor(&self) -> i64 {
        self.qty.saturating_mul(self.unit_price_minor).saturating_sub(self.discount_minor)
    }
}

/// A ticket: a sale, or a return (negative quantities, naming the original ticket). `node` is
/// the recording device's id (hex), which only that device may write: a ticket is keyed by its
/// device and its place in that device's series, so two devices given one till code apart never
/// take each other's tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRecorded {
    pub node: String,
    pub till: String,
    pub sequence: u64,
    pub number: String,
    pub session: String,
    pub location: String,
    /// The business day, and the moment (milliseconds since 1970, UTC) as the till's clock read it.
    pub date: NaiveDate,
    pub at_ms: u64,
    pub currency: Currency,
    pub lines: Vec<TicketLine>,
    pub payments: Vec<Tender>,
    /// Cash given back (never on a return: what is paid back is a negative payment).
    pub change_minor: i64,
    /// The original ticket, for a return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<String>,
    /// The device of the original ticket (hex id), for a return: a number alone may be given by
    /// two devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns_node: Option<String>,
    /// The customer's loyalty card, when shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    /// Swiss cash rounding: what the part paid in cash was rounded by to 0.05 (positive: up),
    /// `cash_rounding`; zero where nothing is paid in cash francs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rounding_minor: i64,
}

fn is_zero(value: &i64) -> bool {
    *value == 0
}

/// What an amount due in cash francs is rounded by to the nearest 0.05 (the smallest coin),
/// half away from zero: 510.33 → +0.02, 510.32 → −0.02, −10.03 → −0.02, −10.02 → +0.02.
pub fn cash_rounding(due_minor: i64) -> i64 {
    let rounded = divide_rounded(i128::from(due_minor), 5).saturating_mul(5);
    i64::try_from(rounded).unwrap_or(due_minor).saturating_sub(due_minor)
}

/// The Swiss cash rounding of a ticket of `total` paid by `payments`: in francs, the part left
/// to pay in cash once the other ways are counted is rounded to 0.05 (`cash_rounding`); none in
/// another currency, with no cash, or where all the cash given goes back as change.
pub fn rounding_due(currency: Currency, total: i64, payments: &[Tender]) -> i64 {
    if currency != Currency::CHF || !payments.iter().any(|tender| tender.method == Method::Cash) {
        return 0;
    }
    let other: i64 = payments
        .iter()
        .filter(|tender| tender.method != Method::Cash)
        .map(|tender| tender.amount_minor)
        .fold(0, i64::saturating_add);
    let in_cash = total.saturating_sub(other);
    let rounding = cash_rounding(in_cash);
    if in_cash.saturating_add(rounding) == 0 { 0 } else { rounding }
}

/// The VAT of one rate on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateTotal {
    pub gross_minor: i64,
    pub vat_minor: i64,
}

/// The VAT included in `gross` at `rate_bp`, rounded half away from zero.
pub fn vat_included(gross_minor: i64, rate_bp: u32) -> i64 {
    let rate = i128::from(rate_bp);
    i64::try_from(divide_rounded(i128::from(gross_minor) * rate, 10_000 + rate)).unwrap_or(i64::MAX)
}

impl TicketRecorded {
    pub fn total_minor(&self) -> i64 {
        self.lines.iter().map(TicketLine::gross_minor).fold(0i64, i64::saturating_add)
    }

    /// The ticket in the long form of ticket layout 1, every field named in full.
    fn long_form(&self) -> TicketDigestForm<'_> {
        TicketDigestForm {
            node: &self.node,
            till: &self.till,
            sequence: self.sequence,
            number: &self.number,
            session: &self.session,
            location: &self.location,
            date: self.date,
            at_ms: self.at_ms,
            currency: self.currency,
            lines: self
                .lines
                .iter()
                .map(|line| LineDigestForm {
                    sku: &line.sku,
                    label: &line.label,
                    qty: line.qty,
                    unit_price_minor: line.unit_price_minor,
                    discount_minor: line.discount_minor,
                    vat_code: &line.vat_code,
                    vat_rate_bp: line.vat_rate_bp,
                    account: &line.account,
                })
                .collect(),
            payments: self
                .payments
                .iter()
                .map(|tender| TenderDigestForm {
                    method: tender.method,
                    amount_minor: tender.amount_minor,
                    voucher: &tender.voucher,
                })
                .collect(),
            change_minor: self.change_minor,
            returns: &self.returns,
            returns_node: &self.returns_node,
            card: &self.card,
            rounding_minor: self.rounding_minor,
        }
    }

    /// The ticket's bytes in the long form of ticket layout 1 (`TicketDigestForm`), whichever
    /// form its event carries: what a closure's digest of its tickets hashes.
    pub fn digest_form(&self) -> Vec<u8> {
        let form = self.long_form();
        // Plain fields, strings and numbers: serializing them cannot fail.
        serde_json::to_vec(&form).expect("a ticket's digest form serializes")
    }

    pub fn paid_minor(&self) -> i64 {
        self.payments.iter().map(|tender| tender.amount_minor).fold(0i64, i64::saturating_add)
    }

    /// What the customer owes, or is paid back: the total and the cash rounding.
    pub fn due_minor(&self) -> i64 {
        self.total_minor().saturating_add(self.rounding_minor)
    }

    /// Gross and VAT per (VAT code, rate), the VAT computed on each rate's gross.
    pub fn by_rate(&self) -> BTreeMap<(String, u32), RateTotal> {
        let mut out: BTreeMap<(String, u32), RateTotal> = BTreeMap::new();
        for line in &self.lines {
            let slot = &mut out.entry((line.vat_code.clone(), line.vat_rate_bp)).or_default().gross_minor;
            *slot = slot.saturating_add(line.gross_minor());
        }
        for ((_, rate), total) in out.iter_mut() {
            total.vat_minor = vat_included(total.gross_minor, *rate);
        }
        out
    }

    /// Whether the ticket is whole: lines, payments that settle it, change only from cash, a
    /// number in its till's series.
    pub fn check(&self) -> Result<(), TillError> {
        if !till_code_ok(&self.till) {
            return Err(TillError::BadTillCode { till: self.till.clone() });
        }
        if self.sequence == 0
            || self.sequence > TICKET_SEQUENCE_MAX
            || self.number != ticket_number(&self.till, self.sequence)
        {
            return Err(TillError::BadNumber { number: self.number.clone() });
        }
        if self.lines.is_empty() || self.lines.len() > LINES_MAX || self.payments.len() > LINES_MAX {
            return Err(TillError::NoLines);
        }
        if self.returns.is_some() != self.returns_node.as_ref().is_some_and(|node| !node.is_empty()) {
            return Err(TillError::OriginalUnnamed);
        }
        let returning = self.returns.is_some();
        for line in &self.lines {
            let qty_ok = if returning {
                (-crate::stock::QTY_MAX..0).contains(&line.qty)
            } else {
                (1..=crate::stock::QTY_MAX).contains(&line.qty)
            };
            if !qty_ok {
                return Err(TillError::BadQuantity { sku: line.sku.clone(), qty: line.qty });
            }
            let in_range = |amount: i64| (-AMOUNT_MAX_MINOR..=AMOUNT_MAX_MINOR).contains(&amount);
            if line.unit_price_minor < 0
                || !in_range(line.unit_price_minor)
                || !in_range(line.discount_minor)
                || !in_range(line.gross_minor())
            {
                return Err(TillError::BadPrice { sku: line.sku.clone() });
            }
            // A discount takes off, never adds: at most the line's amount.
            let before = line.qty * line.unit_price_minor;
            let discount_ok = if returning {
                line.discount_minor <= 0 && line.discount_minor >= before
            } else {
                line.discount_minor >= 0 && line.discount_minor <= before
            };
            if !discount_ok {
                return Err(TillError::BadDiscount { sku: line.sku.clone() });
            }
        }
        for tender in &self.payments {
            let amount_ok = if returning {
                (-AMOUNT_MAX_MINOR..0).contains(&tender.amount_minor)
            } else {
                (1..=AMOUNT_MAX_MINOR).contains(&tender.amount_minor)
            };
            if !amount_ok {
                return Err(TillError::BadPayment { method: tender.method });
            }
            if (tender.method == Method::Voucher) != tender.voucher.is_some() {
                return Err(TillError::VoucherCode);
            }
        }
        let cash: i64 =
            self.payments.iter().filter(|tender| tender.method == Method::Cash).map(|t| t.amount_minor).sum();
        if self.change_minor < 0 || self.change_minor > cash.max(0) || (returning && self.change_minor != 0) {
            return Err(TillError::BadChange);
        }
        // Rounded to 0.05 only in francs, only the part paid in cash, exactly as `rounding_due`
        // gives it.
        if self.rounding_minor != 0
            && self.rounding_minor != rounding_due(self.currency, self.total_minor(), &self.payments)
        {
            return Err(TillError::BadRounding);
        }
        let due = self.due_minor();
        let settled = self.paid_minor() - self.change_minor;
        if settled != due {
            return Err(TillError::NotSettled { due_minor: due, paid_minor: settled, currency: self.currency });
        }
        Ok(())
    }
}

impl FactKind for TicketRecorded {
    const KIND: &'static str = "ticket.recorded";
    /// 2: lines and payments name their fields with one letter, a zero discount left out (`TicketLine`);
    /// the payloads of version 1 read the same.
    const VERSION: u32 = 2;
    fn merge(&self) -> Merge<'_> {
        // Keyed by its own number, in a series only its till gives; amounts and stock that add.
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.ticket_recorded").text("number", &self.number).date("date", self.date)
    }
}

/// A movement of a till's cash drawer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Drawer {
    /// A session opened with the float counted into the drawer.
    Opened { float_minor: i64 },
    /// Cash put in (positive) or taken out (negative), with its reason.
    Moved { amount_minor: i64, reason: String },
    /// The session closed: what was counted, what the till expected, and so the difference.
    Closed { counted_minor: i64, expected_minor: i64 },
}

/// A till's cash drawer moved: keyed by its own id, within a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TillCash {
    pub id: String,
    /// The device whose drawer it is (hex id): only that device may write it.
    pub node: String,
    pub till: String,
    pub session: String,
    pub date: NaiveDate,
    pub at_ms: u64,
    pub currency: Currency,
    pub drawer: Drawer,
}

impl TillCash {
    pub fn check(&self) -> Result<(), TillError> {
        if !till_code_ok(&self.till) {
            return Err(TillError::BadTillCode { till: self.till.clone() });
        }
        let in_range = |amount: i64| (0..=AMOUNT_MAX_MINOR).contains(&amount);
        let signed = |amount: i64| (-AMOUNT_MAX_MINOR..=AMOUNT_MAX_MINOR).contains(&amount);
        let ok = match &self.drawer {
            Drawer::Opened { float_minor } => in_range(*float_minor),
            Drawer::Moved { amount_minor, reason } => {
                if reason.trim().is_empty() {
                    return Err(TillError::NoReason);
                }
                *amount_minor != 0 && signed(*amount_minor)
            }
            Drawer::Closed { counted_minor, expected_minor } => in_range(*counted_minor) && signed(*expected_minor),
        };
        if !ok {
            return Err(TillError::BadCashAmount);
        }
        Ok(())
    }
}

impl FactKind for TillCash {
    const KIND: &'static str = "till.cash";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.till_cash").text("till", &self.till).date("date", self.date)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TillError {
    #[error("\"{till}\" is not a till code: 1 to 16 capital letters, digits or hyphens")]
    BadTillCode { till: String },
    #[error("till {till} exists already")]
    TillExists { till: String },
    #[error("this device is till {till} already")]
    AlreadyATill { till: String },
    #[error("this device is not a till: bind it to a store first (rempart till bind)")]
    NotATill,
    #[error("no till is called {till}")]
    UnknownTill { till: String },
    #[error("till {till} must be bound to a store, and {location} is a warehouse")]
    NotAStore { till: String, location: String },
    #[error("{number} is not a ticket number of its till")]
    BadNumber { number: String },
    #[error("a ticket needs at least one line")]
    NoLines,
    #[error("{qty} is not a quantity of {sku} here")]
    BadQuantity { sku: String, qty: i64 },
    #[error("the price of {sku} is not a price")]
    BadPrice { sku: String },
    #[error("the discount on {sku} is more than its amount, or below zero")]
    BadDiscount { sku: String },
    #[error("a {method:?} payment of zero, or on the wrong side, or too large")]
    BadPayment { method: Method },
    #[error("a voucher payment names its voucher's code, and only it does")]
    VoucherCode,
    #[error("a ticket is rounded to 0.05 only in francs, on the part paid in cash")]
    BadRounding,
    #[error("a return names its original ticket and that ticket's device")]
    OriginalUnnamed,
    #[error("change is given only from cash, never on a return")]
    BadChange,
    #[error("the ticket comes to {due_minor} and {paid_minor} was paid (minor units of {currency})")]
    NotSettled { due_minor: i64, paid_minor: i64, currency: Currency },
    #[error("\"{method}\" is not a way to pay: cash, card, twint or voucher")]
    UnknownMethod { method: String },
    #[error("a cash movement needs a reason")]
    NoReason,
    #[error("an amount of the cash drawer is not one")]
    BadCashAmount,
    #[error("no cash session is open on this till: open one first (rempart till open)")]
    NoSession,
    #[error("a cash session is open already on this till")]
    SessionOpen,
    #[error("ticket {number} does not exist")]
    UnknownTicket { number: String },
    #[error("ticket {number} is a return itself")]
    ReturnOfReturn { number: String },
    #[error("{sku} was not sold on ticket {number}, or not that many of it are left to return")]
    NotOnTicket { number: String, sku: String },
    #[error("ticket {number} was returned whole already")]
    NothingToReturn { number: String },
    #[error("\"{text}\" is not a ticket line: SKU=QTY or SKU=QTY@PRICE")]
    BadLine { text: String },
    #[error("\"{text}\" is not a payment: METHOD=AMOUNT, or voucher=CODE:AMOUNT")]
    BadTender { text: String },
    #[error("the SKU or barcode {code} is not known")]
    UnknownCode { code: String },
    #[error("{item} has no VAT rate in force on {date}")]
    NoRate { item: String, date: NaiveDate },
    #[error("the ticket's discount is more than its amount")]
    DiscountTooLarge,
    #[error("a discount is a percentage (10%) or an amount")]
    BadTicketDiscount { text: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(qty: i64, price: i64, discount: i64, rate: u32) -> TicketLine {
        TicketLine {
            sku: "JKT-M".into(),
            label: "Veste".into(),
            qty,
            unit_price_minor: price,
            discount_minor: discount,
            vat_code: format!("N{rate}"),
            vat_rate_bp: rate,
            account: "3200".into(),
        }
    }

    fn ticket(lines: Vec<TicketLine>, payments: Vec<Tender>, change: i64) -> TicketRecorded {
        TicketRecorded {
            node: "ab".into(),
            till: "GE1-1".into(),
            sequence: 7,
            number: "GE1-1-000007".into(),
            session: "S-1".into(),
            location: "GE1".into(),
            date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            at_ms: 0,
            currency: Currency::CHF,
            lines,
            payments,
            change_minor: change,
            returns: None,
            returns_node: None,
            card: None,
            rounding_minor: 0,
        }
    }

    fn cash(amount: i64) -> Tender {
        Tender { method: Method::Cash, amount_minor: amount, voucher: None }
    }

    /// A ticket's event names its lines' and payments' fields with one letter and leaves a zero
    /// discount out; an event of the long form (ticket layout 1) reads as the same ticket, and
    /// the digest form is that long form byte for byte, whichever form the ticket came in.
    #[test]
    fn a_ticket_is_written_short_read_in_both_forms_and_digested_in_the_long_one() {
        let mut sale = ticket(vec![line(2, 1890, 180, 810), line(1, 2900, 0, 260)], vec![cash(7000)], 500);
        sale.payments.push(Tender { method: Method::Voucher, amount_minor: -10, voucher: Some("V-1".into()) });
        let short = serde_json::to_string(&sale).unwrap();
        assert!(
            short.contains(r#""lines":[{"s":"JKT-M","l":"Veste","q":2,"p":1890,"d":180,"v":"N810","r":810,"a":"3200"},{"s":"JKT-M","l":"Veste","q":1,"p":2900,"v":"N260","r":260,"a":"3200"}]"#),
            "{short}"
        );
        assert!(short.contains(r#""payments":[{"m":"cash","a":7000},{"m":"voucher","a":-10,"v":"V-1"}]"#), "{short}");
        let long = concat!(
            r#"{"node":"ab","till":"GE1-1","sequence":7,"number":"GE1-1-000007","session":"S-1","location":"GE1","#,
            r#""date":"2026-03-02","at_ms":0,"currency":"CHF","lines":[{"sku":"JKT-M","label":"Veste","qty":2,"#,
            r#""unit_price_minor":1890,"discount_minor":180,"vat_code":"N810","vat_rate_bp":810,"account":"3200"},"#,
            r#"{"sku":"JKT-M","label":"Veste","qty":1,"unit_price_minor":2900,"discount_minor":0,"vat_code":"N260","#,
            r#""vat_rate_bp":260,"account":"3200"}],"payments":[{"method":"cash","amount_minor":7000},"#,
            r#"{"method":"voucher","amount_minor":-10,"voucher":"V-1"}],"change_minor":500}"#
        );
        assert_eq!(serde_json::from_str::<TicketRecorded>(long).unwrap(), sale);
        assert_eq!(serde_json::from_str::<TicketRecorded>(&short).unwrap(), sale);
        assert_eq!(String::from_utf8(sale.digest_form()).unwrap(), long);
        assert!(short.len() < long.len());
    }

    #[test]
    fn a_ticket_number_is_read_back_to_its_till_and_place() {
        assert_eq!(ticket_place("GE1-1-000007"), Some(("GE1-1", 7)));
        assert_eq!(ticket_place(&ticket_number("T", 1_234_567)), Some(("T", 1_234_567)));
        // Not a number this till would print: no digits, a sign, too few zeros, zero.
        for number in ["GE1", "GE1-", "GE1-+00007", "GE1-7", "GE1-000000", "GE1-00000x", "-000007x"] {
            assert_eq!(ticket_place(number), None, "{number}");
        }
    }

    #[test]
    fn a_ticket_settles_with_change_from_cash_and_vat_per_rate() {
        // 2 × 18.90 less 1.80, and a book at 2.6 %: 36.00 + 29.00 = 65.00, 70.00 in cash.
        let sale = ticket(vec![line(2, 1890, 180, 810), line(1, 2900, 0, 260)], vec![cash(7000)], 500);
        sale.check().unwrap();
        assert_eq!(sale.total_minor(), 6500);
        let by_rate = sale.by_rate();
        // 36.00 × 8.1 / 108.1 = 2.6975… → 2.70; 29.00 × 2.6 / 102.6 = 0.7348… → 0.73.
        assert_eq!(by_rate[&("N810".to_owned(), 810)], RateTotal { gross_minor: 3600, vat_minor: 270 });
        assert_eq!(by_rate[&("N260".to_owned(), 260)], RateTotal { gross_minor: 2900, vat_minor: 73 });
        // Change beyond the cash, paid short, change on a card: refused.
        let card = Tender { method: Method::Card, amount_minor: 7000, voucher: None };
        assert_eq!(ticket(vec![line(1, 6500, 0, 810)], vec![card], 500).check(), Err(TillError::BadChange));
        assert!(matches!(
            ticket(vec![line(1, 6500, 0, 810)], vec![cash(6000)], 0).check(),
            Err(TillError::NotSettled { due_minor: 6500, paid_minor: 6000, .. })
        ));
        assert!(matches!(
            ticket(vec![line(1, 100, 101, 810)], vec![cash(0)], 0).check(),
            Err(TillError::BadDiscount { .. })
        ));
        let mut misnumbered = sale.clone();
        misnumbered.number = "GE1-1-000008".into();
        assert!(matches!(misnumbered.check(), Err(TillError::BadNumber { .. })));
    }

    #[test]
    fn francs_in_cash_round_to_five_centimes_and_nothing_else_does() {
        assert_eq!([1_233, 1_232, 1_235, 1_230, -1_003, -1_002].map(cash_rounding), [2, -2, 0, 0, -2, 2]);
        // 12.33 paid 12.35 in cash: rounded up by 0.02.
        let mut paid = ticket(vec![line(1, 1_233, 0, 810)], vec![cash(1_235)], 0);
        paid.rounding_minor = 2;
        assert_eq!(paid.check(), Ok(()));
        assert_eq!(paid.due_minor(), 1_235);
        // Not rounded, or rounded otherwise: not settled, or a bad rounding.
        paid.rounding_minor = 0;
        assert!(matches!(paid.check(), Err(TillError::NotSettled { .. })));
        paid.rounding_minor = -3;
        assert_eq!(paid.check(), Err(TillError::BadRounding));
        // By card, or in euros: never rounded.
        let mut card = ticket(
            vec![line(1, 1_233, 0, 810)],
            vec![Tender { method: Method::Card, amount_minor: 1_235, voucher: None }],
            0,
        );
        card.rounding_minor = 2;
        assert_eq!(card.check(), Err(TillError::BadRounding));
        let mut euros = ticket(vec![line(1, 1_233, 0, 810)], vec![cash(1_235)], 0);
        euros.currency = Currency::EUR;
        euros.rounding_minor = 2;
        assert_eq!(euros.check(), Err(TillError::BadRounding));
        // A split rounds the cash part only: 10.00 by card, 2.33 → 2.35 in cash.
        let mut split = ticket(
            vec![line(1, 1_233, 0, 810)],
            vec![Tender { method: Method::Card, amount_minor: 1_000, voucher: None }, cash(500)],
            265,
        );
        split.rounding_minor = 2;
        assert_eq!(split.check(), Ok(()));
        // Cash that all goes back as change leaves nothing to round: 10.02, 10.00 by card, 0.05
        // in cash given back.
        let mut nothing = ticket(
            vec![line(1, 1_002, 0, 810)],
            vec![Tender { method: Method::Card, amount_minor: 1_000, voucher: None }, cash(5)],
            5,
        );
        nothing.rounding_minor = -2;
        assert_eq!(nothing.check(), Err(TillError::BadRounding));
    }

    #[test]
    fn a_return_pays_back_and_gives_no_change() {
        let mut back = ticket(vec![line(-1, 1890, -90, 810)], vec![cash(-1800)], 0);
        back.returns = Some("GE1-1-000003".into());
        // A return names its original's device too.
        assert_eq!(back.check(), Err(TillError::OriginalUnnamed));
        back.returns_node = Some("ab".into());
        back.check().unwrap();
        assert_eq!(back.total_minor(), -1800);
        back.change_minor = 100;
        assert_eq!(back.check(), Err(TillError::BadChange));
        // A sale line on a return is refused.
        let mut mixed = ticket(vec![line(1, 1890, 0, 810)], vec![cash(1890)], 0);
        mixed.returns = Some("GE1-1-000003".into());
        mixed.returns_node = Some("ab".into());
        assert!(matches!(mixed.check(), Err(TillError::BadQuantity { .. })));
    }
}

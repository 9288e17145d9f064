//! Invoices: lines, totals per VAT code, rounding, and the accounting entry an issued invoice
//! posts. Quantities are exact thousandths, prices minor units, discounts and VAT rates hundredths
//! of a percent; every rounding is explicit, half away from zero, to the minor unit.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::chart::{Country, VatDirection};
use crate::facts::Posting;
use crate::facts::{Described, FactKind, Merge};
use crate::money::{self, AmountError, Currency};
use crate::rules::LedgerState;

/// Longest comment line, in bytes.
pub const COMMENT_BYTES_MAX: usize = 500;

/// Largest quantity on a line, in thousandths (one million units).
pub const QUANTITY_MILLI_MAX: i64 = 1_000_000_000;
/// Most lines on one invoice.
pub const INVOICE_LINES_MAX: usize = 500;
/// The largest sequence number of a series (invoices, credit notes, journal entries): a billion
/// documents a series, far beyond any business, and far from the integers' end, so that a number
/// taken in from another device cannot make the next one overflow or stop a series.
pub const SEQUENCE_MAX: u64 = 999_999_999;

/// Whether `number` is the `sequence`th number of `series`, as this program writes them
/// (`2026-0001`, `2026-B-0001`, `F-<node>-2026-000001`), the sequence within bounds.
pub fn numbered_in(series: &str, sequence: u64, number: &str) -> bool {
    (1..=SEQUENCE_MAX).contains(&sequence)
        && (number == format!("{series}-{sequence:04}") || number == format!("{series}-{sequence:06}"))
}

/// How this node numbers its invoices and credit notes: each node in series of its own, so that
/// numbers stay gapless within a series and unique across the company's nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Numbering {
    /// The node that created the company: `2026-0001`, credit notes `AV-2026-0001`.
    First,
    /// A device invited with a series the roster reserved for it: `2026-B-0001`, credit notes
    /// `AV-2026-B-0001`.
    Prefixed(String),
    /// A device that joined before series existed, or went on under a new chain (its old
    /// identity's series may have gone on elsewhere): after its id, `F-3fa2c1d0-2026-000001`,
    /// credit notes `A-3fa2c1d0-2026-000001`.
    ByDevice(String),
}

impl Numbering {
    /// The invoice series of `year`.
    pub fn invoices(&self, year: i32) -> String {
        match self {
            Numbering::First => format!("{year}"),
            Numbering::Prefixed(prefix) => format!("{year}-{prefix}"),
            Numbering::ByDevice(node) => format!("F-{node}-{year}"),
        }
    }

    /// The credit-note series of `year`.
    pub fn credit_notes(&self, year: i32) -> String {
        match self {
            Numbering::First | Numbering::Prefixed(_) => format!("AV-{}", self.invoices(year)),
            Numbering::ByDevice(node) => format!("A-{node}-{year}"),
        }
    }

    /// The quote series of `year`: `OF-2026`, `OF-2026-B`, `O-3fa2c1d0-2026` (an offer, Offerte,
    /// offre: one prefix in every language).
    pub fn quotes(&self, year: i32) -> String {
        match self {
            Numbering::First | Numbering::Prefixed(_) => format!("OF-{}", self.invoices(year)),
            Numbering::ByDevice(node) => format!("O-{node}-{year}"),
        }
    }

    /// The number of the `sequence`th document of `series`.
    pub fn number(&self, series: &str, sequence: u64) -> String {
        match self {
            Numbering::First | Numbering::Prefixed(_) => format!("{series}-{sequence:04}"),
            Numbering::ByDevice(_) => format!("{series}-{sequence:06}"),
        }
    }
    /// Whether `series` is one of this numbering's invoice, credit-note or quote series, of any year:
    /// what a node taking in another's documents checks against the series the roster gives
    /// that node, so that no device numbers in another's series.
    pub fn holds(&self, series: &str) -> bool {
        fn invoices(series: &str) -> &str {
            series.strip_prefix("AV-").or_else(|| series.strip_prefix("OF-")).unwrap_or(series)
        }
        let year = |text: &str| text.len() == 4 && text.bytes().all(|byte| byte.is_ascii_digit());
        match self {
            Numbering::First => year(invoices(series)),
            Numbering::Prefixed(prefix) => {
                let invoices = invoices(series);
                invoices.strip_suffix(prefix.as_str()).and_then(|rest| rest.strip_suffix('-')).is_some_and(year)
            }
            Numbering::ByDevice(node) => [("F-", node), ("A-", node), ("O-", node)].iter().any(|(kind, node)| {
                series
                    .strip_prefix(kind)
                    .and_then(|rest| rest.strip_prefix(node.as_str()))
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(year)
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub text: String,
    /// Quantity in thousandths: 1.5 hours is 1500.
    pub quantity_milli: i64,
    /// What the quantity counts (`h`, `pce`, `l`), printed after it: its catalogue item's unit,
    /// or the one typed; none for a bare count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Net unit price in minor units of the invoice currency.
    pub unit_price_minor: i64,
    /// Discount in hundredths of a percent: 10 % is 1000.
    pub discount_bp: u32,
    pub vat_code: String,
    /// Revenue account the line's net amount is credited to.
    pub account: String,
    /// A comment: a line of text alone, with no quantity, price, VAT or account (`comment_line`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub comment: bool,
}

/// A comment line: text printed among the lines, with nothing to sum.
pub fn comment_line(text: &str) -> InvoiceLine {
    InvoiceLine {
        item: None,
        text: text.trim().to_owned(),
        quantity_milli: 0,
        unit: None,
        unit_price_minor: 0,
        discount_bp: 0,
        vat_code: String::new(),
        account: String::new(),
        comment: true,
    }
}

/// Net and VAT of the lines sharing one VAT code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VatTotal {
    pub rate_bp: u32,
    pub net_minor: i64,
    pub vat_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvoiceTotals {
    pub line_nets_minor: Vec<i64>,
    pub by_vat_code: BTreeMap<String, VatTotal>,
    pub net_minor: i64,
    pub vat_minor: i64,
    /// Swiss cash rounding of the total to 0.05, when chosen (positive rounds up).
    pub rounding_minor: i64,
    pub gross_minor: i64,
}

/// A draft invoice: editable until it is issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDrafted {
    pub id: String,
    pub contact: String,
    pub date: NaiveDate,
    pub currency: Currency,
    pub cash_rounding: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLineAdded {
    pub id: String,
    pub line: InvoiceLine,
}

/// A line of a draft replaced: `line` is the line's number in the draft (numbers stay as they
/// were given, a removed line leaving a gap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLineChanged {
    pub id: String,
    pub line: u32,
    pub new: InvoiceLine,
}

/// A line of a draft removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLineRemoved {
    pub id: String,
    pub line: u32,
}

/// A draft thrown away. An issued invoice is never discarded: a draft issued on one device and
/// discarded on another stays issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDiscarded {
    pub id: String,
}

/// Issuing gives the invoice its number, from a series owned by the issuing node, in the same
/// commit as the entry it posts; from then on the invoice never changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceIssued {
    pub id: String,
    pub series: String,
    pub sequence: u64,
    pub number: String,
    pub due_date: NaiveDate,
    pub gross_minor: i64,
    pub entry_id: String,
    /// The lines as issued: a line added, changed or removed on another device before it heard
    /// of the issue (earlier in the merge order) does not change the invoice. Empty in invoices
    /// issued before this field (their lines are those of their draft).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<InvoiceLine>,
    /// The BLAKE3 hash of what it printed (`documents::archive_hash`), archived in the same
    /// commit (`document.archived`); none before archives existed, and for what was imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<String>,
    /// The VAT of its services that waits for their payments, per code (French VAT on receipts,
    /// `vat_due`); empty when all was due at its date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vat_awaiting: Vec<crate::vat_due::VatAwaiting>,
}

/// A credit note: lines of an issued invoice credited back, in full or in part, numbered in the
/// issuing node's credit-note series, with its entry (the invoice's postings reversed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNoteIssued {
    pub id: String,
    pub invoice: String,
    pub series: String,
    pub sequence: u64,
    pub number: String,
    pub date: NaiveDate,
    pub lines: Vec<InvoiceLine>,
    pub gross_minor: i64,
    pub entry_id: String,
    /// The BLAKE3 hash of what it printed (`documents::archive_hash`), archived in the same
    /// commit (`document.archived`); none before archives existed, and for what was imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<String>,
    /// What it released of the invoice's VAT still waiting for payment, per code (`vat_due`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vat_released: Vec<crate::vat_due::VatAwaiting>,
    /// What it made due of that VAT: the invoice settled by it (paid in all that is left to pay),
    /// the rest of its services' VAT was received (`vat_due`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vat_due: Vec<crate::vat_due::VatAwaiting>,
}

/// The lines credited: every line of the invoice, or the lines named with, optionally, a smaller
/// quantity.
pub fn credited_lines(
    invoice_lines: &[InvoiceLine],
    named: &[(usize, Option<i64>)],
) -> Result<Vec<InvoiceLine>, InvoiceError> {
    if named.is_empty() {
        return Ok(invoice_lines.to_vec());
    }
    let mut out = Vec::with_capacity(named.len());
    for (number, quantity) in named {
        let line = number
            .checked_sub(1)
            .and_then(|index| invoice_lines.get(index))
            .ok_or(InvoiceError::NoSuchLine { line: *number })?;
        let quantity_milli = quantity.unwrap_or(line.quantity_milli);
        if line.comment || quantity_milli <= 0 || quantity_milli > line.quantity_milli {
            return Err(InvoiceError::CreditQuantity { line: *number });
        }
        out.push(InvoiceLine { quantity_milli, ..line.clone() });
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("invoice {id} is a draft: only an issued invoice can be credited")]
    NotIssued { id: String },
    #[error("the invoice has no line {line}")]
    NoSuchLine { line: usize },
    #[error("line {line}: a credited quantity must be positive and at most the invoiced one")]
    CreditQuantity { line: usize },
    #[error("the credit note ({credit}) is larger than what remains of the invoice ({remaining})")]
    CreditTooLarge { credit: String, remaining: String },
    #[error("invoice {id} does not exist")]
    UnknownInvoice { id: String },
    #[error("draft {id} was discarded")]
    Discarded { id: String },
    #[error("invoice {id} was issued as {number} and can no longer change: correct it with a credit note")]
    AlreadyIssued { id: String, number: String },
    #[error("item {code} does not exist")]
    UnknownItem { code: String },
    #[error("item {code} is inactive")]
    InactiveItem { code: String },
    #[error("a line without an item needs --text, --price, --vat and --account")]
    LineIncomplete,
    #[error("\"{text}\" is not a quantity: write it with a dot and at most three decimals, like 1.5")]
    BadQuantity { text: String },
    #[error("a quantity cannot be zero, negative or above one million")]
    QuantityOutOfRange,
    #[error("a comment line is text alone, at most 500 bytes: no quantity, price, VAT or account")]
    CommentWithFigures,
    #[error("\"{unit}\" is not a unit: use 1 to 16 characters, such as h, pce, l or kg")]
    BadUnit { unit: String },
    #[error("\"{text}\" is not a discount: write a percentage from 0 to 100 with at most two decimals")]
    BadDiscount { text: String },
    #[error("price: {0}")]
    Price(AmountError),
    #[error("a unit price cannot be negative; correct an issued invoice with a credit note")]
    NegativePrice,
    #[error("VAT code {code} does not exist")]
    UnknownVatCode { code: String },
    #[error("VAT code {code} is for VAT paid on purchases")]
    InputVatCode { code: String },
    #[error("VAT code {code} is not in force on {date}")]
    VatCodeNotInForce { code: String, date: NaiveDate },
    #[error("account {account} is not a revenue account")]
    NotRevenue { account: String },
    #[error("the line text is empty")]
    EmptyText,
    #[error("an invoice has at most {INVOICE_LINES_MAX} lines")]
    TooManyLines,
    #[error("the invoice has no line: add one before issuing it")]
    Empty,
    #[error("the invoice cannot be issued before these are set: {missing:?}")]
    MissingDetails { missing: Vec<crate::documents::Missing> },
    #[error("the total is zero or negative")]
    NotPositive,
    #[error("the amounts are too large")]
    Overflow,
}

/// Divides, rounding half away from zero.
pub fn divide_rounded(numerator: i128, denominator: i128) -> i128 {
    let half = denominator / 2;
    if numerator >= 0 { (numerator + half) / denominator } else { (numerator - half) / denominator }
}

/// Reads a quantity such as `2`, `1.5` or `0.125` into thousandths.
pub fn parse_quantity(text: &str) -> Result<i64, InvoiceError> {
    let bad = || InvoiceError::BadQuantity { text: text.to_owned() };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 7
        || !digits(whole)
        || fraction.len() > 3
        || !digits(fraction)
        || text.ends_with('.')
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let fraction: i64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<3}").parse().map_err(|_| bad())? };
    let quantity = whole * 1000 + fraction;
    if quantity == 0 || quantity > QUANTITY_MILLI_MAX {
        return Err(InvoiceError::QuantityOutOfRange);
    }
    Ok(quantity)
}

/// Reads a discount percentage such as `10` or `2.5` into hundredths of a percent.
pub fn parse_discount(text: &str) -> Result<u32, InvoiceError> {
    let bad = || InvoiceError::BadDiscount { text: text.to_owned() };
    let hundredths = money::parse_amount(text, Currency::CHF).map_err(|_| bad())?;
    if !(0..=10_000).contains(&hundredths) {
        return Err(bad());
    }
    Ok(hundredths as u32)
}

/// Reads a unit price in the invoice currency.
pub fn parse_unit_price(text: &str, currency: Currency) -> Result<i64, InvoiceError> {
    let price = money::parse_amount(text, currency).map_err(InvoiceError::Price)?;
    if price < 0 {
        return Err(InvoiceError::NegativePrice);
    }
    Ok(price)
}

/// Net of one line: quantity × unit price, less the discount, rounded to the minor unit.
pub fn line_net(line: &InvoiceLine) -> i64 {
    let gross = i128::from(line.quantity_milli) * i128::from(line.unit_price_minor);
    let net = gross * i128::from(10_000 - line.discount_bp.min(10_000));
    divide_rounded(net, 1000 * 10_000) as i64
}

/// Checks a line against the books on the invoice date.
pub fn check_line(state: &LedgerState, line: &InvoiceLine, date: NaiveDate) -> Result<(), InvoiceError> {
    if line.text.trim().is_empty() {
        return Err(InvoiceError::EmptyText);
    }
    if line.comment {
        // Text alone: anything else on it would be summed by nobody.
        return if *line == comment_line(&line.text) && line.text.len() <= COMMENT_BYTES_MAX {
            Ok(())
        } else {
            Err(InvoiceError::CommentWithFigures)
        };
    }
    if line.quantity_milli <= 0 || line.quantity_milli > QUANTITY_MILLI_MAX {
        return Err(InvoiceError::QuantityOutOfRange);
    }
    if let Some(unit) = &line.unit
        && (unit.trim().is_empty()
            || unit.trim() != unit
            || unit.len() > crate::catalogue::ITEM_UNIT_BYTES_MAX
            || unit.chars().any(char::is_control))
    {
        return Err(InvoiceError::BadUnit { unit: unit.clone() });
    }
    if line.unit_price_minor < 0 {
        return Err(InvoiceError::NegativePrice);
    }
    if line.unit_price_minor > money::AMOUNT_MINOR_ABS_MAX / 1_000_000 {
        return Err(InvoiceError::Overflow);
    }
    let vat = state
        .vat_codes
        .get(&line.vat_code)
        .ok_or_else(|| InvoiceError::UnknownVatCode { code: line.vat_code.clone() })?;
    if vat.direction != VatDirection::Output {
        return Err(InvoiceError::InputVatCode { code: line.vat_code.clone() });
    }
    if !vat.in_force_on(date) {
        return Err(InvoiceError::VatCodeNotInForce { code: line.vat_code.clone(), date });
    }
    let revenue =
        state.accounts.get(&line.account).is_some_and(|account| account.kind == crate::chart::AccountKind::Revenue);
    if !revenue {
        return Err(InvoiceError::NotRevenue { account: line.account.clone() });
    }
    Ok(())
}

/// Totals of an invoice: nets per line, net and VAT per VAT code (VAT rounded once per code,
/// per invoice), and the gross, rounded to 0.05 when Swiss cash rounding is chosen.
pub fn totals(
    state: &LedgerState,
    lines: &[InvoiceLine],
    date: NaiveDate,
    cash_rounding: bool,
) -> Result<InvoiceTotals, InvoiceError> {
    if lines.is_empty() {
        return Err(InvoiceError::Empty);
    }
    if lines.len() > INVOICE_LINES_MAX {
        return Err(InvoiceError::TooManyLines);
    }
    let mut out = InvoiceTotals::default();
    for line in lines {
        check_line(state, line, date)?;
        if line.comment {
            out.line_nets_minor.push(0);
            continue;
        }
        let net = line_net(line);
        out.line_nets_minor.push(net);
        let rate_bp = state.vat_codes.get(&line.vat_code).map_or(0, |vat| vat.rate_bp);
        let total = out.by_vat_code.entry(line.vat_code.clone()).or_insert(VatTotal { rate_bp, ..VatTotal::default() });
        total.net_minor = total.net_minor.checked_add(net).ok_or(InvoiceError::Overflow)?;
    }
    for total in out.by_vat_code.values_mut() {
        total.vat_minor = divide_rounded(i128::from(total.net_minor) * i128::from(total.rate_bp), 10_000) as i64;
        out.net_minor += total.net_minor;
        out.vat_minor += total.vat_minor;
    }
    let gross = out.net_minor + out.vat_minor;
    out.gross_minor = if cash_rounding { divide_rounded(i128::from(gross), 5) as i64 * 5 } else { gross };
    out.rounding_minor = out.gross_minor - gross;
    if out.gross_minor <= 0 {
        return Err(InvoiceError::NotPositive);
    }
    if out.gross_minor > money::AMOUNT_MINOR_ABS_MAX {
        return Err(InvoiceError::Overflow);
    }
    Ok(out)
}

/// The account receivables are booked to, and the one that takes cash-rounding differences.
pub fn receivable_account(country: Country) -> &'static str {
    match country {
        Country::Ch => "1100",
        Country::Fr => "411",
    }
}

pub fn rounding_account(country: Country) -> &'static str {
    match country {
        Country::Ch => "3800",
        Country::Fr => "758",
    }
}

/// The postings of an issued invoice: receivable debited with the gross, each revenue account
/// credited with its lines' net, each VAT code's account credited with its VAT, and the rounding.
/// An invoice's entry: the receivable, the revenue per account and code, the VAT per code, and
/// the rounding. The tax of `awaiting` (French services whose VAT is due when paid, `vat_due`)
/// goes to the account of VAT awaiting receipt, without a code; the rest keeps its code.
pub fn invoice_postings(
    state: &LedgerState,
    country: Country,
    currency: Currency,
    lines: &[InvoiceLine],
    totals: &InvoiceTotals,
    awaiting: &[crate::vat_due::VatAwaiting],
) -> Vec<Posting> {
    let posting = |account: &str, amount_minor: i64, vat_code: Option<String>| Posting {
        account: account.to_owned(),
        amount_minor,
        currency,
        vat_code,
    };
    let mut postings = vec![posting(receivable_account(country), totals.gross_minor, None)];
    // Revenue per account and VAT code, each tagged with its code: the VAT return reads the
    // taxable base from these postings and the tax from the VAT account's.
    let mut by_account: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for (line, net) in lines.iter().zip(&totals.line_nets_minor).filter(|(line, _)| !line.comment) {
        *by_account.entry((&line.account, &line.vat_code)).or_default() += net;
    }
    postings.extend(
        by_account
            .into_iter()
            .filter(|(_, net)| *net != 0)
            .map(|((account, code), net)| posting(account, -net, Some(code.to_owned()))),
    );
    let mut waiting = 0;
    for (code, total) in &totals.by_vat_code {
        let set_aside: i64 =
            awaiting.iter().filter(|awaiting| awaiting.code == *code).map(|awaiting| awaiting.tax_minor).sum();
        waiting += set_aside;
        if total.vat_minor != set_aside {
            let account = state.vat_codes.get(code).map_or("", |vat| vat.account.as_str());
            postings.push(posting(account, set_aside - total.vat_minor, Some(code.clone())));
        }
    }
    if waiting != 0 {
        postings.push(posting(crate::vat_due::AWAITING_ACCOUNT, -waiting, None));
    }
    if totals.rounding_minor != 0 {
        postings.push(posting(rounding_account(country), -totals.rounding_minor, None));
    }
    postings
}

impl FactKind for InvoiceDrafted {
    const KIND: &'static str = "invoice.drafted";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.invoice_drafted").text("id", &self.id).date("date", self.date)
    }
}

impl FactKind for InvoiceLineAdded {
    const KIND: &'static str = "invoice.line_added";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.invoice_line_added").text("id", &self.id)
    }
}

impl FactKind for InvoiceLineChanged {
    const KIND: &'static str = "invoice.line_changed";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.invoice_line_changed").text("id", &self.id).number("line", u64::from(self.line))
    }
}

impl FactKind for InvoiceLineRemoved {
    const KIND: &'static str = "invoice.line_removed";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.invoice_line_removed").text("id", &self.id).number("line", u64::from(self.line))
    }
}

impl FactKind for InvoiceDiscarded {
    const KIND: &'static str = "invoice.discarded";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.invoice_discarded").text("id", &self.id)
    }
}

impl FactKind for InvoiceIssued {
    const KIND: &'static str = "invoice.issued";
    const VERSION: u32 = 4;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.invoice_issued").text("number", &self.number)
    }
}

impl FactKind for CreditNoteIssued {
    const KIND: &'static str = "credit_note.issued";
    const VERSION: u32 = 3;
    /// A row keyed by its own number; the series keeps the highest sequence.
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.credit_note_issued").text("number", &self.number).date("date", self.date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_date;

    fn books() -> LedgerState {
        crate::rules::test_books::swiss()
    }

    #[test]
    fn each_numbering_holds_its_own_series_and_none_of_another() {
        let first = Numbering::First;
        let b = Numbering::Prefixed("B".into());
        let device = Numbering::ByDevice("3fa2c1d0".into());
        for numbering in [&first, &b, &device] {
            for year in [2026, 2031] {
                assert!(numbering.holds(&numbering.invoices(year)), "{numbering:?} {year}");
                assert!(numbering.holds(&numbering.credit_notes(year)), "{numbering:?} {year}");
                assert!(numbering.holds(&numbering.quotes(year)), "{numbering:?} {year}");
            }
        }
        for series in ["2026", "AV-2026", "OF-2026"] {
            assert!(!b.holds(series) && !device.holds(series), "{series}");
        }
        for series in ["2026-B", "AV-2026-B", "OF-2026-B"] {
            assert!(!first.holds(series) && !device.holds(series), "{series}");
            assert!(!Numbering::Prefixed("C".into()).holds(series), "{series}");
        }
        for series in ["F-3fa2c1d0-2026", "A-3fa2c1d0-2026", "O-3fa2c1d0-2026"] {
            assert!(!first.holds(series) && !b.holds(series), "{series}");
            assert!(!Numbering::ByDevice("3fa2c1d1".into()).holds(series), "{series}");
        }
        // Not a year, or something around it.
        for series in [
            "",
            "26",
            "20266",
            "AV-",
            "X-2026",
            "2026-B-",
            "-2026-B",
            "2026-BB",
            "F-3fa2c1d0-26",
            "2026B",
            "OF-AV-2026",
            "AV-OF-2026",
        ] {
            assert!(!first.holds(series) && !b.holds(series) && !device.holds(series), "{series}");
        }
    }

    fn line(quantity: &str, price: &str, discount: &str, vat: &str, account: &str) -> InvoiceLine {
        InvoiceLine {
            item: None,
            text: "Ligne".into(),
            quantity_milli: parse_quantity(quantity).unwrap(),
            unit: None,
            comment: false,
            unit_price_minor: parse_unit_price(price, Currency::CHF).unwrap(),
            discount_bp: parse_discount(discount).unwrap(),
            vat_code: vat.into(),
            account: account.into(),
        }
    }

    /// Figures computed by hand: 1.5 h at 120.00 = 180.00; 3 filters at 18.35 less 10 % =
    /// 49.545 -> 49.55; food at 2.6 %: 12.40. VAT 8.1 % of 229.55 = 18.59355 -> 18.59;
    /// 2.6 % of 12.40 = 0.3224 -> 0.32. Gross 260.86, cash-rounded 260.85 (-0.01).
    #[test]
    fn totals_match_hand_computed_figures() {
        let state = books();
        let lines = [
            line("1.5", "120.00", "0", "N81", "3400"),
            line("3", "18.35", "10", "N81", "3200"),
            line("1", "12.40", "0", "R26", "3200"),
        ];
        let date = parse_date("2026-03-10").unwrap();
        let totals = totals(&state, &lines, date, true).unwrap();
        assert_eq!(totals.line_nets_minor, [18_000, 4_955, 1_240]);
        assert_eq!(totals.by_vat_code["N81"], VatTotal { rate_bp: 810, net_minor: 22_955, vat_minor: 1_859 });
        assert_eq!(totals.by_vat_code["R26"], VatTotal { rate_bp: 260, net_minor: 1_240, vat_minor: 32 });
        assert_eq!(
            (totals.net_minor, totals.vat_minor, totals.rounding_minor, totals.gross_minor),
            (24_195, 1_891, -1, 26_085)
        );
        let postings = invoice_postings(&state, Country::Ch, Currency::CHF, &lines, &totals, &[]);
        assert_eq!(postings.iter().map(|p| p.amount_minor).sum::<i64>(), 0);
        assert_eq!(
            postings.iter().map(|p| (p.account.as_str(), p.amount_minor)).collect::<Vec<_>>(),
            [
                ("1100", 26_085),
                ("3200", -4_955),
                ("3200", -1_240),
                ("3400", -18_000),
                ("2200", -1_859),
                ("2200", -32),
                ("3800", 1)
            ]
        );
        let without_rounding = super::totals(&state, &lines, date, false).unwrap();
        assert_eq!((without_rounding.rounding_minor, without_rounding.gross_minor), (0, 26_086));
    }

    #[test]
    fn refusals() {
        let state = books();
        let date = parse_date("2026-03-10").unwrap();
        assert_eq!(totals(&state, &[], date, false), Err(InvoiceError::Empty));
        assert_eq!(
            totals(&state, &[line("1", "10", "0", "N77", "3400")], date, false),
            Err(InvoiceError::VatCodeNotInForce { code: "N77".into(), date })
        );
        assert_eq!(
            totals(&state, &[line("1", "10", "0", "IN81", "3400")], date, false),
            Err(InvoiceError::InputVatCode { code: "IN81".into() })
        );
        assert_eq!(
            totals(&state, &[line("1", "10", "0", "N81", "1020")], date, false),
            Err(InvoiceError::NotRevenue { account: "1020".into() })
        );
        assert_eq!(totals(&state, &[line("1", "0", "0", "N81", "3400")], date, false), Err(InvoiceError::NotPositive));
        for bad in ["0", "1,5", "1.2345", "-1", "", "1e3", "abc", "1."] {
            assert!(parse_quantity(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_quantity("0.125"), Ok(125));
        assert!(parse_discount("100.01").is_err() && parse_discount("-1").is_err());
        assert_eq!(parse_discount("2.5"), Ok(250));
        assert_eq!(parse_unit_price("-1", Currency::CHF), Err(InvoiceError::NegativePrice));
    }

    /// Rounding is half away from zero, on both sides of zero.
    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!([15, 14, 16, -15, -14, -16, 0].map(|n| divide_rounded(n, 10)), [2, 1, 2, -2, -1, -2, 0]);
        assert_eq!(divide_rounded(2_500, 1_000), 3);
        assert_eq!(divide_rounded(-2_500, 1_000), -3);
        assert_eq!(divide_rounded(2_499, 1_000), 2);
        // 0.5 cents of VAT round up: 0.125 h at 0.50 = 0.0625 -> 0.06; 8.1 % of 6.17 = 0.49977.
        assert_eq!(line_net(&line("0.125", "0.50", "0", "N81", "3400")), 6);
        assert_eq!(line_net(&line("1", "0.05", "50", "N81", "3400")), 3, "2.5 cents -> 3");
    }

    /// Issue 23: a comment line is text alone: it sums to nothing, posts nothing, is credited
    /// with the whole invoice but never alone, and carries no figure.
    #[test]
    fn a_comment_line_is_text_alone() {
        let state = books();
        let date = parse_date("2026-03-10").unwrap();
        let lines = [comment_line("  Véhicule VD 12345, 85 000 km "), line("1.5", "120.00", "0", "N81", "3400")];
        assert_eq!(lines[0].text, "Véhicule VD 12345, 85 000 km");
        let totals = totals(&state, &lines, date, false).unwrap();
        assert_eq!(totals.line_nets_minor, [0, 18_000]);
        assert_eq!((totals.net_minor, totals.gross_minor), (18_000, 19_458));
        assert!(!totals.by_vat_code.contains_key(""));
        let postings = invoice_postings(&state, Country::Ch, Currency::CHF, &lines, &totals, &[]);
        assert!(postings.iter().all(|posting| !posting.account.is_empty()), "{postings:?}");
        assert_eq!(credited_lines(&lines, &[]).unwrap().len(), 2);
        assert_eq!(credited_lines(&lines, &[(1, None)]), Err(InvoiceError::CreditQuantity { line: 1 }));
        let priced = InvoiceLine { unit_price_minor: 100, ..comment_line("Note") };
        assert_eq!(check_line(&state, &priced, date), Err(InvoiceError::CommentWithFigures));
        let long = comment_line(&"x".repeat(COMMENT_BYTES_MAX + 1));
        assert_eq!(check_line(&state, &long, date), Err(InvoiceError::CommentWithFigures));
        assert_eq!(check_line(&state, &comment_line(" "), date), Err(InvoiceError::EmptyText));
        assert_eq!(super::totals(&state, &[comment_line("Alone")], date, false), Err(InvoiceError::NotPositive));
    }

    /// A credit note takes every line, or the lines named with at most their quantity.
    #[test]
    fn credited_lines_are_the_invoices_or_fewer() {
        let lines = [line("2", "10.00", "0", "N81", "3400"), line("3", "5.00", "0", "N81", "3400")];
        assert_eq!(credited_lines(&lines, &[]), Ok(lines.to_vec()));
        let partial = credited_lines(&lines, &[(2, Some(1_000))]).unwrap();
        assert_eq!(partial.len(), 1);
        assert_eq!((partial[0].quantity_milli, partial[0].unit_price_minor), (1_000, 500));
        let whole = credited_lines(&lines, &[(1, None)]).unwrap();
        assert_eq!(whole[0].quantity_milli, 2_000);
        assert_eq!(credited_lines(&lines, &[(2, Some(3_000))]).map(|l| l[0].quantity_milli), Ok(3_000));
        for quantity in [0, -1, 3_001] {
            assert_eq!(credited_lines(&lines, &[(2, Some(quantity))]), Err(InvoiceError::CreditQuantity { line: 2 }));
        }
        assert_eq!(credited_lines(&lines, &[(3, None)]), Err(InvoiceError::NoSuchLine { line: 3 }));
        assert_eq!(credited_lines(&lines, &[(0, None)]), Err(InvoiceError::NoSuchLine { line: 0 }));
    }

    /// Quantities, prices, line counts and totals are refused exactly past their bounds.
    #[test]
    fn bounds_of_lines_and_totals() {
        let state = books();
        let date = parse_date("2026-03-10").unwrap();
        assert_eq!(parse_quantity("1000000"), Ok(QUANTITY_MILLI_MAX));
        assert_eq!(parse_quantity("1000000.001"), Err(InvoiceError::QuantityOutOfRange));
        assert_eq!(parse_quantity("9999999.999"), Err(InvoiceError::QuantityOutOfRange));
        assert!(matches!(parse_quantity("12345678"), Err(InvoiceError::BadQuantity { .. })), "eight whole digits");
        assert!(matches!(parse_quantity("1.0001"), Err(InvoiceError::BadQuantity { .. })));
        let mut biggest = line("1", "1.00", "0", "N81", "3400");
        biggest.quantity_milli = QUANTITY_MILLI_MAX;
        assert!(totals(&state, std::slice::from_ref(&biggest), date, false).is_ok());
        biggest.quantity_milli = QUANTITY_MILLI_MAX + 1;
        assert_eq!(totals(&state, &[biggest], date, false), Err(InvoiceError::QuantityOutOfRange));
        let mut dearest = line("1", "1.00", "0", "N81", "3400");
        dearest.unit_price_minor = money::AMOUNT_MINOR_ABS_MAX / 1_000_000;
        assert!(totals(&state, std::slice::from_ref(&dearest), date, false).is_ok());
        dearest.unit_price_minor += 1;
        assert_eq!(totals(&state, &[dearest.clone()], date, false), Err(InvoiceError::Overflow));
        let many = vec![line("1", "1.00", "0", "N81", "3400"); INVOICE_LINES_MAX];
        assert!(totals(&state, &many, date, false).is_ok());
        let too_many = vec![line("1", "1.00", "0", "N81", "3400"); INVOICE_LINES_MAX + 1];
        assert_eq!(totals(&state, &too_many, date, false), Err(InvoiceError::TooManyLines));
        // A gross of exactly the largest amount: 925,069,380,203.515 net and 8.1 % of it.
        let exact = [line("1000000", "9250693.80", "0", "N81", "3400"), line("1", "2035.15", "0", "N81", "3400")];
        assert_eq!(totals(&state, &exact, date, false).map(|t| t.gross_minor), Ok(money::AMOUNT_MINOR_ABS_MAX));
        // A gross past the largest amount: the largest line price at the largest quantity.
        dearest.unit_price_minor -= 1;
        dearest.quantity_milli = QUANTITY_MILLI_MAX;
        assert_eq!(totals(&state, &[dearest], date, false), Err(InvoiceError::Overflow));
    }
}

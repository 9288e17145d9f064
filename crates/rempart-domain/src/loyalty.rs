//! Loyalty (issue 21): a program set by head office (points per currency unit paid and per item,
//! a reward of so much off for so many points, how long points last, and the risk limit a till
//! keeps back), cards for contacts with a printable EAN-13 number, and a points ledger of earn
//! and burn facts keyed by the ticket that caused them. A card's balance is a pure function of
//! the facts a node holds and a date (`balance`): duplicated, replayed or reordered facts give
//! the same balance; points expire by lot, the oldest spent first.
//!
//! A till never sees another till's spending as it happens (the hub is blind and may be out of
//! reach), so it lets a customer spend only what it knows of the balance less the program's risk
//! limit; when two stores' spending meets, a card may stand below zero, and head office lists it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::facts::{Described, FactKind, Merge};
use crate::money::Currency;
use crate::tills::AMOUNT_MAX_MINOR;

/// The bound of any number of points a fact carries.
pub const POINTS_MAX: i64 = 1_000_000_000;
/// The bound of the program's rates and limits.
pub const RATE_MAX: u32 = 10_000;
pub const EXPIRY_DAYS_MAX: u32 = 3_650;

/// The loyalty program, a register: the last set (by its stamp, then its device) holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramSet {
    pub at_ms: u64,
    /// The device that set it (hex id).
    pub node: String,
    pub currency: Currency,
    /// Points for each whole unit of currency a ticket comes to.
    pub points_per_unit: u32,
    /// Points for each item sold.
    pub points_per_item: u32,
    /// A reward of `reward_minor` off a ticket for each `reward_points` points spent.
    pub reward_points: u32,
    pub reward_minor: i64,
    /// How long earned points last, in days; 0: for ever.
    pub expiry_days: u32,
    /// The points a till keeps back from the balance it knows when a customer spends.
    pub risk_limit: u32,
    /// How points are spent: as an amount off the ticket at hand, or for a voucher the customer
    /// pays with later.
    #[serde(default)]
    pub reward_kind: RewardKind,
    /// How long a voucher is good for, in days; 0: for ever (vouchers only).
    #[serde(default)]
    pub voucher_days: u32,
}

/// How a program's rewards are taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RewardKind {
    /// `reward_minor` off the ticket for each `reward_points` points spent on it.
    #[default]
    Discount,
    /// A voucher worth `reward_minor` for each `reward_points` points, paid with on a later ticket.
    Voucher,
}

impl RewardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RewardKind::Discount => "discount",
            RewardKind::Voucher => "voucher",
        }
    }

    pub fn parse(text: &str) -> Result<RewardKind, LoyaltyError> {
        match text.trim().to_lowercase().as_str() {
            "discount" => Ok(RewardKind::Discount),
            "voucher" => Ok(RewardKind::Voucher),
            _ => Err(LoyaltyError::BadRewardKind { text: text.trim().chars().take(32).collect() }),
        }
    }
}

impl ProgramSet {
    pub fn check(&self) -> Result<(), LoyaltyError> {
        if self.points_per_unit > RATE_MAX
            || self.points_per_item > RATE_MAX
            || !(1..=RATE_MAX).contains(&self.reward_points)
            || !(1..=AMOUNT_MAX_MINOR).contains(&self.reward_minor)
            || self.expiry_days > EXPIRY_DAYS_MAX
            || i64::from(self.risk_limit) > POINTS_MAX
            || self.voucher_days > EXPIRY_DAYS_MAX
            || (self.reward_kind == RewardKind::Discount && self.voucher_days != 0)
            || self.node.is_empty()
        {
            return Err(LoyaltyError::BadProgram);
        }
        Ok(())
    }

    /// Whether this setting comes after `other` (its stamp, then its device).
    pub fn supersedes(&self, other: &ProgramSet) -> bool {
        (self.at_ms, &self.node) > (other.at_ms, &other.node)
    }

    /// The points a ticket earns: its total in whole units (toward zero) and its items, each at
    /// the program's rate.
    pub fn points_earned(&self, total_minor: i64, items: i64) -> i64 {
        self.earned_parts(total_minor, items).0
    }

    /// The points a ticket earns, and the part of them its items earn.
    pub fn earned_parts(&self, total_minor: i64, items: i64) -> (i64, i64) {
        let scale = 10i64.pow(self.currency.exponent());
        let units = total_minor / scale;
        let of_items = items.saturating_mul(i64::from(self.points_per_item)).clamp(-POINTS_MAX, POINTS_MAX);
        let points = units.saturating_mul(i64::from(self.points_per_unit)).saturating_add(of_items);
        (points.clamp(-POINTS_MAX, POINTS_MAX), of_items)
    }

    /// The day points earned on `date` stop counting (none: never).
    pub fn expiry(&self, date: NaiveDate) -> Option<NaiveDate> {
        (self.expiry_days > 0).then(|| date + chrono::Days::new(u64::from(self.expiry_days)))
    }

    /// The last day a voucher given on `date` is good for (none: for ever).
    pub fn voucher_until(&self, date: NaiveDate) -> Option<NaiveDate> {
        (self.voucher_days > 0).then(|| date + chrono::Days::new(u64::from(self.voucher_days)))
    }

    /// What spending `points` takes off a ticket, or a voucher is worth: whole rewards only.
    pub fn reward_value(&self, points: i64) -> Result<i64, LoyaltyError> {
        let block = i64::from(self.reward_points);
        if points <= 0 || points > POINTS_MAX || points % block != 0 {
            return Err(LoyaltyError::NotWholeRewards { points, reward_points: self.reward_points });
        }
        Ok((points / block).saturating_mul(self.reward_minor))
    }
}

impl FactKind for ProgramSet {
    const KIND: &'static str = "loyalty.program";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        // A register decided by its stamp.
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.loyalty_program")
    }
}

/// A loyalty card given to a contact, keyed by its number and the device that gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardIssued {
    pub card: String,
    pub contact: String,
    pub node: String,
    pub at_ms: u64,
}

impl CardIssued {
    pub fn check(&self) -> Result<(), LoyaltyError> {
        if !card_valid(&self.card) {
            return Err(LoyaltyError::BadCard { card: self.card.clone() });
        }
        if self.contact.trim().is_empty() || self.contact.chars().count() > 64 || self.node.is_empty() {
            return Err(LoyaltyError::IllFormed);
        }
        Ok(())
    }
}

impl FactKind for CardIssued {
    const KIND: &'static str = "loyalty.card";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.loyalty_card").text("card", &self.card).text("contact", &self.contact)
    }
}

/// Points earned or spent on a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PointsKind {
    Earn,
    Burn,
    /// Spent for a voucher: no fact of its own, the voucher's (`VoucherIssued::spent`), keyed by
    /// the voucher's number in `ticket`.
    Voucher,
}

impl PointsKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PointsKind::Earn => "earn",
            PointsKind::Burn => "burn",
            PointsKind::Voucher => "voucher",
        }
    }
}

/// Points moved on a card by a ticket: earned on a sale, or spent. Keyed by the kind and the
/// ticket (its number and device), which only that ticket's till writes. What a return takes
/// back is no fact of its own: the balance computes it from the return's ticket (`Returned`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsMoved {
    pub card: String,
    pub kind: PointsKind,
    pub points: i64,
    pub ticket: String,
    /// The ticket's device (hex id).
    pub node: String,
    pub date: NaiveDate,
    /// The program the points were earned or spent under (its stamp).
    pub program: u64,
    /// Of an earn: the part of `points` earned by the items (the rest by the amount).
    pub of_items: i64,
    /// Of an earn: the day its lot ends (none: never), fixed when it was earned.
    pub expires: Option<NaiveDate>,
    /// Of an earn: the ticket's total and items it was earned on (take-in checks them against
    /// the ticket; the balance, against the program).
    pub basis_total: i64,
    pub basis_items: i64,
}

impl PointsMoved {
    pub fn id(&self) -> String {
        format!("{}-{}-{}", self.kind.as_str(), self.node, self.ticket)
    }

    pub fn check(&self) -> Result<(), LoyaltyError> {
        if !card_valid(&self.card) {
            return Err(LoyaltyError::BadCard { card: self.card.clone() });
        }
        let shape_ok = match self.kind {
            // Earned on a sale: a lot that ends after the day it was earned.
            PointsKind::Earn => {
                (1..=POINTS_MAX).contains(&self.points)
                    && (0..=self.points).contains(&self.of_items)
                    && self.expires.is_none_or(|until| until > self.date)
                    && (0..=crate::tills::AMOUNT_MAX_MINOR).contains(&self.basis_total)
                    && (1..=crate::stock::QTY_MAX).contains(&self.basis_items)
            }
            PointsKind::Burn | PointsKind::Voucher => {
                (1..=POINTS_MAX).contains(&self.points)
                    && self.of_items == 0
                    && self.expires.is_none()
                    && self.basis_total == 0
                    && self.basis_items == 0
            }
        };
        if !shape_ok || self.ticket.is_empty() || self.ticket.len() > 64 || self.node.is_empty() {
            return Err(LoyaltyError::IllFormed);
        }
        Ok(())
    }

    /// Whether these points are what their ticket (as `basis` gives it) could move, on what the
    /// ticket alone says: the same card and day, a sale; spent only where it has an amount off;
    /// an earn on the ticket's own total and items. Whether an earn is what its program gives is
    /// the balance's to say (`balance`), where the program is held: a check here would depend on
    /// what each node holds.
    pub fn fits(&self, basis: &TicketBasis) -> bool {
        if self.check().is_err()
            || basis.card.as_deref() != Some(self.card.as_str())
            || basis.date != self.date
            || basis.returns
        {
            return false;
        }
        match self.kind {
            PointsKind::Burn => basis.discount_minor > 0,
            PointsKind::Earn => self.basis_total == basis.total_minor && self.basis_items == basis.items,
            // A voucher's points are its own fact's, never a ticket's.
            PointsKind::Voucher => false,
        }
    }

    /// Whether an earn is what `program` gives on its basis, with the lot's end it sets.
    fn earned_under(&self, program: &ProgramSet) -> bool {
        program.earned_parts(self.basis_total, self.basis_items) == (self.points, self.of_items)
            && program.expiry(self.date) == self.expires
    }
}

/// What a ticket gives to check the points it moved (`PointsMoved::fits`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketBasis {
    pub card: Option<String>,
    pub date: NaiveDate,
    pub total_minor: i64,
    pub items: i64,
    /// The amount taken off its lines (points spent become an amount off).
    pub discount_minor: i64,
    pub returns: bool,
}

impl TicketBasis {
    pub fn of(ticket: &crate::tills::TicketRecorded) -> TicketBasis {
        TicketBasis {
            card: ticket.card.clone(),
            date: ticket.date,
            total_minor: ticket.total_minor(),
            items: ticket.lines.iter().map(|line| line.qty).fold(0i64, i64::saturating_add),
            discount_minor: ticket.lines.iter().map(|line| line.discount_minor).fold(0i64, i64::saturating_add),
            returns: ticket.returns.is_some(),
        }
    }
}

/// A return ticket: what it takes back is computed from the earn of the ticket it returns
/// (`original` of device `original_node`), in proportion (the amount's points to the money, the
/// items' points to the items), whatever card the return itself names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned {
    pub ticket: String,
    pub node: String,
    pub original: String,
    pub original_node: String,
    pub date: NaiveDate,
    /// Negative: the money and the items taken back.
    pub total_minor: i64,
    pub items: i64,
}

impl FactKind for PointsMoved {
    const KIND: &'static str = "loyalty.points";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        // Keyed by its ticket; the balance is a function of the set of them.
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.loyalty_points").text("card", &self.card).text("ticket", &self.ticket)
    }
}

/// A voucher given for points (a program whose rewards are vouchers), keyed by its number (in the
/// range of the device that gave it, `voucher_of_device`) and that device (a till, or head office). Its points are spent as it is given
/// (`spent`); it is worth `value_minor` until `until`, paid with on tickets of any till
/// (`Method::Voucher`, its number as the code). What it is worth counts only where the program it
/// names is held and gives that value for those points (`worth_under`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherIssued {
    pub voucher: String,
    /// The device that gave it (hex id).
    pub node: String,
    pub card: String,
    pub points: i64,
    pub value_minor: i64,
    pub currency: Currency,
    pub date: NaiveDate,
    /// The last day it is good for (none: for ever).
    pub until: Option<NaiveDate>,
    /// The program it was given under (its stamp).
    pub program: u64,
}

impl VoucherIssued {
    pub fn check(&self) -> Result<(), LoyaltyError> {
        if !card_valid(&self.card) {
            return Err(LoyaltyError::BadCard { card: self.card.clone() });
        }
        if !voucher_valid(&self.voucher)
            || !(1..=POINTS_MAX).contains(&self.points)
            || !(1..=crate::tills::AMOUNT_MAX_MINOR).contains(&self.value_minor)
            || self.until.is_some_and(|until| until < self.date)
            || self.node.is_empty()
        {
            return Err(LoyaltyError::IllFormed);
        }
        Ok(())
    }

    /// The points it took from its card, as a movement of the card's balance.
    pub fn spent(&self) -> PointsMoved {
        PointsMoved {
            card: self.card.clone(),
            kind: PointsKind::Voucher,
            points: self.points,
            ticket: self.voucher.clone(),
            node: self.node.clone(),
            date: self.date,
            program: self.program,
            of_items: 0,
            expires: None,
            basis_total: 0,
            basis_items: 0,
        }
    }

    /// What it is worth under the programs held: its value where its program is held, gives
    /// vouchers in its currency and that value for its points, and the day it ends; else nothing
    /// (until that program arrives, or for good if it never gave this).
    pub fn worth_under(&self, programs: &BTreeMap<u64, ProgramSet>) -> i64 {
        let fits = programs.get(&self.program).is_some_and(|program| {
            program.reward_kind == RewardKind::Voucher
                && program.currency == self.currency
                && program.reward_value(self.points) == Ok(self.value_minor)
                && program.voucher_until(self.date) == self.until
        });
        if self.check().is_ok() && fits { self.value_minor } else { 0 }
    }
}

impl FactKind for VoucherIssued {
    const KIND: &'static str = "loyalty.voucher";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        // Keyed by its number and device; balances and what is left of it are sums.
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.loyalty_voucher").text("voucher", &self.voucher).text("card", &self.card)
    }
}

/// How many vouchers one device gives (the five digits of their count).
pub const VOUCHERS_PER_DEVICE: u32 = 99_999;

/// The number of a voucher, 18 digits: `99` (the prefix GS1 keeps for coupons), five digits of
/// the giving device, five of its own count, five drawn at random (`secret`, below 100,000: the
/// count alone would let anyone holding one voucher guess the next), and a GS1 check digit; a
/// till's scanner reads it off the slip (as Code 128), a cashier may type it.
pub fn voucher_number(node: &[u8], sequence: u32, secret: u32) -> String {
    let body = format!("99{}{:05}{:05}", device_digits(node, 4), sequence % 100_000, secret % 100_000);
    let digits: Vec<u8> = body.bytes().map(|byte| byte - b'0').collect();
    format!("{body}{}", crate::stock::check_digit(&digits))
}

/// Whether `text` is a voucher number: 18 digits starting with 99, the last a check digit.
pub fn voucher_valid(text: &str) -> bool {
    if text.len() != 18 || !text.starts_with("99") || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u8> = text.bytes().map(|byte| byte - b'0').collect();
    let (body, last) = digits.split_at(17);
    crate::stock::check_digit(body) == last[0]
}

/// Whether voucher number `text` is in the range of device `node` (its five device digits): a
/// device gives only its own, so none takes another's number.
pub fn voucher_of_device(text: &str, node: &[u8]) -> bool {
    voucher_valid(text) && text.get(2..7) == Some(device_digits(node, 4).as_str())
}

/// How many cards one device gives (the six digits of their count).
pub const CARDS_PER_DEVICE: u32 = 999_999;

/// The number of a card: `2` (a number for use inside the company, as EAN-13 reserves), five
/// digits of the giving device, six of its own count, and the check digit.
pub fn card_number(node: &[u8], sequence: u32) -> String {
    device_number("2", 0, node, sequence)
}

/// Whether `text` is a card number: thirteen digits starting with 2, the last a right check digit.
pub fn card_valid(text: &str) -> bool {
    text.len() == 13
        && text.starts_with('2')
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && crate::stock::Barcode::parse(text).is_ok()
}

/// An EAN-13 a device gives in its own range: `prefix`, five digits of the device
/// (`device_digits`), its count in the digits left (wrapping; callers stop before), and the
/// check digit.
fn device_number(prefix: &str, at: usize, node: &[u8], sequence: u32) -> String {
    let width = 12 - 5 - prefix.len();
    let count = sequence % 10u32.pow(width as u32);
    let body = format!("{prefix}{}{count:0width$}", device_digits(node, at));
    let digits: Vec<u8> = body.bytes().map(|byte| byte - b'0').collect();
    format!("{body}{}", crate::stock::check_digit(&digits))
}

/// Five digits of a device: the hash of its id, read at byte `at`, modulo 100,000.
fn device_digits(node: &[u8], at: usize) -> String {
    let hash = blake3::hash(node);
    let bytes = hash.as_bytes();
    let device = u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) % 100_000;
    format!("{device:05}")
}

/// A card's points on a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Balance {
    /// What may be spent (negative when more was spent than held).
    pub points: i64,
    pub earned: i64,
    pub spent: i64,
    pub expired: i64,
}

/// A lot of points earned on a sale: what is left of it, until when, and the sale's ticket
/// (number and device).
struct Lot<'m> {
    until: Option<NaiveDate>,
    earned: NaiveDate,
    id: String,
    left: i64,
    ticket: &'m str,
    node: &'m str,
}

/// What moves a balance on a day, in the order they apply on it.
enum Step<'m> {
    Earn(&'m PointsMoved),
    /// Points a return (`ticket` of device `node`) takes back from the earn of its original (by
    /// id).
    TakeBack {
        from: String,
        points: i64,
        ticket: &'m str,
        node: &'m str,
    },
    Burn(&'m PointsMoved),
}

/// How a card's points moved (`Movement`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementKind {
    Earn,
    Burn,
    /// Spent for a voucher.
    Voucher,
    /// Taken back by a return of the sale that earned them.
    TakeBack,
    /// What was left of a lot on its last day.
    Expire,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Earn => "earn",
            MovementKind::Burn => "burn",
            MovementKind::Voucher => "voucher",
            MovementKind::TakeBack => "take_back",
            MovementKind::Expire => "expire",
        }
    }
}

/// One line of a card's points ledger (`statement`), in the order the lines apply: the day, what
/// moved, the ticket that caused it (the sale that earned; the ticket that spent, or the
/// voucher's number; the return that took back; for an expiry, the sale whose lot ended), the
/// points (negative: out) and the balance after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub date: NaiveDate,
    pub kind: MovementKind,
    pub ticket: String,
    /// The device of `ticket` (hex id).
    pub node: String,
    pub points: i64,
    pub balance: i64,
}

/// What may be spent: the lots left less what is owed.
fn held(lots: &[Lot<'_>], owed: i64) -> i64 {
    lots.iter().map(|lot| lot.left).fold(0i64, i64::saturating_add).saturating_sub(owed)
}

/// Ends the lots whose last day is `day` or before, counting what was left of them expired
/// (and, for a statement, a line each).
fn expire_lots(
    lots: &mut Vec<Lot<'_>>,
    day: NaiveDate,
    (expired, owed): (&mut i64, i64),
    lines: &mut Option<&mut Vec<Movement>>,
) {
    let mut index = 0;
    while index < lots.len() {
        let Some(until) = lots[index].until.filter(|until| *until <= day) else {
            index += 1;
            continue;
        };
        let lot = lots.remove(index);
        *expired = expired.saturating_add(lot.left);
        if let Some(lines) = lines.as_deref_mut() {
            lines.push(Movement {
                date: until,
                kind: MovementKind::Expire,
                ticket: lot.ticket.to_owned(),
                node: lot.node.to_owned(),
                points: lot.left.saturating_neg(),
                balance: held(lots, owed),
            });
        }
    }
}

/// A card's balance on `on` from its movements and the returns of its tickets, whatever their
/// order or repetition (each counted once by its id), with the programs held (by stamp):
/// - an earn counts only where its program is held and gives exactly its points and the end of
///   its lot on its basis (until the program is held, it waits; never wrongly earned);
/// - each return takes back from the earn of the ticket it returns its share, computed on all
///   returns of that ticket so far (the amount's points in proportion to the money, the items'
///   to the items), never more than was earned, from that earn's lot first;
/// - spending takes from the lot that ends first; what is taken beyond the lots is owed, repaid
///   by the next points earned; lots end on their day.
pub fn balance<'m>(
    moves: impl IntoIterator<Item = &'m PointsMoved>,
    returned: &[Returned],
    programs: &BTreeMap<u64, ProgramSet>,
    on: NaiveDate,
) -> Balance {
    balance_through(moves, returned, programs, (on, on))
}

/// As `balance` on `on`, counting also the movements and returns dated up to `through` (after
/// `on`): what a till lets be spent, so that a ticket dated back, or a till whose clock is ahead,
/// hides no spending; lots still end as of `on`.
pub fn balance_through<'m>(
    moves: impl IntoIterator<Item = &'m PointsMoved>,
    returned: &[Returned],
    programs: &BTreeMap<u64, ProgramSet>,
    (on, through): (NaiveDate, NaiveDate),
) -> Balance {
    walk(moves, returned, programs, (on, through), None)
}

/// A card's points ledger on `on`: every line that moved its balance (`balance`), in the order
/// they apply, each with the ticket that caused it and the balance after it; the last line's
/// balance is the card's. The same whatever the order or repetition of the facts.
pub fn statement<'m>(
    moves: impl IntoIterator<Item = &'m PointsMoved>,
    returned: &[Returned],
    programs: &BTreeMap<u64, ProgramSet>,
    on: NaiveDate,
) -> (Balance, Vec<Movement>) {
    let mut lines = Vec::new();
    let balance = walk(moves, returned, programs, (on, on), Some(&mut lines));
    (balance, lines)
}

/// The balance (`balance_through`), and its lines when asked (`statement`).
fn walk<'m>(
    moves: impl IntoIterator<Item = &'m PointsMoved>,
    returned: &[Returned],
    programs: &BTreeMap<u64, ProgramSet>,
    (on, through): (NaiveDate, NaiveDate),
    mut lines: Option<&mut Vec<Movement>>,
) -> Balance {
    let mut unique: BTreeMap<String, &PointsMoved> = BTreeMap::new();
    for moved in moves {
        if moved.check().is_ok() {
            unique.entry(moved.id()).or_insert(moved);
        }
    }
    // The earns that count: what their program, held, gives.
    let earns: BTreeMap<String, &PointsMoved> = unique
        .iter()
        .filter(|(_, moved)| moved.kind == PointsKind::Earn)
        .filter(|(_, moved)| programs.get(&moved.program).is_some_and(|program| moved.earned_under(program)))
        .map(|(id, moved)| (id.clone(), *moved))
        .collect();
    let mut steps: BTreeMap<(NaiveDate, u8, String), Step<'_>> = BTreeMap::new();
    for moved in unique.values().filter(|moved| moved.date <= through) {
        match moved.kind {
            PointsKind::Earn if earns.contains_key(&moved.id()) => {
                steps.insert((moved.date, 0, moved.id()), Step::Earn(moved));
            }
            PointsKind::Earn => {}
            PointsKind::Burn | PointsKind::Voucher => {
                steps.insert((moved.date, 2, moved.id()), Step::Burn(moved));
            }
        }
    }
    // Returns in their order; each earn's share taken back grows with what was returned of it.
    let mut returns: BTreeMap<(NaiveDate, &str, &str), &Returned> = BTreeMap::new();
    for back in returned.iter().filter(|back| back.date <= through && back.total_minor <= 0 && back.items <= 0) {
        returns.entry((back.date, back.node.as_str(), back.ticket.as_str())).or_insert(back);
    }
    let mut taken: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for ((date, node, ticket), back) in returns {
        // The earn of the ticket returned, by its number and device.
        let Some(earn) = earns.get(&format!("earn-{}-{}", back.original_node, back.original)) else { continue };
        let (money, items, before) = taken.entry(earn.id()).or_default();
        *money = money.saturating_add(back.total_minor.saturating_neg());
        *items = items.saturating_add(back.items.saturating_neg());
        let share = |part: i64, returned: i64, whole: i64| {
            i64::try_from(crate::invoices::divide_rounded(
                i128::from(part) * i128::from(returned.min(whole)),
                i128::from(whole).max(1),
            ))
            .unwrap_or(0)
        };
        let now = share(earn.points - earn.of_items, *money, earn.basis_total)
            .saturating_add(share(earn.of_items, *items, earn.basis_items))
            .clamp(0, earn.points);
        let points = now - *before;
        *before = now;
        if points > 0 {
            steps.insert(
                (date, 1, format!("back-{node}-{ticket}")),
                Step::TakeBack { from: earn.id(), points, ticket, node },
            );
        }
    }
    let mut out = Balance::default();
    let mut lots: Vec<Lot<'_>> = Vec::new();
    let mut owed: i64 = 0;
    for ((date, _, id), step) in steps {
        expire_lots(&mut lots, date.min(on), (&mut out.expired, owed), &mut lines);
        // The line this step writes in a statement: what moved, by which ticket, how much.
        let line = match &step {
            Step::Earn(moved) => (MovementKind::Earn, moved.ticket.as_str(), moved.node.as_str(), moved.points),
            Step::TakeBack { points, ticket, node, .. } => (MovementKind::TakeBack, *ticket, *node, -*points),
            Step::Burn(moved) => {
                let kind = if moved.kind == PointsKind::Voucher { MovementKind::Voucher } else { MovementKind::Burn };
                (kind, moved.ticket.as_str(), moved.node.as_str(), -moved.points)
            }
        };
        let mut to_take = match step {
            Step::Earn(moved) => {
                out.earned = out.earned.saturating_add(moved.points);
                let repaid = owed.min(moved.points);
                owed -= repaid;
                let left = moved.points - repaid;
                if left > 0 {
                    lots.push(Lot {
                        until: moved.expires,
                        earned: date,
                        id,
                        left,
                        ticket: moved.ticket.as_str(),
                        node: moved.node.as_str(),
                    });
                    // The lot that ends first is spent first; those that never end, last.
                    lots.sort_by(|a, b| {
                        (a.until.is_none(), a.until, a.earned, &a.id).cmp(&(
                            b.until.is_none(),
                            b.until,
                            b.earned,
                            &b.id,
                        ))
                    });
                }
                0
            }
            Step::TakeBack { from, points, .. } => {
                out.earned = out.earned.saturating_sub(points);
                let mut to_take = points;
                if let Some(lot) = lots.iter_mut().find(|lot| lot.id == from) {
                    let take = lot.left.min(to_take);
                    lot.left -= take;
                    to_take -= take;
                }
                to_take
            }
            Step::Burn(moved) => {
                out.spent = out.spent.saturating_add(moved.points);
                moved.points
            }
        };
        for lot in &mut lots {
            if to_take == 0 {
                break;
            }
            let take = lot.left.min(to_take);
            lot.left -= take;
            to_take -= take;
        }
        lots.retain(|lot| lot.left > 0);
        owed = owed.saturating_add(to_take);
        if let Some(lines) = lines.as_deref_mut() {
            let (kind, ticket, node, points) = line;
            lines.push(Movement {
                date,
                kind,
                ticket: ticket.to_owned(),
                node: node.to_owned(),
                points,
                balance: held(&lots, owed),
            });
        }
    }
    expire_lots(&mut lots, on, (&mut out.expired, owed), &mut lines);
    out.points = held(&lots, owed);
    out
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoyaltyError {
    #[error("the loyalty program's rates, reward, expiry or risk limit are out of bounds")]
    BadProgram,
    #[error("no loyalty program is set: head office sets one first (rempart loyalty program set)")]
    NoProgram,
    #[error("only head office (the device that created the company) sets the loyalty program")]
    NotHeadOffice,
    #[error("this device has given all the card numbers of its range; give cards from another device")]
    CardsExhausted,
    #[error("\"{card}\" is not a loyalty card number: 13 digits starting with 2, the last a check digit")]
    BadCard { card: String },
    #[error("no loyalty card {card} is known here")]
    UnknownCard { card: String },
    #[error("the loyalty fact is not whole")]
    IllFormed,
    #[error("{points} points are not whole rewards of {reward_points} points")]
    NotWholeRewards { points: i64, reward_points: u32 },
    #[error("card {card} may spend {allowed} points here now (its balance less the risk limit), not {points}")]
    BeyondRiskLimit { card: String, points: i64, allowed: i64 },
    #[error("points are spent alone or with an amount off, not with a percentage")]
    PointsWithPercent,
    #[error("\"{text}\" is not a reward: POINTS=AMOUNT, such as 100=5.00")]
    BadReward { text: String },
    #[error("\"{text}\" is not a kind of reward: discount or voucher")]
    BadRewardKind { text: String },
    #[error("the loyalty program gives its rewards as {}s: this is not how they are taken", kind.as_str())]
    OtherReward { kind: RewardKind },
    #[error("this device has given all the voucher numbers of its range; give vouchers from another device")]
    VouchersExhausted,
    #[error("no voucher {voucher} that this device can count is known here")]
    UnknownVoucher { voucher: String },
    #[error("voucher {voucher} was good until {until}")]
    VoucherEnded { voucher: String, until: NaiveDate },
    #[error("voucher {voucher} has {left_minor} (minor units of {currency}) left to pay with, not {asked_minor}")]
    VoucherSpent { voucher: String, left_minor: i64, asked_minor: i64, currency: Currency },
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(u64::from(d))
    }

    /// Programs of one point per franc: stamp 1 keeps points 365 days, 2 keeps them 30, 3 for ever.
    fn programs() -> BTreeMap<u64, ProgramSet> {
        [(1, 365), (2, 30), (3, 0)]
            .into_iter()
            .map(|(at_ms, expiry_days)| (at_ms, ProgramSet { at_ms, points_per_item: 0, expiry_days, ..program() }))
            .collect()
    }

    /// Points moved by ticket `ticket` on day `date`, earned (one a franc) under the program
    /// whose points last `expiry` days (`programs`).
    fn moved_lasting(kind: PointsKind, points: i64, ticket: u32, date: u32, expiry: u32) -> PointsMoved {
        let earn = kind == PointsKind::Earn;
        let program = match expiry {
            365 => 1,
            30 => 2,
            _ => 3,
        };
        PointsMoved {
            card: card_number(b"node", 1),
            kind,
            points,
            ticket: format!("GE1-1-{ticket:06}"),
            node: "ab".into(),
            date: day(date),
            program,
            of_items: 0,
            expires: (earn && expiry > 0).then(|| day(date + expiry)),
            basis_total: if earn { points * 100 } else { 0 },
            basis_items: i64::from(earn),
        }
    }

    fn moved(kind: PointsKind, points: i64, ticket: u32, date: u32) -> PointsMoved {
        moved_lasting(kind, points, ticket, date, 365)
    }

    /// Ticket `ticket` on day `date` returning `money` francs of ticket `original`.
    fn back(ticket: u32, original: u32, date: u32, money: i64, items: i64) -> Returned {
        Returned {
            ticket: format!("GE1-1-{ticket:06}"),
            node: "ab".into(),
            original: format!("GE1-1-{original:06}"),
            original_node: "ab".into(),
            date: day(date),
            total_minor: -money * 100,
            items: -items,
        }
    }

    #[test]
    fn card_numbers_are_ean_13_of_the_company_range() {
        let card = card_number(b"some device", 42);
        assert!(card_valid(&card), "{card}");
        assert!(card.starts_with('2') && card[6..12] == *"000042");
        assert_ne!(card_number(b"another device", 42), card);
        assert!(!card_valid("4006381333931"), "a product's EAN is not a card");
        let mut wrong = card.into_bytes();
        wrong[12] = if wrong[12] == b'0' { b'1' } else { b'0' };
        assert!(!card_valid(&String::from_utf8(wrong).unwrap()));
    }

    #[test]
    fn points_earn_spend_expire_oldest_first_and_owe() {
        use PointsKind::{Burn, Earn};
        let programs = programs();
        let at = |moves: &[PointsMoved], on: u32| balance(moves, &[], &programs, day(on));
        let moves = [moved(Earn, 100, 1, 0), moved(Earn, 50, 2, 10), moved(Burn, 120, 3, 20)];
        // The 120 spent take the first lot's 100 and 20 of the second.
        assert_eq!(at(&moves, 30), Balance { points: 30, earned: 150, spent: 120, expired: 0 });
        // A year after the second lot, its 30 left expire.
        assert_eq!(at(&moves, 375).points, 0);
        assert_eq!(at(&moves, 375).expired, 30);
        // Spent in two stores apart: the card owes, and the next points repay it first.
        let owing =
            [moved_lasting(Earn, 100, 1, 0, 0), moved_lasting(Burn, 100, 2, 5, 0), moved_lasting(Burn, 100, 3, 5, 0)];
        assert_eq!(at(&owing, 6).points, -100);
        let repaid = [owing.as_slice(), &[moved(Earn, 130, 4, 8)]].concat();
        assert_eq!(at(&repaid, 9).points, 30);
        // A return takes its points back: 40 of the 100 francs.
        let returned = balance(&[moved(Earn, 100, 1, 0)], &[back(2, 1, 1, 40, 0)], &programs, day(2));
        assert_eq!((returned.points, returned.earned), (60, 60));
        // A movement dated after the day asked is not counted yet.
        assert_eq!(at(&moves, 5).points, 100);
    }

    /// The points ledger lists each line with the ticket that caused it: the sales that earned,
    /// the return that took back, the ticket that spent, and the sale whose lot ended, on the
    /// lot's last day.
    #[test]
    fn the_statement_keys_each_line_by_the_ticket_that_caused_it() {
        use PointsKind::{Burn, Earn};
        let programs = programs();
        let moves = [moved(Earn, 100, 1, 0), moved(Earn, 50, 2, 10), moved(Burn, 120, 3, 20)];
        let (balance, lines) = statement(&moves, &[back(4, 2, 30, 10, 0)], &programs, day(400));
        let got: Vec<(u32, MovementKind, &str, i64, i64)> = lines
            .iter()
            .map(|line| {
                ((line.date - day(0)).num_days() as u32, line.kind, line.ticket.as_str(), line.points, line.balance)
            })
            .collect();
        assert_eq!(
            got,
            [
                (0, MovementKind::Earn, "GE1-1-000001", 100, 100),
                (10, MovementKind::Earn, "GE1-1-000002", 50, 150),
                (20, MovementKind::Burn, "GE1-1-000003", -120, 30),
                // 10 of ticket 2's 50 francs come back: its 10 points, from its own lot.
                (30, MovementKind::TakeBack, "GE1-1-000004", -10, 20),
                (375, MovementKind::Expire, "GE1-1-000002", -20, 0),
            ]
        );
        assert_eq!(balance, Balance { points: 0, earned: 140, spent: 120, expired: 20 });
        assert!(lines.iter().all(|line| line.node == "ab"));
    }

    #[test]
    fn each_lot_keeps_the_expiry_it_was_earned_with_and_returns_take_from_their_own_lot() {
        use PointsKind::{Burn, Earn};
        let programs = programs();
        // Ticket 1's 100 points last 30 days, ticket 2's (under a later program) 365.
        let first = moved_lasting(Earn, 100, 1, 0, 30);
        let second = moved_lasting(Earn, 100, 2, 1, 365);
        let lots = [first.clone(), second.clone()];
        assert_eq!(
            balance(&lots, &[], &programs, day(31)),
            Balance { points: 100, earned: 200, spent: 0, expired: 100 }
        );
        // Spending takes from the lot that ends first.
        let spent = moved_lasting(Burn, 60, 3, 2, 0);
        assert_eq!(balance([&second, &spent, &first], &[], &programs, day(31)).expired, 40);
        // A return of ticket 1 takes from ticket 1's lot, not from the later one: nothing of
        // the lasting lot goes.
        let with_return = balance(&lots, &[back(4, 1, 2, 100, 1)], &programs, day(40));
        assert_eq!((with_return.points, with_return.expired), (100, 0));
    }

    /// The adversarial review: an earn counts only where its program is held and gives exactly
    /// its points and lot; returns take back what they return whatever facts the till wrote,
    /// and returns one by one take back, in all, exactly what one return of everything would.
    #[test]
    fn earns_count_only_as_their_program_gives_and_returns_take_back_in_all_their_share() {
        use PointsKind::Earn;
        let programs = programs();
        let honest = moved(Earn, 100, 1, 0);
        let inflated = PointsMoved { points: 10_000, ..moved(Earn, 100, 2, 0) };
        let lasting = PointsMoved { expires: None, ..moved(Earn, 100, 3, 0) };
        let unknown = PointsMoved { program: 99, ..moved(Earn, 100, 4, 0) };
        let all = [honest.clone(), inflated, lasting, unknown.clone()];
        assert_eq!(balance(&all, &[], &programs, day(1)).points, 100, "only the honest earn counts");
        // The program named arrives: its earn counts from then on, on every node alike.
        let mut more = programs.clone();
        more.insert(99, ProgramSet { at_ms: 99, points_per_item: 0, ..program() });
        assert_eq!(balance(&all, &[], &more, day(1)).points, 200);
        // 100 items at 1.49 earn 149 points; returned one at a time, all 149 go back.
        let items = PointsMoved { points: 149, basis_total: 14_900, basis_items: 100, ..moved(Earn, 149, 5, 0) };
        let one_by_one: Vec<Returned> =
            (0..100).map(|index| Returned { total_minor: -149, items: -1, ..back(100 + index, 5, 1, 0, 0) }).collect();
        let after = balance([&items], &one_by_one, &programs, day(2));
        assert_eq!((after.points, after.earned), (0, 0));
        // A return of more than was sold takes back no more than was earned.
        let over = balance([&honest], &[back(6, 1, 1, 500, 9)], &programs, day(2));
        assert_eq!(over.points, 0);
        // A return names its original by number and device: another device's ticket of that
        // number is not this one.
        let elsewhere = Returned { original_node: "cd".into(), ..back(7, 1, 1, 100, 1) };
        assert_eq!(balance([&honest], &[elsewhere], &programs, day(2)).points, 100);
        // What a till lets be spent counts what is dated later too, its lots ending as of the day.
        let later = moved(PointsKind::Burn, 60, 8, 30);
        let through = balance_through([&honest, &later], &[], &programs, (day(1), day(30)));
        assert_eq!((through.points, through.spent, through.expired), (40, 60, 0));
    }
    fn program() -> ProgramSet {
        ProgramSet {
            at_ms: 1,
            node: "ab".into(),
            currency: Currency::CHF,
            points_per_unit: 1,
            points_per_item: 5,
            reward_points: 100,
            reward_minor: 500,
            expiry_days: 365,
            risk_limit: 50,
            reward_kind: RewardKind::Discount,
            voucher_days: 0,
        }
    }

    /// A voucher is worth its value only under a held program that gives vouchers of that value
    /// for its points, ending when it says; its points leave the card whatever it is worth.
    #[test]
    fn a_voucher_is_worth_what_its_program_gives_and_takes_its_points() {
        let vouchers = ProgramSet { reward_kind: RewardKind::Voucher, voucher_days: 90, ..program() };
        vouchers.check().unwrap();
        // Days of vouchers belong to programs of vouchers.
        assert_eq!(ProgramSet { voucher_days: 90, ..program() }.check(), Err(LoyaltyError::BadProgram));
        let number = voucher_number(b"till", 1, 4_242);
        assert!(voucher_valid(&number) && !card_valid(&number), "{number}");
        assert!(voucher_of_device(&number, b"till") && !voucher_of_device(&number, b"other till"));
        assert_ne!(number, voucher_number(b"till", 2, 4_242));
        assert_ne!(number, voucher_number(b"till", 1, 4_243));
        assert!(!voucher_valid(&card_number(b"till", 1)));
        // One digit wrong is no voucher.
        let mut typo = number.clone().into_bytes();
        typo[9] = if typo[9] == b'9' { b'0' } else { typo[9] + 1 };
        assert!(!voucher_valid(std::str::from_utf8(&typo).unwrap()));
        let given = VoucherIssued {
            voucher: number.clone(),
            node: "ab".into(),
            card: card_number(b"till", 1),
            points: 200,
            value_minor: 1_000,
            currency: Currency::CHF,
            date: day(10),
            until: vouchers.voucher_until(day(10)),
            program: 1,
        };
        given.check().unwrap();
        let held = BTreeMap::from([(1, vouchers.clone())]);
        assert_eq!(given.worth_under(&held), 1_000);
        // Not held, a program of discounts, an inflated value, a longer life: worth nothing.
        assert_eq!(given.worth_under(&BTreeMap::new()), 0);
        assert_eq!(given.worth_under(&BTreeMap::from([(1, program())])), 0);
        assert_eq!(VoucherIssued { value_minor: 5_000, ..given.clone() }.worth_under(&held), 0);
        assert_eq!(VoucherIssued { until: None, ..given.clone() }.worth_under(&held), 0);
        assert_eq!(
            VoucherIssued { voucher: "9900000000001".into(), ..given.clone() }.check(),
            Err(LoyaltyError::IllFormed)
        );
        // Its points leave the card, once however often it is counted, and never fit a ticket.
        let earn = PointsMoved {
            card: given.card.clone(),
            kind: PointsKind::Earn,
            points: 305,
            ticket: "T-1".into(),
            node: "ab".into(),
            date: day(1),
            program: 1,
            of_items: 5,
            expires: vouchers.expiry(day(1)),
            basis_total: 30_000,
            basis_items: 1,
        };
        let spent = given.spent();
        let held_balance = balance([&earn, &spent, &spent], &[], &held, day(20));
        assert_eq!((held_balance.points, held_balance.earned, held_balance.spent), (105, 305, 200));
        let basis = TicketBasis {
            card: Some(given.card.clone()),
            date: day(10),
            total_minor: 0,
            items: 0,
            discount_minor: 1_000,
            returns: false,
        };
        assert!(!spent.fits(&basis));
    }

    #[test]
    fn program_rates() {
        let program = program();
        program.check().unwrap();
        // 189.95 for two items: 189 + 10.
        assert_eq!(program.points_earned(18_995, 2), 199);
        assert_eq!(program.points_earned(-18_995, -2), -199);
        assert_eq!(program.reward_value(200), Ok(1_000));
        assert!(matches!(program.reward_value(150), Err(LoyaltyError::NotWholeRewards { .. })));
        assert!(matches!(program.reward_value(0), Err(LoyaltyError::NotWholeRewards { .. })));
    }

    #[test]
    fn points_fit_only_the_ticket_that_moved_them() {
        use PointsKind::{Burn, Earn};
        let card = card_number(b"node", 1);
        let sale = TicketBasis {
            card: Some(card.clone()),
            date: day(0),
            total_minor: 10_000,
            items: 1,
            discount_minor: 500,
            returns: false,
        };
        let earned = moved(Earn, 100, 1, 0);
        assert!(earned.fits(&sale));
        assert!(!PointsMoved { basis_total: 99_900, ..earned.clone() }.fits(&sale), "another total than the ticket's");
        assert!(!PointsMoved { basis_items: 9, ..earned.clone() }.fits(&sale), "other items than the ticket's");
        assert!(!earned.fits(&TicketBasis { card: None, ..sale.clone() }), "a ticket without the card");
        assert!(!earned.fits(&TicketBasis { date: day(1), ..sale.clone() }), "another day");
        assert!(!earned.fits(&TicketBasis { returns: true, ..sale.clone() }), "earned on a return");
        // Spent: only on a sale with an amount off.
        let spent = moved(Burn, 100, 1, 0);
        assert!(spent.fits(&sale));
        assert!(!spent.fits(&TicketBasis { discount_minor: 0, ..sale.clone() }));
        assert!(!spent.fits(&TicketBasis { returns: true, ..sale.clone() }));
    }

    proptest! {
        /// Issue 21: any interleaving, duplication and replay of a card's facts gives the same
        /// balance.
        #[test]
        fn the_balance_is_the_same_whatever_the_order_and_repetition(
            steps in prop::collection::vec((0u8..4, 1i64..500, 0u32..400), 1..40),
            order in prop::collection::vec(any::<prop::sample::Index>(), 0..80),
            expiry in prop_oneof![Just(0u32), Just(30u32), Just(365u32)],
        ) {
            let programs = programs();
            // Earns (one in four under a program not held), spends, and returns of earlier
            // tickets.
            let mut moves = Vec::new();
            let mut returned = Vec::new();
            for (index, (kind, points, date)) in steps.iter().enumerate() {
                let ticket = index as u32 + 1;
                match kind {
                    0 => moves.push(moved_lasting(PointsKind::Earn, *points, ticket, *date, expiry)),
                    1 => moves.push(PointsMoved { program: 7, ..moved_lasting(PointsKind::Earn, *points, ticket, *date, expiry) }),
                    2 => moves.push(moved_lasting(PointsKind::Burn, *points, ticket, *date, expiry)),
                    _ => returned.push(back(ticket, (*points as u32 % ticket).max(1), *date, *points % 50, 0)),
                }
            }
            // A shuffle with duplicates: the facts as a hub, replays and retries deliver them.
            let mut delivered: Vec<PointsMoved> = order.iter().filter_map(|index| moves.get(index.index(moves.len().max(1))).cloned()).collect();
            delivered.extend(moves.iter().rev().cloned());
            let mut returned_again: Vec<Returned> = returned.iter().rev().cloned().collect();
            returned_again.extend(returned.iter().cloned());
            for on in [day(0), day(200), day(900)] {
                prop_assert_eq!(balance(&moves, &returned, &programs, on), balance(&delivered, &returned_again, &programs, on));
            }
            let whole = balance(&moves, &returned, &programs, day(900));
            prop_assert_eq!(
                whole.points,
                whole.earned - whole.spent - whole.expired,
                "points are what was earned less what was spent and what expired"
            );
            // The ledger of its lines is the same too, adds up to the balance and ends on it.
            let (again, lines) = statement(&delivered, &returned_again, &programs, day(900));
            prop_assert_eq!(again, whole);
            prop_assert_eq!(&lines, &statement(&moves, &returned, &programs, day(900)).1);
            prop_assert_eq!(lines.iter().map(|line| line.points).sum::<i64>(), whole.points);
            prop_assert_eq!(lines.last().map_or(0, |line| line.balance), whole.points);
            prop_assert!(lines.windows(2).all(|pair| pair[0].date <= pair[1].date), "lines in the order of their days");
        }
    }
}

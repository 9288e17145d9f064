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
}

impl ProgramSet {
    pub fn check(&self) -> Result<(), LoyaltyError> {
        if self.points_per_unit > RATE_MAX
            || self.points_per_item > RATE_MAX
            || !(1..=RATE_MAX).contains(&self.reward_points)
            || !(1..=AMOUNT_MAX_MINOR).contains(&self.reward_minor)
            || self.expiry_days > EXPIRY_DAYS_MAX
            || i64::from(self.risk_limit) > POINTS_MAX
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

    /// What spending `points` takes off a ticket: whole rewards only.
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
}

impl PointsKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PointsKind::Earn => "earn",
            PointsKind::Burn => "burn",
        }
    }
}

/// Points moved on a card by a ticket: earned (negative for a return) or spent. Keyed by the
/// kind and the ticket (its number and device), which only that ticket's till writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsMoved {
    pub card: String,
    pub kind: PointsKind,
    pub points: i64,
    pub ticket: String,
    /// The ticket's device (hex id).
    pub node: String,
    pub date: NaiveDate,
    /// Of an earn on a sale or a spend: the program it was made under (its stamp).
    pub program: Option<u64>,
    /// Of an earn: the part of `points` earned by the items (the rest by the amount).
    pub of_items: i64,
    /// Of an earn on a sale: the day its lot ends (none: never), fixed when it was earned.
    pub expires: Option<NaiveDate>,
    /// Of a return's negative earn: the earn it takes back (`PointsMoved::id`).
    pub takes_back: Option<String>,
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
            // Earned on a sale: under a program, a lot that ends after the day it was earned.
            PointsKind::Earn if self.points > 0 => {
                self.points <= POINTS_MAX
                    && self.program.is_some()
                    && (0..=self.points).contains(&self.of_items)
                    && self.expires.is_none_or(|until| until > self.date)
                    && self.takes_back.is_none()
            }
            // Taken back by a return: from a named earn.
            PointsKind::Earn => {
                self.points < 0
                    && self.points >= -POINTS_MAX
                    && self.program.is_none()
                    && (self.points..=0).contains(&self.of_items)
                    && self.expires.is_none()
                    && self.takes_back.as_ref().is_some_and(|id| !id.is_empty() && id.len() <= 200)
            }
            PointsKind::Burn => {
                (1..=POINTS_MAX).contains(&self.points)
                    && self.program.is_some()
                    && self.of_items == 0
                    && self.expires.is_none()
                    && self.takes_back.is_none()
            }
        };
        if !shape_ok || self.ticket.is_empty() || self.node.is_empty() {
            return Err(LoyaltyError::IllFormed);
        }
        Ok(())
    }

    /// Whether these points are what their ticket (as `basis` gives it) could move: the same card
    /// and day; spent only on a sale, for no more than its amount off; earned on a sale exactly
    /// as `program` (the one the fact names, when this node holds it) gives, or within the
    /// bounds of any program when it does not; taken back only by a return.
    pub fn fits(&self, basis: &TicketBasis, program: Option<&ProgramSet>) -> bool {
        if self.check().is_err() || basis.card.as_deref() != Some(self.card.as_str()) || basis.date != self.date {
            return false;
        }
        match (self.kind, basis.returns) {
            (PointsKind::Burn, false) => program
                .is_none_or(|program| program.reward_value(self.points).is_ok_and(|off| off <= basis.discount_minor)),
            (PointsKind::Earn, false) if self.points > 0 => match program {
                Some(program) => {
                    program.earned_parts(basis.total_minor, basis.items) == (self.points, self.of_items)
                        && program.expiry(self.date) == self.expires
                }
                None => {
                    let scale = 10i64.pow(basis.currency.exponent());
                    let rate = i64::from(RATE_MAX);
                    self.of_items <= basis.items.saturating_mul(rate)
                        && self.points - self.of_items <= (basis.total_minor / scale).saturating_mul(rate)
                }
            },
            (PointsKind::Earn, true) => self.points < 0,
            _ => false,
        }
    }
}

/// What a ticket gives to check the points it moved (`PointsMoved::fits`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketBasis {
    pub card: Option<String>,
    pub date: NaiveDate,
    pub currency: Currency,
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
            currency: ticket.currency,
            total_minor: ticket.total_minor(),
            items: ticket.lines.iter().map(|line| line.qty).fold(0i64, i64::saturating_add),
            discount_minor: ticket.lines.iter().map(|line| line.discount_minor).fold(0i64, i64::saturating_add),
            returns: ticket.returns.is_some(),
        }
    }
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

/// The number of a card: `2` (a number for use inside the company, as EAN-13 reserves), five
/// digits of the giving device, six of its own count, and the check digit.
/// How many cards one device gives (the six digits of their count).
pub const CARDS_PER_DEVICE: u32 = 999_999;

pub fn card_number(node: &[u8], sequence: u32) -> String {
    let hash = blake3::hash(node);
    let bytes = hash.as_bytes();
    let device = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) % 100_000;
    let body = format!("2{device:05}{:06}", sequence % 1_000_000);
    let digits: Vec<u8> = body.bytes().map(|byte| byte - b'0').collect();
    format!("{body}{}", crate::stock::check_digit(&digits))
}

/// Whether `text` is a card number: thirteen digits starting with 2, the last a right check digit.
pub fn card_valid(text: &str) -> bool {
    text.len() == 13
        && text.starts_with('2')
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && crate::stock::Barcode::parse(text).is_ok()
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

/// A lot of points earned on a sale: what is left of it, until when.
struct Lot {
    until: Option<NaiveDate>,
    earned: NaiveDate,
    id: String,
    left: i64,
}

/// A card's balance on `on` from its movements, whatever their order or repetition: each
/// movement counts once (by its id), in the order of their days (points earned, then taken back,
/// then spent); each sale's points are a lot that ends when its fact says; spending takes from
/// the lot that ends first, a return from the lot of the sale it takes back first; what is taken
/// beyond the lots is owed, repaid by the next points earned.
pub fn balance<'m>(moves: impl IntoIterator<Item = &'m PointsMoved>, on: NaiveDate) -> Balance {
    let mut unique: BTreeMap<(NaiveDate, u8, String), &PointsMoved> = BTreeMap::new();
    for moved in moves {
        if moved.date <= on && moved.check().is_ok() {
            let rank = match moved.kind {
                PointsKind::Earn if moved.points > 0 => 0,
                PointsKind::Earn => 1,
                PointsKind::Burn => 2,
            };
            unique.entry((moved.date, rank, moved.id())).or_insert(moved);
        }
    }
    let mut out = Balance::default();
    let mut lots: Vec<Lot> = Vec::new();
    let mut owed: i64 = 0;
    let expire = |lots: &mut Vec<Lot>, day: NaiveDate, expired: &mut i64| {
        lots.retain(|lot| {
            let ended = lot.until.is_some_and(|until| until <= day);
            if ended {
                *expired = expired.saturating_add(lot.left);
            }
            !ended
        });
    };
    for ((date, _, id), moved) in unique {
        expire(&mut lots, date, &mut out.expired);
        let mut to_take = match moved.kind {
            PointsKind::Earn if moved.points > 0 => {
                out.earned = out.earned.saturating_add(moved.points);
                let repaid = owed.min(moved.points);
                owed -= repaid;
                let left = moved.points - repaid;
                if left > 0 {
                    lots.push(Lot { until: moved.expires, earned: date, id, left });
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
            PointsKind::Earn => {
                out.earned = out.earned.saturating_add(moved.points);
                let mut to_take = moved.points.saturating_neg();
                if let Some(lot) = lots.iter_mut().find(|lot| moved.takes_back.as_ref() == Some(&lot.id)) {
                    let take = lot.left.min(to_take);
                    lot.left -= take;
                    to_take -= take;
                }
                to_take
            }
            PointsKind::Burn => {
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
    }
    expire(&mut lots, on, &mut out.expired);
    out.points = lots.iter().map(|lot| lot.left).fold(0i64, i64::saturating_add).saturating_sub(owed);
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(u64::from(d))
    }

    /// Points moved by ticket `ticket` on day `date`; earned points last `expiry` days (0: for
    /// ever); a negative earn takes back ticket 1's.
    fn moved_lasting(kind: PointsKind, points: i64, ticket: u32, date: u32, expiry: u32) -> PointsMoved {
        let sale = kind == PointsKind::Earn && points > 0;
        PointsMoved {
            card: card_number(b"node", 1),
            kind,
            points,
            ticket: format!("GE1-1-{ticket:06}"),
            node: "ab".into(),
            date: day(date),
            program: (kind == PointsKind::Burn || sale).then_some(1),
            of_items: 0,
            expires: (sale && expiry > 0).then(|| day(date + expiry)),
            takes_back: (!sale && kind == PointsKind::Earn).then(|| "earn-ab-GE1-1-000001".to_owned()),
        }
    }

    fn moved(kind: PointsKind, points: i64, ticket: u32, date: u32) -> PointsMoved {
        moved_lasting(kind, points, ticket, date, 365)
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
        let moves = [moved(Earn, 100, 1, 0), moved(Earn, 50, 2, 10), moved(Burn, 120, 3, 20)];
        // The 120 spent take the first lot's 100 and 20 of the second.
        assert_eq!(balance(&moves, day(30)), Balance { points: 30, earned: 150, spent: 120, expired: 0 });
        // A year after the second lot, its 30 left expire.
        assert_eq!(balance(&moves, day(375)).points, 0);
        assert_eq!(balance(&moves, day(375)).expired, 30);
        // Spent in two stores apart: the card owes, and the next points repay it first.
        let owing =
            [moved_lasting(Earn, 100, 1, 0, 0), moved_lasting(Burn, 100, 2, 5, 0), moved_lasting(Burn, 100, 3, 5, 0)];
        assert_eq!(balance(&owing, day(6)).points, -100);
        let repaid = [owing.as_slice(), &[moved(Earn, 130, 4, 8)]].concat();
        assert_eq!(balance(&repaid, day(9)).points, 30);
        // A return takes its points back.
        let returned = [moved(Earn, 100, 1, 0), moved(Earn, -40, 2, 1)];
        assert_eq!(balance(&returned, day(2)).points, 60);
        // A movement dated after the day asked is not counted yet.
        assert_eq!(balance(&moves, day(5)).points, 100);
    }

    #[test]
    fn each_lot_keeps_the_expiry_it_was_earned_with_and_returns_take_from_their_own_lot() {
        use PointsKind::{Burn, Earn};
        // Ticket 1's 100 points last 30 days, ticket 2's (under a later program) 365.
        let first = moved_lasting(Earn, 100, 1, 0, 30);
        let second = moved_lasting(Earn, 100, 2, 1, 365);
        assert_eq!(balance([&first, &second], day(31)), Balance { points: 100, earned: 200, spent: 0, expired: 100 });
        // Spending takes from the lot that ends first.
        let spent = moved_lasting(Burn, 60, 3, 2, 0);
        assert_eq!(balance([&second, &spent, &first], day(31)).expired, 40);
        // A return of ticket 1 takes from ticket 1's lot, not from the later one: nothing of
        // the lasting lot goes.
        let back = moved_lasting(Earn, -100, 4, 2, 0);
        let with_return = balance([&first, &second, &back], day(40));
        assert_eq!((with_return.points, with_return.expired), (100, 0));
        // Ill-formed movements count for nothing: an earn with no program, a return naming nothing.
        let mut no_program = moved(Earn, 500, 5, 0);
        no_program.program = None;
        let mut naming_nothing = moved(Earn, -500, 6, 0);
        naming_nothing.takes_back = None;
        assert_eq!(balance([&first, &no_program, &naming_nothing], day(1)).points, 100);
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
        }
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
        let program = ProgramSet { risk_limit: 0, ..program() };
        let card = card_number(b"node", 1);
        let sale = TicketBasis {
            card: Some(card.clone()),
            date: day(0),
            currency: Currency::CHF,
            total_minor: 18_995,
            items: 2,
            discount_minor: 500,
            returns: false,
        };
        let mut earned = moved(Earn, 199, 1, 0);
        earned.of_items = 10;
        assert!(earned.fits(&sale, Some(&program)));
        assert!(earned.fits(&sale, None), "within any program's bounds");
        let more = PointsMoved { points: 1_999, ..earned.clone() };
        assert!(!more.fits(&sale, Some(&program)), "more than the program gives");
        let later = PointsMoved { expires: Some(day(999)), ..earned.clone() };
        assert!(!later.fits(&sale, Some(&program)), "a lot that lasts longer than the program says");
        let huge = PointsMoved { points: 5_000_000, ..earned.clone() };
        assert!(!huge.fits(&sale, None), "beyond what any program could give 189.95");
        assert!(!earned.fits(&TicketBasis { card: None, ..sale.clone() }, Some(&program)), "a ticket without the card");
        assert!(!earned.fits(&TicketBasis { date: day(1), ..sale.clone() }, Some(&program)), "another day");
        assert!(!earned.fits(&TicketBasis { returns: true, ..sale.clone() }, Some(&program)), "earned on a return");
        // Spent: no more than the ticket's amount off.
        let spent = moved(Burn, 100, 1, 0);
        assert!(spent.fits(&sale, Some(&program)));
        assert!(!PointsMoved { points: 200, ..spent.clone() }.fits(&sale, Some(&program)));
        assert!(!spent.fits(&TicketBasis { returns: true, ..sale.clone() }, Some(&program)));
        // Taken back: only by a return.
        let back = moved(Earn, -100, 2, 0);
        assert!(back.fits(&TicketBasis { returns: true, ..sale.clone() }, None));
        assert!(!back.fits(&sale, None));
    }

    proptest! {
        /// Issue 21: any interleaving, duplication and replay of a card's facts gives the same
        /// balance.
        #[test]
        fn the_balance_is_the_same_whatever_the_order_and_repetition(
            steps in prop::collection::vec((any::<bool>(), 1i64..500, 0u32..400), 1..40),
            order in prop::collection::vec(any::<prop::sample::Index>(), 0..80),
            expiry in prop_oneof![Just(0u32), 1u32..400],
        ) {
            let moves: Vec<PointsMoved> = steps
                .iter()
                .enumerate()
                .map(|(index, (earn, points, date))| {
                    let kind = if *earn { PointsKind::Earn } else { PointsKind::Burn };
                    moved_lasting(kind, *points, index as u32 + 1, *date, expiry)
                })
                .collect();
            // A shuffle with duplicates: the facts as a hub, replays and retries deliver them.
            let mut delivered: Vec<PointsMoved> = order.iter().map(|index| moves[index.index(moves.len())].clone()).collect();
            delivered.extend(moves.iter().rev().cloned());
            for on in [day(0), day(200), day(900)] {
                prop_assert_eq!(balance(&moves, on), balance(&delivered, on));
            }
            let whole = balance(&moves, day(900));
            prop_assert_eq!(
                whole.points,
                whole.earned - whole.spent - whole.expired,
                "points are what was earned less what was spent and what expired"
            );
        }
    }
}

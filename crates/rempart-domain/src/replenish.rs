//! Replenishment (issue 22): how much of a SKU a store should be sent, from its own sales.
//!
//! Everything here is integer arithmetic on whole units and thousandths, with no floating point
//! and no clock: the same sales, stock and settings give the same levels and proposals on any
//! node, in any order they were gathered.
//!
//! For one location × SKU, over a window of days (28 by default) ending on the day asked:
//! - **demand**: the units sold (less those returned) on the days the SKU was in stock there (a
//!   day it was out of stock and sold nothing says nothing of demand, and is left out): their
//!   number `n`, sum `S` and sum of squares `Q`; the rate is `S / n` units a day;
//! - **safety stock**, one of two settings: a service level `z` (in thousandths, 1,645 for about
//!   95 %) against the variability of daily sales over the lead time `L`,
//!   `ceil(z × σ × √L)` with `σ² = (n·Q − S²) / (n·(n − 1))` (none under two days); or days of
//!   cover `C`, `ceil(S × C / n)`;
//! - **reorder point** `ceil(S × L / n) + safety`; **order-up-to level**
//!   `ceil(S × (L + R) / n) + safety`, `R` the days between two reviews (7: weekly);
//! - **inventory position**: on hand + in transit + ordered − reserved;
//! - a **proposal** when the position is below the reorder point: up to the order-up-to level,
//!   rounded up to whole packs;
//! - when the warehouse holds less than the stores ask, a **fair share** by demand: each store
//!   its share of what is there in proportion to its rate (whole packs, never more than it
//!   asked), the packs left over one by one by the largest remainders, ties by the store's code.
//!
//! A warehouse is replenished the same way from its suppliers: its demand is what it sent to the
//! stores (transfers out) on the days it had the SKU, its position counts what is ordered and
//! not yet delivered (`PurchaseOrdered`, less the receipts that name the order), and nothing is
//! shared: a supplier is asked for all that is proposed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Currency;
use crate::facts::{Described, FactKind, Merge};
use crate::stock::{ReceivedLine, StockError};

/// The bound of the days a window, a lead time or a review spans.
pub const DAYS_MAX: u32 = 3_650;

/// What a replenishment is computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The days of sales the demand is read from.
    pub window_days: u32,
    /// From a proposal to the goods on the shelf.
    pub lead_time_days: u32,
    /// Between two reviews (7: weekly).
    pub review_days: u32,
    pub safety: Safety,
    /// Proposals are whole packs of this many units.
    pub pack: i64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            window_days: 28,
            lead_time_days: 2,
            review_days: 7,
            safety: Safety::Service { z_milli: 1_645 },
            pack: 1,
        }
    }
}

/// How the safety stock is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Safety {
    /// `z` (thousandths) standard deviations of the demand over the lead time.
    Service { z_milli: u32 },
    /// So many days of average demand.
    DaysOfCover(u32),
}

/// One day of a location × SKU in the window: the units sold that day less those returned, and
/// whether the SKU was in stock there (on hand at the day's start, or sold that day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub sold: i64,
    pub in_stock: bool,
}

/// The demand read from the days in stock: how many, the units sold, the sum of their squares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Demand {
    pub days: i64,
    pub sold: i64,
    pub squares: i128,
}

impl Demand {
    /// The demand of `days`, counting only those in stock.
    pub fn of(days: &[Day]) -> Demand {
        days.iter().filter(|day| day.in_stock).fold(Demand::default(), |demand, day| Demand {
            days: demand.days + 1,
            sold: demand.sold.saturating_add(day.sold),
            squares: demand.squares.saturating_add(i128::from(day.sold) * i128::from(day.sold)),
        })
    }

    /// Units a day, in thousandths (rounded down): what a fair share weighs stores by.
    pub fn rate_milli(&self) -> i64 {
        if self.days == 0 { 0 } else { (self.sold.max(0).saturating_mul(1_000)) / self.days }
    }

    /// The demand over `days` days: `ceil(S × days / n)`, none when nothing sold.
    fn over(&self, days: u32) -> i64 {
        if self.days == 0 || self.sold <= 0 {
            return 0;
        }
        ceil_div(i128::from(self.sold) * i128::from(days), i128::from(self.days))
    }
}

/// The levels of a location × SKU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Levels {
    pub safety: i64,
    pub reorder_point: i64,
    pub order_up_to: i64,
}

/// The safety stock, reorder point and order-up-to level of `demand` under `policy`.
pub fn levels(demand: &Demand, policy: &Policy) -> Levels {
    let safety = match policy.safety {
        Safety::DaysOfCover(days) => demand.over(days),
        Safety::Service { z_milli } => {
            // z·σ·√L = √(z² · σ² · L), σ² = (n·Q − S²) / (n·(n − 1)), z in thousandths.
            let n = i128::from(demand.days);
            if n < 2 || demand.sold <= 0 {
                0
            } else {
                let spread = (n * demand.squares - i128::from(demand.sold) * i128::from(demand.sold)).max(0);
                let z = i128::from(z_milli);
                let numerator = spread.saturating_mul(z * z).saturating_mul(i128::from(policy.lead_time_days));
                let denominator = n * (n - 1) * 1_000_000;
                ceil_sqrt_of_ratio(numerator, denominator)
            }
        }
    };
    Levels {
        safety,
        reorder_point: demand.over(policy.lead_time_days).saturating_add(safety),
        order_up_to: demand.over(policy.lead_time_days.saturating_add(policy.review_days)).saturating_add(safety),
    }
}

/// Where a location × SKU stands: on hand (negative when sold offline beyond what was known),
/// in transit towards it, ordered and not yet sent, and reserved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    pub on_hand: i64,
    pub in_transit: i64,
    pub ordered: i64,
    pub reserved: i64,
}

impl Position {
    pub fn inventory(&self) -> i64 {
        self.on_hand.saturating_add(self.in_transit).saturating_add(self.ordered).saturating_sub(self.reserved)
    }
}

/// What to send: none unless the position is below the reorder point; then up to the
/// order-up-to level, in whole packs (rounded up).
pub fn proposal(levels: &Levels, position: &Position, pack: i64) -> i64 {
    let inventory = position.inventory();
    if inventory >= levels.reorder_point {
        return 0;
    }
    let wanted = levels.order_up_to.saturating_sub(inventory).max(0);
    let pack = pack.max(1);
    ceil_div(i128::from(wanted), i128::from(pack)).saturating_mul(pack)
}

/// One store's ask of the warehouse, for a fair share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    pub location: String,
    /// Units asked, whole packs.
    pub asked: i64,
    /// Units a day, in thousandths (`Demand::rate_milli`).
    pub rate_milli: i64,
}

/// What each ask gets of `available` units, in the asks' order: all it asked when there is
/// enough; otherwise shares in proportion to the rates, in whole packs, never more than asked
/// (a store whose share would pass its ask gets its ask, and the rest is shared again among the
/// others), the packs left over given one by one to the largest remainders (then the lowest
/// location code). Stores that sold nothing share by what they asked when none sold anything.
pub fn fair_share(available: i64, asks: &[Ask], pack: i64) -> Vec<i64> {
    let pack = pack.max(1);
    let total: i64 = asks.iter().map(|ask| ask.asked.max(0)).fold(0, i64::saturating_add);
    if total <= available.max(0) {
        return asks.iter().map(|ask| ask.asked.max(0)).collect();
    }
    let packs_there = i128::from(available.max(0) / pack);
    let weights: Vec<i128> = if asks.iter().any(|ask| ask.rate_milli > 0 && ask.asked > 0) {
        asks.iter().map(|ask| if ask.asked > 0 { i128::from(ask.rate_milli.max(0)) } else { 0 }).collect()
    } else {
        asks.iter().map(|ask| i128::from(ask.asked.max(0))).collect()
    };
    let cap = |index: usize| i128::from(asks[index].asked.max(0) / pack);
    // Stores whose share passes their ask get their ask, until no share does.
    let mut capped = vec![false; asks.len()];
    let (remaining, weight_sum) = loop {
        let given: i128 = (0..asks.len()).filter(|index| capped[*index]).map(cap).sum();
        let remaining = packs_there - given;
        let weight_sum: i128 = (0..asks.len()).filter(|index| !capped[*index]).map(|index| weights[index]).sum();
        let over: Vec<usize> = (0..asks.len())
            .filter(|index| {
                !capped[*index] && weight_sum > 0 && remaining * weights[*index] >= cap(*index) * weight_sum
            })
            .collect();
        if over.is_empty() {
            break (remaining, weight_sum.max(1));
        }
        for index in over {
            capped[index] = true;
        }
    };
    let mut given: Vec<i128> = Vec::with_capacity(asks.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(asks.len());
    for index in 0..asks.len() {
        if capped[index] {
            given.push(cap(index));
            remainders.push((-1, index));
        } else {
            let exact = remaining * weights[index];
            given.push(exact / weight_sum);
            remainders.push((exact % weight_sum, index));
        }
    }
    let mut left = packs_there - given.iter().sum::<i128>();
    // Largest remainder first; ties by location code.
    remainders
        .sort_by(|(a, i), (b, j)| b.cmp(a).then_with(|| asks[*i].location.cmp(&asks[*j].location)).then(i.cmp(j)));
    while left > 0 {
        let mut gave = false;
        for (_, index) in &remainders {
            if left > 0 && given[*index] < cap(*index) {
                given[*index] += 1;
                left -= 1;
                gave = true;
            }
        }
        if !gave {
            break;
        }
    }
    given.into_iter().map(|packs| i64::try_from(packs).unwrap_or(i64::MAX / pack) * pack).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplenishError {
    #[error("\"{text}\" is not a proposal: LOCATION:SKU")]
    BadPick { text: String },
    #[error("nothing is proposed for {sku} at {location} on this day")]
    NotProposed { location: String, sku: String },
    #[error("{location} is not a warehouse: purchase orders are delivered to warehouses")]
    NotAWarehouse { location: String },
    #[error("no contact has the id {supplier}: a supplier is a contact")]
    UnknownSupplier { supplier: String },
    #[error("no purchase order has the number {order}")]
    UnknownOrder { order: String },
    #[error("\"{text}\" is not a purchase order's number: PO- and ten capital hex digits")]
    BadOrderNumber { text: String },
    #[error("{sku} is not on the purchase order {order}")]
    NotOrdered { order: String, sku: String },
    #[error("everything on the purchase order {order} was delivered")]
    NothingToReceive { order: String },
    #[error("{sku} was never received, so it has no cost to order it at: give the cost")]
    CostUnknown { sku: String },
    #[error("a SKU is listed twice: {sku}")]
    SkuTwice { sku: String },
    #[error("\"{text}\" is not an order's line: SKU=QTY@COST (or SKU=QTY for a delivery)")]
    BadOrderLine { text: String },
    #[error("goods were sent or ordered on {latest}, after {date}: approve the proposals of that day or later")]
    LaterSent { date: NaiveDate, latest: NaiveDate },
    #[error(transparent)]
    Lines(StockError),
}

/// A purchase order to a supplier, delivered to a warehouse: the units of each SKU asked for,
/// at their unit cost. The goods come in as receipts naming it (`StockReceived::order`); what
/// is ordered and not received counts in the warehouse's inventory position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrdered {
    /// Its number: `PO-` and ten random capital hex digits, so that two devices apart never give
    /// the same.
    pub order: String,
    pub date: NaiveDate,
    /// The supplier: a contact's id.
    pub supplier: String,
    /// The warehouse it is delivered to.
    pub location: String,
    pub lines: Vec<ReceivedLine>,
    pub currency: Currency,
}

impl PurchaseOrdered {
    pub fn check(&self) -> Result<(), ReplenishError> {
        if !order_number_ok(&self.order) {
            return Err(ReplenishError::BadOrderNumber { text: self.order.chars().take(32).collect() });
        }
        crate::stock::check_received(&self.lines, self.currency).map_err(ReplenishError::Lines)?;
        let mut seen = std::collections::BTreeSet::new();
        if let Some(line) = self.lines.iter().find(|line| !seen.insert(line.sku.as_str())) {
            return Err(ReplenishError::SkuTwice { sku: line.sku.clone() });
        }
        Ok(())
    }
}

/// Whether `text` has the shape of a purchase order's number (`PO-` and ten capital hex digits).
pub fn order_number_ok(text: &str) -> bool {
    text.strip_prefix("PO-")
        .is_some_and(|hex| hex.len() == 10 && hex.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)))
}

impl FactKind for PurchaseOrdered {
    const KIND: &'static str = "purchase.ordered";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        // Keyed by its own number (random); the quantities received against it add up.
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.purchase_ordered").text("order", &self.order).date("date", self.date)
    }
}

/// Reads a proposal named as `LOCATION:SKU` (as typed: spaces around left out, codes upper case).
pub fn parse_pick(text: &str) -> Result<(String, String), ReplenishError> {
    let bad = || ReplenishError::BadPick { text: text.trim().chars().take(64).collect() };
    let (location, sku) = text.split_once(':').ok_or_else(bad)?;
    let (location, sku) = (location.trim().to_uppercase(), sku.trim().to_uppercase());
    if location.is_empty() || sku.is_empty() {
        return Err(bad());
    }
    Ok((location, sku))
}

/// `ceil(a / b)` for `b > 0`, as an `i64` (saturating).
fn ceil_div(a: i128, b: i128) -> i64 {
    let quotient = a.div_euclid(b) + i128::from(a.rem_euclid(b) != 0);
    i64::try_from(quotient).unwrap_or(if quotient < 0 { i64::MIN } else { i64::MAX })
}

/// The smallest `k ≥ 0` with `k² × denominator ≥ numerator` (`ceil(√(numerator / denominator))`).
fn ceil_sqrt_of_ratio(numerator: i128, denominator: i128) -> i64 {
    if numerator <= 0 {
        return 0;
    }
    let numerator = numerator as u128;
    let denominator = denominator.max(1) as u128;
    let mut k = (numerator / denominator).isqrt();
    while k.saturating_mul(k).saturating_mul(denominator) < numerator {
        k += 1;
    }
    i64::try_from(k).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn days(sold: &[(i64, bool)]) -> Vec<Day> {
        sold.iter().map(|(sold, in_stock)| Day { sold: *sold, in_stock: *in_stock }).collect()
    }

    /// Worked by hand: 4, 6, 5, 5 units on four days in stock, a fifth day out of stock with
    /// nothing sold (left out): n = 4, S = 20, Q = 102, 5 a day; σ² = (4·102 − 400) / 12 = 2/3.
    /// With z = 1.645 and L = 2: z·σ·√L = 1.645 × √(4/3) = 1.8995…, so 2 units of safety; the
    /// reorder point 5 × 2 + 2 = 12, the order-up-to level 5 × 9 + 2 = 47.
    #[test]
    fn levels_from_the_days_in_stock_only() {
        let demand = Demand::of(&days(&[(4, true), (6, true), (0, false), (5, true), (5, true)]));
        assert_eq!(demand, Demand { days: 4, sold: 20, squares: 102 });
        assert_eq!(demand.rate_milli(), 5_000);
        let policy = Policy::default();
        assert_eq!(levels(&demand, &policy), Levels { safety: 2, reorder_point: 12, order_up_to: 47 });
        // Counted as a day of no demand, the stock-out day would lower the rate to 4 a day.
        let counted = Demand::of(&days(&[(4, true), (6, true), (0, true), (5, true), (5, true)]));
        assert_eq!(counted.rate_milli(), 4_000);
        // Three days of cover: 15 units of safety; reorder point 25, order-up-to 60.
        let cover = Policy { safety: Safety::DaysOfCover(3), ..policy };
        assert_eq!(levels(&demand, &cover), Levels { safety: 15, reorder_point: 25, order_up_to: 60 });
        // Nothing sold, or one day only: no safety stock, nothing to reorder.
        assert_eq!(levels(&Demand::default(), &policy), Levels::default());
        assert_eq!(levels(&Demand::of(&days(&[(7, true)])), &policy).safety, 0);
    }

    /// Below the reorder point a proposal fills up to the order-up-to level, in whole packs
    /// rounded up; at or above it, none. Stock sold below zero offline counts as it is.
    #[test]
    fn proposals_fill_to_the_level_in_whole_packs() {
        let levels = Levels { safety: 2, reorder_point: 12, order_up_to: 47 };
        let at = |on_hand, in_transit, ordered, reserved| Position { on_hand, in_transit, ordered, reserved };
        assert_eq!(proposal(&levels, &at(12, 0, 0, 0), 6), 0);
        assert_eq!(proposal(&levels, &at(5, 4, 2, 0), 1), 36);
        // 36 wanted in packs of 6 is 36; in packs of 10, 40.
        assert_eq!(proposal(&levels, &at(5, 4, 2, 0), 6), 36);
        assert_eq!(proposal(&levels, &at(5, 4, 2, 0), 10), 40);
        // Reserved units are not there to sell; stock below zero asks for more.
        assert_eq!(proposal(&levels, &at(14, 0, 0, 3), 1), 36);
        assert_eq!(proposal(&levels, &at(-3, 0, 0, 0), 5), 50);
    }

    /// The warehouse holds 50 units, in packs of 5, for three stores asking 40, 30 and 20: 10
    /// packs shared by rates 6, 3 and 1 a day are 6, 3 and 1 packs; capped at what a store asked,
    /// what it leaves goes to the others by the largest remainders.
    #[test]
    fn a_short_warehouse_shares_by_demand() {
        let ask = |location: &str, asked, rate| Ask { location: location.into(), asked, rate_milli: rate };
        let asks = [ask("GE1", 40, 6_000), ask("LS1", 30, 3_000), ask("VD1", 20, 1_000)];
        assert_eq!(fair_share(50, &asks, 5), vec![30, 15, 5]);
        // Enough for all: each its ask.
        assert_eq!(fair_share(90, &asks, 5), vec![40, 30, 20]);
        // 7 packs: 4.2, 2.1, 0.7 give 4, 2, 0 and the last pack to VD1's remainder of 0.7.
        assert_eq!(fair_share(35, &asks, 5), vec![20, 10, 5]);
        // A store asking little is capped, its share going to the others.
        let capped = [ask("GE1", 5, 6_000), ask("LS1", 30, 3_000), ask("VD1", 20, 1_000)];
        assert_eq!(fair_share(40, &capped, 5), vec![5, 25, 10]);
        // Nothing there: nothing given.
        assert_eq!(fair_share(0, &asks, 5), vec![0, 0, 0]);
    }

    proptest! {
        /// Whatever the asks and what the warehouse holds: never more than there is, nor than a
        /// store asked, whole packs only, all of it given out when the asks exceed it (to the
        /// pack), and the same shares whatever the order of the asks.
        #[test]
        fn a_fair_share_gives_out_what_is_there_whatever_the_order(
            available in 0i64..500,
            pack in 1i64..7,
            asks in proptest::collection::vec((0i64..20, 0i64..20_000), 1..8),
            rotate in 0usize..8,
        ) {
            let asks: Vec<Ask> = asks
                .iter()
                .enumerate()
                .map(|(index, (packs, rate))| Ask { location: format!("S{index:02}"), asked: packs * pack, rate_milli: *rate })
                .collect();
            let given = fair_share(available, &asks, pack);
            let total: i64 = given.iter().sum();
            let asked: i64 = asks.iter().map(|ask| ask.asked).sum();
            prop_assert!(total <= available);
            prop_assert_eq!(total, asked.min(available / pack * pack));
            for (ask, got) in asks.iter().zip(&given) {
                prop_assert!(*got <= ask.asked && got % pack == 0);
            }
            let mut turned = asks.clone();
            turned.rotate_left(rotate % asks.len());
            let again = fair_share(available, &turned, pack);
            for (ask, got) in turned.iter().zip(&again) {
                let before = asks.iter().position(|other| other.location == ask.location).unwrap();
                prop_assert_eq!(*got, given[before]);
            }
        }
    }
}

//! Replenishment (`replenish`, issue 22): what each store should be sent, computed from the
//! facts this node holds and a date (`rempart_domain::replenish` for the formula).

use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_domain::replenish::{DAYS_MAX, Policy, ReplenishError, Safety, parse_pick};
use rempart_domain::stock::ReceivedLine;
use rempart_reports::render::Format;
use rempart_store::Store;

use super::common::{date_arg, locale_of, today};
use crate::command_error::CommandError;
use crate::i18n::Lang;

#[derive(Subcommand)]
pub(crate) enum ReplenishCommand {
    /// The proposals for every store (or one) on a day: demand over the days in stock, safety
    /// stock, reorder point, order-up-to level, what to send in whole packs, shared fairly when
    /// the warehouses hold less than asked.
    Propose {
        /// One store only
        #[arg(long)]
        location: Option<String>,
        /// On this day (its end) [default: today]
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        policy: PolicyArgs,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Send what is proposed (all, or the LOCATION:SKU given) as transfers from the warehouses;
    /// prints each transfer's number.
    Approve {
        /// Proposals to approve, as LOCATION:SKU [default: all]
        picks: Vec<String>,
        /// The day of the proposals and of the transfers [default: today]
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// The warehouse's picking list: the transfers sent from it that have not arrived, line by
    /// line in SKU order.
    Picking {
        /// The warehouse [default: every location]
        #[arg(long)]
        location: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// Purchase orders: what the warehouses should order from their suppliers, the orders, their
/// deliveries.
#[derive(Subcommand)]
pub(crate) enum PurchaseCommand {
    /// The warehouses' proposals on a day: demand from what each sent to the stores on the days
    /// it had the SKU, what is ordered and not delivered counted in its position.
    Propose {
        /// One warehouse only
        #[arg(long)]
        location: Option<String>,
        /// On this day (its end) [default: today]
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        policy: PolicyArgs,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Order what is proposed (all, or the LOCATION:SKU given) from a supplier, one order per
    /// warehouse, each SKU at its weighted average cost; prints each order's number.
    Approve {
        /// Proposals to order, as LOCATION:SKU [default: all]
        picks: Vec<String>,
        /// The supplier: a contact's id
        #[arg(long)]
        supplier: String,
        /// The day of the proposals and of the orders [default: today]
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Record a purchase order typed line by line; prints its number.
    Order {
        /// The supplier: a contact's id
        #[arg(long)]
        supplier: String,
        /// The warehouse it is delivered to
        #[arg(long)]
        location: String,
        /// SKU=QTY@COST, the net cost of one unit (repeat for each SKU)
        #[arg(long = "line", required = true)]
        lines: Vec<String>,
        /// The order's day [default: today]
        #[arg(long)]
        date: Option<String>,
    },
    /// Record the delivery of a purchase order at its warehouse: all that is still to come, or
    /// the lines given; each unit at the order's cost.
    Receive {
        /// The order's number (PO-…)
        order: String,
        /// SKU=QTY, what came of a SKU (repeat) [default: everything still to come]
        #[arg(long = "line")]
        lines: Vec<String>,
        /// The supplier's delivery note
        #[arg(long)]
        reference: Option<String>,
        /// The delivery's day [default: today]
        #[arg(long)]
        date: Option<String>,
    },
    /// The purchase orders, line by line: ordered, delivered, still to come.
    List {
        /// Only those with something still to come
        #[arg(long)]
        open: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// The settings a replenishment is computed with.
#[derive(clap::Args)]
pub(crate) struct PolicyArgs {
    /// The days of sales the demand is read from
    #[arg(long, default_value_t = 28)]
    window_days: u32,
    /// Days from a proposal to the goods on the shelf
    #[arg(long, default_value_t = 2)]
    lead_time_days: u32,
    /// Days between two reviews (7: weekly)
    #[arg(long, default_value_t = 7)]
    review_days: u32,
    /// Safety stock for this service level, in standard deviations (1.645 for about 95 %)
    #[arg(long, default_value = "1.645")]
    service: String,
    /// Safety stock as so many days of demand, instead of a service level
    #[arg(long)]
    cover_days: Option<u32>,
    /// Proposals in whole packs of this many units
    #[arg(long, default_value_t = 1)]
    pack: i64,
}

impl PolicyArgs {
    fn policy(&self) -> Result<Policy, CommandError> {
        let safety = match self.cover_days {
            Some(days) => Safety::DaysOfCover(days),
            None => Safety::Service { z_milli: z_milli(&self.service)? },
        };
        let in_bounds = (1..=DAYS_MAX).contains(&self.window_days)
            && self.lead_time_days <= DAYS_MAX
            && self.review_days <= DAYS_MAX
            && self.cover_days.is_none_or(|days| days <= DAYS_MAX)
            && (1..=1_000_000).contains(&self.pack);
        if !in_bounds {
            return Err(CommandError::ReplenishPolicy);
        }
        Ok(Policy {
            window_days: self.window_days,
            lead_time_days: self.lead_time_days,
            review_days: self.review_days,
            safety,
            pack: self.pack,
        })
    }
}

/// Runs a `replenish` command.
pub(crate) fn replenish(dir: &Path, lang: Lang, command: ReplenishCommand) -> Result<()> {
    let mut store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    match command {
        ReplenishCommand::Propose { location, date, policy, format } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let policy = policy.policy()?;
            let location = location.map(|code| code.trim().to_uppercase());
            let report = rempart_reports::replenishment(&store, lang, locale, location.as_deref(), date, &policy)?;
            print!("{}", report.render(format, locale)?);
        }
        ReplenishCommand::Picking { location, format } => {
            let location = location.map(|code| code.trim().to_uppercase());
            let report = rempart_reports::picking(&store, lang, location.as_deref())?;
            print!("{}", report.render(format, locale)?);
        }
        ReplenishCommand::Approve { picks, date, policy } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let policy = policy.policy()?;
            let picks = picks.iter().map(|text| parse_pick(text)).collect::<Result<Vec<_>, _>>()?;
            let sent = store.approve_replenishment(&picks, date, &policy)?;
            if sent.is_empty() {
                println!("{}", lang.text("replenish.nothing_sent"));
            }
            for transfer in sent {
                let units: i64 = transfer.lines.iter().map(|line| line.qty).sum();
                println!(
                    "{}",
                    lang.fill(
                        "replenish.sent",
                        &[
                            ("transfer", &transfer.transfer),
                            ("from", &transfer.from),
                            ("to", &transfer.to),
                            ("units", &units),
                            ("lines", &transfer.lines.len()),
                        ]
                    )
                );
            }
        }
    }
    Ok(())
}

/// Runs a `purchase` command.
pub(crate) fn purchase(dir: &Path, lang: Lang, command: PurchaseCommand) -> Result<()> {
    let mut store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    let currency = store.company()?.currency;
    let print_order = |order: &rempart_domain::replenish::PurchaseOrdered| {
        let units: i64 = order.lines.iter().map(|line| line.qty).sum();
        println!(
            "{}",
            lang.fill(
                "purchase.ordered",
                &[
                    ("order", &order.order),
                    ("supplier", &order.supplier),
                    ("location", &order.location),
                    ("lines", &order.lines.len()),
                    ("units", &units),
                ]
            )
        );
    };
    match command {
        PurchaseCommand::Propose { location, date, policy, format } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let policy = policy.policy()?;
            let location = location.map(|code| code.trim().to_uppercase());
            let report = rempart_reports::purchase_proposals(&store, lang, locale, location.as_deref(), date, &policy)?;
            print!("{}", report.render(format, locale)?);
        }
        PurchaseCommand::Approve { picks, supplier, date, policy } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let policy = policy.policy()?;
            let picks = picks.iter().map(|text| parse_pick(text)).collect::<Result<Vec<_>, _>>()?;
            let orders = store.approve_purchases(&supplier, &picks, date, &policy)?;
            if orders.is_empty() {
                println!("{}", lang.text("purchase.nothing_ordered"));
            }
            for order in &orders {
                print_order(order);
            }
        }
        PurchaseCommand::Order { supplier, location, lines, date } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let lines = lines
                .iter()
                .map(|text| {
                    let (sku, qty, cost) = order_line(text)?;
                    let cost = cost.ok_or_else(|| ReplenishError::BadOrderLine { text: text.clone() })?;
                    Ok(ReceivedLine { sku, qty, unit_cost_minor: locale.read_amount(cost, currency)? })
                })
                .collect::<Result<Vec<_>>>()?;
            let order = store.order_purchase(&supplier, &location, date, lines)?;
            print_order(&order);
            println!("{}", order.order);
        }
        PurchaseCommand::Receive { order, lines, reference, date } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let lines = lines
                .iter()
                .map(|text| match order_line(text)? {
                    (sku, qty, None) => Ok((sku, qty)),
                    _ => Err(ReplenishError::BadOrderLine { text: text.clone() }),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let given = (!lines.is_empty()).then_some(lines.as_slice());
            let receipt = store.receive_purchase(&order, date, given, reference)?;
            let units: i64 = receipt.lines.iter().map(|line| line.qty).sum();
            println!(
                "{}",
                lang.fill(
                    "purchase.received",
                    &[("order", &order.trim().to_uppercase()), ("units", &units), ("location", &receipt.location)]
                )
            );
        }
        PurchaseCommand::List { open, format } => {
            let report = rempart_reports::purchase_orders(&store, lang, open)?;
            print!("{}", report.render(format, locale)?);
        }
    }
    Ok(())
}

/// Reads `SKU=QTY` or `SKU=QTY@COST` (the cost as typed, read in the company's locale after).
fn order_line(text: &str) -> Result<(String, i64, Option<&str>), ReplenishError> {
    let bad = || ReplenishError::BadOrderLine { text: text.trim().chars().take(64).collect() };
    let (sku, rest) = text.split_once('=').ok_or_else(bad)?;
    let (qty, cost) = match rest.split_once('@') {
        Some((qty, cost)) => (qty, Some(cost.trim())),
        None => (rest, None),
    };
    let qty: i64 = qty.trim().parse().map_err(|_| bad())?;
    let sku = sku.trim().to_uppercase();
    if sku.is_empty() || qty <= 0 {
        return Err(bad());
    }
    Ok((sku, qty, cost))
}

/// A service level as typed (`1.645`), in thousandths: digits, at most three after the point.
fn z_milli(text: &str) -> Result<u32, CommandError> {
    let bad = || CommandError::ServiceLevel { text: text.trim().chars().take(16).collect() };
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty() || fraction.len() > 3 || !(whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    let whole: u32 = whole.parse().map_err(|_| bad())?;
    let fraction: u32 = format!("{fraction:0<3}").parse().map_err(|_| bad())?;
    let z = whole.checked_mul(1_000).and_then(|z| z.checked_add(fraction)).ok_or_else(bad)?;
    if z > 10_000 {
        return Err(bad());
    }
    Ok(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_lines_are_read_or_refused() {
        assert_eq!(order_line(" jkt-m = 12@45.50 ").unwrap(), ("JKT-M".to_owned(), 12, Some("45.50")));
        assert_eq!(order_line("JKT-M=3").unwrap(), ("JKT-M".to_owned(), 3, None));
        for bad in ["", "JKT-M", "=3", "JKT-M=0", "JKT-M=-2@1", "JKT-M=x@1"] {
            assert!(matches!(order_line(bad), Err(ReplenishError::BadOrderLine { .. })), "{bad}");
        }
    }

    #[test]
    fn service_levels_are_read_exactly() {
        assert_eq!(z_milli("1.645").unwrap(), 1_645);
        assert_eq!(z_milli("2").unwrap(), 2_000);
        assert_eq!(z_milli(" 0.5 ").unwrap(), 500);
        for bad in ["", "1,645", "1.6451", "-1", "abc", "11"] {
            assert!(matches!(z_milli(bad), Err(CommandError::ServiceLevel { .. })), "{bad}");
        }
    }
}

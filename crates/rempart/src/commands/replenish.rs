//! Replenishment (`replenish`, issue 22): what each store should be sent, computed from the
//! facts this node holds and a date (`rempart_domain::replenish` for the formula).

use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_domain::replenish::{DAYS_MAX, Policy, Safety, parse_pick};
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
    fn service_levels_are_read_exactly() {
        assert_eq!(z_milli("1.645").unwrap(), 1_645);
        assert_eq!(z_milli("2").unwrap(), 2_000);
        assert_eq!(z_milli(" 0.5 ").unwrap(), 500);
        for bad in ["", "1,645", "1.6451", "-1", "abc", "11"] {
            assert!(matches!(z_milli(bad), Err(CommandError::ServiceLevel { .. })), "{bad}");
        }
    }
}

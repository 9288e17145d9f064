//! The reports (`report`): which one, over which dates, in which format; the figures come from
//! the crate's `reports` module.

use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_store::Store;
use rempart_store::sales::{SalesBy, SalesFilter};

use super::common::{date_arg, locale_of, today};
use crate::command_error::CommandError;
use crate::i18n::Lang;
use rempart_reports as reports;
use rempart_reports::render::Format;

#[derive(Subcommand)]
pub(crate) enum ReportKind {
    TrialBalance,
    BalanceSheet,
    IncomeStatement,
    Ledger {
        account: String,
    },
    Journal,
    /// Open invoices with their ageing (0-30, 31-60, 61-90, over 90 days late) on --to, and
    /// customers' credits.
    Receivables,
    /// Supplier bills still to pay, with their ageing on --to.
    Payables,
    /// Overdue invoices on --to with the reminder level each has reached and its fee.
    Dunning,
    /// The VAT return of a period (2026-Q3, 2026-S1, 2026-03, 2026, or --from/--to): Swiss federal form
    /// (effective method) or French CA3 main lines.
    Vat {
        #[arg(long)]
        period: Option<String>,
        /// List the entries behind each figure.
        #[arg(long)]
        detail: bool,
    },
    /// What the tills sold over --from/--to, by store, day, item (SKU), VAT rate or way of
    /// paying.
    Sales {
        /// store, day, item, rate or method
        #[arg(long, default_value = "store")]
        by: String,
        /// One store only
        #[arg(long)]
        location: Option<String>,
    },
    /// The SKUs in stock at the stores that sold little over the days to --to.
    SlowMovers {
        /// One store only
        #[arg(long)]
        location: Option<String>,
        /// The days looked back on
        #[arg(long, default_value_t = 28)]
        days: u32,
        /// Sold at most this many units
        #[arg(long, default_value_t = 0)]
        most: i64,
    },
    /// A till's closures (this device's, or --till), with their totals and grand total.
    Closures {
        /// Another device's till, by its code
        #[arg(long)]
        till: Option<String>,
    },
    /// Loyalty cards: each card's points on --to, what the company owes in rewards, the cards
    /// below zero.
    Loyalty,
    /// Loyalty vouchers: each voucher's worth, what tickets paid with it and what is left on
    /// --to; those paid with beyond their worth.
    Vouchers,
    /// Customers' payments received from --from to --to (today if not given): who paid, how much
    /// into which account, the invoices each paid and what it left in the customer's favour.
    Payments,
    /// Stock by location and SKU: on hand, in transit, valued at the weighted average cost.
    Stock {
        /// One location only
        #[arg(long)]
        location: Option<String>,
        /// At the end of this day [default: now]
        #[arg(long)]
        at: Option<String>,
    },
}

/// Prints `report` over `from` to `to` (as the company's locale writes dates) in `format`.
pub(crate) fn run(
    dir: &Path,
    lang: Lang,
    report: ReportKind,
    from: Option<String>,
    to: Option<String>,
    format: Format,
) -> Result<()> {
    let store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    let (from, to) = (date_arg(locale, &from)?, date_arg(locale, &to)?);
    locale.check_period(from, to)?;
    let report = match report {
        ReportKind::TrialBalance => reports::trial_balance(&store, lang, from, to)?,
        ReportKind::BalanceSheet => reports::balance_sheet(&store, lang, locale, to.unwrap_or_else(today))?,
        ReportKind::IncomeStatement => reports::income_statement(&store, lang, locale, from, to.unwrap_or_else(today))?,
        ReportKind::Ledger { account } => reports::ledger(&store, lang, &account, from, to, None)?,
        ReportKind::Journal => reports::journal(&store, lang, from, to, None)?,
        ReportKind::Receivables => reports::receivables(&store, lang, locale, to.unwrap_or_else(today), None)?,
        ReportKind::Payables => reports::payables(&store, lang, locale, to.unwrap_or_else(today))?,
        ReportKind::Dunning => reports::dunning(&store, lang, locale, to.unwrap_or_else(today))?,
        ReportKind::Vat { period, detail } => {
            let (from, to) = match (period, from, to) {
                (Some(period), _, _) => rempart_domain::vat::parse_period(&period)?,
                (None, Some(from), Some(to)) => (from, to),
                _ => return Err(CommandError::PeriodNeeded.into()),
            };
            reports::vat_return(&store, lang, locale, from, to, detail)?
        }
        ReportKind::Loyalty => reports::loyalty(&store, lang, locale, to.unwrap_or_else(today))?,
        ReportKind::Vouchers => reports::vouchers(&store, lang, locale, to.unwrap_or_else(today))?,
        ReportKind::Payments => reports::payments(&store, lang, locale, from, to.unwrap_or_else(today))?,
        ReportKind::Sales { by, location } => {
            let by = match by.trim() {
                "store" => SalesBy::Store,
                "day" => SalesBy::Day,
                "item" => SalesBy::Item,
                "rate" => SalesBy::Rate,
                "method" => SalesBy::Method,
                _ => return Err(CommandError::SalesBy { by }.into()),
            };
            reports::sales(&store, lang, locale, &SalesFilter { from, to, location }, by)?
        }
        ReportKind::SlowMovers { location, days, most } => {
            reports::slow_movers(&store, lang, locale, location.as_deref(), to.unwrap_or_else(today), days, most)?
        }
        ReportKind::Closures { till } => reports::closures(&store, lang, till.as_deref())?,
        ReportKind::Stock { location, at } => {
            reports::stock(&store, lang, locale, location.as_deref(), date_arg(locale, &at)?)?
        }
    };
    print!("{}", report.render(format, locale)?);
    Ok(())
}

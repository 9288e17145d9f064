//! Stock (`location`, `sku`, `stock`, issue 21): the places stock is kept, the SKUs it is counted
//! in, and its movements: receipts, transfers and their arrival, counts and adjustments.

use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_domain::stock::{AdjustReason, Barcode, LocationAdded, LocationKind, ReceivedLine, SkuDefined, StockLine};
use rempart_store::Store;

use super::common::{date_arg, locale_of, today};
use crate::i18n::Lang;
use rempart_reports::render::{Cell, Format, Report};

#[derive(Subcommand)]
pub(crate) enum LocationCommand {
    /// Add a store or a warehouse, named by a short code of its own (GE1, WH).
    Add {
        code: String,
        /// What people call it
        #[arg(long)]
        label: String,
        /// store or warehouse
        #[arg(long)]
        kind: String,
    },
    /// List the locations.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
pub(crate) enum SkuCommand {
    /// Add a SKU: one variant (size, colour) of a catalogue item, with its barcode.
    Add {
        sku: String,
        /// The catalogue item it is a variant of (its label, price and VAT)
        #[arg(long)]
        item: String,
        /// EAN-13, UPC-A or EAN-8, check digit included
        #[arg(long)]
        barcode: Option<String>,
        #[arg(long)]
        size: Option<String>,
        #[arg(long)]
        colour: Option<String>,
    },
    /// List the SKUs.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
pub(crate) enum StockCommand {
    /// Record goods received at a location, at their unit cost.
    Receive {
        #[arg(long)]
        location: String,
        /// The SKU received
        #[arg(long)]
        item: String,
        #[arg(long)]
        qty: i64,
        /// Net cost of one unit, in the company currency
        #[arg(long)]
        cost: String,
        /// The supplier's delivery note
        #[arg(long)]
        reference: Option<String>,
        /// [default: today]
        #[arg(long)]
        date: Option<String>,
    },
    /// Send goods from one location to another; prints the transfer number.
    Transfer {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// The SKU sent
        #[arg(long)]
        item: String,
        #[arg(long)]
        qty: i64,
        /// [default: today]
        #[arg(long)]
        date: Option<String>,
    },
    /// Record the arrival of a transfer at its destination.
    Arrive {
        transfer: String,
        /// Where it arrived, for a transfer this device has not heard of yet (from its delivery
        /// note)
        #[arg(long, requires_all = ["item", "qty"])]
        to: Option<String>,
        /// A SKU of the delivery note, for a transfer this device has not heard of yet
        #[arg(long, requires = "to")]
        item: Option<String>,
        /// Its units on the delivery note
        #[arg(long, requires = "to")]
        qty: Option<i64>,
        /// [default: today]
        #[arg(long)]
        date: Option<String>,
    },
    /// Record an inventory count: the difference from the stock known becomes an adjustment.
    Count {
        #[arg(long)]
        location: String,
        /// The SKU counted
        #[arg(long)]
        item: String,
        /// The units counted
        #[arg(long)]
        qty: i64,
        /// [default: today]
        #[arg(long)]
        date: Option<String>,
    },
    /// Add (positive) or take away (negative) units for a reason: damage, theft, loss, found or
    /// correction.
    Adjust {
        #[arg(long)]
        location: String,
        /// The SKU adjusted
        #[arg(long)]
        item: String,
        #[arg(long, allow_negative_numbers = true)]
        qty: i64,
        #[arg(long)]
        reason: String,
        /// [default: today]
        #[arg(long)]
        date: Option<String>,
    },
}

/// A kind of location in the reader's words.
fn kind_name(lang: Lang, kind: LocationKind) -> &'static str {
    match kind {
        LocationKind::Store => lang.text("location.kind.store"),
        LocationKind::Warehouse => lang.text("location.kind.warehouse"),
    }
}

/// Runs a `location` command.
pub(crate) fn location(dir: &Path, lang: Lang, command: LocationCommand) -> Result<()> {
    let mut store = Store::open(dir)?;
    match command {
        LocationCommand::Add { code, label, kind } => {
            let location = LocationAdded { code, label, kind: LocationKind::parse(&kind)? };
            store.add_location(location.clone())?;
            println!("{}", lang.fill("location.added", &[("code", &location.code), ("label", &location.label)]));
        }
        LocationCommand::List { format } => {
            let mut report = Report::new(
                lang.text("location.list.title").to_owned(),
                vec![
                    ("code", lang.text("location.list.code").to_owned()),
                    ("label", lang.text("location.list.label").to_owned()),
                    ("kind", lang.text("location.list.kind").to_owned()),
                ],
            );
            for location in store.locations()? {
                report.rows.push(vec![
                    Cell::Text(location.code),
                    Cell::Text(location.label),
                    Cell::Text(kind_name(lang, location.kind).to_owned()),
                ]);
            }
            print!("{}", report.render(format, locale_of(&store)?)?);
        }
    }
    Ok(())
}

/// Runs a `sku` command.
pub(crate) fn sku(dir: &Path, lang: Lang, command: SkuCommand) -> Result<()> {
    let mut store = Store::open(dir)?;
    match command {
        SkuCommand::Add { sku, item, barcode, size, colour } => {
            let barcode = barcode.map(|text| Barcode::parse(&text)).transpose()?;
            store.define_sku(SkuDefined { sku: sku.clone(), item: item.clone(), barcode, size, colour })?;
            println!("{}", lang.fill("sku.added", &[("sku", &sku), ("item", &item)]));
        }
        SkuCommand::List { format } => {
            let mut report = Report::new(
                lang.text("sku.list.title").to_owned(),
                ["sku", "item", "label", "barcode", "size", "colour"]
                    .into_iter()
                    .map(|key| (key, lang.text(&format!("stock.column.{key}")).to_owned()))
                    .collect(),
            );
            for sku in store.skus()? {
                report.rows.push(vec![
                    Cell::Text(sku.sku),
                    Cell::Text(sku.item),
                    Cell::Text(sku.label),
                    sku.barcode.map_or(Cell::Empty, |barcode| Cell::Text(barcode.to_string())),
                    sku.size.map_or(Cell::Empty, Cell::Text),
                    sku.colour.map_or(Cell::Empty, Cell::Text),
                ]);
            }
            print!("{}", report.render(format, locale_of(&store)?)?);
        }
    }
    Ok(())
}

/// Runs a `stock` command.
pub(crate) fn stock(dir: &Path, lang: Lang, command: StockCommand) -> Result<()> {
    let mut store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    let currency = store.company()?.currency;
    match command {
        StockCommand::Receive { location, item, qty, cost, reference, date } => {
            let unit_cost_minor = locale.read_amount(&cost, currency)?;
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let line = ReceivedLine { sku: item.clone(), qty, unit_cost_minor };
            let id = store.receive_stock(&location, date, vec![line], reference)?;
            println!(
                "{}",
                lang.fill(
                    "stock.received",
                    &[("id", &id), ("qty", &qty.to_string()), ("sku", &item), ("location", &location)]
                )
            );
        }
        StockCommand::Transfer { from, to, item, qty, date } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let sent = store.send_transfer(&from, &to, date, vec![StockLine { sku: item.clone(), qty }])?;
            println!(
                "{}",
                lang.fill(
                    "stock.transfer_sent",
                    &[("qty", &qty.to_string()), ("sku", &item), ("from", &from), ("to", &to)]
                )
            );
            // The number alone on the last line, for scripts.
            println!("{}", sent.transfer);
        }
        StockCommand::Arrive { transfer, to, item, qty, date } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let note = match (to, item, qty) {
                (Some(to), Some(sku), Some(qty)) => Some((to, vec![StockLine { sku, qty }])),
                _ => None,
            };
            let arrived = store.arrive_transfer(&transfer, date, note)?;
            let units: i64 = arrived.lines.iter().map(|line| line.qty).sum();
            println!(
                "{}",
                lang.fill(
                    "stock.transfer_arrived",
                    &[("transfer", &arrived.transfer), ("qty", &units.to_string()), ("to", &arrived.to)]
                )
            );
        }
        StockCommand::Count { location, item, qty, date } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let counted = store.count_stock(&location, date, vec![StockLine { sku: item.clone(), qty }])?;
            for line in counted.lines {
                println!(
                    "{}",
                    lang.fill(
                        "stock.counted",
                        &[
                            ("sku", &line.sku),
                            ("location", &location),
                            ("counted", &qty.to_string()),
                            ("delta", &format!("{:+}", line.delta))
                        ]
                    )
                );
            }
        }
        StockCommand::Adjust { location, item, qty, reason, date } => {
            let reason = AdjustReason::parse(&reason)?;
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            store.adjust_stock(&location, date, reason, vec![StockLine { sku: item.clone(), qty }])?;
            println!(
                "{}",
                lang.fill("stock.adjusted", &[("sku", &item), ("location", &location), ("delta", &format!("{qty:+}"))])
            );
        }
    }
    Ok(())
}

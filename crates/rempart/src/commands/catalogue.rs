//! The catalogue of items and services (`item`).

use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_store::{Store, StoreError};

use super::common::locale_of;
use crate::i18n::Lang;
use crate::import;
use rempart_reports::render::{Cell, Format, Report};

#[derive(Subcommand)]
pub(crate) enum ItemCommand {
    /// Add an item or service: net price in the company currency, an output VAT code and a
    /// revenue account.
    Add {
        code: String,
        #[arg(long)]
        label: String,
        #[arg(long, default_value = "pce")]
        unit: String,
        #[arg(long, allow_hyphen_values = true)]
        price: String,
        #[arg(long)]
        vat: String,
        #[arg(long)]
        account: String,
    },
    /// Change an item; items are never deleted, only made inactive.
    Edit {
        code: String,
        #[arg(long)]
        label: Option<String>,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        price: Option<String>,
        #[arg(long)]
        vat: Option<String>,
        #[arg(long)]
        account: Option<String>,
        #[arg(long, conflicts_with = "activate")]
        deactivate: bool,
        #[arg(long)]
        activate: bool,
        /// The label in another language for customers who read it: LANG=LABEL (de, en, fr or
        /// it); LANG= clears it
        #[arg(long)]
        label_in: Vec<String>,
    },
    /// List the catalogue.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// Runs an `item` command: adds, edits or lists the catalogue.
pub(crate) fn item(dir: &Path, lang: Lang, command: ItemCommand) -> Result<()> {
    use rempart_domain::catalogue::{ItemDefined, ItemEdited, parse_price};
    let mut store = Store::open(dir)?;
    let (locale, currency) = (locale_of(&store)?, store.company()?.currency);
    match command {
        ItemCommand::Add { code, label, unit, price, vat, account } => {
            let price_minor =
                parse_price(&import::plain_amount(&price, locale, currency)?, currency).map_err(StoreError::from)?;
            store.define_item(ItemDefined {
                code: code.clone(),
                label,
                unit,
                price_minor,
                currency,
                vat_code: vat,
                account,
            })?;
            println!("{}", lang.fill("item.added", &[("code", &code)]));
        }
        ItemCommand::Edit { code, label, unit, price, vat, account, deactivate, activate, label_in } => {
            let mut labels = std::collections::BTreeMap::new();
            for given in label_in {
                let (language, text) = given
                    .split_once('=')
                    .ok_or_else(|| rempart_domain::catalogue::ItemError::BadLanguage { lang: given.clone() })
                    .map_err(StoreError::from)?;
                let text = text.trim();
                labels.insert(language.trim().to_owned(), (!text.is_empty()).then(|| text.to_owned()));
            }
            let price = price.map(|price| import::plain_amount(&price, locale, currency)).transpose()?;
            let price_minor = price.map(|price| parse_price(&price, currency)).transpose().map_err(StoreError::from)?;
            let active = if deactivate {
                Some(false)
            } else if activate {
                Some(true)
            } else {
                None
            };
            store.edit_item(ItemEdited {
                code: code.clone(),
                label,
                unit,
                price_minor,
                vat_code: vat,
                account,
                active,
                labels,
            })?;
            println!("{}", lang.fill("item.edited", &[("code", &code)]));
        }
        ItemCommand::List { format } => {
            let mut report = Report::new(
                lang.text("items").to_owned(),
                ["code", "label", "unit", "price", "currency", "vat", "account", "active"]
                    .into_iter()
                    .map(|key| (if key == "vat" { "vat_code" } else { key }, lang.text(key).to_owned()))
                    .collect(),
            );
            for item in store.items()? {
                report.rows.push(vec![
                    Cell::Text(item.code),
                    Cell::Text(item.label),
                    Cell::Text(item.unit),
                    Cell::Amount(item.price_minor, item.currency),
                    Cell::text(item.currency.as_str()),
                    Cell::Text(item.vat_code),
                    Cell::Text(item.account),
                    if item.active { Cell::text("x") } else { Cell::Empty },
                ]);
            }
            print!("{}", report.render(format, locale_of(&store)?)?);
        }
    }
    Ok(())
}

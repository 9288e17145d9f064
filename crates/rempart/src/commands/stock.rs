//! Stock (`location`, issue 21 begun): the places stock is kept.

use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_domain::stock::{LocationAdded, LocationKind};
use rempart_store::Store;

use super::common::locale_of;
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

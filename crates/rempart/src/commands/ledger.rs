//! The books: the chart of accounts (`account`), the VAT codes (`vat`), journal entries (`entry`),
//! their import (`import`) and the closing of periods (`period`).

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use rempart_domain::{AccountEdited, AccountKind, AccountOpened, Currency, EntryDraft};
use rempart_store::{Store, StoreError};

use super::common::{date_arg, locale_of};
use crate::command_error::CommandError;
use crate::i18n::Lang;
use crate::import;
use rempart_reports::render::{Cell, Format, Report};

#[derive(Subcommand)]
pub(crate) enum AccountCommand {
    /// Open a new account.
    Add {
        number: String,
        #[arg(long)]
        label: String,
        #[arg(long = "type")]
        kind: AccountKind,
        /// Currency of the account [default: the company's]
        #[arg(long)]
        currency: Option<Currency>,
    },
    /// Rename, close or reopen an account (accounts are never deleted).
    Edit {
        number: String,
        #[arg(long)]
        label: Option<String>,
        #[arg(long, conflicts_with = "reopen")]
        close: bool,
        #[arg(long)]
        reopen: bool,
    },
    /// List the chart of accounts.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
pub(crate) enum EntryCommand {
    /// Record one entry: --post ACCOUNT=AMOUNT[:CURRENCY][:vat=CODE], debit positive, credit negative.
    Add {
        #[arg(long)]
        date: String,
        #[arg(long)]
        text: String,
        #[arg(long = "post", required = true, allow_hyphen_values = true)]
        postings: Vec<String>,
        #[arg(long)]
        journal: Option<String>,
        /// Idempotency key [default: a new random id]
        #[arg(long)]
        id: Option<String>,
    },
    /// Record the reversal of an entry (the only way to correct one).
    Reverse {
        id: String,
        /// Date of the reversal [default: the original entry's date]
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
pub(crate) enum ImportCommand {
    /// Import entries from CSV (entry_id,date,journal,account,amount,currency,text) or JSON Lines.
    Entries { file: PathBuf },
}

#[derive(Subcommand)]
pub(crate) enum PeriodCommand {
    /// Close the books up to a month's end: nothing dated on or before it can be recorded after.
    Close {
        #[arg(long)]
        until: String,
    },
}

/// Runs an `account` command: opens, edits or lists the chart of accounts.
pub(crate) fn account(dir: &Path, lang: Lang, command: AccountCommand) -> Result<()> {
    let mut store = Store::open(dir)?;
    match command {
        AccountCommand::Add { number, label, kind, currency } => {
            let currency = match currency {
                Some(currency) => currency,
                None => store.company()?.currency,
            };
            store.open_account(AccountOpened {
                number: number.clone(),
                label,
                label_de: None,
                label_en: None,
                kind,
                currency,
            })?;
            println!("{}", lang.fill("account.added", &[("number", &number)]));
        }
        AccountCommand::Edit { number, label, close, reopen } => {
            let closed = if close {
                Some(true)
            } else if reopen {
                Some(false)
            } else {
                None
            };
            if label.is_none() && closed.is_none() {
                return Err(CommandError::NothingToChange.into());
            }
            store.edit_account(AccountEdited { number: number.clone(), label, closed })?;
            println!("{}", lang.fill("account.edited", &[("number", &number)]));
        }
        AccountCommand::List { format } => {
            let mut report = Report::new(
                lang.text("chart").to_owned(),
                vec![
                    ("number", lang.text("account").to_owned()),
                    ("label", lang.text("label").to_owned()),
                    ("kind", lang.text("kind").to_owned()),
                    ("currency", lang.text("currency").to_owned()),
                    ("closed", lang.text("closed").to_owned()),
                    ("label_de", "Bezeichnung".to_owned()),
                    ("label_en", "Label (en)".to_owned()),
                ],
            );
            for rempart_store::AccountListing { account, label_de, label_en } in store.accounts()? {
                report.rows.push(vec![
                    Cell::text(account.number),
                    Cell::text(account.label),
                    Cell::text(account.kind.as_str()),
                    Cell::text(account.currency.as_str()),
                    if account.closed { Cell::text("x") } else { Cell::Empty },
                    label_de.map_or(Cell::Empty, Cell::Text),
                    label_en.map_or(Cell::Empty, Cell::Text),
                ]);
            }
            print!("{}", report.render(format, locale_of(&store)?)?);
        }
    }
    Ok(())
}

/// Lists the VAT codes with their rates and dates in force (`vat`).
pub(crate) fn vat_codes(dir: &Path, lang: Lang, format: Format) -> Result<()> {
    let store = Store::open(dir)?;
    let mut report = Report::new(
        lang.text("vat_codes").to_owned(),
        ["code", "label", "rate", "direction", "account", "valid_from", "valid_until"]
            .iter()
            .zip(["vat", "label", "rate", "kind", "account", "valid_from", "valid_until"])
            .map(|(key, label)| (*key, lang.text(label).to_owned()))
            .collect(),
    );
    let mut codes: Vec<_> = store.state().vat_codes.values().collect();
    codes.sort_by(|a, b| {
        (a.direction.as_str(), &a.valid_from, &a.code).cmp(&(b.direction.as_str(), &b.valid_from, &b.code))
    });
    for code in codes.into_iter().rev() {
        report.rows.push(vec![
            Cell::text(&code.code),
            Cell::text(&code.label),
            Cell::text(format!("{}.{:02} %", code.rate_bp / 100, code.rate_bp % 100)),
            Cell::text(code.direction.as_str()),
            Cell::text(&code.account),
            Cell::Date(code.valid_from.to_string()),
            code.valid_until.map_or(Cell::Empty, |until| Cell::Date(until.to_string())),
        ]);
    }
    print!("{}", report.render(format, locale_of(&store)?)?);
    Ok(())
}

/// Runs an `entry` command: records an entry, or its reversal.
pub(crate) fn entry(dir: &Path, lang: Lang, command: EntryCommand) -> Result<()> {
    match command {
        EntryCommand::Add { date, text, postings, journal, id } => {
            let mut store = Store::open(dir)?;
            let (locale, currency) = (locale_of(&store)?, store.company()?.currency);
            let draft = EntryDraft {
                id: match id {
                    Some(id) => id,
                    None => store.new_entry_id(),
                },
                date: locale.read_date(&date)?,
                journal,
                text,
                postings: postings
                    .iter()
                    .map(|post| import::parse_post(post, locale, currency))
                    .collect::<Result<_, import::ImportError>>()?,
            };
            store.post_entries(std::slice::from_ref(&draft), &mut |_| {}).map_err(|error| match error {
                StoreError::Entry { source, .. } => anyhow::Error::from(source),
                other => other.into(),
            })?;
            let (journal, number) = store.entry_number(&draft.id)?;
            println!(
                "{}",
                lang.fill("entry.recorded", &[("id", &draft.id), ("journal", &journal), ("number", &number)])
            );
        }
        EntryCommand::Reverse { id, date } => {
            let mut store = Store::open(dir)?;
            let reversal = store.reverse_entry(&id, date_arg(locale_of(&store)?, &date)?)?;
            println!(
                "{}",
                lang.fill(
                    "entry.reversed",
                    &[
                        ("id", &id),
                        ("reversal", &reversal.id),
                        ("journal", &reversal.journal),
                        ("number", &rempart_domain::entry_number_text(reversal.series.as_deref(), reversal.number))
                    ]
                )
            );
        }
    }
    Ok(())
}

/// Imports the entries of `file` (`import entries`), all or none.
pub(crate) fn import_entries(dir: &Path, lang: Lang, file: &Path) -> Result<()> {
    let mut store = Store::open(dir)?;
    let read = import::read_entries(file, locale_of(&store)?, store.company()?.currency)?;
    let bar = indicatif::ProgressBar::new(read.drafts.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let result = store.post_entries(&read.drafts, &mut |done| bar.set_position(done));
    bar.finish_and_clear();
    let outcome = result.map_err(|error| match error {
        StoreError::Entry { position, id, source } => {
            // The store names the entry by its place among those read, each of which has a line.
            let line = read.lines[position - 1];
            import::ImportError::Refused { path: file.to_owned(), line, id, source }
        }
        other => import::ImportError::NotImported { path: file.to_owned(), source: other },
    })?;
    println!("{}", lang.fill("import.done", &[("recorded", &outcome.recorded), ("present", &outcome.already_present)]));
    Ok(())
}

/// Runs a `period` command: closes the books up to a date.
pub(crate) fn period(dir: &Path, lang: Lang, command: PeriodCommand) -> Result<()> {
    match command {
        PeriodCommand::Close { until } => {
            let mut store = Store::open(dir)?;
            let until = locale_of(&store)?.read_date(&until)?;
            store.close_period(until)?;
            println!("{}", lang.fill("period.closed", &[("date", &locale_of(&store)?.format_date(until))]));
        }
    }
    Ok(())
}

//! Quotes (`quote`): drafts and their lines, sending with a number, the customer's answer
//! (accepted: an invoice draft with the same lines; refused), the PDF, showing and listing.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use rempart_domain::quotes::QuoteStatus;
use rempart_store::invoices::LineSpec;
use rempart_store::quotes::QuoteFilter;
use rempart_store::{Store, StoreError};

use super::common::{date_arg, locale_of, today};
use super::invoices::{LineArgs, lines_report};
use crate::command_error::CommandError;
use crate::i18n::Lang;
use rempart_reports::render::{Cell, Format, Report};

#[derive(Subcommand)]
pub(crate) enum QuoteCommand {
    /// Start a draft quote for a contact.
    New {
        /// The customer: their number, or their name.
        #[arg(long)]
        contact: String,
        /// Quote date [default: today]
        #[arg(long)]
        date: Option<String>,
        /// The last day the customer may accept it [default: 30 days after its date]
        #[arg(long)]
        valid_until: Option<String>,
        /// Round the total to 0.05 (Swiss cash rounding).
        #[arg(long)]
        cash_rounding: bool,
        /// The plate of the customer's vehicle it is for.
        #[arg(long)]
        vehicle: Option<String>,
        /// The vehicle's mileage, in kilometres.
        #[arg(long, requires = "vehicle")]
        mileage: Option<String>,
    },
    /// Add a line to a draft quote: an --item of the catalogue, or --text, --price, --vat and
    /// --account.
    Line {
        id: String,
        #[command(flatten)]
        line: LineArgs,
    },
    /// Replace line N of a draft quote (as `quote show` numbers them).
    ChangeLine {
        id: String,
        line: u32,
        #[command(flatten)]
        new: LineArgs,
    },
    /// Remove line N of a draft quote.
    RemoveLine { id: String, line: u32 },
    /// Throw a draft quote away.
    Discard { id: String },
    /// Note on a draft quote the customer's vehicle it is for (its plate), with the mileage read.
    Vehicle {
        id: String,
        #[arg(long)]
        plate: String,
        /// The vehicle's mileage, in kilometres.
        #[arg(long)]
        mileage: Option<String>,
    },
    /// Send a draft quote: give it its number; its lines and validity no longer change.
    Send { id: String },
    /// Record the customer's acceptance of a sent quote: an invoice draft with its lines.
    Accept {
        number: String,
        /// Day of the acceptance, and the invoice's date [default: today]
        #[arg(long)]
        date: Option<String>,
        /// The vehicle's mileage when the work is done [default: the quote's]
        #[arg(long)]
        mileage: Option<String>,
    },
    /// Record the customer's refusal of a sent quote.
    Refuse {
        number: String,
        /// Day of the refusal [default: today]
        #[arg(long)]
        date: Option<String>,
    },
    /// Write a sent quote as an A4 PDF, in the customer's language.
    Pdf {
        number: String,
        /// Where to write it [default: DATA_DIR/documents/NUMBER.pdf]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show a quote by draft id or number.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List the quotes, the newest first.
    List {
        /// Only these: draft, sent, accepted, refused or expired.
        #[arg(long)]
        status: Option<String>,
        /// Only this customer's: their number, or their name.
        #[arg(long)]
        contact: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// Runs a `quote` command.
pub(crate) fn quote(dir: &Path, lang: Lang, command: QuoteCommand) -> Result<()> {
    use rempart_domain::invoices::line_net;
    let mut store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    let currency = store.company()?.currency;
    let total_text = |minor: i64| format!("{} {}", currency, locale.format_amount(minor, currency));
    match command {
        QuoteCommand::New { contact, date, valid_until, cash_rounding, vehicle, mileage } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let valid_until = date_arg(locale, &valid_until)?;
            let contact = store.find_contact(&contact)?;
            let visit = super::vehicles::visit_arg(vehicle, mileage)?;
            let id = store.draft_quote_for(&contact, (date, valid_until), cash_rounding, visit.as_ref())?;
            let until = locale.format_date(store.quote(&id)?.valid_until);
            println!("{}", lang.fill("quote.drafted", &[("id", &id), ("until", &until)]));
        }
        QuoteCommand::Line { id, line } => {
            let spec = LineSpec::read(locale, currency, line.input())?;
            let line = store.add_quote_line(&id, spec)?;
            let net = locale.format_amount(line_net(&line), currency);
            println!("{}", lang.fill("invoice.line_added", &[("id", &id), ("text", &line.text), ("net", &net)]));
        }
        QuoteCommand::ChangeLine { id, line, new } => {
            let spec = LineSpec::read(locale, currency, new.input())?;
            let new = store.change_quote_line(&id, line, spec)?;
            let net = locale.format_amount(line_net(&new), currency);
            println!(
                "{}",
                lang.fill("invoice.line_changed", &[("id", &id), ("line", &line), ("text", &new.text), ("net", &net)])
            );
        }
        QuoteCommand::RemoveLine { id, line } => {
            store.remove_quote_line(&id, line)?;
            println!("{}", lang.fill("invoice.line_removed", &[("id", &id), ("line", &line)]));
        }
        QuoteCommand::Vehicle { id, plate, mileage } => {
            let visit = super::vehicles::visit_arg(Some(plate), mileage)?.unwrap_or_default();
            store.note_vehicle(&id, &visit)?;
            let noted = store.document_vehicle(&id)?.map(|noted| noted.plate).unwrap_or_default();
            println!("{}", lang.fill("vehicle.noted", &[("id", &id), ("plate", &noted)]));
        }
        QuoteCommand::Discard { id } => {
            store.discard_quote(&id)?;
            println!("{}", lang.fill("invoice.discarded", &[("id", &id)]));
        }
        QuoteCommand::Send { id } => {
            let number = store.send_quote(&id)?;
            let quote = store.quote(&number)?;
            let total = total_text(quote.totals.map_or(0, |totals| totals.gross_minor));
            let until = locale.format_date(quote.valid_until);
            println!(
                "{}",
                lang.fill("quote.sent", &[("id", &id), ("number", &number), ("total", &total), ("until", &until)])
            );
        }
        QuoteCommand::Accept { number, date, mileage } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let mileage = mileage
                .map(|text| rempart_domain::vehicles::parse_mileage(&text))
                .transpose()
                .map_err(StoreError::from)?;
            let invoice = store.accept_quote(&number, date, mileage)?;
            let number = store.quote(&number)?.number.unwrap_or(number);
            println!("{}", lang.fill("quote.accepted", &[("number", &number), ("invoice", &invoice)]));
        }
        QuoteCommand::Refuse { number, date } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            store.refuse_quote(&number, date)?;
            let number = store.quote(&number)?.number.unwrap_or(number);
            println!("{}", lang.fill("quote.refused", &[("number", &number)]));
        }
        QuoteCommand::Pdf { number, out } => {
            let path = rempart_web::documents::write_quote_pdf(&store, &number, out.as_deref())?;
            println!("{}", lang.fill("document.written", &[("path", &path.display().to_string())]));
        }
        QuoteCommand::Show { id, format } => {
            let quote = store.quote(&id)?;
            let status = quote.status(today());
            let mut title = format!(
                "{} {} ({}), {}, {} {}, {}",
                lang.text("quote"),
                quote.number.clone().unwrap_or_else(|| format!("{} {}", lang.text("draft"), quote.id)),
                store.contact_names()?.get(&quote.contact).unwrap_or(&quote.contact),
                locale.format_date(quote.date),
                lang.text("quote.valid_until"),
                locale.format_date(quote.valid_until),
                lang.text(&format!("quote.status.{}", status.as_str())),
            );
            if let Some(invoice) = &quote.invoice {
                let invoice = store.invoice(invoice)?;
                title.push_str(&format!(
                    ", {} {}",
                    lang.text("invoice"),
                    invoice.number.unwrap_or_else(|| format!("{} {}", lang.text("draft"), invoice.id))
                ));
            }
            let report = lines_report(title, &quote.lines, quote.totals.as_ref(), quote.currency, (lang, locale));
            print!("{}", report.render(format, locale)?);
        }
        QuoteCommand::List { status, contact, format } => {
            let status = status
                .map(|text| QuoteStatus::parse(text.trim()).ok_or(CommandError::QuoteStatus { text }))
                .transpose()?;
            let contact = contact.map(|contact| store.find_contact(&contact)).transpose()?;
            let mut report = Report::new(
                lang.text("quotes").to_owned(),
                ["number", "id", "contact", "name", "date", "valid_until", "status", "invoice", "currency", "total"]
                    .into_iter()
                    .map(|key| {
                        let heading = match key {
                            "valid_until" => "quote.valid_until",
                            "id" => "draft",
                            other => other,
                        };
                        (key, lang.text(heading).to_owned())
                    })
                    .collect(),
            );
            for quote in store.quote_list(&QuoteFilter { contact, status }, today())? {
                report.rows.push(vec![
                    quote.number.clone().map_or(Cell::Empty, Cell::Text),
                    Cell::text(&quote.id),
                    Cell::text(&quote.contact),
                    Cell::text(&quote.customer),
                    Cell::Date(quote.date.to_string()),
                    Cell::Date(quote.valid_until.to_string()),
                    Cell::text(lang.text(&format!("quote.status.{}", quote.status.as_str()))),
                    quote.invoice.clone().map_or(Cell::Empty, Cell::Text),
                    Cell::text(quote.currency.as_str()),
                    Cell::Amount(quote.gross_minor, quote.currency),
                ]);
            }
            print!("{}", report.render(format, locale)?);
        }
    }
    Ok(())
}

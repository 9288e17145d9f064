//! Invoices (`invoice`): drafts and their lines, issuing, credit notes, reminders, PDF, showing
//! and listing.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use rempart_store::invoices::LineSpec;
use rempart_store::{Store, StoreError};

use super::common::{date_arg, locale_of, today};
use crate::i18n::Lang;
use rempart_reports::render::{Cell, Format, Report};

#[derive(Subcommand)]
pub(crate) enum InvoiceCommand {
    /// Start a draft invoice for a contact.
    New {
        /// The customer: their number, or their name.
        #[arg(long)]
        contact: String,
        /// Invoice date [default: today]
        #[arg(long)]
        date: Option<String>,
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
    /// Add a line to a draft: an --item of the catalogue, or --text, --price, --vat and --account.
    Line {
        id: String,
        #[command(flatten)]
        line: LineArgs,
    },
    /// Replace line N of a draft (as `invoice show` numbers them).
    ChangeLine {
        id: String,
        line: u32,
        #[command(flatten)]
        new: LineArgs,
    },
    /// Remove line N of a draft.
    RemoveLine { id: String, line: u32 },
    /// Throw a draft away.
    Discard { id: String },
    /// Note on a draft the customer's vehicle it is for (its plate), with the mileage read.
    Vehicle {
        id: String,
        #[arg(long)]
        plate: String,
        /// The vehicle's mileage, in kilometres.
        #[arg(long)]
        mileage: Option<String>,
    },
    /// Issue a draft: give it its number and post its entry.
    Issue { id: String },
    /// Credit back an issued invoice: in full, or the --line N[=QUANTITY] named.
    Credit {
        number: String,
        /// Credit note date [default: today]
        #[arg(long)]
        date: Option<String>,
        #[arg(long = "line")]
        lines: Vec<String>,
    },
    /// Record the next reminder of an overdue invoice (levels 1 to 3, each due after the delay
    /// the company set) and post its fee.
    Remind {
        number: String,
        /// Reminder date [default: today]
        #[arg(long)]
        date: Option<String>,
    },
    /// Write an issued invoice as an A4 PDF (with its QR-bill for a Swiss company), in the
    /// customer's language, as it was issued; or a credit note (AV-2026-0001) or a reminder's
    /// letter (2026-0001-R1).
    Pdf {
        number: String,
        /// Where to write it [default: DATA_DIR/documents/NUMBER.pdf]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show an invoice by draft id or number.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List the invoices.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// A line as typed on the command line.
#[derive(clap::Args)]
pub(crate) struct LineArgs {
    #[arg(long)]
    item: Option<String>,
    #[arg(long)]
    text: Option<String>,
    #[arg(long = "qty", default_value = "1", allow_hyphen_values = true)]
    quantity: String,
    /// What the quantity counts, printed after it (h, pce, l) [default: the item's unit]
    #[arg(long)]
    unit: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    price: Option<String>,
    /// Discount in percent.
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    discount: String,
    #[arg(long)]
    vat: Option<String>,
    #[arg(long)]
    account: Option<String>,
    /// A comment line: this text alone, with no quantity, price, VAT or account
    #[arg(long, conflicts_with_all = ["item", "text", "price", "vat", "account", "unit"])]
    comment: Option<String>,
}

impl LineArgs {
    pub(crate) fn input(self) -> rempart_store::invoices::LineInput {
        let comment = self.comment.is_some();
        rempart_store::invoices::LineInput {
            item: self.item,
            text: self.comment.or(self.text),
            comment,
            quantity: self.quantity,
            unit: self.unit,
            price: self.price,
            discount: self.discount,
            vat_code: self.vat,
            account: self.account,
        }
    }
}

/// A quantity in thousandths as people write it, without trailing zeros (`1.5`, `2`).
pub(crate) fn quantity_text(quantity_milli: i64) -> String {
    let text = format!("{}.{:03}", quantity_milli / 1000, quantity_milli % 1000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A document's lines as a table, with its VAT per code, rounding and total under them: what
/// `invoice show` and `quote show` print.
pub(crate) fn lines_report(
    title: String,
    lines: &[rempart_domain::invoices::InvoiceLine],
    totals: Option<&rempart_domain::invoices::InvoiceTotals>,
    currency: rempart_domain::Currency,
    (lang, locale): (Lang, rempart_domain::Locale),
) -> Report {
    use rempart_domain::invoices::line_net;
    let mut report = Report::new(
        title,
        ["line", "item", "text", "quantity", "price", "discount", "vat_code", "net"]
            .into_iter()
            .map(|key| {
                let heading = match key {
                    "vat_code" => "vat",
                    other => other,
                };
                (key, lang.text(heading).to_owned())
            })
            .collect(),
    );
    for (index, line) in lines.iter().enumerate() {
        if line.comment {
            let mut row = vec![Cell::Number(index as i64 + 1), Cell::Empty, Cell::text(&line.text)];
            row.resize(8, Cell::Empty);
            report.rows.push(row);
            continue;
        }
        report.rows.push(vec![
            Cell::Number(index as i64 + 1),
            line.item.as_ref().map_or(Cell::Empty, Cell::text),
            Cell::text(&line.text),
            Cell::text(quantity_text(line.quantity_milli)),
            Cell::Amount(line.unit_price_minor, currency),
            Cell::text(format!("{}.{:02}", line.discount_bp / 100, line.discount_bp % 100)),
            Cell::text(&line.vat_code),
            Cell::Amount(line_net(line), currency),
        ]);
    }
    if let Some(totals) = totals {
        for (code, vat) in &totals.by_vat_code {
            let rate = format!("{}.{:02} %", vat.rate_bp / 100, vat.rate_bp % 100);
            report.totals.push(vec![
                Cell::Empty,
                Cell::Empty,
                Cell::text(format!(
                    "{} {code} {rate} / {}",
                    lang.text("vat"),
                    locale.format_amount(vat.net_minor, currency)
                )),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::text(code),
                Cell::Amount(vat.vat_minor, currency),
            ]);
        }
        if totals.rounding_minor != 0 {
            report.totals.push(vec![
                Cell::Empty,
                Cell::Empty,
                Cell::text(lang.text("rounding")),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Amount(totals.rounding_minor, currency),
            ]);
        }
        report.totals.push(vec![
            Cell::Empty,
            Cell::Empty,
            Cell::text(lang.text("total")),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::text(currency.as_str()),
            Cell::Amount(totals.gross_minor, currency),
        ]);
    }
    report
}

/// Runs an `invoice` command.
pub(crate) fn invoice(dir: &Path, lang: Lang, command: InvoiceCommand) -> Result<()> {
    use rempart_domain::invoices::{line_net, parse_quantity};
    let mut store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    let currency = store.company()?.currency;
    match command {
        InvoiceCommand::New { contact, date, cash_rounding, vehicle, mileage } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let contact = store.find_contact(&contact)?;
            let visit = super::vehicles::visit_arg(vehicle, mileage)?;
            let id = store.draft_invoice_for(&contact, date, cash_rounding, visit.as_ref())?;
            println!("{}", lang.fill("invoice.drafted", &[("id", &id)]));
        }
        InvoiceCommand::Line { id, line } => {
            let spec = LineSpec::read(locale, currency, line.input())?;
            let line = store.add_invoice_line(&id, spec)?;
            let net = locale.format_amount(line_net(&line), currency);
            println!("{}", lang.fill("invoice.line_added", &[("id", &id), ("text", &line.text), ("net", &net)]));
        }
        InvoiceCommand::ChangeLine { id, line, new } => {
            let spec = LineSpec::read(locale, currency, new.input())?;
            let new = store.change_invoice_line(&id, line, spec)?;
            let net = locale.format_amount(line_net(&new), currency);
            println!(
                "{}",
                lang.fill("invoice.line_changed", &[("id", &id), ("line", &line), ("text", &new.text), ("net", &net)])
            );
        }
        InvoiceCommand::RemoveLine { id, line } => {
            store.remove_invoice_line(&id, line)?;
            println!("{}", lang.fill("invoice.line_removed", &[("id", &id), ("line", &line)]));
        }
        InvoiceCommand::Vehicle { id, plate, mileage } => {
            let visit = super::vehicles::visit_arg(Some(plate), mileage)?.unwrap_or_default();
            store.note_vehicle(&id, &visit)?;
            let noted = store.document_vehicle(&id)?.map(|noted| noted.plate).unwrap_or_default();
            println!("{}", lang.fill("vehicle.noted", &[("id", &id), ("plate", &noted)]));
        }
        InvoiceCommand::Discard { id } => {
            store.discard_invoice(&id)?;
            println!("{}", lang.fill("invoice.discarded", &[("id", &id)]));
        }
        InvoiceCommand::Issue { id } => {
            let number = store.issue_invoice_checked(&id)?;
            let total = store.invoice(&number)?.totals.map_or(0, |totals| totals.gross_minor);
            let total = format!("{} {}", currency, locale.format_amount(total, currency));
            println!("{}", lang.fill("invoice.issued", &[("id", &id), ("number", &number), ("total", &total)]));
        }
        InvoiceCommand::Credit { number, date, lines } => {
            let mut named = Vec::new();
            for line in lines {
                let (index, quantity) = match line.split_once('=') {
                    Some((index, quantity)) => (
                        index.to_owned(),
                        Some(parse_quantity(&locale.plain_decimal(quantity)).map_err(StoreError::from)?),
                    ),
                    None => (line, None),
                };
                let index: usize = index
                    .parse()
                    .map_err(|_| crate::command_error::CommandError::CreditLine { text: index.clone() })?;
                named.push((index, quantity));
            }
            let credit = store.credit_invoice(&number, date_arg(locale, &date)?.unwrap_or_else(today), &named)?;
            let total = format!("{} {}", currency, locale.format_amount(credit.gross_minor, currency));
            println!(
                "{}",
                lang.fill("invoice.credited", &[("credit", &credit.number), ("number", &number), ("total", &total)])
            );
        }
        InvoiceCommand::Remind { number, date } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let reminder = store.send_reminder(&number, date)?;
            let open = store
                .receivables(None, date)?
                .into_iter()
                .find(|receivable| receivable.number == reminder.invoice)
                .map_or(0, |receivable| receivable.open_minor());
            let amount = |minor: i64| format!("{} {}", currency.as_str(), locale.format_amount(minor, currency));
            println!(
                "{}",
                lang.fill(
                    "reminder.sent",
                    &[
                        ("level", &reminder.level.to_string()),
                        ("number", &reminder.invoice),
                        ("fee", &amount(reminder.fee_minor)),
                        ("open", &amount(open)),
                        ("letter", &rempart_domain::dunning::reminder_number(&reminder.invoice, reminder.level)),
                    ]
                )
            );
        }
        InvoiceCommand::Pdf { number, out } => {
            use rempart_domain::documents::PaperKind;
            let number = number.trim().to_owned();
            // An invoice, or a credit note or reminder letter named by its own number.
            let kind = match store.archived_kind(&number)? {
                Some(kind @ (PaperKind::CreditNote | PaperKind::Reminder)) => kind,
                _ => PaperKind::Invoice,
            };
            let path = rempart_web::documents::write_document_pdf(&store, kind, &number, out.as_deref())?;
            println!("{}", lang.fill("document.written", &[("path", &path.display().to_string())]));
        }
        InvoiceCommand::Show { id, format } => {
            let invoice = store.invoice(&id)?;
            let title = format!(
                "{} {} ({}), {} {}",
                lang.text("invoice"),
                invoice.number.clone().unwrap_or_else(|| format!("{} {}", lang.text("draft"), invoice.id)),
                store.contact_names()?.get(&invoice.contact).unwrap_or(&invoice.contact),
                locale.format_date(invoice.date),
                invoice.due_date.map_or_else(String::new, |due| format!(
                    "{} {}",
                    lang.text("due_date"),
                    locale.format_date(due)
                )),
            );
            let report = lines_report(title, &invoice.lines, invoice.totals.as_ref(), invoice.currency, (lang, locale));
            print!("{}", report.render(format, locale)?);
        }
        InvoiceCommand::List { format } => {
            let mut report = Report::new(
                lang.text("invoices").to_owned(),
                ["number", "id", "contact", "name", "date", "due_date", "currency", "total"]
                    .into_iter()
                    .map(|key| (key, lang.text(key).to_owned()))
                    .collect(),
            );
            let names = store.contact_names()?;
            for invoice in store.invoices()? {
                report.rows.push(vec![
                    invoice.number.clone().map_or(Cell::Empty, Cell::Text),
                    Cell::text(&invoice.id),
                    Cell::text(&invoice.contact),
                    names.get(&invoice.contact).map_or(Cell::Empty, Cell::text),
                    Cell::Date(invoice.date.to_string()),
                    invoice.due_date.map_or(Cell::Empty, |due| Cell::Date(due.to_string())),
                    Cell::text(invoice.currency.as_str()),
                    invoice
                        .totals
                        .as_ref()
                        .map_or(Cell::Empty, |totals| Cell::Amount(totals.gross_minor, invoice.currency)),
                ]);
            }
            print!("{}", report.render(format, locale)?);
        }
    }
    Ok(())
}

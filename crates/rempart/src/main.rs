//! `rempart`: the command line. It parses arguments, opens the store, calls the library crates and
//! prints; the rules, the log and the storage live in the library crates.

mod bench;
mod demo;
mod documents;
mod i18n;
mod import;
mod render;
mod reports;
mod sync;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use rempart_domain::{AccountEdited, AccountKind, AccountOpened, Country, Currency, EntryDraft, Locale};
use rempart_store::{Store, StoreError};

use i18n::Lang;
use render::{Cell, Format, Report};

#[derive(Parser)]
#[command(name = "rempart", version, about = "Business software that keeps working when it is attacked.")]
struct Cli {
    /// The company's data directory [default: ./rempart-data]
    #[arg(long, global = true, env = "REMPART_DATA")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a company and this node in the data directory.
    Init {
        #[arg(long)]
        company: String,
        #[arg(long)]
        country: Country,
        /// Month (1-12) in which the fiscal year starts.
        #[arg(long, default_value_t = 1)]
        fiscal_year_start_month: u32,
    },
    /// The company's details: address, bank account, identifiers, dunning fees and delays.
    #[command(subcommand)]
    Company(CompanyCommand),
    /// Manage the chart of accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// List the VAT codes with their rates and dates in force.
    Vat {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Customers and suppliers, with the company's own fields (such as vehicles).
    #[command(subcommand)]
    Contact(ContactCommand),
    /// The catalogue of items and services.
    #[command(subcommand)]
    Item(ItemCommand),
    /// Invoices: drafts, lines, issuing with a gapless number and its entry.
    #[command(subcommand)]
    Invoice(InvoiceCommand),
    /// Customer payments.
    #[command(subcommand)]
    Payment(PaymentCommand),
    /// Supplier bills: recorded with their input VAT, paid, listed.
    #[command(subcommand)]
    Bill(BillCommand),
    /// Record or reverse journal entries.
    #[command(subcommand)]
    Entry(EntryCommand),
    /// Import entries from a file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Print a report.
    Report {
        #[command(subcommand)]
        report: ReportKind,
        #[arg(long, global = true)]
        from: Option<String>,
        #[arg(long, global = true)]
        to: Option<String>,
        #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Close periods.
    #[command(subcommand)]
    Period(PeriodCommand),
    /// Check every event, link, seal and projection; exit non-zero on any problem.
    Verify,
    /// Derive all projections again from the log.
    Rebuild,
    /// Serve a hub: the blind relay between the nodes of many companies.
    #[command(args_conflicts_with_subcommands = true)]
    Hub {
        #[command(subcommand)]
        action: Option<HubAction>,
        #[arg(long, default_value = "127.0.0.1:7431")]
        listen: std::net::SocketAddr,
        /// The hub's object store: a directory, or s3://BUCKET (endpoint, region and credentials
        /// from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
        #[arg(long)]
        store: Option<String>,
        /// Admit any company without an admission token (a hub of one's own). `/metrics` is
        /// served to this machine, or elsewhere with `Authorization: Bearer $REMPART_METRICS_TOKEN`.
        #[arg(long)]
        open_signup: bool,
        /// Most companies the hub admits [default: 10000]
        #[arg(long)]
        companies_max: Option<u64>,
        /// Storage quota per company, in GiB [default: 20]
        #[arg(long)]
        quota_gib: Option<u64>,
        /// Serve over TLS with this certificate chain (PEM) ...
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// ... and this private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Attach this company to a hub: this node becomes its first admin device, and the recovery
    /// kit is shown once (or written with --kit-out).
    Connect {
        url: String,
        #[arg(long)]
        kit_out: Option<PathBuf>,
        /// The one-time admission token from the hub's operator (`rempart hub token`).
        #[arg(long)]
        token: Option<String>,
    },
    /// Show the company's current recovery kit again (from an admin device), or write it with
    /// --kit-out: after a revocation whose new kit was not shown, or to replace a worn copy.
    Kit {
        #[arg(long)]
        kit_out: Option<PathBuf>,
    },
    /// Pull from and push to the hub once, or keep doing it with --watch.
    Sync {
        /// Use this hub from now on (a hub moved, or replaced by a new one).
        #[arg(long)]
        hub: Option<String>,
        #[arg(long)]
        watch: bool,
        /// Seconds between two syncs with --watch.
        #[arg(long, default_value_t = 10)]
        interval: u64,
        /// An admission token, for a new or wiped hub that does not hold the company yet.
        #[arg(long)]
        token: Option<String>,
    },
    /// The company's devices.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Rebuild a lost device from the hub alone, with the recovery kit (--kit FILE: its 24
    /// words, the company id and the roster fingerprint printed on it), into a new data
    /// directory; ends by verifying it.
    Restore {
        #[arg(long)]
        hub: String,
        #[arg(long)]
        kit: PathBuf,
    },
    /// This node, its hub, what is not uploaded yet, the other nodes as last seen, forks and
    /// conflicts.
    Status,
    /// Invariants broken when the nodes' events met (journal numbers, shared identifiers,
    /// records made twice), for people to resolve.
    Conflicts {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Settle the conflict of this id (the last column) once it was looked at: no device
        /// lists it any more.
        #[arg(long, value_name = "ID")]
        settle: Option<String>,
    },
    /// Enrol this machine as a new device of a company, with a code from `rempart device invite`.
    Join {
        /// The code, or `-` to read it from standard input (so it stays out of the shell's
        /// history and the list of processes).
        #[arg(required_unless_present = "code_file", conflicts_with = "code_file")]
        code: Option<String>,
        /// Read the code from this file (`-`: standard input).
        #[arg(long)]
        code_file: Option<PathBuf>,
        #[arg(long)]
        hub: String,
    },
    /// Create a sample Swiss garage with a year of activity and show its books.
    Demo,
    /// Measure import, commit, report, verify and rebuild speed on generated data.
    Bench {
        #[arg(long, default_value_t = 1_000_000)]
        entries: usize,
        /// Where to create the benchmark companies [default: a new temporary directory]
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Measure the import (and its floor) only.
        #[arg(long)]
        import_only: bool,
        /// Measure invoicing instead: a year of --invoices invoices, issuing, PDF, VAT return,
        /// receivables.
        #[arg(long)]
        invoicing: bool,
        #[arg(long, default_value_t = 100_000)]
        invoices: usize,
        /// Measure sync instead: push and pull of --events events through a hub on loopback,
        /// a restore, the hub's bytes per event, and the hub under load from --tenants companies.
        #[arg(long)]
        sync: bool,
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        #[arg(long, default_value_t = 1_000)]
        tenants: usize,
        /// Entries recorded per commit when the first device's books are made (each commit
        /// carries one seal): 1 makes books recorded entry by entry.
        #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(1..))]
        entries_per_commit: u64,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
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
enum ContactCommand {
    /// Add a contact: --name and any --set FIELD=VALUE (street, building_number, postcode, town,
    /// country, email, phone, vat_number, siren, siret, payment_terms_days, language, role,
    /// x.NAME, RECORD.N.NAME such as vehicle.1.plate).
    Add {
        #[arg(long)]
        name: String,
        /// Id [default: a new random id]
        #[arg(long)]
        id: Option<String>,
        #[arg(long = "set")]
        sets: Vec<String>,
    },
    /// Set or clear fields of a contact.
    Edit {
        id: String,
        #[arg(long = "set")]
        sets: Vec<String>,
        #[arg(long = "clear")]
        clears: Vec<String>,
    },
    /// Show a contact's current fields.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List the contacts.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Find the contacts with a field containing TEXT (a name, a town, a plate...).
    Search {
        text: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Every write to a contact's fields, overwritten values included.
    History {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The company's own contact fields.
    #[command(subcommand)]
    Field(ContactFieldCommand),
}

#[derive(Subcommand)]
enum ContactFieldCommand {
    /// Define a field: x.NAME for one value per contact, RECORD.NAME for repeated records
    /// (vehicle.plate, then vehicle.1.plate, vehicle.2.plate on a contact).
    Add {
        name: String,
        #[arg(long)]
        label: String,
        #[arg(long = "type", default_value = "text")]
        kind: rempart_domain::contacts::FieldKind,
    },
    /// List the company's own contact fields.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum ItemCommand {
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
    },
    /// List the catalogue.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum InvoiceCommand {
    /// Start a draft invoice for a contact.
    New {
        #[arg(long)]
        contact: String,
        /// Invoice date [default: today]
        #[arg(long)]
        date: Option<String>,
        /// Round the total to 0.05 (Swiss cash rounding).
        #[arg(long)]
        cash_rounding: bool,
    },
    /// Add a line to a draft: an --item of the catalogue, or --text, --price, --vat and --account.
    Line {
        id: String,
        #[arg(long)]
        item: Option<String>,
        #[arg(long)]
        text: Option<String>,
        #[arg(long = "qty", default_value = "1", allow_hyphen_values = true)]
        quantity: String,
        #[arg(long, allow_hyphen_values = true)]
        price: Option<String>,
        /// Discount in percent.
        #[arg(long, default_value = "0", allow_hyphen_values = true)]
        discount: String,
        #[arg(long)]
        vat: Option<String>,
        #[arg(long)]
        account: Option<String>,
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
    /// customer's language.
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

#[derive(Subcommand)]
enum PaymentCommand {
    /// Record a customer's payment: allocated to the --invoice NUMBER[=AMOUNT] given, or to the
    /// open invoices oldest first; an overpayment is a credit for the customer.
    Add {
        #[arg(long)]
        contact: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// Payment date [default: today]
        #[arg(long)]
        date: Option<String>,
        /// Bank or cash account [default: 1020 (CH) or 512 (FR)]
        #[arg(long)]
        account: Option<String>,
        #[arg(long = "invoice")]
        invoices: Vec<String>,
    },
}

#[derive(Subcommand)]
enum BillCommand {
    /// Record a supplier's bill: --line ACCOUNT=NET:VATCODE[:TEXT], such as 4000=100.00:IN81.
    Add {
        #[arg(long)]
        supplier: String,
        /// The supplier's number for the bill.
        #[arg(long = "ref")]
        reference: String,
        /// Bill date [default: today]
        #[arg(long)]
        date: Option<String>,
        /// Due date [default: the supplier's payment terms, else 30 days]
        #[arg(long)]
        due: Option<String>,
        #[arg(long = "line", required = true, allow_hyphen_values = true)]
        lines: Vec<String>,
    },
    /// List the bills, paid or not, by due date.
    List {
        /// Only this supplier's bills.
        #[arg(long)]
        supplier: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Pay a bill, in full or --amount.
    Pay {
        id: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: Option<String>,
        #[arg(long)]
        date: Option<String>,
        /// Bank or cash account [default: 1020 (CH) or 512 (FR)]
        #[arg(long)]
        account: Option<String>,
    },
}

#[derive(Subcommand)]
enum CompanyCommand {
    /// Show the company and its details.
    Show {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Set (--set FIELD=VALUE) or clear (--clear FIELD) details: street, building_number,
    /// postcode, town, country, email, phone, vat_number, siren, siret, iban, qr_iban,
    /// dunning_N_days, dunning_N_fee (N = 1 to 3).
    Set {
        #[arg(long = "set")]
        sets: Vec<String>,
        #[arg(long = "clear")]
        clears: Vec<String>,
    },
    /// Set the logo printed at the top of the company's documents (a PNG file of at most
    /// 512 KiB), or --remove it.
    Logo {
        #[arg(required_unless_present = "remove", conflicts_with = "remove")]
        file: Option<PathBuf>,
        #[arg(long)]
        remove: bool,
    },
}

#[derive(Subcommand)]
enum EntryCommand {
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
enum ImportCommand {
    /// Import entries from CSV (entry_id,date,journal,account,amount,currency,text) or JSON Lines.
    Entries { file: PathBuf },
}

#[derive(Subcommand)]
enum ReportKind {
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
    /// The VAT return of a period (2026-Q3, 2026-03, 2026, or --from/--to): Swiss federal form
    /// (effective method) or French CA3 main lines.
    Vat {
        #[arg(long)]
        period: Option<String>,
        /// List the entries behind each figure.
        #[arg(long)]
        detail: bool,
    },
}

#[derive(Subcommand)]
enum HubAction {
    /// Issue a one-time admission token that lets one new company in (printed on the last line).
    Token {
        /// The hub's object store, as given to `rempart hub --store`.
        #[arg(long)]
        store: String,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Publish a one-time invitation for a new device; the code is printed alone on the last line.
    Invite {
        /// admin or member
        #[arg(long, default_value = "member", value_parser = sync::role)]
        role: rempart_sync::Role,
        /// Hours the code stays valid.
        #[arg(long, default_value_t = 24)]
        hours: u64,
    },
    /// Remove a device: what it wrote so far stays, nothing more is accepted from it, and data
    /// written from now on uses a new key it does not have.
    Revoke {
        id: String,
        /// Where to write the new recovery kit, when the revoked device is an admin.
        #[arg(long)]
        kit_out: Option<PathBuf>,
        /// Keep the devices the revoked one enrolled (they get the new keys): the person's word
        /// that they are trusted.
        #[arg(long)]
        keep_enrolled: bool,
    },
    /// Go on under a new identity: a copy of this device's data (put back from a backup) that
    /// cannot reach the hub to confirm its own head starts a new chain and records at once.
    Rechain,
    /// The devices of the company, from the roster.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum PeriodCommand {
    /// Close the books up to a month's end: nothing dated on or before it can be recorded after.
    Close {
        #[arg(long)]
        until: String,
    },
}

fn main() -> ExitCode {
    quiet_on_closed_output();
    let lang = Lang::from_environment();
    let cli = match localized(Cli::command(), lang, "help").try_get_matches() {
        Ok(matches) => match Cli::from_arg_matches(&matches) {
            Ok(cli) => cli,
            Err(error) => error.exit(),
        },
        Err(error) => error.exit(),
    };
    // The hub logs its requests (with tenant and request ids, never payloads) unless told otherwise.
    let default_level = if matches!(cli.command, Command::Hub { .. }) { "info" } else { "error" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("REMPART_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            let lang = Lang::from_environment();
            eprintln!(
                "{} {}",
                lang.text("error.prefix"),
                sync::translated(&error, lang).unwrap_or_else(|| error_text(&error))
            );
            ExitCode::FAILURE
        }
    }
}

/// The command tree with its descriptions (of commands and of their arguments) in `lang`, where
/// the catalogue has them: `help-<command path>` and `help-<command path>-<argument>`, the path
/// joined by `-` (`help-entry-add`, `help-entry-add-date`). English comes from the catalogue too,
/// so that every language says the same.
fn localized(command: clap::Command, lang: Lang, path: &str) -> clap::Command {
    let mut command = command;
    if let Some(about) = lang.try_text(path) {
        command = command.about(about);
    }
    let arguments: Vec<(String, bool)> =
        command.get_arguments().map(|argument| (argument.get_id().to_string(), argument.is_positional())).collect();
    for (id, positional) in arguments {
        let help = lang.try_text(&format!("{path}-{}", id.replace('_', "-")));
        // clap's own words too: the headings, and the help and version flags below.
        let heading = lang.text(if positional { "clap.arguments" } else { "clap.options" });
        command = command.mut_arg(&id, |argument| {
            let argument = argument.help_heading(heading);
            match help {
                Some(help) => argument.help(help),
                None => argument,
            }
        });
    }
    let usage = lang.text("clap.usage");
    command = command
        .help_template(format!("{{about-with-newline}}\n{usage} {{usage}}\n\n{{all-args}}{{after-help}}"))
        .subcommand_help_heading(lang.text("clap.commands"))
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(flag("help", 'h', clap::ArgAction::Help, lang));
    if path == "help" {
        command = command.disable_version_flag(true).arg(flag("version", 'V', clap::ArgAction::Version, lang));
    }
    let subcommands: Vec<String> = command.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
    for name in subcommands {
        let sub_path = format!("{path}-{name}");
        command = command.mut_subcommand(&name, |sub| localized(sub, lang, &sub_path));
    }
    command
}

/// clap's help or version flag (`--help`, `--version`), described in `lang` (`clap-help`,
/// `clap-version`).
fn flag(id: &'static str, short: char, action: clap::ArgAction, lang: Lang) -> clap::Arg {
    clap::Arg::new(id)
        .short(short)
        .long(id)
        .action(action)
        .help(lang.text(&format!("clap.{id}")))
        .help_heading(lang.text("clap.options"))
}

/// Every description of the command tree, as `help-...` catalogue ids with their English text
/// (from the doc comments): what `localized` looks for.
#[cfg(test)]
fn descriptions(command: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
    if let Some(about) = command.get_about() {
        out.push((path.to_owned(), about.to_string()));
    }
    for argument in command.get_arguments() {
        if let Some(help) = argument.get_help() {
            out.push((format!("{path}-{}", argument.get_id().as_str().replace('_', "-")), help.to_string()));
        }
    }
    for sub in command.get_subcommands() {
        descriptions(sub, &format!("{path}-{}", sub.get_name()), out);
    }
}

/// A closed standard output (`rempart status | head -1`: the reader has seen enough) ends the
/// command quietly with status 0. Printing panics when a write fails; a broken pipe (EPIPE, os
/// error 32) is told from any other failure (a full disk under a redirection still fails loudly).
fn quiet_on_closed_output() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("os error 32") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}

/// The whole chain of causes on one line, without repeating a cause already quoted.
pub fn error_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

fn data_dir(cli_dir: &Option<PathBuf>) -> PathBuf {
    cli_dir.clone().unwrap_or_else(|| PathBuf::from("rempart-data"))
}

/// A quantity or a percentage as the company's locale writes it, in the plain form the domain
/// reads: in France the decimal comma (`1,5`) becomes a dot; the domain then refuses what is not
/// a number.
fn plain_decimal(locale: Locale, text: &str) -> String {
    match locale {
        Locale::French if !text.contains('.') && text.matches(',').count() == 1 => text.replacen(',', ".", 1),
        _ => text.to_owned(),
    }
}

/// A date as the company's locale writes it, or ISO (`Locale::read_date`).
fn date_arg(locale: Locale, text: &Option<String>) -> Result<Option<NaiveDate>> {
    text.as_deref().map(|text| locale.read_date(text)).transpose().map_err(Into::into)
}

fn today() -> NaiveDate {
    let seconds =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
    chrono::DateTime::from_timestamp(seconds as i64, 0).map_or(NaiveDate::MIN, |time| time.date_naive())
}

fn locale_of(store: &Store) -> Result<Locale> {
    Ok(Locale::of_country(store.company()?.country))
}

fn run(cli: Cli) -> Result<ExitCode> {
    let lang = Lang::from_environment();
    let dir = data_dir(&cli.data_dir);
    match cli.command {
        Command::Init { company, country, fiscal_year_start_month } => {
            let store = Store::init(&dir, &company, country, fiscal_year_start_month)?;
            println!(
                "{}",
                lang.fill(
                    "company.created",
                    &[("name", &company), ("dir", &dir.display()), ("node", &store.node().short())]
                )
            );
        }
        Command::Account(command) => account(&dir, lang, command)?,
        Command::Company(CompanyCommand::Show { format }) => {
            let store = Store::open(&dir)?;
            let company = store.company()?.clone();
            let mut report = Report::new(
                company.name.clone(),
                vec![("field", lang.text("field").to_owned()), ("value", lang.text("value").to_owned())],
            );
            let mut row = |field: &str, value: String| report.rows.push(vec![Cell::text(field), Cell::Text(value)]);
            row("name", company.name.clone());
            row("country", company.country.code().to_owned());
            row("currency", company.currency.as_str().to_owned());
            row("fiscal_year_start_month", company.fiscal_year_start_month.to_string());
            if let Some(until) = store.state().closed_until {
                row("closed_until", until.to_string());
            }
            row("tenant", store.tenant().to_string());
            row("node", store.node().to_string());
            for (field, value) in store.company_details()? {
                match field.as_str() {
                    "logo" => {
                        let size = rempart_domain::company::logo_png(&value).map_or(0, |png| png.len().div_ceil(1024));
                        row(&field, lang.fill("company.logo_shown", &[("size", &size)]));
                    }
                    _ => row(&field, value),
                }
            }
            print!("{}", report.render(format, Locale::of_country(company.country))?);
        }
        Command::Company(CompanyCommand::Set { sets, clears }) => {
            let mut store = Store::open(&dir)?;
            store.set_company_details(rempart_store::contacts::parse_assignments(&sets, &clears)?)?;
            println!("{}", lang.text("company.updated"));
        }
        Command::Company(CompanyCommand::Logo { file, remove }) => {
            let mut store = Store::open(&dir)?;
            match file.filter(|_| !remove) {
                Some(file) => {
                    let bytes = std::fs::read(&file).with_context(|| file.display().to_string())?;
                    let logo = rempart_docs::Logo::from_png(&bytes)?;
                    let value = rempart_domain::company::logo_value(&bytes);
                    store.set_company_details([("logo".to_owned(), Some(value))].into())?;
                    let size = bytes.len().div_ceil(1024);
                    println!(
                        "{}",
                        lang.fill(
                            "company.logo_set",
                            &[("width", &logo.width), ("height", &logo.height), ("size", &size)]
                        )
                    );
                }
                None => {
                    store.set_company_details([("logo".to_owned(), None)].into())?;
                    println!("{}", lang.text("company.logo_removed"));
                }
            }
        }
        Command::Contact(command) => contact(&dir, lang, command)?,
        Command::Item(command) => item(&dir, lang, command)?,
        Command::Invoice(command) => invoice(&dir, lang, command)?,
        Command::Bill(command) => bill(&dir, lang, command)?,
        Command::Payment(PaymentCommand::Add { contact, amount, date, account, invoices }) => {
            let mut store = Store::open(&dir)?;
            let company = store.company()?.clone();
            let locale = Locale::of_country(company.country);
            let amount_minor = locale.read_amount(&amount, company.currency)?;
            let mut named = Vec::new();
            for invoice in invoices {
                let (number, amount) = match invoice.split_once('=') {
                    Some((number, amount)) => (number.to_owned(), Some(locale.read_amount(amount, company.currency)?)),
                    None => (invoice, None),
                };
                named.push((number, amount));
            }
            let account = account.unwrap_or_else(|| money_account_default(company.country));
            let payment = store.receive_payment(
                &contact,
                date_arg(locale, &date)?.unwrap_or_else(today),
                amount_minor,
                &account,
                &named,
            )?;
            let allocated: i64 = payment.allocations.iter().map(|allocation| allocation.amount_minor).sum();
            println!(
                "{}",
                lang.fill(
                    "payment.received",
                    &[
                        ("id", &payment.id),
                        ("allocated", &locale.format_amount(allocated, company.currency)),
                        ("credit", &locale.format_amount(payment.unallocated_minor, company.currency))
                    ]
                )
            );
        }
        Command::Vat { format } => {
            let store = Store::open(&dir)?;
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
        }
        Command::Entry(EntryCommand::Add { date, text, postings, journal, id }) => {
            let mut store = Store::open(&dir)?;
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
                    .collect::<Result<_>>()?,
            };
            store.post_entries(std::slice::from_ref(&draft), &mut |_| {}).map_err(|error| match error {
                StoreError::Entry { source, .. } => anyhow::Error::from(source),
                other => other.into(),
            })?;
            let (journal, number) = entry_number(&store, &draft.id)?;
            println!(
                "{}",
                lang.fill("entry.recorded", &[("id", &draft.id), ("journal", &journal), ("number", &number)])
            );
        }
        Command::Entry(EntryCommand::Reverse { id, date }) => {
            let mut store = Store::open(&dir)?;
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
        Command::Import(ImportCommand::Entries { file }) => import_entries(&dir, lang, &file)?,
        Command::Report { report, from, to, format } => {
            let store = Store::open(&dir)?;
            let locale = locale_of(&store)?;
            let (from, to) = (date_arg(locale, &from)?, date_arg(locale, &to)?);
            let report = match report {
                ReportKind::TrialBalance => reports::trial_balance(&store, lang, from, to)?,
                ReportKind::BalanceSheet => reports::balance_sheet(&store, lang, locale, to.unwrap_or_else(today))?,
                ReportKind::IncomeStatement => {
                    reports::income_statement(&store, lang, locale, from, to.unwrap_or_else(today))?
                }
                ReportKind::Ledger { account } => reports::ledger(&store, lang, &account, from, to)?,
                ReportKind::Journal => reports::journal(&store, lang, from, to)?,
                ReportKind::Receivables => reports::receivables(&store, lang, locale, to.unwrap_or_else(today))?,
                ReportKind::Payables => reports::payables(&store, lang, locale, to.unwrap_or_else(today))?,
                ReportKind::Dunning => reports::dunning(&store, lang, locale, to.unwrap_or_else(today))?,
                ReportKind::Vat { period, detail } => {
                    let (from, to) = match (period, from, to) {
                        (Some(period), _, _) => {
                            rempart_domain::vat::parse_period(&period).map_err(|message| anyhow!(message))?
                        }
                        (None, Some(from), Some(to)) => (from, to),
                        _ => return Err(anyhow!("give --period (2026-Q3, 2026-03, 2026) or both --from and --to")),
                    };
                    reports::vat_return(&store, lang, locale, from, to, detail)?
                }
            };
            print!("{}", report.render(format, locale)?);
        }
        Command::Period(PeriodCommand::Close { until }) => {
            let mut store = Store::open(&dir)?;
            let until = locale_of(&store)?.read_date(&until)?;
            store.close_period(until)?;
            println!("{}", lang.fill("period.closed", &[("date", &locale_of(&store)?.format_date(until))]));
        }
        Command::Verify => return verify::run(&dir, lang),
        Command::Rebuild => {
            let mut store = Store::open_for_repair(&dir)?;
            let hash = store.rebuild()?;
            println!("{}", lang.fill("rebuild.done", &[("events", &store.event_count()?), ("hash", &hash)]));
        }
        Command::Hub { action: Some(HubAction::Token { store }), .. } => return sync::hub_token(&store, lang),
        Command::Hub { action: None, listen, store, open_signup, companies_max, quota_gib, tls_cert, tls_key } => {
            let store = store.ok_or_else(|| anyhow::anyhow!("{}", lang.text("hub.no_store")))?;
            let tls = tls_cert.as_deref().zip(tls_key.as_deref());
            let admission = sync::HubAdmission { open_signup, companies_max };
            return sync::hub(listen, &store, quota_gib, admission, tls, lang);
        }
        Command::Kit { kit_out } => return sync::show_kit(&dir, kit_out.as_deref(), lang),
        Command::Connect { url, kit_out, token } => {
            return sync::connect(&dir, &url, kit_out.as_deref(), token.as_deref(), lang);
        }
        Command::Sync { hub, watch, interval, token } => {
            return sync::sync(&dir, hub.as_deref(), token.as_deref(), watch, interval, lang);
        }
        Command::Device(DeviceCommand::Invite { role, hours }) => return sync::invite(&dir, role, hours, lang),
        Command::Device(DeviceCommand::Revoke { id, kit_out, keep_enrolled }) => {
            return sync::revoke(&dir, &id, kit_out.as_deref(), keep_enrolled, lang);
        }
        Command::Device(DeviceCommand::List { format }) => return sync::devices(&dir, format, lang),
        Command::Device(DeviceCommand::Rechain) => return sync::rechain(&dir, lang),
        Command::Join { code, code_file, hub } => {
            let code = sync::invitation_code(code.as_deref(), code_file.as_deref())?;
            return sync::join(&dir, &code, &hub, lang);
        }
        Command::Status => return sync::status(&dir, lang),
        Command::Restore { hub, kit } => {
            return sync::restore(&dir, &hub, &kit, lang);
        }
        Command::Conflicts { format, settle } => return sync::conflicts(&dir, format, settle.as_deref(), lang),
        Command::Demo => {
            let target = match &cli.data_dir {
                Some(dir) => dir.clone(),
                None => std::env::temp_dir().join(format!("rempart-demo-{}", std::process::id())),
            };
            return demo::run(&target, lang);
        }
        Command::Bench { sync: true, events, tenants, entries_per_commit, dir, .. } => {
            bench::sync::run(events, tenants, entries_per_commit as usize, dir, lang)?
        }
        Command::Bench { invoicing: true, invoices, dir, .. } => bench::invoicing::run(invoices, dir, lang)?,
        Command::Bench { entries, dir, import_only, .. } => bench::run(entries, dir, import_only, lang)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// An entry's journal and number as people read them: the number after its series, if any.
fn entry_number(store: &Store, id: &str) -> Result<(String, String)> {
    let (journal, series, number): (String, Option<String>, i64) =
        store.connection().query_row("SELECT journal, series, number FROM p_entries WHERE id = ?1", [id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    Ok((journal, rempart_domain::entry_number_text(series.as_deref(), number as u64)))
}

fn account(dir: &Path, lang: Lang, command: AccountCommand) -> Result<()> {
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
                return Err(anyhow!("nothing to change: give --label, --close or --reopen"));
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

fn money_account_default(country: Country) -> String {
    match country {
        Country::Ch => "1020",
        Country::Fr => "512",
    }
    .to_owned()
}

fn bill(dir: &Path, lang: Lang, command: BillCommand) -> Result<()> {
    use rempart_domain::bills::{BillError, BillLine};
    let mut store = Store::open(dir)?;
    let company = store.company()?.clone();
    let locale = Locale::of_country(company.country);
    match command {
        BillCommand::Add { supplier, reference, date, due, lines } => {
            let mut parsed = Vec::new();
            for text in lines {
                let bad = || StoreError::from(BillError::BadLine { text: text.clone() });
                let (account, rest) = text.split_once('=').ok_or_else(bad)?;
                let mut parts = rest.splitn(3, ':');
                let net = parts.next().ok_or_else(bad)?;
                let vat_code = parts.next().ok_or_else(bad)?;
                let net_minor = locale.read_amount(net, company.currency)?;
                parsed.push(BillLine {
                    account: account.to_owned(),
                    net_minor,
                    vat_code: vat_code.to_owned(),
                    text: parts.next().unwrap_or("").to_owned(),
                });
            }
            let bill = store.record_bill(
                &supplier,
                &reference,
                date_arg(locale, &date)?.unwrap_or_else(today),
                date_arg(locale, &due)?,
                parsed,
            )?;
            let total = format!("{} {}", company.currency, locale.format_amount(bill.gross_minor, company.currency));
            println!(
                "{}",
                lang.fill(
                    "bill.recorded",
                    &[("id", &bill.id), ("total", &total), ("due", &locale.format_date(bill.due_date))]
                )
            );
        }
        BillCommand::Pay { id, amount, date, account } => {
            let amount = amount.map(|amount| locale.read_amount(&amount, company.currency)).transpose()?;
            let account = account.unwrap_or_else(|| money_account_default(company.country));
            let paid = store.pay_bill(&id, date_arg(locale, &date)?.unwrap_or_else(today), amount, &account)?;
            let amount = format!("{} {}", company.currency, locale.format_amount(paid.amount_minor, company.currency));
            println!("{}", lang.fill("bill.paid", &[("id", &id), ("amount", &amount)]));
        }
        BillCommand::List { supplier, format } => {
            print!("{}", reports::bills(&store, lang, supplier.as_deref())?.render(format, locale)?);
        }
    }
    Ok(())
}

fn quantity_text(quantity_milli: i64) -> String {
    let text = format!("{}.{:03}", quantity_milli / 1000, quantity_milli % 1000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn invoice(dir: &Path, lang: Lang, command: InvoiceCommand) -> Result<()> {
    use rempart_domain::invoices::{line_net, parse_discount, parse_quantity, parse_unit_price};
    let mut store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    let currency = store.company()?.currency;
    match command {
        InvoiceCommand::New { contact, date, cash_rounding } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let id = store.draft_invoice(&contact, date, cash_rounding)?;
            println!("{}", lang.fill("invoice.drafted", &[("id", &id)]));
        }
        InvoiceCommand::Line { id, item, text, quantity, price, discount, vat, account } => {
            let spec = rempart_store::invoices::LineSpec {
                item,
                text,
                quantity_milli: parse_quantity(&plain_decimal(locale, &quantity)).map_err(StoreError::from)?,
                unit_price_minor: price
                    .map(|price| import::plain_amount(&price, locale, currency))
                    .transpose()?
                    .map(|price| parse_unit_price(&price, currency))
                    .transpose()
                    .map_err(StoreError::from)?,
                discount_bp: parse_discount(&plain_decimal(locale, &discount)).map_err(StoreError::from)?,
                vat_code: vat,
                account,
            };
            let line = store.add_invoice_line(&id, spec)?;
            let net = locale.format_amount(line_net(&line), currency);
            println!("{}", lang.fill("invoice.line_added", &[("id", &id), ("text", &line.text), ("net", &net)]));
        }
        InvoiceCommand::Issue { id } => {
            let number = store.issue_invoice(&id)?;
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
                        Some(parse_quantity(&plain_decimal(locale, quantity)).map_err(StoreError::from)?),
                    ),
                    None => (line, None),
                };
                let index: usize = index
                    .parse()
                    .map_err(|_| anyhow!("--line {index}: write the line number, like --line 2 or --line 2=0.5"))?;
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
                    ]
                )
            );
        }
        InvoiceCommand::Pdf { number, out } => {
            let path = documents::write_invoice_pdf(&store, &number, out.as_deref(), lang)?;
            println!("{}", lang.fill("document.written", &[("path", &path.display().to_string())]));
        }
        InvoiceCommand::Show { id, format } => {
            let invoice = store.invoice(&id)?;
            let title = format!(
                "{} {} ({}), {} {}",
                lang.text("invoice"),
                invoice.number.clone().unwrap_or_else(|| format!("{} {}", lang.text("draft"), invoice.id)),
                invoice.contact,
                locale.format_date(invoice.date),
                invoice.due_date.map_or_else(String::new, |due| format!(
                    "{} {}",
                    lang.text("due_date"),
                    locale.format_date(due)
                )),
            );
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
            for (index, line) in invoice.lines.iter().enumerate() {
                report.rows.push(vec![
                    Cell::Number(index as i64 + 1),
                    line.item.as_ref().map_or(Cell::Empty, Cell::text),
                    Cell::text(&line.text),
                    Cell::text(quantity_text(line.quantity_milli)),
                    Cell::Amount(line.unit_price_minor, invoice.currency),
                    Cell::text(format!("{}.{:02}", line.discount_bp / 100, line.discount_bp % 100)),
                    Cell::text(&line.vat_code),
                    Cell::Amount(line_net(line), invoice.currency),
                ]);
            }
            if let Some(totals) = &invoice.totals {
                for (code, vat) in &totals.by_vat_code {
                    let rate = format!("{}.{:02} %", vat.rate_bp / 100, vat.rate_bp % 100);
                    report.totals.push(vec![
                        Cell::Empty,
                        Cell::Empty,
                        Cell::text(format!(
                            "{} {code} {rate} / {}",
                            lang.text("vat"),
                            locale.format_amount(vat.net_minor, invoice.currency)
                        )),
                        Cell::Empty,
                        Cell::Empty,
                        Cell::Empty,
                        Cell::text(code),
                        Cell::Amount(vat.vat_minor, invoice.currency),
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
                        Cell::Amount(totals.rounding_minor, invoice.currency),
                    ]);
                }
                report.totals.push(vec![
                    Cell::Empty,
                    Cell::Empty,
                    Cell::text(lang.text("total")),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::text(invoice.currency.as_str()),
                    Cell::Amount(totals.gross_minor, invoice.currency),
                ]);
            }
            print!("{}", report.render(format, locale)?);
        }
        InvoiceCommand::List { format } => {
            let mut report = Report::new(
                lang.text("invoices").to_owned(),
                ["number", "id", "contact", "date", "due_date", "currency", "total"]
                    .into_iter()
                    .map(|key| {
                        let heading = match key {
                            "id" => "status",
                            other => other,
                        };
                        (key, lang.text(heading).to_owned())
                    })
                    .collect(),
            );
            for invoice in store.invoices()? {
                report.rows.push(vec![
                    invoice.number.clone().map_or(Cell::Empty, Cell::Text),
                    Cell::text(&invoice.id),
                    Cell::text(&invoice.contact),
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

fn item(dir: &Path, lang: Lang, command: ItemCommand) -> Result<()> {
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
        ItemCommand::Edit { code, label, unit, price, vat, account, deactivate, activate } => {
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

fn contact_list_report(lang: Lang, contacts: Vec<(String, rempart_store::contacts::Fields)>) -> Report {
    let mut report = Report::new(
        lang.text("contacts").to_owned(),
        ["id", "name", "town", "phone", "email"]
            .into_iter()
            .map(|key| (key, lang.text(if key == "id" { "contact" } else { key }).to_owned()))
            .collect(),
    );
    for (id, fields) in contacts {
        let field = |name: &str| fields.get(name).map_or(Cell::Empty, Cell::text);
        report.rows.push(vec![Cell::text(&id), field("name"), field("town"), field("phone"), field("email")]);
    }
    report
}

fn contact(dir: &Path, lang: Lang, command: ContactCommand) -> Result<()> {
    use rempart_store::contacts::parse_assignments;
    let mut store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    match command {
        ContactCommand::Add { name, id, sets } => {
            let mut fields = parse_assignments(&sets, &[])?;
            fields.insert("name".to_owned(), Some(name));
            let id = store.create_contact(id, fields)?;
            println!("{}", lang.fill("contact.added", &[("id", &id)]));
        }
        ContactCommand::Edit { id, sets, clears } => {
            store.edit_contact(&id, parse_assignments(&sets, &clears)?)?;
            println!("{}", lang.fill("contact.edited", &[("id", &id)]));
        }
        ContactCommand::Show { id, format } => {
            let mut report = Report::new(
                format!("{} {id}", lang.text("contact")),
                vec![("field", lang.text("field").to_owned()), ("value", lang.text("value").to_owned())],
            );
            for (field, value) in store.contact(&id)? {
                report.rows.push(vec![Cell::Text(field), Cell::Text(value)]);
            }
            print!("{}", report.render(format, locale)?);
        }
        ContactCommand::List { format } => {
            print!("{}", contact_list_report(lang, store.contacts(None)?).render(format, locale)?);
        }
        ContactCommand::Search { text, format } => {
            print!("{}", contact_list_report(lang, store.contacts(Some(&text))?).render(format, locale)?);
        }
        ContactCommand::History { id, format } => {
            let mut report = Report::new(
                lang.fill("contact.history", &[("id", &id)]),
                ["time", "node", "field", "value", "current"]
                    .into_iter()
                    .map(|key| (key, lang.text(key).to_owned()))
                    .collect(),
            );
            for write in store.contact_history(&id)? {
                let time = chrono::DateTime::from_timestamp_millis(write.wall_ms as i64)
                    .map_or_else(String::new, |time| time.format("%Y-%m-%d %H:%M:%S").to_string());
                report.rows.push(vec![
                    Cell::Text(time),
                    Cell::Text(write.node_short),
                    Cell::Text(write.field),
                    write.value.map_or(Cell::Empty, Cell::Text),
                    if write.current { Cell::text("x") } else { Cell::Empty },
                ]);
            }
            print!("{}", report.render(format, locale)?);
        }
        ContactCommand::Field(ContactFieldCommand::Add { name, label, kind }) => {
            store.define_contact_field(rempart_domain::contacts::ContactFieldDefined {
                name: name.clone(),
                label,
                kind,
            })?;
            println!("{}", lang.fill("contact.field_defined", &[("name", &name)]));
        }
        ContactCommand::Field(ContactFieldCommand::List { format }) => {
            let mut report = Report::new(
                lang.text("contact_fields").to_owned(),
                vec![
                    ("name", lang.text("field").to_owned()),
                    ("label", lang.text("label").to_owned()),
                    ("kind", lang.text("kind").to_owned()),
                ],
            );
            for field in store.contact_field_definitions() {
                report.rows.push(vec![
                    Cell::Text(field.name),
                    Cell::Text(field.label),
                    Cell::text(field.kind.as_str()),
                ]);
            }
            print!("{}", report.render(format, locale)?);
        }
    }
    Ok(())
}

fn import_entries(dir: &Path, lang: Lang, file: &Path) -> Result<()> {
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
            let line = read.lines.get(position - 1).copied().unwrap_or(0);
            anyhow!("{} line {line}: entry {id}: {source}; nothing was imported", file.display())
        }
        other => anyhow::Error::from(other).context(format!("{}: nothing was imported", file.display())),
    })?;
    println!("{}", lang.fill("import.done", &[("recorded", &outcome.recorded), ("present", &outcome.already_present)]));
    Ok(())
}

#[cfg(test)]
mod help_tests {
    use clap::CommandFactory;

    use super::*;

    /// Every description of a command or argument is in the catalogue, the English one being the
    /// doc comment's very text (so the catalogue cannot drift from the code), and so in French
    /// and German too (the catalogue's own test).
    #[test]
    fn every_description_of_the_command_line_is_in_the_catalogue() {
        let mut found = Vec::new();
        descriptions(&Cli::command(), "help", &mut found);
        assert!(found.len() > 100, "{}", found.len());
        for (id, english) in &found {
            assert_eq!(Lang::En.try_text(id), Some(english.as_str()), "{id}");
            for lang in [Lang::Fr, Lang::De] {
                let translated = lang.try_text(id).unwrap_or_else(|| panic!("{id} in {lang:?}"));
                assert!(!translated.is_empty(), "{id} in {lang:?}");
            }
        }
    }

    /// `--help` speaks the reader's language: the descriptions of commands and arguments come
    /// from the catalogue.
    #[test]
    fn the_help_is_translated() {
        for lang in [Lang::En, Lang::Fr, Lang::De] {
            let mut command = localized(Cli::command(), lang, "help");
            let top = command.render_help().to_string();
            assert!(top.contains(lang.text("help")), "{lang:?}: {top}");
            let entry = command.find_subcommand_mut("entry").expect("entry");
            let add = entry.find_subcommand_mut("add").expect("entry add");
            assert_eq!(add.get_about().map(|about| about.to_string()).as_deref(), lang.try_text("help-entry-add"));
        }
        assert_ne!(Lang::Fr.text("help-entry-add"), Lang::En.text("help-entry-add"));
        // clap's own words: the headings and the help flag.
        for lang in [Lang::En, Lang::Fr, Lang::De] {
            let mut command = localized(Cli::command(), lang, "help");
            let help = command.find_subcommand_mut("entry").expect("entry").render_help().to_string();
            for key in ["clap.usage", "clap.options", "clap.commands", "clap.help"] {
                assert!(help.contains(lang.text(key)), "{lang:?} {key}: {help}");
            }
        }
        let german = localized(Cli::command(), Lang::De, "help").render_help().to_string();
        assert!(!german.contains("Usage:") && !german.contains("Print help"), "{german}");
        assert_ne!(Lang::De.text("help-entry-add"), Lang::En.text("help-entry-add"));
    }
}

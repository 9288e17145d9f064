//! The command line's shape: the top `Cli` and its `Command` tree (each business module's own
//! subcommands live in `commands::<module>`), the help in the reader's language (`localized`), and
//! the data directory. The doc comments are the English help texts, the catalogue's `help-...` ids.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use rempart_domain::Country;

use crate::commands::backup::BackupCommand;
use crate::commands::bills::BillCommand;
use crate::commands::catalogue::ItemCommand;
use crate::commands::company::CompanyCommand;
use crate::commands::contacts::ContactCommand;
use crate::commands::devices::{DeviceCommand, HubAction};
use crate::commands::invoices::InvoiceCommand;
use crate::commands::ledger::{AccountCommand, EntryCommand, ImportCommand, PeriodCommand};
use crate::commands::payments::PaymentCommand;
use crate::commands::reports::ReportKind;
use crate::commands::stock::{LocationCommand, SkuCommand, StockCommand};
use crate::commands::tills::TillArgs;
use crate::commands::users::UserCommand;
use crate::i18n::Lang;
use rempart_reports::render::Format;

#[derive(Parser)]
#[command(name = "rempart", version, about = "Business software that keeps working when it is attacked.")]
pub(crate) struct Cli {
    /// The company's data directory [default: ./rempart-data]
    #[arg(long, global = true, env = "REMPART_DATA")]
    pub(crate) data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
    /// The places stock is kept: stores and warehouses.
    #[command(subcommand)]
    Location(LocationCommand),
    /// The SKUs stock is counted in: variants of catalogue items, with their barcodes.
    #[command(subcommand)]
    Sku(SkuCommand),
    /// Movements of stock: receipts, transfers and their arrival, counts and adjustments.
    #[command(subcommand)]
    Stock(StockCommand),
    /// This device as a till of a store: cash sessions, tickets sold and returned, receipts.
    Till(TillArgs),
    /// Loyalty: the program, cards for contacts, a card's points.
    #[command(subcommand)]
    Loyalty(crate::commands::loyalty::LoyaltyCommand),
    /// Replenishment: what each store should be sent, from its sales and stock.
    #[command(subcommand)]
    Replenish(crate::commands::replenish::ReplenishCommand),
    /// Purchase orders to suppliers: the warehouses' proposals, the orders and their deliveries.
    #[command(subcommand)]
    Purchase(crate::commands::replenish::PurchaseCommand),
    /// Invoices: drafts, lines, issuing with a gapless number and its entry.
    #[command(subcommand)]
    Invoice(InvoiceCommand),
    /// Quotes: drafts, lines, sending with a number, the customer's answer.
    #[command(subcommand)]
    Quote(crate::commands::quotes::QuoteCommand),
    /// Exports of the books in the formats the law asks for.
    #[command(subcommand)]
    Export(crate::commands::export::ExportCommand),
    /// Vehicles: a customer's cars, found by plate, and each one's history.
    #[command(subcommand)]
    Vehicle(crate::commands::vehicles::VehicleCommand),
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
    Verify {
        /// A till's archive to check alone, with no data directory (rempart till archive)
        #[arg(long)]
        archive: Option<std::path::PathBuf>,
    },
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
    /// Rebuild a lost device from the hub alone, or from backups (--from, the first whole, then
    /// what the others hold that it lacked), with the recovery kit (--kit FILE: its 24 words, the
    /// company id and the roster fingerprint printed on it), into a new data directory; ends by
    /// verifying it.
    Restore {
        /// The company's hub: restored from it, or, with --from, recorded to sync with afterwards.
        #[arg(long, required_unless_present = "from")]
        hub: Option<String>,
        /// A backup target, or another node's data directory, to restore from (repeat for more).
        #[arg(long = "from")]
        from: Vec<String>,
        /// Restore the books as they were at this moment (2026-06-02T10:30:00+02:00): the commits
        /// recorded up to it, none after.
        #[arg(long)]
        until: Option<String>,
        #[arg(long)]
        kit: PathBuf,
    },
    /// The company's backups: their targets, a backup now, their check.
    #[command(subcommand)]
    Backup(BackupCommand),
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
    Demo {
        /// Then serve it in the web app, with an owner's login printed.
        #[arg(long)]
        serve: bool,
        /// CH, the Swiss garage; FR, the French workshop keeping French books.
        #[arg(long, default_value = "CH", conflicts_with = "chain")]
        country: String,
        /// Where the web app listens, with --serve.
        #[arg(long, default_value = "127.0.0.1:8080", requires = "serve")]
        listen: std::net::SocketAddr,
        /// Build a retail chain instead: a hub, head office, the warehouse and the stores, each
        /// node its own data directory, through a year of sales, loyalty and replenishment.
        #[arg(long, conflicts_with = "serve")]
        chain: bool,
        /// The chain's stores, each with one till.
        #[arg(long, default_value_t = 20, requires = "chain", value_parser = clap::value_parser!(u16).range(1..=99))]
        stores: u16,
        /// The weeks of sales, from the first of January.
        #[arg(long, default_value_t = 52, requires = "chain", value_parser = clap::value_parser!(u16).range(4..=52))]
        weeks: u16,
        /// The tickets of an average store on an average day.
        #[arg(long, default_value_t = 10, requires = "chain", value_parser = clap::value_parser!(u16).range(1..=1000))]
        tickets: u16,
    },
    /// Replay an incident and check what it did not destroy.
    #[command(subcommand)]
    Drill(crate::chain::DrillCommand),
    /// Serve this node's web app: the company's pages, in the browser, from this machine.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Serve over TLS with this certificate chain (PEM), needed beyond this machine ...
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// ... and this private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// The people who use the web app, and their roles.
    #[command(subcommand)]
    User(UserCommand),
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
        /// Measure the web app's pages instead: the dashboard, lists and reports on a garage's
        /// year of --invoices invoices and --entries more entries.
        #[arg(long)]
        web: bool,
        /// Measure a store's till instead: tickets committed one by one, and the store's stock
        /// query over a year of movements.
        #[arg(long)]
        till: bool,
        /// Measure the FEC instead: a French book of --entries entries and one a tenth its size,
        /// each exported, with the memory the export took.
        #[arg(long)]
        fec: bool,
        /// Measure backups instead: a company of --events entries backed up to a folder, an
        /// incremental backup of a change (and restic on it, if installed), and the restore of
        /// the whole log from the folder.
        #[arg(long)]
        backup: bool,
        /// Measure a chain of --stores stores instead: a year of their tills' tickets (--lines
        /// lines in all) imported from sync on head office, beside the ledger's sync rate.
        #[arg(long)]
        stores: Option<usize>,
        #[arg(long, default_value_t = 5_000_000)]
        lines: usize,
    },
}

/// The command tree with its descriptions (of commands and of their arguments) in `lang`, where
/// the catalogue has them: `help-<command path>` and `help-<command path>-<argument>`, the path
/// joined by `-` (`help-entry-add`, `help-entry-add-date`). English comes from the catalogue too,
/// so that every language says the same.
pub(crate) fn localized(command: clap::Command, lang: Lang, path: &str) -> clap::Command {
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
pub(crate) fn flag(id: &'static str, short: char, action: clap::ArgAction, lang: Lang) -> clap::Arg {
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
pub(crate) fn descriptions(command: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
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

pub(crate) fn data_dir(cli_dir: &Option<PathBuf>) -> PathBuf {
    cli_dir.clone().unwrap_or_else(|| PathBuf::from("rempart-data"))
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

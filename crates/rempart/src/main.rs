//! `rempart`: the command line. It parses arguments, opens the store, calls the library crates and
//! prints; the rules, the log and the storage live in the library crates.

mod bench;
mod chain;
mod cli;
mod command_error;
mod commands;
mod demo;
mod demo_france;
mod i18n;
mod import;
mod serve;
mod speak;
mod sync;
mod usage;
mod verify;

use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches};

use cli::{Cli, Command, localized};
pub(crate) use command_error::CommandError;
use commands::devices::HubAction;
use commands::ledger::ImportCommand;
use commands::{bills, catalogue, company, contacts, devices, invoices, ledger, payments, users};
use i18n::Lang;

fn main() -> ExitCode {
    quiet_on_closed_output();
    let lang = Lang::from_environment();
    let cli = match localized(Cli::command(), lang, "help").try_get_matches() {
        Ok(matches) => match Cli::from_arg_matches(&matches) {
            Ok(cli) => cli,
            Err(error) => usage::exit(error, lang),
        },
        Err(error) => usage::exit(error, lang),
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
            eprintln!("{} {}", lang.text("error.prefix"), speak::message(&error, lang));
            ExitCode::FAILURE
        }
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

fn run(cli: Cli) -> Result<ExitCode> {
    let lang = Lang::from_environment();
    let dir = cli::data_dir(&cli.data_dir);
    match cli.command {
        Command::Init { company: name, country, fiscal_year_start_month } => {
            company::init(&dir, lang, &name, country, fiscal_year_start_month)?
        }
        Command::Company(command) => company::company(&dir, lang, command)?,
        Command::Account(command) => ledger::account(&dir, lang, command)?,
        Command::Vat { format } => ledger::vat_codes(&dir, lang, format)?,
        Command::Contact(command) => contacts::contact(&dir, lang, command)?,
        Command::Item(command) => catalogue::item(&dir, lang, command)?,
        Command::Location(command) => commands::stock::location(&dir, lang, command)?,
        Command::Sku(command) => commands::stock::sku(&dir, lang, command)?,
        Command::Stock(command) => commands::stock::stock(&dir, lang, command)?,
        Command::Till(command) => commands::tills::till(&dir, lang, command)?,
        Command::Loyalty(command) => commands::loyalty::loyalty(&dir, lang, command)?,
        Command::Replenish(command) => commands::replenish::replenish(&dir, lang, command)?,
        Command::Purchase(command) => commands::replenish::purchase(&dir, lang, command)?,
        Command::Invoice(command) => invoices::invoice(&dir, lang, command)?,
        Command::Quote(command) => commands::quotes::quote(&dir, lang, command)?,
        Command::Vehicle(command) => commands::vehicles::vehicle(&dir, lang, command)?,
        Command::Export(command) => commands::export::export(&dir, lang, command)?,
        Command::Payment(command) => payments::payment(&dir, lang, command)?,
        Command::Bill(command) => bills::bill(&dir, lang, command)?,
        Command::Entry(command) => ledger::entry(&dir, lang, command)?,
        Command::Import(ImportCommand::Entries { file }) => ledger::import_entries(&dir, lang, &file)?,
        Command::Report { report, from, to, format } => commands::reports::run(&dir, lang, report, from, to, format)?,
        Command::Period(command) => ledger::period(&dir, lang, command)?,
        Command::Verify { archive: Some(archive) } => return verify::run_archive(&archive, &dir, lang),
        Command::Verify { archive: None } => return verify::run(&dir, lang),
        Command::Rebuild => company::rebuild(&dir, lang)?,
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
        Command::Device(command) => return devices::device(&dir, lang, command),
        Command::Join { code, code_file, hub } => {
            let code = sync::invitation_code(code.as_deref(), code_file.as_deref())?;
            return sync::join(&dir, &code, &hub, lang);
        }
        Command::Status => return sync::status(&dir, lang),
        Command::Restore { hub, from, until, kit } => {
            return sync::restore(&dir, (hub.as_deref(), &from), until.as_deref(), &kit, lang);
        }
        Command::Backup(command) => return commands::backup::backup(&dir, lang, command),
        Command::Conflicts { format, settle } => return sync::conflicts(&dir, format, settle.as_deref(), lang),
        Command::Demo { chain: true, stores, weeks, tickets, .. } => {
            let target = match &cli.data_dir {
                Some(dir) => dir.clone(),
                None => std::env::temp_dir().join(format!("rempart-chain-{}", std::process::id())),
            };
            let size = chain::Size { stores: stores.into(), weeks: weeks.into(), tickets: tickets.into() };
            return chain::build::run(&target, size, lang);
        }
        Command::Drill(chain::DrillCommand::Chain { chain, work }) => {
            return chain::drill::run(&chain, work.as_deref(), lang);
        }
        Command::Drill(chain::DrillCommand::Ransom) => {
            return commands::backup::drill(&dir, lang, rempart_backup::DrillKind::Ransom);
        }
        Command::Drill(chain::DrillCommand::Hub { chain: Some(chain), work }) => {
            return chain::hub_drill::run(&chain, work.as_deref(), lang);
        }
        Command::Drill(chain::DrillCommand::Hub { chain: None, .. }) => {
            return commands::backup::drill(&dir, lang, rempart_backup::DrillKind::Hub);
        }
        Command::Demo { serve, listen, country, .. } => {
            let target = match &cli.data_dir {
                Some(dir) => dir.clone(),
                None => std::env::temp_dir().join(format!("rempart-demo-{}", std::process::id())),
            };
            let country =
                country.parse::<rempart_domain::Country>().map_err(|_| CommandError::DemoCountry { text: country })?;
            let code = demo::run(&target, lang, country)?;
            if !serve {
                return Ok(code);
            }
            serve::demo_owner(&target, lang)?;
            return serve::serve(&target, listen, None, lang);
        }
        Command::Serve { listen, tls_cert, tls_key } => {
            return serve::serve(&dir, listen, tls_cert.as_deref().zip(tls_key.as_deref()), lang);
        }
        Command::User(command) => users::user(&dir, lang, command)?,
        Command::Bench { sync: true, events, tenants, entries_per_commit, dir, .. } => {
            bench::sync::run(events, tenants, entries_per_commit as usize, dir, lang)?
        }
        Command::Bench { invoicing: true, invoices, dir, .. } => bench::invoicing::run(invoices, dir, lang)?,
        Command::Bench { till: true, dir, .. } => bench::tills::run(dir, lang)?,
        Command::Bench { fec: true, entries, dir, .. } => bench::fec::run(entries, dir, lang)?,
        Command::Bench { backup: true, events, dir, .. } => bench::backup::run(events, dir, lang)?,
        Command::Bench { stores: Some(stores), lines, dir, .. } => bench::stores::run(stores, lines, dir, lang)?,
        Command::Bench { web: true, entries, invoices, dir, .. } => bench::web::run(entries, invoices, dir, lang)?,
        Command::Bench { entries, dir, import_only, .. } => bench::run(entries, dir, import_only, lang)?,
    }
    Ok(ExitCode::SUCCESS)
}

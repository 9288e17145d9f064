//! The company itself: creating it (`init`), its details and logo (`company`), and deriving its
//! projections again from the log (`rebuild`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use rempart_domain::{Country, Locale};
use rempart_store::Store;

use crate::i18n::Lang;
use rempart_reports::render::{Cell, Format, Report};

#[derive(Subcommand)]
pub(crate) enum CompanyCommand {
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
    /// How the company settles VAT from --from on. Switzerland: by the effective method, or at the
    /// net tax rates the tax office approved (--rate, and a --second-rate with the revenue
    /// accounts it applies to). France: the VAT on services paid on receipts (the default) or, by
    /// option, on debits
    VatMethod {
        /// effective or net (Switzerland); receipts or debits (France)
        method: String,
        /// The first day it applies to
        #[arg(long)]
        from: String,
        /// The (first) net tax rate, in percent, such as 6.2
        #[arg(long)]
        rate: Option<String>,
        /// A second net tax rate, in percent
        #[arg(long, requires = "second_accounts")]
        second_rate: Option<String>,
        /// The revenue accounts the second rate applies to, separated by commas
        #[arg(long, value_delimiter = ',', requires = "second_rate")]
        second_accounts: Vec<String>,
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

/// Creates a company and this node in `dir` (`init`).
pub(crate) fn init(
    dir: &Path,
    lang: Lang,
    company: &str,
    country: Country,
    fiscal_year_start_month: u32,
) -> Result<()> {
    let store = Store::init(dir, company, country, fiscal_year_start_month)?;
    println!(
        "{}",
        lang.fill("company.created", &[("name", &company), ("dir", &dir.display()), ("node", &store.node().short())])
    );
    Ok(())
}

/// Runs a `company` command: shows or sets the company's details or logo.
pub(crate) fn company(dir: &Path, lang: Lang, command: CompanyCommand) -> Result<()> {
    match command {
        CompanyCommand::Show { format } => {
            let store = Store::open(dir)?;
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
                    name if name.starts_with(rempart_domain::vat::VAT_METHOD_PREFIX) => {
                        let locale = Locale::of_country(company.country);
                        if let Some(dated) = rempart_domain::vat::dated_vat_method(&field, &value) {
                            row("vat_method", rempart_i18n::vat_method_text(lang, locale, &dated?));
                        }
                    }
                    _ => row(&field, value),
                }
            }
            print!("{}", report.render(format, Locale::of_country(company.country))?);
        }
        CompanyCommand::Set { sets, clears } => {
            let mut store = Store::open(dir)?;
            store.set_company_details(rempart_store::contacts::parse_assignments(&sets, &clears)?)?;
            println!("{}", lang.text("company.updated"));
        }
        CompanyCommand::VatMethod { method, from, rate, second_rate, second_accounts } => {
            let mut store = Store::open(dir)?;
            let locale = Locale::of_country(store.company()?.country);
            let from = locale.read_date(&from)?;
            let second = second_rate.as_deref().map(|rate| (rate, second_accounts));
            let method = rempart_domain::vat::read_vat_method(locale, &method, rate.as_deref(), second)?;
            store.set_vat_method(from, method)?;
            println!("{}", lang.fill("company.vat_method_set", &[("from", &locale.format_date(from))]));
        }
        CompanyCommand::Logo { file, remove } => {
            let mut store = Store::open(dir)?;
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
    }
    Ok(())
}

/// Derives all projections again from the log (`rebuild`).
pub(crate) fn rebuild(dir: &Path, lang: Lang) -> Result<()> {
    let mut store = Store::open_for_repair(dir)?;
    let hash = store.rebuild()?;
    println!("{}", lang.fill("rebuild.done", &[("events", &store.event_count()?), ("hash", &hash)]));
    Ok(())
}

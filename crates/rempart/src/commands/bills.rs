//! Supplier bills (`bill`): recorded with their input VAT, paid, listed.

use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_domain::Locale;
use rempart_store::{Store, StoreError};

use super::common::{date_arg, today};
use crate::i18n::Lang;
use rempart_reports as reports;
use rempart_reports::render::Format;

#[derive(Subcommand)]
pub(crate) enum BillCommand {
    /// Record a supplier's bill: --line ACCOUNT=NET:VATCODE[:TEXT], such as 4000=100.00:IN81.
    Add {
        /// The supplier: their number, or their name.
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
        /// The bill's id, as `bill list` shows it; or name it by --supplier and --reference.
        #[arg(required_unless_present = "supplier", conflicts_with = "supplier")]
        id: Option<String>,
        /// The supplier, by name or number ...
        #[arg(long, requires = "reference")]
        supplier: Option<String>,
        /// ... and the reference the supplier gave the bill.
        #[arg(long, requires = "supplier")]
        reference: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        amount: Option<String>,
        #[arg(long)]
        date: Option<String>,
        /// Bank or cash account [default: 1020 (CH) or 512 (FR)]
        #[arg(long)]
        account: Option<String>,
    },
}

/// A contact's name, else its number.
fn contact_name(store: &Store, id: &str) -> String {
    store.contact(id).ok().and_then(|fields| fields.get("name").cloned()).unwrap_or_else(|| id.to_owned())
}

/// Runs a `bill` command: records, pays or lists supplier bills.
pub(crate) fn bill(dir: &Path, lang: Lang, command: BillCommand) -> Result<()> {
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
            let supplier = store.find_contact(&supplier)?;
            let bill = store.record_bill(
                &supplier,
                &reference,
                date_arg(locale, &date)?.unwrap_or_else(today),
                date_arg(locale, &due)?,
                parsed,
            )?;
            let total = format!("{} {}", company.currency, locale.format_amount(bill.gross_minor, company.currency));
            let name = contact_name(&store, &bill.supplier);
            println!(
                "{}",
                lang.fill(
                    "bill.recorded",
                    &[
                        ("reference", &bill.reference),
                        ("supplier", &name),
                        ("total", &total),
                        ("due", &locale.format_date(bill.due_date)),
                        ("id", &bill.id)
                    ]
                )
            );
        }
        BillCommand::Pay { id, supplier, reference, amount, date, account } => {
            let id = match (id, supplier.zip(reference)) {
                (Some(id), _) => id,
                (None, Some((supplier, reference))) => store.find_bill(&store.find_contact(&supplier)?, &reference)?,
                (None, None) => unreachable!("clap requires an id or a supplier and a reference"),
            };
            let amount = amount.map(|amount| locale.read_amount(&amount, company.currency)).transpose()?;
            let account = account.unwrap_or_else(|| company.country.bank_account().to_owned());
            let paid = store.pay_bill(&id, date_arg(locale, &date)?.unwrap_or_else(today), amount, &account)?;
            let amount = format!("{} {}", company.currency, locale.format_amount(paid.amount_minor, company.currency));
            let bill = store.bill(&id)?.ok_or_else(|| StoreError::from(BillError::UnknownBill { id: id.clone() }))?;
            let name = contact_name(&store, &bill.supplier);
            println!(
                "{}",
                lang.fill("bill.paid", &[("reference", &bill.reference), ("supplier", &name), ("amount", &amount)])
            );
        }
        BillCommand::List { supplier, format } => {
            let supplier = supplier.map(|typed| store.find_contact(&typed)).transpose()?;
            print!("{}", reports::bills(&store, lang, supplier.as_deref())?.render(format, locale)?);
        }
    }
    Ok(())
}

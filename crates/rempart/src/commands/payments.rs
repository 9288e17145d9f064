//! Customer payments (`payment`), allocated to their invoices.

use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_domain::Locale;
use rempart_store::Store;

use super::common::{date_arg, today};
use crate::i18n::Lang;

#[derive(Subcommand)]
pub(crate) enum PaymentCommand {
    /// Record a customer's payment: allocated to the --invoice NUMBER[=AMOUNT] given, or to the
    /// open invoices oldest first; an overpayment is a credit for the customer.
    Add {
        /// The customer: their number, or their name.
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

/// Runs a `payment` command: records a customer's payment.
pub(crate) fn payment(dir: &Path, lang: Lang, command: PaymentCommand) -> Result<()> {
    match command {
        PaymentCommand::Add { contact, amount, date, account, invoices } => {
            let mut store = Store::open(dir)?;
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
            let account = account.unwrap_or_else(|| company.country.bank_account().to_owned());
            let contact = store.find_contact(&contact)?;
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
            // French services' VAT awaiting payment that this payment made due.
            let made_due: i64 = payment.vat_due.iter().map(|due| due.tax_minor).sum();
            if made_due != 0 {
                println!(
                    "{}",
                    lang.fill("payment.vat_due", &[("tax", &locale.format_amount(made_due, company.currency))])
                );
            }
        }
    }
    Ok(())
}

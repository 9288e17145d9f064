//! Tills (`till`, issue 21): this device bound to a store as a till, its cash sessions, tickets
//! sold and returned, and the receipt as printed on an 80 mm roll.

use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_domain::closures::ClosureSealed;
use rempart_domain::tills::{Method, Tender, TicketRecorded, TillError};
use rempart_domain::{Currency, Locale};
use rempart_store::Store;
use rempart_store::tills::{Discount, SaleLine};

use super::common::{date_arg, locale_of, today};
use crate::i18n::Lang;

#[derive(clap::Args)]
pub(crate) struct TillArgs {
    /// The business day of what is recorded [default: today]
    #[arg(long, global = true)]
    date: Option<String>,
    #[command(subcommand)]
    command: TillCommand,
}

#[derive(Subcommand)]
pub(crate) enum TillCommand {
    /// Make this device a till of a store, named by a code of its own that its tickets carry.
    Bind {
        till: String,
        /// The store it sells for
        #[arg(long)]
        location: String,
    },
    /// Open a cash session with the float counted into the drawer.
    Open {
        #[arg(long)]
        float: String,
    },
    /// Sell: prints the ticket's number and its receipt once the ticket is on disk.
    Sell {
        /// SKU=QTY or SKU=QTY@PRICE (price VAT included); a barcode may stand for the SKU
        #[arg(long = "line", required = true)]
        lines: Vec<String>,
        /// On the whole ticket: a percentage (10%) or an amount
        #[arg(long)]
        discount: Option<String>,
        /// cash=AMOUNT, card=AMOUNT, twint=AMOUNT or voucher=CODE:AMOUNT
        #[arg(long = "pay", required = true)]
        payments: Vec<String>,
        /// The customer's loyalty card
        #[arg(long)]
        card: Option<String>,
        /// Points of the card spent on this ticket (whole rewards)
        #[arg(long, default_value_t = 0)]
        redeem: i64,
    },
    /// Take goods of a ticket back: a new ticket naming it, paid back.
    Return {
        ticket: String,
        /// SKU=QTY returned [default: all that is left of the ticket]
        #[arg(long = "line")]
        lines: Vec<String>,
        /// How it is paid back: cash, card or twint
        #[arg(long, default_value = "cash")]
        pay: String,
    },
    /// Put cash into the drawer (positive) or take it out (negative), with a reason.
    Cash {
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// Close the cash session with what was counted in the drawer; prints the difference.
    Close {
        #[arg(long)]
        counted: String,
    },
    /// Print a ticket's receipt again, or write it as an 80 mm PDF.
    Ticket {
        number: String,
        /// Write the receipt as a PDF to this file
        #[arg(long)]
        pdf: Option<std::path::PathBuf>,
    },
    /// Seal the closure of a period: a day (2026-03-02), a month (2026-03) or a year (2026).
    Closure { period: String },
    /// List a till's closures, with their totals and grand total.
    Closures {
        /// Another device's till, by its code [default: this device's]
        #[arg(long)]
        till: Option<String>,
    },
    /// Write the signed archive of a closed period, which rempart verify --archive checks anywhere.
    Archive {
        /// A closed day (2026-03-02), month (2026-03) or year (2026)
        #[arg(long)]
        period: String,
        /// The file to write
        #[arg(long)]
        out: std::path::PathBuf,
        /// Another device's till, by its code [default: this device's]
        #[arg(long)]
        till: Option<String>,
    },
}

/// Reads `SKU=QTY[@PRICE]`.
fn sale_line(text: &str, locale: Locale, currency: Currency) -> Result<SaleLine> {
    let bad = || TillError::BadLine { text: text.to_owned() };
    let (code, rest) = text.split_once('=').ok_or_else(bad)?;
    let (qty, price) = match rest.split_once('@') {
        Some((qty, price)) => (qty, Some(locale.read_amount(price.trim(), currency)?)),
        None => (rest, None),
    };
    let qty: i64 = qty.trim().parse().map_err(|_| bad())?;
    if code.trim().is_empty() || qty <= 0 {
        return Err(bad().into());
    }
    Ok(SaleLine { code: code.trim().to_owned(), qty, price_minor: price })
}

/// Reads `METHOD=AMOUNT` or `voucher=CODE:AMOUNT`.
fn tender(text: &str, locale: Locale, currency: Currency) -> Result<Tender> {
    let bad = || TillError::BadTender { text: text.to_owned() };
    let (method, rest) = text.split_once('=').ok_or_else(bad)?;
    let method = Method::parse(method)?;
    let (voucher, amount) = match method {
        Method::Voucher => {
            let (code, amount) = rest.split_once(':').ok_or_else(bad)?;
            (Some(code.trim().to_owned()), amount)
        }
        _ => (None, rest),
    };
    Ok(Tender { method, amount_minor: locale.read_amount(amount.trim(), currency)?, voucher })
}

fn discount(text: &str, locale: Locale, currency: Currency) -> Result<Discount> {
    match text.trim().strip_suffix('%') {
        Some(percent) => {
            let bp = rempart_domain::invoices::parse_discount(percent.trim())
                .map_err(|_| TillError::BadTicketDiscount { text: text.to_owned() })?;
            Ok(Discount::Percent(bp))
        }
        None => Ok(Discount::Amount(locale.read_amount(text.trim(), currency)?)),
    }
}

/// Runs a `till` command.
pub(crate) fn till(dir: &Path, lang: Lang, TillArgs { date, command }: TillArgs) -> Result<()> {
    let mut store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    let today = || -> Result<chrono::NaiveDate> { Ok(date_arg(locale, &date)?.unwrap_or_else(today)) };
    let currency = store.company()?.currency;
    let amount = |minor: i64| locale.format_amount(minor, currency);
    match command {
        TillCommand::Bind { till, location } => {
            let bound = store.bind_till(&till, &location)?;
            println!("{}", lang.fill("till.bound", &[("till", &bound.till), ("location", &bound.location)]));
        }
        TillCommand::Open { float } => {
            let float_minor = locale.read_amount(&float, currency)?;
            let session = store.open_session(float_minor, today()?)?;
            println!("{}", lang.fill("till.opened", &[("session", &session), ("float", &amount(float_minor))]));
        }
        TillCommand::Sell { lines, discount: off, payments, card, redeem } => {
            let lines = lines.iter().map(|text| sale_line(text, locale, currency)).collect::<Result<Vec<_>>>()?;
            let payments = payments.iter().map(|text| tender(text, locale, currency)).collect::<Result<Vec<_>>>()?;
            let off = off.map(|text| discount(&text, locale, currency)).transpose()?;
            let ticket = store.sell_spending(&lines, off, payments, card, redeem, today()?)?;
            print!("{}", receipt(&store, lang, locale, &ticket)?);
            if let Some(card) = &ticket.card {
                let balance = store.card_balance(card, ticket.date)?;
                println!("{}", lang.fill("till.receipt.points", &[("card", card), ("points", &balance.points)]));
            }
            println!("{}", ticket.number);
        }
        TillCommand::Return { ticket, lines, pay } => {
            let method = Method::parse(&pay)?;
            let lines = lines
                .iter()
                .map(|text| sale_line(text, locale, currency).map(|line| (line.code, line.qty)))
                .collect::<Result<Vec<_>>>()?;
            let lines = (!lines.is_empty()).then_some(lines);
            let back = store.return_ticket(&ticket, lines.as_deref(), method, today()?)?;
            print!("{}", receipt(&store, lang, locale, &back)?);
            println!("{}", back.number);
        }
        TillCommand::Cash { amount: moved, reason } => {
            let moved = locale.read_amount(&moved, currency)?;
            store.move_cash(moved, &reason, today()?)?;
            println!("{}", lang.fill("till.cash_moved", &[("amount", &amount(moved)), ("reason", &reason)]));
        }
        TillCommand::Close { counted } => {
            let counted = locale.read_amount(&counted, currency)?;
            let closing = store.close_session(counted, today()?)?;
            println!(
                "{}",
                lang.fill(
                    "till.closed",
                    &[
                        ("expected", &amount(closing.expected_minor)),
                        ("counted", &amount(closing.counted_minor)),
                        ("difference", &amount(closing.difference_minor())),
                    ]
                )
            );
        }
        TillCommand::Ticket { number, pdf: None } => {
            let ticket =
                store.ticket(&number)?.ok_or_else(|| TillError::UnknownTicket { number: number.to_uppercase() })?;
            print!("{}", receipt(&store, lang, locale, &ticket)?);
        }
        TillCommand::Ticket { number, pdf: Some(out) } => {
            let doc =
                rempart_web::documents::receipt_document(&store, &number, rempart_web::documents::doc_lang(lang))?;
            rempart_store::durable::write_atomically(&out, &rempart_docs::receipt_pdf(&doc))
                .map_err(|source| crate::CommandError::NotWritten { path: out.clone(), source })?;
            println!("{}", lang.fill("till.receipt.written", &[("number", &doc.number), ("file", &out.display())]));
        }
        TillCommand::Closure { period } => {
            let closure = store.seal_closure(&period, today()?)?;
            print!("{}", closure_text(lang, locale, &closure));
        }
        TillCommand::Closures { till } => {
            for closure in store.closures(till.as_deref())? {
                println!(
                    "{}",
                    lang.fill(
                        "till.closure.row",
                        &[
                            ("number", &closure.number.to_string()),
                            ("span", &lang.text(&format!("till.span.{}", closure.span.as_str()))),
                            ("period", &closure.period),
                            ("tickets", &closure.totals.tickets.to_string()),
                            ("total", &amount(closure.totals.total_minor)),
                            ("grand", &amount(closure.grand_total_minor)),
                        ]
                    )
                );
            }
        }
        TillCommand::Archive { period, out, till } => {
            let archive = store.till_archive(till.as_deref(), &period)?;
            let bytes = serde_json::to_vec_pretty(&archive)?;
            rempart_store::durable::write_atomically(&out, &bytes)
                .map_err(|source| crate::CommandError::NotWritten { path: out.clone(), source })?;
            println!(
                "{}",
                lang.fill(
                    "till.archived",
                    &[
                        ("period", &archive.period),
                        ("till", &archive.till),
                        ("closures", &archive.closures.len().to_string()),
                        ("tickets", &archive.tickets.len().to_string()),
                        ("file", &out.display()),
                    ]
                )
            );
        }
    }
    Ok(())
}

/// A closure as printed: its period, number, tickets, totals by VAT rate and by way of paying,
/// the grand total and the signature's start.
pub(crate) fn closure_text(lang: Lang, locale: Locale, closure: &ClosureSealed) -> String {
    let amount = |minor: i64| locale.format_amount(minor, closure.currency);
    let rule = format!("{}\n", "-".repeat(RECEIPT_WIDTH));
    let mut text = edges(
        &lang.fill(
            "till.closure.head",
            &[
                ("span", &lang.text(&format!("till.span.{}", closure.span.as_str()))),
                ("period", &closure.period),
                ("till", &closure.till),
            ],
        ),
        &format!("#{}", closure.number),
    );
    text.push_str(&edges(
        &lang.fill(
            "till.closure.tickets",
            &[
                ("count", &closure.totals.tickets.to_string()),
                ("first", &closure.first_ticket.to_string()),
                ("last", &closure.last_ticket.to_string()),
            ],
        ),
        "",
    ));
    text.push_str(&rule);
    for rate in &closure.totals.by_rate {
        let percent = format!("{}.{:02}%", rate.rate_bp / 100, rate.rate_bp % 100);
        text.push_str(&edges(
            &lang.fill(
                "till.receipt.vat",
                &[("code", &rate.vat_code), ("rate", &percent), ("gross", &amount(rate.gross_minor))],
            ),
            &amount(rate.vat_minor),
        ));
    }
    for method in &closure.totals.by_method {
        text.push_str(&edges(
            lang.text(&format!("till.method.{}", method.method.as_str())),
            &amount(method.amount_minor),
        ));
    }
    text.push_str(&rule);
    text.push_str(&edges(
        &lang.fill("till.receipt.total", &[("currency", &closure.currency.as_str())]),
        &amount(closure.totals.total_minor),
    ));
    text.push_str(&edges(lang.text("till.closure.grand_total"), &amount(closure.grand_total_minor)));
    text.push_str(&edges(lang.text("till.closure.cost"), &amount(closure.cost_minor)));
    text.push_str(&edges(
        &lang.fill("till.closure.signature", &[("start", &&closure.signature[..16.min(closure.signature.len())])]),
        "",
    ));
    text
}

/// The width of an 80 mm receipt, in characters.
const RECEIPT_WIDTH: usize = 42;

/// A line with `left` and `right` at the receipt's edges.
fn edges(left: &str, right: &str) -> String {
    if right.is_empty() {
        return format!("{}\n", left.chars().take(RECEIPT_WIDTH).collect::<String>());
    }
    let room = RECEIPT_WIDTH.saturating_sub(right.chars().count() + 1);
    let left: String = left.chars().take(room).collect();
    format!("{left:<room$} {right}\n")
}

/// A ticket's receipt as an 80 mm printer prints it: the company, the till, the number, date and
/// time, the lines, the VAT per rate, the total, the payments and the change.
pub(crate) fn receipt(store: &Store, lang: Lang, locale: Locale, ticket: &TicketRecorded) -> Result<String> {
    let company = store.company()?;
    let currency = ticket.currency;
    let amount = |minor: i64| locale.format_amount(minor, currency);
    let rule = format!("{}\n", "-".repeat(RECEIPT_WIDTH));
    let mut text = format!("{}\n", company.name);
    let at = locale.local_time(ticket.at_ms).format("%H:%M").to_string();
    text.push_str(&edges(&lang.fill("till.receipt.till", &[("till", &ticket.till)]), &ticket.location));
    text.push_str(&edges(&lang.fill("till.receipt.number", &[("number", &ticket.number)]), ""));
    text.push_str(&edges(&format!("{} {at}", locale.format_date(ticket.date)), ""));
    if let Some(original) = &ticket.returns {
        text.push_str(&edges(&lang.fill("till.receipt.returns", &[("number", original)]), ""));
    }
    text.push_str(&rule);
    for line in &ticket.lines {
        text.push_str(&edges(&line.label, &amount(line.qty * line.unit_price_minor)));
        text.push_str(&format!("  {} × {} ({})\n", line.qty, amount(line.unit_price_minor), line.sku));
        if line.discount_minor != 0 {
            text.push_str(&edges(&format!("  {}", lang.text("till.receipt.discount")), &amount(-line.discount_minor)));
        }
    }
    text.push_str(&rule);
    text.push_str(&edges(
        &lang.fill("till.receipt.total", &[("currency", &currency.as_str())]),
        &amount(ticket.total_minor()),
    ));
    if ticket.rounding_minor != 0 {
        text.push_str(&edges(lang.text("till.receipt.rounding"), &amount(ticket.rounding_minor)));
    }
    for tender in &ticket.payments {
        let method = lang.text(&format!("till.method.{}", tender.method.as_str()));
        let name = match &tender.voucher {
            Some(code) => format!("{method} {code}"),
            None => method.to_owned(),
        };
        text.push_str(&edges(&name, &amount(tender.amount_minor)));
    }
    if ticket.change_minor != 0 {
        text.push_str(&edges(lang.text("till.receipt.change"), &amount(ticket.change_minor)));
    }
    text.push_str(&rule);
    for ((code, rate), total) in ticket.by_rate() {
        let rate = format!("{}.{:02}%", rate / 100, rate % 100);
        text.push_str(&edges(
            &lang.fill("till.receipt.vat", &[("code", &code), ("rate", &rate), ("gross", &amount(total.gross_minor))]),
            &amount(total.vat_minor),
        ));
    }
    Ok(text)
}

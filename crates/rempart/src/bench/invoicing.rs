//! `rempart bench --invoicing`: a garage chain's year of invoices (100,000 by default) imported
//! with their entries and paid month by month, the wholesaler's weekly bills; then what the
//! invoicing issue sets targets for: issuing one invoice durably with its entry, rendering its
//! PDF with the QR-bill, and the VAT return and receivables over that year.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use chrono::{Datelike, Days, NaiveDate};
use rempart_domain::bills::BillLine;
use rempart_domain::{Country, Locale};
use rempart_store::Store;
use rempart_store::invoices::{InvoiceImport, LineSpec};

use super::{finish, median, percentile, work_dir};
use crate::demo::{self, Lcg};
use crate::i18n::Lang;
use rempart_reports as reports;

/// Customers the invoices are spread over.
const CUSTOMERS: usize = 1_000;
/// Invoices per import commit.
const IMPORT_CHUNK: usize = 10_000;
/// Invoices issued one by one, each timed.
const ISSUES: usize = 300;
/// Timed runs of each report and of the PDF.
const RUNS: usize = 9;

const YEAR: i32 = 2025;

fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(YEAR, month, day).unwrap_or(NaiveDate::MIN)
}

fn millis(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1e3
}

/// The median and the slowest of `RUNS` runs of `work`, in milliseconds.
fn timed<T>(mut work: impl FnMut() -> Result<T>) -> Result<(String, T)> {
    let mut samples = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        last = Some(work()?);
        samples.push(started.elapsed());
    }
    let slowest = samples.iter().max().copied().unwrap_or_default();
    let text = format!("median {:.1} ms, max {:.1} ms ({RUNS} runs)", millis(median(samples)), millis(slowest));
    let Some(last) = last else { anyhow::bail!("no run") };
    Ok((text, last))
}

fn line(item: &str, quantity_milli: i64) -> LineSpec {
    LineSpec { item: Some(item.to_owned()), quantity_milli, ..LineSpec::default() }
}

/// One repair: labour, and up to three parts.
fn repair(random: &mut Lcg) -> Vec<LineSpec> {
    let labour = if random.between(0, 4) == 0 { "SERVICE" } else { "MO" };
    let mut lines = vec![line(labour, random.between(4, 24) * 250)];
    for _ in 0..random.between(0, 3) {
        lines.push(match random.between(0, 4) {
            0 => line("HUILE-5W30", random.between(3, 6) * 1000),
            1 => line("FILTRE-HUILE", 1000),
            2 => line("PLAQUETTES-AV", 1000),
            3 => line("PNEU-205-55R16", 4000),
            _ => line("MO-DIAG", 1000),
        });
    }
    lines
}

fn contacts(store: &mut Store) -> Result<()> {
    let towns = [("1110", "Morges"), ("1007", "Lausanne"), ("1260", "Nyon"), ("1950", "Sion"), ("2000", "Neuchâtel")];
    for index in 0..CUSTOMERS {
        let (postcode, town) = towns[index % towns.len()];
        let fields = [
            ("name", format!("Client {index:04}")),
            ("role", "customer".to_owned()),
            ("street", "Rue du Marché".to_owned()),
            ("building_number", (1 + index % 90).to_string()),
            ("postcode", postcode.to_owned()),
            ("town", town.to_owned()),
            ("country", "CH".to_owned()),
            ("language", ["fr", "de", "en"][index % 3].to_owned()),
        ];
        store.create_contact(
            Some(format!("C{index:04}")),
            fields.into_iter().map(|(field, value)| (field.to_owned(), Some(value))).collect(),
        )?;
    }
    let supplier = [("name", "Pièces Auto Léman SA"), ("role", "supplier"), ("payment_terms_days", "30")];
    store.create_contact(
        Some("FOU-001".to_owned()),
        supplier.into_iter().map(|(field, value)| (field.to_owned(), Some(value.to_owned()))).collect(),
    )?;
    Ok(())
}

pub fn run(invoices: usize, dir: Option<PathBuf>, lang: Lang) -> Result<()> {
    ensure!(invoices >= 1, "--invoices must be at least 1");
    let (root, created) = work_dir(dir)?;
    let mut store = Store::init(&root.join("garage"), "Garage du Lac Sàrl", Country::Ch, 1)?;
    let (mut rows, mut random) = garage_year(&mut store, invoices)?;
    measure(&mut store, &mut rows, &mut random, &root, lang)?;
    finish(rows, store, &root, created, lang)
}

/// A garage's year on `store`: its details, catalogue and customers, `invoices` invoices spread
/// over the year, their payments, weekly supplier bills; with the measures of making them.
pub fn garage_year(store: &mut Store, invoices: usize) -> Result<(Vec<(String, String)>, Lcg)> {
    let store = &mut *store;
    let mut rows: Vec<(String, String)> = Vec::new();
    demo::garage_details(&mut *store)?;
    demo::garage_catalogue(store)?;
    contacts(store)?;

    // A year of invoices, spread evenly over the days and at random over the customers.
    let mut random = Lcg::new(3);
    let imports: Vec<InvoiceImport> = (0..invoices)
        .map(|index| InvoiceImport {
            contact: format!("C{:04}", random.between(0, CUSTOMERS as i64 - 1)),
            date: day(1, 1) + Days::new((index * 365 / invoices) as u64),
            cash_rounding: false,
            lines: repair(&mut random),
        })
        .collect();
    let started = Instant::now();
    let mut issued = Vec::with_capacity(invoices);
    for chunk in imports.chunks(IMPORT_CHUNK) {
        issued.extend(store.import_invoices(chunk.to_vec())?);
    }
    let elapsed = started.elapsed();
    rows.push((
        format!("import {invoices} invoices with their entries ({IMPORT_CHUNK} per commit)"),
        format!("{:.1} s, {:.0} invoices/s", elapsed.as_secs_f64(), invoices as f64 / elapsed.as_secs_f64()),
    ));

    // Each customer pays the month's invoices on the 10th of the next month, in one payment;
    // one month in twenty is left unpaid.
    let mut months: BTreeMap<(String, u32), Vec<(String, i64)>> = BTreeMap::new();
    for (import, invoice) in imports.iter().zip(&issued) {
        months
            .entry((import.contact.clone(), import.date.month()))
            .or_default()
            .push((invoice.number.clone(), invoice.gross_minor));
    }
    let started = Instant::now();
    let mut payments = 0;
    for ((contact, month), owed) in &months {
        if random.between(0, 19) == 0 {
            continue;
        }
        let date = if *month == 12 { day(12, 31) + Days::new(10) } else { day(month + 1, 10) };
        let amount = owed.iter().map(|(_, gross)| gross).sum();
        let named: Vec<(String, Option<i64>)> = owed.iter().map(|(number, _)| (number.clone(), None)).collect();
        store.receive_payment(contact, date, amount, "1020", &named)?;
        payments += 1;
    }
    let elapsed = started.elapsed();
    rows.push((
        format!("{payments} payments, one per customer and month, each its own durable commit"),
        format!("{:.1} s, {:.2} ms each", elapsed.as_secs_f64(), millis(elapsed) / payments.max(1) as f64),
    ));
    for week in 0..52u64 {
        let date = day(1, 3) + Days::new(week * 7);
        let lines = vec![BillLine {
            account: "4000".to_owned(),
            net_minor: random.between(5_000, 30_000) * 100,
            vat_code: "IN81".to_owned(),
            text: "Pièces détachées".to_owned(),
        }];
        let bill = store.record_bill("FOU-001", &format!("LEM-{week:02}"), date, None, lines)?;
        store.pay_bill(&bill.id, date + Days::new(30), None, "1020")?;
    }

    Ok((rows, random))
}

/// The measures on a garage's year: issuing, PDF, VAT return, receivables, dunning list.
fn measure(
    store: &mut Store,
    rows: &mut Vec<(String, String)>,
    random: &mut Lcg,
    root: &std::path::Path,
    lang: Lang,
) -> Result<()> {
    // Issuing one invoice, durable with its entry, on these books.
    let mut latencies = Vec::with_capacity(ISSUES);
    for _ in 0..ISSUES {
        let contact = format!("C{:04}", random.between(0, CUSTOMERS as i64 - 1));
        let id = store.draft_invoice(&contact, day(12, 31), false)?;
        for spec in repair(random) {
            store.add_invoice_line(&id, spec)?;
        }
        let started = Instant::now();
        store.issue_invoice(&id)?;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    rows.push((
        format!("issue one invoice, durable with its entry ({ISSUES} issues on these books)"),
        format!(
            "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            millis(percentile(&latencies, 0.5)),
            millis(percentile(&latencies, 0.99)),
            millis(latencies.last().copied().unwrap_or_default())
        ),
    ));

    // One invoice PDF with its QR-bill: the document read from the books and laid out, then
    // the same written to a file.
    let number = store.invoices()?.into_iter().rev().find_map(|invoice| invoice.number).unwrap_or_default();
    let (text, (_, bytes)) = timed(|| Ok(rempart_web::documents::invoice_pdf(store, &number)?))?;
    rows.push((format!("render one invoice PDF with QR-bill ({} bytes)", bytes.len()), text));
    let out = root.join("documents").join("bench.pdf");
    let (text, _) = timed(|| Ok(rempart_web::documents::write_invoice_pdf(store, &number, Some(&out))?))?;
    rows.push(("the same, written to a file (`rempart invoice pdf`)".to_owned(), text));

    // The reports over the year.
    let locale = Locale::Swiss;
    for (label, from, to) in [("the year", day(1, 1), day(12, 31)), ("Q4", day(10, 1), day(12, 31))] {
        let (text, report) = timed(|| reports::vat_return(store, lang, locale, from, to, false))?;
        ensure!(!report.rows.is_empty(), "the VAT return is empty");
        vat_return_agrees_with_the_ledger(store, from, to)?;
        rows.push((format!("VAT return, {label}"), text));
    }
    let (text, report) = timed(|| reports::receivables(store, lang, locale, day(12, 31), None))?;
    rows.push((format!("open receivables on {YEAR}-12-31 ({} open invoices)", report.rows.len()), text));
    let (text, report) = timed(|| reports::dunning(store, lang, locale, day(12, 31)))?;
    rows.push((format!("dunning list on {YEAR}-12-31 ({} invoices)", report.rows.len()), text));

    Ok(())
}

/// The VAT return's tax due equals what the period's postings credited to the output VAT
/// accounts, and its input tax what they debited to the input VAT accounts (the bench records no
/// VAT settlement, so every movement of those accounts is VAT of an invoice, credit note or bill).
fn vat_return_agrees_with_the_ledger(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<()> {
    use rempart_domain::chart::VatDirection;
    use rempart_domain::vat::{figures_by_code, return_lines};
    let codes = &store.state().vat_codes;
    let (figures, unknown) = figures_by_code(codes, &store.vat_sums(from, to)?);
    ensure!(unknown.is_empty(), "postings carry VAT codes the books do not define");
    let country = store.company()?.country;
    let lines = return_lines(country, codes, &figures);
    let (due_line, input_line) = match country {
        Country::Ch => ("399", "479"),
        Country::Fr => ("16", "23"),
    };
    let tax_of =
        |form_line: &str| lines.iter().find(|line| line.form_line == form_line).and_then(|line| line.tax_minor);
    let accounts = |direction: VatDirection| -> std::collections::BTreeSet<&str> {
        codes.values().filter(|code| code.direction == direction).map(|code| code.account.as_str()).collect()
    };
    let totals = store.account_totals(Some(from), Some(to))?;
    let debited = |accounts: &std::collections::BTreeSet<&str>| -> i64 {
        totals
            .iter()
            .filter(|account| accounts.contains(account.account.as_str()))
            .map(|account| account.debit_minor - account.credit_minor)
            .sum()
    };
    let (due, input) = (tax_of(due_line), tax_of(input_line));
    let (credited_output, debited_input) =
        (-debited(&accounts(VatDirection::Output)), debited(&accounts(VatDirection::Input)));
    ensure!(
        due == Some(credited_output),
        "VAT due {due:?} but the output VAT accounts were credited {credited_output}"
    );
    ensure!(
        input == Some(debited_input),
        "input VAT {input:?} but the input VAT accounts were debited {debited_input}"
    );
    ensure!(credited_output > 0 && debited_input > 0, "the period holds no VAT to compare");
    Ok(())
}

//! The accounting reports, built from the store's totals and rendered by `render`.

use anyhow::Result;
use chrono::NaiveDate;
use rempart_domain::rules::fiscal_year_start;
use rempart_domain::{AccountKind, Currency, Locale};
use rempart_store::Store;
use rempart_store::reports::AccountTotals;

use rempart_i18n::Lang;

use crate::render::{Cell, Report};

/// Report columns: each machine key with its heading in the catalogue (the same key, but for the
/// entry id and the VAT code).
fn columns(lang: Lang, keys: &[&'static str]) -> Vec<(&'static str, String)> {
    keys.iter()
        .map(|key| {
            let heading = match *key {
                "entry_id" => "entry",
                "vat_code" => "vat",
                other => other,
            };
            (*key, lang.text(heading).to_owned())
        })
        .collect()
}

/// Account labels in the reader's language where the chart has one (German and English labels
/// beside the country's own): number -> label.
fn labels(store: &Store, lang: Lang) -> Result<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    for listing in store.accounts()? {
        let label = match lang {
            Lang::De => listing.label_de,
            Lang::En => listing.label_en,
            Lang::Fr => None,
        };
        if let Some(label) = label.filter(|label| !label.is_empty()) {
            out.insert(listing.account.number, label);
        }
    }
    Ok(out)
}

/// The store's account totals, labelled in the reader's language.
fn account_totals(
    store: &Store,
    lang: Lang,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<AccountTotals>> {
    let labels = labels(store, lang)?;
    let mut totals = store.account_totals(from, to)?;
    for row in &mut totals {
        if let Some(label) = labels.get(&row.account) {
            row.label.clone_from(label);
        }
    }
    Ok(totals)
}

pub fn trial_balance(store: &Store, lang: Lang, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Report> {
    let totals = account_totals(store, lang, from, to)?;
    let mut report = Report::new(
        lang.text("trial_balance").to_owned(),
        columns(lang, &["account", "label", "currency", "opening", "debit", "credit", "closing"]),
    );
    let mut sums: std::collections::BTreeMap<Currency, [i64; 4]> = Default::default();
    for row in &totals {
        report.rows.push(vec![
            Cell::text(&row.account),
            Cell::text(&row.label),
            Cell::text(row.currency.as_str()),
            Cell::Amount(row.opening_minor, row.currency),
            Cell::Amount(row.debit_minor, row.currency),
            Cell::Amount(row.credit_minor, row.currency),
            Cell::Amount(row.closing_minor(), row.currency),
        ]);
        let sum = sums.entry(row.currency).or_default();
        sum[0] += row.opening_minor;
        sum[1] += row.debit_minor;
        sum[2] += row.credit_minor;
        sum[3] += row.closing_minor();
    }
    for (currency, [opening, debit, credit, closing]) in sums {
        report.totals.push(vec![
            Cell::text(lang.text("total")),
            Cell::Empty,
            Cell::text(currency.as_str()),
            Cell::Amount(opening, currency),
            Cell::Amount(debit, currency),
            Cell::Amount(credit, currency),
            Cell::Amount(closing, currency),
        ]);
    }
    Ok(report)
}

/// Sign that shows an account's normal balance as a positive amount.
fn presented(kind: AccountKind, balance_minor: i64) -> i64 {
    match kind {
        AccountKind::Asset | AccountKind::Expense | AccountKind::Closing => balance_minor,
        AccountKind::Liability | AccountKind::Equity | AccountKind::Revenue => -balance_minor,
    }
}

fn section_columns(lang: Lang) -> Vec<(&'static str, String)> {
    columns(lang, &["section", "account", "label", "currency", "amount"])
}

/// Adds the rows of the accounts of `kind` and a total per currency; returns the totals.
fn add_section(
    report: &mut Report,
    lang: Lang,
    rows: &[AccountTotals],
    kind: AccountKind,
    key: &str,
    extra: &std::collections::BTreeMap<Currency, i64>,
) -> std::collections::BTreeMap<Currency, i64> {
    let mut totals: std::collections::BTreeMap<Currency, i64> = Default::default();
    for row in rows.iter().filter(|row| row.kind == kind && row.closing_minor() != 0) {
        let amount = presented(kind, row.closing_minor());
        report.rows.push(vec![
            Cell::text(lang.text(key)),
            Cell::text(&row.account),
            Cell::text(&row.label),
            Cell::text(row.currency.as_str()),
            Cell::Amount(amount, row.currency),
        ]);
        *totals.entry(row.currency).or_default() += amount;
    }
    for (currency, amount) in extra {
        if *amount != 0 {
            report.rows.push(vec![
                Cell::text(lang.text(key)),
                Cell::Empty,
                Cell::text(lang.text("result_unallocated")),
                Cell::text(currency.as_str()),
                Cell::Amount(*amount, *currency),
            ]);
            *totals.entry(*currency).or_default() += amount;
        }
    }
    for (currency, amount) in &totals {
        report.totals.push(vec![
            Cell::text(format!("{} {}", lang.text("total"), lang.text(key).to_lowercase())),
            Cell::Empty,
            Cell::Empty,
            Cell::text(currency.as_str()),
            Cell::Amount(*amount, *currency),
        ]);
    }
    totals
}

fn result_by_currency(rows: &[AccountTotals]) -> std::collections::BTreeMap<Currency, i64> {
    let mut result: std::collections::BTreeMap<Currency, i64> = Default::default();
    for row in rows.iter().filter(|row| row.kind.is_income_statement()) {
        // Profit is credit: the negated sum of revenue and expense balances.
        *result.entry(row.currency).or_default() -= row.closing_minor();
    }
    result
}

pub fn balance_sheet(store: &Store, lang: Lang, locale: Locale, to: NaiveDate) -> Result<Report> {
    let rows = account_totals(store, lang, None, Some(to))?;
    let mut report =
        Report::new(lang.fill("balance_sheet", &[("date", &locale.format_date(to))]), section_columns(lang));
    let none = Default::default();
    add_section(&mut report, lang, &rows, AccountKind::Asset, "assets", &none);
    add_section(&mut report, lang, &rows, AccountKind::Liability, "liabilities", &none);
    add_section(&mut report, lang, &rows, AccountKind::Equity, "equity", &result_by_currency(&rows));
    Ok(report)
}

pub fn income_statement(
    store: &Store,
    lang: Lang,
    locale: Locale,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> Result<Report> {
    let start_month = store.company()?.fiscal_year_start_month;
    let from = from.unwrap_or_else(|| fiscal_year_start(to, start_month));
    let rows = account_totals(store, lang, Some(from), Some(to))?;
    // The statement covers the movements of the range, not the balances carried in.
    let movements: Vec<AccountTotals> = rows.into_iter().map(|row| AccountTotals { opening_minor: 0, ..row }).collect();
    let title = lang.fill("income_statement", &[("from", &locale.format_date(from)), ("to", &locale.format_date(to))]);
    let mut report = Report::new(title, section_columns(lang));
    let none = Default::default();
    add_section(&mut report, lang, &movements, AccountKind::Revenue, "revenue", &none);
    add_section(&mut report, lang, &movements, AccountKind::Expense, "expenses", &none);
    for (currency, amount) in result_by_currency(&movements) {
        report.totals.push(vec![
            Cell::text(lang.text("net_result")),
            Cell::Empty,
            Cell::Empty,
            Cell::text(currency.as_str()),
            Cell::Amount(amount, currency),
        ]);
    }
    Ok(report)
}

/// An account's ledger over [from, to]: its first `limit` lines if given (the totals are the
/// whole period's, from the monthly and daily sums).
pub fn ledger(
    store: &Store,
    lang: Lang,
    account: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    limit: Option<usize>,
) -> Result<Report> {
    let info = store
        .state()
        .accounts
        .get(account)
        .ok_or_else(|| rempart_domain::LedgerError::UnknownAccount { account: account.to_owned() })?;
    // An opening line only when the ledger starts at a date: before the first posting it is zero.
    let opening = if from.is_none() { Vec::new() } else { store.account_totals(from, to)? };
    let opening = opening
        .into_iter()
        .filter(|row| row.account == account)
        .map(|row| (row.currency, row.opening_minor))
        .collect::<std::collections::BTreeMap<_, _>>();
    let label = labels(store, lang)?.remove(account).unwrap_or_else(|| info.label.clone());
    let title = lang.fill("ledger", &[("account", &account), ("label", &label)]);
    let mut report = Report::new(
        title,
        columns(lang, &["date", "journal", "number", "entry_id", "text", "currency", "debit", "credit", "balance"]),
    );
    let mut balances = opening.clone();
    for (currency, amount) in &opening {
        report.rows.push(vec![
            from.map_or(Cell::Empty, |day| Cell::Date(day.format("%Y-%m-%d").to_string())),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::text(lang.text("opening")),
            Cell::text(currency.as_str()),
            Cell::Empty,
            Cell::Empty,
            Cell::Amount(*amount, *currency),
        ]);
    }
    let lines = store.ledger_lines(account, from, to, limit)?;
    if limit.is_some_and(|limit| lines.len() >= limit) {
        report.cut_at = limit;
    }
    for line in lines {
        let balance = balances.entry(line.currency).or_default();
        *balance += line.amount_minor;
        report.rows.push(vec![
            Cell::Date(line.date),
            Cell::text(line.journal),
            Cell::Number(line.number),
            Cell::text(line.entry_id),
            Cell::text(line.text),
            Cell::text(line.currency.as_str()),
            Cell::nonzero(line.amount_minor.max(0), line.currency),
            Cell::nonzero((-line.amount_minor).max(0), line.currency),
            Cell::Amount(*balance, line.currency),
        ]);
    }
    for totals in store.account_totals(from, to)?.into_iter().filter(|row| row.account == account) {
        let currency = totals.currency;
        report.totals.push(vec![
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::text(lang.text("total")),
            Cell::text(currency.as_str()),
            Cell::Amount(totals.debit_minor, currency),
            Cell::Amount(totals.credit_minor, currency),
            Cell::Amount(totals.closing_minor(), currency),
        ]);
    }
    Ok(report)
}

/// The journal over [from, to], with who recorded each entry through the web app: its first
/// `limit` entries if given (then without totals, which would be the shown lines' only).
pub fn journal(
    store: &Store,
    lang: Lang,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    limit: Option<usize>,
) -> Result<Report> {
    let mut report = Report::new(
        lang.text("journal_report").to_owned(),
        columns(
            lang,
            &[
                "date",
                "journal",
                "number",
                "entry_id",
                "text",
                "account",
                "currency",
                "debit",
                "credit",
                "vat_code",
                "recorded_by",
            ],
        ),
    );
    let names: std::collections::HashMap<String, String> =
        store.users()?.into_iter().map(|user| (user.id, user.name)).collect();
    let mut sums: std::collections::BTreeMap<Currency, (i64, i64)> = Default::default();
    let entries = store.journal_entries(from, to, limit)?;
    if limit.is_some_and(|limit| entries.len() >= limit) {
        report.cut_at = limit;
    }
    for entry in entries {
        let by = entry.by.as_ref().map_or(Cell::Empty, |id| Cell::text(names.get(id).unwrap_or(id)));
        for posting in &entry.postings {
            let sum = sums.entry(posting.currency).or_default();
            if posting.amount_minor > 0 {
                sum.0 += posting.amount_minor;
            } else {
                sum.1 -= posting.amount_minor;
            }
            report.rows.push(vec![
                Cell::Date(entry.date.clone()),
                Cell::text(&entry.journal),
                Cell::Number(entry.number),
                Cell::text(&entry.id),
                Cell::text(&entry.text),
                Cell::text(&posting.account),
                Cell::text(posting.currency.as_str()),
                Cell::nonzero(posting.amount_minor.max(0), posting.currency),
                Cell::nonzero((-posting.amount_minor).max(0), posting.currency),
                posting.vat_code.as_ref().map_or(Cell::Empty, Cell::text),
                by.clone(),
            ]);
        }
    }
    for (currency, (debit, credit)) in sums.into_iter().filter(|_| report.cut_at.is_none()) {
        report.totals.push(vec![
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::text(lang.text("total")),
            Cell::Empty,
            Cell::text(currency.as_str()),
            Cell::Amount(debit, currency),
            Cell::Amount(credit, currency),
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    Ok(report)
}

/// Labels of the ageing buckets of `receivables` and `payables`, by days late.
const AGEING_BUCKETS: [&str; 4] = ["0-30", "31-60", "61-90", "> 90"];

/// Total lines per currency and ageing bucket of a report `width` columns wide: "Total" first,
/// then the currency and the open amount in their columns, and the bucket last.
fn ageing_totals(
    lang: Lang,
    by_bucket: std::collections::BTreeMap<(Currency, usize), i64>,
    width: usize,
    currency_column: usize,
    open_column: usize,
) -> Vec<Vec<Cell>> {
    by_bucket
        .into_iter()
        .map(|((currency, bucket), open)| {
            let mut row = vec![Cell::Empty; width];
            row[0] = Cell::text(lang.text("total"));
            row[currency_column] = Cell::text(currency.as_str());
            row[open_column] = Cell::Amount(open, currency);
            row[width - 1] = Cell::text(AGEING_BUCKETS[bucket]);
            row
        })
        .collect()
}

/// Open invoices on `on` with their ageing, and customers' credits; the totals by ageing bucket
/// count every invoice, the lines shown stop at `limit` if given (a page; the CSV holds them all).
pub fn receivables(store: &Store, lang: Lang, locale: Locale, on: NaiveDate, limit: Option<usize>) -> Result<Report> {
    let mut report = Report::new(
        lang.fill("receivables", &[("date", &locale.format_date(on))]),
        columns(
            lang,
            &[
                "contact",
                "number",
                "date",
                "due_date",
                "currency",
                "gross",
                "paid",
                "credited",
                "fees",
                "open",
                "days_late",
                "ageing",
            ],
        ),
    );
    let mut by_bucket: std::collections::BTreeMap<(Currency, usize), i64> = Default::default();
    let room = |report: &mut Report| {
        let full = limit.is_some_and(|limit| report.rows.len() >= limit);
        if full {
            report.cut_at = limit;
        }
        !full
    };
    for receivable in store.receivables(None, on)? {
        *by_bucket.entry((receivable.currency, receivable.bucket)).or_default() += receivable.open_minor();
        if !room(&mut report) {
            continue;
        }
        report.rows.push(vec![
            Cell::text(&receivable.contact),
            Cell::text(&receivable.number),
            Cell::Date(receivable.date.to_string()),
            Cell::Date(receivable.due_date.to_string()),
            Cell::text(receivable.currency.as_str()),
            Cell::Amount(receivable.gross_minor, receivable.currency),
            Cell::Amount(receivable.paid_minor, receivable.currency),
            Cell::Amount(receivable.credited_minor, receivable.currency),
            Cell::Amount(receivable.fees_minor, receivable.currency),
            Cell::Amount(receivable.open_minor(), receivable.currency),
            Cell::Number(receivable.days_late),
            Cell::text(AGEING_BUCKETS[receivable.bucket]),
        ]);
    }
    for (contact, currency, credit) in store.customer_credits(on)? {
        if !room(&mut report) {
            break;
        }
        report.rows.push(vec![
            Cell::text(contact),
            Cell::text(lang.text("credit_note")),
            Cell::Empty,
            Cell::Empty,
            Cell::text(currency.as_str()),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Amount(-credit, currency),
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    report.totals = ageing_totals(lang, by_bucket, report.columns.len(), 4, 8);
    Ok(report)
}

/// The customers' payments received over `from` to `to` (`from` open: since the first), in
/// the order of their dates: who paid, how much into which account, the invoices each paid and
/// what it left in the customer's favour; the total received per currency.
pub fn payments(store: &Store, lang: Lang, locale: Locale, from: Option<NaiveDate>, to: NaiveDate) -> Result<Report> {
    let title = match from {
        Some(from) => {
            lang.fill("payments.period", &[("from", &locale.format_date(from)), ("to", &locale.format_date(to))])
        }
        None => lang.fill("payments.until", &[("to", &locale.format_date(to))]),
    };
    let mut report =
        Report::new(title, columns(lang, &["date", "contact", "name", "amount", "account", "invoices", "credit_note"]));
    let mut names: std::collections::HashMap<String, String> = Default::default();
    let mut totals: std::collections::BTreeMap<Currency, i64> = Default::default();
    for payment in store.payments(None, from, Some(to))? {
        let name = match names.get(&payment.contact) {
            Some(name) => name.clone(),
            None => {
                // A payment may arrive before the customer it names (their chains apart): listed
                // by the customer's number, with no name yet.
                let name = match store.contact(&payment.contact) {
                    Ok(fields) => fields.get("name").cloned().unwrap_or_default(),
                    Err(rempart_store::StoreError::Contact(
                        rempart_domain::contacts::ContactError::UnknownContact { .. },
                    )) => String::new(),
                    Err(error) => return Err(error.into()),
                };
                names.insert(payment.contact.clone(), name.clone());
                name
            }
        };
        let paid: Vec<String> = payment
            .allocations
            .iter()
            .map(|(invoice, amount)| format!("{invoice} ({})", locale.format_amount(*amount, payment.currency)))
            .collect();
        *totals.entry(payment.currency).or_default() += payment.amount_minor;
        report.rows.push(vec![
            Cell::Date(payment.date.to_string()),
            Cell::Text(payment.contact),
            Cell::Text(name),
            Cell::Amount(payment.amount_minor, payment.currency),
            Cell::Text(payment.account),
            Cell::Text(paid.join(", ")),
            Cell::nonzero(payment.unallocated_minor, payment.currency),
        ]);
    }
    for (currency, total) in totals {
        report.totals.push(vec![
            Cell::text(lang.text("total")),
            Cell::Empty,
            Cell::Empty,
            Cell::Amount(total, currency),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    Ok(report)
}

pub fn vat_return(
    store: &Store,
    lang: Lang,
    locale: Locale,
    from: NaiveDate,
    to: NaiveDate,
    detail: bool,
) -> Result<Report> {
    use rempart_domain::vat::{figures_by_code, return_lines};
    let company = store.company()?;
    let currency = company.currency;
    let codes = &store.state().vat_codes;
    // The figures come from the daily VAT totals; the postings themselves are read for the
    // detail, and to name the entry behind a code the books do not define.
    let mut sums = store.vat_sums(from, to)?;
    // French services' VAT awaiting payment: their base leaves the invoice's period and comes in
    // with each payment's share (the tax moves in the ledger, from 44574 to the code's account).
    let moves = match company.country {
        rempart_domain::Country::Fr => store.vat_awaiting_moves(from, to)?,
        rempart_domain::Country::Ch => Vec::new(),
    };
    sums.extend(moves.iter().map(|moved| rempart_domain::vat::VatPosting {
        entry_id: moved.by.clone(),
        date: moved.date.to_string(),
        account: String::new(),
        amount_minor: moved.base_minor,
        vat_code: moved.code.clone(),
    }));
    let (figures, unknown) = figures_by_code(codes, &sums);
    let postings = if detail || !unknown.is_empty() { store.vat_postings(from, to)? } else { Vec::new() };
    if let Some(posting) = figures_by_code(codes, &postings).1.first() {
        return Err(rempart_domain::vat::VatReturnError::UnknownCode {
            entry: posting.entry_id.clone(),
            code: posting.vat_code.clone(),
        }
        .into());
    }
    // A Swiss company settling at net tax rates over the period: its form for that method.
    let method = match company.country {
        rempart_domain::Country::Ch => rempart_domain::vat::vat_method_over(&store.vat_methods()?, from, to)?,
        rempart_domain::Country::Fr => rempart_domain::vat::VatMethod::Effective,
    };
    let (title, lines) = match &method {
        // The regular form: the Swiss effective method's, the CA3 (whenever French VAT is due).
        rempart_domain::vat::VatMethod::Effective
        | rempart_domain::vat::VatMethod::Receipts
        | rempart_domain::vat::VatMethod::Debits => (
            lang.fill("vat_return", &[("from", &locale.format_date(from)), ("to", &locale.format_date(to))]),
            return_lines(company.country, codes, &figures),
        ),
        rempart_domain::vat::VatMethod::NetRates { first_bp, second } => (
            lang.fill("vat_return.net_rates", &[("from", &locale.format_date(from)), ("to", &locale.format_date(to))]),
            rempart_domain::vat::net_rate_lines(codes, &sums, *first_bp, second.as_ref()),
        ),
    };
    let mut report = Report::new(title, columns(lang, &["form_line", "label", "base", "tax"]));
    let amount = |value: Option<i64>| value.map_or(Cell::Empty, |minor| Cell::Amount(minor, currency));
    for line in lines {
        report.rows.push(vec![
            Cell::text(line.form_line),
            Cell::text(lang.text(line.label)),
            amount(line.base_minor),
            amount(line.tax_minor),
        ]);
        if detail && (line.base_minor.is_some() && line.tax_minor.is_some()) {
            for posting in postings.iter().filter(|posting| line.codes.contains(&posting.vat_code)) {
                let is_tax = codes.get(&posting.vat_code).is_some_and(|code| code.account == posting.account);
                let signed = match codes.get(&posting.vat_code).map(|code| code.direction) {
                    Some(rempart_domain::VatDirection::Input) => posting.amount_minor,
                    _ => -posting.amount_minor,
                };
                let date = NaiveDate::parse_from_str(&posting.date, "%Y-%m-%d")
                    .map_or_else(|_| posting.date.clone(), |date| locale.format_date(date));
                report.rows.push(vec![
                    Cell::Empty,
                    Cell::text(format!("  {date} {} {} {}", posting.entry_id, posting.account, posting.vat_code)),
                    if is_tax { Cell::Empty } else { Cell::Amount(signed, currency) },
                    if is_tax { Cell::Amount(signed, currency) } else { Cell::Empty },
                ]);
            }
            for moved in moves.iter().filter(|moved| line.codes.contains(&moved.code)) {
                let key = match moved.kind {
                    rempart_store::vat_due::Move::Issued => "vat_return.awaiting",
                    rempart_store::vat_due::Move::Paid => "vat_return.received",
                    rempart_store::vat_due::Move::Credited => "vat_return.released",
                    rempart_store::vat_due::Move::Settled => "vat_return.settled",
                };
                let said = lang.fill(key, &[("invoice", &moved.invoice), ("by", &moved.by)]);
                report.rows.push(vec![
                    Cell::Empty,
                    Cell::text(format!("  {} {said} {}", locale.format_date(moved.date), moved.code)),
                    Cell::Amount(-moved.base_minor, currency),
                    Cell::Empty,
                ]);
            }
        }
    }
    Ok(report)
}

pub fn payables(store: &Store, lang: Lang, locale: Locale, on: NaiveDate) -> Result<Report> {
    let mut report = Report::new(
        lang.fill("payables", &[("date", &locale.format_date(on))]),
        columns(lang, &[BILL_COLUMNS.as_slice(), &["days_late", "ageing"]].concat()),
    );
    let mut by_bucket: std::collections::BTreeMap<(Currency, usize), i64> = Default::default();
    for payable in store.payables(None, on)? {
        *by_bucket.entry((payable.currency, payable.bucket)).or_default() += payable.open_minor();
        let mut row = bill_cells(&payable);
        row.extend([Cell::Number(payable.days_late), Cell::text(AGEING_BUCKETS[payable.bucket])]);
        report.rows.push(row);
    }
    report.totals = ageing_totals(lang, by_bucket, report.columns.len(), 5, 8);
    Ok(report)
}

const BILL_COLUMNS: [&str; 9] =
    ["id", "supplier", "reference", "date", "due_date", "currency", "gross", "paid", "open"];

fn bill_cells(bill: &rempart_store::bills::Payable) -> Vec<Cell> {
    vec![
        Cell::text(&bill.id),
        Cell::text(&bill.supplier),
        Cell::text(&bill.reference),
        Cell::Date(bill.date.to_string()),
        Cell::Date(bill.due_date.to_string()),
        Cell::text(bill.currency.as_str()),
        Cell::Amount(bill.gross_minor, bill.currency),
        Cell::Amount(bill.paid_minor, bill.currency),
        Cell::Amount(bill.open_minor(), bill.currency),
    ]
}

/// Every supplier bill (of one supplier, or all) by due date, paid or not.
pub fn bills(store: &Store, lang: Lang, supplier: Option<&str>) -> Result<Report> {
    let mut report = Report::new(lang.text("bills").to_owned(), columns(lang, &BILL_COLUMNS));
    report.rows = store.bills(supplier, None)?.iter().map(bill_cells).collect();
    Ok(report)
}

/// Reminder levels: an invoice reaches level N once it is late by the sum of the delays of
/// levels 1 to N (company settings `dunning_N_days`, else the defaults), and level N costs
/// `dunning_N_fee`.
pub fn dunning(store: &Store, lang: Lang, locale: Locale, on: NaiveDate) -> Result<Report> {
    let levels = store.dunning_levels()?;
    let mut report = Report::new(
        lang.fill("dunning", &[("date", &locale.format_date(on))]),
        columns(
            lang,
            &["contact", "number", "due_date", "days_late", "currency", "open", "reminded", "level", "due_from", "fee"],
        ),
    );
    for receivable in store.receivables(None, on)? {
        let next = rempart_domain::dunning::next_reminder(receivable.due_date, receivable.reminded, &levels);
        let (Some((level, from)), true) = (next, receivable.open_minor() > 0) else { continue };
        if from > on {
            continue;
        }
        report.rows.push(vec![
            Cell::text(&receivable.contact),
            Cell::text(&receivable.number),
            Cell::Date(receivable.due_date.to_string()),
            Cell::Number(receivable.days_late),
            Cell::text(receivable.currency.as_str()),
            Cell::Amount(receivable.open_minor(), receivable.currency),
            receivable.reminded.map_or(Cell::Empty, |(level, _)| Cell::Number(i64::from(level))),
            Cell::Number(i64::from(level)),
            Cell::Date(from.to_string()),
            Cell::Amount(levels[usize::from(level - 1)].fee_minor, receivable.currency),
        ]);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of receivables stops at its limit and says so; its totals by ageing count every
    /// open invoice, as the whole report's do.
    #[test]
    fn a_page_of_receivables_stops_at_its_limit_with_the_whole_totals() {
        let temp = tempfile::tempdir().expect("temporary directory");
        let mut store =
            Store::init(&temp.path().join("data"), "Garage du Lac SA", rempart_domain::Country::Ch, 1).expect("init");
        for index in 0..3 {
            let name = std::collections::BTreeMap::from([("name".to_owned(), Some(format!("Client {index}")))]);
            let contact = store.create_contact(None, name).expect("contact");
            let date = NaiveDate::from_ymd_opt(2026, 1 + index, 10).expect("date");
            let draft = store.draft_invoice(&contact, date, false).expect("draft");
            let line = rempart_store::invoices::LineSpec {
                item: None,
                text: Some("Service".into()),
                quantity_milli: 1000,
                unit: None,
                comment: false,
                unit_price_minor: Some(10_000),
                discount_bp: 0,
                vat_code: Some("N81".into()),
                account: Some("3400".into()),
            };
            store.add_invoice_line(&draft, line).expect("line");
            store.issue_invoice(&draft).expect("issue");
        }
        let on = NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
        let whole = receivables(&store, Lang::Fr, Locale::Swiss, on, None).expect("whole");
        let page = receivables(&store, Lang::Fr, Locale::Swiss, on, Some(2)).expect("page");
        assert_eq!((whole.rows.len(), whole.cut_at), (3, None));
        assert_eq!((page.rows.len(), page.cut_at), (2, Some(2)));
        assert_eq!(page.rows[..], whole.rows[..2]);
        let text = |report: &Report| format!("{:?}", report.totals);
        assert_eq!(text(&page), text(&whole));
    }
}

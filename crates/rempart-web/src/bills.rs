//! Supplier bills: the list with what is open on each, a new bill with its lines and their input
//! VAT (the command line's `bill add`), and a bill's page where it is paid (`bill pay`).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use chrono::NaiveDate;
use maud::{Markup, html};
use rempart_domain::bills::{BillError, BillLine};
use rempart_domain::payments::PaymentError;
use rempart_domain::{AccountKind, Locale, VatDirection};
use rempart_i18n::{Lang, Speak};
use rempart_store::bills::Payable;
use rempart_store::{Store, StoreError};
use serde::Deserialize;

use crate::App;
use crate::catalogue::Choices;
use crate::form::{Posted, Problems, Rows};
use crate::page::{csrf, field, form_error, labelled, layout, select};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/bills", get(list).post(record))
        .route("/bills/{id}", get(show))
        .route("/bills/{id}/pay", post(pay))
}

/// The lines a new bill's form offers; the empty ones are left out.
const FORM_LINES: usize = 3;

/// Where a bill stands on a day.
fn status(lang: Lang, bill: &Payable, today: NaiveDate) -> (&'static str, &str) {
    if bill.open_minor() <= 0 {
        ("paid", lang.text("web.status.paid"))
    } else if bill.due_date < today {
        ("overdue", lang.text("web.status.overdue"))
    } else if bill.paid_minor > 0 {
        ("partly_paid", lang.text("web.status.partly_paid"))
    } else {
        ("open", lang.text("web.status.open"))
    }
}

/// Bills as a table: supplier (unless `names` is none, on the supplier's own page), their
/// reference, dates, total, paid, open and status; each links to its page.
pub(crate) fn bill_table(
    lang: Lang,
    locale: Locale,
    bills: &[Payable],
    names: Option<&BTreeMap<String, String>>,
    today: NaiveDate,
) -> Markup {
    html! {
        table {
            caption { (lang.fill("web.bills.count", &[("count", &bills.len())])) }
            thead { tr {
                @if names.is_some() { th scope="col" { (lang.text("web.bill.supplier")) } }
                th scope="col" { (lang.text("web.bill.reference")) }
                th scope="col" { (lang.text("web.invoice.date")) }
                th scope="col" { (lang.text("web.invoice.due")) }
                th.num scope="col" { (lang.text("web.total")) }
                th.num scope="col" { (lang.text("web.bill.paid")) }
                th.num scope="col" { (lang.text("web.invoice.open")) }
                th scope="col" { (lang.text("web.invoice.status")) }
            } }
            tbody {
                @for bill in bills {
                    @let (class, words) = status(lang, bill, today);
                    tr {
                        @if let Some(names) = names {
                            td { (names.get(&bill.supplier).map_or(bill.supplier.as_str(), String::as_str)) }
                        }
                        td { a href=(format!("/bills/{}", bill.id)) { (bill.reference) } }
                        td { (locale.format_date(bill.date)) }
                        td { (locale.format_date(bill.due_date)) }
                        td.num { (locale.format_amount(bill.gross_minor, bill.currency)) }
                        td.num { (locale.format_amount(bill.paid_minor, bill.currency)) }
                        td.num { (locale.format_amount(bill.open_minor(), bill.currency)) }
                        td { span class=(format!("status {class}")) { (words) } }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default, Clone)]
struct BillForm {
    #[serde(default)]
    supplier: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    due: String,
    /// The lines: `account_<n>`, `net_<n>`, `vat_<n>`, `text_<n>`.
    #[serde(flatten)]
    lines: Rows,
}

impl BillForm {
    /// Line `n` (1 to `FORM_LINES`): account, net amount, VAT code, text.
    fn line(&self, n: usize) -> (&str, &str, &str, &str) {
        let cell = |column| self.lines.cell(column, n);
        (cell("account"), cell("net"), cell("vat"), cell("text"))
    }
}

/// What the bills page shows: the bills, the suppliers' names, and the choices of the form.
struct Shown {
    locale: Locale,
    today: NaiveDate,
    bills: Vec<Payable>,
    names: BTreeMap<String, String>,
    labels: Vec<(String, String)>,
    accounts: Choices,
    vat_codes: Choices,
}

/// What a purchase may be booked to (expense and asset accounts still open), and with (input
/// VAT codes), as (value, words).
fn purchase_choices(store: &Store) -> (Choices, Choices) {
    let state = store.state();
    let mut accounts: Choices = state
        .accounts
        .values()
        .filter(|account| matches!(account.kind, AccountKind::Expense | AccountKind::Asset) && !account.closed)
        .map(|account| (account.number.clone(), format!("{} {}", account.number, account.label)))
        .collect();
    accounts.sort();
    let mut vat_codes: Choices = state
        .vat_codes
        .values()
        .filter(|vat| vat.direction == VatDirection::Input)
        .map(|vat| (vat.code.clone(), format!("{} – {}", vat.code, vat.label)))
        .collect();
    vat_codes.sort();
    (accounts, vat_codes)
}

fn read(store: &Store, today: NaiveDate) -> Result<Shown, StoreError> {
    let locale = Locale::of_country(store.company()?.country);
    let labels = crate::contacts::contact_labels(store)?;
    let names = labels.iter().map(|(label, id)| (id.clone(), label.clone())).collect();
    let (accounts, vat_codes) = purchase_choices(store);
    Ok(Shown { locale, today, bills: store.bills(None, None)?, names, labels, accounts, vat_codes })
}

fn page(lang: Lang, viewer: &Viewer, shown: &Shown, form: &BillForm, problems: &Problems) -> Markup {
    let date = if form.date.is_empty() { shown.locale.format_date(shown.today) } else { form.date.clone() };
    html! {
        (bill_table(lang, shown.locale, &shown.bills, Some(&shown.names), shown.today))
        form.card method="post" action="/bills" {
            h2 { (lang.text("web.bill.new")) }
            (csrf(&viewer.csrf))
            (form_error(problems.form.as_deref()))
            (crate::contacts::contact_field(lang.text("web.bill.supplier"), "supplier", &shown.labels, &form.supplier, problems.field("supplier")))
            (field(lang.text("web.bill.reference"), "reference", "text", &form.reference, problems.field("reference")))
            (field(lang.text("web.invoice.date"), "date", "text", &date, problems.field("date")))
            (field(lang.text("web.bill.due"), "due", "text", &form.due, problems.field("due")))
            @for n in 1..=FORM_LINES {
                @let (account, net, vat, text) = form.line(n);
                fieldset {
                    legend { (lang.fill("web.bill.line", &[("line", &n)])) }
                    (select(lang.text("web.bill.account"), &format!("field-account_{n}"), &format!("account_{n}"), &shown.accounts, account, Some(""), problems.field(&format!("account_{n}"))))
                    (field(lang.text("web.bill.net"), &format!("net_{n}"), "text", net, problems.field(&format!("net_{n}"))))
                    (select(lang.text("web.line.vat"), &format!("field-vat_{n}"), &format!("vat_{n}"), &shown.vat_codes, vat, Some(""), problems.field(&format!("vat_{n}"))))
                    (field(lang.text("web.line.text"), &format!("text_{n}"), "text", text, None))
                }
            }
            button type="submit" { (lang.text("web.bill.record")) }
        }
    }
}

async fn list(State(app): State<App>, Extension(viewer): Extension<Viewer>) -> Response {
    let lang = viewer.lang;
    let today = app.today();
    match app.run(move |store| read(store, today)).await {
        Ok(shown) => {
            let body = page(lang, &viewer, &shown, &BillForm::default(), &Problems::default());
            layout(lang, Some(&viewer), lang.text("web.bills.title"), body).into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// The field a refused bill is about, for a bill of `lines` (the form's line numbers of the
/// lines sent, in order).
fn bill_field(error: &BillError, lines: &[usize]) -> Option<String> {
    let first = lines.first().copied().unwrap_or(1);
    match error {
        BillError::NoReference | BillError::Duplicate { .. } => Some("reference".into()),
        BillError::Empty => Some(format!("net_{first}")),
        _ => None,
    }
}

async fn record(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<BillForm>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let today = app.today();
    let posted = form.clone();
    let outcome = app
        .run(move |store| {
            let company = store.company()?.clone();
            let locale = Locale::of_country(company.country);
            let mut problems = Problems::default();
            let labels = crate::contacts::contact_labels(store)?;
            let supplier = crate::contacts::contact_of(&labels, &posted.supplier)
                .map_err(|key| problems.set("supplier", lang.fill(key, &[("name", &posted.supplier.trim())])))
                .ok();
            let date = if posted.date.trim().is_empty() {
                Some(today)
            } else {
                locale.read_date(&posted.date).map_err(|error| problems.set("date", error.speak(lang))).ok()
            };
            let due = if posted.due.trim().is_empty() {
                Some(None)
            } else {
                locale.read_date(&posted.due).map(Some).map_err(|error| problems.set("due", error.speak(lang))).ok()
            };
            let mut lines = Vec::new();
            let mut numbers = Vec::new();
            for n in 1..=FORM_LINES {
                let (account, net, vat, text) = posted.line(n);
                if account.is_empty() && net.trim().is_empty() && vat.is_empty() && text.trim().is_empty() {
                    continue;
                }
                match locale.read_amount(net, company.currency) {
                    Ok(net_minor) => {
                        lines.push(BillLine {
                            account: account.to_owned(),
                            net_minor,
                            vat_code: vat.to_owned(),
                            text: text.trim().to_owned(),
                        });
                        numbers.push(n);
                    }
                    Err(error) => problems.set(format!("net_{n}"), error.speak(lang)),
                }
            }
            let (Some(supplier), Some(date), Some(due), true) = (supplier, date, due, problems.is_empty()) else {
                return Ok(Err(problems));
            };
            match store.as_user(&by, |store| store.record_bill(&supplier, posted.reference.trim(), date, due, lines)) {
                Ok(_) => Ok(Ok(())),
                Err(StoreError::Bill(error)) => {
                    match bill_field(&error, &numbers) {
                        Some(name) => problems.set(name, error.speak(lang)),
                        None => problems.form = Some(error.speak(lang)),
                    }
                    Ok(Err(problems))
                }
                Err(error) => Err(error),
            }
        })
        .await;
    match outcome {
        Ok(Ok(())) => Redirect::to("/bills").into_response(),
        Ok(Err(problems)) => match app.run(move |store| read(store, today)).await {
            Ok(shown) => {
                let body = page(lang, &viewer, &shown, &form, &problems);
                let page = layout(lang, Some(&viewer), lang.text("web.bills.title"), body);
                (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
            }
            Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
        },
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// The field a refused payment of a bill is about.
fn pay_field(error: &StoreError) -> Option<&'static str> {
    match error {
        StoreError::Bill(BillError::NotPositive | BillError::MoreThanOpen { .. }) => Some("amount"),
        StoreError::Payment(PaymentError::NotMoneyAccount { .. }) => Some("account"),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
struct PayForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    account: String,
}

/// One bill: what it is, what is open, and the form that pays it.
struct OneBill {
    locale: Locale,
    today: NaiveDate,
    bill: Payable,
    supplier: String,
    bank_account: String,
}

fn read_bill(store: &Store, id: &str, today: NaiveDate) -> Result<Option<OneBill>, StoreError> {
    let company = store.company()?.clone();
    let Some(bill) = store.bill(id)? else {
        return Ok(None);
    };
    let supplier = store.contact(&bill.supplier)?.get("name").cloned().unwrap_or_else(|| bill.supplier.clone());
    Ok(Some(OneBill {
        locale: Locale::of_country(company.country),
        today,
        bill,
        supplier,
        bank_account: company.country.bank_account().to_owned(),
    }))
}

fn bill_page(lang: Lang, viewer: &Viewer, shown: &OneBill, form: &PayForm, problems: &Problems) -> Markup {
    let (locale, bill) = (shown.locale, &shown.bill);
    let (class, words) = status(lang, bill, shown.today);
    let or = |value: &str, default: String| if value.is_empty() { default } else { value.to_owned() };
    html! {
        dl.fields {
            dt { (lang.text("web.bill.supplier")) } dd { a href=(format!("/contacts/{}", bill.supplier)) { (shown.supplier) } }
            dt { (lang.text("web.invoice.date")) } dd { (locale.format_date(bill.date)) }
            dt { (lang.text("web.invoice.due")) } dd { (locale.format_date(bill.due_date)) }
            dt { (lang.text("web.total")) } dd { (bill.currency) " " (locale.format_amount(bill.gross_minor, bill.currency)) }
            dt { (lang.text("web.bill.paid")) } dd { (locale.format_amount(bill.paid_minor, bill.currency)) }
            dt { (lang.text("web.invoice.open")) } dd { (locale.format_amount(bill.open_minor(), bill.currency)) }
            dt { (lang.text("web.invoice.status")) } dd { span class=(format!("status {class}")) { (words) } }
        }
        @if bill.open_minor() > 0 {
            form.card method="post" action=(format!("/bills/{}/pay", bill.id)) {
                h2 { (lang.text("web.bill.pay")) }
                (csrf(&viewer.csrf))
                (form_error(problems.form.as_deref()))
                (labelled(lang.text("web.payment.amount"), "pay-amount", "amount", "text", &or(&form.amount, locale.format_amount(bill.open_minor(), bill.currency)), problems.field("amount")))
                (labelled(lang.text("web.payment.date"), "pay-date", "date", "text", &or(&form.date, locale.format_date(shown.today)), problems.field("date")))
                (labelled(lang.text("web.payment.account"), "pay-account", "account", "text", &or(&form.account, shown.bank_account.clone()), problems.field("account")))
                button type="submit" { (lang.text("web.bill.pay")) }
            }
        }
        p { a href="/bills" { (lang.text("web.bills.back")) } }
    }
}

fn bill_title(lang: Lang, shown: &OneBill) -> String {
    lang.fill("web.bill.title", &[("supplier", &shown.supplier), ("reference", &shown.bill.reference)])
}

fn no_bill(lang: Lang, viewer: &Viewer, id: &str) -> Response {
    let body = html! { p { (BillError::UnknownBill { id: id.to_owned() }.speak(lang)) } };
    let page = layout(lang, Some(viewer), lang.text("web.not_found.title"), body);
    (axum::http::StatusCode::NOT_FOUND, page).into_response()
}

async fn show(State(app): State<App>, Extension(viewer): Extension<Viewer>, Path(id): Path<String>) -> Response {
    let lang = viewer.lang;
    let today = app.today();
    let wanted = id.clone();
    match app.run(move |store| read_bill(store, &wanted, today)).await {
        Ok(Some(shown)) => {
            let body = bill_page(lang, &viewer, &shown, &PayForm::default(), &Problems::default());
            layout(lang, Some(&viewer), &bill_title(lang, &shown), body).into_response()
        }
        Ok(None) => no_bill(lang, &viewer, &id),
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

async fn pay(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(form): Posted<PayForm>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let today = app.today();
    let (bill, date, amount, account) = (id.clone(), form.date.clone(), form.amount.clone(), form.account.clone());
    let outcome = app
        .run(move |store| {
            let company = store.company()?.clone();
            let locale = Locale::of_country(company.country);
            let mut problems = Problems::default();
            let date = if date.trim().is_empty() {
                Some(today)
            } else {
                locale.read_date(&date).map_err(|error| problems.set("date", error.speak(lang))).ok()
            };
            let amount = if amount.trim().is_empty() {
                Some(None)
            } else {
                locale
                    .read_amount(&amount, company.currency)
                    .map(Some)
                    .map_err(|error| problems.set("amount", error.speak(lang)))
                    .ok()
            };
            let (Some(date), Some(amount)) = (date, amount) else { return Ok(Err(problems)) };
            let account = if account.trim().is_empty() {
                company.country.bank_account().to_owned()
            } else {
                account.trim().to_owned()
            };
            match store.as_user(&by, |store| store.pay_bill(&bill, date, amount, &account)) {
                Ok(_) => Ok(Ok(())),
                Err(error) if crate::form::refusal(&error) => {
                    let words = rempart_i18n::message(&error, lang);
                    match pay_field(&error) {
                        Some(name) => problems.set(name, words),
                        None => problems.form = Some(words),
                    }
                    Ok(Err(problems))
                }
                Err(error) => Err(error),
            }
        })
        .await;
    match outcome {
        Ok(Ok(())) => Redirect::to(&format!("/bills/{id}")).into_response(),
        Ok(Err(problems)) => {
            let wanted = id.clone();
            match app.run(move |store| read_bill(store, &wanted, today)).await {
                Ok(Some(shown)) => {
                    let body = bill_page(lang, &viewer, &shown, &form, &problems);
                    let page = layout(lang, Some(&viewer), &bill_title(lang, &shown), body);
                    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
                }
                Ok(None) => no_bill(lang, &viewer, &id),
                Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
            }
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

//! Invoices: the list with its status and filters, a new draft for a customer picked by name,
//! its lines (from the catalogue or typed, corrected, removed), discarding it, issuing it; an
//! issued invoice's PDF, payments, reminders, credit notes and history.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use chrono::NaiveDate;
use maud::{Markup, html};
use rempart_domain::invoices::{InvoiceError, InvoiceLine, line_net};
use rempart_domain::{Currency, Locale};
use rempart_i18n::{Lang, Speak};
use rempart_store::invoices::{
    HistoryItem, Invoice, InvoiceFilter, InvoiceStatus, InvoiceSummary, LineInput, LineSpec,
};
use rempart_store::{Store, StoreError};
use serde::Deserialize;

use crate::App;
use crate::access::BOOKS;
use crate::form::{Posted, Problems};
use crate::page::{csrf, field, form_error, labelled, layout, select};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/invoices", get(list).post(create))
        .route("/invoices/new", get(new_form))
        .route("/invoices/{id}", get(show))
        .route("/invoices/{id}/pdf", get(pdf))
        .route("/invoices/{id}/lines", post(add_line))
        .route("/invoices/{id}/lines/{line}", post(change_line))
        .route("/invoices/{id}/lines/{line}/remove", post(remove_line))
        .route("/invoices/{id}/discard", post(discard))
        .route("/invoices/{id}/vehicle", post(note_vehicle))
        .route("/invoices/{id}/issue", post(issue))
        .route("/invoices/{id}/payments", post(pay))
        .route("/invoices/{id}/remind", post(remind))
        .route("/invoices/{id}/credit", post(credit))
        .route("/invoices/{id}/documents/{number}", get(paper_pdf))
}

/// The most invoices a list shows at once, the newest first.
const LIST_MAX: usize = 200;

fn failed(viewer: &Viewer, error: &StoreError) -> Response {
    crate::page::failed(viewer.lang, Some(viewer), &rempart_i18n::message(error, viewer.lang))
}

/// A status in the reader's words.
fn status_name(lang: Lang, status: InvoiceStatus) -> &'static str {
    match status {
        InvoiceStatus::Draft => lang.text("web.status.draft"),
        InvoiceStatus::Open => lang.text("web.status.open"),
        InvoiceStatus::PartlyPaid => lang.text("web.status.partly_paid"),
        InvoiceStatus::Overdue => lang.text("web.status.overdue"),
        InvoiceStatus::Paid => lang.text("web.status.paid"),
        InvoiceStatus::Credited => lang.text("web.status.credited"),
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    customer: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

async fn list(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Query(query): Query<ListQuery>,
) -> Response {
    let lang = viewer.lang;
    let today = app.today();
    let typed = (query.customer.trim().to_owned(), query.from.trim().to_owned(), query.to.trim().to_owned());
    let status = InvoiceStatus::parse(&query.status);
    let found = app
        .run(move |store| {
            let locale = Locale::of_country(store.company()?.country);
            let labels = crate::contacts::contact_labels(store)?;
            let mut problems = Problems::default();
            let mut filter = InvoiceFilter { status, limit: Some(LIST_MAX), ..InvoiceFilter::default() };
            if !typed.0.is_empty() {
                match crate::contacts::contact_of(&labels, &typed.0) {
                    Ok(id) => filter.contact = Some(id),
                    Err(key) => {
                        problems.set("customer", lang.fill(key, &[("name", &typed.0)]));
                    }
                }
            }
            for (name, text, slot) in [("from", &typed.1, &mut filter.from), ("to", &typed.2, &mut filter.to)] {
                if !text.is_empty() {
                    match locale.read_date(text) {
                        Ok(date) => *slot = Some(date),
                        Err(error) => {
                            problems.set(name, error.speak(lang));
                        }
                    }
                }
            }
            if let Err(error) = locale.check_period(filter.from, filter.to) {
                problems.set("to", error.speak(lang));
            }
            let invoices = if problems.is_empty() { store.invoice_list(&filter, today)? } else { Vec::new() };
            Ok((locale, labels, invoices, problems))
        })
        .await;
    let (locale, labels, invoices, problems) = match found {
        Ok(found) => found,
        Err(error) => return failed(&viewer, &error),
    };
    let body = html! {
        form.search method="get" action="/invoices" {
            (crate::contacts::contact_field(lang.text("web.invoice.customer"), "customer", &labels, &query.customer, problems.field("customer")))
            div.field {
                label for="field-status" { (lang.text("web.invoice.status")) }
                select id="field-status" name="status" {
                    option value="" { (lang.text("web.invoice.any_status")) }
                    @for each in InvoiceStatus::ALL {
                        option value=(each.as_str()) selected[status == Some(each)] { (status_name(lang, each)) }
                    }
                }
            }
            (field(lang.text("web.invoice.from"), "from", "text", &query.from, problems.field("from")))
            (field(lang.text("web.invoice.to"), "to", "text", &query.to, problems.field("to")))
            button type="submit" { (lang.text("web.search")) }
        }
        p { a.button href="/invoices/new" { (lang.text("web.invoice.new")) } }
        (invoice_table(lang, locale, &invoices))
    };
    layout(lang, Some(&viewer), lang.text("web.invoices.title"), body).into_response()
}

pub(crate) fn invoice_table(lang: Lang, locale: Locale, invoices: &[InvoiceSummary]) -> Markup {
    html! {
        table {
            caption { (lang.fill("web.invoices.count", &[("count", &invoices.len())])) }
            thead { tr {
                th scope="col" { (lang.text("web.invoice.number")) }
                th scope="col" { (lang.text("web.invoice.customer")) }
                th scope="col" { (lang.text("web.invoice.date")) }
                th scope="col" { (lang.text("web.invoice.due")) }
                th.num scope="col" { (lang.text("web.total")) }
                th.num scope="col" { (lang.text("web.invoice.open")) }
                th scope="col" { (lang.text("web.invoice.status")) }
            } }
            tbody {
                @for invoice in invoices {
                    @let target = invoice.number.as_deref().unwrap_or(&invoice.id);
                    tr {
                        td { a href=(format!("/invoices/{target}")) {
                            @match &invoice.number {
                                Some(number) => (number),
                                None => (lang.fill("web.invoice.draft_of", &[("customer", &invoice.customer), ("date", &locale.format_date(invoice.date))])),
                            }
                        } }
                        td { (invoice.customer) }
                        td { (locale.format_date(invoice.date)) }
                        td { (invoice.due_date.map(|due| locale.format_date(due)).unwrap_or_default()) }
                        td.num { (locale.format_amount(invoice.gross_minor, invoice.currency)) }
                        td.num { (locale.format_amount(invoice.open_minor(), invoice.currency)) }
                        td { span class=(format!("status {}", invoice.status.as_str())) { (status_name(lang, invoice.status)) } }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
struct NewForm {
    #[serde(default)]
    customer: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    cash_rounding: Option<String>,
    /// The plate of the customer's vehicle the draft is for, and its mileage.
    #[serde(default)]
    vehicle: String,
    #[serde(default)]
    mileage: String,
}

fn new_page(
    lang: Lang,
    viewer: &Viewer,
    labels: &[(String, String)],
    swiss: bool,
    form: &NewForm,
    problems: &Problems,
) -> Markup {
    let body = html! {
        form.card method="post" action="/invoices" {
            (csrf(&viewer.csrf))
            (form_error(problems.form.as_deref()))
            (crate::contacts::contact_field(lang.text("web.invoice.customer"), "customer", labels, &form.customer, problems.field("customer")))
            (field(lang.text("web.invoice.date"), "date", "text", &form.date, problems.field("date")))
            (crate::vehicles::visit_fields(lang, (&form.vehicle, &form.mileage), problems))
            @if swiss {
                div.field.check {
                    label for="field-cash-rounding" {
                        input id="field-cash-rounding" type="checkbox" name="cash_rounding" value="1" checked[form.cash_rounding.is_some()];
                        " " (lang.text("web.invoice.cash_rounding"))
                    }
                }
            }
            button type="submit" { (lang.text("web.invoice.create")) }
        }
    };
    layout(lang, Some(viewer), lang.text("web.invoice.new"), body)
}

async fn new_form(State(app): State<App>, Extension(viewer): Extension<Viewer>) -> Response {
    let today = app.today();
    let found = app
        .run(|store| {
            let country = store.company()?.country;
            Ok((crate::contacts::contact_labels(store)?, country))
        })
        .await;
    match found {
        Ok((labels, country)) => {
            let form = NewForm { date: Locale::of_country(country).format_date(today), ..NewForm::default() };
            let swiss = country == rempart_domain::Country::Ch;
            new_page(viewer.lang, &viewer, &labels, swiss, &form, &Problems::default()).into_response()
        }
        Err(error) => failed(&viewer, &error),
    }
}

async fn create(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<NewForm>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let (customer, date, rounding) = (form.customer.clone(), form.date.clone(), form.cash_rounding.is_some());
    let (plate, mileage) = (form.vehicle.clone(), form.mileage.clone());
    let outcome = app
        .run(move |store| {
            let country = store.company()?.country;
            let labels = crate::contacts::contact_labels(store)?;
            let mut problems = Problems::default();
            let contact = crate::contacts::contact_of(&labels, &customer)
                .map_err(|key| problems.set("customer", lang.fill(key, &[("name", &customer.trim())])))
                .ok();
            let date = Locale::of_country(country)
                .read_date(&date)
                .map_err(|error| problems.set("date", error.speak(lang)))
                .ok();
            let visit = crate::vehicles::read_visit(lang, &plate, &mileage, &mut problems);
            let (Some(contact), Some(date), Some(visit)) = (contact, date, visit) else {
                return Ok(Err((labels, country, problems)));
            };
            match store.as_user(&by, |store| store.draft_invoice_for(&contact, date, rounding, visit.as_ref())) {
                Ok(id) => Ok(Ok(id)),
                Err(error) => match crate::vehicles::visit_field(&error) {
                    Some(field) => {
                        problems.set(field, rempart_i18n::message(&error, lang));
                        Ok(Err((labels, country, problems)))
                    }
                    None => Err(error),
                },
            }
        })
        .await;
    match outcome {
        Ok(Ok(id)) => Redirect::to(&format!("/invoices/{id}")).into_response(),
        Ok(Err((labels, country, problems))) => {
            let swiss = country == rempart_domain::Country::Ch;
            let page = new_page(lang, &viewer, &labels, swiss, &form, &problems);
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(error) => failed(&viewer, &error),
    }
}

/// What a document's line forms offer, and how its figures are written.
pub(crate) struct LineChoices {
    pub(crate) locale: Locale,
    pub(crate) currency: Currency,
    /// The catalogue's active items.
    items: Vec<rempart_store::catalogue::Item>,
    /// Output VAT codes in force on the document's date, and revenue accounts.
    vat_codes: Vec<(String, String)>,
    accounts: Vec<(String, String)>,
}

impl LineChoices {
    /// The choices of a document dated `date`.
    pub(crate) fn read(store: &Store, date: NaiveDate) -> Result<LineChoices, StoreError> {
        let company = store.company()?;
        let (vat_codes, accounts) = crate::catalogue::sales_choices(store.state(), Some(date));
        Ok(LineChoices {
            locale: Locale::of_country(company.country),
            currency: company.currency,
            items: store.items()?.into_iter().filter(|item| item.active).collect(),
            vat_codes,
            accounts,
        })
    }
}

/// What the invoice page shows, read in one go.
struct Shown {
    invoice: Invoice,
    summary: Option<InvoiceSummary>,
    customer: String,
    locale: Locale,
    today: NaiveDate,
    choices: LineChoices,
    bank_account: String,
    history: Vec<HistoryItem>,
    vehicle: Option<(rempart_store::vehicles::Noted, Option<rempart_domain::vehicles::Vehicle>)>,
    /// Its credit notes and reminder letters, printed as they were issued.
    papers: Vec<(rempart_domain::documents::PaperKind, String)>,
}

fn read_shown(store: &Store, id: &str, today: NaiveDate) -> Result<Shown, StoreError> {
    let invoice = store.invoice(id)?;
    if invoice.discarded {
        return Err(InvoiceError::Discarded { id: invoice.id }.into());
    }
    let company = store.company()?.clone();
    let customer = store.contact(&invoice.contact)?.get("name").cloned().unwrap_or_else(|| invoice.contact.clone());
    let summary = store
        .invoice_list(&InvoiceFilter { contact: Some(invoice.contact.clone()), ..InvoiceFilter::default() }, today)?
        .into_iter()
        .find(|summary| summary.id == invoice.id);
    Ok(Shown {
        papers: match &invoice.number {
            Some(number) => store.papers_of_invoice(number)?,
            None => Vec::new(),
        },
        vehicle: crate::vehicles::noted_vehicle(store, &invoice.id)?,
        history: store.invoice_history(&invoice.id)?,
        choices: LineChoices::read(store, invoice.date)?,
        invoice,
        summary,
        customer,
        locale: Locale::of_country(company.country),
        today,
        bank_account: company.country.bank_account().to_owned(),
    })
}

/// A form of a document's page refused: which one, the values typed, and the messages.
#[derive(Default)]
pub(crate) struct Refused {
    /// `add`, `comment`, `line-N`, `pay`, `remind`, `credit`, `issue`, `discard`, `send`…
    pub(crate) form: String,
    pub(crate) values: BTreeMap<String, String>,
    pub(crate) problems: Problems,
}

async fn show(State(app): State<App>, Extension(viewer): Extension<Viewer>, Path(id): Path<String>) -> Response {
    render(&app, &viewer, &id, None).await
}

async fn render(app: &App, viewer: &Viewer, id: &str, refused: Option<Refused>) -> Response {
    let lang = viewer.lang;
    let today = app.today();
    let wanted = id.to_owned();
    match app.run(move |store| read_shown(store, &wanted, today)).await {
        Ok(shown) => {
            let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            let title = title(lang, &shown);
            let body = invoice_page(lang, viewer, &shown, refused.as_ref());
            (status, layout(lang, Some(viewer), &title, body)).into_response()
        }
        Err(StoreError::Invoice(error @ (InvoiceError::UnknownInvoice { .. } | InvoiceError::Discarded { .. }))) => {
            let body =
                html! { p { (error.speak(lang)) } p { a href="/invoices" { (lang.text("web.invoices.title")) } } };
            (StatusCode::NOT_FOUND, layout(lang, Some(viewer), lang.text("web.not_found.title"), body)).into_response()
        }
        Err(error) => failed(viewer, &error),
    }
}

/// An invoice by its number; a draft by its customer and date.
fn title(lang: Lang, shown: &Shown) -> String {
    match &shown.invoice.number {
        Some(number) => lang.fill("web.invoice.title", &[("number", number), ("customer", &shown.customer)]),
        None => lang.fill(
            "web.invoice.draft_of",
            &[("customer", &shown.customer), ("date", &shown.locale.format_date(shown.invoice.date))],
        ),
    }
}

/// A draft as people know it: by customer and date, never by its internal id.
fn draft_name(lang: Lang, shown: &Shown) -> String {
    lang.fill(
        "web.invoice.draft_of",
        &[("customer", &shown.customer), ("date", &shown.locale.format_date(shown.invoice.date))],
    )
}

/// A document's history, each fact in words with when, on which device and by whom it was
/// recorded; the document's internal `id` is told as its `name`.
pub(crate) fn history_section(lang: Lang, locale: Locale, history: &[HistoryItem], (id, name): (&str, &str)) -> Markup {
    let words = |fact: &rempart_domain::Fact| {
        let mut described = fact.describe();
        for (key, word) in &mut described.values {
            if *key == "id" && matches!(word, rempart_domain::Word::Text(text) if text == id) {
                *word = rempart_domain::Word::Text(name.to_owned());
            }
        }
        rempart_i18n::described(lang, Some(locale), &described)
    };
    html! {
        details.history open {
            summary { (lang.text("web.history.title")) }
            ol {
                @for item in history {
                    li {
                        (chrono::DateTime::from_timestamp_millis(item.wall_ms as i64).map(|time| format!("{} {}", locale.format_date(time.date_naive()), time.format("%H:%M"))).unwrap_or_default())
                        " · "
                        (words(&item.fact))
                        " · "
                        @match &item.by {
                            Some(name) => (lang.fill("web.history.by", &[("name", name)])),
                            None => (lang.fill("web.history.device", &[("node", &item.node_short)])),
                        }
                    }
                }
            }
        }
    }
}

pub(crate) fn quantity_text(locale: Locale, quantity_milli: i64) -> String {
    let text = format!("{}.{:03}", quantity_milli / 1000, quantity_milli % 1000);
    let text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    match locale {
        Locale::French => text.replace('.', ","),
        Locale::Swiss => text,
    }
}

fn percent_text(locale: Locale, basis_points: u32) -> String {
    if basis_points == 0 {
        return String::new();
    }
    let text = format!("{}.{:02}", basis_points / 100, basis_points % 100);
    let text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    match locale {
        Locale::French => text.replace('.', ","),
        Locale::Swiss => text,
    }
}

/// The values a line's form shows: those typed if it was refused, else the line's own.
fn line_values(
    shown: &LineChoices,
    line: Option<&InvoiceLine>,
    refused: Option<&Refused>,
    form: &str,
) -> BTreeMap<String, String> {
    if let Some(refused) = refused.filter(|refused| refused.form == form) {
        return refused.values.clone();
    }
    let Some(line) = line else { return BTreeMap::from([("qty".to_owned(), "1".to_owned())]) };
    let locale = shown.locale;
    BTreeMap::from([
        ("item".to_owned(), line.item.clone().unwrap_or_default()),
        ("text".to_owned(), line.text.clone()),
        ("qty".to_owned(), quantity_text(locale, line.quantity_milli)),
        ("unit".to_owned(), line.unit.clone().unwrap_or_default()),
        ("price".to_owned(), locale.format_amount(line.unit_price_minor, shown.currency)),
        ("discount".to_owned(), percent_text(locale, line.discount_bp)),
        ("vat".to_owned(), line.vat_code.clone()),
        ("account".to_owned(), line.account.clone()),
    ])
}

/// The fields of a line: an item of the catalogue, or text, price, VAT code and account.
fn line_form(
    viewer: &Viewer,
    shown: &LineChoices,
    action: &str,
    prefix: &str,
    values: &BTreeMap<String, String>,
    problems: Option<&Problems>,
    submit: &str,
) -> Markup {
    let (lang, csrf_token) = (viewer.lang, viewer.csrf.as_str());
    let value = |name: &str| values.get(name).map_or("", String::as_str);
    let error = |name: &str| problems.and_then(|problems| problems.field(name));
    let items: Vec<(String, String)> = shown
        .items
        .iter()
        .map(|item| {
            (
                item.code.clone(),
                format!(
                    "{} – {} ({})",
                    item.code,
                    item.label,
                    shown.locale.format_amount(item.price_minor, item.currency)
                ),
            )
        })
        .collect();
    let id = |name: &str| format!("{prefix}-{name}");
    html! {
        form.line method="post" action=(action) {
            (csrf(csrf_token))
            (form_error(problems.and_then(|problems| problems.form.as_deref())))
            (select(lang.text("web.line.item"), &id("item"), "item", &items, value("item"), Some(lang.text("web.line.free")), error("item")))
            (labelled(lang.text("web.line.text"), &id("text"), "text", "text", value("text"), error("text")))
            (labelled(lang.text("web.line.quantity"), &id("qty"), "qty", "text", value("qty"), error("qty")))
            (labelled(lang.text("web.line.unit"), &id("unit"), "unit", "text", value("unit"), error("unit")))
            (labelled(lang.text("web.line.price"), &id("price"), "price", "text", value("price"), error("price")))
            (labelled(lang.text("web.line.discount"), &id("discount"), "discount", "text", value("discount"), error("discount")))
            (select(lang.text("web.line.vat"), &id("vat"), "vat", &shown.vat_codes, value("vat"), Some(lang.text("web.line.from_item")), error("vat")))
            (select(lang.text("web.line.account"), &id("account"), "account", &shown.accounts, value("account"), Some(lang.text("web.line.from_item")), error("account")))
            button type="submit" { (submit) }
        }
    }
}

fn invoice_page(lang: Lang, viewer: &Viewer, shown: &Shown, refused: Option<&Refused>) -> Markup {
    let invoice = &shown.invoice;
    let locale = shown.locale;
    let currency = invoice.currency;
    let draft = invoice.number.is_none();
    let books = BOOKS.contains(&viewer.role);
    let problems_of = |form: &str| refused.filter(|refused| refused.form == form).map(|refused| &refused.problems);
    let value_of = |form: &str, name: &str, default: String| {
        refused
            .filter(|refused| refused.form == form)
            .and_then(|refused| refused.values.get(name).cloned())
            .unwrap_or(default)
    };
    let base = format!("/invoices/{}", invoice.number.as_deref().unwrap_or(&invoice.id));
    html! {
        dl.fields {
            dt { (lang.text("web.invoice.customer")) } dd { a href=(format!("/contacts/{}", invoice.contact)) { (shown.customer) } }
            dt { (lang.text("web.invoice.date")) } dd { (locale.format_date(invoice.date)) }
            @if let Some(due) = invoice.due_date { dt { (lang.text("web.invoice.due")) } dd { (locale.format_date(due)) } }
            (crate::vehicles::vehicle_entry(lang, locale, shown.vehicle.as_ref()))
            @if let Some(summary) = &shown.summary {
                dt { (lang.text("web.invoice.status")) } dd { span class=(format!("status {}", summary.status.as_str())) { (status_name(lang, summary.status)) } }
                @if !draft {
                    dt { (lang.text("web.invoice.paid")) } dd { (locale.format_amount(summary.paid_minor, currency)) }
                    @if summary.credited_minor > 0 { dt { (lang.text("web.invoice.credited")) } dd { (locale.format_amount(summary.credited_minor, currency)) } }
                    @if summary.fees_minor > 0 { dt { (lang.text("web.invoice.fees")) } dd { (locale.format_amount(summary.fees_minor, currency)) } }
                    dt { (lang.text("web.invoice.open")) } dd { strong { (locale.format_amount(summary.open_minor(), currency)) } }
                }
            }
        }
        @if !draft {
            p {
                a.button href=(format!("{base}/pdf")) { (lang.text("web.invoice.pdf")) }
                @for (kind, number) in &shown.papers {
                    " "
                    a.button.secondary href=(format!("{base}/documents/{number}")) {
                        @match kind {
                            rempart_domain::documents::PaperKind::CreditNote => (lang.fill("web.invoice.credit_note_pdf", &[("number", number)])),
                            _ => (lang.fill("web.invoice.reminder_pdf", &[("number", number)])),
                        }
                    }
                }
            }
        }
        (lines_section(viewer, &base, (&invoice.lines, &invoice.line_numbers), invoice.totals.as_ref(), (draft, &shown.choices), refused))
        @if draft {
            (crate::vehicles::visit_form(lang, &viewer.csrf, &format!("{base}/vehicle"), shown.vehicle.as_ref(), refused))
            div.actions {
                @if books {
                    form method="post" action=(format!("{base}/issue")) {
                        (csrf(&viewer.csrf))
                        (form_error(problems_of("issue").and_then(|problems| problems.form.as_deref())))
                        button type="submit" { (lang.text("web.invoice.issue")) }
                    }
                }
                form method="post" action=(format!("{base}/discard")) {
                    (csrf(&viewer.csrf))
                    button.secondary type="submit" { (lang.text("web.invoice.discard")) }
                }
            }
        } @else if books && shown.summary.as_ref().is_some_and(|summary| summary.open_minor() > 0) {
            section.card {
                h2 { (lang.text("web.payment.title")) }
                form method="post" action=(format!("{base}/payments")) {
                    (csrf(&viewer.csrf))
                    @let problems = problems_of("pay");
                    (form_error(problems.and_then(|problems| problems.form.as_deref())))
                    @let open = shown.summary.as_ref().map_or(0, InvoiceSummary::open_minor);
                    (labelled(lang.text("web.payment.amount"), "pay-amount", "amount", "text", &value_of("pay", "amount", locale.format_amount(open, currency)), problems.and_then(|problems| problems.field("amount"))))
                    (labelled(lang.text("web.payment.date"), "pay-date", "date", "text", &value_of("pay", "date", locale.format_date(shown.today)), problems.and_then(|problems| problems.field("date"))))
                    (labelled(lang.text("web.payment.account"), "pay-account", "account", "text", &value_of("pay", "account", shown.bank_account.clone()), problems.and_then(|problems| problems.field("account"))))
                    button type="submit" { (lang.text("web.payment.record")) }
                }
            }
            section.card {
                h2 { (lang.text("web.reminder.title")) }
                form method="post" action=(format!("{base}/remind")) {
                    (csrf(&viewer.csrf))
                    @let problems = problems_of("remind");
                    (form_error(problems.and_then(|problems| problems.form.as_deref())))
                    (labelled(lang.text("web.reminder.date"), "remind-date", "date", "text", &value_of("remind", "date", locale.format_date(shown.today)), problems.and_then(|problems| problems.field("date"))))
                    button type="submit" { (lang.text("web.reminder.send")) }
                }
            }
            section.card {
                h2 { (lang.text("web.credit.title")) }
                form method="post" action=(format!("{base}/credit")) {
                    (csrf(&viewer.csrf))
                    @let problems = problems_of("credit");
                    (form_error(problems.and_then(|problems| problems.form.as_deref())))
                    p { (lang.text("web.credit.help")) }
                    // A comment is credited with the whole invoice, never alone: no quantity asked.
                    @for (index, line) in invoice.lines.iter().enumerate().filter(|(_, line)| !line.comment) {
                        @let name = format!("line_{}", index + 1);
                        (labelled(&lang.fill("web.credit.line", &[("line", &(index + 1)), ("text", &line.text)]), &format!("credit-{name}"), &name, "text", &value_of("credit", &name, String::new()), problems.and_then(|problems| problems.field("lines"))))
                    }
                    (labelled(lang.text("web.credit.date"), "credit-date", "date", "text", &value_of("credit", "date", locale.format_date(shown.today)), problems.and_then(|problems| problems.field("date"))))
                    button type="submit" { (lang.text("web.credit.issue")) }
                }
            }
        }
        (history_section(lang, locale, &shown.history, (&invoice.id, &draft_name(lang, shown))))
    }
}

/// A document's lines as a table with its totals; on a draft, each line's change and removal,
/// and the forms that add a line and a comment, posting to `base`/lines.
pub(crate) fn lines_section(
    viewer: &Viewer,
    base: &str,
    (lines, line_numbers): (&[InvoiceLine], &[u32]),
    totals: Option<&rempart_domain::invoices::InvoiceTotals>,
    (draft, shown): (bool, &LineChoices),
    refused: Option<&Refused>,
) -> Markup {
    let lang = viewer.lang;
    let (locale, currency) = (shown.locale, shown.currency);
    let problems_of = |form: &str| refused.filter(|refused| refused.form == form).map(|refused| &refused.problems);
    let nets =
        totals.map(|totals| totals.line_nets_minor.clone()).unwrap_or_else(|| lines.iter().map(line_net).collect());
    html! {
        table #lines {
            caption { (lang.text("web.invoice.lines")) }
            thead { tr {
                th scope="col" { "#" }
                th scope="col" { (lang.text("web.line.text")) }
                th.num scope="col" { (lang.text("web.line.quantity")) }
                th.num scope="col" { (lang.text("web.line.price")) }
                th.num scope="col" { (lang.text("web.line.discount")) }
                th scope="col" { (lang.text("web.line.vat")) }
                th.num scope="col" { (lang.text("web.line.net")) }
                @if draft { th scope="col" { (lang.text("web.line.change")) } }
            } }
            tbody {
                @for ((line, number), net) in lines.iter().zip(line_numbers).zip(&nets) {
                    @let form = format!("line-{number}");
                    tr {
                        th scope="row" { (number) }
                        @if line.comment {
                            td.comment colspan="6" { (line.text) }
                        } @else {
                            td { (line.text) }
                            td.num {
                                (quantity_text(locale, line.quantity_milli))
                                @if let Some(unit) = &line.unit { " " (unit) }
                            }
                            td.num { (locale.format_amount(line.unit_price_minor, currency)) }
                            td.num { (percent_text(locale, line.discount_bp)) }
                            td { (line.vat_code) }
                            td.num { (locale.format_amount(*net, currency)) }
                        }
                        @if draft {
                            td {
                                details open[refused.is_some_and(|refused| refused.form == form)] {
                                    summary { (lang.fill("web.line.change_n", &[("line", number)])) }
                                    @if line.comment {
                                        form.line method="post" action=(format!("{base}/lines/{number}")) {
                                            (csrf(&viewer.csrf))
                                            input type="hidden" name="comment" value="1";
                                            (form_error(problems_of(&form).and_then(|problems| problems.form.as_deref())))
                                            (labelled(lang.text("web.line.text"), &format!("{form}-text"), "text", "text", &line.text, problems_of(&form).and_then(|problems| problems.field("text"))))
                                            button type="submit" { (lang.text("web.save")) }
                                        }
                                    } @else {
                                        (line_form(viewer, shown, &format!("{base}/lines/{number}"), &form, &line_values(shown, Some(line), refused, &form), problems_of(&form), lang.text("web.save")))
                                    }
                                }
                                form method="post" action=(format!("{base}/lines/{number}/remove")) {
                                    (csrf(&viewer.csrf))
                                    button.secondary type="submit" aria-label=(lang.fill("web.line.remove_n", &[("line", number)])) { (lang.text("web.line.remove")) }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(totals) = totals {
                tfoot {
                    tr { th colspan="6" scope="row" { (lang.text("web.invoice.net")) } td.num { (locale.format_amount(totals.net_minor, currency)) } }
                    @for (code, vat) in &totals.by_vat_code {
                        tr { th colspan="6" scope="row" { (lang.fill("web.invoice.vat_of", &[("code", code)])) } td.num { (locale.format_amount(vat.vat_minor, currency)) } }
                    }
                    @if totals.rounding_minor != 0 {
                        tr { th colspan="6" scope="row" { (lang.text("web.invoice.rounding")) } td.num { (locale.format_amount(totals.rounding_minor, currency)) } }
                    }
                    tr { th colspan="6" scope="row" { (lang.text("web.total")) } td.num { strong { (locale.format_amount(totals.gross_minor, currency)) } } }
                }
            }
        }
        @if draft {
            section.card {
                h2 { (lang.text("web.line.add")) }
                (line_form(viewer, shown, &format!("{base}/lines"), "add", &line_values(shown, None, refused, "add"), problems_of("add"), lang.text("web.line.add")))
            }
            section.card {
                h2 { (lang.text("web.line.comment")) }
                form.line method="post" action=(format!("{base}/lines")) {
                    (csrf(&viewer.csrf))
                    input type="hidden" name="comment" value="1";
                    (form_error(problems_of("comment").and_then(|problems| problems.form.as_deref())))
                    @let typed = line_values(shown, None, refused, "comment");
                    (labelled(lang.text("web.line.text"), "comment-text", "text", "text", typed.get("text").map_or("", String::as_str), problems_of("comment").and_then(|problems| problems.field("text"))))
                    button type="submit" { (lang.text("web.line.comment_add")) }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct LineForm {
    #[serde(default)]
    item: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    qty: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    price: String,
    /// "1" for a comment line (the text alone).
    #[serde(default)]
    comment: String,
    #[serde(default)]
    discount: String,
    #[serde(default)]
    vat: String,
    #[serde(default)]
    account: String,
}

impl LineForm {
    pub(crate) fn values(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("item".to_owned(), self.item.clone()),
            ("text".to_owned(), self.text.clone()),
            ("qty".to_owned(), self.qty.clone()),
            ("unit".to_owned(), self.unit.clone()),
            ("price".to_owned(), self.price.clone()),
            ("discount".to_owned(), self.discount.clone()),
            ("vat".to_owned(), self.vat.clone()),
            ("account".to_owned(), self.account.clone()),
        ])
    }

    pub(crate) fn input(&self) -> LineInput {
        let given = |text: &str| Some(text.to_owned()).filter(|text| !text.trim().is_empty());
        LineInput {
            item: given(&self.item),
            text: given(&self.text),
            quantity: if self.qty.trim().is_empty() { "1".to_owned() } else { self.qty.clone() },
            unit: given(&self.unit),
            price: given(&self.price),
            comment: self.comment == "1",
            discount: self.discount.clone(),
            vat_code: given(&self.vat),
            account: given(&self.account),
        }
    }
}

/// The field a refusal of a line is about.
pub(crate) fn line_field(error: &StoreError) -> Option<&'static str> {
    match error {
        StoreError::Invoice(error) => match error {
            InvoiceError::UnknownItem { .. } | InvoiceError::InactiveItem { .. } => Some("item"),
            InvoiceError::EmptyText | InvoiceError::LineIncomplete => Some("text"),
            InvoiceError::BadQuantity { .. } | InvoiceError::QuantityOutOfRange => Some("qty"),
            InvoiceError::BadUnit { .. } => Some("unit"),
            InvoiceError::Price(_) | InvoiceError::NegativePrice => Some("price"),
            InvoiceError::BadDiscount { .. } => Some("discount"),
            InvoiceError::UnknownVatCode { .. }
            | InvoiceError::InputVatCode { .. }
            | InvoiceError::VatCodeNotInForce { .. } => Some("vat"),
            InvoiceError::NotRevenue { .. } => Some("account"),
            _ => None,
        },
        _ => None,
    }
}

/// After a form of the invoice page: back to the page, or the page again with the refusal.
async fn answer(
    app: &App,
    viewer: &Viewer,
    id: &str,
    form: &str,
    values: BTreeMap<String, String>,
    outcome: Result<String, (Option<&'static str>, StoreError)>,
) -> Response {
    match outcome {
        Ok(to) => Redirect::to(&to).into_response(),
        Err((field, error)) if crate::form::refusal(&error) => {
            let said = match error {
                // The command line's words name its options; the page names its fields.
                StoreError::Invoice(InvoiceError::LineIncomplete) => viewer.lang.text("web.line.incomplete").to_owned(),
                _ => rempart_i18n::message(&error, viewer.lang),
            };
            let mut problems = Problems::default();
            match field {
                Some(field) => {
                    problems.set(field, said);
                }
                None => problems.form = Some(said),
            }
            render(app, viewer, id, Some(Refused { form: form.to_owned(), values, problems })).await
        }
        Err((_, error)) => failed(viewer, &error),
    }
}

/// Runs a store operation as the viewer, on the store.
pub(crate) async fn as_viewer<T: Send + 'static>(
    app: &App,
    viewer: &Viewer,
    work: impl FnOnce(&mut Store, Locale, Currency) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let by = viewer.user.id.clone();
    app.run(move |store| {
        let company = store.company()?.clone();
        store.as_user(&by, |store| work(store, Locale::of_country(company.country), company.currency))
    })
    .await
}

async fn add_line(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(form): Posted<LineForm>,
) -> Response {
    let input = form.input();
    let target = id.clone();
    let outcome = as_viewer(&app, &viewer, move |store, locale, currency| {
        let spec = LineSpec::read(locale, currency, input)?;
        store.add_invoice_line(&target, spec)
    })
    .await;
    let outcome = outcome.map(|_| format!("/invoices/{id}#lines")).map_err(|error| (line_field(&error), error));
    // A comment's refusal is shown beside the comment's own form.
    let which = if form.comment == "1" { "comment" } else { "add" };
    answer(&app, &viewer, &id, which, form.values(), outcome).await
}

async fn change_line(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path((id, line)): Path<(String, u32)>,
    Posted(form): Posted<LineForm>,
) -> Response {
    let input = form.input();
    let target = id.clone();
    let outcome = as_viewer(&app, &viewer, move |store, locale, currency| {
        let spec = LineSpec::read(locale, currency, input)?;
        store.change_invoice_line(&target, line, spec)
    })
    .await;
    let outcome = outcome.map(|_| format!("/invoices/{id}#lines")).map_err(|error| (line_field(&error), error));
    answer(&app, &viewer, &id, &format!("line-{line}"), form.values(), outcome).await
}

#[derive(Deserialize)]
struct Empty {}

async fn remove_line(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path((id, line)): Path<(String, u32)>,
    Posted(_): Posted<Empty>,
) -> Response {
    let target = id.clone();
    let outcome = as_viewer(&app, &viewer, move |store, _, _| store.remove_invoice_line(&target, line)).await;
    let outcome = outcome.map(|()| format!("/invoices/{id}#lines")).map_err(|error| (None, error));
    answer(&app, &viewer, &id, &format!("line-{line}"), BTreeMap::new(), outcome).await
}

async fn note_vehicle(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(form): Posted<crate::vehicles::VisitForm>,
) -> Response {
    let values = form.values();
    let outcome = crate::vehicles::note_posted(&app, &viewer, ("/invoices", &id), form).await;
    typed_answer(&app, &viewer, &id, "vehicle", values, outcome, crate::vehicles::visit_field).await
}

async fn discard(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let target = id.clone();
    let outcome = as_viewer(&app, &viewer, move |store, _, _| store.discard_invoice(&target)).await;
    let outcome = outcome.map(|()| "/invoices".to_owned()).map_err(|error| (None, error));
    answer(&app, &viewer, &id, "discard", BTreeMap::new(), outcome).await
}

async fn issue(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let target = id.clone();
    let outcome = as_viewer(&app, &viewer, move |store, _, _| store.issue_invoice_checked(&target)).await;
    let outcome = outcome.map(|number| format!("/invoices/{number}")).map_err(|error| (None, error));
    answer(&app, &viewer, &id, "issue", BTreeMap::new(), outcome).await
}

#[derive(Deserialize)]
struct PaymentForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    account: String,
}

/// A date typed in a form, read as the company writes dates.
fn read_date(locale: Locale, lang: Lang, text: &str) -> Result<NaiveDate, (Option<&'static str>, String)> {
    locale.read_date(text).map_err(|error| (Some("date"), error.speak(lang)))
}

async fn pay(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(form): Posted<PaymentForm>,
) -> Response {
    let lang = viewer.lang;
    let values = BTreeMap::from([
        ("amount".to_owned(), form.amount.clone()),
        ("date".to_owned(), form.date.clone()),
        ("account".to_owned(), form.account.clone()),
    ]);
    let target = id.clone();
    let outcome = as_viewer(&app, &viewer, move |store, locale, currency| {
        let invoice = store.invoice(&target)?;
        let Some(number) = invoice.number else { return Err(InvoiceError::NotIssued { id: invoice.id }.into()) };
        let amount = match locale.read_amount(&form.amount, currency) {
            Ok(amount) => amount,
            Err(error) => return Ok(Err((Some("amount"), rempart_i18n::message(&error, lang)))),
        };
        let date = match read_date(locale, lang, &form.date) {
            Ok(date) => date,
            Err(refused) => return Ok(Err(refused)),
        };
        store.receive_payment(
            &invoice.contact,
            date,
            amount,
            form.account.trim(),
            &[(number.clone(), Some(amount))],
        )?;
        Ok(Ok(format!("/invoices/{number}")))
    })
    .await;
    typed_answer(&app, &viewer, &id, "pay", values, outcome, |error| match error {
        StoreError::Payment(rempart_domain::payments::PaymentError::NotMoneyAccount { .. }) => Some("account"),
        StoreError::Payment(_) => Some("amount"),
        _ => None,
    })
    .await
}

/// As `answer`, for forms whose own reading (amounts, dates) may refuse before the store does.
async fn typed_answer(
    app: &App,
    viewer: &Viewer,
    id: &str,
    form: &str,
    values: BTreeMap<String, String>,
    outcome: Result<Result<String, (Option<&'static str>, String)>, StoreError>,
    field_of: impl Fn(&StoreError) -> Option<&'static str>,
) -> Response {
    match outcome {
        Ok(Ok(to)) => Redirect::to(&to).into_response(),
        Ok(Err((field, said))) => {
            let mut problems = Problems::default();
            match field {
                Some(field) => {
                    problems.set(field, said);
                }
                None => problems.form = Some(said),
            }
            render(app, viewer, id, Some(Refused { form: form.to_owned(), values, problems })).await
        }
        Err(error) => {
            let field = field_of(&error);
            answer(app, viewer, id, form, values, Err((field, error))).await
        }
    }
}

#[derive(Deserialize)]
struct DateForm {
    #[serde(default)]
    date: String,
}

async fn remind(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(form): Posted<DateForm>,
) -> Response {
    let lang = viewer.lang;
    let values = BTreeMap::from([("date".to_owned(), form.date.clone())]);
    let target = id.clone();
    let outcome = as_viewer(&app, &viewer, move |store, locale, _| {
        let date = match read_date(locale, lang, &form.date) {
            Ok(date) => date,
            Err(refused) => return Ok(Err(refused)),
        };
        let sent = store.send_reminder(&target, date)?;
        Ok(Ok(format!("/invoices/{}", sent.invoice)))
    })
    .await;
    typed_answer(&app, &viewer, &id, "remind", values, outcome, |_| None).await
}

async fn credit(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(form): Posted<BTreeMap<String, String>>,
) -> Response {
    let lang = viewer.lang;
    let values = form.clone();
    let target = id.clone();
    let outcome = as_viewer(&app, &viewer, move |store, locale, _| {
        let date = match read_date(locale, lang, form.get("date").map_or("", String::as_str)) {
            Ok(date) => date,
            Err(refused) => return Ok(Err(refused)),
        };
        let mut named = Vec::new();
        for (name, text) in &form {
            let (Some(index), false) =
                (name.strip_prefix("line_").and_then(|index| index.parse::<usize>().ok()), text.trim().is_empty())
            else {
                continue;
            };
            match rempart_domain::invoices::parse_quantity(&locale.plain_decimal(text)) {
                Ok(quantity) => named.push((index, Some(quantity))),
                Err(error) => return Ok(Err((Some("lines"), error.speak(lang)))),
            }
        }
        let note = store.credit_invoice(&target, date, &named)?;
        Ok(Ok(format!("/invoices/{}", note.invoice)))
    })
    .await;
    typed_answer(&app, &viewer, &id, "credit", values, outcome, |error| match error {
        StoreError::Invoice(InvoiceError::NoSuchLine { .. } | InvoiceError::CreditQuantity { .. }) => Some("lines"),
        _ => None,
    })
    .await
}

/// A credit note or reminder letter of the invoice, as it was issued.
async fn paper_pdf(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path((id, number)): Path<(String, String)>,
) -> Response {
    let lang = viewer.lang;
    let made = app
        .run(move |store| {
            let invoice = store.invoice(&id)?;
            let owned = match &invoice.number {
                Some(issued) => store.papers_of_invoice(issued)?.into_iter().find(|(_, each)| *each == number),
                None => None,
            };
            Ok(owned.map(|(kind, number)| crate::documents::document_pdf(store, kind, &number)))
        })
        .await;
    match made {
        Ok(Some(Ok((paper, bytes)))) => (
            [
                (CONTENT_TYPE, "application/pdf".to_owned()),
                (CONTENT_DISPOSITION, format!("inline; filename=\"{}.pdf\"", paper.number)),
            ],
            bytes,
        )
            .into_response(),
        Ok(Some(Err(error))) => {
            let body = html! { p role="alert" { (error.speak(lang)) } };
            (StatusCode::UNPROCESSABLE_ENTITY, layout(lang, Some(&viewer), lang.text("web.invoice.pdf"), body))
                .into_response()
        }
        Ok(None) => {
            let body = html! { p { (lang.text("web.invoice.no_such_document")) } };
            (StatusCode::NOT_FOUND, layout(lang, Some(&viewer), lang.text("web.not_found.title"), body)).into_response()
        }
        Err(error) => failed(&viewer, &error),
    }
}

async fn pdf(State(app): State<App>, Extension(viewer): Extension<Viewer>, Path(id): Path<String>) -> Response {
    let lang = viewer.lang;
    match app.run(move |store| Ok(crate::documents::invoice_pdf(store, &id))).await {
        Ok(Ok((document, bytes))) => (
            [
                (CONTENT_TYPE, "application/pdf".to_owned()),
                (CONTENT_DISPOSITION, format!("inline; filename=\"{}.pdf\"", document.number)),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(error)) => {
            // The command line's words name its command; the page sends to the settings page.
            let no_account = matches!(error, crate::documents::DocumentError::Doc(rempart_docs::DocError::NoAccount));
            let said = if no_account { lang.text("web.invoice.no_account").to_owned() } else { error.speak(lang) };
            let body = html! {
                p role="alert" {
                    (said)
                    @if no_account { " " a href="/settings" { (lang.text("web.nav.settings")) } }
                }
            };
            (StatusCode::UNPROCESSABLE_ENTITY, layout(lang, Some(&viewer), lang.text("web.invoice.pdf"), body))
                .into_response()
        }
        Err(error) => failed(&viewer, &error),
    }
}

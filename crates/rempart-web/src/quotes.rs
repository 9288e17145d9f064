//! Quotes: the list by status, a new draft for a customer picked by name with its validity, its
//! lines (the invoice's own forms), discarding or sending it; a sent quote's PDF, and the
//! customer's answer: accepted, which opens the invoice draft it became, or refused.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use chrono::{Days, NaiveDate};
use maud::{Markup, html};
use rempart_domain::Locale;
use rempart_domain::quotes::{QuoteError, QuoteStatus, VALIDITY_DAYS_DEFAULT};
use rempart_i18n::{Lang, Speak};
use rempart_store::invoices::{HistoryItem, LineSpec};
use rempart_store::quotes::{Quote, QuoteFilter, QuoteSummary};
use rempart_store::{Store, StoreError};
use serde::Deserialize;

use crate::App;
use crate::form::{Posted, Problems};
use crate::invoices::{LineChoices, LineForm, Refused, as_viewer, history_section, line_field, lines_section};
use crate::page::{csrf, field, form_error, labelled, layout};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/quotes", get(list).post(create))
        .route("/quotes/new", get(new_form))
        .route("/quotes/{id}", get(show))
        .route("/quotes/{id}/pdf", get(pdf))
        .route("/quotes/{id}/lines", post(add_line))
        .route("/quotes/{id}/lines/{line}", post(change_line))
        .route("/quotes/{id}/lines/{line}/remove", post(remove_line))
        .route("/quotes/{id}/discard", post(discard))
        .route("/quotes/{id}/vehicle", post(note_vehicle))
        .route("/quotes/{id}/send", post(send))
        .route("/quotes/{id}/accept", post(accept))
        .route("/quotes/{id}/refuse", post(refuse))
}

fn failed(viewer: &Viewer, error: &StoreError) -> Response {
    crate::page::failed(viewer.lang, Some(viewer), &rempart_i18n::message(error, viewer.lang))
}

/// A status in the reader's words.
fn status_name(lang: Lang, status: QuoteStatus) -> &'static str {
    match status {
        QuoteStatus::Draft => lang.text("quote.status.draft"),
        QuoteStatus::Sent => lang.text("quote.status.sent"),
        QuoteStatus::Accepted => lang.text("quote.status.accepted"),
        QuoteStatus::Refused => lang.text("quote.status.refused"),
        QuoteStatus::Expired => lang.text("quote.status.expired"),
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    customer: String,
    #[serde(default)]
    status: String,
}

async fn list(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Query(query): Query<ListQuery>,
) -> Response {
    let lang = viewer.lang;
    let today = app.today();
    let typed = query.customer.trim().to_owned();
    let status = QuoteStatus::parse(&query.status);
    let found = app
        .run(move |store| {
            let locale = Locale::of_country(store.company()?.country);
            let labels = crate::contacts::contact_labels(store)?;
            let mut problems = Problems::default();
            let mut filter = QuoteFilter { status, ..QuoteFilter::default() };
            if !typed.is_empty() {
                match crate::contacts::contact_of(&labels, &typed) {
                    Ok(id) => filter.contact = Some(id),
                    Err(key) => {
                        problems.set("customer", lang.fill(key, &[("name", &typed)]));
                    }
                }
            }
            let quotes = if problems.is_empty() { store.quote_list(&filter, today)? } else { Vec::new() };
            Ok((locale, labels, quotes, problems))
        })
        .await;
    let (locale, labels, quotes, problems) = match found {
        Ok(found) => found,
        Err(error) => return failed(&viewer, &error),
    };
    let body = html! {
        form.search method="get" action="/quotes" {
            (crate::contacts::contact_field(lang.text("web.invoice.customer"), "customer", &labels, &query.customer, problems.field("customer")))
            div.field {
                label for="field-status" { (lang.text("web.invoice.status")) }
                select id="field-status" name="status" {
                    option value="" { (lang.text("web.invoice.any_status")) }
                    @for each in QuoteStatus::ALL {
                        option value=(each.as_str()) selected[status == Some(each)] { (status_name(lang, each)) }
                    }
                }
            }
            button type="submit" { (lang.text("web.search")) }
        }
        p { a.button href="/quotes/new" { (lang.text("web.quote.new")) } }
        (quote_table(lang, locale, &quotes))
    };
    layout(lang, Some(&viewer), lang.text("web.quotes.title"), body).into_response()
}

fn quote_table(lang: Lang, locale: Locale, quotes: &[QuoteSummary]) -> Markup {
    html! {
        table {
            caption { (lang.fill("web.quotes.count", &[("count", &quotes.len())])) }
            thead { tr {
                th scope="col" { (lang.text("web.quote.number")) }
                th scope="col" { (lang.text("web.invoice.customer")) }
                th scope="col" { (lang.text("web.invoice.date")) }
                th scope="col" { (lang.text("quote.valid_until")) }
                th.num scope="col" { (lang.text("web.total")) }
                th scope="col" { (lang.text("web.invoice.status")) }
                th scope="col" { (lang.text("invoice")) }
            } }
            tbody {
                @for quote in quotes {
                    @let target = quote.number.as_deref().unwrap_or(&quote.id);
                    tr {
                        td { a href=(format!("/quotes/{target}")) {
                            @match &quote.number {
                                Some(number) => (number),
                                None => (lang.fill("web.quote.draft_of", &[("customer", &quote.customer), ("date", &locale.format_date(quote.date))])),
                            }
                        } }
                        td { (quote.customer) }
                        td { (locale.format_date(quote.date)) }
                        td { (locale.format_date(quote.valid_until)) }
                        td.num { (locale.format_amount(quote.gross_minor, quote.currency)) }
                        td { span class=(format!("status {}", quote.status.as_str())) { (status_name(lang, quote.status)) } }
                        td { @if let Some(invoice) = &quote.invoice { a href=(format!("/invoices/{invoice}")) { (invoice) } } }
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
    valid_until: String,
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
        form.card method="post" action="/quotes" {
            (csrf(&viewer.csrf))
            (form_error(problems.form.as_deref()))
            (crate::contacts::contact_field(lang.text("web.invoice.customer"), "customer", labels, &form.customer, problems.field("customer")))
            (field(lang.text("web.invoice.date"), "date", "text", &form.date, problems.field("date")))
            (crate::vehicles::visit_fields(lang, (&form.vehicle, &form.mileage), problems))
            (field(lang.text("quote.valid_until"), "valid_until", "text", &form.valid_until, problems.field("valid_until")))
            @if swiss {
                div.field.check {
                    label for="field-cash-rounding" {
                        input id="field-cash-rounding" type="checkbox" name="cash_rounding" value="1" checked[form.cash_rounding.is_some()];
                        " " (lang.text("web.invoice.cash_rounding"))
                    }
                }
            }
            button type="submit" { (lang.text("web.quote.create")) }
        }
    };
    layout(lang, Some(viewer), lang.text("web.quote.new"), body)
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
            let locale = Locale::of_country(country);
            let until = today.checked_add_days(Days::new(VALIDITY_DAYS_DEFAULT)).unwrap_or(today);
            let form = NewForm {
                date: locale.format_date(today),
                valid_until: locale.format_date(until),
                ..NewForm::default()
            };
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
    let (customer, date, until, rounding) =
        (form.customer.clone(), form.date.clone(), form.valid_until.clone(), form.cash_rounding.is_some());
    let (plate, mileage) = (form.vehicle.clone(), form.mileage.clone());
    let outcome = app
        .run(move |store| {
            let country = store.company()?.country;
            let locale = Locale::of_country(country);
            let labels = crate::contacts::contact_labels(store)?;
            let mut problems = Problems::default();
            let contact = crate::contacts::contact_of(&labels, &customer)
                .map_err(|key| problems.set("customer", lang.fill(key, &[("name", &customer.trim())])))
                .ok();
            let date = locale.read_date(&date).map_err(|error| problems.set("date", error.speak(lang))).ok();
            // Left empty: thirty days after the date.
            let until = if until.trim().is_empty() {
                Some(None)
            } else {
                locale.read_date(&until).map(Some).map_err(|error| problems.set("valid_until", error.speak(lang))).ok()
            };
            let visit = crate::vehicles::read_visit(lang, &plate, &mileage, &mut problems);
            let (Some(contact), Some(date), Some(until), Some(visit)) = (contact, date, until, visit) else {
                return Ok(Err((labels, country, problems)));
            };
            match store.as_user(&by, |store| store.draft_quote_for(&contact, (date, until), rounding, visit.as_ref())) {
                Ok(id) => Ok(Ok(id)),
                Err(StoreError::Quote(error @ QuoteError::Validity { .. })) => {
                    problems.set("valid_until", error.speak(lang));
                    Ok(Err((labels, country, problems)))
                }
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
        Ok(Ok(id)) => Redirect::to(&format!("/quotes/{id}")).into_response(),
        Ok(Err((labels, country, problems))) => {
            let swiss = country == rempart_domain::Country::Ch;
            let page = new_page(lang, &viewer, &labels, swiss, &form, &problems);
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(error) => failed(&viewer, &error),
    }
}

/// What the quote page shows, read in one go.
struct Shown {
    quote: Quote,
    customer: String,
    today: NaiveDate,
    choices: LineChoices,
    /// The invoice an accepted quote became: its number once issued, else its draft id.
    invoice: Option<String>,
    history: Vec<HistoryItem>,
    vehicle: Option<(rempart_store::vehicles::Noted, Option<rempart_domain::vehicles::Vehicle>)>,
}

fn read_shown(store: &Store, id: &str, today: NaiveDate) -> Result<Shown, StoreError> {
    let quote = store.quote(id)?;
    if quote.discarded {
        return Err(QuoteError::Discarded { id: quote.id }.into());
    }
    let customer = store.contact(&quote.contact)?.get("name").cloned().unwrap_or_else(|| quote.contact.clone());
    let invoice = match &quote.invoice {
        Some(id) => Some(store.invoice(id)?.number.unwrap_or_else(|| id.clone())),
        None => None,
    };
    Ok(Shown {
        vehicle: crate::vehicles::noted_vehicle(store, &quote.id)?,
        history: store.quote_history(&quote.id)?,
        choices: LineChoices::read(store, quote.date)?,
        quote,
        customer,
        today,
        invoice,
    })
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
            let body = quote_page(viewer, &shown, refused.as_ref());
            (status, layout(lang, Some(viewer), &title, body)).into_response()
        }
        Err(StoreError::Quote(error @ (QuoteError::UnknownQuote { .. } | QuoteError::Discarded { .. }))) => {
            let body = html! { p { (error.speak(lang)) } p { a href="/quotes" { (lang.text("web.quotes.title")) } } };
            (StatusCode::NOT_FOUND, layout(lang, Some(viewer), lang.text("web.not_found.title"), body)).into_response()
        }
        Err(error) => failed(viewer, &error),
    }
}

/// A quote by its number; a draft by its customer and date.
fn title(lang: Lang, shown: &Shown) -> String {
    match &shown.quote.number {
        Some(number) => lang.fill("web.quote.title", &[("number", number), ("customer", &shown.customer)]),
        None => draft_name(lang, shown),
    }
}

fn draft_name(lang: Lang, shown: &Shown) -> String {
    lang.fill(
        "web.quote.draft_of",
        &[("customer", &shown.customer), ("date", &shown.choices.locale.format_date(shown.quote.date))],
    )
}

fn quote_page(viewer: &Viewer, shown: &Shown, refused: Option<&Refused>) -> Markup {
    let lang = viewer.lang;
    let quote = &shown.quote;
    let locale = shown.choices.locale;
    let draft = quote.number.is_none();
    let status = quote.status(shown.today);
    let problems_of = |form: &str| refused.filter(|refused| refused.form == form).map(|refused| &refused.problems);
    let value_of = |form: &str, name: &str, default: String| {
        refused
            .filter(|refused| refused.form == form)
            .and_then(|refused| refused.values.get(name).cloned())
            .unwrap_or(default)
    };
    let base = format!("/quotes/{}", quote.number.as_deref().unwrap_or(&quote.id));
    html! {
        dl.fields {
            dt { (lang.text("web.invoice.customer")) } dd { a href=(format!("/contacts/{}", quote.contact)) { (shown.customer) } }
            dt { (lang.text("web.invoice.date")) } dd { (locale.format_date(quote.date)) }
            dt { (lang.text("quote.valid_until")) } dd { (locale.format_date(quote.valid_until)) }
            (crate::vehicles::vehicle_entry(lang, locale, shown.vehicle.as_ref()))
            dt { (lang.text("web.invoice.status")) } dd { span class=(format!("status {}", status.as_str())) { (status_name(lang, status)) } }
            @if let Some(day) = quote.answered_on { dt { (lang.text("web.quote.answered_on")) } dd { (locale.format_date(day)) } }
            @if let Some(invoice) = &shown.invoice {
                dt { (lang.text("invoice")) } dd { a href=(format!("/invoices/{invoice}")) { (invoice) } }
            }
        }
        @if !draft { p { a.button href=(format!("{base}/pdf")) { (lang.text("web.quote.pdf")) } } }
        (lines_section(viewer, &base, (&quote.lines, &quote.line_numbers), quote.totals.as_ref(), (draft, &shown.choices), refused))
        @if draft {
            (crate::vehicles::visit_form(lang, &viewer.csrf, &format!("{base}/vehicle"), shown.vehicle.as_ref(), refused))
            div.actions {
                form method="post" action=(format!("{base}/send")) {
                    (csrf(&viewer.csrf))
                    (form_error(problems_of("send").and_then(|problems| problems.form.as_deref())))
                    button type="submit" { (lang.text("web.quote.send")) }
                }
                form method="post" action=(format!("{base}/discard")) {
                    (csrf(&viewer.csrf))
                    button.secondary type="submit" { (lang.text("web.invoice.discard")) }
                }
            }
        } @else if quote.answer.is_none() {
            section.card {
                h2 { (lang.text("web.quote.answer")) }
                form method="post" action=(format!("{base}/accept")) {
                    (csrf(&viewer.csrf))
                    @let problems = problems_of("accept");
                    (form_error(problems.and_then(|problems| problems.form.as_deref())))
                    (labelled(lang.text("web.quote.accept_date"), "accept-date", "date", "text", &value_of("accept", "date", locale.format_date(shown.today)), problems.and_then(|problems| problems.field("date"))))
                    @if shown.vehicle.is_some() {
                        (labelled(lang.text("web.quote.accept_mileage"), "accept-mileage", "mileage", "text", &value_of("accept", "mileage", String::new()), problems.and_then(|problems| problems.field("mileage"))))
                    }
                    button type="submit" { (lang.text("web.quote.accept")) }
                }
                form method="post" action=(format!("{base}/refuse")) {
                    (csrf(&viewer.csrf))
                    @let problems = problems_of("refuse");
                    (form_error(problems.and_then(|problems| problems.form.as_deref())))
                    (labelled(lang.text("web.quote.refuse_date"), "refuse-date", "date", "text", &value_of("refuse", "date", locale.format_date(shown.today)), problems.and_then(|problems| problems.field("date"))))
                    button.secondary type="submit" { (lang.text("web.quote.refuse")) }
                }
            }
        }
        (history_section(lang, locale, &shown.history, (&quote.id, &title(lang, shown))))
    }
}

/// After a form of the quote page: on to `to`, or the page again with the refusal beside the
/// field it is about (or atop the form).
async fn answer(
    app: &App,
    viewer: &Viewer,
    id: &str,
    (form, values): (&str, BTreeMap<String, String>),
    outcome: Result<Result<String, (Option<&'static str>, String)>, StoreError>,
    field_of: impl Fn(&StoreError) -> Option<&'static str>,
) -> Response {
    let refusal = match outcome {
        Ok(Ok(to)) => return Redirect::to(&to).into_response(),
        Ok(Err(refused)) => refused,
        Err(error) if crate::form::refusal(&error) => {
            let said = match error {
                // The command line's words name its options; the page names its fields.
                StoreError::Invoice(rempart_domain::invoices::InvoiceError::LineIncomplete) => {
                    viewer.lang.text("web.line.incomplete").to_owned()
                }
                _ => rempart_i18n::message(&error, viewer.lang),
            };
            (field_of(&error), said)
        }
        Err(error) => return failed(viewer, &error),
    };
    let mut problems = Problems::default();
    match refusal {
        (Some(field), said) => {
            problems.set(field, said);
        }
        (None, said) => problems.form = Some(said),
    }
    render(app, viewer, id, Some(Refused { form: form.to_owned(), values, problems })).await
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
        store.add_quote_line(&target, spec)
    })
    .await;
    let outcome = outcome.map(|_| Ok(format!("/quotes/{id}#lines")));
    // A comment's refusal is shown beside the comment's own form.
    let which = if form.input().comment { "comment" } else { "add" };
    answer(&app, &viewer, &id, (which, form.values()), outcome, line_field).await
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
        store.change_quote_line(&target, line, spec)
    })
    .await;
    let outcome = outcome.map(|_| Ok(format!("/quotes/{id}#lines")));
    answer(&app, &viewer, &id, (&format!("line-{line}"), form.values()), outcome, line_field).await
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
    let outcome = as_viewer(&app, &viewer, move |store, _, _| store.remove_quote_line(&target, line)).await;
    let outcome = outcome.map(|()| Ok(format!("/quotes/{id}#lines")));
    answer(&app, &viewer, &id, (&format!("line-{line}"), BTreeMap::new()), outcome, |_| None).await
}

async fn discard(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let target = id.clone();
    let outcome = as_viewer(&app, &viewer, move |store, _, _| store.discard_quote(&target)).await;
    let outcome = outcome.map(|()| Ok("/quotes".to_owned()));
    answer(&app, &viewer, &id, ("discard", BTreeMap::new()), outcome, |_| None).await
}

async fn note_vehicle(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(form): Posted<crate::vehicles::VisitForm>,
) -> Response {
    let values = form.values();
    let outcome = crate::vehicles::note_posted(&app, &viewer, ("/quotes", &id), form).await;
    answer(&app, &viewer, &id, ("vehicle", values), outcome, crate::vehicles::visit_field).await
}

async fn send(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(_): Posted<Empty>,
) -> Response {
    let target = id.clone();
    let outcome = as_viewer(&app, &viewer, move |store, _, _| store.send_quote(&target)).await;
    let outcome = outcome.map(|number| Ok(format!("/quotes/{number}")));
    answer(&app, &viewer, &id, ("send", BTreeMap::new()), outcome, |_| None).await
}

#[derive(Deserialize)]
struct DateForm {
    #[serde(default)]
    date: String,
    /// On an acceptance: the mileage read again, if it was.
    #[serde(default)]
    mileage: String,
}

async fn accept(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(form): Posted<DateForm>,
) -> Response {
    answered(app, viewer, id, form, true).await
}

async fn refuse(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(form): Posted<DateForm>,
) -> Response {
    answered(app, viewer, id, form, false).await
}

/// The customer's answer on the day typed: an acceptance opens the invoice draft it made.
async fn answered(app: App, viewer: Viewer, id: String, form: DateForm, accepted: bool) -> Response {
    let lang = viewer.lang;
    let values = BTreeMap::from([("date".to_owned(), form.date.clone()), ("mileage".to_owned(), form.mileage.clone())]);
    let target = id.clone();
    let outcome = as_viewer(&app, &viewer, move |store, locale, _| {
        let date = match locale.read_date(&form.date) {
            Ok(date) => date,
            Err(error) => return Ok(Err((Some("date"), error.speak(lang)))),
        };
        let mileage = match form.mileage.trim() {
            "" => None,
            typed => match rempart_domain::vehicles::parse_mileage(typed) {
                Ok(km) => Some(km),
                Err(error) => return Ok(Err((Some("mileage"), error.speak(lang)))),
            },
        };
        if accepted {
            let invoice = store.accept_quote(&target, date, mileage)?;
            Ok(Ok(format!("/invoices/{invoice}")))
        } else {
            store.refuse_quote(&target, date)?;
            Ok(Ok(format!("/quotes/{target}")))
        }
    })
    .await;
    let which = if accepted { "accept" } else { "refuse" };
    answer(&app, &viewer, &id, (which, values), outcome, |error| match error {
        StoreError::Quote(QuoteError::Expired { .. } | QuoteError::AnsweredBeforeDate { .. }) => Some("date"),
        StoreError::Vehicle(_) => Some("mileage"),
        _ => None,
    })
    .await
}

async fn pdf(State(app): State<App>, Extension(viewer): Extension<Viewer>, Path(id): Path<String>) -> Response {
    let lang = viewer.lang;
    let made = app
        .run(move |store| {
            Ok(crate::documents::document_pdf(store, rempart_domain::documents::PaperKind::Quote, &id)
                .map(|(paper, bytes)| (bytes, paper.number)))
        })
        .await;
    match made {
        Ok(Ok((bytes, number))) => (
            [
                (CONTENT_TYPE, "application/pdf".to_owned()),
                (CONTENT_DISPOSITION, format!("inline; filename=\"{number}.pdf\"")),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(error)) => {
            let body = html! { p role="alert" { (error.speak(lang)) } };
            (StatusCode::UNPROCESSABLE_ENTITY, layout(lang, Some(&viewer), lang.text("web.quote.pdf"), body))
                .into_response()
        }
        Err(error) => failed(&viewer, &error),
    }
}

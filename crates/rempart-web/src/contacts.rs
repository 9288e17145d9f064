//! Contacts: the list with its search (name, number, a vehicle's plate, whatever the spaces and
//! the case), a new contact, and one contact's page with its records (vehicles) and history.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maud::{Markup, html};
use rempart_domain::contacts::ContactError;
use rempart_i18n::{Lang, Speak};
use rempart_store::{Store, StoreError};
use serde::Deserialize;

use crate::App;
use crate::form::{Posted, Problems};
use crate::page::{csrf, field, form_error, layout};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/contacts", get(list).post(create))
        .route("/contacts/new", get(new_form))
        .route("/contacts/{id}", get(show))
        .route("/contacts/{id}/records/{record}", axum::routing::post(add_record))
}

/// The company's own fields, by the form they appear in: its `x.NAME` fields, and for each kind
/// of record (`vehicle`) its fields, each with its label.
struct OwnFields {
    extra: Vec<(String, String)>,
    records: BTreeMap<String, Vec<(String, String)>>,
}

fn own_fields(lang: Lang, definitions: &[rempart_domain::contacts::ContactFieldDefined]) -> OwnFields {
    let mut own = OwnFields { extra: Vec::new(), records: BTreeMap::new() };
    // A vehicle's own fields, there in every company, then the fields it added to vehicles.
    let vehicle = rempart_domain::vehicles::RECORD;
    for (field, _) in rempart_domain::vehicles::FIELDS {
        let label = lang.text(&format!("web.vehicle.{field}")).to_owned();
        own.records.entry(vehicle.to_owned()).or_default().push(((*field).to_owned(), label));
    }
    for definition in definitions {
        match definition.name.split_once('.') {
            Some(("x", _)) => own.extra.push((definition.name.clone(), definition.label.clone())),
            Some((record, _))
                if record == vehicle && rempart_domain::vehicles::field_kind(&definition.name).is_some() => {}
            Some((record, field)) => {
                own.records.entry(record.to_owned()).or_default().push((field.to_owned(), definition.label.clone()))
            }
            None => {}
        }
    }
    own
}

/// The fields of record `number` of kind `record`, as a form names them (`vehicle.1.plate`).
fn record_inputs(
    lang: Lang,
    record: &str,
    number: u32,
    fields: &[(String, String)],
    values: &BTreeMap<String, String>,
    problems: &Problems,
) -> Markup {
    html! {
        fieldset {
            legend { (record_label(lang, record)) }
            @for (field_name, label) in fields {
                @let name = format!("{record}.{number}.{field_name}");
                (field(label, &name, "text", values.get(&name).map_or("", String::as_str), problems.field(&name)))
            }
        }
    }
}

/// The fields the new-contact form asks for, with their words.
const FORM_FIELDS: &[(&str, &str, &str)] = &[
    ("name", "web.contact.name", "text"),
    ("street", "web.contact.street", "text"),
    ("building_number", "web.contact.building_number", "text"),
    ("postcode", "web.contact.postcode", "text"),
    ("town", "web.contact.town", "text"),
    ("country", "web.contact.country", "text"),
    ("email", "web.contact.email", "email"),
    ("phone", "web.contact.phone", "tel"),
];

#[derive(Deserialize, Default)]
struct Search {
    #[serde(default)]
    q: String,
}

async fn list(State(app): State<App>, Extension(viewer): Extension<Viewer>, Query(search): Query<Search>) -> Response {
    let text = search.q.trim().to_owned();
    let query = (!text.is_empty()).then(|| text.clone());
    let lang = viewer.lang;
    let found = app.run(move |store| store.contacts(query.as_deref())).await;
    let contacts = match found {
        Ok(contacts) => contacts,
        Err(error) => return crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    };
    let body = html! {
        form.search role="search" method="get" action="/contacts" {
            label for="field-q" { (lang.text("web.contacts.search")) }
            input id="field-q" type="search" name="q" value=(text);
            button type="submit" { (lang.text("web.search")) }
        }
        p { a.button href="/contacts/new" { (lang.text("web.contacts.new")) } }
        table {
            caption { (lang.fill("web.contacts.count", &[("count", &contacts.len())])) }
            thead { tr {
                th scope="col" { (lang.text("web.contact.name")) }
                th scope="col" { (lang.text("web.contact.town")) }
                th scope="col" { (lang.text("web.contact.vehicles")) }
            } }
            tbody {
                @for (id, fields) in &contacts {
                    tr {
                        td { a href=(format!("/contacts/{id}")) { (fields.get("name").map_or(id.as_str(), String::as_str)) } }
                        td { (fields.get("town").map_or("", String::as_str)) }
                        td { (plates(fields).join(", ")) }
                    }
                }
            }
        }
    };
    layout(lang, Some(&viewer), lang.text("web.contacts.title"), body).into_response()
}

/// The plates of a contact's vehicles (`vehicle.N.plate`).
fn plates(fields: &BTreeMap<String, String>) -> Vec<&str> {
    records(fields).get("vehicle").map_or_else(Vec::new, |vehicles| {
        vehicles.values().filter_map(|vehicle| vehicle.get("plate").map(|plate| plate.as_str())).collect()
    })
}

/// A contact's records (`RECORD.N.NAME`), by record kind and number.
type Records<'a> = BTreeMap<&'a str, BTreeMap<u32, BTreeMap<&'a str, &'a String>>>;

fn records(fields: &BTreeMap<String, String>) -> Records<'_> {
    let mut out: Records<'_> = BTreeMap::new();
    for (name, value) in fields {
        let mut parts = name.splitn(3, '.');
        if let (Some(record), Some(number), Some(field)) = (parts.next(), parts.next(), parts.next())
            && let Ok(number) = number.parse::<u32>()
        {
            out.entry(record).or_default().entry(number).or_default().insert(field, value);
        }
    }
    out
}

fn new_page(
    lang: Lang,
    viewer: &Viewer,
    own: &OwnFields,
    values: &BTreeMap<String, String>,
    problems: &Problems,
) -> Markup {
    let body = html! {
        form.card method="post" action="/contacts" {
            (csrf(&viewer.csrf))
            (form_error(problems.form.as_deref()))
            @for (name, label, kind) in FORM_FIELDS {
                (field(lang.text(label), name, kind, values.get(*name).map_or("", String::as_str), problems.field(name)))
            }
            @for (name, label) in &own.extra {
                (field(label, name, "text", values.get(name).map_or("", String::as_str), problems.field(name)))
            }
            @for (record, fields) in &own.records {
                (record_inputs(lang, record, 1, fields, values, problems))
            }
            button type="submit" { (lang.text("web.save")) }
        }
    };
    layout(lang, Some(viewer), lang.text("web.contacts.new"), body)
}

async fn new_form(State(app): State<App>, Extension(viewer): Extension<Viewer>) -> Response {
    let definitions = app.run(|store| Ok(store.contact_field_definitions())).await.unwrap_or_default();
    new_page(viewer.lang, &viewer, &own_fields(viewer.lang, &definitions), &BTreeMap::new(), &Problems::default())
        .into_response()
}

/// The values of a form a contact's fields take: those the form asks for, not empty.
fn typed_fields(form: &BTreeMap<String, String>, allowed: impl Fn(&str) -> bool) -> BTreeMap<String, Option<String>> {
    form.iter()
        .filter(|(name, _)| allowed(name))
        .map(|(name, value)| (name.clone(), value.trim().to_owned()))
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| (name, Some(value)))
        .collect()
}

/// A refused contact's message, next to its field when the form has it.
fn contact_problems(error: &ContactError, lang: Lang, form: &BTreeMap<String, String>) -> Problems {
    let mut problems = Problems::default();
    match error {
        ContactError::NameMissing => problems.set("name", error.speak(lang)),
        ContactError::BadValue { field, .. } if form.contains_key(field) => {
            problems.set(field.clone(), error.speak(lang))
        }
        _ => problems.form = Some(error.speak(lang)),
    }
    problems
}

async fn create(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<BTreeMap<String, String>>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let typed = form.clone();
    let created = app
        .run(move |store| {
            let own = own_fields(lang, &store.contact_field_definitions());
            let fields = typed_fields(&typed, |name| {
                FORM_FIELDS.iter().any(|(each, _, _)| *each == name)
                    || own.extra.iter().any(|(each, _)| each == name)
                    || own
                        .records
                        .iter()
                        .any(|(record, fields)| fields.iter().any(|(field, _)| name == format!("{record}.1.{field}")))
            });
            Ok((store.as_user(&by, |store| store.create_contact(None, fields)), own))
        })
        .await;
    match created {
        Ok((Ok(id), _)) => Redirect::to(&format!("/contacts/{id}")).into_response(),
        Ok((Err(StoreError::Contact(error)), own)) => {
            let problems = contact_problems(&error, lang, &form);
            let mut page = new_page(lang, &viewer, &own, &form, &problems).into_response();
            *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            page
        }
        Ok((Err(error), _)) | Err(error) => {
            crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang))
        }
    }
}

/// Adds a record (a vehicle) to a contact, under the next free number.
async fn add_record(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path((id, record)): Path<(String, String)>,
    Posted(form): Posted<BTreeMap<String, String>>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let contact = id.clone();
    let added = app
        .run(move |store| {
            let own = own_fields(lang, &store.contact_field_definitions());
            let Some(fields) = own.records.get(&record) else {
                return Ok(Err(ContactError::UnknownField { name: format!("{record}.1") }));
            };
            let current = store.contact(&contact)?;
            let next = records(&current)
                .get(record.as_str())
                .and_then(|numbers| numbers.keys().last())
                .map_or(1, |last| last + 1);
            let values: BTreeMap<String, Option<String>> = fields
                .iter()
                .filter_map(|(field, _)| form.get(&format!("{record}.new.{field}")).map(|value| (field, value.trim())))
                .filter(|(_, value)| !value.is_empty())
                .map(|(field, value)| (format!("{record}.{next}.{field}"), Some(value.to_owned())))
                .collect();
            if values.is_empty() {
                return Ok(Ok(()));
            }
            match store.as_user(&by, |store| store.edit_contact(&contact, values)) {
                Err(StoreError::Contact(error)) => Ok(Err(error)),
                other => other.map(Ok),
            }
        })
        .await;
    match added {
        Ok(Ok(())) => Redirect::to(&format!("/contacts/{id}")).into_response(),
        Ok(Err(error)) => {
            let body = html! { p role="alert" { (error.speak(lang)) } p { a href=(format!("/contacts/{id}")) { (lang.text("web.back")) } } };
            (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                layout(lang, Some(&viewer), lang.text("web.contacts.title"), body),
            )
                .into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

async fn show(State(app): State<App>, Extension(viewer): Extension<Viewer>, Path(id): Path<String>) -> Response {
    let lang = viewer.lang;
    let wanted = id.clone();
    let today = app.today();
    let found = app
        .run(move |store| {
            let fields = store.contact(&wanted)?;
            let filter = rempart_store::invoices::InvoiceFilter {
                contact: Some(wanted.clone()),
                limit: Some(ACCOUNT_ROWS_MAX),
                ..Default::default()
            };
            let account = Account {
                locale: rempart_domain::Locale::of_country(store.company()?.country),
                today,
                invoices: store.invoice_list(&filter, today)?,
                payments: store.payments_of(&wanted)?,
                bills: store.bills(Some(&wanted), None)?,
            };
            Ok((fields, store.contact_history(&wanted)?, own_fields(lang, &store.contact_field_definitions()), account))
        })
        .await;
    let (fields, history, own, account) = match found {
        Ok(found) => found,
        Err(StoreError::Contact(error @ ContactError::UnknownContact { .. })) => {
            let body = html! { p { (error.speak(lang)) } };
            let page = layout(lang, Some(&viewer), lang.text("web.not_found.title"), body);
            return (axum::http::StatusCode::NOT_FOUND, page).into_response();
        }
        Err(error) => return crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    };
    let name = fields.get("name").cloned().unwrap_or_else(|| id.clone());
    let records = records(&fields);
    let body = html! {
        dl.fields {
            dt { (lang.text("web.contact.number")) } dd { (id) }
            @for (field, value) in fields.iter().filter(|(field, _)| !field.contains('.')) {
                dt { (field_label(lang, field)) } dd { (value) }
            }
        }
        @for (record, entries) in &records {
            table {
                caption { (record_label(lang, record)) }
                @let columns: std::collections::BTreeSet<&str> = entries.values().flat_map(|fields| fields.keys().copied()).collect();
                @let label = |column: &str| own.records.get(*record).and_then(|fields| fields.iter().find(|(field, _)| field == column)).map_or(column.to_owned(), |(_, label)| label.clone());
                thead { tr { th scope="col" { "#" } @for column in &columns { th scope="col" { (label(column)) } } } }
                tbody {
                    @for (number, fields) in entries {
                        tr {
                            th scope="row" {
                                @if *record == rempart_domain::vehicles::RECORD {
                                    a href=(format!("/vehicles/{id}/{number}")) { (number) }
                                } @else {
                                    (number)
                                }
                            }
                            @for column in &columns { td { (fields.get(column).map_or("", |value| value.as_str())) } }
                        }
                    }
                }
            }
        }
        @for (record, record_fields) in &own.records {
            form.card method="post" action=(format!("/contacts/{id}/records/{record}")) {
                (csrf(&viewer.csrf))
                h2 { (lang.fill("web.contact.add_record", &[("record", &record_label(lang, record))])) }
                @for (field_name, label) in record_fields {
                    @let name = format!("{record}.new.{field_name}");
                    (field(label, &name, "text", "", None))
                }
                button type="submit" { (lang.text("web.save")) }
            }
        }
        (account_of(lang, &viewer, &name, &account))
        details {
            summary { (lang.text("web.contact.history")) }
            ul {
                @for write in &history {
                    li {
                        (write.field) " = " (write.value.as_deref().unwrap_or("—"))
                        @if !write.current { " " span.muted { (lang.text("web.contact.replaced")) } }
                    }
                }
            }
        }
    };
    layout(lang, Some(&viewer), &name, body).into_response()
}

/// The most invoices a contact's page lists, the newest first (the invoices page filters them all).
const ACCOUNT_ROWS_MAX: usize = 100;

/// What a contact has done with the company: invoices, payments received, bills from them.
struct Account {
    locale: rempart_domain::Locale,
    today: chrono::NaiveDate,
    invoices: Vec<rempart_store::invoices::InvoiceSummary>,
    payments: Vec<rempart_store::payments::PaymentSummary>,
    bills: Vec<rempart_store::bills::Payable>,
}

/// A contact's account: their invoices (to the books and the mechanic), the payments received
/// from them and their bills (to the books).
fn account_of(lang: Lang, viewer: &Viewer, name: &str, account: &Account) -> Markup {
    let locale = account.locale;
    let books = crate::access::BOOKS.contains(&viewer.role);
    let query = serde_urlencoded::to_string([("customer", name)]).unwrap_or_default();
    html! {
        section {
            h2 { (lang.text("web.contact.invoices")) }
            @if account.invoices.is_empty() {
                p.muted { (lang.text("web.contact.no_invoices")) }
            } @else {
                (crate::invoices::invoice_table(lang, locale, &account.invoices))
                p { a href=(format!("/invoices?{query}")) { (lang.text("web.contact.all_invoices")) } }
            }
        }
        @if books {
            section {
                h2 { (lang.text("web.contact.payments")) }
                @if account.payments.is_empty() {
                    p.muted { (lang.text("web.contact.no_payments")) }
                } @else {
                    table {
                        thead { tr {
                            th scope="col" { (lang.text("web.payment.date")) }
                            th.num scope="col" { (lang.text("web.payment.amount")) }
                            th scope="col" { (lang.text("web.payment.account")) }
                            th scope="col" { (lang.text("web.contact.paid_invoices")) }
                            th.num scope="col" { (lang.text("web.contact.unallocated")) }
                        } }
                        tbody {
                            @for payment in &account.payments {
                                tr {
                                    td { (locale.format_date(payment.date)) }
                                    td.num { (locale.format_amount(payment.amount_minor, payment.currency)) }
                                    td { (payment.account) }
                                    td {
                                        @for (index, (invoice, amount)) in payment.allocations.iter().enumerate() {
                                            @if index > 0 { ", " }
                                            a href=(format!("/invoices/{invoice}")) { (invoice) }
                                            " (" (locale.format_amount(*amount, payment.currency)) ")"
                                        }
                                    }
                                    td.num { (locale.format_amount(payment.unallocated_minor, payment.currency)) }
                                }
                            }
                        }
                    }
                }
            }
            @if !account.bills.is_empty() {
                section {
                    h2 { (lang.text("web.contact.bills")) }
                    (crate::bills::bill_table(lang, locale, &account.bills, None, account.today))
                }
            }
        }
    }
}

fn field_label(lang: Lang, field: &str) -> String {
    match FORM_FIELDS.iter().find(|(name, _, _)| *name == field) {
        Some((_, label, _)) => lang.text(label).to_owned(),
        None => field.to_owned(),
    }
}

fn record_label(lang: Lang, record: &str) -> String {
    match record {
        "vehicle" => lang.text("web.contact.vehicles").to_owned(),
        other => other.to_owned(),
    }
}

/// How a person names a contact in a form (a customer, a supplier): their name, with their town
/// when another contact has the same name. Never their internal id.
pub(crate) fn contact_labels(store: &Store) -> Result<Vec<(String, String)>, StoreError> {
    let contacts = store.contacts(None)?;
    let name = |fields: &BTreeMap<String, String>| fields.get("name").cloned().unwrap_or_default();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (_, fields) in &contacts {
        *counts.entry(name(fields).to_lowercase()).or_default() += 1;
    }
    let mut labels: Vec<(String, String)> = contacts
        .iter()
        .map(|(id, fields)| {
            let name = name(fields);
            let label = match fields.get("town") {
                Some(town) if counts.get(&name.to_lowercase()).is_some_and(|count| *count > 1) => {
                    format!("{name}, {town}")
                }
                _ => name,
            };
            (label, id.clone())
        })
        .collect();
    labels.sort();
    Ok(labels)
}

/// The contact a label names, if exactly one; else the message key of why not.
pub(crate) fn contact_of(labels: &[(String, String)], typed: &str) -> Result<String, &'static str> {
    let typed = typed.trim().to_lowercase();
    let found: Vec<&String> =
        labels.iter().filter(|(label, _)| label.to_lowercase() == typed).map(|(_, id)| id).collect();
    match found.as_slice() {
        [id] => Ok((*id).clone()),
        [] => Err("web.invoice.customer_unknown"),
        _ => Err("web.invoice.customer_ambiguous"),
    }
}

/// A field to pick a contact by name (`contact_labels`), its id `field-NAME`; the browser offers
/// the names as one types.
pub(crate) fn contact_field(
    label: &str,
    name: &str,
    labels: &[(String, String)],
    value: &str,
    error: Option<&str>,
) -> Markup {
    let id = format!("field-{name}");
    let list = format!("{name}-choices");
    let error_id = format!("{id}-error");
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (label) }
            input id=(id) name=(name) type="text" list=(list) value=(value) autocomplete="off"
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
            datalist id=(list) { @for (label, _) in labels { option value=(label) {} } }
            @if let Some(error) = error { p.error id=(error_id) role="alert" { (error) } }
        }
    }
}

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
use rempart_store::StoreError;
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

fn new_page(lang: Lang, viewer: &Viewer, values: &BTreeMap<String, String>, problems: &Problems) -> Markup {
    let body = html! {
        form.card method="post" action="/contacts" {
            (csrf(&viewer.csrf))
            (form_error(problems.form.as_deref()))
            @for (name, label, kind) in FORM_FIELDS {
                (field(lang.text(label), name, kind, values.get(*name).map_or("", String::as_str), problems.field(name)))
            }
            button type="submit" { (lang.text("web.save")) }
        }
    };
    layout(lang, Some(viewer), lang.text("web.contacts.new"), body)
}

async fn new_form(Extension(viewer): Extension<Viewer>) -> Markup {
    new_page(viewer.lang, &viewer, &BTreeMap::new(), &Problems::default())
}

async fn create(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<BTreeMap<String, String>>,
) -> Response {
    let lang = viewer.lang;
    let fields: BTreeMap<String, Option<String>> = FORM_FIELDS
        .iter()
        .filter_map(|(name, _, _)| form.get(*name).map(|value| (name.to_string(), value.trim().to_owned())))
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| (name, Some(value)))
        .collect();
    let by = viewer.user.id.clone();
    match app.run(move |store| store.as_user(&by, |store| store.create_contact(None, fields))).await {
        Ok(id) => Redirect::to(&format!("/contacts/{id}")).into_response(),
        Err(StoreError::Contact(error)) => {
            let mut problems = Problems::default();
            match &error {
                ContactError::NameMissing => {
                    problems.fields.insert("name", error.speak(lang));
                }
                ContactError::BadValue { field, .. } => {
                    match FORM_FIELDS.iter().find(|(name, _, _)| name == field) {
                        Some((name, _, _)) => problems.fields.insert(name, error.speak(lang)),
                        None => problems.form.replace(error.speak(lang)),
                    };
                }
                _ => problems.form = Some(error.speak(lang)),
            }
            let mut page = new_page(lang, &viewer, &form, &problems).into_response();
            *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            page
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

async fn show(State(app): State<App>, Extension(viewer): Extension<Viewer>, Path(id): Path<String>) -> Response {
    let lang = viewer.lang;
    let wanted = id.clone();
    let found = app.run(move |store| Ok((store.contact(&wanted)?, store.contact_history(&wanted)?))).await;
    let (fields, history) = match found {
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
            @for (field, value) in fields.iter().filter(|(field, _)| !field.contains('.')) {
                dt { (field_label(lang, field)) } dd { (value) }
            }
        }
        @for (record, entries) in &records {
            table {
                caption { (record_label(lang, record)) }
                @let columns: std::collections::BTreeSet<&str> = entries.values().flat_map(|fields| fields.keys().copied()).collect();
                thead { tr { th scope="col" { "#" } @for column in &columns { th scope="col" { (column) } } } }
                tbody {
                    @for (number, fields) in entries {
                        tr {
                            th scope="row" { (number) }
                            @for column in &columns { td { (fields.get(column).map_or("", |value| value.as_str())) } }
                        }
                    }
                }
            }
        }
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

//! Settings, the company: its name, country and currency as created, and the details its
//! documents print (address, contact, identifiers, bank accounts, dunning terms), set and
//! cleared as the command line's `company set` does.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{Markup, html};
use rempart_domain::company::COMPANY_FIELDS;
use rempart_domain::contacts::ContactError;
use rempart_i18n::{Lang, Speak};
use rempart_store::{Store, StoreError};

use crate::App;
use crate::form::{Empty, Posted, Problems, Uploaded};
use crate::page::{csrf, field, form_error, layout};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/settings", get(show))
        .route("/settings/company", post(save))
        .route("/settings/logo", get(logo).post(upload))
        .route("/settings/logo/remove", post(remove_logo))
        .route("/settings/vat-method", post(vat_method))
}

/// The details a person types here: every one but the logo (a file, set with `company logo`);
/// the VAT methods by date have their own form.
fn typed_fields() -> impl Iterator<Item = &'static str> {
    COMPANY_FIELDS.iter().copied().filter(|name| *name != "logo")
}

/// Each detail's label in the catalogue.
const LABELS: &[(&str, &str)] = &[
    ("street", "web.contact.street"),
    ("building_number", "web.contact.building_number"),
    ("postcode", "web.contact.postcode"),
    ("town", "web.contact.town"),
    ("country", "web.contact.country"),
    ("email", "web.contact.email"),
    ("phone", "web.contact.phone"),
    ("vat_number", "web.company.vat_number"),
    ("siren", "web.company.siren"),
    ("siret", "web.company.siret"),
    ("iban", "web.company.iban"),
    ("qr_iban", "web.company.qr_iban"),
    ("late_penalty", "web.company.late_penalty"),
    ("legal_form", "web.company.legal_form"),
    ("share_capital", "web.company.share_capital"),
    ("rcs", "web.company.rcs"),
    ("dunning_1_days", "web.company.dunning_1_days"),
    ("dunning_1_fee", "web.company.dunning_1_fee"),
    ("dunning_2_days", "web.company.dunning_2_days"),
    ("dunning_2_fee", "web.company.dunning_2_fee"),
    ("dunning_3_days", "web.company.dunning_3_days"),
    ("dunning_3_fee", "web.company.dunning_3_fee"),
];

/// The words of a detail's label (every typed detail has one: `every_detail_has_a_label`).
fn label(lang: Lang, name: &str) -> &'static str {
    LABELS.iter().find(|(field, _)| *field == name).map_or("", |(_, key)| lang.text(key))
}

struct Shown {
    name: String,
    country: String,
    currency: String,
    details: BTreeMap<String, String>,
    /// The company's VAT methods by date, in words.
    vat_methods: Vec<String>,
    swiss: bool,
}

fn read(store: &Store, lang: Lang) -> Result<Shown, StoreError> {
    let company = store.company()?.clone();
    let locale = rempart_domain::Locale::of_country(company.country);
    let vat_methods =
        store.vat_methods()?.iter().map(|dated| rempart_i18n::vat_method_text(lang, locale, dated)).collect();
    Ok(Shown {
        name: company.name.clone(),
        country: company.country.code().to_owned(),
        currency: company.currency.as_str().to_owned(),
        details: store.company_details()?.into_iter().collect(),
        vat_methods,
        swiss: company.country == rempart_domain::Country::Ch,
    })
}

fn page(
    lang: Lang,
    viewer: &Viewer,
    shown: &Shown,
    typed: Option<&BTreeMap<String, String>>,
    problems: &Problems,
) -> Markup {
    page_with(lang, viewer, shown, typed, None, problems)
}

/// The VAT method's fields as typed, kept when the method is refused.
#[derive(serde::Deserialize, Default, Clone)]
struct VatMethodForm {
    #[serde(default)]
    method: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    rate: String,
    #[serde(default)]
    second_rate: String,
    #[serde(default)]
    second_accounts: String,
}

/// The company's VAT method: those set by date, and a form setting one from a day on, as
/// `rempart company vat-method` does: a Swiss company's method and rates, or when a French
/// company pays the VAT on its services.
fn vat_method_card(
    lang: Lang,
    viewer: &Viewer,
    (methods, swiss): (&[String], bool),
    typed: Option<&VatMethodForm>,
    problems: &Problems,
) -> Markup {
    let typed = typed.cloned().unwrap_or_default();
    let choices: Vec<(String, String)> = if swiss { ["effective", "net"] } else { ["receipts", "debits"] }
        .iter()
        .map(|method| ((*method).to_owned(), lang.text(&format!("web.vat_method.{method}")).to_owned()))
        .collect();
    html! {
        form.card method="post" action="/settings/vat-method" {
            h2 { (lang.text(if swiss { "web.vat_method.title" } else { "web.vat_method.title_fr" })) }
            (csrf(&viewer.csrf))
            @if methods.is_empty() {
                p { (lang.text(if swiss { "web.vat_method.none" } else { "web.vat_method.none_fr" })) }
            } @else {
                ul { @for method in methods { li { (method) } } }
            }
            (form_error(problems.field("vat_method")))
            (crate::page::select(lang.text("web.vat_method.method"), "field-vat-method", "method", &choices, &typed.method, None, None))
            (field(lang.text("web.vat_method.from"), "from", "text", &typed.from, problems.field("from")))
            @if swiss {
                (field(lang.text("web.vat_method.rate"), "rate", "text", &typed.rate, None))
                (field(lang.text("web.vat_method.second_rate"), "second_rate", "text", &typed.second_rate, None))
                (field(lang.text("web.vat_method.second_accounts"), "second_accounts", "text", &typed.second_accounts, None))
            }
            button type="submit" { (lang.text("web.save")) }
        }
    }
}

fn page_with(
    lang: Lang,
    viewer: &Viewer,
    shown: &Shown,
    typed: Option<&BTreeMap<String, String>>,
    vat_typed: Option<&VatMethodForm>,
    problems: &Problems,
) -> Markup {
    let value = |name: &str| -> String {
        match typed {
            Some(typed) => typed.get(name).cloned().unwrap_or_default(),
            None => shown.details.get(name).cloned().unwrap_or_default(),
        }
    };
    html! {
        dl.fields {
            dt { (lang.text("web.company.name")) } dd { (shown.name) }
            dt { (lang.text("web.company.country")) } dd { (shown.country) }
            dt { (lang.text("web.company.currency")) } dd { (shown.currency) }
        }
        section.card {
            h2 { (lang.text("web.company.logo")) }
            @if shown.details.contains_key("logo") {
                p { img.logo src="/settings/logo" alt=(lang.text("web.company.logo_alt")); }
                p {
                    form.inline method="post" action="/settings/logo/remove" {
                        (csrf(&viewer.csrf))
                        button type="submit" { (lang.text("web.company.logo_remove")) }
                    }
                }
            } @else {
                p { (lang.text("web.company.logo_none")) }
            }
            form method="post" action="/settings/logo" enctype="multipart/form-data" {
                (csrf(&viewer.csrf))
                div.field.invalid[problems.field("logo").is_some()] {
                    label for="field-logo" { (lang.text("web.company.logo_file")) }
                    input id="field-logo" name="logo" type="file" accept="image/png" required;
                    @if let Some(error) = problems.field("logo") { p.error role="alert" { (error) } }
                }
                button type="submit" { (lang.text("web.company.logo_send")) }
            }
        }
        (vat_method_card(lang, viewer, (&shown.vat_methods, shown.swiss), vat_typed, problems))
        form.card method="post" action="/settings/company" {
            h2 { (lang.text("web.company.details")) }
            (csrf(&viewer.csrf))
            (form_error(problems.form.as_deref()))
            p { (lang.text("web.company.details_help")) }
            @for name in typed_fields() {
                (field(label(lang, name), name, "text", &value(name), problems.field(name)))
            }
            button type="submit" { (lang.text("web.save")) }
        }
    }
}

async fn show(State(app): State<App>, Extension(viewer): Extension<Viewer>) -> Response {
    let lang = viewer.lang;
    match app.run(move |store| read(store, lang)).await {
        Ok(shown) => {
            let body = page(lang, &viewer, &shown, None, &Problems::default());
            layout(lang, Some(&viewer), lang.text("web.company.title"), body).into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// The company's logo as its documents print it.
async fn logo(State(app): State<App>, Extension(viewer): Extension<Viewer>) -> Response {
    let lang = viewer.lang;
    match app.run(|store| Ok(store.company_details()?.into_iter().find(|(name, _)| name == "logo"))).await {
        Ok(found) => match found.and_then(|(_, value)| rempart_domain::company::logo_png(&value)) {
            Some(png) => ([(axum::http::header::CONTENT_TYPE, "image/png")], png).into_response(),
            None => {
                let body = html! { p { (lang.text("web.company.logo_none")) } };
                let page = layout(lang, Some(&viewer), lang.text("web.not_found.title"), body);
                (axum::http::StatusCode::NOT_FOUND, page).into_response()
            }
        },
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// Sets the logo from a PNG file sent with the form, checked as the command line checks it.
async fn upload(State(app): State<App>, Extension(viewer): Extension<Viewer>, Uploaded(fields): Uploaded) -> Response {
    let lang = viewer.lang;
    let bytes = fields.get("logo").cloned().unwrap_or_default();
    if let Err(error) = rempart_docs::Logo::from_png(&bytes) {
        let mut problems = Problems::default();
        problems.set("logo", error.speak(lang));
        return match app.run(move |store| read(store, lang)).await {
            Ok(shown) => {
                let body = page(lang, &viewer, &shown, None, &problems);
                let page = layout(lang, Some(&viewer), lang.text("web.company.title"), body);
                (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
            }
            Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
        };
    }
    set_logo(&app, &viewer, Some(rempart_domain::company::logo_value(&bytes))).await
}

async fn remove_logo(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(_): Posted<Empty>,
) -> Response {
    set_logo(&app, &viewer, None).await
}

async fn set_logo(app: &App, viewer: &Viewer, value: Option<String>) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let outcome = app
        .run(move |store| store.as_user(&by, |store| store.set_company_details([("logo".to_owned(), value)].into())));
    match outcome.await {
        Ok(()) => Redirect::to("/settings").into_response(),
        Err(error) => crate::page::failed(lang, Some(viewer), &rempart_i18n::message(&error, lang)),
    }
}

async fn save(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<BTreeMap<String, String>>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let typed: BTreeMap<String, String> = typed_fields()
        .map(|name| (name.to_owned(), form.get(name).map_or("", |value| value.trim()).to_owned()))
        .collect();
    let posted = typed.clone();
    let outcome = app
        .run(move |store| {
            let current: BTreeMap<String, String> = store.company_details()?.into_iter().collect();
            // Only what changed: a field emptied is cleared, a field typed is set.
            let changes: BTreeMap<String, Option<String>> = posted
                .iter()
                .filter(|(name, value)| current.get(*name).map_or("", String::as_str) != value.as_str())
                .map(|(name, value)| (name.clone(), (!value.is_empty()).then(|| value.clone())))
                .collect();
            if changes.is_empty() {
                return Ok(Ok(()));
            }
            match store.as_user(&by, |store| store.set_company_details(changes)) {
                Ok(()) => Ok(Ok(())),
                Err(StoreError::Contact(error)) => Ok(Err(error)),
                Err(error) => Err(error),
            }
        })
        .await;
    match outcome {
        Ok(Ok(())) => Redirect::to("/settings").into_response(),
        Ok(Err(error)) => {
            let mut problems = Problems::default();
            match &error {
                ContactError::BadValue { field, .. } => problems.set(field.clone(), error.speak(lang)),
                _ => problems.form = Some(error.speak(lang)),
            }
            match app.run(move |store| read(store, lang)).await {
                Ok(shown) => {
                    let body = page(lang, &viewer, &shown, Some(&typed), &problems);
                    let page = layout(lang, Some(&viewer), lang.text("web.company.title"), body);
                    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
                }
                Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
            }
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// Sets a Swiss company's VAT method from a day on; a refusal is shown beside the form, as typed.
async fn vat_method(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<VatMethodForm>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let typed = form.clone();
    let outcome = app
        .run(move |store| {
            let locale = rempart_domain::Locale::of_country(store.company()?.country);
            let mut problems = Problems::default();
            let from = match locale.read_date(form.from.trim()) {
                Ok(from) => from,
                Err(error) => {
                    problems.set("from", error.speak(lang));
                    return Ok(Err(problems));
                }
            };
            let accounts: Vec<String> = form
                .second_accounts
                .split(',')
                .map(|account| account.trim().to_owned())
                .filter(|account| !account.is_empty())
                .collect();
            let second = Some((form.second_rate.as_str(), accounts))
                .filter(|(rate, accounts)| !rate.trim().is_empty() || !accounts.is_empty());
            let set = rempart_domain::vat::read_vat_method(locale, &form.method, Some(form.rate.as_str()), second)
                .map_err(StoreError::from)
                .and_then(|method| store.as_user(&by, |store| store.set_vat_method(from, method)));
            match set {
                Ok(()) => Ok(Ok(())),
                Err(StoreError::VatMethod(error)) => {
                    problems.set("vat_method", error.speak(lang));
                    Ok(Err(problems))
                }
                Err(error) => Err(error),
            }
        })
        .await;
    match outcome {
        Ok(Ok(())) => Redirect::to("/settings").into_response(),
        Ok(Err(problems)) => match app.run(move |store| read(store, lang)).await {
            Ok(shown) => {
                let body = page_with(lang, &viewer, &shown, None, Some(&typed), &problems);
                let page = layout(lang, Some(&viewer), lang.text("web.company.title"), body);
                (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
            }
            Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
        },
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_detail_has_a_label() {
        for name in typed_fields() {
            assert!(LABELS.iter().any(|(field, _)| *field == name), "{name}");
        }
        assert_eq!(LABELS.len(), typed_fields().count());
    }
}

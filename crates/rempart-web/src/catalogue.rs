//! The catalogue: items and services with their unit, net price, VAT code and revenue account,
//! and a new item (the command line's `item add`).

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maud::{Markup, html};
use rempart_domain::catalogue::{ItemDefined, ItemError};
use rempart_domain::{AccountKind, Locale, VatDirection};
use rempart_i18n::{Lang, Speak};
use rempart_store::StoreError;
use rempart_store::catalogue::Item;
use serde::Deserialize;

use crate::App;
use crate::access::BOOKS;
use crate::form::{Posted, Problems};
use crate::page::{csrf, field, form_error, layout, select};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new().route("/catalogue", get(list).post(add))
}

#[derive(Deserialize, Default)]
struct ItemForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    vat: String,
    #[serde(default)]
    account: String,
    /// The label in other languages (`catalogue::LABEL_LANGUAGES`), each optional.
    #[serde(default)]
    label_de: String,
    #[serde(default)]
    label_en: String,
    #[serde(default)]
    label_fr: String,
    #[serde(default)]
    label_it: String,
}

impl ItemForm {
    /// The labels in other languages typed, by language code.
    fn labels(&self) -> std::collections::BTreeMap<String, Option<String>> {
        [("de", &self.label_de), ("en", &self.label_en), ("fr", &self.label_fr), ("it", &self.label_it)]
            .into_iter()
            .filter(|(_, label)| !label.trim().is_empty())
            .map(|(lang, label)| (lang.to_owned(), Some(label.trim().to_owned())))
            .collect()
    }
}

/// The choices of a list: (value, words).
pub(crate) type Choices = Vec<(String, String)>;

/// What a sale may be booked with: the output VAT codes (those in force on `on`, if given) and
/// the revenue accounts still open, as (value, words) for a list to choose from.
pub(crate) fn sales_choices(state: &rempart_domain::LedgerState, on: Option<chrono::NaiveDate>) -> (Choices, Choices) {
    let mut vat_codes: Vec<(String, String)> = state
        .vat_codes
        .values()
        .filter(|vat| vat.direction == VatDirection::Output && on.is_none_or(|day| vat.in_force_on(day)))
        .map(|vat| (vat.code.clone(), format!("{} – {}", vat.code, vat.label)))
        .collect();
    vat_codes.sort();
    let mut accounts: Vec<(String, String)> = state
        .accounts
        .values()
        .filter(|account| account.kind == AccountKind::Revenue && !account.closed)
        .map(|account| (account.number.clone(), format!("{} {}", account.number, account.label)))
        .collect();
    accounts.sort();
    (vat_codes, accounts)
}

/// What the page shows: the items, and the choices of the form.
struct Shown {
    locale: Locale,
    items: Vec<Item>,
    vat_codes: Vec<(String, String)>,
    accounts: Vec<(String, String)>,
}

fn read(store: &rempart_store::Store) -> Result<Shown, StoreError> {
    let locale = Locale::of_country(store.company()?.country);
    let (vat_codes, accounts) = sales_choices(store.state(), None);
    Ok(Shown { locale, items: store.items()?, vat_codes, accounts })
}

fn page(lang: Lang, viewer: &Viewer, shown: &Shown, form: &ItemForm, problems: &Problems) -> Markup {
    let locale = shown.locale;
    html! {
        table {
            caption { (lang.fill("web.catalogue.count", &[("count", &shown.items.len())])) }
            thead { tr {
                th scope="col" { (lang.text("web.item.code")) }
                th scope="col" { (lang.text("web.item.label")) }
                th scope="col" { (lang.text("web.item.unit")) }
                th.num scope="col" { (lang.text("web.line.price")) }
                th scope="col" { (lang.text("web.line.vat")) }
                th scope="col" { (lang.text("web.line.account")) }
                th scope="col" { (lang.text("web.item.active")) }
            } }
            tbody {
                @for item in &shown.items {
                    tr {
                        th scope="row" { (item.code) }
                        td {
                            (item.label)
                            @for (language, label) in &item.labels { br; small lang=(language) { (language) ": " (label) } }
                        }
                        td { (item.unit) }
                        td.num { (locale.format_amount(item.price_minor, item.currency)) }
                        td { (item.vat_code) }
                        td { (item.account) }
                        td { (if item.active { lang.text("web.yes") } else { lang.text("web.no") }) }
                    }
                }
            }
        }
        @if BOOKS.contains(&viewer.role) {
            form.card method="post" action="/catalogue" {
                h2 { (lang.text("web.catalogue.add")) }
                (csrf(&viewer.csrf))
                (form_error(problems.form.as_deref()))
                (field(lang.text("web.item.code"), "code", "text", &form.code, problems.field("code")))
                (field(lang.text("web.item.label"), "label", "text", &form.label, problems.field("label")))
                (field(lang.text("web.item.label_de"), "label_de", "text", &form.label_de, None))
                (field(lang.text("web.item.label_en"), "label_en", "text", &form.label_en, None))
                (field(lang.text("web.item.label_fr"), "label_fr", "text", &form.label_fr, None))
                (field(lang.text("web.item.label_it"), "label_it", "text", &form.label_it, None))
                (field(lang.text("web.item.unit"), "unit", "text", if form.unit.is_empty() { "pce" } else { &form.unit }, problems.field("unit")))
                (field(lang.text("web.line.price"), "price", "text", &form.price, problems.field("price")))
                (select(lang.text("web.line.vat"), "field-vat", "vat", &shown.vat_codes, &form.vat, None, problems.field("vat")))
                (select(lang.text("web.line.account"), "field-account", "account", &shown.accounts, &form.account, None, problems.field("account")))
                button type="submit" { (lang.text("web.catalogue.add")) }
            }
        }
    }
}

async fn list(State(app): State<App>, Extension(viewer): Extension<Viewer>) -> Response {
    let lang = viewer.lang;
    match app.run(|store| read(store)).await {
        Ok(shown) => {
            let body = page(lang, &viewer, &shown, &ItemForm::default(), &Problems::default());
            layout(lang, Some(&viewer), lang.text("web.catalogue.title"), body).into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// The field a refused item is about.
fn item_field(error: &ItemError) -> Option<&'static str> {
    match error {
        ItemError::BadCode { .. } | ItemError::Exists { .. } => Some("code"),
        ItemError::BadLabel => Some("label"),
        ItemError::BadUnit { .. } => Some("unit"),
        ItemError::Price(_) | ItemError::NegativePrice => Some("price"),
        _ => None,
    }
}

async fn add(State(app): State<App>, Extension(viewer): Extension<Viewer>, Posted(form): Posted<ItemForm>) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let (code, label, unit, price, vat, account) = (
        form.code.trim().to_owned(),
        form.label.trim().to_owned(),
        if form.unit.trim().is_empty() { "pce".to_owned() } else { form.unit.trim().to_owned() },
        form.price.clone(),
        form.vat.clone(),
        form.account.clone(),
    );
    let labels = form.labels();
    let outcome = app
        .run(move |store| {
            let company = store.company()?.clone();
            let locale = Locale::of_country(company.country);
            let price_minor = match locale.read_amount(&price, company.currency) {
                Ok(price) if price < 0 => return Ok(Err(ItemError::NegativePrice)),
                Ok(price) => price,
                Err(error) => return Ok(Err(ItemError::Price(error))),
            };
            // The labels in other languages checked before the item is defined, then set on it.
            let edit = (!labels.is_empty()).then(|| rempart_domain::catalogue::ItemEdited {
                code: code.clone(),
                labels,
                ..Default::default()
            });
            if let Some(edit) = &edit
                && let Err(error) = rempart_domain::catalogue::check_item_edit(store.state(), edit)
            {
                return Ok(Err(error));
            }
            let item =
                ItemDefined { code, label, unit, price_minor, currency: company.currency, vat_code: vat, account };
            let defined = store.as_user(&by, |store| {
                store.define_item(item)?;
                match edit {
                    Some(edit) => store.edit_item(edit),
                    None => Ok(()),
                }
            });
            match defined {
                Ok(()) => Ok(Ok(())),
                Err(StoreError::Item(error)) => Ok(Err(error)),
                Err(error) => Err(error),
            }
        })
        .await;
    match outcome {
        Ok(Ok(())) => Redirect::to("/catalogue").into_response(),
        Ok(Err(error)) => {
            let mut problems = Problems::default();
            match item_field(&error) {
                Some(name) => problems.set(name, error.speak(lang)),
                None => problems.form = Some(error.speak(lang)),
            }
            match app.run(|store| read(store)).await {
                Ok(shown) => {
                    let body = page(lang, &viewer, &shown, &form, &problems);
                    let page = layout(lang, Some(&viewer), lang.text("web.catalogue.title"), body);
                    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
                }
                Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
            }
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

//! Vehicles: a customer's vehicle with its history (the quotes and invoices made for it and the
//! mileage of each visit), and the pieces the invoice and quote pages share: the plate and
//! mileage fields of a new draft, and the vehicle a document names.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maud::{Markup, html};
use rempart_domain::Locale;
use rempart_domain::vehicles::{Vehicle, VehicleError, parse_mileage};
use rempart_i18n::{Lang, Speak};
use rempart_store::vehicles::{Noted, Visit, VisitKind, VisitRow};
use rempart_store::{Store, StoreError};

use crate::App;
use crate::form::Problems;
use crate::page::{field, layout};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new().route("/vehicles/{contact}/{record}", get(show))
}

/// The vehicle a new draft is for, as typed: none when the plate is left empty; the problem
/// set beside its field when the mileage cannot be read or comes without a plate.
pub(crate) fn read_visit(lang: Lang, plate: &str, mileage: &str, problems: &mut Problems) -> Option<Option<Visit>> {
    let mileage_km = match mileage.trim() {
        "" => None,
        typed => match parse_mileage(typed) {
            Ok(km) => Some(km),
            Err(error) => {
                problems.set("mileage", error.speak(lang));
                return None;
            }
        },
    };
    match (plate.trim(), mileage_km) {
        ("", None) => Some(None),
        ("", Some(_)) => {
            problems.set("mileage", VehicleError::MileageWithoutVehicle.speak(lang));
            None
        }
        (plate, mileage_km) => Some(Some(Visit { plate: plate.to_owned(), mileage_km })),
    }
}

/// The field of a new draft a refusal of its vehicle is about.
pub(crate) fn visit_field(error: &StoreError) -> Option<&'static str> {
    match error {
        StoreError::Vehicle(VehicleError::BadMileage { .. } | VehicleError::MileageWithoutVehicle) => Some("mileage"),
        StoreError::Vehicle(_) => Some("vehicle"),
        _ => None,
    }
}

/// The plate and mileage fields of a new draft.
pub(crate) fn visit_fields(lang: Lang, (plate, mileage): (&str, &str), problems: &Problems) -> Markup {
    html! {
        (field(lang.text("web.vehicle.plate"), "vehicle", "text", plate, problems.field("vehicle")))
        (field(lang.text("web.vehicle.mileage"), "mileage", "text", mileage, problems.field("mileage")))
    }
}

/// The form of a draft's page that notes the vehicle it is for, and the mileage read.
pub(crate) fn visit_form(
    lang: Lang,
    csrf_token: &str,
    action: &str,
    noted: Option<&(Noted, Option<Vehicle>)>,
    refused: Option<&crate::invoices::Refused>,
) -> Markup {
    let refused = refused.filter(|refused| refused.form == "vehicle");
    let value =
        |name: &str, default: String| refused.and_then(|refused| refused.values.get(name).cloned()).unwrap_or(default);
    let problem = |name: &str| refused.and_then(|refused| refused.problems.field(name));
    let plate = value("vehicle", noted.map(|(noted, _)| noted.plate.clone()).unwrap_or_default());
    let mileage =
        value("mileage", noted.and_then(|(noted, _)| noted.mileage_km).map(|km| km.to_string()).unwrap_or_default());
    html! {
        section.card {
            h2 { (lang.text("web.vehicle.title")) }
            form method="post" action=(action) {
                (crate::page::csrf(csrf_token))
                (crate::page::form_error(refused.and_then(|refused| refused.problems.form.as_deref())))
                (crate::page::labelled(lang.text("web.vehicle.plate"), "visit-vehicle", "vehicle", "text", &plate, problem("vehicle")))
                (crate::page::labelled(lang.text("web.vehicle.mileage"), "visit-mileage", "mileage", "text", &mileage, problem("mileage")))
                button type="submit" { (lang.text("web.vehicle.note")) }
            }
        }
    }
}

/// A draft's vehicle as posted.
#[derive(serde::Deserialize)]
pub(crate) struct VisitForm {
    #[serde(default)]
    pub(crate) vehicle: String,
    #[serde(default)]
    pub(crate) mileage: String,
}

impl VisitForm {
    /// The vehicle posted, or the field it is refused on and why: the plate is needed, and a
    /// mileage must read as one.
    pub(crate) fn visit(&self, lang: Lang) -> Result<Visit, (Option<&'static str>, String)> {
        let mut problems = Problems::default();
        match read_visit(lang, &self.vehicle, &self.mileage, &mut problems) {
            Some(Some(visit)) => Ok(visit),
            Some(None) => Err((Some("vehicle"), lang.text("web.vehicle.plate_needed").to_owned())),
            None => Err((Some("mileage"), problems.field("mileage").unwrap_or_default().to_owned())),
        }
    }

    pub(crate) fn values(&self) -> std::collections::BTreeMap<String, String> {
        std::collections::BTreeMap::from([
            ("vehicle".to_owned(), self.vehicle.clone()),
            ("mileage".to_owned(), self.mileage.clone()),
        ])
    }
}

/// Notes the posted vehicle on draft `id` as the viewer; where to go next (`base`/`id`), or the
/// field refused and why, or the store's refusal.
pub(crate) async fn note_posted(
    app: &App,
    viewer: &Viewer,
    (base, id): (&'static str, &str),
    form: VisitForm,
) -> Result<Result<String, (Option<&'static str>, String)>, StoreError> {
    let lang = viewer.lang;
    let target = id.to_owned();
    crate::invoices::as_viewer(app, viewer, move |store, _, _| {
        let visit = match form.visit(lang) {
            Ok(visit) => visit,
            Err(refused) => return Ok(Err(refused)),
        };
        store.note_vehicle(&target, &visit)?;
        Ok(Ok(format!("{base}/{target}")))
    })
    .await
}

/// A mileage as the company writes numbers: `85'000 km`, `85 000 km`.
pub(crate) fn mileage_text(locale: Locale, km: u64) -> String {
    format!("{} km", locale.format_count(km as i64))
}

/// The vehicle a document names, read for its page: what was noted on it and the vehicle as the
/// customer's record holds it now.
pub(crate) fn noted_vehicle(store: &Store, document: &str) -> Result<Option<(Noted, Option<Vehicle>)>, StoreError> {
    let Some(noted) = store.document_vehicle(document)? else { return Ok(None) };
    let vehicle = store.vehicles_of(&noted.contact)?.into_iter().find(|vehicle| vehicle.record == noted.record);
    Ok(Some((noted, vehicle)))
}

/// A document's vehicle as a definition list shows it: plate, make and model, the mileage read,
/// linked to the vehicle's page.
pub(crate) fn vehicle_entry(lang: Lang, locale: Locale, noted: Option<&(Noted, Option<Vehicle>)>) -> Markup {
    let Some((noted, vehicle)) = noted else { return html! {} };
    let name = vehicle.as_ref().map_or_else(
        || noted.plate.clone(),
        |vehicle| Vehicle { plate: noted.plate.clone(), ..vehicle.clone() }.name(),
    );
    html! {
        dt { (lang.text("web.vehicle.title")) }
        dd {
            a href=(format!("/vehicles/{}/{}", noted.contact, noted.record)) { (name) }
            @if let Some(km) = noted.mileage_km { " · " (mileage_text(locale, km)) }
        }
    }
}

async fn show(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path((contact, record)): Path<(String, u32)>,
) -> Response {
    let lang = viewer.lang;
    let wanted = contact.clone();
    let found = app
        .run(move |store| {
            let locale = Locale::of_country(store.company()?.country);
            let fields = store.contact(&wanted)?;
            let vehicle =
                rempart_store::vehicles::vehicles_in(&fields).into_iter().find(|vehicle| vehicle.record == record);
            let name = fields.get("name").cloned().unwrap_or_else(|| wanted.clone());
            let history = match &vehicle {
                Some(_) => store.vehicle_history(&wanted, record)?,
                None => Vec::new(),
            };
            Ok((locale, name, vehicle, history))
        })
        .await;
    let (locale, customer, vehicle, history) = match found {
        Ok(found) => found,
        Err(error) => return crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    };
    let Some(vehicle) = vehicle else {
        let body = html! { p { (lang.fill("web.vehicle.unknown", &[("record", &record), ("customer", &customer)])) } };
        return (StatusCode::NOT_FOUND, layout(lang, Some(&viewer), lang.text("web.not_found.title"), body))
            .into_response();
    };
    let body = html! {
        dl.fields {
            dt { (lang.text("web.invoice.customer")) } dd { a href=(format!("/contacts/{contact}")) { (customer) } }
            dt { (lang.text("web.vehicle.plate")) } dd { (vehicle.plate) }
            @if let Some(make) = &vehicle.make { dt { (lang.text("web.vehicle.make")) } dd { (make) } }
            @if let Some(model) = &vehicle.model { dt { (lang.text("web.vehicle.model")) } dd { (model) } }
            @if let Some(vin) = &vehicle.vin { dt { (lang.text("web.vehicle.vin")) } dd { (vin) } }
            @if let Some(day) = vehicle.first_registration { dt { (lang.text("web.vehicle.first_registration")) } dd { (locale.format_date(day)) } }
        }
        (history_table(lang, locale, &history))
    };
    layout(lang, Some(&viewer), &vehicle.name(), body).into_response()
}

fn history_table(lang: Lang, locale: Locale, history: &[VisitRow]) -> Markup {
    html! {
        table #visits {
            caption { (lang.text("web.vehicle.history")) }
            thead { tr {
                th scope="col" { (lang.text("web.invoice.date")) }
                th scope="col" { (lang.text("web.vehicle.document")) }
                th.num scope="col" { (lang.text("web.vehicle.mileage")) }
                th.num scope="col" { (lang.text("web.total")) }
            } }
            tbody {
                @for visit in history {
                    @let (path, kind) = match visit.kind {
                        VisitKind::Invoice => ("invoices", lang.text("invoice")),
                        VisitKind::Quote => ("quotes", lang.text("quote")),
                    };
                    tr {
                        td { (locale.format_date(visit.date)) }
                        td { a href=(format!("/{path}/{}", visit.number.as_deref().unwrap_or(&visit.id))) {
                            (kind) " " (visit.number.clone().unwrap_or_else(|| lang.text("draft").to_owned()))
                        } }
                        td.num { (visit.mileage_km.map(|km| mileage_text(locale, km)).unwrap_or_default()) }
                        td.num { (visit.gross_minor.map(|gross| locale.format_amount(gross, visit.currency)).unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

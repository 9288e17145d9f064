//! Replenishment (issue 22): head office's proposals by store, ticked and approved as transfers
//! from the warehouses, and the warehouse's picking list of what was approved and has not arrived
//! yet; the same store operations as `rempart replenish propose|approve|picking`.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use chrono::NaiveDate;
use maud::{Markup, html};
use rempart_domain::Locale;
use rempart_domain::replenish::{Policy, parse_pick};
use rempart_i18n::{Lang, Speak};
use rempart_store::replenish::Proposal;
use rempart_store::stock::Sku;
use rempart_store::{Store, StoreError};
use serde::Deserialize;

use crate::App;
use crate::form::{Posted, Problems};
use crate::page::{csrf, field, form_error, layout};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/replenishment", get(page))
        .route("/replenishment/approve", post(approve))
        .route("/replenishment/picking", get(picking))
}

#[derive(Deserialize, Default, Clone)]
struct Asked {
    /// The day of the proposals, as the company writes dates [default: today].
    #[serde(default)]
    date: String,
    /// One store, or every one.
    #[serde(default)]
    place: String,
    /// Transfers just sent, for the picking list's note.
    #[serde(default)]
    sent: Option<usize>,
}

/// What the page shows: the proposals with something to send, by store.
struct Shown {
    locale: Locale,
    date: NaiveDate,
    reviewed: usize,
    stores: Vec<(String, String, Vec<Proposal>)>,
    skus: BTreeMap<String, Sku>,
}

fn read(store: &Store, date: NaiveDate, place: Option<&str>) -> Result<Shown, StoreError> {
    let locale = Locale::of_country(store.company()?.country);
    let proposals = store.replenishment(place, date, &Policy::default())?;
    let reviewed = proposals.len();
    let labels: BTreeMap<String, String> =
        store.locations()?.into_iter().map(|place| (place.code, place.label)).collect();
    let mut by_store: BTreeMap<String, Vec<Proposal>> = BTreeMap::new();
    for proposal in proposals.into_iter().filter(|proposal| proposal.proposed > 0) {
        by_store.entry(proposal.location.clone()).or_default().push(proposal);
    }
    let stores = by_store
        .into_iter()
        .map(|(code, proposals)| {
            let label = labels.get(&code).cloned().unwrap_or_default();
            (code, label, proposals)
        })
        .collect();
    let skus = store.skus()?.into_iter().map(|sku| (sku.sku.clone(), sku)).collect();
    Ok(Shown { locale, date, reviewed, stores, skus })
}

/// The day asked, read as the company writes dates, or today.
fn day_asked(store: &Store, text: &str, today: NaiveDate, lang: Lang) -> Result<Result<NaiveDate, String>, StoreError> {
    let locale = Locale::of_country(store.company()?.country);
    let text = text.trim();
    if text.is_empty() {
        return Ok(Ok(today));
    }
    Ok(locale.read_date(text).map_err(|error| error.speak(lang)))
}

fn place_asked(asked: &Asked) -> Option<String> {
    Some(asked.place.trim().to_uppercase()).filter(|place| !place.is_empty())
}

fn body(lang: Lang, viewer: &Viewer, asked: &Asked, shown: Option<&Shown>, problems: &Problems) -> Markup {
    html! {
        form.search method="get" action="/replenishment" {
            (field(lang.text("web.replenish.date"), "date", "text", &asked.date, problems.field("date")))
            (field(lang.text("web.report.place"), "place", "text", &asked.place, problems.field("place")))
            button type="submit" { (lang.text("web.report.show")) }
        }
        p { a href="/replenishment/picking" { (lang.text("web.replenish.picking_link")) } }
        (form_error(problems.form.as_deref()))
        @if let Some(shown) = shown {
            @let units: i64 = shown.stores.iter().flat_map(|(_, _, rows)| rows).map(|row| row.proposed).sum();
            @let lines: usize = shown.stores.iter().map(|(_, _, rows)| rows.len()).sum();
            p role="status" {
                (lang.fill("web.replenish.summary", &[
                    ("date", &shown.locale.format_date(shown.date)),
                    ("reviewed", &shown.locale.format_count(shown.reviewed as i64)),
                    ("stores", &shown.stores.len()),
                    ("lines", &shown.locale.format_count(lines as i64)),
                    ("units", &shown.locale.format_count(units)),
                ]))
            }
            @if shown.stores.is_empty() {
                p { (lang.text("web.replenish.nothing")) }
            } @else {
                form method="post" action="/replenishment/approve" {
                    (csrf(&viewer.csrf))
                    input type="hidden" name="date" value=(shown.locale.format_date(shown.date));
                    // Above the tables too: a chain's proposals run long.
                    button type="submit" { (lang.text("web.replenish.approve")) }
                    @for (code, label, rows) in &shown.stores {
                        @let store_units: i64 = rows.iter().map(|row| row.proposed).sum();
                        table.report {
                            caption {
                                (lang.fill("web.replenish.store", &[
                                    ("code", code), ("label", label), ("lines", &rows.len()), ("units", &shown.locale.format_count(store_units)),
                                ]))
                            }
                            thead {
                                tr {
                                    th scope="col" { (lang.text("web.replenish.pick")) }
                                    (sku_headings(lang))
                                    th.num scope="col" { (lang.text("replenish.column.sold")) }
                                    th.num scope="col" { (lang.text("replenish.column.on_hand")) }
                                    th.num scope="col" { (lang.text("replenish.column.in_transit")) }
                                    th.num scope="col" { (lang.text("replenish.column.reorder_point")) }
                                    th.num scope="col" { (lang.text("replenish.column.order_up_to")) }
                                    th.num scope="col" { (lang.text("replenish.column.proposed")) }
                                }
                            }
                            tbody {
                                @for row in rows {
                                    @let pick = format!("{}:{}", row.location, row.sku);
                                    @let id = format!("pick-{}-{}", row.location, row.sku);
                                    @let sku = shown.skus.get(&row.sku);
                                    tr {
                                        td { input type="checkbox" id=(id) name="pick" value=(pick) checked; }
                                        td.code { label for=(id) { (row.sku) } }
                                        (sku_cells(sku))
                                        td.num { (row.demand.sold) }
                                        td.num { (row.position.on_hand) }
                                        td.num { (row.position.in_transit) }
                                        td.num { (row.levels.reorder_point) }
                                        td.num { (row.levels.order_up_to) }
                                        td.num { (row.proposed) }
                                    }
                                }
                            }
                        }
                    }
                    button type="submit" { (lang.text("web.replenish.approve")) }
                }
            }
        }
    }
}

/// The headings of a SKU's columns: the SKU, its article, size and colour.
fn sku_headings(lang: Lang) -> Markup {
    html! {
        th scope="col" { (lang.text("replenish.picking.sku")) }
        th scope="col" { (lang.text("replenish.picking.article")) }
        th scope="col" { (lang.text("replenish.picking.size")) }
        th scope="col" { (lang.text("replenish.picking.colour")) }
    }
}

/// A SKU's article, size and colour, as its row shows them (after the SKU).
fn sku_cells(sku: Option<&Sku>) -> Markup {
    html! {
        td { (sku.map(|sku| sku.label.as_str()).unwrap_or_default()) }
        td { (sku.and_then(|sku| sku.size.as_deref()).unwrap_or_default()) }
        td { (sku.and_then(|sku| sku.colour.as_deref()).unwrap_or_default()) }
    }
}

fn title(lang: Lang) -> &'static str {
    lang.text("web.replenish.title")
}

async fn page(State(app): State<App>, Extension(viewer): Extension<Viewer>, Query(asked): Query<Asked>) -> Response {
    let lang = viewer.lang;
    let today = app.today();
    let query = asked.clone();
    let outcome = app
        .run(move |store| {
            let date = match day_asked(store, &query.date, today, lang)? {
                Ok(date) => date,
                Err(message) => return Ok(Err(Problems::one("date", message))),
            };
            match read(store, date, place_asked(&query).as_deref()) {
                Ok(shown) => Ok(Ok(shown)),
                Err(StoreError::Stock(error)) => Ok(Err(Problems::one("place", error.speak(lang)))),
                Err(error) => Err(error),
            }
        })
        .await;
    match outcome {
        Ok(Ok(shown)) => {
            layout(lang, Some(&viewer), title(lang), body(lang, &viewer, &asked, Some(&shown), &Problems::default()))
                .into_response()
        }
        Ok(Err(problems)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            layout(lang, Some(&viewer), title(lang), body(lang, &viewer, &asked, None, &problems)),
        )
            .into_response(),
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// The proposals ticked sent as transfers; then the picking list, which shows them.
async fn approve(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(fields): Posted<Vec<(String, String)>>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let today = app.today();
    let date_text = fields.iter().find(|(name, _)| name == "date").map(|(_, value)| value.clone()).unwrap_or_default();
    let picks: Vec<String> = fields.into_iter().filter(|(name, _)| name == "pick").map(|(_, value)| value).collect();
    let asked = Asked { date: date_text.clone(), ..Asked::default() };
    let outcome = app
        .run(move |store| {
            let date = match day_asked(store, &date_text, today, lang)? {
                Ok(date) => date,
                Err(message) => return Ok(Err((Problems::one("date", message), None))),
            };
            // Only today's proposals are approved: a page left open since another day would send
            // again what was sent since (the transfers after its day are not counted in transit).
            if date != today {
                let stale = lang.fill(
                    "web.replenish.stale",
                    &[("date", &Locale::of_country(store.company()?.country).format_date(date))],
                );
                return Ok(Err((Problems::whole(stale), Some(today))));
            }
            let mut parsed = Vec::new();
            for pick in &picks {
                match parse_pick(pick) {
                    Ok(pick) => parsed.push(pick),
                    Err(error) => return Ok(Err((Problems::whole(error.speak(lang)), Some(date)))),
                }
            }
            // None ticked approves none (the command line's "all" is not what an empty form means).
            if parsed.is_empty() {
                return Ok(Err((Problems::whole(lang.text("web.replenish.none_ticked").to_owned()), Some(date))));
            }
            match store.as_user(&by, |store| store.approve_replenishment(&parsed, date, &Policy::default())) {
                Ok(sent) => Ok(Ok(sent.len())),
                Err(error @ (StoreError::Replenish(_) | StoreError::Stock(_))) => {
                    Ok(Err((Problems::whole(rempart_i18n::message(&error, lang)), Some(date))))
                }
                Err(error) => Err(error),
            }
        })
        .await;
    match outcome {
        Ok(Ok(sent)) => Redirect::to(&format!("/replenishment/picking?sent={sent}")).into_response(),
        Ok(Err((problems, date))) => {
            let shown = match date {
                Some(date) => app.run(move |store| read(store, date, None).map(Some)).await,
                None => Ok(None),
            };
            match shown {
                Ok(shown) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    layout(lang, Some(&viewer), title(lang), body(lang, &viewer, &asked, shown.as_ref(), &problems)),
                )
                    .into_response(),
                Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
            }
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// The picking list of a warehouse (or of every location): the transfers not arrived yet, each
/// one's lines in SKU order, with a box the picker ticks on paper.
async fn picking(State(app): State<App>, Extension(viewer): Extension<Viewer>, Query(asked): Query<Asked>) -> Response {
    let lang = viewer.lang;
    let place = place_asked(&asked);
    let outcome = app
        .run(move |store| {
            let locale = Locale::of_country(store.company()?.country);
            let labels: BTreeMap<String, String> =
                store.locations()?.into_iter().map(|place| (place.code, place.label)).collect();
            let skus: BTreeMap<String, Sku> = store.skus()?.into_iter().map(|sku| (sku.sku.clone(), sku)).collect();
            match store.picking(place.as_deref()) {
                Ok(transfers) => Ok(Ok((locale, labels, skus, transfers))),
                Err(StoreError::Stock(error)) => Ok(Err(Problems::one("place", error.speak(lang)))),
                Err(error) => Err(error),
            }
        })
        .await;
    let heading = lang.text("web.replenish.picking_title");
    let form = |problems: &Problems| {
        html! {
            form.search method="get" action="/replenishment/picking" {
                (field(lang.text("web.replenish.warehouse"), "place", "text", &asked.place, problems.field("place")))
                button type="submit" { (lang.text("web.report.show")) }
            }
        }
    };
    match outcome {
        Ok(Ok((locale, labels, skus, transfers))) => {
            let units: i64 = transfers.iter().flat_map(|transfer| &transfer.sent.lines).map(|line| line.qty).sum();
            let page = html! {
                (form(&Problems::default()))
                @if let Some(sent) = asked.sent {
                    p.notice role="status" { (lang.fill("web.replenish.sent", &[("count", &sent)])) }
                }
                p { (lang.fill("web.replenish.picking_summary", &[("transfers", &transfers.len()), ("units", &locale.format_count(units))])) }
                @for transfer in &transfers {
                    @let sent = &transfer.sent;
                    table.report {
                        caption {
                            (lang.fill("web.replenish.transfer", &[
                                ("transfer", &sent.transfer),
                                ("from", &sent.from),
                                ("to", &sent.to),
                                ("label", &labels.get(&sent.to).map(String::as_str).unwrap_or_default()),
                                ("date", &locale.format_date(sent.date)),
                            ]))
                        }
                        thead {
                            tr {
                                (sku_headings(lang))
                                th.num scope="col" { (lang.text("replenish.picking.qty")) }
                                th scope="col" { (lang.text("web.replenish.picked")) }
                            }
                        }
                        tbody {
                            @for line in &sent.lines {
                                @let sku = skus.get(&line.sku);
                                tr {
                                    td.code { (line.sku) }
                                    (sku_cells(sku))
                                    td.num { (line.qty) }
                                    td { "☐" }
                                }
                            }
                        }
                    }
                }
            };
            layout(lang, Some(&viewer), heading, page).into_response()
        }
        Ok(Err(problems)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, layout(lang, Some(&viewer), heading, form(&problems))).into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

//! Reports: the trial balance, balance sheet, income statement, an account's ledger, the
//! journal, the VAT return, receivables and payables with ageing, the dunning list; each shown
//! as a table in the company's formats and served as CSV, from the same builders as the command
//! line's `report` (`rempart-reports`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use chrono::NaiveDate;
use maud::{Markup, html};
use rempart_domain::Locale;
use rempart_i18n::{Lang, Speak};
use rempart_reports::{Format, Report};
use rempart_store::Store;
use serde::Deserialize;

use crate::App;
use crate::form::Problems;
use crate::page::{field, layout};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new().route("/reports", get(page)).route("/reports/csv", get(csv))
}

/// The reports, by the word the address and the command line take, with their title's key.
const KINDS: &[(&str, &str)] = &[
    ("trial-balance", "web.report.trial_balance"),
    ("balance-sheet", "web.report.balance_sheet"),
    ("income-statement", "web.report.income_statement"),
    ("ledger", "web.report.ledger"),
    ("journal", "web.report.journal"),
    ("vat", "web.report.vat"),
    ("vat-detail", "web.report.vat_detail"),
    ("receivables", "web.report.receivables"),
    ("payables", "web.report.payables"),
    ("dunning", "web.report.dunning"),
    ("payments", "web.report.payments"),
    ("sales-store", "web.report.sales_store"),
    ("sales-day", "web.report.sales_day"),
    ("sales-item", "web.report.sales_item"),
    ("sales-rate", "web.report.sales_rate"),
    ("sales-method", "web.report.sales_method"),
    ("stock", "web.report.stock"),
    ("slow-movers", "web.report.slow_movers"),
    ("closures", "web.report.closures"),
    ("loyalty", "web.report.loyalty"),
    ("loyalty-card", "web.report.loyalty_card"),
    ("vouchers", "web.report.vouchers"),
    ("replenishment", "web.report.replenishment"),
];

#[derive(Deserialize, Default, Clone)]
struct Asked {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    account: String,
    /// A store or warehouse (sales, stock, slow movers) or a till (closures).
    #[serde(default)]
    place: String,
    /// A loyalty card (a card's points).
    #[serde(default)]
    card: String,
}

/// Why a report could not be made from what was asked: messages next to their fields.
enum NotMade {
    Asked(Problems),
    Failed(String),
}

/// The most lines of a ledger, the journal or the receivables a page shows; its CSV holds them
/// all.
const PAGE_LINES: usize = 500;

/// Builds the report asked, reading its dates as the company writes them; a ledger, the journal
/// or the receivables cut at `limit` lines if given.
fn build(
    store: &Store,
    lang: Lang,
    asked: &Asked,
    today: NaiveDate,
    limit: Option<usize>,
) -> Result<(Locale, Report), NotMade> {
    let failed = |error: &(dyn std::error::Error + 'static)| NotMade::Failed(rempart_i18n::message(error, lang));
    let company = store.company().map_err(|error| failed(&error))?.clone();
    let locale = Locale::of_country(company.country);
    let mut problems = Problems::default();
    let mut read = |name: &str, text: &str| {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        locale.read_date(text).map_err(|error| problems.set(name, error.speak(lang))).ok()
    };
    let from = read("from", &asked.from);
    let to = read("to", &asked.to);
    if let Err(error) = locale.check_period(from, to) {
        problems.set("to", error.speak(lang));
    }
    if asked.kind == "ledger" && asked.account.trim().is_empty() {
        problems.set("account", lang.text("web.report.account_needed").to_owned());
    }
    if asked.kind == "loyalty-card" && asked.card.trim().is_empty() {
        problems.set("card", lang.text("web.report.card_needed").to_owned());
    }
    let place = Some(asked.place.trim().to_uppercase()).filter(|place| !place.is_empty());
    if !problems.is_empty() {
        return Err(NotMade::Asked(problems));
    }
    let start = rempart_domain::rules::fiscal_year_start(today, company.fiscal_year_start_month);
    let to_or_today = to.unwrap_or(today);
    let built = match asked.kind.as_str() {
        "trial-balance" => rempart_reports::trial_balance(store, lang, from.or(Some(start)), Some(to_or_today)),
        "balance-sheet" => rempart_reports::balance_sheet(store, lang, locale, to_or_today),
        "income-statement" => rempart_reports::income_statement(store, lang, locale, from.or(Some(start)), to_or_today),
        "ledger" => {
            rempart_reports::ledger(store, lang, asked.account.trim(), from.or(Some(start)), Some(to_or_today), limit)
        }
        "journal" => rempart_reports::journal(store, lang, from.or(Some(start)), Some(to_or_today), limit),
        "vat" => rempart_reports::vat_return(store, lang, locale, from.unwrap_or(start), to_or_today, false),
        "vat-detail" => rempart_reports::vat_return(store, lang, locale, from.unwrap_or(start), to_or_today, true),
        "receivables" => rempart_reports::receivables(store, lang, locale, to_or_today, limit),
        "payables" => rempart_reports::payables(store, lang, locale, to_or_today),
        "dunning" => rempart_reports::dunning(store, lang, locale, to_or_today),
        "payments" => rempart_reports::payments(store, lang, locale, from.or(Some(start)), to_or_today),
        kind if kind.starts_with("sales-") => {
            use rempart_store::sales::{SalesBy, SalesFilter};
            let by = match kind {
                "sales-store" => SalesBy::Store,
                "sales-day" => SalesBy::Day,
                "sales-item" => SalesBy::Item,
                "sales-rate" => SalesBy::Rate,
                _ => SalesBy::Method,
            };
            let filter = SalesFilter { from: from.or(Some(start)), to: Some(to_or_today), location: place };
            rempart_reports::sales(store, lang, locale, &filter, by)
        }
        "stock" => rempart_reports::stock(store, lang, locale, place.as_deref(), to),
        // What sold nothing over the four weeks to the day asked.
        "slow-movers" => rempart_reports::slow_movers(store, lang, locale, place.as_deref(), to_or_today, 28, 0),
        "closures" => rempart_reports::closures(store, lang, place.as_deref()),
        "loyalty" => rempart_reports::loyalty(store, lang, locale, to_or_today),
        "loyalty-card" => rempart_reports::card_statement(store, lang, locale, &asked.card, to_or_today),
        "vouchers" => rempart_reports::vouchers(store, lang, locale, to_or_today),
        // The proposals on the day asked, with the default settings (`rempart replenish propose`
        // takes others).
        "replenishment" => {
            let policy = rempart_domain::replenish::Policy::default();
            rempart_reports::replenishment(store, lang, locale, place.as_deref(), to_or_today, &policy)
        }
        _ => {
            let mut problems = Problems::default();
            problems.set("kind", lang.text("web.report.choose").to_owned());
            return Err(NotMade::Asked(problems));
        }
    };
    built.map(|report| (locale, report)).map_err(|error| failed(error.as_ref()))
}

/// A report as a table of the page, amounts to the right, in the company's formats.
fn table(report: &Report, locale: Locale) -> Markup {
    html! {
        table.report {
            caption { (report.title) }
            thead { tr { @for column in &report.columns { th scope="col" { (column.label) } } } }
            tbody {
                @for row in &report.rows {
                    tr { @for cell in row { td.num[cell.right_aligned()] { (cell.human(locale)) } } }
                }
            }
            @if !report.totals.is_empty() {
                tfoot {
                    @for row in &report.totals {
                        tr { @for cell in row { th.num[cell.right_aligned()] { (cell.human(locale)) } } }
                    }
                }
            }
        }
    }
}

fn form(lang: Lang, asked: &Asked, problems: &Problems) -> Markup {
    html! {
        form.search method="get" action="/reports" {
            div.field.invalid[problems.field("kind").is_some()] {
                label for="field-kind" { (lang.text("web.report.kind")) }
                select id="field-kind" name="kind" {
                    @for (kind, key) in KINDS { option value=(kind) selected[asked.kind == *kind] { (lang.text(key)) } }
                }
                @if let Some(error) = problems.field("kind") { p.error role="alert" { (error) } }
            }
            (field(lang.text("web.invoice.from"), "from", "text", &asked.from, problems.field("from")))
            (field(lang.text("web.invoice.to"), "to", "text", &asked.to, problems.field("to")))
            (field(lang.text("web.report.account"), "account", "text", &asked.account, problems.field("account")))
            (field(lang.text("web.report.place"), "place", "text", &asked.place, problems.field("place")))
            (field(lang.text("web.report.card"), "card", "text", &asked.card, problems.field("card")))
            button type="submit" { (lang.text("web.report.show")) }
        }
    }
}

async fn page(State(app): State<App>, Extension(viewer): Extension<Viewer>, Query(asked): Query<Asked>) -> Response {
    let lang = viewer.lang;
    if asked.kind.is_empty() {
        let body = form(lang, &asked, &Problems::default());
        return layout(lang, Some(&viewer), lang.text("web.reports.title"), body).into_response();
    }
    let today = app.today();
    let query = asked.clone();
    let built = app.run(move |store| Ok(build(store, lang, &query, today, Some(PAGE_LINES)))).await;
    let (status, body) = match built {
        Ok(Ok((locale, report))) => {
            let link = serde_urlencoded::to_string([
                ("kind", asked.kind.as_str()),
                ("from", asked.from.as_str()),
                ("to", asked.to.as_str()),
                ("account", asked.account.as_str()),
                ("place", asked.place.as_str()),
                ("card", asked.card.as_str()),
            ])
            .unwrap_or_default();
            let body = html! {
                (form(lang, &asked, &Problems::default()))
                p { a.button href=(format!("/reports/csv?{link}")) download { (lang.text("web.report.csv")) } }
                @if let Some(cut) = report.cut_at {
                    p.warning role="status" { (lang.fill("web.report.cut", &[("count", &cut)])) }
                }
                (table(&report, locale))
            };
            (StatusCode::OK, body)
        }
        Ok(Err(NotMade::Asked(problems))) => (StatusCode::UNPROCESSABLE_ENTITY, form(lang, &asked, &problems)),
        Ok(Err(NotMade::Failed(message))) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            html! { (form(lang, &asked, &Problems::default())) p.error role="alert" { (message) } },
        ),
        Err(error) => return crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    };
    (status, layout(lang, Some(&viewer), lang.text("web.reports.title"), body)).into_response()
}

async fn csv(State(app): State<App>, Extension(viewer): Extension<Viewer>, Query(asked): Query<Asked>) -> Response {
    let lang = viewer.lang;
    let today = app.today();
    let kind = asked.kind.clone();
    let built = app.run(move |store| Ok(build(store, lang, &asked, today, None))).await;
    let rendered = match built {
        Ok(Ok((locale, report))) => {
            report.render(Format::Csv, locale).map_err(|error| rempart_i18n::message(error.as_ref(), lang))
        }
        Ok(Err(NotMade::Asked(problems))) => Err(problems.fields.values().cloned().collect::<Vec<_>>().join(" ")),
        Ok(Err(NotMade::Failed(message))) => Err(message),
        Err(error) => Err(rempart_i18n::message(&error, lang)),
    };
    match rendered {
        Ok(text) => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (CONTENT_DISPOSITION, format!("attachment; filename=\"{kind}.csv\"")),
            ],
            text,
        )
            .into_response(),
        Err(message) => {
            (StatusCode::UNPROCESSABLE_ENTITY, [(CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response()
        }
    }
}

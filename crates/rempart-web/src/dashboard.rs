//! The dashboard: what the owner and the accountant look at first. Cash and bank balances, what
//! customers owe and what is owed to suppliers, each by age.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maud::{Markup, html};
use rempart_domain::{Currency, Locale};
use rempart_i18n::Lang;

use crate::App;
use crate::page::layout;
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new().route("/dashboard", get(dashboard))
}

/// What the dashboard shows, read in one go under the store's lock.
struct Figures {
    locale: Locale,
    today: chrono::NaiveDate,
    /// Cash and bank accounts: number, label, currency, balance.
    liquid: Vec<(String, String, Currency, i64)>,
    /// Open amounts by age bucket (up to 30 days late, 31-60, 61-90, over 90), per currency.
    receivables: Vec<(Currency, [i64; 4])>,
    payables: Vec<(Currency, [i64; 4])>,
}

fn by_bucket(items: impl Iterator<Item = (Currency, usize, i64)>) -> Vec<(Currency, [i64; 4])> {
    let mut out: Vec<(Currency, [i64; 4])> = Vec::new();
    for (currency, bucket, amount) in items {
        let index = match out.iter().position(|(each, _)| *each == currency) {
            Some(index) => index,
            None => {
                out.push((currency, [0; 4]));
                out.len() - 1
            }
        };
        out[index].1[bucket.min(3)] += amount;
    }
    out
}

async fn dashboard(State(app): State<App>, Extension(viewer): Extension<Viewer>) -> Response {
    let today = chrono::DateTime::from_timestamp_millis(app.now() as i64).unwrap_or_default().date_naive();
    let figures = app
        .run(move |store| {
            let company = store.company()?.clone();
            let liquid = store
                .account_totals(None, Some(today))?
                .into_iter()
                .filter(|totals| company.country.is_cash_or_bank(&totals.account))
                .map(|totals| (totals.account.clone(), totals.label.clone(), totals.currency, totals.closing_minor()))
                .collect();
            let receivables = by_bucket(
                store.receivables(None, today)?.iter().map(|open| (open.currency, open.bucket, open.open_minor())),
            );
            let payables = by_bucket(
                store
                    .payables(None, today)?
                    .iter()
                    .map(|open| (open.currency, open.bucket, open.gross_minor - open.paid_minor)),
            );
            Ok(Figures { locale: Locale::of_country(company.country), today, liquid, receivables, payables })
        })
        .await;
    let lang = viewer.lang;
    match figures {
        Ok(figures) => {
            layout(lang, Some(&viewer), lang.text("web.dashboard.title"), page(lang, &figures)).into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

fn ageing(lang: Lang, locale: Locale, caption: &str, rows: &[(Currency, [i64; 4])]) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr {
                th scope="col" { (lang.text("web.dashboard.currency")) }
                th.num scope="col" { (lang.text("web.ageing.0")) }
                th.num scope="col" { (lang.text("web.ageing.1")) }
                th.num scope="col" { (lang.text("web.ageing.2")) }
                th.num scope="col" { (lang.text("web.ageing.3")) }
                th.num scope="col" { (lang.text("web.total")) }
            } }
            tbody {
                @for (currency, buckets) in rows {
                    tr {
                        th scope="row" { (currency.as_str()) }
                        @for amount in buckets { td.num { (locale.format_amount(*amount, *currency)) } }
                        td.num { (locale.format_amount(buckets.iter().sum(), *currency)) }
                    }
                }
                @if rows.is_empty() {
                    tr { td colspan="6" { (lang.text("web.dashboard.nothing_open")) } }
                }
            }
        }
    }
}

fn page(lang: Lang, figures: &Figures) -> Markup {
    let locale = figures.locale;
    html! {
        p { (lang.fill("web.dashboard.on", &[("date", &locale.format_date(figures.today))])) }
        section.cards {
            table {
                caption { (lang.text("web.dashboard.liquid")) }
                thead { tr {
                    th scope="col" { (lang.text("web.account")) }
                    th.num scope="col" { (lang.text("web.balance")) }
                } }
                tbody {
                    @for (number, label, currency, balance) in &figures.liquid {
                        tr { th scope="row" { (number) " " (label) } td.num { (locale.format_amount(*balance, *currency)) } }
                    }
                    @if figures.liquid.is_empty() {
                        tr { td colspan="2" { (lang.text("web.dashboard.no_liquid")) } }
                    }
                }
            }
            (ageing(lang, locale, lang.text("web.dashboard.receivables"), &figures.receivables))
            (ageing(lang, locale, lang.text("web.dashboard.payables"), &figures.payables))
        }
    }
}

//! The dashboard: what the owner and the accountant look at first. Cash and bank balances, what
//! customers owe and what is owed to suppliers, each by age, the VAT of the current quarter, the
//! reminders due today; and the node's health: the hub reached or out of reach since when, the
//! last sync, events not yet uploaded and their age, the other devices as last seen, forks and
//! conflicts.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maud::{Markup, html};
use rempart_domain::{Currency, Locale};
use rempart_i18n::{Lang, Speak};

use crate::App;
use crate::page::{layout, moment};
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
    /// The current quarter, and the VAT due for it so far (output tax less input tax).
    vat: (chrono::NaiveDate, chrono::NaiveDate, Currency, i64),
    /// Reminders due today.
    reminders_due: usize,
    health: Option<rempart_node::Health>,
    forks: usize,
    conflicts: usize,
    /// The counts are from before the latest events; a new count is under way.
    counting_again: bool,
    copy_found_ms: Option<u64>,
    /// What the last `rempart verify` found, if one was made.
    last_verify: Option<rempart_store::LastVerify>,
    /// When this device last backed up and to how many targets; its last drills.
    backups: (Option<u64>, usize),
    drills: Vec<rempart_backup::Drill>,
}

/// When this device last backed up, and to how many targets (unreadable settings read as none:
/// the dashboard shows what it can).
fn backups_of(store: &rempart_store::Store) -> (Option<u64>, usize) {
    let last = rempart_backup::last_backup(store).unwrap_or_else(|error| {
        tracing::warn!(%error, "cannot read when this device last backed up");
        None
    });
    (last, rempart_backup::targets(store).map_or(0, |targets| targets.len()))
}

/// The calendar quarter `day` is in.
fn quarter(day: chrono::NaiveDate) -> (chrono::NaiveDate, chrono::NaiveDate) {
    use chrono::Datelike;
    let first_month = (day.month() - 1) / 3 * 3 + 1;
    let from = chrono::NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
    let next = if first_month == 10 {
        chrono::NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
    } else {
        chrono::NaiveDate::from_ymd_opt(day.year(), first_month + 3, 1)
    };
    (from, next.and_then(|next| next.pred_opt()).unwrap_or(day))
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
    let lang = viewer.lang;
    let today = chrono::DateTime::from_timestamp_millis(app.now() as i64).unwrap_or_default().date_naive();
    let counted = app.clone();
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
            let (from, to) = quarter(today);
            let codes = &store.state().vat_codes;
            let (figures, _) = rempart_domain::vat::figures_by_code(codes, &store.vat_sums(from, to)?);
            let due: i64 = figures
                .iter()
                .map(|(code, figure)| match codes.get(code).map(|vat| vat.direction) {
                    Some(rempart_domain::VatDirection::Output) => figure.tax_minor,
                    Some(rempart_domain::VatDirection::Input) => -figure.tax_minor,
                    None => 0,
                })
                .sum();
            let locale = Locale::of_country(company.country);
            let reminders_due =
                rempart_reports::dunning(store, lang, locale, today).map_or(0, |report| report.rows.len());
            let health = rempart_node::health(store).unwrap_or_else(|error| {
                tracing::warn!(%error, "cannot read the node's sync health");
                None
            });
            // Forks and conflicts: the last count (the first is made here), and a new one asked
            // of the counting thread when events were added since.
            let held = crate::events_held(store)?;
            let (forks, conflicts, counting_again) = match counted.counting.last() {
                Some((events, forks, conflicts)) if events == held => (forks, conflicts, false),
                Some((_, forks, conflicts)) => {
                    counted.want_count();
                    (forks, conflicts, true)
                }
                None => {
                    let count = crate::count_conflicts(store)?;
                    counted.counting.keep(count);
                    (count.1, count.2, false)
                }
            };
            Ok(Figures {
                locale,
                today,
                liquid,
                receivables,
                payables,
                vat: (from, to, company.currency, due),
                reminders_due,
                health,
                forks,
                conflicts,
                counting_again,
                copy_found_ms: store.copy_found_ms()?,
                last_verify: store.last_verify()?,
                backups: backups_of(store),
                drills: [rempart_backup::DrillKind::Ransom, rempart_backup::DrillKind::Hub]
                    .into_iter()
                    .filter_map(|kind| rempart_backup::last_drill(store, kind).ok().flatten())
                    .collect(),
            })
        })
        .await;
    let lang = viewer.lang;
    let checked = *app.hub_checked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match figures {
        Ok(figures) => {
            let said = sync_said(&app, lang, figures.locale);
            let body = html! { (page(lang, &figures)) (health(lang, &viewer.csrf, &figures, checked, &said)) };
            layout(lang, Some(&viewer), lang.text("web.dashboard.title"), body).into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

fn ageing(lang: Lang, locale: Locale, caption: &str, rows: &[(Currency, [i64; 4])]) -> Markup {
    html! {
        table.wide {
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
            @let (from, to, currency, due) = figures.vat;
            div.card {
                h2 { (lang.text("web.dashboard.vat")) }
                p { (lang.fill("web.dashboard.vat_period", &[("from", &locale.format_date(from)), ("to", &locale.format_date(to))])) }
                p.big { (currency.as_str()) " " (locale.format_amount(due, currency)) }
                p { a href="/reports?kind=vat" { (lang.text("web.report.vat")) } }
            }
            div.card {
                h2 { (lang.text("web.dashboard.reminders")) }
                p { (lang.fill("web.dashboard.reminders_due", &[("count", &figures.reminders_due)])) }
                p { a href="/reports?kind=dunning" { (lang.text("web.report.dunning")) } }
            }
        }
    }
}

/// How far the sync has gone: the last sync, and what this node wrote that the hub lacks.
pub(crate) fn sync_progress(lang: Lang, locale: Locale, health: &rempart_node::Health) -> Markup {
    html! {
        p { @match health.last_sync_ms {
            Some(last) => (lang.fill("web.health.last_sync", &[("when", &moment(locale, last))])),
            None => (lang.text("web.health.never_synced")),
        } }
        p { @if health.pending == 0 {
            (lang.text("web.health.all_uploaded"))
        } @else {
            (lang.fill("web.health.pending", &[("count", &health.pending), ("since", &health.oldest_pending_ms.map(|ms| moment(locale, ms)).unwrap_or_default())]))
        } }
    }
}

/// The node's health: the hub, uploads, the other devices, forks and conflicts.
/// What the app's last sync found that a person must know, in words: why it failed, what it
/// refused or held back (as `rempart sync` prints it), and whether the app stopped syncing by
/// itself.
fn sync_said(app: &App, lang: Lang, locale: Locale) -> Vec<String> {
    let mut said = Vec::new();
    if let Some((at, outcome)) = &*app.last_sync.lock().unwrap_or_else(std::sync::PoisonError::into_inner) {
        match outcome {
            Err(error) => said.push(
                lang.fill("web.sync.last_failed", &[("when", &moment(locale, *at)), ("why", &error.speak(lang))]),
            ),
            Ok(report) => {
                let warn = |what: String| lang.fill("sync.warning", &[("what", &what)]);
                said.extend(
                    report.refused.iter().map(|refused| lang.fill("sync.refused", &[("what", &refused.speak(lang))])),
                );
                said.extend(report.forks.iter().map(|fork| warn(fork.speak(lang))));
                said.extend(report.withheld.iter().map(|withheld| warn(withheld.speak(lang))));
                said.extend(report.rejected.iter().map(|rejected| warn(rejected.speak(lang))));
                said.extend(report.held_back.iter().map(|held_back| warn(held_back.speak(lang))));
                if let Some(doubt) = &report.own_head_unconfirmed {
                    said.push(lang.fill("sync.copy_unconfirmed", &[("why", &doubt.speak(lang))]));
                }
            }
        }
    }
    if app.sync_stopped.load(std::sync::atomic::Ordering::SeqCst) {
        said.push(lang.text("web.sync.stopped").to_owned());
    }
    said
}

fn health(lang: Lang, token: &str, figures: &Figures, checked: Option<(u64, bool)>, said: &[String]) -> Markup {
    let locale = figures.locale;
    html! {
        section.card #health {
            h2 { (lang.text("web.health.title")) }
            @for words in said { p.warning role="alert" { (words) } }
            @match &figures.health {
                None => p { (lang.text("web.health.alone")) },
                Some(health) => {
                    @match (health.offline_since_ms, checked) {
                        (Some(since), _) => p.warning role="status" { (lang.fill("web.health.offline", &[("hub", &health.hub), ("since", &moment(locale, since))])) },
                        (None, Some((_, true))) => p role="status" { (lang.fill("web.health.online", &[("hub", &health.hub)])) },
                        _ => p role="status" { (lang.fill("web.health.unchecked", &[("hub", &health.hub)])) },
                    }
                    (sync_progress(lang, locale, health))
                    @match figures.backups {
                        (Some(at), targets) => p { (lang.fill("web.health.backup", &[("when", &moment(locale, at)), ("targets", &targets)])) },
                        (None, _) => p.warning role="status" { (lang.text("web.health.no_backup")) },
                    }
                    @for drill in &figures.drills {
                        p.warning[!drill.identical] { (lang.fill("web.health.drill", &[
                            ("kind", &lang.text(match drill.kind {
                                rempart_backup::DrillKind::Ransom => "drill.ransom",
                                rempart_backup::DrillKind::Hub => "drill.hub",
                            })),
                            ("when", &moment(locale, drill.at_ms)),
                            ("seconds", &locale.format_seconds(drill.millis)),
                            ("outcome", &lang.text(if drill.identical { "drill.identical" } else { "drill.different" })),
                        ])) }
                    }
                    (crate::devices::sync_button(lang, token, "/dashboard"))
                    table {
                        caption { (lang.text("web.health.devices")) }
                        thead { tr {
                            th scope="col" { (lang.text("web.health.device")) }
                            th.num scope="col" { (lang.text("web.health.here")) }
                            th.num scope="col" { (lang.text("web.health.hub")) }
                            th scope="col" { (lang.text("web.health.last_seen")) }
                        } }
                        tbody {
                            @for peer in &health.peers {
                                tr {
                                    th scope="row" {
                                        (peer.node.short())
                                        @if peer.this { " " (lang.text("web.health.this")) }
                                        @if peer.revoked { " " (lang.text("web.health.revoked")) }
                                    }
                                    td.num { (peer.here) }
                                    td.num { (peer.hub) }
                                    td { (peer.last_seen_ms.map(|ms| moment(locale, ms)).unwrap_or_default()) }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(found) = figures.copy_found_ms {
                p.warning role="alert" { (lang.fill("web.health.copy", &[("when", &moment(locale, found))])) }
            }
            p {
                (lang.fill("web.health.forks_conflicts", &[("forks", &figures.forks), ("conflicts", &figures.conflicts)]))
                @if figures.counting_again { " " (lang.text("web.health.counting_again")) }
            }
            @match figures.last_verify {
                None => p.warning role="status" { (lang.text("web.health.never_verified")) },
                Some(last) if last.problems == 0 => p role="status" {
                    (lang.fill("web.health.verified", &[("when", &moment(locale, last.at_ms)), ("events", &last.events)]))
                },
                Some(last) => p.warning role="alert" {
                    (lang.fill("web.health.verify_found", &[("when", &moment(locale, last.at_ms)), ("problems", &last.problems)]))
                },
            }
        }
    }
}

//! Journal entries: a form with postings that must balance (the command line's `entry add`),
//! and the latest entries, each of which can be reversed (`entry reverse`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use chrono::NaiveDate;
use maud::{Markup, html};
use rempart_domain::{EntryDraft, LedgerError, Locale, PostingDraft};
use rempart_i18n::{Lang, Speak};
use rempart_store::reports::JournalEntry;
use rempart_store::{Store, StoreError};
use serde::Deserialize;

use crate::App;
use crate::catalogue::Choices;
use crate::form::{Posted, Problems, Rows};
use crate::page::{csrf, field, form_error, labelled, layout, select};
use crate::session::Viewer;

pub fn routes() -> Router<App> {
    Router::new().route("/journal", get(list).post(record)).route("/journal/{id}/reverse", post(reverse))
}

/// The posting rows the form offers; the empty ones are left out.
const FORM_POSTINGS: usize = 4;
/// The latest entries the page lists, the newest first (the journal report holds them all).
const LATEST_MAX: usize = 50;
/// The journal of entries typed by hand.
const MANUAL_JOURNAL: &str = "OD";

#[derive(Deserialize, Default, Clone)]
struct EntryForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    journal: String,
    /// The postings: `account_<n>`, `debit_<n>`, `credit_<n>`, `vat_<n>`.
    #[serde(flatten)]
    postings: Rows,
}

impl EntryForm {
    /// Posting row `n` (1 to `FORM_POSTINGS`): account, debit, credit, VAT code.
    fn posting(&self, n: usize) -> (&str, &str, &str, &str) {
        let cell = |column| self.postings.cell(column, n);
        (cell("account"), cell("debit"), cell("credit"), cell("vat"))
    }
}

/// What the page shows: the latest entries and the choices of the form.
struct Shown {
    locale: Locale,
    today: NaiveDate,
    entries: Vec<JournalEntry>,
    accounts: Choices,
    vat_codes: Choices,
    /// The user ids of the company with their names, for who recorded each entry.
    people: std::collections::BTreeMap<String, String>,
}

fn read(store: &Store, today: NaiveDate) -> Result<Shown, StoreError> {
    let state = store.state();
    let mut accounts: Choices = state
        .accounts
        .values()
        .filter(|account| !account.closed)
        .map(|account| (account.number.clone(), format!("{} {}", account.number, account.label)))
        .collect();
    accounts.sort();
    let mut vat_codes: Choices =
        state.vat_codes.values().map(|vat| (vat.code.clone(), format!("{} – {}", vat.code, vat.label))).collect();
    vat_codes.sort();
    Ok(Shown {
        locale: Locale::of_country(store.company()?.country),
        today,
        entries: store.latest_entries(LATEST_MAX)?,
        accounts,
        vat_codes,
        people: store.users()?.into_iter().map(|user| (user.id, user.name)).collect(),
    })
}

fn page(lang: Lang, viewer: &Viewer, shown: &Shown, form: &EntryForm, problems: &Problems) -> Markup {
    let locale = shown.locale;
    let or = |value: &str, default: String| if value.is_empty() { default } else { value.to_owned() };
    html! {
        form.card method="post" action="/journal" {
            h2 { (lang.text("web.entry.new")) }
            (csrf(&viewer.csrf))
            (form_error(problems.form.as_deref()))
            (field(lang.text("web.invoice.date"), "date", "text", &or(&form.date, locale.format_date(shown.today)), problems.field("date")))
            (field(lang.text("web.entry.text"), "text", "text", &form.text, problems.field("text")))
            (field(lang.text("web.entry.journal"), "journal", "text", &or(&form.journal, MANUAL_JOURNAL.to_owned()), problems.field("journal")))
            table.postings {
                caption { (lang.text("web.entry.postings")) }
                thead { tr {
                    th scope="col" { (lang.text("web.entry.account")) }
                    th scope="col" { (lang.text("web.entry.debit")) }
                    th scope="col" { (lang.text("web.entry.credit")) }
                    th scope="col" { (lang.text("web.line.vat")) }
                } }
                tbody {
                    @for n in 1..=FORM_POSTINGS {
                        @let (account, debit, credit, vat) = form.posting(n);
                        tr {
                            td { (select(&lang.fill("web.entry.account_n", &[("line", &n)]), &format!("field-account_{n}"), &format!("account_{n}"), &shown.accounts, account, Some(""), problems.field(&format!("account_{n}")))) }
                            td { (labelled(&lang.fill("web.entry.debit_n", &[("line", &n)]), &format!("field-debit_{n}"), &format!("debit_{n}"), "text", debit, problems.field(&format!("debit_{n}")))) }
                            td { (labelled(&lang.fill("web.entry.credit_n", &[("line", &n)]), &format!("field-credit_{n}"), &format!("credit_{n}"), "text", credit, problems.field(&format!("credit_{n}")))) }
                            td { (select(&lang.fill("web.entry.vat_n", &[("line", &n)]), &format!("field-vat_{n}"), &format!("vat_{n}"), &shown.vat_codes, vat, Some(""), None)) }
                        }
                    }
                }
            }
            button type="submit" { (lang.text("web.entry.record")) }
        }
        (latest(lang, viewer, shown, problems))
    }
}

/// The latest entries, each with its postings, who recorded it, and a form that reverses it.
fn latest(lang: Lang, viewer: &Viewer, shown: &Shown, problems: &Problems) -> Markup {
    let locale = shown.locale;
    html! {
        table {
            caption { (lang.fill("web.entry.latest", &[("count", &shown.entries.len())])) }
            thead { tr {
                th scope="col" { (lang.text("web.invoice.date")) }
                th scope="col" { (lang.text("web.entry.number")) }
                th scope="col" { (lang.text("web.entry.text")) }
                th scope="col" { (lang.text("web.entry.postings")) }
                th scope="col" { (lang.text("web.entry.by")) }
                th scope="col" { (lang.text("web.entry.reversal")) }
            } }
            tbody {
                @for entry in &shown.entries {
                    @let date = rempart_domain::rules::parse_date(&entry.date).map(|date| locale.format_date(date)).unwrap_or_else(|_| entry.date.clone());
                    tr {
                        td { (date) }
                        td { (entry.journal) " " (entry.number) }
                        td { (entry.text) }
                        td { ul.postings {
                            @for posting in &entry.postings {
                                li { (posting.account) " " (locale.format_amount(posting.amount_minor, posting.currency)) @if let Some(vat) = &posting.vat_code { " (" (vat) ")" } }
                            }
                        } }
                        td { (entry.by.as_ref().map(|by| shown.people.get(by).cloned().unwrap_or_else(|| by.clone())).unwrap_or_default()) }
                        td {
                            @if let Some(by) = &entry.reversed_by {
                                @match shown.entries.iter().find(|other| other.id == *by) {
                                    Some(reversal) => (lang.fill("web.entry.reversed_by", &[("entry", &format!("{} {}", reversal.journal, reversal.number))])),
                                    None => (lang.text("web.entry.reversed")),
                                }
                            } @else if entry.reverses.is_some() {
                                (lang.text("web.entry.is_reversal"))
                            } @else {
                                @let key = format!("reverse_{}", entry.id);
                                form.inline method="post" action=(format!("/journal/{}/reverse", entry.id)) {
                                    (csrf(&viewer.csrf))
                                    (labelled(lang.text("web.entry.reversal_date"), &format!("field-{key}"), "date", "text", "", problems.field(&key)))
                                    button type="submit" { (lang.text("web.entry.reverse")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn list(State(app): State<App>, Extension(viewer): Extension<Viewer>) -> Response {
    let lang = viewer.lang;
    let today = app.today();
    match app.run(move |store| read(store, today)).await {
        Ok(shown) => {
            let body = page(lang, &viewer, &shown, &EntryForm::default(), &Problems::default());
            layout(lang, Some(&viewer), lang.text("web.journal.title"), body).into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// The field a refused entry is about: the date, the text, the journal, or the whole form.
fn entry_field(error: &LedgerError) -> Option<&'static str> {
    match error {
        LedgerError::PeriodClosed { .. } | LedgerError::BadDate { .. } => Some("date"),
        LedgerError::EmptyText | LedgerError::TextTooLong => Some("text"),
        LedgerError::BadJournal { .. } => Some("journal"),
        _ => None,
    }
}

/// Reads the posting rows filled in: one amount each, as debit (positive) or credit.
fn postings(
    form: &EntryForm,
    locale: Locale,
    currency: rempart_domain::Currency,
    lang: Lang,
    problems: &mut Problems,
) -> Vec<PostingDraft> {
    let mut out = Vec::new();
    for n in 1..=FORM_POSTINGS {
        let (account, debit, credit, vat) = form.posting(n);
        let (debit, credit) = (debit.trim(), credit.trim());
        if account.is_empty() && debit.is_empty() && credit.is_empty() {
            continue;
        }
        if account.is_empty() {
            problems.set(format!("account_{n}"), lang.text("web.entry.account_missing").to_owned());
            continue;
        }
        let (text, sign, name) = match (debit.is_empty(), credit.is_empty()) {
            (false, true) => (debit, 1, format!("debit_{n}")),
            (true, false) => (credit, -1, format!("credit_{n}")),
            (true, true) => {
                problems.set(format!("debit_{n}"), lang.text("web.entry.amount_missing").to_owned());
                continue;
            }
            (false, false) => {
                problems.set(format!("credit_{n}"), lang.text("web.entry.debit_or_credit").to_owned());
                continue;
            }
        };
        match locale.read_amount(text, currency) {
            Ok(minor) => out.push(PostingDraft {
                account: account.to_owned(),
                amount: rempart_domain::money::format_plain(sign * minor, currency),
                currency: None,
                vat_code: (!vat.is_empty()).then(|| vat.to_owned()),
            }),
            Err(error) => problems.set(name, error.speak(lang)),
        }
    }
    out
}

async fn record(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<EntryForm>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let today = app.today();
    let posted = form.clone();
    let outcome = app
        .run(move |store| {
            let company = store.company()?.clone();
            let locale = Locale::of_country(company.country);
            let mut problems = Problems::default();
            let date = if posted.date.trim().is_empty() {
                Some(today)
            } else {
                locale.read_date(&posted.date).map_err(|error| problems.set("date", error.speak(lang))).ok()
            };
            let postings = postings(&posted, locale, company.currency, lang, &mut problems);
            let Some(date) = date.filter(|_| problems.is_empty()) else { return Ok(Err(problems)) };
            let journal = posted.journal.trim();
            let draft = EntryDraft {
                id: store.new_entry_id(),
                date,
                journal: Some(if journal.is_empty() { MANUAL_JOURNAL } else { journal }.to_owned()),
                text: posted.text.trim().to_owned(),
                postings,
            };
            match store.as_user(&by, |store| store.post_entries(std::slice::from_ref(&draft), &mut |_| {})) {
                Ok(_) => Ok(Ok(())),
                Err(StoreError::Entry { source, .. } | StoreError::Ledger(source)) => {
                    match entry_field(&source) {
                        Some(name) => problems.set(name, source.speak(lang)),
                        None => problems.form = Some(source.speak(lang)),
                    }
                    Ok(Err(problems))
                }
                Err(error) => Err(error),
            }
        })
        .await;
    match outcome {
        Ok(Ok(())) => Redirect::to("/journal").into_response(),
        Ok(Err(problems)) => again(&app, &viewer, &form, &problems, today).await,
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// The page again, with what was typed and the messages next to their fields.
async fn again(app: &App, viewer: &Viewer, form: &EntryForm, problems: &Problems, today: NaiveDate) -> Response {
    let lang = viewer.lang;
    match app.run(move |store| read(store, today)).await {
        Ok(shown) => {
            let body = page(lang, viewer, &shown, form, problems);
            let page = layout(lang, Some(viewer), lang.text("web.journal.title"), body);
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(error) => crate::page::failed(lang, Some(viewer), &rempart_i18n::message(&error, lang)),
    }
}

#[derive(Deserialize, Default)]
struct ReverseForm {
    #[serde(default)]
    date: String,
}

async fn reverse(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Posted(form): Posted<ReverseForm>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let today = app.today();
    let key = format!("reverse_{id}");
    let (entry, date_text, field) = (id.clone(), form.date.clone(), key.clone());
    let outcome = app
        .run(move |store| {
            let locale = Locale::of_country(store.company()?.country);
            let mut problems = Problems::default();
            let date = if date_text.trim().is_empty() {
                None
            } else {
                match locale.read_date(&date_text) {
                    Ok(date) => Some(date),
                    Err(error) => {
                        problems.set(field, error.speak(lang));
                        return Ok(Err(problems));
                    }
                }
            };
            match store.as_user(&by, |store| store.reverse_entry(&entry, date)) {
                Ok(_) => Ok(Ok(())),
                Err(StoreError::Ledger(error)) => {
                    problems.set(field, error.speak(lang));
                    Ok(Err(problems))
                }
                Err(error) => Err(error),
            }
        })
        .await;
    match outcome {
        Ok(Ok(())) => Redirect::to("/journal").into_response(),
        Ok(Err(problems)) => again(&app, &viewer, &EntryForm::default(), &problems, today).await,
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

//! The till screen (`/till`): the cashier's, served by the node itself, so it sells with the
//! hub out of reach. Made for a keyboard and a barcode scanner, which types a code and Enter
//! into the focused field: `3*CODE` for three, `-10%` or `-5.00` off the whole ticket, quick
//! keys on Alt+1 to Alt+9, the payments typed with Tab between them and Enter to pay. The basket
//! travels in the form (nothing is kept until the ticket is paid); a paid ticket is recorded by
//! the same store operation as `rempart till sell`, durable before its receipt is shown. The
//! receipt (80 mm) as a page and as a PDF.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{Markup, html};
use rempart_domain::tills::{Method, Tender, TicketLine, TicketRecorded};
use rempart_domain::{Currency, Locale};
use rempart_i18n::{Lang, Speak};
use rempart_store::tills::{Discount, SaleLine, Till};
use rempart_store::{Store, StoreError};
use serde::Deserialize;

use crate::App;
use crate::form::{Posted, Problems};
use crate::page::{csrf, form_error, labelled, layout};
use crate::session::Viewer;

/// Quick keys shown: Alt+1 to Alt+9.
const QUICK_KEYS: usize = 9;
/// Lines a basket may hold (a ticket's bound).
const BASKET_LINES_MAX: usize = rempart_domain::tills::LINES_MAX;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/till", get(screen))
        .route("/till/scan", post(scan))
        .route("/till/pay", post(pay))
        .route("/till/open", post(open))
        .route("/till/close", post(close))
        .route("/till/return", post(take_back))
        .route("/till/cash", post(cash_moved))
        .route("/till/voucher", post(give_voucher))
        .route("/till/vouchers/{number}", get(voucher_slip))
        .route("/till/tickets/{number}", get(receipt))
        .route("/till/tickets/{number}/pdf", get(receipt_pdf))
}

/// Every form of the screen: the basket as it stands (`basket`: `CODE=QTY` pairs separated by
/// commas, and
/// `discount`), and what the cashier typed or pressed.
#[derive(Deserialize, Default, Clone)]
struct TillForm {
    #[serde(default)]
    basket: String,
    #[serde(default)]
    discount: String,
    #[serde(default)]
    scan: String,
    #[serde(default)]
    quick: String,
    #[serde(default)]
    remove: String,
    #[serde(default)]
    cash: String,
    #[serde(default)]
    card: String,
    #[serde(default)]
    twint: String,
    #[serde(default)]
    voucher: String,
    /// The customer's loyalty card, and the points they spend on this ticket.
    #[serde(default)]
    loyalty: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    float: String,
    #[serde(default)]
    counted: String,
    /// A return: the ticket it takes goods back from, and how they are paid back.
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    method: String,
    /// Cash put into or taken out of the drawer (`in` or `out`), how much, and why.
    #[serde(default)]
    direction: String,
    #[serde(default)]
    moved: String,
    #[serde(default)]
    reason: String,
}

/// The basket: codes and quantities in the order scanned, and the discount as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Basket {
    lines: Vec<(String, i64)>,
    discount: String,
}

impl Basket {
    /// Reads the hidden fields back; what is not a line is dropped (the form is the screen's own).
    fn of(form: &TillForm) -> Basket {
        let lines = form
            .basket
            .split(',')
            .filter_map(|line| line.split_once('='))
            .filter_map(|(code, qty)| Some((code.trim().to_owned(), qty.trim().parse::<i64>().ok()?)))
            .filter(|(code, qty)| !code.is_empty() && *qty > 0)
            .take(BASKET_LINES_MAX)
            .collect();
        Basket { lines, discount: form.discount.trim().to_owned() }
    }

    fn text(&self) -> String {
        self.lines.iter().map(|(code, qty)| format!("{code}={qty}")).collect::<Vec<_>>().join(",")
    }

    /// Adds `qty` of `code`, to its line if it is there already.
    fn add(&mut self, code: &str, qty: i64) {
        match self.lines.iter_mut().find(|(held, _)| held == code) {
            Some((_, held)) => *held = held.saturating_add(qty),
            None => self.lines.push((code.to_owned(), qty)),
        }
    }

    fn sale_lines(&self) -> Vec<SaleLine> {
        self.lines.iter().map(|(code, qty)| SaleLine { code: code.clone(), qty: *qty, price_minor: None }).collect()
    }
}

/// What the scan field was given.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scanned {
    Nothing,
    Item {
        code: String,
        qty: i64,
    },
    Discount(String),
    /// Not a code, quantity or discount.
    Unreadable,
}

/// Reads what was typed or scanned: `CODE`, `3*CODE`, `-10%` (or `10%`), `-5.00`.
fn scanned(text: &str) -> Scanned {
    let text = text.trim();
    if text.is_empty() {
        return Scanned::Nothing;
    }
    if let Some(off) = text.strip_suffix('%') {
        return Scanned::Discount(format!("{}%", off.trim_start_matches('-').trim()));
    }
    if let Some(amount) = text.strip_prefix('-') {
        return Scanned::Discount(amount.trim().to_owned());
    }
    // A code as the catalogue holds it: a barcode typed in groups is one code.
    let code_of = |text: &str| -> Option<String> {
        let code: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        (!code.is_empty() && !code.contains([',', '=', '*'])).then_some(code)
    };
    match text.split_once('*') {
        Some((qty, code)) => match (qty.trim().parse::<i64>(), code_of(code)) {
            (Ok(qty), Some(code)) if qty > 0 => Scanned::Item { code, qty },
            _ => Scanned::Unreadable,
        },
        None => code_of(text).map_or(Scanned::Unreadable, |code| Scanned::Item { code, qty: 1 }),
    }
}

/// The discount typed: a percentage (`10%`) or an amount.
fn discount(text: &str, locale: Locale, currency: Currency) -> Result<Option<Discount>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.strip_suffix('%') {
        Some(percent) => rempart_domain::invoices::parse_discount(percent.trim())
            .map(|bp| Some(Discount::Percent(bp)))
            .map_err(|_| text.to_owned()),
        None => {
            locale.read_amount(text, currency).map(|minor| Some(Discount::Amount(minor))).map_err(|_| text.to_owned())
        }
    }
}

/// What the screen shows.
struct Shown {
    locale: Locale,
    currency: Currency,
    /// This device's till and its open session; none when the device is not a till.
    till: Option<(Till, Option<String>)>,
    store_name: String,
    quick: Vec<(String, String)>,
    lines: Vec<TicketLine>,
}

impl Shown {
    fn total_minor(&self) -> i64 {
        self.lines.iter().map(TicketLine::gross_minor).fold(0, i64::saturating_add)
    }
}

/// Reads the screen for `basket`: the till, the quick keys, the basket priced today.
fn read(store: &Store, basket: &Basket, today: chrono::NaiveDate) -> Result<Shown, StoreError> {
    let company = store.company()?;
    let locale = Locale::of_country(company.country);
    let currency = company.currency;
    let till = store.till_session()?;
    let store_name = match &till {
        Some((till, _)) => store
            .locations()?
            .into_iter()
            .find(|location| location.code == till.location)
            .map_or_else(|| till.location.clone(), |location| location.label),
        None => String::new(),
    };
    let quick = store.skus()?.into_iter().take(QUICK_KEYS).map(|sku| (sku.sku, sku.label)).collect();
    let discount = discount(&basket.discount, locale, currency).ok().flatten();
    let lines =
        if basket.lines.is_empty() { Vec::new() } else { store.price_basket(&basket.sale_lines(), discount, today)? };
    Ok(Shown { locale, currency, till, store_name, quick, lines })
}

fn basket_fields(viewer: &Viewer, basket: &Basket) -> Markup {
    html! {
        (csrf(&viewer.csrf))
        input type="hidden" name="basket" value=(basket.text());
        input type="hidden" name="discount" value=(basket.discount);
    }
}

fn page(lang: Lang, viewer: &Viewer, shown: &Shown, basket: &Basket, problems: &Problems) -> Markup {
    let amount = |minor: i64| shown.locale.format_amount(minor, shown.currency);
    let Some((till, session)) = &shown.till else {
        return html! { p role="alert" { (lang.text("web.till.not_a_till")) } };
    };
    let Some(session) = session else {
        return html! {
            p { (lang.fill("web.till.where", &[("till", &till.till), ("store", &shown.store_name)])) }
            form.card method="post" action="/till/open" {
                h2 { (lang.text("web.till.open")) }
                (csrf(&viewer.csrf))
                (form_error(problems.form.as_deref()))
                div.field {
                    label for="field-float" { (lang.text("web.till.float")) }
                    input #field-float name="float" type="text" inputmode="decimal" autofocus;
                }
                button type="submit" { (lang.text("web.till.open")) }
            }
        };
    };
    html! {
        p { (lang.fill("web.till.where", &[("till", &till.till), ("store", &shown.store_name)])) " · " (session) }
        p.hint { (lang.text("web.till.keys")) }
        form.card.till-scan method="post" action="/till/scan" {
            (basket_fields(viewer, basket))
            (form_error(problems.form.as_deref()))
            div.field.invalid[problems.field("scan").is_some()] {
                label for="field-scan" { (lang.text("web.till.scan")) }
                input #field-scan name="scan" type="text" autofocus autocomplete="off"
                    aria-describedby=[problems.field("scan").map(|_| "field-scan-error")];
                @if let Some(error) = problems.field("scan") {
                    p.error #field-scan-error role="alert" { (error) }
                }
            }
            // The form's first button, so that Enter in the field adds what was typed (not a
            // quick key's item).
            button type="submit" { (lang.text("web.till.add")) }
            div.quick-keys {
                @for (index, (sku, label)) in shown.quick.iter().enumerate() {
                    button type="submit" name="quick" value=(sku) accesskey=(index + 1) {
                        kbd { (index + 1) } " " (label) " " small { (sku) }
                    }
                }
            }
            table.basket {
                caption { (lang.fill("web.till.lines", &[("count", &shown.lines.len())])) }
                thead { tr {
                    th scope="col" { (lang.text("web.till.item")) }
                    th.num scope="col" { (lang.text("web.till.qty")) }
                    th.num scope="col" { (lang.text("web.till.price")) }
                    th.num scope="col" { (lang.text("web.till.discount")) }
                    th.num scope="col" { (lang.text("web.till.amount")) }
                    th scope="col" { span.visually-hidden { (lang.text("web.till.remove")) } }
                } }
                tbody {
                    @for (index, line) in shown.lines.iter().enumerate() {
                        tr {
                            th scope="row" { (line.label) " " small { (line.sku) } }
                            td.num { (line.qty) }
                            td.num { (amount(line.unit_price_minor)) }
                            td.num { @if line.discount_minor != 0 { (amount(-line.discount_minor)) } }
                            td.num { (amount(line.gross_minor())) }
                            td { button type="submit" name="remove" value=(index) { (lang.text("web.till.remove")) } }
                        }
                    }
                }
                tfoot {
                    tr {
                        th scope="row" colspan="4" { (lang.fill("web.till.total", &[("currency", &shown.currency.as_str())])) }
                        td.num #till-total { strong { (amount(shown.total_minor())) } }
                        td {}
                    }
                    // In francs, what is paid all in cash is rounded to 0.05.
                    @let rounding = rempart_domain::tills::cash_rounding(shown.total_minor());
                    @if shown.currency == Currency::CHF && rounding != 0 {
                        tr {
                            th scope="row" colspan="4" { (lang.text("web.till.in_cash")) }
                            td.num #till-cash-total { (amount(shown.total_minor() + rounding)) }
                            td {}
                        }
                    }
                }
            }
        }
        @if !shown.lines.is_empty() {
            form.card.till-pay method="post" action="/till/pay" {
                h2 { (lang.text("web.till.pay")) }
                (basket_fields(viewer, basket))
                (form_error(problems.field("pay")))
                (labelled(lang.text("web.till.cash"), "field-cash", "cash", "text", "", problems.field("cash")))
                (labelled(lang.text("web.till.card"), "field-card", "card", "text", "", problems.field("card")))
                (labelled(lang.text("web.till.twint"), "field-twint", "twint", "text", "", problems.field("twint")))
                (labelled(lang.text("web.till.voucher"), "field-voucher", "voucher", "text", "", problems.field("voucher")))
                (labelled(lang.text("web.till.loyalty"), "field-loyalty", "loyalty", "text", "", problems.field("loyalty")))
                (labelled(lang.text("web.till.points"), "field-points", "points", "text", "", problems.field("points")))
                button type="submit" accesskey="p" { (lang.text("web.till.pay_button")) }
            }
        }
        form.card method="post" action="/till/return" {
            h2 { (lang.text("web.till.return")) }
            (csrf(&viewer.csrf))
            (form_error(problems.field("return")))
            (labelled(lang.text("web.till.return_ticket"), "field-return-ticket", "ticket", "text", "", None))
            div.field {
                label for="field-return-method" { (lang.text("web.till.return_method")) }
                select #field-return-method name="method" {
                    @for method in [Method::Cash, Method::Card, Method::Twint] {
                        option value=(method.as_str()) { (lang.text(&format!("web.till.{}", method.as_str()))) }
                    }
                }
            }
            button type="submit" { (lang.text("web.till.return_button")) }
        }
        form.card method="post" action="/till/voucher" {
            h2 { (lang.text("web.till.voucher_give")) }
            (csrf(&viewer.csrf))
            (form_error(problems.field("give")))
            (labelled(lang.text("web.till.loyalty"), "field-give-loyalty", "loyalty", "text", "", None))
            (labelled(lang.text("web.till.points"), "field-give-points", "points", "text", "", None))
            button type="submit" { (lang.text("web.till.voucher_button")) }
        }
        form.card method="post" action="/till/cash" {
            h2 { (lang.text("web.till.cash_moved")) }
            (csrf(&viewer.csrf))
            div.field {
                label for="field-direction" { (lang.text("web.till.cash_direction")) }
                select #field-direction name="direction" {
                    option value="out" { (lang.text("web.till.cash_out")) }
                    option value="in" { (lang.text("web.till.cash_in")) }
                }
            }
            (labelled(lang.text("web.till.cash_amount"), "field-moved", "moved", "text", "", problems.field("moved")))
            (labelled(lang.text("web.till.cash_reason"), "field-reason", "reason", "text", "", problems.field("reason")))
            button type="submit" { (lang.text("web.till.cash_button")) }
        }
        form.card method="post" action="/till/close" {
            h2 { (lang.text("web.till.close")) }
            (csrf(&viewer.csrf))
            (labelled(lang.text("web.till.counted"), "field-counted", "counted", "text", "", problems.field("counted")))
            button type="submit" { (lang.text("web.till.close")) }
        }
    }
}

/// The screen again, empty, with `problems` (422).
async fn refused(app: &App, viewer: &Viewer, problems: Problems) -> Response {
    render(app, viewer, Basket::default(), problems, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The screen again, empty, with one field's problem (422).
async fn refused_on(app: &App, viewer: &Viewer, field: &str, message: String) -> Response {
    let mut problems = Problems::default();
    problems.set(field, message);
    refused(app, viewer, problems).await
}

/// Back to the screen once done; a till's refusal shown on it, any other failure on its page.
async fn back_to_screen(app: &App, viewer: &Viewer, outcome: Result<(), StoreError>) -> Response {
    let lang = viewer.lang;
    match outcome {
        Ok(()) => Redirect::to("/till").into_response(),
        Err(error @ StoreError::Till(_)) => {
            let problems = Problems { form: Some(error.speak(lang)), ..Problems::default() };
            refused(app, viewer, problems).await
        }
        Err(error) => crate::page::failed(lang, Some(viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// Renders the screen for `basket` with `problems`, with `status`.
async fn render(app: &App, viewer: &Viewer, basket: Basket, problems: Problems, status: StatusCode) -> Response {
    let lang = viewer.lang;
    let today = app.today();
    let read_basket = basket.clone();
    match app.run(move |store| read(store, &read_basket, today)).await {
        Ok(shown) => {
            let body = page(lang, viewer, &shown, &basket, &problems);
            (status, layout(lang, Some(viewer), lang.text("web.till.title"), body)).into_response()
        }
        Err(error) => crate::page::failed(lang, Some(viewer), &rempart_i18n::message(&error, lang)),
    }
}

async fn screen(State(app): State<App>, Extension(viewer): Extension<Viewer>) -> Response {
    render(&app, &viewer, Basket::default(), Problems::default(), StatusCode::OK).await
}

/// A scan, a quick key or a line removed: the basket changed if what it becomes can be priced.
async fn scan(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<TillForm>,
) -> Response {
    let lang = viewer.lang;
    let before = Basket::of(&form);
    let mut basket = before.clone();
    let mut problems = Problems::default();
    if let Ok(index) = form.remove.trim().parse::<usize>() {
        if index < basket.lines.len() {
            basket.lines.remove(index);
        }
    } else {
        let typed = if form.quick.trim().is_empty() { form.scan.as_str() } else { form.quick.as_str() };
        match scanned(typed) {
            Scanned::Nothing => {}
            Scanned::Item { code, qty } if basket.lines.len() < BASKET_LINES_MAX => basket.add(&code, qty),
            Scanned::Item { .. } => problems.set("scan", lang.text("web.till.full").to_owned()),
            Scanned::Discount(text) => basket.discount = text,
            Scanned::Unreadable => problems.set("scan", lang.fill("web.till.unreadable", &[("text", &typed.trim())])),
        }
    }
    if problems.fields.is_empty() && basket != before {
        let today = app.today();
        let trial = basket.clone();
        let priced = app
            .run(move |store| -> Result<Result<Vec<String>, String>, StoreError> {
                let company = store.company()?;
                let locale = Locale::of_country(company.country);
                let off = match discount(&trial.discount, locale, company.currency) {
                    Ok(off) => off,
                    Err(text) => return Ok(Err(lang.fill("web.till.unreadable", &[("text", &text)]))),
                };
                match store.price_basket(&trial.sale_lines(), off, today) {
                    Ok(lines) => Ok(Ok(lines.into_iter().map(|line| line.sku).collect())),
                    Err(error @ (StoreError::Till(_) | StoreError::Stock(_))) => Ok(Err(error.speak(lang))),
                    Err(error) => Err(error),
                }
            })
            .await;
        match priced {
            // Each line under its SKU, however it was scanned: a barcode and its SKU are one line.
            Ok(Ok(skus)) => {
                let scanned = std::mem::take(&mut basket.lines);
                for ((_, qty), sku) in scanned.into_iter().zip(skus) {
                    basket.add(&sku, qty);
                }
            }
            Ok(Err(message)) => {
                problems.set("scan", message);
                basket = before;
            }
            Err(error) => return crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
        }
    }
    let status = if problems.fields.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(&app, &viewer, basket, problems, status).await
}

/// The payments typed, each field read in the company's way of writing amounts.
fn tenders(form: &TillForm, locale: Locale, currency: Currency, lang: Lang) -> Result<Vec<Tender>, Problems> {
    let mut problems = Problems::default();
    let mut tenders = Vec::new();
    for (name, method, text) in
        [("cash", Method::Cash, &form.cash), ("card", Method::Card, &form.card), ("twint", Method::Twint, &form.twint)]
    {
        if text.trim().is_empty() {
            continue;
        }
        match locale.read_amount(text.trim(), currency) {
            Ok(amount_minor) => tenders.push(Tender { method, amount_minor, voucher: None }),
            Err(error) => problems.set(name, error.speak(lang)),
        }
    }
    if !form.voucher.trim().is_empty() {
        match form.voucher.split_once(':') {
            Some((code, amount)) => match locale.read_amount(amount.trim(), currency) {
                Ok(amount_minor) => tenders.push(Tender {
                    method: Method::Voucher,
                    amount_minor,
                    voucher: Some(code.trim().to_owned()),
                }),
                Err(error) => problems.set("voucher", error.speak(lang)),
            },
            None => problems.set("voucher", lang.text("web.till.voucher_form").to_owned()),
        }
    }
    if tenders.is_empty() && problems.fields.is_empty() {
        problems.set("pay", lang.text("web.till.no_payment").to_owned());
    }
    if problems.fields.is_empty() { Ok(tenders) } else { Err(problems) }
}

/// Pays and records the ticket; its receipt follows, with the change.
async fn pay(State(app): State<App>, Extension(viewer): Extension<Viewer>, Posted(form): Posted<TillForm>) -> Response {
    let lang = viewer.lang;
    let basket = Basket::of(&form);
    let by = viewer.user.id.clone();
    let today = app.today();
    let sold = basket.clone();
    let outcome = app
        .run(move |store| -> Result<Result<TicketRecorded, Problems>, StoreError> {
            let company = store.company()?;
            let (locale, currency) = (Locale::of_country(company.country), company.currency);
            let tenders = match tenders(&form, locale, currency, lang) {
                Ok(tenders) => tenders,
                Err(problems) => return Ok(Err(problems)),
            };
            let off = discount(&sold.discount, locale, currency).ok().flatten();
            let card = Some(form.loyalty.trim().to_owned()).filter(|card| !card.is_empty());
            let points = match form.points.trim() {
                "" => 0,
                text => match text.parse::<i64>() {
                    Ok(points) if points >= 0 => points,
                    _ => {
                        let mut problems = Problems::default();
                        problems.set("points", lang.text("web.till.points_whole").to_owned());
                        return Ok(Err(problems));
                    }
                },
            };
            let sale = |store: &mut Store| store.sell_spending(&sold.sale_lines(), off, tenders, card, points, today);
            match store.as_user(&by, sale) {
                Ok(ticket) => Ok(Ok(ticket)),
                Err(error @ (StoreError::Till(_) | StoreError::Stock(_) | StoreError::Loyalty(_))) => {
                    let mut problems = Problems::default();
                    problems.set("pay", error.speak(lang));
                    Ok(Err(problems))
                }
                Err(error) => Err(error),
            }
        })
        .await;
    match outcome {
        Ok(Ok(ticket)) => Redirect::to(&format!("/till/tickets/{}?sold=1", ticket.number)).into_response(),
        Ok(Err(problems)) => render(&app, &viewer, basket, problems, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// Gives the customer a voucher for points (a program whose rewards are vouchers), then shows it
/// to be printed; a refusal comes back on the screen.
async fn give_voucher(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<TillForm>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let today = app.today();
    let Ok(points) = form.points.trim().parse::<i64>() else {
        return refused_on(&app, &viewer, "give", lang.text("web.till.points_whole").to_owned()).await;
    };
    let card = form.loyalty.clone();
    let given = app.run(move |store| store.as_user(&by, |store| store.give_voucher(&card, points, today))).await;
    match given {
        Ok(voucher) => Redirect::to(&format!("/till/vouchers/{}", voucher.voucher)).into_response(),
        Err(error @ StoreError::Loyalty(_)) => refused_on(&app, &viewer, "give", error.speak(lang)).await,
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// A loyalty voucher as the customer takes it away: its number (which the scanner reads back at
/// the till), what it is worth, what is left of it and until when.
async fn voucher_slip(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(number): Path<String>,
) -> Response {
    let lang = viewer.lang;
    let today = app.today();
    let found = app
        .run(move |store| -> Result<_, StoreError> {
            let company = store.company()?;
            Ok((store.loyalty_voucher(&number)?, company.name.clone(), Locale::of_country(company.country)))
        })
        .await;
    match found {
        Ok((Some(row), company, locale)) => {
            let voucher = &row.voucher;
            let amount = |minor: i64| locale.format_amount(minor, voucher.currency);
            let until = match voucher.until {
                Some(until) => locale.format_date(until),
                None => lang.text("loyalty.voucher.for_ever").to_owned(),
            };
            let body = html! {
                section.receipt #voucher-slip {
                    p { strong { (company) } }
                    p { (lang.text("web.till.voucher_short")) " " span #voucher-number { (voucher.voucher) } }
                    table {
                        tr { th scope="row" { (lang.text("loyalty.vouchers.column.worth")) } td.num #voucher-worth { (amount(row.worth_minor)) } }
                        tr { th scope="row" { (lang.text("loyalty.vouchers.column.open")) } td.num #voucher-open { (amount(row.open_minor(today))) } }
                        tr { th scope="row" { (lang.text("loyalty.vouchers.column.until")) } td { (until) } }
                        tr { th scope="row" { (lang.text("loyalty.vouchers.column.card")) } td { (voucher.card) } }
                    }
                }
                p { a href="/till" autofocus accesskey="n" { (lang.text("web.till.next")) } }
            };
            layout(lang, Some(&viewer), &lang.fill("web.till.voucher_title", &[("voucher", &voucher.voucher)]), body)
                .into_response()
        }
        Ok((None, _, _)) => {
            let body = html! { p role="alert" { (lang.text("web.till.no_voucher")) } };
            (StatusCode::NOT_FOUND, layout(lang, Some(&viewer), lang.text("web.till.no_voucher"), body)).into_response()
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// An amount field read, or the field's problem.
async fn amount_of(app: &App, lang: Lang, name: &str, text: String) -> Result<Result<i64, Problems>, StoreError> {
    let name = name.to_owned();
    app.run(move |store| {
        let company = store.company()?;
        Ok(Locale::of_country(company.country).read_amount(text.trim(), company.currency).map_err(|error| {
            let mut problems = Problems::default();
            problems.set(name, error.speak(lang));
            problems
        }))
    })
    .await
}

async fn open(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<TillForm>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let today = app.today();
    let float = match amount_of(&app, lang, "float", form.float.clone()).await {
        Ok(Ok(float)) => float,
        Ok(Err(problems)) => {
            let problems = Problems { form: problems.fields.into_values().next(), ..Problems::default() };
            return refused(&app, &viewer, problems).await;
        }
        Err(error) => return crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    };
    let opened = app.run(move |store| store.as_user(&by, |store| store.open_session(float, today))).await;
    back_to_screen(&app, &viewer, opened.map(|_| ())).await
}

/// Takes back all that is left of a ticket, paid back by the way chosen: a new ticket naming it.
async fn take_back(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<TillForm>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let today = app.today();
    let outcome = app
        .run(move |store| -> Result<Result<TicketRecorded, String>, StoreError> {
            let method = match Method::parse(form.method.trim()) {
                Ok(method) => method,
                Err(error) => return Ok(Err(StoreError::from(error).speak(lang))),
            };
            match store.as_user(&by, |store| store.return_ticket(&form.ticket, None, method, today)) {
                Ok(ticket) => Ok(Ok(ticket)),
                Err(error @ (StoreError::Till(_) | StoreError::Stock(_))) => Ok(Err(error.speak(lang))),
                Err(error) => Err(error),
            }
        })
        .await;
    match outcome {
        Ok(Ok(ticket)) => Redirect::to(&format!("/till/tickets/{}?sold=1", ticket.number)).into_response(),
        Ok(Err(message)) => refused_on(&app, &viewer, "return", message).await,
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// Cash put into the drawer or taken out of it (a bank deposit, change brought in), with its
/// reason: the drawer's expected cash follows.
async fn cash_moved(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<TillForm>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let today = app.today();
    let amount = match amount_of(&app, lang, "moved", form.moved.clone()).await {
        Ok(Ok(amount)) if amount > 0 => amount,
        Ok(Ok(_)) => {
            return refused_on(&app, &viewer, "moved", lang.text("web.till.cash_positive").to_owned()).await;
        }
        Ok(Err(problems)) => {
            return refused(&app, &viewer, problems).await;
        }
        Err(error) => return crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    };
    if form.reason.trim().is_empty() {
        return refused_on(&app, &viewer, "reason", lang.text("web.till.cash_reason_needed").to_owned()).await;
    }
    let signed = if form.direction == "in" { amount } else { -amount };
    let reason = form.reason.clone();
    let moved = app.run(move |store| store.as_user(&by, |store| store.move_cash(signed, &reason, today))).await;
    back_to_screen(&app, &viewer, moved).await
}

/// Closes the cash session with what was counted; the page tells the difference.
async fn close(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<TillForm>,
) -> Response {
    let lang = viewer.lang;
    let by = viewer.user.id.clone();
    let today = app.today();
    let counted = match amount_of(&app, lang, "counted", form.counted.clone()).await {
        Ok(Ok(counted)) => counted,
        Ok(Err(problems)) => {
            return render(&app, &viewer, Basket::of(&form), problems, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(error) => return crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    };
    let closed = app
        .run(move |store| {
            let company = store.company()?;
            let format = (Locale::of_country(company.country), company.currency);
            store.as_user(&by, |store| store.close_session(counted, today)).map(|closing| (closing, format))
        })
        .await;
    match closed {
        Ok((closing, (locale, currency))) => {
            let amount = |minor: i64| locale.format_amount(minor, currency);
            let body = html! {
                p role="status" { (lang.fill("web.till.closed", &[
                    ("expected", &amount(closing.expected_minor)),
                    ("counted", &amount(closing.counted_minor)),
                    ("difference", &amount(closing.difference_minor())),
                ])) }
                p { a href="/till" autofocus { (lang.text("web.till.back")) } }
            };
            layout(lang, Some(&viewer), lang.text("web.till.close"), body).into_response()
        }
        Err(error @ StoreError::Till(_)) => {
            let problems = Problems { form: Some(error.speak(lang)), ..Problems::default() };
            refused(&app, &viewer, problems).await
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

#[derive(Deserialize)]
struct ReceiptQuery {
    #[serde(default)]
    sold: Option<String>,
}

/// A ticket's receipt, 80 mm wide as printed; just after a sale, the change first.
async fn receipt(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(number): Path<String>,
    Query(query): Query<ReceiptQuery>,
) -> Response {
    let lang = viewer.lang;
    let doc_lang = crate::documents::doc_lang(lang);
    let wanted = number.clone();
    let role = viewer.role;
    match app.run(move |store| readable_receipt(store, role, &wanted, doc_lang)).await {
        Ok(doc) => {
            let amount = |minor: i64| doc.locale.format_amount(minor, doc.currency);
            let body = html! {
                @if query.sold.is_some() {
                    p.change role="status" #till-change {
                        @if doc.returns.is_some() {
                            (lang.fill("web.till.paid_back", &[("amount", &amount(-doc.total_minor))]))
                        } @else {
                            (lang.fill("web.till.change", &[("change", &amount(doc.change_minor))]))
                        }
                    }
                    p { a href="/till" autofocus accesskey="n" { (lang.text("web.till.next")) } }
                }
                (receipt_markup(lang, &doc))
                p { a href=(format!("/till/tickets/{}/pdf", doc.number)) { (lang.text("web.till.receipt_pdf")) } }
            };
            layout(lang, Some(&viewer), &lang.fill("web.till.receipt_title", &[("number", &doc.number)]), body)
                .into_response()
        }
        Err(StoreError::Till(error)) => no_ticket(lang, &viewer, &error),
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

/// A ticket's receipt as `role` may read it: a cashier reads the receipts of this till's store
/// only (another store's is, to them, a ticket that does not exist); owners and accountants any.
fn readable_receipt(
    store: &Store,
    role: rempart_domain::users::Role,
    number: &str,
    lang: rempart_docs::DocLang,
) -> Result<rempart_docs::ReceiptDocument, StoreError> {
    if role == rempart_domain::users::Role::Cashier {
        let here = store.this_till()?.map(|till| till.location);
        let there = store.ticket(number)?.map(|ticket| ticket.location);
        if here.is_none() || here != there {
            let number = number.trim().to_uppercase();
            return Err(rempart_domain::tills::TillError::UnknownTicket { number }.into());
        }
    }
    crate::documents::receipt_document(store, number, lang)
}

/// The page for a ticket this node does not hold (404).
fn no_ticket(lang: Lang, viewer: &Viewer, error: &rempart_domain::tills::TillError) -> Response {
    let body = html! { p role="alert" { (error.speak(lang)) } };
    (StatusCode::NOT_FOUND, layout(lang, Some(viewer), lang.text("web.not_found.title"), body)).into_response()
}

/// The receipt as printed, in the reader's words.
fn receipt_markup(lang: Lang, doc: &rempart_docs::ReceiptDocument) -> Markup {
    use rempart_docs::ReceiptPayment;
    let amount = |minor: i64| doc.locale.format_amount(minor, doc.currency);
    html! {
        article.receipt aria-label=(lang.fill("web.till.receipt_title", &[("number", &doc.number)])) {
            div.seller {
                @for (index, line) in doc.seller.iter().enumerate() {
                    @if index == 0 { strong { (line) } } @else { div { (line) } }
                }
            }
            dl {
                dt { (lang.text("web.till.till")) } dd { (doc.till) " · " (doc.store) }
                dt { (lang.text("web.till.ticket")) } dd #receipt-number { (doc.number) }
                dt { (lang.text("web.till.moment")) } dd { (doc.moment) }
                @if let Some(original) = &doc.returns {
                    dt { (lang.text("web.till.returns")) } dd { (original) }
                }
            }
            table {
                tbody {
                    @for line in &doc.lines {
                        tr {
                            td { (line.text) br; small { (line.qty) " × " (amount(line.unit_price_minor)) " " (line.sku) } }
                            td.num { (amount(line.qty.saturating_mul(line.unit_price_minor))) }
                        }
                        @if line.discount_minor != 0 {
                            tr { td { (lang.text("web.till.discount")) } td.num { (amount(-line.discount_minor)) } }
                        }
                    }
                }
                tfoot {
                    tr.total {
                        th scope="row" { (lang.fill("web.till.total", &[("currency", &doc.currency.as_str())])) }
                        td.num { (amount(doc.total_minor)) }
                    }
                    @if doc.rounding_minor != 0 {
                        tr { th scope="row" { (lang.text("web.till.rounding")) } td.num #receipt-rounding { (amount(doc.rounding_minor)) } }
                    }
                    @for payment in &doc.payments {
                        @let (name, minor) = match payment {
                            ReceiptPayment::Cash(minor) => (lang.text("web.till.cash").to_owned(), *minor),
                            ReceiptPayment::Card(minor) => (lang.text("web.till.card").to_owned(), *minor),
                            ReceiptPayment::Twint(minor) => (lang.text("web.till.twint").to_owned(), *minor),
                            ReceiptPayment::Voucher { code, amount_minor } => (format!("{} {code}", lang.text("web.till.voucher_short")), *amount_minor),
                        };
                        tr { th scope="row" { (name) } td.num { (amount(minor)) } }
                    }
                    @if doc.change_minor != 0 {
                        tr { th scope="row" { (lang.text("web.till.change_label")) } td.num { (amount(doc.change_minor)) } }
                    }
                    @for vat in &doc.vat {
                        tr.vat {
                            th scope="row" { (lang.fill("web.till.vat_included", &[
                                ("rate", &format!("{}.{:02}", vat.rate_bp / 100, vat.rate_bp % 100)),
                                ("gross", &amount(vat.gross_minor)),
                            ])) }
                            td.num { (amount(vat.vat_minor)) }
                        }
                    }
                }
            }
        }
    }
}

async fn receipt_pdf(
    State(app): State<App>,
    Extension(viewer): Extension<Viewer>,
    Path(number): Path<String>,
) -> Response {
    let lang = viewer.lang;
    let doc_lang = crate::documents::doc_lang(lang);
    let role = viewer.role;
    match app.run(move |store| readable_receipt(store, role, &number, doc_lang)).await {
        Ok(doc) => {
            let bytes = rempart_docs::receipt_pdf(&doc);
            let disposition = format!("inline; filename=\"{}.pdf\"", doc.number);
            ([(CONTENT_TYPE, "application/pdf".to_owned()), (CONTENT_DISPOSITION, disposition)], bytes).into_response()
        }
        Err(StoreError::Till(error)) => no_ticket(lang, &viewer, &error),
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_field_reads_codes_quantities_and_discounts() {
        assert_eq!(scanned("  "), Scanned::Nothing);
        assert_eq!(scanned("4006381333931"), Scanned::Item { code: "4006381333931".into(), qty: 1 });
        assert_eq!(scanned("3*JKT-M"), Scanned::Item { code: "JKT-M".into(), qty: 3 });
        assert_eq!(scanned("-10%"), Scanned::Discount("10%".into()));
        assert_eq!(scanned("-5.00"), Scanned::Discount("5.00".into()));
        assert_eq!(scanned("0*JKT-M"), Scanned::Unreadable);
        assert_eq!(scanned("x*JKT-M"), Scanned::Unreadable);
        assert_eq!(scanned("JKT=M"), Scanned::Unreadable);
        assert_eq!(scanned("4006381 333931"), Scanned::Item { code: "4006381333931".into(), qty: 1 });
        let mut basket = Basket::default();
        basket.add("JKT-M", 1);
        basket.add("JKT-L", 2);
        basket.add("JKT-M", 2);
        let form = TillForm { basket: basket.text(), discount: "10%".into(), ..TillForm::default() };
        assert_eq!(
            Basket::of(&form),
            Basket { lines: vec![("JKT-M".into(), 3), ("JKT-L".into(), 2)], discount: "10%".into() }
        );
        assert_eq!(form.basket, "JKT-M=3,JKT-L=2");
        let forged = TillForm { basket: "A=-3,B=x,=2,C=1".into(), ..TillForm::default() };
        assert_eq!(Basket::of(&forged).lines, vec![("C".into(), 1)]);
    }
}

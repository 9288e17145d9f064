//! Logging in and out, the one-time page that creates the company's first owner, the home that
//! sends each person to their first page, and the person's own page (language).

use std::net::SocketAddr;
use std::sync::PoisonError;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{Markup, html};
use rempart_domain::users::{Role, UserError};
use rempart_i18n::{Lang, Speak};
use rempart_store::StoreError;
use serde::Deserialize;

use crate::App;
use crate::access::home;
use crate::form::{Empty, Posted, Problems};
use crate::page::{csrf, field, form_error, layout};
use crate::session::{LANG_COOKIE, LOGIN_COOKIE, SESSION_COOKIE, Viewer, token};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(root))
        .route("/login", get(login_page).post(log_in))
        .route("/logout", post(log_out))
        .route("/setup", get(setup_page).post(set_up))
        .route("/me", get(me))
        .route("/me/language", post(set_language))
        .route("/me/password", post(change_password))
        .route("/language", post(set_language))
}

async fn root(Extension(viewer): Extension<Viewer>) -> Redirect {
    Redirect::to(home(viewer.role))
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// Only a path of this app is a place to go after logging in, never another site: visible
/// ASCII without a backslash, starting with one slash and not two (browsers drop tabs and line
/// breaks from an address, so `/\t/evil.example` would be `//evil.example`).
fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|next| {
        let bytes = next.as_bytes();
        bytes.first() == Some(&b'/')
            && !matches!(bytes.get(1), Some(b'/' | b'\\'))
            && bytes.iter().all(|byte| byte.is_ascii_graphic() && *byte != b'\\')
    })
}

/// A page shown before a login, with its form token set in its own cookie.
fn public_page(app: &App, lang: Lang, title: &str, body: impl FnOnce(&str) -> Markup) -> Response {
    let token = token();
    let page = layout(lang, None, title, body(&token));
    let cookie = app.sessions.set_cookie(LOGIN_COOKIE, Some(&token));
    (AppendHeaders([(SET_COOKIE, cookie)]), page).into_response()
}

/// The languages a person may choose before logging in, as buttons in their own words.
fn language_choice(lang: Lang, token: &str) -> Markup {
    html! {
        form.languages method="post" action="/language" aria-label=(lang.text("web.me.language")) {
            (csrf(token))
            @for each in Lang::ALL {
                button.secondary type="submit" name="lang" value=(each.code()) lang=(each.code()) aria-pressed=(if each == lang { "true" } else { "false" }) {
                    (each.text("web.me.language_name"))
                }
            }
        }
    }
}

fn login_form(lang: Lang, token: &str, user: &str, next: Option<&str>, problems: &Problems) -> Markup {
    html! {
        (language_choice(lang, token))
        form.card method="post" action="/login" {
            (csrf(token))
            @if let Some(next) = next {
                input type="hidden" name="next" value=(next);
            }
            (form_error(problems.form.as_deref()))
            (field(lang.text("web.login.user"), "user", "text", user, problems.field("user")))
            (field(lang.text("web.login.password"), "password", "password", "", problems.field("password")))
            button type="submit" { (lang.text("web.login.submit")) }
        }
    }
}

async fn login_page(State(app): State<App>, headers: HeaderMap, Query(query): Query<LoginQuery>) -> Response {
    let lang = app.sessions.lang(&headers);
    let next = safe_next(query.next.as_deref()).map(str::to_owned);
    public_page(&app, lang, lang.text("web.login.title"), |token| {
        login_form(lang, token, "", next.as_deref(), &Problems::default())
    })
}

async fn log_in(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Posted(form): Posted<LoginForm>,
) -> Response {
    let lang = app.sessions.lang(&headers);
    let now = app.now();
    let next = safe_next(form.next.as_deref()).map(str::to_owned);
    let refuse = |problems: Problems, status| {
        let mut response = public_page(&app, lang, lang.text("web.login.title"), |token| {
            login_form(lang, token, &form.user, next.as_deref(), &problems)
        });
        *response.status_mut() = status;
        response
    };
    // A name longer than any person's is refused as a wrong one, before it is counted or looked up.
    let too_long = form.user.chars().count() > rempart_domain::users::USER_NAME_CHARS_MAX;
    if !too_long && !app.sessions.attempt(&form.user, peer.ip(), now) {
        let problems = Problems { form: Some(lang.text("web.login.too_many").to_owned()), ..Problems::default() };
        return refuse(problems, axum::http::StatusCode::TOO_MANY_REQUESTS);
    }
    let name = form.user.clone();
    let record = match app.run(move |store| store.login_record(&name)).await {
        Ok(record) => record.filter(|_| !too_long),
        Err(_) => return crate::page::failed(lang, None, lang.text("web.failed.text")),
    };
    // The slow part, outside the store's lock: the other pages do not wait on it.
    let password = form.password.clone();
    match app.derive(move || rempart_store::users::open_login(record, &password)).await {
        Ok((user, key)) => {
            app.sessions.succeeded(&form.user, peer.ip());
            let role = user.role;
            let session = app.sessions.open(user, key, now);
            let to = next.unwrap_or_else(|| home(role).to_owned());
            (
                AppendHeaders([
                    (SET_COOKIE, app.sessions.set_cookie(SESSION_COOKIE, Some(&session))),
                    (SET_COOKIE, app.sessions.set_cookie(LOGIN_COOKIE, None)),
                ]),
                Redirect::to(&to),
            )
                .into_response()
        }
        Err(error) => {
            let problems = Problems { form: Some(error.speak(lang)), ..Problems::default() };
            refuse(problems, axum::http::StatusCode::UNAUTHORIZED)
        }
    }
}

async fn log_out(State(app): State<App>, headers: HeaderMap, Posted(_): Posted<Empty>) -> Response {
    app.sessions.close(&headers);
    (AppendHeaders([(SET_COOKIE, app.sessions.set_cookie(SESSION_COOKIE, None))]), Redirect::to("/login"))
        .into_response()
}

#[derive(Deserialize, Default)]
struct SetupQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
}

/// Whether `token` is the one-time setup token, still unspent and in time.
fn setup_open(app: &App, token: &str) -> bool {
    let now = app.now();
    app.setup
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .is_some_and(|(hash, until)| now < until && hash == blake3::hash(token.as_bytes()))
}

fn setup_form(lang: Lang, form_token: &str, setup_token: &str, user: &str, problems: &Problems) -> Markup {
    html! {
        p { (lang.text("web.setup.text")) }
        form.card method="post" action="/setup" {
            (csrf(form_token))
            input type="hidden" name="token" value=(setup_token);
            (form_error(problems.form.as_deref()))
            (field(lang.text("web.login.user"), "user", "text", user, problems.field("user")))
            (field(lang.text("web.login.password"), "password", "password", "", problems.field("password")))
            button type="submit" { (lang.text("web.setup.submit")) }
        }
    }
}

async fn setup_page(State(app): State<App>, headers: HeaderMap, Query(query): Query<SetupQuery>) -> Response {
    let lang = app.sessions.lang(&headers);
    if !setup_open(&app, &query.token) {
        return Redirect::to("/login").into_response();
    }
    public_page(&app, lang, lang.text("web.setup.title"), |token| {
        setup_form(lang, token, &query.token, "", &Problems::default())
    })
}

async fn set_up(State(app): State<App>, headers: HeaderMap, Posted(form): Posted<SetupForm>) -> Response {
    let lang = app.sessions.lang(&headers);
    if !setup_open(&app, &form.token) {
        return Redirect::to("/login").into_response();
    }
    let (name, password) = (form.user.clone(), form.password.clone());
    let added = app.run(move |store| store.add_user(&name, Role::Owner, &password, None)).await;
    match added {
        Ok(_) => {
            *app.setup.lock().unwrap_or_else(PoisonError::into_inner) = None;
            Redirect::to("/login").into_response()
        }
        Err(StoreError::User(error)) => {
            let problems = users_problems(&error, lang);
            public_page(&app, lang, lang.text("web.setup.title"), |token| {
                setup_form(lang, token, &form.token, &form.user, &problems)
            })
        }
        Err(_) => crate::page::failed(lang, None, lang.text("web.failed.text")),
    }
}

/// A refused grant's message, next to the field it is about.
pub fn users_problems(error: &UserError, lang: Lang) -> Problems {
    let mut problems = Problems::default();
    let field = match error {
        UserError::BadName { .. } | UserError::NameTaken { .. } | UserError::NameOfRemoved { .. } => Some("user"),
        UserError::PasswordTooShort { .. } | UserError::PasswordTooLong { .. } => Some("password"),
        UserError::UnknownRole { .. } => Some("role"),
        _ => None,
    };
    match field {
        Some(field) => {
            problems.set(field, error.speak(lang));
        }
        None => problems.form = Some(error.speak(lang)),
    }
    problems
}

#[derive(Deserialize, Default)]
struct MeQuery {
    #[serde(default)]
    changed: Option<String>,
}

async fn me(Extension(viewer): Extension<Viewer>, Query(query): Query<MeQuery>) -> Markup {
    me_page(&viewer, query.changed.is_some(), &Problems::default())
}

/// The person's own page: who they are, their language, and the form that changes their
/// password (`changed`: it was just changed).
fn me_page(viewer: &Viewer, changed: bool, problems: &Problems) -> Markup {
    let lang = viewer.lang;
    let body = html! {
        dl {
            dt { (lang.text("web.login.user")) } dd { (viewer.user.name) }
            dt { (lang.text("web.users.role")) } dd { (crate::users::role_name(lang, viewer.role)) }
        }
        form.card method="post" action="/me/language" {
            (csrf(&viewer.csrf))
            label for="field-lang" { (lang.text("web.me.language")) }
            select id="field-lang" name="lang" {
                @for each in Lang::ALL {
                    option value=(each.code()) selected[each == lang] { (each.text("web.me.language_name")) }
                }
            }
            button type="submit" { (lang.text("web.save")) }
        }
        h2 { (lang.text("web.me.password_title")) }
        @if changed {
            p role="status" { (lang.text("web.me.password_changed")) }
        }
        form.card method="post" action="/me/password" {
            (csrf(&viewer.csrf))
            (form_error(problems.form.as_deref()))
            (field(lang.text("web.me.current_password"), "current", "password", "", problems.field("current")))
            (field(lang.text("web.me.new_password"), "password", "password", "", problems.field("password")))
            button type="submit" { (lang.text("web.me.password_submit")) }
        }
    };
    layout(lang, Some(viewer), lang.text("web.me.title"), body)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

/// Changes the person's own password: the current one is checked as a login is (and counted
/// with the logins), the new one signed by the key of both; the session goes on with the new
/// key, the person's other sessions end.
async fn change_password(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Extension(viewer): Extension<Viewer>,
    Posted(form): Posted<PasswordForm>,
) -> Response {
    let lang = viewer.lang;
    let refuse = |problems: Problems, status| {
        let mut response = me_page(&viewer, false, &problems).into_response();
        *response.status_mut() = status;
        response
    };
    let mut problems = Problems::default();
    if let Err(error) = rempart_domain::users::check_password(&form.password) {
        problems.set("password", error.speak(lang));
        return refuse(problems, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
    if !app.sessions.attempt(&viewer.user.name, peer.ip(), app.now()) {
        problems.form = Some(lang.text("web.login.too_many").to_owned());
        return refuse(problems, axum::http::StatusCode::TOO_MANY_REQUESTS);
    }
    let name = viewer.user.name.clone();
    let Ok(record) = app.run(move |store| store.login_record(&name)).await else {
        return crate::page::failed(lang, Some(&viewer), lang.text("web.failed.text"));
    };
    let current = form.current.clone();
    let Ok((_, key)) = app.derive(move || rempart_store::users::open_login(record, &current)).await else {
        problems.set("current", lang.text("web.me.wrong_password").to_owned());
        return refuse(problems, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    };
    app.sessions.succeeded(&viewer.user.name, peer.ip());
    let (id, password) = (viewer.user.id.clone(), form.password.clone());
    let changed = app.run(move |store| store.change_password(&id, &key, &password)).await;
    match changed {
        Ok(key) => {
            let user = rempart_store::users::User { key: key.public_hex(), ..viewer.user.clone() };
            app.sessions.rekey(&headers, user, key);
            Redirect::to("/me?changed=1").into_response()
        }
        Err(StoreError::User(error)) => {
            problems.form = Some(error.speak(lang));
            refuse(problems, axum::http::StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(error) => crate::page::failed(lang, Some(&viewer), &rempart_i18n::message(&error, lang)),
    }
}

#[derive(Deserialize)]
struct LanguageForm {
    #[serde(default)]
    lang: String,
}

/// Sets the language of the pages: from the person's page once logged in, from the login page
/// before.
async fn set_language(
    State(app): State<App>,
    viewer: Option<Extension<Viewer>>,
    Posted(form): Posted<LanguageForm>,
) -> Response {
    let Some(lang) = Lang::from_tag(&form.lang) else {
        return axum::http::StatusCode::BAD_REQUEST.into_response();
    };
    let back = if viewer.is_some() { "/me" } else { "/login" };
    // A person's choice is theirs, on this node, whatever the browser: kept with the books.
    if let Some(Extension(viewer)) = &viewer {
        let user = viewer.user.id.clone();
        if let Err(error) = app.run(move |store| store.set_user_language(&user, lang.code())).await {
            return crate::page::failed(viewer.lang, Some(viewer), &rempart_i18n::message(&error, viewer.lang));
        }
    }
    (AppendHeaders([(SET_COOKIE, app.sessions.set_cookie(LANG_COOKIE, Some(lang.code())))]), Redirect::to(back))
        .into_response()
}

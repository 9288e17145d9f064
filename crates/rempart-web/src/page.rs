//! The one layout of every page, the pieces forms are made of, and the pages that refuse.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use rempart_i18n::Lang;

use crate::App;
use crate::access;
use crate::session::Viewer;

/// The sections of the navigation, each shown to the roles its page opens to.
const SECTIONS: &[(&str, &str)] = &[
    ("/till", "web.nav.till"),
    ("/dashboard", "web.nav.dashboard"),
    ("/contacts", "web.nav.contacts"),
    ("/catalogue", "web.nav.catalogue"),
    ("/quotes", "web.nav.quotes"),
    ("/invoices", "web.nav.invoices"),
    ("/bills", "web.nav.bills"),
    ("/journal", "web.nav.journal"),
    ("/reports", "web.nav.reports"),
    ("/replenishment", "web.nav.replenishment"),
    ("/settings", "web.nav.settings"),
    ("/settings/users", "web.nav.users"),
    ("/settings/devices", "web.nav.devices"),
];

/// A whole page: the layout around `body`, titled `title`.
pub fn layout(lang: Lang, viewer: Option<&Viewer>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Rempart" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                a.skip href="#main" { (lang.text("web.skip")) }
                header {
                    a.brand href="/" { "Rempart" }
                    @if let Some(viewer) = viewer {
                        nav aria-label=(lang.text("web.nav")) {
                            ul {
                                @for (path, key) in SECTIONS {
                                    @if access::find(&axum::http::Method::GET, path).is_some_and(|route| route.access.allows(viewer.role)) {
                                        li { a href=(path) { (lang.text(key)) } }
                                    }
                                }
                            }
                        }
                        div.who {
                            a href="/me" { (viewer.user.name) }
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(viewer.csrf);
                                button type="submit" { (lang.text("web.logout")) }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A labelled text field of a form, with its message beside it when it was refused; its id is
/// `field-NAME`.
pub fn field(label: &str, name: &str, kind: &str, value: &str, error: Option<&str>) -> Markup {
    labelled(label, &format!("field-{name}"), name, kind, value, error)
}

/// As `field`, with the id given (where several forms of a page have the same field names).
pub fn labelled(label: &str, id: &str, name: &str, kind: &str, value: &str, error: Option<&str>) -> Markup {
    let error_id = format!("{id}-error");
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (label) }
            input id=(id) name=(name) type=(kind) value=(value)
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
            @if let Some(error) = error {
                p.error id=(error_id) role="alert" { (error) }
            }
        }
    }
}

/// A labelled list to choose from, with an empty first choice when `blank` names it.
pub fn select(
    label: &str,
    id: &str,
    name: &str,
    options: &[(String, String)],
    chosen: &str,
    blank: Option<&str>,
    error: Option<&str>,
) -> Markup {
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (label) }
            select id=(id) name=(name) aria-invalid=[error.map(|_| "true")] {
                @if let Some(blank) = blank { option value="" { (blank) } }
                @for (value, text) in options { option value=(value) selected[value == chosen] { (text) } }
            }
            @if let Some(error) = error { p.error role="alert" { (error) } }
        }
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A message for the whole form (not tied to one field).
pub fn form_error(error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error {
            p.error.form-error role="alert" { (error) }
        }
    }
}

/// The page that says a person may not open what they asked (403).
pub fn forbidden(app: &App, request: &Request, viewer: Option<&Viewer>) -> Response {
    let lang = viewer.map_or_else(|| app.sessions.lang(request.headers()), |viewer| viewer.lang);
    let body = html! {
        p { (lang.text("web.forbidden.text")) }
        @if let Some(viewer) = viewer {
            p { a href=(access::home(viewer.role)) { (lang.text("web.forbidden.home")) } }
        } @else {
            p { a href="/login" { (lang.text("web.login.title")) } }
        }
    };
    (StatusCode::FORBIDDEN, layout(lang, viewer, lang.text("web.forbidden.title"), body)).into_response()
}

/// The page for an address the app does not have (404).
pub fn not_found(app: &App, request: &Request) -> Response {
    let lang = app.sessions.lang(request.headers());
    let body = html! { p { a href="/" { (lang.text("web.not_found.home")) } } };
    (StatusCode::NOT_FOUND, layout(lang, None, lang.text("web.not_found.title"), body)).into_response()
}

/// The page for a failure of the app itself (500), told in the reader's language.
pub fn failed(lang: Lang, viewer: Option<&Viewer>, message: &str) -> Response {
    let body = html! { p role="alert" { (message) } };
    (StatusCode::INTERNAL_SERVER_ERROR, layout(lang, viewer, lang.text("web.failed.title"), body)).into_response()
}

/// A moment as the company writes dates, with the time of day on its clocks.
pub fn moment(locale: rempart_domain::Locale, ms: u64) -> String {
    locale.format_moment(ms)
}

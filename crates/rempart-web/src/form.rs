//! The one way a form is handled: `Posted` reads the body (with a size limit) into the form's
//! fields and refuses it unless it carries the CSRF token of its session (or, before a login, of
//! its login cookie); the handler then reads each value with the company's locale readers,
//! checks it with the domain, calls the same store operation as the command line, and redirects,
//! or shows the form again with each message next to its field (`Problems`).

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::de::DeserializeOwned;

use crate::App;
use crate::page::layout;
use crate::session::{LOGIN_COOKIE, Viewer, cookie, same_token};

/// The largest form body read.
pub const FORM_BYTES_MAX: usize = 64 * 1024;
/// The longest a form body may take to arrive.
pub const FORM_TIME_MAX: std::time::Duration = std::time::Duration::from_secs(30);

/// A form posted with its CSRF token.
pub struct Posted<T>(pub T);

/// The page that refuses a form without the token of its session.
fn without_token(lang: rempart_i18n::Lang, viewer: Option<&Viewer>) -> Response {
    let page = html! {
        p role="alert" { (lang.text("web.csrf.text")) }
        p { a href="/" { (lang.text("web.not_found.home")) } }
    };
    (StatusCode::FORBIDDEN, layout(lang, viewer, lang.text("web.csrf.title"), page)).into_response()
}

#[derive(serde::Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<App> for Posted<T> {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        let viewer = request.extensions().get::<Viewer>().cloned();
        let lang = viewer.as_ref().map_or_else(|| app.sessions.lang(request.headers()), |viewer| viewer.lang);
        let expected = match &viewer {
            Some(viewer) => Some(viewer.csrf.clone()),
            None => cookie(request.headers(), LOGIN_COOKIE),
        };
        // A body sent slowly holds a connection: it has a time limit, as the hub's have.
        let body = tokio::time::timeout(FORM_TIME_MAX, axum::body::to_bytes(request.into_body(), FORM_BYTES_MAX))
            .await
            .map_err(|_| StatusCode::REQUEST_TIMEOUT.into_response())?
            .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
        let token: Token = serde_urlencoded::from_bytes(&body).map_err(|_| StatusCode::BAD_REQUEST.into_response())?;
        if !expected.is_some_and(|expected| same_token(&expected, &token.csrf)) {
            return Err(without_token(lang, viewer.as_ref()));
        }
        serde_urlencoded::from_bytes(&body).map(Posted).map_err(|_| StatusCode::BAD_REQUEST.into_response())
    }
}

/// The largest `multipart/form-data` body read: a logo and its form.
pub const UPLOAD_BYTES_MAX: usize = rempart_docs::LOGO_BYTES_MAX + 64 * 1024;

/// A form posted as `multipart/form-data` (one that sends a file) with its CSRF token: each
/// field's bytes by name. The body is read whole first, with the size and time limits of a form.
pub struct Uploaded(pub BTreeMap<String, Vec<u8>>);

impl FromRequest<App> for Uploaded {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Self::Rejection> {
        let viewer = request.extensions().get::<Viewer>().cloned();
        let lang = viewer.as_ref().map_or_else(|| app.sessions.lang(request.headers()), |viewer| viewer.lang);
        let expected = viewer.as_ref().map(|viewer| viewer.csrf.clone());
        let (parts, body) = request.into_parts();
        let body = tokio::time::timeout(FORM_TIME_MAX, axum::body::to_bytes(body, UPLOAD_BYTES_MAX))
            .await
            .map_err(|_| StatusCode::REQUEST_TIMEOUT.into_response())?
            .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
        let request = Request::from_parts(parts, axum::body::Body::from(body));
        // A body that is not a form with a file carries no token either: refused as one without.
        let mut fields = BTreeMap::new();
        let mut whole = false;
        if let Ok(mut multipart) = axum::extract::Multipart::from_request(request, app).await {
            whole = loop {
                match multipart.next_field().await {
                    Ok(Some(field)) => {
                        let name = field.name().unwrap_or_default().to_owned();
                        let Ok(bytes) = field.bytes().await else { break false };
                        fields.insert(name, bytes.to_vec());
                    }
                    Ok(None) => break true,
                    Err(_) => break false,
                }
            };
        }
        let token = fields.get("csrf").and_then(|token| std::str::from_utf8(token).ok()).unwrap_or_default();
        if !expected.is_some_and(|expected| same_token(&expected, token)) {
            return Err(without_token(lang, viewer.as_ref()));
        }
        if !whole {
            return Err(StatusCode::BAD_REQUEST.into_response());
        }
        Ok(Uploaded(fields))
    }
}

/// A form of no fields but its token: a button that acts (log out, revoke a device).
#[derive(serde::Deserialize)]
pub struct Empty {}

/// The numbered rows of a form (a bill's lines, an entry's postings): the fields named
/// `<column>_<n>` (`account_1`, `net_1`, … `account_4`), read as they were typed.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(transparent)]
pub struct Rows(BTreeMap<String, String>);

impl Rows {
    /// The value typed in `column` of row `n`; empty when the field was left out.
    pub fn cell(&self, column: &str, n: usize) -> &str {
        self.0.get(&format!("{column}_{n}")).map_or("", String::as_str)
    }
}

/// The messages of a refused form: by field name, and one for the whole form.
#[derive(Debug, Default)]
pub struct Problems {
    pub fields: BTreeMap<String, String>,
    pub form: Option<String>,
}

impl Problems {
    /// One message, next to the field `name`.
    pub fn one(name: impl Into<String>, message: String) -> Problems {
        let mut problems = Problems::default();
        problems.set(name, message);
        problems
    }

    /// One message for the whole form.
    pub fn whole(message: String) -> Problems {
        Problems { form: Some(message), ..Problems::default() }
    }

    /// Puts `message` next to the field `name`.
    pub fn set(&mut self, name: impl Into<String>, message: String) {
        self.fields.insert(name.into(), message);
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.form.is_none()
    }
}

/// A refusal the person can act on (told next to its field or above its form), or a failure of
/// the app itself.
pub(crate) fn refusal(error: &rempart_store::StoreError) -> bool {
    use rempart_store::StoreError;
    matches!(
        error,
        StoreError::Invoice(_)
            | StoreError::Quote(_)
            | StoreError::Vehicle(_)
            | StoreError::Payment(_)
            | StoreError::Dunning(_)
            | StoreError::Ledger(_)
            | StoreError::Entry { .. }
            | StoreError::Contact(_)
            | StoreError::Bill(_)
            | StoreError::Item(_)
    )
}

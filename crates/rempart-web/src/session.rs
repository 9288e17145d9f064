//! Sessions: a random token in an `HttpOnly`, `SameSite=Strict` cookie (`Secure` under TLS), kept
//! in memory by its hash with the person, the key their password gave (to sign what they grant)
//! and a CSRF token; a session unused for the idle time is gone. Login attempts are limited per
//! name and per address. The forms seen before a login (login, setup) carry a token that must
//! match a cookie of their own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use rempart_domain::users::{Role, UserKey, user_name_key};
use rempart_i18n::Lang;
use rempart_store::users::User;

pub const SESSION_COOKIE: &str = "rempart_session";
pub const LOGIN_COOKIE: &str = "rempart_login";
pub const LANG_COOKIE: &str = "rempart_lang";

/// Failed logins allowed per name, and per address, within `ATTEMPT_WINDOW_MS`.
pub const ATTEMPTS_PER_NAME: u32 = 5;
pub const ATTEMPTS_PER_ADDRESS: u32 = 20;
pub const ATTEMPT_WINDOW_MS: u64 = 15 * 60 * 1000;

/// The person a request comes from, as the guard found them.
#[derive(Clone)]
pub struct Viewer {
    pub user: User,
    pub role: Role,
    pub lang: Lang,
    pub csrf: String,
    /// The key their password gave at login: what they grant, they sign.
    pub key: Arc<UserKey>,
}

struct Session {
    user: User,
    key: Arc<UserKey>,
    csrf: String,
    last_ms: u64,
}

/// The open sessions and the count of failed logins.
pub struct Sessions {
    open: Mutex<HashMap<[u8; 32], Session>>,
    failures: Mutex<HashMap<String, (u32, u64)>>,
    idle_ms: u64,
    secure: bool,
    default_lang: Lang,
}

/// A new random token, in hex.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    // The operating system's generator failing leaves nothing safe to do.
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    hex::encode(bytes)
}

/// Whether two tokens are the same, in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    !a.is_empty() && blake3::hash(a.as_bytes()) == blake3::hash(b.as_bytes())
}

/// The value of the cookie `name` a request carries.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
}

impl Sessions {
    pub fn new(idle_ms: u64, secure: bool, default_lang: Lang) -> Sessions {
        Sessions { open: Mutex::default(), failures: Mutex::default(), idle_ms, secure, default_lang }
    }

    /// A `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, the whole site, `Secure` under TLS;
    /// `None` clears the cookie.
    pub fn set_cookie(&self, name: &str, value: Option<&str>) -> String {
        let mut cookie = cookie::Cookie::build((name.to_owned(), value.unwrap_or_default().to_owned()))
            .http_only(true)
            .same_site(cookie::SameSite::Strict)
            .path("/")
            .secure(self.secure);
        if value.is_none() {
            cookie = cookie.max_age(cookie::time::Duration::ZERO);
        }
        cookie.build().to_string()
    }

    /// Opens a session for `user`; returns its token.
    pub fn open(&self, user: User, key: UserKey, now_ms: u64) -> String {
        let token = token();
        let session = Session { user, key: Arc::new(key), csrf: self::token(), last_ms: now_ms };
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        // Sessions left idle go when another opens, so the map does not grow with them.
        open.retain(|_, session| now_ms.saturating_sub(session.last_ms) < self.idle_ms);
        open.insert(*blake3::hash(token.as_bytes()).as_bytes(), session);
        token
    }

    /// Closes the session the request carries.
    pub fn close(&self, headers: &HeaderMap) {
        if let Some(token) = cookie(headers, SESSION_COOKIE) {
            self.open.lock().unwrap_or_else(PoisonError::into_inner).remove(blake3::hash(token.as_bytes()).as_bytes());
        }
    }

    /// The person whose session the request carries, if it is open and was used within the idle
    /// time; using it keeps it open.
    pub fn viewer(&self, headers: &HeaderMap, now_ms: u64) -> Option<Viewer> {
        let token = cookie(headers, SESSION_COOKIE)?;
        let key = *blake3::hash(token.as_bytes()).as_bytes();
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let session = open.get_mut(&key)?;
        if now_ms.saturating_sub(session.last_ms) >= self.idle_ms {
            open.remove(&key);
            return None;
        }
        session.last_ms = now_ms;
        Some(Viewer {
            user: session.user.clone(),
            role: session.user.role,
            lang: self.lang(headers),
            csrf: session.csrf.clone(),
            key: Arc::clone(&session.key),
        })
    }

    /// The language of a request: the one the person chose (its cookie), else the browser's
    /// first the catalogues have, else the company's.
    pub fn lang(&self, headers: &HeaderMap) -> Lang {
        cookie(headers, LANG_COOKIE)
            .and_then(|tag| Lang::from_tag(&tag))
            .or_else(|| {
                headers.get(ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok()).and_then(Lang::from_accept_language)
            })
            .unwrap_or(self.default_lang)
    }

    /// Whether a login for `name` from `address` may be tried now: not after too many failures
    /// within the window.
    pub fn may_try(&self, name: &str, address: IpAddr, now_ms: u64) -> bool {
        let failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let count = |key: &str| {
            failures
                .get(key)
                .filter(|(_, first)| now_ms.saturating_sub(*first) < ATTEMPT_WINDOW_MS)
                .map_or(0, |(n, _)| *n)
        };
        count(&name_key(name)) < ATTEMPTS_PER_NAME && count(&address_key(address)) < ATTEMPTS_PER_ADDRESS
    }

    /// Counts a failed login against the name and the address.
    pub fn failed(&self, name: &str, address: IpAddr, now_ms: u64) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        failures.retain(|_, (_, first)| now_ms.saturating_sub(*first) < ATTEMPT_WINDOW_MS);
        for key in [name_key(name), address_key(address)] {
            let entry = failures.entry(key).or_insert((0, now_ms));
            entry.0 += 1;
        }
    }

    /// Forgets the failures of a name once its person logged in.
    pub fn succeeded(&self, name: &str) {
        self.failures.lock().unwrap_or_else(PoisonError::into_inner).remove(&name_key(name));
    }
}

fn name_key(name: &str) -> String {
    format!("name:{}", user_name_key(name))
}

fn address_key(address: IpAddr) -> String {
    format!("address:{address}")
}

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

/// Logins tried within `ATTEMPT_WINDOW_MS`, each counted before its password is checked (and
/// forgotten when it succeeds): per name from one address, per address (an IPv6 address by its
/// /64), and per name from anywhere, a ceiling high enough that strangers cannot lock a person
/// out from a few addresses.
pub const ATTEMPTS_PER_NAME_AND_ADDRESS: u32 = 5;
pub const ATTEMPTS_PER_ADDRESS: u32 = 20;
pub const ATTEMPTS_PER_NAME: u32 = 100;
pub const ATTEMPT_WINDOW_MS: u64 = 15 * 60 * 1000;
/// The most names and addresses counted at once: beyond, the oldest counts go first.
const ATTEMPTS_KEPT_MAX: usize = 100_000;
/// The longest a session lasts, used or not.
pub const SESSION_LIFETIME_MS: u64 = 12 * 60 * 60 * 1000;

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
    opened_ms: u64,
    last_ms: u64,
}

/// The open sessions and the count of login attempts.
pub struct Sessions {
    open: Mutex<HashMap<[u8; 32], Session>>,
    /// Attempts by the hash of what they are counted against: count and the time of the first.
    attempts: Mutex<HashMap<[u8; 32], (u32, u64)>>,
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
        Sessions { open: Mutex::default(), attempts: Mutex::default(), idle_ms, secure, default_lang }
    }

    /// The language of the company's country, for a person with no setting and no browser's.
    pub fn default_lang(&self) -> Lang {
        self.default_lang
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
        let session = Session { user, key: Arc::new(key), csrf: self::token(), opened_ms: now_ms, last_ms: now_ms };
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        // Sessions left idle go when another opens, so the map does not grow with them.
        open.retain(|_, session| self.alive(session, now_ms));
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
        if !self.alive(session, now_ms) {
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

    /// Whether a session is still open: used within the idle time, and younger than its lifetime.
    fn alive(&self, session: &Session, now_ms: u64) -> bool {
        now_ms.saturating_sub(session.last_ms) < self.idle_ms
            && now_ms.saturating_sub(session.opened_ms) < SESSION_LIFETIME_MS
    }

    /// Puts the person a session was opened for up to date (their role changed, say), or ends
    /// every session of theirs when they no longer have access; a session opened with a password
    /// they no longer have ends too.
    pub fn refresh(&self, id: &str, now: Option<User>) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        match now {
            Some(user) => {
                open.retain(|_, session| session.user.id != id || session.key.public_hex() == user.key);
                for session in open.values_mut().filter(|session| session.user.id == id) {
                    session.user = user.clone();
                }
            }
            None => open.retain(|_, session| session.user.id != id),
        }
    }

    /// After a person changed their own password in the session the request carries: that
    /// session goes on with the new key, and every other session of theirs ends.
    pub fn rekey(&self, headers: &HeaderMap, user: User, key: UserKey) {
        let token = cookie(headers, SESSION_COOKIE).map(|token| *blake3::hash(token.as_bytes()).as_bytes());
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.retain(|hash, session| session.user.id != user.id || Some(*hash) == token);
        if let Some(session) = token.and_then(|token| open.get_mut(&token)).filter(|session| session.user.id == user.id)
        {
            session.key = Arc::new(key);
            session.user = user;
        }
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

    /// Counts a login attempt for `name` from `address` before its password is checked;
    /// false if too many were tried within the window (the attempt is then not made).
    pub fn attempt(&self, name: &str, address: IpAddr, now_ms: u64) -> bool {
        let keys = attempt_keys(name, address);
        let limits = [ATTEMPTS_PER_NAME_AND_ADDRESS, ATTEMPTS_PER_ADDRESS, ATTEMPTS_PER_NAME];
        let mut attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        let live = |entry: &(u32, u64)| now_ms.saturating_sub(entry.1) < ATTEMPT_WINDOW_MS;
        let count = |attempts: &HashMap<[u8; 32], (u32, u64)>, key: &[u8; 32]| {
            attempts.get(key).filter(|entry| live(entry)).map_or(0, |entry| entry.0)
        };
        if keys.iter().zip(limits).any(|(key, limit)| count(&attempts, key) >= limit) {
            return false;
        }
        if attempts.len() >= ATTEMPTS_KEPT_MAX {
            attempts.retain(|_, entry| live(entry));
            while attempts.len() >= ATTEMPTS_KEPT_MAX {
                let Some(oldest) = attempts.iter().min_by_key(|(_, entry)| entry.1).map(|(key, _)| *key) else { break };
                attempts.remove(&oldest);
            }
        }
        for key in keys {
            let entry = attempts.entry(key).or_insert((0, now_ms));
            if !live(entry) {
                *entry = (0, now_ms);
            }
            entry.0 += 1;
        }
        true
    }

    /// Forgets the attempts of a name from an address once its person logged in.
    pub fn succeeded(&self, name: &str, address: IpAddr) {
        let [name_and_address, _, _] = attempt_keys(name, address);
        self.attempts.lock().unwrap_or_else(PoisonError::into_inner).remove(&name_and_address);
    }
}

/// What a login attempt is counted against: the name from the address, the address, the name.
fn attempt_keys(name: &str, address: IpAddr) -> [[u8; 32]; 3] {
    let name = user_name_key(name);
    // An IPv6 address counts by its /64: one machine gets a whole /64.
    let address = match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => format!("{:x}", u128::from(v6) >> 64),
        },
        IpAddr::V4(v4) => v4.to_string(),
    };
    let hash = |parts: &[&str]| *blake3::hash(parts.join("\u{0}").as_bytes()).as_bytes();
    [hash(&["name and address", &name, &address]), hash(&["address", &address]), hash(&["name", &name])]
}

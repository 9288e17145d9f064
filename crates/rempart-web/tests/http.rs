//! The web app over real HTTP on loopback: every route of the authorisation table for every
//! role, sessions (expiry, logout), CSRF, login limits, and a refused form that records nothing.

// Integration tests: a failed unwrap is a failed test (the product itself denies unwrap).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rempart_domain::Country;
use rempart_domain::users::Role;
use rempart_i18n::{Lang, Speak};
use rempart_store::Store;
use rempart_web::access::{Access, ROUTES};
use rempart_web::{Config, Running};

const PASSWORD: &str = "a long enough password";

/// A company with one person of each role, served on a port of its own, on a clock the test
/// moves.
struct Site {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
    running: Running,
    clock: Arc<AtomicU64>,
    contact: String,
    draft: String,
    quote: String,
}

impl Site {
    fn new() -> Site {
        Site::with(|_| {})
    }

    /// A site whose store `prepare` set up further before it is served.
    fn with(prepare: impl FnOnce(&mut Store)) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node");
        let mut store = Store::init(&path, "Garage Test Sàrl", Country::Ch, 1).unwrap();
        let owner = store.add_user("owner", Role::Owner, PASSWORD, None).unwrap();
        let (_, key) = store.log_in("owner", PASSWORD).unwrap();
        for role in [Role::Accountant, Role::Cashier, Role::Mechanic] {
            store.add_user(role.as_str(), role, PASSWORD, Some((&owner.id, &key))).unwrap();
        }
        // What an invoice prints (issue 23: an invoice lacking it is not issued).
        let details = [
            ("postcode", "1110"),
            ("town", "Morges"),
            ("qr_iban", "CH44 3199 9123 0008 8901 2"),
            ("vat_number", "CHE-116.281.710 MWST"),
        ];
        store
            .set_company_details(
                details.into_iter().map(|(key, value)| (key.to_owned(), Some(value.to_owned()))).collect(),
            )
            .unwrap();
        let fields = [("name", "Jean Favre"), ("postcode", "1196"), ("town", "Gland")];
        let contact = store
            .create_contact(
                None,
                fields.into_iter().map(|(key, value)| (key.to_owned(), Some(value.to_owned()))).collect(),
            )
            .unwrap();
        let draft = store.draft_invoice(&contact, chrono::NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(), false).unwrap();
        let quote =
            store.draft_quote(&contact, chrono::NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(), None, false).unwrap();
        prepare(&mut store);
        drop(store);
        let clock = Arc::new(AtomicU64::new(1_780_000_000_000));
        let mut config = Config::new(&path, "127.0.0.1:0".parse().unwrap());
        let reading = Arc::clone(&clock);
        config.now_ms = Arc::new(move || reading.load(Ordering::SeqCst));
        let running = rempart_web::start(config).unwrap();
        Site { _dir: dir, dir: path, running, clock, contact, draft, quote }
    }

    /// A route's path with the test company's records in its placeholders.
    fn path(&self, route: &str) -> String {
        let id = if route.starts_with("/invoices/") {
            &self.draft
        } else if route.starts_with("/quotes/") {
            &self.quote
        } else {
            &self.contact
        };
        route.replace("{id}", id).replace("{line}", "1").replace("{record}", "vehicle")
    }

    fn addr(&self) -> SocketAddr {
        self.running.addr
    }

    fn client(&self) -> Client {
        Client::new(self.addr())
    }

    /// A client logged in as `role`'s person.
    fn logged_in(&self, role: Role) -> Client {
        let mut client = self.client();
        let answer = client.log_in(role.as_str(), PASSWORD);
        assert_eq!(answer.status, 303, "{}", answer.body);
        client
    }

    /// The events in the log, read beside the running server.
    fn events(&self) -> u64 {
        let database = self.dir.join("ledger.db");
        let conn =
            rusqlite::Connection::open_with_flags(&database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        conn.query_row("SELECT count(*) FROM events", [], |row| row.get::<_, i64>(0)).unwrap() as u64
    }
}

struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

/// A browser's part of HTTP: cookies kept, redirects not followed.
struct Client {
    base: String,
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
    lang: &'static str,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
        Client { base: format!("http://{addr}"), agent, cookies: BTreeMap::new(), lang: "en" }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }

    fn keep(&mut self, response: &mut ureq::http::Response<ureq::Body>) -> Answer {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let location = response.headers().get("location").map(|value| value.to_str().unwrap().to_owned());
        let status = response.status().as_u16();
        Answer { status, location, body: response.body_mut().read_to_string().unwrap() }
    }

    fn get(&mut self, path: &str) -> Answer {
        let mut response = self
            .agent
            .get(&format!("{}{path}", self.base))
            .header("cookie", &self.cookie_header())
            .header("accept-language", self.lang)
            .call()
            .unwrap();
        self.keep(&mut response)
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.post_with(path, form, &[])
    }

    fn post_with(&mut self, path: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Answer {
        let body = form
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = self
            .agent
            .post(&format!("{}{path}", self.base))
            .header("cookie", &self.cookie_header())
            .header("accept-language", self.lang);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.content_type("application/x-www-form-urlencoded").send(body.as_bytes()).unwrap();
        self.keep(&mut response)
    }

    /// Posts `fields` as `multipart/form-data`, each a name, a file name if it is a file, and
    /// its bytes, as a browser sends a form with a file.
    fn post_multipart(&mut self, path: &str, fields: &[(&str, Option<&str>, &[u8])]) -> Answer {
        let boundary = "----rempart-test-boundary-7d1f";
        let mut body = Vec::new();
        for (name, file, bytes) in fields {
            body.extend(format!("--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"").as_bytes());
            if let Some(file) = file {
                body.extend(format!("; filename=\"{file}\"\r\ncontent-type: image/png").as_bytes());
            }
            body.extend(b"\r\n\r\n");
            body.extend(*bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        let mut response = self
            .agent
            .post(&format!("{}{path}", self.base))
            .header("cookie", &self.cookie_header())
            .header("accept-language", self.lang)
            .content_type(&format!("multipart/form-data; boundary={boundary}"))
            .send(&body[..])
            .unwrap();
        self.keep(&mut response)
    }

    /// The status, content type and bytes of `path`.
    fn get_bytes(&mut self, path: &str) -> (u16, String, Vec<u8>) {
        let mut response =
            self.agent.get(&format!("{}{path}", self.base)).header("cookie", &self.cookie_header()).call().unwrap();
        let kind =
            response.headers().get("content-type").map_or(String::new(), |value| value.to_str().unwrap().to_owned());
        (response.status().as_u16(), kind, response.body_mut().read_to_vec().unwrap())
    }

    /// The CSRF token of the first form of a page.
    fn token(&mut self, path: &str) -> String {
        let page = self.get(path);
        token_of(&page.body).unwrap_or_else(|| panic!("no form token on {path}: {}", page.body))
    }

    fn log_in(&mut self, user: &str, password: &str) -> Answer {
        let token = self.token("/login");
        self.post("/login", &[("csrf", &token), ("user", user), ("password", password)])
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn token_of(page: &str) -> Option<String> {
    let start = page.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(page[start..start + 64].to_owned())
}

/// Issue 20: each role × each route of the table, allowed or refused as the table says; the
/// routes open to everyone answer without a session, the others send a browser to the login.
#[test]
fn every_route_answers_each_role_as_the_table_says() {
    let site = Site::new();
    let mut tried = 0;
    for role in Role::ALL {
        let mut client = site.logged_in(role);
        let token = token_of(&client.get("/me").body).unwrap();
        for route in ROUTES {
            let path = site.path(route.path);
            if path == "/logout" {
                continue;
            }
            let answer = match (route.method, route.access) {
                ("GET", _) => client.get(&path),
                // A form seen before a login carries the token of its own cookie.
                (_, Access::Public) => {
                    let before_login = client.token("/login");
                    client.post(&path, &[("csrf", &before_login)])
                }
                // The forms that send a file.
                _ if path == "/settings/logo" => client.post_multipart(&path, &[("csrf", None, token.as_bytes())]),
                _ => client.post(&path, &[("csrf", &token)]),
            };
            if route.access.allows(role) {
                assert_ne!(answer.status, 403, "{role:?} {} {path}: {}", route.method, answer.body);
                assert!(answer.status < 500, "{role:?} {} {path}: {}", route.method, answer.body);
            } else {
                assert_eq!(answer.status, 403, "{role:?} {} {path}", route.method);
                // The refusal is a page that says so, in the reader's language.
                assert!(answer.body.contains(Lang::En.text("web.forbidden.text")), "{}", answer.body);
            }
            tried += 1;
        }
    }
    assert_eq!(tried, Role::ALL.len() * (ROUTES.len() - 1));
    // Without a session: public routes answer, pages send to the login, forms are refused.
    let mut stranger = site.client();
    for route in ROUTES {
        let path = site.path(route.path);
        let answer = match (route.method, route.access) {
            ("GET", _) => stranger.get(&path),
            (_, Access::Public) => {
                let before_login = stranger.token("/login");
                stranger.post(&path, &[("csrf", &before_login)])
            }
            _ => stranger.post(&path, &[("csrf", "0")]),
        };
        match (route.access, route.method) {
            (Access::Public, _) => assert!(answer.status != 403 && answer.status < 500, "{path}"),
            (_, "GET") => {
                assert_eq!(answer.status, 303, "{path}");
                assert!(answer.location.unwrap().starts_with("/login?next="), "{path}");
            }
            _ => assert_eq!(answer.status, 403, "{path}"),
        }
    }
    assert_eq!(stranger.get("/healthz").status, 200);
}

/// A form posted without its session's token, or with another session's, is refused and
/// records nothing.
#[test]
fn a_form_without_its_csrf_token_is_refused_and_records_nothing() {
    let site = Site::new();
    let before = site.events();
    let mut owner = site.logged_in(Role::Owner);
    let mut other = site.logged_in(Role::Accountant);
    let others_token = other.token("/contacts/new");
    for token in ["", "0", others_token.as_str()] {
        let answer = owner.post("/contacts", &[("csrf", token), ("name", "Marie Rochat")]);
        assert_eq!(answer.status, 403, "{token}");
        assert!(answer.body.contains(Lang::En.text("web.csrf.title")));
    }
    let answer = owner.post("/contacts", &[("name", "Marie Rochat")]);
    assert_eq!(answer.status, 403);
    assert_eq!(site.events(), before);
    // Every form of the app, whatever it does, is refused without its token.
    let mut checked = 0;
    for route in ROUTES.iter().filter(|route| route.method == "POST" && route.access.allows(Role::Owner)) {
        let answer = owner.post(&site.path(route.path), &[]);
        assert_eq!(answer.status, 403, "{}", route.path);
        assert!(answer.body.contains(Lang::En.text("web.csrf.title")), "{}", route.path);
        checked += 1;
    }
    assert!(checked > 20, "the app's forms: {checked}");
    assert_eq!(site.events(), before);
    // With its token, the same form records the contact.
    let mut owner = site.logged_in(Role::Owner);
    let token = owner.token("/contacts/new");
    let answer = owner.post("/contacts", &[("csrf", &token), ("name", "Marie Rochat")]);
    assert_eq!(answer.status, 303);
    assert!(site.events() > before);
}

/// A session unused for the idle time is gone: the next page asks for the login again. Logging
/// out ends a session at once.
#[test]
fn a_session_expires_when_idle_and_ends_at_logout() {
    let site = Site::new();
    let mut client = site.logged_in(Role::Owner);
    assert_eq!(client.get("/dashboard").status, 200);
    site.clock.fetch_add(rempart_web::SESSION_IDLE.as_millis() as u64 - 1, Ordering::SeqCst);
    assert_eq!(client.get("/dashboard").status, 200, "used within the idle time");
    site.clock.fetch_add(rempart_web::SESSION_IDLE.as_millis() as u64, Ordering::SeqCst);
    let answer = client.get("/dashboard");
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location.as_deref(), Some("/login?next=%2Fdashboard"));

    let mut client = site.logged_in(Role::Owner);
    let token = client.token("/me");
    assert_eq!(client.post("/logout", &[("csrf", &token)]).status, 303);
    assert_eq!(client.get("/dashboard").status, 303);
}

/// A wrong password is refused with the same words as a wrong name; after five failures the
/// name is locked for a quarter of an hour, even with the right password.
#[test]
fn logins_are_refused_alike_and_limited() {
    let site = Site::new();
    let mut client = site.client();
    client.lang = "fr";
    let wrong_password = client.log_in("owner", "not the password");
    let wrong_name = client.log_in("nobody", "not the password");
    assert_eq!(wrong_password.status, 401);
    assert_eq!(wrong_name.status, 401);
    let refused = Lang::Fr.text("err.user.login_refused");
    assert!(wrong_password.body.contains(refused) && wrong_name.body.contains(refused));
    for _ in 0..4 {
        assert_eq!(client.log_in("owner", "not the password").status, 401);
    }
    let locked = client.log_in("owner", PASSWORD);
    assert_eq!(locked.status, 429);
    assert!(locked.body.contains(Lang::Fr.text("web.login.too_many")));
    site.clock.fetch_add(rempart_web::session::ATTEMPT_WINDOW_MS, Ordering::SeqCst);
    assert_eq!(client.log_in("owner", PASSWORD).status, 303);
}

/// Bad input in a form: the same message as the command line, in the page's language, next to
/// its field, and nothing recorded.
#[test]
fn a_refused_form_says_why_next_to_the_field_and_records_nothing() {
    let site = Site::new();
    let before = site.events();
    for (lang, code) in [(Lang::Fr, "fr"), (Lang::De, "de")] {
        let mut owner = site.logged_in(Role::Owner);
        owner.lang = code;
        let token = owner.token("/contacts/new");
        let answer = owner.post("/contacts", &[("csrf", &token), ("name", ""), ("email", "x")]);
        assert_eq!(answer.status, 422);
        let said = rempart_i18n::message(
            &rempart_store::StoreError::Contact(rempart_domain::contacts::ContactError::NameMissing),
            lang,
        );
        let field = answer.body.find("id=\"field-name\"").unwrap();
        let message = answer.body.find(&said).unwrap_or_else(|| panic!("{said} in {}", answer.body));
        assert!(message > field && message - field < 400, "the message follows its field");
        assert!(answer.body.contains(&format!("<html lang=\"{code}\"")));

        let token = owner.token("/settings/users");
        let answer = owner
            .post("/settings/users", &[("csrf", &token), ("user", "eve"), ("role", "cashier"), ("password", "short")]);
        assert_eq!(answer.status, 422);
        let said = rempart_i18n::message(
            &rempart_store::StoreError::User(rempart_domain::users::UserError::PasswordTooShort {
                min: rempart_domain::users::PASSWORD_CHARS_MIN,
            }),
            lang,
        );
        assert!(answer.body.contains(&said), "{said}");
    }
    assert_eq!(site.events(), before);
}

/// An owner gives access from the settings page; the new person logs in with the role given, and
/// the grant names the owner who gave it.
#[test]
fn an_owner_gives_access_and_the_new_person_logs_in_with_that_role() {
    let site = Site::new();
    let mut owner = site.logged_in(Role::Owner);
    let token = owner.token("/settings/users");
    let answer = owner
        .post("/settings/users", &[("csrf", &token), ("user", "Lena"), ("role", "accountant"), ("password", PASSWORD)]);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let list = owner.get("/settings/users").body;
    assert!(list.contains("\">Lena</a></td><td>Accountant</td><td>owner</td>"), "{list}");
    let mut lena = site.client();
    let answer = lena.log_in("lena", PASSWORD);
    assert_eq!(answer.location.as_deref(), Some("/dashboard"));
    assert_eq!(lena.get("/settings/users").status, 403);
}

/// Issue 20's review: after a login the app goes only to one of its own pages, whatever `next`
/// says; a password too long for any person is refused as a wrong one (no name told apart).
#[test]
fn a_login_goes_nowhere_else_and_tells_no_names_apart() {
    let site = Site::new();
    for next in ["//evil.example/x", "/\\evil.example", "/\t/evil.example/login", "https://evil.example", "/%0d%0aX: y"]
    {
        let mut client = site.client();
        let token = client.token("/login");
        let answer =
            client.post("/login", &[("csrf", &token), ("user", "owner"), ("password", PASSWORD), ("next", next)]);
        assert_eq!(answer.status, 303, "{next:?}");
        let location = answer.location.unwrap();
        assert!(
            location == "/dashboard" || (location.starts_with('/') && !location.starts_with("//")),
            "{next:?}: {location}"
        );
        assert!(!location.contains("evil") || location.starts_with("/%"), "{next:?}: {location}");
    }
    let mut client = site.client();
    let long = "x".repeat(2000);
    let known = client.log_in("owner", &long);
    let unknown = client.log_in("nobody", &long);
    assert_eq!((known.status, unknown.status), (401, 401));
    let refused = Lang::En.text("err.user.login_refused");
    assert!(known.body.contains(refused) && unknown.body.contains(refused));
}

/// Issue 20's review: a request naming another host (a site pointed at this machine) or a form
/// posted from another origin is refused; every answer tells caches and frames to stay away; a
/// HEAD is its GET's.
#[test]
fn the_app_answers_only_its_own_site_with_its_headers() {
    let site = Site::new();
    // A raw request, since HTTP clients write the Host header themselves.
    let status_for_host = |host: &str| {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(site.addr()).unwrap();
        write!(stream, "GET /login HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer.split(' ').nth(1).unwrap().parse::<u16>().unwrap()
    };
    assert_eq!(status_for_host("evil.example"), 403);
    assert_eq!(status_for_host("evil.example:8080"), 403);
    assert_eq!(status_for_host("localhost:8080"), 200);
    assert_eq!(status_for_host("[::1]:8080"), 200);
    assert_eq!(status_for_host(&site.addr().to_string()), 200);
    let mut owner = site.logged_in(Role::Owner);
    let token = owner.token("/contacts/new");
    let posted = owner.post_with("/contacts", &[("csrf", &token), ("name", "X")], &[("origin", "http://evil.example")]);
    assert_eq!(posted.status, 403);
    let own = format!("http://{}", site.addr());
    let posted = owner.post_with("/contacts", &[("csrf", &token), ("name", "Marie Rochat")], &[("origin", &own)]);
    assert_eq!(posted.status, 303);

    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let head = agent.head(&format!("http://{}/healthz", site.addr())).call().unwrap();
    assert_eq!(head.status(), 200);
    let page = agent.get(&format!("http://{}/login", site.addr())).call().unwrap();
    let header = |name: &str| page.headers().get(name).map(|value| value.to_str().unwrap().to_owned());
    assert_eq!(header("cache-control").as_deref(), Some("no-store"));
    assert!(header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
}

/// Reports are shown in the company's formats and served as CSV, the command line's CSV.
#[test]
fn a_report_is_shown_and_downloaded_as_csv() {
    let site = Site::new();
    let mut owner = site.logged_in(Role::Owner);
    owner.lang = "de";
    let page = owner.get("/reports?kind=trial-balance&from=01.01.2026&to=31.12.2026");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(Lang::De.text("web.report.csv")));
    let csv = owner.get("/reports/csv?kind=trial-balance&from=01.01.2026&to=31.12.2026");
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("account,"), "{}", csv.body);
    // The payments received (issue 23), over the period asked, in the company's formats.
    let payments = owner.get("/reports?kind=payments&from=01.02.2026&to=28.02.2026");
    assert_eq!(payments.status, 200, "{}", payments.body);
    assert!(payments.body.contains("Zahlungseingänge vom 01.02.2026 bis 28.02.2026"), "{}", payments.body);
    let refused = owner.get("/reports?kind=ledger&from=31.02.2026");
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains(Lang::De.text("web.report.account_needed")));
    // Issue 23: a period typed backwards is refused next to its end, on reports and invoices.
    let reversed = rempart_domain::locale::ReversedPeriod {
        from: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        to: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        locale: rempart_domain::Locale::Swiss,
    }
    .speak(Lang::De);
    let backwards = owner.get("/reports?kind=trial-balance&from=31.12.2026&to=01.01.2026");
    assert_eq!(backwards.status, 422);
    assert!(backwards.body.contains(&reversed), "{}", backwards.body);
    let invoices = owner.get("/invoices?from=31.12.2026&to=01.01.2026");
    assert!(invoices.body.contains(&reversed), "{}", invoices.body);
}

/// A company with its owner, connected to a hub of its own served on loopback: the directory,
/// the node's data directory, the open store, the hub's server and address.
fn connected() -> (tempfile::TempDir, std::path::PathBuf, Store, rempart_hub::http::Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node");
    let mut store = Store::init(&path, "Garage Test Sàrl", Country::Ch, 1).unwrap();
    store.add_user("owner", Role::Owner, PASSWORD, None).unwrap();
    let objects = Arc::new(rempart_hub::DirStore::open(&dir.path().join("hub")).unwrap());
    let hub = Arc::new(rempart_hub::Hub::new(objects, rempart_hub::Limits::default()).with_open_signup());
    let server =
        rempart_hub::http::spawn("127.0.0.1:0".parse().unwrap(), hub, rempart_hub::http::ServerLimits::default())
            .unwrap();
    let url = format!("http://{}", server.addr);
    let mut random = rempart_node::system_random;
    let mut env = rempart_node::Env { clock: rempart_store::Clock::System, random: &mut random };
    let mut transport = rempart_node::Http::new(&url).unwrap();
    rempart_node::Session::connect(&mut store, &url, &mut transport, &mut env).unwrap();
    (dir, path, store, server, url)
}

/// The app keeps serving while the hub is down: pages open and forms record, and the dashboard
/// says since when the hub has been out of reach (as a sync found it).
#[test]
fn the_app_keeps_serving_while_the_hub_is_down_and_says_since_when() {
    let (_dir, path, mut store, server, url) = connected();
    let mut random = rempart_node::system_random;
    let mut env = rempart_node::Env { clock: rempart_store::Clock::System, random: &mut random };
    let mut transport = rempart_node::Http::new(&url).unwrap();
    server.stop();
    let mut session = rempart_node::Session::open(&store).unwrap();
    let refused = session.sync(&mut store, &mut transport, &mut env);
    assert!(matches!(refused, Err(rempart_node::NodeError::Unreachable(_))), "{refused:?}");
    let since: u64 = store.sync_setting("offline_since_ms").unwrap().unwrap().parse().unwrap();
    drop(store);

    let running = rempart_web::start(Config::new(&path, "127.0.0.1:0".parse().unwrap())).unwrap();
    let mut owner = Client::new(running.addr);
    owner.lang = "fr";
    assert_eq!(owner.log_in("owner", PASSWORD).status, 303);
    let dashboard = owner.get("/dashboard");
    assert_eq!(dashboard.status, 200);
    // On the company's clocks (Central European Time).
    let when = rempart_domain::Locale::Swiss.local_time(since);
    let said = Lang::Fr.fill(
        "web.health.offline",
        &[("hub", &url), ("since", &format!("{} {}", when.format("%d.%m.%Y"), when.format("%H:%M")))],
    );
    assert!(dashboard.body.contains(&said), "{said} in {}", dashboard.body);
    let token = owner.token("/contacts/new");
    assert_eq!(owner.post("/contacts", &[("csrf", &token), ("name", "Client hors ligne")]).status, 303);
    assert!(owner.get("/contacts?q=hors").body.contains("Client hors ligne"));
    assert_eq!(owner.get("/invoices").status, 200);
    running.stop();
}

/// A stand-in for a hub that answers its health check and holds every other request, its
/// connection open and unanswered, until the test shuts it: each held connection is handed over
/// on the channel as it arrives.
fn stuck_hub() -> (String, std::sync::mpsc::Receiver<std::net::TcpStream>) {
    use std::io::{BufRead, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (held, holding) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let held = held.clone();
            std::thread::spawn(move || {
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                reader.read_line(&mut first).unwrap();
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap() > 2 {
                    line.clear();
                }
                if first.starts_with("GET /healthz ") {
                    let mut stream = stream;
                    stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").unwrap();
                } else {
                    // The test may be over already: nobody to hand it to.
                    let _ = held.send(stream);
                }
            });
        }
    });
    (url, holding)
}

/// A sync waiting on a hub that does not answer holds nothing the pages need: while it waits,
/// the dashboard is served and a form records; once the hub's connection drops, the person who
/// asked is told why, and so is the dashboard.
#[test]
fn the_pages_are_served_while_a_sync_waits_on_the_hub() {
    let (_dir, path, store, _server, _url) = connected();
    let (stuck, holding) = stuck_hub();
    rempart_node::Session::open(&store).unwrap().set_hub(&store, &stuck).unwrap();
    drop(store);
    let running = rempart_web::start(Config::new(&path, "127.0.0.1:0".parse().unwrap())).unwrap();
    let mut owner = Client::new(running.addr);
    owner.lang = "fr";
    assert_eq!(owner.log_in("owner", PASSWORD).status, 303);
    let token = owner.token("/dashboard");
    let mut asking = Client::new(running.addr);
    asking.lang = "fr";
    asking.cookies = owner.cookies.clone();
    let sync = std::thread::spawn(move || asking.post("/sync", &[("csrf", &token), ("back", "/dashboard")]));
    // The sync's first request has reached the hub, which holds it.
    let held = holding.recv().unwrap();
    let dashboard = owner.get("/dashboard");
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    let token = owner.token("/contacts/new");
    assert_eq!(owner.post("/contacts", &[("csrf", &token), ("name", "Client pendant la synchro")]).status, 303);
    assert!(owner.get("/contacts?q=synchro").body.contains("Client pendant la synchro"));
    assert!(!sync.is_finished(), "the sync still waits on the hub");
    held.shutdown(std::net::Shutdown::Both).unwrap();
    let answer = sync.join().unwrap();
    assert_eq!(answer.status, 409, "{}", answer.body);
    let said = answer.body.split("role=\"alert\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(!said.is_empty());
    assert!(owner.get("/dashboard").body.contains(&said), "{said}");
    running.stop();
}

/// An item added from the catalogue page, its price typed as the company writes amounts; a bad
/// price refused next to its field, in the page's language, and nothing recorded.
#[test]
fn an_item_is_added_from_the_catalogue_page() {
    let site = Site::new();
    let mut owner = site.logged_in(Role::Owner);
    owner.lang = "de";
    let before = site.events();
    let token = owner.token("/catalogue");
    let form = |price: &'static str| {
        [("code", "MO"), ("label", "Arbeit"), ("unit", "h"), ("price", price), ("vat", "N81"), ("account", "3400")]
    };
    let mut refused: Vec<(&str, &str)> = vec![("csrf", &token)];
    refused.extend(form("12,50"));
    let answer = owner.post("/catalogue", &refused);
    assert_eq!(answer.status, 422);
    let field = answer.body.find("id=\"field-price\"").unwrap();
    let message = answer.body.find("role=\"alert\"").unwrap();
    assert!(message > field, "the message follows the price field");
    assert_eq!(site.events(), before);
    let mut added: Vec<(&str, &str)> = vec![("csrf", &token)];
    added.extend(form("1'250.00"));
    assert_eq!(owner.post("/catalogue", &added).status, 303);
    let list = owner.get("/catalogue").body;
    assert!(list.contains("<th scope=\"row\">MO</th><td>Arbeit</td><td>h</td>"), "{list}");
    assert!(list.contains("1&#39;250.00") || list.contains("1'250.00"), "the price as the company writes it");
    // Issue 23: an item with its label in French and English (the customers' languages), shown
    // under its own; a label too long refused with nothing recorded.
    let before = site.events();
    let long = "x".repeat(201);
    let too_long = owner.post(
        "/catalogue",
        &[
            ("csrf", &token),
            ("code", "FILTRE"),
            ("label", "Ölfilter"),
            ("price", "18.35"),
            ("vat", "N81"),
            ("account", "3200"),
            ("label_fr", &long),
        ],
    );
    assert_eq!(too_long.status, 422);
    assert_eq!(site.events(), before, "neither the item nor its labels");
    let translated = [
        ("csrf", token.as_str()),
        ("code", "FILTRE"),
        ("label", "Ölfilter"),
        ("price", "18.35"),
        ("vat", "N81"),
        ("account", "3200"),
        ("label_fr", "Filtre à huile"),
        ("label_en", "Oil filter"),
    ];
    assert_eq!(owner.post("/catalogue", &translated).status, 303);
    let list = owner.get("/catalogue").body;
    assert!(list.contains("<small lang=\"en\">en: Oil filter</small>"), "{list}");
    assert!(list.contains("<small lang=\"fr\">fr: Filtre à huile</small>"), "{list}");
}

/// Listening beyond this machine without TLS is refused, and nothing is served.
#[test]
fn serving_beyond_loopback_needs_tls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node");
    drop(Store::init(&path, "Garage Test Sàrl", Country::Ch, 1).unwrap());
    let refused = rempart_web::start(Config::new(&path, "0.0.0.0:0".parse().unwrap()));
    assert!(matches!(refused, Err(rempart_web::WebError::TlsNeeded { .. })));
}

/// The id in the first link or form action of `page` that starts with `prefix` and ends at
/// `end` (`/bills/` … `"`).
fn id_after<'a>(page: &'a str, prefix: &str, end: char) -> &'a str {
    let start = page.find(prefix).unwrap_or_else(|| panic!("{prefix} in {page}")) + prefix.len();
    let rest = &page[start..];
    &rest[..rest.find(end).unwrap()]
}

/// A supplier bill recorded from the bills page (the supplier picked by name, the amounts typed
/// as the company writes them), then paid in two parts from its own page; a bad amount or a
/// payment beyond what is open is refused next to its field and records nothing.
#[test]
fn a_supplier_bill_is_recorded_and_paid_from_its_pages() {
    let site = Site::new();
    let mut accountant = site.logged_in(Role::Accountant);
    accountant.lang = "fr";
    let token = accountant.token("/bills");
    let bill = |net: &'static str| {
        [
            ("supplier", "Jean Favre"),
            ("reference", "2026-4711"),
            ("date", "05.03.2026"),
            ("due", "04.04.2026"),
            ("account_1", "4000"),
            ("net_1", net),
            ("vat_1", "IN81"),
            ("text_1", "Plaquettes"),
        ]
    };
    let before = site.events();
    let mut refused = vec![("csrf", token.as_str())];
    refused.extend(bill("12,5x"));
    let answer = accountant.post("/bills", &refused);
    assert_eq!(answer.status, 422);
    let field = answer.body.find("id=\"field-net_1\"").unwrap();
    let message = answer.body.find("role=\"alert\"").unwrap();
    assert!(message > field, "the message follows the amount's field");
    assert_eq!(site.events(), before);

    let mut recorded = vec![("csrf", token.as_str())];
    recorded.extend(bill("200.00"));
    let answer = accountant.post("/bills", &recorded);
    assert_eq!((answer.status, answer.location.as_deref()), (303, Some("/bills")), "{}", answer.body);
    let list = accountant.get("/bills").body;
    let id = id_after(&list, "href=\"/bills/", '"').to_owned();
    assert!(list.contains("2026-4711") && list.contains("Jean Favre"), "{list}");
    // Due on 4 April, unpaid on the test's day (28 May): overdue.
    assert!(list.contains(Lang::Fr.text("web.status.overdue")), "{list}");
    // The same reference again from the same supplier is refused next to the reference.
    let again = accountant.post("/bills", &recorded);
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(again.body.find("role=\"alert\"").unwrap() > again.body.find("id=\"field-reference\"").unwrap());

    let page = format!("/bills/{id}");
    let token = accountant.token(&page);
    let paid = site.events();
    let too_much = accountant.post(&format!("{page}/pay"), &[("csrf", &token), ("amount", "10'000.00")]);
    assert_eq!(too_much.status, 422);
    assert!(
        too_much.body.find("role=\"alert\"").unwrap() > too_much.body.find("id=\"pay-amount\"").unwrap(),
        "{}",
        too_much.body
    );
    assert_eq!(site.events(), paid);
    let part =
        accountant.post(&format!("{page}/pay"), &[("csrf", &token), ("amount", "50.00"), ("date", "10.04.2026")]);
    assert_eq!(part.status, 303, "{}", part.body);
    let shown = accountant.get(&page).body;
    assert!(shown.contains("50.00"), "{shown}");
    // The rest: the amount left empty pays what is open.
    assert_eq!(accountant.post(&format!("{page}/pay"), &[("csrf", &token), ("date", "20.04.2026")]).status, 303);
    let shown = accountant.get(&page).body;
    assert!(shown.contains(Lang::Fr.text("web.status.paid")), "{shown}");
    // A cashier sees no bills.
    assert_eq!(site.logged_in(Role::Cashier).get(&page).status, 403);
    // An unknown bill is a page that says so.
    assert_eq!(accountant.get("/bills/no-such-bill").status, 404);
}

/// A journal entry typed in the form (balanced postings, amounts as the company writes them),
/// listed with the person who recorded it, then reversed; an unbalanced one is refused with
/// nothing recorded.
#[test]
fn a_journal_entry_is_recorded_listed_with_its_author_and_reversed() {
    let site = Site::new();
    let mut accountant = site.logged_in(Role::Accountant);
    accountant.lang = "de";
    let token = accountant.token("/journal");
    let entry = |credit: &'static str| {
        [
            ("date", "02.05.2026"),
            ("text", "Bareinlage"),
            ("account_1", "1000"),
            ("debit_1", "1'000.00"),
            ("account_2", "2800"),
            ("credit_2", credit),
        ]
    };
    let before = site.events();
    let mut unbalanced = vec![("csrf", token.as_str())];
    unbalanced.extend(entry("999.00"));
    let answer = accountant.post("/journal", &unbalanced);
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("role=\"alert\""));
    assert!(answer.body.contains("<html lang=\"de\""));
    assert_eq!(site.events(), before);

    let mut balanced = vec![("csrf", token.as_str())];
    balanced.extend(entry("1'000.00"));
    let answer = accountant.post("/journal", &balanced);
    assert_eq!((answer.status, answer.location.as_deref()), (303, Some("/journal")), "{}", answer.body);
    let list = accountant.get("/journal").body;
    assert!(list.contains("Bareinlage") && list.contains("<td>accountant</td>"), "{list}");
    let id = id_after(&list, "action=\"/journal/", '/').to_owned();
    let token = accountant.token("/journal");
    let bad_date = accountant.post(&format!("/journal/{id}/reverse"), &[("csrf", &token), ("date", "31.02.2026")]);
    assert_eq!(bad_date.status, 422);
    let reversed = site.events();
    assert_eq!(
        accountant.post(&format!("/journal/{id}/reverse"), &[("csrf", &token), ("date", "03.05.2026")]).status,
        303
    );
    assert!(site.events() > reversed);
    let list = accountant.get("/journal").body;
    assert!(list.contains(Lang::De.text("web.entry.is_reversal")), "{list}");
    assert!(!list.contains(&format!("action=\"/journal/{id}/reverse\"")), "a reversed entry is not offered again");
    // Reversed twice: refused, nothing recorded.
    let twice = site.events();
    let answer = accountant.post(&format!("/journal/{id}/reverse"), &[("csrf", &token), ("date", "04.05.2026")]);
    assert_eq!(answer.status, 422);
    assert_eq!(site.events(), twice);
}

/// The company's details typed on the settings page, kept, and a bad one refused next to its
/// field.
#[test]
fn the_company_details_are_set_from_the_settings_page() {
    let site = Site::new();
    let mut accountant = site.logged_in(Role::Accountant);
    accountant.lang = "fr";
    let token = accountant.token("/settings");
    let before = site.events();
    let bad = accountant.post("/settings/company", &[("csrf", &token), ("iban", "CH00 not an iban")]);
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.find("role=\"alert\"").unwrap() > bad.body.find("id=\"field-iban\"").unwrap());
    assert_eq!(site.events(), before);
    let saved = accountant.post("/settings/company", &[("csrf", &token), ("town", "Gland"), ("postcode", "1196")]);
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = accountant.get("/settings").body;
    assert!(page.contains("value=\"Gland\"") && page.contains("value=\"1196\""), "{page}");
    assert!(page.contains(Lang::Fr.text("web.vat_method.none")), "{page}");

    // Issue 23: the net tax rate method set from the same page (a Swiss company), a bad rate
    // refused beside the form as typed; the VAT return then follows that method's form.
    let before = site.events();
    let form = |rate: &'static str| {
        [
            ("csrf", token.as_str()),
            ("method", "net"),
            ("from", "01.01.2026"),
            ("rate", rate),
            ("second_rate", ""),
            ("second_accounts", ""),
        ]
    };
    let refused = accountant.post("/settings/vat-method", &form("25"));
    assert_eq!(refused.status, 422, "{}", refused.body);
    let why = rempart_domain::vat::VatMethodError::BadRate { rate_bp: 2500 }.speak(Lang::Fr);
    assert!(refused.body.contains(&why) && refused.body.contains("value=\"25\""), "{}", refused.body);
    let without_rate = accountant.post(
        "/settings/vat-method",
        &[
            ("csrf", &token),
            ("method", "net"),
            ("from", "01.01.2026"),
            ("rate", "6.2"),
            ("second_rate", ""),
            ("second_accounts", "3200"),
        ],
    );
    assert_eq!(without_rate.status, 422, "accounts typed without their rate are not dropped");
    assert!(without_rate.body.contains(&rempart_domain::vat::VatMethodError::AccountsWithoutRate.speak(Lang::Fr)));
    assert_eq!(site.events(), before, "a refused method records nothing");
    assert_eq!(accountant.post("/settings/vat-method", &form("6.2")).status, 303);
    let page = accountant.get("/settings").body;
    assert!(page.contains("dès le 01.01.2026 : le taux de la dette fiscale nette de 6.20 %"), "{page}");
    let vat = accountant.get("/reports?kind=vat&from=01.01.2026&to=31.03.2026").body;
    assert!(
        vat.contains("Décompte TVA selon la méthode des taux de la dette fiscale nette") && vat.contains(">322<"),
        "{vat}"
    );
}

/// The owner invites a device from the settings page: the code is shown as text and as a QR
/// code, with the invoice series chosen; a series already held is refused next to its field; the
/// device joins with the code and numbers its invoices in its series; the owner revokes it from
/// the same page.
#[test]
fn the_owner_invites_a_device_with_its_series_and_revokes_it() {
    let (dir, path, store, server, url) = connected();
    let mut random = rempart_node::system_random;
    let mut env = rempart_node::Env { clock: rempart_store::Clock::System, random: &mut random };
    let mut transport = rempart_node::Http::new(&url).unwrap();
    drop(store);

    let running = rempart_web::start(Config::new(&path, "127.0.0.1:0".parse().unwrap())).unwrap();
    let mut owner = Client::new(running.addr);
    owner.lang = "fr";
    assert_eq!(owner.log_in("owner", PASSWORD).status, 303);
    let token = owner.token("/settings/devices");
    let bad = owner.post("/settings/devices/invite", &[("csrf", &token), ("series", "B B")]);
    assert_eq!(bad.status, 422);
    assert!(bad.body.find("role=\"alert\"").unwrap() > bad.body.find("id=\"field-series\"").unwrap(), "{}", bad.body);
    assert!(!bad.body.contains("id=\"invite-code\""));
    let made = owner.post("/settings/devices/invite", &[("csrf", &token), ("series", "B"), ("hours", "2")]);
    assert!(made.body.contains("<svg"), "the code as a QR code: {}", made.body);
    let code = id_after(&made.body, "<code id=\"invite-code\">", '<').to_owned();
    let taken = owner.post("/settings/devices/invite", &[("csrf", &token), ("series", "B")]);
    assert!(taken.body.find("role=\"alert\"").unwrap() > taken.body.find("id=\"field-series\"").unwrap());

    let laptop_dir = dir.path().join("laptop");
    let (laptop, _) = rempart_node::Session::join(&code, &url, &laptop_dir, &mut transport, &mut env).unwrap();
    assert!(
        matches!(laptop.numbering().unwrap(), rempart_store::invoices::Numbering::Prefixed(series) if series == "B")
    );
    let laptop_node = laptop.node().to_hex();
    drop(laptop);
    // The owner's node learns of the new device at its next sync: the button on the page.
    assert!(!owner.get("/settings/devices").body.contains(&laptop_node));
    let synced = owner.post("/sync", &[("csrf", &token), ("back", "/settings/devices")]);
    assert_eq!(synced.location.as_deref(), Some("/settings/devices"), "{}", synced.body);
    let devices = owner.get("/settings/devices").body;
    assert!(!devices.contains(Lang::Fr.text("web.health.never_synced")), "{devices}");
    let revoke = format!("action=\"/settings/devices/{laptop_node}/revoke\"");
    assert!(devices.contains(&revoke), "{devices}");
    let answer = owner.post(&format!("/settings/devices/{laptop_node}/revoke"), &[("csrf", &token)]);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let devices = owner.get("/settings/devices").body;
    assert!(!devices.contains(&revoke) && devices.contains(Lang::Fr.text("web.devices.revoked")), "{devices}");
    running.stop();
    server.stop();
}

/// A sync that cannot be done says why at once, and the dashboard keeps saying it: here the
/// company was never connected to a hub, which retrying cannot mend, so the app also says it
/// stopped syncing by itself.
#[test]
fn a_failed_sync_is_told_on_the_dashboard() {
    let site = Site::new();
    let mut owner = site.logged_in(Role::Owner);
    owner.lang = "de";
    let token = owner.token("/dashboard");
    let answer = owner.post("/sync", &[("csrf", &token), ("back", "/dashboard")]);
    assert_eq!(answer.status, 409, "{}", answer.body);
    let why = rempart_i18n::Speak::speak(&rempart_node::NodeError::NotConnected, Lang::De);
    assert!(answer.body.contains(&why), "{why} in {}", answer.body);
    let dashboard = owner.get("/dashboard").body;
    assert!(dashboard.contains(&why), "{why} in {dashboard}");
    assert!(dashboard.contains(Lang::De.text("web.sync.stopped")), "{dashboard}");
}

/// The dashboard tells what the last verification of the books found, and that none was made
/// before the first.
#[test]
fn the_dashboard_tells_the_last_verification() {
    let site = Site::new();
    let mut owner = site.logged_in(Role::Owner);
    owner.lang = "fr";
    let before = owner.get("/dashboard").body;
    assert!(before.contains(Lang::Fr.text("web.health.never_verified")), "{before}");
    let store = Store::open(&site.dir).unwrap();
    let report = store.verify().unwrap();
    assert!(report.is_ok());
    let last = store.last_verify().unwrap().unwrap();
    assert_eq!((last.events, last.problems), (report.events, 0));
    drop(store);
    let after = owner.get("/dashboard").body;
    assert!(!after.contains(Lang::Fr.text("web.health.never_verified")));
    // The sentence of the catalogue, around the moment (the store's clock, not the app's).
    let said = Lang::Fr.fill("web.health.verified", &[("when", &"\u{1}"), ("events", &report.events)]);
    let (head, tail) = said.split_once('\u{1}').unwrap();
    assert!(after.contains(head) && after.contains(tail), "{said} in {after}");
}

/// A PNG of `width` by `height` pixels, grey.
fn png_of(width: u32, height: u32) -> Vec<u8> {
    let mut file = Vec::new();
    let mut encoder = png::Encoder::new(&mut file, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let pixels = vec![128u8; (width * height) as usize];
    encoder.write_header().and_then(|mut writer| writer.write_image_data(&pixels)).unwrap();
    file
}

/// The logo is set from the settings page with a PNG file, shown there, served to the page, and
/// removed; a file that is not a PNG is refused next to its field, in the page's language, and a
/// form without its token is refused; neither records anything.
#[test]
fn the_logo_is_set_from_the_settings_page_and_removed() {
    let site = Site::new();
    let mut owner = site.logged_in(Role::Owner);
    owner.lang = "de";
    let page = owner.get("/settings").body;
    assert!(page.contains(Lang::De.text("web.company.logo_none")), "{page}");
    let token = owner.token("/settings");
    let before = site.events();
    let refused = owner
        .post_multipart("/settings/logo", &[("csrf", None, token.as_bytes()), ("logo", Some("logo.gif"), b"GIF89a")]);
    assert_eq!(refused.status, 422, "{}", refused.body);
    let field = refused.body.find("id=\"field-logo\"").unwrap();
    let message = refused.body.find("role=\"alert\"").unwrap();
    assert!(message > field, "the message follows the file's field");
    let why = rempart_i18n::Speak::speak(&rempart_docs::Logo::from_png(b"GIF89a").unwrap_err(), Lang::De);
    assert!(refused.body.contains(&why), "{why} in {}", refused.body);
    let png = png_of(300, 100);
    let forged =
        owner.post_multipart("/settings/logo", &[("csrf", None, b"not-the-token"), ("logo", Some("logo.png"), &png)]);
    assert_eq!(forged.status, 403);
    assert_eq!(site.events(), before, "nothing recorded");
    let set =
        owner.post_multipart("/settings/logo", &[("csrf", None, token.as_bytes()), ("logo", Some("logo.png"), &png)]);
    assert_eq!((set.status, set.location.as_deref()), (303, Some("/settings")), "{}", set.body);
    let page = owner.get("/settings").body;
    assert!(page.contains("src=\"/settings/logo\""), "{page}");
    assert_eq!(owner.get_bytes("/settings/logo"), (200, "image/png".to_owned(), png));
    let token = owner.token("/settings");
    assert_eq!(owner.post("/settings/logo/remove", &[("csrf", &token)]).status, 303);
    assert_eq!(owner.get_bytes("/settings/logo").0, 404);
    assert!(owner.get("/settings").body.contains(Lang::De.text("web.company.logo_none")));
}

/// Issue 20: an owner gives a person another role with a new password, or takes their access
/// away, from the person's page; a person changes their own password from theirs. Each change
/// ends the sessions opened before it (but the one that changed its own password), the old
/// password no longer opens, and a refused form records nothing.
#[test]
fn people_are_changed_and_removed_from_their_pages_and_their_sessions_end() {
    use rempart_domain::users::UserError;
    use rempart_i18n::Speak;
    let site = Site::new();
    let id_of = |name: &str| Store::open(&site.dir).unwrap().user_by_name(name).unwrap().unwrap().id;
    let (cashier, mechanic, owner_id) = (id_of("cashier"), id_of("mechanic"), id_of("owner"));
    let mut owner = site.logged_in(Role::Owner);
    let mut cashier_session = site.logged_in(Role::Cashier);
    assert_eq!(cashier_session.get("/me").status, 200);

    // The owner's page of the cashier: the change and the removal, each with its token.
    let page = owner.get(&format!("/settings/users/{cashier}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains(Lang::En.text("web.users.change_title")), "{}", page.body);
    assert!(page.body.contains(&format!("action=\"/settings/users/{cashier}/remove\"")));
    let token = token_of(&page.body).unwrap();
    let before = site.events();
    let short = owner.post(
        &format!("/settings/users/{cashier}"),
        &[("csrf", &token), ("role", "accountant"), ("password", "short")],
    );
    assert_eq!(short.status, 422);
    let too_short = UserError::PasswordTooShort { min: rempart_domain::users::PASSWORD_CHARS_MIN }.speak(Lang::En);
    assert!(short.body.contains(&too_short), "{}", short.body);
    assert_eq!(site.events(), before, "a refused change records nothing");
    let changed = owner.post(
        &format!("/settings/users/{cashier}"),
        &[("csrf", &token), ("role", "accountant"), ("password", "the accountant's new one")],
    );
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(site.events(), before + 1);
    // The cashier's session is over; the old password no longer opens; the new one opens the
    // accountant's pages.
    let ended = cashier_session.get("/me");
    assert_eq!((ended.status, ended.location.as_deref()), (303, Some("/login?next=%2Fme")));
    assert_eq!(cashier_session.log_in("cashier", PASSWORD).status, 401);
    assert_eq!(cashier_session.log_in("cashier", "the accountant's new one").status, 303);
    assert_eq!(cashier_session.get("/dashboard").status, 200);

    // The mechanic changes their own password in one session: that session goes on, the other ends.
    let mut here = site.logged_in(Role::Mechanic);
    let mut there = site.logged_in(Role::Mechanic);
    let token = here.token("/me");
    let wrong = here
        .post("/me/password", &[("csrf", &token), ("current", "not the password"), ("password", "a new password!")]);
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains(Lang::En.text("web.me.wrong_password")), "{}", wrong.body);
    let before = site.events();
    let done = here.post("/me/password", &[("csrf", &token), ("current", PASSWORD), ("password", "a new password!")]);
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/me?changed=1")), "{}", done.body);
    assert_eq!(site.events(), before + 1);
    let me = here.get("/me?changed=1");
    assert_eq!(me.status, 200);
    assert!(me.body.contains(Lang::En.text("web.me.password_changed")));
    assert_eq!(there.get("/contacts").status, 303, "the other session ended");
    assert_eq!(there.log_in("mechanic", PASSWORD).status, 401);
    assert_eq!(there.log_in("mechanic", "a new password!").status, 303);

    // The owner takes the mechanic's access away: their sessions end, no login opens, the
    // list no longer shows them, and their name is not given again.
    let token = owner.token(&format!("/settings/users/{mechanic}"));
    let removed = owner.post(&format!("/settings/users/{mechanic}/remove"), &[("csrf", &token)]);
    assert_eq!(removed.status, 303, "{}", removed.body);
    assert_eq!(here.get("/contacts").status, 303);
    assert_eq!(here.log_in("mechanic", "a new password!").status, 401);
    let list = owner.get("/settings/users");
    assert!(!list.body.contains(&format!("/settings/users/{mechanic}\"")), "{}", list.body);
    assert_eq!(owner.get(&format!("/settings/users/{mechanic}")).status, 404);
    let token = token_of(&list.body).unwrap();
    let again = owner.post(
        "/settings/users",
        &[("csrf", &token), ("user", "Mechanic"), ("role", "cashier"), ("password", PASSWORD)],
    );
    assert_eq!(again.status, 422);
    let taken = UserError::NameOfRemoved { name: "Mechanic".into() }.speak(Lang::En);
    assert!(again.body.contains(&taken), "{}", again.body);

    // The owner's own page offers no change of their own role or access, and the post is refused.
    let own = owner.get(&format!("/settings/users/{owner_id}"));
    assert!(own.body.contains(Lang::En.text("web.users.own")));
    assert!(!own.body.contains("/remove\""));
    let refused = owner.post(&format!("/settings/users/{owner_id}/remove"), &[("csrf", &token)]);
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains(&UserError::OwnAccess.speak(Lang::En)), "{}", refused.body);
    // Nor a new password of their own without the current one (a stolen session cannot).
    let before = site.events();
    let own_reset = owner.post(
        &format!("/settings/users/{owner_id}"),
        &[("csrf", &token), ("role", "owner"), ("password", "chosen by a thief")],
    );
    assert_eq!(own_reset.status, 422);
    assert!(own_reset.body.contains(&UserError::OwnAccess.speak(Lang::En)), "{}", own_reset.body);
    assert_eq!(site.events(), before);
    assert_eq!(owner.get("/settings/users").status, 200, "the owner keeps their session");
}

/// The dashboard counts forks and conflicts: the first time as it is served; then, once events
/// were added, it shows the last count at once, says so, and a thread of its own counts again.
#[test]
fn the_dashboard_counts_conflicts_without_making_a_page_wait() {
    let site = Site::new();
    let mut owner = site.logged_in(Role::Owner);
    let said = |conflicts: usize| {
        Lang::En.fill("web.health.forks_conflicts", &[("forks", &0usize), ("conflicts", &conflicts)])
    };
    let again = Lang::En.text("web.health.counting_again");
    let first = owner.get("/dashboard").body;
    assert!(first.contains(&said(0)) && !first.contains(again), "{first}");
    // Two customers with one VAT number: a conflict for a person to look at.
    let mut store = Store::open(&site.dir).unwrap();
    for name in ["Garage Alpha", "Garage Beta"] {
        let fields = [("name", name), ("vat_number", "CHE-116.281.710")];
        store
            .create_contact(None, fields.map(|(field, value)| (field.to_owned(), Some(value.to_owned()))).into())
            .unwrap();
    }
    let held = rempart_web::events_held(&store).unwrap();
    assert_eq!(store.conflicts().unwrap().len(), 1);
    drop(store);
    let stale = owner.get("/dashboard").body;
    assert!(stale.contains(&said(0)) && stale.contains(again), "{stale}");
    let count = site.running.counting.wait_for(held, std::time::Duration::from_secs(120));
    assert_eq!(count, Some((held, 0, 1)));
    let fresh = owner.get("/dashboard").body;
    assert!(fresh.contains(&said(1)) && !fresh.contains(again), "{fresh}");
}

/// Issue 20: an invoice's life from its pages, beyond the browser's garage cycle: lines added,
/// changed and removed on a draft, another draft thrown away, the invoice issued and its PDF,
/// credited in part then in whole, and the list narrowed by status, customer and period at each
/// step.
#[test]
fn an_invoice_is_corrected_issued_credited_and_listed_by_status_from_its_pages() {
    let site = Site::new();
    // The company's address and QR-IBAN, which a Swiss invoice's QR-bill carries.
    let details = [
        ("street", "Route de Genève"),
        ("building_number", "12"),
        ("postcode", "1110"),
        ("town", "Morges"),
        ("qr_iban", "CH44 3199 9123 0008 8901 2"),
    ];
    let mut store = Store::open(&site.dir).unwrap();
    // A customer with the address a QR-bill names.
    let customer = [
        ("name", "Marie Rochat"),
        ("street", "Rue du Lac"),
        ("postcode", "1196"),
        ("town", "Gland"),
        ("vehicle.1.plate", "VD 5"),
    ];
    store
        .create_contact(None, customer.map(|(field, value)| (field.to_owned(), Some(value.to_owned()))).into())
        .unwrap();
    // No account yet: the QR-bill could not be printed.
    store.set_company_details([("qr_iban".to_owned(), None)].into()).unwrap();
    drop(store);
    let mut owner = site.logged_in(Role::Owner);
    let token = owner.token("/invoices/new");
    let post = |owner: &mut Client, path: &str, fields: &[(&str, &str)]| {
        let mut form = vec![("csrf", token.as_str())];
        form.extend_from_slice(fields);
        let answer = owner.post(path, &form);
        assert_eq!(answer.status, 303, "{path}: {}", answer.body);
        answer.location.unwrap()
    };
    // A draft for the customer picked by name; lines: two added, the first changed, the second
    // removed.
    let draft = post(&mut owner, "/invoices", &[("customer", "Marie Rochat"), ("date", "04.05.2026")]);
    let incomplete =
        owner.post(&format!("{draft}/lines"), &[("csrf", &token), ("text", "Vidange"), ("price", "90.00")]);
    assert_eq!(incomplete.status, 422);
    assert!(incomplete.body.contains(Lang::En.text("web.line.incomplete")), "{}", incomplete.body);
    post(
        &mut owner,
        &format!("{draft}/lines"),
        &[("text", "Vidange"), ("qty", "1"), ("price", "90.00"), ("vat", "N81"), ("account", "3400")],
    );
    post(
        &mut owner,
        &format!("{draft}/lines"),
        &[("text", "Ligne de trop"), ("qty", "2"), ("price", "5.00"), ("vat", "N81"), ("account", "3400")],
    );
    post(
        &mut owner,
        &format!("{draft}/lines/1"),
        &[
            ("text", "Vidange complète"),
            ("qty", "1"),
            ("unit", "h"),
            ("price", "100.00"),
            ("vat", "N81"),
            ("account", "3400"),
        ],
    );
    post(&mut owner, &format!("{draft}/lines/2/remove"), &[]);
    let page = owner.get(&draft).body;
    assert!(page.contains("Vidange complète") && !page.contains("Ligne de trop"), "{page}");
    // Issue 23: the quantity shown with its unit.
    assert!(page.contains("<td class=\"num\">1 h</td>"), "{page}");
    // A comment line: its own form, shown across the line's columns, summing to nothing.
    let empty = owner.post(&format!("{draft}/lines"), &[("csrf", &token), ("comment", "1"), ("text", " ")]);
    assert_eq!(empty.status, 422);
    post(&mut owner, &format!("{draft}/lines"), &[("comment", "1"), ("text", "Véhicule VD 12345")]);
    let page = owner.get(&draft).body;
    assert!(page.contains("<td class=\"comment\" colspan=\"6\">Véhicule VD 12345</td>"), "{page}");
    post(&mut owner, &format!("{draft}/lines/2"), &[("comment", "1"), ("text", "Véhicule VD 54321")]);
    assert!(owner.get(&draft).body.contains(">Véhicule VD 54321</td>"));
    post(&mut owner, &format!("{draft}/lines/2/remove"), &[]);
    // Another draft for the same customer, thrown away.
    let second = post(&mut owner, "/invoices", &[("customer", "Marie Rochat"), ("date", "05.05.2026")]);
    assert!(second.starts_with("/invoices/") && second != draft, "{second}");
    post(&mut owner, &format!("{second}/discard"), &[]);
    let drafts = owner.get("/invoices?status=draft").body;
    assert!(
        drafts.contains(&format!("href=\"{draft}\"")) && !drafts.contains(&format!("href=\"{second}\"")),
        "{drafts}"
    );

    // Issued: numbered, open, found by customer and period, and its PDF.
    // The car it is for, noted on the draft with its mileage (issue 23); a mileage alone is
    // refused beside its field.
    let alone = owner.post(&format!("{draft}/vehicle"), &[("csrf", &token), ("mileage", "12000")]);
    assert_eq!(alone.status, 422);
    assert!(alone.body.contains("give the plate too"), "{}", alone.body);
    post(&mut owner, &format!("{draft}/vehicle"), &[("vehicle", "vd5"), ("mileage", "12000")]);
    assert!(owner.get(&draft).body.contains("VD 5</a> · 12'000 km"), "the draft names the car");
    // Without the company's account the invoice is not issued: the page says what is missing
    // and where to give it, and nothing is recorded.
    let before = site.events();
    let refused = owner.post(&format!("{draft}/issue"), &[("csrf", &token)]);
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("IBAN or QR-IBAN") && refused.body.contains("Company page"), "{}", refused.body);
    assert_eq!(site.events(), before);
    let mut store = Store::open(&site.dir).unwrap();
    store.set_company_details(details.map(|(field, value)| (field.to_owned(), Some(value.to_owned()))).into()).unwrap();
    drop(store);
    let issued = post(&mut owner, &format!("{draft}/issue"), &[]);
    let number = issued.strip_prefix("/invoices/").unwrap().to_owned();
    assert!(number.starts_with("2026-"), "{number}");
    let listed = |owner: &mut Client, query: &str| owner.get(&format!("/invoices?{query}")).body.contains(&number);
    assert!(listed(&mut owner, "status=open"));
    assert!(!listed(&mut owner, "status=draft") && !listed(&mut owner, "status=paid"));
    assert!(listed(&mut owner, "customer=Marie%20Rochat"));
    assert!(!listed(&mut owner, "customer=Jean%20Favre"));
    assert!(listed(&mut owner, "from=01.05.2026&to=31.05.2026"));
    assert!(!listed(&mut owner, "from=01.06.2026&to=30.06.2026"));
    let (status, kind, pdf) = owner.get_bytes(&format!("{issued}/pdf"));
    assert_eq!((status, kind.as_str()), (200, "application/pdf"), "{}", String::from_utf8_lossy(&pdf));
    assert!(pdf.starts_with(b"%PDF"));

    // Credited: half of its line, then the rest; then it is listed as credited only.
    post(&mut owner, &format!("{issued}/credit"), &[("date", "10.05.2026"), ("line_1", "0.5")]);
    // The credit note is printed from the invoice's page, as it was issued (issue 23).
    let page = owner.get(&issued).body;
    let credit_note = "AV-2026-0001";
    assert!(page.contains(&format!("{issued}/documents/{credit_note}")), "{page}");
    let (status, kind, pdf) = owner.get_bytes(&format!("{issued}/documents/{credit_note}"));
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(owner.get(&format!("{issued}/documents/AV-2026-0099")).status, 404);
    assert!(listed(&mut owner, "status=partly_paid"), "half credited, half still open");
    assert!(!listed(&mut owner, "status=open"));
    // The whole invoice credited again would credit more than remains: refused, nothing recorded.
    let before = site.events();
    let too_much = owner.post(&format!("{issued}/credit"), &[("csrf", &token), ("date", "11.05.2026")]);
    assert_eq!(too_much.status, 422);
    let said = rempart_i18n::Speak::speak(
        &rempart_domain::invoices::InvoiceError::CreditTooLarge { credit: "108.10".into(), remaining: "54.05".into() },
        Lang::En,
    );
    assert!(too_much.body.contains(&said), "{said} in {}", too_much.body);
    assert_eq!(site.events(), before);
    post(&mut owner, &format!("{issued}/credit"), &[("date", "11.05.2026"), ("line_1", "0.5")]);
    assert!(listed(&mut owner, "status=credited"));
    assert!(!listed(&mut owner, "status=open") && !listed(&mut owner, "status=overdue"));
    let page = owner.get(&issued).body;
    assert!(page.matches("AV-2026-").count() >= 2, "both credit notes are shown: {page}");
}

/// A store's till: a jacket in two sizes, one with a barcode; this node bound as till GE1-1.
fn till_site() -> Site {
    Site::with(make_a_till)
}

/// Makes `store` a till: a store, the jacket in two sizes, one with a barcode; bound as GE1-1.
fn make_a_till(store: &mut Store) {
    use rempart_domain::catalogue::ItemDefined;
    use rempart_domain::stock::{Barcode, LocationAdded, LocationKind, SkuDefined};
    {
        store
            .add_location(LocationAdded { code: "GE1".into(), label: "Genève Rive".into(), kind: LocationKind::Store })
            .unwrap();
        // 174.84 net + 8.1 % = 189.00 on the shelf.
        store
            .define_item(ItemDefined {
                code: "JKT".into(),
                label: "Veste laine".into(),
                unit: "pce".into(),
                price_minor: 17_484,
                currency: rempart_domain::Currency::CHF,
                vat_code: "N81".into(),
                account: "3200".into(),
            })
            .unwrap();
        for (sku, barcode) in [("JKT-M", Some("4006381333931")), ("JKT-L", None)] {
            store
                .define_sku(SkuDefined {
                    sku: sku.into(),
                    item: "JKT".into(),
                    barcode: barcode.map(|code| Barcode::parse(code).unwrap()),
                    size: Some(sku[4..].into()),
                    colour: None,
                })
                .unwrap();
        }
        store.bind_till("GE1-1", "GE1").unwrap();
    }
}

/// The basket a till page carries in its hidden field.
fn basket_of(page: &str) -> String {
    let start = page.find("name=\"basket\" value=\"").unwrap() + "name=\"basket\" value=\"".len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// Issue 21: the cashier's screen. A scan, a quantity and a discount typed, an unknown code
/// refused beside the field with the basket kept, a payment short refused, the ticket paid in
/// cash with its change, the receipt as a page and as an 80 mm PDF; the books stay closed to
/// the cashier, and the drawer closes with its difference.
#[test]
fn a_cashier_sells_from_the_till_screen_and_gets_the_receipt() {
    let site = till_site();
    let mut cashier = site.client();
    let landed = cashier.log_in("cashier", PASSWORD);
    assert_eq!(landed.location.as_deref(), Some("/till"), "a cashier lands on the till");
    let screen = cashier.get("/till");
    assert!(screen.body.contains(Lang::En.text("web.till.open")), "{}", screen.body);
    let token = token_of(&screen.body).unwrap();
    assert_eq!(cashier.post("/till/open", &[("csrf", &token), ("float", "200.00")]).status, 303);

    let before = site.events();
    let scan = |cashier: &mut Client, basket: &str, discount: &str, typed: &str| {
        cashier.post("/till/scan", &[("csrf", &token), ("basket", basket), ("discount", discount), ("scan", typed)])
    };
    let first = scan(&mut cashier, "", "", "4006381333931");
    assert_eq!(first.status, 200);
    assert_eq!(basket_of(&first.body), "JKT-M=1");
    let second = scan(&mut cashier, "JKT-M=1", "", "2*JKT-L");
    assert_eq!(basket_of(&second.body), "JKT-M=1,JKT-L=2");
    assert!(second.body.contains("567.00"), "three jackets: {}", second.body);
    let unknown = scan(&mut cashier, "JKT-M=1,JKT-L=2", "", "NOPE");
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("id=\"field-scan-error\""), "{}", unknown.body);
    assert_eq!(basket_of(&unknown.body), "JKT-M=1,JKT-L=2", "the basket is kept");
    let discounted = scan(&mut cashier, "JKT-M=1,JKT-L=2", "", "-10%");
    assert!(discounted.body.contains("510.30"), "{}", discounted.body);
    assert_eq!(site.events(), before, "nothing is recorded before the ticket is paid");
    // A quick key (Alt+1 to Alt+9: the browser presses the button of that access key) adds its
    // item, whatever the scan field holds.
    let first_key = discounted.body.split("accesskey=\"1\"").next().and_then(|before| before.rsplit("value=\"").next());
    let quick_sku = first_key.and_then(|rest| rest.split('"').next()).expect("the first quick key's SKU").to_owned();
    let quick = cashier.post(
        "/till/scan",
        &[("csrf", &token), ("basket", "JKT-M=1"), ("discount", ""), ("scan", "NOPE"), ("quick", &quick_sku)],
    );
    assert_eq!(quick.status, 200, "{}", quick.body);
    let quick_basket = basket_of(&quick.body);
    assert!(quick_basket.starts_with("JKT-M=") && quick_basket.contains(&quick_sku), "{quick_basket}");
    assert_eq!(site.events(), before, "a quick key records nothing either");

    let pay = |cashier: &mut Client, cash: &str| {
        cashier
            .post("/till/pay", &[("csrf", &token), ("basket", "JKT-M=1,JKT-L=2"), ("discount", "10%"), ("cash", cash)])
    };
    let short = pay(&mut cashier, "500");
    assert_eq!(short.status, 422);
    assert_eq!(site.events(), before, "a payment short records nothing");
    let paid = pay(&mut cashier, "600");
    assert_eq!(paid.status, 303, "{}", paid.body);
    assert_eq!(paid.location.as_deref(), Some("/till/tickets/GE1-1-000001?sold=1"));
    assert_eq!(site.events(), before + 1);
    let receipt = cashier.get("/till/tickets/GE1-1-000001?sold=1").body;
    for expected in [
        Lang::En.fill("web.till.change", &[("change", &"89.70")]),
        "GE1-1-000001".to_owned(),
        "Genève Rive".to_owned(),
        Lang::En.fill("web.till.vat_included", &[("rate", &"8.10"), ("gross", &"510.30")]),
        "38.24".to_owned(),
    ] {
        assert!(receipt.contains(&expected), "{expected} in {receipt}");
    }
    let (status, kind, pdf) = cashier.get_bytes("/till/tickets/GE1-1-000001/pdf");
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(cashier.get("/till/tickets/GE1-1-000009").status, 404);
    for path in ["/dashboard", "/reports", "/journal", "/contacts", "/catalogue"] {
        assert_eq!(cashier.get(path).status, 403, "{path}");
    }
    // 10.30 taken out of the drawer, with its reason; none without one.
    let no_reason =
        cashier.post("/till/cash", &[("csrf", &token), ("direction", "out"), ("moved", "10.30"), ("reason", " ")]);
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.body.contains("id=\"field-reason-error\""), "{}", no_reason.body);
    let moved = cashier
        .post("/till/cash", &[("csrf", &token), ("direction", "out"), ("moved", "10.30"), ("reason", "Dépôt banque")]);
    assert_eq!((moved.status, moved.location.as_deref()), (303, Some("/till")));
    let closed = cashier.post("/till/close", &[("csrf", &token), ("counted", "700.00")]);
    assert!(
        closed.body.contains(
            &Lang::En
                .fill("web.till.closed", &[("expected", &"700.00"), ("counted", &"700.00"), ("difference", &"0.00")])
        ),
        "{}",
        closed.body
    );
    // The owner reads what the till sold on the reports page, in the company's formats; the
    // cashier may not.
    let mut owner = site.client();
    owner.log_in("owner", PASSWORD);
    let by_method = owner.get("/reports?kind=sales-method");
    assert_eq!(by_method.status, 200, "{}", by_method.body);
    assert!(by_method.body.contains("510.30"), "{}", by_method.body);
    let by_item = owner.get("/reports?kind=sales-item&place=ge1").body;
    assert!(by_item.contains("JKT-L") && by_item.contains("JKT-M"), "{by_item}");
    let stock = owner.get("/reports?kind=stock&place=GE1").body;
    assert!(stock.contains("JKT-L") && stock.contains("-2"), "sold from a store that received none: {stock}");
    for kind in ["sales-store", "sales-day", "sales-rate", "slow-movers", "loyalty", "vouchers", "replenishment"] {
        assert_eq!(owner.get(&format!("/reports?kind={kind}")).status, 200, "{kind}");
    }
    let closures = owner.get("/reports?kind=closures&place=GE1-1");
    assert_eq!(closures.status, 200, "{}", closures.body);
    assert_eq!(cashier.get("/reports?kind=sales-method").status, 403);
}

/// Issue 21: the till is the node's own server, syncing by itself: with its hub gone it sells on,
/// and the ticket is on disk when its receipt shows.
#[test]
fn the_till_sells_while_its_hub_is_down() {
    let (_dir, path, mut store, server, _url) = connected();
    server.stop();
    make_a_till(&mut store);
    drop(store);
    let mut config = Config::new(&path, "127.0.0.1:0".parse().unwrap());
    config.background_sync = true;
    let running = rempart_web::start(config).unwrap();
    let mut owner = Client::new(running.addr);
    assert_eq!(owner.log_in("owner", PASSWORD).status, 303);
    let token = owner.token("/till");
    assert_eq!(owner.post("/till/open", &[("csrf", &token), ("float", "100")]).status, 303);
    let paid = owner.post("/till/pay", &[("csrf", &token), ("basket", "JKT-L=1"), ("card", "189.00")]);
    assert_eq!(paid.location.as_deref(), Some("/till/tickets/GE1-1-000001?sold=1"), "{}", paid.body);
    running.stop();
    let store = Store::open(&path).unwrap();
    let ticket = store.ticket("GE1-1-000001").unwrap().unwrap();
    assert_eq!(ticket.total_minor(), 18_900);
    assert!(store.verify().unwrap().problems.is_empty());
}

/// Issue 21: loyalty vouchers on the till screen. A sale with the customer's card earns its
/// points; the cashier gives a voucher for whole rewards of them (a broken reward refused beside
/// the form), and its slip shows its number and worth; the next sale pays with it, more than is
/// left refused with nothing recorded; the slip then shows nothing left, and the owner's vouchers
/// report lists it.
#[test]
fn a_cashier_gives_a_voucher_for_points_and_the_next_sale_pays_with_it() {
    use rempart_domain::loyalty::{LoyaltyError, RewardKind};
    use rempart_i18n::Speak;
    let mut card = String::new();
    let site = Site::with(|store| {
        make_a_till(store);
        // 100 points give a voucher of 10.00, good for 30 days.
        store
            .set_loyalty_program(rempart_store::loyalty::ProgramInput {
                points_per_unit: 1,
                points_per_item: 0,
                reward_points: 100,
                reward_minor: 1_000,
                expiry_days: 365,
                risk_limit: 0,
                reward_kind: RewardKind::Voucher,
                voucher_days: 30,
            })
            .unwrap();
        let name = BTreeMap::from([("name".to_owned(), Some("Anne Rochat".to_owned()))]);
        let contact = store.create_contact(None, name).unwrap();
        card = store.issue_card(&contact).unwrap();
    });
    let mut cashier = site.logged_in(Role::Cashier);
    let token = token_of(&cashier.get("/till").body).unwrap();
    assert_eq!(cashier.post("/till/open", &[("csrf", &token), ("float", "200.00")]).status, 303);
    // A jacket, 189.00 by card, with the customer's card: 189 points.
    let sold =
        cashier.post("/till/pay", &[("csrf", &token), ("basket", "JKT-M=1"), ("card", "189.00"), ("loyalty", &card)]);
    assert_eq!(sold.status, 303, "{}", sold.body);
    let events = site.events();
    let broken = cashier.post("/till/voucher", &[("csrf", &token), ("loyalty", &card), ("points", "150")]);
    assert_eq!(broken.status, 422);
    let why = LoyaltyError::NotWholeRewards { points: 150, reward_points: 100 }.speak(Lang::En);
    assert!(broken.body.contains(&why), "{}", broken.body);
    assert_eq!(site.events(), events, "a refused voucher records nothing");
    let given = cashier.post("/till/voucher", &[("csrf", &token), ("loyalty", &card), ("points", "100")]);
    assert_eq!(given.status, 303, "{}", given.body);
    let slip_path = given.location.unwrap();
    let number = slip_path.trim_start_matches("/till/vouchers/").to_owned();
    assert!(rempart_domain::loyalty::voucher_valid(&number), "{number}");
    let slip = cashier.get(&slip_path);
    assert_eq!(slip.status, 200);
    assert!(slip.body.contains(&number) && slip.body.contains("id=\"voucher-open\">10.00<"), "{}", slip.body);
    // The next jacket: 20.00 of the voucher refused (10.00 is left), then 10.00 with it and the
    // rest by card.
    let events = site.events();
    let voucher = |amount: &str| format!("{number}:{amount}");
    let too_much = cashier.post(
        "/till/pay",
        &[("csrf", &token), ("basket", "JKT-M=1"), ("voucher", &voucher("20.00")), ("card", "169.00")],
    );
    assert_eq!(too_much.status, 422);
    assert!(too_much.body.contains(&number), "{}", too_much.body);
    assert_eq!(site.events(), events, "a refused payment records nothing");
    let paid = cashier.post(
        "/till/pay",
        &[("csrf", &token), ("basket", "JKT-M=1"), ("voucher", &voucher("10.00")), ("card", "179.00")],
    );
    assert_eq!(paid.status, 303, "{}", paid.body);
    let receipt = cashier.get(paid.location.as_deref().unwrap()).body;
    assert!(receipt.contains(&number) && receipt.contains("179.00"), "{receipt}");
    assert!(cashier.get(&slip_path).body.contains("id=\"voucher-open\">0.00<"));
    assert_eq!(cashier.get("/till/vouchers/990000000000000000").status, 404);
    let mut owner = site.logged_in(Role::Owner);
    let report = owner.get("/reports?kind=vouchers");
    assert_eq!(report.status, 200);
    assert!(report.body.contains(&number), "{}", report.body);
    // The card's points ledger: earned on the first ticket, 100 spent for the voucher (keyed
    // by its number), 89 left; asked with no card, the field says what is missing.
    let ledger = owner.get(&format!("/reports?kind=loyalty-card&card={card}"));
    assert_eq!(ledger.status, 200);
    let rows: Vec<&str> = ledger.body.split("<tr>").skip(2).collect();
    assert!(
        rows[0].contains("Earned") && rows[0].contains("GE1-1-000001") && rows[0].contains(">189<"),
        "{}",
        ledger.body
    );
    assert!(
        rows[1].contains("Spent for a voucher") && rows[1].contains(&number) && rows[1].contains(">-100<"),
        "{}",
        ledger.body
    );
    assert!(rows[2].contains("Balance") && rows[2].contains(">89<"), "{}", ledger.body);
    let missing = owner.get("/reports?kind=loyalty-card");
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains(Lang::En.text("web.report.card_needed")), "{}", missing.body);
}

/// Issue 22: head office's replenishment page. The store sold its jackets (five of six of each
/// size); the page proposes by store what to send, each proposal ticked; nothing
/// ticked approves nothing, an accountant may look but not approve, a cashier not even look;
/// the owner approves the medium ones only: one transfer from the warehouse, which its picking
/// list shows line by line, and which the proposals then count in transit.
#[test]
fn head_office_approves_the_proposals_it_ticks_and_the_warehouse_picks_them() {
    use rempart_domain::stock::{LocationAdded, LocationKind, ReceivedLine, StockLine};
    use rempart_domain::tills::{Method, Tender};
    use rempart_store::tills::SaleLine;
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 5, d).unwrap();
    let site = Site::with(|store| {
        make_a_till(store);
        store
            .add_location(LocationAdded {
                code: "W1".into(),
                label: "Entrepôt Crissier".into(),
                kind: LocationKind::Warehouse,
            })
            .unwrap();
        let received =
            ["JKT-M", "JKT-L"].map(|sku| ReceivedLine { sku: sku.into(), qty: 40, unit_cost_minor: 9_000 }).to_vec();
        store.receive_stock("W1", day(1), received, None).unwrap();
        let lines = ["JKT-M", "JKT-L"].map(|sku| StockLine { sku: sku.into(), qty: 6 }).to_vec();
        let sent = store.send_transfer("W1", "GE1", day(2), lines).unwrap();
        store.arrive_transfer(&sent.transfer, day(3), None).unwrap();
        store.open_session(20_000, day(4)).unwrap();
        for (sku, date) in ["JKT-M", "JKT-L"].into_iter().flat_map(|sku| (4..=8).map(move |date| (sku, date))) {
            let line = [SaleLine { code: sku.into(), qty: 1, price_minor: None }];
            let card = vec![Tender { method: Method::Card, amount_minor: 18_900, voucher: None }];
            store.sell(&line, None, card, None, day(date)).unwrap();
        }
    });
    let mut owner = site.logged_in(Role::Owner);
    let page = owner.get("/replenishment");
    assert_eq!(page.status, 200, "{}", page.body);
    // Each SKU's code in a cell kept whole (not cut at its hyphens).
    assert!(page.body.contains("<td class=\"code\"><label for=\"pick-GE1-JKT-M\">JKT-M</label>"), "{}", page.body);
    for expected in ["GE1 Genève Rive", "value=\"GE1:JKT-M\" checked", "value=\"GE1:JKT-L\" checked", "Veste laine"] {
        assert!(page.body.contains(expected), "{expected} in {}", page.body);
    }
    let token = token_of(&page.body).unwrap();
    let before = site.events();

    let none = owner.post("/replenishment/approve", &[("csrf", &token), ("date", "28.05.2026")]);
    assert_eq!(none.status, 422);
    assert!(none.body.contains(Lang::En.text("web.replenish.none_ticked")), "{}", none.body);
    let unknown =
        owner.post("/replenishment/approve", &[("csrf", &token), ("date", "28.05.2026"), ("pick", "GE1:NOPE")]);
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    let bad_date =
        owner.post("/replenishment/approve", &[("csrf", &token), ("date", "31.02.2026"), ("pick", "GE1:JKT-M")]);
    assert_eq!(bad_date.status, 422);
    assert!(bad_date.body.contains("id=\"field-date-error\""), "{}", bad_date.body);
    // A page left open since yesterday: its proposals are not approved.
    let stale =
        owner.post("/replenishment/approve", &[("csrf", &token), ("date", "27.05.2026"), ("pick", "GE1:JKT-M")]);
    assert_eq!(stale.status, 422);
    assert!(stale.body.contains(&Lang::En.fill("web.replenish.stale", &[("date", &"27.05.2026")])), "{}", stale.body);
    let mut accountant = site.logged_in(Role::Accountant);
    assert_eq!(accountant.get("/replenishment").status, 200);
    let accountant_token = token_of(&accountant.get("/replenishment").body).unwrap();
    let refused = accountant
        .post("/replenishment/approve", &[("csrf", &accountant_token), ("date", "28.05.2026"), ("pick", "GE1:JKT-M")]);
    assert_eq!(refused.status, 403);
    assert_eq!(site.logged_in(Role::Cashier).get("/replenishment").status, 403);
    assert_eq!(site.events(), before, "nothing approved records nothing");

    let approved =
        owner.post("/replenishment/approve", &[("csrf", &token), ("date", "28.05.2026"), ("pick", "GE1:JKT-M")]);
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert_eq!(approved.location.as_deref(), Some("/replenishment/picking?sent=1"));
    assert_eq!(site.events(), before + 1, "one transfer");
    let picking = owner.get("/replenishment/picking?sent=1").body;
    assert!(picking.contains(&Lang::En.fill("web.replenish.sent", &[("count", &1)])), "{picking}");
    assert!(picking.contains("Genève Rive") && picking.contains("JKT-M") && !picking.contains("JKT-L"), "{picking}");
    let of_warehouse = owner.get("/replenishment/picking?place=w1");
    assert_eq!(of_warehouse.status, 200);
    assert!(of_warehouse.body.contains("JKT-M"), "{}", of_warehouse.body);
    assert_eq!(owner.get("/replenishment/picking?place=NOPE").status, 422);
    // What was sent is in transit: the medium jackets are proposed no more, the large still are.
    let after = owner.get("/replenishment").body;
    assert!(!after.contains("value=\"GE1:JKT-M\"") && after.contains("value=\"GE1:JKT-L\""), "{after}");
}

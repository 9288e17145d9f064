//! The node's web app, served by `rempart serve` from the binary itself: server-rendered pages
//! (maud templates, checked at compile time, on axum), every asset built in, no script needed.
//!
//! One module per business subject (`contacts`, `catalogue`, `dashboard`, `invoices`, `reports`,
//! `users`), each holding its routes,
//! handlers and templates beside the module slices of the other crates; `auth` holds logging in
//! and out. Shared pieces: one layout (`page`), one way to handle a form (`form`), one
//! authorisation table of role × route (`access`) that a guard applies to every request,
//! sessions (`session`). The words come from the catalogues of `rempart-i18n`, the same as the
//! command line's; the work is done by the same store operations as the command line's (no SQL
//! here), run on the blocking pool under one lock of the store.

pub mod access;
mod auth;
mod bills;
mod catalogue;
mod company;
mod contacts;
mod dashboard;
mod devices;
pub mod documents;
pub mod form;
mod invoices;
mod journal;
pub mod page;
mod quotes;
mod replenish;
mod reports;
pub mod session;
mod till;
mod users;
mod vehicles;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use rempart_domain::Country;
use rempart_hub::http::ServerLimits;
use rempart_i18n::Lang;
use rempart_store::{Store, StoreError};

use crate::session::Sessions;

/// How long a session stays open unused, unless told otherwise.
pub const SESSION_IDLE: Duration = Duration::from_secs(30 * 60);
/// How long the one-time address that creates the first owner may be used.
pub const SETUP_VALID_MS: u64 = 60 * 60 * 1000;
/// Key derivations run at once.
const DERIVATIONS_MAX: usize = 2;

/// A reading of the clock in milliseconds since the epoch; the tests give their own.
pub type NowMs = Arc<dyn Fn() -> u64 + Send + Sync>;

/// What `start` needs.
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub session_idle: Duration,
    pub now_ms: NowMs,
    /// Whether the app syncs with the hub by itself, each time it finds it reachable (every
    /// `HUB_PROBE_EVERY`): `rempart serve` does; a test that looks at the sync step by step
    /// does not.
    pub background_sync: bool,
}

impl Config {
    pub fn new(data_dir: &Path, listen: SocketAddr) -> Config {
        Config {
            data_dir: data_dir.to_owned(),
            listen,
            tls: None,
            session_idle: SESSION_IDLE,
            background_sync: false,
            now_ms: Arc::new(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |elapsed| elapsed.as_millis() as u64)
            }),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("listening on {addr}, beyond this machine, needs --tls-cert and --tls-key")]
    TlsNeeded { addr: SocketAddr },
}

/// The state every handler shares.
#[derive(Clone)]
pub struct App(Arc<Shared>);

pub struct Shared {
    store: Mutex<Store>,
    pub sessions: Sessions,
    now_ms: NowMs,
    /// The hash of the one-time token that creates the company's first owner, while nobody has
    /// access yet, and until when it may be used.
    setup: Mutex<Option<(blake3::Hash, u64)>>,
    /// Key derivations (Argon2id, 19 MiB each) running at once: a flood of logins waits here.
    derivations: tokio::sync::Semaphore,
    /// Whether the app is served over TLS (then any host name is its own).
    tls: bool,
    /// When the hub was last probed, and whether it answered.
    pub hub_checked: Mutex<Option<(u64, bool)>>,
    /// The forks and conflicts counted for the dashboard (`counting`).
    pub counting: Arc<Counting>,
    /// Asks the counting thread for a new count; dropped with the app, which ends the thread.
    count_wanted: std::sync::mpsc::Sender<()>,
    /// The last sync this app made (by itself or at a person's request): when, and what it
    /// found or why it failed; the dashboard tells it.
    pub last_sync: Mutex<Option<(u64, Result<rempart_node::SyncReport, rempart_node::NodeError>)>>,
    /// Set when a sync failed in a way retrying cannot mend (this device revoked, a roster that
    /// is not the company's): the app stops syncing by itself until a person's sync succeeds.
    pub sync_stopped: std::sync::atomic::AtomicBool,
    /// A handle of its own on the data directory for the syncs, which wait on the network:
    /// the pages' handle (`store`) is never held meanwhile, and SQLite keeps the two apart as it
    /// keeps a command beside the server. One sync at a time: a sync asked while another runs
    /// waits for it.
    syncing: Mutex<Store>,
    /// When the last sync began: a person's sync asked before then is answered by it.
    sync_began_ms: std::sync::atomic::AtomicU64,
}

impl App {
    /// Keeps the outcome of a sync for the dashboard; a failure retrying cannot mend stops the
    /// app's own syncs, a success starts them again.
    fn keep_sync(&self, outcome: Result<rempart_node::SyncReport, rempart_node::NodeError>) {
        let stop = outcome.as_ref().is_err_and(|error| !error.is_retryable());
        self.sync_stopped.store(stop, std::sync::atomic::Ordering::SeqCst);
        *self.last_sync.lock().unwrap_or_else(PoisonError::into_inner) = Some((self.now(), outcome));
    }

    /// Syncs this node with its hub, on the syncs' own handle (blocking: the network is waited
    /// on), and keeps the outcome for the dashboard (`last_sync`); answers whether it went
    /// through, or why not in `lang`. A sync asked at `asked_ms` that finds a sync begun since
    /// (it waited for it) is answered by that one: nothing is done, and `None` comes back.
    pub(crate) fn sync(&self, asked_ms: Option<u64>, lang: Lang) -> Option<Result<(), String>> {
        use std::sync::atomic::Ordering;
        let mut store = self.syncing.lock().unwrap_or_else(PoisonError::into_inner);
        if asked_ms.is_some_and(|asked| self.sync_began_ms.load(Ordering::SeqCst) >= asked) {
            return None;
        }
        self.sync_began_ms.store(self.now(), Ordering::SeqCst);
        // What the pages or a command committed meanwhile, first.
        let synced = store.refresh().map_err(rempart_node::NodeError::from).and_then(|_| devices::sync(&mut store));
        drop(store);
        if let Err(error) = &synced {
            tracing::warn!(%error, "the sync did not go through");
        }
        let said = synced.as_ref().map(|_| ()).map_err(|error| rempart_i18n::Speak::speak(error, lang));
        self.keep_sync(synced);
        Some(said)
    }
}

impl std::ops::Deref for App {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl App {
    /// Asks the counting thread for a new count of the forks and conflicts.
    pub fn want_count(&self) {
        let _ = self.count_wanted.send(());
    }

    pub fn now(&self) -> u64 {
        (self.now_ms)()
    }

    /// Today, by the app's clock (UTC).
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::DateTime::from_timestamp_millis(self.now() as i64).unwrap_or_default().date_naive()
    }

    /// Runs a password's key derivation on the blocking pool, outside the store's lock, at most
    /// `DERIVATIONS_MAX` at once.
    pub async fn derive<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> T {
        // The semaphore is never closed.
        let _permit = self.derivations.acquire().await.expect("the derivations' semaphore stays open");
        match tokio::task::spawn_blocking(work).await {
            Ok(result) => result,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }

    /// Runs `work` on the store, on the blocking pool: store operations are synchronous and
    /// durable.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.blocking(|shared| &shared.store, work).await
    }

    /// Runs `work`, which waits on the hub (an invitation, a revocation), on the syncs' own
    /// handle of the store, on the blocking pool: the pages' handle is not held meanwhile.
    pub(crate) async fn run_with_hub<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.blocking(|shared| &shared.syncing, work).await
    }

    /// Runs `work` on the handle `pick` chooses, brought up to date first, on the blocking pool.
    async fn blocking<T: Send + 'static>(
        &self,
        pick: fn(&Shared) -> &Mutex<Store>,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let app = self.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut store = pick(&app).lock().unwrap_or_else(PoisonError::into_inner);
            // What a command beside the server (`rempart sync`, `rempart invoice …`) committed
            // since the last request, first: the page shows it, a form goes on from it.
            store.refresh()?;
            work(&mut store)
        })
        .await;
        match joined {
            Ok(result) => result,
            // A panic in a store operation is a bug: the request fails, the server goes on.
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
}

/// The app's routes, each module's own, behind the guard that applies the authorisation table.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/assets/style.css", get(style))
        .merge(auth::routes())
        .merge(dashboard::routes())
        .merge(contacts::routes())
        .merge(catalogue::routes())
        .merge(bills::routes())
        .merge(journal::routes())
        .merge(invoices::routes())
        .merge(quotes::routes())
        .merge(vehicles::routes())
        .merge(reports::routes())
        .merge(replenish::routes())
        .merge(users::routes())
        .merge(devices::routes())
        .merge(company::routes())
        .merge(till::routes())
        .route_layer(axum::middleware::from_fn_with_state(app.clone(), access::guard))
        .fallback(
            |State(app): State<App>, request: axum::extract::Request| async move { page::not_found(&app, &request) },
        )
        .layer(axum::middleware::from_fn_with_state(app.clone(), access::own_site))
        .layer(axum::middleware::map_response(access::headers))
        .with_state(app)
}

async fn style() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../assets/style.css"))
}

/// A running web app.
pub struct Running {
    pub addr: SocketAddr,
    /// The one-time address that creates the first owner, when nobody has access yet.
    pub setup_path: Option<String>,
    server: rempart_hub::http::Server,
    /// Dropped with the app: the hub's watch ends.
    _probing: std::sync::mpsc::Sender<()>,
    /// The dashboard's count of forks and conflicts.
    pub counting: Arc<Counting>,
}

impl Running {
    /// Serves until the process ends.
    pub fn wait(self) {
        self.server.wait();
    }

    /// Stops accepting, and waits for the server's thread to end.
    pub fn stop(self) {
        self.server.stop();
    }
}

/// Opens the data directory and serves the app on its own thread and runtime. Anything but a
/// loopback address needs TLS.
pub fn start(config: Config) -> Result<Running, WebError> {
    if !config.listen.ip().is_loopback() && config.tls.is_none() {
        return Err(WebError::TlsNeeded { addr: config.listen });
    }
    let store = Store::open(&config.data_dir)?;
    let syncing = Store::open(&config.data_dir)?;
    let counting = Arc::new(Counting::default());
    let count_wanted = count_in_the_background(Store::open(&config.data_dir)?, Arc::clone(&counting));
    let default_lang = match store.company()?.country {
        Country::Ch | Country::Fr => Lang::Fr,
    };
    let (setup, setup_path) = if store.has_users()? {
        (None, None)
    } else {
        let token = session::token();
        let until = (config.now_ms)() + SETUP_VALID_MS;
        (Some((blake3::hash(token.as_bytes()), until)), Some(format!("/setup?token={token}")))
    };
    let idle_ms = config.session_idle.as_millis() as u64;
    let app = App(Arc::new(Shared {
        store: Mutex::new(store),
        sessions: Sessions::new(idle_ms, config.tls.is_some(), default_lang),
        now_ms: config.now_ms,
        setup: Mutex::new(setup),
        derivations: tokio::sync::Semaphore::new(DERIVATIONS_MAX),
        tls: config.tls.is_some(),
        hub_checked: Mutex::new(None),
        counting: Arc::clone(&counting),
        count_wanted,
        last_sync: Mutex::new(None),
        sync_stopped: std::sync::atomic::AtomicBool::new(false),
        syncing: Mutex::new(syncing),
        sync_began_ms: std::sync::atomic::AtomicU64::new(0),
    }));
    let probing = watch_hub(app.clone(), config.background_sync);
    let router = router(app);
    let listen = config.listen;
    let server =
        rempart_hub::http::spawn_service("rempart-web", listen, ServerLimits::default(), config.tls, move |peer| {
            let router = router.clone();
            hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                let router = router.clone();
                async move {
                    use tower::ServiceExt;
                    router.oneshot(request.map(axum::body::Body::new)).await
                }
            })
        })
        .map_err(|source| WebError::Listen { addr: listen, source })?;
    Ok(Running { addr: server.addr, setup_path, server, _probing: probing, counting })
}

/// The forks and conflicts of the books, counted for the dashboard. Counting reads the
/// projections of every record (a third of a second on a million entries), so a page never
/// waits on it but the first: the dashboard shows the last count and, when events were added
/// since, asks the counting thread for a new one.
#[derive(Default)]
pub struct Counting {
    /// The last count: the events held then (the sum of the version vector), forks, conflicts.
    counted: Mutex<Option<(u64, usize, usize)>>,
    /// Told each time a count is kept.
    kept: std::sync::Condvar,
}

impl Counting {
    /// The last count, if any.
    pub fn last(&self) -> Option<(u64, usize, usize)> {
        *self.counted.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps a count made here (the dashboard's first).
    pub fn keep(&self, count: (u64, usize, usize)) {
        *self.counted.lock().unwrap_or_else(PoisonError::into_inner) = Some(count);
        self.kept.notify_all();
    }

    /// Waits until a count of at least `events` events is kept, or `limit` passed; returns the
    /// count then (for those who must see the new one, as tests do).
    pub fn wait_for(&self, events: u64, limit: Duration) -> Option<(u64, usize, usize)> {
        let counted = self.counted.lock().unwrap_or_else(PoisonError::into_inner);
        let (counted, _) = self
            .kept
            .wait_timeout_while(counted, limit, |counted| counted.is_none_or(|(held, _, _)| held < events))
            .unwrap_or_else(PoisonError::into_inner);
        *counted
    }
}

/// The events `store` holds, all chains together (the sum of its version vector): what a count
/// of forks and conflicts was made on.
pub fn events_held(store: &Store) -> Result<u64, StoreError> {
    Ok(store.version_vector()?.0.values().map(|head| head.seq.0).sum())
}

/// Counts the forks and conflicts of the books held by `store` (a handle of its own).
pub fn count_conflicts(store: &Store) -> Result<(u64, usize, usize), StoreError> {
    Ok((events_held(store)?, store.forks()?.len(), store.conflicts()?.len()))
}

/// The thread that counts forks and conflicts when asked, on its own handle of the data
/// directory (the pages' is never held meanwhile), asks coming while it counts answered by one
/// count. Ends when the returned sender is dropped.
fn count_in_the_background(mut store: Store, counting: Arc<Counting>) -> std::sync::mpsc::Sender<()> {
    let (wanted, asks) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new().name("rempart-web-count".to_owned()).spawn(move || {
        while asks.recv().is_ok() {
            while asks.try_recv().is_ok() {}
            match store.refresh().and_then(|_| count_conflicts(&store)) {
                Ok(count) => counting.keep(count),
                Err(error) => tracing::warn!(%error, "cannot count the forks and conflicts"),
            }
        }
    });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot count the forks and conflicts in the background");
    }
    wanted
}

/// How often the app asks whether the hub answers.
pub const HUB_PROBE_EVERY: Duration = Duration::from_secs(30);

/// Asks the hub, now and every `HUB_PROBE_EVERY`, whether it answers (outside the store's lock:
/// a hub out of reach takes seconds to say so), and keeps the answer for the dashboard and in
/// the store (`offline_since_ms`, as a sync does). The pages never wait on it. Ends when the
/// returned sender is dropped.
fn watch_hub(app: App, background_sync: bool) -> std::sync::mpsc::Sender<()> {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new().name("rempart-web-hub".to_owned()).spawn(move || {
        loop {
            let hub = {
                let store = app.store.lock().unwrap_or_else(PoisonError::into_inner);
                rempart_node::Session::open(&store).ok().map(|session| session.secrets.hub.clone())
            };
            if let Some(hub) = hub {
                let reachable = rempart_node::probe(&hub).is_ok();
                let now = app.now();
                let store = app.store.lock().unwrap_or_else(PoisonError::into_inner);
                if let Err(error) = rempart_node::note_reachability(&store, reachable, now) {
                    tracing::warn!(%error, "cannot keep whether the hub answered");
                }
                drop(store);
                *app.hub_checked.lock().unwrap_or_else(PoisonError::into_inner) = Some((now, reachable));
                let stopped = app.sync_stopped.load(std::sync::atomic::Ordering::SeqCst);
                if reachable && background_sync && !stopped {
                    app.sync(None, app.sessions.default_lang());
                }
                // Backups are made whether the hub answers or not.
                if background_sync {
                    let mut store = app.syncing.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Err(error) = store.refresh() {
                        tracing::warn!(%error, "cannot read what was committed before backing up");
                    }
                    devices::backup_due(&mut store);
                }
            }
            match stopped.recv_timeout(HUB_PROBE_EVERY) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => break,
            }
        }
    });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot watch the hub");
    }
    stop
}

impl rempart_i18n::Speak for WebError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            WebError::Store(error) => rempart_i18n::message(error, lang),
            WebError::Listen { addr, source } => lang.fill("err.web.listen", &[("addr", addr), ("source", source)]),
            WebError::TlsNeeded { addr } => lang.fill("err.web.tls_needed", &[("addr", addr)]),
        }
    }
}

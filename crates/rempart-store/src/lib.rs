//! The node's local store: one data directory holding the node's identity, its signing key, its
//! SQLite database (the log and the projections) and the head anchor.
//!
//! Every change goes through `Store::commit`: inside one SQLite transaction the facts are checked
//! against the rules, appended to the node's chain as events, projected into the tables, and the
//! new head is sealed with the node's key. The commit is acknowledged only after SQLite has made
//! it durable (WAL with `synchronous=FULL`); the head anchor file is written after that, so it is
//! never ahead of the database.
//!
//! Data directory layout:
//!
//! ```text
//! node.json   identity: format version, tenant id, node id, public key
//! node.key    the node's Ed25519 secret key (hex), mode 0600, never logged
//! ledger.db   SQLite: meta, events, seals, and the p_* projections
//! head.seal   the last seal, outside the database, to detect a truncated log
//! ```

pub mod bills;
pub mod catalogue;
mod checkpoint;
pub mod contacts;
pub mod dunning;
pub mod durable;
mod environment;
pub mod invoices;
pub mod payments;
mod project;
pub mod reports;
mod schema;
pub mod sync;
pub use environment::{Clock, Environment};
pub use schema::SCHEMA_VERSION;
mod verify;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use chrono::{DateTime, NaiveDate};
use rempart_domain::chart::{chart_of, vat_codes_of};
use rempart_domain::{
    Account, AccountEdited, AccountOpened, CompanyCreated, Country, Currency, EntryDraft, EntryPosted, Fact, FactError,
    LedgerError, LedgerState, PeriodClosed,
};
use rempart_log::{
    Event, EventError, EventSeq, FORMAT_VERSION, Hash32, Hlc, NODE_CREATED, NodeCreated, NodeId, Seal, SigningKey,
    TenantId, VerifyingKey,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};

pub use project::entry_digest;
pub use verify::{Difference, EventName, Problem, VerifyReport};

use project::{Origin, Projector};

const IDENTITY_FILE: &str = "node.json";
const KEY_FILE: &str = "node.key";
const DATABASE_FILE: &str = "ledger.db";
const ANCHOR_FILE: &str = "head.seal";
/// The key of a new chain while `Store::rechain` switches to it.
const NEXT_KEY_FILE: &str = "node.key.next";
/// Imports of at least this many entries (and at least half the size of the log), and take-ins
/// of at least this many events (and at least half as many as held), build the deferrable
/// indexes at the end rather than row by row.
const BULK_ENTRIES_MIN: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{dir} holds no Rempart company: run `rempart init` first, or pass the right --data-dir")]
    NotInitialised { dir: PathBuf },
    #[error("{dir} already holds a Rempart company")]
    AlreadyInitialised { dir: PathBuf },
    #[error(
        "{dir} holds an unfinished company: an earlier `rempart init` was interrupted; remove the directory and run it again"
    )]
    InitInterrupted { dir: PathBuf },
    #[error("the data directory is damaged: {what}")]
    Corrupt { what: String },
    #[error(
        "the data directory was written by a newer Rempart (format {found}; this one reads up to {supported}): update Rempart"
    )]
    NewerFormat { found: u32, supported: u32 },
    #[error(
        "the projections were built by an older Rempart (layout {found}, now {current}): run `rempart rebuild`, which derives them again from the log"
    )]
    OlderProjections { found: u32, current: u32 },
    #[error(
        "the database belongs to another company (tenant {database}) than this data directory (tenant {directory})"
    )]
    OtherTenant { database: String, directory: String },
    #[error("the node key {path} is missing: restore it from your backup")]
    KeyMissing { path: PathBuf },
    #[error("the node key {path} cannot be read: {reason}")]
    KeyUnreadable { path: PathBuf, reason: String },
    #[error("the node key does not belong to this node")]
    KeyMismatch,
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Contact(rempart_domain::contacts::ContactError),
    #[error(transparent)]
    Item(rempart_domain::catalogue::ItemError),
    #[error(transparent)]
    Invoice(rempart_domain::invoices::InvoiceError),
    #[error(transparent)]
    Payment(rempart_domain::payments::PaymentError),
    #[error(transparent)]
    Bill(rempart_domain::bills::BillError),
    #[error(transparent)]
    Dunning(#[from] rempart_domain::dunning::DunningError),
    #[error("entry {position} (id {id}): {source}")]
    Entry { position: usize, id: String, source: LedgerError },
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Event(#[from] EventError),
    #[error("an event in the log cannot be read: {0}")]
    Fact(#[from] FactError),
    #[error(
        "the change was recorded (up to event {seq}) but the head anchor could not be written ({reason}): free space or fix permissions, then run `rempart verify`"
    )]
    AnchorNotWritten { seq: u64, reason: String },
    #[error("events of node {node} were refused: {why}")]
    SyncRefused { node: String, why: String },
    #[error(
        "node {node} has two different events at position {seq}: a hub, a peer or a backup was tampered with, or the device was cloned; its chain is frozen here and both versions are kept as evidence"
    )]
    Forked { node: String, seq: u64 },
    #[error(
        "this data directory is a copy, or was put back from a backup: this node's chain may already go on elsewhere, and recording now could fork it. Run `rempart sync` first, which fetches this node's own head from the hub; recording is allowed again once it is confirmed. Without the hub, `rempart device rechain` goes on at once under a new node identity"
    )]
    CopyNotConfirmed,
    #[error("the system random number generator failed: {0}")]
    Random(String),
    #[error("no open conflict has the id {id}: `rempart conflicts` lists them with their ids")]
    UnknownConflict { id: String },
}

impl StoreError {
    fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io { path: path.to_owned(), source }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Identity {
    format_version: u32,
    tenant: String,
    node: String,
    public_key: String,
}

/// The newest event of this node's chain, and the newest clock reading of any node.
#[derive(Debug, Clone, Copy)]
struct Head {
    seq: EventSeq,
    hash: Hash32,
    hlc: Hlc,
}

/// An account as listed, with its German and English labels where the chart has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountListing {
    pub account: Account,
    pub label_de: Option<String>,
    pub label_en: Option<String>,
}

/// Counts of what an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOutcome {
    pub recorded: u64,
    /// Entries whose id was already recorded with the same content (a re-import).
    pub already_present: u64,
}

pub struct Store {
    dir: PathBuf,
    conn: Connection,
    checkpointer: checkpoint::Checkpointer,
    tenant: TenantId,
    node: NodeId,
    key: SigningKey,
    state: LedgerState,
    head: Head,
    /// The journal series this node numbers its entries in (`LedgerState::journal_series`).
    journal_series: Option<String>,
    /// Set when the database file is not the one this node last wrote (a copy, or one put back
    /// from a backup) and the company syncs with a hub: nothing is recorded until a sync has
    /// confirmed this node's own head.
    copy_unconfirmed: bool,
    /// The projector of events taken in from other nodes, kept from one run to the next so that a
    /// long pull does not allocate its buffers anew for each group; `end_take_in` frees it.
    take_in: Projector,
    /// The clock that stamps this node's events and the stream of its new ids.
    env: Environment,
}

/// The sync setting that records when the database file was found to be a copy.
const COPY_FOUND_SETTING: &str = "copy_found_ms";

/// What tells this database file from a copy of it: its birth time, which a copy, or a file put
/// back from a backup, does not keep; where the file system does not record it, the inode. Some
/// file systems renumber inodes when mounted again (FAT, some network and FUSE mounts): the birth
/// time, where there is one, is compared alone (`same_instance`).
fn file_instance(path: &Path) -> Result<String, StoreError> {
    let metadata = fs::metadata(path).map_err(|error| StoreError::io(path, error))?;
    let born =
        metadata.created().ok().and_then(|time| time.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
    #[cfg(not(unix))]
    let inode = 0u64;
    Ok(format!("{inode}:{born}"))
}

fn date_of_ms(ms: u64) -> NaiveDate {
    DateTime::from_timestamp_millis(ms as i64).map_or(NaiveDate::MIN, |time| time.date_naive())
}

fn open_connection(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    // A connection is used by one thread only (rusqlite's `Connection` is not `Sync`), so
    // SQLite's own locking of each call is not needed.
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    // 16 KiB pages for a new database (an existing one keeps its own): fewer, larger writes for
    // imports and rebuilds, shallower b-trees, and still small for a one-entry commit. It must be
    // set before the database enters WAL mode.
    conn.pragma_update(None, "page_size", 16_384)?;
    // WAL with synchronous=FULL: a commit returns only after its WAL frames are fsynced, so an
    // acknowledged commit survives a crash or a power cut.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    // Up to 256 MiB of page cache: an import or a rebuild of a million entries inserts into
    // several indexes at random places; SQLite allocates the cache only as pages are used.
    conn.pragma_update(None, "cache_size", -262_144)?;
    // After a checkpoint, shrink the WAL back to 64 MiB: a large import must not leave a file of
    // its own size behind.
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    // A commit waits, rather than fails, while the checkpointer cuts a large WAL.
    conn.busy_timeout(std::time::Duration::from_secs(60))?;
    Ok(conn)
}

/// The modes of a data directory and of the files in it: readable by their owner alone.
#[cfg(unix)]
const PRIVATE_DIR_MODE: u32 = 0o700;
#[cfg(unix)]
const PRIVATE_FILE_MODE: u32 = 0o600;

/// Makes `dir` (and its parents) and leaves it readable by its owner alone.
fn make_private_dir(dir: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(dir).map_err(|error| StoreError::io(dir, error))?;
    tighten(dir, true)
}

/// Takes group and other permissions away from a data directory or one of its files (one made by
/// an earlier version, or copied with a loose umask). Leaves a path it does not find alone.
fn tighten(path: &Path, is_dir: bool) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = match fs::symlink_metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(StoreError::io(path, error)),
        };
        let wanted = if is_dir { PRIVATE_DIR_MODE } else { PRIVATE_FILE_MODE };
        if metadata.file_type().is_file() || metadata.file_type().is_dir() {
            let mode = metadata.permissions().mode() & 0o777;
            if mode & !wanted != 0 {
                fs::set_permissions(path, fs::Permissions::from_mode(mode & wanted))
                    .map_err(|error| StoreError::io(path, error))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (path, is_dir);
    Ok(())
}

/// A file created exclusively (never through a link or over another file) with mode 0600.
fn write_private_file(path: &Path, contents: &[u8]) -> Result<(), StoreError> {
    durable::create_private(path, contents).map_err(|error| StoreError::io(path, error))
}

fn read_identity(dir: &Path) -> Result<Identity, StoreError> {
    let path = dir.join(IDENTITY_FILE);
    let bytes = fs::read(&path).map_err(|error| StoreError::io(&path, error))?;
    serde_json::from_slice(&bytes)
        .map_err(|error| StoreError::Corrupt { what: format!("{IDENTITY_FILE} cannot be read ({error})") })
}

/// Finishes a `Store::rechain` whose database commit was made: the database names the new node,
/// whose first event announces its key; that key moves from `node.key.next` to `node.key` and
/// the identity file is written for it. A switch whose commit was not made is dropped. Returns
/// the identity as it stands.
fn finish_rechain(dir: &Path, identity: Identity) -> Result<Identity, StoreError> {
    let next_key = dir.join(NEXT_KEY_FILE);
    let database = dir.join(DATABASE_FILE);
    let key_matches = read_key(&dir.join(KEY_FILE))
        .is_ok_and(|key| hex::encode(key.verifying_key().as_bytes()) == identity.public_key);
    if key_matches && !next_key.exists() || !database.exists() {
        return Ok(identity);
    }
    let conn = open_connection(&database, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let node: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'node'", [], |row| row.get(0)).optional()?;
    let Some(node) = node.filter(|node| *node != identity.node) else {
        // The switch did not reach its commit (or is under way in another process): the old
        // chain goes on, and `node.key.next` is left to the switch, which replaces it.
        return Ok(identity);
    };
    let node_id: NodeId = node.parse().map_err(|_| StoreError::Corrupt { what: "meta names no node".to_owned() })?;
    let announced: Option<Vec<u8>> = conn
        .query_row(
            "SELECT payload FROM events WHERE node = ?1 AND seq = 1 AND kind = ?2",
            params![&node_id.as_bytes()[..], NODE_CREATED],
            |row| row.get(0),
        )
        .optional()?;
    drop(conn);
    let announced = announced
        .and_then(|payload| serde_json::from_slice::<NodeCreated>(&payload).ok())
        .map(|created| created.public_key)
        .ok_or_else(|| StoreError::Corrupt { what: format!("the chain of node {node} has no first event") })?;
    let public_of = |path: &Path| read_key(path).ok().map(|key| hex::encode(key.verifying_key().as_bytes()));
    if public_of(&next_key).as_deref() == Some(announced.as_str()) {
        durable::rename_durably(&next_key, &dir.join(KEY_FILE)).map_err(|error| StoreError::io(&next_key, error))?;
    } else if public_of(&dir.join(KEY_FILE)).as_deref() != Some(announced.as_str()) {
        return Err(StoreError::KeyMismatch);
    }
    let identity = Identity { node, public_key: announced, ..identity };
    let json = serde_json::to_vec_pretty(&identity).map_err(|error| StoreError::Corrupt { what: error.to_string() })?;
    write_file_atomically(&dir.join(IDENTITY_FILE), &json)?;
    Ok(identity)
}

/// Whether two readings of `file_instance` are of the same file: by birth time when both have
/// one, else by inode.
fn same_instance(recorded: &str, current: &str) -> bool {
    let parts = |text: &str| -> (String, String) {
        let (inode, born) = text.split_once(':').unwrap_or((text, "0"));
        (inode.to_owned(), born.to_owned())
    };
    let ((inode_a, born_a), (inode_b, born_b)) = (parts(recorded), parts(current));
    if born_a != "0" && born_b != "0" { born_a == born_b } else { inode_a == inode_b }
}

/// Compares the database file with the one this node last wrote, and records when it is found to
/// be a copy: another file, or this node's own chain shorter than the head anchor says (the
/// database alone put back from a backup, over the file). Returns whether recording must wait
/// for a sync: a copy of a company that syncs with a hub, until a sync confirms this node's own
/// head. A company that syncs with no hub has no other holder of its chain, so a copy of it may
/// go on at once.
fn note_copy(conn: &Connection, database: &Path, rolled_back: bool, now_ms: u64) -> Result<bool, StoreError> {
    let instance = file_instance(database)?;
    let recorded: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'instance'", [], |row| row.get(0)).optional()?;
    let setting = |key: &str| -> Result<Option<String>, StoreError> {
        Ok(conn.query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |row| row.get(0)).optional()?)
    };
    let syncs = setting("hub")?.is_some();
    let other_file = recorded.as_deref().is_some_and(|recorded| !same_instance(recorded, &instance));
    if recorded.as_deref() != Some(instance.as_str()) || rolled_back {
        let transaction = conn.unchecked_transaction()?;
        transaction.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('instance', ?1)", [&instance])?;
        // A database from before the instance was recorded is taken as the one last written.
        if (other_file || rolled_back) && syncs {
            transaction.execute(
                "INSERT OR IGNORE INTO sync_state (key, value) VALUES (?1, ?2)",
                params![COPY_FOUND_SETTING, now_ms.to_string()],
            )?;
            tracing::warn!("the database file is a copy: recording waits for a sync to confirm this node's head");
        }
        transaction.commit()?;
    }
    Ok(syncs && setting(COPY_FOUND_SETTING)?.is_some())
}

/// Writes a file by way of a temporary file, fsync and rename, so a reader sees either the old or
/// the new contents in full.
/// The temporary file is created exclusively with mode 0600, after removing one a crash left.
fn write_file_atomically(path: &Path, contents: &[u8]) -> Result<(), StoreError> {
    durable::write_atomically(path, contents).map_err(|error| StoreError::io(path, error))
}

impl Store {
    /// Creates a company in `dir`: identity, key, database, and a first commit holding the node's
    /// public key, the company, its chart of accounts and its VAT codes.
    pub fn init(dir: &Path, name: &str, country: Country, fiscal_year_start_month: u32) -> Result<Store, StoreError> {
        Store::init_with(Environment::system()?, dir, name, country, fiscal_year_start_month)
    }

    /// As `init`, with the clock and randomness of `env` (a simulation's).
    pub fn init_with(
        env: Environment,
        dir: &Path,
        name: &str,
        country: Country,
        fiscal_year_start_month: u32,
    ) -> Result<Store, StoreError> {
        if dir.join(IDENTITY_FILE).exists() {
            return Err(StoreError::AlreadyInitialised { dir: dir.to_owned() });
        }
        if dir.join(DATABASE_FILE).exists() || dir.join(KEY_FILE).exists() {
            return Err(StoreError::InitInterrupted { dir: dir.to_owned() });
        }
        let company = CompanyCreated {
            name: name.trim().to_owned(),
            country,
            currency: country.currency(),
            fiscal_year_start_month,
        };
        LedgerState::default().check_company(&company)?;
        let tenant = TenantId::from_bytes(env.bytes());
        let key = SigningKey::from_bytes(&env.bytes());
        // The store keeps its environment: nothing it holds leads back to the key just drawn.
        let mut env = env;
        env.rekey();
        Store::create(env, dir, tenant, key, false, |batch| {
            batch.record(Fact::CompanyCreated(company.clone()))?;
            for account in chart_of(country) {
                let label_of = |label: &str| (!label.is_empty()).then(|| label.to_owned());
                batch.record(Fact::AccountOpened(AccountOpened {
                    number: account.number.to_owned(),
                    label: account.label_fr.to_owned(),
                    label_de: label_of(account.label_de),
                    label_en: label_of(account.label_en),
                    kind: account.kind,
                    currency: company.currency,
                }))?;
            }
            for vat in vat_codes_of(country) {
                batch.record(Fact::VatCodeDefined(vat))?;
            }
            Ok(())
        })
    }

    /// Creates a new node of an existing company in `dir`, signing with `key`: its chain starts
    /// with its public key alone, and the books arrive from the other nodes by sync. `env` gives
    /// the node id and the clock of its first event.
    pub fn join(env: Environment, dir: &Path, tenant: TenantId, key: SigningKey) -> Result<Store, StoreError> {
        if dir.join(IDENTITY_FILE).exists() {
            return Err(StoreError::AlreadyInitialised { dir: dir.to_owned() });
        }
        if dir.join(DATABASE_FILE).exists() || dir.join(KEY_FILE).exists() {
            return Err(StoreError::InitInterrupted { dir: dir.to_owned() });
        }
        Store::create(env, dir, tenant, key, true, |_| Ok(()))
    }

    /// `own_series`: whether this node numbers its entries in a journal series of its own (every
    /// node but the one that creates the company).
    fn create(
        env: Environment,
        dir: &Path,
        tenant: TenantId,
        key: SigningKey,
        own_series: bool,
        first: impl FnOnce(&mut Batch<'_>) -> Result<(), StoreError>,
    ) -> Result<Store, StoreError> {
        make_private_dir(dir)?;
        let node = NodeId::from_bytes(env.bytes());
        let identity = Identity {
            format_version: u32::from(FORMAT_VERSION),
            tenant: tenant.to_hex(),
            node: node.to_hex(),
            public_key: hex::encode(key.verifying_key().as_bytes()),
        };
        let identity_json =
            serde_json::to_vec_pretty(&identity).map_err(|error| StoreError::Corrupt { what: error.to_string() })?;
        write_private_file(&dir.join(KEY_FILE), format!("{}\n", hex::encode(key.to_bytes())).as_bytes())?;
        let database = dir.join(DATABASE_FILE);
        // Created empty and private first: SQLite opens it as a new database, and gives its WAL
        // and shared-memory files the same mode.
        write_private_file(&database, b"")?;
        let mut conn = open_connection(&database, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
        let checkpointer = checkpoint::Checkpointer::attach(&mut conn, &database)?;
        conn.execute_batch(schema::LOG_SCHEMA)?;
        conn.execute_batch(schema::SYNC_SCHEMA)?;
        conn.execute_batch(schema::PROJECTION_SCHEMA)?;
        conn.execute_batch(schema::PROJECTION_INDEXES)?;
        let mut meta = conn.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
        meta.execute(params!["schema_version", schema::SCHEMA_VERSION.to_string()])?;
        meta.execute(params!["tenant", tenant.to_hex()])?;
        meta.execute(params!["node", node.to_hex()])?;
        meta.execute(params!["instance", file_instance(&database)?])?;
        let journal_series = own_series.then(|| node.short());
        meta.execute(params!["journal_series", journal_series.clone().unwrap_or_default()])?;
        drop(meta);
        let mut store = Store {
            dir: dir.to_owned(),
            conn,
            checkpointer,
            tenant,
            node,
            key,
            state: LedgerState::default(),
            head: Head { seq: EventSeq(0), hash: Hash32::ZERO, hlc: Hlc::default() },
            journal_series,
            copy_unconfirmed: false,
            take_in: Projector::default(),
            env,
        };
        let public_key = identity.public_key.clone();
        store.commit(|batch| {
            batch.append_raw(
                NODE_CREATED,
                serde_json::to_vec(&NodeCreated { public_key }).expect("a key in hex serialises"),
            )?;
            first(batch)
        })?;
        // The identity file is written last: a directory without it is not a company yet.
        write_file_atomically(&dir.join(IDENTITY_FILE), &identity_json)?;
        Ok(store)
    }

    /// Opens a data directory whose projections may be damaged, for `verify` and `rebuild`: the
    /// identity, key and log are checked as by `open`, the state of the books is not loaded.
    pub fn open_for_repair(dir: &Path) -> Result<Store, StoreError> {
        let identity_path = dir.join(IDENTITY_FILE);
        if identity_path.exists() {
            tighten(dir, true)?;
            for file in [DATABASE_FILE, "ledger.db-wal", "ledger.db-shm", KEY_FILE, NEXT_KEY_FILE] {
                tighten(&dir.join(file), false)?;
            }
        }
        let identity_bytes = match fs::read(&identity_path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(if dir.join(DATABASE_FILE).exists() {
                    StoreError::InitInterrupted { dir: dir.to_owned() }
                } else {
                    StoreError::NotInitialised { dir: dir.to_owned() }
                });
            }
            Err(error) => return Err(StoreError::io(&identity_path, error)),
        };
        let corrupt = |what: String| StoreError::Corrupt { what };
        let identity: Identity = serde_json::from_slice(&identity_bytes)
            .map_err(|error| corrupt(format!("{IDENTITY_FILE} cannot be read ({error})")))?;
        if identity.format_version > u32::from(FORMAT_VERSION) {
            return Err(StoreError::NewerFormat {
                found: identity.format_version,
                supported: u32::from(FORMAT_VERSION),
            });
        }
        let database = dir.join(DATABASE_FILE);
        let identity = finish_rechain(dir, identity)?;
        let tenant: TenantId = identity.tenant.parse().map_err(|error| corrupt(format!("{IDENTITY_FILE}: {error}")))?;
        let node: NodeId = identity.node.parse().map_err(|error| corrupt(format!("{IDENTITY_FILE}: {error}")))?;
        let key = read_key(&dir.join(KEY_FILE))?;
        if hex::encode(key.verifying_key().as_bytes()) != identity.public_key {
            return Err(StoreError::KeyMismatch);
        }
        if !database.exists() {
            return Err(corrupt(format!("{DATABASE_FILE} is missing")));
        }
        let mut conn = open_connection(&database, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(|error| match error {
            StoreError::Sqlite(error) => corrupt(format!("{DATABASE_FILE} cannot be opened ({error})")),
            other => other,
        })?;
        let meta = |key: &str| -> Result<Option<String>, StoreError> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
                .optional()
                .map_err(|error| corrupt(format!("{DATABASE_FILE} cannot be read ({error})")))
        };
        let schema_version: u32 = meta("schema_version")?.and_then(|text| text.parse().ok()).unwrap_or(0);
        if schema_version > schema::SCHEMA_VERSION {
            return Err(StoreError::NewerFormat { found: schema_version, supported: schema::SCHEMA_VERSION });
        }
        if schema_version == 0 {
            return Err(corrupt(format!("{DATABASE_FILE} has no schema version")));
        }
        let database_tenant = meta("tenant")?.unwrap_or_default();
        if database_tenant != identity.tenant {
            return Err(StoreError::OtherTenant { database: database_tenant, directory: identity.tenant });
        }
        if meta("node")?.unwrap_or_default() != identity.node {
            return Err(corrupt(format!("{DATABASE_FILE} belongs to another node of the company")));
        }
        conn.execute_batch(schema::SYNC_SCHEMA)?;
        let head = load_head(&conn, node)?;
        let anchored = fs::read(dir.join(ANCHOR_FILE)).ok().and_then(|bytes| Seal::decode(&bytes).ok());
        let rolled_back = anchored.is_some_and(|seal| seal.node == node && seal.seq > head.seq);
        let env = Environment::system()?;
        let copy_unconfirmed = note_copy(&conn, &database, rolled_back, env.now_ms())?;
        let journal_series = match meta("journal_series")? {
            Some(series) => (!series.is_empty()).then_some(series),
            None => {
                // Books from before the series: the node that created the company (its chain
                // holds the company's creation, in its first commit) numbers without one.
                let created: bool =
                    conn.prepare("SELECT 1 FROM events WHERE node = ?1 AND seq = 2 AND kind = ?2")?.exists(params![
                        &node.as_bytes()[..],
                        <rempart_domain::CompanyCreated as rempart_domain::FactKind>::KIND
                    ])?;
                let series = (!created).then(|| node.short());
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_series', ?1)",
                    [series.clone().unwrap_or_default()],
                )?;
                series
            }
        };
        let checkpointer = checkpoint::Checkpointer::attach(&mut conn, &database)?;
        Ok(Store {
            dir: dir.to_owned(),
            conn,
            checkpointer,
            tenant,
            node,
            key,
            state: LedgerState::default(),
            head,
            journal_series,
            copy_unconfirmed,
            take_in: Projector::default(),
            env,
        })
    }

    /// Stamps this node's events with `env`'s clock and draws its new ids from `env`'s stream
    /// from now on (a simulation's, after opening a data directory).
    pub fn set_environment(&mut self, env: Environment) {
        self.env = env;
    }

    /// A new random entry id, for entries typed without one.
    pub fn new_entry_id(&self) -> String {
        format!("E-{}", hex::encode(self.env.bytes::<8>()))
    }

    /// `N` new random bytes, for the id of a record.
    pub(crate) fn random_bytes<const N: usize>(&self) -> [u8; N] {
        self.env.bytes()
    }

    pub(crate) fn now_ms(&self) -> u64 {
        self.env.now_ms()
    }

    /// Opens an existing data directory, checking that its parts belong together, and loads the
    /// state of the books from the projections.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let mut store = Store::open_for_repair(dir)?;
        let found = store.schema_version()?;
        if found < schema::SCHEMA_VERSION {
            return Err(StoreError::OlderProjections { found, current: schema::SCHEMA_VERSION });
        }
        store.state = load_state(&store.conn).map_err(|error| StoreError::Corrupt {
            what: format!("the projections cannot be read ({error}): run `rempart rebuild`"),
        })?;
        // Indexes that a large take-in dropped, should it have stopped before building them.
        store.conn.execute_batch(schema::PROJECTION_INDEXES)?;
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Goes on under a new node id and key: a new chain, starting with its own first event, and
    /// the old chain kept as another node's (what it holds of it stays, and more of it may come
    /// in by sync). For a copy of a data directory that must record before it can confirm its
    /// own head: the old chain may go further elsewhere, the new one is this copy's alone. The
    /// caller registers the new node in the roster. Safe against a crash at any point: the key
    /// of the new chain is written first beside the old one, the database commit is the switch,
    /// and `open` finishes the files of a switch the commit made.
    pub fn rechain(&mut self, node: NodeId, key: SigningKey) -> Result<(), StoreError> {
        let next_key = self.dir.join(NEXT_KEY_FILE);
        match fs::remove_file(&next_key) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(StoreError::io(&next_key, error)),
            _ => {}
        }
        write_private_file(&next_key, format!("{}\n", hex::encode(key.to_bytes())).as_bytes())?;
        let (old_node, old_key, old_head) = (self.node, self.key.clone(), self.head);
        self.node = node;
        self.key = key;
        self.head = Head { seq: EventSeq(0), hash: Hash32::ZERO, hlc: old_head.hlc };
        self.copy_unconfirmed = false;
        let public_key = hex::encode(self.key.verifying_key().as_bytes());
        let old_series = self.journal_series.replace(node.short());
        let switched = self.commit(|batch| {
            batch.conn.execute("UPDATE meta SET value = ?1 WHERE key = 'node'", [node.to_hex()])?;
            // The new chain numbers its entries in a series of its own: the old identity's may
            // have gone on elsewhere.
            batch
                .conn
                .execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_series', ?1)", [node.short()])?;
            batch.conn.execute("DELETE FROM sync_state WHERE key = ?1", [COPY_FOUND_SETTING])?;
            batch.append_raw(
                NODE_CREATED,
                serde_json::to_vec(&NodeCreated { public_key }).expect("a key in hex serialises"),
            )?;
            Ok(())
        });
        // The commit is the switch: once it is made (an anchor not written after it included),
        // the new identity stands.
        if let Err(error) = switched {
            if matches!(error, StoreError::AnchorNotWritten { .. }) {
                return Err(error);
            }
            (self.node, self.key, self.head, self.journal_series) = (old_node, old_key, old_head, old_series);
            self.copy_unconfirmed = self.sync_setting(COPY_FOUND_SETTING)?.is_some();
            return Err(error);
        }
        tracing::info!(old = %old_node.short(), new = %node.short(), "the node goes on under a new chain");
        let identity = read_identity(&self.dir)?;
        finish_rechain(&self.dir, identity).map(|_| ())
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub fn node(&self) -> NodeId {
        self.node
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub fn state(&self) -> &LedgerState {
        &self.state
    }

    pub fn company(&self) -> Result<&CompanyCreated, StoreError> {
        Ok(self.state.company()?)
    }

    /// The layout of the projections, as recorded in `meta`.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |row| row.get(0))
            .optional()?;
        Ok(text.and_then(|text| text.parse().ok()).unwrap_or(0))
    }

    /// Waits until the WAL checkpoints asked for so far are done (they run on a thread of their
    /// own, after the commits that asked); returns how many this store has done.
    pub fn settle_checkpoints(&self) -> u64 {
        self.checkpointer.settle()
    }

    /// The connection, for report queries and tests. Writing through it bypasses the log.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Runs `build` inside one transaction and seals what it appended. Nothing is written if it
    /// fails; success is returned only once the commit is durable.
    pub fn commit<T>(&mut self, build: impl FnOnce(&mut Batch<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let span = tracing::debug_span!("commit", tenant = %self.tenant, node = %self.node.short());
        let _entered = span.enter();
        if self.copy_unconfirmed {
            return Err(StoreError::CopyNotConfirmed);
        }
        // Immediate: the write lock is taken before anything is read, so that a checkpoint that
        // resets the WAL meanwhile cannot leave this transaction reading a snapshot it may not
        // write on (SQLITE_BUSY_SNAPSHOT); a writer waits on the lock instead.
        let transaction = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut state = self.state.clone();
        state.journal_series.clone_from(&self.journal_series);
        let mut batch = Batch {
            conn: &transaction,
            tenant: self.tenant,
            node: self.node,
            state,
            head: self.head,
            now_ms: self.env.now_ms(),
            projector: Projector::default(),
            appended: 0,
        };
        let output = build(&mut batch)?;
        batch.projector.flush(batch.conn)?;
        let (state, head, appended) = (batch.state, batch.head, batch.appended);
        let seal = (appended > 0).then(|| Seal::sign(&self.key, self.tenant, self.node, head.seq, head.hash));
        if let Some(seal) = &seal {
            transaction.execute(
                "INSERT INTO seals (node, seq, head, signature) VALUES (?1, ?2, ?3, ?4)",
                params![&self.node.as_bytes()[..], seal.seq.0 as i64, &seal.head.as_bytes()[..], &seal.signature[..]],
            )?;
        }
        transaction.commit()?;
        self.state = state;
        self.head = head;
        if let Some(seal) = seal {
            write_file_atomically(&self.dir.join(ANCHOR_FILE), &seal.encode())
                .map_err(|error| StoreError::AnchorNotWritten { seq: seal.seq.0, reason: error.to_string() })?;
            tracing::debug!(events = appended, head = seal.seq.0, "commit sealed and durable");
        }
        Ok(output)
    }

    pub fn open_account(&mut self, account: AccountOpened) -> Result<(), StoreError> {
        self.commit(|batch| {
            batch.state.check_account_opened(&account)?;
            batch.record(Fact::AccountOpened(account))
        })
    }

    pub fn edit_account(&mut self, edit: AccountEdited) -> Result<(), StoreError> {
        self.commit(|batch| {
            batch.state.check_account_edited(&edit)?;
            batch.record(Fact::AccountEdited(edit))
        })
    }

    pub fn close_period(&mut self, until: NaiveDate) -> Result<(), StoreError> {
        // What this node held when it closed: entries of the span recorded elsewhere and not
        // among them are listed as conflicts once they arrive.
        let seen = self
            .version_vector()?
            .0
            .into_iter()
            .map(|(node, head)| (hex::encode(node.as_bytes()), head.seq.0))
            .collect();
        self.commit(|batch| {
            batch.state.check_period_close(until)?;
            batch.record(Fact::PeriodClosed(PeriodClosed { until, seen }))
        })
    }

    /// Records entries all-or-nothing. An entry whose id is already recorded with the same
    /// content is skipped (ids are idempotency keys); with other content it is refused.
    pub fn post_entries(
        &mut self,
        drafts: &[EntryDraft],
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportOutcome, StoreError> {
        // A large import into smaller books grows the secondary indexes faster by building them
        // once at the end.
        let bulk = drafts.len() >= BULK_ENTRIES_MIN && drafts.len() as u64 >= self.head.seq.0 / 2;
        // As every commit, a large one is acknowledged once its WAL frames are durable; the
        // checkpointer copies them into the database file afterwards.
        self.commit(|batch| {
            if bulk {
                batch.conn.execute_batch(schema::DROP_DEFERRABLE_INDEXES)?;
            }
            let mut outcome = ImportOutcome::default();
            let validated_on = date_of_ms(batch.now_ms);
            for (index, draft) in drafts.iter().enumerate() {
                let position = index + 1;
                let at = |source: LedgerError| StoreError::Entry { position, id: draft.id.clone(), source };
                if let Some(digest) = batch.entry_digest(&draft.id)? {
                    let entry = batch.state.read_entry(draft, validated_on).map_err(at)?;
                    if entry_digest(&entry) != digest {
                        return Err(at(LedgerError::EntryIdConflict { id: draft.id.clone() }));
                    }
                    outcome.already_present += 1;
                } else {
                    let entry = batch.state.prepare_entry(draft, validated_on).map_err(at)?;
                    batch.record(Fact::EntryPosted(entry))?;
                    outcome.recorded += 1;
                }
                if position % 1000 == 0 {
                    progress(position as u64);
                }
            }
            progress(drafts.len() as u64);
            if bulk {
                batch.conn.execute_batch(schema::PROJECTION_INDEXES)?;
            }
            Ok(outcome)
        })
    }

    /// Records the reversal of entry `id`, dated `date` (by default the original's date).
    pub fn reverse_entry(&mut self, id: &str, date: Option<NaiveDate>) -> Result<EntryPosted, StoreError> {
        let reversal_id = self.new_entry_id();
        self.commit(|batch| {
            let row: Option<(Option<String>, Vec<u8>, i64)> = batch
                .conn
                .query_row("SELECT reversed_by, node, seq FROM p_entries WHERE id = ?1", [id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            let (reversed_by, node, seq) = row.ok_or_else(|| LedgerError::UnknownEntry { id: id.to_owned() })?;
            if let Some(by) = reversed_by {
                return Err(LedgerError::AlreadyReversed { id: id.to_owned(), by }.into());
            }
            let (kind, payload): (String, Vec<u8>) = batch.conn.query_row(
                "SELECT kind, payload FROM events WHERE node = ?1 AND seq = ?2",
                params![node, seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            let Some(Fact::EntryPosted(original)) = Fact::from_payload(&kind, &payload)? else {
                return Err(StoreError::Corrupt { what: format!("entry {id} does not point at an entry event") });
            };
            let validated_on = date_of_ms(batch.now_ms);
            let reversal =
                batch.state.prepare_reversal(&original, reversal_id, date.unwrap_or(original.date), validated_on)?;
            batch.record(Fact::EntryPosted(reversal.clone()))?;
            Ok(reversal)
        })
    }

    /// Number of events in the log, all nodes together.
    pub fn event_count(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row("SELECT count(*) FROM events", [], |row| row.get::<_, i64>(0))? as u64)
    }

    /// The chart of accounts in number order, with the German and English labels.
    pub fn accounts(&self) -> Result<Vec<AccountListing>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT number, label, kind, currency, closed, label_de, label_en FROM p_accounts ORDER BY number",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(AccountListing { account: account_from_row(row)?, label_de: row.get(5)?, label_en: row.get(6)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn read_key(path: &Path) -> Result<SigningKey, StoreError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::KeyMissing { path: path.to_owned() });
        }
        Err(error) => {
            return Err(StoreError::KeyUnreadable { path: path.to_owned(), reason: error.to_string() });
        }
    };
    let mut seed = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut seed).map_err(|_| StoreError::KeyUnreadable {
        path: path.to_owned(),
        reason: "it is not 64 hexadecimal digits".to_owned(),
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

fn load_head(conn: &Connection, node: NodeId) -> Result<Head, StoreError> {
    let own: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM events WHERE node = ?1 ORDER BY seq DESC LIMIT 1",
            [&node.as_bytes()[..]],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let latest: Option<(i64, i64)> = conn
        .query_row(
            "SELECT hlc_wall_ms, hlc_logical FROM events ORDER BY hlc_wall_ms DESC, hlc_logical DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (seq, hash) = match own {
        Some((seq, hash)) => {
            let hash: [u8; 32] =
                hash.try_into().map_err(|_| StoreError::Corrupt { what: "an event hash is not 32 bytes".into() })?;
            (EventSeq(seq as u64), Hash32(hash))
        }
        None => (EventSeq(0), Hash32::ZERO),
    };
    let hlc =
        latest.map_or(Hlc::default(), |(wall_ms, logical)| Hlc { wall_ms: wall_ms as u64, logical: logical as u32 });
    Ok(Head { seq, hash, hlc })
}

/// Reads an account from the first five columns of a row: number, label, kind, currency, closed.
fn account_from_row(row: &rusqlite::Row<'_>) -> Result<Account, rusqlite::Error> {
    let bad = |what: &str| rusqlite::Error::InvalidColumnName(what.to_owned());
    let kind: String = row.get(2)?;
    let currency: String = row.get(3)?;
    Ok(Account {
        number: row.get(0)?,
        label: row.get(1)?,
        kind: kind.parse().map_err(|_| bad("kind"))?,
        currency: currency.parse().map_err(|_| bad("currency"))?,
        closed: row.get(4)?,
    })
}

/// Reads the rules' state from the projections.
pub(crate) fn load_state(conn: &Connection) -> Result<LedgerState, rusqlite::Error> {
    let mut state = LedgerState::default();
    let company_value = |key: &str| -> Result<Option<String>, rusqlite::Error> {
        conn.query_row("SELECT value FROM p_company WHERE key = ?1", [key], |row| row.get(0)).optional()
    };
    let bad = |what: &str| rusqlite::Error::InvalidColumnName(what.to_owned());
    if let Some(name) = company_value("name")? {
        let country: Country = company_value("country")?.unwrap_or_default().parse().map_err(|_| bad("country"))?;
        let currency: Currency = company_value("currency")?.unwrap_or_default().parse().map_err(|_| bad("currency"))?;
        let fiscal_year_start_month = company_value("fiscal_year_start_month")?
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| bad("fiscal_year_start_month"))?;
        state.company = Some(CompanyCreated { name, country, currency, fiscal_year_start_month });
    }
    if let Some(until) = company_value("closed_until")? {
        state.closed_until = Some(rempart_domain::rules::parse_date(&until).map_err(|_| bad("closed_until"))?);
    }
    let mut accounts = conn.prepare("SELECT number, label, kind, currency, closed FROM p_accounts")?;
    for row in accounts.query_map([], account_from_row)? {
        let account = row?;
        state.accounts.insert(account.number.clone(), account);
    }
    let mut vat =
        conn.prepare("SELECT code, label, rate_bp, direction, account, valid_from, valid_until FROM p_vat_codes")?;
    for row in vat.query_map([], |row| {
        let direction: String = row.get(3)?;
        let valid_from: String = row.get(5)?;
        let valid_until: Option<String> = row.get(6)?;
        let date = |text: &str| rempart_domain::rules::parse_date(text).map_err(|_| bad("valid_from"));
        Ok(rempart_domain::VatCode {
            code: row.get(0)?,
            label: row.get(1)?,
            rate_bp: row.get(2)?,
            direction: if direction == "input" {
                rempart_domain::VatDirection::Input
            } else {
                rempart_domain::VatDirection::Output
            },
            account: row.get(4)?,
            valid_from: date(&valid_from)?,
            valid_until: valid_until.as_deref().map(date).transpose()?,
        })
    })? {
        let code = row?;
        state.vat_codes.insert(code.code.clone(), code);
    }
    let mut fields = conn.prepare("SELECT name, label, kind FROM p_contact_field_defs")?;
    for row in fields.query_map([], |row| {
        let kind: String = row.get(2)?;
        Ok(rempart_domain::contacts::ContactFieldDefined {
            name: row.get(0)?,
            label: row.get(1)?,
            kind: kind.parse().map_err(|_| bad("kind"))?,
        })
    })? {
        let field = row?;
        state.contact_fields.insert(field.name.clone(), field);
    }
    let mut series = conn.prepare("SELECT series, last FROM p_invoice_series")?;
    for row in series.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))? {
        let (name, last) = row?;
        state.invoice_series_last.insert(name, last as u64);
    }
    let mut journals = conn.prepare("SELECT code, last_number FROM p_journals")?;
    for row in journals.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))? {
        let (code, last) = row?;
        state.journal_last_number.insert(code, last as u64);
    }
    Ok(state)
}

/// One commit in progress: appends events to the node's chain and projects them.
pub struct Batch<'a> {
    conn: &'a Connection,
    tenant: TenantId,
    node: NodeId,
    pub state: LedgerState,
    head: Head,
    now_ms: u64,
    projector: Projector,
    appended: u64,
}

impl Batch<'_> {
    /// Appends a fact that the caller has checked against `state`, and projects it.
    pub fn record(&mut self, fact: Fact) -> Result<(), StoreError> {
        let origin = self.append_raw(fact.kind(), fact.to_payload())?;
        self.projector.apply(self.conn, &mut self.state, origin, &fact)
    }

    fn append_raw(&mut self, kind: &str, payload: Vec<u8>) -> Result<Origin, StoreError> {
        let seq = self.head.seq.next();
        let hlc = self.head.hlc.tick(self.now_ms);
        let event = Event::new(self.tenant, self.node, seq, hlc, self.head.hash, kind, payload)?;
        let hash = event.hash();
        self.conn
            .prepare_cached(
                "INSERT INTO events (node, seq, version, tenant, hlc_wall_ms, hlc_logical, prev, kind, payload, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                &self.node.as_bytes()[..],
                seq.0 as i64,
                event.version,
                &self.tenant.as_bytes()[..],
                hlc.wall_ms as i64,
                hlc.logical,
                &event.prev.as_bytes()[..],
                event.kind,
                event.payload,
                &hash.as_bytes()[..]
            ])?;
        self.head = Head { seq, hash, hlc };
        self.appended += 1;
        Ok(Origin { node: self.node, seq, hlc })
    }

    /// The content digest of the entry recorded under `id`, in this commit or before.
    fn entry_digest(&self, id: &str) -> Result<Option<[u8; 32]>, StoreError> {
        if let Some(digest) = self.projector.pending_digest(id) {
            return Ok(Some(digest));
        }
        let stored: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT digest FROM p_entries WHERE id = ?1")?
            .query_row([id], |row| row.get(0))
            .optional()?;
        Ok(stored.map(|bytes| bytes.try_into().unwrap_or([0; 32])))
    }
}

#[cfg(test)]
mod copy_tests {
    use super::same_instance;

    #[test]
    fn a_file_is_known_by_its_birth_time_where_there_is_one_else_by_its_inode() {
        assert!(same_instance("12:1700000000000000000", "12:1700000000000000000"));
        // Renumbered inode (a FAT or network mount mounted again), same birth time: the same file.
        assert!(same_instance("12:1700000000000000000", "99:1700000000000000000"));
        // A copy: another birth time, whatever the inode.
        assert!(!same_instance("12:1700000000000000000", "12:1700000000000000001"));
        // No birth time on one side (not recorded, or not readable here): the inode decides.
        assert!(same_instance("12:0", "12:1700000000000000000"));
        assert!(!same_instance("12:0", "13:0"));
    }
}

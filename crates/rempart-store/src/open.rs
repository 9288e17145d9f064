//! Making and opening a data directory: a new company, a device joining one, opening for work
//! or for repair, and switching to a new chain key.

use std::fs;
use std::path::Path;

use chrono::{DateTime, NaiveDate};
use rempart_domain::chart::{chart_of, vat_codes_of};
use rempart_domain::{AccountOpened, CompanyCreated, Country, Fact, LedgerState};
use rempart_log::{
    EventSeq, FORMAT_VERSION, Hash32, Hlc, NODE_CREATED, NodeCreated, NodeId, Seal, SigningKey, TenantId,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::commit::{Commit, Head, load_head};
use crate::copy::{file_instance, note_copy};
use crate::layout::{
    ANCHOR_FILE, DATABASE_FILE, IDENTITY_FILE, Identity, KEY_FILE, NEXT_KEY_FILE, make_private_dir, read_identity,
    read_key, tighten, write_file_atomically, write_private_file,
};
use crate::project::Projector;
use crate::{COPY_FOUND_SETTING, Damage, Environment, Store, StoreError, checkpoint, durable, load_state, schema};

pub(crate) fn date_of_ms(ms: u64) -> NaiveDate {
    DateTime::from_timestamp_millis(ms as i64).map_or(NaiveDate::MIN, |time| time.date_naive())
}

pub(crate) fn open_connection(path: &Path, flags: OpenFlags) -> Result<Connection, StoreError> {
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

/// Finishes a `Store::rechain` whose database commit was made: the database names the new node,
/// whose first event announces its key; that key moves from `node.key.next` to `node.key` and
/// the identity file is written for it. A switch whose commit was not made is dropped. Returns
/// the identity as it stands.
pub(crate) fn finish_rechain(dir: &Path, identity: Identity) -> Result<Identity, StoreError> {
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
    let node_id: NodeId = node.parse().map_err(|_| Damage::NoNodeInMeta)?;
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
        .ok_or_else(|| Damage::NoFirstEvent { node: node.clone() })?;
    let public_of = |path: &Path| read_key(path).ok().map(|key| hex::encode(key.verifying_key().as_bytes()));
    if public_of(&next_key).as_deref() == Some(announced.as_str()) {
        durable::rename_durably(&next_key, &dir.join(KEY_FILE)).map_err(|error| StoreError::io(&next_key, error))?;
    } else if public_of(&dir.join(KEY_FILE)).as_deref() != Some(announced.as_str()) {
        return Err(StoreError::KeyMismatch);
    }
    let identity = Identity { node, public_key: announced, ..identity };
    let json = identity_json(&identity);
    write_file_atomically(&dir.join(IDENTITY_FILE), &json)?;
    Ok(identity)
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
        Store::create(env, dir, tenant, key, false, |commit| {
            commit.record(Fact::CompanyCreated(company.clone()))?;
            for account in chart_of(country) {
                let label_of = |label: &str| (!label.is_empty()).then(|| label.to_owned());
                commit.record(Fact::AccountOpened(AccountOpened {
                    number: account.number.to_owned(),
                    label: account.label_fr.to_owned(),
                    label_de: label_of(account.label_de),
                    label_en: label_of(account.label_en),
                    kind: account.kind,
                    currency: company.currency,
                }))?;
            }
            for vat in vat_codes_of(country) {
                commit.record(Fact::VatCodeDefined(vat))?;
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
    pub(crate) fn create(
        env: Environment,
        dir: &Path,
        tenant: TenantId,
        key: SigningKey,
        own_series: bool,
        first: impl FnOnce(&mut Commit<'_>) -> Result<(), StoreError>,
    ) -> Result<Store, StoreError> {
        make_private_dir(dir)?;
        let node = NodeId::from_bytes(env.bytes());
        let identity = Identity {
            format_version: u32::from(FORMAT_VERSION),
            tenant: tenant.to_hex(),
            node: node.to_hex(),
            public_key: hex::encode(key.verifying_key().as_bytes()),
        };
        let identity_json = identity_json(&identity);
        write_private_file(&dir.join(KEY_FILE), format!("{}\n", hex::encode(key.to_bytes())).as_bytes())?;
        let database = dir.join(DATABASE_FILE);
        // Created empty and private first: SQLite opens it as a new database, and gives its WAL
        // and shared-memory files the same mode.
        write_private_file(&database, b"")?;
        let mut conn = open_connection(&database, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
        let checkpointer = checkpoint::Checkpointer::attach(&mut conn, &database)?;
        conn.execute_batch(schema::LOG_SCHEMA)?;
        conn.execute_batch(schema::SYNC_SCHEMA)?;
        schema::create_projections(&conn)?;
        conn.execute_batch(schema::PROJECTION_INDEXES)?;
        let mut meta = conn.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
        meta.execute(params!["schema_version", schema::SCHEMA_VERSION.to_string()])?;
        meta.execute(params!["tenant", tenant.to_hex()])?;
        meta.execute(params!["node", node.to_hex()])?;
        meta.execute(params!["instance", file_instance(&database)?])?;
        let journal_series = own_series.then(|| node.short());
        meta.execute(params!["journal_series", journal_series.clone().unwrap_or_default()])?;
        drop(meta);
        let data_version = crate::commit::data_version(&conn)?;
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
            author: None,
            data_version,
            env,
        };
        let public_key = identity.public_key.clone();
        store.commit(|commit| {
            commit.append_raw(
                NODE_CREATED,
                serde_json::to_vec(&NodeCreated { public_key }).expect("a key in hex serialises"),
            )?;
            first(commit)
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
        let identity: Identity = serde_json::from_slice(&identity_bytes)
            .map_err(|error| Damage::IdentityUnreadable { detail: error.to_string() })?;
        if identity.format_version > u32::from(FORMAT_VERSION) {
            return Err(StoreError::NewerFormat {
                found: identity.format_version,
                supported: u32::from(FORMAT_VERSION),
            });
        }
        let database = dir.join(DATABASE_FILE);
        let identity = finish_rechain(dir, identity)?;
        let unreadable = |error: rempart_log::IdError| Damage::IdentityUnreadable { detail: error.to_string() };
        let tenant: TenantId = identity.tenant.parse().map_err(unreadable)?;
        let node: NodeId = identity.node.parse().map_err(unreadable)?;
        let key = read_key(&dir.join(KEY_FILE))?;
        if hex::encode(key.verifying_key().as_bytes()) != identity.public_key {
            return Err(StoreError::KeyMismatch);
        }
        if !database.exists() {
            return Err(Damage::DatabaseMissing.into());
        }
        let mut conn = open_connection(&database, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(|error| match error {
            StoreError::Sqlite(error) => Damage::DatabaseUnreadable { detail: error.to_string() }.into(),
            other => other,
        })?;
        let meta = |key: &str| -> Result<Option<String>, StoreError> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
                .optional()
                .map_err(|error| Damage::DatabaseUnreadable { detail: error.to_string() }.into())
        };
        let schema_version: u32 = meta("schema_version")?
            .and_then(|text| text.parse().ok())
            .filter(|version| *version > 0)
            .ok_or(Damage::NoSchemaVersion)?;
        if schema_version > schema::SCHEMA_VERSION {
            return Err(StoreError::NewerFormat { found: schema_version, supported: schema::SCHEMA_VERSION });
        }
        let database_tenant = meta("tenant")?.ok_or(Damage::DatabaseUnnamed)?;
        if database_tenant != identity.tenant {
            return Err(StoreError::OtherTenant { database: database_tenant, directory: identity.tenant });
        }
        if meta("node")?.ok_or(Damage::DatabaseUnnamed)? != identity.node {
            return Err(Damage::OtherNode.into());
        }
        conn.execute_batch(schema::SYNC_SCHEMA)?;
        // Read before the head, as the anchor is: another handle on this directory committing
        // meanwhile then makes the next commit read the head again (`Store::commit`), and its
        // anchor, written after its commit, never reads as ahead of a head read after it.
        let data_version = crate::commit::data_version(&conn)?;
        let anchored = fs::read(dir.join(ANCHOR_FILE)).ok().and_then(|bytes| Seal::decode(&bytes).ok());
        let head = load_head(&conn, node)?;
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
            author: None,
            data_version,
            env,
        })
    }

    /// Opens an existing data directory, checking that its parts belong together, and loads the
    /// state of the books from the projections.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let mut store = Store::open_for_repair(dir)?;
        let found = store.schema_version()?;
        if found < schema::SCHEMA_VERSION {
            return Err(StoreError::OlderProjections { found, current: schema::SCHEMA_VERSION });
        }
        store.state =
            load_state(&store.conn).map_err(|error| Damage::ProjectionsUnreadable { detail: error.to_string() })?;
        // Indexes that a large take-in dropped, should it have stopped before building them.
        store.conn.execute_batch(schema::PROJECTION_INDEXES)?;
        Ok(store)
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
        let switched = self.commit(|commit| {
            commit.conn.execute("UPDATE meta SET value = ?1 WHERE key = 'node'", [node.to_hex()])?;
            // The new chain numbers its entries in a series of its own: the old identity's may
            // have gone on elsewhere.
            commit
                .conn
                .execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_series', ?1)", [node.short()])?;
            // And its invoices in series after its new id, for the same reason
            // (`invoices::Numbering::ByDevice`).
            commit.conn.execute("DELETE FROM meta WHERE key = 'invoice_series'", [])?;
            commit.conn.execute("DELETE FROM sync_state WHERE key = ?1", [COPY_FOUND_SETTING])?;
            commit.append_raw(
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
}

/// The identity file's text: four strings and a number, which serialise whatever they hold.
fn identity_json(identity: &Identity) -> Vec<u8> {
    serde_json::to_vec_pretty(identity).expect("an identity of strings and a number serialises")
}

//! The node's local store: one data directory holding the node's identity, its signing key, its
//! SQLite database (the log and the projections) and the head anchor.
//!
//! Every change goes through `Store::commit`: inside one SQLite transaction the facts are checked
//! against the rules, appended to the node's chain as events, projected into the tables, and the
//! new head is sealed with the node's key. The commit is acknowledged only after SQLite has made
//! it durable (WAL with `synchronous=FULL`); the head anchor file is written after that, so it is
//! never ahead of the database.
//!
//! The data directory's layout is `layout`'s; the modules named after a business subject
//! (`ledger`, `contacts`, `catalogue`, `invoices`, `payments`, `bills`, `dunning`) hold its commands
//! and queries, the projection of its facts and its tables.

pub mod bills;
pub mod catalogue;
mod checkpoint;
pub mod closures;
mod commit;
pub mod company;
pub mod contacts;
mod copy;
pub mod documents;
pub mod dunning;
pub mod durable;
mod environment;
mod error;
pub mod fec;
pub mod invoices;
pub mod layout;
mod ledger;
pub mod loyalty;
mod open;
pub mod payments;
mod project;
pub mod quotes;
pub mod replenish;
pub mod reports;
pub mod sales;
mod schema;
pub mod snapshot;
pub mod stock;
pub mod sync;
pub mod tills;
pub mod users;
pub mod vat_due;
pub mod vehicles;
mod verify;

use std::path::{Path, PathBuf};

use rempart_domain::{CompanyCreated, LedgerState};
use rempart_log::{NodeId, SigningKey, TenantId, VerifyingKey};
use rusqlite::{Connection, OptionalExtension};

pub use commit::Commit;
pub use environment::{Clock, Environment};
pub use error::{Blob, Damage, Refusal, StoreError};
pub use ledger::{AccountListing, ImportOutcome};
pub use project::entry_digest;
pub use schema::SCHEMA_VERSION;
pub use verify::{Difference, EventName, LastVerify, Problem, VerifyReport};

pub(crate) use commit::{Head, load_head};
pub(crate) use copy::COPY_FOUND_SETTING;
pub(crate) use layout::{ANCHOR_FILE, DATABASE_FILE};
pub(crate) use ledger::load_state;
pub(crate) use open::date_of_ms;
use project::Projector;

/// Imports of at least this many entries (and at least half the size of the log), and take-ins
/// of at least this many events (and at least half as many as held), build the deferrable
/// indexes at the end rather than row by row.
const BULK_ENTRIES_MIN: usize = 10_000;

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
    /// SQLite's count of other connections' commits when `head` and `state` were last read
    /// (`commit::data_version`): when it moved, another process wrote and they are read again.
    data_version: i64,
    /// The person (a user of the web app) whose work the next commits record, named in each of
    /// their events (`facts::with_author`); none for the command line.
    author: Option<String>,
}

impl Store {
    /// Stamps this node's events with `env`'s clock and draws its new ids from `env`'s stream
    /// from now on (a simulation's, after opening a data directory).
    pub fn set_environment(&mut self, env: Environment) {
        self.env = env;
    }

    /// Records the facts of `work` as done by the user `by`: each event names them.
    pub fn as_user<T>(&mut self, by: &str, work: impl FnOnce(&mut Store) -> T) -> T {
        let before = self.author.replace(by.to_owned());
        // Put back whoever was acting before, even if the work panics: the next commits of a
        // server that goes on must not carry this person's name.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(self)));
        self.author = before;
        match result {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
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

    pub fn dir(&self) -> &Path {
        &self.dir
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
        Ok(text.and_then(|text| text.parse().ok()).ok_or(Damage::NoSchemaVersion)?)
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

    /// Number of events in the log, all nodes together.
    pub fn event_count(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row("SELECT count(*) FROM events", [], |row| row.get::<_, i64>(0))? as u64)
    }
}

//! The store's errors: one enum, with the data each message needs.

use std::path::{Path, PathBuf};

use rempart_domain::{FactError, LedgerError};
use rempart_log::{ChainFault, EventError};

use crate::layout::IDENTITY_FILE;

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
    Corrupt { what: Damage },
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
    #[error("the node key {path} cannot be read: {source}")]
    KeyUnreadable { path: PathBuf, source: std::io::Error },
    #[error("the node key {path} is not 64 hexadecimal digits")]
    KeyMalformed { path: PathBuf },
    #[error("the node key does not belong to this node")]
    KeyMismatch,
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Contact(rempart_domain::contacts::ContactError),
    #[error(transparent)]
    Item(rempart_domain::catalogue::ItemError),
    #[error(transparent)]
    Stock(rempart_domain::stock::StockError),
    #[error(transparent)]
    Till(rempart_domain::tills::TillError),
    #[error(transparent)]
    Closure(rempart_domain::closures::ClosureError),
    #[error(transparent)]
    Loyalty(rempart_domain::loyalty::LoyaltyError),
    #[error(transparent)]
    Replenish(rempart_domain::replenish::ReplenishError),
    #[error(transparent)]
    VatMethod(rempart_domain::vat::VatMethodError),
    #[error(transparent)]
    Invoice(rempart_domain::invoices::InvoiceError),
    #[error(transparent)]
    Quote(#[from] rempart_domain::quotes::QuoteError),
    #[error(transparent)]
    Vehicle(rempart_domain::vehicles::VehicleError),
    #[error(transparent)]
    Payment(rempart_domain::payments::PaymentError),
    #[error(transparent)]
    Bill(rempart_domain::bills::BillError),
    #[error(transparent)]
    Dunning(#[from] rempart_domain::dunning::DunningError),
    #[error(transparent)]
    User(rempart_domain::users::UserError),
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
        "the change was recorded (up to event {seq}) but the head anchor could not be written ({source}): free space or fix permissions, then run `rempart verify`"
    )]
    AnchorNotWritten { seq: u64, source: std::io::Error },
    #[error("events of node {node} were refused: {why}")]
    SyncRefused { node: String, why: Refusal },
    #[error(
        "node {node} has two different events at position {seq}: a hub, a peer or a backup was tampered with, or the device was cloned; its chain is frozen here and both versions are kept as evidence"
    )]
    Forked { node: String, seq: u64 },
    #[error(
        "this data directory is a copy, or was put back from a backup: this node's chain may already go on elsewhere, and recording now could fork it. Run `rempart sync` first, which fetches this node's own head from the hub; recording is allowed again once it is confirmed. Without the hub, `rempart device rechain` goes on at once under a new node identity"
    )]
    CopyNotConfirmed,
    #[error("the system random number generator failed: {source}")]
    Random { source: getrandom::Error },
    /// The clock this node stamps its events with cannot move past the last reading it saw (an
    /// event stamped at the very end of the clock's range, from a device of the company).
    #[error("this node's clock cannot move past the last event it saw, stamped at the end of the clock's range")]
    ClockExhausted,
    /// The check of a run taken in stopped before its writing did; the check's own error is
    /// the one told.
    #[error("the check of the events taken in ended before their writing")]
    CheckEndedShort,
    #[error("no open conflict has the id {id}: `rempart conflicts` lists them with their ids")]
    UnknownConflict { id: String },
}

impl StoreError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io { path: path.to_owned(), source }
    }
}

/// What of a data directory was found damaged, with what a message needs. The `detail` of a
/// variant is the words of the library that failed to read it (SQLite, serde).
#[derive(Debug, thiserror::Error)]
pub enum Damage {
    #[error("{IDENTITY_FILE} cannot be read ({detail})")]
    IdentityUnreadable { detail: String },
    #[error("the database names no node")]
    NoNodeInMeta,
    #[error("the database file is missing")]
    DatabaseMissing,
    #[error("the database file cannot be read ({detail})")]
    DatabaseUnreadable { detail: String },
    #[error("the database has no schema version")]
    NoSchemaVersion,
    #[error("the database names no company or node")]
    DatabaseUnnamed,
    #[error("the database belongs to another node of the company")]
    OtherNode,
    #[error("the chain of node {node} has no first event")]
    NoFirstEvent { node: String },
    #[error("the projections cannot be read ({detail}): run `rempart rebuild`")]
    ProjectionsUnreadable { detail: String },
    #[error("\"{text}\" in the projections is not a date")]
    NotADate { text: String },
    #[error("\"{text}\" in the projections is not a currency")]
    NotACurrency { text: String },
    #[error("\"{text}\" in the projections is not a quote's answer")]
    NotAnAnswer { text: String },
    #[error("\"{text}\" in the projections is not a move of VAT awaiting payment")]
    NotAVatMove { text: String },
    #[error("a snapshot's log names a node or a head of the wrong length")]
    SnapshotMalformed,
    #[error("the path {path} cannot be given to SQLite: it is not text")]
    PathNotText { path: String },
    #[error("no archive of {kind} {number} gives the hash its issue recorded: run `rempart verify`")]
    ArchiveUnmatched { kind: &'static str, number: String },
    #[error("postings name account {account}, which does not exist")]
    UnknownAccount { account: String },
    #[error("entry {id} does not point at an entry event")]
    EntryWithoutEvent { id: String },
    #[error("{what} has the wrong length")]
    WrongLength { what: Blob },
    #[error("event {seq} of node {node} is not held")]
    EventMissing { node: String, seq: u64 },
    #[error("a seal over event {seq} does not match the log")]
    SealMismatch { seq: u64 },
    #[error("a period close's vector cannot be read ({detail})")]
    CloseVector { detail: String },
    #[error("an event cannot be read: {detail}")]
    EventUnreadable { detail: String },
    #[error("the local setting {key} cannot be read ({detail})")]
    SettingUnreadable { key: &'static str, detail: String },
    #[error("the access of user {user} cannot be read")]
    UserUnreadable { user: String },
    #[error("the location {code} cannot be read")]
    LocationUnreadable { code: String },
    #[error("the SKU {sku} cannot be read")]
    SkuUnreadable { sku: String },
    #[error("the transfer {transfer} cannot be read")]
    TransferUnreadable { transfer: String },
    #[error("the ticket {number} cannot be read")]
    TicketUnreadable { number: String },
    #[error("the closure {number} cannot be read")]
    ClosureUnreadable { number: u64 },
    #[error("the loyalty program or points cannot be read")]
    LoyaltyUnreadable,
}

/// A value of fixed length kept in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Blob {
    #[error("a node id")]
    NodeId,
    #[error("an event hash")]
    EventHash,
    #[error("a seal signature")]
    SealSignature,
    #[error("a seal head")]
    SealHead,
    #[error("an entry's digest")]
    EntryDigest,
    #[error("a company id")]
    TenantId,
}

/// Why events of another node were not taken in.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Chain(#[from] ChainFault),
    #[error("event {seq}: {source}")]
    Unreadable { seq: u64, source: FactError },
    #[error("a seal names event {seq}, which the run does not hold")]
    SealBeyondRun { seq: u64 },
    #[error("the events belong to another company")]
    OtherCompany,
    #[error("a run mixes the events of several nodes")]
    MixedNodes,
    #[error("events {from} to {to} are missing before this run")]
    Gap { from: u64, to: u64 },
    #[error("the chain does not start with the key the roster gives for the node")]
    WrongFirstKey,
    /// A document or entry numbered otherwise than this program numbers them, or beyond
    /// `rempart_domain::invoices::SEQUENCE_MAX` in its series: refused before it could take the
    /// series' next number away from the device whose series it is.
    #[error("event {seq} carries the number {number}, which is not a number of its series")]
    BadNumber { seq: u64, number: String },
    /// An invoice, credit note or entry numbered in a series the roster does not give its
    /// author (`sync::Author`): another device's, or the company creator's plain one.
    #[error("event {seq} is numbered in the series {series}, which is not its device's")]
    SeriesOfAnother { seq: u64, series: String },
    /// An invoice or credit note that is not the next of its author's series: a gap, or a number
    /// given twice.
    #[error("event {seq} carries the number {number} where its series is at number {expected}")]
    OutOfTurn { seq: u64, number: String, expected: u64 },
    /// A fact of a till (a binding, a ticket, a drawer movement) that is not whole: its own
    /// checks fail (an amount out of range, a ticket that does not settle), so the run that
    /// carries it is refused rather than leave a gap where it would not be projected.
    #[error("event {seq} is a till's fact that is not whole")]
    IllFormed { seq: u64 },
    /// The company's creation recorded by another device than the one that created it (a
    /// copy: it would name that device the company's creator, which alone names the first owner).
    #[error("event {seq} records the company's creation on a device that did not create it")]
    CreatedElsewhere { seq: u64 },
    /// A loyalty program set by another device than head office (the company's creator), in
    /// another currency than the company's, or stamped later than its event.
    #[error("event {seq} sets the loyalty program, which only head office does, in the company's currency")]
    ProgramNotHeadOffice { seq: u64 },
    /// Loyalty points that their ticket (same device and number, held or earlier in the run)
    /// did not move: no such ticket, another card or day, or more than its program gives.
    #[error("event {seq} moves points on ticket {ticket} that the ticket does not account for")]
    PointsWithoutTicket { seq: u64, ticket: String },
    /// An event stamped more than a day ahead of this node's clock (`CLOCK_AHEAD_MAX_MS`).
    #[error("event {seq} is stamped more than a day ahead of this node's clock")]
    ClockAhead { seq: u64, wall_ms: u64 },
}

impl From<Damage> for StoreError {
    fn from(what: Damage) -> StoreError {
        StoreError::Corrupt { what }
    }
}

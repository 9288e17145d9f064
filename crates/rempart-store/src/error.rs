//! The store's errors: one enum, with the data each message needs.

use std::path::{Path, PathBuf};

use rempart_domain::{FactError, LedgerError};
use rempart_log::EventError;

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
    pub(crate) fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io { path: path.to_owned(), source }
    }
}

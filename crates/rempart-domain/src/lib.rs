//! The pure accounting domain of Rempart.
//!
//! This crate owns the vocabulary of the books: money in exact minor units, currencies, accounts
//! and their kinds, the Swiss and French charts of accounts, dated VAT codes, journal entries and
//! the rules an entry must satisfy before it may be recorded, and the facts (event payloads) that
//! the log records. It performs no I/O, reads no clock and draws no random numbers: dates, ids and
//! the state to check against are passed in, so every function here is deterministic.

pub mod bills;
pub mod catalogue;
pub mod chart;
pub mod closures;
pub mod company;
pub mod contacts;
pub mod documents;
pub mod dunning;
pub mod facts;
pub mod invoices;
pub mod ledger;
pub mod locale;
pub mod loyalty;
pub mod money;
pub mod payments;
pub mod qrbill;
pub mod quotes;
pub mod replenish;
pub mod rules;
pub mod stock;
pub mod tills;
pub mod users;
pub mod vat;
pub mod vat_due;
pub mod vehicles;

pub use chart::{AccountKind, ChartAccount, Country, VatCode, VatDirection};
pub use facts::{
    AccountEdited, AccountOpened, CompanyCreated, ConflictSettled, Described, EntryPosted, Fact, FactError, FactKind,
    Merge, PeriodClosed, Posting, Word,
};
pub use locale::Locale;
pub use money::{AmountError, Currency};
pub use rules::{Account, EntryDraft, LedgerError, LedgerState, PostingDraft, entry_number_text, journal_key};

//! The business modules' commands: each file holds its module's clap subcommands (their doc
//! comments are the English help texts) and the handlers that run them against the store.

pub(crate) mod backup;
pub(crate) mod bills;
pub(crate) mod catalogue;
pub(crate) mod common;
pub(crate) mod company;
pub(crate) mod contacts;
pub(crate) mod devices;
pub(crate) mod export;
pub(crate) mod invoices;
pub(crate) mod ledger;
pub(crate) mod loyalty;
pub(crate) mod payments;
pub(crate) mod quotes;
pub(crate) mod replenish;
pub(crate) mod reports;
pub(crate) mod stock;
pub(crate) mod tills;
pub(crate) mod users;
pub(crate) mod vehicles;

//! The accounting reports (trial balance, balance sheet, income statement, ledger, journal, VAT
//! return, receivables, payables, dunning list, stock) built from the store's queries as tables
//! (`Report`), and their rendering: aligned text and HTML for people, CSV and JSON for machines.
//! The command line prints them, the web app shows them and serves their CSV.

pub mod fec;
mod loyalty;
pub mod render;
mod replenish;
mod reports;
mod sales;
mod stock;

pub use loyalty::{card_statement, loyalty, vouchers};
pub use render::{Cell, Format, Report};
pub use replenish::{picking, purchase_orders, purchase_proposals, replenishment};
pub use reports::*;
pub use sales::{closures, sales, slow_movers};
pub use stock::stock;

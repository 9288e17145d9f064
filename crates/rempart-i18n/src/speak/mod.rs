//! Every error of every crate of Rempart in the reader's language: one message of the catalogue
//! per kind, chosen by an exhaustive match, so a new kind does not compile until it has its words
//! (and the catalogue's test fails until they are in French, German and English). Texts inside an
//! error that come from elsewhere (an operating system's or SQLite's words) are shown as they are.
//! One file per crate whose errors it tells.

mod backup;
mod docs;
mod domain;
mod hub;
mod log;
mod node;
mod store;
mod sync;

use crate::Lang;

/// An error told in the reader's language.
pub trait Speak {
    fn speak(&self, lang: Lang) -> String;
}

/// An error of Rempart's, whichever crate it comes from, in `lang`; `None` for another's.
pub fn speak_any(error: &(dyn std::error::Error + 'static), lang: Lang) -> Option<String> {
    macro_rules! first_of {
        ($($kind:ty),* $(,)?) => {
            $(if let Some(error) = error.downcast_ref::<$kind>() {
                return Some(error.speak(lang));
            })*
        };
    }
    first_of!(
        rempart_backup::BackupError,
        rempart_node::NodeError,
        rempart_store::StoreError,
        rempart_sync::SyncError,
        rempart_domain::LedgerError,
        rempart_domain::contacts::ContactError,
        rempart_domain::catalogue::ItemError,
        rempart_domain::invoices::InvoiceError,
        rempart_domain::quotes::QuoteError,
        rempart_domain::vehicles::VehicleError,
        rempart_domain::payments::PaymentError,
        rempart_domain::bills::BillError,
        rempart_domain::dunning::DunningError,
        rempart_domain::users::UserError,
        rempart_domain::qrbill::QrBillError,
        rempart_domain::stock::StockError,
        rempart_domain::tills::TillError,
        rempart_domain::closures::ClosureError,
        rempart_domain::loyalty::LoyaltyError,
        rempart_domain::replenish::ReplenishError,
        rempart_domain::vat::VatMethodError,
        rempart_domain::vat::VatReturnError,
        rempart_domain::stock::BarcodeError,
        rempart_domain::AmountError,
        rempart_domain::FactError,
        rempart_docs::DocError,
        rempart_docs::LogoError,
        rempart_hub::ObjectError,
        rempart_log::DecodeError,
        rempart_log::EventError,
    );
    first_of!(
        rempart_domain::locale::DateUnreadable,
        rempart_domain::locale::ReversedPeriod,
        rempart_domain::vat::NotAPeriod
    );
    None
}

/// What the program says of a failed operation: each error of the chain in `lang` (the context
/// the caller gave, then the cause), an error of Rempart's telling its own causes, another's as it
/// words itself. `first` tells the caller's own kinds of error, before those of the libraries.
pub fn message_with(
    error: &(dyn std::error::Error + 'static),
    lang: Lang,
    first: &dyn Fn(&(dyn std::error::Error + 'static)) -> Option<String>,
) -> String {
    let mut text = String::new();
    let mut cause = Some(error);
    while let Some(each) = cause {
        let (said, whole) = match first(each).or_else(|| speak_any(each, lang)) {
            Some(said) => (said, true),
            None => (each.to_string(), false),
        };
        if !text.contains(&said) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&said);
        }
        if whole {
            break;
        }
        cause = each.source();
    }
    text
}

/// `message_with` for errors of the libraries alone.
pub fn message(error: &(dyn std::error::Error + 'static), lang: Lang) -> String {
    message_with(error, lang, &|_| None)
}

//! The ledger's facts: accounts opened and edited, VAT codes defined, entries posted and periods
//! closed. The rules they must satisfy before they are recorded are in `rules`; the chart of
//! accounts and VAT codes in `chart`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::chart::{AccountKind, VatCode};
use crate::facts::{Described, FactKind, Merge};
use crate::money::Currency;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOpened {
    pub number: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_de: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    pub kind: AccountKind,
    pub currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEdited {
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub account: String,
    /// Debit positive, credit negative, in minor units of `currency`.
    pub amount_minor: i64,
    pub currency: Currency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPosted {
    /// Chosen by whoever records the entry (an import's `entry_id`, or generated): it is the
    /// idempotency key, so recording the same id twice records one entry.
    pub id: String,
    pub journal: String,
    /// Gapless number within the journal's series, assigned when the entry is recorded.
    pub number: u64,
    /// The series of the journal the number belongs to: none for the node that created the
    /// company, the recording node's short id for every other node (see
    /// `LedgerState::journal_series`), so that nodes numbering offline never give one number twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// Booking date.
    pub date: NaiveDate,
    /// Date the entry was validated (recorded), as the FEC's `ValidDate`.
    pub validated_on: NaiveDate,
    pub text: String,
    pub postings: Vec<Posting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodClosed {
    /// Last day of the closed span: no entry dated on or before it may be recorded.
    pub until: NaiveDate,
    /// What the closing node held of each chain when it closed (node id in hex -> last
    /// sequence), so that an entry of the closed span recorded on another node that the closer
    /// had not seen is told apart from one it closed over (`rempart conflicts`). Empty in closes
    /// recorded before it existed: those are compared by clock instead.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub seen: std::collections::BTreeMap<String, u64>,
}

impl FactKind for AccountOpened {
    const KIND: &'static str = "account.opened";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.account_opened").text("number", &self.number)
    }
}

impl FactKind for AccountEdited {
    const KIND: &'static str = "account.edited";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.account_edited").text("number", &self.number)
    }
}

impl FactKind for VatCode {
    const KIND: &'static str = "vat.defined";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.vat_defined").text("code", &self.code)
    }
}

impl FactKind for EntryPosted {
    const KIND: &'static str = "entry.posted";
    const VERSION: u32 = 1;
    /// An entry commutes unless it reverses another, or its id is already taken (the merge order
    /// decides which of two stands), or an entry already held reverses it: the store looks.
    fn merge(&self) -> Merge<'_> {
        match self.reverses {
            Some(_) => Merge::Ordered,
            None => Merge::EntryUnlessTaken { id: &self.id },
        }
    }
    fn describe(&self) -> Described {
        Described::new("fact.entry_posted").text("id", &self.id).date("date", self.date)
    }
}

impl FactKind for PeriodClosed {
    const KIND: &'static str = "period.closed";
    const VERSION: u32 = 1;
    /// The closed span is the latest of the closes, whatever their order.
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.period_closed").date("until", self.until)
    }
}

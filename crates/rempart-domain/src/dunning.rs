//! Reminders (dunning): three levels, each due a number of days after the due date (level 1) or
//! after the previous reminder (levels 2 and 3), each with a fee the company sets. A reminder is a
//! fact in the log; its fee is owed on the invoice and posted receivable to fee income.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::chart::Country;
use crate::company::DUNNING_DEFAULTS;
use crate::facts::{Described, FactKind, Merge};
use crate::money::{AmountError, Currency, parse_amount};

/// The last level there is.
pub const LEVEL_MAX: u8 = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSent {
    pub id: String,
    /// The invoice number.
    pub invoice: String,
    pub level: u8,
    pub date: NaiveDate,
    pub fee_minor: i64,
    pub currency: Currency,
    /// The entry posting the fee, when there is one.
    pub entry_id: Option<String>,
    /// The BLAKE3 hash of what it printed (`documents::archive_hash`), archived in the same
    /// commit (`document.archived`); none before archives existed, and for what was imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<String>,
}

/// The number a reminder's letter is archived and printed under: its invoice's and its level
/// (`2026-0001-R2`).
pub fn reminder_number(invoice: &str, level: u8) -> String {
    format!("{invoice}-R{level}")
}

/// The delay and fee of one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DunningLevel {
    pub days: u32,
    pub fee_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DunningError {
    #[error("{id} is a draft: only an issued invoice gets reminders")]
    Draft { id: String },
    #[error("invoice {invoice} has nothing open")]
    NothingOpen { invoice: String },
    #[error("invoice {invoice} has had its last reminder (level 3)")]
    AllSent { invoice: String },
    #[error("reminder {level} of invoice {invoice} is due from {from} only")]
    NotDue { invoice: String, level: u8, from: NaiveDate },
    #[error("the company's {field} is not an amount: {source}")]
    Fee { field: String, source: AmountError },
}

/// The three levels, from the company's `dunning_N_days` and `dunning_N_fee` details or the
/// defaults.
pub fn dunning_levels(
    details: &BTreeMap<String, String>,
    currency: Currency,
) -> Result<[DunningLevel; 3], DunningError> {
    let mut levels = [DunningLevel { days: 0, fee_minor: 0 }; 3];
    for (index, (default_days, default_fee)) in DUNNING_DEFAULTS.iter().enumerate() {
        let level = index + 1;
        let days =
            details.get(&format!("dunning_{level}_days")).and_then(|days| days.parse().ok()).unwrap_or(*default_days);
        let field = format!("dunning_{level}_fee");
        let fee_text = details.get(&field).map_or(*default_fee, String::as_str);
        let fee_minor = parse_amount(fee_text, currency).map_err(|source| DunningError::Fee { field, source })?;
        levels[index] = DunningLevel { days, fee_minor };
    }
    Ok(levels)
}

/// The next reminder of an invoice and the day it becomes due: level 1 counts from the due date,
/// later levels from the previous reminder. `None` once level 3 was sent.
pub fn next_reminder(
    due_date: NaiveDate,
    last: Option<(u8, NaiveDate)>,
    levels: &[DunningLevel; 3],
) -> Option<(u8, NaiveDate)> {
    let (level, since) = match last {
        None => (1, due_date),
        Some((level, _)) if level >= LEVEL_MAX => return None,
        Some((level, date)) => (level + 1, date),
    };
    let days = levels[usize::from(level - 1)].days;
    Some((level, since.checked_add_days(Days::new(u64::from(days))).unwrap_or(NaiveDate::MAX)))
}

/// Where reminder fees are earned: financial income (CH 6950), sundry operating income (FR 758).
pub fn fee_account(country: Country) -> &'static str {
    match country {
        Country::Ch => "6950",
        Country::Fr => "758",
    }
}

impl FactKind for ReminderSent {
    const KIND: &'static str = "reminder.sent";
    const VERSION: u32 = 2;
    /// A row keyed by its own id.
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.reminder_sent")
            .number("level", u64::from(self.level))
            .text("invoice", &self.invoice)
            .date("date", self.date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        crate::rules::parse_date(text).unwrap()
    }

    #[test]
    fn levels_follow_each_other() {
        let levels = dunning_levels(&BTreeMap::new(), Currency::CHF).unwrap();
        assert_eq!(levels[1], DunningLevel { days: 20, fee_minor: 2000 });
        let due = date("2026-03-31");
        assert_eq!(next_reminder(due, None, &levels), Some((1, date("2026-04-10"))));
        assert_eq!(next_reminder(due, Some((1, date("2026-04-15"))), &levels), Some((2, date("2026-05-05"))));
        assert_eq!(next_reminder(due, Some((3, date("2026-06-01"))), &levels), None);
        let own = BTreeMap::from([
            ("dunning_1_days".to_owned(), "5".to_owned()),
            ("dunning_1_fee".to_owned(), "7.50".to_owned()),
        ]);
        let levels = dunning_levels(&own, Currency::CHF).unwrap();
        assert_eq!(levels[0], DunningLevel { days: 5, fee_minor: 750 });
        assert_eq!(next_reminder(due, None, &levels), Some((1, date("2026-04-05"))));
        let bad = BTreeMap::from([("dunning_2_fee".to_owned(), "vingt".to_owned())]);
        assert!(matches!(dunning_levels(&bad, Currency::CHF), Err(DunningError::Fee { .. })));
    }
}

//! Small helpers the business modules' commands share: the company's locale, dates and decimals
//! as people write them, and today's date.

use anyhow::Result;
use chrono::NaiveDate;
use rempart_domain::Locale;
use rempart_store::Store;

/// A date as the company's locale writes it, or ISO (`Locale::read_date`).
pub(crate) fn date_arg(locale: Locale, text: &Option<String>) -> Result<Option<NaiveDate>> {
    text.as_deref().map(|text| locale.read_date(text)).transpose().map_err(Into::into)
}

/// Today's date (UTC) from the system clock.
pub(crate) fn today() -> NaiveDate {
    let seconds =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
    chrono::DateTime::from_timestamp(seconds as i64, 0).map_or(NaiveDate::MIN, |time| time.date_naive())
}

/// The locale of the store's company: how its people write dates and amounts.
pub(crate) fn locale_of(store: &Store) -> Result<Locale> {
    Ok(Locale::of_country(store.company()?.country))
}

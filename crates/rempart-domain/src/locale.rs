//! How amounts and dates are written for people, per the company's country: Swiss usage writes
//! `1'234.50` and `14.03.2026`, French usage writes `1 234,50` (narrow no-break space) and
//! `14/03/2026`. Machine formats (CSV, JSON) never go through here.

use chrono::{Datelike, NaiveDate};

use crate::chart::Country;
use crate::money::{AmountError, Currency, parse_amount};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    Swiss,
    French,
}

/// The French thousands separator: U+202F NARROW NO-BREAK SPACE.
const FRENCH_GROUP: char = '\u{202f}';

impl Locale {
    pub fn of_country(country: Country) -> Locale {
        match country {
            Country::Ch => Locale::Swiss,
            Country::Fr => Locale::French,
        }
    }

    fn separators(self) -> (char, char) {
        match self {
            Locale::Swiss => ('\'', '.'),
            Locale::French => (FRENCH_GROUP, ','),
        }
    }

    pub fn format_amount(self, amount_minor: i64, currency: Currency) -> String {
        let (_, decimal) = self.separators();
        let exponent = currency.exponent();
        let scale = 10u64.pow(exponent);
        let magnitude = amount_minor.unsigned_abs();
        let mut out = self.grouped(amount_minor < 0, magnitude / scale);
        if exponent > 0 {
            out.push(decimal);
            out.push_str(&format!("{:0width$}", magnitude % scale, width = exponent as usize));
        }
        out
    }

    /// A count (of tickets, units, events) with its thousands grouped as the locale writes them:
    /// `59'724` in Switzerland, `59 724` in France.
    pub fn format_count(self, count: i64) -> String {
        self.grouped(count < 0, count.unsigned_abs())
    }

    /// A duration in seconds to the tenth, as the locale writes a decimal: `12.3` in
    /// Switzerland, `12,3` in France (rounded to the nearest tenth).
    pub fn format_seconds(self, millis: u64) -> String {
        let (_, decimal) = self.separators();
        let tenths = millis.saturating_add(50) / 100;
        format!("{}{decimal}{}", self.grouped(false, tenths / 10), tenths % 10)
    }

    /// The digits of `magnitude` in groups of three, after a minus sign when `negative`.
    fn grouped(self, negative: bool, magnitude: u64) -> String {
        let (group, _) = self.separators();
        let whole = magnitude.to_string();
        let mut out = String::with_capacity(whole.len() + 8);
        if negative {
            out.push('-');
        }
        for (index, digit) in whole.chars().enumerate() {
            if index > 0 && (whole.len() - index).is_multiple_of(3) {
                out.push(group);
            }
            out.push(digit);
        }
        out
    }

    pub fn format_date(self, date: NaiveDate) -> String {
        match self {
            Locale::Swiss => date.format("%d.%m.%Y").to_string(),
            Locale::French => date.format("%d/%m/%Y").to_string(),
        }
    }

    /// A moment (milliseconds since 1970, UTC) as the company's clocks show it: Switzerland and
    /// France keep Central European Time, an hour ahead of UTC, and summer time, two hours
    /// ahead, from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
    /// October (the rule both have followed since 1996, EU Directive 2000/84/EC).
    pub fn local_time(self, at_ms: u64) -> chrono::NaiveDateTime {
        let utc = chrono::DateTime::from_timestamp_millis(i64::try_from(at_ms).unwrap_or(i64::MAX))
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
            .naive_utc();
        let switch = |month: u32| {
            // The last Sunday of the month, at 01:00 UTC.
            let last = (25..=31)
                .rev()
                .filter_map(|day| NaiveDate::from_ymd_opt(utc.year(), month, day))
                .find(|date| date.weekday() == chrono::Weekday::Sun);
            last.and_then(|date| date.and_hms_opt(1, 0, 0))
        };
        let summer = matches!((switch(3), switch(10)), (Some(start), Some(end)) if utc >= start && utc < end);
        utc + chrono::Duration::hours(if summer { 2 } else { 1 })
    }

    /// A moment as the company's clocks show it, written with its date: `02.03.2026 14:05`.
    pub fn format_moment(self, at_ms: u64) -> String {
        let local = self.local_time(at_ms);
        format!("{} {}", self.format_date(local.date()), local.format("%H:%M"))
    }
}

/// The spaces a French writer puts between groups of thousands: a space, a no-break space, or
/// the narrow no-break space French typography (and this program) prints.
pub(crate) const FRENCH_GROUPS: [char; 3] = [' ', '\u{a0}', FRENCH_GROUP];
/// The apostrophes a Swiss writer puts between groups: the typewriter one and the typographic
/// one.
const SWISS_GROUPS: [char; 2] = ['\'', '\u{2019}'];

/// A date a person wrote that is not one in the forms the company's locale reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{text}\" is not a date: write it {}, or 2026-03-31", locale.date_forms())]
pub struct DateUnreadable {
    pub text: String,
    pub locale: Locale,
}

/// A period typed with its end before its start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the period ends on {} before it starts on {}: give its start first", locale.format_date(*to), locale.format_date(*from))]
pub struct ReversedPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub locale: Locale,
}

impl Locale {
    /// A period as typed, from its start to its end (either left open): refused when it ends
    /// before it starts, rather than read as one with nothing in it.
    pub fn check_period(self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<(), ReversedPeriod> {
        match (from, to) {
            (Some(from), Some(to)) if to < from => Err(ReversedPeriod { from, to, locale: self }),
            _ => Ok(()),
        }
    }

    /// How this locale writes amounts, for messages: the forms `read_amount` accepts.
    pub fn amount_forms(self) -> &'static str {
        match self {
            Locale::Swiss => "1'234.50, 1\u{2019}234.50 or 1234.50",
            Locale::French => "1 234,50, 12,50 or 1234.50",
        }
    }

    /// The three examples of `amount_forms`, for a message in another language to join.
    pub fn amount_examples(self) -> [&'static str; 3] {
        match self {
            Locale::Swiss => ["1'234.50", "1\u{2019}234.50", "1234.50"],
            Locale::French => ["1 234,50", "12,50", "1234.50"],
        }
    }

    /// A quantity or a percentage as this locale writes it (`1,5` in France), in the plain form
    /// with a dot that the readers of quantities and discounts take.
    pub fn plain_decimal(self, text: &str) -> String {
        let text = text.trim();
        match self {
            Locale::French if !text.contains('.') && text.matches(',').count() == 1 => text.replacen(',', ".", 1),
            _ => text.to_owned(),
        }
    }

    /// How this locale writes dates, for messages (ISO is read everywhere too).
    pub fn date_forms(self) -> &'static str {
        match self {
            Locale::Swiss => "31.03.2026",
            Locale::French => "31/03/2026",
        }
    }

    /// Reads an amount as a person of this locale writes it, or as this program prints it:
    /// Swiss `1'234.50` (or with a typographic apostrophe), French `1 234,50` (a space, no-break
    /// space or narrow no-break space between thousands) and `12,50`; and the plain `1234.50`
    /// everywhere. What could be read two ways is refused, naming the accepted forms: a comma in
    /// Switzerland, a dot and a comma together in France (`1,234.50`, `1.234,50`), groups not of
    /// three digits, two decimal marks, an exponent.
    pub fn read_amount(self, text: &str, currency: Currency) -> Result<i64, AmountError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AmountError::Empty);
        }
        let unreadable = || AmountError::NotInLocale { text: text.to_owned(), locale: self };
        let (sign, unsigned) = match text.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", text),
        };
        let (groups, decimal): (&[char], char) = match self {
            Locale::Swiss => (&SWISS_GROUPS, '.'),
            Locale::French if unsigned.contains('.') => (&[], '.'),
            Locale::French => (&FRENCH_GROUPS, ','),
        };
        let (whole, fraction) = match unsigned.split_once(decimal) {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };
        // Thousands: a first group of one to three digits, then groups of exactly three.
        let mut parts = whole.split(|c: char| groups.contains(&c));
        let first = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(first)
            || (!rest.is_empty() && first.len() > 3)
            || rest.iter().any(|part| part.len() != 3 || !digits(part))
        {
            return Err(unreadable());
        }
        let plain = match fraction {
            Some(fraction) if !digits(fraction) => return Err(unreadable()),
            Some(fraction) => format!("{sign}{}.{fraction}", whole.replace(groups, "")),
            None => format!("{sign}{}", whole.replace(groups, "")),
        };
        parse_amount(&plain, currency).map_err(|error| match error {
            // The digits are read; what is wrong is said of what the person wrote.
            AmountError::TooManyDecimals { currency, exponent, .. } => {
                AmountError::TooManyDecimals { text: text.to_owned(), currency, exponent }
            }
            AmountError::TooLarge { .. } => AmountError::TooLarge { text: text.to_owned() },
            _ => unreadable(),
        })
    }

    /// Reads a date as a person of this locale writes it (Swiss `31.03.2026`, French
    /// `31/03/2026`, the day and month with one digit or two), or ISO `2026-03-31` everywhere.
    /// A two-digit year, the other locale's form or a day that does not exist is refused.
    pub fn read_date(self, text: &str) -> Result<NaiveDate, DateUnreadable> {
        let text = text.trim();
        let unreadable = || DateUnreadable { text: text.to_owned(), locale: self };
        let number = |part: &str, len: std::ops::RangeInclusive<usize>| {
            (len.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<u32>().ok())
                .flatten()
        };
        let (separator, day_first) = match self {
            _ if text.contains('-') => ('-', false),
            Locale::Swiss => ('.', true),
            Locale::French => ('/', true),
        };
        let parts: Vec<&str> = text.split(separator).collect();
        let [a, b, c] = parts.as_slice() else { return Err(unreadable()) };
        let (year, month, day) = if day_first {
            (number(c, 4..=4), number(b, 1..=2), number(a, 1..=2))
        } else {
            (number(a, 4..=4), number(b, 2..=2), number(c, 2..=2))
        };
        match (year, month, day) {
            // A year of four digits from 1000: a series of invoice numbers is named by it.
            (Some(year), Some(month), Some(day)) if year >= 1000 => {
                NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(unreadable)
            }
            _ => Err(unreadable()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_that_ends_before_it_starts_is_refused() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d);
        assert_eq!(Locale::Swiss.check_period(day(1), day(31)), Ok(()));
        assert_eq!(Locale::Swiss.check_period(day(31), day(31)), Ok(()), "one day is a period");
        assert_eq!(Locale::Swiss.check_period(None, day(1)), Ok(()));
        assert_eq!(Locale::Swiss.check_period(day(31), None), Ok(()));
        let reversed = Locale::French.check_period(day(31), day(1)).unwrap_err();
        assert_eq!((reversed.from, reversed.to), (day(31).unwrap(), day(1).unwrap()));
        assert!(reversed.to_string().contains("01/03/2026 before it starts on 31/03/2026"), "{reversed}");
    }

    #[test]
    fn formats_for_each_locale() {
        assert_eq!(Locale::Swiss.format_amount(123_450, Currency::CHF), "1'234.50");
        assert_eq!(Locale::Swiss.format_amount(-123_456_789, Currency::CHF), "-1'234'567.89");
        assert_eq!(Locale::Swiss.format_amount(5, Currency::CHF), "0.05");
        assert_eq!(Locale::French.format_amount(123_450, Currency::EUR), "1\u{202f}234,50");
        assert_eq!(Locale::French.format_amount(99_999, Currency::EUR), "999,99");
        assert_eq!(Locale::Swiss.format_count(59_724), "59'724");
        assert_eq!(Locale::Swiss.format_count(-1_194_200), "-1'194'200");
        assert_eq!(Locale::French.format_count(999), "999");
        assert_eq!(Locale::French.format_count(1_000), "1\u{202f}000");
        assert_eq!(Locale::Swiss.format_seconds(6_849), "6.8");
        assert_eq!(Locale::French.format_seconds(6_850), "6,9");
        assert_eq!(Locale::French.format_seconds(0), "0,0");
        assert_eq!(Locale::Swiss.format_seconds(1_234_560), "1'234.6");
        let date = NaiveDate::from_ymd_opt(2026, 3, 14).unwrap();
        assert_eq!(Locale::Swiss.format_date(date), "14.03.2026");
        assert_eq!(Locale::French.format_date(date), "14/03/2026");
    }

    /// Issue 19: what each locale accepts and refuses, as people write amounts.
    #[test]
    fn amounts_are_read_as_each_locale_writes_them() {
        let chf = |locale: Locale, text: &str| locale.read_amount(text, Currency::CHF);
        for (text, minor) in [
            ("1'234.50", 123_450),
            ("1\u{2019}234.50", 123_450),
            ("1234.50", 123_450),
            ("-1'234'567.89", -123_456_789),
            ("12", 1_200),
            (" 0.05 ", 5),
            ("999'999", 99_999_900),
        ] {
            assert_eq!(chf(Locale::Swiss, text), Ok(minor), "Swiss {text:?}");
        }
        for (text, minor) in [
            ("1 234,50", 123_450),
            ("1\u{a0}234,50", 123_450),
            ("1\u{202f}234,50", 123_450),
            ("12,50", 1_250),
            ("12,5", 1_250),
            ("1234.50", 123_450),
            ("-1 234 567,89", -123_456_789),
            ("7", 700),
        ] {
            assert_eq!(chf(Locale::French, text), Ok(minor), "French {text:?}");
        }
        for text in ["1.234,50", "1,234.50", "12,50", "1e3", "1'23.00", "12'3456.00", "'123.00", "1''234.00", "+5"] {
            assert!(
                matches!(chf(Locale::Swiss, text), Err(AmountError::NotInLocale { locale: Locale::Swiss, .. })),
                "Swiss {text:?}: {:?}",
                chf(Locale::Swiss, text)
            );
        }
        for text in ["1,234.50", "1.234,50", "12,5,0", "1e3", "1 23,00", "1 234.50", "1'234,50", ",5", "12,"] {
            assert!(
                matches!(chf(Locale::French, text), Err(AmountError::NotInLocale { locale: Locale::French, .. })),
                "French {text:?}: {:?}",
                chf(Locale::French, text)
            );
        }
        assert!(matches!(chf(Locale::French, "1,234"), Err(AmountError::TooManyDecimals { .. })));
        assert!(matches!(chf(Locale::Swiss, "   "), Err(AmountError::Empty)));
        let message = chf(Locale::French, "1,234.50").unwrap_err().to_string();
        assert!(message.contains("1 234,50"), "the accepted forms are named: {message}");
    }

    #[test]
    fn dates_are_read_as_each_locale_writes_them_and_iso_everywhere() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        assert_eq!(Locale::Swiss.read_date("31.03.2026"), Ok(day));
        assert_eq!(Locale::French.read_date("31/03/2026"), Ok(day));
        for locale in [Locale::Swiss, Locale::French] {
            assert_eq!(locale.read_date("2026-03-31"), Ok(day));
            assert_eq!(locale.read_date(&locale.format_date(day)), Ok(day));
        }
        assert_eq!(Locale::Swiss.read_date("1.3.2026").ok(), NaiveDate::from_ymd_opt(2026, 3, 1));
        for (locale, text) in [
            (Locale::Swiss, "31/03/2026"),
            (Locale::French, "31.03.2026"),
            (Locale::Swiss, "31.03.26"),
            (Locale::Swiss, "30.02.2026"),
            (Locale::French, "2026-3-31"),
            (Locale::French, "31/03/2026/1"),
            (Locale::Swiss, ""),
            (Locale::French, "03/31/2026"),
            (Locale::Swiss, "10.03.0226"),
            (Locale::French, "0226-03-10"),
        ] {
            assert!(locale.read_date(text).is_err(), "{locale:?} {text:?}");
        }
        let message = Locale::French.read_date("31.03.2026").unwrap_err().to_string();
        assert!(message.contains("31/03/2026") && message.contains("2026-03-31"), "{message}");
    }

    proptest::proptest! {
        /// Every amount a table prints reads back to the same value, in its locale.
        #[test]
        fn every_amount_printed_reads_back(minor in -999_999_999_999_999i64..=999_999_999_999_999, euro in proptest::bool::ANY) {
            let currency = if euro { Currency::EUR } else { Currency::CHF };
            for locale in [Locale::Swiss, Locale::French] {
                let printed = locale.format_amount(minor, currency);
                proptest::prop_assert_eq!(locale.read_amount(&printed, currency), Ok(minor), "{}", printed);
            }
        }

        /// Every date printed reads back, and ISO reads everywhere.
        #[test]
        fn every_date_printed_reads_back(days in 0i64..200_000) {
            let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            for locale in [Locale::Swiss, Locale::French] {
                proptest::prop_assert_eq!(locale.read_date(&locale.format_date(date)), Ok(date));
                proptest::prop_assert_eq!(locale.read_date(&date.format("%Y-%m-%d").to_string()), Ok(date));
            }
        }
    }

    #[test]
    fn moments_are_shown_in_central_european_time_with_summer_time() {
        let at = |text: &str| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap().and_utc().timestamp_millis() as u64
        };
        // Winter: UTC + 1; summer from 01:00 UTC on the last Sunday of March (29.03.2026) to
        // 01:00 UTC on the last Sunday of October (25.10.2026): UTC + 2.
        assert_eq!(Locale::Swiss.format_moment(at("2026-03-02 13:05")), "02.03.2026 14:05");
        assert_eq!(Locale::Swiss.format_moment(at("2026-03-29 00:59")), "29.03.2026 01:59");
        assert_eq!(Locale::Swiss.format_moment(at("2026-03-29 01:00")), "29.03.2026 03:00");
        assert_eq!(Locale::French.format_moment(at("2026-10-25 00:59")), "25/10/2026 02:59");
        assert_eq!(Locale::French.format_moment(at("2026-10-25 01:00")), "25/10/2026 02:00");
        assert_eq!(Locale::French.format_moment(at("2026-12-31 23:30")), "01/01/2027 00:30");
    }
}

//! How amounts and dates are written for people, per the company's country: Swiss usage writes
//! `1'234.50` and `14.03.2026`, French usage writes `1 234,50` (narrow no-break space) and
//! `14/03/2026`. Machine formats (CSV, JSON) never go through here.

use chrono::NaiveDate;

use crate::chart::Country;
use crate::money::Currency;

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
        let (group, decimal) = self.separators();
        let exponent = currency.exponent();
        let scale = 10u64.pow(exponent);
        let magnitude = amount_minor.unsigned_abs();
        let whole = (magnitude / scale).to_string();
        let mut out = String::with_capacity(whole.len() + 8);
        if amount_minor < 0 {
            out.push('-');
        }
        for (index, digit) in whole.chars().enumerate() {
            if index > 0 && (whole.len() - index).is_multiple_of(3) {
                out.push(group);
            }
            out.push(digit);
        }
        if exponent > 0 {
            out.push(decimal);
            out.push_str(&format!("{:0width$}", magnitude % scale, width = exponent as usize));
        }
        out
    }

    pub fn format_date(self, date: NaiveDate) -> String {
        match self {
            Locale::Swiss => date.format("%d.%m.%Y").to_string(),
            Locale::French => date.format("%d/%m/%Y").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_each_locale() {
        assert_eq!(Locale::Swiss.format_amount(123_450, Currency::CHF), "1'234.50");
        assert_eq!(Locale::Swiss.format_amount(-123_456_789, Currency::CHF), "-1'234'567.89");
        assert_eq!(Locale::Swiss.format_amount(5, Currency::CHF), "0.05");
        assert_eq!(Locale::French.format_amount(123_450, Currency::EUR), "1\u{202f}234,50");
        assert_eq!(Locale::French.format_amount(99_999, Currency::EUR), "999,99");
        let date = NaiveDate::from_ymd_opt(2026, 3, 14).unwrap();
        assert_eq!(Locale::Swiss.format_date(date), "14.03.2026");
        assert_eq!(Locale::French.format_date(date), "14/03/2026");
    }
}

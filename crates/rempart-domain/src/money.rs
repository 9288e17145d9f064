//! Exact money: amounts are signed integers of a currency's minor unit (centimes, cents), never
//! floating point. This module owns the parsing of amounts typed by people or found in files, and
//! the plain (machine) rendering used in CSV and JSON output.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Largest absolute amount accepted in one posting, in minor units: 10^15 (ten trillion in a
/// two-decimal currency). Sums of many postings stay far from `i64::MAX` for any real company, and
/// every sum is still checked.
pub const AMOUNT_MINOR_ABS_MAX: i64 = 1_000_000_000_000_000;

/// An ISO 4217 currency code, three upper-case ASCII letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const CHF: Currency = Currency(*b"CHF");
    pub const EUR: Currency = Currency(*b"EUR");

    /// Number of decimals of the currency's minor unit (ISO 4217). Currencies not listed use two.
    pub fn exponent(self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"XOF" | b"XAF" | b"XPF" | b"ISK" | b"CLP" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"TND" | b"JOD" | b"IQD" | b"LYD" => 3,
            _ => 2,
        }
    }

    pub fn as_str(&self) -> &str {
        // The constructor only admits ASCII upper-case letters, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl FromStr for Currency {
    type Err = AmountError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bytes = text.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([bytes[0], bytes[1], bytes[2]]))
        } else {
            Err(AmountError::BadCurrency { text: text.to_owned() })
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = AmountError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.as_str().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("the amount is empty")]
    Empty,
    #[error(
        "\"{text}\" is not an amount: write digits with an optional leading minus and a dot before the decimals, like 1500.00 or -12.5 (no thousands separators, no comma, no exponent)"
    )]
    Malformed { text: String },
    #[error("\"{text}\" has more decimals than {currency} allows ({exponent})")]
    TooManyDecimals { text: String, currency: Currency, exponent: u32 },
    #[error("\"{text}\" is too large: amounts are limited to 10^15 minor units")]
    TooLarge { text: String },
    #[error("\"{text}\" is not a currency code: use three capital letters such as CHF or EUR")]
    BadCurrency { text: String },
    #[error("\"{text}\" is not an amount: write it {}", locale.amount_forms())]
    NotInLocale { text: String, locale: crate::locale::Locale },
}

/// Parses a decimal amount as typed by a person or found in a file: an optional leading `-`,
/// digits, and optionally a `.` followed by at most the currency's number of decimals.
///
/// Everything else is refused rather than guessed: `12,50` (a comma may be a decimal or a
/// thousands separator depending on the writer), `1'000`, `1e3`, `+5`, spaces, an empty string, a
/// lone `-`, a trailing dot. Refusing is the only way never to misread an amount.
pub fn parse_amount(text: &str, currency: Currency) -> Result<i64, AmountError> {
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    let malformed = || AmountError::Malformed { text: text.to_owned() };
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    let fraction = fraction.unwrap_or("");
    if unsigned.ends_with('.') || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    let exponent = currency.exponent();
    if fraction.len() > exponent as usize {
        return Err(AmountError::TooManyDecimals { text: text.to_owned(), currency, exponent });
    }
    let too_large = || AmountError::TooLarge { text: text.to_owned() };
    // At most 16 significant whole digits can fit under the bound; reject longer strings early so
    // the arithmetic below cannot overflow.
    if whole.trim_start_matches('0').len() > 16 {
        return Err(too_large());
    }
    let mut minor: i64 = 0;
    for digit in whole.bytes().chain(fraction.bytes()) {
        minor = minor * 10 + i64::from(digit - b'0');
        if minor > AMOUNT_MINOR_ABS_MAX {
            return Err(too_large());
        }
    }
    for _ in fraction.len()..exponent as usize {
        minor = minor.checked_mul(10).ok_or_else(too_large)?;
    }
    if minor > AMOUNT_MINOR_ABS_MAX {
        return Err(too_large());
    }
    Ok(if negative { -minor } else { minor })
}

/// Renders an amount for machines: `-1234.50`, always with the currency's decimals.
pub fn format_plain(amount_minor: i64, currency: Currency) -> String {
    let exponent = currency.exponent();
    let sign = if amount_minor < 0 { "-" } else { "" };
    let magnitude = amount_minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{magnitude}");
    }
    let scale = 10u64.pow(exponent);
    format!("{sign}{}.{:0width$}", magnitude / scale, magnitude % scale, width = exponent as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chf(text: &str) -> Result<i64, AmountError> {
        parse_amount(text, Currency::CHF)
    }

    #[test]
    fn accepts_plain_decimals() {
        assert_eq!(chf("1500.00"), Ok(150_000));
        assert_eq!(chf("-1500"), Ok(-150_000));
        assert_eq!(chf("0.5"), Ok(50));
        assert_eq!(chf("007.05"), Ok(705));
        assert_eq!(parse_amount("12", "JPY".parse().unwrap()), Ok(12));
    }

    #[test]
    fn refuses_ambiguous_or_malformed_amounts() {
        for text in ["12,50", "1'000", "1e3", "-", "+5", " 5", "5 ", "1.", ".5", "1.2.3", "--1", "1_000"] {
            assert!(matches!(chf(text), Err(AmountError::Malformed { .. })), "{text} was accepted as {:?}", chf(text));
        }
        assert_eq!(chf(""), Err(AmountError::Empty));
        assert!(matches!(chf("1.005"), Err(AmountError::TooManyDecimals { .. })));
        assert!(matches!(parse_amount("1.5", "JPY".parse().unwrap()), Err(AmountError::TooManyDecimals { .. })));
        assert!(matches!(chf("99999999999999999999"), Err(AmountError::TooLarge { .. })));
        assert!(matches!(chf("10000000000000.01"), Err(AmountError::TooLarge { .. })));
    }

    #[test]
    fn plain_format_round_trips() {
        for minor in [0, 5, -5, 150_000, -123_456, AMOUNT_MINOR_ABS_MAX] {
            let text = format_plain(minor, Currency::CHF);
            assert_eq!(chf(&text), Ok(minor), "{text}");
        }
        assert_eq!(format_plain(-5, Currency::CHF), "-0.05");
    }

    #[test]
    fn currency_codes_are_three_capitals() {
        assert!("chf".parse::<Currency>().is_err());
        assert!("CHFX".parse::<Currency>().is_err());
        assert_eq!("EUR".parse::<Currency>(), Ok(Currency::EUR));
    }

    /// Currencies of three decimals, the debug form, the largest amount and zero, at their edges.
    #[test]
    fn edges_of_currencies_and_amounts() {
        for code in ["BHD", "KWD", "OMR", "TND", "JOD", "IQD", "LYD"] {
            let currency: Currency = code.parse().unwrap();
            assert_eq!(currency.exponent(), 3, "{code}");
            assert_eq!(parse_amount("1.234", currency), Ok(1_234));
            assert_eq!(format_plain(1_234, currency), "1.234");
        }
        assert_eq!(format!("{:?}", Currency::CHF), "CHF");
        assert_eq!(format_plain(0, Currency::CHF), "0.00");
        assert_eq!(format_plain(-1, Currency::CHF), "-0.01");
        let largest = format_plain(AMOUNT_MINOR_ABS_MAX, Currency::CHF);
        assert_eq!(parse_amount(&largest, Currency::CHF), Ok(AMOUNT_MINOR_ABS_MAX));
        assert!(matches!(
            parse_amount(&format_plain(AMOUNT_MINOR_ABS_MAX + 1, Currency::CHF), Currency::CHF),
            Err(AmountError::TooLarge { .. })
        ));
        let largest_yen = format_plain(AMOUNT_MINOR_ABS_MAX, "JPY".parse().unwrap());
        assert_eq!(parse_amount(&largest_yen, "JPY".parse().unwrap()), Ok(AMOUNT_MINOR_ABS_MAX));
    }
}

//! The Swiss QR-bill payment part: references (QR reference with its recursive modulo-10 check
//! digit, ISO 11649 creditor reference) and the QR code payload ("SPC", version 0200) with the
//! rules of the Swiss Implementation Guidelines: structured addresses only, a QR-IBAN with a QR
//! reference and only then, amounts from 0.01 to 999,999,999.99 in CHF or EUR.

use crate::company::{iban_valid, qr_iban_valid};
use crate::money::{self, Currency};

/// Largest amount of a QR-bill, in minor units: 999,999,999.99.
pub const QR_AMOUNT_MINOR_MAX: i64 = 99_999_999_999;

/// The recursive modulo-10 check digit of a QR reference (the table of the Swiss Payment
/// Standards, from the ISR scheme).
pub fn mod10_recursive(digits: &str) -> Option<u32> {
    const TABLE: [usize; 10] = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5];
    let mut carry = 0usize;
    for c in digits.chars() {
        let digit = c.to_digit(10)? as usize;
        carry = TABLE[(carry + digit) % 10];
    }
    Some(((10 - carry) % 10) as u32)
}

/// A QR reference for up to 26 digits of the creditor's own (such as an invoice number's
/// digits), padded with leading zeros and completed by its check digit.
pub fn qr_reference(digits: &str) -> Option<String> {
    if digits.is_empty() || digits.len() > 26 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{digits:0>26}");
    let check = mod10_recursive(&padded)?;
    Some(format!("{padded}{check}"))
}

pub fn qr_reference_valid(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| *c != ' ').collect();
    compact.len() == 27
        && compact.bytes().all(|b| b.is_ascii_digit())
        && mod10_recursive(&compact[..26]).is_some_and(|check| compact[26..].parse::<u32>() == Ok(check))
}

/// An ISO 11649 creditor reference: "RF", two check digits, and 1 to 21 letters or digits.
pub fn creditor_reference_valid(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| *c != ' ').collect();
    if !(5..=25).contains(&compact.len())
        || !compact.starts_with("RF")
        || !compact.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return false;
    }
    let compact = compact.to_ascii_uppercase();
    let (head, tail) = compact.split_at(4);
    if !head[2..].chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    crate::company::mod97_rotated(head, tail) == 1
}

/// An ISO 11649 creditor reference for up to 21 letters or digits of the creditor's own:
/// "RF", the two check digits that make the whole valid modulo 97, then the body.
pub fn creditor_reference(body: &str) -> Option<String> {
    if body.is_empty() || body.len() > 21 || !body.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let body = body.to_ascii_uppercase();
    let check = 98 - crate::company::mod97_rotated("RF00", &body);
    Some(format!("RF{check:02}{body}"))
}

/// The 20 digits a payment reference is made of for an invoice number, unique across the
/// company's nodes and leading back to the invoice:
/// - `2026-0001` or `2026-B-0001`: `9`, the series prefix as six digits (each character as two:
///   a digit as `0` and itself, a letter as 10 to 35, and `99` for each missing one), the year,
///   and the sequence as nine digits;
/// - `F-<node>-<year>-<sequence>` (numbers from before series): the node's eight hex digits as
///   ten decimal digits (at most 4294967295, so never starting with a 9), the year, and the
///   six-digit sequence.
pub fn invoice_reference_digits(number: &str) -> Option<String> {
    let parts: Vec<&str> = number.split('-').collect();
    let year =
        |text: &str| text.parse::<u16>().ok().filter(|_| text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()));
    let sequence = |text: &str, max: u32| {
        text.parse::<u32>().ok().filter(|sequence| text.bytes().all(|b| b.is_ascii_digit()) && *sequence <= max)
    };
    match parts[..] {
        ["F", node, year_text, sequence_text] => {
            let node = u32::from_str_radix(node, 16).ok().filter(|_| node.len() == 8)?;
            Some(format!("{node:010}{:04}{:06}", year(year_text)?, sequence(sequence_text, 999_999)?))
        }
        [year_text, sequence_text] => {
            Some(format!("9999999{:04}{:09}", year(year_text)?, sequence(sequence_text, 999_999_999)?))
        }
        [year_text, prefix, sequence_text] => {
            let valid = (1..=3).contains(&prefix.len())
                && prefix.starts_with(|c: char| c.is_ascii_uppercase())
                && prefix.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if !valid {
                return None;
            }
            let mut digits = "99".repeat(3 - prefix.len());
            for c in prefix.chars() {
                digits.push_str(&format!("{:02}", c.to_digit(36)?));
            }
            Some(format!("9{digits}{:04}{:09}", year(year_text)?, sequence(sequence_text, 999_999_999)?))
        }
        _ => None,
    }
}

/// A structured address, the only kind the QR-bill accepts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Address {
    pub name: String,
    pub street: String,
    pub building_number: String,
    pub postcode: String,
    pub town: String,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    Qr(String),
    Creditor(String),
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrBill {
    pub account: String,
    pub creditor: Address,
    pub amount_minor: Option<i64>,
    pub currency: Currency,
    pub debtor: Option<Address>,
    pub reference: Reference,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrBillError {
    #[error("{account} is not an IBAN with a valid check digit")]
    BadIban { account: String },
    #[error("the account must be a Swiss or Liechtenstein IBAN")]
    NotSwissAccount,
    #[error("a QR-IBAN needs a QR reference")]
    QrIbanNeedsQrReference,
    #[error("a QR reference needs a QR-IBAN; with an ordinary IBAN use a creditor reference (RF) or none")]
    QrReferenceNeedsQrIban,
    #[error("{reference} is not a valid QR reference (27 digits with a check digit)")]
    BadQrReference { reference: String },
    #[error("{reference} is not a valid creditor reference (RF and two check digits)")]
    BadCreditorReference { reference: String },
    #[error("the amount must be between 0.01 and 999,999,999.99")]
    AmountOutOfRange,
    #[error("a QR-bill is paid in CHF or EUR, not {currency}")]
    Currency { currency: Currency },
    #[error("the {who}'s address is not structured: {field} is missing or too long")]
    UnstructuredAddress { who: Party, field: &'static str },
    #[error("the message is longer than 140 characters")]
    MessageTooLong,
}

/// Whose address a QR-bill carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Creditor,
    Debtor,
}

impl std::fmt::Display for Party {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Party::Creditor => "creditor",
            Party::Debtor => "debtor",
        })
    }
}

fn check_address(address: &Address, who: Party) -> Result<(), QrBillError> {
    let field = |value: &str, name: &'static str, max: usize, required: bool| {
        let length = value.chars().count();
        if (required && value.trim().is_empty()) || length > max {
            Err(QrBillError::UnstructuredAddress { who, field: name })
        } else {
            Ok(())
        }
    };
    field(&address.name, "name", 70, true)?;
    field(&address.street, "street", 70, false)?;
    field(&address.building_number, "building number", 16, false)?;
    field(&address.postcode, "postcode", 16, true)?;
    field(&address.town, "town", 35, true)?;
    if address.country.len() != 2 || !address.country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(QrBillError::UnstructuredAddress { who, field: "country" });
    }
    Ok(())
}

impl QrBill {
    pub fn validate(&self) -> Result<(), QrBillError> {
        let account: String = self.account.chars().filter(|c| *c != ' ').collect();
        if !iban_valid(&account) {
            return Err(QrBillError::BadIban { account: self.account.clone() });
        }
        if !(account.starts_with("CH") || account.starts_with("LI")) {
            return Err(QrBillError::NotSwissAccount);
        }
        let qr_iban = qr_iban_valid(&account);
        match &self.reference {
            Reference::Qr(reference) => {
                if !qr_iban {
                    return Err(QrBillError::QrReferenceNeedsQrIban);
                }
                if !qr_reference_valid(reference) {
                    return Err(QrBillError::BadQrReference { reference: reference.clone() });
                }
            }
            Reference::Creditor(reference) => {
                if qr_iban {
                    return Err(QrBillError::QrIbanNeedsQrReference);
                }
                if !creditor_reference_valid(reference) {
                    return Err(QrBillError::BadCreditorReference { reference: reference.clone() });
                }
            }
            Reference::None if qr_iban => return Err(QrBillError::QrIbanNeedsQrReference),
            Reference::None => {}
        }
        if self.amount_minor.is_some_and(|amount| !(1..=QR_AMOUNT_MINOR_MAX).contains(&amount)) {
            return Err(QrBillError::AmountOutOfRange);
        }
        if self.currency != Currency::CHF && self.currency != Currency::EUR {
            return Err(QrBillError::Currency { currency: self.currency });
        }
        check_address(&self.creditor, Party::Creditor)?;
        if let Some(debtor) = &self.debtor {
            check_address(debtor, Party::Debtor)?;
        }
        if self.message.chars().count() > 140 {
            return Err(QrBillError::MessageTooLong);
        }
        Ok(())
    }

    /// The text encoded in the QR code, after `validate`.
    pub fn payload(&self) -> Result<String, QrBillError> {
        self.validate()?;
        let mut lines: Vec<String> = vec!["SPC".into(), "0200".into(), "1".into()];
        lines.push(self.account.chars().filter(|c| *c != ' ').collect());
        let address = |lines: &mut Vec<String>, address: Option<&Address>| match address {
            Some(address) => lines.extend([
                "S".to_owned(),
                address.name.clone(),
                address.street.clone(),
                address.building_number.clone(),
                address.postcode.clone(),
                address.town.clone(),
                address.country.clone(),
            ]),
            None => lines.extend(std::iter::repeat_n(String::new(), 7)),
        };
        address(&mut lines, Some(&self.creditor));
        address(&mut lines, None); // Ultimate creditor: reserved for future use, always empty.
        lines.push(self.amount_minor.map_or_else(String::new, |amount| money::format_plain(amount, self.currency)));
        lines.push(self.currency.as_str().to_owned());
        address(&mut lines, self.debtor.as_ref());
        let (kind, reference) = match &self.reference {
            Reference::Qr(reference) => ("QRR", reference.chars().filter(|c| *c != ' ').collect()),
            Reference::Creditor(reference) => ("SCOR", reference.chars().filter(|c| *c != ' ').collect()),
            Reference::None => ("NON", String::new()),
        };
        lines.push(kind.to_owned());
        lines.push(reference);
        lines.push(self.message.clone());
        lines.push("EPD".to_owned());
        Ok(lines.join("\r\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(name: &str) -> Address {
        Address {
            name: name.into(),
            street: "Rue du Lac".into(),
            building_number: "1268".into(),
            postcode: "2501".into(),
            town: "Biel".into(),
            country: "CH".into(),
        }
    }

    #[test]
    fn references_from_the_payment_standards() {
        // The QR reference and creditor reference of the examples in the Swiss Implementation
        // Guidelines for the QR-bill.
        assert!(qr_reference_valid("21 00000 00003 13947 14300 09017"));
        assert!(!qr_reference_valid("21 00000 00003 13947 14300 09018"));
        assert_eq!(qr_reference("2100000000031394714300090").map(|r| qr_reference_valid(&r)), Some(true));
        assert_eq!(qr_reference("21000000000313947143000901").as_deref(), Some("210000000003139471430009017"));
        let padded = qr_reference("4711").unwrap();
        assert!(padded.starts_with("00000000000000000000004711") && qr_reference_valid(&padded), "{padded}");
        assert_eq!(qr_reference("12a"), None);
        assert_eq!(mod10_recursive("21000000000313947143000901"), Some(7));
        assert!(creditor_reference_valid("RF18 5390 0754 7034"));
        assert!(!creditor_reference_valid("RF18 5390 0754 7035"));
        assert!(!creditor_reference_valid("RF185390"));
        // The guidelines' creditor reference body 539007547034 takes check digits 18.
        assert_eq!(creditor_reference("539007547034").as_deref(), Some("RF18539007547034"));
        assert!(creditor_reference("x").is_some_and(|r| r.ends_with('X') && creditor_reference_valid(&r)));
        assert_eq!(creditor_reference(""), None);
        let digits = invoice_reference_digits("F-3fa2c1d0-2026-000123").unwrap();
        assert_eq!(digits, format!("{:010}2026000123", 0x3fa2_c1d0u32));
        assert!(qr_reference_valid(&qr_reference(&digits).unwrap()));
        assert!(creditor_reference_valid(&creditor_reference(&digits).unwrap()));
        assert_eq!(invoice_reference_digits("F-3fa2c1d0-26-000123"), None);
        assert_eq!(invoice_reference_digits("F-nothex00-2026-000123"), None);
        assert_eq!(invoice_reference_digits("F-3fa2c1d0-2026-000123-1"), None);
        // The short numbers of each node's series: distinct digits for distinct numbers, and
        // never those of a number from before series (which never start with a 9).
        assert_eq!(invoice_reference_digits("2026-0001").as_deref(), Some("99999992026000000001"));
        assert_eq!(invoice_reference_digits("2026-B-0042").as_deref(), Some("99999112026000000042"));
        assert_eq!(invoice_reference_digits("2026-LA2-12345").as_deref(), Some("92110022026000012345"));
        for number in ["2026-b-0001", "2026-2B-0001", "2026-ABCD-0001", "26-0001", "2026-", "2026-B-", "2026-+1"] {
            assert_eq!(invoice_reference_digits(number), None, "{number}");
        }
        let numbers = ["2026-0001", "2026-1", "2026-B-0001", "2026-B1-0001", "2026-BA-0001", "2027-B-0001"];
        let digits: std::collections::BTreeSet<String> =
            numbers.iter().map(|number| invoice_reference_digits(number).unwrap()).collect();
        // "2026-0001" and "2026-1" are one sequence written twice; the rest differ.
        assert_eq!(digits.len(), numbers.len() - 1);
        assert!(digits.iter().all(|digits| digits.len() == 20 && digits.starts_with('9')));
    }

    #[test]
    fn payload_and_refusals() {
        let bill = QrBill {
            account: "CH44 3199 9123 0008 8901 2".into(),
            creditor: address("Robert Schneider AG"),
            amount_minor: Some(194_975),
            currency: Currency::CHF,
            debtor: Some(address("Pia-Maria Rutschmann-Schnyder")),
            reference: Reference::Qr("210000000003139471430009017".into()),
            message: "Facture F-1".into(),
        };
        let payload = bill.payload().unwrap();
        let lines: Vec<&str> = payload.split("\r\n").collect();
        assert_eq!(lines.len(), 31);
        assert_eq!(&lines[..4], ["SPC", "0200", "1", "CH4431999123000889012"]);
        assert_eq!(&lines[4..11], ["S", "Robert Schneider AG", "Rue du Lac", "1268", "2501", "Biel", "CH"]);
        assert!(lines[11..18].iter().all(|line| line.is_empty()));
        assert_eq!(&lines[18..20], ["1949.75", "CHF"]);
        assert_eq!(lines[20], "S");
        assert_eq!(&lines[27..31], ["QRR", "210000000003139471430009017", "Facture F-1", "EPD"]);

        let with = |change: &dyn Fn(&mut QrBill)| {
            let mut changed = bill.clone();
            change(&mut changed);
            changed.validate()
        };
        assert_eq!(
            with(&|b| b.account = "CH44 3199 9123 0008 8901 3".into()),
            Err(QrBillError::BadIban { account: "CH44 3199 9123 0008 8901 3".into() })
        );
        assert_eq!(
            with(&|b| b.reference = Reference::Creditor("RF18539007547034".into())),
            Err(QrBillError::QrIbanNeedsQrReference)
        );
        assert_eq!(with(&|b| b.reference = Reference::None), Err(QrBillError::QrIbanNeedsQrReference));
        assert!(matches!(
            with(&|b| b.reference = Reference::Qr("210000000003139471430009018".into())),
            Err(QrBillError::BadQrReference { .. })
        ));
        assert_eq!(
            with(&|b| {
                b.account = "CH58 0079 1123 0008 8901 2".into();
            }),
            Err(QrBillError::QrReferenceNeedsQrIban)
        );
        assert_eq!(
            with(&|b| {
                b.account = "CH58 0079 1123 0008 8901 2".into();
                b.reference = Reference::Creditor("RF18539007547034".into());
            }),
            Ok(())
        );
        assert_eq!(with(&|b| b.amount_minor = Some(100_000_000_000)), Err(QrBillError::AmountOutOfRange));
        assert_eq!(with(&|b| b.amount_minor = Some(-5)), Err(QrBillError::AmountOutOfRange));
        assert!(matches!(
            with(&|b| b.creditor.postcode = String::new()),
            Err(QrBillError::UnstructuredAddress { who: Party::Creditor, .. })
        ));
        assert!(matches!(
            with(&|b| b.debtor = Some(Address { town: String::new(), ..address("X") })),
            Err(QrBillError::UnstructuredAddress { who: Party::Debtor, .. })
        ));
    }

    /// Every bound and every check of the references, addresses and bill, at its edge: a
    /// change to a length, a check digit or a refusal fails here (mutation testing found them
    /// untested).
    #[test]
    fn references_and_bills_are_refused_exactly_at_their_bounds() {
        // QR reference: 1 to 26 digits of the creditor's own.
        assert_eq!(qr_reference(""), None);
        assert!(qr_reference(&"1".repeat(26)).is_some_and(|reference| qr_reference_valid(&reference)));
        assert_eq!(qr_reference(&"1".repeat(27)), None);
        // Creditor reference: "RF", check digits, 1 to 21 letters or digits, 5 to 25 in all.
        let with_check = |prefix: &str, body: &str| {
            let check = 98 - crate::company::mod97_rotated(&format!("{prefix}00"), body);
            format!("{prefix}{check:02}{body}")
        };
        let longest = with_check("RF", &"7".repeat(21));
        assert!(creditor_reference_valid(&longest), "{longest}");
        assert_eq!(creditor_reference(&"7".repeat(21)), Some(longest));
        assert!(!creditor_reference_valid(&with_check("RF", &"7".repeat(22))), "26 characters");
        assert_eq!(creditor_reference(&"7".repeat(22)), None);
        assert!(!creditor_reference_valid(&with_check("AB", "539007547034")), "not RF, though its digits check");
        assert!(creditor_reference_valid(&with_check("RF", "539007547034")));
        assert!(!creditor_reference_valid("RF18-5390-0754-7034"), "not letters or digits");

        // The bill: a regular IBAN takes a creditor reference or none, in CHF or EUR, with a
        // message of up to 140 characters and addresses within their lengths.
        let bill = QrBill {
            account: "CH58 0079 1123 0008 8901 2".into(),
            creditor: address("Robert Schneider AG"),
            amount_minor: Some(1),
            currency: Currency::EUR,
            debtor: None,
            reference: Reference::Creditor("RF18 5390 0754 7034".into()),
            message: "x".repeat(140),
        };
        assert_eq!(bill.validate(), Ok(()));
        let payload = bill.payload().unwrap();
        assert_eq!(payload.split("\r\n").nth(28), Some("RF18539007547034"), "the reference without its spaces");
        let with = |change: &dyn Fn(&mut QrBill)| {
            let mut changed = bill.clone();
            change(&mut changed);
            changed.validate()
        };
        assert_eq!(with(&|b| b.reference = Reference::None), Ok(()));
        assert_eq!(with(&|b| b.currency = Currency::CHF), Ok(()));
        assert_eq!(
            with(&|b| b.currency = "USD".parse().unwrap()),
            Err(QrBillError::Currency { currency: "USD".parse().unwrap() })
        );
        assert_eq!(with(&|b| b.message = "x".repeat(141)), Err(QrBillError::MessageTooLong));
        assert_eq!(with(&|b| b.amount_minor = Some(0)), Err(QrBillError::AmountOutOfRange));
        assert_eq!(with(&|b| b.amount_minor = Some(QR_AMOUNT_MINOR_MAX)), Ok(()));
        assert_eq!(with(&|b| b.amount_minor = Some(QR_AMOUNT_MINOR_MAX + 1)), Err(QrBillError::AmountOutOfRange));
        let creditor = |change: &dyn Fn(&mut Address)| with(&|b| change(&mut b.creditor));
        assert_eq!(creditor(&|a| a.name = "n".repeat(70)), Ok(()));
        assert_eq!(
            creditor(&|a| a.name = "n".repeat(71)),
            Err(QrBillError::UnstructuredAddress { who: Party::Creditor, field: "name" })
        );
        assert_eq!(creditor(&|a| a.town = "t".repeat(35)), Ok(()));
        assert_eq!(
            creditor(&|a| a.town = "t".repeat(36)),
            Err(QrBillError::UnstructuredAddress { who: Party::Creditor, field: "town" })
        );
        assert_eq!(creditor(&|a| a.street = String::new()), Ok(()), "a street is not required");
        for country in ["Ch", "CHE", "C"] {
            assert_eq!(
                creditor(&|a| a.country = country.into()),
                Err(QrBillError::UnstructuredAddress { who: Party::Creditor, field: "country" }),
                "{country}"
            );
        }
    }
}

//! The FEC (fichier des écritures comptables) that article A47 A-1 of the French Livre des
//! procédures fiscales requires of every company keeping its books by computer: one line per
//! line of entry, the 18 columns in their order after a header, separated by tabs, dates as
//! `YYYYMMDD`, amounts with a decimal comma, the entries in the order of their validation with
//! numbers following each other without a gap in each journal, the customers' and suppliers'
//! sub-ledger accounts, encoded in ISO 8859-15. Written as the store streams the entries: the
//! memory it takes does not grow with the book.

use std::io::Write;

use chrono::NaiveDate;
use rempart_domain::Currency;
use rempart_i18n::Lang;
use rempart_store::fec::FecEntry;
use rempart_store::{Store, StoreError};

/// The columns, in the order the law gives them.
pub const FEC_COLUMNS: [&str; 18] = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
];

/// Why a FEC cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum FecError {
    #[error("the FEC is a French company's: this company keeps Swiss books")]
    NotFrench,
    #[error("the FEC is named after the company's SIREN: set it first (rempart company set --set siren=…)")]
    NoSiren,
    #[error("entry {entry} has a line in {currency}: the FEC is kept in euros")]
    ForeignCurrency { entry: String, currency: Currency },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the FEC cannot be written: {0}")]
    Write(#[from] std::io::Error),
}

impl rempart_i18n::Speak for FecError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            FecError::NotFrench => lang.text("err.fec.not_french").to_owned(),
            FecError::NoSiren => lang.text("err.fec.no_siren").to_owned(),
            FecError::ForeignCurrency { entry, currency } => {
                lang.fill("err.fec.foreign_currency", &[("entry", entry), ("currency", currency)])
            }
            FecError::Store(error) => rempart_i18n::message(error, lang),
            FecError::Write(error) => lang.fill("err.fec.write", &[("source", error)]),
        }
    }
}

/// What a FEC holds, once written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FecSummary {
    pub entries: u64,
    pub lines: u64,
    pub debit_minor: i64,
    pub credit_minor: i64,
}

/// The file's name: `<SIREN>FEC<closing date>.txt`.
pub fn fec_file_name(siren: &str, closing: NaiveDate) -> String {
    format!("{siren}FEC{}.txt", closing.format("%Y%m%d"))
}

/// An amount with its decimal comma, no sign and no thousands separator: `1234,56`.
pub fn fec_amount(minor: i64) -> String {
    let minor = minor.unsigned_abs();
    format!("{},{:02}", minor / 100, minor % 100)
}

/// A date as the FEC writes it: `YYYYMMDD`.
pub fn fec_date(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// A text as a field holds it: no tab, no line break.
#[cfg(test)]
fn field(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Appends a field in ISO 8859-15, its tabs and line breaks made spaces.
fn push_field(out: &mut Vec<u8>, text: &str) {
    if text.is_ascii() {
        out.extend(text.bytes().map(|byte| if byte.is_ascii_control() { b' ' } else { byte }));
    } else {
        out.extend(latin9(text).into_iter().map(|byte| if byte.is_ascii_control() { b' ' } else { byte }));
    }
}

/// A line in ISO 8859-15: Latin-1 but for the eight characters it replaced (the euro sign,
/// Š š Ž ž Œ œ Ÿ); what it cannot hold becomes `?`.
pub fn latin9(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '€' => 0xA4,
            'Š' => 0xA6,
            'š' => 0xA8,
            'Ž' => 0xB4,
            'ž' => 0xB8,
            'Œ' => 0xBC,
            'œ' => 0xBD,
            'Ÿ' => 0xBE,
            '\u{A4}' | '\u{A6}' | '\u{A8}' | '\u{B4}' | '\u{B8}' | '\u{BC}' | '\u{BD}' | '\u{BE}' => b'?',
            c if (c as u32) < 0x100 => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// Writes the FEC of the entries dated from `from` to `to` to `out`; answers what it holds.
pub fn write_fec(
    store: &Store,
    (from, to): (NaiveDate, NaiveDate),
    out: &mut impl Write,
) -> Result<FecSummary, FecError> {
    if store.company()?.country != rempart_domain::Country::Fr {
        return Err(FecError::NotFrench);
    }
    out.write_all(&latin9(&FEC_COLUMNS.join("\t")))?;
    out.write_all(b"\r\n")?;
    let mut summary = FecSummary::default();
    // The next number of each journal in the file: one sequence each, without a gap.
    let mut numbers: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    // One line at a time, encoded as it is written.
    let mut line_bytes: Vec<u8> = Vec::with_capacity(512);
    // Each journal's code and label, found once.
    let mut journals: std::collections::HashMap<(String, Option<String>), (String, String)> =
        std::collections::HashMap::new();
    store.fec_entries((from, to), |entry: FecEntry| -> Result<(), FecError> {
        let (code, label) =
            journals.entry((entry.journal.clone(), entry.series.clone())).or_insert_with(|| journal(&entry)).clone();
        let number = numbers.entry(code.clone()).or_insert(0);
        *number += 1;
        let number = number.to_string();
        let piece = entry.id.split_once('-').map_or(entry.id.as_str(), |(_, rest)| rest);
        let (date, validated) = (fec_date(entry.date), fec_date(entry.validated_on));
        for line in &entry.lines {
            if line.currency != Currency::EUR {
                return Err(FecError::ForeignCurrency { entry: entry.id.clone(), currency: line.currency });
            }
            let (debit, credit) = if line.amount_minor >= 0 { (line.amount_minor, 0) } else { (0, -line.amount_minor) };
            summary.debit_minor += debit;
            summary.credit_minor += credit;
            summary.lines += 1;
            let (aux, aux_label) = match &line.aux {
                Some((aux, label)) => (aux.as_str(), label.as_str()),
                None => ("", ""),
            };
            line_bytes.clear();
            for (index, value) in [
                code.as_str(),
                label.as_str(),
                number.as_str(),
                date.as_str(),
                line.account.as_str(),
                line.account_label.as_str(),
                aux,
                aux_label,
                piece,
                date.as_str(),
                entry.text.as_str(),
                fec_amount(debit).as_str(),
                fec_amount(credit).as_str(),
                "",
                "",
                validated.as_str(),
                "",
                "",
            ]
            .into_iter()
            .enumerate()
            {
                if index > 0 {
                    line_bytes.push(b'\t');
                }
                push_field(&mut line_bytes, value);
            }
            line_bytes.extend_from_slice(b"\r\n");
            out.write_all(&line_bytes)?;
        }
        summary.entries += 1;
        Ok(())
    })?;
    out.flush()?;
    Ok(summary)
}

/// An entry's journal as the FEC names it: its code (with the device's series for a device
/// numbering on its own) and its label, the French words of the catalogue (the FEC is French).
fn journal(entry: &FecEntry) -> (String, String) {
    let key = format!("fec.journal.{}", entry.journal.to_lowercase());
    let label = if Lang::Fr.has(&key) { Lang::Fr.text(&key).to_owned() } else { entry.journal.clone() };
    match &entry.series {
        None => (entry.journal.clone(), label),
        Some(series) => (
            format!("{}{}", entry.journal, series.to_uppercase()),
            Lang::Fr.fill("fec.journal_of_device", &[("journal", &label), ("device", series)]),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_dates_names_and_encoding() {
        assert_eq!(fec_amount(123_456), "1234,56");
        assert_eq!(fec_amount(-5), "0,05");
        assert_eq!(fec_amount(0), "0,00");
        let closing = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(fec_file_name("732829320", closing), "732829320FEC20261231.txt");
        assert_eq!(fec_date(closing), "20261231");
        assert_eq!(latin9("Révision € œ"), [b'R', 0xE9, b'v', b'i', b's', b'i', b'o', b'n', b' ', 0xA4, b' ', 0xBD]);
        assert_eq!(latin9("→¤"), b"??");
        assert_eq!(field("a\tb\nc"), "a b c");
    }
}

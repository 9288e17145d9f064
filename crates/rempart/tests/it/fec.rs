//! Issue 23, item 4: the FEC of the French demo company, read back by a reader written here,
//! apart from the exporter: its name, its encoding, the header and the 18 columns, tabs, dates
//! `YYYYMMDD`, amounts with a decimal comma, every entry balanced and the whole too, numbers
//! without a gap in each journal, entries in the order of validation, the customers' and
//! suppliers' sub-ledgers, and totals per account equal to the trial balance.

use std::collections::BTreeMap;

use crate::{Company, csv_rows, path_arg};

const COLUMNS: [&str; 18] = [
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

/// ISO 8859-15 read back: Latin-1 but for its eight characters.
fn from_latin9(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| match byte {
            0xA4 => '€',
            0xA6 => 'Š',
            0xA8 => 'š',
            0xB4 => 'Ž',
            0xB8 => 'ž',
            0xBC => 'Œ',
            0xBD => 'œ',
            0xBE => 'Ÿ',
            other => char::from(*other),
        })
        .collect()
}

/// An amount of the file in cents: digits, a comma, two digits.
fn cents(text: &str) -> i64 {
    let (whole, fraction) = text.split_once(',').unwrap_or_else(|| panic!("no decimal comma in {text:?}"));
    assert!(!whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()), "{text:?}");
    assert!(fraction.len() == 2 && fraction.bytes().all(|b| b.is_ascii_digit()), "{text:?}");
    whole.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap()
}

fn date(text: &str) -> chrono::NaiveDate {
    assert_eq!(text.len(), 8, "{text:?}");
    chrono::NaiveDate::parse_from_str(text, "%Y%m%d").unwrap_or_else(|_| panic!("{text:?} is not YYYYMMDD"))
}

#[test]
fn the_fec_of_the_french_demo_reads_back_balanced_gapless_and_equal_to_the_trial_balance() {
    let temp = tempfile::tempdir().unwrap();
    let company = Company::at(temp.path().join("data"));
    company.ok(&["demo", "--country", "FR"]);
    let out = temp.path().join("fec");
    let written = company.ok(&["export", "fec", "--year", "2025", "--out", path_arg(&out)]);
    let path = out.join("732829320FEC20251231.txt");
    assert!(written.contains(path_arg(&path)), "{written}");
    let bytes = std::fs::read(&path).expect("the FEC");
    assert!(bytes.ends_with(b"\r\n"));
    assert!(std::str::from_utf8(&bytes).is_err(), "ISO 8859-15, not UTF-8: its accents are single bytes");
    let text = from_latin9(&bytes);
    assert!(text.contains("Achats de marchandises") && text.contains("Pièces Auto Rhône SAS"), "accents read back");
    let mut lines = text.split("\r\n").filter(|line| !line.is_empty());
    assert_eq!(lines.next().expect("a header").split('\t').collect::<Vec<_>>(), COLUMNS);

    let (mut total_debit, mut total_credit) = (0i64, 0i64);
    let mut per_account: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut last_number: BTreeMap<String, u64> = BTreeMap::new();
    let mut entry: Option<(String, u64, i64)> = None;
    let mut entries = 0;
    let mut last_valid = None;
    let mut aux_lines = 0;
    for line in lines {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 18, "{line}");
        let (journal, number) = (fields[0], fields[2].parse::<u64>().expect("EcritureNum"));
        assert!(!journal.is_empty() && journal.chars().all(|c| c.is_ascii_alphanumeric()), "{journal}");
        assert!(!fields[1].is_empty() && !fields[4].is_empty() && !fields[5].is_empty(), "{line}");
        let day = date(fields[3]);
        assert!(
            day >= chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
                && day <= chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
        );
        date(fields[9]);
        let valid = date(fields[15]);
        assert!(valid >= day, "validated before its date: {line}");
        assert!(last_valid.is_none_or(|last| last <= valid), "not in the order of validation: {line}");
        last_valid = Some(valid);
        let (debit, credit) = (cents(fields[11]), cents(fields[12]));
        assert!(debit == 0 || credit == 0, "one side a line: {line}");
        assert!(fields[13].is_empty() && fields[14].is_empty() && fields[16].is_empty() && fields[17].is_empty());
        // The customers' and suppliers' sub-ledgers, on their accounts and only there.
        let sub_ledger = fields[4] == "411" || fields[4] == "401";
        assert_eq!(sub_ledger, !fields[6].is_empty(), "{line}");
        assert_eq!(fields[6].is_empty(), fields[7].is_empty(), "{line}");
        aux_lines += usize::from(sub_ledger);
        // A new entry: the last one balanced; numbers follow each other in each journal.
        match &mut entry {
            Some((open_journal, open_number, balance)) if open_journal == journal && *open_number == number => {
                *balance += debit - credit;
            }
            _ => {
                if let Some((_, _, balance)) = entry.take() {
                    assert_eq!(balance, 0, "an entry does not balance before {line}");
                }
                let last = last_number.entry(journal.to_owned()).or_insert(0);
                assert_eq!(number, *last + 1, "a gap in journal {journal}: {line}");
                *last = number;
                entries += 1;
                entry = Some((journal.to_owned(), number, debit - credit));
            }
        }
        total_debit += debit;
        total_credit += credit;
        let sums = per_account.entry(fields[4].to_owned()).or_default();
        sums.0 += debit;
        sums.1 += credit;
    }
    assert_eq!(entry.map(|(_, _, balance)| balance), Some(0), "the last entry balances");
    assert_eq!(total_debit, total_credit, "the whole file balances");
    assert!(entries > 800 && aux_lines > 500, "{entries} entries, {aux_lines} sub-ledger lines");
    assert!(written.contains(&format!("{entries} entries")), "{written}");
    for journal in ["VTE", "ACH", "BQ", "OD", "SAL"] {
        assert!(last_number.get(journal).is_some_and(|last| *last > 0), "journal {journal}");
    }

    // Per account, the trial balance of the year.
    let trial =
        company.ok(&["report", "trial-balance", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "csv"]);
    let header: Vec<&str> = trial.lines().next().expect("a header").split(',').collect();
    let at = |name: &str| header.iter().position(|column| *column == name).expect(name);
    let plain = |text: &str| -> i64 {
        let (whole, fraction) = text.split_once('.').expect("a plain amount");
        whole.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap()
    };
    let mut compared = 0;
    for row in csv_rows(&trial) {
        let (debit, credit) = (plain(&row[at("debit")]), plain(&row[at("credit")]));
        if debit == 0 && credit == 0 {
            continue;
        }
        assert_eq!(per_account.get(&row[at("account")]), Some(&(debit, credit)), "account {}", row[at("account")]);
        compared += 1;
    }
    assert_eq!(compared, per_account.len(), "every account of the FEC is in the trial balance");

    // A Swiss company has no FEC; a French one without its SIREN cannot name it.
    let swiss = Company::new("CH");
    assert!(swiss.fails(&["export", "fec", "--year", "2025"]).contains("keeps Swiss books"));
    let french = Company::new("FR");
    assert!(french.fails(&["export", "fec", "--year", "2025"]).contains("SIREN"));
}

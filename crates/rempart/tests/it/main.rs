//! End-to-end tests of the `rempart` binary on temporary data directories.

// Integration tests: a failed unwrap is a failed test (the product itself denies unwrap).
#![allow(clippy::unwrap_used)]

mod backup;
mod bad_input;
mod bills;
mod browser;
mod catalogue;
mod chain;
mod cli;
mod closures;
mod contacts;
mod crash;
mod documents;
mod fec;
mod french_vat;
mod garage;
mod invoices;
mod loyalty;
mod quotes;
mod replenish;
mod sales;
mod stock;
mod sync;
mod tamper;
mod till_week;
mod tills;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The rows of a CSV text a command printed, its header left out.
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader.records().map(|record| record.expect("csv row").iter().map(str::to_owned).collect()).collect()
}

/// A company in a temporary directory, driven through the real binary.
pub struct Company {
    _temp: Option<tempfile::TempDir>,
    pub dir: PathBuf,
}

pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rempart"));
    command.env("REMPART_LANG", "en").env_remove("REMPART_DATA");
    command
}

impl Company {
    pub fn new(country: &str) -> Company {
        let temp = tempfile::tempdir().expect("temporary directory");
        let dir = temp.path().join("data");
        let company = Company { _temp: Some(temp), dir };
        company.ok(&["init", "--company", "Garage Test SA", "--country", country]);
        company
    }

    /// A data directory that commands will create or use, with no company made in it yet.
    pub fn at(dir: PathBuf) -> Company {
        Company { _temp: None, dir }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        binary().arg("--data-dir").arg(&self.dir).args(args).output().expect("run rempart")
    }

    /// Runs a command that must succeed and returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "rempart {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// Runs a command that must succeed, with `input` on its standard input.
    pub fn ok_with_input(&self, args: &[&str], input: &str) -> String {
        use std::io::Write as _;
        let mut child = binary()
            .arg("--data-dir")
            .arg(&self.dir)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run rempart");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
        let output = child.wait_with_output().expect("wait for rempart");
        assert!(output.status.success(), "rempart {args:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// Runs a command as a reader of `lang` (fr, de, en) sees it.
    pub fn run_in(&self, lang: &str, args: &[&str]) -> Output {
        binary().env("REMPART_LANG", lang).arg("--data-dir").arg(&self.dir).args(args).output().expect("run rempart")
    }

    /// Runs a command that must succeed, as a reader of `lang` (fr, de, en) sees it.
    pub fn ok_in(&self, lang: &str, args: &[&str]) -> String {
        let output = self.run_in(lang, args);
        assert!(output.status.success(), "rempart {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// Runs a command that must fail, as a reader of `lang` (fr, de, en) sees it: its standard
    /// error and output together.
    pub fn fails_in(&self, lang: &str, args: &[&str]) -> String {
        let output = self.run_in(lang, args);
        assert!(!output.status.success(), "rempart {args:?} succeeded:\n{}", String::from_utf8_lossy(&output.stdout));
        format!("{}{}", String::from_utf8_lossy(&output.stderr), String::from_utf8_lossy(&output.stdout))
    }

    /// Runs a command that must fail and returns its standard error and output together.
    pub fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(!output.status.success(), "rempart {args:?} succeeded:\n{}", String::from_utf8_lossy(&output.stdout));
        format!("{}{}", String::from_utf8_lossy(&output.stderr), String::from_utf8_lossy(&output.stdout))
    }

    /// Sets the company's address in Morges, its VAT number and its QR-IBAN (what its invoices
    /// print), and `more` details (which may replace these).
    pub fn in_morges(&self, more: &[&str]) {
        let address = [
            "street=Route de Genève",
            "building_number=12",
            "postcode=1110",
            "town=Morges",
            "vat_number=CHE-116.281.710 MWST",
            "qr_iban=CH44 3199 9123 0008 8901 2",
        ];
        let mut args = vec!["company", "set"];
        for detail in address.iter().chain(more) {
            args.extend(["--set", detail]);
        }
        self.ok(&args);
    }

    pub fn database(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.join("ledger.db")).expect("open ledger.db")
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.parent().expect("parent").join(name);
        std::fs::write(&path, contents).expect("write file");
        path
    }

    /// Every byte of the log (events and seals), to show a refused command changed nothing.
    pub fn log_snapshot(&self) -> Vec<u8> {
        let conn = self.database();
        let mut out = Vec::new();
        for sql in [
            "SELECT node, seq, version, tenant, hlc_wall_ms, hlc_logical, prev, kind, payload, hash FROM events ORDER BY node, seq",
            "SELECT node, seq, head, signature FROM seals ORDER BY node, seq",
        ] {
            let mut statement = conn.prepare(sql).expect("prepare");
            let columns = statement.column_count();
            let mut rows = statement.query([]).expect("query");
            while let Some(row) = rows.next().expect("row") {
                for index in 0..columns {
                    out.extend(format!("{:?}|", row.get_ref(index).expect("value")).bytes());
                }
                out.push(b'\n');
            }
        }
        out
    }

    pub fn state_hash(&self) -> String {
        let output = self.ok(&["verify"]);
        output.trim().rsplit(' ').next().expect("hash").to_owned()
    }
}

pub fn path_arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Whether `word` is a number of an invoice of a node's series: `2026-0001`, `2026-B-0001`.
pub fn is_invoice_number(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    match parts[..] {
        [year, sequence] => year.len() == 4 && digits(year) && sequence.len() >= 4 && digits(sequence),
        [year, prefix, sequence] => {
            year.len() == 4
                && digits(year)
                && (1..=3).contains(&prefix.len())
                && prefix.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && sequence.len() >= 4
                && digits(sequence)
        }
        _ => false,
    }
}

/// The invoice number in the output of `invoice issue` (the first one, in `invoice credit`'s).
pub fn number_of(output: &str) -> String {
    output
        .split_whitespace()
        .map(|word| word.trim_end_matches([',', '.']))
        .find(|word| is_invoice_number(word))
        .expect("an invoice number")
        .to_owned()
}

/// The draft id in the output of `invoice new`.
pub fn draft_of(output: &str) -> String {
    output.split_whitespace().find(|word| word.starts_with("D-")).expect("a draft id").trim_end_matches('.').to_owned()
}

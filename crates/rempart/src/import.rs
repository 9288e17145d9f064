//! Reading entries from files (CSV and JSON Lines) and from `--post` arguments into drafts. Every
//! refusal names the line it comes from; nothing is recorded unless the whole file reads. What
//! people type or their spreadsheets write (`--post`, CSV) is read as the company's locale writes
//! amounts and dates, or plainly (`Locale::read_amount`, `read_date`); a CSV file's separator is
//! `,` or `;` (as French and Swiss spreadsheets write), told from its header. JSON Lines, written
//! by programs, stay plain (`1234.50`, ISO dates).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rempart_domain::locale::DateUnreadable;
use rempart_domain::money::format_plain;
use rempart_domain::rules::parse_date;
use rempart_domain::{AmountError, Currency, EntryDraft, LedgerError, Locale, PostingDraft};
use serde::Deserialize;

/// Why a file of entries, or a `--post` argument, could not be read: each names where.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: unknown file type \".{extension}\": use .csv or .jsonl")]
    UnknownType { path: PathBuf, extension: String },
    #[error("cannot read {path}: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{path}: cannot read the header line: {source}")]
    Header { path: PathBuf, source: csv::Error },
    #[error("{path}: the header has no \"{column}\" column (expected {expected})")]
    MissingColumn { path: PathBuf, column: &'static str, expected: String },
    #[error("{path} line {line}: {problem}")]
    Line { path: PathBuf, line: u64, problem: LineProblem },
    #[error("{path} line {line}: entry {id}: {source}; nothing was imported")]
    Refused { path: PathBuf, line: u64, id: String, source: LedgerError },
    #[error("{path}: nothing was imported: {source}")]
    NotImported { path: PathBuf, source: rempart_store::StoreError },
    #[error("--post {text}: write ACCOUNT=AMOUNT, for example 6000=1500.00 or 1020=-1500.00")]
    PostForm { text: String },
    #[error("--post {text}: {source}")]
    PostAmount { text: String, source: AmountError },
}

/// What is wrong on one line of a file of entries.
#[derive(Debug, thiserror::Error)]
pub enum LineProblem {
    #[error("the row cannot be read: {0}")]
    Csv(csv::Error),
    #[error("entry_id is empty")]
    EmptyId,
    #[error(transparent)]
    Date(DateUnreadable),
    #[error(transparent)]
    IsoDate(LedgerError),
    #[error(transparent)]
    Amount(AmountError),
    #[error("entry {id} has rows with different dates ({first} and {second})")]
    DatesDiffer { id: String, first: NaiveDate, second: NaiveDate },
    #[error("the line is not an entry of JSON Lines: {0}")]
    Json(serde_json::Error),
}

type Result<T> = std::result::Result<T, ImportError>;

/// Drafts read from a file, with the line on which each entry starts.
pub struct ReadEntries {
    pub drafts: Vec<EntryDraft>,
    pub lines: Vec<u64>,
}

pub const CSV_COLUMNS: [&str; 7] = ["entry_id", "date", "journal", "account", "amount", "currency", "text"];

fn currency_of(text: &str) -> std::result::Result<Option<Currency>, AmountError> {
    if text.is_empty() { Ok(None) } else { Ok(Some(text.parse()?)) }
}

fn journal_of(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// Reads `--post ACCOUNT=AMOUNT[:CURRENCY][:vat=CODE]`, the amount as `locale` writes it (in the
/// posting's currency, else `currency`).
pub fn parse_post(text: &str, locale: Locale, currency: Currency) -> Result<PostingDraft> {
    let (account, rest) = text.split_once('=').ok_or_else(|| ImportError::PostForm { text: text.to_owned() })?;
    let mut parts = rest.split(':');
    let amount = parts.next().unwrap_or("");
    let mut posting =
        PostingDraft { account: account.trim().to_owned(), amount: String::new(), currency: None, vat_code: None };
    for part in parts {
        if let Some(code) = part.strip_prefix("vat=") {
            posting.vat_code = Some(code.to_owned());
        } else {
            posting.currency =
                Some(part.parse().map_err(|source| ImportError::PostAmount { text: text.to_owned(), source })?);
        }
    }
    posting.amount = plain_amount(amount, locale, posting.currency.unwrap_or(currency))
        .map_err(|source| ImportError::PostAmount { text: text.to_owned(), source })?;
    Ok(posting)
}

/// An amount as `locale` writes it, in the plain form drafts carry (`1234.50`).
pub fn plain_amount(text: &str, locale: Locale, currency: Currency) -> std::result::Result<String, AmountError> {
    Ok(format_plain(locale.read_amount(text, currency)?, currency))
}

pub fn read_entries(path: &Path, locale: Locale, currency: Currency) -> Result<ReadEntries> {
    let extension = path.extension().and_then(|extension| extension.to_str()).unwrap_or("").to_ascii_lowercase();
    match extension.as_str() {
        "csv" => read_csv(path, locale, currency),
        "jsonl" | "ndjson" => read_jsonl(path),
        other => Err(ImportError::UnknownType { path: path.to_owned(), extension: other.to_owned() }),
    }
}

/// The separator a CSV file's header line uses: `;` if it has more of them than of `,`.
fn csv_separator(path: &Path) -> Result<u8> {
    use std::io::BufRead as _;
    let unreadable = |source| ImportError::Unreadable { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut header = String::new();
    std::io::BufReader::new(file).read_line(&mut header).map_err(unreadable)?;
    let count = |separator: char| header.matches(separator).count();
    Ok(if count(';') > count(',') { b';' } else { b',' })
}

fn read_csv(path: &Path, locale: Locale, company_currency: Currency) -> Result<ReadEntries> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(csv_separator(path)?)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|source| ImportError::Header { path: path.to_owned(), source })?;
    let headers = reader.headers().map_err(|source| ImportError::Header { path: path.to_owned(), source })?.clone();
    let mut index = HashMap::new();
    for column in CSV_COLUMNS {
        let position = headers.iter().position(|header| header == column).ok_or_else(|| {
            ImportError::MissingColumn { path: path.to_owned(), column, expected: CSV_COLUMNS.join(",") }
        })?;
        index.insert(column, position);
    }
    let mut out = ReadEntries { drafts: Vec::new(), lines: Vec::new() };
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|error| {
            let line = error.position().map_or(0, |position| position.line());
            ImportError::Line { path: path.to_owned(), line, problem: LineProblem::Csv(error) }
        })?;
        let line = record.position().map_or(0, |position| position.line());
        let field = |name: &str| record.get(index[name]).unwrap_or("");
        let at = |problem: LineProblem| ImportError::Line { path: path.to_owned(), line, problem };
        let id = field("entry_id");
        if id.is_empty() {
            return Err(at(LineProblem::EmptyId));
        }
        let date = locale.read_date(field("date")).map_err(|error| at(LineProblem::Date(error)))?;
        let currency = currency_of(field("currency")).map_err(|error| at(LineProblem::Amount(error)))?;
        let amount = plain_amount(field("amount"), locale, currency.unwrap_or(company_currency))
            .map_err(|error| at(LineProblem::Amount(error)))?;
        let posting = PostingDraft { account: field("account").to_owned(), amount, currency, vat_code: None };
        match by_id.get(id) {
            Some(&position) => {
                let draft = &mut out.drafts[position];
                if draft.date != date {
                    return Err(at(LineProblem::DatesDiffer { id: id.to_owned(), first: draft.date, second: date }));
                }
                draft.postings.push(posting);
            }
            None => {
                by_id.insert(id.to_owned(), out.drafts.len());
                out.drafts.push(EntryDraft {
                    id: id.to_owned(),
                    date,
                    journal: journal_of(field("journal")),
                    text: field("text").to_owned(),
                    postings: vec![posting],
                });
                out.lines.push(line);
            }
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonEntry {
    id: String,
    date: String,
    #[serde(default)]
    journal: Option<String>,
    text: String,
    postings: Vec<JsonPosting>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonPosting {
    account: String,
    /// A string such as "1500.00": JSON numbers are refused, since many writers produce floats.
    amount: String,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    vat_code: Option<String>,
}

fn read_jsonl(path: &Path) -> Result<ReadEntries> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ImportError::Unreadable { path: path.to_owned(), source })?;
    let mut out = ReadEntries { drafts: Vec::new(), lines: Vec::new() };
    for (index, line_text) in text.lines().enumerate() {
        let line = index as u64 + 1;
        if line_text.trim().is_empty() {
            continue;
        }
        let at = |problem: LineProblem| ImportError::Line { path: path.to_owned(), line, problem };
        let entry: JsonEntry = serde_json::from_str(line_text).map_err(|error| at(LineProblem::Json(error)))?;
        let date = parse_date(&entry.date).map_err(|error| at(LineProblem::IsoDate(error)))?;
        let mut postings = Vec::with_capacity(entry.postings.len());
        for posting in entry.postings {
            postings.push(PostingDraft {
                account: posting.account,
                amount: posting.amount,
                currency: currency_of(posting.currency.as_deref().unwrap_or(""))
                    .map_err(|error| at(LineProblem::Amount(error)))?,
                vat_code: posting.vat_code,
            });
        }
        out.drafts.push(EntryDraft {
            id: entry.id,
            date,
            journal: entry.journal.and_then(|j| journal_of(&j)),
            text: entry.text,
            postings,
        });
        out.lines.push(line);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_arguments() {
        let posting = parse_post("1170=8.10:vat=IN81", Locale::Swiss, Currency::CHF).unwrap();
        assert_eq!(
            (posting.account.as_str(), posting.amount.as_str(), posting.vat_code.as_deref()),
            ("1170", "8.10", Some("IN81"))
        );
        assert_eq!(parse_post("1020=-5:EUR", Locale::Swiss, Currency::CHF).unwrap().currency, Some(Currency::EUR));
        assert!(parse_post("1020", Locale::Swiss, Currency::CHF).is_err());
        assert!(parse_post("1020=5:eur", Locale::Swiss, Currency::CHF).is_err());
    }
}

//! Reading entries from files (CSV and JSON Lines) and from `--post` arguments into drafts. Every
//! refusal names the line it comes from; nothing is recorded unless the whole file reads.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use rempart_domain::rules::parse_date;
use rempart_domain::{Currency, EntryDraft, PostingDraft};
use serde::Deserialize;

/// Drafts read from a file, with the line on which each entry starts.
pub struct ReadEntries {
    pub drafts: Vec<EntryDraft>,
    pub lines: Vec<u64>,
}

pub const CSV_COLUMNS: [&str; 7] = ["entry_id", "date", "journal", "account", "amount", "currency", "text"];

fn currency_of(text: &str) -> Result<Option<Currency>> {
    if text.is_empty() { Ok(None) } else { Ok(Some(text.parse()?)) }
}

fn journal_of(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// Reads `--post ACCOUNT=AMOUNT[:CURRENCY][:vat=CODE]`.
pub fn parse_post(text: &str) -> Result<PostingDraft> {
    let (account, rest) = text
        .split_once('=')
        .ok_or_else(|| anyhow!("--post {text}: write ACCOUNT=AMOUNT, for example 6000=1500.00 or 1020=-1500.00"))?;
    let mut parts = rest.split(':');
    let amount = parts.next().unwrap_or("").to_owned();
    let mut posting = PostingDraft { account: account.trim().to_owned(), amount, currency: None, vat_code: None };
    for part in parts {
        if let Some(code) = part.strip_prefix("vat=") {
            posting.vat_code = Some(code.to_owned());
        } else {
            posting.currency = Some(part.parse().with_context(|| format!("--post {text}"))?);
        }
    }
    Ok(posting)
}

pub fn read_entries(path: &Path) -> Result<ReadEntries> {
    let extension = path.extension().and_then(|extension| extension.to_str()).unwrap_or("").to_ascii_lowercase();
    match extension.as_str() {
        "csv" => read_csv(path),
        "jsonl" | "ndjson" => read_jsonl(path),
        other => bail!("{}: unknown file type \".{other}\": use .csv or .jsonl", path.display()),
    }
}

fn read_csv(path: &Path) -> Result<ReadEntries> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader.headers().with_context(|| format!("{}: cannot read the header line", path.display()))?.clone();
    let mut index = HashMap::new();
    for column in CSV_COLUMNS {
        let position = headers.iter().position(|header| header == column).ok_or_else(|| {
            anyhow!("{}: the header has no \"{column}\" column (expected {})", path.display(), CSV_COLUMNS.join(","))
        })?;
        index.insert(column, position);
    }
    let mut out = ReadEntries { drafts: Vec::new(), lines: Vec::new() };
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|error| {
            let line = error.position().map_or(0, |position| position.line());
            anyhow!("{} line {line}: {error}", path.display())
        })?;
        let line = record.position().map_or(0, |position| position.line());
        let field = |name: &str| record.get(index[name]).unwrap_or("");
        let at = |message: String| anyhow!("{} line {line}: {message}", path.display());
        let id = field("entry_id");
        if id.is_empty() {
            return Err(at("entry_id is empty".to_owned()));
        }
        let date = parse_date(field("date")).map_err(|error| at(error.to_string()))?;
        let currency = currency_of(field("currency")).map_err(|error| at(error.to_string()))?;
        let posting = PostingDraft {
            account: field("account").to_owned(),
            amount: field("amount").to_owned(),
            currency,
            vat_code: None,
        };
        match by_id.get(id) {
            Some(&position) => {
                let draft = &mut out.drafts[position];
                if draft.date != date {
                    return Err(at(format!("entry {id} has rows with different dates ({} and {date})", draft.date)));
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
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = ReadEntries { drafts: Vec::new(), lines: Vec::new() };
    for (index, line_text) in text.lines().enumerate() {
        let line = index as u64 + 1;
        if line_text.trim().is_empty() {
            continue;
        }
        let at = |message: String| anyhow!("{} line {line}: {message}", path.display());
        let entry: JsonEntry = serde_json::from_str(line_text).map_err(|error| at(error.to_string()))?;
        let date = parse_date(&entry.date).map_err(|error| at(error.to_string()))?;
        let mut postings = Vec::with_capacity(entry.postings.len());
        for posting in entry.postings {
            postings.push(PostingDraft {
                account: posting.account,
                amount: posting.amount,
                currency: currency_of(posting.currency.as_deref().unwrap_or(""))
                    .map_err(|error| at(error.to_string()))?,
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
        let posting = parse_post("1170=8.10:vat=IN81").unwrap();
        assert_eq!(
            (posting.account.as_str(), posting.amount.as_str(), posting.vat_code.as_deref()),
            ("1170", "8.10", Some("IN81"))
        );
        assert_eq!(parse_post("1020=-5:EUR").unwrap().currency, Some(Currency::EUR));
        assert!(parse_post("1020").is_err());
        assert!(parse_post("1020=5:eur").is_err());
    }
}

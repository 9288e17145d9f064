//! Rendering of reports: aligned tables for people (amounts and dates in the company's locale),
//! CSV and JSON for machines (plain amounts like `-1234.50`, ISO dates).

use std::fmt::Write as _;

use anyhow::Result;
use rempart_domain::money::format_plain;
use rempart_domain::{Currency, Locale};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Amount(i64, Currency),
    /// An ISO date (YYYY-MM-DD).
    Date(String),
    Number(i64),
    Empty,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    /// An amount shown only when it is not zero, as in debit and credit columns.
    pub fn nonzero(amount_minor: i64, currency: Currency) -> Cell {
        if amount_minor == 0 { Cell::Empty } else { Cell::Amount(amount_minor, currency) }
    }

    /// The cell as people read it: amounts and dates in the company's locale.
    pub fn human(&self, locale: Locale) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Amount(minor, currency) => locale.format_amount(*minor, *currency),
            Cell::Date(text) => {
                rempart_domain::rules::parse_date(text).map_or_else(|_| text.clone(), |date| locale.format_date(date))
            }
            Cell::Number(number) => number.to_string(),
            Cell::Empty => String::new(),
        }
    }

    fn plain(&self) -> String {
        match self {
            Cell::Text(text) | Cell::Date(text) => text.clone(),
            Cell::Amount(minor, currency) => format_plain(*minor, *currency),
            Cell::Number(number) => number.to_string(),
            Cell::Empty => String::new(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Number(number) => Value::from(*number),
            Cell::Empty => Value::Null,
            // Amounts are exact decimal strings: JSON numbers are read as floats by many tools.
            other => Value::String(other.plain()),
        }
    }

    /// Whether the cell is a number, aligned to the right.
    pub fn right_aligned(&self) -> bool {
        matches!(self, Cell::Amount(..) | Cell::Number(_))
    }
}

pub struct Column {
    /// Machine name, used as the CSV header and the JSON key.
    pub key: &'static str,
    /// Header shown to people, in their language.
    pub label: String,
}

pub struct Report {
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Total lines, shown under a rule in tables and apart in JSON; CSV holds the rows only.
    pub totals: Vec<Vec<Cell>>,
    /// Set when only the first this many lines were asked for and the report has more.
    pub cut_at: Option<usize>,
}

impl Report {
    pub fn new(title: String, columns: Vec<(&'static str, String)>) -> Report {
        Report {
            title,
            columns: columns.into_iter().map(|(key, label)| Column { key, label }).collect(),
            rows: Vec::new(),
            totals: Vec::new(),
            cut_at: None,
        }
    }

    pub fn render(&self, format: Format, locale: Locale) -> Result<String> {
        // Every row has a cell per column: a mismatch is a bug in the report that built it.
        debug_assert!(
            self.rows.iter().chain(&self.totals).all(|row| row.len() == self.columns.len()),
            "report {} has rows of the wrong width",
            self.title
        );
        match format {
            Format::Table => Ok(self.table(locale)),
            Format::Csv => self.csv(),
            Format::Json => Ok(self.json()),
        }
    }

    fn table(&self, locale: Locale) -> String {
        let rendered = |rows: &[Vec<Cell>]| -> Vec<Vec<(String, bool)>> {
            rows.iter().map(|row| row.iter().map(|cell| (cell.human(locale), cell.right_aligned())).collect()).collect()
        };
        let body = rendered(&self.rows);
        let totals = rendered(&self.totals);
        let mut widths: Vec<usize> = self.columns.iter().map(|column| column.label.chars().count()).collect();
        for row in body.iter().chain(&totals) {
            for (index, (text, _)) in row.iter().enumerate() {
                if let Some(width) = widths.get_mut(index) {
                    *width = (*width).max(text.chars().count());
                }
            }
        }
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.title);
        let line = |out: &mut String, cells: &[(String, bool)]| {
            let mut text = String::new();
            for (index, (cell, right)) in cells.iter().enumerate() {
                let width = widths.get(index).copied().unwrap_or(0);
                let pad = width.saturating_sub(cell.chars().count());
                if index > 0 {
                    text.push_str("  ");
                }
                if *right {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                }
            }
            let _ = writeln!(out, "{}", text.trim_end());
        };
        let header: Vec<(String, bool)> = self
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                let right =
                    self.rows.iter().chain(&self.totals).any(|row| row.get(index).is_some_and(Cell::right_aligned));
                (column.label.clone(), right)
            })
            .collect();
        line(&mut out, &header);
        let rule = "-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1));
        let _ = writeln!(out, "{rule}");
        for row in &body {
            line(&mut out, row);
        }
        if !totals.is_empty() {
            let _ = writeln!(out, "{rule}");
            for row in &totals {
                line(&mut out, row);
            }
        }
        out
    }

    fn csv(&self) -> Result<String> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(self.columns.iter().map(|column| column.key))?;
        for row in &self.rows {
            writer.write_record(row.iter().map(Cell::plain))?;
        }
        Ok(String::from_utf8(writer.into_inner()?)?)
    }

    fn json(&self) -> String {
        let objects = |rows: &[Vec<Cell>]| -> Vec<Value> {
            rows.iter()
                .map(|row| {
                    let mut object = Map::new();
                    for (column, cell) in self.columns.iter().zip(row) {
                        object.insert(column.key.to_owned(), cell.json());
                    }
                    Value::Object(object)
                })
                .collect()
        };
        let document = serde_json::json!({
            "title": self.title,
            "rows": objects(&self.rows),
            "totals": objects(&self.totals),
        });
        format!("{document:#}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let mut report = Report::new("T".into(), vec![("account", "Compte".into()), ("balance", "Solde".into())]);
        report.rows.push(vec![Cell::text("1020"), Cell::Amount(123_450, Currency::CHF)]);
        report.rows.push(vec![Cell::text("2000"), Cell::Amount(-5, Currency::CHF)]);
        report.totals.push(vec![Cell::text("Total"), Cell::Amount(123_445, Currency::CHF)]);
        report
    }

    #[test]
    fn tables_align_amounts_in_the_locale() {
        let table = sample().render(Format::Table, Locale::Swiss).unwrap();
        let expected = "T\nCompte     Solde\n----------------\n1020    1'234.50\n2000       -0.05\n----------------\nTotal   1'234.45\n";
        assert_eq!(table, expected);
    }

    #[test]
    fn machine_formats_are_plain() {
        assert_eq!(
            sample().render(Format::Csv, Locale::French).unwrap(),
            "account,balance\n1020,1234.50\n2000,-0.05\n"
        );
        let json: Value = serde_json::from_str(&sample().render(Format::Json, Locale::French).unwrap()).unwrap();
        assert_eq!(json["rows"][0]["balance"], "1234.50");
        assert_eq!(json["totals"][0]["balance"], "1234.45");
    }
}

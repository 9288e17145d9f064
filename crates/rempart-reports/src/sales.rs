//! The tills' reports (issue 21): sales by store, day, SKU, VAT rate or way of paying; slow
//! movers; a till's closures. Each runs on any node from the tickets and closures it holds.

use anyhow::Result;
use chrono::NaiveDate;
use rempart_domain::Locale;
use rempart_i18n::Lang;
use rempart_store::Store;
use rempart_store::sales::{SalesBy, SalesFilter};

use crate::render::{Cell, Report};

fn by_word(by: SalesBy) -> &'static str {
    match by {
        SalesBy::Store => "store",
        SalesBy::Day => "day",
        SalesBy::Item => "item",
        SalesBy::Rate => "rate",
        SalesBy::Method => "method",
    }
}

/// Sales over `filter` grouped `by`: tickets, units (sold less returned), amount VAT included,
/// and by rate the VAT the amount includes (on the period's amount, where each ticket's receipt
/// and the daily closures count it ticket by ticket).
pub fn sales(store: &Store, lang: Lang, locale: Locale, filter: &SalesFilter, by: SalesBy) -> Result<Report> {
    let currency = store.company()?.currency;
    let word = by_word(by);
    let period = match (filter.from, filter.to) {
        (Some(from), Some(to)) => format!("{} – {}", locale.format_date(from), locale.format_date(to)),
        (Some(from), None) => format!("{} –", locale.format_date(from)),
        (None, Some(to)) => format!("– {}", locale.format_date(to)),
        (None, None) => String::new(),
    };
    let title =
        lang.fill("sales.report.title", &[("by", &lang.text(&format!("sales.by.{word}"))), ("period", &period)]);
    let keys = ["key", "label", "tickets", "units", "gross", "vat"];
    let mut report = Report::new(
        title,
        keys.into_iter()
            .map(|key| {
                let label = if key == "key" {
                    lang.text(&format!("sales.by.{word}"))
                } else {
                    lang.text(&format!("sales.column.{key}"))
                };
                (key, label.to_owned())
            })
            .collect(),
    );
    let (mut gross, mut vat_total) = (0i64, None::<i64>);
    for row in store.sales(filter, by)? {
        let vat = row.vat_minor.map_or(Cell::Empty, |vat| Cell::Amount(vat, currency));
        if let Some(vat) = row.vat_minor {
            vat_total = Some(vat_total.unwrap_or(0) + vat);
        }
        let label = match (by, row.rate_bp) {
            (SalesBy::Rate, Some(rate)) => format!("{}.{:02} %", rate / 100, rate % 100),
            (SalesBy::Method, _) => lang.text(&format!("till.method.{}", row.key)).to_owned(),
            _ => row.label,
        };
        gross += row.gross_minor;
        report.rows.push(vec![
            Cell::Text(row.key),
            Cell::Text(label),
            Cell::Number(row.tickets),
            if by == SalesBy::Method { Cell::Empty } else { Cell::Number(row.units) },
            Cell::Amount(row.gross_minor, currency),
            vat,
        ]);
    }
    // A ticket touches several groups: the total is the amounts' only.
    report.totals.push(vec![
        Cell::text(lang.text("total")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Amount(gross, currency),
        vat_total.map_or(Cell::Empty, |vat| Cell::Amount(vat, currency)),
    ]);
    Ok(report)
}

/// The SKUs in stock at the stores that sold at most `most` units over the `days` days to `on`.
pub fn slow_movers(
    store: &Store,
    lang: Lang,
    locale: Locale,
    location: Option<&str>,
    on: NaiveDate,
    days: u32,
    most: i64,
) -> Result<Report> {
    let currency = store.company()?.currency;
    let keys = ["location", "sku", "label", "on_hand", "value", "sold", "last_sold"];
    let mut report = Report::new(
        lang.fill("sales.slow.title", &[("days", &days), ("date", &locale.format_date(on)), ("most", &most)]),
        keys.into_iter().map(|key| (key, lang.text(&format!("sales.slow.{key}")).to_owned())).collect(),
    );
    let mut value = 0i64;
    for row in store.slow_movers(location, on, days, most)? {
        value += row.value_minor;
        report.rows.push(vec![
            Cell::Text(row.location),
            Cell::Text(row.sku),
            Cell::Text(row.label),
            Cell::Number(row.on_hand),
            Cell::Amount(row.value_minor, currency),
            Cell::Number(row.sold),
            row.last_sold.map_or(Cell::Empty, |day| Cell::Date(day.to_string())),
        ]);
    }
    report.totals.push(vec![
        Cell::text(lang.text("total")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Amount(value, currency),
        Cell::Empty,
        Cell::Empty,
    ]);
    Ok(report)
}

/// A till's closures (this device's, or the till named), each with its totals and grand total.
pub fn closures(store: &Store, lang: Lang, till: Option<&str>) -> Result<Report> {
    let keys = ["till", "number", "span", "period", "tickets", "total", "grand_total", "cost"];
    let mut report = Report::new(
        lang.text("closures.report.title").to_owned(),
        keys.into_iter().map(|key| (key, lang.text(&format!("closures.column.{key}")).to_owned())).collect(),
    );
    for closure in store.closures(till)? {
        report.rows.push(vec![
            Cell::Text(closure.till.clone()),
            Cell::Number(i64::try_from(closure.number).unwrap_or(i64::MAX)),
            Cell::Text(lang.text(&format!("till.span.{}", closure.span.as_str())).to_owned()),
            match closure.span {
                rempart_domain::closures::Span::Day => Cell::Date(closure.period.clone()),
                _ => Cell::Text(closure.period.clone()),
            },
            Cell::Number(i64::try_from(closure.totals.tickets).unwrap_or(i64::MAX)),
            Cell::Amount(closure.totals.total_minor, closure.currency),
            Cell::Amount(closure.grand_total_minor, closure.currency),
            Cell::Amount(closure.cost_minor, closure.currency),
        ]);
    }
    Ok(report)
}

//! The stock reports (issue 21): stock by location and SKU, on hand and in transit, valued at the
//! weighted average cost.

use anyhow::Result;
use chrono::NaiveDate;
use rempart_domain::Locale;
use rempart_i18n::Lang;
use rempart_store::Store;

use crate::render::{Cell, Report};

/// Stock at every location (or one), now or at the end of a day: each SKU with stock on hand or
/// in transit, its weighted average unit cost and the value on hand; a total value per location.
/// Negative stock (sold offline beyond what was known) is listed as it is, valued at zero.
pub fn stock(
    store: &Store,
    lang: Lang,
    locale: Locale,
    location: Option<&str>,
    at: Option<NaiveDate>,
) -> Result<Report> {
    let currency = store.company()?.currency;
    let title = match at {
        Some(date) => lang.fill("stock.report.title_at", &[("date", &locale.format_date(date))]),
        None => lang.text("stock.report.title").to_owned(),
    };
    let keys = ["location", "sku", "label", "size", "colour", "on_hand", "in_transit", "unit_cost", "value"];
    let mut report = Report::new(
        title,
        keys.into_iter().map(|key| (key, lang.text(&format!("stock.column.{key}")).to_owned())).collect(),
    );
    let mut by_location: std::collections::BTreeMap<String, i64> = Default::default();
    for level in store.stock_levels(location, at)? {
        *by_location.entry(level.location.clone()).or_default() += level.value_minor;
        let unit_cost = level.received.map_or(Cell::Empty, |(units, cost)| {
            Cell::Amount(rempart_store::stock::value_at_average(1, Some((units, cost))), currency)
        });
        report.rows.push(vec![
            Cell::Text(level.location),
            Cell::Text(level.sku),
            Cell::Text(level.label),
            level.size.map_or(Cell::Empty, Cell::Text),
            level.colour.map_or(Cell::Empty, Cell::Text),
            Cell::Number(level.on_hand),
            Cell::Number(level.in_transit),
            unit_cost,
            Cell::Amount(level.value_minor, currency),
        ]);
    }
    for (location, value) in by_location {
        report.totals.push(vec![
            Cell::Text(location),
            Cell::text(lang.text("total")),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Amount(value, currency),
        ]);
    }
    Ok(report)
}

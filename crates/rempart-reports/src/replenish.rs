//! The replenishment proposals (issue 22): for each store × SKU, the demand read from the days
//! in stock, the levels, where it stands and what to send (`Store::replenishment`).

use anyhow::Result;
use chrono::NaiveDate;
use rempart_domain::Locale;
use rempart_domain::replenish::Policy;
use rempart_i18n::Lang;
use rempart_store::Store;

use crate::render::{Cell, Report};

/// The proposals on `date` for every store, or `location`; the stores × SKUs with nothing to
/// send are listed too (what they stand at tells why).
pub fn replenishment(
    store: &Store,
    lang: Lang,
    locale: Locale,
    location: Option<&str>,
    date: NaiveDate,
    policy: &Policy,
) -> Result<Report> {
    let keys = [
        "location",
        "sku",
        "days",
        "sold",
        "safety",
        "reorder_point",
        "order_up_to",
        "on_hand",
        "in_transit",
        "asked",
        "proposed",
    ];
    let mut report = Report::new(
        lang.fill("replenish.report.title", &[("date", &locale.format_date(date))]),
        keys.into_iter().map(|key| (key, lang.text(&format!("replenish.column.{key}")).to_owned())).collect(),
    );
    let (mut asked, mut proposed) = (0i64, 0i64);
    for row in store.replenishment(location, date, policy)? {
        asked = asked.saturating_add(row.asked);
        proposed = proposed.saturating_add(row.proposed);
        report.rows.push(vec![
            Cell::Text(row.location),
            Cell::Text(row.sku),
            Cell::Number(row.demand.days),
            Cell::Number(row.demand.sold),
            Cell::Number(row.levels.safety),
            Cell::Number(row.levels.reorder_point),
            Cell::Number(row.levels.order_up_to),
            Cell::Number(row.position.on_hand),
            Cell::Number(row.position.in_transit),
            Cell::Number(row.asked),
            Cell::Number(row.proposed),
        ]);
    }
    let mut totals = vec![Cell::text(lang.text("total"))];
    totals.extend(std::iter::repeat_n(Cell::Empty, 8));
    totals.extend([Cell::Number(asked), Cell::Number(proposed)]);
    report.totals.push(totals);
    Ok(report)
}

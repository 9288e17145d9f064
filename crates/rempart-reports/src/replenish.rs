//! The replenishment proposals (issue 22): for each store × SKU, the demand read from the days
//! in stock, the levels, where it stands and what to send (`Store::replenishment`).

use std::collections::BTreeMap;

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
    let title = lang.fill("replenish.report.title", &[("date", &locale.format_date(date))]);
    Ok(proposals_report(title, store.replenishment(location, date, policy)?, lang, false))
}

/// The warehouses' proposals on `date` (every warehouse, or `location`): what to order from the
/// suppliers, what is ordered and not delivered in its own column.
pub fn purchase_proposals(
    store: &Store,
    lang: Lang,
    locale: Locale,
    location: Option<&str>,
    date: NaiveDate,
    policy: &Policy,
) -> Result<Report> {
    let title = lang.fill("purchase.report.title", &[("date", &locale.format_date(date))]);
    Ok(proposals_report(title, store.purchase_proposals(location, date, policy)?, lang, true))
}

fn proposals_report(
    title: String,
    proposals: Vec<rempart_store::replenish::Proposal>,
    lang: Lang,
    with_ordered: bool,
) -> Report {
    let mut keys =
        vec!["location", "sku", "days", "sold", "safety", "reorder_point", "order_up_to", "on_hand", "in_transit"];
    if with_ordered {
        keys.push("ordered");
    }
    keys.extend(["asked", "proposed"]);
    let mut report = Report::new(
        title,
        keys.iter().map(|key| (*key, lang.text(&format!("replenish.column.{key}")).to_owned())).collect(),
    );
    let (mut asked, mut proposed) = (0i64, 0i64);
    for row in proposals {
        asked = asked.saturating_add(row.asked);
        proposed = proposed.saturating_add(row.proposed);
        let mut cells = vec![
            Cell::Text(row.location),
            Cell::Text(row.sku),
            Cell::Number(row.demand.days),
            Cell::Number(row.demand.sold),
            Cell::Number(row.levels.safety),
            Cell::Number(row.levels.reorder_point),
            Cell::Number(row.levels.order_up_to),
            Cell::Number(row.position.on_hand),
            Cell::Number(row.position.in_transit),
        ];
        if with_ordered {
            cells.push(Cell::Number(row.position.ordered));
        }
        cells.extend([Cell::Number(row.asked), Cell::Number(row.proposed)]);
        report.rows.push(cells);
    }
    let mut totals = vec![Cell::text(lang.text("total"))];
    totals.extend(std::iter::repeat_n(Cell::Empty, keys.len() - 3));
    totals.extend([Cell::Number(asked), Cell::Number(proposed)]);
    report.totals.push(totals);
    report
}

/// The purchase orders (all, or those with something still to come), line by line: ordered,
/// delivered, still to come, at what unit cost.
pub fn purchase_orders(store: &Store, lang: Lang, open_only: bool) -> Result<Report> {
    let keys = ["order", "date", "supplier", "location", "sku", "ordered", "received", "open", "unit_cost"];
    let mut report = Report::new(
        lang.text(if open_only { "purchase.list.title_open" } else { "purchase.list.title" }).to_owned(),
        keys.into_iter().map(|key| (key, lang.text(&format!("purchase.column.{key}")).to_owned())).collect(),
    );
    let (mut ordered, mut received, mut open) = (0i64, 0i64, 0i64);
    for order in store.purchase_orders(open_only)? {
        let head = &order.ordered;
        for line in &head.lines {
            let came = order.received.get(&line.sku).copied().unwrap_or(0);
            let still = order.open(&line.sku);
            ordered = ordered.saturating_add(line.qty);
            received = received.saturating_add(came);
            open = open.saturating_add(still);
            report.rows.push(vec![
                Cell::Text(head.order.clone()),
                Cell::Date(head.date.to_string()),
                Cell::Text(head.supplier.clone()),
                Cell::Text(head.location.clone()),
                Cell::Text(line.sku.clone()),
                Cell::Number(line.qty),
                Cell::Number(came),
                Cell::Number(still),
                Cell::Amount(line.unit_cost_minor, head.currency),
            ]);
        }
    }
    let mut totals = vec![Cell::text(lang.text("total"))];
    totals.extend(std::iter::repeat_n(Cell::Empty, 4));
    totals.extend([Cell::Number(ordered), Cell::Number(received), Cell::Number(open), Cell::Empty]);
    report.totals.push(totals);
    Ok(report)
}

/// The picking list of a warehouse (`from`; or of every location): each transfer sent and not
/// arrived, line by line in SKU order, with the article, size and colour the picker looks for.
pub fn picking(store: &Store, lang: Lang, from: Option<&str>) -> Result<Report> {
    let keys = ["transfer", "date", "to", "sku", "article", "size", "colour", "qty"];
    let title = match from {
        Some(from) => lang.fill("replenish.picking.title_of", &[("location", &from)]),
        None => lang.text("replenish.picking.title").to_owned(),
    };
    let mut report = Report::new(
        title,
        keys.into_iter().map(|key| (key, lang.text(&format!("replenish.picking.{key}")).to_owned())).collect(),
    );
    let skus: BTreeMap<String, rempart_store::stock::Sku> =
        store.skus()?.into_iter().map(|sku| (sku.sku.clone(), sku)).collect();
    let places: BTreeMap<String, String> =
        store.locations()?.into_iter().map(|place| (place.code, place.label)).collect();
    let mut units = 0i64;
    for transfer in store.picking(from)? {
        let sent = transfer.sent;
        let to = match places.get(&sent.to) {
            Some(label) => format!("{} {label}", sent.to),
            None => sent.to.clone(),
        };
        for line in sent.lines {
            let sku = skus.get(&line.sku);
            let text = |value: Option<&String>| value.map_or(Cell::Empty, |value| Cell::Text(value.clone()));
            units = units.saturating_add(line.qty);
            report.rows.push(vec![
                Cell::Text(sent.transfer.clone()),
                Cell::Date(sent.date.to_string()),
                Cell::Text(to.clone()),
                Cell::Text(line.sku.clone()),
                text(sku.map(|sku| &sku.label)),
                text(sku.and_then(|sku| sku.size.as_ref())),
                text(sku.and_then(|sku| sku.colour.as_ref())),
                Cell::Number(line.qty),
            ]);
        }
    }
    let mut totals = vec![Cell::text(lang.text("total"))];
    totals.extend(std::iter::repeat_n(Cell::Empty, 6));
    totals.push(Cell::Number(units));
    report.totals.push(totals);
    Ok(report)
}

//! What the tills sold (issue 21), read from the tickets this node holds: sales by store, day,
//! SKU, VAT rate or way of paying over a period, and the slow movers. A store's node answers for
//! its own tickets, head office for every store's it has received.

use chrono::NaiveDate;
use rusqlite::params;

use crate::{Store, StoreError};

/// How sales are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SalesBy {
    Store,
    Day,
    Item,
    Rate,
    Method,
}

/// Which tickets: a period (the business days tickets carry) and one store or all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub location: Option<String>,
}

/// One group of sales: its key (store code, day, SKU, VAT code and rate, or way of paying), a
/// label, the tickets it touches, the units sold less returned, and the amount VAT included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesRow {
    pub key: String,
    pub label: String,
    pub rate_bp: Option<u32>,
    pub tickets: i64,
    pub units: i64,
    pub gross_minor: i64,
    /// The VAT its amounts include: each rate's part worked out on its sum (none by way of
    /// paying, which does not split by rate).
    pub vat_minor: Option<i64>,
}

/// A SKU in stock at a store that sold little: what is on hand, what sold over the window, and
/// the last day it sold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlowMover {
    pub location: String,
    pub sku: String,
    pub label: String,
    pub on_hand: i64,
    pub value_minor: i64,
    pub sold: i64,
    pub last_sold: Option<NaiveDate>,
}

/// The tickets' filter as SQL over `t` (p_tickets), with its parameters from ?1.
fn ticket_filter(filter: &SalesFilter) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    if let Some(from) = filter.from {
        values.push(from.to_string());
        clauses.push(format!("t.date >= ?{}", values.len()));
    }
    if let Some(to) = filter.to {
        values.push(to.to_string());
        clauses.push(format!("t.date <= ?{}", values.len()));
    }
    if let Some(location) = &filter.location {
        values.push(location.trim().to_owned());
        clauses.push(format!("t.location = ?{}", values.len()));
    }
    let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    (sql, values)
}

impl Store {
    /// Sales over `filter`, grouped `by`, in the order of their keys.
    pub fn sales(&self, filter: &SalesFilter, by: SalesBy) -> Result<Vec<SalesRow>, StoreError> {
        let (filter_sql, values) = ticket_filter(filter);
        let sql = match by {
            SalesBy::Method => format!(
                "SELECT p.method, '', NULL, count(DISTINCT t.key), 0, sum(p.amount_minor)
                 FROM p_tickets t JOIN p_ticket_payments p ON p.key = t.key {filter_sql}
                 GROUP BY p.method ORDER BY p.method"
            ),
            _ => {
                let (key, label, rate) = match by {
                    SalesBy::Store => {
                        ("t.location", "coalesce((SELECT label FROM p_locations WHERE code = t.location), '')", "NULL")
                    }
                    SalesBy::Day => ("t.date", "''", "NULL"),
                    SalesBy::Item => ("l.sku", "max(l.label)", "NULL"),
                    _ => ("l.vat_code", "''", "l.vat_rate_bp"),
                };
                let group = if by == SalesBy::Rate { "l.vat_code, l.vat_rate_bp" } else { key };
                format!(
                    "SELECT {key}, {label}, {rate}, count(DISTINCT t.key), sum(l.qty), sum(l.gross_minor)
                     FROM p_tickets t JOIN p_ticket_lines l ON l.key = t.key {filter_sql}
                     GROUP BY {group} ORDER BY {group}"
                )
            }
        };
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(values.iter()), |row| {
            Ok(SalesRow {
                key: row.get(0)?,
                label: row.get(1)?,
                rate_bp: row.get::<_, Option<i64>>(2)?.and_then(|rate| u32::try_from(rate).ok()),
                tickets: row.get(3)?,
                units: row.get(4)?,
                gross_minor: row.get(5)?,
                vat_minor: None,
            })
        })?;
        let mut out: Vec<SalesRow> = rows.collect::<Result<_, _>>()?;
        if by != SalesBy::Method {
            // Each group's VAT: per rate, on the sum of the rate's amounts (as a closure posts it).
            let (key, group) = match by {
                SalesBy::Store => ("t.location", "t.location"),
                SalesBy::Day => ("t.date", "t.date"),
                SalesBy::Item => ("l.sku", "l.sku"),
                _ => ("l.vat_code", "l.vat_code"),
            };
            let sql = format!(
                "SELECT {key}, l.vat_rate_bp, sum(l.gross_minor)
                 FROM p_tickets t JOIN p_ticket_lines l ON l.key = t.key {filter_sql}
                 GROUP BY {group}, l.vat_rate_bp"
            );
            let mut statement = self.conn.prepare(&sql)?;
            let parts = statement.query_map(rusqlite::params_from_iter(values.iter()), |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
            })?;
            let mut vat: std::collections::HashMap<(String, Option<u32>), i64> = std::collections::HashMap::new();
            for part in parts {
                let (group, rate, gross) = part?;
                let rate = u32::try_from(rate).unwrap_or(0);
                let included = rempart_domain::tills::vat_included(gross, rate);
                // By rate, each row is one rate; otherwise a row holds every rate of its group.
                let slot = if by == SalesBy::Rate { Some(rate) } else { None };
                *vat.entry((group, slot)).or_default() += included;
            }
            for row in &mut out {
                let slot = if by == SalesBy::Rate { row.rate_bp } else { None };
                row.vat_minor = Some(vat.get(&(row.key.clone(), slot)).copied().unwrap_or(0));
            }
        }
        if by == SalesBy::Method {
            // Cash taken less the change given back.
            let change: i64 = self
                .conn
                .prepare(&format!("SELECT coalesce(sum(t.change_minor), 0) FROM p_tickets t {filter_sql}"))?
                .query_row(rusqlite::params_from_iter(values.iter()), |row| row.get(0))?;
            if let Some(cash) = out.iter_mut().find(|row| row.key == "cash") {
                cash.gross_minor -= change;
            }
        }
        Ok(out)
    }

    /// The SKUs in stock at each store (or `location`) that sold at most `most` units in the
    /// `days` days to `on`, fewest sold first, then longest unsold.
    pub fn slow_movers(
        &self,
        location: Option<&str>,
        on: NaiveDate,
        days: u32,
        most: i64,
    ) -> Result<Vec<SlowMover>, StoreError> {
        let since = on - chrono::Days::new(u64::from(days.saturating_sub(1)));
        let mut sold = self.conn.prepare_cached(
            "SELECT coalesce(sum(CASE WHEN t.date >= ?3 AND t.date <= ?4 THEN l.qty ELSE 0 END), 0),
                    max(CASE WHEN l.qty > 0 AND t.date <= ?4 THEN t.date END)
             FROM p_tickets t JOIN p_ticket_lines l ON l.key = t.key WHERE t.location = ?1 AND l.sku = ?2",
        )?;
        let stores: Vec<String> = self
            .locations()?
            .into_iter()
            .filter(|place| place.kind == rempart_domain::stock::LocationKind::Store)
            .map(|place| place.code)
            .collect();
        let mut out = Vec::new();
        for level in self.stock_levels(location, Some(on))? {
            if level.on_hand <= 0 || !stores.contains(&level.location) {
                continue;
            }
            let (units, last): (i64, Option<String>) = sold
                .query_row(params![level.location, level.sku, since.to_string(), on.to_string()], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })?;
            if units > most {
                continue;
            }
            out.push(SlowMover {
                location: level.location,
                sku: level.sku,
                label: level.label,
                on_hand: level.on_hand,
                value_minor: level.value_minor,
                sold: units,
                last_sold: last.and_then(|day| day.parse().ok()),
            });
        }
        out.sort_by(|a, b| (a.sold, a.last_sold, &a.location, &a.sku).cmp(&(b.sold, b.last_sold, &b.location, &b.sku)));
        Ok(out)
    }
}

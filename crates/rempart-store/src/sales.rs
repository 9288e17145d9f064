//! What the tills sold (issue 21), read from the tickets this node holds: sales by store, day,
//! SKU, VAT rate or way of paying over a period, and the slow movers. A store's node answers for
//! its own tickets, head office for every store's it has received.
//!
//! The tickets are summed as they are projected, per day and store: by SKU (with its VAT), by
//! VAT rate, by way of paying, and in all. Sums commute, so tickets taken in any order give the
//! same rows; a ticket met again is not summed again (`tills::project_ticket_recorded` sums only
//! a ticket it inserts). Reports and the stock at a past day read these sums, not the tickets.

use std::collections::HashMap;

use chrono::NaiveDate;
use rempart_domain::tills::TicketRecorded;
use rusqlite::{Connection, params};

use crate::project::date_text;
use crate::{Store, StoreError};

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash). Each is keyed by the business day first, then the store.
pub const SCHEMA: &str = "
-- By day, store, SKU and VAT: the tickets with a line of it, the units (less those returned),
-- the units sold (returns left out), the amount VAT included, and the label its lines carried
-- (the greatest, so that the order tickets come in does not matter).
CREATE TABLE p_sales_items (
    date TEXT NOT NULL,
    location TEXT NOT NULL,
    sku TEXT NOT NULL,
    vat_code TEXT NOT NULL,
    vat_rate_bp INTEGER NOT NULL,
    label TEXT NOT NULL,
    tickets INTEGER NOT NULL,
    qty INTEGER NOT NULL,
    sold INTEGER NOT NULL,
    gross_minor INTEGER NOT NULL,
    PRIMARY KEY (date, location, sku, vat_code, vat_rate_bp)
) WITHOUT ROWID;
-- By day, store and VAT rate: the tickets with a line at it, the units, the amount VAT included.
CREATE TABLE p_sales_rates (
    date TEXT NOT NULL,
    location TEXT NOT NULL,
    vat_code TEXT NOT NULL,
    vat_rate_bp INTEGER NOT NULL,
    tickets INTEGER NOT NULL,
    qty INTEGER NOT NULL,
    gross_minor INTEGER NOT NULL,
    PRIMARY KEY (date, location, vat_code, vat_rate_bp)
) WITHOUT ROWID;
-- By day, store and way of paying: the tickets paid so, and what they paid.
CREATE TABLE p_sales_methods (
    date TEXT NOT NULL,
    location TEXT NOT NULL,
    method TEXT NOT NULL,
    tickets INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (date, location, method)
) WITHOUT ROWID;
-- By day and store: the tickets, and the change they gave back.
CREATE TABLE p_sales_days (
    date TEXT NOT NULL,
    location TEXT NOT NULL,
    tickets INTEGER NOT NULL,
    change_minor INTEGER NOT NULL,
    PRIMARY KEY (date, location)
) WITHOUT ROWID;
";

/// The key of `p_sales_rates`: day, store, VAT code and rate.
type RateKey = (NaiveDate, String, String, u32);

/// A row of `p_sales_items` being summed: label, tickets, units, units sold, amount.
#[derive(Debug, Default)]
struct ItemSum {
    label: String,
    tickets: i64,
    qty: i64,
    sold: i64,
    gross_minor: i64,
}

/// The sales a projector gathers from the tickets it inserts, written once at its flush
/// (`write`), each table in its key order.
#[derive(Debug, Default)]
pub(crate) struct SalesSums {
    /// (day, store, SKU, VAT code, rate).
    items: HashMap<(NaiveDate, String, String, String, u32), ItemSum>,
    /// (day, store, VAT code, rate) → tickets, units, amount.
    rates: HashMap<RateKey, (i64, i64, i64)>,
    /// (day, store, way of paying) → tickets, amount.
    methods: HashMap<(NaiveDate, String, &'static str), (i64, i64)>,
    /// (day, store) → tickets, change.
    days: HashMap<(NaiveDate, String), (i64, i64)>,
}

impl SalesSums {
    /// Adds a ticket newly held.
    pub(crate) fn add(&mut self, ticket: &TicketRecorded) {
        let day = self.days.entry((ticket.date, ticket.location.clone())).or_default();
        day.0 += 1;
        day.1 = day.1.saturating_add(ticket.change_minor);
        // A ticket counts once in each group it touches, whatever the number of its lines there.
        let mut counted_items: Vec<(&str, &str, u32)> = Vec::new();
        let mut counted_rates: Vec<(&str, u32)> = Vec::new();
        for line in &ticket.lines {
            let gross = line.gross_minor();
            let key = (line.sku.as_str(), line.vat_code.as_str(), line.vat_rate_bp);
            let first = !counted_items.contains(&key);
            if first {
                counted_items.push(key);
            }
            let item = self
                .items
                .entry((
                    ticket.date,
                    ticket.location.clone(),
                    line.sku.clone(),
                    line.vat_code.clone(),
                    line.vat_rate_bp,
                ))
                .or_default();
            if line.label > item.label {
                item.label.clone_from(&line.label);
            }
            item.tickets += i64::from(first);
            item.qty = item.qty.saturating_add(line.qty);
            item.sold = item.sold.saturating_add(line.qty.max(0));
            item.gross_minor = item.gross_minor.saturating_add(gross);
            let rate_key = (line.vat_code.as_str(), line.vat_rate_bp);
            let first = !counted_rates.contains(&rate_key);
            if first {
                counted_rates.push(rate_key);
            }
            let rate = self
                .rates
                .entry((ticket.date, ticket.location.clone(), line.vat_code.clone(), line.vat_rate_bp))
                .or_default();
            rate.0 += i64::from(first);
            rate.1 = rate.1.saturating_add(line.qty);
            rate.2 = rate.2.saturating_add(gross);
        }
        let mut counted_methods: Vec<&'static str> = Vec::new();
        for tender in &ticket.payments {
            let method = tender.method.as_str();
            let first = !counted_methods.contains(&method);
            if first {
                counted_methods.push(method);
            }
            let sum = self.methods.entry((ticket.date, ticket.location.clone(), method)).or_default();
            sum.0 += i64::from(first);
            sum.1 = sum.1.saturating_add(tender.amount_minor);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.rates.clear();
        self.methods.clear();
        self.days.clear();
    }

    /// Adds what was gathered to the tables, in their key order, and forgets it.
    pub(crate) fn write(&mut self, conn: &Connection) -> Result<(), StoreError> {
        let mut items: Vec<_> = self.items.drain().collect();
        items.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut statement = conn.prepare_cached(
            "INSERT INTO p_sales_items (date, location, sku, vat_code, vat_rate_bp, label, tickets, qty, sold, gross_minor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (date, location, sku, vat_code, vat_rate_bp) DO UPDATE SET
                 label = max(label, excluded.label), tickets = tickets + excluded.tickets, qty = qty + excluded.qty,
                 sold = sold + excluded.sold, gross_minor = gross_minor + excluded.gross_minor",
        )?;
        for ((date, location, sku, code, rate), sum) in items {
            statement.execute(params![
                date_text(date),
                location,
                sku,
                code,
                rate,
                sum.label,
                sum.tickets,
                sum.qty,
                sum.sold,
                sum.gross_minor
            ])?;
        }
        let mut rates: Vec<_> = self.rates.drain().collect();
        rates.sort_unstable();
        let mut statement = conn.prepare_cached(
            "INSERT INTO p_sales_rates (date, location, vat_code, vat_rate_bp, tickets, qty, gross_minor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (date, location, vat_code, vat_rate_bp) DO UPDATE SET
                 tickets = tickets + excluded.tickets, qty = qty + excluded.qty,
                 gross_minor = gross_minor + excluded.gross_minor",
        )?;
        for ((date, location, code, rate), (tickets, qty, gross)) in rates {
            statement.execute(params![date_text(date), location, code, rate, tickets, qty, gross])?;
        }
        let mut methods: Vec<_> = self.methods.drain().collect();
        methods.sort_unstable();
        let mut statement = conn.prepare_cached(
            "INSERT INTO p_sales_methods (date, location, method, tickets, amount_minor) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (date, location, method) DO UPDATE SET
                 tickets = tickets + excluded.tickets, amount_minor = amount_minor + excluded.amount_minor",
        )?;
        for ((date, location, method), (tickets, amount)) in methods {
            statement.execute(params![date_text(date), location, method, tickets, amount])?;
        }
        let mut days: Vec<_> = self.days.drain().collect();
        days.sort_unstable();
        let mut statement = conn.prepare_cached(
            "INSERT INTO p_sales_days (date, location, tickets, change_minor) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (date, location) DO UPDATE SET
                 tickets = tickets + excluded.tickets, change_minor = change_minor + excluded.change_minor",
        )?;
        for ((date, location), (tickets, change)) in days {
            statement.execute(params![date_text(date), location, tickets, change])?;
        }
        Ok(())
    }
}

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

/// The filter as SQL over `s`, a table of sums by day and store, with its parameters from ?1.
fn sums_filter(filter: &SalesFilter) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    if let Some(from) = filter.from {
        values.push(date_text(from));
        clauses.push(format!("s.date >= ?{}", values.len()));
    }
    if let Some(to) = filter.to {
        values.push(date_text(to));
        clauses.push(format!("s.date <= ?{}", values.len()));
    }
    if let Some(location) = &filter.location {
        values.push(location.trim().to_owned());
        clauses.push(format!("s.location = ?{}", values.len()));
    }
    let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    (sql, values)
}

impl Store {
    /// Sales over `filter`, grouped `by`, in the order of their keys.
    pub fn sales(&self, filter: &SalesFilter, by: SalesBy) -> Result<Vec<SalesRow>, StoreError> {
        let (filter_sql, values) = sums_filter(filter);
        let sql = match by {
            SalesBy::Method => format!(
                "SELECT s.method, '', NULL, sum(s.tickets), 0, sum(s.amount_minor)
                 FROM p_sales_methods s {filter_sql} GROUP BY s.method ORDER BY s.method"
            ),
            SalesBy::Item => format!(
                "SELECT s.sku, max(s.label), NULL, sum(s.tickets), sum(s.qty), sum(s.gross_minor)
                 FROM p_sales_items s {filter_sql} GROUP BY s.sku ORDER BY s.sku"
            ),
            SalesBy::Rate => format!(
                "SELECT s.vat_code, '', s.vat_rate_bp, sum(s.tickets), sum(s.qty), sum(s.gross_minor)
                 FROM p_sales_rates s {filter_sql} GROUP BY s.vat_code, s.vat_rate_bp ORDER BY s.vat_code, s.vat_rate_bp"
            ),
            SalesBy::Store | SalesBy::Day => {
                let (key, label) = if by == SalesBy::Store {
                    ("location", "coalesce((SELECT label FROM p_locations WHERE code = d.key), '')")
                } else {
                    ("date", "''")
                };
                format!(
                    "SELECT d.key, {label}, NULL, d.tickets, coalesce(r.qty, 0), coalesce(r.gross, 0)
                     FROM (SELECT s.{key} AS key, sum(s.tickets) AS tickets FROM p_sales_days s {filter_sql}
                           GROUP BY s.{key}) d
                     LEFT JOIN (SELECT s.{key} AS key, sum(s.qty) AS qty, sum(s.gross_minor) AS gross
                                FROM p_sales_rates s {filter_sql} GROUP BY s.{key}) r ON r.key = d.key
                     ORDER BY d.key"
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
            let (key, table) = match by {
                SalesBy::Store => ("s.location", "p_sales_rates"),
                SalesBy::Day => ("s.date", "p_sales_rates"),
                SalesBy::Item => ("s.sku", "p_sales_items"),
                _ => ("s.vat_code", "p_sales_rates"),
            };
            let sql = format!(
                "SELECT {key}, s.vat_rate_bp, sum(s.gross_minor) FROM {table} s {filter_sql}
                 GROUP BY {key}, s.vat_rate_bp"
            );
            let mut statement = self.conn.prepare(&sql)?;
            let parts = statement.query_map(rusqlite::params_from_iter(values.iter()), |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
            })?;
            let mut vat: HashMap<(String, Option<u32>), i64> = HashMap::new();
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
                .prepare(&format!("SELECT coalesce(sum(s.change_minor), 0) FROM p_sales_days s {filter_sql}"))?
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
        // Per store and SKU: the units sold (less returned) in the window, the last day any sold.
        let mut sold: HashMap<(String, String), (i64, Option<String>)> = HashMap::new();
        let mut statement = self.conn.prepare_cached(
            "SELECT location, sku, coalesce(sum(CASE WHEN date >= ?2 THEN qty ELSE 0 END), 0),
                    max(CASE WHEN sold > 0 THEN date END)
             FROM p_sales_items WHERE date <= ?3 AND (?1 IS NULL OR location = ?1) GROUP BY location, sku",
        )?;
        let rows = statement.query_map(params![location, date_text(since), date_text(on)], |row| {
            Ok(((row.get(0)?, row.get(1)?), (row.get(2)?, row.get(3)?)))
        })?;
        for row in rows {
            let (key, value) = row?;
            sold.insert(key, value);
        }
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
            let (units, last) = sold.remove(&(level.location.clone(), level.sku.clone())).unwrap_or((0, None));
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

//! Stock (issue 21): the locations where stock is kept, the SKUs it is counted in, and the
//! movements whose sums are the stock on hand, in transit and its value.
//!
//! Every movement is a row of `p_stock_moves` keyed by the id of the fact that made it (and its
//! line), except a ticket's sale or return, whose movement is the ticket's line itself, summed
//! by day, store and SKU in `p_sales_items`. `p_stock_levels` holds their sum per location × SKU
//! (a row only while the sum is not zero, so the rows are the same whatever order the movements
//! came in). Nothing overwrites
//! a quantity: a count records its difference. The weighted average cost of a SKU is the cost of
//! every unit received divided by the units received (`p_stock_costs`), a sum that commutes too.

use chrono::NaiveDate;
use rempart_domain::stock::{
    AdjustReason, AdjustedLine, Barcode, LocationAdded, LocationKind, ReceivedLine, SkuDefined, StockAdjusted,
    StockError, StockLine, StockReceived, TransferArrived, TransferSent,
};
use rempart_domain::{Currency, Fact};
use rusqlite::{Connection, OptionalExtension, params};

use crate::project::date_text;
use crate::{Damage, Store, StoreError};

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub const SCHEMA: &str = "
-- The places stock is kept, each by its code: the first creation in merge order stands.
CREATE TABLE IF NOT EXISTS p_locations (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    kind TEXT NOT NULL
) WITHOUT ROWID;

-- The SKUs, each a variant of a catalogue item; the first of a code stands, and a barcode names
-- the first SKU given it (a later SKU with a taken barcode stands without it).
CREATE TABLE IF NOT EXISTS p_skus (
    sku TEXT PRIMARY KEY,
    item TEXT NOT NULL,
    barcode TEXT,
    size TEXT,
    colour TEXT
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS p_skus_barcode ON p_skus (barcode) WHERE barcode IS NOT NULL;

-- Every movement of stock, by the fact that made it: `kind` is receipt, adjustment, out, in
-- (transfers), sale or return; `qty` is signed (what the location gained); `cost_minor` the
-- cost of a receipt's line.
CREATE TABLE IF NOT EXISTS p_stock_moves (
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    line INTEGER NOT NULL,
    location TEXT NOT NULL,
    sku TEXT NOT NULL,
    date TEXT NOT NULL,
    qty INTEGER NOT NULL,
    cost_minor INTEGER,
    PRIMARY KEY (id, kind, line)
) WITHOUT ROWID;

-- The sum of the movements per location and SKU, while it is not zero.
CREATE TABLE IF NOT EXISTS p_stock_levels (
    location TEXT NOT NULL,
    sku TEXT NOT NULL,
    on_hand INTEGER NOT NULL,
    PRIMARY KEY (location, sku)
) WITHOUT ROWID;

-- What every unit received of a SKU cost, in all: the weighted average cost's two sums.
CREATE TABLE IF NOT EXISTS p_stock_costs (
    sku TEXT NOT NULL,
    currency TEXT NOT NULL,
    qty INTEGER NOT NULL,
    cost_minor INTEGER NOT NULL,
    PRIMARY KEY (sku, currency)
) WITHOUT ROWID;

-- Transfers as sent, and their arrivals (the one of the smallest id stands).
CREATE TABLE IF NOT EXISTS p_transfers (
    transfer TEXT PRIMARY KEY,
    date TEXT NOT NULL,
    from_location TEXT NOT NULL,
    to_location TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS p_transfer_lines (
    transfer TEXT NOT NULL,
    line INTEGER NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL,
    PRIMARY KEY (transfer, line)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS p_transfer_arrivals (
    transfer TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    date TEXT NOT NULL,
    to_location TEXT NOT NULL
) WITHOUT ROWID;
";

impl From<StockError> for StoreError {
    fn from(error: StockError) -> StoreError {
        StoreError::Stock(error)
    }
}

/// A SKU as listed: its item's label beside its variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sku {
    pub sku: String,
    pub item: String,
    pub label: String,
    pub barcode: Option<Barcode>,
    pub size: Option<String>,
    pub colour: Option<String>,
}

/// The stock of one SKU at one location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLevel {
    pub location: String,
    pub sku: String,
    pub label: String,
    pub size: Option<String>,
    pub colour: Option<String>,
    /// The sum of the movements; negative when more was sold than was known to be there.
    pub on_hand: i64,
    /// Sent to this location and not arrived yet.
    pub in_transit: i64,
    /// The weighted average cost of one unit, as the two sums it is made of (units, cost), when
    /// any was received.
    pub received: Option<(i64, i64)>,
    /// The value of what is on hand at the weighted average cost (zero for negative stock and
    /// for what was never received).
    pub value_minor: i64,
}

/// A transfer as sent, and whether it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub sent: TransferSent,
    pub arrived: Option<NaiveDate>,
}

/// What every unit received of `sku` cost in `currency`, in all: (units, cost), the two sums of
/// its weighted average cost; none when none was received.
pub(crate) fn received(conn: &Connection, sku: &str, currency: &str) -> Result<Option<(i64, i64)>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT qty, cost_minor FROM p_stock_costs WHERE sku = ?1 AND currency = ?2")?
        .query_row(params![sku, currency], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// The value of `on_hand` units at the average of `received` (units, cost), rounded half away
/// from zero to the minor unit.
pub fn value_at_average(on_hand: i64, received: Option<(i64, i64)>) -> i64 {
    match received {
        Some((units, cost)) if units > 0 && on_hand > 0 => {
            let exact = i128::from(on_hand) * i128::from(cost);
            let units = i128::from(units);
            i64::try_from((2 * exact + units) / (2 * units)).unwrap_or(i64::MAX)
        }
        _ => 0,
    }
}

impl Store {
    /// Records a new location; its code must be free.
    pub fn add_location(&mut self, location: LocationAdded) -> Result<(), StoreError> {
        location.check()?;
        self.commit(|commit| {
            if location_exists(commit.conn, &location.code)? {
                return Err(StockError::LocationExists { code: location.code.clone() }.into());
            }
            commit.record(Fact::LocationAdded(location))
        })
    }

    /// Every location, by code.
    pub fn locations(&self) -> Result<Vec<LocationAdded>, StoreError> {
        let mut statement = self.conn.prepare_cached("SELECT code, label, kind FROM p_locations ORDER BY code")?;
        let rows =
            statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (code, label, kind) = row?;
            let kind = LocationKind::parse(&kind).map_err(|_| Damage::LocationUnreadable { code: code.clone() })?;
            out.push(LocationAdded { code, label, kind });
        }
        Ok(out)
    }

    /// Records a new SKU of a catalogue item; its code and its barcode must be free.
    pub fn define_sku(&mut self, sku: SkuDefined) -> Result<(), StoreError> {
        sku.check()?;
        self.commit(|commit| {
            let conn = commit.conn;
            if !conn.prepare_cached("SELECT 1 FROM p_items WHERE code = ?1")?.exists([&sku.item])? {
                return Err(StockError::UnknownItem { item: sku.item.clone() }.into());
            }
            if sku_exists(conn, &sku.sku)? {
                return Err(StockError::SkuExists { sku: sku.sku.clone() }.into());
            }
            if let Some(barcode) = &sku.barcode
                && let Some(holder) = sku_of_barcode(conn, barcode)?
            {
                return Err(StockError::BarcodeTaken { barcode: barcode.to_string(), sku: holder }.into());
            }
            commit.record(Fact::SkuDefined(sku))
        })
    }

    /// Every SKU, by code.
    pub fn skus(&self) -> Result<Vec<Sku>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT s.sku, s.item, coalesce(i.label, s.item), s.barcode, s.size, s.colour
             FROM p_skus s LEFT JOIN p_items i ON i.code = s.item ORDER BY s.sku",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (sku, item, label, barcode, size, colour) = row?;
            let barcode = barcode
                .map(|text| Barcode::parse(&text).map_err(|_| Damage::SkuUnreadable { sku: sku_text(&sku) }))
                .transpose()?;
            out.push(Sku { sku, item, label, barcode, size, colour });
        }
        Ok(out)
    }

    /// The SKU a barcode names, if any.
    pub fn sku_by_barcode(&self, barcode: &Barcode) -> Result<Option<String>, StoreError> {
        sku_of_barcode(&self.conn, barcode)
    }

    /// Records goods received at a location, each line at its unit cost in the company currency;
    /// returns the receipt's id.
    pub fn receive_stock(
        &mut self,
        location: &str,
        date: NaiveDate,
        lines: Vec<ReceivedLine>,
        reference: Option<String>,
    ) -> Result<String, StoreError> {
        let currency = self.company()?.currency;
        let receipt = StockReceived {
            id: format!("R-{}", hex::encode_upper(self.random_bytes::<5>())),
            date,
            location: location.to_owned(),
            lines,
            currency,
            reference,
            order: None,
        };
        receipt.check()?;
        self.commit(|commit| {
            known_location(commit.conn, &receipt.location)?;
            for line in &receipt.lines {
                known_sku(commit.conn, &line.sku)?;
            }
            let id = receipt.id.clone();
            commit.record(Fact::StockReceived(receipt))?;
            Ok(id)
        })
    }

    /// Records an adjustment for a reason other than a count (`count_stock`): `lines` are SKUs
    /// with the units added (positive) or taken away (negative).
    pub fn adjust_stock(
        &mut self,
        location: &str,
        date: NaiveDate,
        reason: AdjustReason,
        lines: Vec<StockLine>,
    ) -> Result<StockAdjusted, StoreError> {
        let adjusted = StockAdjusted {
            id: format!("A-{}", hex::encode_upper(self.random_bytes::<5>())),
            date,
            location: location.to_owned(),
            reason,
            lines: lines
                .into_iter()
                .map(|line| AdjustedLine { sku: line.sku, delta: line.qty, counted: None })
                .collect(),
        };
        self.record_adjustment(adjusted)
    }

    /// Records an inventory count: `lines` are SKUs with the units counted. Each line's
    /// difference from the stock this device holds now becomes the adjustment.
    pub fn count_stock(
        &mut self,
        location: &str,
        date: NaiveDate,
        lines: Vec<StockLine>,
    ) -> Result<StockAdjusted, StoreError> {
        let id = format!("C-{}", hex::encode_upper(self.random_bytes::<5>()));
        let location = location.to_owned();
        self.commit(|commit| {
            let mut counted = Vec::new();
            for line in lines {
                let on_hand = on_hand(commit.conn, &location, &line.sku)?;
                counted.push(AdjustedLine { delta: line.qty - on_hand, counted: Some(line.qty), sku: line.sku });
            }
            let adjusted = StockAdjusted { id, date, location, reason: AdjustReason::Count, lines: counted };
            check_adjustment(commit.conn, &adjusted)?;
            commit.record(Fact::StockAdjusted(adjusted.clone()))?;
            Ok(adjusted)
        })
    }

    fn record_adjustment(&mut self, adjusted: StockAdjusted) -> Result<StockAdjusted, StoreError> {
        self.commit(|commit| {
            check_adjustment(commit.conn, &adjusted)?;
            commit.record(Fact::StockAdjusted(adjusted.clone()))?;
            Ok(adjusted)
        })
    }

    /// Sends goods from one location to another; returns the transfer as recorded (its number
    /// is what the receiving side types).
    pub fn send_transfer(
        &mut self,
        from: &str,
        to: &str,
        date: NaiveDate,
        lines: Vec<StockLine>,
    ) -> Result<TransferSent, StoreError> {
        let sent = TransferSent {
            transfer: format!("T-{}", hex::encode_upper(self.random_bytes::<5>())),
            date,
            from: from.to_owned(),
            to: to.to_owned(),
            lines,
        };
        sent.check()?;
        self.commit(|commit| {
            known_location(commit.conn, &sent.from)?;
            known_location(commit.conn, &sent.to)?;
            for line in &sent.lines {
                known_sku(commit.conn, &line.sku)?;
            }
            commit.record(Fact::TransferSent(sent.clone()))?;
            Ok(sent)
        })
    }

    /// Records the arrival of a transfer at its destination. A transfer this device knows brings
    /// every line sent; one it has not heard of yet (the sender and this device apart, the goods
    /// and their delivery note come first) brings the lines of the delivery note, `note`: the
    /// destination and what arrived, which the sending adds up with when they meet.
    pub fn arrive_transfer(
        &mut self,
        transfer: &str,
        date: NaiveDate,
        note: Option<(String, Vec<StockLine>)>,
    ) -> Result<TransferArrived, StoreError> {
        let id = format!("I-{}", hex::encode_upper(self.random_bytes::<5>()));
        let transfer = transfer.trim().to_uppercase();
        self.commit(|commit| {
            let (to, lines) = match (find_transfer(commit.conn, &transfer)?, note) {
                (Some(found), _) if found.arrived.is_some() => {
                    return Err(StockError::ArrivedAlready { transfer }.into());
                }
                (Some(found), None) => (found.sent.to, found.sent.lines),
                (Some(found), Some((to, _))) if to != found.sent.to => {
                    return Err(StockError::ElsewhereBound { transfer, to: found.sent.to }.into());
                }
                (_, Some((to, lines))) => {
                    if !is_transfer_number(&transfer) {
                        return Err(StockError::UnknownTransfer { transfer }.into());
                    }
                    known_location(commit.conn, &to)?;
                    for line in &lines {
                        known_sku(commit.conn, &line.sku)?;
                    }
                    (to, lines)
                }
                (None, None) => return Err(StockError::UnknownTransfer { transfer }.into()),
            };
            let arrived = TransferArrived { id, transfer, date, to, lines };
            arrived.check()?;
            commit.record(Fact::TransferArrived(arrived.clone()))?;
            Ok(arrived)
        })
    }

    /// The transfers sent and not arrived (towards one location, or any), oldest first.
    pub fn transfers_in_transit(&self, to: Option<&str>) -> Result<Vec<Transfer>, StoreError> {
        let numbers: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT t.transfer FROM p_transfers t
                 WHERE (?1 IS NULL OR t.to_location = ?1)
                   AND NOT EXISTS (SELECT 1 FROM p_transfer_arrivals a WHERE a.transfer = t.transfer)
                 ORDER BY t.date, t.transfer",
            )?
            .query_map([to], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for number in numbers {
            out.extend(find_transfer(&self.conn, &number)?);
        }
        Ok(out)
    }

    /// A transfer by its number.
    pub fn transfer(&self, transfer: &str) -> Result<Option<Transfer>, StoreError> {
        find_transfer(&self.conn, &transfer.trim().to_uppercase())
    }

    /// The stock of every SKU at each location (or one), now or at the end of a day: on hand, in
    /// transit towards it, and valued at the weighted average cost of what was received by then.
    /// Every SKU with stock, stock in transit, or a movement at the location is listed.
    pub fn stock_levels(&self, location: Option<&str>, at: Option<NaiveDate>) -> Result<Vec<StockLevel>, StoreError> {
        if let Some(code) = location {
            known_location(&self.conn, code)?;
        }
        let currency = self.company()?.currency;
        let at_text = at.map(date_text);
        // On hand: the sums kept, or the movements up to the day.
        let on_hand_sql = if at.is_some() {
            "SELECT location, sku, sum(qty) FROM (
                 SELECT location, sku, qty FROM p_stock_moves WHERE date <= ?2 AND (?1 IS NULL OR location = ?1)
                 UNION ALL
                 SELECT location, sku, -qty FROM p_sales_items WHERE date <= ?2 AND (?1 IS NULL OR location = ?1))
             GROUP BY location, sku"
        } else {
            "SELECT location, sku, on_hand FROM p_stock_levels WHERE (?1 IS NULL OR location = ?1) AND ?2 IS NULL"
        };
        let mut levels: std::collections::BTreeMap<(String, String), (i64, i64)> = Default::default();
        let mut statement = self.conn.prepare_cached(on_hand_sql)?;
        for row in statement.query_map(params![location, at_text], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))? {
            let (location, sku, qty): (String, String, i64) = row?;
            levels.entry((location, sku)).or_default().0 += qty;
        }
        for ((location, sku), qty) in in_transit(&self.conn, location, at)? {
            levels.entry((location, sku)).or_default().1 += qty;
        }
        let costs = self.received_costs(currency, at)?;
        let mut skus = self.conn.prepare_cached(
            "SELECT coalesce(i.label, s.item), s.size, s.colour FROM p_skus s LEFT JOIN p_items i ON i.code = s.item
             WHERE s.sku = ?1",
        )?;
        let mut out = Vec::new();
        for ((location, sku), (on_hand, in_transit)) in levels {
            if on_hand == 0 && in_transit == 0 {
                continue;
            }
            let (label, size, colour) = skus
                .query_row([&sku], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .optional()?
                .unwrap_or_else(|| (sku.clone(), None, None));
            let received = costs.get(&sku).copied();
            out.push(StockLevel {
                value_minor: value_at_average(on_hand, received),
                location,
                sku,
                label,
                size,
                colour,
                on_hand,
                in_transit,
                received,
            });
        }
        Ok(out)
    }

    /// Units and cost received of every SKU, in the currency, in all or by the end of a day.
    fn received_costs(
        &self,
        currency: Currency,
        at: Option<NaiveDate>,
    ) -> Result<std::collections::HashMap<String, (i64, i64)>, StoreError> {
        let mut costs = std::collections::HashMap::new();
        match at {
            None => {
                let mut statement =
                    self.conn.prepare_cached("SELECT sku, qty, cost_minor FROM p_stock_costs WHERE currency = ?1")?;
                for row in
                    statement.query_map([currency.as_str()], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                {
                    let (sku, qty, cost): (String, i64, i64) = row?;
                    costs.insert(sku, (qty, cost));
                }
            }
            Some(date) => {
                let mut statement = self.conn.prepare_cached(
                    "SELECT sku, sum(qty), sum(cost_minor) FROM p_stock_moves
                     WHERE kind = 'receipt' AND date <= ?1 GROUP BY sku",
                )?;
                for row in statement.query_map([date_text(date)], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))? {
                    let (sku, qty, cost): (String, i64, i64) = row?;
                    costs.insert(sku, (qty, cost));
                }
            }
        }
        Ok(costs)
    }
}

/// What is in transit towards each location (or one) × SKU at the end of a day (or now): sent by
/// then and not arrived by then.
pub(crate) fn in_transit(
    conn: &Connection,
    location: Option<&str>,
    at: Option<NaiveDate>,
) -> Result<std::collections::BTreeMap<(String, String), i64>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT t.to_location, l.sku, sum(l.qty) FROM p_transfers t JOIN p_transfer_lines l ON l.transfer = t.transfer
         WHERE (?1 IS NULL OR t.to_location = ?1) AND (?2 IS NULL OR t.date <= ?2)
           AND NOT EXISTS (SELECT 1 FROM p_transfer_arrivals a WHERE a.transfer = t.transfer
                           AND (?2 IS NULL OR a.date <= ?2))
         GROUP BY t.to_location, l.sku",
    )?;
    let mut out = std::collections::BTreeMap::new();
    for row in statement.query_map(params![location, at.map(date_text)], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?))
    })? {
        let (location, sku, qty) = row?;
        *out.entry((location, sku)).or_default() += qty;
    }
    Ok(out)
}

/// Whether `text` has the shape of a transfer's number (`T-` and ten capital hex digits).
fn is_transfer_number(text: &str) -> bool {
    text.strip_prefix("T-")
        .is_some_and(|rest| rest.len() == 10 && rest.chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)))
}

/// A SKU code for a message, cut to its first 32 characters.
fn sku_text(sku: &str) -> String {
    sku.chars().take(32).collect()
}

fn location_exists(conn: &Connection, code: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("SELECT 1 FROM p_locations WHERE code = ?1")?.exists([code])?)
}

pub(crate) fn known_location(conn: &Connection, code: &str) -> Result<(), StoreError> {
    if !location_exists(conn, code)? {
        return Err(StockError::UnknownLocation { code: code.to_owned() }.into());
    }
    Ok(())
}

fn sku_exists(conn: &Connection, sku: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("SELECT 1 FROM p_skus WHERE sku = ?1")?.exists([sku])?)
}

pub(crate) fn known_sku(conn: &Connection, sku: &str) -> Result<(), StoreError> {
    if !sku_exists(conn, sku)? {
        return Err(StockError::UnknownSku { sku: sku.to_owned() }.into());
    }
    Ok(())
}

fn sku_of_barcode(conn: &Connection, barcode: &Barcode) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT sku FROM p_skus WHERE barcode = ?1")?
        .query_row([barcode.as_str()], |row| row.get(0))
        .optional()?)
}

/// The stock on hand of a SKU at a location, as this device knows it.
pub(crate) fn on_hand(conn: &Connection, location: &str, sku: &str) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached("SELECT on_hand FROM p_stock_levels WHERE location = ?1 AND sku = ?2")?
        .query_row([location, sku], |row| row.get(0))
        .optional()?
        .unwrap_or(0))
}

fn check_adjustment(conn: &Connection, adjusted: &StockAdjusted) -> Result<(), StoreError> {
    adjusted.check()?;
    known_location(conn, &adjusted.location)?;
    for line in &adjusted.lines {
        known_sku(conn, &line.sku)?;
    }
    Ok(())
}

fn find_transfer(conn: &Connection, transfer: &str) -> Result<Option<Transfer>, StoreError> {
    let found: Option<(String, String, String)> = conn
        .prepare_cached("SELECT date, from_location, to_location FROM p_transfers WHERE transfer = ?1")?
        .query_row([transfer], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?;
    let Some((date, from, to)) = found else {
        return Ok(None);
    };
    let unreadable = || Damage::TransferUnreadable { transfer: sku_text(transfer) };
    let date = date.parse().map_err(|_| unreadable())?;
    let mut statement =
        conn.prepare_cached("SELECT sku, qty FROM p_transfer_lines WHERE transfer = ?1 ORDER BY line")?;
    let lines = statement
        .query_map([transfer], |row| Ok(StockLine { sku: row.get(0)?, qty: row.get(1)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    let arrived: Option<String> = conn
        .prepare_cached("SELECT date FROM p_transfer_arrivals WHERE transfer = ?1")?
        .query_row([transfer], |row| row.get(0))
        .optional()?;
    let arrived = arrived.map(|date| date.parse().map_err(|_| unreadable())).transpose()?;
    Ok(Some(Transfer { sent: TransferSent { transfer: transfer.to_owned(), date, from, to, lines }, arrived }))
}

/// One movement of stock: a row of `p_stock_moves` and its sum in `p_stock_levels`. Modules whose
/// facts move stock (the tills' sales and returns) project them through here.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Move<'a> {
    pub id: &'a str,
    pub kind: &'static str,
    pub line: usize,
    pub location: &'a str,
    pub sku: &'a str,
    pub date: NaiveDate,
    pub qty: i64,
    pub cost_minor: Option<i64>,
}

/// Projects one movement; a movement already held (the same fact met twice) changes nothing.
/// Returns whether it was new.
pub(crate) fn project_move(conn: &Connection, movement: Move<'_>) -> Result<bool, StoreError> {
    project_move_deferring(conn, movement, None)
}

/// As `project_move`, the level's change added to `levels` (written when the projector is
/// flushed, once per location and SKU) rather than written at once, where given.
pub(crate) fn project_move_deferring(
    conn: &Connection,
    movement: Move<'_>,
    levels: Option<&mut StockLevels>,
) -> Result<bool, StoreError> {
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO p_stock_moves (id, kind, line, location, sku, date, qty, cost_minor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            movement.id,
            movement.kind,
            movement.line as i64,
            movement.location,
            movement.sku,
            date_text(movement.date),
            movement.qty,
            movement.cost_minor
        ])?;
    if inserted == 1 {
        match levels {
            Some(levels) => add_to_levels(levels, movement.location, movement.sku, movement.qty),
            None => add_to_level(conn, movement.location, movement.sku, movement.qty)?,
        }
    }
    Ok(inserted == 1)
}

/// Changes of stock levels gathered by a projector, by location and SKU.
pub(crate) type StockLevels = std::collections::HashMap<(String, String), i64>;

/// Adds a movement of `qty` to the levels a projector gathers.
pub(crate) fn add_to_levels(levels: &mut StockLevels, location: &str, sku: &str, qty: i64) {
    match levels.get_mut(&(location.to_owned(), sku.to_owned())) {
        Some(sum) => *sum = sum.saturating_add(qty),
        None => {
            levels.insert((location.to_owned(), sku.to_owned()), qty);
        }
    }
}

/// Writes the levels' changes gathered, in key order; a level back at zero is no row.
pub(crate) fn write_levels(conn: &Connection, levels: &mut StockLevels) -> Result<(), StoreError> {
    let mut rows: Vec<((String, String), i64)> = levels.drain().filter(|(_, qty)| *qty != 0).collect();
    rows.sort_unstable();
    for ((location, sku), qty) in rows {
        add_to_level(conn, &location, &sku, qty)?;
    }
    Ok(())
}

fn add_to_level(conn: &Connection, location: &str, sku: &str, qty: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO p_stock_levels (location, sku, on_hand) VALUES (?1, ?2, ?3)
         ON CONFLICT (location, sku) DO UPDATE SET on_hand = on_hand + excluded.on_hand",
    )?
    .execute(params![location, sku, qty])?;
    conn.prepare_cached("DELETE FROM p_stock_levels WHERE location = ?1 AND sku = ?2 AND on_hand = 0")?
        .execute(params![location, sku])?;
    Ok(())
}

/// Projects a `LocationAdded` fact: the first of a code in merge order stands; one not well
/// formed (recorded around the store's checks) makes no location.
pub(crate) fn project_location_added(conn: &Connection, location: &LocationAdded) -> Result<(), StoreError> {
    if location.check().is_err() {
        return Ok(());
    }
    conn.prepare_cached("INSERT OR IGNORE INTO p_locations (code, label, kind) VALUES (?1, ?2, ?3)")?
        .execute(params![location.code, location.label, location.kind.as_str()])?;
    Ok(())
}

/// Projects a `SkuDefined` fact: the first of a code stands; a barcode already naming another SKU
/// is not given to this one.
pub(crate) fn project_sku_defined(conn: &Connection, sku: &SkuDefined) -> Result<(), StoreError> {
    if sku.check().is_err() {
        return Ok(());
    }
    let barcode = match &sku.barcode {
        Some(barcode) if sku_of_barcode(conn, barcode)?.is_none() => Some(barcode.as_str()),
        _ => None,
    };
    conn.prepare_cached("INSERT OR IGNORE INTO p_skus (sku, item, barcode, size, colour) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![sku.sku, sku.item, barcode, sku.size, sku.colour])?;
    Ok(())
}

/// Projects a `StockReceived` fact: its lines in, and their cost into the SKUs' averages. A
/// receipt not well formed moves nothing.
pub(crate) fn project_stock_received(conn: &Connection, receipt: &StockReceived) -> Result<(), StoreError> {
    if receipt.check().is_err() {
        return Ok(());
    }
    for (line, received) in receipt.lines.iter().enumerate() {
        let cost_minor = received.qty * received.unit_cost_minor;
        let inserted = project_move(
            conn,
            Move {
                id: &receipt.id,
                kind: "receipt",
                line,
                location: &receipt.location,
                sku: &received.sku,
                date: receipt.date,
                qty: received.qty,
                cost_minor: Some(cost_minor),
            },
        )?;
        if !inserted {
            continue;
        }
        conn.prepare_cached(
            "INSERT INTO p_stock_costs (sku, currency, qty, cost_minor) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (sku, currency) DO UPDATE SET qty = qty + excluded.qty, cost_minor = cost_minor + excluded.cost_minor",
        )?
        .execute(params![received.sku, receipt.currency.as_str(), received.qty, cost_minor])?;
        if let Some(order) = &receipt.order {
            crate::replenish::note_delivered(conn, order, receipt, received)?;
        }
    }
    Ok(())
}

/// Projects a `StockAdjusted` fact: each line's difference.
pub(crate) fn project_stock_adjusted(conn: &Connection, adjusted: &StockAdjusted) -> Result<(), StoreError> {
    if adjusted.check().is_err() {
        return Ok(());
    }
    for (line, adjusted_line) in adjusted.lines.iter().enumerate() {
        if adjusted_line.delta == 0 {
            continue;
        }
        project_move(
            conn,
            Move {
                id: &adjusted.id,
                kind: "adjustment",
                line,
                location: &adjusted.location,
                sku: &adjusted_line.sku,
                date: adjusted.date,
                qty: adjusted_line.delta,
                cost_minor: None,
            },
        )?;
    }
    Ok(())
}

/// Projects a `TransferSent` fact: the transfer, and its lines out of the sending location.
pub(crate) fn project_transfer_sent(conn: &Connection, sent: &TransferSent) -> Result<(), StoreError> {
    if sent.check().is_err() {
        return Ok(());
    }
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO p_transfers (transfer, date, from_location, to_location) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![sent.transfer, date_text(sent.date), sent.from, sent.to])?;
    if inserted == 0 {
        return Ok(());
    }
    for (line, stock_line) in sent.lines.iter().enumerate() {
        conn.prepare_cached("INSERT INTO p_transfer_lines (transfer, line, sku, qty) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![sent.transfer, line as i64, stock_line.sku, stock_line.qty])?;
        project_move(
            conn,
            Move {
                id: &sent.transfer,
                kind: "out",
                line,
                location: &sent.from,
                sku: &stock_line.sku,
                date: sent.date,
                qty: -stock_line.qty,
                cost_minor: None,
            },
        )?;
    }
    Ok(())
}

/// Projects a `TransferArrived` fact: the arrival of the smallest id stands (two devices that each
/// recorded it apart count it once), its lines into the receiving location.
pub(crate) fn project_transfer_arrived(conn: &Connection, arrived: &TransferArrived) -> Result<(), StoreError> {
    if arrived.check().is_err() {
        return Ok(());
    }
    let held: Option<String> = conn
        .prepare_cached("SELECT id FROM p_transfer_arrivals WHERE transfer = ?1")?
        .query_row([&arrived.transfer], |row| row.get(0))
        .optional()?;
    match held {
        Some(id) if id <= arrived.id => return Ok(()),
        Some(_) => {
            // A smaller id stands instead: what the other brought in is taken back out.
            let mut statement =
                conn.prepare_cached("SELECT location, sku, qty FROM p_stock_moves WHERE id = ?1 AND kind = 'in'")?;
            let rows = statement
                .query_map([&arrived.transfer], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect::<Result<Vec<(String, String, i64)>, _>>()?;
            for (location, sku, qty) in rows {
                add_to_level(conn, &location, &sku, -qty)?;
            }
            conn.prepare_cached("DELETE FROM p_stock_moves WHERE id = ?1 AND kind = 'in'")?
                .execute([&arrived.transfer])?;
            conn.prepare_cached("DELETE FROM p_transfer_arrivals WHERE transfer = ?1")?.execute([&arrived.transfer])?;
        }
        None => {}
    }
    conn.prepare_cached("INSERT INTO p_transfer_arrivals (transfer, id, date, to_location) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![arrived.transfer, arrived.id, date_text(arrived.date), arrived.to])?;
    for (line, stock_line) in arrived.lines.iter().enumerate() {
        project_move(
            conn,
            Move {
                id: &arrived.transfer,
                kind: "in",
                line,
                location: &arrived.to,
                sku: &stock_line.sku,
                date: arrived.date,
                qty: stock_line.qty,
                cost_minor: None,
            },
        )?;
    }
    Ok(())
}

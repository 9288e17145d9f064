//! Replenishment (issue 22): the proposals for each store × SKU, a pure function of the facts this
//! node holds and a date (`rempart_domain::replenish` for the formula). Nothing is recorded: the
//! same facts and date give the same proposals on any node, whatever order the facts came in.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rempart_domain::replenish::PurchaseOrdered;
use rempart_domain::replenish::{
    Ask, Day, Demand, Levels, Policy, Position, ReplenishError, fair_share, levels, proposal,
};
use rempart_domain::stock::LocationKind;
use rempart_domain::stock::{ReceivedLine, StockLine, StockReceived, TransferSent};
use rusqlite::{Connection, OptionalExtension, params};

use crate::project::date_text;
use crate::{Store, StoreError};
use rempart_domain::facts::Fact;

/// What one store should be sent of one SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub location: String,
    pub sku: String,
    /// The demand read from the window's days in stock.
    pub demand: Demand,
    pub levels: Levels,
    pub position: Position,
    /// What the formula asks, in whole packs.
    pub asked: i64,
    /// What the warehouses can give of it (a fair share when they hold less than all ask).
    pub proposed: i64,
}

/// The projection tables of purchase orders (`schema::PROJECTIONS` gives their order in the
/// state hash).
pub const SCHEMA: &str = "
-- Purchase orders, by their number (random: one fact each), and their lines.
CREATE TABLE IF NOT EXISTS p_purchase_orders (
    purchase TEXT PRIMARY KEY,
    date TEXT NOT NULL,
    supplier TEXT NOT NULL,
    location TEXT NOT NULL,
    currency TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS p_purchase_lines (
    purchase TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL,
    unit_cost_minor INTEGER NOT NULL,
    PRIMARY KEY (purchase, sku)
) WITHOUT ROWID;
-- What each receipt naming an order delivered of it, on its day.
CREATE TABLE IF NOT EXISTS p_purchase_received (
    purchase TEXT NOT NULL,
    sku TEXT NOT NULL,
    receipt TEXT NOT NULL,
    date TEXT NOT NULL,
    qty INTEGER NOT NULL,
    PRIMARY KEY (purchase, sku, receipt)
) WITHOUT ROWID;
";

/// A purchase order as held: what it asked, and what the receipts naming it delivered of each
/// SKU (a receipt may come before its order is known here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseOrder {
    pub ordered: PurchaseOrdered,
    pub received: BTreeMap<String, i64>,
}

impl PurchaseOrder {
    /// Units of `sku` ordered and not delivered (none when more came than was ordered).
    pub fn open(&self, sku: &str) -> i64 {
        let ordered: i64 = self.ordered.lines.iter().filter(|line| line.sku == sku).map(|line| line.qty).sum();
        (ordered - self.received.get(sku).copied().unwrap_or(0)).max(0)
    }

    /// Whether anything of it is still to be delivered.
    pub fn is_open(&self) -> bool {
        self.ordered.lines.iter().any(|line| self.open(&line.sku) > 0)
    }
}

pub(crate) fn project_purchase_ordered(conn: &Connection, order: &PurchaseOrdered) -> Result<(), StoreError> {
    if order.check().is_err() {
        return Ok(());
    }
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO p_purchase_orders (purchase, date, supplier, location, currency)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            order.order,
            date_text(order.date),
            order.supplier,
            order.location,
            order.currency.as_str()
        ])?;
    if inserted == 1 {
        let mut line_insert = conn.prepare_cached(
            "INSERT OR IGNORE INTO p_purchase_lines (purchase, sku, qty, unit_cost_minor) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for line in &order.lines {
            line_insert.execute(params![order.order, line.sku, line.qty, line.unit_cost_minor])?;
        }
    }
    Ok(())
}

/// Notes what a receipt naming `order` delivered of one SKU.
pub(crate) fn note_delivered(
    conn: &Connection,
    order: &str,
    receipt: &StockReceived,
    line: &ReceivedLine,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO p_purchase_received (purchase, sku, receipt, date, qty) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (purchase, sku, receipt) DO UPDATE SET qty = qty + excluded.qty",
    )?
    .execute(params![order, line.sku, receipt.id, date_text(receipt.date), line.qty])?;
    Ok(())
}

/// What is ordered and not delivered at the end of `date`, per warehouse × SKU: for each order
/// of that day or before, each line less what receipts of that day or before delivered of it
/// (never below nothing).
fn on_order(conn: &Connection, date: NaiveDate) -> Result<BTreeMap<(String, String), i64>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT o.location, l.sku, l.qty - coalesce(
             (SELECT sum(r.qty) FROM p_purchase_received r
              WHERE r.purchase = l.purchase AND r.sku = l.sku AND r.date <= ?1), 0)
         FROM p_purchase_orders o JOIN p_purchase_lines l ON l.purchase = o.purchase
         WHERE o.date <= ?1",
    )?;
    let rows = statement.query_map([date_text(date)], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?))
    })?;
    let mut open = BTreeMap::new();
    for row in rows {
        let (place, sku, qty) = row?;
        *open.entry((place, sku)).or_default() += qty.max(0);
    }
    Ok(open)
}

/// Refuses to approve the proposals of `date` when something was sent or ordered on a later day
/// (the latest, as `latest_sql` reads it).
fn refuse_before(conn: &Connection, latest_sql: &str, date: NaiveDate) -> Result<(), StoreError> {
    let latest: Option<String> = conn.prepare_cached(latest_sql)?.query_row([], |row| row.get(0))?;
    if let Some(latest) = latest {
        let latest = crate::project::stored_date(&latest)?;
        if latest > date {
            return Err(ReplenishError::LaterSent { date, latest }.into());
        }
    }
    Ok(())
}

/// The proposals with something to send that `picks` (location, SKU) name, or all when none is
/// named; a pick that names nothing proposed is refused.
fn chosen(proposals: Vec<Proposal>, picks: &[(String, String)]) -> Result<Vec<Proposal>, StoreError> {
    let named = |proposal: &Proposal, (location, sku): &(String, String)| {
        proposal.location == *location && proposal.sku == *sku && proposal.proposed > 0
    };
    if let Some((location, sku)) = picks.iter().find(|pick| !proposals.iter().any(|proposal| named(proposal, pick))) {
        return Err(ReplenishError::NotProposed { location: location.clone(), sku: sku.clone() }.into());
    }
    Ok(proposals
        .into_iter()
        .filter(|proposal| {
            proposal.proposed > 0 && (picks.is_empty() || picks.iter().any(|pick| named(proposal, pick)))
        })
        .collect())
}

/// A known location that is a warehouse.
fn warehouse(conn: &Connection, code: &str) -> Result<(), StoreError> {
    crate::stock::known_location(conn, code)?;
    let kind: Option<String> = conn
        .prepare_cached("SELECT kind FROM p_locations WHERE code = ?1")?
        .query_row([code], |row| row.get(0))
        .optional()?;
    if kind.as_deref() != Some("warehouse") {
        return Err(ReplenishError::NotAWarehouse { location: code.to_owned() }.into());
    }
    Ok(())
}

/// A purchase order by its number, with what was delivered of it.
fn find_order(conn: &Connection, number: &str) -> Result<Option<PurchaseOrder>, StoreError> {
    let head: Option<(String, String, String, String)> = conn
        .prepare_cached("SELECT date, supplier, location, currency FROM p_purchase_orders WHERE purchase = ?1")?
        .query_row([number], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .optional()?;
    let Some((date, supplier, location, currency)) = head else {
        return Ok(None);
    };
    let mut lines = Vec::new();
    let mut statement =
        conn.prepare_cached("SELECT sku, qty, unit_cost_minor FROM p_purchase_lines WHERE purchase = ?1 ORDER BY sku")?;
    for row in statement.query_map([number], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))? {
        let (sku, qty, unit_cost_minor) = row?;
        lines.push(ReceivedLine { sku, qty, unit_cost_minor });
    }
    let mut received = BTreeMap::new();
    let mut statement =
        conn.prepare_cached("SELECT sku, sum(qty) FROM p_purchase_received WHERE purchase = ?1 GROUP BY sku")?;
    for row in statement.query_map([number], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))? {
        let (sku, qty) = row?;
        received.insert(sku, qty);
    }
    let currency = rempart_domain::Currency::try_from(currency.clone())
        .map_err(|_| crate::Damage::NotACurrency { text: currency })?;
    let ordered = PurchaseOrdered {
        order: number.to_owned(),
        date: crate::project::stored_date(&date)?,
        supplier,
        location,
        lines,
        currency,
    };
    Ok(Some(PurchaseOrder { ordered, received }))
}

impl From<ReplenishError> for StoreError {
    fn from(error: ReplenishError) -> StoreError {
        StoreError::Replenish(error)
    }
}

impl Store {
    /// Records a purchase order to `supplier` (a contact) for the warehouse `location`, each line
    /// at its unit cost in the company's currency.
    pub fn order_purchase(
        &mut self,
        supplier: &str,
        location: &str,
        date: NaiveDate,
        lines: Vec<ReceivedLine>,
    ) -> Result<PurchaseOrdered, StoreError> {
        let order = PurchaseOrdered {
            order: format!("PO-{}", hex::encode_upper(self.random_bytes::<5>())),
            date,
            supplier: supplier.trim().to_owned(),
            location: location.trim().to_uppercase(),
            lines,
            currency: self.company()?.currency,
        };
        order.check()?;
        self.commit(|commit| {
            warehouse(commit.conn, &order.location)?;
            if !crate::contacts::contact_exists(commit.conn, &order.supplier)? {
                return Err(ReplenishError::UnknownSupplier { supplier: order.supplier.clone() }.into());
            }
            for line in &order.lines {
                crate::stock::known_sku(commit.conn, &line.sku)?;
            }
            commit.record(Fact::PurchaseOrdered(order.clone()))?;
            Ok(order)
        })
    }

    /// The purchase orders held, oldest first: all, or those with something still to deliver.
    pub fn purchase_orders(&self, open_only: bool) -> Result<Vec<PurchaseOrder>, StoreError> {
        let numbers: Vec<String> = self
            .conn
            .prepare_cached("SELECT purchase FROM p_purchase_orders ORDER BY date, purchase")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for number in numbers {
            if let Some(order) = find_order(&self.conn, &number)?
                && (!open_only || order.is_open())
            {
                out.push(order);
            }
        }
        Ok(out)
    }

    /// Records the delivery of a purchase order at its warehouse: all that is still to come, or
    /// the `lines` given (SKU, units: a part, or more than ordered when more came), each at the
    /// order's unit cost; a receipt naming the order. Returns the receipt.
    pub fn receive_purchase(
        &mut self,
        number: &str,
        date: NaiveDate,
        lines: Option<&[(String, i64)]>,
        reference: Option<String>,
    ) -> Result<StockReceived, StoreError> {
        let number = number.trim().to_uppercase();
        if !rempart_domain::replenish::order_number_ok(&number) {
            return Err(ReplenishError::BadOrderNumber { text: number.chars().take(32).collect() }.into());
        }
        let id = format!("R-{}", hex::encode_upper(self.random_bytes::<5>()));
        self.commit(|commit| {
            let order =
                find_order(commit.conn, &number)?.ok_or(ReplenishError::UnknownOrder { order: number.clone() })?;
            let cost =
                |sku: &str| order.ordered.lines.iter().find(|line| line.sku == sku).map(|line| line.unit_cost_minor);
            let lines: Vec<ReceivedLine> = match lines {
                None => order
                    .ordered
                    .lines
                    .iter()
                    .filter(|line| order.open(&line.sku) > 0)
                    .map(|line| ReceivedLine {
                        sku: line.sku.clone(),
                        qty: order.open(&line.sku),
                        unit_cost_minor: line.unit_cost_minor,
                    })
                    .collect(),
                Some(given) => given
                    .iter()
                    .map(|(sku, qty)| {
                        let sku = sku.trim().to_uppercase();
                        let unit_cost_minor = cost(&sku)
                            .ok_or_else(|| ReplenishError::NotOrdered { order: number.clone(), sku: sku.clone() })?;
                        Ok(ReceivedLine { sku, qty: *qty, unit_cost_minor })
                    })
                    .collect::<Result<_, StoreError>>()?,
            };
            if lines.is_empty() {
                return Err(ReplenishError::NothingToReceive { order: number.clone() }.into());
            }
            let receipt = StockReceived {
                id,
                date,
                location: order.ordered.location.clone(),
                lines,
                currency: order.ordered.currency,
                reference,
                order: Some(number.clone()),
            };
            receipt.check()?;
            commit.record(Fact::StockReceived(receipt.clone()))?;
            Ok(receipt)
        })
    }

    /// Turns the warehouses' proposals of `date` (all, or those of `picks`, each of which must be
    /// proposed) into purchase orders to `supplier`, one per warehouse, each line at the SKU's
    /// weighted average cost (a SKU never received has none: refused, with its name).
    pub fn approve_purchases(
        &mut self,
        supplier: &str,
        picks: &[(String, String)],
        date: NaiveDate,
        policy: &Policy,
    ) -> Result<Vec<PurchaseOrdered>, StoreError> {
        // As for transfers: orders placed after `date` are not on order in its proposals.
        refuse_before(&self.conn, "SELECT max(date) FROM p_purchase_orders", date)?;
        let chosen = chosen(self.purchase_proposals(None, date, policy)?, picks)?;
        let currency = self.company()?.currency;
        let mut orders: BTreeMap<String, Vec<ReceivedLine>> = BTreeMap::new();
        for proposal in chosen {
            let unit_cost_minor = match crate::stock::received(&self.conn, &proposal.sku, currency.as_str())? {
                Some((units, cost)) if units > 0 => crate::stock::value_at_average(1, Some((units, cost))),
                _ => return Err(ReplenishError::CostUnknown { sku: proposal.sku }.into()),
            };
            orders.entry(proposal.location).or_default().push(ReceivedLine {
                sku: proposal.sku,
                qty: proposal.proposed,
                unit_cost_minor,
            });
        }
        let mut sent = Vec::new();
        for (location, lines) in orders {
            sent.push(self.order_purchase(supplier, &location, date, lines)?);
        }
        Ok(sent)
    }

    /// The picking list of `from` (a warehouse; or every location): the transfers sent from it
    /// that have not arrived, oldest first, each one's lines in SKU order.
    pub fn picking(&self, from: Option<&str>) -> Result<Vec<crate::stock::Transfer>, StoreError> {
        if let Some(code) = from {
            crate::stock::known_location(&self.conn, code)?;
        }
        let mut transfers = self.transfers_in_transit(None)?;
        transfers.retain(|transfer| from.is_none_or(|from| from == transfer.sent.from));
        for transfer in &mut transfers {
            transfer.sent.lines.sort_by(|a, b| a.sku.cmp(&b.sku));
        }
        Ok(transfers)
    }

    /// Turns the proposals of `date` into transfers, each store's from the warehouses in code
    /// order (as much as each holds, what the fair share counted): all proposals, or those of
    /// `picks` (location, SKU), each of which must be proposed. A transfer is a commit of its
    /// own; should one fail, those sent stand, and the next proposals count them in transit.
    pub fn approve_replenishment(
        &mut self,
        picks: &[(String, String)],
        date: NaiveDate,
        policy: &Policy,
    ) -> Result<Vec<TransferSent>, StoreError> {
        // The proposals of a day count in transit only what was sent by then: approved after a
        // later transfer, they would send it again.
        refuse_before(&self.conn, "SELECT max(date) FROM p_transfers", date)?;
        let chosen = chosen(self.replenishment(None, date, policy)?, picks)?;
        // What each warehouse holds of each SKU now, taken as the transfers are made.
        let mut held: BTreeMap<(String, String), i64> = BTreeMap::new();
        for place in self.locations()?.iter().filter(|place| place.kind == LocationKind::Warehouse) {
            for level in self.stock_levels(Some(&place.code), None)? {
                held.insert((place.code.clone(), level.sku.clone()), level.on_hand.max(0));
            }
        }
        // (warehouse, store) -> lines, in order.
        let mut orders: BTreeMap<(String, String), Vec<StockLine>> = BTreeMap::new();
        for proposal in chosen {
            let mut wanted = proposal.proposed;
            for ((warehouse, sku), left) in held.iter_mut().filter(|((_, sku), _)| *sku == proposal.sku) {
                let take = wanted.min(*left);
                if take > 0 {
                    *left -= take;
                    wanted -= take;
                    orders
                        .entry((warehouse.clone(), proposal.location.clone()))
                        .or_default()
                        .push(StockLine { sku: sku.clone(), qty: take });
                }
            }
        }
        let mut sent = Vec::new();
        for ((warehouse, store), lines) in orders {
            sent.push(self.send_transfer(&warehouse, &store, date, lines)?);
        }
        Ok(sent)
    }

    /// The proposals on `date` (its end) for every store, or one: each store × SKU that sold or
    /// held stock there in the window; on hand and in transit at the day's end, nothing ordered
    /// or reserved. What all warehouses hold of a SKU is shared fairly when short, among all the
    /// stores that ask for it (one store's proposals are its part of the chain's).
    pub fn replenishment(
        &self,
        location: Option<&str>,
        date: NaiveDate,
        policy: &Policy,
    ) -> Result<Vec<Proposal>, StoreError> {
        if let Some(code) = location {
            // Unknown: refused; a warehouse: no proposals.
            crate::stock::known_location(&self.conn, code)?;
        }
        let (mut out, closing, locations) = self.proposals_of(LocationKind::Store, date, policy)?;
        // What the warehouses hold of each SKU, shared fairly among the stores that ask for it.
        let mut held: BTreeMap<&str, i64> = BTreeMap::new();
        for ((place, sku), on_hand) in &closing {
            let warehouse = locations.iter().any(|known| known.code == *place && known.kind == LocationKind::Warehouse);
            if warehouse {
                *held.entry(sku.as_str()).or_default() += (*on_hand).max(0);
            }
        }
        let mut by_sku: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, proposal) in out.iter().enumerate().filter(|(_, proposal)| proposal.asked > 0) {
            by_sku.entry(proposal.sku.clone()).or_default().push(index);
        }
        for (sku, indexes) in by_sku {
            let asks: Vec<Ask> = indexes
                .iter()
                .map(|index| Ask {
                    location: out[*index].location.clone(),
                    asked: out[*index].asked,
                    rate_milli: out[*index].demand.rate_milli(),
                })
                .collect();
            let shares = fair_share(held.get(sku.as_str()).copied().unwrap_or(0), &asks, policy.pack);
            for (index, share) in indexes.into_iter().zip(shares) {
                out[index].proposed = share;
            }
        }
        out.retain(|proposal| location.is_none_or(|wanted| wanted == proposal.location));
        Ok(out)
    }

    /// The warehouses' proposals on `date` (its end), for every warehouse or one: the demand is
    /// what each sent to the stores on the days it had the SKU, the position counts what is
    /// ordered from suppliers and not delivered; nothing is shared (the supplier is asked for
    /// all). A store named: refused, it orders from the warehouses.
    pub fn purchase_proposals(
        &self,
        location: Option<&str>,
        date: NaiveDate,
        policy: &Policy,
    ) -> Result<Vec<Proposal>, StoreError> {
        if let Some(code) = location {
            warehouse(&self.conn, code)?;
        }
        let (mut out, _, _) = self.proposals_of(LocationKind::Warehouse, date, policy)?;
        out.retain(|proposal| location.is_none_or(|wanted| wanted == proposal.location));
        Ok(out)
    }

    /// The proposals of every location of `kind` as the formula asks them (none shared yet),
    /// with the stock at the date's end of every location, and the locations.
    #[allow(clippy::type_complexity)]
    fn proposals_of(
        &self,
        kind: LocationKind,
        date: NaiveDate,
        policy: &Policy,
    ) -> Result<(Vec<Proposal>, BTreeMap<(String, String), i64>, Vec<rempart_domain::stock::LocationAdded>), StoreError>
    {
        let window = i64::from(policy.window_days.clamp(1, rempart_domain::replenish::DAYS_MAX));
        let first = date - chrono::Days::new(window as u64 - 1);
        let locations = self.locations()?;
        let places: Vec<&str> =
            locations.iter().filter(|place| place.kind == kind).map(|place| place.code.as_str()).collect();
        // On hand at the end of the date: the sums kept now, less what moved after the date
        // (few rows when the date is recent; the day's sales read by date).
        let mut closing: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut levels_now = self.conn.prepare_cached("SELECT location, sku, on_hand FROM p_stock_levels")?;
        for row in levels_now.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get::<_, i64>(2)?)))? {
            let (place, sku, qty) = row?;
            *closing.entry((place, sku)).or_default() += qty;
        }
        let after_text = date_text(date);
        let mut after = self.conn.prepare_cached(
            "SELECT location, sku, sum(qty) FROM (
                 SELECT location, sku, qty FROM p_stock_moves WHERE date > ?1
                 UNION ALL
                 SELECT location, sku, -qty FROM p_sales_items WHERE date > ?1)
             GROUP BY location, sku",
        )?;
        for row in
            after.query_map([&after_text], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get::<_, i64>(2)?)))?
        {
            let (place, sku, qty) = row?;
            *closing.entry((place, sku)).or_default() -= qty;
        }
        let transit = crate::stock::in_transit(&self.conn, None, Some(date))?;
        let ordered = if kind == LocationKind::Warehouse { on_order(&self.conn, date)? } else { BTreeMap::new() };
        // Each day's demand and net movements in the window, per location × SKU: a store's
        // demand is what its tickets sold (`p_sales_items`, not movements of `p_stock_moves`), a warehouse's what
        // it sent out (movements already).
        let mut moves: BTreeMap<(String, String), BTreeMap<NaiveDate, (i64, i64)>> = BTreeMap::new();
        let first_text = date_text(first);
        let date_text_end = date_text(date);
        if kind == LocationKind::Store {
            let sold = daily(
                &self.conn,
                "SELECT location, sku, date, sum(qty) FROM p_sales_items
                 WHERE date BETWEEN ?1 AND ?2 GROUP BY location, sku, date",
                (&first_text, &date_text_end),
            )?;
            for (place, sku, day, qty) in sold {
                let entry = moves.entry((place, sku)).or_default().entry(day).or_default();
                entry.0 = entry.0.saturating_add(qty);
                entry.1 = entry.1.saturating_sub(qty);
            }
        } else {
            let sent = daily(
                &self.conn,
                "SELECT location, sku, date, -sum(qty) FROM p_stock_moves
                 WHERE kind = 'out' AND date BETWEEN ?1 AND ?2 GROUP BY location, sku, date",
                (&first_text, &date_text_end),
            )?;
            for (place, sku, day, qty) in sent {
                let entry = moves.entry((place, sku)).or_default().entry(day).or_default();
                entry.0 = entry.0.saturating_add(qty);
            }
        }
        let other = daily(
            &self.conn,
            "SELECT location, sku, date, sum(qty) FROM p_stock_moves WHERE date BETWEEN ?1 AND ?2
             GROUP BY location, sku, date",
            (&first_text, &date_text_end),
        )?;
        for (place, sku, day, qty) in other {
            let entry = moves.entry((place, sku)).or_default().entry(day).or_default();
            entry.1 = entry.1.saturating_add(qty);
        }
        // On hand at the end of the day before the window: at the date's end, less the window's
        // movements.
        let mut opening = closing.clone();
        for (key, days) in &moves {
            let moved: i64 = days.values().map(|(_, moved)| *moved).fold(0, i64::saturating_add);
            *opening.entry(key.clone()).or_default() -= moved;
        }
        // Every location × SKU that moved in the window or holds stock (or stock on its way, or
        // on order).
        let mut keys: Vec<(String, String)> = moves
            .keys()
            .chain(opening.keys())
            .chain(closing.keys())
            .chain(transit.keys())
            .chain(ordered.keys())
            .cloned()
            .collect();
        keys.sort();
        keys.dedup();
        let mut out = Vec::new();
        for key in keys.into_iter().filter(|(place, _)| places.contains(&place.as_str())) {
            let by_day = moves.get(&key);
            let mut on_hand = opening.get(&key).copied().unwrap_or(0);
            let mut days = Vec::with_capacity(window as usize);
            for offset in 0..window {
                let day = first + chrono::Days::new(offset as u64);
                let (sold, moved) = by_day.and_then(|days| days.get(&day)).copied().unwrap_or((0, 0));
                // In stock: some on hand as the day began, or sold that day.
                days.push(Day { sold, in_stock: on_hand > 0 || sold > 0 });
                on_hand = on_hand.saturating_add(moved);
            }
            let demand = Demand::of(&days);
            let levels = levels(&demand, policy);
            let on_hand = closing.get(&key).copied().unwrap_or(0);
            let in_transit = transit.get(&key).copied().unwrap_or(0);
            let ordered = ordered.get(&key).copied().unwrap_or(0);
            let position = Position { on_hand, in_transit, ordered, reserved: 0 };
            let asked = proposal(&levels, &position, policy.pack);
            out.push(Proposal { location: key.0, sku: key.1, demand, levels, position, asked, proposed: asked });
        }
        Ok((out, closing, locations))
    }
}

/// The rows of `sql`, a sum per location, SKU and day between two days (its `?1` and `?2`).
fn daily(
    conn: &rusqlite::Connection,
    sql: &str,
    (first, last): (&str, &str),
) -> Result<Vec<(String, String, NaiveDate, i64)>, StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(params![first, last], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get::<_, i64>(3)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (place, sku, day, qty) = row?;
        out.push((place, sku, crate::project::stored_date(&day)?, qty));
    }
    Ok(out)
}

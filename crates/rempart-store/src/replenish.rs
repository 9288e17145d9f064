//! Replenishment (issue 22): the proposals for each store × SKU, a pure function of the facts this
//! node holds and a date (`rempart_domain::replenish` for the formula). Nothing is recorded: the
//! same facts and date give the same proposals on any node, whatever order the facts came in.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rempart_domain::replenish::{
    Ask, Day, Demand, Levels, Policy, Position, ReplenishError, fair_share, levels, proposal,
};
use rempart_domain::stock::LocationKind;
use rempart_domain::stock::{StockLine, TransferSent};
use rusqlite::params;

use crate::project::date_text;
use crate::{Store, StoreError};

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

impl From<ReplenishError> for StoreError {
    fn from(error: ReplenishError) -> StoreError {
        StoreError::Replenish(error)
    }
}

impl Store {
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
        let proposals = self.replenishment(None, date, policy)?;
        for (location, sku) in picks {
            if !proposals.iter().any(|p| p.location == *location && p.sku == *sku && p.proposed > 0) {
                return Err(ReplenishError::NotProposed { location: location.clone(), sku: sku.clone() }.into());
            }
        }
        let chosen: Vec<&Proposal> = proposals
            .iter()
            .filter(|p| p.proposed > 0)
            .filter(|p| {
                picks.is_empty() || picks.iter().any(|(location, sku)| p.location == *location && p.sku == *sku)
            })
            .collect();
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
    /// or reserved yet. What all warehouses hold of a SKU is shared fairly when short, among all
    /// the stores that ask for it (one store's proposals are its part of the chain's).
    pub fn replenishment(
        &self,
        location: Option<&str>,
        date: NaiveDate,
        policy: &Policy,
    ) -> Result<Vec<Proposal>, StoreError> {
        let window = i64::from(policy.window_days.clamp(1, rempart_domain::replenish::DAYS_MAX));
        let first = date - chrono::Days::new(window as u64 - 1);
        let locations = self.locations()?;
        // Every store's, then the one asked for: the warehouses' stock is shared among all the
        // stores that ask, whichever is shown.
        let stores: Vec<&str> = locations
            .iter()
            .filter(|place| place.kind == LocationKind::Store)
            .map(|place| place.code.as_str())
            .collect();
        if let Some(code) = location {
            // Unknown: refused; a warehouse: no proposals.
            crate::stock::known_location(&self.conn, code)?;
        }
        // On hand at the end of the date: the sums kept now, less what moved after the date
        // (few rows when the date is recent; the tickets scanned first, by date).
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
                 SELECT t.location, l.sku, -l.qty FROM p_tickets t CROSS JOIN p_ticket_lines l ON l.key = t.key
                 WHERE t.date > ?1)
             GROUP BY location, sku",
        )?;
        for row in
            after.query_map([&after_text], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get::<_, i64>(2)?)))?
        {
            let (place, sku, qty) = row?;
            *closing.entry((place, sku)).or_default() -= qty;
        }
        let transit = crate::stock::in_transit(&self.conn, None, Some(date))?;
        // Each day's net movements and sales in the window, per location × SKU.
        let mut moves: BTreeMap<(String, String), BTreeMap<NaiveDate, (i64, i64)>> = BTreeMap::new();
        let first_text = date_text(first);
        let date_text_end = date_text(date);
        let sold = daily(
            &self.conn,
            "SELECT t.location, l.sku, t.date, sum(l.qty) FROM p_tickets t CROSS JOIN p_ticket_lines l ON l.key = t.key
             WHERE t.date BETWEEN ?1 AND ?2 GROUP BY t.location, l.sku, t.date",
            (&first_text, &date_text_end),
        )?;
        for (place, sku, day, qty) in sold {
            let entry = moves.entry((place, sku)).or_default().entry(day).or_default();
            entry.0 = entry.0.saturating_add(qty);
            entry.1 = entry.1.saturating_sub(qty);
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
        // Every store × SKU that moved in the window or holds stock (or stock on its way).
        let mut keys: Vec<(String, String)> =
            moves.keys().chain(opening.keys()).chain(closing.keys()).chain(transit.keys()).cloned().collect();
        keys.sort();
        keys.dedup();
        let mut out = Vec::new();
        for key in keys.into_iter().filter(|(place, _)| stores.contains(&place.as_str())) {
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
            let position = Position { on_hand, in_transit, ordered: 0, reserved: 0 };
            let asked = proposal(&levels, &position, policy.pack);
            out.push(Proposal { location: key.0, sku: key.1, demand, levels, position, asked, proposed: asked });
        }
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

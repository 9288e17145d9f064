//! Loyalty (issue 21): the program (a register), the cards given to contacts and the points
//! each ticket earned or spent, keyed by that ticket, so the projections commute; a card's
//! balance is computed from what this node holds (`rempart_domain::loyalty::balance`). What a
//! till does with a card (earning, spending up to the balance less the risk limit) is in
//! `tills`, inside the commit that records the ticket.

use chrono::NaiveDate;
use rempart_domain::Fact;
use rempart_domain::loyalty::{Balance, CardIssued, LoyaltyError, PointsKind, PointsMoved, ProgramSet, balance};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Damage, Store, StoreError};

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub const SCHEMA: &str = "
-- The loyalty program: the last set by its stamp, then its device.
CREATE TABLE p_loyalty_program (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at_ms INTEGER NOT NULL,
    node TEXT NOT NULL,
    body TEXT NOT NULL
);
-- Cards by number and the device that gave them (two devices giving one number keep both).
CREATE TABLE p_loyalty_cards (
    card TEXT NOT NULL,
    node TEXT NOT NULL,
    contact TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (card, node)
) WITHOUT ROWID;
-- Points earned or spent, keyed by their kind and ticket.
CREATE TABLE p_loyalty_points (
    id TEXT PRIMARY KEY,
    card TEXT NOT NULL,
    kind TEXT NOT NULL,
    points INTEGER NOT NULL,
    ticket TEXT NOT NULL,
    node TEXT NOT NULL,
    date TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX p_loyalty_points_card ON p_loyalty_points (card);
CREATE INDEX p_loyalty_points_ticket ON p_loyalty_points (node, ticket);
";

impl From<LoyaltyError> for StoreError {
    fn from(error: LoyaltyError) -> StoreError {
        StoreError::Loyalty(error)
    }
}

/// What head office sets: the program's rates, reward, expiry and risk limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramInput {
    pub points_per_unit: u32,
    pub points_per_item: u32,
    pub reward_points: u32,
    pub reward_minor: i64,
    pub expiry_days: u32,
    pub risk_limit: u32,
}

/// A card with its holder and balance, for the loyalty report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRow {
    pub card: String,
    pub contact: String,
    pub name: String,
    pub balance: Balance,
    /// Given by more than one device: the points of two customers may be mixed.
    pub given_twice: bool,
}

pub(crate) fn read_program(conn: &Connection) -> Result<Option<ProgramSet>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM p_loyalty_program WHERE id = 1")?
        .query_row([], |row| row.get(0))
        .optional()?;
    body.map(|body| serde_json::from_str(&body).map_err(|_| Damage::LoyaltyUnreadable.into())).transpose()
}

pub(crate) fn card_known(conn: &Connection, card: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("SELECT 1 FROM p_loyalty_cards WHERE card = ?1")?.exists([card])?)
}

pub(crate) fn card_moves(conn: &Connection, card: &str) -> Result<Vec<PointsMoved>, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT kind, points, ticket, node, date FROM p_loyalty_points WHERE card = ?1")?;
    let rows = statement.query_map([card], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?, row.get(2)?, row.get(3)?, row.get::<_, String>(4)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (kind, points, ticket, node, date) = row?;
        let kind = match kind.as_str() {
            "earn" => PointsKind::Earn,
            "burn" => PointsKind::Burn,
            _ => return Err(Damage::LoyaltyUnreadable.into()),
        };
        let date = date.parse().map_err(|_| Damage::LoyaltyUnreadable)?;
        out.push(PointsMoved { card: card.to_owned(), kind, points, ticket, node, date });
    }
    Ok(out)
}

/// The points a ticket earned on its card, if any.
pub(crate) fn earned_by(conn: &Connection, node: &str, ticket: &str) -> Result<Option<(String, i64)>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT card, points FROM p_loyalty_points WHERE node = ?1 AND ticket = ?2 AND kind = 'earn'")?
        .query_row([node, ticket], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// A card's balance on `on` from what this node holds.
pub(crate) fn card_balance(conn: &Connection, card: &str, on: NaiveDate) -> Result<Balance, StoreError> {
    let expiry = read_program(conn)?.map_or(0, |program| program.expiry_days);
    Ok(balance(&card_moves(conn, card)?, expiry, on))
}

impl Store {
    /// Sets the loyalty program (head office), stamped now by this device.
    pub fn set_loyalty_program(&mut self, input: ProgramInput) -> Result<ProgramSet, StoreError> {
        let program = ProgramSet {
            at_ms: self.now_ms(),
            node: hex::encode(self.node().as_bytes()),
            currency: self.company()?.currency,
            points_per_unit: input.points_per_unit,
            points_per_item: input.points_per_item,
            reward_points: input.reward_points,
            reward_minor: input.reward_minor,
            expiry_days: input.expiry_days,
            risk_limit: input.risk_limit,
        };
        program.check()?;
        self.commit(|commit| commit.record(Fact::ProgramSet(program.clone())))?;
        Ok(program)
    }

    pub fn loyalty_program(&self) -> Result<Option<ProgramSet>, StoreError> {
        read_program(&self.conn)
    }

    /// Gives a contact a card; returns its number.
    pub fn issue_card(&mut self, contact: &str) -> Result<String, StoreError> {
        let contact = contact.trim().to_owned();
        self.contact(&contact)?;
        let node = self.node();
        let hex = hex::encode(node.as_bytes());
        let at_ms = self.now_ms();
        self.commit(|commit| {
            let given: i64 = commit
                .conn
                .prepare_cached("SELECT count(*) FROM p_loyalty_cards WHERE node = ?1")?
                .query_row([&hex], |row| row.get(0))?;
            let sequence = u32::try_from(given + 1).map_err(|_| LoyaltyError::IllFormed)?;
            let card = rempart_domain::loyalty::card_number(node.as_bytes(), sequence);
            let issued = CardIssued { card: card.clone(), contact, node: hex.clone(), at_ms };
            issued.check()?;
            commit.record(Fact::CardIssued(issued))?;
            Ok(card)
        })
    }

    /// A card's balance on `on`, from what this node holds.
    pub fn card_balance(&self, card: &str, on: NaiveDate) -> Result<Balance, StoreError> {
        let card = card.trim();
        if !card_known(&self.conn, card)? {
            return Err(LoyaltyError::UnknownCard { card: card.to_owned() }.into());
        }
        card_balance(&self.conn, card, on)
    }

    /// Every card with its holder and balance on `on`: what the company owes in points.
    pub fn loyalty_cards(&self, on: NaiveDate) -> Result<Vec<CardRow>, StoreError> {
        let rows: Vec<(String, String, i64)> = self
            .conn
            .prepare("SELECT card, min(contact), count(*) FROM p_loyalty_cards GROUP BY card ORDER BY card")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for (card, contact, givers) in rows {
            let name = self.contact(&contact).ok().and_then(|fields| fields.get("name").cloned()).unwrap_or_default();
            let balance = card_balance(&self.conn, &card, on)?;
            out.push(CardRow { card, contact, name, balance, given_twice: givers > 1 });
        }
        Ok(out)
    }
}

pub(crate) fn project_program(conn: &Connection, program: &ProgramSet) -> Result<(), StoreError> {
    if program.check().is_err() {
        return Ok(());
    }
    let body = serde_json::to_string(program).map_err(|_| Damage::LoyaltyUnreadable)?;
    conn.prepare_cached(
        "INSERT INTO p_loyalty_program (id, at_ms, node, body) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms, node = excluded.node, body = excluded.body
         WHERE (excluded.at_ms, excluded.node) > (p_loyalty_program.at_ms, p_loyalty_program.node)",
    )?
    .execute(params![program.at_ms as i64, program.node, body])?;
    Ok(())
}

pub(crate) fn project_card(conn: &Connection, card: &CardIssued) -> Result<(), StoreError> {
    if card.check().is_err() {
        return Ok(());
    }
    conn.prepare_cached("INSERT OR IGNORE INTO p_loyalty_cards (card, node, contact, at_ms) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![card.card, card.node, card.contact, card.at_ms as i64])?;
    Ok(())
}

pub(crate) fn project_points(conn: &Connection, moved: &PointsMoved) -> Result<(), StoreError> {
    if moved.check().is_err() {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT OR IGNORE INTO p_loyalty_points (id, card, kind, points, ticket, node, date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        moved.id(),
        moved.card,
        moved.kind.as_str(),
        moved.points,
        moved.ticket,
        moved.node,
        moved.date.to_string()
    ])?;
    Ok(())
}

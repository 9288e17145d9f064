//! Loyalty (issue 21): the program (a register), the cards given to contacts and the points
//! each ticket earned or spent, keyed by that ticket, so the projections commute; a card's
//! balance is computed from what this node holds (`rempart_domain::loyalty::balance`). What a
//! till does with a card (earning, spending up to the balance less the risk limit) is in
//! `tills`, inside the commit that records the ticket.

use chrono::NaiveDate;
use rempart_domain::Fact;
use std::collections::BTreeMap;

use rempart_domain::loyalty::{
    Balance, CardIssued, LoyaltyError, Movement, PointsKind, PointsMoved, ProgramSet, Returned, RewardKind,
    TicketBasis, VoucherIssued, balance, balance_through, statement,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Damage, Store, StoreError};

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub const SCHEMA: &str = "
-- Every loyalty program head office set, by its stamp and device: the last holds, and the
-- points earned under an earlier one are checked against it.
CREATE TABLE p_loyalty_program (
    at_ms INTEGER NOT NULL,
    node TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (at_ms, node)
) WITHOUT ROWID;
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
    date TEXT NOT NULL,
    program INTEGER NOT NULL,
    of_items INTEGER NOT NULL,
    expires TEXT,
    basis_total INTEGER NOT NULL,
    basis_items INTEGER NOT NULL
) WITHOUT ROWID;
-- Vouchers given for points, by number and the device that gave them.
CREATE TABLE p_loyalty_vouchers (
    voucher TEXT NOT NULL,
    node TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (voucher, node)
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
    pub reward_kind: RewardKind,
    pub voucher_days: u32,
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

/// The program in force: the last set.
pub(crate) fn read_program(conn: &Connection) -> Result<Option<ProgramSet>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM p_loyalty_program ORDER BY at_ms DESC, node DESC LIMIT 1")?
        .query_row([], |row| row.get(0))
        .optional()?;
    body.map(|body| serde_json::from_str(&body).map_err(|_| Damage::LoyaltyUnreadable.into())).transpose()
}

/// What the ticket `number` of device `node` gives to check the points it moved, if held.
pub(crate) fn ticket_basis(conn: &Connection, node: &str, number: &str) -> Result<Option<TicketBasis>, StoreError> {
    let Some(sequence) = crate::tills::held_ticket(conn, node, number)? else { return Ok(None) };
    type Row = (String, Option<String>, Option<String>, i64, i64, i64);
    let (date, returns, card, total_minor, items, discount_minor): Row = conn
        .prepare_cached(
            "SELECT date, returns, card, total_minor, items, discount_minor FROM p_tickets
             WHERE node = ?1 AND sequence = ?2",
        )?
        .query_row(params![node, sequence as i64], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?))
        })?;
    Ok(Some(TicketBasis {
        card,
        date: date.parse().map_err(|_| Damage::LoyaltyUnreadable)?,
        total_minor,
        items,
        discount_minor,
        returns: returns.is_some(),
    }))
}

/// Whether points of this id are held.
pub(crate) fn points_held(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("SELECT 1 FROM p_loyalty_points WHERE id = ?1")?.exists([id])?)
}

/// The highest program stamp the points of device `node` named, if any.
pub(crate) fn last_program_named(conn: &Connection, node: &str) -> Result<Option<u64>, StoreError> {
    let last: Option<i64> = conn
        .prepare_cached("SELECT max(program) FROM p_loyalty_points WHERE node = ?1")?
        .query_row([node], |row| row.get(0))?;
    Ok(last.map(|at_ms| at_ms as u64))
}

/// Every program held, by stamp (the first by device where two share one).
pub(crate) fn held_programs(conn: &Connection) -> Result<BTreeMap<u64, ProgramSet>, StoreError> {
    let mut out = BTreeMap::new();
    let mut statement = conn.prepare_cached("SELECT body FROM p_loyalty_program ORDER BY at_ms, node")?;
    for body in statement.query_map([], |row| row.get::<_, String>(0))? {
        let program: ProgramSet = serde_json::from_str(&body?).map_err(|_| Damage::LoyaltyUnreadable)?;
        out.entry(program.at_ms).or_insert(program);
    }
    Ok(out)
}

/// The return tickets of the sales card `card` earned on, whatever card they name.
pub(crate) fn card_returns(conn: &Connection, card: &str) -> Result<Vec<Returned>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT t.number, t.node, t.returns, t.returns_node, t.date, t.total_minor, t.items
         FROM p_loyalty_points p
         JOIN p_tickets t ON t.returns = p.ticket AND t.returns_node = p.node
         WHERE p.card = ?1 AND p.kind = 'earn' GROUP BY t.node, t.sequence",
    )?;
    let rows = statement.query_map([card], |row| {
        Ok(((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?), (row.get::<_, String>(4)?, row.get(5)?, row.get(6)?)))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let ((ticket, node, original, original_node), (date, total_minor, items)) = row?;
        let date = date.parse().map_err(|_| Damage::LoyaltyUnreadable)?;
        out.push(Returned { ticket, node, original, original_node, date, total_minor, items });
    }
    Ok(out)
}

pub(crate) fn card_known(conn: &Connection, card: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("SELECT 1 FROM p_loyalty_cards WHERE card = ?1")?.exists([card])?)
}

pub(crate) fn card_moves(conn: &Connection, card: &str) -> Result<Vec<PointsMoved>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT kind, points, ticket, node, date, program, of_items, expires, basis_total, basis_items
         FROM p_loyalty_points WHERE card = ?1",
    )?;
    let rows = statement.query_map([card], |row| {
        Ok((
            (row.get::<_, String>(0)?, row.get::<_, i64>(1)?, row.get(2)?, row.get(3)?, row.get::<_, String>(4)?),
            (row.get::<_, i64>(5)?, row.get::<_, i64>(6)?, row.get::<_, Option<String>>(7)?, row.get(8)?, row.get(9)?),
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let ((kind, points, ticket, node, date), (program, of_items, expires, basis_total, basis_items)) = row?;
        let kind = match kind.as_str() {
            "earn" => PointsKind::Earn,
            "burn" => PointsKind::Burn,
            "voucher" => PointsKind::Voucher,
            _ => return Err(Damage::LoyaltyUnreadable.into()),
        };
        let date = date.parse().map_err(|_| Damage::LoyaltyUnreadable)?;
        let expires = expires.map(|day| day.parse()).transpose().map_err(|_| Damage::LoyaltyUnreadable)?;
        out.push(PointsMoved {
            card: card.to_owned(),
            kind,
            points,
            ticket,
            node,
            date,
            program: program as u64,
            of_items,
            expires,
            basis_total,
            basis_items,
        });
    }
    Ok(out)
}

/// A card's balance on `on` from what this node holds.
pub(crate) fn card_balance(conn: &Connection, card: &str, on: NaiveDate) -> Result<Balance, StoreError> {
    let moves = card_moves(conn, card)?;
    Ok(balance(&moves, &card_returns(conn, card)?, &held_programs(conn)?, on))
}

/// What a card may spend on `on` as this node knows it: its balance counting every movement
/// held, even those dated later (a ticket dated back, or a till whose clock is ahead, does not
/// hide spending from the check).
pub(crate) fn spendable(conn: &Connection, card: &str, on: NaiveDate) -> Result<Balance, StoreError> {
    let moves = card_moves(conn, card)?;
    let returned = card_returns(conn, card)?;
    let last =
        moves.iter().map(|moved| moved.date).chain(returned.iter().map(|back| back.date)).fold(on, NaiveDate::max);
    Ok(balance_through(&moves, &returned, &held_programs(conn)?, (on, last)))
}

/// The next of a device's numbers that no device gave yet, after the `given` it gave: `make`
/// numbers a count, `taken` says whether a number is held; none past the range's end (the error
/// then), so a number never wraps onto one given.
fn next_number(
    given: i64,
    (last, exhausted): (u32, LoyaltyError),
    make: impl Fn(u32) -> String,
    taken: impl Fn(&str) -> Result<bool, StoreError>,
) -> Result<String, StoreError> {
    let mut sequence = u32::try_from(given + 1).map_err(|_| exhausted.clone())?;
    loop {
        if sequence > last {
            return Err(exhausted.into());
        }
        let number = make(sequence);
        if !taken(&number)? {
            return Ok(number);
        }
        sequence += 1;
    }
}

/// Checks that `card` may spend `points` on `date` here: at most its balance as this node knows
/// it (`spendable`) less the program's risk limit.
pub(crate) fn check_spend(
    conn: &Connection,
    card: &str,
    points: i64,
    program: &ProgramSet,
    date: NaiveDate,
) -> Result<(), StoreError> {
    let allowed = spendable(conn, card, date)?.points.saturating_sub(i64::from(program.risk_limit)).max(0);
    if points > allowed {
        return Err(LoyaltyError::BeyondRiskLimit { card: card.to_owned(), points, allowed }.into());
    }
    Ok(())
}

impl Store {
    /// Sets the loyalty program, stamped now by this device: head office's (the device that
    /// created the company), as every other node takes in no other's.
    pub fn set_loyalty_program(&mut self, input: ProgramInput) -> Result<ProgramSet, StoreError> {
        if !self.is_head_office() {
            return Err(LoyaltyError::NotHeadOffice.into());
        }
        let program = ProgramSet {
            at_ms: 0,
            node: hex::encode(self.node().as_bytes()),
            currency: self.company()?.currency,
            points_per_unit: input.points_per_unit,
            points_per_item: input.points_per_item,
            reward_points: input.reward_points,
            reward_minor: input.reward_minor,
            expiry_days: input.expiry_days,
            risk_limit: input.risk_limit,
            reward_kind: input.reward_kind,
            voucher_days: input.voucher_days,
        };
        program.check()?;
        self.commit(|commit| {
            // Stamped as its event will be (`Commit::record` ticks the same clock): never later.
            let program = ProgramSet { at_ms: commit.next_stamp_ms(), ..program };
            commit.record(Fact::ProgramSet(program.clone()))?;
            Ok(program)
        })
    }

    /// Whether this device is head office: the one that created the company, which alone sets
    /// the loyalty program.
    pub fn is_head_office(&self) -> bool {
        self.journal_series.is_none()
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
            // Five digits of the device's id leave two devices a small chance of sharing a range.
            let card = next_number(
                given,
                (rempart_domain::loyalty::CARDS_PER_DEVICE, LoyaltyError::CardsExhausted),
                |sequence| rempart_domain::loyalty::card_number(node.as_bytes(), sequence),
                |card| card_known(commit.conn, card),
            )?;
            let issued = CardIssued { card: card.clone(), contact, node: hex.clone(), at_ms };
            issued.check()?;
            commit.record(Fact::CardIssued(issued))?;
            Ok(card)
        })
    }

    /// Gives the holder of `card` a voucher for `points` (whole rewards of a program whose rewards
    /// are vouchers), dated `date`: at most the card's balance as this device knows it less the
    /// risk limit, as a till lets points be spent. The points leave the card as the voucher is
    /// given; the voucher's worth is a deduction from sales owed to the customer until paid with
    /// (the closure's vouchers account), posted in the same commit.
    pub fn give_voucher(&mut self, card: &str, points: i64, date: NaiveDate) -> Result<VoucherIssued, StoreError> {
        let card: String = card.chars().filter(|c| !c.is_whitespace()).collect();
        if !rempart_domain::loyalty::card_valid(&card) {
            return Err(LoyaltyError::BadCard { card }.into());
        }
        let node = self.node();
        let hex = hex::encode(node.as_bytes());
        let company = self.company()?.clone();
        let at_ms = self.now_ms();
        let secret = u32::from_le_bytes(self.random_bytes::<4>()) % 100_000;
        self.commit(|commit| {
            if !card_known(commit.conn, &card)? {
                return Err(LoyaltyError::UnknownCard { card }.into());
            }
            let program = read_program(commit.conn)?.ok_or(LoyaltyError::NoProgram)?;
            if program.reward_kind != RewardKind::Voucher {
                return Err(LoyaltyError::OtherReward { kind: program.reward_kind }.into());
            }
            let value_minor = program.reward_value(points)?;
            check_spend(commit.conn, &card, points, &program, date)?;
            let given: i64 = commit
                .conn
                .prepare_cached("SELECT count(*) FROM p_loyalty_vouchers WHERE node = ?1")?
                .query_row([&hex], |row| row.get(0))?;
            let number = next_number(
                given,
                (rempart_domain::loyalty::VOUCHERS_PER_DEVICE, LoyaltyError::VouchersExhausted),
                |sequence| rempart_domain::loyalty::voucher_number(node.as_bytes(), sequence, secret),
                |number| Ok(read_voucher(commit.conn, number)?.is_some()),
            )?;
            let voucher = VoucherIssued {
                voucher: number,
                node: hex.clone(),
                card,
                points,
                value_minor,
                currency: company.currency,
                date,
                until: program.voucher_until(date),
                program: program.at_ms,
            };
            voucher.check()?;
            commit.record(Fact::VoucherIssued(voucher.clone()))?;
            let accounts = crate::closures::till_accounts(company.country);
            let posting = |account: &str, amount_minor: i64| rempart_domain::Posting {
                account: account.to_owned(),
                amount_minor,
                currency: company.currency,
                vat_code: None,
            };
            let short: String = hex.chars().take(8).collect();
            let entry = commit.state.build_entry(
                format!("LV-{}-{short}", voucher.voucher),
                crate::closures::CLOSURE_JOURNAL,
                date,
                crate::date_of_ms(at_ms),
                format!("LV {} {}", voucher.voucher, voucher.card),
                vec![posting(accounts.rewards, value_minor), posting(accounts.vouchers, -value_minor)],
            )?;
            commit.record(Fact::EntryPosted(entry))?;
            Ok(voucher)
        })
    }

    /// A loyalty voucher by its number, with its worth and what tickets held paid with it.
    pub fn loyalty_voucher(&self, number: &str) -> Result<Option<VoucherRow>, StoreError> {
        let number: String = number.chars().filter(|c| !c.is_whitespace()).collect();
        let Some(voucher) = read_voucher(&self.conn, &number)? else { return Ok(None) };
        let used_minor = voucher_used(&self.conn, &voucher.voucher)?;
        Ok(Some(VoucherRow { worth_minor: voucher.worth_under(&held_programs(&self.conn)?), used_minor, voucher }))
    }

    /// Every loyalty voucher held, with its worth and what tickets held paid with it, by number.
    pub fn loyalty_vouchers(&self) -> Result<Vec<VoucherRow>, StoreError> {
        let programs = held_programs(&self.conn)?;
        let bodies: Vec<String> = self
            .conn
            .prepare("SELECT body FROM p_loyalty_vouchers ORDER BY voucher, node")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for body in bodies {
            let voucher: VoucherIssued = serde_json::from_str(&body).map_err(|_| Damage::LoyaltyUnreadable)?;
            let used_minor = voucher_used(&self.conn, &voucher.voucher)?;
            out.push(VoucherRow { worth_minor: voucher.worth_under(&programs), used_minor, voucher });
        }
        Ok(out)
    }

    /// A card's balance on `on`, from what this node holds.
    pub fn card_balance(&self, card: &str, on: NaiveDate) -> Result<Balance, StoreError> {
        let card = card.trim();
        if !card_known(&self.conn, card)? {
            return Err(LoyaltyError::UnknownCard { card: card.to_owned() }.into());
        }
        card_balance(&self.conn, card, on)
    }

    /// A card's points ledger on `on`, from what this node holds: its balance and every line that
    /// moved it, each with the ticket that caused it (`rempart_domain::loyalty::statement`).
    pub fn card_statement(&self, card: &str, on: NaiveDate) -> Result<(Balance, Vec<Movement>), StoreError> {
        let card = card.trim();
        if !card_known(&self.conn, card)? {
            return Err(LoyaltyError::UnknownCard { card: card.to_owned() }.into());
        }
        let moves = card_moves(&self.conn, card)?;
        Ok(statement(&moves, &card_returns(&self.conn, card)?, &held_programs(&self.conn)?, on))
    }

    /// Every card with its holder and balance on `on`: what the company owes in points.
    pub fn loyalty_cards(&self, on: NaiveDate) -> Result<Vec<CardRow>, StoreError> {
        let rows: Vec<(String, String, i64)> = self
            .conn
            .prepare("SELECT card, min(contact), count(*) FROM p_loyalty_cards GROUP BY card ORDER BY card")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let programs = held_programs(&self.conn)?;
        let mut out = Vec::new();
        for (card, contact, givers) in rows {
            let name = self.contact(&contact).ok().and_then(|fields| fields.get("name").cloned()).unwrap_or_default();
            let moves = card_moves(&self.conn, &card)?;
            let balance = balance(&moves, &card_returns(&self.conn, &card)?, &programs, on);
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
    conn.prepare_cached("INSERT OR IGNORE INTO p_loyalty_program (at_ms, node, body) VALUES (?1, ?2, ?3)")?
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

pub(crate) fn project_voucher(conn: &Connection, voucher: &VoucherIssued) -> Result<(), StoreError> {
    if voucher.check().is_err() {
        return Ok(());
    }
    let body = serde_json::to_string(voucher).map_err(|_| Damage::LoyaltyUnreadable)?;
    let inserted = conn
        .prepare_cached("INSERT OR IGNORE INTO p_loyalty_vouchers (voucher, node, body) VALUES (?1, ?2, ?3)")?
        .execute(params![voucher.voucher, voucher.node, body])?;
    if inserted == 1 {
        project_points(conn, &voucher.spent())?;
    }
    Ok(())
}

/// The voucher numbered `voucher` (of two devices giving one number, the first by device).
pub(crate) fn read_voucher(conn: &Connection, voucher: &str) -> Result<Option<VoucherIssued>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM p_loyalty_vouchers WHERE voucher = ?1 ORDER BY node LIMIT 1")?
        .query_row([voucher], |row| row.get(0))
        .optional()?;
    body.map(|body| serde_json::from_str(&body).map_err(|_| Damage::LoyaltyUnreadable.into())).transpose()
}

/// What tickets held paid with voucher `voucher`, in all: what sales paid with it, less what
/// returns put back onto it, each return's part counted only up to what its original paid with
/// it (a return naming a sale not held, or one that paid less, gives back no more).
pub(crate) fn voucher_used(conn: &Connection, voucher: &str) -> Result<i64, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT t.number, t.node, t.returns, t.returns_node, v.amount_minor
         FROM p_ticket_vouchers v JOIN p_tickets t ON t.node = v.node AND t.sequence = v.sequence
         WHERE v.voucher = ?1",
    )?;
    type Row = (String, String, Option<String>, Option<String>, i64);
    let rows: Vec<Row> = statement
        .query_map([voucher], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)))?
        .collect::<Result<_, _>>()?;
    // By sale (number, device): what it paid with the voucher, and what its returns put back.
    let mut by_sale: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for (number, node, returns, returns_node, amount) in rows {
        match (returns, returns_node) {
            (Some(original), Some(original_node)) => {
                let back = &mut by_sale.entry((original, original_node)).or_default().1;
                *back = back.saturating_add(amount.saturating_neg().max(0));
            }
            _ => {
                let paid = &mut by_sale.entry((number, node)).or_default().0;
                *paid = paid.saturating_add(amount.max(0));
            }
        }
    }
    Ok(by_sale.values().map(|(paid, back)| paid - back.min(paid)).fold(0i64, i64::saturating_add))
}

/// Checks that a ticket of `date` may pay `asked` with loyalty voucher `voucher`, as this node
/// knows it: a voucher it holds, worth something under the programs it holds, not ended, with
/// that much left after the tickets it holds that paid with it. Another till may have paid with
/// it meanwhile: the vouchers report lists those paid with beyond their worth.
pub(crate) fn check_voucher_payment(
    conn: &Connection,
    voucher: &str,
    asked: i64,
    date: NaiveDate,
) -> Result<(), StoreError> {
    let unknown = || LoyaltyError::UnknownVoucher { voucher: voucher.chars().take(32).collect() };
    if !rempart_domain::loyalty::voucher_valid(voucher) {
        return Err(unknown().into());
    }
    let issued = read_voucher(conn, voucher)?.ok_or_else(unknown)?;
    let worth = issued.worth_under(&held_programs(conn)?);
    if worth == 0 {
        return Err(unknown().into());
    }
    if let Some(until) = issued.until.filter(|until| *until < date) {
        return Err(LoyaltyError::VoucherEnded { voucher: voucher.to_owned(), until }.into());
    }
    let left = worth.saturating_sub(voucher_used(conn, voucher)?);
    if asked > left {
        return Err(LoyaltyError::VoucherSpent {
            voucher: voucher.to_owned(),
            left_minor: left.max(0),
            asked_minor: asked,
            currency: issued.currency,
        }
        .into());
    }
    Ok(())
}

/// A voucher with what it is worth here and what tickets held paid with it, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherRow {
    pub voucher: VoucherIssued,
    /// Under the programs held (nothing where its program is not held or gives no such voucher).
    pub worth_minor: i64,
    pub used_minor: i64,
}

impl VoucherRow {
    /// What it may still pay on `on`: nothing once ended.
    pub fn open_minor(&self, on: NaiveDate) -> i64 {
        if self.voucher.until.is_some_and(|until| until < on) {
            return 0;
        }
        self.worth_minor.saturating_sub(self.used_minor).max(0)
    }

    /// Paid with beyond its worth (two tills, each offline, taking it).
    pub fn overspent(&self) -> bool {
        self.used_minor > self.worth_minor
    }
}

pub(crate) fn project_points(conn: &Connection, moved: &PointsMoved) -> Result<(), StoreError> {
    if moved.check().is_err() {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT OR IGNORE INTO p_loyalty_points
             (id, card, kind, points, ticket, node, date, program, of_items, expires, basis_total, basis_items)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        moved.id(),
        moved.card,
        moved.kind.as_str(),
        moved.points,
        moved.ticket,
        moved.node,
        moved.date.to_string(),
        moved.program as i64,
        moved.of_items,
        moved.expires.map(|day| day.to_string()),
        moved.basis_total,
        moved.basis_items
    ])?;
    Ok(())
}

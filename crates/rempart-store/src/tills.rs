//! Tills (issue 21): binding this device to a store as a till, its cash sessions, and its
//! tickets, numbered in the till's own gapless series inside the commit that records them (so
//! the number is durable before anyone sees it); sales take stock out of the store, returns put
//! it back. Projected keyed by ticket number and drawer movement id, so tickets from every till
//! add up in any order.

use chrono::NaiveDate;
use rempart_domain::stock::{LocationKind, StockError};
use rempart_domain::tills::{
    Drawer, Method, Tender, TicketLine, TicketRecorded, TillBound, TillCash, TillError, ticket_key, ticket_number,
};
use rempart_domain::{Currency, Fact, LedgerState};
use rusqlite::{Connection, OptionalExtension, params};

use crate::commit::Commit;
use crate::project::{date_text, stored_currency};
use crate::{Damage, Store, StoreError};

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub const SCHEMA: &str = "
-- Each device bound as a till (node id, hex; its first binding): its code and its store. Two
-- devices given one code apart are both kept (their tickets are keyed by device too).
CREATE TABLE p_tills (
    node TEXT PRIMARY KEY,
    till TEXT NOT NULL,
    location TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX p_tills_till ON p_tills (till);

-- The last ticket number each till device gave.
CREATE TABLE p_till_series (
    node TEXT PRIMARY KEY,
    last INTEGER NOT NULL
) WITHOUT ROWID;

-- Tickets, their lines and their payments, by key (`ticket_key`: number and device).
CREATE TABLE p_tickets (
    key TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    node TEXT NOT NULL,
    till TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    session TEXT NOT NULL,
    location TEXT NOT NULL,
    date TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    currency TEXT NOT NULL,
    total_minor INTEGER NOT NULL,
    change_minor INTEGER NOT NULL,
    returns TEXT,
    returns_node TEXT,
    card TEXT,
    rounding_minor INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX p_tickets_card ON p_tickets (card) WHERE card IS NOT NULL;
CREATE INDEX p_tickets_returns ON p_tickets (returns, returns_node) WHERE returns IS NOT NULL;
CREATE INDEX p_tickets_session ON p_tickets (node, session);
CREATE INDEX p_tickets_series ON p_tickets (node, sequence);
CREATE TABLE p_ticket_lines (
    key TEXT NOT NULL,
    line INTEGER NOT NULL,
    sku TEXT NOT NULL,
    label TEXT NOT NULL,
    qty INTEGER NOT NULL,
    unit_price_minor INTEGER NOT NULL,
    discount_minor INTEGER NOT NULL,
    gross_minor INTEGER NOT NULL,
    vat_code TEXT NOT NULL,
    vat_rate_bp INTEGER NOT NULL,
    account TEXT NOT NULL,
    PRIMARY KEY (key, line)
) WITHOUT ROWID;
CREATE TABLE p_ticket_payments (
    key TEXT NOT NULL,
    line INTEGER NOT NULL,
    method TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    voucher TEXT,
    PRIMARY KEY (key, line)
) WITHOUT ROWID;

-- The cash drawers' movements, by id, within their sessions.
CREATE TABLE p_till_cash (
    id TEXT PRIMARY KEY,
    node TEXT NOT NULL,
    till TEXT NOT NULL,
    session TEXT NOT NULL,
    date TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    expected_minor INTEGER,
    reason TEXT
) WITHOUT ROWID;
CREATE INDEX p_till_cash_session ON p_till_cash (node, session);
-- What each voucher paid (few tickets pay with one).
CREATE INDEX p_ticket_payments_voucher ON p_ticket_payments (voucher) WHERE voucher IS NOT NULL;
";

impl From<TillError> for StoreError {
    fn from(error: TillError) -> StoreError {
        StoreError::Till(error)
    }
}

/// This device as a till.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Till {
    pub node: String,
    pub till: String,
    pub location: String,
}

/// A line of a ticket as the cashier gives it: a SKU or its barcode, a quantity, and a price
/// (VAT included) when it is not the catalogue's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleLine {
    pub code: String,
    pub qty: i64,
    pub price_minor: Option<i64>,
}

/// A discount on a whole ticket, shared among its lines by their amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    /// In hundredths of a percent.
    Percent(u32),
    Amount(i64),
}

/// A closed session: what the drawer should hold, what was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closing {
    pub expected_minor: i64,
    pub counted_minor: i64,
}

impl Closing {
    pub fn difference_minor(&self) -> i64 {
        self.counted_minor - self.expected_minor
    }
}

/// The catalogue price of a SKU VAT included: the item's net price with the VAT of its code in
/// force on `date`, rounded half away from zero.
fn shelf_price(state: &LedgerState, item: &ItemRow, date: NaiveDate) -> Result<(i64, u32), StoreError> {
    let vat = state
        .vat_codes
        .get(&item.vat_code)
        .filter(|vat| vat.in_force_on(date))
        .ok_or_else(|| TillError::NoRate { item: item.code.clone(), date })?;
    let net = i128::from(item.price_minor);
    let gross = net + (net * i128::from(vat.rate_bp) + 5_000) / 10_000;
    Ok((i64::try_from(gross).map_err(|_| TillError::BadPrice { sku: item.code.clone() })?, vat.rate_bp))
}

struct ItemRow {
    sku: String,
    code: String,
    label: String,
    price_minor: i64,
    vat_code: String,
    account: String,
}

/// The SKU a code names (its own code, or its barcode) with its item.
fn item_of(conn: &Connection, code: &str) -> Result<ItemRow, StoreError> {
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    conn.prepare_cached(
        "SELECT s.sku, i.code, i.label, i.price_minor, i.vat_code, i.account
         FROM p_skus s JOIN p_items i ON i.code = s.item WHERE s.sku = ?1 OR s.barcode = ?2 LIMIT 1",
    )?
    .query_row(params![code, compact], |row| {
        Ok(ItemRow {
            sku: row.get(0)?,
            code: row.get(1)?,
            label: row.get(2)?,
            price_minor: row.get(3)?,
            vat_code: row.get(4)?,
            account: row.get(5)?,
        })
    })
    .optional()?
    .ok_or_else(|| TillError::UnknownCode { code: code.to_owned() }.into())
}

impl Store {
    /// Binds this device as till `till` of a store.
    pub fn bind_till(&mut self, till: &str, location: &str) -> Result<TillBound, StoreError> {
        let bound = TillBound {
            till: till.to_owned(),
            location: location.to_owned(),
            node: hex::encode(self.node().as_bytes()),
        };
        bound.check()?;
        self.commit(|commit| {
            if let Some((mine, _)) = commit.state.tills.get(&bound.node) {
                return Err(TillError::AlreadyATill { till: mine.clone() }.into());
            }
            if commit.state.tills.values().any(|(till, _)| *till == bound.till) {
                return Err(TillError::TillExists { till: bound.till.clone() }.into());
            }
            let kind: Option<String> = commit
                .conn
                .prepare_cached("SELECT kind FROM p_locations WHERE code = ?1")?
                .query_row([&bound.location], |row| row.get(0))
                .optional()?;
            match kind.as_deref().map(LocationKind::parse) {
                None => return Err(StockError::UnknownLocation { code: bound.location.clone() }.into()),
                Some(Ok(LocationKind::Store)) => {}
                Some(_) => {
                    return Err(
                        TillError::NotAStore { till: bound.till.clone(), location: bound.location.clone() }.into()
                    );
                }
            }
            commit.record(Fact::TillBound(bound.clone()))?;
            Ok(bound)
        })
    }

    /// This device as a till, if it is one.
    pub fn this_till(&self) -> Result<Option<Till>, StoreError> {
        till_of_node(&self.conn, &hex::encode(self.node().as_bytes()))
    }

    /// Opens a cash session with the float counted into the drawer; returns its id.
    pub fn open_session(&mut self, float_minor: i64, date: NaiveDate) -> Result<String, StoreError> {
        let till = self.this_till()?.ok_or(TillError::NotATill)?;
        let session = format!("S-{}", hex::encode_upper(self.random_bytes::<5>()));
        let cash = self.drawer(&till, &session, date, Drawer::Opened { float_minor })?;
        self.commit(|commit| {
            if open_session(commit.conn, &till.node)?.is_some() {
                return Err(TillError::SessionOpen.into());
            }
            commit.record(Fact::TillCash(cash))
        })?;
        Ok(session)
    }

    /// Puts cash into the drawer (positive) or takes it out (negative), with a reason.
    pub fn move_cash(&mut self, amount_minor: i64, reason: &str, date: NaiveDate) -> Result<(), StoreError> {
        let till = self.this_till()?.ok_or(TillError::NotATill)?;
        let session = open_session(&self.conn, &till.node)?.ok_or(TillError::NoSession)?;
        let cash =
            self.drawer(&till, &session, date, Drawer::Moved { amount_minor, reason: reason.trim().to_owned() })?;
        self.commit(|commit| commit.record(Fact::TillCash(cash)))
    }

    /// What the drawer of this till's open session should hold now (the float, cash put in or
    /// taken out, cash taken on its tickets less the change given), as the closing compares.
    pub fn drawer_expected(&self) -> Result<i64, StoreError> {
        let till = self.this_till()?.ok_or(TillError::NotATill)?;
        let session = open_session(&self.conn, &till.node)?.ok_or(TillError::NoSession)?;
        expected_cash(&self.conn, &till.node, &session)
    }

    /// Closes the open session with what was counted in the drawer; the difference from what it
    /// should hold (the float, cash taken less change given, cash put in or taken out) is kept.
    pub fn close_session(&mut self, counted_minor: i64, date: NaiveDate) -> Result<Closing, StoreError> {
        let till = self.this_till()?.ok_or(TillError::NotATill)?;
        let id = format!("D-{}", hex::encode_upper(self.random_bytes::<5>()));
        let at_ms = self.now_ms();
        let currency = self.company()?.currency;
        self.commit(|commit| {
            let session = open_session(commit.conn, &till.node)?.ok_or(TillError::NoSession)?;
            let expected_minor = expected_cash(commit.conn, &till.node, &session)?;
            let drawer = Drawer::Closed { counted_minor, expected_minor };
            let cash = TillCash {
                id,
                node: till.node.clone(),
                till: till.till.clone(),
                session,
                date,
                at_ms,
                currency,
                drawer,
            };
            cash.check()?;
            commit.record(Fact::TillCash(cash))?;
            Ok(Closing { expected_minor, counted_minor })
        })
    }

    fn drawer(&self, till: &Till, session: &str, date: NaiveDate, drawer: Drawer) -> Result<TillCash, StoreError> {
        let cash = TillCash {
            id: format!("D-{}", hex::encode_upper(self.random_bytes::<5>())),
            node: till.node.clone(),
            till: till.till.clone(),
            session: session.to_owned(),
            date,
            at_ms: self.now_ms(),
            currency: self.company()?.currency,
            drawer,
        };
        cash.check()?;
        Ok(cash)
    }

    /// Sells: the lines at their shelf prices (or those given), a discount on the whole ticket,
    /// paid by `payments` with the change computed from cash. The ticket takes the next number of
    /// this till's series inside the commit that records it: when this returns, it is durable.
    pub fn sell(
        &mut self,
        lines: &[SaleLine],
        discount: Option<Discount>,
        payments: Vec<Tender>,
        card: Option<String>,
        date: NaiveDate,
    ) -> Result<TicketRecorded, StoreError> {
        self.sell_spending(lines, discount, payments, card, 0, date)
    }

    /// Sells as `sell` does, the customer spending `points` of their card (whole rewards, taken
    /// off the ticket as an amount): at most the card's balance as this till knows it, less the
    /// program's risk limit. A ticket with a card earns its points at the program's rates on
    /// what it comes to; the points earned and spent are recorded with the ticket, keyed by it.
    pub fn sell_spending(
        &mut self,
        lines: &[SaleLine],
        discount: Option<Discount>,
        payments: Vec<Tender>,
        card: Option<String>,
        points: i64,
        date: NaiveDate,
    ) -> Result<TicketRecorded, StoreError> {
        use rempart_domain::loyalty::{LoyaltyError, PointsKind, PointsMoved};
        let till = self.this_till()?.ok_or(TillError::NotATill)?;
        let at_ms = self.now_ms();
        let currency = self.company()?.currency;
        let compact = |text: String| text.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let card = card.map(compact);
        // A voucher's number as printed or scanned, spaces left out.
        let payments: Vec<Tender> =
            payments.into_iter().map(|tender| Tender { voucher: tender.voucher.map(compact), ..tender }).collect();
        self.commit(|commit| {
            let session = open_session(commit.conn, &till.node)?.ok_or(TillError::NoSession)?;
            let program = match &card {
                Some(card) => {
                    if !rempart_domain::loyalty::card_valid(card) {
                        return Err(LoyaltyError::BadCard { card: card.clone() }.into());
                    }
                    if !crate::loyalty::card_known(commit.conn, card)? {
                        return Err(LoyaltyError::UnknownCard { card: card.clone() }.into());
                    }
                    crate::loyalty::read_program(commit.conn)?
                }
                None => None,
            };
            // A voucher is a loyalty voucher this till holds (the only vouchers there are): it pays
            // only what this till knows is left of it.
            let mut asked: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
            for tender in &payments {
                if let Some(voucher) = tender.voucher.as_deref() {
                    let sum = asked.entry(voucher).or_default();
                    *sum = sum.saturating_add(tender.amount_minor);
                }
            }
            for (voucher, amount) in asked {
                crate::loyalty::check_voucher_payment(commit.conn, voucher, amount, date)?;
            }
            let mut discount = discount;
            if points != 0 {
                let (Some(card), Some(program)) = (&card, &program) else {
                    return Err(LoyaltyError::NoProgram.into());
                };
                if program.reward_kind != rempart_domain::loyalty::RewardKind::Discount {
                    return Err(LoyaltyError::OtherReward { kind: program.reward_kind }.into());
                }
                let value = program.reward_value(points)?;
                crate::loyalty::check_spend(commit.conn, card, points, program, date)?;
                discount = match discount {
                    None => Some(Discount::Amount(value)),
                    Some(Discount::Amount(off)) => Some(Discount::Amount(off.saturating_add(value))),
                    Some(Discount::Percent(_)) => return Err(LoyaltyError::PointsWithPercent.into()),
                };
            }
            let ticket_lines = priced(commit.conn, &commit.state, lines, discount, date)?;
            let total: i64 = ticket_lines.iter().map(TicketLine::gross_minor).fold(0, i64::saturating_add);
            let paid: i64 = payments.iter().map(|tender| tender.amount_minor).fold(0, i64::saturating_add);
            let rounding_minor = rempart_domain::tills::rounding_due(currency, total, &payments);
            let change_minor = paid.saturating_sub(total.saturating_add(rounding_minor)).max(0);
            let ticket = numbered(
                commit,
                &till,
                session,
                date,
                at_ms,
                currency,
                ticket_lines,
                payments,
                change_minor,
                None,
                card.clone(),
                rounding_minor,
            )?;
            if let (Some(card), Some(program)) = (card, program) {
                let items: i64 = ticket.lines.iter().map(|line| line.qty).fold(0, i64::saturating_add);
                let moved = |kind, points| PointsMoved {
                    card: card.clone(),
                    kind,
                    points,
                    ticket: ticket.number.clone(),
                    node: till.node.clone(),
                    date,
                    program: program.at_ms,
                    of_items: 0,
                    expires: None,
                    basis_total: 0,
                    basis_items: 0,
                };
                if points > 0 {
                    commit.record(Fact::PointsMoved(moved(PointsKind::Burn, points)))?;
                }
                let (earned, of_items) = program.earned_parts(ticket.total_minor(), items);
                if earned > 0 {
                    commit.record(Fact::PointsMoved(PointsMoved {
                        of_items,
                        expires: program.expiry(date),
                        basis_total: ticket.total_minor(),
                        basis_items: items,
                        ..moved(PointsKind::Earn, earned)
                    }))?;
                }
            }
            Ok(ticket)
        })
    }

    /// Takes goods of a ticket back (all that is left of it, or `lines`: SKUs and quantities),
    /// each at what was paid for it, and pays back by `method`: a new ticket naming the original.
    pub fn return_ticket(
        &mut self,
        original: &str,
        lines: Option<&[(String, i64)]>,
        method: Method,
        date: NaiveDate,
    ) -> Result<TicketRecorded, StoreError> {
        let till = self.this_till()?.ok_or(TillError::NotATill)?;
        let at_ms = self.now_ms();
        let currency = self.company()?.currency;
        let original = original.trim().to_uppercase();
        self.commit(|commit| {
            let session = open_session(commit.conn, &till.node)?.ok_or(TillError::NoSession)?;
            let found = match first_key_of(commit.conn, &original)? {
                Some(key) => read_returns(commit.conn, &key)?.map(|returns| (key, returns)),
                None => None,
            };
            let key = match found {
                None => return Err(TillError::UnknownTicket { number: original }.into()),
                Some((_, Some(_))) => return Err(TillError::ReturnOfReturn { number: original }.into()),
                Some((key, None)) => key,
            };
            let mut left = left_to_return(commit.conn, &key, &original)?;
            let wanted: Vec<(String, i64)> = match lines {
                Some(lines) => lines.to_vec(),
                None => {
                    left.iter().filter(|line| line.left > 0).map(|line| (line.line.sku.clone(), line.left)).collect()
                }
            };
            if wanted.is_empty() {
                return Err(TillError::NothingToReturn { number: original }.into());
            }
            let mut back = Vec::new();
            for (sku, qty) in wanted {
                let mut remaining = qty;
                for Returnable { line, left } in left.iter_mut().filter(|line| line.line.sku == sku && line.left > 0) {
                    if remaining <= 0 {
                        break;
                    }
                    let take = remaining.min(*left);
                    remaining -= take;
                    // The line's discount given back in proportion, rounded on what was returned
                    // in all: returned whole, exactly the discount comes back.
                    let share = |returned: i64| {
                        rempart_domain::invoices::divide_rounded(
                            i128::from(line.discount_minor) * i128::from(returned),
                            i128::from(line.qty),
                        )
                    };
                    let before = line.qty - *left;
                    let discount = share(before + take) - share(before);
                    *left -= take;
                    back.push(TicketLine {
                        sku: line.sku.clone(),
                        label: line.label.clone(),
                        qty: -take,
                        unit_price_minor: line.unit_price_minor,
                        discount_minor: -i64::try_from(discount).unwrap_or(0),
                        vat_code: line.vat_code.clone(),
                        vat_rate_bp: line.vat_rate_bp,
                        account: line.account.clone(),
                    });
                }
                if remaining > 0 || qty <= 0 {
                    return Err(TillError::NotOnTicket { number: original.clone(), sku }.into());
                }
            }
            let total: i64 = back.iter().map(TicketLine::gross_minor).fold(0, i64::saturating_add);
            // The card of the original ticket: what the return takes back of its points is the
            // balance's to compute, from this ticket (`rempart_domain::loyalty::balance`).
            let sold =
                read_ticket(commit.conn, &key)?.ok_or_else(|| TillError::UnknownTicket { number: original.clone() })?;
            // What the original paid with vouchers goes back onto them first, never out as cash:
            // each voucher's part less what returns of it gave back already.
            let mut payments = Vec::new();
            let mut rest = total;
            for (voucher, left) in vouchers_to_give_back(commit.conn, &key, &original, &sold.node)? {
                let onto = left.min(rest.saturating_neg());
                if onto > 0 {
                    payments.push(Tender { method: Method::Voucher, amount_minor: -onto, voucher: Some(voucher) });
                    rest += onto;
                }
            }
            let mut rounding_minor = 0;
            if rest != 0 {
                let mut by_method = payments.clone();
                by_method.push(Tender { method, amount_minor: rest, voucher: None });
                rounding_minor = rempart_domain::tills::rounding_due(currency, total, &by_method);
                payments.push(Tender { method, amount_minor: rest.saturating_add(rounding_minor), voucher: None });
            }
            let back_ticket = numbered(
                commit,
                &till,
                session,
                date,
                at_ms,
                currency,
                back,
                payments,
                0,
                Some((original, sold.node.clone())),
                sold.card.clone(),
                rounding_minor,
            )?;
            Ok(back_ticket)
        })
    }

    /// The lines of a basket as a ticket would carry them, priced on `date` with the discount
    /// shared: what the till screen shows before the ticket is paid. Records nothing.
    pub fn price_basket(
        &self,
        lines: &[SaleLine],
        discount: Option<Discount>,
        date: NaiveDate,
    ) -> Result<Vec<TicketLine>, StoreError> {
        priced(&self.conn, &self.state, lines, discount, date)
    }

    /// This device's till and its open cash session, if any.
    pub fn till_session(&self) -> Result<Option<(Till, Option<String>)>, StoreError> {
        let Some(till) = self.this_till()? else { return Ok(None) };
        let session = open_session(&self.conn, &till.node)?;
        Ok(Some((till, session)))
    }

    /// A ticket by its number (of two devices given one till code apart, the first by key).
    pub fn ticket(&self, number: &str) -> Result<Option<TicketRecorded>, StoreError> {
        let number = number.trim().to_uppercase();
        match first_key_of(&self.conn, &number)? {
            Some(key) => read_ticket(&self.conn, &key),
            None => Ok(None),
        }
    }

    /// The ticket numbers of a till, in its series' order.
    pub fn ticket_numbers(&self, till: &str) -> Result<Vec<(u64, String)>, StoreError> {
        let mut statement =
            self.conn.prepare_cached("SELECT sequence, number FROM p_tickets WHERE till = ?1 ORDER BY sequence")?;
        let rows = statement.query_map([till], |row| Ok((row.get::<_, i64>(0)?, row.get(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (sequence, number) = row?;
            out.push((sequence as u64, number));
        }
        Ok(out)
    }
}

/// Shares a ticket's discount among its lines in proportion to their amounts, the last line
/// taking what rounding left.
/// The lines at their shelf prices on `date` (or those given), the discount shared among them.
fn priced(
    conn: &Connection,
    state: &LedgerState,
    lines: &[SaleLine],
    discount: Option<Discount>,
    date: NaiveDate,
) -> Result<Vec<TicketLine>, StoreError> {
    // A basket is bounded as the ticket it becomes is (`TicketRecorded::check`), before any
    // sum is made of it.
    if lines.len() > rempart_domain::tills::LINES_MAX {
        return Err(TillError::NoLines.into());
    }
    let mut ticket_lines = Vec::new();
    for line in lines {
        if !(1..=rempart_domain::stock::QTY_MAX).contains(&line.qty) {
            return Err(TillError::BadQuantity { sku: line.code.clone(), qty: line.qty }.into());
        }
        if line.price_minor.is_some_and(|price| !(0..=rempart_domain::tills::AMOUNT_MAX_MINOR).contains(&price)) {
            return Err(TillError::BadPrice { sku: line.code.clone() }.into());
        }
        let item = item_of(conn, &line.code)?;
        let (shelf, rate) = shelf_price(state, &item, date)?;
        ticket_lines.push(TicketLine {
            sku: item.sku,
            label: item.label,
            qty: line.qty,
            unit_price_minor: line.price_minor.unwrap_or(shelf),
            discount_minor: 0,
            vat_code: item.vat_code,
            vat_rate_bp: rate,
            account: item.account,
        });
    }
    share_discount(&mut ticket_lines, discount)?;
    Ok(ticket_lines)
}

fn share_discount(lines: &mut [TicketLine], discount: Option<Discount>) -> Result<(), StoreError> {
    let total: i64 = lines.iter().map(TicketLine::gross_minor).fold(0, i64::saturating_add);
    let off = match discount {
        None => return Ok(()),
        Some(Discount::Percent(bp)) => {
            i64::try_from(rempart_domain::invoices::divide_rounded(i128::from(total) * i128::from(bp), 10_000))
                .map_err(|_| TillError::DiscountTooLarge)?
        }
        Some(Discount::Amount(amount)) => amount,
    };
    if off < 0 || off > total {
        return Err(TillError::DiscountTooLarge.into());
    }
    if total == 0 {
        return Ok(());
    }
    let mut given = 0;
    let count = lines.len();
    for (index, line) in lines.iter_mut().enumerate() {
        let share = if index + 1 == count {
            off - given
        } else {
            i64::try_from(rempart_domain::invoices::divide_rounded(
                i128::from(off) * i128::from(line.gross_minor()),
                i128::from(total),
            ))
            .map_err(|_| TillError::DiscountTooLarge)?
        };
        line.discount_minor += share;
        given += share;
    }
    Ok(())
}

/// Gives the ticket the next number of the till's series, checks it whole, records it.
#[allow(clippy::too_many_arguments)]
fn numbered(
    commit: &mut Commit<'_>,
    till: &Till,
    session: String,
    date: NaiveDate,
    at_ms: u64,
    currency: Currency,
    lines: Vec<TicketLine>,
    payments: Vec<Tender>,
    change_minor: i64,
    returns: Option<(String, String)>,
    card: Option<String>,
    rounding_minor: i64,
) -> Result<TicketRecorded, StoreError> {
    let (returns, returns_node) = returns.unzip();
    let sequence = commit.state.ticket_last.get(&till.node).copied().unwrap_or(0) + 1;
    let ticket = TicketRecorded {
        node: till.node.clone(),
        till: till.till.clone(),
        sequence,
        number: ticket_number(&till.till, sequence),
        session,
        location: till.location.clone(),
        date,
        at_ms,
        currency,
        lines,
        payments,
        change_minor,
        returns,
        returns_node,
        card,
        rounding_minor,
    };
    ticket.check()?;
    commit.record(Fact::TicketRecorded(ticket.clone()))?;
    Ok(ticket)
}

/// A ticket by its key (`ticket_key`), as it was recorded.
/// What ticket `key` (numbered `number`, of device `node`) paid with each voucher, less what its
/// returns gave back onto it, in the order the ticket paid with them.
fn vouchers_to_give_back(
    conn: &Connection,
    key: &str,
    number: &str,
    node: &str,
) -> Result<Vec<(String, i64)>, StoreError> {
    let mut paid: Vec<(String, i64)> = conn
        .prepare_cached(
            "SELECT voucher, sum(amount_minor) FROM p_ticket_payments WHERE key = ?1 AND voucher IS NOT NULL
             GROUP BY voucher ORDER BY min(line)",
        )?
        .query_map([key], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut given_back = conn.prepare_cached(
        "SELECT coalesce(sum(p.amount_minor), 0) FROM p_tickets t JOIN p_ticket_payments p ON p.key = t.key
         WHERE t.returns = ?1 AND t.returns_node = ?2 AND p.voucher = ?3",
    )?;
    for (voucher, left) in &mut paid {
        let back: i64 = given_back.query_row(params![number, node, &*voucher], |row| row.get(0))?;
        *left = left.saturating_add(back).max(0);
    }
    Ok(paid)
}

/// The first key (`ticket_key`) of a ticket numbered `number`, of whichever device: the keys of
/// one number are those that begin with it and `@`, which sort between `number@` and `numberA`
/// (`A` follows `@`), so the table's own key finds them with no index by number.
fn first_key_of(conn: &Connection, number: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT key FROM p_tickets WHERE key > ?1 || '@' AND key < ?1 || 'A' AND number = ?1 ORDER BY key LIMIT 1",
        )?
        .query_row([number], |row| row.get(0))
        .optional()?)
}

/// The original a ticket returns (`Some(None)` for a sale), if the ticket is held.
fn read_returns(conn: &Connection, key: &str) -> Result<Option<Option<String>>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT returns FROM p_tickets WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()?)
}

pub(crate) fn read_ticket(conn: &Connection, key: &str) -> Result<Option<TicketRecorded>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT till, sequence, session, location, date, at_ms, currency, change_minor, returns, card, number,
                    node, rounding_minor, returns_node
             FROM p_tickets WHERE key = ?1",
        )?
        .query_row([key], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, i64>(5)?,
                row.get::<_, String>(6)?,
                row.get::<_, i64>(7)?,
                row.get::<_, Option<String>>(8)?,
                row.get::<_, Option<String>>(9)?,
                (row.get::<_, String>(10)?, row.get::<_, String>(11)?, row.get::<_, i64>(12)?, row.get(13)?),
            ))
        })
        .optional()?;
    let Some((
        till,
        sequence,
        session,
        location,
        date,
        at_ms,
        currency,
        change_minor,
        returns,
        card,
        (number, node, rounding_minor, returns_node),
    )) = row
    else {
        return Ok(None);
    };
    let unreadable = || Damage::TicketUnreadable { number: number.clone() };
    let lines = ticket_lines(conn, key)?;
    let mut payments = Vec::new();
    let mut statement = conn
        .prepare_cached("SELECT method, amount_minor, voucher FROM p_ticket_payments WHERE key = ?1 ORDER BY line")?;
    for row in statement.query_map([key], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?)))? {
        let (method, amount_minor, voucher) = row?;
        payments.push(Tender { method: Method::parse(&method).map_err(|_| unreadable())?, amount_minor, voucher });
    }
    Ok(Some(TicketRecorded {
        node,
        till,
        sequence: u64::try_from(sequence).map_err(|_| unreadable())?,
        number: number.clone(),
        session,
        location,
        date: date.parse().map_err(|_| unreadable())?,
        at_ms: u64::try_from(at_ms).map_err(|_| unreadable())?,
        currency: stored_currency(&currency)?,
        lines,
        payments,
        change_minor,
        returns,
        returns_node,
        card,
        rounding_minor,
    }))
}

/// The tickets of a till device with sequences `first..=last`, in their order.
pub(crate) fn tickets_of(
    conn: &Connection,
    node: &str,
    first: u64,
    last: u64,
) -> Result<Vec<TicketRecorded>, StoreError> {
    let keys: Vec<String> = conn
        .prepare_cached("SELECT key FROM p_tickets WHERE node = ?1 AND sequence BETWEEN ?2 AND ?3 ORDER BY sequence")?
        .query_map(params![node, first as i64, last as i64], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        if let Some(ticket) = read_ticket(conn, &key)? {
            out.push(ticket);
        }
    }
    Ok(out)
}

/// The lines of a ticket (by key), in order.
fn ticket_lines(conn: &Connection, key: &str) -> Result<Vec<TicketLine>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT sku, label, qty, unit_price_minor, discount_minor, vat_code, vat_rate_bp, account
             FROM p_ticket_lines WHERE key = ?1 ORDER BY line",
        )?
        .query_map([key], |row| {
            Ok(TicketLine {
                sku: row.get(0)?,
                label: row.get(1)?,
                qty: row.get(2)?,
                unit_price_minor: row.get(3)?,
                discount_minor: row.get(4)?,
                vat_code: row.get(5)?,
                vat_rate_bp: row.get(6)?,
                account: row.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

/// A line of a ticket with what is left of it to return.
struct Returnable {
    line: TicketLine,
    /// Units left to return.
    left: i64,
}

/// The lines of `number` with the units returned since (by any till) taken off, first lines
/// first.
fn left_to_return(conn: &Connection, key: &str, number: &str) -> Result<Vec<Returnable>, StoreError> {
    let mut lines: Vec<Returnable> =
        ticket_lines(conn, key)?.into_iter().map(|line| Returnable { left: line.qty, line }).collect();
    let mut returned = conn.prepare_cached(
        "SELECT l.sku, -sum(l.qty) FROM p_tickets t JOIN p_ticket_lines l ON l.key = t.key
         WHERE t.returns = ?1 GROUP BY l.sku",
    )?;
    for row in returned.query_map([number], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))? {
        let (sku, mut qty) = row?;
        for line in lines.iter_mut().filter(|line| line.line.sku == sku) {
            let take = qty.min(line.left);
            line.left -= take;
            qty -= take;
        }
    }
    Ok(lines)
}

pub(crate) fn till_of_node(conn: &Connection, node: &str) -> Result<Option<Till>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT till, location FROM p_tills WHERE node = ?1")?
        .query_row([node], |row| Ok(Till { node: node.to_owned(), till: row.get(0)?, location: row.get(1)? }))
        .optional()?)
}

/// The session of the till device opened and not closed, if any.
fn open_session(conn: &Connection, node: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT o.session FROM p_till_cash o WHERE o.node = ?1 AND o.kind = 'opened'
               AND NOT EXISTS (SELECT 1 FROM p_till_cash c WHERE c.node = o.node AND c.session = o.session
                               AND c.kind = 'closed')
             ORDER BY o.at_ms DESC, o.session LIMIT 1",
        )?
        .query_row([node], |row| row.get(0))
        .optional()?)
}

/// What the drawer of a session of a till device should hold: the float, cash put in or taken
/// out, cash taken on its tickets less the change given.
fn expected_cash(conn: &Connection, node: &str, session: &str) -> Result<i64, StoreError> {
    let drawer: i64 = conn
        .prepare_cached(
            "SELECT coalesce(sum(amount_minor), 0) FROM p_till_cash WHERE node = ?1 AND session = ?2 AND kind != 'closed'",
        )?
        .query_row([node, session], |row| row.get(0))?;
    let tickets: i64 = conn
        .prepare_cached(
            "SELECT coalesce((SELECT sum(p.amount_minor) FROM p_tickets t JOIN p_ticket_payments p ON p.key = t.key
                              WHERE t.node = ?1 AND t.session = ?2 AND p.method = 'cash'), 0)
                  - coalesce((SELECT sum(change_minor) FROM p_tickets WHERE node = ?1 AND session = ?2), 0)",
        )?
        .query_row([node, session], |row| row.get(0))?;
    Ok(drawer + tickets)
}

/// Loads what the ledger state keeps of tills: each till device's code and store, the last number
/// of its series.
pub(crate) fn load_into(conn: &Connection, state: &mut LedgerState) -> Result<(), rusqlite::Error> {
    let mut tills = conn.prepare("SELECT node, till, location FROM p_tills")?;
    for row in tills.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?)))? {
        let (node, till, location) = row?;
        state.tills.insert(node, (till, location));
    }
    let mut series = conn.prepare("SELECT node, last FROM p_till_series")?;
    for row in series.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))? {
        let (node, last) = row?;
        state.ticket_last.insert(node, last as u64);
    }
    let mut closures = conn.prepare("SELECT node, max(number) FROM p_closures GROUP BY node")?;
    for row in closures.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))? {
        let (node, last) = row?;
        state.closure_last.insert(node, last as u64);
    }
    Ok(())
}

/// Projects a `TillBound` fact: a device's first binding stands.
pub(crate) fn project_till_bound(conn: &Connection, bound: &TillBound) -> Result<(), StoreError> {
    if bound.check().is_err() {
        return Ok(());
    }
    conn.prepare_cached("INSERT OR IGNORE INTO p_tills (node, till, location) VALUES (?1, ?2, ?3)")?
        .execute(params![bound.node, bound.till, bound.location])?;
    Ok(())
}

/// Projects a `TicketRecorded` fact: the ticket, its lines and payments, the series' last
/// number, and its stock movements (a sale out of the store, a return back in). A ticket met
/// again changes nothing.
pub(crate) fn project_ticket_recorded(
    conn: &Connection,
    ticket: &TicketRecorded,
    (levels, series): (&mut crate::stock::StockLevels, &mut std::collections::HashMap<String, u64>),
) -> Result<(), StoreError> {
    if ticket.check().is_err() {
        return Ok(());
    }
    let key = ticket_key(&ticket.number, &ticket.node);
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO p_tickets (key, number, node, till, sequence, session, location, date, at_ms,
                                             currency, total_minor, change_minor, returns, returns_node, card,
                                             rounding_minor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?
        .execute(params![
            key,
            ticket.number,
            ticket.node,
            ticket.till,
            ticket.sequence as i64,
            ticket.session,
            ticket.location,
            date_text(ticket.date),
            ticket.at_ms as i64,
            ticket.currency.as_str(),
            ticket.total_minor(),
            ticket.change_minor,
            ticket.returns,
            ticket.returns_node,
            ticket.card,
            ticket.rounding_minor
        ])?;
    if inserted == 0 {
        return Ok(());
    }
    // The series' last number and the stock levels are written once, when the projector is
    // flushed (`write_series`, `stock::write_levels`).
    let last = series.entry(ticket.node.clone()).or_default();
    *last = (*last).max(ticket.sequence);
    let mut insert_line = conn.prepare_cached(
        "INSERT INTO p_ticket_lines (key, line, sku, label, qty, unit_price_minor, discount_minor, gross_minor,
                                     vat_code, vat_rate_bp, account)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for (index, line) in ticket.lines.iter().enumerate() {
        insert_line.execute(params![
            key,
            index as i64,
            line.sku,
            line.label,
            line.qty,
            line.unit_price_minor,
            line.discount_minor,
            line.gross_minor(),
            line.vat_code,
            line.vat_rate_bp,
            line.account
        ])?;
        // The line is the sale's (or return's) movement of stock: it is not written again in
        // `p_stock_moves`, only summed into the location's level.
        crate::stock::add_to_levels(levels, &ticket.location, &line.sku, -line.qty);
    }
    let mut insert_payment = conn.prepare_cached(
        "INSERT INTO p_ticket_payments (key, line, method, amount_minor, voucher) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (index, tender) in ticket.payments.iter().enumerate() {
        insert_payment.execute(params![
            key,
            index as i64,
            tender.method.as_str(),
            tender.amount_minor,
            tender.voucher
        ])?;
    }
    Ok(())
}

/// Writes the till series' last numbers gathered by a projector.
pub(crate) fn write_series(
    conn: &Connection,
    series: &mut std::collections::HashMap<String, u64>,
) -> Result<(), StoreError> {
    let mut rows: Vec<(String, u64)> = series.drain().collect();
    rows.sort_unstable();
    let mut statement = conn.prepare_cached(
        "INSERT INTO p_till_series (node, last) VALUES (?1, ?2)
         ON CONFLICT (node) DO UPDATE SET last = max(last, excluded.last)",
    )?;
    for (node, last) in rows {
        statement.execute(params![node, last as i64])?;
    }
    Ok(())
}

/// Projects a `TillCash` fact.
pub(crate) fn project_till_cash(conn: &Connection, cash: &TillCash) -> Result<(), StoreError> {
    if cash.check().is_err() {
        return Ok(());
    }
    let (kind, amount, expected, reason) = match &cash.drawer {
        Drawer::Opened { float_minor } => ("opened", *float_minor, None, None),
        Drawer::Moved { amount_minor, reason } => ("moved", *amount_minor, None, Some(reason.as_str())),
        Drawer::Closed { counted_minor, expected_minor } => ("closed", *counted_minor, Some(*expected_minor), None),
    };
    conn.prepare_cached(
        "INSERT OR IGNORE INTO p_till_cash (id, node, till, session, date, at_ms, kind, amount_minor, expected_minor,
                                            reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        cash.id,
        cash.node,
        cash.till,
        cash.session,
        date_text(cash.date),
        cash.at_ms as i64,
        kind,
        amount,
        expected,
        reason
    ])?;
    Ok(())
}

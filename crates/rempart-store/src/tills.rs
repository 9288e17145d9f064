//! Tills (issue 21): binding this device to a store as a till, its cash sessions, and its
//! tickets, numbered in the till's own gapless series inside the commit that records them (so
//! the number is durable before anyone sees it); sales take stock out of the store, returns put
//! it back. Projected keyed by device and place in its series, and by drawer movement id, so
//! tickets from every till add up in any order.

use chrono::NaiveDate;
use rempart_domain::stock::{LocationKind, StockError};
use rempart_domain::tills::{
    Drawer, Method, Tender, TicketLine, TicketRecorded, TillBound, TillCash, TillError, ticket_number,
};
use rempart_domain::{Currency, Fact, LedgerState};
use rusqlite::{Connection, OptionalExtension, params};

use crate::commit::Commit;
use crate::project::date_text;
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

-- Tickets, by device (node id, hex) and place in that device's series (a number is its till's
-- code and that place, `ticket_number`, read back by `ticket_place`). The columns are what is
-- looked up or checked; the ticket itself, its lines and payments, is read from its event (`seq`,
-- in the device's chain), which holds it whole. What tickets sold is summed by day and store as
-- they are projected (`sales::SCHEMA`).
CREATE TABLE p_tickets (
    node TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    number TEXT NOT NULL,
    seq INTEGER NOT NULL,
    session TEXT NOT NULL,
    date TEXT NOT NULL,
    total_minor INTEGER NOT NULL,
    items INTEGER NOT NULL,
    discount_minor INTEGER NOT NULL,
    returns TEXT,
    returns_node TEXT,
    card TEXT,
    PRIMARY KEY (node, sequence)
) WITHOUT ROWID;
CREATE INDEX p_tickets_card ON p_tickets (card) WHERE card IS NOT NULL;
CREATE INDEX p_tickets_returns ON p_tickets (returns, returns_node) WHERE returns IS NOT NULL;
-- Each cash session's tickets (by device and session): how many, the cash they took, the change
-- they gave back.
CREATE TABLE p_till_sessions (
    node TEXT NOT NULL,
    session TEXT NOT NULL,
    tickets INTEGER NOT NULL,
    cash_minor INTEGER NOT NULL,
    change_minor INTEGER NOT NULL,
    PRIMARY KEY (node, session)
) WITHOUT ROWID;
-- What tickets paid with each voucher (few do), by ticket and payment line.
CREATE TABLE p_ticket_vouchers (
    voucher TEXT NOT NULL,
    node TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    line INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (voucher, node, sequence, line)
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
            let found = match find_ticket(commit.conn, &original)? {
                Some((node, sequence)) => {
                    read_returns(commit.conn, &node, sequence)?.map(|returns| (node, sequence, returns))
                }
                None => None,
            };
            let (node, sequence) = match found {
                None => return Err(TillError::UnknownTicket { number: original }.into()),
                Some((_, _, Some(_))) => return Err(TillError::ReturnOfReturn { number: original }.into()),
                Some((node, sequence, None)) => (node, sequence),
            };
            let sold = read_ticket(commit.conn, commit.conn, &node, sequence)?
                .ok_or_else(|| TillError::UnknownTicket { number: original.clone() })?;
            let mut left = left_to_return(commit.conn, &sold)?;
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
            // The card of the original ticket (`sold.card`): what the return takes back of its
            // points is the balance's to compute, from this ticket (`rempart_domain::loyalty::balance`).
            // What the original paid with vouchers goes back onto them first, never out as cash:
            // each voucher's part less what returns of it gave back already.
            let mut payments = Vec::new();
            let mut rest = total;
            for (voucher, left) in vouchers_to_give_back(commit.conn, &sold)? {
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

    /// A ticket by its number (of two devices given one till code apart, the first by device id).
    pub fn ticket(&self, number: &str) -> Result<Option<TicketRecorded>, StoreError> {
        let number = number.trim().to_uppercase();
        match find_ticket(&self.conn, &number)? {
            Some((node, sequence)) => read_ticket(&self.conn, &self.conn, &node, sequence),
            None => Ok(None),
        }
    }

    /// The ticket numbers of a till, in its series' order.
    pub fn ticket_numbers(&self, till: &str) -> Result<Vec<(u64, String)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT t.sequence, t.number FROM p_tills b JOIN p_tickets t ON t.node = b.node
             WHERE b.till = ?1 ORDER BY t.sequence, t.node",
        )?;
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

/// What ticket `held` paid with each voucher, less what its returns gave back onto it, in the
/// order the ticket paid with them.
fn vouchers_to_give_back(conn: &Connection, held: &TicketRecorded) -> Result<Vec<(String, i64)>, StoreError> {
    let mut paid: Vec<(String, i64)> = Vec::new();
    for tender in &held.payments {
        let Some(voucher) = &tender.voucher else { continue };
        match paid.iter_mut().find(|(known, _)| known == voucher) {
            Some((_, sum)) => *sum = sum.saturating_add(tender.amount_minor),
            None => paid.push((voucher.clone(), tender.amount_minor)),
        }
    }
    let mut given_back = conn.prepare_cached(
        "SELECT coalesce(sum(v.amount_minor), 0) FROM p_tickets t
         JOIN p_ticket_vouchers v ON v.voucher = ?3 AND v.node = t.node AND v.sequence = t.sequence
         WHERE t.returns = ?1 AND t.returns_node = ?2",
    )?;
    for (voucher, left) in &mut paid {
        let back: i64 = given_back.query_row(params![held.number, held.node, &*voucher], |row| row.get(0))?;
        *left = left.saturating_add(back).max(0);
    }
    Ok(paid)
}

/// The device and place in its series of a ticket numbered `number` (of two devices given one
/// till code apart, the first by device id): the number names the till and the place, and the
/// till's devices are few.
fn find_ticket(conn: &Connection, number: &str) -> Result<Option<(String, u64)>, StoreError> {
    let Some((till, sequence)) = rempart_domain::tills::ticket_place(number) else { return Ok(None) };
    Ok(conn
        .prepare_cached(
            "SELECT t.node FROM p_tills b JOIN p_tickets t ON t.node = b.node AND t.sequence = ?2
             WHERE b.till = ?1 AND t.number = ?3 ORDER BY t.node LIMIT 1",
        )?
        .query_row(params![till, sequence as i64, number], |row| row.get(0))
        .optional()?
        .map(|node| (node, sequence)))
}

/// The device's ticket numbered `number`, if held: its place in the device's series.
pub(crate) fn held_ticket(conn: &Connection, node: &str, number: &str) -> Result<Option<u64>, StoreError> {
    let Some((_, sequence)) = rempart_domain::tills::ticket_place(number) else { return Ok(None) };
    let held = conn
        .prepare_cached("SELECT 1 FROM p_tickets WHERE node = ?1 AND sequence = ?2 AND number = ?3")?
        .exists(params![node, sequence as i64, number])?;
    Ok(held.then_some(sequence))
}

/// The original a ticket returns (`Some(None)` for a sale), if the ticket is held.
fn read_returns(conn: &Connection, node: &str, sequence: u64) -> Result<Option<Option<String>>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT returns FROM p_tickets WHERE node = ?1 AND sequence = ?2")?
        .query_row(params![node, sequence as i64], |row| row.get(0))
        .optional()?)
}

/// The ticket of device `node` at `sequence` in its series, as it was recorded: read from its
/// event in the log `log` (the projections `conn` say which). A ticket held whose event is not
/// its own is damage.
pub(crate) fn read_ticket(
    conn: &Connection,
    log: &Connection,
    node: &str,
    sequence: u64,
) -> Result<Option<TicketRecorded>, StoreError> {
    let row: Option<(String, i64)> = conn
        .prepare_cached("SELECT number, seq FROM p_tickets WHERE node = ?1 AND sequence = ?2")?
        .query_row(params![node, sequence as i64], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((number, seq)) = row else { return Ok(None) };
    let unreadable = || Damage::TicketUnreadable { number: number.clone() };
    let id: rempart_log::NodeId = node.parse().map_err(|_| unreadable())?;
    let event: Option<(String, Vec<u8>)> = log
        .prepare_cached("SELECT kind, payload FROM events WHERE node = ?1 AND seq = ?2")?
        .query_row(params![&id.as_bytes()[..], seq], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (kind, payload) = event.ok_or_else(unreadable)?;
    match Fact::from_payload(&kind, &payload) {
        Ok(Some(Fact::TicketRecorded(ticket))) if ticket.node == node && ticket.sequence == sequence => {
            Ok(Some(ticket))
        }
        _ => Err(unreadable().into()),
    }
}

/// The tickets of a till device with sequences `first..=last`, in their order, read from the
/// log `log` (`read_ticket`).
pub(crate) fn tickets_of(
    conn: &Connection,
    log: &Connection,
    node: &str,
    first: u64,
    last: u64,
) -> Result<Vec<TicketRecorded>, StoreError> {
    let sequences: Vec<i64> = conn
        .prepare_cached(
            "SELECT sequence FROM p_tickets WHERE node = ?1 AND sequence BETWEEN ?2 AND ?3 ORDER BY sequence",
        )?
        .query_map(params![node, first as i64, last as i64], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(sequences.len());
    for sequence in sequences {
        if let Some(ticket) = read_ticket(conn, log, node, sequence as u64)? {
            out.push(ticket);
        }
    }
    Ok(out)
}

/// A line of a ticket with what is left of it to return.
struct Returnable {
    line: TicketLine,
    /// Units left to return.
    left: i64,
}

/// The lines of `sold` with the units returned since (by any till) taken off, first lines first.
fn left_to_return(conn: &Connection, sold: &TicketRecorded) -> Result<Vec<Returnable>, StoreError> {
    let mut lines: Vec<Returnable> =
        sold.lines.iter().map(|line| Returnable { left: line.qty, line: line.clone() }).collect();
    let returns: Vec<(String, i64)> = conn
        .prepare_cached("SELECT node, sequence FROM p_tickets WHERE returns = ?1 AND returns_node = ?2")?
        .query_map(params![sold.number, sold.node], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (node, sequence) in returns {
        let Some(back) = read_ticket(conn, conn, &node, sequence as u64)? else { continue };
        for returned in &back.lines {
            let mut qty = returned.qty.saturating_neg();
            for line in lines.iter_mut().filter(|line| line.line.sku == returned.sku) {
                let take = qty.min(line.left);
                line.left -= take;
                qty -= take;
            }
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
            "SELECT coalesce((SELECT cash_minor - change_minor FROM p_till_sessions WHERE node = ?1 AND session = ?2), 0)",
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

/// What a projector gathers of the tickets it inserts, written once at its flush (`write`): each
/// till's last number, each cash session's sums, and the sales by day and store.
#[derive(Debug, Default)]
pub(crate) struct TicketSums {
    series: std::collections::HashMap<String, u64>,
    /// (device, session) → tickets, cash taken, change given.
    sessions: std::collections::HashMap<(String, String), (i64, i64, i64)>,
    sales: crate::sales::SalesSums,
}

impl TicketSums {
    pub(crate) fn clear(&mut self) {
        self.series.clear();
        self.sessions.clear();
        self.sales.clear();
    }

    /// Adds what was gathered to the tables, in key order, and forgets it.
    pub(crate) fn write(&mut self, conn: &Connection) -> Result<(), StoreError> {
        let mut rows: Vec<(String, u64)> = self.series.drain().collect();
        rows.sort_unstable();
        let mut statement = conn.prepare_cached(
            "INSERT INTO p_till_series (node, last) VALUES (?1, ?2)
             ON CONFLICT (node) DO UPDATE SET last = max(last, excluded.last)",
        )?;
        for (node, last) in rows {
            statement.execute(params![node, last as i64])?;
        }
        let mut sessions: Vec<_> = self.sessions.drain().collect();
        sessions.sort_unstable();
        let mut statement = conn.prepare_cached(
            "INSERT INTO p_till_sessions (node, session, tickets, cash_minor, change_minor) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (node, session) DO UPDATE SET tickets = tickets + excluded.tickets,
                 cash_minor = cash_minor + excluded.cash_minor, change_minor = change_minor + excluded.change_minor",
        )?;
        for ((node, session), (tickets, cash, change)) in sessions {
            statement.execute(params![node, session, tickets, cash, change])?;
        }
        self.sales.write(conn)
    }
}

/// Projects a `TicketRecorded` fact (event `seq` of its device's chain): the ticket, what paid
/// with vouchers, and its sums (the series' last number, its session's, the sales of its day and
/// store, the store's stock levels: a sale out of the store, a return back in). A ticket met
/// again changes nothing.
pub(crate) fn project_ticket_recorded(
    conn: &Connection,
    seq: u64,
    ticket: &TicketRecorded,
    (levels, sums): (&mut crate::stock::StockLevels, &mut TicketSums),
) -> Result<(), StoreError> {
    if ticket.check().is_err() {
        return Ok(());
    }
    let items = ticket.lines.iter().map(|line| line.qty).fold(0i64, i64::saturating_add);
    let discount = ticket.lines.iter().map(|line| line.discount_minor).fold(0i64, i64::saturating_add);
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO p_tickets (node, sequence, number, seq, session, date, total_minor, items,
                                             discount_minor, returns, returns_node, card)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            ticket.node,
            ticket.sequence as i64,
            ticket.number,
            seq as i64,
            ticket.session,
            date_text(ticket.date),
            ticket.total_minor(),
            items,
            discount,
            ticket.returns,
            ticket.returns_node,
            ticket.card,
        ])?;
    if inserted == 0 {
        return Ok(());
    }
    // The sums are written once, when the projector is flushed (`TicketSums::write`,
    // `stock::write_levels`).
    let last = sums.series.entry(ticket.node.clone()).or_default();
    *last = (*last).max(ticket.sequence);
    let cash = ticket
        .payments
        .iter()
        .filter(|tender| tender.method == Method::Cash)
        .map(|tender| tender.amount_minor)
        .fold(0i64, i64::saturating_add);
    let session = sums.sessions.entry((ticket.node.clone(), ticket.session.clone())).or_default();
    session.0 += 1;
    session.1 = session.1.saturating_add(cash);
    session.2 = session.2.saturating_add(ticket.change_minor);
    sums.sales.add(ticket);
    for line in &ticket.lines {
        // The line is the sale's (or return's) movement of stock: it is no row of
        // `p_stock_moves`, only summed into the location's level (and the day's sales).
        crate::stock::add_to_levels(levels, &ticket.location, &line.sku, -line.qty);
    }
    let mut insert_voucher = conn.prepare_cached(
        "INSERT INTO p_ticket_vouchers (voucher, node, sequence, line, amount_minor) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (index, tender) in ticket.payments.iter().enumerate() {
        if let Some(voucher) = &tender.voucher {
            insert_voucher.execute(params![
                voucher,
                ticket.node,
                ticket.sequence as i64,
                index as i64,
                tender.amount_minor
            ])?;
        }
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

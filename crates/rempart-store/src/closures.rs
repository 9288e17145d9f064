//! Closures of a till (issue 21): daily (Z), monthly and yearly closures sealed by the till
//! device's key and chained, each daily one posting the day's sales to the ledger (revenue per
//! account and VAT code, VAT, cash, card and TWINT clearing, vouchers redeemed, and the goods
//! sold at their weighted average cost); the archive of a closed period; the check of every
//! till's chain that `verify` runs.

use chrono::{Datelike, NaiveDate};
use rempart_domain::closures::{
    ARCHIVE_FORMAT, ARCHIVE_VERSION, ClosureError, ClosureFault, ClosureSealed, Span, TillArchive, Totals,
    check_closures, closures_digest, tickets_digest,
};
use rempart_domain::facts::Posting;
use rempart_domain::tills::{Method, TillError};
use rempart_domain::{Country, Fact};
use rempart_log::{NODE_CREATED, NodeCreated, NodeId, VerifyingKey};
use rusqlite::{Connection, OptionalExtension, params};

use crate::stock::value_at_average;
use crate::tills::{Till, tickets_of, till_of_node};
use crate::{Damage, Store, StoreError, date_of_ms};

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub const SCHEMA: &str = "
-- Each till device's closures by number, the closure as it was sealed in `body`.
CREATE TABLE p_closures (
    node TEXT NOT NULL,
    number INTEGER NOT NULL,
    till TEXT NOT NULL,
    location TEXT NOT NULL,
    span TEXT NOT NULL,
    period TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    first_ticket INTEGER NOT NULL,
    last_ticket INTEGER NOT NULL,
    tickets INTEGER NOT NULL,
    total_minor INTEGER NOT NULL,
    grand_total_minor INTEGER NOT NULL,
    cost_minor INTEGER NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (node, number)
) WITHOUT ROWID;
";

impl From<ClosureError> for StoreError {
    fn from(error: ClosureError) -> StoreError {
        StoreError::Closure(error)
    }
}

/// The journal a till's daily closures post in.
pub const CLOSURE_JOURNAL: &str = "CAI";

/// The accounts a closure posts to that are not revenue or VAT: cash, the clearing of card and
/// TWINT payments until the acquirer pays them, vouchers redeemed, stock and the cost of goods;
/// and the deduction from sales a loyalty voucher is when given (credited to `vouchers`).
pub struct TillAccounts {
    pub cash: &'static str,
    pub clearing: &'static str,
    pub vouchers: &'static str,
    pub stock: &'static str,
    pub cost_of_goods: &'static str,
    pub rewards: &'static str,
}

pub fn till_accounts(country: Country) -> TillAccounts {
    match country {
        Country::Ch => TillAccounts {
            cash: "1000",
            clearing: "1190",
            vouchers: "2030",
            stock: "1200",
            cost_of_goods: "4200",
            rewards: "3800",
        },
        Country::Fr => TillAccounts {
            cash: "530",
            clearing: "580",
            vouchers: "419",
            stock: "37",
            cost_of_goods: "603",
            rewards: "709",
        },
    }
}

/// Which of a till's closures to read.
enum Which<'a> {
    All,
    /// The last one, or the last one of a span.
    Last(Option<Span>),
    /// Those of a span whose period lies within `period` (a month's days, a year's months).
    Within(Span, &'a str),
}

fn read_closures(conn: &Connection, node: &str, which: Which<'_>) -> Result<Vec<ClosureSealed>, StoreError> {
    const BODY: &str = "SELECT number, body FROM p_closures WHERE node = ?1";
    let (sql, span, period) = match which {
        Which::All => (format!("{BODY} ORDER BY number"), None, None),
        Which::Last(None) => (format!("{BODY} ORDER BY number DESC LIMIT 1"), None, None),
        Which::Last(Some(span)) => (format!("{BODY} AND span = ?2 ORDER BY number DESC LIMIT 1"), Some(span), None),
        Which::Within(span, period) => {
            (format!("{BODY} AND span = ?2 AND period LIKE ?3 || '-%' ORDER BY number"), Some(span), Some(period))
        }
    };
    let mut statement = conn.prepare_cached(&sql)?;
    let read = |row: &rusqlite::Row<'_>| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?));
    let rows: Vec<(i64, String)> = match (span, period) {
        (None, _) => statement.query_map([node], read)?.collect::<Result<_, _>>()?,
        (Some(span), None) => statement.query_map(params![node, span.as_str()], read)?.collect::<Result<_, _>>()?,
        (Some(span), Some(period)) => {
            statement.query_map(params![node, span.as_str(), period], read)?.collect::<Result<_, _>>()?
        }
    };
    let mut out = Vec::new();
    for (number, body) in rows {
        out.push(serde_json::from_str(&body).map_err(|_| Damage::ClosureUnreadable { number: number as u64 })?);
    }
    Ok(out)
}

fn last_closure(conn: &Connection, node: &str, span: Option<Span>) -> Result<Option<ClosureSealed>, StoreError> {
    Ok(read_closures(conn, node, Which::Last(span))?.pop())
}

/// The last day of a period.
fn period_end(span: Span, period: &str) -> Option<NaiveDate> {
    match span {
        Span::Day => NaiveDate::parse_from_str(period, "%Y-%m-%d").ok(),
        Span::Month => {
            let first = NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").ok()?;
            let next = if first.month() == 12 {
                NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
            }?;
            next.pred_opt()
        }
        Span::Year => NaiveDate::from_ymd_opt(period.parse().ok()?, 12, 31),
    }
}

impl Store {
    /// Seals the closure of `period` on this till: a day (`2026-03-02`, the tickets since the
    /// last daily closure), a month (`2026-03`, its daily closures) or a year (`2026`, its
    /// monthly closures), dated `today`. A daily closure posts the day's sales to the ledger.
    pub fn seal_closure(&mut self, period: &str, today: NaiveDate) -> Result<ClosureSealed, StoreError> {
        let period = period.trim().to_owned();
        let span = Span::of_period(&period).ok_or_else(|| ClosureError::BadPeriod { period: period.clone() })?;
        let till = self.this_till()?.ok_or(TillError::NotATill)?;
        let end = period_end(span, &period).ok_or_else(|| ClosureError::BadPeriod { period: period.clone() })?;
        // A day closes at its end or later; a month or a year once it is over.
        let over = match span {
            Span::Day => end <= today,
            Span::Month | Span::Year => end < today,
        };
        let at_ms = self.now_ms();
        // Nor by the clock: a business day set ahead does not seal the future.
        if !over || end > date_of_ms(at_ms) {
            return Err(ClosureError::NotOver { period }.into());
        }
        let company = self.company()?.clone();
        let key = self.key.clone();
        self.commit(|commit| {
            let conn = commit.conn;
            let closed: bool = conn
                .prepare_cached("SELECT 1 FROM p_closures WHERE node = ?1 AND span = ?2 AND period = ?3")?
                .exists(params![till.node, span.as_str(), period])?;
            if closed {
                return Err(ClosureError::ClosedAlready { period }.into());
            }
            // A day or month whose month or year is sealed stays closed.
            let within: Vec<String> = match span {
                Span::Day => vec![period[..7].to_owned(), period[..4].to_owned()],
                Span::Month => vec![period[..4].to_owned()],
                Span::Year => Vec::new(),
            };
            for outer in within {
                let sealed: bool = conn
                    .prepare_cached("SELECT 1 FROM p_closures WHERE node = ?1 AND period = ?2")?
                    .exists(params![till.node, outer])?;
                if sealed {
                    return Err(ClosureError::ClosedAlready { period: outer }.into());
                }
            }
            let last = last_closure(conn, &till.node, None)?;
            let number = last.as_ref().map_or(1, |last| last.number + 1);
            let previous = last.as_ref().map(ClosureSealed::hash).unwrap_or_default();
            let last_day = last_closure(conn, &till.node, Some(Span::Day))?;
            let mut closure = match span {
                Span::Day => {
                    if let Some(day) = &last_day
                        && day.period.as_str() > period.as_str()
                    {
                        return Err(
                            ClosureError::BeforeLastDay { date: period.clone(), last: day.period.clone() }.into()
                        );
                    }
                    let first = last_day.as_ref().map_or(1, |day| day.last_ticket + 1);
                    let last_ticket = commit.state.ticket_last.get(&till.node).copied().unwrap_or(0);
                    let tickets = tickets_of(conn, conn, &till.node, first, last_ticket)?;
                    if let Some(later) = tickets.iter().find(|ticket| ticket.date > end) {
                        return Err(ClosureError::TicketAfter { period, ticket: later.number.clone() }.into());
                    }
                    let totals = Totals::of_tickets(&tickets);
                    let cost_minor = cost_of_goods(conn, &tickets, company.currency.as_str())?;
                    ClosureSealed {
                        node: till.node.clone(),
                        till: till.till.clone(),
                        location: till.location.clone(),
                        number,
                        span,
                        period: period.clone(),
                        at_ms,
                        currency: company.currency,
                        first_ticket: first,
                        last_ticket,
                        covers: Vec::new(),
                        digest: tickets_digest(&tickets),
                        grand_total_minor: last_day
                            .as_ref()
                            .map_or(0, |day| day.grand_total_minor)
                            .saturating_add(totals.total_minor),
                        totals,
                        cost_minor,
                        previous,
                        signature: String::new(),
                    }
                }
                Span::Month | Span::Year => {
                    let sealed_span = span.sealed().ok_or(ClosureError::IllFormed { number })?;
                    let sealed = read_closures(conn, &till.node, Which::Within(sealed_span, &period))?;
                    // A month needs its days' tickets sealed; a year, its days sealed by months.
                    let unsealed = match span {
                        Span::Month => {
                            let after = last_day.as_ref().map_or(0, |day| day.last_ticket);
                            conn.prepare_cached(
                                "SELECT 1 FROM p_tickets WHERE node = ?1 AND sequence > ?2 AND date LIKE ?3 || '-%'",
                            )?
                            .exists(params![till.node, after as i64, period])?
                        }
                        _ => {
                            let months: Vec<u64> = sealed.iter().flat_map(|month| month.covers.clone()).collect();
                            let after = last_day.as_ref().map_or(0, |day| day.last_ticket);
                            read_closures(conn, &till.node, Which::Within(Span::Day, &period))?
                                .iter()
                                .any(|day| !months.contains(&day.number))
                                || conn
                                    .prepare_cached(
                                        "SELECT 1 FROM p_tickets WHERE node = ?1 AND sequence > ?2 AND date LIKE ?3 || '-%'",
                                    )?
                                    .exists(params![till.node, after as i64, period])?
                        }
                    };
                    if unsealed {
                        return Err(ClosureError::DaysOpen { period }.into());
                    }
                    let (Some(first), Some(last_sealed)) = (sealed.first(), sealed.last()) else {
                        return Err(ClosureError::NothingToSeal { period }.into());
                    };
                    ClosureSealed {
                        node: till.node.clone(),
                        till: till.till.clone(),
                        location: till.location.clone(),
                        number,
                        span,
                        period: period.clone(),
                        at_ms,
                        currency: company.currency,
                        first_ticket: first.first_ticket,
                        last_ticket: last_sealed.last_ticket,
                        covers: sealed.iter().map(|closure| closure.number).collect(),
                        digest: closures_digest(&sealed),
                        totals: Totals::of_closures(&sealed),
                        grand_total_minor: last_sealed.grand_total_minor,
                        cost_minor: sealed.iter().map(|closure| closure.cost_minor).sum(),
                        previous,
                        signature: String::new(),
                    }
                }
            };
            closure.sign(&key);
            closure.check()?;
            let postings = closure_postings(&commit.state, company.country, &closure);
            commit.record(Fact::ClosureSealed(closure.clone()))?;
            if !postings.is_empty() {
                let entry = commit.state.build_entry(
                    closure.entry_id(),
                    CLOSURE_JOURNAL,
                    end,
                    date_of_ms(commit.now_ms),
                    format!("Z {} {} {}", closure.till, closure.period, closure.number),
                    postings,
                )?;
                commit.record(Fact::EntryPosted(entry))?;
            }
            Ok(closure)
        })
    }

    /// The closures of a till (this device's when `till` is none), in their order.
    pub fn closures(&self, till: Option<&str>) -> Result<Vec<ClosureSealed>, StoreError> {
        let till = self.till_named(till)?;
        read_closures(&self.conn, &till.node, Which::All)
    }

    fn till_named(&self, till: Option<&str>) -> Result<Till, StoreError> {
        match till {
            None => Ok(self.this_till()?.ok_or(TillError::NotATill)?),
            Some(code) => {
                let code = code.trim().to_uppercase();
                let node: Option<String> = self
                    .conn
                    .prepare_cached("SELECT node FROM p_tills WHERE till = ?1 ORDER BY node LIMIT 1")?
                    .query_row([&code], |row| row.get(0))
                    .optional()?;
                let node = node.ok_or_else(|| TillError::UnknownTill { till: code.clone() })?;
                Ok(till_of_node(&self.conn, &node)?.ok_or(TillError::UnknownTill { till: code })?)
            }
        }
    }

    /// The archive of a closed period of a till (this device's when `till` is none): the closures
    /// from the first one the period's closure seals to it, the tickets they cover, the till's key.
    pub fn till_archive(&self, till: Option<&str>, period: &str) -> Result<TillArchive, StoreError> {
        let till = self.till_named(till)?;
        let period = period.trim();
        let all = read_closures(&self.conn, &till.node, Which::All)?;
        let Some(sealing) = all.iter().find(|closure| closure.period == period) else {
            return Err(ClosureError::NotClosed { period: period.to_owned(), till: till.till }.into());
        };
        // The first closure under it: follow what it covers down to days.
        // Only lower numbers are followed, so a closure covering itself cannot hold it here.
        let mut first = sealing.number;
        let mut under: Vec<u64> = sealing.covers.clone();
        while let Some(lowest) = under.iter().min().copied().filter(|lowest| *lowest < first) {
            first = lowest;
            under = all.iter().find(|closure| closure.number == lowest).map(|c| c.covers.clone()).unwrap_or_default();
        }
        let closures: Vec<ClosureSealed> =
            all.iter().filter(|closure| (first..=sealing.number).contains(&closure.number)).cloned().collect();
        let mut tickets = Vec::new();
        for day in closures.iter().filter(|closure| closure.span == Span::Day) {
            tickets.extend(tickets_of(&self.conn, &self.conn, &till.node, day.first_ticket, day.last_ticket)?);
        }
        let key = node_key(&self.conn, &till.node)?;
        Ok(TillArchive {
            format: ARCHIVE_FORMAT.to_owned(),
            version: ARCHIVE_VERSION,
            company: self.company()?.name.clone(),
            till: till.till,
            location: till.location,
            node: till.node,
            public_key: hex::encode(key.as_bytes()),
            period: period.to_owned(),
            closures,
            tickets,
        })
    }
}

impl Store {
    /// The key a device announced in its first event, as this node holds it (hex id).
    pub fn device_key(&self, node: &str) -> Result<VerifyingKey, StoreError> {
        node_key(&self.conn, node)
    }
}

/// The key a node announced in its first event, as held here.
fn node_key(conn: &Connection, node: &str) -> Result<VerifyingKey, StoreError> {
    let id: NodeId = node.parse().map_err(|_| Damage::NoFirstEvent { node: node.to_owned() })?;
    let payload: Option<Vec<u8>> = conn
        .prepare_cached("SELECT payload FROM events WHERE node = ?1 AND seq = 1 AND kind = ?2")?
        .query_row(params![&id.as_bytes()[..], NODE_CREATED], |row| row.get(0))
        .optional()?;
    payload
        .and_then(|payload| serde_json::from_slice::<NodeCreated>(&payload).ok())
        .and_then(|created| hex::decode(created.public_key).ok())
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
        .ok_or_else(|| Damage::NoFirstEvent { node: node.to_owned() }.into())
}

/// What is wrong in the closures of every till in the projections `conn`, with its code; the
/// tills' keys are read from the log `log`.
pub(crate) fn check_all_tills(conn: &Connection, log: &Connection) -> Result<Vec<(String, ClosureFault)>, StoreError> {
    let tills: Vec<(String, String)> = conn
        .prepare("SELECT DISTINCT node, till FROM p_closures ORDER BY till, node")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (node, till) in tills {
        let closures = read_closures(conn, &node, Which::All)?;
        let last = closures.iter().filter(|c| c.span == Span::Day).map(|c| c.last_ticket).max().unwrap_or(0);
        let tickets = tickets_of(conn, log, &node, 1, last)?;
        let key = node_key(log, &node)?;
        out.extend(check_closures(&key, &tickets, &closures).into_iter().map(|fault| (till.clone(), fault)));
    }
    Ok(out)
}

/// The goods of `tickets` at the weighted average cost of each SKU now (returns bring theirs
/// back).
fn cost_of_goods(
    conn: &Connection,
    tickets: &[rempart_domain::tills::TicketRecorded],
    currency: &str,
) -> Result<i64, StoreError> {
    let mut by_sku: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for line in tickets.iter().flat_map(|ticket| &ticket.lines) {
        *by_sku.entry(&line.sku).or_default() += line.qty;
    }
    let mut total = 0i64;
    for (sku, qty) in by_sku {
        let value = value_at_average(qty.abs(), crate::stock::received(conn, sku, currency)?);
        total = total.saturating_add(if qty < 0 { -value } else { value });
    }
    Ok(total)
}

/// The entry of a daily closure: what was taken debited by way of paying, revenue per account and
/// VAT code and each code's VAT credited, the goods sold moved from stock to their cost.
fn closure_postings(state: &rempart_domain::LedgerState, country: Country, closure: &ClosureSealed) -> Vec<Posting> {
    if closure.span != Span::Day {
        return Vec::new();
    }
    let accounts = till_accounts(country);
    let currency = closure.currency;
    let posting = |account: &str, amount_minor: i64, vat_code: Option<String>| Posting {
        account: account.to_owned(),
        amount_minor,
        currency,
        vat_code,
    };
    let mut out = Vec::new();
    let mut by_account: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for method in &closure.totals.by_method {
        let account = match method.method {
            Method::Cash => accounts.cash,
            Method::Card | Method::Twint => accounts.clearing,
            Method::Voucher => accounts.vouchers,
        };
        *by_account.entry(account).or_default() += method.amount_minor;
    }
    out.extend(by_account.into_iter().map(|(account, amount)| posting(account, amount, None)));
    for revenue in &closure.totals.revenue {
        out.push(posting(&revenue.account, -revenue.net_minor, Some(revenue.vat_code.clone())));
    }
    let mut vat_by_code: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for rate in &closure.totals.by_rate {
        *vat_by_code.entry(&rate.vat_code).or_default() += rate.vat_minor;
    }
    for (code, vat) in vat_by_code {
        let account = state.vat_codes.get(code).map_or("", |vat| vat.account.as_str());
        out.push(posting(account, -vat, Some(code.to_owned())));
    }
    // What cash rounding added to the drawer (or took from it), against the rounding account.
    out.push(posting(
        rempart_domain::invoices::rounding_account(country),
        closure.totals.rounding_minor.saturating_neg(),
        None,
    ));
    if closure.cost_minor != 0 {
        out.push(posting(accounts.cost_of_goods, closure.cost_minor, None));
        out.push(posting(accounts.stock, -closure.cost_minor, None));
    }
    out.retain(|posting| posting.amount_minor != 0);
    out
}

/// Projects a `ClosureSealed` fact, keyed by its device and number.
pub(crate) fn project_closure_sealed(conn: &Connection, closure: &ClosureSealed) -> Result<(), StoreError> {
    if closure.check().is_err() {
        return Ok(());
    }
    let body = serde_json::to_string(closure).map_err(|_| Damage::ClosureUnreadable { number: closure.number })?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO p_closures (node, number, till, location, span, period, at_ms, first_ticket,
                                           last_ticket, tickets, total_minor, grand_total_minor, cost_minor, hash,
                                           body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        closure.node,
        closure.number as i64,
        closure.till,
        closure.location,
        closure.span.as_str(),
        closure.period,
        closure.at_ms as i64,
        closure.first_ticket as i64,
        closure.last_ticket as i64,
        closure.totals.tickets as i64,
        closure.totals.total_minor,
        closure.grand_total_minor,
        closure.cost_minor,
        closure.hash(),
        body
    ])?;
    Ok(())
}

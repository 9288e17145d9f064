//! Closures of a till (issue 21), in the French anti-fraud manner (inalterability, security,
//! conservation, archiving): a daily closure (Z) seals the tickets given since the previous one
//! with their totals by VAT rate and payment method and the till's perpetual grand total; a
//! monthly closure seals the month's daily closures, a yearly one the year's monthly closures.
//! Each closure carries the hash of the one before it (one chain per till), a digest of what it
//! covers, and the till device's Ed25519 signature: changing a ticket, removing or reordering one,
//! or replacing a closure is found by `check_closures`, on a node or on an archive alone.

use std::collections::{BTreeMap, HashMap};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::facts::{Described, FactKind, Merge};
use crate::money::Currency;
use crate::tills::{Method, TICKET_SEQUENCE_MAX, TicketRecorded, ticket_number};

const SIGNING_CONTEXT: &[u8] = b"rempart closure v1\0";
const CLOSURE_HASH_CONTEXT: &str = "rempart 2026-12 closure hash v1";
const TICKETS_DIGEST_CONTEXT: &str = "rempart 2026-12 closure tickets v1";
const CLOSURES_DIGEST_CONTEXT: &str = "rempart 2026-12 closure closures v1";
/// The format name and version of a till archive.
pub const ARCHIVE_FORMAT: &str = "rempart-till-archive";
pub const ARCHIVE_VERSION: u32 = 1;

/// What a closure closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Span {
    Day,
    Month,
    Year,
}

impl Span {
    pub fn as_str(self) -> &'static str {
        match self {
            Span::Day => "day",
            Span::Month => "month",
            Span::Year => "year",
        }
    }

    pub fn parse(text: &str) -> Option<Span> {
        [Span::Day, Span::Month, Span::Year].into_iter().find(|span| span.as_str() == text)
    }

    /// The span a period names: `2026-03-02` a day, `2026-03` a month, `2026` a year.
    pub fn of_period(period: &str) -> Option<Span> {
        let digits = |text: &str, count: usize| text.len() == count && text.bytes().all(|b| b.is_ascii_digit());
        let parts: Vec<&str> = period.split('-').collect();
        match parts.as_slice() {
            [year] if digits(year, 4) => Some(Span::Year),
            [year, month] if digits(year, 4) && digits(month, 2) && ("01".."13").contains(month) => Some(Span::Month),
            // Only the one spelling of a day, so that a day cannot be closed twice as two texts.
            [_, _, _] => chrono::NaiveDate::parse_from_str(period, "%Y-%m-%d")
                .ok()
                .filter(|day| day.format("%Y-%m-%d").to_string() == period)
                .map(|_| Span::Day),
            _ => None,
        }
    }

    /// The span a closure of this span seals (a month seals days, a year months).
    pub fn sealed(self) -> Option<Span> {
        match self {
            Span::Day => None,
            Span::Month => Some(Span::Day),
            Span::Year => Some(Span::Month),
        }
    }
}

/// Adds to a sum, stopping at the bounds rather than wrapping (sums of untrusted archives).
fn add(sum: &mut i64, value: i64) {
    *sum = sum.saturating_add(value);
}

/// Sales of one VAT rate over a period, VAT included, and their VAT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateSum {
    pub vat_code: String,
    pub rate_bp: u32,
    pub gross_minor: i64,
    pub vat_minor: i64,
}

/// What was taken by one way of paying over a period (cash: less the change given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodSum {
    pub method: Method,
    pub amount_minor: i64,
}

/// Revenue of one account and VAT code over a period, VAT excluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSum {
    pub account: String,
    pub vat_code: String,
    pub net_minor: i64,
}

/// The totals a closure seals.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub tickets: u64,
    pub by_rate: Vec<RateSum>,
    pub by_method: Vec<MethodSum>,
    pub revenue: Vec<AccountSum>,
    pub total_minor: i64,
    /// The tickets' Swiss cash rounding (to 0.05), in what was taken in cash and not in the
    /// total: posted to the rounding account.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rounding_minor: i64,
}

fn is_zero(value: &i64) -> bool {
    *value == 0
}

impl Totals {
    /// The totals of `tickets`: VAT per rate computed ticket by ticket (as each receipt shows it).
    pub fn of_tickets<'t>(tickets: impl IntoIterator<Item = &'t TicketRecorded>) -> Totals {
        let mut rates: BTreeMap<(String, u32), (i64, i64)> = BTreeMap::new();
        let mut methods: BTreeMap<Method, i64> = BTreeMap::new();
        // Gross per (code, account) and VAT per code, to share each code's VAT among its accounts.
        let mut gross_by_account: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut out = Totals::default();
        for ticket in tickets {
            out.tickets = out.tickets.saturating_add(1);
            out.total_minor = out.total_minor.saturating_add(ticket.total_minor());
            out.rounding_minor = out.rounding_minor.saturating_add(ticket.rounding_minor);
            for ((code, rate), total) in ticket.by_rate() {
                let entry = rates.entry((code, rate)).or_default();
                entry.0 = entry.0.saturating_add(total.gross_minor);
                entry.1 = entry.1.saturating_add(total.vat_minor);
            }
            for line in &ticket.lines {
                add(
                    gross_by_account.entry((line.vat_code.clone(), line.account.clone())).or_default(),
                    line.gross_minor(),
                );
            }
            for tender in &ticket.payments {
                add(methods.entry(tender.method).or_default(), tender.amount_minor);
            }
            if ticket.change_minor != 0 {
                add(methods.entry(Method::Cash).or_default(), ticket.change_minor.saturating_neg());
            }
        }
        let mut vat_by_code: BTreeMap<&str, i64> = BTreeMap::new();
        let mut gross_by_code: BTreeMap<&str, i64> = BTreeMap::new();
        for ((code, _), (gross, vat)) in &rates {
            add(vat_by_code.entry(code).or_default(), *vat);
            add(gross_by_code.entry(code).or_default(), *gross);
        }
        // Each code's VAT shared among its accounts by their gross, the last taking what is left.
        let mut given: BTreeMap<&str, i64> = BTreeMap::new();
        let mut left: BTreeMap<&str, usize> = BTreeMap::new();
        for (code, _) in gross_by_account.keys() {
            *left.entry(code.as_str()).or_default() += 1;
        }
        for ((code, account), gross) in &gross_by_account {
            let vat = vat_by_code.get(code.as_str()).copied().unwrap_or(0);
            let code_gross = gross_by_code.get(code.as_str()).copied().unwrap_or(0);
            let remaining = left.entry(code.as_str()).or_default();
            *remaining -= 1;
            let share = if *remaining == 0 || code_gross == 0 {
                vat.saturating_sub(given.get(code.as_str()).copied().unwrap_or(0))
            } else {
                i64::try_from(crate::invoices::divide_rounded(
                    i128::from(vat) * i128::from(*gross),
                    i128::from(code_gross),
                ))
                .unwrap_or(0)
            };
            add(given.entry(code.as_str()).or_default(), share);
            out.revenue.push(AccountSum {
                account: account.clone(),
                vat_code: code.clone(),
                net_minor: gross.saturating_sub(share),
            });
        }
        out.set_sums(rates, methods);
        out
    }

    /// Sets the sums by rate and by method from their maps, in key order.
    fn set_sums(&mut self, rates: BTreeMap<(String, u32), (i64, i64)>, methods: BTreeMap<Method, i64>) {
        self.by_rate = rates
            .into_iter()
            .map(|((vat_code, rate_bp), (gross_minor, vat_minor))| RateSum {
                vat_code,
                rate_bp,
                gross_minor,
                vat_minor,
            })
            .collect();
        self.by_method = methods.into_iter().map(|(method, amount_minor)| MethodSum { method, amount_minor }).collect();
    }

    /// The sum of closures' totals.
    pub fn of_closures<'c>(closures: impl IntoIterator<Item = &'c ClosureSealed>) -> Totals {
        let mut rates: BTreeMap<(String, u32), (i64, i64)> = BTreeMap::new();
        let mut methods: BTreeMap<Method, i64> = BTreeMap::new();
        let mut revenue: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut out = Totals::default();
        for closure in closures {
            let totals = &closure.totals;
            out.tickets = out.tickets.saturating_add(totals.tickets);
            out.total_minor = out.total_minor.saturating_add(totals.total_minor);
            out.rounding_minor = out.rounding_minor.saturating_add(totals.rounding_minor);
            for rate in &totals.by_rate {
                let entry = rates.entry((rate.vat_code.clone(), rate.rate_bp)).or_default();
                entry.0 = entry.0.saturating_add(rate.gross_minor);
                entry.1 = entry.1.saturating_add(rate.vat_minor);
            }
            for method in &totals.by_method {
                add(methods.entry(method.method).or_default(), method.amount_minor);
            }
            for account in &totals.revenue {
                add(revenue.entry((account.account.clone(), account.vat_code.clone())).or_default(), account.net_minor);
            }
        }
        out.set_sums(rates, methods);
        out.revenue = revenue
            .into_iter()
            .map(|((account, vat_code), net_minor)| AccountSum { account, vat_code, net_minor })
            .collect();
        out
    }
}

/// A sealed closure of a till's period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureSealed {
    /// The till device (hex id): only it seals its closures.
    pub node: String,
    pub till: String,
    pub location: String,
    /// In the till's own gapless series of closures (every span together), from 1.
    pub number: u64,
    pub span: Span,
    /// `2026-03-02`, `2026-03` or `2026`.
    pub period: String,
    /// When it was sealed, by the till's clock (milliseconds since 1970, UTC).
    pub at_ms: u64,
    pub currency: Currency,
    /// The ticket sequences covered, `first_ticket..=last_ticket` (none when first is last + 1).
    pub first_ticket: u64,
    pub last_ticket: u64,
    /// A month's or year's closure: the numbers of the closures it seals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<u64>,
    /// BLAKE3 digest (hex) of what it covers: its tickets, or the hashes of its closures.
    pub digest: String,
    pub totals: Totals,
    /// Every ticket this till ever gave, summed, to the end of this period.
    pub grand_total_minor: i64,
    /// The goods sold in the period at their weighted average cost when sealed.
    pub cost_minor: i64,
    /// The hash (hex) of the till's previous closure; empty for its first.
    pub previous: String,
    /// The till device's Ed25519 signature (hex) over the closure without it.
    pub signature: String,
}

impl ClosureSealed {
    /// The bytes signed: the closure with an empty signature, after a context.
    fn signed_bytes(&self) -> Vec<u8> {
        let mut unsigned = self.clone();
        unsigned.signature.clear();
        let mut out = SIGNING_CONTEXT.to_vec();
        // Serializing a struct of strings, numbers and vectors cannot fail.
        out.extend(serde_json::to_vec(&unsigned).unwrap_or_default());
        out
    }

    pub fn sign(&mut self, key: &SigningKey) {
        self.signature = hex::encode(key.sign(&self.signed_bytes()).to_bytes());
    }

    /// Whether the signature is `key`'s over this closure.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        let Ok(bytes) = hex::decode(&self.signature) else { return false };
        let Ok(signature) = Signature::from_slice(&bytes) else { return false };
        key.verify(&self.signed_bytes(), &signature).is_ok()
    }

    /// The hash (hex) the next closure chains to: of the whole closure, signature included.
    pub fn hash(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        blake3::Hasher::new_derive_key(CLOSURE_HASH_CONTEXT).update(&bytes).finalize().to_hex().to_string()
    }

    /// The key of this closure among every device's.
    pub fn key(&self) -> String {
        format!("{}@{}", self.number, self.node)
    }

    /// The id of the ledger entry a daily closure posts.
    pub fn entry_id(&self) -> String {
        let short: String = self.node.chars().take(8).collect();
        format!("Z-{}-{}-{:06}", self.till, short, self.number)
    }

    /// A day covers as many tickets as it counts; a month or year seals at most its days or
    /// months, earlier closures each once, in their order.
    fn covers_well(&self) -> bool {
        let most = match self.span {
            Span::Day => return self.last_ticket + 1 - self.first_ticket == self.totals.tickets,
            Span::Month => 31,
            Span::Year => 12,
        };
        self.covers.len() <= most
            && self.covers.windows(2).all(|pair| pair[0] < pair[1])
            && self.covers.iter().all(|covered| *covered < self.number)
    }

    /// Whether the closure is whole: a period of its span, a digest, a signature's length, what
    /// it covers within bounds.
    pub fn check(&self) -> Result<(), ClosureError> {
        if Span::of_period(&self.period) != Some(self.span) {
            return Err(ClosureError::BadPeriod { period: self.period.clone() });
        }
        let hex_of = |text: &str, bytes: usize| text.len() == bytes * 2 && text.bytes().all(|b| b.is_ascii_hexdigit());
        if self.number == 0
            || !hex_of(&self.digest, 32)
            || !hex_of(&self.signature, 64)
            || !(self.previous.is_empty() || hex_of(&self.previous, 32))
            || (self.number == 1) != self.previous.is_empty()
            || self.first_ticket == 0
            || self.last_ticket.saturating_add(1) < self.first_ticket
            || self.last_ticket > TICKET_SEQUENCE_MAX
            || (self.span == Span::Day) != self.covers.is_empty()
            || !self.covers_well()
        {
            return Err(ClosureError::IllFormed { number: self.number });
        }
        Ok(())
    }
}

/// The digest (hex) of a day's tickets, in their order.
pub fn tickets_digest<'t>(tickets: impl IntoIterator<Item = &'t TicketRecorded>) -> String {
    let mut chained = [0u8; 32];
    for ticket in tickets {
        let mut hasher = blake3::Hasher::new_derive_key(TICKETS_DIGEST_CONTEXT);
        hasher.update(&chained);
        hasher.update(&ticket.digest_form());
        chained = *hasher.finalize().as_bytes();
    }
    hex::encode(chained)
}

/// The digest (hex) of the closures a month or year seals, in their order.
pub fn closures_digest<'c>(closures: impl IntoIterator<Item = &'c ClosureSealed>) -> String {
    let mut chained = [0u8; 32];
    for closure in closures {
        let mut hasher = blake3::Hasher::new_derive_key(CLOSURES_DIGEST_CONTEXT);
        hasher.update(&chained);
        hasher.update(closure.hash().as_bytes());
        chained = *hasher.finalize().as_bytes();
    }
    hex::encode(chained)
}

impl FactKind for ClosureSealed {
    const KIND: &'static str = "till.closure";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        // Keyed by its number and device, in a series only that device gives.
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.till_closure").text("till", &self.till).text("period", &self.period)
    }
}

/// Something `check_closures` found wrong in a till's closures and tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ClosureFault {
    /// The closure is not signed by the till's key.
    Signature { number: u64 },
    /// The closure does not chain to the one before it.
    Chain { number: u64 },
    /// The closures skip a number.
    Gap { number: u64, expected: u64 },
    /// A ticket a closure covers is missing.
    TicketMissing { ticket: String },
    /// A ticket comes before one with a smaller number.
    TicketOrder { ticket: String },
    /// A ticket no closure covers.
    TicketUncovered { ticket: String },
    /// What a closure covers is not what it sealed (a ticket or closure changed).
    Digest { number: u64 },
    /// A closure's totals are not those of what it covers.
    Totals { number: u64 },
    /// A closure that a month's or year's covers is missing.
    CoveredMissing { number: u64, covered: u64 },
    /// A month or year covers a closure that is not one of its days or months, or one that
    /// another closure sealed already.
    Covers { number: u64, covered: u64 },
    /// A day does not start at the ticket after the day before it, or a month or year does not
    /// span what it seals.
    TicketRange { number: u64 },
    /// The grand total is not the one before it plus the period's total.
    GrandTotal { number: u64 },
    /// The closure is not whole (`ClosureSealed::check`).
    IllFormed { number: u64 },
    /// A ticket is not whole (`TicketRecorded::check`).
    TicketIllFormed { ticket: String },
}

/// Checks a till's closures (in their order) and the tickets they cover: signatures with `key`,
/// the chain, the numbers, what each covers, its totals and grand total. `closures` may start
/// after the till's first closure (an archive of a month); it then starts where they start.
/// Empty when everything holds. Its work is bounded by the tickets and closures given, whatever
/// numbers they carry.
pub fn check_closures(key: &VerifyingKey, tickets: &[TicketRecorded], closures: &[ClosureSealed]) -> Vec<ClosureFault> {
    let mut faults = Vec::new();
    for pair in tickets.windows(2) {
        if pair[1].sequence <= pair[0].sequence {
            faults.push(ClosureFault::TicketOrder { ticket: pair[1].number.clone() });
        }
    }
    let mut by_sequence: BTreeMap<u64, &TicketRecorded> = BTreeMap::new();
    for ticket in tickets {
        by_sequence.entry(ticket.sequence).or_insert(ticket);
    }
    let by_number: HashMap<u64, &ClosureSealed> = closures.iter().map(|closure| (closure.number, closure)).collect();
    // Where the days reached, and the grand total there; unknown before the first day given
    // when the closures do not start at the till's first.
    let from_start = closures.first().is_some_and(|closure| closure.number == 1);
    let mut days_end: Option<(u64, i64)> = from_start.then_some((0, 0));
    let mut sealed_by: HashMap<u64, u64> = HashMap::new();
    for (index, closure) in closures.iter().enumerate() {
        let number = closure.number;
        if closure.check().is_err() {
            faults.push(ClosureFault::IllFormed { number });
            continue;
        }
        if !closure.signed_by(key) {
            faults.push(ClosureFault::Signature { number });
            continue;
        }
        if let Some(before) = index.checked_sub(1).map(|at| &closures[at]) {
            let expected = before.number.saturating_add(1);
            if number != expected {
                faults.push(ClosureFault::Gap { number, expected });
            } else if closure.previous != before.hash() {
                faults.push(ClosureFault::Chain { number });
            }
        }
        let (digest, totals) = match closure.span {
            Span::Day => {
                let (start, grand_before) = days_end.unwrap_or((
                    closure.first_ticket - 1,
                    closure.grand_total_minor.saturating_sub(closure.totals.total_minor),
                ));
                days_end = Some((closure.last_ticket, closure.grand_total_minor));
                if closure.first_ticket != start + 1 {
                    faults.push(ClosureFault::TicketRange { number });
                    continue;
                }
                if closure.grand_total_minor != grand_before.saturating_add(closure.totals.total_minor) {
                    faults.push(ClosureFault::GrandTotal { number });
                }
                let day: Vec<&TicketRecorded> =
                    by_sequence.range(closure.first_ticket..=closure.last_ticket).map(|(_, ticket)| *ticket).collect();
                // Each stretch of missing numbers named by its first.
                let mut expected = closure.first_ticket;
                for ticket in &day {
                    if ticket.sequence != expected {
                        faults.push(ClosureFault::TicketMissing { ticket: ticket_number(&closure.till, expected) });
                    }
                    expected = ticket.sequence + 1;
                }
                if expected <= closure.last_ticket {
                    faults.push(ClosureFault::TicketMissing { ticket: ticket_number(&closure.till, expected) });
                }
                (tickets_digest(day.iter().copied()), Totals::of_tickets(day.iter().copied()))
            }
            Span::Month | Span::Year => {
                let mut sealed = Vec::new();
                for covered in &closure.covers {
                    let Some(found) = by_number.get(covered) else {
                        faults.push(ClosureFault::CoveredMissing { number, covered: *covered });
                        continue;
                    };
                    let within =
                        found.period.strip_prefix(closure.period.as_str()).is_some_and(|rest| rest.starts_with('-'));
                    if Some(found.span) != closure.span.sealed()
                        || !within
                        || sealed_by.insert(*covered, number).is_some()
                    {
                        faults.push(ClosureFault::Covers { number, covered: *covered });
                    }
                    sealed.push(*found);
                }
                let spans = match (sealed.first(), sealed.last()) {
                    (Some(first), Some(last)) => {
                        closure.first_ticket == first.first_ticket
                            && closure.last_ticket == last.last_ticket
                            && closure.grand_total_minor == last.grand_total_minor
                    }
                    _ => false,
                };
                if !spans {
                    faults.push(ClosureFault::TicketRange { number });
                }
                (closures_digest(sealed.iter().copied()), Totals::of_closures(sealed.iter().copied()))
            }
        };
        if digest != closure.digest {
            faults.push(ClosureFault::Digest { number });
        }
        if totals != closure.totals {
            faults.push(ClosureFault::Totals { number });
        }
    }
    // Tickets from the first day given to the last are all sealed; later ones wait for their Z.
    let first_day = closures.iter().find(|closure| closure.span == Span::Day).map(|day| day.first_ticket);
    let last_day = days_end.map(|(last, _)| last);
    for ticket in tickets {
        let inside = first_day.is_some_and(|first| ticket.sequence >= first)
            && last_day.is_some_and(|last| ticket.sequence <= last);
        if !inside {
            faults.push(ClosureFault::TicketUncovered { ticket: ticket.number.clone() });
        }
    }
    faults
}

/// A self-contained archive of a till's closed period: its closures and tickets, the till's
/// public key; checked by `TillArchive::check` with nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TillArchive {
    pub format: String,
    pub version: u32,
    pub company: String,
    pub till: String,
    pub location: String,
    pub node: String,
    /// The till device's Ed25519 public key (hex).
    pub public_key: String,
    pub period: String,
    pub closures: Vec<ClosureSealed>,
    /// Written in the long form (`tills::serialize_long_form`), read in either.
    #[serde(serialize_with = "crate::tills::serialize_long_form")]
    pub tickets: Vec<TicketRecorded>,
}

impl TillArchive {
    /// Reads an archive's bytes.
    pub fn read(bytes: &[u8]) -> Result<TillArchive, ClosureError> {
        #[derive(Deserialize)]
        struct Head {
            format: String,
            version: u32,
        }
        let head: Head = serde_json::from_slice(bytes).map_err(|_| ClosureError::ArchiveUnreadable)?;
        if head.format != ARCHIVE_FORMAT {
            return Err(ClosureError::ArchiveUnreadable);
        }
        if head.version > ARCHIVE_VERSION {
            return Err(ClosureError::ArchiveNewer { version: head.version });
        }
        serde_json::from_slice(bytes).map_err(|_| ClosureError::ArchiveUnreadable)
    }

    /// The till's key, as the archive gives it.
    pub fn key(&self) -> Result<VerifyingKey, ClosureError> {
        let bytes: [u8; 32] = hex::decode(&self.public_key)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(ClosureError::ArchiveUnreadable)?;
        VerifyingKey::from_bytes(&bytes).map_err(|_| ClosureError::ArchiveUnreadable)
    }

    /// Everything wrong in the archive: its closures checked against its key and tickets, and
    /// each of them the till's own.
    pub fn check(&self) -> Result<Vec<ClosureFault>, ClosureError> {
        let key = self.key()?;
        let ill_formed: Vec<ClosureFault> = self
            .tickets
            .iter()
            .filter(|ticket| ticket.check().is_err())
            .map(|ticket| ClosureFault::TicketIllFormed { ticket: ticket.number.clone() })
            .collect();
        if !ill_formed.is_empty() {
            return Ok(ill_formed);
        }
        let mut faults = check_closures(&key, &self.tickets, &self.closures);
        for closure in &self.closures {
            if closure.node != self.node || closure.till != self.till {
                faults.push(ClosureFault::Signature { number: closure.number });
            }
        }
        if !self.closures.iter().any(|closure| closure.period == self.period) {
            faults.push(ClosureFault::CoveredMissing { number: 0, covered: 0 });
        }
        Ok(faults)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClosureError {
    #[error("\"{period}\" is not a period: a day (2026-03-02), a month (2026-03) or a year (2026)")]
    BadPeriod { period: String },
    #[error("closure {number} is not whole")]
    IllFormed { number: u64 },
    #[error("the period {period} is closed already on this till")]
    ClosedAlready { period: String },
    #[error("the period {period} is not over yet")]
    NotOver { period: String },
    #[error("the day {date} comes before the last daily closure ({last})")]
    BeforeLastDay { date: String, last: String },
    #[error("tickets of {period} are not sealed by a daily closure yet: close the day first")]
    DaysOpen { period: String },
    #[error(
        "ticket {ticket} is dated after {period}: seal the latest day sold, whose closure covers every ticket since the last one"
    )]
    TicketAfter { period: String, ticket: String },
    #[error("no closure of {period} to seal")]
    NothingToSeal { period: String },
    #[error("the period {period} is not closed on till {till}")]
    NotClosed { period: String, till: String },
    #[error("the file is not a Rempart till archive, or it is damaged")]
    ArchiveUnreadable,
    #[error("the archive is of version {version}, newer than this Rempart reads: update Rempart")]
    ArchiveNewer { version: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tills::{Tender, TicketLine};
    use chrono::NaiveDate;

    fn ticket(sequence: u64, price: i64) -> TicketRecorded {
        TicketRecorded {
            node: "ab".into(),
            till: "GE1-1".into(),
            sequence,
            number: ticket_number("GE1-1", sequence),
            session: "S-1".into(),
            location: "GE1".into(),
            date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            at_ms: sequence,
            currency: Currency::CHF,
            lines: vec![TicketLine {
                sku: "JKT-M".into(),
                label: "Veste".into(),
                qty: 1,
                unit_price_minor: price,
                discount_minor: 0,
                vat_code: "N81".into(),
                vat_rate_bp: 810,
                account: "3200".into(),
            }],
            payments: vec![Tender { method: Method::Cash, amount_minor: price + 100, voucher: None }],
            change_minor: 100,
            returns: None,
            returns_node: None,
            card: None,
            rounding_minor: 0,
        }
    }

    fn day(key: &SigningKey, number: u64, previous: &str, tickets: &[TicketRecorded], grand: i64) -> ClosureSealed {
        let totals = Totals::of_tickets(tickets);
        let mut closure = ClosureSealed {
            node: "ab".into(),
            till: "GE1-1".into(),
            location: "GE1".into(),
            number,
            span: Span::Day,
            period: format!("2026-03-{:02}", number + 1),
            at_ms: 0,
            currency: Currency::CHF,
            first_ticket: tickets.first().map_or(1, |t| t.sequence),
            last_ticket: tickets.last().map_or(0, |t| t.sequence),
            covers: Vec::new(),
            digest: tickets_digest(tickets),
            grand_total_minor: grand + totals.total_minor,
            totals,
            cost_minor: 0,
            previous: previous.to_owned(),
            signature: String::new(),
        };
        closure.sign(key);
        closure
    }

    #[test]
    fn closures_chain_and_every_tampering_is_named() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let tickets: Vec<TicketRecorded> = (1..=4).map(|s| ticket(s, 1000 * s as i64)).collect();
        let first = day(&key, 1, "", &tickets[..2], 0);
        let second = day(&key, 2, &first.hash(), &tickets[2..], first.grand_total_minor);
        let closures = vec![first.clone(), second.clone()];
        assert_eq!(check_closures(&key.verifying_key(), &tickets, &closures), vec![]);
        assert_eq!(second.grand_total_minor, 10_000);
        assert_eq!(first.totals.by_method, vec![MethodSum { method: Method::Cash, amount_minor: 3000 }]);
        // A changed amount.
        let mut changed = tickets.clone();
        changed[1].payments[0].amount_minor += 1;
        changed[1].change_minor += 1;
        assert!(
            check_closures(&key.verifying_key(), &changed, &closures).contains(&ClosureFault::Digest { number: 1 })
        );
        // A removed ticket, a reordered pair.
        let mut removed = tickets.clone();
        removed.remove(2);
        assert!(
            check_closures(&key.verifying_key(), &removed, &closures)
                .contains(&ClosureFault::TicketMissing { ticket: "GE1-1-000003".into() })
        );
        let mut reordered = tickets.clone();
        reordered.swap(0, 1);
        assert!(
            check_closures(&key.verifying_key(), &reordered, &closures)
                .contains(&ClosureFault::TicketOrder { ticket: "GE1-1-000001".into() })
        );
        // A closure re-signed with another key after its totals were lowered.
        let other = SigningKey::from_bytes(&[8; 32]);
        let mut forged = first.clone();
        forged.totals.total_minor -= 1000;
        forged.sign(&other);
        let faults = check_closures(&key.verifying_key(), &tickets, &[forged, second]);
        assert!(faults.contains(&ClosureFault::Signature { number: 1 }));
        assert!(faults.contains(&ClosureFault::Chain { number: 2 }));
    }

    #[test]
    fn periods_name_their_span() {
        assert_eq!(Span::of_period("2026-03-02"), Some(Span::Day));
        assert_eq!(Span::of_period("2026-03"), Some(Span::Month));
        assert_eq!(Span::of_period("2026"), Some(Span::Year));
        for bad in
            ["2026-13", "2026-02-30", "26", "2026-3", "mars", "2026-3-2", "+2026-03-02", "26-03-02", " 2026-03-02"]
        {
            assert_eq!(Span::of_period(bad), None, "{bad}");
        }
    }

    fn month(key: &SigningKey, number: u64, previous: &str, period: &str, sealed: &[&ClosureSealed]) -> ClosureSealed {
        let mut closure = ClosureSealed {
            span: Span::Month,
            period: period.into(),
            number,
            previous: previous.into(),
            first_ticket: sealed.first().map_or(1, |day| day.first_ticket),
            last_ticket: sealed.last().map_or(0, |day| day.last_ticket),
            covers: sealed.iter().map(|day| day.number).collect(),
            digest: closures_digest(sealed.iter().copied()),
            totals: Totals::of_closures(sealed.iter().copied()),
            grand_total_minor: sealed.last().map_or(0, |day| day.grand_total_minor),
            ..sealed[0].clone()
        };
        closure.sign(key);
        closure
    }

    #[test]
    fn a_closure_claiming_a_billion_tickets_costs_only_the_tickets_given() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let tickets: Vec<TicketRecorded> = (1..=2).map(|s| ticket(s, 1000)).collect();
        let mut huge = day(&key, 1, "", &tickets, 0);
        huge.last_ticket = TICKET_SEQUENCE_MAX;
        huge.totals.tickets = TICKET_SEQUENCE_MAX;
        huge.sign(&key);
        let faults = check_closures(&key.verifying_key(), &tickets, &[huge.clone()]);
        let missing: Vec<_> =
            faults.iter().filter(|fault| matches!(fault, ClosureFault::TicketMissing { .. })).collect();
        assert_eq!(missing, vec![&ClosureFault::TicketMissing { ticket: "GE1-1-000003".into() }]);
        // Beyond the series' bound, or counting other than it spans, it is not whole.
        huge.last_ticket = TICKET_SEQUENCE_MAX + 1;
        assert_eq!(huge.check(), Err(ClosureError::IllFormed { number: 1 }));
        huge.last_ticket = 5;
        assert_eq!(huge.check(), Err(ClosureError::IllFormed { number: 1 }));
    }

    #[test]
    fn months_seal_their_own_days_once_and_totals_add_up() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let verifying = key.verifying_key();
        let tickets: Vec<TicketRecorded> = (1..=3).map(|s| ticket(s, 1000 * s as i64)).collect();
        let first = day(&key, 1, "", &tickets[..1], 0);
        let second = day(&key, 2, &first.hash(), &tickets[1..], first.grand_total_minor);
        let march = month(&key, 3, &second.hash(), "2026-03", &[&first, &second]);
        assert_eq!(check_closures(&verifying, &tickets, &[first.clone(), second.clone(), march.clone()]), vec![]);

        // A month of another period than its days', one covering itself or a day twice.
        let april = month(&key, 3, &second.hash(), "2026-04", &[&first, &second]);
        let faults = check_closures(&verifying, &tickets, &[first.clone(), second.clone(), april]);
        assert!(faults.contains(&ClosureFault::Covers { number: 3, covered: 1 }), "{faults:?}");
        let mut itself = march.clone();
        itself.covers = vec![1, 3];
        itself.sign(&key);
        assert_eq!(itself.check(), Err(ClosureError::IllFormed { number: 3 }));
        itself.covers = vec![1, 1];
        assert_eq!(itself.check(), Err(ClosureError::IllFormed { number: 3 }));
        let again = month(&key, 4, &march.hash(), "2026-03", &[&second]);
        let faults = check_closures(&verifying, &tickets, &[first.clone(), second.clone(), march, again]);
        assert!(faults.contains(&ClosureFault::Covers { number: 4, covered: 2 }), "{faults:?}");

        // A grand total that forgets a day, a day that starts over its neighbour's tickets.
        let mut lying = day(&key, 2, &first.hash(), &tickets[1..], 0);
        lying.sign(&key);
        let faults = check_closures(&verifying, &tickets, &[first.clone(), lying]);
        assert_eq!(faults, vec![ClosureFault::GrandTotal { number: 2 }]);
        let overlapping = day(&key, 2, &first.hash(), &tickets, first.grand_total_minor);
        let faults = check_closures(&verifying, &tickets, &[first, overlapping]);
        assert_eq!(faults, vec![ClosureFault::TicketRange { number: 2 }]);
    }
}

//! Taking in another holder's events: each run checked against the chain held (on a second
//! thread for a large run), written and projected in the same transaction, merged by replaying
//! the projections only when the facts' order matters.

use std::collections::HashMap;

use rempart_domain::{Fact, LedgerState, Merge};
use rempart_log::{
    ChainVerifier, Event, EventSeq, Hash32, Hlc, NODE_CREATED, NodeCreated, NodeId, Seal, TenantId, VerifyingKey,
};
use rusqlite::{OptionalExtension, params};

use crate::project::{Origin, Projector, entry_digest, entry_exists};
use crate::verify::rebuild_projections;
use crate::{ANCHOR_FILE, BULK_ENTRIES_MIN, Damage, Refusal, Store, StoreError, load_state};

use super::{ChainRun, KeptBatch, hash_of, keep_batch};

/// What taking in a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Taken {
    pub new_events: u64,
    pub already_held: u64,
}

/// The writer of a chain taken in, as the company's roster knows it: the key that signs its
/// events, and the series it may number in. No device numbers in another's series: an invoice,
/// credit note or entry numbered in a series that is not its author's, or an invoice numbered
/// out of turn in its author's series, is refused where it arrives (`Refusal::SeriesOfAnother`,
/// `Refusal::OutOfTurn`), so that a device turned against the company can neither take another
/// device's next numbers nor leave a gap in a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub key: VerifyingKey,
    /// The device that created the company (the roster's first): it numbers its invoices
    /// `2026-0001` and its entries in the journals' plain series.
    pub founder: bool,
    /// The invoice series the roster reserved for it when it joined (`B`: `2026-B-0001`).
    pub series: Option<String>,
}

impl Author {
    /// A device with no series of its own but those after its id (`F-3fa2c1d0-2026-000001`),
    /// which every device may number in.
    pub fn device(key: VerifyingKey) -> Author {
        Author { key, founder: false, series: None }
    }

    /// The device that created the company.
    pub fn founder(key: VerifyingKey) -> Author {
        Author { key, founder: true, series: None }
    }

    /// Whether the chain of `node`, this author's, may number invoices or credit notes in `series`.
    fn may_number(&self, node: NodeId, series: &str) -> bool {
        use rempart_domain::invoices::Numbering;
        Numbering::ByDevice(node.short()).holds(series)
            || (self.founder && Numbering::First.holds(series))
            || self.series.as_ref().is_some_and(|prefix| Numbering::Prefixed(prefix.clone()).holds(series))
    }

    /// Whether the chain of `node` may number entries in the journal series `series` (none: the
    /// plain series of the company's creator).
    fn may_journal(&self, node: NodeId, series: Option<&str>) -> bool {
        match series {
            None => self.founder,
            Some(series) => series == node.short(),
        }
    }
}

/// Runs of at least this many new events are checked on a second thread while the first writes.
pub const CHECK_ASIDE_FROM: usize = 4_096;
/// How far ahead of this node's clock an event taken in may be stamped: a day, far beyond the
/// ten minutes an honest hub allows and any clock a device keeps, so that only a made-up stamp
/// is refused.
pub const CLOCK_AHEAD_MAX_MS: u64 = 24 * 60 * 60 * 1000;

/// Events per chunk handed from the checking thread to the writing one, and chunks checked ahead.
pub(crate) const CHECKED_CHUNK: usize = 2_048;

pub(crate) const CHUNKS_AHEAD: usize = 8;

/// A chunk of a run's new events, checked: the hash and the fact of each, in chain order, and
/// the content digest of each entry (`entry_digest`), computed here rather than on the writing
/// thread.
pub(crate) struct Checked {
    hashes: Vec<Hash32>,
    facts: Vec<Option<Fact>>,
    digests: Vec<Option<[u8; 32]>>,
}

/// Checks new events against the chain held (`held`: last sequence, its hash and clock): seal
/// signatures, hashes, links, clocks; and decodes their facts. A chunk at a time, each with the
/// seals over its events, so that the writing can start after the first chunk; each chunk checked
/// goes to `give`, which answers false once nobody takes them (the writing failed). Answers the
/// head reached, or nothing if the writing stopped first.
pub(crate) fn check_run(
    tenant: TenantId,
    node: NodeId,
    (author, state): (&Author, &LedgerState),
    seals: &[Seal],
    held: (EventSeq, Hash32, Option<Hlc>),
    events: &[&Event],
    give: &mut dyn FnMut(Checked) -> bool,
) -> Result<Option<(EventSeq, Hash32)>, StoreError> {
    let refuse = |why: Refusal| StoreError::SyncRefused { node: node.short(), why };
    let mut numbers = Numbers { author, node, state, given: HashMap::new(), bound: None };
    let (mut last, mut prev, mut last_hlc) = held;
    for chunk in events.chunks(CHECKED_CHUNK) {
        let end = chunk.last().map_or(last, |event| event.seq);
        let over_chunk = seals.iter().filter(|seal| seal.seq > last && seal.seq <= end).cloned().collect();
        let mut verifier = ChainVerifier::new(tenant, node, author.key, over_chunk, None)
            .map_err(|fault| refuse(fault.into()))?
            .resume(last, prev, last_hlc);
        let mut checked = Checked {
            hashes: Vec::with_capacity(chunk.len()),
            facts: Vec::with_capacity(chunk.len()),
            digests: Vec::with_capacity(chunk.len()),
        };
        for event in chunk {
            checked.hashes.push(verifier.push(event.as_ref()).map_err(|fault| refuse(fault.into()))?);
            last_hlc = Some(event.hlc);
        }
        (last, prev) = verifier.head();
        // An event whose fact this node cannot read refuses that node's run only, as a broken
        // chain does; the other chains are still taken in.
        for event in chunk {
            let fact = Fact::from_payload(&event.kind, &event.payload)
                .map_err(|source| refuse(Refusal::Unreadable { seq: event.seq.0, source }))?;
            if let Some(why) = misnumbered(fact.as_ref(), (event.seq.0, event.hlc.wall_ms), &numbers) {
                return Err(refuse(why));
            }
            if matches!(fact, Some(Fact::CompanyCreated(_))) && !author.founder {
                return Err(refuse(Refusal::CreatedElsewhere { seq: event.seq.0 }));
            }
            if let Some((series, sequence)) = numbered(fact.as_ref()) {
                numbers.given.insert(series.to_owned(), sequence);
            }
            match &fact {
                Some(Fact::TicketRecorded(ticket)) => {
                    numbers.given.insert(TICKETS.to_owned(), ticket.sequence);
                }
                Some(Fact::ClosureSealed(closure)) => {
                    numbers.given.insert(CLOSURES.to_owned(), closure.number);
                }
                Some(Fact::TillBound(bound)) => {
                    numbers.bound = Some((bound.till.clone(), bound.location.clone()));
                }
                _ => {}
            }
            checked.digests.push(match &fact {
                Some(Fact::EntryPosted(entry)) => Some(entry_digest(entry)),
                _ => None,
            });
            checked.facts.push(fact);
        }
        if !give(checked) {
            return Ok(None);
        }
    }
    if let Some(seal) = seals.iter().find(|seal| seal.seq > last) {
        return Err(refuse(Refusal::SealBeyondRun { seq: seal.seq.0 }));
    }
    Ok(Some((last, prev)))
}

/// What the numbers of a run are checked against: its author's series, the last number of each
/// series before the run, and the numbers the run gave so far.
struct Numbers<'a> {
    author: &'a Author,
    node: NodeId,
    state: &'a LedgerState,
    given: HashMap<String, u64>,
    /// The author's binding as a till (code, store), where the run binds it.
    bound: Option<(String, String)>,
}

/// The key of the author's ticket series among `Numbers::given` (apart from invoice series).
const TICKETS: &str = "ticket";
/// The key of the author's series of closures among `Numbers::given`.
const CLOSURES: &str = "closure";

/// The invoice or credit-note series a fact numbers in, and its sequence.
fn numbered(fact: Option<&Fact>) -> Option<(&str, u64)> {
    match fact? {
        Fact::InvoiceIssued(issued) => Some((&issued.series, issued.sequence)),
        Fact::CreditNoteIssued(credit) => Some((&credit.series, credit.sequence)),
        Fact::QuoteSent(sent) => Some((&sent.series, sent.sequence)),
        _ => None,
    }
}

/// Why a fact's number is not one its author may give, if it is not: an invoice, credit note or
/// quote numbered otherwise than in its series, or any sequence beyond `SEQUENCE_MAX` (an entry's
/// journal number included); a series that is not its author's; an invoice or credit note that
/// is not the next of its series.
fn misnumbered(fact: Option<&Fact>, (seq, wall_ms): (u64, u64), numbers: &Numbers<'_>) -> Option<Refusal> {
    use rempart_domain::invoices::{SEQUENCE_MAX, numbered_in};
    let Numbers { author, node, state, given, bound } = numbers;
    let mine = || hex::encode(node.as_bytes());
    // The author's binding as a till: from the run, or as held.
    let binding = || bound.as_ref().or_else(|| state.tills.get(&mine()));
    let (series, sequence, number) = match fact? {
        // A device binds itself, once; a ticket or a drawer movement is its own till's, whole,
        // in its store, and a ticket is the next of its series.
        Fact::TillBound(till) => {
            if till.check().is_err() {
                return Some(Refusal::IllFormed { seq });
            }
            return (till.node != mine() || binding().is_some())
                .then(|| Refusal::SeriesOfAnother { seq, series: till.till.clone() });
        }
        Fact::TillCash(cash) => {
            if cash.check().is_err() {
                return Some(Refusal::IllFormed { seq });
            }
            let own = cash.node == mine() && binding().is_some_and(|(till, _)| *till == cash.till);
            return (!own).then(|| Refusal::SeriesOfAnother { seq, series: cash.till.clone() });
        }
        Fact::TicketRecorded(ticket) => {
            if ticket.check().is_err() {
                return Some(Refusal::IllFormed { seq });
            }
            let own = ticket.node == mine()
                && binding().is_some_and(|(till, location)| *till == ticket.till && *location == ticket.location);
            if !own {
                return Some(Refusal::SeriesOfAnother { seq, series: ticket.till.clone() });
            }
            let last =
                given.get(TICKETS).copied().unwrap_or_else(|| state.ticket_last.get(&mine()).copied().unwrap_or(0));
            let expected = last.saturating_add(1);
            return (ticket.sequence != expected).then(|| Refusal::OutOfTurn {
                seq,
                number: ticket.number.clone(),
                expected,
            });
        }
        // Loyalty facts name the device that wrote them: only it may. The program is head
        // office's, in the company's currency, stamped no later than its event (a stamp far ahead
        // would hold for good). Points are keyed by the ticket that moved them, which only that
        // ticket's device records (what the ticket accounts for is checked as the run is written).
        Fact::ProgramSet(program) => {
            if program.check().is_err() {
                return Some(Refusal::IllFormed { seq });
            }
            if program.node != mine() {
                return Some(Refusal::SeriesOfAnother { seq, series: "loyalty".into() });
            }
            let currency_ok = state.company.as_ref().is_none_or(|company| company.currency == program.currency);
            return (!author.founder || program.at_ms > wall_ms || !currency_ok)
                .then_some(Refusal::ProgramNotHeadOffice { seq });
        }
        Fact::CardIssued(card) => {
            if card.check().is_err() {
                return Some(Refusal::IllFormed { seq });
            }
            return (card.node != mine()).then(|| Refusal::SeriesOfAnother { seq, series: card.card.clone() });
        }
        Fact::PointsMoved(moved) => {
            if moved.check().is_err() {
                return Some(Refusal::IllFormed { seq });
            }
            return (moved.node != mine()).then(|| Refusal::SeriesOfAnother { seq, series: moved.ticket.clone() });
        }
        Fact::VoucherIssued(voucher) => {
            // Numbered in its device's own series; what it is worth is the program's to say
            // (`VoucherIssued::worth_under`), where the program is held.
            if voucher.check().is_err() {
                return Some(Refusal::IllFormed { seq });
            }
            let own =
                voucher.node == mine() && rempart_domain::loyalty::voucher_of_device(&voucher.voucher, node.as_bytes());
            return (!own).then(|| Refusal::SeriesOfAnother { seq, series: voucher.voucher.clone() });
        }
        Fact::ClosureSealed(closure) => {
            // Sealed by its own till device, with its key, the next of its series.
            if closure.check().is_err() || !closure.signed_by(&author.key) {
                return Some(Refusal::IllFormed { seq });
            }
            let own = closure.node == mine()
                && binding().is_some_and(|(till, location)| *till == closure.till && *location == closure.location);
            if !own {
                return Some(Refusal::SeriesOfAnother { seq, series: closure.till.clone() });
            }
            let last =
                given.get(CLOSURES).copied().unwrap_or_else(|| state.closure_last.get(&mine()).copied().unwrap_or(0));
            let expected = last.saturating_add(1);
            return (closure.number != expected).then(|| Refusal::OutOfTurn {
                seq,
                number: format!("{} Z{}", closure.till, closure.number),
                expected,
            });
        }
        Fact::InvoiceIssued(issued) => (&issued.series, issued.sequence, &issued.number),
        Fact::CreditNoteIssued(credit) => (&credit.series, credit.sequence, &credit.number),
        Fact::QuoteSent(sent) => (&sent.series, sent.sequence, &sent.number),
        Fact::EntryPosted(entry) => {
            if entry.number > SEQUENCE_MAX {
                return Some(Refusal::BadNumber { seq, number: entry.number.to_string() });
            }
            // The entry of an invoice or credit note is named after its number: only the device
            // whose series the number is may post it (an entry id counts once, the first in
            // merge order, so another's would take its place).
            // A daily closure's entry names its device: only that device posts it, in a journal
            // series it may number like any other entry.
            if let Some(closure) = entry.id.strip_prefix("Z-") {
                if closure.rsplit('-').nth(1) != Some(node.short().as_str()) {
                    return Some(Refusal::SeriesOfAnother { seq, series: entry.id.clone() });
                }
            } else if let Some(voucher) = entry.id.strip_prefix("LV-") {
                // A loyalty voucher's entry names its device, as a closure's does.
                if voucher.rsplit('-').next() != Some(node.short().as_str()) {
                    return Some(Refusal::SeriesOfAnother { seq, series: entry.id.clone() });
                }
            } else {
                let document = rempart_domain::rules::ENTRY_IDS_OF_DOCUMENTS
                    .iter()
                    .find_map(|prefix| entry.id.strip_prefix(prefix))
                    .map(|number| number.rsplit_once('-').map_or(number, |(series, _)| series));
                if let Some(series) = document
                    && !author.may_number(*node, series)
                {
                    return Some(Refusal::SeriesOfAnother { seq, series: series.to_owned() });
                }
            }
            return (!author.may_journal(*node, entry.series.as_deref())).then(|| Refusal::SeriesOfAnother {
                seq,
                series: format!(
                    "{}{}",
                    entry.journal,
                    entry.series.as_deref().map(|series| format!(" {series}")).unwrap_or_default()
                ),
            });
        }
        _ => return None,
    };
    if !numbered_in(series, sequence, number) {
        return Some(Refusal::BadNumber { seq, number: number.clone() });
    }
    if !author.may_number(*node, series) {
        return Some(Refusal::SeriesOfAnother { seq, series: series.clone() });
    }
    let last =
        given.get(series).copied().unwrap_or_else(|| state.invoice_series_last.get(series).copied().unwrap_or(0));
    let expected = last.saturating_add(1);
    (sequence != expected).then(|| Refusal::OutOfTurn { seq, number: number.clone(), expected })
}

/// A run of new events to write, as `take_in_run` found it.
pub(crate) struct RunToWrite<'r> {
    /// The ledger state before the run.
    state: &'r LedgerState,
    /// This node's clock.
    clock: Hlc,
    node: NodeId,
    fresh: &'r [&'r Event],
    seals: &'r [Seal],
    batches: &'r [KeptBatch<'r>],
}

/// Writes a run's new events, their seals, their projection (through `projector`) and the batches
/// they came in, as their chunks come checked, in one transaction left open for the caller to
/// commit once the whole run has passed. Answers the transaction and this node's clock moved past
/// everything seen.
pub(crate) fn write_run<'c>(
    conn: &'c mut rusqlite::Connection,
    projector: &mut Projector,
    run: &RunToWrite<'_>,
    chunks: impl IntoIterator<Item = Checked>,
) -> Result<(rusqlite::Transaction<'c>, Hlc), StoreError> {
    let RunToWrite { state, clock, node, fresh, seals, batches } = *run;
    // The events to write are one node's, in sequence, without a gap.
    debug_assert!(fresh.iter().all(|event| event.node == node), "a run is one node's");
    debug_assert!(fresh.windows(2).all(|pair| pair[1].seq == pair[0].seq.next()), "a run has no gap");
    // Immediate: the write lock is taken before anything is read, so that a checkpoint that
    // resets the WAL meanwhile cannot leave this transaction reading a snapshot it may not
    // write on (SQLITE_BUSY_SNAPSHOT); a writer waits on the lock instead.
    let transaction = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Read under the write lock, so that no commit of another process comes in between.
    let frontier = projected_frontier(&transaction)?;
    // The node's clock never goes back: it moves past everything it has seen.
    let mut newest = clock.max(frontier);
    let mut replay = false;
    let mut state = state.clone();
    // Anything left by a run that failed is dropped; the memory is kept.
    projector.clear();
    projector.reserve(fresh.len());
    let mut position = 0;
    let mut seen = PointsSeen::default();
    {
        let mut insert = transaction.prepare_cached(
            "INSERT INTO events (node, seq, version, tenant, hlc_wall_ms, hlc_logical, prev, kind, payload, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for chunk in chunks {
            let events = fresh
                .get(position..position + chunk.hashes.len())
                .expect("the checker checks only the events it was given");
            position += events.len();
            for (event, hash) in events.iter().zip(&chunk.hashes) {
                insert.execute(params![
                    &node.as_bytes()[..],
                    event.seq.0 as i64,
                    event.version,
                    &event.tenant.as_bytes()[..],
                    event.hlc.wall_ms as i64,
                    event.hlc.logical,
                    &event.prev.as_bytes()[..],
                    event.kind,
                    event.payload,
                    &hash.as_bytes()[..]
                ])?;
                newest = newest.max(event.hlc);
            }
            check_points(&transaction, node, events, &chunk.facts, &mut seen)?;
            // Once one event must be merged by a replay, the projection waits for the end.
            replay = replay || needs_replay(&transaction, frontier, events, &chunk.facts)?;
            if !replay {
                for ((event, fact), digest) in events.iter().zip(&chunk.facts).zip(&chunk.digests) {
                    if let Some(fact) = fact {
                        projector.apply_checked(
                            &transaction,
                            &mut state,
                            Origin { tenant: event.tenant, node, seq: event.seq, hlc: event.hlc },
                            fact,
                            *digest,
                        )?;
                    }
                }
            }
        }
        if position != fresh.len() {
            // The check stopped at a fault: the caller tells that fault, not this.
            return Err(StoreError::CheckEndedShort);
        }
        let mut seal_insert = transaction
            .prepare_cached("INSERT OR IGNORE INTO seals (node, seq, head, signature) VALUES (?1, ?2, ?3, ?4)")?;
        for seal in seals {
            seal_insert.execute(params![
                &node.as_bytes()[..],
                seal.seq.0 as i64,
                &seal.head.as_bytes()[..],
                &seal.signature[..]
            ])?;
        }
    }
    if replay {
        tracing::info!(node = %node.short(), events = fresh.len(), "events earlier than those applied: projections replayed");
        rebuild_projections(&transaction)?;
    } else {
        projector.flush(&transaction)?;
    }
    for batch in batches {
        keep_batch(&transaction, node, *batch)?;
    }
    Ok((transaction, newest))
}

/// Refuses points that their ticket does not account for (`PointsMoved::fits`): the ticket of
/// the same device and number, earlier in the run (`tickets`, filled as the run goes) or held;
/// a second fact of the same points (a ticket has one earn and one spend); points naming a
/// program stamped after their own event (a till names only a program it took in, and its clock
/// moved past it then), or an earlier program than the device's points named before (a till goes
/// on under the latest program it holds). All depend only on the device's own chain, so every
/// node decides alike; whether an earn is what its program gives is the balance's to say.
fn check_points(
    conn: &rusqlite::Connection,
    node: NodeId,
    events: &[&Event],
    facts: &[Option<Fact>],
    seen: &mut PointsSeen,
) -> Result<(), StoreError> {
    use rempart_domain::loyalty::TicketBasis;
    for (event, fact) in events.iter().zip(facts) {
        match fact {
            Some(Fact::TicketRecorded(ticket)) => {
                seen.tickets.insert(ticket.number.clone(), TicketBasis::of(ticket));
            }
            Some(Fact::PointsMoved(moved)) => {
                let basis = match seen.tickets.get(&moved.ticket) {
                    Some(basis) => Some(basis.clone()),
                    None => crate::loyalty::ticket_basis(conn, &moved.node, &moved.ticket)?,
                };
                let last = match seen.last_program {
                    Some(last) => last,
                    None => crate::loyalty::last_program_named(conn, &moved.node)?,
                };
                let id = moved.id();
                let again = seen.ids.contains(&id) || crate::loyalty::points_held(conn, &id)?;
                if !basis.is_some_and(|basis| moved.fits(&basis))
                    || again
                    || moved.program > event.hlc.wall_ms
                    || last.is_some_and(|last| moved.program < last)
                {
                    return Err(StoreError::SyncRefused {
                        node: node.short(),
                        why: Refusal::PointsWithoutTicket { seq: event.seq.0, ticket: moved.ticket.clone() },
                    });
                }
                seen.ids.insert(id);
                seen.last_program = Some(Some(last.map_or(moved.program, |last| last.max(moved.program))));
            }
            _ => {}
        }
    }
    Ok(())
}

/// What `check_points` met so far in a run: its tickets, the ids of its points, and the latest
/// program the device's points named (once read).
#[derive(Default)]
struct PointsSeen {
    tickets: HashMap<String, rempart_domain::loyalty::TicketBasis>,
    ids: std::collections::HashSet<String>,
    last_program: Option<Option<u64>>,
}

/// The clock of the latest event held that the projections show (events of the `node.` kinds,
/// such as a node's first event, project nothing): events later than it can be applied as they
/// come. A device that has just joined holds only its own first event, so everything it takes
/// in is later.
pub(crate) fn projected_frontier(conn: &rusqlite::Connection) -> Result<Hlc, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT hlc_wall_ms, hlc_logical FROM events WHERE kind NOT LIKE 'node.%'
             ORDER BY hlc_wall_ms DESC, hlc_logical DESC LIMIT 1",
        )?
        .query_row([], |row| Ok(Hlc { wall_ms: row.get::<_, i64>(0)? as u64, logical: row.get::<_, i64>(1)? as u32 }))
        .optional()?
        .unwrap_or_default())
}

/// Whether events taken in must be merged by replaying the projections, rather than applied as
/// they come. Applying them as they come gives the projections of the merge order (HLC, node) when
/// every event is later than all those applied so far (`frontier`), or when the earlier ones are
/// facts whose projection does not depend on order (each kind says which, `FactKind::merge`).
pub(crate) fn needs_replay(
    conn: &rusqlite::Connection,
    frontier: Hlc,
    events: &[&Event],
    facts: &[Option<Fact>],
) -> Result<bool, StoreError> {
    for (event, fact) in events.iter().zip(facts) {
        if event.hlc > frontier {
            continue;
        }
        let commutes = match fact.as_ref().map(Fact::merge) {
            None | Some(Merge::Commutes) => true,
            Some(Merge::Ordered) => false,
            // Free: no row of it, and no edit or history of it taken in before its creation.
            Some(Merge::ContactUnlessTaken { id }) => {
                !conn.prepare_cached("SELECT 1 FROM p_contacts WHERE id = ?1")?.exists([id])?
                    && !conn.prepare_cached("SELECT 1 FROM p_contact_fields WHERE contact = ?1")?.exists([id])?
            }
            Some(Merge::EntryUnlessTaken { id }) => {
                !entry_exists(conn, id)?
                    && !conn.prepare_cached("SELECT 1 FROM p_entries WHERE reverses = ?1")?.exists([id])?
            }
        };
        if !commutes {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Store {
    /// Before taking in about `expected` events of other nodes, in several runs: when they are
    /// many, and at least half as many as this node holds (a device that has just joined, or is
    /// being restored), the entries' secondary indexes are dropped and built once at the end
    /// (`end_take_in`), from all rows at once, rather than grown row by row. Should a crash come
    /// in between, `open` builds them.
    pub fn begin_take_in(&mut self, expected: u64) -> Result<(), StoreError> {
        let held = self.version_vector()?.total();
        if expected >= BULK_ENTRIES_MIN as u64 && expected >= held / 2 {
            self.conn.execute_batch(crate::schema::DROP_INDEXES_FOR_TAKE_IN)?;
        }
        Ok(())
    }

    /// After the runs announced by `begin_take_in`, whatever their outcome: builds the indexes
    /// that were dropped, and frees the memory kept between runs (tens of megabytes after a large
    /// pull).
    pub fn end_take_in(&mut self) -> Result<(), StoreError> {
        self.take_in = Projector::default();
        self.conn.execute_batch(crate::schema::PROJECTION_INDEXES)?;
        Ok(())
    }

    /// Takes in a run of `key`'s node's chain, received from `source` (a hub, a peer, a backup).
    /// All or nothing, except the evidence of a fork, which is kept even though the run is refused.
    pub fn take_in(&mut self, author: &Author, run: &ChainRun, source: &str) -> Result<Taken, StoreError> {
        self.take_in_kept(author, run, source, &[])
    }

    /// As `take_in`, also keeping the batches the run came in (their first and last sequence and
    /// their bytes) in the same transaction. Several batches taken in at once share one
    /// transaction, which writes each projection page once rather than once per batch.
    ///
    /// Another node's events are committed without waiting for the disk (`synchronous=NORMAL`,
    /// for this transaction only): a power cut can lose the last of them, never corrupt the
    /// database, and they are held by their node and the hub, which give them again at the next
    /// sync; the next commit of this node's own work, fully synchronous, makes them durable first
    /// (the WAL is written in order). This node's own events, back after a restore, wait for the
    /// disk as everything else does.
    pub fn take_in_kept(
        &mut self,
        author: &Author,
        run: &ChainRun,
        source: &str,
        batches: &[KeptBatch<'_>],
    ) -> Result<Taken, StoreError> {
        let relaxed = run.events.first().is_some_and(|event| event.node != self.node);
        if relaxed {
            self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        let taken = self.take_in_run(author, run, source, batches);
        if relaxed {
            self.conn.pragma_update(None, "synchronous", "FULL")?;
        }
        taken
    }

    pub(crate) fn take_in_run(
        &mut self,
        author: &Author,
        run: &ChainRun,
        source: &str,
        batches: &[KeptBatch<'_>],
    ) -> Result<Taken, StoreError> {
        let Some(first) = run.events.first() else {
            return Ok(Taken::default());
        };
        // What another process on this data directory committed meanwhile, first.
        self.refresh()?;
        let node = first.node;
        let refuse = |why: Refusal| StoreError::SyncRefused { node: node.short(), why };
        if first.tenant != self.tenant {
            return Err(refuse(Refusal::OtherCompany));
        }
        if let Some(fork) = self.forks()?.into_iter().find(|fork| fork.node == node) {
            return Err(StoreError::Forked { node: node.short(), seq: fork.seq.0 });
        }
        let held = self.held(node)?;
        let (held_seq, held_hash) = held.map_or((EventSeq(0), Hash32::ZERO), |head| (head.seq, head.hash));
        let held_hlc: Option<Hlc> = self
            .conn
            .query_row(
                "SELECT hlc_wall_ms, hlc_logical FROM events WHERE node = ?1 AND seq = ?2",
                params![&node.as_bytes()[..], held_seq.0 as i64],
                |row| Ok(Hlc { wall_ms: row.get::<_, i64>(0)? as u64, logical: row.get::<_, i64>(1)? as u32 }),
            )
            .optional()?;
        // Events already held must be the very same; the first one that differs is a fork.
        let mut taken = Taken::default();
        let mut fresh = Vec::new();
        let latest_ms = self.now_ms().saturating_add(CLOCK_AHEAD_MAX_MS);
        for event in &run.events {
            if event.node != node || event.tenant != self.tenant {
                return Err(refuse(Refusal::MixedNodes));
            }
            if event.seq > held_seq {
                // An event stamped far ahead of this node's clock would carry the clock along
                // (it never goes back): refused, as the honest hub refuses it (review of issue 19).
                if event.hlc.wall_ms > latest_ms {
                    return Err(refuse(Refusal::ClockAhead { seq: event.seq.0, wall_ms: event.hlc.wall_ms }));
                }
                fresh.push(event);
                continue;
            }
            let stored: Option<Vec<u8>> = self
                .conn
                .query_row(
                    "SELECT hash FROM events WHERE node = ?1 AND seq = ?2",
                    params![&node.as_bytes()[..], event.seq.0 as i64],
                    |row| row.get(0),
                )
                .optional()?;
            let stored = hash_of(stored.ok_or_else(|| Damage::EventMissing { node: node.short(), seq: event.seq.0 })?)?;
            let hash = event.hash();
            if hash != stored {
                self.conn.execute(
                    "INSERT OR IGNORE INTO forks (node, seq, held_hash, other_hash, other_event, source, seen_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        &node.as_bytes()[..],
                        event.seq.0 as i64,
                        &stored.as_bytes()[..],
                        &hash.as_bytes()[..],
                        event.encode(),
                        source,
                        self.now_ms() as i64
                    ],
                )?;
                tracing::warn!(node = %node.short(), seq = event.seq.0, source, "fork: two different events for one place");
                return Err(StoreError::Forked { node: node.short(), seq: event.seq.0 });
            }
            taken.already_held += 1;
        }
        let Some(next) = fresh.first() else {
            for batch in batches {
                keep_batch(&self.conn, node, *batch)?;
            }
            return Ok(taken);
        };
        if next.seq != held_seq.next() {
            return Err(refuse(Refusal::Gap { from: held_seq.next().0, to: next.seq.0 - 1 }));
        }
        if held_seq.0 == 0 {
            let announced = (next.kind == NODE_CREATED)
                .then(|| serde_json::from_slice::<NodeCreated>(&next.payload).ok())
                .flatten()
                .map(|created| created.public_key);
            if announced.as_deref() != Some(hex::encode(author.key.as_bytes()).as_str()) {
                return Err(refuse(Refusal::WrongFirstKey));
            }
        }
        let fresh_seals: Vec<Seal> = run.seals.iter().filter(|seal| seal.seq > held_seq).cloned().collect();
        let tenant = self.tenant;
        let check = |give: &mut dyn FnMut(Checked) -> bool| {
            check_run(tenant, node, (author, &self.state), &fresh_seals, (held_seq, held_hash, held_hlc), &fresh, give)
        };
        let run =
            RunToWrite { state: &self.state, clock: self.head.hlc, node, fresh: &fresh, seals: &fresh_seals, batches };
        let (transaction, newest, head) = if fresh.len() >= CHECK_ASIDE_FROM {
            // A large run is checked on a thread of its own, chunk by chunk, while this one writes
            // the chunks already checked; nothing is committed before the whole run has passed.
            std::thread::scope(|scope| {
                let (give, take) = std::sync::mpsc::sync_channel::<Checked>(CHUNKS_AHEAD);
                let checker = scope.spawn(move || check(&mut |chunk| give.send(chunk).is_ok()));
                let written = write_run(&mut self.conn, &mut self.take_in, &run, take);
                // The checker panics only on a broken invariant: the panic goes on here.
                let checked = checker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                // A failed check ends the writing short: its own fault is the one to tell.
                let head = checked?;
                let (transaction, newest) = written?;
                let head = head.expect("the writer takes every chunk the checker gives, so the check runs to its end");
                Ok::<_, StoreError>((transaction, newest, head))
            })?
        } else {
            let mut chunks = Vec::new();
            let head = check(&mut |chunk| {
                chunks.push(chunk);
                true
            })?
            .expect("a check that keeps every chunk runs to its end");
            let (transaction, newest) = write_run(&mut self.conn, &mut self.take_in, &run, chunks)?;
            (transaction, newest, head)
        };
        let state = load_state(&transaction)?;
        transaction.commit()?;
        self.state = state;
        // The clock of this node moves past everything it has seen, so its next events come after.
        self.head.hlc = newest;
        if node == self.node {
            // This node's own events, back from another holder after a restore from an old copy.
            let (seq, hash) = head;
            self.head.seq = seq;
            self.head.hash = hash;
            if let Some(seal) = fresh_seals.last() {
                crate::durable::write_atomically(&self.dir.join(ANCHOR_FILE), &seal.encode())
                    .map_err(|source| StoreError::AnchorNotWritten { seq: seal.seq.0, source })?;
            }
        }
        taken.new_events = fresh.len() as u64;
        Ok(taken)
    }
}

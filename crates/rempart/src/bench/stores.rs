//! `rempart bench --stores`: the stores issue's third figure. A chain of `--stores` stores, each
//! a till device joined to head office through a hub on loopback, records a year of tickets
//! (`--lines` ticket lines in all, one to four lines a ticket, priced from the catalogue as a
//! till prices them) in bulk commits, and pushes them; head office then pulls them all
//! (download, verify, decrypt, check each ticket's till and turn, apply), timed. For the
//! comparison asked (no less than the ledger's sync rate), the same hub carries a ledger of as
//! many entries, pushed by one device and pulled by another, timed the same way. Head office's
//! sales by store must equal what each till holds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use chrono::{Days, NaiveDate};
use rempart_domain::stock::{LocationAdded, LocationKind};
use rempart_domain::tills::{Method, Tender, TicketLine, TicketRecorded, ticket_number};
use rempart_domain::{Country, Currency, Fact};
use rempart_hub::http::ServerLimits;
use rempart_hub::{DirStore, Hub, Limits};
use rempart_node::{Http, Session};
use rempart_store::Store;
use rempart_store::sales::{SalesBy, SalesFilter};
use rempart_store::tills::SaleLine;
use rempart_sync::Role;

use super::sync::{rate, split, with_env};
use super::{finish, seconds, work_dir};
use crate::demo::Lcg;
use crate::i18n::Lang;

/// Items of the catalogue, each in three sizes.
const ITEMS: usize = 100;
/// Tickets recorded per bulk commit on a till.
const CHUNK: usize = 10_000;

fn sku(index: usize) -> String {
    format!("ART{:03}-{}", index / 3, ["S", "M", "L"][index % 3])
}

/// Head office's catalogue and the stores.
fn head_office(store: &mut Store, stores: usize) -> Result<()> {
    for index in 0..stores {
        store.add_location(LocationAdded {
            code: format!("S{:02}", index + 1),
            label: format!("Magasin {}", index + 1),
            kind: LocationKind::Store,
        })?;
    }
    super::tills::catalogue(store, ITEMS)?;
    Ok(())
}

/// A year of one till's tickets, `lines` lines in all, recorded in bulk commits; answers the
/// tickets recorded.
fn year_of_tickets(till: &mut Store, code: &str, location: &str, lines: usize, seed: u64) -> Result<u64> {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or(NaiveDate::MIN);
    till.bind_till(code, location)?;
    till.open_session(20_000, start)?;
    let (bound, session) = till.till_session()?.ok_or_else(|| anyhow::anyhow!("the till is not bound"))?;
    let session = session.ok_or_else(|| anyhow::anyhow!("no cash session"))?;
    // Each SKU priced once, as the till prices a line of one.
    let mut priced: Vec<TicketLine> = Vec::with_capacity(ITEMS * 3);
    for index in 0..ITEMS * 3 {
        let basket = [SaleLine { code: sku(index), qty: 1, price_minor: None }];
        priced.extend(till.price_basket(&basket, None, start)?);
    }
    let mut random = Lcg::new(seed);
    let mut tickets = Vec::new();
    let mut given = 0usize;
    let mut sequence = 0u64;
    let per_day = lines.div_ceil(365).max(1);
    while given < lines {
        let count = (random.between(1, 4) as usize).min(lines - given);
        let day = (given / per_day).min(364) as u64;
        let ticket_lines: Vec<TicketLine> = (0..count)
            .map(|_| {
                let mut line = priced[random.between(0, (ITEMS * 3) as i64 - 1) as usize].clone();
                line.qty = random.between(1, 3);
                line
            })
            .collect();
        given += count;
        sequence += 1;
        let total: i64 = ticket_lines.iter().map(TicketLine::gross_minor).sum();
        let ticket = TicketRecorded {
            node: bound.node.clone(),
            till: bound.till.clone(),
            sequence,
            number: ticket_number(&bound.till, sequence),
            session: session.clone(),
            location: bound.location.clone(),
            date: start + Days::new(day),
            at_ms: 1_735_718_400_000 + day * 86_400_000 + sequence,
            currency: Currency::CHF,
            lines: ticket_lines,
            payments: vec![Tender { method: Method::Card, amount_minor: total, voucher: None }],
            change_minor: 0,
            returns: None,
            returns_node: None,
            card: None,
            rounding_minor: 0,
        };
        ticket.check()?;
        tickets.push(ticket);
        if tickets.len() == CHUNK || given >= lines {
            till.commit(|commit| {
                for ticket in tickets.drain(..) {
                    commit.record(Fact::TicketRecorded(ticket))?;
                }
                Ok(())
            })?;
        }
    }
    till.settle_checkpoints();
    Ok(sequence)
}

pub fn run(stores: usize, lines: usize, dir: Option<PathBuf>, lang: Lang) -> Result<()> {
    let (root, created) = work_dir(dir)?;
    let hub_dir = root.join("hub");
    let objects = Arc::new(DirStore::open(&hub_dir)?);
    let hub = Arc::new(Hub::new(objects, Limits::default()).with_open_signup());
    let server = rempart_hub::http::spawn("127.0.0.1:0".parse()?, hub, ServerLimits::default())?;
    let url = format!("http://{}", server.addr);
    let mut transport = Http::new(&url)?;
    let mut rows = Vec::new();

    let mut office = Store::init(&root.join("office"), "Mode Léman SA", Country::Ch, 1)?;
    head_office(&mut office, stores)?;
    with_env(|env| Session::connect(&mut office, &url, &mut transport, env))?;
    with_env(|env| Session::open(&office)?.sync(&mut office, &mut transport, env))?;

    // Each store's till joined and its catalogue pulled, all before any sells (a till that
    // joined later would take in the other stores' year); then each records its year and pushes
    // it (push only: a till sends its sales, it does not take in the other stores').
    let mut tills = Vec::new();
    for index in 0..stores {
        let code = with_env(|env| {
            Session::open(&office)?.invite(&office, &mut transport, env, Role::Member, 3_600_000, None)
        })?;
        let (mut till, mut session) =
            with_env(|env| Session::join(&code, &url, &root.join(format!("till-{index}")), &mut transport, env))?;
        with_env(|env| session.sync(&mut till, &mut transport, env))?;
        tills.push((till, session));
    }
    let (mut recorded, mut tickets, mut pushed, mut push) = (Duration::ZERO, 0u64, 0u64, Duration::ZERO);
    for (index, (till, session)) in tills.iter_mut().enumerate() {
        let share = lines / stores + usize::from(index < lines % stores);
        let location = format!("S{:02}", index + 1);
        let started = Instant::now();
        tickets += year_of_tickets(till, &format!("{location}-1"), &location, share, 21 + index as u64)?;
        recorded += started.elapsed();
        let started = Instant::now();
        pushed += with_env(|env| session.push_only(till, &mut transport, env))?.pushed_events;
        push += started.elapsed();
    }
    let tills: Vec<Store> = tills.into_iter().map(|(till, _)| till).collect();
    rows.push((
        format!("{stores} tills' year recorded (bulk commits of {CHUNK} tickets, not sync)"),
        format!("{tickets} tickets, {lines} lines in {:.1} s", seconds(recorded)),
    ));
    rows.push((
        format!("push from the {stores} tills: seal, encrypt, sign, upload"),
        format!("{pushed} events in {:.1} s, {}", seconds(push), rate(pushed, push)),
    ));

    let started = Instant::now();
    let mut session = Session::open(&office)?;
    let pulled = with_env(|env| session.sync(&mut office, &mut transport, env))?;
    let pull = started.elapsed();
    ensure!(pulled.pulled_events >= tickets, "head office pulled {} events of {tickets} tickets", pulled.pulled_events);
    rows.push((
        "head office pulls the year: download, verify, decrypt, check, apply".into(),
        format!(
            "{} events ({tickets} tickets, {lines} lines) in {:.1} s: {} events, {} lines; {}",
            pulled.pulled_events,
            seconds(pull),
            rate(pulled.pulled_events, pull),
            rate(lines as u64, pull),
            split(&session)
        ),
    ));
    // What head office holds of each store is what its till holds.
    let all = SalesFilter::default();
    let at_office = office.sales(&all, SalesBy::Store)?;
    ensure!(at_office.len() == stores, "head office sees {} stores of {stores}", at_office.len());
    for (index, till) in tills.iter().enumerate() {
        // A till holds the stores pushed before it too: its own is the one compared.
        let own = till.sales(&all, SalesBy::Store)?;
        let location = format!("S{:02}", index + 1);
        let mine = own.iter().find(|row| row.key == location);
        ensure!(mine.is_some_and(|row| at_office.contains(row)), "store {location}'s sales differ on head office");
    }
    let started = Instant::now();
    office.sales(&all, SalesBy::Store)?;
    rows.push((
        "head office's sales by store over the year".into(),
        format!("{:.0} ms", seconds(started.elapsed()) * 1e3),
    ));

    ledger_reference(&root, &url, &mut transport, pulled.pulled_events as usize, &mut rows)?;
    server.stop();
    drop(tills);
    finish(rows, office, &root, created, lang)
}

/// The ledger's sync rate on the same hub and machine: as many entries as events pulled above,
/// pushed by one device and pulled by another.
fn ledger_reference(
    root: &Path,
    url: &str,
    transport: &mut Http,
    events: usize,
    rows: &mut Vec<(String, String)>,
) -> Result<()> {
    let mut books = Store::init(&root.join("books"), "Banc d'essai SA", Country::Ch, 1)?;
    for chunk in super::generate(events, 7, "S").chunks(50_000) {
        books.post_entries(chunk, &mut |_| {})?;
    }
    books.settle_checkpoints();
    with_env(|env| Session::connect(&mut books, url, transport, env))?;
    with_env(|env| Session::open(&books)?.sync(&mut books, transport, env))?;
    let code = with_env(|env| Session::open(&books)?.invite(&books, transport, env, Role::Member, 3_600_000, None))?;
    let (mut laptop, mut session) = with_env(|env| Session::join(&code, url, &root.join("laptop"), transport, env))?;
    let started = Instant::now();
    let pulled = with_env(|env| session.sync(&mut laptop, transport, env))?;
    let pull = started.elapsed();
    ensure!(laptop.state_hash()? == books.state_hash()?, "the second device computes another state");
    rows.push((
        "for comparison, the ledger: a device pulls as many entries".into(),
        format!("{} events in {:.1} s: {}", pulled.pulled_events, seconds(pull), rate(pulled.pulled_events, pull)),
    ));
    Ok(())
}

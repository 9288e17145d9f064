//! Issue 21, through the real binary: a store's till, its hub stopped, sells for a week (5,000
//! tickets by default, some of them returns, `REMPART_WEEK_TICKETS` for more) and is killed with
//! SIGKILL at seeded random moments, selling, returning and sealing its days. Every ticket whose
//! number was printed is present, the numbers have no gap, each day and the month are sealed in a
//! chain, verify passes; when the hub comes back, head office holds every ticket and the same state.
//! The run must bite: it fails unless kills landed on running processes (50 by default,
//! `REMPART_WEEK_KILLS`) and some of them came before a ticket's commit.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use crate::Company;
use crate::crash::SplitMix;
use crate::sync::{HubProcess, invite};

const TICKETS_DEFAULT: usize = 5_000;
const KILLS_DEFAULT: usize = 50;
const DAYS: u32 = 7;
/// The week closing March 2026; the month is sealed on April 1st.
const FIRST_DAY: u32 = 25;

/// What the till's process printed or left, counted.
#[derive(Debug, Default)]
struct Outcomes {
    sold: usize,
    returned: usize,
    /// Kills that found the process running.
    killed_while_running: usize,
    /// Of those, tickets committed though their number was never printed.
    committed_unprinted: usize,
    /// Of those, tickets that never were: the kill came before the commit.
    never_committed: usize,
    /// Closures whose sealing was killed and that were sealed again.
    closures_sealed_again: usize,
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|text| text.parse().ok()).unwrap_or(default)
}

/// The ticket number a sale or return printed last, if it got that far.
fn printed_number(stdout: &str) -> Option<String> {
    let last = stdout.lines().last()?.trim();
    let sequence = last.strip_prefix("GE1-1-")?;
    (sequence.len() == 6 && sequence.bytes().all(|byte| byte.is_ascii_digit())).then(|| last.to_owned())
}

fn tickets_held(node: &Company) -> i64 {
    node.database().query_row("SELECT count(*) FROM p_tickets", [], |row| row.get(0)).expect("count tickets")
}

/// Runs `args` on the till; when `kill_after` is given, SIGKILLs it that long after its start.
/// Returns what it printed and whether the kill found it running.
fn run(till: &Company, args: &[String], kill_after: Option<Duration>) -> (String, bool) {
    let mut child = crate::binary()
        .arg("--data-dir")
        .arg(&till.dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the till");
    let mut killed = false;
    if let Some(after) = kill_after {
        // The kill moment, not a synchronisation: anywhere from start-up to after the end.
        std::thread::sleep(after);
        killed = child.try_wait().expect("try_wait").is_none();
        let _ = child.kill();
    }
    let mut stdout = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut stdout).expect("read stdout");
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("read stderr");
    let status = child.wait().expect("wait");
    assert!(killed || status.success(), "rempart {args:?} failed unkilled:\n{stdout}{stderr}");
    (stdout, killed)
}

#[test]
fn a_till_sells_a_week_with_its_hub_stopped_through_sigkills() {
    let seed = env_or("REMPART_WEEK_SEED", 20_261_205) as u64;
    let tickets_wanted = env_or("REMPART_WEEK_TICKETS", TICKETS_DEFAULT);
    let kills_min = env_or("REMPART_WEEK_KILLS", KILLS_DEFAULT);
    let mut random = SplitMix(seed);

    // Head office: a store, a jacket in two sizes, stock received; a till device joins through the hub.
    let temp = tempfile::tempdir().expect("temporary directory");
    let hub_store = temp.path().join("hub");
    let hub = HubProcess::start(&hub_store);
    let office = Company::at(temp.path().join("office"));
    office.ok(&["init", "--company", "Mode du Lac SA", "--country", "CH"]);
    office.ok(&["connect", &hub.url, "--kit-out", crate::path_arg(&temp.path().join("kit.txt"))]);
    office.ok(&["location", "add", "GE1", "--label", "Genève Rive", "--kind", "store"]);
    crate::tills::add_the_jacket(&office);
    for size in ["M", "L"] {
        office.ok(&["sku", "add", &format!("JKT-{size}"), "--item", "JKT", "--size", size]);
        let sku = format!("JKT-{size}");
        office.ok(&["stock", "receive", "--location", "GE1", "--item", &sku, "--qty", "20000", "--cost", "60"]);
    }
    // A loyalty program and three customers' cards, given at head office.
    office.ok(&["loyalty", "program", "set", "--per-unit", "1", "--reward", "100=5.00", "--risk-limit", "50"]);
    let cards: Vec<String> = ["Anne Rochat", "Luc Favre", "Sara Meier"]
        .iter()
        .map(|name| {
            let added = office.ok(&["contact", "add", "--name", name]);
            let contact = added
                .split_whitespace()
                .find(|word| word.chars().all(|c| c.is_ascii_digit()))
                .expect("a contact number")
                .to_owned();
            office
                .ok(&["loyalty", "card", "add", "--contact", &contact])
                .lines()
                .last()
                .expect("the card")
                .trim()
                .to_owned()
        })
        .collect();
    office.ok(&["sync"]);
    let code = invite(&office, "T");
    let till = Company::at(temp.path().join("till"));
    till.ok(&["join", &code, "--hub", &hub.url]);
    till.ok(&["till", "bind", "GE1-1", "--location", "GE1"]);
    hub.stop();
    let refused = till.fails(&["sync"]);
    assert!(refused.contains("hub"), "{refused}");

    let mut outcomes = Outcomes::default();
    let mut printed: Vec<String> = Vec::new();
    // Sales that may still be returned, with their quantity.
    let mut returnable: Vec<String> = Vec::new();
    let per_day = tickets_wanted.div_ceil(DAYS as usize);
    let mut spawned = 0usize;
    for day in FIRST_DAY..FIRST_DAY + DAYS {
        let date = format!("2026-03-{day:02}");
        let till_args = |rest: &[&str]| -> Vec<String> {
            let mut args = vec!["till".to_owned(), "--date".to_owned(), date.clone()];
            args.extend(rest.iter().map(|word| (*word).to_owned()));
            args
        };
        run(&till, &till_args(&["open", "--float", "200"]), None);
        for _ in 0..per_day {
            spawned += 1;
            let left = tickets_wanted.saturating_sub(spawned).max(1);
            let kills_left = kills_min.saturating_sub(outcomes.killed_while_running);
            // Kill more often while the kills asked for are behind what is left of the week.
            let kill =
                kills_left > 0 && random.next().is_multiple_of((left as u64).div_ceil(2 * kills_left as u64).max(1));
            let is_return = !returnable.is_empty() && random.next().is_multiple_of(20);
            let args = if is_return {
                let index = (random.next() % returnable.len() as u64) as usize;
                let original = returnable.swap_remove(index);
                till_args(&[
                    "return",
                    &original,
                    "--pay",
                    if random.next().is_multiple_of(2) { "cash" } else { "card" },
                ])
            } else {
                let size = if random.next().is_multiple_of(2) { "M" } else { "L" };
                let qty = 1 + random.next() % 3;
                let line = format!("JKT-{size}={qty}");
                // 189.00 each; 10 % off one ticket in four.
                let discounted = random.next().is_multiple_of(4);
                let total_minor = 18_900 * qty as i64 * if discounted { 9 } else { 10 } / 10;
                let mut rest: Vec<String> = vec!["sell".into(), "--line".into(), line];
                // One customer in five shows a loyalty card.
                if random.next().is_multiple_of(5) {
                    rest.extend(["--card".into(), cards[(random.next() % 3) as usize].clone()]);
                }
                if discounted {
                    rest.extend(["--discount".into(), "10%".into()]);
                }
                match random.next() % 3 {
                    0 => rest.extend(["--pay".into(), format!("cash={}", 200 * qty + 50)]),
                    1 => rest.extend(["--pay".into(), format!("card={}.{:02}", total_minor / 100, total_minor % 100)]),
                    _ => {
                        let card = total_minor - 5_000;
                        rest.extend([
                            "--pay".into(),
                            format!("card={}.{:02}", card / 100, card % 100),
                            "--pay".into(),
                            "twint=50".into(),
                        ]);
                    }
                }
                let words: Vec<&str> = rest.iter().map(String::as_str).collect();
                till_args(&words)
            };
            let before = if kill { tickets_held(&till) } else { 0 };
            let kill_after = kill.then(|| Duration::from_micros(random.next() % 30_000));
            let (stdout, killed) = run(&till, &args, kill_after);
            let number = printed_number(&stdout);
            if killed {
                outcomes.killed_while_running += 1;
                if number.is_none() {
                    if tickets_held(&till) > before {
                        outcomes.committed_unprinted += 1;
                    } else {
                        outcomes.never_committed += 1;
                    }
                }
            } else {
                assert!(number.is_some(), "an unkilled till printed no ticket number: {stdout}");
            }
            if let Some(number) = number {
                if is_return {
                    outcomes.returned += 1;
                } else {
                    outcomes.sold += 1;
                    returnable.push(number.clone());
                }
                printed.push(number);
            }
        }
        run(&till, &till_args(&["close", "--counted", "200"]), None);
        // The day's closure, killed at a random moment; sealed again when the kill came first.
        let sealed = |till: &Company| till.ok(&["till", "closures"]).contains(&date);
        run(&till, &till_args(&["closure", &date]), Some(Duration::from_micros(random.next() % 30_000)));
        if !sealed(&till) {
            outcomes.closures_sealed_again += 1;
            run(&till, &till_args(&["closure", &date]), None);
        }
        assert!(sealed(&till), "{date} is not sealed");
    }
    till.ok(&["till", "--date", "2026-04-01", "closure", "2026-03"]);
    eprintln!("seed {seed}: {spawned} tickets asked for, {} printed, {outcomes:?}", printed.len());

    assert!(
        outcomes.killed_while_running >= kills_min,
        "seed {seed}: only {} kills found the till running",
        outcomes.killed_while_running
    );
    assert!(outcomes.never_committed >= 1, "seed {seed}: no kill came before a ticket's commit: {outcomes:?}");
    assert!(outcomes.returned >= 1 && outcomes.sold >= tickets_wanted / 2, "seed {seed}: {outcomes:?}");
    assert!(printed.len() + outcomes.killed_while_running >= tickets_wanted, "seed {seed}: tickets went missing");

    // Every printed number is present; the series has no gap; the closures chain and cover it all.
    let database = till.database();
    let (count, first, last): (i64, i64, i64) = database
        .query_row("SELECT count(*), min(sequence), max(sequence) FROM p_tickets", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .expect("tickets");
    assert_eq!((first, last), (1, count), "seed {seed}: the ticket numbers have a gap");
    for number in &printed {
        let held: i64 = database
            .query_row("SELECT count(*) FROM p_tickets WHERE number = ?1", [number], |row| row.get(0))
            .expect("ticket");
        assert_eq!(held, 1, "seed {seed}: ticket {number} was printed and is lost");
    }
    let closures = till.ok(&["till", "closures"]);
    assert_eq!(closures.lines().count(), DAYS as usize + 1, "{closures}");
    let verified = till.ok(&["verify"]);
    assert!(verified.starts_with("Verified: "), "seed {seed}: {verified}");

    // The hub comes back: head office holds every ticket and the till's state.
    let hub = HubProcess::start(&hub_store);
    till.ok(&["sync", "--hub", &hub.url]);
    office.ok(&["sync", "--hub", &hub.url]);
    assert_eq!(tickets_held(&office), count, "seed {seed}: head office lacks tickets");
    assert_eq!(office.ok(&["till", "closures", "--till", "GE1-1"]), closures);
    let loyalty = |node: &Company| node.ok(&["report", "loyalty", "--to", "2026-04-01", "--format", "csv"]);
    assert_eq!(loyalty(&office), loyalty(&till), "seed {seed}: the cards' points");
    let rows = crate::csv_rows(&loyalty(&office));
    let points: i64 =
        rows.iter().filter(|row| cards.contains(&row[0])).map(|row| row[6].parse::<i64>().expect("points")).sum();
    assert!(points > 0, "seed {seed}: the cards earned nothing: {rows:?}");
    let stock = |node: &Company| node.ok(&["report", "stock", "--location", "GE1", "--format", "csv"]);
    assert_eq!(stock(&office), stock(&till), "seed {seed}: the store's stock");
    assert!(stock(&office).contains("JKT-M"), "{}", stock(&office));
    assert_eq!(office.state_hash(), till.state_hash(), "seed {seed}");
    hub.stop();
}

//! `rempart bench`: measures, on generated data, what BENCHMARKS.md reports: bulk import (and the
//! same rows into a bare SQLite table as a floor), durable single-entry commits, the trial balance,
//! verify and rebuild; with `--invoicing`, the invoicing measures (`invoicing`). It prints a
//! Markdown table.

pub mod backup;
pub mod fec;
pub mod invoicing;
pub mod stores;
pub mod sync;
pub mod tills;
pub mod web;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{Days, NaiveDate};
use rempart_domain::chart::SWISS_SME_CHART;
use rempart_domain::money::format_plain;
use rempart_domain::{AccountKind, Country, Currency, EntryDraft, PostingDraft};
use rempart_store::Store;

use crate::demo::Lcg;
use crate::i18n::Lang;

/// Imports timed, each into a fresh company.
const IMPORT_RUNS: usize = 3;

/// `count` balanced entries of 2 to 4 postings over two years, ids prefixed by `prefix`.
pub fn generate(count: usize, seed: u64, prefix: &str) -> Vec<EntryDraft> {
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or(NaiveDate::MIN);
    let book = Book { chart: SWISS_SME_CHART, currency: Currency::CHF, start, days: 730, journals: &["OD"] };
    generate_in(&book, count, seed, prefix)
}

/// What generated entries are made of: a chart's accounts, a currency, `days` days from `start`,
/// the journals taken in turn.
pub struct Book<'a> {
    pub chart: &'a [rempart_domain::ChartAccount],
    pub currency: Currency,
    pub start: NaiveDate,
    pub days: u64,
    pub journals: &'a [&'a str],
}

/// `count` balanced entries of 2 to 4 postings in `book`, ids prefixed by `prefix`.
pub fn generate_in(book: &Book<'_>, count: usize, seed: u64, prefix: &str) -> Vec<EntryDraft> {
    let accounts: Vec<&str> = book.chart.iter().filter(|a| a.kind != AccountKind::Closing).map(|a| a.number).collect();
    let mut random = Lcg::new(seed);
    (0..count)
        .map(|index| {
            let postings_count = random.between(2, 4) as usize;
            let mut postings = Vec::with_capacity(postings_count);
            let mut sum = 0;
            for _ in 0..postings_count - 1 {
                let amount = random.between(1, 500_000) * if random.next().is_multiple_of(2) { 1 } else { -1 };
                sum += amount;
                postings.push((accounts[random.between(0, accounts.len() as i64 - 1) as usize], amount));
            }
            if sum == 0 {
                postings[0].1 += 1;
                sum += 1;
            }
            postings.push((accounts[random.between(0, accounts.len() as i64 - 1) as usize], -sum));
            EntryDraft {
                id: format!("{prefix}{index}"),
                date: book.start + Days::new(random.between(0, book.days as i64 - 1) as u64),
                journal: Some(book.journals[index % book.journals.len()].to_owned()),
                text: format!("Generated entry {index}"),
                postings: postings
                    .into_iter()
                    .map(|(account, amount)| PostingDraft {
                        account: account.to_owned(),
                        amount: format_plain(amount, book.currency),
                        currency: None,
                        vat_code: None,
                    })
                    .collect(),
            }
        })
        .collect()
}

fn seconds(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// The same postings inserted into one bare table, with the same durability settings and no
/// hashing, signing, checking or projection: the floor our import is compared with.
fn bare_floor(path: &std::path::Path, drafts: &[EntryDraft]) -> Result<Duration> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "page_size", 16_384)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // As for the import: the commit is timed until durable, the checkpoint is not.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.execute_batch("CREATE TABLE bare (entry_id TEXT, line INTEGER, date TEXT, journal TEXT, account TEXT, amount TEXT, text TEXT)")?;
    let started = Instant::now();
    let transaction = conn.transaction()?;
    {
        let mut statement = transaction
            .prepare("INSERT INTO bare (entry_id, line, date, journal, account, amount, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
        for draft in drafts {
            let date = draft.date.to_string();
            for (line, posting) in draft.postings.iter().enumerate() {
                statement.execute((
                    &draft.id,
                    line as i64,
                    &date,
                    &draft.journal,
                    &posting.account,
                    &posting.amount,
                    &draft.text,
                ))?;
            }
        }
    }
    transaction.commit()?;
    Ok(started.elapsed())
}

/// The directory the benchmark works in, and whether it made it (and so removes it at the end).
pub(crate) fn work_dir(dir: Option<PathBuf>) -> Result<(PathBuf, bool)> {
    let (root, created) = match dir {
        Some(dir) => (dir, false),
        None => (std::env::temp_dir().join(format!("rempart-bench-{}", std::process::id())), true),
    };
    std::fs::create_dir_all(&root)?;
    Ok((root, created))
}

pub fn run(entries: usize, dir: Option<PathBuf>, import_only: bool, lang: Lang) -> Result<()> {
    let (root, created) = work_dir(dir)?;
    let mut rows: Vec<(String, String)> = Vec::new();
    let drafts = generate(entries, 1, "B");
    let postings: usize = drafts.iter().map(|draft| draft.postings.len()).sum();

    // The import is repeated into fresh companies, each followed by its floor, since the disk
    // of a shared machine makes single runs vary; the last company is kept for what follows.
    let mut imports = Vec::with_capacity(IMPORT_RUNS);
    let mut checkpoints = Vec::with_capacity(IMPORT_RUNS);
    let mut floors = Vec::with_capacity(IMPORT_RUNS);
    let mut kept = None;
    for run in 0..IMPORT_RUNS {
        let ledger = root.join(format!("ledger-{run}"));
        let mut store = Store::init(&ledger, "Bench SA", Country::Ch, 1)?;
        let started = Instant::now();
        let outcome = store.post_entries(&drafts, &mut |_| {})?;
        imports.push(started.elapsed());
        anyhow::ensure!(
            outcome.recorded == entries as u64 && outcome.already_present == 0,
            "the import recorded {} of {entries} entries",
            outcome.recorded
        );
        let started = Instant::now();
        store.settle_checkpoints();
        checkpoints.push(started.elapsed());
        let floor_path = root.join(format!("floor-{run}.db"));
        floors.push(bare_floor(&floor_path, &drafts)?);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", floor_path.display()));
        }
        if let Some((previous, path)) = kept.replace((store, ledger)) {
            drop(previous);
            std::fs::remove_dir_all(path)?;
        }
    }
    let Some((mut store, _)) = kept else { anyhow::bail!("no import run") };
    let spread = |samples: &[Duration]| {
        let mut sorted = samples.to_vec();
        sorted.sort();
        let rate = |elapsed: Duration| entries as f64 / seconds(elapsed);
        format!(
            "median {:.2} s, {:.0} entries/s (runs: {})",
            seconds(median(sorted.clone())),
            rate(median(sorted.clone())),
            sorted.iter().map(|elapsed| format!("{:.0}/s", rate(*elapsed))).collect::<Vec<_>>().join(", ")
        )
    };
    rows.push((
        format!("import {entries} entries ({postings} postings), one commit, {IMPORT_RUNS} runs"),
        spread(&imports),
    ));
    rows.push((
        "checkpoint of that commit into the database file (on the checkpointer thread, after the acknowledgement)"
            .to_owned(),
        format!("median {:.2} s", seconds(median(checkpoints))),
    ));
    let ratio = seconds(median(imports.clone())) / seconds(median(floors.clone()));
    rows.push((
        "same rows into a bare SQLite table (floor), same runs".to_owned(),
        format!("{}; import / floor = {ratio:.1}x", spread(&floors)),
    ));

    if import_only {
        return finish(rows, store, &root, created, lang);
    }

    let singles = generate(300, 2, "S");
    let mut latencies = Vec::with_capacity(singles.len());
    for draft in &singles {
        let started = Instant::now();
        store.post_entries(std::slice::from_ref(draft), &mut |_| {})?;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    rows.push((
        format!("durable single-entry commit ({} commits)", latencies.len()),
        format!(
            "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
        ),
    ));

    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    for (label, from, to) in [
        ("trial balance, all dates", None, None),
        ("trial balance, 2024-03-15 to 2025-08-20 (partial months)", day(2024, 3, 15), day(2025, 8, 20)),
    ] {
        let mut totals = Vec::new();
        let samples = (0..7)
            .map(|_| {
                let started = Instant::now();
                store.account_totals(from, to).map(|read| {
                    totals = read;
                    started.elapsed()
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // What was measured is a trial balance: per currency, debits equal credits, and every
        // imported posting is in it.
        let mut balance: std::collections::BTreeMap<Currency, (i64, i64)> = std::collections::BTreeMap::new();
        for account in &totals {
            let sums = balance.entry(account.currency).or_default();
            sums.0 += account.debit_minor;
            sums.1 += account.credit_minor;
        }
        for (currency, (debit, credit)) in &balance {
            anyhow::ensure!(debit == credit, "{label}: debits {debit} and credits {credit} in {currency} differ");
        }
        anyhow::ensure!(balance.values().all(|(debit, _)| *debit > 0), "{label}: nothing was summed");
        rows.push((label.to_owned(), format!("median {:.1} ms", median(samples).as_secs_f64() * 1e3)));
    }

    let events = store.event_count()?;
    let started = Instant::now();
    let report = store.verify()?;
    let verify = started.elapsed();
    anyhow::ensure!(report.is_ok(), "verify found problems in the benchmark data: {:?}", report.problems);
    rows.push((
        "verify, database file check (SQLite quick_check)".to_owned(),
        format!("{:.2} s", seconds(report.integrity_elapsed)),
    ));
    rows.push((
        format!("verify {events} events, chains and seals"),
        format!(
            "{:.2} s, {:.0} events/s",
            seconds(report.chains_elapsed),
            events as f64 / seconds(report.chains_elapsed)
        ),
    ));
    rows.push((
        "verify, whole (chains + replay into scratch projections + compare)".to_owned(),
        format!("{:.2} s, {:.0} events/s", seconds(verify), events as f64 / seconds(verify)),
    ));

    let started = Instant::now();
    let hash = store.rebuild()?;
    let rebuild = started.elapsed();
    anyhow::ensure!(Some(hash) == report.state_hash, "rebuild changed the state hash");
    rows.push((
        format!("rebuild {events} events"),
        format!("{:.2} s, {:.0} events/s", seconds(rebuild), events as f64 / seconds(rebuild)),
    ));

    finish(rows, store, &root, created, lang)
}

fn finish(rows: Vec<(String, String)>, store: Store, root: &std::path::Path, created: bool, lang: Lang) -> Result<()> {
    println!("| measure | result |\n|---|---|");
    for (label, value) in rows {
        println!("| {label} | {value} |");
    }
    println!("\n{}", lang.text("bench.done"));
    drop(store);
    if created {
        std::fs::remove_dir_all(root)?;
    }
    Ok(())
}

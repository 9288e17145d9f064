//! The FEC of a large French book: `--entries` generated entries of 2 to 4 lines over the
//! plan comptable, imported into a French company in one commit, then the FEC of the year
//! written by `rempart export fec` in a process of its own, timed, its peak resident memory
//! read from `/proc`, and compared with that of a book a tenth the size: the export streams,
//! so the memory it takes does not grow with the book.

use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::NaiveDate;
use rempart_domain::chart::FRENCH_PCG_CHART;
use rempart_domain::{Country, Currency, EntryDraft};
use rempart_store::Store;

use crate::i18n::Lang;

/// `count` balanced entries of 2 to 4 lines in euros over the French chart, dated in 2025,
/// in four journals.
fn generate(count: usize) -> Vec<EntryDraft> {
    let book = super::Book {
        chart: FRENCH_PCG_CHART,
        currency: Currency::EUR,
        start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or(NaiveDate::MIN),
        days: 365,
        journals: &["OD", "VTE", "ACH", "BQ"],
    };
    super::generate_in(&book, count, 47, "F")
}

/// The peak resident memory of process `pid` so far, in KiB (its `VmHWM`), if it still runs.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `rempart export fec` on the book at `ledger` as a process of its own, as a person
/// would: the time it took, start to exit, and the most resident memory it held, read from
/// `/proc` every few milliseconds while it ran.
fn export(ledger: &std::path::Path, out: &std::path::Path) -> Result<(Duration, u64)> {
    let started = Instant::now();
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .arg("--data-dir")
        .arg(ledger)
        .args(["export", "fec", "--year", "2025", "--out"])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let mut peak = 0;
    loop {
        if let Some(kib) = peak_kib(child.id()) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait()? {
            anyhow::ensure!(status.success(), "the export failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok((started.elapsed(), peak))
}

pub fn run(entries: usize, dir: Option<std::path::PathBuf>, lang: Lang) -> Result<()> {
    let (root, created) = super::work_dir(dir)?;
    let mut rows = Vec::new();
    for count in [entries / 10, entries] {
        let ledger = root.join(format!("fec-{count}"));
        let mut store = Store::init(&ledger, "Bench SARL", Country::Fr, 1)?;
        store.set_company_details([("siren".to_owned(), Some("732829320".to_owned()))].into())?;
        {
            let drafts = generate(count);
            let outcome = store.post_entries(&drafts, &mut |_| {})?;
            anyhow::ensure!(outcome.recorded == count as u64, "the import recorded {} of {count}", outcome.recorded);
        }
        store.settle_checkpoints();
        drop(store);
        let out = root.join(format!("out-{count}"));
        let (elapsed, peak_kib) = export(&ledger, &out)?;
        let path = out.join("732829320FEC20251231.txt");
        let bytes = std::fs::metadata(&path)?.len();
        let lines = std::io::BufRead::lines(std::io::BufReader::new(std::fs::File::open(&path)?)).count() - 1;
        rows.push((
            format!("`rempart export fec` of {count} entries ({lines} lines, {:.0} MB)", bytes as f64 / 1e6),
            format!(
                "{:.2} s, {:.0} entries/s; the process's peak resident memory {:.1} MiB",
                elapsed.as_secs_f64(),
                count as f64 / elapsed.as_secs_f64(),
                peak_kib as f64 / 1024.0
            ),
        ));
        std::fs::remove_dir_all(&out)?;
        std::fs::remove_dir_all(&ledger)?;
    }
    println!("| measure | result |\n|---|---|");
    for (label, value) in rows {
        println!("| {label} | {value} |");
    }
    println!("\n{}", lang.text("bench.done"));
    if created {
        std::fs::remove_dir_all(&root)?;
    }
    Ok(())
}

//! `rempart bench --web`: the web app's pages on large books. A garage's year of invoices with
//! their payments and bills, plus `--entries` generated entries, served by the app on loopback;
//! each page of the dashboard, the lists and the reports is asked many times by a logged-in
//! owner, over HTTP, and its time from request to the last byte is measured.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use rempart_domain::Country;
use rempart_domain::users::Role;
use rempart_store::Store;

use super::{generate, percentile, work_dir};
use crate::i18n::Lang;

const PASSWORD: &str = "the bench owner's password";
/// Timed requests per page, after two that warm the caches.
const SAMPLES: usize = 30;

fn millis(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1000.0
}

/// The median, 95th percentile and longest of sorted samples.
fn timing(samples: &[Duration]) -> String {
    format!(
        "p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        millis(percentile(samples, 0.5)),
        millis(percentile(samples, 0.95)),
        millis(samples.last().copied().unwrap_or_default())
    )
}

/// The pages asked: the dashboard, the lists and the reports, as a person opens them.
fn pages(invoice: &str, contact: &str, bill: &str) -> Vec<(String, String)> {
    let report = |kind: &str| format!("/reports?kind={kind}&from=01.01.2025&to=31.12.2025");
    vec![
        ("dashboard".to_owned(), "/dashboard".to_owned()),
        ("contacts".to_owned(), "/contacts".to_owned()),
        ("contacts, searched by name".to_owned(), "/contacts?q=client%200042".to_owned()),
        ("a contact".to_owned(), format!("/contacts/{contact}")),
        ("invoices (the newest 200)".to_owned(), "/invoices".to_owned()),
        ("invoices of one customer".to_owned(), "/invoices?customer=Client%200042".to_owned()),
        ("invoices overdue".to_owned(), "/invoices?status=overdue".to_owned()),
        ("an invoice".to_owned(), format!("/invoices/{invoice}")),
        ("supplier bills".to_owned(), "/bills".to_owned()),
        ("a bill".to_owned(), format!("/bills/{bill}")),
        ("journal entries (the latest 50, and the form)".to_owned(), "/journal".to_owned()),
        ("settings: the company".to_owned(), "/settings".to_owned()),
        ("settings: people".to_owned(), "/settings/users".to_owned()),
        ("settings: devices".to_owned(), "/settings/devices".to_owned()),
        ("trial balance".to_owned(), report("trial-balance")),
        ("balance sheet".to_owned(), report("balance-sheet")),
        ("income statement".to_owned(), report("income-statement")),
        ("VAT return".to_owned(), report("vat")),
        ("receivables".to_owned(), report("receivables")),
        ("payables".to_owned(), report("payables")),
        ("dunning list".to_owned(), report("dunning")),
        ("ledger of 1020".to_owned(), format!("{}&account=1020", report("ledger"))),
        ("journal".to_owned(), report("journal")),
        ("trial balance as CSV".to_owned(), "/reports/csv?kind=trial-balance&from=01.01.2025&to=31.12.2025".to_owned()),
    ]
}

pub fn run(entries: usize, invoices: usize, dir: Option<PathBuf>, lang: Lang) -> Result<()> {
    let (root, created) = work_dir(dir)?;
    let path = root.join("web");
    let mut store = Store::init(&path, "Garage du Lac Sàrl", Country::Ch, 1)?;
    let started = Instant::now();
    super::invoicing::garage_year(&mut store, invoices)?;
    let outcome = store.post_entries(&generate(entries, 1, "B"), &mut |_| {})?;
    ensure!(outcome.recorded == entries as u64, "the import recorded {} of {entries} entries", outcome.recorded);
    store.add_user("bench", Role::Owner, PASSWORD, None)?;
    let invoice = store.invoices()?.into_iter().rev().find_map(|invoice| invoice.number).context("no invoice")?;
    let bill = store.bills(None, None)?.into_iter().next().context("no bill")?.id;
    let events = store.event_count()?;
    let made = started.elapsed();
    drop(store);

    let running = rempart_web::start(rempart_web::Config::new(&path, "127.0.0.1:0".parse()?))?;
    let base = format!("http://{}", running.addr);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
    let login = agent.get(&format!("{base}/login")).call()?;
    let cookie = |response: &ureq::http::Response<ureq::Body>, name: &str| {
        response.headers().get_all("set-cookie").iter().filter_map(|value| value.to_str().ok()).find_map(|value| {
            value.split(';').next().and_then(|pair| pair.strip_prefix(&format!("{name}="))).map(str::to_owned)
        })
    };
    let token = cookie(&login, "rempart_login").context("no login cookie")?;
    let form = format!("csrf={token}&user=bench&password={}", PASSWORD.replace(' ', "+").replace('\'', "%27"));
    let logged = agent
        .post(&format!("{base}/login"))
        .header("cookie", &format!("rempart_login={token}"))
        .content_type("application/x-www-form-urlencoded")
        .send(form.as_bytes())?;
    let session = cookie(&logged, "rempart_session").context("the login was refused")?;

    let mut rows = vec![(
        format!("books: {entries} generated entries and a garage's year of {invoices} invoices ({events} events)"),
        format!("made in {:.0} s", made.as_secs_f64()),
    )];
    for (label, page) in pages(&invoice, "C0042", &bill) {
        let mut samples = Vec::with_capacity(SAMPLES);
        let mut bytes = 0;
        for run in 0..SAMPLES + 2 {
            let started = Instant::now();
            let mut response =
                agent.get(&format!("{base}{page}")).header("cookie", &format!("rempart_session={session}")).call()?;
            let body = response.body_mut().with_config().limit(256 << 20).read_to_vec()?;
            let elapsed = started.elapsed();
            ensure!(response.status() == 200, "{page} answered {}", response.status());
            bytes = body.len();
            if run >= 2 {
                samples.push(elapsed);
            }
        }
        samples.sort();
        rows.push((format!("{label} (`{page}`, {} KiB)", bytes.div_ceil(1024)), timing(&samples)));
    }
    // The dashboard right after an entry is recorded beside the app (as a command would): it
    // shows the last count of forks and conflicts at once and counts again on its own thread.
    let mut writer = Store::open(&path)?;
    let mut samples = Vec::with_capacity(SAMPLES);
    for run in 0..SAMPLES + 2 {
        let recorded = writer.post_entries(&generate(1, 1_000 + run as u64, &format!("D{run}-")), &mut |_| {})?;
        ensure!(recorded.recorded == 1, "the entry beside the app was not recorded");
        let started = Instant::now();
        let mut response =
            agent.get(&format!("{base}/dashboard")).header("cookie", &format!("rempart_session={session}")).call()?;
        response.body_mut().read_to_vec()?;
        let elapsed = started.elapsed();
        ensure!(response.status() == 200, "/dashboard answered {}", response.status());
        if run >= 2 {
            samples.push(elapsed);
        }
    }
    samples.sort();
    rows.push((
        "dashboard after each new entry (`/dashboard`, an entry recorded beside the app before each request)"
            .to_owned(),
        timing(&samples),
    ));
    drop(writer);
    running.stop();
    println!("| page | time to the last byte ({SAMPLES} requests) |\n|---|---|");
    for (label, value) in rows {
        println!("| {label} | {value} |");
    }
    println!("\n{}", lang.text("bench.done"));
    if created {
        std::fs::remove_dir_all(root)?;
    }
    Ok(())
}

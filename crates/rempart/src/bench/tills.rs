//! `rempart bench --till`: what the stores issue sets targets for. A store with a catalogue of
//! 300 SKUs and a year of stock movements (about 300 tickets a day of one to three lines, as
//! their movements, recorded in bulk); then tickets sold one by one on its till, each timed until
//! durable, and the store's stock query, now and at a past day.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{Days, NaiveDate};
use rempart_domain::Country;
use rempart_domain::catalogue::ItemDefined;
use rempart_domain::stock::{AdjustReason, AdjustedLine, LocationAdded, LocationKind, SkuDefined, StockAdjusted};
use rempart_domain::tills::{Method, Tender};
use rempart_domain::{Currency, Fact};
use rempart_store::Store;
use rempart_store::tills::SaleLine;

use super::{finish, median, percentile, work_dir};
use crate::demo::Lcg;
use crate::i18n::Lang;

const SKUS: usize = 300;
const TICKETS_A_DAY: usize = 300;
/// Movements recorded per bulk commit.
const CHUNK: usize = 10_000;
/// Tickets sold one by one, each timed.
const SALES: usize = 2_000;
/// Timed runs of the stock query.
const RUNS: usize = 31;

fn millis(elapsed: Duration) -> String {
    format!("{:.2} ms", elapsed.as_secs_f64() * 1e3)
}

/// `items` items of the catalogue, `ART000` on, each in sizes S, M and L (`ART000-M`).
pub(super) fn catalogue(store: &mut Store, items: usize) -> Result<()> {
    for index in 0..items {
        store.define_item(ItemDefined {
            code: format!("ART{index:03}"),
            label: format!("Article {index}"),
            unit: "pce".into(),
            price_minor: 2_000 + 100 * index as i64,
            currency: Currency::CHF,
            vat_code: "N81".into(),
            account: "3200".into(),
        })?;
        for size in ["S", "M", "L"] {
            let sku = SkuDefined {
                sku: format!("ART{index:03}-{size}"),
                item: format!("ART{index:03}"),
                barcode: None,
                size: Some(size.into()),
                colour: None,
            };
            store.define_sku(sku)?;
        }
    }
    Ok(())
}

pub fn run(dir: Option<PathBuf>, lang: Lang) -> Result<()> {
    let (root, created) = work_dir(dir)?;
    let mut store = Store::init(&root.join("store"), "Mode Léman SA", Country::Ch, 1)?;
    store
        .add_location(LocationAdded { code: "GE1".into(), label: "Genève Rive".into(), kind: LocationKind::Store })?;
    catalogue(&mut store, SKUS / 3)?;
    // A year of the store's movements, as its tickets leave them.
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or(NaiveDate::MIN);
    let mut random = Lcg::new(21);
    let mut movements = Vec::new();
    let mut lines = 0usize;
    for day in 0..365u64 {
        for ticket in 0..TICKETS_A_DAY {
            let count = random.between(1, 3) as usize;
            lines += count;
            let sku = |random: &mut Lcg| {
                let index = random.between(0, SKUS as i64 - 1) as usize;
                format!("ART{:03}-{}", index / 3, ["S", "M", "L"][index % 3])
            };
            movements.push(StockAdjusted {
                id: format!("B-{day}-{ticket}"),
                date: start + Days::new(day),
                location: "GE1".into(),
                reason: AdjustReason::Correction,
                lines: (0..count).map(|_| AdjustedLine { sku: sku(&mut random), delta: -1, counted: None }).collect(),
            });
        }
    }
    let started = Instant::now();
    for chunk in movements.chunks(CHUNK) {
        store.commit(|commit| {
            for movement in chunk {
                commit.record(Fact::StockAdjusted(movement.clone()))?;
            }
            Ok(())
        })?;
    }
    let bulk = started.elapsed();
    let mut rows = vec![(
        "a year of a store's movements recorded in bulk".to_owned(),
        format!("{} tickets' worth, {lines} lines, in {:.1} s", movements.len(), bulk.as_secs_f64()),
    )];
    // Tickets one by one on the till, each until durable.
    store.bind_till("GE1-1", "GE1")?;
    store.open_session(20_000, start)?;
    let mut samples = Vec::with_capacity(SALES);
    for index in 0..SALES {
        let sale = [
            SaleLine { code: format!("ART{:03}-M", index % 100), qty: 1, price_minor: None },
            SaleLine { code: format!("ART{:03}-L", (index * 7) % 100), qty: 2, price_minor: None },
        ];
        // Paid in cash beyond the total: the change is computed, as at a real till.
        let cash = vec![Tender { method: Method::Cash, amount_minor: 1_000_000, voucher: None }];
        let started = Instant::now();
        store.sell(&sale, None, cash, None, start)?;
        samples.push(started.elapsed());
    }
    samples.sort();
    rows.push((
        format!("ticket commit on the till ({SALES} tickets of 2 lines, durable)"),
        format!(
            "p50 {}, p99 {}, max {}",
            millis(percentile(&samples, 0.5)),
            millis(percentile(&samples, 0.99)),
            millis(percentile(&samples, 1.0))
        ),
    ));
    let mut now = Vec::new();
    let mut past = Vec::new();
    let mid_year = start + Days::new(182);
    for _ in 0..RUNS {
        let started = Instant::now();
        let levels = store.stock_levels(Some("GE1"), None)?;
        now.push(started.elapsed());
        anyhow::ensure!(levels.len() == SKUS, "{} SKUs at the store", levels.len());
        let started = Instant::now();
        store.stock_levels(Some("GE1"), Some(mid_year))?;
        past.push(started.elapsed());
    }
    rows.push((format!("the store's stock now ({SKUS} SKUs, median of {RUNS})"), millis(median(now))));
    rows.push((format!("the store's stock at the end of a past day (median of {RUNS})"), millis(median(past))));
    finish(rows, store, &root, created, lang)
}

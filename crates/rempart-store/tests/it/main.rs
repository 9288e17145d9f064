//! Property tests of the store: for any sequence of valid entries the books balance per currency,
//! a rebuild reproduces the state hash, and a refused input leaves the state hash unchanged.

// Integration tests: a failed unwrap is a failed test (the product itself denies unwrap).
#![allow(clippy::unwrap_used)]

mod sync;

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rempart_domain::money::format_plain;
use rempart_domain::{AccountKind, AccountOpened, Country, Currency, EntryDraft, PostingDraft};
use rempart_store::Store;

const ACCOUNTS: [&str; 8] = ["1000", "1020", "1100", "2000", "3400", "4000", "6000", "6900"];
const EURO_ACCOUNTS: [&str; 2] = ["1021", "2001"];

fn new_store() -> (tempfile::TempDir, Store) {
    let temp = tempfile::tempdir().expect("temporary directory");
    let mut store = Store::init(&temp.path().join("data"), "Prop SA", Country::Ch, 1).expect("init");
    for (number, kind) in [("1021", AccountKind::Asset), ("2001", AccountKind::Liability)] {
        store
            .open_account(AccountOpened {
                number: number.into(),
                label: format!("Compte EUR {number}"),
                label_de: None,
                label_en: None,
                kind,
                currency: Currency::EUR,
            })
            .expect("open EUR account");
    }
    (temp, store)
}

/// A balanced entry: `amounts` go to chosen accounts and one more posting balances them.
fn arb_entry() -> impl Strategy<Value = (bool, u64, Vec<(usize, i64)>, usize)> {
    (
        any::<bool>(),
        0u64..700,
        proptest::collection::vec((0usize..8, (-5_000_000i64..5_000_000).prop_filter("non-zero", |a| *a != 0)), 1..4),
        0usize..8,
    )
}

fn draft(index: usize, (euro, day, amounts, balancing): &(bool, u64, Vec<(usize, i64)>, usize)) -> EntryDraft {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let (accounts, currency): (&[&str], Currency) =
        if *euro { (&EURO_ACCOUNTS, Currency::EUR) } else { (&ACCOUNTS, Currency::CHF) };
    let mut postings: Vec<PostingDraft> = amounts
        .iter()
        .map(|(account, amount)| PostingDraft {
            account: accounts[account % accounts.len()].into(),
            amount: format_plain(*amount, currency),
            currency: Some(currency),
            vat_code: None,
        })
        .collect();
    let posting = |account: &str, amount_minor: i64| PostingDraft {
        account: account.into(),
        amount: format_plain(amount_minor, currency),
        currency: Some(currency),
        vat_code: None,
    };
    let mut sum: i64 = amounts.iter().map(|(_, amount)| amount).sum();
    if sum == 0 {
        postings.push(posting(accounts[0], 1));
        sum = 1;
    }
    postings.push(posting(accounts[balancing % accounts.len()], -sum));
    EntryDraft {
        id: format!("P-{index}"),
        date: start + Days::new(*day),
        journal: None,
        text: format!("Entry {index}"),
        postings,
    }
}
proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn books_balance_and_rebuild_reproduces_the_state(entries in proptest::collection::vec(arb_entry(), 1..40), split in 0usize..40) {
        let (_temp, mut store) = new_store();
        let drafts: Vec<EntryDraft> = entries.iter().enumerate().map(|(index, entry)| draft(index, entry)).collect();
        let split = split.min(drafts.len());
        store.post_entries(&drafts[..split], &mut |_| {}).expect("first commit");
        store.post_entries(&drafts[split..], &mut |_| {}).expect("second commit");
        let mut per_currency = std::collections::BTreeMap::new();
        for row in store.account_totals(None, None).expect("totals") {
            *per_currency.entry(row.currency).or_insert(0i64) += row.closing_minor();
        }
        prop_assert!(per_currency.values().all(|sum| *sum == 0), "{per_currency:?}");
        // The same holds over any sub-range, which mixes monthly balances and partial months.
        let from = NaiveDate::from_ymd_opt(2025, 2, 14).expect("date");
        let to = NaiveDate::from_ymd_opt(2025, 11, 3).expect("date");
        let mut movement = std::collections::BTreeMap::new();
        for row in store.account_totals(Some(from), Some(to)).expect("totals") {
            *movement.entry(row.currency).or_insert(0i64) += row.debit_minor - row.credit_minor;
        }
        prop_assert!(movement.values().all(|sum| *sum == 0), "{movement:?}");
        // And each account's totals over that range equal the sum of its postings in it.
        for row in store.account_totals(Some(from), Some(to)).expect("totals") {
            let (debit, credit): (i64, i64) = store
                .connection()
                .query_row(
                    "SELECT coalesce(sum(max(amount_minor, 0)), 0), coalesce(sum(max(-amount_minor, 0)), 0) FROM p_postings
                     WHERE account = ?1 AND currency = ?2 AND date BETWEEN '2025-02-14' AND '2025-11-03'",
                    [&row.account, row.currency.as_str()],
                    |sums| Ok((sums.get(0)?, sums.get(1)?)),
                )
                .expect("sum");
            prop_assert_eq!((row.debit_minor, row.credit_minor), (debit, credit), "account {}", row.account);
        }
        let report = store.verify().expect("verify");
        prop_assert!(report.is_ok(), "{:?}", report.problems);
        let before = store.state_hash().expect("state hash");
        prop_assert_eq!(report.state_hash, Some(before));
        prop_assert_eq!(store.rebuild().expect("rebuild"), before);
    }

    #[test]
    fn a_refused_input_leaves_the_state_unchanged(entries in proptest::collection::vec(arb_entry(), 1..10), flaw in 0usize..5, delta in 1i64..1000) {
        let (_temp, mut store) = new_store();
        let drafts: Vec<EntryDraft> = entries.iter().enumerate().map(|(index, entry)| draft(index, entry)).collect();
        store.post_entries(&drafts, &mut |_| {}).expect("commit");
        store.close_period(NaiveDate::from_ymd_opt(2024, 12, 31).expect("date")).expect("close");
        let before = store.state_hash().expect("state hash");
        let events = store.event_count().expect("count");
        let mut bad = draft(1000, &entries[0]);
        match flaw {
            0 => bad.postings[0].amount = format_plain(delta, Currency::CHF) + "1",
            1 => bad.postings[0].account = "9999".into(),
            2 => bad.date = NaiveDate::from_ymd_opt(2024, 6, 30).expect("date"),
            3 => bad.postings.truncate(1),
            _ => {
                let last = bad.postings.len() - 1;
                bad.postings[last].amount = bad.postings[last].amount.replace(".", ",");
            }
        }
        // A good entry before the bad one in the same file: all or nothing.
        let good = EntryDraft { id: "GOOD".into(), ..draft(1001, &entries[0]) };
        let refused = store.post_entries(&[good, bad], &mut |_| {});
        prop_assert!(refused.is_err());
        prop_assert_eq!(store.state_hash().expect("state hash"), before);
        prop_assert_eq!(store.event_count().expect("count"), events);
        prop_assert!(store.verify().expect("verify").is_ok());
    }
}

#[test]
fn reimporting_is_idempotent_and_conflicting_ids_are_refused() {
    let (_temp, mut store) = new_store();
    let entry = draft(1, &(false, 10, vec![(0, 500)], 1));
    let first = store.post_entries(std::slice::from_ref(&entry), &mut |_| {}).expect("first");
    let again = store.post_entries(std::slice::from_ref(&entry), &mut |_| {}).expect("again");
    assert_eq!((first.recorded, first.already_present, again.recorded, again.already_present), (1, 0, 0, 1));
    let mut changed = entry.clone();
    changed.text = "Other text".into();
    let error = store.post_entries(&[changed], &mut |_| {}).expect_err("conflict");
    assert!(error.to_string().contains("entry P-1 already exists with different content"), "{error}");
}

#[test]
fn a_bulk_import_builds_its_indexes_at_the_end_and_verifies() {
    let (_temp, mut store) = new_store();
    let drafts: Vec<EntryDraft> = (0..12_000)
        .map(|index| {
            draft(index, &(index % 7 == 0, (index % 700) as u64, vec![(index % 8, 1 + index as i64)], index % 5))
        })
        .collect();
    let mut progress = Vec::new();
    let outcome = store.post_entries(&drafts, &mut |done| progress.push(done)).expect("bulk import");
    assert_eq!(outcome.recorded, 12_000);
    assert_eq!(progress.last(), Some(&12_000));
    let indexes: Vec<String> = store
        .connection()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'p_%' ORDER BY name")
        .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect())
        .expect("indexes");
    assert_eq!(
        indexes,
        [
            "p_bill_payments_bill",
            "p_bills_supplier_reference",
            "p_credit_notes_invoice",
            "p_entries_by_date",
            "p_entries_journal_number",
            "p_entries_reverses",
            "p_invoices_contact",
            "p_loyalty_points_card",
            "p_loyalty_points_ticket",
            "p_quotes_contact",
            "p_reminders_invoice",
            "p_skus_barcode",
            "p_tickets_card",
            "p_tickets_returns",
            "p_till_cash_session",
            "p_tills_till",
            "p_users_name",
            "p_vat_awaiting_by_date",
            "p_vehicle_visits_vehicle"
        ]
    );
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(Some(store.rebuild().expect("rebuild")), report.state_hash);
}

#[derive(Debug, Clone)]
enum InvoiceOp {
    /// A draft dated in the open year, or in the closed one (its issue must fail).
    Draft {
        closed_year: bool,
    },
    Line {
        draft: usize,
    },
    Issue {
        draft: usize,
    },
    /// Whole invoices imported in one commit; with an empty one among them, all are refused.
    Import {
        count: usize,
        with_empty: bool,
    },
}

fn arb_invoice_op() -> impl Strategy<Value = InvoiceOp> {
    prop_oneof![
        any::<bool>().prop_map(|closed_year| InvoiceOp::Draft { closed_year }),
        (0usize..8).prop_map(|draft| InvoiceOp::Line { draft }),
        (0usize..8).prop_map(|draft| InvoiceOp::Issue { draft }),
        (1usize..4, any::<bool>()).prop_map(|(count, with_empty)| InvoiceOp::Import { count, with_empty }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Whatever the interleaving of drafts, lines, issues, imports and failed issues (empty
    /// invoices, invoices in a closed period, invoices issued twice), the numbers of a series are gapless,
    /// strictly increasing in the order of issue, and never appear twice.
    #[test]
    fn invoice_numbers_are_gapless_and_unique(ops in proptest::collection::vec(arb_invoice_op(), 1..40)) {
        use rempart_domain::catalogue::ItemDefined;
        use rempart_store::invoices::LineSpec;
        let (_temp, mut store) = new_store();
        store.create_contact(Some("K".into()), [("name".to_owned(), Some("Client".to_owned()))].into()).expect("contact");
        store.define_item(ItemDefined {
            code: "MO".into(), label: "Main-d'œuvre".into(), unit: "h".into(), price_minor: 12_000,
            currency: Currency::CHF, vat_code: "N81".into(), account: "3400".into(),
        }).expect("item");
        store.close_period(NaiveDate::from_ymd_opt(2025, 12, 31).expect("date")).expect("close");
        let mut drafts: Vec<String> = Vec::new();
        let mut issued: Vec<String> = Vec::new();
        for op in ops {
            match op {
                InvoiceOp::Draft { closed_year } => {
                    let date = if closed_year { NaiveDate::from_ymd_opt(2025, 6, 15) } else { NaiveDate::from_ymd_opt(2026, 3, 10) };
                    drafts.push(store.draft_invoice("K", date.expect("date"), false).expect("draft"));
                }
                InvoiceOp::Line { draft } => {
                    if let Some(id) = drafts.get(draft) {
                        let spec = LineSpec { item: Some("MO".into()), quantity_milli: 1_500, ..LineSpec::default() };
                        // Refused once the invoice is issued; that refusal changes nothing.
                        let _ = store.add_invoice_line(id, spec);
                    }
                }
                InvoiceOp::Issue { draft } => {
                    if let Some(id) = drafts.get(draft) {
                        let before = store.state_hash().expect("hash");
                        match store.issue_invoice(id) {
                            Ok(number) => issued.push(number),
                            Err(_) => prop_assert_eq!(store.state_hash().expect("hash"), before),
                        }
                    }
                }
                InvoiceOp::Import { count, with_empty } => {
                    use rempart_store::invoices::InvoiceImport;
                    let imports: Vec<InvoiceImport> = (0..count)
                        .map(|index| InvoiceImport {
                            contact: "K".into(),
                            date: NaiveDate::from_ymd_opt(2026, 4, 1).expect("date"),
                            cash_rounding: false,
                            lines: if with_empty && index + 1 == count {
                                Vec::new()
                            } else {
                                vec![LineSpec { item: Some("MO".into()), quantity_milli: 1_000, ..LineSpec::default() }]
                            },
                        })
                        .collect();
                    let before = store.state_hash().expect("hash");
                    match store.import_invoices(imports) {
                        Ok(imported) => {
                            prop_assert!(!with_empty);
                            prop_assert_eq!(imported.len(), count);
                            issued.extend(imported.into_iter().map(|invoice| invoice.number));
                        }
                        Err(_) => {
                            prop_assert!(with_empty);
                            prop_assert_eq!(store.state_hash().expect("hash"), before);
                        }
                    }
                }
            }
        }
        for (index, number) in issued.iter().enumerate() {
            prop_assert_eq!(number, &format!("2026-{:04}", index + 1));
        }
        let stored: Vec<String> = store
            .connection()
            .prepare("SELECT number FROM p_invoices WHERE number IS NOT NULL ORDER BY number")
            .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect())
            .expect("numbers");
        prop_assert_eq!(stored, issued.clone());
        let report = store.verify().expect("verify");
        prop_assert!(report.is_ok(), "{:?}", report.problems);
    }
}

/// Projections of an older layout are refused with the way out, and `rebuild` takes it.
#[test]
fn projections_of_an_older_layout_are_rebuilt_before_use() {
    let (temp, store) = new_store();
    let hash = store.state_hash().expect("hash");
    store.connection().execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'", []).expect("downgrade");
    // A table of layout 19 that layout 20 retired: the rebuild leaves none of its rows.
    store
        .connection()
        .execute_batch(
            "CREATE TABLE p_ticket_lines (key TEXT, line INTEGER); INSERT INTO p_ticket_lines VALUES ('T', 0);",
        )
        .expect("an old table");
    drop(store);
    let dir = temp.path().join("data");
    let error = Store::open(&dir).err().expect("an older layout is refused");
    assert!(error.to_string().contains("run `rempart rebuild`"), "{error}");
    let mut repair = Store::open_for_repair(&dir).expect("open for repair");
    assert_eq!(repair.rebuild().expect("rebuild"), hash);
    drop(repair);
    let store = Store::open(&dir).expect("open after the rebuild");
    assert_eq!(store.schema_version().expect("version"), rempart_store::SCHEMA_VERSION);
    let old: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'p_ticket_lines'", [], |row| row.get(0))
        .expect("tables");
    assert_eq!(old, 0, "the retired table is dropped");
}

/// A commit past the WAL threshold is copied into the database file by the checkpointer thread,
/// after the commit returned.
#[test]
fn the_checkpointer_copies_a_large_commit_into_the_database_file() {
    let (temp, mut store) = new_store();
    let database = temp.path().join("data").join("ledger.db");
    let size = || std::fs::metadata(&database).expect("database file").len();
    let before = size();
    let drafts: Vec<EntryDraft> = (0..100_000)
        .map(|index| draft(index, &(false, (index % 700) as u64, vec![(index % 8, 1 + index as i64)], 0)))
        .collect();
    store.post_entries(&drafts, &mut |_| {}).expect("import");
    assert!(store.settle_checkpoints() >= 1, "no checkpoint was done");
    // More than 64 MiB reached the database file, so the WAL carried more than the size kept;
    // once it was copied, with no write in progress, the checkpointer cut it.
    assert!(size() > before + (64 << 20), "the database file did not receive the commit: {before} -> {}", size());
    let wal = std::fs::metadata(database.with_extension("db-wal")).expect("WAL file").len();
    assert!(wal <= 64 << 20, "the WAL was left at {wal} bytes");
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.problems);
}

/// ARCHITECTURE.md's table of formats names the layout the store writes.
#[test]
fn the_architecture_names_the_schema_version() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path).expect("ARCHITECTURE.md");
    let named = format!("`SCHEMA_VERSION = {}`", rempart_store::SCHEMA_VERSION);
    assert!(text.contains(&named), "ARCHITECTURE.md does not say {named}");
    let named = format!("`FORMAT_VERSION = {}`", rempart_log::FORMAT_VERSION);
    assert!(text.contains(&named), "ARCHITECTURE.md does not say {named} (the event format)");
}

/// Issue 19: README's layout names every crate of the workspace, and ARCHITECTURE.md too.
#[test]
fn the_readme_and_the_architecture_name_every_crate() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut crates = 0;
    for entry in std::fs::read_dir(root.join("crates")).expect("crates").flatten() {
        let named = format!("`crates/{}`", entry.file_name().to_string_lossy());
        assert!(readme.contains(&named), "README.md does not name {named}");
        assert!(architecture.contains(&named), "ARCHITECTURE.md does not name {named}");
        crates += 1;
    }
    assert!(crates >= 8, "{crates}");
}

/// Issue 18, flaw 8: a data directory is its owner's alone, files made by this version and
/// files left loose by an earlier one or a copy, and a file written by way of a temporary one is
/// never written through a link someone put in its place.
#[cfg(unix)]
#[test]
fn a_data_directory_and_its_files_are_readable_by_their_owner_alone() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let (temp, mut store) = new_store();
    store.post_entries(&[draft(1, &(false, 3, vec![(0, 1_000)], 1))], &mut |_| {}).unwrap();
    let dir = store.dir().to_owned();
    assert_eq!(mode(&dir), 0o700);
    let files = ["ledger.db", "ledger.db-wal", "ledger.db-shm", "node.key", "node.json", "head.seal"];
    for file in files {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    drop(store);

    // Loosened (an earlier version, a copy with a loose umask): tightened when opened.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for file in ["ledger.db", "node.key"] {
        std::fs::set_permissions(dir.join(file), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    // Links planted where the anchor's temporary files go (named after this process and a
    // count of its writes): the write does not follow them.
    let target = temp.path().join("elsewhere");
    std::fs::write(&target, b"untouched").unwrap();
    let planted: Vec<std::path::PathBuf> =
        (0..1000).map(|write| dir.join(format!("head.tmp-{}-{write}", std::process::id()))).collect();
    for link in &planted {
        std::os::unix::fs::symlink(&target, link).unwrap();
    }
    let mut store = Store::open(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    for file in ["ledger.db", "node.key"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    store.post_entries(&[draft(2, &(false, 4, vec![(0, 2_000)], 1))], &mut |_| {}).unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"untouched");
    assert!(planted.iter().any(|link| !link.exists()), "the write took the place of a link");
    assert_eq!(mode(&dir.join("head.seal")), 0o600);
}

/// Issue 19: ARCHITECTURE.md's table of facts lists every kind of the registry once, with its
/// payload version, and nothing else.
#[test]
fn the_architecture_lists_every_fact_kind() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path).expect("ARCHITECTURE.md");
    let listed: Vec<(String, u32)> = text
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let kind = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let version = cells.get(3)?.parse().ok()?;
            kind.contains('.').then(|| (kind.to_owned(), version))
        })
        .collect();
    let registry: Vec<(String, u32)> =
        rempart_domain::Fact::VERSIONS.iter().map(|(kind, version)| ((*kind).to_owned(), *version)).collect();
    assert_eq!(listed, registry);
}

/// Two handles on one data directory, as the web app serving and a command run beside it (or
/// `rempart sync` taking in what other devices wrote): each commit goes on from what the other
/// committed, on one chain, with gapless invoice numbers, and the books verify.
#[test]
fn two_handles_on_one_data_directory_each_go_on_from_the_other() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let mut serving = Store::init(&dir, "Garage SA", Country::Ch, 1).unwrap();
    let mut command = Store::open(&dir).unwrap();
    let date = NaiveDate::from_ymd_opt(2026, 5, 4).unwrap();
    let mut numbers = Vec::new();
    for round in 0..3 {
        for (who, store) in [("serving", &mut serving), ("command", &mut command)] {
            let name = format!("Client {who} {round}");
            let contact = store
                .create_contact(None, std::collections::BTreeMap::from([("name".to_owned(), Some(name))]))
                .unwrap();
            let draft = store.draft_invoice(&contact, date, false).unwrap();
            let line = rempart_store::invoices::LineSpec {
                item: None,
                text: Some("Travail".to_owned()),
                quantity_milli: 1000,
                unit: None,
                comment: false,
                unit_price_minor: Some(10_000),
                discount_bp: 0,
                vat_code: Some("N81".to_owned()),
                account: Some("3400".to_owned()),
            };
            store.add_invoice_line(&draft, line).unwrap();
            numbers.push(store.issue_invoice(&draft).unwrap());
        }
    }
    let expected: Vec<String> = (1..=6).map(|n| format!("2026-{n:04}")).collect();
    assert_eq!(numbers, expected);
    // The command wrote last: the server catches up once, then has nothing more to read.
    assert!(serving.refresh().unwrap());
    assert!(!serving.refresh().unwrap());
    assert_eq!(serving.event_count().unwrap(), command.event_count().unwrap());
    let report = serving.verify().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
}

/// Two handles on one data directory working at once (the app's pages and its own sync, a
/// command beside the server), each creating customers, issuing the same drafts, recording the
/// same supplier's bills and paying them in full: every customer number and every invoice
/// number is given once, every draft issued once, every bill recorded once and paid once, the
/// other handle told so each time.
#[test]
fn two_handles_on_one_directory_never_give_a_number_twice() {
    use rempart_domain::bills::{BillError, BillLine};
    use rempart_domain::invoices::InvoiceError;
    use rempart_store::StoreError;
    use rempart_store::invoices::LineSpec;
    const DRAFTS: usize = 30;
    let (temp, mut store) = new_store();
    let dir = temp.path().join("data");
    let name = |text: String| std::collections::BTreeMap::from([("name".to_owned(), Some(text))]);
    let drafts: Vec<String> = (0..DRAFTS)
        .map(|index| {
            let contact = store.create_contact(None, name(format!("Client {index}"))).unwrap();
            let draft = store.draft_invoice(&contact, NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(), false).unwrap();
            let line = LineSpec {
                item: None,
                text: Some("Main d'oeuvre".into()),
                quantity_milli: 1000,
                unit: None,
                comment: false,
                unit_price_minor: Some(12_000),
                discount_bp: 0,
                vat_code: Some("N81".into()),
                account: Some("3400".into()),
            };
            store.add_invoice_line(&draft, line).unwrap();
            draft
        })
        .collect();
    let supplier = store.create_contact(None, name("Fournisseur SA".into())).unwrap();
    let work = |tag: &'static str| {
        let (dir, drafts, supplier) = (dir.clone(), drafts.clone(), supplier.clone());
        std::thread::spawn(move || {
            let mut store = Store::open(&dir).unwrap();
            let (mut customers, mut issued, mut already) = (Vec::new(), Vec::new(), 0);
            let (mut bills, mut paid) = (Vec::new(), Vec::new());
            let date = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
            for (index, draft) in drafts.iter().enumerate() {
                customers.push(store.create_contact(None, name(format!("{tag} {index}"))).unwrap());
                match store.issue_invoice(draft) {
                    Ok(number) => issued.push((draft.clone(), number)),
                    Err(StoreError::Invoice(InvoiceError::AlreadyIssued { .. })) => already += 1,
                    Err(error) => panic!("{error:?}"),
                }
                let line = BillLine {
                    account: "4000".into(),
                    net_minor: 10_000,
                    vat_code: "IN81".into(),
                    text: String::new(),
                };
                match store.record_bill(&supplier, &format!("R-{index}"), date, None, vec![line]) {
                    Ok(bill) => bills.push(bill.id),
                    Err(StoreError::Bill(BillError::Duplicate { .. })) => {}
                    Err(error) => panic!("{error:?}"),
                }
                let bill =
                    store.bills(None, None).unwrap().into_iter().find(|bill| bill.reference == format!("R-{index}"));
                if let Some(bill) = bill {
                    match store.pay_bill(&bill.id, date, None, "1020") {
                        Ok(_) => paid.push(bill.id),
                        Err(StoreError::Bill(BillError::MoreThanOpen { .. } | BillError::UnknownBill { .. })) => {}
                        Err(error) => panic!("{error:?}"),
                    }
                }
            }
            (customers, issued, already, bills, paid)
        })
    };
    let (first, second) = (work("Premier"), work("Second"));
    let (first, second) = (first.join().unwrap(), second.join().unwrap());
    let customers: std::collections::BTreeSet<String> = first.0.iter().chain(&second.0).cloned().collect();
    assert_eq!(customers.len(), 2 * DRAFTS, "each customer number once");
    let issued: Vec<&(String, String)> = first.1.iter().chain(&second.1).collect();
    assert_eq!(issued.len(), DRAFTS, "each draft issued once");
    assert_eq!(first.2 + second.2, DRAFTS, "the other handle told it was issued");
    let drafts_issued: std::collections::BTreeSet<&String> = issued.iter().map(|(draft, _)| draft).collect();
    let numbers: std::collections::BTreeSet<&String> = issued.iter().map(|(_, number)| number).collect();
    assert_eq!((drafts_issued.len(), numbers.len()), (DRAFTS, DRAFTS));
    assert_eq!(first.3.len() + second.3.len(), DRAFTS, "each bill recorded once");
    assert_eq!(first.4.len() + second.4.len(), DRAFTS, "each bill paid once");
    store.refresh().unwrap();
    assert!(store.bills(None, None).unwrap().iter().all(|bill| bill.open_minor() == 0));
    assert!(store.verify().unwrap().is_ok());
}

/// The invoice list narrowed by a status gives exactly the invoices of that status in the whole
/// list, in the same order: drafts, open, partly paid, overdue, paid (a reminder's fee paid too),
/// credited, overpaid.
#[test]
fn the_invoice_list_by_status_is_the_whole_list_narrowed() {
    use rempart_store::invoices::{InvoiceFilter, InvoiceStatus, LineSpec};
    let (_temp, mut store) = new_store();
    let day = |month, day| NaiveDate::from_ymd_opt(2026, month, day).unwrap();
    let line = || LineSpec {
        item: None,
        text: Some("Service".into()),
        quantity_milli: 1000,
        unit: None,
        comment: false,
        unit_price_minor: Some(10_000),
        discount_bp: 0,
        vat_code: Some("N81".into()),
        account: Some("3400".into()),
    };
    let name = |text: &str| std::collections::BTreeMap::from([("name".to_owned(), Some(text.to_owned()))]);
    let issue = |store: &mut Store, who: &str, date: NaiveDate| {
        let contact = store.create_contact(None, name(who)).unwrap();
        let draft = store.draft_invoice(&contact, date, false).unwrap();
        store.add_invoice_line(&draft, line()).unwrap();
        (contact.clone(), store.issue_invoice(&draft).unwrap())
    };
    let drafted = store.create_contact(None, name("Brouillon")).unwrap();
    store.draft_invoice(&drafted, day(5, 1), false).unwrap();
    issue(&mut store, "Ouverte", day(5, 20));
    let (partly, partly_number) = issue(&mut store, "Partielle", day(5, 21));
    store.receive_payment(&partly, day(5, 25), 5_000, "1020", &[(partly_number, None)]).unwrap();
    let (_, late_number) = issue(&mut store, "En retard", day(1, 5));
    store.send_reminder(&late_number, day(3, 1)).unwrap();
    let (paid, paid_number) = issue(&mut store, "Payée", day(1, 6));
    store.receive_payment(&paid, day(1, 20), 10_810, "1020", &[(paid_number, None)]).unwrap();
    let (_, credited_number) = issue(&mut store, "Créditée", day(2, 1));
    store.credit_invoice(&credited_number, day(2, 2), &[]).unwrap();
    let (over, over_number) = issue(&mut store, "Trop payée", day(1, 7));
    store.receive_payment(&over, day(1, 21), 20_000, "1020", &[(over_number, Some(10_810))]).unwrap();
    let today = day(5, 30);
    let whole = store.invoice_list(&InvoiceFilter::default(), today).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for status in InvoiceStatus::ALL {
        let narrowed =
            store.invoice_list(&InvoiceFilter { status: Some(status), ..InvoiceFilter::default() }, today).unwrap();
        let expected: Vec<_> = whole.iter().filter(|invoice| invoice.status == status).cloned().collect();
        assert_eq!(narrowed, expected, "{status:?}");
        if !narrowed.is_empty() {
            seen.insert(format!("{status:?}"));
        }
    }
    assert_eq!(seen.len(), InvoiceStatus::ALL.len(), "every status exercised: {seen:?}");
}

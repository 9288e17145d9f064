//! A till's closures on the command line (issue 21): daily closures that seal the day's tickets
//! and post them to the ledger, monthly closures over them and the year's over the months, the
//! archive of the month checked with no data directory, and every tampering of it named there
//! and in the node's own log.

use rempart_domain::closures::ClosureSealed;
use rempart_log::SigningKey;
use serde_json::Value;

use crate::{Company, binary, csv_rows};

/// A Swiss store with its till, a jacket at 189.00 on the shelf (60.00 at cost), and tickets on
/// two days of March, one of them a return.
pub(crate) fn store_with_a_month_of_sales() -> Company {
    let company = Company::new("CH");
    company.ok(&["location", "add", "GE1", "--label", "Genève Rive", "--kind", "store"]);
    crate::tills::add_the_jacket(&company);
    company.ok(&["sku", "add", "JKT-M", "--item", "JKT", "--size", "M"]);
    company.ok(&["stock", "receive", "--location", "GE1", "--item", "JKT-M", "--qty", "10", "--cost", "60"]);
    company.ok(&["till", "bind", "GE1-1", "--location", "GE1"]);
    let day = |date: &str, args: &[&str]| {
        let mut all = vec!["till", "--date", date];
        all.extend_from_slice(args);
        company.ok(&all)
    };
    day("2026-03-02", &["open", "--float", "200"]);
    day("2026-03-02", &["sell", "--line", "JKT-M=2", "--pay", "cash=400"]);
    day("2026-03-02", &["sell", "--line", "JKT-M=1", "--pay", "card=100", "--pay", "cash=89"]);
    day("2026-03-02", &["return", "GE1-1-000002", "--pay", "card"]);
    day("2026-03-02", &["close", "--counted", "667"]);
    company
}

#[test]
fn closures_seal_the_days_post_them_and_archive_the_month() {
    let company = store_with_a_month_of_sales();
    let refused = company.fails(&["till", "--date", "2026-03-01", "closure", "2026-03-02"]);
    assert!(refused.contains("the period 2026-03-02 is not over yet"), "{refused}");
    let first = company.ok(&["till", "--date", "2026-03-02", "closure", "2026-03-02"]);
    // 378.00 + 189.00 - 189.00: three tickets, cash 400 - 22 change + 89, card 100 - 189.
    for expected in ["Closure (day) 2026-03-02, till GE1-1", "3 tickets (from 1 to 3)", "378.00", "467.00", "-89.00"] {
        assert!(first.contains(expected), "{expected}: {first}");
    }
    let again = company.fails(&["till", "--date", "2026-03-02", "closure", "2026-03-02"]);
    assert!(again.contains("is closed already"), "{again}");
    company.ok(&["till", "--date", "2026-03-03", "open", "--float", "100"]);
    company.ok(&["till", "--date", "2026-03-03", "sell", "--line", "JKT-M=1", "--pay", "twint=189"]);
    let refused = company.fails(&["till", "--date", "2026-03-20", "closure", "2026-03"]);
    assert!(refused.contains("not over yet"), "{refused}");
    let refused = company.fails(&["till", "--date", "2026-04-01", "closure", "2026-03"]);
    assert!(refused.contains("close the days first"), "{refused}");
    company.ok(&["till", "--date", "2026-03-03", "closure", "2026-03-03"]);
    let month = company.ok(&["till", "--date", "2026-04-01", "closure", "2026-03"]);
    assert!(month.contains("4 tickets (from 1 to 4)") && month.contains("567.00"), "{month}");
    let listed = company.ok(&["till", "closures"]);
    assert!(listed.contains("#3 month 2026-03: 4 tickets, 567.00, grand total 567.00"), "{listed}");
    // A day of a sealed month stays closed; a day sold after it cannot be sealed before it; a
    // business day set ahead of the clock does not seal the future; a day has one spelling.
    let refused = company.fails(&["till", "--date", "2026-04-01", "closure", "2026-03-31"]);
    assert!(refused.contains("the period 2026-03 is closed already"), "{refused}");
    company.ok(&["till", "--date", "2026-04-03", "sell", "--line", "JKT-M=1", "--pay", "card=189"]);
    let refused = company.fails(&["till", "--date", "2026-04-03", "closure", "2026-04-02"]);
    assert!(refused.contains("ticket GE1-1-000005 is dated after 2026-04-02"), "{refused}");
    let refused = company.fails(&["till", "--date", "2099-01-01", "closure", "2098-12-31"]);
    assert!(refused.contains("the period 2098-12-31 is not over yet"), "{refused}");
    let refused = company.fails(&["till", "--date", "2026-04-03", "closure", "2026-4-3"]);
    assert!(refused.contains("is not a period"), "{refused}");

    // Each day is in the ledger: cash and the clearing of card and TWINT debited, revenue net of
    // VAT and the VAT credited, the goods sold moved from stock to their cost (3 jackets at 60).
    let trial = csv_rows(&company.ok(&["report", "trial-balance", "--format", "csv"]));
    let closing = |account: &str| trial.iter().find(|row| row[0] == account).map(|row| row[6].clone());
    assert_eq!(closing("1000").as_deref(), Some("467.00"), "{trial:?}");
    assert_eq!(closing("1190").as_deref(), Some("100.00"), "{trial:?}");
    // VAT per ticket at 8.1 %: 378.00 → 28.32, 189.00 → 14.16 twice (one back), 189.00 → 14.16.
    assert_eq!(closing("2200").as_deref(), Some("-42.48"), "{trial:?}");
    assert_eq!(closing("3200").as_deref(), Some("-524.52"), "{trial:?}");
    assert_eq!(closing("4200").as_deref(), Some("180.00"), "{trial:?}");
    // Receipts post nothing (the supplier's bill books the goods to stock): only the cost leaves.
    assert_eq!(closing("1200").as_deref(), Some("-180.00"), "{trial:?}");
    company.ok(&["verify"]);

    // The month's archive, checked on a machine with no data directory.
    let file = company.dir.parent().expect("parent").join("GE1-1-2026-03.json");
    let file_text = file.to_str().expect("path");
    let written = company.ok(&["till", "archive", "--period", "2026-03", "--out", file_text]);
    assert!(written.contains("3 closures, 4 tickets"), "{written}");
    let nowhere = tempfile::tempdir().expect("temp");
    let verify = |path: &std::path::Path| {
        binary()
            .arg("--data-dir")
            .arg(nowhere.path().join("none"))
            .args(["verify", "--archive"])
            .arg(path)
            .output()
            .expect("run rempart")
    };
    let sound = verify(&file);
    assert!(sound.status.success(), "{}", String::from_utf8_lossy(&sound.stdout));
    assert!(String::from_utf8_lossy(&sound.stdout).contains("Archive sound: till GE1-1, period 2026-03"));
    assert!(!nowhere.path().join("none").exists(), "verify --archive made no data directory");

    let archive: Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    let tampered = |name: &str, change: &dyn Fn(&mut Value)| {
        let mut copy = archive.clone();
        change(&mut copy);
        let path = nowhere.path().join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(&copy).expect("json")).expect("write");
        let output = verify(&path);
        assert!(!output.status.success(), "{name} passed");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // One changed byte: 400.00 in cash read as 500.00 (the archive names every field in full,
    // whatever the tickets' events do).
    let text = std::fs::read_to_string(&file).expect("read");
    assert_eq!(text.matches("\"amount_minor\": 40000").count(), 1);
    let changed = nowhere.path().join("changed.json");
    std::fs::write(&changed, text.replacen("\"amount_minor\": 40000", "\"amount_minor\": 50000", 1)).expect("write");
    let output = String::from_utf8_lossy(&verify(&changed).stdout).into_owned();
    assert!(output.contains("ticket GE1-1-000001 is not whole"), "{output}");
    // A change that keeps the ticket whole: the label the customer read.
    let relabelled = nowhere.path().join("relabelled.json");
    assert!(text.contains("\"label\": \"Veste laine\""));
    std::fs::write(&relabelled, text.replacen("\"label\": \"Veste laine\"", "\"label\": \"Veste laino\"", 1))
        .expect("write");
    let output = String::from_utf8_lossy(&verify(&relabelled).stdout).into_owned();
    assert!(output.contains("the tickets or closures sealed by closure 1 were changed"), "{output}");
    let removed = tampered("removed.json", &|copy| {
        copy["tickets"].as_array_mut().expect("tickets").remove(1);
    });
    assert!(removed.contains("ticket GE1-1-000002 is missing"), "{removed}");
    let reordered = tampered("reordered.json", &|copy| copy["tickets"].as_array_mut().expect("tickets").swap(0, 1));
    assert!(reordered.contains("ticket GE1-1-000001 comes after a later ticket"), "{reordered}");
    let resigned = tampered("resigned.json", &|copy| {
        let mut closure: ClosureSealed = serde_json::from_value(copy["closures"][0].clone()).expect("closure");
        closure.totals.total_minor -= 18_900;
        closure.sign(&SigningKey::from_bytes(&[9; 32]));
        copy["closures"][0] = serde_json::to_value(&closure).expect("json");
    });
    assert!(resigned.contains("closure 1 is not signed by the till's key"), "{resigned}");
    assert!(resigned.contains("closure 2 does not follow from the closure before it"), "{resigned}");
    let garbage = nowhere.path().join("garbage.json");
    std::fs::write(&garbage, b"{ not an archive").expect("write");
    let unreadable = verify(&garbage);
    assert!(!unreadable.status.success());
    assert!(String::from_utf8_lossy(&unreadable.stderr).contains("not a Rempart till archive"));

    // Signed again whole with a key of the forger's own, the archive holds together alone; the
    // company's node knows the till's key and names it.
    let forger = SigningKey::from_bytes(&[9; 32]);
    let mut whole: rempart_domain::closures::TillArchive = serde_json::from_value(archive.clone()).expect("archive");
    whole.public_key = whole_key(&forger);
    let mut previous = String::new();
    for index in 0..whole.closures.len() {
        let sealed: Vec<_> = whole.closures[..index]
            .iter()
            .filter(|earlier| whole.closures[index].covers.contains(&earlier.number))
            .cloned()
            .collect();
        let closure = &mut whole.closures[index];
        if !closure.covers.is_empty() {
            closure.digest = rempart_domain::closures::closures_digest(sealed.iter());
        }
        closure.previous = previous.clone();
        closure.sign(&forger);
        previous = closure.hash();
    }
    let forged = nowhere.path().join("forged.json");
    std::fs::write(&forged, serde_json::to_vec(&whole).expect("json")).expect("write");
    assert!(verify(&forged).status.success(), "a whole re-signed archive holds together alone");
    let known = binary().arg("--data-dir").arg(&company.dir).args(["verify", "--archive"]).arg(&forged).output();
    let known = known.expect("run");
    assert!(!known.status.success());
    assert!(String::from_utf8_lossy(&known.stdout).contains("is not the one till GE1-1 announced"));
    let genuine = binary().arg("--data-dir").arg(&company.dir).args(["verify", "--archive"]).arg(&file).output();
    assert!(genuine.expect("run").status.success());

    // The same attacks on the node's own log are named by verify there.
    let database = company.database();
    let before = company.log_snapshot();
    database
        .execute(
            "UPDATE events SET payload = CAST(replace(CAST(payload AS TEXT), '\"a\":40000', '\"a\":50000') AS BLOB)
             WHERE kind = 'ticket.recorded' AND CAST(payload AS TEXT) LIKE '%GE1-1-000001%'",
            [],
        )
        .expect("update");
    assert_ne!(company.log_snapshot(), before);
    let report = company.fails(&["verify"]);
    assert!(report.contains("ticket GE1-1-000001") && report.contains("was altered after it was sealed"), "{report}");
    // Undone, the log verifies again; then a removed ticket, a reordered pair and a closure
    // re-signed with another key, each on its own and undone after verify names it.
    database
        .execute(
            "UPDATE events SET payload = CAST(replace(CAST(payload AS TEXT), '\"a\":50000', '\"a\":40000') AS BLOB)
             WHERE kind = 'ticket.recorded' AND CAST(payload AS TEXT) LIKE '%GE1-1-000001%'",
            [],
        )
        .expect("undo");
    assert_eq!(company.log_snapshot(), before);
    company.ok(&["verify"]);
    let ticket_event = |number: &str| -> i64 {
        database
            .query_row(
                "SELECT seq FROM events WHERE kind = 'ticket.recorded' AND CAST(payload AS TEXT) LIKE ?1",
                [format!("%\"number\":\"{number}\"%")],
                |row| row.get(0),
            )
            .expect("the ticket's event")
    };
    let (first, second) = (ticket_event("GE1-1-000001"), ticket_event("GE1-1-000002"));
    database.execute_batch("CREATE TEMP TABLE kept AS SELECT * FROM events").expect("keep");
    let restore = || {
        database.execute_batch("DELETE FROM events; INSERT INTO events SELECT * FROM temp.kept;").expect("restore");
        assert_eq!(company.log_snapshot(), before);
    };
    database.execute("DELETE FROM events WHERE seq = ?1 AND kind = 'ticket.recorded'", [second]).expect("remove");
    let removed = company.fails(&["verify"]);
    assert!(removed.contains(&format!("- event {second}, recorded on node")), "{removed}");
    assert!(removed.contains("was deleted from the log"), "{removed}");
    restore();
    database
        .execute(
            "UPDATE events SET payload = CASE seq WHEN ?1 THEN (SELECT payload FROM temp.kept WHERE seq = ?2 AND kind = 'ticket.recorded')
                                                  ELSE (SELECT payload FROM temp.kept WHERE seq = ?1 AND kind = 'ticket.recorded') END
             WHERE kind = 'ticket.recorded' AND seq IN (?1, ?2)",
            [first, second],
        )
        .expect("swap");
    let reordered = company.fails(&["verify"]);
    for (number, seq) in [("GE1-1-000002", first), ("GE1-1-000001", second)] {
        let named = format!("ticket {number} of 02.03.2026 (event {seq})");
        assert!(reordered.contains(&named) && reordered.contains("was altered after it was sealed"), "{reordered}");
    }
    restore();
    let (seq, payload): (i64, Vec<u8>) = database
        .query_row("SELECT seq, payload FROM events WHERE kind = 'till.closure' ORDER BY seq LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .expect("the first closure");
    let mut closure: ClosureSealed = serde_json::from_slice(&payload).expect("closure");
    closure.totals.total_minor -= 18_900;
    closure.sign(&SigningKey::from_bytes(&[9; 32]));
    database
        .execute(
            "UPDATE events SET payload = ?1 WHERE seq = ?2 AND kind = 'till.closure'",
            rusqlite::params![serde_json::to_vec(&closure).expect("json"), seq],
        )
        .expect("re-sign");
    let resigned = company.fails(&["verify"]);
    let named = format!("the closure of till GE1-1 for 2026-03-02 (event {seq})");
    assert!(resigned.contains(&named) && resigned.contains("was altered after it was sealed"), "{resigned}");
    restore();
    company.ok(&["verify"]);
    drop(database);

    // In French, for the accountant.
    let french = binary()
        .env("REMPART_LANG", "fr")
        .args(["verify", "--archive"])
        .arg(nowhere.path().join("removed.json"))
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&french.stdout).contains("le ticket GE1-1-000002 manque"));
}

/// A year is sealed over its months: refused while one of its days or months is open, or
/// before it is over, then once; its totals are its months', and the log still verifies.
#[test]
fn a_year_is_sealed_over_its_months() {
    let company = Company::new("CH");
    company.ok(&["location", "add", "GE1", "--label", "Genève Rive", "--kind", "store"]);
    crate::tills::add_the_jacket(&company);
    company.ok(&["sku", "add", "JKT-M", "--item", "JKT", "--size", "M"]);
    company.ok(&["till", "bind", "GE1-1", "--location", "GE1"]);
    let till = |date: &str, args: &[&str]| {
        let mut all = vec!["till", "--date", date];
        all.extend_from_slice(args);
        company.ok(&all)
    };
    for (day, month_after) in [("2025-06-02", "2025-07-01"), ("2025-11-28", "2025-12-01")] {
        till(day, &["open", "--float", "100"]);
        till(day, &["sell", "--line", "JKT-M=1", "--pay", "card=189"]);
        till(day, &["close", "--counted", "100"]);
        let refused = company.fails(&["till", "--date", "2026-01-01", "closure", "2025"]);
        assert!(refused.contains("close the days first"), "{refused}");
        till(day, &["closure", day]);
        if day == "2025-06-02" {
            let refused = company.fails(&["till", "--date", "2026-01-01", "closure", "2025"]);
            assert!(refused.contains("close the days first"), "{refused}");
        }
        till(month_after, &["closure", &day[..7]]);
    }
    let year = till("2026-01-01", &["closure", "2025"]);
    assert!(year.contains("2 tickets (from 1 to 2)") && year.contains("378.00"), "{year}");
    let listed = company.ok(&["till", "closures"]);
    assert!(listed.contains("year 2025: 2 tickets, 378.00, grand total 378.00"), "{listed}");
    let again = company.fails(&["till", "--date", "2026-01-01", "closure", "2025"]);
    assert!(again.contains("is closed already"), "{again}");
    company.ok(&["verify"]);
}

fn whole_key(key: &SigningKey) -> String {
    key.verifying_key().as_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
}

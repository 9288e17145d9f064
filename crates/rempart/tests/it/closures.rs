//! A till's closures on the command line (issue 21): daily closures that seal the day's tickets
//! and post them to the ledger, a monthly closure over them, the archive of the month checked
//! with no data directory, and every tampering of it named.

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
    // One changed byte: 400.00 in cash read as 500.00 (a payment's amount is its `a`).
    let text = std::fs::read_to_string(&file).expect("read");
    assert_eq!(text.matches("\"a\": 40000").count(), 1);
    let changed = nowhere.path().join("changed.json");
    std::fs::write(&changed, text.replacen("\"a\": 40000", "\"a\": 50000", 1)).expect("write");
    let output = String::from_utf8_lossy(&verify(&changed).stdout).into_owned();
    assert!(output.contains("ticket GE1-1-000001 is not whole"), "{output}");
    // A change that keeps the ticket whole: the label the customer read.
    let relabelled = nowhere.path().join("relabelled.json");
    assert!(text.contains("\"l\": \"Veste laine\""));
    std::fs::write(&relabelled, text.replacen("\"l\": \"Veste laine\"", "\"l\": \"Veste laino\"", 1)).expect("write");
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
    // In French, for the accountant.
    let french = binary()
        .env("REMPART_LANG", "fr")
        .args(["verify", "--archive"])
        .arg(nowhere.path().join("removed.json"))
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&french.stdout).contains("le ticket GE1-1-000002 manque"));
}

fn whole_key(key: &SigningKey) -> String {
    key.verifying_key().as_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
}

//! Stock on the command line (issue 21, begun): locations added and listed, and refused input
//! that changes nothing.

use crate::{Company, csv_rows};

#[test]
fn locations_are_added_listed_and_bad_ones_refused() {
    let company = Company::new("CH");
    let said = company.ok(&["location", "add", "GE1", "--label", "Genève Rive", "--kind", "store"]);
    assert!(said.contains("Location GE1 (Genève Rive) added."), "{said}");
    company.ok(&["location", "add", "WH", "--label", "Entrepôt Crissier", "--kind", "warehouse"]);
    let rows = csv_rows(&company.ok(&["location", "list", "--format", "csv"]));
    assert_eq!(
        rows,
        [["GE1", "Genève Rive", "store"], ["WH", "Entrepôt Crissier", "warehouse"]].map(|row| row.map(str::to_owned))
    );
    let before = company.log_snapshot();
    for (args, expected) in [
        (vec!["location", "add", "GE1", "--label", "Again", "--kind", "store"], "location GE1 already exists"),
        (vec!["location", "add", "ge 2", "--label", "x", "--kind", "store"], "\"ge 2\" is not a location code"),
        (vec!["location", "add", "GE2", "--label", " ", "--kind", "store"], "a location needs a label"),
        (vec!["location", "add", "GE2", "--label", "x", "--kind", "depot"], "\"depot\" is not a kind of location"),
    ] {
        let refused = company.fails(&args);
        assert!(refused.contains(expected), "{args:?}: {refused}");
    }
    assert_eq!(company.log_snapshot(), before, "refused input records nothing");
    // In French, as a French-speaking store manager reads it.
    let text = company.ok_in("fr", &["location", "list"]);
    assert!(text.contains("Emplacements") && text.contains("entrepôt"), "{text}");
}

/// A store and a warehouse with a jacket in two sizes: the warehouse receives them at two costs,
/// sends some to the store, the store receives the transfer, counts, adjusts and sells offline
/// beyond its stock; the report shows on hand, in transit, the weighted average cost and value,
/// now and at the end of an earlier day.
#[test]
fn stock_moves_and_is_reported_by_location_at_its_average_cost() {
    let company = Company::new("CH");
    company.ok(&["location", "add", "GE1", "--label", "Genève Rive", "--kind", "store"]);
    company.ok(&["location", "add", "WH", "--label", "Entrepôt", "--kind", "warehouse"]);
    company.ok(&["item", "add", "JKT", "--label", "Veste", "--price", "120", "--vat", "N81", "--account", "3200"]);
    let said = company.ok(&["sku", "add", "JKT-M", "--item", "JKT", "--size", "M", "--barcode", "4006381333931"]);
    assert!(said.contains("SKU JKT-M of item JKT added."), "{said}");
    company.ok(&["sku", "add", "JKT-L", "--item", "JKT", "--size", "L", "--colour", "Noir"]);
    let rows = csv_rows(&company.ok(&["sku", "list", "--format", "csv"]));
    assert_eq!(rows[1], ["JKT-M", "JKT", "Veste", "4006381333931", "M", ""].map(str::to_owned));

    let receive = |qty: &str, cost: &str, date: &str| {
        company.ok(&[
            "stock",
            "receive",
            "--location",
            "WH",
            "--item",
            "JKT-M",
            "--qty",
            qty,
            "--cost",
            cost,
            "--date",
            date,
        ])
    };
    receive("10", "40.00", "2026-03-02");
    receive("20", "55.00", "2026-03-09");
    // 10 × 40 + 20 × 55 = 1500 for 30 units: 50.00 each.
    let sent = company.ok(&[
        "stock",
        "transfer",
        "--from",
        "WH",
        "--to",
        "GE1",
        "--item",
        "JKT-M",
        "--qty",
        "12",
        "--date",
        "2026-03-10",
    ]);
    let transfer = sent.lines().last().unwrap().trim().to_owned();
    assert!(transfer.starts_with("T-"), "{sent}");
    let report = |args: &[&str]| csv_rows(&company.ok(&[&["report", "stock", "--format", "csv"], args].concat()));
    let rows = report(&[]);
    let row = |rows: &[Vec<String>], location: &str, sku: &str| {
        rows.iter().find(|row| row[0] == location && row[1] == sku).cloned().unwrap_or_default()
    };
    // Sent and not arrived: out of the warehouse, in transit towards the store.
    assert_eq!(&row(&rows, "WH", "JKT-M")[5..], ["18", "0", "50.00", "900.00"]);
    assert_eq!(&row(&rows, "GE1", "JKT-M")[5..], ["0", "12", "50.00", "0.00"]);
    let arrived = company.ok(&["stock", "arrive", &transfer.to_lowercase(), "--date", "2026-03-11"]);
    assert!(arrived.contains("12 units in"), "{arrived}");
    let again = company.fails(&["stock", "arrive", &transfer]);
    assert!(again.contains("arrived already"), "{again}");
    // A count finds 11 where 12 arrived: an adjustment of -1.
    let counted =
        company.ok(&["stock", "count", "--location", "GE1", "--item", "JKT-M", "--qty", "11", "--date", "2026-03-12"]);
    assert!(counted.contains("adjustment -1"), "{counted}");
    company.ok(&[
        "stock",
        "adjust",
        "--location",
        "GE1",
        "--item",
        "JKT-M",
        "--qty",
        "-13",
        "--reason",
        "theft",
        "--date",
        "2026-03-13",
    ]);
    let rows = report(&["--location", "GE1"]);
    // Negative stock is kept as it is, valued at zero.
    assert_eq!(rows.iter().filter(|row| row[0] == "GE1").count(), 1, "{rows:?}");
    assert_eq!(&row(&rows, "GE1", "JKT-M")[5..], ["-2", "0", "50.00", "0.00"]);
    assert!(rows.iter().all(|row| row[0] != "WH"), "{rows:?}");
    // At the end of 10 March: the second receipt in, the transfer in transit.
    let rows = report(&["--at", "10.03.2026"]);
    assert_eq!(&row(&rows, "WH", "JKT-M")[5..], ["18", "0", "50.00", "900.00"]);
    assert_eq!(&row(&rows, "GE1", "JKT-M")[5..], ["0", "12", "50.00", "0.00"]);
    // At the end of 5 March: ten units at 40.00.
    let rows = report(&["--at", "2026-03-05"]);
    assert_eq!(&row(&rows, "WH", "JKT-M")[5..], ["10", "0", "40.00", "400.00"]);
    assert_eq!(row(&rows, "GE1", "JKT-M"), Vec::<String>::new());

    let before = company.log_snapshot();
    for (args, expected) in [
        (vec!["sku", "add", "JKT-S", "--item", "NOPE"], "item NOPE does not exist"),
        (vec!["sku", "add", "JKT-M", "--item", "JKT"], "SKU JKT-M already exists"),
        (vec!["sku", "add", "JKT-S", "--item", "JKT", "--barcode", "4006381333932"], "check digit is 1"),
        (vec!["sku", "add", "JKT-S", "--item", "JKT", "--barcode", "4006381333931"], "already names SKU JKT-M"),
        (vec!["stock", "receive", "--location", "XX", "--item", "JKT-M", "--qty", "1", "--cost", "1"], "location XX"),
        (vec!["stock", "receive", "--location", "WH", "--item", "NOPE", "--qty", "1", "--cost", "1"], "SKU NOPE"),
        (vec!["stock", "receive", "--location", "WH", "--item", "JKT-M", "--qty", "0", "--cost", "1"], "0 is not a"),
        (vec!["stock", "receive", "--location", "WH", "--item", "JKT-M", "--qty", "1", "--cost=-1"], "-1.00 is not"),
        (vec!["stock", "transfer", "--from", "WH", "--to", "WH", "--item", "JKT-M", "--qty", "1"], "not to WH itself"),
        (vec!["stock", "arrive", "T-NOPE"], "transfer T-NOPE does not exist"),
        (vec!["stock", "arrive", "T-NOPE", "--to", "GE1", "--item", "JKT-M", "--qty", "1"], "T-NOPE does not exist"),
        (vec!["stock", "arrive", "T-0123456789", "--to", "XX", "--item", "JKT-M", "--qty", "1"], "location XX"),
        (vec!["stock", "adjust", "--location", "WH", "--item", "JKT-M", "--qty", "1", "--reason", "x"], "\"x\" is not"),
        (vec!["stock", "adjust", "--location", "WH", "--item", "JKT-M", "--qty", "1", "--reason", "count"], "a count"),
        (vec!["stock", "count", "--location", "WH", "--item", "JKT-M", "--qty=-1"], "-1 is not a"),
        (vec!["report", "stock", "--location", "XX"], "location XX does not exist"),
    ] {
        let refused = company.fails(&args);
        assert!(refused.contains(expected), "{args:?}: {refused}");
    }
    assert_eq!(company.log_snapshot(), before, "refused input records nothing");
    // In French, as a store manager reads it.
    let text = company.ok_in("fr", &["report", "stock", "--location", "WH"]);
    assert!(text.contains("Coût moyen unitaire") && text.contains("900.00"), "{text}");
}

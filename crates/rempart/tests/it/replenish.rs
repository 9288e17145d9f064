//! Replenishment on the command line (issue 22): a store's sales proposed back to it, the
//! proposals approved as transfers from the warehouse, the warehouse's picking list, and refused
//! input that changes nothing.

use crate::{Company, csv_rows};

#[test]
fn a_store_is_proposed_what_it_sold_and_the_warehouse_picks_what_was_approved() {
    let company = Company::new("CH");
    company.ok(&["location", "add", "GE1", "--label", "Genève Rive", "--kind", "store"]);
    company.ok(&["location", "add", "WH", "--label", "Entrepôt Crissier", "--kind", "warehouse"]);
    company.ok(&["item", "add", "JKT", "--label", "Veste", "--price", "120", "--vat", "N81", "--account", "3200"]);
    for size in ["M", "L"] {
        let sku = format!("JKT-{size}");
        company.ok(&["sku", "add", &sku, "--item", "JKT", "--size", size]);
        company.ok(&[
            "stock",
            "receive",
            "--location",
            "WH",
            "--item",
            &sku,
            "--qty",
            "40",
            "--cost",
            "60",
            "--date",
            "2026-03-01",
        ]);
        let sent = company.ok(&[
            "stock",
            "transfer",
            "--from",
            "WH",
            "--to",
            "GE1",
            "--item",
            &sku,
            "--qty",
            "6",
            "--date",
            "2026-03-01",
        ]);
        let transfer = sent.lines().last().unwrap().trim().to_owned();
        company.ok(&["stock", "arrive", &transfer, "--date", "2026-03-02"]);
    }
    company.ok(&["till", "bind", "GE1-1", "--location", "GE1"]);
    company.ok(&["till", "--date", "2026-03-02", "open", "--float", "200"]);
    // Five of the six of each size sold over five days.
    for day in 2..=6 {
        let date = format!("2026-03-0{day}");
        for sku in ["JKT-M", "JKT-L"] {
            let line = format!("{sku}=1@100");
            company.ok(&["till", "--date", &date, "sell", "--line", &line, "--pay", "card=100"]);
        }
    }
    let proposed = csv_rows(&company.ok(&["replenish", "propose", "--date", "2026-03-06", "--format", "csv"]));
    assert_eq!(proposed.len(), 2, "{proposed:?}");
    for row in &proposed {
        // Location, SKU, days in stock, sold, …, on hand, in transit, asked, proposed.
        assert_eq!((row[0].as_str(), row[3].as_str(), row[7].as_str()), ("GE1", "5", "1"), "{row:?}");
        assert!(row[10].parse::<i64>().unwrap() > 0, "{row:?}");
    }

    let before = company.log_snapshot();
    for (args, expected) in [
        (vec!["replenish", "approve", "GE1:NOPE", "--date", "2026-03-06"], "nothing is proposed for NOPE at GE1"),
        (vec!["replenish", "approve", "nonsense", "--date", "2026-03-06"], "nonsense"),
        (vec!["replenish", "propose", "--pack", "0"], "out of bounds"),
        (vec!["replenish", "picking", "--location", "NOPE"], "NOPE"),
    ] {
        let refused = company.fails(&args);
        assert!(refused.contains(expected), "{args:?}: {refused}");
    }
    assert_eq!(company.log_snapshot(), before, "refused input records nothing");

    let approved = company.ok(&["replenish", "approve", "ge1:jkt-m", "--date", "2026-03-06"]);
    assert_eq!(approved.lines().count(), 1, "one transfer: {approved}");
    let picking = csv_rows(&company.ok(&["replenish", "picking", "--location", "WH", "--format", "csv"]));
    assert_eq!(picking.len(), 1, "{picking:?}");
    let medium = &proposed.iter().find(|row| row[1] == "JKT-M").unwrap()[10];
    assert_eq!(
        (&picking[0][2], &picking[0][3], &picking[0][4], &picking[0][5], &picking[0][7]),
        (&"GE1 Genève Rive".to_owned(), &"JKT-M".to_owned(), &"Veste".to_owned(), &"M".to_owned(), medium)
    );
    assert!(approved.contains(&picking[0][0]), "{approved} names {}", picking[0][0]);
    // Sent, the medium jackets are in transit and no longer proposed; the large ones still are.
    let after = csv_rows(&company.ok(&["replenish", "propose", "--date", "2026-03-06", "--format", "csv"]));
    let medium = after.iter().find(|row| row[1] == "JKT-M").unwrap();
    assert_eq!((medium[8].as_str(), medium[10].as_str()), (picking[0][7].as_str(), "0"), "{medium:?}");
    assert!(after.iter().any(|row| row[1] == "JKT-L" && row[10] != "0"), "{after:?}");
    // In French, as the warehouse's staff read it.
    let text = company.ok_in("fr", &["replenish", "picking", "--location", "WH"]);
    assert!(text.contains("Liste de préparation de WH") && text.contains("Taille"), "{text}");
}

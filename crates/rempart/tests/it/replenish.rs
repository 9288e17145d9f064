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

/// The warehouse's own replenishment on the command line: what it sent to the store over five
/// days is its demand; the proposal is ordered from the supplier at the average cost, counted
/// on order, delivered in two parts; refused input records nothing; the list says what is still
/// to come, in French too.
#[test]
fn the_warehouse_orders_what_it_sent_and_receives_it_in_two_deliveries() {
    let company = Company::new("CH");
    company.ok(&["location", "add", "GE1", "--label", "Genève Rive", "--kind", "store"]);
    company.ok(&["location", "add", "WH", "--label", "Entrepôt Crissier", "--kind", "warehouse"]);
    company.ok(&["item", "add", "JKT", "--label", "Veste", "--price", "120", "--vat", "N81", "--account", "3200"]);
    company.ok(&["sku", "add", "JKT-M", "--item", "JKT", "--size", "M"]);
    company.ok(&["contact", "add", "--id", "F-TEX", "--name", "Textiles Lémaniques SA"]);
    company.ok(&[
        "stock",
        "receive",
        "--location",
        "WH",
        "--item",
        "JKT-M",
        "--qty",
        "50",
        "--cost",
        "60",
        "--date",
        "2026-03-01",
    ]);
    for (day, qty) in [("02", "10"), ("03", "12"), ("04", "8"), ("05", "10")] {
        let date = format!("2026-03-{day}");
        company.ok(&[
            "stock", "transfer", "--from", "WH", "--to", "GE1", "--item", "JKT-M", "--qty", qty, "--date", &date,
        ]);
    }
    let proposed = csv_rows(&company.ok(&["purchase", "propose", "--date", "2026-03-06", "--format", "csv"]));
    assert_eq!(proposed.len(), 1, "{proposed:?}");
    // Location, SKU, days in stock, sent, safety, reorder point, order-up-to, on hand, in
    // transit, ordered, asked, proposed.
    let row = &proposed[0];
    assert_eq!((row[0].as_str(), row[3].as_str(), row[7].as_str(), row[9].as_str()), ("WH", "40", "10", "0"));
    let asked: i64 = row[11].parse().unwrap();
    assert!(asked > 0, "{row:?}");

    let before = company.log_snapshot();
    for (args, expected) in [
        (vec!["purchase", "approve", "--supplier", "F-NONE", "--date", "2026-03-06"], "no contact has the id F-NONE"),
        (vec!["purchase", "propose", "--location", "GE1"], "GE1 is not a warehouse"),
        (vec!["purchase", "order", "--supplier", "F-TEX", "--location", "WH", "--line", "JKT-M=3"], "SKU=QTY@COST"),
        (
            vec!["purchase", "order", "--supplier", "F-TEX", "--location", "GE1", "--line", "JKT-M=3@60"],
            "not a warehouse",
        ),
        (vec!["purchase", "receive", "PO-0000000000"], "no purchase order has the number PO-0000000000"),
        (vec!["purchase", "receive", "12"], "is not a purchase order's number"),
    ] {
        let refused = company.fails(&args);
        assert!(refused.contains(expected), "{args:?}: {refused}");
    }
    assert_eq!(company.log_snapshot(), before, "refused input records nothing");

    let ordered = company.ok(&["purchase", "approve", "--supplier", "F-TEX", "--date", "2026-03-06"]);
    assert!(ordered.contains("to F-TEX for WH: 1 SKUs"), "{ordered}");
    let number = ordered.split_whitespace().find(|word| word.starts_with("PO-")).unwrap().to_owned();
    let after = csv_rows(&company.ok(&["purchase", "propose", "--date", "2026-03-06", "--format", "csv"]));
    assert_eq!((after[0][9].parse::<i64>().unwrap(), after[0][11].as_str()), (asked, "0"), "on order: {after:?}");
    assert!(
        company
            .ok(&["purchase", "approve", "--supplier", "F-TEX", "--date", "2026-03-06"])
            .contains("Nothing to order")
    );

    let part = company.ok(&["purchase", "receive", &number, "--line", "JKT-M=20", "--date", "2026-03-08"]);
    assert!(part.contains("20 units received at WH"), "{part}");
    let open = csv_rows(&company.ok(&["purchase", "list", "--open", "--format", "csv"]));
    assert_eq!(open.len(), 1);
    // Order, date, supplier, warehouse, SKU, ordered, received, to come, unit cost.
    assert_eq!(
        (&open[0][0], open[0][5].parse::<i64>().unwrap(), open[0][6].as_str(), open[0][7].parse::<i64>().unwrap()),
        (&number, asked, "20", asked - 20)
    );
    assert_eq!(open[0][8], "60.00");
    let rest = company.ok(&["purchase", "receive", &number, "--date", "2026-03-09"]);
    assert!(rest.contains(&format!("{} units received at WH", asked - 20)), "{rest}");
    assert!(company.fails(&["purchase", "receive", &number]).contains("was delivered"));
    assert!(csv_rows(&company.ok(&["purchase", "list", "--open", "--format", "csv"])).is_empty());
    let stock = csv_rows(&company.ok(&["report", "stock", "--location", "WH", "--format", "csv"]));
    assert_eq!(stock[0][5].parse::<i64>().unwrap(), 10 + asked, "{stock:?}");
    let text = company.ok_in("fr", &["purchase", "list"]);
    assert!(text.contains("Commandes fournisseur") && text.contains("À venir"), "{text}");
}

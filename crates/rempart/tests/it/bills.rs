//! Supplier bills on the command line: input VAT, due dates from the supplier's terms, partial
//! and final payments, the bills still to pay, the list of all bills, and refusals.

use crate::{Company, csv_rows};

#[test]
fn bills_are_recorded_paid_and_listed() {
    let company = Company::new("CH");
    company.ok(&[
        "contact",
        "add",
        "--id",
        "GROS",
        "--name",
        "Pièces Auto Léman SA",
        "--set",
        "role=supplier",
        "--set",
        "payment_terms_days=30",
    ]);
    let recorded = company.ok(&[
        "bill",
        "add",
        "--supplier",
        "GROS",
        "--ref",
        "2026-4711",
        "--date",
        "2026-03-05",
        "--line",
        "4000=123.45:IN81:Plaquettes",
        "--line",
        "6500=10.00:IN81",
    ]);
    // 133.45 at 8.1 % = 10.81; due 30 days later.
    assert!(
        recorded.contains("Bill 2026-4711 of Pièces Auto Léman SA recorded: CHF 144.26, due 04.04.2026"),
        "{recorded}"
    );
    let id = recorded.rsplit("(id ").next().and_then(|rest| rest.split(')').next()).expect("id").to_owned();
    assert!(id.starts_with("B-"), "{recorded}");

    let open = |on: &str| csv_rows(&company.ok(&["report", "payables", "--to", on, "--format", "csv"]));
    let rows = open("2026-05-20");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][6..11], ["144.26", "0.00", "144.26", "46", "31-60"].map(str::to_owned));

    // Named by its supplier and their reference, as people name it (case and spaces aside).
    let paid = company.ok(&[
        "bill",
        "pay",
        "--supplier",
        "Pièces Auto Léman SA",
        "--reference",
        " 2026-4711",
        "--amount",
        "44.26",
        "--date",
        "2026-04-01",
    ]);
    assert!(paid.contains("Bill 2026-4711 of Pièces Auto Léman SA paid: CHF 44.26"), "{paid}");
    assert_eq!(open("2026-04-30")[0][8], "100.00");
    let before = company.log_snapshot();
    for (args, expected) in [
        (
            vec!["bill", "pay", &id, "--amount", "100.01"],
            "the payment (100.01) is more than what is open on the bill (100.00)",
        ),
        (vec!["bill", "pay", "B-nothing"], "bill B-nothing does not exist"),
        (
            vec!["bill", "pay", "--supplier", "GROS", "--reference", "2026-0000"],
            "Pièces Auto Léman SA has no bill with the reference 2026-0000",
        ),
        (
            vec!["bill", "add", "--supplier", "GROS", "--ref", "2026-4711", "--line", "4000=1.00:IN81"],
            "bill GROS 2026-4711 is already recorded",
        ),
        (
            vec!["bill", "add", "--supplier", "GROS", "--ref", "X", "--line", "4000=1.00:N81"],
            "a bill needs an input VAT code",
        ),
        (
            vec!["bill", "add", "--supplier", "GROS", "--ref", "X", "--line", "3400=1.00:IN81"],
            "account 3400 is not an expense or asset account",
        ),
        (vec!["bill", "add", "--supplier", "GROS", "--ref", "X", "--line", "4000-1.00"], "is not a bill line"),
        (
            vec!["bill", "add", "--supplier", "NOBODY", "--ref", "X", "--line", "4000=1.00:IN81"],
            "contact NOBODY does not exist",
        ),
    ] {
        let message = company.fails(&args);
        assert!(message.contains(expected), "{args:?}: expected {expected:?} in {message:?}");
    }
    assert_eq!(company.log_snapshot(), before);
    company.ok(&["bill", "pay", &id, "--date", "2026-04-03"]);
    assert!(open("2026-04-30").is_empty());
    // The list keeps the paid bill, with what was paid on it.
    let listed = csv_rows(&company.ok(&["bill", "list", "--supplier", "GROS", "--format", "csv"]));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0][1..], ["GROS", "2026-4711", "2026-03-05", "2026-04-04", "CHF", "144.26", "144.26", "0.00"]);
    // A supplier named that nobody is: said, not an empty list.
    assert!(company.fails(&["bill", "list", "--supplier", "OTHER"]).contains("contact OTHER does not exist"));

    let trial = csv_rows(&company.ok(&["report", "trial-balance", "--format", "csv"]));
    let closing = |account: &str| trial.iter().find(|row| row[0] == account).map(|row| row[6].clone());
    assert_eq!(closing("2000").as_deref(), Some("0.00"));
    assert_eq!(closing("1170").as_deref(), Some("10.81"));
    assert_eq!(closing("1020").as_deref(), Some("-144.26"));
    let vat = csv_rows(&company.ok(&["report", "vat", "--period", "2026-Q1", "--format", "csv"]));
    assert!(vat.iter().any(|row| row[0] == "400" && row[3] == "10.81"), "{vat:?}");
    assert!(vat.iter().any(|row| row[0] == "510" && row[3] == "10.81"), "{vat:?}");
    let hash = company.state_hash();
    company.ok(&["rebuild"]);
    assert_eq!(company.state_hash(), hash);
}

//! The catalogue on the command line: items and services with net prices, VAT codes and revenue
//! accounts; never deleted, only made inactive.

use crate::{Company, csv_rows};

#[test]
fn items_are_added_changed_and_listed() {
    let company = Company::new("CH");
    assert_eq!(
        company
            .ok(&[
                "item",
                "add",
                "MO",
                "--label",
                "Main-d'œuvre atelier",
                "--unit",
                "h",
                "--price",
                "120.00",
                "--vat",
                "N81",
                "--account",
                "3400"
            ])
            .trim(),
        "Item MO added."
    );
    company.ok(&[
        "item",
        "add",
        "FILTRE-HUILE",
        "--label",
        "Filtre à huile",
        "--price",
        "18.50",
        "--vat",
        "N81",
        "--account",
        "3200",
    ]);
    company.ok(&["item", "edit", "MO", "--price", "125.00"]);
    company.ok(&["item", "edit", "FILTRE-HUILE", "--deactivate"]);
    let rows = csv_rows(&company.ok(&["item", "list", "--format", "csv"]));
    assert_eq!(
        rows,
        [
            ["FILTRE-HUILE", "Filtre à huile", "pce", "18.50", "CHF", "N81", "3200", ""],
            ["MO", "Main-d'œuvre atelier", "h", "125.00", "CHF", "N81", "3400", "x"],
        ]
    );
    let table = company.ok(&["item", "list"]);
    assert!(table.contains("125.00"), "{table}");

    let before = company.log_snapshot();
    let cases: &[(&[&str], &str)] = &[
        (
            &["item", "add", "MO", "--label", "X", "--price", "1", "--vat", "N81", "--account", "3400"],
            "item MO already exists",
        ),
        (
            &["item", "add", "P", "--label", "X", "--price", "1", "--vat", "IN81", "--account", "3400"],
            "is for VAT paid on purchases",
        ),
        (
            &["item", "add", "P", "--label", "X", "--price", "1", "--vat", "N99", "--account", "3400"],
            "VAT code N99 does not exist",
        ),
        (
            &["item", "add", "P", "--label", "X", "--price", "1", "--vat", "N81", "--account", "1020"],
            "account 1020 is not a revenue account",
        ),
        (
            &["item", "add", "P", "--label", "X", "--price", "-5", "--vat", "N81", "--account", "3400"],
            "cannot be negative",
        ),
        (
            &["item", "add", "P", "--label", "X", "--price", "12,50", "--vat", "N81", "--account", "3400"],
            "\"12,50\" is not an amount",
        ),
        (&["item", "edit", "NOPE", "--price", "1"], "item NOPE does not exist"),
        (&["item", "edit", "MO"], "nothing to change"),
    ];
    for (args, expected) in cases {
        let message = company.fails(args);
        assert!(message.contains(expected), "{args:?}: expected {expected:?} in {message:?}");
    }
    assert_eq!(company.log_snapshot(), before);
    let hash = company.state_hash();
    company.ok(&["rebuild"]);
    assert_eq!(company.state_hash(), hash);
}

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
    let output = crate::binary()
        .env("REMPART_LANG", "fr")
        .arg("--data-dir")
        .arg(&company.dir)
        .args(["location", "list"])
        .output()
        .expect("run rempart");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(text.contains("Emplacements") && text.contains("entrepôt"), "{text}");
}

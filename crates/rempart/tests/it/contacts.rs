//! Contacts on the command line: the garage's customers with two vehicles, field-level edits, a
//! search by plate, the history with the overwritten value, and refused values.

use crate::{Company, csv_rows};

fn garage() -> Company {
    let company = Company::new("CH");
    for (name, label, kind) in [
        ("vehicle.plate", "Plaque", "text"),
        ("vehicle.vin", "N° de châssis (VIN)", "text"),
        ("vehicle.make_model", "Marque et modèle", "text"),
        ("vehicle.first_registration", "1re mise en circulation", "date"),
        ("vehicle.mileage", "Kilométrage", "number"),
    ] {
        company.ok(&["contact", "field", "add", name, "--label", label, "--type", kind]);
    }
    company
}

#[test]
fn a_customer_with_two_vehicles() {
    let company = garage();
    let added = company.ok(&[
        "contact",
        "add",
        "--id",
        "FAVRE",
        "--name",
        "Jean Favre",
        "--set",
        "street=Route de Lausanne",
        "--set",
        "building_number=12",
        "--set",
        "postcode=1110",
        "--set",
        "town=Morges",
        "--set",
        "country=CH",
        "--set",
        "phone=+41 21 555 12 34",
        "--set",
        "email=jean.favre@example.ch",
        "--set",
        "language=fr",
        "--set",
        "role=customer",
        "--set",
        "vehicle.1.plate=VD 123456",
        "--set",
        "vehicle.1.make_model=VW Golf",
        "--set",
        "vehicle.1.first_registration=2018-04-12",
        "--set",
        "vehicle.1.mileage=84200",
        "--set",
        "vehicle.2.plate=VD 654321",
        "--set",
        "vehicle.2.make_model=Renault Zoe",
    ]);
    assert_eq!(added.trim(), "Contact FAVRE added.");
    company.ok(&[
        "contact",
        "add",
        "--name",
        "Garage Supplies SA",
        "--set",
        "role=supplier",
        "--set",
        "vat_number=CHE-116.281.710 MWST",
    ]);

    company.ok(&["contact", "edit", "FAVRE", "--set", "vehicle.1.mileage=91050", "--clear", "vehicle.2.make_model"]);
    let shown = csv_rows(&company.ok(&["contact", "show", "FAVRE", "--format", "csv"]));
    let field = |name: &str| shown.iter().find(|row| row[0] == name).map(|row| row[1].clone());
    assert_eq!(field("vehicle.1.mileage").as_deref(), Some("91050"));
    assert_eq!(field("vehicle.2.plate").as_deref(), Some("VD 654321"));
    assert_eq!(field("vehicle.2.make_model"), None, "cleared");
    assert_eq!(field("town").as_deref(), Some("Morges"));

    let found = csv_rows(&company.ok(&["contact", "search", "654321", "--format", "csv"]));
    assert_eq!(found.iter().map(|row| row[0].as_str()).collect::<Vec<_>>(), ["FAVRE"]);
    let found = csv_rows(&company.ok(&["contact", "search", "supplies", "--format", "csv"]));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0][1], "Garage Supplies SA");
    assert_eq!(csv_rows(&company.ok(&["contact", "list", "--format", "csv"])).len(), 2);

    let history = csv_rows(&company.ok(&["contact", "history", "FAVRE", "--format", "csv"]));
    let mileage: Vec<(&str, &str)> = history
        .iter()
        .filter(|row| row[2] == "vehicle.1.mileage")
        .map(|row| (row[3].as_str(), row[4].as_str()))
        .collect();
    assert_eq!(mileage, [("84200", ""), ("91050", "x")], "the overwritten value is kept");

    let hash = company.state_hash();
    company.ok(&["rebuild"]);
    assert_eq!(company.state_hash(), hash);
}

#[test]
fn bad_contact_input_is_refused_and_changes_nothing() {
    let company = garage();
    company.ok(&["contact", "add", "--id", "A", "--name", "Alice"]);
    let before = company.log_snapshot();
    let cases: &[(&[&str], &str)] = &[
        (&["contact", "add", "--name", "X", "--set", "vat_number=CHE-116.281.711"], "not a Swiss UID"),
        (
            &["contact", "add", "--name", "X", "--set", "siren=732829321"],
            "a SIREN is 9 digits with a valid check digit",
        ),
        (&["contact", "add", "--name", "X", "--set", "email=nobody"], "not an e-mail address"),
        (&["contact", "add", "--name", "X", "--set", "country=Suisse"], "two-letter ISO code"),
        (&["contact", "add", "--name", "X", "--set", "colour=red"], "\"colour\" is not a contact field"),
        (&["contact", "add", "--name", "X", "--set", "boat.1.name=Y"], "\"boat.1.name\" is not a contact field"),
        (&["contact", "add", "--name", "X", "--set", "vehicle.1.mileage=lots"], "a whole number"),
        (&["contact", "add", "--name", "X", "--set", "vehicle.1.first_registration=12.04.2018"], "YYYY-MM-DD"),
        (&["contact", "add", "--id", "A", "--name", "Again"], "contact A already exists"),
        (&["contact", "edit", "NOBODY", "--set", "town=Sion"], "contact NOBODY does not exist"),
        (&["contact", "edit", "A", "--clear", "name"], "a contact needs a name"),
        (&["contact", "edit", "A"], "nothing to change"),
        (&["contact", "field", "add", "vehicle.plate", "--label", "Again"], "field vehicle.plate is already defined"),
        (&["contact", "field", "add", "Plate", "--label", "P"], "is not a valid name for a new field"),
    ];
    for (args, expected) in cases {
        let message = company.fails(args);
        assert!(message.contains(expected), "{args:?}: expected {expected:?} in {message:?}");
    }
    assert_eq!(company.log_snapshot(), before);
}

/// A customer is named as a person names them: by their short number or by their name, whatever
/// its case; a name two customers share is refused with both numbers, and nothing is recorded.
#[test]
fn a_customer_is_named_by_number_or_by_name() {
    let company = Company::new("CH");
    let added = company.ok(&["contact", "add", "--name", "Jean Favre", "--set", "town=Morges"]);
    assert_eq!(added.trim(), "Contact 1 added.");
    let by_name = company.ok(&["invoice", "new", "--contact", "  jean FAVRE ", "--date", "01.10.2026"]);
    let by_number = company.ok(&["invoice", "new", "--contact", "1", "--date", "01.10.2026"]);
    assert!(by_name.starts_with("Draft invoice D-") && by_number.starts_with("Draft invoice D-"));
    let listed = csv_rows(&company.ok(&["invoice", "list", "--format", "csv"]));
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|row| row[2..4] == ["1", "Jean Favre"]), "the number and the name: {listed:?}");
    company.ok(&["contact", "add", "--name", "Jean Favre", "--set", "town=Gland"]);
    let before = company.log_snapshot();
    let refused = company.fails(&["invoice", "new", "--contact", "Jean Favre"]);
    assert!(refused.contains("several contacts are named Jean Favre: 1, 2"), "{refused}");
    let unknown = company.fails(&["payment", "add", "--contact", "Marie Rochat", "--amount", "10.00"]);
    assert!(unknown.contains("contact Marie Rochat does not exist"), "{unknown}");
    assert_eq!(company.log_snapshot(), before);
    // A supplier too, by name.
    company.ok(&["contact", "add", "--name", "Garage Supplies SA"]);
    company.ok(&["bill", "add", "--supplier", "garage supplies sa", "--ref", "X-1", "--line", "4000=10.00:IN81"]);
    let bills = csv_rows(&company.ok(&["bill", "list", "--supplier", "Garage Supplies SA", "--format", "csv"]));
    assert_eq!(bills.len(), 1);
}

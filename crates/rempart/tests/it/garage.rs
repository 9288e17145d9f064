//! The garage's whole cycle on the command line, as the owner in the Swiss incident lives it: a
//! customer with two vehicles, an invoice with labour and parts, its PDF with the QR-bill, a
//! partial payment, a reminder with its fee, a credit note, the final payment. Receivables go to
//! zero, and the trial balance and the VAT return agree with the documents to the cent.

use crate::documents::decode_qr;
use crate::{Company, csv_rows, draft_of, number_of};

#[test]
fn the_garage_cycle_from_vehicle_to_zero_receivables() {
    let company = Company::new("CH");
    company.in_morges(&[
        "qr_iban=CH44 3199 9123 0008 8901 2",
        "vat_number=CHE-116.281.710 TVA",
        "dunning_1_days=10",
        "dunning_1_fee=10.00",
    ]);
    for (name, label, kind) in [
        ("vehicle.plate", "Plaque", "text"),
        ("vehicle.vin", "N° de châssis (VIN)", "text"),
        ("vehicle.make_model", "Marque et modèle", "text"),
        ("vehicle.mileage", "Kilométrage", "number"),
    ] {
        company.ok(&["contact", "field", "add", name, "--label", label, "--type", kind]);
    }
    company.ok(&[
        "contact",
        "add",
        "--id",
        "FAVRE",
        "--name",
        "Jean Favre",
        "--set",
        "street=Chemin des Vignes",
        "--set",
        "building_number=4",
        "--set",
        "postcode=1196",
        "--set",
        "town=Gland",
        "--set",
        "language=fr",
        "--set",
        "vehicle.1.plate=VD 123456",
        "--set",
        "vehicle.1.make_model=VW Golf",
        "--set",
        "vehicle.1.vin=WVWZZZ1KZAW000001",
        "--set",
        "vehicle.1.mileage=84200",
        "--set",
        "vehicle.2.plate=VD 654321",
        "--set",
        "vehicle.2.make_model=Renault Zoe",
    ]);
    let found = csv_rows(&company.ok(&["contact", "search", "654321", "--format", "csv"]));
    assert_eq!(found.iter().map(|row| row[0].as_str()).collect::<Vec<_>>(), ["FAVRE"], "found by either plate");
    company.ok(&[
        "item",
        "add",
        "MO",
        "--label",
        "Main-d'œuvre",
        "--unit",
        "h",
        "--price",
        "120.00",
        "--vat",
        "N81",
        "--account",
        "3400",
    ]);
    company.ok(&[
        "item",
        "add",
        "FILTRE",
        "--label",
        "Filtre à huile",
        "--price",
        "18.35",
        "--vat",
        "N81",
        "--account",
        "3200",
    ]);

    // Labour 2.5 h = 300.00, oil filter 18.35, brake pads 2 x 89.90 - 10 % = 161.82: net 480.17,
    // VAT 8.1 % = 38.89, total 519.06, due in 30 days.
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "FAVRE", "--date", "2026-04-07"]));
    company.ok(&["invoice", "line", &draft, "--item", "MO", "--qty", "2.5"]);
    company.ok(&["invoice", "line", &draft, "--item", "FILTRE"]);
    company.ok(&[
        "invoice",
        "line",
        &draft,
        "--text",
        "Plaquettes de frein avant, VW Golf VD 123456",
        "--qty",
        "2",
        "--price",
        "89.90",
        "--discount",
        "10",
        "--vat",
        "N81",
        "--account",
        "3200",
    ]);
    let issued = company.ok(&["invoice", "issue", &draft]);
    assert!(issued.contains("total CHF 519.06"), "{issued}");
    let number = number_of(&issued);

    company.ok(&["invoice", "pdf", &number]);
    let pdf = company.dir.join("documents").join(format!("{number}.pdf"));
    let codes = decode_qr(&pdf, 1);
    let fields: Vec<&str> = codes[0].split("\r\n").collect();
    assert_eq!((fields[18], fields[19], fields[21], fields[27]), ("519.06", "CHF", "Jean Favre", "QRR"));
    assert_eq!(fields[29], number);

    company.ok(&[
        "payment",
        "add",
        "--contact",
        "FAVRE",
        "--amount",
        "200.00",
        "--date",
        "2026-04-20",
        "--invoice",
        &number,
    ]);
    // Due 2026-05-07: reminder 1 is due ten days later and costs 10.00.
    assert!(company.fails(&["invoice", "remind", &number, "--date", "2026-05-16"]).contains("due from 2026-05-17"));
    let reminded = company.ok(&["invoice", "remind", &number, "--date", "2026-05-18"]);
    assert!(reminded.contains("fee CHF 10.00; CHF 329.06 now open"), "{reminded}");

    // One of the two brake pads goes back: 80.91 + 6.55 VAT = 87.46.
    let credited = company.ok(&["invoice", "credit", &number, "--date", "2026-05-20", "--line", "3=1"]);
    assert!(credited.contains("87.46"), "{credited}");
    let receivables = csv_rows(&company.ok(&["report", "receivables", "--to", "2026-05-24", "--format", "csv"]));
    assert_eq!(
        receivables[0][5..10],
        ["519.06", "200.00", "87.46", "10.00", "241.60"].map(str::to_owned),
        "gross, paid, credited, fees, open"
    );
    company.ok(&["payment", "add", "--contact", "FAVRE", "--amount", "241.60", "--date", "2026-05-25"]);
    assert!(csv_rows(&company.ok(&["report", "receivables", "--to", "2026-12-31", "--format", "csv"])).is_empty());
    assert!(csv_rows(&company.ok(&["report", "dunning", "--to", "2026-12-31", "--format", "csv"])).is_empty());

    // The books, to the cent: bank 441.60 = labour 300.00 + parts 99.26 + VAT 32.34 + fee 10.00.
    let trial = csv_rows(&company.ok(&["report", "trial-balance", "--to", "2026-12-31", "--format", "csv"]));
    let closing = |account: &str| trial.iter().find(|row| row[0] == account).map(|row| row[6].clone());
    assert_eq!(closing("1100").as_deref(), Some("0.00"), "receivables");
    assert_eq!(closing("1020").as_deref(), Some("441.60"), "bank");
    assert_eq!(closing("3400").as_deref(), Some("-300.00"), "labour");
    assert_eq!(closing("3200").as_deref(), Some("-99.26"), "18.35 + 161.82 - 80.91");
    assert_eq!(closing("2200").as_deref(), Some("-32.34"), "38.89 - 6.55");
    assert_eq!(closing("6950").as_deref(), Some("-10.00"), "reminder fee");
    let vat = csv_rows(&company.ok(&["report", "vat", "--period", "2026-Q2", "--format", "csv"]));
    let line = |form_line: &str| vat.iter().find(|row| row[0] == form_line).map(|row| (row[2].clone(), row[3].clone()));
    assert_eq!(line("302"), Some(("399.26".to_owned(), "32.34".to_owned())), "480.17 - 80.91 at 8.1 %");
    assert_eq!(line("500").map(|(_, tax)| tax), Some("32.34".to_owned()), "payable");
    let verified = company.ok(&["verify"]);
    assert!(verified.contains("all intact"), "{verified}");
}

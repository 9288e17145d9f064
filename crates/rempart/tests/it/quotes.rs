//! Quotes on the command line (issue 23): drafted, sent with a number of their own series, read
//! back from their PDF in the customer's language, accepted into an invoice draft with the same
//! lines, which is issued and paid; refused and expired ones listed by status; bad input refused
//! with nothing changed.

use crate::documents::pdf_text;
use crate::{Company, draft_of, number_of, path_arg};

/// A Swiss garage with a German-speaking customer.
fn garage() -> Company {
    let company = Company::new("CH");
    company.in_morges(&["vat_number=CHE-116.281.710 MWST", "qr_iban=CH44 3199 9123 0008 8901 2"]);
    company.ok(&[
        "contact",
        "add",
        "--id",
        "MUELLER",
        "--name",
        "Anna Müller",
        "--set",
        "street=Bahnhofstrasse",
        "--set",
        "building_number=7",
        "--set",
        "postcode=8001",
        "--set",
        "town=Zürich",
        "--set",
        "language=de",
    ]);
    company
}

/// The draft id in the output of `quote new`.
fn quote_of(output: &str) -> String {
    output.split_whitespace().find(|word| word.starts_with("Q-")).expect("a quote id").trim_end_matches('.').to_owned()
}

/// The quote number in the output of `quote send`.
fn quote_number_of(output: &str) -> String {
    output
        .split_whitespace()
        .map(|word| word.trim_end_matches([',', '.']))
        .find(|word| word.starts_with("OF-"))
        .expect("a quote number")
        .to_owned()
}

/// Figures by hand: 1.5 h at 120.00 = 180.00; 2 filters at 18.50 = 37.00; net 217.00; VAT
/// 8.1 % = 17.577 -> 17.58; total 234.58.
#[test]
fn a_quote_becomes_an_invoice_that_is_paid() {
    let company = garage();
    let quote = quote_of(&company.ok(&[
        "quote",
        "new",
        "--contact",
        "MUELLER",
        "--date",
        "2026-03-02",
        "--valid-until",
        "2026-03-31",
    ]));
    // Nothing to send yet.
    assert!(company.fails(&["quote", "send", &quote]).contains("no line"), "an empty quote is not sent");
    company.ok(&["quote", "line", &quote, "--comment", "Fahrzeug ZH 123 456, 85 000 km"]);
    company.ok(&[
        "quote",
        "line",
        &quote,
        "--text",
        "Service 60 000 km",
        "--qty",
        "1.5",
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
        "quote",
        "line",
        &quote,
        "--text",
        "Ölfilter",
        "--qty",
        "3",
        "--price",
        "18.50",
        "--vat",
        "N81",
        "--account",
        "3200",
    ]);
    company.ok(&[
        "quote",
        "change-line",
        &quote,
        "3",
        "--text",
        "Ölfilter",
        "--qty",
        "2",
        "--price",
        "18.50",
        "--vat",
        "N81",
        "--account",
        "3200",
    ]);
    let sent = company.ok(&["quote", "send", &quote]);
    let number = quote_number_of(&sent);
    assert_eq!(number, "OF-2026-0001");
    assert!(sent.contains("CHF 234.58") && sent.contains("31.03.2026"), "{sent}");
    // Sent: its lines no longer change, and it is not sent twice.
    let before = company.log_snapshot();
    for args in [
        vec!["quote", "line", &quote, "--comment", "Nachtrag"],
        vec!["quote", "remove-line", &quote, "1"],
        vec!["quote", "send", &quote],
        vec!["quote", "discard", &quote],
    ] {
        assert!(company.fails(&args).contains("was sent as OF-2026-0001"), "{args:?}");
    }
    assert!(company.log_snapshot() == before, "a refused change to a sent quote changed the log");

    // Its PDF, in the customer's German, with no payment part.
    let pdf = company.dir.parent().expect("parent").join("offerte.pdf");
    company.ok(&["quote", "pdf", &number, "--out", path_arg(&pdf)]);
    let text = pdf_text(&pdf);
    for expected in [
        "Offerte OF-2026-0001",
        "Gültig bis",
        "31.03.2026",
        "Anna Müller",
        "Fahrzeug ZH 123 456, 85 000 km",
        "Service 60 000 km",
        "1.5 h",
        "Ölfilter",
        "217.00",
        "17.58",
        "234.58",
        "Diese Offerte ist gültig bis 31.03.2026",
    ] {
        assert!(text.contains(expected), "{expected} is not in the quote's PDF:\n{text}");
    }
    assert!(!text.contains("Zahlteil") && !text.contains("Rechnung"), "a quote is no bill:\n{text}");

    // Accepted after its validity: refused; within it: an invoice draft with the same lines.
    let late = company.fails(&["quote", "accept", &number, "--date", "2026-04-01"]);
    assert!(late.contains("expired on 2026-03-31"), "{late}");
    let accepted = company.ok(&["quote", "accept", &number, "--date", "2026-03-10"]);
    let draft = draft_of(&accepted);
    assert!(company.fails(&["quote", "refuse", &number]).contains("already accepted"));
    let shown = company.ok(&["invoice", "show", &draft, "--format", "csv"]);
    assert!(shown.contains("Service 60 000 km") && shown.contains("Fahrzeug ZH 123 456") && shown.contains("37.00"));
    let issued = company.ok(&["invoice", "issue", &draft]);
    let invoice = number_of(&issued);
    assert!(issued.contains("CHF 234.58"), "the invoice's total is the quote's: {issued}");
    company.ok(&["payment", "add", "--contact", "MUELLER", "--amount", "234.58", "--date", "2026-03-20"]);
    let list = company.ok(&["invoice", "list", "--format", "csv"]);
    assert!(list.contains(&invoice), "{list}");
    let open = company.ok(&["report", "receivables", "--to", "2026-03-31", "--format", "csv"]);
    assert!(!open.contains(&invoice), "the invoice is paid: {open}");
    let quotes = company.ok(&["quote", "list", "--status", "accepted", "--format", "csv"]);
    assert!(quotes.contains("OF-2026-0001") && quotes.contains(&invoice), "the quote names its invoice: {quotes}");

    // A refused quote, an expired one, and a draft, each listed by its status (in French too).
    let second = quote_of(&company.ok(&["quote", "new", "--contact", "MUELLER", "--date", "2026-03-03"]));
    company.ok(&["quote", "line", &second, "--text", "Pneus", "--price", "400", "--vat", "N81", "--account", "3200"]);
    let second = quote_number_of(&company.ok(&["quote", "send", &second]));
    assert_eq!(second, "OF-2026-0002");
    company.ok(&["quote", "refuse", &second, "--date", "2026-03-05"]);
    let third = quote_of(&company.ok(&[
        "quote",
        "new",
        "--contact",
        "MUELLER",
        "--date",
        "2020-01-06",
        "--valid-until",
        "2020-01-31",
    ]));
    company.ok(&["quote", "line", &third, "--text", "Vidange", "--price", "90", "--vat", "N77", "--account", "3400"]);
    let third = quote_number_of(&company.ok(&["quote", "send", &third]));
    assert_eq!(third, "OF-2020-0001", "each year its series");
    let drafted = quote_of(&company.ok(&["quote", "new", "--contact", "MUELLER"]));
    for (status, expected) in [("refused", &second), ("expired", &third), ("draft", &drafted)] {
        let listed = company.ok(&["quote", "list", "--status", status, "--format", "csv"]);
        assert!(listed.contains(expected.as_str()) && listed.lines().count() == 2, "{status}: {listed}");
    }
    let french = company.ok_in("fr", &["quote", "list"]);
    for word in ["accepté", "refusé", "expiré", "brouillon", "Valable jusqu'au"] {
        assert!(french.contains(word), "{word}: {french}");
    }
    let shown = company.ok_in("de", &["quote", "show", &number]);
    assert!(shown.contains("Offerte OF-2026-0001") && shown.contains("angenommen") && shown.contains(&invoice));
}

/// Bad input gets one clear message, a non-zero exit, and changes nothing.
#[test]
fn bad_quotes_are_refused_and_change_nothing() {
    let company = garage();
    let quote = quote_of(&company.ok(&["quote", "new", "--contact", "MUELLER", "--date", "2026-03-02"]));
    company.ok(&["quote", "line", &quote, "--text", "Service", "--price", "100", "--vat", "N81", "--account", "3400"]);
    let before = company.log_snapshot();
    for (args, expected) in [
        (
            vec!["quote", "new", "--contact", "MUELLER", "--date", "2026-03-02", "--valid-until", "2026-03-01"],
            "for at most a year, not until 2026-03-01",
        ),
        (
            vec!["quote", "new", "--contact", "MUELLER", "--date", "2026-03-02", "--valid-until", "2027-03-05"],
            "for at most a year",
        ),
        (vec!["quote", "new", "--contact", "NOBODY"], "contact NOBODY does not exist"),
        (vec!["quote", "accept", &quote], "is a draft: send it"),
        (vec!["quote", "refuse", "OF-2026-0009"], "quote OF-2026-0009 does not exist"),
        (vec!["quote", "list", "--status", "open"], "\"open\" is not a status of quotes"),
        (vec!["quote", "pdf", &quote], "has no document yet: send it first"),
        (vec!["quote", "remove-line", &quote, "7"], "has no line 7"),
        (vec!["quote", "line", &quote, "--text", "X", "--price", "1", "--vat", "IN81", "--account", "3400"], "IN81"),
    ] {
        let said = company.fails(&args);
        assert!(said.contains(expected), "{args:?}: {said}");
        assert_eq!(said.trim().lines().count(), 1, "one message: {said}");
    }
    assert!(company.log_snapshot() == before, "a refused command changed the log");
    let said = company.fails_in("fr", &["quote", "accept", &quote]);
    assert!(said.contains("est un brouillon"), "{said}");
    // A quote answered before its own date is refused too.
    let number = quote_number_of(&company.ok(&["quote", "send", &quote]));
    let early = company.fails(&["quote", "refuse", &number, "--date", "2026-03-01"]);
    assert!(early.contains("before its own date"), "{early}");
}

/// The plate in the output of `vehicle add`.
fn added_plate(output: &str) -> &str {
    output.split_whitespace().nth(1).expect("a plate")
}

/// Issue 23, item 2: a vehicle is a record of its customer, with no field declared first; a
/// quote and an invoice name it and print its plate and the mileage read; its history lists
/// them with the mileage over time; it is found by plate whatever the spaces and case.
#[test]
fn a_vehicle_is_quoted_invoiced_and_followed_by_its_plate() {
    let company = garage();
    let added = company.ok(&[
        "vehicle",
        "add",
        "--contact",
        "MUELLER",
        "--plate",
        "zh  123 456",
        "--make",
        "VW",
        "--model",
        "Golf",
        "--vin",
        "wvwzzz1kzaw000001",
        "--first-registration",
        "12.04.2018",
    ]);
    assert_eq!(added_plate(&added), "ZH");
    assert!(added.contains("ZH 123 456") && added.contains("vehicle 1"), "{added}");
    // Found by plate, whatever its spaces, dots, hyphens and case.
    for typed in ["zh123456", "ZH-123.456", "Zh 12 34 56"] {
        let found = company.ok(&["vehicle", "list", "--plate", typed, "--format", "csv"]);
        assert!(found.contains("ZH 123 456,VW,Golf,WVWZZZ1KZAW000001,2018-04-12,MUELLER"), "{typed}: {found}");
    }
    // A second vehicle written as a field of the contact, with no definition either.
    company.ok(&["contact", "edit", "MUELLER", "--set", "vehicle.2.plate=ZH 9", "--set", "vehicle.2.make=Fiat"]);

    let quote = quote_of(&company.ok(&[
        "quote",
        "new",
        "--contact",
        "MUELLER",
        "--date",
        "2026-03-02",
        "--vehicle",
        "zh123456",
        "--mileage",
        "85'000",
    ]));
    company.ok(&["quote", "line", &quote, "--text", "Service", "--price", "300", "--vat", "N81", "--account", "3400"]);
    let number = quote_number_of(&company.ok(&["quote", "send", &quote]));
    let pdf = company.dir.parent().expect("parent").join("quote.pdf");
    company.ok(&["quote", "pdf", &number, "--out", path_arg(&pdf)]);
    let text = pdf_text(&pdf);
    assert!(text.contains("Fahrzeug") && text.contains("ZH 123 456, VW Golf, 85'000 km"), "{text}");

    // Accepted when the car comes in: the invoice is for the same vehicle, at today's mileage.
    let draft = draft_of(&company.ok(&["quote", "accept", &number, "--date", "2026-03-09", "--mileage", "85200"]));
    let invoice = number_of(&company.ok(&["invoice", "issue", &draft]));
    company.ok(&["invoice", "pdf", &invoice, "--out", path_arg(&pdf)]);
    let text = pdf_text(&pdf);
    assert!(text.contains("ZH 123 456, VW Golf, 85'200 km"), "{text}");
    // Another visit, invoiced directly; and the other car's.
    let later = draft_of(&company.ok(&[
        "invoice",
        "new",
        "--contact",
        "MUELLER",
        "--date",
        "2026-09-01",
        "--vehicle",
        "ZH 123456",
        "--mileage",
        "91050",
    ]));
    company.ok(&["invoice", "line", &later, "--text", "Pneus", "--price", "400", "--vat", "N81", "--account", "3200"]);
    let later = number_of(&company.ok(&["invoice", "issue", &later]));
    // The other car comes in: its draft made first, the car and its mileage noted after.
    let other = draft_of(&company.ok(&["invoice", "new", "--contact", "MUELLER", "--date", "2026-09-02"]));
    let noted = company.ok(&["invoice", "vehicle", &other, "--plate", "zh9", "--mileage", "40 000"]);
    assert!(noted.contains("ZH 9"), "{noted}");
    company.ok(&[
        "invoice",
        "line",
        &other,
        "--text",
        "Bremsen",
        "--price",
        "200",
        "--vat",
        "N81",
        "--account",
        "3400",
    ]);
    let other = number_of(&company.ok(&["invoice", "issue", &other]));
    let history = company.ok(&["vehicle", "history", "ZH 9", "--format", "csv"]);
    assert!(history.contains(&format!("{other},40000")), "{history}");
    assert!(company.fails(&["invoice", "vehicle", &other, "--plate", "zh9"]).contains("can no longer change"));

    let history = company.ok(&["vehicle", "history", "zh 123 456", "--format", "csv"]);
    let rows: Vec<Vec<String>> = crate::csv_rows(&history);
    let visits: Vec<(&str, &str, &str)> =
        rows.iter().map(|row| (row[0].as_str(), row[2].as_str(), row[3].as_str())).collect();
    assert_eq!(
        visits,
        [
            ("2026-03-02", number.as_str(), "85000"),
            ("2026-03-09", invoice.as_str(), "85200"),
            ("2026-09-01", later.as_str(), "91050")
        ],
        "{history}"
    );
    let french = company.ok_in("fr", &["vehicle", "history", "ZH123456"]);
    assert!(
        french.contains("Devis") && french.contains("Facture") && french.contains("ZH 123 456, VW Golf"),
        "{french}"
    );

    // Refused, with nothing changed: another's vehicle, an unknown plate, a mileage unread or
    // without a vehicle, a VIN or plate that is none.
    company.ok(&["contact", "add", "--id", "FAVRE", "--name", "Jean Favre"]);
    company.ok(&["vehicle", "add", "--contact", "FAVRE", "--plate", "VD 1"]);
    let before = company.log_snapshot();
    for (args, expected) in [
        (vec!["invoice", "new", "--contact", "MUELLER", "--vehicle", "VD 1"], "is not one of the customer MUELLER's"),
        (vec!["quote", "new", "--contact", "MUELLER", "--vehicle", "GE 404"], "no vehicle has the plate GE 404"),
        (vec!["quote", "new", "--contact", "MUELLER", "--vehicle", "ZH9", "--mileage", "lots"], "is not a mileage"),
        (vec!["quote", "accept", &number, "--mileage", "1"], "was already accepted"),
        (vec!["vehicle", "add", "--contact", "FAVRE", "--plate", "VD 2", "--vin", "ABC"], "a VIN is 17"),
        (vec!["vehicle", "add", "--contact", "FAVRE", "--plate", "VD/2"], "a plate is 1 to 16"),
        (vec!["vehicle", "history", "GE 404"], "no vehicle has the plate GE 404"),
    ] {
        let said = company.fails(&args);
        assert!(said.contains(expected), "{args:?}: {said}");
    }
    assert!(company.log_snapshot() == before, "a refused command changed the log");
    let said = company.fails_in("de", &["vehicle", "add", "--contact", "FAVRE", "--plate", "VD 2", "--vin", "ABC"]);
    assert!(said.contains("Fahrgestellnummer"), "the reason is told in the reader's language: {said}");
}

//! A till on the command line (issue 21): bound to a store, a cash session, tickets sold with a
//! discount and split payments, a return, cash taken out, the counted close; stock follows, and
//! refused input records nothing.

use crate::{Company, csv_rows};

#[test]
fn a_till_sells_returns_and_closes_its_drawer() {
    let company = Company::new("CH");
    company.ok(&["location", "add", "GE1", "--label", "Genève Rive", "--kind", "store"]);
    company.ok(&["location", "add", "WH", "--label", "Entrepôt", "--kind", "warehouse"]);
    add_the_jacket(&company);
    company.ok(&["sku", "add", "JKT-M", "--item", "JKT", "--size", "M", "--barcode", "4006381333931"]);
    let refused = company.fails(&["till", "open", "--float", "200.00"]);
    assert!(refused.contains("this device is not a till"), "{refused}");
    let refused = company.fails(&["till", "bind", "WH-1", "--location", "WH"]);
    assert!(refused.contains("WH is a warehouse"), "{refused}");
    company.ok(&["till", "bind", "GE1-1", "--location", "GE1"]);
    let refused = company.fails(&["till", "sell", "--line", "JKT-M=1", "--pay", "cash=189"]);
    assert!(refused.contains("no cash session is open"), "{refused}");
    company.ok(&["till", "open", "--float", "200.00"]);
    company.ok(&["stock", "receive", "--location", "GE1", "--item", "JKT-M", "--qty", "5", "--cost", "60"]);

    // Scanned twice, one at a price of its own, 10 % off the ticket: 378.00 + 99.00 - 47.70.
    let sold = company.ok(&[
        "till",
        "sell",
        "--line",
        "4006381333931=2",
        "--line",
        "JKT-M=1@99.00",
        "--discount",
        "10%",
        "--pay",
        "cash=300",
        "--pay",
        "card=200",
    ]);
    let number = sold.lines().last().unwrap().trim().to_owned();
    assert_eq!(number, "GE1-1-000001");
    for expected in ["Garage Test SA", "Till GE1-1", "Ticket GE1-1-000001", "TOTAL CHF", "429.30", "Change", "70.70"] {
        assert!(sold.contains(expected), "{expected}: {sold}");
    }
    // VAT included at 8.1 %: 429.30 × 8.1 / 108.1 = 32.17.
    assert!(sold.contains("VAT N81 8.10% on 429.30") && sold.contains("32.17"), "{sold}");
    assert!(sold.lines().all(|line| line.chars().count() <= 42), "an 80 mm receipt: {sold}");
    let second = company.ok(&["till", "sell", "--line", "JKT-M=1", "--pay", "twint=189.00"]);
    assert_eq!(second.lines().last(), Some("GE1-1-000002"));
    // One jacket of the first ticket back, at what was paid for it (189.00 less its 10 %).
    let back = company.ok(&["till", "return", &number, "--line", "JKT-M=1"]);
    assert!(back.contains("Return of ticket GE1-1-000001") && back.contains("-170.10"), "{back}");
    assert_eq!(back.lines().last(), Some("GE1-1-000003"));
    let rows = csv_rows(&company.ok(&["report", "stock", "--format", "csv"]));
    // 5 received, 3 + 1 sold, 1 back.
    assert_eq!(rows[0][5], "2", "{rows:?}");
    company.ok(&["till", "cash", "--amount=-50.00", "--reason", "Dépôt banque"]);
    // 200 + 300 - 70.70 - 170.10 - 50 = 209.20 expected; 209.00 counted.
    let closed = company.ok(&["till", "close", "--counted", "209.00"]);
    assert!(closed.contains("209.20 expected") && closed.contains("difference -0.20"), "{closed}");
    let again = company.ok(&["till", "ticket", "ge1-1-000002"]);
    assert!(again.contains("TWINT") && again.contains("189.00"), "{again}");
    // The receipt as an 80 mm PDF, in French.
    let pdf = company.dir.parent().expect("parent").join("ticket.pdf");
    let written = company.ok_in("fr", &["till", "ticket", "GE1-1-000002", "--pdf", crate::path_arg(&pdf)]);
    assert!(written.contains("GE1-1-000002"), "{written}");
    let bytes = std::fs::read(&pdf).expect("the receipt's PDF");
    assert!(bytes.starts_with(b"%PDF"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("(Caisse GE1-1)") && text.contains("(Merci de votre visite)") && text.contains("TWINT"),
        "{text}"
    );

    let before = company.log_snapshot();
    company.ok(&["till", "open", "--float", "100"]);
    let opened = company.log_snapshot();
    for (args, expected) in [
        (vec!["till", "sell", "--line", "JKT-M=1", "--pay", "cash=100"], "the ticket comes to 189.00 CHF and 100.00"),
        (vec!["till", "sell", "--line", "NOPE=1", "--pay", "cash=100"], "NOPE is not known"),
        (vec!["till", "sell", "--line", "JKT-M", "--pay", "cash=100"], "\"JKT-M\" is not a ticket line"),
        (vec!["till", "sell", "--line", "JKT-M=1", "--pay", "cheque=189"], "\"cheque\" is not a way to pay"),
        (vec!["till", "sell", "--line", "JKT-M=1", "--pay", "card=200"], "change is given only from cash"),
        (vec!["till", "sell", "--line", "JKT-M=1", "--discount", "200", "--pay", "cash=1"], "discount is more"),
        (vec!["till", "return", "GE1-1-000003"], "GE1-1-000003 is a return itself"),
        (vec!["till", "return", "GE1-1-000001", "--line", "JKT-M=3"], "not that many"),
        // Two jackets are left of the first ticket: one and two more asked in two lines is three.
        (vec!["till", "return", "GE1-1-000001", "--line", "JKT-M=1", "--line", "JKT-M=2"], "not that many"),
        (vec!["till", "return", "GE1-1-000099"], "ticket GE1-1-000099 does not exist"),
        (vec!["till", "open", "--float", "1"], "a cash session is open already"),
        (vec!["till", "bind", "GE1-2", "--location", "GE1"], "this device is till GE1-1 already"),
    ] {
        let refused = company.fails(&args);
        assert!(refused.contains(expected), "{args:?}: {refused}");
    }
    assert_ne!(opened, before);
    assert_eq!(company.log_snapshot(), opened, "refused input records nothing");
    // The cashier reads the receipt in French.
    let french = company.ok_in("fr", &["till", "ticket", "GE1-1-000001"]);
    assert!(french.contains("Rendu") && french.contains("Espèces") && french.contains("TVA N81"), "{french}");
}

/// The jacket the stores sell: 174.84 net + 8.1 % = 189.00 on the shelf.
pub(crate) fn add_the_jacket(company: &Company) {
    company.ok(&[
        "item",
        "add",
        "JKT",
        "--label",
        "Veste laine",
        "--price",
        "174.84",
        "--vat",
        "N81",
        "--account",
        "3200",
    ]);
}

/// Swiss cash rounding: in francs, what is paid in cash is rounded to 0.05 (the smallest coin),
/// the card pays to the centime; a split rounds only the cash part; a return paid back in cash is
/// rounded too; the drawer expects what was rounded, and the day's closure posts the difference
/// to the rounding account (3800).
#[test]
fn francs_paid_in_cash_round_to_five_centimes() {
    let company = Company::new("CH");
    company.ok(&["location", "add", "GE1", "--label", "Genève Rive", "--kind", "store"]);
    add_the_jacket(&company);
    company.ok(&["sku", "add", "JKT-M", "--item", "JKT", "--size", "M"]);
    company.ok(&["till", "bind", "GE1-1", "--location", "GE1"]);
    let till = |args: &[&str]| {
        let mut all = vec!["till", "--date", "2026-03-02"];
        all.extend_from_slice(args);
        company.ok(&all)
    };
    till(&["open", "--float", "100"]);
    // 12.33 in cash is 12.35: 20.00 given, 7.65 back.
    let cash = till(&["sell", "--line", "JKT-M=1@12.33", "--pay", "cash=20"]);
    for expected in ["12.33", "Rounding", "0.02", "Change", "7.65"] {
        assert!(cash.contains(expected), "{expected}: {cash}");
    }
    // By card, to the centime.
    let card = till(&["sell", "--line", "JKT-M=1@12.33", "--pay", "card=12.33"]);
    assert!(!card.contains("Rounding"), "{card}");
    // 12.33 in cash alone is short of 12.35.
    let short =
        company.fails(&["till", "--date", "2026-03-02", "sell", "--line", "JKT-M=1@12.33", "--pay", "cash=12.33"]);
    assert!(short.contains("12.35"), "{short}");
    // 10.00 by card, the 2.33 left in cash is 2.35: 5.00 given, 2.65 back.
    let split = till(&["sell", "--line", "JKT-M=1@12.33", "--pay", "card=10", "--pay", "cash=5"]);
    assert!(split.contains("0.02") && split.contains("2.65"), "{split}");
    // The first ticket taken back in cash: 12.33 is paid back as 12.35.
    let back = till(&["return", "GE1-1-000001", "--pay", "cash"]);
    assert!(back.contains("-12.35") && back.contains("-0.02"), "{back}");
    // 100 + 20 - 7.65 + 5 - 2.65 - 12.35 = 102.35.
    let closed = till(&["close", "--counted", "102.35"]);
    assert!(closed.contains("102.35 expected") && closed.contains("difference 0.00"), "{closed}");
    till(&["closure", "2026-03-02"]);
    let trial = csv_rows(&company.ok(&["report", "trial-balance", "--format", "csv"]));
    let closing = |account: &str| trial.iter().find(|row| row[0] == account).map(|row| row[6].clone());
    // Three roundings of 0.02 up, one of 0.02 down: 0.02 earned.
    assert_eq!(closing("3800").as_deref(), Some("-0.02"), "{trial:?}");
    assert_eq!(closing("1000").as_deref(), Some("2.35"), "cash: 20 - 7.65 + 5 - 2.65 - 12.35; {trial:?}");
    company.ok(&["verify"]);
}

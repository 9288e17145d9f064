//! Issue 21: loyalty through the binary. Head office sets the program and gives a contact a
//! card; the till earns points on a ticket with the card, lets the customer spend whole rewards
//! up to the balance less the risk limit and refuses beyond, a return takes its points back; the
//! card's balance, its ledger (each line keyed by its ticket, expiry included) and the loyalty
//! report (what is owed) follow, in French too.

use crate::Company;

#[test]
fn a_card_earns_spends_within_the_risk_limit_and_a_return_takes_points_back() {
    let company = Company::new("CH");
    company.ok(&["location", "add", "GE1", "--label", "Genève Rive", "--kind", "store"]);
    crate::tills::add_the_jacket(&company);
    company.ok(&["sku", "add", "JKT-M", "--item", "JKT", "--size", "M"]);
    company.ok(&["till", "bind", "GE1-1", "--location", "GE1"]);
    company.ok(&["till", "open", "--float", "200"]);
    let refused = company.fails(&["loyalty", "program", "set", "--reward", "cent=5"]);
    assert!(refused.contains("is not a reward: POINTS=AMOUNT"), "{refused}");
    company.ok(&["loyalty", "program", "set", "--per-unit", "1", "--reward", "100=5.00", "--risk-limit", "30"]);
    let added = company.ok(&["contact", "add", "--name", "Marie Dupont"]);
    let contact: String =
        added.split_whitespace().find(|word| word.chars().all(|c| c.is_ascii_digit())).unwrap().into();
    let card = company.ok(&["loyalty", "card", "add", "--contact", &contact]).lines().last().unwrap().trim().to_owned();
    assert!(card.len() == 13 && card.starts_with('2'), "an EAN-13 of the company's range: {card}");
    let refused = company.fails(&["till", "sell", "--line", "JKT-M=1", "--pay", "card=189", "--card", "2000000000015"]);
    assert!(refused.contains("no loyalty card 2000000000015 is known here"), "{refused}");
    let refused = company.fails(&["till", "sell", "--line", "JKT-M=1", "--pay", "card=189", "--card", "2000000000016"]);
    assert!(refused.contains("is not a loyalty card number"), "{refused}");

    // 189.00 earns 189 points.
    let sold = company.ok(&["till", "sell", "--line", "JKT-M=1", "--pay", "card=189", "--card", &card]);
    assert!(sold.contains(&format!("Card {card}: 189 points")), "{sold}");
    // 189 known, 30 kept back: 159 may be spent, so 200 is refused and changes nothing.
    let before = company.log_snapshot();
    let refused =
        company.fails(&["till", "sell", "--line", "JKT-M=1", "--pay", "cash=200", "--card", &card, "--redeem", "200"]);
    assert!(refused.contains("may spend 159 points here now"), "{refused}");
    let refused =
        company.fails(&["till", "sell", "--line", "JKT-M=1", "--pay", "cash=200", "--card", &card, "--redeem", "50"]);
    assert!(refused.contains("50 points are not whole rewards of 100 points"), "{refused}");
    assert_eq!(company.log_snapshot(), before);
    // 100 points take 5.00 off: 184.00 paid, 184 points earned.
    let spent =
        company.ok(&["till", "sell", "--line", "JKT-M=1", "--pay", "card=184", "--card", &card, "--redeem", "100"]);
    assert!(spent.contains("184.00") && spent.contains(&format!("Card {card}: 273 points")), "{spent}");
    // The return of that ticket takes its 184 points back (the 100 spent stay spent).
    company.ok(&["till", "return", "GE1-1-000002", "--pay", "card"]);
    let balance = company.ok(&["loyalty", "balance", &card]);
    assert!(balance.contains("89 points (earned 189, spent 100, expired 0)"), "{balance}");
    // What the company owes: 89 points at 5.00 the 100.
    let report = crate::csv_rows(&company.ok(&["report", "loyalty", "--format", "csv"]));
    let row = report.iter().find(|row| row[0] == card).expect("the card's row");
    assert_eq!((row[2].as_str(), row[6].as_str(), row[7].as_str()), ("Marie Dupont", "89", "4.45"));
    let french = company.ok_in("fr", &["loyalty", "balance", &card]);
    assert!(french.contains("89 points (gagnés 189, dépensés 100, expirés 0)"), "{french}");
    // The card's ledger, each line with the ticket that caused it and the balance after it: the
    // two earns, the return's take-back, the points spent.
    let ledger = |text: &str| -> Vec<Vec<String>> {
        text.lines()
            .filter(|line| line.contains("GE1-1-"))
            .map(|line| line.split_whitespace().map(str::to_owned).collect())
            .collect()
    };
    let lines = ledger(&balance);
    let cut = |line: &Vec<String>| line[line.len() - 3..].to_vec();
    assert_eq!(
        lines.iter().map(cut).collect::<Vec<_>>(),
        [
            ["GE1-1-000001", "189", "189"],
            ["GE1-1-000002", "184", "373"],
            ["GE1-1-000003", "-184", "189"],
            ["GE1-1-000002", "-100", "89"],
        ],
        "{balance}"
    );
    assert!(lines[0].contains(&"Earned".to_owned()) && lines[3].contains(&"Spent".to_owned()), "{balance}");
    // 400 days on, what was left of the first lot (the 100 spent came from it) has expired,
    // keyed by the sale that earned it, on the lot's last day.
    let sold_on = chrono::NaiveDate::parse_from_str(&lines[0][0], "%d.%m.%Y").expect("the sale's day, as Swiss dates");
    let later = (sold_on + chrono::Days::new(400)).format("%d.%m.%Y").to_string();
    let expired = company.ok_in("fr", &["loyalty", "balance", &card, "--on", &later]);
    assert!(expired.contains("0 points (gagnés 189, dépensés 100, expirés 89)"), "{expired}");
    let last = ledger(&expired).pop().expect("the expiry");
    let day = (sold_on + chrono::Days::new(365)).format("%d.%m.%Y").to_string();
    assert_eq!(last, [day.as_str(), "Expirés", "GE1-1-000001", "-89", "0"], "{expired}");
    company.ok(&["verify"]);
}

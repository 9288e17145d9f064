//! Issue 23: French VAT on services due when paid (the default rule), pro rata per payment, goods
//! at their invoice's date, and the option for debits from a day on; the CA3 counts each in its
//! period, its detail names the payments, and the invoices say which rule applies.

use crate::{Company, csv_rows, draft_of, number_of};

/// A French company with every detail an invoice prints, and a business customer.
fn french_company() -> Company {
    let company = Company::new("FR");
    let mut args = vec!["company", "set"];
    for detail in [
        "street=Rue de la République",
        "building_number=3",
        "postcode=69002",
        "town=Lyon",
        "siren=732829320",
        "vat_number=FR44732829320",
        "iban=FR76 3000 6000 0112 3456 7890 189",
    ] {
        args.extend(["--set", detail]);
    }
    company.ok(&args);
    company.ok(&[
        "contact",
        "add",
        "--id",
        "DUPONT",
        "--name",
        "Dupont SARL",
        "--set",
        "postcode=75116",
        "--set",
        "town=Paris",
        "--set",
        "vat_number=FR40303265045",
    ]);
    company
}

/// Issues an invoice dated `date` with lines (text, net price, account), all at 20 %.
fn invoice(company: &Company, date: &str, lines: &[(&str, &str, &str)]) -> String {
    let draft = draft_of(&company.ok(&["invoice", "new", "--contact", "DUPONT", "--date", date]));
    for (text, price, account) in lines {
        company.ok(&[
            "invoice",
            "line",
            &draft,
            "--text",
            text,
            "--price",
            price,
            "--vat",
            "C20",
            "--account",
            account,
        ]);
    }
    number_of(&company.ok(&["invoice", "issue", &draft]))
}

/// Records a payment of `amount` on `date` for `number`; returns its id.
fn pay(company: &Company, number: &str, amount: &str, date: &str) -> String {
    let said =
        company.ok(&["payment", "add", "--contact", "DUPONT", "--amount", amount, "--date", date, "--invoice", number]);
    said.split_whitespace().find(|word| word.starts_with("P-")).expect("a payment id").to_owned()
}

/// The CA3 of a month: line 08 (20 %) as (base, tax), and line 01 (sales) as its base.
fn ca3(company: &Company, month: &str) -> ((String, String), String) {
    let rows = csv_rows(&company.ok(&["report", "vat", "--period", month, "--format", "csv"]));
    // A line the period has no figure for reads as nothing at all.
    let amount = |text: &str| if text.is_empty() { "0.00".to_owned() } else { text.to_owned() };
    let line = |form_line: &str| rows.iter().find(|row| row[0] == form_line).cloned();
    let at_20 = line("08").map_or(pair("0.00", "0.00"), |row| (amount(&row[2]), amount(&row[3])));
    let sales = line("01").map_or("0.00".to_owned(), |row| amount(&row[2]));
    (at_20, sales)
}

fn pair(base: &str, tax: &str) -> (String, String) {
    (base.to_owned(), tax.to_owned())
}

/// The closing balance of an account at the end of `to`, as the trial balance gives it.
fn closing(company: &Company, account: &str, to: &str) -> String {
    let trial =
        csv_rows(&company.ok(&["report", "trial-balance", "--from", "2026-01-01", "--to", to, "--format", "csv"]));
    trial.iter().find(|row| row[0] == account).map_or_else(|| "0.00".to_owned(), |row| row[6].clone())
}

/// A service invoiced in February and paid on 1 March is in March's CA3, not February's; the
/// goods of the same invoice stay in February; the detail names the payment.
#[test]
fn a_service_invoiced_in_february_and_paid_on_1_march_is_in_the_march_ca3() {
    let company = french_company();
    let number = invoice(&company, "2026-02-10", &[("Révision", "1000.00", "706"), ("Pneus", "500.00", "707")]);
    // February: only the goods; the services' VAT waits on 44574.
    assert_eq!(ca3(&company, "2026-02"), (pair("500.00", "100.00"), "500.00".to_owned()));
    assert_eq!(closing(&company, "44574", "2026-02-28"), "-200.00");
    assert_eq!(closing(&company, "44571", "2026-02-28"), "-100.00");
    let paid = company.ok(&[
        "payment",
        "add",
        "--contact",
        "DUPONT",
        "--amount",
        "1800.00",
        "--date",
        "2026-03-01",
        "--invoice",
        &number,
    ]);
    assert!(paid.contains("200,00 of VAT on services became due"), "{paid}");
    let payment = paid.split_whitespace().find(|word| word.starts_with("P-")).expect("a payment id");
    assert_eq!(ca3(&company, "2026-03"), (pair("1000.00", "200.00"), "1000.00".to_owned()));
    assert_eq!(ca3(&company, "2026-02"), (pair("500.00", "100.00"), "500.00".to_owned()), "February is as it was");
    // The ledger agrees: nothing waits any more, all the VAT is collected.
    assert_eq!(closing(&company, "44574", "2026-03-31"), "0.00");
    assert_eq!(closing(&company, "44571", "2026-03-31"), "-300.00");
    let detail = company.ok(&["report", "vat", "--period", "2026-03", "--detail"]);
    assert!(detail.contains(&format!("payment {payment} of invoice {number}")), "{detail}");
    assert!(detail.contains(&format!("PAY-{payment}")), "the payment's entry moves the tax: {detail}");
    let february = company.ok(&["report", "vat", "--period", "2026-02", "--detail"]);
    assert!(february.contains(&format!("invoice {number}: its services wait for payment")), "{february}");
    // In French, as the accountant reads it.
    let french = crate::binary()
        .env("REMPART_LANG", "fr")
        .arg("--data-dir")
        .arg(&company.dir)
        .args(["report", "vat", "--period", "2026-03", "--detail"])
        .output()
        .expect("run rempart");
    let french = String::from_utf8_lossy(&french.stdout);
    assert!(french.contains(&format!("encaissement {payment} de la facture {number}")), "{french}");

    // The invoice says its VAT on services is paid on receipts.
    company.ok(&["invoice", "pdf", &number]);
    let text = crate::documents::pdf_text(&company.dir.join("documents").join(format!("{number}.pdf")));
    assert!(text.contains("TVA acquittée sur les encaissements"), "{text}");
}

/// A partial payment makes due its share of the VAT waiting, pro rata; the payment that settles
/// the invoice takes what is left, to the cent.
#[test]
fn a_partial_payment_makes_its_share_of_the_vat_due() {
    let company = french_company();
    let number = invoice(&company, "2026-03-05", &[("Diagnostic", "333.33", "706")]);
    // 333.33 + 66.67 = 400.00; a third of it paid in April, the rest in May.
    assert_eq!(ca3(&company, "2026-03"), (pair("0.00", "0.00"), "0.00".to_owned()));
    pay(&company, &number, "133.33", "2026-04-02");
    assert_eq!(ca3(&company, "2026-04"), (pair("111.11", "22.22"), "111.11".to_owned()));
    assert_eq!(closing(&company, "44574", "2026-04-30"), "-44.45");
    pay(&company, &number, "266.67", "2026-05-03");
    assert_eq!(ca3(&company, "2026-05"), (pair("222.22", "44.45"), "222.22".to_owned()));
    assert_eq!(closing(&company, "44574", "2026-05-31"), "0.00");
    assert_eq!(closing(&company, "44571", "2026-05-31"), "-66.67");
}

/// Goods are due at their invoice's date, paid or not.
#[test]
fn goods_stay_at_their_invoice_date() {
    let company = french_company();
    let number = invoice(&company, "2026-02-10", &[("Pneus", "500.00", "707")]);
    assert_eq!(ca3(&company, "2026-02"), (pair("500.00", "100.00"), "500.00".to_owned()));
    let paid = company.ok(&["payment", "add", "--contact", "DUPONT", "--amount", "600.00", "--date", "2026-03-01"]);
    assert!(!paid.contains("became due"), "{paid}");
    assert_eq!(ca3(&company, "2026-03"), (pair("0.00", "0.00"), "0.00".to_owned()));
    company.ok(&["invoice", "pdf", &number]);
    let text = crate::documents::pdf_text(&company.dir.join("documents").join(format!("{number}.pdf")));
    assert!(!text.contains("encaissements") && !text.contains("débits"), "no mention for goods: {text}");
}

/// Opting for debits from a day: a service invoiced from that day is due at its invoice's date;
/// one invoiced before still waits for its payment. A credit note releases what still waits.
#[test]
fn switching_to_debits_from_a_date() {
    let company = french_company();
    let before = invoice(&company, "2026-05-20", &[("Entretien", "200.00", "706")]);
    // A Swiss method is refused to a French company, and debits to a Swiss one: nothing changes.
    let state = company.state_hash();
    let refused = company.fails(&["company", "vat-method", "net", "--rate", "6.2", "--from", "2026-06-01"]);
    assert!(refused.contains("only a Swiss company"), "{refused}");
    assert_eq!(company.state_hash(), state);
    let swiss = Company::new("CH");
    let refused = swiss.fails(&["company", "vat-method", "debits", "--from", "2026-06-01"]);
    assert!(refused.contains("only a French company"), "{refused}");
    let refused = company.fails(&["company", "vat-method", "later", "--from", "2026-06-01"]);
    assert!(refused.contains("receipts or debits"), "{refused}");

    company.ok(&["company", "vat-method", "debits", "--from", "2026-06-01"]);
    let shown = company.ok(&["company", "show", "--format", "csv"]);
    assert!(shown.contains("VAT on services paid on debits"), "{shown}");
    let after = invoice(&company, "2026-06-10", &[("Révision", "100.00", "706")]);
    // June: the service invoiced under debits, unpaid; May's service waits still.
    assert_eq!(ca3(&company, "2026-06"), (pair("100.00", "20.00"), "100.00".to_owned()));
    assert_eq!(ca3(&company, "2026-05"), (pair("0.00", "0.00"), "0.00".to_owned()));
    pay(&company, &before, "240.00", "2026-06-15");
    assert_eq!(ca3(&company, "2026-06"), (pair("300.00", "60.00"), "300.00".to_owned()));
    company.ok(&["invoice", "pdf", &after]);
    let text = crate::documents::pdf_text(&company.dir.join("documents").join(format!("{after}.pdf")));
    assert!(text.contains("Option pour le paiement de la taxe d'après les débits"), "{text}");

    // Back to receipts from July; a service invoiced then and credited unpaid was never due.
    company.ok(&["company", "vat-method", "receipts", "--from", "2026-07-01"]);
    let credited = invoice(&company, "2026-07-02", &[("Carrosserie", "400.00", "706")]);
    company.ok(&["invoice", "credit", &credited, "--date", "2026-08-03"]);
    assert_eq!(ca3(&company, "2026-07"), (pair("0.00", "0.00"), "0.00".to_owned()));
    assert_eq!(ca3(&company, "2026-08"), (pair("0.00", "0.00"), "0.00".to_owned()));
    assert_eq!(closing(&company, "44574", "2026-08-31"), "0.00");
    let detail = company.ok(&["report", "vat", "--from", "2026-07-01", "--to", "2026-08-31", "--detail"]);
    assert!(detail.contains("what waited released"), "{detail}");
}

/// A credit note that settles a partly paid invoice of goods and services: what still waited of
/// the services was received, and is due at the credit note's date; nothing stays on 44574.
/// The entries of the invoice and its payment stand with them: reversing one alone is refused.
#[test]
fn a_credit_note_that_settles_the_invoice_makes_what_waits_due() {
    let company = french_company();
    let number = invoice(&company, "2026-02-01", &[("Révision", "100.00", "706"), ("Pneus", "100.00", "707")]);
    let payment = pay(&company, &number, "120.00", "2026-03-01");
    assert_eq!(ca3(&company, "2026-03"), (pair("50.00", "10.00"), "50.00".to_owned()));
    company.ok(&["invoice", "credit", &number, "--line", "2", "--date", "2026-04-05"]);
    // April: the goods credited (-100, -20) and the rest of the service due (50, 10).
    assert_eq!(ca3(&company, "2026-04"), (pair("-50.00", "-10.00"), "-50.00".to_owned()));
    assert_eq!(closing(&company, "44574", "2026-04-30"), "0.00");
    assert_eq!(closing(&company, "44571", "2026-04-30"), "-20.00", "the service's VAT, all of it");
    let detail = company.ok(&["report", "vat", "--period", "2026-04", "--detail"]);
    assert!(detail.contains("what waited was received"), "{detail}");

    let state = company.state_hash();
    for entry in [format!("PAY-{payment}"), format!("INV-{number}")] {
        let refused = company.fails(&["entry", "reverse", &entry]);
        assert!(refused.contains("is corrected by the document's own means"), "{refused}");
    }
    // When services are due is chosen for days after the last invoice issued.
    let refused = company.fails(&["company", "vat-method", "debits", "--from", "2026-02-01"]);
    assert!(refused.contains("invoices are issued up to 2026-02-01"), "{refused}");
    assert_eq!(company.state_hash(), state, "nothing recorded");
}

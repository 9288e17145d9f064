//! Invoices on the command line: a garage invoice with labour, parts with a discount and a line
//! at the reduced rate, cash rounding, issuing with a gapless number, the entry it posts, and the
//! refusals.

use crate::{Company, draft_of};

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader.records().map(|record| record.expect("csv row").iter().map(str::to_owned).collect()).collect()
}

fn garage() -> Company {
    let company = Company::new("CH");
    company.in_morges(&[]);
    company.ok(&[
        "contact",
        "add",
        "--id",
        "FAVRE",
        "--name",
        "Jean Favre",
        "--set",
        "payment_terms_days=20",
        "--set",
        "postcode=1196",
        "--set",
        "town=Gland",
    ]);
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
    company
}

#[test]
fn an_invoice_is_issued_numbered_and_posted() {
    let company = garage();
    let id =
        draft_of(&company.ok(&["invoice", "new", "--contact", "FAVRE", "--date", "2026-03-10", "--cash-rounding"]));
    assert!(company.ok(&["invoice", "line", &id, "--item", "MO", "--qty", "1.5"]).contains("net 180.00"));
    assert!(
        company
            .ok(&["invoice", "line", &id, "--item", "FILTRE", "--qty", "3", "--discount", "10"])
            .contains("net 49.55")
    );
    company.ok(&[
        "invoice",
        "line",
        &id,
        "--text",
        "Sandwich",
        "--price",
        "12.40",
        "--vat",
        "R26",
        "--account",
        "3200",
    ]);
    let issued = company.ok(&["invoice", "issue", &id]);
    assert!(issued.contains(" issued as 2026-0001, total CHF 260.85."), "{issued}");
    let number = crate::number_of(&issued);

    let shown = csv_rows(&company.ok(&["invoice", "show", &number, "--format", "csv"]));
    assert_eq!(shown.iter().map(|row| row[7].as_str()).collect::<Vec<_>>(), ["180.00", "49.55", "12.40"]);
    let listed = csv_rows(&company.ok(&["invoice", "list", "--format", "csv"]));
    assert_eq!(
        listed[0],
        [number.as_str(), id.as_str(), "FAVRE", "Jean Favre", "2026-03-10", "2026-03-30", "CHF", "260.85"]
    );

    let trial = csv_rows(&company.ok(&["report", "trial-balance", "--format", "csv"]));
    let closing = |account: &str| trial.iter().find(|row| row[0] == account).map(|row| row[6].clone());
    assert_eq!(closing("1100").as_deref(), Some("260.85"));
    assert_eq!(closing("3400").as_deref(), Some("-180.00"));
    assert_eq!(closing("3200").as_deref(), Some("-61.95"));
    assert_eq!(closing("2200").as_deref(), Some("-18.91"), "18.59 at 8.1 % and 0.32 at 2.6 %");
    assert_eq!(closing("3800").as_deref(), Some("0.01"), "the cash rounding");

    let refused = company.fails(&["invoice", "line", &id, "--item", "MO"]);
    assert!(refused.contains(&format!("was issued as {number} and can no longer change")), "{refused}");
    assert!(company.fails(&["invoice", "issue", &id]).contains("can no longer change"));

    let second = draft_of(&company.ok(&["invoice", "new", "--contact", "FAVRE", "--date", "2026-04-01"]));
    company.ok(&["invoice", "line", &second, "--item", "MO"]);
    assert!(company.ok(&["invoice", "issue", &second]).contains(" 2026-0002, total CHF 129.72."));
    let hash = company.state_hash();
    company.ok(&["rebuild"]);
    assert_eq!(company.state_hash(), hash);
}

#[test]
fn bad_invoice_input_is_refused_and_changes_nothing() {
    let company = garage();
    let id = draft_of(&company.ok(&["invoice", "new", "--contact", "FAVRE", "--date", "2026-03-10"]));
    let before = company.log_snapshot();
    let cases: &[(&[&str], &str)] = &[
        (&["invoice", "issue", &id], "the invoice has no line"),
        (&["invoice", "new", "--contact", "NOBODY"], "contact NOBODY does not exist"),
        (&["invoice", "line", &id, "--item", "NOPE"], "item NOPE does not exist"),
        (
            &["invoice", "line", &id, "--text", "X", "--price", "10", "--vat", "N77", "--account", "3400"],
            "VAT code N77 is not in force on 2026-03-10",
        ),
        (
            &["invoice", "line", &id, "--text", "X", "--price", "10", "--vat", "X1", "--account", "3400"],
            "VAT code X1 does not exist",
        ),
        (&["invoice", "line", &id, "--text", "X", "--price", "10"], "needs --text, --price, --vat and --account"),
        (&["invoice", "line", &id, "--item", "MO", "--qty", "1,5"], "\"1,5\" is not a quantity"),
        (&["invoice", "line", &id, "--item", "MO", "--discount", "120"], "\"120\" is not a discount"),
        (&["invoice", "line", &id, "--item", "MO", "--price", "-5"], "cannot be negative"),
        (
            &["invoice", "line", &id, "--item", "MO", "--unit", "heures de main-d'oeuvre"],
            "\"heures de main-d'oeuvre\" is not a unit",
        ),
        (&["invoice", "show", "2026-9999"], "invoice 2026-9999 does not exist"),
    ];
    for (args, expected) in cases {
        let message = company.fails(args);
        assert!(message.contains(expected), "{args:?}: expected {expected:?} in {message:?}");
    }
    assert_eq!(company.log_snapshot(), before);
}

#[test]
fn payments_close_receivables_and_overpayments_become_credits() {
    let company = garage();
    let mut numbers = Vec::new();
    for (date, quantity) in [("2026-01-05", "2"), ("2026-02-10", "1")] {
        let id = draft_of(&company.ok(&["invoice", "new", "--contact", "FAVRE", "--date", date]));
        company.ok(&["invoice", "line", &id, "--item", "MO", "--qty", quantity]);
        let issued = company.ok(&["invoice", "issue", &id]);
        numbers.push(crate::number_of(&issued));
    }
    // 2 h = 240.00 + 19.44 VAT = 259.44 due 2026-01-25; 1 h = 129.72 due 2026-03-02.
    let open = |on: &str| csv_rows(&company.ok(&["report", "receivables", "--to", on, "--format", "csv"]));
    let rows = open("2026-04-30");
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0][9].as_str(), rows[0][10].as_str(), rows[0][11].as_str()), ("259.44", "95", "> 90"));
    assert_eq!((rows[1][9].as_str(), rows[1][10].as_str(), rows[1][11].as_str()), ("129.72", "59", "31-60"));

    let paid = company.ok(&[
        "payment",
        "add",
        "--contact",
        "FAVRE",
        "--amount",
        "100.00",
        "--date",
        "2026-03-01",
        "--invoice",
        &numbers[1],
    ]);
    assert!(paid.contains("100.00 allocated, 0.00 credited"), "{paid}");
    let rows = open("2026-04-30");
    assert_eq!(rows[1][6..10], ["100.00".to_owned(), "0.00".to_owned(), "0.00".to_owned(), "29.72".to_owned()]);
    assert_eq!(open("2026-02-28")[1][6], "0.00", "a payment dated later is not counted");

    let paid = company.ok(&["payment", "add", "--contact", "FAVRE", "--amount", "300.00", "--date", "2026-05-02"]);
    assert!(paid.contains("289.16 allocated, 10.84 credited"), "{paid}");
    let rows = open("2026-05-31");
    assert_eq!(rows.len(), 1, "only the credit is left: {rows:?}");
    assert_eq!((rows[0][1].as_str(), rows[0][9].as_str()), ("Credit in the customer's favour", "-10.84"));
    // Both were settled by that payment: the day before, both are still open as they were.
    let rows = open("2026-05-01");
    assert_eq!(rows.iter().map(|row| row[9].as_str()).collect::<Vec<_>>(), ["259.44", "29.72"]);
    let settled: Vec<Option<String>> = company
        .database()
        .prepare("SELECT settled_on FROM p_invoices ORDER BY number")
        .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect())
        .expect("settled_on");
    assert_eq!(settled, [Some("2026-05-02".to_owned()), Some("2026-05-02".to_owned())]);

    let trial = csv_rows(&company.ok(&["report", "trial-balance", "--format", "csv"]));
    let closing = |account: &str| trial.iter().find(|row| row[0] == account).map(|row| row[6].clone());
    assert_eq!(closing("1100").as_deref(), Some("-10.84"), "the receivable account shows the customer's credit");
    assert_eq!(closing("1020").as_deref(), Some("400.00"));
    // The payments list (issue 23): both, in the order of their days, with what each paid; a
    // period keeps to its days.
    let payments = csv_rows(&company.ok(&["report", "payments", "--format", "csv"]));
    let fields = |row: &Vec<String>| (row[0].clone(), row[2].clone(), row[3].clone(), row[4].clone(), row[6].clone());
    let second = numbers.iter().map(|number| format!("{number} (")).collect::<Vec<_>>();
    assert_eq!(payments.len(), 2, "{payments:?}");
    assert_eq!(
        fields(&payments[0]),
        ("2026-03-01".into(), "Jean Favre".into(), "100.00".into(), "1020".into(), String::new())
    );
    assert_eq!(payments[0][5], format!("{}100.00)", second[1]));
    assert_eq!(fields(&payments[1]).2, "300.00");
    assert_eq!(payments[1][6], "10.84", "what it left in the customer's favour");
    assert!(payments[1][5].contains(&second[0]) && payments[1][5].contains(&second[1]), "{payments:?}");
    let march =
        csv_rows(&company.ok(&["report", "payments", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv"]));
    assert_eq!(march.len(), 1);
    let french = company.ok_in("fr", &["report", "payments", "--to", "2026-03-31"]);
    assert!(french.contains("Paiements reçus jusqu'au 31.03.2026") && french.contains("100.00"), "{french}");

    let before = company.log_snapshot();
    for (args, expected) in [
        (vec!["payment", "add", "--contact", "FAVRE", "--amount", "0"], "a payment must be positive"),
        (
            vec!["payment", "add", "--contact", "FAVRE", "--amount", "10", "--invoice", &numbers[0]],
            "is not an open invoice",
        ),
        (
            vec!["payment", "add", "--contact", "FAVRE", "--amount", "10", "--account", "3400"],
            "account 3400 is not an asset account",
        ),
        (vec!["payment", "add", "--contact", "NOBODY", "--amount", "10"], "contact NOBODY does not exist"),
        (vec!["payment", "add", "--contact", "FAVRE", "--amount", "12,50"], "\"12,50\" is not an amount"),
    ] {
        let message = company.fails(&args);
        assert!(message.contains(expected), "{args:?}: expected {expected:?} in {message:?}");
    }
    assert_eq!(company.log_snapshot(), before);
    let hash = company.state_hash();
    company.ok(&["rebuild"]);
    assert_eq!(company.state_hash(), hash);
}

#[test]
fn the_vat_return_agrees_with_the_documents() {
    let company = garage();
    let id =
        draft_of(&company.ok(&["invoice", "new", "--contact", "FAVRE", "--date", "2026-03-10", "--cash-rounding"]));
    company.ok(&["invoice", "line", &id, "--item", "MO", "--qty", "1.5"]);
    company.ok(&["invoice", "line", &id, "--item", "FILTRE", "--qty", "3", "--discount", "10"]);
    company.ok(&[
        "invoice",
        "line",
        &id,
        "--text",
        "Sandwich",
        "--price",
        "12.40",
        "--vat",
        "R26",
        "--account",
        "3200",
    ]);
    company.ok(&["invoice", "issue", &id]);
    // A supplier's bill booked by hand, with its input tax; and one in the next quarter.
    company.ok(&[
        "entry",
        "add",
        "--date",
        "2026-03-20",
        "--text",
        "Pièces grossiste",
        "--post",
        "4000=100.00:vat=IN81",
        "--post",
        "1170=8.10:vat=IN81",
        "--post",
        "2000=-108.10",
    ]);
    company.ok(&[
        "entry",
        "add",
        "--date",
        "2026-04-02",
        "--text",
        "Pièces avril",
        "--post",
        "4000=50.00:vat=IN81",
        "--post",
        "1170=4.05:vat=IN81",
        "--post",
        "2000=-54.05",
    ]);

    let rows = csv_rows(&company.ok(&["report", "vat", "--period", "2026-Q1", "--format", "csv"]));
    let line =
        |form_line: &str| rows.iter().find(|row| row[0] == form_line).map(|row| (row[2].clone(), row[3].clone()));
    assert_eq!(line("200"), Some(("241.95".to_owned(), String::new())));
    assert_eq!(line("302"), Some(("229.55".to_owned(), "18.59".to_owned())));
    assert_eq!(line("312"), Some(("12.40".to_owned(), "0.32".to_owned())));
    assert_eq!(line("399"), Some((String::new(), "18.91".to_owned())));
    assert_eq!(line("400"), Some((String::new(), "8.10".to_owned())));
    assert_eq!(line("500"), Some((String::new(), "10.81".to_owned())));
    // The return agrees with the ledger: VAT payable minus input tax on the quarter's postings.
    let trial = csv_rows(&company.ok(&[
        "report",
        "trial-balance",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-31",
        "--format",
        "csv",
    ]));
    let closing = |account: &str| trial.iter().find(|row| row[0] == account).map(|row| row[6].clone());
    assert_eq!((closing("2200").as_deref(), closing("1170").as_deref()), (Some("-18.91"), Some("8.10")));

    let detail = company.ok(&["report", "vat", "--period", "2026-Q1", "--detail"]);
    assert!(detail.contains("INV-2026-0001") && detail.contains("10.03.2026"), "{detail}");
    let second =
        csv_rows(&company.ok(&["report", "vat", "--from", "2026-04-01", "--to", "2026-06-30", "--format", "csv"]));
    assert!(second.iter().any(|row| row[0] == "510" && row[3] == "4.05"), "{second:?}");
    assert!(company.fails(&["report", "vat", "--period", "2026-Q5"]).contains("is not a period"));
    assert!(company.fails(&["report", "vat"]).contains("give --period"));
    // Issue 23: a Swiss half-year (2026-S1) is the two quarters' figures together.
    let half = csv_rows(&company.ok(&["report", "vat", "--period", "2026-S1", "--format", "csv"]));
    let whole =
        csv_rows(&company.ok(&["report", "vat", "--from", "2026-01-01", "--to", "2026-06-30", "--format", "csv"]));
    assert_eq!(half, whole, "the same lines as the half-year's days");
    let half_line = |form_line: &str| half.iter().find(|row| row[0] == form_line).map(|row| row[3].clone());
    // Input tax 8.10 in the first quarter and 4.05 in the second; 18.91 due, 6.76 to pay.
    assert_eq!(half_line("400").as_deref(), Some("12.15"), "{half:?}");
    assert_eq!(half_line("500").as_deref(), Some("6.76"), "{half:?}");
    let refused = company.fails(&["report", "vat", "--period", "2026-S3"]);
    assert!(refused.contains("\"2026-S3\" is not a period") && refused.contains("2026-S1 (a half-year)"), "{refused}");
    let french = company.fails_in("fr", &["report", "vat", "--period", "2026-S3"]);
    assert!(french.contains("n'est pas une période"), "{french}");

    // Issue 23: the net tax rate method from 2026-01-01, 6.2 % approved. The first quarter's
    // turnover VAT included, 241.95 + 18.91 = 260.86, gives 260.86 × 6.2 % = 16.17332 → 16.17,
    // with no input tax: the form of that method.
    let before = company.log_snapshot();
    for (args, expected) in [
        (vec!["company", "vat-method", "net", "--from", "01.01.2026"], "is not a VAT method"),
        (vec!["company", "vat-method", "net", "--from", "01.01.2026", "--rate", "25"], "at most 20 %"),
        (vec!["company", "vat-method", "net", "--from", "01.01.2026", "--rate", "six"], "is not a rate"),
        (vec!["company", "vat-method", "cash", "--from", "01.01.2026"], "is not a VAT method"),
        (
            vec![
                "company",
                "vat-method",
                "net",
                "--from",
                "01.01.2026",
                "--rate",
                "6.2",
                "--second-rate",
                "0.6",
                "--second-accounts",
                "1020",
            ],
            "account 1020 is not a revenue account",
        ),
    ] {
        let refused = company.fails(&args);
        assert!(refused.contains(expected), "{args:?}: {refused}");
    }
    assert_eq!(company.log_snapshot(), before, "refusals change nothing");
    company.ok(&["company", "vat-method", "net", "--from", "01.01.2026", "--rate", "6.2"]);
    let net = csv_rows(&company.ok(&["report", "vat", "--period", "2026-Q1", "--format", "csv"]));
    let figures: Vec<(&str, &str, &str)> =
        net.iter().map(|row| (row[0].as_str(), row[2].as_str(), row[3].as_str())).collect();
    assert_eq!(
        figures,
        [
            ("200", "260.86", ""),
            ("299", "260.86", ""),
            ("322", "260.86", "16.17"),
            ("399", "", "16.17"),
            ("500", "", "16.17"),
        ]
    );
    // Back to the effective method from 1 March: a period across the change is refused, each
    // side is its own method's; `company show` says which holds from when.
    company.ok(&["company", "vat-method", "effective", "--from", "01.03.2026"]);
    let across = company.fails(&["report", "vat", "--period", "2026-Q1"]);
    assert!(across.contains("the VAT method changes on 2026-03-01"), "{across}");
    let march = csv_rows(&company.ok(&["report", "vat", "--period", "2026-03", "--format", "csv"]));
    assert!(march.iter().any(|row| row[0] == "400"), "the effective form again: {march:?}");
    let shown = company.ok_in("fr", &["company", "show"]);
    assert!(shown.contains("dès le 01.01.2026 : le taux de la dette fiscale nette de 6.20 %"), "{shown}");
    assert!(shown.contains("dès le 01.03.2026 : la méthode effective"), "{shown}");
}

#[test]
fn credit_notes_correct_issued_invoices() {
    let company = garage();
    let id = draft_of(&company.ok(&["invoice", "new", "--contact", "FAVRE", "--date", "2026-03-10"]));
    company.ok(&["invoice", "line", &id, "--item", "MO", "--qty", "2"]);
    company.ok(&["invoice", "line", &id, "--item", "FILTRE", "--qty", "3"]);
    let issued = company.ok(&["invoice", "issue", &id]);
    let number = crate::number_of(&issued);
    // 240.00 + 55.05 = 295.05 net, VAT 23.90, total 318.95.
    assert!(issued.contains("total CHF 318.95"), "{issued}");
    let partial = company.ok(&["invoice", "credit", &number, "--date", "2026-03-20", "--line", "1=0.5"]);
    assert!(
        partial.contains("Credit note AV-2026-0001 on invoice 2026-0001") && partial.contains("total CHF 64.86"),
        "{partial}"
    );
    let refused = company.fails(&["invoice", "credit", &number, "--date", "2026-03-21"]);
    assert!(
        refused.contains("the credit note (318.95) is larger than what remains of the invoice (254.09)"),
        "{refused}"
    );
    assert!(company.fails(&["invoice", "credit", &number, "--line", "3"]).contains("the invoice has no line 3"));
    assert!(company.fails(&["invoice", "credit", &number, "--line", "1=3"]).contains("at most the invoiced one"));
    assert!(company.fails(&["invoice", "credit", &id.replace("D-", "X-")]).contains("does not exist"));

    let rows = csv_rows(&company.ok(&["report", "receivables", "--to", "2026-03-31", "--format", "csv"]));
    assert_eq!(
        rows[0][5..10],
        ["318.95".to_owned(), "0.00".to_owned(), "64.86".to_owned(), "0.00".to_owned(), "254.09".to_owned()]
    );
    let trial = csv_rows(&company.ok(&["report", "trial-balance", "--format", "csv"]));
    let closing = |account: &str| trial.iter().find(|row| row[0] == account).map(|row| row[6].clone());
    assert_eq!(closing("1100").as_deref(), Some("254.09"));
    assert_eq!(closing("3400").as_deref(), Some("-180.00"));
    assert_eq!(closing("2200").as_deref(), Some("-19.04"), "23.90 less 4.86");
    let vat = csv_rows(&company.ok(&["report", "vat", "--period", "2026-Q1", "--format", "csv"]));
    let line = |form_line: &str| vat.iter().find(|row| row[0] == form_line).map(|row| (row[2].clone(), row[3].clone()));
    assert_eq!(line("302"), Some(("235.05".to_owned(), "19.04".to_owned())));
    company.ok(&["invoice", "credit", &number, "--date", "2026-03-22", "--line", "1=1.5", "--line", "2"]);
    assert!(csv_rows(&company.ok(&["report", "receivables", "--to", "2026-03-31", "--format", "csv"])).is_empty());
    let hash = company.state_hash();
    company.ok(&["rebuild"]);
    assert_eq!(company.state_hash(), hash);
}

/// A period across the rate change of 2024-01-01: an invoice at 7.7 % in December 2023, one at
/// 8.1 % in January 2024, a credit note in January 2024 on the December invoice (at its 7.7 %),
/// and a supplier's bill with input tax. Figures computed by hand.
#[test]
fn a_vat_return_across_the_rate_change() {
    let company = Company::new("CH");
    company.in_morges(&[]);
    company.ok(&["contact", "add", "--id", "K", "--name", "Client", "--set", "postcode=1110", "--set", "town=Morges"]);
    let issue = |date: &str, vat: &str, price: &str| -> String {
        let id = draft_of(&company.ok(&["invoice", "new", "--contact", "K", "--date", date]));
        company.ok(&[
            "invoice",
            "line",
            &id,
            "--text",
            "Révision",
            "--price",
            price,
            "--vat",
            vat,
            "--account",
            "3400",
        ]);
        let issued = company.ok(&["invoice", "issue", &id]);
        crate::number_of(&issued)
    };
    let december = issue("2023-12-15", "N77", "1000.00"); // VAT 77.00
    issue("2024-01-15", "N81", "2000.00"); // VAT 162.00
    let refused = {
        let id = draft_of(&company.ok(&["invoice", "new", "--contact", "K", "--date", "2024-01-20"]));
        company.fails(&["invoice", "line", &id, "--text", "X", "--price", "10", "--vat", "N77", "--account", "3400"])
    };
    assert!(refused.contains("VAT code N77 is not in force on 2024-01-20"), "{refused}");
    company.ok(&["invoice", "credit", &december, "--date", "2024-01-25", "--line", "1=0.1"]); // 100.00 + 7.70
    company.ok(&[
        "entry",
        "add",
        "--date",
        "2024-02-05",
        "--text",
        "Facture fournisseur",
        "--post",
        "4000=400.00:vat=IN81",
        "--post",
        "1170=32.40:vat=IN81",
        "--post",
        "2000=-432.40",
    ]);
    let rows =
        csv_rows(&company.ok(&["report", "vat", "--from", "2023-12-01", "--to", "2024-02-29", "--format", "csv"]));
    let line =
        |form_line: &str| rows.iter().find(|row| row[0] == form_line).map(|row| (row[2].clone(), row[3].clone()));
    assert_eq!(line("200"), Some(("2900.00".to_owned(), String::new())));
    assert_eq!(line("302"), Some(("2000.00".to_owned(), "162.00".to_owned())));
    assert_eq!(line("303"), Some(("900.00".to_owned(), "69.30".to_owned())));
    assert_eq!(line("399"), Some((String::new(), "231.30".to_owned())));
    assert_eq!(line("400"), Some((String::new(), "32.40".to_owned())));
    assert_eq!(line("500"), Some((String::new(), "198.90".to_owned())));
}

#[test]
fn company_details_and_the_dunning_list() {
    let company = garage();
    company.ok(&[
        "company",
        "set",
        "--set",
        "street=Rue du Lac",
        "--set",
        "building_number=3",
        "--set",
        "postcode=1110",
        "--set",
        "town=Morges",
        "--set",
        "country=CH",
        "--set",
        "qr_iban=CH44 3199 9123 0008 8901 2",
        "--set",
        "iban=CH58 0079 1123 0008 8901 2",
        "--set",
        "vat_number=CHE-116.281.710 MWST",
        "--set",
        "dunning_1_days=10",
        "--set",
        "dunning_2_days=15",
        "--set",
        "dunning_2_fee=20.00",
        "--set",
        "dunning_3_days=15",
        "--set",
        "dunning_3_fee=30.00",
    ]);
    let shown = csv_rows(&company.ok(&["company", "show", "--format", "csv"]));
    let field = |name: &str| shown.iter().find(|row| row[0] == name).map(|row| row[1].clone());
    assert_eq!(field("qr_iban").as_deref(), Some("CH44 3199 9123 0008 8901 2"));
    assert_eq!(field("name").as_deref(), Some("Garage Test SA"));
    let before = company.log_snapshot();
    for (args, expected) in [
        (vec!["company", "set", "--set", "iban=CH58 0079 1123 0008 8901 3"], "not an IBAN with a valid check digit"),
        (vec!["company", "set", "--set", "qr_iban=CH58 0079 1123 0008 8901 2"], "not a QR-IBAN"),
        (vec!["company", "set", "--set", "dunning_2_fee=-5"], "an amount such as 20.00"),
        (vec!["company", "set", "--set", "colour=red"], "\"colour\" is not a contact field"),
    ] {
        let message = company.fails(&args);
        assert!(message.contains(expected), "{args:?}: expected {expected:?} in {message:?}");
    }
    assert_eq!(company.log_snapshot(), before);

    // FAVRE pays at 20 days. Levels at 10, 25 and 40 days late.
    let mut numbers = Vec::new();
    for date in ["2026-01-01", "2026-01-25", "2026-02-01", "2026-03-20"] {
        let id = draft_of(&company.ok(&["invoice", "new", "--contact", "FAVRE", "--date", date]));
        company.ok(&["invoice", "line", &id, "--item", "MO"]);
        let issued = company.ok(&["invoice", "issue", &id]);
        numbers.push(crate::number_of(&issued));
    }
    let dunning = |on: &str| -> Vec<(String, String, String, String, String)> {
        csv_rows(&company.ok(&["report", "dunning", "--to", on, "--format", "csv"]))
            .into_iter()
            .map(|row| (row[1].clone(), row[3].clone(), row[6].clone(), row[7].clone(), row[9].clone()))
            .collect()
    };
    let row = |number: &String, late: &str, reminded: &str, level: &str, fee: &str| {
        (number.clone(), late.to_owned(), reminded.to_owned(), level.to_owned(), fee.to_owned())
    };
    // Due 2026-01-21, 02-14 and 02-21: each first needs reminder 1, whatever its delay.
    assert_eq!(
        dunning("2026-03-15"),
        [
            row(&numbers[0], "53", "", "1", "0.00"),
            row(&numbers[1], "29", "", "1", "0.00"),
            row(&numbers[2], "22", "", "1", "0.00"),
        ]
    );
    let reminded = company.ok(&["invoice", "remind", &numbers[0], "--date", "2026-02-01"]);
    assert!(reminded.contains("Reminder 1") && reminded.contains("fee CHF 0.00"), "{reminded}");
    assert!(
        company.fails(&["invoice", "remind", &numbers[0], "--date", "2026-02-10"]).contains("due from 2026-02-16"),
        "level 2 comes 15 days after level 1"
    );
    let reminded = company.ok(&["invoice", "remind", &numbers[0], "--date", "2026-03-01"]);
    assert!(reminded.contains("Reminder 2") && reminded.contains("fee CHF 20.00"), "{reminded}");
    assert_eq!(
        dunning("2026-03-15"),
        [row(&numbers[1], "29", "", "1", "0.00"), row(&numbers[2], "22", "", "1", "0.00")],
        "level 3 of the first is due from 03-16"
    );
    assert_eq!(dunning("2026-03-16")[0], row(&numbers[0], "54", "2", "3", "30.00"));
    company.ok(&["invoice", "remind", &numbers[0], "--date", "2026-03-16"]);
    assert!(company.fails(&["invoice", "remind", &numbers[0], "--date", "2026-04-30"]).contains("last reminder"));
    assert!(company.fails(&["invoice", "remind", &numbers[3], "--date", "2026-03-20"]).contains("due from"));

    // The fees are owed on the invoice and earned as financial income.
    let rows = csv_rows(&company.ok(&["report", "receivables", "--to", "2026-03-31", "--format", "csv"]));
    let first = rows.iter().find(|row| row[1] == numbers[0]).expect("still open");
    assert_eq!((first[8].as_str(), first[9].as_str()), ("50.00", "179.72"), "129.72 and 20.00 + 30.00 of fees");
    let trial = csv_rows(&company.ok(&["report", "trial-balance", "--format", "csv"]));
    assert_eq!(trial.iter().find(|row| row[0] == "6950").map(|row| row[6].as_str()), Some("-50.00"));
    company.ok(&[
        "payment",
        "add",
        "--contact",
        "FAVRE",
        "--amount",
        "179.72",
        "--date",
        "2026-04-02",
        "--invoice",
        &numbers[0],
    ]);
    let rows = csv_rows(&company.ok(&["report", "receivables", "--to", "2026-04-30", "--format", "csv"]));
    assert!(rows.iter().all(|row| row[1] != numbers[0]), "paid with its fees: {rows:?}");
    assert!(company.fails(&["invoice", "remind", &numbers[0], "--date", "2026-05-30"]).contains("nothing open"));
}

/// Issue 23: a catalogue item's label in other languages; a line of the item reads the label
/// in the customer's language, the item's own for a customer of none; a language that is none
/// is refused and changes nothing.
#[test]
fn an_item_reads_in_the_customers_language() {
    let company = garage();
    company.ok(&["item", "edit", "MO", "--label-in", "de=Arbeitszeit", "--label-in", "en=Labour"]);
    let before = company.log_snapshot();
    let refused = company.fails(&["item", "edit", "MO", "--label-in", "xx=Travail"]);
    assert!(refused.contains("\"xx\" is not a language of labels"), "{refused}");
    let refused = company.fails(&["item", "edit", "MO", "--label-in", "Travail"]);
    assert!(refused.contains("is not a language of labels"), "{refused}");
    assert_eq!(company.log_snapshot(), before);
    company.ok(&["contact", "add", "--id", "MEIER", "--name", "Hans Meier", "--set", "language=de"]);
    let line_text = |contact: &str| {
        let draft = crate::draft_of(&company.ok(&["invoice", "new", "--contact", contact, "--date", "2026-03-10"]));
        company.ok(&["invoice", "line", &draft, "--item", "MO", "--qty", "1.5"]);
        company.ok(&["invoice", "show", &draft])
    };
    let german = line_text("MEIER");
    assert!(german.contains("Arbeitszeit") && german.contains("1.5"), "{german}");
    let plain = line_text("FAVRE");
    assert!(plain.contains("Main-d'œuvre") && !plain.contains("Arbeitszeit"), "{plain}");
    // Cleared, the German customer reads the item's own label again.
    company.ok(&["item", "edit", "MO", "--label-in", "de="]);
    assert!(line_text("MEIER").contains("Main-d'œuvre"));
    company.ok(&["verify"]);
}

/// Issue 23: a comment line on an invoice, text alone: it is shown and printed among the lines,
/// sums to nothing, and a comment carrying a figure is refused with nothing recorded.
#[test]
fn a_comment_line_is_printed_among_the_lines_and_sums_to_nothing() {
    let company = garage();
    company.in_morges(&["qr_iban=CH44 3199 9123 0008 8901 2"]);
    company.ok(&[
        "contact",
        "edit",
        "FAVRE",
        "--set",
        "street=Rue du Lac",
        "--set",
        "building_number=3",
        "--set",
        "postcode=1007",
        "--set",
        "town=Lausanne",
    ]);
    let draft = crate::draft_of(&company.ok(&["invoice", "new", "--contact", "FAVRE", "--date", "2026-03-10"]));
    company.ok(&["invoice", "line", &draft, "--item", "MO", "--qty", "1.5"]);
    let before = company.log_snapshot();
    let refused = company.fails(&["invoice", "line", &draft, "--comment", "Note", "--discount", "10"]);
    assert!(refused.contains("a comment line is text alone"), "{refused}");
    assert_eq!(company.log_snapshot(), before);
    company.ok(&["invoice", "line", &draft, "--comment", "Véhicule VD 12345, 85 000 km"]);
    let shown = company.ok(&["invoice", "show", &draft]);
    assert!(shown.contains("Véhicule VD 12345, 85 000 km") && shown.contains("194.58"), "{shown}");
    let number = crate::number_of(&company.ok(&["invoice", "issue", &draft]));
    let pdf = company.dir.parent().expect("parent").join("comment.pdf");
    company.ok(&["invoice", "pdf", &number, "--out", pdf.to_str().expect("path")]);
    let text = crate::documents::pdf_text(&pdf);
    assert!(text.contains("Véhicule VD 12345, 85 000 km") && text.contains("194.58"), "{text}");
    company.ok(&["verify"]);
}

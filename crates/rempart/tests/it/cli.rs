//! The command line end to end: init, add, import CSV and JSONL, reports in three formats,
//! reverse, close a period, refuse an entry in it, verify, rebuild.

use serde_json::Value;

use crate::{Company, csv_rows, path_arg};

const CSV: &str = "entry_id,date,journal,account,amount,currency,text
C-1,2026-03-05,VTE,1100,1081.00,,Invoice 1 repair
C-1,2026-03-05,VTE,3400,-1000.00,,Invoice 1 repair
C-1,2026-03-05,VTE,2200,-81.00,,Invoice 1 repair
C-2,2026-03-20,BQ,1020,1081.00,CHF,Payment invoice 1
C-2,2026-03-20,BQ,1100,-1081.00,CHF,Payment invoice 1
";

const JSONL: &str = r#"{"id":"J-1","date":"2026-04-02","journal":"ACH","text":"Parts","postings":[{"account":"4000","amount":"200.00"},{"account":"1170","amount":"16.20","vat_code":"IN81"},{"account":"2000","amount":"-216.20"}]}
{"id":"J-2","date":"2026-04-30","text":"Bank fees","postings":[{"account":"6900","amount":"12.50","currency":"CHF"},{"account":"1020","amount":"-12.50"}]}
"#;

/// Closing balance of `account` in trial-balance CSV output.
fn closing(trial_balance_csv: &str, account: &str) -> Option<String> {
    csv_rows(trial_balance_csv).into_iter().find(|row| row[0] == account).map(|row| row[6].clone())
}

#[test]
fn the_whole_cycle_on_the_command_line() {
    let company = Company::new("CH");
    let added = company.ok(&[
        "entry",
        "add",
        "--id",
        "RENT-1",
        "--date",
        "2026-03-01",
        "--text",
        "Office rent",
        "--post",
        "6000=1500.00",
        "--post",
        "1020=-1500.00",
    ]);
    assert_eq!(added.trim(), "Entry RENT-1 recorded as OD 1.");

    let csv_file = company.write("entries.csv", CSV);
    assert_eq!(
        company.ok(&["import", "entries", path_arg(&csv_file)]).trim(),
        "2 entries recorded, 0 already present."
    );
    assert_eq!(
        company.ok(&["import", "entries", path_arg(&csv_file)]).trim(),
        "0 entries recorded, 2 already present."
    );
    let jsonl_file = company.write("entries.jsonl", JSONL);
    assert_eq!(
        company.ok(&["import", "entries", path_arg(&jsonl_file)]).trim(),
        "2 entries recorded, 0 already present."
    );

    let trial = company.ok(&["report", "trial-balance", "--format", "csv"]);
    assert_eq!(closing(&trial, "6000").as_deref(), Some("1500.00"));
    assert_eq!(closing(&trial, "1020").as_deref(), Some("-431.50"));
    assert_eq!(closing(&trial, "1100").as_deref(), Some("0.00"));
    assert_eq!(closing(&trial, "2000").as_deref(), Some("-216.20"));
    assert_eq!(closing(&trial, "1170").as_deref(), Some("16.20"));
    let total_closing: i64 =
        csv_rows(&trial).iter().map(|row| row[6].replace('.', "").parse::<i64>().expect("amount")).sum();
    assert_eq!(total_closing, 0, "the trial balance balances");

    let json: Value =
        serde_json::from_str(&company.ok(&["report", "trial-balance", "--format", "json"])).expect("json");
    assert_eq!(json["totals"][0]["debit"], json["totals"][0]["credit"]);
    assert_eq!(json["rows"].as_array().map(Vec::len), Some(csv_rows(&trial).len()));
    let table = company.ok(&["report", "trial-balance", "--from", "2026-03-01", "--to", "2026-03-31"]);
    assert!(table.contains("1'500.00"), "{table}");

    let income =
        company.ok(&["report", "income-statement", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "json"]);
    let income: Value = serde_json::from_str(&income).expect("json");
    let net = income["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|row| row["section"] == "Net result")
        .expect("net result");
    assert_eq!(net["amount"], "-712.50", "1000 revenue - 1500 rent - 200 parts - 12.50 fees");
    let sheet: Value =
        serde_json::from_str(&company.ok(&["report", "balance-sheet", "--to", "2026-12-31", "--format", "json"]))
            .expect("json");
    let total = |name: &str| {
        sheet["totals"]
            .as_array()
            .expect("totals")
            .iter()
            .find(|row| row["section"] == name)
            .map(|row| row["amount"].clone())
    };
    assert_eq!(total("Total assets"), Some(Value::from("-415.30")));
    // Assets = liabilities + equity, equity holding the unallocated result.
    assert_eq!(total("Total liabilities"), Some(Value::from("297.20")));
    assert_eq!(total("Total equity"), Some(Value::from("-712.50")));

    let ledger = company.ok(&["report", "ledger", "1020", "--format", "csv"]);
    let rows = csv_rows(&ledger);
    assert_eq!(rows.iter().map(|row| row[8].as_str()).collect::<Vec<_>>(), ["-1500.00", "-419.00", "-431.50"]);
    let ledger_from = company.ok(&["report", "ledger", "1020", "--from", "2026-04-01", "--format", "csv"]);
    assert_eq!(csv_rows(&ledger_from)[0][8], "-419.00", "opening balance line");
    let journal = company.ok(&["report", "journal", "--format", "csv"]);
    assert_eq!(csv_rows(&journal).len(), 2 + 3 + 2 + 3 + 2);

    let reversed = company.ok(&["entry", "reverse", "RENT-1"]);
    assert!(reversed.starts_with("Entry RENT-1 reversed by entry E-") && reversed.contains("(OD 3)"), "{reversed}");
    assert!(company.fails(&["entry", "reverse", "RENT-1"]).contains("was already reversed"));
    let trial = company.ok(&["report", "trial-balance", "--format", "csv"]);
    assert_eq!(closing(&trial, "6000").as_deref(), Some("0.00"));

    assert_eq!(company.ok(&["period", "close", "--until", "2026-03-31"]).trim(), "Books closed until 31.03.2026.");
    let before = company.log_snapshot();
    let refused = company.fails(&[
        "entry",
        "add",
        "--date",
        "2026-03-15",
        "--text",
        "Late",
        "--post",
        "6000=1",
        "--post",
        "1020=-1",
    ]);
    assert!(refused.contains("2026-03-15 is in a closed period"), "{refused}");
    assert!(company.fails(&["entry", "reverse", "C-1"]).contains("closed period"));
    assert_eq!(company.log_snapshot(), before);

    let verified = company.ok(&["verify"]);
    assert!(verified.starts_with("Verified: "), "{verified}");
    let hash = company.state_hash();
    let rebuilt = company.ok(&["rebuild"]);
    assert!(rebuilt.trim().ends_with(&hash), "{rebuilt} vs {hash}");
    assert_eq!(company.state_hash(), hash);
}

#[test]
fn accounts_can_be_renamed_and_closed_but_not_deleted() {
    let company = Company::new("FR");
    company.ok(&["account", "add", "5121", "--label", "Banque Populaire", "--type", "asset"]);
    company.ok(&[
        "entry",
        "add",
        "--date",
        "2026-01-10",
        "--text",
        "Apport",
        "--post",
        "5121=100.00",
        "--post",
        "101=-100.00",
    ]);
    company.ok(&["account", "edit", "5121", "--label", "BP compte courant"]);
    company.ok(&["account", "edit", "5121", "--close"]);
    let list = company.ok(&["account", "list", "--format", "csv"]);
    let row = csv_rows(&list).into_iter().find(|row| row[0] == "5121").expect("account still listed");
    assert_eq!((row[1].as_str(), row[4].as_str()), ("BP compte courant", "x"));
    let refused =
        company.fails(&["entry", "add", "--date", "2026-01-11", "--text", "X", "--post", "5121=1", "--post", "101=-1"]);
    assert!(refused.contains("account 5121 is closed"), "{refused}");
    assert!(
        company.fails(&["account", "add", "5121", "--label", "Again", "--type", "asset"]).contains("already exists")
    );
    // French formatting: narrow no-break space for thousands and a decimal comma.
    company.ok(&[
        "entry",
        "add",
        "--date",
        "2026-01-12",
        "--text",
        "Capital",
        "--post",
        "512=12345.60",
        "--post",
        "101=-12345.60",
    ]);
    let table = company.ok(&["report", "trial-balance"]);
    assert!(table.contains("12\u{202f}345,60"), "{table}");
    let vat = company.ok(&["vat", "--format", "csv"]);
    assert!(vat.contains("C20,TVA collectée 20 %,20.00 %,output,44571,2014-01-01,"), "{vat}");
}

#[test]
fn the_data_directory_comes_from_the_environment() {
    let company = Company::new("CH");
    let output = crate::binary()
        .env("REMPART_DATA", &company.dir)
        .args(["report", "trial-balance", "--format", "csv"])
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("account,label,currency,opening,debit,credit,closing"));
}

#[test]
fn the_demo_runs_and_verifies() {
    let temp = tempfile::tempdir().expect("temporary directory");
    let dir = temp.path().join("demo");
    let output = crate::binary().arg("--data-dir").arg(&dir).arg("demo").output().expect("run demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout.contains("Trial balance") && stdout.contains("Net result") && stdout.contains("Verified: "),
        "{stdout}"
    );
    assert!(crate::binary().arg("--data-dir").arg(&dir).arg("demo").output().expect("run").status.code() == Some(1));
    // A reader that has seen enough (`rempart report journal | head -1`): the journal of a year
    // is far more than a pipe holds, so the command meets a closed pipe, and ends quietly.
    let mut child = crate::binary()
        .arg("--data-dir")
        .arg(&dir)
        .args(["report", "journal", "--format", "csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the journal");
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().expect("stdout")), &mut first)
        .expect("the first line");
    assert!(first.starts_with("date,"), "{first}");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success(), "{:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    // The invoice document it names exists and is a PDF.
    let written = stdout.lines().find_map(|line| line.strip_prefix("Document written to ")).expect("pdf line");
    let pdf = std::fs::read(written.trim()).expect("the written PDF");
    assert!(pdf.starts_with(b"%PDF-"));
    // A year of documents: hundreds of invoices, and the receivables agree with account 1100.
    let run = |args: &[&str]| {
        let output = crate::binary().arg("--data-dir").arg(&dir).args(args).output().expect("run");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let invoices = run(&["invoice", "list", "--format", "csv"]);
    assert!(invoices.lines().count() > 300, "{invoices}");
    let cents = |amount: &str| -> i64 { amount.replace('.', "").parse().expect("an amount") };
    let receivables = run(&["report", "receivables", "--to", "2025-12-31", "--format", "csv"]);
    let open: i64 = receivables.lines().skip(1).map(|line| cents(line.split(',').nth(9).expect("open"))).sum();
    let balance = run(&["report", "trial-balance", "--to", "2025-12-31", "--format", "csv"]);
    let debtors = balance.lines().find(|line| line.starts_with("1100,")).expect("account 1100");
    assert!(open > 0);
    assert_eq!(open, cents(debtors.rsplit(',').next().expect("closing")));
    let bills = run(&["bill", "list", "--format", "csv"]);
    assert!(bills.lines().count() > 40, "{bills}");
}

/// Issue 19: amounts and dates typed as the company's locale prints them, in arguments and in
/// CSV files (with `;` as separator, as French and Swiss spreadsheets write); ambiguous forms
/// refused naming the accepted ones, and nothing recorded.
#[test]
fn amounts_and_dates_as_people_write_them() {
    let swiss = Company::new("CH");
    let add = |company: &Company, date: &str, debit: &str, credit: &str| {
        company.run(&["entry", "add", "--date", date, "--text", "Achat", "--post", debit, "--post", credit])
    };
    for (date, debit, credit) in [
        ("31.03.2026", "6000=1'234.50", "1020=-1\u{2019}234.50"),
        ("2026-03-31", "6000=1234.50", "1020=-1'234.50"),
        ("1.4.2026", "6000=12", "1020=-12.00"),
    ] {
        let output = add(&swiss, date, debit, credit);
        assert!(output.status.success(), "{date} {debit}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let journal = swiss.ok(&["report", "journal", "--format", "csv"]);
    assert_eq!(journal.matches("1234.50").count(), 4, "{journal}");
    assert_eq!(journal.matches("12.00").count(), 2, "{journal}");
    let before = swiss.state_hash();
    for (date, debit, credit, words) in [
        ("31.03.2026", "6000=1.234,50", "1020=-1.234,50", "1'234.50, 1\u{2019}234.50 or 1234.50"),
        ("31.03.2026", "6000=1,234.50", "1020=-1,234.50", "is not an amount"),
        ("31/03/2026", "6000=1.00", "1020=-1.00", "write it 31.03.2026, or 2026-03-31"),
        ("31.03.26", "6000=1.00", "1020=-1.00", "is not a date"),
    ] {
        let output = add(&swiss, date, debit, credit);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(words), "{date} {debit}: {stderr}");
    }
    assert_eq!(swiss.state_hash(), before, "nothing recorded");

    let french = Company::new("FR");
    for (date, debit, credit) in
        [("31/03/2026", "607=1 234,50", "512=-1\u{202f}234,50"), ("2026-03-31", "607=12,5", "512=-12.50")]
    {
        let output = add(&french, date, debit, credit);
        assert!(output.status.success(), "{date} {debit}: {}", String::from_utf8_lossy(&output.stderr));
    }
    for (debit, credit) in [("607=1,234.50", "512=-1,234.50"), ("607=12,5,0", "512=-12,5,0"), ("607=1e3", "512=-1e3")] {
        let output = add(&french, "31/03/2026", debit, credit);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains("1 234,50, 12,50 or 1234.50"), "{debit}: {stderr}");
    }
    // A French spreadsheet's CSV: semicolons, decimal commas, spaces between thousands.
    let csv = french.write(
        "achats.csv",
        "entry_id;date;journal;account;amount;currency;text\nA1;15/04/2026;;607;1 000,00;;Fournitures\nA1;15/04/2026;;512;-1\u{a0}000,00;;Fournitures\n",
    );
    french.ok(&["import", "entries", csv.to_str().unwrap()]);
    // Prices, quantities and discounts too.
    french.ok(&["item", "add", "P", "--label", "Pneu", "--price", "1 234,50", "--vat", "C20", "--account", "707"]);
    french.ok(&["contact", "add", "--id", "C1", "--name", "Client"]);
    let drafted = french.ok(&["invoice", "new", "--contact", "C1", "--date", "15/04/2026"]);
    let draft = drafted.split_whitespace().find(|word| word.starts_with("D-")).expect("a draft id");
    let line = french.ok(&["invoice", "line", draft, "--item", "P", "--qty", "1,5", "--discount", "12,5"]);
    assert!(line.contains("1\u{202f}620,28"), "1.5 x 1234.50 less 12.5 %: {line}");
    assert!(french.fails(&["invoice", "line", draft, "--item", "P", "--qty", "1,5,0"]).contains("\"1,5,0\""));
    let journal = french.ok(&["report", "journal", "--format", "csv"]);
    assert_eq!(journal.matches("1000.00").count(), 2, "{journal}");
    assert_eq!(journal.matches("1234.50").count(), 2, "{journal}");
}

/// Issue 19: identifiers as people write them take their printed form before they are checked.
#[test]
fn identifiers_written_without_their_separators_are_kept_in_their_printed_form() {
    let company = Company::new("CH");
    company.ok(&["contact", "add", "--id", "OFS", "--name", "OFS", "--set", "vat_number=che 116 281 710 mwst"]);
    company.ok(&["contact", "add", "--id", "SNCF", "--name", "SNCF", "--set", "siren=732 829 320"]);
    let shown = company.ok(&["contact", "show", "OFS", "--format", "csv"]);
    assert!(shown.contains("CHE-116.281.710 MWST"), "{shown}");
    let shown = company.ok(&["contact", "show", "SNCF", "--format", "csv"]);
    assert!(shown.contains("732829320"), "{shown}");
    let refused = company.fails(&["contact", "add", "--name", "X", "--set", "vat_number=CHE116281711"]);
    assert!(refused.contains("such as CHE-116.281.710"), "{refused}");
}

/// Issue 19: the program speaks English, French and German, chosen by `REMPART_LANG` (else
/// `LANG`/`LC_ALL`): the same command says the same thing in each, from the catalogues.
#[test]
fn the_program_speaks_english_french_and_german() {
    let company = Company::new("CH");
    let status = |lang: &str| {
        let output = crate::binary()
            .env("REMPART_LANG", lang)
            .arg("--data-dir")
            .arg(&company.dir)
            .arg("status")
            .output()
            .expect("run status");
        assert!(output.status.success());
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let (english, french, german) = (status("en"), status("fr"), status("de"));
    assert!(english.contains("No fork, no conflict."), "{english}");
    assert!(french.contains("Aucune fourche, aucun conflit."), "{french}");
    assert!(german.contains("Keine Gabelung, kein Konflikt."), "{german}");
    let from_lang = crate::binary()
        .env_remove("REMPART_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "de_CH.UTF-8")
        .arg("--data-dir")
        .arg(&company.dir)
        .arg("status")
        .output()
        .expect("run status");
    assert_eq!(String::from_utf8(from_lang.stdout).expect("utf-8"), german);
    // Account labels too, where the chart has them in the reader's language.
    company.ok(&[
        "entry",
        "add",
        "--date",
        "2026-03-02",
        "--text",
        "Loyer",
        "--post",
        "6000=100",
        "--post",
        "1020=-100",
    ]);
    let labels: Vec<String> = ["en", "fr", "de"]
        .iter()
        .map(|lang| {
            let output = crate::binary()
                .env("REMPART_LANG", lang)
                .arg("--data-dir")
                .arg(&company.dir)
                .args(["report", "trial-balance", "--format", "csv"])
                .output()
                .expect("run the trial balance");
            let text = String::from_utf8(output.stdout).expect("utf-8");
            let row = text.lines().find(|line| line.starts_with("6000,")).expect("account 6000").to_owned();
            row.split(',').nth(1).expect("a label").to_owned()
        })
        .collect();
    assert_eq!(labels, ["Premises", "Charges de locaux", "Raumaufwand"]);
    // The refusals of what a person types, in the person's language, and nothing recorded.
    let before = company.state_hash();
    for (lang, amount, date) in [
        ("en", "is not an amount: write it 1'234.50, 1\u{2019}234.50 or 1234.50", "is not a date: write it 31.03.2026"),
        ("fr", "n'est pas un montant : écrivez-le 1'234.50, 1\u{2019}234.50 ou 1234.50", "n'est pas une date"),
        ("de", "ist kein Betrag: Schreiben Sie ihn 1'234.50, 1\u{2019}234.50 oder 1234.50", "ist kein Datum"),
    ] {
        let refuse = |date: &str, post: &str| {
            let output = crate::binary()
                .env("REMPART_LANG", lang)
                .arg("--data-dir")
                .arg(&company.dir)
                .args(["entry", "add", "--date", date, "--text", "X", "--post", post, "--post", "1020=-1"])
                .output()
                .expect("run entry add");
            assert!(!output.status.success());
            String::from_utf8(output.stderr).expect("utf-8")
        };
        let refused = refuse("2026-03-03", "6000=1,5");
        assert!(refused.contains(amount), "{lang}: {refused}");
        let refused = refuse("03/03/2026", "6000=1");
        assert!(refused.contains(date), "{lang}: {refused}");
    }
    assert_eq!(company.state_hash(), before);
    // `--help` too: the descriptions of the commands and their arguments.
    let help: Vec<String> = ["en", "fr", "de"]
        .iter()
        .map(|lang| {
            let output =
                crate::binary().env("REMPART_LANG", lang).args(["entry", "add", "--help"]).output().expect("help");
            assert!(output.status.success());
            String::from_utf8(output.stdout).expect("utf-8")
        })
        .collect();
    assert!(help[0].contains("Record one entry"), "{}", help[0]);
    assert!(!help[1].contains("Record one entry") && !help[2].contains("Record one entry"), "{help:?}");
    assert!(help[1] != help[2]);
}

/// Issue 20: the command line changes a person's password, role and access as the settings
/// page does; a refused change says why, exits non-zero and records nothing.
#[test]
fn people_are_changed_and_removed_on_the_command_line() {
    let company = Company::new("CH");
    let owner = company.write("owner.txt", "the owner's password\n");
    let first = company.write("first.txt", "the cashier's password\n");
    let second = company.write("second.txt", "a second password\n");
    let short = company.write("short.txt", "short\n");
    let path = path_arg;
    company.ok(&["user", "add", "Anna", "--role", "owner", "--password-file", path(&owner)]);
    let owner_args = ["--owner", "Anna", "--owner-password-file", path(&owner)];
    let mut add = vec!["user", "add", "Bea", "--role", "cashier", "--password-file", path(&first)];
    add.extend(owner_args);
    company.ok(&add);

    let before = company.log_snapshot();
    let refused = company.fails(&[
        "user",
        "password",
        "Bea",
        "--password-file",
        path(&second),
        "--new-password-file",
        path(&first),
    ]);
    assert!(refused.contains("the user name or the password is wrong"), "{refused}");
    let mut change = vec!["user", "change", "Bea", "--role", "accountant", "--password-file", path(&short)];
    change.extend(owner_args);
    let refused = company.fails(&change);
    assert!(refused.contains("shorter than 10 characters"), "{refused}");
    let mut own = vec!["user", "remove", "Anna"];
    own.extend(owner_args);
    let refused = company.fails(&own);
    assert!(refused.contains("changes their own password only"), "{refused}");
    assert_eq!(company.log_snapshot(), before, "refused changes record nothing");

    let said =
        company.ok(&["user", "password", "Bea", "--password-file", path(&first), "--new-password-file", path(&second)]);
    assert!(said.contains("The password of Bea is changed."), "{said}");
    let mut change = vec!["user", "change", "Bea", "--role", "accountant", "--password-file", path(&first)];
    change.extend(owner_args);
    let said = company.ok(&change);
    assert!(said.contains("Bea has access as Accountant"), "{said}");
    let list = company.ok(&["user", "list", "--format", "csv"]);
    assert!(list.lines().any(|line| line.starts_with("Bea,Accountant")), "{list}");
    let mut remove = vec!["user", "remove", "Bea"];
    remove.extend(owner_args);
    let said = company.ok(&remove);
    assert!(said.contains("Bea no longer has access."), "{said}");
    let list = company.ok(&["user", "list", "--format", "csv"]);
    assert!(!list.contains("Bea"), "{list}");
    let refused = company.fails(&[
        "user",
        "password",
        "Bea",
        "--password-file",
        path(&first),
        "--new-password-file",
        path(&second),
    ]);
    assert!(refused.contains("the user name or the password is wrong"), "{refused}");
}

/// A child process killed when the test lets go of it, whatever the test's outcome.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `rempart ARGS` and reads its standard output up to the line that names the web app's
/// address; returns the child, the lines before, and the address (`127.0.0.1:PORT`).
fn serving(company: &Company, args: &[&str]) -> (Killed, Vec<String>, String) {
    use std::io::BufRead as _;
    let mut child = Killed(
        crate::binary()
            .arg("--data-dir")
            .arg(&company.dir)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("run rempart"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let mut before = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        if let Some(at) = line.strip_prefix("Web app on http://") {
            return (child, before, at.trim().to_owned());
        }
        before.push(line);
    }
    panic!("the app never named its address: {before:?}");
}

/// The status and body of `GET path` on `address`, over a plain HTTP/1.1 connection.
fn http_get(address: &str, path: &str) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("a status line");
    (status, answer)
}

/// Issue 20: `rempart serve` names its address on its last line; on a company with nobody
/// given access yet it first prints the one-time address that creates the owner; `/healthz`
/// answers. `demo --serve` builds the demo company, prints the owner's login, and serves it.
#[test]
fn serve_names_its_address_last_and_the_owners_one_time_address_first() {
    let company = Company::new("CH");
    let (_child, before, address) = serving(&company, &["serve", "--listen", "127.0.0.1:0"]);
    assert!(address.starts_with("127.0.0.1:") && !address.ends_with(":0"), "{address}");
    assert_eq!(http_get(&address, "/healthz").0, 200);
    let setup = before.iter().find_map(|line| line.split(&format!("http://{address}")).nth(1)).expect("the setup line");
    assert!(setup.starts_with("/setup?token="), "{before:?}");
    let (status, page) = http_get(&address, setup.trim());
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("name=\"password\""), "the owner's form: {page}");

    let temp = tempfile::tempdir().expect("directory");
    let demo = Company::at(temp.path().join("demo"));
    let (_demo_child, before, address) = serving(&demo, &["demo", "--serve", "--listen", "127.0.0.1:0"]);
    let login = before.iter().find(|line| line.starts_with("Log in as owner with the password demo-")).expect("login");
    assert_eq!(http_get(&address, "/healthz").0, 200);
    assert!(login.len() > "Log in as owner with the password demo-".len() + 8, "{login}");
}

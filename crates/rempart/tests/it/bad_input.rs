//! Bad input gets one clear message and a non-zero exit, and changes nothing: the log stays
//! byte-identical.

use crate::{Company, path_arg};

fn add(date: &str, postings: &[&str]) -> Vec<String> {
    let mut args: Vec<String> =
        ["entry", "add", "--date", date, "--text", "Test"].iter().map(|s| s.to_string()).collect();
    for posting in postings {
        args.push("--post".to_owned());
        args.push((*posting).to_owned());
    }
    args
}

#[test]
fn refused_entries_change_nothing() {
    let company = Company::new("CH");
    company.ok(&[
        "entry",
        "add",
        "--id",
        "A",
        "--date",
        "2026-01-31",
        "--text",
        "Opening",
        "--post",
        "1020=100.00",
        "--post",
        "2800=-100.00",
    ]);
    company.ok(&["period", "close", "--until", "2026-01-31"]);
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            add("2026-03-01", &["6000=1500.00", "1020=-1499.00"]),
            "does not balance in CHF: debits exceed credits by 1.00",
        ),
        (add("2026-03-01", &["6999=1.00", "1020=-1.00"]), "account 6999 does not exist"),
        (add("2026-03-01", &["6000=1.005", "1020=-1.005"]), "has more decimals than CHF allows"),
        (add("2026-03-01", &["6000=12,50", "1020=-12,50"]), "\"12,50\" is not an amount"),
        // Issue 19: Switzerland writes 1'000 (accepted, `it::cli::amounts_and_dates_as_people_write_them`);
        // a decimal comma after a dot is the other convention, and refused.
        (add("2026-03-01", &["6000=1.000,00", "1020=-1.000,00"]), "\"1.000,00\" is not an amount"),
        (add("2026-03-01", &["6000=1e3", "1020=-1e3"]), "\"1e3\" is not an amount"),
        (add("2026-03-01", &["6000=", "1020=-1"]), "The amount is empty"),
        (add("2026-03-01", &["6000=-", "1020=-1"]), "\"-\" is not an amount"),
        (add("2026-02-30", &["6000=1", "1020=-1"]), "\"2026-02-30\" is not a date"),
        (add("2026-01-15", &["6000=1", "1020=-1"]), "2026-01-15 is in a closed period"),
        (add("2026-03-01", &["6000=1"]), "at least two postings"),
        (add("2026-03-01", &["6000=1:vat=N77", "1020=-1"]), "VAT code N77 is not in force on 2026-03-01"),
        (add("2026-03-01", &["6000=1:EUR", "1020=-1:EUR"]), "account 6000 is kept in CHF, not EUR"),
        (
            vec![
                "entry".into(),
                "add".into(),
                "--id".into(),
                "A".into(),
                "--date".into(),
                "2026-03-01".into(),
                "--text".into(),
                "Other".into(),
                "--post".into(),
                "6000=5".into(),
                "--post".into(),
                "1020=-5".into(),
            ],
            "entry A already exists with different content",
        ),
        (
            vec!["period".into(), "close".into(), "--until".into(), "2025-12-31".into()],
            "already closed until 2026-01-31",
        ),
        (
            vec!["period".into(), "close".into(), "--until".into(), "2026-02-27".into()],
            "is not the last day of a month",
        ),
        (vec!["entry".into(), "reverse".into(), "NOPE".into()], "entry NOPE does not exist"),
    ];
    let before = company.log_snapshot();
    let hash = company.state_hash();
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let message = company.fails(&args);
        assert!(message.contains(expected), "{args:?}: expected {expected:?} in {message:?}");
        assert_eq!(message.trim().lines().count(), 1, "one clear message: {message:?}");
    }
    assert_eq!(company.log_snapshot(), before);
    assert_eq!(company.state_hash(), hash);
}

#[test]
fn bad_files_name_the_line_and_import_nothing() {
    let company = Company::new("CH");
    let header = "entry_id,date,journal,account,amount,currency,text\n";
    let good = "G,2026-03-01,,6000,10.00,,Good\nG,2026-03-01,,1020,-10.00,,Good\n";
    let cases = [
        ("missing.csv", "entry_id,date,journal,account,amount,text\nX,2026-03-01,,6000,1,T\n".to_owned(), "has no \"currency\" column"),
        ("bad_date.csv", format!("{header}{good}B,2026-13-01,,6000,1.00,,Bad\n"), "line 4: \"2026-13-01\" is not a date"),
        ("bad_amount.csv", format!("{header}{good}B,2026-03-02,,6000,1.00,,Bad\nB,2026-03-02,,1020,-1;00,,Bad\n"), "line 5: \"-1;00\" is not an amount"),
        ("unbalanced.csv", format!("{header}{good}B,2026-03-02,,6000,1.00,,Bad\nB,2026-03-02,,1020,-2.00,,Bad\n"), "line 4: entry B: the entry does not balance"),
        ("short_row.csv", format!("{header}{good}B,2026-03-02,,6000\n"), "line 4"),
        ("bad.jsonl", "{\"id\":\"J\",\"date\":\"2026-03-01\",\"text\":\"T\",\"postings\":[{\"account\":\"6000\",\"amount\":1.5},{\"account\":\"1020\",\"amount\":\"-1.50\"}]}\n".to_owned(), "line 1: invalid type: floating point `1.5`, expected a string"),
        ("bad.txt", "x".to_owned(), "unknown file type \".txt\""),
    ];
    let before = company.log_snapshot();
    for (name, contents, expected) in cases {
        let path = company.write(name, &contents);
        let message = company.fails(&["import", "entries", path_arg(&path)]);
        assert!(message.contains(expected), "{name}: expected {expected:?} in {message:?}");
    }
    assert!(
        company.fails(&["import", "entries", "/nonexistent/file.csv"]).contains("cannot read /nonexistent/file.csv")
    );
    assert_eq!(company.log_snapshot(), before);
}

#[test]
fn damaged_or_foreign_data_directories_are_refused() {
    let company = Company::new("CH");
    let other = Company::new("CH");
    let check = |company: &Company, expected: &str| {
        let message = company.fails(&["report", "trial-balance"]);
        assert!(message.contains(expected), "expected {expected:?} in {message:?}");
    };
    let empty = tempfile::tempdir().expect("temporary directory");
    let output = crate::binary().arg("--data-dir").arg(empty.path()).arg("verify").output().expect("run");
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds no Rempart company: run `rempart init` first"));
    assert!(
        company.fails(&["init", "--company", "Again", "--country", "CH"]).contains("already holds a Rempart company")
    );
    let half = tempfile::tempdir().expect("temporary directory");
    std::fs::write(half.path().join("ledger.db"), b"").expect("write");
    let output = crate::binary()
        .arg("--data-dir")
        .arg(half.path())
        .args(["init", "--company", "X", "--country", "CH"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&output.stderr).contains("an earlier `rempart init` was interrupted"));

    let identity = company.dir.join("node.json");
    let original = std::fs::read_to_string(&identity).expect("identity");
    std::fs::write(&identity, original.replace("\"format_version\": 1", "\"format_version\": 99")).expect("write");
    check(&company, "written by a newer Rempart (format 99");
    std::fs::write(&identity, "{ not json").expect("write");
    check(&company, "node.json cannot be read");
    std::fs::write(&identity, &original).expect("write");

    let key = company.dir.join("node.key");
    let key_text = std::fs::read_to_string(&key).expect("key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key is readable by its owner only");
    }
    std::fs::remove_file(&key).expect("remove key");
    check(&company, "node key");
    check(&company, "is missing");
    std::fs::write(&key, "not hex").expect("write");
    check(&company, "is not 64 hexadecimal digits");
    std::fs::write(&key, std::fs::read_to_string(other.dir.join("node.key")).expect("other key")).expect("write");
    check(&company, "the node key does not belong to this node");
    std::fs::write(&key, &key_text).expect("write");

    let database = company.dir.join("ledger.db");
    company.database().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
    let saved = std::fs::read(&database).expect("database");
    let other_database = other.dir.join("ledger.db");
    other.database().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
    std::fs::copy(&other_database, &database).expect("copy");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(company.dir.join(format!("ledger.db{suffix}")));
    }
    check(&company, "the database belongs to another company");
    std::fs::write(&database, b"this is not a database at all, just some bytes of garbage padding padding")
        .expect("write");
    check(&company, "the data directory is damaged");
    std::fs::write(&database, &saved).expect("write");
    company.ok(&["verify"]);
}

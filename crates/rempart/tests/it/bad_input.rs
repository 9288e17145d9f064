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

/// The company of the refusal cases: an opening entry `A` and January closed.
fn closed_january() -> Company {
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
    company
}

/// Refused commands on `closed_january`: the arguments, what the English message says, and the
/// catalogue's message of the refusal's kind.
fn refusals() -> Vec<(Vec<String>, &'static str, &'static str)> {
    vec![
        (
            add("2026-03-01", &["6000=1500.00", "1020=-1499.00"]),
            "does not balance in CHF: debits exceed credits by 1.00",
            "err-ledger-unbalanced",
        ),
        (add("2026-03-01", &["6999=1.00", "1020=-1.00"]), "account 6999 does not exist", "err-ledger-unknown-account"),
        (
            add("2026-03-01", &["6000=1.005", "1020=-1.005"]),
            "has more decimals than CHF allows",
            "err-import-post-amount",
        ),
        (add("2026-03-01", &["6000=12,50", "1020=-12,50"]), "\"12,50\" is not an amount", "err-import-post-amount"),
        // Issue 19: Switzerland writes 1'000 (accepted, `it::cli::amounts_and_dates_as_people_write_them`);
        // a decimal comma after a dot is the other convention, and refused.
        (
            add("2026-03-01", &["6000=1.000,00", "1020=-1.000,00"]),
            "\"1.000,00\" is not an amount",
            "err-import-post-amount",
        ),
        (add("2026-03-01", &["6000=1e3", "1020=-1e3"]), "\"1e3\" is not an amount", "err-import-post-amount"),
        (add("2026-03-01", &["6000=", "1020=-1"]), "The amount is empty", "err-import-post-amount"),
        (add("2026-03-01", &["6000=-", "1020=-1"]), "\"-\" is not an amount", "err-import-post-amount"),
        (add("2026-02-30", &["6000=1", "1020=-1"]), "\"2026-02-30\" is not a date", "error-not-a-date"),
        (add("2026-01-15", &["6000=1", "1020=-1"]), "2026-01-15 is in a closed period", "err-ledger-period-closed"),
        (add("2026-03-01", &["6000=1"]), "at least two postings", "err-ledger-too-few-postings"),
        (
            add("2026-03-01", &["6000=1:vat=N77", "1020=-1"]),
            "VAT code N77 is not in force on 2026-03-01",
            "err-ledger-vat-code-not-in-force",
        ),
        (
            add("2026-03-01", &["6000=1:EUR", "1020=-1:EUR"]),
            "account 6000 is kept in CHF, not EUR",
            "err-ledger-currency-mismatch",
        ),
        (
            [
                "entry",
                "add",
                "--id",
                "A",
                "--date",
                "2026-03-01",
                "--text",
                "Other",
                "--post",
                "6000=5",
                "--post",
                "1020=-5",
            ]
            .map(String::from)
            .to_vec(),
            "entry A already exists with different content",
            "err-ledger-entry-id-conflict",
        ),
        (
            ["period", "close", "--until", "2025-12-31"].map(String::from).to_vec(),
            "already closed until 2026-01-31",
            "err-ledger-period-already-closed",
        ),
        (
            ["period", "close", "--until", "2026-02-27"].map(String::from).to_vec(),
            "is not the last day of a month",
            "err-ledger-not-month-end",
        ),
        (
            ["entry", "reverse", "NOPE"].map(String::from).to_vec(),
            "entry NOPE does not exist",
            "err-ledger-unknown-entry",
        ),
        // Issue 23: a period typed backwards is refused, not read as one with nothing in it.
        (
            ["report", "trial-balance", "--from", "31.03.2026", "--to", "01.03.2026"].map(String::from).to_vec(),
            "the period ends on 01.03.2026 before it starts on 31.03.2026",
            "error-reversed-period",
        ),
    ]
}

#[test]
fn refused_entries_change_nothing() {
    let company = closed_january();
    let before = company.log_snapshot();
    let hash = company.state_hash();
    for (args, expected, _) in refusals() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let message = company.fails(&args);
        assert!(message.contains(expected), "{args:?}: expected {expected:?} in {message:?}");
        assert_eq!(message.trim().lines().count(), 1, "one clear message: {message:?}");
    }
    assert_eq!(company.log_snapshot(), before);
    assert_eq!(company.state_hash(), hash);
}

/// The single-line messages of a catalogue, by Fluent id.
fn catalogue(lang: &str) -> std::collections::HashMap<String, String> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rempart-i18n/i18n").join(format!("{lang}.ftl"));
    let text = std::fs::read_to_string(path).expect("catalogue");
    text.lines()
        .filter_map(|line| line.split_once(" = "))
        .map(|(id, message)| (id.trim().to_owned(), message.to_owned()))
        .collect()
}

/// Whether `text` is the message `pattern` with some value in each of its placeables.
fn is_message(pattern: &str, text: &str) -> bool {
    let mut literals = Vec::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("{ $") {
        let end = start + rest[start..].find(" }").expect("a closed placeable") + 2;
        literals.push(&rest[..start]);
        rest = &rest[end..];
    }
    literals.push(rest);
    let (first, last) = (literals[0], literals[literals.len() - 1]);
    if literals.len() == 1 {
        return text == first;
    }
    if !text.starts_with(first) || !text.ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut at = first.len();
    let end = text.len() - last.len();
    for literal in &literals[1..literals.len() - 1] {
        match text[at..end].find(literal) {
            Some(found) => at += found + literal.len(),
            None => return false,
        }
    }
    true
}

/// Issue 19: every refusal of the suite above, under `REMPART_LANG=fr` and `de`, is the
/// catalogue's message of its kind in that language, after the catalogue's prefix, and not the
/// English one.
#[test]
fn the_refusals_are_told_in_french_and_german() {
    let company = closed_january();
    for lang in ["fr", "de"] {
        let words = catalogue(lang);
        let prefix = &words["error-prefix"];
        for (args, _, key) in refusals() {
            let output = crate::binary()
                .env("REMPART_LANG", lang)
                .arg("--data-dir")
                .arg(&company.dir)
                .args(&args)
                .output()
                .expect("run rempart");
            assert!(!output.status.success(), "{lang} {args:?} succeeded");
            let said = String::from_utf8(output.stderr).expect("utf-8");
            let message = said.trim_end().strip_prefix(&format!("{prefix} ")).unwrap_or_else(|| {
                panic!("{lang} {args:?}: {said:?} does not start with the catalogue's prefix {prefix:?}")
            });
            assert!(is_message(&words[key], message), "{lang} {args:?}: {message:?} is not {key}: {:?}", words[key]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let in_english = company.fails(&args);
            assert!(!in_english.contains(message), "{lang} {args:?}: {message:?} is the English one");
        }
    }
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
        ("bad.jsonl", "{\"id\":\"J\",\"date\":\"2026-03-01\",\"text\":\"T\",\"postings\":[{\"account\":\"6000\",\"amount\":1.5},{\"account\":\"1020\",\"amount\":\"-1.50\"}]}\n".to_owned(), "line 1: the line is not an entry of JSON Lines: invalid type: floating point `1.5`, expected a string"),
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

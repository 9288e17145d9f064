//! Tampering is detected and located: one test per kind of attack on the data directory.

use rempart_log::{EventSeq, Hash32, NodeId, Seal, SigningKey, TenantId};

use crate::Company;

/// A company with a few entries; the rent entry's payload carries a unique marker.
fn books() -> Company {
    let company = Company::new("CH");
    company.ok(&[
        "entry",
        "add",
        "--id",
        "RENT-1",
        "--date",
        "2026-03-01",
        "--text",
        "Office rent MARKERQX",
        "--post",
        "6000=1500.00",
        "--post",
        "1020=-1500.00",
    ]);
    for day in 2..=6 {
        let date = format!("2026-03-{day:02}");
        company.ok(&[
            "entry",
            "add",
            "--id",
            &format!("SALE-{day}"),
            "--date",
            &date,
            "--text",
            "Sale",
            "--post",
            "1000=100.00",
            "--post",
            "3200=-100.00",
        ]);
    }
    company.ok(&["verify"]);
    company
}

/// Runs verify, which must fail, and returns what it printed.
fn verify_fails(company: &Company) -> String {
    company.fails(&["verify"])
}

fn seq_of(company: &Company, entry_id: &str) -> i64 {
    company
        .database()
        .query_row("SELECT seq FROM p_entries WHERE id = ?1", [entry_id], |row| row.get(0))
        .expect("entry")
}

fn last_seq(company: &Company) -> i64 {
    company.database().query_row("SELECT max(seq) FROM events", [], |row| row.get(0)).expect("events")
}

#[test]
fn an_amount_changed_with_sql_is_named() {
    let company = books();
    let changed = company
        .database()
        .execute("UPDATE events SET payload = CAST(replace(CAST(payload AS TEXT), '150000', '15000') AS BLOB) WHERE kind = 'entry.posted' AND CAST(payload AS TEXT) LIKE '%RENT-1%'", [])
        .expect("update");
    assert_eq!(changed, 1);
    let report = verify_fails(&company);
    let seq = seq_of(&company, "RENT-1");
    assert!(report.contains(&format!("entry RENT-1 of 01.03.2026 (event {seq}), recorded on node")), "{report}");
    assert!(report.contains("was altered after it was sealed"), "{report}");
}

#[test]
fn a_deleted_event_is_named() {
    let company = books();
    let seq = seq_of(&company, "SALE-3");
    company.database().execute("DELETE FROM events WHERE seq = ?1", [seq]).expect("delete");
    let report = verify_fails(&company);
    assert!(
        report.contains(&format!("entry SALE-3 of 03.03.2026 (event {seq})"))
            && report.contains("was deleted from the log"),
        "{report}"
    );
}

#[test]
fn two_swapped_events_are_found() {
    let company = books();
    let (first, second) = (seq_of(&company, "SALE-2"), seq_of(&company, "SALE-4"));
    let conn = company.database();
    conn.execute_batch(&format!(
        "UPDATE events SET seq = -1 WHERE seq = {first};
         UPDATE events SET seq = {first} WHERE seq = {second};
         UPDATE events SET seq = {second} WHERE seq = -1;"
    ))
    .expect("swap");
    let report = verify_fails(&company);
    // Both places are named: each now holds the other's event.
    assert!(
        report.contains(&format!("(event {first})"))
            && report.contains(&format!("(event {second})"))
            && report.matches("was altered after it was sealed").count() == 2,
        "{report}"
    );
}

#[test]
fn a_truncated_log_is_found() {
    let company = books();
    let last = last_seq(&company);
    let conn = company.database();
    conn.execute("DELETE FROM events WHERE seq > ?1", [last - 2]).expect("delete events");
    conn.execute("DELETE FROM seals WHERE seq > ?1", [last - 2]).expect("delete seals");
    let report = verify_fails(&company);
    assert!(
        report.contains(&format!(
            "ends at event {} but the node had sealed up to event {last}: the last 2 events were removed",
            last - 2
        )),
        "{report}"
    );
}

#[test]
fn an_edited_projection_row_is_named() {
    let company = books();
    company
        .database()
        .execute("UPDATE p_postings SET amount_minor = 99 WHERE entry_id = 'SALE-5' AND line = 1", [])
        .expect("update");
    let seq = seq_of(&company, "SALE-5");
    let report = verify_fails(&company);
    assert!(
        report.contains("the table p_postings was edited at (account \"1000\", date \"2026-03-05\", node "),
        "{report}"
    );
    assert!(report.contains(&format!(", seq {seq}, line 1")), "{report}");
    assert!(report.contains("line 1, entry_id \"SALE-5\"): amount_minor is 99 but the log says 10000"), "{report}");
    company.ok(&["rebuild"]);
    company.ok(&["verify"]);
}

#[test]
fn a_flipped_byte_in_the_database_file_is_found() {
    let company = books();
    company.database().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").expect("checkpoint");
    let path = company.dir.join("ledger.db");
    let mut bytes = std::fs::read(&path).expect("read");
    let needle = b"\"text\":\"Office rent MARKERQX";
    let at = bytes.windows(needle.len()).position(|window| window == needle).expect("the payload is in the file");
    bytes[at + needle.len() - 1] ^= 0x01;
    std::fs::write(&path, &bytes).expect("write");
    let report = verify_fails(&company);
    let seq = seq_of(&company, "RENT-1");
    assert!(
        report.contains(&format!("(event {seq}), recorded on node"))
            && report.contains("was altered after it was sealed"),
        "{report}"
    );
}

#[test]
fn a_seal_made_with_another_key_is_found() {
    let company = books();
    let conn = company.database();
    let (node, seq, head): (Vec<u8>, i64, Vec<u8>) = conn
        .query_row("SELECT node, seq, head FROM seals ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .expect("seal");
    let tenant: Vec<u8> = conn.query_row("SELECT tenant FROM events LIMIT 1", [], |row| row.get(0)).expect("tenant");
    let forger = SigningKey::from_bytes(&[42; 32]);
    let forged = Seal::sign(
        &forger,
        TenantId::from_bytes(tenant.try_into().expect("16 bytes")),
        NodeId::from_bytes(node.clone().try_into().expect("16 bytes")),
        EventSeq(seq as u64),
        Hash32(head.try_into().expect("32 bytes")),
    );
    conn.execute(
        "UPDATE seals SET signature = ?1 WHERE node = ?2 AND seq = ?3",
        rusqlite::params![&forged.signature[..], node, seq],
    )
    .expect("update");
    let report = verify_fails(&company);
    assert!(
        report.contains(&format!("the seal over event {seq} of node"))
            && report.contains("was not made with the node's key"),
        "{report}"
    );
}

#[test]
fn events_appended_without_the_key_are_found() {
    let company = books();
    let last = last_seq(&company);
    let conn = company.database();
    conn.execute_batch(
        "INSERT INTO events (node, seq, version, tenant, hlc_wall_ms, hlc_logical, prev, kind, payload, hash)
         SELECT node, seq + 1, version, tenant, hlc_wall_ms + 1, 0, hash, kind, payload, hash FROM events WHERE seq = (SELECT max(seq) FROM events);",
    )
    .expect("append");
    let report = verify_fails(&company);
    assert!(
        report.contains(&format!("(event {})", last + 1))
            && report.contains("was added to the log without the node's key"),
        "{report}"
    );
}

#[test]
fn a_dropped_projection_is_named_and_rebuilt() {
    let company = books();
    let hash = company.state_hash();
    company.database().execute_batch("DROP TABLE p_accounts;").expect("drop");
    assert!(company.fails(&["report", "trial-balance"]).contains("run `rempart rebuild`"));
    let report = verify_fails(&company);
    assert!(report.contains("the table p_accounts cannot be read"), "{report}");
    company.ok(&["rebuild"]);
    assert_eq!(company.state_hash(), hash);
}

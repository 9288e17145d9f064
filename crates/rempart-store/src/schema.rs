//! The SQLite schema: the log tables (the truth) and the projection tables (derived from the log,
//! dropped and rebuilt at will). Projection tables carry the `p_` prefix; the state hash covers
//! exactly the tables listed in `PROJECTIONS`, in that order.

/// Version of the database layout, recorded in `meta`. A database of a newer layout is refused;
/// one of an older layout is rebuilt from its log (`rempart rebuild`) before use. 9: each issue
/// of an invoice noted in `p_creations` (a draft issued twice is listed). 10: the sum each
/// invoice received in all (`p_invoices.received_minor`), and no index of invoices by date.
/// 11: people's passwords and roles as their changes left them (`p_users.credentials`,
/// `removed`, `last_change`). 12: the locations of stock (`p_locations`). 13: SKUs and the
/// movements of stock (`p_skus`, `p_stock_moves`, `p_stock_levels`, `p_stock_costs`, transfers).
/// 14: tills, their tickets and cash drawers (`p_tills`, `p_tickets`, `p_till_cash`…). 15: the
/// tills' sealed closures (`p_closures`) and tickets by series (`p_tickets_series`). 16: loyalty
/// (`p_loyalty_program`, `p_loyalty_cards`, `p_loyalty_points`). 17: every program set kept by
/// its stamp (points name theirs), points with the part earned by items, their lot's end and the
/// total and items they were earned on; tickets' Swiss cash rounding (`p_tickets.rounding_minor`)
/// and tickets by card. 18: a ticket's sale or return is no row of `p_stock_moves` (its line is the
/// movement), and no index of tickets by number (their key begins with it); loyalty vouchers
/// (`p_loyalty_vouchers`) and payments by voucher. 19: purchase orders (`p_purchase_orders`,
/// `p_purchase_lines`) and what the receipts naming them delivered (`p_purchase_received`). 20:
/// tickets keyed by device and place in its series, read whole from their events (no
/// `p_ticket_lines`, `p_ticket_payments`), their sales summed by day and store (`p_sales_items`,
/// `p_sales_rates`, `p_sales_methods`, `p_sales_days`), cash sessions' sums (`p_till_sessions`)
/// and what paid with vouchers (`p_ticket_vouchers`). 21: an invoice line's unit
/// (`p_invoice_lines.unit`). 22: items' labels in other languages (`p_item_labels`). 23: comment
/// lines of invoices (`p_invoice_lines.comment`). 24: quotes (`p_quotes`, `p_quote_lines`). 25: the vehicle and mileage of
/// each invoice or quote (`p_vehicle_visits`). 26: documents' archives (`p_archives`) and the
/// company's logos by hash (`p_logos`). 27: every archive under a document's number kept
/// (`p_archive_copies`), its own found by the hash its issue recorded. 28: French VAT on services
/// awaiting payment, set aside, made due and released (`p_vat_awaiting`).
pub const SCHEMA_VERSION: u32 = 28;

pub const LOG_SCHEMA: &str = "
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per event, from every node of the tenant, stored in chain order (rows of about 500 bytes
-- suit a WITHOUT ROWID table with 16 KiB pages). `payload` holds the exact bytes that were
-- hashed; `hash` is a copy of the event hash kept to locate tampering, never trusted by verify.
CREATE TABLE events (
    node BLOB NOT NULL,
    seq INTEGER NOT NULL,
    version INTEGER NOT NULL,
    tenant BLOB NOT NULL,
    hlc_wall_ms INTEGER NOT NULL,
    hlc_logical INTEGER NOT NULL,
    prev BLOB NOT NULL,
    kind TEXT NOT NULL,
    payload BLOB NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (node, seq)
) WITHOUT ROWID;
-- The deterministic merge order of all nodes' events.
CREATE INDEX events_merge_order ON events (hlc_wall_ms, hlc_logical, node);

-- One seal per commit: the node's signature over its chain head.
CREATE TABLE seals (
    node BLOB NOT NULL,
    seq INTEGER NOT NULL,
    head BLOB NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (node, seq)
) WITHOUT ROWID;
";

/// Tables of the sync, created on open where missing (they arrived after layout 2 and hold no
/// projection). `forks` keeps the evidence of two different events for one place of a chain: the
/// one held, and the other as it came.
pub const SYNC_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS forks (
    node BLOB NOT NULL,
    seq INTEGER NOT NULL,
    held_hash BLOB NOT NULL,
    other_hash BLOB NOT NULL,
    other_event BLOB NOT NULL,
    source TEXT NOT NULL,
    seen_ms INTEGER NOT NULL,
    PRIMARY KEY (node, seq, other_hash)
) WITHOUT ROWID;

-- Batches as they travelled (encrypted, signed by their node), this node's own and those taken
-- in, so that a wiped or new hub can be refilled with the very same bytes: whole, or compactly
-- (header, signature and version vector; `rempart_sync::batch`) when the events held give the
-- same ciphertext back.
CREATE TABLE IF NOT EXISTS sync_batches (
    node BLOB NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (node, first)
) WITHOUT ROWID;

-- Small settings of the sync (hub address, roster length, last successful sync), as text.
CREATE TABLE IF NOT EXISTS sync_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
";

/// The projection tables, each created by the module that owns it.
pub const PROJECTION_SCHEMAS: [&str; 21] = [
    crate::company::SCHEMA,
    crate::ledger::SCHEMA,
    crate::catalogue::SCHEMA,
    crate::invoices::SCHEMA,
    crate::quotes::SCHEMA,
    crate::vehicles::SCHEMA,
    crate::documents::SCHEMA,
    crate::bills::SCHEMA,
    crate::stock::SCHEMA,
    crate::replenish::SCHEMA,
    crate::tills::SCHEMA,
    crate::sales::SCHEMA,
    crate::closures::SCHEMA,
    crate::loyalty::SCHEMA,
    crate::dunning::SCHEMA,
    crate::payments::SCHEMA,
    crate::vat_due::SCHEMA,
    crate::contacts::SCHEMA,
    crate::users::SCHEMA,
    crate::sync::SCHEMA,
    crate::project::SCHEMA,
];

/// Creates every projection table.
pub fn create_projections(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    for schema in PROJECTION_SCHEMAS {
        conn.execute_batch(schema)?;
    }
    Ok(())
}

/// Secondary indexes of the projections, created with the tables. The deferrable ones are
/// dropped during a large import or a rebuild and created again at its end, inside the same
/// transaction: building an index from all rows at once is much faster than growing it row by row
/// at random places. Verify's scratch copy needs none of them.
/// Entries by date come in the order of the journal's pages (`Store::latest_entries` reads the
/// newest from its end; `p_entries_date`, on the date alone, came before).
/// Journal numbers are not unique across nodes: two nodes offline may each number an entry of
/// the same journal alike, which sync brings together and `conflicts` lists.
pub const PROJECTION_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS p_entries_journal_number ON p_entries (journal, series, number);
DROP INDEX IF EXISTS p_entries_date;
CREATE INDEX IF NOT EXISTS p_entries_by_date ON p_entries (date, journal, series, number);
CREATE INDEX IF NOT EXISTS p_entries_reverses ON p_entries (reverses) WHERE reverses IS NOT NULL;
";

pub const DROP_DEFERRABLE_INDEXES: &str = "
DROP INDEX IF EXISTS p_entries_journal_number;
DROP INDEX IF EXISTS p_entries_by_date;
DROP INDEX IF EXISTS p_entries_reverses;
";

/// The indexes a large take-in of other nodes' events builds at its end (`Store::begin_take_in`):
/// those of the entries that nothing reads while events are taken in. The index of reversals
/// stays: the merge of earlier events looks entries up by it. (The tickets' indexes dropped and
/// built at the end made a year of 20 stores' pull no faster: 40,656 against 41,420 events/s,
/// at layout 19.)
pub const DROP_INDEXES_FOR_TAKE_IN: &str = "
DROP INDEX IF EXISTS p_entries_journal_number;
DROP INDEX IF EXISTS p_entries_by_date;
";

/// Each projection table with the ORDER BY that makes its rows canonical.
pub const PROJECTIONS: &[(&str, &str)] = &[
    ("p_company", "key"),
    ("p_company_details", "field"),
    ("p_accounts", "number"),
    ("p_vat_codes", "code"),
    ("p_entries", "id"),
    ("p_postings", "account, date, node, seq, line"),
    ("p_balances", "account, month, currency"),
    ("p_balances_daily", "account, day, currency"),
    ("p_vat_daily", "vat_code, day, account, currency"),
    ("p_journals", "code"),
    ("p_items", "code"),
    ("p_item_labels", "item, lang"),
    ("p_invoices", "id"),
    ("p_invoice_lines", "invoice, line"),
    ("p_invoice_events", "invoice, hlc_wall_ms, hlc_logical, node, seq"),
    ("p_invoice_series", "series"),
    ("p_credit_notes", "number"),
    ("p_quotes", "id"),
    ("p_quote_lines", "quote, line"),
    ("p_vehicle_visits", "document"),
    ("p_archives", "kind, number"),
    ("p_archive_copies", "kind, number, node, seq"),
    ("p_logos", "hash"),
    ("p_bills", "id"),
    ("p_bill_payments", "id"),
    ("p_reminders", "id"),
    ("p_payments", "id"),
    ("p_payment_allocations", "invoice, payment"),
    ("p_vat_awaiting", "invoice, code, by"),
    ("p_users", "user"),
    ("p_contact_field_defs", "name"),
    ("p_contacts", "id"),
    ("p_contact_fields", "contact, field"),
    ("p_contact_history", "contact, hlc_wall_ms, hlc_logical, node, field"),
    ("p_settled_conflicts", "id"),
    ("p_creations", "record, key, node, seq"),
    ("p_entry_duplicates", "id, node, seq"),
    ("p_period_closes", "node, seq"),
    ("p_locations", "code"),
    ("p_skus", "sku"),
    ("p_stock_moves", "id, kind, line"),
    ("p_stock_levels", "location, sku"),
    ("p_stock_costs", "sku, currency"),
    ("p_transfers", "transfer"),
    ("p_transfer_lines", "transfer, line"),
    ("p_transfer_arrivals", "transfer"),
    ("p_purchase_orders", "purchase"),
    ("p_purchase_lines", "purchase, sku"),
    ("p_purchase_received", "purchase, sku, receipt"),
    ("p_tills", "node"),
    ("p_till_series", "node"),
    ("p_tickets", "node, sequence"),
    ("p_till_sessions", "node, session"),
    ("p_ticket_vouchers", "voucher, node, sequence, line"),
    ("p_sales_items", "date, location, sku, vat_code, vat_rate_bp"),
    ("p_sales_rates", "date, location, vat_code, vat_rate_bp"),
    ("p_sales_methods", "date, location, method"),
    ("p_sales_days", "date, location"),
    ("p_till_cash", "id"),
    ("p_closures", "node, number"),
    ("p_loyalty_program", "at_ms, node"),
    ("p_loyalty_cards", "card, node"),
    ("p_loyalty_points", "id"),
    ("p_loyalty_vouchers", "voucher, node"),
];

/// Projection tables of earlier layouts, dropped by a rebuild with the others so that an upgraded
/// database keeps none of their rows: layout 20 reads tickets' lines and payments from their
/// events.
pub const RETIRED_PROJECTIONS: &[&str] = &["p_ticket_lines", "p_ticket_payments"];

pub fn drop_projections_sql() -> String {
    let mut sql = String::new();
    for table in PROJECTIONS.iter().map(|(table, _)| *table).chain(RETIRED_PROJECTIONS.iter().copied()) {
        sql.push_str(&format!("DROP TABLE IF EXISTS {table};\n"));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every projection table a module creates is in the state hash once, and every table the
    /// state hash reads is created: a module's new table cannot be left out of the hash.
    #[test]
    fn every_projection_table_is_created_once_and_hashed() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        create_projections(&conn).unwrap();
        let mut statement = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'p\\_%' ESCAPE '\\' ORDER BY name",
            )
            .unwrap();
        let created: Vec<String> = statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
        let mut hashed: Vec<String> = PROJECTIONS.iter().map(|(table, _)| (*table).to_owned()).collect();
        hashed.sort();
        assert_eq!(created, hashed);
        // Created once: a second module creating a table of the same name fails here.
        let total: usize = PROJECTION_SCHEMAS.iter().map(|schema| schema.matches("CREATE TABLE").count()).sum();
        assert_eq!(total, PROJECTIONS.len());
        assert!(drop_projections_sql().lines().count() == PROJECTIONS.len() + RETIRED_PROJECTIONS.len());
        assert!(RETIRED_PROJECTIONS.iter().all(|retired| !created.iter().any(|table| table == retired)));
    }
}

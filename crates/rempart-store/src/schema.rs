//! The SQLite schema: the log tables (the truth) and the projection tables (derived from the log,
//! dropped and rebuilt at will). Projection tables carry the `p_` prefix; the state hash covers
//! exactly the tables listed in `PROJECTIONS`, in that order.

/// Version of the database layout, recorded in `meta`. A database of a newer layout is refused.
pub const SCHEMA_VERSION: u32 = 5;

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

pub const PROJECTION_SCHEMA: &str = "
CREATE TABLE p_company (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE p_accounts (
    number TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    label_de TEXT,
    label_en TEXT,
    kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    closed INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE p_vat_codes (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    rate_bp INTEGER NOT NULL,
    direction TEXT NOT NULL,
    account TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT
) WITHOUT ROWID;

CREATE TABLE p_entries (
    id TEXT PRIMARY KEY,
    journal TEXT NOT NULL,
    -- The numbering series within the journal: NULL on the node that created the company,
    -- the recording node's short id on the others.
    series TEXT,
    number INTEGER NOT NULL,
    date TEXT NOT NULL,
    validated_on TEXT NOT NULL,
    text TEXT NOT NULL,
    reverses TEXT,
    reversed_by TEXT,
    digest BLOB NOT NULL,
    node BLOB NOT NULL,
    seq INTEGER NOT NULL
) WITHOUT ROWID;

-- Clustered by account and date: a ledger or the totals of part of a month are one range read.
CREATE TABLE p_postings (
    account TEXT NOT NULL,
    date TEXT NOT NULL,
    node BLOB NOT NULL,
    seq INTEGER NOT NULL,
    line INTEGER NOT NULL,
    entry_id TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    vat_code TEXT,
    PRIMARY KEY (account, date, node, seq, line)
) WITHOUT ROWID;

-- Debit and credit totals per account, month (YYYY-MM) and currency, so that reports over years
-- of postings read a few thousand rows; and per day, for the partial months at the edges of a
-- range.
CREATE TABLE p_balances (
    account TEXT NOT NULL,
    month TEXT NOT NULL,
    currency TEXT NOT NULL,
    debit_minor INTEGER NOT NULL,
    credit_minor INTEGER NOT NULL,
    postings INTEGER NOT NULL,
    PRIMARY KEY (account, month, currency)
) WITHOUT ROWID;

CREATE TABLE p_balances_daily (
    account TEXT NOT NULL,
    day TEXT NOT NULL,
    currency TEXT NOT NULL,
    debit_minor INTEGER NOT NULL,
    credit_minor INTEGER NOT NULL,
    postings INTEGER NOT NULL,
    PRIMARY KEY (account, day, currency)
) WITHOUT ROWID;

-- Postings with a VAT code, summed per code, day, account and currency: the VAT return reads
-- these instead of the postings.
CREATE TABLE p_vat_daily (
    vat_code TEXT NOT NULL,
    day TEXT NOT NULL,
    account TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    postings INTEGER NOT NULL,
    PRIMARY KEY (vat_code, day, account, currency)
) WITHOUT ROWID;

-- The catalogue: net prices in minor units of `currency`.
CREATE TABLE p_items (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    unit TEXT NOT NULL,
    price_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    vat_code TEXT NOT NULL,
    account TEXT NOT NULL,
    active INTEGER NOT NULL
) WITHOUT ROWID;

-- Invoices: a draft has no number; issuing sets number, series, sequence, due date and total.
CREATE TABLE p_invoices (
    id TEXT PRIMARY KEY,
    contact TEXT NOT NULL,
    date TEXT NOT NULL,
    currency TEXT NOT NULL,
    cash_rounding INTEGER NOT NULL,
    number TEXT UNIQUE,
    series TEXT,
    sequence INTEGER,
    due_date TEXT,
    gross_minor INTEGER,
    entry_id TEXT,
    -- The last day anything was paid, credited or charged on an invoice whose open amount is
    -- now zero; NULL while something is open. Receivables on a day skip the invoices settled by then.
    settled_on TEXT
) WITHOUT ROWID;
-- A customer's invoices by date, for payments and the receivables of one contact.
CREATE INDEX p_invoices_contact ON p_invoices (contact, date);

CREATE TABLE p_invoice_lines (
    invoice TEXT NOT NULL,
    line INTEGER NOT NULL,
    item TEXT,
    text TEXT NOT NULL,
    quantity_milli INTEGER NOT NULL,
    unit_price_minor INTEGER NOT NULL,
    discount_bp INTEGER NOT NULL,
    vat_code TEXT NOT NULL,
    account TEXT NOT NULL,
    PRIMARY KEY (invoice, line)
) WITHOUT ROWID;

-- Last number issued in each series (one series per node and year).
CREATE TABLE p_invoice_series (
    series TEXT PRIMARY KEY,
    last INTEGER NOT NULL
) WITHOUT ROWID;

-- Credit notes, each against one issued invoice; their lines are in their events.
CREATE TABLE p_credit_notes (
    number TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    invoice TEXT NOT NULL,
    date TEXT NOT NULL,
    series TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    gross_minor INTEGER NOT NULL,
    entry_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX p_credit_notes_invoice ON p_credit_notes (invoice);

-- Supplier bills and their payments.
CREATE TABLE p_bills (
    id TEXT PRIMARY KEY,
    supplier TEXT NOT NULL,
    reference TEXT NOT NULL,
    date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    gross_minor INTEGER NOT NULL,
    entry_id TEXT NOT NULL
) WITHOUT ROWID;
-- Not unique: one device refuses a supplier's reference twice, but two devices apart may each
-- record the same bill; both stand (each posted its entry) and `rempart conflicts` lists them.
CREATE INDEX p_bills_supplier_reference ON p_bills (supplier, reference);

CREATE TABLE p_bill_payments (
    id TEXT PRIMARY KEY,
    bill TEXT NOT NULL,
    date TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    account TEXT NOT NULL,
    entry_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX p_bill_payments_bill ON p_bill_payments (bill);

-- Reminders sent for invoices, with the fee each adds to what the customer owes.
CREATE TABLE p_reminders (
    id TEXT PRIMARY KEY,
    invoice TEXT NOT NULL,
    level INTEGER NOT NULL,
    date TEXT NOT NULL,
    fee_minor INTEGER NOT NULL,
    entry_id TEXT
) WITHOUT ROWID;
CREATE INDEX p_reminders_invoice ON p_reminders (invoice, level);

-- Customer payments and how they were allocated to invoices; `unallocated_minor` is a credit
-- in the customer's favour.
CREATE TABLE p_payments (
    id TEXT PRIMARY KEY,
    contact TEXT NOT NULL,
    date TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    account TEXT NOT NULL,
    unallocated_minor INTEGER NOT NULL,
    entry_id TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE p_payment_allocations (
    invoice TEXT NOT NULL,
    payment TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (invoice, payment)
) WITHOUT ROWID;

-- The company's details: one last-writer-wins field each, as for contacts.
CREATE TABLE p_company_details (
    field TEXT PRIMARY KEY,
    value TEXT,
    hlc_wall_ms INTEGER NOT NULL,
    hlc_logical INTEGER NOT NULL,
    node BLOB NOT NULL
) WITHOUT ROWID;

-- Contact fields defined by the company (x.NAME, RECORD.NAME).
CREATE TABLE p_contact_field_defs (
    name TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    kind TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE p_contacts (
    id TEXT PRIMARY KEY,
    node BLOB NOT NULL,
    seq INTEGER NOT NULL
) WITHOUT ROWID;

-- Each field of each contact: the value written under the greatest (HLC, node) stamp; a cleared
-- field keeps its stamp with an empty value, so that an older write cannot bring it back.
CREATE TABLE p_contact_fields (
    contact TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT,
    hlc_wall_ms INTEGER NOT NULL,
    hlc_logical INTEGER NOT NULL,
    node BLOB NOT NULL,
    PRIMARY KEY (contact, field)
) WITHOUT ROWID;

-- Every write to every field, winning or not: the contact's history.
CREATE TABLE p_contact_history (
    contact TEXT NOT NULL,
    hlc_wall_ms INTEGER NOT NULL,
    hlc_logical INTEGER NOT NULL,
    node BLOB NOT NULL,
    field TEXT NOT NULL,
    value TEXT,
    seq INTEGER NOT NULL,
    -- The stamps of the values this write replaced where it was recorded (`ContactEdited::base`),
    -- comma-separated, empty text for none, NULL when the event does not say.
    base TEXT,
    PRIMARY KEY (contact, hlc_wall_ms, hlc_logical, node, field)
) WITHOUT ROWID;

-- Every creation of a record under a key people choose, from every node, with the BLAKE3 of
-- what it said: the same key created with other content on another node is a conflict
-- (`record` is account, vat_code, item, contact_field or contact).
CREATE TABLE p_creations (
    record TEXT NOT NULL,
    key TEXT NOT NULL,
    node BLOB NOT NULL,
    seq INTEGER NOT NULL,
    digest BLOB NOT NULL,
    PRIMARY KEY (record, key, node, seq)
) WITHOUT ROWID;

-- Entries whose id another node had recorded first (in merge order): not counted, listed.
CREATE TABLE p_entry_duplicates (
    id TEXT NOT NULL,
    node BLOB NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (id, node, seq)
) WITHOUT ROWID;

-- Every period close with what its node held of each chain then (`PeriodClosed::seen`, JSON).
CREATE TABLE p_period_closes (
    node BLOB NOT NULL,
    seq INTEGER NOT NULL,
    hlc_wall_ms INTEGER NOT NULL,
    hlc_logical INTEGER NOT NULL,
    until TEXT NOT NULL,
    seen TEXT NOT NULL,
    PRIMARY KEY (node, seq)
) WITHOUT ROWID;

-- Conflicts between devices a person settled (`rempart conflicts --settle`), by id.
CREATE TABLE p_settled_conflicts (
    id TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE TABLE p_journals (
    code TEXT PRIMARY KEY,
    last_number INTEGER NOT NULL
) WITHOUT ROWID;
";

/// Secondary indexes of the projections, created with the tables. The deferrable ones are
/// dropped during a large import or a rebuild and created again at its end, inside the same
/// transaction: building an index from all rows at once is much faster than growing it row by row
/// at random places. Verify's scratch copy needs none of them.
/// Journal numbers are not unique across nodes: two nodes offline may each number an entry of
/// the same journal alike, which sync brings together and `conflicts` lists.
pub const PROJECTION_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS p_entries_journal_number ON p_entries (journal, series, number);
CREATE INDEX IF NOT EXISTS p_entries_date ON p_entries (date);
CREATE INDEX IF NOT EXISTS p_entries_reverses ON p_entries (reverses) WHERE reverses IS NOT NULL;
";

pub const DROP_DEFERRABLE_INDEXES: &str = "
DROP INDEX IF EXISTS p_entries_journal_number;
DROP INDEX IF EXISTS p_entries_date;
DROP INDEX IF EXISTS p_entries_reverses;
";

/// The indexes a large take-in of other nodes' events builds at its end (`Store::begin_take_in`):
/// those of the entries that nothing reads while events are taken in. The index of reversals
/// stays: the merge of earlier events looks entries up by it.
pub const DROP_INDEXES_FOR_TAKE_IN: &str = "
DROP INDEX IF EXISTS p_entries_journal_number;
DROP INDEX IF EXISTS p_entries_date;
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
    ("p_invoices", "id"),
    ("p_invoice_lines", "invoice, line"),
    ("p_invoice_series", "series"),
    ("p_credit_notes", "number"),
    ("p_bills", "id"),
    ("p_bill_payments", "id"),
    ("p_reminders", "id"),
    ("p_payments", "id"),
    ("p_payment_allocations", "invoice, payment"),
    ("p_contact_field_defs", "name"),
    ("p_contacts", "id"),
    ("p_contact_fields", "contact, field"),
    ("p_contact_history", "contact, hlc_wall_ms, hlc_logical, node, field"),
    ("p_settled_conflicts", "id"),
    ("p_creations", "record, key, node, seq"),
    ("p_entry_duplicates", "id, node, seq"),
    ("p_period_closes", "node, seq"),
];

pub fn drop_projections_sql() -> String {
    let mut sql = String::new();
    for (table, _) in PROJECTIONS {
        sql.push_str(&format!("DROP TABLE IF EXISTS {table};\n"));
    }
    sql
}

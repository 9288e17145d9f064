//! The ledger: accounts, entries (one, a whole import, a reversal), the closing of periods,
//! and the books' state read back from the projections.

use chrono::NaiveDate;
use rempart_domain::CompanyCreated;
use rempart_domain::{
    Account, AccountEdited, AccountOpened, Country, Currency, EntryDraft, EntryPosted, Fact, LedgerError, LedgerState,
    PeriodClosed,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::Damage;
use crate::project::entry_digest;
use crate::project::{Origin, date_text, note_creation};
use crate::{BULK_ENTRIES_MIN, Store, StoreError, date_of_ms, schema};
use rempart_domain::VatCode;

/// An account as listed, with its German and English labels where the chart has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountListing {
    pub account: Account,
    pub label_de: Option<String>,
    pub label_en: Option<String>,
}

/// Counts of what an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOutcome {
    pub recorded: u64,
    /// Entries whose id was already recorded with the same content (a re-import).
    pub already_present: u64,
}

/// Reads an account from the first five columns of a row: number, label, kind, currency, closed.
pub(crate) fn account_from_row(row: &rusqlite::Row<'_>) -> Result<Account, rusqlite::Error> {
    let bad = |what: &str| rusqlite::Error::InvalidColumnName(what.to_owned());
    let kind: String = row.get(2)?;
    let currency: String = row.get(3)?;
    Ok(Account {
        number: row.get(0)?,
        label: row.get(1)?,
        kind: kind.parse().map_err(|_| bad("kind"))?,
        currency: currency.parse().map_err(|_| bad("currency"))?,
        closed: row.get(4)?,
    })
}

/// Reads the rules' state from the projections.
pub(crate) fn load_state(conn: &Connection) -> Result<LedgerState, rusqlite::Error> {
    let mut state = LedgerState::default();
    let company_value = |key: &str| -> Result<Option<String>, rusqlite::Error> {
        conn.query_row("SELECT value FROM p_company WHERE key = ?1", [key], |row| row.get(0)).optional()
    };
    let bad = |what: &str| rusqlite::Error::InvalidColumnName(what.to_owned());
    if let Some(name) = company_value("name")? {
        let country: Country =
            company_value("country")?.ok_or_else(|| bad("country"))?.parse().map_err(|_| bad("country"))?;
        let currency: Currency =
            company_value("currency")?.ok_or_else(|| bad("currency"))?.parse().map_err(|_| bad("currency"))?;
        let fiscal_year_start_month = company_value("fiscal_year_start_month")?
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| bad("fiscal_year_start_month"))?;
        state.company = Some(CompanyCreated { name, country, currency, fiscal_year_start_month });
    }
    if let Some(until) = company_value("closed_until")? {
        state.closed_until = Some(rempart_domain::rules::parse_date(&until).map_err(|_| bad("closed_until"))?);
    }
    let mut accounts = conn.prepare("SELECT number, label, kind, currency, closed FROM p_accounts")?;
    for row in accounts.query_map([], account_from_row)? {
        let account = row?;
        state.accounts.insert(account.number.clone(), account);
    }
    let mut vat =
        conn.prepare("SELECT code, label, rate_bp, direction, account, valid_from, valid_until FROM p_vat_codes")?;
    for row in vat.query_map([], |row| {
        let direction: String = row.get(3)?;
        let valid_from: String = row.get(5)?;
        let valid_until: Option<String> = row.get(6)?;
        let date = |text: &str| rempart_domain::rules::parse_date(text).map_err(|_| bad("valid_from"));
        Ok(rempart_domain::VatCode {
            code: row.get(0)?,
            label: row.get(1)?,
            rate_bp: row.get(2)?,
            direction: if direction == "input" {
                rempart_domain::VatDirection::Input
            } else {
                rempart_domain::VatDirection::Output
            },
            account: row.get(4)?,
            valid_from: date(&valid_from)?,
            valid_until: valid_until.as_deref().map(date).transpose()?,
        })
    })? {
        let code = row?;
        state.vat_codes.insert(code.code.clone(), code);
    }
    let mut fields = conn.prepare("SELECT name, label, kind FROM p_contact_field_defs")?;
    for row in fields.query_map([], |row| {
        let kind: String = row.get(2)?;
        Ok(rempart_domain::contacts::ContactFieldDefined {
            name: row.get(0)?,
            label: row.get(1)?,
            kind: kind.parse().map_err(|_| bad("kind"))?,
        })
    })? {
        let field = row?;
        state.contact_fields.insert(field.name.clone(), field);
    }
    let mut series = conn.prepare("SELECT series, last FROM p_invoice_series")?;
    for row in series.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))? {
        let (name, last) = row?;
        state.invoice_series_last.insert(name, last as u64);
    }
    let mut journals = conn.prepare("SELECT code, last_number FROM p_journals")?;
    for row in journals.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))? {
        let (code, last) = row?;
        state.journal_last_number.insert(code, last as u64);
    }
    crate::tills::load_into(conn, &mut state)?;
    Ok(state)
}

impl Store {
    pub fn open_account(&mut self, account: AccountOpened) -> Result<(), StoreError> {
        self.commit(|commit| {
            commit.state.check_account_opened(&account)?;
            commit.record(Fact::AccountOpened(account))
        })
    }

    pub fn edit_account(&mut self, edit: AccountEdited) -> Result<(), StoreError> {
        self.commit(|commit| {
            commit.state.check_account_edited(&edit)?;
            commit.record(Fact::AccountEdited(edit))
        })
    }

    pub fn close_period(&mut self, until: NaiveDate) -> Result<(), StoreError> {
        // What this node held when it closed: entries of the span recorded elsewhere and not
        // among them are listed as conflicts once they arrive.
        let seen = self
            .version_vector()?
            .0
            .into_iter()
            .map(|(node, head)| (hex::encode(node.as_bytes()), head.seq.0))
            .collect();
        self.commit(|commit| {
            commit.state.check_period_close(until)?;
            commit.record(Fact::PeriodClosed(PeriodClosed { until, seen }))
        })
    }

    /// Records entries all-or-nothing. An entry whose id is already recorded with the same
    /// content is skipped (ids are idempotency keys); with other content it is refused.
    pub fn post_entries(
        &mut self,
        drafts: &[EntryDraft],
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportOutcome, StoreError> {
        // A large import into smaller books grows the secondary indexes faster by building them
        // once at the end.
        let bulk = drafts.len() >= BULK_ENTRIES_MIN && drafts.len() as u64 >= self.head.seq.0 / 2;
        // As every commit, a large one is acknowledged once its WAL frames are durable; the
        // checkpointer copies them into the database file afterwards.
        self.commit(|commit| {
            if bulk {
                commit.conn.execute_batch(schema::DROP_DEFERRABLE_INDEXES)?;
            }
            let mut outcome = ImportOutcome::default();
            let validated_on = date_of_ms(commit.now_ms);
            for (index, draft) in drafts.iter().enumerate() {
                let position = index + 1;
                let at = |source: LedgerError| StoreError::Entry { position, id: draft.id.clone(), source };
                if let Some(digest) = commit.entry_digest(&draft.id)? {
                    let entry = commit.state.read_entry(draft, validated_on).map_err(at)?;
                    if entry_digest(&entry) != digest {
                        return Err(at(LedgerError::EntryIdConflict { id: draft.id.clone() }));
                    }
                    outcome.already_present += 1;
                } else {
                    let entry = commit.state.prepare_entry(draft, validated_on).map_err(at)?;
                    commit.record(Fact::EntryPosted(entry))?;
                    outcome.recorded += 1;
                }
                if position % 1000 == 0 {
                    progress(position as u64);
                }
            }
            progress(drafts.len() as u64);
            if bulk {
                commit.conn.execute_batch(schema::PROJECTION_INDEXES)?;
            }
            Ok(outcome)
        })
    }

    /// Records the reversal of entry `id`, dated `date` (by default the original's date).
    pub fn reverse_entry(&mut self, id: &str, date: Option<NaiveDate>) -> Result<EntryPosted, StoreError> {
        let reversal_id = self.new_entry_id();
        self.commit(|commit| {
            let row: Option<(Option<String>, Vec<u8>, i64)> = commit
                .conn
                .query_row("SELECT reversed_by, node, seq FROM p_entries WHERE id = ?1", [id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            let (reversed_by, node, seq) = row.ok_or_else(|| LedgerError::UnknownEntry { id: id.to_owned() })?;
            if let Some(by) = reversed_by {
                return Err(LedgerError::AlreadyReversed { id: id.to_owned(), by }.into());
            }
            let (kind, payload): (String, Vec<u8>) = commit.conn.query_row(
                "SELECT kind, payload FROM events WHERE node = ?1 AND seq = ?2",
                params![node, seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            let Some(Fact::EntryPosted(original)) = Fact::from_payload(&kind, &payload)? else {
                return Err(Damage::EntryWithoutEvent { id: id.to_owned() }.into());
            };
            let validated_on = date_of_ms(commit.now_ms);
            let reversal =
                commit.state.prepare_reversal(&original, reversal_id, date.unwrap_or(original.date), validated_on)?;
            commit.record(Fact::EntryPosted(reversal.clone()))?;
            Ok(reversal)
        })
    }

    /// An entry's journal and number as people read them: the number after its series, if any.
    pub fn entry_number(&self, id: &str) -> Result<(String, String), StoreError> {
        let (journal, series, number): (String, Option<String>, i64) =
            self.conn.query_row("SELECT journal, series, number FROM p_entries WHERE id = ?1", [id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?;
        Ok((journal, rempart_domain::entry_number_text(series.as_deref(), number as u64)))
    }

    /// The chart of accounts in number order, with the German and English labels.
    pub fn accounts(&self) -> Result<Vec<AccountListing>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT number, label, kind, currency, closed, label_de, label_en FROM p_accounts ORDER BY number",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(AccountListing { account: account_from_row(row)?, label_de: row.get(5)?, label_en: row.get(6)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Projects a `AccountOpened` fact.
pub(crate) fn project_account_opened(
    conn: &Connection,
    origin: Origin,
    fact: &Fact,
    opened: &AccountOpened,
) -> Result<(), StoreError> {
    note_creation(conn, "account", &opened.number, origin, fact)?;
    conn.prepare_cached(
        // A number opened on two nodes apart: the first in merge order stands.
        "INSERT INTO p_accounts (number, label, label_de, label_en, kind, currency, closed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)
         ON CONFLICT (number) DO NOTHING",
    )?
    .execute(params![
        opened.number,
        opened.label,
        opened.label_de,
        opened.label_en,
        opened.kind.as_str(),
        opened.currency.as_str()
    ])?;

    Ok(())
}

/// Projects a `AccountEdited` fact.
pub(crate) fn project_account_edited(conn: &Connection, edit: &AccountEdited) -> Result<(), StoreError> {
    if let Some(label) = &edit.label {
        conn.prepare_cached("UPDATE p_accounts SET label = ?2 WHERE number = ?1")?
            .execute(params![edit.number, label])?;
    }
    if let Some(closed) = edit.closed {
        conn.prepare_cached("UPDATE p_accounts SET closed = ?2 WHERE number = ?1")?
            .execute(params![edit.number, closed])?;
    }

    Ok(())
}

/// Projects a `VatCode` fact.
pub(crate) fn project_vat_code_defined(
    conn: &Connection,
    origin: Origin,
    fact: &Fact,
    vat: &VatCode,
) -> Result<(), StoreError> {
    note_creation(conn, "vat_code", &vat.code, origin, fact)?;
    conn.prepare_cached(
        "INSERT INTO p_vat_codes (code, label, rate_bp, direction, account, valid_from, valid_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (code) DO NOTHING",
    )?
    .execute(params![
        vat.code,
        vat.label,
        vat.rate_bp,
        vat.direction.as_str(),
        vat.account,
        date_text(vat.valid_from),
        vat.valid_until.map(date_text)
    ])?;

    Ok(())
}

/// Projects a `PeriodClosed` fact.
pub(crate) fn project_period_closed(
    conn: &Connection,
    origin: Origin,
    state: &LedgerState,
    closed: &PeriodClosed,
) -> Result<(), StoreError> {
    let seen = serde_json::to_string(&closed.seen).expect("a map of strings to numbers serialises");
    conn.prepare_cached(
        "INSERT OR IGNORE INTO p_period_closes (node, seq, hlc_wall_ms, hlc_logical, until, seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        &origin.node.as_bytes()[..],
        origin.seq.0 as i64,
        origin.hlc.wall_ms as i64,
        origin.hlc.logical,
        date_text(closed.until),
        seen
    ])?;
    let until = state.closed_until.map_or(closed.until, |current| current.max(closed.until));
    conn.prepare_cached("INSERT OR REPLACE INTO p_company (key, value) VALUES ('closed_until', ?1)")?
        .execute(params![date_text(until)])?;

    Ok(())
}

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub(crate) const SCHEMA: &str = "
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

CREATE TABLE p_journals (
    code TEXT PRIMARY KEY,
    last_number INTEGER NOT NULL
) WITHOUT ROWID;
";

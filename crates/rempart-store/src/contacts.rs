//! Contacts: recording edits (checked by the domain) and reading the current fields, the list,
//! a search and the history of a contact from the projections.

use std::collections::BTreeMap;

use rempart_domain::Fact;
use rempart_domain::contacts::{
    ContactCreated, ContactEdited, ContactError, ContactFieldDefined, check_contact_id, check_edit,
    check_new_field_name, normalise_edit,
};
use rusqlite::params;

use crate::project::{Origin, note_creation};
use crate::{Store, StoreError};
use rusqlite::Connection;

/// One write to one field of a contact, as the history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldWrite {
    pub wall_ms: u64,
    pub node_short: String,
    pub field: String,
    pub value: Option<String>,
    /// Whether this write is the field's current value.
    pub current: bool,
}

/// A contact's current fields; cleared fields are left out.
pub type Fields = BTreeMap<String, String>;

impl From<ContactError> for StoreError {
    fn from(error: ContactError) -> StoreError {
        StoreError::Contact(error)
    }
}

impl Store {
    /// Adds a field to the company's contacts, such as `vehicle.plate` or `x.loyalty_code`.
    pub fn define_contact_field(&mut self, field: ContactFieldDefined) -> Result<(), StoreError> {
        check_new_field_name(&field.name)?;
        if field.label.trim().is_empty() {
            return Err(ContactError::BadValue {
                field: field.name,
                value: String::new(),
                reason: rempart_domain::contacts::ValueProblem::EmptyLabel,
            }
            .into());
        }
        if self.state.contact_fields.contains_key(&field.name) {
            return Err(ContactError::FieldExists { name: field.name }.into());
        }
        self.commit(|commit| commit.record(Fact::ContactFieldDefined(field)))
    }

    fn contact_exists(&self, id: &str) -> Result<bool, StoreError> {
        contact_exists(&self.conn, id)
    }

    /// How this node numbers the customers it creates (`crate::invoices::Numbering`): `17` on
    /// the node that created the company, `B-17` on the device of series B, so that two devices
    /// apart never give one number twice; a device without a series draws its ids at random.
    fn contact_numbering(&self) -> Result<ContactNumber, StoreError> {
        Ok(match self.numbering()? {
            crate::invoices::Numbering::First => ContactNumber::Series(String::new()),
            crate::invoices::Numbering::Prefixed(prefix) => ContactNumber::Series(format!("{prefix}-")),
            crate::invoices::Numbering::ByDevice(_) => {
                ContactNumber::Given(format!("C-{}", hex::encode(self.random_bytes::<5>())))
            }
        })
    }

    /// Creates a contact with its first fields (a name at least); returns its id. The number is
    /// taken inside the commit, under the write lock: two handles on one data directory (the
    /// app's pages and its sync, a command beside the server) never give it twice.
    pub fn create_contact(
        &mut self,
        id: Option<String>,
        mut fields: BTreeMap<String, Option<String>>,
    ) -> Result<String, StoreError> {
        normalise_edit(&mut fields);
        let number = match id {
            Some(id) => {
                check_contact_id(&id)?;
                ContactNumber::Given(id)
            }
            None => self.contact_numbering()?,
        };
        if !fields.get("name").is_some_and(Option::is_some) {
            return Err(ContactError::NameMissing.into());
        }
        check_edit(&self.state.contact_fields, &fields)?;
        if let ContactNumber::Given(id) = &number
            && self.contact_exists(id)?
        {
            return Err(ContactError::ContactExists { id: id.clone() }.into());
        }
        // A new contact's fields replace nothing.
        let base = fields.keys().map(|field| (field.clone(), String::new())).collect();
        self.commit(|commit| {
            let id = match number {
                ContactNumber::Given(id) => id,
                ContactNumber::Series(prefix) => next_contact_number(commit.conn, &prefix)?,
            };
            if contact_exists(commit.conn, &id)? {
                return Err(ContactError::ContactExists { id }.into());
            }
            commit.record(Fact::ContactCreated(ContactCreated { id: id.clone() }))?;
            commit.record(Fact::ContactEdited(ContactEdited { id: id.clone(), fields, base }))?;
            Ok(id)
        })
    }

    /// Sets and clears fields of a contact; each field is its own last-writer-wins register.
    pub fn edit_contact(&mut self, id: &str, mut fields: BTreeMap<String, Option<String>>) -> Result<(), StoreError> {
        normalise_edit(&mut fields);
        check_edit(&self.state.contact_fields, &fields)?;
        if !self.contact_exists(id)? {
            return Err(ContactError::UnknownContact { id: id.to_owned() }.into());
        }
        let base = self.field_stamps(id, &fields)?;
        self.commit(|commit| commit.record(Fact::ContactEdited(ContactEdited { id: id.to_owned(), fields, base })))
    }

    /// What each field's new value replaces as this node holds it (`ContactEdited::base`): the
    /// stamps (clock and node) of the field's writes that no other write it holds replaced,
    /// comma-separated in order; several after two devices wrote the field apart, and the new
    /// value settles them all. Empty text for a field never written.
    fn field_stamps(
        &self,
        id: &str,
        fields: &BTreeMap<String, Option<String>>,
    ) -> Result<BTreeMap<String, String>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT hlc_wall_ms || '.' || hlc_logical || '.' || lower(hex(node)), base FROM p_contact_history
             WHERE contact = ?1 AND field = ?2 ORDER BY hlc_wall_ms, hlc_logical, node",
        )?;
        let mut stamps = BTreeMap::new();
        for field in fields.keys() {
            let writes: Vec<(String, Option<String>)> = statement
                .query_map(params![id, field], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?;
            stamps.insert(field.clone(), crate::sync::unreplaced(&writes).join(","));
        }
        Ok(stamps)
    }

    /// The current fields of a contact.
    pub fn contact(&self, id: &str) -> Result<Fields, StoreError> {
        if !self.contact_exists(id)? {
            return Err(ContactError::UnknownContact { id: id.to_owned() }.into());
        }
        let mut statement = self.conn.prepare_cached(
            "SELECT field, value FROM p_contact_fields WHERE contact = ?1 AND value IS NOT NULL ORDER BY field",
        )?;
        let rows = statement.query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The contact a person names: by its number (or id), else by its name, ignoring the spaces
    /// around it and the case of its letters. A name several contacts share is refused with
    /// their numbers, so that the person can name one; a name no one has, as an unknown contact.
    pub fn find_contact(&self, typed: &str) -> Result<String, StoreError> {
        let typed = typed.trim();
        if self.contact_exists(typed)? {
            return Ok(typed.to_owned());
        }
        let wanted = typed.to_lowercase();
        let found: Vec<String> = self
            .contact_names()?
            .into_iter()
            .filter(|(_, name)| name.trim().to_lowercase() == wanted)
            .map(|(id, _)| id)
            .collect();
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(ContactError::UnknownContact { id: typed.to_owned() }.into()),
            _ => Err(ContactError::AmbiguousName { name: typed.to_owned(), numbers: found }.into()),
        }
    }

    /// Every contact's name, by number (or id).
    pub fn contact_names(&self) -> Result<BTreeMap<String, String>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT contact, value FROM p_contact_fields WHERE field = 'name' AND value IS NOT NULL")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every contact with its current fields, by id; with `search`, only those with a field that
    /// contains it, ignoring spaces and the case of ASCII letters (a plate typed `vd123456` finds
    /// `VD 123 456`).
    pub fn contacts(&self, search: Option<&str>) -> Result<Vec<(String, Fields)>, StoreError> {
        let pattern = search.map(|text| {
            let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
        });
        let mut statement = self.conn.prepare_cached(
            "SELECT f.contact, f.field, f.value FROM p_contact_fields f
             WHERE f.value IS NOT NULL AND (?1 IS NULL OR f.contact IN
                 (SELECT contact FROM p_contact_fields WHERE replace(value, ' ', '') LIKE ?1 ESCAPE '\\'))
             ORDER BY f.contact, f.field",
        )?;
        let mut rows = statement.query(params![pattern])?;
        let mut out: Vec<(String, Fields)> = Vec::new();
        while let Some(row) = rows.next()? {
            let contact: String = row.get(0)?;
            if out.last().is_none_or(|(last, _)| *last != contact) {
                out.push((contact, Fields::new()));
            }
            if let Some((_, fields)) = out.last_mut() {
                fields.insert(row.get(1)?, row.get(2)?);
            }
        }
        Ok(out)
    }

    /// Every write to the contact's fields in (HLC, node) order, overwritten ones included.
    pub fn contact_history(&self, id: &str) -> Result<Vec<FieldWrite>, StoreError> {
        if !self.contact_exists(id)? {
            return Err(ContactError::UnknownContact { id: id.to_owned() }.into());
        }
        let mut statement = self.conn.prepare_cached(
            "SELECT h.hlc_wall_ms, h.node, h.field, h.value,
                    (f.hlc_wall_ms = h.hlc_wall_ms AND f.hlc_logical = h.hlc_logical AND f.node = h.node)
             FROM p_contact_history h JOIN p_contact_fields f ON f.contact = h.contact AND f.field = h.field
             WHERE h.contact = ?1 ORDER BY h.hlc_wall_ms, h.hlc_logical, h.node, h.field",
        )?;
        let rows = statement.query_map([id], |row| {
            let node: Vec<u8> = row.get(1)?;
            Ok(FieldWrite {
                wall_ms: row.get::<_, i64>(0)? as u64,
                node_short: hex::encode(&node[..node.len().min(4)]),
                field: row.get(2)?,
                value: row.get(3)?,
                current: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The company's own contact fields.
    pub fn contact_field_definitions(&self) -> Vec<ContactFieldDefined> {
        let mut fields: Vec<ContactFieldDefined> = self.state.contact_fields.values().cloned().collect();
        fields.sort_by(|a, b| a.name.cmp(&b.name));
        fields
    }
}

/// Reads `FIELD=VALUE` arguments into writes.
pub fn parse_assignments(sets: &[String], clears: &[String]) -> Result<BTreeMap<String, Option<String>>, StoreError> {
    let mut fields = BTreeMap::new();
    for set in sets {
        let (name, value) = set.split_once('=').ok_or_else(|| ContactError::BadValue {
            field: set.clone(),
            value: String::new(),
            reason: rempart_domain::contacts::ValueProblem::Assignment,
        })?;
        fields.insert(name.trim().to_owned(), Some(value.to_owned()));
    }
    for name in clears {
        fields.insert(name.trim().to_owned(), None);
    }
    Ok(fields)
}

/// Projects a `ContactFieldDefined` fact.
pub(crate) fn project_contact_field_defined(
    conn: &Connection,
    origin: Origin,
    fact: &Fact,
    field: &ContactFieldDefined,
) -> Result<(), StoreError> {
    note_creation(conn, "contact_field", &field.name, origin, fact)?;
    conn.prepare_cached(
        "INSERT INTO p_contact_field_defs (name, label, kind) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
    )?
    .execute(params![field.name, field.label, field.kind.as_str()])?;

    Ok(())
}

/// Projects a `ContactCreated` fact.
pub(crate) fn project_contact_created(
    conn: &Connection,
    origin: Origin,
    fact: &Fact,
    contact: &ContactCreated,
) -> Result<(), StoreError> {
    note_creation(conn, "contact", &contact.id, origin, fact)?;
    conn.prepare_cached("INSERT OR IGNORE INTO p_contacts (id, node, seq) VALUES (?1, ?2, ?3)")?.execute(params![
        contact.id,
        &origin.node.as_bytes()[..],
        origin.seq.0 as i64
    ])?;

    Ok(())
}

/// Projects a `ContactEdited` fact.
pub(crate) fn project_contact_edited(
    conn: &Connection,
    origin: Origin,
    edit: &ContactEdited,
) -> Result<(), StoreError> {
    let node = &origin.node.as_bytes()[..];
    let (wall_ms, logical) = (origin.hlc.wall_ms as i64, origin.hlc.logical);
    // The stamp decides, not the order of arrival: a write older than the field's
    // current one is kept in the history only.
    let mut write = conn.prepare_cached(
        "INSERT INTO p_contact_fields (contact, field, value, hlc_wall_ms, hlc_logical, node)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (contact, field) DO UPDATE SET
             value = excluded.value, hlc_wall_ms = excluded.hlc_wall_ms,
             hlc_logical = excluded.hlc_logical, node = excluded.node
         WHERE (excluded.hlc_wall_ms, excluded.hlc_logical, excluded.node)
             > (p_contact_fields.hlc_wall_ms, p_contact_fields.hlc_logical, p_contact_fields.node)",
    )?;
    let mut history = conn.prepare_cached(
        "INSERT OR IGNORE INTO p_contact_history (contact, hlc_wall_ms, hlc_logical, node, field, value, seq, base)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (field, value) in &edit.fields {
        write.execute(params![edit.id, field, value, wall_ms, logical, node])?;
        let base = edit.base.get(field);
        history.execute(params![edit.id, wall_ms, logical, node, field, value, origin.seq.0 as i64, base])?;
    }

    Ok(())
}

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub(crate) const SCHEMA: &str = "
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
";

/// How a new contact gets its id.
enum ContactNumber {
    /// This id: typed, or drawn at random.
    Given(String),
    /// The next number after this prefix (`B-`, or none).
    Series(String),
}

pub(crate) fn contact_exists(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("SELECT 1 FROM p_contacts WHERE id = ?1")?.exists([id])?)
}

/// The next customer number after `prefix`: one past the highest number of the series held
/// (digits only after the prefix, at most 15 of them: an id typed elsewhere with more is no
/// number of ours), past any id typed meanwhile that took it.
fn next_contact_number(conn: &Connection, prefix: &str) -> Result<String, StoreError> {
    let last: Option<i64> = conn.query_row(
        "SELECT max(CAST(substr(id, ?2) AS INTEGER)) FROM p_contacts
         WHERE id GLOB ?1 AND substr(id, ?2) NOT GLOB '*[^0-9]*' AND length(id) < ?2 + 15",
        params![format!("{prefix}[1-9]*"), prefix.len() as i64 + 1],
        |row| row.get(0),
    )?;
    let mut next = last.unwrap_or(0).saturating_add(1);
    // A number beyond the series' digits, typed as an id, is passed over.
    while contact_exists(conn, &format!("{prefix}{next}"))? {
        next = next.saturating_add(1);
    }
    Ok(format!("{prefix}{next}"))
}

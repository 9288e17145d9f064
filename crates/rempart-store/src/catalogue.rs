//! The catalogue: recording items (checked by the domain) and listing them.

use rempart_domain::catalogue::{ItemDefined, ItemEdited, ItemError, check_item, check_item_edit};
use rempart_domain::{Currency, Fact};
use rusqlite::OptionalExtension;

use crate::project::stored_currency;
use crate::project::{Origin, note_creation};
use crate::{Store, StoreError};
use rusqlite::{Connection, params};

/// An item as the catalogue lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub code: String,
    pub label: String,
    pub unit: String,
    pub price_minor: i64,
    pub currency: Currency,
    pub vat_code: String,
    pub account: String,
    pub active: bool,
    /// The label in other languages, by language code.
    pub labels: std::collections::BTreeMap<String, String>,
}

impl Item {
    /// The label a customer of language `lang` reads (the item's own where none is given in it).
    pub fn label_in(&self, lang: Option<&str>) -> &str {
        lang.and_then(|lang| self.labels.get(lang)).map_or(self.label.as_str(), String::as_str)
    }
}

impl From<ItemError> for StoreError {
    fn from(error: ItemError) -> StoreError {
        StoreError::Item(error)
    }
}

impl Store {
    fn item_exists(&self, code: &str) -> Result<bool, StoreError> {
        Ok(self.conn.query_row("SELECT 1 FROM p_items WHERE code = ?1", [code], |_| Ok(())).optional()?.is_some())
    }

    pub fn define_item(&mut self, item: ItemDefined) -> Result<(), StoreError> {
        check_item(&self.state, &item)?;
        if self.item_exists(&item.code)? {
            return Err(ItemError::Exists { code: item.code }.into());
        }
        self.commit(|commit| commit.record(Fact::ItemDefined(item)))
    }

    pub fn edit_item(&mut self, edit: ItemEdited) -> Result<(), StoreError> {
        check_item_edit(&self.state, &edit)?;
        if !self.item_exists(&edit.code)? {
            return Err(ItemError::Unknown { code: edit.code }.into());
        }
        self.commit(|commit| commit.record(Fact::ItemEdited(edit)))
    }

    /// The catalogue in code order, inactive items included.
    pub fn items(&self) -> Result<Vec<Item>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT code, label, unit, price_minor, currency, vat_code, account, active FROM p_items ORDER BY code",
        )?;
        let rows = statement.query_map([], |row| {
            let currency: String = row.get(4)?;
            Ok((
                Item {
                    code: row.get(0)?,
                    label: row.get(1)?,
                    unit: row.get(2)?,
                    price_minor: row.get(3)?,
                    currency: Currency::CHF,
                    vat_code: row.get(5)?,
                    account: row.get(6)?,
                    active: row.get(7)?,
                    labels: Default::default(),
                },
                currency,
            ))
        })?;
        let mut items = Vec::new();
        for row in rows {
            let (mut item, currency) = row?;
            item.currency = stored_currency(&currency)?;
            items.push(item);
        }
        let mut labels = self.conn.prepare_cached("SELECT item, lang, label FROM p_item_labels ORDER BY item, lang")?;
        for row in labels.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?)))? {
            let (code, lang, label) = row?;
            if let Some(item) = items.iter_mut().find(|item| item.code == code) {
                item.labels.insert(lang, label);
            }
        }
        Ok(items)
    }
}

/// Projects a `ItemDefined` fact.
pub(crate) fn project_item_defined(
    conn: &Connection,
    origin: Origin,
    fact: &Fact,
    item: &ItemDefined,
) -> Result<(), StoreError> {
    note_creation(conn, "item", &item.code, origin, fact)?;
    conn.prepare_cached(
        "INSERT INTO p_items (code, label, unit, price_minor, currency, vat_code, account, active)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1) ON CONFLICT (code) DO NOTHING",
    )?
    .execute(params![
        item.code,
        item.label,
        item.unit,
        item.price_minor,
        item.currency.as_str(),
        item.vat_code,
        item.account
    ])?;

    Ok(())
}

/// Projects a `ItemEdited` fact.
pub(crate) fn project_item_edited(conn: &Connection, edit: &ItemEdited) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE p_items SET label = coalesce(?2, label), unit = coalesce(?3, unit),
             price_minor = coalesce(?4, price_minor), vat_code = coalesce(?5, vat_code),
             account = coalesce(?6, account), active = coalesce(?7, active)
         WHERE code = ?1",
    )?
    .execute(params![
        edit.code,
        edit.label,
        edit.unit,
        edit.price_minor,
        edit.vat_code,
        edit.account,
        edit.active
    ])?;
    for (lang, label) in &edit.labels {
        match label {
            Some(label) => conn
                .prepare_cached("INSERT OR REPLACE INTO p_item_labels (item, lang, label) VALUES (?1, ?2, ?3)")?
                .execute(params![edit.code, lang, label])?,
            None => conn
                .prepare_cached("DELETE FROM p_item_labels WHERE item = ?1 AND lang = ?2")?
                .execute(params![edit.code, lang])?,
        };
    }

    Ok(())
}

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub(crate) const SCHEMA: &str = "
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
-- An item's label in other languages (`ItemEdited::labels`), the last edit in merge order.
CREATE TABLE p_item_labels (
    item TEXT NOT NULL,
    lang TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (item, lang)
) WITHOUT ROWID;
";

//! The catalogue: recording items (checked by the domain) and listing them.

use rempart_domain::catalogue::{ItemDefined, ItemEdited, ItemError, check_item, check_item_edit};
use rempart_domain::{Currency, Fact};
use rusqlite::OptionalExtension;

use crate::{Store, StoreError};

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
        self.commit(|batch| batch.record(Fact::ItemDefined(item)))
    }

    pub fn edit_item(&mut self, edit: ItemEdited) -> Result<(), StoreError> {
        check_item_edit(&self.state, &edit)?;
        if !self.item_exists(&edit.code)? {
            return Err(ItemError::Unknown { code: edit.code }.into());
        }
        self.commit(|batch| batch.record(Fact::ItemEdited(edit)))
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
                },
                currency,
            ))
        })?;
        let mut items = Vec::new();
        for row in rows {
            let (mut item, currency) = row?;
            item.currency = currency
                .parse()
                .map_err(|_| StoreError::Corrupt { what: format!("item {} has no valid currency", item.code) })?;
            items.push(item);
        }
        Ok(items)
    }
}

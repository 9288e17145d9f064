//! The catalogue: items and services sold, with their unit, net price, VAT code and revenue
//! account, used by invoice lines and, later, by the point of sale.

use serde::{Deserialize, Serialize};

use crate::chart::{AccountKind, VatDirection};
use crate::facts::{Described, FactKind, Merge};
use crate::money::{self, AmountError, Currency};
use crate::rules::LedgerState;

/// Longest item code, label and unit, in bytes.
pub const ITEM_CODE_BYTES_MAX: usize = 32;
pub const ITEM_LABEL_BYTES_MAX: usize = 200;
pub const ITEM_UNIT_BYTES_MAX: usize = 16;

/// An item or service as defined; prices are net of VAT, in minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemDefined {
    pub code: String,
    pub label: String,
    pub unit: String,
    pub price_minor: i64,
    pub currency: Currency,
    pub vat_code: String,
    pub account: String,
}

/// Changes to an item; absent fields keep their value. Items are never deleted: a retired item is
/// made inactive, so that old invoices still name it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ItemEdited {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The label in other languages, by language code (`de`, `en`, `fr`, `it`): what an invoice
    /// line of the item reads for a customer of that language; none clears one.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub labels: std::collections::BTreeMap<String, Option<String>>,
}

/// The languages an item's label may be given in (those of the customers' documents).
pub const LABEL_LANGUAGES: [&str; 4] = ["de", "en", "fr", "it"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    #[error("\"{code}\" is not an item code: use 1 to 32 visible characters without spaces")]
    BadCode { code: String },
    #[error("item {code} already exists")]
    Exists { code: String },
    #[error("item {code} does not exist")]
    Unknown { code: String },
    #[error("the item label is empty or longer than 200 bytes")]
    BadLabel,
    #[error("\"{lang}\" is not a language of labels: de, en, fr or it")]
    BadLanguage { lang: String },
    #[error("\"{unit}\" is not a unit: use 1 to 16 characters, such as h, pce, l or kg")]
    BadUnit { unit: String },
    #[error("price: {0}")]
    Price(AmountError),
    #[error("a catalogue price cannot be negative")]
    NegativePrice,
    #[error("VAT code {code} does not exist")]
    UnknownVatCode { code: String },
    #[error("VAT code {code} is for VAT paid on purchases; an item needs a code of VAT charged to customers")]
    InputVatCode { code: String },
    #[error("account {account} does not exist")]
    UnknownAccount { account: String },
    #[error("account {account} is not a revenue account")]
    NotRevenue { account: String },
    #[error("nothing to change")]
    NothingToChange,
}

/// Reads a catalogue price in the company currency.
pub fn parse_price(text: &str, currency: Currency) -> Result<i64, ItemError> {
    let price = money::parse_amount(text, currency).map_err(ItemError::Price)?;
    if price < 0 {
        return Err(ItemError::NegativePrice);
    }
    Ok(price)
}

fn check_code(code: &str) -> Result<(), ItemError> {
    if code.is_empty() || code.len() > ITEM_CODE_BYTES_MAX || !code.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ItemError::BadCode { code: code.to_owned() });
    }
    Ok(())
}

fn check_label(label: &str) -> Result<(), ItemError> {
    if label.trim().is_empty() || label.len() > ITEM_LABEL_BYTES_MAX {
        return Err(ItemError::BadLabel);
    }
    Ok(())
}

fn check_unit(unit: &str) -> Result<(), ItemError> {
    if unit.trim().is_empty() || unit.len() > ITEM_UNIT_BYTES_MAX {
        return Err(ItemError::BadUnit { unit: unit.to_owned() });
    }
    Ok(())
}

fn check_vat_code(state: &LedgerState, code: &str) -> Result<(), ItemError> {
    let vat = state.vat_codes.get(code).ok_or_else(|| ItemError::UnknownVatCode { code: code.to_owned() })?;
    if vat.direction != VatDirection::Output {
        return Err(ItemError::InputVatCode { code: code.to_owned() });
    }
    Ok(())
}

fn check_account(state: &LedgerState, number: &str) -> Result<(), ItemError> {
    let account = state.accounts.get(number).ok_or_else(|| ItemError::UnknownAccount { account: number.to_owned() })?;
    if account.kind != AccountKind::Revenue {
        return Err(ItemError::NotRevenue { account: number.to_owned() });
    }
    Ok(())
}

/// Checks a new item against the chart and the VAT codes. Whether the code is free is the
/// store's to check.
pub fn check_item(state: &LedgerState, item: &ItemDefined) -> Result<(), ItemError> {
    check_code(&item.code)?;
    check_label(&item.label)?;
    check_unit(&item.unit)?;
    if item.price_minor < 0 {
        return Err(ItemError::NegativePrice);
    }
    check_vat_code(state, &item.vat_code)?;
    check_account(state, &item.account)
}

pub fn check_item_edit(state: &LedgerState, edit: &ItemEdited) -> Result<(), ItemError> {
    if *edit == (ItemEdited { code: edit.code.clone(), ..ItemEdited::default() }) {
        return Err(ItemError::NothingToChange);
    }
    if let Some(label) = &edit.label {
        check_label(label)?;
    }
    if let Some(unit) = &edit.unit {
        check_unit(unit)?;
    }
    for (lang, label) in &edit.labels {
        if !LABEL_LANGUAGES.contains(&lang.as_str()) {
            return Err(ItemError::BadLanguage { lang: lang.clone() });
        }
        if let Some(label) = label {
            check_label(label)?;
        }
    }
    if edit.price_minor.is_some_and(|price| price < 0) {
        return Err(ItemError::NegativePrice);
    }
    if let Some(code) = &edit.vat_code {
        check_vat_code(state, code)?;
    }
    if let Some(account) = &edit.account {
        check_account(state, account)?;
    }
    Ok(())
}

impl FactKind for ItemDefined {
    const KIND: &'static str = "item.defined";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.item_defined").text("code", &self.code)
    }
}

impl FactKind for ItemEdited {
    const KIND: &'static str = "item.edited";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.item_edited").text("code", &self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn books() -> LedgerState {
        crate::rules::test_books::swiss()
    }

    #[test]
    fn items_need_an_output_vat_code_and_a_revenue_account() {
        let state = books();
        let item = ItemDefined {
            code: "MO".into(),
            label: "Main-d'œuvre atelier".into(),
            unit: "h".into(),
            price_minor: parse_price("120.00", Currency::CHF).unwrap(),
            currency: Currency::CHF,
            vat_code: "N81".into(),
            account: "3400".into(),
        };
        assert_eq!(check_item(&state, &item), Ok(()));
        let with = |change: &dyn Fn(&mut ItemDefined)| {
            let mut changed = item.clone();
            change(&mut changed);
            check_item(&state, &changed)
        };
        assert_eq!(with(&|i| i.vat_code = "IN81".into()), Err(ItemError::InputVatCode { code: "IN81".into() }));
        assert_eq!(with(&|i| i.vat_code = "Z".into()), Err(ItemError::UnknownVatCode { code: "Z".into() }));
        assert_eq!(with(&|i| i.account = "1020".into()), Err(ItemError::NotRevenue { account: "1020".into() }));
        assert_eq!(with(&|i| i.code = "M O".into()), Err(ItemError::BadCode { code: "M O".into() }));
        assert_eq!(parse_price("-1", Currency::CHF), Err(ItemError::NegativePrice));
        assert!(matches!(parse_price("12,50", Currency::CHF), Err(ItemError::Price(_))));
        assert_eq!(
            check_item_edit(&state, &ItemEdited { code: "MO".into(), ..Default::default() }),
            Err(ItemError::NothingToChange)
        );
    }
}

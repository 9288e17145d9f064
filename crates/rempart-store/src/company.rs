//! The company: its creation (name, country, currency, fiscal year) and its details (address,
//! bank account, identifiers, dunning settings), each detail a register decided by its stamp.

use std::collections::BTreeMap;

use rempart_domain::company::CompanyDetailsSet;
use rempart_domain::{CompanyCreated, Fact};
use rusqlite::{Connection, params};

use crate::contacts::Fields;
use crate::project::Origin;
use crate::{Store, StoreError};

impl From<rempart_domain::vat::VatMethodError> for StoreError {
    fn from(error: rempart_domain::vat::VatMethodError) -> StoreError {
        StoreError::VatMethod(error)
    }
}

impl Store {
    /// Sets and clears the company's details (address, bank account, identifiers, dunning).
    pub fn set_company_details(&mut self, mut fields: BTreeMap<String, Option<String>>) -> Result<(), StoreError> {
        for (name, value) in fields.iter_mut() {
            if let Some(text) = value.as_mut() {
                *text = rempart_domain::contacts::normalise_value(name, text);
            }
        }
        rempart_domain::company::check_details(&fields)?;
        self.commit(|commit| {
            commit.record(Fact::CompanyDetailsSet(rempart_domain::company::CompanyDetailsSet { fields }))
        })
    }

    /// How the company settles VAT from each day on (none set: the Swiss effective method, the
    /// French VAT on services on receipts).
    pub fn vat_methods(&self) -> Result<Vec<rempart_domain::vat::DatedVatMethod>, StoreError> {
        let mut methods = Vec::new();
        for (name, value) in self.company_details()? {
            if let Some(dated) = rempart_domain::vat::dated_vat_method(&name, &value) {
                methods.push(dated?);
            }
        }
        methods.sort_by_key(|dated| dated.from);
        Ok(methods)
    }

    /// Settles VAT by `method` from `from` on (replacing a method set for that very day): a Swiss
    /// company's method, or when a French company pays the VAT on its services.
    pub fn set_vat_method(
        &mut self,
        from: chrono::NaiveDate,
        method: rempart_domain::vat::VatMethod,
    ) -> Result<(), StoreError> {
        use rempart_domain::vat::{VatMethodError, vat_method_field};
        match (self.company()?.country, method.country()) {
            (ours, theirs) if ours == theirs => {}
            (rempart_domain::Country::Fr, _) => return Err(VatMethodError::NotSwiss.into()),
            (rempart_domain::Country::Ch, _) => return Err(VatMethodError::NotFrench.into()),
        }
        method.check()?;
        // When a French invoice's services are due was decided when it was issued: a new choice
        // applies after the last one.
        if method.country() == rempart_domain::Country::Fr {
            let last: Option<String> =
                self.conn
                    .query_row("SELECT max(date) FROM p_invoices WHERE number IS NOT NULL", [], |row| row.get(0))?;
            if let Some(last) = last.map(|text| crate::project::stored_date(&text)).transpose()?
                && from <= last
            {
                return Err(VatMethodError::BeforeIssued { from, last }.into());
            }
        }
        if let rempart_domain::vat::VatMethod::NetRates { second: Some(second), .. } = &method {
            for account in &second.accounts {
                let revenue = self
                    .state
                    .accounts
                    .get(account)
                    .is_some_and(|held| held.kind == rempart_domain::AccountKind::Revenue);
                if !revenue {
                    return Err(VatMethodError::NotRevenue { account: account.clone() }.into());
                }
            }
        }
        let text = serde_json::to_string(&method).map_err(|_| VatMethodError::Unreadable)?;
        self.set_company_details(BTreeMap::from([(vat_method_field(from), Some(text))]))
    }

    /// The company's details that are set.
    pub fn company_details(&self) -> Result<Fields, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT field, value FROM p_company_details WHERE value IS NOT NULL ORDER BY field")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Projects a `CompanyCreated` fact.
pub(crate) fn project_company_created(
    conn: &Connection,
    origin: Origin,
    company: &CompanyCreated,
) -> Result<(), StoreError> {
    // The node that created the company: only its chain may name the first owner of the web
    // app. The first creation in merge order names it; take-in refuses one on another chain.
    conn.prepare_cached("INSERT OR IGNORE INTO p_company (key, value) VALUES (?1, ?2)")?
        .execute(params![CREATOR_NODE, hex::encode(origin.node.as_bytes())])?;
    let mut insert = conn.prepare_cached("INSERT OR REPLACE INTO p_company (key, value) VALUES (?1, ?2)")?;
    insert.execute(params!["name", company.name])?;
    insert.execute(params!["country", company.country.code()])?;
    insert.execute(params!["currency", company.currency.as_str()])?;
    insert.execute(params!["fiscal_year_start_month", company.fiscal_year_start_month.to_string()])?;

    Ok(())
}

/// The key of `p_company` naming the node that created the company.
pub(crate) const CREATOR_NODE: &str = "creator_node";

/// Projects a `CompanyDetailsSet` fact.
pub(crate) fn project_company_details_set(
    conn: &Connection,
    origin: Origin,
    details: &CompanyDetailsSet,
) -> Result<(), StoreError> {
    let mut write = conn.prepare_cached(
        "INSERT INTO p_company_details (field, value, hlc_wall_ms, hlc_logical, node) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (field) DO UPDATE SET
             value = excluded.value, hlc_wall_ms = excluded.hlc_wall_ms,
             hlc_logical = excluded.hlc_logical, node = excluded.node
         WHERE (excluded.hlc_wall_ms, excluded.hlc_logical, excluded.node)
             > (p_company_details.hlc_wall_ms, p_company_details.hlc_logical, p_company_details.node)",
    )?;
    for (field, value) in &details.fields {
        write.execute(params![
            field,
            value,
            origin.hlc.wall_ms as i64,
            origin.hlc.logical,
            &origin.node.as_bytes()[..]
        ])?;
    }

    Ok(())
}

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub(crate) const SCHEMA: &str = "
CREATE TABLE p_company (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The company's details: one last-writer-wins field each, as for contacts.
CREATE TABLE p_company_details (
    field TEXT PRIMARY KEY,
    value TEXT,
    hlc_wall_ms INTEGER NOT NULL,
    hlc_logical INTEGER NOT NULL,
    node BLOB NOT NULL
) WITHOUT ROWID;
";

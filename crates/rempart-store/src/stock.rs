//! Stock (issue 21, begun): the locations where stock is kept, recorded and listed.

use rempart_domain::Fact;
use rempart_domain::stock::{LocationAdded, LocationKind, StockError};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Damage, Store, StoreError};

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub const SCHEMA: &str = "
-- The places stock is kept, each by its code: the first creation in merge order stands.
CREATE TABLE IF NOT EXISTS p_locations (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    kind TEXT NOT NULL
) WITHOUT ROWID;
";

impl From<StockError> for StoreError {
    fn from(error: StockError) -> StoreError {
        StoreError::Stock(error)
    }
}

impl Store {
    /// Records a new location; its code must be free.
    pub fn add_location(&mut self, location: LocationAdded) -> Result<(), StoreError> {
        location.check()?;
        self.commit(|commit| {
            if location_exists(commit.conn, &location.code)? {
                return Err(StockError::LocationExists { code: location.code.clone() }.into());
            }
            commit.record(Fact::LocationAdded(location))
        })
    }

    /// Every location, by code.
    pub fn locations(&self) -> Result<Vec<LocationAdded>, StoreError> {
        let mut statement = self.conn.prepare_cached("SELECT code, label, kind FROM p_locations ORDER BY code")?;
        let rows =
            statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (code, label, kind) = row?;
            let kind = LocationKind::parse(&kind).map_err(|_| Damage::LocationUnreadable { code: code.clone() })?;
            out.push(LocationAdded { code, label, kind });
        }
        Ok(out)
    }
}

fn location_exists(conn: &Connection, code: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM p_locations WHERE code = ?1")?
        .query_row([code], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Projects a `LocationAdded` fact: the first of a code in merge order stands; one not well
/// formed (recorded around the store's checks) makes no location.
pub(crate) fn project_location_added(conn: &Connection, location: &LocationAdded) -> Result<(), StoreError> {
    if location.check().is_err() {
        return Ok(());
    }
    conn.prepare_cached("INSERT OR IGNORE INTO p_locations (code, label, kind) VALUES (?1, ?2, ?3)")?
        .execute(params![location.code, location.label, location.kind.as_str()])?;
    Ok(())
}

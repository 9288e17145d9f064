//! Vehicles: a contact's cars read from its records, found by plate whatever its spaces and
//! case, added under the next free number; the vehicle and mileage a draft invoice or quote is
//! for; and a vehicle's history, the documents made for it with the mileage of each visit.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rempart_domain::Fact;
use rempart_domain::vehicles::{Vehicle, VehicleError, VehicleNoted, plate_key};
use rusqlite::{Connection, OptionalExtension, params};

use crate::project::{stored_currency, stored_date};
use crate::{Store, StoreError};

impl From<VehicleError> for StoreError {
    fn from(error: VehicleError) -> StoreError {
        StoreError::Vehicle(error)
    }
}

/// The vehicle a document is for, as given: its plate, and the mileage read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Visit {
    pub plate: String,
    pub mileage_km: Option<u64>,
}

/// The vehicle a document names, as noted on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Noted {
    pub contact: String,
    pub record: u32,
    /// The plate when it was noted.
    pub plate: String,
    pub mileage_km: Option<u64>,
}

/// Which document a visit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitKind {
    Invoice,
    Quote,
}

/// One document of a vehicle's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRow {
    pub kind: VisitKind,
    /// The draft id; `number` once issued or sent.
    pub id: String,
    pub number: Option<String>,
    pub date: NaiveDate,
    pub mileage_km: Option<u64>,
    pub currency: rempart_domain::Currency,
    /// As issued or sent; none for a draft.
    pub gross_minor: Option<i64>,
}

/// Reads a contact's vehicles from its fields (`vehicle.N.NAME`), by number; a record without a
/// plate is no vehicle.
pub fn vehicles_in(fields: &BTreeMap<String, String>) -> Vec<Vehicle> {
    let mut by_record: BTreeMap<u32, Vehicle> = BTreeMap::new();
    for (name, value) in fields {
        let mut parts = name.split('.');
        let (Some("vehicle"), Some(number), Some(field), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Ok(record) = number.parse::<u32>() else { continue };
        let vehicle = by_record.entry(record).or_insert_with(|| Vehicle { record, ..Vehicle::default() });
        match field {
            "plate" => vehicle.plate = value.clone(),
            "make" => vehicle.make = Some(value.clone()),
            "model" => vehicle.model = Some(value.clone()),
            "vin" => vehicle.vin = Some(value.clone()),
            "first_registration" => vehicle.first_registration = rempart_domain::rules::parse_date(value).ok(),
            _ => {}
        }
    }
    by_record.into_values().filter(|vehicle| !vehicle.plate.is_empty()).collect()
}

impl Store {
    /// A contact's vehicles, by number.
    pub fn vehicles_of(&self, contact: &str) -> Result<Vec<Vehicle>, StoreError> {
        Ok(vehicles_in(&self.contact(contact)?))
    }

    /// Every vehicle whose plate is `plate`, spaces, dots, hyphens and case aside, with the
    /// contact that holds it.
    pub fn find_vehicles(&self, plate: &str) -> Result<Vec<(String, Vehicle)>, StoreError> {
        let key = plate_key(plate);
        let contacts: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT contact FROM p_contact_fields
                 WHERE field LIKE 'vehicle.%.plate' AND value IS NOT NULL
                   AND upper(replace(replace(replace(value, ' ', ''), '-', ''), '.', '')) = ?1",
            )?
            .query_map([&key], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for contact in contacts {
            for vehicle in self.vehicles_of(&contact)? {
                if plate_key(&vehicle.plate) == key {
                    out.push((contact.clone(), vehicle));
                }
            }
        }
        Ok(out)
    }

    /// The vehicle of plate `plate`: `contact`'s when named, else the one customer's who holds it.
    pub fn vehicle(&self, contact: Option<&str>, plate: &str) -> Result<(String, Vehicle), StoreError> {
        let mut found = self.find_vehicles(plate)?;
        if let Some(contact) = contact {
            self.contact(contact)?;
            found.retain(|(holder, _)| holder == contact);
            if found.is_empty() && !self.find_vehicles(plate)?.is_empty() {
                return Err(
                    VehicleError::NotTheCustomers { plate: plate.to_owned(), contact: contact.to_owned() }.into()
                );
            }
        }
        match found.len() {
            0 => Err(VehicleError::UnknownPlate { plate: plate.to_owned() }.into()),
            1 => Ok(found.remove(0)),
            _ => {
                let contacts = found.into_iter().map(|(contact, _)| contact).collect();
                Err(VehicleError::AmbiguousPlate { plate: plate.to_owned(), contacts }.into())
            }
        }
    }

    /// Adds a vehicle to a contact, under its next free number (`vehicle.N.…`), its fields
    /// (`plate`, `make`, `model`, `vin`, `first_registration`, or the company's own) checked as
    /// any field of the contact. Returns the number.
    pub fn add_vehicle(&mut self, contact: &str, fields: BTreeMap<String, String>) -> Result<u32, StoreError> {
        let current = self.contact(contact)?;
        let next = current
            .keys()
            .filter_map(|name| name.strip_prefix("vehicle.")?.split('.').next()?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let plate = fields.get("plate").map_or("", String::as_str);
        let check = rempart_domain::vehicles::plate_problem(plate);
        if check.is_some() {
            return Err(rempart_domain::contacts::ContactError::BadValue {
                field: format!("vehicle.{next}.plate"),
                value: plate.to_owned(),
                reason: rempart_domain::contacts::ValueProblem::Plate,
            }
            .into());
        }
        let edit = fields.into_iter().map(|(field, value)| (format!("vehicle.{next}.{field}"), Some(value))).collect();
        self.edit_contact(contact, edit)?;
        Ok(next)
    }

    /// What noting `visit` on a draft of `contact` records.
    pub(crate) fn noted(&self, contact: &str, document: &str, visit: &Visit) -> Result<VehicleNoted, StoreError> {
        let (_, vehicle) = self.vehicle(Some(contact), &visit.plate)?;
        Ok(VehicleNoted {
            document: document.to_owned(),
            record: vehicle.record,
            plate: vehicle.plate,
            mileage_km: visit.mileage_km,
        })
    }

    /// The vehicle a document (an invoice or quote, by draft id) names, if it names one.
    pub fn document_vehicle(&self, document: &str) -> Result<Option<Noted>, StoreError> {
        noted_in(&self.conn, document)
    }

    /// The documents made for a contact's vehicle `record`, the oldest first, with the mileage
    /// of each visit (drafts thrown away left out).
    pub fn vehicle_history(&self, contact: &str, record: u32) -> Result<Vec<VisitRow>, StoreError> {
        let mut out = Vec::new();
        for (kind, table) in [(VisitKind::Invoice, "p_invoices"), (VisitKind::Quote, "p_quotes")] {
            let mut statement = self.conn.prepare_cached(&format!(
                "SELECT d.id, d.number, d.date, v.mileage_km, d.currency, d.gross_minor
                 FROM p_vehicle_visits v JOIN {table} d ON d.id = v.document
                 WHERE v.contact = ?1 AND v.record = ?2 AND NOT d.discarded"
            ))?;
            let mut rows = statement.query(params![contact, record])?;
            while let Some(row) = rows.next()? {
                let number: Option<String> = row.get(1)?;
                out.push(VisitRow {
                    kind,
                    id: row.get(0)?,
                    date: stored_date(&row.get::<_, String>(2)?)?,
                    mileage_km: row.get::<_, Option<i64>>(3)?.map(|km| km as u64),
                    currency: stored_currency(&row.get::<_, String>(4)?)?,
                    gross_minor: if number.is_some() { row.get(5)? } else { None },
                    number,
                });
            }
        }
        out.sort_by(|a, b| {
            (a.date, a.kind == VisitKind::Invoice, &a.number).cmp(&(b.date, b.kind == VisitKind::Invoice, &b.number))
        });
        Ok(out)
    }

    /// Notes on a draft invoice or quote the vehicle it is for.
    pub fn note_vehicle(&mut self, document: &str, visit: &Visit) -> Result<(), StoreError> {
        let contact = match self.quote(document) {
            Ok(quote) if quote.number.is_none() && !quote.discarded => quote.contact,
            Ok(quote) => {
                return Err(rempart_domain::quotes::QuoteError::AlreadySent {
                    id: quote.id,
                    number: quote.number.unwrap_or_default(),
                }
                .into());
            }
            Err(StoreError::Quote(_)) => {
                let invoice = self.invoice(document)?;
                if let Some(number) = invoice.number {
                    return Err(rempart_domain::invoices::InvoiceError::AlreadyIssued { id: invoice.id, number }.into());
                }
                invoice.contact
            }
            Err(error) => return Err(error),
        };
        let noted = self.noted(&contact, document, visit)?;
        self.commit(|commit| commit.record(Fact::VehicleNoted(noted)))
    }
}

/// The vehicle noted on `document`, as `conn` holds it.
pub(crate) fn noted_in(conn: &Connection, document: &str) -> Result<Option<Noted>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT contact, record, plate, mileage_km FROM p_vehicle_visits WHERE document = ?1")?
        .query_row([document], |row| {
            Ok(Noted {
                contact: row.get(0)?,
                record: row.get(1)?,
                plate: row.get(2)?,
                mileage_km: row.get::<_, Option<i64>>(3)?.map(|km| km as u64),
            })
        })
        .optional()?)
}

/// Projects a `VehicleNoted` fact: on a draft invoice or quote only (an issued or sent one keeps
/// what it was issued or sent with).
pub(crate) fn project_vehicle_noted(conn: &Connection, noted: &VehicleNoted) -> Result<(), StoreError> {
    let contact: Option<String> = conn
        .prepare_cached(
            "SELECT contact FROM p_invoices WHERE id = ?1 AND number IS NULL
             UNION ALL SELECT contact FROM p_quotes WHERE id = ?1 AND number IS NULL",
        )?
        .query_row([&noted.document], |row| row.get(0))
        .optional()?;
    if let Some(contact) = contact {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO p_vehicle_visits (document, contact, record, plate, mileage_km)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            noted.document,
            contact,
            noted.record,
            noted.plate,
            noted.mileage_km.map(|km| km as i64)
        ])?;
    }
    Ok(())
}

/// The projection tables of this module.
pub(crate) const SCHEMA: &str = "
-- The vehicle each invoice or quote (by draft id) is for: the customer's record number, its
-- plate when noted, and the mileage read at the visit.
CREATE TABLE p_vehicle_visits (
    document TEXT PRIMARY KEY,
    contact TEXT NOT NULL,
    record INTEGER NOT NULL,
    plate TEXT NOT NULL,
    mileage_km INTEGER
) WITHOUT ROWID;
CREATE INDEX p_vehicle_visits_vehicle ON p_vehicle_visits (contact, record);
";

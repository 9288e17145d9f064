//! Vehicles (`vehicle`): a customer's vehicle added, the vehicles found by plate, and a
//! vehicle's history with the mileage of each visit.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_domain::vehicles::parse_mileage;
use rempart_store::vehicles::{Visit, VisitKind};
use rempart_store::{Store, StoreError};

use super::common::{date_arg, locale_of};
use crate::i18n::Lang;
use rempart_reports::render::{Cell, Format, Report};

#[derive(Subcommand)]
pub(crate) enum VehicleCommand {
    /// Add a vehicle to a customer, under its next number.
    Add {
        /// The customer: their number, or their name.
        #[arg(long)]
        contact: String,
        #[arg(long)]
        plate: String,
        #[arg(long)]
        make: Option<String>,
        #[arg(long)]
        model: Option<String>,
        /// The chassis number: 17 letters and digits.
        #[arg(long)]
        vin: Option<String>,
        /// The day of its first registration.
        #[arg(long)]
        first_registration: Option<String>,
    },
    /// List the vehicles, or those of a plate (spaces and case aside).
    List {
        #[arg(long)]
        plate: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show a vehicle's quotes and invoices with the mileage of each visit.
    History {
        plate: String,
        /// Its customer, when several have a vehicle of that plate.
        #[arg(long)]
        contact: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// The vehicle a new draft is for, from `--vehicle` and `--mileage`.
pub(crate) fn visit_arg(plate: Option<String>, mileage: Option<String>) -> Result<Option<Visit>> {
    let mileage_km = mileage.map(|text| parse_mileage(&text)).transpose().map_err(StoreError::from)?;
    Ok(plate.map(|plate| Visit { plate, mileage_km }))
}

/// Runs a `vehicle` command.
pub(crate) fn vehicle(dir: &Path, lang: Lang, command: VehicleCommand) -> Result<()> {
    let mut store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    match command {
        VehicleCommand::Add { contact, plate, make, model, vin, first_registration } => {
            let contact = store.find_contact(&contact)?;
            let first_registration = date_arg(locale, &first_registration)?.map(|day| day.to_string());
            let fields: BTreeMap<String, String> = [
                ("plate", Some(plate)),
                ("make", make),
                ("model", model),
                ("vin", vin),
                ("first_registration", first_registration),
            ]
            .into_iter()
            .filter_map(|(field, value)| value.map(|value| (field.to_owned(), value)))
            .collect();
            let record = store.add_vehicle(&contact, fields)?;
            let plate = store
                .vehicles_of(&contact)?
                .into_iter()
                .find(|vehicle| vehicle.record == record)
                .map(|vehicle| vehicle.plate)
                .unwrap_or_default();
            println!(
                "{}",
                lang.fill("vehicle.added", &[("plate", &plate), ("contact", &contact), ("record", &record)])
            );
        }
        VehicleCommand::List { plate, format } => {
            let names = store.contact_names()?;
            let found = match plate {
                Some(plate) => store.find_vehicles(&plate)?,
                None => {
                    let mut all = Vec::new();
                    for (contact, fields) in store.contacts(None)? {
                        all.extend(
                            rempart_store::vehicles::vehicles_in(&fields)
                                .into_iter()
                                .map(|vehicle| (contact.clone(), vehicle)),
                        );
                    }
                    all
                }
            };
            let mut report = Report::new(
                lang.text("vehicles").to_owned(),
                ["plate", "make", "model", "vin", "first_registration", "contact", "name", "record"]
                    .into_iter()
                    .map(|key| (key, lang.text(&format!("vehicle.{key}")).to_owned()))
                    .collect(),
            );
            for (contact, vehicle) in found {
                report.rows.push(vec![
                    Cell::text(&vehicle.plate),
                    vehicle.make.clone().map_or(Cell::Empty, Cell::Text),
                    vehicle.model.clone().map_or(Cell::Empty, Cell::Text),
                    vehicle.vin.clone().map_or(Cell::Empty, Cell::Text),
                    vehicle.first_registration.map_or(Cell::Empty, |day| Cell::Date(day.to_string())),
                    Cell::text(&contact),
                    names.get(&contact).map_or(Cell::Empty, Cell::text),
                    Cell::Number(i64::from(vehicle.record)),
                ]);
            }
            print!("{}", report.render(format, locale)?);
        }
        VehicleCommand::History { plate, contact, format } => {
            let contact = contact.map(|contact| store.find_contact(&contact)).transpose()?;
            let (contact, vehicle) = store.vehicle(contact.as_deref(), &plate)?;
            let name = store.contact_names()?.get(&contact).cloned().unwrap_or_else(|| contact.clone());
            let mut report = Report::new(
                format!("{} ({name})", vehicle.name()),
                ["date", "document", "number", "mileage", "currency", "total"]
                    .into_iter()
                    .map(|key| (key, lang.text(&format!("vehicle.{key}")).to_owned()))
                    .collect(),
            );
            for visit in store.vehicle_history(&contact, vehicle.record)? {
                let kind = match visit.kind {
                    VisitKind::Invoice => lang.text("invoice"),
                    VisitKind::Quote => lang.text("quote"),
                };
                report.rows.push(vec![
                    Cell::Date(visit.date.to_string()),
                    Cell::text(kind),
                    Cell::text(visit.number.clone().unwrap_or_else(|| format!("{} {}", lang.text("draft"), visit.id))),
                    visit.mileage_km.map_or(Cell::Empty, |km| Cell::Number(km as i64)),
                    Cell::text(visit.currency.as_str()),
                    visit.gross_minor.map_or(Cell::Empty, |gross| Cell::Amount(gross, visit.currency)),
                ]);
            }
            print!("{}", report.render(format, locale)?);
        }
    }
    Ok(())
}

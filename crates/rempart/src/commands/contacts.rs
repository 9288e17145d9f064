//! Customers and suppliers (`contact`): their fields, history and search, and the company's own
//! contact fields.

use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_store::Store;

use super::common::locale_of;
use crate::i18n::Lang;
use rempart_reports::render::{Cell, Format, Report};

#[derive(Subcommand)]
pub(crate) enum ContactCommand {
    /// Add a contact: --name and any --set FIELD=VALUE (street, building_number, postcode, town,
    /// country, email, phone, vat_number, siren, siret, payment_terms_days, language, role,
    /// x.NAME, RECORD.N.NAME such as vehicle.1.plate).
    Add {
        #[arg(long)]
        name: String,
        /// Id [default: a new random id]
        #[arg(long)]
        id: Option<String>,
        #[arg(long = "set")]
        sets: Vec<String>,
    },
    /// Set or clear fields of a contact.
    Edit {
        id: String,
        #[arg(long = "set")]
        sets: Vec<String>,
        #[arg(long = "clear")]
        clears: Vec<String>,
    },
    /// Show a contact's current fields.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List the contacts.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Find the contacts with a field containing TEXT (a name, a town, a plate...).
    Search {
        text: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Every write to a contact's fields, overwritten values included.
    History {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The company's own contact fields.
    #[command(subcommand)]
    Field(ContactFieldCommand),
}

#[derive(Subcommand)]
pub(crate) enum ContactFieldCommand {
    /// Define a field: x.NAME for one value per contact, RECORD.NAME for repeated records
    /// (vehicle.plate, then vehicle.1.plate, vehicle.2.plate on a contact).
    Add {
        name: String,
        #[arg(long)]
        label: String,
        #[arg(long = "type", default_value = "text")]
        kind: rempart_domain::contacts::FieldKind,
    },
    /// List the company's own contact fields.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// The contacts as a list: id, name, town, phone and email.
fn contact_list_report(lang: Lang, contacts: Vec<(String, rempart_store::contacts::Fields)>) -> Report {
    let mut report = Report::new(
        lang.text("contacts").to_owned(),
        ["id", "name", "town", "phone", "email"]
            .into_iter()
            .map(|key| (key, lang.text(if key == "id" { "contact" } else { key }).to_owned()))
            .collect(),
    );
    for (id, fields) in contacts {
        let field = |name: &str| fields.get(name).map_or(Cell::Empty, Cell::text);
        report.rows.push(vec![Cell::text(&id), field("name"), field("town"), field("phone"), field("email")]);
    }
    report
}

/// Runs a `contact` command.
pub(crate) fn contact(dir: &Path, lang: Lang, command: ContactCommand) -> Result<()> {
    use rempart_store::contacts::parse_assignments;
    let mut store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    match command {
        ContactCommand::Add { name, id, sets } => {
            let mut fields = parse_assignments(&sets, &[])?;
            fields.insert("name".to_owned(), Some(name));
            let id = store.create_contact(id, fields)?;
            println!("{}", lang.fill("contact.added", &[("id", &id)]));
        }
        ContactCommand::Edit { id, sets, clears } => {
            store.edit_contact(&id, parse_assignments(&sets, &clears)?)?;
            println!("{}", lang.fill("contact.edited", &[("id", &id)]));
        }
        ContactCommand::Show { id, format } => {
            let mut report = Report::new(
                format!("{} {id}", lang.text("contact")),
                vec![("field", lang.text("field").to_owned()), ("value", lang.text("value").to_owned())],
            );
            for (field, value) in store.contact(&id)? {
                report.rows.push(vec![Cell::Text(field), Cell::Text(value)]);
            }
            print!("{}", report.render(format, locale)?);
        }
        ContactCommand::List { format } => {
            print!("{}", contact_list_report(lang, store.contacts(None)?).render(format, locale)?);
        }
        ContactCommand::Search { text, format } => {
            print!("{}", contact_list_report(lang, store.contacts(Some(&text))?).render(format, locale)?);
        }
        ContactCommand::History { id, format } => {
            let mut report = Report::new(
                lang.fill("contact.history", &[("id", &id)]),
                ["time", "node", "field", "value", "current"]
                    .into_iter()
                    .map(|key| (key, lang.text(key).to_owned()))
                    .collect(),
            );
            for write in store.contact_history(&id)? {
                let time = chrono::DateTime::from_timestamp_millis(write.wall_ms as i64)
                    .map_or_else(String::new, |time| time.format("%Y-%m-%d %H:%M:%S").to_string());
                report.rows.push(vec![
                    Cell::Text(time),
                    Cell::Text(write.node_short),
                    Cell::Text(write.field),
                    write.value.map_or(Cell::Empty, Cell::Text),
                    if write.current { Cell::text("x") } else { Cell::Empty },
                ]);
            }
            print!("{}", report.render(format, locale)?);
        }
        ContactCommand::Field(ContactFieldCommand::Add { name, label, kind }) => {
            store.define_contact_field(rempart_domain::contacts::ContactFieldDefined {
                name: name.clone(),
                label,
                kind,
            })?;
            println!("{}", lang.fill("contact.field_defined", &[("name", &name)]));
        }
        ContactCommand::Field(ContactFieldCommand::List { format }) => {
            let mut report = Report::new(
                lang.text("contact_fields").to_owned(),
                vec![
                    ("name", lang.text("field").to_owned()),
                    ("label", lang.text("label").to_owned()),
                    ("kind", lang.text("kind").to_owned()),
                ],
            );
            for field in store.contact_field_definitions() {
                report.rows.push(vec![
                    Cell::Text(field.name),
                    Cell::Text(field.label),
                    Cell::text(field.kind.as_str()),
                ]);
            }
            print!("{}", report.render(format, locale)?);
        }
    }
    Ok(())
}

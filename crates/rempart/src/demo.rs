//! `rempart demo`: a Swiss garage with a year of realistic activity (repairs invoiced with VAT,
//! parts bought, rent, wages, social charges, VAT settlements, depreciation), recorded through the
//! same store API as every other command, then its trial balance, income statement and verify.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use chrono::{Datelike, NaiveDate};
use rempart_domain::money::format_plain;
use rempart_domain::{Country, Currency, EntryDraft, Locale, PostingDraft};
use rempart_store::Store;

use crate::i18n::Lang;
use crate::render::Format;
use crate::reports;

/// A small deterministic generator, so the demo books are the same on every run.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in [low, high].
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low + 1) as u64) as i64
    }
}

/// VAT in centimes on a net amount at a rate in hundredths of a percent, rounded half up to the
/// centime (Swiss practice rounds the tax to 0.01, or to 0.05 on cash receipts).
fn vat_of(net_minor: i64, rate_bp: i64) -> i64 {
    (net_minor * rate_bp + 5_000) / 10_000
}

struct Books {
    drafts: Vec<EntryDraft>,
    next_id: u64,
}

impl Books {
    fn entry(&mut self, date: NaiveDate, journal: &str, text: &str, postings: &[(&str, i64, Option<&str>)]) {
        self.next_id += 1;
        self.drafts.push(EntryDraft {
            id: format!("DEMO-{:05}", self.next_id),
            date,
            journal: Some(journal.to_owned()),
            text: text.to_owned(),
            postings: postings
                .iter()
                .map(|(account, amount_minor, vat)| PostingDraft {
                    account: (*account).to_owned(),
                    amount: format_plain(*amount_minor, Currency::CHF),
                    currency: None,
                    vat_code: vat.map(str::to_owned),
                })
                .collect(),
        });
    }
}

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The garage's year, month by month.
fn garage_year(year: i32) -> Vec<Vec<EntryDraft>> {
    let mut random = Lcg::new(2026);
    let mut months = Vec::new();
    let customers =
        ["Favre", "Rochat", "Meylan", "Pittet", "Bovet", "Chappuis", "Dubois", "Morel", "Jaquier", "Perrin"];
    let mut output_vat_quarter = 0;
    let mut input_vat_quarter = 0;
    let mut next_invoice = 0;
    for month in 1..=12u32 {
        let mut books = Books { drafts: Vec::new(), next_id: (month as u64) * 1000 };
        if month == 1 {
            books.entry(
                day(year, 1, 1),
                "OD",
                "Apport en capital / share capital",
                &[("1020", 10_000_000, None), ("2800", -10_000_000, None)],
            );
            books.entry(
                day(year, 1, 3),
                "ACH",
                "Pont élévateur et outillage",
                &[("1540", 4_500_000, None), ("1020", -4_500_000, None)],
            );
        }
        books.entry(
            day(year, month, 1),
            "BQ",
            "Loyer de l'atelier",
            &[("6000", 320_000, None), ("1020", -320_000, None)],
        );
        books.entry(
            day(year, month, 25),
            "SAL",
            "Salaires du mois",
            &[("5000", 1_850_000, None), ("1020", -1_650_000, None), ("2270", -200_000, None)],
        );
        books.entry(
            day(year, month, 25),
            "SAL",
            "Charges sociales employeur",
            &[("5700", 260_000, None), ("2270", -260_000, None)],
        );
        books.entry(
            day(year, month, 28),
            "BQ",
            "Paiement assurances sociales",
            &[("2270", 460_000, None), ("1020", -460_000, None)],
        );
        // Repairs: labour and parts, invoiced with VAT at the normal rate, paid about 20 days later.
        let jobs = random.between(30, 45);
        for job in 0..jobs {
            let date = day(year, month, 1 + (job as u32 * 27 / jobs as u32));
            let labour = random.between(15, 120) * 1_000;
            let parts = random.between(0, 90) * 1_000;
            let vat = vat_of(labour + parts, 810);
            output_vat_quarter += vat;
            next_invoice += 1;
            let customer = customers[random.between(0, customers.len() as i64 - 1) as usize];
            let text = format!("Facture {year}-{next_invoice:04} {customer}, révision et pièces");
            let mut postings =
                vec![("1100", labour + parts + vat, None), ("3400", -labour, None), ("2200", -vat, Some("N81"))];
            if parts > 0 {
                postings.insert(2, ("3200", -parts, None));
            }
            books.entry(date, "VTE", &text, &postings);
            let paid = date + chrono::Days::new(random.between(10, 30) as u64);
            if paid.year() == year {
                books.entry(
                    paid,
                    "BQ",
                    &format!("Encaissement {customer}"),
                    &[("1020", labour + parts + vat, None), ("1100", -(labour + parts + vat), None)],
                );
            }
        }
        // Parts bought from the wholesaler, with input VAT, paid at 30 days.
        for week in 0..4u32 {
            let net = random.between(800, 4_000) * 100;
            let vat = vat_of(net, 810);
            input_vat_quarter += vat;
            let date = day(year, month, 2 + week * 7);
            books.entry(
                date,
                "ACH",
                "Pièces détachées, grossiste",
                &[("4000", net, None), ("1170", vat, Some("IN81")), ("2000", -(net + vat), None)],
            );
            if month < 12 || week < 2 {
                let paid = date + chrono::Days::new(30);
                if paid.year() == year {
                    books.entry(
                        paid,
                        "BQ",
                        "Paiement grossiste",
                        &[("2000", net + vat, None), ("1020", -(net + vat), None)],
                    );
                }
            }
        }
        let energy = random.between(300, 700) * 100;
        books.entry(
            day(year, month, 15),
            "BQ",
            "Électricité et chauffage",
            &[("6400", energy, None), ("1020", -energy, None)],
        );
        books.entry(day(year, month, 20), "BQ", "Frais bancaires", &[("6900", 2_500, None), ("1020", -2_500, None)]);
        if month % 3 == 0 {
            let quarter_end = day(year, month, 28);
            books.entry(
                quarter_end,
                "OD",
                &format!("Décompte TVA T{}", month / 3),
                &[
                    ("2200", output_vat_quarter, None),
                    ("1170", -input_vat_quarter, None),
                    ("2201", input_vat_quarter - output_vat_quarter, None),
                ],
            );
            books.entry(
                quarter_end,
                "BQ",
                &format!("Paiement TVA T{}", month / 3),
                &[
                    ("2201", output_vat_quarter - input_vat_quarter, None),
                    ("1020", input_vat_quarter - output_vat_quarter, None),
                ],
            );
            output_vat_quarter = 0;
            input_vat_quarter = 0;
        }
        if month == 6 {
            books.entry(
                day(year, 6, 10),
                "BQ",
                "Assurance RC entreprise",
                &[("6300", 240_000, None), ("1020", -240_000, None)],
            );
            books.entry(
                day(year, 6, 18),
                "BQ",
                "Annonce journal local",
                &[("6600", 85_000, None), ("1020", -85_000, None)],
            );
        }
        if month == 12 {
            books.entry(
                day(year, 12, 31),
                "OD",
                "Amortissement outillage",
                &[("6800", 900_000, None), ("1540", -900_000, None)],
            );
        }
        months.push(books.drafts);
    }
    months
}

/// The garage's vehicle fields, its customers with their vehicles, its wholesaler, and its
/// catalogue of labour and parts.
fn garage_contacts_and_catalogue(store: &mut Store) -> Result<()> {
    use rempart_domain::catalogue::ItemDefined;
    use rempart_domain::contacts::{ContactFieldDefined, FieldKind};
    for (name, label, kind) in [
        ("vehicle.plate", "Plaque", FieldKind::Text),
        ("vehicle.vin", "N° de châssis (VIN)", FieldKind::Text),
        ("vehicle.make_model", "Marque et modèle", FieldKind::Text),
        ("vehicle.first_registration", "1re mise en circulation", FieldKind::Date),
        ("vehicle.mileage", "Kilométrage", FieldKind::Number),
    ] {
        store.define_contact_field(ContactFieldDefined { name: name.to_owned(), label: label.to_owned(), kind })?;
    }
    let towns = [("1110", "Morges"), ("1007", "Lausanne"), ("1260", "Nyon"), ("1170", "Aubonne"), ("1143", "Apples")];
    let models = ["VW Golf", "Renault Clio", "Toyota Yaris", "Skoda Octavia", "Peugeot 208", "Subaru Forester"];
    let customers =
        ["Favre", "Rochat", "Meylan", "Pittet", "Bovet", "Chappuis", "Dubois", "Morel", "Jaquier", "Perrin"];
    let mut random = Lcg::new(7);
    for (index, name) in customers.iter().enumerate() {
        let (postcode, town) = towns[index % towns.len()];
        let mut fields: std::collections::BTreeMap<String, Option<String>> = [
            ("name", format!("{} {name}", ["Jean", "Marie", "Luc", "Anne", "Pierre"][index % 5])),
            ("role", "customer".to_owned()),
            ("street", "Route de la Gare".to_owned()),
            ("building_number", format!("{}", 1 + index * 3)),
            ("postcode", postcode.to_owned()),
            ("town", town.to_owned()),
            ("country", "CH".to_owned()),
            ("language", "fr".to_owned()),
            ("phone", format!("+41 21 555 {:02} {:02}", 10 + index, 20 + index)),
        ]
        .into_iter()
        .map(|(field, value)| (field.to_owned(), Some(value)))
        .collect();
        for vehicle in 1..=(1 + index % 2) {
            let set = |fields: &mut std::collections::BTreeMap<String, Option<String>>, field: &str, value: String| {
                fields.insert(format!("vehicle.{vehicle}.{field}"), Some(value));
            };
            set(&mut fields, "plate", format!("VD {}", 100_000 + random.between(0, 899_999)));
            set(&mut fields, "make_model", models[random.between(0, models.len() as i64 - 1) as usize].to_owned());
            set(
                &mut fields,
                "first_registration",
                format!("{}-{:02}-15", random.between(2008, 2023), random.between(1, 12)),
            );
            set(&mut fields, "mileage", (random.between(5, 250) * 1000).to_string());
        }
        store.create_contact(Some(format!("CLI-{:03}", index + 1)), fields)?;
    }
    let supplier = [
        ("name", "Pièces Auto Léman SA"),
        ("role", "supplier"),
        ("street", "Chemin des Ateliers"),
        ("building_number", "4"),
        ("postcode", "1020"),
        ("town", "Renens"),
        ("country", "CH"),
        ("vat_number", "CHE-116.281.710 MWST"),
        ("payment_terms_days", "30"),
    ];
    store.create_contact(
        Some("FOU-001".to_owned()),
        supplier.into_iter().map(|(field, value)| (field.to_owned(), Some(value.to_owned()))).collect(),
    )?;
    for (code, label, unit, price_minor, account) in [
        ("MO", "Main-d'œuvre atelier", "h", 12_000, "3400"),
        ("MO-DIAG", "Diagnostic électronique", "pce", 9_500, "3400"),
        ("SERVICE", "Service selon plan constructeur", "pce", 29_000, "3400"),
        ("HUILE-5W30", "Huile moteur 5W-30", "l", 2_450, "3200"),
        ("FILTRE-HUILE", "Filtre à huile", "pce", 1_850, "3200"),
        ("PLAQUETTES-AV", "Plaquettes de frein avant", "jeu", 8_900, "3200"),
        ("PNEU-205-55R16", "Pneu 205/55 R16", "pce", 14_500, "3200"),
    ] {
        store.define_item(ItemDefined {
            code: code.to_owned(),
            label: label.to_owned(),
            unit: unit.to_owned(),
            price_minor,
            currency: Currency::CHF,
            vat_code: "N81".to_owned(),
            account: account.to_owned(),
        })?;
    }
    Ok(())
}

pub fn run(dir: &Path, lang: Lang) -> Result<ExitCode> {
    if dir.join("node.json").exists() {
        bail!("{} already holds a company: choose another --data-dir for the demo", dir.display());
    }
    let mut store = Store::init(dir, "Garage du Lac Sàrl", Country::Ch, 1)?;
    garage_contacts_and_catalogue(&mut store)?;
    let year = 2025;
    for month in garage_year(year) {
        store.post_entries(&month, &mut |_| {})?;
    }
    store.close_period(day(year, 6, 30))?;
    let locale = Locale::Swiss;
    println!("{}\n", lang.fill("demo.created", &[("dir", &dir.display())]));
    let (from, to) = (day(year, 1, 1), day(year, 12, 31));
    print!("{}", reports::trial_balance(&store, lang, Some(from), Some(to))?.render(Format::Table, locale)?);
    println!();
    print!("{}", reports::income_statement(&store, lang, locale, Some(from), to)?.render(Format::Table, locale)?);
    println!();
    Ok(crate::print_verify(&store.verify()?, lang))
}

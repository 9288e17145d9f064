//! `rempart demo`: a Swiss garage with a year of realistic activity (customers with their
//! vehicles, repairs invoiced from the catalogue and paid, parts bought on supplier bills, rent,
//! wages, social charges, quarterly VAT settlements, year-end reminders, depreciation), recorded
//! through the same store API as every other command; then its trial balance, income statement,
//! last quarter's VAT return, open receivables, one invoice PDF with its QR-bill, and verify.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDate;
use rempart_domain::money::format_plain;
use rempart_domain::{Country, Currency, EntryDraft, Locale, PostingDraft};
use rempart_store::Store;

use crate::i18n::Lang;
use rempart_reports as reports;
use rempart_reports::render::Format;

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

/// The garage's year of plain entries (capital, equipment, rent, wages, energy, insurance,
/// depreciation), month by month; invoices, payments and bills are documents (`garage_documents`).
fn garage_year(year: i32) -> Vec<Vec<EntryDraft>> {
    let mut random = Lcg::new(2026);
    let mut months = Vec::new();
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
        let energy = random.between(300, 700) * 100;
        books.entry(
            day(year, month, 15),
            "BQ",
            "Électricité et chauffage",
            &[("6400", energy, None), ("1020", -energy, None)],
        );
        books.entry(day(year, month, 20), "BQ", "Frais bancaires", &[("6900", 2_500, None), ("1020", -2_500, None)]);
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
    garage_catalogue(store)
}

/// The garage's labour and parts, at 8.1 %.
pub fn garage_catalogue(store: &mut Store) -> Result<()> {
    use rempart_domain::catalogue::ItemDefined;
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

/// One month of documents: repairs invoiced with labour and parts from the catalogue and paid
/// 10 to 40 days later (one in thirty left unpaid), parts bought from the wholesaler each week
/// and paid at 30 days, and at each quarter's end the VAT settlement from the VAT accounts.
fn garage_documents(store: &mut Store, random: &mut Lcg, year: i32, month: u32) -> Result<()> {
    use rempart_domain::bills::BillLine;
    use rempart_store::invoices::LineSpec;
    let end_of_year = day(year, 12, 31);
    let jobs = random.between(50, 70);
    for job in 0..jobs {
        let date = day(year, month, 1 + (job as u32 * 27 / jobs as u32));
        let customer = format!("CLI-{:03}", random.between(1, 10));
        let id = store.draft_invoice(&customer, date, random.between(0, 3) == 0)?;
        let line = |item: &str, quantity_milli: i64| LineSpec {
            item: Some(item.to_owned()),
            quantity_milli,
            ..LineSpec::default()
        };
        let labour = if random.between(0, 4) == 0 { "SERVICE" } else { "MO" };
        store.add_invoice_line(&id, line(labour, random.between(4, 24) * 250))?;
        for _ in 0..random.between(0, 3) {
            let (item, quantity) = match random.between(0, 4) {
                0 => ("HUILE-5W30", random.between(3, 6) * 1000),
                1 => ("FILTRE-HUILE", 1000),
                2 => ("PLAQUETTES-AV", 1000),
                3 => ("PNEU-205-55R16", 4000),
                _ => ("MO-DIAG", 1000),
            };
            store.add_invoice_line(&id, line(item, quantity))?;
        }
        let number = store.issue_invoice(&id)?;
        let paid = date + chrono::Days::new(random.between(10, 40) as u64);
        if random.between(0, 29) != 0 && paid <= end_of_year {
            let gross = store.invoice(&number)?.totals.map_or(0, |totals| totals.gross_minor);
            store.receive_payment(&customer, paid, gross, "1020", &[(number, None)])?;
        }
    }
    for week in 0..4u32 {
        let date = day(year, month, 2 + week * 7);
        let net_minor = random.between(500, 1_800) * 100;
        let lines = vec![BillLine {
            account: "4000".to_owned(),
            net_minor,
            vat_code: "IN81".to_owned(),
            text: "Pièces détachées".to_owned(),
        }];
        let bill = store.record_bill("FOU-001", &format!("LEM-{year}-{month:02}{week}"), date, None, lines)?;
        let paid = date + chrono::Days::new(30);
        if paid <= end_of_year {
            store.pay_bill(&bill.id, paid, None, "1020")?;
        }
    }
    if month.is_multiple_of(3) {
        // The quarter's VAT: what the VAT accounts hold at its end goes to the federal tax
        // administration's account, and is paid.
        let quarter_end = day(year, month + 1, 1).pred_opt().unwrap_or(end_of_year);
        let quarter_end = if month == 12 { end_of_year } else { quarter_end };
        let totals = store.account_totals(None, Some(quarter_end))?;
        let closing = |account: &str| {
            totals.iter().find(|total| total.account == account).map_or(0, |total| total.closing_minor())
        };
        let (output, input) = (-closing("2200"), closing("1170"));
        let postings = |list: &[(&str, i64)]| -> Vec<PostingDraft> {
            list.iter()
                .map(|(account, amount)| PostingDraft {
                    account: (*account).to_owned(),
                    amount: format_plain(*amount, Currency::CHF),
                    currency: None,
                    vat_code: None,
                })
                .collect()
        };
        let settlement = |id: String, journal: &str, text: String, list: &[(&str, i64)]| EntryDraft {
            id,
            date: quarter_end,
            journal: Some(journal.to_owned()),
            text,
            postings: postings(list),
        };
        store.post_entries(
            &[
                settlement(
                    format!("DEMO-VAT-{month}"),
                    "OD",
                    format!("Décompte TVA T{}", month / 3),
                    &[("2200", output), ("1170", -input), ("2201", input - output)],
                ),
                settlement(
                    format!("DEMO-VATPAY-{month}"),
                    "BQ",
                    format!("Paiement TVA T{}", month / 3),
                    &[("2201", output - input), ("1020", input - output)],
                ),
            ],
            &mut |_| {},
        )?;
    }
    Ok(())
}

/// The garage's own details: address, bank account for its QR-bills, VAT number, reminders.
pub fn garage_details(store: &mut Store) -> Result<()> {
    let details = [
        ("street", "Route de Genève"),
        ("building_number", "12"),
        ("postcode", "1110"),
        ("town", "Morges"),
        ("country", "CH"),
        ("email", "atelier@garage-du-lac.ch"),
        ("phone", "+41 21 801 12 34"),
        ("vat_number", "CHE-116.281.710 TVA"),
        ("qr_iban", "CH44 3199 9123 0008 8901 2"),
        ("dunning_2_fee", "20.00"),
        ("dunning_3_fee", "30.00"),
    ];
    store.set_company_details(
        details.into_iter().map(|(field, value)| (field.to_owned(), Some(value.to_owned()))).collect(),
    )?;
    Ok(())
}

/// The year of the demo company's books.
const YEAR: i32 = 2025;

/// Fills a new company with the garage's year: details, contacts, catalogue, a year of entries
/// and documents, the first reminders at year end and the first half-year closed.
fn build(store: &mut Store) -> Result<()> {
    garage_details(store)?;
    garage_contacts_and_catalogue(store)?;
    let year = YEAR;
    let mut random = Lcg::new(2025);
    for (month, entries) in (1..=12).zip(garage_year(year)) {
        store.post_entries(&entries, &mut |_| {})?;
        garage_documents(store, &mut random, year, month)?;
    }
    // Year end: the first reminder of every invoice overdue long enough.
    let end = day(year, 12, 31);
    let levels = store.dunning_levels()?;
    for receivable in store.receivables(None, end)? {
        let due = rempart_domain::dunning::next_reminder(receivable.due_date, receivable.reminded, &levels);
        if receivable.open_minor() > 0 && due.is_some_and(|(_, from)| from <= end) {
            store.send_reminder(&receivable.number, end)?;
        }
    }
    garage_quotes(store, year)?;
    store.close_period(day(year, 6, 30))?;
    Ok(())
}

/// Two quotes of the year's end: tyres refused, a brake job for a customer's car sent and waiting
/// for its answer.
fn garage_quotes(store: &mut Store, year: i32) -> Result<()> {
    use rempart_store::invoices::LineSpec;
    let line = |item: &str, quantity_milli: i64| LineSpec {
        item: Some(item.to_owned()),
        quantity_milli,
        ..LineSpec::default()
    };
    let tyres = store.draft_quote("CLI-002", day(year, 11, 20), None, false)?;
    store.add_quote_line(&tyres, line("PNEU-205-55R16", 4000))?;
    store.add_quote_line(&tyres, line("MO", 1000))?;
    let tyres = store.send_quote(&tyres)?;
    store.refuse_quote(&tyres, day(year, 11, 27))?;
    // For Jean Favre's car, a little further on than its record's last mileage.
    let car = store.contact("CLI-001")?;
    let visit = rempart_store::vehicles::Visit {
        plate: car.get("vehicle.1.plate").cloned().unwrap_or_default(),
        mileage_km: car.get("vehicle.1.mileage").and_then(|km| km.parse::<u64>().ok()).map(|km| km + 1_500),
    };
    let until = Some(day(year + 1, 1, 15));
    let brakes = store.draft_quote_for("CLI-001", (day(year, 12, 15), until), false, Some(&visit))?;
    store.add_quote_line(&brakes, line("PLAQUETTES-AV", 1000))?;
    store.add_quote_line(&brakes, line("MO", 1500))?;
    store.send_quote(&brakes)?;
    Ok(())
}

pub fn run(dir: &Path, lang: Lang, country: Country) -> Result<ExitCode> {
    if rempart_store::layout::holds_company(dir) {
        return Err(crate::CommandError::DemoDirTaken { dir: dir.to_owned() }.into());
    }
    if country == Country::Fr {
        let mut store = Store::init(dir, "Atelier des Tilleuls SARL", Country::Fr, 1)?;
        crate::demo_france::build(&mut store, YEAR)?;
        let (from, to) = (day(YEAR, 1, 1), day(YEAR, 12, 31));
        println!("{}\n", lang.fill("demo.created", &[("dir", &dir.display())]));
        let locale = Locale::French;
        print!("{}", reports::trial_balance(&store, lang, Some(from), Some(to))?.render(Format::Table, locale)?);
        println!();
        print!("{}", reports::income_statement(&store, lang, locale, Some(from), to)?.render(Format::Table, locale)?);
        println!();
        println!("{}\n", lang.fill("demo.fec", &[("year", &YEAR), ("dir", &dir.display())]));
        return Ok(crate::verify::print(&store.verify()?, lang, Some(locale)));
    }
    let mut store = Store::init(dir, "Garage du Lac Sàrl", Country::Ch, 1)?;
    build(&mut store)?;
    let (year, end) = (YEAR, day(YEAR, 12, 31));
    let locale = Locale::Swiss;
    println!("{}\n", lang.fill("demo.created", &[("dir", &dir.display())]));
    let (from, to) = (day(year, 1, 1), day(year, 12, 31));
    print!("{}", reports::trial_balance(&store, lang, Some(from), Some(to))?.render(Format::Table, locale)?);
    println!();
    print!("{}", reports::income_statement(&store, lang, locale, Some(from), to)?.render(Format::Table, locale)?);
    println!();
    print!(
        "{}",
        reports::vat_return(&store, lang, locale, day(year, 10, 1), end, false)?.render(Format::Table, locale)?
    );
    println!();
    print!("{}", reports::receivables(&store, lang, locale, end, None)?.render(Format::Table, locale)?);
    println!();
    let last = store.invoices()?.into_iter().rev().find_map(|invoice| invoice.number);
    if let Some(number) = last {
        let path = rempart_web::documents::write_invoice_pdf(&store, &number, None)?;
        println!("{}\n", lang.fill("document.written", &[("path", &path.display().to_string())]));
    }
    Ok(crate::verify::print(&store.verify()?, lang, Some(locale)))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;

    use rempart_store::{Clock, Environment};

    use super::*;

    /// The demo company built on a fixed clock and seed has the state hash it had before the
    /// modules were cut into vertical slices (computed at ad29e4d: no projection changed), but
    /// for what issue 20 added: the hash's new, empty table of people (`p_users`; without it in
    /// `PROJECTIONS` the hash was 892133d9…, as before), the row of `p_company` naming the
    /// node that created the company (`creator_node`), and each invoice's events
    /// (`p_invoice_events`, its history); and since issue 20's short numbers, the invoices
    /// numbered `2026-0001`… (not `F-<node>-2026-000001`), the credit notes `AV-2026-0001`…,
    /// and the customers `1`, `2`… (not random `C-…` ids), with the QR references made of them;
    /// and each issue of an invoice noted in `p_creations` (`invoice_issue`, so that a draft
    /// issued on two devices is listed; the hash was 5661c547… before); and the sum each
    /// invoice received, paid and credited (`p_invoices.received_minor`, which narrows the
    /// customers' credits; the hash was 1e4f0828… before); and the new, empty table of stock
    /// locations (`p_locations`; the hash was 3172d863… before); and the new, empty tables of
    /// SKUs and stock movements (`p_skus`, `p_stock_moves`…; the hash was d3d3fbe2… before), and
    /// of tills (`p_tills`, `p_tickets`…; the hash was 9b8e88cf… before), and of loyalty
    /// vouchers (`p_loyalty_vouchers`; the hash was a2d70718… before), and of purchase orders
    /// (`p_purchase_orders`…; the hash was d6889226… before), and the tickets' tables of layout 20
    /// (`p_sales_items`… in, `p_ticket_lines` and `p_ticket_payments` out, all empty here; the
    /// hash was 32bfad6e… before), and the unit each invoice line carries from its item (layout 21;
    /// the hash was af6fc99a… before), and the new, empty table of items' labels in other
    /// languages (`p_item_labels`, layout 22; the hash was 36850125… before), and each invoice
    /// line's comment flag (`p_invoice_lines.comment`, layout 23; the hash was 8c5c77b1… before), and
    /// the year's two quotes, one refused and one waiting (`p_quotes`, `p_quote_lines`, layout 24,
    /// nine events; the hash was 7df4fcd0… and the log 5,535 events before), and the vehicle and
    /// mileage the waiting one is for (`p_vehicle_visits`, layout 25, one event; the hash was
    /// 629a20aa… before), and what each of the year's 702 invoices, its 28 reminders and two
    /// quotes printed, archived when issued or sent (`document.archived`, its hash in the
    /// issuing fact; `p_archives`, `p_logos`, layout 26; the hash was c1e3ce57… and the log 5,545
    /// events before), and where each archive is kept in its own table (`p_archive_copies`,
    /// layout 27; the hash was 940e8743… before), and the French VAT awaiting payment's table,
    /// empty for this Swiss company (`p_vat_awaiting`, layout 28; the hash was 4bee2c79… before).
    #[test]
    fn the_demo_company_keeps_its_state_hash() {
        let temp = tempfile::tempdir().unwrap();
        let env = Environment::seeded(Clock::Simulated(Arc::new(AtomicU64::new(1_767_225_600_000))), [7; 32]);
        let mut store = Store::init_with(env, temp.path(), "Garage du Lac Sàrl", Country::Ch, 1).unwrap();
        build(&mut store).unwrap();
        assert_eq!(store.event_count().unwrap(), 6277);
        assert_eq!(
            store.state_hash().unwrap().to_hex(),
            "a3dcec4dad7a393ccbaa82b004ec98680123dd97fe933b1369db90b79620c0ec"
        );
    }
}

//! The French demo company: a workshop in Lyon keeping its books on the plan comptable général,
//! through a year of entries (capital, rent, wages and their social charges, energy, bank fees,
//! insurance, depreciation), invoices of labour and parts at 20 % paid into the bank, weekly
//! bills of its wholesaler, and the month's VAT declared and paid: the books its FEC is made of.

use anyhow::Result;
use chrono::NaiveDate;
use rempart_domain::bills::BillLine;
use rempart_domain::catalogue::ItemDefined;
use rempart_domain::{Currency, EntryDraft, PostingDraft};
use rempart_store::Store;
use rempart_store::invoices::LineSpec;

use crate::demo::Lcg;

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// An entry of the year, its amounts in euro cents.
fn entry(id: String, date: NaiveDate, journal: &str, text: &str, lines: &[(&str, i64)]) -> EntryDraft {
    EntryDraft {
        id,
        date,
        journal: Some(journal.to_owned()),
        text: text.to_owned(),
        postings: lines
            .iter()
            .map(|(account, amount)| PostingDraft {
                account: (*account).to_owned(),
                amount: rempart_domain::money::format_plain(*amount, Currency::EUR),
                currency: None,
                vat_code: None,
            })
            .collect(),
    }
}

/// Builds the French workshop's year `year` into a new French company.
pub fn build(store: &mut Store, year: i32) -> Result<()> {
    let details = [
        ("street", "Rue de la République"),
        ("building_number", "3"),
        ("postcode", "69002"),
        ("town", "Lyon"),
        ("country", "FR"),
        ("email", "atelier@tilleuls.fr"),
        ("phone", "+33 4 78 00 12 34"),
        ("siren", "732829320"),
        ("siret", "73282932000074"),
        ("vat_number", "FR44732829320"),
        ("iban", "FR76 3000 6000 0112 3456 7890 189"),
    ];
    store.set_company_details(
        details.into_iter().map(|(field, value)| (field.to_owned(), Some(value.to_owned()))).collect(),
    )?;
    for (code, label, unit, price_minor, account) in [
        ("MO", "Main-d'œuvre atelier", "h", 7_800, "706"),
        ("VIDANGE", "Vidange moteur", "pce", 8_900, "706"),
        ("PLAQUETTES", "Plaquettes de frein avant", "jeu", 7_450, "707"),
        ("PNEU", "Pneu 205/55 R16", "pce", 9_800, "707"),
        ("HUILE", "Huile 5W-30 (1 l)", "l", 1_290, "707"),
    ] {
        store.define_item(ItemDefined {
            code: code.to_owned(),
            label: label.to_owned(),
            unit: unit.to_owned(),
            price_minor,
            currency: Currency::EUR,
            vat_code: "C20".to_owned(),
            account: account.to_owned(),
        })?;
    }
    let towns = [("69003", "Lyon"), ("69100", "Villeurbanne"), ("69500", "Bron"), ("69200", "Vénissieux")];
    let names = ["Dupont", "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand"];
    for (index, name) in names.iter().enumerate() {
        let (postcode, town) = towns[index % towns.len()];
        let fields = [
            ("name", format!("{} {name}", ["Paul", "Claire", "Louis", "Sophie"][index % 4])),
            ("role", "customer".to_owned()),
            ("street", "Avenue Jean Jaurès".to_owned()),
            ("building_number", format!("{}", 10 + index * 7)),
            ("postcode", postcode.to_owned()),
            ("town", town.to_owned()),
            ("country", "FR".to_owned()),
        ];
        store.create_contact(
            Some(format!("CLT-{:03}", index + 1)),
            fields.into_iter().map(|(field, value)| (field.to_owned(), Some(value))).collect(),
        )?;
    }
    let supplier = [
        ("name", "Pièces Auto Rhône SAS"),
        ("role", "supplier"),
        ("street", "Rue Garibaldi"),
        ("building_number", "120"),
        ("postcode", "69006"),
        ("town", "Lyon"),
    ];
    store.create_contact(
        Some("FRN-001".into()),
        supplier.into_iter().map(|(field, value)| (field.to_owned(), Some(value.to_owned()))).collect(),
    )?;

    let mut random = Lcg::new(69);
    let end = day(year, 12, 31);
    let mut vat_due_minor = 0;
    for month in 1..=12u32 {
        let id = |what: &str| format!("FR-{what}-{month:02}");
        let mut entries = Vec::new();
        if month == 1 {
            entries.push(entry(
                id("CAPITAL"),
                day(year, 1, 2),
                "OD",
                "Apport en capital",
                &[("512", 5_000_000), ("101", -5_000_000)],
            ));
            entries.push(entry(
                id("PONT"),
                day(year, 1, 4),
                "ACH",
                "Pont élévateur",
                &[("215", 2_400_000), ("512", -2_400_000)],
            ));
        }
        entries.push(entry(
            id("LOYER"),
            day(year, month, 1),
            "BQ",
            "Loyer de l'atelier",
            &[("613", 180_000), ("512", -180_000)],
        ));
        entries.push(entry(
            id("SALAIRES"),
            day(year, month, 28),
            "SAL",
            "Salaires du mois",
            &[("641", 560_000), ("421", -440_000), ("431", -120_000)],
        ));
        entries.push(entry(
            id("CHARGES"),
            day(year, month, 28),
            "SAL",
            "Charges sociales patronales",
            &[("645", 240_000), ("431", -240_000)],
        ));
        entries.push(entry(
            id("NETS"),
            day(year, month, 28),
            "BQ",
            "Virement des salaires",
            &[("421", 440_000), ("512", -440_000)],
        ));
        entries.push(entry(
            id("URSSAF"),
            day(year, month, 15),
            "BQ",
            "Cotisations URSSAF",
            &[("431", 360_000), ("512", -360_000)],
        ));
        let energy = random.between(150, 400) * 100;
        entries.push(entry(
            id("ENERGIE"),
            day(year, month, 12),
            "BQ",
            "Électricité et gaz",
            &[("606", energy), ("512", -energy)],
        ));
        entries.push(entry(
            id("FRAIS"),
            day(year, month, 20),
            "BQ",
            "Frais bancaires",
            &[("627", 1_800), ("512", -1_800)],
        ));
        if month == 3 {
            entries.push(entry(
                id("ASSURANCE"),
                day(year, 3, 10),
                "BQ",
                "Assurance multirisque",
                &[("616", 180_000), ("512", -180_000)],
            ));
        }
        if vat_due_minor > 0 {
            // Last month's VAT, declared on the CA3 and paid.
            entries.push(entry(
                id("TVA"),
                day(year, month, 19),
                "BQ",
                "Paiement de la TVA",
                &[("44551", vat_due_minor), ("512", -vat_due_minor)],
            ));
        }
        if month == 12 {
            entries.push(entry(
                id("AMORT"),
                end,
                "OD",
                "Dotation aux amortissements",
                &[("681", 480_000), ("281", -480_000)],
            ));
        }
        store.post_entries(&entries, &mut |_| {})?;

        // The month's jobs, invoiced and paid within the month or the next.
        let jobs = random.between(70, 100);
        for job in 0..jobs {
            let date = day(year, month, 1 + (job as u32 * 27 / jobs as u32));
            let customer = format!("CLT-{:03}", random.between(1, names.len() as i64));
            let draft = store.draft_invoice(&customer, date, false)?;
            let line = |item: &str, quantity_milli: i64| LineSpec {
                item: Some(item.to_owned()),
                quantity_milli,
                ..LineSpec::default()
            };
            store.add_invoice_line(&draft, line("MO", random.between(2, 12) * 250))?;
            match random.between(0, 3) {
                0 => store.add_invoice_line(&draft, line("VIDANGE", 1000)).map(|_| ())?,
                1 => store.add_invoice_line(&draft, line("PLAQUETTES", 1000)).map(|_| ())?,
                2 => store.add_invoice_line(&draft, line("PNEU", 2000)).map(|_| ())?,
                _ => store.add_invoice_line(&draft, line("HUILE", random.between(3, 6) * 1000)).map(|_| ())?,
            }
            let number = store.issue_invoice(&draft)?;
            let paid = date + chrono::Days::new(random.between(5, 35) as u64);
            if random.between(0, 19) != 0 && paid <= end {
                let gross = store.invoice(&number)?.totals.map_or(0, |totals| totals.gross_minor);
                store.receive_payment(&customer, paid, gross, "512", &[(number, None)])?;
            }
        }
        // The wholesaler's weekly bill, paid after thirty days.
        for week in 0..4u32 {
            let date = day(year, month, 3 + week * 7);
            let lines = vec![BillLine {
                account: "607".to_owned(),
                net_minor: random.between(300, 1_200) * 100,
                vat_code: "D20".to_owned(),
                text: "Pièces détachées".to_owned(),
            }];
            let bill = store.record_bill("FRN-001", &format!("PAR-{year}-{month:02}{week}"), date, None, lines)?;
            let paid = date + chrono::Days::new(30);
            if paid <= end {
                store.pay_bill(&bill.id, paid, None, "512")?;
            }
        }
        // The month's VAT: collected less deductible, to pay next month.
        let month_end = if month == 12 { end } else { day(year, month + 1, 1).pred_opt().unwrap_or(end) };
        let totals = store.account_totals(None, Some(month_end))?;
        let closing = |account: &str| {
            totals.iter().find(|total| total.account == account).map_or(0, |total| total.closing_minor())
        };
        let (collected, deductible) = (-closing("44571"), closing("44566"));
        vat_due_minor = collected - deductible;
        store.post_entries(
            &[entry(
                format!("FR-CA3-{month:02}"),
                month_end,
                "OD",
                &format!("Déclaration de TVA {month:02}/{year}"),
                &[("44571", collected), ("44566", -deductible), ("44551", -vat_due_minor)],
            )],
            &mut |_| {},
        )?;
    }
    Ok(())
}

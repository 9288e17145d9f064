//! What documents print (`Paper`), gathered from the company's details, the customer and the
//! vehicle; frozen in the commit that issues or sends a document (`document.archived`, its hash
//! in the issuing fact); read back for a reprint; and checked by `verify` against the hashes
//! the issuing facts recorded. The company's logos are kept by their hash, so that a paper
//! printed with an old logo is reprinted with it.

use rempart_domain::documents::{
    DocumentArchived, PRINTED_DETAILS, Paper, PaperKind, PaperLine, PaperRef, PaperReminder, PaperVat, PaperVehicle,
    archive_hash, logo_hash,
};
use rempart_domain::invoices::{InvoiceLine, InvoiceTotals};
use rempart_domain::qrbill::Address;
use rempart_domain::{Country, Currency, Fact};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Store, StoreError};

/// Who a document is between, and what it prints besides its own figures: gathered before the
/// commit that numbers it.
#[derive(Debug, Clone)]
pub(crate) struct Parties {
    lang: String,
    country: Country,
    currency: Currency,
    seller: Address,
    seller_details: std::collections::BTreeMap<String, String>,
    logo: Option<String>,
    customer: Address,
    customer_number: String,
    customer_vat: Option<String>,
    business_customer: bool,
    vehicle: Option<PaperVehicle>,
}

/// A document's own figures, for `Parties::paper`.
pub(crate) struct Figures<'a> {
    pub(crate) kind: PaperKind,
    pub(crate) number: String,
    pub(crate) date: chrono::NaiveDate,
    pub(crate) until: Option<chrono::NaiveDate>,
    pub(crate) lines: &'a [InvoiceLine],
    pub(crate) totals: &'a InvoiceTotals,
    pub(crate) refers_to: Option<PaperRef>,
    pub(crate) reminder: Option<PaperReminder>,
    /// A French invoice's mention of when the VAT on its services is paid.
    pub(crate) services_vat: Option<rempart_domain::documents::ServicesVat>,
}

impl Parties {
    /// The paper of a document with these parties.
    pub(crate) fn paper(&self, figures: Figures<'_>) -> Paper {
        let totals = figures.totals;
        let lines = figures
            .lines
            .iter()
            .zip(&totals.line_nets_minor)
            .map(|(line, net)| PaperLine {
                text: line.text.clone(),
                quantity_milli: line.quantity_milli,
                unit: line.unit.clone(),
                comment: line.comment,
                unit_price_minor: line.unit_price_minor,
                discount_bp: line.discount_bp,
                vat_rate_bp: totals.by_vat_code.get(&line.vat_code).map_or(0, |vat| vat.rate_bp),
                net_minor: *net,
            })
            .collect();
        Paper {
            kind: figures.kind,
            number: figures.number,
            date: figures.date,
            until: figures.until,
            lang: self.lang.clone(),
            country: self.country,
            currency: self.currency,
            seller: self.seller.clone(),
            seller_details: self.seller_details.clone(),
            logo: self.logo.clone(),
            customer: self.customer.clone(),
            customer_number: self.customer_number.clone(),
            customer_vat: self.customer_vat.clone(),
            business_customer: self.business_customer,
            vehicle: self.vehicle.clone(),
            services_vat: figures.services_vat,
            lines,
            vat: totals
                .by_vat_code
                .values()
                .map(|vat| PaperVat { rate_bp: vat.rate_bp, net_minor: vat.net_minor, vat_minor: vat.vat_minor })
                .collect(),
            net_minor: totals.net_minor,
            rounding_minor: totals.rounding_minor,
            gross_minor: totals.gross_minor,
            refers_to: figures.refers_to,
            reminder: figures.reminder,
        }
    }
}

/// A structured address from a contact's or the company's fields, in `home` when they name no
/// country.
pub fn address(fields: &std::collections::BTreeMap<String, String>, name: &str, home: &str) -> Address {
    let field = |key: &str| fields.get(key).cloned().unwrap_or_default();
    Address {
        name: name.to_owned(),
        street: field("street"),
        building_number: field("building_number"),
        postcode: field("postcode"),
        town: field("town"),
        country: fields.get("country").cloned().unwrap_or_else(|| home.to_owned()),
    }
}

impl Store {
    /// The parties of a document for `contact`, the vehicle noted on `document` (a draft id) if
    /// any.
    pub(crate) fn parties(&self, contact: &str, document: &str) -> Result<Parties, StoreError> {
        let company = self.company()?.clone();
        let details = self.company_details()?;
        let home = match company.country {
            Country::Ch => "CH",
            Country::Fr => "FR",
        };
        let customer = self.contact(contact)?;
        let name = customer.get("name").cloned().unwrap_or_else(|| contact.to_owned());
        let vehicle = match crate::vehicles::noted_in(&self.conn, document)? {
            Some(noted) => {
                let held = self.vehicles_of(&noted.contact)?.into_iter().find(|vehicle| vehicle.record == noted.record);
                let name = match held {
                    Some(vehicle) => rempart_domain::vehicles::Vehicle { plate: noted.plate.clone(), ..vehicle }.name(),
                    None => noted.plate.clone(),
                };
                Some(PaperVehicle { name, mileage_km: noted.mileage_km })
            }
            None => None,
        };
        Ok(Parties {
            lang: customer.get("language").cloned().unwrap_or_else(|| "fr".to_owned()),
            country: company.country,
            currency: company.currency,
            seller: address(&details, &company.name, home),
            seller_details: details
                .iter()
                .filter(|(key, _)| PRINTED_DETAILS.contains(&key.as_str()))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
            logo: details
                .get("logo")
                .and_then(|value| rempart_domain::company::logo_png(value))
                .map(|png| logo_hash(&png)),
            customer: address(&customer, &name, home),
            customer_number: contact.to_owned(),
            customer_vat: customer.get("vat_number").cloned(),
            business_customer: ["vat_number", "siren", "siret"].iter().any(|key| customer.contains_key(*key)),
            vehicle,
        })
    }

    /// What document `number` of `kind` printed when it was issued or sent, if it was archived:
    /// the archive that gives the hash its issuing fact recorded. Another device's archive under
    /// the same number (a device turned against the company may record one) is never taken for
    /// it; an issued document none of whose archives gives its hash is refused.
    pub fn archived(&self, kind: PaperKind, number: &str) -> Result<Option<Paper>, StoreError> {
        let recorded: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT recorded FROM p_archives WHERE kind = ?1 AND number = ?2")?
            .query_row(params![kind.as_str(), number], |row| row.get(0))
            .optional()?;
        let Some(Some(recorded)) = recorded else { return Ok(None) };
        for (node, seq) in copies(&self.conn, kind, number)? {
            if let Some(archived) = archived_at(&self.conn, &node, seq)?
                && archive_hash(&archived.paper) == recorded
            {
                return Ok(Some(*archived.paper));
            }
        }
        Err(StoreError::Corrupt {
            what: crate::Damage::ArchiveUnmatched { kind: kind.as_str(), number: number.to_owned() },
        })
    }

    /// The paper a document would print now, from what the store holds: for a document issued
    /// before archives existed, or imported.
    pub fn live_paper(&self, kind: PaperKind, number: &str) -> Result<Paper, StoreError> {
        match kind {
            PaperKind::Quote => {
                let quote = self.quote(number)?;
                let totals = quote.totals.clone().ok_or(rempart_domain::invoices::InvoiceError::Empty)?;
                let figures = Figures {
                    kind,
                    number: quote.number.clone().unwrap_or_else(|| quote.id.clone()),
                    date: quote.date,
                    until: Some(quote.valid_until),
                    lines: &quote.lines,
                    totals: &totals,
                    refers_to: None,
                    reminder: None,
                    services_vat: None,
                };
                Ok(self.parties(&quote.contact, &quote.id)?.paper(figures))
            }
            _ => {
                let invoice = self.invoice(number)?;
                let totals = invoice.totals.clone().ok_or(rempart_domain::invoices::InvoiceError::Empty)?;
                let figures = Figures {
                    kind: PaperKind::Invoice,
                    number: invoice.number.clone().unwrap_or_else(|| invoice.id.clone()),
                    date: invoice.date,
                    until: invoice.due_date,
                    lines: &invoice.lines,
                    totals: &totals,
                    refers_to: None,
                    reminder: None,
                    services_vat: self
                        .services_vat_on(invoice.date)?
                        .filter(|_| !rempart_domain::vat_due::services_vat(&invoice.lines, &totals).is_empty()),
                };
                Ok(self.parties(&invoice.contact, &invoice.id)?.paper(figures))
            }
        }
    }

    /// The PNG of a logo by its hash, as the company's details held it at some time.
    pub fn logo(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let value: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM p_logos WHERE hash = ?1")?
            .query_row([hash], |row| row.get(0))
            .optional()?;
        Ok(value.and_then(|value| rempart_domain::company::logo_png(&value)))
    }

    /// The credit notes and reminder letters archived for invoice `number`, in order of number.
    pub fn papers_of_invoice(&self, number: &str) -> Result<Vec<(PaperKind, String)>, StoreError> {
        let rows: Vec<(String, String)> = self
            .conn
            .prepare_cached(
                "SELECT kind, number FROM p_archives WHERE recorded IS NOT NULL AND (
                     (kind = 'credit_note' AND number IN (SELECT number FROM p_credit_notes WHERE invoice = ?1))
                     OR (kind = 'reminder' AND substr(number, 1, length(?1) + 2) = ?1 || '-R'))
                 ORDER BY kind, number",
            )?
            .query_map([number], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows
            .into_iter()
            .map(|(kind, number)| {
                let kind = if kind == "credit_note" { PaperKind::CreditNote } else { PaperKind::Reminder };
                (kind, number)
            })
            .collect())
    }

    /// The kind of the archived document numbered `number`, if one is (an invoice, credit note,
    /// quote or reminder letter: their numbers never meet).
    pub fn archived_kind(&self, number: &str) -> Result<Option<PaperKind>, StoreError> {
        let kind: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT kind FROM p_archives WHERE number = ?1 AND recorded IS NOT NULL ORDER BY kind LIMIT 1",
            )?
            .query_row([number], |row| row.get(0))
            .optional()?;
        Ok(kind.as_deref().and_then(PaperKind::parse))
    }

    /// The archived documents of a kind, by number.
    pub fn archives(&self, kind: PaperKind) -> Result<Vec<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT number FROM p_archives WHERE kind = ?1 AND recorded IS NOT NULL ORDER BY number")?
            .query_map([kind.as_str()], |row| row.get(0))?
            .collect::<Result<_, _>>()?)
    }
}

/// Where the archives of document `number` of `kind` are, in a fixed order.
fn copies(conn: &Connection, kind: PaperKind, number: &str) -> Result<Vec<(Vec<u8>, i64)>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT node, seq FROM p_archive_copies WHERE kind = ?1 AND number = ?2 ORDER BY node, seq")?
        .query_map(params![kind.as_str(), number], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

/// The archive recorded by event `seq` of `node`, if that event is one.
fn archived_at(conn: &Connection, node: &[u8], seq: i64) -> Result<Option<DocumentArchived>, StoreError> {
    let row: Option<(String, Vec<u8>)> = conn
        .prepare_cached("SELECT kind, payload FROM events WHERE node = ?1 AND seq = ?2")?
        .query_row(params![node, seq], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((kind, payload)) = row else { return Ok(None) };
    match Fact::from_payload(&kind, &payload) {
        Ok(Some(Fact::DocumentArchived(archived))) => Ok(Some(archived)),
        _ => Ok(None),
    }
}

/// Records a document's paper in `commit` and answers its hash, for the issuing fact.
pub(crate) fn archive(commit: &mut crate::Commit<'_>, paper: Paper) -> Result<String, StoreError> {
    let hash = archive_hash(&paper);
    commit.record(Fact::DocumentArchived(DocumentArchived { paper: Box::new(paper) }))?;
    Ok(hash)
}

/// What is wrong with a document's archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveFault {
    /// The archive no longer gives the hash its issuing fact recorded: it was edited.
    Altered { recorded: String, found: String },
    /// The issuing fact names an archive the log does not hold, or holds unreadable.
    Missing,
}

/// Every archived document checked against the hash its issuing fact recorded, read from the
/// data directory as it is (whatever its chains say): each document none of whose archives
/// gives that hash is named.
pub(crate) fn check_archives(conn: &Connection) -> Result<Vec<(PaperKind, String, ArchiveFault)>, StoreError> {
    let rows: Vec<(String, String, String)> = conn
        .prepare("SELECT kind, number, recorded FROM p_archives WHERE recorded IS NOT NULL ORDER BY kind, number")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (kind, number, recorded) in rows {
        let Some(kind) = PaperKind::parse(&kind) else { continue };
        let mut found = None;
        let mut matched = false;
        for (node, seq) in copies(conn, kind, &number)? {
            if let Some(archived) = archived_at(conn, &node, seq)? {
                let hash = archive_hash(&archived.paper);
                matched = matched || hash == recorded;
                found.get_or_insert(hash);
            }
        }
        match (matched, found) {
            (true, _) => {}
            (false, Some(found)) => out.push((kind, number, ArchiveFault::Altered { recorded, found })),
            (false, None) => out.push((kind, number, ArchiveFault::Missing)),
        }
    }
    Ok(out)
}

/// Notes the hash an issuing fact recorded for document `number` of `kind`.
pub(crate) fn note_recorded(conn: &Connection, kind: PaperKind, number: &str, hash: &str) -> Result<(), StoreError> {
    // Two issues under one number (a reminder's level sent on two devices apart): the smaller
    // hash is kept, whatever the order they arrive in.
    conn.prepare_cached(
        "INSERT INTO p_archives (kind, number, recorded) VALUES (?1, ?2, ?3)
         ON CONFLICT (kind, number) DO UPDATE SET
             recorded = CASE WHEN recorded IS NULL OR excluded.recorded < recorded THEN excluded.recorded ELSE recorded END",
    )?
    .execute(params![kind.as_str(), number, hash])?;
    Ok(())
}

/// Projects a `DocumentArchived` fact: every archive under a document's number is kept; the one
/// its issuing fact's hash names is its own (`Store::archived`).
pub(crate) fn project_document_archived(
    conn: &Connection,
    origin: crate::project::Origin,
    archived: &DocumentArchived,
) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT OR IGNORE INTO p_archives (kind, number) VALUES (?1, ?2)")?
        .execute(params![archived.paper.kind.as_str(), archived.paper.number])?;
    conn.prepare_cached("INSERT OR IGNORE INTO p_archive_copies (kind, number, node, seq) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![
            archived.paper.kind.as_str(),
            archived.paper.number,
            &origin.node.as_bytes()[..],
            origin.seq.0 as i64
        ])?;
    Ok(())
}

/// Keeps a logo the company's details set, by its hash.
pub(crate) fn keep_logo(conn: &Connection, value: &str) -> Result<(), StoreError> {
    if let Some(png) = rempart_domain::company::logo_png(value) {
        conn.prepare_cached("INSERT OR IGNORE INTO p_logos (hash, value) VALUES (?1, ?2)")?
            .execute(params![logo_hash(&png), value])?;
    }
    Ok(())
}

/// The projection tables of this module.
pub(crate) const SCHEMA: &str = "
-- Each archived document: the hash its issuing fact recorded (NULL until that fact is held).
CREATE TABLE p_archives (
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    recorded TEXT,
    PRIMARY KEY (kind, number)
) WITHOUT ROWID;

-- The events holding an archive under each document's number: its own, and any other device's.
CREATE TABLE p_archive_copies (
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    node BLOB NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (kind, number, node, seq)
) WITHOUT ROWID;

-- Every logo the company's details held, by hash, for the documents printed with it.
CREATE TABLE p_logos (
    hash TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
";

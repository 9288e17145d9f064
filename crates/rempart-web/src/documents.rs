//! Gathers what an invoice document shows from the store (the invoice, the customer, the
//! company's details) and hands it to `rempart-docs` for layout: the PDF the web app serves and
//! the command line writes.

use std::path::{Path, PathBuf};

use rempart_docs::{
    DocKind, DocLang, DocLine, Foot, InvoiceDocument, Label, ReceiptDocument, ReceiptLine, ReceiptPayment, ReceiptVat,
    VatRow,
};
use rempart_domain::qrbill::{Address, QrBill, Reference, creditor_reference, invoice_reference_digits, qr_reference};
use rempart_domain::{Country, Locale};
use rempart_i18n::Lang;
use rempart_store::contacts::Fields;
use rempart_store::{Store, StoreError};

/// Why an invoice's document cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("draft {id} has no document yet: issue it first")]
    Draft { id: String },
    #[error("draft quote {id} has no document yet: send it first")]
    DraftQuote { id: String },
    #[error("a Swiss invoice carries a QR-bill: set the company's IBAN or QR-IBAN first")]
    NoAccount,
    #[error("invoice number {number} has no digits to make a payment reference from")]
    NumberWithoutDigits { number: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Doc(#[from] rempart_docs::DocError),
    #[error(transparent)]
    Logo(#[from] rempart_docs::LogoError),
    #[error(transparent)]
    QrBill(#[from] rempart_domain::qrbill::QrBillError),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

impl rempart_i18n::Speak for DocumentError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            DocumentError::Draft { id } => lang.fill("document.draft", &[("id", id)]),
            DocumentError::DraftQuote { id } => lang.fill("document.draft_quote", &[("id", id)]),
            DocumentError::NoAccount => lang.text("document.no_account").to_owned(),
            DocumentError::NumberWithoutDigits { number } => {
                lang.fill("err.command.invoice_number_without_digits", &[("number", number)])
            }
            DocumentError::Store(error) => rempart_i18n::message(error, lang),
            DocumentError::Doc(error) => rempart_i18n::message(error, lang),
            DocumentError::Logo(error) => rempart_i18n::message(error, lang),
            DocumentError::QrBill(error) => rempart_i18n::message(error, lang),
            DocumentError::Write { path, source } => {
                lang.fill("err.document.write", &[("path", &path.display()), ("source", source)])
            }
        }
    }
}

type Result<T> = std::result::Result<T, DocumentError>;

fn address(fields: &Fields, name: &str, default_country: &str) -> Address {
    let field = |key: &str| fields.get(key).cloned().unwrap_or_default();
    Address {
        name: name.to_owned(),
        street: field("street"),
        building_number: field("building_number"),
        postcode: field("postcode"),
        town: field("town"),
        country: fields.get("country").cloned().unwrap_or_else(|| default_country.to_owned()),
    }
}

/// The document of an issued invoice, in the customer's language.
pub fn invoice_document(store: &Store, number: &str) -> Result<InvoiceDocument> {
    let invoice = store.invoice(number)?;
    let (Some(number), Some(due_date), Some(totals)) = (&invoice.number, invoice.due_date, &invoice.totals) else {
        return Err(DocumentError::Draft { id: invoice.id });
    };
    let paper = Paper {
        kind: DocKind::Invoice,
        id: &invoice.id,
        number,
        date: invoice.date,
        until: due_date,
        contact: &invoice.contact,
        currency: invoice.currency,
        lines: &invoice.lines,
        totals,
    };
    let (mut doc, details) = a4_document(store, paper)?;
    if store.company()?.country == Country::Ch {
        doc.foot = Foot::QrBill(Box::new(qr_bill(
            &details,
            doc.seller.clone(),
            doc.customer.clone(),
            number,
            &invoice,
            totals,
        )?));
    }
    Ok(doc)
}

/// The document of a sent quote, in the customer's language.
pub fn quote_document(store: &Store, number: &str) -> Result<InvoiceDocument> {
    let quote = store.quote(number)?;
    let (Some(number), Some(totals)) = (&quote.number, &quote.totals) else {
        return Err(DocumentError::DraftQuote { id: quote.id });
    };
    let paper = Paper {
        kind: DocKind::Quote,
        id: &quote.id,
        number,
        date: quote.date,
        until: quote.valid_until,
        contact: &quote.contact,
        currency: quote.currency,
        lines: &quote.lines,
        totals,
    };
    Ok(a4_document(store, paper)?.0)
}

/// What an A4 document is made of, besides the company and the customer the store holds.
struct Paper<'a> {
    kind: DocKind,
    /// The draft id, under which its vehicle is noted.
    id: &'a str,
    number: &'a str,
    date: chrono::NaiveDate,
    /// An invoice's due date, a quote's last day.
    until: chrono::NaiveDate,
    contact: &'a str,
    currency: rempart_domain::Currency,
    lines: &'a [rempart_domain::invoices::InvoiceLine],
    totals: &'a rempart_domain::invoices::InvoiceTotals,
}

/// An A4 document in the customer's language, with the company's header and the French
/// mentions an invoice carries in France, and no payment part (the caller adds an invoice's
/// QR-bill); the company's details come back with it.
fn a4_document(store: &Store, paper: Paper<'_>) -> Result<(InvoiceDocument, Fields)> {
    let company = store.company()?;
    let details = store.company_details()?;
    let home = match company.country {
        Country::Ch => "CH",
        Country::Fr => "FR",
    };
    let customer_fields = store.contact(paper.contact)?;
    let customer_name = customer_fields.get("name").cloned().unwrap_or_else(|| paper.contact.to_owned());
    // The customer's language; without one, French, the language of the company's users.
    let doc_lang = DocLang::from_code(customer_fields.get("language").map(String::as_str), DocLang::Fr);
    let seller = address(&details, &company.name, home);
    let customer = address(&customer_fields, &customer_name, home);

    let mut seller_lines = Vec::new();
    if let Some(vat) = details.get("vat_number") {
        seller_lines.push(format!("{} {vat}", Label::VatNumber.text(doc_lang)));
    }
    if let Some(siren) = details.get("siren") {
        seller_lines.push(format!("SIREN {siren}"));
    }
    if let Some(siret) = details.get("siret") {
        seller_lines.push(format!("SIRET {siret}"));
    }
    for key in ["email", "phone"] {
        if let Some(value) = details.get(key) {
            seller_lines.push(value.clone());
        }
    }
    let foot = match (company.country, paper.kind) {
        (Country::Fr, DocKind::Invoice) => {
            if let Some(iban) = details.get("iban") {
                seller_lines.push(format!("IBAN {iban}"));
            }
            Foot::FrenchMentions { penalty: details.get("late_penalty").cloned() }
        }
        _ => Foot::Nothing,
    };
    let totals = paper.totals;
    let lines = paper
        .lines
        .iter()
        .zip(&totals.line_nets_minor)
        .map(|(line, net)| DocLine {
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
    let doc = InvoiceDocument {
        kind: paper.kind,
        lang: doc_lang,
        locale: Locale::of_country(company.country),
        currency: paper.currency,
        number: paper.number.to_owned(),
        date: paper.date,
        due_date: paper.until,
        seller,
        logo: details
            .get("logo")
            .and_then(|value| rempart_domain::company::logo_png(value))
            .map(|png| rempart_docs::Logo::from_png(&png))
            .transpose()?,
        seller_lines,
        customer,
        customer_number: paper.contact.to_owned(),
        customer_vat: customer_fields.get("vat_number").cloned(),
        vehicle: crate::vehicles::noted_vehicle(store, paper.id)?.map(|(noted, vehicle)| {
            let named = vehicle.map_or_else(
                || noted.plate.clone(),
                |vehicle| rempart_domain::vehicles::Vehicle { plate: noted.plate.clone(), ..vehicle }.name(),
            );
            match noted.mileage_km {
                Some(km) => {
                    format!("{named}, {}", crate::vehicles::mileage_text(Locale::of_country(company.country), km))
                }
                None => named,
            }
        }),
        lines,
        vat: totals
            .by_vat_code
            .values()
            .map(|vat| VatRow { rate_bp: vat.rate_bp, net_minor: vat.net_minor, vat_minor: vat.vat_minor })
            .collect(),
        net_minor: totals.net_minor,
        rounding_minor: totals.rounding_minor,
        gross_minor: totals.gross_minor,
        foot,
    };
    Ok((doc, details))
}

/// The QR-bill of a Swiss invoice: with a QR-IBAN, a QR reference made from the invoice number;
/// with an ordinary IBAN, a creditor reference made from the same digits.
fn qr_bill(
    details: &Fields,
    creditor: Address,
    debtor: Address,
    number: &str,
    invoice: &rempart_store::invoices::Invoice,
    totals: &rempart_domain::invoices::InvoiceTotals,
) -> Result<QrBill> {
    let digits = invoice_reference_digits(number)
        .ok_or_else(|| DocumentError::NumberWithoutDigits { number: number.to_owned() })?;
    let (account, reference) = match (details.get("qr_iban"), details.get("iban")) {
        (Some(qr_iban), _) => (qr_iban.clone(), Reference::Qr(qr_reference(&digits).unwrap_or_default())),
        (None, Some(iban)) => (iban.clone(), Reference::Creditor(creditor_reference(&digits).unwrap_or_default())),
        (None, None) => return Err(DocumentError::NoAccount),
    };
    let bill = QrBill {
        account,
        creditor,
        amount_minor: Some(totals.gross_minor),
        currency: invoice.currency,
        debtor: Some(debtor),
        reference,
        message: number.to_owned(),
    };
    bill.validate()?;
    Ok(bill)
}

/// Renders an issued invoice to `out` (or `<data dir>/documents/<number>.pdf`), written whole
/// or not at all; returns the path.
pub fn write_invoice_pdf(store: &Store, number: &str, out: Option<&Path>) -> Result<PathBuf> {
    let (doc, bytes) = invoice_pdf(store, number)?;
    write_document(store, &doc.number, &bytes, out)
}

/// Renders a sent quote to `out` (or `<data dir>/documents/<number>.pdf`), written whole or not
/// at all; returns the path.
pub fn write_quote_pdf(store: &Store, number: &str, out: Option<&Path>) -> Result<PathBuf> {
    let doc = quote_document(store, number)?;
    let bytes = rempart_docs::invoice_pdf(&doc)?;
    write_document(store, &doc.number, &bytes, out)
}

/// Writes a document's bytes to `out`, or `<data dir>/documents/<number>.pdf`.
fn write_document(store: &Store, number: &str, bytes: &[u8], out: Option<&Path>) -> Result<PathBuf> {
    let path = match out {
        Some(path) => path.to_owned(),
        None => store.dir().join(rempart_store::layout::DOCUMENTS_DIR).join(format!("{number}.pdf")),
    };
    let parent = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|source| DocumentError::Write { path: parent.to_owned(), source })?;
    rempart_store::durable::write_atomically(&path, bytes)
        .map_err(|source| DocumentError::Write { path: path.clone(), source })?;
    Ok(path)
}

/// An issued invoice's document and its PDF bytes.
pub fn invoice_pdf(store: &Store, number: &str) -> Result<(InvoiceDocument, Vec<u8>)> {
    let doc = invoice_document(store, number)?;
    let bytes = rempart_docs::invoice_pdf(&doc)?;
    Ok((doc, bytes))
}

/// A ticket's receipt as printed, in `lang`: the seller with its address and VAT or UID number
/// (and SIRET in France), the till and its store, the moment in the company's time.
pub fn receipt_document(
    store: &Store,
    number: &str,
    lang: DocLang,
) -> std::result::Result<ReceiptDocument, StoreError> {
    use rempart_domain::tills::{Method, TillError};
    let ticket = store
        .ticket(number)?
        .ok_or_else(|| StoreError::from(TillError::UnknownTicket { number: number.trim().to_uppercase() }))?;
    let company = store.company()?;
    let details = store.company_details()?;
    let locale = Locale::of_country(company.country);
    let home = match company.country {
        Country::Ch => "CH",
        Country::Fr => "FR",
    };
    let address = address(&details, &company.name, home);
    let mut seller = vec![company.name.clone()];
    let street = format!("{} {}", address.street, address.building_number).trim().to_owned();
    if !street.is_empty() {
        seller.push(street);
    }
    let town = format!("{} {}", address.postcode, address.town).trim().to_owned();
    if !town.is_empty() {
        seller.push(town);
    }
    if let Some(vat) = details.get("vat_number") {
        seller.push(format!("{} {vat}", Label::VatNumber.text(lang)));
    }
    if let Some(siret) = details.get("siret") {
        seller.push(format!("SIRET {siret}"));
    }
    let store_name = store
        .locations()?
        .into_iter()
        .find(|location| location.code == ticket.location)
        .map_or_else(|| ticket.location.clone(), |location| location.label);
    let payments = ticket
        .payments
        .iter()
        .map(|tender| match (tender.method, &tender.voucher) {
            (Method::Cash, _) => ReceiptPayment::Cash(tender.amount_minor),
            (Method::Card, _) => ReceiptPayment::Card(tender.amount_minor),
            (Method::Twint, _) => ReceiptPayment::Twint(tender.amount_minor),
            (Method::Voucher, code) => {
                ReceiptPayment::Voucher { code: code.clone().unwrap_or_default(), amount_minor: tender.amount_minor }
            }
        })
        .collect();
    Ok(ReceiptDocument {
        lang,
        locale,
        currency: ticket.currency,
        seller,
        till: ticket.till.clone(),
        store: store_name,
        number: ticket.number.clone(),
        // The business day the ticket was sold on, at the time of day on the company's clocks.
        moment: format!("{} {}", locale.format_date(ticket.date), locale.local_time(ticket.at_ms).format("%H:%M")),
        returns: ticket.returns.clone(),
        lines: ticket
            .lines
            .iter()
            .map(|line| ReceiptLine {
                text: line.label.clone(),
                sku: line.sku.clone(),
                qty: line.qty,
                unit_price_minor: line.unit_price_minor,
                discount_minor: line.discount_minor,
            })
            .collect(),
        total_minor: ticket.total_minor(),
        rounding_minor: ticket.rounding_minor,
        payments,
        change_minor: ticket.change_minor,
        vat: ticket
            .by_rate()
            .into_iter()
            .map(|((_, rate_bp), total)| ReceiptVat {
                rate_bp,
                gross_minor: total.gross_minor,
                vat_minor: total.vat_minor,
            })
            .collect(),
    })
}

/// The language a person reads, for a document printed for them.
pub fn doc_lang(lang: Lang) -> DocLang {
    match lang {
        Lang::Fr => DocLang::Fr,
        Lang::De => DocLang::De,
        Lang::En => DocLang::En,
    }
}

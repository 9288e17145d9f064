//! Reads what a document prints from the store (its archive, or for a document issued before
//! archives existed what the store holds now) and hands it to `rempart-docs` for layout: the
//! PDF the web app serves and the command line writes; and a ticket's receipt.

use std::path::{Path, PathBuf};

use rempart_docs::{DocLang, Label, ReceiptDocument, ReceiptLine, ReceiptPayment, ReceiptVat};
use rempart_domain::documents::{Paper, PaperKind};
use rempart_domain::{Country, Locale};
use rempart_i18n::Lang;
use rempart_store::{Store, StoreError};

/// Why a document cannot be printed.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("draft {id} has no document yet: issue it first")]
    Draft { id: String },
    #[error("draft quote {id} has no document yet: send it first")]
    DraftQuote { id: String },
    #[error("{number} has no archived document")]
    NotArchived { number: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Doc(#[from] rempart_docs::DocError),
    #[error(transparent)]
    Logo(#[from] rempart_docs::LogoError),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

impl rempart_i18n::Speak for DocumentError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            DocumentError::Draft { id } => lang.fill("document.draft", &[("id", id)]),
            DocumentError::DraftQuote { id } => lang.fill("document.draft_quote", &[("id", id)]),
            DocumentError::NotArchived { number } => lang.fill("document.not_archived", &[("number", number)]),
            DocumentError::Store(error) => rempart_i18n::message(error, lang),
            DocumentError::Doc(error) => rempart_i18n::message(error, lang),
            DocumentError::Logo(error) => rempart_i18n::message(error, lang),
            DocumentError::Write { path, source } => {
                lang.fill("err.document.write", &[("path", &path.display()), ("source", source)])
            }
        }
    }
}

type Result<T> = std::result::Result<T, DocumentError>;

/// What document `number` of `kind` prints: what it printed when it was issued or sent, as
/// archived; for an invoice or quote issued before archives existed (or imported), what it
/// prints from the store now.
pub fn paper(store: &Store, kind: PaperKind, number: &str) -> Result<Paper> {
    if let Some(paper) = store.archived(kind, number)? {
        return Ok(paper);
    }
    match kind {
        PaperKind::Invoice => {
            let invoice = store.invoice(number)?;
            match &invoice.number {
                // The archive is under the number: a draft's id does not name it.
                Some(issued) if issued != number => paper(store, kind, &issued.clone()),
                Some(_) => Ok(store.live_paper(kind, number)?),
                None => Err(DocumentError::Draft { id: invoice.id }),
            }
        }
        PaperKind::Quote => {
            let quote = store.quote(number)?;
            match &quote.number {
                Some(sent) if sent != number => paper(store, kind, &sent.clone()),
                Some(_) => Ok(store.live_paper(kind, number)?),
                None => Err(DocumentError::DraftQuote { id: quote.id }),
            }
        }
        PaperKind::CreditNote | PaperKind::Reminder => Err(DocumentError::NotArchived { number: number.to_owned() }),
    }
}

/// A paper's PDF, with the logo it names.
pub fn paper_pdf(store: &Store, paper: &Paper) -> Result<Vec<u8>> {
    let logo = match &paper.logo {
        Some(hash) => store.logo(hash)?.map(|png| rempart_docs::Logo::from_png(&png)).transpose()?,
        None => None,
    };
    Ok(rempart_docs::paper_pdf(paper, logo)?)
}

/// Document `number` of `kind` and its PDF.
pub fn document_pdf(store: &Store, kind: PaperKind, number: &str) -> Result<(Paper, Vec<u8>)> {
    let paper = paper(store, kind, number)?;
    let bytes = paper_pdf(store, &paper)?;
    Ok((paper, bytes))
}

/// Renders document `number` of `kind` to `out` (or `<data dir>/documents/<number>.pdf`),
/// written whole or not at all; returns the path.
pub fn write_document_pdf(store: &Store, kind: PaperKind, number: &str, out: Option<&Path>) -> Result<PathBuf> {
    let (paper, bytes) = document_pdf(store, kind, number)?;
    let path = match out {
        Some(path) => path.to_owned(),
        None => store.dir().join(rempart_store::layout::DOCUMENTS_DIR).join(format!("{}.pdf", paper.number)),
    };
    let parent = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|source| DocumentError::Write { path: parent.to_owned(), source })?;
    rempart_store::durable::write_atomically(&path, &bytes)
        .map_err(|source| DocumentError::Write { path: path.clone(), source })?;
    Ok(path)
}

/// Renders an issued invoice (see `write_document_pdf`).
pub fn write_invoice_pdf(store: &Store, number: &str, out: Option<&Path>) -> Result<PathBuf> {
    write_document_pdf(store, PaperKind::Invoice, number, out)
}

/// Renders a sent quote (see `write_document_pdf`).
pub fn write_quote_pdf(store: &Store, number: &str, out: Option<&Path>) -> Result<PathBuf> {
    write_document_pdf(store, PaperKind::Quote, number, out)
}

/// An issued invoice's paper and its PDF bytes.
pub fn invoice_pdf(store: &Store, number: &str) -> Result<(Paper, Vec<u8>)> {
    document_pdf(store, PaperKind::Invoice, number)
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
    let address = rempart_store::documents::address(&details, &company.name, home);
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

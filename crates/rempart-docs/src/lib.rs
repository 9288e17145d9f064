//! Printed documents. `invoice_pdf` lays out an A4 invoice: the company's header, the customer's
//! address where a window envelope shows it, the lines, the VAT summary per rate, the terms, and
//! at the foot of the last page either the Swiss QR-bill payment part (receipt and payment part
//! in their prescribed sizes, the QR code with its Swiss cross) or the mentions French law
//! requires on an invoice. The seller's logo, if any, heads every page at the top right. The
//! caller gathers the facts; nothing here reads the store.

pub mod font;
pub mod labels;
pub mod logo;
mod receipt;

use chrono::NaiveDate;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::{Color, EcLevel, QrCode};
use rempart_domain::Currency;
use rempart_domain::documents::{Paper, PaperKind, PaperRef, PaperReminder};
use rempart_domain::locale::Locale;
use rempart_domain::qrbill::{
    Address, QrBill, QrBillError, Reference, creditor_reference, invoice_reference_digits, qr_reference,
};

use font::Face;
pub use labels::{DocLang, Label};
pub use logo::{LOGO_BYTES_MAX, Logo, LogoError};
pub use receipt::{ReceiptDocument, ReceiptLine, ReceiptPayment, ReceiptVat, receipt_pdf};

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error(transparent)]
    QrBill(#[from] QrBillError),
    #[error("a Swiss invoice carries a QR-bill: set the company's IBAN or QR-IBAN first")]
    NoAccount,
    #[error("invoice number {number} has no digits to make a payment reference from")]
    NumberWithoutDigits { number: String },
    #[error("the QR code cannot hold this payment part: {0}")]
    QrCode(#[from] qrcode::types::QrError),
}

/// One invoice line as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocLine {
    pub text: String,
    pub quantity_milli: i64,
    /// What the quantity counts, printed after it (`1.5 h`).
    pub unit: Option<String>,
    /// A comment line: its text alone, no figures.
    pub comment: bool,
    pub unit_price_minor: i64,
    pub discount_bp: u32,
    pub vat_rate_bp: u32,
    pub net_minor: i64,
}

/// The VAT of one rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatRow {
    pub rate_bp: u32,
    pub net_minor: i64,
    pub vat_minor: i64,
}

/// What the foot of an invoice carries besides its terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Foot {
    /// A Swiss company's invoice: the QR-bill payment part.
    QrBill(Box<QrBill>),
    /// A French company's invoice: late-payment penalties (the company's own rate, or three times
    /// the legal interest rate) and, to a business, the 40 EUR recovery indemnity.
    FrenchMentions {
        penalty: Option<String>,
        business: bool,
        /// When the VAT on its services is paid: on receipts, or on debits by option.
        services_vat: Option<rempart_domain::documents::ServicesVat>,
    },
    Nothing,
}

/// Which document the A4 layout prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// An invoice: its due date, its terms of payment.
    Invoice,
    /// A quote: the last day it may be accepted, and how to accept it; no payment part.
    Quote,
    /// A credit note: the invoice it credits, the lines credited; no payment part.
    CreditNote,
    /// A reminder's letter: the invoice, what is open on it with the fees; a Swiss company's
    /// payment part asks that amount with the invoice's reference.
    Reminder,
}

impl DocKind {
    /// The word before the number in the title.
    fn title(self, country: rempart_domain::Country) -> Label {
        match self {
            DocKind::Invoice => Label::Invoice,
            DocKind::Quote => Label::Quote,
            // "Avoir" in France, "note de crédit" in Switzerland.
            DocKind::CreditNote if country == rempart_domain::Country::Fr => Label::CreditNoteFrance,
            DocKind::CreditNote => Label::CreditNote,
            DocKind::Reminder => Label::Reminder,
        }
    }

    fn of(kind: PaperKind) -> DocKind {
        match kind {
            PaperKind::Invoice => DocKind::Invoice,
            PaperKind::Quote => DocKind::Quote,
            PaperKind::CreditNote => DocKind::CreditNote,
            PaperKind::Reminder => DocKind::Reminder,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDocument {
    pub kind: DocKind,
    pub country: rempart_domain::Country,
    pub lang: DocLang,
    pub locale: Locale,
    pub currency: Currency,
    pub number: String,
    pub date: NaiveDate,
    /// An invoice's due date; a quote's last day of validity.
    pub due_date: NaiveDate,
    pub seller: Address,
    pub logo: Option<Logo>,
    /// Identifiers and contact lines under the seller's name (VAT or UID number, SIREN, IBAN,
    /// e-mail, phone), already labelled.
    pub seller_lines: Vec<String>,
    pub customer: Address,
    pub customer_number: String,
    pub customer_vat: Option<String>,
    /// The vehicle the document is for, as printed: plate, make and model, mileage.
    pub vehicle: Option<String>,
    pub lines: Vec<DocLine>,
    pub vat: Vec<VatRow>,
    pub net_minor: i64,
    pub rounding_minor: i64,
    pub gross_minor: i64,
    pub foot: Foot,
    /// A credit note's or reminder's invoice.
    pub refers_to: Option<PaperRef>,
    /// A reminder's figures.
    pub reminder: Option<PaperReminder>,
}

impl InvoiceDocument {
    /// The document a paper prints: its words in the customer's language, its figures in the
    /// company's locale, its payment part or mentions from the company's details as they were.
    pub fn from_paper(paper: &Paper, logo: Option<Logo>) -> Result<InvoiceDocument, DocError> {
        let lang = DocLang::from_code(Some(paper.lang.as_str()), DocLang::Fr);
        let locale = Locale::of_country(paper.country);
        let kind = DocKind::of(paper.kind);
        let details = &paper.seller_details;
        let mut seller_lines = Vec::new();
        if let Some(vat) = details.get("vat_number") {
            seller_lines.push(format!("{} {vat}", Label::VatNumber.text(lang)));
        }
        for (key, label) in [("siren", "SIREN"), ("siret", "SIRET")] {
            if let Some(value) = details.get(key) {
                seller_lines.push(format!("{label} {value}"));
            }
        }
        // A French company's identity as its documents must give it: its form and share capital,
        // its trade register's town with its SIREN.
        if paper.country == rempart_domain::Country::Fr {
            match (details.get("legal_form"), details.get("share_capital")) {
                (Some(form), Some(capital)) => {
                    seller_lines.push(Label::ShareCapital.fill(lang, &[("form", form), ("capital", capital)]))
                }
                (Some(form), None) => seller_lines.push(form.clone()),
                _ => {}
            }
            if let (Some(town), Some(siren)) = (details.get("rcs"), details.get("siren")) {
                seller_lines.push(format!("RCS {town} {siren}"));
            }
        }
        for key in ["email", "phone"] {
            if let Some(value) = details.get(key) {
                seller_lines.push(value.clone());
            }
        }
        // What a payment part asks: an invoice's total, or what a reminder finds open with fees.
        let asked = |amount_minor: i64, number: &str| -> Result<Foot, DocError> {
            let digits = invoice_reference_digits(number)
                .ok_or_else(|| DocError::NumberWithoutDigits { number: number.to_owned() })?;
            let (account, reference) = match (details.get("qr_iban"), details.get("iban")) {
                (Some(qr_iban), _) => (qr_iban.clone(), Reference::Qr(qr_reference(&digits).unwrap_or_default())),
                (None, Some(iban)) => {
                    (iban.clone(), Reference::Creditor(creditor_reference(&digits).unwrap_or_default()))
                }
                (None, None) => return Err(DocError::NoAccount),
            };
            let bill = QrBill {
                account,
                creditor: paper.seller.clone(),
                amount_minor: Some(amount_minor),
                currency: paper.currency,
                debtor: Some(paper.customer.clone()),
                reference,
                message: number.to_owned(),
            };
            bill.validate()?;
            Ok(Foot::QrBill(Box::new(bill)))
        };
        let swiss = paper.country == rempart_domain::Country::Ch;
        let foot = match (kind, swiss) {
            (DocKind::Invoice, true) => asked(paper.gross_minor, &paper.number)?,
            (DocKind::Reminder, true) => {
                let invoice = paper.refers_to.as_ref().map_or(paper.number.as_str(), |invoice| invoice.number.as_str());
                asked(paper.reminder.as_ref().map_or(paper.gross_minor, |reminder| reminder.open_minor), invoice)?
            }
            (DocKind::Invoice | DocKind::Reminder, false) => {
                if let Some(iban) = details.get("iban") {
                    seller_lines.push(format!("IBAN {iban}"));
                }
                if kind == DocKind::Invoice {
                    Foot::FrenchMentions {
                        penalty: details.get("late_penalty").cloned(),
                        business: paper.business_customer,
                        services_vat: paper.services_vat,
                    }
                } else {
                    Foot::Nothing
                }
            }
            _ => Foot::Nothing,
        };
        let vehicle = paper.vehicle.as_ref().map(|vehicle| match vehicle.mileage_km {
            Some(km) => format!("{}, {} km", vehicle.name, locale.format_count(km as i64)),
            None => vehicle.name.clone(),
        });
        Ok(InvoiceDocument {
            kind,
            country: paper.country,
            lang,
            locale,
            currency: paper.currency,
            number: paper.number.clone(),
            date: paper.date,
            due_date: paper.until.unwrap_or(paper.date),
            seller: paper.seller.clone(),
            logo,
            seller_lines,
            customer: paper.customer.clone(),
            customer_number: paper.customer_number.clone(),
            customer_vat: paper.customer_vat.clone(),
            vehicle,
            lines: paper
                .lines
                .iter()
                .map(|line| DocLine {
                    text: line.text.clone(),
                    quantity_milli: line.quantity_milli,
                    unit: line.unit.clone(),
                    comment: line.comment,
                    unit_price_minor: line.unit_price_minor,
                    discount_bp: line.discount_bp,
                    vat_rate_bp: line.vat_rate_bp,
                    net_minor: line.net_minor,
                })
                .collect(),
            vat: paper
                .vat
                .iter()
                .map(|vat| VatRow { rate_bp: vat.rate_bp, net_minor: vat.net_minor, vat_minor: vat.vat_minor })
                .collect(),
            net_minor: paper.net_minor,
            rounding_minor: paper.rounding_minor,
            gross_minor: paper.gross_minor,
            foot,
            refers_to: paper.refers_to.clone(),
            reminder: paper.reminder.clone(),
        })
    }
}

/// The document's title: its kind and number, or a reminder's level and invoice.
fn title_text(doc: &InvoiceDocument) -> String {
    match (&doc.reminder, &doc.refers_to) {
        (Some(reminder), Some(invoice)) => {
            Label::Reminder.fill(doc.lang, &[("level", &reminder.level.to_string()), ("invoice", &invoice.number)])
        }
        _ => format!("{} {}", doc.kind.title(doc.country).text(doc.lang), doc.number),
    }
}

/// Lays out a paper as an A4 PDF, with the logo it names (`logo`, found by its hash).
pub fn paper_pdf(paper: &Paper, logo: Option<Logo>) -> Result<Vec<u8>, DocError> {
    invoice_pdf(&InvoiceDocument::from_paper(paper, logo)?)
}

pub(crate) const PT_PER_MM: f32 = 72.0 / 25.4;
const PAGE_WIDTH: f32 = 210.0;
const PAGE_HEIGHT: f32 = 297.0;
const LEFT: f32 = 20.0;
const RIGHT: f32 = 195.0;
/// The lowest a line may be set on a page without a payment part.
const BOTTOM: f32 = 22.0;
/// Height of the QR-bill payment part (an A6 landscape strip at the foot of the page).
const PAYMENT_PART_HEIGHT: f32 = 105.0;
const RECEIPT_WIDTH: f32 = 62.0;
const QR_SIZE: f32 = 46.0;
/// The box the logo fits in, at the top right of every page, and the top of that box.
const LOGO_WIDTH_MAX: f32 = 60.0;
const LOGO_HEIGHT_MAX: f32 = 12.0;
/// Under the number and page line (set at 289 mm).
const LOGO_TOP: f32 = 286.0;
/// The logo's name in each page's resources.
const LOGO_RESOURCE: &[u8] = b"Logo";
const CROSS_SIZE: f32 = 7.0;

/// Right edges of the numeric columns and the width left for descriptions.
const COL_QUANTITY: f32 = 117.0;
const COL_PRICE: f32 = 140.0;
const COL_DISCOUNT: f32 = 157.0;
const COL_VAT: f32 = 172.0;
const DESCRIPTION_WIDTH: f32 = 74.0;
const ROW: f32 = 4.2;

/// One page being drawn, in millimetres from the bottom-left corner.
pub(crate) struct Page {
    pub(crate) content: Content,
}

impl Page {
    fn new() -> Page {
        Page { content: Content::new() }
    }

    fn text(&mut self, face: Face, size: f32, x: f32, y: f32, text: &str) {
        if text.is_empty() {
            return;
        }
        let content = &mut self.content;
        content.begin_text();
        content.set_font(Name(face.resource()), size);
        content.next_line(x * PT_PER_MM, y * PT_PER_MM);
        content.show(Str(&font::encode(text)));
        content.end_text();
    }

    fn text_right(&mut self, face: Face, size: f32, right: f32, y: f32, text: &str) {
        let width = font::width(face, size, text) / PT_PER_MM;
        self.text(face, size, right - width, y, text);
    }

    fn text_centred(&mut self, face: Face, size: f32, centre: f32, y: f32, text: &str) {
        let width = font::width(face, size, text) / PT_PER_MM;
        self.text(face, size, centre - width / 2.0, y, text);
    }

    fn line(&mut self, from: (f32, f32), to: (f32, f32), width_pt: f32, dashed: bool) {
        let content = &mut self.content;
        content.set_line_width(width_pt);
        if dashed {
            content.set_dash_pattern([3.0, 2.0], 0.0);
        }
        content.move_to(from.0 * PT_PER_MM, from.1 * PT_PER_MM);
        content.line_to(to.0 * PT_PER_MM, to.1 * PT_PER_MM);
        content.stroke();
        if dashed {
            content.set_dash_pattern([], 0.0);
        }
    }

    /// Draws the document's logo image in the rectangle at (x, y), `width` by `height`.
    fn logo(&mut self, x: f32, y: f32, width: f32, height: f32) {
        let content = &mut self.content;
        content.save_state();
        content.transform([width * PT_PER_MM, 0.0, 0.0, height * PT_PER_MM, x * PT_PER_MM, y * PT_PER_MM]);
        content.x_object(Name(LOGO_RESOURCE));
        content.restore_state();
    }

    fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, gray: f32) {
        let content = &mut self.content;
        content.set_fill_gray(gray);
        content.rect(x * PT_PER_MM, y * PT_PER_MM, width * PT_PER_MM, height * PT_PER_MM);
        content.fill_nonzero();
        content.set_fill_gray(0.0);
    }
}

/// The lines of an address as printed: name, street and number, postcode and town (with the
/// country code in front for an address abroad).
fn address_lines(address: &Address, home_country: &str) -> Vec<String> {
    let mut lines = vec![address.name.clone()];
    let street = format!("{} {}", address.street, address.building_number).trim().to_owned();
    if !street.is_empty() {
        lines.push(street);
    }
    if address.country == home_country {
        lines.push(format!("{} {}", address.postcode, address.town));
    } else {
        lines.push(format!("{}-{} {}", address.country, address.postcode, address.town));
    }
    lines
}

fn quantity_text(quantity_milli: i64, locale: Locale) -> String {
    let decimal = match locale {
        Locale::Swiss => '.',
        Locale::French => ',',
    };
    let whole = quantity_milli / 1000;
    let fraction = (quantity_milli % 1000).abs();
    if fraction == 0 {
        return whole.to_string();
    }
    let sign = if quantity_milli < 0 && whole == 0 { "-" } else { "" };
    let digits = format!("{fraction:03}");
    format!("{sign}{whole}{decimal}{}", digits.trim_end_matches('0'))
}

pub(crate) fn percent_text(basis_points: u32, locale: Locale) -> String {
    let decimal = match locale {
        Locale::Swiss => '.',
        Locale::French => ',',
    };
    format!("{}{decimal}{:02}", basis_points / 100, basis_points % 100)
}

/// An amount as the QR-bill writes it: a space between thousands, a point before the cents.
fn qr_amount(amount_minor: i64) -> String {
    let whole = (amount_minor / 100).to_string();
    let mut out = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(digit);
    }
    format!("{out}.{:02}", amount_minor % 100)
}

/// An IBAN in groups of four.
fn iban_text(iban: &str) -> String {
    let compact: Vec<char> = iban.chars().filter(|c| *c != ' ').collect();
    compact.chunks(4).map(|chunk| chunk.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// A reference as printed: a QR reference in groups of five from the right, a creditor
/// reference in groups of four from the left.
fn reference_text(reference: &Reference) -> Option<String> {
    match reference {
        Reference::Qr(digits) => {
            let compact: Vec<char> = digits.chars().filter(|c| *c != ' ').collect();
            let head = compact.len() % 5;
            let mut groups = Vec::new();
            if head > 0 {
                groups.push(compact[..head].iter().collect::<String>());
            }
            groups.extend(compact[head..].chunks(5).map(|chunk| chunk.iter().collect::<String>()));
            Some(groups.join(" "))
        }
        Reference::Creditor(text) => Some(iban_text(text)),
        Reference::None => None,
    }
}

/// Lays out and writes the invoice as a PDF.
pub fn invoice_pdf(doc: &InvoiceDocument) -> Result<Vec<u8>, DocError> {
    let qr = match &doc.foot {
        Foot::QrBill(bill) => Some((bill, QrCode::with_error_correction_level(bill.payload()?, EcLevel::M)?)),
        _ => None,
    };
    let mut pages = vec![Page::new()];
    let mut y = first_page_top(&mut pages[0], doc);

    // The lines, as many pages as they need.
    let amount = |minor: i64| doc.locale.format_amount(minor, doc.currency);
    for line in &doc.lines {
        // A comment takes the width of the whole table; a line, that of its description.
        let width = if line.comment { RIGHT - LEFT } else { DESCRIPTION_WIDTH };
        let texts = font::wrap(Face::Regular, 9.0, &line.text, width * PT_PER_MM);
        let height = ROW * texts.len() as f32;
        if y - height < BOTTOM {
            pages.push(Page::new());
            y = continued_page_top(pages.last_mut().expect("a page was just added"), doc, true);
        }
        let page = pages.last_mut().expect("there is always a page");
        if line.comment {
            for text in &texts {
                page.text(Face::Regular, 9.0, LEFT, y, text);
                y -= ROW;
            }
            continue;
        }
        let quantity = match &line.unit {
            Some(unit) => format!("{} {unit}", quantity_text(line.quantity_milli, doc.locale)),
            None => quantity_text(line.quantity_milli, doc.locale),
        };
        page.text_right(Face::Regular, 9.0, COL_QUANTITY, y, &quantity);
        page.text_right(Face::Regular, 9.0, COL_PRICE, y, &amount(line.unit_price_minor));
        if line.discount_bp > 0 {
            page.text_right(Face::Regular, 9.0, COL_DISCOUNT, y, &percent_text(line.discount_bp, doc.locale));
        }
        page.text_right(Face::Regular, 9.0, COL_VAT, y, &percent_text(line.vat_rate_bp, doc.locale));
        page.text_right(Face::Regular, 9.0, RIGHT, y, &amount(line.net_minor));
        for text in &texts {
            page.text(Face::Regular, 9.0, LEFT, y, text);
            y -= ROW;
        }
    }

    // Totals, terms and mentions stay together, above the payment part if there is one.
    let terms = match doc.kind {
        DocKind::Invoice => Label::Terms.fill(
            doc.lang,
            &[
                ("days", &(doc.due_date - doc.date).num_days().to_string()),
                ("date", &doc.locale.format_date(doc.due_date)),
            ],
        ),
        DocKind::Quote => Label::QuoteTerms.fill(doc.lang, &[("date", &doc.locale.format_date(doc.due_date))]),
        DocKind::CreditNote => Label::CreditTerms.fill(
            doc.lang,
            &[
                ("number", doc.refers_to.as_ref().map_or("", |invoice| invoice.number.as_str())),
                (
                    "date",
                    &doc.refers_to.as_ref().map(|invoice| doc.locale.format_date(invoice.date)).unwrap_or_default(),
                ),
            ],
        ),
        DocKind::Reminder => Label::ReminderText.text(doc.lang).to_owned(),
    };
    let terms_lines = font::wrap(Face::Regular, 9.0, &terms, (RIGHT - LEFT) * PT_PER_MM);
    let mention_lines = match &doc.foot {
        Foot::FrenchMentions { penalty, business, services_vat } => {
            let penalty = penalty.clone().unwrap_or_else(|| Label::PenaltyDefault.text(doc.lang).to_owned());
            let mut text = Label::Penalties.fill(doc.lang, &[("penalty", &penalty)]);
            if *business {
                text.push(' ');
                text.push_str(Label::RecoveryIndemnity.text(doc.lang));
            }
            let width = (RIGHT - LEFT) * PT_PER_MM;
            // When the VAT on its services is paid, on a line of its own before the terms.
            let mut lines = match services_vat {
                Some(rempart_domain::documents::ServicesVat::OnReceipts) => {
                    font::wrap(Face::Regular, 8.0, Label::VatOnReceipts.text(doc.lang), width)
                }
                Some(rempart_domain::documents::ServicesVat::OnDebits) => {
                    font::wrap(Face::Regular, 8.0, Label::VatOnDebits.text(doc.lang), width)
                }
                None => Vec::new(),
            };
            lines.extend(font::wrap(Face::Regular, 8.0, &text, width));
            lines
        }
        _ => Vec::new(),
    };
    let total_rows = 2 + doc.vat.len() + usize::from(doc.rounding_minor != 0);
    let block = 3.0 + total_rows as f32 * 4.6 + 4.0 + ROW * terms_lines.len() as f32 + 3.6 * mention_lines.len() as f32;
    let floor = if qr.is_some() { PAYMENT_PART_HEIGHT + 6.0 } else { BOTTOM };
    if y - block < floor {
        pages.push(Page::new());
        y = continued_page_top(pages.last_mut().expect("a page was just added"), doc, false);
    }
    let page = pages.last_mut().expect("there is always a page");
    if let Some(reminder) = &doc.reminder {
        // The letter's figures: what was invoiced, what came in, the fees, what is open.
        let rows = [
            (Label::Invoiced, reminder.invoiced_minor),
            (Label::Settled, -reminder.settled_minor),
            (Label::Fees, reminder.fees_minor),
        ];
        for (label, minor) in rows {
            page.text(Face::Regular, 10.0, LEFT, y, label.text(doc.lang));
            page.text_right(Face::Regular, 10.0, RIGHT, y, &amount(minor));
            y -= 5.0;
        }
        page.line((LEFT, y + 3.6), (RIGHT, y + 3.6), 0.5, false);
        page.text(
            Face::Bold,
            10.0,
            LEFT,
            y - 0.6,
            &format!("{} {}", Label::OpenAmount.text(doc.lang), doc.currency.as_str()),
        );
        page.text_right(Face::Bold, 10.0, RIGHT, y - 0.6, &amount(reminder.open_minor));
        y -= 9.0;
        for line in &terms_lines {
            page.text(Face::Regular, 9.0, LEFT, y, line);
            y -= ROW;
        }
        if let Some((bill, code)) = &qr {
            payment_part(page, doc.lang, bill, code);
        }
        return Ok(finish(pages, doc));
    }
    page.line((COL_DISCOUNT - 12.0, y + 1.0), (RIGHT, y + 1.0), 0.5, false);
    y -= 3.0;
    page.text_right(Face::Regular, 9.0, COL_VAT, y, Label::Subtotal.text(doc.lang));
    page.text_right(Face::Regular, 9.0, RIGHT, y, &amount(doc.net_minor));
    for row in &doc.vat {
        y -= 4.6;
        let label = Label::VatOn
            .fill(doc.lang, &[("rate", &percent_text(row.rate_bp, doc.locale)), ("base", &amount(row.net_minor))]);
        page.text_right(Face::Regular, 9.0, COL_VAT, y, &label);
        page.text_right(Face::Regular, 9.0, RIGHT, y, &amount(row.vat_minor));
    }
    if doc.rounding_minor != 0 {
        y -= 4.6;
        page.text_right(Face::Regular, 9.0, COL_VAT, y, Label::Rounding.text(doc.lang));
        page.text_right(Face::Regular, 9.0, RIGHT, y, &amount(doc.rounding_minor));
    }
    y -= 4.6;
    page.line((COL_DISCOUNT - 12.0, y + 3.4), (RIGHT, y + 3.4), 0.5, false);
    page.text_right(
        Face::Bold,
        10.0,
        COL_VAT,
        y - 0.6,
        &format!("{} {}", Label::Total.text(doc.lang), doc.currency.as_str()),
    );
    page.text_right(Face::Bold, 10.0, RIGHT, y - 0.6, &amount(doc.gross_minor));
    y -= 8.6;
    for line in &terms_lines {
        page.text(Face::Regular, 9.0, LEFT, y, line);
        y -= ROW;
    }
    for line in &mention_lines {
        page.text(Face::Regular, 8.0, LEFT, y, line);
        y -= 3.6;
    }
    if let Some((bill, code)) = &qr {
        payment_part(page, doc.lang, bill, code);
    }

    Ok(finish(pages, doc))
}

/// Numbers the pages, now that their count is known, and writes the PDF.
fn finish(mut pages: Vec<Page>, doc: &InvoiceDocument) -> Vec<u8> {
    let count = pages.len();
    for (index, page) in pages.iter_mut().enumerate() {
        let text = Label::Page.fill(doc.lang, &[("page", &(index + 1).to_string()), ("pages", &count.to_string())]);
        page.text_right(Face::Regular, 7.0, RIGHT, 289.0, &format!("{}  {}", doc.number, text));
    }
    write_pdf(pages, (PAGE_WIDTH, PAGE_HEIGHT), &title_text(doc), doc.logo.as_ref())
}

/// The seller's header, on every page.
fn header(page: &mut Page, doc: &InvoiceDocument) {
    let mut y = 280.0;
    page.text(Face::Bold, 12.0, LEFT, y, &doc.seller.name);
    for line in address_lines(&doc.seller, &doc.seller.country).iter().skip(1) {
        y -= 4.2;
        page.text(Face::Regular, 9.0, LEFT, y, line);
    }
    let mut y: f32 = 280.0;
    if let Some(logo) = &doc.logo {
        let (width, height) = logo.fit(LOGO_WIDTH_MAX, LOGO_HEIGHT_MAX);
        page.logo(RIGHT - width, LOGO_TOP - height, width, height);
        y = y.min(LOGO_TOP - height - 4.0);
    }
    for line in &doc.seller_lines {
        page.text_right(Face::Regular, 8.0, RIGHT, y, line);
        y -= 3.6;
    }
}

fn table_header(page: &mut Page, lang: DocLang, y: f32) -> f32 {
    page.text(Face::Bold, 8.0, LEFT, y, Label::Description.text(lang));
    for (right, label) in [
        (COL_QUANTITY, Label::Quantity),
        (COL_PRICE, Label::UnitPrice),
        (COL_DISCOUNT, Label::Discount),
        (COL_VAT, Label::Vat),
        (RIGHT, Label::Amount),
    ] {
        page.text_right(Face::Bold, 8.0, right, y, label.text(lang));
    }
    page.line((LEFT, y - 1.5), (RIGHT, y - 1.5), 0.5, false);
    y - 6.0
}

/// Header, customer address, title and dates; returns where the first line goes.
fn first_page_top(page: &mut Page, doc: &InvoiceDocument) -> f32 {
    header(page, doc);
    let mut y = 245.0;
    for line in address_lines(&doc.customer, &doc.seller.country) {
        page.text(Face::Regular, 10.0, 120.0, y, &line);
        y -= 4.6;
    }
    page.text(Face::Bold, 16.0, LEFT, 212.0, &title_text(doc));
    let mut y = 203.0;
    let mut facts = vec![(Label::Date, doc.locale.format_date(doc.date))];
    if let Some(invoice) = &doc.refers_to {
        let of = Label::NumberOfDate
            .fill(doc.lang, &[("number", &invoice.number), ("date", &doc.locale.format_date(invoice.date))]);
        facts.push((Label::Invoice, of));
    }
    match (doc.kind, &doc.reminder) {
        (DocKind::Invoice, _) => facts.push((Label::DueDate, doc.locale.format_date(doc.due_date))),
        (DocKind::Quote, _) => facts.push((Label::ValidUntil, doc.locale.format_date(doc.due_date))),
        (DocKind::Reminder, Some(reminder)) => {
            facts.push((Label::DueDate, doc.locale.format_date(reminder.due_date)));
        }
        _ => {}
    }
    facts.push((Label::CustomerNumber, doc.customer_number.clone()));
    if let Some(vat) = &doc.customer_vat {
        facts.push((Label::YourVatNumber, vat.clone()));
    }
    if let Some(vehicle) = &doc.vehicle {
        facts.push((Label::Vehicle, vehicle.clone()));
    }
    for (label, value) in facts {
        page.text(Face::Regular, 9.0, LEFT, y, label.text(doc.lang));
        page.text(Face::Regular, 9.0, LEFT + 32.0, y, &value);
        y -= 4.6;
    }
    // A reminder's letter has no lines: its figures follow.
    if doc.kind == DocKind::Reminder { y - 6.0 } else { table_header(page, doc.lang, y - 6.0) }
}

/// The top of a following page: the header and, when lines continue there, the table's head.
fn continued_page_top(page: &mut Page, doc: &InvoiceDocument, lines_follow: bool) -> f32 {
    header(page, doc);
    page.text(Face::Bold, 12.0, LEFT, 255.0, &Label::Continued.fill(doc.lang, &[("title", &title_text(doc))]));
    if lines_follow { table_header(page, doc.lang, 245.0) } else { 243.0 }
}

/// Writes a block of heading and value lines from `y` down; returns the next free height.
fn section(page: &mut Page, x: f32, mut y: f32, sizes: (f32, f32), heading: &str, values: &[String]) -> f32 {
    let (heading_size, value_size) = sizes;
    page.text(Face::Bold, heading_size, x, y, heading);
    y -= heading_size * 0.4 + 0.6;
    for value in values {
        page.text(Face::Regular, value_size, x, y, value);
        y -= value_size * 0.4 + 0.3;
    }
    y - value_size * 0.35
}

/// The QR-bill at the foot of the page: receipt on the left (62 mm), payment part on the right
/// (148 mm), 105 mm high, with the separation lines and the Swiss QR code of 46 mm.
fn payment_part(page: &mut Page, lang: DocLang, bill: &QrBill, code: &QrCode) {
    let top = PAYMENT_PART_HEIGHT;
    page.line((0.0, top), (PAGE_WIDTH, top), 0.5, true);
    page.line((RECEIPT_WIDTH, 0.0), (RECEIPT_WIDTH, top), 0.5, true);
    page.text_centred(Face::Regular, 7.0, PAGE_WIDTH / 2.0, top + 1.5, Label::SeparateBeforePaying.text(lang));

    let account: Vec<String> = std::iter::once(iban_text(&bill.account))
        .chain(address_lines(&bill.creditor, "CH").into_iter().map(|line| line.replace("LI-", "")))
        .collect();
    let reference = reference_text(&bill.reference);
    let debtor = bill.debtor.as_ref().map(|debtor| address_lines(debtor, "CH"));
    let amount = bill.amount_minor.map(qr_amount).unwrap_or_default();

    // Receipt.
    let x = 5.0;
    page.text(Face::Bold, 11.0, x, top - 9.0, Label::Receipt.text(lang));
    let mut y = top - 16.0;
    y = section(page, x, y, (6.0, 8.0), Label::AccountPayableTo.text(lang), &account);
    if let Some(reference) = &reference {
        y = section(page, x, y, (6.0, 8.0), Label::Reference.text(lang), std::slice::from_ref(reference));
    }
    if let Some(debtor) = &debtor {
        section(page, x, y, (6.0, 8.0), Label::PayableBy.text(lang), debtor);
    }
    page.text(Face::Bold, 6.0, x, 33.0, Label::Currency.text(lang));
    page.text(Face::Bold, 6.0, x + 13.0, 33.0, Label::Amount.text(lang));
    page.text(Face::Regular, 8.0, x, 29.0, bill.currency.as_str());
    page.text(Face::Regular, 8.0, x + 13.0, 29.0, &amount);
    page.text_right(Face::Bold, 6.0, RECEIPT_WIDTH - 5.0, 18.0, Label::AcceptancePoint.text(lang));

    // Payment part.
    let x = RECEIPT_WIDTH + 5.0;
    page.text(Face::Bold, 11.0, x, top - 9.0, Label::PaymentPart.text(lang));
    qr_code(page, code, x, top - 17.0 - QR_SIZE);
    page.text(Face::Bold, 8.0, x, 33.0, Label::Currency.text(lang));
    page.text(Face::Bold, 8.0, x + 14.0, 33.0, Label::Amount.text(lang));
    page.text(Face::Regular, 10.0, x, 28.5, bill.currency.as_str());
    page.text(Face::Regular, 10.0, x + 14.0, 28.5, &amount);
    let x = RECEIPT_WIDTH + 56.0;
    let mut y = top - 9.0;
    y = section(page, x, y, (8.0, 10.0), Label::AccountPayableTo.text(lang), &account);
    if let Some(reference) = &reference {
        y = section(page, x, y, (8.0, 10.0), Label::Reference.text(lang), std::slice::from_ref(reference));
    }
    if !bill.message.is_empty() {
        let message = font::wrap(Face::Regular, 10.0, &bill.message, 82.0 * PT_PER_MM);
        y = section(page, x, y, (8.0, 10.0), Label::AdditionalInformation.text(lang), &message);
    }
    if let Some(debtor) = &debtor {
        section(page, x, y, (8.0, 10.0), Label::PayableBy.text(lang), debtor);
    }
}

/// The QR code, 46 mm square with its bottom-left corner at (x, y), and the Swiss cross of
/// 7 mm in its centre.
fn qr_code(page: &mut Page, code: &QrCode, x: f32, y: f32) {
    let width = code.width();
    let module = QR_SIZE / width as f32;
    let colors = code.to_colors();
    for row in 0..width {
        let mut column = 0;
        while column < width {
            if colors[row * width + column] != Color::Dark {
                column += 1;
                continue;
            }
            let start = column;
            while column < width && colors[row * width + column] == Color::Dark {
                column += 1;
            }
            let top = y + QR_SIZE - row as f32 * module;
            page.fill(x + start as f32 * module, top - module, (column - start) as f32 * module, module, 0.0);
        }
    }
    let centre = (x + QR_SIZE / 2.0, y + QR_SIZE / 2.0);
    page.fill(centre.0 - CROSS_SIZE / 2.0, centre.1 - CROSS_SIZE / 2.0, CROSS_SIZE, CROSS_SIZE, 1.0);
    let black = CROSS_SIZE - 1.0;
    page.fill(centre.0 - black / 2.0, centre.1 - black / 2.0, black, black, 0.0);
    // The cross of the Swiss flag: arms 6/32 of the square wide, 20/32 long end to end.
    let (arm, length) = (black * 6.0 / 32.0, black * 20.0 / 32.0);
    page.fill(centre.0 - arm / 2.0, centre.1 - length / 2.0, arm, length, 1.0);
    page.fill(centre.0 - length / 2.0, centre.1 - arm / 2.0, length, arm, 1.0);
}

pub(crate) fn write_pdf(pages: Vec<Page>, size_mm: (f32, f32), title: &str, logo: Option<&Logo>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first = 6;
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    let page_ids: Vec<Ref> = (0..pages.len()).map(|index| Ref::new(first + 2 * index as i32)).collect();
    let image = Ref::new(first + 2 * pages.len() as i32);
    let mask = Ref::new(image.get() + 1);
    if let Some(logo) = logo {
        let mut writer = pdf.image_xobject(image, &logo.samples);
        writer.filter(Filter::FlateDecode);
        writer.width(logo.width as i32).height(logo.height as i32).bits_per_component(8);
        if logo.rgb {
            writer.color_space().device_rgb();
        } else {
            writer.color_space().device_gray();
        }
        if logo.alpha.is_some() {
            writer.s_mask(mask);
        }
        writer.finish();
        if let Some(alpha) = &logo.alpha {
            let mut writer = pdf.image_xobject(mask, alpha);
            writer.filter(Filter::FlateDecode);
            writer.width(logo.width as i32).height(logo.height as i32).bits_per_component(8);
            writer.color_space().device_gray();
            writer.finish();
        }
    }
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    for (face, id) in [(Face::Regular, regular), (Face::Bold, bold)] {
        pdf.type1_font(id).base_font(Name(face.base_font())).encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info).title(TextStr(title)).producer(TextStr("Rempart"));
    for (page, id) in pages.into_iter().zip(page_ids) {
        let content_id = Ref::new(id.get() + 1);
        let mut writer = pdf.page(id);
        writer.parent(tree).media_box(Rect::new(0.0, 0.0, size_mm.0 * PT_PER_MM, size_mm.1 * PT_PER_MM));
        writer.contents(content_id);
        let mut resources = writer.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(Face::Regular.resource()), regular);
        fonts.pair(Name(Face::Bold.resource()), bold);
        fonts.finish();
        if logo.is_some() {
            resources.x_objects().pair(Name(LOGO_RESOURCE), image);
        }
        resources.finish();
        writer.finish();
        pdf.stream(content_id, &page.content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_forms() {
        assert_eq!(qr_amount(194_975), "1 949.75");
        assert_eq!(qr_amount(99_999_999_999), "999 999 999.99");
        assert_eq!(qr_amount(5), "0.05");
        assert_eq!(iban_text("CH4431999123000889012"), "CH44 3199 9123 0008 8901 2");
        assert_eq!(
            reference_text(&Reference::Qr("210000000003139471430009017".into())).as_deref(),
            Some("21 00000 00003 13947 14300 09017")
        );
        assert_eq!(
            reference_text(&Reference::Creditor("RF18539007547034".into())).as_deref(),
            Some("RF18 5390 0754 7034")
        );
        assert_eq!(quantity_text(1500, Locale::French), "1,5");
        assert_eq!(quantity_text(2000, Locale::Swiss), "2");
        assert_eq!(quantity_text(-250, Locale::Swiss), "-0.25");
        assert_eq!(percent_text(810, Locale::Swiss), "8.10");
    }
}

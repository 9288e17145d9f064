//! A till's receipt on an 80 mm roll: the seller (name, address, VAT or UID number, SIRET), the
//! till and store, the ticket number, date and time, the lines, the total, the payments and the
//! change, and the VAT per rate included in the total: what Swiss and French law require a
//! receipt to show. The page is as long as the receipt; the caller gathers the facts.

use pdf_writer::Content;

use crate::font::{self, Face};
use crate::{DocLang, Label, PT_PER_MM, Page, write_pdf};
use rempart_domain::Currency;
use rempart_domain::locale::Locale;

/// The roll's width and the printable margin on each side, in millimetres.
const ROLL_WIDTH: f32 = 80.0;
const MARGIN: f32 = 4.0;
const ROW: f32 = 3.6;
const SIZE: f32 = 8.0;

/// One line of a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    pub text: String,
    pub sku: String,
    pub qty: i64,
    pub unit_price_minor: i64,
    /// The share of the ticket's discount this line carries (positive off a sale).
    pub discount_minor: i64,
}

/// VAT included in the total, for one rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptVat {
    pub rate_bp: u32,
    pub gross_minor: i64,
    pub vat_minor: i64,
}

/// One way the ticket was paid (or paid back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptPayment {
    Cash(i64),
    Card(i64),
    Twint(i64),
    Voucher { code: String, amount_minor: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptDocument {
    pub lang: DocLang,
    pub locale: Locale,
    pub currency: Currency,
    /// The seller's name, then its address and identifiers, one per line.
    pub seller: Vec<String>,
    pub till: String,
    /// The store's name.
    pub store: String,
    pub number: String,
    /// Date and time as the company's clocks showed them.
    pub moment: String,
    /// The ticket a return takes goods back from.
    pub returns: Option<String>,
    pub lines: Vec<ReceiptLine>,
    pub total_minor: i64,
    /// Swiss cash rounding to 0.05 of the part paid in cash (zero: none).
    pub rounding_minor: i64,
    pub payments: Vec<ReceiptPayment>,
    pub change_minor: i64,
    pub vat: Vec<ReceiptVat>,
}

/// What is set on the roll, from the top: text rows and rules.
enum Row {
    Centred(Face, f32, String),
    Edges(Face, String, String),
    Rule,
}

/// Lays out and writes the receipt as a PDF one roll wide and as long as it needs.
pub fn receipt_pdf(doc: &ReceiptDocument) -> Vec<u8> {
    let amount = |minor: i64| doc.locale.format_amount(minor, doc.currency);
    let width = (ROLL_WIDTH - 2.0 * MARGIN) * PT_PER_MM;
    let mut rows = Vec::new();
    for (index, line) in doc.seller.iter().enumerate() {
        let (face, size) = if index == 0 { (Face::Bold, 10.0) } else { (Face::Regular, SIZE) };
        for part in font::wrap(face, size, line, width) {
            rows.push(Row::Centred(face, size, part));
        }
    }
    rows.push(Row::Rule);
    rows.push(Row::Edges(Face::Regular, Label::Till.fill(doc.lang, &[("till", &doc.till)]), doc.store.clone()));
    rows.push(Row::Edges(Face::Bold, Label::TicketTitle.fill(doc.lang, &[("number", &doc.number)]), String::new()));
    rows.push(Row::Edges(Face::Regular, doc.moment.clone(), String::new()));
    if let Some(original) = &doc.returns {
        rows.push(Row::Edges(Face::Regular, Label::Returns.fill(doc.lang, &[("number", original)]), String::new()));
    }
    rows.push(Row::Rule);
    for line in &doc.lines {
        let texts = font::wrap(Face::Regular, SIZE, &line.text, width * 0.7);
        for (index, text) in texts.iter().enumerate() {
            let right = if index == 0 { amount(line.qty.saturating_mul(line.unit_price_minor)) } else { String::new() };
            rows.push(Row::Edges(Face::Regular, text.clone(), right));
        }
        rows.push(Row::Edges(
            Face::Regular,
            format!("  {} × {}  {}", line.qty, amount(line.unit_price_minor), line.sku),
            String::new(),
        ));
        if line.discount_minor != 0 {
            rows.push(Row::Edges(
                Face::Regular,
                format!("  {}", Label::TicketDiscount.text(doc.lang)),
                amount(-line.discount_minor),
            ));
        }
    }
    rows.push(Row::Rule);
    rows.push(Row::Edges(
        Face::Bold,
        format!("{} {}", Label::Total.text(doc.lang), doc.currency.as_str()),
        amount(doc.total_minor),
    ));
    if doc.rounding_minor != 0 {
        rows.push(Row::Edges(Face::Regular, Label::CashRounding.text(doc.lang).to_owned(), amount(doc.rounding_minor)));
    }
    for payment in &doc.payments {
        let (name, minor) = match payment {
            ReceiptPayment::Cash(minor) => (Label::PayCash.text(doc.lang).to_owned(), *minor),
            ReceiptPayment::Card(minor) => (Label::PayCard.text(doc.lang).to_owned(), *minor),
            ReceiptPayment::Twint(minor) => (Label::PayTwint.text(doc.lang).to_owned(), *minor),
            ReceiptPayment::Voucher { code, amount_minor } => {
                (Label::PayVoucher.fill(doc.lang, &[("code", code)]), *amount_minor)
            }
        };
        rows.push(Row::Edges(Face::Regular, name, amount(minor)));
    }
    if doc.change_minor != 0 {
        rows.push(Row::Edges(Face::Regular, Label::Change.text(doc.lang).to_owned(), amount(doc.change_minor)));
    }
    rows.push(Row::Rule);
    for vat in &doc.vat {
        let rate = crate::percent_text(vat.rate_bp, doc.locale);
        rows.push(Row::Edges(
            Face::Regular,
            Label::VatIncluded.fill(doc.lang, &[("rate", &rate), ("gross", &amount(vat.gross_minor))]),
            amount(vat.vat_minor),
        ));
    }
    rows.push(Row::Rule);
    rows.push(Row::Centred(Face::Regular, SIZE, Label::Thanks.text(doc.lang).to_owned()));

    let height = 2.0 * MARGIN + ROW * rows.len() as f32;
    let mut page = Page { content: Content::new() };
    let (left, right) = (MARGIN, ROLL_WIDTH - MARGIN);
    let mut y = height - MARGIN - ROW + 1.0;
    for row in rows {
        match row {
            Row::Centred(face, size, text) => page.text_centred(face, size, ROLL_WIDTH / 2.0, y, &text),
            Row::Edges(face, text, amount) => {
                page.text(face, SIZE, left, y, &text);
                page.text_right(face, SIZE, right, y, &amount);
            }
            Row::Rule => page.line((left, y + 1.2), (right, y + 1.2), 0.4, true),
        }
        y -= ROW;
    }
    let title = Label::TicketTitle.fill(doc.lang, &[("number", &doc.number)]);
    write_pdf(vec![page], (ROLL_WIDTH, height), &title, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_is_one_roll_wide_and_as_long_as_its_lines() {
        let doc = |lines: usize| ReceiptDocument {
            lang: DocLang::Fr,
            locale: Locale::Swiss,
            currency: Currency::CHF,
            seller: vec!["Mode du Lac SA".into(), "Rue du Rhône 1, 1204 Genève".into(), "CHE-123.456.789 TVA".into()],
            till: "GE1-1".into(),
            store: "Genève Rive".into(),
            number: "GE1-1-000001".into(),
            moment: "02.03.2026 14:05".into(),
            returns: None,
            lines: (0..lines)
                .map(|index| ReceiptLine {
                    text: format!("Veste laine {index}"),
                    sku: "JKT-M".into(),
                    qty: 1,
                    unit_price_minor: 18_900,
                    discount_minor: 0,
                })
                .collect(),
            total_minor: 18_900 * lines as i64,
            rounding_minor: 0,
            payments: vec![ReceiptPayment::Cash(20_000 * lines as i64)],
            change_minor: 1_100 * lines as i64,
            vat: vec![ReceiptVat { rate_bp: 810, gross_minor: 18_900 * lines as i64, vat_minor: 1_416 * lines as i64 }],
        };
        let media_box = |pdf: &[u8]| {
            let text = String::from_utf8_lossy(pdf);
            let start = text.find("/MediaBox [").expect("a media box") + "/MediaBox [".len();
            let numbers: Vec<f32> =
                text[start..].split(']').next().unwrap().split_whitespace().map(|n| n.parse().unwrap()).collect();
            (numbers[2] / PT_PER_MM, numbers[3] / PT_PER_MM)
        };
        let (one_width, one_height) = media_box(&receipt_pdf(&doc(1)));
        let (ten_width, ten_height) = media_box(&receipt_pdf(&doc(10)));
        assert!((one_width - 80.0).abs() < 0.01 && (ten_width - 80.0).abs() < 0.01);
        // Each line more adds its two rows.
        assert!((ten_height - one_height - 9.0 * 2.0 * ROW).abs() < 0.01, "{one_height} {ten_height}");
        let pdf = String::from_utf8_lossy(&receipt_pdf(&doc(1))).into_owned();
        assert!(pdf.contains("Ticket GE1-1-000001"), "the title names the ticket");
    }
}

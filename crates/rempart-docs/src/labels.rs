//! The words printed on documents, in the four languages a customer of a Swiss or French company
//! may read: French, German, Italian and English, from the documents' catalogues
//! (`crates/rempart-docs/i18n/{fr,de,it,en}.ftl`, Project Fluent). The QR-bill headings are the
//! ones the Swiss Implementation Guidelines prescribe for each language.

/// The language of a document: the customer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocLang {
    Fr,
    De,
    It,
    En,
}

impl DocLang {
    /// From a contact's `language` field; anything else falls back to `default`.
    pub fn from_code(code: Option<&str>, default: DocLang) -> DocLang {
        match code {
            Some("fr") => DocLang::Fr,
            Some("de") => DocLang::De,
            Some("it") => DocLang::It,
            Some("en") => DocLang::En,
            _ => default,
        }
    }

    fn index(self) -> usize {
        match self {
            DocLang::Fr => 0,
            DocLang::De => 1,
            DocLang::It => 2,
            DocLang::En => 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Invoice,
    /// The title of a following page.
    Continued,
    Date,
    DueDate,
    CustomerNumber,
    YourVatNumber,
    VatNumber,
    Description,
    Quantity,
    UnitPrice,
    Discount,
    Vat,
    Amount,
    Subtotal,
    VatOn,
    Rounding,
    Total,
    Terms,
    Page,
    Penalties,
    PenaltyDefault,
    // The QR-bill.
    Receipt,
    PaymentPart,
    AccountPayableTo,
    Reference,
    AdditionalInformation,
    PayableBy,
    PayableByNameAddress,
    Currency,
    AcceptancePoint,
    SeparateBeforePaying,
    // The till's receipt.
    TicketTitle,
    Till,
    Returns,
    Change,
    /// Swiss cash rounding to 0.05.
    CashRounding,
    VatIncluded,
    PayCash,
    PayCard,
    PayTwint,
    PayVoucher,
    TicketDiscount,
    Thanks,
    // Quotes.
    Quote,
    ValidUntil,
    QuoteTerms,
    Vehicle,
    // Credit notes and reminders.
    CreditNote,
    CreditNoteFrance,
    Reminder,
    NumberOfDate,
    CreditTerms,
    ReminderText,
    Invoiced,
    Settled,
    Fees,
    OpenAmount,
    // French mentions.
    ShareCapital,
    RecoveryIndemnity,
    VatOnReceipts,
    VatOnDebits,
}

impl Label {
    /// The message of this label in the documents' catalogues (`crates/rempart-docs/i18n`).
    fn id(self) -> &'static str {
        match self {
            Label::Invoice => "doc-invoice",
            Label::Continued => "doc-continued",
            Label::Date => "doc-date",
            Label::DueDate => "doc-due-date",
            Label::CustomerNumber => "doc-customer-number",
            Label::YourVatNumber => "doc-your-vat-number",
            Label::VatNumber => "doc-vat-number",
            Label::Description => "doc-description",
            Label::Quantity => "doc-quantity",
            Label::UnitPrice => "doc-unit-price",
            Label::Discount => "doc-discount",
            Label::Vat => "doc-vat",
            Label::Amount => "doc-amount",
            Label::Subtotal => "doc-subtotal",
            Label::VatOn => "doc-vat-on",
            Label::Rounding => "doc-rounding",
            Label::Total => "doc-total",
            Label::Terms => "doc-terms",
            Label::Page => "doc-page",
            Label::Penalties => "doc-penalties",
            Label::PenaltyDefault => "doc-penalty-default",
            Label::Receipt => "doc-receipt",
            Label::PaymentPart => "doc-payment-part",
            Label::AccountPayableTo => "doc-account-payable-to",
            Label::Reference => "doc-reference",
            Label::AdditionalInformation => "doc-additional-information",
            Label::PayableBy => "doc-payable-by",
            Label::PayableByNameAddress => "doc-payable-by-name-address",
            Label::Currency => "doc-currency",
            Label::AcceptancePoint => "doc-acceptance-point",
            Label::SeparateBeforePaying => "doc-separate-before-paying",
            Label::TicketTitle => "doc-ticket",
            Label::Till => "doc-till",
            Label::Returns => "doc-returns",
            Label::Change => "doc-change",
            Label::CashRounding => "doc-cash-rounding",
            Label::VatIncluded => "doc-vat-included",
            Label::PayCash => "doc-pay-cash",
            Label::PayCard => "doc-pay-card",
            Label::PayTwint => "doc-pay-twint",
            Label::PayVoucher => "doc-pay-voucher",
            Label::TicketDiscount => "doc-ticket-discount",
            Label::Thanks => "doc-thanks",
            Label::Quote => "doc-quote",
            Label::ValidUntil => "doc-valid-until",
            Label::QuoteTerms => "doc-quote-terms",
            Label::Vehicle => "doc-vehicle",
            Label::CreditNote => "doc-credit-note",
            Label::CreditNoteFrance => "doc-credit-note-france",
            Label::Reminder => "doc-reminder",
            Label::NumberOfDate => "doc-number-of-date",
            Label::CreditTerms => "doc-credit-terms",
            Label::ReminderText => "doc-reminder-text",
            Label::Invoiced => "doc-invoiced",
            Label::Settled => "doc-settled",
            Label::Fees => "doc-fees",
            Label::OpenAmount => "doc-open-amount",
            Label::ShareCapital => "doc-share-capital",
            Label::RecoveryIndemnity => "doc-recovery-indemnity",
            Label::VatOnReceipts => "doc-vat-on-receipts",
            Label::VatOnDebits => "doc-vat-on-debits",
        }
    }

    pub fn text(self, lang: DocLang) -> &'static str {
        let id = self.id();
        match catalogue(lang).get(id) {
            Some(text) => text,
            // Every label is in every catalogue (`every_label_is_in_every_language`).
            None => panic!("the {lang:?} documents' catalogue lacks {id}"),
        }
    }

    /// The text with its `{ $name }` placeholders filled.
    pub fn fill(self, lang: DocLang, values: &[(&str, &str)]) -> String {
        let mut text = self.text(lang).to_owned();
        for (name, value) in values {
            text = text.replace(&format!("{{ ${name} }}"), value);
        }
        debug_assert!(!text.contains('{'), "{self:?} left a placeholder: {text}");
        text
    }
}

/// The catalogue of one language: its messages by id, read once. The files hold one message a
/// line (`id = text`), which is Project Fluent's syntax, so translators' tools read them too.
fn catalogue(lang: DocLang) -> &'static std::collections::HashMap<&'static str, &'static str> {
    use std::sync::OnceLock;
    static CATALOGUES: [OnceLock<std::collections::HashMap<&'static str, &'static str>>; 4] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];
    CATALOGUES[lang.index()].get_or_init(|| {
        SOURCES[lang.index()]
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split_once(" = "))
            .map(|(id, text)| (id.trim(), text))
            .collect()
    })
}

/// The catalogues, in the order of `DocLang::index`.
const SOURCES: [&str; 4] = [
    include_str!("../i18n/fr.ftl"),
    include_str!("../i18n/de.ftl"),
    include_str!("../i18n/it.ftl"),
    include_str!("../i18n/en.ftl"),
];

/// Every label, for the test that each is in every language.
#[cfg(test)]
const ALL: [Label; 61] = [
    Label::Invoice,
    Label::Continued,
    Label::Date,
    Label::DueDate,
    Label::CustomerNumber,
    Label::YourVatNumber,
    Label::VatNumber,
    Label::Description,
    Label::Quantity,
    Label::UnitPrice,
    Label::Discount,
    Label::Vat,
    Label::Amount,
    Label::Subtotal,
    Label::VatOn,
    Label::Rounding,
    Label::Total,
    Label::Terms,
    Label::Page,
    Label::Penalties,
    Label::PenaltyDefault,
    Label::Receipt,
    Label::PaymentPart,
    Label::AccountPayableTo,
    Label::Reference,
    Label::AdditionalInformation,
    Label::PayableBy,
    Label::PayableByNameAddress,
    Label::Currency,
    Label::AcceptancePoint,
    Label::SeparateBeforePaying,
    Label::TicketTitle,
    Label::Till,
    Label::Returns,
    Label::Change,
    Label::CashRounding,
    Label::VatIncluded,
    Label::PayCash,
    Label::PayCard,
    Label::PayTwint,
    Label::PayVoucher,
    Label::TicketDiscount,
    Label::Thanks,
    Label::Quote,
    Label::ValidUntil,
    Label::QuoteTerms,
    Label::Vehicle,
    Label::CreditNote,
    Label::CreditNoteFrance,
    Label::Reminder,
    Label::NumberOfDate,
    Label::CreditTerms,
    Label::ReminderText,
    Label::Invoiced,
    Label::Settled,
    Label::Fees,
    Label::OpenAmount,
    Label::ShareCapital,
    Label::RecoveryIndemnity,
    Label::VatOnReceipts,
    Label::VatOnDebits,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every label has its words in every language, with the same placeholders, and each
    /// catalogue holds nothing else.
    #[test]
    fn every_label_is_in_every_language() {
        let placeholders = |text: &str| {
            let mut names: Vec<String> =
                text.split("{ $").skip(1).filter_map(|rest| rest.split(" }").next()).map(str::to_owned).collect();
            names.sort();
            names
        };
        for lang in [DocLang::Fr, DocLang::De, DocLang::It, DocLang::En] {
            assert_eq!(catalogue(lang).len(), ALL.len(), "{lang:?}");
            for label in ALL {
                assert!(!label.text(lang).is_empty(), "{label:?} {lang:?}");
                assert_eq!(placeholders(label.text(lang)), placeholders(label.text(DocLang::En)), "{label:?} {lang:?}");
            }
        }
    }
}

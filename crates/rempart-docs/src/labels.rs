//! The words printed on documents, in the four languages a customer of a Swiss or French company
//! may read: French, German, Italian and English. The QR-bill headings are the ones the Swiss
//! Implementation Guidelines prescribe for each language.

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
    InvoiceContinued,
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
}

impl Label {
    fn texts(self) -> [&'static str; 4] {
        match self {
            Label::Invoice => ["Facture", "Rechnung", "Fattura", "Invoice"],
            Label::InvoiceContinued => [
                "Facture {number} (suite)",
                "Rechnung {number} (Fortsetzung)",
                "Fattura {number} (continuazione)",
                "Invoice {number} (continued)",
            ],
            Label::Date => ["Date", "Datum", "Data", "Date"],
            Label::DueDate => ["Échéance", "Fällig am", "Scadenza", "Due date"],
            Label::CustomerNumber => ["N° client", "Kundennummer", "N. cliente", "Customer no."],
            Label::YourVatNumber => ["Votre n° TVA", "Ihre MWST-Nr.", "Vostro n. IVA", "Your VAT no."],
            Label::VatNumber => ["N° TVA", "MWST-Nr.", "N. IVA", "VAT no."],
            Label::Description => ["Désignation", "Bezeichnung", "Descrizione", "Description"],
            Label::Quantity => ["Quantité", "Menge", "Quantità", "Quantity"],
            Label::UnitPrice => ["Prix unitaire", "Einzelpreis", "Prezzo unitario", "Unit price"],
            Label::Discount => ["Rabais %", "Rabatt %", "Sconto %", "Discount %"],
            Label::Vat => ["TVA %", "MWST %", "IVA %", "VAT %"],
            Label::Amount => ["Montant", "Betrag", "Importo", "Amount"],
            Label::Subtotal => ["Total hors TVA", "Total ohne MWST", "Totale senza IVA", "Total excluding VAT"],
            Label::VatOn => [
                "TVA {rate} % sur {base}",
                "MWST {rate} % auf {base}",
                "IVA {rate} % su {base}",
                "VAT {rate} % on {base}",
            ],
            Label::Rounding => ["Arrondi", "Rundung", "Arrotondamento", "Rounding"],
            Label::Total => ["Total TTC", "Total inkl. MWST", "Totale IVA inclusa", "Total including VAT"],
            Label::Terms => [
                "Payable à {days} jours, au plus tard le {date}.",
                "Zahlbar innert {days} Tagen, spätestens am {date}.",
                "Pagabile entro {days} giorni, al più tardi il {date}.",
                "Payable within {days} days, by {date} at the latest.",
            ],
            Label::Page => {
                ["Page {page} / {pages}", "Seite {page} / {pages}", "Pagina {page} / {pages}", "Page {page} / {pages}"]
            }
            Label::Penalties => [
                "En cas de retard de paiement : pénalités de retard au taux de {penalty}, et indemnité forfaitaire pour frais de recouvrement de 40 € (art. L441-10 du Code de commerce). Pas d'escompte pour paiement anticipé.",
                "Bei Zahlungsverzug: Verzugszinsen in Höhe von {penalty} und eine Pauschalentschädigung für Beitreibungskosten von 40 EUR (Art. L441-10 des französischen Handelsgesetzbuchs). Kein Skonto bei vorzeitiger Zahlung.",
                "In caso di ritardo nel pagamento: interessi di mora pari a {penalty} e indennità forfettaria per spese di recupero di 40 EUR (art. L441-10 del Codice di commercio francese). Nessuno sconto per pagamento anticipato.",
                "Late payment: penalties at {penalty}, and a fixed compensation for recovery costs of EUR 40 (art. L441-10 of the French Commercial Code). No discount for early payment.",
            ],
            Label::PenaltyDefault => [
                "trois fois le taux d'intérêt légal",
                "dem Dreifachen des gesetzlichen Zinssatzes",
                "tre volte il tasso di interesse legale",
                "three times the legal interest rate",
            ],
            Label::Receipt => ["Récépissé", "Empfangsschein", "Ricevuta", "Receipt"],
            Label::PaymentPart => ["Section paiement", "Zahlteil", "Sezione pagamento", "Payment part"],
            Label::AccountPayableTo => {
                ["Compte / Payable à", "Konto / Zahlbar an", "Conto / Pagabile a", "Account / Payable to"]
            }
            Label::Reference => ["Référence", "Referenz", "Riferimento", "Reference"],
            Label::AdditionalInformation => [
                "Informations supplémentaires",
                "Zusätzliche Informationen",
                "Informazioni supplementari",
                "Additional information",
            ],
            Label::PayableBy => ["Payable par", "Zahlbar durch", "Pagabile da", "Payable by"],
            Label::PayableByNameAddress => [
                "Payable par (nom/adresse)",
                "Zahlbar durch (Name/Adresse)",
                "Pagabile da (nome/indirizzo)",
                "Payable by (name/address)",
            ],
            Label::Currency => ["Monnaie", "Währung", "Valuta", "Currency"],
            Label::AcceptancePoint => ["Point de dépôt", "Annahmestelle", "Punto di accettazione", "Acceptance point"],
            Label::SeparateBeforePaying => [
                "A détacher avant le versement",
                "Vor der Einzahlung abzutrennen",
                "Da staccare prima del versamento",
                "Separate before paying in",
            ],
        }
    }

    pub fn text(self, lang: DocLang) -> &'static str {
        self.texts()[lang.index()]
    }

    /// The text with its `{name}` placeholders filled.
    pub fn fill(self, lang: DocLang, values: &[(&str, &str)]) -> String {
        let mut text = self.text(lang).to_owned();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        debug_assert!(!text.contains('{'), "{self:?} left a placeholder: {text}");
        text
    }
}

//! Every error of every crate of Rempart in the reader's language: one message of the catalogue
//! per kind, chosen by an exhaustive match, so a new kind does not compile until it has its words
//! (and the catalogue's test fails until they are in French, German and English). Texts inside an
//! error that come from elsewhere (an operating system's or SQLite's words) are shown as they are.

use crate::i18n::Lang;

/// An error told in the reader's language.
pub trait Speak {
    fn speak(&self, lang: Lang) -> String;
}

impl Speak for rempart_docs::DocError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_docs::DocError::QrBill(value0) => value0.speak(lang),
            rempart_docs::DocError::QrCode(value0) => lang.fill("err.doc.qr_code", &[("value", value0)]),
        }
    }
}

impl Speak for rempart_docs::LogoError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_docs::LogoError::TooLarge => {
                lang.fill("err.logo.too_large", &[("logo_bytes_max", &(rempart_docs::logo::LOGO_BYTES_MAX / 1024))])
            }
            rempart_docs::LogoError::NotPng(value0) => lang.fill("err.logo.not_png", &[("value", value0)]),
            rempart_docs::LogoError::TooManyPixels { width, height } => lang.fill(
                "err.logo.too_many_pixels",
                &[("width", width), ("height", height), ("LOGO_SIDE_MAX", &rempart_docs::logo::LOGO_SIDE_MAX)],
            ),
        }
    }
}

impl Speak for rempart_domain::bills::BillError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::bills::BillError::Empty => lang.text("err.bill.empty").to_owned(),
            rempart_domain::bills::BillError::BadLine { text } => lang.fill("err.bill.bad_line", &[("text", text)]),
            rempart_domain::bills::BillError::NotPositive => lang.text("err.bill.not_positive").to_owned(),
            rempart_domain::bills::BillError::UnknownVatCode { code } => {
                lang.fill("err.bill.unknown_vat_code", &[("code", code)])
            }
            rempart_domain::bills::BillError::OutputVatCode { code } => {
                lang.fill("err.bill.output_vat_code", &[("code", code)])
            }
            rempart_domain::bills::BillError::VatCodeNotInForce { code, date } => {
                lang.fill("err.bill.vat_code_not_in_force", &[("code", code), ("date", date)])
            }
            rempart_domain::bills::BillError::NotExpense { account } => {
                lang.fill("err.bill.not_expense", &[("account", account)])
            }
            rempart_domain::bills::BillError::NoReference => lang.text("err.bill.no_reference").to_owned(),
            rempart_domain::bills::BillError::Duplicate { supplier, reference } => {
                lang.fill("err.bill.duplicate", &[("supplier", supplier), ("reference", reference)])
            }
            rempart_domain::bills::BillError::UnknownBill { id } => lang.fill("err.bill.unknown_bill", &[("id", id)]),
            rempart_domain::bills::BillError::MoreThanOpen { amount, open } => {
                lang.fill("err.bill.more_than_open", &[("amount", amount), ("open", open)])
            }
        }
    }
}

impl Speak for rempart_domain::catalogue::ItemError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::catalogue::ItemError::BadCode { code } => lang.fill("err.item.bad_code", &[("code", code)]),
            rempart_domain::catalogue::ItemError::Exists { code } => lang.fill("err.item.exists", &[("code", code)]),
            rempart_domain::catalogue::ItemError::Unknown { code } => lang.fill("err.item.unknown", &[("code", code)]),
            rempart_domain::catalogue::ItemError::BadLabel => lang.text("err.item.bad_label").to_owned(),
            rempart_domain::catalogue::ItemError::BadUnit { unit } => lang.fill("err.item.bad_unit", &[("unit", unit)]),
            rempart_domain::catalogue::ItemError::Price(value0) => {
                lang.fill("err.item.price", &[("value", &value0.speak(lang))])
            }
            rempart_domain::catalogue::ItemError::NegativePrice => lang.text("err.item.negative_price").to_owned(),
            rempart_domain::catalogue::ItemError::UnknownVatCode { code } => {
                lang.fill("err.item.unknown_vat_code", &[("code", code)])
            }
            rempart_domain::catalogue::ItemError::InputVatCode { code } => {
                lang.fill("err.item.input_vat_code", &[("code", code)])
            }
            rempart_domain::catalogue::ItemError::UnknownAccount { account } => {
                lang.fill("err.item.unknown_account", &[("account", account)])
            }
            rempart_domain::catalogue::ItemError::NotRevenue { account } => {
                lang.fill("err.item.not_revenue", &[("account", account)])
            }
            rempart_domain::catalogue::ItemError::NothingToChange => lang.text("err.item.nothing_to_change").to_owned(),
        }
    }
}

impl Speak for rempart_domain::contacts::ContactError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::contacts::ContactError::BadId { id } => lang.fill("err.contact.bad_id", &[("id", id)]),
            rempart_domain::contacts::ContactError::UnknownContact { id } => {
                lang.fill("err.contact.unknown_contact", &[("id", id)])
            }
            rempart_domain::contacts::ContactError::ContactExists { id } => {
                lang.fill("err.contact.contact_exists", &[("id", id)])
            }
            rempart_domain::contacts::ContactError::NameMissing => lang.text("err.contact.name_missing").to_owned(),
            rempart_domain::contacts::ContactError::UnknownField { name } => lang.fill(
                "err.contact.unknown_field",
                &[("name", name), ("standard_fields", &(rempart_domain::contacts::STANDARD_FIELDS.join(", ")))],
            ),
            rempart_domain::contacts::ContactError::BadFieldName { name } => {
                lang.fill("err.contact.bad_field_name", &[("name", name)])
            }
            rempart_domain::contacts::ContactError::FieldExists { name } => {
                lang.fill("err.contact.field_exists", &[("name", name)])
            }
            rempart_domain::contacts::ContactError::BadValue { field, value, reason } => {
                lang.fill("err.contact.bad_value", &[("field", field), ("value", value), ("reason", reason)])
            }
            rempart_domain::contacts::ContactError::NothingToChange => {
                lang.text("err.contact.nothing_to_change").to_owned()
            }
        }
    }
}

impl Speak for rempart_domain::dunning::DunningError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::dunning::DunningError::Draft { id } => lang.fill("err.dunning.draft", &[("id", id)]),
            rempart_domain::dunning::DunningError::NothingOpen { invoice } => {
                lang.fill("err.dunning.nothing_open", &[("invoice", invoice)])
            }
            rempart_domain::dunning::DunningError::AllSent { invoice } => {
                lang.fill("err.dunning.all_sent", &[("invoice", invoice)])
            }
            rempart_domain::dunning::DunningError::NotDue { invoice, level, from } => {
                lang.fill("err.dunning.not_due", &[("level", level), ("invoice", invoice), ("from", from)])
            }
            rempart_domain::dunning::DunningError::Fee { field, source } => {
                lang.fill("err.dunning.fee", &[("field", field), ("source", &source.speak(lang))])
            }
        }
    }
}

impl Speak for rempart_domain::FactError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::FactError::UnknownKind { kind } => lang.fill("err.fact.unknown_kind", &[("kind", kind)]),
            rempart_domain::FactError::Payload { kind, source } => {
                lang.fill("err.fact.payload", &[("kind", kind), ("source", source)])
            }
        }
    }
}

impl Speak for rempart_domain::invoices::InvoiceError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::invoices::InvoiceError::NotIssued { id } => {
                lang.fill("err.invoice.not_issued", &[("id", id)])
            }
            rempart_domain::invoices::InvoiceError::NoSuchLine { line } => {
                lang.fill("err.invoice.no_such_line", &[("line", line)])
            }
            rempart_domain::invoices::InvoiceError::CreditQuantity { line } => {
                lang.fill("err.invoice.credit_quantity", &[("line", line)])
            }
            rempart_domain::invoices::InvoiceError::CreditTooLarge { credit, remaining } => {
                lang.fill("err.invoice.credit_too_large", &[("credit", credit), ("remaining", remaining)])
            }
            rempart_domain::invoices::InvoiceError::UnknownInvoice { id } => {
                lang.fill("err.invoice.unknown_invoice", &[("id", id)])
            }
            rempart_domain::invoices::InvoiceError::AlreadyIssued { id, number } => {
                lang.fill("err.invoice.already_issued", &[("id", id), ("number", number)])
            }
            rempart_domain::invoices::InvoiceError::UnknownItem { code } => {
                lang.fill("err.invoice.unknown_item", &[("code", code)])
            }
            rempart_domain::invoices::InvoiceError::InactiveItem { code } => {
                lang.fill("err.invoice.inactive_item", &[("code", code)])
            }
            rempart_domain::invoices::InvoiceError::LineIncomplete => {
                lang.text("err.invoice.line_incomplete").to_owned()
            }
            rempart_domain::invoices::InvoiceError::BadQuantity { text } => {
                lang.fill("err.invoice.bad_quantity", &[("text", text)])
            }
            rempart_domain::invoices::InvoiceError::QuantityOutOfRange => {
                lang.text("err.invoice.quantity_out_of_range").to_owned()
            }
            rempart_domain::invoices::InvoiceError::BadDiscount { text } => {
                lang.fill("err.invoice.bad_discount", &[("text", text)])
            }
            rempart_domain::invoices::InvoiceError::Price(value0) => {
                lang.fill("err.invoice.price", &[("value", &value0.speak(lang))])
            }
            rempart_domain::invoices::InvoiceError::NegativePrice => lang.text("err.invoice.negative_price").to_owned(),
            rempart_domain::invoices::InvoiceError::UnknownVatCode { code } => {
                lang.fill("err.invoice.unknown_vat_code", &[("code", code)])
            }
            rempart_domain::invoices::InvoiceError::InputVatCode { code } => {
                lang.fill("err.invoice.input_vat_code", &[("code", code)])
            }
            rempart_domain::invoices::InvoiceError::VatCodeNotInForce { code, date } => {
                lang.fill("err.invoice.vat_code_not_in_force", &[("code", code), ("date", date)])
            }
            rempart_domain::invoices::InvoiceError::NotRevenue { account } => {
                lang.fill("err.invoice.not_revenue", &[("account", account)])
            }
            rempart_domain::invoices::InvoiceError::EmptyText => lang.text("err.invoice.empty_text").to_owned(),
            rempart_domain::invoices::InvoiceError::TooManyLines => lang.fill(
                "err.invoice.too_many_lines",
                &[("INVOICE_LINES_MAX", &rempart_domain::invoices::INVOICE_LINES_MAX)],
            ),
            rempart_domain::invoices::InvoiceError::Empty => lang.text("err.invoice.empty").to_owned(),
            rempart_domain::invoices::InvoiceError::NotPositive => lang.text("err.invoice.not_positive").to_owned(),
            rempart_domain::invoices::InvoiceError::Overflow => lang.text("err.invoice.overflow").to_owned(),
        }
    }
}

impl Speak for rempart_domain::locale::DateUnreadable {
    fn speak(&self, lang: Lang) -> String {
        let rempart_domain::locale::DateUnreadable { text, locale } = self;
        lang.fill("error.not_a_date", &[("text", text), ("forms", &locale.date_forms())])
    }
}

impl Speak for rempart_domain::AmountError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::AmountError::Empty => lang.text("error.amount_empty").to_owned(),
            rempart_domain::AmountError::Malformed { text } => lang.fill("err.amount.malformed", &[("text", text)]),
            rempart_domain::AmountError::TooManyDecimals { text, currency, exponent } => {
                lang.fill("error.too_many_decimals", &[("text", text), ("currency", currency), ("exponent", exponent)])
            }
            rempart_domain::AmountError::TooLarge { text } => lang.fill("error.amount_too_large", &[("text", text)]),
            rempart_domain::AmountError::BadCurrency { text } => {
                lang.fill("err.amount.bad_currency", &[("text", text)])
            }
            rempart_domain::AmountError::NotInLocale { text, locale } => {
                let [a, b, c] = locale.amount_examples();
                lang.fill("error.not_an_amount", &[("text", text), ("a", &a), ("b", &b), ("c", &c)])
            }
        }
    }
}

impl Speak for rempart_domain::payments::PaymentError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::payments::PaymentError::NotPositive => lang.text("err.payment.not_positive").to_owned(),
            rempart_domain::payments::PaymentError::NotOpen { invoice } => {
                lang.fill("err.payment.not_open", &[("invoice", invoice)])
            }
            rempart_domain::payments::PaymentError::MoreThanOpen { invoice, open, allocated } => lang
                .fill("err.payment.more_than_open", &[("invoice", invoice), ("open", open), ("allocated", allocated)]),
            rempart_domain::payments::PaymentError::MoreThanPaid => lang.text("err.payment.more_than_paid").to_owned(),
            rempart_domain::payments::PaymentError::NotMoneyAccount { account } => {
                lang.fill("err.payment.not_money_account", &[("account", account)])
            }
        }
    }
}

impl Speak for rempart_domain::qrbill::QrBillError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::qrbill::QrBillError::BadIban { account } => {
                lang.fill("err.qr_bill.bad_iban", &[("account", account)])
            }
            rempart_domain::qrbill::QrBillError::NotSwissAccount => {
                lang.text("err.qr_bill.not_swiss_account").to_owned()
            }
            rempart_domain::qrbill::QrBillError::QrIbanNeedsQrReference => {
                lang.text("err.qr_bill.qr_iban_needs_qr_reference").to_owned()
            }
            rempart_domain::qrbill::QrBillError::QrReferenceNeedsQrIban => {
                lang.text("err.qr_bill.qr_reference_needs_qr_iban").to_owned()
            }
            rempart_domain::qrbill::QrBillError::BadQrReference { reference } => {
                lang.fill("err.qr_bill.bad_qr_reference", &[("reference", reference)])
            }
            rempart_domain::qrbill::QrBillError::BadCreditorReference { reference } => {
                lang.fill("err.qr_bill.bad_creditor_reference", &[("reference", reference)])
            }
            rempart_domain::qrbill::QrBillError::AmountOutOfRange => {
                lang.text("err.qr_bill.amount_out_of_range").to_owned()
            }
            rempart_domain::qrbill::QrBillError::Currency { currency } => {
                lang.fill("err.qr_bill.currency", &[("currency", currency)])
            }
            rempart_domain::qrbill::QrBillError::UnstructuredAddress { who, field } => {
                lang.fill("err.qr_bill.unstructured_address", &[("who", who), ("field", field)])
            }
            rempart_domain::qrbill::QrBillError::MessageTooLong => lang.text("err.qr_bill.message_too_long").to_owned(),
        }
    }
}

impl Speak for rempart_domain::LedgerError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::LedgerError::NoCompany => lang.text("err.ledger.no_company").to_owned(),
            rempart_domain::LedgerError::CompanyExists => lang.text("err.ledger.company_exists").to_owned(),
            rempart_domain::LedgerError::BadDate { text } => lang.fill("err.ledger.bad_date", &[("text", text)]),
            rempart_domain::LedgerError::UnknownAccount { account } => {
                lang.fill("err.ledger.unknown_account", &[("account", account)])
            }
            rempart_domain::LedgerError::AccountClosed { account } => {
                lang.fill("err.ledger.account_closed", &[("account", account)])
            }
            rempart_domain::LedgerError::AccountExists { number } => {
                lang.fill("err.ledger.account_exists", &[("number", number)])
            }
            rempart_domain::LedgerError::BadAccountNumber { number } => {
                lang.fill("err.ledger.bad_account_number", &[("number", number)])
            }
            rempart_domain::LedgerError::CurrencyMismatch { account, account_currency, posting_currency } => lang.fill(
                "err.ledger.currency_mismatch",
                &[("account", account), ("account_currency", account_currency), ("posting_currency", posting_currency)],
            ),
            rempart_domain::LedgerError::Amount { line, account, source } => {
                lang.fill("err.ledger.amount", &[("line", line), ("account", account), ("source", &source.speak(lang))])
            }
            rempart_domain::LedgerError::ZeroAmount { line, account } => {
                lang.fill("err.ledger.zero_amount", &[("line", line), ("account", account)])
            }
            rempart_domain::LedgerError::TooFewPostings => lang.text("err.ledger.too_few_postings").to_owned(),
            rempart_domain::LedgerError::TooManyPostings => lang.fill(
                "err.ledger.too_many_postings",
                &[("ENTRY_POSTINGS_MAX", &rempart_domain::rules::ENTRY_POSTINGS_MAX)],
            ),
            rempart_domain::LedgerError::Unbalanced { currency, difference } => {
                lang.fill("err.ledger.unbalanced", &[("currency", currency), ("difference", difference)])
            }
            rempart_domain::LedgerError::Overflow => lang.text("err.ledger.overflow").to_owned(),
            rempart_domain::LedgerError::UnknownVatCode { code } => {
                lang.fill("err.ledger.unknown_vat_code", &[("code", code)])
            }
            rempart_domain::LedgerError::VatCodeNotInForce { code, date } => {
                lang.fill("err.ledger.vat_code_not_in_force", &[("code", code), ("date", date)])
            }
            rempart_domain::LedgerError::PeriodClosed { date, closed_until } => {
                lang.fill("err.ledger.period_closed", &[("date", date), ("closed_until", closed_until)])
            }
            rempart_domain::LedgerError::PeriodAlreadyClosed { closed_until } => {
                lang.fill("err.ledger.period_already_closed", &[("closed_until", closed_until)])
            }
            rempart_domain::LedgerError::NotMonthEnd { date } => {
                lang.fill("err.ledger.not_month_end", &[("date", date)])
            }
            rempart_domain::LedgerError::EmptyText => lang.text("err.ledger.empty_text").to_owned(),
            rempart_domain::LedgerError::TextTooLong => {
                lang.fill("err.ledger.text_too_long", &[("TEXT_BYTES_MAX", &rempart_domain::rules::TEXT_BYTES_MAX)])
            }
            rempart_domain::LedgerError::BadJournal { journal } => {
                lang.fill("err.ledger.bad_journal", &[("journal", journal)])
            }
            rempart_domain::LedgerError::BadEntryId { id } => lang.fill("err.ledger.bad_entry_id", &[("id", id)]),
            rempart_domain::LedgerError::EntryIdConflict { id } => {
                lang.fill("err.ledger.entry_id_conflict", &[("id", id)])
            }
            rempart_domain::LedgerError::UnknownEntry { id } => lang.fill("err.ledger.unknown_entry", &[("id", id)]),
            rempart_domain::LedgerError::AlreadyReversed { id, by } => {
                lang.fill("err.ledger.already_reversed", &[("id", id), ("by", by)])
            }
            rempart_domain::LedgerError::BadFiscalYearStart { month } => {
                lang.fill("err.ledger.bad_fiscal_year_start", &[("month", month)])
            }
            rempart_domain::LedgerError::EmptyCompanyName => lang.text("err.ledger.empty_company_name").to_owned(),
        }
    }
}

impl Speak for rempart_hub::ObjectError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_hub::ObjectError::BadKey(value0) => lang.fill("err.object.bad_key", &[("value", value0)]),
            rempart_hub::ObjectError::Io { key, source } => {
                lang.fill("err.object.io", &[("key", key), ("source", source)])
            }
            rempart_hub::ObjectError::Backend(value0) => lang.fill("err.object.backend", &[("value", value0)]),
        }
    }
}

impl Speak for rempart_log::ChainFault {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_log::ChainFault::WrongTenant { seq } => lang.fill("err.chain_fault.wrong_tenant", &[("seq", seq)]),
            rempart_log::ChainFault::WrongNode { seq } => lang.fill("err.chain_fault.wrong_node", &[("seq", seq)]),
            rempart_log::ChainFault::UnsupportedVersion { seq, version } => {
                lang.fill("err.chain_fault.unsupported_version", &[("seq", seq), ("version", version)])
            }
            rempart_log::ChainFault::ClockWentBack { seq } => {
                lang.fill("err.chain_fault.clock_went_back", &[("seq", seq)])
            }
            rempart_log::ChainFault::Missing { from, to } => {
                lang.fill("err.chain_fault.missing", &[("from", from), ("to", to)])
            }
            rempart_log::ChainFault::BrokenLink { seq } => {
                lang.fill("err.chain_fault.broken_link", &[("before", &seq.0.saturating_sub(1)), ("seq", seq)])
            }
            rempart_log::ChainFault::AlteredAfterSeal { seq } => {
                lang.fill("err.chain_fault.altered_after_seal", &[("seq", seq)])
            }
            rempart_log::ChainFault::BadSeal { seq } => lang.fill("err.chain_fault.bad_seal", &[("seq", seq)]),
            rempart_log::ChainFault::SealBeyondEnd { seq, last } => {
                lang.fill("err.chain_fault.seal_beyond_end", &[("seq", seq), ("last", last)])
            }
            rempart_log::ChainFault::Unsealed { from } => lang.fill("err.chain_fault.unsealed", &[("from", from)]),
            rempart_log::ChainFault::Truncated { last, anchored } => {
                lang.fill("err.chain_fault.truncated", &[("last", last), ("anchored", anchored)])
            }
            rempart_log::ChainFault::AnchorMismatch { seq } => {
                lang.fill("err.chain_fault.anchor_mismatch", &[("seq", seq)])
            }
            rempart_log::ChainFault::BadAnchor => lang.text("err.chain_fault.bad_anchor").to_owned(),
        }
    }
}

impl Speak for rempart_log::IdError {
    fn speak(&self, lang: Lang) -> String {
        let rempart_log::IdError { text, what, hex_len } = self;
        lang.fill("err.id", &[("text", text), ("what", what), ("hex_len", hex_len)])
    }
}

impl Speak for rempart_log::DecodeError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_log::DecodeError::Truncated => lang.text("err.decode.truncated").to_owned(),
            rempart_log::DecodeError::BadMagic => lang.text("err.decode.bad_magic").to_owned(),
            rempart_log::DecodeError::NewerVersion { found } => lang.fill(
                "err.decode.newer_version",
                &[("found", found), ("FORMAT_VERSION", &rempart_log::FORMAT_VERSION)],
            ),
            rempart_log::DecodeError::BadKind => {
                lang.fill("err.decode.bad_kind", &[("KIND_BYTES_MAX", &rempart_log::KIND_BYTES_MAX)])
            }
            rempart_log::DecodeError::PayloadTooLarge => {
                lang.fill("err.decode.payload_too_large", &[("PAYLOAD_BYTES_MAX", &rempart_log::PAYLOAD_BYTES_MAX)])
            }
            rempart_log::DecodeError::TrailingBytes { count } => {
                lang.fill("err.decode.trailing_bytes", &[("count", count)])
            }
        }
    }
}

impl Speak for rempart_log::EventError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_log::EventError::BadKind { kind } => {
                lang.fill("err.event.bad_kind", &[("kind", kind), ("KIND_BYTES_MAX", &rempart_log::KIND_BYTES_MAX)])
            }
            rempart_log::EventError::PayloadTooLarge { bytes } => lang.fill(
                "err.event.payload_too_large",
                &[("bytes", bytes), ("PAYLOAD_BYTES_MAX", &rempart_log::PAYLOAD_BYTES_MAX)],
            ),
        }
    }
}

impl Speak for rempart_node::NodeError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::NodeError::Unreachable(value0) => value0.speak(lang),
            rempart_node::NodeError::Refused { status, message, .. } => {
                lang.fill("err.node.refused", &[("status", status), ("message", message)])
            }
            rempart_node::NodeError::Store(value0) => value0.speak(lang),
            rempart_node::NodeError::Sync(value0) => value0.speak(lang),
            rempart_node::NodeError::NotConnected => lang.text("err.node.not_connected").to_owned(),
            rempart_node::NodeError::AlreadyConnected { hub } => {
                lang.fill("err.node.already_connected", &[("hub", hub)])
            }
            rempart_node::NodeError::NotAdmin => lang.text("error.not_admin").to_owned(),
            rempart_node::NodeError::InvitationClosed => lang.text("error.invitation_closed").to_owned(),
            rempart_node::NodeError::EnrolledDevicesRemain { devices } => {
                let devices = devices.iter().map(|d| d.short()).collect::<Vec<_>>().join(", ");
                lang.fill("error.enrolled_remain", &[("devices", &devices)])
            }
            rempart_node::NodeError::AdmissionRequired => lang.text("error.admission_required").to_owned(),
            rempart_node::NodeError::CompanyIdTaken => lang.text("error.company_id_taken").to_owned(),
            rempart_node::NodeError::KitRefused => lang.text("error.kit_refused").to_owned(),
            rempart_node::NodeError::Revoked => lang.text("error.revoked").to_owned(),
            rempart_node::NodeError::ForgedRoster(value0) => {
                lang.fill("error.forged_roster", &[("value", &value0.speak(lang))])
            }
            rempart_node::NodeError::WrongWrap { asked, served } => {
                lang.fill("err.node.wrong_wrap", &[("served", served), ("asked", asked)])
            }
            rempart_node::NodeError::HeldBack(value0) => {
                lang.fill("err.node.held_back", &[("value", &value0.speak(lang))])
            }
            rempart_node::NodeError::Local(value0) => value0.speak(lang),
            rempart_node::NodeError::Hostile(value0) => value0.speak(lang),
        }
    }
}

impl Speak for rempart_node::Local {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::Local::Unreadable { path, source } => {
                lang.fill("err.local.unreadable", &[("path", &(path.display())), ("source", source)])
            }
            rempart_node::Local::Damaged { path, source } => {
                lang.fill("err.local.damaged", &[("path", &(path.display())), ("source", source)])
            }
            rempart_node::Local::DamagedKey { path } => {
                lang.fill("err.local.damaged_key", &[("path", &(path.display()))])
            }
            rempart_node::Local::Unwritable { path, source } => {
                lang.fill("err.local.unwritable", &[("path", &(path.display())), ("source", source)])
            }
            rempart_node::Local::Unopenable { path, source } => {
                lang.fill("err.local.unopenable", &[("path", &(path.display())), ("source", source)])
            }
            rempart_node::Local::Unlockable { source } => lang.fill("err.local.unlockable", &[("source", source)]),
            rempart_node::Local::RosterWatchUnreadable { source } => {
                lang.fill("err.local.roster_watch_unreadable", &[("source", source)])
            }
            rempart_node::Local::NoDataKey { epoch } => lang.fill("err.local.no_data_key", &[("epoch", epoch)]),
            rempart_node::Local::BatchNotRemade { node, first, source } => lang.fill(
                "err.local.batch_not_remade",
                &[("node", &(node.short())), ("first", first), ("source", &source.speak(lang))],
            ),
            rempart_node::Local::NotACopy => lang.text("err.local.not_a_copy").to_owned(),
            rempart_node::Local::SuccessionPending => lang.text("err.local.succession_pending").to_owned(),
            rempart_node::Local::NotActive => lang.text("err.local.not_active").to_owned(),
            rempart_node::Local::RevokedHere => lang.text("err.local.revoked_here").to_owned(),
            rempart_node::Local::RevokeSelf => lang.text("err.local.revoke_self").to_owned(),
            rempart_node::Local::NotEnrolled { device } => lang.fill("err.local.not_enrolled", &[("device", device)]),
            rempart_node::Local::NotAnInvitationCode => lang.text("err.local.not_an_invitation_code").to_owned(),
        }
    }
}

impl Speak for rempart_node::Hostile {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::Hostile::HubIdentityMalformed => lang.text("err.hostile.hub_identity_malformed").to_owned(),
            rempart_node::Hostile::Unreadable { what, source } => {
                lang.fill("err.hostile.unreadable", &[("what", &what.speak(lang)), ("source", source)])
            }
            rempart_node::Hostile::AnswerCutShort => lang.text("err.hostile.answer_cut_short").to_owned(),
            rempart_node::Hostile::BatchOfAnother => lang.text("err.hostile.batch_of_another").to_owned(),
            rempart_node::Hostile::NodeNotInRoster { node } => {
                lang.fill("err.hostile.node_not_in_roster", &[("node", &(node.short()))])
            }
            rempart_node::Hostile::AfterRevocation { node } => {
                lang.fill("err.hostile.after_revocation", &[("node", &(node.short()))])
            }
            rempart_node::Hostile::UnusableKey { .. } => lang.text("err.hostile.unusable_key").to_owned(),
            rempart_node::Hostile::BatchNotSigned { node } => {
                lang.fill("err.hostile.batch_not_signed", &[("node", &(node.short()))])
            }
            rempart_node::Hostile::EpochLacking { epoch } => {
                lang.fill("err.hostile.epoch_lacking", &[("epoch", epoch)])
            }
            rempart_node::Hostile::BatchDamaged { source } => {
                lang.fill("err.hostile.batch_damaged", &[("source", &source.speak(lang))])
            }
            rempart_node::Hostile::BatchRefused { source } => {
                lang.fill("err.hostile.batch_refused", &[("source", &source.speak(lang))])
            }
            rempart_node::Hostile::ServedKeyMismatch { epoch } => {
                lang.fill("err.hostile.served_key_mismatch", &[("epoch", epoch)])
            }
            rempart_node::Hostile::ServedRecoveryMismatch => {
                lang.text("err.hostile.served_recovery_mismatch").to_owned()
            }
            rempart_node::Hostile::InvitationUnreadable => lang.text("err.hostile.invitation_unreadable").to_owned(),
            rempart_node::Hostile::InvitationDamaged => lang.text("err.hostile.invitation_damaged").to_owned(),
            rempart_node::Hostile::InvitationKeyDamaged => lang.text("err.hostile.invitation_key_damaged").to_owned(),
            rempart_node::Hostile::InvitationKeyMismatch { epoch } => {
                lang.fill("err.hostile.invitation_key_mismatch", &[("epoch", epoch)])
            }
            rempart_node::Hostile::OtherCompanyRoster => lang.text("err.hostile.other_company_roster").to_owned(),
            rempart_node::Hostile::RosterEntryRefused { source } => {
                lang.fill("err.hostile.roster_entry_refused", &[("source", &source.speak(lang))])
            }
            rempart_node::Hostile::RosterRewritten { place, source } => {
                lang.fill("err.hostile.roster_rewritten", &[("place", place), ("source", &source.speak(lang))])
            }
            rempart_node::Hostile::RosterRefilled { place, writer } => {
                lang.fill("err.hostile.roster_refilled", &[("place", place), ("writer", &writer.speak(lang))])
            }
            rempart_node::Hostile::RosterParted { place } => {
                lang.fill("err.hostile.roster_parted", &[("place", place)])
            }
        }
    }
}

impl Speak for rempart_node::Served {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::Served::Identity => lang.text("err.served.identity").to_owned(),
            rempart_node::Served::Wrap => lang.text("err.served.wrap").to_owned(),
            rempart_node::Served::Roster => lang.text("err.served.roster").to_owned(),
            rempart_node::Served::RosterEntries => lang.text("err.served.roster_entries").to_owned(),
            rempart_node::Served::Invitation => lang.text("err.served.invitation").to_owned(),
            rempart_node::Served::Heads => lang.text("err.served.heads").to_owned(),
        }
    }
}

impl Speak for rempart_node::RevokedWriter {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::RevokedWriter::Device(value0) => {
                lang.fill("err.revoked_writer.device", &[("value", &(value0.short()))])
            }
            rempart_node::RevokedWriter::ReplacedKit => lang.text("err.revoked_writer.replaced_kit").to_owned(),
        }
    }
}

impl Speak for rempart_node::Forgery {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::Forgery::Refused(value0) => {
                lang.fill("err.forgery.refused", &[("value", &value0.speak(lang))])
            }
            rempart_node::Forgery::OtherGenesis => lang.text("err.forgery.other_genesis").to_owned(),
            rempart_node::Forgery::OtherRecoveryKey => lang.text("err.forgery.other_recovery_key").to_owned(),
            rempart_node::Forgery::ShorterThanNamed { named } => {
                lang.fill("err.forgery.shorter_than_named", &[("named", named)])
            }
        }
    }
}

impl Speak for rempart_node::RejectedWhy {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::RejectedWhy::Hostile(value0) => value0.speak(lang),
            rempart_node::RejectedWhy::Refused(value0) => value0.speak(lang),
            rempart_node::RejectedWhy::Store(value0) => value0.speak(lang),
        }
    }
}

impl Speak for rempart_node::OwnHeadDoubt {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::OwnHeadDoubt::HubFurther { hub, held } => {
                lang.fill("err.own_head_doubt.hub_further", &[("hub", hub), ("held", held)])
            }
            rempart_node::OwnHeadDoubt::SeenFurther { by, seen, held } => {
                lang.fill("err.own_head_doubt.seen_further", &[("by", &(by.short())), ("seen", seen), ("held", held)])
            }
            rempart_node::OwnHeadDoubt::Forked { seq } => lang.fill("err.own_head_doubt.forked", &[("seq", seq)]),
            rempart_node::OwnHeadDoubt::AnchorFurther { anchored } => {
                lang.fill("err.own_head_doubt.anchor_further", &[("anchored", anchored)])
            }
        }
    }
}

impl Speak for rempart_node::RefusedBatch {
    fn speak(&self, lang: Lang) -> String {
        let rempart_node::RefusedBatch { node, first, last, message, .. } = self;
        lang.fill(
            "err.refused_batch",
            &[("first", first), ("last", last), ("node", &(node.short())), ("message", message)],
        )
    }
}

impl Speak for rempart_node::Withheld {
    fn speak(&self, lang: Lang) -> String {
        let rempart_node::Withheld { by, node, seen, served } = self;
        lang.fill(
            "err.withheld",
            &[("by", &(by.short())), ("node", &(node.short())), ("seen", seen), ("served", served)],
        )
    }
}

impl Speak for rempart_node::Rejected {
    fn speak(&self, lang: Lang) -> String {
        let rempart_node::Rejected { node, why } = self;
        lang.fill("err.rejected", &[("node", &(node.short())), ("why", &why.speak(lang))])
    }
}

impl Speak for rempart_node::UnreachableWhy {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::UnreachableWhy::NotHttp => lang.text("err.unreachable_why.not_http").to_owned(),
            rempart_node::UnreachableWhy::CaUnreadable { path, source } => {
                lang.fill("err.unreachable_why.ca_unreadable", &[("path", path), ("source", source)])
            }
            rempart_node::UnreachableWhy::CaWithoutCertificate { path, source } => {
                lang.fill("err.unreachable_why.ca_without_certificate", &[("path", path), ("source", source)])
            }
            rempart_node::UnreachableWhy::Network(value0) => {
                lang.fill("err.unreachable_why.network", &[("value", value0)])
            }
            rempart_node::UnreachableWhy::Unhealthy(value0) => {
                lang.fill("err.unreachable_why.unhealthy", &[("value", value0)])
            }
        }
    }
}

impl Speak for rempart_node::Unreachable {
    fn speak(&self, lang: Lang) -> String {
        let rempart_node::Unreachable { hub, reason } = self;
        lang.fill("err.unreachable", &[("hub", hub), ("reason", &reason.speak(lang))])
    }
}

impl Speak for rempart_node::HeldBack {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_node::HeldBack::Withheld { .. } => crate::sync::held_back_text(self, lang),
            rempart_node::HeldBack::Parted { .. } => crate::sync::held_back_text(self, lang),
        }
    }
}

impl Speak for rempart_store::StoreError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_store::StoreError::NotInitialised { dir } => {
                lang.fill("err.store.not_initialised", &[("dir", &dir.display())])
            }
            rempart_store::StoreError::AlreadyInitialised { dir } => {
                lang.fill("err.store.already_initialised", &[("dir", &dir.display())])
            }
            rempart_store::StoreError::InitInterrupted { dir } => {
                lang.fill("err.store.init_interrupted", &[("dir", &dir.display())])
            }
            rempart_store::StoreError::Corrupt { what } => {
                lang.fill("err.store.corrupt", &[("what", &what.speak(lang))])
            }
            rempart_store::StoreError::NewerFormat { found, supported } => {
                lang.fill("err.store.newer_format", &[("found", found), ("supported", supported)])
            }
            rempart_store::StoreError::OlderProjections { found, current } => {
                lang.fill("err.store.older_projections", &[("found", found), ("current", current)])
            }
            rempart_store::StoreError::OtherTenant { database, directory } => {
                lang.fill("err.store.other_tenant", &[("database", database), ("directory", directory)])
            }
            rempart_store::StoreError::KeyMissing { path } => {
                lang.fill("err.store.key_missing", &[("path", &path.display())])
            }
            rempart_store::StoreError::KeyUnreadable { path, source } => {
                lang.fill("err.store.key_unreadable", &[("path", &path.display()), ("source", source)])
            }
            rempart_store::StoreError::KeyMalformed { path } => {
                lang.fill("err.store.key_malformed", &[("path", &path.display())])
            }
            rempart_store::StoreError::KeyMismatch => lang.text("err.store.key_mismatch").to_owned(),
            rempart_store::StoreError::Ledger(value0) => value0.speak(lang),
            rempart_store::StoreError::Contact(value0) => value0.speak(lang),
            rempart_store::StoreError::Item(value0) => value0.speak(lang),
            rempart_store::StoreError::Invoice(value0) => value0.speak(lang),
            rempart_store::StoreError::Payment(value0) => value0.speak(lang),
            rempart_store::StoreError::Bill(value0) => value0.speak(lang),
            rempart_store::StoreError::Dunning(value0) => value0.speak(lang),
            rempart_store::StoreError::Entry { position, id, source } => {
                lang.fill("err.store.entry", &[("position", position), ("id", id), ("source", &source.speak(lang))])
            }
            rempart_store::StoreError::Io { path, source } => {
                lang.fill("err.store.io", &[("path", &path.display()), ("source", source)])
            }
            rempart_store::StoreError::Sqlite(value0) => lang.fill("err.store.sqlite", &[("value", value0)]),
            rempart_store::StoreError::Event(value0) => value0.speak(lang),
            rempart_store::StoreError::Fact(value0) => lang.fill("err.store.fact", &[("value", &value0.speak(lang))]),
            rempart_store::StoreError::AnchorNotWritten { seq, source } => {
                lang.fill("err.store.anchor_not_written", &[("seq", seq), ("source", source)])
            }
            rempart_store::StoreError::SyncRefused { node, why } => {
                lang.fill("err.store.sync_refused", &[("node", node), ("why", &why.speak(lang))])
            }
            rempart_store::StoreError::Forked { node, seq } => {
                lang.fill("err.store.forked", &[("node", node), ("seq", seq)])
            }
            rempart_store::StoreError::CopyNotConfirmed => lang.text("err.store.copy_not_confirmed").to_owned(),
            rempart_store::StoreError::Random { source } => lang.fill("err.store.random", &[("source", source)]),
            rempart_store::StoreError::CheckEndedShort => lang.text("err.store.check_ended_short").to_owned(),
            rempart_store::StoreError::UnknownConflict { id } => lang.fill("err.store.unknown_conflict", &[("id", id)]),
        }
    }
}

impl Speak for rempart_store::Damage {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_store::Damage::IdentityUnreadable { detail } => lang.fill(
                "err.damage.identity_unreadable",
                &[("IDENTITY_FILE", &rempart_store::layout::IDENTITY_FILE), ("detail", detail)],
            ),
            rempart_store::Damage::NoNodeInMeta => lang.text("err.damage.no_node_in_meta").to_owned(),
            rempart_store::Damage::DatabaseMissing => lang.text("err.damage.database_missing").to_owned(),
            rempart_store::Damage::DatabaseUnreadable { detail } => {
                lang.fill("err.damage.database_unreadable", &[("detail", detail)])
            }
            rempart_store::Damage::NoSchemaVersion => lang.text("err.damage.no_schema_version").to_owned(),
            rempart_store::Damage::DatabaseUnnamed => lang.text("err.damage.database_unnamed").to_owned(),
            rempart_store::Damage::OtherNode => lang.text("err.damage.other_node").to_owned(),
            rempart_store::Damage::NoFirstEvent { node } => lang.fill("err.damage.no_first_event", &[("node", node)]),
            rempart_store::Damage::ProjectionsUnreadable { detail } => {
                lang.fill("err.damage.projections_unreadable", &[("detail", detail)])
            }
            rempart_store::Damage::NotADate { text } => lang.fill("err.damage.not_a_date", &[("text", text)]),
            rempart_store::Damage::NotACurrency { text } => lang.fill("err.damage.not_a_currency", &[("text", text)]),
            rempart_store::Damage::UnknownAccount { account } => {
                lang.fill("err.damage.unknown_account", &[("account", account)])
            }
            rempart_store::Damage::EntryWithoutEvent { id } => {
                lang.fill("err.damage.entry_without_event", &[("id", id)])
            }
            rempart_store::Damage::WrongLength { what } => {
                lang.fill("err.damage.wrong_length", &[("what", &what.speak(lang))])
            }
            rempart_store::Damage::EventMissing { node, seq } => {
                lang.fill("err.damage.event_missing", &[("seq", seq), ("node", node)])
            }
            rempart_store::Damage::SealMismatch { seq } => lang.fill("err.damage.seal_mismatch", &[("seq", seq)]),
            rempart_store::Damage::CloseVector { detail } => {
                lang.fill("err.damage.close_vector", &[("detail", detail)])
            }
            rempart_store::Damage::EventUnreadable { detail } => {
                lang.fill("err.damage.event_unreadable", &[("detail", detail)])
            }
        }
    }
}

impl Speak for rempart_store::Blob {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_store::Blob::NodeId => lang.text("err.blob.node_id").to_owned(),
            rempart_store::Blob::EventHash => lang.text("err.blob.event_hash").to_owned(),
            rempart_store::Blob::SealSignature => lang.text("err.blob.seal_signature").to_owned(),
            rempart_store::Blob::SealHead => lang.text("err.blob.seal_head").to_owned(),
            rempart_store::Blob::EntryDigest => lang.text("err.blob.entry_digest").to_owned(),
        }
    }
}

impl Speak for rempart_store::Refusal {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_store::Refusal::Chain(value0) => value0.speak(lang),
            rempart_store::Refusal::Unreadable { seq, source } => {
                lang.fill("err.refusal.unreadable", &[("seq", seq), ("source", &source.speak(lang))])
            }
            rempart_store::Refusal::SealBeyondRun { seq } => lang.fill("err.refusal.seal_beyond_run", &[("seq", seq)]),
            rempart_store::Refusal::OtherCompany => lang.text("err.refusal.other_company").to_owned(),
            rempart_store::Refusal::MixedNodes => lang.text("err.refusal.mixed_nodes").to_owned(),
            rempart_store::Refusal::Gap { from, to } => lang.fill("err.refusal.gap", &[("from", from), ("to", to)]),
            rempart_store::Refusal::WrongFirstKey => lang.text("err.refusal.wrong_first_key").to_owned(),
        }
    }
}

impl Speak for rempart_sync::api::RouteError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::api::RouteError::UnknownPath { method, path } => {
                lang.fill("err.route.unknown_path", &[("method", method), ("path", path)])
            }
            rempart_sync::api::RouteError::BadTenant { text } => lang.fill("err.route.bad_tenant", &[("text", text)]),
            rempart_sync::api::RouteError::UnknownEndpoint { method, target, .. } => {
                lang.fill("err.route.unknown_endpoint", &[("method", method), ("target", target)])
            }
            rempart_sync::api::RouteError::BadNode { text, .. } => lang.fill("err.route.bad_node", &[("text", text)]),
            rempart_sync::api::RouteError::BadInvite { .. } => lang.text("err.route.bad_invite").to_owned(),
            rempart_sync::api::RouteError::BadNumber { name, text, .. } => {
                lang.fill("err.route.bad_number", &[("name", name), ("text", text)])
            }
        }
    }
}

impl Speak for rempart_sync::AuthError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::AuthError::BadSigner { text } => lang.fill("err.auth.bad_signer", &[("text", text)]),
            rempart_sync::AuthError::NotSigned => lang.text("err.auth.not_signed").to_owned(),
            rempart_sync::AuthError::BadTime => lang.text("err.auth.bad_time").to_owned(),
            rempart_sync::AuthError::BadNonce => lang.text("err.auth.bad_nonce").to_owned(),
            rempart_sync::AuthError::BadSignature => lang.text("err.auth.bad_signature").to_owned(),
            rempart_sync::AuthError::Skew { skew_ms } => lang.fill(
                "err.auth.skew",
                &[("skew_ms", &(skew_ms / 1000)), ("request_skew_ms", &(rempart_sync::auth::REQUEST_SKEW_MS / 1000))],
            ),
            rempart_sync::AuthError::SignatureRefused => lang.text("err.auth.signature_refused").to_owned(),
        }
    }
}

impl Speak for rempart_sync::BatchError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::BatchError::Truncated => lang.text("err.batch.truncated").to_owned(),
            rempart_sync::BatchError::NotABatch => lang.text("err.batch.not_a_batch").to_owned(),
            rempart_sync::BatchError::Version { found } => lang
                .fill("err.batch.version", &[("found", found), ("BATCH_VERSION", &rempart_sync::batch::BATCH_VERSION)]),
            rempart_sync::BatchError::EmptyRange => lang.text("err.batch.empty_range").to_owned(),
            rempart_sync::BatchError::RangeTooFar => lang.text("err.batch.range_too_far").to_owned(),
            rempart_sync::BatchError::EmptyRoster => lang.text("err.batch.empty_roster").to_owned(),
            rempart_sync::BatchError::ClockReversed => lang.text("err.batch.clock_reversed").to_owned(),
            rempart_sync::BatchError::NoEvents => lang.text("err.batch.no_events").to_owned(),
            rempart_sync::BatchError::TooLarge { bytes } => lang.fill(
                "err.batch.too_large",
                &[("bytes", bytes), ("CIPHERTEXT_BYTES_MAX", &rempart_sync::batch::CIPHERTEXT_BYTES_MAX)],
            ),
            rempart_sync::BatchError::NotEncrypted => lang.text("err.batch.not_encrypted").to_owned(),
            rempart_sync::BatchError::NotKept => lang.text("err.batch.not_kept").to_owned(),
            rempart_sync::BatchError::KeptTruncated => lang.text("err.batch.kept_truncated").to_owned(),
            rempart_sync::BatchError::KeptSeenTruncated => lang.text("err.batch.kept_seen_truncated").to_owned(),
            rempart_sync::BatchError::KeptTrailing => lang.text("err.batch.kept_trailing").to_owned(),
            rempart_sync::BatchError::KeptEpoch { batch, key } => {
                lang.fill("err.batch.kept_epoch", &[("batch", batch), ("key", key)])
            }
            rempart_sync::BatchError::KeptNotHeld { first, last } => {
                lang.fill("err.batch.kept_not_held", &[("first", first), ("last", last)])
            }
            rempart_sync::BatchError::KeptNotEncrypted => lang.text("err.batch.kept_not_encrypted").to_owned(),
            rempart_sync::BatchError::KeptAltered { first, last } => {
                lang.fill("err.batch.kept_altered", &[("first", first), ("last", last)])
            }
            rempart_sync::BatchError::OverLimit => lang.text("err.batch.over_limit").to_owned(),
            rempart_sync::BatchError::LengthMismatch { announced, found } => {
                lang.fill("err.batch.length_mismatch", &[("announced", announced), ("found", found)])
            }
            rempart_sync::BatchError::CiphertextMismatch => lang.text("err.batch.ciphertext_mismatch").to_owned(),
            rempart_sync::BatchError::Epoch { batch, key } => {
                lang.fill("err.batch.epoch", &[("batch", batch), ("key", key)])
            }
            rempart_sync::BatchError::NotSignedBy { node } => lang.fill("err.batch.not_signed_by", &[("node", node)]),
            rempart_sync::BatchError::NotDecrypted => lang.text("err.batch.not_decrypted").to_owned(),
            rempart_sync::BatchError::Inside(value0) => {
                lang.fill("err.batch.inside", &[("value", &value0.speak(lang))])
            }
        }
    }
}

impl Speak for rempart_sync::Inside {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::Inside::Empty => lang.text("err.inside.empty").to_owned(),
            rempart_sync::Inside::ShorterThanSaid => lang.text("err.inside.shorter_than_said").to_owned(),
            rempart_sync::Inside::NoEventCount => lang.text("err.inside.no_event_count").to_owned(),
            rempart_sync::Inside::EventCount { found, announced } => {
                lang.fill("err.inside.event_count", &[("found", found), ("announced", announced)])
            }
            rempart_sync::Inside::Truncated => lang.text("err.inside.truncated").to_owned(),
            rempart_sync::Inside::UnreadableEvent { source } => {
                lang.fill("err.inside.unreadable_event", &[("source", &source.speak(lang))])
            }
            rempart_sync::Inside::OutsideClock { seq } => lang.fill("err.inside.outside_clock", &[("seq", seq)]),
            rempart_sync::Inside::NoSealCount => lang.text("err.inside.no_seal_count").to_owned(),
            rempart_sync::Inside::SealsTruncated => lang.text("err.inside.seals_truncated").to_owned(),
            rempart_sync::Inside::UnreadableSeal { source } => {
                lang.fill("err.inside.unreadable_seal", &[("source", &source.speak(lang))])
            }
            rempart_sync::Inside::SealOutside { seq } => lang.fill("err.inside.seal_outside", &[("seq", seq)]),
            rempart_sync::Inside::SeenTruncated => lang.text("err.inside.seen_truncated").to_owned(),
            rempart_sync::Inside::Trailing => lang.text("err.inside.trailing").to_owned(),
            rempart_sync::Inside::Unchecked { source } => {
                lang.fill("err.inside.unchecked", &[("source", &source.speak(lang))])
            }
            rempart_sync::Inside::BrokenChain { source } => {
                lang.fill("err.inside.broken_chain", &[("source", &source.speak(lang))])
            }
            rempart_sync::Inside::OtherHead => lang.text("err.inside.other_head").to_owned(),
            rempart_sync::Inside::SealNamesOther { seq } => lang.fill("err.inside.seal_names_other", &[("seq", seq)]),
        }
    }
}

impl Speak for rempart_sync::KitError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::KitError::WordCount { count } => lang.fill("err.kit.word_count", &[("count", count)]),
            rempart_sync::KitError::UnknownWord { index, word } => {
                lang.fill("err.kit.unknown_word", &[("index", &(index + 1)), ("word", word)])
            }
            rempart_sync::KitError::Checksum => lang.text("err.kit.checksum").to_owned(),
            rempart_sync::KitError::Unreadable { cause } => lang.fill("err.kit.unreadable", &[("cause", cause)]),
            rempart_sync::KitError::Entropy { .. } => lang.text("err.kit.entropy").to_owned(),
        }
    }
}

impl Speak for rempart_sync::KeyError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::KeyError::UnusableRecipient => lang.text("err.key.unusable_recipient").to_owned(),
            rempart_sync::KeyError::WrapRefused { to } => lang.fill("err.key.wrap_refused", &[("to", &(to.label()))]),
            rempart_sync::KeyError::InvitationRefused => lang.text("err.key.invitation_refused").to_owned(),
        }
    }
}

impl Speak for rempart_sync::SyncError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::SyncError::Key(value0) => value0.speak(lang),
            rempart_sync::SyncError::Kit(value0) => lang.fill("err.sync.kit", &[("value", &value0.speak(lang))]),
            rempart_sync::SyncError::Roster(value0) => lang.fill("err.sync.roster", &[("value", &value0.speak(lang))]),
            rempart_sync::SyncError::Batch(value0) => lang.fill("err.sync.batch", &[("value", &value0.speak(lang))]),
            rempart_sync::SyncError::Auth(value0) => value0.speak(lang),
        }
    }
}

impl Speak for rempart_sync::roster::RosterError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_sync::roster::RosterError::Empty => lang.text("err.roster.empty").to_owned(),
            rempart_sync::roster::RosterError::Unreadable { position } => {
                lang.fill("err.roster.unreadable", &[("position", position)])
            }
            rempart_sync::roster::RosterError::FirstNotGenesis => lang.text("err.roster.first_not_genesis").to_owned(),
            rempart_sync::roster::RosterError::OtherTenant { position } => {
                lang.fill("err.roster.other_tenant", &[("position", position)])
            }
            rempart_sync::roster::RosterError::OutOfPlace { position } => {
                lang.fill("err.roster.out_of_place", &[("position", position)])
            }
            rempart_sync::roster::RosterError::SecondGenesis { position } => {
                lang.fill("err.roster.second_genesis", &[("position", position)])
            }
            rempart_sync::roster::RosterError::WrongSigner { position } => {
                lang.fill("err.roster.wrong_signer", &[("position", position)])
            }
            rempart_sync::roster::RosterError::NotActiveAdmin { position, signer } => {
                lang.fill("err.roster.not_active_admin", &[("position", position), ("signer", signer)])
            }
            rempart_sync::roster::RosterError::NotActiveDevice { position, signer } => {
                lang.fill("err.roster.not_active_device", &[("position", position), ("signer", signer)])
            }
            rempart_sync::roster::RosterError::BadSignature { position } => {
                lang.fill("err.roster.bad_signature", &[("position", position)])
            }
            rempart_sync::roster::RosterError::WithoutProof { position, of } => {
                lang.fill("err.roster.without_proof", &[("position", position), ("of", of)])
            }
            rempart_sync::roster::RosterError::BadProof { position, of } => {
                lang.fill("err.roster.bad_proof", &[("of", of), ("position", position)])
            }
            rempart_sync::roster::RosterError::InvalidKey { position } => {
                lang.fill("err.roster.invalid_key", &[("position", position)])
            }
            rempart_sync::roster::RosterError::UnknownInvitation { position } => {
                lang.fill("err.roster.unknown_invitation", &[("position", position)])
            }
            rempart_sync::roster::RosterError::InvitationReused { position } => {
                lang.fill("err.roster.invitation_reused", &[("position", position)])
            }
            rempart_sync::roster::RosterError::InvitationExpired { position } => {
                lang.fill("err.roster.invitation_expired", &[("position", position)])
            }
            rempart_sync::roster::RosterError::InvitationRepeated { position } => {
                lang.fill("err.roster.invitation_repeated", &[("position", position)])
            }
            rempart_sync::roster::RosterError::InvitationTooLong { position } => {
                lang.fill("err.roster.invitation_too_long", &[("position", position)])
            }
            rempart_sync::roster::RosterError::EnrolledTwice { position, device } => {
                lang.fill("err.roster.enrolled_twice", &[("position", position), ("device", device)])
            }
            rempart_sync::roster::RosterError::SuccessorAlready { position, device } => {
                lang.fill("err.roster.successor_already", &[("position", position), ("device", device)])
            }
            rempart_sync::roster::RosterError::SuccessorsLeftOut { position, device } => {
                lang.fill("err.roster.successors_left_out", &[("position", position), ("device", device)])
            }
            rempart_sync::roster::RosterError::EpochSkipped { position } => {
                lang.fill("err.roster.epoch_skipped", &[("position", position)])
            }
            rempart_sync::roster::RosterError::RevokesNoActiveDevice { position } => {
                lang.fill("err.roster.revokes_no_active_device", &[("position", position)])
            }
            rempart_sync::roster::RosterError::AdminRevokedWithoutNewRecovery { position, device } => lang
                .fill("err.roster.admin_revoked_without_new_recovery", &[("position", position), ("device", device)]),
            rempart_sync::roster::RosterError::BackInTime { position } => {
                lang.fill("err.roster.back_in_time", &[("position", position)])
            }
            rempart_sync::roster::RosterError::KeyReused { position } => {
                lang.fill("err.roster.key_reused", &[("position", position)])
            }
        }
    }
}

impl Speak for crate::command_error::CommandError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            crate::command_error::CommandError::PeriodNeeded => lang.text("err.command.period_needed").to_owned(),
            crate::command_error::CommandError::NothingToChange => {
                lang.text("err.command.nothing_to_change").to_owned()
            }
            crate::command_error::CommandError::DemoDirTaken { dir } => {
                lang.fill("err.command.demo_dir_taken", &[("dir", &dir.display())])
            }
            crate::command_error::CommandError::InvoiceNumberWithoutDigits { number } => {
                lang.fill("err.command.invoice_number_without_digits", &[("number", number)])
            }
        }
    }
}

impl Speak for crate::import::ImportError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            crate::import::ImportError::UnknownType { path, extension } => {
                lang.fill("err.import.unknown_type", &[("path", &path.display()), ("extension", extension)])
            }
            crate::import::ImportError::Unreadable { path, source } => {
                lang.fill("err.import.unreadable", &[("path", &path.display()), ("source", source)])
            }
            crate::import::ImportError::Header { path, source } => {
                lang.fill("err.import.header", &[("path", &path.display()), ("source", source)])
            }
            crate::import::ImportError::MissingColumn { path, column, expected } => lang.fill(
                "err.import.missing_column",
                &[("path", &path.display()), ("column", column), ("expected", expected)],
            ),
            crate::import::ImportError::Line { path, line, problem } => lang.fill(
                "err.import.line",
                &[("path", &path.display()), ("line", line), ("problem", &problem.speak(lang))],
            ),
            crate::import::ImportError::Refused { path, line, id, source } => lang.fill(
                "err.import.refused",
                &[("path", &path.display()), ("line", line), ("id", id), ("source", &source.speak(lang))],
            ),
            crate::import::ImportError::NotImported { path, source } => {
                lang.fill("err.import.not_imported", &[("path", &path.display()), ("source", &source.speak(lang))])
            }
            crate::import::ImportError::PostForm { text } => lang.fill("err.import.post_form", &[("text", text)]),
            crate::import::ImportError::PostAmount { text, source } => {
                lang.fill("err.import.post_amount", &[("text", text), ("source", &source.speak(lang))])
            }
        }
    }
}

impl Speak for crate::import::LineProblem {
    fn speak(&self, lang: Lang) -> String {
        match self {
            crate::import::LineProblem::Csv(value0) => lang.fill("err.line_problem.csv", &[("value", value0)]),
            crate::import::LineProblem::EmptyId => lang.text("err.line_problem.empty_id").to_owned(),
            crate::import::LineProblem::Date(value0) => value0.speak(lang),
            crate::import::LineProblem::IsoDate(value0) => value0.speak(lang),
            crate::import::LineProblem::Amount(value0) => value0.speak(lang),
            crate::import::LineProblem::DatesDiffer { id, first, second } => {
                lang.fill("err.line_problem.dates_differ", &[("id", id), ("first", first), ("second", second)])
            }
            crate::import::LineProblem::Json(value0) => lang.fill("err.line_problem.json", &[("value", value0)]),
        }
    }
}

impl Speak for rempart_node::ForkSeen {
    fn speak(&self, lang: Lang) -> String {
        let node = self.node.short();
        match &self.refused {
            Some(why) => lang.fill("err.fork_seen.refused", &[("node", &node), ("why", &why.speak(lang))]),
            None => lang.fill("err.fork_seen.forked", &[("node", &node), ("seq", &self.seq)]),
        }
    }
}

/// An error of Rempart's, whichever crate it comes from, in `lang`; `None` for another's.
fn speak_any(error: &(dyn std::error::Error + 'static), lang: Lang) -> Option<String> {
    macro_rules! first_of {
        ($($kind:ty),* $(,)?) => {
            $(if let Some(error) = error.downcast_ref::<$kind>() {
                return Some(error.speak(lang));
            })*
        };
    }
    first_of!(
        rempart_node::NodeError,
        crate::command_error::CommandError,
        crate::import::ImportError,
        rempart_store::StoreError,
        rempart_sync::SyncError,
        rempart_domain::LedgerError,
        rempart_domain::contacts::ContactError,
        rempart_domain::catalogue::ItemError,
        rempart_domain::invoices::InvoiceError,
        rempart_domain::payments::PaymentError,
        rempart_domain::bills::BillError,
        rempart_domain::dunning::DunningError,
        rempart_domain::qrbill::QrBillError,
        rempart_domain::AmountError,
        rempart_domain::FactError,
        rempart_docs::DocError,
        rempart_docs::LogoError,
        rempart_hub::ObjectError,
        rempart_log::DecodeError,
        rempart_log::EventError,
    );
    first_of!(rempart_domain::locale::DateUnreadable);
    None
}

/// What the program says of a failed command: each error of the chain in `lang` (the context the
/// command gave, then the cause), an error of Rempart's telling its own causes, another's as it
/// words itself.
pub fn message(error: &anyhow::Error, lang: Lang) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let (said, whole) = match speak_any(cause, lang) {
            Some(said) => (said, true),
            None => (cause.to_string(), false),
        };
        if !text.contains(&said) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&said);
        }
        if whole {
            break;
        }
    }
    text
}

//! The errors of the domain crate (ledger rules, contacts, catalogue, invoices, payments, bills, dunning, QR-bill, amounts) in the reader's language.

use crate::Lang;

use super::Speak;

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
            rempart_domain::bills::BillError::NoSuchReference { supplier, reference } => {
                lang.fill("err.bill.no_such_reference", &[("supplier", supplier), ("reference", reference)])
            }
            rempart_domain::bills::BillError::SameReference { supplier, reference } => {
                lang.fill("err.bill.same_reference", &[("supplier", supplier), ("reference", reference)])
            }
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
            rempart_domain::catalogue::ItemError::BadLanguage { lang: code } => {
                lang.fill("err.item.bad_language", &[("lang", code)])
            }
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
            rempart_domain::contacts::ContactError::AmbiguousName { name, numbers } => {
                lang.fill("err.contact.ambiguous_name", &[("name", name), ("numbers", &numbers.join(", "))])
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
            rempart_domain::contacts::ContactError::BadValue { field, value, reason } => lang
                .fill("err.contact.bad_value", &[("field", field), ("value", value), ("reason", &reason.speak(lang))]),
            rempart_domain::contacts::ContactError::NothingToChange => {
                lang.text("err.contact.nothing_to_change").to_owned()
            }
        }
    }
}

impl Speak for rempart_domain::contacts::ValueProblem {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::contacts::ValueProblem;
        let key = match self {
            ValueProblem::TooLong => "err.value.too_long",
            ValueProblem::Spacing => "err.value.spacing",
            ValueProblem::Role => "err.value.role",
            ValueProblem::Country => "err.value.country",
            ValueProblem::Email => "err.value.email",
            ValueProblem::Phone => "err.value.phone",
            ValueProblem::VatNumber => "err.value.vat_number",
            ValueProblem::Siren => "err.value.siren",
            ValueProblem::Siret => "err.value.siret",
            ValueProblem::PaymentDays => "err.value.payment_days",
            ValueProblem::Language => "err.value.language",
            ValueProblem::WholeNumber => "err.value.whole_number",
            ValueProblem::Date => "err.value.date",
            ValueProblem::Plate => "err.value.plate",
            ValueProblem::Vin => "err.value.vin",
            ValueProblem::Iban => "err.value.iban",
            ValueProblem::VatMethod => "err.value.vat_method",
            ValueProblem::Logo => "err.value.logo",
            ValueProblem::QrIban => "err.value.qr_iban",
            ValueProblem::Days => "err.value.days",
            ValueProblem::Fee => "err.value.fee",
            ValueProblem::EmptyLabel => "err.value.empty_label",
            ValueProblem::Assignment => "err.value.assignment",
        };
        lang.text(key).to_owned()
    }
}

impl Speak for rempart_domain::users::UserError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::users::UserError;
        match self {
            UserError::UnknownRole { role } => lang.fill("err.user.unknown_role", &[("role", role)]),
            UserError::BadName { name } => lang.fill("err.user.bad_name", &[("name", name)]),
            UserError::NameTaken { name } => lang.fill("err.user.name_taken", &[("name", name)]),
            UserError::PasswordTooShort { min } => lang.fill("err.user.password_too_short", &[("min", min)]),
            UserError::PasswordTooLong { max } => lang.fill("err.user.password_too_long", &[("max", max)]),
            UserError::Cost { memory_kib, passes } => {
                lang.fill("err.user.cost", &[("memory", memory_kib), ("passes", passes)])
            }
            UserError::BadSignature { user } => lang.fill("err.user.bad_signature", &[("user", user)]),
            UserError::NotAnOwner { user } => lang.fill("err.user.not_an_owner", &[("user", user)]),
            UserError::GrantNeeded => lang.text("err.user.grant_needed").to_owned(),
            UserError::FirstIsOwner => lang.text("err.user.first_is_owner").to_owned(),
            UserError::FirstOwnerElsewhere => lang.text("err.user.first_owner_elsewhere").to_owned(),
            UserError::LoginRefused => lang.text("err.user.login_refused").to_owned(),
            UserError::Unknown { user } => lang.fill("err.user.unknown", &[("user", user)]),
            UserError::Removed { user } => lang.fill("err.user.removed", &[("user", user)]),
            UserError::NameOfRemoved { name } => lang.fill("err.user.name_of_removed", &[("name", name)]),
            UserError::OwnAccess => lang.text("err.user.own_access").to_owned(),
            UserError::BadCredentials => lang.text("err.user.bad_credentials").to_owned(),
            UserError::ChangedMeanwhile { user } => lang.fill("err.user.changed_meanwhile", &[("user", user)]),
            UserError::Copied { user } => lang.fill("err.user.copied", &[("user", user)]),
        }
    }
}

impl Speak for rempart_domain::tills::TillError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::money::format_plain;
        use rempart_domain::tills::TillError;
        match self {
            TillError::BadTillCode { till } => lang.fill("err.till.bad_till_code", &[("till", till)]),
            TillError::TillExists { till } => lang.fill("err.till.till_exists", &[("till", till)]),
            TillError::AlreadyATill { till } => lang.fill("err.till.already_a_till", &[("till", till)]),
            TillError::NotATill => lang.text("err.till.not_a_till").to_owned(),
            TillError::UnknownTill { till } => lang.fill("err.till.unknown_till", &[("till", till)]),
            TillError::NotAStore { till, location } => {
                lang.fill("err.till.not_a_store", &[("till", till), ("location", location)])
            }
            TillError::BadNumber { number } => lang.fill("err.till.bad_number", &[("number", number)]),
            TillError::NoLines => lang.text("err.till.no_lines").to_owned(),
            TillError::BadQuantity { sku, qty } => {
                lang.fill("err.till.bad_quantity", &[("sku", sku), ("qty", &qty.to_string())])
            }
            TillError::BadPrice { sku } => lang.fill("err.till.bad_price", &[("sku", sku)]),
            TillError::BadDiscount { sku } => lang.fill("err.till.bad_discount", &[("sku", sku)]),
            TillError::BadPayment { method } => lang.fill("err.till.bad_payment", &[("method", &method.as_str())]),
            TillError::VoucherCode => lang.text("err.till.voucher_code").to_owned(),
            TillError::BadChange => lang.text("err.till.bad_change").to_owned(),
            TillError::BadRounding => lang.text("err.till.bad_rounding").to_owned(),
            TillError::OriginalUnnamed => lang.text("err.till.original_unnamed").to_owned(),
            TillError::NotSettled { due_minor, paid_minor, currency } => lang.fill(
                "err.till.not_settled",
                &[
                    ("due", &format_plain(*due_minor, *currency)),
                    ("paid", &format_plain(*paid_minor, *currency)),
                    ("currency", &currency.as_str()),
                ],
            ),
            TillError::UnknownMethod { method } => lang.fill("err.till.unknown_method", &[("method", method)]),
            TillError::NoReason => lang.text("err.till.no_reason").to_owned(),
            TillError::BadCashAmount => lang.text("err.till.bad_cash_amount").to_owned(),
            TillError::NoSession => lang.text("err.till.no_session").to_owned(),
            TillError::SessionOpen => lang.text("err.till.session_open").to_owned(),
            TillError::UnknownTicket { number } => lang.fill("err.till.unknown_ticket", &[("number", number)]),
            TillError::ReturnOfReturn { number } => lang.fill("err.till.return_of_return", &[("number", number)]),
            TillError::NotOnTicket { number, sku } => {
                lang.fill("err.till.not_on_ticket", &[("number", number), ("sku", sku)])
            }
            TillError::NothingToReturn { number } => lang.fill("err.till.nothing_to_return", &[("number", number)]),
            TillError::BadLine { text } => lang.fill("err.till.bad_line", &[("text", text)]),
            TillError::BadTender { text } => lang.fill("err.till.bad_tender", &[("text", text)]),
            TillError::UnknownCode { code } => lang.fill("err.till.unknown_code", &[("code", code)]),
            TillError::NoRate { item, date } => {
                lang.fill("err.till.no_rate", &[("item", item), ("date", &date.to_string())])
            }
            TillError::DiscountTooLarge => lang.text("err.till.discount_too_large").to_owned(),
            TillError::BadTicketDiscount { text } => lang.fill("err.till.bad_ticket_discount", &[("text", text)]),
        }
    }
}

impl Speak for rempart_domain::closures::ClosureError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::closures::ClosureError;
        match self {
            ClosureError::BadPeriod { period } => lang.fill("err.closure.bad_period", &[("period", period)]),
            ClosureError::IllFormed { number } => lang.fill("err.closure.ill_formed", &[("number", number)]),
            ClosureError::ClosedAlready { period } => lang.fill("err.closure.closed_already", &[("period", period)]),
            ClosureError::NotOver { period } => lang.fill("err.closure.not_over", &[("period", period)]),
            ClosureError::BeforeLastDay { date, last } => {
                lang.fill("err.closure.before_last_day", &[("date", date), ("last", last)])
            }
            ClosureError::DaysOpen { period } => lang.fill("err.closure.days_open", &[("period", period)]),
            ClosureError::NothingToSeal { period } => lang.fill("err.closure.nothing_to_seal", &[("period", period)]),
            ClosureError::TicketAfter { period, ticket } => {
                lang.fill("err.closure.ticket_after", &[("period", period), ("ticket", ticket)])
            }
            ClosureError::NotClosed { period, till } => {
                lang.fill("err.closure.not_closed", &[("period", period), ("till", till)])
            }
            ClosureError::ArchiveUnreadable => lang.text("err.closure.archive_unreadable").to_owned(),
            ClosureError::ArchiveNewer { version } => lang.fill("err.closure.archive_newer", &[("version", version)]),
        }
    }
}

/// What `check_closures` found, in the reader's words.
impl Speak for rempart_domain::closures::ClosureFault {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::closures::ClosureFault;
        match self {
            ClosureFault::Signature { number } => lang.fill("verify.closure.signature", &[("number", number)]),
            ClosureFault::Chain { number } => lang.fill("verify.closure.chain", &[("number", number)]),
            ClosureFault::Gap { number, expected } => {
                lang.fill("verify.closure.gap", &[("number", number), ("expected", expected)])
            }
            ClosureFault::TicketMissing { ticket } => lang.fill("verify.closure.ticket_missing", &[("ticket", ticket)]),
            ClosureFault::TicketOrder { ticket } => lang.fill("verify.closure.ticket_order", &[("ticket", ticket)]),
            ClosureFault::TicketUncovered { ticket } => {
                lang.fill("verify.closure.ticket_uncovered", &[("ticket", ticket)])
            }
            ClosureFault::Digest { number } => lang.fill("verify.closure.digest", &[("number", number)]),
            ClosureFault::Totals { number } => lang.fill("verify.closure.totals", &[("number", number)]),
            ClosureFault::CoveredMissing { number, covered } => {
                lang.fill("verify.closure.covered_missing", &[("number", number), ("covered", covered)])
            }
            ClosureFault::IllFormed { number } => lang.fill("verify.closure.ill_formed", &[("number", number)]),
            ClosureFault::Covers { number, covered } => {
                lang.fill("verify.closure.covers", &[("number", number), ("covered", covered)])
            }
            ClosureFault::TicketRange { number } => lang.fill("verify.closure.ticket_range", &[("number", number)]),
            ClosureFault::GrandTotal { number } => lang.fill("verify.closure.grand_total", &[("number", number)]),
            ClosureFault::TicketIllFormed { ticket } => {
                lang.fill("verify.closure.ticket_ill_formed", &[("ticket", ticket)])
            }
        }
    }
}

impl Speak for rempart_domain::stock::BarcodeError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::stock::BarcodeError;
        match self {
            BarcodeError::NotABarcode { text } => lang.fill("err.barcode.not_a_barcode", &[("text", text)]),
            BarcodeError::CheckDigit { text, expected, found } => lang.fill(
                "err.barcode.check_digit",
                &[("text", text), ("expected", &expected.to_string()), ("found", &found.to_string())],
            ),
        }
    }
}

impl Speak for rempart_domain::stock::StockError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::stock::StockError;
        match self {
            StockError::BadLocationCode { code } => lang.fill("err.stock.bad_location_code", &[("code", code)]),
            StockError::EmptyLabel => lang.text("err.stock.empty_label").to_owned(),
            StockError::UnknownKind { kind } => lang.fill("err.stock.unknown_kind", &[("kind", kind)]),
            StockError::LocationExists { code } => lang.fill("err.stock.location_exists", &[("code", code)]),
            StockError::UnknownLocation { code } => lang.fill("err.stock.unknown_location", &[("code", code)]),
            StockError::BadSkuCode { sku } => lang.fill("err.stock.bad_sku_code", &[("sku", sku)]),
            StockError::BadVariant { text } => lang.fill("err.stock.bad_variant", &[("text", text)]),
            StockError::SkuExists { sku } => lang.fill("err.stock.sku_exists", &[("sku", sku)]),
            StockError::UnknownSku { sku } => lang.fill("err.stock.unknown_sku", &[("sku", sku)]),
            StockError::UnknownItem { item } => lang.fill("err.stock.unknown_item", &[("item", item)]),
            StockError::BarcodeTaken { barcode, sku } => {
                lang.fill("err.stock.barcode_taken", &[("barcode", barcode), ("sku", sku)])
            }
            StockError::BadQuantity { qty } => lang.fill("err.stock.bad_quantity", &[("qty", &qty.to_string())]),
            StockError::BadCost { cost_minor, currency } => lang
                .fill("err.stock.bad_cost", &[("cost", &rempart_domain::money::format_plain(*cost_minor, *currency))]),
            StockError::NoLines => lang.text("err.stock.no_lines").to_owned(),
            StockError::CountWithoutQuantity => lang.text("err.stock.count_without_quantity").to_owned(),
            StockError::UnknownReason { reason } => lang.fill("err.stock.unknown_reason", &[("reason", reason)]),
            StockError::SameLocation { code } => lang.fill("err.stock.same_location", &[("code", code)]),
            StockError::UnknownTransfer { transfer } => {
                lang.fill("err.stock.unknown_transfer", &[("transfer", transfer)])
            }
            StockError::ElsewhereBound { transfer, to } => {
                lang.fill("err.stock.elsewhere_bound", &[("transfer", transfer), ("to", to)])
            }
            StockError::ArrivedAlready { transfer } => {
                lang.fill("err.stock.arrived_already", &[("transfer", transfer)])
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

impl Speak for rempart_domain::vehicles::VehicleError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::vehicles::VehicleError;
        match self {
            VehicleError::UnknownPlate { plate } => lang.fill("err.vehicle.unknown_plate", &[("plate", plate)]),
            VehicleError::AmbiguousPlate { plate, contacts } => {
                lang.fill("err.vehicle.ambiguous_plate", &[("plate", plate), ("contacts", &contacts.join(", "))])
            }
            VehicleError::NotTheCustomers { plate, contact } => {
                lang.fill("err.vehicle.not_the_customers", &[("plate", plate), ("contact", contact)])
            }
            VehicleError::BadMileage { text } => lang.fill("err.vehicle.bad_mileage", &[("text", text)]),
            VehicleError::MileageWithoutVehicle => lang.text("err.vehicle.mileage_without_vehicle").to_owned(),
        }
    }
}

impl Speak for rempart_domain::vat::VatReturnError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::vat::VatReturnError::UnknownCode { entry, code } => {
                lang.fill("err.vat_return.unknown_code", &[("entry", entry), ("code", code)])
            }
        }
    }
}

impl Speak for rempart_domain::quotes::QuoteError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::quotes::{Answer, QuoteError};
        match self {
            QuoteError::UnknownQuote { id } => lang.fill("err.quote.unknown", &[("id", id)]),
            QuoteError::Discarded { id } => lang.fill("err.quote.discarded", &[("id", id)]),
            QuoteError::AlreadySent { id, number } => {
                lang.fill("err.quote.already_sent", &[("id", id), ("number", number)])
            }
            QuoteError::NotSent { id } => lang.fill("err.quote.not_sent", &[("id", id)]),
            QuoteError::AlreadyAnswered { number, answer: Answer::Accepted } => {
                lang.fill("err.quote.already_accepted", &[("number", number)])
            }
            QuoteError::AlreadyAnswered { number, answer: Answer::Refused } => {
                lang.fill("err.quote.already_refused", &[("number", number)])
            }
            QuoteError::Expired { number, valid_until } => {
                lang.fill("err.quote.expired", &[("number", number), ("date", valid_until)])
            }
            QuoteError::Validity { date, valid_until } => {
                lang.fill("err.quote.validity", &[("date", date), ("until", valid_until)])
            }
            QuoteError::AnsweredBeforeDate { number, date, quote_date } => lang.fill(
                "err.quote.answered_before_date",
                &[("number", number), ("date", date), ("quote_date", quote_date)],
            ),
        }
    }
}

impl Speak for rempart_domain::documents::Missing {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::documents::Missing;
        match self {
            Missing::CompanyAccount => lang.text("err.missing.company_account").to_owned(),
            Missing::CompanyTown => lang.text("err.missing.company_town").to_owned(),
            Missing::CompanyVatNumber => lang.text("err.missing.company_vat_number").to_owned(),
            Missing::CompanySiren => lang.text("err.missing.company_siren").to_owned(),
            Missing::CustomerTown { contact } => lang.fill("err.missing.customer_town", &[("contact", contact)]),
        }
    }
}

impl Speak for rempart_domain::invoices::InvoiceError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            rempart_domain::invoices::InvoiceError::MissingDetails { missing } => {
                let list: Vec<String> = missing.iter().map(|each| each.speak(lang)).collect();
                lang.fill("err.invoice.missing_details", &[("missing", &list.join("; "))])
            }
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
            rempart_domain::invoices::InvoiceError::Discarded { id } => {
                lang.fill("err.invoice.discarded", &[("id", id)])
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
            rempart_domain::invoices::InvoiceError::CommentWithFigures => {
                lang.text("err.invoice.comment_with_figures").to_owned()
            }
            rempart_domain::invoices::InvoiceError::BadUnit { unit } => {
                lang.fill("err.invoice.bad_unit", &[("unit", unit)])
            }
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

impl Speak for rempart_domain::vat::VatMethodError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::vat::VatMethodError;
        match self {
            VatMethodError::Unreadable => lang.text("err.vat_method.unreadable").to_owned(),
            VatMethodError::BadRate { rate_bp } => {
                lang.fill("err.vat_method.bad_rate", &[("rate", &crate::percent_bp(*rate_bp))])
            }
            VatMethodError::NoSecondAccounts => lang.text("err.vat_method.no_second_accounts").to_owned(),
            VatMethodError::ChangesWithin { from, to, change } => lang.fill(
                "err.vat_method.changes_within",
                &[("from", &from.to_string()), ("to", &to.to_string()), ("change", &change.to_string())],
            ),
            VatMethodError::NotSwiss => lang.text("err.vat_method.not_swiss").to_owned(),
            VatMethodError::NotFrench => lang.text("err.vat_method.not_french").to_owned(),
            VatMethodError::BeforeIssued { from, last } => {
                lang.fill("err.vat_method.before_issued", &[("from", &from.to_string()), ("last", &last.to_string())])
            }
            VatMethodError::NotARate { text } => lang.fill("err.vat_method.not_a_rate", &[("text", text)]),
            VatMethodError::NotAMethod { text } => lang.fill("err.vat_method.not_a_method", &[("text", text)]),
            VatMethodError::AccountsWithoutRate => lang.text("err.vat_method.accounts_without_rate").to_owned(),
            VatMethodError::NotRevenue { account } => lang.fill("err.vat_method.not_revenue", &[("account", account)]),
        }
    }
}

impl Speak for rempart_domain::vat::NotAPeriod {
    fn speak(&self, lang: Lang) -> String {
        lang.fill("err.vat.not_a_period", &[("text", &self.text)])
    }
}

impl Speak for rempart_domain::locale::ReversedPeriod {
    fn speak(&self, lang: Lang) -> String {
        let rempart_domain::locale::ReversedPeriod { from, to, locale } = self;
        lang.fill("error.reversed_period", &[("from", &locale.format_date(*from)), ("to", &locale.format_date(*to))])
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
                let key = match who {
                    rempart_domain::qrbill::Party::Creditor => "err.qr_bill.creditor_address",
                    rempart_domain::qrbill::Party::Debtor => "err.qr_bill.debtor_address",
                };
                lang.fill(key, &[("field", field)])
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
            rempart_domain::LedgerError::ReservedEntryId { id } => {
                lang.fill("err.ledger.reserved_entry_id", &[("id", id)])
            }
            rempart_domain::LedgerError::UnknownEntry { id } => lang.fill("err.ledger.unknown_entry", &[("id", id)]),
            rempart_domain::LedgerError::DocumentEntry { id } => lang.fill("err.ledger.document_entry", &[("id", id)]),
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

impl Speak for rempart_domain::loyalty::LoyaltyError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::loyalty::LoyaltyError;
        match self {
            LoyaltyError::BadProgram => lang.text("err.loyalty.bad_program").to_owned(),
            LoyaltyError::NoProgram => lang.text("err.loyalty.no_program").to_owned(),
            LoyaltyError::NotHeadOffice => lang.text("err.loyalty.not_head_office").to_owned(),
            LoyaltyError::CardsExhausted => lang.text("err.loyalty.cards_exhausted").to_owned(),
            LoyaltyError::BadCard { card } => lang.fill("err.loyalty.bad_card", &[("card", card)]),
            LoyaltyError::UnknownCard { card } => lang.fill("err.loyalty.unknown_card", &[("card", card)]),
            LoyaltyError::IllFormed => lang.text("err.loyalty.ill_formed").to_owned(),
            LoyaltyError::NotWholeRewards { points, reward_points } => {
                lang.fill("err.loyalty.not_whole_rewards", &[("points", points), ("reward", reward_points)])
            }
            LoyaltyError::BeyondRiskLimit { card, points, allowed } => {
                lang.fill("err.loyalty.beyond_risk_limit", &[("card", card), ("points", points), ("allowed", allowed)])
            }
            LoyaltyError::PointsWithPercent => lang.text("err.loyalty.points_with_percent").to_owned(),
            LoyaltyError::BadReward { text } => lang.fill("err.loyalty.bad_reward", &[("text", text)]),
            LoyaltyError::BadRewardKind { text } => lang.fill("err.loyalty.bad_reward_kind", &[("text", text)]),
            LoyaltyError::OtherReward { kind } => {
                let kind = lang.text(&format!("loyalty.reward.{}", kind.as_str())).to_owned();
                lang.fill("err.loyalty.other_reward", &[("kind", &kind)])
            }
            LoyaltyError::VouchersExhausted => lang.text("err.loyalty.vouchers_exhausted").to_owned(),
            LoyaltyError::UnknownVoucher { voucher } => {
                lang.fill("err.loyalty.unknown_voucher", &[("voucher", voucher)])
            }
            LoyaltyError::VoucherEnded { voucher, until } => {
                lang.fill("err.loyalty.voucher_ended", &[("voucher", voucher), ("until", &until.to_string())])
            }
            LoyaltyError::VoucherSpent { voucher, left_minor, asked_minor, currency } => lang.fill(
                "err.loyalty.voucher_spent",
                &[
                    ("voucher", voucher),
                    ("left", &rempart_domain::money::format_plain(*left_minor, *currency)),
                    ("asked", &rempart_domain::money::format_plain(*asked_minor, *currency)),
                ],
            ),
        }
    }
}

impl Speak for rempart_domain::replenish::ReplenishError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_domain::replenish::ReplenishError;
        match self {
            ReplenishError::BadPick { text } => lang.fill("err.replenish.bad_pick", &[("text", text)]),
            ReplenishError::NotProposed { location, sku } => {
                lang.fill("err.replenish.not_proposed", &[("location", location), ("sku", sku)])
            }
            ReplenishError::NotAWarehouse { location } => {
                lang.fill("err.replenish.not_a_warehouse", &[("location", location)])
            }
            ReplenishError::UnknownSupplier { supplier } => {
                lang.fill("err.replenish.unknown_supplier", &[("supplier", supplier)])
            }
            ReplenishError::UnknownOrder { order } => lang.fill("err.replenish.unknown_order", &[("order", order)]),
            ReplenishError::BadOrderNumber { text } => lang.fill("err.replenish.bad_order_number", &[("text", text)]),
            ReplenishError::NotOrdered { order, sku } => {
                lang.fill("err.replenish.not_ordered", &[("order", order), ("sku", sku)])
            }
            ReplenishError::NothingToReceive { order } => {
                lang.fill("err.replenish.nothing_to_receive", &[("order", order)])
            }
            ReplenishError::CostUnknown { sku } => lang.fill("err.replenish.cost_unknown", &[("sku", sku)]),
            ReplenishError::SkuTwice { sku } => lang.fill("err.replenish.sku_twice", &[("sku", sku)]),
            ReplenishError::BadOrderLine { text } => lang.fill("err.replenish.bad_order_line", &[("text", text)]),
            ReplenishError::LaterSent { date, latest } => {
                lang.fill("err.replenish.later_sent", &[("date", date), ("latest", latest)])
            }
            ReplenishError::Lines(error) => error.speak(lang),
        }
    }
}

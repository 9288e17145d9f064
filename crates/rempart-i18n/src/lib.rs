//! The words of Rempart in French, German and English: the catalogues of messages (Project
//! Fluent, `i18n/{en,fr,de}.ftl`, built in) that the command line and the web app both read, and
//! every error kind of the library crates told from them (`speak`).

mod catalogue;
pub mod speak;

pub use catalogue::Lang;
pub use speak::{Speak, message, message_with};

/// A role of the web app in the reader's words.
pub fn role_name(lang: Lang, role: rempart_domain::users::Role) -> &'static str {
    use rempart_domain::users::Role;
    match role {
        Role::Owner => lang.text("web.role.owner"),
        Role::Accountant => lang.text("web.role.accountant"),
        Role::Cashier => lang.text("web.role.cashier"),
        Role::Mechanic => lang.text("web.role.mechanic"),
    }
}

/// A fact in business words (`FactKind::describe`), its dates as the company writes them.
pub fn described(lang: Lang, locale: Option<rempart_domain::Locale>, described: &rempart_domain::Described) -> String {
    use rempart_domain::Word;
    let values: Vec<(&str, String)> = described
        .values
        .iter()
        .map(|(name, word)| {
            let shown = match word {
                Word::Text(text) => text.clone(),
                Word::Number(number) => number.to_string(),
                Word::Date(date) => match locale {
                    Some(locale) => locale.format_date(*date),
                    None => date.to_string(),
                },
            };
            (*name, shown)
        })
        .collect();
    let values: Vec<(&str, &dyn std::fmt::Display)> =
        values.iter().map(|(name, shown)| (*name, shown as &dyn std::fmt::Display)).collect();
    lang.fill(described.message, &values)
}

/// A VAT method in force from its day, in words: "from 01.01.2026: the net tax rate 6.20 %".
pub fn vat_method_text(
    lang: Lang,
    locale: rempart_domain::Locale,
    dated: &rempart_domain::vat::DatedVatMethod,
) -> String {
    use rempart_domain::vat::VatMethod;
    let from = locale.format_date(dated.from);
    match &dated.method {
        VatMethod::Effective => lang.fill("company.vat_method_effective", &[("from", &from)]),
        VatMethod::Receipts => lang.fill("company.vat_method_receipts", &[("from", &from)]),
        VatMethod::Debits => lang.fill("company.vat_method_debits", &[("from", &from)]),
        VatMethod::NetRates { first_bp, second: None } => {
            lang.fill("company.vat_method_net", &[("from", &from), ("rate", &percent_bp(*first_bp))])
        }
        VatMethod::NetRates { first_bp, second: Some(second) } => lang.fill(
            "company.vat_method_net_two",
            &[
                ("from", &from),
                ("rate", &percent_bp(*first_bp)),
                ("second", &percent_bp(second.rate_bp)),
                ("accounts", &second.accounts.join(", ")),
            ],
        ),
    }
}

/// A rate in hundredths of a percent as its percentage, two decimals: 620 → "6.20".
pub(crate) fn percent_bp(bp: u32) -> String {
    format!("{}.{:02}", bp / 100, bp % 100)
}

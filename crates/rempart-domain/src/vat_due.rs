//! When French output VAT on services becomes due. By default (CGI art. 269, 2, c) the VAT on a
//! service is due when its price is received, not when it is invoiced; a company may opt to pay
//! it on its debits (when invoiced) from a day on (`VatMethod::Debits`, a dated setting). Goods
//! are due when delivered, which here is the invoice's date, either way.
//!
//! An invoice issued while VAT on receipts applies (its date decides) keeps its services' VAT
//! waiting, per VAT code: the tax is credited to account 44574 instead of 44571, and the base is
//! set aside (`VatAwaiting`, in the issue fact). Each payment then makes due the share of what
//! still waits that it pays of what was still open (`due_share`): its entry moves that tax from
//! 44574 to 44571 with the code, so the return counts it in the payment's period, and the payment
//! fact names the base with it (`VatReceived`). The payment that settles the invoice takes all that
//! is left, so no cent is lost to rounding. A credit note releases what still waits of what it
//! credits, and corrects the rest (already due) at its own date; when it settles the invoice
//! (what was paid covers what is left to pay), what still waits of the other services was
//! received and becomes due at its date.
//!
//! A service is a line on a revenue account of works, studies or services (704, 705, 706 and
//! their sub-accounts): the French chart's own split of turnover.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::invoices::{InvoiceLine, InvoiceTotals};
use crate::vat::{DatedVatMethod, VatMethod};

/// The account holding output VAT invoiced on services and not yet received: "TVA collectée en
/// attente d'encaissement".
pub const AWAITING_ACCOUNT: &str = "44574";

/// Whether `account` is a revenue account of services (works 704, studies 705, services 706).
pub fn is_service_account(account: &str) -> bool {
    ["704", "705", "706"].iter().any(|prefix| account.starts_with(prefix))
}

/// The VAT of one code that waits for its payments: the base and the tax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatAwaiting {
    pub code: String,
    pub base_minor: i64,
    pub tax_minor: i64,
}

/// What one payment made due of one invoice's waiting VAT, for one code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatReceived {
    pub invoice: String,
    pub code: String,
    pub base_minor: i64,
    pub tax_minor: i64,
}

/// Whether the services of an invoice dated `date` wait for their payments: VAT on receipts
/// unless the company opted for debits from that day or before (the last choice made up to that
/// day holds). Swiss methods among `methods` are no choice of this kind.
pub fn on_receipts(methods: &[DatedVatMethod], date: NaiveDate) -> bool {
    methods
        .iter()
        .filter(|dated| dated.from <= date && matches!(dated.method, VatMethod::Receipts | VatMethod::Debits))
        .max_by_key(|dated| dated.from)
        .is_none_or(|dated| dated.method == VatMethod::Receipts)
}

/// The VAT of the services among `lines` (service accounts, a code that charges VAT), per code:
/// their nets as base, and their share of the code's VAT (all of it when the code has only
/// services), so that the goods keep the rest to the cent.
pub fn services_vat(lines: &[InvoiceLine], totals: &InvoiceTotals) -> Vec<VatAwaiting> {
    let mut bases: std::collections::BTreeMap<&str, i64> = Default::default();
    for (line, net) in lines.iter().zip(&totals.line_nets_minor) {
        if !line.comment && is_service_account(&line.account) {
            *bases.entry(line.vat_code.as_str()).or_default() += net;
        }
    }
    bases
        .into_iter()
        .filter_map(|(code, base)| {
            let total = totals.by_vat_code.get(code)?;
            if total.vat_minor == 0 || base == 0 {
                return None;
            }
            Some(VatAwaiting {
                code: code.to_owned(),
                base_minor: base,
                tax_minor: share(base, total.net_minor, total.vat_minor),
            })
        })
        .collect()
}

/// `amount` times `part` over `whole`, rounded half away from zero; all of it when `part` is the
/// whole (or more), none when the whole is nothing.
pub fn share(part: i64, whole: i64, amount: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    if part.abs() >= whole.abs() {
        return amount;
    }
    let product = i128::from(amount) * i128::from(part);
    let whole = i128::from(whole);
    let rounded = (2 * product + product.signum() * whole.abs()) / (2 * whole);
    // |amount * part / whole| < |amount|: it fits.
    i64::try_from(rounded).unwrap_or(amount)
}

/// What a payment of `paid` makes due of what `awaiting` still waits, when `open` was still open
/// of the invoice (without reminder fees): the same share of each code's base and tax; all of it
/// when the payment settles the invoice.
pub fn due_share(awaiting: &[VatAwaiting], paid: i64, open: i64) -> Vec<VatAwaiting> {
    awaiting
        .iter()
        .map(|waiting| VatAwaiting {
            code: waiting.code.clone(),
            base_minor: share(paid, open, waiting.base_minor),
            tax_minor: share(paid, open, waiting.tax_minor),
        })
        .filter(|due| due.base_minor != 0 || due.tax_minor != 0)
        .collect()
}

/// What a credit note releases of what still waits: of each code, the credit's own services VAT
/// (`credited`), as far as it still waits; the rest of the credit was due already.
pub fn released(credited: &[VatAwaiting], awaiting: &[VatAwaiting]) -> Vec<VatAwaiting> {
    credited
        .iter()
        .filter_map(|credit| {
            let waiting = awaiting.iter().find(|waiting| waiting.code == credit.code)?;
            let release = VatAwaiting {
                code: credit.code.clone(),
                base_minor: credit.base_minor.min(waiting.base_minor).max(0),
                tax_minor: credit.tax_minor.min(waiting.tax_minor).max(0),
            };
            (release.base_minor != 0 || release.tax_minor != 0).then_some(release)
        })
        .collect()
}

/// What waits once `taken` is taken from it, per code (codes with nothing left dropped).
pub fn less(awaiting: &[VatAwaiting], taken: &[VatAwaiting]) -> Vec<VatAwaiting> {
    awaiting
        .iter()
        .map(|waiting| {
            let (base, tax) = taken
                .iter()
                .filter(|taken| taken.code == waiting.code)
                .fold((0, 0), |(base, tax), taken| (base + taken.base_minor, tax + taken.tax_minor));
            VatAwaiting {
                code: waiting.code.clone(),
                base_minor: waiting.base_minor - base,
                tax_minor: waiting.tax_minor - tax,
            }
        })
        .filter(|left| left.base_minor != 0 || left.tax_minor != 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoices::VatTotal;

    fn day(text: &str) -> NaiveDate {
        crate::rules::parse_date(text).unwrap()
    }

    fn line(account: &str, code: &str) -> InvoiceLine {
        InvoiceLine {
            item: None,
            text: "x".into(),
            quantity_milli: 1000,
            unit: None,
            comment: false,
            unit_price_minor: 0,
            discount_bp: 0,
            vat_code: code.into(),
            account: account.into(),
        }
    }

    #[test]
    fn services_are_the_works_studies_and_services_accounts() {
        assert!(["704", "705", "706", "7061", "706100"].iter().all(|account| is_service_account(account)));
        assert!(!["707", "701", "708", "44571", "3400", "70"].iter().any(|account| is_service_account(account)));
    }

    /// Receipts by default; debits from the day opted for, receipts again from a later choice;
    /// a Swiss method is no choice of this kind.
    #[test]
    fn the_choice_in_force_on_an_invoice_day_decides() {
        assert!(on_receipts(&[], day("2026-02-01")));
        let methods = [
            DatedVatMethod { from: day("2026-04-01"), method: VatMethod::Debits },
            DatedVatMethod { from: day("2026-05-01"), method: VatMethod::Effective },
            DatedVatMethod { from: day("2027-01-01"), method: VatMethod::Receipts },
        ];
        assert_eq!(
            ["2026-03-31", "2026-04-01", "2026-06-30", "2026-12-31", "2027-01-01"]
                .map(|date| on_receipts(&methods, day(date))),
            [true, false, false, false, true]
        );
    }

    /// A code with goods and services: the services take their share of its VAT, rounded, and
    /// the goods keep the rest; a code without VAT waits for nothing.
    #[test]
    fn the_services_share_of_a_codes_vat() {
        let lines = [line("706", "C20"), line("707", "C20"), line("706", "C55"), line("706", "E0")];
        let totals = InvoiceTotals {
            line_nets_minor: vec![10_001, 20_000, 5_000, 7_000],
            by_vat_code: [
                ("C20".to_owned(), VatTotal { rate_bp: 2000, net_minor: 30_001, vat_minor: 6_000 }),
                ("C55".to_owned(), VatTotal { rate_bp: 550, net_minor: 5_000, vat_minor: 275 }),
                ("E0".to_owned(), VatTotal { rate_bp: 0, net_minor: 7_000, vat_minor: 0 }),
            ]
            .into(),
            ..Default::default()
        };
        assert_eq!(
            services_vat(&lines, &totals),
            [
                VatAwaiting { code: "C20".into(), base_minor: 10_001, tax_minor: 2_000 },
                VatAwaiting { code: "C55".into(), base_minor: 5_000, tax_minor: 275 },
            ]
        );
    }

    /// Payments make due their share of what waits; the one that settles takes what is left,
    /// so the shares add up to the whole to the cent.
    #[test]
    fn payments_make_due_their_share_and_the_last_takes_the_rest() {
        let mut awaiting = vec![VatAwaiting { code: "C20".into(), base_minor: 10_000, tax_minor: 2_000 }];
        let mut open = 12_000;
        let mut total = (0, 0);
        for paid in [3_001, 4_999, 3_999, 1] {
            let due = due_share(&awaiting, paid, open);
            total.0 += due[0].base_minor;
            total.1 += due[0].tax_minor;
            awaiting[0].base_minor -= due[0].base_minor;
            awaiting[0].tax_minor -= due[0].tax_minor;
            open -= paid;
        }
        assert_eq!(total, (10_000, 2_000));
        assert_eq!(
            due_share(&[VatAwaiting { code: "C20".into(), base_minor: 10_000, tax_minor: 2_000 }], 3_000, 12_000)[0],
            VatAwaiting { code: "C20".into(), base_minor: 2_500, tax_minor: 500 }
        );
        assert_eq!(share(1, 2, 3), 2, "half away from zero");
        assert_eq!(share(-1, 2, 3), -2);
        assert_eq!(share(5, 0, 3), 0);
    }

    /// A credit note releases what still waits of what it credits, no more.
    #[test]
    fn a_credit_releases_what_still_waits() {
        let awaiting = [VatAwaiting { code: "C20".into(), base_minor: 5_000, tax_minor: 1_000 }];
        let credited = [
            VatAwaiting { code: "C20".into(), base_minor: 8_000, tax_minor: 1_600 },
            VatAwaiting { code: "C10".into(), base_minor: 1_000, tax_minor: 100 },
        ];
        assert_eq!(released(&credited, &awaiting), awaiting);
        assert_eq!(released(&credited[..1], &[]), []);
        let part = [VatAwaiting { code: "C20".into(), base_minor: 2_000, tax_minor: 400 }];
        assert_eq!(less(&awaiting, &part), [VatAwaiting { code: "C20".into(), base_minor: 3_000, tax_minor: 600 }]);
        assert_eq!(less(&awaiting, &awaiting), []);
    }
}

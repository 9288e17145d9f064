//! The VAT return: taxable bases and tax per VAT code, read from the postings of a period, and
//! their place in the Swiss federal form (effective method) and the French CA3.
//!
//! A posting tagged with a VAT code is either the tax itself (on the code's VAT account) or the
//! base the tax was computed on (any other account). Signs are turned so that output VAT and
//! sales are positive, and input VAT and the purchases it was paid on are positive too.

use std::collections::BTreeMap;

use crate::chart::{Country, VatCode, VatDirection};

/// A posting that carries a VAT code, with the entry it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatPosting {
    pub entry_id: String,
    pub date: String,
    pub account: String,
    pub amount_minor: i64,
    pub vat_code: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CodeFigures {
    pub base_minor: i64,
    pub tax_minor: i64,
}

/// Base and tax per VAT code. Postings with a code the books do not know are returned apart.
pub fn figures_by_code(
    codes: &std::collections::HashMap<String, VatCode>,
    postings: &[VatPosting],
) -> (BTreeMap<String, CodeFigures>, Vec<VatPosting>) {
    let mut figures: BTreeMap<String, CodeFigures> = BTreeMap::new();
    let mut unknown = Vec::new();
    for posting in postings {
        let Some(code) = codes.get(&posting.vat_code) else {
            unknown.push(posting.clone());
            continue;
        };
        let signed = match code.direction {
            VatDirection::Output => -posting.amount_minor,
            VatDirection::Input => posting.amount_minor,
        };
        let entry = figures.entry(posting.vat_code.clone()).or_default();
        if posting.account == code.account {
            entry.tax_minor += signed;
        } else {
            entry.base_minor += signed;
        }
    }
    (figures, unknown)
}

/// One line of the return: its number on the official form, the catalogue key of its label (the
/// form's own words: `vat.ch.200`, `vat.fr.01`), and the amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLine {
    pub form_line: &'static str,
    pub label: &'static str,
    pub base_minor: Option<i64>,
    pub tax_minor: Option<i64>,
    /// The VAT codes whose figures make up this line, for `--detail`.
    pub codes: Vec<String>,
}

fn line(
    form_line: &'static str,
    label: &'static str,
    base: Option<i64>,
    tax: Option<i64>,
    codes: Vec<String>,
) -> ReturnLine {
    ReturnLine { form_line, label, base_minor: base, tax_minor: tax, codes }
}

/// The main figures of the return for the company's country.
pub fn return_lines(
    country: Country,
    codes: &std::collections::HashMap<String, VatCode>,
    figures: &BTreeMap<String, CodeFigures>,
) -> Vec<ReturnLine> {
    let rate_of = |code: &str| codes.get(code).map(|vat| (vat.direction, vat.rate_bp, vat.account.as_str()));
    let pick = |filter: &dyn Fn(VatDirection, u32, &str) -> bool| -> (i64, i64, Vec<String>) {
        let mut base = 0;
        let mut tax = 0;
        let mut used = Vec::new();
        for (code, figure) in figures {
            if let Some((direction, rate_bp, account)) = rate_of(code)
                && filter(direction, rate_bp, account)
            {
                base += figure.base_minor;
                tax += figure.tax_minor;
                used.push(code.clone());
            }
        }
        (base, tax, used)
    };
    let output = |rate: u32| {
        move |direction: VatDirection, rate_bp: u32, _: &str| direction == VatDirection::Output && rate_bp == rate
    };
    match country {
        Country::Ch => {
            let (turnover, due, all_output) = pick(&|direction, _, _| direction == VatDirection::Output);
            let (_, input_materials, input_materials_codes) =
                pick(&|direction, _, account| direction == VatDirection::Input && account != "1171");
            let (_, input_other, input_other_codes) =
                pick(&|direction, _, account| direction == VatDirection::Input && account == "1171");
            let mut lines = vec![
                line("200", "vat.ch.200", Some(turnover), None, all_output.clone()),
                line("299", "vat.ch.299", Some(turnover), None, all_output.clone()),
            ];
            for (form_line, label, rate) in [
                ("302", "vat.ch.302", 810),
                ("312", "vat.ch.312", 260),
                ("342", "vat.ch.342", 380),
                ("303", "vat.ch.303", 770),
                ("313", "vat.ch.313", 250),
                ("343", "vat.ch.343", 370),
            ] {
                let (base, tax, used) = pick(&output(rate));
                if !used.is_empty() {
                    lines.push(line(form_line, label, Some(base), Some(tax), used));
                }
            }
            lines.push(line("399", "vat.ch.399", None, Some(due), all_output));
            lines.push(line("400", "vat.ch.400", None, Some(input_materials), input_materials_codes.clone()));
            lines.push(line("405", "vat.ch.405", None, Some(input_other), input_other_codes.clone()));
            let input = input_materials + input_other;
            lines.push(line(
                "479",
                "vat.ch.479",
                None,
                Some(input),
                [input_materials_codes, input_other_codes].concat(),
            ));
            let balance = due - input;
            if balance >= 0 {
                lines.push(line("500", "vat.ch.500", None, Some(balance), Vec::new()));
            } else {
                lines.push(line("510", "vat.ch.510", None, Some(-balance), Vec::new()));
            }
            lines
        }
        Country::Fr => {
            let (sales, due, all_output) = pick(&|direction, _, _| direction == VatDirection::Output);
            let mut lines = vec![line("01", "vat.fr.01", Some(sales), None, all_output.clone())];
            for (form_line, label, rate) in [
                ("08", "vat.fr.08", 2000),
                ("9B", "vat.fr.9b", 1000),
                ("09", "vat.fr.09", 550),
                ("11", "vat.fr.11", 210),
            ] {
                let (base, tax, used) = pick(&output(rate));
                if !used.is_empty() {
                    lines.push(line(form_line, label, Some(base), Some(tax), used));
                }
            }
            lines.push(line("16", "vat.fr.16", None, Some(due), all_output));
            let (_, fixed_assets, fixed_codes) =
                pick(&|direction, _, account| direction == VatDirection::Input && account == "44562");
            let (_, other, other_codes) =
                pick(&|direction, _, account| direction == VatDirection::Input && account != "44562");
            lines.push(line("19", "vat.fr.19", None, Some(fixed_assets), fixed_codes.clone()));
            lines.push(line("20", "vat.fr.20", None, Some(other), other_codes.clone()));
            let deductible = fixed_assets + other;
            lines.push(line("23", "vat.fr.23", None, Some(deductible), [fixed_codes, other_codes].concat()));
            let balance = due - deductible;
            if balance >= 0 {
                lines.push(line("28", "vat.fr.28", None, Some(balance), Vec::new()));
            } else {
                lines.push(line("25", "vat.fr.25", None, Some(-balance), Vec::new()));
            }
            lines
        }
    }
}

/// The company's details hold how it settles Swiss VAT from each day on, one field a day: the
/// prefix and the day (`vat_method_from_2026-01-01`), the method as JSON, written by `rempart
/// company vat-method`. A field a day, so that methods set for two days on two devices apart are
/// both kept (each field is a register of its own).
pub const VAT_METHOD_PREFIX: &str = "vat_method_from_";

/// The company detail holding the method in force from `from`.
pub fn vat_method_field(from: chrono::NaiveDate) -> String {
    format!("{VAT_METHOD_PREFIX}{}", from.format("%Y-%m-%d"))
}

/// The method a company detail holds, if `name` is one of a method (`VAT_METHOD_PREFIX`): its day
/// from the name, the method from the value, checked.
pub fn dated_vat_method(name: &str, value: &str) -> Option<Result<DatedVatMethod, VatMethodError>> {
    let day = name.strip_prefix(VAT_METHOD_PREFIX)?;
    Some((|| {
        let from = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| VatMethodError::Unreadable)?;
        if vat_method_field(from) != name {
            return Err(VatMethodError::Unreadable);
        }
        let method: VatMethod = serde_json::from_str(value).map_err(|_| VatMethodError::Unreadable)?;
        method.check()?;
        Ok(DatedVatMethod { from, method })
    })())
}

/// The highest net tax rate accepted: the federal rates run from 0.1 % to 6.8 %.
pub const NET_RATE_MAX_BP: u32 = 2_000;

/// How a company settles VAT. A Swiss company: the effective method (tax on turnover less input
/// tax), or the net tax rate method (taux de la dette fiscale nette, Saldosteuersatz): the
/// turnover, VAT included, times the one or two rates the tax office approved, and no input tax.
/// A French company: the VAT on its services due when they are paid (on receipts, the default
/// rule), or, having opted for it, when they are invoiced (on debits); goods are due when
/// invoiced either way (`vat_due`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum VatMethod {
    Effective,
    NetRates {
        /// The first rate, in hundredths of a percent (6.2 % is 620): all turnover but the
        /// second rate's.
        first_bp: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        second: Option<SecondNetRate>,
    },
    Receipts,
    Debits,
}

/// The second net tax rate and the revenue accounts whose turnover it applies to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecondNetRate {
    pub rate_bp: u32,
    pub accounts: Vec<String>,
}

/// A method in force from a day on (until the next one's day).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DatedVatMethod {
    pub from: chrono::NaiveDate,
    #[serde(flatten)]
    pub method: VatMethod,
}

/// Why a VAT return cannot be made from the books.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VatReturnError {
    #[error("entry {entry} uses VAT code {code}, which the books do not define")]
    UnknownCode { entry: String, code: String },
}

/// Why a VAT method cannot be set or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VatMethodError {
    #[error("the company's VAT methods cannot be read")]
    Unreadable,
    #[error("a net tax rate is above 0 % and at most 20 %, not {rate_bp} hundredths of a percent")]
    BadRate { rate_bp: u32 },
    #[error("a second net tax rate names the revenue accounts it applies to (--second-accounts)")]
    NoSecondAccounts,
    #[error(
        "the VAT method changes on {change} within the period {from} to {to}: ask for the days before and after apart"
    )]
    ChangesWithin { from: chrono::NaiveDate, to: chrono::NaiveDate, change: chrono::NaiveDate },
    #[error("only a Swiss company settles VAT by the effective method or at net tax rates")]
    NotSwiss,
    #[error("only a French company pays the VAT on its services on receipts or on debits")]
    NotFrench,
    #[error(
        "invoices are issued up to {last}: a choice of when VAT on services is due applies from a later day, not {from}"
    )]
    BeforeIssued { from: chrono::NaiveDate, last: chrono::NaiveDate },
    #[error("\"{text}\" is not a rate: write a percentage such as 6.2")]
    NotARate { text: String },
    #[error("\"{text}\" is not a VAT method: effective, or net with --rate (Switzerland); receipts or debits (France)")]
    NotAMethod { text: String },
    #[error("revenue accounts are given for a second net tax rate, but no second rate")]
    AccountsWithoutRate,
    #[error("account {account} is not a revenue account of the chart: the second net tax rate applies to revenue")]
    NotRevenue { account: String },
}

impl VatMethod {
    /// The country whose companies settle VAT by this method.
    pub fn country(&self) -> Country {
        match self {
            VatMethod::Effective | VatMethod::NetRates { .. } => Country::Ch,
            VatMethod::Receipts | VatMethod::Debits => Country::Fr,
        }
    }

    pub fn check(&self) -> Result<(), VatMethodError> {
        let rate_ok = |rate_bp: u32| (1..=NET_RATE_MAX_BP).contains(&rate_bp);
        match self {
            VatMethod::Effective | VatMethod::Receipts | VatMethod::Debits => Ok(()),
            VatMethod::NetRates { first_bp, second } => {
                if !rate_ok(*first_bp) {
                    return Err(VatMethodError::BadRate { rate_bp: *first_bp });
                }
                if let Some(second) = second {
                    if !rate_ok(second.rate_bp) {
                        return Err(VatMethodError::BadRate { rate_bp: second.rate_bp });
                    }
                    if second.accounts.is_empty() || second.accounts.iter().any(|account| account.trim().is_empty()) {
                        return Err(VatMethodError::NoSecondAccounts);
                    }
                }
                Ok(())
            }
        }
    }
}

/// A method as a person types it: `effective`, or `net` with its rate and, if any, a second rate
/// and the revenue accounts it applies to (percentages as `locale` writes decimals); checked.
pub fn read_vat_method(
    locale: crate::Locale,
    method: &str,
    rate: Option<&str>,
    second: Option<(&str, Vec<String>)>,
) -> Result<VatMethod, VatMethodError> {
    let second = match second {
        Some((rate, accounts)) if rate.trim().is_empty() => {
            if accounts.is_empty() {
                None
            } else {
                return Err(VatMethodError::AccountsWithoutRate);
            }
        }
        other => other,
    };
    let rate_of = |text: &str| {
        crate::invoices::parse_discount(&locale.plain_decimal(text.trim()))
            .map_err(|_| VatMethodError::NotARate { text: text.to_owned() })
    };
    let method = match (method.trim(), rate.map(str::trim).filter(|rate| !rate.is_empty())) {
        ("effective", None) if second.is_none() => VatMethod::Effective,
        ("receipts", None) if second.is_none() => VatMethod::Receipts,
        ("debits", None) if second.is_none() => VatMethod::Debits,
        ("net", Some(rate)) => VatMethod::NetRates {
            first_bp: rate_of(rate)?,
            second: match second {
                Some((rate, accounts)) => Some(SecondNetRate { rate_bp: rate_of(rate)?, accounts }),
                None => None,
            },
        },
        _ => return Err(VatMethodError::NotAMethod { text: method.to_owned() }),
    };
    method.check()?;
    Ok(method)
}

/// The Swiss method in force over `from` to `to` (the effective one before any is set); refused
/// when it changes within the period. A French method among `methods` is not one.
pub fn vat_method_over(
    methods: &[DatedVatMethod],
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<VatMethod, VatMethodError> {
    let swiss: Vec<&DatedVatMethod> = methods.iter().filter(|dated| dated.method.country() == Country::Ch).collect();
    let in_force =
        swiss.iter().rev().find(|dated| dated.from <= from).map_or(VatMethod::Effective, |dated| dated.method.clone());
    // A method set again within the period, the same as the one in force, changes nothing.
    if let Some(change) = swiss.iter().find(|dated| dated.from > from && dated.from <= to && dated.method != in_force) {
        return Err(VatMethodError::ChangesWithin { from, to, change: change.from });
    }
    Ok(in_force)
}

/// The Swiss return under the net tax rate method, laid out as the federal form for it: the
/// turnover VAT included (200, 299), the turnover at each net rate with the tax it gives (322,
/// 332), the tax due (399) and the amount to pay (500); no input tax. The turnover of each output
/// VAT code is its base and its VAT; of a code's VAT, the second rate takes its base at the code's
/// rate (rounded half away from zero), the first rate what is left.
pub fn net_rate_lines(
    codes: &std::collections::HashMap<String, VatCode>,
    sums: &[VatPosting],
    first_bp: u32,
    second: Option<&SecondNetRate>,
) -> Vec<ReturnLine> {
    // Per output code: its VAT, and its base at each rate (0: first, 1: second).
    let mut by_code: BTreeMap<&str, (i64, [i64; 2])> = BTreeMap::new();
    for posting in sums {
        let Some(code) = codes.get(&posting.vat_code).filter(|code| code.direction == VatDirection::Output) else {
            continue;
        };
        let entry = by_code.entry(posting.vat_code.as_str()).or_default();
        let signed = -posting.amount_minor;
        if posting.account == code.account {
            entry.0 += signed;
        } else {
            let at_second = second.is_some_and(|second| second.accounts.contains(&posting.account));
            entry.1[usize::from(at_second)] += signed;
        }
    }
    let mut turnover = [0i64; 2];
    let mut used: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    for (code, (tax, bases)) in &by_code {
        // The second rate's part of the VAT is its base at the code's rate, so that credit notes
        // and bases near zero share nothing out of proportion; the first rate takes the rest.
        let rate_bp = codes.get(*code).map_or(0, |vat| vat.rate_bp);
        let second_tax = if bases[1] == 0 {
            0
        } else {
            i64::try_from(crate::invoices::divide_rounded(i128::from(bases[1]) * i128::from(rate_bp), 10_000))
                .unwrap_or(0)
        };
        turnover[0] += bases[0] + (tax - second_tax);
        turnover[1] += bases[1] + second_tax;
        for (rate, part) in bases.iter().enumerate() {
            if *part != 0 {
                used[rate].push((*code).to_owned());
            }
        }
    }
    let tax_at = |amount: i64, rate_bp: u32| {
        i64::try_from(crate::invoices::divide_rounded(i128::from(amount) * i128::from(rate_bp), 10_000)).unwrap_or(0)
    };
    let all: Vec<String> = by_code.keys().map(|code| (*code).to_owned()).collect();
    let total = turnover[0] + turnover[1];
    let first_tax = tax_at(turnover[0], first_bp);
    let second_tax = second.map_or(0, |second| tax_at(turnover[1], second.rate_bp));
    let mut lines = vec![
        line("200", "vat.ch_net.200", Some(total), None, all.clone()),
        line("299", "vat.ch_net.299", Some(total), None, all.clone()),
        line("322", "vat.ch_net.322", Some(turnover[0]), Some(first_tax), used[0].clone()),
    ];
    if second.is_some() {
        lines.push(line("332", "vat.ch_net.332", Some(turnover[1]), Some(second_tax), used[1].clone()));
    }
    let due = first_tax + second_tax;
    lines.push(line("399", "vat.ch.399", None, Some(due), all));
    lines.push(line("500", "vat.ch.500", None, Some(due), Vec::new()));
    lines
}

/// A VAT period typed in a way no period is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{text}\" is not a period: write 2026-Q3 (a quarter), 2026-S1 (a half-year), 2026-03 (a month) or 2026")]
pub struct NotAPeriod {
    pub text: String,
}

/// The first and last day of a period: a year (`2026`), a half-year (`2026-S1`, `2026-S2`, as
/// Swiss VAT is filed half-yearly; `H1`, `H2` read alike), a quarter (`2026-Q3`) or a month
/// (`2026-03`).
pub fn parse_period(text: &str) -> Result<(chrono::NaiveDate, chrono::NaiveDate), NotAPeriod> {
    use chrono::NaiveDate;
    let bad = || NotAPeriod { text: text.to_owned() };
    let year = |part: &str| -> Result<i32, NotAPeriod> {
        if part.len() == 4 && part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let (first_month, months) = match text.split_once('-') {
        None => (1, 12),
        Some((_, quarter)) if quarter.len() == 2 && quarter.starts_with('Q') => match quarter.as_bytes()[1] {
            digit @ b'1'..=b'4' => (u32::from(digit - b'0') * 3 - 2, 3),
            _ => return Err(bad()),
        },
        Some((_, half)) if half.len() == 2 && (half.starts_with('S') || half.starts_with('H')) => {
            match half.as_bytes()[1] {
                digit @ b'1'..=b'2' => (u32::from(digit - b'0') * 6 - 5, 6),
                _ => return Err(bad()),
            }
        }
        Some((_, month)) if month.len() == 2 && month.bytes().all(|b| b.is_ascii_digit()) => {
            match month.parse::<u32>() {
                Ok(month @ 1..=12) => (month, 1),
                _ => return Err(bad()),
            }
        }
        Some(_) => return Err(bad()),
    };
    let year = year(text.split('-').next().unwrap_or(""))?;
    let start = NaiveDate::from_ymd_opt(year, first_month, 1).ok_or_else(bad)?;
    let end = start.checked_add_months(chrono::Months::new(months)).and_then(|next| next.pred_opt()).ok_or_else(bad)?;
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::vat_codes_of;

    fn codes(country: Country) -> std::collections::HashMap<String, VatCode> {
        vat_codes_of(country).into_iter().map(|code| (code.code.clone(), code)).collect()
    }

    fn posting(account: &str, amount_minor: i64, code: &str) -> VatPosting {
        VatPosting {
            entry_id: "E".into(),
            date: "2024-01-15".into(),
            account: account.into(),
            amount_minor,
            vat_code: code.into(),
        }
    }

    /// A quarter across the rate change: 1,000.00 at 7.7 % booked in December 2023 and 2,000.00
    /// at 8.1 % in January 2024, 500.00 at 2.6 %, a credit note of 100.00 at 8.1 %, and a
    /// supplier bill of 400.00 with 32.40 of input tax. Figures computed by hand.
    #[test]
    fn swiss_return_across_the_rate_change() {
        let codes = codes(Country::Ch);
        let postings = [
            posting("3400", -100_000, "N77"),
            posting("2200", -7_700, "N77"),
            posting("3400", -200_000, "N81"),
            posting("2200", -16_200, "N81"),
            posting("3200", -50_000, "R26"),
            posting("2200", -1_300, "R26"),
            posting("3400", 10_000, "N81"),
            posting("2200", 810, "N81"),
            posting("4000", 40_000, "IN81"),
            posting("1170", 3_240, "IN81"),
        ];
        let (figures, unknown) = figures_by_code(&codes, &postings);
        assert!(unknown.is_empty());
        assert_eq!(figures["N81"], CodeFigures { base_minor: 190_000, tax_minor: 15_390 });
        let lines = return_lines(Country::Ch, &codes, &figures);
        let get = |form_line: &str| {
            lines.iter().find(|line| line.form_line == form_line).map(|line| (line.base_minor, line.tax_minor))
        };
        assert_eq!(get("200"), Some((Some(340_000), None)));
        assert_eq!(get("302"), Some((Some(190_000), Some(15_390))));
        assert_eq!(get("303"), Some((Some(100_000), Some(7_700))));
        assert_eq!(get("312"), Some((Some(50_000), Some(1_300))));
        assert_eq!(get("399"), Some((None, Some(24_390))));
        assert_eq!(get("400"), Some((None, Some(3_240))));
        assert_eq!(get("479"), Some((None, Some(3_240))));
        assert_eq!(get("500"), Some((None, Some(21_150))));
    }

    /// The net tax rate method, worked by hand: 1,000.00 of services (3400) and 500.00 of goods
    /// (3200) at 8.1 %, 121.50 of VAT in all; the goods at a second rate of 0.6 %, the rest at 6.2 %.
    /// The goods take 121.50 × 500/1,500 = 40.50 of the VAT: 1,081.00 at 6.2 % = 67.022 → 67.02,
    /// 540.50 at 0.6 % = 3.243 → 3.24; 70.26 due, no input tax (the 32.40 paid on purchases is
    /// not deducted).
    #[test]
    fn the_net_tax_rate_method_taxes_the_turnover_vat_included_at_each_rate() {
        let codes = codes(Country::Ch);
        let sums = [
            posting("3400", -100_000, "N81"),
            posting("3200", -50_000, "N81"),
            posting("2200", -12_150, "N81"),
            posting("4000", 40_000, "IN81"),
            posting("1170", 3_240, "IN81"),
        ];
        let second = SecondNetRate { rate_bp: 60, accounts: vec!["3200".into()] };
        let lines = net_rate_lines(&codes, &sums, 620, Some(&second));
        let got: Vec<(&str, Option<i64>, Option<i64>)> =
            lines.iter().map(|line| (line.form_line, line.base_minor, line.tax_minor)).collect();
        assert_eq!(
            got,
            [
                ("200", Some(162_150), None),
                ("299", Some(162_150), None),
                ("322", Some(108_100), Some(6_702)),
                ("332", Some(54_050), Some(324)),
                ("399", None, Some(7_026)),
                ("500", None, Some(7_026)),
            ]
        );
        // One rate alone: everything at 6.2 %, 1,621.50 → 100.533 → 100.53.
        let one = net_rate_lines(&codes, &sums, 620, None);
        assert_eq!(one.iter().find(|line| line.form_line == "322").map(|line| line.tax_minor), Some(Some(10_053)));
        assert!(one.iter().all(|line| line.form_line != "332"));
    }

    #[test]
    fn a_vat_method_holds_from_its_day_and_a_period_across_a_change_is_refused() {
        let day = |text: &str| crate::rules::parse_date(text).unwrap();
        let net = VatMethod::NetRates { first_bp: 620, second: None };
        let dated = |from: &str, method: &VatMethod| DatedVatMethod { from: day(from), method: method.clone() };
        let methods = vec![dated("2026-01-01", &net), dated("2027-01-01", &VatMethod::Effective)];
        assert_eq!(vat_method_over(&methods, day("2025-07-01"), day("2025-12-31")), Ok(VatMethod::Effective));
        assert_eq!(vat_method_over(&methods, day("2026-01-01"), day("2026-06-30")), Ok(net.clone()));
        assert_eq!(
            vat_method_over(&methods, day("2026-07-01"), day("2027-06-30")),
            Err(VatMethodError::ChangesWithin {
                from: day("2026-07-01"),
                to: day("2027-06-30"),
                change: day("2027-01-01")
            })
        );
        // The same method set again, or the effective one where none was set, changes nothing.
        let again = vec![dated("2026-01-01", &net), dated("2026-07-01", &net)];
        assert_eq!(vat_method_over(&again, day("2026-01-01"), day("2026-12-31")), Ok(net.clone()));
        let first = vec![dated("2025-07-01", &VatMethod::Effective)];
        assert_eq!(vat_method_over(&first, day("2025-01-01"), day("2025-12-31")), Ok(VatMethod::Effective));
        // A credit note's base alone at the second rate: its VAT at the code's own rate.
        let codes = codes(Country::Ch);
        let second = SecondNetRate { rate_bp: 60, accounts: vec!["3200".into()] };
        let credit = [posting("3200", 1_000, "N77"), posting("2200", 77, "N77")];
        let lines = net_rate_lines(&codes, &credit, 620, Some(&second));
        assert_eq!(lines.iter().find(|line| line.form_line == "332").map(|line| line.base_minor), Some(Some(-1_077)));
        assert_eq!(lines.iter().find(|line| line.form_line == "322").map(|line| line.base_minor), Some(Some(0)));
        // Each method is a company detail of its own, named by its day.
        let field = vat_method_field(day("2026-01-01"));
        assert_eq!(field, "vat_method_from_2026-01-01");
        let text = serde_json::to_string(&net).unwrap();
        assert_eq!(dated_vat_method(&field, &text), Some(Ok(methods[0].clone())));
        assert_eq!(dated_vat_method("street", &text), None);
        assert_eq!(dated_vat_method("vat_method_from_2026-1-1", &text), Some(Err(VatMethodError::Unreadable)));
        for bad in [
            VatMethod::NetRates { first_bp: 0, second: None },
            VatMethod::NetRates { first_bp: 2_001, second: None },
            VatMethod::NetRates { first_bp: 620, second: Some(SecondNetRate { rate_bp: 60, accounts: Vec::new() }) },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
        assert_eq!(dated_vat_method(&field, "not json"), Some(Err(VatMethodError::Unreadable)));
    }

    #[test]
    fn periods() {
        let day = |text: &str| crate::rules::parse_date(text).unwrap();
        assert_eq!(parse_period("2026-Q3"), Ok((day("2026-07-01"), day("2026-09-30"))));
        assert_eq!(parse_period("2024-02"), Ok((day("2024-02-01"), day("2024-02-29"))));
        assert_eq!(parse_period("2025"), Ok((day("2025-01-01"), day("2025-12-31"))));
        assert_eq!(parse_period("2026-S1"), Ok((day("2026-01-01"), day("2026-06-30"))));
        assert_eq!(parse_period("2026-S2"), Ok((day("2026-07-01"), day("2026-12-31"))));
        assert_eq!(parse_period("2026-H2"), parse_period("2026-S2"));
        for bad in ["2026-Q5", "2026-13", "26-Q1", "2026-Q", "Q3", "2026-1", "2026-S3", "2026-S0", "2026-+1", "2026-S"]
        {
            assert_eq!(parse_period(bad), Err(NotAPeriod { text: bad.to_owned() }), "{bad}");
        }
    }

    #[test]
    fn french_return_with_a_vat_credit() {
        let codes = codes(Country::Fr);
        let postings = [
            posting("706", -100_000, "C20"),
            posting("44571", -20_000, "C20"),
            posting("607", 150_000, "D20"),
            posting("44566", 30_000, "D20"),
        ];
        let (figures, _) = figures_by_code(&codes, &postings);
        let lines = return_lines(Country::Fr, &codes, &figures);
        let get = |form_line: &str| {
            lines.iter().find(|line| line.form_line == form_line).map(|line| (line.base_minor, line.tax_minor))
        };
        assert_eq!(get("08"), Some((Some(100_000), Some(20_000))));
        assert_eq!(get("16"), Some((None, Some(20_000))));
        assert_eq!(get("20"), Some((None, Some(30_000))));
        assert_eq!(get("25"), Some((None, Some(10_000))));
        assert_eq!(get("28"), None);
    }

    /// Input tax on investments (account 1171 in Switzerland, 44562 in France) has a line of
    /// its own, the total of input tax adds both, and a return with more input tax than tax due
    /// shows the balance in the company's favour as a positive amount.
    #[test]
    fn input_tax_on_investments_and_a_balance_in_the_companys_favour() {
        let mut swiss = codes(Country::Ch);
        let investment = VatCode { code: "INV81".into(), account: "1171".into(), ..swiss["IN81"].clone() };
        swiss.insert(investment.code.clone(), investment);
        let postings = [
            posting("3400", -10_000, "N81"),
            posting("2200", -810, "N81"),
            posting("4000", 20_000, "IN81"),
            posting("1170", 1_620, "IN81"),
            posting("1500", 50_000, "INV81"),
            posting("1171", 4_050, "INV81"),
        ];
        let (figures, unknown) = figures_by_code(&swiss, &postings);
        assert!(unknown.is_empty());
        let lines = return_lines(Country::Ch, &swiss, &figures);
        let tax =
            |form_line: &str| lines.iter().find(|line| line.form_line == form_line).and_then(|line| line.tax_minor);
        assert_eq!(tax("399"), Some(810));
        assert_eq!(tax("400"), Some(1_620));
        assert_eq!(tax("405"), Some(4_050));
        assert_eq!(tax("479"), Some(5_670));
        assert_eq!(tax("500"), None);
        assert_eq!(tax("510"), Some(4_860));

        let mut french = codes(Country::Fr);
        let fixed = VatCode { code: "DI20".into(), account: "44562".into(), ..french["D20"].clone() };
        french.insert(fixed.code.clone(), fixed);
        let postings = [
            posting("706", -100_000, "C20"),
            posting("44571", -20_000, "C20"),
            posting("607", 10_000, "D20"),
            posting("44566", 2_000, "D20"),
            posting("2154", 30_000, "DI20"),
            posting("44562", 6_000, "DI20"),
        ];
        let (figures, _) = figures_by_code(&french, &postings);
        let lines = return_lines(Country::Fr, &french, &figures);
        let tax =
            |form_line: &str| lines.iter().find(|line| line.form_line == form_line).and_then(|line| line.tax_minor);
        assert_eq!(tax("19"), Some(6_000));
        assert_eq!(tax("20"), Some(2_000));
        assert_eq!(tax("23"), Some(8_000));
        assert_eq!(tax("28"), Some(12_000));
    }
}

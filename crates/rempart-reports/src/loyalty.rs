//! The loyalty report (issue 21): every card with its holder, the points earned, spent and
//! expired and its balance on a day, what the company owes in rewards, and the cards that went
//! below zero when two stores' spending met (or that two devices gave); the vouchers given for
//! points, what is left of each and those paid with beyond their worth; a card's points ledger.

use anyhow::Result;
use chrono::NaiveDate;
use rempart_domain::Locale;
use rempart_i18n::Lang;
use rempart_store::Store;

use crate::render::{Cell, Report};

/// The cards on `on`: balances, the value of the points held (what the company owes as
/// rewards), and a flag on each card below zero.
pub fn loyalty(store: &Store, lang: Lang, locale: Locale, on: NaiveDate) -> Result<Report> {
    let currency = store.company()?.currency;
    let program = store.loyalty_program()?;
    let value = |points: i64| {
        program
            .as_ref()
            .map_or(0, |program| points.max(0).saturating_mul(program.reward_minor) / i64::from(program.reward_points))
    };
    let keys = ["card", "contact", "name", "earned", "spent", "expired", "points", "value", "flag"];
    let mut report = Report::new(
        lang.fill("loyalty.report.title", &[("date", &locale.format_date(on))]),
        keys.into_iter().map(|key| (key, lang.text(&format!("loyalty.column.{key}")).to_owned())).collect(),
    );
    let (mut owed_points, mut owed_value, mut negative) = (0i64, 0i64, 0usize);
    for row in store.loyalty_cards(on)? {
        let balance = row.balance;
        let flag = match (balance.points < 0, row.given_twice) {
            (true, _) => {
                negative += 1;
                Cell::text(lang.text("loyalty.flag.negative"))
            }
            (false, true) => Cell::text(lang.text("loyalty.flag.given_twice")),
            (false, false) => Cell::Empty,
        };
        owed_points = owed_points.saturating_add(balance.points.max(0));
        owed_value = owed_value.saturating_add(value(balance.points));
        report.rows.push(vec![
            Cell::Text(row.card),
            Cell::Text(row.contact),
            Cell::Text(row.name),
            Cell::Number(balance.earned),
            Cell::Number(balance.spent),
            Cell::Number(balance.expired),
            Cell::Number(balance.points),
            Cell::Amount(value(balance.points), currency),
            flag,
        ]);
    }
    report.totals.push(vec![
        Cell::text(lang.text("total")),
        Cell::Empty,
        Cell::text(lang.fill("loyalty.negative_cards", &[("count", &negative)])),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Number(owed_points),
        Cell::Amount(owed_value, currency),
        Cell::Empty,
    ]);
    Ok(report)
}

/// A card's points ledger on `on`: each line that moved its points (earned, spent, taken back by
/// a return, expired), the ticket that caused it and the balance after it; the balance below.
pub fn card_statement(store: &Store, lang: Lang, locale: Locale, card: &str, on: NaiveDate) -> Result<Report> {
    let (balance, lines) = store.card_statement(card, on)?;
    let keys = ["date", "movement", "ticket", "points", "balance"];
    let mut report = Report::new(
        lang.fill("loyalty.statement.title", &[("card", &card.trim()), ("date", &locale.format_date(on))]),
        keys.into_iter().map(|key| (key, lang.text(&format!("loyalty.statement.column.{key}")).to_owned())).collect(),
    );
    for line in lines {
        report.rows.push(vec![
            Cell::Date(line.date.to_string()),
            Cell::text(lang.text(&format!("loyalty.movement.{}", line.kind.as_str()))),
            Cell::Text(line.ticket),
            Cell::Number(line.points),
            Cell::Number(line.balance),
        ]);
    }
    report.totals.push(vec![
        Cell::text(lang.text("loyalty.statement.balance")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Number(balance.points),
    ]);
    Ok(report)
}

/// The vouchers on `on`: each one's worth, what tickets paid with it and what is left (nothing
/// once ended), what the company owes in them, and a flag on each paid with beyond its worth.
pub fn vouchers(store: &Store, lang: Lang, locale: Locale, on: NaiveDate) -> Result<Report> {
    let currency = store.company()?.currency;
    let keys = ["voucher", "card", "date", "until", "worth", "used", "open", "flag"];
    let mut report = Report::new(
        lang.fill("loyalty.vouchers.title", &[("date", &locale.format_date(on))]),
        keys.into_iter().map(|key| (key, lang.text(&format!("loyalty.vouchers.column.{key}")).to_owned())).collect(),
    );
    let (mut owed, mut overspent) = (0i64, 0usize);
    for row in store.loyalty_vouchers()? {
        let open = row.open_minor(on);
        owed = owed.saturating_add(open);
        let flag = if row.overspent() {
            overspent += 1;
            Cell::text(lang.text("loyalty.flag.overspent"))
        } else if row.worth_minor == 0 {
            Cell::text(lang.text("loyalty.flag.not_counted"))
        } else if row.voucher.until.is_some_and(|until| until < on) {
            Cell::text(lang.text("loyalty.flag.ended"))
        } else {
            Cell::Empty
        };
        report.rows.push(vec![
            Cell::Text(row.voucher.voucher.clone()),
            Cell::Text(row.voucher.card.clone()),
            Cell::Date(row.voucher.date.to_string()),
            row.voucher.until.map_or(Cell::Empty, |until| Cell::Date(until.to_string())),
            Cell::Amount(row.worth_minor, currency),
            Cell::Amount(row.used_minor, currency),
            Cell::Amount(open, currency),
            flag,
        ]);
    }
    report.totals.push(vec![
        Cell::text(lang.text("total")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Amount(owed, currency),
        Cell::text(lang.fill("loyalty.overspent_vouchers", &[("count", &overspent)])),
    ]);
    Ok(report)
}

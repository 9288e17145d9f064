//! Issue 21: the tills' reports through the binary, on a store's day of sales (two sales, one
//! returned): by store, day, item, VAT rate and way of paying, the slow movers and the closures,
//! as tables and CSV, in French too.

use crate::csv_rows;

#[test]
fn the_sales_reports_group_what_the_tills_sold() {
    let company = crate::closures::store_with_a_month_of_sales();
    let report = |by: &str| csv_rows(&company.ok(&["report", "sales", "--by", by, "--format", "csv"]));
    // 378.00 + 189.00 - 189.00 returned; cash 400.00 + 89.00 - 22.00 change, card 100.00 - 189.00.
    // The VAT included, 8.1 % of 378.00, by store, day and item too; not by way of paying.
    assert_eq!(report("store"), [["GE1", "Genève Rive", "3", "2", "378.00", "28.32"]]);
    assert_eq!(report("day"), [["2026-03-02", "", "3", "2", "378.00", "28.32"]]);
    assert_eq!(report("item"), [["JKT-M", "Veste laine", "3", "2", "378.00", "28.32"]]);
    assert_eq!(report("rate"), [["N81", "8.10 %", "3", "2", "378.00", "28.32"]]);
    assert_eq!(report("method"), [["card", "Card", "2", "", "-89.00", ""], ["cash", "Cash", "2", "", "467.00", ""]]);
    let outside = company.ok(&["report", "sales", "--from", "2026-03-03", "--format", "csv"]);
    assert!(csv_rows(&outside).is_empty(), "{outside}");
    let refused = company.fails(&["report", "sales", "--by", "week"]);
    assert!(refused.contains("\"week\" is not a way to group sales"), "{refused}");
    let french = company.ok_in("fr", &["report", "sales", "--by", "rate"]);
    assert!(french.contains("Ventes par taux de TVA") && french.contains("378.00"), "{french}");

    // 10 received, 2 sold net: 8 on hand, none sold in the last 28 days, last sold in March.
    let slow = csv_rows(&company.ok(&["report", "slow-movers", "--format", "csv"]));
    assert_eq!(slow, [["GE1", "JKT-M", "Veste laine", "8", "480.00", "0", "2026-03-02"]]);
    // Over 400 days, 2 were sold: more than 1.
    let none = company.ok(&["report", "slow-movers", "--days", "400", "--most", "1", "--format", "csv"]);
    assert!(csv_rows(&none).is_empty(), "{none}");

    company.ok(&["till", "--date", "2026-03-02", "closure", "2026-03-02"]);
    let closures = csv_rows(&company.ok(&["report", "closures", "--format", "csv"]));
    assert_eq!(closures, [["GE1-1", "1", "day", "2026-03-02", "3", "378.00", "378.00", "120.00"]]);
    let shown = company.ok(&["report", "closures"]);
    assert!(shown.contains("02.03.2026"), "a day in the company's way of writing dates: {shown}");
}

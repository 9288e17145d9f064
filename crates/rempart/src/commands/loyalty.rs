//! Loyalty (`loyalty`, issue 21): the program head office sets, cards given to contacts, and a
//! card's balance as this node knows it, vouchers given for points. Earning and spending happen
//! at the till (`rempart till sell --card CARD [--redeem POINTS]`, `--pay voucher=NUMBER:AMOUNT`).

use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use rempart_domain::loyalty::{LoyaltyError, RewardKind};
use rempart_store::Store;
use rempart_store::loyalty::ProgramInput;

use super::common::{date_arg, locale_of, today};
use crate::i18n::Lang;

#[derive(Subcommand)]
pub(crate) enum LoyaltyCommand {
    /// The loyalty program: how points are earned and spent.
    #[command(subcommand)]
    Program(ProgramCommand),
    /// Loyalty cards.
    #[command(subcommand)]
    Card(CardCommand),
    /// Give a card's holder a voucher for points (a program whose rewards are vouchers); prints
    /// its number (EAN-13).
    Voucher {
        card: String,
        /// Points spent, whole rewards
        #[arg(long)]
        points: i64,
        /// Given on this day [default: today]
        #[arg(long)]
        date: Option<String>,
    },
    /// A card's points as this node knows them, and its ledger: each line earned, spent, taken
    /// back or expired, with the ticket that caused it.
    Balance {
        card: String,
        /// On this day [default: today]
        #[arg(long)]
        on: Option<String>,
    },
}

#[derive(Subcommand)]
pub(crate) enum ProgramCommand {
    /// Set the program (head office): the last set holds on every node.
    Set {
        /// Points for each whole unit of currency a ticket comes to
        #[arg(long, default_value_t = 1)]
        per_unit: u32,
        /// Points for each item sold
        #[arg(long, default_value_t = 0)]
        per_item: u32,
        /// A reward: so many points for so much off a ticket (POINTS=AMOUNT, such as 100=5.00)
        #[arg(long)]
        reward: String,
        /// How long earned points last, in days (0: for ever)
        #[arg(long, default_value_t = 365)]
        expiry_days: u32,
        /// Points a till keeps back from the balance it knows when a customer spends
        #[arg(long, default_value_t = 0)]
        risk_limit: u32,
        /// How rewards are taken: discount (off the ticket at hand) or voucher (paid with later)
        #[arg(long, default_value = "discount")]
        reward_kind: String,
        /// How long a voucher is good for, in days (0: for ever)
        #[arg(long, default_value_t = 0)]
        voucher_days: u32,
    },
    /// Show the program.
    Show,
}

#[derive(Subcommand)]
pub(crate) enum CardCommand {
    /// Give a contact a card; prints its number (EAN-13).
    Add {
        #[arg(long)]
        contact: String,
    },
}

/// Runs a `loyalty` command.
pub(crate) fn loyalty(dir: &Path, lang: Lang, command: LoyaltyCommand) -> Result<()> {
    let mut store = Store::open(dir)?;
    let locale = locale_of(&store)?;
    let currency = store.company()?.currency;
    match command {
        LoyaltyCommand::Program(ProgramCommand::Set {
            per_unit,
            per_item,
            reward,
            expiry_days,
            risk_limit,
            reward_kind,
            voucher_days,
        }) => {
            let reward_kind = RewardKind::parse(&reward_kind)?;
            let bad = || LoyaltyError::BadReward { text: reward.clone() };
            let (points, amount) = reward.split_once('=').ok_or_else(bad)?;
            let reward_points: u32 = points.trim().parse().map_err(|_| bad())?;
            let reward_minor = locale.read_amount(amount.trim(), currency)?;
            let program = store.set_loyalty_program(ProgramInput {
                points_per_unit: per_unit,
                points_per_item: per_item,
                reward_points,
                reward_minor,
                expiry_days,
                risk_limit,
                reward_kind,
                voucher_days,
            })?;
            println!("{}", program_text(lang, locale, &program));
        }
        LoyaltyCommand::Program(ProgramCommand::Show) => match store.loyalty_program()? {
            Some(program) => println!("{}", program_text(lang, locale, &program)),
            None => return Err(LoyaltyError::NoProgram.into()),
        },
        LoyaltyCommand::Card(CardCommand::Add { contact }) => {
            let card = store.issue_card(&contact)?;
            println!("{}", lang.fill("loyalty.card_given", &[("card", &card), ("contact", &contact.trim())]));
            println!("{card}");
        }
        LoyaltyCommand::Voucher { card, points, date } => {
            let date = date_arg(locale, &date)?.unwrap_or_else(today);
            let voucher = store.give_voucher(&card, points, date)?;
            let until = match voucher.until {
                Some(until) => locale.format_date(until),
                None => lang.text("loyalty.voucher.for_ever").to_owned(),
            };
            println!(
                "{}",
                lang.fill(
                    "loyalty.voucher_given",
                    &[
                        ("voucher", &voucher.voucher),
                        ("card", &voucher.card),
                        ("points", &voucher.points),
                        ("amount", &locale.format_amount(voucher.value_minor, voucher.currency)),
                        ("until", &until),
                    ]
                )
            );
            println!("{}", voucher.voucher);
        }
        LoyaltyCommand::Balance { card, on } => {
            let on = date_arg(locale, &on)?.unwrap_or_else(today);
            let statement = rempart_reports::card_statement(&store, lang, locale, &card, on)?;
            let balance = store.card_balance(&card, on)?;
            println!(
                "{}",
                lang.fill(
                    "loyalty.balance",
                    &[
                        ("card", &card.trim()),
                        ("date", &locale.format_date(on)),
                        ("points", &balance.points),
                        ("earned", &balance.earned),
                        ("spent", &balance.spent),
                        ("expired", &balance.expired),
                    ]
                )
            );
            if !statement.rows.is_empty() {
                print!("{}", statement.render(rempart_reports::Format::Table, locale)?);
            }
        }
    }
    Ok(())
}

fn program_text(lang: Lang, locale: rempart_domain::Locale, program: &rempart_domain::loyalty::ProgramSet) -> String {
    let key = match program.reward_kind {
        RewardKind::Discount => "loyalty.program",
        RewardKind::Voucher => "loyalty.program_vouchers",
    };
    lang.fill(
        key,
        &[
            ("per_unit", &program.points_per_unit),
            ("per_item", &program.points_per_item),
            ("points", &program.reward_points),
            ("amount", &locale.format_amount(program.reward_minor, program.currency)),
            ("days", &program.expiry_days),
            ("risk", &program.risk_limit),
            ("voucher_days", &program.voucher_days),
        ],
    )
}

//! A retail chain on this machine (issue 22): `rempart demo --chain` builds one (`build`), and
//! `rempart drill chain` replays the first incident on copies of it (`drill`).
//!
//! A chain is a directory: the hub's objects (`hub/`), head office, the warehouse and each store
//! with its till, each node a data directory of its own that syncs through the hub on loopback
//! (a `rempart hub` process of its own), the owner's recovery kit, and `chain.json` (its size and
//! its days). Its business is the same on every run: every sale, customer and delivery is drawn
//! from a seeded generator keyed by the store and the day (`Shop::day`), and decided only from
//! what the store's own node holds, so a store sells the same day the same whether the hub and
//! head office are there or not.

pub mod build;
pub mod drill;
pub mod hub_drill;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use anyhow::Result;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use rempart_domain::stock::StockLine;
use rempart_domain::tills::{Method, Tender};
use rempart_node::{Http, Session, SyncReport};
use rempart_store::Store;
use rempart_store::tills::{Discount, SaleLine};
use serde::{Deserialize, Serialize};

use crate::bench::sync::with_env;
use crate::command_error::CommandError;
use crate::demo::Lcg;

/// What stops a chain being built or drilled.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("{dir} is not a chain made by `rempart demo --chain`: {source}")]
    NotAChain { dir: PathBuf, source: std::io::Error },
    #[error("{path} does not describe a chain")]
    Manifest { path: PathBuf },
    #[error("{path} is of format {found}, this program reads {expected}")]
    ManifestFormat { path: PathBuf, found: u32, expected: u32 },
    #[error("the hub cannot be started: {source}")]
    HubStart { source: std::io::Error },
    #[error("the hub did not say where it listens")]
    HubSilent,
    #[error("a sync refused {refused} events, rejected {rejected} and found {forks} forks")]
    SyncNotClean { refused: usize, rejected: usize, forks: usize },
    #[error("{node} computes another state than head office")]
    OtherState { node: String },
    #[error("{dir} is not empty: choose another --work for the drill")]
    WorkTaken { dir: PathBuf },
    #[error("head office could not be restored: {said}")]
    RestoreFailed { said: String },
    #[error("a process of the drill cannot be started: {source}")]
    Spawn { source: std::io::Error },
    #[error("{path} is a symbolic link: a chain's directories hold none")]
    Symlink { path: PathBuf },
    #[error("the hub's storage in {dir} cannot be read: {source}")]
    HubStorage { dir: PathBuf, source: rempart_hub::ObjectError },
    #[error("the hub's storage in {dir} does not give the company's chains (status {status})")]
    HubHeads { dir: PathBuf, status: u16 },
}

#[derive(clap::Subcommand)]
pub enum DrillCommand {
    /// The first incident on a copy of a demo chain: head office and the warehouse destroyed
    /// and the hub stopped during a business day, the stores selling on for two days, head
    /// office restored from the recovery kit; checks that nothing was lost and that the chain
    /// computes what it would have without the incident. Exits non-zero if a check fails.
    Chain {
        /// The chain's directory (rempart demo --chain --data-dir DIR); it is not changed.
        chain: PathBuf,
        /// Where the copies are made [default: a new temporary directory, removed after]
        #[arg(long)]
        work: Option<PathBuf>,
    },
    /// This node lost to ransomware, rehearsed: a backup to the first target now, the company
    /// restored from it alone into a scratch directory, verified and compared with this node;
    /// the recovery time measured and kept for `status` and the dashboard. Exits non-zero unless
    /// identical.
    Ransom,
    /// The hub lost, rehearsed: an empty hub refilled from this node alone, the company restored
    /// from it into a scratch directory, verified and compared with this node; kept likewise.
    /// With --chain, on a copy of a demo chain instead: its hub's storage wiped and refilled by
    /// every node, the company restored from it with the recovery kit; every chain, roster entry
    /// and batch must be back as it was. Exits non-zero if a check fails.
    Hub {
        /// A chain's directory (rempart demo --chain --data-dir DIR); it is not changed.
        #[arg(long)]
        chain: Option<PathBuf>,
        /// With --chain: where the copy is made [default: a new temporary directory, removed
        /// after]
        #[arg(long, requires = "chain")]
        work: Option<PathBuf>,
    },
}

/// The size of a chain to build.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Size {
    pub stores: usize,
    pub weeks: u32,
    /// Tickets of an average store on an average day.
    pub tickets: u32,
}

/// What `chain.json` says of a chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    size: Size,
    seed: u64,
    /// The first day (set up, closed) and the last day of sales.
    first: NaiveDate,
    last: NaiveDate,
}

const MANIFEST: &str = "chain.json";
const MANIFEST_FORMAT: u32 = 1;
const KIT: &str = "recovery-kit.txt";
const HEAD_OFFICE: &str = "head-office";
const WAREHOUSE: &str = "warehouse";
/// The warehouse's location code.
const WAREHOUSE_CODE: &str = "W01";
/// The float counted into each till's drawer in the morning, in centimes.
const FLOAT_MINOR: i64 = 20_000;

impl Manifest {
    fn read(root: &Path) -> Result<Manifest> {
        let path = root.join(MANIFEST);
        let text =
            std::fs::read_to_string(&path).map_err(|source| ChainError::NotAChain { dir: root.to_owned(), source })?;
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|_| ChainError::Manifest { path: path.clone() })?;
        if manifest.format != MANIFEST_FORMAT {
            return Err(ChainError::ManifestFormat { path, found: manifest.format, expected: MANIFEST_FORMAT }.into());
        }
        Ok(manifest)
    }

    fn write(&self, root: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        let path = root.join(MANIFEST);
        rempart_store::durable::create_private(&path, text.as_bytes())
            .map_err(|source| CommandError::NotWritten { path, source }.into())
    }
}

/// A store's location code: `S01`…
fn store_code(index: usize) -> String {
    format!("S{:02}", index + 1)
}

/// A store's node directory name: `store-01`…
fn store_dir(index: usize) -> String {
    format!("store-{:02}", index + 1)
}

/// Days the stores are closed: Sundays, New Year's Day, Berchtold's Day, Christmas, St Stephen's.
fn closed(day: NaiveDate) -> bool {
    day.weekday() == Weekday::Sun || matches!((day.month(), day.day()), (1, 1) | (1, 2) | (12, 25) | (12, 26))
}

/// The next day the stores open after `day`.
fn next_open(day: NaiveDate) -> NaiveDate {
    let mut next = day + Days::new(1);
    while closed(next) {
        next = next + Days::new(1);
    }
    next
}

/// A `rempart hub` process on a port it chose, serving the chain's objects; killed when dropped.
pub struct HubChild {
    child: Child,
    pub url: String,
}

impl HubChild {
    pub fn start(objects: &Path) -> Result<HubChild> {
        let program = std::env::current_exe().map_err(|source| ChainError::HubStart { source })?;
        let mut child = std::process::Command::new(program)
            .args(["hub", "--listen", "127.0.0.1:0", "--open-signup", "--store"])
            .arg(objects)
            .env("REMPART_LOG", "error")
            .env("REMPART_LANG", "en")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| ChainError::HubStart { source })?;
        let stdout = child.stdout.take().ok_or(ChainError::HubSilent)?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map_err(|source| ChainError::HubStart { source })?;
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .map(|word| word.trim_end_matches(',').to_owned());
        match url {
            Some(url) => Ok(HubChild { child, url }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(ChainError::HubSilent.into())
            }
        }
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HubChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A node of the chain: its store and its sync session.
pub struct Node {
    pub store: Store,
    pub session: Session,
}

impl Node {
    fn open(dir: &Path) -> Result<Node> {
        let store = Store::open(dir)?;
        let session = Session::open(&store)?;
        Ok(Node { store, session })
    }

    fn sync(&mut self, transport: &mut Http) -> Result<SyncReport> {
        let report = with_env(|env| self.session.sync(&mut self.store, transport, env))?;
        clean(&report)?;
        Ok(report)
    }

    fn push(&mut self, transport: &mut Http) -> Result<SyncReport> {
        let report = with_env(|env| self.session.push_only(&mut self.store, transport, env))?;
        clean(&report)?;
        Ok(report)
    }

    /// Syncs through the hub at `url` from now on.
    fn point_at(&mut self, url: &str) -> Result<()> {
        self.session.set_hub(&self.store, url)?;
        Ok(())
    }
}

/// A sync that refused or rejected anything is a failure of the chain: nothing is thrown away.
fn clean(report: &SyncReport) -> Result<()> {
    if !report.refused.is_empty() || !report.rejected.is_empty() || !report.forks.is_empty() {
        return Err(ChainError::SyncNotClean {
            refused: report.refused.len(),
            rejected: report.rejected.len(),
            forks: report.forks.len(),
        }
        .into());
    }
    Ok(())
}

// The catalogue: kinds of garment × lines × sizes × colours.

struct Kind {
    code: &'static str,
    label: &'static str,
    /// Net price of the classic line, in centimes.
    price: i64,
    /// How much it sells each month, in tenths of its average.
    season: [u32; 12],
}

const KINDS: [Kind; 10] = [
    Kind { code: "TSH", label: "T-shirt", price: 2_490, season: [4, 4, 6, 8, 12, 16, 18, 16, 10, 6, 4, 6] },
    Kind { code: "PUL", label: "Pull", price: 6_490, season: [16, 14, 10, 6, 3, 2, 2, 3, 6, 12, 16, 20] },
    Kind { code: "CHE", label: "Chemise", price: 4_990, season: [8, 8, 10, 10, 10, 10, 9, 9, 10, 10, 10, 12] },
    Kind { code: "PAN", label: "Pantalon", price: 7_490, season: [9, 8, 10, 10, 10, 9, 9, 10, 11, 10, 10, 11] },
    Kind { code: "VES", label: "Veste", price: 12_990, season: [14, 12, 12, 10, 6, 3, 2, 3, 8, 14, 16, 18] },
    Kind { code: "ROB", label: "Robe", price: 8_490, season: [4, 5, 8, 10, 14, 16, 16, 14, 9, 6, 5, 8] },
    Kind { code: "JUP", label: "Jupe", price: 5_490, season: [5, 6, 8, 10, 12, 13, 13, 12, 9, 7, 6, 7] },
    Kind { code: "SHO", label: "Short", price: 3_490, season: [2, 2, 4, 8, 14, 18, 20, 16, 8, 3, 2, 2] },
    Kind { code: "CAS", label: "Casquette", price: 2_190, season: [3, 3, 5, 8, 12, 15, 16, 14, 8, 5, 3, 3] },
    Kind { code: "ECH", label: "Écharpe", price: 2_990, season: [18, 14, 8, 4, 2, 1, 1, 2, 5, 12, 18, 24] },
];
/// Lines of each kind: code, label, price in percent of the classic's.
const LINES: [(&str, &str, i64); 3] = [("CL", "Classique", 100), ("SP", "Sport", 115), ("PR", "Premium", 150)];
/// Sizes and how often each is bought.
const SIZES: [(&str, u32); 3] = [("S", 3), ("M", 5), ("L", 3)];
/// Colours (code, name) and how often each is bought.
const COLOURS: [(&str, &str, u32); 4] =
    [("NOI", "noir", 4), ("BLA", "blanc", 3), ("BLE", "bleu", 3), ("ROU", "rouge", 2)];
/// The chain's month, in tenths of an average month: January's sales, the summer lull, Christmas.
const MONTHS: [u32; 12] = [12, 8, 9, 10, 10, 10, 9, 8, 10, 10, 12, 16];
/// The store's weekday, in tenths of an average day (Monday to Saturday).
const WEEKDAYS: [u32; 6] = [7, 8, 9, 10, 12, 16];

/// One SKU of the catalogue.
struct Article {
    sku: String,
    /// Units sold in a year by an average store, before its season: its weight.
    weight: u32,
    kind: usize,
    /// Net price, for the item.
    price: i64,
}

fn catalogue() -> Vec<Article> {
    let mut articles = Vec::new();
    for (kind_index, kind) in KINDS.iter().enumerate() {
        for (line, _, percent) in LINES {
            // A price ending in 90 centimes.
            let price = (kind.price * percent / 100) / 100 * 100 + 90;
            for (size, size_weight) in SIZES {
                for (colour, _, colour_weight) in COLOURS {
                    articles.push(Article {
                        sku: format!("{}-{line}-{size}-{colour}", kind.code),
                        weight: size_weight * colour_weight,
                        kind: kind_index,
                        price,
                    });
                }
            }
        }
    }
    articles
}

/// For each month, the cumulated weights of the catalogue's SKUs (what a basket draws from).
fn month_tables(articles: &[Article]) -> Vec<Vec<u64>> {
    (0..12)
        .map(|month| {
            let mut sum = 0u64;
            articles
                .iter()
                .map(|article| {
                    sum += u64::from(article.weight * KINDS[article.kind].season[month]);
                    sum
                })
                .collect()
        })
        .collect()
}

/// The units of each SKU an average store sells on an average day of `month`.
fn daily_units(articles: &[Article], tables: &[Vec<u64>], month: usize, tickets: u32) -> Vec<f64> {
    let total = tables[month].last().copied().unwrap_or(1).max(1) as f64;
    // A ticket has two lines on average (one to three), a line one unit and a tenth.
    let units_per_day = f64::from(tickets) * f64::from(MONTHS[month]) / 10.0 * 2.0 * 1.1;
    articles
        .iter()
        .map(|article| units_per_day * f64::from(article.weight * KINDS[article.kind].season[month]) / total)
        .collect()
}

const FIRST_NAMES: [&str; 16] = [
    "Anne", "Luc", "Sophie", "Marc", "Julie", "Nicolas", "Claire", "Pierre", "Laura", "Thomas", "Élodie", "Daniel",
    "Sarah", "Jonas", "Mélanie", "Urs",
];
const LAST_NAMES: [&str; 16] = [
    "Favre", "Meier", "Rochat", "Müller", "Bonvin", "Keller", "Girard", "Schmid", "Perret", "Huber", "Morel",
    "Baumann", "Dubois", "Gerber", "Chappuis", "Weber",
];

/// A store's customer with a loyalty card.
#[derive(Clone)]
struct Customer {
    card: String,
}

/// What a day at a store came to.
#[derive(Debug, Default, Clone, Copy)]
pub struct Takings {
    pub tickets: u64,
    pub lines: u64,
    pub returns: u64,
    pub sales_minor: i64,
    pub with_card: u64,
    pub points_spent: u64,
    pub new_cards: u64,
    /// Lines a customer wanted that the shelf did not have.
    pub lost_lines: u64,
}

impl Takings {
    fn add(&mut self, other: &Takings) {
        self.tickets += other.tickets;
        self.lines += other.lines;
        self.returns += other.returns;
        self.sales_minor += other.sales_minor;
        self.with_card += other.with_card;
        self.points_spent += other.points_spent;
        self.new_cards += other.new_cards;
        self.lost_lines += other.lost_lines;
    }
}

/// A store of the chain at work: its till's node, its customers, what it sold in this run that
/// may come back.
pub struct Shop {
    pub index: usize,
    pub code: String,
    pub node: Node,
    customers: Vec<Customer>,
    returnable: Vec<String>,
    /// The numbers of the tickets (sales and returns) it recorded in this run.
    pub sold: Vec<String>,
    /// Its size, in tenths of an average store's.
    factor: u32,
    seed: u64,
}

impl Shop {
    fn new(index: usize, node: Node, seed: u64) -> Result<Shop> {
        let code = store_code(index);
        // Its customers: the cards given to its contacts (`S01-00001`…), as its node holds them.
        let prefix = format!("{code}-");
        let mut customers: Vec<(String, String)> = node
            .store
            .loyalty_cards(NaiveDate::MIN)?
            .into_iter()
            .filter(|row| row.contact.starts_with(&prefix))
            .map(|row| (row.contact, row.card))
            .collect();
        customers.sort();
        let customers = customers.into_iter().map(|(_, card)| Customer { card }).collect();
        let mut sizing = Lcg::new(seed ^ ((index as u64 + 1) * 7_919));
        let factor = sizing.between(6, 14) as u32;
        Ok(Shop { index, code, node, customers, returnable: Vec::new(), sold: Vec::new(), factor, seed })
    }

    /// A business day at the store: the drawer opened, the day's customers served (sales with
    /// and without cards, points spent, a few returns), the drawer counted and closed, the day's
    /// closure sealed. Every draw comes from the store and the day; every decision from what
    /// this node holds. `part` splits the day (the morning, then the rest) at `split` of its
    /// tickets: `None` for the whole day.
    pub fn day(&mut self, day: NaiveDate, part: Option<(bool, f64)>, context: &Plan) -> Result<Takings> {
        let mut random =
            Lcg::new(self.seed ^ (self.index as u64 + 1).wrapping_mul(0x1000_0001) ^ day.num_days_from_ce() as u64);
        let month = day.month0() as usize;
        let weekday = day.weekday().num_days_from_monday().min(5) as usize;
        let expected = u64::from(context.tickets)
            * u64::from(MONTHS[month])
            * u64::from(WEEKDAYS[weekday])
            * u64::from(self.factor);
        let expected = (expected / 1_000).max(1) as i64;
        let count = random.between(expected * 7 / 10, expected * 13 / 10).max(1) as usize;
        let (from, to) = match part {
            None => (0, count),
            Some((true, split)) => (0, (count as f64 * split) as usize),
            Some((false, split)) => ((count as f64 * split) as usize, count),
        };
        let first_part = from == 0;
        let last_part = to == count;
        if first_part {
            self.node.store.open_session(FLOAT_MINOR, day)?;
        }
        let mut shelf: BTreeMap<String, i64> = self
            .node
            .store
            .stock_levels(Some(&self.code), None)?
            .into_iter()
            .map(|level| (level.sku, level.on_hand))
            .collect();
        let mut takings = Takings::default();
        for number in 0..count {
            // Every ticket's draws are made, sold or not, so that a part sells what the whole would.
            let mut ticket_random = Lcg::new(random.next() ^ number as u64);
            if number < from || number >= to {
                continue;
            }
            self.customer(&mut ticket_random, &mut shelf, day, month, context, &mut takings)?;
        }
        if last_part {
            let expected = self.node.store.drawer_expected()?;
            self.node.store.close_session(expected, day)?;
            self.node.store.seal_closure(&day.to_string(), day)?;
        }
        Ok(takings)
    }

    fn customer(
        &mut self,
        random: &mut Lcg,
        shelf: &mut BTreeMap<String, i64>,
        day: NaiveDate,
        month: usize,
        context: &Plan,
        takings: &mut Takings,
    ) -> Result<()> {
        // Two in a hundred bring back what they bought here before.
        if random.between(1, 100) <= 2 && !self.returnable.is_empty() {
            let pick = random.between(0, self.returnable.len() as i64 - 1) as usize;
            let original = self.returnable.swap_remove(pick);
            let ticket = self.node.store.return_ticket(&original, None, Method::Card, day)?;
            for line in &ticket.lines {
                *shelf.entry(line.sku.clone()).or_default() -= line.qty;
            }
            takings.returns += 1;
            takings.sales_minor += ticket.total_minor();
            self.sold.push(ticket.number);
            return Ok(());
        }
        let lines_wanted = match random.between(1, 100) {
            1..=50 => 1,
            51..=85 => 2,
            _ => 3,
        };
        let table = &context.tables[month];
        let total_weight = table.last().copied().unwrap_or(1).max(1);
        let mut basket: Vec<SaleLine> = Vec::new();
        for _ in 0..lines_wanted {
            let draw = random.next() % total_weight;
            let index = table.partition_point(|cumulated| *cumulated <= draw).min(context.articles.len() - 1);
            let qty = if random.between(1, 10) == 1 { 2 } else { 1 };
            let sku = &context.articles[index].sku;
            let on_shelf = shelf.get(sku).copied().unwrap_or(0);
            if on_shelf < qty || basket.iter().any(|line| line.code == *sku) {
                takings.lost_lines += 1;
                continue;
            }
            shelf.insert(sku.clone(), on_shelf - qty);
            basket.push(SaleLine { code: sku.clone(), qty, price_minor: None });
        }
        if basket.is_empty() {
            return Ok(());
        }
        // Close to half show a card; a new customer is given one.
        let mut card = None;
        let mut points = 0;
        if random.between(1, 100) <= 45 {
            let new = self.customers.len() < 20 || random.between(1, 100) <= 8;
            let customer = if new {
                let id = format!("{}-{:05}", self.code, self.customers.len() + 1);
                let name = format!(
                    "{} {}",
                    FIRST_NAMES[random.between(0, 15) as usize],
                    LAST_NAMES[random.between(0, 15) as usize]
                );
                let fields = BTreeMap::from([("name".to_owned(), Some(name))]);
                self.node.store.create_contact(Some(id.clone()), fields)?;
                let card = self.node.store.issue_card(&id)?;
                self.customers.push(Customer { card });
                takings.new_cards += 1;
                self.customers.len() - 1
            } else {
                random.between(0, self.customers.len() as i64 - 1) as usize
            };
            let holder = self.customers[customer].card.clone();
            // Three in ten spend a reward when the card holds enough, as this till knows it.
            if random.between(1, 10) <= 3 {
                let balance = self.node.store.card_balance(&holder, day)?;
                if balance.points - i64::from(context.risk_limit) >= i64::from(context.reward_points) {
                    points = i64::from(context.reward_points);
                }
            }
            card = Some(holder);
        }
        let discount = (points > 0).then_some(Discount::Amount(context.reward_minor));
        let priced = self.node.store.price_basket(&basket, discount, day)?;
        let total: i64 = priced.iter().map(|line| line.gross_minor()).sum();
        let payment = match random.between(1, 100) {
            // Cash in notes of ten francs, the change given back.
            1..=25 => Tender { method: Method::Cash, amount_minor: (total / 1_000 + 1) * 1_000, voucher: None },
            26..=40 => Tender { method: Method::Twint, amount_minor: total, voucher: None },
            _ => Tender { method: Method::Card, amount_minor: total, voucher: None },
        };
        let ticket = self.node.store.sell_spending(&basket, None, vec![payment], card.clone(), points, day)?;
        if points > 0 {
            takings.points_spent += points as u64;
        }
        takings.tickets += 1;
        takings.lines += ticket.lines.len() as u64;
        takings.sales_minor += ticket.total_minor();
        takings.with_card += u64::from(card.is_some());
        self.returnable.push(ticket.number.clone());
        self.sold.push(ticket.number);
        Ok(())
    }

    /// Takes in the transfers sent to this store that it knows of and that have not arrived.
    fn receive_transfers(&mut self, day: NaiveDate) -> Result<(u64, i64)> {
        let (mut transfers, mut units) = (0, 0);
        for transfer in self.node.store.transfers_in_transit(Some(&self.code))? {
            if transfer.sent.date < day {
                self.node.store.arrive_transfer(&transfer.sent.transfer, day, None)?;
                transfers += 1;
                units += transfer.sent.lines.iter().map(|line| line.qty).sum::<i64>();
            }
        }
        Ok((transfers, units))
    }
}

/// What every store's day is drawn from.
pub struct Plan {
    articles: Vec<Article>,
    tables: Vec<Vec<u64>>,
    tickets: u32,
    reward_points: u32,
    reward_minor: i64,
    risk_limit: u32,
}

impl Plan {
    fn new(size: &Size) -> Plan {
        let articles = catalogue();
        let tables = month_tables(&articles);
        Plan {
            articles,
            tables,
            tickets: size.tickets,
            reward_points: build::PROGRAM.reward_points,
            reward_minor: build::PROGRAM.reward_minor,
            risk_limit: build::PROGRAM.risk_limit,
        }
    }

    /// What the warehouse should hold of each SKU at the start of `month`: six weeks of the chain's
    /// sales in that month and the next.
    fn warehouse_target(&self, month: usize, stores: usize) -> Vec<(String, i64)> {
        let now = daily_units(&self.articles, &self.tables, month, self.tickets);
        let next = daily_units(&self.articles, &self.tables, (month + 1) % 12, self.tickets);
        self.articles
            .iter()
            .zip(now.iter().zip(next))
            .map(|(article, (now, next))| {
                let units = (now + next) / 2.0 * 36.0 * stores as f64;
                (article.sku.clone(), units.ceil() as i64 + 2)
            })
            .collect()
    }

    /// What a store is first given of each SKU: three weeks of January's sales, two at least.
    fn opening_stock(&self, factor: u32) -> Vec<StockLine> {
        let units = daily_units(&self.articles, &self.tables, 0, self.tickets);
        self.articles
            .iter()
            .zip(units)
            .map(|(article, units)| StockLine {
                sku: article.sku.clone(),
                qty: ((units * 18.0 * f64::from(factor) / 10.0).ceil() as i64).max(2),
            })
            .collect()
    }
}

/// Copies a directory tree (the chain's nodes, the hub's objects).
fn copy_tree(from: &Path, to: &Path) -> Result<u64> {
    std::fs::create_dir_all(to).map_err(|source| CommandError::NotWritten { path: to.to_owned(), source })?;
    let mut bytes = 0;
    let unread = |source| CommandError::NotRead { path: from.to_owned(), source };
    for entry in std::fs::read_dir(from).map_err(unread)? {
        let entry = entry.map_err(unread)?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(unread)?;
        if kind.is_symlink() {
            return Err(ChainError::Symlink { path: entry.path() }.into());
        }
        if kind.is_dir() {
            bytes += copy_tree(&entry.path(), &target)?;
        } else {
            bytes += std::fs::copy(entry.path(), &target)
                .map_err(|source| CommandError::NotWritten { path: target.clone(), source })?;
        }
    }
    Ok(bytes)
}

/// The files under `dir` and their sizes.
fn files(dir: &Path) -> Result<Vec<(PathBuf, u64)>> {
    let unread = |source| CommandError::NotRead { path: dir.to_owned(), source };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unread)? {
        let entry = entry.map_err(unread)?;
        let kind = entry.file_type().map_err(unread)?;
        if kind.is_symlink() {
            return Err(ChainError::Symlink { path: entry.path() }.into());
        }
        if kind.is_dir() {
            found.extend(files(&entry.path())?);
        } else {
            found.push((entry.path(), entry.metadata().map_err(unread)?.len()));
        }
    }
    Ok(found)
}

/// The bytes of the files under `dir`.
fn tree_bytes(dir: &Path) -> Result<u64> {
    Ok(files(dir)?.iter().map(|(_, bytes)| bytes).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architecture_names_the_chain_format() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md");
        let text = std::fs::read_to_string(path).expect("ARCHITECTURE.md");
        assert!(text.contains(&format!("`MANIFEST_FORMAT = {MANIFEST_FORMAT}`")));
    }

    #[test]
    fn the_stores_close_on_sundays_and_holidays_and_open_the_next_day() {
        let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).expect("a day");
        // 2025-01-01 is a Wednesday, closed; the 2nd too (Berchtold); Friday the 3rd opens.
        assert!(closed(day(1, 1)) && closed(day(1, 2)) && !closed(day(1, 3)));
        assert_eq!(next_open(day(1, 1)), day(1, 3));
        // Saturday the 4th, then Sunday closed, Monday the 6th.
        assert_eq!(next_open(day(1, 4)), day(1, 6));
        // Christmas on a Thursday: Wednesday the 24th, then Saturday the 27th.
        assert_eq!(next_open(day(12, 24)), day(12, 27));
    }

    #[test]
    fn the_catalogue_has_one_sku_per_kind_line_size_and_colour() {
        let articles = catalogue();
        let skus: std::collections::BTreeSet<&str> = articles.iter().map(|article| article.sku.as_str()).collect();
        assert_eq!(skus.len(), KINDS.len() * LINES.len() * SIZES.len() * COLOURS.len());
        assert!(articles.iter().all(|article| article.price % 100 == 90 && article.weight > 0));
        // Every month's table grows with every SKU: each can be drawn.
        for table in month_tables(&articles) {
            assert!(table.windows(2).all(|pair| pair[1] > pair[0]));
        }
    }
}

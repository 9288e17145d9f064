//! `rempart demo --chain`: a clothing chain built in a directory, node by node, through a hub
//! process on loopback. Head office holds the catalogue (kinds × lines × sizes × colours), the
//! locations and the loyalty program; the warehouse takes in the suppliers' deliveries; each
//! store's till sells every open day of the year (seasonal, by weekday and by store), gives cards,
//! lets points be spent and takes goods back; every Sunday the stores send their week, the
//! warehouse is restocked, head office approves the replenishment proposals as transfers, and
//! the stores take them in on Monday morning.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use rempart_domain::catalogue::ItemDefined;
use rempart_domain::loyalty::RewardKind;
use rempart_domain::replenish::Policy;
use rempart_domain::stock::{LocationAdded, LocationKind, ReceivedLine, SkuDefined};
use rempart_domain::{Country, Currency, Locale};
use rempart_node::{Http, Session};
use rempart_store::Store;
use rempart_store::loyalty::ProgramInput;
use rempart_sync::Role;

use super::{
    COLOURS, ChainError, HEAD_OFFICE, HubChild, KINDS, KIT, LINES, MANIFEST_FORMAT, Manifest, Node, Plan, SIZES, Shop,
    Size, Takings, WAREHOUSE, WAREHOUSE_CODE, closed, store_code, store_dir, tree_bytes,
};
use crate::bench::sync::with_env;
use crate::i18n::Lang;

/// The supplier of every SKU: a contact of head office.
const SUPPLIER: &str = "F-TISSAGES";

/// The loyalty program's figures the stores' customers act on.
pub struct ProgramPlan {
    pub reward_points: u32,
    pub reward_minor: i64,
    pub risk_limit: u32,
}

/// A point a franc; 200 points are CHF 10.00 off; points last a year; a till lets a card spend
/// what it knows of it less 50 points.
pub const PROGRAM: ProgramPlan = ProgramPlan { reward_points: 200, reward_minor: 1_000, risk_limit: 50 };

const TOWNS: [&str; 20] = [
    "Lausanne",
    "Genève",
    "Fribourg",
    "Neuchâtel",
    "Sion",
    "Berne",
    "Bienne",
    "Yverdon",
    "Montreux",
    "Vevey",
    "Nyon",
    "Morges",
    "Martigny",
    "La Chaux-de-Fonds",
    "Delémont",
    "Bulle",
    "Zurich",
    "Bâle",
    "Lucerne",
    "Thoune",
];

/// What the year came to, for the figures printed.
#[derive(Default)]
struct Year {
    takings: Takings,
    days: u64,
    reviews: u64,
    transfers: u64,
    orders: u64,
    units_sent: i64,
    deliveries: u64,
    units_delivered: i64,
}

/// The chain being built: the hub, its nodes, what they do.
struct Chain {
    hub: HubChild,
    transport: Http,
    office: Node,
    warehouse: Node,
    shops: Vec<Shop>,
    plan: Plan,
    stores: usize,
    /// The purchase order the supplier delivers next.
    pending: Option<String>,
}

fn office_setup(store: &mut Store, stores: usize) -> Result<()> {
    store.add_location(LocationAdded {
        code: WAREHOUSE_CODE.into(),
        label: "Entrepôt Crissier".into(),
        kind: LocationKind::Warehouse,
    })?;
    for index in 0..stores {
        let town = TOWNS[index % TOWNS.len()];
        let label =
            if index < TOWNS.len() { format!("Magasin {town}") } else { format!("Magasin {town} {}", index / 20 + 1) };
        store.add_location(LocationAdded { code: store_code(index), label, kind: LocationKind::Store })?;
    }
    for kind in &KINDS {
        for (line, line_label, percent) in LINES {
            let item = format!("{}-{line}", kind.code);
            store.define_item(ItemDefined {
                code: item.clone(),
                label: format!("{} {line_label}", kind.label),
                unit: "pce".into(),
                price_minor: (kind.price * percent / 100) / 100 * 100 + 90,
                currency: Currency::CHF,
                vat_code: "N81".into(),
                account: "3200".into(),
            })?;
            for (size, _) in SIZES {
                for (colour, colour_name, _) in COLOURS {
                    store.define_sku(SkuDefined {
                        sku: format!("{item}-{size}-{colour}"),
                        item: item.clone(),
                        barcode: None,
                        size: Some(size.into()),
                        colour: Some(colour_name.into()),
                    })?;
                }
            }
        }
    }
    let supplier = BTreeMap::from([("name".to_owned(), Some("Tissages du Léman SA".to_owned()))]);
    store.create_contact(Some(SUPPLIER.into()), supplier)?;
    store.set_loyalty_program(ProgramInput {
        points_per_unit: 1,
        points_per_item: 0,
        reward_points: PROGRAM.reward_points,
        reward_minor: PROGRAM.reward_minor,
        expiry_days: 365,
        risk_limit: PROGRAM.risk_limit,
        reward_kind: RewardKind::Discount,
        voucher_days: 0,
    })?;
    Ok(())
}

impl Chain {
    /// Head office created and connected (its kit written), the warehouse and the stores joined.
    fn create(root: &std::path::Path, size: &Size, seed: u64, lang: Lang) -> Result<Chain> {
        let hub = HubChild::start(&root.join("hub"))?;
        let mut transport = Http::new(&hub.url)?;
        let mut store = Store::init(&root.join(HEAD_OFFICE), "Mode Léman SA", Country::Ch, 1)?;
        office_setup(&mut store, size.stores)?;
        crate::serve::owner_login(&mut store, lang)?;
        let kit = with_env(|env| Session::connect(&mut store, &hub.url, &mut transport, env))?;
        crate::sync::write_kit(&root.join(KIT), &crate::sync::kit_text(&store, &kit, lang)?)?;
        let session = Session::open(&store)?;
        let mut office = Node { store, session };
        office.sync(&mut transport)?;
        let mut join = |office: &mut Node, dir: &str| -> Result<Node> {
            let code = with_env(|env| {
                office.session.invite(&office.store, &mut transport, env, Role::Member, 3_600_000, None)
            })?;
            let (store, session) =
                with_env(|env| Session::join(&code, &hub.url, &root.join(dir), &mut transport, env))?;
            let mut node = Node { store, session };
            node.sync(&mut transport)?;
            Ok(node)
        };
        let warehouse = join(&mut office, WAREHOUSE)?;
        let mut shops = Vec::new();
        for index in 0..size.stores {
            let mut node = join(&mut office, &store_dir(index))?;
            let code = store_code(index);
            node.store.bind_till(&format!("{code}-1"), &code)?;
            shops.push(Shop::new(index, node, seed)?);
        }
        Ok(Chain {
            hub,
            transport,
            office,
            warehouse,
            shops,
            plan: Plan::new(size),
            stores: size.stores,
            pending: None,
        })
    }

    /// The warehouse brought up to what it should hold for the month after `day` (the buyers'
    /// plan: six weeks of the chain's sales), in one purchase order to the supplier, delivered a
    /// week later; and the stores' first goods added on the first day, delivered at once.
    fn restock_warehouse(&mut self, day: NaiveDate, opening: bool, year: &mut Year) -> Result<()> {
        let month = (day + Days::new(7)).month0() as usize;
        let mut target = self.plan.warehouse_target(month, self.stores);
        if opening {
            for shop in &self.shops {
                for (line, want) in target.iter_mut().zip(self.plan.opening_stock(shop.factor)) {
                    line.1 += want.qty;
                }
            }
        }
        let held: BTreeMap<String, i64> = self
            .warehouse
            .store
            .stock_levels(Some(WAREHOUSE_CODE), None)?
            .into_iter()
            .map(|level| (level.sku, level.on_hand))
            .collect();
        let prices: BTreeMap<&str, i64> =
            self.plan.articles.iter().map(|article| (article.sku.as_str(), article.price)).collect();
        let lines: Vec<ReceivedLine> = target
            .into_iter()
            .filter_map(|(sku, want)| {
                let have = held.get(&sku).copied().unwrap_or(0);
                // Reordered when down to half of the plan, in cartons of six.
                (have * 2 < want || opening).then(|| {
                    let qty = ((want - have).max(0) + 5) / 6 * 6;
                    let cost = prices.get(sku.as_str()).copied().unwrap_or(0) * 45 / 100;
                    ReceivedLine { sku, qty, unit_cost_minor: cost }
                })
            })
            .filter(|line| line.qty > 0)
            .collect();
        if !lines.is_empty() {
            year.orders += 1;
            let order = self.warehouse.store.order_purchase(SUPPLIER, WAREHOUSE_CODE, day, lines)?;
            if opening {
                self.deliver(&order.order, day, year)?;
            } else {
                self.pending = Some(order.order);
            }
        }
        Ok(())
    }

    /// The supplier's delivery of `order` at the warehouse: all of it, at the order's costs.
    fn deliver(&mut self, order: &str, day: NaiveDate, year: &mut Year) -> Result<()> {
        let note = format!("BL-{}", day.format("%Y%m%d"));
        let receipt = self.warehouse.store.receive_purchase(order, day, None, Some(note))?;
        year.deliveries += 1;
        year.units_delivered += receipt.lines.iter().map(|line| line.qty).sum::<i64>();
        Ok(())
    }

    /// The first day: the warehouse's first delivery, each store's first goods sent from it.
    fn opening(&mut self, day: NaiveDate, year: &mut Year) -> Result<()> {
        self.restock_warehouse(day, true, year)?;
        self.warehouse.push(&mut self.transport)?;
        self.office.sync(&mut self.transport)?;
        for shop in &self.shops {
            let lines = self.plan.opening_stock(shop.factor);
            year.units_sent += lines.iter().map(|line| line.qty).sum::<i64>();
            self.office.store.send_transfer(WAREHOUSE_CODE, &shop.code, day, lines)?;
            year.transfers += 1;
        }
        self.office.sync(&mut self.transport)?;
        for shop in &mut self.shops {
            shop.node.sync(&mut self.transport)?;
        }
        self.warehouse.sync(&mut self.transport)?;
        Ok(())
    }

    /// Sunday: the stores send their week; the warehouse orders from its supplier every other
    /// week, and the order is delivered the week after; head
    /// office takes in the week and approves the proposals as transfers; the stores and the
    /// warehouse take in what head office sent.
    fn weekly(&mut self, day: NaiveDate, week: u32, year: &mut Year) -> Result<()> {
        for shop in &mut self.shops {
            shop.node.push(&mut self.transport)?;
        }
        self.warehouse.sync(&mut self.transport)?;
        if week.is_multiple_of(2) {
            self.restock_warehouse(day, false, year)?;
            self.warehouse.push(&mut self.transport)?;
        } else if let Some(order) = self.pending.take() {
            self.deliver(&order, day, year)?;
            self.warehouse.push(&mut self.transport)?;
        }
        self.office.sync(&mut self.transport)?;
        let sent = self.office.store.approve_replenishment(&[], day, &Policy::default())?;
        year.reviews += 1;
        year.transfers += sent.len() as u64;
        year.units_sent += sent.iter().flat_map(|transfer| &transfer.lines).map(|line| line.qty).sum::<i64>();
        self.office.sync(&mut self.transport)?;
        for shop in &mut self.shops {
            shop.node.sync(&mut self.transport)?;
        }
        self.warehouse.sync(&mut self.transport)?;
        Ok(())
    }

    /// Every node sends what it holds, then takes in everyone's: they all hold the same facts.
    fn converge(&mut self) -> Result<()> {
        for shop in &mut self.shops {
            shop.node.push(&mut self.transport)?;
        }
        self.warehouse.push(&mut self.transport)?;
        self.office.sync(&mut self.transport)?;
        self.warehouse.sync(&mut self.transport)?;
        for shop in &mut self.shops {
            shop.node.sync(&mut self.transport)?;
        }
        Ok(())
    }

    /// The state hash every node computes, or the first node that computes another.
    fn same_state(&self) -> Result<String> {
        let hash = self.office.store.state_hash()?.to_hex();
        if self.warehouse.store.state_hash()?.to_hex() != hash {
            return Err(ChainError::OtherState { node: WAREHOUSE_CODE.into() }.into());
        }
        for shop in &self.shops {
            if shop.node.store.state_hash()?.to_hex() != hash {
                return Err(ChainError::OtherState { node: shop.code.clone() }.into());
            }
        }
        Ok(hash)
    }
}

/// The chain's days: the first (set up, closed) and the last day of sales.
fn span(weeks: u32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or(NaiveDate::MIN);
    let end_of_year = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or(NaiveDate::MIN);
    ((first), (first + Days::new(7 * u64::from(weeks))).min(end_of_year))
}

pub fn run(root: &std::path::Path, size: Size, lang: Lang) -> Result<ExitCode> {
    if root.exists() && std::fs::read_dir(root)?.next().is_some() {
        return Err(crate::CommandError::DemoDirTaken { dir: root.to_owned() }.into());
    }
    let started = Instant::now();
    let (first, last) = span(size.weeks);
    let seed = 2025;
    std::fs::create_dir_all(root)?;
    Manifest { format: MANIFEST_FORMAT, size, seed, first, last }.write(root)?;
    println!("{}", lang.fill("chain-building", &[("dir", &root.display()), ("stores", &size.stores)]));
    let mut chain = Chain::create(root, &size, seed, lang)?;
    let mut year = Year::default();
    chain.opening(first, &mut year)?;
    let mut day = first;
    let mut week = 0;
    while day < last {
        day = day + Days::new(1);
        if !closed(day) {
            year.days += 1;
            for shop in &mut chain.shops {
                shop.receive_transfers(day)?;
                let takings = shop.day(day, None, &chain.plan)?;
                year.takings.add(&takings);
            }
        }
        if day.weekday() == Weekday::Sun {
            week += 1;
            chain.weekly(day, week, &mut year)?;
        }
    }
    chain.converge()?;
    let hash = chain.same_state()?;
    let events = chain.office.store.event_count()?;
    let Chain { hub, office, warehouse, shops, .. } = chain;
    hub.stop();
    drop((office, warehouse, shops));
    print_figures(root, &size, first, last, &year, events, &hash, started, lang)?;
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
fn print_figures(
    root: &std::path::Path,
    size: &Size,
    first: NaiveDate,
    last: NaiveDate,
    year: &Year,
    events: u64,
    hash: &str,
    started: Instant,
    lang: Lang,
) -> Result<()> {
    let locale = Locale::Swiss;
    let takings = &year.takings;
    let nodes = size.stores + 2;
    let count = |value: i64| locale.format_count(value);
    let rows: Vec<(&str, String)> = vec![
        ("chain-nodes", lang.fill("chain-nodes-value", &[("nodes", &nodes), ("stores", &size.stores)])),
        (
            "chain-catalogue",
            lang.fill(
                "chain-catalogue-value",
                &[("items", &(KINDS.len() * LINES.len())), ("skus", &super::catalogue().len())],
            ),
        ),
        (
            "chain-days",
            lang.fill(
                "chain-days-value",
                &[
                    ("days", &count(year.days as i64)),
                    ("first", &locale.format_date(first)),
                    ("last", &locale.format_date(last)),
                ],
            ),
        ),
        (
            "chain-tickets",
            lang.fill(
                "chain-tickets-value",
                &[
                    ("tickets", &count(takings.tickets as i64)),
                    ("lines", &count(takings.lines as i64)),
                    ("returns", &count(takings.returns as i64)),
                ],
            ),
        ),
        ("chain-sales", format!("CHF {}", locale.format_amount(takings.sales_minor, Currency::CHF))),
        ("chain-lost", lang.fill("chain-lost-value", &[("lines", &count(takings.lost_lines as i64))])),
        (
            "chain-loyalty",
            lang.fill(
                "chain-loyalty-value",
                &[
                    ("cards", &count(takings.new_cards as i64)),
                    ("tickets", &count(takings.with_card as i64)),
                    ("points", &count(takings.points_spent as i64)),
                ],
            ),
        ),
        (
            "chain-replenishment",
            lang.fill(
                "chain-replenishment-value",
                &[
                    ("reviews", &count(year.reviews as i64)),
                    ("transfers", &count(year.transfers as i64)),
                    ("units", &count(year.units_sent)),
                ],
            ),
        ),
        (
            "chain-supplier",
            lang.fill(
                "chain-supplier-value",
                &[
                    ("orders", &count(year.orders as i64)),
                    ("deliveries", &count(year.deliveries as i64)),
                    ("units", &count(year.units_delivered)),
                ],
            ),
        ),
        (
            "chain-events",
            lang.fill(
                "chain-events-value",
                &[("events", &count(events as i64)), ("mib", &(tree_bytes(&root.join("hub"))? / (1 << 20)))],
            ),
        ),
        ("chain-converged", lang.fill("chain-converged-value", &[("nodes", &nodes), ("hash", &&hash[..16])])),
        (
            "chain-time",
            lang.fill("chain-time-value", &[("seconds", &format!("{:.0}", started.elapsed().as_secs_f64()))]),
        ),
    ];
    let width = rows.iter().map(|(key, _)| lang.text(key).chars().count()).max().unwrap_or(0);
    println!();
    for (key, value) in rows {
        let label = lang.text(key);
        println!("{label}{} {value}", " ".repeat(width - label.chars().count()));
    }
    println!();
    let dir = root.display();
    println!("{}", lang.fill("chain-open", &[("dir", &dir)]));
    println!("{}", lang.fill("chain-sync", &[("dir", &dir)]));
    println!("{}", lang.fill("chain-drill", &[("dir", &dir)]));
    Ok(())
}

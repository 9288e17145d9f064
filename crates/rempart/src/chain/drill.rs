//! `rempart drill chain`: the first incident replayed on copies of a demo chain.
//!
//! Two copies of the chain live the same two business days after its last. In the calm one
//! nothing happens. In the other, at a moment of the first day, head office's and the warehouse's
//! data directories are destroyed (every file overwritten, as ransomware leaves them) and the hub
//! is stopped; the stores sell on, alone, for the two days; then the hub comes back, head office
//! is restored from the recovery kit on a new directory (by `rempart restore`, in a process of its
//! own, timed), the warehouse is enrolled again on a new machine, and every node syncs. The drill
//! then checks what the incident must not have changed: no ticket lost, one state on every node,
//! the loyalty balances and the replenishment proposals of the calm run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::NaiveDate;
use rempart_domain::replenish::Policy;
use rempart_domain::{Currency, Locale};
use rempart_log::NodeId;
use rempart_node::{Http, NodeError, Session};
use rempart_store::Store;
use rempart_store::replenish::Proposal;
use rempart_sync::Role;

use super::{
    ChainError, HEAD_OFFICE, HubChild, KIT, Manifest, Node, Plan, Shop, Takings, WAREHOUSE, copy_tree, files,
    next_open, store_dir, tree_bytes,
};
use crate::bench::sync::with_env;
use crate::command_error::CommandError;
use crate::demo::Lcg;
use crate::i18n::Lang;

/// The share of the first day's tickets sold before the incident.
const MORNING: f64 = 0.4;

/// A copy of the chain at work.
pub(super) struct Run {
    root: PathBuf,
    pub(super) hub: Option<HubChild>,
    transport: Http,
    office: Option<Node>,
    warehouse: Option<Node>,
    shops: Vec<Shop>,
    plan: Plan,
    /// The devices of head office and the warehouse, once destroyed.
    destroyed: Vec<NodeId>,
}

/// Where the drill writes the recovery kit renewed by the revocation of the old head office.
const RENEWED_KIT: &str = "recovery-kit-renewed.txt";
/// The copy of head office's directory the attacker kept.
const STOLEN: &str = "stolen-head-office";

/// What a run ends with: what head office computes on the last day.
struct Outcome {
    loyalty: BTreeMap<String, (i64, i64, i64, i64)>,
    proposals: Vec<Proposal>,
}

impl Run {
    /// The copy's hub started on its objects, every node opened and pointed at it and synced.
    pub(super) fn open(root: &Path, manifest: &Manifest) -> Result<Run> {
        let hub = HubChild::start(&root.join("hub"))?;
        let transport = Http::new(&hub.url)?;
        let open = |dir: &Path| -> Result<Node> {
            let mut node = Node::open(dir)?;
            node.point_at(&hub.url)?;
            Ok(node)
        };
        let office = open(&root.join(HEAD_OFFICE))?;
        let warehouse = open(&root.join(WAREHOUSE))?;
        let mut shops = Vec::new();
        for index in 0..manifest.size.stores {
            shops.push(Shop::new(index, open(&root.join(store_dir(index)))?, manifest.seed)?);
        }
        let mut run = Run {
            root: root.to_owned(),
            hub: Some(hub),
            transport,
            office: Some(office),
            warehouse: Some(warehouse),
            shops,
            plan: Plan::new(&manifest.size),
            destroyed: Vec::new(),
        };
        run.converge()?;
        Ok(run)
    }

    pub(super) fn office(&mut self) -> &mut Node {
        held(&mut self.office)
    }

    /// The stores' morning of `day`, each store sending its tickets as it goes; head office and
    /// the warehouse take them in.
    fn morning(&mut self, day: NaiveDate) -> Result<Takings> {
        let mut takings = Takings::default();
        for shop in &mut self.shops {
            shop.receive_transfers(day)?;
            takings.add(&shop.day(day, Some((true, MORNING)), &self.plan)?);
            shop.node.push(&mut self.transport)?;
        }
        held(&mut self.office).sync(&mut self.transport)?;
        if let Some(warehouse) = &mut self.warehouse {
            warehouse.sync(&mut self.transport)?;
        }
        Ok(takings)
    }

    /// The rest of `day` (after its morning) and the whole of `next`; each store tries to sync
    /// at the end of each day. Returns what was sold and the syncs that failed.
    fn two_days(&mut self, day: NaiveDate, next: NaiveDate) -> Result<(Takings, u64)> {
        let mut takings = Takings::default();
        let mut failed = 0;
        for (when, part) in [(day, Some((false, MORNING))), (next, None)] {
            for shop in &mut self.shops {
                if part.is_none() {
                    shop.receive_transfers(when)?;
                }
                takings.add(&shop.day(when, part, &self.plan)?);
                if self.hub.is_some() {
                    shop.node.push(&mut self.transport)?;
                } else if shop.node.push(&mut self.transport).is_err() {
                    failed += 1;
                }
            }
        }
        Ok((takings, failed))
    }

    /// Every node sends what it holds, then takes in everyone's.
    pub(super) fn converge(&mut self) -> Result<()> {
        for shop in &mut self.shops {
            shop.node.push(&mut self.transport)?;
        }
        if let Some(warehouse) = &mut self.warehouse {
            warehouse.push(&mut self.transport)?;
        }
        held(&mut self.office).sync(&mut self.transport)?;
        if let Some(warehouse) = &mut self.warehouse {
            warehouse.sync(&mut self.transport)?;
        }
        for shop in &mut self.shops {
            shop.node.sync(&mut self.transport)?;
        }
        Ok(())
    }

    /// What head office computes at the end of `day`.
    fn outcome(&mut self, day: NaiveDate) -> Result<Outcome> {
        let office = &self.office().store;
        let loyalty = office
            .loyalty_cards(day)?
            .into_iter()
            .map(|row| (row.card, (row.balance.points, row.balance.earned, row.balance.spent, row.balance.expired)))
            .collect();
        let proposals = office.replenishment(None, day, &Policy::default())?;
        Ok(Outcome { loyalty, proposals })
    }

    /// Head office and the warehouse destroyed, every file of theirs overwritten with noise of
    /// its length; the hub stopped. The attacker kept a copy of head office's directory, keys
    /// included (`stolen/`). Returns the files and bytes overwritten and how many of the two
    /// directories still open (none must).
    fn destroy(&mut self, seed: u64) -> Result<(usize, u64, usize)> {
        self.destroyed =
            [self.office.take(), self.warehouse.take()].into_iter().flatten().map(|node| node.store.node()).collect();
        if let Some(hub) = self.hub.take() {
            hub.stop();
        }
        copy_tree(&self.root.join(HEAD_OFFICE), &self.root.join(STOLEN))?;
        let mut noise = Lcg::new(seed);
        let (mut count, mut bytes, mut still_open) = (0, 0, 0);
        for dir in [HEAD_OFFICE, WAREHOUSE] {
            let dir = self.root.join(dir);
            for (path, length) in files(&dir)? {
                let garbage: Vec<u8> = (0..length).map(|_| noise.next() as u8).collect();
                std::fs::write(&path, garbage).map_err(|source| CommandError::NotWritten { path, source })?;
                count += 1;
                bytes += length;
            }
            still_open += usize::from(Store::open(&dir).and_then(|store| store.state_hash()).is_ok());
        }
        Ok((count, bytes, still_open))
    }

    /// The hub back (on the same objects), the stores pointed at it and sending what they sold.
    fn hub_back(&mut self) -> Result<String> {
        // Head office and the warehouse are destroyed: only the stores are pointed at it.
        let url = self.hub_anew()?;
        for shop in &mut self.shops {
            shop.node.push(&mut self.transport)?;
        }
        Ok(url)
    }

    /// A hub started on the copy's objects (as they are now: a wiped hub's, empty, or those the
    /// stopped hub left), and every node still there pointed at it; nothing is synced yet.
    /// Returns its address.
    pub(super) fn hub_anew(&mut self) -> Result<String> {
        let hub = HubChild::start(&self.root.join("hub"))?;
        self.transport = Http::new(&hub.url)?;
        let nodes =
            self.office.iter_mut().chain(&mut self.warehouse).chain(self.shops.iter_mut().map(|shop| &mut shop.node));
        for node in nodes {
            node.point_at(&hub.url)?;
        }
        let url = hub.url.clone();
        self.hub = Some(hub);
        Ok(url)
    }

    /// Head office restored on a new directory by `rempart restore` with the recovery kit:
    /// the time it took.
    fn restore_office(&mut self, url: &str, lang: Lang) -> Result<Duration> {
        let dir = self.root.join(format!("{HEAD_OFFICE}-restored"));
        let took = restore_from_hub(&self.root, url, &dir, lang)?;
        self.office = Some(Node::open(&dir)?);
        Ok(took)
    }

    /// The warehouse enrolled again, on a new machine, by the restored head office.
    fn warehouse_again(&mut self, url: &str) -> Result<()> {
        let dir = self.root.join(format!("{WAREHOUSE}-new"));
        let mut transport = Http::new(url)?;
        let office = self.office();
        let code =
            with_env(|env| office.session.invite(&office.store, &mut transport, env, Role::Member, 3_600_000, None))?;
        let (store, session) = with_env(|env| Session::join(&code, url, &dir, &mut transport, env))?;
        let mut warehouse = Node { store, session };
        warehouse.sync(&mut self.transport)?;
        self.warehouse = Some(warehouse);
        Ok(())
    }

    /// Every device the company no longer trusts revoked by the restored head office: each
    /// active one in the roster that is neither the restored head office nor a store's till (the
    /// destroyed warehouse and head office, and any device a thief of their keys enrolled), head
    /// office's former device last. They are revoked before anything else is done on the hub,
    /// keeping the stores the former head office enrolled; the recovery kit is renewed (written
    /// beside the old one). Returns the destroyed devices now revoked, the devices revoked in
    /// all, and the kits renewed.
    fn revoke_untrusted(&mut self, url: &str, lang: Lang) -> Result<(usize, usize, usize)> {
        let mut transport = Http::new(url)?;
        let trusted = self.trusted();
        let mut untrusted: Vec<NodeId> = self.active().into_iter().filter(|device| !trusted.contains(device)).collect();
        let office = held(&mut self.office);
        // Head office's former device last: the devices it enrolled that stay are the stores.
        untrusted.sort_by_key(|device| self.destroyed.first() == Some(device));
        let mut kits = 0;
        for device in &untrusted {
            let (_, kit) =
                with_env(|env| office.session.revoke_with(&office.store, &mut transport, env, *device, true))?;
            if let Some(kit) = kit {
                let text = crate::sync::kit_text(&office.store, &kit, lang)?;
                let path = self.root.join(RENEWED_KIT);
                let _ = std::fs::remove_file(&path);
                crate::sync::write_kit(&path, &text)?;
                kits += 1;
            }
        }
        let roster = &office.session.roster;
        let revoked = self
            .destroyed
            .iter()
            .filter(|device| roster.member(**device).is_some_and(|member| member.revoked_after.is_some()))
            .count();
        Ok((revoked, untrusted.len(), kits))
    }

    /// The devices the company trusts now: head office, the warehouse once enrolled again, the
    /// stores' tills.
    fn trusted(&self) -> Vec<NodeId> {
        let nodes = self.office.iter().chain(&self.warehouse).chain(self.shops.iter().map(|shop| &shop.node));
        nodes.map(|node| node.store.node()).collect()
    }

    /// The devices head office's roster counts active (not revoked).
    fn active(&self) -> Vec<NodeId> {
        let members = self.office.iter().flat_map(|office| office.session.roster.members());
        members.filter(|(_, member)| member.revoked_after.is_none()).map(|(device, _)| *device).collect()
    }

    /// The devices the restored head office's roster counts active, and how many of them are the
    /// ones the company trusts now (none when they are not as many).
    fn active_devices(&self) -> (usize, usize) {
        let (trusted, active) = (self.trusted(), self.active());
        let expected = active.iter().filter(|device| trusted.contains(device)).count();
        (active.len(), if active.len() == trusted.len() { expected } else { 0 })
    }

    /// The attacker tries what the stolen copy and the old kit allow: the copy syncs with the hub
    /// (to read what was written since, and to write), and the old kit restores head office
    /// anew. Returns whether the hub refused the copy as a revoked device, and the old kit as one
    /// it no longer accepts.
    fn attacker(&mut self, url: &str) -> Result<(bool, bool)> {
        let mut transport = Http::new(url)?;
        let mut stolen = Node::open(&self.root.join(STOLEN))?;
        stolen.point_at(url)?;
        // (A copy records nothing before its sync confirms its head: the sync is what it tries.)
        let synced = with_env(|env| stolen.session.sync(&mut stolen.store, &mut transport, env));
        let copy_refused = matches!(synced, Err(NodeError::Revoked));
        let kit = crate::sync::read_kit(&self.root.join(KIT), Lang::En)?;
        let dir = self.root.join("restored-with-the-old-kit");
        let restored = with_env(|env| Session::restore(&kit, url, &dir, &mut transport, env));
        let kit_refused = matches!(restored, Err(NodeError::KitRefused));
        Ok((copy_refused, kit_refused))
    }

    /// Every node's state hash equal to head office's: the nodes counted, the hash.
    pub(super) fn same_state(&mut self) -> Result<(usize, usize, String)> {
        let hash = self.office().store.state_hash()?.to_hex();
        let mut nodes = 1;
        let mut equal = 1;
        let others =
            self.warehouse.iter().map(|node| &node.store).chain(self.shops.iter().map(|shop| &shop.node.store));
        for store in others {
            nodes += 1;
            equal += usize::from(store.state_hash()?.to_hex() == hash);
        }
        Ok((equal, nodes, hash))
    }

    pub(super) fn stop(mut self) {
        if let Some(hub) = self.hub.take() {
            hub.stop();
        }
    }
}

/// The company restored into `dir` from the hub at `url` by `rempart restore`, in a process of
/// its own, with the chain's recovery kit: the time it took.
pub(super) fn restore_from_hub(root: &Path, url: &str, dir: &Path, lang: Lang) -> Result<Duration> {
    let program = std::env::current_exe().map_err(|source| ChainError::Spawn { source })?;
    let started = Instant::now();
    let output = std::process::Command::new(program)
        .arg("--data-dir")
        .arg(dir)
        .args(["restore", "--hub", url, "--kit"])
        .arg(root.join(KIT))
        .env("REMPART_LANG", lang.code())
        .env("REMPART_LOG", "error")
        .stdin(Stdio::null())
        .output()
        .map_err(|source| ChainError::Spawn { source })?;
    let took = started.elapsed();
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        return Err(ChainError::RestoreFailed { said }.into());
    }
    Ok(took)
}

/// Where a drill makes its copies: `work` if given (empty, or not there yet), else a new
/// temporary directory, removed when the guard returned with it is dropped (even on a failure).
pub(super) fn workplace(work: Option<&Path>) -> Result<(PathBuf, Option<tempfile::TempDir>)> {
    let temporary = match work {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix("rempart-drill-")
                .tempdir()
                .map_err(|source| CommandError::NotWritten { path: std::env::temp_dir(), source })?,
        ),
    };
    let work = match (work, &temporary) {
        (Some(dir), _) => dir.to_owned(),
        (None, Some(temporary)) => temporary.path().to_owned(),
        (None, None) => unreachable!("a temporary directory is made when none is given"),
    };
    if work.exists() && std::fs::read_dir(&work).map(|mut entries| entries.next().is_some()).unwrap_or(true) {
        return Err(ChainError::WorkTaken { dir: work }.into());
    }
    Ok((work, temporary))
}

/// "yes" or "no" in the reader's language.
pub(super) fn yes_no(lang: Lang, yes: bool) -> &'static str {
    lang.text(if yes { "drill-yes" } else { "drill-no" })
}

/// Head office, which is only missing between its destruction and its restore.
fn held(office: &mut Option<Node>) -> &mut Node {
    match office {
        Some(office) => office,
        None => unreachable!("head office is only missing between its destruction and its restore"),
    }
}

/// One line of the drill's report: passed or not, and what it says.
pub(super) struct Check {
    pub(super) passed: bool,
    pub(super) text: String,
}

/// The drill's checks, its duration and the copies it made in `work`, and its verdict: the exit
/// code is a failure when a check failed.
pub(super) fn verdict(checks: &[Check], started: Instant, work: &Path, lang: Lang) -> Result<ExitCode> {
    println!();
    for check in checks {
        println!("{} {}", if check.passed { "✓" } else { "✗" }, check.text);
    }
    let failed_checks = checks.iter().filter(|check| !check.passed).count();
    println!();
    println!(
        "{}",
        lang.fill(
            "drill-time",
            &[
                ("seconds", &format!("{:.0}", started.elapsed().as_secs_f64())),
                ("mib", &Locale::Swiss.format_count((tree_bytes(work)? / (1 << 20)) as i64)),
            ]
        )
    );
    if failed_checks == 0 {
        println!("{}", lang.text("drill-passed"));
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{}", lang.fill("drill-failed", &[("failed", &failed_checks)]));
        Ok(ExitCode::FAILURE)
    }
}

pub fn run(chain: &Path, work: Option<&Path>, lang: Lang) -> Result<ExitCode> {
    let manifest = Manifest::read(chain)?;
    let (work, _temporary) = workplace(work)?;
    drill(chain, &work, &manifest, lang)
}

fn drill(chain: &Path, work: &Path, manifest: &Manifest, lang: Lang) -> Result<ExitCode> {
    let started = Instant::now();
    let locale = Locale::Swiss;
    let day = next_open(manifest.last);
    let next = next_open(day);
    println!(
        "{}",
        lang.fill(
            "drill-start",
            &[
                ("chain", &chain.display()),
                ("work", &work.display()),
                ("day", &locale.format_date(day)),
                ("next", &locale.format_date(next)),
            ]
        )
    );

    // The calm run: the two days with nothing happening.
    copy_tree(chain, &work.join("calm"))?;
    let mut calm = Run::open(&work.join("calm"), manifest)?;
    let mut sold = calm.morning(day)?;
    let (rest, _) = calm.two_days(day, next)?;
    sold.add(&rest);
    calm.converge()?;
    let calm_tickets = sold.tickets + sold.returns;
    let calm_outcome = calm.outcome(next)?;
    calm.stop();
    println!(
        "{}",
        lang.fill(
            "drill-calm",
            &[
                ("tickets", &calm_tickets),
                ("reviewed", &calm_outcome.proposals.len()),
                ("proposals", &calm_outcome.proposals.iter().filter(|proposal| proposal.proposed > 0).count()),
            ]
        )
    );

    // The incident.
    let root = work.join("incident");
    copy_tree(chain, &root)?;
    let mut run = Run::open(&root, manifest)?;
    let morning = run.morning(day)?;
    for shop in &mut run.shops {
        shop.sold.clear();
    }
    let (overwritten, bytes, still_open) = run.destroy(manifest.seed ^ 0xdead)?;
    println!(
        "{}",
        lang.fill(
            "drill-destroyed",
            &[
                ("day", &locale.format_date(day)),
                ("tickets", &(morning.tickets + morning.returns)),
                ("files", &overwritten),
                ("mib", &format!("{:.1}", bytes as f64 / f64::from(1 << 20))),
            ]
        )
    );
    let (outage, failed) = run.two_days(day, next)?;
    println!(
        "{}",
        lang.fill(
            "drill-outage",
            &[
                ("tickets", &locale.format_count(outage.tickets as i64)),
                ("returns", &outage.returns),
                ("amount", &format!("CHF {}", locale.format_amount(outage.sales_minor, Currency::CHF))),
                ("points", &locale.format_count(outage.points_spent as i64)),
                ("failed", &failed),
            ]
        )
    );
    let url = run.hub_back()?;
    println!("{}", lang.fill("drill-hub-back", &[("url", &url)]));
    let took = run.restore_office(&url, lang)?;
    let events = run.office().store.event_count()?;
    println!(
        "{}",
        lang.fill(
            "drill-restored",
            &[
                ("seconds", &locale.format_seconds(took.as_millis() as u64)),
                ("events", &locale.format_count(events as i64)),
            ]
        )
    );
    let (revoked, untrusted, kits) = run.revoke_untrusted(&url, lang)?;
    println!("{}", lang.fill("drill-revoked", &[("devices", &untrusted)]));
    run.warehouse_again(&url)?;
    println!("{}", lang.text("drill-warehouse"));
    run.converge()?;
    run.converge()?;
    let (copy_refused, kit_refused) = run.attacker(&url)?;

    // The checks.
    let outage_numbers: Vec<String> = run.shops.iter().flat_map(|shop| shop.sold.iter().cloned()).collect();
    let mut found = 0;
    for number in &outage_numbers {
        found += usize::from(run.office().store.ticket(number)?.is_some());
    }
    let verified = run.office().store.verify()?;
    let (active, trusted_active) = run.active_devices();
    let stores = manifest.size.stores as u64;
    let incident_tickets = morning.tickets + morning.returns + outage.tickets + outage.returns;
    let (equal_nodes, nodes, hash) = run.same_state()?;
    let outcome = run.outcome(next)?;
    let equal_cards =
        calm_outcome.loyalty.iter().filter(|(card, balance)| outcome.loyalty.get(*card) == Some(balance)).count();
    let equal_proposals = calm_outcome.proposals.iter().zip(&outcome.proposals).filter(|(a, b)| a == b).count();
    let units: i64 = outcome.proposals.iter().map(|proposal| proposal.proposed).sum();
    let sending = outcome.proposals.iter().filter(|proposal| proposal.proposed > 0).count();
    run.stop();
    let checks = [
        Check {
            passed: still_open == 0 && overwritten > 0,
            text: lang.fill(
                "drill-check-destroyed",
                &[("broken", &(2 - still_open)), ("nodes", &2), ("files", &overwritten)],
            ),
        },
        Check {
            passed: failed == 2 * stores && incident_tickets == calm_tickets,
            text: lang.fill(
                "drill-check-outage",
                &[
                    ("failed", &failed),
                    ("tries", &(2 * stores)),
                    ("tickets", &incident_tickets),
                    ("calm", &calm_tickets),
                ],
            ),
        },
        Check {
            passed: revoked == 2 && kits == 1 && trusted_active == active,
            text: lang.fill(
                "drill-check-revoked",
                &[
                    ("revoked", &revoked),
                    ("devices", &2),
                    ("kits", &kits),
                    ("trusted", &trusted_active),
                    ("active", &active),
                ],
            ),
        },
        Check {
            passed: copy_refused && kit_refused,
            text: lang.fill(
                "drill-check-attacker",
                &[("copy", &yes_no(lang, copy_refused)), ("kit", &yes_no(lang, kit_refused))],
            ),
        },
        Check {
            passed: !outage_numbers.is_empty() && found == outage_numbers.len(),
            text: lang.fill(
                "drill-check-tickets",
                &[
                    ("found", &locale.format_count(found as i64)),
                    ("sold", &locale.format_count(outage_numbers.len() as i64)),
                ],
            ),
        },
        Check {
            passed: verified.problems.is_empty(),
            text: lang.fill(
                "drill-check-restore",
                &[
                    ("seconds", &locale.format_seconds(took.as_millis() as u64)),
                    ("events", &locale.format_count(verified.events as i64)),
                    ("problems", &verified.problems.len()),
                ],
            ),
        },
        Check {
            passed: equal_nodes == nodes,
            text: lang.fill("drill-check-state", &[("equal", &equal_nodes), ("nodes", &nodes), ("hash", &&hash[..16])]),
        },
        Check {
            passed: !calm_outcome.loyalty.is_empty()
                && outcome.loyalty.len() == calm_outcome.loyalty.len()
                && equal_cards == calm_outcome.loyalty.len(),
            text: lang.fill(
                "drill-check-loyalty",
                &[
                    ("equal", &locale.format_count(equal_cards as i64)),
                    ("cards", &locale.format_count(calm_outcome.loyalty.len() as i64)),
                ],
            ),
        },
        Check {
            passed: !calm_outcome.proposals.is_empty() && outcome.proposals == calm_outcome.proposals,
            text: lang.fill(
                "drill-check-replenishment",
                &[
                    ("equal", &locale.format_count(equal_proposals as i64)),
                    ("proposals", &locale.format_count(calm_outcome.proposals.len() as i64)),
                    ("sending", &locale.format_count(sending as i64)),
                    ("units", &locale.format_count(units)),
                ],
            ),
        },
    ];
    verdict(&checks, started, work, lang)
}

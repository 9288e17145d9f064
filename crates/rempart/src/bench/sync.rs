//! `rempart bench --sync`: what the sync issue sets targets for, on loopback.
//!
//! 1. Throughput: a company of `--events` entries (one event each) pushed by its first device to a
//!    hub (encrypted, signed, uploaded) and pulled by a second device (downloaded, checked,
//!    decrypted, applied); then a new device restored from the hub alone with the recovery kit,
//!    with its time split by stage; and the hub's bytes per stored event.
//! 2. Load: `--tenants` companies of three devices each, their rosters and small batches sent
//!    concurrently to a hub process of its own: requests per second, latency, errors, and the
//!    hub's peak memory.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use rempart_domain::Country;
use rempart_hub::http::ServerLimits;
use rempart_hub::{DirStore, Hub, Limits, ObjectStore};
use rempart_log::{Event, EventSeq, Hash32, Hlc, NodeId, Seal, SigningKey, TenantId};
use rempart_node::{Env, Http, Session};
use rempart_store::Store;
use rempart_sync::{
    Action, Batch, Body, DataKey, DeviceKeys, Entry, RecoverySecret, RequestAuth, RequestSigner, Role, RosterMark,
    Signer, batch::Author,
};
use rempart_sync::{Call, HubId};

use super::{percentile, seconds, work_dir};
use crate::i18n::Lang;

pub(crate) fn with_env<T>(f: impl FnOnce(&mut Env<'_>) -> T) -> T {
    let mut random = rempart_node::system_random;
    let mut env = Env { clock: rempart_store::Clock::System, random: &mut random };
    f(&mut env)
}

pub(super) fn rate(count: u64, elapsed: Duration) -> String {
    format!("{:.0}/s", count as f64 / elapsed.as_secs_f64().max(1e-9))
}

/// `per_commit`: entries per commit when the first device's books are made.
pub fn run(events: usize, tenants: usize, per_commit: usize, dir: Option<PathBuf>, lang: Lang) -> Result<()> {
    let (root, created) = work_dir(dir)?;
    let mut rows: Vec<(String, String)> = Vec::new();
    throughput(&root, events, per_commit, &mut rows)?;
    if tenants > 0 {
        load(&root, tenants, &mut rows)?;
    }
    println!("| measure | result |\n|---|---|");
    for (label, value) in rows {
        println!("| {label} | {value} |");
    }
    println!("\n{}", lang.text("bench.done"));
    if created {
        std::fs::remove_dir_all(&root)?;
    }
    Ok(())
}

fn throughput(root: &Path, events: usize, per_commit: usize, rows: &mut Vec<(String, String)>) -> Result<()> {
    let hub_dir = root.join("hub");
    let objects = Arc::new(DirStore::open(&hub_dir)?);
    let hub = Arc::new(Hub::new(objects.clone(), Limits::default()).with_open_signup());
    let server = rempart_hub::http::spawn("127.0.0.1:0".parse()?, hub, ServerLimits::default())?;
    let url = format!("http://{}", server.addr);
    let mut transport = Http::new(&url)?;

    let mut office = Store::init(&root.join("office"), "Banc d'essai SA", Country::Ch, 1)?;
    let drafts = super::generate(events, 7, "S");
    let started = Instant::now();
    for chunk in drafts.chunks(per_commit) {
        office.post_entries(chunk, &mut |_| {})?;
    }
    // The import's write-ahead log copied into the database and cut back, as the import bench
    // does: its cost is the import's, not the first sync's (whose first commit would otherwise
    // cut a log of a gigabyte).
    office.settle_checkpoints();
    rows.push((
        "company made (entries imported locally, not sync)".into(),
        format!("{} entries in {:.1} s, {} per commit", events, seconds(started.elapsed()), per_commit),
    ));
    let kit = with_env(|env| Session::connect(&mut office, &url, &mut transport, env))?;
    let total = office.version_vector()?.total();

    let started = Instant::now();
    let pushed = with_env(|env| Session::open(&office)?.sync(&mut office, &mut transport, env))?;
    let push = started.elapsed();
    ensure!(pushed.pushed_events == total, "pushed {} of {total} events", pushed.pushed_events);
    rows.push((
        "push: seal, encrypt, sign, upload".into(),
        format!("{total} events, {} batches, {:.1} s, {}", pushed.pushed_batches, seconds(push), rate(total, push)),
    ));

    let code =
        with_env(|env| Session::open(&office)?.invite(&office, &mut transport, env, Role::Member, 3_600_000, None))?;
    let (mut laptop, mut session) =
        with_env(|env| Session::join(&code, &url, &root.join("laptop"), &mut transport, env))?;
    let started = Instant::now();
    let pulled = with_env(|env| session.sync(&mut laptop, &mut transport, env))?;
    let pull = started.elapsed();
    ensure!(laptop.state_hash()? == office.state_hash()?, "the second device computes another state");
    rows.push((
        "pull: download, verify, decrypt, apply".into(),
        format!(
            "{} events, {:.1} s, {}; {}",
            pulled.pulled_events,
            seconds(pull),
            rate(pulled.pulled_events, pull),
            split(&session)
        ),
    ));
    rows.push((
        "node to hub to node, end to end".into(),
        format!("{} ({} events in {:.1} s)", rate(total, push + pull), total, seconds(push + pull)),
    ));

    let started = Instant::now();
    let (mut restored, mut session) =
        with_env(|env| Session::restore(&kit, &url, &root.join("restored"), &mut transport, env))?;
    let report = with_env(|env| session.sync(&mut restored, &mut transport, env))?;
    let restore = started.elapsed();
    ensure!(restored.state_hash()? == office.state_hash()?, "the restored device computes another state");
    rows.push((
        "restore a new device from the hub (kit)".into(),
        format!("{} events in {:.1} s; {}", report.pulled_events, seconds(restore), split(&session)),
    ));

    let stored: u64 = objects.list(&format!("t/{}/", office.tenant()))?.iter().map(|object| object.size).sum();
    let plain = plaintext_bytes(&office)?;
    rows.push((
        "hub storage per event".into(),
        format!(
            "{:.0} bytes stored per event, for {:.0} bytes of event in clear: {:.0} bytes of overhead ({:.1} %)",
            stored as f64 / total as f64,
            plain as f64 / total as f64,
            (stored as f64 - plain as f64) / total as f64,
            (stored as f64 / plain as f64 - 1.0) * 100.0
        ),
    ));
    server.stop();
    Ok(())
}

pub(super) fn split(session: &Session) -> String {
    let t = &session.timings;
    format!(
        "download {:.1} s, verify {:.1} s, decrypt {:.1} s, apply {:.1} s",
        seconds(t.download.get()),
        seconds(t.verify.get()),
        seconds(t.decrypt.get()),
        seconds(t.apply.get())
    )
}

/// The canonical bytes of every event the company holds, summed.
fn plaintext_bytes(store: &Store) -> Result<u64> {
    let mut total = 0u64;
    for (node, head) in store.version_vector()?.0 {
        let mut after = EventSeq(0);
        while after < head.seq {
            let run = store.chain_run(node, after, 8 << 20)?;
            total += run.events.iter().map(|event| event.encode().len() as u64).sum::<u64>();
            after = run.events.last().map_or(head.seq, |event| event.seq);
        }
    }
    Ok(total)
}

/// A hub process of its own, so that its memory is its own.
struct HubProcess {
    child: std::process::Child,
    url: String,
}

impl HubProcess {
    fn start(store: &Path) -> Result<HubProcess> {
        let mut child = std::process::Command::new(std::env::current_exe()?)
            // The load's companies connect without admission tokens: a hub of one's own.
            .args(["hub", "--open-signup", "--listen", "127.0.0.1:0", "--store"])
            .arg(store)
            .env("REMPART_LOG", "error")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .context("cannot start a hub process")?;
        let stdout = child.stdout.take().context("no output from the hub")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://") || word.starts_with("https://"))
            .map(|word| word.trim_end_matches(',').to_owned())
            .with_context(|| format!("the hub did not say where it listens: {line}"))?;
        Ok(HubProcess { child, url })
    }

    /// Peak resident memory, from the kernel.
    fn peak_memory(&self) -> String {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|status| {
                status.lines().find(|line| line.starts_with("VmHWM:")).map(|line| line[6..].trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One company of the load: three devices, their keys, and the roster that enrols them.
struct LoadTenant {
    tenant: TenantId,
    devices: Vec<(NodeId, SigningKey)>,
    data: DataKey,
    roster: Vec<Entry>,
    /// The roster its batches name: all of it.
    mark: RosterMark,
}

fn load_tenant(index: usize) -> LoadTenant {
    let seed = |what: u8, device: usize| -> [u8; 32] {
        *blake3::hash(format!("rempart load {index} {what} {device}").as_bytes()).as_bytes()
    };
    let mut tenant_bytes = [0u8; 16];
    tenant_bytes.copy_from_slice(&seed(0, 0)[..16]);
    let tenant = TenantId::from_bytes(tenant_bytes);
    let recovery = RecoverySecret::from_bytes(seed(1, 0));
    let data = DataKey::new(1, seed(2, 0));
    let devices: Vec<(NodeId, SigningKey)> = (0..3)
        .map(|device| {
            let mut id = [0u8; 16];
            id.copy_from_slice(&seed(3, device)[..16]);
            (NodeId::from_bytes(id), SigningKey::from_bytes(&seed(4, device)))
        })
        .collect();
    let keys =
        |key: &SigningKey| DeviceKeys { sign: key.verifying_key().to_bytes(), wrap: recovery.wrap_secret().public() };
    let genesis = Body {
        tenant,
        seq: 1,
        prev: Hash32::ZERO,
        at_ms: 1,
        action: Action::Genesis {
            device: devices[0].0,
            keys: keys(&devices[0].1),
            recovery: DeviceKeys {
                sign: recovery.signing_key().verifying_key().to_bytes(),
                wrap: recovery.wrap_secret().public(),
            },
            key_commitment: data.commitment(),
        },
    };
    let mut roster = vec![Entry::genesis(&genesis, devices[0].0, &devices[0].1, &recovery.signing_key())];
    let mut prev = roster[0].hash();
    for (seq, (id, key)) in devices.iter().enumerate().skip(1) {
        let body = Body {
            tenant,
            seq: seq as u64 + 1,
            prev,
            at_ms: 2,
            action: Action::Add { device: *id, keys: keys(key), role: Role::Member },
        };
        let entry = Entry::sign(&body, Signer::Device(devices[0].0), &devices[0].1).proven_by_device(key);
        prev = entry.hash();
        roster.push(entry);
    }
    let mark = RosterMark { len: roster.len() as u64, head: prev };
    LoadTenant { tenant, devices, data, roster, mark }
}

/// Sends one signed request; returns its status and latency.
fn send(
    agent: &ureq::Agent,
    (url, hub): (&str, &HubId),
    key: &SigningKey,
    signer: RequestSigner,
    verb: &str,
    target: &str,
    body: Vec<u8>,
) -> (u16, Duration) {
    let mut nonce = [0u8; 16];
    rempart_node::system_random(&mut nonce);
    let call = Call { hub, method: verb, target, body: &body };
    let auth = RequestAuth::sign(key, signer, &call, rempart_node::system_now_ms(), nonce);
    let full = format!("{url}{target}");
    let started = Instant::now();
    let outcome = if verb == "GET" {
        let mut request = agent.get(&full);
        for (name, value) in auth.headers() {
            request = request.header(name, &value);
        }
        request.call()
    } else {
        let mut request = if verb == "PUT" { agent.put(&full) } else { agent.post(&full) };
        for (name, value) in auth.headers() {
            request = request.header(name, &value);
        }
        request.send(&body[..])
    };
    let status = match outcome {
        Ok(mut response) => {
            let _ = response.body_mut().read_to_vec();
            response.status().as_u16()
        }
        Err(_) => 0,
    };
    (status, started.elapsed())
}

/// Rounds of work per device: one small batch and one look at the heads each.
const LOAD_ROUNDS: u64 = 5;
const LOAD_EVENTS_PER_BATCH: u64 = 5;
const LOAD_WORKERS: usize = 64;

fn load(root: &Path, tenants: usize, rows: &mut Vec<(String, String)>) -> Result<()> {
    let hub = HubProcess::start(&root.join("load-hub"))?;
    let hub_id = rempart_node::hub_identity(&mut Http::new(&hub.url)?)?;
    let companies: Vec<LoadTenant> = (0..tenants).map(load_tenant).collect();
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let results: Result<Vec<Vec<(u16, Duration)>>, _> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..LOAD_WORKERS)
            .map(|_| {
                let (next, companies, url, hub_id) = (&next, &companies, hub.url.clone(), hub_id);
                scope.spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .timeout_global(Some(Duration::from_secs(60)))
                        .build()
                        .into();
                    let mut samples = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(company) = companies.get(index) else { break };
                        let (owner, owner_key) = &company.devices[0];
                        let target = format!("/v1/t/{}/roster", company.tenant);
                        let body = serde_json::to_vec(&company.roster).unwrap_or_default();
                        samples.push(send(
                            &agent,
                            (&url, &hub_id),
                            owner_key,
                            RequestSigner::Device(*owner),
                            "POST",
                            &target,
                            body,
                        ));
                        let mut heads = vec![(EventSeq(0), Hash32::ZERO); company.devices.len()];
                        for round in 0..LOAD_ROUNDS {
                            for (device, (id, key)) in company.devices.iter().enumerate() {
                                let (after, prev) = heads[device];
                                let mut events = Vec::new();
                                let mut link = prev;
                                for offset in 1..=LOAD_EVENTS_PER_BATCH {
                                    let seq = EventSeq(after.0 + offset);
                                    let hlc = Hlc { wall_ms: rempart_node::system_now_ms(), logical: seq.0 as u32 };
                                    let payload = format!("{{\"sale\":{round},\"till\":{device}}}").into_bytes();
                                    let Ok(event) =
                                        Event::new(company.tenant, *id, seq, hlc, link, "bench.sale", payload)
                                    else {
                                        // Counted as a failed request: the load must not hide it.
                                        samples.push((0, Duration::ZERO));
                                        continue;
                                    };
                                    link = event.hash();
                                    events.push(event);
                                }
                                let Some(last) = events.last() else { continue };
                                let seal = Seal::sign(key, company.tenant, *id, last.seq, last.hash());
                                let author = Author { key: &company.data, signing: key, roster: company.mark };
                                let Ok(batch) = Batch::seal(&author, &events, &[seal], prev, [round as u8; 24]) else {
                                    samples.push((0, Duration::ZERO));
                                    continue;
                                };
                                heads[device] = (last.seq, last.hash());
                                let target = format!("/v1/t/{}/batches", company.tenant);
                                samples.push(send(
                                    &agent,
                                    (&url, &hub_id),
                                    key,
                                    RequestSigner::Device(*id),
                                    "PUT",
                                    &target,
                                    batch.encode(),
                                ));
                                let target = format!("/v1/t/{}/heads", company.tenant);
                                samples.push(send(
                                    &agent,
                                    (&url, &hub_id),
                                    key,
                                    RequestSigner::Device(*id),
                                    "GET",
                                    &target,
                                    Vec::new(),
                                ));
                            }
                        }
                    }
                    samples
                })
            })
            .collect();
        workers.into_iter().map(|worker| worker.join()).collect::<Result<Vec<_>, _>>()
    });
    let Ok(results) = results else { bail!("a load worker stopped unexpectedly") };
    let elapsed = started.elapsed();
    let mut latencies: Vec<Duration> = results.iter().flatten().map(|(_, latency)| *latency).collect();
    let errors = results.iter().flatten().filter(|(status, _)| !(200..300).contains(status)).count();
    let requests = latencies.len();
    if requests == 0 {
        bail!("the load sent no request");
    }
    // A load that met errors measured something else than the hub at work: it fails.
    if errors > 0 {
        bail!("{errors} of {requests} requests of the load failed");
    }
    latencies.sort();
    rows.push((
        format!("hub under load: {tenants} companies x 3 devices, {LOAD_WORKERS} connections"),
        format!(
            "{requests} requests in {:.1} s: {}, p50 {:.1} ms, p99 {:.1} ms, {errors} errors; hub peak memory {}",
            seconds(elapsed),
            rate(requests as u64, elapsed),
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            hub.peak_memory()
        ),
    ));
    Ok(())
}

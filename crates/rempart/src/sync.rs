//! The sync commands: `hub`, `connect`, `sync`, `device invite`, `join`.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rempart_hub::http::ServerLimits;
use rempart_hub::s3::S3Store;
use rempart_hub::{DirStore, Hub, Limits, ObjectStore};
use rempart_node::{Env, Http, Kit, NodeError, RosterWatch, Session, SyncReport};
use rempart_store::Store;
use rempart_sync::{RecoverySecret, Role, Roster, RosterMark};

use crate::i18n::Lang;
use crate::speak::Speak;
use rempart_domain::Locale;
use rempart_reports::render::{Cell, Format, Report};

pub(crate) fn with_env<T>(f: impl FnOnce(&mut Env<'_>) -> T) -> T {
    let mut random = rempart_node::system_random;
    let mut env = Env { clock: rempart_store::Clock::System, random: &mut random };
    f(&mut env)
}

/// The hub's storage: `s3://BUCKET` (endpoint and credentials from the AWS_* variables) or a
/// local directory.
fn object_store(store: &str) -> Result<Arc<dyn ObjectStore>> {
    let cannot = || format!("cannot use {store} as the hub's store");
    if store.starts_with("s3://") {
        Ok(Arc::new(S3Store::from_url(store).with_context(cannot)?))
    } else {
        Ok(Arc::new(DirStore::open(Path::new(store)).with_context(cannot)?))
    }
}

/// Who a hub admits.
pub struct HubAdmission {
    pub open_signup: bool,
    pub companies_max: Option<u64>,
}

/// Issues a one-time admission token in the hub's store and prints it on the last line.
pub fn hub_token(store: &str, lang: Lang) -> Result<ExitCode> {
    let objects = object_store(store)?;
    let mut secret = [0u8; 32];
    rempart_node::system_random(&mut secret);
    let token = rempart_hub::issue_admission(objects.as_ref(), secret)
        .with_context(|| format!("cannot write to the hub's store {store}"))?;
    println!("{}", lang.text("hub.token"));
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

pub fn hub(
    listen: SocketAddr,
    store: &str,
    quota_gib: Option<u64>,
    admission: HubAdmission,
    tls: Option<(&Path, &Path)>,
    lang: Lang,
) -> Result<ExitCode> {
    let tls = crate::serve::tls_config(tls)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let objects = object_store(store)?;
    let mut limits = Limits::default();
    if let Some(gib) = quota_gib {
        limits.quota_bytes = gib << 30;
    }
    if let Some(companies) = admission.companies_max {
        limits.companies_max = companies;
    }
    let mut hub = Hub::new(objects, limits);
    if admission.open_signup {
        hub = hub.with_open_signup();
    }
    // `/metrics` from elsewhere than this machine: with `Authorization: Bearer TOKEN` only.
    hub = hub.with_metrics_token(std::env::var("REMPART_METRICS_TOKEN").ok());
    let hub = Arc::new(hub);
    let server = rempart_hub::http::spawn_with_tls(listen, hub, ServerLimits::default(), tls)
        .with_context(|| format!("cannot listen on {listen}"))?;
    let url = format!("{scheme}://{}", server.addr);
    println!("{}", lang.fill("hub.listening", &[("url", &url), ("store", &store)]));
    let _ = std::io::stdout().flush();
    server.wait();
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn kit_text(store: &Store, kit: &Kit, lang: Lang) -> Result<String> {
    let words = kit.secret.words();
    let mut text = lang.fill("kit.header", &[("company", &store.company()?.name), ("tenant", &kit.tenant)]);
    text.push('\n');
    text.push_str(&lang.fill("kit.genesis", &[("genesis", &kit.genesis)]));
    text.push('\n');
    let mark = format!("{}/{}", kit.roster.len, kit.roster.head);
    text.push_str(&lang.fill("kit.roster", &[("mark", &mark)]));
    text.push('\n');
    for (index, word) in words.iter().enumerate() {
        text.push_str(&format!("{:>2}. {word}\n", index + 1));
    }
    text.push_str(lang.text("kit.warning"));
    text.push('\n');
    Ok(text)
}

/// Writes the kit to a new file readable by its owner only, durably (`rempart_store::durable`).
pub(crate) fn write_kit(path: &Path, text: &str) -> Result<()> {
    let folder = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    rempart_store::durable::create_private(path, text.as_bytes())
        .and_then(|()| rempart_store::durable::sync_folder(folder))
        .with_context(|| format!("cannot create {}", path.display()))
}

/// Shows the kit on the terminal and asks for three of its words back.
fn show_and_check_kit(text: &str, kit: &RecoverySecret, lang: Lang) -> Result<()> {
    println!("{text}");
    let words = kit.words();
    let mut pick = [0u8; 3];
    rempart_node::system_random(&mut pick);
    let stdin = std::io::stdin();
    for byte in pick {
        let position = usize::from(byte) % words.len();
        loop {
            print!("{} ", lang.fill("kit.ask", &[("n", &(position + 1))]));
            std::io::stdout().flush()?;
            let mut answer = String::new();
            if stdin.lock().read_line(&mut answer)? == 0 {
                bail!("{}", lang.text("kit.unchecked"));
            }
            if answer.trim().eq_ignore_ascii_case(words[position]) {
                break;
            }
            println!("{}", lang.text("kit.wrong"));
        }
    }
    // Scroll the words off the screen.
    print!("{}", "\n".repeat(60));
    println!("{}", lang.text("kit.checked"));
    Ok(())
}

pub fn connect(dir: &Path, url: &str, kit_out: Option<&Path>, token: Option<&str>, lang: Lang) -> Result<ExitCode> {
    check_kit_destination(kit_out, lang)?;
    let mut store = Store::open(dir).context("cannot open the data directory")?;
    let mut transport = Http::new(url)?;
    let kit = with_env(|env| Session::connect_with(&mut store, url, &mut transport, env, token))?;
    deliver_kit(&store, &kit, kit_out, lang)?;
    println!("{}", lang.fill("connect.done", &[("hub", &url), ("tenant", &store.tenant())]));
    println!("{}", lang.text("kit.warning"));
    let mut session = Session::open(&store)?;
    let report = with_env(|env| session.sync(&mut store, &mut transport, env))?;
    print_report(&report, &session.roster, url, lang);
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &SyncReport, roster: &Roster, hub: &str, lang: Lang) {
    if report.roster_restored {
        println!("{}", lang.text("sync.roster_restored"));
    }
    println!(
        "{}",
        lang.fill(
            "sync.done",
            &[
                ("hub", &hub),
                ("pulled", &report.pulled_events),
                ("pushed", &report.pushed_events),
                ("batches", &report.pushed_batches)
            ]
        )
    );
    for refusal in &report.refused {
        println!("{}", lang.fill("sync.refused", &[("what", &refusal.speak(lang))]));
    }
    for fork in &report.forks {
        println!("{}", lang.fill("sync.warning", &[("what", &fork.speak(lang))]));
    }
    for withheld in &report.withheld {
        println!("{}", lang.fill("sync.warning", &[("what", &withheld.speak(lang))]));
    }
    for rejected in &report.rejected {
        println!("{}", lang.fill("sync.warning", &[("what", &rejected.speak(lang))]));
    }
    if report.own_head_confirmed {
        println!("{}", lang.text("sync.copy_confirmed"));
    }
    if let Some(doubt) = &report.own_head_unconfirmed {
        println!("{}", lang.fill("sync.copy_unconfirmed", &[("why", &doubt.speak(lang))]));
    }
    for line in roster_watch_lines(&report.roster_watch, roster, lang) {
        println!("{line}");
    }
}

/// What other devices named of the list of devices that this device was not served, in words:
/// why nothing new is sent.
fn roster_watch_lines(watch: &RosterWatch, roster: &Roster, lang: Lang) -> Vec<String> {
    watch.held_back(roster).iter().map(|held_back| held_back.speak(lang)).collect()
}

fn sync_once(dir: &Path, hub: Option<&str>, token: Option<&str>, lang: Lang) -> Result<SyncReport> {
    let mut store = Store::open(dir).context("cannot open the data directory")?;
    let mut session = Session::open(&store)?;
    session.set_admission(token.map(str::to_owned));
    if let Some(hub) = hub {
        Http::new(hub)?;
        session.set_hub(&store, hub)?;
    }
    let hub = session.secrets.hub.clone();
    let mut transport = Http::new(&hub)?;
    let report = with_env(|env| session.sync(&mut store, &mut transport, env))?;
    print_report(&report, &session.roster, &hub, lang);
    Ok(report)
}

/// Backs up to every target when the last backup is `BACKUP_EVERY_MS` old, saying what each
/// got or why not: a target out of reach is said, and the watch goes on.
fn backup_due(dir: &Path, lang: Lang) {
    type Outcomes = Vec<Result<rempart_backup::Written, rempart_backup::BackupError>>;
    let outcome = (|| -> Result<(Outcomes, Locale)> {
        let mut store = Store::open(dir)?;
        let mut session = Session::open(&store)?;
        let locale = Locale::of_country(store.company()?.country);
        let every = rempart_backup::BACKUP_EVERY_MS;
        Ok((with_env(|env| rempart_backup::run_due(&mut store, &mut session, every, env))?, locale))
    })();
    match outcome {
        Ok((outcomes, locale)) => {
            for outcome in outcomes {
                match outcome {
                    Ok(written) => println!("{}", crate::commands::backup::written_text((lang, locale), &written)),
                    Err(error) => eprintln!("{}", crate::speak::message(&error.into(), lang)),
                }
            }
        }
        Err(error) => eprintln!("{}", crate::speak::message(&error, lang)),
    }
}

/// Whether retrying a failed sync cannot help, by the kind of the error
/// (`NodeError::is_retryable`): this device was revoked, the company is not connected or not
/// admitted, or the hub serves a roster that is not the company's. Other errors are retried with
/// the capped backoff, as they may pass on their own or a person may mend them meanwhile.
fn is_final(error: &anyhow::Error) -> bool {
    error.downcast_ref::<NodeError>().is_some_and(|error| !error.is_retryable())
}

pub fn sync(
    dir: &Path,
    hub: Option<&str>,
    token: Option<&str>,
    watch: bool,
    interval: u64,
    lang: Lang,
) -> Result<ExitCode> {
    if !watch {
        let report = sync_once(dir, hub, token, lang)?;
        let clean = report.refused.is_empty()
            && report.rejected.is_empty()
            && report.forks.is_empty()
            && report.own_head_unconfirmed.is_none()
            && report.held_back.is_none();
        return Ok(if clean { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    // Keep going: after a failure wait 1, 2, 4 ... up to 60 seconds, then the interval again.
    let mut backoff = 1u64;
    loop {
        match sync_once(dir, hub, token, lang) {
            Ok(_) => {
                backoff = 1;
                backup_due(dir, lang);
                std::thread::sleep(Duration::from_secs(interval));
            }
            Err(error) if is_final(&error) => return Err(error),
            Err(error) => {
                eprintln!(
                    "{}",
                    lang.fill("sync.retry", &[("error", &crate::speak::message(&error, lang)), ("seconds", &backoff)])
                );
                std::thread::sleep(Duration::from_secs(backoff));
                backoff = (backoff * 2).min(60);
            }
        }
    }
}

pub fn invite(dir: &Path, role: Role, hours: u64, series: &str, lang: Lang) -> Result<ExitCode> {
    let store = Store::open(dir).context("cannot open the data directory")?;
    let mut session = Session::open(&store)?;
    let mut transport = Http::new(&session.secrets.hub.clone())?;
    let code = with_env(|env| session.invite(&store, &mut transport, env, role, hours * 3_600_000, Some(series)))?;
    println!("{}", lang.fill("invite.done", &[("hours", &hours)]));
    // Alone on the last line, for scripts.
    println!("{code}");
    Ok(ExitCode::SUCCESS)
}

/// The invitation code: given, `-` for standard input, or from a file.
pub fn invitation_code(code: Option<&str>, file: Option<&Path>) -> Result<zeroize::Zeroizing<String>> {
    let text = match (code, file) {
        (Some("-"), _) | (None, Some(_)) if code == Some("-") || file == Some(Path::new("-")) => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line
        }
        (Some(code), _) => code.to_owned(),
        (None, Some(path)) => {
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
        }
        (None, None) => bail!("an invitation code is needed"),
    };
    Ok(zeroize::Zeroizing::new(text.trim().to_owned()))
}

pub fn join(dir: &Path, code: &str, hub: &str, lang: Lang) -> Result<ExitCode> {
    if rempart_store::layout::holds_company(dir) {
        bail!("{}", lang.fill("join.exists", &[("dir", &dir.display())]));
    }
    let created = !dir.exists();
    let mut transport = Http::new(hub)?;
    let joined = with_env(|env| Session::join(code, hub, dir, &mut transport, env));
    let (mut store, mut session) = match joined {
        Ok(joined) => joined,
        Err(error) => {
            // Nothing half-made is left behind.
            if created && !matches!(error, NodeError::Unreachable(_) if !dir.exists()) {
                let _ = std::fs::remove_dir_all(dir);
            }
            return Err(error.into());
        }
    };
    println!("{}", lang.fill("join.done", &[("node", &store.node().short()), ("tenant", &store.tenant())]));
    let report = with_env(|env| session.sync(&mut store, &mut transport, env))?;
    print_report(&report, &session.roster, hub, lang);
    Ok(ExitCode::SUCCESS)
}

pub fn role(text: &str) -> Result<Role, String> {
    match text {
        "admin" => Ok(Role::Admin),
        "member" => Ok(Role::Member),
        other => Err(format!("\"{other}\" is not a role: admin or member")),
    }
}

pub fn rechain(dir: &Path, lang: Lang) -> Result<ExitCode> {
    let mut store = Store::open(dir).context("cannot open the data directory")?;
    let mut session = Session::open(&store)?;
    let old = store.node();
    let new = with_env(|env| session.rechain(&mut store, env))?;
    println!("{}", lang.fill("rechain.done", &[("old", &old.short()), ("new", &new.short())]));
    Ok(ExitCode::SUCCESS)
}

pub fn revoke(dir: &Path, id: &str, kit_out: Option<&Path>, keep_enrolled: bool, lang: Lang) -> Result<ExitCode> {
    let mut store = Store::open(dir).context("cannot open the data directory")?;
    let mut session = Session::open(&store)?;
    let mut transport = Http::new(&session.secrets.hub.clone())?;
    // The roster as it stands (a device enrolled elsewhere since this one last synced) and what
    // the device wrote up to now, as this node holds it, which stays valid: fetched first.
    with_env(|env| session.sync(&mut store, &mut transport, env))?;
    let device = find_device(&session, id)?;
    // An admin device holds the recovery secret: revoking one (or a device one of whose
    // successors is an admin) renews the kit, shown or written like at `connect`.
    if session.roster.revoking_renews_recovery(device) {
        check_kit_destination(kit_out, lang)?;
    }
    let successors = session.roster.active_successors(device);
    let (epoch, kit) = with_env(|env| session.revoke_with(&store, &mut transport, env, device, keep_enrolled))?;
    println!("{}", lang.fill("revoke.done", &[("node", &device.short()), ("epoch", &epoch)]));
    for successor in successors {
        println!("{}", lang.fill("revoke.successor", &[("node", &device.short()), ("successor", &successor.short())]));
    }
    if let Some(kit) = kit {
        println!("{}", lang.text("revoke.new_kit"));
        deliver_kit(&store, &kit, kit_out, lang)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Shows (or writes) the current recovery kit of an admin device, after a sync so that it is the
/// company's current one.
pub fn show_kit(dir: &Path, kit_out: Option<&Path>, lang: Lang) -> Result<ExitCode> {
    check_kit_destination(kit_out, lang)?;
    let mut store = Store::open(dir).context("cannot open the data directory")?;
    let mut session = Session::open(&store)?;
    let mut transport = Http::new(&session.secrets.hub.clone())?;
    with_env(|env| session.sync(&mut store, &mut transport, env))?;
    let kit = session.kit(&store)?;
    deliver_kit(&store, &kit, kit_out, lang)?;
    Ok(ExitCode::SUCCESS)
}

/// Refuses early when there is neither a terminal nor a file to give a kit to.
fn check_kit_destination(kit_out: Option<&Path>, lang: Lang) -> Result<()> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if kit_out.is_none() && !interactive {
        bail!("{}", lang.text("kit.no_terminal"));
    }
    if let Some(path) = kit_out
        && path.exists()
    {
        bail!("{}", lang.fill("kit.exists", &[("path", &path.display())]));
    }
    Ok(())
}

/// Writes the kit to `kit_out`, or shows it and asks for three of its words back.
fn deliver_kit(store: &Store, kit: &Kit, kit_out: Option<&Path>, lang: Lang) -> Result<()> {
    let text = kit_text(store, kit, lang)?;
    match kit_out {
        Some(path) => {
            write_kit(path, &text)?;
            println!("{}", lang.fill("kit.written", &[("path", &path.display())]));
        }
        None => show_and_check_kit(&text, &kit.secret, lang)?,
    }
    Ok(())
}

/// A device named by its id or the start of it (at least 8 digits, as `device list` shows them).
fn find_device(session: &Session, id: &str) -> Result<rempart_log::NodeId> {
    let id = id.trim().to_ascii_lowercase();
    let matching: Vec<_> =
        session.roster.members().keys().filter(|node| id.len() >= 8 && node.to_hex().starts_with(&id)).collect();
    match matching.as_slice() {
        [one] => Ok(**one),
        [] => bail!("no device of this company has the id {id}: `rempart device list` shows them"),
        _ => bail!("several devices start with {id}: give more of the id"),
    }
}

pub fn devices(dir: &Path, format: Format, lang: Lang) -> Result<ExitCode> {
    let store = Store::open(dir).context("cannot open the data directory")?;
    let session = Session::open(&store)?;
    let mut report = Report::new(
        lang.text("devices.title").to_owned(),
        vec![
            ("device", lang.text("device").to_owned()),
            ("role", lang.text("role").to_owned()),
            ("state", lang.text("state").to_owned()),
        ],
    );
    for (node, member) in session.roster.members() {
        let role = match member.role {
            Role::Admin => lang.text("role.admin"),
            Role::Member => lang.text("role.member"),
        };
        let mut state = match member.revoked_after {
            Some(last) => lang.fill("device.revoked", &[("seq", &last)]),
            None => lang.text("device.active").to_owned(),
        };
        if *node == store.node() {
            state.push_str(lang.text("device.this"));
        }
        if let Some(from) = session.roster.predecessor(*node) {
            state.push_str(&lang.fill("device.successor_of", &[("node", &from.short())]));
        }
        report.rows.push(vec![Cell::Text(node.to_hex()), Cell::Text(role.to_owned()), Cell::Text(state)]);
    }
    print!("{}", report.render(format, Locale::of_country(store.company()?.country))?);
    Ok(ExitCode::SUCCESS)
}

/// A moment as people read it: the locale's date and the time in UTC.
fn moment(locale: Locale, ms: u64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms as i64) {
        Some(time) => format!("{} {} UTC", locale.format_date(time.date_naive()), time.format("%H:%M")),
        None => ms.to_string(),
    }
}

/// A duration as people read it, in the largest unit that fits.
pub(crate) fn duration(lang: Lang, ms: u64) -> String {
    let minutes = ms / 60_000;
    let (count, unit) = match minutes {
        0 => (ms / 1000, "unit.seconds"),
        1..120 => (minutes, "unit.minutes"),
        120..2880 => (minutes / 60, "unit.hours"),
        _ => (minutes / 1440, "unit.days"),
    };
    lang.fill(unit, &[("n", &count)])
}

pub fn status(dir: &Path, lang: Lang) -> Result<ExitCode> {
    let store = Store::open(dir).context("cannot open the data directory")?;
    let locale = Locale::of_country(store.company()?.country);
    let now = rempart_node::system_now_ms();
    println!(
        "{}",
        lang.fill(
            "status.node",
            &[("company", &store.company()?.name), ("node", &store.node().short()), ("tenant", &store.tenant())]
        )
    );
    let session = match Session::open(&store) {
        Ok(session) => Some(session),
        Err(NodeError::NotConnected) => None,
        Err(error) => return Err(error.into()),
    };
    match rempart_node::health(&store)? {
        None => println!("{}", lang.text("status.not_connected")),
        Some(health) => {
            let hub = &health.hub;
            match rempart_node::probe(hub) {
                Ok(()) => println!("{}", lang.fill("status.hub_up", &[("hub", hub)])),
                Err(error) => {
                    let since = health.offline_since_ms.unwrap_or(now);
                    println!(
                        "{}",
                        lang.fill(
                            "status.hub_down",
                            &[("hub", hub), ("since", &moment(locale, since)), ("reason", &error.reason)]
                        )
                    );
                }
            }
            match health.last_sync_ms {
                Some(last) => println!(
                    "{}",
                    lang.fill(
                        "status.last_sync",
                        &[("when", &moment(locale, last)), ("ago", &duration(lang, now.saturating_sub(last)))]
                    )
                ),
                None => println!("{}", lang.text("status.never_synced")),
            }
            if health.pending == 0 {
                println!("{}", lang.text("status.all_uploaded"));
            } else {
                let oldest = health.oldest_pending_ms.unwrap_or(now);
                println!(
                    "{}",
                    lang.fill(
                        "status.pending",
                        &[("count", &health.pending), ("age", &duration(lang, now.saturating_sub(oldest)))]
                    )
                );
            }
            // Backups and drills: when each was last done, if ever.
            match rempart_backup::last_backup(&store)? {
                Some(at) => println!(
                    "{}",
                    lang.fill(
                        "status.last_backup",
                        &[
                            ("ago", &duration(lang, now.saturating_sub(at))),
                            ("targets", &rempart_backup::targets(&store)?.len())
                        ]
                    )
                ),
                None => println!("{}", lang.text("status.no_backup")),
            }
            for kind in [rempart_backup::DrillKind::Ransom, rempart_backup::DrillKind::Hub] {
                if let Some(drill) = rempart_backup::last_drill(&store, kind)? {
                    println!("{}", crate::commands::backup::drill_text((lang, locale), &drill, Some(now)));
                }
            }
            println!("{}", lang.text("status.peers"));
            for peer in &health.peers {
                let role = match peer.role {
                    _ if peer.revoked => lang.text("status.revoked"),
                    Some(Role::Admin) => lang.text("role.admin"),
                    Some(_) => lang.text("role.member"),
                    None => "?",
                };
                let this = if peer.this { lang.text("device.this") } else { "" };
                println!(
                    "{}",
                    lang.fill(
                        "status.peer",
                        &[
                            ("node", &format!("{}{this}", peer.node.short())),
                            ("role", &role),
                            ("here", &peer.here),
                            ("hub", &peer.hub)
                        ]
                    )
                );
            }
        }
    }
    let withheld = match rempart_node::withheld_seen(&store)? {
        Ok(withheld) => withheld.iter().map(|withheld| withheld.speak(lang)).collect(),
        Err(kept_as_text) => kept_as_text,
    };
    for withheld in withheld {
        println!("{}", lang.fill("sync.warning", &[("what", &withheld)]));
    }
    if let Some(session) = &session {
        for line in roster_watch_lines(&session.roster_watch(), &session.roster, lang) {
            println!("{line}");
        }
    }
    if let Some(found) = store.copy_found_ms()? {
        println!("{}", lang.fill("status.copy", &[("when", &moment(locale, found))]));
    }
    let forks = store.forks()?;
    for fork in &forks {
        println!(
            "{}",
            lang.fill("status.fork", &[("node", &fork.node.short()), ("seq", &fork.seq), ("source", &fork.source)])
        );
    }
    let conflicts = store.conflicts()?;
    if conflicts.is_empty() && forks.is_empty() {
        println!("{}", lang.text("status.no_conflict"));
    } else if !conflicts.is_empty() {
        println!("{}", lang.fill("status.conflicts", &[("count", &conflicts.len())]));
    }
    Ok(ExitCode::SUCCESS)
}

/// Lists the open conflicts with their ids, or settles one (`--settle ID`), which every device
/// then stops listing.
pub fn conflicts(dir: &Path, format: Format, settle: Option<&str>, lang: Lang) -> Result<ExitCode> {
    use rempart_store::sync::{Conflict, KeyedRecord};
    let mut store = Store::open(dir).context("cannot open the data directory")?;
    if let Some(id) = settle {
        store.settle_conflict(id)?;
        println!("{}", lang.fill("conflicts.settled", &[("id", &id)]));
        return Ok(ExitCode::SUCCESS);
    }
    let locale = Locale::of_country(store.company()?.country);
    let mut report = Report::new(
        lang.text("conflicts.title").to_owned(),
        vec![
            ("kind", lang.text("conflicts.kind").to_owned()),
            ("detail", lang.text("conflicts.detail").to_owned()),
            ("id", lang.text("conflicts.id").to_owned()),
        ],
    );
    for conflict in store.conflicts()? {
        let id = conflict.short_id();
        let (kind, detail) = match conflict {
            Conflict::JournalNumber { journal, number, entries } => (
                "conflict.journal_number",
                lang.fill(
                    "conflict.journal_number.detail",
                    &[("journal", &journal), ("number", &number), ("entries", &entries.join(", "))],
                ),
            ),
            Conflict::SharedIdentifier { field, value, contacts } => (
                "conflict.shared_identifier",
                lang.fill(
                    "conflict.shared_identifier.detail",
                    &[("field", &field), ("value", &value), ("contacts", &contacts.join(", "))],
                ),
            ),
            Conflict::InvoiceIssuedTwice { invoice, standing, numbers, nodes } => (
                "conflict.invoice_twice",
                lang.fill(
                    "conflict.invoice_twice.detail",
                    &[
                        ("invoice", &invoice),
                        ("standing", &standing),
                        ("numbers", &numbers.join(", ")),
                        ("nodes", &nodes.join(", ")),
                    ],
                ),
            ),
            Conflict::EntryRecordedTwice { id, nodes, .. } => (
                "conflict.entry_twice",
                lang.fill("conflict.entry_twice.detail", &[("id", &id), ("nodes", &nodes.join(", "))]),
            ),
            Conflict::ContactCreatedTwice { id, nodes, .. } => (
                "conflict.contact_twice",
                lang.fill("conflict.contact_twice.detail", &[("id", &id), ("nodes", &nodes.join(", "))]),
            ),
            Conflict::KeyCreatedTwice { record, key, nodes, .. } => {
                let record = match record {
                    KeyedRecord::Account => "record.account",
                    KeyedRecord::VatCode => "record.vat_code",
                    KeyedRecord::Item => "record.item",
                    KeyedRecord::ContactField => "record.contact_field",
                };
                (
                    "conflict.key_twice",
                    lang.fill(
                        "conflict.key_twice.detail",
                        &[("record", &lang.text(record)), ("key", &key), ("nodes", &nodes.join(", "))],
                    ),
                )
            }
            Conflict::BillRecordedTwice { supplier, reference, bills } => (
                "conflict.bill_twice",
                lang.fill(
                    "conflict.bill_twice.detail",
                    &[("supplier", &supplier), ("reference", &reference), ("bills", &bills.join(", "))],
                ),
            ),
            Conflict::EntryInClosedPeriod { entry, date, closed_until, node } => {
                let show = |text: &str| {
                    rempart_domain::rules::parse_date(text)
                        .map_or_else(|_| text.to_owned(), |day| locale.format_date(day))
                };
                (
                    "conflict.closed_period",
                    lang.fill(
                        "conflict.closed_period.detail",
                        &[("entry", &entry), ("date", &show(&date)), ("until", &show(&closed_until)), ("node", &node)],
                    ),
                )
            }
            Conflict::InvoicePaidBeyondTotal { invoice, contact, excess_minor, currency } => (
                "conflict.paid_beyond",
                lang.fill(
                    "conflict.paid_beyond.detail",
                    &[
                        ("invoice", &invoice),
                        ("excess", &locale.format_amount(excess_minor, currency)),
                        ("contact", &contact),
                    ],
                ),
            ),
            Conflict::BillPaidBeyondTotal { bill, supplier, excess_minor, currency } => (
                "conflict.bill_paid_beyond",
                lang.fill(
                    "conflict.bill_paid_beyond.detail",
                    &[
                        ("bill", &bill),
                        ("supplier", &supplier),
                        ("excess", &locale.format_amount(excess_minor, currency)),
                    ],
                ),
            ),
            Conflict::ReminderSentTwice { invoice, level, reminders } => (
                "conflict.reminder_twice",
                lang.fill(
                    "conflict.reminder_twice.detail",
                    &[("invoice", &invoice), ("level", &level), ("reminders", &reminders.join(", "))],
                ),
            ),
            Conflict::ContactFieldEditedApart { contact, field, values, nodes } => (
                "conflict.field_apart",
                lang.fill(
                    "conflict.field_apart.detail",
                    &[
                        ("contact", &contact),
                        ("field", &field),
                        ("values", &values.join(" / ")),
                        ("nodes", &nodes.join(", ")),
                    ],
                ),
            ),
        };
        report.rows.push(vec![Cell::Text(lang.text(kind).to_owned()), Cell::Text(detail), Cell::Text(id)]);
    }
    print!("{}", report.render(format, locale)?);
    Ok(ExitCode::SUCCESS)
}

/// Reads a recovery kit file: its 24 words (lines `N. word`, or the words alone), the company
/// id (32 hexadecimal digits), the roster fingerprint (64) and the roster as it was when the kit
/// was made (`N/` and 64 hexadecimal digits) it names.
pub(crate) fn read_kit(path: &Path, lang: Lang) -> Result<Kit> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let hex_word = |len: usize| text.split(|c: char| !c.is_ascii_hexdigit()).find(|word| word.len() == len);
    let tenant = hex_word(32).and_then(|hex| hex.parse().ok());
    // The fingerprint: the 64 hexadecimal digits that are not the roster's head (after a `/`).
    let genesis = text
        .split_whitespace()
        .filter(|word| !word.contains('/'))
        .flat_map(|word| word.split(|c: char| !c.is_ascii_hexdigit()))
        .find(|word| word.len() == 64)
        .and_then(|hex| hex.parse().ok());
    // Kits made before they named the roster (December 2026) name its genesis only: as much as
    // they knew.
    let roster = text.split_whitespace().find_map(|word| {
        let (len, head) = word.split_once('/')?;
        Some(RosterMark { len: len.parse().ok().filter(|len| *len > 0)?, head: head.parse().ok()? })
    });
    let roster = roster.or_else(|| genesis.map(|head| RosterMark { len: 1, head }));
    let (Some(tenant), Some(genesis), Some(roster)) = (tenant, genesis, roster) else {
        bail!("{}", lang.fill("restore.kit_incomplete", &[("path", &path.display())]));
    };
    let numbered: Vec<&str> = text
        .lines()
        .filter_map(|line| line.trim().split_once(". "))
        .filter(|(number, _)| number.trim().parse::<u32>().is_ok())
        .map(|(_, word)| word.trim())
        .collect();
    // Retyped without numbers: the words are on the lines that name nothing else (no label with
    // a colon, no company id or fingerprint).
    let words = if numbered.is_empty() {
        let names_nothing_else = |line: &&str| {
            !line.contains(':')
                && !line.split(|c: char| !c.is_ascii_hexdigit()).any(|word| word.len() == 32 || word.len() == 64)
        };
        text.lines().filter(names_nothing_else).flat_map(str::split_whitespace).collect::<Vec<_>>().join(" ")
    } else {
        numbered.join(" ")
    };
    Ok(Kit { tenant, genesis, roster, secret: RecoverySecret::from_words(&words)? })
}

/// Restores a lost device with the recovery kit: from the hub, or from backup targets (`from`,
/// the first one whole, then what the others hold that it lacked; `hub`, if given, recorded as
/// the company's hub to sync with afterwards).
pub fn restore(
    dir: &Path,
    (hub, from): (Option<&str>, &[String]),
    until: Option<&str>,
    kit: &Path,
    lang: Lang,
) -> Result<ExitCode> {
    let until_ms = match until {
        Some(text) => Some(
            chrono::DateTime::parse_from_rfc3339(text.trim())
                .ok()
                .and_then(|moment| u64::try_from(moment.timestamp_millis()).ok())
                .ok_or_else(|| crate::command_error::CommandError::NotAMoment { text: text.to_owned() })?,
        ),
        None => None,
    };
    if rempart_store::layout::holds_company(dir) {
        bail!("{}", lang.fill("join.exists", &[("dir", &dir.display())]));
    }
    let kit = read_kit(kit, lang)?;
    let targets = from.iter().map(|target| rempart_backup::Target::parse(target)).collect::<Result<Vec<_>, _>>()?;
    let created = !dir.exists();
    let started = std::time::Instant::now();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = bar.clone();
    let mut progress: Option<Box<dyn FnMut(u64, u64)>> = Some(Box::new(move |done, total| {
        progress.set_length(total);
        progress.set_position(done);
    }));
    let restored = match (hub, targets.first()) {
        (_, Some(_)) => {
            let options = rempart_backup::RestoreOptions { progress: progress.take(), until_ms, no_checkpoint: false };
            with_env(|env| rempart_backup::restore(&kit, &targets, (dir, hub), options, env)).map(|restored| {
                // A target passed over (out of reach, refused): said, the others restored from.
                for refused in restored.refused {
                    eprintln!("{}", crate::speak::message(&refused.into(), lang));
                }
                // A device's data directory gives the list of devices as that device held it: a
                // revocation it did not know of (or hid) shows only once the hub is back.
                for target in &targets {
                    if let rempart_backup::Target::Folder { path } = target
                        && rempart_store::layout::holds_company(path)
                    {
                        println!(
                            "{}",
                            lang.fill(
                                "restore.from_node",
                                &[
                                    ("dir", &path.display()),
                                    ("entries", &restored.session.roster.mark().len),
                                    ("hub", &restored.session.secrets.hub),
                                ]
                            )
                        );
                    }
                }
                (restored.store, restored.session, Some(restored.read))
            })
        }
        (Some(hub), None) => {
            let mut transport = Http::new(hub)?;
            with_env(|env| Session::restore(&kit, hub, dir, &mut transport, env))
                .map(|(store, session)| (store, session, None))
                .map_err(rempart_backup::BackupError::from)
        }
        (None, None) => bail!("{}", lang.text("restore.no_source")),
    };
    let (mut store, mut session, read) = match restored {
        Ok(restored) => restored,
        Err(error) => {
            if created {
                let _ = std::fs::remove_dir_all(dir);
            }
            return Err(error.into());
        }
    };
    let mut unfilled = Vec::new();
    let report = match read {
        Some(read) => {
            for checked in &read {
                if let Some(events) = checked.checkpoint {
                    println!(
                        "{}",
                        lang.fill("backup.from_checkpoint", &[("target", &checked.target), ("events", &events)])
                    );
                }
                for damaged in &checked.damaged {
                    println!("{}", lang.fill("backup.damaged", &[("target", &checked.target), ("object", damaged)]));
                }
            }
            unfilled = rempart_backup::unfilled(&store, &read)?;
            if store.company().is_err() {
                // Nothing to restore: a moment before the company was made, or its first batch
                // damaged everywhere. Said, and nothing is left behind.
                for object in &unfilled {
                    eprintln!("{}", lang.fill("backup.unfilled", &[("object", object)]));
                }
                drop(store);
                if created {
                    let _ = std::fs::remove_dir_all(dir);
                }
                return Err(rempart_backup::BackupError::NothingBefore.into());
            }
            let events: u64 = read.iter().map(|checked| checked.events).sum();
            SyncReport { pulled_events: events, ..SyncReport::default() }
        }
        None => {
            let hub = hub.unwrap_or_default();
            let mut transport = Http::new(hub)?;
            if let Some(progress) = progress.take() {
                session.set_progress(progress);
            }
            session.set_until(until_ms);
            with_env(|env| session.sync(&mut store, &mut transport, env))?
        }
    };
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let timings = &session.timings;
    // In the company's way of writing a decimal; a restore that brought no company (a hub's
    // restore of nothing) writes it plainly.
    let locale = store.company().ok().map(|company| Locale::of_country(company.country));
    let seconds = |took: std::time::Duration| match locale {
        Some(locale) => locale.format_seconds(took.as_millis() as u64),
        None => format!("{:.1}", took.as_secs_f64()),
    };
    println!(
        "{}",
        lang.fill(
            "restore.done",
            &[
                ("events", &report.pulled_events),
                ("seconds", &seconds(elapsed)),
                ("download", &seconds(timings.download.get())),
                ("verify", &seconds(timings.verify.get())),
                ("decrypt", &seconds(timings.decrypt.get())),
                ("apply", &seconds(timings.apply.get())),
            ]
        )
    );
    println!("{}", lang.fill("join.done", &[("node", &store.node().short()), ("tenant", &store.tenant())]));
    let verified = crate::verify::print(
        &store.verify()?,
        lang,
        store.company().ok().map(|company| rempart_domain::Locale::of_country(company.country)),
    );
    // A damaged object no other target made up for: what follows it in its chain is missing.
    for object in &unfilled {
        eprintln!("{}", lang.fill("backup.unfilled", &[("object", object)]));
    }
    // Events a device had seen that no target gave back (batches taken out of a folder, a backup
    // cut short): named. Not told of a restore to a moment, which leaves later events out.
    let lacking = if until_ms.is_none() && !from.is_empty() { session.lacking(&store)? } else { Vec::new() };
    for lack in &lacking {
        eprintln!(
            "{}",
            lang.fill(
                "backup.lacking",
                &[
                    ("by", &lack.by.short()),
                    ("node", &lack.node.short()),
                    ("seen", &lack.seen.0),
                    ("held", &lack.served.0)
                ]
            )
        );
    }
    Ok(if unfilled.is_empty() && lacking.is_empty() { verified } else { ExitCode::FAILURE })
}

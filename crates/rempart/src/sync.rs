//! The sync commands: `hub`, `connect`, `sync`, `device invite`, `join`.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use rempart_hub::http::ServerLimits;
use rempart_hub::{DirStore, Hub, Limits};
use rempart_node::{Env, Http, NodeError, Session, SyncReport};
use rempart_store::Store;
use rempart_sync::{RecoverySecret, Role};

use crate::i18n::Lang;
use crate::render::{Cell, Format, Report};
use rempart_domain::Locale;

/// The admin passphrase: from the file named by `--passphrase-file`, else from the environment
/// variable `REMPART_PASSPHRASE`; never from a prompt, so that scripts and services work alike.
fn passphrase(file: Option<&Path>) -> Result<String> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        return Ok(text.trim_end_matches(['\n', '\r']).to_owned());
    }
    std::env::var("REMPART_PASSPHRASE").map_err(|_| {
        anyhow!("the admin passphrase is needed: put it in a file named by --passphrase-file, or in REMPART_PASSPHRASE")
    })
}

fn with_env<T>(f: impl FnOnce(&mut Env<'_>) -> T) -> T {
    let mut random = rempart_node::system_random;
    let mut env = Env { now_ms: &rempart_node::system_now_ms, random: &mut random };
    f(&mut env)
}

pub fn hub(listen: SocketAddr, store: &Path, quota_gib: Option<u64>, lang: Lang) -> Result<ExitCode> {
    let objects =
        DirStore::open(store).with_context(|| format!("cannot use {} as the hub's store", store.display()))?;
    let mut limits = Limits::default();
    if let Some(gib) = quota_gib {
        limits.quota_bytes = gib << 30;
    }
    let hub = Arc::new(Hub::new(Arc::new(objects), limits));
    let server = rempart_hub::http::spawn(listen, hub, ServerLimits::default())
        .with_context(|| format!("cannot listen on {listen}"))?;
    println!("{}", lang.fill("hub.listening", &[("addr", &server.addr), ("store", &store.display())]));
    let _ = std::io::stdout().flush();
    server.wait();
    Ok(ExitCode::SUCCESS)
}

fn kit_text(store: &Store, kit: &RecoverySecret, lang: Lang) -> Result<String> {
    let words = kit.words();
    let mut text = lang.fill("kit.header", &[("company", &store.company()?.name), ("tenant", &store.tenant())]);
    text.push('\n');
    for (index, word) in words.iter().enumerate() {
        text.push_str(&format!("{:>2}. {word}\n", index + 1));
    }
    text.push_str(lang.text("kit.warning"));
    text.push('\n');
    Ok(text)
}

/// Writes the kit to a new file readable by its owner only.
fn write_kit(path: &Path, text: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
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

pub fn connect(
    dir: &Path,
    url: &str,
    kit_out: Option<&Path>,
    passphrase_file: Option<&Path>,
    lang: Lang,
) -> Result<ExitCode> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if kit_out.is_none() && !interactive {
        bail!("{}", lang.text("kit.no_terminal"));
    }
    if let Some(path) = kit_out
        && path.exists()
    {
        bail!("{}", lang.fill("kit.exists", &[("path", &path.display())]));
    }
    let passphrase = passphrase(passphrase_file)?;
    let mut store = Store::open(dir).context("cannot open the data directory")?;
    let mut transport = Http::new(url)?;
    let kit = with_env(|env| Session::connect(&mut store, url, &mut transport, env, &passphrase))?;
    let text = kit_text(&store, &kit, lang)?;
    match kit_out {
        Some(path) => {
            write_kit(path, &text)?;
            println!("{}", lang.fill("kit.written", &[("path", &path.display())]));
        }
        None => show_and_check_kit(&text, &kit, lang)?,
    }
    println!("{}", lang.fill("connect.done", &[("hub", &url), ("tenant", &store.tenant())]));
    println!("{}", lang.text("kit.warning"));
    let report = with_env(|env| Session::open(&store)?.sync(&mut store, &mut transport, env))?;
    print_report(&report, url, lang);
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &SyncReport, hub: &str, lang: Lang) {
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
        println!("{}", lang.fill("sync.refused", &[("what", refusal)]));
    }
}

fn sync_once(dir: &Path, hub: Option<&str>, lang: Lang) -> Result<SyncReport> {
    let mut store = Store::open(dir).context("cannot open the data directory")?;
    let mut session = Session::open(&store)?;
    if let Some(hub) = hub {
        Http::new(hub)?;
        session.set_hub(&store, hub)?;
    }
    let hub = session.secrets.hub.clone();
    let mut transport = Http::new(&hub)?;
    let report = with_env(|env| session.sync(&mut store, &mut transport, env))?;
    print_report(&report, &hub, lang);
    Ok(report)
}

pub fn sync(dir: &Path, hub: Option<&str>, watch: bool, interval: u64, lang: Lang) -> Result<ExitCode> {
    if !watch {
        let report = sync_once(dir, hub, lang)?;
        return Ok(if report.refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    // Keep going: after a failure wait 1, 2, 4 ... up to 60 seconds, then the interval again.
    let mut backoff = 1u64;
    loop {
        match sync_once(dir, hub, lang) {
            Ok(_) => {
                backoff = 1;
                std::thread::sleep(Duration::from_secs(interval));
            }
            Err(error) => {
                eprintln!(
                    "{}",
                    lang.fill("sync.retry", &[("error", &crate::error_text(&error)), ("seconds", &backoff)])
                );
                std::thread::sleep(Duration::from_secs(backoff));
                backoff = (backoff * 2).min(60);
            }
        }
    }
}

pub fn invite(dir: &Path, role: Role, hours: u64, lang: Lang) -> Result<ExitCode> {
    let store = Store::open(dir).context("cannot open the data directory")?;
    let mut session = Session::open(&store)?;
    let mut transport = Http::new(&session.secrets.hub.clone())?;
    let code = with_env(|env| session.invite(&store, &mut transport, env, role, hours * 3_600_000))?;
    println!("{}", lang.fill("invite.done", &[("hours", &hours)]));
    // Alone on the last line, for scripts.
    println!("{code}");
    Ok(ExitCode::SUCCESS)
}

pub fn join(dir: &Path, code: &str, hub: &str, lang: Lang) -> Result<ExitCode> {
    if dir.join("node.json").exists() {
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
    print_report(&report, hub, lang);
    Ok(ExitCode::SUCCESS)
}

pub fn role(text: &str) -> Result<Role, String> {
    match text {
        "admin" => Ok(Role::Admin),
        "member" => Ok(Role::Member),
        other => Err(format!("\"{other}\" is not a role: admin or member")),
    }
}

pub fn revoke(dir: &Path, id: &str, lang: Lang) -> Result<ExitCode> {
    let store = Store::open(dir).context("cannot open the data directory")?;
    let mut session = Session::open(&store)?;
    let device = find_device(&session, id)?;
    let mut transport = Http::new(&session.secrets.hub.clone())?;
    let epoch = with_env(|env| session.revoke(&store, &mut transport, env, device))?;
    println!("{}", lang.fill("revoke.done", &[("node", &device.short()), ("epoch", &epoch)]));
    Ok(ExitCode::SUCCESS)
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
        report.rows.push(vec![Cell::Text(node.to_hex()), Cell::Text(role.to_owned()), Cell::Text(state)]);
    }
    print!("{}", report.render(format, Locale::of_country(store.company()?.country))?);
    Ok(ExitCode::SUCCESS)
}

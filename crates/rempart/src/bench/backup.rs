//! `rempart bench --backup`: what the backup issue sets targets for.
//!
//! 1. A company of `--events` entries (one event each), connected to a hub of its own (in
//!    memory), backed up whole to a folder.
//! 2. A change of about 0.43 MB of events (the change restic is measured on in the issue), then
//!    an incremental backup: the bytes it wrote against the encrypted bytes of the new events
//!    (their batches' ciphertext). restic, if installed, backs up the same data directory before
//!    and after the same change, and its repository's growth is given beside.
//! 3. The company restored from the folder alone into a new directory (the whole log), timed by
//!    stage, its state hash compared.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Result, ensure};
use rempart_backup::{LocalHub, Target};
use rempart_domain::Country;
use rempart_hub::{MemStore, ObjectStore};
use rempart_node::Session;
use rempart_store::Store;

use super::sync::{split, with_env};
use super::{seconds, work_dir};
use crate::i18n::Lang;

/// Entries of the change backed up incrementally: about 0.43 MB of events.
const CHANGE_ENTRIES: usize = 1_100;

pub fn run(events: usize, dir: Option<std::path::PathBuf>, lang: Lang) -> Result<()> {
    let (root, created) = work_dir(dir)?;
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut office = Store::init(&root.join("office"), "Banc d'essai SA", Country::Ch, 1)?;
    let started = Instant::now();
    for chunk in super::generate(events, 11, "B").chunks(50_000) {
        office.post_entries(chunk, &mut |_| {})?;
    }
    office.settle_checkpoints();
    rows.push(("company made".into(), format!("{events} entries in {:.1} s", seconds(started.elapsed()))));
    let hub: Arc<dyn ObjectStore> = Arc::new(MemStore::default());
    let mut transport = LocalHub::new(hub, "the company's hub".to_owned());
    let kit = with_env(|env| Session::connect_with(&mut office, "the company's hub", &mut transport, env, None))?;
    let mut session = Session::open(&office)?;
    let usb = root.join("usb");
    let target = Target::parse(&usb.display().to_string())?;
    rempart_backup::add_target(&office, &session, target.clone())?;
    let restic = restic_repository(&root)?;
    if let Some(repo) = &restic {
        restic_backup(repo, &root.join("office"))?;
    }

    let started = Instant::now();
    let whole = with_env(|env| {
        rempart_backup::run_with(&mut office, &mut session, &target, rempart_backup::CheckpointWhen::Now, env)
    })?;
    let first = started.elapsed();
    let (checkpoint_events, checkpoint_bytes) = whole.checkpoint.unwrap_or_default();
    rows.push((
        "first backup to a folder: seal, encrypt, sign, write create-only; and a checkpoint".into(),
        format!(
            "{} events, {} objects, {:.1} MB (the checkpoint of {} events: {:.1} MB) in {:.1} s",
            whole.events,
            whole.objects,
            whole.bytes as f64 / 1e6,
            checkpoint_events,
            checkpoint_bytes as f64 / 1e6,
            seconds(first)
        ),
    ));

    // The change, and the incremental backup of it.
    let before = batch_files(&usb)?;
    let plain_before = office.event_count()?;
    for chunk in super::generate(CHANGE_ENTRIES, 12, "C").chunks(100) {
        office.post_entries(chunk, &mut |_| {})?;
    }
    let new_events = office.event_count()? - plain_before;
    let plain = new_event_bytes(&office, new_events)?;
    let started = Instant::now();
    let incremental = with_env(|env| rempart_backup::run(&mut office, &mut session, &target, env))?;
    let took = started.elapsed();
    let after = batch_files(&usb)?;
    let ciphertext: u64 = after
        .iter()
        .filter(|path| !before.contains(path))
        .map(|path| -> Result<u64> { Ok(rempart_sync::Batch::decode(&std::fs::read(path)?)?.ciphertext.len() as u64) })
        .sum::<Result<u64>>()?;
    ensure!(incremental.events == new_events, "backed up {} of {new_events} new events", incremental.events);
    rows.push((
        "the change".into(),
        format!(
            "{new_events} events, {:.2} MB in clear, {:.2} MB encrypted",
            plain as f64 / 1e6,
            ciphertext as f64 / 1e6
        ),
    ));
    rows.push((
        "incremental backup: bytes written / new events' encrypted bytes".into(),
        format!(
            "{:.2} MB / {:.2} MB = **{:.3}×** ({} objects, {:.2} s)",
            incremental.bytes as f64 / 1e6,
            ciphertext as f64 / 1e6,
            incremental.bytes as f64 / ciphertext as f64,
            incremental.objects,
            seconds(took)
        ),
    ));
    if let Some(repo) = &restic {
        let before = directory_bytes(repo)?;
        restic_backup(repo, &root.join("office"))?;
        let grew = directory_bytes(repo)? - before;
        rows.push((
            "restic 0.14 (Debian) on the same data directory and change".into(),
            format!(
                "repository grew by {:.2} MB: {:.1}× the change's encrypted bytes",
                grew as f64 / 1e6,
                grew as f64 / ciphertext as f64
            ),
        ));
    } else {
        rows.push(("restic".into(), "not installed: not measured".into()));
    }

    // The company restored from the folder alone: from its checkpoint and the tail after it, then
    // from the whole log.
    for (label, no_checkpoint, name) in [
        ("restore from the folder: the checkpoint and its tail (kit, roster, keys, checks)", false, "restored"),
        ("restore from the folder: the whole log (kit, roster, keys, every batch checked)", true, "restored-log"),
    ] {
        let started = Instant::now();
        let rempart_backup::Restored { store: restored, session, read, refused } = with_env(|env| {
            rempart_backup::restore(
                &kit,
                std::slice::from_ref(&target),
                (&root.join(name), Some("the company's hub")),
                rempart_backup::RestoreOptions { progress: None, until_ms: None, no_checkpoint },
                env,
            )
        })?;
        ensure!(refused.is_empty(), "a target was passed over: {refused:?}");
        let restore = started.elapsed();
        ensure!(restored.state_hash()? == office.state_hash()?, "the restored copy computes another state");
        ensure!(read[0].checkpoint.is_some() != no_checkpoint, "restored from a checkpoint: {:?}", read[0].checkpoint);
        rows.push((
            label.into(),
            format!(
                "{} events in **{:.1} s** ({} applied after the checkpoint); {}",
                restored.event_count()?,
                seconds(restore),
                read[0].events,
                split(&session)
            ),
        ));
        if !no_checkpoint {
            // `rempart restore` ends with `verify`, which replays the whole log once more.
            let started = Instant::now();
            let verified = restored.verify()?;
            ensure!(verified.is_ok(), "the restored copy does not verify: {:?}", verified.problems);
            rows.push((
                "then `verify`, as `rempart restore` ends with it (every chain, and the whole log replayed)".into(),
                format!("{:.1} s", seconds(started.elapsed())),
            ));
        }
    }

    println!("| measure | result |\n|---|---|");
    for (label, value) in rows {
        println!("| {label} | {value} |");
    }
    println!("\n{}", lang.text("bench.done"));
    if created {
        rempart_hub::objects::release_tree(&root);
        std::fs::remove_dir_all(&root)?;
    }
    Ok(())
}

/// Every batch file of a folder target.
fn batch_files(target: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![target.join("t")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.parent().and_then(|parent| parent.parent()).is_some_and(|b| b.ends_with("b")) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The canonical bytes of this node's last `count` events.
fn new_event_bytes(store: &Store, count: u64) -> Result<u64> {
    let head = store.version_vector()?.seq(store.node());
    let run = store.chain_run(store.node(), rempart_log::EventSeq(head.0 - count), 64 << 20)?;
    Ok(run.events.iter().map(|event| event.encode().len() as u64).sum())
}

/// A restic repository, if restic is installed.
fn restic_repository(root: &Path) -> Result<Option<std::path::PathBuf>> {
    let repo = root.join("restic");
    let made = std::process::Command::new("restic")
        .args(["init", "--repo"])
        .arg(&repo)
        .env("RESTIC_PASSWORD", "bench")
        .output();
    Ok(match made {
        Ok(output) if output.status.success() => Some(repo),
        _ => None,
    })
}

fn restic_backup(repo: &Path, dir: &Path) -> Result<()> {
    let output = std::process::Command::new("restic")
        .args(["backup", "--quiet", "--repo"])
        .arg(repo)
        .arg(dir)
        .env("RESTIC_PASSWORD", "bench")
        .output()?;
    ensure!(output.status.success(), "restic: {}", String::from_utf8_lossy(&output.stderr));
    Ok(())
}

fn directory_bytes(dir: &Path) -> Result<u64> {
    let mut total = 0;
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                pending.push(entry.path());
            } else {
                total += entry.metadata()?.len();
            }
        }
    }
    Ok(total)
}

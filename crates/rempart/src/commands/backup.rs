//! `rempart backup`: the targets this device backs the company up to, a backup to each, what they
//! hold, and their check (a restore from each into a scratch directory). What a backup is and how
//! it is read back is `rempart_backup`'s.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use rempart_backup::Target;
use rempart_node::Session;
use rempart_reports::render::Format;
use rempart_reports::{Cell, Report};
use rempart_store::Store;

use crate::i18n::Lang;
use crate::sync::with_env;

#[derive(Subcommand)]
pub(crate) enum BackupCommand {
    /// Back the company up from now on to a folder (a USB disk, a NAS mount) or an S3 bucket
    /// (s3://BUCKET/PREFIX, endpoint and credentials from the AWS_* variables), from an
    /// administrator's device: every backup writes there what it lacks, never changing what it
    /// holds.
    Add {
        target: String,
        /// Lock each object written to the bucket for this many days (S3 Object Lock; the bucket
        /// must have it enabled).
        #[arg(long)]
        object_lock_days: Option<u32>,
        /// compliance (no one can delete or shorten it) or governance
        #[arg(long, default_value = "compliance", requires = "object_lock_days", value_parser = lock_mode)]
        object_lock_mode: rempart_backup::LockMode,
    },
    /// Stop backing up to a target (from an administrator's device); what it holds stays there.
    Remove {
        /// The target, as backup list shows it
        target: String,
    },
    /// The backup targets of this device.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Back up to every target now: what each lacks of the company, written create-only.
    Run {
        /// Write a checkpoint too (the whole database, encrypted and signed, for a fast
        /// restore), whether one is due or not.
        #[arg(long)]
        checkpoint: bool,
    },
    /// Check every target as a restore would read it: the company restored from it alone into a
    /// scratch directory and verified; a damaged object is named.
    Verify,
    /// Remove from every target the checkpoints older than the newest, once no retention holds
    /// them (from an administrator's device); the log is never pruned. Without --yes, only
    /// shows what would be removed.
    Prune {
        /// How many of the newest checkpoints to keep
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        keep: u32,
        /// Remove them: without it, nothing is removed
        #[arg(long)]
        yes: bool,
    },
}

/// An Object Lock mode as typed.
fn lock_mode(text: &str) -> Result<rempart_backup::LockMode, String> {
    match text {
        "compliance" => Ok(rempart_backup::LockMode::Compliance),
        "governance" => Ok(rempart_backup::LockMode::Governance),
        other => Err(format!("\"{other}\": compliance or governance")),
    }
}

pub(crate) fn backup(dir: &Path, lang: Lang, command: BackupCommand) -> Result<ExitCode> {
    let mut store = Store::open(dir)?;
    let mut session = Session::open(&store)?;
    match command {
        BackupCommand::Add { target, object_lock_days, object_lock_mode } => {
            let mut target = Target::parse(&target)?;
            if let Some(days) = object_lock_days {
                target = target.locked(rempart_hub::s3::ObjectLock { mode: object_lock_mode, days })?;
            }
            rempart_backup::add_target(&store, &session, target.clone())?;
            println!("{}", lang.fill("backup.added", &[("target", &target)]));
        }
        BackupCommand::List { format } => {
            let mut report = Report::new(
                lang.text("backup.targets").to_owned(),
                vec![
                    ("target", lang.text("backup.target").to_owned()),
                    ("object_lock", lang.text("backup.object_lock").to_owned()),
                ],
            );
            for target in rempart_backup::targets(&store)? {
                let lock = match &target {
                    Target::S3 { lock: Some(lock), .. } => Cell::Text(lang.fill(
                        match lock.mode {
                            rempart_backup::LockMode::Compliance => "backup.lock_compliance",
                            rempart_backup::LockMode::Governance => "backup.lock_governance",
                        },
                        &[("days", &lock.days)],
                    )),
                    _ => Cell::Empty,
                };
                report.rows.push(vec![Cell::Text(target.to_string()), lock]);
            }
            let locale = rempart_domain::Locale::of_country(store.company()?.country);
            print!("{}", report.render(format, locale)?);
        }
        BackupCommand::Remove { target } => {
            let target = Target::parse(&target)?;
            rempart_backup::remove_target(&store, &session, &target)?;
            println!("{}", lang.fill("backup.removed", &[("target", &target)]));
        }
        BackupCommand::Run { checkpoint } => {
            let when =
                if checkpoint { rempart_backup::CheckpointWhen::Now } else { rempart_backup::CheckpointWhen::Due };
            let targets = rempart_backup::targets(&store)?;
            if targets.is_empty() {
                return Err(rempart_backup::BackupError::NoTarget.into());
            }
            let locale = rempart_domain::Locale::of_country(store.company()?.country);
            // Every target has its turn: one out of reach keeps none of the others from theirs.
            let mut failed = false;
            for target in &targets {
                match with_env(|env| rempart_backup::run_with(&mut store, &mut session, target, when, env)) {
                    Ok(written) => println!("{}", written_text((lang, locale), &written)),
                    Err(error) => {
                        failed = true;
                        eprintln!("{}", crate::speak::message(&error.into(), lang));
                    }
                }
            }
            return Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS });
        }
        BackupCommand::Verify => {
            let locale = rempart_domain::Locale::of_country(store.company()?.country);
            let count = |events: u64| locale.format_count(events as i64);
            let targets = rempart_backup::targets(&store)?;
            if targets.is_empty() {
                return Err(rempart_backup::BackupError::NoTarget.into());
            }
            let mut sound = true;
            for target in &targets {
                let check = match with_env(|env| rempart_backup::check(&store, &session, target, env)) {
                    Ok(check) => check,
                    Err(error) => {
                        sound = false;
                        eprintln!("{}", crate::speak::message(&error.into(), lang));
                        continue;
                    }
                };
                for damaged in &check.read.damaged {
                    println!("{}", lang.fill("backup.damaged", &[("target", &check.read.target), ("object", damaged)]));
                }
                for (node, expected, held) in &check.missing {
                    println!(
                        "{}",
                        lang.fill(
                            "backup.missing",
                            &[
                                ("target", &check.read.target),
                                ("node", &node.short()),
                                ("expected", &count(*expected)),
                                ("held", &count(*held))
                            ]
                        )
                    );
                }
                let target = &check.read.target;
                match &check.checkpoint {
                    Some(rempart_backup::CheckpointCheck::Agrees { events }) => {
                        println!(
                            "{}",
                            lang.fill("backup.checkpoint_agrees", &[("target", target), ("events", &count(*events))])
                        );
                    }
                    Some(rempart_backup::CheckpointCheck::Differs { events }) => {
                        println!(
                            "{}",
                            lang.fill("backup.checkpoint_differs", &[("target", target), ("events", &count(*events))])
                        );
                    }
                    Some(rempart_backup::CheckpointCheck::Unsound { key }) => {
                        println!("{}", lang.fill("backup.checkpoint_unsound", &[("target", target), ("object", key)]));
                    }
                    None => {}
                }
                sound &= check.sound();
                let key = if check.sound() { "backup.sound" } else { "backup.unsound" };
                println!("{}", lang.fill(key, &[("target", &check.read.target), ("events", &count(check.events))]));
            }
            return Ok(if sound { ExitCode::SUCCESS } else { ExitCode::FAILURE });
        }
        BackupCommand::Prune { keep, yes } => {
            let targets = rempart_backup::targets(&store)?;
            if targets.is_empty() {
                return Err(rempart_backup::BackupError::NoTarget.into());
            }
            let locale = rempart_domain::Locale::of_country(store.company()?.country);
            let mut named = 0usize;
            for target in &targets {
                let pruned = rempart_backup::prune(&store, &session, target, keep, yes)?;
                print!("{}", pruned_text(lang, locale, &pruned));
                named += pruned.removed.len();
            }
            if !yes && named > 0 {
                println!("{}", lang.fill("backup.prune_confirm", &[("count", &named)]));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What pruning a target did, or would do, line by line.
fn pruned_text(lang: Lang, locale: rempart_domain::Locale, pruned: &rempart_backup::Pruned) -> String {
    let target = &pruned.target;
    let mut text = String::new();
    let mut line = |key: &str, args: &[(&str, &dyn std::fmt::Display)]| {
        text.push_str(&lang.fill(key, args));
        text.push('\n');
    };
    for kept in &pruned.kept {
        line("backup.prune_kept", &[("target", target), ("object", kept)]);
    }
    for (held, until) in &pruned.held {
        line("backup.prune_held", &[("target", target), ("object", held), ("until", &locale.format_moment(*until))]);
    }
    let removed = if pruned.confirmed { "backup.prune_removed" } else { "backup.prune_would" };
    for (object, bytes) in &pruned.removed {
        line(removed, &[("target", target), ("object", object), ("bytes", bytes)]);
    }
    if pruned.removed.is_empty() {
        line("backup.prune_none", &[("target", target)]);
    }
    text
}

/// Runs a drill and says how it went; non-zero unless the restored copy is identical.
pub(crate) fn drill(dir: &Path, lang: Lang, kind: rempart_backup::DrillKind) -> Result<ExitCode> {
    let mut store = Store::open(dir)?;
    let mut session = Session::open(&store)?;
    let drill = with_env(|env| match kind {
        rempart_backup::DrillKind::Ransom => rempart_backup::drill_ransom(&mut store, &mut session, env),
        rempart_backup::DrillKind::Hub => rempart_backup::drill_hub(&mut store, &mut session, env),
    })?;
    let locale = rempart_domain::Locale::of_country(store.company()?.country);
    println!("{}", drill_text((lang, locale), &drill, None));
    if drill.not_refilled > 0 {
        println!("{}", lang.fill("drill.not_refilled", &[("events", &drill.not_refilled)]));
    }
    Ok(if drill.identical { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// A drill in words: what it restored from, how long it took, identical or not; how long ago
/// when `now` is given.
pub(crate) fn drill_text(
    (lang, locale): (Lang, rempart_domain::Locale),
    drill: &rempart_backup::Drill,
    now: Option<u64>,
) -> String {
    let outcome = lang.text(if drill.identical { "drill.identical" } else { "drill.different" });
    let seconds = locale.format_seconds(drill.millis);
    let kind = lang.text(match drill.kind {
        rempart_backup::DrillKind::Ransom => "drill.ransom",
        rempart_backup::DrillKind::Hub => "drill.hub",
    });
    match now {
        Some(now) => lang.fill(
            "drill.last",
            &[
                ("kind", &kind),
                ("ago", &crate::sync::duration(lang, now.saturating_sub(drill.at_ms))),
                ("seconds", &seconds),
                ("outcome", &outcome),
            ],
        ),
        None => lang.fill(
            "drill.done",
            &[
                ("kind", &kind),
                // The hub drill restores from a hub of its own making: named in the reader's words.
                (
                    "from",
                    &match drill.kind {
                        rempart_backup::DrillKind::Ransom => drill.from.clone(),
                        rempart_backup::DrillKind::Hub => lang.text("drill.wiped_hub").to_owned(),
                    },
                ),
                ("events", &locale.format_count(drill.events as i64)),
                ("seconds", &seconds),
                ("outcome", &outcome),
            ],
        ),
    }
}

/// What a backup wrote to a target, in words.
pub(crate) fn written_text(
    (lang, locale): (Lang, rempart_domain::Locale),
    written: &rempart_backup::Written,
) -> String {
    let mut text = lang.fill(
        "backup.written",
        &[
            ("target", &written.target),
            ("events", &locale.format_count(written.events as i64)),
            ("objects", &locale.format_count(written.objects as i64)),
            ("bytes", &locale.format_count(written.bytes as i64)),
        ],
    );
    if let Some((events, bytes)) = written.checkpoint {
        text.push(' ');
        text.push_str(&lang.fill(
            "backup.checkpoint_written",
            &[("events", &locale.format_count(events as i64)), ("bytes", &locale.format_count(bytes as i64))],
        ));
    }
    text
}

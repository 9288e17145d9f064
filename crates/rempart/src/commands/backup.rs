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
    /// Back the company up to a folder (a USB disk, a NAS mount) from now on, from an
    /// administrator's device: every backup writes there what it lacks, never changing what it
    /// holds.
    Add { target: String },
    /// The backup targets of this device.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Back up to every target now: what each lacks of the company, written create-only.
    Run,
    /// Check every target as a restore would read it: the company restored from it alone into a
    /// scratch directory and verified; a damaged object is named.
    Verify,
}

pub(crate) fn backup(dir: &Path, lang: Lang, command: BackupCommand) -> Result<ExitCode> {
    let mut store = Store::open(dir)?;
    let mut session = Session::open(&store)?;
    match command {
        BackupCommand::Add { target } => {
            let target = Target::parse(&target)?;
            rempart_backup::add_target(&store, &session, target.clone())?;
            println!("{}", lang.fill("backup.added", &[("target", &target)]));
        }
        BackupCommand::List { format } => {
            let mut report = Report::new(
                lang.text("backup.targets").to_owned(),
                vec![("target", lang.text("backup.target").to_owned())],
            );
            for target in rempart_backup::targets(&store)? {
                report.rows.push(vec![Cell::Text(target.to_string())]);
            }
            let locale = rempart_domain::Locale::of_country(store.company()?.country);
            print!("{}", report.render(format, locale)?);
        }
        BackupCommand::Run => {
            let targets = rempart_backup::targets(&store)?;
            if targets.is_empty() {
                return Err(rempart_backup::BackupError::NoTarget.into());
            }
            for target in &targets {
                let written = with_env(|env| rempart_backup::run(&mut store, &mut session, target, env))?;
                println!(
                    "{}",
                    lang.fill(
                        "backup.written",
                        &[
                            ("target", &written.target),
                            ("events", &written.events),
                            ("objects", &written.objects),
                            ("bytes", &written.bytes)
                        ]
                    )
                );
            }
        }
        BackupCommand::Verify => {
            let targets = rempart_backup::targets(&store)?;
            if targets.is_empty() {
                return Err(rempart_backup::BackupError::NoTarget.into());
            }
            let mut sound = true;
            for target in &targets {
                let check = with_env(|env| rempart_backup::check(&store, &session, target, env))?;
                for damaged in &check.read.damaged {
                    sound = false;
                    println!("{}", lang.fill("backup.damaged", &[("target", &check.read.target), ("object", damaged)]));
                }
                sound &= check.verified;
                let key =
                    if check.verified && check.read.damaged.is_empty() { "backup.sound" } else { "backup.unsound" };
                println!("{}", lang.fill(key, &[("target", &check.read.target), ("events", &check.events)]));
            }
            return Ok(if sound { ExitCode::SUCCESS } else { ExitCode::FAILURE });
        }
    }
    Ok(ExitCode::SUCCESS)
}

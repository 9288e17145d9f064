//! Exports (`export`): the French FEC of a fiscal year, streamed to a temporary file beside
//! its place, made durable, then renamed: written whole or not at all.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::NaiveDate;
use clap::Subcommand;
use rempart_reports::fec::{FecError, fec_file_name, write_fec};
use rempart_store::Store;

use crate::command_error::CommandError;
use crate::i18n::Lang;

#[derive(Subcommand)]
pub(crate) enum ExportCommand {
    /// Write the FEC of a fiscal year (article A47 A-1 of the Livre des procédures fiscales):
    /// SIRENFECYYYYMMDD.txt.
    Fec {
        /// The year the fiscal year closes in.
        #[arg(long)]
        year: i32,
        /// The folder to write it in [default: DATA_DIR/exports]
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// The first and last day of the fiscal year that closes in `year`, for a year starting in
/// month `start_month`.
pub(crate) fn fiscal_year(year: i32, start_month: u32) -> Option<(NaiveDate, NaiveDate)> {
    if start_month == 1 {
        return Some((NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?));
    }
    let first = NaiveDate::from_ymd_opt(year - 1, start_month, 1)?;
    let last = NaiveDate::from_ymd_opt(year, start_month, 1)?.pred_opt()?;
    Some((first, last))
}

/// Runs an `export` command.
pub(crate) fn export(dir: &Path, lang: Lang, command: ExportCommand) -> Result<()> {
    let store = Store::open(dir)?;
    match command {
        ExportCommand::Fec { year, out } => {
            let company = store.company()?;
            if company.country != rempart_domain::Country::Fr {
                return Err(FecError::NotFrench.into());
            }
            let siren = store.company_details()?.get("siren").cloned().ok_or(FecError::NoSiren)?;
            let (from, to) =
                fiscal_year(year, company.fiscal_year_start_month).ok_or(CommandError::NotAYear { year })?;
            let folder = out.unwrap_or_else(|| dir.join("exports"));
            std::fs::create_dir_all(&folder)
                .map_err(|source| CommandError::NotWritten { path: folder.clone(), source })?;
            let path = folder.join(fec_file_name(&siren, to));
            let temporary = folder.join(format!(".{}.part", fec_file_name(&siren, to)));
            let file = std::fs::File::create(&temporary)
                .map_err(|source| CommandError::NotWritten { path: temporary.clone(), source })?;
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
            let written = write_fec(&store, (from, to), &mut writer).and_then(|summary| {
                let file = writer.into_inner().map_err(|error| FecError::Write(error.into_error()))?;
                file.sync_all()?;
                Ok(summary)
            });
            let summary = match written {
                Ok(summary) => summary,
                Err(error) => {
                    let _ = std::fs::remove_file(&temporary);
                    return Err(error.into());
                }
            };
            rempart_store::durable::rename_durably(&temporary, &path)
                .map_err(|source| CommandError::NotWritten { path: path.clone(), source })?;
            let locale = rempart_domain::Locale::French;
            let amount = |minor: i64| locale.format_amount(minor, rempart_domain::Currency::EUR);
            println!(
                "{}",
                lang.fill(
                    "export.fec_written",
                    &[
                        ("path", &path.display()),
                        ("entries", &summary.entries),
                        ("lines", &summary.lines),
                        ("debit", &amount(summary.debit_minor)),
                        ("credit", &amount(summary.credit_minor)),
                    ]
                )
            );
            std::io::stdout().flush()?;
        }
    }
    Ok(())
}

//! The clap arguments of the hub's and the devices' commands (`hub token`, `device ...`); what
//! they do is in `crate::sync`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use crate::i18n::Lang;
use crate::sync;
use rempart_reports::render::Format;

#[derive(Subcommand)]
pub(crate) enum HubAction {
    /// Issue a one-time admission token that lets one new company in (printed on the last line).
    Token {
        /// The hub's object store, as given to `rempart hub --store`.
        #[arg(long)]
        store: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum DeviceCommand {
    /// Publish a one-time invitation for a new device; the code is printed alone on the last line.
    Invite {
        /// admin or member
        #[arg(long, default_value = "member", value_parser = sync::role)]
        role: rempart_sync::Role,
        /// Hours the code stays valid.
        #[arg(long, default_value_t = 24)]
        hours: u64,
        /// The prefix of the device's invoice numbers (2026-B-0001): 1 to 3 capital letters or
        /// digits starting with a letter, another device's never.
        #[arg(long)]
        series: String,
    },
    /// Remove a device: what it wrote so far stays, nothing more is accepted from it, and data
    /// written from now on uses a new key it does not have.
    Revoke {
        id: String,
        /// Where to write the new recovery kit, when the revoked device is an admin.
        #[arg(long)]
        kit_out: Option<PathBuf>,
        /// Keep the devices the revoked one enrolled (they get the new keys): the person's word
        /// that they are trusted.
        #[arg(long)]
        keep_enrolled: bool,
    },
    /// Go on under a new identity: a copy of this device's data (put back from a backup) that
    /// cannot reach the hub to confirm its own head starts a new chain and records at once.
    Rechain,
    /// The devices of the company, from the roster.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// Runs a `device` command with `crate::sync`.
pub(crate) fn device(dir: &Path, lang: Lang, command: DeviceCommand) -> Result<ExitCode> {
    match command {
        DeviceCommand::Invite { role, hours, series } => sync::invite(dir, role, hours, &series, lang),
        DeviceCommand::Revoke { id, kit_out, keep_enrolled } => {
            sync::revoke(dir, &id, kit_out.as_deref(), keep_enrolled, lang)
        }
        DeviceCommand::List { format } => sync::devices(dir, format, lang),
        DeviceCommand::Rechain => sync::rechain(dir, lang),
    }
}

//! The errors of backups in the reader's language.

use crate::Lang;

use super::Speak;

impl Speak for rempart_backup::BackupError {
    fn speak(&self, lang: Lang) -> String {
        use rempart_backup::BackupError;
        match self {
            BackupError::NotATarget { text } => lang.fill("err.backup.not_a_target", &[("text", text)]),
            BackupError::AlreadyAdded { target } => lang.fill("err.backup.already_added", &[("target", target)]),
            BackupError::NotLockable { target } => lang.fill("err.backup.not_lockable", &[("target", target)]),
            BackupError::LockDays { days } => lang.fill("err.backup.lock_days", &[("days", days)]),
            BackupError::NoTarget => lang.text("err.backup.no_target").to_owned(),
            BackupError::NotAdmin => lang.text("err.backup.not_admin").to_owned(),
            BackupError::SettingsUnreadable => lang.text("err.backup.settings_unreadable").to_owned(),
            BackupError::Storage { target, source } => {
                lang.fill("err.backup.storage", &[("target", target), ("source", &source.speak(lang))])
            }
            BackupError::Node(error) => error.speak(lang),
            BackupError::Store(error) => error.speak(lang),
            BackupError::Scratch(error) => lang.fill("err.backup.scratch", &[("source", error)]),
            BackupError::Behind { target } => lang.fill("err.backup.behind", &[("target", target)]),
            BackupError::At { target, source } => {
                lang.fill("err.backup.at", &[("target", target), ("source", &source.speak(lang))])
            }
            BackupError::NotHeld { target } => lang.fill("err.backup.not_held", &[("target", target)]),
            BackupError::NothingBefore => lang.text("err.backup.nothing_before").to_owned(),
            BackupError::CheckpointUnsound { key } => lang.fill("err.backup.checkpoint_unsound", &[("key", key)]),
            BackupError::Checkpoint(error) => error.speak(lang),
            BackupError::ChainsRefused { target, count } => {
                lang.fill("err.backup.chains_refused", &[("target", target), ("count", count)])
            }
            BackupError::CheckpointFile(error) => lang.fill("err.backup.checkpoint_file", &[("source", error)]),
            BackupError::KeepNone => lang.text("err.backup.keep_none").to_owned(),
            BackupError::NodeCopy { dir, source } => {
                lang.fill("err.backup.node_copy", &[("dir", dir), ("source", source)])
            }
            BackupError::OtherCompany { dir } => lang.fill("err.backup.other_company", &[("dir", dir)]),
            BackupError::RosterWithheld { target, why } => {
                lang.fill("err.backup.roster_withheld", &[("target", target), ("why", &why.speak(lang))])
            }
        }
    }
}

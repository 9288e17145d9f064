//! `rempart verify`: the findings of the store's verification, told in the reader's language.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use rempart_domain::Locale;
use rempart_store::{Difference, EventName, Problem, Store, VerifyReport};

use crate::i18n::Lang;
use crate::speak::Speak;
use rempart_domain::closures::TillArchive;

pub fn run(dir: &Path, lang: Lang) -> Result<ExitCode> {
    let store = Store::open_for_repair(dir)?;
    let report = store.verify()?;
    // The company may be what is damaged: dates are then written as ISO dates.
    let locale = store.recorded_country().map(Locale::of_country);
    Ok(print(&report, lang, locale))
}

/// Checks a till's archive alone (`rempart verify --archive FILE`): its closures against the
/// till's key it carries, and the tickets they cover.
/// Where a company is held in `dir`, the till's key is also compared with the one its device
/// announced there, which an archive re-signed whole with another key cannot match.
pub fn run_archive(path: &Path, dir: &Path, lang: Lang) -> Result<ExitCode> {
    let bytes = std::fs::read(path).map_err(|source| crate::CommandError::NotRead { path: path.to_owned(), source })?;
    let archive = TillArchive::read(&bytes)?;
    let mut faults: Vec<String> = archive.check()?.iter().map(|fault| fault.speak(lang)).collect();
    match Store::open(dir) {
        Ok(store) => {
            // The key is read from the log, which must hold first: a log edited to announce
            // the forger's key would vouch for the forger's archive.
            let report = store.verify()?;
            if !report.is_ok() {
                faults.push(lang.fill("verify.archive.log_failed", &[("count", &report.problems.len())]));
            }
            let known = store.device_key(&archive.node).ok().map(|key| key.to_bytes());
            if known.map(|key| key.iter().map(|byte| format!("{byte:02x}")).collect::<String>()).as_deref()
                != Some(archive.public_key.as_str())
            {
                faults.push(lang.fill("verify.archive.other_key", &[("till", &archive.till)]));
            }
        }
        Err(rempart_store::StoreError::NotInitialised { .. }) => {}
        Err(error) => return Err(error.into()),
    }
    if faults.is_empty() {
        println!(
            "{}",
            lang.fill(
                "verify.archive.ok",
                &[
                    ("till", &archive.till),
                    ("period", &archive.period),
                    ("closures", &archive.closures.len()),
                    ("tickets", &archive.tickets.len()),
                    ("key", &archive.public_key),
                ]
            )
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", lang.fill("verify.archive.failed", &[("count", &faults.len())]));
    for fault in &faults {
        println!("- {fault}");
    }
    Ok(ExitCode::FAILURE)
}

/// Prints a verification result in plain words; the exit code says whether all is sound.
pub fn print(report: &VerifyReport, lang: Lang, locale: Option<Locale>) -> ExitCode {
    match report.state_hash {
        Some(hash) if report.is_ok() => {
            println!(
                "{}",
                lang.fill(
                    "verify.ok",
                    &[("events", &report.events), ("nodes", &report.nodes), ("seals", &report.seals), ("hash", &hash)]
                )
            );
            ExitCode::SUCCESS
        }
        _ => {
            println!("{}", lang.fill("verify.failed", &[("count", &report.problems.len())]));
            for problem in &report.problems {
                println!("- {}", problem_text(lang, locale, problem));
            }
            ExitCode::FAILURE
        }
    }
}

fn event_text(lang: Lang, locale: Option<Locale>, event: &EventName) -> String {
    let what = match (&event.fact, &event.kind) {
        (Some(described), _) => rempart_i18n::described(lang, locale, described),
        (None, Some(kind)) => lang.fill("verify.event_kind", &[("seq", &event.seq), ("kind", kind)]),
        // Nothing is known of it (a deleted event): its place alone, said once.
        (None, None) => return lang.fill("verify.event_bare", &[("seq", &event.seq), ("node", &event.node.short())]),
    };
    lang.fill("verify.event", &[("what", &what), ("seq", &event.seq), ("node", &event.node.short())])
}

/// One finding of verify in the reader's language.
pub fn problem_text(lang: Lang, locale: Option<Locale>, problem: &Problem) -> String {
    let event = |event: &EventName| event_text(lang, locale, event);
    match problem {
        Problem::FileDamaged { report } => lang.fill("verify.file_damaged", &[("report", report)]),
        Problem::LogUnreadable { detail } => lang.fill("verify.log_unreadable", &[("detail", detail)]),
        Problem::OwnEventsGone { node } => lang.fill("verify.own_events_gone", &[("node", &node.short())]),
        Problem::NodeIdMalformed => lang.text("verify.node_id_malformed").to_owned(),
        Problem::OwnKeyReplaced { node } => lang.fill("verify.own_key_replaced", &[("node", &node.short())]),
        Problem::NodeKeyUnreadable { node } => lang.fill("verify.node_key_unreadable", &[("node", &node.short())]),
        Problem::AnchorDamaged { path, detail } => {
            lang.fill("verify.anchor_damaged", &[("path", path), ("detail", detail)])
        }
        Problem::AnchorMissing { path } => lang.fill("verify.anchor_missing", &[("path", path)]),
        Problem::Altered { event: altered } => lang.fill("verify.altered", &[("event", &event(altered))]),
        Problem::BrokenBetween { node, before, after } => lang.fill(
            "verify.broken_between",
            &[("node", &node.short()), ("before", &event(before)), ("after", &event(after))],
        ),
        Problem::Deleted { event: deleted } => lang.fill("verify.deleted", &[("event", &event(deleted))]),
        Problem::DeletedRange { node, from, to, first } => lang.fill(
            "verify.deleted_range",
            &[("node", &node.short()), ("from", from), ("to", to), ("first", &event(first))],
        ),
        Problem::Truncated { node, last, anchored } => lang.fill(
            "verify.truncated",
            &[
                ("node", &node.short()),
                ("last", last),
                ("anchored", anchored),
                ("count", &anchored.0.saturating_sub(last.0)),
            ],
        ),
        Problem::SealBeyondEnd { node, seq, last } => lang.fill(
            "verify.seal_beyond_end",
            &[("node", &node.short()), ("seq", seq), ("last", last), ("count", &seq.0.saturating_sub(last.0))],
        ),
        Problem::AddedWithoutKey { event: added } => lang.fill("verify.added_without_key", &[("event", &event(added))]),
        Problem::SealedWithAnotherKey { node, seq } => {
            lang.fill("verify.sealed_with_another_key", &[("node", &node.short()), ("seq", seq)])
        }
        Problem::Rewritten { event: rewritten } => lang.fill("verify.rewritten", &[("event", &event(rewritten))]),
        Problem::AnchorReplaced { node } => lang.fill("verify.anchor_replaced", &[("node", &node.short())]),
        Problem::WrongTenant { node, seq } => {
            lang.fill("verify.wrong_tenant", &[("node", &node.short()), ("seq", seq)])
        }
        Problem::WrongNode { node, seq } => lang.fill("verify.wrong_node", &[("node", &node.short()), ("seq", seq)]),
        Problem::UnsupportedVersion { node, seq, version } => {
            lang.fill("verify.unsupported_version", &[("node", &node.short()), ("seq", seq), ("version", version)])
        }
        Problem::ClockWentBack { node, seq } => {
            lang.fill("verify.clock_went_back", &[("node", &node.short()), ("seq", seq)])
        }
        Problem::EventUnreadable { node, seq, detail } => {
            lang.fill("verify.event_unreadable", &[("node", &node.short()), ("seq", seq), ("detail", detail)])
        }
        Problem::ChainUnreadable { node, detail } => {
            lang.fill("verify.chain_unreadable", &[("node", &node.short()), ("detail", detail)])
        }
        Problem::Forked { node, seq, source } => {
            lang.fill("verify.forked", &[("node", &node.short()), ("seq", seq), ("source", source)])
        }
        Problem::NotCompared => lang.text("verify.not_compared").to_owned(),
        Problem::ReplayFailed { detail } => lang.fill("verify.replay_failed", &[("detail", detail)]),
        Problem::TableUnreadable { table, detail } => {
            lang.fill("verify.table_unreadable", &[("table", table), ("detail", detail)])
        }
        Problem::Closure { till, fault } => {
            lang.fill("verify.closure.of_till", &[("till", till), ("fault", &fault.speak(lang))])
        }
        Problem::Archive { kind, number, fault } => {
            let document = lang.fill("verify.archive.document", &[("kind", &kind.as_str()), ("number", number)]);
            match fault {
                rempart_store::documents::ArchiveFault::Altered { recorded, found } => lang.fill(
                    "verify.archive.altered",
                    &[("document", &document), ("recorded", &&recorded[..16]), ("found", &&found[..16])],
                ),
                rempart_store::documents::ArchiveFault::Missing => {
                    lang.fill("verify.archive.missing", &[("document", &document)])
                }
            }
        }
        Problem::TableDiffers { table, difference } => match difference {
            Difference::Whole => lang.fill("verify.table_differs", &[("table", table)]),
            Difference::ExtraRow { key } => lang.fill("verify.extra_row", &[("table", table), ("key", key)]),
            Difference::MissingRow { key } => lang.fill("verify.missing_row", &[("table", table), ("key", key)]),
            Difference::Edited { key, column, held, logged } => lang.fill(
                "verify.row_edited",
                &[("table", table), ("key", key), ("column", column), ("held", held), ("logged", logged)],
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of fact is named in business words in every language: its message is in the
    /// catalogue (a new kind fails here until it is).
    #[test]
    fn every_kind_of_fact_has_its_words_in_every_language() {
        for kind in rempart_domain::Fact::KINDS {
            let key = format!("fact.{}", kind.replace('.', "_"));
            for lang in [Lang::En, Lang::Fr, Lang::De] {
                assert!(lang.has(&key), "{key} is missing in {lang:?}");
            }
        }
    }
}

//! The errors of the command line's own refusals and the import reader in the reader's language;
//! the libraries' errors are told by `rempart_i18n::speak`.

use rempart_i18n::Lang;
pub use rempart_i18n::Speak;

/// What the program says of a failed command, in `lang`: the command line's own errors, then the
/// libraries'.
pub fn message(error: &anyhow::Error, lang: Lang) -> String {
    rempart_i18n::message_with(error.as_ref(), lang, &|cause| {
        if let Some(error) = cause.downcast_ref::<crate::command_error::CommandError>() {
            return Some(error.speak(lang));
        }
        if let Some(error) = cause.downcast_ref::<crate::chain::ChainError>() {
            return Some(error.speak(lang));
        }
        if let Some(error) = cause.downcast_ref::<rempart_web::documents::DocumentError>() {
            return Some(error.speak(lang));
        }
        if let Some(error) = cause.downcast_ref::<rempart_reports::fec::FecError>() {
            return Some(error.speak(lang));
        }
        if let Some(error) = cause.downcast_ref::<rempart_web::WebError>() {
            return Some(error.speak(lang));
        }
        cause.downcast_ref::<crate::import::ImportError>().map(|error| error.speak(lang))
    })
}

impl Speak for crate::command_error::CommandError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            crate::command_error::CommandError::PeriodNeeded => lang.text("err.command.period_needed").to_owned(),
            crate::command_error::CommandError::SalesBy { by } => lang.fill("err.command.sales_by", &[("by", by)]),
            crate::command_error::CommandError::QuoteStatus { text } => {
                lang.fill("err.command.quote_status", &[("text", text)])
            }
            crate::command_error::CommandError::DemoCountry { text } => {
                lang.fill("err.command.demo_country", &[("text", text)])
            }
            crate::command_error::CommandError::NotAMoment { text } => {
                lang.fill("err.command.not_a_moment", &[("text", text)])
            }
            crate::command_error::CommandError::NotAYear { year } => {
                lang.fill("err.command.not_a_year", &[("year", year)])
            }
            crate::command_error::CommandError::CreditLine { text } => {
                lang.fill("err.command.credit_line", &[("text", text)])
            }
            crate::command_error::CommandError::ServiceLevel { text } => {
                lang.fill("err.command.service_level", &[("text", text)])
            }
            crate::command_error::CommandError::ReplenishPolicy => lang.text("err.command.replenish_policy").to_owned(),
            crate::command_error::CommandError::NothingToChange => {
                lang.text("err.command.nothing_to_change").to_owned()
            }
            crate::command_error::CommandError::DemoDirTaken { dir } => {
                lang.fill("err.command.demo_dir_taken", &[("dir", &dir.display())])
            }
            crate::command_error::CommandError::NotWritten { path, source } => {
                lang.fill("err.command.not_written", &[("path", &path.display()), ("source", source)])
            }
            crate::command_error::CommandError::NotRead { path, source } => {
                lang.fill("err.command.not_read", &[("path", &path.display()), ("source", source)])
            }
        }
    }
}

impl Speak for crate::chain::ChainError {
    fn speak(&self, lang: Lang) -> String {
        use crate::chain::ChainError;
        match self {
            ChainError::NotAChain { dir, source } => {
                lang.fill("err.chain.not_a_chain", &[("dir", &dir.display()), ("source", source)])
            }
            ChainError::Manifest { path } => lang.fill("err.chain.manifest", &[("path", &path.display())]),
            ChainError::ManifestFormat { path, found, expected } => lang.fill(
                "err.chain.manifest_format",
                &[("path", &path.display()), ("found", found), ("expected", expected)],
            ),
            ChainError::HubStart { source } => lang.fill("err.chain.hub_start", &[("source", source)]),
            ChainError::HubSilent => lang.text("err.chain.hub_silent").to_owned(),
            ChainError::SyncNotClean { refused, rejected, forks } => {
                lang.fill("err.chain.sync_not_clean", &[("refused", refused), ("rejected", rejected), ("forks", forks)])
            }
            ChainError::OtherState { node } => lang.fill("err.chain.other_state", &[("node", node)]),
            ChainError::WorkTaken { dir } => lang.fill("err.chain.work_taken", &[("dir", &dir.display())]),
            ChainError::RestoreFailed { said } => lang.fill("err.chain.restore_failed", &[("said", said)]),
            ChainError::Spawn { source } => lang.fill("err.chain.spawn", &[("source", source)]),
            ChainError::Symlink { path } => lang.fill("err.chain.symlink", &[("path", &path.display())]),
            ChainError::HubStorage { dir, source } => {
                lang.fill("err.chain.hub_storage", &[("dir", &dir.display()), ("source", &source.speak(lang))])
            }
            ChainError::HubHeads { dir, status } => {
                lang.fill("err.chain.hub_heads", &[("dir", &dir.display()), ("status", status)])
            }
        }
    }
}

impl Speak for crate::import::ImportError {
    fn speak(&self, lang: Lang) -> String {
        match self {
            crate::import::ImportError::UnknownType { path, extension } => {
                lang.fill("err.import.unknown_type", &[("path", &path.display()), ("extension", extension)])
            }
            crate::import::ImportError::Unreadable { path, source } => {
                lang.fill("err.import.unreadable", &[("path", &path.display()), ("source", source)])
            }
            crate::import::ImportError::Header { path, source } => {
                lang.fill("err.import.header", &[("path", &path.display()), ("source", source)])
            }
            crate::import::ImportError::MissingColumn { path, column, expected } => lang.fill(
                "err.import.missing_column",
                &[("path", &path.display()), ("column", column), ("expected", expected)],
            ),
            crate::import::ImportError::Line { path, line, problem } => lang.fill(
                "err.import.line",
                &[("path", &path.display()), ("line", line), ("problem", &problem.speak(lang))],
            ),
            crate::import::ImportError::Refused { path, line, id, source } => lang.fill(
                "err.import.refused",
                &[("path", &path.display()), ("line", line), ("id", id), ("source", &source.speak(lang))],
            ),
            crate::import::ImportError::NotImported { path, source } => {
                lang.fill("err.import.not_imported", &[("path", &path.display()), ("source", &source.speak(lang))])
            }
            crate::import::ImportError::PostForm { text } => lang.fill("err.import.post_form", &[("text", text)]),
            crate::import::ImportError::PostAmount { text, source } => {
                lang.fill("err.import.post_amount", &[("text", text), ("source", &source.speak(lang))])
            }
        }
    }
}

impl Speak for crate::import::LineProblem {
    fn speak(&self, lang: Lang) -> String {
        match self {
            crate::import::LineProblem::Csv(value0) => lang.fill("err.line_problem.csv", &[("value", value0)]),
            crate::import::LineProblem::EmptyId => lang.text("err.line_problem.empty_id").to_owned(),
            crate::import::LineProblem::Date(value0) => value0.speak(lang),
            crate::import::LineProblem::IsoDate(value0) => value0.speak(lang),
            crate::import::LineProblem::Amount(value0) => value0.speak(lang),
            crate::import::LineProblem::DatesDiffer { id, first, second } => {
                lang.fill("err.line_problem.dates_differ", &[("id", id), ("first", first), ("second", second)])
            }
            crate::import::LineProblem::Json(value0) => lang.fill("err.line_problem.json", &[("value", value0)]),
        }
    }
}

//! The command line's own refusals, before any crate is asked: arguments that do not go together
//! or say nothing to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("give --period (2026-Q3, 2026-S1, 2026-03, 2026) or both --from and --to")]
    PeriodNeeded,
    #[error("\"{text}\" is not a status of quotes: write draft, sent, accepted, refused or expired")]
    QuoteStatus { text: String },
    #[error("\"{text}\" is not a demo: write CH or FR")]
    DemoCountry { text: String },
    #[error("{year} is not a year the books can hold")]
    NotAYear { year: i32 },
    #[error("\"{text}\" is not a moment: write it as 2026-06-02T10:30:00+02:00 (or Z for UTC)")]
    NotAMoment { text: String },
    #[error("--line {text}: write the line number, like --line 2 or --line 2=0.5")]
    CreditLine { text: String },
    #[error("\"{by}\" is not a way to group sales: store, day, item, rate or method")]
    SalesBy { by: String },
    #[error("\"{text}\" is not a service level: a number of standard deviations such as 1.645")]
    ServiceLevel { text: String },
    #[error("the replenishment settings are out of bounds: days from 1 to 3650, packs from 1 to 1000000")]
    ReplenishPolicy,
    #[error("nothing to change: give --label, --close or --reopen")]
    NothingToChange,
    #[error("{dir} already holds a company: choose another --data-dir for the demo")]
    DemoDirTaken { dir: PathBuf },
    #[error("{path} cannot be written: {source}")]
    NotWritten { path: PathBuf, source: std::io::Error },
    #[error("{path} cannot be read: {source}")]
    NotRead { path: PathBuf, source: std::io::Error },
}

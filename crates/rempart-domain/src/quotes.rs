//! Quotes (devis, Offerte): drafted like invoices, for a customer, with lines checked and summed
//! as an invoice's (`invoices::totals`); numbered in the sending node's own series when sent,
//! valid until a date; then accepted, which makes an invoice draft with the same lines (the
//! quote records which), or refused. A quote sent and not answered by its validity date has
//! expired: no fact says so, the date does.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::facts::{Described, FactKind, Merge};
use crate::invoices::InvoiceLine;
use crate::money::Currency;

/// How long a quote stays valid when its validity is not given: thirty days from its date.
pub const VALIDITY_DAYS_DEFAULT: u64 = 30;
/// The longest validity a quote may be given: a year and a day past its date.
pub const VALIDITY_DAYS_MAX: i64 = 366;

/// A draft quote: editable until it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteDrafted {
    pub id: String,
    pub contact: String,
    pub date: NaiveDate,
    pub currency: Currency,
    pub cash_rounding: bool,
    /// The last day the quote may be accepted.
    pub valid_until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLineAdded {
    pub id: String,
    pub line: InvoiceLine,
}

/// A line of a draft quote replaced: `line` is its number in the draft (a removed line leaves a
/// gap, as on an invoice draft).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLineChanged {
    pub id: String,
    pub line: u32,
    pub new: InvoiceLine,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLineRemoved {
    pub id: String,
    pub line: u32,
}

/// A draft quote thrown away; a quote sent is never discarded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteDiscarded {
    pub id: String,
}

/// Sending numbers the quote in the node's own quote series (`OF-2026-0001`) and freezes its
/// lines and validity: from then on it never changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteSent {
    pub id: String,
    pub series: String,
    pub sequence: u64,
    pub number: String,
    pub valid_until: NaiveDate,
    pub gross_minor: i64,
    pub lines: Vec<InvoiceLine>,
    /// The BLAKE3 hash of what it printed (`documents::archive_hash`), archived in the same
    /// commit (`document.archived`); none before archives existed, and for what was imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<String>,
}

/// The customer's answer to a sent quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Accepted,
    Refused,
}

/// A sent quote answered on `date`: accepted, with the invoice draft it became (`invoice`, made
/// in the same commit), or refused. The first answer in the merge order stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteAnswered {
    pub id: String,
    pub date: NaiveDate,
    pub answer: Answer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<String>,
}

/// Where a quote stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuoteStatus {
    Draft,
    Sent,
    Accepted,
    Refused,
    /// Sent, not answered, and past its validity date.
    Expired,
}

impl QuoteStatus {
    pub const ALL: [QuoteStatus; 5] =
        [QuoteStatus::Draft, QuoteStatus::Sent, QuoteStatus::Accepted, QuoteStatus::Refused, QuoteStatus::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            QuoteStatus::Draft => "draft",
            QuoteStatus::Sent => "sent",
            QuoteStatus::Accepted => "accepted",
            QuoteStatus::Refused => "refused",
            QuoteStatus::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<QuoteStatus> {
        QuoteStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// The status of a quote sent or not, answered or not, on `today`.
    pub fn of(sent: bool, answer: Option<Answer>, valid_until: NaiveDate, today: NaiveDate) -> QuoteStatus {
        match (sent, answer) {
            (false, _) => QuoteStatus::Draft,
            (true, Some(Answer::Accepted)) => QuoteStatus::Accepted,
            (true, Some(Answer::Refused)) => QuoteStatus::Refused,
            (true, None) if valid_until < today => QuoteStatus::Expired,
            (true, None) => QuoteStatus::Sent,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("quote {id} does not exist")]
    UnknownQuote { id: String },
    #[error("draft quote {id} was discarded")]
    Discarded { id: String },
    #[error("quote {id} was sent as {number} and can no longer change")]
    AlreadySent { id: String, number: String },
    #[error("quote {id} is a draft: send it before it is accepted or refused")]
    NotSent { id: String },
    #[error("quote {number} was already {answer:?}")]
    AlreadyAnswered { number: String, answer: Answer },
    #[error("quote {number} expired on {valid_until}: draft a new one")]
    Expired { number: String, valid_until: NaiveDate },
    #[error("a quote is valid from its date ({date}) for at most a year, not until {valid_until}")]
    Validity { date: NaiveDate, valid_until: NaiveDate },
    #[error("quote {number} is answered on {date}, before its own date {quote_date}")]
    AnsweredBeforeDate { number: String, date: NaiveDate, quote_date: NaiveDate },
}

/// Checks a validity date against the quote's date: not before it, at most a year after.
pub fn check_validity(date: NaiveDate, valid_until: NaiveDate) -> Result<(), QuoteError> {
    let days = (valid_until - date).num_days();
    if (0..=VALIDITY_DAYS_MAX).contains(&days) { Ok(()) } else { Err(QuoteError::Validity { date, valid_until }) }
}

/// Checks an answer on `date` to a quote: sent, not answered yet, answered on or after its date,
/// and, for an acceptance, within its validity (a refusal may come any time).
pub fn check_answer(
    quote: (&str, Option<&str>, NaiveDate, NaiveDate),
    answered: Option<Answer>,
    answer: Answer,
    date: NaiveDate,
) -> Result<(), QuoteError> {
    let (id, number, quote_date, valid_until) = quote;
    let Some(number) = number else {
        return Err(QuoteError::NotSent { id: id.to_owned() });
    };
    if let Some(answer) = answered {
        return Err(QuoteError::AlreadyAnswered { number: number.to_owned(), answer });
    }
    if date < quote_date {
        return Err(QuoteError::AnsweredBeforeDate { number: number.to_owned(), date, quote_date });
    }
    if answer == Answer::Accepted && date > valid_until {
        return Err(QuoteError::Expired { number: number.to_owned(), valid_until });
    }
    Ok(())
}

impl FactKind for QuoteDrafted {
    const KIND: &'static str = "quote.drafted";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.quote_drafted").text("id", &self.id).date("date", self.date)
    }
}

impl FactKind for QuoteLineAdded {
    const KIND: &'static str = "quote.line_added";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.quote_line_added").text("id", &self.id)
    }
}

impl FactKind for QuoteLineChanged {
    const KIND: &'static str = "quote.line_changed";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.quote_line_changed").text("id", &self.id).number("line", u64::from(self.line))
    }
}

impl FactKind for QuoteLineRemoved {
    const KIND: &'static str = "quote.line_removed";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.quote_line_removed").text("id", &self.id).number("line", u64::from(self.line))
    }
}

impl FactKind for QuoteDiscarded {
    const KIND: &'static str = "quote.discarded";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.quote_discarded").text("id", &self.id)
    }
}

impl FactKind for QuoteSent {
    const KIND: &'static str = "quote.sent";
    const VERSION: u32 = 2;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.quote_sent").text("number", &self.number).date("valid_until", self.valid_until)
    }
}

impl FactKind for QuoteAnswered {
    const KIND: &'static str = "quote.answered";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        let answer = match self.answer {
            Answer::Accepted => "accepted",
            Answer::Refused => "refused",
        };
        Described::new("fact.quote_answered").text("id", &self.id).text("answer", answer).date("date", self.date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_date;

    #[test]
    fn status_follows_sending_answer_and_validity() {
        let until = parse_date("2026-04-30").unwrap();
        let before = parse_date("2026-04-30").unwrap();
        let after = parse_date("2026-05-01").unwrap();
        assert_eq!(QuoteStatus::of(false, None, until, after), QuoteStatus::Draft);
        assert_eq!(QuoteStatus::of(true, None, until, before), QuoteStatus::Sent);
        assert_eq!(QuoteStatus::of(true, None, until, after), QuoteStatus::Expired);
        assert_eq!(QuoteStatus::of(true, Some(Answer::Accepted), until, after), QuoteStatus::Accepted);
        assert_eq!(QuoteStatus::of(true, Some(Answer::Refused), until, before), QuoteStatus::Refused);
        for status in QuoteStatus::ALL {
            assert_eq!(QuoteStatus::parse(status.as_str()), Some(status));
        }
    }

    #[test]
    fn answers_are_checked() {
        let date = parse_date("2026-04-01").unwrap();
        let until = parse_date("2026-04-30").unwrap();
        let quote = ("Q-1", Some("OF-2026-0001"), date, until);
        assert_eq!(check_answer(quote, None, Answer::Accepted, until), Ok(()));
        assert_eq!(
            check_answer(quote, None, Answer::Accepted, parse_date("2026-05-01").unwrap()),
            Err(QuoteError::Expired { number: "OF-2026-0001".into(), valid_until: until })
        );
        assert_eq!(check_answer(quote, None, Answer::Refused, parse_date("2026-06-01").unwrap()), Ok(()));
        assert!(matches!(
            check_answer(quote, None, Answer::Refused, parse_date("2026-03-31").unwrap()),
            Err(QuoteError::AnsweredBeforeDate { .. })
        ));
        assert_eq!(
            check_answer(quote, Some(Answer::Refused), Answer::Accepted, date),
            Err(QuoteError::AlreadyAnswered { number: "OF-2026-0001".into(), answer: Answer::Refused })
        );
        assert_eq!(
            check_answer(("Q-1", None, date, until), None, Answer::Accepted, date),
            Err(QuoteError::NotSent { id: "Q-1".into() })
        );
        assert_eq!(check_validity(date, date), Ok(()));
        assert_eq!(check_validity(date, date + chrono::Days::new(366)), Ok(()));
        assert!(check_validity(date, date + chrono::Days::new(367)).is_err());
        assert!(check_validity(date, parse_date("2026-03-31").unwrap()).is_err());
    }
}

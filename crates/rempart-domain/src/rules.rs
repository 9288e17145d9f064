//! The rules a fact must satisfy before it may be recorded, checked against the state of the books
//! that matters for them (`LedgerState`): accounts, VAT codes, the closed span and the journals'
//! last numbers. The store keeps a `LedgerState` next to its projections and asks it first; a
//! refusal changes nothing.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};

use crate::chart::{AccountKind, VatCode};
use crate::contacts::ContactFieldDefined;
use crate::facts::{AccountEdited, AccountOpened, CompanyCreated, EntryPosted, Fact, Posting};
use crate::money::{self, AmountError, Currency};

/// Longest accepted entry id, journal code, account number and text, in bytes.
pub const ENTRY_ID_BYTES_MAX: usize = 64;
pub const JOURNAL_BYTES_MAX: usize = 8;
pub const ACCOUNT_NUMBER_BYTES_MAX: usize = 12;
pub const TEXT_BYTES_MAX: usize = 500;
/// Most postings in one entry.
pub const ENTRY_POSTINGS_MAX: usize = 1000;
/// Journal used when none is given: "OD" (opérations diverses), the general journal.
pub const DEFAULT_JOURNAL: &str = "OD";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub number: String,
    pub label: String,
    pub kind: AccountKind,
    pub currency: Currency,
    pub closed: bool,
}

/// A posting as given by a person or a file, before its amount is read in its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingDraft {
    pub account: String,
    pub amount: String,
    /// `None` means the account's currency.
    pub currency: Option<Currency>,
    pub vat_code: Option<String>,
}

/// The prefixes of the ids this program gives the entries of invoices (`INV-2026-0001`), credit
/// notes (`CRN-AV-2026-0001`), tills' daily closures (`Z-GE1-1-3fa2c1d0-000001`) and loyalty
/// vouchers (`LV-<number>-3fa2c1d0`): ids made from a number anyone can foresee, so no entry
/// recorded otherwise may take one (an entry id counts once, the first in merge order).
pub const ENTRY_IDS_OF_DOCUMENTS: [&str; 4] = ["INV-", "CRN-", "Z-", "LV-"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryDraft {
    pub id: String,
    pub date: NaiveDate,
    pub journal: Option<String>,
    pub text: String,
    pub postings: Vec<PostingDraft>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("the company is not set up: run `rempart init` first")]
    NoCompany,
    #[error("the company is already set up")]
    CompanyExists,
    #[error("\"{text}\" is not a date: write it as YYYY-MM-DD, for example 2026-03-31")]
    BadDate { text: String },
    #[error("account {account} does not exist")]
    UnknownAccount { account: String },
    #[error("account {account} is closed")]
    AccountClosed { account: String },
    #[error("account {number} already exists")]
    AccountExists { number: String },
    #[error("\"{number}\" is not an account number: use 1 to 12 digits")]
    BadAccountNumber { number: String },
    #[error("account {account} is kept in {account_currency}, not {posting_currency}")]
    CurrencyMismatch { account: String, account_currency: Currency, posting_currency: Currency },
    #[error("posting {line} (account {account}): {source}")]
    Amount { line: usize, account: String, source: AmountError },
    #[error("posting {line} (account {account}) is zero")]
    ZeroAmount { line: usize, account: String },
    #[error("an entry needs at least two postings")]
    TooFewPostings,
    #[error("an entry has at most {ENTRY_POSTINGS_MAX} postings")]
    TooManyPostings,
    #[error("the entry does not balance in {currency}: debits exceed credits by {difference}")]
    Unbalanced { currency: Currency, difference: String },
    #[error("the amounts are too large to add up")]
    Overflow,
    #[error("VAT code {code} does not exist")]
    UnknownVatCode { code: String },
    #[error("VAT code {code} is not in force on {date}")]
    VatCodeNotInForce { code: String, date: NaiveDate },
    #[error("{date} is in a closed period (closed until {closed_until}): correct it with an entry in an open period")]
    PeriodClosed { date: NaiveDate, closed_until: NaiveDate },
    #[error("the books are already closed until {closed_until}: a period cannot be reopened")]
    PeriodAlreadyClosed { closed_until: NaiveDate },
    #[error("{date} is not the last day of a month: periods close at a month's end")]
    NotMonthEnd { date: NaiveDate },
    #[error("the entry text is empty")]
    EmptyText,
    #[error("text is longer than {TEXT_BYTES_MAX} bytes")]
    TextTooLong,
    #[error("\"{journal}\" is not a journal code: use 1 to 8 capital letters or digits")]
    BadJournal { journal: String },
    #[error("\"{id}\" is not an entry id: use 1 to 64 visible characters without spaces")]
    BadEntryId { id: String },
    #[error("entry {id} already exists with different content")]
    EntryIdConflict { id: String },
    /// An id of the form this program gives the entry of an invoice or credit note
    /// (`ENTRY_IDS_OF_DOCUMENTS`), which only their issue may take.
    #[error("\"{id}\" is the id of an invoice's or credit note's entry: choose another")]
    ReservedEntryId { id: String },
    #[error("entry {id} does not exist")]
    UnknownEntry { id: String },
    #[error("entry {id} was already reversed by entry {by}")]
    AlreadyReversed { id: String, by: String },
    #[error(
        "entry {id} is a document's (an invoice, a credit note, a payment, a closure, a voucher): it is corrected by the document's own means, such as a credit note, not reversed"
    )]
    DocumentEntry { id: String },
    #[error("fiscal year start month must be 1 to 12, not {month}")]
    BadFiscalYearStart { month: u32 },
    #[error("the company name is empty")]
    EmptyCompanyName,
}

/// Strict ISO date parsing: `YYYY-MM-DD` and only that, the year from 1000 to 9999 (a series of
/// invoice numbers is named by it), so 2026-02-30, 03/01/2026 or 0226-03-10 are refused.
pub fn parse_date(text: &str) -> Result<NaiveDate, LedgerError> {
    let bad = || LedgerError::BadDate { text: text.to_owned() };
    if text.len() != 10 || !text.starts_with(|first: char| ('1'..='9').contains(&first)) {
        return Err(bad());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())
}

pub fn is_month_end(date: NaiveDate) -> bool {
    date.succ_opt().is_none_or(|next| next.month() != date.month())
}

/// First day of the fiscal year that contains `date`.
pub fn fiscal_year_start(date: NaiveDate, start_month: u32) -> NaiveDate {
    let year = if date.month() >= start_month { date.year() } else { date.year() - 1 };
    NaiveDate::from_ymd_opt(year, start_month, 1).unwrap_or(date)
}

/// The accounts and amount of a two-posting entry: `debit` receives, `credit` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer<'a> {
    pub debit: &'a str,
    pub credit: &'a str,
    pub amount_minor: i64,
    pub currency: Currency,
}

/// How a journal series is named where one name is needed (the last numbers, the conflicts):
/// the journal code, then the series if there is one.
pub fn journal_key(journal: &str, series: Option<&str>) -> String {
    match series {
        Some(series) => format!("{journal} {series}"),
        None => journal.to_owned(),
    }
}

/// An entry's number as people read it: the series first, if there is one.
pub fn entry_number_text(series: Option<&str>, number: u64) -> String {
    match series {
        Some(series) => format!("{series}-{number}"),
        None => number.to_string(),
    }
}

/// What the rules need to know about the books.
#[derive(Debug, Clone, Default)]
pub struct LedgerState {
    pub company: Option<CompanyCreated>,
    pub accounts: HashMap<String, Account>,
    pub vat_codes: HashMap<String, VatCode>,
    pub closed_until: Option<NaiveDate>,
    /// Last number given in each journal series, by `journal_key`.
    pub journal_last_number: HashMap<String, u64>,
    /// The series this node numbers its entries in: none on the node that created the company,
    /// its short id on the others (set by the store, not derived from facts).
    pub journal_series: Option<String>,
    /// The company's own contact fields, by definition key.
    pub contact_fields: HashMap<String, ContactFieldDefined>,
    /// Last sequence number issued in each invoice series.
    pub invoice_series_last: HashMap<String, u64>,
    /// Each device bound as a till (hex id) with its till code and store: its first binding.
    pub tills: HashMap<String, (String, String)>,
    /// Last ticket sequence of each till device (hex id).
    pub ticket_last: HashMap<String, u64>,
    /// Last closure number of each till device (hex id).
    pub closure_last: HashMap<String, u64>,
}

fn check_text(text: &str) -> Result<(), LedgerError> {
    if text.trim().is_empty() {
        return Err(LedgerError::EmptyText);
    }
    if text.len() > TEXT_BYTES_MAX {
        return Err(LedgerError::TextTooLong);
    }
    Ok(())
}

impl LedgerState {
    pub fn company(&self) -> Result<&CompanyCreated, LedgerError> {
        self.company.as_ref().ok_or(LedgerError::NoCompany)
    }

    pub fn check_company(&self, company: &CompanyCreated) -> Result<(), LedgerError> {
        if self.company.is_some() {
            return Err(LedgerError::CompanyExists);
        }
        if company.name.trim().is_empty() {
            return Err(LedgerError::EmptyCompanyName);
        }
        if !(1..=12).contains(&company.fiscal_year_start_month) {
            return Err(LedgerError::BadFiscalYearStart { month: company.fiscal_year_start_month });
        }
        Ok(())
    }

    pub fn check_account_opened(&self, account: &AccountOpened) -> Result<(), LedgerError> {
        self.company()?;
        let number = &account.number;
        if number.is_empty() || number.len() > ACCOUNT_NUMBER_BYTES_MAX || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LedgerError::BadAccountNumber { number: number.clone() });
        }
        if self.accounts.contains_key(number) {
            return Err(LedgerError::AccountExists { number: number.clone() });
        }
        check_text(&account.label)
    }

    pub fn check_account_edited(&self, edit: &AccountEdited) -> Result<(), LedgerError> {
        if !self.accounts.contains_key(&edit.number) {
            return Err(LedgerError::UnknownAccount { account: edit.number.clone() });
        }
        match &edit.label {
            Some(label) => check_text(label),
            None => Ok(()),
        }
    }

    pub fn check_period_close(&self, until: NaiveDate) -> Result<(), LedgerError> {
        self.company()?;
        if !is_month_end(until) {
            return Err(LedgerError::NotMonthEnd { date: until });
        }
        match self.closed_until {
            Some(closed_until) if until <= closed_until => Err(LedgerError::PeriodAlreadyClosed { closed_until }),
            _ => Ok(()),
        }
    }

    pub fn check_date_open(&self, date: NaiveDate) -> Result<(), LedgerError> {
        match self.closed_until {
            Some(closed_until) if date <= closed_until => Err(LedgerError::PeriodClosed { date, closed_until }),
            _ => Ok(()),
        }
    }

    fn check_identity(&self, id: &str, journal: &str, text: &str) -> Result<(), LedgerError> {
        if id.is_empty() || id.len() > ENTRY_ID_BYTES_MAX || !id.chars().all(|c| c.is_ascii_graphic()) {
            return Err(LedgerError::BadEntryId { id: id.to_owned() });
        }
        if journal.is_empty()
            || journal.len() > JOURNAL_BYTES_MAX
            || !journal.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(LedgerError::BadJournal { journal: journal.to_owned() });
        }
        check_text(text)
    }

    /// Reads a draft's amounts in their currencies and checks every rule; on success returns the
    /// fact to record, with the next number of its journal.
    pub fn prepare_entry(&self, draft: &EntryDraft, validated_on: NaiveDate) -> Result<EntryPosted, LedgerError> {
        if ENTRY_IDS_OF_DOCUMENTS.iter().any(|prefix| draft.id.starts_with(prefix)) {
            return Err(LedgerError::ReservedEntryId { id: draft.id.clone() });
        }
        let entry = self.read_entry(draft, validated_on)?;
        self.check_entry(&entry)?;
        Ok(entry)
    }

    /// Reads a draft's amounts in their accounts' currencies without checking the other rules, to
    /// compare a re-imported entry with the one already recorded under its id.
    pub fn read_entry(&self, draft: &EntryDraft, validated_on: NaiveDate) -> Result<EntryPosted, LedgerError> {
        self.company()?;
        let journal = draft.journal.clone().unwrap_or_else(|| DEFAULT_JOURNAL.to_owned());
        self.check_identity(&draft.id, &journal, &draft.text)?;
        let mut postings = Vec::with_capacity(draft.postings.len());
        for (index, posting) in draft.postings.iter().enumerate() {
            let line = index + 1;
            let account = self.open_account(&posting.account)?;
            let currency = posting.currency.unwrap_or(account.currency);
            let amount_minor = money::parse_amount(&posting.amount, currency)
                .map_err(|source| LedgerError::Amount { line, account: posting.account.clone(), source })?;
            if amount_minor == 0 {
                return Err(LedgerError::ZeroAmount { line, account: posting.account.clone() });
            }
            postings.push(Posting {
                account: posting.account.clone(),
                amount_minor,
                currency,
                vat_code: posting.vat_code.clone(),
            });
        }
        let entry = EntryPosted {
            id: draft.id.clone(),
            number: self.next_number(&journal),
            series: self.journal_series.clone(),
            journal,
            date: draft.date,
            validated_on,
            text: draft.text.clone(),
            postings,
            reverses: None,
        };
        Ok(entry)
    }

    /// The reversal of `original`: the same postings with opposite signs, dated `date`.
    pub fn prepare_reversal(
        &self,
        original: &EntryPosted,
        id: String,
        date: NaiveDate,
        validated_on: NaiveDate,
    ) -> Result<EntryPosted, LedgerError> {
        // A document's entry stands with its document: reversed alone, the ledger would part
        // from the invoices, payments and VAT the document keeps.
        if ENTRY_IDS_OF_DOCUMENTS.iter().chain(&["PAY-"]).any(|prefix| original.id.starts_with(prefix)) {
            return Err(LedgerError::DocumentEntry { id: original.id.clone() });
        }
        let entry = EntryPosted {
            id,
            number: self.next_number(&original.journal),
            series: self.journal_series.clone(),
            journal: original.journal.clone(),
            date,
            validated_on,
            text: format!("Extourne / reversal of {}: {}", original.id, original.text)
                .chars()
                .take(TEXT_BYTES_MAX / 4)
                .collect(),
            postings: original
                .postings
                .iter()
                .map(|posting| Posting { amount_minor: -posting.amount_minor, ..posting.clone() })
                .collect(),
            reverses: Some(original.id.clone()),
        };
        self.check_entry(&entry)?;
        Ok(entry)
    }

    /// An entry built by the application (an invoice, a payment), numbered in its journal and
    /// checked like any other.
    pub fn build_entry(
        &self,
        id: String,
        journal: &str,
        date: NaiveDate,
        validated_on: NaiveDate,
        text: String,
        postings: Vec<Posting>,
    ) -> Result<EntryPosted, LedgerError> {
        self.build_entry_vat_on(id, journal, date, validated_on, text, postings, date)
    }

    /// As `build_entry`, with VAT codes checked against `vat_date` (see `check_entry_vat_on`).
    #[allow(clippy::too_many_arguments)]
    pub fn build_entry_vat_on(
        &self,
        id: String,
        journal: &str,
        date: NaiveDate,
        validated_on: NaiveDate,
        text: String,
        postings: Vec<Posting>,
        vat_date: NaiveDate,
    ) -> Result<EntryPosted, LedgerError> {
        let entry = EntryPosted {
            id,
            number: self.next_number(journal),
            series: self.journal_series.clone(),
            journal: journal.to_owned(),
            date,
            validated_on,
            text,
            postings,
            reverses: None,
        };
        self.check_entry_vat_on(&entry, vat_date)?;
        Ok(entry)
    }

    /// A two-posting entry moving `amount_minor` from one account to another (a payment in or
    /// out), numbered in its journal and checked like any other.
    pub fn build_transfer(
        &self,
        id: String,
        journal: &str,
        date: NaiveDate,
        validated_on: NaiveDate,
        text: String,
        transfer: Transfer<'_>,
    ) -> Result<EntryPosted, LedgerError> {
        let posting = |account: &str, amount_minor: i64| Posting {
            account: account.to_owned(),
            amount_minor,
            currency: transfer.currency,
            vat_code: None,
        };
        let postings =
            vec![posting(transfer.debit, transfer.amount_minor), posting(transfer.credit, -transfer.amount_minor)];
        self.build_entry(id, journal, date, validated_on, text.chars().take(TEXT_BYTES_MAX / 4).collect(), postings)
    }

    /// The next sequence number of an invoice series.
    pub fn next_invoice_sequence(&self, series: &str) -> u64 {
        self.invoice_series_last.get(series).copied().unwrap_or(0).saturating_add(1)
    }

    fn next_number(&self, journal: &str) -> u64 {
        self.journal_last_number
            .get(&journal_key(journal, self.journal_series.as_deref()))
            .copied()
            .unwrap_or(0)
            .saturating_add(1)
    }

    fn open_account(&self, number: &str) -> Result<&Account, LedgerError> {
        let account =
            self.accounts.get(number).ok_or_else(|| LedgerError::UnknownAccount { account: number.to_owned() })?;
        if account.closed {
            return Err(LedgerError::AccountClosed { account: number.to_owned() });
        }
        Ok(account)
    }

    /// Checks a complete entry: identity, open period, open accounts in their currencies, VAT
    /// codes in force on the booking date, non-zero postings, and a zero sum per currency.
    pub fn check_entry(&self, entry: &EntryPosted) -> Result<(), LedgerError> {
        self.check_entry_vat_on(entry, entry.date)
    }

    /// As `check_entry`, with the VAT codes checked against `vat_date`: a credit note corrects an
    /// invoice at the rates in force on the invoice's date.
    pub fn check_entry_vat_on(&self, entry: &EntryPosted, vat_date: NaiveDate) -> Result<(), LedgerError> {
        self.company()?;
        self.check_identity(&entry.id, &entry.journal, &entry.text)?;
        self.check_date_open(entry.date)?;
        if entry.postings.len() < 2 {
            return Err(LedgerError::TooFewPostings);
        }
        if entry.postings.len() > ENTRY_POSTINGS_MAX {
            return Err(LedgerError::TooManyPostings);
        }
        let mut sums: BTreeMap<Currency, i64> = BTreeMap::new();
        for (index, posting) in entry.postings.iter().enumerate() {
            let account = self.open_account(&posting.account)?;
            if account.currency != posting.currency {
                return Err(LedgerError::CurrencyMismatch {
                    account: posting.account.clone(),
                    account_currency: account.currency,
                    posting_currency: posting.currency,
                });
            }
            if posting.amount_minor == 0 {
                return Err(LedgerError::ZeroAmount { line: index + 1, account: posting.account.clone() });
            }
            if posting.amount_minor.abs() > money::AMOUNT_MINOR_ABS_MAX {
                return Err(LedgerError::Overflow);
            }
            if let Some(code) = &posting.vat_code {
                let vat = self.vat_codes.get(code).ok_or_else(|| LedgerError::UnknownVatCode { code: code.clone() })?;
                if !vat.in_force_on(vat_date) {
                    return Err(LedgerError::VatCodeNotInForce { code: code.clone(), date: vat_date });
                }
            }
            let sum = sums.entry(posting.currency).or_insert(0);
            *sum = sum.checked_add(posting.amount_minor).ok_or(LedgerError::Overflow)?;
        }
        for (currency, sum) in sums {
            if sum != 0 {
                return Err(LedgerError::Unbalanced { currency, difference: money::format_plain(sum, currency) });
            }
        }
        Ok(())
    }

    /// Brings the state up to date with a fact that was recorded (by this node or, later, by
    /// another node of the company).
    pub fn apply(&mut self, fact: &Fact) {
        match fact {
            Fact::CompanyCreated(company) => self.company = Some(company.clone()),
            // A key created on two nodes apart: the first creation in merge order stands, the
            // later one changes nothing here (`rempart conflicts` lists it).
            Fact::AccountOpened(opened) => {
                self.accounts.entry(opened.number.clone()).or_insert_with(|| Account {
                    number: opened.number.clone(),
                    label: opened.label.clone(),
                    kind: opened.kind,
                    currency: opened.currency,
                    closed: false,
                });
            }
            Fact::AccountEdited(edit) => {
                if let Some(account) = self.accounts.get_mut(&edit.number) {
                    if let Some(label) = &edit.label {
                        account.label = label.clone();
                    }
                    if let Some(closed) = edit.closed {
                        account.closed = closed;
                    }
                }
            }
            Fact::VatCodeDefined(vat) => {
                self.vat_codes.entry(vat.code.clone()).or_insert_with(|| vat.clone());
            }
            Fact::EntryPosted(entry) => {
                let key = journal_key(&entry.journal, entry.series.as_deref());
                let last = self.journal_last_number.entry(key).or_insert(0);
                *last = (*last).max(entry.number);
            }
            Fact::PeriodClosed(closed) => {
                self.closed_until = Some(self.closed_until.map_or(closed.until, |current| current.max(closed.until)));
            }
            Fact::ContactFieldDefined(field) => {
                self.contact_fields.entry(field.name.clone()).or_insert_with(|| field.clone());
            }
            Fact::InvoiceIssued(issued) => {
                let last = self.invoice_series_last.entry(issued.series.clone()).or_insert(0);
                *last = (*last).max(issued.sequence);
            }
            Fact::CreditNoteIssued(credit) => {
                let last = self.invoice_series_last.entry(credit.series.clone()).or_insert(0);
                *last = (*last).max(credit.sequence);
            }
            Fact::QuoteSent(sent) => {
                let last = self.invoice_series_last.entry(sent.series.clone()).or_insert(0);
                *last = (*last).max(sent.sequence);
            }
            Fact::TillBound(bound) => {
                if bound.check().is_ok() {
                    self.tills
                        .entry(bound.node.clone())
                        .or_insert_with(|| (bound.till.clone(), bound.location.clone()));
                }
            }
            Fact::TicketRecorded(ticket) => {
                if ticket.check().is_ok() {
                    let last = self.ticket_last.entry(ticket.node.clone()).or_insert(0);
                    *last = (*last).max(ticket.sequence);
                }
            }
            Fact::ClosureSealed(closure) => {
                if closure.check().is_ok() {
                    let last = self.closure_last.entry(closure.node.clone()).or_insert(0);
                    *last = (*last).max(closure.number);
                }
            }
            Fact::ContactCreated(_)
            | Fact::ContactEdited(_)
            | Fact::ItemDefined(_)
            | Fact::ItemEdited(_)
            | Fact::InvoiceDrafted(_)
            | Fact::InvoiceLineAdded(_)
            | Fact::PaymentReceived(_)
            | Fact::BillRecorded(_)
            | Fact::BillPaid(_)
            | Fact::CompanyDetailsSet(_)
            | Fact::ReminderSent(_)
            | Fact::ConflictSettled(_)
            | Fact::UserAdded(_)
            | Fact::UserChanged(_)
            | Fact::LocationAdded(_)
            | Fact::SkuDefined(_)
            | Fact::StockReceived(_)
            | Fact::PurchaseOrdered(_)
            | Fact::StockAdjusted(_)
            | Fact::TransferSent(_)
            | Fact::TransferArrived(_)
            | Fact::TillCash(_)
            | Fact::ProgramSet(_)
            | Fact::CardIssued(_)
            | Fact::PointsMoved(_)
            | Fact::VoucherIssued(_)
            | Fact::InvoiceLineChanged(_)
            | Fact::InvoiceLineRemoved(_)
            | Fact::InvoiceDiscarded(_)
            | Fact::QuoteDrafted(_)
            | Fact::QuoteLineAdded(_)
            | Fact::QuoteLineChanged(_)
            | Fact::QuoteLineRemoved(_)
            | Fact::QuoteDiscarded(_)
            | Fact::QuoteAnswered(_)
            | Fact::VehicleNoted(_)
            | Fact::DocumentArchived(_) => {}
        }
    }
}

/// Books of a Swiss company with the full chart and VAT codes, for the domain's tests.
#[cfg(test)]
pub(crate) mod test_books {
    use super::LedgerState;
    use crate::chart::{Country, chart_of, vat_codes_of};
    use crate::facts::{AccountOpened, CompanyCreated, Fact};
    use crate::money::Currency;

    pub(crate) fn swiss() -> LedgerState {
        let mut state = LedgerState::default();
        state.apply(&Fact::CompanyCreated(CompanyCreated {
            name: "Garage".into(),
            country: Country::Ch,
            currency: Currency::CHF,
            fiscal_year_start_month: 1,
        }));
        for account in chart_of(Country::Ch) {
            state.apply(&Fact::AccountOpened(AccountOpened {
                number: account.number.into(),
                label: account.label_fr.into(),
                label_de: None,
                label_en: None,
                kind: account.kind,
                currency: Currency::CHF,
            }));
        }
        for vat in vat_codes_of(Country::Ch) {
            state.apply(&Fact::VatCodeDefined(vat));
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    /// Account, amount as typed, VAT code.
    type PostingCase<'a> = (&'a str, &'a str, Option<&'a str>);

    fn draft(date: &str, postings: &[PostingCase]) -> EntryDraft {
        EntryDraft {
            id: "E1".into(),
            date: day(date),
            journal: None,
            text: "Test".into(),
            postings: postings
                .iter()
                .map(|(account, amount, vat)| PostingDraft {
                    account: (*account).into(),
                    amount: (*amount).into(),
                    currency: None,
                    vat_code: vat.map(Into::into),
                })
                .collect(),
        }
    }

    /// Data-driven: each case is a draft and the outcome expected, as a short string.
    #[test]
    fn an_iso_date_is_read_strictly_with_a_year_of_four_digits_from_1000() {
        assert_eq!(parse_date("2026-03-10"), Ok(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()));
        for text in ["0226-03-10", "0999-01-01", "+999-01-01", "-999-01-01", "2026-02-30", "2026-3-10", "10.03.2026"] {
            assert_eq!(parse_date(text), Err(LedgerError::BadDate { text: text.into() }), "{text}");
        }
    }

    #[test]
    fn entry_rules() {
        let mut books = test_books::swiss();
        books.apply(&Fact::PeriodClosed(crate::facts::PeriodClosed {
            until: day("2025-12-31"),
            seen: Default::default(),
        }));
        let cases: &[(&str, &[PostingCase], &str)] = &[
            ("2026-03-01", &[("6000", "1500.00", None), ("1020", "-1500.00", None)], "ok OD 1"),
            (
                "2026-03-01",
                &[("6000", "1500.00", None), ("1020", "-1499.99", None)],
                "does not balance in CHF: debits exceed credits by 0.01",
            ),
            ("2026-03-01", &[("6000", "1500.00", None)], "at least two postings"),
            ("2026-03-01", &[("6001", "1.00", None), ("1020", "-1.00", None)], "account 6001 does not exist"),
            (
                "2026-03-01",
                &[("6000", "12,50", None), ("1020", "-12.50", None)],
                "posting 1 (account 6000): \"12,50\" is not an amount",
            ),
            ("2026-03-01", &[("6000", "1.005", None), ("1020", "-1.005", None)], "more decimals than CHF allows"),
            ("2026-03-01", &[("6000", "0", None), ("1020", "0", None)], "posting 1 (account 6000) is zero"),
            ("2025-12-31", &[("6000", "1.00", None), ("1020", "-1.00", None)], "2025-12-31 is in a closed period"),
            (
                "2026-03-01",
                &[("6000", "1.00", Some("N77")), ("1020", "-1.00", None)],
                "VAT code N77 is not in force on 2026-03-01",
            ),
            ("2026-03-01", &[("6000", "1.00", Some("X")), ("1020", "-1.00", None)], "VAT code X does not exist"),
            (
                "2026-03-01",
                &[("1170", "8.10", Some("IN81")), ("6000", "100", None), ("1020", "-108.10", None)],
                "ok OD 1",
            ),
        ];
        for (date, postings, expected) in cases {
            let outcome = match books.prepare_entry(&draft(date, postings), day("2026-03-02")) {
                Ok(entry) => format!("ok {} {}", entry.journal, entry.number),
                Err(error) => error.to_string(),
            };
            assert!(outcome.contains(expected), "{postings:?}: expected {expected:?}, got {outcome:?}");
        }
    }

    #[test]
    fn numbers_follow_the_journal_and_periods_only_move_forward() {
        let mut books = test_books::swiss();
        let entry = books
            .prepare_entry(&draft("2026-01-05", &[("1000", "5", None), ("3400", "-5", None)]), day("2026-01-05"))
            .unwrap();
        books.apply(&Fact::EntryPosted(entry));
        let next = books
            .prepare_entry(&draft("2026-01-05", &[("1000", "5", None), ("3400", "-5", None)]), day("2026-01-05"))
            .unwrap();
        assert_eq!(next.number, 2);
        assert_eq!(
            books.check_period_close(day("2026-01-30")),
            Err(LedgerError::NotMonthEnd { date: day("2026-01-30") })
        );
        books.apply(&Fact::PeriodClosed(crate::facts::PeriodClosed {
            until: day("2026-01-31"),
            seen: Default::default(),
        }));
        assert!(matches!(books.check_period_close(day("2025-12-31")), Err(LedgerError::PeriodAlreadyClosed { .. })));
        assert!(books.check_period_close(day("2026-02-28")).is_ok());
    }

    #[test]
    fn dates_are_strict() {
        for text in ["2026-02-30", "2026-13-01", "01.03.2026", "2026-3-1", "", "2026-03-01T00:00"] {
            assert!(parse_date(text).is_err(), "{text}");
        }
        assert!(is_month_end(day("2024-02-29")));
        assert!(!is_month_end(day("2026-02-27")));
        assert_eq!(fiscal_year_start(day("2026-03-15"), 7), day("2025-07-01"));
        assert_eq!(fiscal_year_start(day("2026-08-15"), 7), day("2026-07-01"));
    }
}

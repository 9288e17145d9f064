//! Invoices: drafts, lines, and issuing, which numbers the invoice from this node's series and
//! posts its entry in the same commit.

use chrono::{Datelike, Days, NaiveDate};
use rempart_domain::documents::ServicesVat;
use rempart_domain::invoices::{
    CreditNoteIssued, InvoiceDiscarded, InvoiceDrafted, InvoiceError, InvoiceIssued, InvoiceLine, InvoiceLineAdded,
    InvoiceLineChanged, InvoiceLineRemoved, InvoiceTotals, check_line, credited_lines, invoice_postings, totals,
};
use rempart_domain::{Country, Currency, Fact, LedgerState};
use rusqlite::OptionalExtension;

use crate::catalogue::Item;
use crate::{Commit, Store, StoreError, date_of_ms};
use rusqlite::{Connection, params};

use crate::project::date_text;
use crate::project::stored_currency;
use crate::project::stored_date;

/// Payment terms when the contact has none.
pub const PAYMENT_TERMS_DAYS_DEFAULT: u64 = 30;

impl From<InvoiceError> for StoreError {
    fn from(error: InvoiceError) -> StoreError {
        StoreError::Invoice(error)
    }
}

/// What a line is made of before the catalogue fills in what it was not told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineSpec {
    pub item: Option<String>,
    pub text: Option<String>,
    pub quantity_milli: i64,
    /// What the quantity counts; the item's unit when left out.
    pub unit: Option<String>,
    pub unit_price_minor: Option<i64>,
    /// A comment line: `text` alone, nothing else given.
    pub comment: bool,
    pub discount_bp: u32,
    pub vat_code: Option<String>,
    pub account: Option<String>,
}

/// A line as a person types it, in the company's locale: what the command line and the web
/// app's form both read with `LineSpec::read`.
#[derive(Debug, Clone, Default)]
pub struct LineInput {
    pub item: Option<String>,
    pub text: Option<String>,
    pub quantity: String,
    pub unit: Option<String>,
    pub price: Option<String>,
    /// A comment line: the text alone.
    pub comment: bool,
    pub discount: String,
    pub vat_code: Option<String>,
    pub account: Option<String>,
}

impl LineSpec {
    /// Reads a typed line: quantity and discount as the locale writes decimals (`1,5` in France),
    /// the price as it writes amounts; empty texts are absent.
    pub fn read(locale: rempart_domain::Locale, currency: Currency, input: LineInput) -> Result<LineSpec, StoreError> {
        use rempart_domain::invoices::{parse_discount, parse_quantity};
        let given = |text: Option<String>| text.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty());
        let discount = input.discount.trim();
        let unit_price_minor = match given(input.price) {
            Some(price) => {
                let minor = locale.read_amount(&price, currency).map_err(InvoiceError::Price)?;
                if minor < 0 {
                    return Err(InvoiceError::NegativePrice.into());
                }
                Some(minor)
            }
            None => None,
        };
        Ok(LineSpec {
            item: given(input.item),
            text: given(input.text),
            quantity_milli: parse_quantity(&locale.plain_decimal(&input.quantity))?,
            unit: given(input.unit),
            unit_price_minor,
            comment: input.comment,
            discount_bp: if discount.is_empty() { 0 } else { parse_discount(&locale.plain_decimal(discount))? },
            vat_code: given(input.vat_code),
            account: given(input.account),
        })
    }
}

/// An invoice as stored: its header, lines and, once issued, its number and totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub id: String,
    pub contact: String,
    pub date: NaiveDate,
    pub currency: Currency,
    pub cash_rounding: bool,
    pub number: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub lines: Vec<InvoiceLine>,
    /// The number of each line in `lines`, by which a draft's line is changed or removed.
    pub line_numbers: Vec<u32>,
    /// Totals as they are now (for a draft) or as issued.
    pub totals: Option<InvoiceTotals>,
    /// A draft thrown away (never an issued invoice).
    pub discarded: bool,
}

/// An invoice header as stored, before its dates and currency are read.
struct HeaderRow {
    id: String,
    contact: String,
    date: String,
    currency: String,
    cash_rounding: bool,
    number: Option<String>,
    due_date: Option<String>,
    discarded: bool,
}

/// A whole invoice to import: header and lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceImport {
    pub contact: String,
    pub date: NaiveDate,
    pub cash_rounding: bool,
    pub lines: Vec<LineSpec>,
}

/// A line as it will be recorded: what the spec leaves out comes from its catalogue item, and
/// the result is checked for the invoice's date.
pub(crate) fn resolve_line(
    state: &LedgerState,
    items: &[Item],
    spec: LineSpec,
    (date, lang): (NaiveDate, Option<&str>),
) -> Result<InvoiceLine, StoreError> {
    let item = match &spec.item {
        Some(code) => {
            let item = items
                .iter()
                .find(|item| item.code == *code)
                .ok_or_else(|| InvoiceError::UnknownItem { code: code.clone() })?;
            if !item.active {
                return Err(InvoiceError::InactiveItem { code: code.clone() }.into());
            }
            Some(item)
        }
        None => None,
    };
    let incomplete = || StoreError::from(InvoiceError::LineIncomplete);
    if spec.comment {
        // Text alone: an item, a price, a VAT code, an account or a unit given is refused.
        let bare = spec.item.is_none()
            && spec.unit.is_none()
            && spec.unit_price_minor.is_none()
            && spec.discount_bp == 0
            && spec.vat_code.is_none()
            && spec.account.is_none();
        if !bare {
            return Err(InvoiceError::CommentWithFigures.into());
        }
        let line = rempart_domain::invoices::comment_line(&spec.text.ok_or(InvoiceError::EmptyText)?);
        check_line(state, &line, date)?;
        return Ok(line);
    }
    let line = InvoiceLine {
        item: spec.item.clone(),
        text: spec.text.or_else(|| item.map(|item| item.label_in(lang).to_owned())).ok_or_else(incomplete)?,
        quantity_milli: spec.quantity_milli,
        unit: spec.unit.or_else(|| item.map(|item| item.unit.clone())),
        comment: false,
        unit_price_minor: spec.unit_price_minor.or(item.map(|item| item.price_minor)).ok_or_else(incomplete)?,
        discount_bp: spec.discount_bp,
        vat_code: spec.vat_code.or_else(|| item.map(|item| item.vat_code.clone())).ok_or_else(incomplete)?,
        account: spec.account.or_else(|| item.map(|item| item.account.clone())).ok_or_else(incomplete)?,
    };
    check_line(state, &line, date)?;
    Ok(line)
}

pub use rempart_domain::invoices::Numbering;

/// The local setting that holds this node's invoice series: empty for none (`Numbering::First`).
const INVOICE_SERIES_META: &str = "invoice_series";

/// Issuing one invoice, once what it needs from outside the commit is known.
struct Issue {
    country: Country,
    due_date: NaiveDate,
    contact_name: String,
    series: String,
    numbering: Numbering,
    /// What the invoice prints besides its figures, archived with it; none for invoices
    /// imported from another program (printed there).
    parties: Option<crate::documents::Parties>,
    /// A French company's: when the VAT on the invoice's services is paid (its date decides).
    services_vat: Option<ServicesVat>,
}

impl Issue {
    /// Numbers the invoice from its series and records it issued with its entry.
    fn record(&self, commit: &mut Commit<'_>, invoice: &Invoice) -> Result<InvoiceIssued, StoreError> {
        let totals = totals(&commit.state, &invoice.lines, invoice.date, invoice.cash_rounding)?;
        let sequence = commit.state.next_invoice_sequence(&self.series);
        let number = self.numbering.number(&self.series, sequence);
        // French services: their VAT waits for their payments, unless the company opted for debits.
        let services = match self.services_vat {
            Some(_) => rempart_domain::vat_due::services_vat(&invoice.lines, &totals),
            None => Vec::new(),
        };
        let services_vat = self.services_vat.filter(|_| !services.is_empty());
        let vat_awaiting = if services_vat == Some(ServicesVat::OnReceipts) { services } else { Vec::new() };
        if !vat_awaiting.is_empty() {
            crate::vat_due::open_awaiting_account(commit)?;
        }
        let postings =
            invoice_postings(&commit.state, self.country, invoice.currency, &invoice.lines, &totals, &vat_awaiting);
        let entry = commit.state.build_entry(
            format!("INV-{number}"),
            "VTE",
            invoice.date,
            date_of_ms(commit.now_ms),
            format!("Facture {number} {}", self.contact_name)
                .chars()
                .take(rempart_domain::rules::TEXT_BYTES_MAX / 4)
                .collect(),
            postings,
        )?;
        let archive = match &self.parties {
            Some(parties) => {
                let paper = parties.paper(crate::documents::Figures {
                    kind: rempart_domain::documents::PaperKind::Invoice,
                    number: number.clone(),
                    date: invoice.date,
                    until: Some(self.due_date),
                    lines: &invoice.lines,
                    totals: &totals,
                    refers_to: None,
                    reminder: None,
                    services_vat,
                });
                Some(crate::documents::archive(commit, paper)?)
            }
            None => None,
        };
        let issued = InvoiceIssued {
            id: invoice.id.clone(),
            series: self.series.clone(),
            sequence,
            number,
            due_date: self.due_date,
            gross_minor: totals.gross_minor,
            entry_id: entry.id.clone(),
            lines: invoice.lines.clone(),
            archive,
            vat_awaiting,
        };
        commit.record(Fact::InvoiceIssued(issued.clone()))?;
        commit.record(Fact::EntryPosted(entry))?;
        Ok(issued)
    }
}

impl Store {
    pub(crate) fn new_draft_id(&self) -> String {
        format!("D-{}", hex::encode(self.random_bytes::<5>()))
    }

    /// Starts a draft invoice for a contact; returns its draft id.
    pub fn draft_invoice(&mut self, contact: &str, date: NaiveDate, cash_rounding: bool) -> Result<String, StoreError> {
        self.draft_invoice_for(contact, date, cash_rounding, None)
    }

    /// Starts a draft invoice for a contact and, when given, one of its vehicles with the
    /// mileage read, in one commit; returns its draft id.
    pub fn draft_invoice_for(
        &mut self,
        contact: &str,
        date: NaiveDate,
        cash_rounding: bool,
        visit: Option<&crate::vehicles::Visit>,
    ) -> Result<String, StoreError> {
        let currency = self.company()?.currency;
        self.contact(contact)?;
        let id = self.new_draft_id();
        let noted = visit.map(|visit| self.noted(contact, &id, visit)).transpose()?;
        let draft = InvoiceDrafted { id: id.clone(), contact: contact.to_owned(), date, currency, cash_rounding };
        self.commit(|commit| {
            commit.record(Fact::InvoiceDrafted(draft))?;
            match noted {
                Some(noted) => commit.record(Fact::VehicleNoted(noted)),
                None => Ok(()),
            }
        })?;
        Ok(id)
    }

    /// The draft `id`, refused if it was issued or discarded.
    fn draft(&self, id: &str) -> Result<Invoice, StoreError> {
        draft_in(&self.conn, &self.state, id)
    }

    /// The number a draft gives its line `line`, if it has that line.
    fn draft_line(invoice: &Invoice, line: u32) -> Result<u32, StoreError> {
        if invoice.line_numbers.contains(&line) {
            Ok(line)
        } else {
            Err(InvoiceError::NoSuchLine { line: line as usize }.into())
        }
    }

    /// Replaces line `line` of a draft, checked as a new line is.
    pub fn change_invoice_line(&mut self, id: &str, line: u32, spec: LineSpec) -> Result<InvoiceLine, StoreError> {
        let invoice = self.draft(id)?;
        let line = Self::draft_line(&invoice, line)?;
        let lang = self.language_of(&invoice.contact)?;
        let new = resolve_line(&self.state, &self.items()?, spec, (invoice.date, lang.as_deref()))?;
        let changed = InvoiceLineChanged { id: invoice.id, line, new: new.clone() };
        self.commit(|commit| {
            Self::draft_line(&draft_in(commit.conn, &commit.state, &changed.id)?, line)?;
            commit.record(Fact::InvoiceLineChanged(changed))
        })?;
        Ok(new)
    }

    /// Removes line `line` of a draft.
    pub fn remove_invoice_line(&mut self, id: &str, line: u32) -> Result<(), StoreError> {
        let invoice = self.draft(id)?;
        let line = Self::draft_line(&invoice, line)?;
        let removed = InvoiceLineRemoved { id: invoice.id, line };
        self.commit(|commit| {
            Self::draft_line(&draft_in(commit.conn, &commit.state, &removed.id)?, line)?;
            commit.record(Fact::InvoiceLineRemoved(removed))
        })
    }

    /// Throws a draft away.
    pub fn discard_invoice(&mut self, id: &str) -> Result<(), StoreError> {
        let invoice = self.draft(id)?;
        self.commit(|commit| {
            let invoice = draft_in(commit.conn, &commit.state, &invoice.id)?;
            commit.record(Fact::InvoiceDiscarded(InvoiceDiscarded { id: invoice.id }))
        })
    }

    /// The language a customer reads their documents in (their `language` field), if set.
    pub(crate) fn language_of(&self, contact: &str) -> Result<Option<String>, StoreError> {
        Ok(self.contact(contact)?.remove("language"))
    }

    /// Adds a line to a draft; an item supplies text (in the customer's language when it has
    /// a label in it), price, VAT code and account not given.
    pub fn add_invoice_line(&mut self, id: &str, spec: LineSpec) -> Result<InvoiceLine, StoreError> {
        let invoice = self.draft(id)?;
        let id = invoice.id.as_str();
        let lang = self.language_of(&invoice.contact)?;
        let line = resolve_line(&self.state, &self.items()?, spec, (invoice.date, lang.as_deref()))?;
        self.commit(|commit| {
            draft_in(commit.conn, &commit.state, id)?;
            commit.record(Fact::InvoiceLineAdded(InvoiceLineAdded { id: id.to_owned(), line: line.clone() }))
        })?;
        Ok(line)
    }

    /// Issues a draft: numbers it from this node's series for its year, and posts its entry
    /// (receivable, revenue, VAT) in the same commit. Returns the number.
    pub fn issue_invoice(&mut self, id: &str) -> Result<String, StoreError> {
        let invoice = self.draft(id)?;
        let issue = self.issue_of(&invoice)?;
        // Read again under the write lock: another handle on the data directory (the app's
        // sync, a command beside the server) may have issued it, or changed its lines, since.
        // Its contact and date, which the issue was made from, never change.
        self.commit(|commit| {
            let invoice = draft_in(commit.conn, &commit.state, &invoice.id)?;
            issue.record(commit, &invoice).map(|issued| issued.number)
        })
    }

    /// Issues a draft as `issue_invoice` does, once every detail it prints is there: refused
    /// otherwise, with every missing detail named at once (`documents::missing_details`). The
    /// command line and the web app issue this way.
    pub fn issue_invoice_checked(&mut self, id: &str) -> Result<String, StoreError> {
        let invoice = self.draft(id)?;
        let country = self.company()?.country;
        let company = self.company_details()?;
        let customer = self.contact(&invoice.contact)?;
        let charges_vat = invoice
            .lines
            .iter()
            .any(|line| !line.comment && self.state.vat_codes.get(&line.vat_code).is_some_and(|vat| vat.rate_bp > 0));
        let missing =
            rempart_domain::documents::missing_details(country, &company, (&invoice.contact, &customer), charges_vat);
        if !missing.is_empty() {
            return Err(InvoiceError::MissingDetails { missing }.into());
        }
        self.issue_invoice(id)
    }

    /// Records whole invoices made elsewhere (a year of them from a former program, or a
    /// benchmark's), each drafted, lined and issued as if one by one, in one commit: all are
    /// recorded or, at the first one refused, none. Returns them as issued, in order.
    pub fn import_invoices(&mut self, imports: Vec<InvoiceImport>) -> Result<Vec<InvoiceIssued>, StoreError> {
        let currency = self.company()?.currency;
        let items = self.items()?;
        let mut invoices = Vec::with_capacity(imports.len());
        for import in imports {
            let lang = self.language_of(&import.contact)?;
            let lines = import
                .lines
                .into_iter()
                .map(|spec| resolve_line(&self.state, &items, spec, (import.date, lang.as_deref())))
                .collect::<Result<Vec<_>, _>>()?;
            let invoice = Invoice {
                id: self.new_draft_id(),
                contact: import.contact,
                date: import.date,
                currency,
                cash_rounding: import.cash_rounding,
                number: None,
                due_date: None,
                line_numbers: (1..=lines.len() as u32).collect(),
                lines,
                totals: None,
                discarded: false,
            };
            let mut issue = self.issue_of(&invoice)?;
            issue.parties = None;
            invoices.push((invoice, issue));
        }
        self.commit(|commit| {
            let mut issued = Vec::with_capacity(invoices.len());
            for (invoice, issue) in &invoices {
                commit.record(Fact::InvoiceDrafted(InvoiceDrafted {
                    id: invoice.id.clone(),
                    contact: invoice.contact.clone(),
                    date: invoice.date,
                    currency: invoice.currency,
                    cash_rounding: invoice.cash_rounding,
                }))?;
                for line in &invoice.lines {
                    commit.record(Fact::InvoiceLineAdded(InvoiceLineAdded {
                        id: invoice.id.clone(),
                        line: line.clone(),
                    }))?;
                }
                issued.push(issue.record(commit, invoice)?);
            }
            Ok(issued)
        })
    }

    /// What issuing `invoice` needs from outside the commit: due date and series.
    fn issue_of(&self, invoice: &Invoice) -> Result<Issue, StoreError> {
        let numbering = self.numbering()?;
        let contact = self.contact(&invoice.contact)?;
        let country = self.company()?.country;
        let services_vat = self.services_vat_on(invoice.date)?;
        let terms_days =
            contact.get("payment_terms_days").and_then(|days| days.parse().ok()).unwrap_or(PAYMENT_TERMS_DAYS_DEFAULT);
        Ok(Issue {
            country,
            services_vat,
            due_date: invoice.date.checked_add_days(Days::new(terms_days)).unwrap_or(invoice.date),
            contact_name: contact.get("name").cloned().unwrap_or_default(),
            series: numbering.invoices(invoice.date.year()),
            numbering,
            parties: Some(self.parties(&invoice.contact, &invoice.id)?),
        })
    }

    /// When a French company's invoice dated `date` has the VAT on its services paid: on
    /// receipts unless the company opted for debits (none for a Swiss company).
    pub(crate) fn services_vat_on(&self, date: NaiveDate) -> Result<Option<ServicesVat>, StoreError> {
        Ok(match self.company()?.country {
            Country::Fr if rempart_domain::vat_due::on_receipts(&self.vat_methods()?, date) => {
                Some(ServicesVat::OnReceipts)
            }
            Country::Fr => Some(ServicesVat::OnDebits),
            Country::Ch => None,
        })
    }

    /// How this node numbers its invoices and credit notes.
    pub fn numbering(&self) -> Result<Numbering, StoreError> {
        let series: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [INVOICE_SERIES_META], |row| row.get(0))
            .optional()?;
        Ok(match (series, &self.journal_series) {
            (Some(series), _) if series.is_empty() => Numbering::First,
            (Some(series), _) => Numbering::Prefixed(series),
            // The node that created the company numbers in the plain series.
            (None, None) => Numbering::First,
            (None, Some(_)) => Numbering::ByDevice(self.node.short()),
        })
    }

    /// Numbers this node's invoices from now on in `series` (`2026-B-0001`), as the roster's
    /// invitation reserved it for this device: set once, when the device joins.
    pub fn set_invoice_series(&mut self, series: &str) -> Result<(), StoreError> {
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", [INVOICE_SERIES_META, series])?;
        Ok(())
    }

    /// Credits back an issued invoice, in full (no lines named) or the lines named, each with an
    /// optional smaller quantity; at the invoice's VAT rates, up to what remains of it.
    pub fn credit_invoice(
        &mut self,
        number: &str,
        date: NaiveDate,
        named: &[(usize, Option<i64>)],
    ) -> Result<CreditNoteIssued, StoreError> {
        let invoice = self.invoice(number)?;
        let Some(invoice_number) = invoice.number.clone() else {
            return Err(InvoiceError::NotIssued { id: invoice.id }.into());
        };
        let country = self.company()?.country;
        let lines = credited_lines(&invoice.lines, named)?;
        let credit_totals = totals(&self.state, &lines, invoice.date, invoice.cash_rounding)?;
        let invoiced = invoice.totals.as_ref().map_or(0, |totals| totals.gross_minor);
        // What remains to credit, checked now and again under the write lock (another handle on
        // the data directory may credit it meanwhile).
        let within = |conn: &Connection| -> Result<(), StoreError> {
            let credited: i64 = conn.query_row(
                "SELECT coalesce(sum(gross_minor), 0) FROM p_credit_notes WHERE invoice = ?1",
                [&invoice_number],
                |row| row.get(0),
            )?;
            let remaining = invoiced - credited;
            if credit_totals.gross_minor > remaining {
                return Err(InvoiceError::CreditTooLarge {
                    credit: rempart_domain::money::format_plain(credit_totals.gross_minor, invoice.currency),
                    remaining: rempart_domain::money::format_plain(remaining, invoice.currency),
                }
                .into());
            }
            Ok(())
        };
        within(&self.conn)?;
        let id = format!("K-{}", hex::encode(self.random_bytes::<5>()));
        let numbering = self.numbering()?;
        let series = numbering.credit_notes(date.year());
        let parties = self.parties(&invoice.contact, &invoice.id)?;
        self.commit(|commit| {
            within(commit.conn)?;
            let sequence = commit.state.next_invoice_sequence(&series);
            let credit_number = numbering.number(&series, sequence);
            // What still waits of the invoice's services VAT is released as far as the credit
            // covers it; the rest of the credit corrects VAT due already.
            let vat_released = match country {
                Country::Fr => rempart_domain::vat_due::released(
                    &rempart_domain::vat_due::services_vat(&lines, &credit_totals),
                    &crate::vat_due::awaiting_of(commit.conn, &invoice_number)?,
                ),
                Country::Ch => Vec::new(),
            };
            // A credit that settles the invoice (what was paid covers what is left to pay): what
            // still waits of its other services was received, and is due now.
            let vat_due = match country {
                Country::Fr if crate::vat_due::open_of(commit.conn, &invoice_number)? <= credit_totals.gross_minor => {
                    rempart_domain::vat_due::less(
                        &crate::vat_due::awaiting_of(commit.conn, &invoice_number)?,
                        &vat_released,
                    )
                }
                _ => Vec::new(),
            };
            if !vat_released.is_empty() {
                crate::vat_due::open_awaiting_account(commit)?;
            }
            let mut postings: Vec<rempart_domain::Posting> =
                invoice_postings(&commit.state, country, invoice.currency, &lines, &credit_totals, &vat_released)
                    .into_iter()
                    .map(|posting| rempart_domain::Posting { amount_minor: -posting.amount_minor, ..posting })
                    .collect();
            let made_due: Vec<(String, i64)> = vat_due.iter().map(|due| (due.code.clone(), due.tax_minor)).collect();
            postings.extend(crate::vat_due::due_postings(commit, invoice.currency, &made_due)?);
            let entry = commit.state.build_entry_vat_on(
                format!("CRN-{credit_number}"),
                "VTE",
                date,
                date_of_ms(commit.now_ms),
                format!("Avoir {credit_number} sur facture {invoice_number}"),
                postings,
                invoice.date,
            )?;
            let paper = parties.paper(crate::documents::Figures {
                kind: rempart_domain::documents::PaperKind::CreditNote,
                number: credit_number.clone(),
                date,
                until: None,
                lines: &lines,
                totals: &credit_totals,
                refers_to: Some(rempart_domain::documents::PaperRef {
                    number: invoice_number.clone(),
                    date: invoice.date,
                }),
                reminder: None,
                services_vat: None,
            });
            let archive = Some(crate::documents::archive(commit, paper)?);
            let credit = CreditNoteIssued {
                id: id.clone(),
                invoice: invoice_number.clone(),
                series: series.clone(),
                sequence,
                number: credit_number,
                date,
                lines: lines.clone(),
                gross_minor: credit_totals.gross_minor,
                entry_id: entry.id.clone(),
                archive,
                vat_released,
                vat_due,
            };
            commit.record(Fact::CreditNoteIssued(credit.clone()))?;
            commit.record(Fact::EntryPosted(entry))?;
            Ok(credit)
        })
    }

    /// An invoice by draft id or number.
    pub fn invoice(&self, id_or_number: &str) -> Result<Invoice, StoreError> {
        read_invoice(&self.conn, &self.state, id_or_number)
    }

    /// Every invoice, issued ones by number, then drafts (not those discarded).
    pub fn invoices(&self) -> Result<Vec<Invoice>, StoreError> {
        let ids: Vec<String> = self
            .conn
            .prepare_cached("SELECT id FROM p_invoices WHERE NOT discarded ORDER BY number IS NULL, number, id")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter().map(|id| self.invoice(id)).collect()
    }
}

/// Where an invoice stands, as the lists show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvoiceStatus {
    Draft,
    Open,
    PartlyPaid,
    Overdue,
    Paid,
    Credited,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 6] = [
        InvoiceStatus::Draft,
        InvoiceStatus::Open,
        InvoiceStatus::PartlyPaid,
        InvoiceStatus::Overdue,
        InvoiceStatus::Paid,
        InvoiceStatus::Credited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Open => "open",
            InvoiceStatus::PartlyPaid => "partly_paid",
            InvoiceStatus::Overdue => "overdue",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Credited => "credited",
        }
    }

    pub fn parse(text: &str) -> Option<InvoiceStatus> {
        InvoiceStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// One invoice of a list, with what was paid, credited and charged on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSummary {
    /// The draft id (issued invoices keep it too).
    pub id: String,
    pub number: Option<String>,
    pub contact: String,
    /// The customer's name (their id when they have none).
    pub customer: String,
    pub date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub currency: Currency,
    /// The total: as issued, or a draft's as it stands.
    pub gross_minor: i64,
    pub paid_minor: i64,
    pub credited_minor: i64,
    pub fees_minor: i64,
    pub status: InvoiceStatus,
}

impl InvoiceSummary {
    pub fn open_minor(&self) -> i64 {
        if self.number.is_none() {
            return 0;
        }
        (self.gross_minor + self.fees_minor - self.paid_minor - self.credited_minor).max(0)
    }
}

/// Which invoices a list shows.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub contact: Option<String>,
    pub status: Option<InvoiceStatus>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// At most this many (the newest first); none: all.
    pub limit: Option<usize>,
}

impl Store {
    /// Invoices, the newest first, with their status on `today`: drafts (not those discarded)
    /// and issued ones, as `filter` narrows them.
    pub fn invoice_list(&self, filter: &InvoiceFilter, today: NaiveDate) -> Result<Vec<InvoiceSummary>, StoreError> {
        // The invoices in order, narrowed by what the projection already says of the status
        // asked (a draft has no number; an invoice with nothing open is settled); the sums
        // paid, credited and charged are read for each one shown only, so that the newest 200
        // of a year's 20,000 read 200 sets of sums, not 20,000.
        let narrow = match filter.status {
            None | Some(InvoiceStatus::Credited) => 0,
            Some(InvoiceStatus::Draft) => 1,
            Some(InvoiceStatus::Paid) => 2,
            Some(InvoiceStatus::Overdue) => 3,
            Some(InvoiceStatus::Open | InvoiceStatus::PartlyPaid) => 4,
        };
        let mut statement = self.conn.prepare_cached(
            "SELECT i.id, i.number, i.contact, i.date, i.due_date, i.currency, i.gross_minor
             FROM p_invoices i
             WHERE NOT i.discarded AND (?1 IS NULL OR i.contact = ?1) AND (?2 IS NULL OR i.date >= ?2)
               AND (?3 IS NULL OR i.date <= ?3)
               AND CASE ?4
                   WHEN 1 THEN i.number IS NULL
                   WHEN 2 THEN i.number IS NOT NULL AND i.settled_on IS NOT NULL
                   WHEN 3 THEN i.number IS NOT NULL AND i.settled_on IS NULL AND i.due_date < ?5
                   WHEN 4 THEN i.number IS NOT NULL AND i.settled_on IS NULL AND (i.due_date IS NULL OR i.due_date >= ?5)
                   ELSE 1 END
             ORDER BY i.date DESC, i.number IS NOT NULL, i.number DESC, i.id",
        )?;
        // The customer's name, read for the invoices shown only, once each.
        let mut names =
            self.conn.prepare_cached("SELECT value FROM p_contact_fields WHERE contact = ?1 AND field = 'name'")?;
        let mut named: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        let mut sums = self.conn.prepare_cached(
            "SELECT coalesce((SELECT sum(a.amount_minor) FROM p_payment_allocations a WHERE a.invoice = ?1), 0),
                    coalesce((SELECT sum(c.gross_minor) FROM p_credit_notes c WHERE c.invoice = ?1), 0),
                    coalesce((SELECT sum(r.fee_minor) FROM p_reminders r WHERE r.invoice = ?1), 0)",
        )?;
        let mut rows = statement.query(params![
            filter.contact,
            filter.from.map(date_text),
            filter.to.map(date_text),
            narrow,
            date_text(today)
        ])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            if filter.limit.is_some_and(|limit| out.len() >= limit) {
                break;
            }
            let id: String = row.get(0)?;
            let number: Option<String> = row.get(1)?;
            let date = stored_date(&row.get::<_, String>(3)?)?;
            let due_date = row.get::<_, Option<String>>(4)?.as_deref().map(stored_date).transpose()?;
            let gross_minor = match row.get::<_, Option<i64>>(6)? {
                Some(gross) if number.is_some() => gross,
                _ => self.invoice(&id)?.totals.map_or(0, |totals| totals.gross_minor),
            };
            let mut summary = InvoiceSummary {
                id,
                number,
                contact: row.get(2)?,
                customer: String::new(),
                date,
                due_date,
                currency: stored_currency(&row.get::<_, String>(5)?)?,
                gross_minor,
                paid_minor: 0,
                credited_minor: 0,
                fees_minor: 0,
                status: InvoiceStatus::Draft,
            };
            if let Some(number) = &summary.number {
                (summary.paid_minor, summary.credited_minor, summary.fees_minor) =
                    sums.query_row([number], |sums| Ok((sums.get(0)?, sums.get(1)?, sums.get(2)?)))?;
            }
            summary.status = match &summary.number {
                None => InvoiceStatus::Draft,
                Some(_) if summary.credited_minor >= summary.gross_minor => InvoiceStatus::Credited,
                Some(_) if summary.open_minor() == 0 => InvoiceStatus::Paid,
                Some(_) if summary.due_date.is_some_and(|due| due < today) => InvoiceStatus::Overdue,
                Some(_) if summary.paid_minor > 0 || summary.credited_minor > 0 => InvoiceStatus::PartlyPaid,
                Some(_) => InvoiceStatus::Open,
            };
            if filter.status.is_none_or(|status| status == summary.status) {
                summary.customer = match named.get(&summary.contact) {
                    Some(name) => name.clone(),
                    None => {
                        let name: Option<String> = names.query_row([&summary.contact], |row| row.get(0)).optional()?;
                        let name = name.unwrap_or_else(|| summary.contact.clone());
                        named.insert(summary.contact.clone(), name.clone());
                        name
                    }
                };
                out.push(summary);
            }
        }
        Ok(out)
    }
}

/// One fact of a document's history: when, on which device, by whom, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryItem {
    pub wall_ms: u64,
    pub node_short: String,
    /// The name of the person who recorded it through the web app; none from the command line.
    pub by: Option<String>,
    pub fact: Fact,
}

impl Store {
    /// Every fact about an invoice (drafted, lines, issued, payments allocated to it,
    /// reminders, credit notes) in merge order, with who recorded it.
    pub fn invoice_history(&self, id_or_number: &str) -> Result<Vec<HistoryItem>, StoreError> {
        let invoice = self.invoice(id_or_number)?;
        self.document_history(&invoice.id, invoice.number.as_deref())
    }

    /// The facts noted for a document (`note_event`) under its id or its number.
    pub(crate) fn document_history(&self, id: &str, number: Option<&str>) -> Result<Vec<HistoryItem>, StoreError> {
        let number = number.unwrap_or_default();
        let mut statement = self.conn.prepare_cached(
            "SELECT e.hlc_wall_ms, e.node, e.kind, e.payload FROM p_invoice_events d
             JOIN events e ON e.node = d.node AND e.seq = d.seq
             WHERE d.invoice IN (?1, ?2)
             ORDER BY d.hlc_wall_ms, d.hlc_logical, d.node, d.seq",
        )?;
        let mut rows = statement.query(params![id, number])?;
        let names: std::collections::HashMap<String, String> =
            self.users()?.into_iter().map(|user| (user.id, user.name)).collect();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let node: Vec<u8> = row.get(1)?;
            let kind: String = row.get(2)?;
            let payload: Vec<u8> = row.get(3)?;
            let Some(fact) = Fact::from_payload(&kind, &payload)? else { continue };
            let by = rempart_domain::facts::author(&payload).map(|id| names.get(&id).cloned().unwrap_or(id));
            out.push(HistoryItem {
                wall_ms: row.get::<_, i64>(0)? as u64,
                node_short: hex::encode(&node[..node.len().min(4)]),
                by,
                fact,
            });
        }
        Ok(out)
    }
}

/// Notes that the event at `origin` concerns the invoice `invoice` (its draft id, or its number
/// for what names it by number), for its history.
pub(crate) fn note_event(conn: &Connection, origin: crate::project::Origin, invoice: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO p_invoice_events (invoice, hlc_wall_ms, hlc_logical, node, seq) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        invoice,
        origin.hlc.wall_ms as i64,
        origin.hlc.logical,
        &origin.node.as_bytes()[..],
        origin.seq.0 as i64
    ])?;
    Ok(())
}

/// Projects a `InvoiceDrafted` fact.
pub(crate) fn project_invoice_drafted(conn: &Connection, draft: &InvoiceDrafted) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO p_invoices (id, contact, date, currency, cash_rounding) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        draft.id,
        draft.contact,
        date_text(draft.date),
        draft.currency.as_str(),
        draft.cash_rounding
    ])?;

    Ok(())
}

/// Projects a `InvoiceLineAdded` fact.
pub(crate) fn project_invoice_line_added(conn: &Connection, added: &InvoiceLineAdded) -> Result<(), StoreError> {
    // A draft only: an invoice issued holds the lines it was issued with.
    let next: Option<u32> = conn
        .prepare_cached(
            "SELECT (SELECT coalesce(max(line), 0) + 1 FROM p_invoice_lines WHERE invoice = ?1)
             FROM p_invoices WHERE id = ?1 AND number IS NULL",
        )?
        .query_row([&added.id], |row| row.get(0))
        .optional()?;
    if let Some(next) = next {
        insert_line(conn, &added.id, next, &added.line)?;
    }
    Ok(())
}

/// A table of document lines: invoices' or quotes', and the column naming their document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lines {
    pub(crate) table: &'static str,
    pub(crate) owner: &'static str,
}

/// The lines of invoices.
pub(crate) const INVOICE_LINES: Lines = Lines { table: "p_invoice_lines", owner: "invoice" };

/// Writes line `number` of an invoice, in place of the one of that number if any.
fn insert_line(conn: &Connection, invoice: &str, number: u32, line: &InvoiceLine) -> Result<(), StoreError> {
    write_line(conn, INVOICE_LINES, invoice, number, line)
}

/// Writes line `number` of a document in `lines`, in place of the one of that number if any.
pub(crate) fn write_line(
    conn: &Connection,
    lines: Lines,
    document: &str,
    number: u32,
    line: &InvoiceLine,
) -> Result<(), StoreError> {
    let Lines { table, owner } = lines;
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO {table} ({owner}, line, item, text, quantity_milli, unit_price_minor, discount_bp, vat_code, account, unit, comment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    ))?
    .execute(params![
        document,
        number,
        line.item,
        line.text,
        line.quantity_milli,
        line.unit_price_minor,
        line.discount_bp,
        line.vat_code,
        line.account,
        line.unit,
        line.comment
    ])?;
    Ok(())
}

/// Projects an `InvoiceLineChanged` fact: a line the draft has (not an issued invoice's).
pub(crate) fn project_invoice_line_changed(conn: &Connection, changed: &InvoiceLineChanged) -> Result<(), StoreError> {
    let held = conn
        .prepare_cached(
            "SELECT 1 FROM p_invoice_lines l JOIN p_invoices i ON i.id = l.invoice
             WHERE l.invoice = ?1 AND l.line = ?2 AND i.number IS NULL",
        )?
        .query_row(params![changed.id, changed.line], |_| Ok(()))
        .optional()?
        .is_some();
    if held {
        insert_line(conn, &changed.id, changed.line, &changed.new)?;
    }
    Ok(())
}

/// Projects an `InvoiceLineRemoved` fact. The line's number is not given again.
pub(crate) fn project_invoice_line_removed(conn: &Connection, removed: &InvoiceLineRemoved) -> Result<(), StoreError> {
    conn.prepare_cached(
        "DELETE FROM p_invoice_lines WHERE invoice = ?1 AND line = ?2
           AND (SELECT number FROM p_invoices WHERE id = ?1) IS NULL",
    )?
    .execute(params![removed.id, removed.line])?;
    Ok(())
}

/// Projects an `InvoiceDiscarded` fact: a draft only; an invoice issued (on another device)
/// stays.
pub(crate) fn project_invoice_discarded(conn: &Connection, discarded: &InvoiceDiscarded) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE p_invoices SET discarded = 1 WHERE id = ?1 AND number IS NULL")?
        .execute([&discarded.id])?;
    Ok(())
}

/// The invoice `id_or_number` (a draft by its id, an issued one by either), as `conn` holds it.
fn read_invoice(conn: &Connection, state: &LedgerState, id_or_number: &str) -> Result<Invoice, StoreError> {
    let header = conn
        .query_row(
            "SELECT id, contact, date, currency, cash_rounding, number, due_date, discarded FROM p_invoices
                 WHERE id = ?1 OR number = ?1",
            [id_or_number],
            |row| {
                Ok(HeaderRow {
                    id: row.get(0)?,
                    contact: row.get(1)?,
                    date: row.get(2)?,
                    currency: row.get(3)?,
                    cash_rounding: row.get(4)?,
                    number: row.get(5)?,
                    due_date: row.get(6)?,
                    discarded: row.get(7)?,
                })
            },
        )
        .optional()?;
    let HeaderRow { id, contact, date, currency, cash_rounding, number, due_date, discarded } =
        header.ok_or_else(|| InvoiceError::UnknownInvoice { id: id_or_number.to_owned() })?;
    let (lines, line_numbers) = read_lines(conn, INVOICE_LINES, &id)?;
    let date = stored_date(&date)?;
    let totals = totals(state, &lines, date, cash_rounding).ok();
    Ok(Invoice {
        id,
        contact,
        date,
        currency: stored_currency(&currency)?,
        cash_rounding,
        number,
        due_date: due_date.as_deref().map(stored_date).transpose()?,
        lines,
        line_numbers,
        totals,
        discarded,
    })
}

/// The lines of a document in `lines`, in order, with the number of each.
pub(crate) fn read_lines(
    conn: &Connection,
    lines: Lines,
    document: &str,
) -> Result<(Vec<InvoiceLine>, Vec<u32>), StoreError> {
    let Lines { table, owner } = lines;
    let mut statement = conn.prepare_cached(&format!(
        "SELECT item, text, quantity_milli, unit_price_minor, discount_bp, vat_code, account, line, unit, comment
             FROM {table} WHERE {owner} = ?1 ORDER BY line",
    ))?;
    let numbered = statement
        .query_map([document], |row| {
            let line = InvoiceLine {
                item: row.get(0)?,
                text: row.get(1)?,
                quantity_milli: row.get(2)?,
                unit: row.get(8)?,
                unit_price_minor: row.get(3)?,
                discount_bp: row.get(4)?,
                vat_code: row.get(5)?,
                account: row.get(6)?,
                comment: row.get(9)?,
            };
            Ok((line, row.get::<_, u32>(7)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(numbered.into_iter().unzip())
}

/// The draft `id`, as `conn` holds it, refused if it was issued or discarded.
fn draft_in(conn: &Connection, state: &LedgerState, id: &str) -> Result<Invoice, StoreError> {
    let invoice = read_invoice(conn, state, id)?;
    if let Some(number) = invoice.number {
        return Err(InvoiceError::AlreadyIssued { id: invoice.id, number }.into());
    }
    if invoice.discarded {
        return Err(InvoiceError::Discarded { id: invoice.id }.into());
    }
    Ok(invoice)
}

/// The record under which each issue of a draft is noted in `p_creations`: a draft issued on
/// two devices apart (or by a device turned against the company) is issued twice.
pub(crate) const ISSUE_RECORD: &str = "invoice_issue";

/// Projects a `InvoiceIssued` fact. A draft issued already (by an issue earlier in merge order,
/// on another device apart) keeps its first number and lines: an issued invoice never changes;
/// the second issue's number is taken in its series, and the conflict lists it
/// (`Conflict::InvoiceIssuedTwice`).
pub(crate) fn project_invoice_issued(conn: &Connection, issued: &InvoiceIssued) -> Result<(), StoreError> {
    note_sequence(conn, &issued.series, issued.sequence)?;
    let updated = conn
        .prepare_cached(
            "UPDATE p_invoices SET number = ?2, series = ?3, sequence = ?4, due_date = ?5, gross_minor = ?6, entry_id = ?7,
             discarded = 0
         WHERE id = ?1 AND number IS NULL",
        )?
        .execute(params![
        issued.id,
        issued.number,
        issued.series,
        issued.sequence as i64,
        date_text(issued.due_date),
        issued.gross_minor,
        issued.entry_id
    ])?;
    if updated == 0 {
        return Ok(());
    }
    if !issued.lines.is_empty() {
        conn.prepare_cached("DELETE FROM p_invoice_lines WHERE invoice = ?1")?.execute([&issued.id])?;
        for (number, line) in (1u32..).zip(&issued.lines) {
            insert_line(conn, &issued.id, number, line)?;
        }
    }
    let date: String =
        conn.prepare_cached("SELECT date FROM p_invoices WHERE id = ?1")?.query_row([&issued.id], |row| row.get(0))?;
    crate::vat_due::project_moves(
        conn,
        (&issued.number, crate::vat_due::Move::Issued, &issued.number),
        &date,
        issued.vat_awaiting.iter().map(|waiting| (waiting.code.clone(), waiting.base_minor, waiting.tax_minor)),
        1,
    )?;
    // Payments, credit notes or reminders of this invoice may have been taken in
    // before its issue (from another node, by sync).
    settle(conn, &issued.number)?;

    Ok(())
}

/// Projects a `CreditNoteIssued` fact.
pub(crate) fn project_credit_note_issued(conn: &Connection, credit: &CreditNoteIssued) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO p_credit_notes (number, id, invoice, date, series, sequence, gross_minor, entry_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        credit.number,
        credit.id,
        credit.invoice,
        date_text(credit.date),
        credit.series,
        credit.sequence as i64,
        credit.gross_minor,
        credit.entry_id
    ])?;
    note_sequence(conn, &credit.series, credit.sequence)?;
    crate::vat_due::project_moves(
        conn,
        (&credit.invoice, crate::vat_due::Move::Credited, &credit.number),
        &date_text(credit.date),
        credit.vat_released.iter().map(|released| (released.code.clone(), released.base_minor, released.tax_minor)),
        -1,
    )?;
    crate::vat_due::project_moves(
        conn,
        (&credit.invoice, crate::vat_due::Move::Settled, &credit.number),
        &date_text(credit.date),
        credit.vat_due.iter().map(|due| (due.code.clone(), due.base_minor, due.tax_minor)),
        -1,
    )?;
    settle(conn, &credit.invoice)?;

    Ok(())
}

/// Notes the highest sequence given in a series of invoice and credit note numbers, whatever
/// the order the documents arrive in.
pub(crate) fn note_sequence(conn: &Connection, series: &str, sequence: u64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO p_invoice_series (series, last) VALUES (?1, ?2)
         ON CONFLICT (series) DO UPDATE SET last = max(last, excluded.last)",
    )?
    .execute(params![series, sequence as i64])?;
    Ok(())
}

/// Sets when invoice `number` was settled, from everything paid, credited and charged on it:
/// the last day anything moved if nothing is left open, else NULL. More than its total comes
/// only from devices that paid or credited it apart: the excess is the customer's credit
/// (`Store::customer_credits`) and `rempart conflicts` lists the invoice. It depends only on
/// those rows, so replaying the same facts in any order gives the same value.
pub(crate) fn settle(conn: &Connection, number: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE p_invoices SET settled_on = (
             SELECT CASE WHEN p_invoices.gross_minor + r.fees - a.paid - c.credited <= 0
                         THEN max(r.last, a.last, c.last) END
             FROM (SELECT coalesce(sum(fee_minor), 0) AS fees, coalesce(max(date), '') AS last
                   FROM p_reminders WHERE invoice = ?1) r,
                  (SELECT coalesce(sum(x.amount_minor), 0) AS paid, coalesce(max(p.date), '') AS last
                   FROM p_payment_allocations x JOIN p_payments p ON p.id = x.payment WHERE x.invoice = ?1) a,
                  (SELECT coalesce(sum(gross_minor), 0) AS credited, coalesce(max(date), '') AS last
                   FROM p_credit_notes WHERE invoice = ?1) c),
             received_minor =
                 (SELECT coalesce(sum(amount_minor), 0) FROM p_payment_allocations WHERE invoice = ?1)
                 + (SELECT coalesce(sum(gross_minor), 0) FROM p_credit_notes WHERE invoice = ?1)
         WHERE number = ?1",
    )?
    .execute([number])?;
    Ok(())
}

/// The projection tables of this module (`schema::PROJECTIONS` gives their order in the state
/// hash).
pub(crate) const SCHEMA: &str = "
-- Invoices: a draft has no number; issuing sets number, series, sequence, due date and total.
CREATE TABLE p_invoices (
    id TEXT PRIMARY KEY,
    contact TEXT NOT NULL,
    date TEXT NOT NULL,
    currency TEXT NOT NULL,
    cash_rounding INTEGER NOT NULL,
    number TEXT UNIQUE,
    series TEXT,
    sequence INTEGER,
    due_date TEXT,
    gross_minor INTEGER,
    entry_id TEXT,
    -- The last day anything was paid, credited or charged on an invoice whose open amount is
    -- now zero; NULL while something is open. Receivables on a day skip the invoices settled by then.
    settled_on TEXT,
    -- All paid and credited on it, whatever the day: only an invoice where it is beyond the
    -- total can be a customer's credit on any day (`Store::customer_credits`).
    received_minor INTEGER NOT NULL DEFAULT 0,
    -- A draft thrown away (`invoice.discarded`); issuing clears it.
    discarded INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
-- A customer's invoices by date, for payments and the receivables of one contact.
CREATE INDEX p_invoices_contact ON p_invoices (contact, date);

-- The events about each invoice (by draft id, and by number for payments, reminders and credit
-- notes), in merge order: its history without a scan of the log.
CREATE TABLE p_invoice_events (
    invoice TEXT NOT NULL,
    hlc_wall_ms INTEGER NOT NULL,
    hlc_logical INTEGER NOT NULL,
    node BLOB NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (invoice, hlc_wall_ms, hlc_logical, node, seq)
) WITHOUT ROWID;

CREATE TABLE p_invoice_lines (
    invoice TEXT NOT NULL,
    line INTEGER NOT NULL,
    item TEXT,
    text TEXT NOT NULL,
    quantity_milli INTEGER NOT NULL,
    unit_price_minor INTEGER NOT NULL,
    discount_bp INTEGER NOT NULL,
    vat_code TEXT NOT NULL,
    account TEXT NOT NULL,
    unit TEXT,
    comment INTEGER NOT NULL,
    PRIMARY KEY (invoice, line)
) WITHOUT ROWID;

-- Last number issued in each series (one series per node and year).
CREATE TABLE p_invoice_series (
    series TEXT PRIMARY KEY,
    last INTEGER NOT NULL
) WITHOUT ROWID;

-- Credit notes, each against one issued invoice; their lines are in their events.
CREATE TABLE p_credit_notes (
    number TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    invoice TEXT NOT NULL,
    date TEXT NOT NULL,
    series TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    gross_minor INTEGER NOT NULL,
    entry_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX p_credit_notes_invoice ON p_credit_notes (invoice);
";

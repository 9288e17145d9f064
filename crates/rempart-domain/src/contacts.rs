//! Contacts (customers and suppliers) as field-level registers.
//!
//! A contact is an id and a set of fields. Every edit sets or clears fields; each field is a
//! last-writer-wins register ordered by the stamp of the event that wrote it (HLC, then node id),
//! so two nodes editing different fields offline both win, and the same field resolves the same
//! way on every node whatever order the edits arrive in. Overwritten values stay in the log and
//! in the contact's history.
//!
//! Field names: the standard fields below; company-defined fields `x.NAME`; and fields of
//! repeated records such as a customer's vehicles, `RECORD.INDEX.NAME` (`vehicle.1.plate`), whose
//! `RECORD.NAME` must have been defined, but for a vehicle's own fields (`vehicles::FIELDS`).

use std::collections::BTreeMap;

use crate::facts::{Described, FactKind, Merge};
use serde::{Deserialize, Serialize};

/// Longest field value, in bytes.
pub const FIELD_VALUE_BYTES_MAX: usize = 1000;
/// Longest contact id, in bytes.
pub const CONTACT_ID_BYTES_MAX: usize = 64;

/// The fields every contact has, with what a value must look like.
pub const STANDARD_FIELDS: &[&str] = &[
    "name",
    "role",
    "street",
    "building_number",
    "postcode",
    "town",
    "country",
    "email",
    "phone",
    "vat_number",
    "siren",
    "siret",
    "payment_terms_days",
    "language",
];

/// The order of two writes to the same field: HLC time, then node id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Stamp {
    pub wall_ms: u64,
    pub logical: u32,
    pub node: [u8; 16],
}

/// A last-writer-wins register: the value written under the greatest stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    pub value: Option<String>,
    pub stamp: Stamp,
}

impl Register {
    /// Applies a write; returns whether it won. A write under an older or equal stamp loses, so
    /// applying the same writes in any order gives the same register.
    pub fn write(&mut self, value: Option<String>, stamp: Stamp) -> bool {
        if stamp > self.stamp {
            self.value = value;
            self.stamp = stamp;
            true
        } else {
            false
        }
    }
}

/// The fields of one contact, each a register.
pub type ContactFields = BTreeMap<String, Register>;

/// Applies the writes of one edit to a contact's fields.
pub fn merge_edit(fields: &mut ContactFields, edit: &BTreeMap<String, Option<String>>, stamp: Stamp) {
    for (name, value) in edit {
        match fields.get_mut(name) {
            Some(register) => {
                register.write(value.clone(), stamp);
            }
            None => {
                fields.insert(name.clone(), Register { value: value.clone(), stamp });
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    Number,
    Date,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
        }
    }
}

impl std::str::FromStr for FieldKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "text" => Ok(FieldKind::Text),
            "number" => Ok(FieldKind::Number),
            "date" => Ok(FieldKind::Date),
            other => Err(format!("unknown field type \"{other}\": use text, number or date")),
        }
    }
}

/// A field a company adds to its contacts: `x.NAME`, or `RECORD.NAME` for repeated records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactFieldDefined {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactCreated {
    pub id: String,
}

/// Sets (`Some`) or clears (`None`) fields of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactEdited {
    pub id: String,
    pub fields: BTreeMap<String, Option<String>>,
    /// For each field written, the stamps of the values it replaced as the recording node held
    /// them (every write of the field no other write there had replaced, comma-separated; empty
    /// text when the field had none): writes of one field that no write replaced are several
    /// when devices wrote it apart, and the later in merge order hides the others (`rempart
    /// conflicts` lists them until a write replaces them all). Empty in edits recorded before it
    /// existed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub base: BTreeMap<String, String>,
}

/// What is wrong with a field's value, each told from the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValueProblem {
    #[error("longer than 1000 bytes")]
    TooLong,
    #[error("empty or with spaces at either end; clear a field with --clear")]
    Spacing,
    #[error("use customer, supplier or both")]
    Role,
    #[error("use the two-letter ISO code, such as CH or FR")]
    Country,
    #[error("not an e-mail address")]
    Email,
    #[error("not a phone number")]
    Phone,
    #[error(
        "not a Swiss UID with a valid check digit (such as CHE-116.281.710, or CHE-116.281.710 MWST) or a French VAT number (FR + key + SIREN, such as FR40303265045)"
    )]
    VatNumber,
    #[error("a SIREN is 9 digits with a valid check digit, such as 732 829 320")]
    Siren,
    #[error("a SIRET is 14 digits with a valid check digit, such as 732 829 320 00074")]
    Siret,
    #[error("a number of days, 0 to 365")]
    PaymentDays,
    #[error("use fr, de, en or it")]
    Language,
    #[error("a whole number")]
    WholeNumber,
    #[error("a date written YYYY-MM-DD")]
    Date,
    #[error("a plate is 1 to 16 letters, digits, spaces, dots or hyphens, such as VD 123 456")]
    Plate,
    #[error("a VIN is 17 letters and digits, without I, O or Q, such as WVWZZZ1KZAW000001")]
    Vin,
    #[error("not an IBAN with a valid check digit (a QR-IBAN goes in qr_iban)")]
    Iban,
    #[error("a VAT method as `rempart company vat-method` writes it")]
    VatMethod,
    #[error("a PNG file of at most 512 KiB, in base64: set it with `rempart company logo FILE`")]
    Logo,
    #[error("not a QR-IBAN: a Swiss IBAN with institution id 30000-31999")]
    QrIban,
    #[error("a number of days, 1 to 365")]
    Days,
    #[error("an amount such as 20.00")]
    Fee,
    #[error("the label is empty")]
    EmptyLabel,
    #[error("write FIELD=VALUE")]
    Assignment,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("\"{id}\" is not a contact id: use 1 to 64 visible characters without spaces")]
    BadId { id: String },
    #[error("contact {id} does not exist")]
    UnknownContact { id: String },
    #[error("several contacts are named {name}: {}; name one by its number", numbers.join(", "))]
    AmbiguousName { name: String, numbers: Vec<String> },
    #[error("contact {id} already exists")]
    ContactExists { id: String },
    #[error("a contact needs a name")]
    NameMissing,
    #[error("\"{name}\" is not a contact field: use a standard field ({}), x.NAME or RECORD.NUMBER.NAME defined with `rempart contact field add`", STANDARD_FIELDS.join(", "))]
    UnknownField { name: String },
    #[error(
        "\"{name}\" is not a valid name for a new field: use x.NAME or RECORD.NAME in lower case letters, digits and _"
    )]
    BadFieldName { name: String },
    #[error("field {name} is already defined")]
    FieldExists { name: String },
    #[error("{field}: \"{value}\" is not valid: {reason}")]
    BadValue { field: String, value: String, reason: ValueProblem },
    #[error("nothing to change")]
    NothingToChange,
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && text.as_bytes()[0].is_ascii_lowercase()
}

/// Checks the name of a field to define: `x.NAME` or `RECORD.NAME`.
pub fn check_new_field_name(name: &str) -> Result<(), ContactError> {
    let bad = || ContactError::BadFieldName { name: name.to_owned() };
    let (record, field) = name.split_once('.').ok_or_else(bad)?;
    if !is_identifier(record) || !is_identifier(field) || STANDARD_FIELDS.contains(&record) {
        return Err(bad());
    }
    Ok(())
}

/// The definition key of a field name: `name` itself for standard and `x.` fields, `RECORD.NAME`
/// for `RECORD.INDEX.NAME`. `None` when the name has no valid shape.
pub fn definition_key(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        [field] if STANDARD_FIELDS.contains(field) => Some((*field).to_owned()),
        [record, field] if *record == "x" && is_identifier(field) => Some(name.to_owned()),
        [record, index, field]
            if is_identifier(record)
                && is_identifier(field)
                && !index.is_empty()
                && index.len() <= 4
                && index.bytes().all(|b| b.is_ascii_digit())
                && !index.starts_with('0') =>
        {
            Some(format!("{record}.{field}"))
        }
        _ => None,
    }
}

pub fn check_contact_id(id: &str) -> Result<(), ContactError> {
    if id.is_empty() || id.len() > CONTACT_ID_BYTES_MAX || !id.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ContactError::BadId { id: id.to_owned() });
    }
    Ok(())
}

/// Luhn check, as used by SIREN and SIRET numbers.
fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (index, digit) in digits.bytes().rev().enumerate() {
        let mut value = u32::from(digit - b'0');
        if index % 2 == 1 {
            value *= 2;
            if value > 9 {
                value -= 9;
            }
        }
        sum += value;
    }
    sum.is_multiple_of(10)
}

/// Swiss enterprise number (UID) `CHE-123.456.789`, with its modulo-11 check digit, optionally
/// followed by ` MWST`, ` TVA`, ` IVA`.
fn swiss_uid_valid(value: &str) -> bool {
    let core = ["MWST", "TVA", "IVA"].iter().find_map(|suffix| value.strip_suffix(suffix)).map_or(value, str::trim_end);
    let Some(number) = core.strip_prefix("CHE-") else { return false };
    let digits: Vec<u32> = number.chars().filter(|c| *c != '.').map(|c| c.to_digit(10).unwrap_or(99)).collect();
    let shape = number.len() == 11 && number.as_bytes()[3] == b'.' && number.as_bytes()[7] == b'.';
    if !shape || digits.len() != 9 || digits.iter().any(|d| *d > 9) {
        return false;
    }
    const WEIGHTS: [u32; 8] = [5, 4, 3, 2, 7, 6, 5, 4];
    let sum: u32 = digits[..8].iter().zip(WEIGHTS).map(|(digit, weight)| digit * weight).sum();
    let check = (11 - sum % 11) % 11;
    check != 10 && check == digits[8]
}

/// French VAT number `FR` + 2-digit key + SIREN, where key = (12 + 3 × (SIREN mod 97)) mod 97.
fn french_vat_valid(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("FR") else { return false };
    if rest.len() != 11 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let (key, siren) = rest.split_at(2);
    let (Ok(key), Ok(siren_number)) = (key.parse::<u64>(), siren.parse::<u64>()) else { return false };
    luhn_valid(siren) && key == (12 + 3 * (siren_number % 97)) % 97
}

/// The spaces people put inside numbers: a space, a no-break space, a narrow no-break space.
fn is_spacing(c: char) -> bool {
    crate::locale::FRENCH_GROUPS.contains(&c)
}

/// A field's value as it is kept, from the way a person wrote it: identifiers written with or
/// without their separators take their one printed form before they are checked. A Swiss UID
/// `CHE123456788`, `che 123 456 788` or `CHE-123.456.788 mwst` becomes `CHE-123.456.788` (with
/// ` MWST`, ` TVA` or ` IVA` kept); a French VAT number `FR 40 303 265 045` becomes
/// `FR40303265045`; a SIREN `732 829 320` or SIRET `732 829 320 00074` loses its spaces. Other
/// values, and what does not have an identifier's shape, are kept as written (and checked so).
pub fn normalise_value(key: &str, value: &str) -> String {
    match key {
        "siren" | "siret" => {
            let digits: String = value.trim().chars().filter(|c| !is_spacing(*c)).collect();
            if digits.bytes().all(|b| b.is_ascii_digit()) { digits } else { value.to_owned() }
        }
        "vat_number" => {
            let upper = value.trim().to_uppercase();
            let (core, suffix) = ["MWST", "TVA", "IVA"]
                .iter()
                .find_map(|suffix| upper.strip_suffix(suffix).map(|core| (core.to_owned(), Some(*suffix))))
                .unwrap_or((upper.clone(), None));
            let compact: String = core.chars().filter(|c| !is_spacing(*c) && !matches!(c, '-' | '.')).collect();
            let digits_after = |prefix: &str, count: usize| {
                compact
                    .strip_prefix(prefix)
                    .filter(|rest| rest.len() == count && rest.bytes().all(|b| b.is_ascii_digit()))
                    .map(str::to_owned)
            };
            if let Some(digits) = digits_after("CHE", 9) {
                let uid = format!("CHE-{}.{}.{}", &digits[..3], &digits[3..6], &digits[6..]);
                return match suffix {
                    Some(suffix) => format!("{uid} {suffix}"),
                    None => uid,
                };
            }
            match (digits_after("FR", 11), suffix) {
                (Some(digits), None) => format!("FR{digits}"),
                _ => value.to_owned(),
            }
        }
        "vehicle.plate" => crate::vehicles::plate_form(value),
        "vehicle.vin" => value.split_whitespace().collect::<String>().to_uppercase(),
        _ => value.to_owned(),
    }
}

/// Puts every identifier of an edit in its printed form (`normalise_value`), before it is
/// checked and recorded.
pub fn normalise_edit(fields: &mut BTreeMap<String, Option<String>>) {
    for (name, value) in fields.iter_mut() {
        if let (Some(key), Some(text)) = (definition_key(name), value.as_mut()) {
            *text = normalise_value(&key, text);
        }
    }
}

/// Checks the value of a field, by its definition key and, for company fields, its kind.
pub fn check_value(field: &str, key: &str, kind: Option<FieldKind>, value: &str) -> Result<(), ContactError> {
    let bad =
        |reason: ValueProblem| ContactError::BadValue { field: field.to_owned(), value: value.to_owned(), reason };
    if value.len() > FIELD_VALUE_BYTES_MAX {
        return Err(bad(ValueProblem::TooLong));
    }
    if value.trim() != value || value.is_empty() {
        return Err(bad(ValueProblem::Spacing));
    }
    let digits = |count: usize| value.len() == count && value.bytes().all(|b| b.is_ascii_digit());
    match key {
        "role" if !matches!(value, "customer" | "supplier" | "both") => Err(bad(ValueProblem::Role)),
        "country" if !(value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase())) => {
            Err(bad(ValueProblem::Country))
        }
        "email" if !value.split_once('@').is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.')) => {
            Err(bad(ValueProblem::Email))
        }
        "phone" if !value.bytes().all(|b| b.is_ascii_digit() || b" +()-./".contains(&b)) => {
            Err(bad(ValueProblem::Phone))
        }
        "vat_number" if !(swiss_uid_valid(value) || french_vat_valid(value)) => Err(bad(ValueProblem::VatNumber)),
        "siren" if !(digits(9) && luhn_valid(value)) => Err(bad(ValueProblem::Siren)),
        "siret" if !(digits(14) && luhn_valid(value)) => Err(bad(ValueProblem::Siret)),
        "payment_terms_days" if !value.parse::<u16>().is_ok_and(|days| days <= 365) => {
            Err(bad(ValueProblem::PaymentDays))
        }
        "language" if !matches!(value, "fr" | "de" | "en" | "it") => Err(bad(ValueProblem::Language)),
        "vehicle.plate" if crate::vehicles::plate_problem(value).is_some() => Err(bad(ValueProblem::Plate)),
        "vehicle.vin" if crate::vehicles::vin_problem(value).is_some() => Err(bad(ValueProblem::Vin)),
        _ => match kind {
            Some(FieldKind::Number) if value.parse::<i64>().is_err() => Err(bad(ValueProblem::WholeNumber)),
            Some(FieldKind::Date) if crate::rules::parse_date(value).is_err() => Err(bad(ValueProblem::Date)),
            _ => Ok(()),
        },
    }
}

/// Checks the writes of a contact edit against the standard fields and the company's own.
pub fn check_edit(
    definitions: &std::collections::HashMap<String, ContactFieldDefined>,
    fields: &BTreeMap<String, Option<String>>,
) -> Result<(), ContactError> {
    if fields.is_empty() {
        return Err(ContactError::NothingToChange);
    }
    for (name, value) in fields {
        let key = definition_key(name).ok_or_else(|| ContactError::UnknownField { name: name.clone() })?;
        // A vehicle's own fields are there without a definition, of their kind whatever a
        // company defined under their names.
        let kind = if STANDARD_FIELDS.contains(&key.as_str()) {
            None
        } else if let Some(kind) = crate::vehicles::field_kind(&key) {
            Some(kind)
        } else {
            Some(definitions.get(&key).ok_or_else(|| ContactError::UnknownField { name: name.clone() })?.kind)
        };
        match value {
            Some(value) => check_value(name, &key, kind, value)?,
            None if name == "name" => return Err(ContactError::NameMissing),
            None => {}
        }
    }
    Ok(())
}

impl FactKind for ContactFieldDefined {
    const KIND: &'static str = "contact.field_defined";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        Described::new("fact.contact_field_defined").text("name", &self.name)
    }
}

impl FactKind for ContactCreated {
    const KIND: &'static str = "contact.created";
    const VERSION: u32 = 1;
    /// Its projection is a row keyed by its id, the first in merge order standing, and a note of
    /// the creation keyed by its origin: in any order while the id is free.
    fn merge(&self) -> Merge<'_> {
        Merge::ContactUnlessTaken { id: &self.id }
    }
    fn describe(&self) -> Described {
        Described::new("fact.contact_created").text("id", &self.id)
    }
}

impl FactKind for ContactEdited {
    const KIND: &'static str = "contact.edited";
    const VERSION: u32 = 1;
    /// Each field is a register decided by its stamp; the history is keyed by the stamp.
    fn merge(&self) -> Merge<'_> {
        Merge::Commutes
    }
    fn describe(&self) -> Described {
        Described::new("fact.contact_edited").text("id", &self.id)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn identifiers_are_put_in_their_printed_form_before_they_are_checked() {
        for (key, written, kept) in [
            ("vat_number", "CHE116281710", "CHE-116.281.710"),
            ("vat_number", "che 116 281 710 mwst", "CHE-116.281.710 MWST"),
            ("vat_number", "CHE-116.281.710 TVA", "CHE-116.281.710 TVA"),
            ("vat_number", " CHE-116281710", "CHE-116.281.710"),
            ("vat_number", "FR 40 303 265 045", "FR40303265045"),
            ("siren", "732 829 320", "732829320"),
            ("siren", "732\u{202f}829\u{a0}320", "732829320"),
            ("siret", "732 829 320 00074", "73282932000074"),
            ("vat_number", "DE123456789", "DE123456789"),
            ("siren", "73282932O", "73282932O"),
            ("phone", "+41 21 000 00 00", "+41 21 000 00 00"),
        ] {
            assert_eq!(normalise_value(key, written), kept, "{key} {written:?}");
        }
        // What it gives is checked as before: valid numbers pass, others are still refused.
        for (key, written) in
            [("vat_number", "CHE116281710"), ("siren", "732 829 320"), ("vat_number", "FR 40 303 265 045")]
        {
            assert!(check_value(key, key, None, &normalise_value(key, written)).is_ok(), "{written}");
        }
        assert!(check_value("vat_number", "vat_number", None, &normalise_value("vat_number", "CHE116281711")).is_err());
        // The examples the messages give are valid numbers.
        assert!(swiss_uid_valid("CHE-116.281.710 MWST") && french_vat_valid("FR40303265045"));
        assert!(luhn_valid("732829320") && luhn_valid("73282932000074"));
    }

    #[test]
    fn identifiers_with_check_digits() {
        // Published examples: the UID of the Swiss Federal Statistical Office and a SIREN.
        assert!(swiss_uid_valid("CHE-116.281.710"));
        assert!(swiss_uid_valid("CHE-116.281.710 MWST"));
        assert!(!swiss_uid_valid("CHE-116.281.711"));
        assert!(!swiss_uid_valid("CHE116281710"));
        assert!(luhn_valid("732829320"));
        assert!(!luhn_valid("732829321"));
        assert!(french_vat_valid("FR44732829320"));
        assert!(!french_vat_valid("FR45732829320"));
        assert!(check_value("siret", "siret", None, "73282932000074").is_ok());
        assert!(check_value("siret", "siret", None, "73282932000075").is_err());
    }

    #[test]
    fn field_names() {
        assert_eq!(definition_key("town").as_deref(), Some("town"));
        assert_eq!(definition_key("x.loyalty_code").as_deref(), Some("x.loyalty_code"));
        assert_eq!(definition_key("vehicle.2.plate").as_deref(), Some("vehicle.plate"));
        for bad in ["vehicle.0.plate", "vehicle.02.plate", "Vehicle.1.plate", "vehicle.plate", "towns", "a.b.c.d"] {
            assert_eq!(definition_key(bad), None, "{bad}");
        }
        assert!(check_new_field_name("vehicle.plate").is_ok());
        assert!(check_new_field_name("town.x").is_err());
        assert!(check_new_field_name("vehicle").is_err());
    }

    fn stamp(wall_ms: u64, node: u8) -> Stamp {
        Stamp { wall_ms, logical: 0, node: [node; 16] }
    }

    proptest! {
        /// Any order of applying the same edits gives the same fields: the write with the
        /// greatest (HLC, node) wins each field, and edits to different fields all survive.
        #[test]
        fn merge_is_independent_of_order(
            edits in proptest::collection::vec((0u64..20, 0u8..3, proptest::collection::btree_map("[a-c]", proptest::option::of("[a-z]{1,3}"), 1..3)), 1..12),
            seed in any::<u64>(),
        ) {
            // Distinct stamps, as (HLC, node) always are for distinct events.
            let mut seen = std::collections::BTreeSet::new();
            let edits: Vec<_> = edits.into_iter().filter(|(wall, node, _)| seen.insert((*wall, *node))).collect();
            let mut in_order = ContactFields::new();
            for (wall, node, fields) in &edits {
                merge_edit(&mut in_order, fields, stamp(*wall, *node));
            }
            let mut shuffled = edits.clone();
            let mut state = seed | 1;
            for index in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(index, (state % (index as u64 + 1)) as usize);
            }
            let mut out_of_order = ContactFields::new();
            for (wall, node, fields) in &shuffled {
                merge_edit(&mut out_of_order, fields, stamp(*wall, *node));
            }
            prop_assert_eq!(&in_order, &out_of_order);
            for (name, register) in &in_order {
                let winner = edits.iter().filter(|(_, _, fields)| fields.contains_key(name)).max_by_key(|(wall, node, _)| (*wall, *node));
                let (_, _, fields) = winner.expect("a writer");
                prop_assert_eq!(&register.value, &fields[name]);
            }
        }
    }
}

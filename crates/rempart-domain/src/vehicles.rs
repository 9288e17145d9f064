//! Vehicles: a customer's cars as records of the contact (`vehicle.1.plate`, `vehicle.1.make`…),
//! there without the company declaring their fields; their plates and VINs checked and kept in
//! one printed form; and the vehicle a draft invoice or quote is for, with the mileage read at
//! the visit (`VehicleNoted`), which the document prints and the vehicle's history lists.

use serde::{Deserialize, Serialize};

use crate::contacts::FieldKind;
use crate::facts::{Described, FactKind, Merge};

/// The record every contact may hold, its fields built in.
pub const RECORD: &str = "vehicle";

/// The built-in fields of a vehicle, with their kind: what any company may write on a contact
/// (`vehicle.1.plate`) without defining it first. A company may still add fields of its own to
/// the record (`vehicle.colour`).
pub const FIELDS: &[(&str, FieldKind)] = &[
    ("plate", FieldKind::Text),
    ("make", FieldKind::Text),
    ("model", FieldKind::Text),
    ("vin", FieldKind::Text),
    ("first_registration", FieldKind::Date),
];

/// The most a mileage may read, in kilometres.
pub const MILEAGE_KM_MAX: u64 = 9_999_999;
/// Longest plate, in characters.
pub const PLATE_CHARS_MAX: usize = 16;

/// The kind of a built-in vehicle field (`vehicle.plate`), if `key` is one.
pub fn field_kind(key: &str) -> Option<FieldKind> {
    let field = key.strip_prefix(RECORD)?.strip_prefix('.')?;
    FIELDS.iter().find(|(name, _)| *name == field).map(|(_, kind)| *kind)
}

/// A plate as it is kept and printed: upper case, one space between groups (`vd  123456`
/// becomes `VD 123456`).
pub fn plate_form(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase()
}

/// A plate as it is searched: upper case without spaces, dots or hyphens (`VD 123 456`,
/// `vd123456` and `VD-123.456` are one plate).
pub fn plate_key(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect()
}

/// Why a plate is not one: empty, too long, or with characters no plate carries.
pub fn plate_problem(plate: &str) -> Option<&'static str> {
    let fitting = plate.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.'));
    if plate_key(plate).is_empty() || plate.chars().count() > PLATE_CHARS_MAX || !fitting {
        return Some("a plate is 1 to 16 letters, digits, spaces, dots or hyphens, such as VD 123 456");
    }
    None
}

/// Why a VIN is not one: ISO 3779, 17 letters and digits without I, O or Q.
pub fn vin_problem(vin: &str) -> Option<&'static str> {
    let shape = vin.len() == 17
        && vin.bytes().all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !matches!(b, b'I' | b'O' | b'Q')));
    (!shape).then_some("a VIN is 17 letters and digits, without I, O or Q, such as WVWZZZ1KZAW000001")
}

/// A vehicle as a contact's record holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vehicle {
    /// Its number among the contact's vehicles (`vehicle.2.…` is 2).
    pub record: u32,
    pub plate: String,
    pub make: Option<String>,
    pub model: Option<String>,
    pub vin: Option<String>,
    pub first_registration: Option<chrono::NaiveDate>,
}

impl Vehicle {
    /// The plate, then make and model, as a document names the vehicle (`VD 123 456, VW Golf`).
    pub fn name(&self) -> String {
        let mut name = self.plate.clone();
        let kind: Vec<&str> = [&self.make, &self.model].into_iter().flatten().map(String::as_str).collect();
        if !kind.is_empty() {
            name.push_str(", ");
            name.push_str(&kind.join(" "));
        }
        name
    }
}

/// A draft invoice or quote is for vehicle `record` of its customer, whose plate was `plate`
/// then, with the mileage read at the visit. The last noted in merge order before the document
/// is issued or sent stands; an acceptance gives the invoice draft its quote's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleNoted {
    /// The draft id of the invoice or quote.
    pub document: String,
    pub record: u32,
    pub plate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mileage_km: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VehicleError {
    #[error("no vehicle has the plate {plate}")]
    UnknownPlate { plate: String },
    #[error("several customers have a vehicle with the plate {plate}: {}; name the customer", contacts.join(", "))]
    AmbiguousPlate { plate: String, contacts: Vec<String> },
    #[error("the vehicle {plate} is not one of the customer {contact}'s")]
    NotTheCustomers { plate: String, contact: String },
    #[error("\"{text}\" is not a mileage: a whole number of kilometres up to 9999999")]
    BadMileage { text: String },
    #[error("a mileage needs the vehicle it was read on: give the plate too")]
    MileageWithoutVehicle,
}

/// Reads a mileage as people write it: `85000`, `85 000`, `85'000` or `85’000`, in kilometres.
pub fn parse_mileage(text: &str) -> Result<u64, VehicleError> {
    let bad = || VehicleError::BadMileage { text: text.to_owned() };
    let digits: String = text
        .trim()
        .trim_end_matches("km")
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '\'' | '’' | '.')))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 7 {
        return Err(bad());
    }
    digits.parse().map_err(|_| bad()).and_then(|km: u64| if km <= MILEAGE_KM_MAX { Ok(km) } else { Err(bad()) })
}

impl FactKind for VehicleNoted {
    const KIND: &'static str = "vehicle.noted";
    const VERSION: u32 = 1;
    fn merge(&self) -> Merge<'_> {
        Merge::Ordered
    }
    fn describe(&self) -> Described {
        let described = Described::new("fact.vehicle_noted").text("id", &self.document).text("plate", &self.plate);
        described.number("km", self.mileage_km.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_are_one_whatever_their_spaces_and_case() {
        assert_eq!(plate_form("  vd  123 456 "), "VD 123 456");
        assert_eq!(plate_key("VD 123 456"), plate_key("vd123456"));
        assert_eq!(plate_key("VD-123.456"), "VD123456");
        assert_eq!(plate_problem("VD 123 456"), None);
        assert_eq!(plate_problem("GE 1"), None);
        for bad in ["", " - ", "VD 123 456 789 0123", "VD/123", "VD_123"] {
            assert!(plate_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn vins_and_mileages_are_checked() {
        assert_eq!(vin_problem("WVWZZZ1KZAW000001"), None);
        for bad in ["WVWZZZ1KZAW00000", "WVWZZZ1KZAW0000012", "WVWZZZ1KZAO000001", "wvwzzz1kzaw000001"] {
            assert!(vin_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(parse_mileage("85000"), Ok(85_000));
        assert_eq!(parse_mileage("85 000 km"), Ok(85_000));
        assert_eq!(parse_mileage("85’000"), Ok(85_000));
        assert_eq!(parse_mileage("9999999"), Ok(MILEAGE_KM_MAX));
        for bad in ["", "-5", "12a", "10000000", "1,5"] {
            assert!(parse_mileage(bad).is_err(), "{bad}");
        }
        assert_eq!(field_kind("vehicle.first_registration"), Some(FieldKind::Date));
        assert_eq!(field_kind("vehicle.colour"), None);
        let golf =
            Vehicle { plate: "VD 1".into(), make: Some("VW".into()), model: Some("Golf".into()), ..Vehicle::default() };
        assert_eq!(golf.name(), "VD 1, VW Golf");
    }
}

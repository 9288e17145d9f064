//! The charts of accounts and VAT codes a new company starts with, as dated data: the Swiss SME
//! chart (Kontenrahmen KMU / plan comptable PME, classes 1 to 9) and the French plan comptable
//! général (classes 1 to 7), and the VAT rates of each country with the dates they are in force.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Currency;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Country {
    #[serde(rename = "CH")]
    Ch,
    #[serde(rename = "FR")]
    Fr,
}

impl Country {
    /// Whether an account of this country's chart holds cash or bank money: Swiss class 10
    /// (liquid funds), French accounts 51 (banks) and 53 (cash).
    pub fn is_cash_or_bank(self, account: &str) -> bool {
        match self {
            Country::Ch => account.starts_with("10"),
            Country::Fr => account.starts_with("51") || account.starts_with("53"),
        }
    }

    /// The bank account money is received on when none is named: 1020 (CH), 512 (FR).
    pub fn bank_account(self) -> &'static str {
        match self {
            Country::Ch => "1020",
            Country::Fr => "512",
        }
    }

    pub fn currency(self) -> Currency {
        match self {
            Country::Ch => Currency::CHF,
            Country::Fr => Currency::EUR,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Country::Ch => "CH",
            Country::Fr => "FR",
        }
    }
}

impl FromStr for Country {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "CH" | "ch" => Ok(Country::Ch),
            "FR" | "fr" => Ok(Country::Fr),
            other => Err(format!("unknown country \"{other}\": Rempart supports CH and FR")),
        }
    }
}

/// Where an account's balance goes in the statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    Asset,
    Liability,
    Equity,
    Revenue,
    Expense,
    /// Swiss class 9 closing accounts: neither balance sheet nor income statement.
    Closing,
}

impl AccountKind {
    pub const ALL: [AccountKind; 6] = [
        AccountKind::Asset,
        AccountKind::Liability,
        AccountKind::Equity,
        AccountKind::Revenue,
        AccountKind::Expense,
        AccountKind::Closing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Equity => "equity",
            AccountKind::Revenue => "revenue",
            AccountKind::Expense => "expense",
            AccountKind::Closing => "closing",
        }
    }

    pub fn is_balance_sheet(self) -> bool {
        matches!(self, AccountKind::Asset | AccountKind::Liability | AccountKind::Equity)
    }

    pub fn is_income_statement(self) -> bool {
        matches!(self, AccountKind::Revenue | AccountKind::Expense)
    }
}

impl FromStr for AccountKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        AccountKind::ALL.into_iter().find(|kind| kind.as_str() == text).ok_or_else(|| {
            format!("unknown account type \"{text}\": use asset, liability, equity, revenue, expense or closing")
        })
    }
}

impl fmt::Display for AccountKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One account of a built-in chart. Labels are French first (the users' language), with the
/// German and English labels where the chart has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartAccount {
    pub number: &'static str,
    pub kind: AccountKind,
    pub label_fr: &'static str,
    pub label_de: &'static str,
    pub label_en: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VatDirection {
    /// VAT charged to customers (due to the state).
    Output,
    /// VAT paid to suppliers (deductible).
    Input,
}

impl VatDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            VatDirection::Output => "output",
            VatDirection::Input => "input",
        }
    }
}

/// A VAT code with its rate and the dates it is in force. The rate is in hundredths of a percent
/// (810 = 8.10 %), so no rate is ever a floating-point number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatCode {
    pub code: String,
    pub label: String,
    pub rate_bp: u32,
    pub direction: VatDirection,
    pub account: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

impl VatCode {
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        date >= self.valid_from && self.valid_until.is_none_or(|until| date <= until)
    }
}

macro_rules! accounts {
    ($($number:literal $kind:ident $fr:literal $de:literal $en:literal;)*) => {
        &[$(ChartAccount { number: $number, kind: AccountKind::$kind, label_fr: $fr, label_de: $de, label_en: $en },)*]
    };
}

/// The Swiss SME chart (Kontenrahmen KMU), the accounts a small company actually uses.
pub const SWISS_SME_CHART: &[ChartAccount] = accounts! {
    "1000" Asset "Caisse" "Kasse" "Cash";
    "1020" Asset "Banque" "Bank" "Bank";
    "1060" Asset "Titres" "Wertschriften" "Securities";
    "1100" Asset "Créances résultant de livraisons et prestations (débiteurs)" "Forderungen aus Lieferungen und Leistungen (Debitoren)" "Trade receivables";
    "1109" Asset "Ducroire" "Delkredere" "Allowance for doubtful accounts";
    "1170" Asset "Impôt préalable TVA sur matériel, marchandises, prestations" "Vorsteuer MWST Material, Waren, Dienstleistungen" "Input VAT on materials, goods, services";
    "1171" Asset "Impôt préalable TVA sur investissements, autres charges" "Vorsteuer MWST Investitionen, übriger Betriebsaufwand" "Input VAT on investments, other expenses";
    "1176" Asset "Impôt anticipé à récupérer" "Verrechnungssteuer" "Withholding tax receivable";
    "1190" Asset "Autres créances à court terme" "Sonstige kurzfristige Forderungen" "Other short-term receivables";
    "1200" Asset "Marchandises commerciales" "Handelswaren" "Merchandise";
    "1210" Asset "Matières premières" "Rohstoffe" "Raw materials";
    "1260" Asset "Produits finis" "Fertige Erzeugnisse" "Finished goods";
    "1280" Asset "Travaux en cours" "Nicht fakturierte Dienstleistungen" "Work in progress";
    "1300" Asset "Actifs de régularisation" "Aktive Rechnungsabgrenzungen" "Prepaid expenses and accrued income";
    "1440" Asset "Prêts (actif)" "Darlehen (Aktiven)" "Loans granted";
    "1500" Asset "Machines et appareils" "Maschinen und Apparate" "Machinery and equipment";
    "1509" Asset "Correction de valeur machines et appareils" "Wertberichtigungen Maschinen und Apparate" "Accumulated depreciation, machinery";
    "1510" Asset "Mobilier et installations" "Mobiliar und Einrichtungen" "Furniture and fixtures";
    "1519" Asset "Correction de valeur mobilier et installations" "Wertberichtigungen Mobiliar und Einrichtungen" "Accumulated depreciation, furniture";
    "1520" Asset "Machines de bureau, informatique" "Büromaschinen, Informatik" "Office and IT equipment";
    "1530" Asset "Véhicules" "Fahrzeuge" "Vehicles";
    "1539" Asset "Correction de valeur véhicules" "Wertberichtigungen Fahrzeuge" "Accumulated depreciation, vehicles";
    "1540" Asset "Outillage et appareils" "Werkzeuge und Geräte" "Tools and devices";
    "1600" Asset "Immeubles d'exploitation" "Geschäftsliegenschaften" "Business premises";
    "1700" Asset "Brevets, licences" "Patente, Lizenzen" "Patents, licences";
    "2000" Liability "Dettes résultant d'achats et prestations (créanciers)" "Verbindlichkeiten aus Lieferungen und Leistungen (Kreditoren)" "Trade payables";
    "2030" Liability "Acomptes de clients" "Erhaltene Anzahlungen" "Customer prepayments";
    "2100" Liability "Dettes bancaires à court terme" "Bankverbindlichkeiten kurzfristig" "Short-term bank liabilities";
    "2200" Liability "TVA due" "Geschuldete MWST" "VAT payable";
    "2201" Liability "Décompte TVA" "Abrechnungskonto MWST" "VAT settlement account";
    "2206" Liability "Impôt anticipé dû" "Verrechnungssteuer" "Withholding tax payable";
    "2210" Liability "Autres dettes à court terme" "Sonstige kurzfristige Verbindlichkeiten" "Other short-term liabilities";
    "2270" Liability "Assurances sociales et institutions de prévoyance" "Sozialversicherungen und Vorsorgeeinrichtungen" "Social insurance and pension funds";
    "2300" Liability "Passifs de régularisation" "Passive Rechnungsabgrenzungen" "Accrued expenses and deferred income";
    "2330" Liability "Provisions à court terme" "Kurzfristige Rückstellungen" "Short-term provisions";
    "2400" Liability "Dettes bancaires à long terme" "Bankverbindlichkeiten langfristig" "Long-term bank loans";
    "2450" Liability "Emprunts" "Darlehen" "Loans";
    "2600" Liability "Provisions à long terme" "Rückstellungen langfristig" "Long-term provisions";
    "2800" Equity "Capital-actions, capital social" "Aktien-, Stamm-, Anteilscheinkapital" "Share capital";
    "2850" Equity "Compte privé" "Privat" "Owner's drawings";
    "2900" Equity "Réserves légales issues du capital" "Gesetzliche Kapitalreserve" "Legal capital reserves";
    "2950" Equity "Réserves légales issues du bénéfice" "Gesetzliche Gewinnreserve" "Legal retained earnings";
    "2970" Equity "Bénéfice ou perte reporté" "Gewinnvortrag oder Verlustvortrag" "Retained earnings brought forward";
    "2979" Equity "Bénéfice ou perte de l'exercice" "Jahresgewinn oder Jahresverlust" "Profit or loss for the year";
    "3000" Revenue "Ventes de produits fabriqués" "Produktionserlöse" "Sales of manufactured goods";
    "3200" Revenue "Ventes de marchandises" "Handelserlöse" "Sales of merchandise";
    "3400" Revenue "Ventes de prestations" "Dienstleistungserlöse" "Service revenue";
    "3600" Revenue "Autres ventes et prestations" "Übrige Erlöse aus Lieferungen und Leistungen" "Other revenue";
    "3800" Revenue "Déductions sur ventes" "Erlösminderungen" "Sales deductions";
    "3805" Revenue "Pertes sur créances" "Verluste aus Forderungen" "Bad debt losses";
    "3900" Revenue "Variation des stocks de produits" "Bestandesänderungen" "Change in inventories";
    "4000" Expense "Charges de matériel" "Materialaufwand" "Cost of materials";
    "4200" Expense "Achats de marchandises" "Handelswarenaufwand" "Cost of merchandise";
    "4400" Expense "Prestations de tiers" "Aufwand für bezogene Dienstleistungen" "Purchased services";
    "4900" Expense "Déductions obtenues sur achats" "Aufwandminderungen" "Purchase deductions";
    "5000" Expense "Salaires" "Lohnaufwand" "Wages and salaries";
    "5700" Expense "Charges sociales" "Sozialversicherungsaufwand" "Social security expenses";
    "5800" Expense "Autres charges du personnel" "Übriger Personalaufwand" "Other personnel expenses";
    "5900" Expense "Charges de personnel temporaire" "Leistungen Dritter" "Temporary staff";
    "6000" Expense "Charges de locaux" "Raumaufwand" "Premises";
    "6100" Expense "Entretien, réparations et remplacement" "Unterhalt, Reparaturen, Ersatz" "Maintenance and repairs";
    "6200" Expense "Charges de véhicules" "Fahrzeugaufwand" "Vehicle expenses";
    "6300" Expense "Assurances-choses, droits, taxes" "Sachversicherungen, Abgaben, Gebühren" "Insurance, duties, fees";
    "6400" Expense "Énergie et évacuation des déchets" "Energie- und Entsorgungsaufwand" "Energy and waste disposal";
    "6500" Expense "Charges d'administration" "Verwaltungsaufwand" "Administrative expenses";
    "6570" Expense "Charges informatiques" "Informatikaufwand" "IT expenses";
    "6600" Expense "Publicité" "Werbeaufwand" "Advertising";
    "6700" Expense "Autres charges d'exploitation" "Sonstiger betrieblicher Aufwand" "Other operating expenses";
    "6800" Expense "Amortissements" "Abschreibungen" "Depreciation";
    "6900" Expense "Charges financières" "Finanzaufwand" "Financial expenses";
    "6950" Revenue "Produits financiers" "Finanzertrag" "Financial income";
    "7000" Revenue "Produits accessoires" "Ertrag Nebenbetrieb" "Ancillary income";
    "7010" Expense "Charges accessoires" "Aufwand Nebenbetrieb" "Ancillary expenses";
    "7500" Revenue "Produits des immeubles d'exploitation" "Ertrag betriebliche Liegenschaft" "Income from business property";
    "7510" Expense "Charges des immeubles d'exploitation" "Aufwand betriebliche Liegenschaft" "Business property expenses";
    "8000" Expense "Charges hors exploitation" "Betriebsfremder Aufwand" "Non-operating expenses";
    "8100" Revenue "Produits hors exploitation" "Betriebsfremder Ertrag" "Non-operating income";
    "8500" Expense "Charges exceptionnelles" "Ausserordentlicher Aufwand" "Extraordinary expenses";
    "8510" Revenue "Produits exceptionnels" "Ausserordentlicher Ertrag" "Extraordinary income";
    "8900" Expense "Impôts directs" "Direkte Steuern" "Direct taxes";
    "9100" Closing "Bilan d'ouverture" "Eröffnungsbilanz" "Opening balance sheet";
    "9200" Closing "Bénéfice ou perte de l'exercice" "Gewinn oder Verlust" "Profit or loss";
};

/// The French plan comptable général (PCG), classes 1 to 7, the accounts a small business uses.
pub const FRENCH_PCG_CHART: &[ChartAccount] = accounts! {
    "101" Equity "Capital" "" "Share capital";
    "106" Equity "Réserves" "" "Reserves";
    "108" Equity "Compte de l'exploitant" "" "Owner's account";
    "110" Equity "Report à nouveau (solde créditeur)" "" "Retained earnings (credit)";
    "119" Equity "Report à nouveau (solde débiteur)" "" "Retained earnings (debit)";
    "120" Equity "Résultat de l'exercice (bénéfice)" "" "Profit for the year";
    "129" Equity "Résultat de l'exercice (perte)" "" "Loss for the year";
    "164" Liability "Emprunts auprès des établissements de crédit" "" "Bank loans";
    "205" Asset "Concessions, brevets, licences, logiciels" "" "Licences and software";
    "207" Asset "Fonds commercial" "" "Goodwill";
    "211" Asset "Terrains" "" "Land";
    "213" Asset "Constructions" "" "Buildings";
    "215" Asset "Installations techniques, matériel et outillage" "" "Plant, machinery and tools";
    "2182" Asset "Matériel de transport" "" "Vehicles";
    "2183" Asset "Matériel de bureau et matériel informatique" "" "Office and IT equipment";
    "2184" Asset "Mobilier" "" "Furniture";
    "280" Asset "Amortissements des immobilisations incorporelles" "" "Amortisation of intangible assets";
    "281" Asset "Amortissements des immobilisations corporelles" "" "Depreciation of tangible assets";
    "31" Asset "Matières premières" "" "Raw materials";
    "37" Asset "Stocks de marchandises" "" "Merchandise";
    "401" Liability "Fournisseurs" "" "Suppliers";
    "404" Liability "Fournisseurs d'immobilisations" "" "Suppliers of fixed assets";
    "408" Liability "Fournisseurs - factures non parvenues" "" "Suppliers, invoices not received";
    "409" Asset "Fournisseurs débiteurs" "" "Supplier advances";
    "411" Asset "Clients" "" "Customers";
    "416" Asset "Clients douteux ou litigieux" "" "Doubtful customers";
    "418" Asset "Clients - produits non encore facturés" "" "Customers, unbilled revenue";
    "419" Liability "Clients créditeurs" "" "Customer advances";
    "421" Liability "Personnel - rémunérations dues" "" "Wages payable";
    "431" Liability "Sécurité sociale" "" "Social security";
    "437" Liability "Autres organismes sociaux" "" "Other social bodies";
    "444" Liability "État - impôts sur les bénéfices" "" "Corporate income tax payable";
    "44551" Liability "TVA à décaisser" "" "VAT payable";
    "44562" Asset "TVA déductible sur immobilisations" "" "Deductible VAT on fixed assets";
    "44566" Asset "TVA déductible sur autres biens et services" "" "Deductible VAT on goods and services";
    "44567" Asset "Crédit de TVA à reporter" "" "VAT credit carried forward";
    "44571" Liability "TVA collectée" "" "Output VAT";
    "44574" Liability "TVA collectée en attente d'encaissement" "" "Output VAT awaiting receipt";
    "455" Liability "Associés - comptes courants" "" "Shareholder current accounts";
    "467" Liability "Autres comptes débiteurs ou créditeurs" "" "Other receivables and payables";
    "471" Liability "Compte d'attente" "" "Suspense account";
    "486" Asset "Charges constatées d'avance" "" "Prepaid expenses";
    "487" Liability "Produits constatés d'avance" "" "Deferred income";
    "512" Asset "Banque" "" "Bank";
    "530" Asset "Caisse" "" "Cash";
    "580" Asset "Virements internes" "" "Internal transfers";
    "601" Expense "Achats stockés - matières premières" "" "Purchases of raw materials";
    "603" Expense "Variation des stocks" "" "Change in inventories";
    "604" Expense "Achats d'études et prestations de services" "" "Purchased services";
    "606" Expense "Achats non stockés de matières et fournitures" "" "Supplies";
    "607" Expense "Achats de marchandises" "" "Purchases of merchandise";
    "611" Expense "Sous-traitance générale" "" "Subcontracting";
    "613" Expense "Locations" "" "Rent";
    "615" Expense "Entretien et réparations" "" "Maintenance and repairs";
    "616" Expense "Primes d'assurances" "" "Insurance premiums";
    "618" Expense "Divers" "" "Sundry";
    "622" Expense "Rémunérations d'intermédiaires et honoraires" "" "Fees";
    "623" Expense "Publicité, publications, relations publiques" "" "Advertising";
    "625" Expense "Déplacements, missions et réceptions" "" "Travel";
    "626" Expense "Frais postaux et de télécommunications" "" "Post and telecommunications";
    "627" Expense "Services bancaires et assimilés" "" "Bank charges";
    "635" Expense "Autres impôts, taxes et versements assimilés" "" "Other taxes";
    "641" Expense "Rémunérations du personnel" "" "Wages and salaries";
    "645" Expense "Charges de sécurité sociale et de prévoyance" "" "Social security expenses";
    "661" Expense "Charges d'intérêts" "" "Interest expenses";
    "671" Expense "Charges exceptionnelles sur opérations de gestion" "" "Exceptional expenses";
    "681" Expense "Dotations aux amortissements, dépréciations et provisions" "" "Depreciation and provisions";
    "695" Expense "Impôts sur les bénéfices" "" "Corporate income tax";
    "701" Revenue "Ventes de produits finis" "" "Sales of finished goods";
    "706" Revenue "Prestations de services" "" "Service revenue";
    "707" Revenue "Ventes de marchandises" "" "Sales of merchandise";
    "708" Revenue "Produits des activités annexes" "" "Ancillary income";
    "709" Revenue "Rabais, remises et ristournes accordés" "" "Discounts granted";
    "740" Revenue "Subventions d'exploitation" "" "Operating grants";
    "758" Revenue "Produits divers de gestion courante" "" "Sundry operating income";
    "768" Revenue "Autres produits financiers" "" "Other financial income";
    "771" Revenue "Produits exceptionnels sur opérations de gestion" "" "Exceptional income";
    "781" Revenue "Reprises sur amortissements et provisions" "" "Reversals of depreciation and provisions";
};

pub fn chart_of(country: Country) -> &'static [ChartAccount] {
    match country {
        Country::Ch => SWISS_SME_CHART,
        Country::Fr => FRENCH_PCG_CHART,
    }
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    // Only called with the literal dates below, all of which exist.
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The VAT codes of a country, each with the dates it is in force.
///
/// Switzerland: normal, reduced and accommodation rates, 7.7 / 2.5 / 3.7 % from 2018-01-01 to
/// 2023-12-31 and 8.1 / 2.6 / 3.8 % from 2024-01-01, charged (output, account 2200) and deducted
/// (input, account 1170). France: 20 / 10 / 5.5 / 2.1 % since 2014-01-01, collected (44571) and
/// deductible (44566).
pub fn vat_codes_of(country: Country) -> Vec<VatCode> {
    let code =
        |code: &str, label: &str, rate_bp: u32, direction: VatDirection, account: &str, valid_from, valid_until| {
            VatCode {
                code: code.to_owned(),
                label: label.to_owned(),
                rate_bp,
                direction,
                account: account.to_owned(),
                valid_from,
                valid_until,
            }
        };
    use VatDirection::{Input, Output};
    match country {
        Country::Ch => {
            let old_from = date(2018, 1, 1);
            let old_until = Some(date(2023, 12, 31));
            let new_from = date(2024, 1, 1);
            vec![
                code("N81", "TVA due, taux normal 8,1 %", 810, Output, "2200", new_from, None),
                code("R26", "TVA due, taux réduit 2,6 %", 260, Output, "2200", new_from, None),
                code("H38", "TVA due, taux spécial hébergement 3,8 %", 380, Output, "2200", new_from, None),
                code("N77", "TVA due, taux normal 7,7 %", 770, Output, "2200", old_from, old_until),
                code("R25", "TVA due, taux réduit 2,5 %", 250, Output, "2200", old_from, old_until),
                code("H37", "TVA due, taux spécial hébergement 3,7 %", 370, Output, "2200", old_from, old_until),
                code("IN81", "Impôt préalable, taux normal 8,1 %", 810, Input, "1170", new_from, None),
                code("IR26", "Impôt préalable, taux réduit 2,6 %", 260, Input, "1170", new_from, None),
                code("IH38", "Impôt préalable, hébergement 3,8 %", 380, Input, "1170", new_from, None),
                code("IN77", "Impôt préalable, taux normal 7,7 %", 770, Input, "1170", old_from, old_until),
                code("IR25", "Impôt préalable, taux réduit 2,5 %", 250, Input, "1170", old_from, old_until),
                code("IH37", "Impôt préalable, hébergement 3,7 %", 370, Input, "1170", old_from, old_until),
            ]
        }
        Country::Fr => {
            let from = date(2014, 1, 1);
            vec![
                code("C20", "TVA collectée 20 %", 2000, Output, "44571", from, None),
                code("C10", "TVA collectée 10 %", 1000, Output, "44571", from, None),
                code("C55", "TVA collectée 5,5 %", 550, Output, "44571", from, None),
                code("C21", "TVA collectée 2,1 %", 210, Output, "44571", from, None),
                code("D20", "TVA déductible 20 %", 2000, Input, "44566", from, None),
                code("D10", "TVA déductible 10 %", 1000, Input, "44566", from, None),
                code("D55", "TVA déductible 5,5 %", 550, Input, "44566", from, None),
                code("D21", "TVA déductible 2,1 %", 210, Input, "44566", from, None),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn charts_have_unique_numbers_and_cover_their_classes() {
        for (country, classes) in [(Country::Ch, 1..=9), (Country::Fr, 1..=7)] {
            let chart = chart_of(country);
            let numbers: HashSet<_> = chart.iter().map(|a| a.number).collect();
            assert_eq!(numbers.len(), chart.len(), "duplicate account in {country:?}");
            for class in classes {
                let prefix = class.to_string();
                assert!(chart.iter().any(|a| a.number.starts_with(&prefix)), "{country:?} lacks class {class}");
            }
            for vat in vat_codes_of(country) {
                assert!(numbers.contains(vat.account.as_str()), "{} books to a missing account", vat.code);
            }
        }
    }

    #[test]
    fn swiss_rates_change_on_2024_01_01() {
        let codes = vat_codes_of(Country::Ch);
        let in_force = |day: NaiveDate| -> Vec<u32> {
            codes
                .iter()
                .filter(|c| c.direction == VatDirection::Output && c.in_force_on(day))
                .map(|c| c.rate_bp)
                .collect()
        };
        assert_eq!(in_force(date(2023, 12, 31)), vec![770, 250, 370]);
        assert_eq!(in_force(date(2024, 1, 1)), vec![810, 260, 380]);
    }
}

//! Who the person is, as far as outcomes and equity reporting need: sex, ethnic category, and —
//! sealed like the NHS number, because together they identify someone — date of birth and home
//! postcode. Every part is optional: a self-referral may give none of them.
//!
//! The log keeps the date of birth and postcode only sealed under the person's own key (the
//! vault, `crate::vault`), so erasing that key erases them. What other services may know is
//! derived from them when the referral is made and holds no one's identity: the age band at
//! the referral's own date ([`super::age::AgeBand`]) and the deprivation decile of where they
//! live ([`ImdDecile`]).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::age::AgeBand;

/// FHIR administrative gender (`http://hl7.org/fhir/administrative-gender`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Other.
    Other,
    /// Unknown.
    Unknown,
}

impl Sex {
    /// Every code, as FHIR lists them.
    pub const ALL: [Sex; 4] = [Sex::Male, Sex::Female, Sex::Other, Sex::Unknown];

    /// Its FHIR code.
    pub const fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    /// The sex whose code is `code`, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|sex| sex.code() == code)
    }
}

/// The NHS Data Dictionary's ETHNIC CATEGORY (the 2001 census categories), as UK Core's
/// `UKCore-EthnicCategoryEngland` code system holds them. Stored and published as the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EthnicCategory {
    /// White - British.
    #[serde(rename = "A")]
    WhiteBritish,
    /// White - Irish.
    #[serde(rename = "B")]
    WhiteIrish,
    /// White - Any other White background.
    #[serde(rename = "C")]
    WhiteOther,
    /// Mixed - White and Black Caribbean.
    #[serde(rename = "D")]
    MixedWhiteBlackCaribbean,
    /// Mixed - White and Black African.
    #[serde(rename = "E")]
    MixedWhiteBlackAfrican,
    /// Mixed - White and Asian.
    #[serde(rename = "F")]
    MixedWhiteAsian,
    /// Mixed - Any other mixed background.
    #[serde(rename = "G")]
    MixedOther,
    /// Asian or Asian British - Indian.
    #[serde(rename = "H")]
    AsianIndian,
    /// Asian or Asian British - Pakistani.
    #[serde(rename = "J")]
    AsianPakistani,
    /// Asian or Asian British - Bangladeshi.
    #[serde(rename = "K")]
    AsianBangladeshi,
    /// Asian or Asian British - Any other Asian background.
    #[serde(rename = "L")]
    AsianOther,
    /// Black or Black British - Caribbean.
    #[serde(rename = "M")]
    BlackCaribbean,
    /// Black or Black British - African.
    #[serde(rename = "N")]
    BlackAfrican,
    /// Black or Black British - Any other Black background.
    #[serde(rename = "P")]
    BlackOther,
    /// Other Ethnic Groups - Chinese.
    #[serde(rename = "R")]
    Chinese,
    /// Other Ethnic Groups - Any other ethnic group.
    #[serde(rename = "S")]
    AnyOther,
    /// Not stated: the person was asked and chose not to say.
    #[serde(rename = "Z")]
    NotStated,
    /// Not known: the person was not asked, or could not say.
    #[serde(rename = "99")]
    NotKnown,
}

impl EthnicCategory {
    /// Every category, in the Data Dictionary's order.
    pub const ALL: [EthnicCategory; 18] = [
        EthnicCategory::WhiteBritish,
        EthnicCategory::WhiteIrish,
        EthnicCategory::WhiteOther,
        EthnicCategory::MixedWhiteBlackCaribbean,
        EthnicCategory::MixedWhiteBlackAfrican,
        EthnicCategory::MixedWhiteAsian,
        EthnicCategory::MixedOther,
        EthnicCategory::AsianIndian,
        EthnicCategory::AsianPakistani,
        EthnicCategory::AsianBangladeshi,
        EthnicCategory::AsianOther,
        EthnicCategory::BlackCaribbean,
        EthnicCategory::BlackAfrican,
        EthnicCategory::BlackOther,
        EthnicCategory::Chinese,
        EthnicCategory::AnyOther,
        EthnicCategory::NotStated,
        EthnicCategory::NotKnown,
    ];

    /// Its Data Dictionary code.
    pub const fn code(self) -> &'static str {
        match self {
            EthnicCategory::WhiteBritish => "A",
            EthnicCategory::WhiteIrish => "B",
            EthnicCategory::WhiteOther => "C",
            EthnicCategory::MixedWhiteBlackCaribbean => "D",
            EthnicCategory::MixedWhiteBlackAfrican => "E",
            EthnicCategory::MixedWhiteAsian => "F",
            EthnicCategory::MixedOther => "G",
            EthnicCategory::AsianIndian => "H",
            EthnicCategory::AsianPakistani => "J",
            EthnicCategory::AsianBangladeshi => "K",
            EthnicCategory::AsianOther => "L",
            EthnicCategory::BlackCaribbean => "M",
            EthnicCategory::BlackAfrican => "N",
            EthnicCategory::BlackOther => "P",
            EthnicCategory::Chinese => "R",
            EthnicCategory::AnyOther => "S",
            EthnicCategory::NotStated => "Z",
            EthnicCategory::NotKnown => "99",
        }
    }

    /// The category whose code is `code`, if any (codes are upper case, as the Data
    /// Dictionary writes them).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|category| category.code() == code)
    }
}

/// A decile of the English Index of Multiple Deprivation: 1 is the tenth of neighbourhoods
/// that are most deprived, 10 the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct ImdDecile(u8);

impl ImdDecile {
    /// The decile `value`, when it is one (1 to 10).
    pub fn new(value: u32) -> Option<Self> {
        u8::try_from(value)
            .ok()
            .filter(|value| (1..=10).contains(value))
            .map(Self)
    }

    /// 1 (most deprived) to 10.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for ImdDecile {
    type Error = String;

    fn try_from(value: u8) -> Result<Self, String> {
        Self::new(u32::from(value)).ok_or_else(|| format!("{value} is not a decile (1 to 10)"))
    }
}

impl From<ImdDecile> for u8 {
    fn from(decile: ImdDecile) -> u8 {
        decile.0
    }
}

/// A detail of the person sealed under their own key by the vault: hex of nonce ‖ AES-256-GCM
/// ciphertext. Useless without the key, and unreadable for good once the key is erased.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sealed(pub String);

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealed(…)")
    }
}

/// A date of birth as a command carries it: the date sealed, which is all the log keeps, and
/// what the decider may know of the age it gives. Its `Debug` never shows the date.
#[derive(Clone, PartialEq, Eq)]
pub struct BirthDate {
    /// The date sealed under the person's key.
    pub sealed: Sealed,
    /// What the decider knows of the person's age.
    pub age: Age,
}

/// What a decider knows of a person's age.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Age {
    /// Their date of birth, as given: the age band is derived on the referral's own day.
    BornOn(NaiveDate),
    /// The band an earlier referral recorded, for a referral that continues it (an onward
    /// referral, whose maker sees only the sealed date).
    Banded(AgeBand),
}

impl fmt::Debug for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Age::BornOn(_) => f.write_str("BornOn(***)"),
            Age::Banded(band) => write!(f, "Banded({})", band.code()),
        }
    }
}

impl fmt::Debug for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BirthDate(***)")
    }
}

/// What a referral request says of who the person is. Every part may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Demographics {
    /// Their date of birth.
    pub birth_date: Option<BirthDate>,
    /// Their sex.
    pub sex: Option<Sex>,
    /// Their ethnic category, as they gave it.
    pub ethnic_category: Option<EthnicCategory>,
    /// Their home postcode, sealed under their key.
    pub postcode: Option<Sealed>,
    /// The deprivation decile of their postcode, when it could be looked up.
    pub imd_decile: Option<ImdDecile>,
}

#[cfg(test)]
mod tests {
    use super::{EthnicCategory, ImdDecile, Sex};

    #[test]
    fn codes_read_back_as_what_they_name() {
        for sex in Sex::ALL {
            assert_eq!(Sex::from_code(sex.code()), Some(sex));
            let json = serde_json::to_value(sex).expect("serialises");
            assert_eq!(json, sex.code());
        }
        for category in EthnicCategory::ALL {
            assert_eq!(EthnicCategory::from_code(category.code()), Some(category));
            let json = serde_json::to_value(category).expect("serialises");
            assert_eq!(json, category.code());
        }
        // The Data Dictionary skips I, O and Q, which look like digits.
        for unused in ["I", "O", "Q", "T", "a", "", "9"] {
            assert_eq!(EthnicCategory::from_code(unused), None, "{unused}");
        }
        assert_eq!(Sex::from_code("Male"), None);
    }

    #[test]
    fn a_decile_is_one_to_ten() {
        assert_eq!(ImdDecile::new(0), None);
        assert_eq!(ImdDecile::new(11), None);
        assert_eq!(ImdDecile::new(1).map(ImdDecile::get), Some(1));
        assert_eq!(ImdDecile::new(10).map(ImdDecile::get), Some(10));
        assert!(serde_json::from_str::<ImdDecile>("0").is_err());
        assert_eq!(
            serde_json::from_str::<ImdDecile>("7").ok(),
            ImdDecile::new(7)
        );
    }
}

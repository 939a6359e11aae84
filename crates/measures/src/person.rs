//! What a value set may need to know about the person who answered: age band and sex.
//!
//! The NICE DSU mapping from EQ-5D-5L to the 3L UK scale was estimated separately by age band
//! and sex, so a utility under it depends on both; other value sets ignore them. The mapping
//! was modelled for male and female only: a person whose recorded sex is neither, or unknown,
//! has no DSU utility, and the scorer says so rather than guessing (the crosswalk, which
//! needs neither, is the documented alternative).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An age band of the DSU mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AgeBand {
    /// 18 to 34.
    #[serde(rename = "18-34")]
    From18To34,
    /// 35 to 44.
    #[serde(rename = "35-44")]
    From35To44,
    /// 45 to 54.
    #[serde(rename = "45-54")]
    From45To54,
    /// 55 to 64.
    #[serde(rename = "55-64")]
    From55To64,
    /// 65 and over.
    #[serde(rename = "65+")]
    From65,
}

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: [Self; 5] = [
        Self::From18To34,
        Self::From35To44,
        Self::From45To54,
        Self::From55To64,
        Self::From65,
    ];

    /// The band of someone aged `years`; `None` under 18, where the mapping does not apply.
    pub fn of_age(years: u32) -> Option<Self> {
        match years {
            0..=17 => None,
            18..=34 => Some(Self::From18To34),
            35..=44 => Some(Self::From35To44),
            45..=54 => Some(Self::From45To54),
            55..=64 => Some(Self::From55To64),
            _ => Some(Self::From65),
        }
    }

    /// The band as the data writes it, e.g. `18-34` or `65+`.
    pub fn code(self) -> &'static str {
        match self {
            Self::From18To34 => "18-34",
            Self::From35To44 => "35-44",
            Self::From45To54 => "45-54",
            Self::From55To64 => "55-64",
            Self::From65 => "65+",
        }
    }

    /// Position in [`AgeBand::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for AgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for AgeBand {
    type Err = ();

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|band| band.code() == code)
            .ok_or(())
    }
}

/// Sex as the DSU mapping models it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
}

impl Sex {
    /// Both, in the order tables are laid out.
    pub const ALL: [Self; 2] = [Self::Male, Self::Female];

    /// The sex as the data writes it.
    pub fn code(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }

    /// Position in [`Sex::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Sex {
    type Err = ();

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|sex| sex.code() == code)
            .ok_or(())
    }
}

/// What is known about the person who answered, as far as value sets need it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Their age band when they answered, if known.
    pub age_band: Option<AgeBand>,
    /// Their sex, if known and male or female.
    pub sex: Option<Sex>,
}

impl Person {
    /// Someone of `age_band` and `sex`.
    pub fn new(age_band: AgeBand, sex: Sex) -> Self {
        Self {
            age_band: Some(age_band),
            sex: Some(sex),
        }
    }

    /// Someone about whom nothing is known: enough for every value set except the DSU mapping.
    pub fn unknown() -> Self {
        Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_ages_at_their_edges() {
        assert_eq!(AgeBand::of_age(17), None);
        assert_eq!(AgeBand::of_age(18), Some(AgeBand::From18To34));
        assert_eq!(AgeBand::of_age(34), Some(AgeBand::From18To34));
        assert_eq!(AgeBand::of_age(35), Some(AgeBand::From35To44));
        assert_eq!(AgeBand::of_age(64), Some(AgeBand::From55To64));
        assert_eq!(AgeBand::of_age(65), Some(AgeBand::From65));
        assert_eq!(AgeBand::of_age(104), Some(AgeBand::From65));
    }

    #[test]
    fn codes_parse_back() {
        for band in AgeBand::ALL {
            assert_eq!(band.code().parse(), Ok(band));
            assert_eq!(AgeBand::ALL[band.index()], band);
        }
        for sex in Sex::ALL {
            assert_eq!(sex.code().parse(), Ok(sex));
        }
    }
}

//! How deprived a postcode's neighbourhood is: the English Index of Multiple Deprivation (IMD
//! 2019), which ranks every lower-layer super output area (LSOA) of England from 1, the most
//! deprived, to 32,844, the least. The ONS Postcode Directory gives each postcode its LSOA's
//! rank (`imd`); deciles are what equity reporting compares.
//!
//! Wales, Scotland and Northern Ireland rank their own areas on indices of their own, which do
//! not compare with England's: a rank is only read as England's for an English postcode.

/// LSOAs ranked by the English IMD 2019: the greatest rank there is.
pub const ENGLISH_LSOAS: u32 = 32_844;

/// The ONS code of England, in the ONSPD's `ctry` column.
pub const ENGLAND: &str = "E92000001";

/// The decile of English IMD rank `rank`: 1 for the most deprived tenth of areas (ranks 1 to
/// 3,284), 10 for the least; `None` for a rank outside 1 to [`ENGLISH_LSOAS`].
pub fn decile(rank: u32) -> Option<u32> {
    (1..=ENGLISH_LSOAS)
        .contains(&rank)
        .then(|| (rank * 10).div_ceil(ENGLISH_LSOAS))
}

#[cfg(test)]
mod tests {
    use super::{ENGLISH_LSOAS, decile};

    #[test]
    fn deciles_are_tenths_of_the_ranking() {
        assert_eq!(decile(1), Some(1));
        assert_eq!(decile(3_284), Some(1));
        assert_eq!(decile(3_285), Some(2));
        assert_eq!(decile(16_422), Some(5));
        assert_eq!(decile(16_423), Some(6));
        assert_eq!(decile(ENGLISH_LSOAS), Some(10));
        assert_eq!(decile(0), None);
        assert_eq!(decile(ENGLISH_LSOAS + 1), None);
        let mut per_decile = [0u32; 10];
        for rank in 1..=ENGLISH_LSOAS {
            let decile = decile(rank).expect("a decile") as usize;
            per_decile[decile - 1] += 1;
        }
        assert!(
            per_decile.iter().all(|n| (3_284..=3_285).contains(n)),
            "{per_decile:?}"
        );
    }
}

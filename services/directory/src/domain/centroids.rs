//! Postcode centroids from a CSV in the ONS Postcode Directory's column format: the columns
//! `pcds` (or `pcd`), `lat` and `long`, in any order among the others. ONS marks postcodes with
//! no grid reference with latitude 99.999999; those are skipped, as are terminated postcodes
//! when a `doterm` column says so.
//!
//! When the file has an `imd` column (ONSPD's: the Index of Multiple Deprivation rank of the
//! postcode's neighbourhood), each English postcode keeps its rank; a `ctry` column, when
//! there is one, says which are English (the other nations' ranks are of their own indices).
//! Files without it load as before, knowing no deprivation.

use super::deprivation::{ENGLAND, ENGLISH_LSOAS};
use super::postcode::Postcode;

/// One postcode's centroid.
#[derive(Debug, Clone, PartialEq)]
pub struct Centroid {
    /// The postcode.
    pub postcode: Postcode,
    /// Latitude, WGS84 degrees.
    pub latitude: f64,
    /// Longitude, WGS84 degrees.
    pub longitude: f64,
    /// The English IMD rank of its neighbourhood (1 = most deprived), when the file gives one.
    pub imd_rank: Option<u32>,
}

/// Why a centroid file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CentroidError {
    /// The header lacks a needed column.
    #[error("the header has no {0} column")]
    MissingColumn(&'static str),
    /// A row is malformed.
    #[error("line {line}: {problem}")]
    BadRow {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

/// Splits one CSV line, honouring double quotes (and `""` inside them).
fn fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Reads every usable centroid from `csv`.
pub fn parse(csv: &str) -> Result<Vec<Centroid>, CentroidError> {
    let mut lines = csv
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty());
    let (_, header) = lines.next().ok_or(CentroidError::MissingColumn("pcds"))?;
    let columns = Columns::from_header(header)?;
    let mut centroids = Vec::new();
    for (index, line) in lines {
        centroids.extend(columns.row(index + 1, line)?);
    }
    Ok(centroids)
}

/// Where the needed columns are, read from a file's header: what reads the file row by row,
/// so the full ONSPD (about 1.3 GB) never has to be in memory at once.
#[derive(Debug, Clone)]
pub struct Columns {
    postcode: usize,
    latitude: usize,
    longitude: usize,
    terminated: Option<usize>,
    imd: Option<usize>,
    country: Option<usize>,
}

impl Columns {
    /// The columns named in `header`, or the one that is missing.
    pub fn from_header(header: &str) -> Result<Self, CentroidError> {
        let header: Vec<String> = fields(header)
            .into_iter()
            .map(|name| name.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let column = |names: &[&'static str]| {
            names
                .iter()
                .find_map(|name| header.iter().position(|h| h == name))
        };
        Ok(Self {
            postcode: column(&["pcds", "pcd"]).ok_or(CentroidError::MissingColumn("pcds"))?,
            latitude: column(&["lat"]).ok_or(CentroidError::MissingColumn("lat"))?,
            longitude: column(&["long"]).ok_or(CentroidError::MissingColumn("long"))?,
            terminated: column(&["doterm"]),
            imd: column(&["imd"]),
            country: column(&["ctry"]),
        })
    }

    /// The centroid on line `line_number`, `None` for a blank line or a postcode ONS gives no
    /// usable point (terminated, or no grid reference), or what is wrong with the row.
    pub fn row(&self, line_number: usize, line: &str) -> Result<Option<Centroid>, CentroidError> {
        if line.trim().is_empty() {
            return Ok(None);
        }
        let row = fields(line);
        let cell = |i: usize| row.get(i).map(|value| value.trim()).unwrap_or_default();
        let bad = |problem: String| CentroidError::BadRow {
            line: line_number,
            problem,
        };
        if self.terminated.is_some_and(|i| !cell(i).is_empty()) {
            return Ok(None);
        }
        let lat: f64 = cell(self.latitude)
            .parse()
            .map_err(|_| bad(format!("lat {:?} is not a number", cell(self.latitude))))?;
        let long: f64 = cell(self.longitude)
            .parse()
            .map_err(|_| bad(format!("long {:?} is not a number", cell(self.longitude))))?;
        if lat > 90.0 {
            return Ok(None); // ONS: no grid reference
        }
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&long) {
            return Err(bad(format!("({lat}, {long}) is not a coordinate")));
        }
        let postcode = Postcode::parse(cell(self.postcode)).map_err(|e| bad(e.to_string()))?;
        let english = self.country.is_none_or(|i| cell(i) == ENGLAND);
        let imd_rank = match self.imd.map(cell) {
            Some(rank) if english && !rank.is_empty() => Some(
                rank.parse::<u32>()
                    .ok()
                    .filter(|rank| (1..=ENGLISH_LSOAS).contains(rank))
                    .ok_or_else(|| {
                        bad(format!(
                            "imd {rank:?} is not an English IMD rank (1 to {ENGLISH_LSOAS})"
                        ))
                    })?,
            ),
            _ => None,
        };
        Ok(Some(Centroid {
            postcode,
            latitude: lat,
            longitude: long,
            imd_rank,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::{CentroidError, parse};

    const SAMPLE: &str = "\
pcd,pcd2,pcds,dointr,doterm,oseast1m,osnrth1m,lat,long
\"SW1A1AA\",\"SW1A 1AA\",\"SW1A 1AA\",198001,,529090,179645,51.501009,-0.141588
\"M1 1AE\",\"M1  1AE\",\"M1 1AE\",198001,,384280,398194,53.479251,-2.237430
\"ZZ991ZZ\",\"ZZ99 1ZZ\",\"ZZ99 1ZZ\",198001,,,,99.999999,0.000000
\"EC1A1BB\",\"EC1A 1BB\",\"EC1A 1BB\",198001,200012,532000,181000,51.52,-0.10
";

    #[test]
    fn reads_ons_columns_and_skips_unlocated_and_terminated_postcodes() {
        let centroids = parse(SAMPLE).expect("parse");
        let postcodes: Vec<_> = centroids.iter().map(|c| c.postcode.as_str()).collect();
        assert_eq!(postcodes, ["SW1A 1AA", "M1 1AE"]);
        assert!((centroids[0].latitude - 51.501009).abs() < 1e-9);
        assert!((centroids[1].longitude + 2.237430).abs() < 1e-9);
    }

    #[test]
    fn an_imd_column_gives_english_postcodes_their_rank() {
        let csv = "\
pcds,lat,long,ctry,imd
SW1A 1AA,51.501009,-0.141588,E92000001,17246
M1 1AE,53.479251,-2.237430,E92000001,
CF10 1EP,51.48,-3.18,W92000004,1191
";
        let ranks: Vec<_> = parse(csv)
            .expect("parse")
            .into_iter()
            .map(|c| (c.postcode.as_str().to_owned(), c.imd_rank))
            .collect();
        assert_eq!(
            ranks,
            [
                ("SW1A 1AA".to_owned(), Some(17246)),
                ("M1 1AE".to_owned(), None),
                ("CF10 1EP".to_owned(), None),
            ]
        );
        // Without `ctry`, ranks are taken as England's, and one beyond its ranking is refused.
        let beyond = parse("pcds,lat,long,imd\nSW1A 1AA,51.5,-0.1,40000\n");
        assert!(
            matches!(&beyond, Err(CentroidError::BadRow { line: 2, problem }) if problem.contains("imd")),
            "{beyond:?}"
        );
        assert!(
            parse(SAMPLE)
                .expect("parse")
                .iter()
                .all(|c| c.imd_rank.is_none())
        );
    }

    #[test]
    fn a_bad_file_is_refused_naming_the_problem() {
        assert_eq!(
            parse("pcds,lat\nSW1A 1AA,51.5"),
            Err(CentroidError::MissingColumn("long"))
        );
        let bad = parse("pcds,lat,long\nSW1A 1AA,north,-0.1");
        assert_eq!(
            bad,
            Err(CentroidError::BadRow {
                line: 2,
                problem: "lat \"north\" is not a number".to_owned()
            })
        );
        let bad = parse("pcds,lat,long\nNOT A CODE,51.5,-0.1");
        assert!(matches!(bad, Err(CentroidError::BadRow { line: 2, .. })));
    }

    #[test]
    fn the_demo_regions_sample_is_a_valid_ons_file_inside_its_region() {
        let centroids = parse(crate::postcodes::DEMO_REGION_CSV).expect("parse");
        assert_eq!(centroids.len(), 432);
        for centroid in &centroids {
            assert!(centroid.postcode.as_str().starts_with("LW"));
            assert!(
                centroid.imd_rank.is_some(),
                "{centroid:?} has a (synthetic) rank"
            );
            assert!((52.85..53.05).contains(&centroid.latitude), "{centroid:?}");
            assert!((-1.56..-1.24).contains(&centroid.longitude), "{centroid:?}");
        }
    }
}

//! Reading a value set's table from CSV text: one utility per state (and per age band and sex
//! for the DSU mapping), every state present exactly once.
//!
//! The tables are plain comma-separated numbers with a header and no quoting, so a dozen lines
//! here are cheaper than a CSV crate. Utilities are read as decimal text and rounded half away
//! from zero to the places the value set reports, never through a float. A table missing any
//! state is refused when read, so no lookup can miss later.

use crate::fixed::Fixed;
use crate::person::{AgeBand, Sex};
use crate::state::HealthState;
use crate::value_set::stratum;

/// What is wrong with a value set's table.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TableProblem {
    /// A table model was given no CSV text.
    #[error("its table is needed, as CSV text")]
    Missing,
    /// CSV text was given for a model that has no table.
    #[error("its model is additive; no table is read")]
    Unexpected,
    /// The header lacks a column the model needs.
    #[error("the table has no {0} column")]
    Column(String),
    /// A row with a different number of fields from the header.
    #[error("line {0}: expected as many fields as the header")]
    Fields(usize),
    /// A state that is not five levels of the system.
    #[error("line {0}: the state is not five levels of the system")]
    State(usize),
    /// An age band other than 18-34, 35-44, 45-54, 55-64, 65+.
    #[error("line {0}: the age band is not 18-34, 35-44, 45-54, 55-64 or 65+")]
    AgeBand(usize),
    /// A sex other than male or female.
    #[error("line {0}: the sex is not male or female")]
    Sex(usize),
    /// A utility that is not a decimal.
    #[error("line {0}: the utility is not a decimal")]
    Value(usize),
    /// A second row for the same state (and stratum).
    #[error("line {0}: a second row for the same state")]
    Duplicate(usize),
    /// No row for a state (in a stratum).
    #[error("no utility for state {state}{}", stratum.as_ref().map(|s| format!(" ({s})")).unwrap_or_default())]
    Incomplete {
        /// The state.
        state: String,
        /// The age band and sex, for an age-sex table.
        stratum: Option<String>,
    },
}

/// Column positions in the header.
struct Columns {
    count: usize,
    state: usize,
    value: usize,
    age_sex: Option<(usize, usize)>,
}

fn columns(header: &str, value: &str, by_age_sex: bool) -> Result<Columns, TableProblem> {
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let find = |name: &str| {
        names
            .iter()
            .position(|candidate| *candidate == name)
            .ok_or_else(|| TableProblem::Column(name.to_owned()))
    };
    let age_sex = if by_age_sex {
        Some((find("age_band")?, find("sex")?))
    } else {
        None
    };
    Ok(Columns {
        count: names.len(),
        state: find("state")?,
        value: find(value)?,
        age_sex,
    })
}

/// The utilities in `csv`'s `column`, laid out by stratum then state, at `places`.
pub(super) fn read(
    csv: &str,
    column: &str,
    levels: u8,
    places: u8,
    by_age_sex: bool,
) -> Result<Vec<Fixed>, TableProblem> {
    let mut lines = csv
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line));
    let header = lines.next().map(|(_, line)| line).unwrap_or_default();
    let columns = columns(header, column, by_age_sex)?;
    let states = HealthState::count(levels);
    let strata = if by_age_sex {
        AgeBand::ALL.len() * Sex::ALL.len()
    } else {
        1
    };
    let mut slots: Vec<Option<Fixed>> = vec![None; strata * states];
    for (line, text) in lines {
        if text.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        if fields.len() != columns.count {
            return Err(TableProblem::Fields(line));
        }
        let state = HealthState::parse(levels, fields[columns.state])
            .map_err(|_| TableProblem::State(line))?;
        let stratum = match columns.age_sex {
            Some((age_band, sex)) => {
                let age_band = fields[age_band]
                    .parse()
                    .map_err(|()| TableProblem::AgeBand(line))?;
                let sex = fields[sex].parse().map_err(|()| TableProblem::Sex(line))?;
                stratum(age_band, sex)
            }
            None => 0,
        };
        let value = fields[columns.value]
            .parse::<Fixed>()
            .ok()
            .and_then(|value| value.round_to(places))
            .ok_or(TableProblem::Value(line))?;
        let slot = &mut slots[stratum * states + state.index()];
        if slot.replace(value).is_some() {
            return Err(TableProblem::Duplicate(line));
        }
    }
    complete(slots, levels, by_age_sex)
}

/// The utilities, or the first state (and stratum) without one.
fn complete(
    slots: Vec<Option<Fixed>>,
    levels: u8,
    by_age_sex: bool,
) -> Result<Vec<Fixed>, TableProblem> {
    let states = HealthState::count(levels);
    if let Some(position) = slots.iter().position(Option::is_none) {
        let state = HealthState::all(levels)
            .nth(position % states)
            .map(|state| state.to_string())
            .unwrap_or_default();
        let stratum = by_age_sex.then(|| {
            let stratum = position / states;
            let age_band = AgeBand::ALL[stratum / Sex::ALL.len()];
            let sex = Sex::ALL[stratum % Sex::ALL.len()];
            format!("{age_band} {sex}")
        });
        return Err(TableProblem::Incomplete { state, stratum });
    }
    Ok(slots.into_iter().flatten().collect())
}

//! Expanding an additive value set (a constant, level terms and per-dimension decrements) into
//! one utility per state.
//!
//! The published parameters are exact decimals (Dolan's 0.081, 0.269, …), so the expansion
//! is exact integer arithmetic at the value set's places: Dolan's 33221 is −0.037 because
//! 1 − 1.037 is, not because a float rounded that way.

use crate::fixed::Fixed;
use crate::problem::Problem;
use crate::state::HealthState;
use crate::value_set::definition::{Model, ValueSetDefinition};

type Checked<T> = Result<T, (String, Problem)>;

/// Every state's utility, in [`HealthState::index`] order.
pub(super) fn expand(definition: &ValueSetDefinition) -> Checked<Vec<Fixed>> {
    let Model::Additive {
        full_health,
        constant,
        any_at_level,
        decrements,
    } = &definition.model
    else {
        return Ok(Vec::new());
    };
    let (levels, places) = (definition.levels, definition.decimals);
    let exact = |value: Fixed, at: String| -> Checked<i64> {
        // Parameters more precise than the reported places would be rounded away silently.
        if value.places() > places {
            return Err((at, Problem::Places(places)));
        }
        value
            .round_to(places)
            .map(Fixed::units)
            .ok_or((at, Problem::OutOfBounds))
    };
    let full_health = exact(*full_health, "model.full_health".into())?;
    let constant = exact(*constant, "model.constant".into())?;
    let mut terms = Vec::with_capacity(any_at_level.len());
    for (index, term) in any_at_level.iter().enumerate() {
        let at = format!("model.any_at_level[{index}]");
        if !(2..=levels).contains(&term.level) {
            return Err((format!("{at}.level"), Problem::Level(term.level)));
        }
        terms.push((
            term.level,
            exact(term.decrement, format!("{at}.decrement"))?,
        ));
    }
    // By dimension, in state order: the decrement for level 2, 3, ….
    let mut by_dimension = Vec::with_capacity(definition.dimensions.len());
    for code in &definition.dimensions {
        let at = format!("model.decrements.{code}");
        let steps = decrements
            .get(code)
            .filter(|steps| steps.len() == usize::from(levels) - 1)
            .ok_or_else(|| (at.clone(), Problem::Decrements(code.clone())))?;
        let steps = steps
            .iter()
            .enumerate()
            .map(|(step, value)| exact(*value, format!("{at}[{step}]")))
            .collect::<Checked<Vec<_>>>()?;
        by_dimension.push(steps);
    }
    if let Some(extra) = decrements
        .keys()
        .find(|code| !definition.dimensions.contains(code))
    {
        return Err((
            "model.decrements".into(),
            Problem::Decrements(extra.clone()),
        ));
    }
    let utilities = HealthState::all(levels).map(|state| {
        let dims = state.dims();
        let mut units = full_health;
        if dims.iter().any(|&level| level > 1) {
            units -= constant;
        }
        for &(level, decrement) in &terms {
            if dims.contains(&level) {
                units -= decrement;
            }
        }
        for (steps, &level) in by_dimension.iter().zip(&dims) {
            if level > 1 {
                units -= steps.get(usize::from(level) - 2).copied().unwrap_or(0);
            }
        }
        Fixed::new(units, places)
    });
    utilities
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ("decimals".to_owned(), Problem::Places(places)))
}

//! The checks an instrument definition must pass, and what they prepare for scoring.
//!
//! Every reference inside a definition is resolved here, once: rules to item positions,
//! conversion tables to arrays indexed by total, dimensions to item positions. A definition
//! that passes can therefore be scored without lookups that might fail, and one that does not
//! is refused with the place and the problem, so a deployer can fix their file.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::fixed::Fixed;
use crate::instrument::DefinitionError;
use crate::instrument::definition::{AnswerType, Band, InstrumentDefinition, Item, Rule};
use crate::problem::{Problem, check_code, non_empty};
use crate::state::{DIMENSIONS, SYSTEMS};

/// The component code the utility is classified under; no rule may take it.
pub(crate) const UTILITY: &str = "utility";

/// The largest magnitude of any answer value, keeping every sum far inside `i64`.
const BOUND: i64 = 1_000_000;

/// A definition's references, resolved.
#[derive(Clone, Debug)]
pub(crate) struct Compiled {
    /// Item position by `linkId`.
    pub(crate) positions: HashMap<String, usize>,
    /// One per rule, in order.
    pub(crate) rules: Vec<Prepared>,
    /// The dimension items' positions, for a preference-based instrument.
    pub(crate) dimensions: Option<[usize; DIMENSIONS]>,
}

/// A rule with its items resolved to positions.
#[derive(Clone, Debug)]
pub(crate) enum Prepared {
    /// One item's value.
    Item(usize),
    /// A sum of items.
    Sum(Vec<usize>),
    /// A sum of items, then `values[total - lowest]`.
    SumTable {
        items: Vec<usize>,
        lowest: i64,
        values: Vec<Fixed>,
    },
}

type Checked<T> = Result<T, (String, Problem)>;

/// Checks `definition` and resolves its references.
pub(crate) fn compile(definition: &InstrumentDefinition) -> Result<Compiled, DefinitionError> {
    resolve(definition).map_err(|(at, problem)| DefinitionError::Invalid {
        instrument: format!("{} v{}", definition.id, definition.version),
        at,
        problem,
    })
}

fn resolve(definition: &InstrumentDefinition) -> Checked<Compiled> {
    check_header(definition)?;
    let positions = check_items(&definition.items)?;
    let context = Context {
        items: &definition.items,
        positions: &positions,
    };
    if definition.scoring.is_empty() {
        return Err(("scoring".into(), Problem::Empty));
    }
    let mut codes = BTreeSet::new();
    let mut rules = Vec::with_capacity(definition.scoring.len());
    for (index, rule) in definition.scoring.iter().enumerate() {
        let at = format!("scoring[{index}]");
        check_code(rule.code()).map_err(|problem| (format!("{at}.code"), problem))?;
        if rule.code() == UTILITY {
            return Err((format!("{at}.code"), Problem::Reserved(UTILITY.into())));
        }
        if !codes.insert(rule.code()) {
            return Err((format!("{at}.code"), Problem::Duplicate(rule.code().into())));
        }
        non_empty(rule.title(), &format!("{at}.title"))?;
        rules.push(context.prepare(rule, &at)?);
    }
    let dimensions = match &definition.utility {
        Some(utility) => Some(context.dimensions(&utility.dimensions, utility.levels)?),
        None => None,
    };
    if let Some(utility) = &definition.utility {
        check_code(&utility.default_value_set.id)
            .map_err(|problem| ("utility.default_value_set.id".into(), problem))?;
    }
    super::change::check_mids(definition, &codes)?;
    Ok(Compiled {
        positions,
        rules,
        dimensions,
    })
}

fn check_header(definition: &InstrumentDefinition) -> Checked<()> {
    check_code(&definition.id).map_err(|problem| ("id".into(), problem))?;
    non_empty(&definition.title, "title")?;
    non_empty(&definition.licence, "licence")?;
    non_empty(&definition.interpretation, "interpretation")?;
    non_empty(&definition.source.citation, "source.citation")?;
    if !definition.url.starts_with("https://") {
        return Err(("url".into(), Problem::NotHttps));
    }
    Ok(())
}

fn check_items(items: &[Item]) -> Checked<HashMap<String, usize>> {
    if items.is_empty() {
        return Err(("items".into(), Problem::Empty));
    }
    let mut positions = HashMap::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let at = format!("items[{index}]");
        check_link_id(&item.link_id).map_err(|problem| (format!("{at}.linkId"), problem))?;
        if positions.insert(item.link_id.clone(), index).is_some() {
            return Err((
                format!("{at}.linkId"),
                Problem::Duplicate(item.link_id.clone()),
            ));
        }
        non_empty(&item.text, &format!("{at}.text"))?;
        check_answer(&item.answer).map_err(|(path, problem)| (format!("{at}.{path}"), problem))?;
    }
    Ok(positions)
}

fn check_answer(answer: &AnswerType) -> Checked<()> {
    match answer {
        AnswerType::Integer { min, max } => {
            if min.abs() > BOUND || max.abs() > BOUND {
                return Err(("answer".into(), Problem::OutOfBounds));
            }
            if min > max {
                let (min, max) = (*min, *max);
                return Err(("answer".into(), Problem::EmptyRange { min, max }));
            }
        }
        AnswerType::Choice { options } => {
            if options.is_empty() {
                return Err(("answer.options".into(), Problem::Empty));
            }
            let mut codes = BTreeSet::new();
            for (index, option) in options.iter().enumerate() {
                let at = format!("answer.options[{index}]");
                check_code(&option.code).map_err(|problem| (format!("{at}.code"), problem))?;
                if !codes.insert(&option.code) {
                    return Err((
                        format!("{at}.code"),
                        Problem::Duplicate(option.code.clone()),
                    ));
                }
                non_empty(&option.display, &format!("{at}.display"))?;
                if option.value.abs() > BOUND {
                    return Err((format!("{at}.value"), Problem::OutOfBounds));
                }
            }
        }
    }
    Ok(())
}

/// The lowest and highest value an answer can score.
pub(crate) fn range(answer: &AnswerType) -> (i64, i64) {
    match answer {
        AnswerType::Integer { min, max } => (*min, *max),
        AnswerType::Choice { options } => {
            let values = options.iter().map(|option| option.value);
            let lowest = values.clone().min().unwrap_or(0);
            (lowest, values.max().unwrap_or(0))
        }
    }
}

/// What rules are checked against: the items and where each is.
struct Context<'a> {
    items: &'a [Item],
    positions: &'a HashMap<String, usize>,
}

impl Context<'_> {
    fn position(&self, link_id: &str, at: &str) -> Checked<usize> {
        self.positions
            .get(link_id)
            .copied()
            .ok_or_else(|| (at.to_owned(), Problem::UnknownItem(link_id.to_owned())))
    }

    fn prepare(&self, rule: &Rule, at: &str) -> Checked<Prepared> {
        match rule {
            Rule::Item { item, bands, .. } => {
                let position = self.position(item, &format!("{at}.item"))?;
                let item = &self.items[position];
                check_bands(bands, range(&item.answer), &format!("{at}.bands"))?;
                Ok(Prepared::Item(position))
            }
            Rule::Sum { items, bands, .. } => {
                let (positions, total) = self.summed(items, &format!("{at}.items"))?;
                check_bands(bands, total, &format!("{at}.bands"))?;
                Ok(Prepared::Sum(positions))
            }
            Rule::SumTable { items, table, .. } => {
                let (positions, (lowest, highest)) = self.summed(items, &format!("{at}.items"))?;
                let values = check_table(table, lowest, highest, &format!("{at}.table"))?;
                Ok(Prepared::SumTable {
                    items: positions,
                    lowest,
                    values,
                })
            }
        }
    }

    /// The positions of summed items, and the lowest and highest total.
    fn summed(&self, items: &[String], at: &str) -> Checked<(Vec<usize>, (i64, i64))> {
        if items.is_empty() {
            return Err((at.to_owned(), Problem::Empty));
        }
        let mut positions = Vec::with_capacity(items.len());
        let (mut lowest, mut highest) = (0, 0);
        for (index, link_id) in items.iter().enumerate() {
            let at = format!("{at}[{index}]");
            let position = self.position(link_id, &at)?;
            if positions.contains(&position) {
                return Err((at, Problem::Duplicate(link_id.clone())));
            }
            let item = &self.items[position];
            if !item.required {
                return Err((at, Problem::OptionalInSum(link_id.clone())));
            }
            let (min, max) = range(&item.answer);
            (lowest, highest) = (lowest + min, highest + max);
            positions.push(position);
        }
        Ok((positions, (lowest, highest)))
    }

    fn dimensions(&self, link_ids: &[String], levels: u8) -> Checked<[usize; DIMENSIONS]> {
        if !SYSTEMS.contains(&levels) {
            return Err(("utility.levels".into(), Problem::Levels));
        }
        if link_ids.len() != DIMENSIONS {
            return Err((
                "utility.dimensions".into(),
                Problem::Dimensions(link_ids.len()),
            ));
        }
        let mut positions = [0; DIMENSIONS];
        for (index, link_id) in link_ids.iter().enumerate() {
            let at = format!("utility.dimensions[{index}]");
            let position = self.position(link_id, &at)?;
            let item = &self.items[position];
            let fits = matches!(item.answer, AnswerType::Integer { min: 1, max } if max == i64::from(levels));
            if !fits || !item.required || positions[..index].contains(&position) {
                let link_id = link_id.clone();
                return Err((at, Problem::DimensionItem { link_id, levels }));
            }
            positions[index] = position;
        }
        Ok(positions)
    }
}

fn check_bands(bands: &[Band], (min, max): (i64, i64), at: &str) -> Checked<()> {
    if bands.is_empty() {
        return Ok(());
    }
    let mut next = min;
    let mut labels = BTreeSet::new();
    for (index, band) in bands.iter().enumerate() {
        check_code(&band.label).map_err(|problem| (format!("{at}[{index}].label"), problem))?;
        if !labels.insert(&band.label) {
            let problem = Problem::Duplicate(band.label.clone());
            return Err((format!("{at}[{index}].label"), problem));
        }
        if band.min != next || band.max < band.min {
            return Err((format!("{at}[{index}]"), Problem::Bands { min, max }));
        }
        next = band.max + 1;
    }
    if next != max + 1 {
        return Err((at.to_owned(), Problem::Bands { min, max }));
    }
    Ok(())
}

fn check_table(
    table: &BTreeMap<i64, Fixed>,
    lowest: i64,
    highest: i64,
    at: &str,
) -> Checked<Vec<Fixed>> {
    let covers = table.keys().copied().eq(lowest..=highest);
    if !covers {
        return Err((
            at.to_owned(),
            Problem::Table {
                min: lowest,
                max: highest,
            },
        ));
    }
    let mut places = table.values().map(|value| value.places());
    let first = places.next();
    if places.any(|other| Some(other) != first) {
        return Err((at.to_owned(), Problem::MixedPlaces));
    }
    Ok(table.values().copied().collect())
}

fn check_link_id(link_id: &str) -> Result<(), Problem> {
    let valid = (1..=64).contains(&link_id.len())
        && link_id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_'));
    if valid {
        Ok(())
    } else {
        Err(Problem::BadLinkId)
    }
}

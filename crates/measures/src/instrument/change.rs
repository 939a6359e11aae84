//! Whether a person's scores changed meaningfully between baseline and follow-up.
//!
//! A change counts when it reaches the component's minimal important difference (MID) in the
//! better or the worse direction: higher is better for wellbeing and utility, lower for
//! loneliness, ONS anxiety and EQ-5D levels, as each rule states. The MID applied is the
//! instrument's default unless the deployment overrides it, and every [`Change`] records which
//! it was. A component with no MID is still reported, with its delta, but not judged: the crate
//! does not invent thresholds the literature does not give.

#![expect(
    clippy::result_large_err,
    reason = "ClassifyError names both value sets (two References) so callers can say which to \
              rescore with; it is returned once per comparison, never in a loop, so boxing it \
              would only make callers unwrap a Box"
)]

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::fixed::Fixed;
use crate::instrument::definition::{Better, InstrumentDefinition};
use crate::instrument::validate::UTILITY;
use crate::instrument::{Instrument, Scores};
use crate::problem::{Problem, non_empty};
use crate::version::Reference;

/// What a change amounts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Better by at least the MID.
    Improved,
    /// Less than the MID either way.
    NoMeaningfulChange,
    /// Worse by at least the MID.
    Deteriorated,
}

/// Where the threshold applied came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MidOrigin {
    /// The instrument's default, with a published source.
    Published,
    /// The instrument's default, but no published value exists: a deployment's choice.
    Unsourced,
    /// The deployment's override.
    Override,
}

/// The threshold a change was judged against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppliedMid {
    /// The threshold.
    pub value: Fixed,
    /// Where it came from.
    pub origin: MidOrigin,
}

/// One component's change from baseline to follow-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The component's code, or `utility`.
    pub code: String,
    /// Which way is better.
    pub better: Better,
    /// The baseline score.
    pub baseline: Fixed,
    /// The follow-up score.
    pub follow_up: Fixed,
    /// `follow_up - baseline`.
    pub delta: Fixed,
    /// The threshold applied, if the component has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<AppliedMid>,
    /// The judgement, if there is a threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}

/// Why two scorings cannot be compared.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClassifyError {
    /// Scores from another instrument, or another version of it.
    #[error("the {which} scores are from {scored_by}, not {instrument}")]
    OtherInstrument {
        /// `baseline` or `follow-up`.
        which: &'static str,
        /// What scored them.
        scored_by: Reference,
        /// The instrument asked to compare them.
        instrument: Reference,
    },
    /// Utilities from different value sets are on different scales, or differ in method.
    #[error("utilities valued with {baseline} and {follow_up} do not compare; rescore with one")]
    ValueSetsDiffer {
        /// The baseline's value set.
        baseline: Reference,
        /// The follow-up's value set.
        follow_up: Reference,
    },
    /// One scoring has a utility and the other not: a value set was left out.
    #[error("only the {which} scores have a utility; score both with the same value set")]
    UtilityOnOneSide {
        /// The side that has one.
        which: &'static str,
    },
    /// An override for a component the instrument does not report, or not above zero.
    #[error("override for {component}: {problem}")]
    Override {
        /// The component named.
        component: String,
        /// What is wrong.
        problem: Problem,
    },
    /// A difference too large to hold.
    #[error("the change in {component} is too large to compute")]
    Overflow {
        /// The component.
        component: String,
    },
}

impl Instrument {
    /// Classifies the change in every component from `baseline` to `follow_up` against the
    /// instrument's default MIDs.
    pub fn classify(
        &self,
        baseline: &Scores,
        follow_up: &Scores,
    ) -> Result<Vec<Change>, ClassifyError> {
        self.classify_with(baseline, follow_up, &BTreeMap::new())
    }

    /// As [`Instrument::classify`], with the deployment's thresholds by component code
    /// (`utility` for the utility, whatever its scale) taking precedence over the defaults.
    pub fn classify_with(
        &self,
        baseline: &Scores,
        follow_up: &Scores,
        overrides: &BTreeMap<String, Fixed>,
    ) -> Result<Vec<Change>, ClassifyError> {
        self.check_overrides(overrides)?;
        for (which, scores) in [("baseline", baseline), ("follow-up", follow_up)] {
            if scores.instrument != self.reference {
                return Err(ClassifyError::OtherInstrument {
                    which,
                    scored_by: scores.instrument.clone(),
                    instrument: self.reference.clone(),
                });
            }
        }
        let mut changes = Vec::new();
        for rule in &self.definition.scoring {
            let code = rule.code();
            // An optional item answered on one occasion only has no change to report.
            let (Some(before), Some(after)) = (baseline.component(code), follow_up.component(code))
            else {
                continue;
            };
            let mid = self.mid(code, None, overrides);
            changes.push(judge(code, rule.better(), before.value, after.value, mid)?);
        }
        match (&baseline.utility, &follow_up.utility) {
            (Some(before), Some(after)) => {
                if before.value_set != after.value_set {
                    return Err(ClassifyError::ValueSetsDiffer {
                        baseline: before.value_set.clone(),
                        follow_up: after.value_set.clone(),
                    });
                }
                let mid = self.mid(UTILITY, Some(&before.scale), overrides);
                changes.push(judge(
                    UTILITY,
                    Better::Higher,
                    before.value,
                    after.value,
                    mid,
                )?);
            }
            (Some(_), None) => return Err(ClassifyError::UtilityOnOneSide { which: "baseline" }),
            (None, Some(_)) => return Err(ClassifyError::UtilityOnOneSide { which: "follow-up" }),
            (None, None) => {}
        }
        Ok(changes)
    }

    fn mid(
        &self,
        code: &str,
        scale: Option<&str>,
        overrides: &BTreeMap<String, Fixed>,
    ) -> Option<AppliedMid> {
        if let Some(value) = overrides.get(code) {
            let origin = MidOrigin::Override;
            return Some(AppliedMid {
                value: *value,
                origin,
            });
        }
        let mid = self.default_mid(code, scale)?;
        let origin = match mid.source {
            Some(_) => MidOrigin::Published,
            None => MidOrigin::Unsourced,
        };
        Some(AppliedMid {
            value: mid.value,
            origin,
        })
    }

    fn check_overrides(&self, overrides: &BTreeMap<String, Fixed>) -> Result<(), ClassifyError> {
        for (component, value) in overrides {
            let known = self.rules().iter().any(|rule| rule.code() == component)
                || (component == UTILITY && self.compiled.dimensions.is_some());
            let problem = if !known {
                Problem::UnknownComponent(component.clone())
            } else if !value.is_positive() {
                Problem::NotPositive(*value)
            } else {
                continue;
            };
            let component = component.clone();
            return Err(ClassifyError::Override { component, problem });
        }
        Ok(())
    }
}

fn judge(
    code: &str,
    better: Better,
    baseline: Fixed,
    follow_up: Fixed,
    mid: Option<AppliedMid>,
) -> Result<Change, ClassifyError> {
    let overflow = || ClassifyError::Overflow {
        component: code.to_owned(),
    };
    let delta = follow_up.checked_sub(baseline).ok_or_else(overflow)?;
    // The gain is the delta turned so that positive is always better.
    let gain = match better {
        Better::Higher => delta,
        Better::Lower => delta.checked_neg().ok_or_else(overflow)?,
    };
    let verdict = mid.map(|mid| {
        if gain >= mid.value {
            Verdict::Improved
        } else if gain.checked_neg().is_some_and(|loss| loss >= mid.value) {
            Verdict::Deteriorated
        } else {
            Verdict::NoMeaningfulChange
        }
    });
    Ok(Change {
        code: code.to_owned(),
        better,
        baseline,
        follow_up,
        delta,
        mid,
        verdict,
    })
}

/// Checks a definition's MIDs: each for a reported component (or the utility, with a scale),
/// above zero, explained, and exactly one default per component and scale.
pub(crate) fn check_mids(
    definition: &InstrumentDefinition,
    codes: &BTreeSet<&str>,
) -> Result<(), (String, Problem)> {
    let mut defaults: BTreeMap<(&str, Option<&str>), usize> = BTreeMap::new();
    for (index, mid) in definition.mids.iter().enumerate() {
        let at = format!("mids[{index}]");
        let is_utility = mid.component == UTILITY && definition.utility.is_some();
        if !is_utility && !codes.contains(mid.component.as_str()) {
            let problem = Problem::UnknownComponent(mid.component.clone());
            return Err((format!("{at}.component"), problem));
        }
        if is_utility != mid.scale.is_some() {
            return Err((format!("{at}.scale"), Problem::Scale));
        }
        if !mid.value.is_positive() {
            return Err((format!("{at}.value"), Problem::NotPositive(mid.value)));
        }
        non_empty(&mid.basis, &format!("{at}.basis"))?;
        if let Some(source) = &mid.source {
            non_empty(&source.citation, &format!("{at}.source.citation"))?;
        }
        let count = defaults
            .entry((&mid.component, mid.scale.as_deref()))
            .or_default();
        *count += usize::from(mid.default);
    }
    for ((component, scale), count) in defaults {
        if count != 1 {
            let component = match scale {
                Some(scale) => format!("{component} on {scale}"),
                None => component.to_owned(),
            };
            return Err(("mids".into(), Problem::Defaults { component, count }));
        }
    }
    Ok(())
}

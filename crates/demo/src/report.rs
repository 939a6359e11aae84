//! What a load did: how many of each record it made, and how many an earlier run had made
//! already; where each referral it made ended up.

use std::collections::BTreeMap;
use std::fmt;

/// Records of one kind: made by this run, or found from an earlier one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Made now.
    pub created: usize,
    /// Already there (same seed, same id).
    pub existing: usize,
}

impl Tally {
    pub(crate) fn count(&mut self, written: crate::calls::Written) {
        match written {
            crate::calls::Written::Created => self.created += 1,
            crate::calls::Written::Existing => self.existing += 1,
        }
    }
}

/// What a load created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The needs taxonomy and its terms.
    pub taxonomy_terms: Tally,
    /// VCSE organisations.
    pub organisations: Tally,
    /// Venues.
    pub locations: Tally,
    /// Services.
    pub services: Tally,
    /// Referrals from GPs to link workers (one per person).
    pub referrals: Tally,
    /// Where each referral this run made ended up, by FHIR `Task.status` code.
    pub referrals_by_status: BTreeMap<String, usize>,
    /// Onward referrals from link workers to services (child referrals) made by this run.
    pub onward_referrals: usize,
    /// Where each onward referral ended up, by status.
    pub onward_by_status: BTreeMap<String, usize>,
    /// People signposted to a service instead (no consent to share, or nothing that takes
    /// referrals near them).
    pub signposted: usize,
    /// People for whom no suitable service was found nearby.
    pub unmatched: usize,
    /// Outcome measures recorded (synthetic answers), baseline and follow-up.
    pub outcome_responses: usize,
    /// Daily device summaries sent by the synthetic activity app.
    pub device_days: usize,
    /// Places in session registers: attended.
    pub attended: usize,
    /// Places in session registers: did not attend, or cancelled.
    pub missed: usize,
}

impl Report {
    /// Whether this run made anything (false for a re-run of a complete load).
    pub fn created_anything(&self) -> bool {
        [
            self.taxonomy_terms,
            self.organisations,
            self.locations,
            self.services,
            self.referrals,
        ]
        .iter()
        .any(|tally| tally.created > 0)
            || self.onward_referrals > 0
    }
}

fn statuses(counts: &BTreeMap<String, usize>) -> String {
    match counts.is_empty() {
        true => "none".to_owned(),
        false => counts
            .iter()
            .map(|(status, count)| format!("{status} {count}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// What a report says first: none of it is anyone's.
pub const SYNTHETIC: &str = "All of it is synthetic: the people, their NHS numbers (the 999 test \
    range), dates of birth, sex and ethnic categories, the LW postcodes and their deprivation \
    ranks, the organisations and their services, every answer to an outcome measure and every \
    place in a session's register.";

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{SYNTHETIC}")?;
        writeln!(f)?;
        writeln!(f, "{:<16} {:>8} {:>8}", "", "created", "existing")?;
        for (name, tally) in [
            ("taxonomy terms", self.taxonomy_terms),
            ("organisations", self.organisations),
            ("locations", self.locations),
            ("services", self.services),
            ("referrals", self.referrals),
        ] {
            writeln!(f, "{name:<16} {:>8} {:>8}", tally.created, tally.existing)?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "referrals by status: {}",
            statuses(&self.referrals_by_status)
        )?;
        writeln!(
            f,
            "onward referrals: {} ({})",
            self.onward_referrals,
            statuses(&self.onward_by_status)
        )?;
        writeln!(
            f,
            "signposted instead: {}; no service found nearby: {}",
            self.signposted, self.unmatched
        )?;
        writeln!(
            f,
            "outcome measures (synthetic answers): {} responses, baseline and follow-up",
            self.outcome_responses
        )?;
        writeln!(
            f,
            "session registers: {} attended, {} missed",
            self.attended, self.missed
        )?;
        write!(
            f,
            "device evidence (synthetic activity app): {} daily step summaries",
            self.device_days
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_reads_as_a_table_then_the_statuses() {
        let mut report = Report::default();
        assert!(!report.created_anything());
        report.services.created = 40;
        report.referrals.existing = 3;
        report.referrals_by_status.insert("completed".into(), 2);
        let text = report.to_string();
        assert!(
            text.contains("services               40        0"),
            "{text}"
        );
        assert!(text.contains("referrals by status: completed 2"), "{text}");
        assert!(text.starts_with("All of it is synthetic"), "{text}");
        assert!(report.created_anything());
    }
}

//! What has already accrued under one contract, folded from its lines: the lines by id (so a
//! fact seen again accrues nothing, and a clawback finds what to take back) and the running
//! totals the caps are measured against — per person, per month and for the contract.
//! Clawbacks count too, so money taken back frees its room under every cap.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::line::Line;
use crate::domain::money::Pence;
use crate::domain::period::Month;

/// Lines accrued under one contract, and their totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accrued {
    lines: BTreeMap<Uuid, Line>,
    clawed_back: BTreeSet<Uuid>,
    per_person: BTreeMap<String, Pence>,
    per_month: BTreeMap<Month, Pence>,
    total: Pence,
}

impl Accrued {
    /// Folded from `lines`.
    pub fn from_lines<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Self {
        let mut accrued = Self::default();
        for line in lines {
            accrued.record(line);
        }
        accrued
    }

    /// Adds `line`; a line already held is ignored. Totals saturate rather than overflow: no
    /// contract reaches £92 quadrillion, and a total must never panic a consumer.
    pub fn record(&mut self, line: &Line) {
        if self.lines.contains_key(&line.line_id) {
            return;
        }
        if let Some(subject) = &line.subject {
            let so_far = self.per_person.entry(subject.clone()).or_default();
            *so_far = so_far.saturating_add(line.amount);
        }
        let month = self.per_month.entry(line.period).or_default();
        *month = month.saturating_add(line.amount);
        self.total = self.total.saturating_add(line.amount);
        if let Some(original) = line.clawback_of {
            self.clawed_back.insert(original);
        }
        self.lines.insert(line.line_id, line.clone());
    }

    /// Whether a line with `line_id` has accrued.
    pub fn contains(&self, line_id: Uuid) -> bool {
        self.lines.contains_key(&line_id)
    }

    /// Whether the line `line_id` has been clawed back.
    pub fn is_clawed_back(&self, line_id: Uuid) -> bool {
        self.clawed_back.contains(&line_id)
    }

    /// Every line, by id.
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.values()
    }

    /// Accrued for the person with `subject`.
    pub fn person(&self, subject: &str) -> Pence {
        self.per_person.get(subject).copied().unwrap_or_default()
    }

    /// Accrued against `month`.
    pub fn month(&self, month: Month) -> Pence {
        self.per_month.get(&month).copied().unwrap_or_default()
    }

    /// Accrued in all.
    pub fn total(&self) -> Pence {
        self.total
    }
}

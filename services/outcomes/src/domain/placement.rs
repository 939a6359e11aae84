//! Where a response falls in a person's link-worker episode, decided from dates alone (the
//! response's and the referral's, all taken from events), so that a replay places every response
//! where it was placed the first time.
//!
//! The episode starts when the receiving organisation takes the referral on (or, until then,
//! when it was made). The **baseline** for an instrument is the first response to it within the
//! baseline window around the start; a response in the days before the episode closed is at
//! **close**; a later response after the baseline is a **follow-up**; anything else (before the
//! window, or a second response inside it) is **unscheduled**. Follow-ups and the close are paired
//! with the baseline; unscheduled responses are recorded but not paired. Follow-ups are
//! scheduled at a configured interval from the start, and each is numbered by the scheduled
//! one it is nearest (the first at least).

use chrono::{DateTime, Duration, Utc};

/// Where a response falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timepoint {
    /// The first measure, taken around the episode's start.
    Baseline,
    /// A later measure while the episode runs.
    FollowUp,
    /// A measure as the episode closed.
    Close,
    /// Outside the windows: recorded, not paired.
    Unscheduled,
}

impl Timepoint {
    /// Its code, as published.
    pub fn code(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::FollowUp => "follow-up",
            Self::Close => "close",
            Self::Unscheduled => "unscheduled",
        }
    }

    /// Whether it is paired with the baseline.
    pub fn is_paired(self) -> bool {
        matches!(self, Self::FollowUp | Self::Close)
    }
}

/// The windows, as the deployment configures them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// A baseline may be taken this long before the episode starts…
    pub baseline_before: Duration,
    /// …and this long after.
    pub baseline_after: Duration,
    /// A response this long before the episode closed, or after, is at close.
    pub close_within: Duration,
    /// How far apart scheduled follow-ups are, from the episode's start.
    pub follow_up_every: Duration,
}

/// The dates of a referral's episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Episode {
    /// When the referral was made.
    pub requested: DateTime<Utc>,
    /// When the receiving organisation took it on.
    pub started: Option<DateTime<Utc>>,
    /// When it closed.
    pub closed: Option<DateTime<Utc>>,
}

impl Episode {
    /// Where a response authored at `authored` falls, given whether the instrument already has
    /// a baseline in this episode.
    pub fn place(
        &self,
        windows: &Windows,
        authored: DateTime<Utc>,
        has_baseline: bool,
    ) -> Timepoint {
        let start = self.started.unwrap_or(self.requested);
        let opens = start - windows.baseline_before;
        let shuts = start + windows.baseline_after;
        if let Some(closed) = self.closed
            && authored >= closed - windows.close_within
            && has_baseline
        {
            return Timepoint::Close;
        }
        match (authored < opens, authored <= shuts, has_baseline) {
            (true, _, _) => Timepoint::Unscheduled,
            (false, true, false) => Timepoint::Baseline,
            (false, true, true) => Timepoint::Unscheduled,
            (false, false, true) => Timepoint::FollowUp,
            // Nothing was measured near the start: a later first measure is no baseline.
            (false, false, false) => Timepoint::Unscheduled,
        }
    }
}

impl Episode {
    /// Which scheduled follow-up a follow-up authored at `authored` is: the nearest multiple of
    /// the interval since the start, the first at least.
    pub fn follow_up_number(&self, windows: &Windows, authored: DateTime<Utc>) -> u32 {
        let start = self.started.unwrap_or(self.requested);
        let every = windows.follow_up_every.num_seconds().max(1);
        let since = (authored - start).num_seconds().max(0);
        let nearest = (since + every / 2) / every;
        u32::try_from(nearest).unwrap_or(u32::MAX).max(1)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(n: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0)
            .single()
            .expect("a date")
            + Duration::days(n)
    }

    const WINDOWS: Windows = Windows {
        baseline_before: Duration::days(14),
        baseline_after: Duration::days(28),
        close_within: Duration::days(14),
        follow_up_every: Duration::weeks(12),
    };

    fn episode(closed: Option<i64>) -> Episode {
        Episode {
            requested: day(-5),
            started: Some(day(0)),
            closed: closed.map(day),
        }
    }

    #[test]
    fn the_first_measure_near_the_start_is_the_baseline() {
        let episode = episode(None);
        assert_eq!(
            episode.place(&WINDOWS, day(-14), false),
            Timepoint::Baseline
        );
        assert_eq!(episode.place(&WINDOWS, day(28), false), Timepoint::Baseline);
        assert_eq!(
            episode.place(&WINDOWS, day(-15), false),
            Timepoint::Unscheduled
        );
        assert_eq!(
            episode.place(&WINDOWS, day(29), false),
            Timepoint::Unscheduled
        );
        assert_eq!(
            episode.place(&WINDOWS, day(3), true),
            Timepoint::Unscheduled
        );
    }

    #[test]
    fn later_measures_follow_up_and_the_last_ones_close() {
        assert_eq!(
            episode(None).place(&WINDOWS, day(84), true),
            Timepoint::FollowUp
        );
        let closed = episode(Some(90));
        assert_eq!(closed.place(&WINDOWS, day(75), true), Timepoint::FollowUp);
        assert_eq!(closed.place(&WINDOWS, day(76), true), Timepoint::Close);
        assert_eq!(closed.place(&WINDOWS, day(95), true), Timepoint::Close);
        assert_eq!(
            closed.place(&WINDOWS, day(95), false),
            Timepoint::Unscheduled
        );
        assert!(Timepoint::Close.is_paired() && !Timepoint::Baseline.is_paired());
    }

    #[test]
    fn before_it_is_taken_on_the_episode_runs_from_the_referral() {
        let waiting = Episode {
            requested: day(0),
            started: None,
            closed: None,
        };
        assert_eq!(waiting.place(&WINDOWS, day(2), false), Timepoint::Baseline);
    }

    #[test]
    fn follow_ups_are_numbered_by_the_nearest_scheduled_one() {
        let episode = episode(None);
        assert_eq!(
            episode.follow_up_number(&WINDOWS, day(30)),
            1,
            "the first at least"
        );
        assert_eq!(episode.follow_up_number(&WINDOWS, day(84)), 1);
        assert_eq!(episode.follow_up_number(&WINDOWS, day(125)), 1);
        assert_eq!(episode.follow_up_number(&WINDOWS, day(127)), 2);
        assert_eq!(episode.follow_up_number(&WINDOWS, day(168)), 2);
        assert_eq!(episode.follow_up_number(&WINDOWS, day(252)), 3);
    }
}

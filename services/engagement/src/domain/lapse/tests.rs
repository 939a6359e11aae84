//! The lapse rules, given what was observed of a referral, when one more thing is observed,
//! then these alerts.

use chrono::TimeZone;

use super::*;

const RULES: Rules = Rules {
    missed_in_a_row: 2,
    days_without_attendance: 21,
    device_activity_below_percent: 50,
    valid_coverage_percent: 50,
};

const REFERRAL: Uuid = Uuid::from_u128(7);

/// Day `n` of March 2026, at ten.
fn day(n: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, n, 10, 0, 0)
        .single()
        .expect("a date")
}

fn session(n: u128) -> Uuid {
    Uuid::from_u128(100 + n)
}

fn status(status: &str, on: u32) -> Observed {
    Observed::StatusNoted {
        subject: "nhs-hmac:7".to_owned(),
        status: status.to_owned(),
        at: day(on),
    }
}

fn attended(n: u128, on: u32) -> Observed {
    Observed::Attended {
        session_id: session(n),
        subject: "nhs-hmac:7".to_owned(),
        at: day(on),
    }
}

fn missed(n: u128, why: Status, on: u32) -> Observed {
    Observed::Missed {
        session_id: session(n),
        subject: "nhs-hmac:7".to_owned(),
        status: why,
        at: day(on),
    }
}

fn dna(n: u128, on: u32) -> Observed {
    missed(n, Status::DidNotAttend, on)
}

fn tick(on: u32) -> Observed {
    Observed::Tick { at: day(on) }
}

/// Day `n`'s steps, from a device worn all day, received the morning after.
fn steps(n: u32, count: u32) -> Observed {
    worn(n, count, 100)
}

fn worn(n: u32, count: u32, coverage_percent: u8) -> Observed {
    Observed::Steps {
        subject: "nhs-hmac:7".to_owned(),
        day: day(n).date_naive(),
        steps: count,
        coverage_percent,
        at: day(n + 1),
    }
}

/// Everything observed so far, under `rules`.
struct Given {
    watch: Watch,
    rules: Rules,
}

fn given(observed: &[Observed]) -> Given {
    given_under(RULES, observed)
}

fn given_under(rules: Rules, observed: &[Observed]) -> Given {
    let watch = observed.iter().fold(Watch::new(REFERRAL), |watch, event| {
        apply(watch, event, &rules).0
    });
    Given { watch, rules }
}

impl Given {
    /// The alerts observing each of `observed` in turn raises.
    fn when(self, observed: &[Observed]) -> Vec<Alert> {
        let mut watch = self.watch;
        let mut raised = Vec::new();
        for event in observed {
            let (after, alerts) = apply(watch, event, &self.rules);
            watch = after;
            raised.extend(alerts);
        }
        raised
    }
}

fn lapsed(rule: Rule, evidence: &str, on: u32) -> Alert {
    Alert::Lapsed {
        rule,
        evidence: evidence.to_owned(),
        at: day(on),
    }
}

fn resumed(rule: Rule, evidence: &str, on: u32) -> Alert {
    Alert::Resumed {
        rule,
        evidence: evidence.to_owned(),
        at: day(on),
    }
}

fn missed_evidence(sessions: &[u128]) -> String {
    let ids: Vec<String> = sessions.iter().map(|n| session(*n).to_string()).collect();
    format!(
        "missed {} sessions in a row: {}",
        sessions.len(),
        ids.join(", ")
    )
}

#[test]
fn two_sessions_missed_in_a_row_raise_one_lapse_once() {
    let raised = given(&[status("accepted", 1)]).when(&[
        dna(1, 3),
        missed(2, Status::CancelledByPerson, 10),
        dna(3, 17),
    ]);
    assert_eq!(
        raised,
        [lapsed(Rule::MissedInARow, &missed_evidence(&[1, 2]), 10)]
    );
}

#[test]
fn attending_ends_the_lapse_and_the_count_starts_again() {
    let lapsed_already = [status("accepted", 1), dna(1, 3), dna(2, 10)];
    let raised = given(&lapsed_already).when(&[attended(3, 17), dna(4, 24)]);
    let evidence = format!("attended session {}", session(3));
    assert_eq!(raised, [resumed(Rule::MissedInARow, &evidence, 17)]);
    let raised = given(&lapsed_already).when(&[attended(3, 17), dna(4, 24), dna(5, 31)]);
    assert_eq!(
        raised[1..],
        [lapsed(Rule::MissedInARow, &missed_evidence(&[4, 5]), 31)]
    );
}

#[test]
fn a_session_the_provider_called_off_does_not_count() {
    let raised = given(&[status("accepted", 1)])
        .when(&[dna(1, 3), missed(2, Status::CancelledByProvider, 10)]);
    assert_eq!(raised, []);
    // Recorded as missed, then corrected: the provider called it off after all.
    let raised = given(&[status("accepted", 1)]).when(&[
        dna(1, 3),
        missed(1, Status::CancelledByProvider, 4),
        dna(2, 10),
    ]);
    assert_eq!(raised, []);
}

#[test]
fn one_session_missed_twice_over_counts_once() {
    let raised =
        given(&[status("accepted", 1)]).when(&[dna(1, 3), missed(1, Status::CancelledByPerson, 4)]);
    assert_eq!(raised, []);
}

#[test]
fn a_rule_set_to_zero_is_off() {
    let off = Rules {
        missed_in_a_row: 0,
        days_without_attendance: 0,
        device_activity_below_percent: 0,
        ..RULES
    };
    let raised = given_under(off, &[status("accepted", 1)]).when(&[
        dna(1, 3),
        dna(2, 10),
        dna(3, 17),
        tick(31),
        steps(10, 0),
        steps(11, 0),
        steps(12, 0),
    ]);
    assert_eq!(raised, []);
}

#[test]
fn a_referral_that_is_not_active_does_not_lapse() {
    let never_taken_on = given(&[]).when(&[dna(1, 3), dna(2, 10), tick(31)]);
    assert_eq!(never_taken_on, []);
    let closed = given(&[
        status("accepted", 1),
        attended(1, 2),
        status("completed", 3),
    ])
    .when(&[dna(2, 10), dna(3, 17), tick(31)]);
    assert_eq!(closed, []);
}

#[test]
fn a_referral_on_hold_is_still_active() {
    let raised =
        given(&[status("accepted", 1), status("on-hold", 2)]).when(&[dna(1, 3), dna(2, 10)]);
    assert_eq!(
        raised,
        [lapsed(Rule::MissedInARow, &missed_evidence(&[1, 2]), 10)]
    );
}

#[test]
fn a_referral_that_closes_ends_its_lapse() {
    let raised = given(&[status("accepted", 1), dna(1, 3), dna(2, 10)])
        .when(&[status("cancelled", 12), tick(31)]);
    assert_eq!(
        raised,
        [resumed(Rule::MissedInARow, "the referral is cancelled", 12)]
    );
}

#[test]
fn no_attendance_for_the_days_lapses_at_the_first_tick_past_them_once() {
    let raised =
        given(&[status("accepted", 1), attended(1, 2)]).when(&[tick(22), tick(23), tick(24)]);
    assert_eq!(
        raised,
        [lapsed(
            Rule::NoAttendance,
            "no attendance for 21 days since 2026-03-02",
            23
        )]
    );
}

#[test]
fn ticks_before_the_days_are_up_do_not_lapse() {
    let raised = given(&[status("accepted", 1), attended(1, 5)]).when(&[tick(10), tick(25)]);
    assert_eq!(raised, []);
}

#[test]
fn never_attending_counts_from_the_referral_becoming_active() {
    let one_missed = Rules {
        missed_in_a_row: 3,
        ..RULES
    };
    let raised = given_under(one_missed, &[status("accepted", 1), dna(1, 3)]).when(&[tick(22)]);
    assert_eq!(
        raised,
        [lapsed(
            Rule::NoAttendance,
            "no attendance for 21 days since 2026-03-01",
            22
        )]
    );
}

#[test]
fn without_a_register_place_time_alone_does_not_lapse() {
    // A referral to a link worker, say: active, and no provider keeps a register for them.
    let raised = given(&[status("accepted", 1), status("in-progress", 2)]).when(&[tick(31)]);
    assert_eq!(raised, []);
}

#[test]
fn a_lapse_under_one_rule_is_not_raised_again_under_another() {
    let raised =
        given(&[status("accepted", 1), attended(1, 2), tick(23)]).when(&[dna(2, 24), dna(3, 25)]);
    assert_eq!(raised, []);
    let raised = given(&[status("accepted", 1), attended(1, 2), tick(23)]).when(&[attended(2, 24)]);
    let evidence = format!("attended session {}", session(2));
    assert_eq!(raised, [resumed(Rule::NoAttendance, &evidence, 24)]);
}

#[test]
fn every_rule_is_named_by_its_code() {
    for rule in [
        Rule::MissedInARow,
        Rule::NoAttendance,
        Rule::DeviceActivityLow,
    ] {
        assert_eq!(Rule::parse(rule.code()), Some(rule));
    }
    assert_eq!(Rule::parse("device-activity"), None);
}

mod device;

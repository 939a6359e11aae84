//! The device-activity rule: a person's last three valid days well below their own fortnight.

use super::*;

/// An active referral with a fortnight of 8,000 steps a day, March 1st to 14th.
fn active_fortnight() -> Vec<Observed> {
    let mut observed = vec![status("accepted", 1)];
    observed.extend((1..=14).map(|n| steps(n, 8_000)));
    observed
}

const LOW: &str = "steps below 50% of their own 8000 a day over 14 valid days of the fortnight \
                   before: 3000 on 2026-03-15, 3500 on 2026-03-16, 2000 on 2026-03-17";

#[test]
fn three_valid_days_below_half_the_fortnight_lapse_once() {
    let raised = given(&active_fortnight()).when(&[
        steps(15, 3_000),
        steps(16, 3_500),
        steps(17, 2_000),
        steps(18, 1_000),
    ]);
    assert_eq!(raised, [lapsed(Rule::DeviceActivityLow, LOW, 18)]);
}

#[test]
fn one_good_day_among_the_three_is_not_a_lapse() {
    let raised =
        given(&active_fortnight()).when(&[steps(15, 3_000), steps(16, 4_000), steps(17, 2_000)]);
    assert_eq!(raised, []);
}

#[test]
fn a_valid_day_back_above_the_bar_ends_the_device_lapse() {
    let mut observed = active_fortnight();
    observed.extend([steps(15, 3_000), steps(16, 3_500), steps(17, 2_000)]);
    let raised = given(&observed).when(&[steps(18, 7_000)]);
    let evidence =
        "7000 steps on 2026-03-18, at least 50% of the 8000 a day of the fortnight before";
    // The fortnight before the 16th–18th now includes the 15th's 3,000.
    let evidence = evidence.replace("8000", "7642");
    assert_eq!(raised, [resumed(Rule::DeviceActivityLow, &evidence, 19)]);
}

#[test]
fn days_worn_too_little_neither_lapse_nor_count() {
    let mut observed = active_fortnight();
    observed.extend([worn(15, 100, 49), worn(16, 100, 10)]);
    let raised = given(&observed).when(&[worn(17, 100, 0)]);
    assert_eq!(raised, []);
    assert_eq!(given(&observed).watch.steps.len(), 14);
}

#[test]
fn under_a_week_of_valid_days_to_compare_with_judges_nothing() {
    let mut observed = vec![status("accepted", 1)];
    observed.extend((1..=6).map(|n| steps(n, 8_000)));
    let raised = given(&observed).when(&[steps(7, 100), steps(8, 100), steps(9, 100)]);
    assert_eq!(raised, []);
}

#[test]
fn a_late_day_joins_the_record_but_judges_nothing() {
    let mut observed = active_fortnight();
    observed.extend([steps(16, 3_500), steps(17, 2_000)]);
    // The 15th arrives last: the last three days are now all low, but the late day does not
    // judge; the next day does.
    let raised = given(&observed).when(&[steps(15, 3_000)]);
    assert_eq!(raised, []);
    observed.push(steps(15, 3_000));
    assert_eq!(given(&observed).watch.steps.len(), 17);
}

#[test]
fn steps_do_not_end_a_lapse_another_rule_raised_nor_lapse_an_inactive_referral() {
    let mut observed = active_fortnight();
    observed.extend([dna(1, 15), dna(2, 16)]);
    let raised = given(&observed).when(&[steps(15, 9_000), steps(16, 9_000)]);
    assert_eq!(raised, []);

    let mut closed = active_fortnight();
    closed.push(status("completed", 15));
    let raised = given(&closed).when(&[steps(15, 100), steps(16, 100), steps(17, 100)]);
    assert_eq!(raised, []);
}

#[test]
fn old_days_leave_the_record() {
    let mut observed = vec![status("accepted", 1)];
    observed.extend((1..=30).map(|n| steps(n, 8_000)));
    let watch = given(&observed).watch;
    let first = watch.steps.first().map(|(day, _)| day.to_string());
    assert_eq!(first.as_deref(), Some("2026-03-11"));
    assert_eq!(watch.steps.len(), 20);
}

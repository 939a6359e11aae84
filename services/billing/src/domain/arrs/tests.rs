use chrono::NaiveDate;

use super::*;

const SPLW: &str = "social-prescribing-link-worker";

fn p(pence: i64) -> Pence {
    Pence::new(pence)
}

fn month(y: i32, m: u32) -> Month {
    Month::new(y, m).expect("a month")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn bundled() -> CapSchedule {
    CapSchedule::bundled().expect("the bundled caps read")
}

fn half() -> Wte {
    Wte::from_basis_points(5_000).expect("half time")
}

/// A deployer's schedule giving 2024/25 a figure. £40,000.00 is a made-up test figure, not a
/// published cap.
fn deployer_2024() -> CapSchedule {
    CapSchedule::from_json(
        r#"{"about": "test", "caps": [{"role": "social-prescribing-link-worker",
            "year": "2024/25", "annual": "40,000.00", "provenance": "a test figure"}]}"#,
    )
    .expect("reads")
}

#[test]
fn the_bundled_caps_are_only_the_reference_figures_each_with_its_source() {
    let caps = bundled();
    let y2019 = caps
        .year(SPLW, FinancialYear::starting(2019))
        .expect("2019/20");
    assert_eq!(
        (y2019.annual, y2019.via_vcse_contractor),
        (p(3_411_300), Some(p(240_000)))
    );
    let y2022 = caps
        .year(SPLW, FinancialYear::starting(2022))
        .expect("2022/23");
    assert_eq!(
        (y2022.annual, y2022.via_vcse_contractor),
        (p(3_642_800), None)
    );
    for figure in [y2019, y2022] {
        assert!(
            figure.provenance.contains("domain.md section 10"),
            "{}",
            figure.provenance
        );
    }
    for year in [2018, 2020, 2021, 2023, 2024, 2025] {
        assert_eq!(
            caps.year(SPLW, FinancialYear::starting(year)),
            None,
            "{year}"
        );
    }
    assert!(
        caps.not_given()
            .iter()
            .any(|year| year.starts_with("2024/25"))
    );
    assert!(caps.not_given().iter().any(|year| year == "2023/24"));
}

#[test]
fn a_months_cap_is_a_twelfth_of_the_year_by_whole_time_equivalent_rounded_once() {
    let caps = bundled();
    let cap = |m, wte, vcse| caps.month_cap(SPLW, m, wte, vcse);
    assert_eq!(cap(month(2019, 4), Wte::FULL, false), Ok(p(284_275)));
    // Half of £2,842.75 is £1,421.375: half a penny, rounded away from zero.
    assert_eq!(cap(month(2019, 4), half(), false), Ok(p(142_138)));
    // Through a VCSE contractor: (£34,113 + £2,400) / 12.
    assert_eq!(cap(month(2020, 3), Wte::FULL, true), Ok(p(304_275)));
    // £36,428 / 12 = £3,035.666…
    assert_eq!(cap(month(2022, 5), Wte::FULL, false), Ok(p(303_567)));
    assert_eq!(
        cap(month(2022, 5), Wte::FULL, true),
        Ok(p(303_567)),
        "no addition given"
    );
}

#[test]
fn a_year_with_no_figure_has_no_cap_and_the_uplift_invents_none() {
    let caps = bundled();
    for (m, year) in [
        (month(2020, 4), 2020),
        (month(2024, 10), 2024),
        (month(2025, 3), 2024),
    ] {
        assert_eq!(
            caps.month_cap(SPLW, m, Wte::FULL, false),
            Err(ArrsError::NoCapGiven {
                role: SPLW.to_owned(),
                year: FinancialYear::starting(year)
            })
        );
    }
    assert!(matches!(
        caps.month_cap(
            "health-and-wellbeing-coach",
            month(2019, 4),
            Wte::FULL,
            false
        ),
        Err(ArrsError::NoCapGiven { .. })
    ));
}

#[test]
fn the_october_2024_uplift_applies_from_its_day_to_the_years_figure_once_given() {
    let caps = bundled().with(deployer_2024()).expect("no conflict");
    assert_eq!(caps.annual_on(SPLW, day(2024, 9, 30)), Ok(p(4_000_000)));
    // +5.5% of £40,000.00 is £2,200.00.
    assert_eq!(caps.annual_on(SPLW, day(2024, 10, 1)), Ok(p(4_220_000)));
    assert_eq!(
        caps.month_cap(SPLW, month(2024, 9), Wte::FULL, false),
        Ok(p(333_333))
    );
    assert_eq!(
        caps.month_cap(SPLW, month(2024, 10), Wte::FULL, false),
        Ok(p(351_667))
    );
    assert_eq!(
        caps.month_cap(SPLW, month(2025, 3), Wte::FULL, false),
        Ok(p(351_667))
    );
    // Not carried into a year of its own.
    assert!(caps.annual_on(SPLW, day(2025, 4, 1)).is_err());
}

#[test]
fn a_deployers_figure_that_contradicts_ours_is_refused() {
    let contradicting = CapSchedule::from_json(
        r#"{"about": "", "caps": [{"role": "social-prescribing-link-worker",
            "year": "2019/20", "annual": "35000", "provenance": "elsewhere"}]}"#,
    )
    .expect("reads");
    assert_eq!(
        bundled().with(contradicting),
        Err(ArrsError::Conflict {
            role: SPLW.to_owned(),
            what: "2019/20".to_owned()
        })
    );
    let agreeing = CapSchedule::from_json(
        r#"{"about": "", "caps": [{"role": "social-prescribing-link-worker",
            "year": "2019/20", "annual": "34,113", "provenance": "the same"}]}"#,
    )
    .expect("reads");
    assert_eq!(bundled().with(agreeing), Ok(bundled()));
}

#[test]
fn caps_data_without_provenance_or_with_inexact_figures_is_refused() {
    let row = |fields: &str| {
        format!(r#"{{"about": "", "caps": [{{"role": "r", "year": "2019/20", {fields}}}]}}"#)
    };
    for (json, field) in [
        (
            row(r#""annual": "1.00", "provenance": " ""#),
            "caps[0].provenance",
        ),
        (
            row(r#""annual": "34113.001", "provenance": "x""#),
            "caps[0].annual",
        ),
        (row(r#""annual": "0", "provenance": "x""#), "caps[0].annual"),
        (
            row(r#""annual": "1", "via_vcse_contractor": "£", "provenance": "x""#),
            "caps[0].via_vcse_contractor",
        ),
        (row(r#""annual": 34113, "provenance": "x""#), "file"),
        (
            row(r#""annual": "1", "provenance": "x", "extra": 1"#),
            "file",
        ),
    ] {
        match CapSchedule::from_json(&json) {
            Err(ArrsError::Data { field: got, .. }) => assert_eq!(got, field, "{json}"),
            other => panic!("{json}: {other:?}"),
        }
    }
}

fn posts() -> Vec<Post> {
    vec![
        Post {
            post_id: "LW-1".to_owned(),
            role: SPLW.to_owned(),
            wte: Wte::FULL,
            via_vcse_contractor: false,
        },
        Post {
            post_id: "LW-2".to_owned(),
            role: SPLW.to_owned(),
            wte: half(),
            via_vcse_contractor: true,
        },
    ]
}

fn year_of_costs(post_id: &str, pence: i64) -> Vec<MonthCost> {
    FinancialYear::starting(2019)
        .months()
        .map(|month| MonthCost {
            post_id: post_id.to_owned(),
            month,
            salary_and_on_costs: p(pence),
        })
        .collect()
}

fn envelope(pence: i64) -> Envelope {
    Envelope {
        pcn: "PCN-LINBRIDGE-NORTH".to_owned(),
        year: FinancialYear::starting(2019),
        amount: p(pence),
    }
}

#[test]
fn a_pcn_claims_each_post_up_to_its_cap_and_the_envelope_bounds_the_year() {
    let mut costs = year_of_costs("LW-1", 300_000);
    costs.extend(year_of_costs("LW-2", 140_000));
    let view = view(&bundled(), &envelope(5_000_000), &posts(), &costs).expect("a view");
    let first = &view.months[0];
    assert_eq!(
        (first.post_id.as_str(), first.month),
        ("LW-1", month(2019, 4))
    );
    assert_eq!(
        (first.cost, first.cap, first.claimable),
        (p(300_000), p(284_275), p(284_275))
    );
    let half_time = &view.months[12];
    // (£34,113 + £2,400) × 0.5 / 12 = £1,521.375: £1,521.38; the cost is below it.
    assert_eq!(
        (half_time.cap, half_time.claimable),
        (p(152_138), p(140_000))
    );
    assert_eq!(view.roles.len(), 1);
    assert_eq!(view.roles[0].cost, p(12 * 440_000));
    // £34,113.00 + £16,800.00 against a £50,000.00 envelope.
    assert_eq!(view.claimable, p(5_091_300));
    assert_eq!(
        (view.within_envelope, view.beyond_envelope, view.unspent),
        (p(5_000_000), p(91_300), Pence::ZERO)
    );
    let quiet =
        super::view(&bundled(), &envelope(5_000_000), &posts(), &costs[..3]).expect("a view");
    assert_eq!(quiet.claimable, p(3 * 284_275));
    assert_eq!(
        quiet.unspent,
        p(5_000_000 - 3 * 284_275),
        "lost at the year's end"
    );
}

#[test]
fn costs_that_do_not_fit_the_year_or_the_posts_are_refused_naming_them() {
    let one = |post_id: &str, m: Month, pence: i64| MonthCost {
        post_id: post_id.to_owned(),
        month: m,
        salary_and_on_costs: p(pence),
    };
    let refused = |costs: Vec<MonthCost>, field: &str| match view(
        &bundled(),
        &envelope(1_000),
        &posts(),
        &costs,
    ) {
        Err(ArrsError::Invalid { field: got, .. }) => assert_eq!(got, field),
        other => panic!("{field}: {other:?}"),
    };
    refused(vec![one("LW-9", month(2019, 4), 1)], "costs[LW-9 2019-04]");
    refused(vec![one("LW-1", month(2020, 4), 1)], "costs[LW-1 2020-04]");
    refused(vec![one("LW-1", month(2019, 4), -1)], "costs[LW-1 2019-04]");
    refused(
        vec![
            one("LW-1", month(2019, 4), 1),
            one("LW-1", month(2019, 4), 2),
        ],
        "costs[LW-1 2019-04]",
    );
    let mut twice = posts();
    twice.push(twice[0].clone());
    assert!(matches!(
        view(&bundled(), &envelope(1_000), &twice, &[]),
        Err(ArrsError::Invalid { field, .. }) if field == "posts[LW-1]"
    ));
    assert!(matches!(
        view(&bundled(), &envelope(-1), &posts(), &[]),
        Err(ArrsError::Invalid { field, .. }) if field == "envelope.amount"
    ));
    assert_eq!(Wte::from_basis_points(0), None);
    assert_eq!(Wte::from_basis_points(10_001), None);
    assert!(serde_json::from_str::<Wte>("0").is_err());
    assert_eq!(
        serde_json::from_str::<Wte>("5333")
            .ok()
            .map(Wte::basis_points),
        Some(5_333)
    );
}

use super::*;

fn p(pence: i64) -> Pence {
    Pence::new(pence)
}

#[test]
fn amounts_print_as_pounds_with_thousands_and_a_sign() {
    for (pence, shown) in [
        (0, "£0.00"),
        (5, "£0.05"),
        (123_456, "£1,234.56"),
        (100_000_000, "£1,000,000.00"),
        (99_999, "£999.99"),
        (-5, "-£0.05"),
        (-123_456, "-£1,234.56"),
        (i64::MIN, "-£92,233,720,368,547,758.08"),
    ] {
        assert_eq!(p(pence).to_string(), shown);
    }
}

#[test]
fn amounts_are_read_from_text_exactly() {
    for (text, pence) in [
        ("1234.56", 123_456),
        ("£1,234.56", 123_456),
        ("  £1,234.56 ", 123_456),
        ("1234.5", 123_450),
        ("1234", 123_400),
        ("0.01", 1),
        ("-£12.00", -1_200),
        ("-0.5", -50),
        ("1,000,000", 100_000_000),
        ("92233720368547758.07", i64::MAX),
    ] {
        assert_eq!(Pence::parse(text), Ok(p(pence)), "{text}");
        assert_eq!(text.parse::<Pence>(), Ok(p(pence)), "{text}");
    }
}

#[test]
fn what_is_not_an_exact_amount_is_refused_and_says_why() {
    for (text, error) in [
        ("", ParseError::Empty),
        ("   ", ParseError::Empty),
        ("1234.567", ParseError::TooManyDecimals),
        ("£0.001", ParseError::TooManyDecimals),
        ("1,23.00", ParseError::Grouping),
        ("1234,567", ParseError::Grouping),
        ("1,,234", ParseError::Grouping),
        ("£", ParseError::NotAnAmount),
        ("-", ParseError::NotAnAmount),
        (".50", ParseError::NotAnAmount),
        ("12.", ParseError::NotAnAmount),
        ("1.2.3", ParseError::NotAnAmount),
        ("1e3", ParseError::NotAnAmount),
        ("+5", ParseError::NotAnAmount),
        ("£-5", ParseError::NotAnAmount),
        ("1 234", ParseError::NotAnAmount),
        ("12.3a", ParseError::NotAnAmount),
        ("$5", ParseError::NotAnAmount),
        ("92233720368547758.08", ParseError::TooLarge),
        ("99999999999999999999", ParseError::TooLarge),
    ] {
        assert_eq!(Pence::parse(text), Err(error), "{text:?}");
    }
}

#[test]
fn every_amount_printed_reads_back_as_itself() {
    for pence in [0, 1, -1, 99, 100, 101, 123_456_789, -987_654_321, i64::MAX] {
        assert_eq!(Pence::parse(&p(pence).to_string()), Ok(p(pence)));
    }
}

#[test]
fn fractions_round_once_half_away_from_zero_to_the_penny() {
    for (pence, numerator, denominator, rounded) in [
        (1, 1, 2, 1),     // 0.5p up
        (-1, 1, 2, -1),   // -0.5p down, away from zero
        (1, 1, 3, 0),     // 0.33p
        (2, 1, 3, 1),     // 0.67p
        (149, 1, 100, 1), // 1.49p
        (150, 1, 100, 2), // 1.5p
        (-150, 1, 100, -2),
        (-149, 1, 100, -1),
        (100_000, 10, 31, 32_258), // ten days of a 31-day month of £1,000: £322.5806…
        (3_641_200, 17, 30, 2_063_347), // 2,063,346.67p
    ] {
        assert_eq!(
            p(pence).scale(numerator, denominator),
            Ok(p(rounded)),
            "{pence} × {numerator}/{denominator}"
        );
    }
}

#[test]
fn a_percentage_is_a_fraction_like_any_other() {
    let uplift = Percent::parse("5.5%").expect("a percentage");
    assert_eq!(uplift, Percent::from_basis_points(550));
    // 5.5% of £36,428.00 is £2,003.54 exactly.
    assert_eq!(p(3_642_800).percent(uplift), Ok(p(200_354)));
    // 5.5% of 1p is 0.055p: nothing.
    assert_eq!(p(1).percent(uplift), Ok(Pence::ZERO));
    // 5.5% of 10p is 0.55p: a penny.
    assert_eq!(p(10).percent(uplift), Ok(p(1)));
    assert_eq!(uplift.to_string(), "5.50%");
    assert_eq!(Percent::parse("5.555"), Err(ParseError::TooManyDecimals));
    assert_eq!(Percent::parse("£5"), Err(ParseError::NotAnAmount));
    assert_eq!(
        Percent::parse("-1.25%"),
        Ok(Percent::from_basis_points(-125))
    );
}

#[test]
fn arithmetic_answers_overflow_instead_of_panicking() {
    let most = p(i64::MAX);
    assert_eq!(most.checked_add(p(1)), Err(MoneyError::Overflow));
    assert_eq!(p(i64::MIN).checked_sub(p(1)), Err(MoneyError::Overflow));
    assert_eq!(p(i64::MIN).checked_neg(), Err(MoneyError::Overflow));
    assert_eq!(most.checked_mul(2), Err(MoneyError::Overflow));
    assert_eq!(most.saturating_add(most), most);
    assert_eq!(p(i64::MIN).saturating_sub(most), p(i64::MIN));
    assert_eq!(most.scale(3, 2), Err(MoneyError::Overflow));
    assert_eq!(most.scale(1, 0), Err(MoneyError::BadDenominator));
    assert_eq!(most.scale(1, -2), Err(MoneyError::BadDenominator));
    // Exact in 128 bits on the way: the product overflows i64 but the answer does not.
    assert_eq!(most.scale(4, 4), Ok(most));
    assert_eq!(Pence::total([p(1), p(2), p(-3)]), Ok(Pence::ZERO));
    assert_eq!(Pence::total([most, p(1)]), Err(MoneyError::Overflow));
    assert_eq!(Pence::pounds(12), Some(p(1_200)));
    assert_eq!(Pence::pounds(i64::MAX), None);
}

#[test]
fn amounts_are_recorded_as_integer_pence() {
    assert_eq!(serde_json::to_string(&p(123_456)).expect("JSON"), "123456");
    assert_eq!(serde_json::from_str::<Pence>("-5").expect("JSON"), p(-5));
    assert!(serde_json::from_str::<Pence>("12.5").is_err(), "no floats");
}

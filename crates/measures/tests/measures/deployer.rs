//! A licensed instrument (MYCaW, PAM) is not shipped; a deployer supplies its definition in the
//! same format. A made-up fixture, `fixtures/test-fixture-concerns-1.0.json`, stands in for it:
//! it is parsed, added to the bundled catalogue, scored and classified like any bundled one.

use measures::{Answers, Catalogue, CatalogueError, Fixed, Instrument, MidOrigin, Person, Verdict};

use crate::helpers::catalogue;

/// The fixture's JSON: a made-up instrument, not MYCaW or PAM.
const FIXTURE: &str = include_str!("fixtures/test-fixture-concerns-1.0.json");

/// The bundled catalogue with the fixture added, as a deployment would build it at start-up.
fn deployed() -> (Catalogue, Instrument) {
    let fixture = Instrument::parse(FIXTURE).expect("the fixture is a valid definition");
    let mut catalogue = catalogue().clone();
    catalogue
        .add_instrument(fixture.clone())
        .expect("a new instrument is added");
    (catalogue, fixture)
}

#[test]
fn a_deployer_supplied_definition_joins_the_bundled_ones() {
    let (catalogue, fixture) = deployed();
    assert_eq!(
        catalogue.instrument("test-fixture-concerns", "1.0"),
        Some(&fixture)
    );
    assert_eq!(
        catalogue.latest_instrument("test-fixture-concerns"),
        Some(&fixture)
    );
    assert_eq!(catalogue.instruments().count(), 6);
    assert!(
        catalogue.latest_instrument("swemwbs").is_some(),
        "the bundled ones remain"
    );
    assert_eq!(
        catalogue.default_value_set(&fixture),
        None,
        "no utility, no value set"
    );
}

#[test]
fn a_definition_already_in_the_catalogue_is_never_replaced() {
    let (mut catalogue, fixture) = deployed();
    let reference = fixture.reference().clone();
    assert_eq!(
        catalogue.add_instrument(fixture),
        Err(CatalogueError::DuplicateInstrument(reference))
    );
    // A new version is added beside the old one, and becomes the latest.
    let newer = FIXTURE.replacen(r#""version": "1.0""#, r#""version": "1.1""#, 1);
    let newer = Instrument::parse(&newer).expect("valid");
    catalogue.add_instrument(newer).expect("a new version");
    let latest = catalogue.latest_instrument("test-fixture-concerns");
    assert_eq!(latest.map(|i| i.version().as_str()), Some("1.1"));
    assert!(
        catalogue
            .instrument("test-fixture-concerns", "1.0")
            .is_some()
    );
}

#[test]
fn a_deployer_supplied_instrument_scores_and_classifies() {
    let (catalogue, _) = deployed();
    let fixture = catalogue
        .instrument("test-fixture-concerns", "1.0")
        .expect("deployed");
    let baseline = Answers::new()
        .with("concern-1", 5)
        .with("concern-2", 4)
        .with("wellbeing", "fairly-bad");
    let follow_up = Answers::new()
        .with("concern-1", 2)
        .with("wellbeing", "fairly-good");
    let nobody = Person::unknown();
    let before = fixture.score(&baseline, &nobody, None).expect("scores");
    let after = fixture.score(&follow_up, &nobody, None).expect("scores");
    assert_eq!(before.instrument, *fixture.reference());
    let wellbeing = before.component("wellbeing").expect("reported");
    assert_eq!(
        (wellbeing.value, wellbeing.band.as_deref()),
        (Fixed::integer(4), Some("bad"))
    );
    assert!(
        after.component("concern-2").is_none(),
        "an optional item left unanswered"
    );

    let changes = fixture.classify(&before, &after).expect("comparable");
    let codes: Vec<&str> = changes.iter().map(|change| change.code.as_str()).collect();
    assert_eq!(
        codes,
        ["concern-1", "wellbeing"],
        "concern-2 was answered only once"
    );
    let concern = &changes[0];
    assert_eq!(concern.delta, Fixed::integer(-3));
    assert_eq!(concern.verdict, Some(Verdict::Improved), "lower is better");
    assert_eq!(
        concern.mid.map(|mid| mid.origin),
        Some(MidOrigin::Unsourced)
    );
    let wellbeing = &changes[1];
    assert_eq!(wellbeing.delta, Fixed::integer(-2));
    assert_eq!(
        wellbeing.verdict,
        Some(Verdict::Improved),
        "exactly the threshold"
    );
    assert_eq!(
        wellbeing.mid.map(|mid| mid.origin),
        Some(MidOrigin::Published)
    );
}

//! Who the person is, given over gRPC: the date of birth and postcode reach the log only
//! sealed under the person's key (and go with it when it is erased), the age band on the day
//! of the referral and the sex and ethnic category are recorded as they are published, a
//! value the service cannot take is refused naming its field with nothing recorded, and a
//! directory that is down or silent costs the deprivation decile, never the referral.

use std::time::{Duration, Instant};

use chrono::Utc;
use eventstore::{EventStore, Position, RecordedEvent};
use proto::referral::v1 as pb;
use proto::referral::v1::referral_service_client::ReferralServiceClient;
use referral::config::{MASTER_KEY, PSEUDONYM_KEY};
use referral::deprivation::LOOKUP_TIMEOUT;
use referral::domain::age::AgeBand;
use referral::domain::nhs_number::SealedNhsNumber;
use referral::domain::person::Sealed;
use referral::vault::{Detail, Vault, VaultKeys};
use serde_json::Value;
use servicekit::Settings;
use testkit::{BackendKind, Spawn, Spawned};
use tonic::Code;
use uuid::Uuid;

use crate::grpc::new_referral;
use crate::helpers::{GP_PRACTICE, as_user, spawn};

testkit::on_both_backends!(
    a_date_of_birth_and_postcode_are_sealed_in_the_log_and_erased_with_the_persons_key,
    demographics_the_service_cannot_take_are_refused_naming_the_field_with_nothing_recorded,
    a_directory_that_is_down_or_silent_costs_the_decile_not_the_referral,
);

const BORN: &str = "1961-03-14";
/// Given as a person might type it; recorded (sealed) as `LW5 1AB`.
const POSTCODE: &str = "lw5  1ab";
const POSTCODE_NORMAL: &str = "LW5 1AB";

/// The keys `helpers::spawn` gives the service.
fn vault(store: &EventStore) -> Vault {
    Vault::new(
        store.clone(),
        VaultKeys {
            pseudonym_key: [1; 32],
            master_key: [2; 32],
        },
    )
}

fn with_demographics(referral_id: Uuid) -> pb::CreateReferralRequest {
    pb::CreateReferralRequest {
        birth_date: BORN.to_owned(),
        sex: "female".to_owned(),
        ethnic_category: "N".to_owned(),
        postcode: POSTCODE.to_owned(),
        ..new_referral(referral_id)
    }
}

/// The `referral_requested` event of `referral_id`, as the log holds it.
pub(crate) async fn requested(store: &EventStore, referral_id: Uuid) -> RecordedEvent {
    let stream = format!("referral-{}", referral_id.simple());
    let events = store.load_stream(&stream).await.expect("the stream");
    let first = events
        .into_iter()
        .next()
        .expect("the referral was recorded");
    assert_eq!(first.event_type, "referral_requested");
    first
}

fn payload(event: &RecordedEvent) -> Value {
    serde_json::from_slice(&event.payload).expect("a JSON payload")
}

fn sealed(payload: &Value, field: &str) -> Sealed {
    Sealed(payload[field].as_str().expect(field).to_owned())
}

async fn a_date_of_birth_and_postcode_are_sealed_in_the_log_and_erased_with_the_persons_key(
    kind: BackendKind,
) {
    let mut service = spawn(kind, None).await;
    let referral_id = Uuid::new_v4();
    service
        .client
        .create_referral(as_user(
            "dr-patel",
            GP_PRACTICE,
            with_demographics(referral_id),
        ))
        .await
        .expect("create");
    let store = service.spawned.store("referral").await;
    let event = requested(&store, referral_id).await;

    // In clear: what is published, banded on the day it was made. Sealed: the rest.
    let text = String::from_utf8_lossy(&event.payload).to_string();
    for clear in [BORN, "1961", POSTCODE, POSTCODE_NORMAL, "LW5", "4010232137"] {
        assert!(
            !text.contains(clear),
            "{clear} is in the log in clear: {text}"
        );
    }
    let recorded = payload(&event);
    let born = chrono::NaiveDate::from_ymd_opt(1961, 3, 14).expect("a date");
    let band = AgeBand::on(born, event.occurred_at.date_naive());
    assert_eq!(recorded["age_band"], band.code());
    assert_eq!(recorded["sex"], "female");
    assert_eq!(recorded["ethnic_category"], "N");
    assert!(
        recorded.get("imd_decile").is_none(),
        "no directory, no decile"
    );

    // Only the person's key opens them, each only as what it is.
    let subject = event.metadata.data_subject.clone().expect("a pseudonym");
    let vault = vault(&store);
    let birth_date = sealed(&recorded, "birth_date");
    let postcode = sealed(&recorded, "postcode");
    let open = |detail, sealed| {
        let (vault, subject) = (vault.clone(), subject.clone());
        async move { vault.open_detail(&subject, detail, &sealed).await }
    };
    assert_eq!(
        open(Detail::BirthDate, birth_date.clone())
            .await
            .expect("opens"),
        Some(BORN.to_owned())
    );
    assert_eq!(
        open(Detail::Postcode, postcode.clone())
            .await
            .expect("opens"),
        Some(POSTCODE_NORMAL.to_owned())
    );
    assert!(
        open(Detail::Postcode, birth_date.clone()).await.is_err(),
        "a date of birth cannot be passed off as a postcode"
    );
    let person: SealedNhsNumber =
        serde_json::from_value(recorded["person"].clone()).expect("the sealed NHS number");
    assert!(vault.open(&person).await.expect("opens").is_some());

    // Erasing the person's key erases all three, and the log still verifies.
    assert!(vault.erase(&subject).await.expect("erase"));
    assert_eq!(
        open(Detail::BirthDate, birth_date).await.expect("erased"),
        None
    );
    assert_eq!(
        open(Detail::Postcode, postcode).await.expect("erased"),
        None
    );
    assert_eq!(vault.open(&person).await.expect("erased"), None);
    assert!(store.verify().await.expect("verify").is_intact());
}

async fn demographics_the_service_cannot_take_are_refused_naming_the_field_with_nothing_recorded(
    kind: BackendKind,
) {
    let mut service = spawn(kind, None).await;
    let tomorrow = (Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let cases: Vec<(&str, &str, String)> = vec![
        (
            "birth_date",
            "birth_date must not be in the future",
            tomorrow,
        ),
        (
            "birth_date",
            "birth_date must be within the last 130 years",
            "1890-01-01".to_owned(),
        ),
        ("birth_date", "birth_date must be", "14/03/1961".to_owned()),
        ("birth_date", "birth_date must be", "1961-3-14".to_owned()),
        ("birth_date", "birth_date must be", "1961-02-30".to_owned()),
        ("sex", "sex must be one of", "M".to_owned()),
        ("sex", "sex must be one of", "Female".to_owned()),
        (
            "ethnic_category",
            "ethnic_category must be one of",
            "Q".to_owned(),
        ),
        (
            "ethnic_category",
            "ethnic_category must be one of",
            "a".to_owned(),
        ),
        (
            "postcode",
            "postcode must be a UK postcode",
            "SW1A 1CA".to_owned(),
        ),
        (
            "postcode",
            "postcode must be a UK postcode",
            "not a postcode".to_owned(),
        ),
    ];
    for (field, message, value) in cases {
        let referral_id = Uuid::new_v4();
        let mut request = with_demographics(referral_id);
        match field {
            "birth_date" => request.birth_date = value.clone(),
            "sex" => request.sex = value.clone(),
            "ethnic_category" => request.ethnic_category = value.clone(),
            _ => request.postcode = value.clone(),
        }
        let refused = service
            .client
            .create_referral(as_user("dr-patel", GP_PRACTICE, request))
            .await
            .expect_err(&value);
        assert_eq!(
            refused.code(),
            Code::InvalidArgument,
            "{value}: {refused:?}"
        );
        assert!(
            refused.message().starts_with(message),
            "{value}: {}",
            refused.message()
        );
        if value.len() > 2 {
            assert!(
                !refused.message().contains(&value),
                "never repeated: {}",
                refused.message()
            );
        }
    }
    let store = service.spawned.store("referral").await;
    let recorded = store.read_all(Position::START, 100).await.expect("the log");
    assert!(recorded.is_empty(), "nothing recorded: {recorded:?}");
}

async fn a_directory_that_is_down_or_silent_costs_the_decile_not_the_referral(kind: BackendKind) {
    // Down: nothing listens on the port, so the call fails at once.
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address")
    };
    let down = with_directory_at(kind, &format!("http://{dead}")).await;
    let took = create_and_check_no_decile(&down).await;
    assert!(
        took < LOOKUP_TIMEOUT,
        "a refused connection is not waited on: {took:?}"
    );

    // Silent: it accepts the connection and never answers; the wait is bounded.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = silent.local_addr().expect("address");
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let unanswered = with_directory_at(kind, &format!("http://{address}")).await;
    let took = create_and_check_no_decile(&unanswered).await;
    assert!(
        took < LOOKUP_TIMEOUT + Duration::from_secs(3),
        "the wait on a silent directory is bounded: {took:?}"
    );
    hold.abort();
}

/// The referral service alone, its directory peer at `url`.
async fn with_directory_at(kind: BackendKind, url: &str) -> Spawned {
    let settings = Settings::default()
        .with_secret(PSEUDONYM_KEY.name, [1; 32])
        .with_secret(MASTER_KEY.name, [2; 32]);
    Spawn::new(&referral::SERVICE, settings, kind)
        .with_peer("directory", url)
        .start()
        .await
}

/// Makes a referral with a postcode, and how long that took; the referral is recorded, banded,
/// with no decile.
async fn create_and_check_no_decile(spawned: &Spawned) -> Duration {
    let mut client = ReferralServiceClient::new(spawned.channel.clone());
    let referral_id = Uuid::new_v4();
    let started = Instant::now();
    let request = as_user("dr-patel", GP_PRACTICE, with_demographics(referral_id));
    // A service that waited on the directory for ever would fail here rather than hang.
    let bounded = LOOKUP_TIMEOUT + Duration::from_secs(10);
    tokio::time::timeout(bounded, client.create_referral(request))
        .await
        .expect("an answer, in time")
        .expect("made all the same");
    let took = started.elapsed();
    let store = spawned.store("referral").await;
    let recorded = payload(&requested(&store, referral_id).await);
    assert!(recorded.get("imd_decile").is_none(), "{recorded}");
    assert!(recorded["age_band"].is_string(), "{recorded}");
    assert!(
        recorded["postcode"].is_string(),
        "the postcode is kept, sealed"
    );
    took
}

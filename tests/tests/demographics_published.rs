//! A referral's demographics end to end, with each service as Kubernetes runs it (a host and a
//! database of its own): the referral service asks the directory, its peer at the address it
//! was given, how deprived the person's postcode is, on the referrer's behalf; it keeps the
//! date of birth and postcode sealed; and what its relay puts on NATS JetStream is the age
//! band, sex, ethnic category and deprivation decile, never the date, the postcode or the NHS
//! number, even sealed.

use messaging::{Bus, BusWiring};
use proto::referral::v1 as pb;
use proto::referral::v1::referral_service_client::ReferralServiceClient;
use referral::config::{MASTER_KEY, PSEUDONYM_KEY};
use referral::domain::age::AgeBand;
use serde_json::Value;
use servicekit::Settings;
use testkit::{BackendKind, Spawn, TestNats};
use tonic::Request;
use uuid::Uuid;

const BORN: &str = "1961-03-14";

/// A postcode of the (synthetic) demo region, and the decile its rank falls in.
fn demo_postcode_and_decile() -> (String, u32) {
    let centroids = directory::domain::centroids::parse(directory::postcodes::DEMO_REGION_CSV)
        .expect("the demo sample");
    let ranked = centroids
        .iter()
        .find_map(|c| Some((c.postcode.as_str().to_owned(), c.imd_rank?)))
        .expect("a ranked postcode");
    let decile = directory::domain::deprivation::decile(ranked.1).expect("a decile");
    (ranked.0, decile)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_published_referral_carries_the_bands_and_decile_and_nothing_that_identifies() {
    testkit::init_logging();
    let nats = TestNats::connect().await;
    let prefix = nats.prefix.clone();
    let context = nats.jetstream();
    let wiring = BusWiring {
        bus: Bus::jetstream(context.clone()),
        prefix: prefix.clone(),
    };
    let directory = Spawn::new(
        &directory::SERVICE,
        Settings::default(),
        BackendKind::Sqlite,
    )
    .with_demo_data()
    .start()
    .await;
    let settings = Settings::default()
        .with_secret(PSEUDONYM_KEY.name, [7; 32])
        .with_secret(MASTER_KEY.name, [9; 32]);
    let referral = Spawn::new(&referral::SERVICE, settings, BackendKind::Sqlite)
        .with_peer("directory", &format!("http://{}", directory.grpc))
        .wired(wiring)
        .start()
        .await;

    let (postcode, decile) = demo_postcode_and_decile();
    let referral_id = Uuid::new_v4();
    let request = pb::CreateReferralRequest {
        referral_id: referral_id.to_string(),
        referrer_practitioner: "dr-patel".to_owned(),
        receiving_organisation: "PCN-LW-01".to_owned(),
        reason_codes: vec!["871731000000106".to_owned()],
        accept_by: Some(prost_timestamp(3 * 24 * 3600)),
        nhs_number: "401 023 2137".to_owned(),
        birth_date: BORN.to_owned(),
        sex: "female".to_owned(),
        ethnic_category: "N".to_owned(),
        postcode: postcode.to_lowercase(),
        ..pb::CreateReferralRequest::default()
    };
    let gp = identity::Caller::new("dr-patel", "Y01234", "referrer");
    ReferralServiceClient::new(referral.channel.clone())
        .create_referral(testkit::signed_in(&gp, Request::new(request)))
        .await
        .expect("create");

    // What the log holds: the sealed date and postcode, and the decile the directory gave.
    let store = referral.store(referral::SERVICE.name).await;
    let stream = format!("referral-{}", referral_id.simple());
    let logged = store.load_stream(&stream).await.expect("the stream");
    let recorded: Value = logged[0].decode().expect("JSON");
    assert_eq!(recorded["imd_decile"], decile, "{recorded}");
    let sealed: Vec<String> = ["birth_date", "postcode"]
        .iter()
        .map(|field| recorded[field].as_str().expect(field).to_owned())
        .chain([recorded["person"]["ciphertext"]
            .as_str()
            .expect("sealed")
            .to_owned()])
        .collect();

    // What the bus carries.
    let subject = format!(
        "{prefix}.referral.referral.{stream}.referral_requested",
        stream = stream
    );
    let message = linkwork_tests::published::last_on(&context, &prefix, "referral", &subject).await;
    let raw = String::from_utf8_lossy(&message.payload).to_string();
    let normal = postcode.as_str();
    let given = postcode.to_lowercase();
    for never in [BORN, normal, given.as_str(), "4010232137"]
        .into_iter()
        .chain(sealed.iter().map(String::as_str))
    {
        assert!(!raw.contains(never), "{never} reached the bus");
    }
    let envelope = messaging::decode_envelope(&message.payload).expect("an envelope");
    assert_eq!(
        envelope.event.metadata.data_subject, logged[0].metadata.data_subject,
        "the pseudonym goes with it"
    );
    let published: Value = envelope.event.decode().expect("JSON");
    for absent in ["birth_date", "postcode", "person"] {
        assert!(published.get(absent).is_none(), "{absent}: {published}");
    }
    let born = chrono::NaiveDate::from_ymd_opt(1961, 3, 14).expect("a date");
    let band = AgeBand::on(born, logged[0].occurred_at.date_naive());
    assert_eq!(published["age_band"], band.code());
    assert_eq!(published["sex"], "female");
    assert_eq!(published["ethnic_category"], "N");
    assert_eq!(published["imd_decile"], decile);

    referral.stop().await.expect("the referral service stopped");
    directory.stop().await.expect("the directory stopped");
}

fn prost_timestamp(in_seconds: i64) -> prost_types::Timestamp {
    let at = chrono::Utc::now() + chrono::Duration::seconds(in_seconds);
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

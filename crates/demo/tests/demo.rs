//! The demo against a real instance: the referral and directory services in-process on their
//! own SQLite databases, wired through the in-process bus, served on one gRPC and one HTTP
//! listener as `linkwork up` serves them; the demo reaches them only over the network.

use std::time::Duration;

use demo::{Options, Progress, Stage, Tally, Target};
use proto::directory::v1 as directory_pb;
use proto::directory::v1::directory_service_client::DirectoryServiceClient;
use proto::referral::v1 as referral_pb;
use proto::referral::v1::referral_service_client::ReferralServiceClient;
use referral::config::{ALLOW_TEST_NHS_NUMBERS, MASTER_KEY, PSEUDONYM_KEY};
use servicekit::Settings;
use testkit::{BackendKind, Spawn, Spawned};
use tonic::Request;

/// A running instance, stopped when dropped.
struct Instance {
    target: Target,
    spawned: Spawned,
    _bus_folder: tempfile::TempDir,
}

/// The outcomes service's settings as `linkwork up --demo` gives them: the demo's episodes
/// start the day it loads, so its baselines close at the start.
fn demo_outcomes() -> Settings {
    let setting = outcomes::config::BASELINE_DAYS_AFTER;
    Settings::default().with(setting.name, setting.demo.expect("a demo value"))
}

/// The outcomes the outcomes service's read model holds, once it holds at least `expected`.
async fn recorded_outcomes(instance: &Instance, expected: usize) -> Vec<serde_json::Value> {
    let store = instance.spawned.store(outcomes::SERVICE.name).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let rows: Vec<(String,)> = eventstore::on_pool!(&store, |pool| sqlx::query_as(
            "SELECT payload FROM outcomes"
        )
        .fetch_all(pool)
        .await)
        .expect("the read model");
        if rows.len() >= expected || tokio::time::Instant::now() > deadline {
            return rows
                .iter()
                .map(|(payload,)| serde_json::from_str(payload).expect("JSON"))
                .collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Starts the services with the demo postcodes loaded, as `linkwork up --demo` does.
async fn start(allow_test_nhs_numbers: bool) -> Instance {
    let folder = tempfile::tempdir().expect("folder");
    let wiring = servicekit::open_bus(None, folder.path(), "demo")
        .await
        .expect("bus");
    let referral = Settings::default()
        .with_secret(PSEUDONYM_KEY.name, [7; 32])
        .with_secret(MASTER_KEY.name, [9; 32])
        .with(
            ALLOW_TEST_NHS_NUMBERS.name,
            &allow_test_nhs_numbers.to_string(),
        );
    let spawned = Spawn::new(&referral::SERVICE, referral, BackendKind::Sqlite)
        .and(&directory::SERVICE, Settings::default())
        .and(&outcomes::SERVICE, demo_outcomes())
        .and(
            &engagement::SERVICE,
            Settings::default().with_secret(engagement::config::CHECK_IN_KEY.name, [3; 32]),
        )
        .wired(wiring)
        .with_demo_data()
        .start()
        .await;
    let target = Target {
        grpc: format!("http://{}", spawned.grpc),
        http: format!("http://{}", spawned.http),
        issuer: testkit::issuer().clone(),
    };
    Instance {
        target,
        spawned,
        _bus_folder: folder,
    }
}

fn as_user<T>(user: &str, organisation: &str, role: &str, body: T) -> Request<T> {
    testkit::signed_in(
        &identity::Caller::new(user, organisation, role),
        Request::new(body),
    )
}

/// What a link worker near `postcode` finds in the directory (every service, 1 to 500).
async fn search_near(target: &Target, postcode: &str) -> directory_pb::SearchResponse {
    let mut client = DirectoryServiceClient::connect(target.grpc.clone())
        .await
        .expect("connect");
    let body = directory_pb::SearchRequest {
        postcode: postcode.to_owned(),
        page_size: 500,
        ..directory_pb::SearchRequest::default()
    };
    let request = as_user("lw-central-ben", "LWPCN-CENTRAL", "link-worker", body);
    client.search(request).await.expect("search").into_inner()
}

/// Every network's open holdings (at least `expected` of them, once the responsibility
/// projection has caught up), with the network holding each.
async fn holdings(target: &Target, expected: usize) -> Vec<(String, referral_pb::Holding)> {
    let mut client = ReferralServiceClient::connect(target.grpc.clone())
        .await
        .expect("connect");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut held = Vec::new();
        for pcn in demo::PCNS {
            let body = referral_pb::ListHoldingsRequest {
                organisation: pcn.to_owned(),
            };
            let request = as_user("lw-test", pcn, "link-worker", body);
            let answer = client.list_holdings(request).await.expect("holdings");
            held.extend(
                answer
                    .into_inner()
                    .holdings
                    .into_iter()
                    .map(|holding| (pcn.to_owned(), holding)),
            );
        }
        if held.len() >= expected || tokio::time::Instant::now() > deadline {
            return held;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The handoff trail of `referral_id`, as `pcn`'s link workers see it.
async fn trail(target: &Target, pcn: &str, referral_id: &str) -> Vec<referral_pb::Period> {
    let mut client = ReferralServiceClient::connect(target.grpc.clone())
        .await
        .expect("connect");
    let body = referral_pb::GetHandoffTrailRequest {
        referral_id: referral_id.to_owned(),
    };
    let request = as_user("lw-test", pcn, "link-worker", body);
    client
        .get_handoff_trail(request)
        .await
        .expect("trail")
        .into_inner()
        .periods
}

/// A demo postcode in Linbridge itself (`LW5`).
fn centre_postcode() -> String {
    let centroids = directory::domain::centroids::parse(directory::postcodes::DEMO_REGION_CSV)
        .expect("the sample");
    let centre = centroids
        .iter()
        .find(|c| c.postcode.as_str().starts_with("LW5 "));
    centre
        .expect("an LW5 postcode")
        .postcode
        .as_str()
        .to_owned()
}

/// What the referral service's relay publishes of each referral it recorded (the contract's
/// fields of each `referral_requested` payload).
async fn published_referrals(instance: &Instance) -> Vec<serde_json::Value> {
    let store = instance.spawned.store(referral::SERVICE.name).await;
    let recorded = store
        .read_all(eventstore::Position::START, 10_000)
        .await
        .expect("the referral log");
    recorded
        .iter()
        .filter(|event| event.event_type == "referral_requested")
        .map(|event| {
            let published = contract::events::published_payload(
                referral::SERVICE.name,
                &event.event_type,
                &event.payload,
            );
            serde_json::from_slice(&published).expect("JSON")
        })
        .collect()
}

fn stage_ends(progress: &[Progress]) -> Vec<(Stage, u64, u64)> {
    let mut ends: Vec<(Stage, u64, u64)> = Vec::new();
    for p in progress {
        match ends.last_mut() {
            Some(last) if last.0 == p.stage => *last = (p.stage, p.done, p.total),
            _ => ends.push((p.stage, p.done, p.total)),
        }
    }
    ends
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_demo_gives_every_query_data_and_a_second_load_adds_nothing() {
    let instance = start(true).await;
    let options = Options {
        seed: 7,
        services: 40,
        people: 30,
    };
    let mut progress = Vec::new();
    let report = demo::load(instance.target.clone(), options, |p| progress.push(p))
        .await
        .expect("the demo loads");
    println!("{report}");

    let created = |created| Tally {
        created,
        existing: 0,
    };
    assert_eq!(report.taxonomy_terms, created(15));
    assert_eq!(report.organisations, created(8));
    assert_eq!(report.locations, created(16));
    assert_eq!(report.services, created(40));
    assert_eq!(report.referrals, created(30));
    assert_eq!(report.referrals_by_status.values().sum::<usize>(), 30);
    assert!(
        report.referrals_by_status.len() >= 4,
        "a spread of outcomes: {:?}",
        report.referrals_by_status
    );
    assert!(report.referrals_by_status.contains_key("completed"));
    assert!(report.referrals_by_status.contains_key("in-progress"));
    assert!(report.onward_referrals >= 5, "{report}");
    assert_eq!(
        report.onward_by_status.values().sum::<usize>(),
        report.onward_referrals
    );
    assert_eq!(
        stage_ends(&progress),
        [
            (Stage::Taxonomy, 15, 15),
            (Stage::Organisations, 8, 8),
            (Stage::Locations, 16, 16),
            (Stage::Services, 40, 40),
            (Stage::People, 30, 30),
        ]
    );

    // A link worker in the centre of Linbridge finds the region's services, nearest first.
    let centre = centre_postcode();
    let found = search_near(&instance.target, &centre).await;
    assert!(found.total >= 20, "found {}", found.total);
    assert!(found.results.iter().all(|r| r.distance_metres.is_some()));
    assert!(
        found.results.iter().any(|r| r.stale) && found.results.iter().any(|r| !r.stale),
        "some services were checked, some are stale"
    );
    // The networks hold the referrals still open with them.
    let open_with_link_workers = ["accepted", "in-progress", "on-hold"]
        .iter()
        .filter_map(|status| report.referrals_by_status.get(*status))
        .sum::<usize>();
    assert!(open_with_link_workers > 0, "{report}");
    let held = holdings(&instance.target, open_with_link_workers).await;
    assert!(held.len() >= open_with_link_workers, "held {held:?}");
    // A referral being worked on went from the practice to the network, then to a link worker.
    let (pcn, working) = held
        .iter()
        .find(|(_, holding)| holding.status == "in-progress")
        .expect("a referral in progress with a network");
    let periods = trail(&instance.target, pcn, &working.referral_id).await;
    let holder = |period: &referral_pb::Period| period.holder.clone().unwrap_or_default();
    assert!(periods.len() >= 3, "{periods:?}");
    assert!(
        holder(&periods[0]).organisation.starts_with("LWP"),
        "{periods:?}"
    );
    assert!(!holder(&periods[periods.len() - 1]).practitioner.is_empty());

    // Every person referred has demographics, and what the referral service publishes of
    // them is banded: an age band, sex, ethnic category and the decile of their postcode.
    let published = published_referrals(&instance).await;
    assert_eq!(published.len(), 30 + report.onward_referrals);
    let mut deciles = std::collections::BTreeSet::new();
    for event in &published {
        for field in ["age_band", "sex", "ethnic_category"] {
            assert!(event[field].is_string(), "{field}: {event}");
        }
        let decile = event["imd_decile"]
            .as_u64()
            .expect("a decile for every demo postcode");
        deciles.insert(decile);
        for never in ["birth_date", "postcode", "person"] {
            assert!(event.get(never).is_none(), "{never} published: {event}");
        }
    }
    assert!(deciles.len() >= 3, "a spread of deprivation: {deciles:?}");
    assert!(report.to_string().starts_with(demo::SYNTHETIC), "{report}");

    // The people providers took on have places in their sessions' registers: most attended,
    // some missed.
    assert!(report.attended > 0 && report.missed > 0, "{report}");

    // Those who consented to share device data have three weeks of synthetic steps, and some
    // walked far less over the last days: a device-activity lapse.
    assert!(report.device_days >= 21, "{report}");
    let engagement = instance.spawned.store(engagement::SERVICE.name).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let count = |sql: &'static str| {
            let engagement = engagement.clone();
            async move {
                let (count,): (i64,) = eventstore::on_pool!(&engagement, |pool| {
                    sqlx::query_as(sql).fetch_one(pool).await
                })
                .expect("the engagement log");
                count
            }
        };
        let summaries =
            count("SELECT COUNT(*) FROM events WHERE event_type = 'evidence_recorded'").await;
        assert_eq!(
            summaries as usize, report.device_days,
            "every summary recorded once"
        );
        let lapses = count(
            "SELECT COUNT(*) FROM engagement_watch \
             WHERE lapsed_rule = 'device-activity-below-own-fortnight'",
        )
        .await;
        if lapses > 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no device-activity lapse among {} people's steps",
            report.device_days / 21
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    // The people the link workers work with have outcome measures, at baseline and, for
    // those connected to a service, paired follow-ups judged against the MID.
    assert!(report.outcome_responses >= 10, "{report}");
    let outcomes = recorded_outcomes(&instance, report.outcome_responses).await;
    assert_eq!(outcomes.len(), report.outcome_responses);
    let at = |timepoint: &str| {
        outcomes
            .iter()
            .filter(|o| o["timepoint"] == timepoint)
            .count()
    };
    assert!(at("baseline") > 0, "baselines");
    assert!(at("follow-up") + at("close") > 0, "follow-ups");
    assert_eq!(
        at("unscheduled"),
        0,
        "every measure falls where the demo meant it to"
    );
    assert!(
        outcomes.iter().any(|o| o["changes"]
            .as_array()
            .is_some_and(|changes| changes.iter().any(|c| c["verdict"] == "improved"))),
        "someone improved"
    );
    assert!(
        outcomes
            .iter()
            .any(|o| o["utility"]["value_set"] == "dsu-2023"),
        "EQ-5D valued with the DSU mapping for the person's age band and sex"
    );

    let again = demo::load(instance.target.clone(), options, |_| {})
        .await
        .expect("a second load");
    assert!(!again.created_anything(), "{again}");
    let existing = |existing| Tally {
        created: 0,
        existing,
    };
    assert_eq!(again.services, existing(40));
    assert_eq!(again.organisations, existing(8));
    assert_eq!(again.referrals, existing(30));
    assert_eq!(
        recorded_outcomes(&instance, report.outcome_responses)
            .await
            .len(),
        report.outcome_responses,
        "a second load records no measure twice"
    );
    assert_eq!(
        search_near(&instance.target, &centre).await.total,
        found.total
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_the_instance_refuses_is_named() {
    let instance = start(false).await;
    let options = Options {
        seed: 3,
        services: 2,
        people: 1,
    };
    let error = demo::load(instance.target.clone(), options, |_| {})
        .await
        .expect_err("test NHS numbers are refused");
    let message = error.to_string();
    assert!(
        message.starts_with("person 0 (referral ") && message.contains("the GP refers over FHIR"),
        "{message}"
    );
    assert!(
        message.contains("HTTP 400") && message.contains("test range"),
        "{message}"
    );
}

/// The full default region, as `linkwork up --demo` loads it; slow, so run on demand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "loads 300 services and 300 people: run with --ignored"]
async fn the_default_demo_loads() {
    let instance = start(true).await;
    let started = std::time::Instant::now();
    let report = demo::load(instance.target.clone(), Options::default(), |_| {})
        .await
        .expect("the demo loads");
    println!("{report}\nin {:?}", started.elapsed());
    assert_eq!(report.organisations.created, 60);
    assert_eq!(report.locations.created, 120);
    assert_eq!(report.services.created, 300);
    assert_eq!(report.referrals.created, 300);
    assert!(report.onward_referrals > 150, "{report}");
    assert!(report.unmatched < 10, "{report}");
}

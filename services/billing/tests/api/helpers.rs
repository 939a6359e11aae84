//! What every billing test starts from: the billing service spawned as `linkwork serve billing`
//! runs it, callers in each role, the other services' events delivered to its consumers as the
//! bus would deliver them, and a wait for the accrual processor.

use std::time::Duration as Wait;

use billing::consumers::engagement::EngagementConsumer;
use billing::consumers::outcomes::OutcomesConsumer;
use billing::consumers::referral::ReferralConsumer;
use billing::domain::accrual::Line;
use billing::domain::ledger::{self, Entry};
use billing::projections::accrual::SUBSCRIPTION;
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use eventstore::{Actor, EventMetadata, EventStore, Position, RecordedEvent, Subscription};
use messaging::{BusHandler, BusWiring, ReceivedEvent};
use proto::billing::v1 as pb;
use proto::billing::v1::billing_service_client::BillingServiceClient;
use serde_json::{Value, json};
use servicekit::Settings;
use testkit::{BackendKind, Spawn, Spawned};
use tonic::Request;
use tonic::transport::Channel;
use uuid::Uuid;

pub(crate) const ICB: &str = "ICB-QWE";
pub(crate) const OTHER_ICB: &str = "ICB-XYZ";
pub(crate) const VCSE: &str = "0190a2b4-0000-7000-8000-00000000a001";
pub(crate) const OTHER_VCSE: &str = "0190a2b4-0000-7000-8000-00000000b001";
pub(crate) const LINK_WORKERS: &str = "PCN-LW-01";

/// The billing service, serving.
pub(crate) struct Running {
    pub(crate) client: BillingServiceClient<Channel>,
    pub(crate) spawned: Spawned,
}

/// The billing service on `kind` logs, with no bus: events reach its consumers by
/// [`Running::deliver`].
pub(crate) async fn spawn(kind: BackendKind) -> Running {
    started(Spawn::new(&billing::SERVICE, Settings::default(), kind)).await
}

/// The billing service wired to `wiring`'s bus.
pub(crate) async fn spawn_wired(kind: BackendKind, wiring: BusWiring) -> Running {
    started(Spawn::new(&billing::SERVICE, Settings::default(), kind).wired(wiring)).await
}

async fn started(spawn: Spawn) -> Running {
    let spawned = spawn.start().await;
    Running {
        client: BillingServiceClient::new(spawned.channel.clone()),
        spawned,
    }
}

pub(crate) fn as_role<T>(organisation: &str, role: &str, body: T) -> Request<T> {
    let caller = identity::Caller::new(&format!("{role}-{organisation}"), organisation, role);
    testkit::signed_in(&caller, Request::new(body))
}

/// The ICB's commissioner.
pub(crate) fn commissioner<T>(body: T) -> Request<T> {
    as_role(ICB, "commissioner", body)
}

/// The VCSE provider's coordinator.
pub(crate) fn provider<T>(body: T) -> Request<T> {
    as_role(VCSE, "vcse-provider", body)
}

/// A tariff of `trigger` paying `amount`.
pub(crate) fn tariff(trigger: &str, amount: &str) -> pb::Tariff {
    pb::Tariff {
        trigger: trigger.to_owned(),
        amount: amount.to_owned(),
        ..Default::default()
    }
}

/// A tariff per attended session, on the register and QR check-ins.
pub(crate) fn per_session(amount: &str) -> pb::Tariff {
    pb::Tariff {
        evidence: vec!["register".to_owned(), "qr-check-in".to_owned()],
        ..tariff("attended-session", amount)
    }
}

/// The first day of the month `ago` months before this one.
pub(crate) fn month_start(ago: u32) -> NaiveDate {
    let today = Utc::now().date_naive();
    today.with_day(1).expect("a first day") - Months::new(ago)
}

/// Day `day` of the month `ago` months before this one, at ten in the morning.
pub(crate) fn on(ago: u32, day: u32) -> DateTime<Utc> {
    let date = month_start(ago).with_day(day).expect("a day of the month");
    Utc.from_utc_datetime(&date.and_hms_opt(10, 0, 0).expect("a time"))
}

/// The month `ago` months before this one, as the API names it.
pub(crate) fn month(ago: u32) -> String {
    month_start(ago).format("%Y-%m").to_string()
}

/// An agreement with the provider of `tariffs`, effective from `effective_from`.
pub(crate) fn agreement(
    tariffs: Vec<pb::Tariff>,
    effective_from: NaiveDate,
) -> pb::AgreeContractRequest {
    pb::AgreeContractRequest {
        contract_id: Uuid::now_v7().to_string(),
        provider: VCSE.to_owned(),
        funding: "icb".to_owned(),
        effective_from: effective_from.to_string(),
        tariffs,
        ..Default::default()
    }
}

/// A person referred on to the provider.
#[derive(Debug, Clone)]
pub(crate) struct Referred {
    pub(crate) referral_id: Uuid,
    pub(crate) subject: String,
}

impl Referred {
    pub(crate) fn new() -> Self {
        let referral_id = Uuid::new_v4();
        Self {
            referral_id,
            subject: format!("nhs-hmac:{}", referral_id.simple()),
        }
    }
}

/// The engagement service itself, or a person's referral's actors, as the envelope says.
fn metadata(subject: Option<&str>) -> EventMetadata {
    EventMetadata {
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        traceparent: None,
        actor: Actor {
            id: "someone".to_owned(),
            organisation: LINK_WORKERS.to_owned(),
            role: "link-worker".to_owned(),
        },
        data_subject: subject.map(str::to_owned),
        tenant: "QWE".to_owned(),
    }
}

/// `service`'s event `event_type` on `stream_id`, as the bus delivers it.
pub(crate) fn published(
    service: &str,
    stream_id: String,
    event_type: &str,
    payload: &Value,
    subject: Option<&str>,
    at: DateTime<Utc>,
) -> ReceivedEvent {
    ReceivedEvent {
        service: service.to_owned(),
        event: RecordedEvent {
            event_id: Uuid::now_v7(),
            stream_id,
            stream_version: 1,
            position: Position::START,
            event_type: event_type.to_owned(),
            schema_version: 1,
            occurred_at: at,
            recorded_at: at,
            payload: serde_json::to_vec(payload).expect("JSON"),
            metadata: metadata(subject),
        },
    }
}

fn referral_stream(referral_id: Uuid) -> String {
    format!("referral-{}", referral_id.simple())
}

/// The referral service's events of `person`'s onward referral to the provider: requested
/// (aged 65+), assessed (lonely), accepted on `accepted`.
pub(crate) fn referred(person: &Referred, accepted: DateTime<Utc>) -> Vec<ReceivedEvent> {
    let requested = json!({
        "source": "practitioner",
        "referrer": { "organisation": LINK_WORKERS },
        "receiving_organisation": VCSE,
        "reasons": [],
        "urgency": "routine",
        "consent": { "share_with_providers": true },
        "at": accepted.to_rfc3339(),
        "age_band": "65+",
    });
    let assessed = json!({ "needs": ["loneliness"], "goals": [], "at": accepted.to_rfc3339() });
    let stream = || referral_stream(person.referral_id);
    let subject = Some(person.subject.as_str());
    vec![
        published(
            "referral",
            stream(),
            "referral_requested",
            &requested,
            subject,
            accepted,
        ),
        published(
            "referral",
            stream(),
            "assessment_recorded",
            &assessed,
            subject,
            accepted,
        ),
        status_changed(person, "accepted", accepted),
    ]
}

/// `person`'s referral moved to `to` at `at`.
pub(crate) fn status_changed(person: &Referred, to: &str, at: DateTime<Utc>) -> ReceivedEvent {
    let changed = json!({
        "from": "requested",
        "to": to,
        "actor": { "id": "someone", "organisation": VCSE },
        "at": at.to_rfc3339(),
    });
    let stream = referral_stream(person.referral_id);
    published(
        "referral",
        stream,
        "referral_status_changed",
        &changed,
        Some(&person.subject),
        at,
    )
}

/// `person` attended session `session_id` at `at`, on `source`.
pub(crate) fn attended(
    person: &Referred,
    session_id: Uuid,
    source: &str,
    at: DateTime<Utc>,
) -> ReceivedEvent {
    let attended = json!({
        "session_id": session_id.to_string(),
        "referral_id": person.referral_id.to_string(),
        "subject": person.subject,
        "service_id": Uuid::nil().to_string(),
        "organisation_id": VCSE,
        "source": source,
        "at": at.to_rfc3339(),
    });
    let stream = format!("session-{}", session_id.simple());
    published(
        "engagement",
        stream,
        "session_attended",
        &attended,
        Some(&person.subject),
        at,
    )
}

/// An integrator's daily step count for `person`, as the engagement service publishes it.
pub(crate) fn device_evidence(person: &Referred, at: DateTime<Utc>) -> ReceivedEvent {
    let evidence = json!({
        "referral_id": person.referral_id.to_string(),
        "subject": person.subject,
        "measure": "steps",
        "day": at.date_naive().to_string(),
        "value": 9000,
        "coverage_percent": 90,
        "at": at.to_rfc3339(),
    });
    let stream = format!("evidence-{}", person.referral_id.simple());
    published(
        "engagement",
        stream,
        "evidence_recorded",
        &evidence,
        Some(&person.subject),
        at,
    )
}

impl Running {
    /// The billing log.
    pub(crate) async fn store(&self) -> EventStore {
        self.spawned.store(billing::SERVICE.name).await
    }

    /// Agrees `request` as the ICB's commissioner.
    pub(crate) async fn agree(&mut self, request: pb::AgreeContractRequest) -> pb::Contract {
        let agreed = self.client.agree_contract(commissioner(request)).await;
        agreed.expect("agreed").into_inner()
    }

    /// Delivers `received` to the consumer of its service, as the bus would: once, in the
    /// consumer's transaction.
    pub(crate) async fn deliver(&self, received: &ReceivedEvent) {
        let store = self.store().await;
        let mut tx = store.begin().await.expect("a transaction");
        let handled = match received.service.as_str() {
            "referral" => {
                ReferralConsumer::new(store.clone(), "QWE")
                    .handle(&mut tx, received)
                    .await
            }
            "engagement" => {
                EngagementConsumer::new(store.clone(), "QWE")
                    .handle(&mut tx, received)
                    .await
            }
            "outcomes" => {
                OutcomesConsumer::new(store.clone(), "QWE")
                    .handle(&mut tx, received)
                    .await
            }
            other => panic!("billing consumes nothing of {other}"),
        };
        handled.expect("handled");
        tx.commit().await.expect("committed");
    }

    /// Delivers each of `events`.
    pub(crate) async fn deliver_all(&self, events: &[ReceivedEvent]) {
        for received in events {
            self.deliver(received).await;
        }
    }

    /// Waits until the accrual processor has applied everything the log held when asked.
    pub(crate) async fn accrued(&self) {
        let store = self.store().await;
        let target = store
            .last_committed_position()
            .await
            .expect("the log's end");
        let processor = Subscription::new(store.clone(), SUBSCRIPTION);
        let deadline = tokio::time::Instant::now() + Wait::from_secs(60);
        while processor.checkpoint().await.expect("checkpoint") < target {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the accrual processor never caught up"
            );
            tokio::time::sleep(Wait::from_millis(25)).await;
        }
    }

    /// The lines accrued under `contract_id`, in the order accrued.
    pub(crate) async fn lines(&self, contract_id: &str) -> Vec<Line> {
        let id = Uuid::parse_str(contract_id).expect("a contract id");
        let store = self.store().await;
        let recorded = store
            .load_stream(&ledger::stream(id))
            .await
            .expect("its ledger");
        recorded
            .iter()
            .filter_map(|event| match event.decode::<Entry>().expect("an entry") {
                Entry::LineAccrued { line } => Some(line),
                Entry::LinesClaimed { .. } => None,
            })
            .collect()
    }

    /// Drafts `contract_id`'s claim for `month` as the provider, once everything is accrued.
    pub(crate) async fn draft(
        &mut self,
        contract_id: &str,
        month: &str,
    ) -> Result<pb::Claim, tonic::Status> {
        self.accrued().await;
        let request = pb::DraftClaimRequest {
            contract_id: contract_id.to_owned(),
            month: month.to_owned(),
        };
        let drafted = self.client.draft_claim(provider(request)).await;
        drafted.map(tonic::Response::into_inner)
    }
}

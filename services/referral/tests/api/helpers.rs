//! The referral service spawned as `linkwork serve referral` runs it ([`spawn`]), its
//! application layer over a fresh database for what needs no server ([`Service`]), and a
//! journey's cast.

use chrono::{DateTime, Duration, TimeZone, Utc};
use eventstore::{EventStore, Subscription};
use messaging::BusWiring;
use proto::referral::v1::referral_service_client::ReferralServiceClient;
use referral::app::{AppError, Context, ReferralApp};
use referral::config::{MASTER_KEY, PSEUDONYM_KEY};
use referral::domain::nhs_number::SealedNhsNumber;
use referral::domain::person::Demographics;
use referral::domain::referral::{
    Actor, Command, Consent, Event, Holder, Issued, RequestReferral, Source, Urgency,
};
use referral::domain::snomed::{ConceptId, REFERRAL_TO_SOCIAL_PRESCRIBING};
use referral::projections::{self, responsibility::ResponsibilityProjection};
use servicekit::Settings;
use testkit::{BackendKind, TestDatabase};
use testkit::{Spawn, Spawned};
use tonic::Request;
use tonic::transport::Channel;
use uuid::Uuid;

pub(crate) const GP_PRACTICE: &str = "Y01234";
pub(crate) const LINK_WORKERS: &str = "PCN-LW-01";
pub(crate) const OTHER_PCN: &str = "PCN-LW-02";

/// The service, serving.
pub(crate) struct Running {
    pub(crate) client: ReferralServiceClient<Channel>,
    pub(crate) spawned: Spawned,
}

/// Starts the service, publishing to and consuming from `wiring`'s bus when given.
pub(crate) async fn spawn(kind: BackendKind, wiring: Option<BusWiring>) -> Running {
    let settings = Settings::default()
        .with_secret(PSEUDONYM_KEY.name, [1; 32])
        .with_secret(MASTER_KEY.name, [2; 32]);
    let mut spawn = Spawn::new(&referral::SERVICE, settings, kind);
    if let Some(wiring) = wiring {
        spawn = spawn.wired(wiring);
    }
    let spawned = spawn.start().await;
    Running {
        client: ReferralServiceClient::new(spawned.channel.clone()),
        spawned,
    }
}

/// `body` as a request from `user` of `organisation`, a link worker (whom every referral RPC
/// admits).
pub(crate) fn as_user<T>(user: &str, organisation: &str, body: T) -> Request<T> {
    as_role(user, organisation, "link-worker", body)
}

/// `body` as a request from `user` of `organisation`, acting as `role`.
pub(crate) fn as_role<T>(user: &str, organisation: &str, role: &str, body: T) -> Request<T> {
    let caller = identity::Caller::new(user, organisation, role);
    testkit::signed_in(&caller, Request::new(body))
}

/// The application layer over a fresh database, for tests of what needs no server.
pub(crate) struct Service {
    pub(crate) store: EventStore,
    pub(crate) app: ReferralApp,
    database: TestDatabase,
}

impl Service {
    pub(crate) async fn start(kind: BackendKind) -> Self {
        testkit::init_logging();
        let database = TestDatabase::new(kind).await;
        let store = database.store().await;
        referral::migrate(&store)
            .await
            .expect("read-model migrations");
        Self {
            app: ReferralApp::new(store.clone()),
            store,
            database,
        }
    }

    /// The same database opened again, as a restarted process would.
    pub(crate) async fn reopen(&self) -> Reopened {
        let store = self.database.store().await;
        Reopened {
            app: ReferralApp::new(store.clone()),
            store,
        }
    }

    pub(crate) async fn run(
        &self,
        referral: Uuid,
        actor: Actor,
        minutes: i64,
        command: Command,
    ) -> Result<Vec<Event>, AppError> {
        let context = Context {
            correlation_id: Uuid::new_v4(),
            role: "practitioner".to_owned(),
            data_subject: Some("hmac:person-1".to_owned()),
            tenant: "QWE".to_owned(),
        };
        self.app
            .handle(
                referral,
                Issued {
                    actor,
                    at: at(minutes),
                    command,
                },
                &context,
            )
            .await
    }

    /// Brings the read models up to date with everything committed.
    pub(crate) async fn project(&self) {
        Subscription::new(
            self.store.clone(),
            projections::responsibility::SUBSCRIPTION,
        )
        .catch_up(&mut ResponsibilityProjection)
        .await
        .expect("projection");
    }
}

pub(crate) struct Reopened {
    pub(crate) store: EventStore,
    pub(crate) app: ReferralApp,
}

pub(crate) fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .expect("valid")
        + Duration::minutes(minutes)
}

pub(crate) fn actor(id: &str, organisation: &str) -> Actor {
    Actor {
        id: id.to_owned(),
        organisation: organisation.to_owned(),
    }
}

pub(crate) fn holder(organisation: &str, practitioner: Option<&str>) -> Holder {
    Holder {
        organisation: organisation.to_owned(),
        practitioner: practitioner.map(str::to_owned),
    }
}

pub(crate) fn gp_referral() -> Command {
    Command::Request(RequestReferral {
        source: Source::Practitioner,
        referrer: holder(GP_PRACTICE, Some("dr-patel")),
        receiving_organisation: LINK_WORKERS.to_owned(),
        reasons: vec![ConceptId::parse(REFERRAL_TO_SOCIAL_PRESCRIBING).expect("valid")],
        urgency: Urgency::Routine,
        part_of: None,
        accept_by: at(60 * 72),
        offer_id: Uuid::new_v4(),
        consent: Consent {
            share_with_providers: true,
            share_outcome_with_referrer: true,
            share_device_data: true,
        },
        // These tests are about responsibility; the vault has tests of its own.
        person: SealedNhsNumber {
            subject: "nhs-hmac:00aa".to_owned(),
            ciphertext: "5e41ed".to_owned(),
        },
        demographics: Demographics::default(),
    })
}

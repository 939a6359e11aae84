//! The responsibility ledger through the application layer and the read model.

use eventstore::StoreError;
use referral::app::AppError;
use referral::domain::referral::{Command, Offer};
use referral::domain::status::Status;
use referral::projections::responsibility::{accountable_at, holdings, rebuild, trail};
use testkit::BackendKind;
use uuid::Uuid;

use crate::helpers::{
    GP_PRACTICE, LINK_WORKERS, OTHER_PCN, Service, actor, at, gp_referral, holder,
};

testkit::on_both_backends!(
    a_rebuild_from_the_log_gives_the_same_ledger,
    who_was_accountable_is_answered_for_any_instant,
    two_practitioners_racing_to_accept_one_offer_have_one_winner,
);

/// A GP referral made at minute 0 and accepted by the link workers at minute 60.
pub(crate) async fn accepted_referral(service: &Service) -> Uuid {
    let referral = Uuid::new_v4();
    service
        .run(referral, actor("dr-patel", GP_PRACTICE), 0, gp_referral())
        .await
        .expect("refer");
    let accept = Command::ChangeStatus {
        to: Status::Accepted,
        reason: None,
    };
    service
        .run(referral, actor("lw-ana", LINK_WORKERS), 60, accept)
        .await
        .expect("accept");
    referral
}

/// The link workers offer the referral to the other PCN at `minutes`; returns the offer.
pub(crate) async fn offer_to_other_pcn(service: &Service, referral: Uuid, minutes: i64) -> Uuid {
    let offer_id = Uuid::new_v4();
    let offer = Offer {
        offer_id,
        to: holder(OTHER_PCN, None),
        expires_at: at(60 * 24),
    };
    service
        .run(
            referral,
            actor("lw-ana", LINK_WORKERS),
            minutes,
            Command::OfferResponsibility { offer },
        )
        .await
        .expect("offer");
    offer_id
}

async fn who_was_accountable_is_answered_for_any_instant(kind: BackendKind) {
    let service = Service::start(kind).await;
    let referral = accepted_referral(&service).await;
    let link_worker = actor("lw-ana", LINK_WORKERS);
    let assign = Command::AssignPractitioner {
        practitioner: "lw-ana".to_owned(),
    };
    service
        .run(referral, link_worker.clone(), 90, assign)
        .await
        .expect("assign");
    let start = Command::ChangeStatus {
        to: Status::InProgress,
        reason: None,
    };
    service
        .run(referral, link_worker.clone(), 100, start)
        .await
        .expect("start");
    let offer_id = offer_to_other_pcn(&service, referral, 120).await;
    service
        .run(
            referral,
            actor("lw-ben", OTHER_PCN),
            180,
            Command::AcceptOffer { offer_id },
        )
        .await
        .expect("accept the handoff");
    service.project().await;

    let id = referral.simple().to_string();
    let who = |minutes| {
        let store = service.store.clone();
        let id = id.clone();
        async move {
            accountable_at(&store, &id, at(minutes))
                .await
                .expect("query")
                .map(|p| p.holder)
        }
    };
    assert_eq!(who(-1).await, None, "before the referral existed");
    assert_eq!(who(0).await, Some(holder(GP_PRACTICE, Some("dr-patel"))));
    assert_eq!(who(59).await, Some(holder(GP_PRACTICE, Some("dr-patel"))));
    assert_eq!(who(60).await, Some(holder(LINK_WORKERS, None)));
    assert_eq!(
        who(150).await,
        Some(holder(LINK_WORKERS, Some("lw-ana"))),
        "an open offer moves nothing"
    );
    assert_eq!(who(180).await, Some(holder(OTHER_PCN, None)));
    assert_eq!(who(100_000).await, Some(holder(OTHER_PCN, None)));

    let periods = trail(&service.store, &id).await.expect("trail");
    let via: Vec<_> = periods.iter().map(|p| p.via.as_str()).collect();
    assert_eq!(
        via,
        ["referral", "offer-accepted", "assignment", "offer-accepted"]
    );
    assert!(
        periods.windows(2).all(|w| w[0].until == Some(w[1].since)),
        "no gap, no overlap"
    );
    assert_eq!(periods.last().and_then(|p| p.until), None);

    let held = holdings(&service.store, OTHER_PCN).await.expect("holdings");
    assert_eq!(held.len(), 1);
    assert_eq!(
        (held[0].referral_id.as_str(), held[0].since),
        (id.as_str(), at(180))
    );
    assert!(
        holdings(&service.store, LINK_WORKERS)
            .await
            .expect("holdings")
            .is_empty()
    );
}

async fn two_practitioners_racing_to_accept_one_offer_have_one_winner(kind: BackendKind) {
    let service = Service::start(kind).await;
    let referral = accepted_referral(&service).await;
    let offer_id = offer_to_other_pcn(&service, referral, 120).await;

    let race = |who: &'static str| {
        let app = service.app.clone();
        tokio::spawn(async move {
            let context = referral::app::Context {
                correlation_id: Uuid::new_v4(),
                role: "link-worker".to_owned(),
                data_subject: None,
                tenant: "QWE".to_owned(),
            };
            let issued = referral::domain::referral::Issued {
                actor: actor(who, OTHER_PCN),
                at: at(150),
                command: Command::AcceptOffer { offer_id },
            };
            app.handle(referral, issued, &context).await
        })
    };
    let (first, second) = (race("lw-ben"), race("lw-cat"));
    let outcomes = [first.await.expect("task"), second.await.expect("task")];
    let winners = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    assert_eq!(winners, 1, "{outcomes:?}");
    let loser = outcomes.into_iter().find_map(Result::err).expect("a loser");
    assert!(
        matches!(
            loser,
            AppError::Store(StoreError::WrongExpectedVersion { .. })
        ) || matches!(
            loser,
            AppError::Rejected(referral::domain::referral::Error::NoSuchOffer(_))
        ),
        "the loser is told of the conflict: {loser:?}"
    );
    service.project().await;
    let handoffs = trail(&service.store, &referral.simple().to_string())
        .await
        .expect("trail");
    assert_eq!(handoffs.len(), 3, "referral, acceptance, one handoff");
}

async fn a_rebuild_from_the_log_gives_the_same_ledger(kind: BackendKind) {
    let service = Service::start(kind).await;
    let first = accepted_referral(&service).await;
    let second = accepted_referral(&service).await;
    offer_to_other_pcn(&service, second, 120).await;
    service.project().await;
    // Who held each referral and when, and who holds what now: what a rebuild must restore.
    let ledger = async || {
        (
            trail(&service.store, &first.to_string())
                .await
                .expect("trail"),
            trail(&service.store, &second.to_string())
                .await
                .expect("trail"),
            holdings(&service.store, LINK_WORKERS)
                .await
                .expect("holdings"),
        )
    };
    let before = ledger().await;
    assert_eq!(before.2.len(), 2, "both referrals are held: {:?}", before.2);

    let mut reported = Vec::new();
    let replayed = rebuild(&service.store, |done| reported.push(done))
        .await
        .expect("rebuild");
    // Counted per stream: a read of the whole log on PostgreSQL may wait behind other
    // tests' transactions (docs/adr/0001), the streams never do.
    let mut events = 0;
    for referral in [first, second] {
        let stream = referral::app::stream_id(referral);
        events += service.store.load_stream(&stream).await.expect("log").len() as u64;
    }
    assert_eq!(replayed, events, "every event was replayed once");
    assert_eq!(reported.last().copied(), Some(events));
    let after = ledger().await;
    assert_eq!(before, after);
}

//! Offers nobody accepts in time escalate, from the log, across restarts.

use referral::domain::referral::{Command, Event};
use referral::escalation::escalate_due;
use referral::projections::responsibility::due_offers;
use testkit::BackendKind;

use crate::helpers::{OTHER_PCN, Service, actor, at};
use crate::responsibility::{accepted_referral, offer_to_other_pcn};

testkit::on_both_backends!(
    an_unaccepted_offer_escalates_once_its_deadline_passes,
    an_accepted_offer_never_escalates,
);

const DEADLINE: i64 = 60 * 24; // `offer_to_other_pcn` offers until 24 hours after minute 0

async fn an_unaccepted_offer_escalates_once_its_deadline_passes(kind: BackendKind) {
    let service = Service::start(kind).await;
    let referral = accepted_referral(&service).await;
    let offer_id = offer_to_other_pcn(&service, referral, 120).await;
    service.project().await;

    let escalated = escalate_due(&service.app, &service.store, "QWE", at(DEADLINE - 1)).await;
    assert_eq!(escalated.expect("pass"), 0, "not before the deadline");

    // A restarted process: a new store and app on the same database find the same deadline.
    let restarted = service.reopen().await;
    let escalated = escalate_due(&restarted.app, &restarted.store, "QWE", at(DEADLINE)).await;
    assert_eq!(escalated.expect("pass"), 1);
    let history = service.app.history(referral).await.expect("history");
    assert!(matches!(
        history.last(),
        Some(Event::OfferEscalated { offer_id: escalated, at: when, .. })
            if *escalated == offer_id && *when == at(DEADLINE)
    ));

    service.project().await;
    assert!(
        due_offers(&service.store, at(DEADLINE * 2))
            .await
            .expect("due")
            .is_empty()
    );
    let again = escalate_due(&service.app, &service.store, "QWE", at(DEADLINE * 2)).await;
    assert_eq!(again.expect("pass"), 0, "escalated once");
}

async fn an_accepted_offer_never_escalates(kind: BackendKind) {
    let service = Service::start(kind).await;
    let referral = accepted_referral(&service).await;
    let offer_id = offer_to_other_pcn(&service, referral, 120).await;
    service.project().await;
    // Accepted after the read model saw the offer, before the scheduler runs.
    service
        .run(
            referral,
            actor("lw-ben", OTHER_PCN),
            130,
            Command::AcceptOffer { offer_id },
        )
        .await
        .expect("accept");

    let escalated = escalate_due(&service.app, &service.store, "QWE", at(DEADLINE)).await;
    assert_eq!(
        escalated.expect("pass"),
        0,
        "the decider refuses a closed offer"
    );
    service.project().await;
    assert!(
        due_offers(&service.store, at(DEADLINE))
            .await
            .expect("due")
            .is_empty()
    );
}

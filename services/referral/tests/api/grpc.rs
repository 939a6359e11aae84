//! The referral service over gRPC, as a GP system and a link-worker app call it.

use std::net::SocketAddr;
use std::time::Duration;

use prost_types::Timestamp;
use proto::referral::v1 as pb;
use testkit::BackendKind;
use tonic::transport::Channel;
use tonic::{Code, Request};
use uuid::Uuid;

use crate::helpers::{GP_PRACTICE, LINK_WORKERS, as_user, spawn};

/// An organisation other than the link workers, asking for their holdings.
const OTHER_PCN_FOR_HOLDINGS: &str = "PCN-LW-02";

testkit::on_both_backends!(
    two_practitioners_racing_over_grpc_to_accept_one_offer_have_one_winner,
    a_referral_made_and_accepted_over_grpc_moves_responsibility,
    bad_requests_get_the_right_status_naming_the_problem,
);

pub(crate) fn in_seconds(seconds: i64) -> Option<Timestamp> {
    let at = chrono::Utc::now() + chrono::Duration::seconds(seconds);
    Some(Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    })
}

pub(crate) fn new_referral(referral_id: Uuid) -> pb::CreateReferralRequest {
    pb::CreateReferralRequest {
        referral_id: referral_id.to_string(),
        referrer_practitioner: "dr-patel".to_owned(),
        receiving_organisation: LINK_WORKERS.to_owned(),
        reason_codes: vec!["871731000000106".to_owned()],
        urgency: "routine".to_owned(),
        part_of: String::new(),
        accept_by: in_seconds(3 * 24 * 3600),
        consent_share_with_providers: true,
        consent_share_outcome_with_referrer: true,
        consent_share_device_data: true,
        nhs_number: "401 023 2137".to_owned(),
        source: String::new(),
        // Who the person is beyond their NHS number: the demographics tests give it.
        birth_date: String::new(),
        sex: String::new(),
        ethnic_category: String::new(),
        postcode: String::new(),
    }
}

async fn a_referral_made_and_accepted_over_grpc_moves_responsibility(kind: BackendKind) {
    let mut service = spawn(kind, None).await;
    let channel = Channel::from_shared(format!("http://{}", service.spawned.grpc))
        .expect("uri")
        .connect()
        .await
        .expect("channel");
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let serving = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "linkwork.referral.v1.ReferralService".to_owned(),
        })
        .await
        .expect("health check");
    assert_eq!(
        serving.get_ref().status(),
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );

    let referral_id = Uuid::new_v4();
    // Consent to device data alone, so a consent read from the wrong field shows in the log.
    let devices_only = pb::CreateReferralRequest {
        consent_share_with_providers: false,
        consent_share_outcome_with_referrer: false,
        ..new_referral(referral_id)
    };
    let created = service
        .client
        .create_referral(as_user("dr-patel", GP_PRACTICE, devices_only))
        .await
        .expect("create");
    assert_eq!(created.get_ref().referral_id, referral_id.to_string());
    // T16: the NHS number never reaches the log in clear; the subject is a keyed pseudonym.
    let log = service.spawned.store("referral").await;
    let stored = log
        .load_stream(&format!("referral-{}", referral_id.simple()))
        .await
        .expect("stream");
    let requested = &stored[0];
    assert!(!String::from_utf8_lossy(&requested.payload).contains("4010232137"));
    let subject = requested
        .metadata
        .data_subject
        .as_deref()
        .unwrap_or_default();
    assert!(subject.starts_with("nhs-hmac:"), "{subject}");
    let recorded: serde_json::Value =
        serde_json::from_slice(&requested.payload).expect("a JSON payload");
    assert_eq!(
        recorded["consent"],
        serde_json::json!({
            "share_with_providers": false,
            "share_outcome_with_referrer": false,
            "share_device_data": true,
        })
    );

    let accept = pb::ChangeStatusRequest {
        referral_id: referral_id.to_string(),
        status: "accepted".to_owned(),
        reason: String::new(),
    };
    let accepted = service
        .client
        .change_status(as_user("lw-ana", LINK_WORKERS, accept))
        .await
        .expect("accept");
    assert_eq!(
        accepted.get_ref().event_types,
        ["referral_status_changed", "responsibility_handed_off"]
    );

    // The read model catches up from the log in the background.
    let mut holdings = Vec::new();
    for _ in 0..200 {
        let listed = service
            .client
            .list_holdings(as_user(
                "lw-ana",
                LINK_WORKERS,
                pb::ListHoldingsRequest {
                    organisation: LINK_WORKERS.to_owned(),
                },
            ))
            .await
            .expect("holdings");
        holdings = listed.into_inner().holdings;
        if !holdings.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(holdings.len(), 1);
    let other = service
        .client
        .list_holdings(as_user(
            "lw-bo",
            OTHER_PCN_FOR_HOLDINGS,
            pb::ListHoldingsRequest {
                organisation: LINK_WORKERS.to_owned(),
            },
        ))
        .await
        .expect_err("another organisation's holdings are not listed");
    assert_eq!(other.code(), tonic::Code::PermissionDenied);
    assert_eq!(
        (
            holdings[0].referral_id.as_str(),
            holdings[0].status.as_str()
        ),
        (referral_id.to_string().as_str(), "accepted")
    );

    let now = pb::GetAccountableAtRequest {
        referral_id: referral_id.to_string(),
        at: in_seconds(2),
    };
    let found = service
        .client
        .get_accountable_at(as_user("lw-ana", LINK_WORKERS, now))
        .await
        .expect("at");
    let holder = found
        .into_inner()
        .period
        .and_then(|period| period.holder)
        .expect("a holder");
    assert_eq!(holder.organisation, LINK_WORKERS);
    let trail = service
        .client
        .get_handoff_trail(as_user(
            "dr-patel",
            GP_PRACTICE,
            pb::GetHandoffTrailRequest {
                referral_id: referral_id.to_string(),
            },
        ))
        .await
        .expect("trail");
    let via: Vec<_> = trail
        .get_ref()
        .periods
        .iter()
        .map(|p| p.via.as_str())
        .collect();
    assert_eq!(via, ["referral", "offer-accepted"]);

    // The same referral over FHIR, on the service's HTTP listener.
    let task = http_get(service.spawned.http, &format!("/fhir/Task/{referral_id}")).await;
    assert!(task.starts_with("HTTP/1.1 200"), "{task}");
    assert!(task.contains("\"status\":\"accepted\""), "{task}");
}

/// A plain HTTP/1.1 GET as the link workers' app, returning the raw response.
pub(crate) async fn http_get(address: SocketAddr, path: &str) -> String {
    http(address, "GET", path, LINK_WORKERS, None).await
}

/// A plain HTTP/1.1 request as someone of `organisation`, returning the raw response.
pub(crate) async fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    organisation: &str,
    body: Option<&str>,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let body = body.unwrap_or_default();
    let token = testkit::token(&identity::Caller::new(
        "someone",
        organisation,
        "link-worker",
    ));
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {token}\r\n\
         content-type: application/fhir+json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
}

async fn bad_requests_get_the_right_status_naming_the_problem(kind: BackendKind) {
    let mut service = spawn(kind, None).await;
    let referral_id = Uuid::new_v4();
    let client = &mut service.client;

    let anonymous = client
        .create_referral(Request::new(new_referral(referral_id)))
        .await
        .expect_err("no identity");
    assert_eq!(anonymous.code(), Code::Unauthenticated);

    let mut bad_id = new_referral(referral_id);
    bad_id.referral_id = "not-a-uuid".to_owned();
    let refused = client
        .create_referral(as_user("dr-patel", GP_PRACTICE, bad_id))
        .await
        .expect_err("bad id");
    assert_eq!(
        (refused.code(), refused.message()),
        (Code::InvalidArgument, "referral_id must be a UUID")
    );

    let mut bad_code = new_referral(referral_id);
    bad_code.reason_codes = vec!["22298006".to_owned(), "22298007".to_owned()];
    let refused = client
        .create_referral(as_user("dr-patel", GP_PRACTICE, bad_code))
        .await
        .expect_err("bad code");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(
        refused.message().starts_with("reason_codes[1]"),
        "{}",
        refused.message()
    );

    for (bad, message) in [
        ("401 023 2138", "nhs_number fails the modulus 11 check"),
        (
            "9990000018",
            "nhs_number is in the 999 test range, which this deployment does not accept",
        ),
        ("", "nhs_number is required"),
    ] {
        let mut request = new_referral(referral_id);
        request.nhs_number = bad.to_owned();
        let refused = client
            .create_referral(as_user("dr-patel", GP_PRACTICE, request))
            .await
            .expect_err(bad);
        assert_eq!(
            (refused.code(), refused.message()),
            (Code::InvalidArgument, message)
        );
    }

    client
        .create_referral(as_user("dr-patel", GP_PRACTICE, new_referral(referral_id)))
        .await
        .expect("create");
    let mut another = new_referral(referral_id);
    another.urgency = "urgent".to_owned();
    let twice = client
        .create_referral(as_user("dr-patel", GP_PRACTICE, another))
        .await
        .expect_err("the id again for another referral");
    assert_eq!(twice.code(), Code::AlreadyExists);

    let change = |status: &str, reason: &str| pb::ChangeStatusRequest {
        referral_id: referral_id.to_string(),
        status: status.to_owned(),
        reason: reason.to_owned(),
    };
    let own = client
        .change_status(as_user("dr-patel", GP_PRACTICE, change("accepted", "")))
        .await
        .expect_err("referrer accepting");
    assert_eq!(own.code(), Code::FailedPrecondition);
    let stranger = client
        .change_status(as_user("x", "ELSEWHERE", change("cancelled", "x")))
        .await
        .expect_err("stranger");
    assert_eq!(
        stranger.code(),
        Code::NotFound,
        "to a stranger it is not there"
    );
    let no_reason = client
        .change_status(as_user("lw-ana", LINK_WORKERS, change("rejected", "")))
        .await
        .expect_err("no reason");
    assert_eq!(no_reason.code(), Code::InvalidArgument);
    let unknown = client
        .change_status(as_user("lw-ana", LINK_WORKERS, change("done", "")))
        .await
        .expect_err("bad status");
    assert_eq!(unknown.code(), Code::InvalidArgument);
    assert!(
        unknown
            .message()
            .starts_with("status must be one of \"requested\""),
        "{}",
        unknown.message()
    );
    let missing = pb::ChangeStatusRequest {
        referral_id: Uuid::new_v4().to_string(),
        ..change("accepted", "")
    };
    let missing = client
        .change_status(as_user("lw-ana", LINK_WORKERS, missing))
        .await
        .expect_err("missing");
    assert_eq!(missing.code(), Code::NotFound);

    // A person refers themselves: no practitioner, and naming one is refused.
    let mut own = new_referral(Uuid::new_v4());
    own.source = "self-referral".to_owned();
    own.referrer_practitioner = String::new();
    let confused = pb::CreateReferralRequest {
        referral_id: Uuid::new_v4().to_string(),
        referrer_practitioner: "dr-patel".to_owned(),
        ..own.clone()
    };
    client
        .create_referral(as_user("person-1", "SELF", own))
        .await
        .expect("self-referral");
    let refused = client
        .create_referral(as_user("person-1", "SELF", confused))
        .await
        .expect_err("a self-referral naming a practitioner");
    assert_eq!(refused.code(), Code::InvalidArgument);

    // Nothing refused changed the referral: the link workers can still accept it.
    client
        .change_status(as_user("lw-ana", LINK_WORKERS, change("accepted", "")))
        .await
        .expect("accept");
}

async fn two_practitioners_racing_over_grpc_to_accept_one_offer_have_one_winner(kind: BackendKind) {
    let mut service = spawn(kind, None).await;
    let referral_id = Uuid::new_v4();
    let client = &mut service.client;
    client
        .create_referral(as_user("dr-patel", GP_PRACTICE, new_referral(referral_id)))
        .await
        .expect("create");
    let accept = pb::ChangeStatusRequest {
        referral_id: referral_id.to_string(),
        status: "accepted".to_owned(),
        reason: String::new(),
    };
    client
        .change_status(as_user("lw-ana", LINK_WORKERS, accept))
        .await
        .expect("accept");
    let offer = pb::OfferResponsibilityRequest {
        referral_id: referral_id.to_string(),
        to: Some(pb::Holder {
            organisation: "PCN-LW-02".to_owned(),
            practitioner: String::new(),
        }),
        expires_at: in_seconds(3600),
    };
    let offer_id = client
        .offer_responsibility(as_user("lw-ana", LINK_WORKERS, offer))
        .await
        .expect("offer")
        .into_inner()
        .offer_id;

    let race = |who: &'static str| {
        let mut client = client.clone();
        let request = pb::AcceptOfferRequest {
            referral_id: referral_id.to_string(),
            offer_id: offer_id.clone(),
        };
        tokio::spawn(async move {
            client
                .accept_offer(as_user(who, "PCN-LW-02", request))
                .await
        })
    };
    let (first, second) = (race("lw-ben"), race("lw-cat"));
    let outcomes = [first.await.expect("task"), second.await.expect("task")];
    assert_eq!(outcomes.iter().filter(|outcome| outcome.is_ok()).count(), 1);
    let loser = outcomes.into_iter().find_map(Result::err).expect("a loser");
    // Aborted when both decided against the same version; failed precondition when the loser
    // loaded the referral after the winner's handoff (the offer is gone).
    assert!(
        matches!(loser.code(), Code::Aborted | Code::FailedPrecondition),
        "{loser:?}"
    );
}

//! A provider publishes a session of its own directory service, keeps its register for the
//! people it took on, and checks people in with the session's QR code: every refusal named,
//! every token good once.

use proto::engagement::v1 as pb;
use testkit::BackendKind;
use tonic::Code;
use uuid::Uuid;

use crate::helpers::{VCSE_A, VCSE_B, as_role, at, provider, spawn};

testkit::on_both_backends!(
    a_provider_keeps_the_register_of_its_own_sessions,
    a_check_in_token_is_good_once_for_its_session_and_person,
);

async fn a_provider_keeps_the_register_of_its_own_sessions(kind: BackendKind) {
    let mut running = spawn(kind).await;
    // Only a service of its own: B cannot publish A's, and nobody a service never listed.
    let theirs = running
        .client
        .schedule_session(provider(
            VCSE_B,
            pb::ScheduleSessionRequest {
                service_id: running.service_id.clone(),
                starts_at: Some(at(1)),
                ends_at: Some(at(2)),
                ..Default::default()
            },
        ))
        .await
        .expect_err("not B's service");
    assert_eq!(theirs.code(), Code::NotFound, "{theirs:?}");
    let backwards = running
        .client
        .schedule_session(provider(
            VCSE_A,
            pb::ScheduleSessionRequest {
                service_id: running.service_id.clone(),
                starts_at: Some(at(2)),
                ends_at: Some(at(1)),
                ..Default::default()
            },
        ))
        .await
        .expect_err("ends before it starts");
    assert_eq!(backwards.code(), Code::InvalidArgument);
    assert!(
        backwards.message().contains("ends_at"),
        "{}",
        backwards.message()
    );

    let session_id = running.session().await;
    let taken_on = running.referral(VCSE_A, "accepted").await;
    let attended = running
        .record(VCSE_A, &session_id, taken_on, "attended")
        .await
        .expect("attended");
    assert_eq!(
        (attended.status.as_str(), attended.source.as_str()),
        ("attended", "register")
    );
    // Did not attend is for a session that has ended; this one has not.
    let early = running
        .record(VCSE_A, &session_id, taken_on, "did-not-attend")
        .await
        .expect_err("not ended");
    assert_eq!(early.code(), Code::FailedPrecondition);
    // Only people A took on; B sees neither A's session nor A's people.
    let waiting = running.referral(VCSE_A, "requested").await;
    let refused = running
        .record(VCSE_A, &session_id, waiting, "attended")
        .await
        .expect_err("not taken on");
    assert_eq!(refused.code(), Code::NotFound);
    assert!(
        refused.message().contains("referral_id"),
        "{}",
        refused.message()
    );
    let other = running
        .record(VCSE_B, &session_id, taken_on, "attended")
        .await
        .expect_err("not B's session");
    assert_eq!(other.code(), Code::NotFound);
    let bad = running
        .record(VCSE_A, &session_id, taken_on, "present")
        .await
        .expect_err("not a status");
    assert_eq!(bad.code(), Code::InvalidArgument);

    let register = running
        .client
        .get_session(provider(
            VCSE_A,
            pb::GetSessionRequest {
                session_id: session_id.clone(),
            },
        ))
        .await
        .expect("the session")
        .into_inner()
        .register;
    assert_eq!(
        register.len(),
        1,
        "nothing refused was recorded: {register:?}"
    );
    assert_eq!(register[0].referral_id, taken_on.to_string());
    let hidden = running
        .client
        .get_session(provider(VCSE_B, pb::GetSessionRequest { session_id }))
        .await
        .expect_err("not B's");
    assert_eq!(hidden.code(), Code::NotFound);
}

async fn a_check_in_token_is_good_once_for_its_session_and_person(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let session_id = running.session().await;
    let another_session = running.session().await;
    let person = running.referral(VCSE_A, "in-progress").await;
    let someone_else = running.referral(VCSE_A, "accepted").await;
    let issue = |session_id: &str, referral_id: Option<Uuid>| pb::IssueCheckInRequest {
        session_id: session_id.to_owned(),
        referral_id: referral_id.map(|id| id.to_string()).unwrap_or_default(),
    };
    let token = running
        .client
        .issue_check_in(provider(VCSE_A, issue(&session_id, Some(person))))
        .await
        .expect("a token")
        .into_inner()
        .token;
    let check_in = |session_id: &str, token: &str, referral_id: Option<Uuid>| pb::CheckInRequest {
        session_id: session_id.to_owned(),
        token: token.to_owned(),
        referral_id: referral_id.map(|id| id.to_string()).unwrap_or_default(),
    };
    let citizen = |body| as_role("NHS-LOGIN", "citizen", body);

    // Another session's token, or someone else's, is refused; nothing is recorded.
    let wrong = running
        .client
        .check_in(citizen(check_in(&another_session, &token, None)))
        .await
        .expect_err("another session");
    assert_eq!(
        (wrong.code(), wrong.message()),
        (Code::PermissionDenied, "token: for another session")
    );
    let theirs = running
        .client
        .check_in(citizen(check_in(&session_id, &token, Some(someone_else))))
        .await
        .expect_err("another person's");
    assert_eq!(theirs.message(), "token: for another person's referral");
    let forged = format!("{}x", token);
    let forged = running
        .client
        .check_in(citizen(check_in(&session_id, &forged, None)))
        .await
        .expect_err("altered");
    assert_eq!(forged.message(), "token: not a valid check-in token");

    let checked_in = running
        .client
        .check_in(citizen(check_in(&session_id, &token, None)))
        .await
        .expect("checked in")
        .into_inner();
    assert_eq!(
        (checked_in.referral_id, checked_in.source.as_str()),
        (person.to_string(), "qr-check-in")
    );
    let replayed = running
        .client
        .check_in(citizen(check_in(&session_id, &token, None)))
        .await
        .expect_err("used");
    assert_eq!(
        (replayed.code(), replayed.message()),
        (Code::PermissionDenied, "token: already used")
    );

    // A token for the whole session checks in whoever the provider took on, naming themselves.
    let door = running
        .client
        .issue_check_in(provider(VCSE_A, issue(&session_id, None)))
        .await
        .expect("a door token")
        .into_inner()
        .token;
    let anonymous = running
        .client
        .check_in(citizen(check_in(&session_id, &door, None)))
        .await
        .expect_err("whose check-in?");
    assert_eq!(anonymous.code(), Code::InvalidArgument);
    let stranger = Uuid::new_v4();
    let unknown = running
        .client
        .check_in(citizen(check_in(&session_id, &door, Some(stranger))))
        .await
        .expect_err("not taken on");
    assert_eq!(unknown.code(), Code::NotFound);
    running
        .client
        .check_in(citizen(check_in(&session_id, &door, Some(someone_else))))
        .await
        .expect("checked in at the door");
    let register = running
        .client
        .get_session(provider(VCSE_A, pb::GetSessionRequest { session_id }))
        .await
        .expect("the session")
        .into_inner()
        .register;
    assert_eq!(register.len(), 2, "{register:?}");
    assert!(register.iter().all(|place| place.source == "qr-check-in"));
    // A token for another organisation's session is not B's to issue.
    let not_theirs = running
        .client
        .issue_check_in(provider(VCSE_B, issue(&another_session, None)))
        .await
        .expect_err("not B's");
    assert_eq!(not_theirs.code(), Code::NotFound);
}

//! A referral exists only for its parties. To anyone else every command and every read on it
//! answers exactly as for an id never used; a child referral cannot be hung on it; every read,
//! allowed or not, is in the audit an auditor can query; and a create retried with the same
//! request gets the first answer back.

use proto::referral::v1 as pb;
use testkit::BackendKind;
use tonic::{Code, Status};
use uuid::Uuid;

use crate::grpc::new_referral;
use crate::helpers::{GP_PRACTICE, LINK_WORKERS, OTHER_PCN, as_role, as_user, spawn};

testkit::on_both_backends!(
    to_anyone_but_its_parties_a_referral_is_not_there,
    every_read_is_in_the_audit_an_auditor_reads,
    a_create_retried_gets_the_first_answer,
);

fn refused<T: std::fmt::Debug>(answer: Result<tonic::Response<T>, Status>) -> (Code, String) {
    let status = answer.expect_err("refused");
    (status.code(), status.message().to_owned())
}

fn status(referral_id: Uuid) -> pb::ChangeStatusRequest {
    pb::ChangeStatusRequest {
        referral_id: referral_id.to_string(),
        status: "cancelled".to_owned(),
        reason: "PWNED".to_owned(),
    }
}

fn trail(referral_id: Uuid) -> pb::GetHandoffTrailRequest {
    pb::GetHandoffTrailRequest {
        referral_id: referral_id.to_string(),
    }
}

async fn to_anyone_but_its_parties_a_referral_is_not_there(kind: BackendKind) {
    let mut service = spawn(kind, None).await;
    let client = &mut service.client;
    let referral_id = Uuid::new_v4();
    let never_used = Uuid::new_v4();
    client
        .create_referral(as_user("dr-patel", GP_PRACTICE, new_referral(referral_id)))
        .await
        .expect("made");

    let outsider = |body| as_user("lw-ben", OTHER_PCN, body);
    assert_eq!(
        refused(client.change_status(outsider(status(referral_id))).await),
        refused(client.change_status(outsider(status(never_used))).await),
    );
    let read = refused(
        client
            .get_handoff_trail(as_user("lw-ben", OTHER_PCN, trail(referral_id)))
            .await,
    );
    let unused = refused(
        client
            .get_handoff_trail(as_user("lw-ben", OTHER_PCN, trail(never_used)))
            .await,
    );
    assert_eq!(read, unused);
    assert_eq!(read.0, Code::NotFound);
    let accountable = pb::GetAccountableAtRequest {
        referral_id: referral_id.to_string(),
        at: None,
    };
    let refused_at = refused(
        client
            .get_accountable_at(as_user("lw-ben", OTHER_PCN, accountable))
            .await,
    );
    assert_eq!(refused_at.0, Code::NotFound);

    let mut child = new_referral(Uuid::new_v4());
    child.part_of = referral_id.to_string();
    assert_eq!(
        refused(
            client
                .create_referral(as_user("lw-ben", OTHER_PCN, child))
                .await
        ),
        (
            Code::InvalidArgument,
            "part_of: no such referral".to_owned()
        )
    );

    // Its parties see it: the practice that referred, and the link workers it was sent to.
    for (user, organisation) in [("dr-patel", GP_PRACTICE), ("lw-ana", LINK_WORKERS)] {
        client
            .get_handoff_trail(as_user(user, organisation, trail(referral_id)))
            .await
            .expect("a party reads it");
    }
    // A role the RPC does not admit is refused before anything is looked up.
    let directory_admin = as_role("admin", LINK_WORKERS, "directory-admin", trail(referral_id));
    assert_eq!(
        refused(client.get_handoff_trail(directory_admin).await).0,
        Code::PermissionDenied
    );
}

async fn every_read_is_in_the_audit_an_auditor_reads(kind: BackendKind) {
    let mut service = spawn(kind, None).await;
    let client = &mut service.client;
    let referral_id = Uuid::new_v4();
    client
        .create_referral(as_user("dr-patel", GP_PRACTICE, new_referral(referral_id)))
        .await
        .expect("made");
    client
        .get_handoff_trail(as_user("lw-ana", LINK_WORKERS, trail(referral_id)))
        .await
        .expect("a party reads");
    let _ = client
        .get_handoff_trail(as_user("lw-ben", OTHER_PCN, trail(referral_id)))
        .await
        .expect_err("an outsider does not");

    let question = pb::ListRecordAccessesRequest {
        nhs_number: "4010232137".to_owned(),
        limit: 0,
    };
    let not_an_auditor = as_user("lw-ana", LINK_WORKERS, question.clone());
    assert_eq!(
        refused(client.list_record_accesses(not_an_auditor).await).0,
        Code::PermissionDenied
    );
    let auditor = as_role("ig-lead", "ICB-QWE", "auditor", question);
    let accesses = client
        .list_record_accesses(auditor)
        .await
        .expect("the auditor asks")
        .into_inner()
        .accesses;
    let seen: Vec<(&str, &str, &str)> = accesses
        .iter()
        .map(|access| {
            (
                access.user.as_str(),
                access.function.as_str(),
                access.outcome.as_str(),
            )
        })
        .collect();
    // Newest first: the auditor's own question, the outsider's refused read, the party's.
    assert_eq!(
        seen,
        [
            ("ig-lead", "referral.ListRecordAccesses", "allowed"),
            ("lw-ben", "referral.GetHandoffTrail", "denied"),
            ("lw-ana", "referral.GetHandoffTrail", "allowed"),
        ]
    );
    let record = format!("referral/{referral_id}");
    assert!(accesses[1..].iter().all(|access| access.record == record));
    assert!(
        accesses
            .iter()
            .all(|access| Uuid::parse_str(&access.correlation_id).is_ok())
    );
}

async fn a_create_retried_gets_the_first_answer(kind: BackendKind) {
    let mut service = spawn(kind, None).await;
    let client = &mut service.client;
    let referral_id = Uuid::new_v4();
    let first = client
        .create_referral(as_user("dr-patel", GP_PRACTICE, new_referral(referral_id)))
        .await
        .expect("made")
        .into_inner();
    let again = client
        .create_referral(as_user("dr-patel", GP_PRACTICE, new_referral(referral_id)))
        .await
        .expect("the same request again")
        .into_inner();
    assert_eq!(first, again);

    let mut different = new_referral(referral_id);
    different.urgency = "urgent".to_owned();
    assert_eq!(
        refused(
            client
                .create_referral(as_user("dr-patel", GP_PRACTICE, different))
                .await
        )
        .0,
        Code::AlreadyExists
    );
    let elsewhere = as_user("dr-khan", "Y99999", new_referral(referral_id));
    assert_eq!(
        refused(client.create_referral(elsewhere).await).0,
        Code::AlreadyExists,
        "another practice's identical request is not a retry"
    );
}

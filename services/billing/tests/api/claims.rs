//! Claims through the gRPC API: a month's claim drafted from the lines accrued by its end,
//! submitted by the provider, decided once and paid by the commissioner; every refusal naming
//! the rule or the field; a referral entered in error clawed back on the next claim; and two
//! approvers racing, of whom one decides.

use chrono::{Days, Utc};
use proto::billing::v1 as pb;
use testkit::BackendKind;
use tonic::Code;
use uuid::Uuid;

use crate::helpers::{
    ICB, OTHER_VCSE, Referred, Running, agreement, as_role, attended, commissioner, month,
    month_start, on, per_session, provider, referred, spawn, status_changed, tariff,
};

testkit::on_both_backends!(
    a_months_claim_is_drafted_submitted_decided_and_paid,
    every_refused_claim_command_names_the_rule_or_the_field,
    a_referral_entered_in_error_is_clawed_back_on_the_next_claim,
    of_two_approvers_racing_one_decides_and_the_other_is_told,
);

/// A contract paying £50 per accepted referral and £15 per session from the month before
/// last, a person accepted then, and their attendances on the days of that month given; the
/// contract's id.
async fn with_activity(running: &mut Running, person: &Referred, sessions: &[u32]) -> String {
    let tariffs = vec![per_session("15"), tariff("accepted-referral", "50")];
    let contract = running.agree(agreement(tariffs, month_start(2))).await;
    running.deliver_all(&referred(person, on(2, 3))).await;
    for day in sessions {
        let attendance = attended(person, Uuid::now_v7(), "register", on(2, *day));
        running.deliver(&attendance).await;
    }
    contract.contract_id
}

fn pence(money: &Option<pb::Money>) -> i64 {
    money.as_ref().map_or(0, |money| money.pence)
}

async fn submitted(running: &mut Running, claim: &pb::Claim) -> pb::Claim {
    let submit = pb::SubmitClaimRequest {
        claim_id: claim.claim_id.clone(),
    };
    let answer = running.client.submit_claim(provider(submit)).await;
    answer.expect("submitted").into_inner()
}

fn decide(claim: &pb::Claim, decision: &str) -> pb::DecideClaimRequest {
    pb::DecideClaimRequest {
        claim_id: claim.claim_id.clone(),
        decision: decision.to_owned(),
        ..Default::default()
    }
}

fn payment(claim: &pb::Claim, paid_on: String) -> pb::RecordPaymentRequest {
    pb::RecordPaymentRequest {
        claim_id: claim.claim_id.clone(),
        remittance: "BACS-2026-0412".to_owned(),
        paid_on,
    }
}

fn today() -> String {
    Utc::now().date_naive().to_string()
}

async fn a_months_claim_is_drafted_submitted_decided_and_paid(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let person = Referred::new();
    let contract_id = with_activity(&mut running, &person, &[10]).await;
    // An attendance last month belongs to last month's claim.
    let later = attended(&person, Uuid::now_v7(), "register", on(1, 5));
    running.deliver(&later).await;

    let drafted = running
        .draft(&contract_id, &month(2))
        .await
        .expect("drafted");
    assert_eq!(
        (drafted.status.as_str(), drafted.month.clone()),
        ("draft", month(2))
    );
    let amounts: Vec<(String, i64)> = drafted
        .lines
        .iter()
        .map(|line| (line.trigger.clone(), pence(&line.amount)))
        .collect();
    assert_eq!(
        amounts,
        [
            ("accepted-referral".to_owned(), 5_000),
            ("attended-session".to_owned(), 1_500)
        ]
    );
    assert!(
        drafted
            .lines
            .iter()
            .all(|line| !line.source_event_id.is_empty())
    );
    assert_eq!(
        drafted.total.as_ref().map(|t| t.text.as_str()),
        Some("£65.00")
    );
    // Asked again, the draft is the one drafted.
    let again = running
        .draft(&contract_id, &month(2))
        .await
        .expect("the same");
    assert_eq!(again, drafted);

    let claim = submitted(&mut running, &drafted).await;
    assert_eq!(claim.status, "submitted");
    let approved = running
        .client
        .decide_claim(commissioner(decide(&claim, "approve")))
        .await;
    let approved = approved.expect("approved").into_inner();
    assert_eq!(
        (approved.status.as_str(), pence(&approved.approved)),
        ("approved", 6_500)
    );
    let paid = running
        .client
        .record_payment(commissioner(payment(&claim, today())))
        .await;
    let paid = paid.expect("paid").into_inner();
    assert_eq!(paid.status, "paid");
    assert_eq!(
        (paid.remittance.as_str(), paid.paid_on),
        ("BACS-2026-0412", today())
    );

    let next = running
        .draft(&contract_id, &month(1))
        .await
        .expect("drafted");
    assert_eq!(next.lines.len(), 1);
    assert_eq!(
        next.lines[0].source_event_id,
        later.event.event_id.to_string()
    );
    let list = pb::ListClaimsRequest {
        contract_id: contract_id.clone(),
    };
    let listed = running.client.list_claims(commissioner(list.clone())).await;
    let listed = listed.expect("listed").into_inner().claims;
    let months: Vec<(&str, &str)> = listed
        .iter()
        .map(|claim| (claim.month.as_str(), claim.status.as_str()))
        .collect();
    assert_eq!(
        months,
        [(month(2).as_str(), "paid"), (month(1).as_str(), "draft")]
    );
    assert!(listed.iter().all(|claim| claim.lines.is_empty()));
    let elsewhere = running
        .client
        .list_claims(as_role(OTHER_VCSE, "vcse-provider", list))
        .await;
    assert_eq!(elsewhere.expect_err("not theirs").code(), Code::NotFound);
    let get = pb::GetClaimRequest {
        claim_id: claim.claim_id.clone(),
    };
    let hidden = running
        .client
        .get_claim(as_role(OTHER_VCSE, "vcse-provider", get))
        .await;
    let status = hidden.expect_err("not theirs");
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(status.message(), "claim_id: no such claim of yours");
}

async fn every_refused_claim_command_names_the_rule_or_the_field(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let person = Referred::new();
    let contract_id = with_activity(&mut running, &person, &[10, 17]).await;
    let this_month = running.draft(&contract_id, &month(0)).await;
    let status = this_month.expect_err("not over");
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    assert_eq!(
        status.message(),
        format!("month: {} has not ended yet", month(0))
    );
    let before = running.draft(&contract_id, &month(3)).await;
    let status = before.expect_err("nothing to claim by then");
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    assert!(
        status.message().starts_with("month: no unclaimed lines"),
        "{status:?}"
    );
    let malformed = running.draft(&contract_id, "2026-13").await;
    let status = malformed.expect_err("no such month");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().starts_with("month"), "{status:?}");

    let claim = running
        .draft(&contract_id, &month(2))
        .await
        .expect("drafted");
    let early = running
        .client
        .decide_claim(commissioner(decide(&claim, "approve")))
        .await;
    let status = early.expect_err("a draft is not decided");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("not submitted"), "{status:?}");
    let unapproved = running
        .client
        .record_payment(commissioner(payment(&claim, today())))
        .await;
    assert_eq!(
        unapproved.expect_err("not approved").code(),
        Code::FailedPrecondition
    );
    let claim = submitted(&mut running, &claim).await;
    let twice = running
        .client
        .submit_claim(provider(pb::SubmitClaimRequest {
            claim_id: claim.claim_id.clone(),
        }))
        .await;
    let status = twice.expect_err("submitted once");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("not a draft"), "{status:?}");
    let by_provider = running
        .client
        .decide_claim(provider(decide(&claim, "approve")))
        .await;
    assert_eq!(
        by_provider.expect_err("not the provider's").code(),
        Code::PermissionDenied
    );

    let rejecting = |rejected: Vec<(String, &str)>| pb::DecideClaimRequest {
        rejected: rejected
            .into_iter()
            .map(|(line_id, reason)| pb::Rejection {
                line_id,
                reason: reason.to_owned(),
            })
            .collect(),
        ..decide(&claim, "partly-approve")
    };
    let line = |i: usize| claim.lines[i].line_id.clone();
    let cases = [
        (
            rejecting(vec![(Uuid::nil().to_string(), "no register")]),
            "rejected: line 00000000-0000-0000-0000-000000000000 is not on the claim",
        ),
        (
            rejecting(vec![(line(0), "a"), (line(1), "b"), (line(2), "c")]),
            "rejected: not every line: or reject the claim",
        ),
        (
            rejecting(vec![("nope".to_owned(), "x")]),
            "rejected[0].line_id",
        ),
        (rejecting(Vec::new()), "rejected: at least one line"),
        (decide(&claim, "reject"), "reason: not blank"),
        (
            pb::DecideClaimRequest {
                reason: "why not".to_owned(),
                ..decide(&claim, "approve")
            },
            "reason: only with \"reject\"",
        ),
    ];
    for (request, message) in cases {
        let refused = running.client.decide_claim(commissioner(request)).await;
        let status = refused.expect_err(message);
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(
            status.message().starts_with(message),
            "{message}: {status:?}"
        );
    }
    let partly = rejecting(vec![(line(2), "no register kept for that session")]);
    let decided = running.client.decide_claim(commissioner(partly)).await;
    let decided = decided.expect("partly approved").into_inner();
    assert_eq!(decided.status, "partly-approved");
    assert_eq!(pence(&decided.approved), 5_000 + 1_500);
    let reasons: Vec<&str> = decided
        .lines
        .iter()
        .map(|line| line.rejected_because.as_str())
        .collect();
    assert_eq!(reasons, ["", "", "no register kept for that session"]);
    let yesterday = (Utc::now().date_naive() - Days::new(1)).to_string();
    let early = running
        .client
        .record_payment(commissioner(payment(&claim, yesterday)))
        .await;
    let status = early.expect_err("paid before it was decided");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().starts_with("paid_on:"), "{status:?}");
    let paid = running
        .client
        .record_payment(commissioner(payment(&claim, today())))
        .await;
    assert_eq!(pence(&paid.expect("paid").into_inner().approved), 6_500);
}

async fn a_referral_entered_in_error_is_clawed_back_on_the_next_claim(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let person = Referred::new();
    let contract_id = with_activity(&mut running, &person, &[10]).await;
    let first = running
        .draft(&contract_id, &month(2))
        .await
        .expect("drafted");
    assert_eq!(pence(&first.total), 6_500);
    let in_error = status_changed(&person, "entered-in-error", on(1, 4));
    running.deliver(&in_error).await;

    let next = running
        .draft(&contract_id, &month(1))
        .await
        .expect("drafted");
    let taken_back: Vec<(i64, String, String)> = next
        .lines
        .iter()
        .map(|line| {
            (
                pence(&line.amount),
                line.clawback_of.clone(),
                line.source_event_id.clone(),
            )
        })
        .collect();
    let cause = in_error.event.event_id.to_string();
    let mut expected: Vec<(i64, String, String)> = first
        .lines
        .iter()
        .map(|line| (-pence(&line.amount), line.line_id.clone(), cause.clone()))
        .collect();
    let mut taken_back_sorted = taken_back.clone();
    taken_back_sorted.sort();
    expected.sort();
    assert_eq!(taken_back_sorted, expected);
    assert_eq!(pence(&next.total), -6_500);
    // The claim already drafted is as it was.
    let get = pb::GetClaimRequest {
        claim_id: first.claim_id.clone(),
    };
    let unchanged = running.client.get_claim(commissioner(get)).await;
    assert_eq!(unchanged.expect("read").into_inner(), first);
}

async fn of_two_approvers_racing_one_decides_and_the_other_is_told(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let person = Referred::new();
    let contract_id = with_activity(&mut running, &person, &[10]).await;
    let claim = running
        .draft(&contract_id, &month(2))
        .await
        .expect("drafted");
    let claim = submitted(&mut running, &claim).await;
    let approver = |user: &str, decision: pb::DecideClaimRequest| {
        let caller = identity::Caller::new(user, ICB, "commissioner");
        testkit::signed_in(&caller, tonic::Request::new(decision))
    };
    let (mut first, mut second) = (running.client.clone(), running.client.clone());
    let rejecting = pb::DecideClaimRequest {
        reason: "not this month".to_owned(),
        ..decide(&claim, "reject")
    };
    let (one, other) = tokio::join!(
        first.decide_claim(approver("approver-1", decide(&claim, "approve"))),
        second.decide_claim(approver("approver-2", rejecting)),
    );
    let (decided, refused) = match (one, other) {
        (Ok(decided), Err(refused)) | (Err(refused), Ok(decided)) => (decided, refused),
        (one, other) => panic!("exactly one decides: {one:?} {other:?}"),
    };
    let decided = decided.into_inner();
    assert!(["approved", "rejected"].contains(&decided.status.as_str()));
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert!(
        refused
            .message()
            .starts_with("the claim is already decided"),
        "{refused:?}"
    );
}

//! Contracts through the gRPC API: agreed by a commissioner for its own organisation, amended
//! by new versions and ended, read by its provider; unseen by anyone else; and every malformed
//! request refused naming the field.

use chrono::{Days, Utc};
use proto::billing::v1 as pb;
use testkit::BackendKind;
use tonic::Code;

use crate::helpers::{
    ICB, OTHER_ICB, OTHER_VCSE, VCSE, agreement, as_role, commissioner, month_start, per_session,
    provider, spawn, tariff,
};

testkit::on_both_backends!(
    a_commissioner_agrees_amends_and_ends_a_contract_its_provider_reads,
    every_malformed_contract_is_refused_naming_the_field,
);

fn in_days(days: u64) -> String {
    (Utc::now().date_naive() + Days::new(days)).to_string()
}

async fn a_commissioner_agrees_amends_and_ends_a_contract_its_provider_reads(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let mut request = agreement(
        vec![tariff("block", "£3,100"), per_session("15.00")],
        month_start(1),
    );
    request.caps = Some(pb::Caps {
        per_person: "300".to_owned(),
        ..Default::default()
    });
    request.eligibility = Some(pb::Eligibility {
        needs: vec!["loneliness".to_owned()],
        age_bands: vec!["65+".to_owned()],
    });
    let agreed = running.agree(request.clone()).await;
    assert_eq!(
        (agreed.commissioner.as_str(), agreed.provider.as_str()),
        (ICB, VCSE)
    );
    assert_eq!(agreed.funding, "icb");
    let version = &agreed.versions[0];
    assert_eq!((version.number, version.tariffs.len()), (1, 2));
    let block = version.tariffs[0].amount.clone().expect("an amount");
    assert_eq!((block.pence, block.text.as_str()), (310_000, "£3,100.00"));
    assert_eq!(version.tariffs[1].evidence, ["register", "qr-check-in"]);
    let caps = version.caps.clone().expect("caps");
    assert_eq!(caps.per_person.map(|cap| cap.pence), Some(30_000));
    assert_eq!(caps.total, None);
    // The same agreement again is a retry.
    assert_eq!(running.agree(request).await, agreed);

    let get = || pb::GetContractRequest {
        contract_id: agreed.contract_id.clone(),
    };
    let read = running.client.get_contract(provider(get())).await;
    assert_eq!(read.expect("the provider reads it").into_inner(), agreed);
    for (organisation, role) in [(OTHER_ICB, "commissioner"), (OTHER_VCSE, "vcse-provider")] {
        let hidden = running
            .client
            .get_contract(as_role(organisation, role, get()))
            .await;
        let status = hidden.expect_err("another organisation's contract");
        assert_eq!(status.code(), Code::NotFound, "{status:?}");
        assert_eq!(status.message(), "contract_id: no such contract of yours");
    }
    // A provider acting as one is not the commissioner, even of its own contract.
    let as_commissioner = running
        .client
        .get_contract(as_role(VCSE, "commissioner", get()))
        .await;
    assert_eq!(
        as_commissioner.expect_err("not its commissioner").code(),
        Code::NotFound
    );

    let amend = pb::AmendContractRequest {
        contract_id: agreed.contract_id.clone(),
        effective_from: in_days(1),
        tariffs: vec![tariff("block", "3200")],
        ..Default::default()
    };
    let elsewhere = running
        .client
        .amend_contract(as_role(OTHER_ICB, "commissioner", amend.clone()))
        .await;
    assert_eq!(elsewhere.expect_err("not theirs").code(), Code::NotFound);
    let amended = running.client.amend_contract(commissioner(amend)).await;
    let amended = amended.expect("amended").into_inner();
    assert_eq!(amended.versions.len(), 2);
    assert_eq!(amended.versions[1].number, 2);
    assert_eq!(amended.versions[0], agreed.versions[0], "never edited");

    let end = pb::EndContractRequest {
        contract_id: agreed.contract_id.clone(),
        last_day: in_days(30),
        reason: "recommissioned".to_owned(),
    };
    let ended = running.client.end_contract(commissioner(end)).await;
    assert_eq!(ended.expect("ended").into_inner().last_day, in_days(30));
    let late = pb::AmendContractRequest {
        contract_id: agreed.contract_id.clone(),
        effective_from: in_days(2),
        tariffs: vec![tariff("block", "1")],
        ..Default::default()
    };
    let refused = running.client.amend_contract(commissioner(late)).await;
    let status = refused.expect_err("an ended contract takes no more versions");
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
}

async fn every_malformed_contract_is_refused_naming_the_field(kind: BackendKind) {
    let mut running = spawn(kind).await;
    let good = || {
        agreement(
            vec![tariff("block", "100"), per_session("15")],
            month_start(0),
        )
    };
    let cases: Vec<(pb::AgreeContractRequest, Code, &str)> = vec![
        (
            pb::AgreeContractRequest {
                tariffs: vec![tariff("block", "12.345")],
                ..good()
            },
            Code::InvalidArgument,
            "tariffs[0].amount: more than two decimal places",
        ),
        (
            pb::AgreeContractRequest {
                tariffs: vec![tariff("block", "100"), per_session("0.00")],
                ..good()
            },
            Code::InvalidArgument,
            "tariffs[1].amount: more than £0.00",
        ),
        (
            pb::AgreeContractRequest {
                tariffs: vec![tariff("block", "100"), tariff("block", "200")],
                ..good()
            },
            Code::InvalidArgument,
            "tariffs[1]: one tariff per trigger",
        ),
        (
            pb::AgreeContractRequest {
                tariffs: vec![tariff("attended-session", "15")],
                ..good()
            },
            Code::InvalidArgument,
            "tariffs[0].evidence: at least one kind of evidence",
        ),
        (
            pb::AgreeContractRequest {
                tariffs: vec![pb::Tariff {
                    evidence: vec!["register".to_owned()],
                    ..tariff("block", "100")
                }],
                ..good()
            },
            Code::InvalidArgument,
            "tariffs[0].evidence: only for an attended-session tariff",
        ),
        (
            pb::AgreeContractRequest {
                tariffs: vec![pb::Tariff {
                    evidence: vec!["device".to_owned()],
                    ..tariff("attended-session", "15")
                }],
                ..good()
            },
            Code::InvalidArgument,
            "tariffs[0].evidence",
        ),
        (
            pb::AgreeContractRequest {
                caps: Some(pb::Caps {
                    per_month: "-5".to_owned(),
                    ..Default::default()
                }),
                ..good()
            },
            Code::InvalidArgument,
            "caps.per_month: more than £0.00 when given",
        ),
        (
            pb::AgreeContractRequest {
                caps: Some(pb::Caps {
                    total: "a lot".to_owned(),
                    ..Default::default()
                }),
                ..good()
            },
            Code::InvalidArgument,
            "caps.total: not an amount",
        ),
        (
            pb::AgreeContractRequest {
                effective_from: "2026-02-30".to_owned(),
                ..good()
            },
            Code::InvalidArgument,
            "effective_from",
        ),
        (
            pb::AgreeContractRequest {
                provider: ICB.to_owned(),
                ..good()
            },
            Code::InvalidArgument,
            "provider: another organisation than the commissioner",
        ),
        (
            pb::AgreeContractRequest {
                funding: "lottery".to_owned(),
                ..good()
            },
            Code::InvalidArgument,
            "funding",
        ),
    ];
    for (request, code, message) in cases {
        let refused = running.client.agree_contract(commissioner(request)).await;
        let status = refused.expect_err(message);
        assert_eq!(status.code(), code, "{status:?}");
        assert!(
            status.message().starts_with(message),
            "{message}: {status:?}"
        );
    }
    let as_provider = running.client.agree_contract(provider(good())).await;
    assert_eq!(
        as_provider.expect_err("a provider agrees nothing").code(),
        Code::PermissionDenied
    );

    let agreed = running.agree(good()).await;
    let amend = |effective_from: String| pb::AmendContractRequest {
        contract_id: agreed.contract_id.clone(),
        effective_from,
        tariffs: vec![tariff("block", "200")],
        ..Default::default()
    };
    let yesterday = (Utc::now().date_naive() - Days::new(1)).to_string();
    let backdated = running
        .client
        .amend_contract(commissioner(amend(yesterday)))
        .await;
    let status = backdated.expect_err("never retroactive");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().starts_with("effective_from:"),
        "{status:?}"
    );
    let end = |last_day: String, reason: &str| pb::EndContractRequest {
        contract_id: agreed.contract_id.clone(),
        last_day,
        reason: reason.to_owned(),
    };
    let yesterday = (Utc::now().date_naive() - Days::new(1)).to_string();
    let ended = running
        .client
        .end_contract(commissioner(end(yesterday, "over")))
        .await;
    let status = ended.expect_err("never retroactive");
    assert!(status.message().starts_with("last_day:"), "{status:?}");
    let unsaid = running
        .client
        .end_contract(commissioner(end(in_days(1), "")))
        .await;
    let status = unsaid.expect_err("an ending says why");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().starts_with("reason"), "{status:?}");
}

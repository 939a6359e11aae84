//! The NHS number vault: sealed in the log, readable only with the person's key, erasable
//! without breaking the log's hash chains.

use chrono::Utc;
use eventstore::{Actor, EventMetadata, ExpectedVersion, NewEvent};
use referral::domain::nhs_number::NhsNumber;
use referral::vault::{Vault, VaultKeys};
use testkit::{BackendKind, TestDatabase};
use uuid::Uuid;

testkit::on_both_backends!(
    sealed_numbers_open_only_until_the_persons_key_is_erased,
    pseudonyms_are_stable_per_key_and_reveal_nothing,
);

fn keys(pseudonym_key: u8) -> VaultKeys {
    VaultKeys {
        pseudonym_key: [pseudonym_key; 32],
        master_key: [7; 32],
    }
}

async fn sealed_numbers_open_only_until_the_persons_key_is_erased(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let store = database.store().await;
    referral::migrate(&store).await.expect("migrations");
    let vault = Vault::new(store.clone(), keys(1));
    let nhs = NhsNumber::parse("4010232137", false).expect("valid");

    let sealed = vault.seal(&nhs).await.expect("seal");
    let again = vault.seal(&nhs).await.expect("seal again");
    assert_eq!(sealed.subject, again.subject, "one person, one pseudonym");
    assert_ne!(sealed.ciphertext, again.ciphertext, "fresh nonce each time");
    assert!(!sealed.ciphertext.contains("4010232137") && !sealed.subject.contains("4010232137"));
    assert_eq!(vault.open(&sealed).await.expect("open"), Some(nhs.clone()));

    // The sealed number goes into the log, as a referral event carries it.
    let metadata = EventMetadata {
        correlation_id: Uuid::new_v4(),
        causation_id: None,
        traceparent: None,
        actor: Actor {
            id: "dr-patel".into(),
            organisation: "Y01234".into(),
            role: "referrer".into(),
        },
        data_subject: Some(sealed.subject.clone()),
        tenant: "QWE".into(),
    };
    let event = NewEvent::json(
        Uuid::now_v7(),
        "referral_requested",
        1,
        Utc::now(),
        &sealed,
        metadata,
    )
    .expect("json");
    store
        .append("referral-1", ExpectedVersion::NoStream, vec![event])
        .await
        .expect("append");

    let mut tampered = sealed.clone();
    tampered.ciphertext.replace_range(
        30..32,
        if &tampered.ciphertext[30..32] == "00" {
            "11"
        } else {
            "00"
        },
    );
    assert!(
        vault.open(&tampered).await.is_err(),
        "a changed ciphertext is refused, not misread"
    );

    assert!(vault.erase(&sealed.subject).await.expect("erase"));
    assert_eq!(
        vault.open(&sealed).await.expect("open"),
        None,
        "erased for good"
    );
    assert!(!vault.erase(&sealed.subject).await.expect("erase twice"));
    assert!(
        store.verify().await.expect("verify").is_intact(),
        "the log still verifies"
    );
}

async fn pseudonyms_are_stable_per_key_and_reveal_nothing(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let store = database.store().await;
    let nhs = NhsNumber::parse("4010232137", false).expect("valid");
    let one = Vault::new(store.clone(), keys(1));
    let other_key = Vault::new(store, keys(2));
    assert_eq!(one.pseudonym(&nhs), one.pseudonym(&nhs));
    assert_ne!(
        one.pseudonym(&nhs),
        other_key.pseudonym(&nhs),
        "keyed: no key, no linking"
    );
    let pseudonym = one.pseudonym(&nhs);
    assert!(pseudonym.starts_with("nhs-hmac:") && pseudonym.len() == "nhs-hmac:".len() + 64);
    assert!(
        !format!("{:?}", keys(1)).contains('1'),
        "keys never reach logs"
    );
}

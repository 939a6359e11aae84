//! What the directory says of a postcode's area (`GetPostcodeArea`): the English IMD decile the
//! loaded ONS Postcode Directory gives it. The referral service asks this on behalf of whoever
//! makes a referral, so anyone signed in may; a postcode it does not know is NOT_FOUND and one
//! that is not a postcode INVALID_ARGUMENT, neither repeating what was sent.

use directory::domain::deprivation::decile;
use directory::domain::postcode::Postcode;
use directory::postcodes::{DEMO_REGION_CSV, PostcodeDirectory};
use proto::directory::v1 as pb;
use proto::directory::v1::directory_service_client::DirectoryServiceClient;
use testkit::{BackendKind, TestStorage};
use tonic::{Code, Request};

use crate::helpers::{as_role, prepared, spawn_on};

testkit::on_both_backends!(
    a_known_postcode_has_the_decile_of_its_rank_and_others_are_refused,
    a_file_without_ranks_leaves_its_postcodes_without_a_decile,
);

/// Three postcodes: the most deprived rank there is, the least, and one with no rank given.
const CSV: &str = "\
pcds,lat,long,imd
LW1 1AN,53.0,-1.5,1
LW1 1DA,53.0,-1.4,32844
LW1 1FT,53.0,-1.3,
";

fn area(postcode: &str) -> pb::GetPostcodeAreaRequest {
    pb::GetPostcodeAreaRequest {
        postcode: postcode.to_owned(),
    }
}

async fn a_known_postcode_has_the_decile_of_its_rank_and_others_are_refused(kind: BackendKind) {
    let storage = TestStorage::new(kind).await;
    prepared(&storage, CSV).await;
    let spawned = spawn_on(storage).await;
    let mut client = DirectoryServiceClient::new(spawned.channel.clone());
    // Open data: a citizen may ask as well as a link worker; any case and spacing.
    let ask = |who: (&str, &str, &str), postcode: &str| {
        let mut client = client.clone();
        let request = as_role(who.0, who.1, who.2, area(postcode));
        async move { client.get_postcode_area(request).await }
    };
    let link_worker = ("lw-ana", "PCN-LW-01", "link-worker");
    let citizen = ("someone", "NHS-LOGIN", "citizen");
    for (who, postcode, expected) in [
        (link_worker, "LW1 1AN", Some(1)),
        (citizen, "lw11da", Some(10)),
        (link_worker, " lw1  1ft ", None),
    ] {
        let answer = ask(who, postcode).await.expect(postcode).into_inner();
        assert_eq!(answer.imd_decile, expected, "{postcode}");
    }
    let unknown = ask(link_worker, "SW1A 1AA").await.expect_err("unknown");
    assert_eq!(
        (unknown.code(), unknown.message()),
        (Code::NotFound, "postcode: not a known postcode")
    );
    for bad in ["SW1A 1CA", "nowhere", "LW1"] {
        let refused = ask(link_worker, bad).await.expect_err(bad);
        assert_eq!(refused.code(), Code::InvalidArgument, "{bad}");
        assert!(
            refused.message().starts_with("postcode"),
            "{bad}: {refused:?}"
        );
        assert!(
            !refused.message().contains(bad),
            "never repeated: {refused:?}"
        );
    }
    let missing = ask(link_worker, "").await.expect_err("required");
    assert_eq!(missing.code(), Code::InvalidArgument);
    let anonymous = client
        .get_postcode_area(Request::new(area("LW1 1AN")))
        .await
        .expect_err("no identity");
    assert_eq!(anonymous.code(), Code::Unauthenticated);
}

async fn a_file_without_ranks_leaves_its_postcodes_without_a_decile(kind: BackendKind) {
    let storage = TestStorage::new(kind).await;
    let store = prepared(&storage, DEMO_REGION_CSV).await;
    let postcodes = PostcodeDirectory::new(store);
    let postcode = Postcode::parse("LW1 1AN").expect("valid");
    // The demo sample's (synthetic) rank for LW1 1AN is 10125: the fourth decile.
    let known = postcodes
        .area(&postcode)
        .await
        .expect("lookup")
        .expect("known");
    assert_eq!(known.imd_decile, decile(10_125));
    assert_eq!(known.imd_decile, Some(4));
    let unknown = Postcode::parse("SW1A 1AA").expect("valid");
    assert_eq!(postcodes.area(&unknown).await.expect("lookup"), None);
    // A later file without the column is the ONS's whole word: the rank goes.
    postcodes
        .load_csv("pcds,lat,long\nLW1 1AN,53.0,-1.5\n".as_bytes(), |_| {})
        .await
        .expect("reload");
    let cleared = postcodes
        .area(&postcode)
        .await
        .expect("lookup")
        .expect("known");
    assert_eq!(cleared.imd_decile, None);
}

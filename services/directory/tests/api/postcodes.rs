//! Loading postcode centroids from an ONS-format file, row by row, into the directory's table.

use directory::domain::postcode::Postcode;
use directory::postcodes::{DEMO_REGION_CSV, LoadError, PostcodeDirectory};
use testkit::{BackendKind, TestDatabase};

testkit::on_both_backends!(
    the_demo_sample_loads_and_resolves,
    a_bad_row_stops_the_load_naming_its_line,
);

async fn directory(database: &TestDatabase) -> PostcodeDirectory {
    let store = database.store().await;
    directory::migrate(&store).await.expect("migrate");
    PostcodeDirectory::new(store)
}

async fn the_demo_sample_loads_and_resolves(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let postcodes = directory(&database).await;
    let mut reported = Vec::new();
    let loaded = postcodes
        .load_csv(DEMO_REGION_CSV.as_bytes(), |bytes| reported.push(bytes))
        .await
        .expect("load");
    assert_eq!(loaded, 432);
    assert_eq!(reported.last().copied(), Some(DEMO_REGION_CSV.len() as u64));
    assert_eq!(postcodes.count().await.expect("count"), 432);
    let point = postcodes
        .locate(&Postcode::parse("lw11an").expect("valid"))
        .await
        .expect("lookup")
        .expect("known");
    assert!((point.latitude - 53.014018).abs() < 1e-9);
    assert!((point.longitude + 1.507315).abs() < 1e-9);
    // Loading again replaces rather than duplicates.
    postcodes
        .load_csv(DEMO_REGION_CSV.as_bytes(), |_| {})
        .await
        .expect("reload");
    assert_eq!(postcodes.count().await.expect("count"), 432);
}

async fn a_bad_row_stops_the_load_naming_its_line(kind: BackendKind) {
    let database = TestDatabase::new(kind).await;
    let postcodes = directory(&database).await;
    let csv = "pcds,lat,long\nLW1 1AN,53.0,-1.5\nLW1 1DA,north,-1.4\n";
    let error = postcodes
        .load_csv(csv.as_bytes(), |_| {})
        .await
        .expect_err("refused");
    assert!(matches!(error, LoadError::Format(_)), "{error:?}");
    assert_eq!(error.to_string(), "line 3: lat \"north\" is not a number");
}

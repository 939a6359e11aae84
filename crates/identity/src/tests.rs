use http::HeaderMap;
use tonic::metadata::MetadataMap;

use super::*;

fn ana() -> Caller {
    Caller::new("lw-ana", "PCN-LW-01", "link-worker")
}

#[test]
fn a_caller_presented_is_the_caller_read() {
    let mut metadata = MetadataMap::new();
    ana().present(&mut metadata).expect("ascii");
    assert_eq!(Caller::from_metadata(&metadata), Ok(ana()));
    let mut headers = HeaderMap::new();
    for (name, value) in ana().http_headers().expect("ascii") {
        headers.insert(name, value);
    }
    assert_eq!(Caller::from_headers(&headers), Ok(ana()));
}

#[test]
fn a_missing_or_unusable_part_is_named() {
    let mut metadata = MetadataMap::new();
    ana().present(&mut metadata).expect("ascii");
    metadata.remove(ROLE);
    assert_eq!(
        Caller::from_metadata(&metadata),
        Err(Unidentified { header: ROLE })
    );
    metadata.insert(ROLE, "x".repeat(201).parse().expect("ascii"));
    assert_eq!(
        Caller::from_metadata(&metadata),
        Err(Unidentified { header: ROLE })
    );
    metadata.insert(ROLE, "  ".parse().expect("ascii"));
    let status = tonic::Status::from(Caller::from_metadata(&metadata).expect_err("blank"));
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    assert!(status.message().starts_with(ROLE), "{}", status.message());
    assert!(Caller::new("ana", "Ö", "x").present(&mut metadata).is_err());
}

#[test]
fn the_gateway_forwards_what_arrived_but_nothing_oversized() {
    let mut headers = HeaderMap::new();
    for (name, value) in ana().http_headers().expect("ascii") {
        headers.insert(name, value);
    }
    let correlation = "9f0c3c1e-8f9d-4a43-9d0e-0f3c1e8f9d4a";
    headers.insert(CORRELATION, correlation.parse().expect("ascii"));
    headers.insert(USER, "u".repeat(7_000).parse().expect("ascii"));
    headers.insert(
        "authorization",
        "Bearer not-forwarded".parse().expect("ascii"),
    );
    let mut metadata = MetadataMap::new();
    forward(&headers, &mut metadata);
    assert!(
        metadata.get(USER).is_none(),
        "oversized headers are dropped"
    );
    assert_eq!(
        metadata.get(ORGANISATION).and_then(|v| v.to_str().ok()),
        Some("PCN-LW-01")
    );
    assert_eq!(correlation_id(&metadata).to_string(), correlation);
    assert!(metadata.get("authorization").is_none());
    assert!(
        is_correlation_id(correlation) && !is_correlation_id("9f0c3c1e8f9d4a439d0e0f3c1e8f9d4a")
    );
}

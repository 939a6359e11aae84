//! The fixture feed (`tests/fixtures/feed`), as files, as edited copies, and served by a tiny
//! Open Referral UK API on 127.0.0.1:0.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Json;
use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use uuid::Uuid;

/// The fixture's folder.
pub(crate) fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feed")
}

/// The fixture's pages, parsed.
pub(crate) fn pages() -> Vec<Value> {
    ["page-1.json", "page-2.json"]
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(fixture().join(name)).expect("fixture page");
            serde_json::from_str(&text).expect("fixture JSON")
        })
        .collect()
}

/// A folder of feed files of the test's own, removed when dropped.
#[derive(Debug)]
pub(crate) struct FeedCopy {
    pub(crate) dir: PathBuf,
}

impl FeedCopy {
    /// Writes `pages` as `page-1.json`, `page-2.json`, ….
    pub(crate) fn new(pages: &[Value]) -> Self {
        let dir = std::env::temp_dir().join(format!("linkwork-feed-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (index, page) in pages.iter().enumerate() {
            let text = serde_json::to_string_pretty(page).expect("JSON");
            std::fs::write(dir.join(format!("page-{}.json", index + 1)), text).expect("write");
        }
        Self { dir }
    }

    /// The folder, as a source argument.
    pub(crate) fn path(&self) -> &str {
        self.dir.to_str().expect("a UTF-8 temp path")
    }
}

impl Drop for FeedCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The service `id` of `pages`, to edit.
pub(crate) fn service_mut<'a>(pages: &'a mut [Value], id: &str) -> &'a mut Value {
    pages
        .iter_mut()
        .flat_map(|page| page["contents"].as_array_mut().expect("contents"))
        .find(|service| service["id"] == id)
        .expect("fixture service")
}

/// What the fake API serves, and how often it was asked for page 2.
struct Api {
    pages: Vec<Value>,
    page_two_requests: Arc<AtomicUsize>,
}

/// Serves the fixture as an ORUK API: minimal list pages (page 2 fails once with 503, to be
/// retried), services in full but with only their organisation's id (so the importer fetches
/// `/organizations/{id}`), and `/taxonomies`. Returns the base URL and how many times page 2 was asked for.
pub(crate) async fn serve() -> (String, Arc<AtomicUsize>) {
    let page_two_requests = Arc::new(AtomicUsize::new(0));
    let api = Arc::new(Api {
        pages: pages(),
        page_two_requests: page_two_requests.clone(),
    });
    let router = Router::new()
        .route("/oruk/services", get(list))
        .route("/oruk/services/{id}", get(service))
        .route("/oruk/organizations/{id}", get(organization))
        .route("/oruk/taxonomies", get(taxonomies))
        .with_state(api);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}/oruk"), page_two_requests)
}

fn services(api: &Api) -> impl Iterator<Item = &Value> {
    api.pages
        .iter()
        .flat_map(|page| page["contents"].as_array().expect("contents"))
}

async fn list(
    State(api): State<Arc<Api>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let number: usize = query.get("page").and_then(|n| n.parse().ok()).unwrap_or(1);
    if number == 2 && api.page_two_requests.fetch_add(1, Ordering::SeqCst) == 0 {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let Some(page) = api.pages.get(number - 1) else {
        return Json(json!({"total_pages": 2, "page_number": number, "empty": true, "last_page": true, "contents": []})).into_response();
    };
    let mut page = page.clone();
    let minimal: Vec<Value> = page["contents"]
        .as_array()
        .expect("contents")
        .iter()
        .map(|service| json!({"id": service["id"], "name": service["name"], "status": service["status"]}))
        .collect();
    page["contents"] = Value::Array(minimal);
    Json(page).into_response()
}

async fn service(State(api): State<Arc<Api>>, UrlPath(id): UrlPath<String>) -> Response {
    let Some(found) = services(&api).find(|service| service["id"] == id.as_str()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut found = found.clone();
    let organisation = found
        .as_object_mut()
        .expect("a service object")
        .remove("organization")
        .expect("the fixture nests organisations");
    found["organization_id"] = organisation["id"].clone();
    Json(found).into_response()
}

async fn organization(State(api): State<Arc<Api>>, UrlPath(id): UrlPath<String>) -> Response {
    match services(&api).find(|service| service["organization"]["id"] == id.as_str()) {
        Some(service) => Json(service["organization"].clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn taxonomies(State(api): State<Arc<Api>>) -> Response {
    let listed: Vec<Value> = services(&api)
        .flat_map(|service| {
            service["attributes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|attribute| {
            let detail = attribute["taxonomy_term"]["taxonomy_detail"].clone();
            (!detail.is_null()).then_some(detail)
        })
        .take(1)
        .collect();
    Json(json!({"total_items": 1, "total_pages": 1, "page_number": 1, "last_page": true, "contents": listed}))
        .into_response()
}

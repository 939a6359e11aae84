//! Reading a feed: from an Open Referral UK API, or from files saved from one.
//!
//! An API is paged through `GET {base}/services?page=N&per_page=100` until its last page, and
//! each listed service is fetched in full from `GET {base}/services/{id}` (lists may be
//! minimal); `GET {base}/taxonomies` names the taxonomies, and `GET {base}/organizations/{id}`
//! fills in an organisation a service only names. Files hold one page (`{"contents": […]}`) or
//! an array of services, each in full; a directory's `*.json` files are read in name order.
//!
//! Feeds are untrusted: every response and file is bounded in size, every request in time, and
//! a failed GET is retried with back-off when the failure may pass. A page that cannot be read
//! stops the import with an error naming the URL or file and where in it; a single record that
//! cannot be read is reported and skipped.

mod api;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ids::Kind;
use super::report::{Problem, Progress, Stage};
use crate::hsds::{Organization, Page, Service, Taxonomy};

/// Items asked for per page.
const PER_PAGE: u32 = 100;

/// How much an import trusts a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest response body or file, in bytes.
    pub max_bytes: usize,
    /// Longest a request may take, redirects and body included.
    pub timeout: Duration,
    /// Tries of a GET whose failure may pass (a timeout, a dropped connection, 429, 5xx).
    pub attempts: u32,
    /// Wait before the second try; doubled before each further one.
    pub backoff: Duration,
    /// Most list pages read before the feed is taken to be paging forever.
    pub max_pages: u64,
    /// Service records fetched at once.
    pub concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 20 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            attempts: 4,
            backoff: Duration::from_millis(500),
            max_pages: 10_000,
            concurrency: 4,
        }
    }
}

/// Why a feed could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Neither an http(s) URL nor a path.
    #[error("{0:?} is neither an http(s) URL of an Open Referral UK API nor a path")]
    NotASource(String),
    /// TLS could not be set up (e.g. no root certificates on this system).
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    /// A GET failed for good, or kept failing.
    #[error("GET {url}: {reason}")]
    Http {
        /// The URL.
        url: String,
        /// Why, e.g. "HTTP 403 Forbidden".
        reason: String,
    },
    /// A file could not be read.
    #[error("{origin}: {source}")]
    Read {
        /// The file.
        origin: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file is larger than the limit.
    #[error("{origin}: larger than {limit} bytes")]
    TooLarge {
        /// The file.
        origin: String,
        /// The limit.
        limit: usize,
    },
    /// A page is not JSON of the expected shape.
    #[error("{origin}: at {path}: {message}")]
    Malformed {
        /// The URL or file.
        origin: String,
        /// Where in it, e.g. `contents` or `total_pages`.
        path: String,
        /// What is wrong, with the line and column when known.
        message: String,
    },
    /// The API kept returning pages.
    #[error("{url}: still paging after {max} pages")]
    TooManyPages {
        /// The list's URL.
        url: String,
        /// The limit.
        max: u64,
    },
    /// A directory with no `*.json` files.
    #[error("{0}: no *.json files")]
    NoFiles(String),
}

/// Where a feed is read from, and the name its records are kept under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    origin: Origin,
    feed: String,
    limits: Limits,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// An ORUK API's base URL, without a trailing slash.
    Api(String),
    /// A JSON file or a directory of them.
    Files(PathBuf),
}

/// Everything read from a feed, before anything is written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Feed {
    /// The services, in feed order, each in full.
    pub services: Vec<Service>,
    /// The feed's taxonomies, where it lists them (an API's `/taxonomies`).
    pub taxonomies: Vec<Taxonomy>,
    /// Organisations fetched on their own, for services that only name theirs.
    pub organizations: Vec<Organization>,
    /// Records that could not be read, with where and why.
    pub malformed: Vec<Problem>,
}

impl Source {
    /// A source from what an operator typed: an `http://` or `https://` base URL (e.g.
    /// `https://example.org/oruk`) or a local path. Its feed name, which our ids and the
    /// provenance of every record derive from, is the URL or the absolute path.
    pub fn parse(text: &str) -> Result<Self, SourceError> {
        let text = text.trim();
        let origin = if text.starts_with("http://") || text.starts_with("https://") {
            let base = text.trim_end_matches('/');
            let uri: http::Uri = base
                .parse()
                .map_err(|_| SourceError::NotASource(text.to_owned()))?;
            if uri.authority().is_none() || uri.query().is_some() {
                return Err(SourceError::NotASource(text.to_owned()));
            }
            Origin::Api(base.to_owned())
        } else if text.is_empty() || text.contains("://") {
            return Err(SourceError::NotASource(text.to_owned()));
        } else {
            let path = PathBuf::from(text);
            Origin::Files(std::path::absolute(&path).unwrap_or(path))
        };
        let feed = match &origin {
            Origin::Api(base) => base.clone(),
            Origin::Files(path) => path.display().to_string(),
        };
        Ok(Self {
            origin,
            feed,
            limits: Limits::default(),
        })
    }

    /// The same source kept under another feed name: for files saved from an API, so they
    /// update the records the API's import made (and for a feed that moved).
    pub fn with_feed(mut self, feed: impl Into<String>) -> Self {
        self.feed = feed.into();
        self
    }

    /// The same source with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The name its records are kept under.
    pub fn feed(&self) -> &str {
        &self.feed
    }

    /// Reads the whole feed.
    pub async fn read(&self, progress: &mut impl FnMut(Progress)) -> Result<Feed, SourceError> {
        match &self.origin {
            Origin::Api(base) => api::read(base, self.limits, progress).await,
            Origin::Files(path) => read_files(path, self.limits, progress).await,
        }
    }
}

/// Reads a JSON file, or a directory's `*.json` files in name order.
async fn read_files(
    path: &Path,
    limits: Limits,
    progress: &mut impl FnMut(Progress),
) -> Result<Feed, SourceError> {
    let files = list_files(path.to_owned()).await?;
    let mut feed = Feed::default();
    let total = files.len() as u64;
    for (number, file) in files.into_iter().enumerate() {
        let origin = file.display().to_string();
        let body = read_bounded(file, limits.max_bytes).await?;
        let (items, prefix) = match decode::<Value>(&body, &origin)? {
            Value::Array(items) => (items, String::new()),
            page @ Value::Object(_) => {
                let page: Page<Value> = serde_path_to_error::deserialize(page)
                    .map_err(|error| malformed(&origin, error))?;
                (page.contents, "contents".to_owned())
            }
            _ => {
                return Err(SourceError::Malformed {
                    origin,
                    path: ".".to_owned(),
                    message: "expected a page of services or an array of services".to_owned(),
                });
            }
        };
        for (index, item) in items.into_iter().enumerate() {
            match record::<Service>(item, &format!("{origin}: {prefix}[{index}]")) {
                Ok(service) => feed.services.push(service),
                Err((id, reason)) => feed.malformed.push(Problem {
                    kind: Kind::Service,
                    original_id: id,
                    reason,
                }),
            }
        }
        progress(Progress {
            stage: Stage::Listing,
            done: number as u64 + 1,
            total: Some(total),
        });
    }
    Ok(feed)
}

/// The file itself, or a directory's `*.json` files sorted by name.
async fn list_files(path: PathBuf) -> Result<Vec<PathBuf>, SourceError> {
    let origin = path.display().to_string();
    let listed = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<PathBuf>> {
        if !std::fs::metadata(&path)?.is_dir() {
            return Ok(vec![path]);
        }
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&path)? {
            let file = entry?.path();
            if file.is_file() && file.extension().is_some_and(|ext| ext == "json") {
                files.push(file);
            }
        }
        files.sort();
        Ok(files)
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|listed| listed)
    .map_err(|source| SourceError::Read {
        origin: origin.clone(),
        source,
    })?;
    if listed.is_empty() {
        return Err(SourceError::NoFiles(origin));
    }
    Ok(listed)
}

/// A file's bytes, refusing one larger than `limit`.
async fn read_bounded(file: PathBuf, limit: usize) -> Result<Vec<u8>, SourceError> {
    use std::io::Read as _;
    let origin = file.display().to_string();
    let body = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        let mut body = Vec::new();
        std::fs::File::open(&file)?
            .take(limit as u64 + 1)
            .read_to_end(&mut body)?;
        Ok(body)
    })
    .await
    .map_err(std::io::Error::other)
    .and_then(|read| read)
    .map_err(|source| SourceError::Read {
        origin: origin.clone(),
        source,
    })?;
    if body.len() > limit {
        return Err(SourceError::TooLarge { origin, limit });
    }
    Ok(body)
}

/// Parses a whole document, naming where it is malformed.
fn decode<T: DeserializeOwned>(body: &[u8], origin: &str) -> Result<T, SourceError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| malformed(origin, error))?;
    deserializer.end().map_err(|error| SourceError::Malformed {
        origin: origin.to_owned(),
        path: ".".to_owned(),
        message: error.to_string(),
    })?;
    Ok(value)
}

fn malformed(origin: &str, error: serde_path_to_error::Error<serde_json::Error>) -> SourceError {
    SourceError::Malformed {
        origin: origin.to_owned(),
        path: error.path().to_string(),
        message: error.into_inner().to_string(),
    }
}

/// One record of a list, or its id (if it has one) and why it cannot be read.
fn record<T: DeserializeOwned>(item: Value, origin: &str) -> Result<T, (String, String)> {
    let id = item
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    serde_path_to_error::deserialize(item).map_err(|error| {
        let path = error.path().to_string();
        (id, format!("{origin}.{path}: {}", error.into_inner()))
    })
}

fn problem(kind: Kind, original_id: &str, error: SourceError) -> Problem {
    Problem {
        kind,
        original_id: original_id.to_owned(),
        reason: error.to_string(),
    }
}

/// Percent-encodes an id for a URL path segment (feed ids are usually UUIDs, but need not be).
fn encode(id: &str) -> String {
    let mut encoded = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::{Origin, Source, SourceError, decode, encode};

    #[test]
    fn urls_and_paths_are_told_apart() {
        let api = Source::parse("https://example.org/oruk/").expect("a URL");
        assert_eq!(
            api.origin,
            Origin::Api("https://example.org/oruk".to_owned())
        );
        assert_eq!(api.feed(), "https://example.org/oruk");
        let files = Source::parse("feed/page-1.json").expect("a path");
        assert!(matches!(files.origin, Origin::Files(ref path) if path.is_absolute()));
        assert!(Source::parse("ftp://example.org/feed").is_err());
        assert!(Source::parse("https://example.org/oruk?key=1").is_err());
        assert_eq!(files.with_feed("saved").feed(), "saved");
    }

    #[test]
    fn malformed_json_is_reported_with_its_origin_path_and_position() {
        let error = decode::<crate::hsds::Page<crate::hsds::Service>>(
            br#"{"total_pages": "two", "contents": []}"#,
            "page-1.json",
        )
        .expect_err("malformed");
        let SourceError::Malformed {
            origin,
            path,
            message,
        } = &error
        else {
            panic!("{error:?}");
        };
        assert_eq!(origin, "page-1.json");
        assert_eq!(path, "total_pages");
        assert!(message.contains("line 1 column"), "{message}");
    }

    #[test]
    fn ids_are_percent_encoded_in_paths() {
        assert_eq!(encode("a1-b_c.d~e"), "a1-b_c.d~e");
        assert_eq!(encode("x/y z"), "x%2Fy%20z");
    }
}

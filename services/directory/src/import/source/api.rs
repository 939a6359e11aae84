//! Reading an Open Referral UK API: its service list, each service in full, the organisations
//! services only name, and its taxonomies.

use std::collections::HashSet;

use futures::{StreamExt, stream};
use serde_json::Value;

use super::{Feed, Limits, PER_PAGE, SourceError, decode, encode, problem, record};
use crate::hsds::{Organization, Page, Service, Taxonomy};
use crate::import::fetch::Fetcher;
use crate::import::ids::Kind;
use crate::import::report::{Problem, Progress, Stage};

/// Reads the API at `base` whole.
pub(super) async fn read(
    base: &str,
    limits: Limits,
    progress: &mut impl FnMut(Progress),
) -> Result<Feed, SourceError> {
    let api = Api {
        base,
        fetcher: Fetcher::new(limits)?,
        limits,
    };
    api.read(progress).await
}

/// An ORUK API being read.
struct Api<'a> {
    base: &'a str,
    fetcher: Fetcher,
    limits: Limits,
}

impl Api<'_> {
    async fn read(&self, progress: &mut impl FnMut(Progress)) -> Result<Feed, SourceError> {
        let mut feed = Feed::default();
        let listed = self.list("services", true, progress).await?;
        let mut ids = Vec::new();
        let mut seen = HashSet::new();
        for (index, item) in listed.into_iter().enumerate() {
            match item.get("id").and_then(Value::as_str) {
                Some(id) if seen.insert(id.to_owned()) => ids.push(id.to_owned()),
                Some(_) => {}
                None => feed.malformed.push(Problem {
                    kind: Kind::Service,
                    original_id: String::new(),
                    reason: format!("{}/services: item {index} has no string id", self.base),
                }),
            }
        }
        self.services(ids, &mut feed, progress).await?;
        self.organizations(&mut feed).await?;
        for item in self.list("taxonomies", false, &mut |_| {}).await? {
            match record::<Taxonomy>(item, &format!("{}/taxonomies", self.base)) {
                Ok(taxonomy) => feed.taxonomies.push(taxonomy),
                Err((id, reason)) => feed.malformed.push(Problem {
                    kind: Kind::Taxonomy,
                    original_id: id,
                    reason,
                }),
            }
        }
        Ok(feed)
    }

    /// Fetches each listed service in full, a few at a time, keeping the list's order.
    async fn services(
        &self,
        ids: Vec<String>,
        feed: &mut Feed,
        progress: &mut impl FnMut(Progress),
    ) -> Result<(), SourceError> {
        let total = ids.len() as u64;
        let mut fetched = stream::iter(ids)
            .map(|id| async move {
                let url = format!("{}/services/{}", self.base, encode(&id));
                let body = self.fetcher.get(&url).await;
                (id, url, body)
            })
            .buffered(self.limits.concurrency.max(1));
        let mut done = 0;
        while let Some((id, url, body)) = fetched.next().await {
            match body? {
                Some(body) => match decode::<Service>(&body, &url) {
                    Ok(service) => feed.services.push(service),
                    Err(error) => feed.malformed.push(problem(Kind::Service, &id, error)),
                },
                None => feed.malformed.push(Problem {
                    kind: Kind::Service,
                    original_id: id,
                    reason: format!("listed, but {url} is not found"),
                }),
            }
            done += 1;
            progress(Progress {
                stage: Stage::Fetching,
                done,
                total: Some(total),
            });
        }
        Ok(())
    }

    /// Every item of a paged list. A missing optional list (`/taxonomies` answering 404) is
    /// empty; a missing `/services` is an error.
    async fn list(
        &self,
        what: &str,
        required: bool,
        progress: &mut impl FnMut(Progress),
    ) -> Result<Vec<Value>, SourceError> {
        let mut items = Vec::new();
        let mut ids = HashSet::new();
        for number in 1..=self.limits.max_pages {
            let url = format!("{}/{what}?page={number}&per_page={PER_PAGE}", self.base);
            let Some(body) = self.fetcher.get(&url).await? else {
                if required || number > 1 {
                    return Err(SourceError::Http {
                        url,
                        reason: "HTTP 404 Not Found".to_owned(),
                    });
                }
                return Ok(items);
            };
            let page: Page<Value> = decode(&body, &url)?;
            let fresh = page
                .contents
                .iter()
                .filter(|item| match item.get("id").and_then(Value::as_str) {
                    Some(id) => ids.insert(id.to_owned()),
                    None => true,
                })
                .count();
            let total_pages = page.total_pages;
            let last = page.last_page
                || page.contents.is_empty()
                || (total_pages > 0 && number >= total_pages)
                || fresh == 0;
            items.extend(page.contents);
            if required {
                progress(Progress {
                    stage: Stage::Listing,
                    done: number,
                    total: (total_pages > 0).then_some(total_pages),
                });
            }
            if last {
                return Ok(items);
            }
        }
        Err(SourceError::TooManyPages {
            url: format!("{}/{what}", self.base),
            max: self.limits.max_pages,
        })
    }

    /// Fetches the organisations that services name without nesting.
    async fn organizations(&self, feed: &mut Feed) -> Result<(), SourceError> {
        let mut wanted = Vec::new();
        // Organisations nested in some service need no request of their own.
        let nested = feed.services.iter().filter_map(|s| s.organization.as_ref());
        let mut asked: HashSet<String> = nested.map(|o| o.id.clone()).collect();
        for service in &feed.services {
            if service.organization.is_none()
                && let Some(id) = &service.organization_id
                && asked.insert(id.clone())
            {
                wanted.push(id.clone());
            }
        }
        for id in wanted {
            let url = format!("{}/organizations/{}", self.base, encode(&id));
            match self.fetcher.get(&url).await? {
                Some(body) => match decode::<Organization>(&body, &url) {
                    Ok(organization) => feed.organizations.push(organization),
                    Err(error) => feed.malformed.push(problem(Kind::Organization, &id, error)),
                },
                None => feed.malformed.push(Problem {
                    kind: Kind::Organization,
                    original_id: id,
                    reason: format!("{url} is not found"),
                }),
            }
        }
        Ok(())
    }
}

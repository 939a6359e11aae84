//! A small directory served over the ORUK HTTP API for the `oruk` tests: built through the
//! application's commands into a real log, then the service started on it as `linkwork serve
//! directory` starts it, and called with plain HTTP/1.1 over a socket.
//!
//! Every id is a UUID, as HSDS requires. Home is a postcode centroid; the hall is 0.01° (about
//! 1.1 km) north of it and the park 0.05° (about 5.6 km) north.

use std::net::SocketAddr;

use chrono::{Duration, NaiveTime, Utc, Weekday};
use directory::app::DirectoryApp;
use directory::domain::entry::EntryCommand;
use directory::domain::records::{Address, Location, Organization, Taxonomy, TaxonomyTerm};
use directory::domain::satellites::{Contact, CostOption, Schedule};
use directory::domain::service::{Capacity, Command, Details, WaitlistBand};
use eventstore::Position;
use serde_json::Value;
use testkit::{BackendKind, Spawned, TestStorage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::context;

pub(crate) const HOME: &str = "LE1 6ZZ";
pub(crate) const HALL_POSTCODE: &str = "LE2 1AA";
pub(crate) const PARK_POSTCODE: &str = "LE3 9QQ";
/// A well-formed postcode the centroid table does not know.
pub(crate) const UNKNOWN_POSTCODE: &str = "LE9 9ZZ";

pub(crate) const ORG: &str = "0190a2b4-0000-7000-8000-000000000101";
pub(crate) const NEEDS: &str = "0190a2b4-0000-7000-8000-000000000102";
pub(crate) const LONELINESS: &str = "0190a2b4-0000-7000-8000-000000000103";
pub(crate) const ACTIVITY: &str = "0190a2b4-0000-7000-8000-000000000104";
pub(crate) const WALKING: &str = "0190a2b4-0000-7000-8000-000000000105";
pub(crate) const HALL: &str = "0190a2b4-0000-7000-8000-000000000106";
pub(crate) const PARK: &str = "0190a2b4-0000-7000-8000-000000000107";
/// Verified just now, at the hall.
pub(crate) const LUNCH: &str = "0190a2b4-0000-7000-8000-000000000108";
/// Verified 400 days ago (stale after 180), at the park, full with a waiting list.
pub(crate) const WALK: &str = "0190a2b4-0000-7000-8000-000000000109";
/// Verified, then suspended; at the hall.
pub(crate) const CHOIR: &str = "0190a2b4-0000-7000-8000-00000000010a";
/// Verified, then withdrawn; nowhere.
pub(crate) const ARCHIVE: &str = "0190a2b4-0000-7000-8000-00000000010b";
pub(crate) const LUNCH_AT_HALL: &str = "0190a2b4-0000-7000-8000-00000000010c";
pub(crate) const WALK_AT_PARK: &str = "0190a2b4-0000-7000-8000-00000000010d";
pub(crate) const CHOIR_AT_HALL: &str = "0190a2b4-0000-7000-8000-00000000010e";
/// No record has this id.
pub(crate) const MISSING: &str = "0190a2b4-0000-7000-8000-0000000001ff";

/// The directory's ORUK API on a free port, until dropped.
pub(crate) struct Served {
    /// Where it listens.
    pub(crate) address: SocketAddr,
    _spawned: Spawned,
}

/// Builds the directory on `kind` and serves it.
pub(crate) async fn serve(kind: BackendKind) -> Served {
    let storage = TestStorage::new(kind).await;
    let centroids = format!(
        "pcds,lat,long\n{HOME},52.6,-1.1\n{HALL_POSTCODE},52.61,-1.1\n{PARK_POSTCODE},52.65,-1.1\n"
    );
    let store = crate::helpers::prepared(&storage, &centroids).await;
    let app = DirectoryApp::new(store);
    reference_records(&app).await;
    services(&app).await;
    let spawned = crate::helpers::spawn_on(storage).await;
    Served {
        address: spawned.http,
        _spawned: spawned,
    }
}

async fn reference_records(app: &DirectoryApp) {
    let taxonomy = Taxonomy {
        name: "Social prescribing needs".to_owned(),
        description: "What matters to people".to_owned(),
        uri: Some("https://example.org/needs".to_owned()),
        version: Some("1".to_owned()),
    };
    app.record(NEEDS, EntryCommand::Register(taxonomy), &context())
        .await
        .expect("taxonomy");
    for (id, name, parent) in [
        (LONELINESS, "Loneliness and isolation", None),
        (ACTIVITY, "Physical activity", None),
        (WALKING, "Walking", Some(ACTIVITY)),
    ] {
        let term = TaxonomyTerm {
            taxonomy_id: NEEDS.to_owned(),
            code: Some(name.to_lowercase().replace(' ', "-")),
            name: name.to_owned(),
            description: format!("{name}, as a need"),
            parent_id: parent.map(str::to_owned),
        };
        app.record(id, EntryCommand::Register(term), &context())
            .await
            .expect("term");
    }
    let organisation = Organization {
        name: "Riverside Community Trust".to_owned(),
        description: "Community groups in Leicester".to_owned(),
        email: Some("hello@riverside.example.org".to_owned()),
        website: Some("https://riverside.example.org".to_owned()),
        legal_status: Some("Charitable Incorporated Organisation".to_owned()),
    };
    app.record(ORG, EntryCommand::Register(organisation), &context())
        .await
        .expect("organisation");
    for (id, name, postcode, county) in [
        (
            HALL,
            "St Mark's community hall",
            HALL_POSTCODE,
            Some("Leicestershire"),
        ),
        (PARK, "Abbey Park gates", PARK_POSTCODE, None),
    ] {
        let location = Location {
            name: name.to_owned(),
            description: Some("Step-free entrance".to_owned()),
            address: Some(Address {
                address_1: "1 High Street".to_owned(),
                address_2: None,
                city: "Leicester".to_owned(),
                region: county.map(str::to_owned),
                postal_code: postcode.to_owned(),
                country: "GB".to_owned(),
            }),
            latitude: None,
            longitude: None,
        };
        app.record(id, EntryCommand::Register(location), &context())
            .await
            .expect("location placed by its postcode");
    }
}

fn details(name: &str, terms: &[&str]) -> Details {
    Details {
        name: name.to_owned(),
        description: format!("{name}: a friendly group"),
        taxonomy_terms: terms.iter().map(|term| (*term).to_owned()).collect(),
        takes_referrals: true,
        languages: vec!["en".to_owned()],
        ..Details::default()
    }
}

fn lunch_club() -> Details {
    Details {
        url: Some("https://riverside.example.org/lunch".to_owned()),
        email: Some("lunch@riverside.example.org".to_owned()),
        minimum_age: Some(60),
        eligibility_description: Some("People over 60 living alone".to_owned()),
        languages: vec!["en".to_owned(), "cy-GB".to_owned()],
        schedules: vec![
            Schedule {
                days: vec![Weekday::Thu, Weekday::Tue],
                opens_at: NaiveTime::from_hms_opt(10, 0, 0),
                closes_at: NaiveTime::from_hms_opt(12, 30, 0),
                valid_from: None,
                valid_to: None,
                description: None,
            },
            Schedule {
                days: vec![],
                opens_at: None,
                closes_at: None,
                valid_from: None,
                valid_to: None,
                description: Some("A summer picnic on the first Saturday of August".to_owned()),
            },
        ],
        cost_options: vec![
            CostOption {
                amount_pence: Some(350),
                option: Some("Per lunch".to_owned()),
                amount_description: None,
            },
            CostOption {
                amount_pence: Some(0),
                option: Some("Free to carers".to_owned()),
                amount_description: None,
            },
        ],
        contacts: vec![Contact {
            name: Some("Sam Patel".to_owned()),
            title: Some("Coordinator".to_owned()),
            email: Some("sam@riverside.example.org".to_owned()),
            phones: vec!["0116 496 0000".to_owned(), "07700 900000".to_owned()],
        }],
        ..details("Tuesday lunch club", &[LONELINESS])
    }
}

/// Lists the four services and returns the position of the last event written.
async fn services(app: &DirectoryApp) -> Position {
    let now = Utc::now();
    let list = |details| Command::List {
        organisation_id: ORG.to_owned(),
        details,
    };
    let at = |site: &str, location: &str| Command::AddLocation {
        service_at_location_id: site.to_owned(),
        location_id: location.to_owned(),
    };
    let verify = || Command::Verify {
        assurer: "curator@icb.example.org".to_owned(),
    };
    let capacity = |available, waitlist| {
        Command::SetCapacity(Capacity {
            available,
            maximum: Some(10),
            unit: "places".to_owned(),
            waitlist,
        })
    };
    let reason = || "Venue closed for repairs".to_owned();
    let steps: Vec<(&str, Command, chrono::DateTime<Utc>)> = vec![
        (LUNCH, list(lunch_club()), now),
        (LUNCH, at(LUNCH_AT_HALL, HALL), now),
        (LUNCH, capacity(3, None), now),
        (LUNCH, verify(), now),
        (WALK, list(details("Walking for health", &[WALKING])), now),
        (WALK, at(WALK_AT_PARK, PARK), now),
        (WALK, capacity(0, Some(WaitlistBand::TwoToSixWeeks)), now),
        (WALK, verify(), now - Duration::days(400)),
        (CHOIR, list(details("Community choir", &[LONELINESS])), now),
        (CHOIR, at(CHOIR_AT_HALL, HALL), now),
        (CHOIR, verify(), now),
        (CHOIR, Command::Suspend { reason: reason() }, now),
        (ARCHIVE, list(details("Archive walks", &[ACTIVITY])), now),
        (ARCHIVE, verify(), now),
        (ARCHIVE, Command::Withdraw { reason: reason() }, now),
    ];
    let mut last = Position::START;
    for (service, command, at) in steps {
        let handled = app
            .handle_at(service, command, at, &context())
            .await
            .expect("command");
        last = handled.position.expect("something written");
    }
    last
}

/// An HTTP response as read off the socket.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The status code.
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    /// The value of header `name` (any case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

impl Served {
    /// `GET target` (a path with its query, already percent-encoded).
    pub(crate) async fn get(&self, target: &str) -> Reply {
        self.request("GET", target, &[]).await
    }

    /// `GET target`, expecting 200, as JSON.
    pub(crate) async fn ok(&self, target: &str) -> Value {
        let reply = self.get(target).await;
        assert_eq!(
            reply.status,
            200,
            "GET {target}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()
    }

    /// Sends one request on a fresh connection and reads the whole response.
    pub(crate) async fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut stream = TcpStream::connect(self.address).await.expect("connect");
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.address
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("receive");
        parse(&raw)
    }
}

fn parse(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let mut reply = Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    };
    if reply
        .header("transfer-encoding")
        .is_some_and(|coding| coding.eq_ignore_ascii_case("chunked"))
    {
        reply.body = dechunk(&reply.body);
    }
    reply
}

fn dechunk(mut chunked: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = chunked
            .windows(2)
            .position(|window| window == b"\r\n")
            .expect("a chunk size line");
        let size_text = String::from_utf8_lossy(&chunked[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("a hexadecimal chunk size");
        if size == 0 {
            return body;
        }
        let start = line_end + 2;
        body.extend_from_slice(&chunked[start..start + size]);
        chunked = &chunked[start + size + 2..];
    }
}

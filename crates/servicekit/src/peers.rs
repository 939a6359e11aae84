//! The other services a service calls, by name, as gRPC channels.
//!
//! A service asks for a peer by the name it is registered under (`start.peers.channel
//! ("directory")`) and never learns where it is. Under `linkwork up` (and in the tests, through
//! `testkit::Spawn`) every service is in the process, so every peer is the process's own gRPC
//! listener; under `linkwork serve` each is where the deployment says, one `--peer
//! directory=http://directory:50051` each. Channels are lazy: a peer that is not up yet costs
//! nothing until it is called, and a service must be ready for a call to fail.
//!
//! A call carries the token of the person it is made for (on their behalf), and the peer
//! verifies it again, as it would theirs: no service is trusted for being a service.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tonic::transport::{Channel, Endpoint};

/// How long connecting to a peer may take. A peer on the same network answers a connect in
/// milliseconds; waiting longer is waiting on nothing.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The services a service may call.
#[derive(Debug, Clone, Default)]
pub struct Peers {
    peers: Arc<BTreeMap<String, Peer>>,
}

#[derive(Debug)]
struct Peer {
    endpoint: Endpoint,
    // Made on first use, inside the runtime that will drive it, and shared from then on.
    channel: OnceLock<Channel>,
}

/// Why a peer as given cannot be used; each names the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerError {
    /// Not `NAME=URL`.
    #[error("peer (--peer, LINKWORK_PEERS): {0:?} must be SERVICE=http://HOST:PORT")]
    Malformed(String),
    /// A name no service has.
    #[error("peer (--peer, LINKWORK_PEERS): there is no {name} service; the services are {known}")]
    Unknown {
        /// The name given.
        name: String,
        /// The services there are, comma-separated.
        known: String,
    },
    /// Not an `http://` URL of a host and port.
    #[error(
        "peer (--peer, LINKWORK_PEERS): {name}={url} must be an http:// URL of a host and port \
         (encryption between services is the network's, as for every service's own listener)"
    )]
    NotAUrl {
        /// The service.
        name: String,
        /// What was given.
        url: String,
    },
    /// The same service twice.
    #[error("peer (--peer, LINKWORK_PEERS): {0} is given twice")]
    Twice(String),
}

impl Peers {
    /// No peers: every call to another service finds none.
    pub fn none() -> Self {
        Self::default()
    }

    /// Every one of `services` at `grpc`, this process's own gRPC listener: the whole platform
    /// in one process.
    pub fn in_process<'a>(grpc: SocketAddr, services: impl IntoIterator<Item = &'a str>) -> Self {
        let mut address = grpc;
        if address.ip().is_unspecified() {
            address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let url = format!("http://{address}");
        let mut peers = BTreeMap::new();
        for name in services {
            if let Ok(peer) = Peer::at(&url) {
                peers.insert(name.to_owned(), peer);
            }
        }
        Self {
            peers: Arc::new(peers),
        }
    }

    /// The peers `given` names, each `SERVICE=http://HOST:PORT`, `SERVICE` one of `known`.
    pub fn parse<S: AsRef<str>>(given: &[S], known: &[&str]) -> Result<Self, PeerError> {
        let mut peers = BTreeMap::new();
        for one in given {
            let one = one.as_ref().trim();
            let Some((name, url)) = one.split_once('=') else {
                return Err(PeerError::Malformed(one.to_owned()));
            };
            let (name, url) = (name.trim(), url.trim());
            if !known.contains(&name) {
                return Err(PeerError::Unknown {
                    name: name.to_owned(),
                    known: known.join(", "),
                });
            }
            let not_a_url = || PeerError::NotAUrl {
                name: name.to_owned(),
                url: url.to_owned(),
            };
            let uri: tonic::codegen::http::Uri = url.parse().map_err(|_| not_a_url())?;
            let usable = uri.scheme_str() == Some("http")
                && uri.host().is_some_and(|host| !host.is_empty())
                && uri.port_u16().is_some()
                && matches!(uri.path(), "" | "/")
                && uri.query().is_none();
            if !usable {
                return Err(not_a_url());
            }
            let peer = Peer::at(url).map_err(|_| not_a_url())?;
            if peers.insert(name.to_owned(), peer).is_some() {
                return Err(PeerError::Twice(name.to_owned()));
            }
        }
        Ok(Self {
            peers: Arc::new(peers),
        })
    }

    /// These peers, with `service` at `url` instead (tests aim a peer somewhere else: a port
    /// nobody listens on, a listener that never answers).
    pub fn with(self, service: &str, url: &str) -> Result<Self, PeerError> {
        let peer = Peer::at(url).map_err(|_| PeerError::NotAUrl {
            name: service.to_owned(),
            url: url.to_owned(),
        })?;
        let mut peers: BTreeMap<String, Peer> = BTreeMap::new();
        for (name, existing) in self.peers.iter() {
            peers.insert(name.clone(), Peer::at_endpoint(existing.endpoint.clone()));
        }
        peers.insert(service.to_owned(), peer);
        Ok(Self {
            peers: Arc::new(peers),
        })
    }

    /// A channel to `service`, or `None` when this deployment names no such peer. The channel
    /// connects on its first call (must be asked for within the runtime).
    pub fn channel(&self, service: &str) -> Option<Channel> {
        let peer = self.peers.get(service)?;
        Some(
            peer.channel
                .get_or_init(|| peer.endpoint.clone().connect_lazy())
                .clone(),
        )
    }

    /// The services named, for what a command tells its user.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.peers.keys().map(String::as_str)
    }
}

impl Peer {
    fn at(url: &str) -> Result<Self, tonic::transport::Error> {
        Ok(Self::at_endpoint(Endpoint::from_shared(url.to_owned())?))
    }

    fn at_endpoint(endpoint: Endpoint) -> Self {
        Self {
            endpoint: endpoint.connect_timeout(CONNECT_TIMEOUT),
            channel: OnceLock::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{PeerError, Peers};

    const KNOWN: [&str; 2] = ["referral", "directory"];

    #[tokio::test]
    async fn peers_are_named_services_at_http_urls() {
        let peers = Peers::parse(&["directory=http://directory:50051"], &KNOWN).expect("peers");
        assert!(peers.channel("directory").is_some());
        assert!(peers.channel("referral").is_none());
        assert_eq!(peers.names().collect::<Vec<_>>(), ["directory"]);
        let in_process = Peers::in_process(([0, 0, 0, 0], 50051).into(), KNOWN);
        assert!(in_process.channel("referral").is_some());
        assert!(in_process.channel("directory").is_some());
        assert!(Peers::none().channel("directory").is_none());
    }

    #[test]
    fn a_peer_that_cannot_be_used_is_refused_naming_the_setting() {
        let refused = |given: &str| Peers::parse(&[given], &KNOWN).expect_err(given);
        assert_eq!(
            refused("directory"),
            PeerError::Malformed("directory".to_owned())
        );
        assert!(matches!(
            refused("billing=http://billing:50051"),
            PeerError::Unknown { name, .. } if name == "billing"
        ));
        for url in [
            "directory=https://directory:50051",
            "directory=directory:50051",
            "directory=http://directory",
            "directory=http://directory:50051/api",
            "directory=http://:50051",
        ] {
            assert!(matches!(refused(url), PeerError::NotAUrl { .. }), "{url}");
        }
        let twice = Peers::parse(&["directory=http://a:1", "directory=http://b:2"], &KNOWN)
            .expect_err("twice");
        assert_eq!(twice, PeerError::Twice("directory".to_owned()));
        assert!(
            refused("directory")
                .to_string()
                .contains("--peer, LINKWORK_PEERS")
        );
    }
}

//! NATS for tests: the shared server with names of the test's own, or a private child server.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use futures::StreamExt as _;
use tokio::process::{Child, Command};

/// The shared NATS server (override with `LINKWORK_TEST_NATS_URL`).
pub fn nats_url() -> String {
    std::env::var("LINKWORK_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

/// A connection to the shared NATS server plus a subject prefix no other test uses. Streams
/// whose names start with the prefix (upper-cased) are deleted when it drops.
#[derive(Debug)]
pub struct TestNats {
    /// The connection.
    pub client: async_nats::Client,
    /// Lower-case prefix for subjects; `PREFIX_` starts every stream name of the test.
    pub prefix: String,
}

impl TestNats {
    /// Connects to the shared server. Panics, naming it, if it is unreachable.
    pub async fn connect() -> Self {
        let url = nats_url();
        let client = connect_or_panic(&url).await;
        Self {
            client,
            prefix: format!("t{}", crate::unique_suffix()),
        }
    }

    /// The JetStream context.
    pub fn jetstream(&self) -> async_nats::jetstream::Context {
        async_nats::jetstream::new(self.client.clone())
    }
}

async fn connect_or_panic(url: &str) -> async_nats::Client {
    async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "NATS is not reachable at {url} ({error}). Start it with: start-stop-daemon \
                 --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 \
                 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log"
            )
        })
}

impl Drop for TestNats {
    fn drop(&mut self) {
        let client = self.client.clone();
        let stream_prefix = format!("{}_", self.prefix.to_uppercase());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let jetstream = async_nats::jetstream::new(client);
                let mut names = jetstream.stream_names();
                let mut ours = Vec::new();
                while let Some(Ok(name)) = names.next().await {
                    if name.starts_with(&stream_prefix) {
                        ours.push(name);
                    }
                }
                for name in ours {
                    let _ = jetstream.delete_stream(&name).await;
                }
            });
            Ok::<_, std::io::Error>(())
        })
        .join();
    }
}

/// A nats-server child process with JetStream, on a free port and a store folder of its own,
/// for tests that stop and restart the broker. Killed when dropped.
#[derive(Debug)]
pub struct NatsServer {
    /// `nats://127.0.0.1:<port>`.
    pub url: String,
    port: u16,
    store: tempfile::TempDir,
    child: Option<Child>,
}

fn nats_server_binary() -> PathBuf {
    if let Ok(path) = std::env::var("LINKWORK_NATS_SERVER_BIN") {
        return path.into();
    }
    [
        "/usr/local/bin/nats-server",
        "/usr/sbin/nats-server",
        "/usr/bin/nats-server",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|path| path.exists())
    .unwrap_or_else(|| "nats-server".into())
}

impl NatsServer {
    /// Starts a server and waits until it accepts connections.
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut server = Self {
            url: format!("nats://127.0.0.1:{port}"),
            port,
            store: tempfile::tempdir().expect("temporary folder"),
            child: None,
        };
        server.restart().await;
        server
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts the server again on the same port and store folder.
    pub async fn restart(&mut self) {
        self.kill().await;
        let child = Command::new(nats_server_binary())
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start nats-server (set LINKWORK_NATS_SERVER_BIN to its path)");
        self.child = Some(child);
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("nats-server did not start listening on port {}", self.port);
    }
}

//! The secret that anchors every log's stream heads (`eventstore::StoreOptions::anchor_key`):
//! with it, only its holder can write the anchor that says where a stream ends, so removing a
//! stream's newest events cannot be hidden by editing the database. Every process that opens a
//! log must use the key that wrote it. Production supplies it from a secret store as
//! `LINKWORK_LOG_ANCHOR_KEY`; the platform on one machine keeps one in its data folder, made on
//! first start, which the operator tools find there too.

use std::path::Path;

use anyhow::bail;

/// The variable the key comes in: 64 hexadecimal digits.
pub(crate) const VARIABLE: &str = "LINKWORK_LOG_ANCHOR_KEY";
/// The key's file in the data folder's `keys/`.
const KEPT: &str = "log-anchor.key";

/// For `up`: the environment's, else the one kept in `data_dir` (made there on first start).
pub(crate) fn for_up(data_dir: &Path) -> anyhow::Result<[u8; 32]> {
    match servicekit::secret_from_env(VARIABLE)? {
        Some(key) => Ok(key),
        None => Ok(servicekit::kept_key(data_dir, VARIABLE, KEPT)?),
    }
}

/// For `serve`: the environment's, as a service run alone takes every secret.
pub(crate) fn for_serve() -> anyhow::Result<[u8; 32]> {
    match servicekit::secret_from_env(VARIABLE)? {
        Some(key) => Ok(key),
        None => bail!(
            "{VARIABLE} must be set: 64 hexadecimal digits, the key that anchors the log's \
             stream heads, the same for every process that opens this log"
        ),
    }
}

/// For the operator tools: the environment's, else the one kept in `data_dir` when one is
/// given. A tool that may make the log (`open` is `OrCreate`) makes the key too, as `up`
/// would; one that only reads never writes to the folder, and reads a folder without a key
/// (no `up` has run there) with none.
pub(crate) fn for_tools(
    data_dir: Option<&Path>,
    open: servicekit::Open,
) -> anyhow::Result<Option<[u8; 32]>> {
    if let Some(key) = servicekit::secret_from_env(VARIABLE)? {
        return Ok(Some(key));
    }
    match (data_dir, open) {
        (Some(folder), servicekit::Open::OrCreate) => {
            Ok(Some(servicekit::kept_key(folder, VARIABLE, KEPT)?))
        }
        (Some(folder), servicekit::Open::Existing) => match servicekit::read_kept(folder, KEPT)? {
            Some(key) => Ok(Some(<[u8; 32]>::try_from(key).map_err(|_| {
                anyhow::anyhow!("{} is not a key", folder.join("keys").join(KEPT).display())
            })?)),
            None => Ok(None),
        },
        (None, _) => bail!(
            "the logs' anchor key: set {VARIABLE}, or give the --data-dir of the `up` that made \
             them"
        ),
    }
}

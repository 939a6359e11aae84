//! The referral vault's two keys: from the environment (how production supplies them, from a
//! secret store), or — for the embedded platform on one machine — generated once into the data
//! folder, readable by its owner only, so `up` works on a bare machine and keeps working across
//! restarts.

use std::path::Path;

use anyhow::{Context as _, bail};
use referral::vault::VaultKeys;

/// Reads a 32-byte secret, as 64 hex digits, from an environment variable (never a flag, so
/// it does not show in process listings). `None` when the variable is unset.
pub(crate) fn from_env(variable: &str) -> anyhow::Result<Option<[u8; 32]>> {
    match std::env::var(variable) {
        Ok(value) => decode(&value)
            .map(Some)
            .with_context(|| format!("{variable} must be 64 hexadecimal digits (32 bytes)")),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("{variable} must be 64 hexadecimal digits (32 bytes)")
        }
    }
}

/// Reads a required secret from the environment.
pub(crate) fn required(variable: &str) -> anyhow::Result<[u8; 32]> {
    from_env(variable)?.with_context(|| format!("{variable} is not set"))
}

fn decode(value: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(value.trim())?;
    <[u8; 32]>::try_from(bytes).map_err(|_| anyhow::anyhow!("wrong length"))
}

/// The vault keys from the environment, or from (or newly into) `folder/keys`.
pub(crate) fn vault_keys(folder: &Path) -> anyhow::Result<VaultKeys> {
    Ok(VaultKeys {
        pseudonym_key: kept(folder, "LINKWORK_PSEUDONYM_KEY", "pseudonym.key")?,
        master_key: kept(folder, "LINKWORK_MASTER_KEY", "master.key")?,
    })
}

fn kept(folder: &Path, variable: &str, name: &str) -> anyhow::Result<[u8; 32]> {
    if let Some(key) = from_env(variable)? {
        return Ok(key);
    }
    let keys = folder.join("keys");
    let path = keys.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            return decode(&text).with_context(|| format!("{} is not a key", path.display()));
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error).context(format!("cannot read {}", path.display())),
    }
    std::fs::create_dir_all(&keys).with_context(|| format!("cannot create {}", keys.display()))?;
    let key: [u8; 32] = rand::random();
    write_private(&path, &hex::encode(key))?;
    tracing::warn!(
        path = %path.display(),
        "generated {variable} into the data folder; production supplies it from a secret store"
    );
    Ok(key)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot create {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::kept;

    /// A variable no environment sets, so the key comes from the folder.
    const UNSET: &str = "LINKWORK_TEST_KEY_THAT_IS_NEVER_SET";

    #[test]
    fn generated_keys_are_kept_and_private() {
        let folder = tempfile::tempdir().expect("folder");
        let first = kept(folder.path(), UNSET, "a.key").expect("generated");
        let again = kept(folder.path(), UNSET, "a.key").expect("read back");
        let other = kept(folder.path(), UNSET, "b.key").expect("generated");
        assert_eq!(first, again);
        assert_ne!(first, other);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(folder.path().join("keys/a.key"))
                .expect("kept")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

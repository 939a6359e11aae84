//! Secret keys (32 bytes, as 64 hexadecimal digits): from the environment, which is how
//! production supplies them from a secret store, or — for the platform on one machine — kept
//! in the data folder, generated on first use, readable by its owner only, so `linkwork up`
//! works on a bare machine and keeps working across restarts.

use std::path::Path;

use crate::settings::SettingError;

/// A 32-byte secret from environment variable `variable` (never a flag, so it does not show in
/// process listings); `None` when the variable is unset.
pub fn from_env(variable: &str) -> Result<Option<[u8; 32]>, SettingError> {
    let refuse = || {
        SettingError(format!(
            "{variable} must be 64 hexadecimal digits (32 bytes)"
        ))
    };
    match std::env::var(variable) {
        Ok(value) => decode(&value).map(Some).ok_or_else(refuse),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(refuse()),
    }
}

fn decode(value: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(value.trim()).ok()?;
    <[u8; 32]>::try_from(bytes).ok()
}

/// The key kept as `folder/keys/<name>`, made there first if there is none. `variable` is only
/// named in the warning that a key was made.
pub fn kept(folder: &Path, variable: &str, name: &str) -> Result<[u8; 32], SettingError> {
    let key = kept_in(folder, name, variable, || {
        Ok(rand::random::<[u8; 32]>().to_vec())
    })?;
    <[u8; 32]>::try_from(key).map_err(|_| {
        SettingError(format!(
            "{} is not a key",
            folder.join("keys").join(name).display()
        ))
    })
}

/// The secret bytes kept (as hexadecimal) in `folder/keys/<name>`, made by `generate` and kept
/// there first if there are none, readable by the folder's owner only. `what` names the secret
/// in the warning that one was made.
pub fn kept_in(
    folder: &Path,
    name: &str,
    what: &str,
    generate: impl FnOnce() -> Result<Vec<u8>, String>,
) -> Result<Vec<u8>, SettingError> {
    if let Some(secret) = read_kept(folder, name)? {
        return Ok(secret);
    }
    let keys = folder.join("keys");
    let path = keys.join(name);
    let failed = |what: &str, error: std::io::Error| {
        SettingError(format!("cannot {what} {}: {error}", path.display()))
    };
    std::fs::create_dir_all(&keys).map_err(|error| failed("create the folder of", error))?;
    let secret = generate().map_err(|reason| SettingError(format!("{what}: {reason}")))?;
    write_private(&path, &hex::encode(&secret)).map_err(|error| failed("create", error))?;
    tracing::warn!(
        path = %path.display(),
        "generated {what} into the data folder; production supplies it from a secret store"
    );
    Ok(secret)
}

/// The secret bytes kept in `folder/keys/<name>`, if there are any.
pub fn read_kept(folder: &Path, name: &str) -> Result<Option<Vec<u8>>, SettingError> {
    let path = folder.join("keys").join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => hex::decode(text.trim())
            .map(Some)
            .map_err(|_| SettingError(format!("{} is not a key", path.display()))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(SettingError(format!(
            "cannot read {}: {error}",
            path.display()
        ))),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
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

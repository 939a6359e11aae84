//! Reading a definition from JSON text, with the path to whatever does not fit.
//!
//! A deployer writing a definition by hand needs to know where it is wrong, not only that it
//! is: serde's own message gives a line and column, and the path (`items[2].answer.min`)
//! says which field that is.

use serde::de::DeserializeOwned;

/// `T` read from `json`; on failure, the path to the fault and the reader's message.
pub(crate) fn read<T: DeserializeOwned>(json: &str) -> Result<T, (String, String)> {
    let mut reader = serde_json::Deserializer::from_str(json);
    let value = serde_path_to_error::deserialize(&mut reader)
        .map_err(|error| (error.path().to_string(), error.inner().to_string()))?;
    // Trailing text after the document is an error too, rather than silently ignored.
    reader
        .end()
        .map_err(|error| (".".to_owned(), error.to_string()))?;
    Ok(value)
}

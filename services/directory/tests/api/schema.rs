//! Checks JSON against the Open Referral schemas vendored in `tests/schemas/` (see the README
//! there for their source). References resolve only to those files, never to the network: each
//! vendored file is served under [`BASE`] by [`VendoredSchemas`], and any other URI is refused.
//! Formats (`uuid`, `email`, `uri`, `date-time`) are asserted, not just annotated.

use std::error::Error;
use std::path::Path;

use jsonschema::{Retrieve, Uri};
use serde_json::{Value, json};

/// The vendored schema folder.
const SCHEMA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemas/hsds-3.1");

/// The base URI the vendored files are known by; it names no real host.
const BASE: &str = "https://schemas.linkwork.invalid/hsds-3.1/";

/// Serves vendored schema files by name and refuses everything else.
struct VendoredSchemas;

impl Retrieve for VendoredSchemas {
    fn retrieve(&self, uri: &Uri<String>) -> Result<Value, Box<dyn Error + Send + Sync>> {
        let address = uri.as_str();
        let file = address
            .split('#')
            .next()
            .and_then(|document| document.strip_prefix(BASE))
            .filter(|file| !file.is_empty() && !file.contains(['/', '\\']))
            .ok_or_else(|| format!("{address} is not a vendored schema; it is not fetched"))?;
        let text = std::fs::read_to_string(Path::new(SCHEMA_DIR).join(file))
            .map_err(|error| format!("reading vendored schema {file}: {error}"))?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// Every way `value` breaks `schema`, a JSON Schema given inline whose `$ref`s name vendored
/// files relative to [`BASE`], each as "instance path: message (schema path)", the instance
/// path being "(root)" for the value itself.
fn violations_of(schema: &Value, value: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .with_base_uri(BASE)
        .with_retriever(VendoredSchemas)
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|error| panic!("the schema {schema} does not compile: {error}"));
    validator
        .iter_errors(value)
        .map(|error| {
            let at = error.instance_path().to_string();
            let at = if at.is_empty() { "(root)" } else { &at };
            format!("{at}: {error} (schema {})", error.schema_path())
        })
        .collect()
}

/// Every way `value` breaks the vendored `schema_file`, which may carry a JSON Pointer fragment
/// (`service_with_definitions.json#/definitions/taxonomy_term`).
pub(crate) fn violations(schema_file: &str, value: &Value) -> Vec<String> {
    violations_of(&json!({ "$ref": format!("{BASE}{schema_file}") }), value)
}

/// Panics, listing every violation, unless `value` is valid against `schema_file`.
pub(crate) fn assert_valid(schema_file: &str, value: &Value) {
    let violations = violations(schema_file, value);
    assert!(
        violations.is_empty(),
        "{} violation(s) of {schema_file}:\n  {}\nin {value:#}",
        violations.len(),
        violations.join("\n  ")
    );
}

/// Every way `value` breaks the response schema `openapi.json` gives every list endpoint: a
/// `Page` whose `contents` are each valid against `item_schema`.
pub(crate) fn page_violations(item_schema: &str, value: &Value) -> Vec<String> {
    let page = json!({
        "allOf": [{ "$ref": "openapi.json#/components/schemas/Page" }],
        "properties": {
            "contents": { "type": "array", "items": { "$ref": item_schema } }
        }
    });
    violations_of(&page, value)
}

/// Panics, listing every violation, unless `value` is a valid ORUK page of `item_schema`.
pub(crate) fn assert_valid_page(item_schema: &str, value: &Value) {
    let violations = page_violations(item_schema, value);
    assert!(
        violations.is_empty(),
        "{} violation(s) of a page of {item_schema}:\n  {}\nin {value:#}",
        violations.len(),
        violations.join("\n  ")
    );
}

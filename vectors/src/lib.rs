//! Test support: loads the shared conformance vectors.
//!
//! The vectors live in `shared/vectors/` beside the repository (`../shared/vectors`
//! from its root). They are found from this crate's own location, so a test may run
//! from any working directory; `VECTORS_DIR` overrides the place.
#![deny(missing_docs)]

use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::PathBuf;

/// The folder holding the vector files.
pub fn dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("VECTORS_DIR") {
        return PathBuf::from(dir);
    }
    // vectors/ sits in the repository root; shared/ sits beside the repository.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors")
}

/// Loads `name` (for example `"merkle.json"`) as JSON.
///
/// Panics with the full path when the file is missing or unreadable: a test that
/// cannot find its vectors must fail loudly, never pass vacuously.
pub fn load(name: &str) -> Value {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "vector file {name} not found at {} ({e}); the shared vectors belong in \
             ../shared/vectors relative to the repository root, or set VECTORS_DIR",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("vector file {name} is not JSON: {e}"))
}

/// Loads `name` into a typed structure.
pub fn load_as<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(load(name))
        .unwrap_or_else(|e| panic!("vector file {name} does not have the expected shape: {e}"))
}

/// The `cases` array of a vector file; panics if it is missing or empty.
pub fn cases(file: &Value) -> &[Value] {
    let cases = file["cases"]
        .as_array()
        .expect("vector file has no `cases` array");
    assert!(!cases.is_empty(), "vector file has an empty `cases` array");
    cases
}

/// Decodes a hex string field.
pub fn bytes(v: &Value) -> Vec<u8> {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("expected a hex string, got {v}"));
    hex::decode(s).unwrap_or_else(|e| panic!("bad hex {s:?}: {e}"))
}

/// Decodes a hex string field of exactly 32 bytes.
pub fn bytes32(v: &Value) -> [u8; 32] {
    let b = bytes(v);
    b.as_slice()
        .try_into()
        .unwrap_or_else(|_| panic!("expected 32 bytes, got {}", b.len()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_shared_vectors() {
        let merkle = super::load("merkle.json");
        assert!(!super::cases(&merkle).is_empty());
    }

    #[test]
    #[should_panic(expected = "no-such-file.json not found")]
    fn names_a_missing_file() {
        super::load("no-such-file.json");
    }
}

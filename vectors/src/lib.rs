//! Test support: loads the conformance vectors.
//!
//! The repository carries its own copy of the public vectors in `vectors/data/`, so a
//! clone runs its tests alone. They are found from this crate's own location, so a test
//! may run from any working directory; `VECTORS_DIR` overrides the place. Where the
//! shared originals sit beside the repository (`../shared/vectors`), a test checks that
//! the copy has not drifted from them.
#![deny(missing_docs)]

use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::PathBuf;

/// The folder holding the vector files.
pub fn dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("VECTORS_DIR") {
        return PathBuf::from(dir);
    }
    bundled_dir()
}

/// The copy of the vectors kept in the repository, `vectors/data/`.
pub fn bundled_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Where the shared originals sit when the repository is checked out beside them:
/// `../shared/vectors` from the repository root.
pub fn shared_dir() -> PathBuf {
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
            "vector file {name} not found at {} ({e}); the vectors belong in \
             vectors/data/ of the repository, or set VECTORS_DIR",
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

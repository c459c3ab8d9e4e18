//! The repository's copy of the vectors must equal the shared originals byte for byte,
//! so the two never drift apart.

use std::collections::BTreeMap;
use std::path::Path;

/// Every regular file of `dir` by name, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.is_file())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).expect("readable vector file");
            (name, bytes)
        })
        .collect()
}

#[test]
fn bundled_copy_equals_the_shared_vectors() {
    let bundled = files(&vectors::bundled_dir());
    assert!(
        bundled.keys().any(|name| name.ends_with(".json")),
        "vectors/data/ holds no vector files"
    );
    let shared_dir = vectors::shared_dir();
    if !shared_dir.is_dir() {
        // A clone on its own: nothing to compare against, but the copy must still load.
        eprintln!(
            "{} is absent: checked only that the bundled vectors parse",
            shared_dir.display()
        );
        for name in bundled.keys().filter(|n| n.ends_with(".json")) {
            let text = std::str::from_utf8(&bundled[name]).expect("UTF-8 vector file");
            serde_json::from_str::<serde_json::Value>(text)
                .unwrap_or_else(|e| panic!("bundled {name} is not JSON: {e}"));
        }
        return;
    }
    let shared = files(&shared_dir);
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&bundled),
        names(&shared),
        "vectors/data/ and {} hold different files",
        shared_dir.display()
    );
    for (name, bytes) in &shared {
        assert!(
            bundled[name] == *bytes,
            "vectors/data/{name} differs from {}/{name}: copy it again",
            shared_dir.display()
        );
    }
}

#[test]
fn the_bundled_copy_is_the_default() {
    if std::env::var_os("VECTORS_DIR").is_none() {
        assert_eq!(vectors::dir(), vectors::bundled_dir());
    }
}

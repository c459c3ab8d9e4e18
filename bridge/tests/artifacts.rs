//! The committed contract artifacts equal a fresh compile with the pinned solc-js:
//! runs `npm ci` when `node_modules` is missing, then `node compile.js` into a
//! temporary folder, and compares every file byte for byte.

use std::path::Path;
use std::process::Command;

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{what}: cannot run it ({e}); the contracts need Node.js and npm (apt-get install nodejs npm)")
    });
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .expect("a readable artifacts folder")
        .map(|e| {
            let path = e.expect("an entry").path();
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("a readable artifact"))
        })
        .collect();
    found.sort();
    found
}

#[test]
fn committed_artifacts_equal_a_fresh_compile() {
    let contracts = bridge::contracts::contracts_dir();
    if !contracts.join("node_modules").join("solc").exists() {
        run(
            Command::new("npm").arg("ci").current_dir(&contracts),
            "npm ci in bridge/contracts",
        );
    }
    let fresh = tempfile::tempdir().expect("a temporary folder");
    run(
        Command::new("node")
            .arg("compile.js")
            .arg(fresh.path())
            .current_dir(&contracts),
        "node compile.js",
    );
    let committed = files(&contracts.join("artifacts"));
    let compiled = files(fresh.path());
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&committed), names(&compiled), "the same artifacts");
    for ((name, ours), (_, theirs)) in committed.iter().zip(&compiled) {
        assert!(
            ours == theirs,
            "bridge/contracts/artifacts/{name} differs from a fresh compile: run `node compile.js` in bridge/contracts and commit the result"
        );
    }
    assert!(committed.iter().any(|(n, _)| n == "Bridge.json"));
}

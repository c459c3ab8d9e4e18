//! `zkvm-node tx trace FILE|HEX`: the execution trace and the constraint system's
//! summary of a transaction, through the binary.

mod common;

use common::*;
use std::process::Command;

fn trace(source: &str) -> (bool, String) {
    let out = Command::new(BIN)
        .args(["tx", "trace", source])
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn tx_trace_prints_each_instruction_and_the_summary() {
    let dir = devnet(1);
    let tx = payment(&funding_key(dir.path()), 0, &gens());
    let hex_tx = hex::encode(tx.to_bytes());
    let (ok, text) = trace(&hex_tx);
    assert!(ok, "{text}");
    for expected in [
        "#0 push:",
        "input",
        "signtx",
        "cloak:",
        "log: fee 1",
        "log: output ",
        "before: [",
        "after:  [",
        "r1cs: +",
        "constraint system: ",
        " multipliers (padded to ",
        " constraints; run weight ",
        "; weight ",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    assert!(text.ends_with("ok\n"), "{text}");

    // The same from a file, as hex text or as raw bytes.
    let hex_file = dir.path().join("tx.hex");
    std::fs::write(&hex_file, format!("{hex_tx}\n")).unwrap();
    assert_eq!(trace(hex_file.to_str().unwrap()), (true, text.clone()));
    let raw_file = dir.path().join("tx.bin");
    std::fs::write(&raw_file, tx.to_bytes()).unwrap();
    assert_eq!(trace(raw_file.to_str().unwrap()), (true, text));
}

#[test]
fn tx_trace_names_the_failing_instruction() {
    let dir = devnet(1);
    let mut tx = payment(&funding_key(dir.path()), 0, &gens());
    // Turn the program's last byte (an `output`'s count) into an impossible one.
    let last = tx.program.len() - 1;
    tx.program[last] = 0x7f;
    let (ok, text) = trace(&hex::encode(tx.to_bytes()));
    assert!(!ok);
    assert!(text.contains("    failed\n"), "{text}");
    assert!(text.contains("failed at #"), "{text}");
    assert!(text.contains("stack underflow"), "{text}");

    // A name that is neither a file nor hex says both.
    let out = Command::new(BIN)
        .args(["tx", "trace", "missing.hex"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("neither a file (no such file here) nor a transaction in hex"),
        "{message}"
    );
}

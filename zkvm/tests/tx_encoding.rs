//! The decoding and ID parts of `zkvm_txs.json`: every valid transaction decodes and
//! re-encodes to the same bytes, its program prints as assembly and parses back, and
//! its logged effects hash to its transaction ID.

mod common;

use common::{header, log};
use zkvm::{Program, Tx, TxId};

#[test]
fn valid_transactions_decode_and_hash_to_their_ids() {
    let file = vectors::load("zkvm_txs.json");
    let mut checked = 0;
    for case in vectors::cases(&file).iter().filter(|c| c["valid"] == true) {
        let bytes = vectors::bytes(&case["tx"]);
        let tx = Tx::from_bytes(&bytes).unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
        assert_eq!(tx.to_bytes(), bytes);
        if case.get("log").is_none() {
            // A valid mutation: only the bytes and the ID are given.
            continue;
        }
        assert_eq!(tx.header, header(case));
        assert_eq!(tx.program, vectors::bytes(&case["program"]));
        let entries = log(case);
        assert_eq!(
            TxId::from_log(&entries).0,
            vectors::bytes32(&case["txid"]),
            "{}",
            case["name"]
        );
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn programs_round_trip_through_assembly() {
    let file = vectors::load("zkvm_txs.json");
    for case in vectors::cases(&file)
        .iter()
        .filter(|c| c.get("program").is_some())
    {
        let bytecode = vectors::bytes(&case["program"]);
        let program = Program::parse(&bytecode).expect("program decodes");
        assert_eq!(program.to_bytes(), bytecode);
        let text = program.to_string();
        assert_eq!(
            Program::from_asm(&text)
                .expect("assembly parses")
                .to_bytes(),
            bytecode
        );
    }
}

#[test]
fn truncated_and_extended_transactions_do_not_decode() {
    let file = vectors::load("zkvm_txs.json");
    let mut seen = 0;
    for case in vectors::cases(&file) {
        let what = case["description"].as_str().unwrap_or("");
        if what.starts_with("truncated") || what.starts_with("one byte appended") {
            assert!(
                Tx::from_bytes(&vectors::bytes(&case["tx"])).is_err(),
                "{what}"
            );
            seen += 1;
        }
    }
    assert!(seen > 0);
}

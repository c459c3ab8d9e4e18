//! The decoding and ID parts of `zkvm_txs.json`: every valid transaction decodes and
//! re-encodes to the same bytes, its program prints as assembly and parses back, and
//! its logged effects hash to its transaction ID.

use curve25519_dalek::ristretto::CompressedRistretto;
use serde_json::Value as Json;
use zkvm::{Contract, ContractId, Program, Tx, TxEntry, TxHeader, TxId};

fn header(case: &Json) -> TxHeader {
    let h = &case["header"];
    TxHeader {
        version: h["version"].as_u64().expect("version"),
        mintime_ms: h["mintime_ms"].as_u64().expect("mintime"),
        maxtime_ms: h["maxtime_ms"].as_u64().expect("maxtime"),
    }
}

fn point(v: &Json) -> CompressedRistretto {
    CompressedRistretto(vectors::bytes32(v))
}

/// The log entries the vector lists, as our types.
fn log(case: &Json) -> Vec<TxEntry> {
    case["log"]
        .as_array()
        .expect("log")
        .iter()
        .map(|e| match e["type"].as_str().expect("type") {
            "header" => TxEntry::Header(header(case)),
            "input" => TxEntry::Input(ContractId(vectors::bytes32(&e["contract_id"]))),
            "output" => {
                let c = Contract::from_bytes(&vectors::bytes(&e["output"])).expect("output");
                assert_eq!(c.id().0, vectors::bytes32(&e["contract_id"]));
                TxEntry::Output(Box::new(c))
            }
            "issue" => TxEntry::Issue(point(&e["qty"]), point(&e["flv"])),
            "retire" => TxEntry::Retire(point(&e["qty"]), point(&e["flv"])),
            "fee" => TxEntry::Fee(e["amount"].as_u64().expect("amount")),
            "data" => TxEntry::Data(vectors::bytes(&e["data"])),
            other => panic!("unknown log entry {other}"),
        })
        .collect()
}

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

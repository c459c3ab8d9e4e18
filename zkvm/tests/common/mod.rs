//! Helpers shared by the integration tests.
#![allow(dead_code)]

use curve25519_dalek::ristretto::CompressedRistretto;
use serde_json::Value as Json;
use zkvm::{Contract, ContractId, Generators, TxEntry, TxHeader};

/// The generators the vectors were made with.
pub fn gens() -> Generators {
    Generators::new(1024)
}

/// The header of a vector case.
pub fn header(case: &Json) -> TxHeader {
    let h = &case["header"];
    TxHeader {
        version: h["version"].as_u64().expect("version"),
        mintime_ms: h["mintime_ms"].as_u64().expect("mintime"),
        maxtime_ms: h["maxtime_ms"].as_u64().expect("maxtime"),
    }
}

pub fn point(v: &Json) -> CompressedRistretto {
    CompressedRistretto(vectors::bytes32(v))
}

/// The log entries the vector lists, as our types.
pub fn log(case: &Json) -> Vec<TxEntry> {
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

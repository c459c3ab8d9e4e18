//! The node's HTTP API bodies, as the node reads them: the `POST /v1/txs` body
//! (JSON, then hex, then a block transaction or a bare transaction) and what a
//! following node reads from a peer (genesis, block pages, status, proofs). What
//! must hold: a body that parses serializes to JSON that parses to the same value;
//! a submitted transaction that decodes re-encodes to the submitted bytes; a
//! genesis, block or proof that decodes re-encodes to its bytes.
#![no_main]

use blockchain::Block;
use encoding::Encodable;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;
use zkvm_node::api::json::{BlocksJson, GenesisJson, ProofJson, StatusJson, SubmitJson};
use zkvm_node::genesis::Genesis;
use zkvm_node::NodeError;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(data: &[u8]) -> Option<T> {
    let value: T = serde_json::from_slice(data).ok()?;
    let text = serde_json::to_vec(&value).expect("serializes");
    let again: T = serde_json::from_slice(&text).expect("its own JSON parses");
    assert_eq!(again, value, "JSON round-trips");
    Some(value)
}

fn decodes_to_itself(text: &str, f: impl Fn(&[u8]) -> Option<Vec<u8>>) {
    if let Ok(bytes) = NodeError::decode_hex("body", text) {
        if let Some(encoded) = f(&bytes) {
            assert_eq!(encoded, bytes);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(submit) = round_trip::<SubmitJson>(data) {
        if let Ok(btx) = zkvm_node::txtool::parse(&submit.hex) {
            let bytes = NodeError::decode_hex("hex", &submit.hex).expect("parse read it");
            let encoded = btx.encode_to_vec();
            let bare = btx.tx.to_bytes();
            let ok = |e: &[u8]| e == bytes.as_slice();
            assert!(ok(&encoded) || (btx.proofs.is_empty() && ok(&bare)));
        }
    }
    if let Some(genesis) = round_trip::<GenesisJson>(data) {
        decodes_to_itself(&genesis.hex, |b| {
            Genesis::from_bytes(b).ok().map(|g| g.to_bytes())
        });
    }
    if let Some(page) = round_trip::<BlocksJson>(data) {
        for hex in &page.blocks {
            decodes_to_itself(hex, |b| Block::from_bytes(b).ok().map(|b| b.to_bytes()));
        }
    }
    if let Some(proof) = round_trip::<ProofJson>(data) {
        decodes_to_itself(&proof.hex, |b| {
            utreexo::Proof::from_bytes(b)
                .ok()
                .map(|p| p.encode_to_vec())
        });
    }
    round_trip::<StatusJson>(data);
});

//! blockchain.json: headers, IDs, block transactions, witness hashes, transaction
//! roots and the initial header made from a list of UTXO IDs.

use blockchain::{txroot, BlockHeader, BlockId, BlockTx, ChainState, WitnessHash};
use encoding::Encodable;
use merkle::Hash;
use musig::SigningKey;
use serde_json::Value;
use zkvm::ContractId;

fn header_of(v: &Value) -> BlockHeader {
    BlockHeader {
        version: v["version"].as_u64().unwrap(),
        height: v["height"].as_u64().unwrap(),
        prev: BlockId(vectors::bytes32(&v["prev"])),
        timestamp_ms: v["timestamp_ms"].as_u64().unwrap(),
        txroot: Hash(vectors::bytes32(&v["txroot"])),
        utxoroot: Hash(vectors::bytes32(&v["utxoroot"])),
        ext: vectors::bytes(&v["ext"]),
    }
}

fn blocks(case: &Value) -> &[Value] {
    case["chain"].as_array().unwrap()
}

fn producer_key() -> musig::VerificationKey {
    SigningKey::random(&mut rand::thread_rng()).verification_key()
}

#[test]
fn headers_encode_and_hash_as_the_vectors_say() {
    let file = vectors::load("blockchain.json");
    for case in vectors::cases(&file) {
        for block in blocks(case) {
            let header = header_of(&block["header"]);
            let encoded = vectors::bytes(&block["header"]["encoded"]);
            assert_eq!(header.to_bytes(), encoded);
            assert_eq!(header.encoded_len(), encoded.len());
            assert_eq!(BlockHeader::from_bytes(&encoded).unwrap(), header);
            assert_eq!(header.id(), BlockId(vectors::bytes32(&block["header_id"])));
        }
    }
}

#[test]
fn the_txroot_label_is_the_vectors_label() {
    let file = vectors::load("blockchain.json");
    assert_eq!(
        file["txroot_label"].as_str().unwrap().as_bytes(),
        blockchain::TXROOT_LABEL
    );
}

#[test]
fn block_transactions_decode_and_hash_as_the_vectors_say() {
    let file = vectors::load("blockchain.json");
    for case in vectors::cases(&file) {
        for block in blocks(case) {
            let Some(txs) = block["txs"].as_array() else {
                continue;
            };
            let mut hashes = Vec::new();
            for tx in txs {
                let bytes = vectors::bytes(&tx["block_tx"]);
                let btx = BlockTx::from_bytes(&bytes).unwrap();
                assert_eq!(btx.to_bytes(), bytes);
                assert_eq!(btx.encoded_len(), bytes.len());
                let hash = btx.witness_hash();
                assert_eq!(hash, WitnessHash(vectors::bytes32(&tx["witness_hash"])));
                hashes.push(hash);
            }
            let header = header_of(&block["header"]);
            assert_eq!(txroot(&hashes), header.txroot);
        }
    }
}

#[test]
fn the_initial_header_comes_from_the_utxo_list() {
    let file = vectors::load("blockchain.json");
    for case in vectors::cases(&file) {
        let first = &blocks(case)[0];
        let utxos: Vec<ContractId> = first["utxos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| ContractId(vectors::bytes32(u)))
            .collect();
        let expected = header_of(&first["header"]);
        let (state, proofs) =
            ChainState::start(expected.timestamp_ms, &utxos, producer_key()).unwrap();
        assert_eq!(*state.initial(), expected);
        assert_eq!(*state.tip(), expected);
        assert_eq!(state.forest().count(), utxos.len() as u64);
        assert_eq!(txroot(&[]), expected.txroot);
        for (id, proof) in utxos.iter().zip(&proofs) {
            assert_eq!(state.forest().verify(id, proof), Ok(()));
        }
    }
}

#[test]
fn mutated_block_transactions_hash_differently_or_fail_to_decode() {
    let file = vectors::load("blockchain.json");
    let case = &vectors::cases(&file)[0];
    let tx = blocks(case)
        .iter()
        .find_map(|b| b["txs"].as_array().and_then(|t| t.first()))
        .unwrap();
    let bytes = vectors::bytes(&tx["block_tx"]);
    let expected = WitnessHash(vectors::bytes32(&tx["witness_hash"]));
    // The last byte sits in a proof's neighbor: still decodes, another hash.
    let mut flipped = bytes.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let other = BlockTx::from_bytes(&flipped).unwrap();
    assert_ne!(other.witness_hash(), expected);
    // Truncated or extended encodings are refused.
    assert!(BlockTx::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    let mut long = bytes.clone();
    long.push(0);
    assert!(BlockTx::from_bytes(&long).is_err());
}

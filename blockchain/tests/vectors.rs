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

/// Generators large enough for the vectors' transactions.
fn gens() -> batch::Generators {
    batch::Generators::new(1024)
}

fn start_from(case: &Value) -> ChainState {
    let first = &blocks(case)[0];
    let utxos: Vec<ContractId> = first["utxos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| ContractId(vectors::bytes32(u)))
        .collect();
    let timestamp = first["header"]["timestamp_ms"].as_u64().unwrap();
    ChainState::start(timestamp, &utxos, producer_key())
        .unwrap()
        .0
}

fn block_txs(block: &Value) -> Vec<BlockTx> {
    block["txs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| BlockTx::from_bytes(&vectors::bytes(&t["block_tx"])).unwrap())
        .collect()
}

#[test]
fn the_vector_chain_applies_block_after_block() {
    let file = vectors::load("blockchain.json");
    let gens = gens();
    for case in vectors::cases(&file) {
        let mut state = start_from(case);
        for block in &blocks(case)[1..] {
            let header = header_of(&block["header"]);
            let txs = block_txs(block);
            let applied = state
                .apply_contents(&header, &txs, &gens, &blockchain::ZkVm)
                .unwrap();
            assert_eq!(applied.txs.len(), txs.len());
            assert_eq!(*applied.state.tip(), header);
            assert_eq!(applied.state.forest().root(), header.utxoroot);
            assert_eq!(
                applied.state.forest().count(),
                block["utxo_count_after"].as_u64().unwrap()
            );
            state = applied.state;
        }
    }
}

#[test]
fn a_vector_block_is_refused_on_the_wrong_state() {
    let file = vectors::load("blockchain.json");
    let gens = gens();
    let case = &vectors::cases(&file)[0];
    let state = start_from(case);
    // The third block does not follow the initial header.
    let third = &blocks(case)[2];
    let err = state
        .apply_contents(
            &header_of(&third["header"]),
            &block_txs(third),
            &gens,
            &blockchain::ZkVm,
        )
        .unwrap_err();
    assert!(matches!(
        err,
        blockchain::BlockchainError::WrongHeight { .. }
    ));
    // The second block with its transaction's proof bytes altered fails on the forest.
    let second = &blocks(case)[1];
    let mut txs = block_txs(second);
    let mut header = header_of(&second["header"]);
    let proof = txs[0].proofs[0].clone();
    if let utreexo::Proof::Committed(mut path) = proof {
        path.neighbors[0].0[0] ^= 1;
        txs[0].proofs[0] = utreexo::Proof::Committed(path);
    }
    let hashes: Vec<_> = txs.iter().map(BlockTx::witness_hash).collect();
    header.txroot = txroot(&hashes);
    let err = state
        .apply_contents(&header, &txs, &gens, &blockchain::ZkVm)
        .unwrap_err();
    assert!(
        matches!(
            &err,
            blockchain::BlockchainError::InTx { index: 0, error }
                if matches!(**error, blockchain::BlockchainError::Spend { .. })
        ),
        "{err:?}"
    );
}

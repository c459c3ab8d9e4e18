//! The chain service in process. A batch of concurrent submissions gets one verdict
//! per transaction, in order, whatever else the batch holds; a block mines the
//! admitted ones; what a block spent cannot be admitted again. A follower's service
//! refuses forged blocks without storing them.

mod common;

use blockchain::BlockchainError;
use common::*;
use encoding::Encodable;
use utreexo::UtreexoError;
use zkvm_node::chain::{Chain, ChainConfig};
use zkvm_node::devnet::{read_secret, PRODUCER_KEY_FILE};
use zkvm_node::NodeError;

#[test]
fn one_batch_gives_each_submission_its_own_verdict() {
    let dir = devnet(4);
    let funding = funding_key(dir.path());
    let producer = read_secret(dir.path(), PRODUCER_KEY_FILE).unwrap();
    let chain = Chain::open(dir.path(), producer, ChainConfig::default()).unwrap();
    let txs = payments(&funding, 0..3);

    // A bit of the signature's scalar flipped: execution passes, the batch fails.
    let mut forged = txs[1].to_bytes();
    let s_at = forged.len() - txs[1].proof.serialized_size() - 4 - 32;
    forged[s_at] ^= 1;
    let input = zkvm_node::devnet::funding_contract(&funding, 2, 1_000_000).id();
    let proof = chain.store().utxo_proof(&input).unwrap().unwrap();
    let with_proof = block_tx(txs[2].clone(), vec![proof]).encode_to_vec();
    let verdicts = chain.admit_batch(vec![
        txs[0].to_bytes(),
        forged,
        with_proof,
        vec![1, 2, 3],
        txs[0].to_bytes(),
    ]);
    assert_eq!(verdicts.len(), 5);
    let id0 = *verdicts[0].as_ref().unwrap();
    assert!(
        matches!(
            verdicts[1],
            Err(NodeError::Chain(BlockchainError::TxProofInvalid))
        ),
        "{:?}",
        verdicts[1]
    );
    let id2 = *verdicts[2].as_ref().unwrap();
    assert!(matches!(
        verdicts[3],
        Err(NodeError::Chain(BlockchainError::Encoding(_)))
    ));
    assert!(matches!(
        &verdicts[4],
        Err(NodeError::Chain(BlockchainError::AlreadyInMempool { id })) if *id == id0
    ));
    assert_eq!(chain.mempool().len(), 2);

    let header = chain.produce().unwrap();
    assert_eq!(header.height, 2);
    assert!(chain.mempool().is_empty());
    assert_eq!(chain.store().tx(&id0).unwrap().unwrap().height, 2);
    assert_eq!(chain.store().tx(&id2).unwrap().unwrap().height, 2);
    assert_eq!(chain.store().utxo_proof(&input).unwrap(), None);

    // Spent by the block: the node has no proof for the input any more.
    let again = chain.admit_batch(vec![txs[0].to_bytes()]);
    assert!(matches!(
        &again[0],
        Err(NodeError::Chain(BlockchainError::Spend {
            error: UtreexoError::NotInForest,
            ..
        }))
    ));
    // Every proof the store holds verifies against the new state.
    let state = chain.state();
    for index in [1, 3] {
        let id = zkvm_node::devnet::funding_contract(&funding, index, 1_000_000).id();
        let proof = chain.store().utxo_proof(&id).unwrap().unwrap();
        assert_eq!(state.forest().verify(&id, &proof), Ok(()));
    }
    assert_eq!(chain.store().utxo_count().unwrap(), 4 - 2 + 4);
}

#[test]
fn a_producer_key_of_another_chain_is_refused() {
    let dir = devnet(1);
    let other = zkvm::SigningKey::random(&mut rand::thread_rng());
    assert!(matches!(
        Chain::open(dir.path(), Some(other), ChainConfig::default()),
        Err(NodeError::Invalid {
            what: "producer key",
            ..
        })
    ));
}

/// A follower's chain service validates what it receives: a block signed by another
/// key, or one whose header lies about its UTXO root, is refused and not stored; the
/// producer's block applies.
#[test]
fn remote_blocks_are_validated_before_they_are_stored() {
    let dir = devnet(3);
    let producer_key = read_secret(dir.path(), PRODUCER_KEY_FILE).unwrap().unwrap();
    let follower_dir = tempfile::tempdir().unwrap();
    let genesis = zkvm_node::store::Store::open(dir.path())
        .unwrap()
        .genesis()
        .unwrap();
    zkvm_node::store::Store::create(follower_dir.path(), &genesis).unwrap();
    let follower = Chain::open(follower_dir.path(), None, ChainConfig::default()).unwrap();
    let state = follower.state();
    let time = state.tip().timestamp_ms + 1;

    let impostor = blockchain::Producer::new(zkvm::SigningKey::random(&mut rand::thread_rng()));
    let (forged, _) = impostor.make_block(&state, time, Vec::new()).unwrap();
    assert!(matches!(
        follower.apply_remote(&forged),
        Err(NodeError::Chain(BlockchainError::BadBlockSignature(_)))
    ));
    let producer = blockchain::Producer::new(producer_key.clone());
    let (mut lying, _) = producer.make_block(&state, time, Vec::new()).unwrap();
    lying.header.utxoroot.0[0] ^= 1;
    lying.signature = blockchain::sign_block(&lying.header, &producer_key);
    assert!(matches!(
        follower.apply_remote(&lying),
        Err(NodeError::Chain(BlockchainError::UtxoRootMismatch { .. }))
    ));
    assert_eq!(follower.store().tip_height().unwrap(), 1);
    assert_eq!(follower.state(), state);

    let (block, applied) = producer.make_block(&state, time, Vec::new()).unwrap();
    follower.apply_remote(&block).unwrap();
    assert_eq!(follower.state(), applied.state);
    assert_eq!(follower.store().tip_height().unwrap(), 2);
}

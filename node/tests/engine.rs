//! The admission engine in process. A batch of concurrent submissions gets one
//! verdict per transaction, in order, whatever else the batch holds; a block mines
//! the admitted ones; what a block spent cannot be admitted again; a recheck is a
//! lookup that says why a transaction left. A follower's engine refuses forged blocks
//! without storing them.

mod common;

use blockchain::BlockchainError;
use common::*;
use encoding::Encodable;
use std::sync::Arc;
use zkvm_node::devnet::PRODUCER_KEY_FILE;
use zkvm_node::engine::{Engine, EngineConfig};
use zkvm_node::keys::read_secret;
use zkvm_node::producer::{BlockProducer, MAX_BLOCK_BYTES};
use zkvm_node::store::RELOCATE_EVERY;
use zkvm_node::NodeError;

/// The engine of a devnet directory and its producer.
fn producing(dir: &std::path::Path) -> (Arc<Engine>, BlockProducer) {
    let engine = Arc::new(Engine::open(dir, EngineConfig::default()).unwrap());
    let key = read_secret(dir, PRODUCER_KEY_FILE).unwrap().unwrap();
    let producer = BlockProducer::new(engine.clone(), key, MAX_BLOCK_BYTES).unwrap();
    (engine, producer)
}

#[test]
fn one_batch_gives_each_submission_its_own_verdict() {
    let dir = devnet(4);
    let funding = funding_key(dir.path());
    let (chain, producer) = producing(dir.path());
    let txs = payments(&funding, 0..3);

    // A bit of the signature's scalar flipped: execution passes, the batch fails.
    let mut forged = txs[1].to_bytes();
    let s_at = forged.len() - txs[1].proof.serialized_size() - 4 - 32;
    forged[s_at] ^= 1;
    let input = zkvm_node::devnet::funding_contract(&funding, 2, 1_000_000).id();
    let proof = chain.store().utxo_proof(&input).unwrap().unwrap();
    let with_proof = block_tx(txs[2].clone(), vec![proof]).encode_to_vec();
    let verdicts = chain.admit(vec![
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
    // The status counts every submission checked and the two admitted.
    let counts = chain.status().admissions;
    assert_eq!((counts.checked, counts.admitted), (5, 2));
    assert!(!counts.time.is_zero());

    let header = producer.produce().unwrap();
    assert_eq!(header.height, 2);
    assert!(chain.mempool().is_empty());
    assert_eq!(chain.store().tx(&id0).unwrap().unwrap().height, 2);
    assert_eq!(chain.store().tx(&id2).unwrap().unwrap().height, 2);
    assert_eq!(chain.store().utxo_proof(&input).unwrap(), None);

    // Spent by the block: the node has no proof for the input any more.
    let again = chain.admit(vec![txs[0].to_bytes()]);
    assert!(matches!(&again[0], Err(NodeError::NoProof { .. })));
    let message = again[0].as_ref().unwrap_err().to_string();
    assert!(message.contains("not an unspent output"), "{message}");
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
    let engine = Arc::new(Engine::open(dir.path(), EngineConfig::default()).unwrap());
    assert!(matches!(
        BlockProducer::new(engine, other, MAX_BLOCK_BYTES),
        Err(NodeError::Invalid {
            what: "producer key",
            ..
        })
    ));
}

/// A follower's engine validates what it receives: a block signed by another
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
    let follower = Engine::open(follower_dir.path(), EngineConfig::default()).unwrap();
    let state = follower.state();
    let time = state.tip().timestamp_ms + 1;

    let impostor = blockchain::Producer::new(zkvm::SigningKey::random(&mut rand::thread_rng()));
    let (forged, _) = impostor.make_block(&state, time, Vec::new()).unwrap();
    assert!(matches!(
        follower.apply_block(&forged),
        Err(NodeError::Chain(BlockchainError::BadBlockSignature(_)))
    ));
    let producer = blockchain::Producer::new(producer_key.clone());
    let (mut lying, _) = producer.make_block(&state, time, Vec::new()).unwrap();
    lying.header.utxoroot.0[0] ^= 1;
    lying.signature = blockchain::sign_block(&lying.header, &producer_key);
    assert!(matches!(
        follower.apply_block(&lying),
        Err(NodeError::Chain(BlockchainError::UtxoRootMismatch { .. }))
    ));
    assert_eq!(follower.store().tip_height().unwrap(), 1);
    assert_eq!(follower.state(), state);

    let (block, applied) = producer.make_block(&state, time, Vec::new()).unwrap();
    follower.apply_block(&block).unwrap();
    assert_eq!(follower.state(), applied.state);
    assert_eq!(follower.store().tip_height().unwrap(), 2);
}

/// A recheck after a block never verifies again: a waiting transaction is found by
/// its bytes, a mined one is refused with the block that mined it, bytes never
/// admitted are not waiting.
#[test]
fn a_recheck_is_a_lookup_that_says_why_a_transaction_left() {
    let dir = devnet(3);
    let funding = funding_key(dir.path());
    let (engine, producer) = producing(dir.path());
    let txs = payments(&funding, 0..2);
    let id = *engine.admit(vec![txs[0].to_bytes()])[0].as_ref().unwrap();
    assert_eq!(engine.recheck(&txs[0].to_bytes()).unwrap(), id);
    assert!(matches!(
        engine.recheck(&txs[1].to_bytes()),
        Err(NodeError::NotWaiting)
    ));
    assert!(matches!(
        engine.recheck(&[7, 7, 7]),
        Err(NodeError::Chain(BlockchainError::Encoding(_)))
    ));
    producer.produce().unwrap();
    assert!(!engine.is_pending(&id));
    assert!(matches!(
        engine.recheck(&txs[0].to_bytes()),
        Err(NodeError::Chain(BlockchainError::Mined { height: 2 }))
    ));
}

/// The store's proof of an input wins over a stale one sent; a proof sent is used
/// for an input the store has none of, and a bare transaction is then refused with
/// the input named.
#[test]
fn the_stores_proofs_win_and_sent_ones_fill_the_gaps() {
    let dir = devnet(4);
    let funding = funding_key(dir.path());
    let (engine, producer) = producing(dir.path());
    let txs = payments(&funding, 0..3);
    let input = |i: u64| zkvm_node::devnet::funding_contract(&funding, i, 1_000_000).id();
    let stale = engine.store().utxo_proof(&input(1)).unwrap().unwrap();
    engine.admit(vec![txs[0].to_bytes()])[0].as_ref().unwrap();
    producer.produce().unwrap();
    let state = engine.state();
    assert!(
        state.forest().verify(&input(1), &stale).is_err(),
        "the block moved the proof"
    );
    let with_stale = block_tx(txs[1].clone(), vec![stale]).encode_to_vec();
    assert!(engine.admit(vec![with_stale])[0].is_ok());

    // A node restored from a snapshot of this state keeps no proofs of old outputs.
    let restored = tempfile::tempdir().unwrap();
    let genesis = engine.store().genesis().unwrap();
    let store = zkvm_node::store::Store::create_at_tip(
        restored.path(),
        &genesis,
        state.tip(),
        state.forest(),
    )
    .unwrap();
    let synced = Engine::with_store(store, EngineConfig::default()).unwrap();
    let bare = synced.admit(vec![txs[2].to_bytes()]);
    assert!(
        matches!(
            &bare[0],
            Err(NodeError::NoProof { input: i }) if *i == input(2)
        ),
        "{bare:?}"
    );
    let current = engine.store().utxo_proof(&input(2)).unwrap().unwrap();
    let sent = block_tx(txs[2].clone(), vec![current]).encode_to_vec();
    assert!(synced.admit(vec![sent])[0].is_ok());
}

/// The mempool is kept in the store: after a restart the waiting transactions wait
/// again (re-checked), what a block mined is gone, and a stored transaction refused
/// now is forgotten.
#[test]
fn the_mempool_survives_a_restart_and_is_checked_again() {
    let dir = devnet(4);
    let funding = funding_key(dir.path());
    let txs = payments(&funding, 0..3);
    let (engine, producer) = producing(dir.path());
    let ids: Vec<_> = engine
        .admit(vec![txs[0].to_bytes(), txs[1].to_bytes()])
        .into_iter()
        .map(Result::unwrap)
        .collect();
    drop((engine, producer));

    let (engine, producer) = producing(dir.path());
    assert_eq!(engine.mempool().len(), 2);
    assert!(ids.iter().all(|id| engine.is_pending(id)));
    producer.produce().unwrap();
    assert!(engine.mempool().is_empty());
    let id2 = engine.admit(vec![txs[2].to_bytes()])[0]
        .as_ref()
        .copied()
        .unwrap();
    engine
        .store()
        .update_pending(&[(zkvm::TxId([9; 32]), vec![1, 2, 3])], &[])
        .unwrap();
    drop((engine, producer));

    let (engine, _producer) = producing(dir.path());
    let waiting: Vec<_> = engine.mempool().iter().map(|p| p.id).collect();
    assert_eq!(waiting, [id2]);
    let stored: Vec<_> = engine
        .store()
        .pending_txs()
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        stored,
        [id2],
        "the refused one is forgotten, the mined ones gone"
    );
}

/// The static scan refuses a transaction whose top-level `push`/`input` names an
/// output the store does not hold before the VM runs: its program would fail in the
/// VM (a trailing `drop` on an empty stack), yet the answer names the input.
#[test]
fn an_unknown_claimed_input_is_refused_before_the_vm() {
    let dir = devnet(2);
    let funding = funding_key(dir.path());
    let (engine, _producer) = producing(dir.path());
    let mut tx = payment(&funding, 7, &gens());
    let unknown = zkvm_node::devnet::funding_contract(&funding, 7, 1_000_000).id();
    assert_eq!(
        zkvm_node::engine::claimed_inputs(&tx).unwrap(),
        [unknown],
        "the scan finds the spent output"
    );
    tx.program.push(zkvm::Opcode::Drop as u8);
    tx.program.push(zkvm::Opcode::Drop as u8);
    let verdict = engine.admit_measured(vec![tx.to_bytes()]).remove(0);
    assert!(
        matches!(&verdict.result, Err(NodeError::NoProof { input }) if *input == unknown),
        "{verdict:?}"
    );
    // Known input: the VM runs and refuses the same program.
    let mut known = payment(&funding, 1, &gens());
    known.program.push(zkvm::Opcode::Drop as u8);
    known.program.push(zkvm::Opcode::Drop as u8);
    let verdict = engine.admit(vec![known.to_bytes()]).remove(0);
    assert!(
        matches!(
            verdict,
            Err(NodeError::Chain(BlockchainError::TxInvalid(_)))
        ),
        "{verdict:?}"
    );
}

/// Proofs kept behind the tip (`store::proofs`): over more blocks than
/// `RELOCATE_EVERY`, with restarts while they lag and after they moved, the store
/// gives every unspent output (funding outputs and the payments' outputs) a proof
/// valid at the tip, and a spent one none.
#[test]
fn every_unspent_outputs_proof_stays_valid_as_the_proofs_lag_and_move() {
    let blocks = RELOCATE_EVERY + 6;
    let dir = devnet(blocks);
    let funding = funding_key(dir.path());
    let txs = payments(&funding, 0..blocks);
    let funded: Vec<_> = (0..blocks)
        .map(|i| zkvm_node::devnet::funding_contract(&funding, i, 1_000_000).id())
        .collect();
    let mut outputs = Vec::new();
    let (mut engine, mut producer) = producing(dir.path());
    for (i, tx) in txs.iter().enumerate() {
        if i == 5 || i as u64 == RELOCATE_EVERY + 3 {
            drop((engine, producer));
            (engine, producer) = producing(dir.path());
        }
        let id = *engine.admit(vec![tx.to_bytes()])[0].as_ref().unwrap();
        producer.produce().unwrap();
        let record = engine.store().tx(&id).unwrap().expect("mined");
        outputs.extend(record.log.outputs().map(|c| c.id()));
        let state = engine.store().load_state().unwrap();
        for (j, input) in funded.iter().enumerate() {
            let proof = engine.store().utxo_proof(input).unwrap();
            match proof {
                Some(proof) if j > i => assert_eq!(state.forest().verify(input, &proof), Ok(())),
                None if j <= i => {}
                other => panic!("funding output {j} after block {i}: {other:?}"),
            }
        }
        for output in &outputs {
            let proof = engine.store().utxo_proof(output).unwrap().expect("unspent");
            assert_eq!(
                state.forest().verify(output, &proof),
                Ok(()),
                "after block {i}"
            );
        }
        assert_eq!(
            engine.store().utxo_count().unwrap(),
            (blocks - 1 - i as u64) + outputs.len() as u64
        );
    }
}

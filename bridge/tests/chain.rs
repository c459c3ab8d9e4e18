//! Imports under the chain's own rules (`blockchain`): the genesis creates the bridge
//! anchor; two imports in one block chain through it (the second spends the anchor
//! the first created, with a proof of kind 0); the next block's import spends the
//! anchor with the proof the block's catch-up gives. Every block is validated in
//! full, as a follower would.

mod common;

use alloy::primitives::Address as EthAddress;
use blockchain::{BlockTx, ChainState, Producer, ZkVm};
use bridge::import::build_import;
use bridge::{apply_tx, BridgeState, DepositReport, Domain};
use common::recipient;
use utreexo::Proof;
use zkvm::{Generators, Verifier};

fn deposit(nonce: u64, amount: u64) -> DepositReport {
    DepositReport {
        nonce,
        token: EthAddress::ZERO,
        amount,
        recipient: recipient(nonce).address.to_bytes(),
        l1_tx: alloy::primitives::B256::repeat_byte(nonce as u8),
    }
}

/// The import of `d` as the next one of `state` (advanced by it), spending the anchor
/// with `proof`.
fn import(
    state: &mut BridgeState,
    d: &DepositReport,
    proof: Proof,
    gens: &Generators,
) -> (BlockTx, zkvm::VerifiedTx) {
    let import = build_import(d, state, gens).expect("builds");
    let verified = Verifier::verify_tx(&import.tx, gens).expect("verifies");
    apply_tx(state, &import.tx, &verified, std::slice::from_ref(d)).expect("the rule accepts it");
    let btx = BlockTx {
        tx: import.tx,
        proofs: vec![proof],
    };
    (btx, verified)
}

#[test]
fn imports_chain_through_the_anchor_within_and_across_blocks() {
    let gens = Generators::new(zkvm::GENERATOR_CAPACITY);
    let domain = Domain {
        chain_id: 1337,
        bridge: EthAddress::repeat_byte(0xb1),
    };
    let mut bridge = BridgeState::genesis(domain);
    let producer = Producer::new(zkvm::SigningKey::new(
        curve25519_dalek::scalar::Scalar::from(5u64),
    ));
    let genesis_anchor = bridge.anchor_contract().id();
    let (chain, proofs) = producer
        .start_network(1_000, &[genesis_anchor])
        .expect("a genesis with the bridge anchor");

    // Block 2: two imports; the second spends the anchor the first created.
    let first = import(&mut bridge, &deposit(0, 100), proofs[0].clone(), &gens);
    let second = import(&mut bridge, &deposit(1, 200), Proof::Transient, &gens);
    let (block, _) = producer
        .make_block(&chain, 2_000, vec![first, second])
        .expect("the producer builds it");
    let applied = chain
        .apply_block(&block, &gens, &ZkVm)
        .expect("a follower validates it");
    assert_eq!(applied.txs.len(), 2);

    // Block 3: the anchor left by block 2 is a committed output now.
    let anchor = bridge.anchor_contract().id();
    let proof = applied
        .catchup
        .update_proof(&anchor, &Proof::Transient)
        .expect("the catch-up proves the new anchor");
    let third = import(&mut bridge, &deposit(2, 300), proof, &gens);
    let chain: ChainState = applied.state;
    let (block, _) = producer
        .make_block(&chain, 3_000, vec![third])
        .expect("builds");
    chain.apply_block(&block, &gens, &ZkVm).expect("validates");
    assert_eq!(bridge.held(&EthAddress::ZERO), 600);
    // The spent genesis anchor cannot be spent again: an import from a stale state
    // fails the chain's own rules.
    let mut stale = BridgeState::genesis(domain);
    let replay = import(&mut stale, &deposit(3, 1), proofs[0].clone(), &gens);
    assert!(producer.make_block(&chain, 4_000, vec![replay]).is_err());
}

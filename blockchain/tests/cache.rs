//! The verification cache: blocks of admitted transactions apply without running the
//! VM, anything not byte-identical to what was verified misses, failures are never
//! cached, the size is bounded; and a bad transaction among many is named by
//! bisecting the batches.

mod common;

use batch::BatchVerification;
use blockchain::{
    Block, BlockTx, BlockchainError, CacheKey, CachingVerifier, Mempool, TxVerifier,
    VerificationCache,
};
use common::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use zkvm::{Tx, VerifiedTx, VmError};

/// The stand-in VM, counting its runs.
#[derive(Default)]
struct Counting(AtomicUsize);

impl Counting {
    fn calls(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl TxVerifier for Counting {
    fn verify_tx<B: BatchVerification>(
        &self,
        tx: &Tx,
        batch: &mut B,
    ) -> Result<VerifiedTx, VmError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        MockVm.verify_tx(tx, batch)
    }
}

fn in_tx(err: BlockchainError) -> (usize, BlockchainError) {
    match err {
        BlockchainError::InTx { index, error } => (index, *error),
        other => panic!("not attributed to a transaction: {other:?}"),
    }
}

/// `n` one-input payments spending the devnet's first outputs.
fn payments(net: &Devnet, n: usize) -> Vec<BlockTx> {
    (0..n)
        .map(|i| spend(&net.utxos[i..i + 1], &[anchor(i as u64)], 1 + i as u64))
        .collect()
}

/// A mempool on the devnet's genesis that admitted `txs`.
fn pool_with(net: &Devnet, txs: &[BlockTx]) -> Mempool {
    let mut pool = Mempool::new(&net.genesis, 1 << 24);
    for btx in txs {
        pool.admit(btx.clone(), 2000, &gens(), &MockVm).unwrap();
    }
    pool
}

#[test]
fn a_block_of_admitted_transactions_applies_without_running_the_vm() {
    let net = devnet(40);
    let txs = payments(&net, 40);
    let pool = pool_with(&net, &txs);
    assert_eq!(pool.cache().len(), 40);
    let (block, produced) = net
        .producer
        .produce(&net.genesis, &pool, 2000, 1 << 24)
        .unwrap();
    assert_eq!(block.txs.len(), 40);

    let vm = Counting::default();
    let cached = CachingVerifier::new(pool.cache(), &vm);
    let applied = net.genesis.apply_block(&block, &gens(), &cached).unwrap();
    assert_eq!(vm.calls(), 0, "a cached transaction ran the VM");
    assert_eq!(applied.state, produced.state);
    assert_eq!(applied.txs, produced.txs);

    // Without the cache every transaction runs.
    let applied = net.genesis.apply_block(&block, &gens(), &vm).unwrap();
    assert_eq!(vm.calls(), 40);
    assert_eq!(applied.state, produced.state);
}

#[test]
fn a_transaction_with_another_proof_misses_the_cache() {
    let net = devnet(4);
    let txs = payments(&net, 4);
    let pool = pool_with(&net, &txs);
    let mut changed = txs.clone();
    // Same program, so the same ID and log; only the proof's bytes differ.
    let mut proof = changed[2].tx.proof.to_bytes();
    proof[1..33]
        .copy_from_slice(curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED.as_bytes());
    changed[2].tx.proof = zkvm::R1csProof::from_bytes(&proof).unwrap();
    assert_eq!(verified(&changed[2]).id, verified(&txs[2]).id);
    assert_ne!(CacheKey::of(&changed[2].tx), CacheKey::of(&txs[2].tx));
    // The signature is part of the key too.
    let mut resigned = txs[1].clone();
    resigned.tx.signature.s = curve25519_dalek::scalar::Scalar::ONE;
    assert_ne!(CacheKey::of(&resigned.tx), CacheKey::of(&txs[1].tx));

    let header = next_header(&net.genesis, &changed, 2000);
    let block = signed_block(&net.key, header, changed);
    let vm = Counting::default();
    net.genesis
        .apply_block(&block, &gens(), &CachingVerifier::new(pool.cache(), &vm))
        .unwrap();
    assert_eq!(vm.calls(), 1, "only the changed transaction runs");
}

#[test]
fn a_cache_miss_is_still_checked_and_blamed() {
    let net = devnet(8);
    let txs = payments(&net, 8);
    let pool = pool_with(&net, &txs[..7]);
    let mut bad = txs.clone();
    set_mode(&mut bad[7], MODE_FALSE);
    let header = next_header(&net.genesis, &bad, 2000);
    let block = signed_block(&net.key, header, bad);
    let vm = Counting::default();
    let err = net
        .genesis
        .apply_block(&block, &gens(), &CachingVerifier::new(pool.cache(), &vm))
        .unwrap_err();
    assert_eq!(vm.calls(), 1);
    assert_eq!(in_tx(err), (7, BlockchainError::TxProofInvalid));
}

#[test]
fn a_forged_transaction_is_never_cached() {
    let net = devnet(3);
    let txs = payments(&net, 3);
    let mut pool = Mempool::new(&net.genesis, 1 << 20);
    let mut forged = txs[0].clone();
    set_mode(&mut forged, MODE_FALSE);
    assert_eq!(
        pool.admit(forged.clone(), 2000, &gens(), &MockVm),
        Err(BlockchainError::TxProofInvalid)
    );
    let mut refused = txs[1].clone();
    set_mode(&mut refused, MODE_REFUSED);
    assert!(pool.admit(refused.clone(), 2000, &gens(), &MockVm).is_err());
    assert!(pool.cache().is_empty());
    assert_eq!(pool.cache().get(&CacheKey::of(&forged.tx)), None);

    // The forged one in a block is checked, not taken from the cache.
    pool.admit(txs[2].clone(), 2000, &gens(), &MockVm).unwrap();
    assert_eq!(pool.cache().len(), 1);
    let block_txs = vec![forged, txs[2].clone()];
    let header = next_header(&net.genesis, &block_txs, 2000);
    let block: Block = signed_block(&net.key, header, block_txs);
    let cached = CachingVerifier::new(pool.cache(), MockVm);
    let err = net
        .genesis
        .apply_block(&block, &gens(), &cached)
        .unwrap_err();
    assert_eq!(in_tx(err), (0, BlockchainError::TxProofInvalid));
}

#[test]
fn the_cache_forgets_its_oldest_entries_past_its_capacity() {
    let net = devnet(5);
    let txs = payments(&net, 5);
    let cache = VerificationCache::new(3);
    for btx in &txs {
        cache.insert(&btx.tx, verified(btx));
        assert!(cache.len() <= 3);
    }
    assert_eq!(cache.len(), 3);
    for (i, btx) in txs.iter().enumerate() {
        let got = cache.get(&CacheKey::of(&btx.tx));
        assert_eq!(got.is_some(), i >= 2, "entry {i}");
    }
    // Inserting an entry again neither grows the cache nor evicts.
    cache.insert(&txs[4].tx, verified(&txs[4]));
    assert_eq!(cache.len(), 3);
    assert!(cache.get(&CacheKey::of(&txs[2].tx)).is_some());

    let none = VerificationCache::new(0);
    none.insert(&txs[0].tx, verified(&txs[0]));
    assert!(none.is_empty());
}

#[test]
fn one_bad_transaction_among_many_is_named() {
    let net = devnet(256);
    let txs = payments(&net, 256);
    for bad_at in [0, 1, 100, 127, 128, 255] {
        let mut bad = txs.clone();
        set_mode(&mut bad[bad_at], MODE_FALSE);
        let header = next_header(&net.genesis, &bad, 2000);
        let block = signed_block(&net.key, header, bad);
        let vm = Counting::default();
        let err = net.genesis.apply_block(&block, &gens(), &vm).unwrap_err();
        assert_eq!(in_tx(err), (bad_at, BlockchainError::TxProofInvalid));
        assert_eq!(vm.calls(), 256, "a VM ran again to find the culprit");
    }
}

#[test]
fn an_entry_is_found_from_the_bytes_of_its_transaction() {
    let net = devnet(2);
    let txs = payments(&net, 2);
    let cache = VerificationCache::default();
    cache.insert(&txs[0].tx, verified(&txs[0]));
    for (i, btx) in txs.iter().enumerate() {
        for bytes in [btx.tx.to_bytes(), btx.to_bytes()] {
            let tx = blockchain::leading_tx(&bytes).unwrap();
            let key = CacheKey::of_encoding(tx);
            assert_eq!(key, CacheKey::of(&btx.tx));
            let expected = (i == 0).then(|| verified(btx).id);
            assert_eq!(cache.tx_id(&key), expected, "payment {i}");
        }
    }
}

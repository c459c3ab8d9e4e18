//! Mempool admission, ordering, eviction, conflicts, and the passage of blocks.
//! Uses the stand-in VM of `common`.

mod common;

use blockchain::{BlockTx, BlockchainError, Mempool, TxVerifier};
use common::*;
use encoding::Encodable;
use utreexo::{Proof, UtreexoError};
use zkvm::TxHeader;

const NOW: u64 = 1500;

fn admit(pool: &mut Mempool, btx: BlockTx) -> Result<blockchain::Admitted, BlockchainError> {
    pool.admit(btx, NOW, &gens(), &MockVm)
}

/// Admission must fail with `expected`, leaving the mempool as it was.
fn refused(pool: &mut Mempool, btx: BlockTx) -> BlockchainError {
    let before: Vec<_> = pool.entries().map(|e| e.id()).collect();
    let bytes = pool.bytes();
    // The checks that need no VM run agree with admission.
    let gens = gens();
    if let Ok(verified) = MockVm.verify_tx(&btx.tx, &mut batch::SingleVerifier::new(&gens)) {
        if let Err(checked) = pool.check(btx.clone(), &verified, NOW) {
            assert_eq!(admit(pool, btx.clone()).unwrap_err(), checked);
        }
    }
    let err = admit(pool, btx).unwrap_err();
    let after: Vec<_> = pool.entries().map(|e| e.id()).collect();
    assert_eq!(before, after);
    assert_eq!(bytes, pool.bytes());
    err
}

#[test]
fn entries_are_ordered_by_fee_rate_then_age() {
    let net = devnet(6);
    let mut pool = Mempool::new(&net.genesis, 1 << 20);
    let fees = [5u64, 50, 20, 50, 1];
    let ids: Vec<_> = fees
        .iter()
        .enumerate()
        .map(|(i, &fee)| {
            admit(
                &mut pool,
                spend(&net.utxos[i..i + 1], &[anchor(i as u64)], fee),
            )
            .unwrap()
            .id
        })
        .collect();
    let order: Vec<_> = pool.entries().map(|e| e.id()).collect();
    // Same sizes, so fee order; the two 50s in arrival order.
    assert_eq!(order, vec![ids[1], ids[3], ids[2], ids[0], ids[4]]);
    assert_eq!(pool.len(), 5);
    let sizes: Vec<_> = ids.iter().map(|id| pool.get(id).unwrap().size()).collect();
    assert_eq!(pool.bytes(), sizes.iter().sum::<usize>());
    // A block of room for three takes the best three.
    let room = sizes[1] + sizes[3] + sizes[2];
    let chosen: Vec<_> = pool
        .select(2000, 1, room, 0)
        .iter()
        .map(|e| e.id())
        .collect();
    assert_eq!(chosen, vec![ids[1], ids[3], ids[2]]);
    // Counting a consensus engine's framing per transaction, the third no longer fits.
    let framed = pool.select(2000, 1, room, 8);
    assert_eq!(framed[0].id(), ids[1]);
    assert_eq!(framed[1].id(), ids[3]);
    assert!(framed.iter().all(|e| e.id() != ids[2]));
    assert!(framed.iter().map(|e| e.size() + 8).sum::<usize>() <= room);
    let wider: Vec<_> = pool
        .select(2000, 1, room + 24, 8)
        .iter()
        .map(|e| e.id())
        .collect();
    assert_eq!(wider, vec![ids[1], ids[3], ids[2]]);
    // Those not yet valid at the block's time are skipped.
    let mut late = spend(&net.utxos[5..6], &[anchor(9)], 100);
    late.tx.header = TxHeader {
        version: 1,
        mintime_ms: NOW,
        maxtime_ms: 1800,
    };
    let late_id = admit(&mut pool, late).unwrap().id;
    assert_eq!(pool.entries().next().unwrap().id(), late_id);
    assert!(pool
        .select(2000, 1, usize::MAX, 0)
        .iter()
        .all(|e| e.id() != late_id));
    assert_eq!(pool.select(1700, 1, usize::MAX, 0)[0].id(), late_id);
}

#[test]
fn the_lowest_fee_rate_is_evicted_beyond_the_limit() {
    let net = devnet(6);
    let probe = spend(&net.utxos[..1], &[anchor(0)], 1);
    let size = probe.encoded_len();
    let mut pool = Mempool::new(&net.genesis, 3 * size);
    let a = admit(&mut pool, spend(&net.utxos[0..1], &[anchor(0)], 10))
        .unwrap()
        .id;
    let b = admit(&mut pool, spend(&net.utxos[1..2], &[anchor(1)], 30))
        .unwrap()
        .id;
    let c = admit(&mut pool, spend(&net.utxos[2..3], &[anchor(2)], 20)).unwrap();
    assert!(c.evicted.is_empty());
    // Full: a better one pushes out the worst.
    let d = admit(&mut pool, spend(&net.utxos[3..4], &[anchor(3)], 40)).unwrap();
    assert_eq!(d.evicted.len(), 1);
    assert_eq!(d.evicted[0].id, a);
    assert!(matches!(d.evicted[0].reason, BlockchainError::Evicted { rate } if rate.fee() == 10));
    let rate = d.evicted[0].reason.to_string();
    assert!(rate.ends_with("per weight unit, was the lowest"), "{rate}");
    assert!(pool.get(&a).is_none());
    // A newcomer no better than the worst is refused, and nothing changes.
    let err = refused(&mut pool, spend(&net.utxos[4..5], &[anchor(4)], 20));
    let BlockchainError::FeeRateTooLow { rate, lowest } = &err else {
        panic!("{err:?}")
    };
    assert!(rate.fee() == 20 && lowest.fee() == 20);
    assert_eq!(
        err.to_string(),
        format!(
            "the mempool is full and fee rate {rate} does not beat its lowest, {lowest}: \
             pay a higher fee rate or wait for a block"
        )
    );
    assert!(rate.to_string().ends_with(" per weight unit"));
    // The evicted transaction's input is free again.
    admit(&mut pool, spend(&net.utxos[0..1], &[anchor(5)], 100)).unwrap();
    assert_eq!(pool.len(), 3);
    assert!(pool.get(&b).is_some());
    assert!(pool.bytes() <= pool.max_bytes());
}

#[test]
fn a_large_newcomer_evicts_several_or_none() {
    let net = devnet(6);
    let small = spend(&net.utxos[..1], &[anchor(0)], 1).encoded_len();
    let big = spend(&net.utxos[..3], &[anchor(0)], 1).encoded_len();
    let mut pool = Mempool::new(&net.genesis, 3 * small);
    for i in 0..3 {
        admit(
            &mut pool,
            spend(&net.utxos[i..i + 1], &[anchor(i as u64)], 10 + i as u64),
        )
        .unwrap();
    }
    assert!(big > small && big <= 3 * small);
    // Pays a rate above only the cheapest one: evicting it is not enough. (Rates
    // are per unit of weight, here the bytes of the transaction without its proofs.)
    let small_tx = verified(&spend(&net.utxos[..1], &[anchor(0)], 1))
        .feerate
        .weight();
    let big_tx = verified(&spend(&net.utxos[..3], &[anchor(0)], 1))
        .feerate
        .weight();
    let fee = (10 * big_tx) / small_tx + 1;
    assert!(fee * small_tx < 11 * big_tx);
    let err = refused(&mut pool, spend(&net.utxos[3..6], &[anchor(9)], fee));
    assert!(
        matches!(err, BlockchainError::FeeRateTooLow { .. }),
        "{err:?}"
    );
    // Paying more than all of them evicts as many as needed, cheapest first.
    let rich = admit(&mut pool, spend(&net.utxos[3..6], &[anchor(9)], 1000)).unwrap();
    assert!(!rich.evicted.is_empty());
    let fees: Vec<u64> = rich
        .evicted
        .iter()
        .map(|d| match &d.reason {
            BlockchainError::Evicted { rate } => rate.fee(),
            other => panic!("{other:?}"),
        })
        .collect();
    let mut sorted = fees.clone();
    sorted.sort();
    assert_eq!(fees, sorted);
    assert!(pool.bytes() <= pool.max_bytes());
}

#[test]
fn every_cheap_check_has_its_error() {
    let net = devnet(6);
    let mut pool = Mempool::new(&net.genesis, 1 << 16);
    let first = spend(&net.utxos[..2], &[anchor(0)], 10);
    let first_id = admit(&mut pool, first.clone()).unwrap().id;

    // The same transaction again.
    assert_eq!(
        refused(&mut pool, first.clone()),
        BlockchainError::AlreadyInMempool { id: first_id }
    );
    // Another transaction spending one of its inputs.
    let err = refused(&mut pool, spend(&net.utxos[1..3], &[anchor(1)], 99));
    assert_eq!(
        err,
        BlockchainError::Conflict {
            input: net.utxos[1].0,
            with: first_id
        }
    );
    // The same input twice in one transaction.
    let twice = [net.utxos[3].clone(), net.utxos[3].clone()];
    assert_eq!(
        refused(&mut pool, spend(&twice, &[anchor(2)], 1)),
        BlockchainError::DuplicateInput {
            input: net.utxos[3].0
        }
    );
    // An input not in the confirmed set (an unconfirmed output, transient proof).
    let pending = output_id(anchor(0));
    let err = refused(
        &mut pool,
        spend(&[(pending, Proof::Transient)], &[anchor(3)], 1),
    );
    assert!(
        matches!(err, BlockchainError::Spend { input, error: UtreexoError::TransientProof } if input == pending)
    );
    // A proof that belongs to another output.
    let wrong = [(net.utxos[3].0, net.utxos[4].1.clone())];
    assert!(matches!(
        refused(&mut pool, spend(&wrong, &[anchor(4)], 1)),
        BlockchainError::Spend { .. }
    ));
    // Missing proofs.
    let mut missing = spend(&net.utxos[3..5], &[anchor(5)], 1);
    missing.proofs.pop();
    assert_eq!(
        refused(&mut pool, missing),
        BlockchainError::ProofCount {
            inputs: 2,
            proofs: 1
        }
    );
    // Out of time bounds, or of a version the chain does not take.
    let mut early = spend(&net.utxos[3..4], &[anchor(6)], 1);
    early.tx.header.mintime_ms = NOW + 1;
    assert!(matches!(
        refused(&mut pool, early),
        BlockchainError::TxTime { time: NOW, .. }
    ));
    let mut v2 = spend(&net.utxos[3..4], &[anchor(7)], 1);
    v2.tx.header.version = 2;
    assert!(matches!(
        refused(&mut pool, v2),
        BlockchainError::TxVersion { tx_version: 2, .. }
    ));
    // Refused by the VM, or by the final point check.
    let mut bad = spend(&net.utxos[3..4], &[anchor(8)], 1);
    set_mode(&mut bad, MODE_REFUSED);
    assert!(matches!(
        refused(&mut pool, bad),
        BlockchainError::TxInvalid(_)
    ));
    let mut forged = spend(&net.utxos[3..4], &[anchor(8)], 1);
    set_mode(&mut forged, MODE_FALSE);
    assert_eq!(refused(&mut pool, forged), BlockchainError::TxProofInvalid);
    // Larger than the whole pool.
    let mut tiny = Mempool::new(&net.genesis, 10);
    let err = tiny
        .admit(
            spend(&net.utxos[3..4], &[anchor(9)], 1),
            NOW,
            &gens(),
            &MockVm,
        )
        .unwrap_err();
    assert!(matches!(err, BlockchainError::TxTooLarge { limit: 10, .. }));
    assert!(
        err.to_string()
            .ends_with("more than the whole mempool holds (10 bytes)"),
        "{err}"
    );
    // Garbage bytes.
    assert!(matches!(
        pool.admit_bytes(&[1, 2, 3], NOW, &gens(), &MockVm),
        Err(BlockchainError::Encoding(_))
    ));
    assert_eq!(pool.len(), 1);
}

#[test]
fn blocks_drop_mined_conflicting_and_expired_transactions_and_update_proofs() {
    let net = devnet(10);
    let mut pool = Mempool::new(&net.genesis, 1 << 20);
    let mined = admit(&mut pool, spend(&net.utxos[0..1], &[anchor(0)], 50))
        .unwrap()
        .id;
    let loser = admit(&mut pool, spend(&net.utxos[1..2], &[anchor(1)], 5))
        .unwrap()
        .id;
    let mut short = spend(&net.utxos[2..3], &[anchor(2)], 5);
    short.tx.header.maxtime_ms = 2000;
    let expiring = admit(&mut pool, short).unwrap().id;
    let keeper = admit(
        &mut pool,
        spend(&net.utxos[3..5], &[anchor(3), anchor(4)], 5),
    )
    .unwrap()
    .id;
    let waiting = admit(&mut pool, spend(&net.utxos[5..6], &[anchor(5)], 1))
        .unwrap()
        .id;

    // The producer's block: the best mempool transaction, and a rival spend of the
    // loser's input that came from elsewhere.
    let best = pool.get(&mined).unwrap().block_tx().clone();
    let rival = spend(&net.utxos[1..2], &[anchor(11)], 1);
    let (block, applied) = net
        .producer
        .make_block(
            &net.genesis,
            2000,
            vec![
                (best.clone(), verified(&best)),
                (rival.clone(), verified(&rival)),
            ],
        )
        .unwrap();
    let follower = net.genesis.apply_block(&block, &gens(), &MockVm).unwrap();
    assert_eq!(follower.state, applied.state);

    let dropped = pool.apply_block(&applied).unwrap();
    let reasons: Vec<_> = dropped.iter().map(|d| (d.id, d.reason.clone())).collect();
    assert_eq!(
        reasons,
        vec![
            (mined, BlockchainError::Mined { height: 2 }),
            (
                loser,
                BlockchainError::SpentByBlock {
                    input: net.utxos[1].0,
                    height: 2
                }
            ),
            (
                expiring,
                BlockchainError::Expired {
                    maxtime: 2000,
                    tip_time: 2000
                }
            ),
        ]
    );
    assert_eq!(pool.len(), 2);
    assert_eq!(pool.tip(), applied.state.tip());
    // The survivors' proofs are those of the new forest.
    for id in [keeper, waiting] {
        let entry = pool.get(&id).unwrap();
        for (input, proof) in entry.verified().log.inputs().zip(&entry.block_tx().proofs) {
            assert_eq!(applied.state.forest().verify(input, proof), Ok(()));
        }
    }

    // Two more blocks that do not touch them; proofs keep up. Outside the mempool,
    // proofs of two initial outputs are carried forward the same way.
    let mut outside: Vec<_> = net.utxos[6..8]
        .iter()
        .map(|(id, p)| (*id, applied.catchup.update_proof(id, p).unwrap()))
        .collect();
    let mut state = applied.state;
    for time in [3000u64, 4000] {
        let (id, proof) = outside.remove(0);
        let other = spend(&[(id, proof)], &[anchor(time)], 1);
        let (block, applied) = net
            .producer
            .make_block(&state, time, vec![(other.clone(), verified(&other))])
            .unwrap();
        state.apply(&block, &gens(), &MockVm).unwrap();
        let dropped = pool.apply_block(&applied).unwrap();
        assert!(dropped.is_empty(), "{dropped:?}");
        for (id, proof) in outside.iter_mut() {
            *proof = applied.catchup.update_proof(id, proof).unwrap();
        }
        assert_eq!(&state, &applied.state);
    }
    // Now the producer mines what is left, highest fee rate first, and a second node
    // agrees.
    let (block, applied) = net.producer.produce(&state, &pool, 5000, 1 << 20).unwrap();
    let ids: Vec<_> = applied.txs.iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![keeper, waiting]);
    state.apply(&block, &gens(), &MockVm).unwrap();
    assert_eq!(pool.apply_block(&applied).unwrap().len(), 2);
    assert!(pool.is_empty());
    assert_eq!(pool.bytes(), 0);
}

#[test]
fn a_mempool_behind_the_chain_refuses_a_later_block() {
    let net = devnet(4);
    let mut pool = Mempool::new(&net.genesis, 1 << 20);
    let first = spend(&net.utxos[0..1], &[anchor(0)], 1);
    let (block, applied) = net
        .producer
        .make_block(&net.genesis, 2000, vec![(first.clone(), verified(&first))])
        .unwrap();
    let state = net
        .genesis
        .apply_block(&block, &gens(), &MockVm)
        .unwrap()
        .state;
    let (_, later) = net.producer.make_block(&state, 3000, Vec::new()).unwrap();
    assert_eq!(
        pool.apply_block(&later).unwrap_err(),
        BlockchainError::MempoolOutOfStep {
            from: state.forest().generation(),
            at: net.genesis.forest().generation()
        }
    );
    pool.apply_block(&applied).unwrap();
    pool.apply_block(&later).unwrap();
    assert_eq!(pool.tip(), later.state.tip());
}

#[test]
fn the_producer_refuses_a_mempool_of_another_state() {
    let net = devnet(4);
    let pool = Mempool::new(&net.genesis, 1 << 20);
    let (_, applied) = net
        .producer
        .make_block(&net.genesis, 2000, Vec::new())
        .unwrap();
    let err = net
        .producer
        .produce(&applied.state, &pool, 3000, 1 << 20)
        .unwrap_err();
    assert_eq!(
        err,
        BlockchainError::MempoolOutOfStep {
            from: applied.state.forest().generation(),
            at: pool.generation()
        }
    );
    // The producer also refuses a time that is not later than the tip's.
    assert_eq!(
        net.producer
            .produce(&net.genesis, &pool, 1000, 1 << 20)
            .unwrap_err(),
        BlockchainError::TimestampNotLater {
            previous: 1000,
            got: 1000
        }
    );
}

#[test]
fn a_checked_transaction_enters_with_the_checks_that_can_change_made_again() {
    let net = devnet(6);
    let mut pool = Mempool::new(&net.genesis, 1 << 20);
    let btx = spend(&net.utxos[0..1], &[anchor(0)], 5);
    let checked = pool.check(btx.clone(), &verified(&btx), NOW).unwrap();
    assert_eq!(checked.generation(), pool.generation());
    assert_eq!(checked.block_tx(), &btx);
    let id = pool.enter(checked, verified(&btx), NOW).unwrap().id;
    assert_eq!(pool.get(&id).unwrap().block_tx(), &btx);

    // Checked while the pool was empty, a rival spend of the same output then finds
    // its input taken when it enters.
    let empty = Mempool::new(&net.genesis, 1 << 20);
    let rival = spend(&net.utxos[0..1], &[anchor(7)], 9);
    let late = empty.check(rival.clone(), &verified(&rival), NOW).unwrap();
    let before = pool.bytes();
    assert_eq!(
        pool.enter(late, verified(&rival), NOW).unwrap_err(),
        BlockchainError::Conflict {
            input: net.utxos[0].0,
            with: id
        }
    );
    assert_eq!(
        pool.bytes(),
        before,
        "a refused transaction leaves no trace"
    );

    // The same transaction twice: the second is already waiting.
    let again = empty.check(btx.clone(), &verified(&btx), NOW).unwrap();
    assert_eq!(
        pool.enter(again, verified(&btx), NOW).unwrap_err(),
        BlockchainError::AlreadyInMempool { id }
    );
}

#[test]
fn a_checked_transaction_whose_forest_moved_has_its_proofs_checked_again() {
    let net = devnet(4);
    let mut pool = Mempool::new(&net.genesis, 1 << 20);
    let stale = spend(&net.utxos[1..2], &[anchor(1)], 1);
    let checked = pool.check(stale.clone(), &verified(&stale), NOW).unwrap();
    // A block moves the forest: the proof checked before it no longer holds.
    let first = spend(&net.utxos[0..1], &[anchor(0)], 1);
    let (_, applied) = net
        .producer
        .make_block(&net.genesis, 2000, vec![(first.clone(), verified(&first))])
        .unwrap();
    pool.apply_block(&applied).unwrap();
    assert_ne!(checked.generation(), pool.generation());
    // Spending the first output moved the second's path: its old proof fails.
    assert!(applied
        .state
        .forest()
        .verify(&net.utxos[1].0, &net.utxos[1].1)
        .is_err());
    let before = pool.bytes();
    let result = pool.enter(checked, verified(&stale), NOW);
    assert!(
        matches!(result, Err(BlockchainError::Spend { input, .. }) if input == net.utxos[1].0),
        "{result:?}"
    );
    assert_eq!(pool.bytes(), before);
}

//! Blocks made by the producer and applied by other nodes; each validation rule's
//! failure; spends within and across blocks. Uses the stand-in VM of `common`.

mod common;

use blockchain::{Block, BlockTx, BlockchainError, ChainState, Mempool};
use common::*;
use utreexo::{Proof, UtreexoError};
use zkvm::ContractId;

/// Unwraps `InTx { index, error }`.
fn in_tx(err: BlockchainError) -> (usize, BlockchainError) {
    match err {
        BlockchainError::InTx { index, error } => (index, *error),
        other => panic!("expected an error inside a transaction, got {other:?}"),
    }
}

/// Applies `block` to a copy of `state` through `apply`, checks that the state did
/// not change, and returns the error.
fn refused(state: &ChainState, block: &Block) -> BlockchainError {
    let mut copy = state.clone();
    let err = copy.apply(block, &gens(), &MockVm).unwrap_err();
    assert_eq!(&copy, state, "a rejected block changed the state");
    err
}

#[test]
fn a_producer_chain_replays_on_a_second_node() {
    let net = devnet(12);
    let mut producer_state = net.genesis.clone();
    let mut follower = ChainState::start(
        net.genesis.tip().timestamp_ms,
        &net.utxos.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        net.producer.verification_key(),
    )
    .unwrap()
    .0;
    assert_eq!(follower.tip(), producer_state.tip());

    let mut mempool = Mempool::new(&producer_state, 1 << 20);
    // Outputs we can spend, with proofs kept current by each block's catch-up.
    let mut wallet: Vec<(ContractId, Proof)> = net.utxos.clone();
    let mut next_anchor = 0u64;
    for round in 0..5u64 {
        // Two two-input two-output payments per block.
        for _ in 0..2 {
            let inputs: Vec<_> = wallet.drain(..2).collect();
            let outs = [anchor(next_anchor), anchor(next_anchor + 1)];
            next_anchor += 2;
            let btx = spend(&inputs, &outs, 10 + round);
            mempool.admit(btx, 2000, &gens(), &MockVm).unwrap();
        }
        let time = 2000 + 1000 * round;
        let (block, applied) = net
            .producer
            .produce(&producer_state, &mempool, time, 1 << 20)
            .unwrap();
        assert_eq!(block.txs.len(), 2);
        let block = Block::from_bytes(&block.to_bytes()).unwrap();
        let replayed = follower.apply(&block, &gens(), &MockVm).unwrap();
        assert_eq!(replayed.state, applied.state);
        assert_eq!(replayed.txs, applied.txs);
        let dropped = mempool.apply_block(&applied).unwrap();
        assert_eq!(dropped.len(), 2);
        assert!(dropped
            .iter()
            .all(|d| matches!(d.reason, BlockchainError::Mined { height } if height == round + 2)));
        assert!(mempool.is_empty());
        // Bring the wallet's proofs forward and pick up the new outputs.
        wallet = wallet
            .into_iter()
            .map(|(id, p)| {
                let p = applied.catchup.update_proof(&id, &p).unwrap();
                (id, p)
            })
            .collect();
        for tx in &applied.txs {
            for out in tx.log.outputs() {
                let p = applied
                    .catchup
                    .update_proof(&out.id(), &Proof::Transient)
                    .unwrap();
                wallet.push((out.id(), p));
            }
        }
        producer_state = applied.state;
    }
    assert_eq!(follower.tip(), producer_state.tip());
    assert_eq!(follower.tip().height, 6);
    assert_eq!(follower.forest().count(), 12);
    assert_eq!(follower.initial(), net.genesis.initial());
    for (id, proof) in &wallet {
        assert_eq!(follower.forest().verify(id, proof), Ok(()));
    }
}

#[test]
fn an_output_created_earlier_in_the_block_can_be_spent() {
    let net = devnet(2);
    let first = spend(&net.utxos[..1], &[anchor(1)], 0);
    let second = spend(&[(output_id(anchor(1)), Proof::Transient)], &[anchor(2)], 0);
    let txs = vec![
        (first.clone(), verified(&first)),
        (second.clone(), verified(&second)),
    ];
    let (block, applied) = net.producer.make_block(&net.genesis, 2000, txs).unwrap();
    let replayed = net.genesis.apply_block(&block, &gens(), &MockVm).unwrap();
    assert_eq!(replayed.state, applied.state);
    // One initial output is left, and the second transaction's output.
    assert_eq!(replayed.state.forest().count(), 2);
    let p = replayed
        .catchup
        .update_proof(&output_id(anchor(2)), &Proof::Transient)
        .unwrap();
    assert_eq!(
        replayed.state.forest().verify(&output_id(anchor(2)), &p),
        Ok(())
    );
    // In the other order, the spend comes before the output exists.
    let swapped = vec![second.clone(), first.clone()];
    let header = next_header(&net.genesis, &swapped, 2000);
    let block = signed_block(&net.key, header, swapped);
    let (index, err) = in_tx(refused(&net.genesis, &block));
    assert_eq!(index, 0);
    assert!(matches!(
        err,
        BlockchainError::Spend {
            error: UtreexoError::NotInserted,
            ..
        }
    ));
}

#[test]
fn a_double_spend_within_a_block_is_refused() {
    let net = devnet(3);
    let a = spend(&net.utxos[..1], &[anchor(1)], 1);
    let b = spend(&net.utxos[..1], &[anchor(2)], 2);
    let txs = vec![a.clone(), b.clone()];
    let header = next_header(&net.genesis, &txs, 2000);
    let block = signed_block(&net.key, header, txs);
    let (index, err) = in_tx(refused(&net.genesis, &block));
    assert_eq!(index, 1);
    assert!(
        matches!(err, BlockchainError::Spend { input, error: UtreexoError::AlreadyDeleted } if input == net.utxos[0].0),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "input {} is not an unspent output: it was spent or never existed",
            net.utxos[0].0
        )
    );
    // The producer refuses to build it too.
    let err = net
        .producer
        .make_block(
            &net.genesis,
            2000,
            vec![(a.clone(), verified(&a)), (b.clone(), verified(&b))],
        )
        .unwrap_err();
    assert_eq!(in_tx(err).0, 1);
}

#[test]
fn a_double_spend_across_blocks_is_refused() {
    let net = devnet(3);
    let a = spend(&net.utxos[..1], &[anchor(1)], 1);
    let (block, applied) = net
        .producer
        .make_block(&net.genesis, 2000, vec![(a.clone(), verified(&a))])
        .unwrap();
    let state = net
        .genesis
        .apply_block(&block, &gens(), &MockVm)
        .unwrap()
        .state;
    assert_eq!(state, applied.state);
    // Spending it again, with the old proof or with any proof, fails.
    let again = spend(&net.utxos[..1], &[anchor(2)], 1);
    let txs = vec![again.clone()];
    let header = next_header(&state, &txs, 3000);
    let block = signed_block(&net.key, header, txs);
    let (index, err) = in_tx(refused(&state, &block));
    assert_eq!(index, 0);
    assert!(matches!(err, BlockchainError::Spend { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "input {} is not an unspent output: ",
            net.utxos[0].0
        )) && message.contains("spent or never existed"),
        "{message}"
    );
    // The catch-up refuses to carry the spent output's proof forward.
    assert_eq!(
        applied
            .catchup
            .update_proof(&net.utxos[0].0, &net.utxos[0].1),
        Err(UtreexoError::NotInForest)
    );
}

/// A valid block after genesis with one payment, and a way to alter it.
fn valid_block(net: &Devnet) -> (Vec<BlockTx>, blockchain::BlockHeader) {
    let txs = vec![spend(&net.utxos[..2], &[anchor(1), anchor(2)], 5)];
    let header = next_header(&net.genesis, &txs, 2000);
    (txs, header)
}

#[test]
fn the_valid_block_of_the_rule_tests_is_accepted() {
    let net = devnet(4);
    let (txs, header) = valid_block(&net);
    let block = signed_block(&net.key, header, txs);
    let mut state = net.genesis.clone();
    state.apply(&block, &gens(), &MockVm).unwrap();
    assert_eq!(state.tip(), &block.header);
}

#[test]
fn each_header_rule_refuses_the_block() {
    let net = devnet(4);
    let (txs, header) = valid_block(&net);
    type Mutation = fn(&mut blockchain::BlockHeader);
    type Check = fn(&BlockchainError) -> bool;
    let cases: Vec<(Mutation, Check)> = vec![
        (
            |h| h.ext = vec![1],
            |e| matches!(e, BlockchainError::ExtensionNotEmpty { len: 1 }),
        ),
        (
            |h| h.height += 1,
            |e| {
                matches!(
                    e,
                    BlockchainError::WrongHeight {
                        expected: 2,
                        got: 3
                    }
                )
            },
        ),
        (
            |h| h.prev.0[0] ^= 1,
            |e| matches!(e, BlockchainError::WrongPrevious { .. }),
        ),
        (
            |h| h.timestamp_ms = 1000,
            |e| {
                matches!(
                    e,
                    BlockchainError::TimestampNotLater {
                        previous: 1000,
                        got: 1000
                    }
                )
            },
        ),
        (
            |h| h.txroot.0[0] ^= 1,
            |e| matches!(e, BlockchainError::TxRootMismatch { .. }),
        ),
        (
            |h| h.utxoroot.0[0] ^= 1,
            |e| matches!(e, BlockchainError::UtxoRootMismatch { .. }),
        ),
    ];
    for (mutate, expected) in cases {
        let mut h = header.clone();
        mutate(&mut h);
        let block = signed_block(&net.key, h, txs.clone());
        let err = refused(&net.genesis, &block);
        assert!(expected(&err), "unexpected {err:?}");
    }
}

#[test]
fn the_version_never_decreases() {
    let net = devnet(4);
    let mut header = next_header(&net.genesis, &[], 2000);
    header.version = 2;
    header.ext = vec![7];
    let v2 = signed_block(&net.key, header, Vec::new());
    let mut state = net.genesis.clone();
    state.apply(&v2, &gens(), &MockVm).unwrap();
    let mut header = next_header(&state, &[], 3000);
    header.version = 1;
    let v1 = signed_block(&net.key, header, Vec::new());
    assert_eq!(
        refused(&state, &v1),
        BlockchainError::VersionDecreased {
            previous: 2,
            got: 1
        }
    );
}

#[test]
fn a_wrong_producer_signature_refuses_the_block() {
    let net = devnet(4);
    let (txs, header) = valid_block(&net);
    let stranger = musig::SigningKey::random(&mut rand::thread_rng());
    let block = signed_block(&stranger, header.clone(), txs.clone());
    assert!(matches!(
        refused(&net.genesis, &block),
        BlockchainError::BadBlockSignature(_)
    ));
    // A genuine signature over another header does not carry over.
    let mut other = header.clone();
    other.timestamp_ms += 1;
    let mut block = signed_block(&net.key, header, txs);
    block.signature = blockchain::sign_block(&other, &net.key);
    assert!(matches!(
        refused(&net.genesis, &block),
        BlockchainError::BadBlockSignature(_)
    ));
}

#[test]
fn transaction_time_bounds_and_version_must_fit_the_block() {
    let net = devnet(4);
    let headers = [
        (
            zkvm::TxHeader {
                version: 1,
                mintime_ms: 2001,
                maxtime_ms: 9000,
            },
            "early",
        ),
        (
            zkvm::TxHeader {
                version: 1,
                mintime_ms: 0,
                maxtime_ms: 1999,
            },
            "late",
        ),
        (
            zkvm::TxHeader {
                version: 2,
                mintime_ms: 0,
                maxtime_ms: 9000,
            },
            "version",
        ),
    ];
    for (tx_header, what) in headers {
        let mut btx = spend(&net.utxos[..1], &[anchor(1)], 0);
        btx.tx.header = tx_header;
        let txs = vec![btx];
        let header = next_header(&net.genesis, &txs, 2000);
        let block = signed_block(&net.key, header, txs);
        let (index, err) = in_tx(refused(&net.genesis, &block));
        assert_eq!(index, 0);
        match what {
            "version" => assert_eq!(
                err,
                BlockchainError::TxVersion {
                    tx_version: 2,
                    block_version: 1
                }
            ),
            _ => assert!(
                matches!(err, BlockchainError::TxTime { time: 2000, .. }),
                "{err:?}"
            ),
        }
    }
}

#[test]
fn proofs_must_match_the_inputs_one_to_one() {
    let net = devnet(4);
    for extra in [false, true] {
        let mut btx = spend(&net.utxos[..2], &[anchor(1)], 0);
        if extra {
            btx.proofs.push(Proof::Transient);
        } else {
            btx.proofs.pop();
        }
        let txs = vec![btx];
        let header = next_header(&net.genesis, &txs, 2000);
        let block = signed_block(&net.key, header, txs);
        let (_, err) = in_tx(refused(&net.genesis, &block));
        let proofs = if extra { 3 } else { 1 };
        assert_eq!(err, BlockchainError::ProofCount { inputs: 2, proofs });
    }
}

#[test]
fn an_unknown_input_is_refused() {
    let net = devnet(4);
    let ghost = output_id(anchor(999));
    let txs = vec![spend(&[(ghost, net.utxos[0].1.clone())], &[anchor(1)], 0)];
    let header = next_header(&net.genesis, &txs, 2000);
    let block = signed_block(&net.key, header, txs);
    let (_, err) = in_tx(refused(&net.genesis, &block));
    assert!(matches!(err, BlockchainError::Spend { input, .. } if input == ghost));
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("input {ghost} is not an unspent output: "))
            && message.contains("spent or never existed"),
        "{message}"
    );
}

/// A block of `n` payments, of which those at `bad` have `mode`.
fn block_with_bad(net: &Devnet, n: usize, bad: &[usize], mode: u8) -> Block {
    let txs: Vec<BlockTx> = (0..n)
        .map(|i| {
            let mut btx = spend(&net.utxos[i..i + 1], &[anchor(i as u64)], 1);
            if bad.contains(&i) {
                set_mode(&mut btx, mode);
            }
            btx
        })
        .collect();
    let header = next_header(&net.genesis, &txs, 2000);
    signed_block(&net.key, header, txs)
}

#[test]
fn the_first_failing_transaction_is_reported_whatever_the_thread_count() {
    let net = devnet(16);
    type Check = fn(&BlockchainError) -> bool;
    let cases: [(u8, Check); 2] = [
        (MODE_REFUSED, |e| matches!(e, BlockchainError::TxInvalid(_))),
        (MODE_FALSE, |e| matches!(e, BlockchainError::TxProofInvalid)),
    ];
    for (mode, is_expected) in cases {
        let block = block_with_bad(&net, 16, &[5, 6, 13], mode);
        for threads in [1, 2, 3, 4, 8] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let err = pool.install(|| refused(&net.genesis, &block));
            let (index, err) = in_tx(err);
            assert_eq!(index, 5, "with {threads} threads");
            assert!(is_expected(&err), "{err:?}");
        }
    }
}

#[test]
fn a_block_of_many_transactions_verifies_in_parallel() {
    let net = devnet(40);
    let block = block_with_bad(&net, 40, &[], 0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let applied = pool
        .install(|| net.genesis.apply_block(&block, &gens(), &MockVm))
        .unwrap();
    let ids: Vec<_> = block.txs.iter().map(|b| verified(b).id).collect();
    let got: Vec<_> = applied.txs.iter().map(|t| t.id).collect();
    assert_eq!(got, ids, "results keep block order");
}

#[test]
fn blocks_round_trip_through_their_encoding() {
    let net = devnet(4);
    let block = block_with_bad(&net, 3, &[], 0);
    let bytes = block.to_bytes();
    assert_eq!(Block::from_bytes(&bytes).unwrap(), block);
    assert!(Block::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    let mut huge = bytes.clone();
    let at = block.header.to_bytes().len() + 64;
    huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        Block::from_bytes(&huge),
        Err(BlockchainError::Encoding(
            encoding::EncodingError::CountTooLarge { .. }
        ))
    ));
}

#[test]
fn a_derived_header_matches_the_producers_and_keeps_every_rule() {
    let net = devnet(4);
    let (txs, header) = valid_block(&net);
    let applied = net
        .genesis
        .apply_derived(header.timestamp_ms, &txs, &gens(), &MockVm)
        .unwrap();
    assert_eq!(applied.state.tip(), &header);
    let err = net
        .genesis
        .apply_derived(net.genesis.tip().timestamp_ms, &txs, &gens(), &MockVm)
        .unwrap_err();
    assert!(matches!(err, BlockchainError::TimestampNotLater { .. }));
    let ghost = output_id(anchor(999));
    let bad = vec![spend(&[(ghost, net.utxos[0].1.clone())], &[anchor(1)], 0)];
    let (index, err) = in_tx(
        net.genesis
            .apply_derived(2000, &bad, &gens(), &MockVm)
            .unwrap_err(),
    );
    assert_eq!(index, 0);
    assert!(matches!(err, BlockchainError::Spend { input, .. } if input == ghost));
}

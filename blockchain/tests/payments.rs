//! Real ZkVM payments (proven by the zkvm builders, verified by the zkvm verifier):
//! a chain built by the producer and replayed by a second node, spends within and
//! across blocks, a forged signature found inside a block's batch, and the mempool
//! across several blocks.

use batch::Generators;
use blockchain::{
    AppliedBlock, Block, BlockHeader, BlockTx, BlockchainError, ChainState, Mempool, Producer, ZkVm,
};
use curve25519_dalek::scalar::Scalar;
use rand::rngs::StdRng;
use rand::SeedableRng;
use utreexo::{Proof, UtreexoError};
use zkvm::{
    Anchor, Commitment, Contract, ContractId, PortableItem, Predicate, SigningKey, TxBuilder,
    Value, Verifier,
};

fn gens() -> Generators {
    Generators::new(256)
}

/// The one key that owns every output of these tests.
fn owner() -> Predicate {
    SigningKey::new(Scalar::from(7_000_001u64)).into()
}

/// An output of `qty` units of flavor zero with open commitments, as a wallet keeps it.
fn coin(rng: &mut StdRng, qty: u64) -> Contract {
    let mut anchor = [0u8; 32];
    rand::RngCore::fill_bytes(rng, &mut anchor);
    Contract {
        predicate: owner(),
        payload: vec![PortableItem::Value(Value {
            qty: Commitment::blinded(qty, rng),
            flv: Commitment::blinded(Scalar::ZERO, rng),
        })],
        anchor: Anchor(anchor),
    }
}

/// A wallet: spendable outputs (with openings) and their proofs against the tip.
struct Wallet {
    coins: Vec<(Contract, Proof)>,
    /// Outputs of transactions not yet mined, by ID.
    pending: Vec<Contract>,
}

impl Wallet {
    /// Builds a payment of two inputs into a payment and change, with `fee`.
    fn pay(&mut self, rng: &mut StdRng, fee: u64) -> BlockTx {
        let inputs: Vec<_> = self.coins.drain(..2).collect();
        let total: u64 = inputs.iter().map(|(c, _)| qty(c)).sum();
        let mut builder = TxBuilder::new();
        for (c, _) in &inputs {
            builder = builder.spend(c.clone());
        }
        let unsigned = builder
            .pay(owner(), total / 2, Scalar::ZERO)
            .change_to(owner())
            .fee(fee)
            .build(&gens(), rng)
            .unwrap();
        self.pending.extend(unsigned.log.outputs().cloned());
        BlockTx {
            tx: unsigned.sign(rng).unwrap(),
            proofs: inputs.into_iter().map(|(_, p)| p).collect(),
        }
    }

    /// Carries proofs across a block and picks up the mined outputs.
    fn follow(&mut self, applied: &AppliedBlock) {
        for (c, p) in self.coins.iter_mut() {
            *p = applied.catchup.update_proof(&c.id(), p).unwrap();
        }
        let mined: Vec<ContractId> = applied
            .txs
            .iter()
            .flat_map(|t| t.log.outputs().map(Contract::id))
            .collect();
        let (now, later): (Vec<_>, Vec<_>) = self
            .pending
            .drain(..)
            .partition(|c| mined.contains(&c.id()));
        self.pending = later;
        for c in now {
            let p = applied
                .catchup
                .update_proof(&c.id(), &Proof::Transient)
                .unwrap();
            self.coins.push((c, p));
        }
    }
}

fn qty(c: &Contract) -> u64 {
    match &c.payload[0] {
        PortableItem::Value(v) => v.assignment().unwrap().0.to_u64().unwrap(),
        _ => panic!("not a value"),
    }
}

struct Net {
    key: SigningKey,
    producer: Producer,
    genesis: ChainState,
    wallet: Wallet,
}

fn start(rng: &mut StdRng, coins: usize) -> Net {
    let key = SigningKey::random(rng);
    let producer = Producer::new(key.clone());
    let contracts: Vec<Contract> = (0..coins).map(|_| coin(rng, 100)).collect();
    let ids: Vec<ContractId> = contracts.iter().map(Contract::id).collect();
    let (genesis, proofs) = producer.start_network(1_000, &ids).unwrap();
    Net {
        key,
        producer,
        genesis,
        wallet: Wallet {
            coins: contracts.into_iter().zip(proofs).collect(),
            pending: Vec::new(),
        },
    }
}

fn verified(btx: &BlockTx) -> zkvm::VerifiedTx {
    Verifier::verify_tx(&btx.tx, &gens()).unwrap()
}

/// A signed block after `state` with exactly `txs`, roots computed honestly where
/// the transactions allow.
fn forge(key: &SigningKey, state: &ChainState, txs: Vec<BlockTx>, time: u64) -> Block {
    let tip = state.tip();
    let hashes: Vec<_> = txs.iter().map(BlockTx::witness_hash).collect();
    let header = BlockHeader {
        version: 1,
        height: tip.height + 1,
        prev: tip.id(),
        timestamp_ms: time,
        txroot: blockchain::txroot(&hashes),
        utxoroot: state.forest().root(),
        ext: Vec::new(),
    };
    Block {
        signature: blockchain::sign_block(&header, key),
        header,
        txs,
    }
}

fn inner(err: BlockchainError) -> (usize, BlockchainError) {
    match err {
        BlockchainError::InTx { index, error } => (index, *error),
        other => panic!("expected an error inside a transaction, got {other:?}"),
    }
}

#[test]
fn a_chain_of_payments_replays_on_a_second_node() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut net = start(&mut rng, 8);
    let ids: Vec<_> = net.wallet.coins.iter().map(|(c, _)| c.id()).collect();
    let mut follower = ChainState::start(1_000, &ids, net.producer.verification_key())
        .unwrap()
        .0;
    let mut state = net.genesis.clone();
    let mut pool = Mempool::new(&state, 1 << 20);
    for round in 0..3u64 {
        for fee in [1, 3] {
            let btx = net.wallet.pay(&mut rng, fee);
            pool.admit(btx, 1_500 + round, &gens(), &ZkVm).unwrap();
        }
        let time = 2_000 + 1_000 * round;
        let (block, applied) = net.producer.produce(&state, &pool, time, 1 << 20).unwrap();
        assert_eq!(applied.txs[0].feerate.fee(), 3, "highest fee rate first");
        let block = Block::from_bytes(&block.to_bytes()).unwrap();
        let replayed = follower.apply(&block, &gens(), &ZkVm).unwrap();
        assert_eq!(replayed.state, applied.state);
        assert_eq!(pool.apply_block(&applied).unwrap().len(), 2);
        net.wallet.follow(&applied);
        state = applied.state;
    }
    assert_eq!(follower.tip(), state.tip());
    assert_eq!(follower.tip().height, 4);
    // 8 coins; each payment turns two into two.
    assert_eq!(follower.forest().count(), 8);
    for (c, p) in &net.wallet.coins {
        assert_eq!(follower.forest().verify(&c.id(), p), Ok(()));
    }
}

#[test]
fn spends_within_and_across_blocks() {
    let mut rng = StdRng::seed_from_u64(2);
    let mut net = start(&mut rng, 6);
    let genesis = net.genesis.clone();

    // An output created earlier in the block is spent later in the same block.
    let first = net.wallet.pay(&mut rng, 1);
    let made: Vec<Contract> = net.wallet.pending.drain(..).collect();
    let mut chained = TxBuilder::new();
    for c in &made {
        chained = chained.spend(c.clone());
    }
    let unsigned = chained
        .pay(owner(), 10, Scalar::ZERO)
        .change_to(owner())
        .build(&gens(), &mut rng)
        .unwrap();
    let second = BlockTx {
        tx: unsigned.sign(&mut rng).unwrap(),
        proofs: vec![Proof::Transient; made.len()],
    };
    let (block, applied) = net
        .producer
        .make_block(
            &genesis,
            2_000,
            vec![
                (first.clone(), verified(&first)),
                (second.clone(), verified(&second)),
            ],
        )
        .unwrap();
    let replayed = genesis.apply_block(&block, &gens(), &ZkVm).unwrap();
    assert_eq!(replayed.state, applied.state);
    assert_eq!(replayed.state.forest().count(), 6 - 2 + 2);

    // Two payments spending the same coin in one block.
    let coin = net.wallet.coins[0].clone();
    let double = |rng: &mut StdRng| {
        let unsigned = TxBuilder::new()
            .spend(coin.0.clone())
            .pay(owner(), 100, Scalar::ZERO)
            .build(&gens(), rng)
            .unwrap();
        BlockTx {
            tx: unsigned.sign(rng).unwrap(),
            proofs: vec![coin.1.clone()],
        }
    };
    let (a, b) = (double(&mut rng), double(&mut rng));
    let block = forge(&net.key, &genesis, vec![a.clone(), b], 2_000);
    let (index, err) = inner(genesis.apply_block(&block, &gens(), &ZkVm).unwrap_err());
    assert_eq!(index, 1);
    assert!(matches!(
        err,
        BlockchainError::Spend {
            error: UtreexoError::AlreadyDeleted,
            ..
        }
    ));

    // The same coin spent in one block, then again in the next.
    let (block, applied) = net
        .producer
        .make_block(&genesis, 2_000, vec![(a.clone(), verified(&a))])
        .unwrap();
    let state = genesis.apply_block(&block, &gens(), &ZkVm).unwrap().state;
    assert_eq!(state, applied.state);
    let again = forge(&net.key, &state, vec![a], 3_000);
    let (index, err) = inner(state.apply_block(&again, &gens(), &ZkVm).unwrap_err());
    assert_eq!(index, 0);
    assert!(matches!(err, BlockchainError::Spend { .. }), "{err:?}");
}

#[test]
fn a_forged_signature_is_found_in_the_blocks_batch() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut net = start(&mut rng, 8);
    let mut txs: Vec<BlockTx> = (0..4).map(|i| net.wallet.pay(&mut rng, i)).collect();
    // A valid-looking signature of another transaction: executes, fails the batch.
    txs[2].tx.signature = txs[1].tx.signature;
    let gens = gens();
    let verified_txs: Vec<_> = txs
        .iter()
        .map(|b| {
            let mut deferred = batch::BatchVerifier::new(&gens, rand::thread_rng());
            Verifier::verify_tx_batched(&b.tx, &mut deferred).unwrap()
        })
        .collect();
    // The producer trusts its inputs, so it builds the block; the follower refuses it.
    let (block, _) = net
        .producer
        .make_block(
            &net.genesis,
            2_000,
            txs.into_iter().zip(verified_txs).collect(),
        )
        .unwrap();
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let err = pool
            .install(|| net.genesis.apply_block(&block, &gens, &ZkVm))
            .unwrap_err();
        assert_eq!(inner(err), (2, BlockchainError::TxProofInvalid));
    }
}

#[test]
fn the_mempool_follows_the_chain_with_real_transactions() {
    let mut rng = StdRng::seed_from_u64(4);
    let mut net = start(&mut rng, 10);
    let mut state = net.genesis.clone();
    let mut pool = Mempool::new(&state, 1 << 20);
    let now = 1_500;

    let (contested, contested_proof) = net.wallet.coins[0].clone();
    let cheap = net.wallet.pay(&mut rng, 1);
    let rich = net.wallet.pay(&mut rng, 9);
    let cheap_id = pool.admit(cheap.clone(), now, &gens(), &ZkVm).unwrap().id;
    let rich_id = pool.admit(rich, now, &gens(), &ZkVm).unwrap().id;
    assert_eq!(
        pool.entries().map(|e| e.id()).collect::<Vec<_>>(),
        vec![rich_id, cheap_id]
    );
    // A rival spend of the cheap one's first input conflicts, whatever it pays.
    let unsigned = TxBuilder::new()
        .spend(contested.clone())
        .pay(owner(), 50, Scalar::ZERO)
        .fee(50)
        .build(&gens(), &mut rng)
        .unwrap();
    let mut rival = BlockTx {
        tx: unsigned.sign(&mut rng).unwrap(),
        proofs: vec![contested_proof],
    };
    let err = pool.admit(rival.clone(), now, &gens(), &ZkVm).unwrap_err();
    assert!(matches!(err, BlockchainError::Conflict { with, .. } if with == cheap_id));
    // A forged copy of a new payment fails the final check and leaves no trace.
    let mut forged = net.wallet.pay(&mut rng, 2);
    forged.tx.signature = cheap.tx.signature;
    assert_eq!(
        pool.admit(forged, now, &gens(), &ZkVm).unwrap_err(),
        BlockchainError::TxProofInvalid
    );
    assert_eq!(pool.len(), 2);

    // Block 2 has room for one: it takes the rich one; the cheap one waits, with
    // its proofs brought to the new forest.
    let room = pool.get(&rich_id).unwrap().size();
    let (block, applied) = net.producer.produce(&state, &pool, 2_000, room).unwrap();
    state.apply(&block, &gens(), &ZkVm).unwrap();
    let dropped = pool.apply_block(&applied).unwrap();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].id, rich_id);
    let waiting = pool.get(&cheap_id).unwrap();
    for (input, proof) in waiting
        .verified()
        .log
        .inputs()
        .zip(&waiting.block_tx().proofs)
    {
        assert_eq!(state.forest().verify(input, proof), Ok(()));
    }
    // Block 3 mines the rival (which came from elsewhere): the cheap one is dropped.
    rival.proofs[0] = applied
        .catchup
        .update_proof(&contested.id(), &rival.proofs[0])
        .unwrap();
    let (block, applied) = net
        .producer
        .make_block(&state, 3_000, vec![(rival.clone(), verified(&rival))])
        .unwrap();
    state.apply(&block, &gens(), &ZkVm).unwrap();
    let dropped = pool.apply_block(&applied).unwrap();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].id, cheap_id);
    assert!(matches!(
        dropped[0].reason,
        BlockchainError::SpentByBlock { height: 3, .. }
    ));
    assert!(pool.is_empty());
}

//! Benchmarks: validating and applying blocks of real payments.
//!
//! A network starts with 512 outputs of one owner; 256 payments, each spending two of
//! them into a payment and change with a fee, are proven once (in parallel, outside
//! the timing). Blocks of the first 1, 16, 64 and 256 payments are built and signed by
//! the producer; what is timed is `ChainState::apply_block` on the initial state: the
//! header rules, the producer's signature, the transaction root, the VM runs, the
//! Utreexo updates and normalization, and the block's one batched check.
//!
//! - `blockchain/apply_1core/N`: inside a rayon pool of one thread;
//! - `blockchain/apply_allcores/N`: inside the default pool (all cores).
//!
//! Throughput is in transactions, so criterion reports the time per transaction.

use batch::Generators;
use blockchain::{Block, BlockTx, ChainState, Producer, ZkVm};
use criterion::{BenchmarkId, Criterion, Throughput};
use curve25519_dalek::scalar::Scalar;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rayon::prelude::*;
use std::time::Duration;
use utreexo::Proof;
use zkvm::{
    Anchor, Commitment, Contract, ContractId, PortableItem, Predicate, SigningKey, TxBuilder,
    Value, Verifier,
};

const SIZES: [usize; 4] = [1, 16, 64, 256];

fn owner() -> Predicate {
    SigningKey::new(Scalar::from(7_000_001u64)).into()
}

/// An output of `qty` units of flavor zero with open commitments.
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

/// A two-input two-output payment with a fee, proven and signed.
fn payment(gens: &Generators, seed: u64, inputs: [(Contract, Proof); 2]) -> BlockTx {
    let mut rng = StdRng::seed_from_u64(seed);
    let [(a, pa), (b, pb)] = inputs;
    let unsigned = TxBuilder::new()
        .spend(a)
        .spend(b)
        .pay(owner(), 120, Scalar::ZERO)
        .change_to(owner())
        .fee(1)
        .build(gens, &mut rng)
        .expect("payment builds");
    BlockTx {
        tx: unsigned.sign(&mut rng).expect("payment signs"),
        proofs: vec![pa, pb],
    }
}

struct Setup {
    gens: Generators,
    genesis: ChainState,
    blocks: Vec<(usize, Block)>,
}

fn setup() -> Setup {
    let gens = Generators::new(256);
    let mut rng = StdRng::seed_from_u64(42);
    let max = SIZES[SIZES.len() - 1];
    let coins: Vec<Contract> = (0..2 * max).map(|_| coin(&mut rng, 100)).collect();
    let ids: Vec<ContractId> = coins.iter().map(Contract::id).collect();
    let producer = Producer::new(SigningKey::random(&mut rng));
    let (genesis, proofs) = producer.start_network(1_000, &ids).expect("network starts");
    let mut owned: Vec<(Contract, Proof)> = coins.into_iter().zip(proofs).collect();
    let pairs: Vec<[(Contract, Proof); 2]> = (0..max)
        .map(|_| {
            let b = owned.pop().expect("coin");
            let a = owned.pop().expect("coin");
            [a, b]
        })
        .collect();
    let txs: Vec<BlockTx> = pairs
        .into_par_iter()
        .enumerate()
        .map(|(i, pair)| payment(&gens, i as u64, pair))
        .collect();
    let verified: Vec<_> = txs
        .par_iter()
        .map(|b| Verifier::verify_tx(&b.tx, &gens).expect("payment verifies"))
        .collect();
    let blocks = SIZES
        .iter()
        .map(|&n| {
            let chosen = txs[..n].iter().cloned().zip(verified[..n].iter().cloned());
            let (block, _) = producer
                .make_block(&genesis, 2_000, chosen.collect())
                .expect("block builds");
            (n, block)
        })
        .collect();
    Setup {
        gens,
        genesis,
        blocks,
    }
}

fn bench_apply(c: &mut Criterion) {
    let s = setup();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool of one thread");
    let mut group = c.benchmark_group("blockchain");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for (n, block) in &s.blocks {
        group.throughput(Throughput::Elements(*n as u64));
        let apply = || {
            s.genesis
                .apply_block(block, &s.gens, &ZkVm)
                .expect("block applies")
        };
        group.bench_with_input(BenchmarkId::new("apply_1core", n), n, |b, _| {
            b.iter(|| one.install(apply))
        });
        group.bench_with_input(BenchmarkId::new("apply_allcores", n), n, |b, _| {
            b.iter(apply)
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_apply(&mut c);
    c.final_summary();
}

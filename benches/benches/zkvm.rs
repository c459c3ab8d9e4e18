//! Benchmarks: proving and verifying ZkVM payments.
//!
//! `zkvm/prove/NxN` builds, proves and signs a payment of N inputs to N outputs of one
//! flavor (`2x2-two-flavor`: two inputs and two outputs of two flavors);
//! `zkvm/verify/NxN` decodes and verifies it with one multiscalar multiplication. Both
//! use every core; `prove-1core` and `verify-1core` run the same in a one-thread pool.
//! `zkvm/verify64/one-by-one` verifies 64 different 2×2 payments each on its own, and
//! `zkvm/verify64/batch` verifies them together with one multiscalar multiplication;
//! both report `Throughput::Elements(64)`. Transaction sizes are printed once.
//!
//! Reference figures (slingshot, one thread): 2×2 proves in 53 ms and verifies in
//! 5.4 ms (1642 bytes); 8×8 216 ms / 16.3 ms.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use curve25519_dalek::scalar::Scalar;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use std::time::Duration;
use zkvm::{
    Anchor, Commitment, Contract, Generators, PortableItem, Predicate, SigningKey, Tx, TxBuilder,
    Value, Verifier,
};

/// Values as (quantity, flavor number).
type Values = Vec<(u64, u64)>;

/// The shapes measured: name, values in, values out.
fn shapes() -> Vec<(&'static str, Values, Values)> {
    let same = |n: usize| -> (Values, Values) {
        let ins = (0..n).map(|i| (10 + i as u64, 1)).collect::<Vec<_>>();
        let total: u64 = ins.iter().map(|(q, _)| q).sum();
        let mut outs = vec![(total / n as u64, 1); n];
        outs[0].0 += total % n as u64;
        (ins, outs)
    };
    let mut v = Vec::new();
    for (name, n) in [("1x1", 1), ("2x2", 2), ("4x4", 4), ("8x8", 8)] {
        let (ins, outs) = same(n);
        v.push((name, ins, outs));
    }
    v.push(("2x2-two-flavor", vec![(5, 1), (7, 2)], vec![(5, 1), (7, 2)]));
    v
}

fn utxo(rng: &mut StdRng, key: &SigningKey, qty: u64, flavor: u64) -> Contract {
    let mut anchor = [0u8; 32];
    rng.fill_bytes(&mut anchor);
    Contract {
        predicate: Predicate::from_signing_key(key.clone()),
        payload: vec![PortableItem::Value(Value {
            qty: Commitment::blinded(qty, rng),
            flv: Commitment::blinded(Scalar::from(flavor), rng),
        })],
        anchor: Anchor(anchor),
    }
}

/// Builds, proves and signs one payment.
fn payment(rng: &mut StdRng, gens: &Generators, ins: &[(u64, u64)], outs: &[(u64, u64)]) -> Tx {
    let sender = SigningKey::random(rng);
    let recipient = Predicate::from_key(&SigningKey::random(rng).verification_key());
    let mut builder = TxBuilder::new();
    for (q, f) in ins {
        builder = builder.spend(utxo(rng, &sender, *q, *f));
    }
    for (q, f) in outs {
        builder = builder.pay(recipient.clone(), *q, Scalar::from(*f));
    }
    builder
        .build(gens, rng)
        .and_then(|u| u.sign(rng))
        .expect("a balanced payment proves")
}

fn prove_and_verify(c: &mut Criterion) {
    let gens = Generators::new(1024);
    let mut rng = StdRng::seed_from_u64(7);
    let one_core = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let mut group = c.benchmark_group("zkvm");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for (name, ins, outs) in shapes() {
        let tx = payment(&mut rng, &gens, &ins, &outs);
        let bytes = tx.to_bytes();
        println!("zkvm/size/{name}: {} bytes", bytes.len());
        group.bench_function(format!("prove/{name}"), |b| {
            b.iter(|| payment(&mut rng, &gens, &ins, &outs))
        });
        group.bench_function(format!("verify/{name}"), |b| {
            b.iter(|| Verifier::verify_bytes(&bytes, &gens).expect("verifies"))
        });
        group.bench_function(format!("prove-1core/{name}"), |b| {
            b.iter(|| one_core.install(|| payment(&mut rng, &gens, &ins, &outs)))
        });
        group.bench_function(format!("verify-1core/{name}"), |b| {
            b.iter(|| one_core.install(|| Verifier::verify_bytes(&bytes, &gens).expect("verifies")))
        });
    }
    group.finish();
}

fn verify_many(c: &mut Criterion) {
    let gens = Generators::new(1024);
    let mut rng = StdRng::seed_from_u64(8);
    let ins = [(10, 1), (11, 1)];
    let outs = [(12, 1), (9, 1)];
    let txs: Vec<Tx> = (0..64)
        .map(|_| payment(&mut rng, &gens, &ins, &outs))
        .collect();
    let mut group = c.benchmark_group("zkvm");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(txs.len() as u64));
    group.bench_function("verify64/one-by-one", |b| {
        b.iter(|| {
            for tx in &txs {
                Verifier::verify_tx(tx, &gens).expect("verifies");
            }
        })
    });
    group.bench_function("verify64/batch", |b| {
        b.iter(|| Verifier::verify_txs(&txs, &gens).expect("verifies"))
    });
    group.finish();
}

criterion_group!(benches, prove_and_verify, verify_many);
criterion_main!(benches);

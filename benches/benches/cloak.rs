//! Benchmarks: the Cloak gadget proven and verified with our `r1cs`.
//!
//! `cloak/prove/NxN` and `cloak/verify/NxN` for N = 1, 2, 4, 8, 16 (square cloaks,
//! two flavors from 2×2 on), each including the gadget's construction. Before the
//! runs, the multiplier counts (first phase and total) and the proof size of each
//! shape are printed. `cloak/verify_batch64/2x2` verifies 64 cloaks of 2×2 with one
//! `batch::BatchVerifier` and reports `Throughput::Elements(64)`, so its per-cloak cost
//! compares with `cloak/verify/2x2`.

use batch::BatchVerifier;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use r1cs::{ConstraintSystem, Generators, R1csError, RandomizableConstraintSystem, Verifier};
use rand::thread_rng;
use spacesuit::{CloakProof, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const SHAPES: [usize; 5] = [1, 2, 4, 8, 16];
const BATCH: usize = 64;
const LABEL: &[u8] = b"cloak bench";

fn gens() -> &'static Generators {
    static GENS: OnceLock<Generators> = OnceLock::new();
    // A 16×16 cloak has 1284 multipliers, padded to 2048.
    GENS.get_or_init(|| Generators::new(2048))
}

/// `n` inputs over two flavors (one for n = 1) and the same values in reverse order
/// as outputs, with one unit moved between two outputs of a flavor when possible.
fn statement(n: usize) -> (Vec<Value>, Vec<Value>) {
    let flavor = |i: usize| Scalar::from(100 + (i % 2) as u64);
    let inputs: Vec<Value> = (0..n)
        .map(|i| Value::new(1000 + i as u64, flavor(i)))
        .collect();
    let mut outputs: Vec<Value> = inputs.iter().rev().copied().collect();
    if n >= 3 {
        // outputs[0] and outputs[2] share a flavor.
        outputs[0].q = outputs[0].q.checked_add(1u64.into()).expect("small");
        outputs[2].q = outputs[2].q.checked_sub(1u64.into()).expect("small");
    }
    (inputs, outputs)
}

type Proven = CloakProof;

fn prove(inputs: &[Value], outputs: &[Value]) -> Proven {
    let mut transcript = Transcript::new(LABEL);
    CloakProof::prove(gens(), &mut transcript, inputs, outputs, &mut thread_rng())
        .expect("an honest cloak")
}

/// The verifier's system for `p`, built over `transcript`.
fn verifier<'t>(transcript: &'t mut Transcript, p: &Proven) -> Result<Verifier<'t>, R1csError> {
    p.verifier(transcript)
}

fn verify(p: &Proven) -> Result<(), R1csError> {
    p.verify(&mut Transcript::new(LABEL), gens())
}

/// Prints the size of each shape: multipliers per phase and the proof's bytes.
fn report_sizes() {
    for n in SHAPES {
        let (inputs, outputs) = statement(n);
        let p = prove(&inputs, &outputs);
        let mut transcript = Transcript::new(LABEL);
        let v = verifier(&mut transcript, &p).expect("builds");
        let first = v.metrics().multipliers;
        v.verify(&p.proof, gens()).expect("verifies");
        println!(
            "cloak {n}x{n}: {first} first-phase multipliers, {} in total, proof {} bytes",
            total_multipliers(&p),
            p.proof.to_bytes().len()
        );
    }
}

/// Counts both phases with a last deferred callback on a second verifier. The extra
/// callback turns a one-phase system into a two-phase one (another transcript), so
/// that verifier's verdict is meaningless and ignored; only its count is read.
fn total_multipliers(p: &Proven) -> usize {
    let mut transcript = Transcript::new(LABEL);
    let mut v = verifier(&mut transcript, p).expect("builds");
    let total = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&total);
    v.specify_randomized_constraints(move |cs| {
        seen.store(cs.metrics().multipliers, Ordering::Relaxed);
        Ok(())
    })
    .expect("deferred");
    let _ = v.verify(&p.proof, gens());
    total.load(Ordering::Relaxed)
}

fn prove_and_verify(c: &mut Criterion) {
    report_sizes();
    let mut group = c.benchmark_group("cloak");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for n in SHAPES {
        let (inputs, outputs) = statement(n);
        let shape = format!("{n}x{n}");
        group.bench_function(BenchmarkId::new("prove", &shape), |b| {
            b.iter(|| prove(&inputs, &outputs))
        });
        let proven = prove(&inputs, &outputs);
        verify(&proven).expect("verifies");
        group.bench_function(BenchmarkId::new("verify", &shape), |b| {
            b.iter(|| verify(&proven).expect("verifies"))
        });
    }
    group.finish();
}

fn verify_batch(c: &mut Criterion) {
    let (inputs, outputs) = statement(2);
    let proofs: Vec<Proven> = (0..BATCH).map(|_| prove(&inputs, &outputs)).collect();
    let mut group = c.benchmark_group("cloak");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(BenchmarkId::new("verify_batch64", "2x2"), |b| {
        b.iter(|| {
            let mut batch = BatchVerifier::new(gens(), thread_rng());
            for p in &proofs {
                let mut transcript = Transcript::new(LABEL);
                let v = verifier(&mut transcript, p).expect("builds");
                v.verify_batched(&p.proof, &mut batch).expect("recorded");
            }
            batch.verify().expect("verifies")
        })
    });
    group.finish();
}

criterion_group!(benches, prove_and_verify, verify_batch);
criterion_main!(benches);

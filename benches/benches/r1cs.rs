//! Benchmarks: our R1CS prover and verifier against bulletproofs 4.0.0 (`v4`) on the
//! same circuits, in the same run.
//!
//! The circuit is `m` 64-bit range-proof gadgets in one proof (64·m multipliers):
//! `r1cs/prove/{ours,v4}/N` and `r1cs/verify/{ours,v4}/N` for N = 64, 256, 1024, 2048
//! multipliers; `ours` uses every core (rayon), `ours-1core` runs in a one-thread pool
//! and `v4` is single-threaded. `r1cs/batch64/ours/256` checks 64 proofs of 256 multipliers with one
//! `BatchVerifier` and reports `Throughput::Elements(64)`, so its per-proof cost
//! compares directly with `r1cs/verify/*/256`. Proof sizes are printed.

use batch::BatchVerifier;
use bulletproofs_v4::r1cs as v4;
use bulletproofs_v4::{BulletproofGens, PedersenGens};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek_ng::ristretto::CompressedRistretto as NgPoint;
use curve25519_dalek_ng::scalar::Scalar as NgScalar;
use merlin::Transcript;
use r1cs::{ConstraintSystem, Generators, LinearCombination, R1csError, R1csProof, Variable};
use rand::{thread_rng, Rng};
use std::time::Duration;

const GADGETS: [usize; 4] = [1, 4, 16, 32];
const CAPACITY: usize = 2048;
const LABEL: &[u8] = b"r1cs bench";

/// `v` fits in 64 bits: one multiplier `(1 − b)·b = 0` per bit, allocated as a bit
/// multiplier as `spacesuit::range_proof` does (the same system as `range64_v4`).
fn range64<CS: ConstraintSystem>(
    cs: &mut CS,
    v: Variable,
    value: Option<u64>,
) -> Result<(), R1csError> {
    let mut sum = LinearCombination::default();
    let mut exp = Scalar::ONE;
    for i in 0..64 {
        let bits = value.map(|x| {
            let bit = Scalar::from((x >> i) & 1);
            (Scalar::ONE - bit, bit)
        });
        let (l, r, o) = cs.allocate_bit_multiplier(bits)?;
        cs.constrain(o.into());
        cs.constrain(l + r - Scalar::ONE);
        sum += r * exp;
        exp += exp;
    }
    cs.constrain(v - sum);
    Ok(())
}

/// The same gadget on bulletproofs 4.0.0.
fn range64_v4<CS: v4::ConstraintSystem>(
    cs: &mut CS,
    v: v4::Variable,
    value: Option<u64>,
) -> Result<(), v4::R1CSError> {
    let mut sum = v4::LinearCombination::default();
    let mut exp = NgScalar::one();
    for i in 0..64 {
        let bits = value.map(|x| {
            let bit = NgScalar::from((x >> i) & 1);
            (NgScalar::one() - bit, bit)
        });
        let (l, r, o) = cs.allocate_multiplier(bits)?;
        cs.constrain(o.into());
        cs.constrain(l + r - NgScalar::one());
        sum = sum + r * exp;
        exp = exp + exp;
    }
    cs.constrain(v - sum);
    Ok(())
}

/// Values and blindings of `m` range statements.
fn openings(m: usize) -> Vec<(u64, Scalar)> {
    let mut rng = thread_rng();
    (0..m)
        .map(|_| (rng.gen(), encoding::random_scalar(&mut rng)))
        .collect()
}

fn prove_ours(
    gens: &Generators,
    openings: &[(u64, Scalar)],
) -> (Vec<CompressedRistretto>, R1csProof) {
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(gens, &mut transcript);
    let mut points = Vec::with_capacity(openings.len());
    for (v, b) in openings {
        let (point, var) = prover.commit(Scalar::from(*v), *b);
        range64(&mut prover, var, Some(*v)).expect("gadget");
        points.push(point);
    }
    let proof = prover.prove(&mut thread_rng()).expect("proves");
    (points, proof)
}

fn verifier_ours<'t>(
    transcript: &'t mut Transcript,
    points: &[CompressedRistretto],
) -> r1cs::Verifier<'t> {
    let mut verifier = r1cs::Verifier::new(transcript);
    for p in points {
        let var = verifier.commit(*p);
        range64(&mut verifier, var, None).expect("gadget");
    }
    verifier
}

fn verify_ours(gens: &Generators, points: &[CompressedRistretto], proof: &R1csProof) {
    let mut transcript = Transcript::new(LABEL);
    verifier_ours(&mut transcript, points)
        .verify(proof, gens)
        .expect("verifies");
}

fn ng(s: &Scalar) -> NgScalar {
    NgScalar::from_canonical_bytes(s.to_bytes()).expect("canonical")
}

fn prove_v4(
    pc: &PedersenGens,
    bp: &BulletproofGens,
    openings: &[(u64, Scalar)],
) -> (Vec<NgPoint>, v4::R1CSProof) {
    let mut transcript = Transcript::new(LABEL);
    let mut prover = v4::Prover::new(pc, &mut transcript);
    let mut points = Vec::with_capacity(openings.len());
    for (v, b) in openings {
        let (point, var) = prover.commit(NgScalar::from(*v), ng(b));
        range64_v4(&mut prover, var, Some(*v)).expect("gadget");
        points.push(point);
    }
    let proof = prover.prove(bp).expect("proves");
    (points, proof)
}

fn verify_v4(pc: &PedersenGens, bp: &BulletproofGens, points: &[NgPoint], proof: &v4::R1CSProof) {
    let mut transcript = Transcript::new(LABEL);
    let mut verifier = v4::Verifier::new(&mut transcript);
    for p in points {
        let var = verifier.commit(*p);
        range64_v4(&mut verifier, var, None).expect("gadget");
    }
    verifier.verify(proof, pc, bp).expect("verifies");
}

/// A rayon pool of one thread: work installed in it runs on one core.
fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool")
}

fn prove(c: &mut Criterion) {
    let gens = Generators::new(CAPACITY);
    let (pc, bp) = (PedersenGens::default(), BulletproofGens::new(CAPACITY, 1));
    let one_core = one_thread();
    let mut group = c.benchmark_group("r1cs/prove");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for m in GADGETS {
        let n = 64 * m;
        let o = openings(m);
        group.bench_with_input(BenchmarkId::new("ours", n), &o, |b, o| {
            b.iter(|| prove_ours(&gens, o))
        });
        group.bench_with_input(BenchmarkId::new("ours-1core", n), &o, |b, o| {
            b.iter(|| one_core.install(|| prove_ours(&gens, o)))
        });
        group.bench_with_input(BenchmarkId::new("v4", n), &o, |b, o| {
            b.iter(|| prove_v4(&pc, &bp, o))
        });
    }
    group.finish();
}

fn verify(c: &mut Criterion) {
    let gens = Generators::new(CAPACITY);
    let (pc, bp) = (PedersenGens::default(), BulletproofGens::new(CAPACITY, 1));
    let one_core = one_thread();
    let mut group = c.benchmark_group("r1cs/verify");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for m in GADGETS {
        let n = 64 * m;
        let o = openings(m);
        let (points, proof) = prove_ours(&gens, &o);
        let (points_v4, proof_v4) = prove_v4(&pc, &bp, &o);
        println!(
            "r1cs/proof_bytes/{n}: ours {} v4 {}",
            proof.to_bytes().len(),
            proof_v4.to_bytes().len()
        );
        group.bench_function(BenchmarkId::new("ours", n), |b| {
            b.iter(|| verify_ours(&gens, &points, &proof))
        });
        group.bench_function(BenchmarkId::new("ours-1core", n), |b| {
            b.iter(|| one_core.install(|| verify_ours(&gens, &points, &proof)))
        });
        group.bench_function(BenchmarkId::new("v4", n), |b| {
            b.iter(|| verify_v4(&pc, &bp, &points_v4, &proof_v4))
        });
    }
    group.finish();
}

fn batch(c: &mut Criterion) {
    const PROOFS: usize = 64;
    let gens = Generators::new(CAPACITY);
    let statements: Vec<_> = (0..PROOFS)
        .map(|_| prove_ours(&gens, &openings(4)))
        .collect();
    let mut group = c.benchmark_group("r1cs/batch64");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(PROOFS as u64));
    group.bench_function(BenchmarkId::new("ours", 256), |b| {
        b.iter(|| {
            let mut batch = BatchVerifier::new(&gens, thread_rng());
            for (points, proof) in &statements {
                let mut transcript = Transcript::new(LABEL);
                verifier_ours(&mut transcript, points)
                    .verify_batched(proof, &mut batch)
                    .expect("recorded");
            }
            batch.verify().expect("verifies");
        })
    });
    group.finish();
}

criterion_group!(benches, prove, verify, batch);
criterion_main!(benches);

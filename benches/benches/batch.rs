//! Benchmarks: the final multiscalar multiplication of a batch, with and without
//! precomputed tables for the fixed bases.
//!
//! `batch/fixed/{pippenger,precomputed}/F+D` multiplies `F` fixed bases (B, B̃ and
//! `(F − 2)/2` each of Gᵢ and Hᵢ) and `D` other points by random scalars.
//! `pippenger` is what `batch` does: one variable-time multiplication over all points.
//! `precomputed` uses curve25519-dalek's `VartimeRistrettoPrecomputation` over the
//! fixed bases (built once, outside the timing) and passes the other points
//! dynamically. Shapes: one small transaction (≈ 256 multipliers, 40 other points), a
//! large one (1024 multipliers, 100 points), and a block (1024 multipliers, 4000
//! points). Whichever is faster at these sizes is what `batch` keeps (spec/batch.md).

use batch::Generators;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use curve25519_dalek::ristretto::{RistrettoPoint, VartimeRistrettoPrecomputation};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{VartimeMultiscalarMul, VartimePrecomputedMultiscalarMul};
use rand::thread_rng;
use std::time::Duration;

/// (generators per chain, other points)
const SHAPES: [(usize, usize); 3] = [(256, 40), (1024, 100), (1024, 4000)];

fn random_scalars(n: usize) -> Vec<Scalar> {
    let mut rng = thread_rng();
    (0..n).map(|_| encoding::random_scalar(&mut rng)).collect()
}

fn fixed_bases(gens: &Generators, n: usize) -> Vec<RistrettoPoint> {
    let mut points = vec![gens.b(), gens.b_blinding()];
    points.extend_from_slice(&gens.g()[..n]);
    points.extend_from_slice(&gens.h()[..n]);
    points
}

fn fixed(c: &mut Criterion) {
    let gens = Generators::new(1024);
    let mut group = c.benchmark_group("batch/fixed");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    for (n, d) in SHAPES {
        let bases = fixed_bases(&gens, n);
        let table = VartimeRistrettoPrecomputation::new(&bases);
        let fixed_scalars = random_scalars(bases.len());
        let dynamic_scalars = random_scalars(d);
        let mut rng = thread_rng();
        let dynamic_points: Vec<RistrettoPoint> =
            (0..d).map(|_| encoding::random_point(&mut rng)).collect();
        let all_scalars: Vec<Scalar> = fixed_scalars
            .iter()
            .chain(&dynamic_scalars)
            .copied()
            .collect();
        let all_points: Vec<RistrettoPoint> =
            bases.iter().chain(&dynamic_points).copied().collect();
        let shape = format!("{}+{d}", bases.len());
        let expected = RistrettoPoint::vartime_multiscalar_mul(&all_scalars, &all_points);
        assert_eq!(
            table.vartime_mixed_multiscalar_mul(&fixed_scalars, &dynamic_scalars, &dynamic_points),
            expected
        );
        group.bench_function(BenchmarkId::new("pippenger", &shape), |b| {
            b.iter(|| RistrettoPoint::vartime_multiscalar_mul(&all_scalars, &all_points))
        });
        group.bench_function(BenchmarkId::new("precomputed", &shape), |b| {
            b.iter(|| {
                table.vartime_mixed_multiscalar_mul(
                    &fixed_scalars,
                    &dynamic_scalars,
                    &dynamic_points,
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, fixed);
criterion_main!(benches);

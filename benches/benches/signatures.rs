//! Benchmarks: signing, and verifying single-message signatures one by one versus in
//! one batch.
//!
//! `signatures/verify_single/N` checks N signatures each with its own
//! `SingleVerifier`; `signatures/verify_batch/N` appends the same N signatures to one
//! `BatchVerifier` and checks them with one multiscalar multiplication. Both report
//! `Throughput::Elements(N)`, so the per-signature costs compare directly.

use batch::{BatchVerifier, Generators};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use musig::{Signature, SigningKey, Transcript, VerificationKey};
use rand::thread_rng;
use std::time::Duration;

const SIZES: [usize; 5] = [1, 16, 64, 256, 1024];

struct Signed {
    message: Vec<u8>,
    key: VerificationKey,
    signature: Signature,
}

fn transcript(message: &[u8]) -> Transcript {
    let mut t = Transcript::new(b"Starsig.sign_message");
    t.append_message(b"bench.sign", message);
    t
}

fn signed(n: usize) -> Vec<Signed> {
    let mut rng = thread_rng();
    (0..n)
        .map(|i| {
            let secret = SigningKey::random(&mut rng);
            let message = format!("message {i}").into_bytes();
            let signature = Signature::sign(&mut transcript(&message), &secret, &mut rng);
            Signed {
                message,
                key: secret.verification_key(),
                signature,
            }
        })
        .collect()
}

fn sign(c: &mut Criterion) {
    let mut group = c.benchmark_group("signatures");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(2));
    let key = SigningKey::random(&mut thread_rng());
    let mut rng = thread_rng();
    group.throughput(Throughput::Elements(1));
    group.bench_function("sign/1", |b| {
        b.iter(|| Signature::sign(&mut transcript(b"message"), &key, &mut rng))
    });
    group.finish();
}

fn verify(c: &mut Criterion) {
    let all = signed(*SIZES.iter().max().unwrap_or(&1));
    let gens = Generators::new(0);
    let mut group = c.benchmark_group("signatures");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for n in SIZES {
        let sigs = &all[..n];
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("verify_single", n), sigs, |b, sigs| {
            b.iter(|| {
                for s in sigs {
                    s.signature
                        .verify_single(&mut transcript(&s.message), &s.key)
                        .unwrap();
                }
            })
        });
        group.bench_with_input(BenchmarkId::new("verify_batch", n), sigs, |b, sigs| {
            b.iter(|| {
                let mut batch = BatchVerifier::with_capacity(&gens, thread_rng(), 2 * n);
                for s in sigs {
                    s.signature
                        .verify(&mut transcript(&s.message), &s.key, &mut batch)
                        .unwrap();
                }
                batch.verify().unwrap();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sign, verify);
criterion_main!(benches);

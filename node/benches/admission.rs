//! `admission`: what admitting a payment costs the node's engine, beside
//! `Verifier::verify_tx` of the same payments, the baseline. The engine's path is
//! decode, static input scan, VM run, the mempool's checks, one multiscalar
//! multiplication for the batch, and entry into the mempool with the store's durable
//! write; each measured batch meets a fresh engine (a fresh verification cache) over
//! a copy of the same store.
//!
//! `cargo bench -p zkvm-node --bench admission`. The goal: admission of one
//! payment (a batch of one, as an idle node's `CheckTx`) at most 1.2× `verify_tx`.

mod support;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use musig::SigningKey;
use rayon::prelude::*;
use std::path::Path;
use support::{machine, two_in_two_out};
use zkvm::{Tx, Verifier};
use zkvm_node::devnet::{self, DevnetConfig};
use zkvm_node::engine::{Engine, EngineConfig};
use zkvm_node::keys::read_secret;

const QTY: u64 = 1_000_000;
const PAYMENTS: usize = 64;

/// A devnet store funding `2 · PAYMENTS` outputs, and payments spending them.
fn setup() -> (tempfile::TempDir, Vec<Tx>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    devnet::init(
        dir.path(),
        &DevnetConfig {
            funding_outputs: 2 * PAYMENTS as u64,
            funding_qty: QTY,
        },
    )
    .expect("a devnet");
    let funding: SigningKey = read_secret(dir.path(), devnet::FUNDING_KEY_FILE)
        .expect("the funding key reads")
        .expect("the funding key exists");
    let txs = (0..PAYMENTS as u64)
        .into_par_iter()
        .map(|i| two_in_two_out(&funding, i, QTY))
        .collect();
    (dir, txs)
}

/// A fresh engine over a copy of the store in `dir`.
fn fresh_engine(dir: &Path) -> (tempfile::TempDir, Engine) {
    let copy = tempfile::tempdir().expect("a temporary directory");
    for entry in std::fs::read_dir(dir).expect("the store's directory") {
        let entry = entry.expect("an entry");
        if entry.file_type().expect("a type").is_file() {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).expect("a copy");
        }
    }
    let engine = Engine::open(copy.path(), EngineConfig::default()).expect("the engine opens");
    (copy, engine)
}

fn admission(c: &mut Criterion) {
    println!("{}", machine());
    let (dir, txs) = setup();
    let gens = zkvm::network_generators();
    let encoded: Vec<Vec<u8>> = txs.iter().map(Tx::to_bytes).collect();
    let mut group = c.benchmark_group("admission");
    group.sample_size(30);
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("verify_tx", |b| {
        b.iter(|| {
            i = (i + 1) % txs.len();
            Verifier::verify_tx(&txs[i], gens).expect("valid")
        })
    });
    let mut i = 0;
    group.bench_function("engine, batch of 1", |b| {
        b.iter_batched(
            || {
                i = (i + 1) % encoded.len();
                (fresh_engine(dir.path()), vec![encoded[i].clone()])
            },
            |((copy, engine), batch)| {
                let verdicts = engine.admit(batch);
                assert!(verdicts.iter().all(Result::is_ok), "{verdicts:?}");
                // Returned, so closing the store is not measured.
                (copy, engine)
            },
            BatchSize::PerIteration,
        )
    });
    for n in [16, PAYMENTS] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("engine, batch of {n}"), |b| {
            b.iter_batched(
                || (fresh_engine(dir.path()), encoded[..n].to_vec()),
                |((copy, engine), batch)| {
                    let verdicts = engine.admit(batch);
                    assert!(verdicts.iter().all(Result::is_ok));
                    (copy, engine)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, admission);
criterion_main!(benches);

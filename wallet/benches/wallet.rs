//! Wallet costs, each beside the way the previous code did it where that differs:
//!
//! - `wallet/scan/notes_1024`: trial decryption of 1,024 notes for someone else by a
//!   one-account wallet, on all cores (`parallel`) and one after another on one
//!   core (`one_by_one`, as tracking did before);
//! - `wallet/upkeep/10k_outputs_256_payments`: moving the proofs of 10,000 outputs
//!   across the catch-up of a block of 256 payments, in bulk and in place (`bulk`)
//!   and as tracking did before, each moved path made anew (`one_by_one`);
//! - `wallet/scan/256_payments_10k_outputs`: a whole block applied (its 256 notes,
//!   128 of them the wallet's, and the upkeep of 10,128 proofs), from the full block
//!   and from the light block (`light`: the spends' paths rebuilt, the forest
//!   replayed and checked against the header);
//! - `wallet/send/2in_2out`: building a payment of two inputs and two outputs;
//! - `wallet/compact/256_payments`: making the light block of a block of 256 real
//!   payments (the node's side), after printing the sizes of full and light blocks
//!   of such payments over UTXO sets of 2¹⁰ to 2²⁰ outputs.
//!
//! The scanning block is assembled from logs (through `Producer::make_block`, which
//! trusts them) instead of proven transactions, so the setup takes seconds: scanning
//! reads only logs and the catch-up, never proofs. The sizes need real payments.

use batch::Generators;
use blockchain::{AppliedBlock, Block, BlockTx, ChainState, Producer};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use encoding::Encodable;
use keytree::Xprv;
use musig::SigningKey;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use std::time::{Duration, Instant};
use utreexo::Proof;
use wallet::note::{seal, KeyKind, NoteOpener, Opening};
use wallet::{Address, LightBlock, Network, Owner, TxPlan, Wallet};
use zkvm::{
    Anchor, Contract, ContractId, FeeRate, Predicate, Tx, TxEntry, TxHeader, TxLog, VerifiedTx,
};

#[path = "../tests/common/payments.rs"]
mod payments;

const OWNED: usize = 10_000;
const PAYMENTS: usize = 256;
const NOTES: usize = 1_024;

fn header() -> TxHeader {
    TxHeader {
        version: 1,
        mintime_ms: 0,
        maxtime_ms: u64::MAX,
    }
}

/// A placeholder transaction: the block's logs are trusted by `make_block`.
fn placeholder_tx() -> Tx {
    Tx {
        header: header(),
        program: Vec::new(),
        signature: zkvm::tx::empty_signature(),
        proof: zkvm::R1csProof::from_bytes(&[0u8; 1 + 32 * 13]).expect("well-formed"),
    }
}

fn foreign(rng: &mut StdRng) -> Contract {
    let mut anchor = [0u8; 32];
    rng.fill_bytes(&mut anchor);
    Contract {
        predicate: Predicate::opaque(RistrettoPoint::mul_base(&Scalar::from(9u64)).compress()),
        payload: Vec::new(),
        anchor: Anchor(anchor),
    }
}

/// A payment to `to` of `qty`, spending `input`: its log, with the note.
fn payment(to: &Address, qty: u64, input: ContractId, rng: &mut StdRng) -> TxLog {
    let opening = Opening::random(KeyKind::Address, qty, Scalar::ZERO, rng);
    let (note, tweak) = seal(to.encryption_key(), &opening, rng);
    let point = to.control_key().as_point() + RistrettoPoint::mul_base(&tweak);
    let mut anchor = [0u8; 32];
    rng.fill_bytes(&mut anchor);
    let output = wallet::ledger::contract(
        Predicate::opaque(point.compress()),
        &opening,
        Anchor(anchor),
    );
    let mut log = TxLog::new(header());
    log.push(TxEntry::Input(input));
    log.push(TxEntry::Output(Box::new(output.to_opaque())));
    log.push(TxEntry::Data(note));
    log
}

/// A wallet with 10,000 outputs in the initial set, and a block of 256 payments
/// (half to the wallet, half to someone else), each spending a foreign output.
fn scanning_setup() -> (Wallet, Block, AppliedBlock, Producer) {
    let mut rng = StdRng::seed_from_u64(7);
    let mut wallet = Wallet::new(Xprv::from_seed(b"bench"), Network::Devnet);
    let other = Wallet::new(Xprv::from_seed(b"other"), Network::Devnet);
    let owned: Vec<_> = (0..OWNED)
        .map(|_| {
            wallet
                .genesis_output(0, 1, Scalar::ZERO, &mut rng)
                .expect("account 0")
        })
        .collect();
    let spent: Vec<Contract> = (0..PAYMENTS).map(|_| foreign(&mut rng)).collect();
    let mut ids: Vec<ContractId> = owned.iter().map(|o| o.id()).collect();
    ids.extend(spent.iter().map(Contract::id));
    let producer = Producer::new(SigningKey::new(Scalar::from(5u64)));
    let (state, proofs) = producer.start_network(1_000, &ids).expect("starts");
    wallet.start(
        &state,
        owned.into_iter().zip(proofs.iter().cloned()).collect(),
    );
    let ours = wallet.address(Owner::Account(0)).expect("address");
    let theirs = other.address(Owner::Account(0)).expect("address");
    let txs = spent
        .iter()
        .zip(&proofs[OWNED..])
        .enumerate()
        .map(|(i, (c, proof))| {
            let to = if i % 2 == 0 { &ours } else { &theirs };
            let log = payment(to, 10, c.id(), &mut rng);
            let verified = VerifiedTx {
                header: header(),
                id: log.id(),
                weight: 1,
                feerate: FeeRate::new(0, 1),
                log,
                signers: Vec::new(),
            };
            let btx = BlockTx {
                tx: placeholder_tx(),
                proofs: vec![proof.clone()],
            };
            (btx, verified)
        })
        .collect();
    let (block, applied) = producer.make_block(&state, 2_000, txs).expect("block");
    (wallet, block, applied, producer)
}

/// Runs `setup` the first time only, so that a benchmark left out by a filter
/// costs nothing.
fn once<T>(cell: &mut Option<T>, setup: impl FnOnce() -> T) -> &T {
    cell.get_or_insert_with(setup)
}

fn scanning(c: &mut Criterion) {
    let mut setup = None;
    let mut group = c.benchmark_group("wallet/scan/256_payments_10k_outputs");
    group.sample_size(10);
    group.bench_function("full", |b| {
        let (wallet, _, applied, _) = once(&mut setup, scanning_setup);
        b.iter_batched(
            || wallet.clone(),
            |mut w| {
                let report = w.apply_block(applied).expect("applies");
                assert_eq!(report.received.len(), PAYMENTS / 2);
                w
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("light", |b| {
        let (wallet, block, applied, producer) = once(&mut setup, scanning_setup);
        let light = LightBlock::devnet(block, applied).expect("compact");
        let verifier = wallet::DevnetVerifier::new(producer.verification_key());
        b.iter_batched(
            || (wallet.clone(), verifier.clone()),
            |(mut w, mut v)| {
                let report = w.apply_light(&light, &mut v).expect("applies");
                assert_eq!(report.received.len(), PAYMENTS / 2);
                w
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// 1,024 notes to someone else, and the opener of a one-account wallet.
fn notes_setup() -> (Vec<Vec<u8>>, NoteOpener) {
    let mut rng = StdRng::seed_from_u64(9);
    let other = Wallet::new(Xprv::from_seed(b"other"), Network::Devnet);
    let to = other.address(Owner::Account(0)).expect("address");
    let notes = (0..NOTES)
        .map(|_| {
            let opening = Opening::random(KeyKind::Address, 10, Scalar::ZERO, &mut rng);
            seal(to.encryption_key(), &opening, &mut rng).0
        })
        .collect();
    let mine = Wallet::new(Xprv::from_seed(b"bench"), Network::Devnet);
    let secret = mine.account(0).expect("account 0").encryption_secret();
    (notes, NoteOpener::new(secret.expose()))
}

fn notes(c: &mut Criterion) {
    let (notes, opener) = notes_setup();
    let openers = [(Owner::Account(0), opener.clone())];
    let tagged: Vec<(usize, &[u8])> = notes.iter().map(|n| (0, n.as_slice())).collect();
    let mut group = c.benchmark_group("wallet/scan/notes_1024");
    group.sample_size(20);
    group.throughput(Throughput::Elements(NOTES as u64));
    group.bench_function("parallel", |b| {
        b.iter(|| {
            let opened = wallet::scan::trial_decrypt(&openers, &tagged);
            assert!(opened.is_empty());
        })
    });
    group.bench_function("one_by_one", |b| {
        b.iter(|| {
            let opened = notes.iter().filter_map(|n| opener.open(n)).count();
            assert_eq!(opened, 0);
        })
    });
    group.finish();
}

/// The proofs of the scanning wallet's outputs, each in memory of its own as the
/// ledger holds them, and out of the caches as between two blocks.
fn proofs(wallet: &Wallet, other: &mut [u8]) -> Vec<(ContractId, Proof)> {
    let outputs = wallet.ledger().outputs.values();
    let proofs = outputs.map(|o| (o.id, o.proof.clone())).collect();
    other.iter_mut().for_each(|b| *b = b.wrapping_add(1));
    proofs
}

/// Memory to write between two measurements, larger than the caches.
fn elsewhere() -> Vec<u8> {
    vec![0u8; 64 << 20]
}

fn upkeep(c: &mut Criterion) {
    let mut setup = None;
    let mut group = c.benchmark_group("wallet/upkeep/10k_outputs_256_payments");
    group.sample_size(20);
    let mut other = elsewhere();
    group.bench_function("bulk", |b| {
        let (wallet, _, applied, _) = once(&mut setup, scanning_setup);
        b.iter_custom(|iters| {
            timed(
                iters,
                || proofs(wallet, &mut other),
                |proofs| {
                    let mut kept: Vec<_> = proofs.iter_mut().map(|(id, p)| (*id, p)).collect();
                    wallet::scan::move_proofs(&mut kept, &applied.catchup).expect("moves");
                },
            )
        })
    });
    group.bench_function("one_by_one", |b| {
        let (wallet, _, applied, _) = once(&mut setup, scanning_setup);
        b.iter_custom(|iters| {
            timed(
                iters,
                || proofs(wallet, &mut other),
                // As tracking did before: every moved path made, then each put in
                // place of the old one.
                |proofs| {
                    let moved = proofs
                        .iter()
                        .map(|(_, p)| applied.catchup.relocate(p.path().expect("committed")))
                        .collect::<Result<Vec<_>, _>>()
                        .expect("moves");
                    for ((_, proof), path) in proofs.iter_mut().zip(moved) {
                        *proof = Proof::Committed(path);
                    }
                },
            )
        })
    });
    group.finish();
}

/// The time `routine` takes over `iters` inputs, each made by `setup` just before
/// (and dropped after) its run, neither counted.
fn timed<T>(iters: u64, mut setup: impl FnMut() -> T, mut routine: impl FnMut(&mut T)) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let mut input = setup();
        let start = Instant::now();
        routine(&mut input);
        total += start.elapsed();
        drop(input);
    }
    total
}

/// Measures making the light block of 256 real payments (the node's side).
fn compact(c: &mut Criterion) {
    let mut setup = None;
    let mut group = c.benchmark_group("wallet/compact");
    group.sample_size(10);
    group.bench_function("256_payments", |b| {
        let made = once(&mut setup, compact_sizes);
        b.iter(|| LightBlock::devnet(&made.block, &made.applied).expect("compact"))
    });
    group.finish();
}

/// Prints the sizes of full and light blocks of 256 real payments over UTXO sets of
/// 2¹⁰ to 2²⁰ outputs; returns the last block.
fn compact_sizes() -> payments::PaymentBlock {
    let mut rng = StdRng::seed_from_u64(10);
    let payments = payments::Payments::prove(PAYMENTS, &mut rng);
    println!("UTXO set | full block bytes | light block bytes | light / full");
    let mut last = None;
    for log in [10, 14, 17, 20] {
        let made = payments.block((1 << log) - 2 * PAYMENTS, &mut rng);
        let light = LightBlock::devnet(&made.block, &made.applied).expect("compact");
        let (full, compact) = (made.block.encoded_len(), light.encoded_len());
        let ratio = 100.0 * compact as f64 / full as f64;
        println!("2^{log} | {full} | {compact} | {ratio:.1} %");
        last = Some(made);
    }
    last.expect("a block")
}

/// A wallet with two outputs (60 and 50) that together pay 100 with change.
fn paying_setup() -> (Wallet, Address, Generators, StdRng) {
    let mut rng = StdRng::seed_from_u64(8);
    let mut wallet = Wallet::new(Xprv::from_seed(b"payer"), Network::Devnet);
    let coins = [60u64, 50].map(|q| {
        wallet
            .genesis_output(0, q, Scalar::ZERO, &mut rng)
            .expect("coin")
    });
    let ids: Vec<ContractId> = coins.iter().map(|c| c.id()).collect();
    let producer = Producer::new(SigningKey::new(Scalar::from(5u64)));
    let (state, proofs): (ChainState, Vec<Proof>) =
        producer.start_network(1_000, &ids).expect("starts");
    wallet.start(&state, coins.into_iter().zip(proofs).collect());
    let to = Wallet::new(Xprv::from_seed(b"payee"), Network::Devnet)
        .address(Owner::Account(0))
        .expect("address");
    (wallet, to, Generators::new(256), rng)
}

fn paying(c: &mut Criterion) {
    let (wallet, to, gens, mut rng) = paying_setup();
    let plan = TxPlan::new(Owner::Account(0)).pay(to, 100, Scalar::ZERO);
    let mut group = c.benchmark_group("wallet/send");
    group.sample_size(10);
    group.bench_function("2in_2out", |b| {
        b.iter_batched(
            || wallet.clone(),
            |mut w| {
                let sent = w.send(&plan, &gens, &mut rng).expect("sends");
                assert_eq!(sent.block_tx.proofs.len(), 2);
                sent
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, notes, upkeep, scanning, paying, compact);
criterion_main!(benches);

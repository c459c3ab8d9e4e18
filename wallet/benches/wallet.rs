//! Wallet costs: scanning a block of 256 payments for a wallet holding 10,000 outputs
//! (trial decryption of every note and the upkeep of every proof), and building a
//! payment of two inputs and two outputs (selection, proving, signing).
//!
//! The block is assembled from logs (through `Producer::make_block`, which trusts
//! them) instead of proven transactions, so the setup takes seconds: scanning reads
//! only logs and the catch-up, never proofs.

use batch::Generators;
use blockchain::{AppliedBlock, BlockTx, ChainState, Producer};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use keytree::Xprv;
use musig::SigningKey;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use utreexo::Proof;
use wallet::note::{seal, KeyKind, Opening};
use wallet::{Address, Network, Owner, TxPlan, Wallet};
use zkvm::{
    Anchor, Contract, ContractId, FeeRate, Predicate, Tx, TxEntry, TxHeader, TxLog, VerifiedTx,
};

const OWNED: usize = 10_000;
const PAYMENTS: usize = 256;

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
fn scanning_setup() -> (Wallet, AppliedBlock) {
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
    let (_, applied) = producer.make_block(&state, 2_000, txs).expect("block");
    (wallet, applied)
}

fn scanning(c: &mut Criterion) {
    let (wallet, applied) = scanning_setup();
    let mut group = c.benchmark_group("wallet/scan");
    group.sample_size(10);
    group.bench_function("256_payments_10k_outputs", |b| {
        b.iter_batched(
            || wallet.clone(),
            |mut w| {
                let report = w.apply_block(&applied).expect("applies");
                assert_eq!(report.received.len(), PAYMENTS / 2);
                w
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
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

criterion_group!(benches, scanning, paying);
criterion_main!(benches);

//! `abci/process_proposal/256x2x2`: `ProcessProposal` of a block of 256 payments of
//! two inputs and two outputs, by an application that has not seen them (every
//! proof and signature verified, in one batch). Two orders of the same payments
//! alternate, so the outcome kept for `FinalizeBlock` never answers for the next run.

use criterion::{criterion_group, criterion_main, Criterion};
use curve25519_dalek::scalar::Scalar;
use rayon::prelude::*;
use std::time::Duration;
use tendermint::abci::{request, response};
use zkvm::{Generators, Predicate, SigningKey, TxBuilder};
use zkvm_node::abci::{app_state, requests, AbciConfig, App};
use zkvm_node::devnet::{funding_contract, FUNDING_KEY_FILE};
use zkvm_node::keys::read_secret;

const PAYMENTS: usize = 256;
const GENESIS_MS: u64 = 1_700_000_000_000;

fn init_chain(app_state: Vec<u8>) -> request::InitChain {
    requests::init_chain("bench", GENESIS_MS, app_state)
        .try_into()
        .unwrap()
}

fn proposal(txs: Vec<bytes::Bytes>) -> request::ProcessProposal {
    request::ProcessProposal {
        txs,
        proposed_last_commit: None,
        misbehavior: Vec::new(),
        hash: tendermint::Hash::None,
        height: 1u32.into(),
        time: tendermint::Time::from_unix_timestamp((GENESIS_MS / 1000 + 1) as i64, 0).unwrap(),
        next_validators_hash: tendermint::Hash::None,
        proposer_address: tendermint::account::Id::new([0; 20]),
    }
}

fn process_proposal(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let spec = app_state::GenesisSpec {
        outputs: 2 * PAYMENTS as u64,
        timestamp_ms: Some(GENESIS_MS),
        ..Default::default()
    };
    let made = app_state::make(&dir.path().join("genesis"), &spec).unwrap();
    let funding: SigningKey = read_secret(&dir.path().join("genesis"), FUNDING_KEY_FILE)
        .unwrap()
        .unwrap();
    let app = App::open(&dir.path().join("app"), AbciConfig::default()).unwrap();
    app.init_chain(init_chain(std::fs::read(&made.app_state).unwrap()))
        .unwrap();
    let (_, _, proofs) = made.genesis.start().unwrap();
    let gens = Generators::new(256);
    let txs: Vec<bytes::Bytes> = (0..PAYMENTS)
        .into_par_iter()
        .map(|k| {
            let mut rng = rand::thread_rng();
            let recipient = SigningKey::random(&mut rng).verification_key();
            let tx = TxBuilder::new()
                .spend(funding_contract(&funding, 2 * k as u64, 1_000_000))
                .spend(funding_contract(&funding, 2 * k as u64 + 1, 1_000_000))
                .pay(Predicate::from_key(&recipient), 1_000, Scalar::ZERO)
                .change_to(Predicate::from_signing_key(funding.clone()))
                .fee(1)
                .build(&gens, &mut rng)
                .unwrap()
                .sign(&mut rng)
                .unwrap();
            let btx = blockchain::BlockTx {
                tx,
                proofs: vec![proofs[2 * k].clone(), proofs[2 * k + 1].clone()],
            };
            bytes::Bytes::from(btx.to_bytes())
        })
        .collect();
    let mut reversed = txs.clone();
    reversed.reverse();
    let blocks = [proposal(txs), proposal(reversed)];
    for block in &blocks {
        assert_eq!(
            app.process_proposal(block.clone()),
            response::ProcessProposal::Accept
        );
    }
    let mut group = c.benchmark_group("abci/process_proposal");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let mut turn = 0;
    group.bench_function("256x2x2", |b| {
        b.iter(|| {
            turn ^= 1;
            app.process_proposal(blocks[turn].clone())
        })
    });
    group.finish();
}

criterion_group!(benches, process_proposal);
criterion_main!(benches);

//! `whitepaper`: the figures of `spec/whitepaper.md`'s Performance section.
//!
//! ```text
//! cargo run --release -p benches --bin whitepaper -- [--runs N] [--block N]
//! ```
//!
//! Everything timed runs on one thread (a one-thread rayon pool), so the figures are
//! per core; building the programs and preparing blocks is outside the timers (and
//! uses every core). Printed:
//! - prove (`Prover::build_tx` + signature) and verify (decode + `Verifier::verify_tx`)
//!   per payment shape, medians of `--runs` fresh payments after one warm-up, with
//!   each payment's bytes and weight;
//! - block validation: a block of `--block` distinct 2×2 payments applied to a chain
//!   (`ChainState::apply_block`: producer signature, VMs, Utreexo updates, one
//!   multiscalar multiplication), in payments per second per core;
//! - bytes per payment: a plain 2×2 payment (pay and change back) against the same
//!   payments of `P` parties joined in one transaction (`cloak:2P:2P`, one aggregated
//!   signature);
//! - a light client's bandwidth per block: the signed header plus, for each output
//!   it tracks, the updated Utreexo proof, at several sizes of the UTXO set.

use benches::{cpu_features, cpu_model, median, ms};
use blockchain::{BlockTx, ChainState, Producer, ZkVm};
use encoding::Encodable;
use rand::rngs::OsRng;
use rand::RngCore;
use rayon::prelude::*;
use std::time::Instant;
use zkvm::{
    Contract, ContractId, Generators, Program, SigningKey, Tx, TxHeader, VerifiedTx, Verifier,
};

const USAGE: &str = "whitepaper [--runs N] [--block N]";

/// The flavor every payment here moves.
const FLAVOR: u64 = 1;

fn header() -> TxHeader {
    TxHeader {
        version: 1,
        mintime_ms: 0,
        maxtime_ms: u64::MAX,
    }
}

/// Proves and signs `program` under this binary's header.
fn prove(program: Program, gens: &Generators) -> Tx {
    benches::prove(program, header(), gens)
}

/// A previous output holding `qty` of [`FLAVOR`], locked to a fresh key.
fn prior_output(qty: u64) -> Contract {
    benches::prior_output(qty, FLAVOR)
}

/// Spends `inputs` into outputs of `quantities` of [`FLAVOR`] to fresh keys.
fn payment_program(inputs: &[Contract], quantities: &[u64]) -> Program {
    let outputs: Vec<(u64, u64)> = quantities.iter().map(|q| (*q, FLAVOR)).collect();
    benches::payment_program(inputs, &outputs)
}

/// An `m`×`n` payment: inputs of 10·(i+1), outputs splitting their sum.
fn shaped(m: usize, n: usize) -> Program {
    let inputs: Vec<Contract> = (0..m).map(|i| prior_output(10 * (i as u64 + 1))).collect();
    let total: u64 = (1..=m as u64).map(|i| 10 * i).sum();
    let mut outs = vec![total / n as u64; n];
    outs[0] += total % n as u64;
    payment_program(&inputs, &outs)
}

/// `parties` 2×2 payments (each party pays 7 of its 6 + 4 and keeps 3 as change)
/// joined in one transaction.
fn coinjoin(parties: usize) -> Program {
    let inputs: Vec<Contract> = (0..parties)
        .flat_map(|_| [prior_output(6), prior_output(4)])
        .collect();
    let outs: Vec<u64> = (0..parties).flat_map(|_| [7, 3]).collect();
    payment_program(&inputs, &outs)
}

struct Options {
    runs: usize,
    block: usize,
}

fn options() -> Result<Options, String> {
    let mut o = Options { runs: 5, block: 64 };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut number = || -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .ok_or(format!("{flag} needs a positive number\n{USAGE}"))
        };
        match flag.as_str() {
            "--runs" => o.runs = number()?,
            "--block" => o.block = number()?,
            _ => return Err(USAGE.to_string()),
        }
    }
    Ok(o)
}

/// Per shape: median prove and verify times on one thread, bytes and weight.
fn shapes(o: &Options, gens: &Generators, one: &rayon::ThreadPool) {
    println!("\n## prove and verify per payment, one core");
    println!("| shape | bytes | weight | prove ms | verify ms |");
    println!("|---|---:|---:|---:|---:|");
    for (m, n) in [(1, 1), (2, 2), (4, 4), (8, 8), (16, 16)] {
        let mut proving = Vec::new();
        let mut verifying = Vec::new();
        let mut last = None;
        for round in 0..=o.runs {
            let program = shaped(m, n);
            let started = Instant::now();
            let tx = one.install(|| prove(program, gens));
            let p = ms(started);
            let bytes = tx.to_bytes();
            let started = Instant::now();
            let verified = one
                .install(|| Verifier::verify_bytes(&bytes, gens))
                .expect("verifies");
            let v = ms(started);
            if round > 0 {
                proving.push(p);
                verifying.push(v);
            }
            last = Some((bytes.len(), verified.weight));
        }
        let (bytes, weight) = last.expect("at least one run");
        println!(
            "| {m}×{n} | {bytes} | {weight} | {:.1} | {:.2} |",
            median(proving),
            median(verifying)
        );
    }
}

/// Bytes per payment, plain and joined.
fn joins(gens: &Generators) {
    println!("\n## bytes per 2×2 payment, plain and coinjoined");
    println!("| parties | tx bytes | bytes per payment | weight per payment |");
    println!("|---:|---:|---:|---:|");
    for parties in [1usize, 2, 4, 8] {
        let tx = prove(coinjoin(parties), gens);
        let verified = Verifier::verify_tx(&tx, gens).expect("verifies");
        let size = tx.size();
        println!(
            "| {parties} | {size} | {:.0} | {:.0} |",
            size as f64 / parties as f64,
            verified.weight as f64 / parties as f64
        );
    }
}

/// `count` 2×2 payments, proven on every core, with the IDs of their inputs.
fn block_payments(count: usize, gens: &Generators) -> Vec<(Vec<ContractId>, Tx, VerifiedTx)> {
    (0..count)
        .into_par_iter()
        .map(|_| {
            let inputs = [prior_output(6), prior_output(4)];
            let ids = inputs.iter().map(Contract::id).collect();
            let tx = prove(payment_program(&inputs, &[7, 3]), gens);
            let verified = Verifier::verify_tx(&tx, gens).expect("verifies");
            (ids, tx, verified)
        })
        .collect()
}

fn random_id() -> ContractId {
    let mut id = [0u8; 32];
    OsRng.fill_bytes(&mut id);
    ContractId(id)
}

/// The outputs a light client tracks in the UTXO set (untouched by the block).
const TRACKED: usize = 16;

/// A chain whose UTXO set holds the payments' inputs, `TRACKED` outputs of a light
/// client and filler up to `utxos`; the next block with every payment; the client's
/// proofs after it (encoded bytes, averaged) and the signed header's bytes.
fn chain_with_block(
    payments: &[(Vec<ContractId>, Tx, VerifiedTx)],
    utxos: usize,
) -> (ChainState, blockchain::Block, f64, usize) {
    let producer = Producer::new(SigningKey::random(&mut OsRng));
    let mut ids: Vec<ContractId> = payments.iter().flat_map(|(i, _, _)| i.clone()).collect();
    let spent = ids.len();
    ids.extend((spent..utxos.max(spent + TRACKED)).map(|_| random_id()));
    let (genesis, proofs) = producer.start_network(1_000, &ids).expect("genesis");
    let mut input_proofs = proofs[..spent].iter().cloned();
    let txs = payments
        .iter()
        .map(|(inputs, tx, verified)| {
            let proofs = input_proofs.by_ref().take(inputs.len()).collect();
            (
                BlockTx {
                    tx: tx.clone(),
                    proofs,
                },
                verified.clone(),
            )
        })
        .collect();
    let (block, applied) = producer
        .make_block(&genesis, 2_000, txs)
        .expect("the block is valid");
    let tracked = (ids.len() - TRACKED)..ids.len();
    let proof_bytes: usize = tracked
        .map(|i| {
            applied
                .catchup
                .update_proof(&ids[i], &proofs[i])
                .expect("an untouched output keeps a proof")
                .encoded_len()
        })
        .sum();
    let header_bytes = block.header.encoded_len() + 64;
    (
        genesis,
        block,
        proof_bytes as f64 / TRACKED as f64,
        header_bytes,
    )
}

fn blocks(o: &Options, gens: &Generators, one: &rayon::ThreadPool) {
    let payments = block_payments(o.block, gens);
    println!("\n## block validation, one core");
    println!("| UTXO set | payments | block bytes | ms per block | payments per second |");
    println!("|---:|---:|---:|---:|---:|");
    let mut light = Vec::new();
    for utxos in [1usize << 10, 1 << 14, 1 << 17] {
        let (genesis, block, proof, header) = chain_with_block(&payments, utxos);
        let mut times = Vec::new();
        for round in 0..=o.runs {
            let started = Instant::now();
            one.install(|| genesis.apply_block(&block, gens, &ZkVm))
                .expect("the block applies");
            if round > 0 {
                times.push(ms(started));
            }
        }
        let t = median(times);
        println!(
            "| {utxos} | {} | {} | {t:.0} | {:.0} |",
            o.block,
            block.to_bytes().len(),
            o.block as f64 * 1000.0 / t
        );
        light.push((utxos, proof, header));
    }
    println!("\n## light client, bytes per block");
    println!("| UTXO set | signed header | one proof | 1 output | 10 outputs | 100 outputs |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for (utxos, proof, header) in light {
        let per = |k: f64| header as f64 + k * proof;
        println!(
            "| {utxos} | {header} | {proof:.0} | {:.0} | {:.0} | {:.0} |",
            per(1.0),
            per(10.0),
            per(100.0)
        );
    }
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let gens = Generators::new(2048);
    println!("# whitepaper figures");
    println!(
        "cpu: {}; {}; {} logical CPUs",
        cpu_model(),
        cpu_features(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "median of {} runs after one warm-up; timed work on one thread",
        o.runs
    );
    shapes(&o, &gens, &one);
    joins(&gens);
    blocks(&o, &gens, &one);
}

//! `payments`: the project's side of the speed comparison with the reference.
//!
//! `payments bench` measures the payments of the reference harness (`refharness
//! bench`, built outside this repository as `benches/compare.sh` describes) with the
//! same shapes, the same quantities and the same definitions, and prints the same
//! table, so the two outputs compare line by line:
//! - prove = `Prover::build_tx` + the multi-message signature (building the program
//!   is outside the timer);
//! - verify = decode + verification (VM, R1CS proof, signature);
//! - one warm-up, then the median of `--runs` fresh transactions;
//! - 64 distinct 2×2 payments verified one after another, in ms per transaction.
//!
//! It adds what the reference cannot do: the same 64 payments verified together
//! (`Verifier::verify_txs`), and a block of 256 such payments applied to a chain
//! (`ChainState::apply_block`), the same block with every transaction already in the
//! verification cache (as after mempool admission), and the block with one bad
//! transaction (another's signature), rejected with the culprit named; each in ms per
//! payment. `--threads N` sets the number
//! of threads (0: one per core).
//!
//! `payments compare --reference PATH` runs the reference's `bench` and this one on one
//! thread and on every core, interleaved for `--rounds` rounds, and prints the ratios
//! (project / reference) of the medians, then each round's own ratio (median and
//! range over the rounds), which a machine whose speed drifts disturbs less.

use benches::{cpu_features, cpu_model, median, ms, payment_program, prior_output};
use rand::rngs::OsRng;
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;
use zkvm::{Contract, ContractId, Generators, Program, SigningKey, Tx, TxHeader, Verifier};

const USAGE: &str = "\
payments bench [--runs N] [--seq N] [--block N] [--threads N]
payments compare --reference PATH/refharness [--rounds N] [--runs N]
payments loop prove|verify|batch|block [--runs N] [--threads N]
    (2x2 only, one thread unless told: for a profiler)";

/// A payment: (quantity, flavor number) of each input and each output.
struct Shape {
    name: &'static str,
    inputs: Vec<(u64, u64)>,
    outputs: Vec<(u64, u64)>,
}

/// The reference harness's cases, value for value.
fn shapes() -> Vec<Shape> {
    vec![
        Shape {
            name: "1x1",
            inputs: vec![(10, 1)],
            outputs: vec![(10, 1)],
        },
        Shape {
            name: "2x2",
            inputs: vec![(6, 1), (4, 1)],
            outputs: vec![(9, 1), (1, 1)],
        },
        Shape {
            name: "2x2 two flavors",
            inputs: vec![(6, 1), (4, 2)],
            outputs: vec![(4, 2), (6, 1)],
        },
        Shape {
            name: "4x4",
            inputs: vec![(10, 1), (20, 1), (30, 1), (40, 1)],
            outputs: vec![(25, 1); 4],
        },
        Shape {
            name: "8x8",
            inputs: (1..=8).map(|i| (i * 10, 1)).collect(),
            outputs: (1..=8).map(|i| ((9 - i) * 10, 1)).collect(),
        },
    ]
}

/// The `i`-th distinct 2×2 payment of the sequence, as the reference makes it.
fn sequence_shape(i: u64) -> Shape {
    let (a, b) = (1000 + i, 7 + 3 * i);
    Shape {
        name: "seq",
        inputs: vec![(a, 1), (b, 1)],
        outputs: vec![(a + b - 5 - i, 1), (5 + i, 1)],
    }
}

/// The header of the reference harness and of the conformance vectors.
fn header() -> TxHeader {
    TxHeader {
        version: 1,
        mintime_ms: 1000,
        maxtime_ms: 1_000_000_000_000,
    }
}

fn fresh_program(shape: &Shape) -> Program {
    let inputs: Vec<Contract> = shape
        .inputs
        .iter()
        .map(|(q, f)| prior_output(*q, *f))
        .collect();
    payment_program(&inputs, &shape.outputs)
}

/// Proves and signs: the timed part of "prove".
/// Proves and signs `program` under the reference harness's header.
fn prove(program: Program, gens: &Generators) -> Tx {
    benches::prove(program, header(), gens)
}

struct Options {
    runs: usize,
    seq: usize,
    block: usize,
    threads: usize,
}

fn bench(o: &Options) -> Result<(), String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(o.threads)
        .build_global()
        .map_err(|e| format!("thread pool: {e}"))?;
    let gens = Generators::new(1024);
    println!("payments bench: this project");
    println!(
        "cpu: {} ({}); {} thread(s); Generators::new(1024); median of {} runs after 1 warm-up",
        cpu_model(),
        cpu_features(),
        rayon::current_num_threads(),
        o.runs
    );
    println!("prove = Prover::build_tx + the multi-message signature (program building excluded)");
    println!("verify = Tx::from_bytes + Verifier::verify_tx (VM, R1CS proof, signature)");
    println!();
    println!(
        "{:<16} {:>10} {:>10} {:>9}",
        "case", "prove_ms", "verify_ms", "tx_bytes"
    );
    for shape in shapes() {
        let (mut prove_t, mut verify_t, mut size) = (Vec::new(), Vec::new(), 0);
        for run in 0..=o.runs {
            let program = fresh_program(&shape);
            let started = Instant::now();
            let tx = prove(program, &gens);
            let proved = ms(started);
            let bytes = tx.to_bytes();
            let started = Instant::now();
            Verifier::verify_bytes(&bytes, &gens)
                .map_err(|e| format!("{}: rejected its own payment: {e}", shape.name))?;
            let verified = ms(started);
            size = bytes.len();
            if run > 0 {
                prove_t.push(proved);
                verify_t.push(verified);
            }
        }
        println!(
            "{:<16} {:>10.2} {:>10.2} {:>9}",
            shape.name,
            median(prove_t),
            median(verify_t),
            size
        );
    }
    println!();
    sequence(o, &gens)?;
    block(o, &gens)
}

/// The reference's sequential case, then the same transactions verified together.
fn sequence(o: &Options, gens: &Generators) -> Result<(), String> {
    let txs: Vec<Vec<u8>> = (0..o.seq as u64)
        .map(|i| prove(fresh_program(&sequence_shape(i)), gens).to_bytes())
        .collect();
    let (mut one_by_one, mut together) = (Vec::new(), Vec::new());
    for round in 0..=o.runs {
        let started = Instant::now();
        for bytes in &txs {
            Verifier::verify_bytes(bytes, gens).map_err(|e| format!("seq: {e}"))?;
        }
        let each = ms(started) / txs.len() as f64;
        let started = Instant::now();
        let decoded = txs
            .iter()
            .map(|b| Tx::from_bytes(b))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("seq: {e}"))?;
        Verifier::verify_txs(&decoded, gens).map_err(|e| format!("batch: {e}"))?;
        let batched = ms(started) / txs.len() as f64;
        if round > 0 {
            one_by_one.push(each);
            together.push(batched);
        }
    }
    let n = txs.len();
    println!(
        "sequential verify of {n} distinct 2x2 txs: {:.2} ms/tx",
        median(one_by_one)
    );
    println!(
        "batch verify of {n} distinct 2x2 txs: {:.3} ms/tx",
        median(together)
    );
    Ok(())
}

/// The producer, the chain at genesis, and proved payments with their verifications.
type PaymentsBlock = (
    blockchain::Producer,
    blockchain::ChainState,
    Vec<(blockchain::BlockTx, zkvm::VerifiedTx)>,
);

/// The chain at genesis, its producer, and `n` distinct proved 2×2 payments of the
/// sequence's shape spending outputs of the initial UTXO set, each with its
/// verification (what the mempool keeps at admission).
fn payments_block(n: usize, gens: &Generators) -> Result<PaymentsBlock, String> {
    use blockchain::{BlockTx, Producer};
    use rayon::prelude::*;
    let shapes: Vec<Shape> = (0..n as u64).map(sequence_shape).collect();
    let coins: Vec<Vec<Contract>> = shapes
        .iter()
        .map(|s| s.inputs.iter().map(|(q, f)| prior_output(*q, *f)).collect())
        .collect();
    let ids: Vec<ContractId> = coins.iter().flatten().map(Contract::id).collect();
    let producer = Producer::new(SigningKey::random(&mut OsRng));
    let (genesis, mut proofs) = producer
        .start_network(500, &ids)
        .map_err(|e| format!("block: {e}"))?;
    let mut txs = Vec::new();
    for (shape, inputs) in shapes.iter().zip(&coins) {
        let rest = proofs.split_off(inputs.len());
        txs.push((payment_program(inputs, &shape.outputs), proofs));
        proofs = rest;
    }
    let txs = txs
        .into_par_iter()
        .map(|(program, proofs)| {
            let tx = prove(program, gens);
            let verified = Verifier::verify_tx(&tx, gens).expect("the payment verifies");
            (BlockTx { tx, proofs }, verified)
        })
        .collect();
    Ok((producer, genesis, txs))
}

/// A block of distinct 2×2 payments of the sequence's shape, spending outputs of the
/// initial UTXO set, applied to the chain.
fn block(o: &Options, gens: &Generators) -> Result<(), String> {
    use blockchain::{BlockchainError, CachingVerifier, VerificationCache, ZkVm};
    let (producer, genesis, txs) = payments_block(o.block, gens)?;
    let (block, _) = producer
        .make_block(&genesis, 2_000, txs.clone())
        .map_err(|e| format!("block: {e}"))?;
    let n = o.block;
    let good = time_block(o, n, || genesis.apply_block(&block, gens, &ZkVm))?;
    println!("block of {n} distinct 2x2 txs: {good:.3} ms/tx");

    // Every transaction verified at admission, as the mempool does.
    let cache = VerificationCache::new(n);
    for (btx, verified) in &txs {
        cache.insert(&btx.tx, verified.clone());
    }
    let cached = CachingVerifier::new(&cache, ZkVm);
    let hit = time_block(o, n, || genesis.apply_block(&block, gens, &cached))?;
    println!("cached block of {n} distinct 2x2 txs, all admitted before: {hit:.4} ms/tx");

    // One transaction carries another's signature: its VM runs, its batch fails.
    let culprit = n * 7 / 13;
    let mut bad_txs = txs;
    bad_txs[culprit].0.tx.signature = bad_txs[(culprit + 1) % n].0.tx.signature;
    let (bad, _) = producer
        .make_block(&genesis, 2_000, bad_txs)
        .map_err(|e| format!("bad block: {e}"))?;
    let mut per_tx = Vec::new();
    for round in 0..=o.runs {
        let started = Instant::now();
        let err = genesis.apply_block(&bad, gens, &ZkVm).err();
        let elapsed = ms(started) / n as f64;
        match err {
            Some(BlockchainError::InTx { index, .. }) if index == culprit => {}
            other => return Err(format!("bad block: culprit {culprit} not named: {other:?}")),
        }
        if round > 0 {
            per_tx.push(elapsed);
        }
    }
    let blamed = median(per_tx);
    println!(
        "bad block of {n} distinct 2x2 txs, one bad, rejected and named: {blamed:.3} ms/tx ({:.2}x the good block)",
        blamed / good
    );
    Ok(())
}

/// Applies a block `runs` times after a warm-up; the median in ms per transaction.
fn time_block<T, E: std::fmt::Display>(
    o: &Options,
    txs: usize,
    apply: impl Fn() -> Result<T, E>,
) -> Result<f64, String> {
    let mut per_tx = Vec::new();
    for round in 0..=o.runs {
        let started = Instant::now();
        apply().map_err(|e| format!("block: {e}"))?;
        if round > 0 {
            per_tx.push(ms(started) / txs as f64);
        }
    }
    Ok(median(per_tx))
}

/// Proves or verifies the 2×2 payment `runs` times, verifies the 64 distinct 2×2
/// payments of the sequence together, or applies a block of 256 of them, on `threads`
/// threads (0: one per core), for a profiler.
fn repeat(what: &str, runs: usize, threads: usize) -> Result<(), String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| format!("thread pool: {e}"))?;
    let gens = Generators::new(1024);
    let shape = &shapes()[1];
    match what {
        "prove" => (0..runs).for_each(|_| drop(prove(fresh_program(shape), &gens))),
        "verify" => {
            let bytes = prove(fresh_program(shape), &gens).to_bytes();
            for _ in 0..runs {
                Verifier::verify_bytes(&bytes, &gens).map_err(|e| format!("verify: {e}"))?;
            }
        }
        "batch" => {
            let txs: Vec<Vec<u8>> = (0..64)
                .map(|i| prove(fresh_program(&sequence_shape(i)), &gens).to_bytes())
                .collect();
            for _ in 0..runs {
                let decoded = txs
                    .iter()
                    .map(|b| Tx::from_bytes(b))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("batch: {e}"))?;
                Verifier::verify_txs(&decoded, &gens).map_err(|e| format!("batch: {e}"))?;
            }
        }
        "block" => {
            let (producer, genesis, txs) = payments_block(256, &gens)?;
            let (block, _) = producer
                .make_block(&genesis, 2_000, txs)
                .map_err(|e| format!("block: {e}"))?;
            for _ in 0..runs {
                genesis
                    .apply_block(&block, &gens, &blockchain::ZkVm)
                    .map_err(|e| format!("block: {e}"))?;
            }
        }
        _ => return Err(USAGE.to_string()),
    }
    Ok(())
}

/// One run's figures by row name: (prove, verify) for the cases, (value, NaN) for the
/// per-transaction lines.
type Figures = BTreeMap<String, (f64, f64)>;

fn parse(output: &str) -> Figures {
    let mut figures = Figures::new();
    for line in output.lines() {
        if let Some((name, rest)) = line.split_once(':') {
            if let Some(value) = rest.split_whitespace().find_map(|w| w.parse::<f64>().ok()) {
                if rest.contains("ms/tx") {
                    let key = name
                        .split_whitespace()
                        .take(2)
                        .collect::<Vec<_>>()
                        .join(" ");
                    figures.insert(key, (value, f64::NAN));
                }
            }
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        // Case rows: a name (maybe several words), then prove, verify, sizes.
        let numbers = words
            .iter()
            .rev()
            .take_while(|w| w.parse::<f64>().is_ok())
            .count();
        if numbers >= 3 && words.len() > numbers {
            let name = words[..words.len() - numbers].join(" ");
            let prove = words[words.len() - numbers].parse().unwrap_or(f64::NAN);
            let verify = words[words.len() - numbers + 1].parse().unwrap_or(f64::NAN);
            figures.insert(name, (prove, verify));
        }
    }
    figures
}

fn run(program: &str, args: &[String]) -> Result<Figures, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    eprint!("{text}");
    Ok(parse(&text))
}

fn compare(reference: &str, rounds: usize, runs: usize) -> Result<(), String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let me = me.to_string_lossy().into_owned();
    let runs = runs.to_string();
    let ours = |threads: &str| {
        let args = ["bench", "--runs", &runs, "--threads", threads];
        run(&me, &args.map(String::from))
    };
    let (mut r, mut one, mut all) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        eprintln!("round {round} of {rounds}");
        r.push(run(
            reference,
            &["bench".into(), "--runs".into(), runs.clone()],
        )?);
        one.push(ours("1")?);
        all.push(ours("0")?);
    }
    let med = |set: &[Figures], key: &str, verify: bool| {
        median(
            set.iter()
                .filter_map(|f| f.get(key))
                .map(|(p, v)| if verify { *v } else { *p })
                .collect(),
        )
    };
    println!(
        "cpu: {} ({}); {} cores; median of {rounds} interleaved rounds",
        cpu_model(),
        cpu_features(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("ratios are project / reference (the reference runs on one thread)");
    println!();
    println!(
        "{:<16} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "case", "ref_prove", "ref_vrfy", "prove_1", "vrfy_1", "prove_n", "vrfy_n"
    );
    for shape in shapes() {
        let k = shape.name;
        let (rp, rv) = (med(&r, k, false), med(&r, k, true));
        println!(
            "{:<16} {:>9.2} {:>9.2} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
            k,
            rp,
            rv,
            med(&one, k, false) / rp,
            med(&one, k, true) / rv,
            med(&all, k, false) / rp,
            med(&all, k, true) / rv
        );
    }
    let seq = med(&r, "sequential verify", false);
    println!();
    println!("per 2x2 payment, against the reference's sequential verification ({seq:.2} ms/tx):");
    for key in [
        "sequential verify",
        "batch verify",
        "block of",
        "cached block",
        "bad block",
    ] {
        println!(
            "{:<18} 1 thread {:>6.3}   all cores {:>6.3}",
            key,
            med(&one, key, false) / seq,
            med(&all, key, false) / seq
        );
    }
    let bad_over_good =
        |set: &[Figures]| med(set, "bad block", false) / med(set, "block of", false);
    println!(
        "bad block / good block: 1 thread {:.2}x, all cores {:.2}x",
        bad_over_good(&one),
        bad_over_good(&all)
    );
    print_paired(&r, &one, &all);
    Ok(())
}

/// The ratio of each round on its own (ours over the reference's of the same round),
/// as median and range: on a shared machine whose speed drifts between rounds, a
/// round's two sides are closer in time than the medians of all rounds are.
fn print_paired(r: &[Figures], one: &[Figures], all: &[Figures]) {
    let ratios = |ours: &[Figures], key: &str, verify: bool, ref_key: &str, ref_verify: bool| {
        let pick = |f: &Figures, k: &str, v: bool| f.get(k).map(|(p, q)| if v { *q } else { *p });
        let v: Vec<f64> = ours
            .iter()
            .zip(r)
            .filter_map(|(o, r)| Some(pick(o, key, verify)? / pick(r, ref_key, ref_verify)?))
            .collect();
        let (lo, hi) = v
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                (a.min(*x), b.max(*x))
            });
        format!("{:.3} ({lo:.3}-{hi:.3})", median(v))
    };
    println!();
    println!("paired by round: median of the rounds' own ratios (lowest-highest)");
    for (what, verify) in [("prove", false), ("verify", true)] {
        println!(
            "2x2 {what:<6}  1 thread {}   all cores {}",
            ratios(one, "2x2", verify, "2x2", verify),
            ratios(all, "2x2", verify, "2x2", verify)
        );
    }
    for key in ["batch verify", "block of"] {
        println!(
            "{key:<12}  1 thread {}   all cores {}",
            ratios(one, key, false, "sequential verify", false),
            ratios(all, key, false, "sequential verify", false)
        );
    }
}

fn value(args: &[String], name: &str, default: usize) -> Result<usize, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} needs a number")),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bench") => (|| {
            let o = Options {
                runs: value(&args, "--runs", 7)?.max(1),
                seq: value(&args, "--seq", 64)?.max(1),
                block: value(&args, "--block", 256)?.max(1),
                threads: value(&args, "--threads", 0)?,
            };
            bench(&o)
        })(),
        Some("compare") => (|| {
            let reference = args
                .iter()
                .position(|a| a == "--reference")
                .and_then(|i| args.get(i + 1))
                .ok_or("compare needs --reference PATH")?;
            compare(
                reference,
                value(&args, "--rounds", 3)?.max(1),
                value(&args, "--runs", 7)?.max(1),
            )
        })(),
        Some("loop") => repeat(
            args.get(1).map_or("", String::as_str),
            value(&args, "--runs", 100).unwrap_or(100),
            value(&args, "--threads", 1).unwrap_or(1),
        ),
        _ => Err(USAGE.to_string()),
    };
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(2);
    }
}

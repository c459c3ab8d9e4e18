//! Worst cases of the cost model against a 2×2 payment, each at several sizes (the
//! size-scaling probe beside the fuzz targets, whose inputs stay small). Every case
//! is a valid-envelope transaction: the payment's header, signature and proof around
//! a program that does the hostile work and then the payment's own, so the verifier
//! runs the whole VM and the whole point check. Where the hostile part changes the
//! constraint system or the signers, the proof or signature is well formed but false
//! and fails only in the final check. Prints time per byte and per weight unit, and
//! peak heap, beside the payment's; criterion times the largest size of each.
//!
//! Cases: `neg-chain` (`alloc (mintime add)×T (neg)×K drop`, quadratic in the
//! reference), `nested-eval` (`program:[…] eval` nested, copied per level in the
//! reference), `packed-range` (as many `range` as the multiplier limit allows),
//! `rehash` (`(dup:1 contract:1 signtx)×N` over a 4 KB payload: each round hashes the
//! payload twice), and `false-proof` (the payment with one proof scalar changed).
// The peak-memory counter is a `GlobalAlloc`, an unsafe trait: the one place in the
// workspace with unsafe code (the crate denies it everywhere else).
#![allow(unsafe_code)]

use batch::BatchVerifier;
use criterion::{criterion_group, criterion_main, Criterion};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED;
use curve25519_dalek::Scalar;
use musig::SigningKey;
use rand_core::OsRng;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use zkvm::{Generators, Opcode, Program, R1csProof, Tx, Verifier, VmError, MAX_MULTIPLIERS};

/// Counts live heap bytes and their peak, to read a case's peak memory.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only counters
// are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn payment() -> Vec<u8> {
    let file = vectors::load("zkvm_txs.json");
    let case = vectors::cases(&file)
        .iter()
        .find(|c| c["name"] == "pay_2x2")
        .expect("the 2×2 payment vector")
        .clone();
    vectors::bytes(&case["tx"])
}

/// The payment with `before` run ahead of its program and `after` behind it.
fn envelope(payment: &[u8], before: &[u8], after: &[u8]) -> Tx {
    let template = Tx::from_bytes(payment).expect("decodes");
    let program = [before, &template.program, after].concat();
    Tx {
        program,
        ..template
    }
}

/// `alloc (mintime add)×adds (neg)×negs drop`.
fn negations(adds: usize, negs: usize) -> Vec<u8> {
    Program::build(|p| {
        p.alloc(None);
        for _ in 0..adds {
            p.mintime().add();
        }
        for _ in 0..negs {
            p.neg();
        }
        p.drop();
    })
    .to_bytes()
}

/// `alloc range×n drop`.
fn ranges(n: usize) -> Vec<u8> {
    Program::build(|p| {
        p.alloc(None);
        for _ in 0..n {
            p.range();
        }
        p.drop();
    })
    .to_bytes()
}

/// `program:[…] eval` nested `depth` deep around nothing, written directly (a deep
/// `Program` tree would recurse once per level to encode).
fn nested(depth: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(6 * depth);
    for level in 0..depth {
        out.push(Opcode::Program as u8);
        out.extend((6 * (depth - level - 1) as u32).to_le_bytes());
    }
    out.extend(std::iter::repeat_n(Opcode::Eval as u8, depth));
    out
}

/// `push:key push:payload (dup:1 contract:1 signtx)×rounds drop drop`, after the
/// payment (which leaves an anchor): each round hashes the payload into a contract
/// ID twice and adds a signer, so the transaction signature is false.
fn rehash(payload: usize, rounds: usize) -> Vec<u8> {
    let key = SigningKey::new(Scalar::from(5u64)).verification_key();
    Program::build(|p| {
        p.push(key.to_bytes().to_vec()).push(vec![7u8; payload]);
        for _ in 0..rounds {
            p.dup(1).contract(1).signtx();
        }
        p.drop().drop();
    })
    .to_bytes()
}

/// The payment with its proof's `t_x` replaced: well formed, false.
fn false_proof(payment: &[u8]) -> Tx {
    let mut tx = Tx::from_bytes(payment).expect("decodes");
    let mut bytes = tx.proof.to_bytes();
    // A layout flag (0: one phase, eight points; 1: two phases, eleven), the points,
    // then t_x: flipping its lowest bit keeps it canonical.
    let points = if bytes[0] == 0 { 8 } else { 11 };
    bytes[1 + 32 * points] ^= 1;
    tx.proof = R1csProof::from_bytes(&bytes).expect("still well formed");
    tx
}

/// `tx` with `extra` more inner-product rounds in its proof (each `L = R = B`): a
/// well-formed proof for a constraint system `2^extra` times as large, and false.
fn with_rounds(tx: &Tx, extra: usize) -> Tx {
    let mut bytes = tx.proof.to_bytes();
    let scalars = bytes.split_off(bytes.len() - 64);
    for _ in 0..2 * extra {
        bytes.extend_from_slice(RISTRETTO_BASEPOINT_COMPRESSED.as_bytes());
    }
    bytes.extend(scalars);
    Tx {
        proof: R1csProof::from_bytes(&bytes).expect("still well formed"),
        ..tx.clone()
    }
}

/// `ranges(n)` ahead of the payment, with a proof of the size its multipliers need.
fn packed(payment: &[u8], n: usize, gens: &Generators) -> Option<Tx> {
    let tx = envelope(payment, &ranges(n), &[]);
    (0..8)
        .map(|extra| with_rounds(&tx, extra))
        .find(|tx| weigh(tx, gens).is_ok())
}

/// The most `range` instructions that fit beside the payment's multipliers.
fn most_ranges(payment: &[u8], gens: &Generators) -> usize {
    (1..=MAX_MULTIPLIERS / 64)
        .rev()
        .find(|&n| packed(payment, n, gens).is_some())
        .expect("some ranges fit")
}

/// The weight the VM charges (the point checks are deferred, never decided).
fn weigh(tx: &Tx, gens: &Generators) -> Result<u64, VmError> {
    let mut batch = BatchVerifier::new(gens, OsRng);
    Verifier::verify_tx_batched(tx, &mut batch).map(|v| v.weight)
}

/// The cases at each size: name, size label, transaction.
fn cases(payment: &[u8], gens: &Generators) -> Vec<(String, Tx)> {
    let mut out = Vec::new();
    for kb in [16, 64, 256] {
        let n = kb * 1024;
        out.push((
            format!("neg-chain/{kb}KB"),
            envelope(payment, &negations(n / 4, n / 2), &[]),
        ));
        out.push((
            format!("nested-eval/{kb}KB"),
            envelope(payment, &nested(n / 6), &[]),
        ));
    }
    for rounds in [100, 400, 850] {
        out.push((
            format!("rehash/4KBx{rounds}"),
            envelope(payment, &[], &rehash(4096, rounds)),
        ));
    }
    let most = most_ranges(payment, gens);
    for n in [most / 4, most] {
        let tx = packed(payment, n, gens).expect("fits");
        out.push((format!("packed-range/{n}"), tx));
    }
    out.push(("false-proof".to_string(), false_proof(payment)));
    out
}

/// Mean time of `f` over at least a second, and its peak heap above the start.
fn measure(mut f: impl FnMut()) -> (Duration, usize) {
    let start = Instant::now();
    let mut runs = 0u32;
    let mut peak = 0;
    while start.elapsed() < Duration::from_secs(1) || runs < 3 {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        f();
        peak = peak.max(PEAK.load(Ordering::Relaxed).saturating_sub(base));
        runs += 1;
    }
    (start.elapsed() / runs, peak)
}

fn hostile(c: &mut Criterion) {
    let gens = zkvm::network_generators();
    let pay = payment();
    let verified = Verifier::verify_bytes(&pay, gens).expect("the payment verifies");
    let (pay_time, pay_peak) = measure(|| {
        Verifier::verify_bytes(&pay, gens).expect("verifies");
    });
    let per_weight = pay_time.as_secs_f64() / verified.weight as f64;
    println!(
        "hostile/pay_2x2: {} bytes, weight {}, {:.3} µs/byte, {:.3} µs/weight, {:.2} ms, peak {} KB",
        pay.len(),
        verified.weight,
        pay_time.as_secs_f64() * 1e6 / pay.len() as f64,
        per_weight * 1e6,
        pay_time.as_secs_f64() * 1e3,
        pay_peak / 1024
    );
    let mut group = c.benchmark_group("hostile");
    group.sample_size(10);
    group.bench_function("verify/pay_2x2", |b| {
        b.iter(|| Verifier::verify_bytes(&pay, gens).expect("verifies"))
    });
    let cases = cases(&pay, gens);
    for (index, (name, tx)) in cases.iter().enumerate() {
        let weight = weigh(tx, gens).unwrap_or_else(|e| panic!("{name}: the VM refused: {e}"));
        let run = || Verifier::verify_tx(tx, gens);
        let outcome = match run() {
            Ok(_) => "valid".to_string(),
            Err(e) => format!("refused: {e}"),
        };
        // The payment again, just before: on a shared machine the load drifts, and
        // the ratio that matters (a false proof against a true one) is read from
        // two measurements side by side.
        let (pay_now, _) = measure(|| {
            Verifier::verify_bytes(&pay, gens).expect("verifies");
        });
        let (time, peak) = measure(|| {
            let _ = run();
        });
        let per_weight = pay_now.as_secs_f64() / verified.weight as f64;
        let pay_time = pay_now;
        let ratio = time.as_secs_f64() / weight as f64 / per_weight;
        println!(
            "hostile/{name}: {} bytes, weight {weight}, {:.3} µs/byte, {:.4} µs/weight \
             ({ratio:.2}× the payment's), {:.2} ms ({:.2}× the payment), peak {} KB; {outcome}",
            tx.size(),
            time.as_secs_f64() * 1e6 / tx.size() as f64,
            time.as_secs_f64() * 1e6 / weight as f64,
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() / pay_time.as_secs_f64(),
            peak / 1024
        );
        // Criterion times the largest size of each case.
        let kind = |n: &str| n.split('/').next().unwrap_or_default().to_string();
        let last = !cases[index + 1..]
            .iter()
            .any(|(next, _)| kind(next) == kind(name));
        if last {
            group.bench_function(format!("verify/{name}"), |b| {
                b.iter(|| {
                    let _ = run();
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, hostile);
criterion_main!(benches);

//! Worst cases of the cost model against a 2×2 payment: each hostile program runs in
//! the envelope of a real payment (header, signature, proof), so the verifier does
//! the VM's work up to the limit it hits. Prints time per byte and per weight unit,
//! and peak heap, beside the payment's; criterion times each case.
//!
//! The hostile cases fail while the VM runs (at a limit, or for want of an anchor),
//! so they time the VM's work, not a proof check: the proof's cost is what the
//! multiplier and point weights charge.

use criterion::{criterion_group, criterion_main, Criterion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use zkvm::{Generators, Program, Tx, Verifier, VmError, MAX_TX_WEIGHT};

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

fn envelope(payment: &[u8], program: Program) -> Tx {
    let template = Tx::from_bytes(payment).expect("decodes");
    Tx {
        program: program.to_bytes(),
        ..template
    }
}

/// `alloc (mintime add)×adds (neg)×negs drop`.
fn negations(adds: usize, negs: usize) -> Program {
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
}

/// `alloc range×n drop`.
fn ranges(n: usize) -> Program {
    Program::build(|p| {
        p.alloc(None);
        for _ in 0..n {
            p.range();
        }
        p.drop();
    })
}

/// `program:[…] eval` nested `depth` deep.
fn nested(depth: usize) -> Program {
    let mut inner = Program::new();
    for _ in 0..depth {
        let mut outer = Program::new();
        outer.program(inner).eval();
        inner = outer;
    }
    inner
}

/// The hostile cases, each with the weight it reaches before it fails.
fn cases(payment: &[u8]) -> Vec<(&'static str, Tx, u64)> {
    let at_limit = |name, program| (name, envelope(payment, program), MAX_TX_WEIGHT);
    let packed = envelope(payment, ranges(40_000));
    // Fails at 8,192 multipliers: its bytes and 128 range proofs' weight.
    let packed_weight = packed.size() as u64 + 16 * 64 * 128;
    vec![
        at_limit("neg-chain", negations(33_000, 33_000)),
        at_limit("nested-eval", nested(2_000)),
        ("packed-range", packed, packed_weight),
    ]
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
    let gens = Generators::new(1024);
    let pay = payment();
    let verified = Verifier::verify_bytes(&pay, &gens).expect("the payment verifies");
    let (pay_time, pay_peak) = measure(|| {
        Verifier::verify_bytes(&pay, &gens).expect("verifies");
    });
    let per_weight = pay_time.as_secs_f64() / verified.weight as f64;
    println!(
        "hostile/pay_2x2: {} bytes, weight {}, {:.3} µs/byte, {:.3} µs/weight, peak {} KB",
        pay.len(),
        verified.weight,
        pay_time.as_secs_f64() * 1e6 / pay.len() as f64,
        per_weight * 1e6,
        pay_peak / 1024
    );
    let mut group = c.benchmark_group("hostile");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    group.bench_function("verify/pay_2x2", |b| {
        b.iter(|| Verifier::verify_bytes(&pay, &gens).expect("verifies"))
    });
    for (name, tx, weight) in cases(&pay) {
        let run = || -> VmError { Verifier::verify_tx(&tx, &gens).expect_err("refused") };
        println!("hostile/{name}: refused with {}", run());
        let (time, peak) = measure(|| {
            run();
        });
        let ratio = time.as_secs_f64() / weight as f64 / per_weight;
        println!(
            "hostile/{name}: {} bytes, weight {weight}, {:.3} µs/byte, {:.4} µs/weight \
             ({ratio:.2}× the payment's), peak {} KB",
            tx.size(),
            time.as_secs_f64() * 1e6 / tx.size() as f64,
            time.as_secs_f64() * 1e6 / weight as f64,
            peak / 1024
        );
        group.bench_function(format!("verify/{name}"), |b| b.iter(run));
    }
    group.finish();
}

criterion_group!(benches, hostile);
criterion_main!(benches);

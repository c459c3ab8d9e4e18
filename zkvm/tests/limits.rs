//! The cost model's limits, at and just past each: hostile programs in the envelope
//! of a valid transaction (its header, signature and proof), so the verifier runs
//! them in full. Every one fails; the point is which error, and that it comes while
//! the VM runs, before the work it refuses is done.

mod common;

use zkvm::{Opcode, Program, Tx, Verifier, VmError, MAX_MULTIPLIERS, MAX_TX_WEIGHT};

fn envelope(program: Vec<u8>) -> Tx {
    let file = vectors::load("zkvm_txs.json");
    let case = vectors::cases(&file)
        .iter()
        .find(|c| c["valid"] == true)
        .expect("a valid transaction")
        .clone();
    let template = Tx::from_bytes(&vectors::bytes(&case["tx"])).expect("decodes");
    Tx {
        program,
        ..template
    }
}

fn verify(program: Program) -> VmError {
    let tx = envelope(program.to_bytes());
    Verifier::verify_tx(&tx, &common::gens()).expect_err("hostile programs fail")
}

/// A program of `len` bytes that only pushes a string and drops it.
fn padding(len: usize) -> Vec<u8> {
    let data_len = len - 5 - 1;
    Program::build(|p| {
        p.push(vec![0u8; data_len]).drop();
    })
    .to_bytes()
}

#[test]
fn transaction_bytes_at_the_weight_limit_run_and_one_more_is_refused() {
    let overhead = envelope(Vec::new()).size();
    let at_limit = envelope(padding(MAX_TX_WEIGHT as usize - overhead));
    assert_eq!(at_limit.size() as u64, MAX_TX_WEIGHT);
    let err = Verifier::verify_tx(&at_limit, &common::gens()).unwrap_err();
    assert_eq!(err, VmError::AnchorMissing, "the program ran to its end");
    let over = envelope(padding(MAX_TX_WEIGHT as usize - overhead + 1));
    assert_eq!(
        Verifier::verify_tx(&over, &common::gens()).unwrap_err(),
        VmError::TxWeightExceeded {
            limit: MAX_TX_WEIGHT
        }
    );
}

/// `alloc` then `ranges` range proofs on it: `64·ranges + 1` multipliers.
fn ranges(ranges: usize) -> Program {
    Program::build(|p| {
        p.alloc(None);
        for _ in 0..ranges {
            p.range();
        }
        p.drop();
    })
}

#[test]
fn multipliers_up_to_the_limit_run_and_past_it_are_refused_as_added() {
    let most = (MAX_MULTIPLIERS - 1) / 64;
    assert_eq!(verify(ranges(most)), VmError::AnchorMissing);
    let refused = VmError::TooManyMultipliers {
        limit: MAX_MULTIPLIERS,
    };
    assert_eq!(verify(ranges(most + 1)), refused);
    // 40 KB of packed `range` fail at the limit, not after allocating them all.
    assert_eq!(verify(ranges(40_000)), refused);
}

/// `alloc (mintime add)×adds (neg)×negs drop`: the reference rewrites every term at
/// each `neg`; here a negation is lazy and costs the same whatever the terms.
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

#[test]
fn negation_chains_weigh_what_their_instructions_do_not_their_terms() {
    // The 66 KB chain (45 s in the reference) weighs about 132,000: it runs.
    assert_eq!(verify(negations(33_000, 33_000)), VmError::AnchorMissing);
    // Bytes and one unit per instruction: 1,000 adds and 250,000 negations fit,
    // 1,000 adds and 270,000 do not, though no term is ever rewritten.
    assert_eq!(verify(negations(1_000, 250_000)), VmError::AnchorMissing);
    assert_eq!(
        verify(negations(1_000, 270_000)),
        VmError::TxWeightExceeded {
            limit: MAX_TX_WEIGHT
        }
    );
}

/// `(program:[program:[…] eval] eval)` nested `depth` deep around `drop`-free code.
fn nested(depth: usize) -> Program {
    let mut inner = Program::new();
    for _ in 0..depth {
        let mut outer = Program::new();
        outer.program(inner).eval();
        inner = outer;
    }
    inner
}

/// The bytecode of [`nested`], written directly: building and encoding a deep
/// `Program` tree recurses once per level.
fn nested_bytes(depth: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(6 * depth);
    for level in 0..depth {
        let inner = 6 * (depth - level - 1);
        out.push(Opcode::Program as u8);
        out.extend((inner as u32).to_le_bytes());
    }
    out.extend(std::iter::repeat_n(Opcode::Eval as u8, depth));
    out
}

fn verify_bytes(program: Vec<u8>) -> VmError {
    let tx = envelope(program);
    Verifier::verify_tx(&tx, &common::gens()).expect_err("hostile programs fail")
}

#[test]
fn nested_programs_share_their_bytes_so_any_depth_within_the_size_limit_runs() {
    assert_eq!(nested(100).to_bytes(), nested_bytes(100));
    assert_eq!(verify(nested(100)), VmError::AnchorMissing);
    // Each level is a range of the transaction's bytes, not a copy: 2,000 levels
    // (the reference's quadratic case) and 80,000 (480 KB) run to their end.
    assert_eq!(verify_bytes(nested_bytes(2_000)), VmError::AnchorMissing);
    assert_eq!(verify_bytes(nested_bytes(80_000)), VmError::AnchorMissing);
    // Past the size limit, the bytes alone refuse it.
    assert_eq!(
        verify_bytes(nested_bytes(90_000)),
        VmError::TxWeightExceeded {
            limit: MAX_TX_WEIGHT
        }
    );
}

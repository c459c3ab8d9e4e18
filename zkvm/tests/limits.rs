//! The cost model's limits, at and just past each: hostile programs in the envelope
//! of a valid transaction (its header, signature and proof), so the verifier runs
//! them in full. Every one fails; the point is which error, and that it comes while
//! the VM runs, before the work it refuses is done.

mod common;

use zkvm::{Program, Tx, Verifier, VmError, MAX_MULTIPLIERS, MAX_TX_WEIGHT};

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

/// `alloc (mintime add)×adds (neg)×negs drop`: each `neg` rewrites every term.
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
fn rewriting_terms_is_charged_so_quadratic_programs_hit_the_weight_limit() {
    // 1001 terms rewritten 400 times weigh about 400,000: within the limit.
    assert_eq!(verify(negations(1000, 400)), VmError::AnchorMissing);
    // 600 times: past it, refused while the VM runs.
    assert_eq!(
        verify(negations(1000, 600)),
        VmError::TxWeightExceeded {
            limit: MAX_TX_WEIGHT
        }
    );
    // The 66 KB chain now fails within the limit's work.
    assert_eq!(
        verify(negations(33_000, 33_000)),
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

#[test]
fn nested_programs_are_charged_for_the_bytes_they_copy() {
    assert_eq!(verify(nested(100)), VmError::AnchorMissing);
    assert_eq!(
        verify(nested(2000)),
        VmError::TxWeightExceeded {
            limit: MAX_TX_WEIGHT
        }
    );
}

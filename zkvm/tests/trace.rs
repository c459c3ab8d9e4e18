//! The execution trace and the prover's dry run: what each instruction did, secrets
//! shown only on request and never on the verifier's side, and a wrong witness named
//! with the instruction behind it before anything is proven.

mod common;

use common::{any_time, key, rng, utxo};
use curve25519_dalek::scalar::Scalar;
use r1cs::R1csError;
use rand::rngs::StdRng;
use zkvm::{Commitment, Predicate, Program, Prover, Secrets, Verifier, VmError};

/// A quantity no hex string of the trace contains by chance (checked below).
const SECRET_QTY: u64 = 7_654_321;
const FLAVOR: u64 = 424_242;

/// A one-input, one-output payment of `out` units from an input holding `SECRET_QTY`.
fn payment(r: &mut StdRng, out: u64) -> Program {
    let owner = key(1);
    let input = utxo(r, owner.clone().into(), SECRET_QTY, Scalar::from(FLAVOR));
    Program::build(|p| {
        p.push(input).input().signtx();
        p.push(Commitment::blinded(out, r))
            .push(Commitment::blinded(FLAVOR, r))
            .cloak(1, 1)
            .push(Predicate::from_key(&key(2).verification_key()))
            .output(1);
    })
}

#[test]
fn the_prover_trace_lists_every_instruction_with_its_effects() {
    let gens = common::gens();
    let mut r = rng(1);
    let program = payment(&mut r, SECRET_QTY);
    let count = program.instructions().len();
    let trace = Prover::trace(program, any_time(), &gens, Secrets::Hidden);
    assert!(trace.failure.is_none(), "{:?}", trace.failure);
    assert_eq!(trace.steps.len(), count);

    let opcodes: Vec<&str> = trace.steps.iter().map(|s| s.opcode.as_str()).collect();
    assert_eq!(
        opcodes,
        ["push", "input", "signtx", "push", "push", "cloak", "push", "output"]
    );
    // `input` takes the output string and leaves a contract, logging the input.
    let input = &trace.steps[1];
    assert_eq!(input.stack_before.len(), 1);
    assert!(input.stack_before[0].starts_with("string(output contract("));
    assert_eq!(input.stack_after.as_ref().unwrap().len(), 1);
    assert!(input.stack_after.as_ref().unwrap()[0].starts_with("contract("));
    assert_eq!(input.log.len(), 1);
    assert!(input.log[0].starts_with("input "));
    // The cloak builds the constraint system; `output` logs the output.
    let cloak = &trace.steps[5];
    // One input and one output: no shuffle, the output's range proof only.
    assert_eq!((cloak.multipliers, cloak.deferred), (64, 0), "{trace}");
    assert!(trace.steps[7].log[0].starts_with("output "));
    // The summary adds up the steps, both phases.
    let sum: usize = trace.steps.iter().map(|s| s.multipliers).sum();
    assert_eq!(trace.summary.multipliers, sum);
    assert!(trace.summary.run_weight.is_some());
    // Every step finished; the text form shows them all and the verdict.
    assert!(trace.steps.iter().all(|s| s.stack_after.is_some()));
    let text = trace.to_string();
    assert!(text.contains("#5 cloak:1:1"), "{text}");
    assert!(text.ends_with("ok\n"));
}

#[test]
fn secrets_appear_only_when_asked_for() {
    let gens = common::gens();
    let hidden = Prover::trace(
        payment(&mut rng(2), SECRET_QTY),
        any_time(),
        &gens,
        Secrets::Hidden,
    );
    let shown = Prover::trace(
        payment(&mut rng(2), SECRET_QTY),
        any_time(),
        &gens,
        Secrets::Shown,
    );
    let (hidden, shown) = (hidden.to_string(), shown.to_string());
    let secret = SECRET_QTY.to_string();
    assert!(!hidden.contains(&secret), "{hidden}");
    assert!(!hidden.contains(&FLAVOR.to_string()));
    assert!(shown.contains(&format!("= {secret}")), "{shown}");
    assert!(shown.contains(&format!("= {FLAVOR}")));
}

#[test]
fn the_verifier_trace_shows_no_secrets_and_the_same_steps() {
    let gens = common::gens();
    let mut r = rng(3);
    let program = payment(&mut r, SECRET_QTY);
    let prover_trace = Prover::trace(program.clone(), any_time(), &gens, Secrets::Shown);
    let tx = Prover::build_tx(program, any_time(), &gens, &mut r)
        .unwrap()
        .sign(&mut r)
        .unwrap();
    let trace = Verifier::trace(&tx, &gens);
    assert!(trace.failure.is_none(), "{:?}", trace.failure);
    let text = trace.to_string();
    assert!(!text.contains(&SECRET_QTY.to_string()), "{text}");
    assert!(!text.contains(" = "), "no value revealed: {text}");
    // The same instructions, stack shapes and constraint counts as the prover's.
    assert_eq!(trace.steps.len(), prover_trace.steps.len());
    for (v, p) in trace.steps.iter().zip(&prover_trace.steps) {
        assert_eq!(v.instruction, p.instruction);
        assert_eq!(v.stack_before.len(), p.stack_before.len());
        assert_eq!(
            (v.multipliers, v.constraints),
            (p.multipliers, p.constraints)
        );
    }
    assert_eq!(trace.summary.multipliers, prover_trace.summary.multipliers);
    assert_eq!(trace.summary.constraints, prover_trace.summary.constraints);
    assert_eq!(
        trace.summary.weight,
        Some(tx.size() as u64 + trace.summary.run_weight.unwrap())
    );
}

#[test]
fn a_verifier_trace_of_a_bad_program_stops_at_the_failing_instruction() {
    let gens = common::gens();
    let mut r = rng(4);
    let tx = Prover::build_tx(payment(&mut r, SECRET_QTY), any_time(), &gens, &mut r)
        .unwrap()
        .sign(&mut r)
        .unwrap();
    let mut broken = tx.clone();
    // The last byte is `output`'s count: ask for more items than the stack holds.
    *broken.program.last_mut().unwrap() = 9;
    let trace = Verifier::trace(&broken, &gens);
    let failure = trace.failure.expect("fails");
    assert_eq!(failure.step, Some(trace.steps.len() - 1));
    assert!(matches!(failure.error, VmError::StackUnderflow { .. }));
    assert!(trace.steps.last().unwrap().stack_after.is_none());
}

/// The `AtInstruction` error's step and opcode, and the error inside it.
fn blamed(e: VmError) -> (usize, String, VmError) {
    match e {
        VmError::AtInstruction {
            step,
            opcode,
            error,
        } => (step, opcode, *error),
        other => panic!("no instruction named: {other:?}"),
    }
}

#[test]
fn dry_run_names_an_unbalanced_payment_at_its_cloak() {
    let gens = common::gens();
    let e = Prover::dry_run(payment(&mut rng(5), SECRET_QTY + 1), any_time(), &gens).unwrap_err();
    let (step, opcode, inner) = blamed(e);
    assert_eq!((step, opcode.as_str()), (5, "cloak"));
    assert!(
        matches!(inner, VmError::R1cs(R1csError::Gadget(_))),
        "{inner:?}"
    );
    // A balanced one passes the dry run.
    assert!(Prover::dry_run(payment(&mut rng(5), SECRET_QTY), any_time(), &gens).is_ok());
}

#[test]
fn dry_run_names_a_range_out_of_bounds() {
    let gens = common::gens();
    let owner = key(1);
    let mut r = rng(6);
    let input = utxo(&mut r, owner.clone().into(), 5, Scalar::ONE);
    let program = Program::build(|p| {
        p.push(input).input().signtx();
        // A secret -3 is no 64-bit quantity.
        p.push(Commitment::blinded(3u64, &mut r))
            .commit()
            .expr()
            .neg()
            .range()
            .drop();
        p.push(Predicate::from_key(&owner.verification_key()))
            .output(1);
    });
    let (step, opcode, inner) = blamed(Prover::dry_run(program, any_time(), &gens).unwrap_err());
    assert_eq!((step, opcode.as_str()), (7, "range"));
    assert!(
        matches!(inner, VmError::R1cs(R1csError::Gadget(_))),
        "{inner:?}"
    );
}

/// A program that spends an input back to its owner and verifies `left == right`
/// for a secret `left` and a constant `right`.
fn verify_equal(r: &mut StdRng, left: u64, right: u64) -> Program {
    let owner = key(1);
    let input = utxo(r, owner.clone().into(), 5, Scalar::ONE);
    Program::build(|p| {
        p.push(input).input().signtx();
        p.push(Commitment::blinded(left, r))
            .commit()
            .expr()
            .push(Scalar::from(right))
            .scalar()
            .eq()
            .verify();
        p.push(Predicate::from_key(&owner.verification_key()))
            .output(1);
    })
}

#[test]
fn dry_run_names_a_failed_verify_and_its_constraint() {
    let gens = common::gens();
    let e = Prover::dry_run(verify_equal(&mut rng(7), 3, 4), any_time(), &gens).unwrap_err();
    let (step, opcode, inner) = blamed(e);
    assert_eq!((step, opcode.as_str()), (9, "verify"));
    assert!(
        matches!(
            inner,
            VmError::R1cs(R1csError::Unsatisfied {
                deferred: Some(0),
                ..
            })
        ),
        "{inner:?}"
    );
    let trace = Prover::dry_run(verify_equal(&mut rng(7), 4, 4), any_time(), &gens).unwrap();
    // `verify` defers one linear constraint (an equality needs no multiplier).
    let verify = &trace.steps[9];
    assert_eq!(
        (verify.multipliers, verify.constraints, verify.deferred),
        (0, 1, 1)
    );
}

#[test]
fn build_tx_refuses_an_unsatisfied_constraint_before_proving() {
    let gens = common::gens();
    let mut r = rng(8);
    let e = Prover::build_tx(verify_equal(&mut r, 3, 4), any_time(), &gens, &mut r).unwrap_err();
    let (step, opcode, inner) = blamed(e);
    assert_eq!((step, opcode.as_str()), (9, "verify"));
    assert!(matches!(
        inner,
        VmError::R1cs(R1csError::Unsatisfied { .. })
    ));
}

#[test]
fn dry_run_names_a_wrong_unblinding_where_it_happens() {
    let gens = common::gens();
    let owner = key(1);
    let mut r = rng(9);
    let input = utxo(&mut r, owner.clone().into(), 5, Scalar::ONE);
    let program = Program::build(|p| {
        p.push(input).input().signtx();
        // The commitment holds 3; the program claims 4.
        p.push(Commitment::unblinded(3u64))
            .push(Scalar::from(4u64))
            .unblind()
            .drop();
        p.push(Predicate::from_key(&owner.verification_key()))
            .output(1);
    });
    let (step, opcode, inner) = blamed(Prover::dry_run(program, any_time(), &gens).unwrap_err());
    assert_eq!((step, opcode.as_str()), (5, "unblind"));
    assert!(matches!(inner, VmError::PointCheck(_)), "{inner:?}");
}

#[test]
fn both_sides_count_the_second_phase_of_a_two_by_two_alike() {
    let gens = common::gens();
    let mut r = rng(10);
    let owner = key(1);
    let inputs = [
        utxo(&mut r, owner.clone().into(), 6, Scalar::ONE),
        utxo(&mut r, owner.clone().into(), 4, Scalar::ONE),
    ];
    let program = Program::build(|p| {
        for input in &inputs {
            p.push(input.clone()).input().signtx();
        }
        for qty in [9u64, 1] {
            p.push(Commitment::blinded(qty, &mut r))
                .push(Commitment::blinded(Scalar::ONE, &mut r));
        }
        p.cloak(2, 2);
        for _ in 0..2 {
            p.push(Predicate::from_key(&key(2).verification_key()))
                .output(1);
        }
    });
    let prover = Prover::trace(program.clone(), any_time(), &gens, Secrets::Hidden);
    let tx = Prover::build_tx(program, any_time(), &gens, &mut r)
        .unwrap()
        .sign(&mut r)
        .unwrap();
    let verifier = Verifier::trace(&tx, &gens);
    let cloak = |t: &zkvm::Trace| {
        let s = t.steps.iter().find(|s| s.opcode == "cloak").unwrap();
        (s.multipliers, s.constraints, s.deferred)
    };
    // The shuffles are deferred: counted once the second phase has run.
    assert!(cloak(&prover).2 > 0);
    assert_eq!(cloak(&prover), cloak(&verifier));
    assert_eq!(prover.summary.multipliers, verifier.summary.multipliers);
    assert_eq!(prover.summary.constraints, verifier.summary.constraints);
}

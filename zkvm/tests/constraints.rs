//! Constraints proven end to end: cleartext comparisons compare values, `not` works in
//! both directions, and `and`/`or` refuse false statements.

mod common;

use common::{key, rng, utxo};
use curve25519_dalek::scalar::Scalar;
use zkvm::{Commitment, Predicate, Program, Prover, TxHeader, Verifier, VmError};

const MINTIME: u64 = 1_000;
const MAXTIME: u64 = 2_000;

/// Proves and verifies a transaction that spends one output back to its owner and
/// runs `constraint` (which must leave the stack as it found it).
fn run(constraint: impl FnOnce(&mut Program)) -> Result<(), VmError> {
    let mut r = rng(20);
    let gens = common::gens();
    let owner = key(1);
    let input = utxo(&mut r, owner.clone().into(), 5, Scalar::ONE);
    let mut program = Program::new();
    program.push(input).input().signtx();
    constraint(&mut program);
    program
        .push(Predicate::from_key(&owner.verification_key()))
        .output(1);
    let header = TxHeader {
        version: 1,
        mintime_ms: MINTIME,
        maxtime_ms: MAXTIME,
    };
    let tx = Prover::build_tx(program, header, &gens, &mut r)?.sign(&mut r)?;
    // The one-check verdict, and the statement-by-statement one that names the
    // failing check: they agree.
    let batched = Verifier::verify_tx(&tx, &gens).map(|_| ());
    let single = Verifier::explain_failure(&tx, &gens).map(|_| ());
    assert_eq!(batched.is_ok(), single.is_ok(), "{batched:?} / {single:?}");
    single
}

/// `<secret a> == <constant c>` as a constraint on the stack.
fn secret_eq(p: &mut Program, a: u64, c: u64) {
    p.push(Commitment::blinded(a, &mut rng(a)))
        .commit()
        .expr()
        .push(Scalar::from(c))
        .scalar()
        .eq();
}

#[test]
fn time_bounds_compare_with_scalars_by_value() {
    run(|p| {
        p.mintime()
            .push(Scalar::from(MINTIME))
            .scalar()
            .eq()
            .verify();
        p.maxtime()
            .push(Scalar::from(MAXTIME))
            .scalar()
            .eq()
            .verify();
    })
    .expect("cleartext equal values");
    let e = run(|p| {
        p.maxtime()
            .push(Scalar::from(MAXTIME + 1))
            .scalar()
            .eq()
            .verify();
    })
    .unwrap_err();
    assert!(matches!(e, VmError::CleartextConstraintFalse));
}

#[test]
fn not_holds_when_the_inner_constraint_is_false() {
    run(|p| {
        secret_eq(p, 5, 3);
        p.not().verify();
    })
    .expect("5 != 3");
}

#[test]
fn not_fails_when_the_inner_constraint_holds() {
    let e = run(|p| {
        secret_eq(p, 3, 3);
        p.not().verify();
    })
    .unwrap_err();
    // The prover's check names the instruction whose constraint fails.
    assert!(
        matches!(&e, VmError::AtInstruction { opcode, .. } if opcode == "verify"),
        "{e:?}"
    );
}

#[test]
fn double_negation() {
    run(|p| {
        secret_eq(p, 3, 3);
        p.not().not().verify();
    })
    .expect("not not (3 == 3)");
    assert!(run(|p| {
        secret_eq(p, 4, 3);
        p.not().not().verify();
    })
    .is_err());
}

#[test]
fn not_of_a_conjunction_and_a_disjunction() {
    run(|p| {
        secret_eq(p, 3, 3);
        secret_eq(p, 4, 5);
        p.and().not().verify();
    })
    .expect("not (3 == 3 and 4 == 5)");
    run(|p| {
        secret_eq(p, 1, 3);
        secret_eq(p, 4, 5);
        p.or().not().verify();
    })
    .expect("not (1 == 3 or 4 == 5)");
}

#[test]
fn false_conjunctions_and_disjunctions_do_not_verify() {
    run(|p| {
        secret_eq(p, 3, 3);
        secret_eq(p, 4, 4);
        p.and().verify();
    })
    .expect("true and true");
    assert!(run(|p| {
        secret_eq(p, 3, 3);
        secret_eq(p, 4, 5);
        p.and().verify();
    })
    .is_err());
    run(|p| {
        secret_eq(p, 3, 4);
        secret_eq(p, 4, 4);
        p.or().verify();
    })
    .expect("false or true");
    assert!(run(|p| {
        secret_eq(p, 3, 4);
        secret_eq(p, 4, 5);
        p.or().verify();
    })
    .is_err());
}

#[test]
fn range_refuses_negative_secrets() {
    run(|p| {
        p.push(Commitment::blinded(7u64, &mut rng(1)))
            .commit()
            .expr()
            .range()
            .drop();
    })
    .expect("7 is in range");
    let e = run(|p| {
        p.push(Commitment::blinded(7u64, &mut rng(1)))
            .commit()
            .expr()
            .neg()
            .range()
            .drop();
    })
    .unwrap_err();
    assert!(matches!(e, VmError::R1cs(_)), "{e:?}");
}

#[test]
fn constants_fold_without_multipliers() {
    // 3·(x + 2) == 3x + 6 with a constant on either side of `mul`.
    run(|p| {
        p.push(Commitment::blinded(10u64, &mut rng(2)))
            .commit()
            .dup(0)
            .expr()
            .push(Scalar::from(2u64))
            .scalar()
            .add()
            .push(Scalar::from(3u64))
            .scalar()
            .mul()
            .roll(1)
            .expr()
            .push(Scalar::from(3u64))
            .scalar()
            .roll(1)
            .mul()
            .push(Scalar::from(6u64))
            .scalar()
            .add()
            .eq()
            .verify();
    })
    .expect("3(x+2) == 3x+6");
}

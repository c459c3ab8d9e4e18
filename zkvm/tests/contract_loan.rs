//! A collateralized loan. The lender lends dollars; the borrower locks gold as
//! collateral in a loan contract whose Taproot tree (no key path) has two clauses:
//!
//! * repay: `<amount due> commit <dollar> commit borrow <lender> output:1
//!   roll:1 <borrower> contract:1 signtx` — pays the lender with a borrowed value and
//!   gives the collateral back to the borrower (only the borrower can take it); the
//!   borrower's cloak repays the debt;
//! * default: `mintime <deadline> scalar neg add range drop <lender> contract:1 signtx`
//!   — after the deadline, the lender takes the collateral.

mod common;

use common::{key, rng, utxo};
use curve25519_dalek::scalar::Scalar;
use rand::rngs::StdRng;
use zkvm::{
    Commitment, Contract, Generators, Predicate, Program, Prover, SigningKey, Taproot,
    TaprootBuilder, TxBuilder, TxHeader, Verifier, VmError,
};

const GOLD: u64 = 1;
const DOLLAR: u64 = 2;
const COLLATERAL: u64 = 10;
const LOAN: u64 = 1_000;
const DUE: u64 = 1_050;
const DEADLINE: u64 = 5_000_000;

struct Loan {
    lender: SigningKey,
    borrower: SigningKey,
    taproot: Taproot,
    /// The loan contract, as created by the origination transaction.
    contract: Contract,
}

fn predicate(k: &SigningKey) -> Predicate {
    Predicate::from_key(&k.verification_key())
}

/// The loan's tree. The clauses name the parties by predicate; a party's own copy
/// holds its key (for signing), anyone else's copy is the same bytes without it.
fn terms(lender: Predicate, borrower: Predicate) -> Taproot {
    let repay = Program::build(|p| {
        p.push(Commitment::unblinded(DUE))
            .commit()
            .push(Commitment::unblinded(Scalar::from(DOLLAR)))
            .commit()
            .borrow()
            .push(lender.to_opaque())
            .output(1)
            .roll(1)
            .push(borrower)
            .contract(1)
            .signtx();
    });
    let default = Program::build(|p| {
        p.mintime()
            .push(Scalar::from(DEADLINE))
            .scalar()
            .neg()
            .add()
            .range()
            .drop()
            .push(lender)
            .contract(1)
            .signtx();
    });
    TaprootBuilder::new()
        .clause(repay)
        .clause(default)
        .build([3u8; 32])
        .expect("tree")
}

fn at(time: u64) -> TxHeader {
    TxHeader {
        version: 1,
        mintime_ms: time,
        maxtime_ms: time + 1_000,
    }
}

/// The origination: one transaction moves the lender's dollars to the borrower and
/// the borrower's gold into the loan contract; both sign it.
fn originate(gens: &Generators, rng: &mut StdRng) -> Loan {
    let (lender, borrower) = (key(1), key(2));
    let taproot = terms(lender.clone().into(), borrower.clone().into());
    let unsigned = TxBuilder::new()
        .spend(utxo(rng, lender.clone().into(), LOAN, Scalar::from(DOLLAR)))
        .spend(utxo(
            rng,
            borrower.clone().into(),
            COLLATERAL,
            Scalar::from(GOLD),
        ))
        .pay(predicate(&borrower), LOAN, Scalar::from(DOLLAR))
        .pay(taproot.predicate(), COLLATERAL, Scalar::from(GOLD))
        .build(gens, rng)
        .expect("origination proves");
    let contract = unsigned
        .log
        .outputs()
        .nth(1)
        .cloned()
        .expect("loan contract");
    Verifier::verify_tx(&unsigned.sign(rng).expect("both sign"), gens).expect("verifies");
    Loan {
        lender,
        borrower,
        taproot,
        contract,
    }
}

/// The borrower repays with `dollars` and pays `due` (the clause demands DUE).
fn repay(l: &Loan, dollars: u64, due: u64, rng: &mut StdRng) -> Result<(), VmError> {
    let gens = common::gens();
    let funds = utxo(
        rng,
        l.borrower.clone().into(),
        dollars,
        Scalar::from(DOLLAR),
    );
    let mut p = Program::new();
    p.push(l.contract.clone()).input();
    l.taproot.call(&mut p, 0)?;
    // Stack: debt of DUE dollars, collateral.
    p.push(funds).input().signtx();
    let outs = [(COLLATERAL, GOLD), (dollars - due, DOLLAR)];
    for (q, f) in outs {
        p.push(Commitment::blinded(q, rng))
            .push(Commitment::blinded(Scalar::from(f), rng));
    }
    p.cloak(3, 2);
    for _ in outs {
        p.push(predicate(&l.borrower)).output(1);
    }
    let tx = Prover::build_tx(p, at(1), &gens, rng)?.sign(rng)?;
    Verifier::verify_tx(&tx, &gens).map(|_| ())
}

/// The lender claims the collateral at `time`.
fn claim(l: &Loan, time: u64, rng: &mut StdRng) -> Result<(), VmError> {
    let mut p = Program::new();
    p.push(l.contract.clone()).input();
    l.taproot.call(&mut p, 1)?;
    p.push(predicate(&l.lender)).output(1);
    common::prove_sign_verify(p, at(time), rng).map(|_| ())
}

#[test]
fn the_borrower_repays_and_recovers_the_collateral() {
    let mut r = rng(60);
    let loan = originate(&common::gens(), &mut r);
    repay(&loan, 1_200, DUE, &mut r).expect("repayment verifies");
}

#[test]
fn repaying_too_little_does_not_prove() {
    let mut r = rng(61);
    let loan = originate(&common::gens(), &mut r);
    let e = repay(&loan, 1_200, DUE - 50, &mut r).unwrap_err();
    assert!(matches!(e, VmError::R1cs(_)), "{e:?}");
}

#[test]
fn only_the_borrower_takes_the_collateral_back() {
    let mut r = rng(62);
    let mut loan = originate(&common::gens(), &mut r);
    // A stranger runs the repay clause (the same bytes, without the borrower's key):
    // the collateral is wrapped for the borrower's signature, which the stranger
    // cannot make.
    loan.taproot = terms(predicate(&loan.lender), predicate(&loan.borrower));
    loan.borrower = key(3);
    let e = repay(&loan, 1_200, DUE, &mut r).unwrap_err();
    assert!(matches!(e, VmError::WitnessMissing { .. }), "{e:?}");
}

#[test]
fn the_lender_claims_after_the_deadline() {
    let mut r = rng(63);
    let loan = originate(&common::gens(), &mut r);
    claim(&loan, DEADLINE, &mut r).expect("claim after the deadline verifies");
}

#[test]
fn the_lender_cannot_claim_before_the_deadline() {
    let mut r = rng(64);
    let loan = originate(&common::gens(), &mut r);
    let e = claim(&loan, DEADLINE - 1, &mut r).unwrap_err();
    assert!(matches!(e, VmError::ConstantOutOfRange), "{e:?}");
}

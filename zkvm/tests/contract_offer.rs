//! An offer: the maker locks gold and asks for silver. Anyone can lift it by paying
//! the price to the maker; the maker can cancel it with a signature.
//!
//! The offer is a Taproot predicate: the key path is the maker's key (cancel); the
//! one clause is
//!
//! ```text
//! <price qty> commit <price flavor> commit borrow <maker> output:1
//! ```
//!
//! which pays the maker with a borrowed value and leaves the taker the gold and the
//! debt; the taker's cloak must repay the debt from the taker's own silver.

mod common;

use common::{any_time, key, prove_sign_verify, rng, utxo};
use curve25519_dalek::scalar::Scalar;
use rand::rngs::StdRng;
use zkvm::{
    Commitment, Contract, Predicate, Program, SigningKey, Taproot, TaprootBuilder, VmError,
};

const GOLD: u64 = 1;
const SILVER: u64 = 2;
const PRICE: u64 = 30;

struct Offer {
    maker: SigningKey,
    taproot: Taproot,
    contract: Contract,
}

/// The lift clause, with the price's openings (the taker's prover needs them).
fn lift_clause(maker: &SigningKey) -> Program {
    Program::build(|p| {
        p.push(Commitment::unblinded(PRICE))
            .commit()
            .push(Commitment::unblinded(Scalar::from(SILVER)))
            .commit()
            .borrow()
            .push(Predicate::from_key(&maker.verification_key()))
            .output(1);
    })
}

fn offer(rng: &mut StdRng) -> Offer {
    let maker = key(1);
    let taproot = TaprootBuilder::new()
        .key(maker.clone().into())
        .clause(lift_clause(&maker))
        .build([42u8; 32])
        .expect("tree");
    let contract = utxo(rng, taproot.predicate(), 10, Scalar::from(GOLD));
    Offer {
        maker,
        taproot,
        contract,
    }
}

/// The taker lifts the offer paying with `silver` units, and keeps the change.
fn lift(o: &Offer, silver: u64, pay: u64, rng: &mut StdRng) -> Program {
    let taker = key(2);
    let funds = utxo(rng, taker.clone().into(), silver, Scalar::from(SILVER));
    let mut p = Program::new();
    p.push(o.contract.clone()).input();
    o.taproot.call(&mut p, 0).expect("clause");
    // Stack: gold, debt of PRICE silver.
    p.push(funds).input().signtx();
    let outs = [(10, GOLD), (silver - pay, SILVER)];
    for (q, f) in outs {
        p.push(Commitment::blinded(q, rng))
            .push(Commitment::blinded(Scalar::from(f), rng));
    }
    p.cloak(3, 2);
    for _ in outs {
        p.push(Predicate::from_key(&taker.verification_key()))
            .output(1);
    }
    p
}

#[test]
fn the_taker_lifts_the_offer() {
    let mut r = rng(30);
    let o = offer(&mut r);
    let verified =
        prove_sign_verify(lift(&o, 50, PRICE, &mut r), any_time(), &mut r).expect("lift verifies");
    // Outputs: the maker's payment, the taker's gold and silver change.
    assert_eq!(verified.log.outputs().count(), 3);
    let to_maker = verified.log.outputs().next().unwrap();
    assert_eq!(
        to_maker.predicate,
        Predicate::from_key(&o.maker.verification_key())
    );
}

#[test]
fn underpaying_does_not_prove() {
    let mut r = rng(31);
    let o = offer(&mut r);
    // The taker's cloak claims to repay PRICE while bringing less than it keeps.
    let e = prove_sign_verify(lift(&o, 50, PRICE - 5, &mut r), any_time(), &mut r).unwrap_err();
    assert!(matches!(e, VmError::R1cs(_)), "{e:?}");
}

#[test]
fn walking_away_with_the_gold_leaves_the_debt_unpaid() {
    let mut r = rng(32);
    let o = offer(&mut r);
    let taker = key(2);
    let mut p = Program::new();
    p.push(o.contract.clone()).input();
    o.taproot.call(&mut p, 0).expect("clause");
    // Takes the gold without a cloak: the debt is a wide value and cannot be output.
    p.push(Predicate::from_key(&taker.verification_key()))
        .output(2);
    let e = prove_sign_verify(p, any_time(), &mut r).unwrap_err();
    assert!(matches!(e, VmError::NotPortable { .. }), "{e:?}");
}

#[test]
fn the_maker_cancels_with_the_key_path() {
    let mut r = rng(33);
    let o = offer(&mut r);
    let mut p = Program::new();
    p.push(o.contract.clone())
        .input()
        .signtx()
        .push(Predicate::from_key(&o.maker.verification_key()))
        .output(1);
    prove_sign_verify(p, any_time(), &mut r).expect("cancel verifies");
}

#[test]
fn nobody_else_can_use_the_key_path() {
    let mut r = rng(34);
    let o = offer(&mut r);
    let gens = common::gens();
    // The thief can run the program, but has no key to sign with.
    let mut p = Program::new();
    let mut thief_view = o.contract.clone();
    thief_view.predicate = thief_view.predicate.to_opaque();
    p.push(thief_view)
        .input()
        .signtx()
        .push(Predicate::from_key(&key(3).verification_key()))
        .output(1);
    let unsigned = zkvm::Prover::build_tx(p, any_time(), &gens, &mut r).expect("proves");
    assert!(matches!(
        unsigned.sign(&mut r),
        Err(VmError::WitnessMissing { .. })
    ));
}

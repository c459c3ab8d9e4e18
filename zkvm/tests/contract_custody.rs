//! Multi-factor custody: funds that need two keys (a phone and a hardware key,
//! aggregated with MuSig) on the key path, or, after a recovery date, the recovery key
//! alone through a Taproot clause:
//!
//! ```text
//! mintime <T> scalar neg add range drop   # mintime − T ≥ 0, checked in the clear
//! <recovery key> contract:1 signtx        # the payload now needs the recovery key
//! ```

mod common;

use common::{key, musig_sign, prove_sign_verify, rng, utxo};
use curve25519_dalek::scalar::Scalar;
use rand::rngs::StdRng;
use zkvm::{
    Contract, Multikey, Predicate, Program, Prover, SigningKey, Taproot, TaprootBuilder, TxHeader,
    Verifier, VmError,
};

const RECOVERY_AT: u64 = 1_700_000_000_000;

struct Custody {
    phone: SigningKey,
    hardware: SigningKey,
    recovery: SigningKey,
    taproot: Taproot,
    vault: Contract,
}

fn custody(rng: &mut StdRng) -> Custody {
    let (phone, hardware, recovery) = (key(1), key(2), key(3));
    let both = Multikey::new(vec![phone.verification_key(), hardware.verification_key()])
        .expect("two keys");
    let recover = Program::build(|p| {
        p.mintime()
            .push(Scalar::from(RECOVERY_AT))
            .scalar()
            .neg()
            .add()
            .range()
            .drop()
            .push(Predicate::from_signing_key(recovery.clone()))
            .contract(1)
            .signtx();
    });
    let taproot = TaprootBuilder::new()
        .key(Predicate::from_multikey(both))
        .clause(recover)
        .build([9u8; 32])
        .expect("tree");
    let vault = utxo(rng, taproot.predicate(), 1_000, Scalar::ONE);
    Custody {
        phone,
        hardware,
        recovery,
        taproot,
        vault,
    }
}

fn at(time: u64) -> TxHeader {
    TxHeader {
        version: 1,
        mintime_ms: time,
        maxtime_ms: time + 60_000,
    }
}

/// Spends the vault through the key path to `to`.
fn key_path(c: &Custody, to: &SigningKey) -> Program {
    Program::build(|p| {
        p.push(c.vault.clone())
            .input()
            .signtx()
            .push(Predicate::from_key(&to.verification_key()))
            .output(1);
    })
}

#[test]
fn both_factors_sign_through_a_musig2_session() {
    let mut r = rng(40);
    let c = custody(&mut r);
    let gens = common::gens();
    let unsigned = Prover::build_tx(key_path(&c, &key(4)), at(0), &gens, &mut r).expect("proves");
    let context = unsigned.signing_context().expect("context");
    let transcript = unsigned.signing_transcript();
    let keys = [c.phone.clone(), c.hardware.clone()];
    let aggregated = musig_sign(&transcript, context.clone(), &keys, &mut r);
    let signature = context.complete(&transcript, aggregated);
    let tx = unsigned
        .attach_signature(signature)
        .expect("the signature checks");
    Verifier::verify_tx(&tx, &gens).expect("verifies");
}

#[test]
fn one_factor_is_not_enough() {
    let mut r = rng(41);
    let c = custody(&mut r);
    let gens = common::gens();
    let unsigned = Prover::build_tx(key_path(&c, &key(4)), at(0), &gens, &mut r).expect("proves");
    // The phone alone signs for the outer key as if it were its own.
    let tx = unsigned
        .clone()
        .sign_with_keys(std::slice::from_ref(&c.phone), &mut r);
    assert!(tx.is_err(), "the phone's key is not the vault's key");
    // No single party holds the aggregated secret.
    assert!(matches!(
        unsigned.sign(&mut r),
        Err(VmError::WitnessMissing { .. })
    ));
}

/// Spends the vault through the recovery clause at `time`.
fn recover(c: &Custody, time: u64, rng: &mut StdRng) -> Result<zkvm::VerifiedTx, VmError> {
    let mut p = Program::new();
    p.push(c.vault.clone()).input();
    c.taproot.call(&mut p, 0)?;
    p.push(Predicate::from_key(&c.recovery.verification_key()))
        .output(1);
    prove_sign_verify(p, at(time), rng)
}

#[test]
fn the_recovery_key_works_after_the_recovery_date() {
    let mut r = rng(42);
    let c = custody(&mut r);
    let verified = recover(&c, RECOVERY_AT + 1, &mut r).expect("recovers");
    assert_eq!(verified.log.outputs().count(), 1);
}

#[test]
fn the_recovery_key_is_refused_before_the_recovery_date() {
    let mut r = rng(43);
    let c = custody(&mut r);
    let e = recover(&c, RECOVERY_AT - 1, &mut r).unwrap_err();
    assert!(matches!(e, VmError::ConstantOutOfRange), "{e:?}");
}

#[test]
fn the_recovery_clause_still_needs_the_recovery_key() {
    let mut r = rng(44);
    let c = custody(&mut r);
    let gens = common::gens();
    let mut p = Program::new();
    p.push(c.vault.clone()).input();
    c.taproot.call(&mut p, 0).unwrap();
    p.push(Predicate::from_key(&key(5).verification_key()))
        .output(1);
    let unsigned = Prover::build_tx(p, at(RECOVERY_AT), &gens, &mut r).expect("proves");
    let tx = unsigned.sign_with_keys(&[key(5)], &mut r);
    assert!(tx.is_err(), "a thief's key is not the recovery key");
}

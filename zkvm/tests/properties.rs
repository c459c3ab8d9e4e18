//! Properties: random balanced payments always prove and verify; every one-byte change
//! to a valid transaction is rejected, except the known witness malleabilities of v1,
//! which keep the transaction valid with the same ID.

mod common;

use common::{key, rng, utxo};
use curve25519_dalek::scalar::Scalar;
use encoding::Encodable;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::OnceLock;
use zkvm::{Predicate, Program, Prover, TaprootBuilder, Tx, TxBuilder, Verifier};

/// A balanced payment: `n_in` inputs and `n_out` outputs over `k` flavors, with
/// quantities drawn from `seed`; input `i` and output `j` have flavors `i % k`, `j % k`.
fn balanced_payment(n_in: usize, n_out: usize, k: usize, seed: u64) -> Tx {
    let mut r = rng(seed);
    let gens = common::gens();
    let quantities: Vec<u64> = (0..n_in).map(|_| r.gen_range(0..1_000_000)).collect();
    let mut builder = TxBuilder::new();
    for (i, q) in quantities.iter().enumerate() {
        let owner = key(i as u64);
        builder = builder.spend(utxo(&mut r, owner.into(), *q, flavor(i % k)));
    }
    for f in 0..k {
        let total: u64 = (0..n_in)
            .filter(|i| i % k == f)
            .map(|i| quantities[i])
            .sum();
        let outs: Vec<usize> = (0..n_out).filter(|j| j % k == f).collect();
        for (q, j) in split(total, outs.len(), &mut r).into_iter().zip(outs) {
            let to = Predicate::from_key(&key(100 + j as u64).verification_key());
            builder = builder.pay(to, q, flavor(f));
        }
    }
    let unsigned = builder
        .build(&gens, &mut r)
        .expect("a balanced payment proves");
    unsigned.sign(&mut r).expect("signs")
}

fn flavor(f: usize) -> Scalar {
    Scalar::from(1000 + f as u64)
}

/// `total` split into `parts` random non-negative quantities.
fn split(total: u64, parts: usize, r: &mut StdRng) -> Vec<u64> {
    let mut cuts: Vec<u64> = (1..parts).map(|_| r.gen_range(0..=total)).collect();
    cuts.sort_unstable();
    let mut last = 0;
    let mut out = Vec::with_capacity(parts);
    for c in cuts {
        out.push(c - last);
        last = c;
    }
    out.push(total - last);
    out
}

fn shape() -> impl Strategy<Value = (usize, usize, usize, u64)> {
    (1usize..=8, 1usize..=8, 1usize..=3, any::<u64>())
        .prop_filter("every flavor on both sides", |(i, o, k, _)| {
            k <= i && k <= o
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn balanced_payments_prove_and_verify((n_in, n_out, k, seed) in shape()) {
        let tx = balanced_payment(n_in, n_out, k, seed);
        let verified = Verifier::verify_bytes(&tx.to_bytes(), &common::gens());
        prop_assert!(verified.is_ok(), "{n_in}x{n_out}, {k} flavors: {verified:?}");
        prop_assert_eq!(verified.unwrap().log.outputs().count(), n_out);
    }
}

/// A signed 2×2 payment, made once.
fn payment_bytes() -> &'static Vec<u8> {
    static TX: OnceLock<Vec<u8>> = OnceLock::new();
    TX.get_or_init(|| balanced_payment(2, 2, 1, 99).to_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_one_byte_change_is_rejected(at in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let mut bytes = payment_bytes().clone();
        let i = at.index(bytes.len());
        bytes[i] ^= xor;
        let result = Verifier::verify_bytes(&bytes, &common::gens());
        prop_assert!(result.is_err(), "byte {i} ^ {xor:#04x} was accepted");
    }
}

/// A Taproot clause spend (no `signtx`), and the offset of its call proof in the
/// encoded transaction.
fn clause_spend() -> (Tx, usize) {
    let mut r = rng(7);
    let gens = common::gens();
    let clause = Program::build(|p| {
        p.push(Predicate::from_key(&key(2).verification_key()))
            .output(1);
    });
    let taproot = TaprootBuilder::new()
        .clause(clause.clone())
        .clause(Program::build(|p| {
            p.drop();
        }))
        .build([5u8; 32])
        .unwrap();
    let locked = utxo(&mut r, taproot.predicate(), 3, Scalar::ONE);
    let mut p = Program::new();
    p.push(locked).input();
    taproot.call(&mut p, 0).unwrap();
    let tx = Prover::build_tx(p, common::any_time(), &gens, &mut r)
        .unwrap()
        .sign(&mut r)
        .unwrap();
    let proof = taproot.calls[0].0.encode_to_vec();
    let bytes = tx.to_bytes();
    let at = bytes
        .windows(proof.len())
        .position(|w| w == proof.as_slice())
        .expect("the call proof is in the program");
    (tx, at)
}

#[test]
fn malleability_call_proof_position_high_bits() {
    let gens = common::gens();
    let (tx, at) = clause_spend();
    let id = Verifier::verify_tx(&tx, &gens).unwrap().id;
    // The position (LE64) follows the 32-byte key; two clauses make four leaves, so
    // two neighbors, and only the two lowest bits are read.
    let mut bytes = tx.to_bytes();
    bytes[at + 32 + 7] ^= 0x80;
    bytes[at + 32] ^= 0x04;
    let verified = Verifier::verify_bytes(&bytes, &gens).expect("still valid");
    assert_eq!(verified.id, id);
    // The bit that is read is not malleable.
    let mut bytes = tx.to_bytes();
    bytes[at + 32] ^= 0x01;
    assert!(Verifier::verify_bytes(&bytes, &gens).is_err());
}

#[test]
fn malleability_unused_signature() {
    let gens = common::gens();
    let (tx, _) = clause_spend();
    let id = Verifier::verify_tx(&tx, &gens).unwrap().id;
    assert_eq!(
        tx.signature.to_bytes(),
        [0u8; 64],
        "no signtx: a zero signature"
    );
    let sig_at = 24 + 4 + tx.program.len();
    for offset in [0, 17, 31, 32, 40] {
        let mut bytes = tx.to_bytes();
        bytes[sig_at + offset] ^= 0x01;
        let verified = Verifier::verify_bytes(&bytes, &gens).expect("still valid");
        assert_eq!(verified.id, id);
    }
    // A non-canonical `s` is refused when decoding, used or not.
    let mut bytes = tx.to_bytes();
    bytes[sig_at + 63] = 0xff;
    assert!(Tx::from_bytes(&bytes).is_err());
}

//! Hostile bytes: every truncation and extension of real transactions, and random
//! rewrites of their programs, end in an error value, never a panic.

mod common;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkvm::{Tx, Verifier};

fn valid_txs() -> Vec<Vec<u8>> {
    let file = vectors::load("zkvm_txs.json");
    vectors::cases(&file)
        .iter()
        .filter(|c| c["valid"] == true)
        .map(|c| vectors::bytes(&c["tx"]))
        .collect()
}

#[test]
fn every_truncation_and_extension_is_refused_by_the_decoder() {
    let txs = valid_txs();
    assert!(!txs.is_empty());
    for bytes in &txs {
        Tx::from_bytes(bytes).expect("a vector transaction decodes");
        for len in 0..bytes.len() {
            assert!(Tx::from_bytes(&bytes[..len]).is_err(), "prefix of {len}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Tx::from_bytes(&longer).is_err(), "one trailing byte");
    }
}

#[test]
fn random_rewrites_never_panic_the_verifier() {
    // Programs are run, not only decoded: overwrite a few random bytes of the whole
    // transaction (header, program, signature, proof) and verify. Most rewrites are
    // refused; a rewrite of the unchecked signature of a transaction without `signtx`
    // may stay valid (a witness malleability the vectors' README lists), so this test
    // asserts only that every outcome is a value.
    let gens = common::gens();
    let txs = valid_txs();
    let mut rng = StdRng::seed_from_u64(2026);
    let mut refused = 0;
    for round in 0..120 {
        let mut bytes = txs[round % txs.len()].clone();
        for _ in 0..rng.gen_range(1..=4) {
            let at = rng.gen_range(0..bytes.len());
            bytes[at] = rng.gen();
        }
        if Verifier::verify_bytes(&bytes, &gens).is_err() {
            refused += 1;
        }
    }
    assert!(refused > 100, "only {refused} of 120 rewrites were refused");
}

#[test]
fn garbage_programs_never_panic_the_verifier() {
    // A well-formed envelope around random program bytes: the VM decodes and runs
    // whatever instructions they happen to spell.
    let gens = common::gens();
    let template = Tx::from_bytes(&valid_txs()[0]).expect("decodes");
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..300 {
        let len = rng.gen_range(0..64);
        let program: Vec<u8> = (0..len).map(|_| rng.gen_range(0..0x30)).collect();
        let tx = Tx {
            program,
            ..template.clone()
        };
        assert!(Verifier::verify_tx(&tx, &gens).is_err());
    }
}

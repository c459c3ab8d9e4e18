//! The prover builds transactions that the verifier accepts, and signs them.

mod common;

use curve25519_dalek::scalar::Scalar;
use rand::rngs::StdRng;
use rand::SeedableRng;
use zkvm::{
    Anchor, Commitment, Contract, PortableItem, Predicate, Program, Prover, SigningKey, TxHeader,
    Value, Verifier,
};

fn header() -> TxHeader {
    TxHeader {
        version: 1,
        mintime_ms: 0,
        maxtime_ms: u64::MAX,
    }
}

fn utxo(rng: &mut StdRng, key: &SigningKey, qty: u64, flavor: Scalar, anchor: u8) -> Contract {
    Contract {
        predicate: Predicate::from_signing_key(key.clone()),
        payload: vec![PortableItem::Value(Value {
            qty: Commitment::blinded(qty, rng),
            flv: Commitment::blinded(flavor, rng),
        })],
        anchor: Anchor([anchor; 32]),
    }
}

#[test]
fn a_two_by_two_payment_proves_signs_and_verifies() {
    let gens = common::gens();
    let mut rng = StdRng::seed_from_u64(1);
    let alice = SigningKey::new(Scalar::from(1001u64));
    let bob = SigningKey::new(Scalar::from(2002u64));
    let flavor = Scalar::from(77u64);
    let inputs = [
        utxo(&mut rng, &alice, 6, flavor, 1),
        utxo(&mut rng, &alice, 4, flavor, 2),
    ];
    let outputs = [
        (7u64, bob.verification_key()),
        (3u64, alice.verification_key()),
    ];

    let program = Program::build(|p| {
        for input in &inputs {
            p.push(input.clone()).input().signtx();
        }
        for (qty, _) in &outputs {
            p.push(Commitment::blinded(*qty, &mut rng))
                .push(Commitment::blinded(flavor, &mut rng));
        }
        p.cloak(2, 2);
        for (_, key) in &outputs {
            p.push(Predicate::from_key(key)).output(1);
        }
    });
    let unsigned = Prover::build_tx(program, header(), &gens, &mut rng).expect("proves");
    assert_eq!(unsigned.signing_instructions.len(), 2);
    let tx = unsigned.clone().sign(&mut rng).expect("signs");
    let verified = Verifier::verify_tx(&tx, &gens).expect("verifies");
    assert_eq!(verified.id, unsigned.id);
    assert_eq!(verified.log, unsigned.log);
    assert_eq!(verified.log.outputs().count(), 2);

    // The encoding round-trips and still verifies.
    let again = Verifier::verify_bytes(&tx.to_bytes(), &gens).expect("verifies from bytes");
    assert_eq!(again.id, unsigned.id);
}

#[test]
fn an_unbalanced_payment_does_not_prove() {
    let gens = common::gens();
    let mut rng = StdRng::seed_from_u64(2);
    let alice = SigningKey::new(Scalar::from(5u64));
    let flavor = Scalar::from(1u64);
    let input = utxo(&mut rng, &alice, 5, flavor, 3);
    let program = Program::build(|p| {
        p.push(input).input().signtx();
        p.push(Commitment::blinded(6u64, &mut rng))
            .push(Commitment::blinded(flavor, &mut rng))
            .cloak(1, 1)
            .push(Predicate::from_key(&alice.verification_key()))
            .output(1);
    });
    assert!(Prover::build_tx(program, header(), &gens, &mut rng).is_err());
}

#[test]
fn signid_alloc_and_unblind_prove_and_verify() {
    let gens = common::gens();
    let mut rng = StdRng::seed_from_u64(3);
    let owner = SigningKey::new(Scalar::from(77u64));
    let input = utxo(&mut rng, &owner, 9, Scalar::ONE, 4);
    let id = input.id();
    // The owner delegates to a program by signing it with the contract's ID.
    let delegate = Program::build(|p| {
        p.alloc(Some(7u64.into()))
            .push(Scalar::from(7u64))
            .scalar()
            .eq()
            .verify()
            .push(Commitment::unblinded(42u64))
            .push(Scalar::from(42u64))
            .unblind()
            .drop()
            .push(Predicate::from_key(&owner.verification_key()))
            .output(1);
    });
    let mut t = merlin::Transcript::new(b"ZkVM.signid");
    t.append_message(b"contract", id.as_bytes());
    t.append_message(b"prog", &delegate.to_bytes());
    let signature = zkvm::Signature::sign(&mut t, &owner, &mut rng);
    let program = Program::build(|p| {
        p.push(input)
            .input()
            .program(delegate)
            .push(signature.to_bytes().to_vec())
            .signid();
    });
    let unsigned = Prover::build_tx(program, header(), &gens, &mut rng).expect("proves");
    assert!(unsigned.signing_instructions.is_empty());
    let tx = unsigned
        .sign(&mut rng)
        .expect("no signtx: a zero signature");
    Verifier::verify_tx(&tx, &gens).expect("verifies");
}

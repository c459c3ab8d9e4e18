//! The transaction builders: payments, issuances, retirements, Taproot trees.

mod common;

use common::{key, rng, utxo};
use curve25519_dalek::scalar::Scalar;
use zkvm::{
    issue_flavor, Predicate, Program, Prover, TaprootBuilder, TxBuilder, TxEntry, VerifiedTx,
    Verifier, VmError,
};

fn verify(unsigned: zkvm::UnsignedTx, rng: &mut rand::rngs::StdRng) -> VerifiedTx {
    let tx = unsigned.sign(rng).expect("signs");
    Verifier::verify_tx(&tx, &common::gens()).expect("verifies")
}

#[test]
fn payment_with_change_fee_and_time_bounds() {
    let mut rng = rng(10);
    let gens = common::gens();
    let (alice, bob) = (key(1), key(2));
    let zero = Scalar::ZERO;
    let tx = TxBuilder::new()
        .spend(utxo(&mut rng, alice.clone().into(), 10, zero))
        .spend(utxo(&mut rng, alice.clone().into(), 5, zero))
        .pay(Predicate::from_key(&bob.verification_key()), 8, zero)
        .change_to(alice.clone().into())
        .fee(2)
        .time_bounds(100, 200)
        .build(&gens, &mut rng)
        .expect("builds");
    let verified = verify(tx, &mut rng);
    assert_eq!(verified.feerate.fee(), 2);
    assert_eq!(verified.header.mintime_ms, 100);
    assert_eq!(verified.header.maxtime_ms, 200);
    assert_eq!(verified.log.outputs().count(), 2, "payment and change of 5");
    assert_eq!(verified.log.inputs().count(), 2);
}

#[test]
fn two_flavor_payment() {
    let mut rng = rng(11);
    let gens = common::gens();
    let (alice, bob) = (key(3), key(4));
    let (usd, eur) = (Scalar::from(100u64), Scalar::from(200u64));
    let tx = TxBuilder::new()
        .spend(utxo(&mut rng, alice.clone().into(), 7, usd))
        .spend(utxo(&mut rng, alice.clone().into(), 9, eur))
        .pay(bob.clone().into(), 7, usd)
        .pay(bob.clone().into(), 4, eur)
        .change_to(alice.clone().into())
        .build(&gens, &mut rng)
        .expect("builds");
    let unsigned_outputs: Vec<_> = tx.log.outputs().cloned().collect();
    let verified = verify(tx, &mut rng);
    assert_eq!(verified.log.outputs().count(), 3);
    // The prover's log keeps the openings of the outputs for the wallet.
    let opened = unsigned_outputs[1].payload[0]
        .as_value()
        .unwrap()
        .assignment()
        .unwrap();
    assert_eq!((opened.0.to_u64(), opened.1), (Some(4), eur));
}

#[test]
fn issuance_into_a_payment() {
    let mut rng = rng(12);
    let gens = common::gens();
    let (alice, issuer) = (key(5), key(6));
    let tx = TxBuilder::new()
        .spend(utxo(&mut rng, alice.clone().into(), 1, Scalar::ZERO))
        .issue(issuer.clone().into(), b"gold".to_vec(), 50)
        .pay(
            alice.clone().into(),
            50,
            issue_flavor(&issuer.verification_key().as_compressed().clone(), b"gold"),
        )
        .change_to(alice.clone().into())
        .build(&gens, &mut rng)
        .expect("builds");
    let verified = verify(tx, &mut rng);
    assert!(verified.log.iter().any(|e| matches!(e, TxEntry::Issue(..))));
}

#[test]
fn retirement() {
    let mut rng = rng(13);
    let gens = common::gens();
    let alice = key(7);
    let flavor = Scalar::from(9u64);
    let tx = TxBuilder::new()
        .spend(utxo(&mut rng, alice.clone().into(), 10, flavor))
        .retire(3, flavor)
        .change_to(alice.clone().into())
        .build(&gens, &mut rng)
        .expect("builds");
    let verified = verify(tx, &mut rng);
    assert_eq!(
        verified
            .log
            .iter()
            .filter(|e| matches!(e, TxEntry::Retire(..)))
            .count(),
        1
    );
    assert_eq!(verified.log.outputs().count(), 1);
}

#[test]
fn a_flavor_netting_to_zero_gets_a_zero_output() {
    let mut rng = rng(14);
    let gens = common::gens();
    let alice = key(8);
    // The whole flavor-zero input goes to the fee.
    let tx = TxBuilder::new()
        .spend(utxo(&mut rng, alice.clone().into(), 3, Scalar::ZERO))
        .spend(utxo(&mut rng, alice.clone().into(), 5, Scalar::ONE))
        .pay(alice.clone().into(), 5, Scalar::ONE)
        .change_to(alice.clone().into())
        .fee(3)
        .build(&gens, &mut rng)
        .expect("builds");
    let verified = verify(tx, &mut rng);
    assert_eq!(
        verified.log.outputs().count(),
        2,
        "payment and a zero change of flavor zero"
    );
}

#[test]
fn builder_refusals() {
    let mut rng = rng(15);
    let gens = common::gens();
    let alice = key(9);
    let bad = |r: Result<zkvm::UnsignedTx, VmError>| matches!(r, Err(VmError::BadArguments(_)));
    let input = utxo(&mut rng, alice.clone().into(), 5, Scalar::ZERO);
    let over = TxBuilder::new()
        .spend(input.clone())
        .pay(alice.clone().into(), 6, Scalar::ZERO);
    assert!(bad(over.build(&gens, &mut rng)));
    let no_change =
        TxBuilder::new()
            .spend(input.clone())
            .pay(alice.clone().into(), 4, Scalar::ZERO);
    assert!(bad(no_change.build(&gens, &mut rng)));
    let no_input = TxBuilder::new().pay(alice.clone().into(), 0, Scalar::ZERO);
    assert!(bad(no_input.build(&gens, &mut rng)));
    let foreign = TxBuilder::new()
        .spend(input.clone())
        .pay(alice.clone().into(), 1, Scalar::ONE);
    assert!(bad(foreign
        .change_to(alice.clone().into())
        .build(&gens, &mut rng)));
    let fee = TxBuilder::new()
        .spend(input)
        .change_to(alice.clone().into())
        .fee((1 << 24) + 1);
    assert!(matches!(
        fee.build(&gens, &mut rng),
        Err(VmError::FeeTooHigh { .. })
    ));
}

#[test]
fn taproot_key_path_and_clause() {
    let mut rng = rng(16);
    let gens = common::gens();
    let (owner, other) = (key(10), key(11));
    let clause = Program::build(|p| {
        p.push(Predicate::from_key(&other.verification_key()))
            .output(1);
    });
    let taproot = TaprootBuilder::new()
        .key(owner.clone().into())
        .clause(clause)
        .build([7u8; 32])
        .expect("tree");
    let locked = utxo(&mut rng, taproot.predicate(), 4, Scalar::ONE);

    // Key path: the adjusted owner key signs the transaction.
    let tx = TxBuilder::new()
        .spend(locked.clone())
        .pay(owner.clone().into(), 4, Scalar::ONE)
        .build(&gens, &mut rng)
        .expect("builds");
    verify(tx, &mut rng);

    // Clause: anyone runs the program, which sends the value to `other`.
    let mut program = Program::new();
    program.push(locked).input();
    taproot.call(&mut program, 0).expect("clause 0");
    let unsigned = Prover::build_tx(program, common::any_time(), &gens, &mut rng).expect("builds");
    assert!(unsigned.signing_instructions.is_empty());
    verify(unsigned, &mut rng);
    assert!(taproot.call(&mut Program::new(), 1).is_err());
}

#[test]
fn fixed_blindings_and_data_entries() {
    let mut rng = rng(19);
    let gens = common::gens();
    let (alice, bob) = (key(1), key(2));
    let zero = Scalar::ZERO;
    let (fq, ff) = (Scalar::from(11u64), Scalar::from(12u64));
    let value = zkvm::ClearValue { qty: 7, flv: zero };
    let tx = TxBuilder::new()
        .spend(utxo(&mut rng, alice.clone().into(), 10, zero))
        .pay_blinded(Predicate::from_key(&bob.verification_key()), value, fq, ff)
        .change_to(alice.clone().into())
        .data(b"note".to_vec())
        .build(&gens, &mut rng)
        .expect("builds");
    let verified = verify(tx, &mut rng);
    let paid = verified.log.outputs().next().expect("the payment");
    let expected_qty = zkvm::Commitment::blinded_with_factor(7u64, fq).to_point();
    let expected_flv = zkvm::Commitment::blinded_with_factor(zero, ff).to_point();
    match &paid.payload[..] {
        [zkvm::PortableItem::Value(v)] => {
            assert_eq!(v.qty.to_point(), expected_qty);
            assert_eq!(v.flv.to_point(), expected_flv);
        }
        other => panic!("unexpected payload {other:?}"),
    }
    let data: Vec<_> = verified
        .log
        .iter()
        .filter_map(|e| match e {
            TxEntry::Data(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(data, vec![b"note".to_vec()]);
}

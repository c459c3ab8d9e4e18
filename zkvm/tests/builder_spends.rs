//! The builder's spends beyond a single key: `signid` and `signtag` programs, MuSig
//! keys signed through MuSig2, and outputs with a payload, each proven and verified,
//! and each refused with the wrong signature.

mod common;

use common::{key, rng, utxo};
use curve25519_dalek::scalar::Scalar;
use zkvm::{
    sign_id, sign_tag, ClearValue, Data, Generators, Multikey, PortableItem, Predicate, Program,
    Spend, TxBuilder, Verifier, VmError,
};

fn gens() -> Generators {
    Generators::new(256)
}

/// A program that sends the value on top of the stack to key 9.
fn to_key_9() -> Program {
    Program::build(|p| {
        p.push(Predicate::from_key(&key(9).verification_key()))
            .output(1);
    })
}

#[test]
fn a_signid_program_spends() {
    let mut r = rng(70);
    let owner = key(1);
    let output = utxo(&mut r, owner.verification_key().into(), 5, Scalar::ONE);
    let signature = sign_id(&owner, &output.id(), &to_key_9(), &mut r);
    let tx = TxBuilder::new()
        .spend_with(Spend::signid(output, to_key_9(), signature))
        .build(&gens(), &mut r)
        .expect("proves")
        .sign(&mut r)
        .expect("nothing to sign");
    let verified = Verifier::verify_tx(&tx, &gens()).expect("verifies");
    assert_eq!(verified.log.outputs().count(), 1);
    // The delegating key is named among the signers.
    assert_eq!(verified.signers, vec![owner.verification_key()]);
}

#[test]
fn a_signid_signature_for_another_contract_is_refused() {
    let mut r = rng(71);
    let owner = key(1);
    let output = utxo(&mut r, owner.verification_key().into(), 5, Scalar::ONE);
    let other = utxo(&mut r, owner.verification_key().into(), 5, Scalar::ONE);
    let signature = sign_id(&owner, &other.id(), &to_key_9(), &mut r);
    let e = TxBuilder::new()
        .spend_with(Spend::signid(output, to_key_9(), signature))
        .build(&gens(), &mut r)
        .unwrap_err();
    assert!(matches!(e, VmError::PointCheck(_)), "{e:?}");
}

fn tagged(r: &mut rand::rngs::StdRng, tag: &Data) -> zkvm::Contract {
    let mut output = utxo(r, key(1).verification_key().into(), 5, Scalar::ONE);
    output.payload.push(PortableItem::Data(tag.clone()));
    output
}

/// Drops the tag, sends the value to key 9.
fn drop_and_send() -> Program {
    let mut p = Program::build(|p| {
        p.drop();
    });
    p.append(to_key_9());
    p
}

#[test]
fn a_signtag_program_spends() {
    let mut r = rng(72);
    let tag = Data::from(b"tag-1".to_vec());
    let output = tagged(&mut r, &tag);
    let signature = sign_tag(&key(1), &tag, &drop_and_send(), &mut r);
    let tx = TxBuilder::new()
        .spend_with(Spend::signtag(output, drop_and_send(), signature))
        .build(&gens(), &mut r)
        .expect("proves")
        .sign(&mut r)
        .expect("nothing to sign");
    let verified = Verifier::verify_tx(&tx, &gens()).expect("verifies");
    assert_eq!(verified.signers, vec![key(1).verification_key()]);
}

#[test]
fn a_signtag_signature_for_another_tag_is_refused() {
    let mut r = rng(73);
    let output = tagged(&mut r, &Data::from(b"tag-1".to_vec()));
    let wrong = Data::from(b"tag-2".to_vec());
    let signature = sign_tag(&key(1), &wrong, &drop_and_send(), &mut r);
    let e = TxBuilder::new()
        .spend_with(Spend::signtag(output, drop_and_send(), signature))
        .build(&gens(), &mut r)
        .unwrap_err();
    assert!(matches!(e, VmError::PointCheck(_)), "{e:?}");
}

#[test]
fn signtx_keys_and_issuers_are_named_among_the_signers_in_order() {
    let mut r = rng(74);
    let (first, second, issuer) = (key(1), key(2), key(3));
    let a = utxo(&mut r, first.clone().into(), 5, Scalar::ZERO);
    let b = utxo(&mut r, second.clone().into(), 2, Scalar::ZERO);
    let tx = TxBuilder::new()
        .spend(a)
        .spend(b)
        .issue(issuer.clone().into(), b"x".to_vec(), 4)
        .change_to(Predicate::from_key(&key(9).verification_key()))
        .build(&gens(), &mut r)
        .expect("proves")
        .sign(&mut r)
        .expect("signs");
    let verified = Verifier::verify_tx(&tx, &gens()).expect("verifies");
    let expected: Vec<_> = [first, second, issuer]
        .iter()
        .map(|k| k.verification_key())
        .collect();
    assert_eq!(verified.signers, expected);
}

#[test]
fn open_issuance_and_retirement_show_their_values_in_the_log() {
    let mut r = rng(75);
    let issuer = key(3);
    let coin = utxo(&mut r, key(1).into(), 5, Scalar::ZERO);
    let flavor = zkvm::issue_flavor(&Predicate::from(issuer.clone()).to_point(), b"m");
    let tx = TxBuilder::new()
        .spend(coin)
        .issue_open(issuer.into(), b"m".to_vec(), 7)
        .retire_open(3, flavor)
        .change_to(Predicate::from_key(&key(9).verification_key()))
        .build(&Generators::new(512), &mut r)
        .expect("proves")
        .sign(&mut r)
        .expect("signs");
    let verified = Verifier::verify_tx(&tx, &Generators::new(512)).expect("verifies");
    let open = |q: u64, f: Scalar| {
        (
            zkvm::Commitment::unblinded(q).to_point(),
            zkvm::Commitment::unblinded(f).to_point(),
        )
    };
    let entries = verified.log.entries();
    assert!(entries.contains(&zkvm::TxEntry::Issue(open(7, flavor).0, open(7, flavor).1)));
    assert!(entries.contains(&zkvm::TxEntry::Retire(open(3, flavor).0, open(3, flavor).1)));
}

#[test]
fn a_musig_output_is_spent_with_musig2_and_needs_every_party() {
    let mut r = rng(74);
    let (a, b) = (key(1), key(2));
    let keys = Multikey::new(vec![a.verification_key(), b.verification_key()]).unwrap();
    let output = utxo(&mut r, Predicate::from_multikey(keys), 5, Scalar::ONE);
    let payload = vec![Data::from(b"memo".to_vec())];
    let five = ClearValue {
        qty: 5,
        flv: Scalar::ONE,
    };
    let unsigned = TxBuilder::new()
        .spend(output)
        .pay_with_payload(key(9).verification_key().into(), five, None, payload)
        .build(&gens(), &mut r)
        .expect("proves");
    assert_eq!(unsigned.log.outputs().next().unwrap().payload.len(), 2);
    let alone = unsigned
        .clone()
        .sign_musig(std::slice::from_ref(&a), &mut r);
    assert!(
        matches!(alone, Err(VmError::WitnessMissing { .. })),
        "{alone:?}"
    );
    let tx = unsigned.sign_musig(&[b, a], &mut r).expect("both sign");
    Verifier::verify_tx(&tx, &gens()).expect("verifies");
}

#[test]
fn a_debt_nothing_repays_is_refused_by_the_builder() {
    let mut r = rng(75);
    let output = utxo(&mut r, key(1).into(), 5, Scalar::ONE);
    let debt = zkvm::Leftover::Debt(ClearValue {
        qty: 3,
        flv: Scalar::from(2u64),
    });
    let spend = Spend::signtx(output.clone())
        .leaves(zkvm::Leftover::Value(ClearValue {
            qty: 5,
            flv: Scalar::ONE,
        }))
        .leaves(debt);
    let e = TxBuilder::new()
        .spend_with(spend)
        .change_to(key(1).into())
        .program(&mut r)
        .unwrap_err();
    assert!(matches!(e, VmError::BadArguments(_)), "{e:?}");
}

#[test]
fn a_clause_call_for_a_missing_clause_is_refused() {
    let mut r = rng(76);
    let taproot = zkvm::TaprootBuilder::new()
        .clause(to_key_9())
        .build([0; 32])
        .unwrap();
    let output = utxo(&mut r, taproot.predicate(), 5, Scalar::ONE);
    let e = Spend::call(output, &taproot, 1).unwrap_err();
    assert!(matches!(e, VmError::InvalidPredicateTree { .. }), "{e:?}");
}

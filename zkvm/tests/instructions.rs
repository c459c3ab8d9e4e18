//! One test per failure condition of each instruction (and of the VM's end state),
//! run by the verifier on bytecode; conditions only a prover can meet (missing
//! secrets, unbalanced values, failed point checks) run in the prover.

mod common;

use common::{any_time, key, rng, utxo};
use curve25519_dalek::scalar::Scalar;
use encoding::{Encodable, EncodingError};
use zkvm::{
    Commitment, ItemKind, Predicate, Program, Prover, R1csProof, Signature, Tx, TxHeader, Verifier,
    VmError,
};

/// A proof of the smallest shape; the VM fails before it is looked at.
fn dummy_proof() -> R1csProof {
    R1csProof::from_bytes(&[0u8; 1 + 32 * 11 + 64]).expect("well-formed")
}

/// Runs assembly in the verifier and returns its error.
fn verifier_error_v(asm: &str, version: u64) -> VmError {
    let tx = Tx {
        header: TxHeader {
            version,
            ..any_time()
        },
        program: Program::from_asm(asm).expect("assembles").to_bytes(),
        signature: zkvm::tx::empty_signature(),
        proof: dummy_proof(),
    };
    Verifier::verify_tx(&tx, &common::gens()).expect_err("must fail")
}

fn verifier_error(asm: &str) -> VmError {
    verifier_error_v(asm, 1)
}

/// Runs a program in the prover and returns its error.
fn prover_error(program: Program) -> VmError {
    Prover::build_tx(program, any_time(), &common::gens(), &mut rng(0)).expect_err("must fail")
}

/// The message of a failed check that names it.
fn false_check(what: &str) -> String {
    format!("the transaction's {what} is false: it was changed after it was made, or made wrongly")
}

fn hex(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", ::hex::encode(bytes))
}

/// `push:<output> input`: claims a fresh output holding one value.
fn input() -> String {
    let c = utxo(&mut rng(1), key(1).into(), 5, Scalar::ONE);
    format!("push:{} input", hex(c.to_opaque().encode_to_vec()))
}

fn scalar(x: u64) -> String {
    format!("push:{}", hex(Scalar::from(x).to_bytes()))
}

fn point() -> String {
    format!(
        "push:{}",
        hex(curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED.as_bytes())
    )
}

fn type_mismatch(e: &VmError, expected: &str, found: ItemKind) -> bool {
    matches!(e, VmError::TypeMismatch { expected: x, found: f } if *x == expected && *f == found)
}

macro_rules! fails {
    ($name:ident, $asm:expr, $pattern:pat $(if $guard:expr)?) => {
        #[test]
        fn $name() {
            let e = verifier_error(&$asm);
            assert!(matches!(e, $pattern $(if $guard)?), "{}: got {e:?}", $asm);
        }
    };
}

// Stack instructions.
fails!(
    drop_empty,
    "drop",
    VmError::StackUnderflow {
        needed: 1,
        available: 0
    }
);
fails!(
    drop_contract,
    format!("{} drop", input()),
    VmError::NotDroppable {
        found: ItemKind::Contract
    }
);
fails!(
    drop_value,
    format!("{} signtx drop", input()),
    VmError::NotDroppable {
        found: ItemKind::Value
    }
);
fails!(
    dup_underflow,
    "push:0x01 dup:1",
    VmError::StackUnderflow {
        needed: 2,
        available: 1
    }
);
fails!(
    dup_program,
    "program:[drop] dup:0",
    VmError::NotCopyable {
        found: ItemKind::Program
    }
);
fails!(
    roll_underflow,
    "push:0x01 roll:1",
    VmError::StackUnderflow {
        needed: 2,
        available: 1
    }
);

#[test]
fn push_with_truncated_immediate() {
    let tx = Tx {
        header: any_time(),
        program: vec![0x00, 5, 0, 0, 0, 1],
        signature: zkvm::tx::empty_signature(),
        proof: dummy_proof(),
    };
    let e = Verifier::verify_tx(&tx, &common::gens()).unwrap_err();
    assert!(matches!(
        e,
        VmError::Format(EncodingError::Truncated {
            needed: 5,
            remaining: 1
        })
    ));
}

// Constraint-system instructions.
fails!(scalar_of_program, "program:[] scalar", ref e if type_mismatch(e, "string", ItemKind::Program));
fails!(
    scalar_non_canonical,
    format!("push:{} scalar", hex([0xffu8; 32])),
    VmError::Format(EncodingError::NonCanonicalScalar)
);
fails!(
    scalar_short,
    format!("push:{} scalar", hex([0u8; 31])),
    VmError::Format(EncodingError::Truncated { .. })
);
fails!(
    scalar_long,
    format!("push:{} scalar", hex([0u8; 33])),
    VmError::Format(EncodingError::TrailingBytes { remaining: 1 })
);
fails!(
    commit_short,
    format!("push:{} commit", hex([0u8; 31])),
    VmError::Format(_)
);
fails!(commit_of_variable, format!("{} commit commit", point()), ref e if type_mismatch(e, "string", ItemKind::Variable));
fails!(expr_of_string, "push:0x01 expr", ref e if type_mismatch(e, "variable", ItemKind::String));
fails!(neg_of_variable, format!("{} commit neg", point()), ref e if type_mismatch(e, "expression", ItemKind::Variable));
fails!(add_of_string, format!("{} scalar push:0x01 add", scalar(1)), ref e if type_mismatch(e, "expression", ItemKind::String));
fails!(
    add_underflow,
    format!("{} scalar add", scalar(1)),
    VmError::StackUnderflow { .. }
);
fails!(mul_of_constraint, format!("{0} scalar {0} scalar eq {0} scalar mul", scalar(1)), ref e if type_mismatch(e, "expression", ItemKind::Constraint));
fails!(eq_of_string, format!("push:0x01 {} scalar eq", scalar(1)), ref e if type_mismatch(e, "expression", ItemKind::String));
fails!(
    range_of_large_constant,
    format!(
        "push:{} scalar range",
        hex((Scalar::from(u64::MAX) + Scalar::ONE).to_bytes())
    ),
    VmError::ConstantOutOfRange
);
fails!(
    range_of_negative_constant,
    format!("{} scalar neg range", scalar(1)),
    VmError::ConstantOutOfRange
);
fails!(range_of_constraint, format!("{0} scalar {0} scalar eq range", scalar(1)), ref e if type_mismatch(e, "expression", ItemKind::Constraint));
fails!(and_of_expression, format!("{0} scalar {0} scalar eq {0} scalar and", scalar(1)), ref e if type_mismatch(e, "constraint", ItemKind::Expression));
fails!(or_of_expression, format!("{0} scalar {0} scalar {0} scalar eq or", scalar(1)), ref e if type_mismatch(e, "constraint", ItemKind::Expression));
fails!(not_of_expression, format!("{} scalar not", scalar(1)), ref e if type_mismatch(e, "constraint", ItemKind::Expression));
fails!(
    verify_false_cleartext,
    format!("{} scalar {} scalar eq verify", scalar(1), scalar(2)),
    VmError::CleartextConstraintFalse
);
fails!(verify_of_expression, format!("{} scalar verify", scalar(1)), ref e if type_mismatch(e, "constraint", ItemKind::Expression));
fails!(
    unblind_non_canonical,
    format!("{} push:{} unblind", point(), hex([0xffu8; 32])),
    VmError::Format(EncodingError::NonCanonicalScalar)
);
fails!(
    unblind_invalid_point,
    format!("push:{} {} unblind", hex([0xffu8; 32]), scalar(1)),
    VmError::InvalidPoint { .. }
);

#[test]
fn alloc_without_a_value_in_the_prover() {
    let e = prover_error(Program::build(|p| {
        p.alloc(None);
    }));
    assert!(matches!(e, VmError::WitnessMissing { .. }), "{e:?}");
}

#[test]
fn unblind_of_a_wrong_value() {
    let mut r = rng(2);
    let input = utxo(&mut r, key(1).into(), 5, Scalar::ONE);
    let e = prover_error(Program::build(|p| {
        p.push(input).input().signtx().drop_value();
        p.push(Commitment::unblinded(7u64).to_point())
            .push(Scalar::from(8u64))
            .unblind()
            .drop();
    }));
    assert!(matches!(e, VmError::PointCheck(_)), "{e:?}");
    assert_eq!(e.to_string(), false_check("unblinded value (unblind)"));
}

/// Sends the value on top of the stack back to key 1, so a test program ends clean.
trait DropValue {
    fn drop_value(&mut self) -> &mut Self;
}

impl DropValue for Program {
    fn drop_value(&mut self) -> &mut Self {
        self.push(Predicate::from_key(&key(1).verification_key()))
            .output(1)
    }
}

// Value instructions.
fails!(
    issue_without_anchor,
    format!("{p} commit {p} commit push:0x {p} issue", p = point()),
    VmError::AnchorMissing
);
fails!(
    issue_short_predicate,
    format!("{p} commit {p} commit push:0x push:0x01 issue", p = point()),
    VmError::Format(_)
);
fails!(issue_metadata_not_string, format!("{p} commit {p} commit program:[] {p} issue", p = point()), ref e if type_mismatch(e, "string", ItemKind::Program));
fails!(issue_flavor_not_variable, format!("{p} commit {p} push:0x {p} issue", p = point()), ref e if type_mismatch(e, "variable", ItemKind::String));
fails!(issue_quantity_not_variable, format!("{p} {p} commit push:0x {p} issue", p = point()), ref e if type_mismatch(e, "variable", ItemKind::String));
fails!(borrow_flavor_not_variable, format!("{p} commit {p} borrow", p = point()), ref e if type_mismatch(e, "variable", ItemKind::String));
fails!(borrow_quantity_not_variable, format!("{p} {p} commit borrow", p = point()), ref e if type_mismatch(e, "variable", ItemKind::String));
fails!(retire_wide_value, "push:0x01000000 fee retire", ref e if type_mismatch(e, "value", ItemKind::WideValue));
fails!(
    cloak_underflow,
    format!("{p} {p} cloak:1:1", p = point()),
    VmError::StackUnderflow {
        needed: 3,
        available: 2
    }
);
fails!(cloak_commitment_not_string, format!("push:0x01000000 fee {p} {p} commit cloak:1:1", p = point()), ref e if type_mismatch(e, "string", ItemKind::Variable));
fails!(cloak_input_not_value, format!("push:0x01 {p} {p} cloak:1:1", p = point()), ref e if type_mismatch(e, "value or wide value", ItemKind::String));
fails!(cloak_of_nothing, "cloak:0:0", VmError::R1cs(_));
fails!(fee_not_four_bytes, "push:0x010000 fee", VmError::Format(_));
fails!(
    fee_too_high,
    "push:0x01000001 fee",
    VmError::FeeTooHigh { total: 16777217 }
);
fails!(
    fees_too_high_together,
    "push:0x00008000 fee push:0x01008000 fee",
    VmError::FeeTooHigh { total: 16777217 }
);

#[test]
fn issue_with_a_wrong_flavor() {
    let mut r = rng(3);
    let input = utxo(&mut r, key(1).into(), 5, Scalar::ONE);
    let issuer = Predicate::from(key(2));
    let e = prover_error(Program::build(|p| {
        p.push(input).input().signtx().drop_value();
        p.push(Commitment::blinded(5u64, &mut r))
            .commit()
            .push(Commitment::unblinded(Scalar::from(123u64)))
            .commit()
            .push(b"meta".to_vec())
            .push(issuer)
            .issue()
            .signtx()
            .drop_value();
    }));
    assert!(matches!(e, VmError::PointCheck(_)), "{e:?}");
    assert_eq!(e.to_string(), false_check("issued flavor (issue)"));
}

#[test]
fn cloak_unbalanced_in_the_prover() {
    let mut r = rng(4);
    let input = utxo(&mut r, key(1).into(), 5, Scalar::ONE);
    let e = prover_error(Program::build(|p| {
        p.push(input).input().signtx();
        p.push(Commitment::blinded(4u64, &mut r))
            .push(Commitment::blinded(Scalar::ONE, &mut r))
            .cloak(1, 1)
            .drop_value();
    }));
    assert!(matches!(e, VmError::R1cs(_)), "{e:?}");
}

// Contract instructions.
fails!(input_not_string, "program:[] input", ref e if type_mismatch(e, "string", ItemKind::Program));
fails!(input_malformed, "push:0x01 input", VmError::Format(_));
fails!(
    input_unknown_item_type,
    format!(
        "push:{}{}{} input",
        hex([0u8; 64]),
        "01000000",
        "0700000000"
    ),
    VmError::UnknownPayloadType { tag: 7 }
);
fails!(
    output_without_anchor,
    format!("{} output:0", point()),
    VmError::AnchorMissing
);
fails!(
    output_not_portable,
    format!("{} {p} commit {p} output:1", input(), p = point()),
    VmError::NotPortable {
        found: ItemKind::Variable
    }
);
fails!(
    output_underflow,
    format!("{} {} output:3", input(), point()),
    VmError::StackUnderflow {
        needed: 3,
        available: 1
    }
);
fails!(
    output_short_predicate,
    format!("{} push:0x01 output:0", input()),
    VmError::Format(_)
);
fails!(
    contract_without_anchor,
    format!("{} contract:0", point()),
    VmError::AnchorMissing
);
fails!(
    contract_not_portable,
    format!(
        "{} {s} scalar {p} contract:1",
        input(),
        s = scalar(1),
        p = point()
    ),
    VmError::NotPortable {
        found: ItemKind::Expression
    }
);
fails!(log_not_string, "program:[] log", ref e if type_mismatch(e, "string", ItemKind::Program));
fails!(eval_not_program, "push:0x eval", ref e if type_mismatch(e, "program", ItemKind::String));
fails!(call_program_not_program, format!("{} push:0x push:0x call", input()), ref e if type_mismatch(e, "program", ItemKind::String));
fails!(call_proof_not_string, format!("{} program:[] program:[] call", input()), ref e if type_mismatch(e, "string", ItemKind::Program));
fails!(
    call_proof_malformed,
    format!("{} push:0x01 program:[] call", input()),
    VmError::Format(_)
);
fails!(call_contract_not_contract, format!("push:0x01 push:{}0000000000000000{} program:[] call", hex([0u8; 32]), "00000000"), ref e if type_mismatch(e, "contract", ItemKind::String));
fails!(signtx_not_contract, "push:0x01 signtx", ref e if type_mismatch(e, "contract", ItemKind::String));
fails!(
    signid_short_signature,
    format!("{} program:[] push:{} signid", input(), hex([0u8; 63])),
    VmError::Signature(_)
);
fails!(signid_program_not_program, format!("{} push:0x push:{} signid", input(), hex([0u8; 64])), ref e if type_mismatch(e, "program", ItemKind::String));
fails!(signid_contract_not_contract, format!("push:0x program:[] push:{} signid", hex([0u8; 64])), ref e if type_mismatch(e, "contract", ItemKind::String));
fails!(
    signtag_short_signature,
    format!("{} program:[] push:{} signtag", input(), hex([0u8; 65])),
    VmError::Signature(_)
);
fails!(signtag_tag_not_string, format!("{} program:[] push:{} signtag", input(), hex([0u8; 64])), ref e if type_mismatch(e, "string", ItemKind::Value));
fails!(signtag_contract_not_contract, format!("push:0x program:[] push:{} signtag", hex([0u8; 64])), ref e if type_mismatch(e, "contract", ItemKind::String));
fails!(
    extension_disabled,
    "ext:0x40",
    VmError::ExtensionsNotAllowed { opcode: 0x40 }
);

// The end of the run.
fails!(no_anchor_at_the_end, "", VmError::AnchorMissing);
fails!(
    stack_not_clean,
    format!("{} push:0x01", input()),
    VmError::StackNotClean { remaining: 2 }
);

#[test]
fn extensions_are_no_ops_in_later_versions() {
    let e = verifier_error_v("ext:0x40 ext:0xff", 2);
    assert!(matches!(e, VmError::AnchorMissing), "ran to the end: {e:?}");
}

#[test]
fn call_with_a_wrong_program() {
    let mut r = rng(5);
    let clause = Program::build(|p| {
        p.drop_value();
    });
    let taproot = zkvm::TaprootBuilder::new()
        .clause(clause)
        .build([1u8; 32])
        .unwrap();
    let locked = utxo(&mut r, taproot.predicate(), 5, Scalar::ONE);
    let (proof, _) = taproot.calls[0].clone();
    let e = prover_error(Program::build(|p| {
        p.push(locked)
            .input()
            .push(proof.encode_to_vec())
            .program(Program::build(|p| {
                p.push(Predicate::from_key(&key(3).verification_key()))
                    .output(1);
            }))
            .call();
    }));
    assert!(matches!(e, VmError::PointCheck(_)), "{e:?}");
    assert_eq!(e.to_string(), false_check("Taproot call (call)"));
}

#[test]
fn signatures_by_the_wrong_keys() {
    let mut r = rng(6);
    let gens = common::gens();
    let input = utxo(&mut r, key(1).into(), 5, Scalar::ONE);
    let program = Program::build(|p| {
        p.push(input.clone()).input().signtx().drop_value();
    });
    let unsigned = Prover::build_tx(program, any_time(), &gens, &mut r).unwrap();
    assert!(matches!(
        unsigned.clone().sign_with_keys(&[key(2)], &mut r),
        Err(VmError::Signature(_))
    ));
    let mut tx = unsigned.clone().sign(&mut r).unwrap();
    Verifier::verify_tx(&tx, &gens).expect("the right key verifies");
    tx.signature.s += Scalar::ONE;
    // One check for everything: the failure is the batch's; the statement-by-statement
    // diagnosis names the signature.
    let e = Verifier::verify_tx(&tx, &gens).unwrap_err();
    assert!(matches!(e, VmError::PointCheck(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "the transaction's proof or one of its signatures is false: it was changed after it \
         was made, or made wrongly"
    );
    let e = Verifier::explain_failure(&tx, &gens).unwrap_err();
    assert!(matches!(e, VmError::PointCheck(_)), "{e:?}");
    assert_eq!(e.to_string(), false_check("signature (signtx)"));
    assert!(unsigned.attach_signature(tx.signature).is_err());

    // signid: a signature over another contract ID does not open this one.
    let inner = Program::build(|p| {
        p.drop_value();
    });
    let mut t = merlin::Transcript::new(b"ZkVM.signid");
    t.append_message(b"contract", &[0u8; 32]);
    t.append_message(b"prog", &inner.to_bytes());
    let sig = Signature::sign(&mut t, &key(1), &mut r);
    let e = prover_error(Program::build(|p| {
        p.push(input.clone())
            .input()
            .program(inner.clone())
            .push(sig.to_bytes().to_vec())
            .signid();
    }));
    assert!(matches!(e, VmError::PointCheck(_)), "{e:?}");
    assert_eq!(e.to_string(), false_check("signid signature"));
}

/// A signed one-input transaction that sends its value back to key 1.
fn signed_spend(r: &mut rand::rngs::StdRng, gens: &zkvm::Generators) -> Tx {
    let input = utxo(r, key(1).into(), 5, Scalar::ONE);
    let program = Program::build(|p| {
        p.push(input).input().signtx().drop_value();
    });
    let unsigned = Prover::build_tx(program, any_time(), gens, r).unwrap();
    unsigned.sign(r).unwrap()
}

#[test]
fn a_proof_taken_from_another_transaction() {
    let mut r = rng(7);
    let gens = common::gens();
    let mut tx = signed_spend(&mut r, &gens);
    tx.proof = signed_spend(&mut r, &gens).proof;
    // The combined check says only that something is false; checked one by one, the
    // proof is named (the signature over the ID still holds: the ID omits the proof).
    let e = Verifier::verify_tx(&tx, &gens).unwrap_err();
    assert!(matches!(e, VmError::PointCheck(_)), "{e:?}");
    let e = Verifier::explain_failure(&tx, &gens).unwrap_err();
    assert!(
        matches!(
            e,
            VmError::InvalidR1csProof(r1cs::R1csError::VerificationFailed)
        ),
        "{e:?}"
    );
    assert_eq!(e.to_string(), false_check("proof (R1CS)"));
}

// Work limits (bounds on what a program can make the VM do beyond its own bytes).

#[test]
fn dup_cannot_copy_more_bytes_than_the_program_has() {
    // A string copied over and over would grow memory without bound.
    let asm = format!("push:{} {}", hex([7u8; 1024]), "dup:0 ".repeat(40));
    let e = verifier_error(&asm);
    assert!(matches!(e, VmError::WorkLimitExceeded { .. }), "{e:?}");
    // A few copies are fine (the program then ends with them on the stack).
    let e = verifier_error(&format!("push:{} dup:0 dup:0 dup:0", hex([7u8; 1024])));
    assert!(
        matches!(e, VmError::StackNotClean { remaining: 4 }),
        "{e:?}"
    );
}

#[test]
fn roll_cannot_move_items_without_bound() {
    let asm = format!("{}{}", "push:0x ".repeat(1000), "roll:999 ".repeat(200));
    let e = verifier_error(&asm);
    assert!(matches!(e, VmError::WorkLimitExceeded { .. }), "{e:?}");
}

#[test]
fn constraints_cannot_nest_without_bound() {
    let depth = zkvm::constraints::MAX_CONSTRAINT_DEPTH as usize;
    let asm = format!(
        "{p} commit expr {s} scalar eq {}",
        "not ".repeat(depth),
        p = point(),
        s = scalar(1)
    );
    let e = verifier_error(&asm);
    assert!(matches!(e, VmError::ConstraintTooDeep { .. }), "{e:?}");
}

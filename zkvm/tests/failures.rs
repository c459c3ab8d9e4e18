//! The failure conditions `spec/zkvm.md` ("ops") names that `instructions.rs` and its
//! neighbours do not already test: one test each. The verifier runs bytecode; what
//! only a prover can get wrong runs in the prover.

mod common;

use common::{any_time, key, rng, utxo};
use curve25519_dalek::scalar::Scalar;
use encoding::{Encodable, EncodingError};
use zkvm::{
    Commitment, ItemKind, Program, Prover, R1csProof, Tx, Verifier, VmError, MAX_MULTIPLIERS,
};

fn dummy_proof() -> R1csProof {
    R1csProof::from_bytes(&[0u8; 1 + 32 * 11 + 64]).expect("well-formed")
}

fn tx(program: Vec<u8>) -> Tx {
    Tx {
        header: any_time(),
        program,
        signature: zkvm::tx::empty_signature(),
        proof: dummy_proof(),
    }
}

/// Runs assembly in the verifier and returns its error.
fn verifier_error(asm: &str) -> VmError {
    let program = Program::from_asm(asm).expect("assembles").to_bytes();
    Verifier::verify_tx(&tx(program), &common::gens()).expect_err("must fail")
}

/// The opcode of the instruction the verifier's trace says failed.
fn failing_opcode(asm: &str) -> String {
    let program = Program::from_asm(asm).expect("assembles").to_bytes();
    let trace = Verifier::trace(&tx(program), &common::gens());
    let step = trace
        .failure
        .expect("fails")
        .step
        .expect("at an instruction");
    trace.steps[step].opcode.clone()
}

fn prover_error(program: Program) -> VmError {
    Prover::build_tx(program, any_time(), &common::gens(), &mut rng(0)).expect_err("must fail")
}

fn hex(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", ::hex::encode(bytes))
}

/// A valid point (the base point) as a pushed string.
fn point() -> String {
    format!(
        "push:{}",
        hex(curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED.as_bytes())
    )
}

/// 32 bytes that are no Ristretto encoding.
fn bad_point() -> String {
    format!("push:{}", hex([0xffu8; 32]))
}

/// `push:<output> input signtx`: claims a fresh output and leaves its value.
fn input_signtx() -> String {
    let c = utxo(&mut rng(1), key(1).into(), 5, Scalar::ONE);
    format!("push:{} input signtx", hex(c.to_opaque().encode_to_vec()))
}

fn type_mismatch(e: &VmError, expected: &str, found: ItemKind) -> bool {
    matches!(e, VmError::TypeMismatch { expected: x, found: f } if *x == expected && *f == found)
}

#[test]
fn program_with_truncated_immediate() {
    // `program` announces five bytes and has one.
    let e = Verifier::verify_tx(&tx(vec![0x01, 5, 0, 0, 0, 1]), &common::gens()).unwrap_err();
    assert!(
        matches!(e, VmError::Format(EncodingError::Truncated { .. })),
        "{e:?}"
    );
}

#[test]
fn drop_wide_value() {
    let e = verifier_error("push:0x01000000 fee drop");
    assert_eq!(
        e,
        VmError::NotDroppable {
            found: ItemKind::WideValue
        }
    );
}

#[test]
fn dup_expression() {
    let e = verifier_error("mintime dup:0");
    assert_eq!(
        e,
        VmError::NotCopyable {
            found: ItemKind::Expression
        }
    );
}

#[test]
fn expr_of_a_closed_commitment_in_the_prover() {
    let closed = curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED;
    let e = prover_error(Program::build(|p| {
        p.push(closed).commit().expr().drop();
    }));
    assert!(matches!(e, VmError::WitnessMissing { .. }), "{e:?}");
}

#[test]
fn mul_past_the_multiplier_limit() {
    // 127 range proofs and 128 allocations fill the system exactly; a secret `mul`
    // needs one more multiplier and is refused before adding it.
    let ranges = MAX_MULTIPLIERS / 64 - 1;
    let mut asm = "alloc range drop ".repeat(ranges);
    asm.push_str("alloc drop ");
    asm.push_str(&format!("{p} commit expr {p} commit expr mul", p = point()));
    assert_eq!(
        verifier_error(&asm),
        VmError::TooManyMultipliers {
            limit: MAX_MULTIPLIERS
        }
    );
    assert_eq!(failing_opcode(&asm), "mul");
}

#[test]
fn issue_with_an_invalid_flavor_point() {
    let asm = format!(
        "{p} commit {bad} commit push:0x {p} issue",
        p = point(),
        bad = bad_point()
    );
    assert_eq!(
        verifier_error(&asm),
        VmError::InvalidPoint {
            what: "issued flavor commitment"
        }
    );
}

#[test]
fn borrow_of_a_quantity_that_is_no_integer_in_the_prover() {
    let huge = Scalar::from(u64::MAX) * Scalar::from(4u64);
    let e = prover_error(Program::build(|p| {
        p.push(Commitment::blinded(huge, &mut rng(2)))
            .commit()
            .push(Commitment::blinded(Scalar::ONE, &mut rng(3)))
            .commit()
            .borrow();
    }));
    assert!(matches!(e, VmError::InconsistentWitness { .. }), "{e:?}");
}

#[test]
fn retire_string() {
    let e = verifier_error("push:0x retire");
    assert!(type_mismatch(&e, "value", ItemKind::String), "{e:?}");
}

#[test]
fn cloak_input_not_a_value() {
    let e = verifier_error(&format!("push:0x {p} {p} cloak:1:1", p = point()));
    assert!(
        type_mismatch(&e, "value or wide value", ItemKind::String),
        "{e:?}"
    );
}

#[test]
fn cloak_without_inputs() {
    let e = verifier_error(&format!("{p} {p} cloak:0:1", p = point()));
    assert!(
        matches!(e, VmError::R1cs(r1cs::R1csError::Gadget(_))),
        "{e:?}"
    );
}

#[test]
fn cloak_without_outputs() {
    let e = verifier_error("push:0x01000000 fee cloak:1:0");
    assert!(
        matches!(e, VmError::R1cs(r1cs::R1csError::Gadget(_))),
        "{e:?}"
    );
}

#[test]
fn cloak_past_the_multiplier_limit() {
    // 128 outputs need at least 128·65 multipliers: refused before popping anything.
    let n = 128;
    let asm = format!("{} cloak:0:{n}", point().repeat_with(" ", 2 * n));
    assert_eq!(
        verifier_error(&asm),
        VmError::TooManyMultipliers {
            limit: MAX_MULTIPLIERS
        }
    );
}

#[test]
fn fee_amount_of_three_bytes() {
    let e = verifier_error("push:0x010000 fee");
    assert!(matches!(e, VmError::Format(_)), "{e:?}");
}

#[test]
fn log_non_string() {
    let e = verifier_error(&format!("{} commit log", point()));
    assert!(type_mismatch(&e, "string", ItemKind::Variable), "{e:?}");
}

#[test]
fn eval_non_program() {
    let e = verifier_error("push:0x eval");
    assert!(type_mismatch(&e, "program", ItemKind::String), "{e:?}");
}

/// A call proof with a valid inner key and no neighbours.
fn call_proof() -> String {
    let mut bytes = curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(&[0u8; 12]);
    format!("push:{}", hex(bytes))
}

#[test]
fn call_on_a_predicate_that_is_no_point() {
    let asm = format!(
        "{} {} contract:0 {} program:[] call",
        input_signtx(),
        bad_point(),
        call_proof()
    );
    assert_eq!(
        verifier_error(&asm),
        VmError::InvalidPoint {
            what: "Taproot predicate"
        }
    );
}

#[test]
fn signtx_on_a_predicate_that_is_no_point() {
    let asm = format!("{} {} contract:0 signtx", input_signtx(), bad_point());
    assert_eq!(
        verifier_error(&asm),
        VmError::InvalidPoint { what: "predicate" }
    );
}

#[test]
fn signid_with_a_non_canonical_signature() {
    let mut sig = [0u8; 64];
    sig[32..].copy_from_slice(&[0xff; 32]);
    let asm = format!(
        "{} {} contract:0 program:[] push:{} signid",
        input_signtx(),
        point(),
        hex(sig)
    );
    let e = verifier_error(&asm);
    assert!(
        matches!(
            e,
            VmError::Signature(musig::MusigError::NonCanonicalScalar { .. })
        ),
        "{e:?}"
    );
}

#[test]
fn signtag_with_an_empty_payload() {
    // The claimed value leaves in an output first, so nothing is under the contract.
    let asm = format!(
        "{i} {p} output:1 {p} contract:0 program:[] push:{sig} signtag",
        i = input_signtx(),
        p = point(),
        sig = hex([0u8; 64])
    );
    assert!(matches!(
        verifier_error(&asm),
        VmError::StackUnderflow { .. }
    ));
}

#[test]
fn signtag_whose_tag_is_no_string() {
    let asm = format!(
        "{i} {p} contract:1 program:[] push:{sig} signtag",
        i = input_signtx(),
        p = point(),
        sig = hex([0u8; 64])
    );
    let e = verifier_error(&asm);
    assert!(type_mismatch(&e, "string", ItemKind::Value), "{e:?}");
}

#[test]
fn a_clean_run_with_a_wrong_proof() {
    let asm = format!("{} {} output:1", input_signtx(), point());
    let e = verifier_error(&asm);
    assert!(
        matches!(e, VmError::InvalidR1csProof(_) | VmError::PointCheck(_)),
        "{e:?}"
    );
}

/// `s` repeated `n` times, joined by `sep`.
trait RepeatWith {
    fn repeat_with(&self, sep: &str, n: usize) -> String;
}

impl RepeatWith for String {
    fn repeat_with(&self, sep: &str, n: usize) -> String {
        vec![self.as_str(); n].join(sep)
    }
}

#[test]
fn a_committed_variable_that_is_no_point() {
    // A valid transaction whose committed point is then replaced by bytes that are
    // no point: the VM never decompresses it; the proof check refuses it.
    let mut r = rng(4);
    let owner = key(1);
    let input = utxo(&mut r, owner.clone().into(), 5, Scalar::ONE);
    let secret = Commitment::blinded(3u64, &mut r);
    let point = secret.to_point();
    let program = Program::build(|p| {
        p.push(input).input().signtx();
        p.push(secret).commit().expr().drop();
        p.push(zkvm::Predicate::from_key(&owner.verification_key()))
            .output(1);
    });
    let gens = common::gens();
    let mut tx = Prover::build_tx(program, any_time(), &gens, &mut r)
        .unwrap()
        .sign(&mut r)
        .unwrap();
    let at = tx
        .program
        .windows(32)
        .position(|w| w == point.as_bytes())
        .expect("the commitment is in the program");
    tx.program[at..at + 32].copy_from_slice(&[0xff; 32]);
    let e = Verifier::verify_tx(&tx, &gens).unwrap_err();
    assert!(
        matches!(
            e,
            VmError::InvalidR1csProof(r1cs::R1csError::InvalidCommitment { .. })
        ),
        "{e:?}"
    );
}

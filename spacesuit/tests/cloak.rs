//! The cloak through the public API: prove with `r1cs::Prover`, verify with
//! `r1cs::Verifier`, singly and batched, and the prover's refusals.

use batch::BatchVerifier;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use r1cs::{Generators, R1csError, R1csProof, Verifier};
use spacesuit::{CloakError, CloakProof, SignedInteger, Value};
use std::sync::OnceLock;

const LABEL: &[u8] = b"spacesuit.integration";

fn gens() -> &'static Generators {
    static GENS: OnceLock<Generators> = OnceLock::new();
    GENS.get_or_init(|| Generators::new(256))
}

fn yuan(q: i64) -> Value {
    Value::new(q, Scalar::from(888u64))
}

fn peso(q: i64) -> Value {
    Value::new(q, Scalar::from(666u64))
}

/// The statement type of these tests is the crate's standalone cloak proof.
type Statement = CloakProof;

fn prove(inputs: &[Value], outputs: &[Value]) -> Result<Statement, R1csError> {
    let mut transcript = Transcript::new(LABEL);
    CloakProof::prove(
        gens(),
        &mut transcript,
        inputs,
        outputs,
        &mut rand::thread_rng(),
    )
}

fn verifier_for<'t>(
    transcript: &'t mut Transcript,
    s: &Statement,
) -> Result<Verifier<'t>, R1csError> {
    s.verifier(transcript)
}

fn verify(s: &Statement) -> Result<(), R1csError> {
    s.verify(&mut Transcript::new(LABEL), gens())
}

fn gadget_error(e: CloakError) -> Result<Statement, R1csError> {
    Err(e.into())
}

#[test]
fn honest_payments_verify() {
    let cases: [(&[Value], &[Value]); 5] = [
        (&[yuan(5)], &[yuan(5)]),
        (&[yuan(3)], &[yuan(1), yuan(2)]),
        (&[yuan(1), peso(4)], &[peso(4), yuan(1)]),
        (&[peso(5), peso(3)], &[peso(1), peso(7)]),
        (&[yuan(-5), yuan(10), peso(2)], &[peso(2), yuan(5), yuan(0)]),
    ];
    for (ins, outs) in cases {
        let s = prove(ins, outs).unwrap();
        assert_eq!(verify(&s), Ok(()), "{} x {}", ins.len(), outs.len());
    }
}

#[test]
fn proofs_survive_their_encoding() {
    let s = prove(&[yuan(1), peso(4)], &[yuan(1), peso(4)]).unwrap();
    let bytes = s.proof.to_bytes();
    let decoded = Statement {
        proof: R1csProof::from_bytes(&bytes).unwrap(),
        ..s
    };
    assert_eq!(decoded.proof.to_bytes(), bytes);
    assert_eq!(verify(&decoded), Ok(()));
}

#[test]
fn proofs_verify_in_a_batch() {
    let statements: Vec<Statement> = (1..=4)
        .map(|q| prove(&[yuan(q), peso(q)], &[peso(q), yuan(q)]).unwrap())
        .collect();
    let mut batch = BatchVerifier::new(gens(), rand::thread_rng());
    for s in &statements {
        let mut transcript = Transcript::new(LABEL);
        let verifier = verifier_for(&mut transcript, s).unwrap();
        verifier.verify_batched(&s.proof, &mut batch).unwrap();
    }
    assert_eq!(batch.len(), statements.len());
    assert!(batch.verify().is_ok());
}

#[test]
fn a_proof_says_nothing_about_other_commitments() {
    let s = prove(&[yuan(3), peso(4)], &[yuan(3), peso(4)]).unwrap();
    // Quantities of the two outputs swapped between their flavors.
    let mut swapped = Statement {
        proof: s.proof.clone(),
        inputs: s.inputs.clone(),
        outputs: s.outputs.clone(),
    };
    let (a, b) = (swapped.outputs[0].q, swapped.outputs[1].q);
    swapped.outputs[0].q = b;
    swapped.outputs[1].q = a;
    assert!(verify(&swapped).is_err());
    // Inputs and outputs exchanged.
    let reversed = Statement {
        proof: s.proof.clone(),
        inputs: s.outputs.clone(),
        outputs: s.inputs.clone(),
    };
    assert!(verify(&reversed).is_err());
    // A 2×1 reading of a 2×2 proof.
    let shorter = Statement {
        proof: s.proof.clone(),
        inputs: s.inputs.clone(),
        outputs: s.outputs[..1].to_vec(),
    };
    assert!(verify(&shorter).is_err());
    // Another transcript.
    let mut transcript = Transcript::new(b"another label");
    let verifier = verifier_for(&mut transcript, &s).unwrap();
    assert!(verifier.verify(&s.proof, gens()).is_err());
}

#[test]
fn the_prover_refuses_inflation() {
    let refused = gadget_error(CloakError::Unbalanced);
    assert_eq!(prove(&[yuan(5)], &[yuan(6)]).err(), refused.err());
    let refused = gadget_error(CloakError::Unbalanced);
    assert_eq!(
        prove(&[yuan(5), yuan(3)], &[yuan(5), yuan(4)]).err(),
        refused.err()
    );
}

#[test]
fn the_prover_refuses_transmutation() {
    let refused = gadget_error(CloakError::Unbalanced);
    assert_eq!(prove(&[yuan(5)], &[peso(5)]).err(), refused.err());
    let refused = gadget_error(CloakError::Unbalanced);
    assert_eq!(
        prove(&[yuan(5), peso(3)], &[yuan(4), peso(4)]).err(),
        refused.err()
    );
}

#[test]
fn the_prover_refuses_a_negative_output() {
    let refused = gadget_error(CloakError::OutOfRange { bits: 64 });
    assert_eq!(prove(&[yuan(5)], &[yuan(-1), yuan(6)]).err(), refused.err());
}

#[test]
fn quantities_of_two_to_the_64_do_not_exist() {
    assert_eq!(SignedInteger::new(1 << 64), None);
    assert_eq!(SignedInteger::MAX.checked_add(1u64.into()), None);
    // The largest quantity passes on unchanged.
    let max = Value::new(SignedInteger::MAX, Scalar::ONE);
    let s = prove(&[max], &[max]).unwrap();
    assert_eq!(verify(&s), Ok(()));
}

#[test]
fn cloaks_need_inputs_and_outputs() {
    let refused = gadget_error(CloakError::Empty { gadget: "cloak" });
    assert_eq!(prove(&[], &[yuan(1)]).err(), refused.err());
}

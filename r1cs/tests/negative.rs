//! One test per failure condition.

mod common;

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use encoding::EncodingError;
use merlin::Transcript;
use r1cs::{
    ConstraintSystem, Generators, R1csError, R1csProof, RandomizableConstraintSystem, Variable,
    Verifier,
};

const LABEL: &[u8] = b"r1cs negative";

/// A proof that `value` fits in `bits` bits, made with `witness` as the bits' source.
fn range_proof(
    gens: &Generators,
    value: u64,
    witness: u64,
    bits: usize,
) -> (CompressedRistretto, R1csProof) {
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(gens, &mut transcript);
    let (point, var) = prover.commit(Scalar::from(value), Scalar::from(12345u64));
    common::range(&mut prover, var, Some(witness), bits).expect("gadget");
    let proof = prover.prove(&mut rand::thread_rng()).expect("proves");
    (point, proof)
}

fn verify_range(
    gens: &Generators,
    label: &'static [u8],
    point: CompressedRistretto,
    proof: &R1csProof,
    bits: usize,
) -> Result<(), R1csError> {
    let mut transcript = Transcript::new(label);
    let mut verifier = Verifier::new(&mut transcript);
    let var = verifier.commit(point);
    common::range(&mut verifier, var, None, bits)?;
    verifier.verify(proof, gens)
}

#[test]
fn honest_range_proof_verifies() {
    let gens = Generators::new(16);
    let (point, proof) = range_proof(&gens, 200, 200, 8);
    assert_eq!(verify_range(&gens, LABEL, point, &proof, 8), Ok(()));
}

#[test]
fn unsatisfied_constraint_fails() {
    let gens = Generators::new(16);
    // The bits say 201, the commitment says 200.
    let (point, proof) = range_proof(&gens, 200, 201, 8);
    assert_eq!(
        verify_range(&gens, LABEL, point, &proof, 8),
        Err(R1csError::VerificationFailed)
    );
}

#[test]
fn wrong_commitment_fails() {
    let gens = Generators::new(16);
    let (_, proof) = range_proof(&gens, 200, 200, 8);
    let (other, _) = range_proof(&gens, 201, 201, 8);
    assert_eq!(
        verify_range(&gens, LABEL, other, &proof, 8),
        Err(R1csError::VerificationFailed)
    );
}

#[test]
fn wrong_transcript_fails() {
    let gens = Generators::new(16);
    let (point, proof) = range_proof(&gens, 200, 200, 8);
    assert_eq!(
        verify_range(&gens, b"another label", point, &proof, 8),
        Err(R1csError::VerificationFailed)
    );
}

#[test]
fn wrong_circuit_size_fails() {
    let gens = Generators::new(16);
    let (point, proof) = range_proof(&gens, 200, 200, 8);
    // Four bits pad to four multipliers: the argument has one round too many.
    assert_eq!(
        verify_range(&gens, LABEL, point, &proof, 4),
        Err(R1csError::VerificationFailed)
    );
}

#[test]
fn prover_with_too_few_generators_fails() {
    let gens = Generators::new(8);
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    let (_, var) = prover.commit(Scalar::from(3u64), Scalar::ONE);
    common::range(&mut prover, var, Some(3), 9).expect("gadget");
    assert_eq!(
        prover.prove(&mut rand::thread_rng()).unwrap_err(),
        R1csError::TooFewGenerators {
            needed: 9,
            capacity: 8
        }
    );
}

#[test]
fn prover_fails_when_padding_exceeds_the_generators() {
    let gens = Generators::new(8);
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    let (_, var) = prover.commit(Scalar::from(3u64), Scalar::ONE);
    common::range(&mut prover, var, Some(3), 7).expect("gadget");
    // Seven multipliers in the first phase fit; two more in the second pad to 16.
    prover
        .specify_randomized_constraints(|cs| {
            cs.allocate_multiplier(Some((Scalar::ONE, Scalar::ONE)))?;
            cs.allocate_multiplier(Some((Scalar::ONE, Scalar::ONE)))?;
            Ok(())
        })
        .expect("deferred");
    assert_eq!(
        prover.prove(&mut rand::thread_rng()).unwrap_err(),
        R1csError::TooFewGenerators {
            needed: 16,
            capacity: 8
        }
    );
}

#[test]
fn verifier_with_too_few_generators_fails() {
    let gens = Generators::new(16);
    let (point, proof) = range_proof(&gens, 9, 9, 16);
    assert_eq!(
        verify_range(&Generators::new(8), LABEL, point, &proof, 16),
        Err(R1csError::TooFewGenerators {
            needed: 16,
            capacity: 8
        })
    );
}

#[test]
fn invalid_commitment_is_an_error_not_a_panic() {
    let gens = Generators::new(16);
    let (_, proof) = range_proof(&gens, 5, 5, 8);
    assert_eq!(
        verify_range(&gens, LABEL, CompressedRistretto([0xff; 32]), &proof, 8),
        Err(R1csError::InvalidCommitment { index: 0 })
    );
}

#[test]
fn missing_assignment_in_the_prover_fails() {
    let gens = Generators::new(8);
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    assert_eq!(prover.allocate(None), Err(R1csError::MissingAssignment));
    assert_eq!(
        prover.allocate_multiplier(None).unwrap_err(),
        R1csError::MissingAssignment
    );
}

#[test]
fn unknown_variables_are_reported() {
    let gens = Generators::new(8);
    let bogus = Variable::MultiplierOutput(99);

    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    prover.multiply(bogus.into(), Scalar::ONE.into());
    assert_eq!(
        prover.prove(&mut rand::thread_rng()).unwrap_err(),
        R1csError::UnknownVariable(bogus)
    );

    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    prover.constrain(Variable::Committed(0).into());
    let err = prover.prove(&mut rand::thread_rng()).unwrap_err();
    assert_eq!(err, R1csError::UnknownVariable(Variable::Committed(0)));

    let (point, proof) = range_proof(&gens, 1, 1, 8);
    let mut transcript = Transcript::new(LABEL);
    let mut verifier = Verifier::new(&mut transcript);
    let var = verifier.commit(point);
    common::range(&mut verifier, var, None, 8).expect("gadget");
    verifier.constrain(bogus.into());
    assert_eq!(
        verifier.verify(&proof, &gens),
        Err(R1csError::UnknownVariable(bogus))
    );
}

#[test]
fn gadget_errors_in_the_second_phase_propagate() {
    let gens = Generators::new(8);
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    prover
        .specify_randomized_constraints(|_| Err(R1csError::Gadget("no".into())))
        .expect("deferred");
    assert_eq!(
        prover.prove(&mut rand::thread_rng()).unwrap_err(),
        R1csError::Gadget("no".into())
    );
}

/// Offsets of fields in a one-phase proof.
const A_I1: usize = 1;
const T_1: usize = 1 + 3 * 32;
const T_X: usize = 1 + 8 * 32;
const IPP: usize = 1 + 11 * 32;

fn honest_bytes() -> (Generators, CompressedRistretto, Vec<u8>) {
    let gens = Generators::new(16);
    let (point, proof) = range_proof(&gens, 77, 77, 8);
    (gens, point, proof.to_bytes())
}

#[test]
fn malformed_bytes_are_refused_with_clear_errors() {
    let (_, _, bytes) = honest_bytes();
    assert_eq!(
        R1csProof::from_bytes(&[]),
        Err(R1csError::Format(EncodingError::Truncated {
            needed: 1,
            remaining: 0
        }))
    );
    let mut v = bytes.clone();
    v[0] = 7;
    assert_eq!(R1csProof::from_bytes(&v), Err(R1csError::UnknownVersion(7)));
    for len in [
        bytes.len() - 1,
        bytes.len() + 1,
        bytes.len() - 32,
        1 + 12 * 32,
        1,
    ] {
        let mut v = bytes.clone();
        v.resize(len, 0);
        assert_eq!(
            R1csProof::from_bytes(&v),
            Err(R1csError::ProofLength {
                version: 0,
                length: len
            }),
            "length {len}"
        );
    }
    // A one-phase proof read as two-phase has an odd number of argument elements.
    let mut v = bytes.clone();
    v[0] = 1;
    assert!(matches!(
        R1csProof::from_bytes(&v),
        Err(R1csError::ProofLength { version: 1, .. })
    ));

    let mut v = bytes.clone();
    v[T_X..T_X + 32].copy_from_slice(&[0xff; 32]);
    assert_eq!(
        R1csProof::from_bytes(&v),
        Err(R1csError::Format(EncodingError::NonCanonicalScalar))
    );
    let n = v.len();
    let mut v = bytes.clone();
    v[n - 32..].copy_from_slice(&[0xff; 32]);
    assert_eq!(
        R1csProof::from_bytes(&v),
        Err(R1csError::Format(EncodingError::NonCanonicalScalar))
    );
}

#[test]
fn invalid_point_encodings_decode_and_are_named_by_the_verifier() {
    // As in the reference, a proof's points are checked when it is verified.
    let (gens, point, bytes) = honest_bytes();
    for (offset, what) in [
        (A_I1, "A_I1"),
        (A_I1 + 32, "A_O1"),
        (T_1, "T_1"),
        (T_1 + 4 * 32, "T_6"),
        (IPP, "L"),
        (IPP + 32, "R"),
    ] {
        let mut v = bytes.clone();
        v[offset..offset + 32].copy_from_slice(&[0xff; 32]);
        let proof = R1csProof::from_bytes(&v).expect("points are not checked in decoding");
        assert_eq!(proof.to_bytes(), v, "{what} keeps its bytes");
        assert_eq!(
            verify_range(&gens, LABEL, point, &proof, 8),
            Err(R1csError::InvalidPoint(what))
        );
    }
}

#[test]
fn an_absurd_round_count_is_refused_before_allocating() {
    // 1 + 32·(11 + 2 + 2·40) bytes would claim 40 rounds.
    let v = vec![0u8; 1 + 32 * (13 + 80)];
    assert!(matches!(
        R1csProof::from_bytes(&v),
        Err(R1csError::ProofLength { .. })
    ));
}

#[test]
fn identity_points_are_refused_where_the_protocol_validates() {
    let (gens, point, bytes) = honest_bytes();
    for (offset, what) in [
        (A_I1, "A_I1"),
        (A_I1 + 64, "S1"),
        (T_1 + 4 * 32, "T_6"),
        (IPP, "L"),
        (IPP + 32, "R"),
    ] {
        let mut v = bytes.clone();
        v[offset..offset + 32].copy_from_slice(&[0; 32]);
        let proof = R1csProof::from_bytes(&v).expect("the identity decodes");
        assert_eq!(
            verify_range(&gens, LABEL, point, &proof, 8),
            Err(R1csError::InvalidPoint(what))
        );
    }
}

#[test]
fn proofs_round_trip_through_bytes() {
    let (gens, point, bytes) = honest_bytes();
    let proof = R1csProof::from_bytes(&bytes).expect("decodes");
    assert_eq!(proof.to_bytes(), bytes);
    assert_eq!(proof.serialized_size(), bytes.len());
    assert_eq!(verify_range(&gens, LABEL, point, &proof, 8), Ok(()));
}

#[test]
fn debug_output_shows_no_secrets() {
    let gens = Generators::new(8);
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    let secret = Scalar::from(0xdead_beef_u64);
    let (_, var) = prover.commit(secret, secret);
    prover
        .allocate_multiplier(Some((secret, secret)))
        .expect("assigned");
    prover.constrain(var.into());
    let shown = format!("{prover:?}");
    assert!(shown.contains("Prover"), "{shown}");
    assert!(
        !shown.contains("deadbeef") && !shown.contains("efbeadde"),
        "{shown}"
    );
    assert!(!shown.contains("239, 190, 173, 222"), "{shown}");
}

#[test]
fn check_names_the_first_unsatisfied_first_phase_constraint() {
    let gens = Generators::new(16);
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    let (_, var) = prover.commit(Scalar::from(200u64), Scalar::ONE);
    // The bits say 201: every bit constraint holds, the sum (the last one) does not.
    common::range(&mut prover, var, Some(201), 8).expect("gadget");
    assert_eq!(
        prover.check().unwrap_err(),
        R1csError::Unsatisfied {
            index: 16,
            deferred: None
        }
    );
}

#[test]
fn check_names_the_second_phase_callback() {
    let gens = Generators::new(16);
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    let (_, a) = prover.commit(Scalar::from(3u64), Scalar::ONE);
    let (_, b) = prover.commit(Scalar::from(4u64), Scalar::ONE);
    prover
        .specify_randomized_constraints(move |cs| {
            cs.constrain(a - Scalar::from(3u64));
            Ok(())
        })
        .expect("deferred");
    prover
        .specify_randomized_constraints(move |cs| {
            let (_, _, o) = cs.multiply(a.into(), Scalar::ONE.into());
            cs.constrain(o - b);
            Ok(())
        })
        .expect("deferred");
    // The second callback adds the multiplier's two constraints, then `3 - 4`.
    assert_eq!(
        prover.check().unwrap_err(),
        R1csError::Unsatisfied {
            index: 3,
            deferred: Some(1)
        }
    );
}

#[test]
fn check_measures_each_callback_of_a_satisfied_system() {
    let gens = Generators::new(16);
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    let (_, var) = prover.commit(Scalar::from(200u64), Scalar::ONE);
    common::range(&mut prover, var, Some(200), 8).expect("gadget");
    prover
        .specify_randomized_constraints(move |cs| {
            let (_, _, o) = cs.multiply(var.into(), Scalar::ONE.into());
            cs.constrain(o - var);
            Ok(())
        })
        .expect("deferred");
    let added = prover.check().expect("satisfied");
    assert_eq!(added.len(), 1);
    assert_eq!((added[0].multipliers, added[0].constraints), (1, 3));
}

#[test]
fn prove_checked_refuses_what_prove_would_prove_invalid() {
    let gens = Generators::new(16);
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    let (_, var) = prover.commit(Scalar::from(200u64), Scalar::ONE);
    common::range(&mut prover, var, Some(201), 8).expect("gadget");
    assert!(matches!(
        prover.prove_checked(&mut rand::thread_rng()),
        Err(R1csError::Unsatisfied { index: 16, .. })
    ));

    // A satisfied system proves as with `prove`.
    let mut transcript = Transcript::new(LABEL);
    let mut prover = r1cs::Prover::new(&gens, &mut transcript);
    let (point, var) = prover.commit(Scalar::from(200u64), Scalar::from(12345u64));
    common::range(&mut prover, var, Some(200), 8).expect("gadget");
    let proof = prover
        .prove_checked(&mut rand::thread_rng())
        .expect("proves");
    assert_eq!(verify_range(&gens, LABEL, point, &proof, 8), Ok(()));
}

#[test]
fn the_verifier_measures_the_second_phase_as_the_prover_does() {
    let mut transcript = Transcript::new(LABEL);
    let mut verifier = Verifier::new(&mut transcript);
    let var = verifier.commit(CompressedRistretto::default());
    verifier
        .specify_randomized_constraints(move |cs| {
            let (_, _, o) = cs.multiply(var.into(), Scalar::ONE.into());
            cs.constrain(o - var);
            Ok(())
        })
        .expect("deferred");
    let added = verifier.measure().expect("measured");
    assert_eq!((added[0].multipliers, added[0].constraints), (1, 3));
}

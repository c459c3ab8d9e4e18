//! Batch verification: many proofs, one multiscalar multiplication.

mod common;

use batch::{BatchError, BatchVerifier};
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use r1cs::{Generators, R1csProof, Verifier};
use rand::Rng;

/// A statement: circuit name, commitments, proof, and the transcript label.
struct Statement {
    circuit: &'static str,
    points: Vec<CompressedRistretto>,
    proof: R1csProof,
    label: &'static [u8],
}

/// Proves `circuit` over `values`; the circuit holds unless the values say otherwise.
fn prove(
    gens: &Generators,
    circuit: &'static str,
    values: &[u64],
    label: &'static [u8],
) -> Statement {
    let mut rng = rand::thread_rng();
    let mut transcript = Transcript::new(label);
    let mut prover = r1cs::Prover::new(gens, &mut transcript);
    let (points, vars): (Vec<_>, Vec<_>) = values
        .iter()
        .map(|v| prover.commit(Scalar::from(*v), encoding::random_scalar(&mut rng)))
        .unzip();
    common::apply(&mut prover, circuit, &vars, Some(values)).expect("gadget");
    let proof = prover.prove(&mut rng).expect("proves");
    Statement {
        circuit,
        points,
        proof,
        label,
    }
}

fn append(s: &Statement, batch: &mut BatchVerifier<'_, rand::rngs::ThreadRng>) {
    let mut transcript = Transcript::new(s.label);
    let mut verifier = Verifier::new(&mut transcript);
    let vars: Vec<_> = s.points.iter().map(|p| verifier.commit(*p)).collect();
    common::apply(&mut verifier, s.circuit, &vars, None).expect("gadget");
    verifier.verify_batched(&s.proof, batch).expect("recorded");
}

/// 64 valid statements over all circuit kinds.
fn valid_statements(gens: &Generators) -> Vec<Statement> {
    let mut rng = rand::thread_rng();
    (0..64)
        .map(|i| match i % 4 {
            0 => prove(gens, "range8", &[rng.gen_range(0..256)], b"batch range8"),
            1 => {
                let (a, b) = (rng.gen_range(0..1000), rng.gen_range(0..1000));
                prove(gens, "mul", &[a, b, a * b], b"batch mul")
            }
            2 => prove(gens, "shuffle3", &[1, 2, 3, 3, 1, 2], b"batch shuffle"),
            _ => prove(gens, "range64", &[rng.gen()], b"batch range64"),
        })
        .collect()
}

#[test]
fn a_batch_of_valid_proofs_passes() {
    let gens = Generators::new(64);
    let statements = valid_statements(&gens);
    let mut batch = BatchVerifier::new(&gens, rand::thread_rng());
    for s in &statements {
        append(s, &mut batch);
    }
    assert_eq!(batch.len(), 64);
    assert_eq!(batch.verify(), Ok(()));
}

#[test]
fn one_invalid_proof_among_64_fails_the_batch() {
    let gens = Generators::new(64);
    let mut statements = valid_statements(&gens);
    // A false statement: 6 ≠ 2·4. Its proof is well formed, so only the batch
    // equation can catch it.
    statements[37] = prove(&gens, "mul", &[2, 4, 6], b"batch mul");
    let mut batch = BatchVerifier::new(&gens, rand::thread_rng());
    for s in &statements {
        append(s, &mut batch);
    }
    assert_eq!(batch.len(), 64);
    assert_eq!(batch.verify(), Err(BatchError::BatchFailed));
}

#[test]
fn a_proof_under_the_wrong_statement_fails_the_batch() {
    let gens = Generators::new(64);
    let mut statements = valid_statements(&gens);
    statements.swap(0, 4); // two range8 proofs trade commitments
    let points = statements[0].points.clone();
    statements[0].points = statements[4].points.clone();
    statements[4].points = points;
    let mut batch = BatchVerifier::new(&gens, rand::thread_rng());
    for s in &statements {
        append(s, &mut batch);
    }
    assert_eq!(batch.verify(), Err(BatchError::BatchFailed));
}

//! `Prover::commit_with_point` takes a commitment the caller already made: the proof
//! is the one `Prover::commit` gives, and a wrong point is caught in debug builds.

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use r1cs::{ConstraintSystem, Generators, Prover, Verifier};
use rand::rngs::StdRng;
use rand::SeedableRng;

const LABEL: &[u8] = b"r1cs commitments";

/// Proves `a·b = c` over three committed values, committing with `commit` or with
/// `commit_with_point` and the point made by `PedersenGens::commit`.
fn prove(gens: &Generators, with_point: bool) -> (Vec<[u8; 32]>, Vec<u8>) {
    let mut transcript = Transcript::new(LABEL);
    let mut prover = Prover::new(gens, &mut transcript);
    let openings = [(3u64, 11u64), (5, 12), (15, 13)];
    let mut points = Vec::new();
    let mut vars = Vec::new();
    for (v, f) in openings {
        let (v, f) = (Scalar::from(v), Scalar::from(f));
        let (point, var) = if with_point {
            let made = gens.pedersen.commit(v, f).compress();
            prover.commit_with_point(made, v, f)
        } else {
            prover.commit(v, f)
        };
        points.push(point.to_bytes());
        vars.push(var);
    }
    let (_, _, o) = prover.multiply(vars[0].into(), vars[1].into());
    prover.constrain(o - vars[2]);
    let proof = prover.prove(&mut StdRng::seed_from_u64(3)).expect("proves");
    (points, proof.to_bytes())
}

#[test]
fn commit_with_point_gives_the_same_proof() {
    let gens = Generators::new(8);
    let (points, proof) = prove(&gens, true);
    assert_eq!((points.clone(), proof.clone()), prove(&gens, false));

    let proof = r1cs::R1csProof::from_bytes(&proof).expect("decodes");
    let mut transcript = Transcript::new(LABEL);
    let mut verifier = Verifier::new(&mut transcript);
    let vars: Vec<_> = points
        .iter()
        .map(|p| verifier.commit(curve25519_dalek::ristretto::CompressedRistretto(*p)))
        .collect();
    let (_, _, o) = verifier.multiply(vars[0].into(), vars[1].into());
    verifier.constrain(o - vars[2]);
    assert_eq!(verifier.verify(&proof, &gens), Ok(()));
}

#[test]
#[cfg(debug_assertions)]
#[should_panic]
fn a_point_that_is_not_the_commitment_is_caught_in_debug_builds() {
    let gens = Generators::new(8);
    let mut transcript = Transcript::new(LABEL);
    let mut prover = Prover::new(&gens, &mut transcript);
    let wrong = gens
        .pedersen
        .commit(Scalar::from(4u8), Scalar::ONE)
        .compress();
    prover.commit_with_point(wrong, Scalar::from(3u8), Scalar::ONE);
}

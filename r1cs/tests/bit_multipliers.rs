//! `allocate_bit_multiplier` changes how the prover commits, never what it proves: the
//! proof is byte for byte the one `allocate_multiplier` gives under the same randomness,
//! whether the promise is kept (bits summed by selection) or broken (the general path).

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use r1cs::{
    ConstraintSystem, Generators, LinearCombination, Prover, R1csError,
    RandomizableConstraintSystem, RandomizedConstraintSystem, Verifier,
};
use rand::rngs::StdRng;
use rand::SeedableRng;

const LABEL: &[u8] = b"r1cs bit multipliers";

/// How the circuit allocates its bit-shaped multipliers.
#[derive(Clone, Copy)]
enum Allocation {
    Plain,
    Bit,
}

fn allocate<CS: ConstraintSystem>(
    cs: &mut CS,
    how: Allocation,
    pair: Option<(Scalar, Scalar)>,
) -> Result<(r1cs::Variable, r1cs::Variable, r1cs::Variable), R1csError> {
    match how {
        Allocation::Plain => cs.allocate_multiplier(pair),
        Allocation::Bit => cs.allocate_bit_multiplier(pair),
    }
}

/// Allocates `bits` multipliers `(1 − bᵢ)·bᵢ = 0` for the bits of `assignment` and
/// returns `Σ bᵢ·2ⁱ`; with `free`, a free multiplier `3·5 = 15` sits between the
/// second and the third.
fn bits<CS: ConstraintSystem>(
    cs: &mut CS,
    how: Allocation,
    assignment: Option<u64>,
    bits: usize,
    free: bool,
) -> Result<LinearCombination, R1csError> {
    let mut sum = LinearCombination::default();
    let mut power = Scalar::ONE;
    for i in 0..bits {
        let pair = assignment.map(|x| {
            let b = Scalar::from((x >> i) & 1);
            (Scalar::ONE - b, b)
        });
        let (l, r, o) = allocate(cs, how, pair)?;
        cs.constrain(o.into());
        cs.constrain(l + r - Scalar::ONE);
        sum += r * power;
        power += power;
        if free && i == 1 {
            let (_, _, o) =
                cs.allocate_multiplier(assignment.map(|_| (Scalar::from(3u8), Scalar::from(5u8))))?;
            cs.constrain(o - Scalar::from(15u8));
        }
    }
    Ok(sum)
}

/// `value = Σ bᵢ·2ⁱ` over `bits` bit multipliers with a free multiplier among them,
/// and, in the second phase, the same again scaled by a challenge. A prover passes
/// the bits of `assignment`, which need not be `value`.
fn circuit<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    how: Allocation,
    value: LinearCombination,
    assignment: Option<u64>,
    n: usize,
) -> Result<(), R1csError> {
    let sum = bits(cs, how, assignment, n, true)?;
    cs.constrain(value.clone() - sum);
    cs.specify_randomized_constraints(move |cs| {
        let z = cs.challenge_scalar(b"z");
        let sum = bits(cs, how, assignment, n, false)?;
        cs.constrain((value - sum) * z);
        Ok(())
    })
}

fn prove(gens: &Generators, how: Allocation, value: u64, seed: u64) -> (Vec<u8>, Vec<u8>) {
    let mut transcript = Transcript::new(LABEL);
    let mut prover = Prover::new(gens, &mut transcript);
    let (point, var) = prover.commit(Scalar::from(value), Scalar::from(777u64));
    circuit(&mut prover, how, var.into(), Some(value), 8).expect("gadget");
    let proof = prover
        .prove(&mut StdRng::seed_from_u64(seed))
        .expect("proves");
    (point.as_bytes().to_vec(), proof.to_bytes())
}

fn verify(gens: &Generators, point: &[u8], proof: &[u8]) -> Result<(), R1csError> {
    let proof = r1cs::R1csProof::from_bytes(proof).expect("decodes");
    let mut transcript = Transcript::new(LABEL);
    let mut verifier = Verifier::new(&mut transcript);
    let point = curve25519_dalek::ristretto::CompressedRistretto::from_slice(point).expect("32");
    let var = verifier.commit(point);
    circuit(&mut verifier, Allocation::Plain, var.into(), None, 8)?;
    verifier.verify(&proof, gens)
}

#[test]
fn kept_promise_gives_the_same_proof_bytes() {
    let gens = Generators::new(64);
    for (value, seed) in [(0u64, 1), (200, 2), (255, 3), (0b1010_0101, 4)] {
        let plain = prove(&gens, Allocation::Plain, value, seed);
        let bits = prove(&gens, Allocation::Bit, value, seed);
        assert_eq!(plain, bits, "value {value}");
        assert_eq!(verify(&gens, &bits.0, &bits.1), Ok(()));
    }
}

/// A gadget that breaks the promise (here: a multiplier `2·(−1) = −2` allocated as a
/// bit in a system that says so) still gets a correct proof, by the general path.
#[test]
fn broken_promise_still_proves_correctly() {
    let gens = Generators::new(16);
    let prove_with = |how: Allocation| {
        let mut transcript = Transcript::new(LABEL);
        let mut prover = Prover::new(&gens, &mut transcript);
        let (_, _, o) =
            allocate(&mut prover, how, Some((Scalar::from(2u8), -Scalar::ONE))).expect("assigned");
        prover.constrain(o + Scalar::from(2u8));
        let (_, _, o) =
            allocate(&mut prover, how, Some((Scalar::ONE, Scalar::ZERO))).expect("assigned");
        prover.constrain(o.into());
        prover
            .prove(&mut StdRng::seed_from_u64(9))
            .expect("proves")
            .to_bytes()
    };
    let plain = prove_with(Allocation::Plain);
    let bits = prove_with(Allocation::Bit);
    assert_eq!(plain, bits);

    let proof = r1cs::R1csProof::from_bytes(&bits).expect("decodes");
    let mut transcript = Transcript::new(LABEL);
    let mut verifier = Verifier::new(&mut transcript);
    let (_, _, o) = verifier.allocate_multiplier(None).expect("verifier");
    verifier.constrain(o + Scalar::from(2u8));
    let (_, _, o) = verifier.allocate_multiplier(None).expect("verifier");
    verifier.constrain(o.into());
    assert_eq!(verifier.verify(&proof, &gens), Ok(()));
}

/// The shortcut does not make a false statement provable: bits that do not add up to
/// the committed value fail verification as before.
#[test]
fn wrong_bits_fail_verification() {
    let gens = Generators::new(64);
    let mut transcript = Transcript::new(LABEL);
    let mut prover = Prover::new(&gens, &mut transcript);
    let (point, var) = prover.commit(Scalar::from(200u64), Scalar::from(777u64));
    circuit(&mut prover, Allocation::Bit, var.into(), Some(201), 8).expect("gadget");
    let proof = prover
        .prove(&mut StdRng::seed_from_u64(5))
        .expect("proves")
        .to_bytes();
    assert_eq!(
        verify(&gens, point.as_bytes(), &proof),
        Err(R1csError::VerificationFailed)
    );
}

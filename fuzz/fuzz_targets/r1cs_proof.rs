//! R1CS proofs against the statements of `r1cs.json` (the `mul`, `range8` and
//! `shuffle3` circuits over the vectors' commitments). The first byte picks a
//! statement, the rest is a proof. What must hold: a proof that decodes re-encodes
//! to itself and has the size it reports; verification is deterministic; a proof
//! that verifies is one of the vectors' valid proofs of that statement.
#![no_main]

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::Scalar;
use libfuzzer_sys::fuzz_target;
use merlin::Transcript;
use r1cs::{
    ConstraintSystem, Generators, LinearCombination, R1csError, R1csProof,
    RandomizableConstraintSystem, RandomizedConstraintSystem, Variable, Verifier,
};
use std::sync::OnceLock;

struct Statement {
    circuit: String,
    commitments: Vec<CompressedRistretto>,
    valid_proofs: Vec<Vec<u8>>,
}

struct Fixture {
    gens: Generators,
    statements: Vec<Statement>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let file = vectors::load("r1cs.json");
        let capacity = file["generators"]["bulletproofs_capacity"]
            .as_u64()
            .unwrap();
        let mut statements: Vec<Statement> = Vec::new();
        for case in vectors::cases(&file) {
            let circuit = case["circuit"].as_str().unwrap();
            if !["mul", "range8", "shuffle3"].contains(&circuit) || case["valid"] != true {
                continue;
            }
            let commitments: Vec<CompressedRistretto> = case["commitments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| CompressedRistretto(vectors::bytes32(c)))
                .collect();
            let proof = vectors::bytes(&case["proof"]);
            match statements
                .iter_mut()
                .find(|s| s.circuit == circuit && s.commitments == commitments)
            {
                Some(s) => s.valid_proofs.push(proof),
                None => statements.push(Statement {
                    circuit: circuit.to_string(),
                    commitments,
                    valid_proofs: vec![proof],
                }),
            }
        }
        Fixture {
            gens: Generators::new(capacity as usize),
            statements,
        }
    })
}

fn mul<CS: ConstraintSystem>(cs: &mut CS, v: &[Variable]) {
    let (_, _, o) = cs.multiply(v[0].into(), v[1].into());
    cs.constrain(o - v[2]);
}

fn range8<CS: ConstraintSystem>(cs: &mut CS, v: Variable) -> Result<(), R1csError> {
    let mut sum = LinearCombination::default();
    let mut exp = Scalar::ONE;
    for _ in 0..8 {
        let (l, r, o) = cs.allocate_multiplier(None)?;
        cs.constrain(o.into());
        cs.constrain(l + r - Scalar::ONE);
        sum += r * exp;
        exp += exp;
    }
    cs.constrain(v - sum);
    Ok(())
}

fn product_minus<CS: ConstraintSystem>(
    cs: &mut CS,
    v: &[Variable],
    z: Scalar,
) -> LinearCombination {
    let (_, _, p) = cs.multiply(v[2] - z, v[1] - z);
    let (_, _, o) = cs.multiply(p.into(), v[0] - z);
    o.into()
}

fn shuffle3<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    v: Vec<Variable>,
) -> Result<(), R1csError> {
    cs.specify_randomized_constraints(move |cs| {
        let z = cs.challenge_scalar(b"shuffle challenge");
        let px = product_minus(cs, &v[..3], z);
        let qy = product_minus(cs, &v[3..], z);
        cs.constrain(px - qy);
        Ok(())
    })
}

fn verify(s: &Statement, proof: &R1csProof, gens: &Generators) -> Result<(), R1csError> {
    let mut transcript = Transcript::new(b"R1CSVectors");
    let mut verifier = Verifier::new(&mut transcript);
    let vars: Vec<Variable> = s.commitments.iter().map(|c| verifier.commit(*c)).collect();
    match s.circuit.as_str() {
        "mul" => mul(&mut verifier, &vars),
        "range8" => range8(&mut verifier, vars[0])?,
        _ => shuffle3(&mut verifier, vars)?,
    }
    verifier.verify(proof, gens)
}

/// The one-phase layout of a proof's bytes when its second-phase points (bytes 97 to
/// 193 of the two-phase layout) are the identity: both layouts verify alike.
fn short_layout(bytes: &[u8]) -> Vec<u8> {
    if bytes.len() >= 193 && bytes[0] == 1 && bytes[97..193].iter().all(|b| *b == 0) {
        [&[0u8][..], &bytes[1..97], &bytes[193..]].concat()
    } else {
        bytes.to_vec()
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let Ok(proof) = R1csProof::from_bytes(bytes) else {
        return;
    };
    let encoded = proof.to_bytes();
    // A decoded proof keeps its layout, so it re-encodes to exactly its bytes.
    assert_eq!(encoded, bytes, "a decoded proof re-encodes to its bytes");
    assert_eq!(R1csProof::from_bytes(&encoded).ok(), Some(proof.clone()));
    assert_eq!(proof.serialized_size(), encoded.len());
    let f = fixture();
    let s = &f.statements[pick as usize % f.statements.len()];
    let first = verify(s, &proof, &f.gens);
    let second = verify(s, &proof, &f.gens);
    assert_eq!(first, second, "verification is deterministic");
    if first.is_ok() {
        assert!(
            s.valid_proofs
                .iter()
                .any(|p| short_layout(p) == short_layout(bytes)),
            "a proof the vectors do not list verifies for {}",
            s.circuit
        );
    }
});

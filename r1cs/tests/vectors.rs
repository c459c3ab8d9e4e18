//! Every case of `r1cs.json`: honest proofs verify, false statements and mutations
//! are rejected, and the one valid re-encoding is accepted.

mod common;

use curve25519_dalek::ristretto::CompressedRistretto;
use merlin::Transcript;
use r1cs::{Generators, R1csError, R1csProof, Verifier};

fn check(
    case: &serde_json::Value,
    gens: &Generators,
    label: &'static [u8],
) -> Result<(), R1csError> {
    let circuit = case["circuit"].as_str().expect("circuit name");
    let proof = R1csProof::from_bytes(&vectors::bytes(&case["proof"]))?;
    let mut transcript = Transcript::new(label);
    let mut verifier = Verifier::new(&mut transcript);
    let vars: Vec<_> = case["commitments"]
        .as_array()
        .expect("commitments")
        .iter()
        .map(|c| verifier.commit(CompressedRistretto(vectors::bytes32(c))))
        .collect();
    common::apply(&mut verifier, circuit, &vars, None)?;
    verifier.verify(&proof, gens)
}

#[test]
fn r1cs_vectors() {
    let file = vectors::load("r1cs.json");
    let label = file["transcript_label"].as_str().expect("label");
    assert_eq!(label, "R1CSVectors");
    let capacity = file["generators"]["bulletproofs_capacity"]
        .as_u64()
        .expect("capacity");
    let gens = Generators::new(capacity as usize);
    for (i, case) in vectors::cases(&file).iter().enumerate() {
        let valid = case["valid"].as_bool().expect("valid");
        let result = check(case, &gens, b"R1CSVectors");
        assert_eq!(
            result.is_ok(),
            valid,
            "case {i} ({} / {}): {result:?}",
            case["circuit"],
            case["what"]
        );
    }
}

#[test]
fn honest_vector_proofs_re_encode_to_the_same_bytes() {
    let file = vectors::load("r1cs.json");
    let mut seen = 0;
    for case in vectors::cases(&file) {
        if case["what"] == "honest" {
            let bytes = vectors::bytes(&case["proof"]);
            let proof = R1csProof::from_bytes(&bytes).expect("honest proof decodes");
            assert_eq!(proof.to_bytes(), bytes);
            assert_eq!(proof.serialized_size(), bytes.len());
            seen += 1;
        }
    }
    assert!(seen > 0);
}

//! The reference's cloak proofs (`cloak.json`): valid ones verify with our verifier,
//! singly and in one batch; every invalid one is rejected.

use batch::BatchVerifier;
use curve25519_dalek::ristretto::CompressedRistretto;
use merlin::Transcript;
use r1cs::{ConstraintSystem, Generators, R1csError, R1csProof, Verifier};
use serde_json::Value as Json;
use spacesuit::{cloak, CommittedValue};

fn committed(list: &Json) -> Vec<CommittedValue> {
    list.as_array()
        .expect("a list of values")
        .iter()
        .map(|v| CommittedValue {
            q: CompressedRistretto(vectors::bytes32(&v["q"])),
            f: CompressedRistretto(vectors::bytes32(&v["f"])),
        })
        .collect()
}

/// Builds the verifier's system for `case`, checks its size against the file, and
/// hands the proof to `check`.
fn replay<T>(
    case: &Json,
    transcript: &mut Transcript,
    check: impl FnOnce(Verifier<'_>, &R1csProof) -> Result<T, R1csError>,
) -> Result<T, R1csError> {
    let mut verifier = Verifier::new(transcript);
    let inputs: Vec<_> = committed(&case["inputs"])
        .iter()
        .map(|c| c.commit(&mut verifier))
        .collect();
    let outputs: Vec<_> = committed(&case["outputs"])
        .iter()
        .map(|c| c.commit(&mut verifier))
        .collect();
    cloak(&mut verifier, inputs, outputs)?;
    let first = case["multipliers_first_phase"].as_u64().unwrap() as usize;
    assert_eq!(verifier.metrics().multipliers, first, "{}", case["name"]);
    let proof = R1csProof::from_bytes(&vectors::bytes(&case["proof"]))?;
    check(verifier, &proof)
}

fn label(file: &Json) -> &'static [u8] {
    assert_eq!(file["transcript_label"], "CloakVectors");
    b"CloakVectors"
}

fn generators(file: &Json) -> Generators {
    let capacity = file["generators"]["bulletproofs_capacity"]
        .as_u64()
        .unwrap();
    Generators::new(capacity as usize)
}

#[test]
fn every_case_is_decided_as_the_file_says() {
    let file = vectors::load("cloak.json");
    let gens = generators(&file);
    for case in vectors::cases(&file) {
        let mut transcript = Transcript::new(label(&file));
        let result = replay(case, &mut transcript, |v, proof| v.verify(proof, &gens));
        let name = format!("{} / {}", case["name"], case["what"]);
        if case["valid"].as_bool().unwrap() {
            assert_eq!(result, Ok(()), "{name}");
        } else {
            assert!(result.is_err(), "{name} was accepted");
        }
    }
}

#[test]
fn valid_cases_verify_in_one_batch() {
    let file = vectors::load("cloak.json");
    let gens = generators(&file);
    let mut batch = BatchVerifier::new(&gens, rand::thread_rng());
    let valid = vectors::cases(&file)
        .iter()
        .filter(|c| c.as_bool_field("valid"));
    for case in valid {
        let mut transcript = Transcript::new(label(&file));
        replay(case, &mut transcript, |v, proof| {
            v.verify_batched(proof, &mut batch)
        })
        .expect("recorded");
    }
    assert!(!batch.is_empty());
    assert_eq!(batch.verify(), Ok(()));
}

#[test]
fn a_batch_with_one_invalid_case_fails() {
    let file = vectors::load("cloak.json");
    let gens = generators(&file);
    let mut batch = BatchVerifier::new(&gens, rand::thread_rng());
    let mut invalid_recorded = false;
    for case in vectors::cases(&file) {
        let mut transcript = Transcript::new(label(&file));
        let recorded = replay(case, &mut transcript, |v, proof| {
            v.verify_batched(proof, &mut batch)
        });
        // A mutation may already fail while the statement is built (an invalid point).
        invalid_recorded |= recorded.is_ok() && !case.as_bool_field("valid");
    }
    assert!(invalid_recorded, "no invalid case reached the batch");
    assert!(batch.verify().is_err());
}

trait Field {
    fn as_bool_field(&self, name: &str) -> bool;
}

impl Field for Json {
    fn as_bool_field(&self, name: &str) -> bool {
        self[name]
            .as_bool()
            .unwrap_or_else(|| panic!("no boolean {name}"))
    }
}

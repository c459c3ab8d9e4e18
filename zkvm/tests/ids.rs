//! The identifiers of `zkvm_ids.json`: contract IDs and ratcheted anchors, issuance
//! flavors, Taproot predicates with their call proofs.

use batch::{Generators, SingleVerifier};
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use encoding::Encodable;
use serde_json::Value as Json;
use zkvm::{issue_flavor, CallProof, Contract, Predicate, PredicateTree, ProgramItem};

fn cases(kind: &str) -> Vec<Json> {
    let file = vectors::load("zkvm_ids.json");
    let all: Vec<Json> = vectors::cases(&file)
        .iter()
        .filter(|c| c["kind"] == kind)
        .cloned()
        .collect();
    assert!(!all.is_empty(), "no {kind} cases");
    all
}

#[test]
fn contract_ids_and_ratcheted_anchors() {
    for case in cases("contract") {
        let bytes = vectors::bytes(&case["output_encoding"]);
        let contract = Contract::from_bytes(&bytes).expect("output decodes");
        assert_eq!(contract.encode_to_vec(), bytes, "re-encoding");
        let id = contract.id();
        assert_eq!(id.0, vectors::bytes32(&case["contract_id"]));
        assert_eq!(
            id.to_anchor().ratchet().0,
            vectors::bytes32(&case["ratcheted_anchor"])
        );
    }
}

#[test]
fn issuance_flavors() {
    for case in cases("issue_flavor") {
        let predicate = CompressedRistretto(vectors::bytes32(&case["predicate"]));
        let metadata = vectors::bytes(&case["metadata"]);
        let flavor = issue_flavor(&predicate, &metadata);
        assert_eq!(flavor.to_bytes(), vectors::bytes32(&case["flavor"]));
    }
}

#[test]
fn taproot_predicates_and_call_proofs() {
    let gens = Generators::new(0);
    for case in cases("taproot") {
        let inner = Predicate::opaque(CompressedRistretto(vectors::bytes32(&case["inner_key"])));
        let programs: Vec<ProgramItem> = case["programs"]
            .as_array()
            .expect("programs")
            .iter()
            .map(|p| ProgramItem::Bytecode(vectors::bytes(p)))
            .collect();
        let tree = PredicateTree::new(
            Some(inner),
            programs,
            vectors::bytes32(&case["blinding_key"]),
        )
        .expect("tree builds");
        assert_eq!(tree.point().0, vectors::bytes32(&case["predicate"]));
        assert_eq!(
            tree.adjustment_factor(),
            Scalar::from_canonical_bytes(vectors::bytes32(&case["adjustment_factor"])).unwrap()
        );
        for call in case["calls"].as_array().expect("calls") {
            let index = call["index"].as_u64().expect("index") as usize;
            let (proof, program) = tree.call_proof(index).expect("call proof");
            let expected = vectors::bytes(&call["call_proof"]);
            assert_eq!(proof.encode_to_vec(), expected);
            assert_eq!(program.to_bytes(), vectors::bytes(&call["program"]));
            let decoded = CallProof::from_bytes(&expected).expect("decodes");
            SingleVerifier::verify(&gens, |v| decoded.verify(&tree.point(), &program, v))
                .expect("call proof verifies");
        }
    }
}

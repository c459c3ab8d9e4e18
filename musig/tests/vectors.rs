//! The shared signature vectors: every valid case accepted and every invalid case
//! rejected, both by a single verifier and inside a batch.

use batch::{BatchVerifier, Generators};
use musig::{Multikey, Multimessage, MusigError, Signature, Transcript, VerificationKey};
use rand::thread_rng;
use serde_json::Value;

fn is_valid(case: &Value) -> bool {
    case["valid"].as_bool().expect("valid flag")
}

fn what(case: &Value) -> String {
    case["what"].as_str().unwrap_or("?").to_string()
}

fn single_transcript(message: &[u8]) -> Transcript {
    let mut t = Transcript::new(b"Starsig.sign_message");
    t.append_message(b"test.sign", message);
    t
}

fn multi_transcript(txid: &[u8]) -> Transcript {
    let mut t = Transcript::new(b"ZkVM.signtx");
    t.append_message(b"txid", txid);
    t
}

struct SingleCase {
    key: VerificationKey,
    message: Vec<u8>,
    signature: Result<Signature, MusigError>,
}

fn single_case(case: &Value) -> SingleCase {
    SingleCase {
        key: VerificationKey::from_bytes(&vectors::bytes(&case["public_key"])).unwrap(),
        message: vectors::bytes(&case["message"]),
        signature: Signature::from_bytes(&vectors::bytes(&case["signature"])),
    }
}

/// Verifies one case alone in a batch of its own.
fn batch_single(gens: &Generators, c: &SingleCase) -> Result<(), MusigError> {
    let sig = c.signature?;
    let mut batch = BatchVerifier::new(gens, thread_rng());
    sig.verify(&mut single_transcript(&c.message), &c.key, &mut batch)?;
    Ok(batch.verify()?)
}

#[test]
fn single_message_vectors() {
    let file = vectors::load("musig_single.json");
    let gens = Generators::new(0);
    let mut all_valid = BatchVerifier::new(&gens, thread_rng());
    for case in vectors::cases(&file) {
        let c = single_case(case);
        let single = c
            .signature
            .and_then(|sig| sig.verify_single(&mut single_transcript(&c.message), &c.key));
        let batched = batch_single(&gens, &c);
        assert_eq!(single.is_ok(), is_valid(case), "single: {}", what(case));
        assert_eq!(batched.is_ok(), is_valid(case), "batch: {}", what(case));
        if is_valid(case) {
            let sig = c.signature.unwrap();
            let mut t = single_transcript(&c.message);
            sig.verify(&mut t, &c.key, &mut all_valid).unwrap();
            // The encoding is canonical: decoding then encoding gives the same bytes.
            assert_eq!(sig.to_bytes().to_vec(), vectors::bytes(&case["signature"]));
        }
    }
    assert!(!all_valid.is_empty());
    assert_eq!(all_valid.verify(), Ok(()));
}

#[test]
fn single_message_mutations_fail_for_the_named_reason() {
    let file = vectors::load("musig_single.json");
    for case in vectors::cases(&file) {
        let c = single_case(case);
        let result = c
            .signature
            .and_then(|sig| sig.verify_single(&mut single_transcript(&c.message), &c.key));
        match what(case).as_str() {
            "honest" => assert_eq!(result, Ok(())),
            "non-canonical s (s + group order)" => assert_eq!(
                result,
                Err(MusigError::NonCanonicalScalar {
                    what: "signature s"
                })
            ),
            "bit flipped in R" => assert!(matches!(
                result,
                Err(MusigError::InvalidSignature | MusigError::InvalidPoint { .. })
            )),
            _ => assert!(
                matches!(
                    result,
                    Err(MusigError::InvalidSignature | MusigError::NonCanonicalScalar { .. })
                ),
                "{}: {result:?}",
                what(case)
            ),
        }
    }
}

struct MultiCase {
    txid: Vec<u8>,
    context: Multimessage<Vec<u8>>,
    signature: Result<Signature, MusigError>,
}

fn multi_case(case: &Value) -> MultiCase {
    let keys = case["keys"].as_array().expect("keys");
    let messages = case["messages"].as_array().expect("messages");
    assert_eq!(keys.len(), messages.len());
    let pairs = keys
        .iter()
        .zip(messages)
        .map(|(k, m)| {
            let key = VerificationKey::from_bytes(&vectors::bytes(k)).unwrap();
            (key, vectors::bytes(m))
        })
        .collect();
    MultiCase {
        txid: vectors::bytes(&case["txid"]),
        context: Multimessage::new(pairs).unwrap(),
        signature: Signature::from_bytes(&vectors::bytes(&case["signature"])),
    }
}

#[test]
fn multi_message_vectors() {
    let file = vectors::load("musig_multi.json");
    let gens = Generators::new(0);
    let mut all_valid = BatchVerifier::new(&gens, thread_rng());
    for case in vectors::cases(&file) {
        let c = multi_case(case);
        let single = c
            .signature
            .and_then(|sig| sig.verify_multi_single(&mut multi_transcript(&c.txid), &c.context));
        let batched = c.signature.and_then(|sig| {
            let mut batch = BatchVerifier::new(&gens, thread_rng());
            sig.verify_multi(&mut multi_transcript(&c.txid), &c.context, &mut batch)?;
            Ok(batch.verify()?)
        });
        assert_eq!(single.is_ok(), is_valid(case), "single: {}", what(case));
        assert_eq!(batched.is_ok(), is_valid(case), "batch: {}", what(case));
        if !is_valid(case) {
            assert_eq!(single, Err(MusigError::InvalidSignature), "{}", what(case));
        } else {
            let sig = c.signature.unwrap();
            sig.verify_multi(&mut multi_transcript(&c.txid), &c.context, &mut all_valid)
                .unwrap();
        }
    }
    assert!(!all_valid.is_empty());
    assert_eq!(all_valid.verify(), Ok(()));
}

#[test]
fn key_aggregation_vectors() {
    let file = vectors::load("musig_keyagg.json");
    for case in vectors::cases(&file) {
        let keys: Vec<_> = case["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| VerificationKey::from_bytes(&vectors::bytes(k)).unwrap())
            .collect();
        let one = keys.len() == 1;
        let first = keys[0];
        let multikey = Multikey::new(keys).unwrap();
        let expected = vectors::bytes32(&case["aggregated_key"]);
        assert_eq!(multikey.aggregated_key().to_bytes(), expected);
        if one {
            assert_eq!(multikey.aggregated_key(), &first);
        }
    }
}

//! Signatures inside batches, and algebraic laws.

use batch::{BatchError, BatchVerifier, Generators};
use musig::{Multikey, Multimessage, MusigError, Signature, SigningKey, Transcript};
use proptest::prelude::*;
use rand::thread_rng;

fn transcript(i: usize) -> Transcript {
    let mut t = Transcript::new(b"batch test");
    t.append_u64(b"i", i as u64);
    t
}

#[test]
fn a_batch_with_one_bad_signature_fails() {
    let gens = Generators::new(0);
    let keys: Vec<_> = (0..64)
        .map(|_| SigningKey::random(&mut thread_rng()))
        .collect();
    let sigs: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| Signature::sign(&mut transcript(i), k, &mut thread_rng()))
        .collect();

    let check = |bad: Option<usize>| {
        let mut batch = BatchVerifier::new(&gens, thread_rng());
        for (i, (sig, key)) in sigs.iter().zip(&keys).enumerate() {
            // The bad one is checked against another message.
            let t = if bad == Some(i) { i + 1000 } else { i };
            sig.verify(&mut transcript(t), &key.verification_key(), &mut batch)
                .unwrap();
        }
        assert_eq!(batch.len(), sigs.len());
        batch.verify()
    };
    assert_eq!(check(None), Ok(()));
    for bad in [0, 17, 63] {
        assert_eq!(check(Some(bad)), Err(BatchError::BatchFailed));
    }
}

#[test]
fn single_and_multi_message_signatures_share_a_batch() {
    let gens = Generators::new(0);
    let mut batch = BatchVerifier::new(&gens, thread_rng());
    let keys: Vec<_> = (0..3)
        .map(|_| SigningKey::random(&mut thread_rng()))
        .collect();
    let context = Multimessage::new(
        keys.iter()
            .map(|k| (k.verification_key(), b"m".to_vec()))
            .collect(),
    )
    .unwrap();
    let multi =
        Signature::sign_multi(&mut transcript(0), &keys, &context, &mut thread_rng()).unwrap();
    let single = Signature::sign(&mut transcript(1), &keys[0], &mut thread_rng());
    multi
        .verify_multi(&mut transcript(0), &context, &mut batch)
        .unwrap();
    single
        .verify(&mut transcript(1), &keys[0].verification_key(), &mut batch)
        .unwrap();
    assert_eq!(batch.verify(), Ok(()));
}

#[test]
fn an_invalid_r_never_reaches_the_batch() {
    let gens = Generators::new(0);
    let key = SigningKey::random(&mut thread_rng());
    let mut sig = Signature::sign(&mut transcript(0), &key, &mut thread_rng());
    sig.R = curve25519_dalek::ristretto::CompressedRistretto([0xff; 32]);
    let mut batch = BatchVerifier::new(&gens, thread_rng());
    assert_eq!(
        sig.verify(&mut transcript(0), &key.verification_key(), &mut batch),
        Err(MusigError::InvalidPoint {
            what: "signature R"
        })
    );
    assert!(batch.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn signatures_round_trip_and_verify(seed in any::<[u8; 32]>(), message in proptest::collection::vec(any::<u8>(), 0..64)) {
        let key = SigningKey::new(curve25519_dalek::Scalar::from_bytes_mod_order(seed));
        let sig = Signature::sign_message(b"prop", &message, &key, &mut thread_rng());
        let decoded = Signature::from_bytes(&sig.to_bytes()).unwrap();
        prop_assert_eq!(decoded, sig);
        prop_assert_eq!(decoded.verify_message(b"prop", &message, &key.verification_key()), Ok(()));
    }

    #[test]
    fn decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        let _ = Signature::from_bytes(&bytes);
        let _ = musig::VerificationKey::from_bytes(&bytes);
        let _ = musig::PublicNonce::from_bytes(&bytes);
        let _ = musig::PartialSignature::from_bytes(&bytes);
        let _ = SigningKey::from_bytes(&bytes);
    }

    #[test]
    fn aggregation_is_linear_in_the_secrets(seeds in proptest::collection::vec(any::<[u8; 32]>(), 1..5)) {
        let keys: Vec<_> = seeds
            .iter()
            .map(|s| SigningKey::new(curve25519_dalek::Scalar::from_bytes_mod_order(*s)))
            .collect();
        let multikey = Multikey::new(keys.iter().map(SigningKey::verification_key).collect()).unwrap();
        let secret = multikey.aggregated_signing_key(&keys).unwrap();
        prop_assert_eq!(&secret.verification_key(), multikey.aggregated_key());
        let sig = Signature::sign(&mut transcript(9), &secret, &mut thread_rng());
        prop_assert_eq!(sig.verify_single(&mut transcript(9), multikey.aggregated_key()), Ok(()));
    }
}

#[test]
fn a_batch_that_refuses_statements_is_reported() {
    use batch::BatchVerification;
    let gens = Generators::new(0);
    let mut batch = BatchVerifier::new(&gens, thread_rng());
    let zero = curve25519_dalek::Scalar::ZERO;
    // A statement using a Bulletproofs generator the batch does not hold poisons it.
    let refused = batch.append("other", zero, zero, [zero], [], []);
    assert!(refused.is_err());
    let key = SigningKey::random(&mut thread_rng());
    let sig = Signature::sign(&mut transcript(0), &key, &mut thread_rng());
    assert_eq!(
        sig.verify(&mut transcript(0), &key.verification_key(), &mut batch),
        Err(MusigError::Batch(BatchError::TooManyGenerators {
            needed: 1,
            capacity: 0
        }))
    );
}

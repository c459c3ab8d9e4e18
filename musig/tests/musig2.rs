//! Two-round MuSig2 signing for 1 to 8 parties, for both contexts: the honest result
//! verifies as an ordinary signature, and a dishonest share is named.

use musig::{
    Multikey, Multimessage, MusigContext, MusigError, PartialSignature, PublicNonce, SecretNonce,
    Session, Signature, SigningKey, Transcript, VerificationKey,
};
use rand::thread_rng;

fn message_transcript() -> Transcript {
    let mut t = Transcript::new(b"musig2 test");
    t.append_message(b"msg", b"pay 10 to bob");
    t
}

fn signing_keys(n: usize) -> Vec<SigningKey> {
    (0..n)
        .map(|_| SigningKey::random(&mut thread_rng()))
        .collect()
}

fn publics(keys: &[SigningKey]) -> Vec<VerificationKey> {
    keys.iter().map(SigningKey::verification_key).collect()
}

fn multimessage(keys: &[SigningKey]) -> Multimessage<Vec<u8>> {
    let pairs = publics(keys)
        .into_iter()
        .enumerate()
        .map(|(i, k)| (k, format!("input {i}").into_bytes()))
        .collect();
    Multimessage::new(pairs).unwrap()
}

/// Round one for every signer.
fn round_one(keys: &[SigningKey]) -> (Vec<SecretNonce>, Vec<PublicNonce>) {
    keys.iter()
        .map(|k| SecretNonce::generate(&message_transcript(), k, &mut thread_rng()))
        .unzip()
}

/// Both rounds; each signer builds its own session from the broadcast nonces. The
/// signer at `cheat`, if any, sends a share for another message.
fn run<C: MusigContext + Clone>(
    keys: &[SigningKey],
    context: &C,
    cheat: Option<usize>,
) -> (Session<C>, Vec<PartialSignature>) {
    let (secrets, publics) = round_one(keys);
    let aggregator = Session::new(&message_transcript(), context.clone(), publics.clone()).unwrap();
    let shares = secrets
        .into_iter()
        .zip(keys)
        .enumerate()
        .map(|(i, (nonce, key))| {
            let mut t = message_transcript();
            if cheat == Some(i) {
                t.append_message(b"extra", b"something else");
            }
            let session = Session::new(&t, context.clone(), publics.clone()).unwrap();
            session.sign(i, key, nonce).unwrap()
        })
        .collect();
    (aggregator, shares)
}

#[test]
fn aggregated_key_signatures_for_one_to_eight_parties() {
    for n in 1..=8 {
        let keys = signing_keys(n);
        let multikey = Multikey::new(publics(&keys)).unwrap();
        let (session, shares) = run(&keys, &multikey, None);
        let sig = session.aggregate(&shares).unwrap();
        let key = multikey.aggregated_key();
        assert_eq!(
            sig.verify_single(&mut message_transcript(), key),
            Ok(()),
            "n = {n}"
        );
        let mut other = Transcript::new(b"musig2 test");
        other.append_message(b"msg", b"pay 11 to bob");
        assert_eq!(
            sig.verify_single(&mut other, key),
            Err(MusigError::InvalidSignature)
        );
    }
}

#[test]
fn multi_message_signatures_for_one_to_eight_parties() {
    for n in 1..=8 {
        let keys = signing_keys(n);
        let context = multimessage(&keys);
        let (session, shares) = run(&keys, &context, None);
        let sig = session.aggregate(&shares).unwrap();
        assert_eq!(
            sig.verify_multi_single(&mut message_transcript(), &context),
            Ok(()),
            "n = {n}"
        );
    }
}

#[test]
fn a_dishonest_share_is_named_for_every_position() {
    for n in 1..=8 {
        let keys = signing_keys(n);
        let multikey = Multikey::new(publics(&keys)).unwrap();
        let context = multimessage(&keys);
        for cheat in [0, n / 2, n - 1] {
            let (session, shares) = run(&keys, &multikey, Some(cheat));
            let expected = Err(MusigError::InvalidShare { index: cheat });
            assert_eq!(session.aggregate(&shares), expected);
            assert_eq!(
                session.verify_share(cheat, &shares[cheat]),
                expected.map(|_| ())
            );
            let (session, shares) = run(&keys, &context, Some(cheat));
            assert_eq!(session.aggregate(&shares), expected);
        }
    }
}

#[test]
fn a_forged_share_is_named() {
    let keys = signing_keys(3);
    let multikey = Multikey::new(publics(&keys)).unwrap();
    let (session, mut shares) = run(&keys, &multikey, None);
    shares[1] = PartialSignature::from(*shares[1].as_scalar() + curve25519_dalek::Scalar::ONE);
    assert_eq!(
        session.aggregate(&shares),
        Err(MusigError::InvalidShare { index: 1 })
    );
}

#[test]
fn nonces_must_match_the_signers() {
    let keys = signing_keys(3);
    let multikey = Multikey::new(publics(&keys)).unwrap();
    let (_, publics) = round_one(&keys);
    assert_eq!(
        Session::new(&message_transcript(), multikey, publics[..2].to_vec()).err(),
        Some(MusigError::CountMismatch {
            what: "public nonces",
            expected: 3,
            got: 2
        })
    );
}

#[test]
fn shares_must_match_the_signers() {
    let keys = signing_keys(3);
    let context = multimessage(&keys);
    let (session, shares) = run(&keys, &context, None);
    assert_eq!(
        session.aggregate(&shares[..2]),
        Err(MusigError::CountMismatch {
            what: "partial signatures",
            expected: 3,
            got: 2
        })
    );
}

#[test]
fn signing_refuses_a_wrong_position_key_or_nonce() {
    let keys = signing_keys(3);
    let multikey = Multikey::new(publics(&keys)).unwrap();
    let (mut secrets, publics) = round_one(&keys);
    let session = Session::new(&message_transcript(), multikey, publics).unwrap();
    let third = secrets.pop().unwrap();
    let second = secrets.pop().unwrap();
    let first = secrets.pop().unwrap();

    assert_eq!(
        session.sign(3, &keys[0], first).err(),
        Some(MusigError::SignerOutOfRange {
            index: 3,
            signers: 3
        })
    );
    assert_eq!(
        session.sign(1, &keys[0], second).err(),
        Some(MusigError::KeyMismatch { index: 1 })
    );
    // Signer 2's key with a nonce that is not the one the session holds for it.
    let (stray, _) = SecretNonce::generate(&message_transcript(), &keys[2], &mut thread_rng());
    assert_eq!(
        session.sign(2, &keys[2], stray).err(),
        Some(MusigError::NonceMismatch { index: 2 })
    );
    assert!(session.sign(2, &keys[2], third).is_ok());
    assert_eq!(
        session.verify_share(5, &PartialSignature::from(curve25519_dalek::Scalar::ONE)),
        Err(MusigError::SignerOutOfRange {
            index: 5,
            signers: 3
        })
    );
}

#[test]
fn session_signature_equals_the_one_holder_result_format() {
    // One holder of all keys and a MuSig2 session produce signatures that the same
    // verifier accepts for the same context.
    let keys = signing_keys(4);
    let context = multimessage(&keys);
    let one_holder = Signature::sign_multi(
        &mut message_transcript(),
        &keys,
        &context,
        &mut thread_rng(),
    )
    .unwrap();
    let (session, shares) = run(&keys, &context, None);
    let musig2 = session.aggregate(&shares).unwrap();
    for sig in [one_holder, musig2] {
        assert_eq!(
            sig.verify_multi_single(&mut message_transcript(), &context),
            Ok(())
        );
    }
    assert_eq!(
        session.nonce_commitment(),
        &musig2.R,
        "the session's R is the signature's"
    );
}

#[test]
fn public_nonces_survive_the_wire() {
    let keys = signing_keys(2);
    let context = multimessage(&keys);
    let (secrets, publics) = round_one(&keys);
    let received: Vec<_> = publics
        .iter()
        .map(|p| PublicNonce::from_bytes(&p.to_bytes()).unwrap())
        .collect();
    let session = Session::new(&message_transcript(), context.clone(), received).unwrap();
    let shares: Vec<_> = secrets
        .into_iter()
        .enumerate()
        .map(|(i, nonce)| {
            let share = session.sign(i, &keys[i], nonce).unwrap();
            PartialSignature::from_bytes(&share.to_bytes()).unwrap()
        })
        .collect();
    let sig = session.aggregate(&shares).unwrap();
    assert_eq!(
        sig.verify_multi_single(&mut message_transcript(), &context),
        Ok(())
    );
}

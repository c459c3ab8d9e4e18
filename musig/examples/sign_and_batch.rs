//! Signs with several keys, aggregates keys, runs a two-round MuSig2 session, and checks
//! every signature in one batched multiscalar multiplication.
//!
//! Run with `cargo run --release -p musig --example sign_and_batch`.

use batch::{BatchVerifier, Generators};
use musig::{
    Multikey, Multimessage, PublicNonce, SecretNonce, Session, Signature, SigningKey, Transcript,
    VerificationKey,
};
use rand::rngs::OsRng;
use std::time::Instant;

fn message_transcript(message: &[u8]) -> Transcript {
    let mut t = Transcript::new(b"example.sign_and_batch");
    t.append_message(b"message", message);
    t
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = OsRng;
    let keys: Vec<SigningKey> = (0..5).map(|_| SigningKey::random(&mut rng)).collect();
    let public: Vec<VerificationKey> = keys.iter().map(SigningKey::verification_key).collect();
    println!("made {} signing keys", keys.len());

    // Each key signs its own message.
    let mut statements: Vec<(Vec<u8>, VerificationKey, Signature)> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let message = format!("payment order {i}").into_bytes();
        let sig = Signature::sign(&mut message_transcript(&message), key, &mut rng);
        println!(
            "key {i} ({}) signed {:?}",
            public[i],
            String::from_utf8_lossy(&message)
        );
        statements.push((message, public[i], sig));
    }

    // Three keys aggregate into one; they sign together in two rounds (MuSig2).
    let multikey = Multikey::new(public[..3].to_vec())?;
    let aggregated = *multikey.aggregated_key();
    println!("aggregated keys 0, 1, 2 into {aggregated}");
    let message = b"spend from the shared vault".to_vec();
    let transcript = message_transcript(&message);
    let (secret_nonces, public_nonces): (Vec<SecretNonce>, Vec<PublicNonce>) = keys[..3]
        .iter()
        .map(|k| SecretNonce::generate(&transcript, k, &mut rng))
        .unzip();
    println!("round 1: three signers exchanged nonce pairs");
    let session = Session::new(&transcript, multikey, public_nonces)?;
    let shares = secret_nonces
        .into_iter()
        .enumerate()
        .map(|(i, nonce)| session.sign(i, &keys[i], nonce))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, share) in shares.iter().enumerate() {
        session.verify_share(i, share)?;
    }
    let joint = session.aggregate(&shares)?;
    println!("round 2: three partial signatures checked and summed into one signature");
    statements.push((message, aggregated, joint));

    // Keys 3 and 4 sign one multi-message signature, as a transaction's signtx does.
    let pairs = vec![
        (public[3], b"output 0".to_vec()),
        (public[4], b"output 1".to_vec()),
    ];
    let multimessage = Multimessage::new(pairs)?;
    let mut t = message_transcript(b"txid");
    let multi_sig = Signature::sign_multi(&mut t, &keys[3..], &multimessage, &mut rng)?;
    println!("keys 3 and 4 made one multi-message signature over two messages");

    // Everything goes into one batch: one multiscalar multiplication at the end.
    let gens = Generators::new(0);
    let started = Instant::now();
    let mut batch = BatchVerifier::new(&gens, OsRng);
    for (message, key, sig) in &statements {
        sig.verify(&mut message_transcript(message), key, &mut batch)?;
    }
    multi_sig.verify_multi(&mut message_transcript(b"txid"), &multimessage, &mut batch)?;
    let count = batch.len();
    batch.verify()?;
    println!(
        "batch-verified {count} signatures in one multiplication ({:.2?})",
        started.elapsed()
    );

    // A forged signature makes the whole batch fail.
    let mut batch = BatchVerifier::new(&gens, OsRng);
    for (i, (message, key, sig)) in statements.iter().enumerate() {
        let key = if i == 0 { &public[1] } else { key };
        sig.verify(&mut message_transcript(message), key, &mut batch)?;
    }
    match batch.verify() {
        Err(e) => println!("a batch with signature 0 checked against the wrong key fails: {e}"),
        Ok(()) => return Err("a forged batch verified".into()),
    }
    Ok(())
}

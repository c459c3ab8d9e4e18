//! Keys and signatures (Schnorr, MuSig multi-message, key aggregation, key trees).
//! What must hold: keys, extended keys and signatures that decode re-encode to
//! themselves; a signature that verifies for a vector statement (single key or
//! multi-message) is the vector's honest signature; key aggregation is
//! deterministic and one key aggregates to itself.
#![no_main]

use keytree::{Xprv, Xpub};
use libfuzzer_sys::fuzz_target;
use musig::{Multikey, Multimessage, Signature, Transcript, VerificationKey};
use std::sync::OnceLock;

struct Statements {
    single_key: VerificationKey,
    single_message: Vec<u8>,
    single_signature: Signature,
    multi_txid: Vec<u8>,
    multi: Multimessage<Vec<u8>>,
    multi_signature: Signature,
}

fn honest(file: &str) -> serde_json::Value {
    let file = vectors::load(file);
    vectors::cases(&file)
        .iter()
        .find(|c| c["valid"] == true && c["what"] == "honest")
        .expect("an honest case")
        .clone()
}

fn statements() -> &'static Statements {
    static S: OnceLock<Statements> = OnceLock::new();
    S.get_or_init(|| {
        let single = honest("musig_single.json");
        let multi = honest("musig_multi.json");
        let key = |v: &serde_json::Value| VerificationKey::from_bytes(&vectors::bytes(v)).unwrap();
        let pairs = multi["keys"]
            .as_array()
            .unwrap()
            .iter()
            .zip(multi["messages"].as_array().unwrap())
            .map(|(k, m)| (key(k), vectors::bytes(m)))
            .collect();
        Statements {
            single_key: key(&single["public_key"]),
            single_message: vectors::bytes(&single["message"]),
            single_signature: Signature::from_bytes(&vectors::bytes(&single["signature"])).unwrap(),
            multi_txid: vectors::bytes(&multi["txid"]),
            multi: Multimessage::new(pairs).unwrap(),
            multi_signature: Signature::from_bytes(&vectors::bytes(&multi["signature"])).unwrap(),
        }
    })
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

fuzz_target!(|data: &[u8]| {
    let s = statements();
    if let Some(bytes) = data.get(..64) {
        if let Ok(sig) = Signature::from_bytes(bytes) {
            assert_eq!(sig.to_bytes().as_slice(), bytes);
            let mut t = single_transcript(&s.single_message);
            if sig.verify_single(&mut t, &s.single_key).is_ok() {
                assert_eq!(
                    sig, s.single_signature,
                    "only the honest signature verifies"
                );
            }
            let mut t = multi_transcript(&s.multi_txid);
            if sig.verify_multi_single(&mut t, &s.multi).is_ok() {
                assert_eq!(sig, s.multi_signature, "only the honest signature verifies");
            }
        }
        if let Ok(xpub) = Xpub::from_bytes(bytes) {
            assert_eq!(xpub.to_bytes().as_slice(), bytes);
        }
        if let Ok(xprv) = Xprv::from_bytes(bytes) {
            assert_eq!(xprv.to_bytes().as_slice(), bytes);
            let xpub = xprv.to_xpub();
            let back = Xpub::from_bytes(&xpub.to_bytes()).expect("an xprv's xpub decodes");
            assert_eq!(back.to_bytes(), xpub.to_bytes());
        }
    }
    let mut keys = Vec::new();
    for chunk in data.chunks_exact(32).take(4) {
        if let Ok(key) = VerificationKey::from_bytes(chunk) {
            assert_eq!(key.as_bytes().as_slice(), chunk);
            keys.push(key);
        }
    }
    if let Ok(agg) = Multikey::new(keys.clone()) {
        let again = Multikey::new(keys.clone()).expect("deterministic");
        assert_eq!(
            agg.aggregated_key().as_bytes(),
            again.aggregated_key().as_bytes()
        );
        if keys.len() == 1 {
            let one = agg.aggregated_key().as_bytes();
            assert_eq!(one, keys[0].as_bytes(), "one key aggregates to itself");
        }
    }
});

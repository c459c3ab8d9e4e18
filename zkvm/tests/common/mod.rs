//! Helpers shared by the integration tests.
#![allow(dead_code)]

use curve25519_dalek::ristretto::CompressedRistretto;
use serde_json::Value as Json;
use zkvm::{Contract, ContractId, Generators, TxEntry, TxHeader};

/// The generators the vectors were made with.
pub fn gens() -> Generators {
    Generators::new(1024)
}

/// The header of a vector case.
pub fn header(case: &Json) -> TxHeader {
    let h = &case["header"];
    TxHeader {
        version: h["version"].as_u64().expect("version"),
        mintime_ms: h["mintime_ms"].as_u64().expect("mintime"),
        maxtime_ms: h["maxtime_ms"].as_u64().expect("maxtime"),
    }
}

pub fn point(v: &Json) -> CompressedRistretto {
    CompressedRistretto(vectors::bytes32(v))
}

/// The log entries the vector lists, as our types.
pub fn log(case: &Json) -> Vec<TxEntry> {
    case["log"]
        .as_array()
        .expect("log")
        .iter()
        .map(|e| match e["type"].as_str().expect("type") {
            "header" => TxEntry::Header(header(case)),
            "input" => TxEntry::Input(ContractId(vectors::bytes32(&e["contract_id"]))),
            "output" => {
                let c = Contract::from_bytes(&vectors::bytes(&e["output"])).expect("output");
                assert_eq!(c.id().0, vectors::bytes32(&e["contract_id"]));
                TxEntry::Output(Box::new(c))
            }
            "issue" => TxEntry::Issue(point(&e["qty"]), point(&e["flv"])),
            "retire" => TxEntry::Retire(point(&e["qty"]), point(&e["flv"])),
            "fee" => TxEntry::Fee(e["amount"].as_u64().expect("amount")),
            "data" => TxEntry::Data(vectors::bytes(&e["data"])),
            other => panic!("unknown log entry {other}"),
        })
        .collect()
}

use curve25519_dalek::scalar::Scalar;
use rand::rngs::StdRng;
use rand::SeedableRng;
use zkvm::{Anchor, Commitment, PortableItem, Predicate, SigningKey, Value};

/// A deterministic RNG for a test.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A signing key from a small number.
pub fn key(n: u64) -> SigningKey {
    SigningKey::new(Scalar::from(n) + Scalar::from(1_000_003u64))
}

/// An unspent output holding `qty` of `flavor` under `predicate`, with open
/// commitments (as a wallet keeps them).
pub fn utxo(rng: &mut StdRng, predicate: Predicate, qty: u64, flavor: Scalar) -> Contract {
    let mut anchor = [0u8; 32];
    rand::RngCore::fill_bytes(rng, &mut anchor);
    Contract {
        predicate,
        payload: vec![PortableItem::Value(Value {
            qty: Commitment::blinded(qty, rng),
            flv: Commitment::blinded(flavor, rng),
        })],
        anchor: Anchor(anchor),
    }
}

/// A header valid at any time.
pub fn any_time() -> TxHeader {
    TxHeader {
        version: 1,
        mintime_ms: 0,
        maxtime_ms: u64::MAX,
    }
}

use musig::{MusigContext, SecretNonce, Session};

/// Runs both MuSig2 rounds for `context` with every signer's key held locally
/// (`keys[i]` is signer `i`), as the parties would over a network.
pub fn musig_sign<C: MusigContext>(
    transcript: &merlin::Transcript,
    context: C,
    keys: &[SigningKey],
    rng: &mut StdRng,
) -> zkvm::Signature {
    let (secrets, publics): (Vec<_>, Vec<_>) = keys
        .iter()
        .map(|k| SecretNonce::generate(transcript, k, rng))
        .unzip();
    let session = Session::new(transcript, context, publics).expect("one nonce per signer");
    let shares: Vec<_> = secrets
        .into_iter()
        .zip(keys)
        .enumerate()
        .map(|(i, (nonce, key))| session.sign(i, key, nonce).expect("signer's share"))
        .collect();
    session.aggregate(&shares).expect("shares verify")
}

/// Proves `program` valid at any time, signs with the predicates' keys, verifies.
pub fn prove_sign_verify(
    program: zkvm::Program,
    header: TxHeader,
    rng: &mut StdRng,
) -> Result<zkvm::VerifiedTx, zkvm::VmError> {
    let gens = gens();
    let tx = zkvm::Prover::build_tx(program, header, &gens, rng)?.sign(rng)?;
    zkvm::Verifier::verify_tx(&tx, &gens)
}

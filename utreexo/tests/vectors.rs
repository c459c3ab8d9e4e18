//! The shared conformance vectors of `utreexo.json`: every generation's deletions
//! (with the proofs the reference gave), insertions, root and count, and every live
//! item's proof before and after catch-up.

use encoding::Encodable;
use merlin::Transcript;
use serde_json::Value;
use utreexo::{Forest, Hash, MerkleItem, Path, Proof, TrackedProof, UtreexoError};

/// A contract ID, committed as the reference's UTXO leaves are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ContractId([u8; 32]);

impl MerkleItem for ContractId {
    fn commit(&self, t: &mut Transcript) {
        t.append_message(b"contract", &self.0);
    }
}

fn id(v: &Value) -> ContractId {
    ContractId(vectors::bytes32(v))
}

fn proof(v: &Value) -> Proof {
    match v["kind"].as_str().expect("kind") {
        "transient" => Proof::Transient,
        "committed" => Proof::Committed(Path {
            position: v["position"].as_u64().expect("position"),
            neighbors: v["neighbors"]
                .as_array()
                .expect("neighbors")
                .iter()
                .map(|n| Hash(vectors::bytes32(n)))
                .collect(),
        }),
        other => panic!("unknown proof kind {other}"),
    }
}

fn list(v: &Value) -> &[Value] {
    v.as_array().expect("array")
}

#[test]
fn label_and_empty_root() {
    let file = vectors::load("utreexo.json");
    assert_eq!(file["label"], "ZkVM.utreexo");
    assert_eq!(utreexo::LABEL, b"ZkVM.utreexo");
    assert_eq!(
        Forest::new().root(),
        Hash(vectors::bytes32(&file["empty_root"]))
    );
}

/// Replays every case generation by generation, checking every field.
#[test]
fn generations_replay_exactly() {
    let file = vectors::load("utreexo.json");
    for case in vectors::cases(&file) {
        let mut forest = Forest::new();
        for (g, generation) in list(&case["generations"]).iter().enumerate() {
            let mut work = forest.work();
            for d in list(&generation["deleted"]) {
                let p = proof(&d["proof"]);
                work.delete(&id(&d["item"]), &p)
                    .unwrap_or_else(|e| panic!("generation {g}: deletion refused: {e}"));
            }
            for i in list(&generation["inserted"]) {
                work.insert(&id(i)).unwrap();
            }
            let (next, catchup) = work.normalize();
            assert_eq!(
                next.root(),
                Hash(vectors::bytes32(&generation["root"])),
                "generation {g}"
            );
            assert_eq!(next.count(), generation["count"].as_u64().unwrap());
            assert_eq!(next.generation(), forest.generation() + 1);
            for p in list(&generation["proofs_after"]) {
                let item = id(&p["item"]);
                let old = proof(&p["old_proof"]);
                let new = proof(&p["new_proof"]);
                assert_eq!(
                    catchup.update_proof(&item, &old).as_ref(),
                    Ok(&new),
                    "generation {g}"
                );
                let tracked = TrackedProof::new(forest.generation(), old);
                let updated = catchup.update(&item, &tracked).unwrap();
                assert_eq!(updated, TrackedProof::new(next.generation(), new.clone()));
                assert_eq!(next.verify(&item, &new), Ok(()));
                // The v1 encoding of the new proof round-trips.
                assert_eq!(Proof::from_bytes(&new.encode_to_vec()).as_ref(), Ok(&new));
            }
            forest = next;
        }
    }
}

/// The deletions of the vectors, replayed with one thing wrong, are refused.
#[test]
fn tampered_deletions_are_refused() {
    let file = vectors::load("utreexo.json");
    let mut checked = 0;
    for case in vectors::cases(&file) {
        let mut forest = Forest::new();
        for generation in list(&case["generations"]) {
            let work = forest.work();
            for d in list(&generation["deleted"]) {
                let item = id(&d["item"]);
                let Proof::Committed(path) = proof(&d["proof"]) else {
                    continue;
                };
                let mut w = work.clone();
                let other = ContractId([0xee; 32]);
                assert!(w.delete(&other, &Proof::Committed(path.clone())).is_err());
                if let Some(first) = path.neighbors.first() {
                    let mut bad = path.clone();
                    bad.neighbors[0] = Hash([first.0[0] ^ 1; 32]);
                    assert!(w.delete(&item, &Proof::Committed(bad)).is_err());
                    let mut flipped = path.clone();
                    flipped.position ^= 1;
                    assert!(w.delete(&item, &Proof::Committed(flipped)).is_err());
                }
                let mut far = path.clone();
                far.position = forest.count();
                assert!(matches!(
                    w.delete(&item, &Proof::Committed(far)),
                    Err(UtreexoError::PositionOutOfRange { .. })
                ));
                // Nothing above changed the forest: the true proof still works once.
                w.delete(&item, &Proof::Committed(path.clone())).unwrap();
                assert_eq!(
                    w.delete(&item, &Proof::Committed(path)),
                    Err(UtreexoError::AlreadyDeleted)
                );
                checked += 1;
            }
            let mut work = work;
            for d in list(&generation["deleted"]) {
                work.delete(&id(&d["item"]), &proof(&d["proof"])).unwrap();
            }
            for i in list(&generation["inserted"]) {
                work.insert(&id(i)).unwrap();
            }
            forest = work.normalize().0;
        }
    }
    assert!(checked > 0);
}

//! The shared conformance vectors: roots, paths and path encodings of `merkle.json`.

use encoding::Encodable;
use merkle::{root, Hash, Hasher, MerkleError, MerkleItem, Path, RootBuilder};
use merlin::Transcript;
use serde_json::Value;

/// An item of the vectors: a byte string committed as `item`.
#[derive(Clone)]
struct Item(Vec<u8>);

impl MerkleItem for Item {
    fn commit(&self, t: &mut Transcript) {
        t.append_message(b"item", &self.0);
    }
}

struct Case {
    items: Vec<Item>,
    root: Hash,
    paths: Vec<Value>,
}

fn hasher(file: &Value) -> Hasher {
    assert_eq!(file["label"], "test.merkle");
    Hasher::new(b"test.merkle")
}

fn cases(file: &Value) -> Vec<Case> {
    vectors::cases(file)
        .iter()
        .map(|c| Case {
            items: c["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| Item(vectors::bytes(i)))
                .collect(),
            root: Hash(vectors::bytes32(&c["root"])),
            paths: c["paths"].as_array().expect("paths").clone(),
        })
        .collect()
}

fn expected_path(p: &Value) -> Path {
    Path {
        position: p["position"].as_u64().expect("position"),
        neighbors: p["neighbors"]
            .as_array()
            .expect("neighbors")
            .iter()
            .map(|n| Hash(vectors::bytes32(n)))
            .collect(),
    }
}

fn index(p: &Value) -> usize {
    p["index"].as_u64().expect("index") as usize
}

#[test]
fn roots_match() {
    let file = vectors::load("merkle.json");
    let h = hasher(&file);
    for case in cases(&file) {
        assert_eq!(root(&h, case.items.iter()), case.root);
        let mut b = RootBuilder::new(h.clone());
        case.items.iter().for_each(|i| b.push(i));
        assert_eq!(b.root(), case.root);
        assert_eq!(b.len(), case.items.len() as u64);
    }
}

#[test]
fn paths_are_built_as_the_reference_builds_them() {
    let file = vectors::load("merkle.json");
    let h = hasher(&file);
    for case in cases(&file) {
        for p in &case.paths {
            let built = Path::build(&h, &case.items, index(p)).unwrap();
            assert_eq!(built, expected_path(p));
        }
    }
}

#[test]
fn paths_verify_against_their_roots() {
    let file = vectors::load("merkle.json");
    let h = hasher(&file);
    for case in cases(&file) {
        for p in &case.paths {
            let path = expected_path(p);
            let item = &case.items[index(p)];
            assert_eq!(path.verify(&h, item, &case.root), Ok(()));
        }
    }
}

#[test]
fn encodings_match_and_round_trip() {
    let file = vectors::load("merkle.json");
    for case in cases(&file) {
        for p in &case.paths {
            let path = expected_path(p);
            let encoded = vectors::bytes(&p["encoded"]);
            assert_eq!(path.encode_to_vec(), encoded);
            assert_eq!(path.encoded_len(), encoded.len());
            assert_eq!(Path::from_bytes(&encoded), Ok(path));
        }
    }
}

/// Every path of the vectors with a neighbor, for the negative tests.
fn nontrivial(file: &Value) -> Vec<(Vec<Item>, Hash, usize, Path)> {
    cases(file)
        .into_iter()
        .flat_map(|c| {
            let items = c.items.clone();
            c.paths
                .iter()
                .map(|p| (items.clone(), c.root, index(p), expected_path(p)))
                .filter(|(_, _, _, path)| !path.neighbors.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn a_wrong_item_is_rejected() {
    let file = vectors::load("merkle.json");
    let h = hasher(&file);
    for (items, root, i, path) in nontrivial(&file) {
        let other = &items[(i + 1) % items.len()];
        assert_eq!(
            path.verify(&h, other, &root),
            Err(MerkleError::RootMismatch)
        );
        let foreign = Item(b"not in the list".to_vec());
        assert_eq!(
            path.verify(&h, &foreign, &root),
            Err(MerkleError::RootMismatch)
        );
    }
}

#[test]
fn a_wrong_neighbor_is_rejected() {
    let file = vectors::load("merkle.json");
    let h = hasher(&file);
    for (items, root, i, path) in nontrivial(&file) {
        for k in 0..path.neighbors.len() {
            let mut bad = path.clone();
            bad.neighbors[k].0[0] ^= 1;
            assert_eq!(
                bad.verify(&h, &items[i], &root),
                Err(MerkleError::RootMismatch)
            );
        }
        let mut short = path.clone();
        short.neighbors.pop();
        assert!(short.verify(&h, &items[i], &root).is_err());
        let mut long = path.clone();
        long.neighbors.push(root);
        assert!(long.verify(&h, &items[i], &root).is_err());
    }
}

#[test]
fn a_wrong_position_is_rejected() {
    let file = vectors::load("merkle.json");
    let h = hasher(&file);
    for (items, root, i, path) in nontrivial(&file) {
        for k in 0..path.neighbors.len() {
            let mut bad = path.clone();
            bad.position ^= 1 << k;
            assert_eq!(
                bad.verify(&h, &items[i], &root),
                Err(MerkleError::RootMismatch)
            );
        }
    }
}

#[test]
fn a_wrong_root_is_rejected() {
    let file = vectors::load("merkle.json");
    let h = hasher(&file);
    for (items, root, i, path) in nontrivial(&file) {
        let mut other = root;
        other.0[31] ^= 0x80;
        assert_eq!(
            path.verify(&h, &items[i], &other),
            Err(MerkleError::RootMismatch)
        );
    }
}

#[test]
fn malformed_encodings_are_rejected() {
    use encoding::EncodingError;
    let file = vectors::load("merkle.json");
    for (_, _, _, path) in nontrivial(&file) {
        let bytes = path.encode_to_vec();
        // Every truncation fails.
        for cut in 0..bytes.len() {
            assert!(Path::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // A trailing byte fails.
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            Path::from_bytes(&long),
            Err(MerkleError::Encoding(EncodingError::TrailingBytes {
                remaining: 1
            }))
        );
        // A count larger than the hashes present fails before allocating.
        let mut big = bytes.clone();
        big[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Path::from_bytes(&big),
            Err(MerkleError::Encoding(EncodingError::CountTooLarge { .. }))
        ));
        let mut one_more = bytes.clone();
        let n = path.neighbors.len() as u32 + 1;
        one_more[8..12].copy_from_slice(&n.to_le_bytes());
        assert!(Path::from_bytes(&one_more).is_err());
    }
}

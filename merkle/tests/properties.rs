//! Algebraic laws of roots and paths over random lists.

use merkle::{root, Hasher, MerkleItem, Path, RootBuilder};
use merlin::Transcript;
use proptest::prelude::*;

struct Item(Vec<u8>);

impl MerkleItem for Item {
    fn commit(&self, t: &mut Transcript) {
        t.append_message(b"item", &self.0);
    }
}

fn list() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..8), 1..70)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_path_verifies_against_the_root(raw in list()) {
        let h = Hasher::new(b"test.props");
        let items: Vec<Item> = raw.into_iter().map(Item).collect();
        let r = root(&h, items.iter());
        for (i, item) in items.iter().enumerate() {
            let path = Path::build(&h, &items, i).unwrap();
            prop_assert!(path.verify(&h, item, &r).is_ok());
            prop_assert!(path.is_canonical());
            let encoded = encoding::Encodable::encode_to_vec(&path);
            prop_assert_eq!(Path::from_bytes(&encoded).unwrap(), path);
        }
    }

    #[test]
    fn the_builder_agrees_with_every_prefix(raw in list()) {
        let h = Hasher::new(b"test.props");
        let items: Vec<Item> = raw.into_iter().map(Item).collect();
        let mut b = RootBuilder::new(h.clone());
        for n in 0..items.len() {
            prop_assert_eq!(b.root(), root(&h, items[..n].iter()));
            b.push(&items[n]);
        }
        prop_assert_eq!(b.root(), root(&h, items.iter()));
    }

    #[test]
    fn a_path_does_not_verify_another_item(raw in list(), pick in any::<prop::sample::Index>()) {
        let h = Hasher::new(b"test.props");
        let items: Vec<Item> = raw.into_iter().map(Item).collect();
        prop_assume!(items.len() >= 2);
        let i = pick.index(items.len());
        let j = (i + 1) % items.len();
        prop_assume!(items[i].0 != items[j].0);
        let r = root(&h, items.iter());
        let path = Path::build(&h, &items, i).unwrap();
        prop_assert!(path.verify(&h, &items[j], &r).is_err());
    }

    #[test]
    fn decoding_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
        let _ = Path::from_bytes(&bytes);
    }
}

//! Merkle paths over a tree of 11 items: a path that decodes re-encodes to itself,
//! and a path that verifies for an item is that item's honest path (the first input
//! byte picks the item).
#![no_main]

use encoding::Encodable;
use libfuzzer_sys::fuzz_target;
use merkle::{Hash, Hasher, MerkleItem, Path};
use merlin::Transcript;
use std::sync::OnceLock;

struct Leaf(u8);

impl MerkleItem for Leaf {
    fn commit(&self, t: &mut Transcript) {
        t.append_message(b"leaf", &[self.0]);
    }
}

struct Fixture {
    items: Vec<Leaf>,
    root: Hash,
    paths: Vec<Path>,
}

fn hasher() -> Hasher {
    Hasher::new(b"fuzz.merkle")
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let items: Vec<Leaf> = (0u8..11).map(Leaf).collect();
        let root = merkle::root(&hasher(), &items);
        let paths = (0..items.len())
            .map(|i| Path::build(&hasher(), &items, i).expect("in range"))
            .collect();
        Fixture { items, root, paths }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(path) = Path::from_bytes(rest) else {
        return;
    };
    assert_eq!(path.encode_to_vec(), rest);
    let f = fixture();
    let index = pick as usize % f.items.len();
    if path.verify(&hasher(), &f.items[index], &f.root).is_ok() {
        assert_eq!(path, f.paths[index], "only the honest path verifies");
    }
});

//! The transcript protocol of Merkle hashing: leaves, inner nodes, the empty list.
//!
//! Every hash starts from a copy of `Transcript::new(label)`. Cloning the prepared
//! transcript yields the same state as building it again (the label is absorbed in
//! the constructor and nothing else), so the label is fed once per hasher.

use crate::hash::Hash;
use merlin::Transcript;

/// An item that can sit in a Merkle tree: it commits its own fields to a transcript.
pub trait MerkleItem {
    /// Appends the item's fields to `t`, as the item's protocol defines them.
    fn commit(&self, t: &mut Transcript);
}

impl<T: MerkleItem + ?Sized> MerkleItem for &T {
    fn commit(&self, t: &mut Transcript) {
        (**self).commit(t)
    }
}

/// Computes Merkle hashes under one protocol label.
#[derive(Clone)]
pub struct Hasher {
    label: &'static [u8],
    prepared: Transcript,
}

impl Hasher {
    /// A hasher for the protocol `label` (for example `b"ZkVM.utreexo"`).
    pub fn new(label: &'static [u8]) -> Self {
        Hasher {
            label,
            prepared: Transcript::new(label),
        }
    }

    /// The protocol label.
    pub fn label(&self) -> &'static [u8] {
        self.label
    }

    /// The hash of a one-item list: the item's fields, then `merkle.leaf`.
    pub fn leaf<M: MerkleItem + ?Sized>(&self, item: &M) -> Hash {
        let mut t = self.prepared.clone();
        item.commit(&mut t);
        challenge(&mut t, b"merkle.leaf")
    }

    /// The hash of an inner node: `L` and `R` children, then `merkle.node`.
    pub fn node(&self, left: &Hash, right: &Hash) -> Hash {
        let mut t = self.prepared.clone();
        t.append_message(b"L", &left.0);
        t.append_message(b"R", &right.0);
        challenge(&mut t, b"merkle.node")
    }

    /// The hash of the empty list: `merkle.empty` straight away.
    pub fn empty(&self) -> Hash {
        let mut t = self.prepared.clone();
        challenge(&mut t, b"merkle.empty")
    }
}

impl core::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hasher")
            .field("label", &String::from_utf8_lossy(self.label))
            .finish()
    }
}

fn challenge(t: &mut Transcript, label: &'static [u8]) -> Hash {
    let mut out = [0u8; 32];
    t.challenge_bytes(label, &mut out);
    Hash(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Bytes(&'static [u8]);

    impl MerkleItem for Bytes {
        fn commit(&self, t: &mut Transcript) {
            t.append_message(b"item", self.0);
        }
    }

    fn fresh(label: &'static [u8], f: impl FnOnce(&mut Transcript), what: &'static [u8]) -> Hash {
        let mut t = Transcript::new(label);
        f(&mut t);
        challenge(&mut t, what)
    }

    #[test]
    fn cloning_the_prepared_transcript_matches_a_fresh_one() {
        let h = Hasher::new(b"test.merkle");
        let (a, b) = (Hash([1u8; 32]), Hash([2u8; 32]));
        assert_eq!(h.empty(), fresh(b"test.merkle", |_| {}, b"merkle.empty"));
        assert_eq!(
            h.leaf(&Bytes(b"x")),
            fresh(
                b"test.merkle",
                |t| t.append_message(b"item", b"x"),
                b"merkle.leaf"
            )
        );
        let expected = fresh(
            b"test.merkle",
            |t| {
                t.append_message(b"L", &a.0);
                t.append_message(b"R", &b.0);
            },
            b"merkle.node",
        );
        assert_eq!(h.node(&a, &b), expected);
        // Repeated use does not disturb the prepared state.
        assert_eq!(h.node(&a, &b), expected);
    }

    #[test]
    fn labels_and_roles_separate_hashes() {
        let h = Hasher::new(b"one");
        let g = Hasher::new(b"two");
        let (a, b) = (Hash([1u8; 32]), Hash([2u8; 32]));
        assert_ne!(h.empty(), g.empty());
        assert_ne!(h.node(&a, &b), h.node(&b, &a));
        assert_ne!(h.leaf(&Bytes(b"x")), g.leaf(&Bytes(b"x")));
        assert_eq!(g.label(), b"two");
    }
}

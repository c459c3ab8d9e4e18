//! The normalized forest: a generation, an item count and the roots of its trees.

use crate::errors::UtreexoError;
use crate::proof::{Proof, TrackedProof};
use crate::shape::{find_tree, levels};
use crate::work::WorkForest;
use encoding::{Encodable, Reader, Writer};
use merkle::{Hash, Hasher, MerkleItem, Path};

/// A normalized forest: only the roots of its perfect trees are kept.
///
/// Invariant: `roots` has one hash per bit set in `count`, the root of the largest
/// tree first.
#[derive(Clone, PartialEq, Eq)]
pub struct Forest {
    pub(crate) generation: u64,
    pub(crate) count: u64,
    pub(crate) roots: Vec<Hash>,
}

impl Forest {
    /// The empty forest of generation 0.
    pub fn new() -> Self {
        Forest {
            generation: 0,
            count: 0,
            roots: Vec::new(),
        }
    }

    /// A forest from its parts; `None` unless `roots` has one hash per bit of `count`.
    pub fn from_parts(generation: u64, count: u64, roots: Vec<Hash>) -> Option<Self> {
        (roots.len() == count.count_ones() as usize).then_some(Forest {
            generation,
            count,
            roots,
        })
    }

    /// How many normalizations led to this forest.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// How many items the forest holds.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The roots of the trees, largest tree first.
    pub fn roots(&self) -> &[Hash] {
        &self.roots
    }

    /// The roots with their levels (a tree of level k holds 2^k items), largest first.
    pub fn roots_with_levels(&self) -> impl Iterator<Item = (usize, &Hash)> {
        levels(self.count).zip(self.roots.iter())
    }

    /// The Utreexo root: the Merkle root of all items in order, computed from the
    /// trees' roots as `H(r0, H(r1, ... H(r_{n-2}, r_{n-1})))`; the empty hash when
    /// the forest is empty.
    pub fn root(&self) -> Hash {
        merkle::tree::connect_perfect_roots(&crate::hasher(), &self.roots)
    }

    /// How many neighbors the path of the item at `position` has: the level of the
    /// tree holding it. Fails with `PositionOutOfRange` if no tree holds it.
    pub fn path_length(&self, position: u64) -> Result<usize, UtreexoError> {
        find_tree(self.count, position)
            .map(|tree| tree.level)
            .ok_or(UtreexoError::PositionOutOfRange {
                position,
                count: self.count,
            })
    }

    /// Opens a working forest on top of this one for the next batch of changes.
    pub fn work(&self) -> WorkForest {
        WorkForest::new(self)
    }

    /// Checks that `item` is in the forest at the place `proof` says.
    ///
    /// Transient proofs name items not yet committed, so they fail here.
    pub fn verify<M: MerkleItem + ?Sized>(
        &self,
        item: &M,
        proof: &Proof,
    ) -> Result<(), UtreexoError> {
        let hasher = crate::hasher();
        match proof {
            Proof::Transient => Err(UtreexoError::TransientProof),
            Proof::Committed(path) => self.verify_leaf(&hasher, hasher.leaf(item), path),
        }
    }

    /// Like [`Forest::verify`], first checking that the proof is of this generation.
    pub fn verify_tracked<M: MerkleItem + ?Sized>(
        &self,
        item: &M,
        proof: &TrackedProof,
    ) -> Result<(), UtreexoError> {
        proof.expect_generation(self.generation)?;
        self.verify(item, &proof.proof)
    }

    /// Checks a committed path for a leaf hash.
    pub(crate) fn verify_leaf(
        &self,
        hasher: &Hasher,
        leaf: Hash,
        path: &Path,
    ) -> Result<(), UtreexoError> {
        let tree =
            find_tree(self.count, path.position).ok_or(UtreexoError::PositionOutOfRange {
                position: path.position,
                count: self.count,
            })?;
        if path.neighbors.len() != tree.level {
            return Err(UtreexoError::PathLength {
                expected: tree.level,
                found: path.neighbors.len(),
            });
        }
        let expected = self
            .roots
            .get(tree.index)
            .ok_or(UtreexoError::RootMismatch)?;
        if path.root_from_leaf(hasher, leaf) == *expected {
            Ok(())
        } else {
            Err(UtreexoError::RootMismatch)
        }
    }

    /// Reads a forest: LE64 generation, LE64 count, then one 32-byte root per bit
    /// set in the count, largest tree first.
    pub fn decode(r: &mut Reader<'_>) -> Result<Forest, UtreexoError> {
        let generation = r.read_u64()?;
        let count = r.read_u64()?;
        // Read all roots at once, so nothing is allocated for roots that are absent.
        let bytes = r.read_bytes(Hash::LEN * count.count_ones() as usize)?;
        let roots = bytes
            .chunks_exact(Hash::LEN)
            .filter_map(Hash::from_slice)
            .collect();
        Ok(Forest {
            generation,
            count,
            roots,
        })
    }

    /// Decodes a forest that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Forest, UtreexoError> {
        Reader::parse(bytes, Forest::decode)
    }
}

impl Default for Forest {
    fn default() -> Self {
        Forest::new()
    }
}

impl Encodable for Forest {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u64(self.generation);
        w.write_u64(self.count);
        for root in &self.roots {
            w.write_bytes(&root.0);
        }
    }

    fn encoded_len(&self) -> usize {
        16 + Hash::LEN * self.roots.len()
    }
}

impl core::fmt::Debug for Forest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut d = f.debug_struct("Forest");
        d.field("generation", &self.generation)
            .field("count", &self.count);
        let trees: Vec<String> = self
            .roots_with_levels()
            .map(|(level, root)| format!("{level}:{root}"))
            .collect();
        d.field("trees", &trees).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_as_long_as_their_tree_is_high() {
        let f = Forest::from_parts(0, 13, vec![Hash::default(); 3]).unwrap();
        let lengths: Vec<_> = (0..13).map(|p| f.path_length(p).unwrap()).collect();
        assert_eq!(lengths, [3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 0]);
        assert_eq!(
            f.path_length(13),
            Err(UtreexoError::PositionOutOfRange {
                position: 13,
                count: 13
            })
        );
    }

    #[test]
    fn parts_must_agree_with_the_count() {
        assert!(Forest::from_parts(3, 13, vec![Hash::default(); 3]).is_some());
        assert!(Forest::from_parts(3, 13, vec![Hash::default(); 2]).is_none());
        assert!(Forest::from_parts(0, 0, vec![]).is_some());
    }

    #[test]
    fn encoding_round_trips_and_rejects_malformed_input() {
        let f = Forest::from_parts(7, 5, vec![Hash([1; 32]), Hash([2; 32])]).unwrap();
        let bytes = f.encode_to_vec();
        assert_eq!(bytes.len(), f.encoded_len());
        assert_eq!(Forest::from_bytes(&bytes), Ok(f));
        for cut in 0..bytes.len() {
            assert!(Forest::from_bytes(&bytes[..cut]).is_err());
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(Forest::from_bytes(&long).is_err());
        // A count with more bits than roots present is truncated input.
        let mut more = bytes.clone();
        more[8..16].copy_from_slice(&7u64.to_le_bytes());
        assert!(Forest::from_bytes(&more).is_err());
    }

    #[test]
    fn a_transient_proof_is_not_checked_against_a_normalized_forest() {
        struct X;
        impl MerkleItem for X {
            fn commit(&self, t: &mut merlin::Transcript) {
                t.append_message(b"x", b"");
            }
        }
        assert_eq!(
            Forest::new().verify(&X, &Proof::Transient),
            Err(UtreexoError::TransientProof)
        );
    }
}

//! Inclusion paths: from an item up to the root, one neighbor per level.
//!
//! Bit `i` of [`Path::position`] (counted from the least significant) says on which
//! side the `i`-th neighbor lies, neighbors counted from the leaf up: `0` means the
//! path's node is the left child and the neighbor is on the right, `1` the reverse.
//! In a perfect tree this is the item's index; in an imperfect tree it is not (the
//! last of 7 items has index 6 but position 3, because it has only two neighbors,
//! both on its left). Bits at and above the number of neighbors are not read.

use crate::errors::MerkleError;
use crate::hash::Hash;
use crate::hasher::{Hasher, MerkleItem};
use crate::tree::{root, split};
use encoding::{Encodable, Reader, Writer};

/// The side on which a neighbor lies relative to the path's node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The neighbor is the left child; the path goes through the right one.
    Left,
    /// The neighbor is the right child; the path goes through the left one.
    Right,
}

impl Side {
    /// The side a position bit describes.
    pub fn from_bit(bit: bool) -> Side {
        if bit {
            Side::Left
        } else {
            Side::Right
        }
    }

    /// Orders the path's node and its neighbor as (left child, right child).
    pub fn order<T>(self, node: T, neighbor: T) -> (T, T) {
        match self {
            Side::Right => (node, neighbor),
            Side::Left => (neighbor, node),
        }
    }
}

/// The sides of a path's neighbors, from the leaf up (or, reversed, from the top).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Directions {
    position: u64,
    /// Levels `low..high` remain to be yielded.
    low: usize,
    high: usize,
}

impl Directions {
    /// The sides given by the lowest `depth` bits of `position`; bits past the 64th
    /// read as zero.
    pub fn new(position: u64, depth: usize) -> Self {
        Directions {
            position,
            low: 0,
            high: depth,
        }
    }

    fn side_at(&self, level: usize) -> Side {
        let bit = u32::try_from(level)
            .ok()
            .and_then(|l| self.position.checked_shr(l))
            .is_some_and(|p| p & 1 == 1);
        Side::from_bit(bit)
    }
}

impl Iterator for Directions {
    type Item = Side;

    fn next(&mut self) -> Option<Side> {
        (self.low < self.high).then(|| {
            self.low += 1;
            self.side_at(self.low - 1)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.high - self.low;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Directions {
    fn next_back(&mut self) -> Option<Side> {
        (self.low < self.high).then(|| {
            self.high -= 1;
            self.side_at(self.high)
        })
    }
}

impl ExactSizeIterator for Directions {}

/// A Merkle inclusion path: the sides in `position`, the neighbors from the leaf up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path {
    /// The sides of the neighbors, one bit per level, lowest bit at the leaf.
    pub position: u64,
    /// The neighbors' hashes, from the leaf's sibling up to the root's child.
    pub neighbors: Vec<Hash>,
}

impl Path {
    /// The path of `items[index]` in the tree of `items`. Costs O(n) hashes.
    pub fn build<M: MerkleItem>(
        hasher: &Hasher,
        items: &[M],
        index: usize,
    ) -> Result<Path, MerkleError> {
        if index >= items.len() {
            return Err(MerkleError::IndexOutOfRange {
                index,
                len: items.len(),
            });
        }
        let mut path = Path::default();
        let mut list = items;
        let mut index = index;
        // Walk down from the root; neighbors come out top first.
        while list.len() >= 2 {
            let k = split(list.len());
            let (left, right) = list.split_at(k);
            let go_right = index >= k;
            path.position = (path.position << 1) | u64::from(go_right);
            if go_right {
                path.neighbors.push(root(hasher, left));
                list = right;
                index -= k;
            } else {
                path.neighbors.push(root(hasher, right));
                list = left;
            }
        }
        path.neighbors.reverse();
        Ok(path)
    }

    /// The sides of the neighbors, from the leaf up.
    pub fn directions(&self) -> Directions {
        Directions::new(self.position, self.neighbors.len())
    }

    /// The neighbors with their sides, from the leaf up.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (Side, &Hash)> + ExactSizeIterator {
        self.directions().zip(self.neighbors.iter())
    }

    /// Whether `position` has no bits set at or above the number of neighbors.
    ///
    /// Such bits are never read, so a path that has them proves the same as its
    /// canonical form: v1 accepts them (a known malleability of the format).
    pub fn is_canonical(&self) -> bool {
        u32::try_from(self.neighbors.len())
            .ok()
            .and_then(|depth| self.position.checked_shr(depth))
            .is_none_or(|high| high == 0)
    }

    /// The root reached from `item` along this path.
    pub fn compute_root<M: MerkleItem + ?Sized>(&self, hasher: &Hasher, item: &M) -> Hash {
        self.root_from_leaf(hasher, hasher.leaf(item))
    }

    /// The root reached from a leaf hash along this path.
    pub fn root_from_leaf(&self, hasher: &Hasher, leaf: Hash) -> Hash {
        self.iter().fold(leaf, |node, (side, neighbor)| {
            let (l, r) = side.order(&node, neighbor);
            hasher.node(l, r)
        })
    }

    /// Checks that this path leads from `item` to `root`.
    pub fn verify<M: MerkleItem + ?Sized>(
        &self,
        hasher: &Hasher,
        item: &M,
        root: &Hash,
    ) -> Result<(), MerkleError> {
        if self.compute_root(hasher, item) == *root {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch)
        }
    }

    /// Reads a path: LE64 position, LE32 count, then `count` 32-byte hashes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Path, MerkleError> {
        let position = r.read_u64()?;
        let count = r.read_count(Hash::LEN)?;
        // `read_count` checked that `count` hashes fit in the input.
        let mut neighbors = Vec::with_capacity(count);
        for _ in 0..count {
            neighbors.push(Hash(r.read_array()?));
        }
        Ok(Path {
            position,
            neighbors,
        })
    }

    /// Decodes a path that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Path, MerkleError> {
        Reader::parse(bytes, Path::decode)
    }
}

impl Encodable for Path {
    /// Paths deeper than 2^32 levels cannot exist in memory anyway.
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u64(self.position);
        w.write_u32(self.neighbors.len() as u32);
        for n in &self.neighbors {
            w.write_bytes(&n.0);
        }
    }

    fn encoded_len(&self) -> usize {
        8 + 4 + Hash::LEN * self.neighbors.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use merlin::Transcript;

    struct N(u64);

    impl MerkleItem for N {
        fn commit(&self, t: &mut Transcript) {
            t.append_u64(b"n", self.0);
        }
    }

    fn items(n: u64) -> Vec<N> {
        (0..n).map(N).collect()
    }

    #[test]
    fn last_of_seven_has_position_three() {
        let h = Hasher::new(b"test");
        let path = Path::build(&h, &items(7), 6).unwrap();
        assert_eq!(path.position, 3);
        assert_eq!(path.neighbors.len(), 2);
        let sides: Vec<Side> = path.directions().collect();
        assert_eq!(sides, [Side::Left, Side::Left]);
    }

    #[test]
    fn every_path_verifies_for_small_lists() {
        let h = Hasher::new(b"test");
        for n in 1..20 {
            let list = items(n);
            let r = root(&h, list.iter());
            for i in 0..n as usize {
                let path = Path::build(&h, &list, i).unwrap();
                assert!(path.is_canonical());
                assert_eq!(path.verify(&h, &list[i], &r), Ok(()), "n = {n}, i = {i}");
            }
        }
    }

    #[test]
    fn index_past_the_end_is_refused() {
        let h = Hasher::new(b"test");
        assert_eq!(
            Path::build(&h, &items(5), 5),
            Err(MerkleError::IndexOutOfRange { index: 5, len: 5 })
        );
        assert!(Path::build::<N>(&h, &[], 0).is_err());
    }

    #[test]
    fn directions_run_both_ways() {
        let d = Directions::new(0b0110, 4);
        let up: Vec<Side> = d.collect();
        let mut down: Vec<Side> = d.rev().collect();
        down.reverse();
        assert_eq!(up, down);
        assert_eq!(up, [Side::Right, Side::Left, Side::Left, Side::Right]);
        assert_eq!(d.len(), 4);
    }

    #[test]
    fn bits_past_64_levels_read_as_zero() {
        let d = Directions::new(u64::MAX, 70);
        let sides: Vec<Side> = d.collect();
        assert!(sides[..64].iter().all(|s| *s == Side::Left));
        assert!(sides[64..].iter().all(|s| *s == Side::Right));
    }

    #[test]
    fn high_position_bits_are_ignored_but_not_canonical() {
        let h = Hasher::new(b"test");
        let list = items(4);
        let r = root(&h, list.iter());
        let mut path = Path::build(&h, &list, 2).unwrap();
        path.position |= 1 << 40;
        assert!(!path.is_canonical());
        assert_eq!(path.verify(&h, &list[2], &r), Ok(()));
        let deep = Path {
            position: 1,
            neighbors: vec![Hash::default(); 70],
        };
        assert!(deep.is_canonical());
    }
}

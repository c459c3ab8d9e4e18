//! Catch-up: moving proofs made against one generation onto the next.
//!
//! Normalization moves whole intact subtrees (the pieces) to new positions. An item
//! that survived lies in exactly one piece, found from its old position. The lower
//! part of its path, up to the piece, is unchanged; it is checked by hashing the leaf
//! up to the piece's hash. The item's new position keeps its offset inside the piece
//! and adds the piece's new offset; the upper neighbors are read off the new
//! structure, from the new tree's root down to the piece. An item inserted in the old
//! generation (transient proof) is found by its leaf hash among the insertions.

use crate::errors::UtreexoError;
use crate::forest::Forest;
use crate::proof::{Proof, TrackedProof};
use crate::shape::{find_tree, goes_right};
use crate::work::{HashCounts, NONE};
use merkle::{Hash, Hasher, MerkleItem, Path};
use std::collections::HashMap;

/// A node of the packed new structure: a piece (no children) or a new parent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PackNode {
    pub hash: Hash,
    pub left: u32,
    pub right: u32,
    pub level: u8,
}

impl PackNode {
    pub(crate) fn piece(hash: Hash, level: u8) -> Self {
        PackNode {
            hash,
            left: NONE,
            right: NONE,
            level,
        }
    }
}

/// What a normalization changed, to update proofs of the previous generation.
///
/// Its size grows with the generation's changes, not with the forest.
#[derive(Clone)]
pub struct Catchup {
    pub(crate) hasher: Hasher,
    /// Items under the roots of the previous generation.
    pub(crate) old_count: u64,
    /// The new forest.
    pub(crate) forest: Forest,
    /// Pieces first (committed ones, then insertions), then the new parents.
    pub(crate) nodes: Vec<PackNode>,
    /// The new trees' roots, largest first.
    pub(crate) roots: Vec<u32>,
    /// Old position of the first item of each committed piece, ascending.
    pub(crate) old_offsets: Vec<u64>,
    /// New position of the first item of each piece.
    pub(crate) new_offsets: Vec<u64>,
    /// The piece of each inserted leaf hash (the first live one, if repeated).
    pub(crate) inserted: HashMap<Hash, u32>,
    /// Hashes the normalization computed.
    pub(crate) counts: HashCounts,
}

impl Catchup {
    /// The forest proofs are brought to.
    pub fn forest(&self) -> &Forest {
        &self.forest
    }

    /// The generation proofs are brought to.
    pub fn generation(&self) -> u64 {
        self.forest.generation()
    }

    /// The generation proofs are brought from.
    pub fn previous_generation(&self) -> u64 {
        self.forest.generation().wrapping_sub(1)
    }

    /// Hashes computed by the normalization that made this catch-up.
    pub fn hash_counts(&self) -> HashCounts {
        self.counts
    }

    /// Bytes held by this catch-up data.
    pub fn memory_bytes(&self) -> usize {
        use core::mem::size_of;
        self.nodes.capacity() * size_of::<PackNode>()
            + (self.old_offsets.capacity() + self.new_offsets.capacity()) * size_of::<u64>()
            + self.inserted.capacity() * (size_of::<(Hash, u32)>() + 1)
            + self.roots.capacity() * size_of::<u32>()
    }

    /// Brings a proof to this catch-up's generation. A proof already there is
    /// returned as it is; one of the previous generation is updated; any other fails.
    pub fn update<M: MerkleItem + ?Sized>(
        &self,
        item: &M,
        proof: &TrackedProof,
    ) -> Result<TrackedProof, UtreexoError> {
        if proof.generation == self.generation() {
            return Ok(proof.clone());
        }
        proof.expect_generation(self.previous_generation())?;
        let path = self.update_leaf(self.hasher.leaf(item), &proof.proof)?;
        Ok(TrackedProof::new(self.generation(), Proof::Committed(path)))
    }

    /// Updates a proof of the previous generation to a path in the new forest.
    ///
    /// Fails if the item was deleted, was never there, or the proof is wrong.
    pub fn update_proof<M: MerkleItem + ?Sized>(
        &self,
        item: &M,
        proof: &Proof,
    ) -> Result<Proof, UtreexoError> {
        self.update_leaf(self.hasher.leaf(item), proof)
            .map(Proof::Committed)
    }

    /// Like [`Catchup::update_proof`], for an item given by its leaf hash.
    pub fn update_leaf(&self, leaf: Hash, proof: &Proof) -> Result<Path, UtreexoError> {
        match proof {
            Proof::Transient => {
                let piece = *self.inserted.get(&leaf).ok_or(UtreexoError::NotInForest)?;
                let (position, neighbors) = self.above(piece, 0)?;
                Ok(Path {
                    position,
                    neighbors,
                })
            }
            Proof::Committed(path) => Ok(self.move_path(Some(leaf), path)?.applied_to(path)),
        }
    }

    /// Moves a path of the previous generation to the new forest *without checking
    /// it*: no hashing, only a search among the moved subtrees. Deleted items are
    /// still refused ([`UtreexoError::NotInForest`]), but a wrong neighbor below the
    /// moved subtree goes unnoticed and yields a wrong path. Meant for holders of
    /// many proofs that were verified when they were obtained (a wallet).
    pub fn relocate(&self, path: &Path) -> Result<Path, UtreexoError> {
        Ok(self.relocation(path)?.applied_to(path))
    }

    /// What [`Catchup::relocate`] does to `path`, to apply in place later
    /// ([`Relocation::apply`]). It reads only the path's position and length, not
    /// its neighbors, so a holder of many paths moves them with little memory
    /// traffic, and can learn that every one moves before it changes any.
    pub fn relocation(&self, path: &Path) -> Result<Relocation, UtreexoError> {
        self.move_path(None, path)
    }

    /// Moves `path` to the new forest, checking that it leads from `leaf` to its
    /// moved subtree if a leaf is given.
    fn move_path(&self, leaf: Option<Hash>, path: &Path) -> Result<Relocation, UtreexoError> {
        let position = path.position;
        let tree = find_tree(self.old_count, position).ok_or(UtreexoError::PositionOutOfRange {
            position,
            count: self.old_count,
        })?;
        if path.neighbors.len() != tree.level {
            return Err(UtreexoError::PathLength {
                expected: tree.level,
                found: path.neighbors.len(),
            });
        }
        let piece = self.piece_holding(position)?;
        let level = self.nodes[piece as usize].level as usize;
        let lower = &path.neighbors[..level];
        if let Some(leaf) = leaf {
            // The lower part of the path must reach the piece.
            let reached = lower.iter().enumerate().fold(leaf, |node, (k, neighbor)| {
                if goes_right(position, k + 1) {
                    self.hasher.node(neighbor, &node)
                } else {
                    self.hasher.node(&node, neighbor)
                }
            });
            if reached != self.nodes[piece as usize].hash {
                return Err(UtreexoError::RootMismatch);
            }
        }
        let inside = position & ((1u64 << level) - 1);
        let (start, upper) = self.above(piece, level)?;
        Ok(Relocation {
            position: start + inside,
            keep: level,
            upper,
        })
    }

    /// The committed piece that holds old `position`; none if that item was deleted.
    fn piece_holding(&self, position: u64) -> Result<u32, UtreexoError> {
        let after = self.old_offsets.partition_point(|&o| o <= position);
        let piece = after.checked_sub(1).ok_or(UtreexoError::NotInForest)?;
        let level = self.nodes.get(piece).map_or(0, |n| n.level);
        let start = self.old_offsets[piece];
        if position - start < (1u64 << level) {
            Ok(piece as u32)
        } else {
            Err(UtreexoError::NotInForest)
        }
    }

    /// The new position of the first item of `piece` (of `level`), and the
    /// neighbors above the piece up to its new tree's root, from the piece up.
    fn above(&self, piece: u32, level: usize) -> Result<(u64, Vec<Hash>), UtreexoError> {
        let start = *self
            .new_offsets
            .get(piece as usize)
            .ok_or(UtreexoError::NotInForest)?;
        let tree = find_tree(self.forest.count(), start).ok_or(UtreexoError::NotInForest)?;
        let mut at = *self
            .roots
            .get(tree.index)
            .ok_or(UtreexoError::NotInForest)?;
        let mut neighbors = Vec::with_capacity(tree.level.saturating_sub(level));
        for k in (level + 1..=tree.level).rev() {
            let node = self
                .nodes
                .get(at as usize)
                .ok_or(UtreexoError::NotInForest)?;
            let (next, sibling) = if goes_right(start, k) {
                (node.right, node.left)
            } else {
                (node.left, node.right)
            };
            let sibling = self
                .nodes
                .get(sibling as usize)
                .ok_or(UtreexoError::NotInForest)?;
            neighbors.push(sibling.hash);
            at = next;
        }
        neighbors.reverse();
        Ok((start, neighbors))
    }
}

/// How a path moves across a normalization: its new position, how many of its
/// lowest neighbors stay (those inside the subtree that moved whole), and the new
/// neighbors above them, from the subtree up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relocation {
    position: u64,
    keep: usize,
    upper: Vec<Hash>,
}

impl Relocation {
    /// Moves `path` in place: it keeps its lowest neighbors and takes the new ones
    /// above them.
    pub fn apply(self, path: &mut Path) {
        path.position = self.position;
        path.neighbors.truncate(self.keep);
        path.neighbors.extend_from_slice(&self.upper);
    }

    /// The moved copy of `path`.
    pub fn applied_to(&self, path: &Path) -> Path {
        let keep = self.keep.min(path.neighbors.len());
        let mut neighbors = Vec::with_capacity(keep + self.upper.len());
        neighbors.extend_from_slice(&path.neighbors[..keep]);
        neighbors.extend_from_slice(&self.upper);
        Path {
            position: self.position,
            neighbors,
        }
    }
}

impl core::fmt::Debug for Catchup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Catchup")
            .field("generation", &self.generation())
            .field("pieces", &self.new_offsets.len())
            .field("nodes", &self.nodes.len())
            .finish()
    }
}

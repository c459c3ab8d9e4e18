//! Normalization: from a working forest to the next generation's perfect trees.
//!
//! 1. Walk the old trees from left to right and collect the *pieces*: the intact
//!    nodes without children (whole subtrees in which nothing was deleted). Deleted
//!    leaves and modified nodes are dropped; their hashes are not needed any more.
//! 2. Append the live insertions, in order, as pieces of level 0.
//! 3. Pack the pieces from left to right, keeping at most one pending node per level:
//!    while a node is pending at the level of the current one, the pending node
//!    becomes the left child and the current one the right child of a new parent one
//!    level up, which becomes the current node. Then the current node waits at its
//!    level. This is the same joining that [`merkle::RootBuilder`] does, except that
//!    pieces enter at any level.
//! 4. The pending nodes are the new trees' roots, the highest level first.
//!
//! Every parent made in step 3 is new (two pieces that were siblings before would
//! have had an intact parent, which would have been the piece), so normalization
//! hashes each new node exactly once and nothing else. The new structure is kept in
//! the [`Catchup`] to update proofs; the new [`Forest`] keeps only the roots.

use crate::catchup::{Catchup, PackNode};
use crate::forest::Forest;
use crate::shape::levels;
use crate::work::{node_hash, root_levels, HashCounts, State, WorkForest, NONE};
use merkle::Hash;
use std::collections::HashMap;

impl WorkForest {
    /// Packs the surviving items into the next generation: the normalized forest
    /// and the catch-up data for proofs of this generation.
    pub fn normalize(&self) -> (Forest, Catchup) {
        // Each pair of children holds at most one intact node (the other is on a
        // deleted path), so pieces number at most half the nodes plus the roots.
        let committed_bound = self.nodes.len() / 2 + 64;
        let mut nodes = Vec::with_capacity(committed_bound + self.inserted.len());
        let mut old_offsets = Vec::with_capacity(committed_bound);
        collect_pieces(self, &mut nodes, &mut old_offsets);
        let mut inserted = HashMap::with_capacity(self.inserted.len());
        for entry in self.inserted.iter().filter(|e| e.live) {
            inserted.entry(entry.leaf).or_insert(nodes.len() as u32);
            nodes.push(PackNode::piece(entry.leaf, 0));
        }
        let pieces = nodes.len();
        // Packing adds fewer parents than there are pieces.
        nodes.reserve_exact(pieces);
        let (roots, hashes) = pack(self, &mut nodes);
        let count = self.count();
        let root_hashes: Vec<Hash> = roots.iter().map(|&r| nodes[r as usize].hash).collect();
        // Packing adds up counts like binary addition: one root per bit of `count`.
        debug_assert_eq!(root_hashes.len(), count.count_ones() as usize);
        let forest = Forest {
            generation: self.generation().wrapping_add(1),
            count,
            roots: root_hashes,
        };
        let new_offsets = new_offsets(&nodes, &roots, count, pieces);
        let catchup = Catchup {
            hasher: self.hasher().clone(),
            old_count: self.committed(),
            forest: forest.clone(),
            nodes,
            roots,
            old_offsets,
            new_offsets,
            inserted,
            counts: HashCounts {
                leaves: 0,
                nodes: hashes,
            },
        };
        (forest, catchup)
    }
}

/// Step 1: the intact childless nodes of the old trees, left to right, with the
/// position of their first item.
fn collect_pieces(work: &WorkForest, out: &mut Vec<PackNode>, offsets: &mut Vec<u64>) {
    let mut stack: Vec<(u32, u64)> = Vec::with_capacity(64);
    let mut start = 0u64;
    for (index, level) in root_levels(work).enumerate() {
        stack.push((index as u32, start));
        start = start.wrapping_add(1u64 << level);
        while let Some((at, offset)) = stack.pop() {
            let node = &work.nodes[at as usize];
            if node.children != NONE {
                let half = 1u64 << (node.level - 1);
                stack.push((node.children + 1, offset + half));
                stack.push((node.children, offset));
            } else if node.state == State::Intact {
                out.push(PackNode::piece(node.hash, node.level));
                offsets.push(offset);
            }
        }
    }
}

/// Step 3: joins the pieces into perfect trees. Returns the roots, highest level
/// first, and the number of node hashes computed.
fn pack(work: &WorkForest, nodes: &mut Vec<PackNode>) -> (Vec<u32>, u64) {
    let hasher = work.hasher();
    let mut pending = [NONE; 65];
    let mut hashes = 0u64;
    for piece in 0..nodes.len() {
        let mut at = piece as u32;
        let mut level = nodes[piece].level as usize;
        while pending[level] != NONE {
            let left = pending[level];
            pending[level] = NONE;
            let hash = node_hash(hasher, &nodes[left as usize].hash, &nodes[at as usize].hash);
            hashes += 1;
            level += 1;
            nodes.push(PackNode {
                hash,
                left,
                right: at,
                level: level as u8,
            });
            at = (nodes.len() - 1) as u32;
        }
        pending[level] = at;
    }
    let roots = pending
        .iter()
        .rev()
        .copied()
        .filter(|&r| r != NONE)
        .collect();
    (roots, hashes)
}

/// Step 4: where each piece's first item lands in the new forest.
fn new_offsets(nodes: &[PackNode], roots: &[u32], count: u64, pieces: usize) -> Vec<u64> {
    let mut offsets = vec![0u64; pieces];
    let mut stack: Vec<(u32, u64)> = Vec::with_capacity(64);
    let mut start = 0u64;
    for (&root, level) in roots.iter().zip(levels(count)) {
        stack.push((root, start));
        start = start.wrapping_add(1u64 << level);
        while let Some((at, offset)) = stack.pop() {
            let node = &nodes[at as usize];
            if node.left == NONE {
                if let Some(slot) = offsets.get_mut(at as usize) {
                    *slot = offset;
                }
            } else {
                stack.push((node.right, offset + (1u64 << (node.level - 1))));
                stack.push((node.left, offset));
            }
        }
    }
    offsets
}

//! The working forest of one generation: insertions, deletions with proofs, batches.
//!
//! The trees of the normalized forest start as bare roots. Deleting an item with its
//! path walks down from its tree's root through the nodes already known, checking
//! each neighbor of the path against the node the forest holds there (a comparison,
//! no hashing), until it meets a node with no children yet. Only below that node does
//! it hash: the leaf up through the remaining neighbors, which must reach that node's
//! hash. Then the nodes just computed and the neighbors become children, the item's
//! leaf is marked deleted, and every node above it modified. So each node hash is
//! computed once per generation, and memory grows with the generation's deletions.
//!
//! Inserted items wait in a list, in order, until normalization; deleting one of them
//! (with a transient proof) only marks it dead, so it vanishes without a trace.

use crate::errors::UtreexoError;
use crate::forest::Forest;
use crate::proof::{Proof, TrackedProof};
use crate::shape::{find_tree, goes_right, levels};
use merkle::{Hash, Hasher, MerkleItem, Path};
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// No node, no insertion: the end of a list or an absent child.
pub(crate) const NONE: u32 = u32::MAX;

/// How many hashes an operation computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HashCounts {
    /// Leaf hashes (one per item hashed).
    pub leaves: u64,
    /// Inner node hashes.
    pub nodes: u64,
}

impl core::ops::Add for HashCounts {
    type Output = HashCounts;

    fn add(self, other: HashCounts) -> HashCounts {
        HashCounts {
            leaves: self.leaves + other.leaves,
            nodes: self.nodes + other.nodes,
        }
    }
}

/// What a node of the working forest knows of its subtree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Nothing below was deleted: the node survives normalization whole.
    Intact,
    /// Something below was deleted: the node has children and will be dissolved.
    Modified,
    /// A deleted leaf.
    Deleted,
}

/// A node of the working forest. Children are allocated in pairs: the left child at
/// `children`, the right one right after it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    pub hash: Hash,
    pub children: u32,
    pub level: u8,
    pub state: State,
}

/// An item inserted in this generation, by its leaf hash.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Inserted {
    pub leaf: Hash,
    pub live: bool,
    /// The next insertion with the same leaf hash, if the item was inserted again.
    next_same: u32,
}

/// A change to undo when a batch fails.
#[derive(Clone, Copy, Debug)]
enum Undo {
    /// Put a node back as it was.
    Node(u32, Node),
    /// Bring a transiently deleted insertion back to life.
    Revive(u32),
}

/// The state to return to when a batch fails.
#[derive(Clone, Copy, Debug)]
struct Checkpoint {
    nodes: usize,
    inserted: usize,
    journal: usize,
    deleted: u64,
    live_inserted: u64,
}

/// A forest accepting one generation's changes; see the [module](self) notes.
#[derive(Clone)]
pub struct WorkForest {
    hasher: Hasher,
    generation: u64,
    /// Items under the roots of the normalized forest this one started from.
    committed: u64,
    /// The first `count_ones(committed)` nodes are the trees' roots, largest first.
    pub(crate) nodes: Vec<Node>,
    pub(crate) inserted: Vec<Inserted>,
    /// The first insertion of each leaf hash.
    by_leaf: HashMap<Hash, u32>,
    /// Committed items deleted so far.
    deleted: u64,
    live_inserted: u64,
    counts: HashCounts,
    checkpoints: Vec<Checkpoint>,
    journal: Vec<Undo>,
    /// Room for the hashes a deletion computes, reused.
    scratch: Vec<Hash>,
}

/// Where a verified path ends in the working forest.
struct Located {
    /// The root of the item's tree, and its level.
    root: u32,
    tree_level: usize,
    /// The lowest known node on the path, and its level.
    bottom: u32,
    level: usize,
}

impl WorkForest {
    /// A working forest over the trees of `forest`, with no changes yet.
    pub fn new(forest: &Forest) -> Self {
        let nodes = forest
            .roots_with_levels()
            .map(|(level, hash)| Node {
                hash: *hash,
                children: NONE,
                level: level as u8,
                state: State::Intact,
            })
            .collect();
        WorkForest {
            hasher: crate::hasher(),
            generation: forest.generation(),
            committed: forest.count(),
            nodes,
            inserted: Vec::new(),
            by_leaf: HashMap::new(),
            deleted: 0,
            live_inserted: 0,
            counts: HashCounts::default(),
            checkpoints: Vec::new(),
            journal: Vec::new(),
            scratch: Vec::with_capacity(64),
        }
    }

    /// The generation of the forest this one started from; proofs must be for it.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Items present now: committed ones not deleted, plus live insertions.
    pub fn count(&self) -> u64 {
        self.committed - self.deleted + self.live_inserted
    }

    /// Items under the roots of the forest this one started from.
    pub(crate) fn committed(&self) -> u64 {
        self.committed
    }

    /// Hashes computed by the successful insertions and deletions so far.
    pub fn hash_counts(&self) -> HashCounts {
        self.counts
    }

    /// Bytes held for this generation's changes (capacity of the node arena, the
    /// insertion list and its index).
    pub fn memory_bytes(&self) -> usize {
        use core::mem::size_of;
        self.nodes.capacity() * size_of::<Node>()
            + self.inserted.capacity() * size_of::<Inserted>()
            + self.by_leaf.capacity() * (size_of::<(Hash, u32)>() + 1)
            + self.journal.capacity() * size_of::<Undo>()
    }

    /// The hasher of the forest's label.
    pub(crate) fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// Inserts an item; its proof is [`Proof::Transient`] until normalization.
    pub fn insert<M: MerkleItem + ?Sized>(&mut self, item: &M) -> Result<(), UtreexoError> {
        let leaf = self.hasher.leaf(item);
        self.counts.leaves += 1;
        self.insert_leaf(leaf)
    }

    /// Inserts an item by its leaf hash (`hasher().leaf(item)`).
    pub fn insert_leaf(&mut self, leaf: Hash) -> Result<(), UtreexoError> {
        let index = u32::try_from(self.inserted.len())
            .ok()
            .filter(|&i| i != NONE)
            .ok_or(UtreexoError::TooManyChanges)?;
        if self.count() == u64::MAX {
            return Err(UtreexoError::TooManyChanges);
        }
        self.inserted.push(Inserted {
            leaf,
            live: true,
            next_same: NONE,
        });
        match self.by_leaf.entry(leaf) {
            Entry::Vacant(v) => {
                v.insert(index);
            }
            Entry::Occupied(o) => {
                let mut at = *o.get() as usize;
                while self.inserted[at].next_same != NONE {
                    at = self.inserted[at].next_same as usize;
                }
                self.inserted[at].next_same = index;
            }
        }
        self.live_inserted += 1;
        Ok(())
    }

    /// Deletes an item with its proof against this generation.
    ///
    /// On error nothing changes.
    pub fn delete<M: MerkleItem + ?Sized>(
        &mut self,
        item: &M,
        proof: &Proof,
    ) -> Result<(), UtreexoError> {
        let leaf = self.hasher.leaf(item);
        self.counts.leaves += 1;
        self.delete_leaf(leaf, proof)
    }

    /// Like [`WorkForest::delete`], first checking the proof's generation.
    pub fn delete_tracked<M: MerkleItem + ?Sized>(
        &mut self,
        item: &M,
        proof: &TrackedProof,
    ) -> Result<(), UtreexoError> {
        proof.expect_generation(self.generation)?;
        self.delete(item, &proof.proof)
    }

    /// Deletes an item by its leaf hash.
    pub fn delete_leaf(&mut self, leaf: Hash, proof: &Proof) -> Result<(), UtreexoError> {
        match proof {
            Proof::Transient => self.delete_transient(leaf),
            Proof::Committed(path) => self.delete_committed(leaf, path),
        }
    }

    /// Checks that an item is present now (inserted and not deleted, or committed
    /// and not deleted), without changing anything.
    pub fn verify<M: MerkleItem + ?Sized>(
        &self,
        item: &M,
        proof: &Proof,
    ) -> Result<(), UtreexoError> {
        let leaf = self.hasher.leaf(item);
        match proof {
            Proof::Transient => match self.first_live(leaf) {
                Ok(_) => Ok(()),
                Err(e) => match self.single_leaf_path(leaf) {
                    Some(path) => self.locate(leaf, &path, &mut Vec::new()).map(|_| ()),
                    None => Err(e),
                },
            },
            Proof::Committed(path) => self
                .locate(leaf, path, &mut Vec::with_capacity(64))
                .map(|_| ()),
        }
    }

    /// The whole path of the committed item at `position`, from `lower`: the
    /// neighbors below the lowest node this working forest knows on the way to the
    /// item, from the leaf up. The neighbors above are the known siblings. So the
    /// deletions of a generation can be described by the hashes that earlier
    /// deletions did not reveal, each sent once (a light client's catch-up); the
    /// path is then checked by [`WorkForest::delete`] as any other.
    ///
    /// Fails with `PositionOutOfRange` when no tree holds `position`, and with
    /// `PathLength` when `lower` does not hold exactly one hash per level below the
    /// known part.
    pub fn complete_path(&self, position: u64, lower: &[Hash]) -> Result<Path, UtreexoError> {
        let tree = find_tree(self.committed, position).ok_or(UtreexoError::PositionOutOfRange {
            position,
            count: self.committed,
        })?;
        let mut upper = Vec::with_capacity(tree.level);
        let (_, level) = self.descend(tree.index as u32, tree.level, position, |_, sibling| {
            upper.push(sibling.hash);
            Ok::<(), UtreexoError>(())
        })?;
        if lower.len() != level {
            return Err(UtreexoError::PathLength {
                expected: tree.level,
                found: lower.len() + upper.len(),
            });
        }
        let mut neighbors = Vec::with_capacity(tree.level);
        neighbors.extend_from_slice(lower);
        neighbors.extend(upper.iter().rev());
        Ok(Path {
            position,
            neighbors,
        })
    }

    /// Runs `f` as one unit: if it fails, every change it made is undone.
    /// Batches nest.
    pub fn batch<T, E>(&mut self, f: impl FnOnce(&mut WorkForest) -> Result<T, E>) -> Result<T, E> {
        let checkpoint = Checkpoint {
            nodes: self.nodes.len(),
            inserted: self.inserted.len(),
            journal: self.journal.len(),
            deleted: self.deleted,
            live_inserted: self.live_inserted,
        };
        self.checkpoints.push(checkpoint);
        let result = f(self);
        self.checkpoints.pop();
        match result {
            Ok(value) => {
                if self.checkpoints.is_empty() {
                    self.journal.clear();
                }
                Ok(value)
            }
            Err(e) => {
                self.rollback(checkpoint);
                Err(e)
            }
        }
    }

    fn delete_transient(&mut self, leaf: Hash) -> Result<(), UtreexoError> {
        let index = match self.first_live(leaf) {
            Ok(index) => index,
            Err(e) => {
                return match self.single_leaf_path(leaf) {
                    Some(path) => self.delete_committed(leaf, &path),
                    None => Err(e),
                }
            }
        };
        self.record(Undo::Revive(index));
        self.inserted[index as usize].live = false;
        self.live_inserted -= 1;
        Ok(())
    }

    /// The (empty) path of `leaf` when it is the committed tree of one item.
    ///
    /// Version 1 accepts a transient proof for that item, as the reference does: its
    /// path has no neighbors, so the proof says nothing either way.
    fn single_leaf_path(&self, leaf: Hash) -> Option<Path> {
        if self.committed & 1 == 0 {
            return None;
        }
        // Roots are stored largest first, so the one-item tree is the last of them.
        let root = self.committed.count_ones() as usize - 1;
        (self.nodes.get(root)?.hash == leaf).then(|| Path {
            position: self.committed - 1,
            neighbors: Vec::new(),
        })
    }

    /// The first insertion of `leaf` still alive.
    fn first_live(&self, leaf: Hash) -> Result<u32, UtreexoError> {
        let mut at = *self.by_leaf.get(&leaf).ok_or(UtreexoError::NotInserted)?;
        loop {
            let entry = &self.inserted[at as usize];
            if entry.live {
                return Ok(at);
            }
            if entry.next_same == NONE {
                return Err(UtreexoError::AlreadyDeleted);
            }
            at = entry.next_same;
        }
    }

    fn delete_committed(&mut self, leaf: Hash, path: &Path) -> Result<(), UtreexoError> {
        let mut hashes = core::mem::take(&mut self.scratch);
        let result = self
            .locate(leaf, path, &mut hashes)
            .and_then(|found| self.apply_deletion(&found, &hashes, path));
        self.scratch = hashes;
        result
    }

    /// Records a verified deletion: marks the way down modified and hangs the
    /// computed nodes (`hashes`, from the leaf up) and the neighbors below the bottom.
    fn apply_deletion(
        &mut self,
        found: &Located,
        hashes: &[Hash],
        path: &Path,
    ) -> Result<(), UtreexoError> {
        if self.nodes.len() + 2 * found.level >= NONE as usize {
            return Err(UtreexoError::TooManyChanges);
        }
        self.counts.nodes += found.level as u64;
        // The known part of the way, from the root to the bottom node.
        let (mut at, mut level) = (found.root, found.tree_level);
        loop {
            self.set_state(at, State::Modified);
            if at == found.bottom || level == 0 {
                break;
            }
            at = self.nodes[at as usize].children + u32::from(goes_right(path.position, level));
            level -= 1;
        }
        // The new part, below the bottom node.
        for level in (1..=found.level).rev() {
            let child_level = (level - 1) as u8;
            let trunk = Node {
                hash: hashes[level - 1],
                children: NONE,
                level: child_level,
                state: if level == 1 {
                    State::Deleted
                } else {
                    State::Modified
                },
            };
            let side = Node {
                hash: path.neighbors[level - 1],
                children: NONE,
                level: child_level,
                state: State::Intact,
            };
            let pair = self.nodes.len() as u32;
            let right = goes_right(path.position, level);
            let (l, r) = if right { (side, trunk) } else { (trunk, side) };
            self.nodes.push(l);
            self.nodes.push(r);
            self.set_children(at, pair);
            at = pair + u32::from(right);
        }
        if found.level == 0 {
            self.set_state(at, State::Deleted);
        }
        self.deleted += 1;
        Ok(())
    }

    /// Checks a committed path against the known nodes and hashes the rest, leaving
    /// in `hashes` the hashes from the leaf (index 0) up to the bottom node.
    fn locate(
        &self,
        leaf: Hash,
        path: &Path,
        hashes: &mut Vec<Hash>,
    ) -> Result<Located, UtreexoError> {
        let position = path.position;
        let tree = find_tree(self.committed, position).ok_or(UtreexoError::PositionOutOfRange {
            position,
            count: self.committed,
        })?;
        if path.neighbors.len() != tree.level {
            return Err(UtreexoError::PathLength {
                expected: tree.level,
                found: path.neighbors.len(),
            });
        }
        let root = tree.index as u32;
        // Down through the known nodes: neighbors are compared, not hashed.
        let (bottom, level) = self.descend(root, tree.level, position, |level, sibling| {
            if sibling.hash == path.neighbors[level - 1] {
                Ok(())
            } else {
                Err(UtreexoError::NeighborMismatch { level: level - 1 })
            }
        })?;
        let node = &self.nodes[bottom as usize];
        if node.state == State::Deleted {
            return Err(UtreexoError::AlreadyDeleted);
        }
        // Up from the leaf to the bottom node: these hashes are new.
        hashes.clear();
        let mut current = leaf;
        hashes.push(current);
        for (k, neighbor) in path.neighbors[..level].iter().enumerate() {
            current = if goes_right(position, k + 1) {
                node_hash(&self.hasher, neighbor, &current)
            } else {
                node_hash(&self.hasher, &current, neighbor)
            };
            hashes.push(current);
        }
        if current != node.hash {
            return Err(UtreexoError::RootMismatch);
        }
        Ok(Located {
            root,
            tree_level: tree.level,
            bottom,
            level,
        })
    }

    /// Walks from the root `root` of a tree of `tree_level` down towards `position`
    /// while the current node has children, showing `visit` the sibling of the way
    /// below each level. Returns the lowest known node on the way and its level.
    fn descend<E>(
        &self,
        root: u32,
        tree_level: usize,
        position: u64,
        mut visit: impl FnMut(usize, &Node) -> Result<(), E>,
    ) -> Result<(u32, usize), E> {
        let (mut at, mut level) = (root, tree_level);
        while level > 0 {
            let node = &self.nodes[at as usize];
            if node.children == NONE {
                break;
            }
            let (next, sibling) = if goes_right(position, level) {
                (node.children + 1, node.children)
            } else {
                (node.children, node.children + 1)
            };
            visit(level, &self.nodes[sibling as usize])?;
            at = next;
            level -= 1;
        }
        Ok((at, level))
    }

    fn set_state(&mut self, at: u32, state: State) {
        self.touch(at);
        self.nodes[at as usize].state = state;
    }

    fn set_children(&mut self, at: u32, children: u32) {
        self.touch(at);
        self.nodes[at as usize].children = children;
    }

    /// Records a node's state before a change, if a batch could need it back.
    fn touch(&mut self, at: u32) {
        if let Some(cp) = self.checkpoints.last() {
            if (at as usize) < cp.nodes {
                self.journal.push(Undo::Node(at, self.nodes[at as usize]));
            }
        }
    }

    fn record(&mut self, undo: Undo) {
        if !self.checkpoints.is_empty() {
            self.journal.push(undo);
        }
    }

    fn rollback(&mut self, cp: Checkpoint) {
        while self.journal.len() > cp.journal {
            match self.journal.pop() {
                Some(Undo::Node(at, node)) => self.nodes[at as usize] = node,
                Some(Undo::Revive(at)) => self.inserted[at as usize].live = true,
                None => break,
            }
        }
        self.nodes.truncate(cp.nodes);
        while self.inserted.len() > cp.inserted {
            if let Some(gone) = self.inserted.pop() {
                self.unlink(gone.leaf, self.inserted.len() as u32);
            }
        }
        self.deleted = cp.deleted;
        self.live_inserted = cp.live_inserted;
    }

    /// Forgets insertion `index`, the last one with its leaf hash.
    fn unlink(&mut self, leaf: Hash, index: u32) {
        let Some(&head) = self.by_leaf.get(&leaf) else {
            return;
        };
        if head == index {
            self.by_leaf.remove(&leaf);
            return;
        }
        let mut at = head as usize;
        while let Some(entry) = self.inserted.get_mut(at) {
            if entry.next_same == index {
                entry.next_same = NONE;
                return;
            }
            at = entry.next_same as usize;
        }
    }
}

impl core::fmt::Debug for WorkForest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WorkForest")
            .field("generation", &self.generation)
            .field("committed", &self.committed)
            .field("deleted", &self.deleted)
            .field("inserted", &self.live_inserted)
            .field("nodes", &self.nodes.len())
            .finish()
    }
}

/// The hash of an inner node, as the forest's updates compute it. Tests record
/// every such hash to check that none is computed twice in a generation.
pub(crate) fn node_hash(hasher: &Hasher, left: &Hash, right: &Hash) -> Hash {
    let hash = hasher.node(left, right);
    #[cfg(test)]
    tests::record(hash);
    hash
}

/// The levels of the trees of the forest a working forest started from.
pub(crate) fn root_levels(work: &WorkForest) -> impl Iterator<Item = usize> {
    levels(work.committed)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashSet;

    thread_local! {
        static RECORDED: RefCell<Vec<Hash>> = const { RefCell::new(Vec::new()) };
    }

    pub(crate) fn record(hash: Hash) {
        RECORDED.with(|r| r.borrow_mut().push(hash));
    }

    fn take_recorded() -> Vec<Hash> {
        RECORDED.with(|r| std::mem::take(&mut *r.borrow_mut()))
    }

    struct Item(u64);

    impl MerkleItem for Item {
        fn commit(&self, t: &mut merlin::Transcript) {
            t.append_u64(b"test.item", self.0);
        }
    }

    #[test]
    fn no_node_hash_is_computed_twice_in_a_generation() {
        let n = 1000u64;
        let mut work = Forest::new().work();
        (0..n).for_each(|i| work.insert(&Item(i)).unwrap());
        let (mut forest, catchup) = work.normalize();
        let mut proofs: Vec<Option<Proof>> = (0..n)
            .map(|i| catchup.update_proof(&Item(i), &Proof::Transient).ok())
            .collect();
        for generation in 0..4u64 {
            let mut work = forest.work();
            take_recorded();
            // Deletions that share upper parts of their paths, and some that do not.
            for i in (0..n).filter(|i| (i + generation) % 7 == 0) {
                if let Some(proof) = proofs[i as usize].take() {
                    work.delete(&Item(i), &proof).unwrap();
                }
            }
            work.insert(&Item(n + generation)).unwrap();
            let (next, catchup) = work.normalize();
            let recorded = take_recorded();
            let distinct: HashSet<Hash> = recorded.iter().copied().collect();
            assert!(!recorded.is_empty());
            assert_eq!(distinct.len(), recorded.len(), "generation {generation}");
            let counted = work.hash_counts().nodes + catchup.hash_counts().nodes;
            assert_eq!(recorded.len() as u64, counted);
            for (i, p) in proofs.iter_mut().enumerate() {
                if let Some(proof) = p {
                    *p = Some(catchup.update_proof(&Item(i as u64), proof).unwrap());
                }
            }
            forest = next;
        }
    }
}

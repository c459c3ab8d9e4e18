//! Roots of lists: all at once, or item by item in O(log n) memory.

use crate::hash::Hash;
use crate::hasher::{Hasher, MerkleItem};

/// The Merkle root of `items` under `hasher`.
pub fn root<M, I>(hasher: &Hasher, items: I) -> Hash
where
    M: MerkleItem,
    I: IntoIterator<Item = M>,
{
    let mut builder = RootBuilder::new(hasher.clone());
    for item in items {
        builder.push(&item);
    }
    builder.root()
}

/// Joins the roots of perfect trees, ordered from the largest (leftmost) tree to the
/// smallest, into the root of the whole list: `H(r0, H(r1, ... H(r_{n-2}, r_{n-1})))`.
/// No roots give the empty hash.
///
/// This is the root of the list as long as the trees have strictly decreasing sizes,
/// which is how both [`RootBuilder`] and a Utreexo forest hold them.
pub fn connect_perfect_roots(hasher: &Hasher, roots: &[Hash]) -> Hash {
    let mut rest = roots.iter().rev();
    match rest.next() {
        None => hasher.empty(),
        Some(last) => rest.fold(*last, |right, left| hasher.node(left, &right)),
    }
}

/// Computes a root item by item, keeping one hash per level.
///
/// After `n` pushes it holds the roots of the perfect trees that the binary digits of
/// `n` describe; [`RootBuilder::root`] joins them into the root of the list.
#[derive(Clone, Debug)]
pub struct RootBuilder {
    hasher: Hasher,
    /// `levels[k]` is the root of a perfect tree of 2^k items waiting for its right
    /// sibling; it is present exactly when bit `k` of `len` is set.
    levels: Vec<Option<Hash>>,
    len: u64,
}

impl RootBuilder {
    /// An empty builder.
    pub fn new(hasher: Hasher) -> Self {
        RootBuilder {
            hasher,
            levels: Vec::new(),
            len: 0,
        }
    }

    /// How many items were pushed.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no item was pushed yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends an item.
    pub fn push<M: MerkleItem + ?Sized>(&mut self, item: &M) {
        let leaf = self.hasher.leaf(item);
        self.push_hash(leaf);
    }

    /// Appends the root of a one-item subtree whose leaf hash is already known.
    pub fn push_hash(&mut self, leaf: Hash) {
        let mut carry = leaf;
        for slot in self.levels.iter_mut() {
            match slot.take() {
                Some(left) => carry = self.hasher.node(&left, &carry),
                None => {
                    *slot = Some(carry);
                    self.len += 1;
                    return;
                }
            }
        }
        self.levels.push(Some(carry));
        self.len += 1;
    }

    /// The root of the items pushed so far.
    pub fn root(&self) -> Hash {
        let mut acc: Option<Hash> = None;
        for left in self.levels.iter().flatten() {
            acc = Some(match acc {
                None => *left,
                Some(right) => self.hasher.node(left, &right),
            });
        }
        acc.unwrap_or_else(|| self.hasher.empty())
    }

    /// Forgets every item, keeping the allocation.
    pub fn clear(&mut self) {
        self.levels.clear();
        self.len = 0;
    }
}

/// Where a list of `n >= 2` items splits: the largest power of two below `n`.
pub(crate) fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
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

    /// The recursive definition, computed literally.
    fn by_definition(h: &Hasher, items: &[N]) -> Hash {
        match items.len() {
            0 => h.empty(),
            1 => h.leaf(&items[0]),
            n => {
                let k = split(n);
                h.node(
                    &by_definition(h, &items[..k]),
                    &by_definition(h, &items[k..]),
                )
            }
        }
    }

    #[test]
    fn builder_matches_the_recursive_definition() {
        let h = Hasher::new(b"test");
        for n in 0..40u64 {
            let items: Vec<N> = (0..n).map(N).collect();
            assert_eq!(root(&h, items.iter()), by_definition(&h, &items), "n = {n}");
        }
    }

    #[test]
    fn connecting_perfect_roots_matches_the_list_root() {
        let h = Hasher::new(b"test");
        // 13 = 8 + 4 + 1.
        let items: Vec<N> = (0..13).map(N).collect();
        let parts = [
            root(&h, items[..8].iter()),
            root(&h, items[8..12].iter()),
            root(&h, items[12..].iter()),
        ];
        assert_eq!(connect_perfect_roots(&h, &parts), root(&h, items.iter()));
        assert_eq!(connect_perfect_roots(&h, &[]), h.empty());
    }

    #[test]
    fn splits_at_the_largest_power_of_two_below() {
        let cases = [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (17, 16)];
        for (n, k) in cases {
            assert_eq!(split(n), k, "n = {n}");
        }
    }

    #[test]
    fn clear_starts_over() {
        let h = Hasher::new(b"test");
        let mut b = RootBuilder::new(h.clone());
        b.push(&N(1));
        b.push(&N(2));
        assert_eq!(b.len(), 2);
        b.clear();
        assert!(b.is_empty());
        assert_eq!(b.root(), h.empty());
        b.push(&N(3));
        assert_eq!(b.root(), h.leaf(&N(3)));
    }
}

//! The shape of a forest: which perfect trees a count of items makes.
//!
//! A forest of `n` items has one tree of 2^k items for each bit `k` set in `n`,
//! largest first. Positions count items from the left across all trees.

/// Where the tree holding `position` sits in a forest of `count` items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TreeSlot {
    /// Index of the tree among the forest's roots, largest first.
    pub index: usize,
    /// The tree's level: it holds 2^level items.
    pub level: usize,
    /// The position of its first item.
    pub start: u64,
}

/// The tree of a `count`-item forest holding `position`, if any.
pub(crate) fn find_tree(count: u64, position: u64) -> Option<TreeSlot> {
    if position >= count {
        return None;
    }
    // Bits of `count` above the highest bit where it differs from `position`
    // are the trees before ours; the differing bit (set in `count`) is our tree.
    let level = (63 - (count ^ position).leading_zeros()) as usize;
    let above = count >> level >> 1;
    Some(TreeSlot {
        index: above.count_ones() as usize,
        level,
        start: (count >> level) << level & !(1u64 << level),
    })
}

/// The levels of the trees of a `count`-item forest, largest first.
pub(crate) fn levels(count: u64) -> impl Iterator<Item = usize> {
    (0..64usize).rev().filter(move |&k| (count >> k) & 1 == 1)
}

/// The bit of `position` that says on which side the path turns below `level`:
/// whether the child at `level - 1` on the way to `position` is the right one.
pub(crate) fn goes_right(position: u64, level: usize) -> bool {
    (position >> (level - 1)) & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slow definition: walk the trees from the left.
    fn by_walking(count: u64, position: u64) -> Option<TreeSlot> {
        let mut start = 0u64;
        for (index, level) in levels(count).enumerate() {
            let end = start + (1u64 << level);
            if position < end {
                return Some(TreeSlot {
                    index,
                    level,
                    start,
                });
            }
            start = end;
        }
        None
    }

    #[test]
    fn finding_a_tree_agrees_with_walking() {
        for count in 0..300u64 {
            for position in 0..310u64 {
                assert_eq!(find_tree(count, position), by_walking(count, position));
            }
        }
        let big = u64::MAX - 5;
        for position in [0, 1 << 40, big - 1, big, u64::MAX] {
            assert_eq!(find_tree(big, position), by_walking(big, position));
        }
    }

    #[test]
    fn thirteen_items_make_trees_of_eight_four_and_one() {
        assert_eq!(levels(13).collect::<Vec<_>>(), [3, 2, 0]);
        assert_eq!(levels(0).count(), 0);
    }
}

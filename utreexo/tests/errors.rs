//! One test per failure condition: each refusal names its reason and changes nothing.

mod common;

use common::Item;
use utreexo::{Catchup, Forest, Hash, Path, Proof, TrackedProof, UtreexoError};

/// A forest of `n` items inserted in order, with every item's committed proof.
fn forest_of(n: u64) -> (Forest, Vec<Proof>) {
    let mut work = Forest::new().work();
    for i in 0..n {
        work.insert(&Item(i)).unwrap();
    }
    let (forest, catchup) = work.normalize();
    let proofs = (0..n)
        .map(|i| catchup.update_proof(&Item(i), &Proof::Transient).unwrap())
        .collect();
    (forest, proofs)
}

fn path(p: &Proof) -> Path {
    p.path().expect("committed").clone()
}

/// Deletes `items` from `forest` and normalizes.
fn delete_and_normalize(forest: &Forest, items: &[(Item, Proof)]) -> (Forest, Catchup) {
    let mut work = forest.work();
    for (item, proof) in items {
        work.delete(item, proof).unwrap();
    }
    work.normalize()
}

#[test]
fn wrong_generation() {
    let (forest, proofs) = forest_of(6);
    let stale = TrackedProof::new(forest.generation() + 7, proofs[0].clone());
    let expected = Err(UtreexoError::WrongGeneration {
        proof: forest.generation() + 7,
        forest: forest.generation(),
    });
    assert_eq!(forest.work().delete_tracked(&Item(0), &stale), expected);
    assert_eq!(forest.verify_tracked(&Item(0), &stale), expected);
    let (next, catchup) = delete_and_normalize(&forest, &[(Item(5), proofs[5].clone())]);
    let too_old = TrackedProof::new(forest.generation().wrapping_sub(1), proofs[0].clone());
    assert_eq!(
        catchup.update(&Item(0), &too_old),
        Err(UtreexoError::WrongGeneration {
            proof: too_old.generation,
            forest: catchup.previous_generation(),
        })
    );
    // A proof of the previous generation, used as is, is refused by the next one.
    let current = TrackedProof::new(forest.generation(), proofs[0].clone());
    assert!(matches!(
        next.work().delete_tracked(&Item(0), &current),
        Err(UtreexoError::WrongGeneration { .. })
    ));
}

#[test]
fn stale_proof_delete_is_refused() {
    let (forest, proofs) = forest_of(8);
    let (next, _) = delete_and_normalize(&forest, &[(Item(0), proofs[0].clone())]);
    // Item 1 moved when item 0 left: its old proof no longer fits.
    let mut work = next.work();
    assert!(work.delete(&Item(1), &proofs[1]).is_err());
    assert_eq!(work.count(), 7);
}

#[test]
fn position_out_of_range() {
    let (forest, proofs) = forest_of(6);
    let mut p = path(&proofs[5]);
    p.position = 6;
    let expected = Some(UtreexoError::PositionOutOfRange {
        position: 6,
        count: 6,
    });
    let mut work = forest.work();
    work.insert(&Item(99)).unwrap();
    let p = Proof::Committed(p);
    assert_eq!(work.delete(&Item(5), &p).err(), expected);
    assert_eq!(forest.verify(&Item(5), &p).err(), expected);
    let (_, catchup) = forest.work().normalize();
    assert_eq!(catchup.update_proof(&Item(5), &p).err(), expected);
}

#[test]
fn path_of_the_wrong_length() {
    let (forest, proofs) = forest_of(6);
    let mut long = path(&proofs[0]);
    long.neighbors.push(Hash::default());
    let expected = Some(UtreexoError::PathLength {
        expected: 2,
        found: 3,
    });
    let long = Proof::Committed(long);
    assert_eq!(forest.work().delete(&Item(0), &long).err(), expected);
    assert_eq!(forest.verify(&Item(0), &long).err(), expected);
    let (_, catchup) = forest.work().normalize();
    assert_eq!(catchup.update_proof(&Item(0), &long).err(), expected);
}

#[test]
fn neighbor_differs_from_a_known_node() {
    let (forest, proofs) = forest_of(8);
    let mut work = forest.work();
    work.delete(&Item(0), &proofs[0]).unwrap();
    // Item 7's top neighbor is now a known node; a wrong one is caught by comparison.
    let mut bad = path(&proofs[7]);
    bad.neighbors[2] = Hash([9; 32]);
    assert_eq!(
        work.delete(&Item(7), &Proof::Committed(bad)),
        Err(UtreexoError::NeighborMismatch { level: 2 })
    );
    work.delete(&Item(7), &proofs[7]).unwrap();
}

#[test]
fn path_does_not_reach_the_forest() {
    let (forest, proofs) = forest_of(8);
    let mut bad = path(&proofs[3]);
    bad.neighbors[0] = Hash([9; 32]);
    let bad = Proof::Committed(bad);
    let mut work = forest.work();
    assert_eq!(work.delete(&Item(3), &bad), Err(UtreexoError::RootMismatch));
    assert_eq!(
        work.delete(&Item(4), &proofs[3]),
        Err(UtreexoError::RootMismatch)
    );
    assert_eq!(
        forest.verify(&Item(3), &bad),
        Err(UtreexoError::RootMismatch)
    );
    let (_, catchup) = forest.work().normalize();
    assert_eq!(
        catchup.update_proof(&Item(3), &bad),
        Err(UtreexoError::RootMismatch)
    );
    // None of it changed the forest.
    work.delete(&Item(3), &proofs[3]).unwrap();
}

#[test]
fn double_deletion() {
    let (forest, proofs) = forest_of(5);
    let mut work = forest.work();
    work.delete(&Item(2), &proofs[2]).unwrap();
    assert_eq!(
        work.delete(&Item(2), &proofs[2]),
        Err(UtreexoError::AlreadyDeleted)
    );
    // The single-item tree: its root is the leaf.
    work.delete(&Item(4), &proofs[4]).unwrap();
    assert_eq!(
        work.delete(&Item(4), &proofs[4]),
        Err(UtreexoError::AlreadyDeleted)
    );
    work.insert(&Item(10)).unwrap();
    work.delete(&Item(10), &Proof::Transient).unwrap();
    assert_eq!(
        work.delete(&Item(10), &Proof::Transient),
        Err(UtreexoError::AlreadyDeleted)
    );
    assert_eq!(work.count(), 3);
}

#[test]
fn transient_proof_for_an_item_not_inserted() {
    let (forest, _) = forest_of(4);
    let mut work = forest.work();
    // Committed items are deleted with their paths, never as transient.
    assert_eq!(
        work.delete(&Item(3), &Proof::Transient),
        Err(UtreexoError::NotInserted)
    );
    assert_eq!(
        work.verify(&Item(3), &Proof::Transient),
        Err(UtreexoError::NotInserted)
    );
    assert_eq!(
        forest.verify(&Item(3), &Proof::Transient),
        Err(UtreexoError::TransientProof)
    );
}

#[test]
fn transient_proof_deletes_the_committed_single_item_tree_once() {
    // As in the reference: the tree of one item has an empty path, so a transient
    // proof names it as well as its committed proof does.
    let (forest, proofs) = forest_of(5);
    assert_eq!(path(&proofs[4]).neighbors.len(), 0);
    let mut work = forest.work();
    work.verify(&Item(4), &Proof::Transient).unwrap();
    work.delete(&Item(4), &Proof::Transient).unwrap();
    assert_eq!(
        work.delete(&Item(4), &Proof::Transient),
        Err(UtreexoError::AlreadyDeleted)
    );
    assert_eq!(
        work.delete(&Item(4), &proofs[4]),
        Err(UtreexoError::AlreadyDeleted)
    );
    // Items in larger trees still need their paths.
    assert_eq!(
        work.delete(&Item(3), &Proof::Transient),
        Err(UtreexoError::NotInserted)
    );
    let (next, _) = work.normalize();
    assert_eq!(next.count(), 4);
}

#[test]
fn deleted_items_do_not_catch_up() {
    let (forest, proofs) = forest_of(6);
    let mut work = forest.work();
    work.delete(&Item(1), &proofs[1]).unwrap();
    work.insert(&Item(50)).unwrap();
    work.delete(&Item(50), &Proof::Transient).unwrap();
    let (next, catchup) = work.normalize();
    assert_eq!(
        catchup.update_proof(&Item(1), &proofs[1]),
        Err(UtreexoError::NotInForest)
    );
    assert_eq!(
        catchup.update_proof(&Item(50), &Proof::Transient),
        Err(UtreexoError::NotInForest)
    );
    assert_eq!(
        UtreexoError::NotInForest.to_string(),
        "the item is not in the forest: it was deleted or never inserted"
    );
    assert_eq!(next.count(), 5);
}

#[test]
fn counts_past_the_largest_forest() {
    let full = Forest::from_parts(0, u64::MAX, vec![Hash::default(); 64]).unwrap();
    assert_eq!(
        full.work().insert(&Item(1)),
        Err(UtreexoError::TooManyChanges)
    );
}

#[test]
fn transient_items_vanish_and_repeats_keep_their_order() {
    // [a, x, b, x]: deleting x removes the first x, leaving [a, b, x].
    let (a, x, b) = (Item(1), Item(2), Item(3));
    let mut work = Forest::new().work();
    for item in [a, x, b, x] {
        work.insert(&item).unwrap();
    }
    work.delete(&x, &Proof::Transient).unwrap();
    let (forest, catchup) = work.normalize();
    assert_eq!(
        forest.root(),
        merkle::root(&utreexo::hasher(), [a, b, x].iter())
    );
    let p = catchup.update_proof(&x, &Proof::Transient).unwrap();
    assert_eq!(p.path().map(|p| p.position), Some(2));
}

#[test]
fn nested_batches_undo_only_their_own_changes() {
    let (forest, proofs) = forest_of(8);
    let mut work = forest.work();
    let outer = work.batch(|w| {
        w.delete(&Item(0), &proofs[0])?;
        let inner = w.batch(|w| {
            w.delete(&Item(1), &proofs[1])?;
            w.insert(&Item(20))?;
            w.delete(&Item(1), &proofs[1])
        });
        assert_eq!(inner, Err(UtreexoError::AlreadyDeleted));
        assert_eq!(w.count(), 7);
        w.verify(&Item(1), &proofs[1])
    });
    assert_eq!(outer, Ok(()));
    assert_eq!(work.count(), 7);
    assert_eq!(
        work.verify(&Item(0), &proofs[0]),
        Err(UtreexoError::AlreadyDeleted)
    );
    let (next, _) = work.normalize();
    // Pieces 1, [2, 3], [4..8) pack largest first.
    let expected: Vec<Item> = [4, 5, 6, 7, 2, 3, 1].into_iter().map(Item).collect();
    assert_eq!(
        next.root(),
        merkle::root(&utreexo::hasher(), expected.iter())
    );
}

#[test]
fn normalizing_with_no_changes_keeps_the_root_and_the_proofs() {
    let (forest, proofs) = forest_of(13);
    let (next, catchup) = forest.work().normalize();
    assert_eq!(next.root(), forest.root());
    assert_eq!(catchup.hash_counts().nodes, 0);
    for (i, p) in proofs.iter().enumerate() {
        assert_eq!(catchup.update_proof(&Item(i as u64), p).as_ref(), Ok(p));
    }
}

#[test]
fn relocation_does_not_check_but_refuses_deleted_items() {
    let (forest, proofs) = forest_of(16);
    let mut work = forest.work();
    work.delete(&Item(0), &proofs[0]).unwrap();
    let (next, catchup) = work.normalize();
    assert_eq!(
        catchup.relocate(&path(&proofs[0])),
        Err(UtreexoError::NotInForest)
    );
    // Item 15 sits in an intact subtree of 8 items: a wrong lowest neighbor moves
    // along unnoticed, and the moved path fails where it is used.
    let mut bad = path(&proofs[15]);
    bad.neighbors[0] = Hash([9; 32]);
    let moved = catchup.relocate(&bad).unwrap();
    assert_eq!(
        next.verify(&Item(15), &Proof::Committed(moved)),
        Err(UtreexoError::RootMismatch)
    );
    assert_eq!(
        catchup.update_proof(&Item(15), &Proof::Committed(bad)),
        Err(UtreexoError::RootMismatch)
    );
}

/// The part of `full` below the lowest node `work` knows: the only length that
/// `complete_path` accepts.
fn lower_part(work: &utreexo::WorkForest, full: &Path) -> Vec<Hash> {
    let fits: Vec<usize> = (0..=full.neighbors.len())
        .filter(|&k| {
            work.complete_path(full.position, &full.neighbors[..k])
                .is_ok()
        })
        .collect();
    assert_eq!(fits.len(), 1, "exactly one length completes the path");
    full.neighbors[..fits[0]].to_vec()
}

#[test]
fn paths_completed_from_the_known_nodes_delete_as_the_whole_paths_do() {
    let (forest, proofs) = forest_of(77);
    let spent = [40u64, 3, 41, 70, 5, 76, 64, 12];
    let mut whole = forest.work();
    let mut partial = forest.work();
    let mut sent = 0;
    for &i in &spent {
        let full = path(&proofs[i as usize]);
        let lower = lower_part(&partial, &full);
        sent += lower.len();
        let completed = partial.complete_path(full.position, &lower).unwrap();
        assert_eq!(completed, full);
        partial
            .delete(&Item(i), &Proof::Committed(completed))
            .unwrap();
        whole.delete(&Item(i), &proofs[i as usize]).unwrap();
    }
    let all: usize = spent
        .iter()
        .map(|&i| path(&proofs[i as usize]).neighbors.len())
        .sum();
    assert!(
        sent < all,
        "later deletions reuse what earlier ones revealed"
    );
    assert_eq!(partial.normalize().0, whole.normalize().0);
}

#[test]
fn a_completed_path_needs_exactly_the_unknown_levels() {
    let (forest, proofs) = forest_of(16);
    let mut work = forest.work();
    work.delete(&Item(0), &proofs[0]).unwrap();
    // Item 1 is the sibling of the deleted leaf: every level of its path is known.
    let full = path(&proofs[1]);
    assert_eq!(work.complete_path(1, &[]), Ok(full.clone()));
    assert_eq!(
        work.complete_path(1, &full.neighbors[..1]),
        Err(UtreexoError::PathLength {
            expected: 4,
            found: 5
        })
    );
    assert_eq!(
        work.complete_path(16, &[]),
        Err(UtreexoError::PositionOutOfRange {
            position: 16,
            count: 16
        })
    );
    // The deleted leaf itself is known; deleting it again is refused as usual.
    let again = work.complete_path(0, &[]).unwrap();
    assert_eq!(
        work.delete(&Item(0), &Proof::Committed(again)),
        Err(UtreexoError::AlreadyDeleted)
    );
}

//! Random sequences of insertions, deletions and normalizations against a plain set.

mod common;

use common::Item;
use proptest::prelude::*;
use std::collections::BTreeMap;
use utreexo::{Forest, Proof, TrackedProof, UtreexoError, WorkForest};

#[derive(Clone, Debug)]
enum Op {
    /// Insert this many new items.
    Insert(u8),
    /// Delete the live item picked by the index, with its proof.
    Delete(prop::sample::Index),
    /// Normalize and catch every proof up.
    Normalize,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u8..6).prop_map(Op::Insert),
        4 => any::<prop::sample::Index>().prop_map(Op::Delete),
        1 => Just(Op::Normalize),
    ]
}

/// The model: live items with the proofs a wallet would hold for them.
struct Model {
    forest: Forest,
    work: WorkForest,
    live: BTreeMap<Item, TrackedProof>,
    /// Items deleted in the current generation, with the proofs they were deleted by.
    deleted_now: Vec<(Item, TrackedProof)>,
    next: u64,
}

impl Model {
    fn new() -> Self {
        let forest = Forest::new();
        Model {
            work: forest.work(),
            forest,
            live: BTreeMap::new(),
            deleted_now: Vec::new(),
            next: 0,
        }
    }

    fn insert(&mut self, n: u8) {
        for _ in 0..n {
            let item = Item(self.next);
            self.next += 1;
            self.work.insert(&item).unwrap();
            let proof = TrackedProof::new(self.work.generation(), Proof::Transient);
            self.live.insert(item, proof);
        }
    }

    fn delete(&mut self, pick: prop::sample::Index) -> Result<(), TestCaseError> {
        if self.live.is_empty() {
            return Ok(());
        }
        let item = *self.live.keys().nth(pick.index(self.live.len())).unwrap();
        let proof = self.live.remove(&item).unwrap();
        prop_assert_eq!(self.work.verify(&item, &proof.proof), Ok(()));
        self.work.delete_tracked(&item, &proof).unwrap();
        // The same proof cannot delete it twice.
        prop_assert_eq!(
            self.work.delete_tracked(&item, &proof),
            Err(UtreexoError::AlreadyDeleted)
        );
        prop_assert!(self.work.verify(&item, &proof.proof).is_err());
        self.deleted_now.push((item, proof));
        Ok(())
    }

    fn normalize(&mut self) -> Result<(), TestCaseError> {
        let (next, catchup) = self.work.normalize();
        prop_assert_eq!(next.count(), self.live.len() as u64);
        prop_assert_eq!(next.generation(), self.forest.generation() + 1);
        let mut by_position = Vec::with_capacity(self.live.len());
        for (item, proof) in self.live.iter_mut() {
            let updated = catchup.update(item, proof).unwrap();
            // Relocating without checks agrees for valid proofs.
            if let (Proof::Committed(old), Proof::Committed(new)) = (&proof.proof, &updated.proof) {
                prop_assert_eq!(catchup.relocate(old), Ok(new.clone()));
                // And so does moving it in place.
                let mut moved = old.clone();
                catchup.relocation(old).unwrap().apply(&mut moved);
                prop_assert_eq!(&moved, new);
            }
            prop_assert_eq!(next.verify_tracked(item, &updated), Ok(()));
            // A proof already at the new generation passes unchanged.
            prop_assert_eq!(catchup.update(item, &updated), Ok(updated.clone()));
            if let Proof::Committed(path) = &updated.proof {
                by_position.push((path.position, *item));
            }
            *proof = updated;
        }
        // Positions are a permutation, and the root is the Merkle root in that order.
        by_position.sort();
        prop_assert!(by_position
            .iter()
            .enumerate()
            .all(|(i, (p, _))| *p == i as u64));
        let ordered: Vec<Item> = by_position.iter().map(|(_, item)| *item).collect();
        prop_assert_eq!(
            next.root(),
            merkle::root(&utreexo::hasher(), ordered.iter())
        );
        for (item, proof) in self.deleted_now.drain(..) {
            prop_assert!(catchup.update(&item, &proof).is_err());
            if let Proof::Committed(old) = &proof.proof {
                prop_assert_eq!(catchup.relocate(old), Err(UtreexoError::NotInForest));
            }
            prop_assert!(next.verify(&item, &proof.proof).is_err());
        }
        self.forest = next;
        self.work = self.forest.work();
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_forest_behaves_like_a_set(ops in prop::collection::vec(op(), 1..80)) {
        let mut model = Model::new();
        for op in ops {
            match op {
                Op::Insert(n) => model.insert(n),
                Op::Delete(pick) => model.delete(pick)?,
                Op::Normalize => model.normalize()?,
            }
            prop_assert_eq!(model.work.count(), model.live.len() as u64);
        }
        model.normalize()?;
    }

    #[test]
    fn a_failed_batch_changes_nothing(
        setup in prop::collection::vec(op(), 1..40),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..6),
    ) {
        let mut model = Model::new();
        for op in setup {
            match op {
                Op::Insert(n) => model.insert(n),
                Op::Delete(pick) => model.delete(pick)?,
                Op::Normalize => model.normalize()?,
            }
        }
        let before = model.work.clone();
        let live: Vec<(Item, TrackedProof)> =
            model.live.iter().map(|(i, p)| (*i, p.clone())).collect();
        let result = model.work.batch(|w| {
            w.insert(&Item(u64::MAX))?;
            for pick in &picks {
                if live.is_empty() {
                    break;
                }
                let (item, proof) = &live[pick.index(live.len())];
                // Picks may repeat: the second deletion fails and ends the batch.
                w.delete(item, &proof.proof)?;
            }
            Err::<(), UtreexoError>(UtreexoError::RootMismatch)
        });
        prop_assert!(result.is_err());
        prop_assert_eq!(model.work.count(), before.count());
        let (a, _) = model.work.normalize();
        let (b, _) = before.normalize();
        prop_assert_eq!(a, b);
        // And the proofs still work after the rollback.
        for (item, proof) in &live {
            prop_assert_eq!(model.work.verify(item, &proof.proof), Ok(()));
        }
    }
}

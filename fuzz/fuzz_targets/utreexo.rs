//! Utreexo proofs and forests. A forest of 13 items with their honest proofs; the
//! input's first byte picks an item, the rest is a proof. What must hold: a proof
//! that decodes re-encodes to itself; a proof the forest accepts for an item is that
//! item's honest proof; deleting with a refused proof leaves the forest as it was,
//! deleting with the honest one removes exactly one item. The whole input is also
//! read as a forest encoding, which must round-trip.
#![no_main]

use blockchain::ChainState;
use encoding::Encodable;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use utreexo::{Forest, Proof};
use zkvm::ContractId;

struct Fixture {
    forest: Forest,
    items: Vec<ContractId>,
    proofs: Vec<Proof>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let items: Vec<ContractId> = (0u8..13).map(|i| ContractId([i; 32])).collect();
        let key = musig::SigningKey::new(curve25519_dalek::Scalar::ONE).verification_key();
        let (state, proofs) = ChainState::start(0, &items, key).expect("start");
        Fixture {
            forest: state.forest().clone(),
            items,
            proofs,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(forest) = Forest::from_bytes(data) {
        assert_eq!(forest.encode_to_vec(), data);
        assert_eq!(
            Forest::from_bytes(&forest.encode_to_vec()).ok(),
            Some(forest)
        );
    }
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(proof) = Proof::from_bytes(rest) else {
        return;
    };
    assert_eq!(proof.encode_to_vec(), rest);
    let f = fixture();
    let index = pick as usize % f.items.len();
    let item = &f.items[index];
    let accepted = f.forest.verify(item, &proof).is_ok();
    if accepted {
        assert_eq!(proof, f.proofs[index], "only the honest proof verifies");
    }
    let mut work = f.forest.work();
    let before = work.count();
    // The work forest also takes a transient proof for an item alone in a
    // one-leaf tree (its path is empty): it decides by its own `verify`.
    let work_accepts = work.verify(item, &proof).is_ok();
    assert!(
        !accepted || work_accepts,
        "the work forest refuses what the forest accepts"
    );
    match work.delete(item, &proof) {
        Ok(()) => {
            assert!(work_accepts, "delete accepted a proof verify refuses");
            assert_eq!(work.count(), before - 1);
            assert!(
                work.delete(item, &proof).is_err(),
                "an item is deleted once"
            );
        }
        Err(_) => {
            assert!(!work_accepts, "delete refused a proof verify accepts");
            // Normalizing starts a new generation; the trees must be the same.
            let (after, _) = work.normalize();
            assert_eq!(
                after.roots(),
                f.forest.roots(),
                "a refused delete changes nothing"
            );
            assert_eq!(after.count(), f.forest.count());
        }
    }
});

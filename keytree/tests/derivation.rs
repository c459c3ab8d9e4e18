//! Algebraic laws of derivation: the private and public sides always agree.

use curve25519_dalek::ristretto::RistrettoPoint;
use keytree::{Xprv, Xpub};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn private_and_public_derivations_agree(seed in any::<[u8; 32]>(), a in any::<u64>(), b in any::<u64>()) {
        let xprv = Xprv::from_seed(&seed);
        let xpub = xprv.to_xpub();
        let mid = xprv.derive_intermediate_key(|t| t.append_u64(b"account", a));
        let mid_pub = xpub.derive_intermediate_key(|t| t.append_u64(b"account", a));
        prop_assert_eq!(mid.as_xpub(), &mid_pub);
        let leaf = mid.derive_key(|t| t.append_u64(b"invoice", b));
        let leaf_pub = mid_pub.derive_key(|t| t.append_u64(b"invoice", b));
        prop_assert_eq!(RistrettoPoint::mul_base(&leaf), leaf_pub);
    }

    #[test]
    fn encodings_round_trip(seed in any::<[u8; 32]>()) {
        let xprv = Xprv::from_seed(&seed);
        prop_assert_eq!(&Xprv::from_bytes(&xprv.to_bytes()[..]).unwrap(), &xprv);
        let xpub = xprv.to_xpub();
        prop_assert_eq!(Xpub::from_bytes(&xpub.to_bytes()).unwrap(), xpub);
    }

    #[test]
    fn different_paths_give_different_keys(seed in any::<[u8; 32]>(), a in any::<u64>()) {
        let xpub = Xprv::from_seed(&seed).to_xpub();
        let one = xpub.derive_key(|t| t.append_u64(b"invoice", a));
        let other = xpub.derive_key(|t| t.append_u64(b"invoice", a.wrapping_add(1)));
        prop_assert_ne!(one, other);
    }
}

#[test]
fn decoding_garbage_never_panics() {
    for len in 0..130 {
        let bytes = vec![0xa5u8; len];
        let _ = Xprv::from_bytes(&bytes);
        let _ = Xpub::from_bytes(&bytes);
    }
}

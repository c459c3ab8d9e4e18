//! Scalars and points from 64 uniform bytes.
//!
//! curve25519-dalek 5 draws randomness through `rand_core` 0.10, while merlin 3 and
//! every public API of this workspace take `rand_core` 0.6 generators. These two
//! functions keep the 0.6 bounds: they read 64 bytes from the generator and reduce them
//! exactly as `Scalar::random` and `RistrettoPoint::random` of curve25519-dalek 4 did,
//! so a seeded generator still yields the same scalars and points.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// A uniformly random scalar: 64 bytes from `rng` reduced modulo the group order.
pub fn random_scalar<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Scalar {
    let bytes = uniform_bytes(rng);
    Scalar::from_bytes_mod_order_wide(&bytes)
}

/// A uniformly random point: 64 bytes from `rng` mapped with the Ristretto
/// one-way map (`RistrettoPoint::from_uniform_bytes`).
pub fn random_point<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> RistrettoPoint {
    let bytes = uniform_bytes(rng);
    RistrettoPoint::from_uniform_bytes(&bytes)
}

/// 64 bytes from `rng`, wiped after use since they may become a secret scalar.
fn uniform_bytes<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Zeroizing<[u8; 64]> {
    let mut bytes = Zeroizing::new([0u8; 64]);
    rng.fill_bytes(bytes.as_mut());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// The scalar is the wide reduction of exactly the next 64 bytes of the stream.
    #[test]
    fn scalar_is_the_wide_reduction_of_the_next_64_bytes() {
        let mut a = StdRng::seed_from_u64(1);
        let mut b = StdRng::seed_from_u64(1);
        let mut bytes = [0u8; 64];
        for _ in 0..4 {
            b.fill_bytes(&mut bytes);
            assert_eq!(
                random_scalar(&mut a),
                Scalar::from_bytes_mod_order_wide(&bytes)
            );
        }
    }

    /// The point is the one-way map of exactly the next 64 bytes of the stream.
    #[test]
    fn point_is_the_map_of_the_next_64_bytes() {
        let mut a = StdRng::seed_from_u64(2);
        let mut b = StdRng::seed_from_u64(2);
        let mut bytes = [0u8; 64];
        for _ in 0..4 {
            b.fill_bytes(&mut bytes);
            assert_eq!(
                random_point(&mut a),
                RistrettoPoint::from_uniform_bytes(&bytes)
            );
        }
    }

    /// Each draw consumes fresh bytes: two draws from one stream differ.
    #[test]
    fn distinct_draws_differ() {
        let mut rng = StdRng::seed_from_u64(3);
        assert_ne!(random_scalar(&mut rng), random_scalar(&mut rng));
        assert_ne!(random_point(&mut rng), random_point(&mut rng));
    }
}

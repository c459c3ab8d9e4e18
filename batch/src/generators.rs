//! The fixed bases of every statement.

use curve25519_dalek::constants::{
    RISTRETTO_BASEPOINT_COMPRESSED, RISTRETTO_BASEPOINT_POINT, RISTRETTO_BASEPOINT_TABLE,
};
use curve25519_dalek::ristretto::{RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::MultiscalarMul;
use sha3::digest::{Digest, ExtendableOutput, Update, XofReader};
use sha3::{Sha3_512, Shake256};
use std::sync::OnceLock;

/// The Pedersen bases `B` and `B̃` of the Bulletproofs protocol.
///
/// `B` is the Ristretto basepoint; `B̃` is the Ristretto one-way map of the SHA3-512
/// hash of the basepoint's compressed encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PedersenGens {
    /// The value base `B`.
    pub b: RistrettoPoint,
    /// The blinding base `B̃`.
    pub b_blinding: RistrettoPoint,
}

impl PedersenGens {
    /// The commitment `value·B + blinding·B̃`, computed in constant time. For the
    /// protocol's bases (the default) it uses precomputed tables of both, a third
    /// faster than the two-point multiplication other bases take.
    pub fn commit(&self, value: Scalar, blinding: Scalar) -> RistrettoPoint {
        let tables = BaseTables::get();
        if *self == tables.gens {
            RISTRETTO_BASEPOINT_TABLE * &value + &tables.b_blinding * &blinding
        } else {
            RistrettoPoint::multiscalar_mul([value, blinding], [self.b, self.b_blinding])
        }
    }
}

/// Fixed-base tables of the default Pedersen bases: `B`'s is curve25519-dalek's own,
/// `B̃`'s is built once, on first use (about a millisecond, 30 KB).
struct BaseTables {
    gens: PedersenGens,
    b_blinding: RistrettoBasepointTable,
}

impl BaseTables {
    fn get() -> &'static BaseTables {
        static TABLES: OnceLock<BaseTables> = OnceLock::new();
        TABLES.get_or_init(|| {
            let gens = PedersenGens::default();
            BaseTables {
                b_blinding: RistrettoBasepointTable::create(&gens.b_blinding),
                gens,
            }
        })
    }
}

impl Default for PedersenGens {
    fn default() -> Self {
        let hash = Sha3_512::digest(RISTRETTO_BASEPOINT_COMPRESSED.as_bytes());
        PedersenGens {
            b: RISTRETTO_BASEPOINT_POINT,
            b_blinding: RistrettoPoint::from_uniform_bytes(&hash.into()),
        }
    }
}

/// The Pedersen bases `B`, `B̃` and the first `capacity` Bulletproofs generators
/// `Gᵢ`, `Hᵢ` of party 0.
///
/// All are derived here as the Bulletproofs protocol derives them, so proofs stay
/// byte-compatible with it: each chain is SHAKE256 over `"GeneratorsChain"` and a
/// label (`'G'` or `'H'`, then the party index as LE32), each 64 bytes of output mapped
/// to the group with `RistrettoPoint::from_uniform_bytes`. A proof made with a prefix
/// of the chain is the same whatever the capacity, so one `Generators` serves every
/// circuit that fits.
#[derive(Clone)]
pub struct Generators {
    /// The Pedersen bases.
    pub pedersen: PedersenGens,
    g: Vec<RistrettoPoint>,
    h: Vec<RistrettoPoint>,
}

impl Generators {
    /// Derives the Pedersen bases and `capacity` generators of each chain.
    pub fn new(capacity: usize) -> Self {
        Generators {
            pedersen: PedersenGens::default(),
            g: chain(b'G', 0, capacity),
            h: chain(b'H', 0, capacity),
        }
    }

    /// How many `Gᵢ` (and as many `Hᵢ`) are available.
    pub fn capacity(&self) -> usize {
        self.g.len()
    }

    /// The Pedersen value base `B`.
    pub fn b(&self) -> RistrettoPoint {
        self.pedersen.b
    }

    /// The Pedersen blinding base `B̃`.
    pub fn b_blinding(&self) -> RistrettoPoint {
        self.pedersen.b_blinding
    }

    /// All `Gᵢ`.
    pub fn g(&self) -> &[RistrettoPoint] {
        &self.g
    }

    /// All `Hᵢ`.
    pub fn h(&self) -> &[RistrettoPoint] {
        &self.h
    }
}

impl std::fmt::Debug for Generators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generators")
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// The first `n` points of the chain named `letter` of party `party`.
fn chain(letter: u8, party: u32, n: usize) -> Vec<RistrettoPoint> {
    let mut label = [letter, 0, 0, 0, 0];
    label[1..].copy_from_slice(&party.to_le_bytes());
    let mut shake = Shake256::default();
    shake.update(b"GeneratorsChain");
    shake.update(&label);
    let mut reader = shake.finalize_xof();
    let mut uniform = [0u8; 64];
    (0..n)
        .map(|_| {
            reader.read(&mut uniform);
            RistrettoPoint::from_uniform_bytes(&uniform)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulletproofs_v4::range_proof_mpc::party::Party;
    use bulletproofs_v4::{BulletproofGens as TheirGens, PedersenGens as TheirPedersen};
    use curve25519_dalek_ng::scalar::Scalar as NgScalar;

    #[test]
    fn pedersen_bases_match_the_bulletproofs_crate() {
        let ours = PedersenGens::default();
        let theirs = TheirPedersen::default();
        assert_eq!(ours.b.compress().to_bytes(), theirs.B.compress().to_bytes());
        assert_eq!(
            ours.b_blinding.compress().to_bytes(),
            theirs.B_blinding.compress().to_bytes()
        );
        let (v, f) = (Scalar::from(42u64), Scalar::from(7u64));
        assert_eq!(ours.commit(v, f), ours.b * v + ours.b_blinding * f);
    }

    /// The tables of the default bases and the plain multiplication of other bases
    /// give `v·B + f·B̃` alike, for small, large and zero scalars.
    #[test]
    fn commit_agrees_with_scalar_multiplication_on_both_paths() {
        let default = PedersenGens::default();
        let other = PedersenGens {
            b: default.b_blinding,
            b_blinding: default.b * Scalar::from(3u8),
        };
        let big = Scalar::from(5u8).invert();
        for gens in [default, other] {
            for (v, f) in [
                (Scalar::ZERO, Scalar::ZERO),
                (Scalar::from(u64::MAX), big),
                (big, -Scalar::ONE),
            ] {
                assert_eq!(gens.commit(v, f), gens.b * v + gens.b_blinding * f);
            }
        }
    }

    /// Every `Gᵢ` and `Hᵢ` of every party, for several party counts and sizes, equals
    /// the bulletproofs 4.0.0 generator of the same party and index.
    #[test]
    fn chains_match_the_bulletproofs_crate_for_every_party() {
        for (n, parties) in [(8, 1), (16, 3), (64, 4)] {
            let theirs = TheirGens::new(n, parties);
            let pc = TheirPedersen::default();
            for party in 0..parties {
                let (g, h) = (chain(b'G', party as u32, n), chain(b'H', party as u32, n));
                for i in 0..n {
                    let their_g = their_point(&theirs, &pc, party, n, 2 + i);
                    let their_h = their_point(&theirs, &pc, party, n, 2 + n + i);
                    assert_eq!(g[i].compress().to_bytes(), their_g, "G{i} of party {party}");
                    assert_eq!(h[i].compress().to_bytes(), their_h, "H{i} of party {party}");
                }
            }
        }
    }

    /// `Generators` holds party 0's chains.
    #[test]
    fn generators_hold_party_zero() {
        let gens = Generators::new(40);
        assert_eq!(gens.g(), &chain(b'G', 0, 40)[..]);
        assert_eq!(gens.h(), &chain(b'H', 0, 40)[..]);
        assert_eq!(gens.b(), PedersenGens::default().b);
        assert_eq!(gens.b_blinding(), PedersenGens::default().b_blinding);
    }

    #[test]
    fn chains_are_prefix_stable_and_distinct() {
        let small = Generators::new(8);
        let large = Generators::new(64);
        assert_eq!(small.g(), &large.g()[..8]);
        assert_eq!(small.h(), &large.h()[..8]);
        assert!(small.g().iter().all(|g| !small.h().contains(g)));
        assert_ne!(chain(b'G', 1, 8), chain(b'G', 0, 8));
    }

    /// One generator of bulletproofs 4.0.0, read through its public API as bytes.
    ///
    /// A range-proof party's first message holds `S = s̃·B̃ + Σ sLᵢ·Gᵢ + Σ sRᵢ·Hᵢ`, whose
    /// scalars it draws from the rng in the order `ã, s̃, sL₀…sLₙ₋₁, sR₀…sRₙ₋₁`. An rng
    /// that makes draw `draw` equal to one and every other draw zero makes `S` the one
    /// generator at that position.
    fn their_point(
        gens: &TheirGens,
        pc: &TheirPedersen,
        party: usize,
        n: usize,
        draw: usize,
    ) -> [u8; 32] {
        let waiting = Party::new(gens, pc, 0, NgScalar::zero(), n).expect("a valid party");
        let mut rng = OneAtDraw { draw, position: 0 };
        let (_, message) = waiting
            .assign_position_with_rng(party, &mut rng)
            .expect("a party within capacity");
        let json = serde_json::to_value(message).expect("the message serializes");
        let bytes: Vec<u8> = serde_json::from_value(json["S_j"].clone()).expect("32 bytes");
        bytes.try_into().expect("a compressed point")
    }

    /// A byte stream whose 64-byte draw number `draw` encodes the scalar one and whose
    /// other bytes are zero.
    struct OneAtDraw {
        draw: usize,
        position: usize,
    }

    impl rand_core::RngCore for OneAtDraw {
        fn next_u32(&mut self) -> u32 {
            rand_core::impls::next_u32_via_fill(self)
        }

        fn next_u64(&mut self) -> u64 {
            rand_core::impls::next_u64_via_fill(self)
        }

        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for byte in dest {
                *byte = u8::from(self.position == 64 * self.draw);
                self.position += 1;
            }
        }

        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    impl rand_core::CryptoRng for OneAtDraw {}
}

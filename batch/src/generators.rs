//! The fixed bases of every statement.

use bulletproofs::PedersenGens;
use curve25519_dalek::ristretto::RistrettoPoint;
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::Shake256;

/// The Pedersen bases `B`, `B̃` and the first `capacity` Bulletproofs generators
/// `Gᵢ`, `Hᵢ` of party 0.
///
/// `B` and `B̃` are `bulletproofs::PedersenGens::default()`. The `Gᵢ` equal
/// `bulletproofs::BulletproofGens::new(capacity, 1).share(0).G(capacity)`; that crate
/// keeps its `Hᵢ` private, so both chains are derived here the same way it does:
/// SHAKE256 over `"GeneratorsChain"` and the label (`'G'` or `'H'` then the party
/// index as LE32), each 64 bytes of output mapped to the group with
/// `RistrettoPoint::from_uniform_bytes`. A proof made with a prefix of the chain is
/// the same whatever the capacity, so one `Generators` serves every circuit that fits.
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
            g: chain(b'G', capacity),
            h: chain(b'H', capacity),
        }
    }

    /// How many `Gᵢ` (and as many `Hᵢ`) are available.
    pub fn capacity(&self) -> usize {
        self.g.len()
    }

    /// The Pedersen value base `B`.
    pub fn b(&self) -> RistrettoPoint {
        self.pedersen.B
    }

    /// The Pedersen blinding base `B̃`.
    pub fn b_blinding(&self) -> RistrettoPoint {
        self.pedersen.B_blinding
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

/// The first `n` points of party 0's chain named `letter`.
fn chain(letter: u8, n: usize) -> Vec<RistrettoPoint> {
    let mut shake = Shake256::default();
    shake.update(b"GeneratorsChain");
    shake.update(&[letter, 0, 0, 0, 0]);
    let mut reader = shake.finalize_xof();
    let mut points = Vec::with_capacity(n);
    let mut uniform = [0u8; 64];
    for _ in 0..n {
        reader.read(&mut uniform);
        points.push(RistrettoPoint::from_uniform_bytes(&uniform));
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulletproofs::BulletproofGens;

    #[test]
    fn g_chain_matches_the_bulletproofs_crate() {
        let ours = Generators::new(100);
        let theirs = BulletproofGens::new(100, 1);
        let theirs: Vec<_> = theirs.share(0).G(100).copied().collect();
        assert_eq!(ours.g(), &theirs[..]);
    }

    #[test]
    fn chains_are_prefix_stable_and_distinct() {
        let small = Generators::new(8);
        let large = Generators::new(64);
        assert_eq!(small.g(), &large.g()[..8]);
        assert_eq!(small.h(), &large.h()[..8]);
        assert!(small.g().iter().all(|g| !small.h().contains(g)));
    }
}

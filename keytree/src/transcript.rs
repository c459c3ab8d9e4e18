//! Every transcript label of the key tree, in one place.

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;

/// Transcript label of root keys made from a seed.
const FROM_SEED: &[u8] = b"Keytree.from_seed";
/// Transcript label of every derivation.
const DERIVATION: &[u8] = b"Keytree.derivation";

/// The key tree's operations on a Merlin transcript.
pub(crate) trait TranscriptProtocol {
    /// A fresh transcript that has absorbed `seed`.
    fn keytree_from_seed(seed: &[u8]) -> Transcript;
    /// A fresh derivation transcript bound to a parent's public half.
    fn keytree_derivation(point: &CompressedRistretto, dk: &[u8; 32]) -> Transcript;
    /// The secret scalar of a root key made from a seed.
    fn seed_scalar(&mut self) -> Scalar;
    /// The blinding factor of an intermediate child.
    fn intermediate_factor(&mut self) -> Scalar;
    /// The blinding factor of a leaf.
    fn leaf_factor(&mut self) -> Scalar;
    /// A new derivation key (after a seed or an intermediate factor).
    fn derivation_key(&mut self) -> [u8; 32];
}

impl TranscriptProtocol for Transcript {
    fn keytree_from_seed(seed: &[u8]) -> Transcript {
        let mut t = Transcript::new(FROM_SEED);
        t.append_message(b"seed", seed);
        t
    }

    fn keytree_derivation(point: &CompressedRistretto, dk: &[u8; 32]) -> Transcript {
        let mut t = Transcript::new(DERIVATION);
        t.append_message(b"pt", point.as_bytes());
        t.append_message(b"dk", dk);
        t
    }

    fn seed_scalar(&mut self) -> Scalar {
        challenge_scalar(self, b"scalar")
    }

    fn intermediate_factor(&mut self) -> Scalar {
        challenge_scalar(self, b"f.intermediate")
    }

    fn leaf_factor(&mut self) -> Scalar {
        challenge_scalar(self, b"f.leaf")
    }

    fn derivation_key(&mut self) -> [u8; 32] {
        let mut dk = [0u8; 32];
        self.challenge_bytes(b"dk", &mut dk);
        dk
    }
}

/// 64 challenge bytes reduced modulo the group order.
fn challenge_scalar(t: &mut Transcript, label: &'static [u8]) -> Scalar {
    let mut wide = [0u8; 64];
    t.challenge_bytes(label, &mut wide);
    let s = Scalar::from_bytes_mod_order_wide(&wide);
    zeroize::Zeroize::zeroize(&mut wide);
    s
}

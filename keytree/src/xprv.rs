//! Extended private keys.

use crate::transcript::TranscriptProtocol;
use crate::xpub::split_key;
use crate::{KeytreeError, Xpub};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// An extended private key: a secret scalar and a derivation key, with its
/// [`Xpub`] kept beside them.
///
/// The scalar is wiped on drop and never printed.
#[derive(Clone)]
pub struct Xprv {
    scalar: Scalar,
    xpub: Xpub,
}

impl Xprv {
    /// Length of the encoding: scalar then derivation key.
    pub const BYTE_LEN: usize = 64;

    /// A fresh key from a cryptographically secure random number generator: a uniform
    /// scalar (64 random bytes reduced) and 32 random bytes of derivation key.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let scalar = encoding::random_scalar(rng);
        let mut dk = [0u8; 32];
        rng.fill_bytes(&mut dk);
        Self::from_parts(scalar, dk)
    }

    /// The root key of the v1 from-seed derivation: a Merlin transcript
    /// `Keytree.from_seed` absorbs `seed` and yields the scalar, then the derivation
    /// key. The seed must carry enough entropy: the key is only as secret as it is.
    pub fn from_seed(seed: &[u8]) -> Self {
        let mut t = Transcript::keytree_from_seed(seed);
        let scalar = t.seed_scalar();
        let dk = t.derivation_key();
        Self::from_parts(scalar, dk)
    }

    /// Decodes `scalar || dk`, failing unless there are exactly 64 bytes and the
    /// scalar is canonical.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeytreeError> {
        let (mut scalar_bytes, dk) = split_key("xprv", bytes)?;
        let scalar = Option::<Scalar>::from(Scalar::from_canonical_bytes(scalar_bytes));
        scalar_bytes.zeroize();
        let scalar = scalar.ok_or(KeytreeError::NonCanonicalScalar)?;
        Ok(Self::from_parts(scalar, dk))
    }

    /// The 64-byte encoding: scalar then derivation key. It is secret, so it comes in
    /// a buffer that is wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 64]> {
        let mut out = Zeroizing::new([0u8; 64]);
        out[..32].copy_from_slice(self.scalar.as_bytes());
        out[32..].copy_from_slice(&self.xpub.to_bytes()[32..]);
        out
    }

    /// The matching extended public key.
    pub fn as_xpub(&self) -> &Xpub {
        &self.xpub
    }

    /// A copy of the matching extended public key.
    pub fn to_xpub(&self) -> Xpub {
        self.xpub.clone()
    }

    /// Derives an intermediate child xprv; `customize` appends the caller's path data
    /// to the derivation transcript. Its xpub equals what
    /// [`Xpub::derive_intermediate_key`] gives from this key's xpub with the same path.
    pub fn derive_intermediate_key(&self, customize: impl FnOnce(&mut Transcript)) -> Xprv {
        let (xpub, f) = self.xpub.derive_intermediate(customize);
        Xprv {
            scalar: self.scalar + f,
            xpub,
        }
    }

    /// Derives a leaf secret scalar; `customize` appends the caller's selector. Its
    /// public key equals what [`Xpub::derive_key`] gives with the same selector.
    ///
    /// The scalar is a secret key: the caller owns it and should keep it in a type
    /// that wipes it on drop.
    pub fn derive_key(&self, customize: impl FnOnce(&mut Transcript)) -> Scalar {
        self.scalar + self.xpub.leaf_factor(customize)
    }

    fn from_parts(scalar: Scalar, dk: [u8; 32]) -> Self {
        let xpub = Xpub::from_parts(RistrettoPoint::mul_base(&scalar), dk);
        Xprv { scalar, xpub }
    }
}

impl PartialEq for Xprv {
    fn eq(&self, other: &Self) -> bool {
        (self.scalar.ct_eq(&other.scalar)).into() && self.xpub == other.xpub
    }
}

impl Eq for Xprv {}

impl std::fmt::Debug for Xprv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Xprv")
            .field("scalar", &"<redacted>")
            .field("xpub", &self.xpub)
            .finish()
    }
}

impl Drop for Xprv {
    fn drop(&mut self) {
        self.scalar.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Xprv {
        Xprv::from_seed(b"unit test seed")
    }

    #[test]
    fn encoding_round_trips() {
        let xprv = sample();
        assert_eq!(Xprv::from_bytes(&xprv.to_bytes()[..]).unwrap(), xprv);
    }

    #[test]
    fn wrong_lengths_are_refused() {
        for len in [0usize, 31, 63, 65, 128] {
            assert_eq!(
                Xprv::from_bytes(&vec![1u8; len]),
                Err(KeytreeError::InvalidLength {
                    what: "xprv",
                    expected: 64,
                    got: len
                })
            );
        }
    }

    #[test]
    fn non_canonical_scalars_are_refused() {
        let mut bytes = *sample().to_bytes();
        bytes[..32].copy_from_slice(&[0xff; 32]);
        assert_eq!(
            Xprv::from_bytes(&bytes),
            Err(KeytreeError::NonCanonicalScalar)
        );
    }

    #[test]
    fn debug_hides_the_scalar() {
        let xprv = sample();
        let shown = format!("{xprv:?}");
        let secret = encoding::Hex(&xprv.to_bytes()[..32]).to_string();
        assert!(!shown.contains(&secret));
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn random_keys_differ_and_match_their_xpub() {
        let mut rng = rand::thread_rng();
        let a = Xprv::random(&mut rng);
        let b = Xprv::random(&mut rng);
        assert_ne!(a, b);
        assert_eq!(*a.as_xpub().point(), RistrettoPoint::mul_base(&a.scalar));
    }
}

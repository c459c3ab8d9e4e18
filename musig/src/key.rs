//! Signing and verification keys.

use crate::MusigError;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A secret key: a scalar `x`, whose verification key is `x·B`.
///
/// Wiped on drop, never printed, compared in constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SigningKey(Scalar);

impl SigningKey {
    /// Wraps a secret scalar.
    pub fn new(secret: Scalar) -> Self {
        SigningKey(secret)
    }

    /// A uniformly random key.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        SigningKey(encoding::random_scalar(rng))
    }

    /// Decodes 32 bytes holding a canonical scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MusigError> {
        let mut array = Zeroizing::new(exact::<32>("signing key", bytes)?);
        let secret = Option::<Scalar>::from(Scalar::from_canonical_bytes(*array));
        array.zeroize();
        secret
            .map(SigningKey)
            .ok_or(MusigError::NonCanonicalScalar {
                what: "signing key",
            })
    }

    /// The 32-byte encoding, in a buffer wiped on drop.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The secret scalar.
    pub fn as_scalar(&self) -> &Scalar {
        &self.0
    }

    /// The matching verification key `x·B` (constant time in `x`).
    pub fn verification_key(&self) -> VerificationKey {
        VerificationKey::from_point(RistrettoPoint::mul_base(&self.0))
    }
}

impl From<Scalar> for SigningKey {
    fn from(secret: Scalar) -> Self {
        SigningKey(secret)
    }
}

impl PartialEq for SigningKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SigningKey {}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// A public key: a valid Ristretto point, kept both compressed (for transcripts and
/// encodings) and decompressed (for arithmetic).
///
/// Every constructor guarantees the point is valid, so a key never needs checking
/// again when it reaches a verifier. Equality and hashing use the encoding.
#[derive(Clone, Copy)]
pub struct VerificationKey {
    compressed: CompressedRistretto,
    point: RistrettoPoint,
}

impl VerificationKey {
    /// Length of the encoding.
    pub const BYTE_LEN: usize = 32;

    /// Decodes a 32-byte compressed point, refusing an invalid encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MusigError> {
        Self::from_compressed(CompressedRistretto(exact::<32>("verification key", bytes)?))
    }

    /// Wraps a compressed point, refusing an invalid encoding.
    pub fn from_compressed(compressed: CompressedRistretto) -> Result<Self, MusigError> {
        let point = compressed.decompress().ok_or(MusigError::InvalidPoint {
            what: "verification key",
        })?;
        Ok(VerificationKey { compressed, point })
    }

    /// Wraps a point.
    pub fn from_point(point: RistrettoPoint) -> Self {
        VerificationKey {
            compressed: point.compress(),
            point,
        }
    }

    /// The compressed point.
    pub fn as_compressed(&self) -> &CompressedRistretto {
        &self.compressed
    }

    /// The point.
    pub fn as_point(&self) -> &RistrettoPoint {
        &self.point
    }

    /// The 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.compressed.as_bytes()
    }

    /// The 32-byte encoding, by value.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.compressed.to_bytes()
    }
}

impl From<RistrettoPoint> for VerificationKey {
    fn from(point: RistrettoPoint) -> Self {
        Self::from_point(point)
    }
}

impl From<&SigningKey> for VerificationKey {
    fn from(key: &SigningKey) -> Self {
        key.verification_key()
    }
}

impl PartialEq for VerificationKey {
    fn eq(&self, other: &Self) -> bool {
        self.compressed == other.compressed
    }
}

impl Eq for VerificationKey {}

impl std::hash::Hash for VerificationKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.compressed.as_bytes().hash(state);
    }
}

impl std::fmt::Display for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&encoding::Hex(self.as_bytes()), f)
    }
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VerificationKey({self})")
    }
}

/// `bytes` as an array of exactly `N` bytes.
pub(crate) fn exact<const N: usize>(
    what: &'static str,
    bytes: &[u8],
) -> Result<[u8; N], MusigError> {
    bytes.try_into().map_err(|_| MusigError::InvalidLength {
        what,
        expected: N,
        got: bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_keys_round_trip_and_hide_in_debug() {
        let key = SigningKey::random(&mut rand::thread_rng());
        assert_eq!(SigningKey::from_bytes(&key.to_bytes()[..]).unwrap(), key);
        let shown = format!("{key:?}");
        assert!(!shown.contains(&hex::encode(key.to_bytes())));
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn non_canonical_signing_keys_are_refused() {
        assert_eq!(
            SigningKey::from_bytes(&[0xff; 32]),
            Err(MusigError::NonCanonicalScalar {
                what: "signing key"
            })
        );
    }

    #[test]
    fn wrong_lengths_are_refused() {
        for len in [0usize, 31, 33] {
            let bytes = vec![0u8; len];
            let err = MusigError::InvalidLength {
                what: "verification key",
                expected: 32,
                got: len,
            };
            assert_eq!(VerificationKey::from_bytes(&bytes), Err(err));
            assert!(matches!(
                SigningKey::from_bytes(&bytes),
                Err(MusigError::InvalidLength { got, .. }) if got == len
            ));
        }
    }

    #[test]
    fn invalid_points_are_refused() {
        assert_eq!(
            VerificationKey::from_bytes(&[0xff; 32]),
            Err(MusigError::InvalidPoint {
                what: "verification key"
            })
        );
    }

    #[test]
    fn verification_keys_round_trip() {
        let key = SigningKey::random(&mut rand::thread_rng()).verification_key();
        let decoded = VerificationKey::from_bytes(key.as_bytes()).unwrap();
        assert_eq!(decoded, key);
        assert_eq!(decoded.as_point(), key.as_point());
        assert_eq!(format!("{key}"), hex::encode(key.to_bytes()));
    }
}

//! Extended public keys.

use crate::transcript::TranscriptProtocol;
use crate::KeytreeError;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// An extended public key: a point and a derivation key.
///
/// It is semi-private: whoever holds it can link every key derived from it, so the
/// derivation key is wiped on drop and never printed. The point is kept both
/// compressed (for encoding and transcripts) and decompressed (for arithmetic).
#[derive(Clone)]
pub struct Xpub {
    compressed: CompressedRistretto,
    point: RistrettoPoint,
    dk: [u8; 32],
}

impl Xpub {
    /// Length of the encoding: compressed point then derivation key.
    pub const BYTE_LEN: usize = 64;

    /// Builds an xpub from a point known to be valid.
    pub(crate) fn from_parts(point: RistrettoPoint, dk: [u8; 32]) -> Self {
        Xpub {
            compressed: point.compress(),
            point,
            dk,
        }
    }

    /// Decodes `point || dk`, failing unless there are exactly 64 bytes and the point
    /// is a valid Ristretto encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeytreeError> {
        let (point_bytes, dk) = split_key("xpub", bytes)?;
        let compressed = CompressedRistretto(point_bytes);
        let point = compressed.decompress().ok_or(KeytreeError::InvalidPoint)?;
        Ok(Xpub {
            compressed,
            point,
            dk,
        })
    }

    /// The 64-byte encoding: compressed point then derivation key.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(self.compressed.as_bytes());
        out[32..].copy_from_slice(&self.dk);
        out
    }

    /// The public point, compressed.
    pub fn compressed(&self) -> &CompressedRistretto {
        &self.compressed
    }

    /// The public point.
    pub fn point(&self) -> &RistrettoPoint {
        &self.point
    }

    /// Derives an intermediate child xpub; `customize` appends the caller's path data
    /// (for example `|prf| prf.append_u64(b"account", n)`) to the derivation
    /// transcript. The matching [`crate::Xprv`] derivation gives the child's secret.
    pub fn derive_intermediate_key(&self, customize: impl FnOnce(&mut Transcript)) -> Xpub {
        self.derive_intermediate(customize).0
    }

    /// Derives a leaf public key; `customize` appends the caller's selector (for
    /// example `|prf| prf.append_u64(b"invoice", n)`). Leaf derivation is domain
    /// separated from intermediate derivation: the same path gives unrelated keys.
    pub fn derive_key(&self, customize: impl FnOnce(&mut Transcript)) -> RistrettoPoint {
        let f = self.leaf_factor(customize);
        self.point + RistrettoPoint::mul_base(&f)
    }

    /// The child xpub and the factor added to the parent's secret to reach it.
    pub(crate) fn derive_intermediate(
        &self,
        customize: impl FnOnce(&mut Transcript),
    ) -> (Xpub, Scalar) {
        let mut prf = self.derivation_transcript();
        customize(&mut prf);
        let f = prf.intermediate_factor();
        let dk = prf.derivation_key();
        let child = Xpub::from_parts(self.point + RistrettoPoint::mul_base(&f), dk);
        (child, f)
    }

    /// The factor added to the parent's secret to reach a leaf.
    pub(crate) fn leaf_factor(&self, customize: impl FnOnce(&mut Transcript)) -> Scalar {
        let mut prf = self.derivation_transcript();
        customize(&mut prf);
        prf.leaf_factor()
    }

    fn derivation_transcript(&self) -> Transcript {
        Transcript::keytree_derivation(&self.compressed, &self.dk)
    }
}

/// Splits a 64-byte key encoding into its two 32-byte halves.
pub(crate) fn split_key(
    what: &'static str,
    bytes: &[u8],
) -> Result<([u8; 32], [u8; 32]), KeytreeError> {
    let invalid = KeytreeError::InvalidLength {
        what,
        expected: 64,
        got: bytes.len(),
    };
    let array: &[u8; 64] = bytes.try_into().map_err(|_| invalid)?;
    let mut head = [0u8; 32];
    let mut tail = [0u8; 32];
    head.copy_from_slice(&array[..32]);
    tail.copy_from_slice(&array[32..]);
    Ok((head, tail))
}

impl PartialEq for Xpub {
    fn eq(&self, other: &Self) -> bool {
        let same_point = self
            .compressed
            .as_bytes()
            .ct_eq(other.compressed.as_bytes());
        (same_point & self.dk.ct_eq(&other.dk)).into()
    }
}

impl Eq for Xpub {}

impl std::fmt::Debug for Xpub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Xpub")
            .field("point", &encoding::Hex(self.compressed.as_bytes()))
            .field("dk", &"<redacted>")
            .finish()
    }
}

impl Drop for Xpub {
    fn drop(&mut self) {
        self.dk.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Xpub {
        Xpub::from_parts(RistrettoPoint::mul_base(&Scalar::from(7u64)), [9u8; 32])
    }

    #[test]
    fn encoding_round_trips() {
        let xpub = sample();
        assert_eq!(Xpub::from_bytes(&xpub.to_bytes()).unwrap(), xpub);
    }

    #[test]
    fn wrong_lengths_are_refused() {
        let bytes = sample().to_bytes();
        for len in [0, 32, 63, 65] {
            let mut v = bytes.to_vec();
            v.resize(len, 0);
            assert_eq!(
                Xpub::from_bytes(&v),
                Err(KeytreeError::InvalidLength {
                    what: "xpub",
                    expected: 64,
                    got: len
                })
            );
        }
    }

    #[test]
    fn invalid_points_are_refused() {
        let mut bytes = sample().to_bytes();
        bytes[..32].copy_from_slice(&[0xff; 32]);
        assert_eq!(Xpub::from_bytes(&bytes), Err(KeytreeError::InvalidPoint));
    }

    #[test]
    fn debug_hides_the_derivation_key() {
        let shown = format!("{:?}", sample());
        assert!(shown.contains("redacted"));
        assert!(!shown.contains(&encoding::Hex(&[9u8; 32]).to_string()));
    }

    #[test]
    fn leaf_and_intermediate_derivations_differ() {
        let xpub = sample();
        let leaf = xpub.derive_key(|t| t.append_u64(b"i", 1));
        let mid = xpub.derive_intermediate_key(|t| t.append_u64(b"i", 1));
        assert_ne!(leaf, *mid.point());
    }
}

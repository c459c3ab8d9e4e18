//! A point of a proof kept in both forms: the bytes the transcript absorbs and the
//! group element the verification equation uses, so each is computed once.

use crate::R1csError;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::traits::Identity;

/// A proof point with its encoding.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProofPoint {
    /// The 32-byte encoding.
    pub(crate) compressed: CompressedRistretto,
    /// The decoded point.
    pub(crate) point: RistrettoPoint,
}

impl ProofPoint {
    /// Wraps a point the prover computed.
    pub(crate) fn from_point(point: RistrettoPoint) -> Self {
        ProofPoint {
            compressed: point.compress(),
            point,
        }
    }

    /// The identity, whose encoding is 32 zero bytes.
    pub(crate) fn identity() -> Self {
        ProofPoint {
            compressed: CompressedRistretto::identity(),
            point: RistrettoPoint::identity(),
        }
    }

    /// Decodes 32 bytes, naming the field `what` if they are not a valid encoding.
    pub(crate) fn decode(bytes: [u8; 32], what: &'static str) -> Result<Self, R1csError> {
        let compressed = CompressedRistretto(bytes);
        let point = compressed
            .decompress()
            .ok_or(R1csError::InvalidPoint(what))?;
        Ok(ProofPoint { compressed, point })
    }
}

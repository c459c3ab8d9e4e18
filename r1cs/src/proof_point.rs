//! A point of a proof as its 32-byte encoding, which the transcript absorbs.
//!
//! Decoding a proof does not decompress its points: a node decodes every
//! transaction of a block it has already verified (a verification-cache hit) and
//! needs none of them. The verifier decompresses each point once, when it builds
//! the verification equation, and names the first invalid one.

use crate::R1csError;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::traits::Identity;

/// A proof point's encoding.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProofPoint {
    /// The 32-byte encoding.
    pub(crate) compressed: CompressedRistretto,
}

impl ProofPoint {
    /// Wraps a point the prover computed.
    pub(crate) fn from_point(point: RistrettoPoint) -> Self {
        ProofPoint {
            compressed: point.compress(),
        }
    }

    /// The identity, whose encoding is 32 zero bytes.
    pub(crate) fn identity() -> Self {
        ProofPoint {
            compressed: CompressedRistretto::identity(),
        }
    }

    /// Wraps 32 bytes read from a proof; they are checked by [`ProofPoint::point`].
    pub(crate) fn decode(bytes: [u8; 32]) -> Self {
        ProofPoint {
            compressed: CompressedRistretto(bytes),
        }
    }

    /// The point, naming the field `what` if the bytes are not a valid encoding.
    pub(crate) fn point(&self, what: &'static str) -> Result<RistrettoPoint, R1csError> {
        self.compressed
            .decompress()
            .ok_or(R1csError::InvalidPoint(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;

    #[test]
    fn a_point_survives_its_encoding_and_bad_bytes_are_named() {
        let p = ProofPoint::from_point(RISTRETTO_BASEPOINT_POINT);
        let read = ProofPoint::decode(p.compressed.to_bytes());
        assert_eq!(read.point("B"), Ok(RISTRETTO_BASEPOINT_POINT));
        assert_eq!(
            ProofPoint::decode([0xff; 32]).point("T_1"),
            Err(R1csError::InvalidPoint("T_1"))
        );
        assert_eq!(
            ProofPoint::identity().point("S2"),
            Ok(RistrettoPoint::identity())
        );
    }
}

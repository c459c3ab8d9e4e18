//! Proofs of membership and their v1 encoding.
//!
//! An item inserted in the current generation has no path yet: its proof is
//! [`Proof::Transient`]. An item of a normalized forest has a path: its absolute
//! position among all items (which picks the tree, and whose low bits give the sides
//! of the neighbors) and one neighbor per level of its tree, from the leaf up.
//!
//! The v1 encoding, as blocks carry it after each transaction: a kind byte, `0` for
//! transient, `1` for a path followed by the path's encoding (LE64 position, LE32
//! count, 32-byte neighbors). The generation is not encoded: a block's proofs are
//! against the state the block applies to. Wallets keep it beside the proof in a
//! [`TrackedProof`].

use crate::errors::UtreexoError;
use encoding::{Encodable, Reader, Writer};
use merkle::Path;

const TRANSIENT: u8 = 0;
const COMMITTED: u8 = 1;

/// A proof that an item is in the accumulator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proof {
    /// The item was inserted in the current generation and has no path yet.
    Transient,
    /// The item's path in the current normalized forest.
    Committed(Path),
}

impl Proof {
    /// The path, unless the proof is transient.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Proof::Transient => None,
            Proof::Committed(path) => Some(path),
        }
    }

    /// Reads a proof in the v1 encoding.
    pub fn decode(r: &mut Reader<'_>) -> Result<Proof, UtreexoError> {
        match r.read_u8()? {
            TRANSIENT => Ok(Proof::Transient),
            COMMITTED => Ok(Proof::Committed(Path::decode(r)?)),
            kind => Err(UtreexoError::UnknownProofKind(kind)),
        }
    }

    /// Decodes a proof that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Proof, UtreexoError> {
        Reader::parse(bytes, Proof::decode)
    }
}

impl Encodable for Proof {
    fn encode(&self, w: &mut Vec<u8>) {
        match self {
            Proof::Transient => w.write_u8(TRANSIENT),
            Proof::Committed(path) => {
                w.write_u8(COMMITTED);
                path.encode(w);
            }
        }
    }

    fn encoded_len(&self) -> usize {
        1 + self.path().map_or(0, Encodable::encoded_len)
    }
}

/// A proof together with the generation of the forest it was made against, as a
/// wallet keeps it between blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackedProof {
    /// The generation of the forest the proof is for.
    pub generation: u64,
    /// The proof.
    pub proof: Proof,
}

impl TrackedProof {
    /// A proof for the forest of `generation`.
    pub fn new(generation: u64, proof: Proof) -> Self {
        TrackedProof { generation, proof }
    }

    /// Fails unless the proof is for `generation`.
    pub fn expect_generation(&self, generation: u64) -> Result<(), UtreexoError> {
        if self.generation == generation {
            Ok(())
        } else {
            Err(UtreexoError::WrongGeneration {
                proof: self.generation,
                forest: generation,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding::EncodingError;
    use merkle::Hash;

    #[test]
    fn encodings_round_trip() {
        let committed = Proof::Committed(Path {
            position: 5,
            neighbors: vec![Hash([3; 32]), Hash([4; 32])],
        });
        for proof in [Proof::Transient, committed] {
            let bytes = proof.encode_to_vec();
            assert_eq!(bytes.len(), proof.encoded_len());
            assert_eq!(Proof::from_bytes(&bytes), Ok(proof));
        }
        assert_eq!(Proof::Transient.encode_to_vec(), [0]);
    }

    #[test]
    fn malformed_encodings_are_rejected() {
        assert_eq!(
            Proof::from_bytes(&[2]),
            Err(UtreexoError::UnknownProofKind(2))
        );
        assert!(matches!(
            Proof::from_bytes(&[]),
            Err(UtreexoError::Encoding(EncodingError::Truncated { .. }))
        ));
        assert!(matches!(
            Proof::from_bytes(&[0, 0]),
            Err(UtreexoError::Encoding(EncodingError::TrailingBytes {
                remaining: 1
            }))
        ));
        let mut big = vec![1];
        big.extend_from_slice(&0u64.to_le_bytes());
        big.extend_from_slice(&1000u32.to_le_bytes());
        big.extend_from_slice(&[0; 64]);
        assert!(matches!(
            Proof::from_bytes(&big),
            Err(UtreexoError::Encoding(EncodingError::CountTooLarge { .. }))
        ));
    }

    #[test]
    fn generations_are_checked() {
        let p = TrackedProof::new(4, Proof::Transient);
        assert_eq!(p.expect_generation(4), Ok(()));
        assert_eq!(
            p.expect_generation(5),
            Err(UtreexoError::WrongGeneration {
                proof: 4,
                forest: 5
            })
        );
    }
}

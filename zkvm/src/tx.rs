//! Transactions: the header, the encoding, and the results of proving and verifying.
//!
//! Encoding (v1): `LE64 version || LE64 mintime || LE64 maxtime || LE32 program length
//! || program || signature (64 bytes) || LE32 proof length || R1CS proof`.

use crate::errors::VmError;
use crate::fees::FeeRate;
use crate::txlog::{TxId, TxLog};
use encoding::{Encodable, Reader, Writer};
use musig::Signature;
use r1cs::R1csProof;

/// The transaction version this VM implements; higher versions enable extensions.
pub const CURRENT_VERSION: u64 = 1;

/// The version and time bounds of a transaction.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct TxHeader {
    /// The version.
    pub version: u64,
    /// The earliest time (ms since the Unix epoch) the transaction may be included.
    pub mintime_ms: u64,
    /// The latest time (ms since the Unix epoch) the transaction may be included.
    pub maxtime_ms: u64,
}

impl TxHeader {
    /// Reads the 24-byte header.
    pub fn decode(r: &mut Reader<'_>) -> Result<TxHeader, VmError> {
        Ok(TxHeader {
            version: r.read_u64()?,
            mintime_ms: r.read_u64()?,
            maxtime_ms: r.read_u64()?,
        })
    }

    /// Whether unassigned opcodes are no-ops (versions above the current one).
    pub fn extensions_enabled(&self) -> bool {
        self.version > CURRENT_VERSION
    }
}

impl Encodable for TxHeader {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u64(self.version);
        w.write_u64(self.mintime_ms);
        w.write_u64(self.maxtime_ms);
    }

    fn encoded_len(&self) -> usize {
        24
    }
}

/// A complete transaction, as it travels on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Tx {
    /// Version and time bounds.
    pub header: TxHeader,
    /// The bytecode.
    pub program: Vec<u8>,
    /// The signature over the transaction ID by the keys of `signtx` (all zero and
    /// unchecked when no `signtx` ran).
    pub signature: Signature,
    /// The R1CS proof.
    pub proof: R1csProof,
}

impl Tx {
    /// Decodes a transaction that fills `bytes` exactly. Lengths are checked against
    /// the input before anything is copied; the signature's `s` and the proof's
    /// scalars must be canonical and the proof's points valid encodings.
    pub fn from_bytes(bytes: &[u8]) -> Result<Tx, VmError> {
        Reader::parse(bytes, |r| {
            let header = TxHeader::decode(r)?;
            let program = r.read_len_prefixed()?.to_vec();
            let signature = Signature::read(r)?;
            let proof =
                R1csProof::from_bytes(r.read_len_prefixed()?).map_err(VmError::InvalidR1csProof)?;
            Ok(Tx {
                header,
                program,
                signature,
                proof,
            })
        })
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }

    /// The transaction's size: the bytes of its encoding, without the Utreexo proofs
    /// of its inputs that a block or a submission carries beside it (their size
    /// changes from block to block). The weight counts these bytes
    /// ([`crate::cost`]), so this is the one size a fee rate is measured on and the
    /// one to show as "the size of a transaction".
    pub fn size(&self) -> usize {
        self.encoded_len()
    }
}

impl Encodable for Tx {
    fn encode(&self, w: &mut Vec<u8>) {
        self.header.encode(w);
        w.write_len_prefixed(&self.program);
        w.write_bytes(&self.signature.to_bytes());
        w.write_len_prefixed(&self.proof.to_bytes());
    }

    fn encoded_len(&self) -> usize {
        24 + 4 + self.program.len() + 64 + 4 + self.proof.serialized_size()
    }
}

/// What verification establishes about a transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedTx {
    /// The header.
    pub header: TxHeader,
    /// The transaction ID.
    pub id: TxId,
    /// The log, to be applied to the chain state.
    pub log: TxLog,
    /// The weight: the size ([`Tx::size`]) plus what the run charged.
    pub weight: u64,
    /// The fee over the weight.
    pub feerate: FeeRate,
    /// The keys that signed something in the transaction, in the order their
    /// instructions ran: the predicate of every contract opened by `signtx` (they sign
    /// the transaction ID together) and the key of every `signid` and `signtag`
    /// (each signs a delegated program). A key appears once per use. Not part of any
    /// encoding; an application rule above the VM can refuse a key here.
    pub signers: Vec<musig::VerificationKey>,
}

/// A zero signature, for transactions without `signtx` (it is not checked).
pub fn empty_signature() -> Signature {
    Signature {
        R: Default::default(),
        s: curve25519_dalek::scalar::Scalar::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transaction with a (meaningless) proof of the smallest shape: one phase,
    /// no inner-product rounds, all points the identity.
    fn sample() -> Tx {
        let mut proof = vec![0u8; 1 + 32 * 11 + 64];
        proof[0] = 0;
        Tx {
            header: TxHeader {
                version: 1,
                mintime_ms: 2,
                maxtime_ms: 3,
            },
            program: vec![0x02, 0x02],
            signature: empty_signature(),
            proof: R1csProof::from_bytes(&proof).expect("well-formed proof"),
        }
    }

    #[test]
    fn encoding_round_trips() {
        let tx = sample();
        let bytes = tx.to_bytes();
        assert_eq!(bytes.len(), tx.encoded_len());
        assert_eq!(Tx::from_bytes(&bytes).unwrap(), tx);
    }

    #[test]
    fn malformed_encodings_are_refused() {
        let bytes = sample().to_bytes();
        assert!(Tx::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            Tx::from_bytes(&long),
            Err(VmError::Format(encoding::EncodingError::TrailingBytes {
                remaining: 1
            }))
        ));
        let mut huge = bytes.clone();
        huge[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Tx::from_bytes(&huge).is_err());
        let mut bad_s = bytes;
        let s_at = 24 + 4 + 2 + 32;
        bad_s[s_at..s_at + 32].copy_from_slice(&[0xff; 32]);
        assert!(matches!(
            Tx::from_bytes(&bad_s),
            Err(VmError::Format(encoding::EncodingError::NonCanonicalScalar))
        ));
    }
}

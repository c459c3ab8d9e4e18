//! Every transcript label of ZkVM, and the few transcript operations it uses.
//!
//! The byte protocol of each hash and challenge can be audited here on one screen;
//! the modules that use them only call these functions.

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;

/// Domain labels of the transcripts ZkVM creates.
pub mod labels {
    /// Contract IDs.
    pub const CONTRACT_ID: &[u8] = b"ZkVM.contractid";
    /// The anchor that `input` derives from a contract ID.
    pub const RATCHET_ANCHOR: &[u8] = b"ZkVM.ratchet-anchor";
    /// Issuance flavors.
    pub const ISSUE: &[u8] = b"ZkVM.issue";
    /// The Taproot commitment and the Merkle tree of its clauses.
    pub const TAPROOT: &[u8] = b"ZkVM.taproot";
    /// The derivation of the blinding leaves of a Taproot tree.
    pub const TAPROOT_BLINDING: &[u8] = b"ZkVM.taproot-derive-blinding";
    /// The Merkle tree of the transaction log.
    pub const TXID: &[u8] = b"ZkVM.txid";
    /// The transcript of the R1CS proof.
    pub const R1CS: &[u8] = b"ZkVM.r1cs";
    /// The label under which the transaction ID enters the R1CS transcript.
    pub const R1CS_TXID: &[u8] = b"ZkVM.txid";
    /// The transaction signature.
    pub const SIGNTX: &[u8] = b"ZkVM.signtx";
    /// `signid` signatures.
    pub const SIGNID: &[u8] = b"ZkVM.signid";
    /// `signtag` signatures.
    pub const SIGNTAG: &[u8] = b"ZkVM.signtag";
    /// The challenge that folds a conjunction.
    pub const AND_CHALLENGE: &[u8] = b"ZkVM.verify.and-challenge";
}

/// Transcript operations in ZkVM's conventions.
pub(crate) trait TranscriptProtocol {
    /// Appends a compressed point.
    fn append_point(&mut self, label: &'static [u8], point: &CompressedRistretto);
    /// A scalar from 64 challenge bytes reduced modulo the group order.
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar;
    /// 32 challenge bytes.
    fn challenge_32(&mut self, label: &'static [u8]) -> [u8; 32];
}

impl TranscriptProtocol for Transcript {
    fn append_point(&mut self, label: &'static [u8], point: &CompressedRistretto) {
        self.append_message(label, point.as_bytes());
    }

    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar {
        let mut wide = [0u8; 64];
        self.challenge_bytes(label, &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }

    fn challenge_32(&mut self, label: &'static [u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        self.challenge_bytes(label, &mut out);
        out
    }
}

//! The crate's error type.

use batch::BatchError;

/// What can go wrong while decoding, signing or verifying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MusigError {
    /// An encoding does not have the exact length of its type.
    #[error("{what} must be {expected} bytes, got {got}")]
    InvalidLength {
        /// What was being decoded.
        what: &'static str,
        /// The exact length of the encoding.
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// A scalar is not reduced modulo the group order.
    #[error("{what} is not a canonical scalar")]
    NonCanonicalScalar {
        /// Which scalar (for example `"signature s"`).
        what: &'static str,
    },
    /// A point is not a valid compressed Ristretto encoding.
    #[error("{what} is not a valid Ristretto point")]
    InvalidPoint {
        /// Which point (for example `"signature R"`).
        what: &'static str,
    },
    /// The verification equation of a signature does not hold.
    #[error("signature does not verify")]
    InvalidSignature,
    /// The batch refused the signature's statement.
    #[error("batch verification: {0}")]
    Batch(BatchError),
    /// A signature needs at least one key (and message).
    #[error("no signers: at least one key is needed")]
    NoSigners,
    /// Two lists that must match one to one have different lengths.
    #[error("expected {expected} {what}, got {got}")]
    CountMismatch {
        /// What was counted (for example `"nonces"`).
        what: &'static str,
        /// How many the signers need.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// A signing key does not belong to the signer position it was used for.
    #[error("signing key does not match the verification key of signer {index}")]
    KeyMismatch {
        /// The signer position.
        index: usize,
    },
    /// A signer position beyond the list of signers.
    #[error("signer {index} does not exist: there are {signers} signers")]
    SignerOutOfRange {
        /// The position asked for.
        index: usize,
        /// How many signers there are.
        signers: usize,
    },
    /// The nonce list of a session does not carry this signer's own public nonce at
    /// its position.
    #[error("the session's nonce of signer {index} is not this signer's nonce")]
    NonceMismatch {
        /// The signer position.
        index: usize,
    },
    /// A partial signature does not verify: the signer at `index` sent a bad share.
    #[error("partial signature of signer {index} is invalid")]
    InvalidShare {
        /// The position of the signer that sent it.
        index: usize,
    },
}

impl From<BatchError> for MusigError {
    /// A single statement that failed means a bad signature; anything else is the
    /// batch's own refusal.
    fn from(e: BatchError) -> Self {
        match e {
            BatchError::StatementFailed { .. } => MusigError::InvalidSignature,
            other => MusigError::Batch(other),
        }
    }
}

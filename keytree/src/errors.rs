//! The crate's error type.

/// Why a key could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeytreeError {
    /// The encoding does not have the exact length of the key.
    #[error("{what} must be {expected} bytes, got {got}")]
    InvalidLength {
        /// Which key was being decoded (`"xprv"` or `"xpub"`).
        what: &'static str,
        /// The exact length of the encoding.
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// The secret scalar of an xprv is not reduced modulo the group order.
    #[error("xprv scalar is not canonical")]
    NonCanonicalScalar,
    /// The point of an xpub is not a valid compressed Ristretto point.
    #[error("xpub point is not a valid Ristretto encoding")]
    InvalidPoint,
}

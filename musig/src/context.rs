//! What a group of signers signs: the common view of every protocol that combines
//! several keys into one signature.

use crate::VerificationKey;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;

/// The statement a set of signers makes together.
///
/// A context fixes the signers' keys in order, what goes into the transcript before
/// the nonce commitment `R`, and each signer's challenge coefficient `eᵢ` after it, so
/// that a valid signature satisfies `s·B = R + Σ eᵢ·Xᵢ` and each signer's share is
/// `sᵢ = rᵢ + eᵢ·xᵢ`. Implemented by [`crate::Multikey`] (one message, aggregated key)
/// and [`crate::Multimessage`] (one message per key).
pub trait MusigContext {
    /// How many signers (keys) the context has; at least one.
    fn signers(&self) -> usize;

    /// The verification key of signer `index`, if there is one.
    fn key(&self, index: usize) -> Option<&VerificationKey>;

    /// Appends the context (domain separator, keys, messages) to `transcript`.
    fn commit(&self, transcript: &mut Transcript);

    /// The challenge coefficients `eᵢ` of all signers, in order, from a transcript
    /// that holds the context and `R`. The single-message protocol squeezes its
    /// challenge from `transcript` itself, as the reference does.
    fn challenges(&self, transcript: &mut Transcript) -> Vec<Scalar>;
}

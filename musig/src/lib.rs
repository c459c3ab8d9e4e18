//! Schnorr signatures, multi-message signatures and MuSig2 on ristretto255.
//!
//! Format version 1 follows the Slingshot reference byte for byte:
//!
//! - [`Signature::sign`] / [`Signature::verify`]: single-message Schnorr signatures
//!   over a caller's Merlin transcript;
//! - [`Signature::sign_multi`] / [`Signature::verify_multi`]: one signature by several
//!   keys over (key, submessage) pairs, as the VM's `signtx` uses it;
//! - [`Multikey`]: MuSig key aggregation;
//! - [`SecretNonce`], [`Session`]: two-round MuSig2 signing for either context, whose
//!   result is an ordinary signature of the matching kind.
//!
//! Verification hands its equation to a [`batch::BatchVerification`], so a block can
//! check all its signatures in one multiscalar multiplication. Every label lives in
//! [`transcript`]. The protocols are written out in `spec/musig.md`.
#![deny(missing_docs)]

mod context;
mod errors;
mod key;
mod keyagg;
mod multimessage;
mod nonce;
mod session;
mod signature;
pub mod transcript;

pub use context::MusigContext;
pub use errors::MusigError;
pub use key::{SigningKey, VerificationKey};
pub use keyagg::Multikey;
pub use multimessage::Multimessage;
pub use nonce::{PublicNonce, SecretNonce};
pub use session::{PartialSignature, Session};
pub use signature::{signature_generators, Signature};
pub use transcript::TranscriptProtocol;

/// Re-exported so that callers name the same transcript type.
pub use merlin::Transcript;

//! Hierarchical keys: Xprv/Xpub, intermediate and leaf derivation.
//!
//! A key blinding scheme in the style of the Slingshot key tree (format v1): an
//! extended private key ([`Xprv`]) is a secret scalar and a derivation key; its
//! extended public key ([`Xpub`]) is the scalar times the Ristretto base point and the
//! same derivation key. Children are derived by adding a blinding factor squeezed from
//! a Merlin transcript over the parent's public half and a caller-chosen path, so the
//! public side can derive the public keys of every child without any secret.
//!
//! The crate returns plain curve25519 types (`Scalar`, `RistrettoPoint`) for leaf keys
//! so that it stays independent of any signature scheme. The protocol is written out
//! in `spec/keytree.md`.
#![deny(missing_docs)]

mod errors;
mod transcript;
mod xprv;
mod xpub;

pub use errors::KeytreeError;
pub use xprv::Xprv;
pub use xpub::Xpub;

/// Re-exported so that callers name the same transcript type in derivation closures.
pub use merlin::Transcript;

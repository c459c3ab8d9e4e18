//! Schnorr signatures, multi-message signatures and MuSig2 on ristretto255.
#![deny(missing_docs)]

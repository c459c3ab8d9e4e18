//! Rank-1 constraint systems and their Bulletproofs prover and verifier.
#![deny(missing_docs)]

//! Merkle trees in the RFC 6962 shape hashed with Merlin transcripts.
#![deny(missing_docs)]

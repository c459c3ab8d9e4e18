//! Hierarchical keys: Xprv/Xpub, intermediate and leaf derivation.
#![deny(missing_docs)]

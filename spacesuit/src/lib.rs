//! The Cloak confidential-asset gadget over r1cs.
#![deny(missing_docs)]

//! Contracts on ZkVM, written as Rust APIs over `zkvm`'s builders.
//!
//! Each module is one contract. It builds the contract's predicate (usually a Taproot
//! tree: a MuSig key for the happy path where every party agrees, and clauses for the
//! other paths) and, for every path, the [`zkvm::Spend`] or [`zkvm::TxBuilder`] steps
//! that take it. The clauses and paths are written out in the [specification].
//!
//! Amounts and flavors stay in commitments. Constants a clause needs (a price, an
//! amount due, a channel balance) are commitments whose blinding factors come from a
//! secret the parties share ([`Terms`]), so the chain sees points, and the parties can
//! still open them to prove.
#![deny(missing_docs)]

#[doc = include_str!("../../spec/contracts.md")]
pub mod specification {}

pub mod channel;
pub mod custody;
mod errors;
pub mod escrow;
pub mod loan;
pub mod offer;
mod terms;

pub use errors::ContractError;
pub use terms::{open_value, Terms};

//! The errors of the contract library.

use thiserror::Error;
use zkvm::VmError;

/// Why a contract could not be built or a path of it could not be taken.
#[derive(Debug, Error)]
pub enum ContractError {
    /// The VM, a builder or a signature refused (wrong key, time lock, payment…);
    /// its message stands on its own.
    #[error("{0}")]
    Vm(#[from] VmError),
    /// A party's predicate is not a valid key, so it cannot join a MuSig key.
    #[error("the predicate of {party} is not a valid verification key")]
    NotAKey {
        /// The party.
        party: &'static str,
    },
    /// A spent output is not this contract's, or its value is not open.
    #[error("the output is not a {contract} output with an open value: {what}")]
    WrongOutput {
        /// The contract.
        contract: &'static str,
        /// What is wrong with it.
        what: &'static str,
    },
    /// The terms are inconsistent (an amount above the capacity, a price that
    /// overflows, a party index out of range…).
    #[error("invalid terms: {0}")]
    InvalidTerms(&'static str),
}

//! ZkVM: the transaction VM of a confidential-asset blockchain.
//!
//! A transaction is a program for a stack machine. Running it moves encrypted values
//! between contracts, writes the transaction log (inputs spent, outputs created,
//! issuances, retirements, fees, data) and builds one rank-1 constraint system, proven
//! by one R1CS Bulletproof. The transaction ID is a Merkle root over the header and the
//! log.
//!
//! The modules follow the sections of the [specification]: [`types`],
//! [`constraints`], [`contract`], [`predicate`], [`taproot`], [`ops`], [`program`],
//! [`asm`], [`txlog`], [`tx`], [`fees`], [`signing`], [`builder`], and the VM with its
//! [`Prover`] and [`Verifier`], whose runs can be [`trace`]d.
//!
//! ```
//! use zkvm::Program;
//! let p = Program::from_asm("push:\"hello\" log").unwrap();
//! assert_eq!(p.to_string(), "push:\"hello\" log");
//! ```
#![deny(missing_docs)]

#[doc = include_str!("../../spec/zkvm.md")]
pub mod specification {}

pub mod asm;
pub mod builder;
pub mod constraints;
pub mod contract;
pub mod cost;
mod errors;
pub mod fees;
pub mod ops;
pub mod predicate;
pub mod program;
mod prover;
mod scalar_witness;
pub mod signing;
pub mod taproot;
pub mod trace;
pub mod transcript;
pub mod tx;
pub mod txlog;
pub mod types;
mod verifier;
mod vm;

pub use builder::{ClearValue, Leftover, Spend, Taproot, TaprootBuilder, TxBuilder};
pub use constraints::{Commitment, Constraint, Expression, Variable};
pub use contract::{Anchor, Contract, ContractId, PortableItem};
pub use cost::{
    network_generators, GENERATOR_CAPACITY, MAX_CONSTRAINTS, MAX_MULTIPLIERS, MAX_TX_WEIGHT,
};
pub use errors::VmError;
pub use fees::{CheckedFee, FeeRate, FEE_FLAVOR, MAX_FEE};
pub use ops::{Instruction, Opcode};
pub use predicate::{Predicate, PredicateWitness};
pub use program::{Program, ProgramItem};
pub use prover::{Prover, UnsignedTx};
pub use scalar_witness::ScalarWitness;
pub use taproot::{CallProof, PredicateTree};
pub use trace::{Secrets, Trace};
pub use tx::{Tx, TxHeader, VerifiedTx, CURRENT_VERSION};
pub use txlog::{TxEntry, TxId, TxLog};
pub use types::{issue_flavor, Data, Item, ItemKind, Value, WideValue};
pub use verifier::Verifier;

pub use batch::Generators;
pub use musig::{
    Multikey, MusigContext, PartialSignature, PublicNonce, SecretNonce, Session, Signature,
    SigningKey, VerificationKey,
};
pub use r1cs::R1csProof;
pub use signing::{musig2_sign, sign_id, sign_tag, TxSigningContext};
pub use spacesuit::SignedInteger;

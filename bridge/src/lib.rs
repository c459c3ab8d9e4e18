//! The bridge between the ZkVM chain and an Ethereum L1.
//!
//! Value enters by a deposit to the L1 `Bridge` contract, which the validators see
//! (with enough confirmations) and report in their vote extensions ([`votes`]);
//! once more than two thirds of the voting power reported it ([`mod@tally`]) the next
//! block carries its [`import`], which issues the amount under the token's [`flavor`]
//! to the deposit's ZkVM address. Value leaves by an [`export`]: a transaction
//! retires it in the open with an export payload; validators sign the withdrawal
//! with their L1 [`keys`] ([`signatures`]) and a [`relay`] submits the signatures to
//! the contract, which pays once. Checkpoints of the chain are signed and posted the
//! same way. The consensus [`rules`] keep bridged value creatable only by imports,
//! and the bridge's [`state`] is committed by the app hash. [`messages`] holds the
//! encodings and digests, [`contracts`] the contract bindings and [`l1`] the client.
//!
//! The modules follow the sections of `spec/bridge.md`.
#![deny(missing_docs)]

#[doc = include_str!("../../spec/bridge.md")]
pub mod specification {}

pub mod contracts;
mod errors;
pub mod export;
pub mod flavor;
pub mod import;
pub mod keys;
pub mod l1;
pub mod messages;
pub mod relay;
pub mod rules;
pub mod signatures;
pub mod state;
pub mod tally;
pub mod votes;

pub use errors::BridgeError;
pub use keys::ValidatorKey;
pub use messages::{Checkpoint, DepositReport, Domain, ExportPayload, Withdrawal};
pub use rules::{apply_tx, Effect};
pub use signatures::{EthSignature, SignatureSet, ValidatorSet};
pub use state::BridgeState;
pub use tally::{tally, Tally, Vote};
pub use votes::VoteExtension;

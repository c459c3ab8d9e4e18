//! A wallet library for confidential payments on the ZkVM chain.
//!
//! A [`Wallet`] holds a keytree root and derives everything from it: accounts, their
//! addresses, one-time keys for payment requests, issuance keys, and a custody key
//! for 2-of-2 accounts. It receives payments two ways (a [`PaymentRequest`] answered
//! by a [`PaymentReply`], or an [`Address`] paid with an encrypted note found by
//! scanning), tracks its outputs and their Utreexo proofs block by block
//! ([`Wallet::apply_block`]), builds payments with coin selection, change, fees and
//! time bounds ([`Wallet::send`] with a [`TxPlan`]), signs 2-of-2 spends with MuSig2
//! in two messages ([`Wallet::propose_shared`], [`Wallet::cosign`],
//! [`Wallet::complete_shared`]), and keeps its state behind [`WalletStore`].
//!
//! The modules follow the sections of `spec/wallet.md`.
#![deny(missing_docs)]

#[doc = include_str!("../../spec/wallet.md")]
pub mod specification {}

pub mod address;
pub mod compact;
pub mod custody;
mod errors;
pub mod keys;
pub mod ledger;
pub mod light;
pub mod note;
pub mod pending;
pub mod recovery;
pub mod request;
pub mod scan;
pub mod selection;
pub mod send;
pub mod storage;
pub mod tracking;
mod wallet;

pub use address::{Address, Network};
pub use compact::{CompactBlock, LightBlock};
pub use custody::{CosignProposal, CosignResponse, PendingCosign, SharedAccount};
pub use errors::WalletError;
pub use keys::AccountKeys;
pub use ledger::{Balance, Checkpoint, Ledger, OwnedOutput, Owner, PendingTx};
pub use light::{DevnetVerifier, HeaderVerifier};
pub use pending::{MempoolView, PendingSync, Vanished, DEFAULT_TX_LIFETIME_MS};
pub use recovery::{GapLimit, Recovery};
pub use request::{PaymentReply, PaymentRequest};
pub use send::{SentTx, TxPlan};
pub use storage::{MemoryStore, WalletStore};
pub use tracking::BlockReport;
pub use wallet::{GenesisOutput, Wallet};

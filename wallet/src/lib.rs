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
//! Payments carry memos ([`Memo`]) and the names of their flavors ([`AssetBook`]);
//! each block's [`BlockReport`] tells the payments received and sent
//! ([`BlockHistory`]). An account's viewing keys ([`IncomingViewingKey`],
//! [`OutgoingViewingKey`], [`FullViewingKey`]) make watch-only wallets
//! ([`Wallet::watch_only`]) that see without signing; with the full viewing key one
//! builds transactions that the root's holder signs offline ([`offline`]). A payment
//! can be proven to anyone with a [`Disclosure`] ([`verify_disclosure`]).
//!
//! The modules follow the sections of `spec/wallet.md`.
#![deny(missing_docs)]

#[doc = include_str!("../../spec/wallet.md")]
pub mod specification {}

pub mod address;
pub mod assets;
pub mod compact;
pub mod custody;
pub mod disclosure;
mod errors;
pub mod history;
pub mod keys;
pub mod ledger;
pub mod light;
pub mod network;
pub mod note;
pub mod offline;
pub mod outgoing;
pub mod pending;
pub mod recovery;
pub mod request;
pub mod scan;
pub mod secret;
pub mod selection;
pub mod send;
pub mod shared;
pub mod storage;
mod text;
pub mod tracking;
pub mod viewing;
mod wallet;

pub use address::Address;
pub use assets::{AssetBook, NameWarning};
pub use compact::{CompactBlock, LightBlock};
pub use custody::{CosignProposal, CosignResponse, PendingCosign};
pub use disclosure::{verify_disclosure, DisclosedPayment, Disclosure};
pub use errors::WalletError;
pub use history::{BlockHistory, Receipt, Recipient, SentPayment, SentRecord};
pub use keys::{AccountKeys, WalletKey};
pub use ledger::{Balance, Checkpoint, Ledger, OwnedOutput, Owner, PendingTx};
pub use light::{DevnetVerifier, HeaderVerifier};
pub use network::Network;
pub use note::{AssetName, Memo};
pub use offline::{KeyPath, Proposal, Review, Shown, ShownInput, ShownOutput, Signer};
pub use pending::{MempoolView, PendingSync, Vanished, DEFAULT_TX_LIFETIME_MS};
pub use recovery::{GapLimit, Recovery};
pub use request::{PaymentReply, PaymentRequest};
pub use send::{SentTx, TxPlan};
pub use shared::SharedAccount;
pub use storage::{MemoryStore, WalletStore};
pub use tracking::BlockReport;
pub use viewing::{FullViewingKey, IncomingViewingKey, OutgoingViewingKey, ViewingKey};
pub use wallet::{GenesisOutput, Wallet};

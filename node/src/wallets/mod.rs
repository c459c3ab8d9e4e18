//! Wallets beside a node: the `wallet` commands and the funded wallet of `init`.
//!
//! A wallet lives in `wallets.redb` of its data directory, one record per name,
//! sealed with the wallet's passphrase ([`crate::store::WalletFile`], which
//! implements the wallet library's `WalletStore`). The record ([`LocalWallet`])
//! holds the root key (or, for a watch-only wallet, a viewing key), the chain state
//! the wallet validated blocks up to, its history and the library's state. Every
//! command that needs the chain first syncs: it fetches the blocks above its tip
//! (`GET /v1/blocks?since=H`), validates each in full against its snapshot (a
//! wallet that believed a node's word would believe a forged payment), applies it,
//! acts, and saves once at the end. With `--light` it follows compact blocks
//! instead, checking what it can ([`sync`]). Then it reconciles its pending
//! transactions with the node's mempool.
//!
//! The modules: [`passphrase`] (where it comes from), [`local`] (the wallet and its
//! record), [`session`] (the data directory's wallets, one command's session, the
//! files commands exchange), [`sync`] (light sync, birthdays, recovery, pending
//! transactions), [`text`] (values as people read and type them), and
//! one module per group of commands: [`basic`] (create, address, balance, pay,
//! issue, history), [`keys`] (viewing keys and root files), [`disclosure`],
//! [`offline`] (unsigned proposals, signing, submitting), [`requests`] (payment
//! requests and replies), [`custody`] (2-of-2 accounts) and [`bridge`] (deposits to
//! and withdrawals from the L1 bridge).

pub mod basic;
pub mod bridge;
pub mod custody;
pub mod disclosure;
pub mod keys;
pub mod local;
pub mod offline;
pub mod passphrase;
pub mod requests;
pub mod session;
pub mod sync;
pub mod text;

pub use local::LocalWallet;
pub use passphrase::{passphrase, PassphraseArgs, PASSPHRASE_ENV};
pub use session::WalletDir;
pub use text::{flavor_hex, parse_address, parse_fee_rate, parse_flavor, HistoryEntry};

use crate::error::NodeError;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use wallet::{Network, Owner};
use zkvm::Generators;

/// The wallet file of a data directory.
pub const WALLETS_FILE: &str = "wallets.redb";
/// The wallets' network.
pub const NETWORK: Network = Network::Devnet;
/// The account every command acts for.
pub const ACCOUNT: Owner = Owner::Account(0);
/// The default node.
const DEFAULT_NODE: &str = "http://127.0.0.1:8080";

/// What every wallet command that talks to a node needs.
#[derive(Debug, Args, Clone)]
pub struct WalletOptions {
    /// The data directory holding `wallets.redb`.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The API of a running node.
    #[arg(long, default_value = DEFAULT_NODE)]
    pub node: String,
    /// Where the passphrase comes from.
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
    /// Syncs from the node's compact blocks, checking their headers' signatures and
    /// the wallet's outputs against the headers, instead of validating every block
    /// in full.
    #[arg(long)]
    pub light: bool,
}

/// `wallet`.
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Creates a wallet at the node's tip: of a fresh random root key, or watch-only
    /// of a viewing key.
    Create(basic::CreateArgs),
    /// Rebuilds a wallet from its root key file (from `wallet new-root`): scans the
    /// chain from a height for every account and payment request it used.
    Recover(sync::RecoverArgs),
    /// Lists the transactions sent and not yet mined, with when they expire.
    Pending(basic::NameArgs),
    /// Gives up a pending transaction: the coins it spends are spendable again.
    Abandon(sync::AbandonArgs),
    /// Prints the wallet's address (non-interactive payments go to it).
    Address(basic::NameArgs),
    /// Prints balances per flavor (confirmed, pending, locked) with the names known.
    Balance(basic::NameArgs),
    /// Pays an address or a payment request and submits the transaction, or writes
    /// it unsigned for an offline signer (--unsigned).
    Pay(basic::PayArgs),
    /// Issues units of the wallet's own flavor for a metadata text (its name).
    Issue(basic::IssueArgs),
    /// Lists what happened to the wallet, oldest first: payments sent and received
    /// with their memos, change, spends.
    History(basic::NameArgs),
    /// Writes a new root key into a file (mode 0600, not encrypted), for a machine
    /// that signs offline.
    NewRoot(keys::NewRootArgs),
    /// Prints the wallet's full viewing key (sees payments both ways, builds
    /// transactions for an offline signer) or, with --incoming, its incoming one.
    ExportViewKey(keys::ExportViewKeyArgs),
    /// Prints a disclosure of a payment this wallet received or sent.
    Disclose(disclosure::DiscloseArgs),
    /// Checks a payment disclosure against a node's chain and prints what it proves.
    VerifyDisclosure(disclosure::VerifyArgs),
    /// Reviews an unsigned proposal and signs it with the root key, without a node.
    Sign(offline::SignArgs),
    /// Submits a proposal signed offline.
    Submit(offline::SubmitArgs),
    /// Writes a payment request for the payer.
    Request(requests::RequestArgs),
    /// Takes the payer's reply to a payment request, to watch for the payment.
    AcceptReply(requests::AcceptReplyArgs),
    /// Deposits ETH or an ERC-20 on the L1 bridge to this wallet's address.
    Deposit(bridge::DepositArgs),
    /// Withdraws a bridged asset to an L1 address (the validators sign, a relayer
    /// has it paid).
    Withdraw(bridge::WithdrawArgs),
    /// A 2-of-2 account shared with another wallet.
    Custody {
        /// Which custody command.
        #[command(subcommand)]
        command: custody::CustodyCommand,
    },
}

/// The generators wallets prove and verify with: the network's, built once.
pub fn generators() -> &'static Generators {
    zkvm::network_generators()
}

/// Runs a `wallet` command; returns what to print.
pub async fn run_command(command: &WalletCommand) -> Result<String, NodeError> {
    match command {
        WalletCommand::Create(args) => basic::create(args).await,
        WalletCommand::Recover(args) => sync::recover(args).await,
        WalletCommand::Pending(args) => sync::pending(args).await,
        WalletCommand::Abandon(args) => sync::abandon(args).await,
        WalletCommand::Address(args) => basic::address(args).await,
        WalletCommand::Balance(args) => basic::balance(args).await,
        WalletCommand::Pay(args) => basic::pay(args).await,
        WalletCommand::Issue(args) => basic::issue(args).await,
        WalletCommand::History(args) => basic::history(args).await,
        WalletCommand::NewRoot(args) => keys::new_root(args),
        WalletCommand::ExportViewKey(args) => keys::export_view_key(args),
        WalletCommand::Disclose(args) => disclosure::disclose(args).await,
        WalletCommand::VerifyDisclosure(args) => disclosure::verify(args).await,
        WalletCommand::Sign(args) => offline::sign(args),
        WalletCommand::Submit(args) => offline::submit(args).await,
        WalletCommand::Request(args) => requests::request(args).await,
        WalletCommand::AcceptReply(args) => requests::accept_reply(args).await,
        WalletCommand::Deposit(args) => bridge::deposit(args).await,
        WalletCommand::Withdraw(args) => bridge::withdraw(args).await,
        WalletCommand::Custody { command } => custody::run(command).await,
    }
}

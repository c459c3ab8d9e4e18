//! The command line: the commands and their arguments. Each command's arguments are
//! defined beside the command, in its module; `main.rs` parses, calls the module and
//! prints what it returns.

use clap::{Parser, Subcommand};

/// A full node of the ZkVM chain: a devnet producer or follower, or the application
/// of a CometBFT validator, with an HTTP JSON API, an explorer and wallet commands.
#[derive(Debug, Parser)]
#[command(name = "zkvm-node", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Creates a devnet in a data directory: producer key, funding key (files of
    /// mode 0600, not encrypted), a genesis of funding outputs, the store.
    Init(crate::init::InitArgs),
    /// Runs a node: a producer (with the data directory's producer key) or, with
    /// --follow, a follower of another node.
    Run(crate::server::RunArgs),
    /// Wallets in the data directory's `wallets.redb`, sealed with a passphrase,
    /// synced from a running node before each command.
    Wallet {
        /// Which wallet command.
        #[command(subcommand)]
        command: crate::wallets::WalletCommand,
    },
    /// Runs a whole network in one program in a temporary directory: a producer (or
    /// four CometBFT validators), wallets paying each other over its API, a node
    /// validating every block.
    Demo(crate::demo::DemoArgs),
    /// Runs the chain as a CometBFT application (ABCI 2.0) on the data directory's
    /// store, optionally with the HTTP API; `abci genesis` makes the app state of
    /// CometBFT's genesis.
    Abci(crate::abci::command::AbciArgs),
    /// Developer tools for one transaction.
    Tx {
        /// Which tool.
        #[command(subcommand)]
        command: crate::txtool::TxCommand,
    },
}

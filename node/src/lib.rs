//! The `zkvm-node` full node: an embedded redb store, the admission engine, the
//! devnet producer and follower, the chain as a CometBFT application, an HTTP JSON
//! API with an explorer, wallet commands and developer tools. See `spec/node.md`,
//! `spec/abci.md` and `spec/node-api.md`.
//!
//! Its modules, each depending only on those listed before it (and [`NodeError`]);
//! `spec/node.md` (Modules) draws the picture:
//! - [`clock`] and [`keys`]: wall time, and secret key files;
//! - [`genesis`]: what every node needs to start the same chain;
//! - [`store`]: the database, one write transaction per block; sealing with a
//!   passphrase;
//! - [`engine`]: the chain state, the mempool and the one admission path into it;
//! - [`result_codes`]: the ABCI result codes;
//! - [`api::json`]: the API's JSON shapes (a room of its own inside `api`);
//! - [`devnet`]: a devnet's data directory (keys, genesis, funding outputs);
//! - [`producer`]: the devnet's block producer;
//! - [`client`] and [`cometbft`]: clients of a node's API and of CometBFT's RPC;
//! - [`follow`]: the devnet follower's sync loop;
//! - [`light`]: light wallets' pages of compact blocks;
//! - [`wallets`]: the wallet commands;
//! - [`connections`]: the HTTP server's accept loop, timeouts and connection caps;
//! - [`api`]: the routes, per-client budgets and the explorer;
//! - [`server`]: `run`, and a node started inside another program;
//! - [`abci`]: the chain as a CometBFT application (`zkvm-node abci`);
//! - [`init`]: `init`, a devnet and its funded wallet;
//! - [`demo`]: `demo`, a whole network in one program;
//! - [`txtool`]: `tx decode`, `tx verify` and `tx trace`;
//! - [`cli`]: the commands.
#![deny(missing_docs)]

/// Logs a block event at info level, or at debug level when the block holds no
/// transaction (a quiet chain makes one every interval). `$txs` is the block's
/// transaction count; the other arguments are those of [`tracing::info!`].
macro_rules! block_event {
    ($txs:expr, $($rest:tt)+) => {{
        let txs: usize = $txs;
        if txs == 0 {
            tracing::debug!(txs, $($rest)+)
        } else {
            tracing::info!(txs, $($rest)+)
        }
    }};
}

pub mod abci;
pub mod api;
pub mod bridge_cli;
pub mod cli;
pub mod client;
pub mod clock;
pub mod cometbft;
pub mod connections;
pub mod demo;
pub mod devnet;
pub mod engine;
mod error;
pub mod follow;
pub mod genesis;
pub mod init;
pub mod keys;
pub mod light;
pub mod producer;
pub mod result_codes;
pub mod server;
pub mod store;
pub mod txtool;
pub mod wallets;

pub use error::NodeError;

//! The `zkvm-node` full node: an embedded redb store, the chain service (state,
//! mempool, devnet producer), an HTTP JSON API, a follower that syncs from another
//! node, and developer tools. See `spec/node.md` and `spec/node-api.md`.
//!
//! - [`store`]: the database, one write transaction per block; sealing with a
//!   passphrase;
//! - [`genesis`] and [`devnet`]: what `init` makes;
//! - [`chain`]: state, mempool, the batched submission queue, the producer loop;
//! - [`abci`]: the chain as a CometBFT application (`zkvm-node abci`);
//! - [`api`]: the routes and their JSON;
//! - [`client`]: a client of a node's API;
//! - [`follow`]: the sync loop of `run --follow`;
//! - [`cli`]: the commands;
//! - [`wallets`]: the wallet commands and the funded wallet of `init`;
//! - [`demo`]: the in-process devnet of `zkvm-node demo`;
//! - [`txtool`]: `tx decode` and `tx verify`.
#![deny(missing_docs)]

pub mod abci;
pub mod api;
pub mod chain;
pub mod cli;
pub mod client;
pub mod demo;
pub mod devnet;
mod error;
pub mod follow;
pub mod genesis;
pub mod store;
pub mod txtool;
pub mod wallets;

pub use error::NodeError;

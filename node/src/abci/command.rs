//! `zkvm-node abci`: serve the application, or (`abci genesis`) make the genesis
//! app state for CometBFT's `genesis.json`.

use super::app_state::{self, AppState};
use super::AbciConfig;
use crate::error::NodeError;
use clap::{Args, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// `abci`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AbciArgs {
    /// Another ABCI command (without one: serve the application).
    #[command(subcommand)]
    pub command: Option<AbciCommand>,
    /// The data directory of the node's store (created by InitChain or state sync).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Where the ABCI server listens for CometBFT (`proxy_app` in its config.toml).
    #[arg(long, default_value = "127.0.0.1:26658")]
    pub listen: SocketAddr,
}

/// `abci` subcommands.
#[derive(Debug, Subcommand)]
pub enum AbciCommand {
    /// Makes the genesis app state (`app_state.json`) and the key its outputs pay
    /// (`funding.key`, mode 0600, not encrypted) in a directory; with --into, also
    /// writes the app state into CometBFT genesis files.
    Genesis {
        /// The directory to write into.
        #[arg(long)]
        out: PathBuf,
        /// How many initial outputs the funding key receives.
        #[arg(long, default_value_t = 64)]
        outputs: u64,
        /// Units of flavor zero in each.
        #[arg(long, default_value_t = 1_000_000)]
        qty: u64,
        /// The genesis time, ms since the Unix epoch (now if absent).
        #[arg(long)]
        time_ms: Option<u64>,
        /// CometBFT genesis files whose `app_state` is set to it.
        #[arg(long, num_args = 1..)]
        into: Vec<PathBuf>,
    },
}

/// Runs `abci`: serves until the process ends, or makes a genesis and returns what
/// to print.
pub async fn run(args: AbciArgs) -> Result<String, NodeError> {
    match args.command {
        Some(AbciCommand::Genesis {
            out,
            outputs,
            qty,
            time_ms,
            into,
        }) => {
            let made = app_state::make(&out, outputs, qty, time_ms)?;
            for file in &into {
                write_into(file, &AppState::new(&made.genesis))?;
            }
            Ok(format!(
                "app state {} ({} outputs of {} units)\nfunding key {} (mode 0600, not encrypted)\n{}",
                made.app_state.display(),
                outputs,
                qty,
                made.funding_key.display(),
                into.iter()
                    .map(|f| format!("written into {}\n", f.display()))
                    .collect::<String>()
            ))
        }
        None => {
            let dir = args.data_dir.ok_or(NodeError::Invalid {
                what: "abci",
                reason: "--data-dir is required".into(),
            })?;
            tracing::info!(listen = %args.listen, dir = %dir.display(), "ABCI application starting");
            super::serve(&dir, args.listen, AbciConfig::default()).await?;
            Ok(String::new())
        }
    }
}

/// Sets `app_state` in a CometBFT genesis file, keeping everything else.
fn write_into(file: &PathBuf, state: &AppState) -> Result<(), NodeError> {
    let text = std::fs::read(file).map_err(|e| NodeError::io(file, e))?;
    let mut json: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| NodeError::Invalid {
            what: "CometBFT genesis",
            reason: format!("{}: {e}", file.display()),
        })?;
    let object = json.as_object_mut().ok_or(NodeError::Invalid {
        what: "CometBFT genesis",
        reason: format!("{} is not a JSON object", file.display()),
    })?;
    object.insert(
        "app_state".into(),
        serde_json::to_value(state).expect("plain data"),
    );
    let out = serde_json::to_vec_pretty(&json).expect("a JSON value");
    std::fs::write(file, out).map_err(|e| NodeError::io(file, e))
}

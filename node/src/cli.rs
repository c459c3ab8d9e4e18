//! The command line: clap definitions and what each command does. `main.rs` parses,
//! calls these and prints their results.

use crate::api::{router, ApiState};
use crate::chain::{produce_blocks, Chain, ChainConfig, Submitter};
use crate::client::Remote;
use crate::devnet::{self, DevnetConfig, DevnetInfo, PRODUCER_KEY_FILE};
use crate::error::NodeError;
use crate::follow;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A full node of the ZkVM chain: a devnet producer or a follower, with an HTTP
/// JSON API.
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
    Init(InitArgs),
    /// Runs a node: a producer (with the data directory's producer key) or, with
    /// --follow, a follower of another node.
    Run(RunArgs),
    /// Developer tools for one transaction.
    Tx {
        /// Which tool.
        #[command(subcommand)]
        command: TxCommand,
    },
}

/// `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The data directory to create.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// How many initial outputs the funding key receives.
    #[arg(long, default_value_t = DevnetConfig::default().funding_outputs)]
    pub funding_outputs: u64,
    /// Units of flavor zero in each funding output.
    #[arg(long, default_value_t = DevnetConfig::default().funding_qty)]
    pub funding_qty: u64,
}

/// `run`.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// The data directory (created from the remote's genesis with --follow).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Where the API listens (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Milliseconds between blocks of the producer.
    #[arg(long, default_value_t = 1000)]
    pub block_interval_ms: u64,
    /// Follow the node whose API is at this URL instead of producing blocks.
    #[arg(long)]
    pub follow: Option<String>,
}

/// `tx`.
#[derive(Debug, Subcommand)]
pub enum TxCommand {
    /// Prints the ID, the program as assembly and the log of a transaction.
    Decode {
        /// A block transaction or a transaction, hex.
        hex: String,
    },
    /// Verifies a transaction and prints the verdict with the precise error.
    Verify {
        /// A block transaction or a transaction, hex.
        hex: String,
    },
}

/// `init`: creates the devnet.
pub fn init(args: &InitArgs) -> Result<DevnetInfo, NodeError> {
    if args.funding_outputs == 0 {
        return Err(NodeError::Invalid {
            what: "--funding-outputs",
            reason: "a devnet needs at least one funding output".into(),
        });
    }
    devnet::init(
        &args.data_dir,
        &DevnetConfig {
            funding_outputs: args.funding_outputs,
            funding_qty: args.funding_qty,
        },
    )
}

/// `run`: opens the store, starts the producer or the follower and serves the API
/// until Ctrl-C or SIGTERM. `on_listen` is told the bound address.
pub async fn run(args: RunArgs, on_listen: impl FnOnce(SocketAddr)) -> Result<(), NodeError> {
    run_until(args, on_listen, shutdown_signal()).await
}

/// Like [`run`], until `shutdown` completes (for nodes run inside another program,
/// such as a demo or a test). The producer or follower task stops with the server.
pub async fn run_until(
    args: RunArgs,
    on_listen: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), NodeError> {
    if args.block_interval_ms == 0 {
        return Err(NodeError::Invalid {
            what: "--block-interval-ms",
            reason: "must be at least 1".into(),
        });
    }
    let dir = args.data_dir.clone();
    let remote = match &args.follow {
        Some(url) => {
            let remote = Remote::new(url)?;
            follow::bootstrap(&dir, &remote).await?;
            Some(remote)
        }
        None => None,
    };
    let produce = args.follow.is_none();
    let chain = tokio::task::spawn_blocking(move || {
        let producer = if produce {
            let key = devnet::read_secret(&dir, PRODUCER_KEY_FILE)?;
            Some(key.ok_or_else(|| NodeError::Invalid {
                what: "data directory",
                reason: format!(
                    "{} has no {PRODUCER_KEY_FILE}; a node without it runs with --follow",
                    dir.display()
                ),
            })?)
        } else {
            None
        };
        Chain::open(&dir, producer, ChainConfig::default())
    })
    .await
    .map_err(|e| NodeError::Task(e.to_string()))??;
    let chain = Arc::new(chain);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| NodeError::io(format!("listen {}", args.listen), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| NodeError::io("listener", e))?;
    let tip = chain.status().tip;
    tracing::info!(%addr, height = tip.height, tip = %tip.id(), "node started");
    let worker = match remote {
        Some(remote) => tokio::spawn(follow::follow(chain.clone(), remote)),
        None => tokio::spawn(produce_blocks(
            chain.clone(),
            Duration::from_millis(args.block_interval_ms),
        )),
    };
    let state = ApiState {
        submitter: Submitter::spawn(chain.clone()),
        chain,
    };
    on_listen(addr);
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| NodeError::io("serve", e));
    worker.abort();
    served
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminate = async {
        match term.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}

//! The command line: clap definitions and what each command does. `main.rs` parses,
//! calls these and prints their results.

use crate::api::{router, ApiState};
use crate::chain::{produce_blocks, Chain, ChainConfig, Submitter};
use crate::client::Remote;
use crate::devnet::{self, DevnetConfig, DevnetInfo, PRODUCER_KEY_FILE};
use crate::error::NodeError;
use crate::follow;
use crate::wallets::{self, WalletDir};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

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
    /// Wallets in the data directory's `wallets.redb`, sealed with a passphrase,
    /// synced from a running node before each command.
    Wallet {
        /// Which wallet command.
        #[command(subcommand)]
        command: WalletCommand,
    },
    /// Runs a whole devnet in one program in a temporary directory: a producer,
    /// wallets paying each other over its API, a follower validating every block.
    Demo(crate::demo::DemoArgs),
    /// Runs the chain as a CometBFT application (ABCI 2.0) on the data directory's
    /// store; `abci genesis` makes the app state of CometBFT's genesis.
    Abci(crate::abci::command::AbciArgs),
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
    /// The name of the funded wallet.
    #[arg(long, default_value = "funding")]
    pub wallet_name: String,
    /// How many initial outputs of --funding-qty units the funded wallet receives.
    #[arg(long, default_value_t = 16)]
    pub wallet_outputs: u64,
    /// A file whose first line is the funded wallet's passphrase (else the
    /// environment variable ZKVM_WALLET_PASSPHRASE).
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

/// What every wallet command needs.
#[derive(Debug, Args, Clone)]
pub struct WalletOptions {
    /// The data directory holding `wallets.redb`.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The API of a running node.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub node: String,
    /// A file whose first line is the wallet's passphrase (else the environment
    /// variable ZKVM_WALLET_PASSPHRASE).
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

/// `wallet`.
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Creates a wallet (a fresh random root key) at the node's tip.
    Create {
        /// The wallet's name.
        name: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
    /// Prints the wallet's address (non-interactive payments go to it).
    Address {
        /// The wallet's name.
        name: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
    /// Prints balances per flavor: confirmed, pending, locked.
    Balance {
        /// The wallet's name.
        name: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
    /// Pays an address and submits the transaction to the node.
    Pay {
        /// The wallet's name.
        name: String,
        /// The recipient's address.
        #[arg(long)]
        to: String,
        /// How many units.
        #[arg(long)]
        amount: u64,
        /// The flavor, 32 bytes hex (flavor zero if absent).
        #[arg(long)]
        flavor: Option<String>,
        /// The fee rate: F/S is F units per S bytes, F is F units per byte.
        #[arg(long, default_value = "1/10")]
        fee_rate: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
    /// Issues units of the wallet's own flavor for a metadata text.
    Issue {
        /// The wallet's name.
        name: String,
        /// The metadata the flavor is derived from.
        #[arg(long)]
        metadata: String,
        /// How many units.
        #[arg(long)]
        amount: u64,
        /// The fee rate: F/S is F units per S bytes, F is F units per byte.
        #[arg(long, default_value = "1/10")]
        fee_rate: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
    /// Lists what happened to the wallet, oldest first.
    History {
        /// The wallet's name.
        name: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
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
    /// Prints the execution trace of a transaction (each instruction, its stack,
    /// log entries and constraints) and its constraint system's size and weight.
    Trace {
        /// A file holding the transaction (hex or raw bytes), or its hex.
        source: String,
    },
}

/// What `init` made.
#[derive(Debug)]
pub struct InitReport {
    /// The devnet's public record.
    pub info: DevnetInfo,
    /// The funded wallet's name.
    pub wallet_name: String,
    /// Its address.
    pub wallet_address: String,
    /// Where it is stored.
    pub wallets_file: PathBuf,
}

/// `init`: creates the devnet and its funded wallet.
pub fn init(args: &InitArgs) -> Result<InitReport, NodeError> {
    if args.funding_outputs == 0 {
        return Err(NodeError::Invalid {
            what: "--funding-outputs",
            reason: "a devnet needs at least one funding output".into(),
        });
    }
    let passphrase = wallets::passphrase(args.passphrase_file.as_deref())?;
    let root = keytree::Xprv::random(&mut rand_core::OsRng);
    let mut wallet = wallet::Wallet::new(root.clone(), wallets::NETWORK);
    let (info, initial) = devnet::init_with_wallets(
        &args.data_dir,
        &DevnetConfig {
            funding_outputs: args.funding_outputs,
            funding_qty: args.funding_qty,
        },
        &mut [&mut wallet],
        args.wallet_outputs,
    )?;
    let wallet_address = wallet.address(wallets::ACCOUNT)?.to_string();
    let local = wallets::LocalWallet::from_parts(root, wallet, initial);
    WalletDir::open(&args.data_dir)?.save(&args.wallet_name, &passphrase, &local)?;
    Ok(InitReport {
        info,
        wallet_name: args.wallet_name.clone(),
        wallet_address,
        wallets_file: WalletDir::path(&args.data_dir),
    })
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

/// A node running inside this program (see [`start_node`]): its address, its stop
/// switch and its task.
pub struct NodeTask {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), NodeError>>,
}

/// Starts a node inside this program on an ephemeral loopback port (producing, or
/// following `follow`), and returns once it listens.
pub async fn start_node(
    data_dir: PathBuf,
    follow: Option<String>,
    interval_ms: u64,
) -> Result<NodeTask, NodeError> {
    let (stop, stopped) = oneshot::channel::<()>();
    let (tell, told) = oneshot::channel();
    let args = RunArgs {
        data_dir,
        listen: "127.0.0.1:0".parse().expect("a socket address"),
        block_interval_ms: interval_ms,
        follow,
    };
    let task = tokio::spawn(run_until(
        args,
        move |addr| {
            let _ = tell.send(addr);
        },
        async move {
            let _ = stopped.await;
        },
    ));
    match told.await {
        Ok(addr) => Ok(NodeTask { addr, stop, task }),
        Err(_) => Err(task
            .await
            .map_err(|e| NodeError::Task(e.to_string()))?
            .err()
            .unwrap_or_else(|| NodeError::Task("the node stopped before listening".into()))),
    }
}

impl NodeTask {
    /// Stops the node and waits for it to finish.
    pub async fn stop(self) -> Result<(), NodeError> {
        let _ = self.stop.send(());
        self.task
            .await
            .map_err(|e| NodeError::Task(e.to_string()))?
    }
}

//! `zkvm-node abci`: serve the application, or (`abci genesis`) make the genesis
//! app state for CometBFT's `genesis.json`.

use super::app_state::{self, write_into, GenesisSpec, GenesisWallet};
use super::bridge::{parse_address, validator_set_of, BridgeGenesis, BridgeView, L1Link};
use super::testnet::{self, Layout, TestnetSpec};
use super::AbciConfig;
use crate::api::{ApiState, Role, Submission};
use crate::cometbft::CometRpc;
use crate::error::NodeError;
use crate::server::{bind, parse_listen, serve_api, shutdown_signal};
use bridge::ValidatorKey;
use clap::{Args, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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
    #[arg(long, default_value = "127.0.0.1:26658", value_parser = parse_listen)]
    pub listen: SocketAddr,
    /// Also serve the HTTP API and the explorer here (as `zkvm-node run` does),
    /// from the application's store; submissions go to CometBFT.
    #[arg(long, value_parser = parse_listen)]
    pub api: Option<SocketAddr>,
    /// CometBFT's RPC, where the API hands submitted transactions
    /// (`broadcast_tx_sync`); the `[rpc] laddr` of its config.toml.
    #[arg(long, default_value = "http://127.0.0.1:26657")]
    pub cometbft_rpc: String,
    /// Threads for verification (rayon's pool); without it, one per core. Give
    /// fewer when other validators share this machine's cores.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// The validator's L1 link, on a bridged chain.
    #[command(flatten)]
    pub l1: L1Args,
}

/// How a validator of a bridged chain reaches the L1.
#[derive(Debug, Args)]
pub struct L1Args {
    /// The L1 node's JSON-RPC URL: the validator reports the deposits it shows and
    /// signs withdrawals and checkpoints (without it: no bridge duties).
    #[arg(long, requires = "l1_key")]
    pub l1_rpc: Option<String>,
    /// The validator's L1 key file (mode 0600; `bridge new-key` makes one).
    #[arg(long, requires = "l1_rpc")]
    pub l1_key: Option<PathBuf>,
    /// How many L1 blocks must hold a deposit (its own included) before it is
    /// reported.
    #[arg(long, default_value_t = 2)]
    pub l1_confirmations: u64,
}

/// The bridge a genesis names.
#[derive(Debug, Args)]
pub struct BridgeArgs {
    /// The bridge contract on the L1 (no bridge without it).
    #[arg(long)]
    pub bridge_contract: Option<String>,
    /// The L1's chain ID.
    #[arg(long, default_value_t = 1337, requires = "bridge_contract")]
    pub l1_chain_id: u64,
    /// An L1 validator's key file, once per validator (power 1 each; in a testnet,
    /// node i's key is the i-th).
    #[arg(long, requires = "bridge_contract")]
    pub l1_key: Vec<PathBuf>,
    /// Every this many blocks the validators sign a checkpoint for the L1.
    #[arg(long, default_value_t = 10, requires = "bridge_contract")]
    pub checkpoint_interval: u64,
}

impl BridgeArgs {
    /// The bridge of the genesis, if one is named.
    pub fn genesis(&self) -> Result<Option<BridgeGenesis>, NodeError> {
        let Some(contract) = &self.bridge_contract else {
            return Ok(None);
        };
        Ok(Some(BridgeGenesis::new(
            self.l1_chain_id,
            parse_address("--bridge-contract", contract)?,
            &validator_set_of(&self.l1_key)?,
            self.checkpoint_interval,
        )))
    }
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
        /// A wallet the genesis funds too.
        #[command(flatten)]
        wallet: FundedWallet,
        /// The bridge to an L1.
        #[command(flatten)]
        bridge: BridgeArgs,
    },
    /// Makes a CometBFT network on this machine in a directory: the homes of its
    /// validators (`OUT/node*`, loopback ports, peers), the genesis app state and its
    /// funding key (`OUT/genesis`). Needs `cometbft` (0.38).
    Testnet {
        /// The directory to make.
        #[arg(long)]
        out: PathBuf,
        /// How many validators.
        #[arg(long, default_value_t = 4)]
        validators: usize,
        /// Node i listens on BASE+10i (p2p), +1 (CometBFT RPC), +2 (ABCI), +3 (API).
        #[arg(long, default_value_t = 27_000)]
        base_port: u16,
        /// How many initial outputs of 1,000,000 units the funding key receives.
        #[arg(long, default_value_t = 256)]
        outputs: u64,
        /// CometBFT's pause after each committed block, in milliseconds.
        #[arg(long, default_value_t = 500)]
        timeout_commit_ms: u64,
        /// A wallet the genesis funds too.
        #[command(flatten)]
        wallet: FundedWallet,
        /// The bridge to an L1.
        #[command(flatten)]
        bridge: BridgeArgs,
    },
    /// Adds a node (not a validator) to a network made by `abci testnet`, joining by
    /// state sync from a block one trusts.
    AddNode {
        /// The network's directory.
        #[arg(long)]
        out: PathBuf,
        /// The new node's index (after the validators': 4 in a network of 4).
        #[arg(long)]
        index: usize,
        /// A recent height, from a node one trusts (`/commit` of its RPC).
        #[arg(long)]
        trust_height: u64,
        /// That block's hash.
        #[arg(long)]
        trust_hash: String,
        /// The network's base port.
        #[arg(long, default_value_t = 27_000)]
        base_port: u16,
    },
}

/// A wallet a genesis funds, stored in the genesis directory's `wallets.redb`.
#[derive(Debug, Args)]
pub struct FundedWallet {
    /// Its name (no wallet without it).
    #[arg(long = "wallet")]
    pub name: Option<String>,
    /// How many initial outputs of the funding quantity it receives.
    #[arg(long, default_value_t = 16)]
    pub wallet_outputs: u64,
    /// A file whose first line is its passphrase (else the environment variable
    /// ZKVM_WALLET_PASSPHRASE).
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

impl FundedWallet {
    /// The wallet to fund, if one is named.
    pub fn spec(&self) -> Result<Option<GenesisWallet>, NodeError> {
        let Some(name) = &self.name else {
            return Ok(None);
        };
        Ok(Some(GenesisWallet {
            name: name.clone(),
            passphrase: crate::wallets::passphrase(self.passphrase_file.as_deref())?,
            outputs: self.wallet_outputs,
        }))
    }
}

/// What to print of a funded wallet.
fn funded(wallet: &Option<GenesisWallet>, dir: &std::path::Path) -> String {
    match wallet {
        Some(w) => format!(
            "wallet {:?} funded with {} outputs, sealed in {}\n",
            w.name,
            w.outputs,
            crate::wallets::WalletDir::path(dir).display()
        ),
        None => String::new(),
    }
}

/// Starts watching the L1 for `app`, if it has a link (on the current runtime).
fn watch_l1(app: &Arc<super::App>) {
    if let Some(link) = app.l1.clone() {
        let app = app.clone();
        tokio::spawn(link.watch(move || app.bridge_contract(), Duration::from_millis(500)));
    }
}

/// Sizes rayon's global pool, which verification and block validation use; only
/// before anything has used it.
fn verification_threads(threads: usize) -> Result<(), NodeError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("verify-{i}"))
        .build_global()
        .map_err(|e| NodeError::Invalid {
            what: "--threads",
            reason: format!("the verification threads could not be started ({e}); start the validator again without --threads"),
        })
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
            wallet,
            bridge,
        }) => {
            let spec = GenesisSpec {
                outputs,
                qty,
                timestamp_ms: time_ms,
                funding: None,
                wallet: wallet.spec()?,
                bridge: bridge.genesis()?,
            };
            let made = app_state::make(&out, &spec)?;
            for file in &into {
                write_into(file, &made.state)?;
            }
            Ok(format!(
                "app state {} ({} outputs of {} units)\nfunding key {} (mode 0600, not encrypted)\n{}{}",
                made.app_state.display(),
                outputs,
                qty,
                made.funding_key.display(),
                funded(&spec.wallet, &out),
                into.iter()
                    .map(|f| format!("written into {}\n", f.display()))
                    .collect::<String>()
            ))
        }
        Some(AbciCommand::Testnet {
            out,
            validators,
            base_port,
            outputs,
            timeout_commit_ms,
            wallet,
            bridge,
        }) => {
            let spec = TestnetSpec {
                validators,
                genesis: GenesisSpec {
                    outputs,
                    wallet: wallet.spec()?,
                    bridge: bridge.genesis()?,
                    ..GenesisSpec::default()
                },
                timeout_commit: std::time::Duration::from_millis(timeout_commit_ms),
                ..TestnetSpec::default()
            };
            let layout = Layout::loopback(base_port);
            testnet::generate(&testnet::find_cometbft()?, &out, &layout, &spec)?;
            let mut text = format!(
                "a network of {validators} validators in {}; the key of its {outputs} funding outputs is {}\n",
                out.display(),
                out.join("genesis/funding.key").display()
            ) + &funded(&spec.genesis.wallet, &out.join("genesis"));
            for i in 0..validators {
                let p = layout.ports(i);
                text += &format!(
                    "node {i}: run deploy/cometbft/run-node.sh {} {i} {base_port}; CometBFT RPC {}, API {}\n",
                    out.display(),
                    p.rpc_url(),
                    p.api_url()
                );
            }
            Ok(text)
        }
        Some(AbciCommand::AddNode {
            out,
            index,
            trust_height,
            trust_hash,
            base_port,
        }) => {
            let layout = Layout::loopback(base_port);
            testnet::add_node(
                &testnet::find_cometbft()?,
                &out,
                &layout,
                index,
                (trust_height, &trust_hash),
                &TestnetSpec::default(),
            )?;
            Ok(format!(
                "node {index} joins by state sync from height {trust_height}; run deploy/cometbft/run-node.sh {} {index} {base_port}; its API will be {}\n",
                out.display(),
                layout.ports(index).api_url()
            ))
        }
        None => {
            let dir = args.data_dir.ok_or(NodeError::Invalid {
                what: "abci",
                reason: "--data-dir is required".into(),
            })?;
            if let Some(threads) = args.threads {
                verification_threads(threads.into())?;
            }
            tracing::info!(listen = %args.listen, dir = %dir.display(), "ABCI application starting");
            let mut app = super::App::open(&dir, AbciConfig::default())?;
            if let (Some(url), Some(key)) = (&args.l1.l1_rpc, &args.l1.l1_key) {
                let link = L1Link::new(url, ValidatorKey::load(key)?, args.l1.l1_confirmations);
                tracing::info!(url = %url, address = %link.key.address(), "bridge duties on");
                app = app.with_l1(link);
            }
            let app = Arc::new(app);
            watch_l1(&app);
            let Some(api) = args.api else {
                super::serve_app(app, args.listen).await?;
                return Ok(String::new());
            };
            let state = ApiState {
                engine: app.engine_slot().clone(),
                submission: Submission::CometBft(CometRpc::new(&args.cometbft_rpc)?),
                role: Role::CometBft,
                bridge: Some(BridgeView::new(
                    {
                        let app = app.clone();
                        move || app.signed_view()
                    },
                    &dir,
                )),
            };
            let listener = bind(api).await?;
            let addr = listener
                .local_addr()
                .map_err(|e| NodeError::io("listener", e))?;
            // One write, so a reader that stops after the first line is never raced.
            let lines = format!("API listening on http://{addr}\nexplorer at http://{addr}/\n");
            std::io::Write::write_all(&mut std::io::stdout(), lines.as_bytes()).ok();
            tokio::select! {
                served = super::serve_app(app, args.listen) => served?,
                served = serve_api(listener, state, shutdown_signal()) => served?,
            }
            Ok(String::new())
        }
    }
}

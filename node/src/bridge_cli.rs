//! `zkvm-node bridge`: the L1 side of the bridge from the command line — a
//! validator's L1 key, the contract's deployment, and the relayer that has signed
//! withdrawals paid and checkpoints posted (`spec/bridge.md`).

use crate::abci::bridge::{parse_address, validator_set_of, SignedView};
use crate::cometbft::CometRpc;
use crate::error::NodeError;
use alloy::primitives::U256;
use bridge::l1::{BridgeClient, L1};
use bridge::relay::{Relayed, Relayer};
use bridge::{Checkpoint, ValidatorKey, Withdrawal};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `bridge` subcommands.
#[derive(Debug, Subcommand)]
pub enum BridgeCommand {
    /// Makes an L1 key (secp256k1) in a new file of mode 0600 and prints its address.
    NewKey {
        /// The file to create (an existing file is never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// Deploys the bridge contract with the validators of some L1 key files (power 1
    /// each) and prints its address; optionally a test ERC-20 too.
    Deploy {
        /// The L1 connection and the key that pays.
        #[command(flatten)]
        l1: L1Connection,
        /// A validator's L1 key file, once per validator.
        #[arg(long, required = true)]
        validator_key: Vec<PathBuf>,
        /// Also deploys a test ERC-20 with this supply, owned by the paying key.
        #[arg(long)]
        test_token_supply: Option<u64>,
    },
    /// Has every withdrawal the validators signed paid on the L1 (once each) and
    /// posts the signed checkpoints the contract lacks; one pass.
    Relay {
        /// The L1 connection and the key that pays the gas.
        #[command(flatten)]
        l1: L1Connection,
        /// The RPC of a CometBFT node of the chain.
        #[arg(long, default_value = "http://127.0.0.1:26657")]
        cometbft_rpc: String,
    },
}

/// How to reach the L1 and which key sends.
#[derive(Debug, Args)]
pub struct L1Connection {
    /// The L1 node's JSON-RPC URL.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    pub l1_rpc: String,
    /// The sending key's file (from `bridge new-key`); it pays the gas.
    #[arg(long)]
    pub key: PathBuf,
}

impl L1Connection {
    /// The client.
    pub async fn connect(&self) -> Result<L1, NodeError> {
        let key = ValidatorKey::load(&self.key)?;
        Ok(L1::connect(&self.l1_rpc, key.signer().clone()).await?)
    }
}

/// Runs a `bridge` command; returns what to print.
pub async fn run(command: &BridgeCommand) -> Result<String, NodeError> {
    match command {
        BridgeCommand::NewKey { out } => {
            let key = ValidatorKey::generate(&mut rand_core::OsRng);
            key.save(out)?;
            Ok(format!(
                "L1 key {} (mode 0600), address {}\n",
                out.display(),
                key.address()
            ))
        }
        BridgeCommand::Deploy {
            l1,
            validator_key,
            test_token_supply,
        } => {
            let set = validator_set_of(validator_key)?;
            let l1 = l1.connect().await?;
            let bridge = l1.deploy_bridge(&set).await?;
            let mut out = format!(
                "bridge {} on L1 chain {}\n",
                bridge.address(),
                l1.chain_id()
            );
            if let Some(supply) = test_token_supply {
                let token = l1
                    .deploy_test_token("Test Token", "TEST", U256::from(*supply))
                    .await?;
                out += &format!("test token {token}\n");
            }
            Ok(out)
        }
        BridgeCommand::Relay { l1, cometbft_rpc } => {
            let rpc = CometRpc::new(cometbft_rpc)?;
            let bytes = rpc.abci_query("/bridge/signed").await?;
            let view: SignedView =
                serde_json::from_slice(&bytes).map_err(|e| NodeError::Invalid {
                    what: "/bridge/signed",
                    reason: format!("not the bridge's answer ({e}); is this a bridged chain?"),
                })?;
            let client = l1.connect().await?;
            if client.chain_id() != view.chain_id {
                return Err(NodeError::Invalid {
                    what: "--l1-rpc",
                    reason: format!(
                        "the L1 there is chain {}, the bridge's is chain {}",
                        client.chain_id(),
                        view.chain_id
                    ),
                });
            }
            let bridge = client.bridge(parse_address("bridge contract", &view.contract)?);
            relay(&bridge, &view).await
        }
    }
}

/// Relays everything `view` holds; returns a line per withdrawal and checkpoint.
pub async fn relay(bridge: &BridgeClient, view: &SignedView) -> Result<String, NodeError> {
    let relayer = Relayer::new(bridge.clone());
    let mut out = String::new();
    for item in &view.withdrawals {
        let (w, sigs) = item.decode(Withdrawal::read)?;
        out += &match relayer.relay_withdrawal(&w, sigs).await? {
            Relayed::Paid(r) => format!(
                "withdrawal {} paid {} to {} in L1 transaction {} ({} gas)\n",
                w.id(),
                w.payload.amount,
                w.payload.recipient,
                r.tx_hash,
                r.gas_used
            ),
            Relayed::AlreadyPaid => format!("withdrawal {} was paid already\n", w.id()),
        };
    }
    for item in &view.checkpoints {
        let (c, sigs) = item.decode(Checkpoint::read)?;
        if bridge.checkpoint_at(c.height).await?.is_some() {
            continue;
        }
        let r = relayer.relay_checkpoint(&c, sigs).await?;
        out += &format!(
            "checkpoint of height {} posted in L1 transaction {} ({} gas)\n",
            c.height, r.tx_hash, r.gas_used
        );
    }
    if out.is_empty() {
        out = "nothing to relay\n".into();
    }
    Ok(out)
}

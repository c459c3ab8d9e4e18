//! `zkvm-node init`: a devnet in a data directory (producer key, funding key, genesis,
//! store; `crate::devnet`) and its funded wallet (`crate::wallets`).

use crate::devnet::{self, DevnetConfig, DevnetInfo};
use crate::error::NodeError;
use crate::genesis::Consensus;
use crate::wallets::{self, WalletDir};
use clap::Args;
use std::path::PathBuf;

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
    let local = wallets::LocalWallet::from_parts(root, wallet, initial, Consensus::Devnet);
    WalletDir::open(&args.data_dir)?.save(&args.wallet_name, &passphrase, &local)?;
    Ok(InitReport {
        info,
        wallet_name: args.wallet_name.clone(),
        wallet_address,
        wallets_file: WalletDir::path(&args.data_dir),
    })
}

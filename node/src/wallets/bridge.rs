//! The bridge from a wallet: `deposit` sends an L1 deposit to the wallet's address
//! from an L1 key; `withdraw` retires a bridged asset in the open with an export
//! payload naming the L1 recipient (`spec/bridge.md`, "export").

use super::basic::refuse_watch_only;
use super::session::Session;
use super::text::{flavor_hex, parse_fee_rate, FEE_RATE_HELP};
use super::{WalletOptions, ACCOUNT};
use crate::abci::bridge::parse_address;
use crate::bridge_cli::L1Connection;
use crate::error::NodeError;
use alloy::primitives::Address;
use bridge::flavor::{flavor, issuer_predicate, metadata, parse_metadata};
use bridge::ExportPayload;
use clap::Args;
use curve25519_dalek::scalar::Scalar;
use wallet::note::AssetName;
use wallet::TxPlan;

/// `wallet deposit`.
#[derive(Debug, Args)]
pub struct DepositArgs {
    /// The wallet the deposit pays.
    pub name: String,
    /// How many base units (wei for ETH), at most 2^64 − 1.
    #[arg(long)]
    pub amount: u64,
    /// The ERC-20 token's address (ETH if absent).
    #[arg(long)]
    pub token: Option<String>,
    /// The bridge contract.
    #[arg(long)]
    pub bridge: String,
    /// The L1 connection and the key that pays the deposit.
    #[command(flatten)]
    pub l1: L1Connection,
    /// Data directory, node, passphrase.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// `wallet withdraw`.
#[derive(Debug, Args)]
pub struct WithdrawArgs {
    /// The paying wallet's name.
    pub name: String,
    /// The L1 address paid.
    #[arg(long)]
    pub to: String,
    /// How many base units.
    #[arg(long)]
    pub amount: u64,
    /// The ERC-20 token's address (ETH if absent).
    #[arg(long)]
    pub token: Option<String>,
    /// The L1's chain ID.
    #[arg(long, default_value_t = 1337)]
    pub l1_chain_id: u64,
    /// The fee rate, fee per weight unit (the help is `FEE_RATE_HELP`).
    #[arg(long, default_value = "1/10", help = FEE_RATE_HELP)]
    pub fee_rate: String,
    /// Data directory, node, passphrase.
    #[command(flatten)]
    pub options: WalletOptions,
}

fn token(text: Option<&str>) -> Result<Address, NodeError> {
    text.map_or(Ok(Address::ZERO), |t| parse_address("--token", t))
}

/// `wallet deposit`: the L1 transaction, mined; the import follows once the
/// validators see it confirmed.
pub async fn deposit(args: &DepositArgs) -> Result<String, NodeError> {
    let token = token(args.token.as_deref())?;
    let mut session = Session::open(&args.name, &args.options).await?;
    let address = session.local.wallet.address(ACCOUNT)?;
    let l1 = args.l1.connect().await?;
    let bridge = l1.bridge(parse_address("--bridge", &args.bridge)?);
    let recipient = address.to_bytes();
    let receipt = match token {
        Address::ZERO => bridge.deposit_eth(&recipient, args.amount).await?,
        t => bridge.deposit_erc20(t, &recipient, args.amount).await?,
    };
    let f = flavor(l1.chain_id(), token);
    let name = bridged_name(l1.chain_id(), token);
    session.local.wallet.learn_asset_name(&name);
    session.save()?;
    Ok(format!(
        "deposited {} of {} in L1 transaction {} (block {}, {} gas); it arrives as flavor {} once the validators see it confirmed\n",
        args.amount,
        asset_label(&name),
        receipt.tx_hash,
        receipt.block,
        receipt.gas_used,
        flavor_hex(&f)
    ))
}

/// `wallet withdraw`: retires the amount of the token's bridged flavor with the
/// export payload; the validators sign it and a relayer has it paid.
pub async fn withdraw(args: &WithdrawArgs) -> Result<String, NodeError> {
    let token = token(args.token.as_deref())?;
    let payload = ExportPayload {
        recipient: parse_address("--to", &args.to)?,
        token,
        amount: args.amount,
    };
    let f: Scalar = flavor(args.l1_chain_id, token);
    let plan = TxPlan::new(ACCOUNT)
        .retire_open(args.amount, f)
        .data(payload.to_data())
        .fee_rate(parse_fee_rate(&args.fee_rate)?);
    let mut session = Session::open(&args.name, &args.options).await?;
    refuse_watch_only(&session, &args.name)?;
    let what = format!(
        "withdrew {} of {} to L1 address {}",
        args.amount,
        asset_label(&bridged_name(args.l1_chain_id, token)),
        payload.recipient
    );
    let sent = session.local.send(&plan, &what, session.gens)?;
    session.submit(&sent, &what).await
}

/// The name of `token`'s flavor on L1 chain `chain_id`.
fn bridged_name(chain_id: u64, token: Address) -> AssetName {
    AssetName::new(issuer_predicate().to_point(), &metadata(chain_id, token))
        .expect("a bridge's metadata fits a note")
}

/// How an asset is shown: a bridged one as `ETH on L1 chain C` or `ERC-20 0x… on
/// L1 chain C`, any other by its metadata (text or hex).
pub fn asset_label(name: &AssetName) -> String {
    match parse_metadata(name.metadata()) {
        Some((chain, Address::ZERO)) => format!("ETH on L1 chain {chain}"),
        Some((chain, token)) => format!("ERC-20 {token} on L1 chain {chain}"),
        None => name.display(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bridged_assets_are_named_by_their_l1_token() {
        let eth = bridged_name(1337, Address::ZERO);
        assert_eq!(eth.flavor(), flavor(1337, Address::ZERO));
        assert_eq!(asset_label(&eth), "ETH on L1 chain 1337");
        let name = asset_label(&bridged_name(5, Address::repeat_byte(0xab)));
        assert!(
            name.starts_with("ERC-20 0x") && name.ends_with(" on L1 chain 5"),
            "{name}"
        );
        let gold = AssetName::new(issuer_predicate().to_point(), b"gold").unwrap();
        assert_eq!(asset_label(&gold), "gold");
    }
}

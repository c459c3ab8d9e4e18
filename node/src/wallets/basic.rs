//! The everyday commands: `create`, `address`, `balance`, `pay`, `issue`, `history`.

use super::local::LocalWallet;
use super::passphrase::Purpose;
use super::session::{read_as, write_output, Session, WalletDir};
use super::text::{
    balance_table, flavor_hex, flavor_or_zero, memo_suffix, parse_address, parse_fee_rate,
    FEE_RATE_HELP,
};
use super::{generators, offline, sync, WalletOptions, ACCOUNT, NETWORK};
use crate::client::Remote;
use crate::error::NodeError;
use clap::Args;
use std::path::PathBuf;
use wallet::{Memo, Owner, PaymentRequest, TxPlan, ViewingKey};

/// A command naming one wallet.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// The wallet's name.
    pub name: String,
    /// Data directory, node, passphrase.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// `wallet create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The new wallet's name.
    pub name: String,
    /// Makes a watch-only wallet of this viewing key (from `wallet export-view-key`):
    /// it sees the account's payments and cannot sign.
    #[arg(long)]
    pub view_key: Option<String>,
    /// The first height to scan. A new root starts at the node's tip (nothing can
    /// have paid it before); a viewing key at the genesis (its account may have been
    /// paid before).
    #[arg(long)]
    pub from_height: Option<u64>,
    /// Data directory, node, passphrase, --light.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// `wallet pay`.
#[derive(Debug, Args)]
pub struct PayArgs {
    /// The paying wallet's name.
    pub name: String,
    /// The recipient's address.
    #[arg(long, required_unless_present = "request", conflicts_with = "request")]
    pub to: Option<String>,
    /// How many units.
    #[arg(long, required_unless_present = "request", conflicts_with = "request")]
    pub amount: Option<u64>,
    /// The flavor, 64 hex digits as `wallet balance` shows (flavor zero if absent).
    #[arg(long, conflicts_with = "request")]
    pub flavor: Option<String>,
    /// A message for the recipient (1 to 512 bytes), sealed in the payment's note:
    /// only the recipient and this wallet's viewing keys read it.
    #[arg(long, conflicts_with = "request")]
    pub memo: Option<String>,
    /// Pays the payment request in this file (from `wallet request`).
    #[arg(long, requires = "reply_out", conflicts_with = "unsigned")]
    pub request: Option<PathBuf>,
    /// Where to write the reply for the requester (`wallet accept-reply`).
    #[arg(long, requires = "request")]
    pub reply_out: Option<PathBuf>,
    /// Signs nothing: writes the proven transaction to this file for `wallet sign`
    /// on the machine that holds the root key (its inputs stay reserved).
    #[arg(long)]
    pub unsigned: Option<PathBuf>,
    /// The fee rate, fee per weight unit (the help is `FEE_RATE_HELP`).
    #[arg(long, default_value = "1/10", help = FEE_RATE_HELP)]
    pub fee_rate: String,
    /// Data directory, node, passphrase.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// `wallet issue`.
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The issuing wallet's name.
    pub name: String,
    /// The metadata the flavor is derived from: its name.
    #[arg(long)]
    pub metadata: String,
    /// How many units.
    #[arg(long)]
    pub amount: u64,
    /// The fee rate, fee per weight unit (the help is `FEE_RATE_HELP`).
    #[arg(long, default_value = "1/10", help = FEE_RATE_HELP)]
    pub fee_rate: String,
    /// Data directory, node, passphrase.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// `wallet create`: a new wallet started at its birthday and synced to the node's
/// tip. Nothing is written unless it succeeds.
pub async fn create(args: &CreateArgs) -> Result<String, NodeError> {
    let options = &args.options;
    let existing = WalletDir::existing_if_any(&options.data_dir)?;
    if let Some(wallets) = &existing {
        if wallets.exists(&args.name)? {
            return Err(NodeError::WalletExists(args.name.clone()));
        }
    }
    if let Some(text) = &args.view_key {
        ViewingKey::from_text(text, NETWORK)?;
    }
    let passphrase = options.passphrase.read(Purpose::Create)?;
    let remote = Remote::new(&options.node)?;
    let (genesis, consensus) = remote.chain().await?;
    let (initial, _, _) = genesis.start()?;
    let (mut local, from_height) = match &args.view_key {
        None => (LocalWallet::new(&initial, consensus), args.from_height),
        Some(text) => (
            LocalWallet::watch_only(text, &initial, consensus)?,
            Some(args.from_height.unwrap_or(1)),
        ),
    };
    let (birthday, trust) = sync::birthday(&remote, &initial, consensus, from_height).await?;
    local.start_at(birthday)?;
    local.trust = trust;
    local.catch_up(&remote, generators(), options.light).await?;
    let wallets = match existing {
        Some(wallets) => wallets,
        None => WalletDir::open(&options.data_dir)?,
    };
    wallets.save(&args.name, &passphrase, &local)?;
    let kind = match local.wallet.is_watch_only() {
        true => "watch-only ",
        false => "",
    };
    Ok(format!(
        "created {kind}wallet {} at height {} in {}\naddress {}\n",
        args.name,
        local.height(),
        WalletDir::path(&options.data_dir).display(),
        local.wallet.address(ACCOUNT)?
    ))
}

/// `wallet address`.
pub async fn address(args: &NameArgs) -> Result<String, NodeError> {
    let mut session = Session::open(&args.name, &args.options).await?;
    let address = session.local.wallet.address(ACCOUNT)?;
    session.save()?;
    Ok(format!("{address}\n"))
}

/// `wallet balance`: account 0's table, then the shared account's if it has one.
pub async fn balance(args: &NameArgs) -> Result<String, NodeError> {
    let mut session = Session::open(&args.name, &args.options).await?;
    let local = &session.local;
    let mut out = format!("wallet {} at height {}\n", args.name, local.height());
    out += &balance_table(&local.wallet, &local.balances());
    if let Ok(shared) = local.wallet.address(Owner::Shared) {
        out += &format!("shared account {shared}\n");
        out += &balance_table(&local.wallet, &local.balances_of(Owner::Shared));
    }
    session.save()?;
    Ok(out)
}

/// `wallet history`.
pub async fn history(args: &NameArgs) -> Result<String, NodeError> {
    let mut session = Session::open(&args.name, &args.options).await?;
    let mut out = String::new();
    for e in &session.local.history {
        out += &format!("{:>8}  {}\n", e.height, e.text);
    }
    session.save()?;
    Ok(out)
}

/// `wallet pay`: to an address (with a memo) or a request; submitted, or written
/// unsigned.
pub async fn pay(args: &PayArgs) -> Result<String, NodeError> {
    let (plan, what) = match &args.request {
        Some(file) => {
            let request = read_as(file, "payment request", "wallet request", |b| {
                PaymentRequest::from_bytes(b, NETWORK)
            })?;
            let what = format!(
                "paid request {} of {} for {}",
                request.qty,
                flavor_hex(&request.flavor),
                file.display()
            );
            (TxPlan::new(ACCOUNT).pay_request(request), what)
        }
        None => address_plan(args)?,
    };
    let plan = plan.fee_rate(parse_fee_rate(&args.fee_rate)?);
    let mut session = Session::open(&args.name, &args.options).await?;
    if let Some(file) = &args.unsigned {
        return offline::write_unsigned(&mut session, &plan, &what, file);
    }
    refuse_watch_only(&session, &args.name)?;
    let sent = session.local.send(&plan, &what, session.gens)?;
    let mut out = session.submit(&sent, &what).await?;
    if let Some(path) = &args.reply_out {
        for reply in &sent.replies {
            write_output(path, &reply.to_bytes())?;
            out += &format!(
                "wrote the reply for the requester to {} (`wallet accept-reply`)\n",
                path.display()
            );
        }
    }
    Ok(out)
}

/// The plan and description of a payment to `--to`.
fn address_plan(args: &PayArgs) -> Result<(TxPlan, String), NodeError> {
    let (Some(to), Some(amount)) = (&args.to, args.amount) else {
        return Err(NodeError::Invalid {
            what: "payment",
            reason: "give --to ADDRESS and --amount Q, or --request FILE".into(),
        });
    };
    let address = parse_address(to)?;
    let flavor = flavor_or_zero(args.flavor.as_deref())?;
    let mut what = format!("paid {amount} of {} to {address}", flavor_hex(&flavor));
    let plan = match &args.memo {
        Some(text) => {
            let memo: Memo = text.parse()?;
            what += &memo_suffix(Some(&memo));
            TxPlan::new(ACCOUNT).pay_with_memo(address, amount, flavor, memo)
        }
        None => TxPlan::new(ACCOUNT).pay(address, amount, flavor),
    };
    Ok((plan, what))
}

/// A watch-only wallet signs nothing: the error says how to pay with it.
pub(crate) fn refuse_watch_only(session: &Session, name: &str) -> Result<(), NodeError> {
    match session.local.wallet.is_watch_only() {
        true => Err(NodeError::WatchOnlyWallet(name.to_string())),
        false => Ok(()),
    }
}

/// `wallet issue`: prints a warning when another flavor the wallet knows has the
/// same name, and the new flavor last.
pub async fn issue(args: &IssueArgs) -> Result<String, NodeError> {
    let plan = TxPlan::new(ACCOUNT)
        .issue(args.metadata.as_bytes().to_vec(), args.amount)
        .fee_rate(parse_fee_rate(&args.fee_rate)?);
    let mut session = Session::open(&args.name, &args.options).await?;
    refuse_watch_only(&session, &args.name)?;
    let wallet = &session.local.wallet;
    let flavor = wallet.flavor(0, args.metadata.as_bytes())?;
    let what = format!("issued {} of {}", args.amount, flavor_hex(&flavor));
    let sent = session.local.send(&plan, &what, session.gens)?;
    let mut out = session.submit(&sent, &what).await?;
    for warning in &sent.warnings {
        out += &format!("warning: {warning}\n");
    }
    Ok(format!("{out}flavor {}\n", flavor_hex(&flavor)))
}

//! Payment requests, each step a file: `request` writes the request for the payer;
//! the payer's `pay --request FILE --reply-out REPLY` pays it exactly and writes the
//! reply; `accept-reply` takes the reply, so the requester watches for the output
//! (its note also makes the payment findable by scanning).

use super::session::{read_as, write_output, Session};
use super::text::{flavor_hex, flavor_or_zero};
use super::WalletOptions;
use crate::clock::now_ms;
use crate::error::NodeError;
use clap::Args;
use rand_core::OsRng;
use std::path::PathBuf;
use wallet::{PaymentReply, WalletError};

/// `wallet request`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The requesting wallet's name.
    pub name: String,
    /// How many units.
    #[arg(long)]
    pub amount: u64,
    /// The flavor, 64 hex digits (flavor zero if absent).
    #[arg(long)]
    pub flavor: Option<String>,
    /// How many seconds the request can be paid.
    #[arg(long, default_value_t = 3600)]
    pub expires_in: u64,
    /// Where to write the request for the payer.
    #[arg(long)]
    pub out: PathBuf,
    /// Data directory, node, passphrase.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// `wallet accept-reply`.
#[derive(Debug, Args)]
pub struct AcceptReplyArgs {
    /// The requesting wallet's name.
    pub name: String,
    /// The reply file (from the payer's `pay --request … --reply-out`).
    pub file: PathBuf,
    /// Data directory, node, passphrase.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// `wallet request`.
pub async fn request(args: &RequestArgs) -> Result<String, NodeError> {
    let flavor = flavor_or_zero(args.flavor.as_deref())?;
    let mut session = Session::open(&args.name, &args.options).await?;
    let local = &mut session.local;
    let expiry_ms = now_ms()
        .max(local.chain.tip().timestamp_ms)
        .saturating_add(args.expires_in.saturating_mul(1000));
    let request = local
        .wallet
        .request_payment(0, args.amount, flavor, expiry_ms, &mut OsRng)?;
    write_output(&args.out, &request.to_bytes())?;
    let what = format!(
        "request {} for {} of {}",
        request.index,
        args.amount,
        flavor_hex(&flavor)
    );
    local.note(format!("made {what}, payable for {} s", args.expires_in));
    session.save()?;
    Ok(format!(
        "wrote {what} to {}\nthe payer runs `zkvm-node wallet pay NAME --request {} --reply-out REPLY`\n",
        args.out.display(),
        args.out.display()
    ))
}

/// `wallet accept-reply`: the reply is taken before syncing, so that the block
/// holding the payment is matched against it.
pub async fn accept_reply(args: &AcceptReplyArgs) -> Result<String, NodeError> {
    let reply = read_as(
        &args.file,
        "reply",
        "wallet pay --request … --reply-out",
        PaymentReply::from_bytes,
    )?;
    let mut session = Session::load(&args.name, &args.options).await?;
    let output = session
        .local
        .wallet
        .accept_reply(&reply)
        .map_err(|e| match e {
            WalletError::UnknownRequest(index) => NodeError::Invalid {
                what: "reply",
                reason: format!(
                    "request {index} is not open in wallet {}: it was paid already (see `wallet history`), it expired, or another wallet made it",
                    args.name
                ),
            },
            other => other.into(),
        })?;
    let what = format!(
        "output {output} of transaction {} (request {})",
        reply.tx, reply.index
    );
    session
        .local
        .note(format!("accepted the reply announcing {what}"));
    session.sync().await?;
    session.save()?;
    Ok(format!("watching for {what}\n"))
}

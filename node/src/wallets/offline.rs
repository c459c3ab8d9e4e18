//! Offline signing: `pay --unsigned FILE` on the online machine (a watch-only wallet
//! of the full viewing key, or the spending wallet) builds and proves the
//! transaction and writes the proposal; `sign` on the machine with the root key and
//! no node reviews it (the wallet library checks everything the proposal shows
//! against what the transaction does), shows it, asks, signs; `submit` on the
//! online machine hands the signed transaction to the node.

use super::keys::{Held, KeySource};
use super::session::{read_as, write_output, Session};
use super::text::{flavor_hex, flavor_label, memo_suffix, recipient_text};
use super::{generators, WalletOptions, NETWORK};
use crate::error::NodeError;
use clap::Args;
use curve25519_dalek::scalar::Scalar;
use rand_core::OsRng;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use wallet::offline;
use wallet::{Proposal, Review, TxPlan, Wallet, WalletError};

/// `wallet sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The unsigned proposal (from `wallet pay --unsigned`).
    pub file: PathBuf,
    /// Where to write the signed proposal.
    #[arg(long)]
    pub out: PathBuf,
    /// The wallet holding the root key, in --data-dir (or give --root-file).
    #[arg(long)]
    pub wallet: Option<String>,
    /// Signs without asking, after printing the review.
    #[arg(long)]
    pub yes: bool,
    /// The wallet's data directory, or the root file.
    #[command(flatten)]
    pub key: KeySource,
}

/// `wallet submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The wallet that built the proposal.
    pub name: String,
    /// The signed proposal (from `wallet sign`).
    pub file: PathBuf,
    /// Data directory, node, passphrase.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// `pay --unsigned`: builds and proves `plan` without signing, writes the proposal
/// and saves the wallet with the inputs reserved.
pub(crate) fn write_unsigned(
    session: &mut Session,
    plan: &TxPlan,
    what: &str,
    file: &Path,
) -> Result<String, NodeError> {
    let proposal = session
        .local
        .wallet
        .build_unsigned(plan, session.gens, &mut OsRng)?;
    write_output(file, &proposal.to_bytes())?;
    session.local.note(format!(
        "built transaction {} unsigned ({what}), fee {}, for an offline signer",
        proposal.id, proposal.fee
    ));
    session.save()?;
    Ok(format!(
        "wrote unsigned transaction {} ({what}), fee {}, to {}\n\
         sign it where the root key is (`zkvm-node wallet sign {} --out SIGNED`), then \
         `zkvm-node wallet submit` the signed file here; its inputs stay reserved until then\n",
        proposal.id,
        proposal.fee,
        file.display(),
        file.display()
    ))
}

/// `wallet sign`: refuses a proposal whose shown payments differ from what its
/// transaction does, naming the difference; asks before signing unless `--yes`.
pub fn sign(args: &SignArgs) -> Result<String, NodeError> {
    let proposal = read_as(
        &args.file,
        "proposal",
        "wallet pay --unsigned",
        Proposal::from_bytes,
    )?;
    let held = args.key.open(args.wallet.as_deref())?;
    let root = held.root(args.wallet.as_deref())?;
    let gens = generators();
    // A wallet record knows the names of flavors; a root file does not.
    let names = match &held {
        Held::Wallet(local) => Some(&local.wallet),
        Held::Root(_) => None,
    };
    let review = show(&offline::review(root, NETWORK, &proposal, gens)?, names);
    if !args.yes {
        confirm(&review)?;
    }
    let (signed, _) = offline::sign(root, NETWORK, &proposal, gens, &mut OsRng)?;
    write_output(&args.out, &signed.to_bytes())?;
    let shown = if args.yes { review.as_str() } else { "" };
    Ok(format!(
        "{shown}signed transaction {}; wrote {}\n\
         submit it on the online machine: `zkvm-node wallet submit NAME {}`\n",
        signed.id,
        args.out.display(),
        args.out.display()
    ))
}

/// `wallet submit`.
pub async fn submit(args: &SubmitArgs) -> Result<String, NodeError> {
    let signed = read_as(
        &args.file,
        "signed proposal",
        "wallet sign",
        Proposal::from_bytes,
    )?;
    if !signed.is_signed() {
        return Err(NodeError::Invalid {
            what: "signed proposal",
            reason: format!(
                "{} is not signed; sign it with `zkvm-node wallet sign` where the root key is",
                args.file.display()
            ),
        });
    }
    let mut session = Session::open(&args.name, &args.options).await?;
    let sent = session
        .local
        .wallet
        .complete_offline(&signed, session.gens)
        .map_err(|e| match e {
            WalletError::UnknownTx(id) => NodeError::Invalid {
                what: "signed proposal",
                reason: format!(
                    "transaction {id} is not one wallet {} waits to submit: another wallet built it, or it was submitted already, or it expired; build it again with `wallet pay --unsigned`",
                    args.name
                ),
            },
            other => other.into(),
        })?;
    let what = "signed offline";
    session.local.note_submitted(&sent.id, what, sent.fee);
    session.submit(&sent, what).await
}

/// What the signer is shown: spent, payments, change, retired, issued, fee.
fn show(review: &Review, names: Option<&Wallet>) -> String {
    let label = |f: &Scalar| match names {
        Some(wallet) => flavor_label(wallet, f),
        None => flavor_hex(f),
    };
    let mut out = format!("transaction {} of account {}\n", review.tx, review.account);
    for (qty, f) in &review.spent {
        out += &format!("  spends   {qty} of {}\n", label(f));
    }
    for p in &review.payments {
        out += &format!(
            "  pays     {} of {} to {}{}\n",
            p.qty,
            label(&p.flavor),
            recipient_text(&p.to),
            memo_suffix(p.memo.as_ref())
        );
    }
    for (qty, f) in &review.change {
        out += &format!("  change   {qty} of {}\n", label(f));
    }
    for (qty, f) in &review.retired {
        out += &format!("  retires  {qty} of {}\n", label(f));
    }
    for (qty, f) in &review.issued {
        out += &format!("  issues   {qty} of {}\n", label(f));
    }
    out + &format!("  fee      {}\n", review.fee)
}

/// Shows the review on standard error and reads the answer from standard input.
fn confirm(review: &str) -> Result<(), NodeError> {
    eprint!("{review}sign this transaction? [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| NodeError::io("standard input", e))?;
    match answer.trim() {
        "y" | "yes" => Ok(()),
        _ => Err(NodeError::NotConfirmed),
    }
}

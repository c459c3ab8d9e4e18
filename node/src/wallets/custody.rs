//! 2-of-2 custody, each step a file the other party receives: `key` (this wallet's
//! custody key, for the partner), `join` (the shared account of both keys),
//! `propose` (a payment from the shared account; it waits for the response),
//! `cosign` (the partner's response).
//!
//! The proposer's secret MuSig2 nonces exist only in the memory of the `propose`
//! process: it writes the proposal, waits for the co-signer's response file
//! (`--wait-for`), completes the signature and submits. A nonce is never written
//! anywhere, so none can be used twice, not even by restoring a copy of the wallet
//! file. The price: the proposer's command runs until the response comes (its wallet
//! file stays locked meanwhile). The transaction's time limit is the end of the
//! wait plus a minute, so if the proposer gives up (or dies), both wallets free the
//! reserved outputs by themselves once a block passes that time.

use super::basic::refuse_watch_only;
use super::keys::KeySource;
use super::session::{decode_input, read_as, read_input, write_output, Session};
use super::text::{flavor_hex, flavor_or_zero, parse_address, parse_fee_rate, FEE_RATE_HELP};
use super::WalletOptions;
use crate::clock::now_ms;
use crate::error::NodeError;
use clap::{Args, Subcommand};
use musig::VerificationKey;
use rand_core::OsRng;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wallet::{CosignProposal, CosignResponse, Owner, TxPlan};

/// How long after the wait ends the proposed transaction can still be mined.
const MARGIN_MS: u64 = 60_000;
/// How often the proposer looks for the response file.
const POLL: Duration = Duration::from_millis(200);

/// `wallet custody`.
#[derive(Debug, Subcommand)]
pub enum CustodyCommand {
    /// Prints this wallet's custody public key, to give the other party.
    Key {
        /// The wallet's name (with --data-dir; or give --root-file).
        name: Option<String>,
        /// The wallet or root file.
        #[command(flatten)]
        key: KeySource,
    },
    /// Joins the 2-of-2 account of this wallet's custody key and the partner's;
    /// prints the shared address (both parties get the same).
    Join {
        /// The wallet's name.
        name: String,
        /// The partner's custody key (from its `wallet custody key`).
        #[arg(long)]
        partner: String,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
    /// Proposes a payment from the shared account: writes the proposal for the
    /// partner, waits for its response, completes the signature and submits.
    Propose(ProposeArgs),
    /// Co-signs the partner's proposal and writes the response for it.
    Cosign {
        /// The wallet's name.
        name: String,
        /// The proposal (from the partner's `wallet custody propose`).
        file: PathBuf,
        /// Where to write the response.
        #[arg(long)]
        out: PathBuf,
        /// Data directory, node, passphrase.
        #[command(flatten)]
        options: WalletOptions,
    },
}

/// `wallet custody propose`.
#[derive(Debug, Args)]
pub struct ProposeArgs {
    /// The wallet's name.
    pub name: String,
    /// The recipient's address.
    #[arg(long)]
    pub to: String,
    /// How many units.
    #[arg(long)]
    pub amount: u64,
    /// The flavor, 64 hex digits (flavor zero if absent).
    #[arg(long)]
    pub flavor: Option<String>,
    /// The fee rate, fee per weight unit (the help is `FEE_RATE_HELP`).
    #[arg(long, default_value = "1/10", help = FEE_RATE_HELP)]
    pub fee_rate: String,
    /// Where to write the proposal for the partner.
    #[arg(long)]
    pub out: PathBuf,
    /// The response file to wait for (the partner's `cosign --out`).
    #[arg(long)]
    pub wait_for: PathBuf,
    /// How many seconds to wait for it.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
    /// Data directory, node, passphrase.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// Runs a `wallet custody` command.
pub async fn run(command: &CustodyCommand) -> Result<String, NodeError> {
    match command {
        CustodyCommand::Key { name, key } => {
            let wallet = key.open(name.as_deref())?.wallet();
            let key = wallet.custody_public_key()?;
            Ok(format!("{}\n", hex::encode(key.as_bytes())))
        }
        CustodyCommand::Join {
            name,
            partner,
            options,
        } => join(name, partner, options).await,
        CustodyCommand::Propose(args) => propose(args).await,
        CustodyCommand::Cosign {
            name,
            file,
            out,
            options,
        } => cosign(name, file, out, options).await,
    }
}

async fn join(name: &str, partner: &str, options: &WalletOptions) -> Result<String, NodeError> {
    let bytes = NodeError::decode_hex("partner key", partner)?;
    let partner = VerificationKey::from_bytes(&bytes).map_err(|e| NodeError::Invalid {
        what: "partner key",
        reason: format!("{e}; give the 64 hex digits the partner's `wallet custody key` printed"),
    })?;
    let mut session = Session::open(name, options).await?;
    refuse_watch_only(&session, name)?;
    let address = session.local.wallet.join_shared(partner)?;
    session
        .local
        .note(format!("joined the 2-of-2 account {address}"));
    session.save()?;
    Ok(format!("shared account {address}\n"))
}

async fn propose(args: &ProposeArgs) -> Result<String, NodeError> {
    let address = parse_address(&args.to)?;
    let flavor = flavor_or_zero(args.flavor.as_deref())?;
    if args.wait_for.exists() {
        return Err(NodeError::Invalid {
            what: "--wait-for",
            reason: format!(
                "{} exists already (a response to an older proposal?); remove it or name another file",
                args.wait_for.display()
            ),
        });
    }
    let mut session = Session::open(&args.name, &args.options).await?;
    refuse_watch_only(&session, &args.name)?;
    require_shared(&session, &args.name)?;
    let timeout_ms = args.timeout.saturating_mul(1000);
    let maxtime_ms = now_ms()
        .max(session.local.chain.tip().timestamp_ms)
        .saturating_add(timeout_ms + MARGIN_MS);
    let plan = TxPlan::new(Owner::Shared)
        .pay(address, args.amount, flavor)
        .fee_rate(parse_fee_rate(&args.fee_rate)?)
        .time_bounds(0, maxtime_ms);
    let (proposal, pending) =
        session
            .local
            .wallet
            .propose_shared(&plan, session.gens, &mut OsRng)?;
    let id = proposal.log(session.gens)?.id;
    let what = format!(
        "paid {} of {} to {address} from the shared account",
        args.amount,
        flavor_hex(&flavor)
    );
    write_output(&args.out, &proposal.to_bytes())?;
    session
        .local
        .note(format!("proposed transaction {id} ({what})"));
    session.save()?;
    eprintln!(
        "wrote the proposal of transaction {id} to {}; waiting up to {} s for the response at {}",
        args.out.display(),
        args.timeout,
        args.wait_for.display()
    );
    let Some(bytes) = wait_for(&args.wait_for, Duration::from_millis(timeout_ms)).await? else {
        session
            .local
            .release(&id, "no response from the co-signer")?;
        session.save()?;
        return Err(NodeError::Invalid {
            what: "co-signing",
            reason: format!(
                "no response at {} within {} s: the proposal is abandoned and its outputs are free again (the partner's reservation ends when a block passes the transaction's time limit)",
                args.wait_for.display(),
                args.timeout
            ),
        });
    };
    session.sync().await?;
    let maker = "wallet custody cosign";
    let signed = decode_input(&args.wait_for, &bytes, "custody response", maker, |b| {
        CosignResponse::from_bytes(b)
    })
    .and_then(|response| Ok(session.local.wallet.complete_shared(pending, &response)?));
    let sent = match signed {
        Ok(sent) => sent,
        Err(e) => {
            session
                .local
                .release(&id, &format!("the response was refused: {e}"))?;
            session.save()?;
            return Err(e);
        }
    };
    session.local.note_submitted(&sent.id, &what, sent.fee);
    session.submit(&sent, &what).await
}

/// Refuses a wallet that joined no 2-of-2 account, saying how to join one.
fn require_shared(session: &Session, name: &str) -> Result<(), NodeError> {
    match session.local.wallet.address(Owner::Shared) {
        Ok(_) => Ok(()),
        Err(_) => Err(NodeError::Invalid {
            what: "custody",
            reason: format!(
                "wallet {name} has joined no 2-of-2 account: run `zkvm-node wallet custody join {name} --partner KEY` first"
            ),
        }),
    }
}

/// The file at `path` once it exists, or `None` after `timeout`.
async fn wait_for(path: &Path, timeout: Duration) -> Result<Option<Vec<u8>>, NodeError> {
    let deadline = Instant::now() + timeout;
    loop {
        if path.exists() {
            return read_input(path).map(Some);
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn cosign(
    name: &str,
    file: &Path,
    out: &Path,
    options: &WalletOptions,
) -> Result<String, NodeError> {
    let proposal = read_as(
        file,
        "custody proposal",
        "wallet custody propose",
        CosignProposal::from_bytes,
    )?;
    let mut session = Session::open(name, options).await?;
    refuse_watch_only(&session, name)?;
    require_shared(&session, name)?;
    let verified = proposal.log(session.gens)?;
    let mut summary = format!("co-signing transaction {}\n", verified.id);
    let outputs = &session.local.wallet.ledger().outputs;
    for input in verified.log.inputs() {
        if let Some(o) = outputs.get(input) {
            summary += &format!(
                "  spends {} of {} (shared output {input})\n",
                o.opening.qty,
                flavor_hex(&o.opening.flavor)
            );
        }
    }
    summary += &format!(
        "  makes {} outputs, fee {}\n",
        verified.log.outputs().count(),
        verified.log.fee()
    );
    let response = session
        .local
        .wallet
        .cosign(&proposal, session.gens, &mut OsRng)?;
    write_output(out, &response.to_bytes())?;
    session.local.note(format!(
        "co-signed transaction {} of the shared account",
        verified.id
    ));
    session.save()?;
    Ok(format!(
        "{summary}wrote the response to {} for the proposer\n",
        out.display()
    ))
}

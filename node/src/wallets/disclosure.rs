//! Payment disclosures: `disclose` writes one for a payment the wallet received or
//! sent; `verify-disclosure` fetches the transaction it names from a node,
//! verifies the transaction in full (so its log is the one its ID commits to), and
//! checks the disclosure against that log.

use super::session::Session;
use super::text::flavor_hex;
use super::{generators, WalletOptions, DEFAULT_NODE, NETWORK};
use crate::client::Remote;
use crate::error::NodeError;
use blockchain::BlockTx;
use clap::Args;
use wallet::Disclosure;
use zkvm::{Generators, TxId, TxLog, Verifier};

/// `wallet disclose`.
#[derive(Debug, Args)]
pub struct DiscloseArgs {
    /// The wallet's name.
    pub name: String,
    /// The transaction's ID (64 hex digits).
    pub txid: String,
    /// The output's index among the transaction's outputs; without it, every output
    /// the wallet can disclose, one per line.
    #[arg(long)]
    pub output: Option<u32>,
    /// Data directory, node, passphrase.
    #[command(flatten)]
    pub options: WalletOptions,
}

/// `wallet verify-disclosure`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The disclosure's text (from `wallet disclose`).
    pub text: String,
    /// The API of a node of the chain.
    #[arg(long, default_value = DEFAULT_NODE)]
    pub node: String,
}

/// `wallet disclose`: the disclosure's text (with `--output`), else a line
/// `output N: TEXT` for each output the wallet received or sent.
pub async fn disclose(args: &DiscloseArgs) -> Result<String, NodeError> {
    let id = parse_txid(&args.txid)?;
    let mut session = Session::open(&args.name, &args.options).await?;
    let (_, log) = mined_log(&session.remote, &id, session.gens).await?;
    let wallet = &session.local.wallet;
    let out = match args.output {
        Some(n) => format!("{}\n", wallet.disclose(&log, n)?.to_text()),
        None => {
            let outputs = u32::try_from(log.outputs().count()).unwrap_or(u32::MAX);
            let lines: String = (0..outputs)
                .filter_map(|n| {
                    Some(format!(
                        "output {n}: {}\n",
                        wallet.disclose(&log, n).ok()?.to_text()
                    ))
                })
                .collect();
            if lines.is_empty() {
                return Err(NodeError::Invalid {
                    what: "disclosure",
                    reason: format!(
                        "no output of transaction {id} was paid to or sent by wallet {} to an address",
                        args.name
                    ),
                });
            }
            lines
        }
    };
    session.save()?;
    Ok(out)
}

/// `wallet verify-disclosure`: what the disclosure proves, or the check that failed
/// (the command then exits with status 1).
pub async fn verify(args: &VerifyArgs) -> Result<String, NodeError> {
    let disclosure = Disclosure::from_text(args.text.trim(), NETWORK)?;
    let remote = Remote::new(&args.node)?;
    let (height, log) = mined_log(&remote, &disclosure.tx(), generators()).await?;
    let paid = disclosure.verify(&log)?;
    Ok(format!(
        "valid: output {} of transaction {}, mined at height {height}, carries\n  {} of flavor {}\n  to address {}\n  (contract {})\n",
        paid.index,
        paid.tx,
        paid.qty,
        flavor_hex(&paid.flavor),
        paid.address,
        paid.output
    ))
}

/// The height and log of mined transaction `id`, verified in full here.
async fn mined_log(
    remote: &Remote,
    id: &TxId,
    gens: &Generators,
) -> Result<(u64, TxLog), NodeError> {
    let json = remote.tx(id).await?.ok_or_else(|| NodeError::Invalid {
        what: "transaction",
        reason: format!(
            "{id} is not in the chain of {}: it was never mined there, or not yet; check the ID and --node",
            remote.url()
        ),
    })?;
    let block_tx = BlockTx::from_bytes(&NodeError::decode_hex("transaction", &json.hex)?)?;
    let verified = Verifier::verify_tx(&block_tx.tx, gens)?;
    if verified.id != *id {
        return Err(NodeError::Remote {
            url: remote.url().to_string(),
            reason: format!(
                "asked for transaction {id}, it answered with {}",
                verified.id
            ),
        });
    }
    Ok((json.height, verified.log))
}

/// Parses a transaction ID.
fn parse_txid(text: &str) -> Result<TxId, NodeError> {
    let bytes = NodeError::decode_hex("transaction ID", text)?;
    Ok(TxId(bytes.try_into().map_err(|_| NodeError::Invalid {
        what: "transaction ID",
        reason: "not 32 bytes (64 hex digits)".into(),
    })?))
}

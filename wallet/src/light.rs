//! The light client: following the chain from compact blocks without trusting the
//! node for what the wallet can check.
//!
//! The wallet trusts its starting point (a [`Checkpoint`]: the genesis, or a
//! birthday whose header its [`HeaderVerifier`] accepted) and the signers of headers
//! (the devnet's producer, or CometBFT's validators). For each [`LightBlock`], in
//! this order:
//!
//! 1. the header extends the tip (`NotExtendingTip`) and keeps the header rules
//!    against it (`Chain`);
//! 2. the verifier accepts the header on the block's evidence (`HeaderNotSigned`);
//! 3. the block's spends and outputs are replayed on the wallet's copy of the forest:
//!    each spend's path, completed from the hashes the node sent and the nodes
//!    earlier spends revealed, must reach the forest's roots (`ForgedCatchup`);
//! 4. the forest after the block must have the header's UTXO root
//!    (`ForestMismatch`): an output or a spend withheld or invented shows here;
//! 5. tracking as for a full block, with the catch-up the wallet computed; each new
//!    output of the wallet is counted only once its proof holds in that forest.
//!
//! What the wallet cannot check is the notes: a node can withhold a note (the
//! wallet then misses that payment until it asks an honest node) or forge one (the
//! output it describes is not in the block, so nothing is counted and the
//! transaction is named in [`BlockReport::refused_notes`]).

use crate::compact::{CompactBlock, CompactEntry, LightBlock, Spend};
use crate::errors::WalletError;
use crate::ledger::Checkpoint;
use crate::tracking::{check_extends, BlockReport, ForestMove};
use crate::wallet::Wallet;
use blockchain::{check_header, verify_block_signature, BlockHeader, BlockchainError};
use musig::{Signature, VerificationKey};
use utreexo::{Catchup, Forest, Proof, UtreexoError};
use zkvm::ContractId;

/// Decides whether a header is the chain's, from opaque evidence bytes.
///
/// The devnet's implementation is [`DevnetVerifier`]. A network of validators plugs
/// in its light client (CometBFT's commit signatures, checking that the header of
/// CometBFT's next height carries this block's ID as its app hash); it keeps its
/// trusted state between calls and may learn from each header it accepts.
pub trait HeaderVerifier {
    /// What the verifier learns from a header it accepts; kept ([`Self::advance`])
    /// only once the wallet accepted the whole block.
    type Update;
    /// Why a header is refused.
    type Error: core::fmt::Display;

    /// Checks that `evidence` proves `header` to be the chain's block after
    /// `previous` (the wallet's tip), or a trusted start when `previous` is none.
    fn check(
        &self,
        previous: Option<&BlockHeader>,
        header: &BlockHeader,
        evidence: &[u8],
    ) -> Result<Self::Update, Self::Error>;

    /// Keeps what [`Self::check`] learned.
    fn advance(&mut self, update: Self::Update);
}

/// The devnet's header verifier: the evidence is the producer's signature over the
/// block ID (64 bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevnetVerifier {
    producer: VerificationKey,
}

impl DevnetVerifier {
    /// The verifier of blocks signed by `producer`.
    pub fn new(producer: VerificationKey) -> Self {
        DevnetVerifier { producer }
    }
}

impl HeaderVerifier for DevnetVerifier {
    type Update = ();
    type Error = BlockchainError;

    fn check(
        &self,
        _previous: Option<&BlockHeader>,
        header: &BlockHeader,
        evidence: &[u8],
    ) -> Result<(), BlockchainError> {
        let signature =
            Signature::from_bytes(evidence).map_err(BlockchainError::BadBlockSignature)?;
        verify_block_signature(header, &signature, &self.producer)
    }

    fn advance(&mut self, _update: ()) {}
}

impl Checkpoint {
    /// The checkpoint of `header` and `forest` for a wallet to start from, once
    /// `verifier` accepted the header on `evidence` as a trusted start.
    pub fn verified<V: HeaderVerifier>(
        header: BlockHeader,
        forest: Forest,
        evidence: &[u8],
        verifier: &mut V,
    ) -> Result<Checkpoint, WalletError> {
        let update = verify_header(verifier, None, &header, evidence)?;
        let checkpoint = Checkpoint::new(header, forest)?;
        verifier.advance(update);
        Ok(checkpoint)
    }
}

impl Wallet {
    /// Applies a compact block after checking it (see the [module](self) notes).
    /// On error nothing changes, in the wallet or in `verifier`.
    pub fn apply_light<V: HeaderVerifier>(
        &mut self,
        light: &LightBlock,
        verifier: &mut V,
    ) -> Result<BlockReport, WalletError> {
        let header = &light.block.header;
        let tip = self.ledger.tip.as_ref().ok_or(WalletError::NotStarted)?;
        if self.already_applied(header) {
            return Ok(BlockReport {
                already_applied: true,
                ..BlockReport::default()
            });
        }
        check_extends(header, tip)?;
        check_header(header, tip.header())?;
        let update = verify_header(verifier, Some(tip.header()), header, &light.evidence)?;
        let (forest, catchup) = replay(tip.forest(), &light.block)?;
        let computed = forest.root();
        if computed != header.utxoroot {
            return Err(WalletError::ForestMismatch {
                height: header.height,
                header: header.utxoroot,
                computed,
            });
        }
        let moved = ForestMove {
            header,
            forest: &forest,
            catchup: &catchup,
        };
        let report = self.track(&moved, light.block.txs.as_slice())?;
        verifier.advance(update);
        Ok(report)
    }
}

fn verify_header<V: HeaderVerifier>(
    verifier: &V,
    previous: Option<&BlockHeader>,
    header: &BlockHeader,
    evidence: &[u8],
) -> Result<V::Update, WalletError> {
    verifier
        .check(previous, header, evidence)
        .map_err(|e| WalletError::HeaderNotSigned {
            height: header.height,
            reason: e.to_string(),
        })
}

/// Replays the spends and outputs of `block` on `forest`: the forest after the
/// block and the catch-up of proofs onto it.
fn replay(forest: &Forest, block: &CompactBlock) -> Result<(Forest, Catchup), WalletError> {
    let height = block.header.height;
    let forged = |input: &ContractId, e: UtreexoError| WalletError::ForgedCatchup {
        height,
        input: *input,
        reason: e.to_string(),
    };
    let mut work = forest.work();
    for entry in block.txs.iter().flat_map(|tx| &tx.entries) {
        match entry {
            CompactEntry::Input { id, spend } => {
                let proof = match spend {
                    Spend::Transient => Proof::Transient,
                    Spend::Path { position, lower } => Proof::Committed(
                        work.complete_path(*position, lower)
                            .map_err(|e| forged(id, e))?,
                    ),
                };
                work.delete(id, &proof).map_err(|e| forged(id, e))?;
            }
            CompactEntry::Output { id, .. } => {
                work.insert(id)
                    .map_err(|e| WalletError::MalformedCompactBlock(format!("output {id}: {e}")))?;
            }
            CompactEntry::Note(_) => {}
        }
    }
    Ok(work.normalize())
}

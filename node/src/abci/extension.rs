//! The bridge's side of the votes: `ExtendVote`, `VerifyVoteExtension`, the tally a
//! proposer makes of the last commit's extensions and the imports it builds, and the
//! check of imports against the validator's own L1 view (`spec/abci.md`, "bridge").

use super::bridge::{Bridged, TallyEntry};
use super::App;
use crate::engine::Engine;
use crate::error::NodeError;
use blockchain::BlockTx;
use bridge::import::{build_import, IMPORT_MAGIC};
use bridge::{DepositReport, ExportPayload, VoteExtension};
use tendermint::abci::types::{BlockSignatureInfo, ExtendedCommitInfo};
use tendermint::abci::{request, response};
use utreexo::Proof;
use zkvm::Verifier;

impl App {
    /// The vote extension of this validator: the deposits its L1 node shows
    /// confirmed and not imported, its signatures over the pending withdrawals and
    /// the checkpoint due. Empty without a bridge or an L1 link.
    pub fn extend_vote(&self) -> Vec<u8> {
        let (Some(l1), Some(b)) = (&self.l1, self.lock().bridge.clone()) else {
            return Vec::new();
        };
        let state = &b.committed.state;
        let deposits: Vec<DepositReport> = l1
            .confirmed()
            .into_iter()
            .filter(|d| !state.is_imported(d.nonce))
            .collect();
        match VoteExtension::compose(
            &l1.key,
            state.domain(),
            deposits,
            &state.pending_withdrawals(),
            b.committed.due.as_ref(),
        ) {
            Ok(ext) => ext.to_bytes(),
            Err(e) => {
                tracing::error!(error = %e, "could not sign the bridge's messages; empty vote extension");
                Vec::new()
            }
        }
    }

    /// Accepts an empty extension, and on a bridged chain one that decodes.
    pub fn verify_vote_extension(
        &self,
        req: &request::VerifyVoteExtension,
    ) -> response::VerifyVoteExtension {
        let bridged = self.lock().bridge.is_some();
        let ext = &req.vote_extension;
        if ext.is_empty() || (bridged && VoteExtension::decode(ext).is_ok()) {
            response::VerifyVoteExtension::Accept
        } else {
            tracing::warn!(validator = %req.validator_address, "vote extension refused");
            response::VerifyVoteExtension::Reject
        }
    }

    /// What a proposer puts first in a bridged block: the tally of the last commit's
    /// extensions, and the imports of the deposits it agrees on (chained through
    /// the anchor).
    pub(super) fn tally(
        &self,
        engine: &Engine,
        b: &Bridged,
        commit: Option<&ExtendedCommitInfo>,
    ) -> (TallyEntry, Vec<BlockTx>) {
        let Some(commit) = commit else {
            return (TallyEntry::default(), Vec::new());
        };
        let total: u64 = commit.votes.iter().map(|v| v.validator.power.value()).sum();
        let votes: Vec<bridge::Vote<'_>> = commit
            .votes
            .iter()
            .filter(|v| matches!(v.sig_info, BlockSignatureInfo::Flag(f) if f == tendermint::block::BlockIdFlag::Commit))
            .map(|v| bridge::Vote {
                power: v.validator.power.value(),
                extension: &v.vote_extension,
            })
            .collect();
        let tally = bridge::tally(
            &votes,
            total,
            &b.committed.state,
            &b.validators,
            b.committed.voted.as_ref(),
        );
        let imports = imports(engine, b, &tally.deposits);
        (TallyEntry::of(&tally), imports)
    }

    /// Refuses a new submission the bridge's rule would refuse in a block: an
    /// export without its open retirement or above what the chain holds, or a
    /// transaction signed by the bridge's issuer key (imports come only from
    /// proposers). Only a transaction naming the bridge (an export payload or an
    /// import marker in its program) is run; the others pass at no cost.
    pub fn bridge_admits(&self, bytes: &[u8]) -> Result<(), NodeError> {
        let Some(b) = self.lock().bridge.clone() else {
            return Ok(());
        };
        let btx = BlockTx::from_bytes(bytes)?;
        let names_bridge = |magic: &[u8]| btx.tx.program.windows(magic.len()).any(|w| w == magic);
        if !names_bridge(ExportPayload::MAGIC) && !names_bridge(IMPORT_MAGIC) {
            return Ok(());
        }
        let gens = self.engine.get()?.generators();
        let verified = Verifier::verify_tx(&btx.tx, gens)?;
        let mut state = b.committed.state.clone();
        bridge::apply_tx(&mut state, &btx.tx, &verified, &[])?;
        Ok(())
    }

    /// Whether the chain is bridged: only then does `CheckTx` apply the bridge's rule
    /// (on a blocking thread: it may run the VM).
    pub(super) fn bridged(&self) -> bool {
        self.lock().bridge.is_some()
    }

    /// The deposits a validator accepts imports of in a proposal: those its L1 node
    /// shows confirmed. A validator without an L1 link cannot check an import and
    /// refuses every proposal holding one.
    pub(super) fn confirmed(
        &self,
        deposits: Vec<DepositReport>,
    ) -> Result<Vec<DepositReport>, NodeError> {
        match &self.l1 {
            _ if deposits.is_empty() => {}
            Some(l1) => l1.check(&deposits)?,
            None => {
                return Err(NodeError::Invalid {
                    what: "import",
                    reason: "this validator has no L1 link (--l1-rpc, --l1-key) to check the deposits it imports".into(),
                })
            }
        }
        Ok(deposits)
    }
}

/// The imports of `deposits` in order, the first spending the anchor at the tip's
/// forest, each next one the anchor the previous one made. A deposit that cannot be
/// imported (its address is not a ZkVM address) is left out.
fn imports(engine: &Engine, b: &Bridged, deposits: &[DepositReport]) -> Vec<BlockTx> {
    let gens = engine.generators();
    let mut scratch = b.committed.state.clone();
    let anchor = scratch.anchor_contract().id();
    let mut proof = match engine.store().utxo_proof(&anchor) {
        Ok(Some(p)) => p,
        Ok(None) => {
            tracing::error!(%anchor, "the bridge's anchor is not unspent; no imports");
            return Vec::new();
        }
        Err(e) => {
            tracing::error!(error = %e, "no proof of the bridge's anchor; no imports");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for d in deposits {
        let built = build_import(d, &scratch, gens).and_then(|import| {
            let verified = Verifier::verify_tx(&import.tx, gens)?;
            bridge::apply_tx(&mut scratch, &import.tx, &verified, std::slice::from_ref(d))?;
            Ok(import.tx)
        });
        match built {
            Ok(tx) => out.push(BlockTx {
                tx,
                proofs: vec![std::mem::replace(&mut proof, Proof::Transient)],
            }),
            Err(e) => {
                tracing::warn!(nonce = d.nonce, error = %e, "deposit not imported");
            }
        }
    }
    out
}

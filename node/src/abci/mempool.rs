//! The mempool connection: `CheckTx`, new and recheck, as a shell over the node's
//! admission engine ([`crate::engine`]).
//!
//! A new submission goes through the engine's submission queue, so the submissions
//! CometBFT sends while a batch is being checked are admitted together, with one
//! multiscalar multiplication for all their proofs and signatures. A recheck (after
//! every `Commit`) is a lookup in the engine's mempool, whose proofs the block's
//! catch-up already moved: it never runs a VM or checks a proof again. A transaction
//! that no longer waits (mined, double spent, expired, evicted) fails its recheck,
//! with the reason, and CometBFT drops it.

use super::{App, ErrorCode};
use crate::engine::not_admitted;
use crate::error::NodeError;
use bytes::Bytes;
use tendermint::abci::request::{CheckTx, CheckTxKind};
use tendermint::abci::response;
use zkvm::TxId;

impl App {
    /// Answers `CheckTx` on the calling thread (new submissions are admitted alone;
    /// the ABCI server batches them through the submission queue instead).
    pub fn check_tx(&self, req: CheckTx) -> response::CheckTx {
        let verdict = match req.kind {
            CheckTxKind::New => {
                let txs = vec![req.tx.to_vec()];
                match self.engine.get() {
                    Ok(engine) => engine.admit(txs),
                    Err(e) => not_admitted(&txs, &e),
                }
                .pop()
                .unwrap_or(Err(NodeError::ShuttingDown))
            }
            CheckTxKind::Recheck => self.recheck(&req.tx),
        };
        check_tx_response(verdict, req.kind)
    }

    /// A recheck: the ID if the transaction still waits, else why it left.
    pub fn recheck(&self, tx: &[u8]) -> Result<TxId, NodeError> {
        self.engine.get()?.recheck(tx)
    }
}

/// The answer to `CheckTx`: the ID as data, or the error's code and message.
pub(super) fn check_tx_response(
    verdict: Result<TxId, NodeError>,
    kind: CheckTxKind,
) -> response::CheckTx {
    match verdict {
        Ok(id) => response::CheckTx {
            data: Bytes::copy_from_slice(&id.0),
            ..Default::default()
        },
        Err(e) => {
            tracing::debug!(error = %e, ?kind, "CheckTx refused");
            response::CheckTx {
                code: ErrorCode::of(&e).value().into(),
                log: e.to_string(),
                ..Default::default()
            }
        }
    }
}

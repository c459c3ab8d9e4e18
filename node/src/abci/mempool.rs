//! The mempool connection: `CheckTx`, new and recheck.
//!
//! A submission is a block transaction (with its input proofs) or a bare
//! transaction. Its proofs are brought current: the node's store holds the proof of
//! every unspent output at the committed forest, and those replace whatever came
//! with it; a node without them (joined by state sync) uses the proofs sent. The
//! mempool refuses a transaction spending an input a waiting one spends. After each
//! `Commit` the mempool moves every waiting transaction's proofs to the new forest,
//! so a recheck of a transaction still waiting is a lookup; one no longer waiting
//! (mined, double spent, expired) is checked again from scratch, and fails if its
//! inputs are gone.

use super::{App, ErrorCode};
use crate::chain::{Candidate, Preverified};
use crate::devnet::now_ms;
use crate::error::NodeError;
use batch::BatchVerifier;
use blockchain::{BlockTx, BlockchainError, CacheKey};
use bytes::Bytes;
use rand_core::OsRng;
use tendermint::abci::request::{CheckTx, CheckTxKind};
use tendermint::abci::response;
use utreexo::{Proof, UtreexoError};
use zkvm::{TxId, VerifiedTx};

impl App {
    /// Admits a transaction to the mempool, answering its ID (data) or an error code.
    pub fn check_tx(&self, req: CheckTx) -> response::CheckTx {
        match self.admit(&req.tx, req.kind) {
            Ok(id) => response::CheckTx {
                data: Bytes::copy_from_slice(&id.0),
                ..Default::default()
            },
            Err(e) => {
                tracing::debug!(error = %e, kind = ?req.kind, "CheckTx refused");
                response::CheckTx {
                    code: ErrorCode::of(&e).value().into(),
                    log: e.to_string(),
                    ..Default::default()
                }
            }
        }
    }

    fn admit(&self, bytes: &[u8], kind: CheckTxKind) -> Result<TxId, NodeError> {
        let candidate = Candidate::decode(bytes)?;
        let cached = {
            let inner = self.lock();
            let node = inner.node()?;
            let cached = node.mempool.cache().get(&CacheKey::of(&candidate.tx));
            if let Some(verified) = &cached {
                if node.mempool.get(&verified.id).is_some() {
                    return match kind {
                        CheckTxKind::Recheck => Ok(verified.id),
                        CheckTxKind::New => {
                            Err(NodeError::Chain(BlockchainError::AlreadyInMempool {
                                id: verified.id,
                            }))
                        }
                    };
                }
            }
            cached
        };
        let verified = match cached {
            Some(verified) => verified,
            None => self.verify(&candidate.tx)?,
        };
        let mut inner = self.lock();
        let node = inner.node_mut()?;
        let proofs = current_proofs(&node.store, &verified, candidate.proofs)?;
        let btx = BlockTx {
            tx: candidate.tx,
            proofs,
        };
        let admitted = node
            .mempool
            .admit(btx, now_ms(), &self.gens, &Preverified(verified))?;
        Ok(admitted.id)
    }

    /// Runs the VM and checks the transaction's proofs and signatures in one batch,
    /// outside the lock.
    fn verify(&self, tx: &zkvm::Tx) -> Result<VerifiedTx, NodeError> {
        let mut batch = BatchVerifier::new(&self.gens, OsRng);
        let verified = zkvm::Verifier::verify_tx_batched(tx, &mut batch)
            .map_err(BlockchainError::TxInvalid)?;
        batch
            .verify()
            .map_err(|_| BlockchainError::TxProofInvalid)?;
        Ok(verified)
    }
}

/// The proofs of a transaction's inputs at the committed forest: the store's if it
/// holds them all, else the ones sent.
fn current_proofs(
    store: &crate::store::Store,
    tx: &VerifiedTx,
    sent: Option<Vec<Proof>>,
) -> Result<Vec<Proof>, NodeError> {
    let stored: Option<Vec<Proof>> = tx
        .log
        .inputs()
        .map(|input| store.utxo_proof(input))
        .collect::<Result<Option<Vec<_>>, _>>()?;
    if let Some(proofs) = stored {
        return Ok(proofs);
    }
    match sent {
        Some(proofs) => Ok(proofs),
        None => {
            let input = tx.log.inputs().next().copied().unwrap_or_default();
            Err(NodeError::Chain(BlockchainError::Spend {
                input,
                error: UtreexoError::NotInForest,
            }))
        }
    }
}

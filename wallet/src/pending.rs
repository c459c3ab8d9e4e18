//! Pending transactions: what the wallet sent and has not seen mined, and how none
//! of them keeps coins locked for good.
//!
//! Every transaction the wallet builds has a finite `maxtime`: by default
//! [`DEFAULT_TX_LIFETIME_MS`] past the tip's time ([`crate::TxPlan::lifetime`]
//! changes it). A block whose time passes it drops the transaction and frees its
//! inputs. Before that, the caller reconciles the pending transactions with the
//! node's mempool ([`Wallet::reconcile_pending`]): one the node no longer holds
//! (it restarted, or evicted it) is handed back with fresh input proofs to submit
//! again, or released. [`Wallet::pending`] lists them, and [`Wallet::abandon`]
//! releases one by hand.

use crate::errors::WalletError;
use crate::ledger::PendingTx;
use crate::wallet::Wallet;
use blockchain::BlockTx;
use std::collections::BTreeSet;
use zkvm::TxId;

/// How long a transaction the wallet builds stays valid, past the tip's time, when
/// the plan does not say: five minutes.
pub const DEFAULT_TX_LIFETIME_MS: u64 = 5 * 60 * 1000;

/// The node's mempool as the caller read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MempoolView {
    /// The node's tip height when the mempool was read.
    pub height: u64,
    /// The IDs of the transactions in the mempool.
    pub ids: BTreeSet<TxId>,
}

/// What to do with a pending transaction that the node no longer holds.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Vanished {
    /// Hand it back to submit again (if the wallet has its signed form).
    Resubmit,
    /// Release its inputs.
    Release,
}

/// What reconciling with the mempool did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PendingSync {
    /// Transactions to submit again (by ID), with their inputs' current proofs.
    pub resubmit: Vec<(TxId, BlockTx)>,
    /// Transactions released: expired, or gone from the mempool.
    pub released: Vec<TxId>,
}

impl Wallet {
    /// The pending transactions, by ID.
    pub fn pending(&self) -> Vec<&PendingTx> {
        self.ledger.pending.values().collect()
    }

    /// Gives up a pending transaction: its inputs are free again. Should it still be
    /// mined, the wallet sees its inputs spent and its change arrive as usual.
    pub fn abandon(&mut self, tx: &TxId) -> Result<PendingTx, WalletError> {
        let pending = self
            .ledger
            .pending
            .get(tx)
            .cloned()
            .ok_or(WalletError::UnknownTx(*tx))?;
        self.ledger.release(tx)?;
        Ok(pending)
    }

    /// Reconciles the pending transactions with the node's mempool, read once the
    /// wallet has applied the blocks up to `mempool.height` (so a transaction absent
    /// from it was not mined before): one that expired at the tip is released; one
    /// the node no longer holds is handed back or released as `vanished` says. One
    /// the wallet did not sign itself (built for an offline signer or a co-signer)
    /// waits for its expiry, or [`Wallet::abandon`].
    pub fn reconcile_pending(
        &mut self,
        mempool: &MempoolView,
        vanished: Vanished,
    ) -> Result<PendingSync, WalletError> {
        let tip = self.ledger.tip.as_ref().ok_or(WalletError::NotStarted)?;
        if mempool.height > tip.height() {
            return Err(WalletError::MempoolAhead {
                mempool_height: mempool.height,
                tip_height: tip.height(),
            });
        }
        let now_ms = tip.timestamp_ms();
        let mut sync = PendingSync::default();
        let ids: Vec<TxId> = self.ledger.pending.keys().copied().collect();
        for id in ids {
            let Some(p) = self.ledger.pending.get(&id) else {
                continue;
            };
            // Without its signed form the transaction awaits a signer (offline,
            // or the co-signer of a shared account): the node cannot hold it yet.
            let awaits_signer = !self.ledger.signed.contains_key(&id);
            if p.maxtime_ms > now_ms && (awaits_signer || mempool.ids.contains(&id)) {
                continue;
            }
            let again = (p.maxtime_ms > now_ms && vanished == Vanished::Resubmit)
                .then(|| self.resubmission(p))
                .flatten();
            match again {
                Some(btx) => sync.resubmit.push((id, btx)),
                None => {
                    self.ledger.release(&id)?;
                    sync.released.push(id);
                }
            }
        }
        Ok(sync)
    }

    /// The signed transaction of `p` with its inputs' current proofs, if the wallet
    /// has it and still holds every input.
    fn resubmission(&self, p: &PendingTx) -> Option<BlockTx> {
        let tx = self.ledger.signed.get(&p.id)?.clone();
        let proofs = p
            .inputs
            .iter()
            .map(|id| self.ledger.outputs.get(id).map(|o| o.proof.clone()))
            .collect::<Option<Vec<_>>>()?;
        Some(BlockTx { tx, proofs })
    }
}

//! Tracking: applying each new block to the ledger.
//!
//! For a block that extends the tip, in block order, transaction by transaction:
//! the wallet's outputs named as inputs are spent; each note entry is trial-decrypted
//! with every account's encryption key and, if it opens, matched with the output of
//! the same transaction that has the predicate and commitments the opening gives;
//! an output whose ID was announced by a payment reply is taken too. Then every
//! output kept has its Utreexo proof moved by the block's catch-up. Pending
//! transactions that were mined, that lost an input to another transaction, or
//! whose time ran out are dropped (freeing their reservations), and requests whose
//! expiry has passed close. A block already applied is recognised by its ID and
//! skipped; a block that does not extend the tip is refused. All or nothing.

use crate::errors::WalletError;
use crate::history::BlockHistory;
use crate::ledger::{contract, OwnedOutput, Tip, RECENT_BLOCKS};
use crate::note::{KeyKind, NOTE_TAG};
use crate::wallet::Wallet;
use blockchain::AppliedBlock;
use std::collections::{BTreeMap, BTreeSet};
use utreexo::Proof;
use zkvm::{Contract, ContractId, Predicate, TxEntry, TxId, VerifiedTx};

/// What a block changed for the wallet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlockReport {
    /// The block had been applied before; nothing changed.
    pub already_applied: bool,
    /// Outputs received.
    pub received: Vec<ContractId>,
    /// Outputs spent.
    pub spent: Vec<ContractId>,
    /// Pending transactions mined.
    pub mined: Vec<TxId>,
    /// Pending transactions dropped (expired or conflicting): their outputs are free.
    pub dropped: Vec<TxId>,
    /// Requests closed by expiry, by one-time key index.
    pub expired_requests: Vec<u64>,
    /// Payments received and sent, as a person reads them.
    pub history: BlockHistory,
}

impl Wallet {
    /// Applies a block the node has applied to its chain state.
    pub fn apply_block(&mut self, applied: &AppliedBlock) -> Result<BlockReport, WalletError> {
        let header = applied.state.tip();
        let block_id = header.id();
        let tip = self.ledger.tip.clone().ok_or(WalletError::NotStarted)?;
        let seen = self
            .ledger
            .recent
            .iter()
            .any(|(h, id)| *h == header.height && *id == block_id);
        if seen {
            return Ok(BlockReport {
                already_applied: true,
                ..BlockReport::default()
            });
        }
        if header.prev != tip.id || header.height != tip.height.wrapping_add(1) {
            return Err(WalletError::NotExtendingTip {
                block: block_id,
                height: header.height,
                tip: tip.id,
                tip_height: tip.height,
            });
        }
        if applied.catchup.previous_generation() != tip.generation {
            return Err(WalletError::GenerationMismatch {
                from: applied.catchup.previous_generation(),
                at: tip.generation,
            });
        }

        // Walk the block: spends and receipts, in order.
        let mut spent = BTreeSet::new();
        let mut found: BTreeMap<ContractId, OwnedOutput> = BTreeMap::new();
        for tx in &applied.txs {
            for input in tx.log.inputs() {
                if found.remove(input).is_some() || self.ledger.outputs.contains_key(input) {
                    spent.insert(*input);
                }
            }
            for o in self.detect(tx, header.height) {
                found.entry(o.id).or_insert(o);
            }
        }

        // Move every proof; fail before changing anything.
        let mut proofs = Vec::with_capacity(self.ledger.outputs.len() + found.len());
        for (id, o) in &self.ledger.outputs {
            if spent.contains(id) {
                continue;
            }
            let moved = match &o.proof {
                Proof::Committed(path) => applied.catchup.relocate(path).map(Proof::Committed),
                Proof::Transient => applied.catchup.update_proof(id, &Proof::Transient),
            };
            proofs.push((*id, moved.map_err(|e| proof_error(id, e))?));
        }
        for (id, o) in found.iter_mut() {
            o.proof = applied
                .catchup
                .update_proof(id, &Proof::Transient)
                .map_err(|e| proof_error(id, e))?;
        }

        // Commit.
        let mut report = BlockReport::default();
        for id in &spent {
            if self.ledger.outputs.remove(id).is_some() {
                report.spent.push(*id);
            }
        }
        for (id, proof) in proofs {
            if let Some(o) = self.ledger.outputs.get_mut(&id) {
                o.proof = proof;
            }
        }
        for (id, o) in found {
            self.ledger.watched.remove(&id);
            if let KeyKind::Request(i) = o.opening.key {
                self.ledger.requests.remove(&i);
            }
            report.received.push(id);
            self.ledger.outputs.insert(id, o);
        }
        self.settle_pending(applied, &spent, header.timestamp_ms, &mut report);
        let expired: Vec<u64> = self
            .ledger
            .requests
            .iter()
            .filter(|(_, r)| r.expiry_ms <= header.timestamp_ms)
            .map(|(i, _)| *i)
            .collect();
        for i in &expired {
            self.ledger.requests.remove(i);
        }
        // A reply to an expired request announces an output that can no longer come.
        self.ledger
            .watched
            .retain(|_, w| !matches!(w.opening.key, KeyKind::Request(i) if expired.contains(&i)));
        report.expired_requests = expired;
        self.ledger.tip = Some(Tip {
            height: header.height,
            id: block_id,
            timestamp_ms: header.timestamp_ms,
            generation: applied.catchup.generation(),
        });
        self.ledger.recent.push_back((header.height, block_id));
        while self.ledger.recent.len() > RECENT_BLOCKS {
            self.ledger.recent.pop_front();
        }
        report.history = self.record_history(&applied.txs, &report.received);
        Ok(report)
    }

    /// Drops pending transactions that were mined, lost an input, or expired.
    fn settle_pending(
        &mut self,
        applied: &AppliedBlock,
        spent: &BTreeSet<ContractId>,
        now_ms: u64,
        report: &mut BlockReport,
    ) {
        let mined: BTreeSet<TxId> = applied.txs.iter().map(|t| t.id).collect();
        let ids: Vec<TxId> = self.ledger.pending.keys().copied().collect();
        for id in ids {
            let Some(p) = self.ledger.pending.get(&id) else {
                continue;
            };
            if mined.contains(&id) {
                self.ledger.pending.remove(&id);
                report.mined.push(id);
                continue;
            }
            let lost_input = p.inputs.iter().any(|i| spent.contains(i));
            if lost_input || p.maxtime_ms <= now_ms {
                // The transaction can no longer be mined: free the rest.
                let _ = self.ledger.release(&id);
                report.dropped.push(id);
            }
        }
    }

    /// The outputs of `tx` that are ours: by note, or announced by a reply.
    fn detect(&self, tx: &VerifiedTx, height: u64) -> Vec<OwnedOutput> {
        let mut ours = Vec::new();
        for entry in tx.log.iter() {
            let TxEntry::Data(data) = entry else { continue };
            if !data.starts_with(NOTE_TAG) {
                continue;
            }
            for (owner, opener) in &self.openers {
                let Some((opening, tweak)) = opener.open(data) else {
                    continue;
                };
                if opening.qty == 0 {
                    break;
                }
                let Ok(predicate) = self.payment_point(*owner, &opening, &tweak) else {
                    break;
                };
                let expected = contract(Predicate::opaque(predicate), &opening, Default::default());
                if let Some(c) = tx.log.outputs().find(|c| same_output(c, &expected)) {
                    ours.push(OwnedOutput {
                        id: c.id(),
                        owner: *owner,
                        opening,
                        tweak,
                        predicate,
                        anchor: c.anchor,
                        proof: Proof::Transient,
                        height,
                        reserved_by: None,
                    });
                }
                break;
            }
        }
        for c in tx.log.outputs() {
            let id = c.id();
            if let Some(w) = self.ledger.watched.get(&id) {
                ours.push(OwnedOutput {
                    id,
                    owner: w.owner,
                    opening: w.opening.clone(),
                    tweak: Default::default(),
                    predicate: w.predicate,
                    anchor: w.anchor,
                    proof: Proof::Transient,
                    height,
                    reserved_by: None,
                });
            }
        }
        ours
    }
}

/// Whether two output contracts have the same predicate and payload.
fn same_output(a: &Contract, b: &Contract) -> bool {
    a.predicate == b.predicate && a.payload == b.payload
}

fn proof_error(id: &ContractId, e: utreexo::UtreexoError) -> WalletError {
    WalletError::ProofUpdate {
        output: *id,
        reason: e.to_string(),
    }
}

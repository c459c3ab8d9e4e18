//! Tracking: applying each new block to the ledger.
//!
//! A block comes either in full, as the node applied it ([`Wallet::apply_block`]:
//! the caller validated it), or compact with the evidence of its header
//! ([`Wallet::apply_light`](crate::light): the wallet checks what it can). Both end
//! here, transaction by transaction, in block order: the wallet's outputs named as
//! inputs are spent; the notes (all of the block's, on all cores) are trial-decrypted
//! with every account's encryption key and an opening is matched with the output of
//! the same transaction whose contract ID it gives; an output whose ID was announced
//! by a payment reply is taken too. Then every output kept has its Utreexo proof
//! moved by the block's catch-up (in bulk, on all cores). Pending transactions that
//! were mined, that lost an input to another transaction, or whose time ran out are
//! dropped (freeing their reservations), and requests whose expiry has passed close.
//! A block already applied is recognised by its ID and skipped; a block that does not
//! extend the tip is refused. All or nothing.

use crate::compact::CompactTx;
use crate::errors::WalletError;
use crate::ledger::{contract, Checkpoint, OwnedOutput, Owner, RECENT_BLOCKS};
use crate::note::{KeyKind, NOTE_TAG};
use crate::scan::{move_proofs, open_notes, Opened};
use crate::wallet::Wallet;
use blockchain::{AppliedBlock, BlockHeader};
use std::collections::{BTreeMap, BTreeSet};
use utreexo::{Catchup, Forest, Proof};
use zkvm::{Anchor, ContractId, Predicate, TxEntry, TxId, VerifiedTx};

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
    /// The transactions (by index in the block) with a note that opened for this
    /// wallet but whose output the transaction does not hold: a sender's mistake or
    /// a forged note. Nothing of it is counted.
    pub refused_notes: Vec<usize>,
}

/// A block's transactions as tracking reads them: from a full block or a compact one.
pub(crate) trait BlockTxs: Sync {
    /// How many transactions.
    fn count(&self) -> usize;
    /// The ID of transaction `tx`, if the block gives it (compact blocks do not).
    fn id(&self, tx: usize) -> Option<TxId>;
    /// The IDs of its inputs, in log order.
    fn inputs(&self, tx: usize) -> Vec<ContractId>;
    /// Its note entries, in log order.
    fn notes(&self, tx: usize) -> Vec<&[u8]>;
    /// Its outputs' IDs with their anchors, in log order.
    fn outputs(&self, tx: usize) -> Vec<(ContractId, Anchor)>;
}

impl BlockTxs for [VerifiedTx] {
    fn count(&self) -> usize {
        self.len()
    }

    fn id(&self, tx: usize) -> Option<TxId> {
        Some(self[tx].id)
    }

    fn inputs(&self, tx: usize) -> Vec<ContractId> {
        self[tx].log.inputs().copied().collect()
    }

    fn notes(&self, tx: usize) -> Vec<&[u8]> {
        let data = self[tx].log.iter().filter_map(|entry| match entry {
            TxEntry::Data(d) if d.starts_with(NOTE_TAG) => Some(d.as_slice()),
            _ => None,
        });
        data.collect()
    }

    fn outputs(&self, tx: usize) -> Vec<(ContractId, Anchor)> {
        self[tx].log.outputs().map(|c| (c.id(), c.anchor)).collect()
    }
}

impl BlockTxs for [CompactTx] {
    fn count(&self) -> usize {
        self.len()
    }

    fn id(&self, _tx: usize) -> Option<TxId> {
        None
    }

    fn inputs(&self, tx: usize) -> Vec<ContractId> {
        self[tx].inputs().collect()
    }

    fn notes(&self, tx: usize) -> Vec<&[u8]> {
        self[tx].notes().collect()
    }

    fn outputs(&self, tx: usize) -> Vec<(ContractId, Anchor)> {
        self[tx].outputs()
    }
}

/// How the forest moved over a block: the state after it and the catch-up.
pub(crate) struct ForestMove<'a> {
    /// The header of the block.
    pub header: &'a BlockHeader,
    /// The forest after the block.
    pub forest: &'a Forest,
    /// Moves proofs of the forest before the block onto `forest`.
    pub catchup: &'a Catchup,
}

impl Wallet {
    /// Applies a block the node has applied to its chain state.
    pub fn apply_block(&mut self, applied: &AppliedBlock) -> Result<BlockReport, WalletError> {
        let header = applied.state.tip();
        let tip = self.ledger.tip.as_ref().ok_or(WalletError::NotStarted)?;
        if self.already_applied(header) {
            return Ok(BlockReport {
                already_applied: true,
                ..BlockReport::default()
            });
        }
        check_extends(header, tip)?;
        if applied.catchup.previous_generation() != tip.generation() {
            return Err(WalletError::GenerationMismatch {
                from: applied.catchup.previous_generation(),
                at: tip.generation(),
            });
        }
        let moved = ForestMove {
            header,
            forest: applied.state.forest(),
            catchup: &applied.catchup,
        };
        self.track(&moved, applied.txs.as_slice())
    }

    /// Whether the block of `header` is among the last ones applied.
    pub(crate) fn already_applied(&self, header: &BlockHeader) -> bool {
        let id = header.id();
        let recent = self.ledger.recent.iter();
        recent.rev().any(|(h, i)| *h == header.height && *i == id)
    }

    /// Applies a block whose forest move the caller has established: detection,
    /// proof upkeep, pending transactions and requests. All or nothing.
    pub(crate) fn track<T: BlockTxs + ?Sized>(
        &mut self,
        moved: &ForestMove<'_>,
        txs: &T,
    ) -> Result<BlockReport, WalletError> {
        let header = moved.header;
        let mut report = BlockReport::default();

        // Walk the block: spends and receipts, in order.
        let opened = open_notes(&self.openers, txs);
        let mut spent = BTreeSet::new();
        let mut found: BTreeMap<ContractId, OwnedOutput> = BTreeMap::new();
        let mut opened = opened.into_iter().peekable();
        for tx in 0..txs.count() {
            for input in txs.inputs(tx) {
                if found.remove(&input).is_some() || self.ledger.outputs.contains_key(&input) {
                    spent.insert(input);
                }
            }
            let mut mine = Vec::new();
            while let Some(o) = opened.next_if(|o| o.tag == tx) {
                mine.push(o);
            }
            if mine.is_empty() && self.ledger.watched.is_empty() {
                continue;
            }
            let outputs = txs.outputs(tx);
            // Zero-quantity outputs (a cloak's filler) are not tracked.
            for o in mine.into_iter().filter(|o| o.opening.qty > 0) {
                match self.match_output(o, &outputs, header.height) {
                    Some(owned) => {
                        found.entry(owned.id).or_insert(owned);
                    }
                    None => report.refused_notes.push(tx),
                }
            }
            for owned in self.watched_among(&outputs, header.height) {
                found.entry(owned.id).or_insert(owned);
            }
        }

        // Move every proof; fail before changing anything.
        let kept = self
            .ledger
            .outputs
            .iter()
            .filter(|(id, _)| !spent.contains(*id))
            .map(|(id, o)| (*id, &o.proof));
        let proofs = move_proofs(kept.collect(), moved.catchup)?;
        for (id, o) in found.iter_mut() {
            let proof = moved
                .catchup
                .update_proof(id, &Proof::Transient)
                .map_err(|e| proof_error(id, e))?;
            // Counted only once its proof holds in the forest the header commits to.
            moved
                .forest
                .verify(id, &proof)
                .map_err(|e| proof_error(id, e))?;
            o.proof = proof;
        }

        // Commit.
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
            self.receive(o);
            report.received.push(id);
        }
        let mined = self.mined_pending(txs);
        self.settle_pending(&mined, &spent, header.timestamp_ms, &mut report);
        report.expired_requests = self.expire_requests(header.timestamp_ms);
        self.ledger.tip = Some(Checkpoint::trusted(header.clone(), moved.forest.clone()));
        self.ledger.recent.push_back((header.height, header.id()));
        while self.ledger.recent.len() > RECENT_BLOCKS {
            self.ledger.recent.pop_front();
        }
        Ok(report)
    }

    /// Takes a received output into the ledger.
    fn receive(&mut self, o: OwnedOutput) {
        self.ledger.watched.remove(&o.id);
        if let KeyKind::Request(i) = o.opening.key {
            self.ledger.requests.remove(&i);
            // A recovered wallet never hands out a key already paid.
            self.ledger.next_request = self.ledger.next_request.max(i.saturating_add(1));
        }
        if let Owner::Account(n) = o.owner {
            let highest = self.ledger.highest_account.map_or(n, |h| h.max(n));
            self.ledger.highest_account = Some(highest);
        }
        self.ledger.outputs.insert(o.id, o);
    }

    /// Closes the requests whose expiry has passed at `now_ms`, and forgets the
    /// outputs announced for them (they can no longer come).
    fn expire_requests(&mut self, now_ms: u64) -> Vec<u64> {
        let expired: Vec<u64> = self
            .ledger
            .requests
            .iter()
            .filter(|(_, r)| r.expiry_ms <= now_ms)
            .map(|(i, _)| *i)
            .collect();
        for i in &expired {
            self.ledger.requests.remove(i);
        }
        self.ledger
            .watched
            .retain(|_, w| !matches!(w.opening.key, KeyKind::Request(i) if expired.contains(&i)));
        expired
    }

    /// The pending transactions that `txs` mine: by ID, or, in a block that gives
    /// no IDs, the transaction that spends exactly a pending one's inputs (only
    /// this wallet can sign for them).
    fn mined_pending<T: BlockTxs + ?Sized>(&self, txs: &T) -> BTreeSet<TxId> {
        let mut mined = BTreeSet::new();
        for tx in 0..txs.count() {
            if let Some(id) = txs.id(tx) {
                mined.insert(id);
                continue;
            }
            let inputs: BTreeSet<ContractId> = txs.inputs(tx).into_iter().collect();
            let pending = self.ledger.pending.values();
            let same =
                pending.filter(|p| p.inputs.iter().copied().collect::<BTreeSet<_>>() == inputs);
            mined.extend(same.map(|p| p.id));
        }
        mined
    }

    /// Drops pending transactions that were mined, lost an input, or expired.
    fn settle_pending(
        &mut self,
        mined: &BTreeSet<TxId>,
        spent: &BTreeSet<ContractId>,
        now_ms: u64,
        report: &mut BlockReport,
    ) {
        let ids: Vec<TxId> = self.ledger.pending.keys().copied().collect();
        for id in ids {
            let Some(p) = self.ledger.pending.get(&id) else {
                continue;
            };
            if mined.contains(&id) {
                self.ledger.close(&id);
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

    /// The output of a transaction (among `outputs`) that an opened note describes:
    /// the contract its opening and this wallet's key give, with one of the
    /// outputs' anchors, must have that output's ID.
    fn match_output(
        &self,
        opened: Opened,
        outputs: &[(ContractId, Anchor)],
        height: u64,
    ) -> Option<OwnedOutput> {
        let Opened {
            owner,
            opening,
            tweak,
            ..
        } = opened;
        let predicate = self.payment_point(owner, &opening, &tweak).ok()?;
        let mut expected =
            contract(Predicate::opaque(predicate), &opening, Anchor::default()).to_opaque();
        let (id, anchor) = outputs.iter().find_map(|(id, anchor)| {
            expected.anchor = *anchor;
            (expected.id() == *id).then_some((*id, *anchor))
        })?;
        Some(OwnedOutput {
            id,
            owner,
            opening,
            tweak,
            predicate,
            anchor,
            proof: Proof::Transient,
            height,
            reserved_by: None,
        })
    }

    /// The outputs among `outputs` that payment replies announced.
    fn watched_among(&self, outputs: &[(ContractId, Anchor)], height: u64) -> Vec<OwnedOutput> {
        let watched = outputs
            .iter()
            .filter_map(|(id, _)| self.ledger.watched.get(id).map(|w| (id, w)));
        watched
            .map(|(id, w)| OwnedOutput {
                id: *id,
                owner: w.owner,
                opening: w.opening.clone(),
                tweak: Default::default(),
                predicate: w.predicate,
                anchor: w.anchor,
                proof: Proof::Transient,
                height,
                reserved_by: None,
            })
            .collect()
    }
}

/// Refuses a header that does not follow `tip`.
pub(crate) fn check_extends(header: &BlockHeader, tip: &Checkpoint) -> Result<(), WalletError> {
    if header.prev != tip.id() || header.height != tip.height().wrapping_add(1) {
        return Err(WalletError::NotExtendingTip {
            block: header.id(),
            height: header.height,
            tip: tip.id(),
            tip_height: tip.height(),
        });
    }
    Ok(())
}

pub(crate) fn proof_error(id: &ContractId, e: utreexo::UtreexoError) -> WalletError {
    WalletError::ProofUpdate {
        output: *id,
        reason: e.to_string(),
    }
}

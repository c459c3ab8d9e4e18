//! Tracking: applying each new block to the ledger.
//!
//! A block comes either in full, as the node applied it ([`Wallet::apply_block`]:
//! the caller validated it), or compact with the evidence of its header
//! ([`Wallet::apply_light`](crate::light): the wallet checks what it can). Both end
//! here, transaction by transaction, in block order: the wallet's outputs named as
//! inputs are spent; the notes (all of the block's, on all cores) are
//! trial-decrypted with every account's encryption key and an opening is matched
//! with the output of the same transaction whose contract ID it gives; an output
//! whose ID was announced by a payment reply is taken too. Then every output kept
//! has its Utreexo proof moved by the block's catch-up (in bulk, in place). Pending transactions that were mined, that lost an input to another
//! transaction, or whose time ran out are dropped (freeing their reservations), and
//! requests whose expiry has passed close. A block already applied is recognised by
//! its ID and skipped; a block that does not extend the tip is refused. All or
//! nothing.

use crate::compact::CompactTx;
use crate::errors::WalletError;
use crate::history::BlockHistory;
use crate::ledger::{contract, Checkpoint, OwnedOutput, Owner, RECENT_BLOCKS};
use crate::note::{is_note_entry, KeyKind};
use crate::scan::{move_proofs, on_all_cores, open_notes, Opened};
use crate::wallet::Wallet;
use blockchain::{AppliedBlock, BlockHeader};
use curve25519_dalek::ristretto::CompressedRistretto;
use std::collections::{BTreeMap, BTreeSet};
use utreexo::{Catchup, Forest, Proof};
use zkvm::{Anchor, Contract, ContractId, Predicate, TxEntry, TxId, VerifiedTx};

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
    /// Payments received and sent, as a person reads them.
    pub history: BlockHistory,
    /// The transactions of a compact block that spent the wallet's outputs: what
    /// they sent is listed once their full form is given to
    /// [`Wallet::record_sent`] (a compact block holds no outgoing records).
    pub unlisted_sends: Vec<TxId>,
}

impl BlockReport {
    /// The report of a block applied before.
    pub(crate) fn already_applied() -> BlockReport {
        BlockReport {
            already_applied: true,
            ..BlockReport::default()
        }
    }
}

/// A block's transactions as tracking reads them: from a full block or a compact one.
pub(crate) trait BlockTxs: Sync {
    /// How many transactions.
    fn count(&self) -> usize;
    /// The ID of transaction `tx`.
    fn id(&self, tx: usize) -> TxId;
    /// Transaction `tx` in full, if the block holds it (compact blocks do not).
    fn full(&self, tx: usize) -> Option<&VerifiedTx>;
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

    fn id(&self, tx: usize) -> TxId {
        self[tx].id
    }

    fn full(&self, tx: usize) -> Option<&VerifiedTx> {
        Some(&self[tx])
    }

    fn inputs(&self, tx: usize) -> Vec<ContractId> {
        self[tx].log.inputs().copied().collect()
    }

    fn notes(&self, tx: usize) -> Vec<&[u8]> {
        let data = self[tx].log.iter().filter_map(|entry| match entry {
            TxEntry::Data(d) if is_note_entry(d) => Some(d.as_slice()),
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

    fn id(&self, tx: usize) -> TxId {
        self[tx].id
    }

    fn full(&self, _tx: usize) -> Option<&VerifiedTx> {
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

/// An opened note and the output it describes, but for the anchor.
struct Described {
    opened: Opened,
    predicate: CompressedRistretto,
    contract: Contract,
}

impl Described {
    /// The output among `outputs` (IDs with anchors) that this note describes: the
    /// described contract, with that output's anchor, has that output's ID.
    fn find_among(mut self, outputs: &[(ContractId, Anchor)], height: u64) -> Option<OwnedOutput> {
        let (id, anchor) = outputs.iter().find_map(|(id, anchor)| {
            self.contract.anchor = *anchor;
            (self.contract.id() == *id).then_some((*id, *anchor))
        })?;
        let Opened {
            owner,
            opening,
            tweak,
            ..
        } = self.opened;
        Some(OwnedOutput {
            id,
            owner,
            opening,
            tweak,
            predicate: self.predicate,
            anchor,
            proof: Proof::Transient,
            height,
            reserved_by: None,
        })
    }
}

impl Wallet {
    /// Applies a block the node has applied to its chain state.
    pub fn apply_block(&mut self, applied: &AppliedBlock) -> Result<BlockReport, WalletError> {
        let header = applied.state.tip();
        let Some(tip) = self.tip_to_extend(header)? else {
            return Ok(BlockReport::already_applied());
        };
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

    /// The tip the block of `header` must extend, or none if the block is among
    /// the last ones applied. Fails if the wallet has no tip, or the block does not
    /// extend it.
    pub(crate) fn tip_to_extend(
        &self,
        header: &BlockHeader,
    ) -> Result<Option<&Checkpoint>, WalletError> {
        let tip = self.ledger.tip.as_ref().ok_or(WalletError::NotStarted)?;
        let id = header.id();
        let recent = self.ledger.recent.iter();
        if recent.rev().any(|(h, i)| *h == header.height && *i == id) {
            return Ok(None);
        }
        check_extends(header, tip)?;
        Ok(Some(tip))
    }

    /// Applies a block whose forest move the caller has established: detection,
    /// proof upkeep, pending transactions and requests. All or nothing: everything
    /// fallible happens before anything changes (the proofs' moves check them all
    /// before they move any).
    pub(crate) fn track<T: BlockTxs + ?Sized>(
        &mut self,
        moved: &ForestMove<'_>,
        txs: &T,
    ) -> Result<BlockReport, WalletError> {
        let header = moved.header;
        let mut report = BlockReport::default();
        let (spent, mut found) = self.walk(txs, header.height, &mut report);
        first_proofs(moved, &mut found)?;
        // The last step that can fail: if it does, it changed nothing.
        let kept = self.ledger.outputs.iter_mut();
        let mut kept: Vec<_> = kept
            .filter(|(id, _)| !spent.contains(*id))
            .map(|(id, o)| (*id, &mut o.proof))
            .collect();
        move_proofs(&mut kept, moved.catchup)?;
        for id in &spent {
            if self.ledger.outputs.remove(id).is_some() {
                report.spent.push(*id);
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
        report.history = self.record_history(txs, &report.received);
        report.unlisted_sends = unlisted_sends(txs, &spent);
        Ok(report)
    }

    /// Walks the block in order: the wallet's outputs it spends, and the outputs it
    /// pays the wallet (by note or announced by a reply) that it does not spend
    /// again. Notes are opened, and the outputs they describe computed, on all cores.
    fn walk<T: BlockTxs + ?Sized>(
        &self,
        txs: &T,
        height: u64,
        report: &mut BlockReport,
    ) -> (BTreeSet<ContractId>, BTreeMap<ContractId, OwnedOutput>) {
        let opened = open_notes(&self.openers, txs);
        // Zero-quantity outputs (a cloak's filler) are not tracked.
        let opened = opened.into_iter().filter(|o| o.opening.qty > 0).collect();
        let described = on_all_cores(opened, |o| self.describe(o));
        let mut described = described.into_iter().flatten().peekable();
        let mut spent = BTreeSet::new();
        let mut found: BTreeMap<ContractId, OwnedOutput> = BTreeMap::new();
        for tx in 0..txs.count() {
            for input in txs.inputs(tx) {
                if found.remove(&input).is_some() || self.ledger.outputs.contains_key(&input) {
                    spent.insert(input);
                }
            }
            let mut mine = Vec::new();
            while let Some(d) = described.next_if(|d| d.opened.tag == tx) {
                mine.push(d);
            }
            if mine.is_empty() && self.ledger.watched.is_empty() {
                continue;
            }
            let outputs = txs.outputs(tx);
            for d in mine {
                match d.find_among(&outputs, height) {
                    Some(owned) => {
                        found.entry(owned.id).or_insert(owned);
                    }
                    None => report.refused_notes.push(tx),
                }
            }
            for owned in self.watched_among(&outputs, height) {
                found.entry(owned.id).or_insert(owned);
            }
        }
        (spent, found)
    }

    /// The output an opened note describes, but for its anchor: its predicate (this
    /// wallet's key, tweaked) and its commitments. None if the key is not this
    /// wallet's to use (a request key of the shared account).
    fn describe(&self, opened: Opened) -> Option<Described> {
        let predicate = self
            .payment_point(opened.owner, &opened.opening, &opened.tweak)
            .ok()?;
        let contract = contract(
            Predicate::opaque(predicate),
            &opened.opening,
            Anchor::default(),
        );
        Some(Described {
            opened,
            predicate,
            contract: contract.to_opaque(),
        })
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
        if self.ledger.pending.is_empty() {
            return mined;
        }
        // A compact block's IDs are the node's word: a pending transaction counts as
        // mined only with its inputs spent there too.
        for tx in 0..txs.count() {
            let id = txs.id(tx);
            let Some(p) = self.ledger.pending.get(&id) else {
                continue;
            };
            let inputs: BTreeSet<ContractId> = txs.inputs(tx).into_iter().collect();
            if p.inputs.iter().all(|i| inputs.contains(i)) {
                mined.insert(id);
            }
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

/// Gives the outputs `found` in a block their first proofs, each checked in the
/// forest after the block (whose root the header commits to) before it counts; on
/// all cores.
fn first_proofs(
    moved: &ForestMove<'_>,
    found: &mut BTreeMap<ContractId, OwnedOutput>,
) -> Result<(), WalletError> {
    let outputs: Vec<&mut OwnedOutput> = found.values_mut().collect();
    let results = on_all_cores(outputs, |o| {
        let proof = moved
            .catchup
            .update_proof(&o.id, &Proof::Transient)
            .map_err(|e| proof_error(&o.id, e))?;
        moved
            .forest
            .verify(&o.id, &proof)
            .map_err(|e| proof_error(&o.id, e))?;
        o.proof = proof;
        Ok(())
    });
    results.into_iter().collect()
}

/// The transactions of `txs` given without their full form that spent some of
/// `spent`.
fn unlisted_sends<T: BlockTxs + ?Sized>(txs: &T, spent: &BTreeSet<ContractId>) -> Vec<TxId> {
    (0..txs.count())
        .filter(|&tx| txs.full(tx).is_none() && txs.inputs(tx).iter().any(|i| spent.contains(i)))
        .map(|tx| txs.id(tx))
        .collect()
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

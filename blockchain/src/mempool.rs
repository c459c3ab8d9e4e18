//! The mempool: transactions waiting for a block, ordered by fee rate (fee per unit of
//! weight, [`zkvm::cost`]).
//!
//! Admission runs the cheap checks first and the expensive one last: the size, the
//! time bounds and version, the VM's execution (point checks deferred), duplicates,
//! each input's proof against the confirmed UTXO set and conflicts with admitted
//! transactions, room by fee rate; then the one multiscalar multiplication that checks
//! the transaction's proofs and signatures. Inputs must be confirmed outputs: a
//! transaction spending an output of another pending transaction waits until that one
//! is mined.
//!
//! The pool holds at most `max_bytes` of encoded block transactions. When a newcomer
//! does not fit, the transactions of strictly lower fee rate go first, lowest first
//! (among equal rates the newest first); if evicting all of those would not make room,
//! the newcomer is refused. When a block arrives, what it mined, what spends an input
//! it spent, what expired and what its version no longer admits leave the pool, and
//! the proofs of the rest are brought to the new forest. Every transaction that leaves
//! is reported with its reason.
//!
//! Every transaction admitted enters the pool's [`VerificationCache`], shared with
//! block validation through [`Mempool::cache`], so a block carrying it need not
//! verify its proof and signatures again.

use crate::block::BlockTx;
use crate::cache::VerificationCache;
use crate::errors::BlockchainError;
use crate::header::BlockHeader;
use crate::state::{AppliedBlock, ChainState};
use crate::validation::{check_tx_header, MAX_BLOCK_WEIGHT};
use crate::vm::TxVerifier;
use batch::{BatchVerifier, Generators};
use core::cmp::Reverse;
use encoding::Encodable;
use rand_core::OsRng;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use utreexo::{Catchup, Forest, Proof};
use zkvm::{ContractId, FeeRate, TxId, VerifiedTx};

/// The position of an entry in the fee-rate order: ascending is eviction order.
type OrderKey = (FeeRate, Reverse<u64>, TxId);

/// Whether the input proofs are hashed against the forest, or were already.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Proofs {
    Verify,
    Checked,
}

/// A block transaction that passed [`Mempool::check`] at the forest of
/// `generation`: [`Mempool::enter`] adds it without hashing its input proofs again
/// while the forest has not moved.
#[derive(Clone, Debug)]
pub struct Checked {
    block_tx: BlockTx,
    generation: u64,
}

impl Checked {
    /// The generation of the forest its input proofs were checked against.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The block transaction.
    pub fn block_tx(&self) -> &BlockTx {
        &self.block_tx
    }
}

/// A transaction in the mempool.
#[derive(Clone, Debug)]
pub struct MempoolEntry {
    block_tx: BlockTx,
    verified: VerifiedTx,
    size: usize,
    seq: u64,
}

impl MempoolEntry {
    /// The transaction with proofs against the mempool's current forest.
    pub fn block_tx(&self) -> &BlockTx {
        &self.block_tx
    }

    /// The verified transaction: ID, log, fee rate.
    pub fn verified(&self) -> &VerifiedTx {
        &self.verified
    }

    /// The transaction ID.
    pub fn id(&self) -> TxId {
        self.verified.id
    }

    /// The fee rate.
    pub fn feerate(&self) -> FeeRate {
        self.verified.feerate
    }

    /// The bytes it takes in the pool: the block transaction, the transaction with
    /// the Utreexo proofs of its inputs (what the pool's limit and a block's byte
    /// budget count). Not the transaction's size, which is
    /// [`Tx::size`](zkvm::Tx::size), without the proofs.
    pub fn size(&self) -> usize {
        self.size
    }

    fn key(&self) -> OrderKey {
        (self.verified.feerate, Reverse(self.seq), self.verified.id)
    }
}

/// A transaction that left the mempool (or never entered it), and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Dropped {
    /// The transaction's ID.
    pub id: TxId,
    /// Why it left.
    pub reason: BlockchainError,
}

/// The result of a successful admission.
#[derive(Clone, Debug, PartialEq)]
pub struct Admitted {
    /// The admitted transaction.
    pub id: TxId,
    /// The transactions evicted to make room for it, lowest fee rate first.
    pub evicted: Vec<Dropped>,
}

/// Transactions waiting for a block; see the [module](self) notes.
#[derive(Clone, Debug)]
pub struct Mempool {
    tip: BlockHeader,
    forest: Forest,
    max_bytes: usize,
    bytes: usize,
    next_seq: u64,
    entries: HashMap<TxId, MempoolEntry>,
    order: BTreeSet<OrderKey>,
    spent: HashMap<ContractId, TxId>,
    /// Shared with block validation (and with clones of this pool).
    cache: Arc<VerificationCache>,
}

impl Mempool {
    /// An empty mempool on top of `state`, holding at most `max_bytes` of block
    /// transactions.
    pub fn new(state: &ChainState, max_bytes: usize) -> Self {
        Self::with_cache(state, max_bytes, Arc::default())
    }

    /// An empty mempool that records the transactions it admits in `cache`.
    pub fn with_cache(state: &ChainState, max_bytes: usize, cache: Arc<VerificationCache>) -> Self {
        Mempool {
            tip: state.tip().clone(),
            forest: state.forest().clone(),
            max_bytes,
            bytes: 0,
            next_seq: 0,
            entries: HashMap::new(),
            order: BTreeSet::new(),
            spent: HashMap::new(),
            cache,
        }
    }

    /// The cache of the transactions it verified, for block validation
    /// ([`crate::CachingVerifier`]).
    pub fn cache(&self) -> &Arc<VerificationCache> {
        &self.cache
    }

    /// How many transactions wait.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The encoded size of all waiting block transactions.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The size limit.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// The tip the mempool's proofs refer to.
    pub fn tip(&self) -> &BlockHeader {
        &self.tip
    }

    /// The generation of the forest the waiting transactions' proofs refer to.
    pub fn generation(&self) -> u64 {
        self.forest.generation()
    }

    /// The entry of a transaction, if it waits here.
    pub fn get(&self, id: &TxId) -> Option<&MempoolEntry> {
        self.entries.get(id)
    }

    /// The entries, highest fee rate first (among equal rates the oldest first).
    pub fn entries(&self) -> impl Iterator<Item = &MempoolEntry> {
        self.order
            .iter()
            .rev()
            .filter_map(|key| self.entries.get(&key.2))
    }

    /// Decodes a block transaction, then [admits](Mempool::admit) it.
    pub fn admit_bytes<V: TxVerifier>(
        &mut self,
        bytes: &[u8],
        now_ms: u64,
        gens: &Generators,
        vm: &V,
    ) -> Result<Admitted, BlockchainError> {
        self.admit(BlockTx::from_bytes(bytes)?, now_ms, gens, vm)
    }

    /// Checks a transaction at time `now_ms` and adds it; see the [module](self) notes
    /// for the order of the checks. On error the mempool is unchanged.
    pub fn admit<V: TxVerifier>(
        &mut self,
        block_tx: BlockTx,
        now_ms: u64,
        gens: &Generators,
        vm: &V,
    ) -> Result<Admitted, BlockchainError> {
        let size = self.check_size(&block_tx)?;
        check_tx_header(&block_tx.tx.header, now_ms, self.tip.version)?;
        let mut batch = BatchVerifier::new(gens, OsRng);
        let verified = vm
            .verify_tx(&block_tx.tx, &mut batch)
            .map_err(BlockchainError::TxInvalid)?;
        let victims = self.check_place(&verified, &block_tx.proofs, size, Proofs::Verify)?;
        batch
            .verify()
            .map_err(|_| BlockchainError::TxProofInvalid)?;
        self.cache.insert(&block_tx.tx, verified.clone());
        Ok(self.add(block_tx, verified, size, victims))
    }

    /// Evicts `victims` and adds the transaction.
    fn add(
        &mut self,
        block_tx: BlockTx,
        verified: VerifiedTx,
        size: usize,
        victims: Vec<OrderKey>,
    ) -> Admitted {
        let evicted = victims
            .into_iter()
            .filter_map(|key| self.remove(&key.2))
            .map(|entry| evicted(&entry))
            .collect();
        let id = verified.id;
        let seq = self.next_seq;
        self.next_seq += 1;
        self.insert(MempoolEntry {
            block_tx,
            verified,
            size,
            seq,
        });
        Admitted { id, evicted }
    }

    /// The checks of [`Mempool::admit`] that need neither the VM nor a point check,
    /// for a transaction already run: size, time bounds and version, not already
    /// waiting, each input unspent where its proof says and not spent by a waiting
    /// transaction, room at its fee rate. Changes nothing; a caller that runs the
    /// point checks of many transactions together makes these first, so a
    /// transaction that cannot enter costs no multiscalar multiplication, then
    /// [enters](Mempool::enter) those whose point checks pass.
    pub fn check(
        &self,
        block_tx: BlockTx,
        verified: &VerifiedTx,
        now_ms: u64,
    ) -> Result<Checked, BlockchainError> {
        let size = self.check_size(&block_tx)?;
        check_tx_header(&block_tx.tx.header, now_ms, self.tip.version)?;
        self.check_place(verified, &block_tx.proofs, size, Proofs::Verify)?;
        Ok(Checked {
            block_tx,
            generation: self.generation(),
        })
    }

    /// Adds a transaction that passed this pool's [`Mempool::check`], whose VM run is
    /// `verified` and whose proofs and signatures the caller checked (and entered in
    /// the cache it shares with this pool). The checks of `check` are made again,
    /// since other transactions may have entered since, except the hashing of the
    /// input proofs when the forest is still the one they were checked against. On
    /// error the mempool is unchanged.
    pub fn enter(
        &mut self,
        checked: Checked,
        verified: VerifiedTx,
        now_ms: u64,
    ) -> Result<Admitted, BlockchainError> {
        let Checked {
            block_tx,
            generation,
        } = checked;
        let size = self.check_size(&block_tx)?;
        check_tx_header(&block_tx.tx.header, now_ms, self.tip.version)?;
        let proofs = if generation == self.generation() {
            Proofs::Checked
        } else {
            Proofs::Verify
        };
        let victims = self.check_place(&verified, &block_tx.proofs, size, proofs)?;
        Ok(self.add(block_tx, verified, size, victims))
    }

    fn check_size(&self, block_tx: &BlockTx) -> Result<usize, BlockchainError> {
        let size = block_tx.encoded_len();
        if size > self.max_bytes {
            return Err(BlockchainError::TxTooLarge {
                size,
                limit: self.max_bytes,
            });
        }
        Ok(size)
    }

    /// Not waiting already, inputs spendable (their proofs hashed unless `mode` says
    /// they were), room: the victims to evict for it.
    fn check_place(
        &self,
        verified: &VerifiedTx,
        proofs: &[Proof],
        size: usize,
        mode: Proofs,
    ) -> Result<Vec<OrderKey>, BlockchainError> {
        if self.entries.contains_key(&verified.id) {
            return Err(BlockchainError::AlreadyInMempool { id: verified.id });
        }
        self.check_inputs(verified, proofs, mode)?;
        self.make_room(verified.feerate, size)
    }

    /// The transactions a block at `time_ms` of `version` should carry: highest fee
    /// rate (per unit of weight) first, skipping those whose time bounds or version do
    /// not fit and those that would take the total past `max_bytes` or the weight past
    /// [`MAX_BLOCK_WEIGHT`]. Each transaction counts its encoded size plus `overhead`
    /// bytes (what a consensus engine adds per transaction, such as CometBFT's
    /// framing; 0 for our own blocks).
    pub fn select(
        &self,
        time_ms: u64,
        version: u64,
        max_bytes: usize,
        overhead: usize,
    ) -> Vec<&MempoolEntry> {
        let mut used = 0usize;
        let mut weight = 0u64;
        let mut chosen = Vec::new();
        for entry in self.entries() {
            let size = entry.size.saturating_add(overhead);
            let fits = used.saturating_add(size) <= max_bytes
                && weight.saturating_add(entry.verified.weight) <= MAX_BLOCK_WEIGHT;
            if fits && check_tx_header(&entry.block_tx.tx.header, time_ms, version).is_ok() {
                used += size;
                weight += entry.verified.weight;
                chosen.push(entry);
            }
        }
        chosen
    }

    /// Moves the mempool onto the state after a block: drops what the block mined,
    /// what spends an input the block spent, what expired and what the new version
    /// refuses; brings the proofs of the rest to the new forest (dropping any whose
    /// proof no longer updates); evicts by fee rate if the proofs grew past the limit.
    /// Returns what was dropped, in the order of arrival.
    pub fn apply_block(&mut self, applied: &AppliedBlock) -> Result<Vec<Dropped>, BlockchainError> {
        let catchup = &applied.catchup;
        if catchup.previous_generation() != self.forest.generation() {
            return Err(BlockchainError::MempoolOutOfStep {
                from: catchup.previous_generation(),
                at: self.forest.generation(),
            });
        }
        let tip = applied.state.tip().clone();
        let mined: HashSet<TxId> = applied.txs.iter().map(|tx| tx.id).collect();
        let spent: HashSet<ContractId> = applied
            .txs
            .iter()
            .flat_map(|tx| tx.log.inputs().copied())
            .collect();

        let mut old: Vec<MempoolEntry> = self.entries.drain().map(|(_, e)| e).collect();
        old.sort_by_key(|e| e.seq);
        self.order.clear();
        self.spent.clear();
        self.bytes = 0;
        self.tip = tip;
        self.forest = applied.state.forest().clone();

        let mut dropped = Vec::new();
        for mut entry in old {
            match self.carry_over(&mut entry, &mined, &spent, catchup) {
                Ok(()) => self.insert(entry),
                Err(reason) => dropped.push(Dropped {
                    id: entry.id(),
                    reason,
                }),
            }
        }
        while self.bytes > self.max_bytes {
            let Some(lowest) = self.order.first().copied() else {
                break;
            };
            if let Some(entry) = self.remove(&lowest.2) {
                dropped.push(evicted(&entry));
            }
        }
        Ok(dropped)
    }

    /// Decides whether an entry stays after a block, updating its proofs if so.
    fn carry_over(
        &self,
        entry: &mut MempoolEntry,
        mined: &HashSet<TxId>,
        spent: &HashSet<ContractId>,
        catchup: &Catchup,
    ) -> Result<(), BlockchainError> {
        let height = self.tip.height;
        if mined.contains(&entry.id()) {
            return Err(BlockchainError::Mined { height });
        }
        if let Some(input) = entry.verified.log.inputs().find(|i| spent.contains(*i)) {
            return Err(BlockchainError::SpentByBlock {
                input: *input,
                height,
            });
        }
        let header = &entry.block_tx.tx.header;
        if header.maxtime_ms <= self.tip.timestamp_ms {
            return Err(BlockchainError::Expired {
                maxtime: header.maxtime_ms,
                tip_time: self.tip.timestamp_ms,
            });
        }
        // Any later time within the bounds will do: only the version matters here.
        let later = self
            .tip
            .timestamp_ms
            .saturating_add(1)
            .max(header.mintime_ms);
        check_tx_header(header, later, self.tip.version)?;
        let proofs = entry
            .verified
            .log
            .inputs()
            .zip(&entry.block_tx.proofs)
            .map(|(input, proof)| {
                catchup
                    .update_proof(input, proof)
                    .map_err(|error| BlockchainError::Spend {
                        input: *input,
                        error,
                    })
            })
            .collect::<Result<Vec<Proof>, _>>()?;
        entry.block_tx.proofs = proofs;
        entry.size = entry.block_tx.encoded_len();
        Ok(())
    }

    /// Checks each input: one proof each, not repeated, not spent by an admitted
    /// transaction, in the confirmed UTXO set where its proof says.
    fn check_inputs(
        &self,
        tx: &VerifiedTx,
        proofs: &[Proof],
        mode: Proofs,
    ) -> Result<(), BlockchainError> {
        let inputs = tx.log.inputs().count();
        if inputs != proofs.len() {
            return Err(BlockchainError::ProofCount {
                inputs,
                proofs: proofs.len(),
            });
        }
        let mut seen = HashSet::with_capacity(inputs);
        for (input, proof) in tx.log.inputs().zip(proofs) {
            if !seen.insert(*input) {
                return Err(BlockchainError::DuplicateInput { input: *input });
            }
            if let Some(with) = self.spent.get(input) {
                return Err(BlockchainError::Conflict {
                    input: *input,
                    with: *with,
                });
            }
            if mode == Proofs::Verify {
                self.forest
                    .verify(input, proof)
                    .map_err(|error| BlockchainError::Spend {
                        input: *input,
                        error,
                    })?;
            }
        }
        Ok(())
    }

    /// The entries to evict so that `size` more bytes fit, all of fee rate strictly
    /// below `rate`; refuses if there are not enough of them.
    fn make_room(&self, rate: FeeRate, size: usize) -> Result<Vec<OrderKey>, BlockchainError> {
        let mut excess = self
            .bytes
            .saturating_add(size)
            .saturating_sub(self.max_bytes);
        let mut victims = Vec::new();
        for key in &self.order {
            if excess == 0 {
                break;
            }
            if key.0 >= rate {
                break;
            }
            let freed = self.entries.get(&key.2).map_or(0, |e| e.size);
            excess = excess.saturating_sub(freed);
            victims.push(*key);
        }
        if excess > 0 {
            let lowest = self.order.first().map_or(rate, |key| key.0);
            return Err(BlockchainError::FeeRateTooLow { rate, lowest });
        }
        Ok(victims)
    }

    fn insert(&mut self, entry: MempoolEntry) {
        let id = entry.id();
        for input in entry.verified.log.inputs() {
            self.spent.insert(*input, id);
        }
        self.bytes += entry.size;
        self.order.insert(entry.key());
        self.entries.insert(id, entry);
    }

    fn remove(&mut self, id: &TxId) -> Option<MempoolEntry> {
        let entry = self.entries.remove(id)?;
        for input in entry.verified.log.inputs() {
            self.spent.remove(input);
        }
        self.bytes -= entry.size;
        self.order.remove(&entry.key());
        Some(entry)
    }
}

/// The report of an eviction.
fn evicted(entry: &MempoolEntry) -> Dropped {
    Dropped {
        id: entry.id(),
        reason: BlockchainError::Evicted {
            rate: entry.feerate(),
        },
    }
}

//! The admission engine: the one path by which a transaction enters a node's mempool,
//! whether it comes over the HTTP API of a devnet or through `CheckTx` under CometBFT,
//! and the chain state and mempool that committed blocks move forward. The HTTP API,
//! the devnet producer, the follower and the ABCI application are shells around it.
//!
//! Admission takes a list of encoded submissions and answers one verdict each, in
//! order, making the cheap checks first and the expensive one last:
//!
//! 0. **the store**: while it is failing ([`Store::fault`]) nothing is admitted;
//! 1. **decode**: a block transaction (with the Utreexo proofs of its inputs) or a bare
//!    transaction;
//! 2. **size**: at most the mempool's limit;
//! 3. **verification cache**: a transaction whose VM run, proof and signatures passed
//!    before (admitted here, or carried by a block) is not run again;
//! 4. **claimed inputs**: every top-level instruction of a valid transaction runs, so
//!    each top-level `push <output structure>` followed by `input` certainly spends
//!    that output; a static scan of the program finds these pairs, and an output the
//!    store holds no proof of (spent or never made) refuses the transaction before the
//!    VM (unless the client sent proofs, which only the checks after the VM can
//!    place). The scan decodes the program once and hashes each claimed output;
//!    the VM run it spares costs a hundred times more (`spec/node.md`);
//! 5. **the VM**, every point check deferred, all submissions in parallel: the ID, the
//!    log (inputs and outputs), the weight and the fee rate; the weight limits stop a
//!    run as soon as it crosses them;
//! 6. **the mempool's checks**, under its lock: not waiting already, time bounds and
//!    version, each input unspent where its proof says (the proofs' rule below), no
//!    input spent by a waiting transaction, room at its fee rate;
//! 7. **one multiscalar multiplication** for the proofs and signatures of every
//!    submission still standing; if it fails, bisection names each failing one
//!    without running a VM again ([`BatchVerifier::failing`]);
//! 8. **admission**, under the lock again (step 6 is repeated there: a block may have
//!    come in between, or two submissions of one batch spend the same input), and
//!    the admitted transactions are written to the store's mempool journal in one
//!    write before they are answered (reaching the operating system, not waiting for
//!    the disk: [`Store::update_pending`]). If that write fails, they leave the
//!    mempool again and are answered with the store's fault.
//!
//! Each verdict carries what verifying the submission cost ([`Verdict::cost`]): the
//! time of its own steps 1 to 5, and for a submission that fails step 7 its share of
//! that step and of the bisection. The HTTP API charges refused submissions to
//! their client's budget.
//!
//! **The mempool across restarts.** The store keeps every waiting transaction (bare,
//! in the order of admission: its journal, which each block's write transaction takes
//! into the `mempool` table); a block's transactions leave it in the block's write
//! transaction, and what a block or an eviction drops leaves it afterwards. On start
//! the engine admits the stored transactions again through the whole path above
//! (re-checked against the stored tip), and forgets those it now refuses.
//!
//! **Storage faults.** An I/O error of the store stops admission (step 0) until the
//! store writes again. Every admission and commit first reopens a store that met an
//! I/O error, at most once a second ([`Engine::recover`]), carrying on from its tip;
//! a commit is then tried, and the first that succeeds ends the fault, so a node
//! recovers by itself when space returns.
//!
//! **Which input proofs win.** The store holds the proof of every unspent output at
//! the committed forest, the same forest the mempool's proofs refer to: the store's
//! proof of an input wins over one sent. A proof sent is used only for an input the
//! store has no proof of (a node restored by state sync has none of the outputs that
//! existed before its snapshot), and is checked against the forest like any other.
//!
//! **Recheck.** After a block, [`Mempool::apply_block`] moves every waiting
//! transaction's proofs to the new forest and drops what the block mined, what spends
//! an input the block spent and what expired. [`Engine::recheck`] is then a lookup:
//! it never runs a VM or checks a proof again.

use crate::clock::now_ms;
use crate::error::NodeError;
use crate::store::Store;
use batch::{BatchVerification, BatchVerifier, Generators};
use blockchain::{
    AppliedBlock, Block, BlockHeader, BlockTx, BlockchainError, CacheKey, CachingVerifier,
    ChainState, Checked, Dropped, Mempool, TxVerifier, VerificationCache, ZkVm,
};
use rand_core::OsRng;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use utreexo::Proof;
use zkvm::{
    Contract, ContractId, Data, FeeRate, Instruction, Program, Tx, TxId, VerifiedTx, VmError,
};

/// At most this many queued submissions are admitted as one batch.
pub const MAX_BATCH: usize = 64;

/// How many departed transactions are remembered, to say why a recheck fails.
const DEPARTED: usize = 16_384;

/// How often a failing store is tried again.
const RECOVERY_PAUSE: Duration = Duration::from_secs(1);

/// Limits of the engine.
#[derive(Clone, Copy, Debug)]
pub struct EngineConfig {
    /// The mempool's size limit in bytes of block transactions.
    pub mempool_bytes: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            mempool_bytes: 64 << 20,
        }
    }
}

/// The chain state, mempool and store of a node, and the admission path into them.
pub struct Engine {
    store: Store,
    gens: &'static Generators,
    core: Mutex<Core>,
    config: EngineConfig,
    /// When the failing store was last tried again.
    last_recovery: Mutex<Option<Instant>>,
    /// What admission did since the engine started.
    admissions: Mutex<AdmissionCounts>,
}

/// What admission did since the engine started: how many submissions it checked,
/// how many entered the mempool, and the wall time it spent (a batch's time once for
/// all of its submissions, so `time / checked` is what one submission costs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdmissionCounts {
    /// Submissions checked (rechecks excluded: they are lookups).
    pub checked: u64,
    /// Submissions admitted.
    pub admitted: u64,
    /// Batches they were checked in (`checked / batches` is the mean batch).
    pub batches: u64,
    /// Wall time spent admitting them.
    pub time: Duration,
}

/// The verdict on one submission, and the verification work it cost.
#[derive(Debug)]
pub struct Verdict {
    /// The transaction's ID if it was admitted, else why not.
    pub result: Result<TxId, NodeError>,
    /// The time spent on its decoding, scan and VM run, and, if its proofs or
    /// signatures failed, its share of the point checks.
    pub cost: Duration,
}

/// What changes together: the committed state and the mempool on top of it.
struct Core {
    state: ChainState,
    mempool: Mempool,
    /// Why recent transactions left the mempool, oldest first.
    departed: Departed,
}

/// A summary of the chain for the status route.
#[derive(Clone, Debug)]
pub struct EngineStatus {
    /// The tip header.
    pub tip: BlockHeader,
    /// Unspent outputs in the forest.
    pub utxos: u64,
    /// Transactions waiting.
    pub mempool_txs: usize,
    /// Their encoded size.
    pub mempool_bytes: usize,
    /// The cause of the I/O error the store is failing with, if it is.
    pub fault: Option<String>,
    /// What admission did since the engine started.
    pub admissions: AdmissionCounts,
}

/// A waiting transaction, as the mempool route shows it.
#[derive(Clone, Debug)]
pub struct PendingTx {
    /// Its ID.
    pub id: TxId,
    /// Its fee rate: fee per weight unit.
    pub feerate: FeeRate,
    /// Its size ([`Tx::size`]: the encoding without input proofs).
    pub size: usize,
}

impl core::fmt::Debug for Engine {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Engine")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Opens the store in `dir` and loads the last committed state.
    pub fn open(dir: &Path, config: EngineConfig) -> Result<Engine, NodeError> {
        Engine::with_store(Store::open(dir)?, config)
    }

    /// An engine over an open store, at its last committed state, with the stored
    /// mempool admitted again (those it now refuses are forgotten).
    pub fn with_store(store: Store, config: EngineConfig) -> Result<Engine, NodeError> {
        let state = store.load_state()?;
        let mempool = Mempool::new(&state, config.mempool_bytes);
        let engine = Engine {
            store,
            gens: zkvm::network_generators(),
            core: Mutex::new(Core {
                state,
                mempool,
                departed: Departed::default(),
            }),
            config,
            last_recovery: Mutex::new(None),
            admissions: Mutex::default(),
        };
        engine.restore_pending()?;
        Ok(engine)
    }

    /// Admits the store's waiting transactions again, in their order, and forgets
    /// those refused now.
    fn restore_pending(&self) -> Result<(), NodeError> {
        let stored = self.store.pending_txs()?;
        if stored.is_empty() {
            return Ok(());
        }
        let mut refused = Vec::new();
        for chunk in stored.chunks(MAX_BATCH) {
            let (ids, txs): (Vec<TxId>, Vec<Vec<u8>>) = chunk.iter().cloned().unzip();
            for (id, verdict) in ids.into_iter().zip(self.admit_with(txs, false)) {
                if let Err(e) = verdict.result {
                    tracing::debug!(%id, error = %e, "a stored waiting transaction is refused now");
                    refused.push(id);
                }
            }
        }
        self.store.update_pending(&[], &refused)?;
        tracing::info!(
            stored = stored.len(),
            admitted = stored.len() - refused.len(),
            "the stored mempool is admitted again"
        );
        Ok(())
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The generators transactions are verified with (the network's).
    pub fn generators(&self) -> &'static Generators {
        self.gens
    }

    /// The committed chain state.
    pub fn state(&self) -> ChainState {
        self.lock().state.clone()
    }

    /// The verification cache shared by admission and block validation.
    pub fn cache(&self) -> Arc<VerificationCache> {
        self.lock().mempool.cache().clone()
    }

    /// Tip and sizes.
    pub fn status(&self) -> EngineStatus {
        let core = self.lock();
        EngineStatus {
            tip: core.state.tip().clone(),
            utxos: core.state.forest().count(),
            mempool_txs: core.mempool.len(),
            mempool_bytes: core.mempool.bytes(),
            fault: self.store.fault(),
            admissions: *self.admissions.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// The waiting transactions, highest fee rate first.
    pub fn mempool(&self) -> Vec<PendingTx> {
        self.lock()
            .mempool
            .entries()
            .map(|e| PendingTx {
                id: e.id(),
                feerate: e.feerate(),
                size: e.block_tx().tx.size(),
            })
            .collect()
    }

    /// Whether transaction `id` waits in the mempool.
    pub fn is_pending(&self, id: &TxId) -> bool {
        self.lock().mempool.get(id).is_some()
    }

    /// Admits encoded submissions (see the [module](self) notes), answering one
    /// verdict per submission, in order.
    pub fn admit(&self, txs: Vec<Vec<u8>>) -> Vec<Result<TxId, NodeError>> {
        self.admit_measured(txs)
            .into_iter()
            .map(|v| v.result)
            .collect()
    }

    /// Like [`Engine::admit`], with what verifying each submission cost.
    pub fn admit_measured(&self, txs: Vec<Vec<u8>>) -> Vec<Verdict> {
        self.admit_with(txs, true)
    }

    /// Admission; `keep` writes the admitted transactions to the store's mempool.
    fn admit_with(&self, txs: Vec<Vec<u8>>, keep: bool) -> Vec<Verdict> {
        let usable = self.ensure_store().and_then(|()| match self.store.fault() {
            Some(cause) => Err(NodeError::StoreFailing(cause)),
            None => Ok(()),
        });
        if let Err(e) = usable {
            return txs
                .iter()
                .map(|_| Verdict {
                    result: Err(e.again()),
                    cost: Duration::ZERO,
                })
                .collect();
        }
        let began = Instant::now();
        let now = now_ms();
        let cache = self.cache();
        let start = |bytes: Vec<u8>| {
            let started = Instant::now();
            let run = Run::start(&bytes, &cache, self.gens, &self.store);
            (run, started.elapsed())
        };
        // A lone submission runs here: handing it to rayon's pool would only add a
        // thread's wake-up to its latency.
        let (mut runs, mut costs): (Vec<Result<Run<'_>, NodeError>>, Vec<Duration>) =
            if txs.len() == 1 {
                txs.into_iter().map(start).unzip()
            } else {
                txs.into_par_iter().map(start).unzip()
            };
        self.check_places(&mut runs, now);
        let started = Instant::now();
        let failing = self.check_points(&mut runs, &cache);
        if !failing.is_empty() {
            let share = started.elapsed() / failing.len() as u32;
            for i in failing {
                costs[i] += share;
            }
        }
        let results = self.enter(runs, now, keep);
        let mut counts = self.admissions.lock().unwrap_or_else(|p| p.into_inner());
        counts.checked += results.len() as u64;
        counts.batches += u64::from(!results.is_empty());
        counts.admitted += results.iter().filter(|r| r.is_ok()).count() as u64;
        counts.time += began.elapsed();
        drop(counts);
        results
            .into_iter()
            .zip(costs)
            .map(|(result, cost)| Verdict { result, cost })
            .collect()
    }

    /// Step 8: admission under the lock, then the store's write of what entered.
    fn enter(
        &self,
        runs: Vec<Result<Run<'_>, NodeError>>,
        now: u64,
        keep: bool,
    ) -> Vec<Result<TxId, NodeError>> {
        let mut core = self.lock();
        let mut entered = Vec::new();
        let mut evicted = Vec::new();
        let mut results: Vec<Result<TxId, NodeError>> = runs
            .into_iter()
            .map(|run| {
                let mut run = run?;
                // Under this lock again: if a block moved the forest since the
                // check, the proofs are read again at the new one.
                let checked = match run.checked.take() {
                    Some(c) if c.generation() == core.mempool.generation() => c,
                    _ => core
                        .mempool
                        .check(run.block_tx(&self.store)?, &run.verified, now)?,
                };
                let admitted = core.mempool.enter(checked, run.verified, now)?;
                for dropped in admitted.evicted {
                    evicted.push(dropped.id);
                    core.departed.record(dropped);
                }
                entered.push((admitted.id, run.tx.to_bytes()));
                Ok(admitted.id)
            })
            .collect();
        if !keep {
            return results;
        }
        if let Err(e) = self.store.update_pending(&entered, &evicted) {
            // Nothing stays admitted that the store did not keep.
            let lost: HashSet<TxId> = entered.iter().map(|(id, _)| *id).collect();
            self.remove_pending(&mut core, &lost, now);
            for result in results.iter_mut() {
                if result.as_ref().is_ok_and(|id| lost.contains(id)) {
                    *result = Err(e.again());
                }
            }
        }
        results
    }

    /// Rebuilds the mempool without the transactions `ids`.
    fn remove_pending(&self, core: &mut Core, ids: &HashSet<TxId>, now: u64) {
        let mut mempool = Mempool::with_cache(
            &core.state,
            self.config.mempool_bytes,
            core.mempool.cache().clone(),
        );
        for entry in core.mempool.entries().filter(|e| !ids.contains(&e.id())) {
            let verified = Preverified(entry.verified().clone());
            if let Err(e) = mempool.admit(entry.block_tx().clone(), now, self.gens, &verified) {
                tracing::debug!(id = %entry.id(), error = %e, "left the mempool while it was rebuilt");
            }
        }
        core.mempool = mempool;
    }

    /// Step 6: the mempool's checks with the winning input proofs, under the lock; a
    /// submission that fails them is answered before any point check.
    fn check_places(&self, runs: &mut [Result<Run<'_>, NodeError>], now: u64) {
        let core = self.lock();
        for slot in runs.iter_mut() {
            let Ok(run) = slot else { continue };
            let checked = run
                .block_tx(&self.store)
                .and_then(|btx| Ok(core.mempool.check(btx, &run.verified, now)?));
            match checked {
                Ok(checked) => run.checked = Some(checked),
                Err(e) => *slot = Err(e),
            }
        }
    }

    /// Step 7: one multiscalar multiplication for every submission still standing
    /// that the cache did not vouch for; bisection names the failing ones, whose
    /// positions are returned. Those that pass enter the cache.
    fn check_points(
        &self,
        runs: &mut [Result<Run<'_>, NodeError>],
        cache: &VerificationCache,
    ) -> Vec<usize> {
        let mut positions = Vec::new();
        let mut batches = Vec::new();
        for (i, slot) in runs.iter_mut().enumerate() {
            if let Ok(Run {
                batch: batch @ Some(_),
                ..
            }) = slot
            {
                positions.push(i);
                batches.extend(batch.take());
            }
        }
        let failing = BatchVerifier::failing(&batches);
        let mut failed = Vec::with_capacity(failing.len());
        for (k, i) in positions.into_iter().enumerate() {
            if failing.binary_search(&k).is_ok() {
                runs[i] = Err(BlockchainError::TxProofInvalid.into());
                failed.push(i);
            } else if let Ok(run) = &runs[i] {
                cache.insert_keyed(run.key, run.verified.clone());
            }
        }
        failed
    }

    /// The answer to `CheckTx` of kind recheck: the ID if the transaction still
    /// waits, else why it left. Never runs a VM nor checks a proof.
    pub fn recheck(&self, bytes: &[u8]) -> Result<TxId, NodeError> {
        // The key from the bytes, without decoding them: CometBFT asks for a
        // recheck of every waiting transaction after every block.
        let key = CacheKey::of_encoding(blockchain::leading_tx(bytes)?);
        let Some(id) = self.cache().tx_id(&key) else {
            // Not admitted here, or evicted from the cache: what does not decode
            // says so.
            Candidate::decode(bytes)?;
            return Err(NodeError::NotWaiting);
        };
        let core = self.lock();
        if core.mempool.get(&id).is_some() {
            return Ok(id);
        }
        Err(core
            .departed
            .reason(&id)
            .map_or(NodeError::NotWaiting, NodeError::Chain))
    }

    /// The waiting transactions a block at `time_ms` should carry, with their proofs
    /// at the committed forest: highest fee rate first, within `max_bytes` counting
    /// `overhead` bytes per transaction, and within the block weight limit. Returns the
    /// state they apply to as well.
    pub fn select(
        &self,
        time_ms: u64,
        max_bytes: usize,
        overhead: usize,
    ) -> (ChainState, Vec<(BlockTx, VerifiedTx)>) {
        let core = self.lock();
        let version = core.state.tip().version;
        let chosen = core
            .mempool
            .select(time_ms, version, max_bytes, overhead)
            .into_iter()
            .map(|e| (e.block_tx().clone(), e.verified().clone()))
            .collect();
        (core.state.clone(), chosen)
    }

    /// Validates a signed block after the tip (producer signature, every rule, every
    /// proof through the verification cache), without changing anything.
    pub fn check_block(&self, block: &Block) -> Result<AppliedBlock, NodeError> {
        let (state, cache) = self.snapshot();
        let vm = CachingVerifier::new(&cache, ZkVm);
        Ok(state.apply_block(block, self.gens, &vm)?)
    }

    /// Validates `txs` as the block after the tip at `time_ms` with its header
    /// derived (under CometBFT), without changing anything.
    pub fn check_derived(
        &self,
        time_ms: u64,
        txs: &[BlockTx],
    ) -> Result<AppliedBlock, BlockchainError> {
        let (state, cache) = self.snapshot();
        state.apply_derived(time_ms, txs, self.gens, &CachingVerifier::new(&cache, ZkVm))
    }

    /// Validates a signed block after the tip, then commits it with the time its
    /// validation took.
    pub fn apply_block(&self, block: &Block) -> Result<(), NodeError> {
        let started = std::time::Instant::now();
        let applied = self.check_block(block)?;
        self.commit(block, applied, Some(started.elapsed()))
    }

    /// Makes `block` durable (one store write transaction) and moves the state and
    /// the mempool onto it. `applied` must follow the committed tip.
    pub fn commit(
        &self,
        block: &Block,
        applied: AppliedBlock,
        took: Option<Duration>,
    ) -> Result<(), NodeError> {
        self.ensure_store()?;
        let mut core = self.lock();
        if applied.state.tip().prev != core.state.tip().id() {
            return Err(NodeError::Diverged(format!(
                "block {} does not follow the tip {} (the tip moved while it was validated)",
                applied.state.tip().height,
                core.state.tip().height
            )));
        }
        self.store.apply_block(block, &applied, took)?;
        match core.mempool.apply_block(&applied) {
            Ok(dropped) => {
                let ids: Vec<TxId> = dropped.iter().map(|d| d.id).collect();
                for d in dropped {
                    tracing::debug!(id = %d.id, reason = %d.reason, "left the mempool");
                    core.departed.record(d);
                }
                // The block is committed whatever happens here; a stale entry left
                // behind is refused when the mempool is restored.
                if let Err(e) = self.store.update_pending(&[], &ids) {
                    tracing::warn!(error = %e, "could not forget dropped transactions in the store");
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "mempool out of step with the chain; emptied");
                core.mempool = Mempool::with_cache(
                    &applied.state,
                    self.config.mempool_bytes,
                    core.mempool.cache().clone(),
                );
            }
        }
        core.state = applied.state;
        Ok(())
    }

    /// Succeeds if the store may be written (it may still be in a fault that the
    /// next successful write ends); else tries to reopen it ([`Engine::recover`]), at
    /// most once per [`RECOVERY_PAUSE`], and fails with its fault.
    pub fn ensure_store(&self) -> Result<(), NodeError> {
        if !self.store.needs_reopen() {
            return Ok(());
        }
        let cause = self.store.fault().unwrap_or_default();
        {
            let mut last = self.last_recovery.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < RECOVERY_PAUSE) {
                return Err(NodeError::StoreFailing(cause));
            }
            *last = Some(Instant::now());
        }
        self.recover()
    }

    /// Reopens a failing store and carries on from its tip: if the store holds a
    /// block the engine did not apply (a commit reported failed that reached the
    /// disk), the state moves to it and the waiting transactions are admitted again.
    pub fn recover(&self) -> Result<(), NodeError> {
        self.store.reopen()?;
        let stored = self.store.load_state()?;
        let waiting = {
            let mut core = self.lock();
            if stored.tip().id() == core.state.tip().id() {
                return Ok(());
            }
            tracing::warn!(
                height = stored.tip().height,
                "the store holds a block the engine had not applied; carrying on from it"
            );
            let waiting: Vec<Vec<u8>> = core
                .mempool
                .entries()
                .map(|e| e.block_tx().tx.to_bytes())
                .collect();
            core.mempool = Mempool::with_cache(
                &stored,
                self.config.mempool_bytes,
                core.mempool.cache().clone(),
            );
            core.state = stored;
            waiting
        };
        for chunk in waiting.chunks(MAX_BATCH) {
            self.admit_with(chunk.to_vec(), false);
        }
        Ok(())
    }

    fn snapshot(&self) -> (ChainState, Arc<VerificationCache>) {
        let core = self.lock();
        (core.state.clone(), core.mempool.cache().clone())
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        // Every change to `Core` is an assignment after all checks, so a panic
        // elsewhere cannot leave it half-updated.
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One submission on its way through admission.
struct Run<'g> {
    tx: Tx,
    /// Its verification-cache key.
    key: CacheKey,
    /// The input proofs the client sent, if any.
    sent: Option<Vec<Proof>>,
    verified: VerifiedTx,
    /// The deferred point checks; `None` when the cache vouched for them.
    batch: Option<BatchVerifier<'g, OsRng>>,
    /// The block transaction the mempool's checks passed, and at which forest.
    checked: Option<Checked>,
}

impl<'g> Run<'g> {
    /// Steps 1 to 5: decode, size, cache, claimed inputs, VM.
    fn start(
        bytes: &[u8],
        cache: &VerificationCache,
        gens: &'g Generators,
        store: &Store,
    ) -> Result<Run<'g>, NodeError> {
        let Candidate {
            tx,
            key,
            proofs: sent,
        } = Candidate::decode(bytes)?;
        let (verified, batch) = match cache.get(&key) {
            Some(verified) => (verified, None),
            None => {
                if sent.is_none() {
                    for input in claimed_inputs(&tx).map_err(BlockchainError::TxInvalid)? {
                        if !store.is_unspent(&input)? {
                            return Err(NodeError::NoProof { input });
                        }
                    }
                }
                let mut batch = BatchVerifier::new(gens, OsRng);
                let verified = zkvm::Verifier::verify_tx_batched(&tx, &mut batch)
                    .map_err(BlockchainError::TxInvalid)?;
                (verified, Some(batch))
            }
        };
        Ok(Run {
            tx,
            key,
            sent,
            verified,
            batch,
            checked: None,
        })
    }

    /// The block transaction with the winning proof of each input (the store's over
    /// one sent), read under the engine's lock so they are at the mempool's forest.
    fn block_tx(&self, store: &Store) -> Result<BlockTx, NodeError> {
        let inputs: Vec<_> = self.verified.log.inputs().copied().collect();
        if let Some(sent) = self.sent.as_ref().filter(|s| s.len() != inputs.len()) {
            return Err(BlockchainError::ProofCount {
                inputs: inputs.len(),
                proofs: sent.len(),
            }
            .into());
        }
        let mut proofs = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let proof = match (store.utxo_proof(input)?, &self.sent) {
                (Some(stored), _) => stored,
                (None, Some(sent)) => sent[i].clone(),
                (None, None) => return Err(NodeError::NoProof { input: *input }),
            };
            proofs.push(proof);
        }
        Ok(BlockTx {
            tx: self.tx.clone(),
            proofs,
        })
    }
}

/// The outputs a transaction certainly spends: each top-level `push` of an output
/// structure directly followed by `input` (every top-level instruction of a valid
/// transaction runs). Bytecode that does not decode fails here as the VM would.
pub fn claimed_inputs(tx: &Tx) -> Result<Vec<ContractId>, VmError> {
    let program = Program::parse(&tx.program)?;
    Ok(program
        .instructions()
        .windows(2)
        .filter_map(|pair| match pair {
            [Instruction::Push(Data::Opaque(bytes)), Instruction::Input] => {
                Contract::from_bytes(bytes).ok().map(|c| c.id())
            }
            _ => None,
        })
        .collect())
}

/// A submitted transaction, with the proofs of its inputs if the client sent them.
pub struct Candidate {
    /// The transaction.
    pub tx: Tx,
    /// Its verification-cache key, hashed from the bytes it was decoded from (its
    /// canonical encoding).
    pub key: CacheKey,
    /// The input proofs sent, if it came as a block transaction.
    pub proofs: Option<Vec<Proof>>,
}

impl Candidate {
    /// A block transaction, else a bare transaction (the two never both decode).
    /// The transaction is decoded once: its length fields say which of the two the
    /// bytes can be (a block transaction has a proof count after the transaction).
    pub fn decode(bytes: &[u8]) -> Result<Candidate, NodeError> {
        let leading = blockchain::leading_tx(bytes)?;
        let key = CacheKey::of_encoding(leading);
        if leading.len() == bytes.len() {
            let tx = Tx::from_bytes(bytes).map_err(BlockchainError::MalformedTx)?;
            return Ok(Candidate {
                tx,
                key,
                proofs: None,
            });
        }
        let btx = BlockTx::from_bytes(bytes)?;
        Ok(Candidate {
            tx: btx.tx,
            key,
            proofs: Some(btx.proofs),
        })
    }
}

/// A verifier that returns a transaction already run and whose point checks were
/// already made, so the mempool does not run it twice.
struct Preverified(VerifiedTx);

impl TxVerifier for Preverified {
    fn verify_tx<B: BatchVerification>(&self, _: &Tx, _: &mut B) -> Result<VerifiedTx, VmError> {
        Ok(self.0.clone())
    }
}

/// Why recent transactions left the mempool, at most [`DEPARTED`] of them.
#[derive(Default)]
struct Departed {
    reasons: HashMap<TxId, BlockchainError>,
    order: VecDeque<TxId>,
}

impl Departed {
    fn record(&mut self, dropped: Dropped) {
        if self.reasons.insert(dropped.id, dropped.reason).is_none() {
            self.order.push_back(dropped.id);
        }
        while self.order.len() > DEPARTED {
            if let Some(old) = self.order.pop_front() {
                self.reasons.remove(&old);
            }
        }
    }

    fn reason(&self, id: &TxId) -> Option<BlockchainError> {
        self.reasons.get(id).cloned()
    }
}

/// Where the engine of a node is, once its chain exists: set at start on a devnet,
/// at `InitChain` or state sync under CometBFT. The HTTP API, the submission queue
/// and the ABCI application share it.
#[derive(Clone, Default)]
pub struct EngineSlot(Arc<RwLock<Option<Arc<Engine>>>>);

impl core::fmt::Debug for EngineSlot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("EngineSlot")
            .field(&self.get().is_ok())
            .finish()
    }
}

impl EngineSlot {
    /// A slot holding `engine`.
    pub fn with(engine: Arc<Engine>) -> EngineSlot {
        let slot = EngineSlot::default();
        slot.set(engine);
        slot
    }

    /// The engine, or [`NodeError::NotReady`] before the chain exists here.
    pub fn get(&self) -> Result<Arc<Engine>, NodeError> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(NodeError::NotReady)
    }

    /// Puts the engine in place (once the chain exists).
    pub fn set(&self, engine: Arc<Engine>) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Some(engine);
    }
}

/// The verdicts when there is no engine to admit into (the chain does not exist
/// yet): what does not decode says so, the rest get `why`.
pub fn not_admitted(txs: &[Vec<u8>], why: &NodeError) -> Vec<Result<TxId, NodeError>> {
    txs.iter()
        .map(|tx| Candidate::decode(tx).and_then(|_| Err(why.again())))
        .collect()
}

type Job = (Vec<u8>, oneshot::Sender<Verdict>);

/// The submission queue: submissions that arrive while a batch is admitted wait
/// together and are admitted as the next batch, by one task, so their point checks
/// share one multiscalar multiplication.
#[derive(Clone, Debug)]
pub struct Submitter {
    jobs: mpsc::Sender<Job>,
}

impl Submitter {
    /// Starts the task that drains the queue into the engine of `slot` (on the
    /// current tokio runtime).
    pub fn spawn(slot: EngineSlot) -> Submitter {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(drain(slot, queue));
        Submitter { jobs }
    }

    /// Queues an encoded submission and waits for its verdict.
    pub async fn submit(&self, bytes: Vec<u8>) -> Result<TxId, NodeError> {
        self.submit_measured(bytes).await.result
    }

    /// Like [`Submitter::submit`], with what verifying the submission cost.
    pub async fn submit_measured(&self, bytes: Vec<u8>) -> Verdict {
        let shut = || Verdict {
            result: Err(NodeError::ShuttingDown),
            cost: Duration::ZERO,
        };
        let (reply, verdict) = oneshot::channel();
        if self.jobs.send((bytes, reply)).await.is_err() {
            return shut();
        }
        verdict.await.unwrap_or_else(|_| shut())
    }
}

async fn drain(slot: EngineSlot, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let (txs, replies): (Vec<_>, Vec<_>) = jobs.into_iter().unzip();
        let count = txs.len();
        let verdicts = match slot.get() {
            Ok(engine) => tokio::task::spawn_blocking(move || engine.admit_measured(txs))
                .await
                .map_err(|e| NodeError::Task(e.to_string())),
            Err(e) => Ok(not_admitted(&txs, &e)
                .into_iter()
                .map(|result| Verdict {
                    result,
                    cost: Duration::ZERO,
                })
                .collect()),
        };
        tracing::debug!(count, "admitted a batch of submissions");
        match verdicts {
            Ok(verdicts) => {
                for (verdict, reply) in verdicts.into_iter().zip(replies) {
                    let _ = reply.send(verdict);
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Verdict {
                        result: Err(e.again()),
                        cost: Duration::ZERO,
                    });
                }
            }
        }
    }
}

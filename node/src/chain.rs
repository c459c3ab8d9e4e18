//! The chain service: the chain state, the mempool and the store of one node, the
//! submission queue that verifies concurrent transactions as one batch, and the
//! producer's loop.
//!
//! Everything heavy (running the VM, checking proofs, applying and storing a block)
//! runs in [`Chain`]'s synchronous methods, which the async side calls on blocking
//! threads ([`tokio::task::spawn_blocking`]), never on the runtime's workers.
//!
//! The producer makes a block every interval, **empty blocks included**: a devnet's
//! tip then advances at a steady pace, followers see the producer is alive, and time
//! bounds of pending transactions are judged against a recent block time.

use crate::devnet::now_ms;
use crate::error::NodeError;
use crate::store::Store;
use batch::{BatchVerification, BatchVerifier, Generators};
use blockchain::{
    Block, BlockHeader, BlockTx, BlockchainError, CachingVerifier, ChainState, Mempool, Producer,
    TxVerifier, ZkVm,
};
use musig::SigningKey;
use rand_core::OsRng;
use rayon::prelude::*;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};
use utreexo::{Proof, UtreexoError};
use zkvm::{FeeRate, Tx, TxId, VerifiedTx, VmError};

/// Generators for the largest transaction consensus allows
/// ([`zkvm::GENERATOR_CAPACITY`], the consensus constant): with fewer, the node would
/// refuse valid transactions.
pub const GENERATORS: usize = zkvm::GENERATOR_CAPACITY;

/// At most this many queued submissions are verified as one batch.
pub const MAX_BATCH: usize = 64;

/// Limits of a node's chain service.
#[derive(Clone, Copy, Debug)]
pub struct ChainConfig {
    /// The mempool's size limit in bytes of block transactions.
    pub mempool_bytes: usize,
    /// The largest block the producer makes, in bytes of block transactions.
    pub max_block_bytes: usize,
}

impl Default for ChainConfig {
    fn default() -> Self {
        ChainConfig {
            mempool_bytes: 64 << 20,
            max_block_bytes: 8 << 20,
        }
    }
}

/// The state, mempool and store of a node.
pub struct Chain {
    store: Store,
    gens: Generators,
    core: Mutex<Core>,
    producer: Option<Producer>,
    config: ChainConfig,
}

/// What changes together: the state and the mempool on top of it.
struct Core {
    state: ChainState,
    mempool: Mempool,
}

/// A summary of the chain for the status route.
#[derive(Clone, Debug)]
pub struct ChainStatus {
    /// The tip header.
    pub tip: BlockHeader,
    /// Unspent outputs in the forest.
    pub utxos: u64,
    /// Transactions waiting.
    pub mempool_txs: usize,
    /// Their encoded size.
    pub mempool_bytes: usize,
    /// Whether this node produces blocks.
    pub producing: bool,
}

/// A waiting transaction, as the mempool route shows it.
#[derive(Clone, Debug)]
pub struct PendingTx {
    /// Its ID.
    pub id: TxId,
    /// Its fee rate.
    pub feerate: FeeRate,
    /// Its encoded size with proofs.
    pub size: usize,
}

impl core::fmt::Debug for Chain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Chain")
            .field("store", &self.store)
            .field("producer", &self.producer)
            .finish_non_exhaustive()
    }
}

impl Chain {
    /// Opens the store in `dir` and loads the last committed state. With a
    /// `producer` key, which must be the chain's, the node makes blocks.
    pub fn open(
        dir: &Path,
        producer: Option<SigningKey>,
        config: ChainConfig,
    ) -> Result<Chain, NodeError> {
        Chain::with_store(Store::open(dir)?, producer, config)
    }

    /// A chain service over an open store.
    pub fn with_store(
        store: Store,
        producer: Option<SigningKey>,
        config: ChainConfig,
    ) -> Result<Chain, NodeError> {
        let state = store.load_state()?;
        if let Some(key) = &producer {
            if key.verification_key() != *state.producer() {
                return Err(NodeError::Invalid {
                    what: "producer key",
                    reason: "it is not the key this chain's blocks are signed with".into(),
                });
            }
        }
        let mempool = Mempool::new(&state, config.mempool_bytes);
        Ok(Chain {
            store,
            gens: Generators::new(GENERATORS),
            core: Mutex::new(Core { state, mempool }),
            producer: producer.map(Producer::new),
            config,
        })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The generators transactions are verified with.
    pub fn generators(&self) -> &Generators {
        &self.gens
    }

    /// The current chain state.
    pub fn state(&self) -> ChainState {
        self.lock().state.clone()
    }

    /// Tip, sizes and role.
    pub fn status(&self) -> ChainStatus {
        let core = self.lock();
        ChainStatus {
            tip: core.state.tip().clone(),
            utxos: core.state.forest().count(),
            mempool_txs: core.mempool.len(),
            mempool_bytes: core.mempool.bytes(),
            producing: self.producer.is_some(),
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
                size: e.size(),
            })
            .collect()
    }

    /// Decodes, verifies and admits encoded transactions, returning one result per
    /// input in order. Each is a block transaction (with the Utreexo proofs of its
    /// inputs) or a bare transaction, whose input proofs the node takes from its
    /// store. The VM runs on all of them in parallel and their proofs and signatures
    /// are checked by one multiscalar multiplication; only if that fails is each
    /// checked alone, to find the guilty ones.
    pub fn admit_batch(&self, txs: Vec<Vec<u8>>) -> Vec<Result<TxId, NodeError>> {
        let checked = self.verify_batch(txs);
        let now = now_ms();
        let mut core = self.lock();
        checked
            .into_iter()
            .map(|c| {
                let (candidate, verified) = c?;
                let proofs = match candidate.proofs {
                    Some(proofs) => proofs,
                    // Under the lock, the store's proofs are at the mempool's forest.
                    None => self.stored_proofs(&verified)?,
                };
                let btx = BlockTx {
                    tx: candidate.tx,
                    proofs,
                };
                let admitted = core
                    .mempool
                    .admit(btx, now, &self.gens, &Preverified(verified))?;
                Ok(admitted.id)
            })
            .collect()
    }

    fn verify_batch(&self, txs: Vec<Vec<u8>>) -> Vec<Result<(Candidate, VerifiedTx), NodeError>> {
        let runs: Vec<_> = txs
            .into_par_iter()
            .map(|bytes| {
                let candidate = Candidate::decode(&bytes)?;
                let mut batch = BatchVerifier::new(&self.gens, OsRng);
                let verified = zkvm::Verifier::verify_tx_batched(&candidate.tx, &mut batch)
                    .map_err(BlockchainError::TxInvalid)?;
                Ok::<_, NodeError>((candidate, verified, batch))
            })
            .collect();
        let mut all = BatchVerifier::new(&self.gens, OsRng);
        let mut out = Vec::with_capacity(runs.len());
        for run in runs {
            out.push(run.map(|(candidate, verified, batch)| {
                all.merge(batch);
                (candidate, verified)
            }));
        }
        if all.verify().is_ok() {
            return out;
        }
        out.into_par_iter()
            .map(|r| {
                let (candidate, verified) = r?;
                zkvm::Verifier::verify_tx(&candidate.tx, &self.gens)
                    .map_err(|_| BlockchainError::TxProofInvalid)?;
                Ok((candidate, verified))
            })
            .collect()
    }

    /// The stored proofs of a transaction's inputs.
    fn stored_proofs(&self, tx: &VerifiedTx) -> Result<Vec<Proof>, NodeError> {
        tx.log
            .inputs()
            .map(|input| {
                self.store
                    .utxo_proof(input)?
                    .ok_or(NodeError::Chain(BlockchainError::Spend {
                        input: *input,
                        error: UtreexoError::NotInForest,
                    }))
            })
            .collect()
    }

    /// Makes, stores and applies the next block from the mempool (possibly empty).
    /// Fails on a node without a producer key.
    pub fn produce(&self) -> Result<BlockHeader, NodeError> {
        let producer = self.producer.as_ref().ok_or(NodeError::Invalid {
            what: "role",
            reason: "this node has no producer key".into(),
        })?;
        let mut core = self.lock();
        let time = now_ms().max(core.state.tip().timestamp_ms + 1);
        let started = Instant::now();
        let (block, applied) = producer.produce(
            &core.state,
            &core.mempool,
            time,
            self.config.max_block_bytes,
        )?;
        self.store
            .apply_block(&block, &applied, Some(started.elapsed()))?;
        core.mempool.apply_block(&applied)?;
        core.state = applied.state;
        Ok(block.header)
    }

    /// Validates a block from elsewhere against the tip (signature, every rule,
    /// every proof), then stores and applies it.
    pub fn apply_remote(&self, block: &Block) -> Result<(), NodeError> {
        let (state, cache) = {
            let core = self.lock();
            (core.state.clone(), core.mempool.cache().clone())
        };
        // Transactions the mempool admitted are not verified again.
        let started = Instant::now();
        let applied = state.apply_block(block, &self.gens, &CachingVerifier::new(&cache, ZkVm))?;
        let took = started.elapsed();
        let mut core = self.lock();
        if core.state.tip() != state.tip() {
            return Err(NodeError::Diverged(
                "the tip moved while the block was validated".into(),
            ));
        }
        self.store.apply_block(block, &applied, Some(took))?;
        core.mempool.apply_block(&applied)?;
        core.state = applied.state;
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        // Every change to `Core` is a single assignment after all checks, so a
        // panic elsewhere cannot leave it half-updated.
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A submitted transaction, with the proofs of its inputs if the client sent them.
pub(crate) struct Candidate {
    pub(crate) tx: Tx,
    pub(crate) proofs: Option<Vec<Proof>>,
}

impl Candidate {
    /// A block transaction, else a bare transaction (the two never both decode).
    pub(crate) fn decode(bytes: &[u8]) -> Result<Candidate, NodeError> {
        match BlockTx::from_bytes(bytes) {
            Ok(btx) => Ok(Candidate {
                tx: btx.tx,
                proofs: Some(btx.proofs),
            }),
            Err(as_block_tx) => match Tx::from_bytes(bytes) {
                Ok(tx) => Ok(Candidate { tx, proofs: None }),
                Err(_) => Err(as_block_tx.into()),
            },
        }
    }
}

/// A verifier that returns a transaction already run (and whose point checks were
/// already checked in a batch), so the mempool does not run it twice.
pub(crate) struct Preverified(pub(crate) VerifiedTx);

impl TxVerifier for Preverified {
    fn verify_tx<B: BatchVerification>(&self, _: &Tx, _: &mut B) -> Result<VerifiedTx, VmError> {
        Ok(self.0.clone())
    }
}

type Job = (Vec<u8>, oneshot::Sender<Result<TxId, NodeError>>);

/// The submission queue: transactions that arrive while a batch is verified wait
/// together and are verified as the next batch, by one task.
#[derive(Clone, Debug)]
pub struct Submitter {
    jobs: mpsc::Sender<Job>,
}

impl Submitter {
    /// Starts the task that drains the queue into `chain`.
    pub fn spawn(chain: Arc<Chain>) -> Submitter {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(drain(chain, queue));
        Submitter { jobs }
    }

    /// Queues an encoded block transaction and waits for its verdict.
    pub async fn submit(&self, bytes: Vec<u8>) -> Result<TxId, NodeError> {
        let (reply, verdict) = oneshot::channel();
        self.jobs
            .send((bytes, reply))
            .await
            .map_err(|_| NodeError::ShuttingDown)?;
        verdict.await.map_err(|_| NodeError::ShuttingDown)?
    }
}

async fn drain(chain: Arc<Chain>, mut queue: mpsc::Receiver<Job>) {
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
        let chain = chain.clone();
        let verdicts = tokio::task::spawn_blocking(move || chain.admit_batch(txs)).await;
        tracing::debug!(count, "verified a batch of submissions");
        match verdicts {
            Ok(verdicts) => {
                for (verdict, reply) in verdicts.into_iter().zip(replies) {
                    let _ = reply.send(verdict);
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(NodeError::Task(e.to_string())));
                }
            }
        }
    }
}

/// Makes a block every `interval` until the runtime stops.
pub async fn produce_blocks(chain: Arc<Chain>, interval: std::time::Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let c = chain.clone();
        match tokio::task::spawn_blocking(move || c.produce()).await {
            Ok(Ok(header)) => {
                tracing::info!(height = header.height, id = %header.id(), "produced a block")
            }
            Ok(Err(e)) => tracing::error!(error = %e, "block production failed"),
            Err(e) => tracing::error!(error = %e, "block production task failed"),
        }
    }
}

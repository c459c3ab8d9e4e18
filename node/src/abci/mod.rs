//! The chain as a CometBFT application (ABCI 2.0, CometBFT 0.38), served over
//! ABCI's socket protocol ([`socket`]): `zkvm-node abci --data-dir D --listen
//! 127.0.0.1:26658`. See `spec/abci.md`.
//!
//! CometBFT orders and commits blocks; this application validates and applies them
//! on the node's store. Our block at height `h + 1` is CometBFT's block `h` (our
//! height 1 is the genesis, CometBFT's `InitChain`); its header is derived from the
//! CometBFT block ([`mapping`]), and the app hash is our block ID.
//!
//! - [`command`]: the `abci` command line;
//! - [`app_state`]: the genesis in CometBFT's `genesis.json`, and the command making it;
//! - [`bridge`]: the bridge to an Ethereum L1 (vote extensions, tally, imports);
//! - [`mapping`]: heights, times, proposal keys, app hashes;
//! - `consensus`: `InitChain`, `PrepareProposal`, `ProcessProposal`,
//!   `FinalizeBlock`, `Commit`;
//! - `mempool`: `CheckTx` (new and recheck), with proofs kept current;
//! - `query`: `Info` and `Query`;
//! - `snapshot`: state sync in one chunk;
//! - [`socket`]: the socket server CometBFT connects to;
//! - [`requests`]: `InitChain` as CometBFT sends it, for driving the app without it;
//! - [`testnet`]: a CometBFT network of this chain on one machine: homes, processes.
//!
//! Every handler is a synchronous method of [`App`] that the services run on a
//! blocking thread. A request `tendermint-rs` cannot convert into its types (a
//! `FinalizeBlock` without `decided_last_commit` or `time`, a `ProcessProposal`
//! without `time`, a hash of the wrong length, ...) never reaches the app: the
//! connection closes with the reason in the log; the app and its other connections
//! go on.

pub mod app_state;
pub mod bridge;
pub mod command;
mod consensus;
mod extension;
pub mod localnet;
pub mod mapping;
mod mempool;
mod query;
pub mod requests;
mod snapshot;
pub mod socket;
pub mod testnet;

use crate::engine::{Engine, EngineConfig, EngineSlot, Submitter};
use crate::error::NodeError;
use crate::store::Store;
use blockchain::{AppliedBlock, BlockTx, ChainState};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tendermint::abci::request::CheckTxKind;
use tendermint::v0_38::abci::{
    ConsensusRequest, ConsensusResponse, InfoRequest, InfoResponse, MempoolRequest,
    MempoolResponse, SnapshotRequest, SnapshotResponse,
};

pub use crate::result_codes::ErrorCode;
pub use mapping::ProposalKey;
pub use snapshot::SNAPSHOT_FORMAT;

/// Limits of the application.
#[derive(Clone, Copy, Debug)]
pub struct AbciConfig {
    /// The engine's limits (the mempool's size).
    pub engine: EngineConfig,
    /// The largest block `PrepareProposal` makes, in bytes of transactions (CometBFT's
    /// own limit applies too).
    pub max_block_bytes: usize,
    /// How many recent snapshots (one per committed block) are offered; the store
    /// keeps at most [`crate::store::RECENT_FORESTS`].
    pub snapshots: usize,
}

impl Default for AbciConfig {
    fn default() -> Self {
        AbciConfig {
            engine: EngineConfig::default(),
            max_block_bytes: 8 << 20,
            snapshots: 30,
        }
    }
}

/// The application: the node's engine once the chain exists, and the state of the
/// consensus connection.
pub struct App {
    dir: PathBuf,
    config: AbciConfig,
    engine: EngineSlot,
    /// The validator's link to the L1, if it reports deposits and signs for the
    /// bridge.
    l1: Option<Arc<bridge::L1Link>>,
    inner: Mutex<Inner>,
}

impl core::fmt::Debug for App {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("App")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    /// The encoded genesis of the chain here, once it exists.
    genesis: Option<Vec<u8>>,
    /// The snapshot accepted by `OfferSnapshot`: CometBFT height and app hash.
    offered: Option<(u64, Vec<u8>)>,
    /// The last proposal this instance built or validated, with its outcome.
    validated: Option<Validated>,
    /// The block `FinalizeBlock` applied, waiting for `Commit`.
    finalized: Option<Finalized>,
    /// The bridge at the last commit, if the chain has one.
    bridge: Option<bridge::Bridged>,
}

struct Validated {
    key: ProposalKey,
    txs: Vec<BlockTx>,
    applied: AppliedBlock,
    /// The bridge after the block.
    bridge: Option<bridge::Committed>,
}

struct Finalized {
    txs: Vec<BlockTx>,
    applied: AppliedBlock,
    took: Duration,
    bridge: Option<bridge::Committed>,
}

impl App {
    /// The application on the store in `dir` (created by `InitChain` or state sync
    /// if there is none yet).
    pub fn open(dir: &Path, config: AbciConfig) -> Result<App, NodeError> {
        std::fs::create_dir_all(dir).map_err(|e| NodeError::io(dir, e))?;
        let app = App {
            dir: dir.to_path_buf(),
            config,
            engine: EngineSlot::default(),
            l1: None,
            inner: Mutex::new(Inner::default()),
        };
        if Store::exists(dir) {
            app.start(Store::open(dir)?)?;
        }
        Ok(app)
    }

    /// The application of a validator that watches the L1 through `link` (its
    /// deposits reported, withdrawals and checkpoints signed with its key).
    pub fn with_l1(mut self, link: Arc<bridge::L1Link>) -> App {
        self.l1 = Some(link);
        self
    }

    /// The bridge contract, once the chain here is bridged.
    pub fn bridge_contract(&self) -> Option<alloy::primitives::Address> {
        self.lock()
            .bridge
            .as_ref()
            .map(|b| b.committed.state.domain().bridge)
    }

    /// Where the engine is: the HTTP API served beside the application shares it.
    pub fn engine_slot(&self) -> &EngineSlot {
        &self.engine
    }

    /// The committed chain state, if the chain exists here.
    pub fn state(&self) -> Option<ChainState> {
        self.engine.get().ok().map(|e| e.state())
    }

    /// Puts the engine of `store` in place.
    fn start(&self, store: Store) -> Result<Arc<Engine>, NodeError> {
        let genesis = store.genesis()?.to_bytes();
        let tip = store.tip_height()?;
        let files = bridge::BridgeFiles::new(&self.dir);
        let bridged = match files.genesis()? {
            Some(g) => {
                let committed = files.load(tip)?;
                // A crash may have cut the tip's root short after its state file.
                files.keep_root(&committed)?;
                Some(bridge::Bridged::new(g, committed)?)
            }
            None => None,
        };
        let engine = Arc::new(Engine::with_store(store, self.config.engine)?);
        let mut inner = self.lock();
        inner.genesis = Some(genesis);
        inner.bridge = bridged;
        drop(inner);
        self.engine.set(engine.clone());
        Ok(engine)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every change is an assignment after all checks: a panic elsewhere cannot
        // leave the state half-updated.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The app hash after a block whose header is `tip`, the bridge being at
    /// `bridge` then (if the chain has one).
    fn app_hash_of(
        tip: &blockchain::BlockHeader,
        bridge: Option<&bridge::Committed>,
    ) -> tendermint::AppHash {
        match bridge {
            Some(b) => bridge::app_hash(tip, &b.state),
            None => mapping::app_hash(tip),
        }
    }

    /// The app hash of the committed tip `tip`.
    fn app_hash(&self, tip: &blockchain::BlockHeader) -> tendermint::AppHash {
        let bridge = self.lock().bridge.as_ref().map(|b| b.committed.clone());
        Self::app_hash_of(tip, bridge.as_ref())
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, NodeError>> + Send>>;

/// The four ABCI services over one [`App`]; each request runs on a blocking thread.
#[derive(Clone, Debug)]
pub struct Abci {
    app: Arc<App>,
    /// Consensus requests run one at a time, in the order they came.
    consensus: Arc<tokio::sync::Mutex<()>>,
    /// New `CheckTx` submissions, admitted in batches.
    submitter: Submitter,
}

impl Abci {
    /// The services of `app` (on the current tokio runtime, which runs the
    /// submission queue).
    pub fn new(app: Arc<App>) -> Abci {
        Abci {
            submitter: Submitter::spawn(app.engine.clone()),
            app,
            consensus: Arc::default(),
        }
    }

    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&App) -> Result<T, NodeError> + Send + 'static,
    ) -> BoxFuture<T> {
        let app = self.app.clone();
        Box::pin(async move {
            match tokio::task::spawn_blocking(move || f(&app)).await {
                Ok(Ok(response)) => Ok(response),
                Ok(Err(e)) => Err(e),
                Err(e) => Err(NodeError::Task(e.to_string())),
            }
        })
    }
}

impl tower::Service<ConsensusRequest> for Abci {
    type Response = ConsensusResponse;
    type Error = NodeError;
    type Future = BoxFuture<ConsensusResponse>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), NodeError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: ConsensusRequest) -> Self::Future {
        let lock = self.consensus.clone().lock_owned();
        let run = self.run(move |app| app.consensus(req));
        Box::pin(async move {
            let _turn = lock.await;
            run.await
        })
    }
}

impl tower::Service<MempoolRequest> for Abci {
    type Response = MempoolResponse;
    type Error = NodeError;
    type Future = BoxFuture<MempoolResponse>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), NodeError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: MempoolRequest) -> Self::Future {
        let MempoolRequest::CheckTx(req) = req;
        let (app, submitter) = (self.app.clone(), self.submitter.clone());
        Box::pin(async move {
            let verdict = match req.kind {
                CheckTxKind::New if !app.bridged() => submitter.submit(req.tx.to_vec()).await,
                CheckTxKind::New => {
                    let (checker, tx) = (app.clone(), req.tx.clone());
                    match tokio::task::spawn_blocking(move || checker.bridge_admits(&tx)).await {
                        Ok(Ok(())) => submitter.submit(req.tx.to_vec()).await,
                        Ok(Err(e)) => Err(e),
                        Err(e) => Err(NodeError::Task(e.to_string())),
                    }
                }
                // A lookup of microseconds (a hash and the mempool's map): a thread
                // of its own per recheck would cost more than the recheck.
                CheckTxKind::Recheck => app.recheck(&req.tx),
            };
            Ok(MempoolResponse::CheckTx(mempool::check_tx_response(
                verdict, req.kind,
            )))
        })
    }
}

impl tower::Service<InfoRequest> for Abci {
    type Response = InfoResponse;
    type Error = NodeError;
    type Future = BoxFuture<InfoResponse>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), NodeError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: InfoRequest) -> Self::Future {
        self.run(move |app| {
            Ok(match req {
                InfoRequest::Info(req) => InfoResponse::Info(app.info(req)),
                InfoRequest::Query(req) => InfoResponse::Query(app.query(req)),
                InfoRequest::Echo(req) => InfoResponse::Echo(tendermint::abci::response::Echo {
                    message: req.message,
                }),
            })
        })
    }
}

impl tower::Service<SnapshotRequest> for Abci {
    type Response = SnapshotResponse;
    type Error = NodeError;
    type Future = BoxFuture<SnapshotResponse>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), NodeError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: SnapshotRequest) -> Self::Future {
        self.run(move |app| {
            Ok(match req {
                SnapshotRequest::ListSnapshots => {
                    SnapshotResponse::ListSnapshots(app.list_snapshots())
                }
                SnapshotRequest::OfferSnapshot(req) => {
                    SnapshotResponse::OfferSnapshot(app.offer_snapshot(req))
                }
                SnapshotRequest::LoadSnapshotChunk(req) => {
                    SnapshotResponse::LoadSnapshotChunk(app.load_snapshot_chunk(req))
                }
                SnapshotRequest::ApplySnapshotChunk(req) => {
                    SnapshotResponse::ApplySnapshotChunk(app.apply_snapshot_chunk(req))
                }
            })
        })
    }
}

/// Serves `app` on `listen` until the process ends.
pub async fn serve_app(app: Arc<App>, listen: SocketAddr) -> Result<(), NodeError> {
    socket::serve(Abci::new(app), listen).await
}

//! The HTTP JSON API (axum). Handlers translate requests into calls on the node's
//! [`Engine`] and its [`Store`](crate::store::Store); no chain rule lives here. The
//! same routes serve a devnet node and a node beside a CometBFT validator; only
//! submission differs ([`Submission`]). Every route is documented with examples in
//! `spec/node-api.md`.
//!
//! Malformed input is answered 400 with a JSON error naming what was wrong, unknown
//! IDs 404, bodies above [`MAX_BODY`] 413, a node whose chain does not exist yet or
//! whose store fails 503, a client over its budget 429 ([`budget`]).
//! Store reads and submissions run on blocking threads.

pub mod budget;
pub mod explorer;
pub mod json;

use crate::abci::bridge::{BridgeView, SignedView};
use crate::cometbft::{BridgeRoots, CometRpc};
use crate::engine::{Engine, EngineSlot, Submitter};
use crate::error::NodeError;
use crate::light::cometbft::TrustJson;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use blockchain::{BlockId, BlockchainError};
pub use json::Role;
use json::*;
use std::collections::HashMap;
use zkvm::{ContractId, TxId};

/// The largest submission, in bytes: a transaction of the largest weight (its bytes
/// count in its weight, so it has at most [`zkvm::MAX_TX_WEIGHT`] of them), with input
/// proofs of as many bytes again for a block transaction.
pub const MAX_SUBMISSION: usize = 2 * zkvm::MAX_TX_WEIGHT as usize;

/// The largest request body accepted, in bytes: a submission as hex (two digits a
/// byte) in its JSON envelope.
pub const MAX_BODY: usize = 2 * MAX_SUBMISSION + 1024;
/// The most blocks one `GET /v1/blocks` page holds.
pub const MAX_PAGE_BLOCKS: usize = 100;
/// The most summaries one `GET /v1/blocks/recent` answer holds.
pub const MAX_RECENT_BLOCKS: usize = 500;
/// The most transactions `GET /v1/txs/recent` lists.
pub const MAX_RECENT_TXS: usize = 100;
/// How many of the last blocks `GET /v1/txs/recent` looks through.
pub const RECENT_TXS_BLOCKS: u64 = 10_000;
/// The most bytes of blocks one page holds (a larger single block is sent alone).
pub const MAX_PAGE_BYTES: usize = 4 << 20;

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct ApiState {
    /// The node's engine, once its chain exists.
    pub engine: EngineSlot,
    /// Where `POST /v1/txs` sends a transaction.
    pub submission: Submission,
    /// What the node does in its network.
    pub role: Role,
    /// The bridge's signed messages, on the application of a bridged chain.
    pub bridge: Option<BridgeView>,
}

/// Where a submitted transaction goes.
#[derive(Clone, Debug)]
pub enum Submission {
    /// Into this node's engine (a devnet producer or follower).
    Engine(Submitter),
    /// To CometBFT (`broadcast_tx_sync`), whose `CheckTx` runs the same engine.
    CometBft(CometRpc),
}

/// The router of every route, with the default budget of each client.
pub fn router(state: ApiState) -> Router {
    router_with(state, budget::ClientBudget::default())
}

/// The router of every route, each client held to `budget`.
pub fn router_with(state: ApiState, budget: budget::ClientBudget) -> Router {
    Router::new()
        .route("/v1/status", get(status))
        .route("/v1/genesis", get(genesis))
        .route("/v1/blocks", get(blocks_since))
        .route("/v1/blocks/recent", get(recent_blocks))
        .route("/v1/blocks/{height}", get(block_by_height))
        .route("/v1/blocks/id/{id}", get(block_by_id))
        .route("/v1/txs", axum::routing::post(submit))
        .route("/v1/txs/recent", get(recent_txs))
        .route("/v1/txs/{id}", get(tx_by_id))
        .route("/v1/mempool", get(mempool))
        .route("/v1/utxos/{id}/proof", get(utxo_proof))
        .route("/v1/forest", get(forest))
        .route("/v1/bridge/signed", get(bridge_signed))
        .route("/v1/compact/blocks", get(compact_blocks))
        .route("/v1/compact/validators", get(compact_validators))
        .merge(explorer::routes())
        .fallback(not_found_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            budget::Budgets::new(budget),
            budget::enforce,
        ))
        .with_state(state)
}

/// An error answer: status and JSON body.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        let message = e.to_string();
        let (status, code) = match &e {
            NodeError::Hex { .. } => (StatusCode::BAD_REQUEST, "bad_hex"),
            NodeError::Encoding(_)
            | NodeError::Chain(
                BlockchainError::Encoding(_)
                | BlockchainError::MalformedTx(_)
                | BlockchainError::MalformedProof(_),
            ) => (StatusCode::BAD_REQUEST, "malformed"),
            NodeError::Chain(_) | NodeError::Vm(_) => (StatusCode::BAD_REQUEST, "rejected"),
            NodeError::Invalid { .. } => (StatusCode::BAD_REQUEST, "bad_request"),
            NodeError::NoHistory { .. } => (StatusCode::NOT_FOUND, "no_history"),
            NodeError::NoCompactBlocks { .. } => (StatusCode::NOT_FOUND, "no_compact_blocks"),
            NodeError::NoLightSync(_) => (StatusCode::NOT_IMPLEMENTED, "no_light_sync"),
            NodeError::NoProof { .. } => (StatusCode::BAD_REQUEST, "rejected"),
            NodeError::Refused { code, .. } => refused_status(*code),
            NodeError::ShuttingDown | NodeError::NotReady | NodeError::Busy(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            e if e.is_storage_io() => (StatusCode::SERVICE_UNAVAILABLE, "storage_failing"),
            NodeError::Remote { .. } => {
                tracing::warn!(error = %e, "CometBFT did not answer a submission");
                (StatusCode::BAD_GATEWAY, "consensus_unreachable")
            }
            _ => {
                tracing::error!(error = %e, "request failed inside the node");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        ApiError::new(status, code, message)
    }
}

/// The status of a `CheckTx` refusal by its code.
fn refused_status(code: u32) -> (StatusCode, &'static str) {
    use crate::result_codes::ErrorCode as C;
    if code == C::Malformed.value() {
        (StatusCode::BAD_REQUEST, "malformed")
    } else if code == C::NotReady.value() {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    } else if code == C::Internal.value() {
        (StatusCode::INTERNAL_SERVER_ERROR, "internal")
    } else {
        (StatusCode::BAD_REQUEST, "rejected")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorJson {
            error: ErrorBody {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Runs a store read or other blocking work off the async workers, on the engine
/// (503 while the chain does not exist here).
async fn blocking<T: Send + 'static>(
    state: &ApiState,
    f: impl FnOnce(&Engine) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let engine = state.engine.get()?;
    tokio::task::spawn_blocking(move || f(&engine))
        .await
        .map_err(|e| ApiError::from(NodeError::Task(e.to_string())))?
}

async fn status(State(state): State<ApiState>) -> ApiResult<StatusJson> {
    let role = state.role;
    let status = blocking(&state, |engine| Ok(engine.status())).await?;
    Ok(Json(StatusJson::new(&status, role)))
}

async fn genesis(State(state): State<ApiState>) -> ApiResult<GenesisJson> {
    let role = state.role;
    blocking(&state, move |engine| {
        let genesis = engine.store().genesis()?;
        Ok(Json(GenesisJson {
            hex: hex::encode(genesis.to_bytes()),
            producer_key: hex::encode(genesis.producer.as_bytes()),
            initial_block: engine.state().initial().id().to_string(),
            consensus: role.consensus().name().to_string(),
        }))
    })
    .await
}

async fn blocks_since(
    State(state): State<ApiState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<BlocksJson> {
    let Query(query) = query.map_err(|e| ApiError::bad(e.body_text()))?;
    let since = match query.get("since") {
        Some(text) => parse_u64("since", text)?,
        None => {
            return Err(ApiError::bad(
                "query parameter `since` (a height) is required",
            ))
        }
    };
    let limit = limit(&query, MAX_PAGE_BLOCKS, MAX_PAGE_BLOCKS)?;
    blocking(&state, move |engine| {
        let tip_height = engine.store().tip_height()?;
        let blocks = engine
            .store()
            .blocks_since(since, limit, MAX_PAGE_BYTES)?
            .into_iter()
            .map(hex::encode)
            .collect();
        Ok(Json(BlocksJson { tip_height, blocks }))
    })
    .await
}

/// `GET /v1/compact/blocks?from=H&limit=N` (or `since=H` for the blocks above `H`):
/// a binary page of light blocks ([`crate::light`]), with CometBFT's signed headers
/// as evidence on a validator's API.
async fn compact_blocks(
    State(state): State<ApiState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad(e.body_text()))?;
    let from = match (query.get("from"), query.get("since")) {
        (Some(text), None) => parse_u64("from", text)?,
        (None, Some(text)) => parse_u64("since", text)?.saturating_add(1),
        _ => {
            return Err(ApiError::bad(
                "give one query parameter of `from` (the first height wanted) or `since` (the height before it)",
            ))
        }
    };
    let limit = match query.get("limit") {
        Some(text) => parse_u64("limit", text)?.min(u64::from(u32::MAX)) as usize,
        None => crate::light::MAX_PAGE_LIGHT_BLOCKS,
    };
    let (tip, blocks) = blocking(&state, move |engine| {
        Ok(crate::light::stored(engine.store(), from, limit)?)
    })
    .await?;
    let (tip, blocks) = match &state.submission {
        Submission::Engine(_) => (tip, blocks),
        Submission::CometBft(rpc) => {
            // A bridged chain's app hash commits to the bridge root too.
            let bridge = state.bridge.as_ref().filter(|b| b.signed().is_some());
            let root_at = bridge.map(|b| move |height: u64| b.root_at(height));
            let roots = root_at.as_ref().map(|f| f as &BridgeRoots<'_>);
            rpc.with_evidence(tip, blocks, roots).await?
        }
    };
    let content_type = [(
        axum::http::header::CONTENT_TYPE,
        crate::light::PAGE_CONTENT_TYPE,
    )];
    Ok((content_type, crate::light::encode_page(tip, &blocks)).into_response())
}

/// `GET /v1/compact/validators`: what a light wallet trusts of a CometBFT network
/// ([`crate::light::cometbft`]).
async fn compact_validators(State(state): State<ApiState>) -> ApiResult<TrustJson> {
    match &state.submission {
        Submission::Engine(_) => Err(ApiError::not_found(
            "this node is a devnet's: its blocks are signed by the producer whose key is in the genesis (GET /v1/genesis), not by validators",
        )),
        Submission::CometBft(rpc) => Ok(Json(rpc.trust().await?.to_json())),
    }
}

async fn recent_blocks(
    State(state): State<ApiState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<RecentJson> {
    let Query(query) = query.map_err(|e| ApiError::bad(e.body_text()))?;
    let limit = limit(&query, MAX_RECENT_BLOCKS, 20)?;
    let below = query
        .get("below")
        .map(|text| parse_u64("below", text))
        .transpose()?;
    blocking(&state, move |engine| {
        let blocks = engine.store().recent_blocks(below, limit)?;
        Ok(Json(RecentJson {
            blocks: blocks.iter().map(SummaryJson::from).collect(),
        }))
    })
    .await
}

async fn recent_txs(
    State(state): State<ApiState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<RecentTxsJson> {
    let Query(query) = query.map_err(|e| ApiError::bad(e.body_text()))?;
    let limit = limit(&query, MAX_RECENT_TXS, 20)?;
    blocking(&state, move |engine| {
        let store = engine.store();
        let (found, from_height) = store.recent_txs(limit, RECENT_TXS_BLOCKS)?;
        let mut txs = Vec::with_capacity(found.len());
        for (height, id) in found {
            let record = store.tx(&id)?.ok_or_else(|| {
                NodeError::Corrupt(format!(
                    "block {height} lists transaction {id} without its record"
                ))
            })?;
            txs.push(RecentTxJson::new(&id, &record));
        }
        Ok(Json(RecentTxsJson { txs, from_height }))
    })
    .await
}

/// `GET /v1/forest` (at the tip) or `GET /v1/forest?height=H` (one of the last
/// [`crate::store::RECENT_FORESTS`] heights).
async fn forest(
    State(state): State<ApiState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult<ForestJson> {
    let Query(query) = query.map_err(|e| ApiError::bad(e.body_text()))?;
    let height = query
        .get("height")
        .map(|text| parse_u64("height", text))
        .transpose()?;
    blocking(&state, move |engine| {
        let tip = engine.state();
        match height {
            None => Ok(Json(ForestJson::from(tip.forest()))),
            Some(h) if h == tip.tip().height => Ok(Json(ForestJson::from(tip.forest()))),
            Some(h) => match engine.store().forest_at(h)? {
                Some(forest) => Ok(Json(ForestJson::from(&forest))),
                None => Err(ApiError::not_found(format!(
                    "this node keeps the forest of its last {} heights only, up to its tip {}; ask for one of those",
                    crate::store::RECENT_FORESTS,
                    tip.tip().height
                ))),
            },
        }
    })
    .await
}

/// The withdrawals and checkpoints the validators signed, for relayers.
async fn bridge_signed(State(state): State<ApiState>) -> ApiResult<SignedView> {
    state
        .bridge
        .as_ref()
        .and_then(BridgeView::signed)
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(
                "this node serves no bridge: its chain has none, or it is not a CometBFT application (`zkvm-node abci --api`)",
            )
        })
}

async fn block_by_height(
    State(state): State<ApiState>,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<BlockJson> {
    let height = parse_u64("height", &path_text(path)?)?;
    blocking(&state, move |engine| block_json(engine, height)).await
}

async fn block_by_id(
    State(state): State<ApiState>,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<BlockJson> {
    let id = BlockId(parse_id("block ID", &path_text(path)?)?);
    blocking(&state, move |engine| {
        let height = engine
            .store()
            .height_of(&id)?
            .ok_or_else(|| ApiError::not_found(format!("no block with ID {id}")))?;
        block_json(engine, height)
    })
    .await
}

fn block_json(engine: &Engine, height: u64) -> ApiResult<BlockJson> {
    let store = engine.store();
    let block = store
        .block(height)?
        .ok_or_else(|| ApiError::not_found(format!("no block at height {height}")))?;
    let txids = store.block_txids(height)?.unwrap_or_default();
    let validation = store.validation_time(height)?;
    Ok(Json(BlockJson::new(&block, &txids, validation)))
}

async fn tx_by_id(
    State(state): State<ApiState>,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<TxJson> {
    let id = TxId(parse_id("transaction ID", &path_text(path)?)?);
    blocking(&state, move |engine| {
        let store = engine.store();
        let record = store
            .tx(&id)?
            .ok_or_else(|| ApiError::not_found(format!("no mined transaction with ID {id}")))?;
        let block = store.block(record.height)?.ok_or_else(|| {
            NodeError::Corrupt(format!(
                "transaction {id} names missing block {}",
                record.height
            ))
        })?;
        let btx = block.txs.get(record.index as usize).ok_or_else(|| {
            NodeError::Corrupt(format!("transaction {id} names a missing position"))
        })?;
        Ok(Json(TxJson::new(&id, &record, &block.header, btx)))
    })
    .await
}

async fn submit(
    State(state): State<ApiState>,
    charge: Option<Extension<budget::Charge>>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<SubmittedJson> {
    let body = body.map_err(|e| {
        ApiError::new(
            e.status(),
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "too_large"
            } else {
                "bad_request"
            },
            format!("request body: {}", e.body_text()),
        )
    })?;
    let request: SubmitJson = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad(format!("body must be {{\"hex\": \"…\"}}: {e}")))?;
    let bytes = NodeError::decode_hex("hex", &request.hex)?;
    let verdict = match &state.submission {
        Submission::Engine(submitter) => submitter.submit_measured(bytes).await,
        Submission::CometBft(rpc) => {
            // CheckTx runs elsewhere: its whole round trip stands for its cost.
            let started = std::time::Instant::now();
            let result = rpc.broadcast_tx_sync(&bytes).await;
            crate::engine::Verdict {
                result,
                cost: started.elapsed(),
            }
        }
    };
    let id = verdict.result.inspect_err(|e| {
        tracing::debug!(error = %e, "refused a transaction");
        if let Some(Extension(charge)) = &charge {
            charge.verification(verdict.cost);
        }
    })?;
    tracing::debug!(%id, "admitted a transaction");
    Ok(Json(SubmittedJson { id: id.to_string() }))
}

async fn mempool(State(state): State<ApiState>) -> ApiResult<MempoolJson> {
    blocking(&state, |engine| {
        let txs: Vec<PendingJson> = engine.mempool().iter().map(PendingJson::from).collect();
        Ok(Json(MempoolJson {
            count: txs.len(),
            bytes: txs.iter().map(|t| t.size).sum(),
            txs,
        }))
    })
    .await
}

async fn utxo_proof(
    State(state): State<ApiState>,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<ProofJson> {
    let id = ContractId(parse_id("contract ID", &path_text(path)?)?);
    blocking(&state, move |engine| {
        let (height, generation, proof) = engine
            .store()
            .utxo_proof_at_tip(&id)?
            .ok_or_else(|| ApiError::not_found(format!("no unspent output with ID {id}")))?;
        Ok(Json(ProofJson::new(&id, height, generation, &proof)))
    })
    .await
}

async fn not_found_route(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no route {}", uri.path()))
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}

fn path_text(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(p)| p)
        .map_err(|e| ApiError::bad(e.body_text()))
}

/// The query's `limit`, clamped to 1…`max`; `default` without one.
fn limit(query: &HashMap<String, String>, max: usize, default: usize) -> Result<usize, ApiError> {
    match query.get("limit") {
        Some(text) => Ok(parse_u64("limit", text)?.clamp(1, max as u64) as usize),
        None => Ok(default),
    }
}

fn parse_u64(what: &str, text: &str) -> Result<u64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::bad(format!("{what} must be a decimal integer, got {text:?}")))
}

fn parse_id(what: &'static str, text: &str) -> Result<[u8; 32], ApiError> {
    let bytes = NodeError::decode_hex(what, text)?;
    bytes.try_into().map_err(|b: Vec<u8>| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_hex",
            format!(
                "{what} must be 32 bytes (64 hex digits), got {} bytes",
                b.len()
            ),
        )
    })
}

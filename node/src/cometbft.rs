//! A client of CometBFT's RPC (JSON-RPC over HTTP): what a node serving the HTTP API
//! beside a CometBFT validator needs of it. `POST /v1/txs` becomes
//! `broadcast_tx_sync`, which answers once the validator's `CheckTx` has decided;
//! `status` tells the API how far consensus has gone.

use crate::error::NodeError;
use crate::light::cometbft::{CometTrust, Evidence, MAX_VALIDATORS};
use base64::Engine as _;
use serde::Deserialize;
use std::time::Duration;
use tendermint::block::signed_header::SignedHeader as Signed;
use tendermint::validator;
use wallet::LightBlock;
use zkvm::TxId;

/// The bridge root of a height, on a bridged chain.
pub type BridgeRoots<'a> = dyn Fn(u64) -> Result<Option<[u8; 32]>, NodeError> + Sync + 'a;

/// How many `commit` requests a page of light blocks keeps in flight.
const EVIDENCE_REQUESTS: usize = 8;

/// A client of one CometBFT node's RPC.
#[derive(Clone, Debug)]
pub struct CometRpc {
    client: reqwest::Client,
    base: String,
}

/// What `status` reports of consensus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CometStatus {
    /// The chain ID of the network.
    pub network: String,
    /// The node's ID.
    pub node_id: String,
    /// The height of the latest block the node holds.
    pub latest_height: u64,
    /// Whether the node is still catching up (block sync or state sync).
    pub catching_up: bool,
}

#[derive(Deserialize)]
struct Envelope<T> {
    result: Option<T>,
    error: Option<RpcError>,
}

#[derive(Deserialize)]
struct RpcError {
    message: String,
    #[serde(default)]
    data: String,
}

#[derive(Deserialize)]
struct BroadcastResult {
    code: u32,
    #[serde(default)]
    data: String,
    #[serde(default)]
    log: String,
}

/// What `commit` reports of one height: the block's hash and the app hash its
/// header carries (the state after the block before it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CometHeader {
    /// CometBFT's height.
    pub height: u64,
    /// The block's hash (hex, upper case as CometBFT writes it).
    pub hash: String,
    /// The app hash in the header (hex): our state after the previous height.
    pub app_hash: String,
}

#[derive(Deserialize)]
struct QueryResult {
    response: QueryResponse,
}

#[derive(Deserialize)]
struct QueryResponse {
    #[serde(default)]
    code: u32,
    #[serde(default)]
    log: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
struct StatusResult {
    node_info: NodeInfo,
    sync_info: SyncInfo,
}

#[derive(Deserialize)]
struct NodeInfo {
    id: String,
    network: String,
}

#[derive(Deserialize)]
struct SyncInfo {
    latest_block_height: String,
    catching_up: bool,
}

impl CometRpc {
    /// A client of the RPC at `url` (such as `http://127.0.0.1:26657`).
    pub fn new(url: &str) -> Result<CometRpc, NodeError> {
        let base = crate::client::base_url(url, "--cometbft-rpc")?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| rpc_error(&base, e.to_string()))?;
        Ok(CometRpc { client, base })
    }

    /// The RPC's URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// Hands an encoded transaction to CometBFT and waits for its `CheckTx`: the ID
    /// once admitted, else the application's refusal ([`NodeError::Refused`]) or
    /// CometBFT's own (mempool full, already in its cache).
    pub async fn broadcast_tx_sync(&self, tx: &[u8]) -> Result<TxId, NodeError> {
        let params = serde_json::json!({
            "tx": base64::engine::general_purpose::STANDARD.encode(tx)
        });
        let result: BroadcastResult = self.call("broadcast_tx_sync", params).await?;
        if result.code != 0 {
            return Err(NodeError::Refused {
                code: result.code,
                message: result.log,
            });
        }
        // CometBFT writes result bytes as hex (its `HexBytes`).
        let data = hex::decode(&result.data)
            .map_err(|e| rpc_error(&self.base, format!("CheckTx data is not hex: {e}")))?;
        let id: [u8; 32] = data.try_into().map_err(|_| {
            rpc_error(
                &self.base,
                "CheckTx answered no transaction ID: is this node's application zkvm-node?".into(),
            )
        })?;
        Ok(TxId(id))
    }

    /// The node's view of consensus.
    pub async fn status(&self) -> Result<CometStatus, NodeError> {
        let s: StatusResult = self.call("status", serde_json::json!({})).await?;
        Ok(CometStatus {
            network: s.node_info.network,
            node_id: s.node_info.id,
            latest_height: s.sync_info.latest_block_height.parse().map_err(|_| {
                rpc_error(
                    &self.base,
                    "status: latest_block_height is not a number".into(),
                )
            })?,
            catching_up: s.sync_info.catching_up,
        })
    }

    /// The header of the committed block at `height`: its hash and app hash.
    pub async fn header(&self, height: u64) -> Result<CometHeader, NodeError> {
        let signed = self.signed_header(height).await?;
        Ok(CometHeader {
            height: signed.header.height.value(),
            hash: signed.commit.block_id.hash.to_string(),
            app_hash: signed.header.app_hash.to_string(),
        })
    }

    /// The application's answer to the query `path` at the latest height
    /// (`abci_query`): its value, or its refusal ([`NodeError::Refused`]).
    pub async fn abci_query(&self, path: &str) -> Result<Vec<u8>, NodeError> {
        let r: QueryResult = self
            .call(
                "abci_query",
                serde_json::json!({ "path": path, "data": "" }),
            )
            .await?;
        if r.response.code != 0 {
            return Err(NodeError::Refused {
                code: r.response.code,
                message: r.response.log,
            });
        }
        base64::engine::general_purpose::STANDARD
            .decode(r.response.value.unwrap_or_default())
            .map_err(|e| rpc_error(&self.base, format!("abci_query: value is not base64: {e}")))
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        params: serde_json::Value,
    ) -> Result<T, NodeError> {
        let body =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = self
            .client
            .post(&self.base)
            .json(&body)
            .send()
            .await
            .map_err(|e| unreachable_rpc(&self.base, &e))?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| unreachable_rpc(&self.base, &e))?;
        let envelope: Envelope<T> = serde_json::from_slice(&bytes).map_err(|e| {
            rpc_error(
                &self.base,
                format!("{method}: not a CometBFT JSON-RPC answer ({e}); is this CometBFT's RPC address?"),
            )
        })?;
        match (envelope.result, envelope.error) {
            (_, Some(e)) => Err(refusal(&self.base, method, e)),
            (Some(result), None) => Ok(result),
            (None, None) => Err(rpc_error(&self.base, format!("{method}: empty answer"))),
        }
    }
}

/// CometBFT's own refusals of a transaction, in the user's words.
fn refusal(base: &str, method: &str, e: RpcError) -> NodeError {
    let detail = if e.data.is_empty() { e.message } else { e.data };
    if detail.contains("already exists in cache") {
        return NodeError::Refused {
            code: crate::result_codes::ErrorCode::Mempool.value(),
            message: "this transaction was submitted already; it waits or was mined".into(),
        };
    }
    if detail.contains("mempool is full") {
        return NodeError::Busy(format!(
            "CometBFT's mempool is full ({detail}); try again in a few seconds"
        ));
    }
    rpc_error(base, format!("{method}: {detail}"))
}

fn unreachable_rpc(base: &str, e: &reqwest::Error) -> NodeError {
    rpc_error(
        base,
        format!(
            "cannot reach CometBFT's RPC ({}); is `cometbft start` running with this RPC address?",
            crate::client::cause(e)
        ),
    )
}

fn rpc_error(base: &str, reason: String) -> NodeError {
    NodeError::Remote {
        url: base.to_string(),
        reason,
    }
}

impl CometRpc {
    /// Stored light blocks with CometBFT's signed headers as their evidence instead
    /// ([`crate::light::cometbft`]), and the tip they reach: a block is proven only
    /// once CometBFT has committed the height whose header carries its ID, so the
    /// page stops before the blocks CometBFT has not committed yet.
    /// On a bridged chain `bridge_root` gives the bridge root of a height.
    pub async fn with_evidence(
        &self,
        tip: u64,
        blocks: Vec<Vec<u8>>,
        bridge_root: Option<&BridgeRoots<'_>>,
    ) -> Result<(u64, Vec<Vec<u8>>), NodeError> {
        let latest = self.status().await?.latest_height;
        let mut lights = Vec::with_capacity(blocks.len());
        for bytes in blocks {
            let light = LightBlock::from_bytes(&bytes)
                .map_err(|e| NodeError::Corrupt(format!("stored compact block: {e}")))?;
            if light.block.header.height > latest {
                break;
            }
            lights.push(light);
        }
        let roots = lights
            .iter()
            .map(|l| match bridge_root {
                None => Ok(None),
                Some(root_at) => {
                    let height = l.block.header.height;
                    root_at(height)?.map(Some).ok_or_else(|| {
                        NodeError::NoLightSync(format!(
                            "this node keeps no bridge root of height {height} (it joined the network later, or was upgraded since), which light wallets check; sync from another node or without --light"
                        ))
                    })
                }
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        // A few requests in flight: a page of 100 blocks is 100 `commit` calls.
        for (chunk, roots) in
            (lights.chunks_mut(EVIDENCE_REQUESTS)).zip(roots.chunks(EVIDENCE_REQUESTS))
        {
            let mut requests = tokio::task::JoinSet::new();
            for (i, light) in chunk.iter().enumerate() {
                let (rpc, height) = (self.clone(), light.block.header.height);
                requests.spawn(async move { (i, rpc.signed_header(height).await) });
            }
            while let Some(done) = requests.join_next().await {
                let (i, signed) = done.map_err(|e| NodeError::Task(e.to_string()))?;
                let evidence = Evidence {
                    signed: signed?,
                    bridge_root: roots[i],
                };
                chunk[i].evidence = evidence.to_bytes();
            }
        }
        let out = lights.iter().map(LightBlock::to_bytes).collect();
        Ok((tip.min(latest), out))
    }

    /// The signed header of CometBFT's `height` (`commit`), as the header and commit
    /// the RPC gives.
    pub async fn signed_header(&self, height: u64) -> Result<Signed, NodeError> {
        #[derive(Deserialize)]
        struct Commit {
            signed_header: Signed,
        }
        let commit: Commit = self
            .call(
                "commit",
                serde_json::json!({ "height": height.to_string() }),
            )
            .await?;
        Ok(commit.signed_header)
    }

    /// The network's trust for light wallets: its chain ID and its validators at the
    /// latest height (`status`, `validators`), which are the genesis's: our networks
    /// never change them.
    pub async fn trust(&self) -> Result<CometTrust, NodeError> {
        #[derive(Deserialize)]
        struct Page {
            validators: Vec<validator::Info>,
            total: String,
        }
        let status = self.status().await?;
        if status.latest_height == 0 {
            return Err(NodeError::NotReady);
        }
        let chain_id = status.network;
        let mut infos = Vec::new();
        for page in 1.. {
            let p: Page = self
                .call(
                    "validators",
                    serde_json::json!({
                        "height": status.latest_height.to_string(),
                        "page": page.to_string(),
                        "per_page": "100",
                    }),
                )
                .await?;
            let total = p.total.parse::<usize>().unwrap_or(0);
            let fetched = p.validators.len();
            infos.extend(p.validators);
            if fetched == 0 || infos.len() >= total.min(MAX_VALIDATORS) {
                break;
            }
        }
        let keys = infos
            .iter()
            .map(|v| match v.pub_key.ed25519() {
                Some(key) => Ok((
                    key.as_bytes().try_into().map_err(|_| {
                        NodeError::Task("an Ed25519 key is not 32 bytes".into())
                    })?,
                    v.power.value(),
                )),
                None => Err(NodeError::NoLightSync(format!(
                    "validator {} signs with a key other than Ed25519; light wallets check Ed25519 validators only: sync without --light",
                    v.address
                ))),
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        CometTrust::new(&chain_id, &keys)
    }
}

//! A client of a node's HTTP API: what `run --follow` and wallet commands use.
//! Errors from the node come back as [`NodeError::Remote`] with the node's message.

use crate::api::json::{
    BlocksJson, ErrorJson, ForestJson, GenesisJson, MempoolJson, ProofJson, StatusJson, SubmitJson,
    SubmittedJson, TxJson,
};
use crate::error::NodeError;
use crate::genesis::{Consensus, Genesis};
use crate::light::cometbft::{CometTrust, TrustJson};
use blockchain::Block;
use std::time::Duration;
use utreexo::Forest;
use utreexo::Proof;
use wallet::LightBlock;
use zkvm::{ContractId, TxId};

/// How many blocks [`Remote::blocks_since`] asks for at once.
pub const PAGE: usize = 50;

/// A client of a node's API.
#[derive(Clone, Debug)]
pub struct Remote {
    client: reqwest::Client,
    base: String,
}

impl Remote {
    /// A client of the node at `url` (such as `http://127.0.0.1:8080`; `http://` is
    /// assumed when no scheme is given).
    pub fn new(url: &str) -> Result<Remote, NodeError> {
        Remote::build(url, None)
    }

    /// Like [`Remote::new`], with connections from the local address `from` (on a
    /// machine with several addresses; a node limits the connections one address
    /// may hold).
    pub fn from_address(url: &str, from: std::net::IpAddr) -> Result<Remote, NodeError> {
        Remote::build(url, Some(from))
    }

    fn build(url: &str, from: Option<std::net::IpAddr>) -> Result<Remote, NodeError> {
        let base = base_url(url, "--node")?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .local_address(from)
            .build()
            .map_err(|e| remote(&base, e.to_string()))?;
        Ok(Remote { client, base })
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// The remote's genesis.
    pub async fn genesis(&self) -> Result<Genesis, NodeError> {
        Ok(self.chain().await?.0)
    }

    /// The remote's genesis and how its chain agrees on blocks.
    pub async fn chain(&self) -> Result<(Genesis, Consensus), NodeError> {
        let json: GenesisJson = self.get("/v1/genesis").await?;
        let genesis = Genesis::from_bytes(&NodeError::decode_hex("genesis", &json.hex)?)?;
        Ok((genesis, Consensus::parse(&json.consensus)?))
    }

    /// The remote's blocks above `since`, decoded, and its tip height.
    pub async fn blocks_since(&self, since: u64) -> Result<(u64, Vec<Block>), NodeError> {
        let page: BlocksJson = self
            .get(&format!("/v1/blocks?since={since}&limit={PAGE}"))
            .await?;
        let blocks = page
            .blocks
            .iter()
            .map(|hex| {
                let bytes = NodeError::decode_hex("block", hex)?;
                Ok(Block::from_bytes(&bytes)?)
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        Ok((page.tip_height, blocks))
    }

    /// The remote's light blocks from height `from` on (a page of them) and its tip
    /// height, with the bytes the page took.
    pub async fn light_blocks(
        &self,
        from: u64,
    ) -> Result<(u64, Vec<LightBlock>, usize), NodeError> {
        let url = format!("{}/v1/compact/blocks?from={from}", self.base);
        let body = Self::body(&url, self.fetch(&url).await?).await?;
        let (tip, blocks) = crate::light::decode_page(&body)?;
        Ok((tip, blocks, body.len()))
    }

    /// The remote's forest at its tip.
    pub async fn forest(&self) -> Result<Forest, NodeError> {
        let json: ForestJson = self.get("/v1/forest").await?;
        forest_of(&json)
    }

    /// The remote's forest after the block at `height` (one of its recent heights).
    pub async fn forest_at(&self, height: u64) -> Result<Forest, NodeError> {
        let json: ForestJson = self.get(&format!("/v1/forest?height={height}")).await?;
        forest_of(&json)
    }

    /// What a light wallet trusts of the remote's CometBFT network: its chain ID and
    /// validators (`GET /v1/compact/validators`). [`NodeError::NoLightSync`] if the
    /// remote cannot prove its headers to a light wallet.
    pub async fn light_trust(&self) -> Result<CometTrust, NodeError> {
        let url = format!("{}/v1/compact/validators", self.base);
        let response = self.fetch(&url).await?;
        if response.status() == reqwest::StatusCode::NOT_IMPLEMENTED {
            let body = response.bytes().await.unwrap_or_default();
            return Err(NodeError::NoLightSync(error_message(&body)));
        }
        let json: TrustJson = Self::read(&url, response).await?;
        let trust = CometTrust::from_json(&json)?;
        let hash = trust.hash().to_string();
        if !hash.eq_ignore_ascii_case(&json.hash) {
            return Err(remote(
                &url,
                format!(
                    "it names validator set hash {} but its validators hash to {hash}",
                    json.hash
                ),
            ));
        }
        Ok(trust)
    }

    /// The remote's status.
    pub async fn status(&self) -> Result<StatusJson, NodeError> {
        self.get("/v1/status").await
    }

    /// The remote's mempool.
    pub async fn mempool(&self) -> Result<MempoolJson, NodeError> {
        self.get("/v1/mempool").await
    }

    /// A mined transaction; `None` if the remote does not know it.
    pub async fn tx(&self, id: &TxId) -> Result<Option<TxJson>, NodeError> {
        self.get_optional(&format!("/v1/txs/{id}")).await
    }

    /// The current proof of an unspent output and the tip height it is valid at;
    /// `None` if the remote has no such unspent output.
    pub async fn utxo_proof(&self, id: &ContractId) -> Result<Option<(u64, Proof)>, NodeError> {
        let Some(json) = self
            .get_optional::<ProofJson>(&format!("/v1/utxos/{id}/proof"))
            .await?
        else {
            return Ok(None);
        };
        let bytes = NodeError::decode_hex("proof", &json.hex)?;
        let proof = Proof::from_bytes(&bytes).map_err(|e| NodeError::Invalid {
            what: "proof",
            reason: e.to_string(),
        })?;
        Ok(Some((json.height, proof)))
    }

    /// Submits an encoded block transaction or bare transaction; its ID once
    /// admitted.
    pub async fn submit(&self, bytes: &[u8]) -> Result<TxId, NodeError> {
        let body = SubmitJson {
            hex: hex::encode(bytes),
        };
        let url = format!("{}/v1/txs", self.base);
        let request = self.client.post(&url).json(&body);
        let answer: SubmittedJson = self.send(&url, request).await?;
        parse_txid(&answer.id)
    }

    async fn get_optional<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<T>, NodeError> {
        let url = format!("{}{path}", self.base);
        let response = self.fetch(&url).await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Self::read(&url, response).await.map(Some)
    }

    /// GETs `url`.
    async fn fetch(&self, url: &str) -> Result<reqwest::Response, NodeError> {
        let request = self.client.get(url).send().await;
        request.map_err(|e| unreachable(url, &e))
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, NodeError> {
        let url = format!("{}{path}", self.base);
        let request = self.client.get(&url);
        self.send(&url, request).await
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, NodeError> {
        let response = request.send().await.map_err(|e| unreachable(url, &e))?;
        Self::read(url, response).await
    }

    /// Reads a JSON answer, turning an error status into the node's message.
    async fn read<T: serde::de::DeserializeOwned>(
        url: &str,
        response: reqwest::Response,
    ) -> Result<T, NodeError> {
        let body = Self::body(url, response).await?;
        serde_json::from_slice(&body).map_err(|e| remote(url, format!("unexpected answer: {e}")))
    }

    /// Reads an answer's body, turning an error status into the node's message.
    async fn body(url: &str, response: reqwest::Response) -> Result<bytes::Bytes, NodeError> {
        let remote = |reason: String| remote(url, reason);
        let status = response.status();
        let body = response.bytes().await.map_err(|e| remote(e.to_string()))?;
        if !status.is_success() {
            return Err(remote(format!("{status}: {}", error_message(&body))));
        }
        Ok(body)
    }
}

/// The message of an error answer: its JSON `error.message`, else the body as text.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<ErrorJson>(body)
        .map(|e| e.error.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned())
}

/// A transaction ID as a node writes it (64 hex digits).
pub fn parse_txid(hex: &str) -> Result<TxId, NodeError> {
    let id = NodeError::decode_hex("transaction ID", hex)?;
    Ok(TxId(id.try_into().map_err(|_| NodeError::Invalid {
        what: "transaction ID",
        reason: "not 32 bytes".into(),
    })?))
}

/// The forest a node described.
fn forest_of(json: &ForestJson) -> Result<Forest, NodeError> {
    let invalid = |reason: String| NodeError::Invalid {
        what: "forest",
        reason,
    };
    let roots = json
        .roots
        .iter()
        .map(|r| {
            let bytes = NodeError::decode_hex("forest root", &r.root)?;
            utreexo::Hash::from_slice(&bytes)
                .ok_or_else(|| invalid("a root is not 32 bytes".into()))
        })
        .collect::<Result<Vec<_>, NodeError>>()?;
    Forest::from_parts(json.generation, json.count, roots)
        .ok_or_else(|| invalid("its roots do not match its count".into()))
}

/// The base URL of `url` as given to `flag`: `http://` is assumed when no scheme is
/// given, a trailing `/` is dropped, and anything but an http(s) URL is refused.
pub fn base_url(url: &str, flag: &'static str) -> Result<String, NodeError> {
    let trimmed = url.trim().trim_end_matches('/');
    let full = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("http://{trimmed}")
    };
    let invalid = |why: String| NodeError::Invalid {
        what: flag,
        reason: format!("{url:?} {why}; give a URL such as http://127.0.0.1:8080"),
    };
    let parsed = reqwest::Url::parse(&full).map_err(|e| invalid(format!("is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(invalid("is not an http:// or https:// address".into()));
    }
    Ok(full)
}

/// What went wrong with a request, in words a user can act on: the innermost cause
/// (`Connection refused`, a name that does not resolve) or the timeout.
pub fn cause(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "no answer within 30 s".into();
    }
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

fn unreachable(url: &str, e: &reqwest::Error) -> NodeError {
    remote(
        url,
        format!(
            "cannot reach the node ({}); is it running at this address?",
            cause(e)
        ),
    )
}

fn remote(url: &str, reason: String) -> NodeError {
    NodeError::Remote {
        url: url.to_string(),
        reason,
    }
}

//! `run --follow URL`: a node without a producer key that syncs from another node's
//! API and validates every block itself.
//!
//! Protocol (see `spec/node.md`): on first start the follower reads `GET
//! /v1/genesis`, recomputes the initial state from it and checks the producer's
//! signature over the initial header; on later starts it checks that the remote's
//! genesis is the one it stored. Then it asks `GET /v1/blocks?since=H` with `H` its
//! own tip, applies each block in order with full validation (producer signature,
//! header rules, every transaction and proof), and polls again when a page comes
//! back empty. A block that fails validation is never stored; the follower logs the
//! reason and retries after a pause.

use crate::api::json::{BlocksJson, ErrorJson, GenesisJson};
use crate::chain::Chain;
use crate::error::NodeError;
use crate::genesis::Genesis;
use crate::store::Store;
use blockchain::Block;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long the follower waits before asking again when it is at the remote's tip.
pub const POLL: Duration = Duration::from_millis(200);
/// How many blocks it asks for at once.
pub const PAGE: usize = 50;

/// A client of another node's API.
#[derive(Clone, Debug)]
pub struct Remote {
    client: reqwest::Client,
    base: String,
}

impl Remote {
    /// A client of the node at `url` (such as `http://127.0.0.1:8080`).
    pub fn new(url: &str) -> Result<Remote, NodeError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| NodeError::Remote {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
        Ok(Remote {
            client,
            base: url.trim_end_matches('/').to_string(),
        })
    }

    /// The remote's genesis.
    pub async fn genesis(&self) -> Result<Genesis, NodeError> {
        let json: GenesisJson = self.get("/v1/genesis").await?;
        Genesis::from_bytes(&NodeError::decode_hex("genesis", &json.hex)?)
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

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, NodeError> {
        let url = format!("{}{path}", self.base);
        let remote = |reason: String| NodeError::Remote {
            url: url.clone(),
            reason,
        };
        let response = self
            .client
            .get(&url)
            .send()
            .await
            .map_err(|e| remote(e.to_string()))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| remote(e.to_string()))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<ErrorJson>(&body)
                .map(|e| e.error.message)
                .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned());
            return Err(remote(format!("{status}: {message}")));
        }
        serde_json::from_slice(&body).map_err(|e| remote(format!("unexpected answer: {e}")))
    }
}

/// Creates the follower's store from the remote's genesis if `dir` has none; checks
/// that the remote's genesis is ours otherwise.
pub async fn bootstrap(dir: &Path, remote: &Remote) -> Result<(), NodeError> {
    let genesis = remote.genesis().await?;
    if Store::exists(dir) {
        let ours = Store::open(dir)?.genesis()?;
        if ours != genesis {
            return Err(NodeError::Diverged(
                "the remote node started from another genesis".into(),
            ));
        }
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| NodeError::io(dir, e))?;
    Store::create(dir, &genesis)?;
    tracing::info!(dir = %dir.display(), "created a follower store from the remote genesis");
    Ok(())
}

/// Follows the remote forever: fetches blocks above the local tip and applies each
/// after validating it on a blocking thread.
pub async fn follow(chain: Arc<Chain>, remote: Remote) {
    loop {
        match sync_once(&chain, &remote).await {
            Ok(0) => tokio::time::sleep(POLL).await,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "sync failed; retrying");
                tokio::time::sleep(POLL * 5).await;
            }
        }
    }
}

/// Fetches and applies one page of blocks; returns how many were applied.
pub async fn sync_once(chain: &Arc<Chain>, remote: &Remote) -> Result<usize, NodeError> {
    let height = chain.status().tip.height;
    let (_, blocks) = remote.blocks_since(height).await?;
    let mut applied = 0;
    for block in blocks {
        let expected = height + 1 + applied as u64;
        if block.header.height != expected {
            return Err(NodeError::Diverged(format!(
                "asked for block {expected}, received block {}",
                block.header.height
            )));
        }
        let c = chain.clone();
        tokio::task::spawn_blocking(move || c.apply_remote(&block))
            .await
            .map_err(|e| NodeError::Task(e.to_string()))??;
        applied += 1;
        tracing::info!(height = expected, "applied a followed block");
    }
    Ok(applied)
}

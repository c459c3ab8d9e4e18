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

use crate::client::Remote;
use crate::engine::Engine;
use crate::error::NodeError;
use crate::genesis::Consensus;
use crate::store::Store;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long the follower waits before asking again when it is at the remote's tip.
pub const POLL: Duration = Duration::from_millis(200);

/// Creates the follower's store from the remote's genesis if `dir` has none; checks
/// that the remote's genesis is ours otherwise.
pub async fn bootstrap(dir: &Path, remote: &Remote) -> Result<(), NodeError> {
    let (genesis, consensus) = remote.chain().await?;
    if consensus != Consensus::Devnet {
        return Err(NodeError::Invalid {
            what: "--follow",
            reason: format!(
                "{} serves a CometBFT network, whose blocks a follower cannot check without the validators' commits; join it as a CometBFT full node instead (deploy/cometbft/README.md)",
                remote.url()
            ),
        });
    }
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
/// A failing store is logged when it starts failing, not at every retry.
pub async fn follow(engine: Arc<Engine>, remote: Remote) {
    let mut failing = false;
    loop {
        match sync_once(&engine, &remote).await {
            Ok(applied) => {
                if std::mem::take(&mut failing) {
                    tracing::info!("the store works again; following");
                }
                if applied == 0 {
                    tokio::time::sleep(POLL).await;
                }
            }
            Err(e) if e.is_storage_io() => {
                if !std::mem::replace(&mut failing, true) {
                    tracing::error!(error = %e, "following stopped: the store is failing");
                }
                tokio::time::sleep(POLL * 5).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "sync failed; retrying");
                tokio::time::sleep(POLL * 5).await;
            }
        }
    }
}

/// Fetches and applies one page of blocks; returns how many were applied.
pub async fn sync_once(engine: &Arc<Engine>, remote: &Remote) -> Result<usize, NodeError> {
    let height = engine.status().tip.height;
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
        let e = engine.clone();
        tokio::task::spawn_blocking(move || e.apply_block(&block))
            .await
            .map_err(|e| NodeError::Task(e.to_string()))??;
        applied += 1;
        tracing::info!(height = expected, "applied a followed block");
    }
    Ok(applied)
}

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
//! reason and retries after a pause that grows while the failure lasts.

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
/// after validating it on a blocking thread. While syncing fails (the source is
/// down, the store is failing) it retries after growing pauses ([`Backoff`]), and
/// logs one warning when the outage starts and one line when it ends.
pub async fn follow(engine: Arc<Engine>, remote: Remote) {
    let mut backoff = Backoff::default();
    loop {
        match sync_once(&engine, &remote).await {
            Ok(applied) => {
                if let Some(outage) = backoff.succeeded() {
                    tracing::info!(
                        source = %remote.url(),
                        down_for_s = outage.as_secs_f64(),
                        "syncing again: the outage is over"
                    );
                }
                if applied == 0 {
                    tokio::time::sleep(POLL).await;
                }
            }
            Err(e) => {
                let (pause, first) = backoff.failed();
                if first && e.is_storage_io() {
                    tracing::error!(error = %e, "following stopped: the store is failing; retrying with growing pauses");
                } else if first {
                    tracing::warn!(error = %e, source = %remote.url(), "following stopped; retrying with growing pauses, one line when it works again");
                }
                tokio::time::sleep(pause).await;
            }
        }
    }
}

/// The pauses between the follower's retries while an outage lasts: the first
/// [`Backoff::FIRST`], each next one twice as long, at most [`Backoff::MAX`].
#[derive(Debug, Default)]
pub struct Backoff {
    /// When the outage started and the pause before the next retry.
    outage: Option<(std::time::Instant, Duration)>,
}

impl Backoff {
    /// The pause after the first failure.
    pub const FIRST: Duration = Duration::from_millis(250);
    /// The longest pause.
    pub const MAX: Duration = Duration::from_secs(10);

    /// Records a failure; returns the pause before the next try and whether this
    /// failure started the outage.
    pub fn failed(&mut self) -> (Duration, bool) {
        match &mut self.outage {
            Some((_, pause)) => {
                *pause = (*pause * 2).min(Self::MAX);
                (*pause, false)
            }
            None => {
                self.outage = Some((std::time::Instant::now(), Self::FIRST));
                (Self::FIRST, true)
            }
        }
    }

    /// Records a success; returns how long the outage it ends lasted, if any.
    pub fn succeeded(&mut self) -> Option<Duration> {
        self.outage.take().map(|(since, _)| since.elapsed())
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
        let txs = block.txs.len();
        let e = engine.clone();
        tokio::task::spawn_blocking(move || e.apply_block(&block))
            .await
            .map_err(|e| NodeError::Task(e.to_string()))??;
        applied += 1;
        block_event!(txs, height = expected, "applied a followed block");
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_its_cap_and_starts_over_after_a_success() {
        let mut backoff = Backoff::default();
        assert_eq!(backoff.succeeded(), None);
        let pauses: Vec<(u64, bool)> = (0..8)
            .map(|_| backoff.failed())
            .map(|(pause, first)| (pause.as_millis() as u64, first))
            .collect();
        assert_eq!(
            pauses,
            [
                (250, true),
                (500, false),
                (1_000, false),
                (2_000, false),
                (4_000, false),
                (8_000, false),
                (10_000, false),
                (10_000, false),
            ]
        );
        assert!(backoff.succeeded().is_some());
        assert_eq!(backoff.succeeded(), None);
        assert_eq!(backoff.failed(), (Backoff::FIRST, true));
    }
}

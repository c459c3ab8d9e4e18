//! The devnet's block producer: a node holding the producer key makes a block from
//! its engine's mempool every interval, **empty blocks included**, so a devnet's tip
//! advances at a steady pace, followers see the producer is alive, and the time
//! bounds of pending transactions are judged against a recent block time.
//!
//! While the store cannot be written no block is made: each interval reopens it if
//! needed ([`Engine::ensure_store`]) and tries the next block, whose successful
//! commit ends the fault; the failure is logged once when it starts and once when
//! it ends, not every interval.

use crate::clock::now_ms;
use crate::engine::Engine;
use crate::error::NodeError;
use blockchain::{BlockHeader, Producer};
use musig::SigningKey;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The largest block the producer makes by default, in bytes of block transactions.
pub const MAX_BLOCK_BYTES: usize = 8 << 20;

/// The producer of a devnet: its key and the engine whose mempool it empties.
pub struct BlockProducer {
    engine: Arc<Engine>,
    producer: Producer,
    max_block_bytes: usize,
}

impl core::fmt::Debug for BlockProducer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BlockProducer")
            .field("producer", &self.producer)
            .finish_non_exhaustive()
    }
}

impl BlockProducer {
    /// A producer signing with `key`, which must be the key of the engine's chain.
    pub fn new(
        engine: Arc<Engine>,
        key: SigningKey,
        max_block_bytes: usize,
    ) -> Result<BlockProducer, NodeError> {
        if key.verification_key() != *engine.state().producer() {
            return Err(NodeError::Invalid {
                what: "producer key",
                reason: "it is not the key this chain's blocks are signed with".into(),
            });
        }
        Ok(BlockProducer {
            engine,
            producer: Producer::new(key),
            max_block_bytes,
        })
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Makes, stores and applies the next block from the mempool (possibly empty).
    pub fn produce(&self) -> Result<BlockHeader, NodeError> {
        self.engine.ensure_store()?;
        let tip_ms = self.engine.status().tip.timestamp_ms;
        let time = now_ms().max(tip_ms + 1);
        let (state, chosen) = self.engine.select(time, self.max_block_bytes, 0);
        let started = Instant::now();
        let (block, applied) = self.producer.make_block(&state, time, chosen)?;
        let took = started.elapsed();
        self.engine.commit(&block, applied, Some(took))?;
        block_event!(block.txs.len(), height = block.header.height, id = %block.header.id(), "produced a block");
        Ok(block.header)
    }
}

/// Makes a block every `interval` until the runtime stops.
pub async fn produce_blocks(producer: Arc<BlockProducer>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    let mut failing = false;
    loop {
        ticks.tick().await;
        let p = producer.clone();
        match tokio::task::spawn_blocking(move || p.produce()).await {
            Ok(Ok(header)) => {
                if std::mem::take(&mut failing) {
                    tracing::info!(height = header.height, "the store works again; producing");
                }
            }
            Ok(Err(e)) if e.is_storage_io() => {
                if !std::mem::replace(&mut failing, true) {
                    tracing::error!(error = %e, "block production stopped: the store is failing");
                }
            }
            Ok(Err(e)) => tracing::error!(error = %e, "block production failed"),
            Err(e) => tracing::error!(error = %e, "block production task failed"),
        }
    }
}

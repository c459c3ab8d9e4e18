//! State sync: our state is the Utreexo forest plus the tip, a few hundred bytes,
//! offered as a snapshot of one chunk at each of the last few committed heights. The
//! store keeps the forest of its recent heights ([`Store::forest_at`]) in the same
//! write as each block, so the snapshots outlive a restart; a chunk is made when a
//! peer asks for it.
//!
//! Snapshot: format 1, one chunk, `hash` the app hash (our tip's ID). Chunk:
//! `LE32 length || genesis || tip header || forest` (the header and forest in their
//! own encodings). A chunk is adopted only if the header's ID is the app hash the
//! light client verified, its height is the snapshot's, and the forest's root is the
//! header's UTXO root. The genesis inside is not covered by the app hash: it only
//! supplies the initial header the store keeps.

use super::mapping::{cometbft_height, our_height};
use super::App;
use crate::engine::Engine;
use crate::error::NodeError;
use crate::genesis::Genesis;
use crate::store::Store;
use blockchain::BlockHeader;
use bytes::Bytes;
use encoding::{Encodable, Reader, Writer};
use tendermint::abci::response::{ApplySnapshotChunkResult, OfferSnapshot};
use tendermint::abci::{request, response, types};
use utreexo::Forest;

/// The only snapshot format.
pub const SNAPSHOT_FORMAT: u32 = 1;

impl App {
    /// The snapshots offered (the last `AbciConfig::snapshots` heights whose forest
    /// the store keeps), oldest first; none before the chain exists here.
    pub fn list_snapshots(&self) -> response::ListSnapshots {
        let snapshots = self
            .offered_snapshots()
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot list the snapshots");
                Vec::new()
            })
            .into_iter()
            .map(|(height, header)| types::Snapshot {
                height: cometbft_height(height)
                    .value()
                    .try_into()
                    .unwrap_or_default(),
                format: SNAPSHOT_FORMAT,
                chunks: 1,
                hash: Bytes::copy_from_slice(&header.id().0),
                metadata: Bytes::new(),
            })
            .collect();
        response::ListSnapshots { snapshots }
    }

    /// Our heights offered as snapshots with their headers, oldest first.
    fn offered_snapshots(&self) -> Result<Vec<(u64, BlockHeader)>, NodeError> {
        let Ok(engine) = self.engine.get() else {
            return Ok(Vec::new());
        };
        let store = engine.store();
        let heights = store.recent_forest_heights()?;
        let skip = heights.len().saturating_sub(self.config.snapshots);
        heights[skip..]
            .iter()
            .filter_map(|h| store.header(*h).transpose().map(|r| r.map(|hd| (*h, hd))))
            .collect()
    }

    /// The chunk of an offered snapshot; empty if there is none.
    pub fn load_snapshot_chunk(
        &self,
        req: request::LoadSnapshotChunk,
    ) -> response::LoadSnapshotChunk {
        let chunk = match self.engine.get() {
            Ok(engine) if req.format == SNAPSHOT_FORMAT && req.chunk == 0 => snapshot_chunk(
                &engine,
                req.height.value(),
            )
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, height = req.height.value(), "cannot load a snapshot");
                None
            }),
            _ => None,
        };
        response::LoadSnapshotChunk {
            chunk: chunk.map(Bytes::from).unwrap_or_default(),
        }
    }

    /// Accepts a snapshot of our format and one chunk whose hash is the app hash, on
    /// a node that has no chain yet.
    pub fn offer_snapshot(&self, req: request::OfferSnapshot) -> OfferSnapshot {
        if self.engine.get().is_ok() {
            return OfferSnapshot::Abort;
        }
        let mut inner = self.lock();
        let s = &req.snapshot;
        if s.format != SNAPSHOT_FORMAT {
            return OfferSnapshot::RejectFormat;
        }
        if s.chunks != 1 || s.hash.as_ref() != req.app_hash.as_bytes() {
            return OfferSnapshot::Reject;
        }
        inner.offered = Some((s.height.value(), s.hash.to_vec()));
        OfferSnapshot::Accept
    }

    /// Verifies the chunk against the offered snapshot's app hash and, if it holds,
    /// creates the store at its tip.
    pub fn apply_snapshot_chunk(
        &self,
        req: request::ApplySnapshotChunk,
    ) -> response::ApplySnapshotChunk {
        let result = match self.restore(&req) {
            Ok(()) => ApplySnapshotChunkResult::Accept,
            Err(e) => {
                tracing::warn!(error = %e, sender = %req.sender, "snapshot chunk refused");
                ApplySnapshotChunkResult::RejectSnapshot
            }
        };
        response::ApplySnapshotChunk {
            result,
            refetch_chunks: Vec::new(),
            reject_senders: Vec::new(),
        }
    }

    fn restore(&self, req: &request::ApplySnapshotChunk) -> Result<(), NodeError> {
        let (height, hash) = self.lock().offered.clone().ok_or(NodeError::Invalid {
            what: "snapshot chunk",
            reason: "no snapshot was offered".into(),
        })?;
        let (genesis, tip, forest) = decode_chunk(&req.chunk)?;
        let expected = our_height(height.try_into().map_err(|_| invalid("height"))?);
        if tip.id().0.as_slice() != hash.as_slice() || tip.height != expected {
            return Err(invalid("the tip is not the one the app hash names"));
        }
        let store = Store::create_at_tip(&self.dir, &genesis, &tip, &forest)?;
        self.start(store)?;
        self.lock().offered = None;
        tracing::info!(height = tip.height, id = %tip.id(), "state restored from a snapshot");
        Ok(())
    }
}

/// The chunk of the snapshot at CometBFT height `height`, if the store keeps its forest.
fn snapshot_chunk(engine: &Engine, height: u64) -> Result<Option<Vec<u8>>, NodeError> {
    let Ok(height) = tendermint::block::Height::try_from(height) else {
        return Ok(None);
    };
    let store = engine.store();
    let ours = our_height(height);
    let (Some(tip), Some(forest)) = (store.header(ours)?, store.forest_at(ours)?) else {
        return Ok(None);
    };
    let mut chunk = Vec::new();
    chunk.write_len_prefixed(&store.genesis()?.to_bytes());
    chunk.extend_from_slice(&tip.to_bytes());
    forest.encode(&mut chunk);
    Ok(Some(chunk))
}

fn decode_chunk(bytes: &[u8]) -> Result<(Genesis, BlockHeader, Forest), NodeError> {
    let (genesis, tip, forest) = Reader::parse(bytes, |r| {
        let genesis = r.read_len_prefixed()?.to_vec();
        let tip = BlockHeader::decode(r)?;
        let forest = r.read_bytes(r.remaining())?.to_vec();
        Ok::<_, encoding::EncodingError>((genesis, tip, forest))
    })?;
    let forest = Forest::from_bytes(&forest).map_err(|e| invalid(&e.to_string()))?;
    Ok((Genesis::from_bytes(&genesis)?, tip, forest))
}

fn invalid(reason: &str) -> NodeError {
    NodeError::Invalid {
        what: "snapshot chunk",
        reason: reason.into(),
    }
}

//! State sync: our state is the Utreexo forest plus the tip, a few hundred bytes,
//! offered as a snapshot of one chunk after every committed block (the most recent
//! few are kept in memory).
//!
//! Snapshot: format 1, one chunk, `hash` the app hash (our tip's ID). Chunk:
//! `LE32 length || genesis || tip header || forest` (the header and forest in their
//! own encodings). A chunk is adopted only if the header's ID is the app hash the
//! light client verified, its height is the snapshot's, and the forest's root is the
//! header's UTXO root. The genesis inside is not covered by the app hash: it only
//! supplies the initial header the store keeps.

use super::mapping::{cometbft_height, our_height};
use super::{App, Inner};
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
pub const FORMAT: u32 = 1;

/// A snapshot this node offers.
#[derive(Clone, Debug)]
pub(super) struct Snapshot {
    height: u64,
    hash: Vec<u8>,
    chunk: Vec<u8>,
}

impl Inner {
    /// Keeps a snapshot of the engine's committed state, and at most `keep` of them.
    pub(super) fn remember_snapshot(
        &mut self,
        engine: &Engine,
        keep: usize,
    ) -> Result<(), NodeError> {
        let state = engine.state();
        let tip = state.tip();
        let genesis = self.genesis.as_deref().ok_or(NodeError::NotReady)?;
        let mut chunk = Vec::new();
        chunk.write_len_prefixed(genesis);
        chunk.extend_from_slice(&tip.to_bytes());
        state.forest().encode(&mut chunk);
        self.snapshots.push_back(Snapshot {
            height: cometbft_height(tip.height).value(),
            hash: tip.id().0.to_vec(),
            chunk,
        });
        while self.snapshots.len() > keep {
            self.snapshots.pop_front();
        }
        Ok(())
    }
}

impl App {
    /// The snapshots kept, newest last.
    pub fn list_snapshots(&self) -> response::ListSnapshots {
        let inner = self.lock();
        let snapshots = inner
            .snapshots
            .iter()
            .map(|s| types::Snapshot {
                height: s.height.try_into().unwrap_or_default(),
                format: FORMAT,
                chunks: 1,
                hash: Bytes::from(s.hash.clone()),
                metadata: Bytes::new(),
            })
            .collect();
        response::ListSnapshots { snapshots }
    }

    /// The chunk of a kept snapshot; empty if there is none.
    pub fn load_snapshot_chunk(
        &self,
        req: request::LoadSnapshotChunk,
    ) -> response::LoadSnapshotChunk {
        let inner = self.lock();
        let chunk = inner
            .snapshots
            .iter()
            .find(|s| s.height == req.height.value() && req.format == FORMAT && req.chunk == 0)
            .map(|s| Bytes::from(s.chunk.clone()))
            .unwrap_or_default();
        response::LoadSnapshotChunk { chunk }
    }

    /// Accepts a snapshot of our format and one chunk whose hash is the app hash, on
    /// a node that has no chain yet.
    pub fn offer_snapshot(&self, req: request::OfferSnapshot) -> OfferSnapshot {
        if self.engine.get().is_ok() {
            return OfferSnapshot::Abort;
        }
        let mut inner = self.lock();
        let s = &req.snapshot;
        if s.format != FORMAT {
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

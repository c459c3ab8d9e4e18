//! One ABCI request, as CometBFT 0.38 encodes it (a protobuf `Request`), delivered
//! to the application as its socket server (`abci::socket`) does: converted into `tendermint-rs` types
//! first (a request that does not convert never reaches the app, so it is skipped),
//! then handed to the app's handler. The app is the fixture's (`InitChain` done from
//! the vector chain's outputs, so the vector chain's second block is a valid
//! proposal), shared across inputs: a fresh one costs about 2 s (its generators and
//! store), too much per input. What inputs leave behind (admitted transactions, a
//! validated or finalized block) stays; a `Commit` that moves the tip retires the
//! app, so every input meets the fixture's height.
//!
//! What must hold: no panic; `CheckTx` and `Query` answer a code of `spec/abci.md`'s
//! table, a `/tip` answer is the header the app hash names; `Info` reports the tip;
//! a request refused with an error, or answered without one, leaves the tip and app
//! hash as they were (only `Commit` moves them); a proposal with a transaction that
//! does not decode is rejected; a node with a chain lists snapshots of its own heights
//! up to the tip, serves chunks only of its format, chunk 0, at or below the tip, and
//! refuses snapshots offered to it.
#![no_main]

use blockchain::{BlockHeader, BlockTx};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use std::sync::{Mutex, OnceLock};
use tendermint::abci::response::{self, ApplySnapshotChunkResult, OfferSnapshot};
use tendermint::abci::{request, MethodKind};
use tendermint::v0_38::abci::{
    ConsensusRequest, ConsensusResponse, InfoRequest, MempoolRequest, Request, SnapshotRequest,
};
use tendermint_proto::v0_38::abci as pb;
use zkvm_fuzz::abci::Fixture;
use zkvm_node::abci::{App, SNAPSHOT_FORMAT};

/// The largest result code of `spec/abci.md` (10, internal).
const MAX_CODE: u32 = 10;

/// The fixture's tip as `Info` reports it: CometBFT height and app hash.
type Tip = (tendermint::block::Height, tendermint::AppHash);

fn tip(app: &App) -> Tip {
    let info = app.info(request::Info {
        version: "0.38.25".into(),
        block_version: 11,
        p2p_version: 8,
        abci_version: "2.0.0".into(),
    });
    (info.last_block_height, info.last_block_app_hash)
}

/// Delivers `request`; returns whether it moved the tip.
fn deliver(app: &App, request: Request, before: &Tip) -> bool {
    match request.kind() {
        // Answered by the socket server itself.
        MethodKind::Flush => false,
        MethodKind::Consensus => consensus(app, request.try_into().expect("kind"), before),
        MethodKind::Mempool => {
            let MempoolRequest::CheckTx(req) = request.try_into().expect("kind");
            let r = app.check_tx(req);
            assert!(r.code.value() <= MAX_CODE, "CheckTx code {:?}", r.code);
            assert_eq!(&tip(app), before, "CheckTx moved the tip");
            if r.code.is_ok() {
                assert_eq!(r.data.len(), 32, "an admitted transaction's ID");
            }
            false
        }
        MethodKind::Info => {
            match request.try_into().expect("kind") {
                InfoRequest::Info(req) => {
                    let info = app.info(req);
                    assert_eq!(&(info.last_block_height, info.last_block_app_hash), before);
                }
                InfoRequest::Query(req) => query(app, req, before),
                // Answered by the service around the app.
                InfoRequest::Echo(_) => {}
            }
            false
        }
        MethodKind::Snapshot => {
            match request.try_into().expect("kind") {
                SnapshotRequest::ListSnapshots => list_snapshots(app, before),
                SnapshotRequest::LoadSnapshotChunk(req) => {
                    let served =
                        req.format == SNAPSHOT_FORMAT && req.chunk == 0 && req.height <= before.0;
                    let chunk = app.load_snapshot_chunk(req).chunk;
                    assert!(served || chunk.is_empty(), "a chunk nobody offered");
                }
                SnapshotRequest::OfferSnapshot(req) => {
                    assert_eq!(app.offer_snapshot(req), OfferSnapshot::Abort);
                }
                SnapshotRequest::ApplySnapshotChunk(req) => {
                    let r = app.apply_snapshot_chunk(req);
                    assert_eq!(r.result, ApplySnapshotChunkResult::RejectSnapshot);
                }
            }
            assert_eq!(&tip(app), before, "a snapshot request moved the tip");
            false
        }
    }
}

/// The snapshots a node with a chain offers: its own heights up to the tip, oldest
/// first, one chunk each, the one at the tip named by the app hash.
fn list_snapshots(app: &App, before: &Tip) {
    let snapshots = app.list_snapshots().snapshots;
    assert!(snapshots.windows(2).all(|w| w[0].height < w[1].height));
    for s in &snapshots {
        assert_eq!((s.format, s.chunks), (SNAPSHOT_FORMAT, 1));
        assert!(
            u64::from(s.height) <= before.0.value(),
            "a snapshot above the tip"
        );
        if u64::from(s.height) == before.0.value() {
            assert_eq!(s.hash.as_ref(), before.1.as_bytes(), "the tip's snapshot");
        }
    }
}

fn query(app: &App, req: request::Query, before: &Tip) {
    let r = app.query(req.clone());
    assert!(r.code.value() <= MAX_CODE, "Query code {:?}", r.code);
    assert_eq!(r.key, req.data);
    if r.code.is_ok() {
        assert_eq!(r.height, before.0, "answers are at the tip");
        if req.path == "/tip" {
            let header = BlockHeader::from_bytes(&r.value).expect("the tip decodes");
            assert_eq!(header.id().0.as_slice(), before.1.as_bytes());
        }
    }
    assert_eq!(&tip(app), before, "Query moved the tip");
}

fn consensus(app: &App, req: ConsensusRequest, before: &Tip) -> bool {
    let garbage = match &req {
        ConsensusRequest::ProcessProposal(p) => {
            p.txs.iter().any(|tx| BlockTx::from_bytes(tx).is_err())
        }
        _ => false,
    };
    let txs = match &req {
        ConsensusRequest::FinalizeBlock(f) => f.txs.len(),
        _ => 0,
    };
    let result = app.consensus(req);
    let after = tip(app);
    let Ok(response) = result else {
        assert_eq!(&after, before, "a refused request moved the tip");
        return false;
    };
    if !matches!(response, ConsensusResponse::Commit(_)) {
        assert_eq!(&after, before, "only Commit moves the tip");
    }
    match response {
        ConsensusResponse::InitChain(r) => {
            assert_eq!(r.app_hash, before.1, "InitChain again answers the same");
            false
        }
        ConsensusResponse::ProcessProposal(status) => {
            if garbage {
                assert_eq!(status, response::ProcessProposal::Reject);
            }
            false
        }
        ConsensusResponse::PrepareProposal(r) => {
            for tx in &r.txs {
                BlockTx::from_bytes(tx).expect("a proposed transaction decodes");
            }
            false
        }
        ConsensusResponse::FinalizeBlock(r) => {
            assert_eq!(r.tx_results.len(), txs, "a result per transaction");
            false
        }
        ConsensusResponse::Commit(_) => after != *before,
        ConsensusResponse::ExtendVote(_) | ConsensusResponse::VerifyVoteExtension(_) => false,
    }
}

fn fixture() -> &'static Mutex<Option<Fixture>> {
    static APP: OnceLock<Mutex<Option<Fixture>>> = OnceLock::new();
    APP.get_or_init(Mutex::default)
}

fuzz_target!(|data: &[u8]| {
    let Ok(proto) = pb::Request::decode(data) else {
        return;
    };
    let Ok(request) = Request::try_from(proto) else {
        return;
    };
    let mut slot = fixture().lock().unwrap_or_else(|p| p.into_inner());
    let fx = slot.get_or_insert_with(Fixture::new);
    let before = tip(&fx.app);
    if deliver(&fx.app, request, &before) {
        *slot = None;
    }
});

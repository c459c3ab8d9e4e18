//! The ABCI fixture: an application on a temporary store, its chain created by
//! `InitChain` from a genesis of the vector chain's initial outputs, so the vector
//! chain's second block is a valid proposal after it. Shared by the `abci_request`
//! target and the seeding program (the seeds must name this genesis's heights).

use crate::vector_chain;
use curve25519_dalek::Scalar;
use musig::SigningKey;
use tendermint::v0_38::abci::{ConsensusRequest, Request};
use tendermint_proto::v0_38::abci as pb;
use zkvm_node::abci::app_state::AppState;
use zkvm_node::abci::{requests, AbciConfig, App};
use zkvm_node::genesis::Genesis;

/// The app state of the fixture's genesis (JSON, as `InitChain` carries it).
pub fn app_state() -> Vec<u8> {
    let chain = vector_chain();
    let key = SigningKey::new(Scalar::from(7u64));
    let genesis = Genesis::new(chain.state.tip().timestamp_ms, chain.utxos.clone(), &key)
        .expect("genesis of the vector outputs");
    serde_json::to_vec(&AppState::new(&genesis)).expect("JSON")
}

/// `InitChain` of the fixture's genesis, as CometBFT sends it.
pub fn init_chain() -> pb::RequestInitChain {
    let genesis_ms = vector_chain().state.tip().timestamp_ms;
    requests::init_chain("zkvm-fuzz", genesis_ms, app_state())
}

/// `ProcessProposal` of `txs` as CometBFT's block 1 (our block 2), at the time of
/// the vector chain's second block.
pub fn process_proposal(txs: &[Vec<u8>]) -> pb::RequestProcessProposal {
    pb::RequestProcessProposal {
        txs: txs.iter().cloned().map(Into::into).collect(),
        proposed_last_commit: Some(pb::CommitInfo::default()),
        misbehavior: Vec::new(),
        hash: vec![7; 32].into(),
        height: 1,
        time: Some(requests::timestamp(vector_chain().next.timestamp_ms)),
        next_validators_hash: vec![0; 32].into(),
        proposer_address: vec![1; 20].into(),
    }
}

/// `FinalizeBlock` of `txs`, the same block as [`process_proposal`].
pub fn finalize_block(txs: &[Vec<u8>]) -> pb::RequestFinalizeBlock {
    let p = process_proposal(txs);
    pb::RequestFinalizeBlock {
        txs: p.txs,
        decided_last_commit: Some(pb::CommitInfo::default()),
        misbehavior: Vec::new(),
        hash: p.hash,
        height: p.height,
        time: p.time,
        next_validators_hash: p.next_validators_hash,
        proposer_address: p.proposer_address,
    }
}

/// An application on its own temporary store, after `InitChain`.
pub struct Fixture {
    /// The application.
    pub app: App,
    /// Removed when the fixture is dropped (after the app closed its store).
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// A new application on a new store, `InitChain` done.
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temporary folder");
        let app = App::open(dir.path(), AbciConfig::default()).expect("open");
        let request = Request::try_from(pb::Request {
            value: Some(pb::request::Value::InitChain(init_chain())),
        })
        .expect("CometBFT's InitChain converts");
        let init = ConsensusRequest::try_from(request).expect("a consensus request");
        app.consensus(init).expect("InitChain of the fixture");
        Fixture { app, _dir: dir }
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

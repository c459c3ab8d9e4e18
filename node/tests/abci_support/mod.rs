//! Support for the ABCI tests: application instances on loopback sockets, a mock
//! consensus speaking to them through the `tendermint-abci` client, and the
//! requests of ABCI 2.0 as CometBFT 0.38 sends them.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tendermint_abci::{Client, ClientBuilder};
use tendermint_proto::google::protobuf::Timestamp;
use tendermint_proto::v0_38::abci as pb;
use zkvm_node::abci::{requests, serve_app, AbciConfig, App};

/// The genesis time of the tests' chains, ms.
pub const GENESIS_MS: u64 = 1_700_000_000_000;

/// An application serving the store in `dir` on a loopback port, with its own
/// runtime: dropping it stops the server and closes the store.
pub struct Instance {
    pub addr: SocketAddr,
    pub dir: PathBuf,
    pub app: Arc<App>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Instance {
    /// Starts the application on `dir`.
    pub fn start(dir: &Path) -> Instance {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let app = Arc::new(App::open(dir, AbciConfig::default()).unwrap());
        runtime.spawn(serve_app(app.clone(), addr));
        Instance {
            addr,
            dir: dir.to_path_buf(),
            app,
            runtime: Some(runtime),
        }
    }

    /// A new connection (as CometBFT opens four).
    pub fn connect(&self) -> Mock {
        let start = Instant::now();
        loop {
            match ClientBuilder::default().connect(self.addr) {
                Ok(client) => {
                    return Mock {
                        client,
                        proposals: TcpStream::connect(self.addr).unwrap(),
                    }
                }
                Err(e) if start.elapsed() < Duration::from_secs(10) => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("cannot connect to {}: {e}", self.addr),
            }
        }
    }

    /// Stops the server and releases the store.
    pub fn stop(mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// A protobuf time `ms` after the Unix epoch.
pub fn time(ms: u64) -> Option<Timestamp> {
    Some(requests::timestamp(ms))
}

/// `InitChain` with `app_state`.
pub fn init_chain(app_state: &[u8]) -> pb::RequestInitChain {
    requests::init_chain("zkvm-test", GENESIS_MS, app_state.to_vec())
}

/// CometBFT's time of its block `height` in these tests.
pub fn block_ms(height: i64) -> u64 {
    GENESIS_MS + 1000 * height as u64
}

/// `PrepareProposal` at `height`.
pub fn prepare(height: i64, txs: Vec<Vec<u8>>) -> pb::RequestPrepareProposal {
    pb::RequestPrepareProposal {
        max_tx_bytes: 22_020_096,
        txs: txs.into_iter().map(Into::into).collect(),
        local_last_commit: Some(pb::ExtendedCommitInfo::default()),
        misbehavior: Vec::new(),
        height,
        time: time(block_ms(height)),
        next_validators_hash: vec![0; 32].into(),
        proposer_address: vec![1; 20].into(),
    }
}

/// `ProcessProposal` of `txs` at `height`.
pub fn process(height: i64, txs: &[Vec<u8>]) -> pb::RequestProcessProposal {
    pb::RequestProcessProposal {
        txs: txs.iter().cloned().map(Into::into).collect(),
        proposed_last_commit: Some(pb::CommitInfo::default()),
        misbehavior: Vec::new(),
        hash: vec![7; 32].into(),
        height,
        time: time(block_ms(height)),
        next_validators_hash: vec![0; 32].into(),
        proposer_address: vec![1; 20].into(),
    }
}

/// `FinalizeBlock` of `txs` at `height`.
pub fn finalize(height: i64, txs: &[Vec<u8>]) -> pb::RequestFinalizeBlock {
    pb::RequestFinalizeBlock {
        txs: txs.iter().cloned().map(Into::into).collect(),
        decided_last_commit: Some(pb::CommitInfo::default()),
        misbehavior: Vec::new(),
        hash: vec![7; 32].into(),
        height,
        time: time(block_ms(height)),
        next_validators_hash: vec![0; 32].into(),
        proposer_address: vec![1; 20].into(),
    }
}

/// `CheckTx` of `tx`, new.
pub fn check(tx: &[u8]) -> pb::RequestCheckTx {
    pb::RequestCheckTx {
        tx: tx.to_vec().into(),
        r#type: pb::CheckTxType::New as i32,
    }
}

/// `CheckTx` of `tx`, recheck.
pub fn recheck(tx: &[u8]) -> pb::RequestCheckTx {
    pb::RequestCheckTx {
        tx: tx.to_vec().into(),
        r#type: pb::CheckTxType::Recheck as i32,
    }
}

/// `Query` of `path` at the tip.
pub fn query(path: &str) -> pb::RequestQuery {
    pb::RequestQuery {
        data: Default::default(),
        path: path.into(),
        height: 0,
        prove: false,
    }
}

/// `Info`.
pub fn info_req() -> pb::RequestInfo {
    pb::RequestInfo {
        version: "0.38.25".into(),
        block_version: 11,
        p2p_version: 8,
        abci_version: "2.0.0".into(),
    }
}

/// Runs one whole height on every client as the mock consensus: `PrepareProposal`
/// on the first (the proposer), `ProcessProposal` on all (all must accept),
/// `FinalizeBlock` and `Commit` on all. Returns the block's transactions and the app
/// hash every instance agreed on.
pub fn run_height(clients: &mut [&mut Mock], height: i64) -> (Vec<Vec<u8>>, Vec<u8>) {
    let txs: Vec<Vec<u8>> = clients[0]
        .prepare_proposal(prepare(height, Vec::new()))
        .unwrap()
        .txs
        .into_iter()
        .map(|t| t.to_vec())
        .collect();
    for c in clients.iter_mut() {
        let r = c.process_proposal(process(height, &txs)).unwrap();
        assert_eq!(
            r.status,
            pb::response_process_proposal::ProposalStatus::Accept as i32
        );
    }
    let mut hashes = Vec::new();
    for c in clients.iter_mut() {
        let r = c.finalize_block(finalize(height, &txs)).unwrap();
        assert_eq!(r.tx_results.len(), txs.len());
        assert!(
            r.tx_results.iter().all(|t| t.code == 0),
            "{:?}",
            r.tx_results
        );
        hashes.push(r.app_hash.to_vec());
        c.commit().unwrap();
    }
    assert!(hashes.windows(2).all(|w| w[0] == w[1]), "app hashes differ");
    (txs, hashes.remove(0))
}

/// A mock consensus's connection: the `tendermint-abci` client, and beside it
/// `PrepareProposal` and `ProcessProposal`, which that client (0.40) lacks, sent on a
/// second connection in the same framing (unsigned varint length, protobuf).
pub struct Mock {
    client: Client,
    proposals: TcpStream,
}

impl Deref for Mock {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl DerefMut for Mock {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

impl Mock {
    /// `PrepareProposal`.
    pub fn prepare_proposal(
        &mut self,
        req: pb::RequestPrepareProposal,
    ) -> Result<pb::ResponsePrepareProposal, String> {
        match self.perform(pb::request::Value::PrepareProposal(req))? {
            pb::response::Value::PrepareProposal(r) => Ok(r),
            other => Err(format!("unexpected response {other:?}")),
        }
    }

    /// `ProcessProposal`.
    pub fn process_proposal(
        &mut self,
        req: pb::RequestProcessProposal,
    ) -> Result<pb::ResponseProcessProposal, String> {
        match self.perform(pb::request::Value::ProcessProposal(req))? {
            pb::response::Value::ProcessProposal(r) => Ok(r),
            other => Err(format!("unexpected response {other:?}")),
        }
    }

    fn perform(&mut self, value: pb::request::Value) -> Result<pb::response::Value, String> {
        use prost::Message;
        let req = pb::Request { value: Some(value) };
        let mut buf = Vec::new();
        prost::encoding::encode_varint(req.encoded_len() as u64, &mut buf);
        req.encode(&mut buf).map_err(|e| e.to_string())?;
        self.proposals.write_all(&buf).map_err(|e| e.to_string())?;
        read_response(&mut self.proposals)
    }
}

/// One response from the application: its length as a varint, then the message.
pub fn read_response(from: &mut impl Read) -> Result<pb::response::Value, String> {
    use prost::Message;
    let mut len = 0u64;
    for shift in (0..64).step_by(7) {
        let mut byte = [0u8];
        from.read_exact(&mut byte)
            .map_err(|e| format!("connection closed: {e}"))?;
        len |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] & 0x80 == 0 {
            break;
        }
    }
    let mut body = vec![0u8; len as usize];
    from.read_exact(&mut body)
        .map_err(|e| format!("connection closed: {e}"))?;
    pb::Response::decode(body.as_slice())
        .map_err(|e| e.to_string())?
        .value
        .ok_or_else(|| "empty response".into())
}

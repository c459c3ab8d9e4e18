//! A real CometBFT 0.38 network on loopback: four validators, each a `cometbft`
//! process and a `zkvm-node abci` process with its own store, set up by the scripts
//! of `deploy/cometbft/`. Payments go in through CometBFT's RPC
//! (`broadcast_tx_sync`) and land in blocks with the same app hash on every
//! instance; a killed validator does not stop the others and catches up when
//! restarted; an application killed in the middle of a height is replayed by
//! CometBFT's handshake; a fifth node joins by state sync.
//!
//! Needs `cometbft` (v0.38) on PATH, in ~/go/bin or in $COMETBFT; `.ci/run` installs
//! it. Every child process is killed when the test ends; on failure the directory
//! with every log is kept and its path printed.

mod common;

use serde_json::Value;
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zkvm::Tx;

const VALIDATORS: usize = 4;
const OUTPUTS: u64 = 160;
/// The whole test must end well within this.
const BUDGET: Duration = Duration::from_secs(240);

fn cometbft() -> PathBuf {
    if let Ok(path) = std::env::var("COMETBFT") {
        return path.into();
    }
    if let Some(found) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("cometbft"))
            .find(|p| p.is_file())
    }) {
        return found;
    }
    let home = PathBuf::from(std::env::var("HOME").unwrap_or_default()).join("go/bin/cometbft");
    assert!(
        home.is_file(),
        "this test needs CometBFT 0.38: go install github.com/cometbft/cometbft/cmd/cometbft@v0.38.25 (Go 1.22 or later), or set COMETBFT"
    );
    home
}

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/cometbft")
}

/// The network's directory and processes: every process is killed on drop, and on
/// a failure the directory is kept.
struct Net {
    dir: Option<tempfile::TempDir>,
    base: u16,
    apps: HashMap<usize, Child>,
    nodes: HashMap<usize, Child>,
    started: Instant,
}

impl Drop for Net {
    fn drop(&mut self) {
        for (_, mut child) in self.apps.drain().chain(self.nodes.drain()) {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            if let Some(dir) = self.dir.take() {
                let kept = dir.keep();
                eprintln!(
                    "network test failed; logs kept in {}/node*/{{app,cometbft}}.log",
                    kept.display()
                );
            }
        }
    }
}

impl Net {
    fn path(&self) -> &Path {
        self.dir.as_ref().unwrap().path()
    }

    fn home(&self, i: usize) -> PathBuf {
        self.path().join(format!("node{i}"))
    }

    fn script(&self, name: &str, args: &[String]) {
        let out = Command::new("bash")
            .arg(scripts().join(name))
            .args(args)
            .env("COMETBFT", cometbft())
            .env("ZKVM_NODE", common::BIN)
            .env("COMETBFT_LOG_LEVEL", "info")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn log(&self, i: usize, name: &str) -> Stdio {
        File::options()
            .create(true)
            .append(true)
            .open(self.home(i).join(name))
            .unwrap()
            .into()
    }

    fn start_app(&mut self, i: usize) {
        let port = self.base as usize + 10 * i + 2;
        let child = Command::new(common::BIN)
            .args(["abci", "--data-dir"])
            .arg(self.home(i).join("app"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "info")
            .stdout(self.log(i, "app.log"))
            .stderr(self.log(i, "app.log"))
            .spawn()
            .unwrap();
        self.apps.insert(i, child);
        // CometBFT gives up if the application is not there when it starts.
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port as u16)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "app {i} does not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn start_node(&mut self, i: usize) {
        let child = Command::new(cometbft())
            .args(["start", "--home"])
            .arg(self.home(i))
            .stdout(self.log(i, "cometbft.log"))
            .stderr(self.log(i, "cometbft.log"))
            .spawn()
            .unwrap();
        self.nodes.insert(i, child);
    }

    fn start(&mut self, i: usize) {
        self.start_app(i);
        self.start_node(i);
    }

    fn kill_app(&mut self, i: usize) {
        if let Some(mut c) = self.apps.remove(&i) {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    fn kill_node(&mut self, i: usize) {
        if let Some(mut c) = self.nodes.remove(&i) {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// GET of CometBFT's RPC `path` on node `i`: the `result`, if it answered one.
    fn get(&self, i: usize, path: &str) -> Option<Value> {
        use std::io::{Read, Write};
        let addr = ("127.0.0.1", (self.base as usize + 10 * i + 1) as u16);
        let mut s = std::net::TcpStream::connect(addr).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(s, "GET /{path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        let body = text.split_once("\r\n\r\n")?.1;
        let v: Value = serde_json::from_str(body).ok()?;
        v.get("result").cloned()
    }

    fn height(&self, i: usize) -> u64 {
        self.get(i, "status")
            .and_then(|s| s["sync_info"]["latest_block_height"].as_str()?.parse().ok())
            .unwrap_or(0)
    }

    /// The first block node `i` holds (after a state sync, the one after its snapshot).
    fn earliest(&self, i: usize) -> u64 {
        self.get(i, "status")
            .and_then(|s| {
                s["sync_info"]["earliest_block_height"]
                    .as_str()?
                    .parse()
                    .ok()
            })
            .unwrap_or(0)
    }

    fn wait(&self, what: &str, mut done: impl FnMut(&Net) -> bool) {
        while !done(self) {
            assert!(
                self.started.elapsed() < BUDGET,
                "out of time waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_height(&self, nodes: &[usize], height: u64) {
        self.wait(&format!("height {height} on {nodes:?}"), |n| {
            nodes.iter().all(|&i| n.height(i) >= height)
        });
    }

    /// The app hash after CometBFT's block `height` as node `i` reports it (the
    /// header of block `height + 1` carries it).
    fn app_hash(&self, i: usize, height: u64) -> String {
        let block = self
            .get(i, &format!("block?height={}", height + 1))
            .unwrap_or_else(|| panic!("no block {} on node {i}", height + 1));
        block["block"]["header"]["app_hash"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Submits a transaction through node `i`'s RPC; CheckTx must accept it.
    fn broadcast(&self, i: usize, tx: &[u8]) {
        let r = self
            .get(i, &format!("broadcast_tx_sync?tx=0x{}", hex::encode(tx)))
            .expect("broadcast_tx_sync answers");
        assert_eq!(r["code"], 0, "CheckTx refused: {r}");
    }

    /// Whether node `i`'s application holds the mined transaction `id`.
    fn mined(&self, i: usize, id: &str) -> bool {
        self.query(i, &format!("/tx/{id}")) == Some(0)
    }

    fn query(&self, i: usize, path: &str) -> Option<u64> {
        let r = self.get(i, &format!("abci_query?path=%22{path}%22"))?;
        r["response"]["code"].as_u64()
    }
}

/// Payments spending funding outputs `range`, with their IDs and output IDs.
fn payments(net: &Net, range: std::ops::Range<u64>) -> Vec<(Vec<u8>, String, Vec<String>)> {
    let funding = common::funding_key(&net.path().join("genesis"));
    let gens = common::gens();
    common::payments(&funding, range)
        .into_iter()
        .map(|tx: Tx| {
            let v = zkvm::Verifier::verify_tx(&tx, &gens).unwrap();
            let outs = v.log.outputs().map(|o| o.id().to_string()).collect();
            (tx.to_bytes(), v.id.to_string(), outs)
        })
        .collect()
}

#[test]
fn four_validators_agree_survive_a_crash_and_a_new_node_syncs_its_state() {
    let started = Instant::now();
    let base = 27_000 + (std::process::id() % 200) as u16 * 50;
    let mut net = Net {
        dir: Some(
            tempfile::Builder::new()
                .prefix("abci-net")
                .tempdir()
                .unwrap(),
        ),
        base,
        apps: HashMap::new(),
        nodes: HashMap::new(),
        started,
    };
    let out = net.path().display().to_string();
    net.script(
        "testnet.sh",
        &[
            out.clone(),
            VALIDATORS.to_string(),
            base.to_string(),
            OUTPUTS.to_string(),
        ],
    );
    for i in 0..VALIDATORS {
        net.start(i);
    }
    let all: Vec<usize> = (0..VALIDATORS).collect();
    net.wait_height(&all, 2);
    eprintln!("network up in {:.1} s", started.elapsed().as_secs_f64());

    // Throughput: a burst of payments, proved beforehand, spread over the four RPCs.
    let burst = payments(&net, 0..96);
    let submitted = Instant::now();
    let mut latencies = Vec::new();
    let mut pending: Vec<(usize, Instant)> = Vec::new();
    for (k, (tx, _, _)) in burst.iter().enumerate() {
        net.broadcast(k % VALIDATORS, tx);
        pending.push((k, Instant::now()));
    }
    let submit_took = submitted.elapsed();
    while !pending.is_empty() {
        assert!(net.started.elapsed() < BUDGET, "payments not mined in time");
        pending.retain(|(k, at)| {
            if net.mined(0, &burst[*k].1) {
                latencies.push(at.elapsed());
                false
            } else {
                true
            }
        });
        std::thread::sleep(Duration::from_millis(50));
    }
    let total = submitted.elapsed();
    latencies.sort();
    eprintln!(
        "{} payments through 4 validators: submitted in {:.2} s, all committed after {:.2} s: {:.1} payments/s; submission to commit: median {:.2} s, max {:.2} s",
        burst.len(),
        submit_took.as_secs_f64(),
        total.as_secs_f64(),
        burst.len() as f64 / total.as_secs_f64(),
        latencies[latencies.len() / 2].as_secs_f64(),
        latencies.last().unwrap().as_secs_f64()
    );

    // Every instance: the same app hash at every height so far, every payment and
    // every output of it.
    let h = (0..VALIDATORS).map(|i| net.height(i)).min().unwrap();
    net.wait_height(&all, h + 1);
    for height in 1..=h {
        let hashes: Vec<String> = all.iter().map(|&i| net.app_hash(i, height)).collect();
        assert!(
            hashes.windows(2).all(|w| w[0] == w[1]),
            "height {height}: {hashes:?}"
        );
    }
    for i in 0..VALIDATORS {
        for (_, id, outs) in &burst {
            assert!(net.mined(i, id), "node {i} lacks {id}");
            for o in outs {
                assert_eq!(
                    net.query(i, &format!("/utxo/{o}")),
                    Some(0),
                    "node {i} output {o}"
                );
            }
        }
    }

    // One validator down (f = 1): the other three go on, payments still land.
    net.kill_node(3);
    net.kill_app(3);
    let h = net.height(0);
    let more = payments(&net, 96..104);
    for (tx, _, _) in &more {
        net.broadcast(0, tx);
    }
    net.wait_height(&[0, 1, 2], h + 3);
    net.wait("payments with a validator down", |n| {
        more.iter().all(|(_, id, _)| n.mined(1, id))
    });
    // Restarted, it catches up and agrees.
    net.start(3);
    let h = net.height(0);
    net.wait_height(&[3], h);
    net.wait("node 3 to hold every payment", |n| {
        more.iter().all(|(_, id, _)| n.mined(3, id))
    });
    assert_eq!(net.app_hash(3, h - 1), net.app_hash(0, h - 1));

    eprintln!(
        "validator 3 killed, restarted, caught up: {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // An application killed in the middle of a height (while the others put the late
    // payments in blocks): CometBFT stops with it; both restarted, the handshake
    // replays what the app missed.
    let late = payments(&net, 104..108);
    for (tx, _, _) in &late {
        net.broadcast(0, tx);
    }
    net.kill_app(2);
    std::thread::sleep(Duration::from_millis(300));
    net.kill_node(2);
    let h = net.height(0);
    net.wait_height(&[0, 1, 3], h + 2);
    net.start(2);
    let h = net.height(0);
    net.wait_height(&[2], h);
    net.wait("node 2 to hold the late payments", |n| {
        late.iter()
            .all(|(_, id, _)| n.mined(2, id) && n.mined(0, id))
    });
    assert_eq!(net.app_hash(2, h - 1), net.app_hash(1, h - 1));

    eprintln!(
        "app 2 killed mid-height, replayed: {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // A fifth node joins by state sync, trusting a recent block of node 0.
    let trust = net.height(0) - 1;
    let commit = net.get(0, &format!("commit?height={trust}")).unwrap();
    let trust_hash = commit["signed_header"]["commit"]["block_id"]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    net.script(
        "add-node.sh",
        &[
            out.clone(),
            "4".into(),
            trust.to_string(),
            trust_hash,
            base.to_string(),
        ],
    );
    net.start(4);
    // State sync may pick a snapshot newer than the chain's height when the node
    // started; the node holds no block before it, so compare at a height it has.
    net.wait("node 4 to sync", |n| n.height(4) > 0);
    let h = net.height(0).max(net.earliest(4));
    net.wait_height(&[0, 4], h + 1);
    assert_eq!(net.app_hash(4, h), net.app_hash(0, h));
    // It has no history before its snapshot: it was restored, not replayed.
    assert_ne!(net.query(4, &format!("/tx/{}", burst[0].1)), Some(0));
    let log = std::fs::read_to_string(net.home(4).join("app.log")).unwrap();
    assert!(log.contains("state restored from a snapshot"), "{log}");
    eprintln!(
        "whole network test: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

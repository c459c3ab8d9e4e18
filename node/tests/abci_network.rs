//! A real CometBFT 0.38 network on loopback: four validators, each a `cometbft`
//! process and a `zkvm-node abci --api` process with its own store, made by
//! `zkvm_node::abci::testnet` (what `zkvm-node abci testnet` runs). Wallets pay,
//! issue and pay the issued asset through the validators' HTTP APIs, and every
//! validator's API shows the same balances and history; payments sent to CometBFT's
//! RPC land in blocks with the same app hash on every instance; a killed validator
//! does not stop the others and catches up when restarted; an application killed in
//! the middle of a height is replayed by CometBFT's handshake; a fifth node joins by
//! state sync and then serves the API to a wallet.
//!
//! Needs `cometbft` (v0.38) on PATH, in ~/go/bin or in $COMETBFT; `.ci/run` installs
//! it. Every child process is killed when the test ends; on failure the directory
//! with every log is kept and its path printed.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;
use zkvm::Tx;
use zkvm_node::abci::app_state::{GenesisSpec, GenesisWallet};
use zkvm_node::abci::localnet;
use zkvm_node::abci::testnet::{self, Layout, Network, TestnetSpec};

const VALIDATORS: usize = 4;
const OUTPUTS: u64 = 160;
/// The whole test must end well within this.
const BUDGET: Duration = Duration::from_secs(300);

/// The network and its directory: on a failure the directory is kept.
struct Net {
    net: Network,
    dir: Option<tempfile::TempDir>,
    started: Instant,
}

impl Drop for Net {
    fn drop(&mut self) {
        self.net.stop_all();
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
        self.net.out()
    }

    /// GET of CometBFT's RPC `path` on node `i`: the `result`, if it answered one.
    fn get(&self, i: usize, path: &str) -> Option<Value> {
        use std::io::{Read, Write};
        let p = self.net.ports(i);
        let mut s = std::net::TcpStream::connect((p.host, p.rpc)).ok()?;
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

    fn api(&self, i: usize) -> String {
        self.net.ports(i).api_url()
    }

    /// `zkvm-node wallet SUB NAME EXTRA` against node `i`'s API, on the genesis
    /// directory's wallets.
    fn wallet(&self, i: usize, sub: &str, name: &str, extra: &[&str]) -> Result<String, String> {
        wallet(sub, name, extra, &self.path().join("genesis"), &self.api(i))
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

fn flavor_of(issued: &str) -> String {
    issued
        .lines()
        .find_map(|l| l.strip_prefix("flavor "))
        .expect("issue prints the flavor")
        .trim()
        .to_string()
}

const ZERO: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[test]
fn four_validators_serve_wallets_agree_survive_a_crash_and_a_new_node_syncs_its_state() {
    let started = Instant::now();
    let base = localnet::free_base_port(VALIDATORS + 1).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::Builder::new()
        .prefix("abci-net")
        .tempdir()
        .unwrap();
    let cometbft = testnet::find_cometbft().unwrap_or_else(|e| panic!("{e}"));
    let layout = Layout::loopback(base);
    let spec = TestnetSpec {
        validators: VALIDATORS,
        genesis: GenesisSpec {
            outputs: OUTPUTS,
            wallet: Some(GenesisWallet {
                name: "alice".into(),
                passphrase: Zeroizing::new(PASS.as_bytes().to_vec()),
                outputs: 4,
            }),
            ..GenesisSpec::default()
        },
        ..TestnetSpec::default()
    };
    testnet::generate(&cometbft, dir.path(), &layout, &spec).unwrap();
    let mut net = Net {
        net: Network::new(dir.path(), layout, cometbft.clone(), BIN.into()),
        dir: Some(dir),
        started,
    };
    for i in 0..VALIDATORS {
        net.net.start(i).unwrap();
    }
    let all: Vec<usize> = (0..VALIDATORS).collect();
    net.wait_height(&all, 2);
    eprintln!("network up in {:.1} s", started.elapsed().as_secs_f64());

    // Wallets over the validators' APIs: alice (funded by the genesis) pays bob,
    // issues gold and pays bob some of it, each command through another validator.
    let created = net.wallet(0, "create", "bob", &[]).unwrap();
    let bob = created
        .lines()
        .find_map(|l| l.strip_prefix("address "))
        .unwrap()
        .trim()
        .to_string();
    net.wallet(1, "pay", "alice", &["--to", &bob, "--amount", "1500"])
        .unwrap();
    let issued = net
        .wallet(
            2,
            "issue",
            "alice",
            &["--metadata", "gold", "--amount", "500"],
        )
        .unwrap();
    let gold = flavor_of(&issued);
    let wait_for = |name: &str, flavor: &str, qty: u64, i: usize| {
        net.wait(&format!("{name} to hold {qty} of {flavor}"), |n| {
            let b = n.wallet(i, "balance", name, &[]).unwrap();
            confirmed(&b, flavor) == qty
        })
    };
    wait_for("alice", &gold, 500, 3);
    net.wallet(
        3,
        "pay",
        "alice",
        &["--to", &bob, "--amount", "200", "--flavor", &gold],
    )
    .unwrap();
    wait_for("bob", &gold, 200, 0);
    // Every validator's API shows the same balances and history.
    let mut views = Vec::new();
    for i in 0..VALIDATORS {
        let a = net.wallet(i, "balance", "alice", &[]).unwrap();
        let b = net.wallet(i, "balance", "bob", &[]).unwrap();
        assert_eq!(confirmed(&b, ZERO), 1500, "node {i}: {b}");
        assert_eq!(confirmed(&b, &gold), 200, "node {i}: {b}");
        assert_eq!(confirmed(&a, &gold), 300, "node {i}: {a}");
        let spent = 4 * 1_000_000 - confirmed(&a, ZERO);
        assert!(
            spent > 1500 && spent < 1500 + 5_000,
            "alice spent {spent} (1500 and fees)"
        );
        let history = net.wallet(i, "history", "bob", &[]).unwrap();
        assert_eq!(
            history.matches("received").count(),
            2,
            "node {i}: {history}"
        );
        // The heading names the height the wallet synced to; the chain moves on.
        let table = |t: &str| t.lines().skip(1).collect::<Vec<_>>().join("\n");
        views.push((table(&a), table(&b)));
    }
    assert!(views.windows(2).all(|w| w[0] == w[1]), "{views:?}");
    let history = net.wallet(0, "history", "alice", &[]).unwrap();
    assert_eq!(history.matches("mined").count(), 3, "{history}");
    eprintln!(
        "wallets paid, issued and paid the asset: {:.1} s",
        started.elapsed().as_secs_f64()
    );

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
    net.net.kill_cometbft(3);
    net.net.kill_app(3);
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
    net.net.start(3).unwrap();
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
    net.net.kill_app(2);
    std::thread::sleep(Duration::from_millis(300));
    net.net.kill_cometbft(2);
    let h = net.height(0);
    net.wait_height(&[0, 1, 3], h + 2);
    net.net.start(2).unwrap();
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
    testnet::add_node(
        &cometbft,
        net.path(),
        &Layout::loopback(base),
        4,
        (trust, &trust_hash),
        &TestnetSpec::default(),
    )
    .unwrap();
    net.net.start(4).unwrap();
    // State sync may pick a snapshot newer than the chain's height when the node
    // started; the node holds no block before it, so compare at a height it has.
    net.wait("node 4 to sync", |n| n.height(4) > 0);
    let h = net.height(0).max(net.earliest(4));
    net.wait_height(&[0, 4], h + 1);
    assert_eq!(net.app_hash(4, h), net.app_hash(0, h));
    // It has no history before its snapshot: it was restored, not replayed.
    assert_ne!(net.query(4, &format!("/tx/{}", burst[0].1)), Some(0));
    let log = std::fs::read_to_string(net.net.home(4).join("app.log")).unwrap();
    assert!(log.contains("state restored from a snapshot"), "{log}");
    // It serves wallets whose tip is after its snapshot, and new wallets start at
    // its tip; one that would replay the chain from the genesis is told why it
    // cannot here.
    net.wallet(0, "balance", "bob", &[]).unwrap();
    let carol = net.wallet(4, "create", "carol", &[]).unwrap();
    assert!(carol.contains("created wallet carol at height"), "{carol}");
    let dave = net
        .wallet(4, "create", "dave", &["--from-height", "1"])
        .unwrap_err();
    assert!(dave.contains("joined the network by state sync"), "{dave}");
    net.wallet(4, "pay", "bob", &["--to", &bob, "--amount", "1"])
        .unwrap();
    net.wait("bob's payment to himself through node 4", |n| {
        n.wallet(4, "history", "bob", &[])
            .is_ok_and(|h| h.matches("mined").count() == 1)
    });
    eprintln!(
        "whole network test: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

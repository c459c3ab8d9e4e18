//! Four validators on four simulated machines: each validator (its `cometbft` and
//! its `zkvm-node abci --api`) runs in its own Linux network namespace, made by
//! `netns_support`, at `10.X.0.{1..4}`, where every packet it sends is delayed 50 ms
//! ± 10 ms and 0.5 % are lost. The test, in the root namespace at `10.X.0.254`,
//! reaches every node's API and RPC directly on its namespace address (what the test
//! sends is not delayed; the answers are).
//!
//! It pays through the four APIs and measures throughput and submission-to-commit
//! latency, cuts validator 3 off for 30 s while paying through the other three,
//! heals the cut, waits for validator 3 to catch up and pays through all four again.
//! Then every payment must be in exactly one block of every node, every node must
//! hold the same blocks, and every node's CometBFT must record the same app hash at
//! every height, the one its application's block ID says.
//!
//! Needs root, `ip` and `tc` (iproute2), and `cometbft` v0.38; `./test.sh`
//! installs the tools. Without them it fails saying what to do.

mod common;
mod netns_support;

use netns_support::Hosts;
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zkvm_node::abci::app_state::GenesisSpec;
use zkvm_node::abci::testnet::{self, Layout, Network, TestnetSpec};

const VALIDATORS: usize = 4;
/// The validator cut off.
const CUT: usize = 3;
const CUT_FOR: Duration = Duration::from_secs(30);
/// Payments before the cut (the throughput figure), during it, after it.
const BEFORE: u64 = 80;
const DURING: u64 = 36;
const AFTER: u64 = 16;
/// The whole test must end well within this.
const BUDGET: Duration = Duration::from_secs(420);

/// The network, its hosts and its directory: on a failure the directory is kept.
/// Fields drop in order: the processes stop before their namespaces go.
struct Net {
    net: Network,
    hosts: Hosts,
    dir: Option<tempfile::TempDir>,
    started: Instant,
    clients: Vec<Api>,
}

impl Drop for Net {
    fn drop(&mut self) {
        self.net.stop_all();
        if std::thread::panicking() {
            if let Some(dir) = self.dir.take() {
                eprintln!(
                    "namespace network test failed; logs kept in {}/node*/{{app,cometbft}}.log",
                    dir.keep().display()
                );
            }
        }
    }
}

/// A payment submitted: its ID and when it was sent.
struct Sent {
    id: String,
    at: Instant,
}

impl Net {
    fn check_time(&self, what: &str) {
        assert!(
            self.started.elapsed() < BUDGET,
            "out of time ({} s) waiting for {what}",
            BUDGET.as_secs()
        );
    }

    /// Our chain's height at node `i` (CometBFT's height + 1), 0 if it does not answer.
    async fn height(&self, i: usize) -> u64 {
        match tokio::time::timeout(Duration::from_secs(3), status(&self.clients[i])).await {
            Ok(Some(h)) => h,
            _ => 0,
        }
    }

    /// Node `i`'s height, asked again when a request goes unanswered (a packet lost
    /// on the emulated links can hold one past its timeout; `height` then says 0,
    /// which a running node never is: its genesis is height 1).
    async fn live_height(&self, i: usize) -> u64 {
        for _ in 0..5 {
            let h = self.height(i).await;
            if h > 0 {
                return h;
            }
        }
        panic!("node {i}'s API did not answer its status five times in a row");
    }

    async fn wait_height(&self, nodes: &[usize], height: u64) {
        loop {
            let mut lowest = u64::MAX;
            for &i in nodes {
                lowest = lowest.min(self.height(i).await);
            }
            if lowest >= height {
                return;
            }
            self.check_time(&format!("height {height} on nodes {nodes:?}"));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Submits `txs` through the APIs of `nodes`, round-robin, one task per node,
    /// each pausing `gap` after each of its submissions.
    async fn submit(&self, nodes: &[usize], txs: Vec<Vec<u8>>, gap: Duration) -> Vec<Sent> {
        let mut tasks = tokio::task::JoinSet::new();
        for (k, &node) in nodes.iter().enumerate() {
            let client = self.clients[node].clone();
            let mine: Vec<Vec<u8>> = txs.iter().skip(k).step_by(nodes.len()).cloned().collect();
            tasks.spawn(async move {
                let mut sent = Vec::new();
                for tx in mine {
                    let at = Instant::now();
                    let (code, body) = client.submit(&tx).await.expect("the API answers");
                    assert_eq!(code, 200, "node {node} refused a payment: {body}");
                    let id = body["id"].as_str().expect("an ID").to_string();
                    sent.push(Sent { id, at });
                    tokio::time::sleep(gap).await;
                }
                sent
            });
        }
        let mut all = Vec::new();
        while let Some(sent) = tasks.join_next().await {
            all.extend(sent.expect("a submitting task"));
        }
        all
    }

    /// The shortest of three TCP connections from the test to node `i`'s API: its
    /// answer (the SYN-ACK) leaves the host, so it waits the host's delay.
    async fn connect_time(&self, i: usize) -> Duration {
        let p = self.net.ports(i);
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let at = Instant::now();
            tokio::net::TcpStream::connect((p.host, p.api))
                .await
                .unwrap_or_else(|e| panic!("node {i}'s API: {e}"));
            best = best.min(at.elapsed());
        }
        best
    }

    /// Waits until the watcher saw every payment of `sent` committed.
    async fn wait_committed(&self, sent: &[Sent], watcher: &Watcher) {
        loop {
            let missing = watcher.missing(sent);
            if missing == 0 {
                return;
            }
            self.check_time(&format!("{missing} payments to be committed"));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Node `i`'s blocks of our heights `2..=top`: for each, its ID and its
    /// transactions' IDs.
    async fn blocks(&self, i: usize, top: u64) -> Vec<(String, Vec<String>)> {
        let mut blocks = Vec::new();
        let heights: Vec<u64> = (2..=top).collect();
        // A few at once: the API limits the connections of one client.
        for chunk in heights.chunks(16) {
            let mut tasks = tokio::task::JoinSet::new();
            for &h in chunk {
                let client = self.clients[i].clone();
                tasks.spawn(async move { (h, client.get(&format!("/v1/blocks/{h}")).await) });
            }
            let mut got = Vec::new();
            while let Some(r) = tasks.join_next().await {
                let (h, answer) = r.expect("a block request");
                let (code, block) =
                    answer.unwrap_or_else(|| panic!("node {i} block {h}: no answer"));
                assert_eq!(code, 200, "node {i} block {h}: {block}");
                got.push((h, block));
            }
            got.sort_by_key(|(h, _)| *h);
            blocks.extend(got.into_iter().map(|(_, b)| {
                let txs = b["txs"].as_array().expect("txs").iter();
                let ids = txs.map(|t| t.as_str().expect("an ID").to_string());
                (b["id"].as_str().expect("an ID").to_string(), ids.collect())
            }));
        }
        blocks
    }

    /// The app hashes node `i`'s CometBFT records in the headers of its blocks
    /// `2..=top` (CometBFT's heights), lower-case.
    async fn app_hashes(&self, i: usize, top: u64) -> Vec<String> {
        let p = self.net.ports(i);
        let rpc = Api::new(&p.rpc_url());
        let mut hashes = Vec::new();
        let mut from = 2;
        while from <= top {
            let to = (from + 19).min(top);
            let (code, r) = rpc
                .get(&format!("/blockchain?minHeight={from}&maxHeight={to}"))
                .await
                .unwrap_or_else(|| panic!("node {i}'s RPC does not answer"));
            assert_eq!(code, 200, "node {i} /blockchain: {r}");
            let metas = r["result"]["block_metas"].as_array().expect("block_metas");
            // Newest first.
            for meta in metas.iter().rev() {
                let hash = meta["header"]["app_hash"].as_str().expect("app_hash");
                hashes.push(hash.to_lowercase());
            }
            from = to + 1;
        }
        assert_eq!(hashes.len() as u64, top - 1, "node {i}: headers 2..={top}");
        hashes
    }
}

/// An HTTP client of one node's API or RPC, answering `None` when the node does not.
#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    url: String,
}

impl Api {
    fn new(url: &str) -> Api {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client");
        Api {
            http,
            url: url.to_string(),
        }
    }

    /// GET `path`: the status and the JSON body.
    async fn get(&self, path: &str) -> Option<(u16, Value)> {
        let r = self.http.get(format!("{}{path}", self.url)).send().await;
        answer(r).await
    }

    /// Submits an encoded transaction.
    async fn submit(&self, tx: &[u8]) -> Option<(u16, Value)> {
        let body = serde_json::json!({ "hex": hex::encode(tx) });
        let r = self
            .http
            .post(format!("{}/v1/txs", self.url))
            .json(&body)
            .send()
            .await;
        answer(r).await
    }
}

async fn answer(r: reqwest::Result<reqwest::Response>) -> Option<(u16, Value)> {
    let r = r.ok()?;
    let code = r.status().as_u16();
    Some((code, r.json().await.ok()?))
}

/// The height in a node's `/v1/status`.
async fn status(client: &Api) -> Option<u64> {
    let (code, body) = client.get("/v1/status").await?;
    body["height"].as_u64().filter(|_| code == 200)
}

/// Watches node 0's blocks and notes when each transaction was first seen committed.
struct Watcher {
    committed: Arc<Mutex<HashMap<String, Instant>>>,
    stop: Arc<AtomicBool>,
}

impl Watcher {
    fn start(client: Api) -> Watcher {
        let committed = Arc::new(Mutex::new(HashMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, stopped) = (committed.clone(), stop.clone());
        tokio::spawn(async move {
            let mut done = 1;
            while !stopped.load(Ordering::SeqCst) {
                let tip = status(&client).await.unwrap_or(done);
                for h in done + 1..=tip {
                    let Some((200, block)) = client.get(&format!("/v1/blocks/{h}")).await else {
                        break;
                    };
                    let now = Instant::now();
                    let mut seen = seen.lock().unwrap();
                    for id in block["txs"].as_array().into_iter().flatten() {
                        seen.entry(id.as_str().unwrap_or("").to_string())
                            .or_insert(now);
                    }
                    done = h;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        Watcher { committed, stop }
    }

    /// How many of `sent` it has not seen committed.
    fn missing(&self, sent: &[Sent]) -> usize {
        let committed = self.committed.lock().unwrap();
        sent.iter()
            .filter(|s| !committed.contains_key(&s.id))
            .count()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Payments per second from the first submission to the last commit, and the
/// submission-to-commit latencies sorted.
fn figures(sent: &[Sent], watcher: &Watcher) -> (f64, Vec<Duration>) {
    let committed = watcher.committed.lock().unwrap();
    let first = sent.iter().map(|s| s.at).min().expect("payments");
    let last = sent
        .iter()
        .map(|s| committed[&s.id])
        .max()
        .expect("payments");
    let mut latencies: Vec<Duration> = sent.iter().map(|s| committed[&s.id] - s.at).collect();
    latencies.sort();
    (sent.len() as f64 / (last - first).as_secs_f64(), latencies)
}

/// The CPU, for the figures: its model and whether it has AVX2 and AVX-512 IFMA.
fn cpu() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        info.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let flags = field("flags");
    let has = |flag: &str| {
        let yes = flags.split_whitespace().any(|f| f == flag);
        format!("{flag} {}", if yes { "yes" } else { "no" })
    };
    format!(
        "CPU {}, {} cores, {}, {}",
        field("model name"),
        info.lines().filter(|l| l.starts_with("processor")).count(),
        has("avx2"),
        has("avx512ifma")
    )
}

fn percentile(sorted: &[Duration], p: usize) -> f64 {
    let i = (sorted.len() * p).div_ceil(100).max(1) - 1;
    sorted[i].as_secs_f64()
}

/// Payments spending funding outputs `range`, encoded.
fn payments(dir: &std::path::Path, range: std::ops::Range<u64>) -> Vec<Vec<u8>> {
    let funding = common::funding_key(&dir.join("genesis"));
    common::payments(&funding, range)
        .iter()
        .map(zkvm::Tx::to_bytes)
        .collect()
}

#[test]
fn four_validators_in_namespaces_with_netem_survive_a_cut_and_agree() {
    let started = Instant::now();
    let hosts = Hosts::create(VALIDATORS);
    eprintln!("hosts: {}", hosts.shaping());
    let dir = tempfile::Builder::new()
        .prefix("abci-netns")
        .tempdir()
        .unwrap();
    let cometbft = testnet::find_cometbft().unwrap_or_else(|e| panic!("{e}"));
    let addresses: Vec<IpAddr> = (0..VALIDATORS)
        .map(|i| IpAddr::V4(hosts.address(i)))
        .collect();
    let layout = Layout::hosts(26_656, addresses);
    let spec = TestnetSpec {
        validators: VALIDATORS,
        genesis: GenesisSpec {
            outputs: BEFORE + DURING + AFTER,
            ..GenesisSpec::default()
        },
        ..TestnetSpec::default()
    };
    testnet::generate(&cometbft, dir.path(), &layout, &spec).unwrap();
    let mut net = Network::new(dir.path(), layout, cometbft, common::BIN.into());
    for i in 0..VALIDATORS {
        net.wrap(i, hosts.wrap(i));
    }
    let clients = (0..VALIDATORS)
        .map(|i| Api::new(&net.ports(i).api_url()))
        .collect();
    let mut net = Net {
        net,
        hosts,
        dir: Some(dir),
        started,
        clients,
    };
    for i in 0..VALIDATORS {
        net.net.start(i).unwrap();
    }
    let txs = payments(net.net.out(), 0..BEFORE + DURING + AFTER);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(scenario(&net, txs));
}

async fn scenario(net: &Net, mut txs: Vec<Vec<u8>>) {
    let all: Vec<usize> = (0..VALIDATORS).collect();
    net.wait_height(&all, 3).await;
    eprintln!(
        "network up, payments proved: {:.1} s",
        net.started.elapsed().as_secs_f64()
    );
    // The shaping is in force.
    let mut rtts = Vec::new();
    for i in 0..VALIDATORS {
        let rtt = net.connect_time(i).await;
        assert!(
            rtt >= Duration::from_millis(35),
            "a connection to node {i} took {rtt:?}: its packets are not delayed"
        );
        rtts.push(format!("{:.0} ms", rtt.as_secs_f64() * 1e3));
    }
    eprintln!("TCP connections to the four APIs: {}", rtts.join(", "));
    let watcher = Watcher::start(net.clients[0].clone());

    // Throughput: a burst through the four APIs.
    let after = txs.split_off((BEFORE + DURING) as usize);
    let during = txs.split_off(BEFORE as usize);
    let before = net.submit(&all, txs, Duration::ZERO).await;
    net.wait_committed(&before, &watcher).await;
    let (rate, latencies) = figures(&before, &watcher);
    eprintln!(
        "{BEFORE} payments through 4 APIs: {rate:.1} payments/s committed; submission to commit p50 {:.2} s, p99 {:.2} s ({})",
        percentile(&latencies, 50),
        percentile(&latencies, 99),
        cpu(),
    );

    // Validator 3 cut off for 30 s; payments go on through the other three.
    let cut_at = Instant::now();
    let cut_height = net.live_height(0).await;
    net.hosts.cut(CUT);
    let others: Vec<usize> = (0..VALIDATORS).filter(|&i| i != CUT).collect();
    let gap = CUT_FOR.mul_f64(0.7) / (DURING as u32 / others.len() as u32);
    let sent_during = net.submit(&others, during, gap).await;
    net.wait_committed(&sent_during, &watcher).await;
    let (rate_during, latencies_during) = figures(&sent_during, &watcher);
    assert_eq!(net.height(CUT).await, 0, "the cut validator still answers");
    tokio::time::sleep(CUT_FOR.saturating_sub(cut_at.elapsed())).await;
    let progressed = net.live_height(0).await.saturating_sub(cut_height);
    assert!(progressed >= 5, "only {progressed} blocks during the cut");
    eprintln!(
        "validator {CUT} cut off for {} s: {progressed} blocks, {DURING} payments paced through 3 APIs ({rate_during:.1} payments/s), p50 {:.2} s, p99 {:.2} s",
        CUT_FOR.as_secs(),
        percentile(&latencies_during, 50),
        percentile(&latencies_during, 99),
    );

    // Healed, it catches up to the others' height.
    net.hosts.heal(CUT);
    let healed = Instant::now();
    let target = net.live_height(0).await;
    net.wait_height(&[CUT], 1).await;
    let stale = net.live_height(CUT).await;
    assert!(
        stale < target,
        "validator {CUT} was at height {stale}, not behind the others' {target}: was it cut off?"
    );
    net.wait_height(&[CUT], target).await;
    eprintln!(
        "validator {CUT}, healed at height {stale}, caught up to height {target} in {:.1} s",
        healed.elapsed().as_secs_f64()
    );
    let sent_after = net.submit(&all, after, Duration::ZERO).await;
    net.wait_committed(&sent_after, &watcher).await;
    drop(watcher);

    let sent: Vec<Sent> = [before, sent_during, sent_after]
        .into_iter()
        .flatten()
        .collect();
    check_agreement(net, sent).await;
    eprintln!(
        "whole namespace network test: {:.1} s",
        net.started.elapsed().as_secs_f64()
    );
}

/// Every payment in exactly one block, the same blocks on every node, and the same
/// app hash at every height in every CometBFT, equal to the application's block ID.
async fn check_agreement(net: &Net, sent: Vec<Sent>) {
    let all: Vec<usize> = (0..VALIDATORS).collect();
    // Node 0 holds every payment by now (the watcher saw them there). CometBFT's
    // block `top` (our `top + 1`) carries the app hash after our `top`.
    let top = net.live_height(0).await;
    net.wait_height(&all, top + 1).await;
    let reference = net.blocks(0, top).await;
    let mut count: HashMap<&str, usize> = HashMap::new();
    for id in reference.iter().flat_map(|(_, txs)| txs) {
        *count.entry(id).or_default() += 1;
    }
    for s in &sent {
        assert_eq!(count.get(s.id.as_str()), Some(&1), "payment {}", s.id);
    }
    assert_eq!(count.len(), sent.len(), "blocks hold other transactions");
    for &i in &all {
        if i > 0 {
            assert!(
                net.blocks(i, top).await == reference,
                "node {i}'s blocks differ from node 0's"
            );
        }
        let hashes = net.app_hashes(i, top).await;
        for (k, (id, _)) in reference.iter().enumerate() {
            assert_eq!(&hashes[k], id, "node {i}: app hash in block {}", k + 2);
        }
    }
    eprintln!(
        "{} payments each in exactly one of {} blocks, the same on {VALIDATORS} nodes; app hashes equal at every height",
        sent.len(),
        top - 1
    );
}

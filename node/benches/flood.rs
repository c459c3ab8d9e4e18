//! `flood`: a node process flooded with the worst invalid transactions from 8 clients
//! while an honest client pays. Prints, for each flood, the honest payment's
//! submit-to-admit time (median of sequential payments) against the idle figure, and
//! the CPU the flood costs the node as a share of one core (its CPU time in the
//! flood's window, less its idle rate). Also prints what one flood transaction costs
//! in each admission step (decode and scan, VM, multiscalar multiplication), the
//! measurement behind the order of the checks (`spec/node.md`).
//!
//! Floods: `unknown-input` (the case: a payment with a false signature
//! spending an output that does not exist, refused by the scan before the VM) and
//! `existing-input` (a false signature spending an unspent output: it passes every
//! cheap check and fails only in the point check, the worst a client can send). Each
//! flood client (127.0.0.2 to .9) keeps 4 requests in flight and ignores
//! `Retry-After`; the honest client is 127.0.0.10.
//!
//! `cargo bench -p zkvm-node --bench flood` (about two minutes).

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: u8 = 8;
const IN_FLIGHT: usize = 4;
const HONEST: usize = 12;
const WARMUP: Duration = Duration::from_secs(3);
const WINDOW: Duration = Duration::from_secs(12);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    println!("{}", machine());
    let dir = devnet(3 * HONEST as u64 + 8);
    let funding = funding_key(dir.path());
    let honest = payments(&funding, 0..3 * HONEST as u64);
    let spare = 3 * HONEST as u64;
    let unknown = forged(&payment(&funding, 10_000, &gens()));
    let existing = forged(&payment(&funding, spare, &gens()));
    steps(&existing);

    let node = producer(dir.path(), 1_000);
    let pid = node.child.id();
    let http = client(10);
    let idle_cpu = cpu_rate(pid, Duration::from_secs(5)).await;
    let idle = honest_latency(&http, &node.url, &honest[..HONEST]).await;
    println!(
        "idle: honest submit-to-admit median {:.1} ms; node CPU {:.1} % of a core",
        ms(idle),
        idle_cpu * 100.0
    );
    for (name, tx, payments) in [
        ("unknown-input", &unknown, &honest[HONEST..2 * HONEST]),
        ("existing-input", &existing, &honest[2 * HONEST..]),
    ] {
        let flood = Flood::start(&node.url, tx.clone());
        tokio::time::sleep(WARMUP).await;
        let before = flood.counts();
        let cpu = tokio::spawn(cpu_rate(pid, WINDOW));
        let latency = honest_latency(&http, &node.url, payments).await;
        let flood_cpu = cpu.await.unwrap() - idle_cpu;
        let after = flood.counts();
        flood.stop().await;
        println!(
            "flood/{name}: honest median {:.1} ms = {:.2}× idle (goal ≤ 1.5×); flood CPU {:.1} % of one core (goal ≤ 25 %); in the window {} refused 400, {} refused 429, {} other",
            ms(latency),
            ms(latency) / ms(idle),
            flood_cpu * 100.0,
            after[0] - before[0],
            after[1] - before[1],
            after[2] - before[2],
        );
    }
}

/// A payment with its signature's scalar changed: it runs, then fails the point
/// check.
fn forged(tx: &zkvm::Tx) -> Vec<u8> {
    let mut bytes = tx.to_bytes();
    let s_at = bytes.len() - tx.proof.serialized_size() - 4 - 32;
    bytes[s_at] ^= 1;
    bytes
}

/// What each admission step costs for `bytes`, median of 50 runs on one thread.
fn steps(bytes: &[u8]) {
    let gens = zkvm::Generators::new(zkvm::GENERATOR_CAPACITY);
    let median = |f: &mut dyn FnMut()| {
        let mut times: Vec<Duration> = (0..50)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect();
        times.sort();
        times[25]
    };
    let tx = zkvm::Tx::from_bytes(bytes).unwrap();
    let scan = median(&mut || {
        let tx = zkvm::Tx::from_bytes(bytes).unwrap();
        zkvm_node::engine::claimed_inputs(&tx).unwrap();
    });
    let vm = median(&mut || {
        let mut batch = batch::BatchVerifier::new(&gens, rand_core::OsRng);
        zkvm::Verifier::verify_tx_batched(&tx, &mut batch).unwrap();
    });
    let both = median(&mut || {
        let mut batch = batch::BatchVerifier::new(&gens, rand_core::OsRng);
        zkvm::Verifier::verify_tx_batched(&tx, &mut batch).unwrap();
        assert!(batch.verify().is_err());
    });
    let msm = both.saturating_sub(vm);
    println!(
        "steps of one {}-byte forged payment: decode and scan {:.3} ms, VM {:.3} ms, multiscalar multiplication {:.3} ms",
        bytes.len(),
        ms(scan),
        ms(vm),
        ms(msm)
    );
}

/// An HTTP client whose connections come from 127.0.0.`last`.
fn client(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .unwrap()
}

/// The median time from submitting each payment, one after another, to its answer
/// (every one must be admitted).
async fn honest_latency(http: &reqwest::Client, url: &str, txs: &[zkvm::Tx]) -> Duration {
    let mut times = Vec::new();
    for tx in txs {
        let body = serde_json::json!({ "hex": hex::encode(tx.to_bytes()) });
        let start = Instant::now();
        let r = http
            .post(format!("{url}/v1/txs"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        times.push(start.elapsed());
        assert_eq!(status, 200, "the honest payment was refused: {text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    times.sort();
    times[times.len() / 2]
}

/// The node's CPU time over `window`, as a share of one core.
async fn cpu_rate(pid: u32, window: Duration) -> f64 {
    let start = (cpu_ticks(pid), Instant::now());
    tokio::time::sleep(window).await;
    let ticks = cpu_ticks(pid) - start.0;
    ticks as f64 / clock_ticks() as f64 / start.1.elapsed().as_secs_f64()
}

/// User and system time of a process, in clock ticks (`/proc/PID/stat`).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of the line; the name (field 2) is skipped.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn clock_ticks() -> u64 {
    let out = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU", |l| l.trim_start_matches([' ', '\t', ':']));
    let flags = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .unwrap_or("");
    let has = |f: &str| flags.split_whitespace().any(|x| x == f);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "{model}, {cores} cores, AVX2 {}, AVX-512 IFMA {}, load average {}",
        if has("avx2") { "yes" } else { "no" },
        if has("avx512ifma") { "yes" } else { "no" },
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Eight clients sending `tx` with 4 requests in flight each, ignoring
/// `Retry-After`; counts 400s, 429s and other answers.
struct Flood {
    stop: Arc<AtomicBool>,
    counts: Arc<[AtomicU64; 3]>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Flood {
    fn start(url: &str, tx: Vec<u8>) -> Flood {
        let stop = Arc::new(AtomicBool::new(false));
        let counts: Arc<[AtomicU64; 3]> = Arc::new(Default::default());
        let body = serde_json::to_vec(&serde_json::json!({ "hex": hex::encode(tx) })).unwrap();
        let mut tasks = Vec::new();
        for c in 0..CLIENTS {
            let http = client(2 + c);
            for _ in 0..IN_FLIGHT {
                let (http, stop, counts) = (http.clone(), stop.clone(), counts.clone());
                let (url, body) = (format!("{url}/v1/txs"), body.clone());
                tasks.push(tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let sent = http
                            .post(&url)
                            .header("content-type", "application/json")
                            .body(body.clone())
                            .send()
                            .await;
                        let slot = match sent.as_ref().map(|r| r.status().as_u16()) {
                            Ok(400) => 0,
                            Ok(429) => 1,
                            _ => 2,
                        };
                        if let Ok(r) = sent {
                            let _ = r.bytes().await;
                        }
                        counts[slot].fetch_add(1, Ordering::Relaxed);
                    }
                }));
            }
        }
        Flood {
            stop,
            counts,
            tasks,
        }
    }

    fn counts(&self) -> [u64; 3] {
        [0, 1, 2].map(|i| self.counts[i].load(Ordering::Relaxed))
    }

    async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

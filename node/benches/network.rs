//! `network`: the throughput of four CometBFT validators on this machine.
//!
//! The genesis funds a known key with many outputs; pre-proved 2-in/2-out payments
//! spending them (cached in the target directory, so only the first run proves them)
//! are offered at a steady rate through the four validators' HTTP APIs in turn, for
//! a window of 60 s. Printed: payments committed per second in the window,
//! submission-to-commit latency (p50, p99), the validators' admission time per
//! payment beside `Verifier::verify_tx` of the same payments (timed by this process
//! during the window, so under the same load, and once on the idle machine before
//! the network starts), each process's CPU
//! share of one core, the CPU time of the applications and of CometBFT per payment
//! committed in the window, and whether all validators hold the same app hash at the
//! end.
//!
//! `cargo bench -p zkvm-node --bench network` (first run: several minutes of
//! proving). Settings by environment: `BENCH_SECONDS` (window, 60), `BENCH_RATE`
//! (payments offered per second, 320), `BENCH_COMMIT_MS` (CometBFT's
//! `timeout_commit`, 100), `BENCH_VALIDATORS` (4), `BENCH_COMETBFT_LOG` (CometBFT's
//! log level, `error`), `BENCH_IN_FLIGHT` (submissions in flight at once, 96; the
//! clients come from 32 to a loopback address, 127.0.0.2 onwards, as a node lets
//! one address hold 64 connections),
//! `BENCH_KEEP` (keep the network's directory and logs; the
//! applications log at `RUST_LOG`, as set for this program).

mod support;

use curve25519_dalek::scalar::Scalar;
use encoding::{Reader, Writer};
use musig::SigningKey;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{clock_ticks, cpu_ticks, machine, ms, two_in_two_out};
use zkvm::{Tx, TxId, Verifier};
use zkvm_node::abci::app_state::GenesisSpec;
use zkvm_node::abci::localnet::{self, percentile, LocalNet};
use zkvm_node::abci::testnet::TestnetSpec;
use zkvm_node::client::Remote;

/// CometBFT's `timeout_commit` unless `BENCH_COMMIT_MS` says otherwise. With
/// admission and block application cheap, a short pause between blocks lowers the
/// latency a little (320/s offered for 60 s: p50 1.87 s, p99 2.83 s with 100 ms;
/// 1.96 s and 3.09 s with 500 ms) at the same throughput (238 and 239/s;
/// `spec/abci.md`).
const COMMIT_MS: u64 = 100;

/// Units in each funding output.
const QTY: u64 = 1_000_000;
/// The genesis time: fixed, so cached payments stay valid.
const GENESIS_MS: u64 = 1_780_000_000_000;
/// Submissions in flight at once (`BENCH_IN_FLIGHT`): as many clients, each
/// waiting for its answer before it sends again. With 64 the clients could not
/// offer all of 320/s once admission batched more (about 300/s went out).
const IN_FLIGHT: u64 = 96;
/// How long payments submitted in the window may take to commit.
const TAIL: Duration = Duration::from_secs(15);
/// The cache of proved payments.
const CACHE_MAGIC: &[u8] = b"zkvm-node bench payments v1";

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(bench());
}

/// The funding key: fixed, so cached payments stay valid.
fn funding_key() -> SigningKey {
    SigningKey::new(Scalar::from(0x5eed_u64))
}

/// Payment `i`: funding outputs `2i` and `2i + 1` into 1,000 to a new key and the
/// change back to the funding key.
fn payment(funding: &SigningKey, i: u64) -> Tx {
    two_in_two_out(funding, i, QTY)
}

/// `count` payments, from the cache where it holds them (checked by verifying its
/// first one), the rest proved now and added to it.
fn payments(funding: &SigningKey, count: usize) -> Vec<Tx> {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("network-payments.bin");
    let mut txs = read_cache(&path).unwrap_or_default();
    let gens = zkvm::network_generators();
    if txs
        .first()
        .is_some_and(|tx| Verifier::verify_tx(tx, gens).is_err())
    {
        println!("the cached payments no longer verify: proving them again");
        txs.clear();
    }
    if txs.len() < count {
        let start = Instant::now();
        let made = txs.len() as u64;
        println!(
            "proving {} payments (cached for later runs)…",
            count - txs.len()
        );
        let more: Vec<Tx> = (made..count as u64)
            .into_par_iter()
            .map(|i| payment(funding, i))
            .collect();
        txs.extend(more);
        write_cache(&path, &txs);
        println!("proved in {:.0} s", start.elapsed().as_secs_f64());
    }
    txs.truncate(count);
    txs
}

fn read_cache(path: &PathBuf) -> Option<Vec<Tx>> {
    let bytes = std::fs::read(path).ok()?;
    let parsed: Result<Vec<Tx>, Box<dyn std::error::Error>> = Reader::parse(&bytes, |r| {
        if r.read_bytes(CACHE_MAGIC.len())? != CACHE_MAGIC {
            return Err("not a cache of payments".into());
        }
        let n = r.read_u64()?;
        let mut txs = Vec::new();
        for _ in 0..n {
            txs.push(Tx::from_bytes(r.read_len_prefixed()?)?);
        }
        Ok(txs)
    });
    parsed.ok()
}

fn write_cache(path: &PathBuf, txs: &[Tx]) {
    let mut out = CACHE_MAGIC.to_vec();
    out.write_u64(txs.len() as u64);
    for tx in txs {
        out.write_len_prefixed(&tx.to_bytes());
    }
    std::fs::write(path, out).expect("the cache is written");
}

/// The median time of `Verifier::verify_tx` over `txs`, one at a time.
fn verify_time(txs: &[Tx]) -> Duration {
    let gens = zkvm::network_generators();
    let times: Vec<Duration> = txs
        .iter()
        .map(|tx| {
            let start = Instant::now();
            Verifier::verify_tx(tx, gens).expect("a valid payment");
            start.elapsed()
        })
        .collect();
    percentile(&times, 50.0)
}

/// The median time of `Verifier::verify_tx` taken every 250 ms on a thread of
/// this process until `stop`: one payment at a time, on the machine as loaded as the
/// validators' admission is, so the two compare like for like.
fn verify_time_loaded(
    txs: Arc<Vec<Tx>>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Duration> {
    std::thread::spawn(move || {
        let gens = zkvm::network_generators();
        let mut times = Vec::new();
        for tx in txs.iter().cycle().take(10_000) {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let start = Instant::now();
            Verifier::verify_tx(tx, gens).expect("a valid payment");
            times.push(start.elapsed());
            std::thread::sleep(Duration::from_millis(250));
        }
        percentile(&times, 50.0)
    })
}

/// What the stream saw: each committed payment's latency and commit time (from the
/// window's start), and the refusals.
#[derive(Default)]
struct Seen {
    sent: HashMap<TxId, Instant>,
    /// Committed before their submission was answered: when.
    early: HashMap<TxId, Instant>,
    committed: Vec<(Duration, Duration)>,
    refused: usize,
    first_refusal: Option<String>,
}

async fn bench() {
    println!("{}", machine());
    let seconds = setting("BENCH_SECONDS", 60);
    let rate = setting("BENCH_RATE", 320);
    let validators = setting("BENCH_VALIDATORS", 4) as usize;
    let window = Duration::from_secs(seconds);
    let count = (rate * seconds) as usize + 100;
    let funding = funding_key();
    let txs = payments(&funding, count);
    let verify = verify_time(&txs[..50.min(txs.len())]);

    let dir = tempfile::tempdir().expect("a temporary directory");
    if std::env::var_os("BENCH_KEEP").is_some() {
        println!("the network's directory (kept): {}", dir.path().display());
    }
    let spec = TestnetSpec {
        validators,
        genesis: GenesisSpec {
            outputs: 2 * count as u64,
            qty: QTY,
            timestamp_ms: Some(GENESIS_MS),
            funding: Some(funding),
            ..GenesisSpec::default()
        },
        timeout_commit: Duration::from_millis(setting("BENCH_COMMIT_MS", COMMIT_MS)),
        log_level: std::env::var("BENCH_COMETBFT_LOG").unwrap_or("error".into()),
    };
    let net = LocalNet::launch(
        dir.path(),
        localnet::free_base_port(validators + 1).expect("free ports for the network"),
        spec,
        env!("CARGO_BIN_EXE_zkvm-node").into(),
    )
    .expect("the network starts");
    for i in 0..validators {
        net.wait_ready(i, Duration::from_secs(300))
            .await
            .expect("every validator is ready");
    }
    let apis: Vec<Remote> = (0..validators)
        .map(|i| Remote::new(&net.api_url(i)).expect("an API URL"))
        .collect();
    let admission_before = admissions(&apis).await;
    let pids: Vec<(String, u32)> = (0..validators)
        .flat_map(|i| {
            let (app, cometbft) = net.pids(i);
            [
                (format!("node{i} zkvm-node"), app),
                (format!("node{i} cometbft"), cometbft),
            ]
        })
        .filter_map(|(name, pid)| Some((name, pid?)))
        .chain([("bench client".to_string(), std::process::id())])
        .collect();
    let ticks_before: Vec<u64> = pids.iter().map(|(_, pid)| cpu_ticks(*pid)).collect();

    println!(
        "{validators} validators (verification threads each: {}), {rate} payments/s offered for {seconds} s ({} in flight at most), timeout_commit {} ms",
        localnet::threads_each(validators),
        setting("BENCH_IN_FLIGHT", IN_FLIGHT),
        setting("BENCH_COMMIT_MS", COMMIT_MS)
    );
    let seen = Arc::new(Mutex::new(Seen::default()));
    let start = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let txs = Arc::new(txs);
    let submitters: Vec<_> = (0..setting("BENCH_IN_FLIGHT", IN_FLIGHT))
        .map(|k| {
            // Clients come from 127.0.0.2, .3, ...: 32 to an address, within the
            // connections a node lets one address hold.
            let from = std::net::Ipv4Addr::new(127, 0, 0, 2 + (k / 32).min(250) as u8);
            let apis: Vec<Remote> = (0..validators)
                .map(|i| Remote::from_address(&net.api_url(i), from.into()).expect("an API URL"))
                .collect();
            let (next, txs, seen) = (next.clone(), txs.clone(), seen.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
                    // The window ends on time even when admission falls behind.
                    if i >= txs.len() || due > start + window || start.elapsed() > window {
                        return;
                    }
                    tokio::time::sleep_until(due.into()).await;
                    let sent_at = Instant::now();
                    let result = apis[i % apis.len()].submit(&txs[i].to_bytes()).await;
                    let mut seen = seen.lock().unwrap();
                    match result {
                        Ok(id) => {
                            seen.sent.insert(id, sent_at);
                            if let Some(at) = seen.early.remove(&id) {
                                seen.committed.push((at - sent_at, at - start));
                            }
                        }
                        Err(e) => {
                            seen.refused += 1;
                            seen.first_refusal.get_or_insert(e.to_string());
                        }
                    }
                }
            })
        })
        .collect();
    let observer = tokio::spawn(observe(net.api_url(0), seen.clone(), start, window + TAIL));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = verify_time_loaded(txs.clone(), stop.clone());
    for s in submitters {
        s.await.expect("a submitter");
    }
    stop.store(true, Ordering::Relaxed);
    let verify_loaded = sampler.join().expect("the verify_tx sampler");
    let cpu_window = start.elapsed();
    let ticks_after: Vec<u64> = pids.iter().map(|(_, pid)| cpu_ticks(*pid)).collect();
    let admission_after = admissions(&apis).await;
    observer.await.expect("the observer");
    let agreement = net
        .agreement(
            &(0..validators).collect::<Vec<_>>(),
            Duration::from_secs(30),
        )
        .await
        .expect("every validator reaches the same height");

    let seen = seen.lock().unwrap();
    let in_window = seen
        .committed
        .iter()
        .filter(|(_, at)| *at <= window)
        .count();
    let latencies: Vec<Duration> = seen.committed.iter().map(|(l, _)| *l).collect();
    let (checked, batches, time_us) = admission_after
        .iter()
        .zip(&admission_before)
        .fold((0, 0, 0), |(c, n, t), (a, b)| {
            (c + a.0 - b.0, n + a.1 - b.1, t + a.2 - b.2)
        });
    let check = Duration::from_micros(time_us / checked.max(1));
    println!(
        "submitted {} payments, refused {}",
        seen.sent.len(),
        seen.refused
    );
    if let Some(e) = &seen.first_refusal {
        println!("  first refusal: {e}");
    }
    println!(
        "committed {} in the window, {} within {} s after it",
        in_window,
        seen.committed.len() - in_window,
        TAIL.as_secs()
    );
    println!(
        "throughput: {:.1} payments/s committed (goal ≥ 300)",
        in_window as f64 / window.as_secs_f64()
    );
    println!(
        "submission to commit: p50 {:.2} s (goal ≤ 1.5), p99 {:.2} s (goal ≤ 3)",
        percentile(&latencies, 50.0).as_secs_f64(),
        percentile(&latencies, 99.0).as_secs_f64()
    );
    println!(
        "admission (CheckTx) per payment: {:.2} ms over {checked} checks in {batches} batches (mean {:.1}); \
         verify_tx under the same load {:.2} ms (ratio {:.2}, goal ≤ 1.2), on the idle machine before {:.2} ms",
        ms(check),
        checked as f64 / batches.max(1) as f64,
        ms(verify_loaded),
        check.as_secs_f64() / verify_loaded.as_secs_f64(),
        ms(verify),
    );
    println!(
        "CPU over {:.0} s, share of one core:",
        cpu_window.as_secs_f64()
    );
    let hz = clock_ticks() as f64;
    let mut total = 0.0;
    // CPU seconds of the applications and of CometBFT.
    let (mut apps, mut cometbft) = (0.0, 0.0);
    for (((name, _), before), after) in pids.iter().zip(&ticks_before).zip(&ticks_after) {
        let seconds = (after - before) as f64 / hz;
        let share = seconds / cpu_window.as_secs_f64();
        total += share;
        if name.ends_with("zkvm-node") {
            apps += seconds;
        } else if name.ends_with("cometbft") {
            cometbft += seconds;
        }
        println!("  {name:<18} {:5.1} %", share * 100.0);
    }
    println!("  {:<18} {:5.1} %", "all", total * 100.0);
    // Less sensitive to other load on the machine than the rate: the work itself.
    let committed = in_window.max(1) as f64;
    println!(
        "CPU per committed payment: {:.2} ms in the applications, {:.2} ms in CometBFT (all validators)",
        apps * 1e3 / committed,
        cometbft * 1e3 / committed
    );
    println!(
        "app hash at height {}: {}",
        agreement.height,
        if agreement.agree() {
            "the same on every validator"
        } else {
            "DIFFERENT"
        }
    );
    assert!(agreement.agree(), "{agreement:?}");
    drop(net);
    if std::env::var_os("BENCH_KEEP").is_some() {
        let _ = dir.keep();
    }
}

/// Each validator's admission counters: (checked, batches, microseconds).
async fn admissions(apis: &[Remote]) -> Vec<(u64, u64, u64)> {
    let mut all = Vec::new();
    for api in apis {
        let s = api.status().await.expect("a status");
        let a = &s.admission;
        all.push((a.checked, a.batches, a.time_us));
    }
    all
}

/// Polls node 0's blocks until `until` has passed since `start`, recording when
/// each sent payment is committed.
async fn observe(api: String, seen: Arc<Mutex<Seen>>, start: Instant, until: Duration) {
    let http = reqwest::Client::new();
    let mut height = Remote::new(&api)
        .expect("an API URL")
        .status()
        .await
        .expect("a status")
        .height;
    while start.elapsed() < until {
        let url = format!("{api}/v1/blocks/{}", height + 1);
        let Ok(response) = http.get(&url).send().await else {
            continue;
        };
        if !response.status().is_success() {
            let waiting = {
                let seen = seen.lock().unwrap();
                seen.sent.len() > seen.committed.len()
            };
            if !waiting && start.elapsed() > until.saturating_sub(TAIL) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let block: serde_json::Value = response.json().await.expect("a block's JSON");
        let now = Instant::now();
        let mut seen = seen.lock().unwrap();
        for id in block["txs"].as_array().into_iter().flatten() {
            let Some(id) = id.as_str().and_then(|h| hex::decode(h).ok()) else {
                continue;
            };
            let Ok(id) = <[u8; 32]>::try_from(id) else {
                continue;
            };
            match seen.sent.get(&TxId(id)) {
                Some(sent_at) => {
                    let latency = now - *sent_at;
                    seen.committed.push((latency, now - start));
                }
                None => {
                    seen.early.insert(TxId(id), now);
                }
            }
        }
        height += 1;
    }
}

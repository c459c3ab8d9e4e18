//! `light_sync`: a wallet syncing 1,000 blocks over the HTTP API on loopback, in full
//! (every block fetched and validated) and light (compact blocks, checked). Prints
//! for each the bytes downloaded, the seconds and the blocks per second.
//!
//! The chain: a devnet whose genesis funds up to 64 paying wallets, then `BLOCKS` blocks of
//! `LIGHT_SYNC_PAYMENTS` (default 4) payments each from those wallets to the syncing
//! wallet's address (a note each, one output to the syncing wallet and change), made
//! in this process through the node's engine and producer. Then a node serves it and
//! two copies of the syncing wallet sync from its genesis.
//!
//! `cargo bench -p zkvm-node --bench light_sync` (a few minutes, most of it making
//! the chain; with `LIGHT_SYNC_PAYMENTS=256` about 45 minutes on two cores, 37 of
//! them proving). Progress goes to standard error every 100 blocks.

use std::time::Instant;
use zkvm::FeeRate;
use zkvm_node::client::Remote;
use zkvm_node::devnet::{self, DevnetConfig, PRODUCER_KEY_FILE};
use zkvm_node::engine::{Engine, EngineConfig};
use zkvm_node::genesis::Consensus;
use zkvm_node::producer::BlockProducer;
use zkvm_node::wallets::{generators, LocalWallet, ACCOUNT, NETWORK};

const BLOCKS: u64 = 1_000;

fn main() {
    let payments: u64 = std::env::var("LIGHT_SYNC_PAYMENTS")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(4);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("node");
    let started = Instant::now();
    let (initial, receiver) = make_chain(&dir, payments);
    println!(
        "made {BLOCKS} blocks of {payments} payments in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    runtime.block_on(async {
        let node = zkvm_node::server::start_node(dir.clone(), None, 3_600_000)
            .await
            .unwrap();
        let remote = Remote::new(&node.addr.to_string()).unwrap();
        let gens = generators();

        let mut full = copy_of(&receiver, &initial);
        let started = Instant::now();
        let blocks = full.sync(&remote, gens).await.unwrap();
        let full_time = started.elapsed().as_secs_f64();
        let full_bytes = full_page_bytes(&remote, BLOCKS).await;

        let mut light = copy_of(&receiver, &initial);
        let started = Instant::now();
        let sync = light.sync_light(&remote, gens).await.unwrap();
        let light_time = started.elapsed().as_secs_f64();

        assert_eq!(blocks, BLOCKS);
        assert_eq!(sync.blocks, BLOCKS);
        assert_eq!(full.balances(), light.balances());
        report("full", full_bytes, full_time);
        report("light", sync.bytes, light_time);
        println!(
            "light / full: {:.1} % of the bytes, {:.1} % of the time",
            100.0 * sync.bytes as f64 / full_bytes as f64,
            100.0 * light_time / full_time
        );
        node.stop().await.unwrap();
    });
}

fn report(how: &str, bytes: usize, seconds: f64) {
    println!(
        "{how:>5}: {BLOCKS} blocks, {:.2} MB downloaded, {seconds:.2} s, {:.0} blocks/s",
        bytes as f64 / 1e6,
        BLOCKS as f64 / seconds
    );
}

/// Paying wallets: each holds `BLOCKS * payments / PAYERS` outputs, since a
/// wallet's coin selection looks at every output it holds.
const PAYERS: u64 = 64;

/// Makes the chain in `dir`; returns its initial state and the receiving wallet.
/// The paying wallets are shared out among the cores, each proving its wallets'
/// share of every block on its own thread (proving is most of the time this takes).
fn make_chain(dir: &std::path::Path, payments: u64) -> (blockchain::ChainState, LocalWallet) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let payers_count = PAYERS.min(payments).max(1);
    let mut payers: Vec<wallet::Wallet> = (0..payers_count)
        .map(|_| wallet::Wallet::new(keytree::Xprv::random(&mut rand::thread_rng()), NETWORK))
        .collect();
    let config = DevnetConfig {
        funding_outputs: 1,
        funding_qty: 1_000_000,
    };
    let per_payer = (BLOCKS * payments).div_ceil(payers_count);
    let (_, initial) = {
        let mut refs: Vec<&mut wallet::Wallet> = payers.iter_mut().collect();
        devnet::init_with_wallets(dir, &config, &mut refs, per_payer).unwrap()
    };
    let receiver = LocalWallet::new(&initial, Consensus::Devnet);
    let to = receiver.wallet.address(ACCOUNT).unwrap();
    let key = zkvm_node::keys::read_secret(dir, PRODUCER_KEY_FILE)
        .unwrap()
        .unwrap();
    let engine = std::sync::Arc::new(Engine::open(dir, EngineConfig::default()).unwrap());
    let producer = BlockProducer::new(engine.clone(), key, 8 << 20).unwrap();
    let gens = engine.generators();
    let per_thread = payers.len().div_ceil(cores);
    for block in 0..BLOCKS {
        // Each payer makes an equal share; the first ones one more for the rest.
        let share =
            |i: usize| payments / payers_count + u64::from((i as u64) < payments % payers_count);
        let txs: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let threads: Vec<_> = payers
                .chunks_mut(per_thread)
                .enumerate()
                .map(|(t, group)| {
                    scope.spawn(move || {
                        let first = t * per_thread;
                        group
                            .iter_mut()
                            .enumerate()
                            .flat_map(|(k, payer)| pay(payer, to, share(first + k), gens))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            threads
                .into_iter()
                .flat_map(|t| t.join().unwrap())
                .collect()
        });
        for admitted in engine.admit(txs) {
            admitted.unwrap();
        }
        producer.produce().unwrap();
        if (block + 1) % 100 == 0 {
            eprintln!("made {} blocks", block + 1);
        }
    }
    (initial, receiver)
}

/// `count` payments of 1,000 units from `payer` to `to`, as submissions.
fn pay(
    payer: &mut wallet::Wallet,
    to: wallet::Address,
    count: u64,
    gens: &batch::Generators,
) -> Vec<Vec<u8>> {
    let mut rng = rand::thread_rng();
    (0..count)
        .map(|_| {
            // The node finds the inputs' proofs itself: the payer follows nothing.
            let plan = wallet::TxPlan::new(ACCOUNT)
                .pay(to, 1_000, curve25519_dalek::Scalar::ZERO)
                .fee_rate(FeeRate::new(1, 10))
                .lifetime(24 * 3_600_000);
            payer
                .send(&plan, gens, &mut rng)
                .unwrap()
                .block_tx
                .tx
                .to_bytes()
        })
        .collect()
}

/// A copy of `wallet` at the genesis.
fn copy_of(wallet: &LocalWallet, initial: &blockchain::ChainState) -> LocalWallet {
    let root = wallet.root().unwrap().clone();
    let mut copy = wallet::Wallet::new(root.clone(), NETWORK);
    copy.start(initial, Vec::new());
    LocalWallet::from_parts(root, copy, initial.clone(), Consensus::Devnet)
}

/// The bytes of the pages of `GET /v1/blocks` a full sync of `blocks` blocks reads.
async fn full_page_bytes(remote: &Remote, blocks: u64) -> usize {
    let client = reqwest::Client::new();
    let mut since = 1;
    let mut bytes = 0;
    while since <= blocks {
        let url = format!("{}/v1/blocks?since={since}&limit=50", remote.url());
        let page = client
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&page).unwrap();
        since += json["blocks"].as_array().unwrap().len() as u64;
        bytes += page.len();
    }
    bytes
}

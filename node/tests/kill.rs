//! A producer process killed with SIGKILL at random moments while it applies blocks
//! (every few milliseconds) and admits payments: each restart opens a consistent
//! store at its last committed block, no block seen committed is lost, and at the
//! end a replay of every stored block from the genesis, with full validation,
//! reaches the stored state with every payment mined exactly once.

mod common;

use batch::Generators;
use blockchain::ZkVm;
use common::*;
use rand::Rng;
use std::collections::HashMap;
use std::time::Duration;
use zkvm_node::store::Store;

const KILLS: usize = 24;

/// Opens the store of a killed node and checks it: the state loads (its forest
/// matches the tip header), the last two headers link, and stored proofs verify.
fn check_store(dir: &std::path::Path, funding: &zkvm::SigningKey) -> u64 {
    let store = Store::open(dir).expect("the store opens after a kill");
    let state = store.load_state().expect("a consistent state after a kill");
    let tip = state.tip().clone();
    assert_eq!(store.tip_height().unwrap(), tip.height);
    if tip.height > 1 {
        let prev = store.header(tip.height - 1).unwrap().unwrap();
        assert_eq!(tip.prev, prev.id());
    }
    assert!(store.header(tip.height + 1).unwrap().is_none());
    assert!(store.block(tip.height + 1).unwrap().is_none());
    for index in [60, 61] {
        let id = zkvm_node::devnet::funding_contract(funding, index, 1_000_000).id();
        let proof = store.utxo_proof(&id).unwrap().unwrap();
        assert_eq!(state.forest().verify(&id, &proof), Ok(()));
    }
    tip.height
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_block_application_loses_nothing_and_applies_nothing_twice() {
    let dir = devnet(64);
    let funding = funding_key(dir.path());
    let txs = payments(&funding, 0..2 * KILLS as u64);
    let mut ids: HashMap<usize, String> = HashMap::new();
    let mut committed = 1;
    let mut rng = rand::thread_rng();
    for round in 0..KILLS {
        let mut node = producer(dir.path(), 3);
        let api = Client::new(&node.url);
        let height = api.height().await;
        assert!(
            height >= committed,
            "block {committed} was lost: tip {height}"
        );
        for i in [2 * round, 2 * round + 1] {
            let (status, body) = api.submit(&txs[i].to_bytes()).await;
            assert_eq!(status, 200, "{body}");
            ids.insert(i, body["id"].as_str().unwrap().to_string());
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(20..250))).await;
        committed = api.height().await;
        node.child.kill().unwrap();
        node.child.wait().unwrap();
        let reopened = check_store(dir.path(), &funding);
        assert!(
            reopened >= committed,
            "block {committed} was lost: tip {reopened}"
        );
        committed = reopened;
    }

    // Payments admitted but not mined before a kill are submitted again.
    let node = producer(dir.path(), 3);
    let api = Client::new(&node.url);
    for (i, id) in &ids {
        if api.get(&format!("/v1/txs/{id}")).await.0 == 404 {
            let (status, body) = api.submit(&txs[*i].to_bytes()).await;
            assert!(status == 200 || message_says_mined(&body), "{body}");
        }
    }
    for id in ids.values() {
        let mut tries = 0;
        while api.get(&format!("/v1/txs/{id}")).await.0 != 200 {
            tries += 1;
            assert!(tries < 500, "payment {id} never mined");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    drop(node);

    // Replay every stored block from the genesis with full validation.
    let store = Store::open(dir.path()).unwrap();
    let stored = store.load_state().unwrap();
    let (mut state, _, _) = store.genesis().unwrap().start().unwrap();
    let gens = Generators::new(256);
    let mut mined: HashMap<String, u32> = HashMap::new();
    for height in 2..=stored.tip().height {
        let block = store.block(height).unwrap().unwrap();
        state.apply(&block, &gens, &ZkVm).unwrap();
        for id in store.block_txids(height).unwrap().unwrap() {
            *mined.entry(id.to_string()).or_default() += 1;
        }
    }
    assert_eq!(state, stored);
    assert_eq!(mined.len(), ids.len());
    assert!(mined.values().all(|&n| n == 1), "a payment was mined twice");
    for id in ids.values() {
        assert_eq!(mined.get(id), Some(&1));
    }
    println!(
        "{KILLS} kills, {} blocks, {} payments, replay matches the store",
        stored.tip().height,
        ids.len()
    );
}

/// A resubmission can race with a block that mines the first submission.
fn message_says_mined(body: &serde_json::Value) -> bool {
    let message = body["error"]["message"].as_str().unwrap_or("");
    message.contains("not an unspent output") || message.contains("already in the mempool")
}

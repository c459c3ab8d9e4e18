//! A full disk: a producer whose data directory is a small tmpfs that fills up. The
//! store's I/O error stops admission and production and shows in `/v1/status` with
//! its cause; nothing is admitted meanwhile; once space returns the node carries on
//! by itself, with nothing admitted before lost. Needs root for `mount -t tmpfs`.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// Polls the status until `done` holds, for at most `limit`.
async fn wait_status(
    api: &Client,
    limit: Duration,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let (status, body) = api.get("/v1/status").await;
        assert_eq!(status, 200, "{body}");
        if done(&body) {
            return body;
        }
        assert!(start.elapsed() < limit, "{what}: still {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn mined(api: &Client, id: &str) -> bool {
    api.get(&format!("/v1/txs/{id}")).await.0 == 200
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_stops_the_node_and_it_carries_on_when_space_returns() {
    let disk = Tmpfs::mount("24m");
    let dir = disk.path().join("data");
    zkvm_node::devnet::init(
        &dir,
        &zkvm_node::devnet::DevnetConfig {
            funding_outputs: 6,
            funding_qty: 1_000_000,
        },
    )
    .unwrap();
    let funding = funding_key(&dir);
    let gens = gens();
    let small = payments(&funding, 0..3);
    let big = payment_with_data(&funding, 3, 300_000, &gens);
    let node = producer(&dir, 300);
    let api = Client::new(&node.url);

    let (status, body) = api.submit(&small[0].to_bytes()).await;
    assert_eq!(status, 200, "{body}");
    let first = body["id"].as_str().unwrap().to_string();
    let filler = disk.fill();
    // A large admission needs new pages of the full disk: the store's write fails.
    let (status, body) = api.submit(&big.to_bytes()).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "storage_failing", "{body}");
    let failing = wait_status(&api, Duration::from_secs(10), "the fault shows", |s| {
        s["error"].is_string()
    })
    .await;
    let message = failing["error"].as_str().unwrap();
    assert!(
        message.contains("No space left on device") || message.contains("I/O error"),
        "{message}"
    );
    assert_eq!(failing["producing"], false);

    // Nothing is admitted and no block is made while the store fails.
    let height = failing["height"].as_u64().unwrap();
    let (status, body) = api.submit(&small[1].to_bytes()).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (503, &"storage_failing".into())
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (_, still) = api.get("/v1/status").await;
    assert_eq!(still["height"].as_u64().unwrap(), height, "{still}");
    assert!(still["error"].is_string());
    let (_, pool) = api.get("/v1/mempool").await;
    assert!(
        pool["txs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["id"] == first.as_str()),
        "only what came before the fault waits: {pool}"
    );

    // Space returns: the node reopens its store and goes on.
    std::fs::remove_file(filler).unwrap();
    wait_status(&api, Duration::from_secs(20), "the node recovers", |s| {
        s["error"].is_null() && s["producing"] == true && s["height"].as_u64() > Some(height)
    })
    .await;
    for tx in [&small[1], &big, &small[2]] {
        let (status, body) = api.submit(&tx.to_bytes()).await;
        assert_eq!(status, 200, "{body}");
    }
    let ids: Vec<String> = [&small[0], &small[1], &big, &small[2]]
        .iter()
        .map(|tx| zkvm::Verifier::verify_tx(tx, &gens).unwrap().id.to_string())
        .collect();
    assert_eq!(ids[0], first);
    let start = Instant::now();
    for id in &ids {
        while !mined(&api, id).await {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{id} never mined"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Every block is there, from the initial one to the tip.
    let tip = api.height().await;
    for h in 1..=tip {
        assert_eq!(
            api.get(&format!("/v1/blocks/{h}")).await.0,
            200,
            "block {h}"
        );
    }
}

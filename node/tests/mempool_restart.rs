//! The mempool across a SIGKILL: transactions the node answered with their ID were
//! written to its store before the answer, so a producer killed before mining them
//! mines them after its restart.

mod common;

use common::*;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admitted_transactions_survive_a_kill_and_are_mined_after_the_restart() {
    let dir = devnet(4);
    let funding = funding_key(dir.path());
    let txs = payments(&funding, 0..3);
    let mut ids = Vec::new();
    {
        // No block within the test's time: everything admitted still waits.
        let node = producer(dir.path(), 600_000);
        let api = Client::new(&node.url);
        for tx in &txs {
            let (status, body) = api.submit(&tx.to_bytes()).await;
            assert_eq!(status, 200, "{body}");
            ids.push(body["id"].as_str().unwrap().to_string());
        }
        assert_eq!(api.get("/v1/mempool").await.1["count"], 3);
        // Dropping the process handle kills it (SIGKILL).
    }
    let node = producer(dir.path(), 200);
    let api = Client::new(&node.url);
    let start = Instant::now();
    for id in &ids {
        while api.get(&format!("/v1/txs/{id}")).await.0 != 200 {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{id} never mined"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(api.get("/v1/mempool").await.1["count"], 0);
}

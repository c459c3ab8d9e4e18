//! Load: 1,000 distinct payments (and 50 forged ones) submitted over loopback by
//! several concurrent clients. Every valid payment is admitted and ends in exactly
//! one block, every forged one gets its 400; prints the sustained transactions per
//! second from the first submission to the last payment mined. Then a follower syncs
//! the chain, validating every block, and reaches the same tip and UTXO root; its
//! validation rate is printed too.

mod common;

use common::*;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const VALID: u64 = 1_000;
const FORGED: u64 = 50;
const CLIENTS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_payments_are_mined_once_each() {
    let dir = devnet(VALID + FORGED);
    let funding = funding_key(dir.path());
    let proving = Instant::now();
    let txs = payments(&funding, 0..VALID + FORGED);
    let proving = proving.elapsed();
    // Each submission: its bytes and whether it is valid. Forged ones have one
    // signature bit flipped and are spread among the valid ones.
    let mut work: Vec<(Vec<u8>, bool)> = txs
        .iter()
        .enumerate()
        .map(|(i, tx)| {
            let mut bytes = tx.to_bytes();
            let valid = (i as u64) < VALID;
            if !valid {
                let at = bytes.len() - tx.proof.serialized_size() - 4 - 64;
                bytes[at] ^= 1;
            }
            (bytes, valid)
        })
        .collect();
    let (valid_part, forged_part) = work.split_at(VALID as usize);
    let mut interleaved = Vec::new();
    let step = (VALID / FORGED) as usize;
    for (i, chunk) in valid_part.chunks(step).enumerate() {
        interleaved.extend_from_slice(chunk);
        if let Some(forged) = forged_part.get(i) {
            interleaved.push(forged.clone());
        }
    }
    work = interleaved;
    assert_eq!(work.len() as u64, VALID + FORGED);

    let node = producer(dir.path(), 250);
    let api = Client::new(&node.url);
    let start = Instant::now();
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let mine: Vec<(Vec<u8>, bool)> = work.iter().skip(c).step_by(CLIENTS).cloned().collect();
        let client = Client::new(&node.url);
        clients.push(tokio::spawn(async move {
            let mut admitted = Vec::new();
            for (bytes, valid) in mine {
                let (status, body) = client.submit(&bytes).await;
                if valid {
                    assert_eq!(status, 200, "a valid payment was refused: {body}");
                    admitted.push(body["id"].as_str().unwrap().to_string());
                } else {
                    assert_eq!(status, 400, "a forged payment was not refused: {body}");
                }
            }
            admitted
        }));
    }
    let mut admitted = Vec::new();
    for client in clients {
        admitted.extend(client.await.unwrap());
    }
    let submitted = start.elapsed();
    assert_eq!(admitted.len() as u64, VALID);

    // Wait until the mempool is empty, then find every payment in exactly one block.
    loop {
        let (_, pool) = api.get("/v1/mempool").await;
        if pool["count"] == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "payments never mined"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mined_at = start.elapsed();
    let tip = api.height().await;
    let mut mined: HashMap<String, u32> = HashMap::new();
    for height in 2..=tip {
        let (_, block) = api.get(&format!("/v1/blocks/{height}")).await;
        for id in block["txs"].as_array().unwrap() {
            *mined.entry(id.as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    assert_eq!(
        mined.len() as u64,
        VALID,
        "a payment was lost or a stranger mined"
    );
    for id in &admitted {
        assert_eq!(
            mined.get(id),
            Some(&1),
            "payment {id} not mined exactly once"
        );
    }
    let (_, status) = api.get("/v1/status").await;
    assert_eq!(status["utxos"], VALID + FORGED + VALID);

    let follower_dir = tempfile::tempdir().unwrap();
    let syncing = Instant::now();
    let follower = spawn(&[
        "--data-dir",
        follower_dir.path().join("f").to_str().unwrap(),
        "--follow",
        &node.url,
    ]);
    let follower_api = Client::new(&follower.url);
    follower_api
        .wait_height(tip, Duration::from_secs(120))
        .await;
    let synced = syncing.elapsed();
    let (_, ours) = follower_api.get(&format!("/v1/blocks/{tip}")).await;
    let (_, theirs) = api.get(&format!("/v1/blocks/{tip}")).await;
    assert_eq!(consensus_fields(ours), consensus_fields(theirs));
    let (_, follower_status) = follower_api.get("/v1/status").await;
    let (_, producer_block) = api
        .get(&format!("/v1/blocks/{}", follower_status["height"]))
        .await;
    assert_eq!(follower_status["utxoroot"], producer_block["utxoroot"]);

    println!(
        "load: {} payments + {} forged from {CLIENTS} clients; proving {:.1} s; all answered in {:.2} s ({:.0} tx/s admitted); all mined in {:.2} s: sustained {:.0} tx/s; a follower validated {tip} blocks in {:.2} s ({:.0} tx/s, start included)",
        VALID,
        FORGED,
        proving.as_secs_f64(),
        submitted.as_secs_f64(),
        VALID as f64 / submitted.as_secs_f64(),
        mined_at.as_secs_f64(),
        VALID as f64 / mined_at.as_secs_f64(),
        synced.as_secs_f64(),
        VALID as f64 / synced.as_secs_f64()
    );
}

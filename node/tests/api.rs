//! Every route of the API over loopback, against a `zkvm-node run` process, with
//! every error status: 400 for malformed input (naming what was wrong), 404 for
//! unknown IDs and routes, 405, 413 for oversized bodies.

mod common;

use blockchain::Block;
use common::*;
use encoding::Encodable;
use serde_json::Value;
use std::time::Duration;
use utreexo::Proof;
use zkvm_node::api::MAX_BODY;
use zkvm_node::genesis::Genesis;

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("no code")
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or("no message")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_and_every_error_status() {
    let dir = devnet(8);
    let funding = funding_key(dir.path());
    let txs = payments(&funding, 0..3);
    let node = producer(dir.path(), 2_000);
    let api = Client::new(&node.url);

    // Status and genesis.
    let (status, body) = api.get("/v1/status").await;
    assert_eq!(status, 200);
    assert_eq!(body["producing"], true);
    assert_eq!(body["utxos"], 8);
    let (status, genesis) = api.get("/v1/genesis").await;
    assert_eq!(status, 200);
    let decoded =
        Genesis::from_bytes(&hex::decode(genesis["hex"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(decoded.utxos.len(), 8);

    // Blocks by height and by ID.
    let (status, first) = api.get("/v1/blocks/1").await;
    assert_eq!(status, 200);
    assert_eq!(first["height"], 1);
    assert_eq!(first["id"], genesis["initial_block"]);
    let block = Block::from_bytes(&hex::decode(first["hex"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(block.header.id().to_string(), first["id"].as_str().unwrap());
    let (status, by_id) = api
        .get(&format!("/v1/blocks/id/{}", first["id"].as_str().unwrap()))
        .await;
    assert_eq!((status, &by_id), (200, &first));
    let (status, body) = api.get("/v1/blocks/abc").await;
    assert_eq!((status, code(&body)), (400, "bad_request"));
    assert!(message(&body).contains("height"), "{body}");
    let (status, body) = api.get("/v1/blocks/999999").await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, body) = api.get("/v1/blocks/id/zz").await;
    assert_eq!((status, code(&body)), (400, "bad_hex"));
    assert!(message(&body).contains("block ID"), "{body}");
    let (status, body) = api.get("/v1/blocks/id/abcd").await;
    assert_eq!((status, code(&body)), (400, "bad_hex"));
    assert!(message(&body).contains("32 bytes"), "{body}");
    let (status, body) = api.get(&format!("/v1/blocks/id/{}", "00".repeat(32))).await;
    assert_eq!((status, code(&body)), (404, "not_found"));

    // Blocks since a height.
    let (status, page) = api.get("/v1/blocks?since=0&limit=1").await;
    assert_eq!(status, 200);
    assert_eq!(page["blocks"].as_array().unwrap().len(), 1);
    assert_eq!(page["blocks"][0], first["hex"]);
    let (status, page) = api.get(&format!("/v1/blocks?since={}", u64::MAX)).await;
    assert_eq!(status, 200);
    assert!(page["blocks"].as_array().unwrap().is_empty());
    let (status, body) = api.get("/v1/blocks").await;
    assert_eq!((status, code(&body)), (400, "bad_request"));
    assert!(message(&body).contains("since"), "{body}");
    let (status, body) = api.get("/v1/blocks?since=1&limit=x").await;
    assert_eq!((status, code(&body)), (400, "bad_request"));
    assert!(message(&body).contains("limit"), "{body}");

    // Submit just after a block, so the next one is far.
    let h = api.height().await;
    api.wait_height(h + 1, Duration::from_secs(10)).await;
    let (status, body) = api.submit(&txs[0].to_bytes()).await;
    assert_eq!(status, 200, "{body}");
    let id0 = body["id"].as_str().unwrap().to_string();
    // The same transaction as a block transaction with the node's proof of its input.
    let input = zkvm_node::devnet::funding_contract(&funding, 1, 1_000_000).id();
    let (status, proof) = api.get(&format!("/v1/utxos/{input}/proof")).await;
    assert_eq!(status, 200, "{proof}");
    let proof = Proof::from_bytes(&hex::decode(proof["hex"].as_str().unwrap()).unwrap()).unwrap();
    let btx = block_tx(txs[1].clone(), vec![proof.clone()]);
    let (status, body) = api.submit(&btx.encode_to_vec()).await;
    assert_eq!(status, 200, "{body}");
    let id1 = body["id"].as_str().unwrap().to_string();
    let (status, pool) = api.get("/v1/mempool").await;
    assert_eq!(status, 200);
    let pending: Vec<&str> = pool["txs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(
        pending.contains(&id0.as_str()) && pending.contains(&id1.as_str()),
        "{pool}"
    );
    assert_eq!(pool["count"], 2);

    // Refusals: each is a 400 naming the reason.
    let (status, body) = api.submit(&txs[0].to_bytes()).await;
    assert_eq!((status, code(&body)), (400, "rejected"));
    assert!(message(&body).contains("already in the mempool"), "{body}");
    let wrong_count = block_tx(txs[2].clone(), vec![proof.clone(), proof]);
    let (status, body) = api.submit(&wrong_count.encode_to_vec()).await;
    assert_eq!((status, code(&body)), (400, "rejected"));
    assert!(message(&body).contains("Utreexo proofs"), "{body}");
    let mut forged = txs[2].to_bytes();
    let signature_at = forged.len() - txs[2].proof.serialized_size() - 4 - 64;
    forged[signature_at] ^= 1;
    let (status, body) = api.submit(&forged).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = api.submit(&[1, 2, 3]).await;
    assert_eq!((status, code(&body)), (400, "malformed"));
    let (status, body) = api.post_raw("/v1/txs", br#"{"hex": "xyz"}"#.to_vec()).await;
    assert_eq!((status, code(&body)), (400, "bad_hex"));
    let (status, body) = api.post_raw("/v1/txs", b"not json".to_vec()).await;
    assert_eq!((status, code(&body)), (400, "bad_request"));
    assert!(message(&body).contains("hex"), "{body}");
    let (status, body) = api.post_raw("/v1/txs", vec![b' '; MAX_BODY + 1]).await;
    assert_eq!((status, code(&body)), (413, "too_large"));

    // Mined: the transaction route, the block's list, the new outputs' proofs.
    let mined = api.height().await + 1;
    api.wait_height(mined, Duration::from_secs(10)).await;
    let (status, tx) = api.get(&format!("/v1/txs/{id0}")).await;
    assert_eq!(status, 200, "{tx}");
    assert_eq!(tx["height"], mined);
    let (_, block) = api.get(&format!("/v1/blocks/{mined}")).await;
    let listed: Vec<&str> = block["txs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(listed.contains(&id0.as_str()) && listed.contains(&id1.as_str()));
    assert_eq!(tx["block"], block["id"]);
    let log = tx["log"].as_array().unwrap();
    assert_eq!(log[0]["type"], "header");
    assert!(log.iter().any(|e| e["type"] == "fee" && e["amount"] == 1));
    let output = log.iter().find(|e| e["type"] == "output").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, proof) = api.get(&format!("/v1/utxos/{output}/proof")).await;
    assert_eq!(status, 200, "{proof}");
    assert!(proof["height"].as_u64().unwrap() >= mined);
    let (status, body) = api.get(&format!("/v1/utxos/{input}/proof")).await;
    assert_eq!(
        (status, code(&body)),
        (404, "not_found"),
        "a spent output has no proof"
    );
    let (status, body) = api.get("/v1/utxos/nothex/proof").await;
    assert_eq!((status, code(&body)), (400, "bad_hex"));
    let (status, body) = api.get(&format!("/v1/txs/{}", "11".repeat(32))).await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, body) = api.get("/v1/txs/123").await;
    assert_eq!((status, code(&body)), (400, "bad_hex"));
    let (status, pool) = api.get("/v1/mempool").await;
    assert_eq!((status, &pool["count"]), (200, &Value::from(0)));

    // Unknown routes and methods.
    let (status, body) = api.get("/v1/nothing").await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, body) = api.post_raw("/v1/status", Vec::new()).await;
    assert_eq!((status, code(&body)), (405, "method_not_allowed"));

    // After all that, the node still serves.
    assert_eq!(api.get("/v1/status").await.0, 200);
}

/// Nothing a client sends crashes the node or corrupts its store: mutated and
/// truncated transactions and random bytes all get an answer, and the chain goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_and_random_submissions_are_answered_and_harmless() {
    use rand::Rng;
    let dir = devnet(2);
    let funding = funding_key(dir.path());
    let tx = payment(&funding, 0, &gens()).to_bytes();
    let node = producer(dir.path(), 50);
    let api = Client::new(&node.url);
    let mut rng = rand::thread_rng();
    for round in 0..150 {
        let bytes = match round % 3 {
            0 => {
                let mut b = tx.clone();
                let at = rng.gen_range(0..b.len());
                b[at] ^= 1 << rng.gen_range(0..8);
                b
            }
            1 => tx[..rng.gen_range(0..tx.len())].to_vec(),
            _ => (0..rng.gen_range(0..4096)).map(|_| rng.gen()).collect(),
        };
        let (status, body) = api.submit(&bytes).await;
        assert!(status == 400 || status == 200, "{status} {body}");
        if status == 400 {
            assert!(!message(&body).is_empty());
        }
    }
    let height = api.height().await;
    api.wait_height(height + 2, Duration::from_secs(10)).await;
    drop(node);
    let store = zkvm_node::store::Store::open(dir.path()).unwrap();
    assert!(store.load_state().unwrap().tip().height >= height + 2);
}

/// The API client (`zkvm_node::client::Remote`) speaks every route it wraps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_client_speaks_the_routes() {
    use zkvm_node::client::Remote;
    let dir = devnet(3);
    let funding = funding_key(dir.path());
    let txs = payments(&funding, 0..2);
    let node = producer(dir.path(), 100);
    let remote = Remote::new(&node.url).unwrap();
    let status = remote.status().await.unwrap();
    assert!(status.producing);
    // From another local address; from one this machine lacks, a clear error.
    let other = Remote::from_address(&node.url, [127, 0, 0, 2].into()).unwrap();
    assert!(other.status().await.unwrap().height >= status.height);
    let absent = Remote::from_address(&node.url, [192, 0, 2, 1].into()).unwrap();
    let e = absent.status().await.unwrap_err().to_string();
    assert!(e.contains(&node.url), "{e}");
    let genesis = remote.genesis().await.unwrap();
    assert_eq!(genesis.utxos.len(), 3);
    let (height, proof) = remote.utxo_proof(&genesis.utxos[1]).await.unwrap().unwrap();
    assert!(height >= status.height);
    let (tip, blocks) = remote.blocks_since(0).await.unwrap();
    assert!(tip >= 1 && !blocks.is_empty());
    assert_eq!(blocks[0].header.height, 1);

    let id = remote.submit(&txs[0].to_bytes()).await.unwrap();
    let with_proof = block_tx(txs[1].clone(), vec![proof]).encode_to_vec();
    // Admitted even if a block changed the forest meanwhile: the store's proof wins.
    remote.submit(&with_proof).await.unwrap();
    match remote.submit(&txs[0].to_bytes()).await {
        Err(zkvm_node::NodeError::Remote { reason, .. }) => {
            assert!(reason.starts_with("400"), "{reason}");
        }
        other => panic!("a duplicate was not refused: {other:?}"),
    }
    let mut tries = 0;
    while remote.tx(&id).await.unwrap().is_none() {
        tries += 1;
        assert!(tries < 200, "never mined");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(remote.tx(&id).await.unwrap().unwrap().id, id.to_string());
    assert!(remote.tx(&zkvm::TxId([5; 32])).await.unwrap().is_none());
    assert!(remote
        .utxo_proof(&zkvm::ContractId([5; 32]))
        .await
        .unwrap()
        .is_none());
    drop(node);
    assert!(matches!(
        remote.status().await,
        Err(zkvm_node::NodeError::Remote { .. })
    ));
}

/// The routes and fields the explorer reads: recent block summaries, block size and
/// validation time (kept across a restart), transaction size, fee and program, the
/// forest's shape, and the page and its assets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_routes_and_fields() {
    let dir = devnet(5);
    let funding = funding_key(dir.path());
    let txs = payments(&funding, 0..1);
    let mut node = producer(dir.path(), 100);
    let api = Client::new(&node.url);
    let (status, body) = api.submit(&txs[0].to_bytes()).await;
    assert_eq!(status, 200, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let mut tries = 0;
    let tx = loop {
        let (status, tx) = api.get(&format!("/v1/txs/{id}")).await;
        if status == 200 {
            break tx;
        }
        tries += 1;
        assert!(tries < 500, "never mined");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    // The transaction: its size, weight and fee rate per weight unit, printed as
    // every tool prints it, and its program as assembly.
    let verified = zkvm::Verifier::verify_tx(&txs[0], zkvm::network_generators()).unwrap();
    assert_eq!(
        (
            tx["size"].as_u64(),
            tx["fee"].as_u64(),
            tx["weight"].as_u64()
        ),
        (Some(txs[0].size() as u64), Some(1), Some(verified.weight))
    );
    let feerate = tx["feerate"].as_f64().unwrap();
    assert!(
        (feerate - 1.0 / verified.weight as f64).abs() < 1e-12,
        "{feerate}"
    );
    assert_eq!(tx["feerate_text"], verified.feerate.to_string());
    assert!(verified.feerate.to_string().ends_with(" per weight unit"));
    let program = zkvm::Program::parse(&txs[0].program).unwrap();
    assert_eq!(tx["program"], program.to_asm());
    assert_eq!(
        zkvm::Program::from_asm(tx["program"].as_str().unwrap()).unwrap(),
        program
    );

    // Its block: size and validation time, here and in the recent list.
    let height = tx["height"].as_u64().unwrap();
    api.wait_height(height + 1, Duration::from_secs(10)).await;
    let (_, block) = api.get(&format!("/v1/blocks/{height}")).await;
    assert_eq!(
        block["bytes"].as_u64().unwrap() * 2,
        block["hex"].as_str().unwrap().len() as u64
    );
    assert!(block["validation_ms"].as_f64().unwrap() > 0.0, "{block}");
    let (_, initial) = api.get("/v1/blocks/1").await;
    assert!(initial["validation_ms"].is_null(), "{initial}");
    let (status, recent) = api.get("/v1/blocks/recent?limit=3").await;
    assert_eq!(status, 200);
    let recent = recent["blocks"].as_array().unwrap().clone();
    assert_eq!(recent.len(), 3);
    let heights: Vec<u64> = recent
        .iter()
        .map(|b| b["height"].as_u64().unwrap())
        .collect();
    assert!(
        heights.windows(2).all(|w| w[0] == w[1] + 1),
        "newest first: {heights:?}"
    );
    let (_, all) = api.get("/v1/blocks/recent?limit=100000").await;
    let all = all["blocks"].as_array().unwrap();
    assert_eq!(
        all.last().unwrap()["height"],
        1,
        "the limit is clamped, not refused"
    );
    let listed = all.iter().find(|b| b["height"] == height).unwrap();
    assert_eq!(listed["id"], block["id"]);
    assert_eq!(listed["txs"], 1);
    assert_eq!(listed["bytes"], block["bytes"]);
    assert_eq!(listed["validation_ms"], block["validation_ms"]);
    assert_eq!(listed["timestamp_ms"], block["timestamp_ms"]);
    let (status, body) = api.get("/v1/blocks/recent?limit=x").await;
    assert_eq!((status, code(&body)), (400, "bad_request"));
    assert!(message(&body).contains("limit"), "{body}");
    let (status, body) = api.get("/v1/blocks/recent?limit=-1").await;
    assert_eq!((status, code(&body)), (400, "bad_request"));

    // Older pages: the blocks below a height, newest first.
    let (status, page) = api
        .get(&format!("/v1/blocks/recent?limit=2&below={}", height + 1))
        .await;
    assert_eq!(status, 200);
    let page: Vec<u64> = page["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["height"].as_u64().unwrap())
        .collect();
    assert_eq!(page, [height, height - 1]);
    let (_, below_first) = api.get("/v1/blocks/recent?below=1").await;
    assert_eq!(below_first["blocks"], serde_json::json!([]));
    let (status, body) = api.get("/v1/blocks/recent?below=tip").await;
    assert_eq!((status, code(&body)), (400, "bad_request"));
    assert!(message(&body).contains("below"), "{body}");

    // The latest transactions: the one mined, where it is, with its fee.
    let (status, latest) = api.get("/v1/txs/recent?limit=5").await;
    assert_eq!(status, 200);
    assert_eq!(latest["from_height"], 1);
    assert_eq!(
        latest["txs"],
        serde_json::json!([{
            "id": tx["id"], "height": height, "index": 0, "fee": 1,
            "feerate_text": tx["feerate_text"],
        }])
    );
    let (status, body) = api.get("/v1/txs/recent?limit=many").await;
    assert_eq!((status, code(&body)), (400, "bad_request"));

    // The forest: 5 funding outputs, one spent, two new: 6 in trees of 4 and 2.
    let (status, forest) = api.get("/v1/forest").await;
    assert_eq!(status, 200);
    assert_eq!(forest["count"], 6, "{forest}");
    let levels: Vec<(u64, u64)> = forest["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["level"].as_u64().unwrap(), r["leaves"].as_u64().unwrap()))
        .collect();
    assert_eq!(levels, [(2, 4), (1, 2)]);
    assert!(forest["generation"].as_u64().unwrap() >= 1);
    let (status, body) = api.post_raw("/v1/forest", Vec::new()).await;
    assert_eq!((status, code(&body)), (405, "method_not_allowed"));
    // The forest of a recent height, and of heights the node does not keep.
    let (status, at_tip) = api.get(&format!("/v1/forest?height={height}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&at_tip["count"], &at_tip["roots"]),
        (&forest["count"], &forest["roots"])
    );
    let (status, before) = api.get("/v1/forest?height=1").await;
    assert_eq!(status, 200);
    assert_eq!(before["count"], 5, "{before}");
    let (status, body) = api.get("/v1/forest?height=999999").await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let kept = format!("last {} heights", zkvm_node::store::RECENT_FORESTS);
    assert!(message(&body).contains(&kept), "{body}");
    let (status, body) = api.get("/v1/forest?height=top").await;
    assert_eq!((status, code(&body)), (400, "bad_request"));

    // Light wallets: `since` is `from` one higher; a devnet has no validators.
    let http = reqwest::Client::new();
    let page = |query: &'static str| {
        let http = http.clone();
        let url = format!("{}/v1/compact/blocks?{query}", node.url);
        async move { http.get(url).send().await.unwrap().bytes().await.unwrap() }
    };
    assert_eq!(page("since=1").await, page("from=2").await);
    let (status, body) = api.get("/v1/compact/blocks?from=2&since=1").await;
    assert_eq!((status, code(&body)), (400, "bad_request"));
    let (status, body) = api.get("/v1/compact/validators").await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    assert!(message(&body).contains("signed by the producer"), "{body}");

    // The page and its assets, and a 404 for an asset that is not there.
    for (path, kind, marker) in [
        ("/", "text/html", "/explorer/explorer.js"),
        ("/explorer/explorer.css", "text/css", "@media"),
        (
            "/explorer/explorer.js",
            "text/javascript",
            "/v1/blocks/recent",
        ),
    ] {
        let r = http
            .get(format!("{}{path}", node.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let content_type = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        assert!(r.text().await.unwrap().contains(marker), "{path}");
    }
    let (status, body) = api.get("/explorer/missing.js").await;
    assert_eq!((status, code(&body)), (404, "not_found"));

    // Validation times are stored with the blocks: a restarted node still has them.
    let validation_ms = block["validation_ms"].clone();
    drop(node);
    node = producer(dir.path(), 60_000);
    let api = Client::new(&node.url);
    let (_, again) = api.get(&format!("/v1/blocks/{height}")).await;
    assert_eq!(again["validation_ms"], validation_ms);
}

//! A producer and a follower run inside one program through the library
//! (`server::start_node`), as a demo would run them, and stop on request.

mod common;

use common::*;
use std::time::Duration;
use zkvm_node::server::start_node;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_and_a_follower_in_one_program() {
    let dir = devnet(4);
    let producer = start_node(dir.path().to_path_buf(), None, 50)
        .await
        .unwrap();
    let producer_addr = producer.addr;
    let follower_dir = tempfile::tempdir().unwrap();
    let follower = start_node(
        follower_dir.path().join("f"),
        Some(format!("http://{producer_addr}")),
        50,
    )
    .await
    .unwrap();
    let follower_addr = follower.addr;
    let api = Client::new(&format!("http://{producer_addr}"));
    let follower_api = Client::new(&format!("http://{follower_addr}"));
    follower_api.wait_height(5, Duration::from_secs(20)).await;
    let (_, ours) = follower_api.get("/v1/blocks/5").await;
    let (_, theirs) = api.get("/v1/blocks/5").await;
    assert_eq!(consensus_fields(ours), consensus_fields(theirs));

    follower.stop().await.unwrap();
    producer.stop().await.unwrap();
    assert!(reqwest::get(format!("http://{producer_addr}/v1/status"))
        .await
        .is_err());
}

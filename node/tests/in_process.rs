//! A producer and a follower run inside one program through the library
//! (`cli::run_until`), as a demo would run them, and stop on request.

mod common;

use common::*;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::oneshot;
use zkvm_node::cli::{run_until, RunArgs};

/// Starts a node task; its address and the sender that stops it.
async fn start(
    data_dir: PathBuf,
    follow: Option<String>,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), zkvm_node::NodeError>>,
) {
    let (stop, stopped) = oneshot::channel::<()>();
    let (tell, told) = oneshot::channel();
    let args = RunArgs {
        data_dir,
        listen: "127.0.0.1:0".parse().unwrap(),
        block_interval_ms: 50,
        follow,
    };
    let task = tokio::spawn(run_until(
        args,
        move |addr| {
            let _ = tell.send(addr);
        },
        async move {
            let _ = stopped.await;
        },
    ));
    (told.await.unwrap(), stop, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_and_a_follower_in_one_program() {
    let dir = devnet(4);
    let (producer_addr, stop_producer, producer) = start(dir.path().to_path_buf(), None).await;
    let follower_dir = tempfile::tempdir().unwrap();
    let (follower_addr, stop_follower, follower) = start(
        follower_dir.path().join("f"),
        Some(format!("http://{producer_addr}")),
    )
    .await;
    let api = Client::new(&format!("http://{producer_addr}"));
    let follower_api = Client::new(&format!("http://{follower_addr}"));
    follower_api.wait_height(5, Duration::from_secs(20)).await;
    let (_, ours) = follower_api.get("/v1/blocks/5").await;
    let (_, theirs) = api.get("/v1/blocks/5").await;
    assert_eq!(consensus_fields(ours), consensus_fields(theirs));

    stop_follower.send(()).unwrap();
    follower.await.unwrap().unwrap();
    stop_producer.send(()).unwrap();
    producer.await.unwrap().unwrap();
    assert!(reqwest::get(format!("http://{producer_addr}/v1/status"))
        .await
        .is_err());
}

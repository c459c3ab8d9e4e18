//! The HTTP server's limits against a node process: 5,000 slow connections leave
//! `GET /v1/status` answering within 100 ms; a client past its connection cap is
//! refused with a clear answer; a client past its request or verification budget
//! gets 429 with `Retry-After`; the largest valid transaction can be submitted.

mod common;

use common::*;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const SLOW: usize = 5_000;

fn addr_of(node: &NodeProcess) -> SocketAddr {
    node.url.trim_start_matches("http://").parse().unwrap()
}

/// A connection from `from` that sends half a request head and holds it.
async fn half_sent(from: Ipv4Addr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::V4(from), 0))?;
    let mut stream = socket.connect(to).await?;
    stream
        .write_all(b"GET /v1/status HTTP/1.1\r\nHost: slow\r\n")
        .await?;
    Ok(stream)
}

/// The time `GET /v1/status` takes on a new connection from 127.0.0.1.
async fn status_time(client: &reqwest::Client, url: &str) -> Duration {
    let start = Instant::now();
    let response = client.get(format!("{url}/v1/status")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap();
    start.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_slow_connections_leave_the_status_route_fast() {
    let fds = rlimit::increase_nofile_limit(u64::MAX).unwrap();
    assert!(
        fds >= SLOW as u64 + 256,
        "this test holds {SLOW} sockets: raise the hard open-file limit (ulimit -Hn) above {}",
        SLOW + 256
    );
    let dir = devnet(2);
    let node = producer(dir.path(), 500);
    let to = addr_of(&node);
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .local_address(IpAddr::V4(Ipv4Addr::LOCALHOST))
        .build()
        .unwrap();
    let mut slowest = Duration::ZERO;
    let mut held = Vec::with_capacity(SLOW);
    // 100 attacking addresses of 50 connections each: within the cap per client,
    // past the node's cap of 4,096, so newcomers displace the oldest half-sent ones.
    for i in 0..SLOW {
        let from = Ipv4Addr::new(127, 1, (i / 50) as u8, 1);
        held.push(half_sent(from, to).await.unwrap());
        if i % 250 == 0 {
            slowest = slowest.max(status_time(&fresh, &node.url).await);
        }
    }
    let until = Instant::now() + Duration::from_secs(3);
    let mut checks = 0;
    while Instant::now() < until {
        slowest = slowest.max(status_time(&fresh, &node.url).await);
        checks += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        slowest < Duration::from_millis(100),
        "GET /v1/status took {slowest:?} while {SLOW} slow connections were held"
    );
    assert!(checks > 10);
    // The node closed the displaced ones: the oldest read end of stream.
    let mut closed = 0;
    for stream in held.iter_mut().take(500) {
        let mut byte = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(5), stream.read(&mut byte)).await
        {
            closed += 1;
        }
    }
    assert!(closed > 100, "only {closed} of the oldest 500 were closed");
    drop(held);

    // One address past its cap of 64 is told so, in the API's JSON error.
    let from = Ipv4Addr::new(127, 2, 0, 1);
    let mut own = Vec::new();
    for _ in 0..64 {
        own.push(half_sent(from, to).await.unwrap());
    }
    let mut refused = half_sent(from, to).await.unwrap();
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), refused.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer:?}");
    assert!(answer.contains("too_many_connections"), "{answer}");
    assert!(answer.contains("the most one client may"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_past_its_budgets_gets_429_with_retry_after() {
    let dir = devnet(4);
    let funding = funding_key(dir.path());
    let node = spawn(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--block-interval-ms",
        "60000",
        "--client-requests-per-s",
        "2",
    ]);
    let http = reqwest::Client::new();
    // Requests: a burst of 20, then 429.
    let mut statuses = Vec::new();
    for _ in 0..25 {
        let r = http
            .get(format!("{}/v1/status", node.url))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        if status == 429 {
            assert_eq!(r.headers()["retry-after"], "1");
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "over_budget");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("2 per second"),
                "{body}"
            );
        }
        statuses.push(status);
    }
    // A burst of 20; the 429's answer is held back a second, which earns 2 more.
    assert!(statuses[..20].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[20], 429, "{statuses:?}");

    // Verification: forged payments of existing outputs pass the cheap checks and
    // fail the point checks; their cost is charged until the budget runs out.
    drop(node);
    let node = spawn(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--block-interval-ms",
        "60000",
        "--client-verify-ms-per-s",
        "1",
    ]);
    let api = Client::new(&node.url);
    let tx = payment(&funding, 0, &gens());
    let mut forged = tx.to_bytes();
    let s_at = forged.len() - tx.proof.serialized_size() - 4 - 32;
    forged[s_at] ^= 1;
    let mut over = None;
    let mut sent = 0;
    for _ in 0..1000 {
        sent += 1;
        let (status, body) = api.submit(&forged).await;
        if status == 429 {
            over = Some(body);
            break;
        }
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["code"], "rejected");
    }
    let body = over.expect("the verification budget ran out within 1000 forged submissions");
    assert!(sent > 2, "the burst of 250 ms lets a few through first");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("verification budget"),
        "{body}"
    );
    // Reads are not verification.
    let (status, _) = api.get("/v1/status").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_largest_valid_transaction_can_be_submitted() {
    let dir = devnet(2);
    let funding = funding_key(dir.path());
    let gens = gens();
    let limit = zkvm::MAX_TX_WEIGHT;
    // Fit the data so the weight ends just below the limit.
    let weight_of = |tx: &zkvm::Tx| zkvm::Verifier::verify_tx(tx, &gens).unwrap().weight;
    let probe = payment_with_data(&funding, 0, 400_000, &gens);
    let extra = (limit - weight_of(&probe)) * 16 / 17;
    let largest = payment_with_data(&funding, 0, 400_000 + extra as usize - 64, &gens);
    let weight = weight_of(&largest);
    assert!(
        weight <= limit && weight > limit - 1_024,
        "weight {weight} of {limit}"
    );
    let over = payment_with_data(&funding, 1, 400_000 + extra as usize + 1_024, &gens);
    let node = producer(dir.path(), 60_000);
    let api = Client::new(&node.url);
    let (status, body) = api.submit(&largest.to_bytes()).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        largest.to_bytes().len() * 2 > 3 * 256 * 1024,
        "three times the old body limit of 256 KiB"
    );
    let (status, body) = api.submit(&over.to_bytes()).await;
    assert_eq!(
        status, 400,
        "refused by the weight rule, not the body limit: {body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("weight"),
        "{body}"
    );
}

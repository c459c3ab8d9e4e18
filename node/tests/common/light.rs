//! Light wallets in the integration tests: the `--light` commands, a root file, and
//! a proxy of a node that lies in its compact blocks.

use super::{run, wallet};
use std::path::Path;

/// Runs `wallet SUB NAME EXTRA... --light`.
pub fn light(
    sub: &str,
    name: &str,
    extra: &[&str],
    dir: &Path,
    url: &str,
) -> Result<String, String> {
    let mut args = extra.to_vec();
    args.push("--light");
    wallet(sub, name, &args, dir, url)
}

/// A root key file for the tests, written by `wallet new-root`.
pub fn new_root(dir: &Path) -> String {
    let path = dir.join("bob.root");
    let path = path.to_str().unwrap().to_string();
    run(&["wallet", "new-root", "--out", &path]).unwrap();
    path
}

/// What the lying node changes in the compact blocks it serves.
#[derive(Clone, Copy, Debug)]
pub enum Lie {
    /// A byte of the first block's evidence.
    Signature,
    /// The ID of the first output of any block of the page.
    Output,
}

/// A proxy of the node at `upstream` that serves its compact blocks with `lie`;
/// its URL. It runs until the test process ends.
pub fn lying_node(upstream: &str, lie: Lie) -> String {
    let upstream = upstream.to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(format!("http://{}", listener.local_addr().unwrap()))
                .unwrap();
            let client = reqwest::Client::new();
            let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
                forward(client.clone(), upstream.clone(), request, lie)
            });
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// Forwards `request` to `upstream`, lying in pages of compact blocks.
async fn forward(
    client: reqwest::Client,
    upstream: String,
    request: axum::extract::Request,
    lie: Lie,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path_and_query().unwrap().to_string();
    let method = request.method().clone();
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap();
    let answer = client
        .request(method, format!("{upstream}{path}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let mut bytes = answer.bytes().await.unwrap().to_vec();
    if path.starts_with("/v1/compact/blocks") && status.is_success() {
        bytes = tampered(&bytes, lie);
    }
    (
        axum::http::StatusCode::from_u16(status.as_u16()).unwrap(),
        bytes,
    )
        .into_response()
}

fn tampered(page: &[u8], lie: Lie) -> Vec<u8> {
    let (tip, mut blocks) = zkvm_node::light::decode_page(page).unwrap();
    match lie {
        Lie::Signature => {
            if let Some(first) = blocks.first_mut() {
                first.evidence[10] ^= 1;
            }
        }
        Lie::Output => {
            let entries = blocks
                .iter_mut()
                .flat_map(|b| b.block.txs.iter_mut())
                .flat_map(|tx| tx.entries.iter_mut());
            for entry in entries {
                if let wallet::compact::CompactEntry::Output { id, .. } = entry {
                    id.0[0] ^= 1;
                    break;
                }
            }
        }
    }
    let blocks: Vec<Vec<u8>> = blocks.iter().map(|b| b.to_bytes()).collect();
    zkvm_node::light::encode_page(tip, &blocks)
}

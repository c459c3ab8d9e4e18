//! `init`, `run`, a graceful restart, a follower that syncs and reaches the same tip
//! and UTXO root, and the `tx decode|verify` tools, all through the binary.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;

fn terminate(node: &mut NodeProcess) {
    // SIGTERM: the node shuts down gracefully.
    sigterm(node.child.id());
    let status = node.child.wait().unwrap();
    assert!(status.success(), "node exited with {status}");
}

fn sigterm(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn init_creates_private_key_files_and_refuses_to_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let out = Command::new(BIN)
        .env("ZKVM_WALLET_PASSPHRASE", "test passphrase")
        .args([
            "init",
            "--data-dir",
            data.to_str().unwrap(),
            "--funding-outputs",
            "4",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("4 funding outputs") && text.contains("mode 0600"),
        "{text}"
    );
    for file in ["producer.key", "funding.key"] {
        let mode = std::fs::metadata(data.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = Command::new(BIN)
        .env("ZKVM_WALLET_PASSPHRASE", "test passphrase")
        .args(["init", "--data-dir", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a store"));
    // A data directory without a store cannot run.
    let empty = tempfile::tempdir().unwrap();
    let run = Command::new(BIN)
        .args([
            "run",
            "--data-dir",
            empty.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("producer.key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_restart_and_a_follower_reaching_the_same_tip_and_root() {
    let dir = devnet(16);
    let funding = funding_key(dir.path());
    let txs = payments(&funding, 0..4);
    let mut node = producer(dir.path(), 100);
    let api = Client::new(&node.url);
    let mut ids = Vec::new();
    for tx in &txs[..2] {
        let (status, body) = api.submit(&tx.to_bytes()).await;
        assert_eq!(status, 200, "{body}");
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    api.wait_height(4, Duration::from_secs(20)).await;
    terminate(&mut node);
    // The stopped node's last state, read from its store.
    let before = zkvm_node::store::Store::open(dir.path())
        .unwrap()
        .load_state()
        .unwrap()
        .tip()
        .clone();

    // Restart: the node continues from its last block; mined transactions stay.
    let node = producer(dir.path(), 100);
    let api = Client::new(&node.url);
    let (_, first) = api.get(&format!("/v1/blocks/{}", before.height)).await;
    assert_eq!(first["id"], before.id().to_string());
    for id in &ids {
        let (status, tx) = api.get(&format!("/v1/txs/{id}")).await;
        assert_eq!(status, 200, "{tx}");
    }
    for tx in &txs[2..] {
        let (status, body) = api.submit(&tx.to_bytes()).await;
        assert_eq!(status, 200, "{body}");
    }

    // A follower syncs into an empty directory and validates every block.
    let follower_dir = tempfile::tempdir().unwrap();
    let follower_data = follower_dir.path().join("follower");
    let follower = spawn(&[
        "--data-dir",
        follower_data.to_str().unwrap(),
        "--follow",
        &node.url,
    ]);
    let follower_api = Client::new(&follower.url);
    assert_eq!(follower_api.get("/v1/status").await.1["producing"], false);
    let target = api
        .wait_height(before.height + 5, Duration::from_secs(20))
        .await;
    follower_api
        .wait_height(target, Duration::from_secs(30))
        .await;
    // The follower's tip is a block of the producer's chain, with the same root.
    let (_, status) = follower_api.get("/v1/status").await;
    let height = status["height"].as_u64().unwrap();
    let (_, block) = api.get(&format!("/v1/blocks/{height}")).await;
    assert_eq!(status["tip"], block["id"]);
    assert_eq!(status["utxoroot"], block["utxoroot"]);
    // 16 funding outputs; each payment turns one into two.
    assert_eq!(status["utxos"], 16 + 4);
    let (_, produced) = api.get(&format!("/v1/blocks/{height}")).await;
    let (_, followed) = follower_api.get(&format!("/v1/blocks/{height}")).await;
    assert_eq!(consensus_fields(produced), consensus_fields(followed));
    let (status, tx) = follower_api.get(&format!("/v1/txs/{}", ids[0])).await;
    assert_eq!(status, 200, "{tx}");

    // A store of another chain cannot follow this one.
    let other = devnet(1);
    let refused = Command::new(BIN)
        .args(["run", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(other.path())
        .args(["--follow", &node.url])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("another genesis"), "{stderr}");
}

#[test]
fn tx_tools_decode_and_give_verdicts() {
    let dir = devnet(2);
    let funding = funding_key(dir.path());
    let tx = payment(&funding, 0, &gens());
    let hex_tx = hex::encode(tx.to_bytes());
    let decode = Command::new(BIN)
        .args(["tx", "decode", &hex_tx])
        .output()
        .unwrap();
    assert!(decode.status.success());
    let text = String::from_utf8(decode.stdout).unwrap();
    assert!(
        text.contains("input") && text.contains("signtx") && text.contains("fee 1"),
        "{text}"
    );
    let verify = Command::new(BIN)
        .args(["tx", "verify", &hex_tx])
        .output()
        .unwrap();
    assert!(verify.status.success());
    let verdict = String::from_utf8(verify.stdout).unwrap();
    assert!(verdict.starts_with("valid: id "), "{verdict}");
    assert!(
        text.contains(verdict.split_whitespace().nth(2).unwrap()),
        "same ID in both"
    );

    let mut forged = tx.to_bytes();
    let at = forged.len() - tx.proof.serialized_size() - 4 - 64;
    forged[at] ^= 1;
    let verify = Command::new(BIN)
        .args(["tx", "verify", &hex::encode(&forged)])
        .output()
        .unwrap();
    assert!(!verify.status.success());
    let verdict = String::from_utf8(verify.stdout).unwrap();
    assert!(verdict.starts_with("invalid: "), "{verdict}");
    let garbage = Command::new(BIN)
        .args(["tx", "verify", "00ff"])
        .output()
        .unwrap();
    assert!(!garbage.status.success());
    assert!(String::from_utf8(garbage.stdout)
        .unwrap()
        .contains("neither a block transaction"));
    let bad_hex = Command::new(BIN)
        .args(["tx", "decode", "xyz"])
        .output()
        .unwrap();
    assert!(!bad_hex.status.success());
    assert!(String::from_utf8(bad_hex.stderr)
        .unwrap()
        .contains("not valid hex"));
}

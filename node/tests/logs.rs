//! The node's log and start-up messages as an operator meets them: no colour codes
//! in a redirected log, quiet empty blocks, one warning per outage of a follower's
//! source, and a plain message for a second node on the same data directory.

mod common;

use common::*;
use std::process::Stdio;
use std::time::Duration;

/// A log file in `dir`, and its handle as a child's stderr.
fn log_file(dir: &std::path::Path, name: &str) -> (std::path::PathBuf, Stdio) {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    (path, Stdio::from(file))
}

/// Waits until the log at `path` has a line with `text` (the follower says the
/// outage is over once the page that ended it is applied).
async fn wait_for_line(path: &std::path::Path, text: &str) {
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(path).unwrap().contains(text) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no {text:?} in {}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn lines_with(log: &str, text: &str) -> usize {
    log.lines().filter(|l| l.contains(text)).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirected_log_is_plain_quiet_on_empty_blocks_and_warns_once_per_outage() {
    let dir = devnet(4);
    let logs = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let producer_args = ["--data-dir", data, "--block-interval-ms", "50"];
    let (producer_log, stderr) = log_file(logs.path(), "producer.log");
    let node = spawn_logging(&producer_args, "127.0.0.1:0", "info", stderr);
    let listen = node.url.strip_prefix("http://").unwrap().to_string();

    let follower_data = logs.path().join("follower");
    let (follower_log, stderr) = log_file(logs.path(), "follower.log");
    let follower = spawn_logging(
        &[
            "--data-dir",
            follower_data.to_str().unwrap(),
            "--follow",
            &node.url,
        ],
        "127.0.0.1:0",
        "info",
        stderr,
    );
    let follower_api = Client::new(&follower.url);
    let synced = follower_api.wait_height(5, Duration::from_secs(20)).await;

    // The source goes down for three seconds (a dozen polls), then comes back.
    drop(node);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, stderr) = log_file(logs.path(), "producer-again.log");
    let node = spawn_logging(&producer_args, &listen, "info", stderr);
    follower_api
        .wait_height(synced + 5, Duration::from_secs(30))
        .await;
    wait_for_line(&follower_log, "syncing again").await;
    drop(follower);
    drop(node);

    let producer = std::fs::read_to_string(producer_log).unwrap();
    let follower = std::fs::read_to_string(follower_log).unwrap();
    for (name, log) in [("producer", &producer), ("follower", &follower)] {
        assert!(lines_with(log, "node started") == 1, "{name}: {log}");
        assert!(
            !log.contains("\x1b["),
            "{name}'s log holds colour codes: {log}"
        );
    }
    // Every block was empty: none of them is logged at info level.
    assert_eq!(lines_with(&producer, "produced a block"), 0, "{producer}");
    assert_eq!(
        lines_with(&follower, "applied a followed block"),
        0,
        "{follower}"
    );
    assert_eq!(lines_with(&follower, "WARN"), 1, "{follower}");
    assert_eq!(lines_with(&follower, "following stopped"), 1, "{follower}");
    assert_eq!(lines_with(&follower, "syncing again"), 1, "{follower}");
}

#[test]
fn a_second_node_on_the_same_data_directory_is_told_what_to_do() {
    let dir = devnet(4);
    let _node = producer(dir.path(), 100);
    let second = std::process::Command::new(BIN)
        .args(["run", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    let expected = format!(
        "another zkvm-node is using {}; stop it or choose another --data-dir",
        dir.path().display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
}

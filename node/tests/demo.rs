//! The demo in a short configuration: payments are mined and both nodes agree.

use zkvm_node::demo::{run, DemoArgs};

#[test]
fn a_short_demo_mines_payments_and_both_nodes_agree() {
    let args = DemoArgs {
        wallets: 3,
        payments: 12,
        blocks: 3,
        block_interval_ms: 100,
        quiet: true,
        ..DemoArgs::default()
    };
    let mut url = None;
    let summary = run(&args, |addr| url = Some(addr)).unwrap();
    assert_eq!(url, Some(summary.api));
    assert!(summary.agree(), "{}", summary.table());
    assert!(summary.payments >= 6, "{}", summary.table());
    assert!(summary.txs >= summary.payments + 2, "{}", summary.table());
    assert_eq!(summary.payments + summary.skipped, 12);
    let table = summary.table();
    let line = table
        .lines()
        .find(|l| l.contains("same tip and root"))
        .unwrap();
    assert!(line.ends_with("yes"), "{table}");
    // A fresh light wallet synced the chain from the follower, every header checked.
    let light = summary.light.as_ref().unwrap();
    assert!(
        light.blocks > 0 && light.blocks + 1 >= summary.blocks,
        "{table}"
    );
    assert!(table.contains("every header proven"), "{table}");
}

/// The demo over four CometBFT validators: every payment mined, a fifth node joins
/// by state sync, and all five end at the same tip, UTXO root and app hash.
#[test]
fn the_demo_on_four_validators_agrees_with_a_fifth_node_by_state_sync() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zkvm-node"))
        .args(["demo", "--validators", "4"])
        .args([
            "--wallets",
            "3",
            "--payments",
            "16",
            "--blocks",
            "2",
            "--quiet",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let row = |name: &str| {
        stdout
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row in\n{stdout}"))
            .to_string()
    };
    assert!(row("same tip and root").ends_with("yes"), "{stdout}");
    assert!(row("same app hash").contains("yes (5 nodes"), "{stdout}");
    assert!(
        row("node 4 (state sync) tip").contains(" root "),
        "{stdout}"
    );
    assert!(row("submission to commit p99").ends_with(" s"), "{stdout}");
    let mined: u64 = row("payments mined")
        .split_whitespace()
        .last()
        .unwrap()
        .parse()
        .unwrap();
    let skipped: u64 = row("payments skipped")
        .split_whitespace()
        .last()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(mined + skipped, 16, "{stdout}");
    assert!(mined >= 8, "{stdout}");
    // A fresh light wallet synced from a validator: its blocks' headers proven by
    // the validators' commits (one block behind the tip at most).
    let light = row("light wallet sync");
    let synced: u64 = light.split_whitespace().nth(3).unwrap().parse().unwrap();
    assert!(
        synced >= 3 && light.contains("every header proven"),
        "{stdout}"
    );
}

/// Without CometBFT the demo on validators says how to install it.
#[test]
fn the_demo_on_validators_without_cometbft_says_how_to_install_it() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zkvm-node"))
        .args(["demo", "--validators", "4", "--quiet"])
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env_remove("COMETBFT")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("go install github.com/cometbft/cometbft/cmd/cometbft@v0.38.25"),
        "{stderr}"
    );
}

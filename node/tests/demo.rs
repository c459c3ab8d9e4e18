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
    };
    let mut url = None;
    let summary = run(&args, |addr| url = Some(addr)).unwrap();
    assert_eq!(url, Some(summary.producer));
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
}

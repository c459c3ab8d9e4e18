//! A wallet paying in a loop while its node is SIGKILLed and restarted, at random
//! moments of the payment (issue 34): in the end no coin stays locked, every
//! payment mined is counted once on both sides, and nothing but the fees is gone.
//! The wallet recovers by itself: each command reconciles its pending transactions
//! with the node's mempool (submitting again what the node lost).

mod common;

use common::*;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

const ROUNDS: usize = 10;
const WALLET_OUTPUTS: u64 = 3;

/// The sum of the numbers after `prefix` in each line of `history` that has it.
fn sum_after(history: &str, prefix: &str) -> u64 {
    history
        .lines()
        .filter_map(|l| l.split(prefix).nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(|n| n.parse::<u64>().unwrap())
        .sum()
}

#[test]
fn payments_survive_a_node_killed_at_random_moments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("node");
    init_with_wallet(&dir, WALLET_OUTPUTS);
    let zero = "0".repeat(64);
    let bob = {
        let node = producer(&dir, 300);
        let created = wallet("create", "bob", &[], &dir, &node.url).unwrap();
        line_value(&created, "address")
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(34);
    let mut outcomes = Vec::new();
    for _ in 0..ROUNDS {
        // Blocks a second apart: a payment waits in the mempool for a while.
        let node = producer(&dir, 1000);
        let args = ["pay", "funding", "--to", &bob, "--amount", "1000"];
        let pay = spawn_wallet(&args, &dir, &node.url);
        std::thread::sleep(Duration::from_millis(rng.gen_range(100..3000)));
        drop(node); // SIGKILL, wherever the payment is
        let out = pay.wait_with_output().unwrap();
        outcomes.push(outcome(out));
    }

    // Restarted for good: every payment settles by itself.
    let node = producer(&dir, 300);
    let url = node.url.as_str();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !wallet("pending", "funding", &[], &dir, url)
        .unwrap()
        .contains("has no pending transactions")
    {
        assert!(
            Instant::now() < deadline,
            "payments stayed pending: {outcomes:?}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let funding = wallet("balance", "funding", &[], &dir, url).unwrap();
    let bob_balance = wallet("balance", "bob", &["--light"], &dir, url).unwrap();
    let line = |b: &str| {
        b.lines()
            .find(|l| l.starts_with(&zero))
            .map(|l| {
                l.split_whitespace()
                    .skip(1)
                    .take(3)
                    .map(|n| n.parse::<u64>().unwrap())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_else(|| vec![0, 0, 0])
    };
    // Nothing locked, nothing on its way.
    assert_eq!(line(&funding)[1..], [0, 0], "{funding}");
    assert_eq!(line(&bob_balance)[1..], [0, 0], "{bob_balance}");
    // Each payment mined is counted once: sent by one, received by the other.
    let history = wallet("history", "funding", &[], &dir, url).unwrap();
    let sent = sum_after(&history, "sent ");
    let fees = sum_after(&history, " paid fee ");
    let received = line(&bob_balance)[0];
    assert_eq!(sent, received, "{history}\n{bob_balance}");
    assert_eq!(received % 1000, 0);
    // Nothing but the fees is gone.
    assert_eq!(
        line(&funding)[0] + received + fees,
        WALLET_OUTPUTS * 1_000_000,
        "{history}\n{funding}\n{outcomes:?}"
    );
    assert!(received > 0, "no payment went through: {outcomes:?}");
}

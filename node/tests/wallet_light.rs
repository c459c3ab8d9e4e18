//! Light wallets end to end against a devnet producer: a wallet synced from compact
//! blocks (`--light`) holds and tells what the same root synced in full does; a new
//! wallet starts at the tip; a node that lies in its compact blocks is caught with
//! the lie named; pending transactions are listed and abandoned.

mod common;

use common::light::*;
use common::*;
use std::time::{Duration, Instant};

/// Waits until the node's tip is past `height`.
fn wait_past(url: &str, height: u64) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(Client::new(url).wait_height(height + 1, Duration::from_secs(30)));
}

/// A devnet with a funded wallet of `outputs` outputs and a producer, and Bob, a
/// light wallet recovered from a root file: the folder, the node, the node's data
/// directory, the root file and Bob's address.
fn with_bob(
    outputs: u64,
) -> (
    tempfile::TempDir,
    NodeProcess,
    std::path::PathBuf,
    String,
    String,
) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("node");
    let node = devnet_with_wallet(&dir, outputs);
    let root = new_root(tmp.path());
    light("recover", "bob", &["--root", &root], &dir, &node.url).unwrap();
    let bob = light("address", "bob", &[], &dir, &node.url).unwrap();
    (tmp, node, dir, root, bob.trim().to_string())
}

#[test]
fn a_light_wallet_holds_and_tells_what_a_full_one_does() {
    // Bob is paid twice and pays back with change, syncing light.
    let (_tmp, node, dir, root, bob) = with_bob(3);
    let url = node.url.as_str();
    let zero = "0".repeat(64);
    for amount in ["5000", "7000"] {
        let memo = format!("invoice {amount}");
        let paid = wallet(
            "pay",
            "funding",
            &["--to", &bob, "--amount", amount, "--memo", &memo],
            &dir,
            url,
        );
        assert!(paid.unwrap().contains("submitted transaction"));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while confirmed(&light("balance", "bob", &[], &dir, url).unwrap(), &zero) != 12_000 {
        assert!(Instant::now() < deadline, "bob was never paid");
        std::thread::sleep(Duration::from_millis(200));
    }
    let funding = wallet("address", "funding", &[], &dir, url).unwrap();
    let back = light(
        "pay",
        "bob",
        &[
            "--to",
            funding.trim(),
            "--amount",
            "6000",
            "--memo",
            "thanks",
        ],
        &dir,
        url,
    )
    .unwrap();
    let id = submitted_id(&back);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !light("history", "bob", &[], &dir, url)
        .unwrap()
        .contains(&format!("transaction {id} mined"))
    {
        assert!(Instant::now() < deadline, "bob's payment was never mined");
        std::thread::sleep(Duration::from_millis(200));
    }

    // The same root recovered twice from the genesis: in full, and light.
    wallet("recover", "full", &["--root", &root], &dir, url).unwrap();
    light("recover", "light", &["--root", &root], &dir, url).unwrap();
    let tip = Client::new(url);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let height = rt.block_on(tip.height());
    wait_past(url, height);
    let full_balance = wallet("balance", "full", &[], &dir, url).unwrap();
    let light_balance = light("balance", "light", &[], &dir, url).unwrap();
    let table = |b: &str| b.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(table(&full_balance), table(&light_balance));
    assert!(confirmed(&light_balance, &zero) > 0, "{light_balance}");
    let full_history = wallet("history", "full", &[], &dir, url).unwrap();
    let light_history = light("history", "light", &[], &dir, url).unwrap();
    assert_eq!(full_history, light_history);
    for line in ["memo \"invoice 5000\"", "memo \"thanks\"", "sent 6000 of"] {
        assert!(light_history.contains(line), "{line}: {light_history}");
    }
    assert!(light_history.contains("change "), "{light_history}");
    assert!(light_history.contains(&format!("transaction {id} paid fee")));

    // A new wallet starts at the tip: nothing before it is scanned.
    let height = rt.block_on(tip.height());
    let created = light("create", "carol", &[], &dir, url).unwrap();
    let at: u64 = created
        .split(" at height ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|h| h.parse().ok())
        .unwrap_or_else(|| panic!("{created}"));
    assert!(at >= height && height > 2, "{created} (tip was {height})");
    // Past the tip is no birthday.
    let far = (at + 1000).to_string();
    let refused = light("create", "dave", &["--from-height", &far], &dir, url).unwrap_err();
    assert!(refused.contains("give a height up to"), "{refused}");
}

#[test]
fn pending_transactions_are_listed_and_abandoned() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("node");
    init_with_wallet(&dir, 2);
    // Blocks a minute apart: the payment stays pending throughout.
    let node = producer(&dir, 60_000);
    let url = node.url.as_str();
    let zero = "0".repeat(64);
    let none = wallet("pending", "funding", &[], &dir, url).unwrap();
    assert!(none.contains("has no pending transactions"), "{none}");
    let carol = wallet("create", "carol", &[], &dir, url).unwrap();
    let carol = line_value(&carol, "address");
    let paid = wallet(
        "pay",
        "funding",
        &["--to", &carol, "--amount", "10"],
        &dir,
        url,
    )
    .unwrap();
    let id = submitted_id(&paid);
    let listed = wallet("pending", "funding", &[], &dir, url).unwrap();
    assert!(
        listed.contains(&format!("transaction {id} spends 1")),
        "{listed}"
    );
    assert!(listed.contains("wallet abandon funding"), "{listed}");
    let abandoned = wallet("abandon", "funding", &[&id], &dir, url).unwrap();
    assert!(abandoned.contains("spendable again"), "{abandoned}");
    let balance = wallet("balance", "funding", &[], &dir, url).unwrap();
    assert_eq!(confirmed(&balance, &zero), 2_000_000, "{balance}");
    let again = wallet("abandon", "funding", &[&id], &dir, url).unwrap_err();
    assert!(again.contains("is not pending in this wallet"), "{again}");
    let bad = wallet("abandon", "funding", &["xyz"], &dir, url).unwrap_err();
    assert!(bad.contains("transaction ID"), "{bad}");
}

#[test]
fn a_node_that_lies_in_its_compact_blocks_is_named() {
    let (_tmp, node, dir, root, bob) = with_bob(2);
    let url = node.url.as_str();
    let zero = "0".repeat(64);
    wallet(
        "pay",
        "funding",
        &["--to", &bob, "--amount", "300"],
        &dir,
        url,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while confirmed(&light("balance", "bob", &[], &dir, url).unwrap(), &zero) != 300 {
        assert!(Instant::now() < deadline, "bob was never paid");
        std::thread::sleep(Duration::from_millis(200));
    }

    let forger = lying_node(url, Lie::Output);
    let caught = light("recover", "eve", &["--root", &root], &dir, &forger).unwrap_err();
    assert!(
        caught.contains("the node withheld or invented an output or a spend"),
        "{caught}"
    );
    let unsigned = lying_node(url, Lie::Signature);
    let caught = light("recover", "eve", &["--root", &root], &dir, &unsigned).unwrap_err();
    assert!(
        caught.contains("is not proven by its evidence")
            && caught.contains("sync from another node"),
        "{caught}"
    );
    // Bob, synced through the liar, refuses the lie once a block pays anyone, and
    // keeps what he had.
    wallet(
        "pay",
        "funding",
        &["--to", &bob, "--amount", "5"],
        &dir,
        url,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let refused = loop {
        match light("balance", "bob", &[], &dir, &forger) {
            Err(refused) => break refused,
            Ok(balance) => assert_eq!(confirmed(&balance, &zero), 300, "{balance}"),
        }
        assert!(Instant::now() < deadline, "the lie was never served");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(refused.contains("withheld or invented"), "{refused}");
    let honest = light("balance", "bob", &[], &dir, url).unwrap();
    assert_eq!(confirmed(&honest, &zero), 305, "{honest}");
}

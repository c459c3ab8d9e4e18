//! The `wallet` commands end to end: `init` with a funded wallet, a producer child
//! process, and the commands run as processes against its API, with the errors a
//! user can meet (wrong passphrase, overspend, malformed or wrong-network address,
//! unknown wallet, unreachable node).

mod common;

use common::*;

#[test]
fn wallets_pay_issue_and_refuse_what_they_should() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("node");
    let out = zkvm(
        &[
            "init",
            "--data-dir",
            dir.to_str().unwrap(),
            "--funding-outputs",
            "2",
            "--wallet-outputs",
            "3",
        ],
        PASS,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("sealed with your passphrase"));
    let node = producer(&dir, 200);
    let url = node.url.as_str();
    let zero = "0".repeat(64);

    let funding = wallet("balance", "funding", &[], &dir, url).unwrap();
    assert_eq!(confirmed(&funding, &zero), 3_000_000, "{funding}");
    let created = wallet("create", "bob", &[], &dir, url).unwrap();
    assert!(created.contains("created wallet bob"), "{created}");
    assert!(wallet("create", "bob", &[], &dir, url)
        .unwrap_err()
        .contains("exists already"));
    let bob = wallet("address", "bob", &[], &dir, url).unwrap();
    let bob = bob.trim();
    assert!(bob.starts_with("zkd1"), "{bob}");

    let paid = wallet(
        "pay",
        "funding",
        &["--to", bob, "--amount", "1234"],
        &dir,
        url,
    )
    .unwrap();
    assert!(paid.contains("submitted transaction"), "{paid}");
    let locked = wallet("balance", "funding", &[], &dir, url).unwrap();
    wait_confirmed("bob", &zero, 1234, &dir, url);
    let after = wallet("balance", "funding", &[], &dir, url).unwrap();
    let fee: u64 = paid.rsplit("fee ").next().unwrap().trim().parse().unwrap();
    assert_eq!(
        confirmed(&after, &zero),
        3_000_000 - 1234 - fee,
        "{locked}\n{after}"
    );

    // Bob pays back part of it, with change.
    let funding_address = wallet("address", "funding", &[], &dir, url).unwrap();
    let back = wallet(
        "pay",
        "bob",
        &[
            "--to",
            funding_address.trim(),
            "--amount",
            "1000",
            "--fee-rate",
            "1/20",
        ],
        &dir,
        url,
    )
    .unwrap();
    let fee_back: u64 = back.rsplit("fee ").next().unwrap().trim().parse().unwrap();
    wait_confirmed("bob", &zero, 234 - fee_back, &dir, url);

    let issued = wallet(
        "issue",
        "funding",
        &["--metadata", "gold", "--amount", "500"],
        &dir,
        url,
    )
    .unwrap();
    let gold = issued
        .lines()
        .last()
        .unwrap()
        .strip_prefix("flavor ")
        .unwrap();
    wait_confirmed("funding", gold, 500, &dir, url);
    let paid_gold = wallet(
        "pay",
        "funding",
        &["--to", bob, "--amount", "200", "--flavor", gold],
        &dir,
        url,
    );
    assert!(paid_gold.is_ok(), "{paid_gold:?}");
    wait_confirmed("bob", gold, 200, &dir, url);

    let history = wallet("history", "bob", &[], &dir, url).unwrap();
    assert!(history.contains("received 1234 of"), "{history}");
    assert!(history.contains("received 200 of"), "{history}");
    assert!(history.contains("submitted transaction"), "{history}");
    assert!(history.contains("sent 1000 of"), "{history}");
    assert!(history.contains("mined"), "{history}");

    // The errors.
    let out = zkvm(
        &[
            "wallet",
            "balance",
            "bob",
            "--data-dir",
            dir.to_str().unwrap(),
            "--node",
            url,
        ],
        "wrong passphrase",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong passphrase"));
    let over = wallet(
        "pay",
        "bob",
        &["--to", bob, "--amount", "1000000"],
        &dir,
        url,
    );
    assert!(over.unwrap_err().contains("insufficient funds"));
    let bad = wallet(
        "pay",
        "bob",
        &["--to", "zkd1notanaddress", "--amount", "1"],
        &dir,
        url,
    );
    assert!(bad.unwrap_err().contains("address"));
    let testnet = wallet::Wallet::new(
        keytree::Xprv::random(&mut rand::rngs::OsRng),
        wallet::Network::Testnet,
    )
    .address(wallet::Owner::Account(0))
    .unwrap()
    .to_string();
    let wrong = wallet(
        "pay",
        "bob",
        &["--to", &testnet, "--amount", "1"],
        &dir,
        url,
    );
    assert!(wrong.unwrap_err().contains("wrong network"));
    let unknown = wallet("balance", "carol", &[], &dir, url);
    assert!(unknown.unwrap_err().contains("no wallet named \"carol\""));
    let down = wallet("balance", "bob", &[], &dir, "http://127.0.0.1:9");
    assert!(down.unwrap_err().contains("remote node"));
    // Nothing was lost to the failed commands.
    wait_confirmed("bob", gold, 200, &dir, url);
}

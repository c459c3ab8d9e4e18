//! Payment requests and 2-of-2 custody through the command line, each step a file
//! the other party receives: request, pay the request and write the reply, accept
//! it; custody keys, join, fund the shared account, propose (waiting for the
//! response), co-sign, and a proposal nobody answers, whose outputs come free again.

mod common;

use common::*;
use std::path::Path;

use std::time::{Duration, Instant};

#[test]
fn requests_and_two_of_two_custody_by_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("node");
    let node = devnet_with_wallet(&dir, 3);
    let url = node.url.as_str();
    let carol_dir = tmp.path().join("carol");
    let zero = "0".repeat(64);
    let file = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    let in_dir = |d: &Path, args: &[&str]| {
        let mut all = vec!["wallet"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", d.to_str().unwrap(), "--node", url]);
        run(&all)
    };
    let w = |args: &[&str]| in_dir(&dir, args);
    let c = |args: &[&str]| in_dir(&carol_dir, args);
    w(&["create", "bob"]).unwrap();
    c(&["create", "carol"]).unwrap();
    let funding = w(&["address", "funding"]).unwrap().trim().to_string();

    // A payment request, paid exactly, the reply accepted.
    let request = file("bob.request");
    let made = w(&["request", "bob", "--amount", "777", "--out", &request]).unwrap();
    assert!(made.contains("wrote request 0 for 777"), "{made}");
    let zero_request = w(&["request", "bob", "--amount", "0", "--out", &file("z")]).unwrap_err();
    assert!(zero_request.contains("zero units"), "{zero_request}");
    let reply = file("bob.reply");
    let paid = w(&[
        "pay",
        "funding",
        "--request",
        &request,
        "--reply-out",
        &reply,
    ])
    .unwrap();
    assert!(paid.contains("wrote the reply"), "{paid}");
    let watching = w(&["accept-reply", "bob", &reply]).unwrap();
    assert!(watching.contains("watching for output"), "{watching}");
    wait_confirmed("bob", &zero, 777, &dir, url);
    let twice = w(&["accept-reply", "bob", &reply]).unwrap_err();
    assert!(twice.contains("request 0 is not open"), "{twice}");
    let no_reply = w(&["pay", "funding", "--request", &request]).unwrap_err();
    assert!(no_reply.contains("--reply-out"), "{no_reply}");

    // Custody keys, exchanged; both join the same account.
    let proposal = file("spend.proposal");
    let response = file("spend.response");
    // The arguments of a proposal of `amount` that waits for `response`.
    let spend = |amount: &str, response: &str| -> Vec<String> {
        let args = [
            "custody", "propose", "bob", "--to", &funding, "--amount", amount,
        ];
        let files = ["--out", &proposal, "--wait-for", response];
        args.iter().chain(&files).map(|a| a.to_string()).collect()
    };
    let propose_now = |amount: &str| {
        let args = spend(amount, &response);
        w(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let unjoined = propose_now("1").unwrap_err();
    assert!(
        unjoined.contains("has joined no 2-of-2 account"),
        "{unjoined}"
    );
    let key = |name: &str, d: &Path| {
        run(&[
            "wallet",
            "custody",
            "key",
            name,
            "--data-dir",
            d.to_str().unwrap(),
        ])
        .unwrap()
    };
    let (bob_key, carol_key) = (key("bob", &dir), key("carol", &carol_dir));
    let shared = w(&["custody", "join", "bob", "--partner", carol_key.trim()]).unwrap();
    let shared = line_value(&shared, "shared account ");
    let joined = c(&["custody", "join", "carol", "--partner", bob_key.trim()]).unwrap();
    assert_eq!(line_value(&joined, "shared account "), shared);
    let bad = w(&["custody", "join", "bob", "--partner", "00"]).unwrap_err();
    assert!(bad.contains("partner key"), "{bad}");
    w(&["pay", "funding", "--to", &shared, "--amount", "5000"]).unwrap();
    for d in [&dir, &carol_dir] {
        let name = if d == &dir { "bob" } else { "carol" };
        wait_shared(name, d, url, |q| q == 5000);
    }

    // Bob proposes; Carol co-signs the file; Bob's waiting command submits.
    let propose = |amount: &str, timeout: &str, response: &str| {
        let mut args = spend(amount, response);
        args.extend(["--timeout".to_string(), timeout.to_string()]);
        spawn_wallet(
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            &dir,
            url,
        )
    };
    let waiting = propose("1200", "120", &response);
    wait_file(&proposal);
    let cosigned = c(&["custody", "cosign", "carol", &proposal, "--out", &response]).unwrap();
    assert!(cosigned.contains("spends 5000 of"), "{cosigned}");
    let done = outcome(waiting.wait_with_output().unwrap()).unwrap();
    let fee: u64 = done.rsplit("fee ").next().unwrap().trim().parse().unwrap();
    wait_shared("carol", &carol_dir, url, |q| q == 5000 - 1200 - fee);
    wait_shared("bob", &dir, url, |q| q == 5000 - 1200 - fee);

    // A proposal nobody answers: abandoned, its outputs free again.
    std::fs::remove_file(&proposal).unwrap();
    let alone = propose("100", "1", &file("never"));
    let out = alone.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains("no response") && said.contains("free again"),
        "{said}"
    );
    let balance = w(&["balance", "bob"]).unwrap();
    let (_, shared_table) = balance.split_once("shared account").unwrap();
    assert_eq!(
        confirmed(shared_table, &zero),
        5000 - 1200 - fee,
        "{balance}"
    );
    let stale = propose_now("1").unwrap_err();
    assert!(stale.contains("exists already"), "{stale}");
    std::fs::remove_file(&response).unwrap();
    let zero_spend = propose_now("0").unwrap_err();
    assert!(zero_spend.contains("zero units"), "{zero_spend}");
}

/// Waits until the shared account's confirmed flavor-zero balance of `name` meets
/// `ok`.
fn wait_shared(name: &str, dir: &Path, url: &str, ok: impl Fn(u64) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let b = wallet("balance", name, &[], dir, url).unwrap();
        let shared = b.split_once("shared account").map(|(_, t)| t).unwrap_or("");
        if ok(confirmed(shared, &"0".repeat(64))) {
            return;
        }
        assert!(Instant::now() < deadline, "{name}: {b}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn wait_file(path: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !Path::new(path).exists() {
        assert!(Instant::now() < deadline, "{path} never came");
        std::thread::sleep(Duration::from_millis(50));
    }
}

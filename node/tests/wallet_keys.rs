//! The wallet commands of issue 31 and the wallet file's secrets at rest (issue 34),
//! as processes against a devnet producer: viewing keys and watch-only wallets,
//! memos, asset names, zero payments, payment disclosures (and each field of one
//! changed), the wallet file's mode, a missing data directory left uncreated, the
//! passphrase from a file descriptor.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

#[test]
fn viewing_keys_memos_names_disclosures_and_secrets_at_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("node");
    let node = devnet_with_wallet(&dir, 3);
    let url = node.url.as_str();
    let d = dir.to_str().unwrap();
    let zero = "0".repeat(64);
    let w = |args: &[&str]| {
        let mut all = vec!["wallet"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", d, "--node", url]);
        run(&all)
    };

    // A passphrase from a file descriptor (an empty one gives none).
    let empty = w(&["create", "bob", "--passphrase-fd", "0"]).unwrap_err();
    assert!(empty.contains("no wallet passphrase"), "{empty}");
    let bob_made = outcome(run_with_input(
        &[
            "wallet",
            "create",
            "bob",
            "--passphrase-fd",
            "0",
            "--data-dir",
            d,
            "--node",
            url,
        ],
        &format!("{PASS}\n"),
    ))
    .unwrap();
    let bob = line_value(&bob_made, "address ");
    w(&["create", "carol"]).unwrap();
    let carol = w(&["address", "carol"]).unwrap().trim().to_string();

    // Viewing keys: a full one and an incoming one make watch-only wallets.
    let offline = |args: &[&str]| {
        let mut all = vec!["wallet"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", d]);
        run(&all)
    };
    let fvk = offline(&["export-view-key", "bob"]).unwrap();
    assert!(fvk.starts_with("zkdfvk1"), "{fvk}");
    let ivk = offline(&["export-view-key", "bob", "--incoming"]).unwrap();
    assert!(ivk.starts_with("zkdivk1"), "{ivk}");
    let made = w(&["create", "watch", "--view-key", fvk.trim()]).unwrap();
    assert!(made.contains("created watch-only wallet watch"), "{made}");
    assert_eq!(line_value(&made, "address "), bob);
    w(&["create", "incoming", "--view-key", ivk.trim()]).unwrap();
    let bad_key = w(&["create", "bad", "--view-key", "zkdfvk1qqqq"]).unwrap_err();
    assert!(bad_key.contains("viewing key"), "{bad_key}");

    // Asset names and memos.
    let issued = w(&["issue", "funding", "--metadata", "gold", "--amount", "500"]).unwrap();
    let gold = line_value(&issued, "flavor ");
    wait_confirmed("funding", &gold, 500, &dir, url);
    let paid = w(&[
        "pay",
        "funding",
        "--to",
        &bob,
        "--amount",
        "1234",
        "--memo",
        "for the chairs",
    ])
    .unwrap();
    let payment = submitted_id(&paid);
    wait_confirmed("bob", &zero, 1234, &dir, url);
    w(&[
        "pay", "funding", "--to", &bob, "--amount", "200", "--flavor", &gold,
    ])
    .unwrap();
    let bob_balance = wait_confirmed("bob", &gold, 200, &dir, url);
    let gold_line = bob_balance.lines().find(|l| l.starts_with(&gold)).unwrap();
    assert!(gold_line.ends_with("gold"), "{bob_balance}");
    let history = w(&["history", "bob"]).unwrap();
    assert!(
        history.contains("received 1234 of") && history.contains("memo \"for the chairs\""),
        "{history}"
    );
    assert!(
        history.contains(&format!("received 200 of \"gold\" ({gold})")),
        "{history}"
    );
    let sent = w(&["history", "funding"]).unwrap();
    assert!(
        sent.contains(&format!(
            "sent 1234 of {zero} to {bob}, memo \"for the chairs\""
        )),
        "{sent}"
    );

    // A second flavor named "gold" warns.
    let again = w(&["issue", "bob", "--metadata", "gold", "--amount", "5"]).unwrap();
    assert!(
        again.contains("warning: the name \"gold\" is already used"),
        "{again}"
    );

    // The watch-only wallets see what the spending wallet sees.
    let table = |name: &str| {
        let b = w(&["balance", name]).unwrap();
        b.lines().skip(1).map(str::to_string).collect::<Vec<_>>()
    };
    wait_confirmed("bob", &again_flavor(&again), 5, &dir, url);
    assert_eq!(table("watch"), table("bob"));
    assert_eq!(table("incoming"), table("bob"));
    let sent_lines = |name: &str| {
        let h = w(&["history", name]).unwrap();
        h.lines()
            .filter(|l| {
                [" sent ", " received ", " change ", " issued "]
                    .iter()
                    .any(|k| l.contains(k))
            })
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let watched = sent_lines("watch");
    assert!(
        watched.iter().any(|l| l.contains(" issued 5 of")),
        "{watched:?}"
    );
    assert_eq!(watched, sent_lines("bob"));
    let refused = w(&["pay", "watch", "--to", &carol, "--amount", "1"]).unwrap_err();
    assert!(
        refused.contains("holds only a viewing key and cannot sign"),
        "{refused}"
    );
    let unsigned = tmp.path().join("p.zkut");
    let incoming = w(&[
        "pay",
        "incoming",
        "--to",
        &carol,
        "--amount",
        "1",
        "--unsigned",
        unsigned.to_str().unwrap(),
    ])
    .unwrap_err();
    assert!(
        incoming.contains("incoming viewing key cannot"),
        "{incoming}"
    );
    assert!(!unsigned.exists());

    // Zero payments are refused.
    let zero_pay = w(&["pay", "funding", "--to", &carol, "--amount", "0"]).unwrap_err();
    assert!(zero_pay.contains("zero units"), "{zero_pay}");

    prompt_without_echo(d);
    disclosures(&w, &payment, &bob, &carol, &gold, url);
    secrets_at_rest(&dir, tmp.path(), url);
}

/// In a terminal (a pseudo-terminal made by `script`), the passphrase is asked for
/// and not echoed.
fn prompt_without_echo(d: &str) {
    use std::io::{Read, Write};
    let command = format!("{BIN} wallet export-view-key bob --data-dir {d}");
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("ZKVM_WALLET_PASSPHRASE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("`script` runs commands in a terminal: apt-get install bsdutils");
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("wallet passphrase: ") {
        let mut chunk = [0u8; 256];
        let n = stdout.read(&mut chunk).unwrap();
        assert!(n > 0, "no prompt: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&chunk[..n]);
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{PASS}\n").as_bytes()).unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success(), "{rest}");
    assert!(rest.contains("zkdfvk1"), "{rest}");
    assert!(!rest.contains(PASS), "the passphrase was echoed: {rest}");
}

/// The recipient and the sender disclose the payment; each changed field fails.
fn disclosures(
    w: &dyn Fn(&[&str]) -> Result<String, String>,
    payment: &str,
    bob: &str,
    carol: &str,
    gold: &str,
    url: &str,
) {
    let all = w(&["disclose", "bob", payment]).unwrap();
    let (index, text) = all.trim().split_once(": ").unwrap();
    let index = index.strip_prefix("output ").unwrap();
    assert_eq!(all.lines().count(), 1, "bob received one output: {all}");
    let by_sender = w(&["disclose", "funding", payment, "--output", index]).unwrap();
    let verify = |text: &str| run(&["wallet", "verify-disclosure", text, "--node", url]);
    for text in [text, by_sender.trim()] {
        let proven = verify(text).unwrap();
        assert!(
            proven.starts_with(&format!("valid: output {index} of transaction {payment}")),
            "{proven}"
        );
        assert!(
            proven.contains(&format!("1234 of flavor {}", "0".repeat(64))),
            "{proven}"
        );
        assert!(proven.contains(bob), "{proven}");
    }
    let stranger = w(&["disclose", "carol", payment, "--output", index]).unwrap_err();
    assert!(
        stranger.contains("neither paid to nor sent by this wallet"),
        "{stranger}"
    );

    let (hrp, data) = bech32m::decode(text);
    assert_eq!(data.len(), 270);
    let (_, carol_bytes) = bech32m::decode(carol);
    let gold_bytes = hex::decode(gold).unwrap();
    let changed: Vec<(&str, Vec<u8>)> = vec![
        ("transaction", flip(&data, 1)),
        ("output", flip(&data, 33)),
        ("quantity", flip(&data, 102)),
        ("quantity blinding", flip(&data, 142)),
        ("flavor blinding", flip(&data, 174)),
        ("note point", flip(&data, 206)),
        ("binding", flip(&data, 238)),
        ("control key", splice(&data, 38, &carol_bytes[1..33])),
        ("encryption key", splice(&data, 70, &carol_bytes[33..65])),
        ("flavor", splice(&data, 110, &gold_bytes)),
    ];
    for (field, bytes) in changed {
        let out = run_status(&[
            "wallet",
            "verify-disclosure",
            &bech32m::encode(&hrp, &bytes),
            "--node",
            url,
        ]);
        assert_eq!(out.status.code(), Some(1), "{field}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.starts_with("error: "), "{field}: {said}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("valid"),
            "{field}"
        );
    }
    let mut typo = text.to_string();
    typo.replace_range(40..41, if &text[40..41] == "q" { "p" } else { "q" });
    let checksum = verify(&typo).unwrap_err();
    assert!(checksum.contains("wrong checksum"), "{checksum}");
    let unknown = verify(&bech32m::encode(&hrp, &flip(&data, 1))).unwrap_err();
    assert!(unknown.contains("is not in the chain"), "{unknown}");
}

fn again_flavor(issued: &str) -> String {
    line_value(issued, "flavor ")
}

fn flip(data: &[u8], at: usize) -> Vec<u8> {
    let mut out = data.to_vec();
    out[at] ^= 1;
    out
}

fn splice(data: &[u8], at: usize, with: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    out[at..at + with.len()].copy_from_slice(with);
    out
}

fn run_status(args: &[&str]) -> std::process::Output {
    zkvm(args, PASS)
}

/// The wallet file's mode, a wrong passphrase, and failed commands that create
/// nothing.
fn secrets_at_rest(dir: &Path, tmp: &Path, url: &str) {
    let file = dir.join("wallets.redb");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    let balance_as = |dir: &Path, passphrase: &str| {
        let d = dir.to_str().unwrap();
        outcome(zkvm(
            &["wallet", "balance", "bob", "--data-dir", d, "--node", url],
            passphrase,
        ))
    };
    let balance = |dir: &Path| balance_as(dir, PASS);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let open = balance(dir).unwrap_err();
    assert!(
        open.contains("has mode 0644") && open.contains(&format!("chmod 600 {}", file.display())),
        "{open}"
    );
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    balance(dir).unwrap();

    let wrong = balance_as(dir, "not the passphrase").unwrap_err();
    assert!(wrong.contains("wrong passphrase"), "{wrong}");

    let missing = tmp.join("nonexistent");
    let none = balance(&missing).unwrap_err();
    assert!(
        none.contains("no wallet file") && none.contains("wallet create"),
        "{none}"
    );
    assert!(!missing.exists());
    let create = |node: &str| {
        let d = missing.to_str().unwrap();
        run(&["wallet", "create", "dave", "--data-dir", d, "--node", node])
    };
    let unreachable = create("http://127.0.0.1:9").unwrap_err();
    assert!(
        unreachable.contains("cannot reach the node"),
        "{unreachable}"
    );
    assert!(!missing.exists());
    let created = create(url).unwrap();
    assert!(created.contains("created wallet dave"), "{created}");
    assert_eq!(mode(&missing), 0o700);
    assert_eq!(mode(&missing.join("wallets.redb")), 0o600);
}

//! Offline signing through the command line: a root key file made offline, its
//! full viewing key as a watch-only wallet online, `pay --unsigned`, `sign` (asking,
//! declined, confirmed; from a root file and from a wallet record), `submit`, and a
//! tampered proposal of each kind refused, naming what differs.

mod common;

use common::*;
use curve25519_dalek::scalar::Scalar;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use wallet::{KeyPath, Proposal, ShownOutput};

#[test]
fn a_cold_root_signs_what_a_watch_only_wallet_built() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("node");
    let node = devnet_with_wallet(&dir, 3);
    let url = node.url.as_str();
    let d = dir.to_str().unwrap();
    let file = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    let w = |args: &[&str]| {
        let mut all = vec!["wallet"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", d, "--node", url]);
        run(&all)
    };
    let zero = "0".repeat(64);

    // Offline: a root file and its viewing key. Online: a watch-only wallet of it.
    let root = file("cold.root");
    let made = run(&["wallet", "new-root", "--out", &root]).unwrap();
    let cold_address = line_value(&made, "address ");
    let mode = std::fs::metadata(&root).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let again = run(&["wallet", "new-root", "--out", &root]).unwrap_err();
    assert!(again.contains("exists"), "{again}");
    let fvk = run(&["wallet", "export-view-key", "--root-file", &root]).unwrap();
    let hot = w(&["create", "hot", "--view-key", fvk.trim()]).unwrap();
    assert_eq!(line_value(&hot, "address "), cold_address);
    w(&["create", "carol"]).unwrap();
    let carol = w(&["address", "carol"]).unwrap().trim().to_string();
    w(&["pay", "funding", "--to", &cold_address, "--amount", "50000"]).unwrap();
    wait_confirmed("hot", &zero, 50_000, &dir, url);

    // Built online, unsigned.
    let unsigned = file("pay.zkut");
    let built = w(&[
        "pay",
        "hot",
        "--to",
        &carol,
        "--amount",
        "1000",
        "--memo",
        "rent",
        "--fee-rate",
        "1/100",
        "--unsigned",
        &unsigned,
    ])
    .unwrap();
    assert!(built.contains("wrote unsigned transaction"), "{built}");
    let locked = w(&["balance", "hot"]).unwrap();
    assert_eq!(
        confirmed(&locked, &zero),
        0,
        "its input is reserved: {locked}"
    );

    // Signed offline: asked, declined, then confirmed.
    let signed = file("pay.signed");
    let sign = |input: &str, extra: &[&str]| {
        let mut args = vec!["wallet", "sign", &unsigned, "--out", &signed];
        args.extend_from_slice(extra);
        run_with_input(&args, input)
    };
    let declined = sign("n\n", &["--root-file", &root]);
    assert!(!declined.status.success());
    let said = String::from_utf8_lossy(&declined.stderr);
    assert!(
        said.contains(&format!(
            "pays     1000 of {zero} to {carol}, memo \"rent\""
        )),
        "{said}"
    );
    assert!(said.contains("not signed"), "{said}");
    assert!(!Path::new(&signed).exists());
    let confirmed_out = outcome(sign("y\n", &["--root-file", &root])).unwrap();
    assert!(
        confirmed_out.contains("signed transaction"),
        "{confirmed_out}"
    );

    tampered(&unsigned, &root, tmp.path());

    // Submitted online.
    let unsigned_submit = w(&["submit", "hot", &unsigned]).unwrap_err();
    assert!(
        unsigned_submit.contains("is not signed"),
        "{unsigned_submit}"
    );
    let submitted = w(&["submit", "hot", &signed]).unwrap();
    assert!(submitted.contains("submitted transaction"), "{submitted}");
    let twice = w(&["submit", "hot", &signed]).unwrap_err();
    assert!(
        twice.contains("is not one wallet hot waits to submit"),
        "{twice}"
    );
    wait_confirmed("carol", &zero, 1000, &dir, url);
    let history = w(&["history", "hot"]).unwrap();
    assert!(
        history.contains(&format!("sent 1000 of {zero} to {carol}, memo \"rent\"")),
        "{history}"
    );

    // A wallet record signs too (without a node); a watch-only one cannot.
    let by_record = file("funding.zkut");
    w(&[
        "pay",
        "funding",
        "--to",
        &carol,
        "--amount",
        "7",
        "--unsigned",
        &by_record,
    ])
    .unwrap();
    let record_signed = file("funding.signed");
    let out = run(&[
        "wallet",
        "sign",
        &by_record,
        "--out",
        &record_signed,
        "--wallet",
        "funding",
        "--data-dir",
        d,
        "--yes",
    ])
    .unwrap();
    assert!(
        out.contains(&format!("pays     7 of {zero} to {carol}")),
        "{out}"
    );
    let watch = run(&[
        "wallet",
        "sign",
        &by_record,
        "--out",
        &file("x"),
        "--wallet",
        "hot",
        "--data-dir",
        d,
        "--yes",
    ])
    .unwrap_err();
    assert!(watch.contains("holds only a viewing key"), "{watch}");
    w(&["submit", "funding", &record_signed]).unwrap();
    wait_confirmed("carol", &zero, 1007, &dir, url);

    // A root file others may read is refused.
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o644)).unwrap();
    let open = run(&["wallet", "export-view-key", "--root-file", &root]).unwrap_err();
    assert!(open.contains("chmod 600"), "{open}");
}

/// Each kind of tampering is refused by `wallet sign`, naming what differs.
fn tampered(unsigned: &str, root: &str, tmp: &Path) {
    let good = Proposal::from_bytes(&std::fs::read(unsigned).unwrap()).unwrap();
    let other = wallet::Wallet::new(
        keytree::Xprv::random(&mut rand::rngs::OsRng),
        wallet::Network::Devnet,
    )
    .address(wallet::Owner::Account(0))
    .unwrap();
    assert_eq!(good.shown.outputs.len(), 2, "payment and change");
    type Change = Box<dyn Fn(&mut Proposal)>;
    let payment = |f: Box<dyn Fn(&mut ShownOutput)>| -> Change {
        Box::new(move |p: &mut Proposal| f(&mut p.shown.outputs[0]))
    };
    let cases: Vec<(&str, Change)> = vec![
        (
            "amount",
            payment(Box::new(|o| {
                if let ShownOutput::Payment { opening, .. } = o {
                    opening.qty += 1;
                }
            })),
        ),
        (
            "recipient",
            payment(Box::new(move |o| {
                if let ShownOutput::Payment { address, .. } = o {
                    **address = other;
                }
            })),
        ),
        (
            "flavor",
            payment(Box::new(|o| {
                if let ShownOutput::Payment { opening, .. } = o {
                    opening.flavor = Scalar::ONE;
                }
            })),
        ),
        (
            "memo",
            payment(Box::new(|o| {
                if let ShownOutput::Payment { memo, .. } = o {
                    *memo = Some("deposit".parse().unwrap());
                }
            })),
        ),
        ("fee", Box::new(|p: &mut Proposal| p.fee += 1)),
        (
            "hidden output",
            Box::new(|p: &mut Proposal| {
                p.shown.outputs.pop();
            }),
        ),
        (
            "program",
            Box::new(|p: &mut Proposal| {
                let at = p.tx.program.len() - 2;
                p.tx.program[at] ^= 1;
            }),
        ),
        (
            "program or header",
            Box::new(|p: &mut Proposal| p.tx.header.maxtime_ms -= 1),
        ),
        (
            "proof",
            Box::new(|p: &mut Proposal| {
                let mut bytes = p.tx.proof.to_bytes();
                let at = bytes.len() - 32;
                bytes[at..].copy_from_slice(&[0u8; 32]);
                p.tx.proof = zkvm::R1csProof::from_bytes(&bytes).unwrap();
            }),
        ),
        (
            "derivation path",
            Box::new(|p: &mut Proposal| {
                if let KeyPath::Control { tweak } = &mut p.signers[0].path {
                    *tweak += Scalar::ONE;
                }
            }),
        ),
    ];
    let out = tmp.join("tampered.signed");
    let sign = |proposal: &Path, root: &str| {
        run(&[
            "wallet",
            "sign",
            proposal.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--root-file",
            root,
            "--yes",
        ])
    };
    for (what, change) in cases {
        let mut p = good.clone();
        change(&mut p);
        let path = tmp.join("tampered.zkut");
        std::fs::write(&path, p.to_bytes()).unwrap();
        let refused = sign(&path, root).unwrap_err();
        assert!(
            refused.contains("the proposal is refused") && refused.contains(what),
            "{what}: {refused}"
        );
        assert!(!out.exists(), "{what}");
    }
    let stranger = tmp.join("stranger.root");
    run(&["wallet", "new-root", "--out", stranger.to_str().unwrap()]).unwrap();
    let refused = sign(Path::new(unsigned), stranger.to_str().unwrap()).unwrap_err();
    assert!(refused.contains("derivation path"), "{refused}");
    let mut cut = std::fs::read(unsigned).unwrap();
    cut.truncate(cut.len() - 1);
    let path = tmp.join("cut.zkut");
    std::fs::write(&path, cut).unwrap();
    let refused = sign(&path, root).unwrap_err();
    assert!(
        refused.contains("give the file `wallet pay --unsigned` wrote"),
        "{refused}"
    );
}

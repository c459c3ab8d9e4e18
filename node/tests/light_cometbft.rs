//! Light wallets on four CometBFT validators (`abci::localnet::LocalNet`): the
//! validators' APIs serve compact blocks with CometBFT's signed headers as evidence,
//! and a wallet checks each header against the validators it trusts
//! (`light::cometbft`). A wallet recovered light finds what one recovered in full
//! does; a new wallet starts at the tip; real headers of the network verify, and
//! the same headers tampered with, or of another block, or judged by other
//! validators, are refused; a node that lies is named.
//!
//! Needs `cometbft` (v0.38) on PATH, in ~/go/bin or in $COMETBFT; `.ci/run` installs
//! it.

mod common;

use common::light::*;
use common::*;
use std::time::{Duration, Instant};
use tendermint::block::CommitSig;
use wallet::{Checkpoint, WalletError};
use zeroize::Zeroizing;
use zkvm_node::abci::app_state::{GenesisSpec, GenesisWallet};
use zkvm_node::abci::localnet::{self, LocalNet};
use zkvm_node::abci::testnet::TestnetSpec;
use zkvm_node::client::Remote;
use zkvm_node::light::cometbft::{CometBftVerifier, CometTrust, Evidence};

const VALIDATORS: usize = 4;

/// Four validators whose genesis funds `alice` in `OUT/genesis`.
fn network(out: &std::path::Path) -> LocalNet {
    let base = localnet::free_base_port(VALIDATORS + 1).unwrap_or_else(|e| panic!("{e}"));
    let spec = TestnetSpec {
        validators: VALIDATORS,
        genesis: GenesisSpec {
            outputs: 4,
            wallet: Some(GenesisWallet {
                name: "alice".into(),
                passphrase: Zeroizing::new(PASS.as_bytes().to_vec()),
                outputs: 4,
            }),
            ..GenesisSpec::default()
        },
        timeout_commit: Duration::from_millis(300),
        log_level: "error".into(),
    };
    LocalNet::launch(out, base, spec, BIN.into()).unwrap_or_else(|e| panic!("{e}"))
}

/// The height a `create` or `recover` line names ("... at height H ..." or "to H").
fn height_in(text: &str, marker: &str) -> u64 {
    text.split(marker)
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|h| h.parse().ok())
        .unwrap_or_else(|| panic!("no height after {marker:?} in {text}"))
}

#[test]
fn light_wallets_follow_four_validators_and_refuse_what_they_did_not_sign() {
    let started = Instant::now();
    let tmp = tempfile::Builder::new()
        .prefix("light-cometbft")
        .tempdir()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let net = network(&tmp.path().join("net"));
    for i in 0..VALIDATORS {
        rt.block_on(net.wait_ready(i, Duration::from_secs(120)))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    // A few blocks, so that light sync has headers to check.
    let rpc = net.rpc(0).unwrap();
    while rt.block_on(rpc.status()).unwrap().latest_height < 3 {
        assert!(started.elapsed() < Duration::from_secs(180), "no blocks");
        std::thread::sleep(Duration::from_millis(200));
    }
    let dir = net.out().join("genesis");
    let api = |i: usize| net.api_url(i);
    let zero = "0".repeat(64);

    // Bob, recovered light from the genesis through validator 0, is paid by Alice
    // (a full wallet) through validator 1 and sees it through validator 2.
    let root = new_root(tmp.path());
    light("recover", "bob", &["--root", &root], &dir, &api(0)).unwrap();
    let bob = light("address", "bob", &[], &dir, &api(0)).unwrap();
    wallet(
        "pay",
        "alice",
        &["--to", bob.trim(), "--amount", "1500"],
        &dir,
        &api(1),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    while confirmed(&light("balance", "bob", &[], &dir, &api(2)).unwrap(), &zero) != 1500 {
        assert!(Instant::now() < deadline, "bob never saw the payment");
        std::thread::sleep(Duration::from_millis(300));
    }
    let history = light("history", "bob", &[], &dir, &api(2)).unwrap();
    assert!(
        history.contains("light sync trusts CometBFT chain"),
        "{history}"
    );

    // Bob, light, pays Alice back through validator 3: his payment is listed as
    // pending while the light wallet is a block behind the node, then mined.
    let alice = wallet("address", "alice", &[], &dir, &api(0)).unwrap();
    let paid = light(
        "pay",
        "bob",
        &["--to", alice.trim(), "--amount", "100"],
        &dir,
        &api(3),
    )
    .unwrap();
    let id = submitted_id(&paid);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let history = light("history", "bob", &[], &dir, &api(2)).unwrap();
        let pending = light("pending", "bob", &[], &dir, &api(2)).unwrap();
        // A block behind the node, the wallet must not take it for lost.
        assert!(
            !history.contains(&format!("transaction {id} released")),
            "{history}"
        );
        if history.contains(&format!("transaction {id} paid fee")) {
            assert!(pending.contains("has no pending transactions"), "{pending}");
            break;
        }
        assert!(
            pending.contains(&id) || pending.contains("has no pending transactions"),
            "{pending}"
        );
        assert!(Instant::now() < deadline, "bob's payment was never mined");
        std::thread::sleep(Duration::from_millis(300));
    }
    let bob_balance = confirmed(&light("balance", "bob", &[], &dir, &api(2)).unwrap(), &zero);
    assert!(bob_balance < 1400, "{bob_balance}");

    // The same root recovered in full and light finds the same.
    let full = wallet("recover", "bob-full", &["--root", &root], &dir, &api(3)).unwrap();
    let lit = light("recover", "bob-light", &["--root", &root], &dir, &api(3)).unwrap();
    let held = |text: &str| height_in(text, ": ");
    assert_eq!(held(&full), held(&lit), "{full}\n{lit}");
    let full_balance = wallet("balance", "bob-full", &[], &dir, &api(3)).unwrap();
    let light_balance = light("balance", "bob-light", &[], &dir, &api(3)).unwrap();
    assert_eq!(
        confirmed(&full_balance, &zero),
        bob_balance,
        "{full_balance}"
    );
    assert_eq!(
        confirmed(&light_balance, &zero),
        bob_balance,
        "{light_balance}"
    );
    let full_history = wallet("history", "bob-full", &[], &dir, &api(3)).unwrap();
    let light_history = light("history", "bob-light", &[], &dir, &api(3)).unwrap();
    for line in ["received 1500", &format!("transaction {id} paid fee")] {
        assert!(full_history.contains(line), "{line}: {full_history}");
        assert!(light_history.contains(line), "{line}: {light_history}");
    }

    // A new wallet starts at the last block the validators' headers prove.
    let remote = Remote::new(&api(0)).unwrap();
    let tip = rt.block_on(remote.status()).unwrap().height;
    let carol = light("create", "carol", &[], &dir, &api(0)).unwrap();
    let at = height_in(&carol, " at height ");
    assert!(at + 2 >= tip && at > 2, "{carol} (tip was {tip})");

    // Real headers verify; tampered, misplaced or judged by strangers they do not.
    let (genesis, _) = rt.block_on(remote.chain()).unwrap();
    let (initial, _, _) = genesis.start().unwrap();
    let trust = rt.block_on(remote.light_trust()).unwrap();
    let mut verifier = CometBftVerifier::new(trust.clone());
    let (_, page, _) = rt.block_on(remote.light_blocks(2)).unwrap();
    assert!(page.len() >= 3, "{} light blocks", page.len());
    eprintln!(
        "CometBFT evidence of a block, four validators: {} bytes",
        page[0].evidence.len()
    );
    let genesis_point = Checkpoint::of_state(&initial);
    let mut point = genesis_point.clone();
    for light in &page {
        point = point.follow(light, &mut verifier).unwrap();
    }
    let refused = |light: &wallet::LightBlock, verifier: &mut CometBftVerifier| match genesis_point
        .follow(light, verifier)
    {
        Err(WalletError::HeaderNotSigned { reason, .. }) => reason,
        other => panic!("not refused as unsigned: {other:?}"),
    };
    let mut misplaced = page[0].clone();
    misplaced.evidence = page[1].evidence.clone();
    let reason = refused(&misplaced, &mut verifier);
    assert!(reason.contains("CometBFT height 3, not 2"), "{reason}");
    // Every signature of the commit forged.
    let mut evidence = Evidence::from_bytes(&page[0].evidence).unwrap();
    let signed = &mut evidence.signed;
    for sig in &mut signed.commit.signatures {
        if let CommitSig::BlockIdFlagCommit {
            signature: Some(s), ..
        } = sig
        {
            let mut bytes = s.as_bytes().to_vec();
            bytes[7] ^= 1;
            *s = tendermint::Signature::try_from(bytes).unwrap();
        }
    }
    let mut forged = page[0].clone();
    forged.evidence = evidence.to_bytes();
    let reason = refused(&forged, &mut verifier);
    assert!(reason.contains("does not sign the header"), "{reason}");
    // A header changed after it was signed.
    let mut evidence = Evidence::from_bytes(&page[0].evidence).unwrap();
    let signed = &mut evidence.signed;
    signed.header.time = (signed.header.time + Duration::from_secs(1)).unwrap();
    let mut changed = page[0].clone();
    changed.evidence = evidence.to_bytes();
    let reason = refused(&changed, &mut verifier);
    assert!(reason.contains("does not sign the header"), "{reason}");
    let strangers: Vec<([u8; 32], u64)> = (1..=4u64)
        .map(|i| {
            let point = curve25519_dalek::constants::ED25519_BASEPOINT_POINT
                * curve25519_dalek::Scalar::from(i);
            (point.compress().to_bytes(), 10)
        })
        .collect();
    let stranger_trust = CometTrust::new(trust.chain_id.as_str(), &strangers).unwrap();
    let reason = refused(&page[0], &mut CometBftVerifier::new(stranger_trust));
    assert!(reason.contains("names validator set"), "{reason}");
    let elsewhere = CometTrust {
        chain_id: "elsewhere".try_into().unwrap(),
        validators: trust.validators.clone(),
    };
    let reason = refused(&page[0], &mut CometBftVerifier::new(elsewhere));
    assert!(reason.contains("not elsewhere"), "{reason}");

    // A node that lies in its evidence or its outputs is named.
    let unsigned = lying_node(&api(0), Lie::Signature);
    let caught = light("recover", "eve", &["--root", &root], &dir, &unsigned).unwrap_err();
    assert!(
        caught.contains("is not proven by its evidence") && caught.contains("sync from another"),
        "{caught}"
    );
    let forger = lying_node(&api(0), Lie::Output);
    let caught = light("recover", "eve", &["--root", &root], &dir, &forger).unwrap_err();
    assert!(caught.contains("withheld or invented"), "{caught}");
    eprintln!(
        "light wallets on four validators: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

//! Three wallets: payment requests answered with replies, payments found only by
//! scanning, an expired request, recovery from the root key, blocks applied twice
//! or out of order, reservations freed by expiry, and stored states.

mod common;

use common::{rng, wallet, Net};
use curve25519_dalek::scalar::Scalar;
use keytree::Xprv;
use wallet::{MemoryStore, Owner, PaymentRequest, TxPlan, Wallet, WalletError};
use zkvm::FeeRate;

const ME: Owner = Owner::Account(0);
const ZERO: Scalar = Scalar::ZERO;

fn rate() -> FeeRate {
    FeeRate::new(1, 100)
}

/// Alice (faucet), Bob and Carol, with Bob and Carol funded in block 2.
fn three() -> (Net, Wallet, Wallet, Wallet, rand::rngs::StdRng) {
    let mut r = rng(10);
    let (mut alice, mut bob, mut carol) = (wallet(b"alice"), wallet(b"bob"), wallet(b"carol"));
    let mut net = Net::start(&mut alice, &mut [&mut bob, &mut carol], &mut r);
    let plan = TxPlan::new(ME)
        .issue(b"gold".to_vec(), 1_000)
        .pay(bob.address(ME).unwrap(), 10_000, ZERO)
        .pay(
            bob.address(ME).unwrap(),
            400,
            alice.flavor(0, b"gold").unwrap(),
        )
        .pay(carol.address(ME).unwrap(), 10_000, ZERO)
        .fee_rate(rate());
    let sent = alice.send(&plan, &net.gens, &mut r).unwrap();
    net.submit(&sent);
    net.mine(&mut [&mut alice, &mut bob, &mut carol]);
    (net, alice, bob, carol, r)
}

#[test]
fn requests_replies_scanning_and_recovery() {
    let (mut net, mut alice, mut bob, mut carol, mut r) = three();
    let gold = alice.flavor(0, b"gold").unwrap();

    // Carol asks Bob for 150 gold; the request travels as bytes.
    let expiry = net.time + 10_000;
    let request = carol.request_payment(0, 150, gold, expiry, &mut r).unwrap();
    let request = PaymentRequest::from_bytes(&request.to_bytes(), wallet::Network::Devnet).unwrap();
    // In the same transaction Bob also pays Alice's address, without asking.
    let plan = TxPlan::new(ME)
        .pay_request(request.clone())
        .pay(alice.address(ME).unwrap(), 25, gold)
        .fee_rate(rate());
    let sent = bob.send(&plan, &net.gens, &mut r).unwrap();
    assert_eq!(sent.replies.len(), 1);
    assert_eq!(
        sent.block_tx.tx.header.maxtime_ms, expiry,
        "the request bounds the tx"
    );
    let watched = carol.accept_reply(&sent.replies[0]).unwrap();
    assert_eq!(carol.balance(ME, gold).pending, 150);
    net.submit(&sent);
    let applied = net.mine(&mut [&mut alice, &mut bob, &mut carol]);
    assert!(applied.txs[0].log.outputs().any(|c| c.id() == watched));
    assert_eq!(carol.balance(ME, gold).confirmed, 150);
    assert_eq!(carol.balance(ME, gold).pending, 0);
    assert!(
        carol.ledger().requests.is_empty(),
        "the request is fulfilled"
    );
    // Alice had no reply: she found her payment by scanning.
    assert_eq!(alice.balance(ME, gold).confirmed, 600 + 25);
    assert_eq!(bob.balance(ME, gold).confirmed, 400 - 150 - 25);

    // Carol spends the requested output right away.
    let plan = TxPlan::new(ME)
        .pay(bob.address(ME).unwrap(), 50, gold)
        .fee_rate(rate());
    let sent = carol.send(&plan, &net.gens, &mut r).unwrap();
    net.submit(&sent);
    net.mine(&mut [&mut alice, &mut bob, &mut carol]);
    assert_eq!(carol.balance(ME, gold).confirmed, 100);

    // A wallet recovered from its root key reaches the same balances and outputs
    // (Alice's initial output predates the chain, so only Bob and Carol rescan).
    for (seed, original) in [(&b"bob"[..], &bob), (b"carol", &carol)] {
        let mut recovered = wallet(seed);
        recovered.start(&net.genesis, Vec::new());
        for applied in &net.blocks {
            recovered.apply_block(applied).unwrap();
        }
        for flavor in [ZERO, gold] {
            assert_eq!(
                recovered.balance(ME, flavor).confirmed,
                original.balance(ME, flavor).confirmed
            );
        }
        let ids = |w: &Wallet| w.ledger().outputs.keys().copied().collect::<Vec<_>>();
        assert_eq!(ids(&recovered), ids(original));
    }
}

#[test]
fn an_expired_request_can_no_longer_be_paid_and_closes() {
    let (mut net, mut alice, mut bob, mut carol, mut r) = three();
    let expiry = net.time + 500;
    let request = carol.request_payment(0, 10, ZERO, expiry, &mut r).unwrap();
    // A second request is answered, but the payment never reaches the chain.
    let answered = carol.request_payment(0, 20, ZERO, expiry, &mut r).unwrap();
    let unsent = bob
        .send(&TxPlan::new(ME).pay_request(answered), &net.gens, &mut r)
        .unwrap();
    carol.accept_reply(&unsent.replies[0]).unwrap();
    assert_eq!(carol.balance(ME, ZERO).pending, 20);
    net.mine(&mut [&mut alice, &mut bob, &mut carol]);
    assert_eq!(
        carol.balance(ME, ZERO).pending,
        0,
        "the announced output expired"
    );
    assert_eq!(
        bob.balance(ME, ZERO).locked,
        0,
        "the unmined payment expired"
    );
    assert!(net.time >= expiry);
    assert!(carol.ledger().requests.is_empty(), "the request closed");
    let plan = TxPlan::new(ME).pay_request(request.clone());
    assert_eq!(
        bob.send(&plan, &net.gens, &mut r).unwrap_err(),
        WalletError::RequestExpired {
            expiry_ms: expiry,
            now_ms: net.time
        }
    );
    assert_eq!(bob.balance(ME, ZERO).locked, 0);
    // A reply to a closed request is refused.
    let reply = wallet::PaymentReply {
        index: request.index,
        tx: Default::default(),
        anchor: Default::default(),
    };
    assert_eq!(
        carol.accept_reply(&reply),
        Err(WalletError::UnknownRequest(request.index))
    );
}

#[test]
fn a_payment_that_expires_unmined_frees_its_outputs() {
    let (mut net, mut alice, mut bob, mut carol, mut r) = three();
    let before = bob.balance(ME, ZERO);
    let plan = TxPlan::new(ME)
        .pay(carol.address(ME).unwrap(), 10, ZERO)
        .time_bounds(0, net.time + 500);
    let sent = bob.send(&plan, &net.gens, &mut r).unwrap();
    assert_eq!(bob.balance(ME, ZERO).locked, 10_000);
    // Never submitted: the next block passes its maxtime.
    let applied = net.mine(&mut [&mut alice, &mut carol]);
    let report = bob.apply_block(&applied).unwrap();
    assert_eq!(report.dropped, vec![sent.id]);
    assert_eq!(bob.balance(ME, ZERO), before);
    // A payment released by hand frees its outputs too.
    let sent = bob
        .send(
            &TxPlan::new(ME).pay(carol.address(ME).unwrap(), 10, ZERO),
            &net.gens,
            &mut r,
        )
        .unwrap();
    bob.release(&sent.id).unwrap();
    assert_eq!(bob.balance(ME, ZERO), before);
    assert_eq!(bob.release(&sent.id), Err(WalletError::UnknownTx(sent.id)));
}

#[test]
fn two_payments_never_pick_the_same_output() {
    let (mut net, mut alice, mut bob, mut carol, mut r) = three();
    let carol_address = carol.address(ME).unwrap();
    // Bob has one output of flavor zero: the second payment cannot use it.
    let first = bob
        .send(
            &TxPlan::new(ME).pay(carol_address, 10, ZERO),
            &net.gens,
            &mut r,
        )
        .unwrap();
    let refused = bob
        .send(
            &TxPlan::new(ME).pay(carol_address, 10, ZERO),
            &net.gens,
            &mut r,
        )
        .unwrap_err();
    // The change of the first payment is on its way, and the message says so.
    let change = bob.balance(ME, ZERO).pending;
    assert!(change > 0);
    assert!(
        matches!(refused, WalletError::InsufficientFunds { available: 0, pending, .. } if pending == change),
        "{refused:?}"
    );
    let message = refused.to_string();
    assert!(
        message.contains(&format!("{change} more is on its way"))
            && message.contains("try again after the next block"),
        "{message}"
    );
    net.submit(&first);
    net.mine(&mut [&mut alice, &mut bob, &mut carol]);
    assert_eq!(bob.balance(ME, ZERO).confirmed, 10_000 - 10);
    assert_eq!(carol.balance(ME, ZERO).confirmed, 10_000 + 10);
}

#[test]
fn blocks_applied_twice_are_skipped_and_gaps_refused() {
    let (mut net, mut alice, mut bob, mut carol, mut r) = three();
    let applied = net.blocks.last().unwrap().clone();
    let report = bob.apply_block(&applied).unwrap();
    assert!(report.already_applied);
    assert_eq!(bob.balance(ME, ZERO).confirmed, 10_000);

    let sent = bob
        .send(
            &TxPlan::new(ME).pay(carol.address(ME).unwrap(), 7, ZERO),
            &net.gens,
            &mut r,
        )
        .unwrap();
    net.submit(&sent);
    let third = net.mine(&mut [&mut alice, &mut carol]);
    let fourth = net.mine(&mut [&mut alice, &mut carol]);
    // Bob missed block 3: block 4 does not extend his tip.
    let before = bob.ledger().outputs.len();
    assert!(matches!(
        bob.apply_block(&fourth),
        Err(WalletError::NotExtendingTip {
            height: 4,
            tip_height: 2,
            ..
        })
    ));
    assert_eq!(bob.ledger().outputs.len(), before);
    assert_eq!(bob.tip().unwrap().height(), 2);
    // Block 3 with the catch-up of another block is refused.
    let mut mismatched = third.clone();
    mismatched.catchup = applied.catchup.clone();
    assert!(matches!(
        bob.apply_block(&mismatched),
        Err(WalletError::GenerationMismatch { .. })
    ));
    bob.apply_block(&third).unwrap();
    bob.apply_block(&fourth).unwrap();
    assert!(bob.apply_block(&third).unwrap().already_applied);
    assert_eq!(bob.balance(ME, ZERO).confirmed, 10_000 - 7);
    // A wallet that never started refuses blocks.
    assert_eq!(
        wallet(b"dave").apply_block(&third),
        Err(WalletError::NotStarted)
    );
}

#[test]
fn sealed_states_reopen_only_with_their_root() {
    let (mut net, mut alice, mut bob, mut carol, mut r) = three();
    let gold = alice.flavor(0, b"gold").unwrap();
    let request = carol
        .request_payment(0, 3, gold, net.time + 100_000, &mut r)
        .unwrap();
    let sent = bob
        .send(&TxPlan::new(ME).pay_request(request), &net.gens, &mut r)
        .unwrap();
    carol.accept_reply(&sent.replies[0]).unwrap();
    let mut store = MemoryStore::default();
    bob.save(&mut store, &mut r).unwrap();
    let mut carol_store = MemoryStore::default();
    carol.save(&mut carol_store, &mut r).unwrap();
    let mut bob2 = Wallet::load(Xprv::from_seed(b"bob"), &store)
        .unwrap()
        .unwrap();
    let mut carol2 = Wallet::load(Xprv::from_seed(b"carol"), &carol_store)
        .unwrap()
        .unwrap();
    assert_eq!(bob2.state_bytes(), bob.state_bytes());
    assert_eq!(bob2.balance(ME, gold), bob.balance(ME, gold));
    assert_eq!(
        Wallet::load(Xprv::from_seed(b"eve"), &store).unwrap_err(),
        WalletError::StateKey
    );
    // The reopened wallets carry on: the payment is mined and found.
    net.submit(&sent);
    net.mine(&mut [&mut alice, &mut bob2, &mut carol2]);
    assert_eq!(carol2.balance(ME, gold).confirmed, 3);
    assert_eq!(bob2.balance(ME, gold).confirmed, 400 - 3);
    // Plain state bytes are refused when cut short.
    let plain = bob2.state_bytes();
    assert!(Wallet::from_state_bytes(Xprv::from_seed(b"bob"), &plain[..plain.len() - 1]).is_err());
}

//! Viewing keys, memos and asset names through a real chain: a watch-only wallet
//! made from Bob's full viewing key (and one from his incoming viewing key) follows
//! the same blocks as Bob's wallet and must tell the same balances and history.

mod common;

use common::{rng, wallet, Net};
use curve25519_dalek::scalar::Scalar;
use wallet::{BlockReport, Memo, Network, Owner, Recipient, TxPlan, Wallet, WalletError};
use zkvm::FeeRate;

const ME: Owner = Owner::Account(0);
const ZERO: Scalar = Scalar::ZERO;

fn rate() -> FeeRate {
    FeeRate::new(1, 100)
}

/// Mines a block and returns the reports of Bob, his full watch-only twin and his
/// incoming-only twin (Alice follows too).
fn mine(net: &mut Net, alice: &mut Wallet, bobs: &mut [&mut Wallet; 3]) -> Vec<BlockReport> {
    let applied = net.mine(&mut [alice]);
    bobs.iter_mut()
        .map(|w| w.apply_block(&applied).expect("the wallet follows"))
        .collect()
}

/// Bob and his twins agree on everything the incoming key sees; the full twin also
/// on what Bob sent.
fn assert_same(reports: &[BlockReport], bobs: &[&mut Wallet; 3], flavors: &[Scalar]) {
    let (bob, full, incoming) = (&reports[0], &reports[1], &reports[2]);
    assert_eq!(full.received, bob.received);
    assert_eq!(full.spent, bob.spent);
    assert_eq!(full.history, bob.history);
    assert_eq!(incoming.received, bob.received);
    assert_eq!(incoming.spent, bob.spent);
    assert_eq!(incoming.history.received, bob.history.received);
    assert!(
        incoming.history.sent.is_empty(),
        "no outgoing key, no sent history"
    );
    for flavor in flavors {
        let balance = bobs[0].balance(ME, *flavor).confirmed;
        assert_eq!(bobs[1].balance(ME, *flavor).confirmed, balance);
        assert_eq!(bobs[2].balance(ME, *flavor).confirmed, balance);
    }
}

#[test]
fn a_watch_only_wallet_tells_the_same_balances_and_history_and_cannot_sign() {
    let mut r = rng(40);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let keys = bob.account(0).unwrap();
    let fvk = keys.full_viewing_key().unwrap();
    let fvk_text = fvk.to_text(Network::Devnet);
    let ivk = keys.incoming_viewing_key().clone();
    let mut full = Wallet::watch_only(
        wallet::ViewingKey::from_text(&fvk_text, Network::Devnet).unwrap(),
        Network::Devnet,
    );
    let mut incoming = Wallet::watch_only(ivk, Network::Devnet);
    assert!(full.is_watch_only() && !bob.is_watch_only());
    assert_eq!(full.address(ME).unwrap(), bob.address(ME).unwrap());
    let mut net = Net::start(
        &mut alice,
        &mut [&mut bob, &mut full, &mut incoming],
        &mut r,
    );
    let gold = alice.flavor(0, b"gold").unwrap();
    let silver = bob.flavor(0, b"silver").unwrap();
    assert_eq!(full.flavor(0, b"silver"), Ok(silver));
    let flavors = [ZERO, gold, silver];
    let to_bob = bob.address(ME).unwrap();

    // Block 2: Alice issues gold and pays Bob gold and flavor zero, with a memo.
    let plan = TxPlan::new(ME)
        .issue(b"gold".to_vec(), 1_000)
        .pay(to_bob, 300, gold)
        .pay_with_memo(to_bob, 5_000, ZERO, "rent for May".parse().unwrap())
        .fee_rate(rate());
    net.submit(&alice.send(&plan, &net.gens, &mut r).unwrap());
    let reports = mine(
        &mut net,
        &mut alice,
        &mut [&mut bob, &mut full, &mut incoming],
    );
    assert_same(&reports, &[&mut bob, &mut full, &mut incoming], &flavors);
    let received = &reports[0].history.received;
    assert_eq!(received.len(), 2);
    let rent = received.iter().find(|p| p.flavor == ZERO).unwrap();
    assert_eq!(rent.qty, 5_000);
    assert_eq!(
        rent.memo.as_ref().and_then(Memo::as_text),
        Some("rent for May")
    );
    // Gold's name came with the payment, checked against its flavor.
    for w in [&bob, &full, &incoming, &alice] {
        assert_eq!(w.flavor_name(&gold).as_deref(), Some("gold"));
    }
    assert_eq!(bob.flavor_name(&silver), None);

    // Block 3: Bob pays Alice with a memo and issues silver; he has change.
    let plan = TxPlan::new(ME)
        .pay_with_memo(
            alice.address(ME).unwrap(),
            120,
            ZERO,
            "thanks".parse().unwrap(),
        )
        .pay(alice.address(ME).unwrap(), 100, gold)
        .issue(b"silver".to_vec(), 50)
        .fee_rate(rate());
    let sent = bob.send(&plan, &net.gens, &mut r).unwrap();
    assert!(sent.warnings.is_empty());
    net.submit(&sent);
    let reports = mine(
        &mut net,
        &mut alice,
        &mut [&mut bob, &mut full, &mut incoming],
    );
    assert_same(&reports, &[&mut bob, &mut full, &mut incoming], &flavors);
    let record = &reports[0].history.sent;
    assert_eq!(record.len(), 1);
    assert_eq!(record[0].tx, sent.id);
    assert_eq!(record[0].fee, sent.fee);
    assert_eq!(record[0].issued, vec![(50, silver)]);
    let thanks = &record[0].payments[0];
    assert_eq!(thanks.to, Recipient::Address(alice.address(ME).unwrap()));
    assert_eq!((thanks.qty, thanks.flavor), (120, ZERO));
    assert_eq!(thanks.memo.as_ref().and_then(Memo::as_text), Some("thanks"));
    assert_eq!(record[0].payments[1].qty, 100);
    assert_eq!(bob.balance(ME, silver).confirmed, 50);
    // Bob and his twins learned silver's name from their own change.
    for w in [&bob, &full, &incoming] {
        assert_eq!(w.flavor_name(&silver).as_deref(), Some("silver"));
    }

    // Block 4: Bob retires gold and spends his change; Alice sees her receipt.
    let plan = TxPlan::new(ME)
        .retire(10, gold)
        .pay(alice.address(ME).unwrap(), 7, silver)
        .fee_rate(rate());
    net.submit(&bob.send(&plan, &net.gens, &mut r).unwrap());
    let reports = mine(
        &mut net,
        &mut alice,
        &mut [&mut bob, &mut full, &mut incoming],
    );
    assert_same(&reports, &[&mut bob, &mut full, &mut incoming], &flavors);
    assert_eq!(reports[0].history.sent[0].retired, vec![(10, gold)]);
    assert!(!reports[0].spent.is_empty());
    assert_eq!(bob.balance(ME, gold).confirmed, 300 - 100 - 10);
    assert_eq!(alice.flavor_name(&silver).as_deref(), Some("silver"));

    // The watch-only wallets cannot sign anything.
    let plan = TxPlan::new(ME).pay(alice.address(ME).unwrap(), 1, ZERO);
    let watch_only = |action| WalletError::WatchOnly { action };
    assert_eq!(
        full.send(&plan, &net.gens, &mut r).unwrap_err(),
        watch_only("sign a transaction")
    );
    assert_eq!(
        incoming.send(&plan, &net.gens, &mut r).unwrap_err(),
        watch_only("sign a transaction")
    );
    assert_eq!(
        full.request_payment(0, 5, ZERO, u64::MAX, &mut r)
            .unwrap_err(),
        watch_only("use a payment request key")
    );
    assert_eq!(
        full.custody_public_key().unwrap_err(),
        watch_only("use a custody key")
    );
    assert_eq!(
        full.open_account(1).unwrap_err(),
        watch_only("open an account other than its viewing key's")
    );
    assert!(full.ledger().pending.is_empty());
    let message = watch_only("sign a transaction").to_string();
    assert!(
        message.contains("viewing key") && message.contains("root key"),
        "{message}"
    );
}

#[test]
fn a_watch_only_state_reopens_with_its_viewing_key_only() {
    let mut r = rng(41);
    let (mut alice, bob) = (wallet(b"alice"), wallet(b"bob"));
    let fvk = bob.account(0).unwrap().full_viewing_key().unwrap();
    let mut watch = Wallet::watch_only(fvk.clone(), Network::Devnet);
    let mut net = Net::start(&mut alice, &mut [&mut watch], &mut r);
    let plan = TxPlan::new(ME).pay(watch.address(ME).unwrap(), 70, ZERO);
    net.submit(&alice.send(&plan, &net.gens, &mut r).unwrap());
    net.mine(&mut [&mut alice, &mut watch]);
    let sealed = watch.sealed_state(&mut r);
    let back = Wallet::from_sealed(fvk.clone(), &sealed).unwrap();
    assert!(back.is_watch_only());
    assert_eq!(back.balance(ME, ZERO).confirmed, 70);
    assert_eq!(back.flavor_name(&ZERO), None);
    let incoming = fvk.incoming().clone();
    assert_eq!(
        Wallet::from_sealed(incoming, &sealed)
            .unwrap()
            .balance(ME, ZERO)
            .confirmed,
        70
    );
    assert_eq!(
        Wallet::from_sealed(keytree::Xprv::from_seed(b"bob"), &sealed).unwrap_err(),
        WalletError::StateKey
    );
    let other = wallet(b"carol")
        .account(0)
        .unwrap()
        .full_viewing_key()
        .unwrap();
    assert_eq!(
        Wallet::from_sealed(other, &sealed).unwrap_err(),
        WalletError::StateKey
    );
}

#[test]
fn memos_count_in_the_weight_and_too_long_a_memo_is_refused() {
    let mut r = rng(42);
    let (mut alice, bob) = (wallet(b"alice"), wallet(b"bob"));
    let net = Net::start(&mut alice, &mut [], &mut r);
    let to_bob = bob.address(ME).unwrap();
    let memo = Memo::new(vec![b'm'; wallet::note::MAX_MEMO_LEN]).unwrap();
    let with = alice
        .send(
            &TxPlan::new(ME).pay_with_memo(to_bob, 5, ZERO, memo),
            &net.gens,
            &mut r,
        )
        .unwrap();
    alice.release(&with.id).unwrap();
    let without = alice
        .send(&TxPlan::new(ME).pay(to_bob, 5, ZERO), &net.gens, &mut r)
        .unwrap();
    assert_eq!(
        with.block_tx.tx.size() - without.block_tx.tx.size(),
        wallet::note::MAX_MEMO_LEN,
        "the memo's bytes are in the transaction"
    );
    assert_eq!(
        Memo::new(vec![b'm'; wallet::note::MAX_MEMO_LEN + 1]).unwrap_err(),
        WalletError::MemoLength {
            length: wallet::note::MAX_MEMO_LEN + 1,
            max: wallet::note::MAX_MEMO_LEN
        }
    );
}

#[test]
fn issuing_a_second_asset_under_a_known_name_warns() {
    let mut r = rng(43);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let mut net = Net::start(&mut alice, &mut [&mut bob], &mut r);
    let gold = alice.flavor(0, b"gold").unwrap();
    let plan = TxPlan::new(ME)
        .issue(b"gold".to_vec(), 10)
        .pay(bob.address(ME).unwrap(), 4, gold)
        .pay(bob.address(ME).unwrap(), 1_000, ZERO);
    net.submit(&alice.send(&plan, &net.gens, &mut r).unwrap());
    net.mine(&mut [&mut alice, &mut bob]);
    // Alice issuing more of her own gold is no second asset.
    let more = TxPlan::new(ME).issue(b"gold".to_vec(), 5);
    assert_eq!(alice.name_warnings(&more), Ok(Vec::new()));
    // Bob's "gold" would be another flavor with the same name.
    let fake = TxPlan::new(ME).issue(b"gold".to_vec(), 5);
    let warnings = bob.name_warnings(&fake).unwrap();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].known, gold);
    assert_eq!(warnings[0].flavor, bob.flavor(0, b"gold").unwrap());
    let sent = bob.send(&fake, &net.gens, &mut r).unwrap();
    assert_eq!(sent.warnings, warnings);
    assert!(warnings[0].to_string().contains("already used"));
}

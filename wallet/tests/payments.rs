//! Wallets paying each other through a real chain: the producer, the mempool and the
//! chain state of `blockchain`, with transactions proven and verified by `zkvm`.

mod common;

use common::{rng, wallet, Net, FAUCET};
use curve25519_dalek::scalar::Scalar;
use wallet::{Balance, Owner, TxPlan, WalletError};
use zkvm::FeeRate;

const ME: Owner = Owner::Account(0);
const ZERO: Scalar = Scalar::ZERO;

fn rate() -> FeeRate {
    FeeRate::new(1, 100)
}

#[test]
fn two_wallets_two_flavors_change_fees_and_a_fresh_output_spent() {
    let mut r = rng(1);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let mut net = Net::start(&mut alice, &mut [&mut bob], &mut r);
    let gold = alice.flavor(0, b"gold").unwrap();
    let bob_address = bob.address(ME).unwrap();

    // Block 2: Alice issues gold and pays Bob gold and flavor zero.
    let plan = TxPlan::new(ME)
        .issue(b"gold".to_vec(), 1_000)
        .pay(bob_address, 300, gold)
        .pay(bob_address, 5_000, ZERO)
        .fee_rate(rate());
    let sent = alice.send(&plan, &net.gens, &mut r).unwrap();
    assert!(sent.fee > 0);
    let fee1 = sent.fee;
    assert_eq!(
        alice.balance(ME, ZERO),
        Balance {
            confirmed: 0,
            pending: FAUCET - 5_000 - fee1,
            locked: FAUCET
        }
    );
    net.submit(&sent);
    let applied = net.mine(&mut [&mut alice, &mut bob]);
    assert_eq!(applied.txs.len(), 1);
    assert!(
        applied.txs[0].feerate >= rate(),
        "the fee meets the fee rate"
    );
    assert_eq!(alice.balance(ME, ZERO).confirmed, FAUCET - 5_000 - fee1);
    assert_eq!(alice.balance(ME, gold).confirmed, 700);
    assert_eq!(bob.balance(ME, gold).confirmed, 300);
    assert_eq!(bob.balance(ME, ZERO).confirmed, 5_000);
    assert!(alice.ledger().pending.is_empty());

    // Block 3: Bob spends what he received in the previous block: gold back to
    // Alice with change, the fee from his flavor zero.
    let plan = TxPlan::new(ME)
        .pay(alice.address(ME).unwrap(), 120, gold)
        .fee_rate(rate());
    let sent = bob.send(&plan, &net.gens, &mut r).unwrap();
    let fee2 = sent.fee;
    assert_eq!(bob.balance(ME, gold).locked, 300);
    assert_eq!(bob.balance(ME, gold).pending, 180);
    net.submit(&sent);
    net.mine(&mut [&mut alice, &mut bob]);
    assert_eq!(bob.balance(ME, gold).confirmed, 180);
    assert_eq!(bob.balance(ME, ZERO).confirmed, 5_000 - fee2);
    assert_eq!(alice.balance(ME, gold).confirmed, 820);

    // Blocks 4 to 7: both pay each other in the same blocks, in both flavors.
    for round in 0..4u64 {
        let before = (
            alice.balance(ME, gold).confirmed,
            bob.balance(ME, gold).confirmed,
        );
        let to_bob = TxPlan::new(ME)
            .pay(bob.address(ME).unwrap(), 10 + round, gold)
            .pay(bob.address(ME).unwrap(), 100, ZERO)
            .fee_rate(rate());
        let to_alice = TxPlan::new(ME)
            .pay(alice.address(ME).unwrap(), 5, gold)
            .fee_rate(rate());
        let a = alice.send(&to_bob, &net.gens, &mut r).unwrap();
        let b = bob.send(&to_alice, &net.gens, &mut r).unwrap();
        net.submit(&a);
        net.submit(&b);
        let applied = net.mine(&mut [&mut alice, &mut bob]);
        assert_eq!(applied.txs.len(), 2);
        assert_eq!(
            alice.balance(ME, gold).confirmed,
            before.0 - (10 + round) + 5
        );
        assert_eq!(bob.balance(ME, gold).confirmed, before.1 + (10 + round) - 5);
    }
    // Gold is conserved; flavor zero lost exactly the fees.
    let gold_total = alice.balance(ME, gold).confirmed + bob.balance(ME, gold).confirmed;
    assert_eq!(gold_total, 1_000);
    let fees: u64 = net
        .blocks
        .iter()
        .flat_map(|b| &b.txs)
        .map(|t| t.log.fee())
        .sum();
    let zero_total = alice.balance(ME, ZERO).confirmed + bob.balance(ME, ZERO).confirmed;
    assert_eq!(zero_total + fees, FAUCET);
    // Every tracked output's proof is valid against the chain's forest.
    for w in [&alice, &bob] {
        for (id, o) in &w.ledger().outputs {
            assert_eq!(net.state.forest().verify(id, &o.proof), Ok(()));
        }
    }
}

#[test]
fn spending_more_than_the_balance_fails_and_reserves_nothing() {
    let mut r = rng(2);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let net = Net::start(&mut alice, &mut [&mut bob], &mut r);
    let plan = TxPlan::new(ME).pay(bob.address(ME).unwrap(), FAUCET + 1, ZERO);
    assert_eq!(
        alice.send(&plan, &net.gens, &mut r).unwrap_err(),
        WalletError::InsufficientFunds {
            flavor: hex::encode([0u8; 32]),
            needed: FAUCET + 1,
            available: FAUCET,
            pending: 0
        }
    );
    // The fee counts too.
    let plan = TxPlan::new(ME)
        .pay(bob.address(ME).unwrap(), FAUCET, ZERO)
        .fee_rate(rate());
    assert!(matches!(
        alice.send(&plan, &net.gens, &mut r),
        Err(WalletError::InsufficientFunds { .. })
    ));
    let gold = alice.flavor(0, b"gold").unwrap();
    let plan = TxPlan::new(ME).pay(bob.address(ME).unwrap(), 1, gold);
    assert!(matches!(
        alice.send(&plan, &net.gens, &mut r),
        Err(WalletError::InsufficientFunds { .. })
    ));
    assert_eq!(
        alice.send(&TxPlan::new(ME), &net.gens, &mut r).unwrap_err(),
        WalletError::NothingToSend
    );
    assert_eq!(
        alice.balance(ME, ZERO),
        Balance {
            confirmed: FAUCET,
            pending: 0,
            locked: 0
        }
    );
    assert!(alice.ledger().pending.is_empty());
    // A wallet with nothing cannot anchor a transaction.
    let plan = TxPlan::new(ME).issue(b"x".to_vec(), 5);
    assert_eq!(
        bob.send(&plan, &net.gens, &mut r).unwrap_err(),
        WalletError::NoAnchor
    );
}

#[test]
fn a_payment_of_zero_units_is_refused_before_anything_is_reserved() {
    let mut r = rng(6);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let net = Net::start(&mut alice, &mut [&mut bob], &mut r);
    let gold = alice.flavor(0, b"gold").unwrap();
    let to_bob = bob.address(ME).unwrap();
    let plans = [
        (
            TxPlan::new(ME).pay(to_bob, 5, ZERO).pay(to_bob, 0, ZERO),
            "payment",
        ),
        (TxPlan::new(ME).retire(0, ZERO), "retirement"),
        (TxPlan::new(ME).issue(b"gold".to_vec(), 0), "issuance"),
    ];
    for (plan, what) in plans {
        assert_eq!(
            alice.send(&plan, &net.gens, &mut r).unwrap_err(),
            WalletError::ZeroAmount { what }
        );
    }
    assert_eq!(
        bob.request_payment(0, 0, gold, u64::MAX, &mut r)
            .unwrap_err(),
        WalletError::ZeroAmount {
            what: "payment request"
        }
    );
    assert_eq!(alice.balance(ME, ZERO).locked, 0);
    assert!(alice.ledger().pending.is_empty());
    let message = WalletError::ZeroAmount { what: "payment" }.to_string();
    assert!(message.contains("above zero"), "{message}");
}

#[test]
fn an_address_of_another_network_is_refused_before_anything_is_reserved() {
    let mut r = rng(3);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let net = Net::start(&mut alice, &mut [&mut bob], &mut r);
    let text = bob
        .account(0)
        .unwrap()
        .address(wallet::Network::Testnet)
        .to_string();
    assert!(matches!(
        wallet::Address::parse(&text, wallet::Network::Devnet),
        Err(WalletError::WrongNetwork { .. })
    ));
    let foreign: wallet::Address = text.parse().unwrap();
    let plan = TxPlan::new(ME).pay(foreign, 5, ZERO);
    assert!(matches!(
        alice.send(&plan, &net.gens, &mut r),
        Err(WalletError::WrongNetwork { .. })
    ));
    assert_eq!(alice.balance(ME, ZERO).locked, 0);
    let mut broken = bob.address(ME).unwrap().to_string();
    broken.pop();
    broken.push('x');
    assert!(wallet::Address::parse(&broken, wallet::Network::Devnet).is_err());
}

#[test]
fn retiring_value_and_issuing_more() {
    let mut r = rng(4);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let mut net = Net::start(&mut alice, &mut [&mut bob], &mut r);
    let gold = alice.flavor(0, b"gold").unwrap();
    let sent = alice
        .send(
            &TxPlan::new(ME).issue(b"gold".to_vec(), 500),
            &net.gens,
            &mut r,
        )
        .unwrap();
    net.submit(&sent);
    net.mine(&mut [&mut alice, &mut bob]);
    assert_eq!(alice.balance(ME, gold).confirmed, 500);
    // Retire 120 gold and issue 30 more in one transaction, paying Bob 10.
    let plan = TxPlan::new(ME)
        .retire(120, gold)
        .issue(b"gold".to_vec(), 30)
        .pay(bob.address(ME).unwrap(), 10, gold);
    let sent = alice.send(&plan, &net.gens, &mut r).unwrap();
    net.submit(&sent);
    let applied = net.mine(&mut [&mut alice, &mut bob]);
    let log = &applied.txs[0].log;
    assert_eq!(
        log.iter()
            .filter(|e| matches!(e, zkvm::TxEntry::Retire(..)))
            .count(),
        1
    );
    assert_eq!(
        log.iter()
            .filter(|e| matches!(e, zkvm::TxEntry::Issue(..)))
            .count(),
        1
    );
    assert_eq!(alice.balance(ME, gold).confirmed, 500 - 120 + 30 - 10);
    assert_eq!(bob.balance(ME, gold).confirmed, 10);
    assert_eq!(alice.balance(ME, ZERO).confirmed, FAUCET);
}

#[test]
fn an_open_retirement_shows_its_value_and_data_is_logged() {
    let mut r = rng(6);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let mut net = Net::start(&mut alice, &mut [&mut bob], &mut r);
    let plan = TxPlan::new(ME)
        .retire_open(70, ZERO)
        .data(b"export payload".to_vec());
    let sent = alice.send(&plan, &net.gens, &mut r).unwrap();
    net.submit(&sent);
    let applied = net.mine(&mut [&mut alice, &mut bob]);
    let log = &applied.txs[0].log;
    let open = zkvm::TxEntry::Retire(
        zkvm::Commitment::unblinded(70u64).to_point(),
        zkvm::Commitment::unblinded(ZERO).to_point(),
    );
    assert!(log.contains(&open));
    assert!(log.contains(&zkvm::TxEntry::Data(b"export payload".to_vec())));
    assert_eq!(alice.balance(ME, ZERO).confirmed, FAUCET - 70);
}

#[test]
fn accounts_are_separate_and_follow_a_reopened_state() {
    let mut r = rng(5);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let mut net = Net::start(&mut alice, &mut [&mut bob], &mut r);
    bob.open_account(1).unwrap();
    let savings = bob.address(Owner::Account(1)).unwrap();
    assert_ne!(savings, bob.address(ME).unwrap());
    let plan = TxPlan::new(ME)
        .pay(savings, 70, ZERO)
        .pay(bob.address(ME).unwrap(), 30, ZERO);
    let sent = alice.send(&plan, &net.gens, &mut r).unwrap();
    net.submit(&sent);
    net.mine(&mut [&mut alice, &mut bob]);
    assert_eq!(bob.balance(Owner::Account(1), ZERO).confirmed, 70);
    assert_eq!(bob.balance(ME, ZERO).confirmed, 30);
    // Account 1 pays from its own outputs only.
    let plan = TxPlan::new(Owner::Account(1)).pay(alice.address(ME).unwrap(), 71, ZERO);
    assert!(matches!(
        bob.send(&plan, &net.gens, &mut r),
        Err(WalletError::InsufficientFunds { available: 70, .. })
    ));
    assert_eq!(
        bob.address(Owner::Account(2)).unwrap_err(),
        WalletError::UnknownAccount(2)
    );
    // The open accounts are part of the stored state.
    let reopened =
        wallet::Wallet::from_state_bytes(keytree::Xprv::from_seed(b"bob"), &bob.state_bytes())
            .unwrap();
    assert_eq!(reopened.balance(Owner::Account(1), ZERO).confirmed, 70);
    assert_eq!(reopened.address(Owner::Account(1)).unwrap(), savings);
}

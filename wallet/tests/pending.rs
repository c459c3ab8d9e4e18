//! Wallets that never lock up: transactions expire by default, the ones the node
//! lost are handed back or released, and a user can abandon one.

mod common;

use blockchain::Mempool;
use common::{rng, wallet, Net};
use curve25519_dalek::scalar::Scalar;
use keytree::Xprv;
use rand::rngs::StdRng;
use wallet::{
    Address, MemoryStore, MempoolView, Owner, SentTx, TxPlan, Vanished, Wallet, WalletError,
    DEFAULT_TX_LIFETIME_MS,
};

const ME: Owner = Owner::Account(0);
const ZERO: Scalar = Scalar::ZERO;

/// Alice (the faucet) and Bob, Bob funded with two outputs in block 2.
fn funded() -> (Net, Wallet, Wallet, StdRng) {
    let mut r = rng(40);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let mut net = Net::start(&mut alice, &mut [&mut bob], &mut r);
    let to = bob.address(ME).unwrap();
    let plan = TxPlan::new(ME).pay(to, 6_000, ZERO).pay(to, 4_000, ZERO);
    net.submit(&alice.send(&plan, &net.gens, &mut r).unwrap());
    net.mine(&mut [&mut alice, &mut bob]);
    (net, alice, bob, r)
}

/// Bob pays 100 to `to`.
fn pay(bob: &mut Wallet, to: Address, net: &Net, r: &mut StdRng) -> SentTx {
    let plan = TxPlan::new(ME).pay(to, 100, ZERO);
    bob.send(&plan, &net.gens, r).unwrap()
}

/// The node's mempool as a wallet reads it.
fn view(net: &Net) -> MempoolView {
    MempoolView {
        height: net.state.tip().height,
        ids: net.pool.entries().map(|e| e.id()).collect(),
    }
}

/// The node restarts and forgets its mempool.
fn restart(net: &mut Net) {
    net.pool = Mempool::new(&net.state, 1 << 22);
}

#[test]
fn transactions_expire_a_few_minutes_past_the_tip_by_default() {
    let (net, alice, mut bob, mut r) = funded();
    let to = alice.address(ME).unwrap();
    let tip = bob.tip().unwrap().timestamp_ms();
    let sent = bob
        .send(&TxPlan::new(ME).pay(to, 10, ZERO), &net.gens, &mut r)
        .unwrap();
    assert_eq!(
        sent.block_tx.tx.header.maxtime_ms,
        tip + DEFAULT_TX_LIFETIME_MS
    );
    bob.abandon(&sent.id).unwrap();
    let plan = TxPlan::new(ME).pay(to, 10, ZERO).lifetime(30_000);
    let sent = bob.send(&plan, &net.gens, &mut r).unwrap();
    assert_eq!(sent.block_tx.tx.header.maxtime_ms, tip + 30_000);
    bob.abandon(&sent.id).unwrap();
    let plan = TxPlan::new(ME).pay(to, 10, ZERO).time_bounds(0, tip + 7);
    let sent = bob.send(&plan, &net.gens, &mut r).unwrap();
    assert_eq!(sent.block_tx.tx.header.maxtime_ms, tip + 7);
}

#[test]
fn an_expired_transaction_is_released_at_the_next_block_or_sync() {
    let (mut net, mut alice, mut bob, mut r) = funded();
    let to = alice.address(ME).unwrap();
    let before = bob.balance(ME, ZERO);
    // Sent, never submitted: the first block past its maxtime drops it.
    let plan = TxPlan::new(ME).pay(to, 10, ZERO).lifetime(1_500);
    let sent = bob.send(&plan, &net.gens, &mut r).unwrap();
    assert_eq!(bob.balance(ME, ZERO).locked, 6_000);
    net.mine(&mut [&mut alice, &mut bob]);
    assert_eq!(bob.pending().len(), 1, "still valid one block later");
    let applied = net.mine(&mut [&mut alice]);
    let report = bob.apply_block(&applied).unwrap();
    assert_eq!(report.dropped, vec![sent.id]);
    assert_eq!(bob.balance(ME, ZERO), before);
    // One whose maxtime is the tip's time can never be mined: the next sync
    // releases it without waiting for a block.
    let tip = bob.tip().unwrap().timestamp_ms();
    let plan = TxPlan::new(ME).pay(to, 10, ZERO).time_bounds(0, tip);
    let sent = bob.send(&plan, &net.gens, &mut r).unwrap();
    let mut mempool = view(&net);
    mempool.ids.insert(sent.id);
    let sync = bob.reconcile_pending(&mempool, Vanished::Resubmit).unwrap();
    assert_eq!(sync.released, vec![sent.id]);
    assert!(sync.resubmit.is_empty());
    assert_eq!(bob.balance(ME, ZERO), before);
}

#[test]
fn a_transaction_the_node_lost_is_handed_back_or_released() {
    let (mut net, mut alice, mut bob, mut r) = funded();
    let to = alice.address(ME).unwrap();
    let sent = pay(&mut bob, to, &net, &mut r);
    net.submit(&sent);
    // The node still holds it: nothing to do.
    let sync = bob
        .reconcile_pending(&view(&net), Vanished::Resubmit)
        .unwrap();
    assert!(sync.resubmit.is_empty() && sync.released.is_empty());
    // The node restarts; a block that changes the forest passes; the wallet hands
    // the transaction back with its inputs' current proofs, the node admits it and
    // mines it.
    restart(&mut net);
    let plan = TxPlan::new(ME).pay(alice.address(ME).unwrap(), 1, ZERO);
    net.submit(&alice.send(&plan, &net.gens, &mut r).unwrap());
    net.mine(&mut [&mut alice, &mut bob]);
    let mut store = MemoryStore::default();
    bob.save(&mut store, &mut r).unwrap();
    let mut bob = Wallet::load(Xprv::from_seed(b"bob"), &store)
        .unwrap()
        .unwrap();
    let sync = bob
        .reconcile_pending(&view(&net), Vanished::Resubmit)
        .unwrap();
    assert_eq!(sync.resubmit.len(), 1);
    assert_eq!(sync.resubmit[0].1.tx, sent.block_tx.tx);
    assert_ne!(
        sync.resubmit[0].1.proofs, sent.block_tx.proofs,
        "fresh proofs"
    );
    let inputs = net
        .blocks
        .last()
        .unwrap()
        .txs
        .iter()
        .flat_map(|t| t.log.inputs());
    assert_eq!(inputs.count(), 1, "only Alice's payment was mined");
    for (id, proof) in bob.pending()[0]
        .inputs
        .iter()
        .zip(&sync.resubmit[0].1.proofs)
    {
        assert_eq!(net.state.forest().verify(id, proof), Ok(()));
    }
    net.pool
        .admit(
            sync.resubmit[0].1.clone(),
            net.time + 1,
            &net.gens,
            &blockchain::ZkVm,
        )
        .unwrap();
    let applied = net.mine(&mut [&mut alice]);
    assert_eq!(bob.apply_block(&applied).unwrap().mined, vec![sent.id]);
    assert_eq!(bob.balance(ME, ZERO).confirmed, 10_000 - 100);
    // Lost again, and released this time: the inputs are free.
    let sent = pay(&mut bob, to, &net, &mut r);
    net.submit(&sent);
    restart(&mut net);
    let sync = bob
        .reconcile_pending(&view(&net), Vanished::Release)
        .unwrap();
    assert_eq!(sync.released, vec![sent.id]);
    assert_eq!(bob.balance(ME, ZERO).locked, 0);
    assert!(bob.pending().is_empty());
    // A mempool read at a height the wallet has not reached is refused.
    net.mine(&mut [&mut alice]);
    assert_eq!(
        bob.reconcile_pending(&view(&net), Vanished::Release),
        Err(WalletError::MempoolAhead {
            mempool_height: net.state.tip().height,
            tip_height: net.state.tip().height - 1,
        })
    );
}

#[test]
fn an_abandoned_transaction_frees_its_inputs_even_if_mined_later() {
    let (mut net, mut alice, mut bob, mut r) = funded();
    let to = alice.address(ME).unwrap();
    let sent = pay(&mut bob, to, &net, &mut r);
    assert_eq!(bob.pending().len(), 1);
    assert_eq!(bob.pending()[0].id, sent.id);
    let abandoned = bob.abandon(&sent.id).unwrap();
    assert_eq!(abandoned.id, sent.id);
    assert_eq!(bob.balance(ME, ZERO).locked, 0);
    assert_eq!(bob.balance(ME, ZERO).confirmed, 10_000);
    assert_eq!(bob.abandon(&sent.id), Err(WalletError::UnknownTx(sent.id)));
    // Someone had it already: it is mined after all, and the wallet follows.
    net.submit(&sent);
    net.mine(&mut [&mut alice, &mut bob]);
    assert_eq!(bob.balance(ME, ZERO).confirmed, 10_000 - 100);
    assert_eq!(bob.balance(ME, ZERO).locked, 0);
}

/// The node is killed with payments in its mempool, again and again; the wallet
/// reconciles after each restart. At the end every coin is mined or spendable.
#[test]
fn no_coin_stays_locked_when_the_node_keeps_losing_its_mempool() {
    let (mut net, mut alice, mut bob, mut r) = funded();
    let to = alice.address(ME).unwrap();
    for round in 0..6u64 {
        let plan = TxPlan::new(ME).pay(to, 10 + round, ZERO).lifetime(5_000);
        if let Ok(sent) = bob.send(&plan, &net.gens, &mut r) {
            net.submit(&sent);
        }
        if round % 2 == 0 {
            restart(&mut net);
        }
        let applied = net.mine(&mut [&mut alice]);
        bob.apply_block(&applied).unwrap();
        let vanished = if round % 4 == 0 {
            Vanished::Release
        } else {
            Vanished::Resubmit
        };
        let sync = bob.reconcile_pending(&view(&net), vanished).unwrap();
        for (_, btx) in sync.resubmit {
            net.pool
                .admit(btx, net.time + 1, &net.gens, &blockchain::ZkVm)
                .unwrap();
        }
    }
    // Whatever is still pending expires.
    for _ in 0..6 {
        let applied = net.mine(&mut [&mut alice]);
        bob.apply_block(&applied).unwrap();
    }
    let balance = bob.balance(ME, ZERO);
    assert!(bob.pending().is_empty());
    assert_eq!(balance.locked, 0);
    assert_eq!(balance.pending, 0);
    let received: u64 = alice
        .ledger()
        .outputs
        .values()
        .filter(|o| o.opening.qty < 100)
        .map(|o| o.opening.qty)
        .sum();
    assert!(received > 0, "some payments were mined");
    assert_eq!(balance.confirmed + received, 10_000);
}

#[test]
fn a_transaction_awaiting_its_signer_is_not_taken_for_lost() {
    let (mut net, alice, mut bob, mut r) = funded();
    let plan = TxPlan::new(ME).pay(alice.address(ME).unwrap(), 100, ZERO);
    bob.build_unsigned(&plan, &net.gens, &mut r).unwrap();
    restart(&mut net);
    let sync = bob
        .reconcile_pending(&view(&net), Vanished::Resubmit)
        .unwrap();
    assert!(sync.resubmit.is_empty() && sync.released.is_empty());
    assert_eq!(bob.pending().len(), 1);
    assert_eq!(bob.balance(ME, ZERO).locked, 6_000);
}

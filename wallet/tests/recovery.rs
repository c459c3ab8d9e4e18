//! Birthdays and recovery: a new wallet starts at the tip without the chain before
//! it, and a wallet rebuilt from its root key at its birthday finds every output of
//! the wallet that kept its state.

mod common;

use common::{rng, wallet, Net};
use curve25519_dalek::scalar::Scalar;
use keytree::Xprv;
use rand::rngs::StdRng;
use wallet::{Checkpoint, GapLimit, Network, Owner, Recovery, TxPlan, Wallet, WalletError};
use zkvm::FeeRate;

const ZERO: Scalar = Scalar::ZERO;

fn rate() -> FeeRate {
    FeeRate::new(1, 100)
}

/// Alice pays `to` `qty` in a block of its own, which every wallet in `follow`
/// applies.
fn pay(
    net: &mut Net,
    alice: &mut Wallet,
    to: wallet::Address,
    qty: u64,
    follow: &mut [&mut Wallet],
    r: &mut StdRng,
) {
    let plan = TxPlan::new(Owner::Account(0))
        .pay(to, qty, ZERO)
        .fee_rate(rate());
    net.submit(&alice.send(&plan, &net.gens, r).unwrap());
    let mut all: Vec<&mut Wallet> = vec![alice];
    all.extend(follow.iter_mut().map(|w| &mut **w));
    net.mine(&mut all);
}

/// What a wallet owns, per account: output IDs, proofs and quantities.
fn holdings(w: &Wallet) -> Vec<(Owner, zkvm::ContractId, utreexo::Proof, u64)> {
    let outputs = w.ledger().outputs.values();
    outputs
        .map(|o| (o.owner, o.id, o.proof.clone(), o.opening.qty))
        .collect()
}

#[test]
fn a_recovered_wallet_finds_what_the_kept_one_holds() {
    let mut r = rng(30);
    let mut alice = wallet(b"alice");
    let mut carol = wallet(b"carol");
    let mut net = Net::start(&mut alice, &mut [&mut carol], &mut r);
    // The chain before the wallet exists.
    for qty in [10, 20] {
        let to = carol.address(Owner::Account(0)).unwrap();
        pay(&mut net, &mut alice, to, qty, &mut [&mut carol], &mut r);
    }
    let birthday = Checkpoint::of_state(&net.state);

    // A new wallet starts at the tip: it never sees the blocks before.
    let root = Xprv::from_seed(b"kept");
    let mut kept = Wallet::new(root.clone(), Network::Devnet);
    kept.open_account(1).unwrap();
    kept.open_account(3).unwrap();
    kept.start_at(birthday.clone());
    let address = |w: &Wallet, n| w.address(Owner::Account(n)).unwrap();
    for (account, qty) in [(0, 1_000), (1, 2_000), (3, 3_000), (0, 4_000)] {
        let to = address(&kept, account);
        pay(
            &mut net,
            &mut alice,
            to,
            qty,
            &mut [&mut kept, &mut carol],
            &mut r,
        );
    }
    // Payment requests: index 0 stays unpaid, index 1 is paid.
    kept.request_payment(0, 7, ZERO, net.time + 60_000, &mut r)
        .unwrap();
    let request = kept
        .request_payment(0, 500, ZERO, net.time + 60_000, &mut r)
        .unwrap();
    let plan = TxPlan::new(Owner::Account(0))
        .pay_request(request)
        .fee_rate(rate());
    net.submit(&alice.send(&plan, &net.gens, &mut r).unwrap());
    net.mine(&mut [&mut alice, &mut kept, &mut carol]);
    // The kept wallet spends from account 1 (its change comes back by note) and
    // from account 3 all it has.
    let plan = TxPlan::new(Owner::Account(1))
        .pay(address(&carol, 0), 300, ZERO)
        .fee_rate(rate());
    net.submit(&kept.send(&plan, &net.gens, &mut r).unwrap());
    let plan = TxPlan::new(Owner::Account(3)).pay(address(&carol, 0), 3_000, ZERO);
    net.submit(&kept.send(&plan, &net.gens, &mut r).unwrap());
    net.mine(&mut [&mut alice, &mut kept, &mut carol]);
    assert_eq!(kept.balance(Owner::Account(3), ZERO).confirmed, 0);
    assert!(kept.ledger().pending.is_empty());

    // Recovery from the root at the birthday, by light blocks, widening the
    // accounts until the gap limit is met.
    let gap = GapLimit {
        accounts: 2,
        requests: 3,
    };
    let after = birthday.height();
    let mut accounts = gap.accounts;
    let mut passes = Vec::new();
    let recovered = loop {
        let mut w =
            Wallet::recover(root.clone(), Network::Devnet, birthday.clone(), accounts).unwrap();
        let mut verifier = net.verifier();
        for block in net.light.iter().filter(|b| b.block.header.height > after) {
            w.apply_light(block, &mut verifier).unwrap();
        }
        passes.push(accounts);
        match w.finish_recovery(gap) {
            Recovery::Complete => break w,
            Recovery::Rescan { accounts: more } => {
                assert!(more > accounts, "each pass opens more accounts");
                accounts = more;
            }
        }
    };
    // Account 1 is used: accounts up to 3 are tried; account 3 is used: up to 5.
    assert_eq!(passes, vec![2, 4, 6]);
    assert_eq!(holdings(&recovered), holdings(&kept));
    assert_eq!(recovered.tip(), kept.tip());
    for n in [0, 1, 3] {
        assert_eq!(
            recovered.balance(Owner::Account(n), ZERO),
            kept.balance(Owner::Account(n), ZERO)
        );
    }
    // Request index 1 was paid: the recovered wallet continues past it and the gap.
    assert_eq!(kept.ledger().next_request, 2);
    assert_eq!(recovered.ledger().next_request, 2 + gap.requests);
}

#[test]
fn a_recovery_that_found_nothing_is_complete_within_its_gap() {
    let mut r = rng(31);
    let mut alice = wallet(b"alice");
    let mut net = Net::start(&mut alice, &mut [], &mut r);
    let birthday = Checkpoint::of_state(&net.state);
    net.mine(&mut [&mut alice]);
    let mut w = Wallet::recover(Xprv::from_seed(b"empty"), Network::Devnet, birthday, 1).unwrap();
    w.apply_block(&net.blocks[0]).unwrap();
    let gap = GapLimit::default();
    assert_eq!(
        w.finish_recovery(gap),
        Recovery::Rescan {
            accounts: gap.accounts
        }
    );
    let mut w = Wallet::recover(
        Xprv::from_seed(b"empty"),
        Network::Devnet,
        Checkpoint::of_state(&net.genesis),
        gap.accounts,
    )
    .unwrap();
    w.apply_block(&net.blocks[0]).unwrap();
    assert_eq!(w.finish_recovery(gap), Recovery::Complete);
    assert!(w.ledger().outputs.is_empty());
    assert_eq!(w.ledger().next_request, gap.requests);
}

#[test]
fn checkpoints_hold_a_forest_their_header_commits_to_and_a_proven_header() {
    let mut r = rng(32);
    let mut alice = wallet(b"alice");
    let mut net = Net::start(&mut alice, &mut [], &mut r);
    net.mine(&mut [&mut alice]);
    let header = net.state.tip().clone();
    let forest = net.state.forest().clone();
    let evidence = net.light[0].evidence.clone();
    let mut verifier = net.verifier();
    let checkpoint =
        Checkpoint::verified(header.clone(), forest.clone(), &evidence, &mut verifier).unwrap();
    assert_eq!(checkpoint, Checkpoint::of_state(&net.state));
    assert!(matches!(
        Checkpoint::verified(header.clone(), forest, &[0; 64], &mut verifier),
        Err(WalletError::HeaderNotSigned { height: 2, .. })
    ));
    let other = utreexo::Forest::new();
    assert_eq!(
        Checkpoint::new(header.clone(), other.clone()),
        Err(WalletError::CheckpointMismatch {
            height: 2,
            header: header.utxoroot,
            computed: other.root()
        })
    );
}

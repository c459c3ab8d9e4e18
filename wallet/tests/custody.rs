//! A 2-of-2 account: two wallets, each with its own key, spend together through a
//! MuSig2 session of two messages.

mod common;

use common::{rng, wallet, Net};
use curve25519_dalek::scalar::Scalar;
use wallet::{CosignProposal, Owner, TxPlan, WalletError};
use zkvm::FeeRate;

const ME: Owner = Owner::Account(0);
const ZERO: Scalar = Scalar::ZERO;

#[test]
fn both_parties_sign_a_shared_spend() {
    let mut r = rng(20);
    let (mut alice, mut bob, mut carol) = (wallet(b"alice"), wallet(b"bob"), wallet(b"carol"));
    let mut net = Net::start(&mut alice, &mut [&mut bob, &mut carol], &mut r);
    // Alice and Bob exchange public custody keys and reach the same address.
    let (ka, kb) = (
        alice.custody_public_key().unwrap(),
        bob.custody_public_key().unwrap(),
    );
    let shared = alice.join_shared(kb).unwrap();
    assert_eq!(bob.join_shared(ka).unwrap(), shared);

    // Alice funds the shared account with two payments.
    let plan = TxPlan::new(ME)
        .pay(shared, 700, ZERO)
        .pay(shared, 300, ZERO)
        .fee_rate(FeeRate::new(1, 100));
    let sent = alice.send(&plan, &net.gens, &mut r).unwrap();
    net.submit(&sent);
    net.mine(&mut [&mut alice, &mut bob, &mut carol]);
    for w in [&alice, &bob] {
        assert_eq!(w.balance(Owner::Shared, ZERO).confirmed, 1_000);
    }

    // Alice proposes paying Carol 800 from the shared account (both outputs).
    let plan = TxPlan::new(Owner::Shared)
        .pay(carol.address(ME).unwrap(), 800, ZERO)
        .fee_rate(FeeRate::new(1, 100));
    assert!(matches!(
        alice.send(&plan, &net.gens, &mut r),
        Err(WalletError::Signing(_))
    ));
    let (proposal, pending) = alice.propose_shared(&plan, &net.gens, &mut r).unwrap();
    assert_eq!(proposal.nonces.len(), 2, "one nonce per input");
    // Bob can see what he is asked to sign before signing.
    let log = proposal.log(&net.gens).unwrap();
    assert_eq!(log.log.inputs().count(), 2);
    assert_eq!(log.log.fee(), log.feerate.fee());
    // Carol holds no share of the account: she cannot co-sign.
    assert!(matches!(
        carol.cosign(&proposal, &net.gens, &mut r),
        Err(WalletError::CosignRefused(_)) | Err(WalletError::NoSharedAccount)
    ));
    // The two messages travel as bytes.
    let proposal = CosignProposal::from_bytes(&proposal.to_bytes()).unwrap();
    let response = bob.cosign(&proposal, &net.gens, &mut r).unwrap();
    let response = wallet::CosignResponse::from_bytes(&response.to_bytes()).unwrap();
    let bytes = response.to_bytes();
    assert!(wallet::CosignResponse::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    assert_eq!(bob.balance(Owner::Shared, ZERO).locked, 1_000);
    // A second proposal over the same outputs is refused by Bob.
    let replay = CosignProposal {
        tx: proposal.tx.clone(),
        nonces: proposal.nonces.clone(),
    };
    assert!(matches!(
        bob.cosign(&replay, &net.gens, &mut r),
        Err(WalletError::CosignRefused(_))
    ));
    let sent = alice.complete_shared(pending, &response).unwrap();
    net.submit(&sent);
    net.mine(&mut [&mut alice, &mut bob, &mut carol]);
    assert_eq!(carol.balance(ME, ZERO).confirmed, 800);
    for w in [&alice, &bob] {
        let b = w.balance(Owner::Shared, ZERO);
        assert_eq!(b.confirmed, 1_000 - 800 - sent.fee);
        assert_eq!(b.locked, 0);
        assert!(w.ledger().pending.is_empty());
    }
}

#[test]
fn a_bad_share_is_caught() {
    let mut r = rng(21);
    let (mut alice, mut bob) = (wallet(b"alice"), wallet(b"bob"));
    let mut net = Net::start(&mut alice, &mut [&mut bob], &mut r);
    let (ka, kb) = (
        alice.custody_public_key().unwrap(),
        bob.custody_public_key().unwrap(),
    );
    let shared = alice.join_shared(kb).unwrap();
    bob.join_shared(ka).unwrap();
    let sent = alice
        .send(&TxPlan::new(ME).pay(shared, 50, ZERO), &net.gens, &mut r)
        .unwrap();
    net.submit(&sent);
    net.mine(&mut [&mut alice, &mut bob]);
    let plan = TxPlan::new(Owner::Shared).pay(alice.address(ME).unwrap(), 20, ZERO);
    let (proposal, pending) = alice.propose_shared(&plan, &net.gens, &mut r).unwrap();
    let mut response = bob.cosign(&proposal, &net.gens, &mut r).unwrap();
    response.shares[0][0] ^= 1;
    assert!(matches!(
        alice.complete_shared(pending, &response),
        Err(WalletError::Signing(_))
    ));
}

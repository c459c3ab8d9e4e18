//! The contracts and the L1 client against a real `geth --dev`: deposits seen only
//! after N confirmations, withdrawals paid once with more than two thirds of the
//! signatures (and refused with too few, forged, strangers' or duplicate ones),
//! checkpoints, the validator handover, and the digests the Rust side computes
//! equal to the contract's. Gas figures are printed (`-- --nocapture`).

mod common;

use alloy::primitives::{Address, B256, U256};
use bridge::l1::Receipt;
use bridge::messages::validators_digest;
use bridge::relay::{Relayed, Relayer};
use bridge::tally::tally;
use bridge::{
    BridgeError, BridgeState, Checkpoint, EthSignature, ExportPayload, ValidatorKey, VoteExtension,
    Withdrawal,
};
use common::{deploy, eth, votes, with_token, zkvm_address, Deployed};

/// How many confirmations the tests ask of a deposit.
const CONFIRMATIONS: u64 = 3;

fn gas(what: &str, r: &Receipt) {
    eprintln!("L1 gas: {what}: {}", r.gas_used);
}

fn sign_all(keys: &[ValidatorKey], digest: &B256) -> Vec<EthSignature> {
    keys.iter()
        .map(|k| k.sign_digest(digest).unwrap())
        .collect()
}

/// Signatures of `keys` in the contract's order (increasing signer address).
fn sorted(keys: &[ValidatorKey], digest: &B256) -> Vec<EthSignature> {
    let mut ks: Vec<_> = keys.iter().collect();
    ks.sort_by_key(|k| k.address());
    ks.iter().map(|k| k.sign_digest(digest).unwrap()).collect()
}

fn refused(result: Result<Receipt, BridgeError>, error: &str) {
    match result {
        Ok(r) => panic!("expected the contract to refuse with {error}, but it was mined: {r:?}"),
        Err(e) => assert!(e.to_string().contains(error), "expected {error}, got: {e}"),
    }
}

/// A deployed bridge holding `wei` of ETH from one deposit.
async fn funded(wei: u64) -> Deployed {
    let d = deploy(4).await;
    let user = d.geth.funded_key(10).await;
    let client = d.geth.client(&user).await.bridge(d.bridge.address());
    client
        .deposit_eth(&zkvm_address(1), wei)
        .await
        .expect("deposits");
    d
}

fn withdrawal(recipient: Address, token: Address, amount: u64) -> Withdrawal {
    Withdrawal {
        zkvm_tx: B256::repeat_byte(0x42),
        log_index: 5,
        payload: ExportPayload {
            recipient,
            token,
            amount,
        },
    }
}

#[tokio::test]
async fn deposits_are_seen_only_after_enough_confirmations() {
    let (d, l1, token) = with_token(eth(1_000)).await;
    let bridge = l1.bridge(d.bridge.address());
    let from = l1.block_number().await.unwrap();

    let eth_deposit = bridge
        .deposit_eth(&zkvm_address(1), 1_000_000_000_000)
        .await
        .unwrap();
    gas(
        "first deposit ETH (sets the nonce counter from zero)",
        &eth_deposit,
    );
    let seen = async || bridge.deposits(from, CONFIRMATIONS).await.unwrap().len();
    // One confirmation (its own block), then two: not enough; then three.
    assert_eq!(seen().await, 0);
    d.geth.mine(1).await;
    assert_eq!(seen().await, 0);
    d.geth.mine(1).await;
    assert_eq!(seen().await, 1);

    let erc20_deposit = bridge
        .deposit_erc20(token, &zkvm_address(2), 777)
        .await
        .unwrap();
    gas(
        "first deposit of an ERC-20 (the bridge's first balance of it; without the approve)",
        &erc20_deposit,
    );
    assert_eq!(
        l1.token_balance(token, d.bridge.address()).await.unwrap(),
        U256::from(777)
    );
    assert_eq!(seen().await, 1);
    d.geth.mine(2).await;
    let seen = bridge.deposits(from, CONFIRMATIONS).await.unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        (seen[0].nonce, seen[0].token, seen[0].amount),
        (0, Address::ZERO, 1_000_000_000_000)
    );
    assert_eq!(
        (seen[1].nonce, seen[1].token, seen[1].amount),
        (1, token, 777)
    );
    assert_eq!(seen[0].recipient, zkvm_address(1));
    assert_eq!(seen[1].recipient, zkvm_address(2));
    assert_eq!(seen[0].l1_tx, eth_deposit.tx_hash);
    assert_eq!(seen[1].l1_tx, erc20_deposit.tx_hash);
    // Later blocks only.
    let later = bridge
        .deposits(erc20_deposit.block + 1, CONFIRMATIONS)
        .await
        .unwrap();
    assert!(later.is_empty());

    // Later deposits find their storage slots already set.
    let again = bridge.deposit_eth(&zkvm_address(4), 5).await.unwrap();
    gas("later deposit ETH", &again);
    let again = bridge
        .deposit_erc20(token, &zkvm_address(4), 5)
        .await
        .unwrap();
    gas("later deposit of an ERC-20 (without the approve)", &again);

    // What the contract refuses: an address that is not 65 bytes of version 1, zero,
    // and more than a ZkVM quantity holds.
    let mut bad = zkvm_address(3);
    bad[0] = 2;
    refused(bridge.deposit_eth(&bad, 5).await, "BadZkvmAddress");
    refused(bridge.deposit_eth(&zkvm_address(3), 0).await, "ZeroAmount");
    refused(
        bridge.deposit_erc20(token, &zkvm_address(3), 0).await,
        "ZeroAmount",
    );
}

#[tokio::test]
async fn digests_computed_here_equal_the_contracts() {
    let d = deploy(4).await;
    let domain = d.bridge.domain();
    let c = d.bridge.contract();
    let w = withdrawal(Address::repeat_byte(3), Address::repeat_byte(4), 99);
    let p = &w.payload;
    let on_chain = c
        .withdrawalDigest(
            w.zkvm_tx,
            w.log_index,
            p.recipient,
            p.token,
            U256::from(p.amount),
        )
        .call()
        .await
        .unwrap();
    assert_eq!(on_chain, w.digest(&domain));
    assert_eq!(
        c.withdrawalId(w.zkvm_tx, w.log_index).call().await.unwrap(),
        w.id()
    );
    let cp = Checkpoint {
        height: 7,
        block_id: B256::repeat_byte(1),
        utxo_root: B256::repeat_byte(2),
        app_hash: B256::repeat_byte(3),
    };
    let on_chain = c
        .checkpointDigest(cp.height, cp.block_id, cp.utxo_root, cp.app_hash)
        .call()
        .await
        .unwrap();
    assert_eq!(on_chain, cp.digest(&domain));
    let set = vec![
        (Address::repeat_byte(5), 3u64),
        (Address::repeat_byte(6), 4),
    ];
    let on_chain = c
        .validatorsDigest(
            2,
            set.iter().map(|v| v.0).collect(),
            set.iter().map(|v| U256::from(v.1)).collect(),
        )
        .call()
        .await
        .unwrap();
    assert_eq!(on_chain, validators_digest(&domain, 2, &set));
    assert_eq!(
        c.WITHDRAWAL_TAG().call().await.unwrap(),
        bridge::messages::withdrawal_tag()
    );
    assert_eq!(d.bridge.validator_set().await.unwrap(), d.set);
}

#[tokio::test]
async fn a_withdrawal_with_more_than_two_thirds_pays_exactly_once() {
    let d = funded(1_000_000_000_000_000).await;
    let to = Address::repeat_byte(0x77);
    let w = withdrawal(to, Address::ZERO, 400_000_000_000_000);
    // Three of four, in any order: the relayer orders them.
    let sigs = sign_all(&d.validators[..3], &w.digest(&d.bridge.domain()));
    let relayer = Relayer::new(d.bridge.clone());
    let Relayed::Paid(receipt) = relayer.relay_withdrawal(&w, sigs.clone()).await.unwrap() else {
        panic!("expected a payment")
    };
    gas("withdrawal of ETH, 3 of 4 signatures", &receipt);
    let l1 = d.bridge.l1();
    assert_eq!(
        l1.eth_balance(to).await.unwrap(),
        U256::from(400_000_000_000_000u64)
    );
    assert!(d.bridge.is_paid(w.id()).await.unwrap());
    // A replay: the relayer sends nothing, the contract refuses it sent directly.
    assert_eq!(
        relayer.relay_withdrawal(&w, sigs).await.unwrap(),
        Relayed::AlreadyPaid
    );
    let ordered = sorted(&d.validators[..3], &w.digest(&d.bridge.domain()));
    refused(d.bridge.withdraw(&w, &ordered).await, "AlreadyPaid");
    assert_eq!(
        l1.eth_balance(to).await.unwrap(),
        U256::from(400_000_000_000_000u64)
    );
}

#[tokio::test]
async fn withdrawals_without_enough_valid_distinct_signatures_are_refused() {
    let d = funded(1_000_000).await;
    let domain = d.bridge.domain();
    let w = withdrawal(Address::repeat_byte(0x55), Address::ZERO, 1_000);
    let digest = w.digest(&domain);
    let v = &d.validators;

    // Two of four: exactly half, not more than two thirds.
    refused(
        d.bridge.withdraw(&w, &sorted(&v[..2], &digest)).await,
        "NotEnoughPower",
    );
    // The relayer refuses it before sending anything.
    let relayer = Relayer::new(d.bridge.clone());
    let e = relayer
        .relay_withdrawal(&w, sign_all(&v[..2], &digest))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            BridgeError::NotEnoughPower {
                signed: 20,
                total: 40
            }
        ),
        "{e}"
    );

    // A forged signature: a validator's signature over another withdrawal recovers to
    // some other address.
    let other = withdrawal(Address::repeat_byte(0x55), Address::ZERO, 1_001).digest(&domain);
    // First in the list, so the order check (against address zero) cannot fire first.
    let mut forged = sorted(&v[..3], &digest);
    forged[0] = v[0].sign_digest(&other).unwrap();
    refused(d.bridge.withdraw(&w, &forged).await, "NotAValidator");
    // A stranger's signature in place of a validator's.
    let stranger = ValidatorKey::generate(&mut rand_core::OsRng);
    let mut with_stranger = vec![v[0].clone(), v[1].clone(), stranger];
    with_stranger.sort_by_key(|k| k.address());
    refused(
        d.bridge
            .withdraw(&w, &sorted(&with_stranger, &digest))
            .await,
        "NotAValidator",
    );
    // A duplicate signer: two validators plus one of them again.
    let mut dup = sorted(&v[..2], &digest);
    dup.push(dup[1]);
    refused(d.bridge.withdraw(&w, &dup).await, "SignersNotSorted");
    // The right signers out of order.
    let mut unsorted = sorted(&v[..3], &digest);
    unsorted.reverse();
    refused(d.bridge.withdraw(&w, &unsorted).await, "SignersNotSorted");
    // Signatures over the right fields on another chain or contract do not verify
    // here either.
    let elsewhere = bridge::Domain {
        chain_id: domain.chain_id + 1,
        ..domain
    };
    refused(
        d.bridge
            .withdraw(&w, &sorted(&v[..3], &w.digest(&elsewhere)))
            .await,
        "NotAValidator",
    );
    assert!(!d.bridge.is_paid(w.id()).await.unwrap());
    // And three of four pays.
    d.bridge
        .withdraw(&w, &sorted(&v[..3], &digest))
        .await
        .unwrap();
    assert!(d.bridge.is_paid(w.id()).await.unwrap());
}

#[tokio::test]
async fn an_erc20_withdrawal_pays_the_token() {
    let (d, l1, token) = with_token(U256::from(10_000u64)).await;
    l1.bridge(d.bridge.address())
        .deposit_erc20(token, &zkvm_address(1), 5_000)
        .await
        .unwrap();
    let to = Address::repeat_byte(0x99);
    let w = withdrawal(to, token, 1_234);
    let sigs = sign_all(&d.validators[1..], &w.digest(&d.bridge.domain()));
    let Relayed::Paid(r) = Relayer::new(d.bridge.clone())
        .relay_withdrawal(&w, sigs)
        .await
        .unwrap()
    else {
        panic!("expected a payment")
    };
    gas("withdrawal of an ERC-20, 3 of 4 signatures", &r);
    assert_eq!(
        l1.token_balance(token, to).await.unwrap(),
        U256::from(1_234u64)
    );
    assert_eq!(
        l1.token_balance(token, d.bridge.address()).await.unwrap(),
        U256::from(5_000u64 - 1_234)
    );
}

#[tokio::test]
async fn a_checkpoint_is_posted_once_and_read_back_by_height() {
    let d = deploy(4).await;
    let domain = d.bridge.domain();
    let cp = Checkpoint {
        height: 12,
        block_id: B256::repeat_byte(1),
        utxo_root: B256::repeat_byte(2),
        app_hash: B256::repeat_byte(3),
    };
    assert_eq!(d.bridge.checkpoint_at(12).await.unwrap(), None);
    refused(
        d.bridge
            .post_checkpoint(&cp, &sorted(&d.validators[..2], &cp.digest(&domain)))
            .await,
        "NotEnoughPower",
    );
    // Signed through the validators' vote extensions and tallied.
    let state = BridgeState::genesis(domain);
    let exts: Vec<Vec<u8>> = d
        .validators
        .iter()
        .map(|k| {
            VoteExtension::compose(k, &domain, vec![], &[], Some(&cp))
                .unwrap()
                .to_bytes()
        })
        .collect();
    let (agreed, sigs) = tally(&votes(&exts), 40, &state, &d.set, Some(&cp))
        .checkpoint
        .expect("agreed");
    let r = Relayer::new(d.bridge.clone())
        .relay_checkpoint(&agreed, sigs.clone())
        .await
        .unwrap();
    gas("checkpoint, 4 of 4 signatures", &r);
    assert_eq!(d.bridge.checkpoint_at(12).await.unwrap(), Some(cp));
    assert_eq!(
        d.bridge
            .contract()
            .latestCheckpointHeight()
            .call()
            .await
            .unwrap(),
        12
    );
    refused(
        d.bridge.post_checkpoint(&cp, &sigs).await,
        "CheckpointExists",
    );
    let zero = Checkpoint {
        height: 20,
        block_id: B256::ZERO,
        ..cp
    };
    let signed = sorted(&d.validators, &zero.digest(&domain));
    refused(
        d.bridge.post_checkpoint(&zero, &signed).await,
        "ZeroBlockId",
    );
    let three = sorted(&d.validators[..3], &cp.digest(&domain));
    let cp13 = Checkpoint { height: 13, ..cp };
    refused(
        d.bridge.post_checkpoint(&cp13, &three).await,
        "NotAValidator",
    );
    let r = d
        .bridge
        .post_checkpoint(&cp13, &sorted(&d.validators[..3], &cp13.digest(&domain)))
        .await
        .unwrap();
    gas("checkpoint, 3 of 4 signatures", &r);
}

#[tokio::test]
async fn the_validator_set_is_handed_over_by_more_than_two_thirds_of_the_current_one() {
    let d = funded(1_000_000).await;
    let domain = d.bridge.domain();
    let next: Vec<_> = (0..3)
        .map(|_| ValidatorKey::generate(&mut rand_core::OsRng))
        .collect();
    let members: Vec<(Address, u64)> = next.iter().map(|k| (k.address(), 5)).collect();
    let nonce = d.bridge.validators_nonce().await.unwrap();
    let digest = validators_digest(&domain, nonce, &members);
    refused(
        d.bridge
            .update_validators(&members, &sorted(&d.validators[..2], &digest))
            .await,
        "NotEnoughPower",
    );
    // The new set cannot hand itself over.
    refused(
        d.bridge
            .update_validators(&members, &sorted(&next, &digest))
            .await,
        "NotAValidator",
    );
    let r = d
        .bridge
        .update_validators(&members, &sorted(&d.validators[..3], &digest))
        .await
        .unwrap();
    gas("validator handover to 3 validators, 3 of 4 signatures", &r);
    assert_eq!(d.bridge.validators_nonce().await.unwrap(), nonce + 1);
    assert_eq!(d.bridge.validator_set().await.unwrap().total(), 15);
    // The old signatures no longer pay; the new set's do.
    let w = withdrawal(Address::repeat_byte(0x31), Address::ZERO, 10);
    let wd = w.digest(&domain);
    refused(
        d.bridge.withdraw(&w, &sorted(&d.validators, &wd)).await,
        "NotAValidator",
    );
    d.bridge.withdraw(&w, &sorted(&next, &wd)).await.unwrap();
    // The handover's signatures cannot be replayed (the nonce moved on).
    refused(
        d.bridge
            .update_validators(&members, &sorted(&d.validators[..3], &digest))
            .await,
        "NotAValidator",
    );
}

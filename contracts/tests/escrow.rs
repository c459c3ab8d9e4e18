//! Escrow with an arbiter on a chain: the buyer releases, the seller refunds, the
//! arbiter rules either way, or buyer and seller agree; the seller cannot release to
//! itself, the arbiter cannot use the buyer's release, and nobody else can rule.

mod common;

use common::{assert_bad_signature, coin, flavor, forge, key, owner, qty, rng, terms, Chain};
use contracts::escrow::{Escrow, REFUND, RELEASE, RULING_FOR_BUYER, RULING_FOR_SELLER};
use rand::rngs::StdRng;
use zkvm::{ClearValue, Contract, TxBuilder};

const TOKEN: u64 = 3;
const PRICE: u64 = 50;

struct Setup {
    escrow: Escrow,
    chain: Chain,
    deposit: Contract,
}

/// Buyer 1, seller 2, arbiter 3; the buyer deposits PRICE.
fn setup(r: &mut StdRng) -> Setup {
    let (buyer, seller, arbiter) = (owner(&key(1)), owner(&key(2)), owner(&key(3)));
    let funds = coin(r, buyer.clone(), PRICE, flavor(TOKEN));
    let mut chain = Chain::start(std::slice::from_ref(&funds));
    let escrow = Escrow::new(&buyer, &seller, &arbiter, &terms(6)).unwrap();
    let value = ClearValue {
        qty: PRICE,
        flv: flavor(TOKEN),
    };
    let tx = escrow.deposit(TxBuilder::new().spend(funds), value);
    let outs = chain.run(tx, &[], 2_000, r).expect("deposited");
    Setup {
        escrow,
        chain,
        deposit: outs[0].clone(),
    }
}

fn resolve(s: &Setup, clause: usize) -> TxBuilder {
    let spend = s.escrow.resolve(s.deposit.clone(), clause).unwrap();
    TxBuilder::new().spend_with(spend)
}

#[test]
fn each_party_resolves_its_way() {
    // (clause, who receives)
    let cases = [
        (RELEASE, 2),
        (REFUND, 1),
        (RULING_FOR_SELLER, 2),
        (RULING_FOR_BUYER, 1),
    ];
    for (n, (clause, to)) in cases.into_iter().enumerate() {
        let mut r = rng(50 + n as u64);
        let mut s = setup(&mut r);
        let outs = s
            .chain
            .run(resolve(&s, clause), &[], 3_000, &mut r)
            .unwrap_or_else(|e| panic!("clause {clause}: {e:?}"));
        assert_eq!(outs[0].predicate, owner(&key(to)));
        assert_eq!(qty(&outs[0]), Some(PRICE));
    }
}

#[test]
fn buyer_and_seller_agree_on_a_split() {
    let mut r = rng(55);
    let mut s = setup(&mut r);
    let spend = s.escrow.settle_together(s.deposit.clone()).unwrap();
    let tx = TxBuilder::new()
        .spend_with(spend)
        .pay(owner(&key(1)).to_opaque(), 20, flavor(TOKEN))
        .pay(owner(&key(2)).to_opaque(), 30, flavor(TOKEN));
    let outs = s
        .chain
        .run(tx, &[key(1), key(2)], 3_000, &mut r)
        .expect("agreed");
    assert_eq!((qty(&outs[0]), qty(&outs[1])), (Some(20), Some(30)));
}

/// `signer` tries `clause` alone: the chain refuses its signature.
fn refused(clause: usize, signer: u64, seed: u64) {
    let mut r = rng(seed);
    let mut s = setup(&mut r);
    let unsigned = s.chain.prove(resolve(&s, clause), &mut r).unwrap();
    assert_bad_signature(s.chain.mine(forge(unsigned, &key(signer), &mut r), 3_000));
    assert!(s.chain.is_unspent(&s.deposit));
}

#[test]
fn the_seller_cannot_release_to_itself() {
    refused(RELEASE, 2, 56);
}

#[test]
fn the_arbiter_cannot_use_the_buyers_release() {
    refused(RELEASE, 3, 57);
}

#[test]
fn the_buyer_cannot_refund_itself() {
    refused(REFUND, 1, 58);
}

#[test]
fn nobody_but_the_arbiter_rules() {
    refused(RULING_FOR_BUYER, 1, 59);
}

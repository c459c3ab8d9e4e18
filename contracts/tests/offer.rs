//! Offers on a chain: opened by the maker, taken whole or lifted in part by anyone
//! who pays, cancelled by the maker; underpaying, taking more than paid for and a
//! cancel by anyone else are refused.

mod common;

use common::{assert_bad_signature, coin, flavor, forge, key, owner, qty, rng, Chain, Refusal};
use contracts::offer::{Offer, TAKE};
use contracts::{open_value, Terms};
use rand::rngs::StdRng;
use zkvm::{ClearValue, Commitment, Contract, Leftover, Spend, TxBuilder, VmError};

const GOLD: u64 = 1;
const SILVER: u64 = 2;
const UNIT_PRICE: u64 = 3;
const OFFERED: u64 = 10;

struct Setup {
    offer: Offer,
    chain: Chain,
    /// The offer contract on the chain.
    on_offer: Contract,
    /// The taker's silver.
    silver: Contract,
}

fn setup(r: &mut StdRng) -> Setup {
    let maker = owner(&key(1));
    let gold = coin(r, maker.clone(), OFFERED, flavor(GOLD));
    let silver = coin(r, owner(&key(2)), 100, flavor(SILVER));
    let mut chain = Chain::start(&[gold.clone(), silver.clone()]);
    let offer = Offer::new(
        maker,
        flavor(GOLD),
        flavor(SILVER),
        UNIT_PRICE,
        Terms::new([5; 32]),
    )
    .expect("offer");
    let tx = offer.open(TxBuilder::new().spend(gold), OFFERED);
    let outs = chain.run(tx, &[], 2_000, r).expect("the offer opens");
    Setup {
        offer,
        chain,
        on_offer: outs[0].clone(),
        silver,
    }
}

/// The taker's transaction around `spend`: its silver pays, it keeps `gold` units.
fn taker_tx(s: &Setup, spend: Spend, gold: u64) -> TxBuilder {
    let taker = owner(&key(2)).to_opaque();
    TxBuilder::new()
        .spend_with(spend)
        .spend(s.silver.clone())
        .pay(taker.clone(), gold, flavor(GOLD))
        .change_to(taker)
}

#[test]
fn anyone_who_pays_takes_the_whole_offer() {
    let mut r = rng(10);
    let mut s = setup(&mut r);
    let spend = s.offer.take(s.on_offer.clone()).unwrap();
    let outs = s
        .chain
        .run(taker_tx(&s, spend, OFFERED), &[], 3_000, &mut r)
        .expect("taken");
    // The maker is paid the price, the taker has the gold and its change.
    assert_eq!(outs[0].predicate, *s.offer.maker());
    assert_eq!(open_value(&outs[0], "payment").unwrap().qty, 30);
    assert_eq!(qty(&outs[1]), Some(OFFERED));
    assert_eq!(qty(&outs[2]), Some(70));
    assert!(!s.chain.is_unspent(&s.on_offer));
}

#[test]
fn partial_lifts_leave_the_rest_on_offer_until_the_maker_cancels() {
    let mut r = rng(11);
    let mut s = setup(&mut r);
    let spend = s.offer.lift(s.on_offer.clone(), 4).unwrap();
    let outs = s
        .chain
        .run(taker_tx(&s, spend, 4), &[], 3_000, &mut r)
        .expect("lifted");
    // Outputs: the maker's payment, the remainder on offer, the taker's gold and change.
    assert_eq!(open_value(&outs[0], "payment").unwrap().qty, 12);
    let rest = outs[1].clone();
    assert_eq!(rest.predicate, s.offer.predicate());
    assert_eq!(qty(&rest), Some(6));
    assert_eq!(qty(&outs[2]), Some(4));
    // The maker takes the remainder back.
    let maker = owner(&key(1));
    let cancel = s.offer.cancel(rest.clone()).unwrap();
    let tx = TxBuilder::new()
        .spend_with(cancel)
        .pay(maker.to_opaque(), 6, flavor(GOLD));
    s.chain.run(tx, &[], 4_000, &mut r).expect("cancelled");
    assert!(!s.chain.is_unspent(&rest));
}

#[test]
fn underpaying_a_take_is_refused() {
    let mut r = rng(12);
    let mut s = setup(&mut r);
    let price = 30 - 1;
    let value = open_value(&s.on_offer, "offer").unwrap();
    let mut on_offer = s.on_offer.clone();
    on_offer.predicate = s.offer.predicate();
    let spend = Spend::call(on_offer, s.offer.taproot(), TAKE)
        .unwrap()
        .arg(Commitment::blinded(price, &mut r))
        .leaves(Leftover::Value(value))
        .leaves(Leftover::Debt(ClearValue {
            qty: price,
            flv: flavor(SILVER),
        }));
    // The price equation is false: the prover's constraint check names its `verify`.
    let e = s
        .chain
        .run(taker_tx(&s, spend, OFFERED), &[], 3_000, &mut r)
        .unwrap_err();
    assert!(
        matches!(&e, Refusal::Vm(VmError::AtInstruction { opcode, .. }) if opcode == "verify"),
        "{e:?}"
    );
    assert!(s.chain.is_unspent(&s.on_offer));
}

#[test]
fn a_lift_cannot_keep_more_than_it_paid_for() {
    let mut r = rng(13);
    let mut s = setup(&mut r);
    // The lift pays for 4 units (the remainder is 6) but the taker keeps 5: the
    // builder sees the gold does not balance.
    let spend = s.offer.lift(s.on_offer.clone(), 4).unwrap();
    let e = s.chain.prove(taker_tx(&s, spend, 5), &mut r).unwrap_err();
    assert!(matches!(e, VmError::BadArguments(_)), "{e:?}");
    // A remainder of 5 with a payment for 4 (12): the prover names the false `verify`.
    let value = open_value(&s.on_offer, "offer").unwrap();
    let mut on_offer = s.on_offer.clone();
    on_offer.predicate = s.offer.predicate();
    let cheat = Spend::call(on_offer, s.offer.taproot(), contracts::offer::LIFT)
        .unwrap()
        .arg(Commitment::blinded(5u64, &mut r))
        .arg(Commitment::blinded(12u64, &mut r))
        .leaves(Leftover::Value(value))
        .leaves(Leftover::Debt(ClearValue {
            qty: 12,
            flv: flavor(SILVER),
        }))
        .leaves(Leftover::Debt(ClearValue {
            qty: 5,
            flv: flavor(GOLD),
        }));
    let e = s
        .chain
        .run(taker_tx(&s, cheat, 5), &[], 3_000, &mut r)
        .unwrap_err();
    assert!(
        matches!(&e, Refusal::Vm(VmError::AtInstruction { opcode, .. }) if opcode == "verify"),
        "{e:?}"
    );
}

#[test]
fn only_the_maker_cancels() {
    let mut r = rng(14);
    let mut s = setup(&mut r);
    let cancel = s.offer.cancel(s.on_offer.clone()).unwrap();
    let thief = key(66);
    let tx =
        TxBuilder::new()
            .spend_with(cancel)
            .pay(owner(&thief).to_opaque(), OFFERED, flavor(GOLD));
    let unsigned = s.chain.prove(tx, &mut r).unwrap();
    assert_bad_signature(s.chain.mine(forge(unsigned, &thief, &mut r), 3_000));
    assert!(s.chain.is_unspent(&s.on_offer));
}

#[test]
fn an_offer_is_taken_only_once() {
    let mut r = rng(15);
    let mut s = setup(&mut r);
    let spend = s.offer.take(s.on_offer.clone()).unwrap();
    s.chain
        .run(taker_tx(&s, spend, OFFERED), &[], 3_000, &mut r)
        .expect("taken");
    let again = s.offer.take(s.on_offer.clone()).unwrap();
    let e = s
        .chain
        .run(taker_tx(&s, again, OFFERED), &[], 4_000, &mut r)
        .unwrap_err();
    assert!(matches!(e, Refusal::NotUnspent(_)), "{e:?}");
}

//! A payment channel on a chain: funded, closed together, or closed alone with a
//! dispute period in which a newer state overrides a cheater's old one; an old state
//! after a newer one, a settlement during the dispute period or of a stale state, a
//! state signed by one party and a shortened dispute period are refused.

mod common;

use common::{coin, flavor, key, owner, qty, rng, terms, Chain, Refusal};
use contracts::channel::{Channel, ChannelState, SignedState};
use rand::rngs::StdRng;
use zkvm::{ClearValue, Commitment, Contract, Spend, TxBuilder, VmError};

const TOKEN: u64 = 4;
const CAPACITY: u64 = 100;
const DISPUTE: u64 = 100_000;
/// Alice's old state: she had 90.
const OLD: ChannelState = ChannelState { seq: 1, alice: 90 };
/// The latest state: she has 40.
const NEW: ChannelState = ChannelState { seq: 2, alice: 40 };

struct Setup {
    channel: Channel,
    chain: Chain,
    funded: Contract,
    old: SignedState,
    new: SignedState,
}

fn setup(r: &mut StdRng) -> Setup {
    let (alice, bob) = (key(1), key(2));
    let funds = coin(r, owner(&alice), CAPACITY, flavor(TOKEN));
    let mut chain = Chain::start(std::slice::from_ref(&funds));
    let capacity = ClearValue {
        qty: CAPACITY,
        flv: flavor(TOKEN),
    };
    let channel = Channel::new(
        owner(&alice),
        owner(&bob),
        capacity,
        DISPUTE,
        b"channel-1".to_vec(),
        terms(4),
    )
    .unwrap();
    let outs = chain
        .run(channel.fund(TxBuilder::new().spend(funds)), &[], 2_000, r)
        .expect("funded");
    let keys = [alice, bob];
    Setup {
        old: channel.sign_state(OLD, &keys, r).unwrap(),
        new: channel.sign_state(NEW, &keys, r).unwrap(),
        channel,
        chain,
        funded: outs[0].clone(),
    }
}

/// Publishes `state` on `contract` alone, in a block at `at` (the maxtime).
fn close_alone(
    s: &mut Setup,
    contract: &Contract,
    state: &SignedState,
    at: u64,
    r: &mut StdRng,
) -> Result<Contract, Refusal> {
    let tx = s
        .channel
        .close_alone(TxBuilder::new(), contract.clone(), state, at - 1_000, at)?;
    let outs = s.chain.run(tx, &[], at, r)?;
    Ok(outs[0].clone())
}

fn settle(
    s: &mut Setup,
    pending: &Contract,
    state: &SignedState,
    at: u64,
    r: &mut StdRng,
) -> Result<Vec<Contract>, Refusal> {
    let change = owner(&key(1)).to_opaque();
    let tx = s
        .channel
        .settle(TxBuilder::new(), pending.clone(), state, at, change)?;
    s.chain.run(tx, &[], at, r)
}

/// Alice publishes the old state at 10 000; Bob overrides it at 20 000.
fn disputed(s: &mut Setup, r: &mut StdRng) -> Contract {
    let funded = s.funded.clone();
    let old = s.old.clone();
    let new = s.new.clone();
    let pending = close_alone(s, &funded, &old, 10_000, r).expect("Alice closes");
    close_alone(s, &pending, &new, 20_000, r).expect("Bob disputes")
}

#[test]
fn the_parties_close_together() {
    let mut r = rng(40);
    let mut s = setup(&mut r);
    let tx = s
        .channel
        .close_together(TxBuilder::new(), s.funded.clone(), NEW)
        .unwrap();
    let outs = s
        .chain
        .run(tx, &[key(1), key(2)], 3_000, &mut r)
        .expect("closed");
    assert_eq!((qty(&outs[0]), qty(&outs[1])), (Some(40), Some(60)));
}

#[test]
fn the_cheaters_old_state_is_overridden_by_the_newer_one() {
    let mut r = rng(41);
    let mut s = setup(&mut r);
    let pending = disputed(&mut s, &mut r);
    let new = s.new.clone();
    let outs = settle(&mut s, &pending, &new, 20_000 + DISPUTE, &mut r).expect("settled");
    // Alice, Bob, and the cloak's zero output.
    let balances: Vec<_> = outs.iter().map(qty).collect();
    assert_eq!(balances, vec![Some(40), Some(60), Some(0)]);
    assert_eq!(outs[0].predicate, owner(&key(1)));
    assert_eq!(outs[1].predicate, owner(&key(2)));
}

#[test]
fn an_old_state_cannot_follow_a_newer_one() {
    let mut r = rng(42);
    let mut s = setup(&mut r);
    let pending = disputed(&mut s, &mut r);
    let old = s.old.clone();
    let e = close_alone(&mut s, &pending, &old, 30_000, &mut r).unwrap_err();
    assert!(
        matches!(e, Refusal::Vm(VmError::ConstantOutOfRange)),
        "{e:?}"
    );
}

#[test]
fn settling_during_the_dispute_period_is_refused() {
    let mut r = rng(43);
    let mut s = setup(&mut r);
    let pending = disputed(&mut s, &mut r);
    let new = s.new.clone();
    let e = settle(&mut s, &pending, &new, 20_000 + DISPUTE - 1, &mut r).unwrap_err();
    // The prover's range gadget sees the negative difference.
    assert!(matches!(e, Refusal::Vm(VmError::R1cs(_))), "{e:?}");
    assert!(s.chain.is_unspent(&pending));
}

#[test]
fn settling_a_stale_state_is_refused() {
    let mut r = rng(44);
    let mut s = setup(&mut r);
    let pending = disputed(&mut s, &mut r);
    let old = s.old.clone();
    let e = settle(&mut s, &pending, &old, 20_000 + DISPUTE, &mut r).unwrap_err();
    assert!(
        matches!(e, Refusal::Vm(VmError::CleartextConstraintFalse)),
        "{e:?}"
    );
}

#[test]
fn a_state_signed_by_one_party_is_refused() {
    let mut r = rng(45);
    let mut s = setup(&mut r);
    // Alice signs a state giving her everything, without Bob.
    let greedy = ChannelState { seq: 3, alice: 100 };
    let program = s.channel.close_program(greedy);
    let signature = zkvm::sign_tag(&key(1), s.channel.tag(), &program, &mut r);
    let mut funded = s.funded.clone();
    funded.predicate = s.channel.predicate();
    let spend =
        Spend::signtag(funded, program, signature).arg(Commitment::unblinded(10_000 + DISPUTE));
    let tx = TxBuilder::new()
        .spend_with(spend)
        .time_bounds(9_000, 10_000);
    let e = s.chain.run(tx, &[], 10_000, &mut r).unwrap_err();
    assert!(matches!(e, Refusal::Vm(VmError::PointCheck(_))), "{e:?}");
}

#[test]
fn a_shortened_dispute_period_is_refused() {
    let mut r = rng(46);
    let mut s = setup(&mut r);
    let (program, signature) = s.old.close();
    let mut funded = s.funded.clone();
    funded.predicate = s.channel.predicate();
    let spend =
        Spend::signtag(funded, program.clone(), *signature).arg(Commitment::unblinded(10_000 + 1));
    let tx = TxBuilder::new()
        .spend_with(spend)
        .time_bounds(9_000, 10_000);
    let e = s.chain.run(tx, &[], 10_000, &mut r).unwrap_err();
    // The equation is false: the prover's constraint check refuses to prove it and
    // names the `verify` that made it.
    assert!(
        matches!(&e, Refusal::Vm(VmError::AtInstruction { opcode, .. }) if opcode == "verify"),
        "{e:?}"
    );
}

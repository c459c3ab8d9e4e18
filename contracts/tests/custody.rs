//! Multi-factor custody on a chain: any pair of factors spends, the recovery key
//! spends after its time lock; a single factor, a stranger or an early recovery is
//! refused.

mod common;

use common::{assert_bad_signature, coin, flavor, forge, key, owner, rng, terms, Chain, Refusal};
use contracts::custody::Custody;
use rand::rngs::StdRng;
use zkvm::{Contract, SigningKey, TxBuilder, VmError};

const RECOVERY_FROM: u64 = 1_000_000;
const GOLD: u64 = 7;

struct Setup {
    factors: [SigningKey; 3],
    custody: Custody,
    chain: Chain,
    vaults: Vec<Contract>,
}

fn setup(rng: &mut StdRng, vaults: usize) -> Setup {
    let factors = [key(1), key(2), key(3)];
    let custody = Custody::new(
        [
            &owner(&factors[0]),
            &owner(&factors[1]),
            &owner(&factors[2]),
        ],
        &owner(&key(4)),
        RECOVERY_FROM,
        &terms(1),
    )
    .expect("custody");
    let vaults: Vec<Contract> = (0..vaults)
        .map(|_| coin(rng, custody.predicate(), 100, flavor(GOLD)))
        .collect();
    Setup {
        factors,
        chain: Chain::start(&vaults),
        custody,
        vaults,
    }
}

/// Pays the whole vault to key 9.
fn pay_out(spend: zkvm::Spend) -> TxBuilder {
    TxBuilder::new()
        .spend_with(spend)
        .pay(owner(&key(9)).to_opaque(), 100, flavor(GOLD))
}

#[test]
fn every_pair_of_factors_spends() {
    let mut r = rng(1);
    let mut s = setup(&mut r, 3);
    for (n, (i, j)) in [(0, 1), (0, 2), (1, 2)].into_iter().enumerate() {
        let vault = s.vaults[n].clone();
        let spend = s.custody.spend_with_pair(vault.clone(), (i, j)).unwrap();
        let keys = [s.factors[i].clone(), s.factors[j].clone()];
        let outs = s
            .chain
            .run(pay_out(spend), &keys, 2_000 + n as u64, &mut r)
            .unwrap_or_else(|e| panic!("pair ({i}, {j}): {e:?}"));
        assert!(!s.chain.is_unspent(&vault));
        assert_eq!(common::qty(&outs[0]), Some(100));
    }
}

#[test]
fn one_factor_alone_is_refused() {
    let mut r = rng(2);
    let mut s = setup(&mut r, 1);
    let spend = s
        .custody
        .spend_with_pair(s.vaults[0].clone(), (0, 1))
        .unwrap();
    let unsigned = s.chain.prove(pay_out(spend), &mut r).unwrap();
    // The signer cannot even start MuSig2 without the second factor …
    let alone = unsigned.clone().sign_musig(&[s.factors[0].clone()], &mut r);
    assert!(
        matches!(alone, Err(VmError::WitnessMissing { .. })),
        "{alone:?}"
    );
    // … and a signature by the first factor alone is refused by the chain.
    let tx = forge(unsigned, &s.factors[0], &mut r);
    assert_bad_signature(s.chain.mine(tx, 2_000));
    assert!(s.chain.is_unspent(&s.vaults[0]));
}

#[test]
fn a_pair_with_a_stranger_is_refused() {
    let mut r = rng(3);
    let mut s = setup(&mut r, 1);
    let spend = s
        .custody
        .spend_with_pair(s.vaults[0].clone(), (0, 2))
        .unwrap();
    let unsigned = s.chain.prove(pay_out(spend), &mut r).unwrap();
    let stranger = key(66);
    let musig = unsigned
        .clone()
        .sign_musig(&[s.factors[0].clone(), stranger.clone()], &mut r);
    assert!(
        matches!(musig, Err(VmError::WitnessMissing { .. })),
        "{musig:?}"
    );
    assert_bad_signature(s.chain.mine(forge(unsigned, &stranger, &mut r), 2_000));
}

fn recover(s: &mut Setup, at: u64, r: &mut StdRng) -> Result<Vec<Contract>, Refusal> {
    let spend = s.custody.recover(s.vaults[0].clone())?;
    s.chain
        .run(pay_out(spend).time_bounds(at, at + 60_000), &[], at, r)
}

#[test]
fn the_recovery_key_spends_after_the_time_lock() {
    let mut r = rng(4);
    let mut s = setup(&mut r, 1);
    recover(&mut s, RECOVERY_FROM, &mut r).expect("recovers");
    assert!(!s.chain.is_unspent(&s.vaults[0]));
}

#[test]
fn recovery_before_the_time_lock_is_refused() {
    let mut r = rng(5);
    let mut s = setup(&mut r, 1);
    let e = recover(&mut s, RECOVERY_FROM - 1, &mut r).unwrap_err();
    assert!(
        matches!(e, Refusal::Vm(VmError::ConstantOutOfRange)),
        "{e:?}"
    );
}

#[test]
fn recovery_by_another_key_is_refused() {
    let mut r = rng(6);
    let mut s = setup(&mut r, 1);
    let spend = s.custody.recover(s.vaults[0].clone()).unwrap();
    let tx = pay_out(spend).time_bounds(RECOVERY_FROM, u64::MAX);
    let unsigned = s.chain.prove(tx, &mut r).unwrap();
    assert_bad_signature(
        s.chain
            .mine(forge(unsigned, &key(66), &mut r), RECOVERY_FROM),
    );
}

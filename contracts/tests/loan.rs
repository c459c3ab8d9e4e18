//! A collateralized loan on a chain: originated in one transaction, repaid with
//! interest before the deadline (the collateral returns), claimed by the lender after
//! it, or settled by both; a late or short repayment, an early claim and a stranger's
//! signature are refused.

mod common;

use common::Refusal;
use common::{assert_bad_signature, coin, flavor, forge, key, owner, qty, rng, terms, Chain};
use contracts::loan::{Loan, REPAY};
use contracts::open_value;
use rand::rngs::StdRng;
use zkvm::{ClearValue, Contract, Leftover, Spend, TxBuilder, VmError};

const GOLD: u64 = 1;
const DOLLAR: u64 = 2;
const COLLATERAL: u64 = 10;
const PRINCIPAL: u64 = 1_000;
const DUE: u64 = 1_050;
const DEADLINE: u64 = 1_000_000;

struct Setup {
    loan: Loan,
    chain: Chain,
    /// The loan contract on the chain.
    locked: Contract,
    /// The borrower's dollars for repaying.
    savings: Contract,
}

fn setup(r: &mut StdRng) -> Setup {
    let (lender, borrower) = (owner(&key(1)), owner(&key(2)));
    let funds = coin(r, lender.clone(), PRINCIPAL, flavor(DOLLAR));
    let gold = coin(r, borrower.clone(), COLLATERAL, flavor(GOLD));
    let savings = coin(r, borrower.clone(), 1_200, flavor(DOLLAR));
    let mut chain = Chain::start(&[funds.clone(), gold.clone(), savings.clone()]);
    let collateral = ClearValue {
        qty: COLLATERAL,
        flv: flavor(GOLD),
    };
    let due = ClearValue {
        qty: DUE,
        flv: flavor(DOLLAR),
    };
    let loan = Loan::new(&lender, &borrower, collateral, due, DEADLINE, &terms(3)).unwrap();
    // The origination: the lender's dollars to the borrower, the gold into the loan.
    let tx = TxBuilder::new().spend(funds).spend(gold).pay(
        borrower.to_opaque(),
        PRINCIPAL,
        flavor(DOLLAR),
    );
    let outs = chain
        .run(loan.lock_collateral(tx), &[], 2_000, r)
        .expect("originated");
    Setup {
        loan,
        chain,
        locked: outs[1].clone(),
        savings,
    }
}

/// The borrower's repayment around `spend`, at `time`.
fn repayment(s: &Setup, spend: Spend, change: u64, time: u64) -> TxBuilder {
    let borrower = owner(&key(2)).to_opaque();
    TxBuilder::new()
        .spend_with(spend)
        .spend(s.savings.clone())
        .pay(borrower.clone(), COLLATERAL, flavor(GOLD))
        .pay(borrower, change, flavor(DOLLAR))
        .time_bounds(time, time + 1_000)
}

#[test]
fn repaying_before_the_deadline_returns_the_collateral() {
    let mut r = rng(20);
    let mut s = setup(&mut r);
    let spend = s.loan.repay(s.locked.clone()).unwrap();
    let tx = repayment(&s, spend, 150, DEADLINE - 1_001);
    let outs = s
        .chain
        .run(tx, &[], DEADLINE - 1_001, &mut r)
        .expect("repaid");
    // The lender has the amount due, the borrower the gold and its change.
    assert_eq!(open_value(&outs[0], "repayment").unwrap().qty, DUE);
    assert_eq!(qty(&outs[1]), Some(COLLATERAL));
    assert!(!s.chain.is_unspent(&s.locked));
}

#[test]
fn repaying_after_the_deadline_is_refused() {
    let mut r = rng(21);
    let mut s = setup(&mut r);
    let spend = s.loan.repay(s.locked.clone()).unwrap();
    let tx = repayment(&s, spend, 150, DEADLINE - 1_000);
    let e = s.chain.run(tx, &[], DEADLINE, &mut r).unwrap_err();
    assert!(
        matches!(e, Refusal::Vm(VmError::ConstantOutOfRange)),
        "{e:?}"
    );
}

#[test]
fn repaying_less_than_due_is_refused() {
    let mut r = rng(22);
    let mut s = setup(&mut r);
    // The borrower claims the debt is 1000 and keeps 200 in change.
    let mut locked = s.locked.clone();
    locked.predicate = s.loan.predicate();
    let short = Spend::call(locked, s.loan.taproot(), REPAY)
        .unwrap()
        .leaves(Leftover::Debt(ClearValue {
            qty: PRINCIPAL,
            flv: flavor(DOLLAR),
        }))
        .leaves(Leftover::Value(open_value(&s.locked, "loan").unwrap()));
    let tx = repayment(&s, short, 200, 3_000);
    let e = s.chain.run(tx, &[], 3_000, &mut r).unwrap_err();
    // The prover's cloak sees the dollars do not balance (a prover that went on
    // would make a proof the chain refuses).
    assert!(matches!(e, Refusal::Vm(VmError::R1cs(_))), "{e:?}");
    assert!(s.chain.is_unspent(&s.locked));
}

#[test]
fn only_the_borrower_takes_the_collateral_back() {
    let mut r = rng(23);
    let mut s = setup(&mut r);
    let spend = s.loan.repay(s.locked.clone()).unwrap();
    let stranger = key(66);
    // A stranger repays but keeps the gold: the collateral needs the borrower's key.
    let tx = TxBuilder::new()
        .spend_with(spend)
        .spend(s.savings.clone())
        .pay(owner(&stranger).to_opaque(), COLLATERAL, flavor(GOLD))
        .pay(owner(&stranger).to_opaque(), 150, flavor(DOLLAR))
        .time_bounds(3_000, 4_000);
    let unsigned = s.chain.prove(tx, &mut r).unwrap();
    assert_bad_signature(s.chain.mine(forge(unsigned, &stranger, &mut r), 3_000));
}

fn claim(s: &mut Setup, at: u64, r: &mut StdRng) -> Result<Vec<Contract>, Refusal> {
    let spend = s.loan.claim(s.locked.clone())?;
    let tx = TxBuilder::new()
        .spend_with(spend)
        .pay(owner(&key(1)).to_opaque(), COLLATERAL, flavor(GOLD))
        .time_bounds(at, at + 1_000);
    s.chain.run(tx, &[], at, r)
}

#[test]
fn the_lender_claims_the_collateral_after_the_deadline() {
    let mut r = rng(24);
    let mut s = setup(&mut r);
    claim(&mut s, DEADLINE, &mut r).expect("claimed");
    assert!(!s.chain.is_unspent(&s.locked));
}

#[test]
fn claiming_before_the_deadline_is_refused() {
    let mut r = rng(25);
    let mut s = setup(&mut r);
    let e = claim(&mut s, DEADLINE - 1, &mut r).unwrap_err();
    assert!(
        matches!(e, Refusal::Vm(VmError::ConstantOutOfRange)),
        "{e:?}"
    );
}

#[test]
fn lender_and_borrower_settle_together() {
    let mut r = rng(26);
    let mut s = setup(&mut r);
    let spend = s.loan.settle_together(s.locked.clone()).unwrap();
    let tx = TxBuilder::new().spend_with(spend).pay(
        owner(&key(2)).to_opaque(),
        COLLATERAL,
        flavor(GOLD),
    );
    // Without the lender the MuSig2 session cannot run.
    let alone = s
        .chain
        .prove(tx.clone(), &mut r)
        .unwrap()
        .sign_musig(&[key(2)], &mut r);
    assert!(
        matches!(alone, Err(VmError::WitnessMissing { .. })),
        "{alone:?}"
    );
    s.chain
        .run(tx, &[key(1), key(2)], 3_000, &mut r)
        .expect("settled");
}

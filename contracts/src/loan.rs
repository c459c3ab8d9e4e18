//! A collateralized loan: the borrower's collateral is locked until the loan is
//! repaid with interest before a deadline; after the deadline the lender may claim it.
//!
//! The loan contract holds the collateral. Its predicate is a Taproot tree whose key
//! is the MuSig key of lender and borrower (the happy path: together they may do
//! anything, for example extend the loan), with the clauses, `D` the committed amount
//! due (principal and interest) and `F` its committed flavor:
//!
//! ```text
//! 0 repay:   maxtime < deadline;  borrow D of F, pay it to the lender;
//!            <borrower> contract:1 signtx   (the collateral goes back to the borrower)
//! 1 default: mintime ≥ deadline;  <lender> contract:1 signtx
//! ```
//!
//! Repaying leaves the debt of `D` and the collateral for the borrower's cloak, which
//! repays the debt from the borrower's funds; the borrower signs for the collateral.
//! The lender opens the repayment with the blinding factors of the loan's [`Terms`].

use crate::errors::ContractError;
use crate::terms::{adopt, aggregate, before, hand_to, not_before, open_value, Terms};
use zkvm::{
    ClearValue, Contract, Leftover, Predicate, Program, Spend, Taproot, TaprootBuilder, TxBuilder,
};

/// Clause index of the repayment.
pub const REPAY: usize = 0;
/// Clause index of the default.
pub const DEFAULT: usize = 1;

/// A loan's terms.
#[derive(Clone, Debug)]
pub struct Loan {
    collateral: ClearValue,
    due: ClearValue,
    deadline_ms: u64,
    taproot: Taproot,
}

impl Loan {
    /// A loan of `collateral` against `due` (principal plus interest) to be repaid
    /// to `lender` before `deadline_ms`.
    pub fn new(
        lender: &Predicate,
        borrower: &Predicate,
        collateral: ClearValue,
        due: ClearValue,
        deadline_ms: u64,
        terms: &Terms,
    ) -> Result<Self, ContractError> {
        let due_qty = terms.commit(due.qty, b"amount due", b"");
        let due_flv = terms.commit(due.flv, b"flavor due", b"");
        let repay = Program::build(|p| {
            before(p, deadline_ms);
            p.push(due_qty)
                .commit()
                .push(due_flv)
                .commit()
                .borrow()
                .push(lender.to_opaque())
                .output(1) // collateral, debt
                .roll(1);
            hand_to(p, borrower);
        });
        let default = Program::build(|p| {
            not_before(p, deadline_ms);
            hand_to(p, lender);
        });
        let key = aggregate(&[("the lender", lender), ("the borrower", borrower)])?;
        let taproot = TaprootBuilder::new()
            .key(key)
            .clause(repay)
            .clause(default)
            .build(terms.taproot_key())?;
        Ok(Loan {
            collateral,
            due,
            deadline_ms,
            taproot,
        })
    }

    /// The loan contract's predicate.
    pub fn predicate(&self) -> Predicate {
        self.taproot.predicate()
    }

    /// The tree, with the call proof of each clause.
    pub fn taproot(&self) -> &Taproot {
        &self.taproot
    }

    /// The deadline.
    pub fn deadline_ms(&self) -> u64 {
        self.deadline_ms
    }

    /// Adds the loan contract to `tx` (the origination: typically the same
    /// transaction also pays the principal from the lender to the borrower).
    pub fn lock_collateral(&self, tx: TxBuilder) -> TxBuilder {
        tx.pay(self.predicate(), self.collateral.qty, self.collateral.flv)
    }

    /// Repays: leaves the debt of the amount due and the collateral (signed for by
    /// the borrower). The transaction's maxtime must be before the deadline.
    pub fn repay(&self, loan: Contract) -> Result<Spend, ContractError> {
        let loan = adopt(loan, self.predicate(), "loan")?;
        let collateral = open_value(&loan, "loan")?;
        Ok(Spend::call(loan, &self.taproot, REPAY)?
            .leaves(Leftover::Debt(self.due))
            .leaves(Leftover::Value(collateral)))
    }

    /// The lender claims the collateral after a default; the transaction's mintime
    /// must be at least the deadline.
    pub fn claim(&self, loan: Contract) -> Result<Spend, ContractError> {
        let loan = adopt(loan, self.predicate(), "loan")?;
        let collateral = open_value(&loan, "loan")?;
        Ok(Spend::call(loan, &self.taproot, DEFAULT)?.leaves(Leftover::Value(collateral)))
    }

    /// Lender and borrower settle together (the key path, signed with MuSig2).
    pub fn settle_together(&self, loan: Contract) -> Result<Spend, ContractError> {
        let loan = adopt(loan, self.predicate(), "loan")?;
        Ok(Spend::signtx(loan))
    }
}

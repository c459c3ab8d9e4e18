//! Escrow with an arbiter: a buyer's payment held until the buyer releases it to the
//! seller, the seller refunds it, or an arbiter rules.
//!
//! The escrow contract holds the payment. Its predicate is a Taproot tree whose key
//! is the MuSig key of buyer and seller (the happy path: they agree on any outcome),
//! with the clauses:
//!
//! ```text
//! 0 release:          <buyer> contract:0 signtx;   <seller> output:1
//! 1 refund:           <seller> contract:0 signtx;  <buyer> output:1
//! 2 ruling for seller: <arbiter> contract:0 signtx; <seller> output:1
//! 3 ruling for buyer:  <arbiter> contract:0 signtx; <buyer> output:1
//! ```
//!
//! `<key> contract:0 signtx` demands the key's signature on the transaction without
//! giving it anything; the value goes to the clause's fixed recipient, its
//! commitments unchanged, so nobody, the arbiter included, can divert it. The deposit
//! is blinded with factors from the escrow's [`Terms`], so whoever receives it can
//! open it.

use crate::errors::ContractError;
use crate::terms::{adopt, aggregate, require_signature, Terms};
use zkvm::{ClearValue, Contract, Predicate, Program, Spend, Taproot, TaprootBuilder, TxBuilder};

/// Clause index of the buyer's release to the seller.
pub const RELEASE: usize = 0;
/// Clause index of the seller's refund to the buyer.
pub const REFUND: usize = 1;
/// Clause index of the arbiter's ruling for the seller.
pub const RULING_FOR_SELLER: usize = 2;
/// Clause index of the arbiter's ruling for the buyer.
pub const RULING_FOR_BUYER: usize = 3;

/// An escrow's terms.
#[derive(Clone, Debug)]
pub struct Escrow {
    taproot: Taproot,
    terms: Terms,
}

impl Escrow {
    /// The escrow between `buyer` and `seller` (keys) with `arbiter`.
    pub fn new(
        buyer: &Predicate,
        seller: &Predicate,
        arbiter: &Predicate,
        terms: &Terms,
    ) -> Result<Self, ContractError> {
        let clause = |signer: &Predicate, to: &Predicate| {
            Program::build(|p| {
                require_signature(p, signer);
                p.push(to.to_opaque()).output(1);
            })
        };
        let key = aggregate(&[("the buyer", buyer), ("the seller", seller)])?;
        let taproot = TaprootBuilder::new()
            .key(key)
            .clause(clause(buyer, seller))
            .clause(clause(seller, buyer))
            .clause(clause(arbiter, seller))
            .clause(clause(arbiter, buyer))
            .build(terms.taproot_key())?;
        Ok(Escrow {
            taproot,
            terms: terms.clone(),
        })
    }

    /// The escrow's predicate: the buyer pays to it.
    pub fn predicate(&self) -> Predicate {
        self.taproot.predicate()
    }

    /// The tree, with the call proof of each clause.
    pub fn taproot(&self) -> &Taproot {
        &self.taproot
    }

    /// Adds the deposit to `tx`: `value` paid into the escrow with blinding factors
    /// from the terms, so that whoever receives it can open it.
    pub fn deposit(&self, tx: TxBuilder, value: ClearValue) -> TxBuilder {
        let qty = self.terms.blinding(b"deposit quantity", b"");
        let flv = self.terms.blinding(b"deposit flavor", b"");
        tx.pay_blinded(self.predicate(), value, qty, flv)
    }

    /// Takes path `clause` (one of the constants of this module). The value leaves
    /// in the clause's own output; the signer named by the clause signs the
    /// transaction.
    pub fn resolve(&self, escrow: Contract, clause: usize) -> Result<Spend, ContractError> {
        let escrow = adopt(escrow, self.predicate(), "escrow")?;
        Ok(Spend::call(escrow, &self.taproot, clause)?)
    }

    /// Buyer and seller agree (the key path, signed with MuSig2): the value is left
    /// for their cloak to share out.
    pub fn settle_together(&self, escrow: Contract) -> Result<Spend, ContractError> {
        let escrow = adopt(escrow, self.predicate(), "escrow")?;
        Ok(Spend::signtx(escrow))
    }
}

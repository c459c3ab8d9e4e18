//! Multi-factor custody: funds that any two of three keys can spend, and a recovery
//! key alone after a time lock.
//!
//! The predicate is a Taproot tree whose key is the MuSig key of the first pair
//! (factors 0 and 1, the everyday pair, say a phone and a laptop). Its clauses:
//!
//! ```text
//! 0  <MuSig(0, 2)> contract:1 signtx            factors 0 and 2
//! 1  <MuSig(1, 2)> contract:1 signtx            factors 1 and 2
//! 2  mintime ≥ T;  <recovery> contract:1 signtx  the recovery key, from time T
//! ```
//!
//! Every path leaves the vault's value for the spending transaction's cloak, so the
//! vault can pay anyone any amounts.

use crate::errors::ContractError;
use crate::terms::{adopt, aggregate, hand_to, not_before, open_value, Terms};
use zkvm::{Contract, Leftover, Predicate, Program, Spend, Taproot, TaprootBuilder};

/// Clause index of the pair (0, 2).
pub const PAIR_0_2: usize = 0;
/// Clause index of the pair (1, 2).
pub const PAIR_1_2: usize = 1;
/// Clause index of the recovery path.
pub const RECOVERY: usize = 2;

/// A custody vault's terms: three factors, a recovery key and its time lock.
#[derive(Clone, Debug)]
pub struct Custody {
    taproot: Taproot,
    recovery_from_ms: u64,
}

impl Custody {
    /// The vault of `factors` (their predicates must be keys), recoverable by
    /// `recovery` from `recovery_from_ms` (a time in ms since the Unix epoch).
    pub fn new(
        factors: [&Predicate; 3],
        recovery: &Predicate,
        recovery_from_ms: u64,
        terms: &Terms,
    ) -> Result<Self, ContractError> {
        let pair = |i: usize, j: usize| {
            aggregate(&[
                ("a custody factor", factors[i]),
                ("a custody factor", factors[j]),
            ])
        };
        let mut clauses = Vec::with_capacity(3);
        for (i, j) in [(0, 2), (1, 2)] {
            let key = pair(i, j)?;
            clauses.push(Program::build(|p| hand_to(p, &key)));
        }
        clauses.push(Program::build(|p| {
            not_before(p, recovery_from_ms);
            hand_to(p, recovery);
        }));
        let mut builder = TaprootBuilder::new().key(pair(0, 1)?);
        for clause in clauses {
            builder = builder.clause(clause);
        }
        Ok(Custody {
            taproot: builder.build(terms.taproot_key())?,
            recovery_from_ms,
        })
    }

    /// The vault's predicate: pay to it to put funds in custody.
    pub fn predicate(&self) -> Predicate {
        self.taproot.predicate()
    }

    /// The tree, with the call proof of each clause.
    pub fn taproot(&self) -> &Taproot {
        &self.taproot
    }

    /// The time from which the recovery key may spend.
    pub fn recovery_from_ms(&self) -> u64 {
        self.recovery_from_ms
    }

    /// Spends `vault` with factors `i` and `j` (`i < j`): the key path for (0, 1),
    /// a clause otherwise. The transaction is signed with MuSig2
    /// ([`zkvm::UnsignedTx::sign_musig`] with both factors' keys).
    pub fn spend_with_pair(
        &self,
        vault: Contract,
        pair: (usize, usize),
    ) -> Result<Spend, ContractError> {
        let vault = self.own(vault)?;
        let value = open_value(&vault, "custody")?;
        let spend = match pair {
            (0, 1) => Spend::signtx(vault),
            (0, 2) => Spend::call(vault, &self.taproot, PAIR_0_2)?,
            (1, 2) => Spend::call(vault, &self.taproot, PAIR_1_2)?,
            _ => {
                return Err(ContractError::InvalidTerms(
                    "a pair is two of factors 0, 1, 2 in order",
                ))
            }
        };
        Ok(spend.leaves(Leftover::Value(value)))
    }

    /// Spends `vault` with the recovery key; the transaction's mintime must be at
    /// least [`Custody::recovery_from_ms`].
    pub fn recover(&self, vault: Contract) -> Result<Spend, ContractError> {
        let vault = self.own(vault)?;
        let value = open_value(&vault, "custody")?;
        Ok(Spend::call(vault, &self.taproot, RECOVERY)?.leaves(Leftover::Value(value)))
    }

    fn own(&self, vault: Contract) -> Result<Contract, ContractError> {
        adopt(vault, self.predicate(), "custody")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::scalar::Scalar;
    use zkvm::{Anchor, Commitment, PortableItem, SigningKey, Value};

    #[test]
    fn a_pair_must_be_two_distinct_factors_in_order() {
        let keys: Vec<Predicate> = (1..=4u64)
            .map(|n| SigningKey::new(Scalar::from(n)).into())
            .collect();
        let custody = Custody::new(
            [&keys[0], &keys[1], &keys[2]],
            &keys[3],
            5,
            &Terms::new([0; 32]),
        )
        .unwrap();
        let vault = Contract {
            predicate: custody.predicate(),
            payload: vec![PortableItem::Value(Value {
                qty: Commitment::unblinded(1u64),
                flv: Commitment::unblinded(Scalar::ZERO),
            })],
            anchor: Anchor([0; 32]),
        };
        for pair in [(1, 0), (2, 2), (0, 3)] {
            let e = custody.spend_with_pair(vault.clone(), pair).unwrap_err();
            assert!(
                matches!(e, ContractError::InvalidTerms(_)),
                "{pair:?}: {e:?}"
            );
        }
        assert!(custody.spend_with_pair(vault, (1, 2)).is_ok());
    }
}

//! An offer: the maker locks a value of one flavor and asks a fixed price per unit in
//! another. Anyone who pays the maker takes it, whole or in part; the maker cancels.
//!
//! The offer contract holds `[value, Q, P]`: the offered value (`q` units of flavor
//! `A`), a commitment `Q` to `q` (the value's own quantity commitment, for the
//! clauses' arithmetic) and the offer's predicate `P` (so a partial lift can put the
//! remainder back on offer under the same terms). Its predicate is a Taproot tree
//! whose key is the maker's (cancel, the happy path for the maker) and whose clauses
//! are, with `p` the committed unit price, `B` the committed asked flavor and `A` the
//! committed offered flavor:
//!
//! ```text
//! 0 take  (argument X):     X = p·Q;  borrow X of B, pay it to the maker
//! 1 lift  (arguments R, X): X = p·(Q − R);  borrow X of B, pay it to the maker;
//!                           borrow R of A into a new offer [R of A, R, P] under P
//! ```
//!
//! Each clause leaves the offered value and the debts for the taker's cloak, which
//! must repay them: the taker ends with `q` (take) or `q − R` (lift) units of `A` and
//! has paid `X` units of `B`. The commitments `p`, `A`, `B`, and the blinding factors
//! of `X` and `R`, derive from the offer's [`Terms`], which the maker hands to
//! prospective takers and which let the maker open the payment.

use crate::errors::ContractError;
use crate::terms::{adopt, open_value, Terms};
use curve25519_dalek::scalar::Scalar;
use zkvm::{
    ClearValue, Commitment, Contract, Data, Leftover, Predicate, Program, Spend, Taproot,
    TaprootBuilder, TxBuilder,
};

/// Clause index of a whole take.
pub const TAKE: usize = 0;
/// Clause index of a partial lift.
pub const LIFT: usize = 1;

/// An offer's terms.
#[derive(Clone, Debug)]
pub struct Offer {
    maker: Predicate,
    offered_flavor: Scalar,
    asked_flavor: Scalar,
    unit_price: u64,
    terms: Terms,
    taproot: Taproot,
}

impl Offer {
    /// An offer of flavor `offered_flavor` at `unit_price` units of `asked_flavor`
    /// each, paid to `maker`.
    pub fn new(
        maker: Predicate,
        offered_flavor: Scalar,
        asked_flavor: Scalar,
        unit_price: u64,
        terms: Terms,
    ) -> Result<Self, ContractError> {
        let price = terms.commit(unit_price, b"unit price", b"");
        let asked = terms.commit(asked_flavor, b"asked flavor", b"");
        let offered = terms.commit(offered_flavor, b"offered flavor", b"");
        let take = Program::build(|p| take_clause(p, &maker, &price, &asked));
        let lift = Program::build(|p| lift_clause(p, &maker, &price, &asked, &offered));
        let taproot = TaprootBuilder::new()
            .key(maker.clone())
            .clause(take)
            .clause(lift)
            .build(terms.taproot_key())?;
        Ok(Offer {
            maker,
            offered_flavor,
            asked_flavor,
            unit_price,
            terms,
            taproot,
        })
    }

    /// The offer's predicate.
    pub fn predicate(&self) -> Predicate {
        self.taproot.predicate()
    }

    /// The tree, with the call proof of each clause.
    pub fn taproot(&self) -> &Taproot {
        &self.taproot
    }

    /// Adds to `tx` the output that puts `qty` units of the offered flavor on offer
    /// (the maker's transaction must bring them).
    pub fn open(&self, tx: TxBuilder, qty: u64) -> TxBuilder {
        let flv_blinding = self.terms.blinding(b"offered flavor", b"");
        let qty_blinding = self.terms.blinding(b"opening quantity", &qty.to_le_bytes());
        let value = ClearValue {
            qty,
            flv: self.offered_flavor,
        };
        let q = Commitment::blinded_with_factor(qty, qty_blinding);
        let payload = vec![Data::from(q), Data::from(self.predicate().to_opaque())];
        tx.pay_with_payload(
            self.predicate(),
            value,
            Some([qty_blinding, flv_blinding]),
            payload,
        )
    }

    /// Takes the whole offer: leaves its value and a debt of the price, which the
    /// taker's transaction repays (and it keeps the value).
    pub fn take(&self, offer: Contract) -> Result<Spend, ContractError> {
        let offer = adopt(offer, self.predicate(), "offer")?;
        let value = open_value(&offer, "offer")?;
        let price = self.price(value.qty)?;
        let pay = self.payment(&offer, price);
        Ok(Spend::call(offer, &self.taproot, TAKE)?
            .arg(pay)
            .leaves(Leftover::Value(value))
            .leaves(Leftover::Debt(self.asked(price))))
    }

    /// Takes `qty` units and leaves the rest on offer: leaves the offered value, a
    /// debt of the price of `qty` and a debt of the remainder (put back on offer).
    pub fn lift(&self, offer: Contract, qty: u64) -> Result<Spend, ContractError> {
        let offer = adopt(offer, self.predicate(), "offer")?;
        let value = open_value(&offer, "offer")?;
        let rest = value
            .qty
            .checked_sub(qty)
            .ok_or(ContractError::InvalidTerms(
                "a lift takes at most what is offered",
            ))?;
        let price = self.price(qty)?;
        let remainder =
            Commitment::blinded_with_factor(rest, self.terms.blinding(b"remainder", &offer.id().0));
        let pay = self.payment(&offer, price);
        let remainder_value = ClearValue {
            qty: rest,
            flv: self.offered_flavor,
        };
        Ok(Spend::call(offer, &self.taproot, LIFT)?
            .arg(remainder)
            .arg(pay)
            .leaves(Leftover::Value(value))
            .leaves(Leftover::Debt(self.asked(price)))
            .leaves(Leftover::Debt(remainder_value)))
    }

    /// Cancels: the maker signs for the offer with the key path and takes the value
    /// back (left for the maker's cloak).
    pub fn cancel(&self, offer: Contract) -> Result<Spend, ContractError> {
        let offer = adopt(offer, self.predicate(), "offer")?;
        let value = open_value(&offer, "offer")?;
        Ok(Spend::signtx(offer)
            .then(Program::build(|p| {
                p.drop().drop();
            }))
            .leaves(Leftover::Value(value)))
    }

    /// The maker's key (the key path of the offer).
    pub fn maker(&self) -> &Predicate {
        &self.maker
    }

    /// The price of `qty` units.
    pub fn price(&self, qty: u64) -> Result<u64, ContractError> {
        qty.checked_mul(self.unit_price)
            .ok_or(ContractError::InvalidTerms("the price overflows 64 bits"))
    }

    /// The payment's quantity commitment for a lift of `offer`: its blinding factor
    /// comes from the terms, so the maker can open the payment.
    fn payment(&self, offer: &Contract, price: u64) -> Commitment {
        Commitment::blinded_with_factor(price, self.terms.blinding(b"payment", &offer.id().0))
    }

    fn asked(&self, qty: u64) -> ClearValue {
        ClearValue {
            qty,
            flv: self.asked_flavor,
        }
    }
}

/// Stack `X V Q P` → `V debt(X of B)`, paying `X = p·Q` to the maker.
fn take_clause(p: &mut Program, maker: &Predicate, price: &Commitment, asked: &Commitment) {
    p.dup(1) // X V Q P Q
        .commit()
        .expr()
        .push(price.clone())
        .commit()
        .expr()
        .mul() // X V Q P p·Q
        .dup(4)
        .commit()
        .expr()
        .eq()
        .verify()
        .drop()
        .drop() // X V
        .roll(1); // V X
    pay_maker(p, maker, asked);
}

/// Stack `R X V Q P` → `V debt(X of B) debt(R of A)`, paying `X = p·(Q − R)` to the
/// maker and putting `R` units of `A` back on offer as `[R of A, R, P]` under `P`.
fn lift_clause(
    p: &mut Program,
    maker: &Predicate,
    price: &Commitment,
    asked: &Commitment,
    offered: &Commitment,
) {
    p.dup(1) // R X V Q P Q
        .commit()
        .expr()
        .dup(5) // … Q R
        .commit()
        .expr()
        .neg()
        .add() // R X V Q P (Q − R)
        .push(price.clone())
        .commit()
        .expr()
        .mul()
        .dup(4) // … p·(Q − R) X
        .commit()
        .expr()
        .eq()
        .verify() // R X V Q P
        .roll(3); // R V Q P X
    pay_maker(p, maker, asked); // R V Q P debt(X)
    p.roll(4) // V Q P debt(X) R
        .dup(0)
        .commit()
        .push(offered.clone())
        .commit()
        .borrow() // V Q P debt(X) R debt(R) +R
        .roll(2) // V Q P debt(X) debt(R) +R R
        .roll(4) // V Q debt(X) debt(R) +R R P
        .dup(0)
        .output(3) // V Q debt(X) debt(R)
        .roll(2)
        .drop(); // V debt(X) debt(R)
}

/// Stack `… X` → `… debt(X of B)`, with `X of B` paid to the maker.
fn pay_maker(p: &mut Program, maker: &Predicate, asked: &Commitment) {
    p.commit()
        .push(asked.clone())
        .commit()
        .borrow()
        .push(maker.to_opaque())
        .output(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkvm::{Anchor, PortableItem, SigningKey, Value};

    #[test]
    fn a_lift_takes_at_most_what_is_offered_and_prices_do_not_overflow() {
        let maker: Predicate = SigningKey::new(Scalar::from(3u64)).into();
        let offer = Offer::new(
            maker,
            Scalar::ONE,
            Scalar::from(2u64),
            u64::MAX,
            Terms::new([0; 32]),
        )
        .unwrap();
        let contract = Contract {
            predicate: offer.predicate(),
            payload: vec![PortableItem::Value(Value {
                qty: Commitment::unblinded(10u64),
                flv: Commitment::unblinded(Scalar::ONE),
            })],
            anchor: Anchor([0; 32]),
        };
        let e = offer.lift(contract.clone(), 11).unwrap_err();
        assert!(matches!(e, ContractError::InvalidTerms(_)), "{e:?}");
        let e = offer.take(contract).unwrap_err();
        assert!(matches!(e, ContractError::InvalidTerms(_)), "{e:?}");
    }
}

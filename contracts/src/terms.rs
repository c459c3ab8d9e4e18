//! What every contract shares: the parties' secret, the blinding factors derived from
//! it, the program fragments of time locks and signatures, and reading a spent
//! output's open value.

use crate::errors::ContractError;
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use zeroize::Zeroizing;
use zkvm::{
    ClearValue, Commitment, Contract, Multikey, PortableItem, Predicate, Program, VerificationKey,
};

/// The secret the parties of a contract share: the Taproot blinding key and the
/// blinding factors of the clauses' commitments derive from it. It never reaches the
/// chain; whoever holds it can open the contract's amounts.
#[derive(Clone)]
pub struct Terms {
    secret: Zeroizing<[u8; 32]>,
}

impl core::fmt::Debug for Terms {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Terms(..)")
    }
}

impl Terms {
    /// Terms from a shared secret.
    pub fn new(secret: [u8; 32]) -> Self {
        Terms {
            secret: Zeroizing::new(secret),
        }
    }

    /// The blinding factor named `label` for `context` (for example a contract ID or
    /// a state number).
    pub fn blinding(&self, label: &'static [u8], context: &[u8]) -> Scalar {
        let mut t = self.transcript(label);
        t.append_message(b"context", context);
        let mut wide = [0u8; 64];
        t.challenge_bytes(b"blinding", &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }

    /// A commitment to `value` blinded with [`Terms::blinding`].
    pub fn commit(
        &self,
        value: impl Into<zkvm::ScalarWitness>,
        label: &'static [u8],
        context: &[u8],
    ) -> Commitment {
        Commitment::blinded_with_factor(value, self.blinding(label, context))
    }

    /// The blinding key of the contract's Taproot tree.
    pub fn taproot_key(&self) -> [u8; 32] {
        let mut t = self.transcript(b"taproot");
        let mut key = [0u8; 32];
        t.challenge_bytes(b"key", &mut key);
        key
    }

    fn transcript(&self, label: &'static [u8]) -> Transcript {
        let mut t = Transcript::new(b"contracts.terms");
        t.append_message(b"secret", &self.secret[..]);
        t.append_message(b"label", label);
        t
    }
}

/// The one open value of a contract's payload (its first item), as the prover knows it.
pub fn open_value(output: &Contract, contract: &'static str) -> Result<ClearValue, ContractError> {
    let wrong = |what| ContractError::WrongOutput { contract, what };
    let value = match output.payload.first() {
        Some(PortableItem::Value(v)) => v,
        _ => return Err(wrong("the payload does not start with a value")),
    };
    let (qty, flv) = value.assignment().ok_or(wrong("the value is not open"))?;
    let qty = qty.to_u64().ok_or(wrong("the quantity is negative"))?;
    Ok(ClearValue { qty, flv })
}

/// The MuSig key of `parties`, as a predicate whose signers are known.
pub(crate) fn aggregate(
    parties: &[(&'static str, &Predicate)],
) -> Result<Predicate, ContractError> {
    let keys = parties
        .iter()
        .map(|(party, p)| key_of(party, p))
        .collect::<Result<Vec<_>, _>>()?;
    let keys = Multikey::new(keys).map_err(zkvm::VmError::from)?;
    Ok(Predicate::from_multikey(keys))
}

pub(crate) fn key_of(party: &'static str, p: &Predicate) -> Result<VerificationKey, ContractError> {
    p.verification_key()
        .map_err(|_| ContractError::NotAKey { party })
}

/// `mintime ≥ time`, checked in the clear: `mintime − time` must be in range.
pub(crate) fn not_before(p: &mut Program, time_ms: u64) {
    p.mintime()
        .push(Scalar::from(time_ms))
        .scalar()
        .neg()
        .add()
        .range()
        .drop();
}

/// `maxtime < time`, checked in the clear: `time − 1 − maxtime` must be in range.
pub(crate) fn before(p: &mut Program, time_ms: u64) {
    p.push(Scalar::from(time_ms.saturating_sub(1)))
        .scalar()
        .maxtime()
        .neg()
        .add()
        .range()
        .drop();
}

/// Requires `predicate`'s signature on the transaction, through an empty contract.
pub(crate) fn require_signature(p: &mut Program, predicate: &Predicate) {
    p.push(predicate.clone()).contract(0).signtx();
}

/// Hands the value on top of the stack to `predicate`'s signature (`contract:1 signtx`
/// leaves the value for the transaction's cloak).
pub(crate) fn hand_to(p: &mut Program, predicate: &Predicate) {
    p.push(predicate.clone()).contract(1).signtx();
}

/// `output` with `predicate` (the same point, with what the parties know about it:
/// the tree, the keys), or an error if another predicate guards it.
pub(crate) fn adopt(
    mut output: Contract,
    predicate: Predicate,
    contract: &'static str,
) -> Result<Contract, ContractError> {
    if output.predicate != predicate {
        return Err(ContractError::WrongOutput {
            contract,
            what: "another predicate guards it",
        });
    }
    output.predicate = predicate;
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkvm::{Anchor, SigningKey};

    fn contract(payload: Vec<PortableItem>) -> Contract {
        Contract {
            predicate: SigningKey::new(Scalar::from(3u64)).into(),
            payload,
            anchor: Anchor([0; 32]),
        }
    }

    #[test]
    fn blindings_differ_by_secret_label_and_context_and_stay_hidden() {
        let (a, b) = (Terms::new([1; 32]), Terms::new([2; 32]));
        assert_eq!(a.blinding(b"x", b"1"), a.blinding(b"x", b"1"));
        assert_ne!(a.blinding(b"x", b"1"), b.blinding(b"x", b"1"));
        assert_ne!(a.blinding(b"x", b"1"), a.blinding(b"y", b"1"));
        assert_ne!(a.blinding(b"x", b"1"), a.blinding(b"x", b"2"));
        assert_eq!(format!("{a:?}"), "Terms(..)");
    }

    #[test]
    fn open_value_refuses_what_is_not_an_open_value() {
        let wrong = |c: &Contract| {
            matches!(
                open_value(c, "test"),
                Err(ContractError::WrongOutput { .. })
            )
        };
        assert!(wrong(&contract(vec![])));
        assert!(wrong(&contract(vec![PortableItem::Data(vec![1u8].into())])));
        let closed = zkvm::Value {
            qty: Commitment::blinded_with_factor(5u64, Scalar::ONE),
            flv: Commitment::unblinded(Scalar::ZERO),
        }
        .to_closed();
        assert!(wrong(&contract(vec![PortableItem::Value(closed)])));
    }

    #[test]
    fn a_party_that_is_not_a_key_cannot_join_a_musig_key() {
        let bad = Predicate::opaque(curve25519_dalek::ristretto::CompressedRistretto([0xff; 32]));
        let good: Predicate = SigningKey::new(Scalar::from(3u64)).into();
        let e = aggregate(&[("good", &good), ("bad", &bad)]).unwrap_err();
        assert!(
            matches!(e, ContractError::NotAKey { party: "bad" }),
            "{e:?}"
        );
    }

    #[test]
    fn another_predicates_output_is_not_adopted() {
        let other: Predicate = SigningKey::new(Scalar::from(4u64)).into();
        let e = adopt(contract(vec![]), other, "test").unwrap_err();
        assert!(matches!(e, ContractError::WrongOutput { .. }), "{e:?}");
    }
}

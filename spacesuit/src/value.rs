//! Values: a quantity of one flavor, in the clear and as constraint-system variables.

use crate::SignedInteger;
use core::fmt;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use r1cs::{ConstraintSystem, Prover, R1csError, Variable, Verifier};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// A cleartext value: quantity `q` of flavor (asset type) `f`.
///
/// Both are what a cloak hides, so `Debug` does not print them. It is `Copy` (the
/// gadgets pass values around by value, and `AllocatedValue` copies it), and a
/// `Copy` type cannot implement `Drop`, so it cannot wipe itself: its owners zeroize
/// it (`Zeroize` is derived) once done, as the cloak and mix gadgets do with their
/// vectors of values.
#[derive(Copy, Clone, Default, PartialEq, Eq, Zeroize)]
pub struct Value {
    /// The quantity.
    pub q: SignedInteger,
    /// The flavor.
    pub f: Scalar,
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Value { q: <hidden>, f: <hidden> }")
    }
}

impl Value {
    /// The all-zero value `(0, 0)`, which pads lists of values.
    pub const fn zero() -> Value {
        Value {
            q: SignedInteger::ZERO,
            f: Scalar::ZERO,
        }
    }

    /// The value `(q, f)`.
    pub fn new(q: impl Into<SignedInteger>, f: Scalar) -> Value {
        Value { q: q.into(), f }
    }

    /// The quantity and flavor as the scalars the constraint system holds.
    pub fn to_scalars(&self) -> (Scalar, Scalar) {
        (self.q.to_scalar(), self.f)
    }

    /// Allocates this value as the two inputs of a fresh multiplier.
    pub fn allocate<CS: ConstraintSystem>(self, cs: &mut CS) -> Result<AllocatedValue, R1csError> {
        AllocatedValue::allocate(cs, Some(self))
    }

    /// Commits the quantity, then the flavor, to `prover` with the given blinding
    /// factors; returns the commitments and the value as variables.
    pub fn commit(
        self,
        prover: &mut Prover<'_, '_>,
        q_blinding: Scalar,
        f_blinding: Scalar,
    ) -> (CommittedValue, AllocatedValue) {
        let (q_point, q) = prover.commit(self.q.to_scalar(), q_blinding);
        let (f_point, f) = prover.commit(self.f, f_blinding);
        let committed = CommittedValue {
            q: q_point,
            f: f_point,
        };
        let allocated = AllocatedValue {
            q,
            f,
            assignment: Some(self),
        };
        (committed, allocated)
    }
}

/// Pedersen commitments to a value's quantity and flavor.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CommittedValue {
    /// Commitment to the quantity.
    pub q: CompressedRistretto,
    /// Commitment to the flavor.
    pub f: CompressedRistretto,
}

impl CommittedValue {
    /// Commits the quantity point, then the flavor point, to `verifier`; returns the
    /// value as variables without assignment.
    pub fn commit(&self, verifier: &mut Verifier<'_>) -> AllocatedValue {
        AllocatedValue {
            q: verifier.commit(self.q),
            f: verifier.commit(self.f),
            assignment: None,
        }
    }
}

impl ConditionallySelectable for Value {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Value {
            q: SignedInteger::conditional_select(&a.q, &b.q, choice),
            f: Scalar::conditional_select(&a.f, &b.f, choice),
        }
    }
}

impl ConstantTimeEq for Value {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.q.ct_eq(&other.q) & self.f.ct_eq(&other.f)
    }
}

/// A value held by a constraint system: variables for its quantity and flavor, and
/// the cleartext when the caller (a prover) knows it.
///
/// `Debug` shows whether an assignment is present, never the assignment itself.
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct AllocatedValue {
    /// The variable holding the quantity.
    pub q: Variable,
    /// The variable holding the flavor.
    pub f: Variable,
    /// The cleartext value: `Some` in a prover, `None` in a verifier.
    pub assignment: Option<Value>,
}

impl AllocatedValue {
    /// Allocates a value as the left (quantity) and right (flavor) inputs of one new
    /// multiplier. A prover must pass the assignment; a verifier passes `None`.
    pub fn allocate<CS: ConstraintSystem>(
        cs: &mut CS,
        assignment: Option<Value>,
    ) -> Result<AllocatedValue, R1csError> {
        let (q, f, _) = cs.allocate_multiplier(assignment.as_ref().map(Value::to_scalars))?;
        Ok(AllocatedValue { q, f, assignment })
    }

    /// Allocates `count` values, in order, from `assignments` when known.
    pub(crate) fn allocate_all<CS: ConstraintSystem>(
        cs: &mut CS,
        count: usize,
        assignments: Option<&[Value]>,
    ) -> Result<Vec<AllocatedValue>, R1csError> {
        (0..count)
            .map(|i| AllocatedValue::allocate(cs, assignments.and_then(|a| a.get(i).copied())))
            .collect()
    }
}

impl fmt::Debug for AllocatedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AllocatedValue")
            .field("q", &self.q)
            .field("f", &self.f)
            .field("assigned", &self.assignment.is_some())
            .finish()
    }
}

/// The assignments of all `values`, or `None` if any is missing (the verifier's case).
pub(crate) fn assignments(values: &[AllocatedValue]) -> Option<Vec<Value>> {
    values.iter().map(|v| v.assignment).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_a_cleartext_value() {
        let shown = format!("{:?}", Value::new(123_456_789u64, Scalar::from(5u64)));
        assert!(!shown.contains("123456789"), "{shown}");
        assert!(shown.contains("hidden"));
    }

    #[test]
    fn debug_hides_the_assignment() {
        let v = AllocatedValue {
            q: Variable::Committed(0),
            f: Variable::Committed(1),
            assignment: Some(Value::new(123_456_789u64, Scalar::from(987_654_321u64))),
        };
        let shown = format!("{v:?}");
        assert!(shown.contains("assigned: true"));
        assert!(!shown.contains("123456789"));
    }

    #[test]
    fn selection_picks_whole_values() {
        let a = Value::new(5u64, Scalar::from(7u64));
        let b = Value::zero();
        assert_eq!(Value::conditional_select(&a, &b, Choice::from(0)), a);
        assert_eq!(Value::conditional_select(&a, &b, Choice::from(1)), b);
    }

    #[test]
    fn scalars_of_a_debt() {
        let v = Value::new(-3i64, Scalar::from(9u64));
        assert_eq!(v.to_scalars(), (-Scalar::from(3u64), Scalar::from(9u64)));
    }
}

//! Scalars as the prover knows them: either a signed 64-bit integer or a field element.
//!
//! Quantities are integers, so that the prover can range-prove them; everything else
//! is a scalar. Arithmetic stays on integers while the result fits and falls back to
//! scalars otherwise, exactly as the constraint system computes modulo the group order.

use core::fmt;
use core::ops::{Add, Mul, Neg, Sub};
use curve25519_dalek::scalar::Scalar;
use spacesuit::SignedInteger;
use subtle::{ConstantTimeEq, CtOption};
use zeroize::Zeroize;

/// A secret (or public) number known to the prover.
///
/// It is `Copy`, as the arithmetic of expressions needs, so it cannot wipe itself on
/// drop (a `Copy` type cannot implement `Drop`): its owners do. A commitment's
/// opening zeroizes its witness when dropped, `Commitment::witness` hands out a
/// zeroizing copy, and the prover wipes the scalars it derives. Its operations run
/// without early exits or branches on the value; the one data-dependent choice is the
/// kind of a result (an integer while it fits 64 bits, else a scalar), which the
/// constraint system does not see.
#[derive(Copy, Clone)]
pub enum ScalarWitness {
    /// An integer in `[-(2^64-1), 2^64-1]`.
    Integer(SignedInteger),
    /// Any scalar.
    Scalar(Scalar),
}

impl ScalarWitness {
    /// The value modulo the group order.
    pub fn to_scalar(&self) -> Scalar {
        match self {
            ScalarWitness::Integer(i) => i.to_scalar(),
            ScalarWitness::Scalar(s) => *s,
        }
    }

    /// The value as an integer: an integer witness as is, and a scalar witness when its
    /// value is below 2^64 (scalars are never read as negative integers).
    pub fn to_integer(&self) -> Option<SignedInteger> {
        match self {
            ScalarWitness::Integer(i) => Some(*i),
            ScalarWitness::Scalar(s) => small_scalar(s).map(SignedInteger::from),
        }
    }

    /// The value as an unsigned 64-bit integer, if it is one.
    pub fn to_u64(&self) -> Option<u64> {
        small_scalar(&self.to_scalar())
    }

    /// Whether the value, as a scalar, lies in `[0, 2^64)`.
    pub fn in_range(&self) -> bool {
        self.to_u64().is_some()
    }

    /// Whether two witnesses denote the same scalar (whatever their kinds).
    pub fn same_value(&self, other: &ScalarWitness) -> bool {
        self.to_scalar() == other.to_scalar()
    }
}

/// `s` as a u64 when its 24 high bytes are zero. Every byte is read whatever the
/// value (no early exit); only the answer's presence depends on it.
fn small_scalar(s: &Scalar) -> Option<u64> {
    let bytes = s.as_bytes();
    let high = bytes[8..].iter().fold(0u8, |acc, b| acc | b);
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[..8]);
    let value = u64::from_le_bytes(low);
    low.zeroize();
    CtOption::new(value, high.ct_eq(&0)).into()
}

impl Zeroize for ScalarWitness {
    fn zeroize(&mut self) {
        match self {
            ScalarWitness::Integer(i) => i.zeroize(),
            ScalarWitness::Scalar(s) => s.zeroize(),
        }
    }
}

impl fmt::Debug for ScalarWitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScalarWitness::Integer(_) => f.write_str("Integer(..)"),
            ScalarWitness::Scalar(_) => f.write_str("Scalar(..)"),
        }
    }
}

impl PartialEq for ScalarWitness {
    /// Witnesses are equal when their values are: an integer and a scalar of the same
    /// value are the same number to the constraint system.
    fn eq(&self, other: &ScalarWitness) -> bool {
        self.same_value(other)
    }
}

impl Eq for ScalarWitness {}

impl Neg for ScalarWitness {
    type Output = ScalarWitness;
    fn neg(self) -> ScalarWitness {
        match self {
            ScalarWitness::Integer(i) => ScalarWitness::Integer(-i),
            ScalarWitness::Scalar(s) => ScalarWitness::Scalar(-s),
        }
    }
}

impl Add for ScalarWitness {
    type Output = ScalarWitness;
    fn add(self, rhs: ScalarWitness) -> ScalarWitness {
        combine(self, rhs, |a, b| a + b, |a, b| a + b)
    }
}

impl Sub for ScalarWitness {
    type Output = ScalarWitness;
    fn sub(self, rhs: ScalarWitness) -> ScalarWitness {
        self + (-rhs)
    }
}

impl Mul for ScalarWitness {
    type Output = ScalarWitness;
    fn mul(self, rhs: ScalarWitness) -> ScalarWitness {
        combine(self, rhs, |a, b| a * b, |a, b| a * b)
    }
}

/// Applies an operation on integers when both sides are integers and it does not
/// overflow, and on scalars otherwise.
///
/// Both results are computed every time, so the work does not depend on whether the
/// integer result fits.
fn combine(
    a: ScalarWitness,
    b: ScalarWitness,
    on_integers: impl FnOnce(SignedInteger, SignedInteger) -> Option<SignedInteger>,
    on_scalars: impl FnOnce(Scalar, Scalar) -> Scalar,
) -> ScalarWitness {
    let scalar = on_scalars(a.to_scalar(), b.to_scalar());
    let integer = match (a, b) {
        (ScalarWitness::Integer(x), ScalarWitness::Integer(y)) => on_integers(x, y),
        _ => None,
    };
    match integer {
        Some(z) => ScalarWitness::Integer(z),
        None => ScalarWitness::Scalar(scalar),
    }
}

impl From<u64> for ScalarWitness {
    fn from(x: u64) -> Self {
        ScalarWitness::Integer(SignedInteger::from(x))
    }
}

impl From<SignedInteger> for ScalarWitness {
    fn from(x: SignedInteger) -> Self {
        ScalarWitness::Integer(x)
    }
}

impl From<Scalar> for ScalarWitness {
    fn from(x: Scalar) -> Self {
        ScalarWitness::Scalar(x)
    }
}

impl From<ScalarWitness> for Scalar {
    fn from(x: ScalarWitness) -> Scalar {
        x.to_scalar()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(x: i128) -> ScalarWitness {
        ScalarWitness::Integer(SignedInteger::new(x).unwrap())
    }

    #[test]
    fn integer_arithmetic_stays_integer_until_overflow() {
        assert!(matches!(int(3) + int(4), ScalarWitness::Integer(i) if i.get() == 7));
        assert!(matches!(int(3) - int(4), ScalarWitness::Integer(i) if i.get() == -1));
        assert!(matches!(int(3) * int(-4), ScalarWitness::Integer(i) if i.get() == -12));
        let big = ScalarWitness::from(u64::MAX);
        let sum = big + big;
        assert!(matches!(sum, ScalarWitness::Scalar(_)));
        assert_eq!(
            sum.to_scalar(),
            Scalar::from(u64::MAX) + Scalar::from(u64::MAX)
        );
    }

    #[test]
    fn subtraction_is_left_minus_right() {
        assert_eq!((int(10) - int(3)).to_scalar(), Scalar::from(7u64));
        let s = ScalarWitness::from(Scalar::from(10u64));
        assert_eq!((s - int(3)).to_scalar(), Scalar::from(7u64));
    }

    #[test]
    fn values_compare_across_kinds() {
        assert_eq!(int(5), ScalarWitness::from(Scalar::from(5u64)));
        assert_ne!(int(5), int(6));
        assert_eq!(int(-1), ScalarWitness::from(-Scalar::ONE));
    }

    #[test]
    fn range_and_integer_views() {
        assert!(int(0).in_range());
        assert!(ScalarWitness::from(u64::MAX).in_range());
        assert!(!int(-1).in_range());
        assert_eq!(
            ScalarWitness::from(Scalar::from(9u64))
                .to_integer()
                .map(|i| i.get()),
            Some(9)
        );
        assert_eq!(ScalarWitness::from(-Scalar::ONE).to_integer(), None);
    }

    #[test]
    fn debug_hides_the_value() {
        assert_eq!(format!("{:?}", int(1234)), "Integer(..)");
    }
}

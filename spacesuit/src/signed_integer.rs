//! Integers whose magnitude fits 64 bits: the quantities of values.

use crate::CloakError;
use core::fmt;
use core::ops::{Add, Mul, Neg, Sub};
use curve25519_dalek::scalar::Scalar;
use subtle::{Choice, ConditionallyNegatable, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// The largest magnitude a [`SignedInteger`] may have: `2^64 - 1`.
const LIMIT: i128 = u64::MAX as i128;

/// An integer in `[-(2^64 - 1), 2^64 - 1]`.
///
/// Quantities of inputs may be negative (a debt); outputs are proven to lie in
/// `[0, 2^64)`. The arithmetic is checked: a result outside the range is `None`.
#[derive(Copy, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Zeroize)]
pub struct SignedInteger(i128);

impl SignedInteger {
    /// Zero.
    pub const ZERO: SignedInteger = SignedInteger(0);
    /// The largest value, `2^64 - 1`.
    pub const MAX: SignedInteger = SignedInteger(LIMIT);
    /// The smallest value, `-(2^64 - 1)`.
    pub const MIN: SignedInteger = SignedInteger(-LIMIT);

    /// The integer `x`, or `None` when its magnitude exceeds `2^64 - 1`.
    pub const fn new(x: i128) -> Option<SignedInteger> {
        if x > LIMIT || x < -LIMIT {
            None
        } else {
            Some(SignedInteger(x))
        }
    }

    /// The integer as an `i128` (always in range).
    pub const fn get(self) -> i128 {
        self.0
    }

    /// The integer as a `u64` when it is not negative.
    pub const fn to_u64(self) -> Option<u64> {
        if self.0 < 0 {
            None
        } else {
            Some(self.0 as u64)
        }
    }

    /// Whether the integer is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The integer reduced modulo the group order, without branching on its value.
    pub fn to_scalar(self) -> Scalar {
        // Two's complement magnitude without a branch: (x ^ s) - s with s = 0 or -1.
        let sign = self.0 >> 127;
        let magnitude = ((self.0 ^ sign) - sign) as u64;
        let mut s = Scalar::from(magnitude);
        s.conditional_negate(Choice::from((sign & 1) as u8));
        s
    }

    /// `self + rhs`, or `None` outside the range.
    pub fn checked_add(self, rhs: SignedInteger) -> Option<SignedInteger> {
        SignedInteger::new(self.0 + rhs.0)
    }

    /// `self - rhs`, or `None` outside the range.
    pub fn checked_sub(self, rhs: SignedInteger) -> Option<SignedInteger> {
        SignedInteger::new(self.0 - rhs.0)
    }

    /// `self · rhs`, or `None` outside the range.
    pub fn checked_mul(self, rhs: SignedInteger) -> Option<SignedInteger> {
        self.0.checked_mul(rhs.0).and_then(SignedInteger::new)
    }
}

impl From<u64> for SignedInteger {
    fn from(x: u64) -> Self {
        SignedInteger(x as i128)
    }
}

impl From<u32> for SignedInteger {
    fn from(x: u32) -> Self {
        SignedInteger(x as i128)
    }
}

impl From<i64> for SignedInteger {
    fn from(x: i64) -> Self {
        SignedInteger(x as i128)
    }
}

impl TryFrom<i128> for SignedInteger {
    type Error = CloakError;
    fn try_from(x: i128) -> Result<Self, CloakError> {
        SignedInteger::new(x).ok_or(CloakError::QuantityOverflow)
    }
}

impl From<SignedInteger> for Scalar {
    fn from(x: SignedInteger) -> Scalar {
        x.to_scalar()
    }
}

impl Neg for SignedInteger {
    type Output = SignedInteger;
    /// The range is symmetric, so negation never leaves it.
    fn neg(self) -> SignedInteger {
        SignedInteger(-self.0)
    }
}

impl Add for SignedInteger {
    type Output = Option<SignedInteger>;
    fn add(self, rhs: SignedInteger) -> Option<SignedInteger> {
        self.checked_add(rhs)
    }
}

impl Sub for SignedInteger {
    type Output = Option<SignedInteger>;
    fn sub(self, rhs: SignedInteger) -> Option<SignedInteger> {
        self.checked_sub(rhs)
    }
}

impl Mul for SignedInteger {
    type Output = Option<SignedInteger>;
    fn mul(self, rhs: SignedInteger) -> Option<SignedInteger> {
        self.checked_mul(rhs)
    }
}

impl ConditionallySelectable for SignedInteger {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        SignedInteger(i128::conditional_select(&a.0, &b.0, choice))
    }
}

impl ConstantTimeEq for SignedInteger {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl fmt::Debug for SignedInteger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignedInteger({})", self.0)
    }
}

impl fmt::Display for SignedInteger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn range_is_enforced() {
        assert_eq!(SignedInteger::new(LIMIT), Some(SignedInteger::MAX));
        assert_eq!(SignedInteger::new(-LIMIT), Some(SignedInteger::MIN));
        assert_eq!(SignedInteger::new(LIMIT + 1), None);
        assert_eq!(SignedInteger::new(-LIMIT - 1), None);
        assert_eq!(
            SignedInteger::try_from(LIMIT + 1),
            Err(CloakError::QuantityOverflow)
        );
    }

    #[test]
    fn checked_arithmetic_refuses_overflow() {
        let max = SignedInteger::MAX;
        let one = SignedInteger::from(1u64);
        assert_eq!(max + SignedInteger::ZERO, Some(max));
        assert_eq!(max + one, None);
        assert_eq!(SignedInteger::MIN - one, None);
        assert_eq!(max * -one, Some(SignedInteger::MIN));
        assert_eq!(max * SignedInteger::from(2u64), None);
        assert_eq!(max * max, None);
        assert_eq!(max * -max, None);
    }

    #[test]
    fn extremes_map_to_scalars() {
        let two64_minus_1 = Scalar::from(u64::MAX);
        assert_eq!(SignedInteger::MAX.to_scalar(), two64_minus_1);
        assert_eq!(SignedInteger::MIN.to_scalar(), -two64_minus_1);
        assert_eq!(SignedInteger::ZERO.to_scalar(), Scalar::ZERO);
        assert_eq!(SignedInteger::MIN.to_u64(), None);
        assert_eq!(SignedInteger::MAX.to_u64(), Some(u64::MAX));
    }

    fn any_signed() -> impl Strategy<Value = SignedInteger> {
        (-LIMIT..=LIMIT).prop_map(SignedInteger)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn scalar_map_is_additive(a in any_signed(), b in any_signed()) {
            if let Some(sum) = a + b {
                prop_assert_eq!(sum.to_scalar(), a.to_scalar() + b.to_scalar());
            }
            prop_assert_eq!((-a).to_scalar(), -a.to_scalar());
        }

        #[test]
        fn scalar_map_is_multiplicative(a in -(1i128 << 40)..(1i128 << 40), b in -(1i128 << 20)..(1i128 << 20)) {
            let (a, b) = (SignedInteger(a), SignedInteger(b));
            let product = (a * b).expect("small factors");
            prop_assert_eq!(product.to_scalar(), a.to_scalar() * b.to_scalar());
        }

        #[test]
        fn conditional_select_picks(a in any_signed(), b in any_signed(), c in any::<bool>()) {
            let picked = SignedInteger::conditional_select(&a, &b, Choice::from(c as u8));
            prop_assert_eq!(picked, if c { b } else { a });
        }
    }
}

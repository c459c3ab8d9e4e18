//! Fees: paid in flavor zero with `fee`, at most 2^24 units per transaction, and the
//! fee rate (fee per unit of the transaction's weight, see [`crate::cost`]) that
//! orders transactions.

use core::cmp::Ordering;
use curve25519_dalek::scalar::Scalar;

/// The largest total fee of one transaction.
pub const MAX_FEE: u64 = 1 << 24;

/// The flavor in which fees are paid.
pub const FEE_FLAVOR: Scalar = Scalar::ZERO;

/// A running total of fees that never exceeds [`MAX_FEE`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckedFee(u64);

impl CheckedFee {
    /// No fee.
    pub const fn zero() -> Self {
        CheckedFee(0)
    }

    /// The total with `fee` added, or `None` when it would exceed [`MAX_FEE`].
    pub fn checked_add(self, fee: u64) -> Option<Self> {
        let total = self.0.checked_add(fee)?;
        (total <= MAX_FEE).then_some(CheckedFee(total))
    }

    /// The total.
    pub fn get(self) -> u64 {
        self.0
    }
}

/// A fee per unit of weight, kept as the exact fraction `fee / weight`.
#[derive(Copy, Clone, Debug, Default)]
pub struct FeeRate {
    fee: u64,
    weight: u64,
}

impl FeeRate {
    /// The rate of `fee` units over `weight` units of weight.
    pub fn new(fee: u64, weight: u64) -> Self {
        FeeRate { fee, weight }
    }

    /// The fee.
    pub fn fee(&self) -> u64 {
        self.fee
    }

    /// The weight.
    pub fn weight(&self) -> u64 {
        self.weight
    }

    /// The rate of two transactions together (their fees and weights summed).
    pub fn combine(self, other: FeeRate) -> FeeRate {
        FeeRate {
            fee: self.fee.saturating_add(other.fee),
            weight: self.weight.saturating_add(other.weight),
        }
    }

    /// The rate as a float, for display.
    pub fn to_f64(self) -> f64 {
        if self.weight == 0 {
            0.0
        } else {
            self.fee as f64 / self.weight as f64
        }
    }
}

impl PartialEq for FeeRate {
    fn eq(&self, other: &FeeRate) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for FeeRate {}

impl Ord for FeeRate {
    /// Compares `a/b` with `c/d` as `a·d` with `c·b`, in 128 bits so nothing overflows.
    fn cmp(&self, other: &FeeRate) -> Ordering {
        let left = u128::from(self.fee) * u128::from(other.weight);
        let right = u128::from(other.fee) * u128::from(self.weight);
        left.cmp(&right)
    }
}

impl PartialOrd for FeeRate {
    fn partial_cmp(&self, other: &FeeRate) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_are_capped_at_two_to_the_24() {
        let f = CheckedFee::zero().checked_add(MAX_FEE - 1).unwrap();
        assert_eq!(f.checked_add(1).map(CheckedFee::get), Some(MAX_FEE));
        assert_eq!(f.checked_add(2), None);
        assert_eq!(CheckedFee::zero().checked_add(u64::MAX), None);
    }

    #[test]
    fn rates_compare_as_fractions() {
        assert_eq!(FeeRate::new(1, 2), FeeRate::new(2, 4));
        assert!(FeeRate::new(1, 3) < FeeRate::new(1, 2));
        assert!(FeeRate::new(u64::MAX, 1) > FeeRate::new(u64::MAX - 1, 1));
        assert_eq!(
            FeeRate::new(1, 2).combine(FeeRate::new(3, 2)),
            FeeRate::new(1, 1)
        );
    }
}

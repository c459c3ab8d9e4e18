//! Fees: paid in flavor zero with `fee`, at most 2^24 units per transaction, and the
//! fee rate (fee per unit of the transaction's weight, see [`crate::cost`]) that
//! orders transactions.
//!
//! The weight is what a block limits, so it is the one thing a fee rate is measured
//! on: there is no fee "per byte". [`FeeRate`] is written one way for people, fee
//! units per weight unit as a decimal with at least three significant digits
//! (`0.100 per weight unit`), and read back from that decimal or from an exact
//! fraction `F/W` (F fee units per W weight units).

use crate::errors::VmError;
use core::cmp::Ordering;
use core::fmt;
use core::str::FromStr;
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
///
/// `Display` writes fee units per weight unit as a decimal with three digits after
/// the point, or more when the rate is below 0.1 so that three significant digits
/// show, then ` per weight unit`; `FromStr` reads that form (the words optional) or
/// an exact fraction `F/W`:
///
/// ```
/// use zkvm::FeeRate;
/// assert_eq!(FeeRate::new(1, 10).to_string(), "0.100 per weight unit");
/// assert_eq!(FeeRate::new(3, 7000).to_string(), "0.000429 per weight unit");
/// assert_eq!("0.1".parse::<FeeRate>().unwrap(), FeeRate::new(1, 10));
/// assert_eq!("3/7000".parse::<FeeRate>().unwrap(), FeeRate::new(3, 7000));
/// ```
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

    /// The rate as a float (fee units per weight unit), for JSON and charts; people
    /// read it through `Display`.
    pub fn to_f64(self) -> f64 {
        if self.weight == 0 {
            0.0
        } else {
            self.fee as f64 / self.weight as f64
        }
    }
}

/// The words after the number in a written fee rate.
const UNIT: &str = "per weight unit";

/// Most digits written after the point: the smallest rate a transaction can pay (one
/// unit over the largest weight) needs seven; u64 fees times 10^18 fit in 128 bits.
const MAX_DECIMALS: u32 = 18;

impl fmt::Display for FeeRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A rate over no weight counts as zero, as `to_f64` and fee estimation treat it.
        let (fee, weight) = match self.weight {
            0 => (0, 1),
            w => (u128::from(self.fee), u128::from(w)),
        };
        let mut decimals = 3;
        while decimals < MAX_DECIMALS && fee > 0 && fee * 10u128.pow(decimals) < 100 * weight {
            decimals += 1;
        }
        let scale = 10u128.pow(decimals);
        // Rounded to the nearest last digit, halves up.
        let scaled = (fee * scale * 2 + weight) / (weight * 2);
        write!(
            f,
            "{}.{:0width$} {UNIT}",
            scaled / scale,
            scaled % scale,
            width = decimals as usize
        )
    }
}

impl FromStr for FeeRate {
    type Err = VmError;

    /// Reads `F/W` (F fee units per W weight units, W not zero) or a decimal number
    /// of fee units per weight unit (`0.1`, `2`, `0.000429`), optionally followed by
    /// `per weight unit`. The decimal is kept exactly (`0.1` is 1/10).
    fn from_str(text: &str) -> Result<FeeRate, VmError> {
        let invalid = || VmError::InvalidFeeRate {
            text: text.to_string(),
        };
        let number = text.trim();
        let number = number.strip_suffix(UNIT).unwrap_or(number).trim_end();
        if let Some((fee, weight)) = number.split_once('/') {
            let fee = parse_digits(fee).ok_or_else(invalid)?;
            let weight = parse_digits(weight)
                .filter(|w| *w > 0)
                .ok_or_else(invalid)?;
            return Ok(FeeRate::new(fee, weight));
        }
        let (whole, fraction) = number.split_once('.').unwrap_or((number, "0"));
        let decimals = u32::try_from(fraction.len())
            .ok()
            .filter(|d| *d <= MAX_DECIMALS)
            .ok_or_else(invalid)?;
        let scale = 10u64.pow(decimals);
        let fee = parse_digits(whole)
            .and_then(|w| w.checked_mul(scale))
            .and_then(|w| w.checked_add(parse_digits(fraction)?))
            .ok_or_else(invalid)?;
        Ok(FeeRate::new(fee, scale))
    }
}

/// A non-empty string of ASCII digits as a u64 (no sign, no spaces).
fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
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

    #[test]
    fn rates_are_written_per_weight_unit_with_three_significant_digits() {
        let shown = |fee, weight| FeeRate::new(fee, weight).to_string();
        assert_eq!(shown(1, 10), "0.100 per weight unit");
        assert_eq!(shown(2, 1), "2.000 per weight unit");
        assert_eq!(shown(7, 2), "3.500 per weight unit");
        assert_eq!(shown(1, 3), "0.333 per weight unit");
        assert_eq!(shown(2, 3), "0.667 per weight unit");
        assert_eq!(shown(3, 7000), "0.000429 per weight unit");
        assert_eq!(shown(0, 1), "0.000 per weight unit");
        assert_eq!(shown(5, 0), "0.000 per weight unit");
        // One unit over the largest weight still shows.
        assert_eq!(shown(1, crate::MAX_TX_WEIGHT), "0.00000191 per weight unit");
        assert_eq!(
            shown(u64::MAX, 1),
            "18446744073709551615.000 per weight unit"
        );
        assert_eq!(shown(1, u64::MAX), "0.000000000000000000 per weight unit");
    }

    #[test]
    fn rates_are_read_as_decimals_or_fractions() {
        let read = |text: &str| text.parse::<FeeRate>();
        assert_eq!(read("0.1"), Ok(FeeRate::new(1, 10)));
        assert_eq!(read("2"), Ok(FeeRate::new(2, 1)));
        assert_eq!(read("0.000429"), Ok(FeeRate::new(429, 1_000_000)));
        assert_eq!(read("3/20"), Ok(FeeRate::new(3, 20)));
        assert_eq!(read(" 0.100 per weight unit "), Ok(FeeRate::new(1, 10)));
        for shown in [
            FeeRate::new(1, 10),
            FeeRate::new(7, 2),
            FeeRate::new(3, 7000),
        ] {
            let again = read(&shown.to_string()).unwrap();
            assert_eq!(again.to_string(), shown.to_string());
        }
    }

    #[test]
    fn malformed_rates_are_refused_with_the_text() {
        for text in [
            "",
            "abc",
            "-1",
            "1/0",
            "/5",
            "5/",
            "1.2.3",
            ".5",
            "5.",
            "1e3",
            "0x10",
            "99999999999999999999",
            "1.0000000000000000000",
            "1 per byte",
        ] {
            assert_eq!(
                text.parse::<FeeRate>(),
                Err(VmError::InvalidFeeRate {
                    text: text.to_string()
                }),
                "{text:?}"
            );
        }
        let message = "x".parse::<FeeRate>().unwrap_err().to_string();
        assert!(message.contains("\"x\" is not a fee rate"), "{message}");
        assert!(message.contains("per weight unit"), "{message}");
    }
}

//! The range proof: a quantity is the sum of `n` bits times powers of two.

use crate::{CloakError, SignedInteger};
use curve25519_dalek::scalar::Scalar;
use r1cs::{ConstraintSystem, LinearCombination, R1csError};

/// A bit width for [`range_proof`], at most 64.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BitRange(usize);

impl BitRange {
    /// The width used for quantities: 64 bits.
    pub const MAX: BitRange = BitRange(64);

    /// The width `n`, refused above 64.
    pub fn new(n: usize) -> Result<BitRange, CloakError> {
        if n > 64 {
            Err(CloakError::BitWidth(n))
        } else {
            Ok(BitRange(n))
        }
    }

    /// The width as a number of bits.
    pub const fn bits(self) -> usize {
        self.0
    }
}

/// Constrains `value` to lie in `[0, 2^n)`, with `n` multipliers and `2n + 1`
/// constraints.
///
/// Multiplier `i` has left input `1 - bᵢ`, right input the bit `bᵢ` and output 0;
/// the last constraint says `value = Σ bᵢ·2^i`. A prover passes the assignment and
/// fails with [`CloakError::OutOfRange`] if it is negative or too wide; a verifier
/// passes `None`.
pub fn range_proof<CS: ConstraintSystem>(
    cs: &mut CS,
    mut value: LinearCombination,
    assignment: Option<SignedInteger>,
    n: BitRange,
) -> Result<(), R1csError> {
    let bits = assignment.map(|q| fitting_bits(q, n)).transpose()?;
    let mut power = Scalar::ONE;
    for i in 0..n.bits() {
        let (not_bit, bit, product) = cs.allocate_bit_multiplier(bits.map(|x| bit_pair(x, i)))?;
        // (1 - b)·b = 0 and (1 - b) + b = 1 force b into {0, 1}.
        cs.constrain(product.into());
        cs.constrain(not_bit + (bit - Scalar::ONE));
        value -= bit * power;
        power += power;
    }
    cs.constrain(value);
    Ok(())
}

/// The quantity as `n` bits, or the reason it has none.
fn fitting_bits(q: SignedInteger, n: BitRange) -> Result<u64, CloakError> {
    let out_of_range = CloakError::OutOfRange { bits: n.bits() };
    let x = q.to_u64().ok_or(out_of_range.clone())?;
    if n.bits() < 64 && x >> n.bits() != 0 {
        return Err(out_of_range);
    }
    Ok(x)
}

/// The assignment `(1 - bᵢ, bᵢ)` of multiplier `i` for the integer `x`.
fn bit_pair(x: u64, i: usize) -> (Scalar, Scalar) {
    let bit = (x >> i) & 1;
    (Scalar::from(1 - bit), Scalar::from(bit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestCs;
    use proptest::prelude::*;

    fn prove_range(x: SignedInteger, n: usize) -> Result<TestCs, R1csError> {
        let mut cs = TestCs::prover();
        let v = cs.commit(x.to_scalar());
        range_proof(&mut cs, v.into(), Some(x), BitRange::new(n)?)?;
        Ok(cs)
    }

    #[test]
    fn counts_multipliers_and_constraints() {
        let cs = prove_range(SignedInteger::from(5u64), 8).unwrap();
        assert_eq!(cs.metrics().multipliers, 8);
        assert_eq!(cs.metrics().constraints, 2 * 8 + 1);
        assert!(cs.check().is_ok());
    }

    #[test]
    fn refuses_widths_above_64() {
        assert_eq!(BitRange::new(65), Err(CloakError::BitWidth(65)));
        assert_eq!(BitRange::new(64), Ok(BitRange::MAX));
    }

    #[test]
    fn prover_refuses_out_of_range_quantities() {
        let err = |x: SignedInteger, n| prove_range(x, n).err();
        let expected = |bits| Some(CloakError::OutOfRange { bits }.into());
        assert_eq!(err(SignedInteger::from(256u64), 8), expected(8));
        assert_eq!(err(-SignedInteger::from(1u64), 64), expected(64));
        assert!(prove_range(SignedInteger::MAX, 64).is_ok());
        assert!(prove_range(SignedInteger::ZERO, 0).unwrap().check().is_ok());
    }

    #[test]
    fn a_forged_witness_leaves_a_constraint_unsatisfied() {
        // Commit to 2^8 but assign the bits of 0: the sum constraint breaks.
        let mut cs = TestCs::prover();
        let v = cs.commit(Scalar::from(256u64));
        range_proof(
            &mut cs,
            v.into(),
            Some(SignedInteger::ZERO),
            BitRange::new(8).unwrap(),
        )
        .unwrap();
        assert!(cs.check().is_err());
    }

    #[test]
    fn verifier_side_needs_no_assignment() {
        let mut cs = TestCs::verifier();
        let v = cs.commit_unknown();
        range_proof(&mut cs, v.into(), None, BitRange::MAX).unwrap();
        assert_eq!(cs.metrics().multipliers, 64);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn every_u64_in_range_is_satisfied(x in any::<u64>()) {
            let cs = prove_range(SignedInteger::from(x), 64).unwrap();
            prop_assert!(cs.check().is_ok());
        }

        #[test]
        fn narrow_widths_accept_exactly_their_range(x in 0u64..1024, n in 0usize..10) {
            let result = prove_range(SignedInteger::from(x), n);
            prop_assert_eq!(result.is_ok(), x < (1u64 << n));
            if let Ok(cs) = result {
                prop_assert!(cs.check().is_ok());
            }
        }
    }
}

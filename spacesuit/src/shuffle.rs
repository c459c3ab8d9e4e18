//! Shuffles: proofs that one list is a reordering of another.

use crate::{AllocatedValue, CloakError, Value};
use curve25519_dalek::scalar::Scalar;
use r1cs::{
    ConstraintSystem, R1csError, RandomizableConstraintSystem, RandomizedConstraintSystem, Variable,
};

/// Constrains `y` to be a reordering of `x`: `∏(xᵢ - z) = ∏(yᵢ - z)` for a challenge
/// `z` (label `shuffle challenge`).
///
/// Uses `2(k - 1)` multipliers for `k ≥ 2`; for `k = 1` a single linear constraint
/// `y₀ = x₀` and no challenge.
pub fn scalar_shuffle<CS: RandomizedConstraintSystem>(
    cs: &mut CS,
    x: &[Variable],
    y: &[Variable],
) -> Result<(), R1csError> {
    check_lengths("scalar shuffle", x.len(), y.len())?;
    match (x, y) {
        ([], []) => Ok(()),
        ([x0], [y0]) => {
            cs.constrain(*y0 - *x0);
            Ok(())
        }
        _ => {
            let z = cs.challenge_scalar(b"shuffle challenge");
            let x_product = product_of_shifts(cs, x, z);
            let y_product = product_of_shifts(cs, y, z);
            cs.constrain(x_product - y_product);
            Ok(())
        }
    }
}

/// `∏(vᵢ - z)` for `k ≥ 2` variables in `k - 1` multipliers: the last two first, then
/// the running product times each earlier one, from `k - 3` down to 0.
fn product_of_shifts<CS: ConstraintSystem>(cs: &mut CS, v: &[Variable], z: Scalar) -> Variable {
    let Some((last, rest)) = v.split_last() else {
        return Variable::One;
    };
    let Some((second_last, front)) = rest.split_last() else {
        return *last;
    };
    let (_, _, mut product) = cs.multiply(*last - z, *second_last - z);
    for vi in front.iter().rev() {
        (_, _, product) = cs.multiply(product.into(), *vi - z);
    }
    product
}

/// Constrains the values `y` to be a reordering of the values `x`.
///
/// For `k ≥ 2` the second phase draws `w` (label `k-value shuffle challenge`), folds
/// each pair into `q + w·f` with one multiplier per pair (left from `x`, right from
/// `y`), and shuffles the folded scalars: `3k - 2` multipliers. For `k = 1` it only
/// constrains `y₀.q = x₀.q` and `y₀.f = x₀.f`.
pub fn value_shuffle<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    x: Vec<AllocatedValue>,
    y: Vec<AllocatedValue>,
) -> Result<(), R1csError> {
    check_lengths("value shuffle", x.len(), y.len())?;
    match (x.as_slice(), y.as_slice()) {
        ([], []) => Ok(()),
        ([x0], [y0]) => {
            cs.constrain(y0.q - x0.q);
            cs.constrain(y0.f - x0.f);
            Ok(())
        }
        _ => cs.specify_randomized_constraints(move |cs| {
            let w = cs.challenge_scalar(b"k-value shuffle challenge");
            let (folded_x, folded_y): (Vec<Variable>, Vec<Variable>) = x
                .iter()
                .zip(y.iter())
                .map(|(a, b)| {
                    let (l, r, _) = cs.multiply(a.q + a.f * w, b.q + b.f * w);
                    (l, r)
                })
                .unzip();
            scalar_shuffle(cs, &folded_x, &folded_y)
        }),
    }
}

/// Constrains `y` to be a reordering of `x` after the shorter list is extended with
/// `|len(x) - len(y)|` zero values.
///
/// Each pad is one multiplier whose inputs are constrained to zero (two constraints),
/// then the lists go through [`value_shuffle`] of size `max(len(x), len(y))`.
pub fn padded_shuffle<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    mut x: Vec<AllocatedValue>,
    mut y: Vec<AllocatedValue>,
) -> Result<(), R1csError> {
    let missing = x.len().abs_diff(y.len());
    let mut pads = Vec::with_capacity(missing);
    for _ in 0..missing {
        pads.push(allocate_pad(cs)?);
    }
    if x.len() < y.len() {
        x.append(&mut pads);
    } else {
        y.append(&mut pads);
    }
    value_shuffle(cs, x, y)
}

/// A value allocated as `(0, 0)` and constrained to stay so.
fn allocate_pad<CS: ConstraintSystem>(cs: &mut CS) -> Result<AllocatedValue, R1csError> {
    let pad = Value::zero().allocate(cs)?;
    cs.constrain(pad.q.into());
    cs.constrain(pad.f.into());
    Ok(pad)
}

fn check_lengths(gadget: &'static str, left: usize, right: usize) -> Result<(), CloakError> {
    if left == right {
        Ok(())
    } else {
        Err(CloakError::LengthMismatch {
            gadget,
            left,
            right,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestCs;
    use proptest::prelude::*;

    fn scalar_case(x: &[u64], y: &[u64]) -> Result<(), String> {
        let mut cs = TestCs::prover();
        let xs: Vec<Variable> = x.iter().map(|v| cs.commit(Scalar::from(*v))).collect();
        let ys: Vec<Variable> = y.iter().map(|v| cs.commit(Scalar::from(*v))).collect();
        cs.specify_randomized_constraints(move |cs| scalar_shuffle(cs, &xs, &ys))
            .unwrap();
        cs.check()
    }

    #[test]
    fn scalar_shuffle_accepts_permutations_only() {
        assert!(scalar_case(&[3], &[3]).is_ok());
        assert!(scalar_case(&[3], &[6]).is_err());
        assert!(scalar_case(&[3, 6], &[6, 3]).is_ok());
        assert!(scalar_case(&[3, 3], &[6, 3]).is_err());
        assert!(scalar_case(&[3, 6, 10], &[10, 3, 6]).is_ok());
        assert!(scalar_case(&[3, 6, 10], &[3, 6, 100]).is_err());
        assert!(scalar_case(&[3, 6, 10, 15, 17], &[10, 17, 3, 15, 6]).is_ok());
        assert!(scalar_case(&[3, 6, 10, 15, 17], &[3, 6, 10, 15, 3]).is_err());
        assert!(scalar_case(&[], &[]).is_ok());
        assert!(scalar_case(&[1, 2], &[1]).is_err());
    }

    fn commit_values(cs: &mut TestCs, values: &[Value]) -> Vec<AllocatedValue> {
        values
            .iter()
            .map(|v| {
                let (q, f) = v.to_scalars();
                AllocatedValue {
                    q: cs.commit(q),
                    f: cs.commit(f),
                    assignment: Some(*v),
                }
            })
            .collect()
    }

    fn value_case(x: &[Value], y: &[Value], padded: bool) -> Result<TestCs, String> {
        let mut cs = TestCs::prover();
        let xs = commit_values(&mut cs, x);
        let ys = commit_values(&mut cs, y);
        let built = if padded {
            padded_shuffle(&mut cs, xs, ys)
        } else {
            value_shuffle(&mut cs, xs, ys)
        };
        built.map_err(|e| e.to_string())?;
        Ok(cs)
    }

    fn holds(x: &[Value], y: &[Value], padded: bool) -> bool {
        value_case(x, y, padded).and_then(TestCs::check).is_ok()
    }

    fn v(q: u64, f: u64) -> Value {
        Value::new(q, Scalar::from(f))
    }

    #[test]
    fn value_shuffle_ties_quantity_to_flavor() {
        assert!(holds(&[v(1, 6)], &[v(1, 6)], false));
        assert!(!holds(&[v(1, 6)], &[v(1, 8)], false));
        assert!(holds(&[v(1, 6), v(4, 8)], &[v(4, 8), v(1, 6)], false));
        // Same quantities and flavors, paired differently.
        assert!(!holds(&[v(1, 6), v(4, 8)], &[v(4, 6), v(1, 8)], false));
        assert!(holds(
            &[v(1, 6), v(4, 8), v(8, 4)],
            &[v(8, 4), v(1, 6), v(4, 8)],
            false
        ));
        assert!(!holds(
            &[v(1, 6), v(4, 8), v(8, 4)],
            &[v(9, 2), v(1, 6), v(4, 8)],
            false
        ));
    }

    #[test]
    fn value_shuffle_multiplier_count() {
        for k in 2..7u64 {
            let xs: Vec<Value> = (0..k).map(|i| v(i, i)).collect();
            let mut cs = value_case(&xs, &xs, false).unwrap();
            assert_eq!(cs.metrics().multipliers, 0);
            cs.run_second_phase().unwrap();
            assert_eq!(cs.metrics().multipliers, 3 * k as usize - 2);
        }
    }

    #[test]
    fn padded_shuffle_pads_the_shorter_side_with_zeros() {
        assert!(holds(&[v(5, 1), Value::zero()], &[v(5, 1)], true));
        assert!(holds(&[v(5, 1)], &[Value::zero(), v(5, 1)], true));
        assert!(holds(&[v(5, 1)], &[v(5, 1)], true));
        // A dropped value must be exactly (0, 0).
        assert!(!holds(&[v(5, 1), v(0, 2)], &[v(5, 1)], true));
        assert!(!holds(&[v(5, 1), v(1, 0)], &[v(5, 1)], true));
        let cs = value_case(&[v(1, 1)], &[v(1, 1), v(0, 0), v(0, 0)], true).unwrap();
        // Two pads, one multiplier each.
        assert_eq!(cs.metrics().multipliers, 2);
    }

    #[test]
    fn value_shuffle_refuses_unequal_lengths() {
        assert!(value_case(&[v(1, 1)], &[v(1, 1), v(1, 1)], false).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn any_rotation_is_a_shuffle(xs in prop::collection::vec(0u64..5, 1..7), r in 0usize..7) {
            let mut ys = xs.clone();
            let len = ys.len();
            ys.rotate_left(r % len);
            prop_assert!(scalar_case(&xs, &ys).is_ok());
        }

        #[test]
        fn changing_one_entry_breaks_it(xs in prop::collection::vec(0u64..5, 1..7), i in 0usize..7) {
            let mut ys = xs.clone();
            let len = ys.len();
            ys[i % len] += 100;
            prop_assert!(scalar_case(&xs, &ys).is_err());
        }
    }
}

//! Shuffles: proofs that one list is a reordering of another.

use crate::{AllocatedValue, CloakError, Value};
use curve25519_dalek::scalar::Scalar;
use r1cs::{
    ConstraintSystem, R1csError, RandomizableConstraintSystem, RandomizedConstraintSystem,
    Variable,
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

//! The cloak: M values in, N values out, balanced per flavor, all hidden.

use crate::assignment::is_permutation;
use crate::merge::{merge, split};
use crate::shuffle::{padded_shuffle, value_shuffle};
use crate::value::assignments;
use crate::{range_proof, AllocatedValue, BitRange, CloakError, Value};
use r1cs::{R1csError, RandomizableConstraintSystem};

/// Constrains `outputs` to be a rearrangement of `inputs` that keeps every flavor's
/// total, with every output quantity in `[0, 2^64)`.
///
/// The gadgets run in this order: merge of the inputs, split of the outputs, the
/// shuffle of the inputs into the merge's sorted order, the padded middle shuffle from
/// the merge's totals to the split's, the shuffle of the split's sorted order into the
/// outputs, then one 64-bit range proof per output. A prover (all assignments known)
/// computes every intermediate value and fails with [`CloakError::Unbalanced`] before
/// building anything unsatisfiable; a verifier passes values without assignments.
pub fn cloak<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    inputs: Vec<AllocatedValue>,
    outputs: Vec<AllocatedValue>,
) -> Result<(), R1csError> {
    if inputs.is_empty() || outputs.is_empty() {
        return Err(CloakError::Empty { gadget: "cloak" }.into());
    }
    let (merge_sorted, merged) = merge(cs, inputs.clone())?;
    let (split_merged, split_sorted) = split(cs, outputs.clone())?;
    check_balance(&merged, &split_merged)?;

    value_shuffle(cs, inputs, merge_sorted)?;
    padded_shuffle(cs, merged, split_merged)?;
    value_shuffle(cs, split_sorted, outputs.clone())?;
    for output in outputs {
        range_proof(cs, output.q.into(), output.assignment.map(|v| v.q), BitRange::MAX)?;
    }
    Ok(())
}

/// In the prover: the merged totals, padded with zeros, must match the split's.
fn check_balance(merged: &[AllocatedValue], split: &[AllocatedValue]) -> Result<(), CloakError> {
    let (Some(mut a), Some(mut b)) = (assignments(merged), assignments(split)) else {
        return Ok(());
    };
    let k = a.len().max(b.len());
    a.resize(k, Value::zero());
    b.resize(k, Value::zero());
    if is_permutation(&a, &b) {
        Ok(())
    } else {
        Err(CloakError::Unbalanced)
    }
}

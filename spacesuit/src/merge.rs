//! Merge and split: k-mixes that gather values by flavor, forwards and backwards.

use crate::mix::k_mix;
use crate::AllocatedValue;
use r1cs::{R1csError, RandomizableConstraintSystem};

/// Gathers `inputs` by flavor with a [`k_mix`](crate::k_mix).
///
/// Returns `(sorted, merged)`: `inputs` regrouped by flavor (to be tied to `inputs`
/// by a shuffle), and the mixed values, one total per flavor and zeros elsewhere.
pub fn merge<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    inputs: Vec<AllocatedValue>,
) -> Result<(Vec<AllocatedValue>, Vec<AllocatedValue>), R1csError> {
    k_mix(cs, inputs)
}

/// Spreads per-flavor totals over `outputs`: a [`k_mix`](crate::k_mix) over the
/// outputs in reverse order, read from its far side.
///
/// Returns `(merged, sorted)`: the totals that must come out of the middle shuffle,
/// and the outputs regrouped by flavor (to be tied to `outputs` by a shuffle).
pub fn split<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    mut outputs: Vec<AllocatedValue>,
) -> Result<(Vec<AllocatedValue>, Vec<AllocatedValue>), R1csError> {
    outputs.reverse();
    let (sorted, merged) = k_mix(cs, outputs)?;
    Ok((merged, sorted))
}

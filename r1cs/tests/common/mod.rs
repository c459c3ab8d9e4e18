//! Test gadgets: the circuits of `r1cs.json`, written once against the traits.
#![allow(dead_code)]

use curve25519_dalek::scalar::Scalar;
use r1cs::{
    ConstraintSystem, LinearCombination, R1csError, RandomizableConstraintSystem,
    RandomizedConstraintSystem, Variable,
};

/// `a − b = 0`.
pub fn linear<CS: ConstraintSystem>(cs: &mut CS, v: &[Variable]) -> Result<(), R1csError> {
    cs.constrain(v[0] - v[1]);
    Ok(())
}

/// `a·b = c`.
pub fn mul<CS: ConstraintSystem>(cs: &mut CS, v: &[Variable]) -> Result<(), R1csError> {
    let (_, _, o) = cs.multiply(v[0].into(), v[1].into());
    cs.constrain(o - v[2]);
    Ok(())
}

/// `v` is a `bits`-bit number: each bit is a multiplier `(1 − bᵢ)·bᵢ = 0`.
pub fn range<CS: ConstraintSystem>(
    cs: &mut CS,
    v: Variable,
    value: Option<u64>,
    bits: usize,
) -> Result<(), R1csError> {
    let mut sum = LinearCombination::default();
    let mut exp = Scalar::ONE;
    for i in 0..bits {
        let assignment = value.map(|x| {
            let bit = Scalar::from((x >> i) & 1);
            (Scalar::ONE - bit, bit)
        });
        let (l, r, o) = cs.allocate_multiplier(assignment)?;
        cs.constrain(o.into());
        cs.constrain(l + r - Scalar::ONE);
        sum += r * exp;
        exp += exp;
    }
    cs.constrain(v - sum);
    Ok(())
}

/// `y` is a permutation of `x`: `Π (xᵢ − z) = Π (yᵢ − z)` for a challenge `z`.
pub fn shuffle<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    x: Vec<Variable>,
    y: Vec<Variable>,
) -> Result<(), R1csError> {
    cs.specify_randomized_constraints(move |cs| {
        let z = cs.challenge_scalar(b"shuffle challenge");
        let px = product_minus(cs, &x, z);
        let qy = product_minus(cs, &y, z);
        cs.constrain(px - qy);
        Ok(())
    })
}

/// `Π (vᵢ − z)`, multiplied from the last element down.
fn product_minus<CS: ConstraintSystem>(
    cs: &mut CS,
    v: &[Variable],
    z: Scalar,
) -> LinearCombination {
    let k = v.len();
    let (_, _, mut acc) = cs.multiply(v[k - 1] - z, v[k - 2] - z);
    for i in (0..k - 2).rev() {
        let (_, _, o) = cs.multiply(acc.into(), v[i] - z);
        acc = o;
    }
    acc.into()
}

/// Applies the named circuit of `r1cs.json` to the committed variables. `values`
/// are the committed values where the caller knows them (the prover).
pub fn apply<CS: RandomizableConstraintSystem>(
    cs: &mut CS,
    circuit: &str,
    vars: &[Variable],
    values: Option<&[u64]>,
) -> Result<(), R1csError> {
    match circuit {
        "linear" => linear(cs, vars),
        "mul" => mul(cs, vars),
        "range8" => range(cs, vars[0], values.map(|v| v[0]), 8),
        "range64" => range(cs, vars[0], values.map(|v| v[0]), 64),
        "shuffle3" => shuffle(cs, vars[..3].to_vec(), vars[3..].to_vec()),
        other => panic!("unknown circuit {other}"),
    }
}

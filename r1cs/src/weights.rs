//! Flattening: the linear constraints `Σ … = 0`, weighted by successive powers of a
//! challenge `z`, collapse into one weight per variable.

use crate::{LinearCombination, R1csError, Variable};
use curve25519_dalek::scalar::Scalar;

/// The weights of every variable in `Σ_q z^(q+1) · constraint_q`.
///
/// Committed values and the constant carry the opposite sign, as the protocol moves
/// them to the other side of the equation.
pub(crate) struct Weights {
    /// Left multiplier inputs.
    pub(crate) w_l: Vec<Scalar>,
    /// Right multiplier inputs.
    pub(crate) w_r: Vec<Scalar>,
    /// Multiplier outputs.
    pub(crate) w_o: Vec<Scalar>,
    /// Committed values, negated.
    pub(crate) w_v: Vec<Scalar>,
    /// The constant, negated.
    pub(crate) w_c: Scalar,
}

impl Weights {
    /// Flattens `constraints` over `n` multipliers and `m` commitments, failing on a
    /// variable outside those bounds.
    pub(crate) fn flatten(
        constraints: &[LinearCombination],
        z: &Scalar,
        n: usize,
        m: usize,
    ) -> Result<Weights, R1csError> {
        let mut w = Weights {
            w_l: vec![Scalar::ZERO; n],
            w_r: vec![Scalar::ZERO; n],
            w_o: vec![Scalar::ZERO; n],
            w_v: vec![Scalar::ZERO; m],
            w_c: Scalar::ZERO,
        };
        let mut z_q = *z;
        for lc in constraints {
            for (var, coeff) in lc.terms() {
                let weight = z_q * coeff;
                let slot = match *var {
                    Variable::MultiplierLeft(i) => w.w_l.get_mut(i),
                    Variable::MultiplierRight(i) => w.w_r.get_mut(i),
                    Variable::MultiplierOutput(i) => w.w_o.get_mut(i),
                    Variable::Committed(i) => {
                        let slot = w.w_v.get_mut(i).ok_or(R1csError::UnknownVariable(*var))?;
                        *slot -= weight;
                        continue;
                    }
                    Variable::One => {
                        w.w_c -= weight;
                        continue;
                    }
                };
                *slot.ok_or(R1csError::UnknownVariable(*var))? += weight;
            }
            z_q *= z;
        }
        Ok(w)
    }
}

/// `1, x, x², …` (`n` terms).
pub(crate) fn powers(x: &Scalar, n: usize) -> Vec<Scalar> {
    let mut out = Vec::with_capacity(n);
    let mut p = Scalar::ONE;
    for _ in 0..n {
        out.push(p);
        p *= x;
    }
    out
}

//! Flattening: the linear constraints `Σ … = 0`, weighted by successive powers of a
//! challenge `z`, collapse into one weight per variable.

use crate::{LinearCombination, R1csError, Variable};
use batch::field::{Fe, Scaler};
use curve25519_dalek::scalar::Scalar;

/// The weights of every variable in `Σ_q z^(q+1) · constraint_q`.
///
/// Committed values and the constant carry the opposite sign, as the protocol moves
/// them to the other side of the equation.
pub(crate) struct Weights {
    /// Left multiplier inputs (times the caller's scale).
    pub(crate) w_l: Vec<Fe>,
    /// Right multiplier inputs (times the caller's scale).
    pub(crate) w_r: Vec<Fe>,
    /// Multiplier outputs.
    pub(crate) w_o: Vec<Fe>,
    /// Committed values, negated.
    pub(crate) w_v: Vec<Fe>,
    /// The constant, negated.
    pub(crate) w_c: Fe,
}

impl Weights {
    /// Flattens `constraints` over `n` multipliers and `m` commitments, failing on a
    /// variable outside those bounds. The weights of left and right inputs come out
    /// multiplied by `lr_scale` (the verifier passes `x`, the prover 1).
    pub(crate) fn flatten(
        constraints: &[LinearCombination],
        z: &Scalar,
        lr_scale: &Scalar,
        n: usize,
        m: usize,
    ) -> Result<Weights, R1csError> {
        let mut w = Weights {
            w_l: vec![Fe::ZERO; n],
            w_r: vec![Fe::ZERO; n],
            w_o: vec![Fe::ZERO; n],
            w_v: vec![Fe::ZERO; m],
            w_c: Fe::ZERO,
        };
        let z = Fe::from_scalar(z);
        let scale = (*lr_scale != Scalar::ONE).then(|| Fe::from_scalar(lr_scale));
        let mut z_q = z;
        for lc in constraints {
            let mut plain = Base::new(z_q);
            let mut scaled = Base::new(scale.map_or(z_q, |x| z_q * x));
            for (var, coeff) in lc.terms() {
                let (slot, base) = match *var {
                    Variable::MultiplierLeft(i) => (w.w_l.get_mut(i), &mut scaled),
                    Variable::MultiplierRight(i) => (w.w_r.get_mut(i), &mut scaled),
                    Variable::MultiplierOutput(i) => (w.w_o.get_mut(i), &mut plain),
                    Variable::Committed(i) => {
                        let slot = w.w_v.get_mut(i).ok_or(R1csError::UnknownVariable(*var))?;
                        *slot = *slot - plain.times(coeff);
                        continue;
                    }
                    Variable::One => {
                        w.w_c = w.w_c - plain.times(coeff);
                        continue;
                    }
                };
                let slot = slot.ok_or(R1csError::UnknownVariable(*var))?;
                *slot += base.times(coeff);
            }
            z_q *= z;
        }
        Ok(w)
    }

    /// `(w_L, w_R, w_O, w_V)` as scalars, for the prover.
    pub(crate) fn to_scalars(&self) -> [Vec<Scalar>; 4] {
        let conv = |v: &[Fe]| v.iter().map(|x| x.to_scalar()).collect();
        [
            conv(&self.w_l),
            conv(&self.w_r),
            conv(&self.w_o),
            conv(&self.w_v),
        ]
    }
}

/// One constraint's power of `z`, with its [`Scaler`] made when first needed.
struct Base {
    value: Fe,
    scaler: Option<Scaler>,
}

impl Base {
    fn new(value: Fe) -> Self {
        Base {
            value,
            scaler: None,
        }
    }

    /// `value·c`, without a multiplication for the common coefficients ±1
    /// (coefficients are public, so comparing them in variable time is fine).
    fn times(&mut self, c: &Scalar) -> Fe {
        if c.as_bytes() == Scalar::ONE.as_bytes() {
            self.value
        } else if c.as_bytes() == &MINUS_ONE {
            -self.value
        } else {
            let value = self.value;
            self.scaler.get_or_insert_with(|| value.scaler()).times(c)
        }
    }
}

/// The encoding of `−1 = ℓ − 1`.
const MINUS_ONE: [u8; 32] = [
    0xec, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minus_one_is_encoded_right() {
        assert_eq!(&MINUS_ONE, (-Scalar::ONE).as_bytes());
    }

    #[test]
    fn flattening_weights_each_constraint_by_a_power_of_z() {
        let z = Scalar::from(3u64);
        let x = Scalar::from(5u64);
        let constraints = vec![
            Variable::MultiplierLeft(0) - Variable::Committed(0),
            Variable::MultiplierOutput(1) * Scalar::from(7u64) + Scalar::from(2u64),
            -LinearCombination::from(Variable::MultiplierRight(1)),
        ];
        let w = Weights::flatten(&constraints, &z, &x, 2, 1).expect("flattens");
        let [w_l, w_r, w_o, w_v] = w.to_scalars();
        assert_eq!(w_l, vec![x * z, Scalar::ZERO]);
        assert_eq!(w_v, vec![z]);
        assert_eq!(w_o, vec![Scalar::ZERO, Scalar::from(63u64)]);
        assert_eq!(w.w_c.to_scalar(), -Scalar::from(18u64));
        assert_eq!(w_r, vec![Scalar::ZERO, -(x * Scalar::from(27u64))]);
        let unknown = Weights::flatten(&constraints, &z, &x, 1, 1).err();
        assert_eq!(
            unknown,
            Some(R1csError::UnknownVariable(Variable::MultiplierOutput(1)))
        );
    }
}

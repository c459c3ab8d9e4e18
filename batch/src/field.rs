//! Arithmetic modulo the group order `ℓ` in Montgomery form, for verifiers' scalar
//! work.
//!
//! `Scalar` multiplication in curve25519-dalek packs and unpacks its operands and
//! performs two Montgomery reductions per product. Verifiers compute thousands of
//! products per proof (an R1CS verifier's flattened constraints and per-generator
//! scalars, a batch's weighted per-base sums), so they work on [`Fe`] — `x·R mod ℓ`
//! with `R = 2²⁵⁶`, four 64-bit limbs — and convert to `Scalar` once per result.
//! All values are public: nothing here is constant time, so never use it on secrets.

use curve25519_dalek::scalar::Scalar;
use std::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub};

/// `ℓ` in 64-bit limbs, least significant first.
const L: [u64; 4] = [
    0x5812_631a_5cf5_d3ed,
    0x14de_f9de_a2f7_9cd6,
    0,
    0x1000_0000_0000_0000,
];
/// `−ℓ⁻¹ mod 2⁶⁴`.
const N0: u64 = 0xd2b5_1da3_1254_7e1b;
/// `R² mod ℓ`.
const R2: [u64; 4] = [
    0xa406_11e3_449c_0f01,
    0xd00e_1ba7_6885_9347,
    0xceec_73d2_17f5_be65,
    0x0399_411b_7c30_9a3d,
];
/// `R mod ℓ`: the Montgomery form of 1.
const R: [u64; 4] = [
    0xd6ec_3174_8d98_951d,
    0xc6ef_5bf4_737d_cf70,
    0xffff_ffff_ffff_fffe,
    0x0fff_ffff_ffff_ffff,
];

/// A scalar `x` held as `x·R mod ℓ`, fully reduced.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Fe([u64; 4]);

/// A scalar `x` held as `x·R² mod ℓ`: multiplying a plain scalar's limbs by it yields
/// the [`Fe`] of the product directly, without converting the plain scalar first.
#[derive(Copy, Clone, Debug)]
pub struct Scaler([u64; 4]);

impl Fe {
    /// Zero.
    pub const ZERO: Fe = Fe([0; 4]);
    /// One.
    pub const ONE: Fe = Fe(R);

    /// The Montgomery form of `s`.
    pub fn from_scalar(s: &Scalar) -> Fe {
        Fe(mont_mul(&limbs(s), &R2))
    }

    /// The plain scalar.
    pub fn to_scalar(self) -> Scalar {
        let plain = mont_mul(&self.0, &[1, 0, 0, 0]);
        let mut bytes = [0u8; 32];
        for (chunk, limb) in bytes.chunks_exact_mut(8).zip(plain) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        // `plain` is below ℓ: the reduction leaves it unchanged.
        Scalar::from_bytes_mod_order(bytes)
    }

    /// `self` as a [`Scaler`].
    pub fn scaler(self) -> Scaler {
        Scaler(mont_mul(&self.0, &R2))
    }
}

impl Scaler {
    /// `self·s` for a plain scalar `s`.
    pub fn times(&self, s: &Scalar) -> Fe {
        Fe(mont_mul(&limbs(s), &self.0))
    }
}

impl Mul for Fe {
    type Output = Fe;
    fn mul(self, rhs: Fe) -> Fe {
        Fe(mont_mul(&self.0, &rhs.0))
    }
}

impl MulAssign for Fe {
    fn mul_assign(&mut self, rhs: Fe) {
        *self = *self * rhs;
    }
}

impl Add for Fe {
    type Output = Fe;
    fn add(self, rhs: Fe) -> Fe {
        // Both are below ℓ < 2²⁵³: the sum fits in 256 bits.
        Fe(subtract_l_if_needed(add_limbs(&self.0, &rhs.0)))
    }
}

impl AddAssign for Fe {
    fn add_assign(&mut self, rhs: Fe) {
        *self = *self + rhs;
    }
}

impl Sub for Fe {
    type Output = Fe;
    fn sub(self, rhs: Fe) -> Fe {
        let (diff, borrow) = sub_limbs(&self.0, &rhs.0);
        if borrow {
            // diff + ℓ wraps back below 2²⁵⁶ by exactly the borrow.
            Fe(add_limbs(&diff, &L))
        } else {
            Fe(diff)
        }
    }
}

impl Neg for Fe {
    type Output = Fe;
    fn neg(self) -> Fe {
        Fe::ZERO - self
    }
}

/// The limbs of a scalar's canonical encoding.
fn limbs(s: &Scalar) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (limb, chunk) in out.iter_mut().zip(s.as_bytes().chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(b);
    }
    out
}

/// `a·b·R⁻¹ mod ℓ` for `a < 2²⁵⁶`, `b < ℓ`: word-by-word Montgomery reduction,
/// leaving `t < 2ℓ` before the final subtraction.
fn mont_mul(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut t = [0u64; 6];
    for &bi in b {
        let mut carry = 0u128;
        for j in 0..4 {
            let uv = u128::from(t[j]) + u128::from(a[j]) * u128::from(bi) + carry;
            t[j] = uv as u64;
            carry = uv >> 64;
        }
        let uv = u128::from(t[4]) + carry;
        t[4] = uv as u64;
        t[5] = (uv >> 64) as u64;

        let m = t[0].wrapping_mul(N0);
        let mut carry = (u128::from(t[0]) + u128::from(m) * u128::from(L[0])) >> 64;
        for j in 1..4 {
            let uv = u128::from(t[j]) + u128::from(m) * u128::from(L[j]) + carry;
            t[j - 1] = uv as u64;
            carry = uv >> 64;
        }
        let uv = u128::from(t[4]) + carry;
        t[3] = uv as u64;
        t[4] = t[5] + (uv >> 64) as u64;
    }
    subtract_l_if_needed([t[0], t[1], t[2], t[3]])
}

/// `a + b` over 256 bits, dropping the carry out.
fn add_limbs(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut carry = false;
    for i in 0..4 {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(u64::from(carry));
        out[i] = s2;
        carry = c1 | c2;
    }
    out
}

/// `a − b` over 256 bits, and whether it borrowed.
fn sub_limbs(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], bool) {
    let mut out = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        out[i] = d2;
        borrow = b1 | b2;
    }
    (out, borrow)
}

/// `x − ℓ` if `x ≥ ℓ`, else `x`, for `x < 2ℓ`.
fn subtract_l_if_needed(x: [u64; 4]) -> [u64; 4] {
    match sub_limbs(&x, &L) {
        (_, true) => x,
        (reduced, false) => reduced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scalar() -> impl Strategy<Value = Scalar> {
        prop_oneof![
            any::<[u8; 32]>().prop_map(Scalar::from_bytes_mod_order),
            Just(Scalar::ZERO),
            Just(Scalar::ONE),
            Just(-Scalar::ONE),
        ]
    }

    #[test]
    fn constants_are_right() {
        assert_eq!(Fe::ONE.to_scalar(), Scalar::ONE);
        assert_eq!(Fe::from_scalar(&Scalar::ONE), Fe::ONE);
        assert_eq!(Fe::ZERO.to_scalar(), Scalar::ZERO);
        assert_eq!(Fe::from_scalar(&Scalar::ZERO), Fe::ZERO);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn arithmetic_matches_scalar(a in scalar(), b in scalar()) {
            let (fa, fb) = (Fe::from_scalar(&a), Fe::from_scalar(&b));
            prop_assert_eq!(fa.to_scalar(), a);
            prop_assert_eq!((fa * fb).to_scalar(), a * b);
            prop_assert_eq!((fa + fb).to_scalar(), a + b);
            prop_assert_eq!((fa - fb).to_scalar(), a - b);
            prop_assert_eq!((-fa).to_scalar(), -a);
            prop_assert_eq!(fa.scaler().times(&b).to_scalar(), a * b);
        }
    }
}

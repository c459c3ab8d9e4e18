//! The trait and its two implementations.

use crate::{BatchError, Generators};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use rand_core::{CryptoRng, RngCore};

/// A sink for statements `0 = a·B + b·B̃ + Σ gᵢ·Gᵢ + Σ hᵢ·Hᵢ + Σ sⱼ·Pⱼ`.
///
/// Callers are generic over it and never branch on which implementation they hold.
pub trait BatchVerification {
    /// The generators the statements refer to.
    fn generators(&self) -> &Generators;

    /// Adds one statement. `what` names it in the error of a [`SingleVerifier`].
    /// `g` and `h` give the scalars of `G₀, G₁, …` and `H₀, H₁, …` in order; they may
    /// be shorter than the capacity.
    ///
    /// A [`SingleVerifier`] checks the statement here and fails with
    /// [`BatchError::StatementFailed`]; a [`BatchVerifier`] only records it. Both fail
    /// with [`BatchError::TooManyGenerators`] when `g` or `h` is longer than the
    /// capacity.
    fn append<G, H, D>(
        &mut self,
        what: &'static str,
        basepoint: Scalar,
        blinding: Scalar,
        g: G,
        h: H,
        dynamic: D,
    ) -> Result<(), BatchError>
    where
        G: IntoIterator<Item = Scalar>,
        H: IntoIterator<Item = Scalar>,
        D: IntoIterator<Item = (Scalar, RistrettoPoint)>;
}

/// Checks each statement as it arrives.
#[derive(Debug)]
pub struct SingleVerifier<'g> {
    gens: &'g Generators,
    /// Scratch space reused across statements.
    scalars: Vec<Scalar>,
    points: Vec<RistrettoPoint>,
}

impl<'g> SingleVerifier<'g> {
    /// A verifier over `gens`.
    pub fn new(gens: &'g Generators) -> Self {
        SingleVerifier {
            gens,
            scalars: Vec::new(),
            points: Vec::new(),
        }
    }

    /// Runs `f` with a fresh single verifier, for callers that check one thing.
    pub fn verify<T, E>(
        gens: &'g Generators,
        f: impl FnOnce(&mut Self) -> Result<T, E>,
    ) -> Result<T, E> {
        f(&mut Self::new(gens))
    }
}

impl BatchVerification for SingleVerifier<'_> {
    fn generators(&self) -> &Generators {
        self.gens
    }

    fn append<G, H, D>(
        &mut self,
        what: &'static str,
        basepoint: Scalar,
        blinding: Scalar,
        g: G,
        h: H,
        dynamic: D,
    ) -> Result<(), BatchError>
    where
        G: IntoIterator<Item = Scalar>,
        H: IntoIterator<Item = Scalar>,
        D: IntoIterator<Item = (Scalar, RistrettoPoint)>,
    {
        let gens = self.gens;
        self.scalars.clear();
        self.points.clear();
        self.scalars.extend([basepoint, blinding]);
        self.points.extend([gens.b(), gens.b_blinding()]);
        push_fixed(&mut self.scalars, &mut self.points, g, gens.g())?;
        push_fixed(&mut self.scalars, &mut self.points, h, gens.h())?;
        for (s, p) in dynamic {
            self.scalars.push(s);
            self.points.push(p);
        }
        let sum = RistrettoPoint::vartime_multiscalar_mul(&self.scalars, &self.points);
        if sum.is_identity() {
            Ok(())
        } else {
            Err(BatchError::StatementFailed { what })
        }
    }
}

/// Pairs each scalar of `scalars` with the next fixed base, failing if they run out.
fn push_fixed(
    out_scalars: &mut Vec<Scalar>,
    out_points: &mut Vec<RistrettoPoint>,
    scalars: impl IntoIterator<Item = Scalar>,
    bases: &[RistrettoPoint],
) -> Result<(), BatchError> {
    for (n, s) in scalars.into_iter().enumerate() {
        let base = bases.get(n).ok_or(BatchError::TooManyGenerators {
            needed: n + 1,
            capacity: bases.len(),
        })?;
        out_scalars.push(s);
        out_points.push(*base);
    }
    Ok(())
}

/// Weights every statement by a fresh random scalar and checks their sum with one
/// variable-time multiscalar multiplication.
///
/// If any statement is false, the weighted sum is the identity only when the weights
/// fall on a hyperplane fixed before they were drawn: probability about 2⁻²⁵², so two
/// false statements cannot be made to cancel. The scalars of the fixed bases are summed
/// per base, so each of `B`, `B̃`, `Gᵢ`, `Hᵢ` enters the multiplication once.
pub struct BatchVerifier<'g, R: RngCore + CryptoRng> {
    gens: &'g Generators,
    rng: R,
    basepoint: Scalar,
    blinding: Scalar,
    /// Per-base sums in Montgomery form (see [`montgomery`]).
    g: Vec<montgomery::Element>,
    h: Vec<montgomery::Element>,
    dynamic_scalars: Vec<Scalar>,
    dynamic_points: Vec<RistrettoPoint>,
    statements: usize,
    /// Set when a statement was refused half-way; `verify` then fails with it.
    poisoned: Option<BatchError>,
}

impl<'g, R: RngCore + CryptoRng> BatchVerifier<'g, R> {
    /// An empty batch over `gens`, weighting with `rng`.
    pub fn new(gens: &'g Generators, rng: R) -> Self {
        Self::with_capacity(gens, rng, 0)
    }

    /// An empty batch with room for `dynamic` points before it reallocates.
    pub fn with_capacity(gens: &'g Generators, rng: R, dynamic: usize) -> Self {
        BatchVerifier {
            gens,
            rng,
            basepoint: Scalar::ZERO,
            blinding: Scalar::ZERO,
            g: Vec::new(),
            h: Vec::new(),
            dynamic_scalars: Vec::with_capacity(dynamic),
            dynamic_points: Vec::with_capacity(dynamic),
            statements: 0,
            poisoned: None,
        }
    }

    /// How many statements were appended.
    pub fn len(&self) -> usize {
        self.statements
    }

    /// Whether no statement was appended.
    pub fn is_empty(&self) -> bool {
        self.statements == 0
    }

    /// Moves every statement of `other` into this batch. Its statements were already
    /// weighted by its own random scalars, so the union stays sound.
    pub fn merge<R2: RngCore + CryptoRng>(&mut self, other: BatchVerifier<'_, R2>) {
        self.basepoint += other.basepoint;
        self.blinding += other.blinding;
        add_into(&mut self.g, &other.g);
        add_into(&mut self.h, &other.h);
        self.dynamic_scalars.extend(other.dynamic_scalars);
        self.dynamic_points.extend(other.dynamic_points);
        self.statements += other.statements;
        self.poisoned = self.poisoned.or(other.poisoned);
    }

    /// Checks all statements at once. An empty batch holds.
    /// A batch that refused a statement with [`BatchError::TooManyGenerators`] fails
    /// with that error.
    pub fn verify(self) -> Result<(), BatchError> {
        if let Some(e) = self.poisoned {
            return Err(e);
        }
        if self.statements == 0 {
            return Ok(());
        }
        let gens = self.gens;
        let n = self.g.len().max(self.h.len());
        let scalars = [self.basepoint, self.blinding]
            .into_iter()
            .chain(self.g.iter().map(|e| e.to_scalar()))
            .chain(self.h.iter().map(|e| e.to_scalar()))
            .chain(self.dynamic_scalars.iter().copied());
        let points = [gens.b(), gens.b_blinding()]
            .into_iter()
            .chain(gens.g()[..self.g.len()].iter().copied())
            .chain(gens.h()[..self.h.len()].iter().copied())
            .chain(self.dynamic_points.iter().copied());
        debug_assert!(n <= gens.capacity());
        let sum = RistrettoPoint::vartime_multiscalar_mul(scalars, points);
        if sum.is_identity() {
            Ok(())
        } else {
            Err(BatchError::BatchFailed)
        }
    }
}

impl<R: RngCore + CryptoRng> std::fmt::Debug for BatchVerifier<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchVerifier")
            .field("statements", &self.statements)
            .field("dynamic_points", &self.dynamic_points.len())
            .finish()
    }
}

/// `acc[i] += add[i]`, growing `acc` as needed.
fn add_into(acc: &mut Vec<montgomery::Element>, add: &[montgomery::Element]) {
    if acc.len() < add.len() {
        acc.resize(add.len(), montgomery::Element::ZERO);
    }
    for (a, b) in acc.iter_mut().zip(add) {
        *a = a.add(b);
    }
}

/// `acc[i] += weight · s[i]` for the scalars of one statement, within `capacity`.
fn add_weighted(
    acc: &mut Vec<montgomery::Element>,
    weight: &montgomery::Weight,
    scalars: impl IntoIterator<Item = Scalar>,
    capacity: usize,
) -> Result<(), BatchError> {
    for (i, s) in scalars.into_iter().enumerate() {
        if i >= capacity {
            return Err(BatchError::TooManyGenerators {
                needed: i + 1,
                capacity,
            });
        }
        if i == acc.len() {
            acc.push(montgomery::Element::ZERO);
        }
        acc[i] = acc[i].add(&weight.times(&s));
    }
    Ok(())
}

/// Arithmetic modulo the group order `ℓ` in Montgomery form (`R = 2²⁵⁶`), for the
/// per-base sums of a batch: one multiplication per weighted scalar instead of the
/// two Montgomery reductions and repacking of `Scalar` multiplication. Results leave
/// through [`Element::to_scalar`], once per base per batch.
mod montgomery {
    use curve25519_dalek::scalar::Scalar;

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

    /// `x·R mod ℓ`, fully reduced.
    #[derive(Copy, Clone, Debug, PartialEq, Eq)]
    pub(super) struct Element([u64; 4]);

    /// A weight `w` kept as `w·R²`, so that multiplying a plain scalar by it lands in
    /// Montgomery form directly.
    pub(super) struct Weight([u64; 4]);

    impl Element {
        pub(super) const ZERO: Element = Element([0; 4]);

        /// `self + other mod ℓ`.
        pub(super) fn add(&self, other: &Element) -> Element {
            // Both are below ℓ < 2²⁵³: the sum cannot overflow 256 bits.
            let mut out = [0u64; 4];
            let mut carry = 0u64;
            for (i, o) in out.iter_mut().enumerate() {
                let (s1, c1) = self.0[i].overflowing_add(other.0[i]);
                let (s2, c2) = s1.overflowing_add(carry);
                *o = s2;
                carry = u64::from(c1 | c2);
            }
            Element(subtract_l_if_needed(out))
        }

        /// The plain scalar.
        pub(super) fn to_scalar(self) -> Scalar {
            let plain = mont_mul(&self.0, &[1, 0, 0, 0]);
            let mut bytes = [0u8; 32];
            for (chunk, limb) in bytes.chunks_exact_mut(8).zip(plain) {
                chunk.copy_from_slice(&limb.to_le_bytes());
            }
            // `plain` is below ℓ, so this only reinterprets the bytes.
            Scalar::from_bytes_mod_order(bytes)
        }
    }

    impl Weight {
        pub(super) fn new(w: &Scalar) -> Weight {
            let plain = limbs(w);
            Weight(mont_mul(&mont_mul(&plain, &R2), &R2))
        }

        /// `w·s` in Montgomery form.
        pub(super) fn times(&self, s: &Scalar) -> Element {
            Element(mont_mul(&limbs(s), &self.0))
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

    /// `a·b·R⁻¹ mod ℓ` for `a < 2²⁵⁶`, `b < ℓ` (word-by-word Montgomery reduction).
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
        // t < 2ℓ here, and 2ℓ < 2²⁵⁴, so t[4] is zero.
        subtract_l_if_needed([t[0], t[1], t[2], t[3]])
    }

    /// `x − ℓ` if `x ≥ ℓ`, else `x`, for `x < 2ℓ`.
    fn subtract_l_if_needed(x: [u64; 4]) -> [u64; 4] {
        let mut out = [0u64; 4];
        let mut borrow = false;
        for i in 0..4 {
            let (d1, b1) = x[i].overflowing_sub(L[i]);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            out[i] = d2;
            borrow = b1 | b2;
        }
        if borrow {
            x
        } else {
            out
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

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            #[test]
            fn weighted_sums_match_scalar_arithmetic(w in scalar(), a in scalar(), b in scalar()) {
                let weight = Weight::new(&w);
                let sum = weight.times(&a).add(&weight.times(&b));
                prop_assert_eq!(sum.to_scalar(), w * a + w * b);
                prop_assert_eq!(Element::ZERO.add(&weight.times(&a)).to_scalar(), w * a);
            }
        }
    }
}

impl<R: RngCore + CryptoRng> BatchVerification for BatchVerifier<'_, R> {
    fn generators(&self) -> &Generators {
        self.gens
    }

    fn append<G, H, D>(
        &mut self,
        _what: &'static str,
        basepoint: Scalar,
        blinding: Scalar,
        g: G,
        h: H,
        dynamic: D,
    ) -> Result<(), BatchError>
    where
        G: IntoIterator<Item = Scalar>,
        H: IntoIterator<Item = Scalar>,
        D: IntoIterator<Item = (Scalar, RistrettoPoint)>,
    {
        if let Some(e) = self.poisoned {
            return Err(e);
        }
        let weight = Scalar::random(&mut self.rng);
        let capacity = self.gens.capacity();
        let fixed = montgomery::Weight::new(&weight);
        let fits = add_weighted(&mut self.g, &fixed, g, capacity)
            .and_then(|()| add_weighted(&mut self.h, &fixed, h, capacity));
        if let Err(e) = fits {
            // The sums now hold part of a statement; the batch can no longer be checked.
            self.poisoned = Some(e);
            return Err(e);
        }
        self.basepoint += weight * basepoint;
        self.blinding += weight * blinding;
        for (s, p) in dynamic {
            self.dynamic_scalars.push(weight * s);
            self.dynamic_points.push(p);
        }
        self.statements += 1;
        Ok(())
    }
}

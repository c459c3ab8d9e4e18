//! The trait and its two implementations.

use crate::field::{Fe, Scaler};
use crate::{msm, BatchError, Generators};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
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

    /// Adds one statement that `build` makes already multiplied by the weight it is
    /// given, so that the caller can fold the weight into its own arithmetic instead of
    /// the batch multiplying every scalar again. The weight is drawn before `build`
    /// runs (it is one for a [`SingleVerifier`]); errors are those of
    /// [`BatchVerification::append`], and a statement too wide for the generators adds
    /// nothing.
    fn append_weighted(
        &mut self,
        what: &'static str,
        build: impl FnOnce(&Scalar) -> WeightedStatement,
    ) -> Result<(), BatchError>;
}

/// A statement `0 = a·B + b·B̃ + Σ gᵢ·Gᵢ + Σ hᵢ·Hᵢ + Σ sⱼ·Pⱼ` with every scalar
/// multiplied by one weight, for [`BatchVerification::append_weighted`].
#[derive(Debug, Clone)]
pub struct WeightedStatement {
    /// `a`.
    pub basepoint: Scalar,
    /// `b`.
    pub blinding: Scalar,
    /// The `gᵢ`, in Montgomery form.
    pub g: Vec<Fe>,
    /// The `hᵢ`, in Montgomery form.
    pub h: Vec<Fe>,
    /// The `(sⱼ, Pⱼ)`.
    pub dynamic: Vec<(Scalar, RistrettoPoint)>,
}

impl WeightedStatement {
    /// Fails when `g` or `h` is longer than `capacity`.
    fn check_width(&self, capacity: usize) -> Result<(), BatchError> {
        let needed = self.g.len().max(self.h.len());
        if needed > capacity {
            return Err(BatchError::TooManyGenerators { needed, capacity });
        }
        Ok(())
    }
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
        let sum = msm::vartime_multiscalar_mul(&self.scalars, &self.points);
        if sum.is_identity() {
            Ok(())
        } else {
            Err(BatchError::StatementFailed { what })
        }
    }

    fn append_weighted(
        &mut self,
        what: &'static str,
        build: impl FnOnce(&Scalar) -> WeightedStatement,
    ) -> Result<(), BatchError> {
        let st = build(&Scalar::ONE);
        st.check_width(self.gens.capacity())?;
        let to_scalars = |v: Vec<Fe>| v.into_iter().map(Fe::to_scalar);
        self.append(
            what,
            st.basepoint,
            st.blinding,
            to_scalars(st.g),
            to_scalars(st.h),
            st.dynamic,
        )
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
    /// Per-base sums in Montgomery form (see [`crate::field`]).
    g: Vec<Fe>,
    h: Vec<Fe>,
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
        Self::verify_union(std::slice::from_ref(&self))
    }

    /// Checks the statements of all `batches` at once, as [`BatchVerifier::merge`]
    /// would, without consuming them. Every batch must be over the same generators.
    pub fn verify_union(batches: &[Self]) -> Result<(), BatchError> {
        let Some(first) = batches.first() else {
            return Ok(());
        };
        if let Some(e) = batches.iter().find_map(|b| b.poisoned) {
            return Err(e);
        }
        if batches.iter().all(|b| b.is_empty()) {
            return Ok(());
        }
        let gens = first.gens;
        let (mut basepoint, mut blinding) = (Scalar::ZERO, Scalar::ZERO);
        let (mut g, mut h) = (Vec::new(), Vec::new());
        for b in batches {
            basepoint += b.basepoint;
            blinding += b.blinding;
            add_into(&mut g, &b.g);
            add_into(&mut h, &b.h);
        }
        let needed = g.len().max(h.len());
        if needed > gens.capacity() {
            return Err(BatchError::TooManyGenerators {
                needed,
                capacity: gens.capacity(),
            });
        }
        let dynamic: usize = batches.iter().map(|b| b.dynamic_points.len()).sum();
        let total = 2 + g.len() + h.len() + dynamic;
        let mut scalars = Vec::with_capacity(total);
        scalars.extend([basepoint, blinding]);
        scalars.extend(g.iter().chain(&h).map(|e| e.to_scalar()));
        let mut points = Vec::with_capacity(total);
        points.extend([gens.b(), gens.b_blinding()]);
        points.extend_from_slice(&gens.g()[..g.len()]);
        points.extend_from_slice(&gens.h()[..h.len()]);
        for b in batches {
            scalars.extend_from_slice(&b.dynamic_scalars);
            points.extend_from_slice(&b.dynamic_points);
        }
        let sum = msm::vartime_multiscalar_mul(&scalars, &points);
        if sum.is_identity() {
            Ok(())
        } else {
            Err(BatchError::BatchFailed)
        }
    }

    /// Checks the union of `batches` and, when it fails, names the first batch that
    /// fails on its own, without re-running whatever filled them.
    ///
    /// The union's sum is the sum of the batches' weighted sums, so when a left half
    /// holds and the whole does not, the right half does not hold: a bisection that
    /// checks only left halves finds the culprit in `log₂ n` checks of halving size,
    /// about one more check of the whole.
    pub fn verify_blaming(batches: &[Self]) -> Result<(), Blame> {
        let Err(error) = Self::verify_union(batches) else {
            return Ok(());
        };
        let (mut lo, mut hi) = (0, batches.len());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            match Self::verify_union(&batches[lo..mid]) {
                Err(_) => hi = mid,
                Ok(()) => lo = mid,
            }
        }
        let error = Self::verify_union(&batches[lo..hi]).err().unwrap_or(error);
        Err(Blame { index: lo, error })
    }

    /// The positions of every batch of `batches` that fails on its own, in order,
    /// without re-running whatever filled them: the union is checked, then the halves
    /// of a failing union, down to single batches. A left half that holds means the
    /// right half fails, so that half is split without being checked whole. With `k`
    /// failing among `n`, about `2k·log₂(n/k)` unions are checked, each smaller than
    /// the last; with none, one.
    pub fn failing(batches: &[Self]) -> Vec<usize> {
        let mut out = Vec::new();
        Self::bisect(batches, 0, false, &mut out);
        out
    }

    /// Adds to `out` the failing batches of `batches` (at `offset` in the whole
    /// list); `known_bad` when their union is already known to fail.
    fn bisect(batches: &[Self], offset: usize, known_bad: bool, out: &mut Vec<usize>) {
        if batches.is_empty() || (!known_bad && Self::verify_union(batches).is_ok()) {
            return;
        }
        if batches.len() == 1 {
            out.push(offset);
            return;
        }
        let mid = batches.len() / 2;
        let left_holds = Self::verify_union(&batches[..mid]).is_ok();
        if !left_holds {
            Self::bisect(&batches[..mid], offset, true, out);
        }
        // The whole fails: if the left holds, the right cannot.
        Self::bisect(&batches[mid..], offset + mid, left_holds, out);
    }
}

/// Which batch of a list fails, and how ([`BatchVerifier::verify_blaming`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blame {
    /// The position of the first batch that fails on its own.
    pub index: usize,
    /// Its error.
    pub error: BatchError,
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
fn add_into(acc: &mut Vec<Fe>, add: &[Fe]) {
    if acc.len() < add.len() {
        acc.resize(add.len(), Fe::ZERO);
    }
    for (a, b) in acc.iter_mut().zip(add) {
        *a += *b;
    }
}

/// `acc[i] += weight · s[i]` for the scalars of one statement, within `capacity`.
fn add_weighted(
    acc: &mut Vec<Fe>,
    weight: &Scaler,
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
            acc.push(Fe::ZERO);
        }
        acc[i] += weight.times(&s);
    }
    Ok(())
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
        let weight = encoding::random_scalar(&mut self.rng);
        let capacity = self.gens.capacity();
        let fixed = Fe::from_scalar(&weight).scaler();
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

    fn append_weighted(
        &mut self,
        _what: &'static str,
        build: impl FnOnce(&Scalar) -> WeightedStatement,
    ) -> Result<(), BatchError> {
        if let Some(e) = self.poisoned {
            return Err(e);
        }
        let weight = encoding::random_scalar(&mut self.rng);
        let st = build(&weight);
        st.check_width(self.gens.capacity())?;
        add_into(&mut self.g, &st.g);
        add_into(&mut self.h, &st.h);
        self.basepoint += st.basepoint;
        self.blinding += st.blinding;
        for (s, p) in st.dynamic {
            self.dynamic_scalars.push(s);
            self.dynamic_points.push(p);
        }
        self.statements += 1;
        Ok(())
    }
}

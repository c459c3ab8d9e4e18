//! The prover: builds the constraint system with every assignment known, then
//! commits to the assignments and proves that they satisfy it.

use crate::constraint_system::{run_phase_two, run_phase_two_measured, Deferred, TwoPhase};
use crate::inner_product::{inner_product, Bases, InnerProductProof};
use crate::proof_point::ProofPoint;
use crate::transcript::TranscriptProtocol;
use crate::weights::{powers, Weights};
use crate::{
    ConstraintSystem, LinearCombination, Metrics, R1csError, R1csProof,
    RandomizableConstraintSystem, Randomizing, Variable,
};
use batch::Generators;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The assignments: wiped when the prover is dropped.
#[derive(Default, Zeroize, ZeroizeOnDrop)]
struct Witness {
    a_l: Vec<Scalar>,
    a_r: Vec<Scalar>,
    a_o: Vec<Scalar>,
    v: Vec<Scalar>,
    v_blinding: Vec<Scalar>,
    /// Which multipliers were allocated with [`ConstraintSystem::allocate_bit_multiplier`]
    /// (public: it follows from the gadgets, not from the values).
    bits: Vec<bool>,
}

/// The prover's constraint system.
///
/// Commit the values with [`Prover::commit`], run the gadgets, then call
/// [`Prover::prove`]. Assignments are zeroized when the prover is dropped.
pub struct Prover<'g, 't> {
    gens: &'g Generators,
    transcript: &'t mut Transcript,
    witness: Witness,
    constraints: Vec<LinearCombination>,
    deferred: Vec<Deferred<Prover<'g, 't>>>,
    /// A multiplier whose left input [`ConstraintSystem::allocate`] assigned last.
    pending: Option<usize>,
    /// The first variable a gadget used that does not exist; `prove` reports it.
    unknown: Option<Variable>,
}

/// The prover as second-phase callbacks see it: it can also draw challenges.
pub type RandomizingProver<'g, 't> = Randomizing<Prover<'g, 't>>;

impl<'g, 't> Prover<'g, 't> {
    /// A prover over `gens` that writes to `transcript`, starting with the R1CS
    /// domain separator.
    pub fn new(gens: &'g Generators, transcript: &'t mut Transcript) -> Self {
        transcript.r1cs_domain_sep();
        Prover {
            gens,
            transcript,
            witness: Witness::default(),
            constraints: Vec::new(),
            deferred: Vec::new(),
            pending: None,
            unknown: None,
        }
    }

    /// Commits to `value` with `blinding`: appends `V = value·B + blinding·B̃` to the
    /// transcript and returns it with the variable that stands for `value`.
    pub fn commit(&mut self, value: Scalar, blinding: Scalar) -> (CompressedRistretto, Variable) {
        let point = pedersen(self.gens, &value, &blinding).compress();
        self.push_commitment(point, value, blinding)
    }

    /// [`Prover::commit`] for a commitment the caller has already made: `point` must be
    /// the compressed `value·B + blinding·B̃` with these generators' bases, and is
    /// appended as it is instead of being computed and compressed again. A `point`
    /// that is not that commitment gives a proof that does not verify (debug builds
    /// check it).
    pub fn commit_with_point(
        &mut self,
        point: CompressedRistretto,
        value: Scalar,
        blinding: Scalar,
    ) -> (CompressedRistretto, Variable) {
        debug_assert_eq!(pedersen(self.gens, &value, &blinding).compress(), point);
        self.push_commitment(point, value, blinding)
    }

    /// Records the opening of `point` and appends it to the transcript.
    fn push_commitment(
        &mut self,
        point: CompressedRistretto,
        value: Scalar,
        blinding: Scalar,
    ) -> (CompressedRistretto, Variable) {
        let index = self.witness.v.len();
        self.witness.v.push(value);
        self.witness.v_blinding.push(blinding);
        self.transcript.append_point(b"V", &point);
        (point, Variable::Committed(index))
    }

    /// Proves the constraint system, drawing blinding factors from a transcript-bound
    /// RNG keyed with the commitments' blindings and seeded from `rng`.
    ///
    /// Fails with [`R1csError::TooFewGenerators`] when the padded multiplier count
    /// exceeds the generators, with [`R1csError::UnknownVariable`] when a gadget used
    /// a variable that was never allocated, and with any error of a second-phase
    /// callback. An unsatisfied constraint is not detected here: the proof will
    /// simply not verify ([`Prover::prove_checked`] detects it).
    pub fn prove<R: RngCore + CryptoRng>(self, rng: &mut R) -> Result<R1csProof, R1csError> {
        self.prove_inner(rng, false)
    }

    /// [`Prover::prove`], but first checking every constraint against the
    /// assignments once the second phase has run (before its commitments, the
    /// polynomial and the inner-product argument are made): an unsatisfied one fails
    /// with [`R1csError::Unsatisfied`] instead of producing a proof that cannot
    /// verify. A satisfied system gets the same proof as from `prove`.
    pub fn prove_checked<R: RngCore + CryptoRng>(
        self,
        rng: &mut R,
    ) -> Result<R1csProof, R1csError> {
        self.prove_inner(rng, true)
    }

    /// A dry run: runs the second phase and checks every constraint against the
    /// assignments, without committing to anything or proving. Returns what each
    /// second-phase callback added, in order.
    ///
    /// The second phase draws its challenges from the transcript as it stands (no
    /// first-phase commitments are appended), so run this on a transcript of its
    /// own. A wrong witness passes a randomized check only with negligible
    /// probability.
    pub fn check(self) -> Result<Vec<Metrics>, R1csError> {
        let (mut prover, added) = run_phase_two_measured(self)?;
        prover.first_unsatisfied(&added)?;
        Ok(added)
    }

    fn prove_inner<R: RngCore + CryptoRng>(
        self,
        rng: &mut R,
        checked: bool,
    ) -> Result<R1csProof, R1csError> {
        let m = self.witness.v.len();
        self.transcript.append_u64(b"m", m as u64);
        let mut rng = {
            let mut builder = self.transcript.build_rng();
            for blinding in &self.witness.v_blinding {
                builder = builder.rekey_with_witness_bytes(b"v_blinding", blinding.as_bytes());
            }
            builder.finalize(rng)
        };

        let n1 = self.witness.a_l.len();
        check_capacity(self.gens, n1)?;
        let phase1 = PhaseCommitments::commit(self.gens, &self.witness, 0..n1, &mut rng);
        self.transcript
            .append_point(b"A_I1", &phase1.a_i.compressed);
        self.transcript
            .append_point(b"A_O1", &phase1.a_o.compressed);
        self.transcript.append_point(b"S1", &phase1.s.compressed);

        let mut prover = if checked {
            let (mut prover, added) = run_phase_two_measured(self)?;
            prover.first_unsatisfied(&added)?;
            prover
        } else {
            run_phase_two(self)?
        };
        if let Some(var) = prover.unknown.take() {
            return Err(R1csError::UnknownVariable(var));
        }
        prover.finish(phase1, &mut rng)
    }

    /// Fails with the first constraint the assignments do not satisfy, naming the
    /// second-phase callback (measured by `added`) that made it.
    fn first_unsatisfied(&mut self, added: &[Metrics]) -> Result<(), R1csError> {
        let constraints = std::mem::take(&mut self.constraints);
        let found = constraints
            .iter()
            .position(|lc| self.eval(lc) != Scalar::ZERO);
        self.constraints = constraints;
        if let Some(var) = self.unknown {
            return Err(R1csError::UnknownVariable(var));
        }
        let Some(index) = found else {
            return Ok(());
        };
        let phase_two_start =
            self.constraints.len() - added.iter().map(|m| m.constraints).sum::<usize>();
        let deferred = index.checked_sub(phase_two_start).map(|offset| {
            let mut end = 0;
            added
                .iter()
                .position(|m| {
                    end += m.constraints;
                    offset < end
                })
                .unwrap_or(added.len())
        });
        Err(R1csError::Unsatisfied { index, deferred })
    }

    /// Everything after the second phase: commitments to the second-phase
    /// assignments, the polynomial `t(x)`, and the inner-product argument.
    fn finish<R: RngCore + CryptoRng>(
        self,
        phase1: PhaseCommitments,
        rng: &mut R,
    ) -> Result<R1csProof, R1csError> {
        let n1 = phase1.s_l.len();
        let n = self.witness.a_l.len();
        let padded_n = n.next_power_of_two();
        check_capacity(self.gens, padded_n)?;
        let phase2 = if n > n1 {
            PhaseCommitments::commit(self.gens, &self.witness, n1..n, rng)
        } else {
            PhaseCommitments::empty()
        };
        let transcript = &mut *self.transcript;
        transcript.append_point(b"A_I2", &phase2.a_i.compressed);
        transcript.append_point(b"A_O2", &phase2.a_o.compressed);
        transcript.append_point(b"S2", &phase2.s.compressed);
        let y = transcript.challenge_scalar(b"y");
        let z = transcript.challenge_scalar(b"z");

        let [w_l, w_r, w_o, w_v] =
            Weights::flatten(&self.constraints, &z, &Scalar::ONE, n, self.witness.v.len())?
                .to_scalars();
        let weights = ScalarWeights { w_l, w_r, w_o, w_v };
        let y_pow = powers(&y, padded_n);
        let y_inv_pow = powers(&y.invert(), padded_n);
        let polys = Polynomials::new(
            &self.witness,
            &weights,
            &phase1,
            &phase2,
            &y_pow,
            &y_inv_pow,
        );
        // The coefficients of t(x) are secret (only t(x) itself is revealed).
        let t = Zeroizing::new(polys.t_coefficients());

        let mut t_blinding = TBlinding::random(rng);
        t_blinding.t[1] = inner_product(&weights.w_v, &self.witness.v_blinding);
        let t_points: [ProofPoint; 5] = [1, 3, 4, 5, 6]
            .map(|i| ProofPoint::from_point(pedersen(self.gens, &t[i], &t_blinding.t[i - 1])));
        for (label, p) in [b"T_1", b"T_3", b"T_4", b"T_5", b"T_6"]
            .iter()
            .zip(&t_points)
        {
            transcript.append_point(*label, &p.compressed);
        }
        let u = transcript.challenge_scalar(b"u");
        let x = transcript.challenge_scalar(b"x");

        let t_x = eval_t(&t[1..], &x);
        let t_x_blinding = eval_t(&t_blinding.t, &x);
        let e_blinding = phase1.e_blinding(&phase2, &u, &x);
        transcript.append_scalar(b"t_x", &t_x);
        transcript.append_scalar(b"t_x_blinding", &t_x_blinding);
        transcript.append_scalar(b"e_blinding", &e_blinding);
        let w = transcript.challenge_scalar(b"w");

        let (l_vec, r_vec) = polys.evaluate(&x, &y_pow, padded_n);
        let g_factors: Vec<Scalar> = (0..padded_n)
            .map(|i| if i < n1 { Scalar::ONE } else { u })
            .collect();
        let h_factors: Vec<Scalar> = y_inv_pow
            .iter()
            .zip(&g_factors)
            .map(|(a, b)| a * b)
            .collect();
        let q = w * self.gens.b();
        let ipp = InnerProductProof::prove(
            transcript,
            Bases {
                q: &q,
                g_factors: &g_factors,
                h_factors: &h_factors,
                g: &self.gens.g()[..padded_n],
                h: &self.gens.h()[..padded_n],
            },
            l_vec,
            r_vec,
        );

        let [t_1, t_3, t_4, t_5, t_6] = t_points;
        let two_phase_layout = R1csProof::has_second_phase(&phase2.a_i, &phase2.a_o, &phase2.s);
        Ok(R1csProof {
            a_i1: phase1.a_i,
            a_o1: phase1.a_o,
            s1: phase1.s,
            a_i2: phase2.a_i,
            a_o2: phase2.a_o,
            s2: phase2.s,
            t_1,
            t_3,
            t_4,
            t_5,
            t_6,
            t_x,
            t_x_blinding,
            e_blinding,
            ipp,
            two_phase_layout,
        })
    }

    /// The value of `var`, or zero (remembering the error) if it was never allocated.
    fn value(&mut self, var: Variable) -> Scalar {
        let w = &self.witness;
        let found = match var {
            Variable::MultiplierLeft(i) => w.a_l.get(i),
            Variable::MultiplierRight(i) => w.a_r.get(i),
            Variable::MultiplierOutput(i) => w.a_o.get(i),
            Variable::Committed(i) => w.v.get(i),
            Variable::One => return Scalar::ONE,
        };
        match found {
            Some(s) => *s,
            None => {
                self.unknown.get_or_insert(var);
                Scalar::ZERO
            }
        }
    }

    /// The value of `lc` under the assignments.
    fn eval(&mut self, lc: &LinearCombination) -> Scalar {
        lc.terms().iter().map(|(var, c)| c * self.value(*var)).sum()
    }

    fn push_multiplier(&mut self, l: Scalar, r: Scalar) -> (Variable, Variable, Variable) {
        let i = self.witness.a_l.len();
        self.witness.a_l.push(l);
        self.witness.a_r.push(r);
        self.witness.a_o.push(l * r);
        self.witness.bits.push(false);
        (
            Variable::MultiplierLeft(i),
            Variable::MultiplierRight(i),
            Variable::MultiplierOutput(i),
        )
    }
}

impl ConstraintSystem for Prover<'_, '_> {
    fn transcript(&mut self) -> &mut Transcript {
        self.transcript
    }

    fn multiply(
        &mut self,
        mut left: LinearCombination,
        mut right: LinearCombination,
    ) -> (Variable, Variable, Variable) {
        let l = self.eval(&left);
        let r = self.eval(&right);
        let (l_var, r_var, o_var) = self.push_multiplier(l, r);
        left -= l_var;
        right -= r_var;
        self.constrain(left);
        self.constrain(right);
        (l_var, r_var, o_var)
    }

    fn allocate(&mut self, assignment: Option<Scalar>) -> Result<Variable, R1csError> {
        let value = assignment.ok_or(R1csError::MissingAssignment)?;
        match self.pending.take() {
            Some(i) => {
                let w = &mut self.witness;
                w.a_r[i] = value;
                w.a_o[i] = w.a_l[i] * value;
                Ok(Variable::MultiplierRight(i))
            }
            None => {
                let (l_var, _, _) = self.push_multiplier(value, Scalar::ZERO);
                self.pending = Some(self.witness.a_l.len() - 1);
                Ok(l_var)
            }
        }
    }

    fn allocate_multiplier(
        &mut self,
        assignments: Option<(Scalar, Scalar)>,
    ) -> Result<(Variable, Variable, Variable), R1csError> {
        let (l, r) = assignments.ok_or(R1csError::MissingAssignment)?;
        Ok(self.push_multiplier(l, r))
    }

    fn allocate_bit_multiplier(
        &mut self,
        assignments: Option<(Scalar, Scalar)>,
    ) -> Result<(Variable, Variable, Variable), R1csError> {
        let vars = self.allocate_multiplier(assignments)?;
        if let Some(bit) = self.witness.bits.last_mut() {
            *bit = true;
        }
        Ok(vars)
    }

    fn metrics(&self) -> Metrics {
        Metrics {
            multipliers: self.witness.a_l.len(),
            constraints: self.constraints.len() + self.deferred.len(),
            phase_one_constraints: self.constraints.len(),
            phase_two_constraints: self.deferred.len(),
        }
    }

    fn constrain(&mut self, lc: LinearCombination) {
        self.constraints.push(lc);
    }
}

impl TwoPhase for Prover<'_, '_> {
    fn end_phase_one(&mut self) -> Vec<Deferred<Self>> {
        self.pending = None;
        std::mem::take(&mut self.deferred)
    }
}

impl<'g, 't> RandomizableConstraintSystem for Prover<'g, 't> {
    type RandomizedCS = RandomizingProver<'g, 't>;

    fn specify_randomized_constraints<F>(&mut self, callback: F) -> Result<(), R1csError>
    where
        F: 'static + FnOnce(&mut Self::RandomizedCS) -> Result<(), R1csError>,
    {
        self.deferred.push(Box::new(callback));
        Ok(())
    }
}

impl std::fmt::Debug for Prover<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prover")
            .field("commitments", &self.witness.v.len())
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

fn check_capacity(gens: &Generators, needed: usize) -> Result<(), R1csError> {
    if needed > gens.capacity() {
        return Err(R1csError::TooFewGenerators {
            needed,
            capacity: gens.capacity(),
        });
    }
    Ok(())
}

/// `value·B + blinding·B̃`, in constant time.
fn pedersen(gens: &Generators, value: &Scalar, blinding: &Scalar) -> RistrettoPoint {
    gens.pedersen.commit(*value, *blinding)
}

/// One phase's commitments `A_I`, `A_O`, `S` and the secrets behind them.
#[derive(ZeroizeOnDrop)]
struct PhaseCommitments {
    #[zeroize(skip)]
    a_i: ProofPoint,
    #[zeroize(skip)]
    a_o: ProofPoint,
    #[zeroize(skip)]
    s: ProofPoint,
    i_blinding: Scalar,
    o_blinding: Scalar,
    s_blinding: Scalar,
    s_l: Vec<Scalar>,
    s_r: Vec<Scalar>,
}

impl PhaseCommitments {
    /// Commits, in constant time, to the multipliers in `range`:
    /// `A_I = ⟨a_L, G⟩ + ⟨a_R, H⟩ + ĩ·B̃`, `A_O = ⟨a_O, G⟩ + õ·B̃`,
    /// `S = ⟨s_L, G⟩ + ⟨s_R, H⟩ + s̃·B̃` for fresh random `s_L`, `s_R`.
    fn commit<R: RngCore + CryptoRng>(
        gens: &Generators,
        w: &Witness,
        range: std::ops::Range<usize>,
        rng: &mut R,
    ) -> Self {
        let i_blinding = encoding::random_scalar(rng);
        let o_blinding = encoding::random_scalar(rng);
        let s_blinding = encoding::random_scalar(rng);
        let s_l: Vec<Scalar> = range
            .clone()
            .map(|_| encoding::random_scalar(rng))
            .collect();
        let s_r: Vec<Scalar> = range
            .clone()
            .map(|_| encoding::random_scalar(rng))
            .collect();
        let g = &gens.g()[range.clone()];
        let h = &gens.h()[range.clone()];
        let b_blinding = [gens.b_blinding()];
        let gh: Vec<RistrettoPoint> = b_blinding.iter().chain(g).chain(h).copied().collect();
        let s_scalars = Zeroizing::new(
            [s_blinding]
                .iter()
                .chain(&s_l)
                .chain(&s_r)
                .copied()
                .collect::<Vec<Scalar>>(),
        );
        let ((a_i, a_o), s) = rayon::join(
            || InputCommitments::new(gens, w, range, &i_blinding, &o_blinding).commit(),
            || batch::msm::multiscalar_mul(&s_scalars, &gh),
        );
        PhaseCommitments {
            a_i: ProofPoint::from_point(a_i),
            a_o: ProofPoint::from_point(a_o),
            s: ProofPoint::from_point(s),
            i_blinding,
            o_blinding,
            s_blinding,
            s_l,
            s_r,
        }
    }

    /// No second phase: identity points, zero blindings.
    fn empty() -> Self {
        PhaseCommitments {
            a_i: ProofPoint::identity(),
            a_o: ProofPoint::identity(),
            s: ProofPoint::identity(),
            i_blinding: Scalar::ZERO,
            o_blinding: Scalar::ZERO,
            s_blinding: Scalar::ZERO,
            s_l: Vec::new(),
            s_r: Vec::new(),
        }
    }

    /// `ẽ = x·(ĩ₁ + u·ĩ₂) + x²·(õ₁ + u·õ₂) + x³·(s̃₁ + u·s̃₂)`.
    fn e_blinding(&self, phase2: &Self, u: &Scalar, x: &Scalar) -> Scalar {
        let i = self.i_blinding + u * phase2.i_blinding;
        let o = self.o_blinding + u * phase2.o_blinding;
        let s = self.s_blinding + u * phase2.s_blinding;
        x * (i + x * (o + x * s))
    }
}

/// The scalars and points of `A_I` and `A_O` for one phase. Bit multipliers (see
/// [`ConstraintSystem::allocate_bit_multiplier`]) are left out of the multiplications
/// and summed by selection, when every one of them keeps its promise.
struct InputCommitments {
    a_scalars: Zeroizing<Vec<Scalar>>,
    a_points: Vec<RistrettoPoint>,
    /// How many of the leading `a_points` (the blinding base and the `Gᵢ`) `A_O` uses.
    o_len: usize,
    o_scalars: Zeroizing<Vec<Scalar>>,
    /// `Σ (1 - bᵢ)·Gᵢ + bᵢ·Hᵢ` over the bit multipliers: unblinded, so wiped on drop.
    bits_sum: RistrettoPoint,
}

impl Drop for InputCommitments {
    fn drop(&mut self) {
        self.bits_sum.zeroize();
    }
}

impl InputCommitments {
    fn new(
        gens: &Generators,
        w: &Witness,
        range: std::ops::Range<usize>,
        i_blinding: &Scalar,
        o_blinding: &Scalar,
    ) -> Self {
        let (full, bits_sum): (Vec<usize>, _) = match bits_sum(gens, w, range.clone()) {
            Some(sum) => (range.filter(|&i| !w.bits[i]).collect(), sum),
            None => (range.collect(), RistrettoPoint::identity()),
        };
        let (g, h) = (gens.g(), gens.h());
        let a_points = std::iter::once(gens.b_blinding())
            .chain(full.iter().map(|&i| g[i]))
            .chain(full.iter().map(|&i| h[i]))
            .collect();
        let a_scalars = std::iter::once(*i_blinding)
            .chain(full.iter().map(|&i| w.a_l[i]))
            .chain(full.iter().map(|&i| w.a_r[i]))
            .collect();
        let o_scalars = std::iter::once(*o_blinding)
            .chain(full.iter().map(|&i| w.a_o[i]))
            .collect();
        InputCommitments {
            a_scalars: Zeroizing::new(a_scalars),
            a_points,
            o_len: full.len() + 1,
            o_scalars: Zeroizing::new(o_scalars),
            bits_sum,
        }
    }

    /// `(A_I, A_O)`, in constant time.
    fn commit(&self) -> (RistrettoPoint, RistrettoPoint) {
        rayon::join(
            || batch::msm::multiscalar_mul(&self.a_scalars, &self.a_points) + self.bits_sum,
            || batch::msm::multiscalar_mul(&self.o_scalars, &self.a_points[..self.o_len]),
        )
    }
}

/// `Σ aₗᵢ·Gᵢ + aᵣᵢ·Hᵢ` over the bit multipliers in `range`, each one selection and one
/// addition, or `None` if one of them is not assigned `(1 - b, b)` with output 0. The
/// check and the sum run in constant time; only its outcome (a broken promise, so a
/// gadget's bug) is revealed by taking the other path.
fn bits_sum(
    gens: &Generators,
    w: &Witness,
    range: std::ops::Range<usize>,
) -> Option<RistrettoPoint> {
    let (g, h) = (gens.g(), gens.h());
    let mut kept = Choice::from(1);
    let mut sum = RistrettoPoint::identity();
    for i in range.filter(|&i| w.bits[i]) {
        let left_is_one = w.a_l[i].ct_eq(&Scalar::ONE);
        let is_bit = left_is_one | w.a_l[i].ct_eq(&Scalar::ZERO);
        let sums_to_one = (w.a_l[i] + w.a_r[i]).ct_eq(&Scalar::ONE);
        kept &= is_bit & sums_to_one & w.a_o[i].ct_eq(&Scalar::ZERO);
        sum += RistrettoPoint::conditional_select(&h[i], &g[i], left_is_one);
    }
    bool::from(kept).then_some(sum)
}

/// The blindings of `t₁ … t₆` (index `i - 1` for `tᵢ`; `t₂`'s is set by the caller).
#[derive(Zeroize, ZeroizeOnDrop)]
struct TBlinding {
    t: [Scalar; 6],
}

impl TBlinding {
    fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut t = [Scalar::ZERO; 6];
        for (i, s) in t.iter_mut().enumerate() {
            if i != 1 {
                *s = encoding::random_scalar(rng);
            }
        }
        TBlinding { t }
    }
}

/// `x·(c₁ + x·(c₂ + … + x·c₆))` for `c = [c₁, …, c₆]`.
fn eval_t(c: &[Scalar], x: &Scalar) -> Scalar {
    c.iter().rev().fold(Scalar::ZERO, |acc, ci| x * (ci + acc))
}

/// The flattened weights as scalars (the prover needs few products of them).
struct ScalarWeights {
    w_l: Vec<Scalar>,
    w_r: Vec<Scalar>,
    w_o: Vec<Scalar>,
    w_v: Vec<Scalar>,
}

/// The vector polynomials `l(x) = l₁x + l₂x² + l₃x³` and `r(x) = r₀ + r₁x + r₃x³`.
#[derive(Zeroize, ZeroizeOnDrop)]
struct Polynomials {
    l1: Vec<Scalar>,
    l2: Vec<Scalar>,
    l3: Vec<Scalar>,
    r0: Vec<Scalar>,
    r1: Vec<Scalar>,
    r3: Vec<Scalar>,
}

impl Polynomials {
    /// `l₁ = a_L + y⁻ⁿ∘w_R`, `l₂ = a_O`, `l₃ = s_L`,
    /// `r₀ = w_O − yⁿ`, `r₁ = yⁿ∘a_R + w_L`, `r₃ = yⁿ∘s_R`.
    fn new(
        w: &Witness,
        weights: &ScalarWeights,
        phase1: &PhaseCommitments,
        phase2: &PhaseCommitments,
        y_pow: &[Scalar],
        y_inv_pow: &[Scalar],
    ) -> Self {
        let n = w.a_l.len();
        let s_l = phase1.s_l.iter().chain(&phase2.s_l);
        let s_r = phase1.s_r.iter().chain(&phase2.s_r);
        let mut p = Polynomials {
            l1: Vec::with_capacity(n),
            l2: w.a_o.clone(),
            l3: s_l.copied().collect(),
            r0: Vec::with_capacity(n),
            r1: Vec::with_capacity(n),
            r3: Vec::with_capacity(n),
        };
        for (i, sr) in s_r.enumerate().take(n) {
            p.l1.push(w.a_l[i] + y_inv_pow[i] * weights.w_r[i]);
            p.r0.push(weights.w_o[i] - y_pow[i]);
            p.r1.push(y_pow[i] * w.a_r[i] + weights.w_l[i]);
            p.r3.push(y_pow[i] * sr);
        }
        p
    }

    /// `[0, t₁, t₂, t₃, t₄, t₅, t₆]`, the coefficients of `⟨l(x), r(x)⟩` (`t₀ = 0`).
    fn t_coefficients(&self) -> [Scalar; 7] {
        let ip = inner_product;
        [
            Scalar::ZERO,
            ip(&self.l1, &self.r0),
            ip(&self.l1, &self.r1) + ip(&self.l2, &self.r0),
            ip(&self.l2, &self.r1) + ip(&self.l3, &self.r0),
            ip(&self.l1, &self.r3) + ip(&self.l3, &self.r1),
            ip(&self.l2, &self.r3),
            ip(&self.l3, &self.r3),
        ]
    }

    /// `l(x)` and `r(x)` padded to `padded_n`: the padding multipliers are `0·0 = 0`,
    /// which makes `l` zero there and `r` equal to `−yⁱ`.
    fn evaluate(
        &self,
        x: &Scalar,
        y_pow: &[Scalar],
        padded_n: usize,
    ) -> (Vec<Scalar>, Vec<Scalar>) {
        let n = self.l1.len();
        let mut l = Vec::with_capacity(padded_n);
        let mut r = Vec::with_capacity(padded_n);
        for i in 0..n {
            l.push(x * (self.l1[i] + x * (self.l2[i] + x * self.l3[i])));
            r.push(self.r0[i] + x * (self.r1[i] + x * x * self.r3[i]));
        }
        for yi in &y_pow[n..padded_n] {
            l.push(Scalar::ZERO);
            r.push(-yi);
        }
        (l, r)
    }
}

//! The verifier: rebuilds the constraint system without assignments, replays the
//! transcript, and hands the proof's verification equation to a
//! [`BatchVerification`].

use crate::constraint_system::{run_phase_two, run_phase_two_measured, Deferred, TwoPhase};
use crate::inner_product::VerificationScalars;
use crate::proof_point::ProofPoint;
use crate::transcript::TranscriptProtocol;
use crate::weights::Weights;
use crate::{
    ConstraintSystem, LinearCombination, Metrics, R1csError, R1csProof,
    RandomizableConstraintSystem, Randomizing, Variable,
};
use batch::field::Fe;
use batch::{BatchError, BatchVerification, Generators, SingleVerifier, WeightedStatement};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use merlin::Transcript;
use rand_core::OsRng;

/// The verifier's constraint system.
///
/// Commit the same points in the same order as the prover with
/// [`Verifier::commit`], run the same gadgets, then call [`Verifier::verify`] or
/// [`Verifier::verify_batched`].
pub struct Verifier<'t> {
    transcript: &'t mut Transcript,
    commitments: Vec<CompressedRistretto>,
    constraints: Vec<LinearCombination>,
    deferred: Vec<Deferred<Verifier<'t>>>,
    multipliers: usize,
    /// A multiplier whose left input [`ConstraintSystem::allocate`] created last.
    pending: Option<usize>,
}

/// The verifier as second-phase callbacks see it: it can also draw challenges.
pub type RandomizingVerifier<'t> = Randomizing<Verifier<'t>>;

impl<'t> Verifier<'t> {
    /// A verifier reading `transcript`, starting with the R1CS domain separator.
    pub fn new(transcript: &'t mut Transcript) -> Self {
        transcript.r1cs_domain_sep();
        Verifier {
            transcript,
            commitments: Vec::new(),
            constraints: Vec::new(),
            deferred: Vec::new(),
            multipliers: 0,
            pending: None,
        }
    }

    /// Appends a commitment to the transcript and returns the variable for its value.
    /// The point is decoded only when the proof is verified; an invalid encoding then
    /// fails with [`R1csError::InvalidCommitment`].
    pub fn commit(&mut self, commitment: CompressedRistretto) -> Variable {
        let index = self.commitments.len();
        self.transcript.append_point(b"V", &commitment);
        self.commitments.push(commitment);
        Variable::Committed(index)
    }

    /// Runs the second phase without a proof and returns what each second-phase
    /// callback added (multipliers and constraints), in order: the shape of the
    /// system, for tools. The challenges come from the transcript as it stands, so
    /// run this on a transcript of its own.
    pub fn measure(self) -> Result<Vec<Metrics>, R1csError> {
        run_phase_two_measured(self).map(|(_, added)| added)
    }

    /// Checks `proof` at once against `gens`.
    pub fn verify(self, proof: &R1csProof, gens: &Generators) -> Result<(), R1csError> {
        self.verify_batched(proof, &mut SingleVerifier::new(gens))
    }

    /// Replays the protocol and hands its verification equation to `batch` as one
    /// statement. With a batch that defers the check, `Ok` means only that the
    /// statement was recorded.
    pub fn verify_batched(
        self,
        proof: &R1csProof,
        batch: &mut impl BatchVerification,
    ) -> Result<(), R1csError> {
        let m = self.commitments.len();
        self.transcript.append_u64(b"m", m as u64);
        self.transcript
            .validate_and_append_point(b"A_I1", &proof.a_i1.compressed)?;
        self.transcript
            .validate_and_append_point(b"A_O1", &proof.a_o1.compressed)?;
        self.transcript
            .validate_and_append_point(b"S1", &proof.s1.compressed)?;
        let n1 = self.multipliers;

        let verifier = run_phase_two(self)?;
        let n = verifier.multipliers;
        let padded_n = n.next_power_of_two();
        let capacity = batch.generators().capacity();
        if padded_n > capacity {
            return Err(R1csError::TooFewGenerators {
                needed: padded_n,
                capacity,
            });
        }
        let transcript = &mut *verifier.transcript;
        let (y, z, u, x, w) = replay_after_phase_two(transcript, proof)?;

        // Left and right weights only ever appear multiplied by x.
        let weights = Weights::flatten(&verifier.constraints, &z, &x, n, m)?;
        let (ipp, y_inv) = proof.ipp.verification_scalars(padded_n, transcript, &y)?;
        // Weighs the t(x) check against the inner-product check. Drawn from the
        // transcript and fresh entropy, like the protocol's verifier.
        let r = encoding::random_scalar(&mut transcript.build_rng().finalize(&mut OsRng));
        let commitments = decompress_all(&verifier.commitments)?;
        let points = ProofPoints::of(proof)?;

        let challenges = Challenges { y_inv, u, x, w, r };
        batch
            .append_weighted("r1cs proof", |weight| {
                let parts = Parts {
                    proof,
                    points: &points,
                    weights: &weights,
                    ipp: &ipp,
                    commitments: &commitments,
                    c: &challenges,
                };
                parts.statement(weight, n1, padded_n)
            })
            .map_err(|e| match e {
                BatchError::TooManyGenerators { needed, capacity } => {
                    R1csError::TooFewGenerators { needed, capacity }
                }
                BatchError::StatementFailed { .. } | BatchError::BatchFailed => {
                    R1csError::VerificationFailed
                }
            })
    }

    fn next_multiplier(&mut self) -> (Variable, Variable, Variable) {
        let i = self.multipliers;
        self.multipliers += 1;
        (
            Variable::MultiplierLeft(i),
            Variable::MultiplierRight(i),
            Variable::MultiplierOutput(i),
        )
    }
}

/// Appends the second-phase commitments, the `T`s and the scalars of `proof`,
/// drawing the challenges `y, z, u, x, w` in protocol order.
fn replay_after_phase_two(
    transcript: &mut Transcript,
    proof: &R1csProof,
) -> Result<(Scalar, Scalar, Scalar, Scalar, Scalar), R1csError> {
    // Never validated: they are the identity in a one-phase proof.
    transcript.append_point(b"A_I2", &proof.a_i2.compressed);
    transcript.append_point(b"A_O2", &proof.a_o2.compressed);
    transcript.append_point(b"S2", &proof.s2.compressed);
    let y = transcript.challenge_scalar(b"y");
    let z = transcript.challenge_scalar(b"z");
    let labels = [b"T_1", b"T_3", b"T_4", b"T_5", b"T_6"];
    for (label, t) in labels.iter().zip(proof.t_points()) {
        transcript.validate_and_append_point(*label, &t.compressed)?;
    }
    let u = transcript.challenge_scalar(b"u");
    let x = transcript.challenge_scalar(b"x");
    transcript.append_scalar(b"t_x", &proof.t_x);
    transcript.append_scalar(b"t_x_blinding", &proof.t_x_blinding);
    transcript.append_scalar(b"e_blinding", &proof.e_blinding);
    let w = transcript.challenge_scalar(b"w");
    Ok((y, z, u, x, w))
}

/// The challenges the equation uses, and the verifier's own weight `r`.
struct Challenges {
    /// `y⁻¹` (only the inverse of `y` is used after the weights are flattened).
    y_inv: Scalar,
    u: Scalar,
    x: Scalar,
    w: Scalar,
    r: Scalar,
}

/// The proof's points, each decompressed once for the verification equation.
struct ProofPoints {
    /// `A_I1, A_O1, S1`.
    phase_one: [RistrettoPoint; 3],
    /// `A_I2, A_O2, S2`; `None` for the identity, which adds nothing (one-phase
    /// proofs have only identities here).
    phase_two: [Option<RistrettoPoint>; 3],
    /// `T_1, T_3, T_4, T_5, T_6`.
    t: [RistrettoPoint; 5],
    /// Each inner-product round's `L` and `R`.
    rounds: Vec<(RistrettoPoint, RistrettoPoint)>,
}

impl ProofPoints {
    /// Decompresses every point of `proof`, naming the first invalid one.
    fn of(proof: &R1csProof) -> Result<ProofPoints, R1csError> {
        let second = |p: &ProofPoint, what| {
            (!p.compressed.is_identity())
                .then(|| p.point(what))
                .transpose()
        };
        let [t_1, t_3, t_4, t_5, t_6] = proof.t_points();
        Ok(ProofPoints {
            phase_one: [
                proof.a_i1.point("A_I1")?,
                proof.a_o1.point("A_O1")?,
                proof.s1.point("S1")?,
            ],
            phase_two: [
                second(&proof.a_i2, "A_I2")?,
                second(&proof.a_o2, "A_O2")?,
                second(&proof.s2, "S2")?,
            ],
            t: [
                t_1.point("T_1")?,
                t_3.point("T_3")?,
                t_4.point("T_4")?,
                t_5.point("T_5")?,
                t_6.point("T_6")?,
            ],
            rounds: proof
                .ipp
                .rounds
                .iter()
                .map(|(l, r)| Ok((l.point("L")?, r.point("R")?)))
                .collect::<Result<_, R1csError>>()?,
        })
    }
}

/// What the verification equation is made of.
struct Parts<'a> {
    proof: &'a R1csProof,
    points: &'a ProofPoints,
    weights: &'a Weights,
    ipp: &'a VerificationScalars,
    commitments: &'a [RistrettoPoint],
    c: &'a Challenges,
}

impl Parts<'_> {
    /// The verification equation
    /// `0 = a·B + b·B̃ + Σ gᵢ·Gᵢ + Σ hᵢ·Hᵢ + (terms on proof points)`, every scalar
    /// multiplied by `weight`.
    fn statement(&self, weight: &Scalar, n1: usize, padded_n: usize) -> WeightedStatement {
        let (g, h, xx_delta) = self.generator_scalars(weight, n1, padded_n);
        let (proof, c) = (self.proof, self.c);
        let xx = c.x * c.x;
        let (a, b) = (proof.ipp.a, proof.ipp.b);
        let unweighted =
            c.w * (proof.t_x - a * b) + c.r * (xx * self.weights.w_c.to_scalar() - proof.t_x);
        WeightedStatement {
            basepoint: weight * unweighted + c.r * xx_delta.to_scalar(),
            blinding: weight * (-proof.e_blinding - c.r * proof.t_x_blinding),
            g,
            h,
            dynamic: self.dynamic_terms(weight),
        }
    }

    /// The scalars of `Gᵢ` and `Hᵢ` times `ω = weight`, in one pass, and `ω·x²·δ`.
    ///
    /// With `yᵢ⁻¹ = y⁻ⁱ`, `fᵢ = 1` for first-phase multipliers and `u` after, and the
    /// weights `x·w_L`, `x·w_R` as flattened:
    /// `gᵢ = ω·fᵢ·(yᵢ⁻¹·x·w_R,ᵢ − a·sᵢ)`,
    /// `hᵢ = ω·fᵢ·(yᵢ⁻¹·(x·w_L,ᵢ + w_O,ᵢ − b·s_{n⁺−1−i}) − 1)`,
    /// `x²·δ = ⟨y⁻ⁿ∘x·w_R, x·w_L⟩`. The weight rides on `yᵢ⁻¹` and `a` for free.
    fn generator_scalars(
        &self,
        weight: &Scalar,
        n1: usize,
        padded_n: usize,
    ) -> (Vec<Fe>, Vec<Fe>, Fe) {
        let (proof, weights) = (self.proof, self.weights);
        let omega = Fe::from_scalar(weight);
        let a_s = self.ipp.s_times(Fe::from_scalar(&proof.ipp.a) * omega);
        let b_s = self.ipp.s_times(Fe::from_scalar(&proof.ipp.b));
        let u = Fe::from_scalar(&self.c.u);
        let y_inv = Fe::from_scalar(&self.c.y_inv);
        let n = weights.w_l.len();
        let mut g = Vec::with_capacity(padded_n);
        let mut h = Vec::with_capacity(padded_n);
        let mut xx_delta = Fe::ZERO;
        // ω·y⁻ⁱ
        let mut w_y_inv_i = omega;
        for i in 0..padded_n {
            let b_s_inv = b_s[padded_n - 1 - i];
            let (gi, hi) = if i < n {
                let w_y_inv_x_w_r = w_y_inv_i * weights.w_r[i];
                xx_delta += w_y_inv_x_w_r * weights.w_l[i];
                (
                    w_y_inv_x_w_r - a_s[i],
                    w_y_inv_i * (weights.w_l[i] + weights.w_o[i] - b_s_inv) - omega,
                )
            } else {
                (-a_s[i], -(w_y_inv_i * b_s_inv) - omega)
            };
            let (gi, hi) = if i < n1 { (gi, hi) } else { (u * gi, u * hi) };
            g.push(gi);
            h.push(hi);
            w_y_inv_i *= y_inv;
        }
        (g, h, xx_delta)
    }

    /// The terms on points other than the fixed bases, times `weight`: the phase
    /// commitments, the value commitments, the `T`s and the inner-product `L`s and
    /// `R`s.
    fn dynamic_terms(&self, weight: &Scalar) -> Vec<(Scalar, RistrettoPoint)> {
        let (points, c, ipp) = (self.points, self.c, self.ipp);
        let x = weight * c.x;
        let xx = x * c.x;
        let xxx = xx * c.x;
        let rx = c.r * x;
        let rxx = rx * c.x;
        let mut terms = Vec::with_capacity(11 + self.commitments.len() + 2 * ipp.u_sq.len());
        terms.extend([x, xx, xxx].into_iter().zip(points.phase_one));
        terms.extend(
            [c.u * x, c.u * xx, c.u * xxx]
                .into_iter()
                .zip(points.phase_two)
                .filter_map(|(s, p)| Some((s, p?))),
        );
        let rxx_fe = Fe::from_scalar(&rxx);
        terms.extend(
            self.weights
                .w_v
                .iter()
                .zip(self.commitments)
                .map(|(wv, v)| ((*wv * rxx_fe).to_scalar(), *v)),
        );
        let cx = c.x;
        let t_scalars = [
            rx,
            rxx * cx,
            rxx * cx * cx,
            rxx * cx * cx * cx,
            rxx * cx * cx * cx * cx,
        ];
        terms.extend(t_scalars.into_iter().zip(points.t));
        for ((l, r), (u_sq, u_inv_sq)) in
            points.rounds.iter().zip(ipp.u_sq.iter().zip(&ipp.u_inv_sq))
        {
            terms.push((weight * u_sq, *l));
            terms.push((weight * u_inv_sq, *r));
        }
        terms
    }
}

/// Decodes the value commitments, naming the first invalid one.
fn decompress_all(commitments: &[CompressedRistretto]) -> Result<Vec<RistrettoPoint>, R1csError> {
    commitments
        .iter()
        .enumerate()
        .map(|(index, c)| c.decompress().ok_or(R1csError::InvalidCommitment { index }))
        .collect()
}

impl ConstraintSystem for Verifier<'_> {
    fn transcript(&mut self) -> &mut Transcript {
        self.transcript
    }

    fn multiply(
        &mut self,
        mut left: LinearCombination,
        mut right: LinearCombination,
    ) -> (Variable, Variable, Variable) {
        let (l_var, r_var, o_var) = self.next_multiplier();
        left -= l_var;
        right -= r_var;
        self.constrain(left);
        self.constrain(right);
        (l_var, r_var, o_var)
    }

    fn allocate(&mut self, _assignment: Option<Scalar>) -> Result<Variable, R1csError> {
        match self.pending.take() {
            Some(i) => Ok(Variable::MultiplierRight(i)),
            None => {
                let (l_var, _, _) = self.next_multiplier();
                self.pending = Some(self.multipliers - 1);
                Ok(l_var)
            }
        }
    }

    fn allocate_multiplier(
        &mut self,
        _assignments: Option<(Scalar, Scalar)>,
    ) -> Result<(Variable, Variable, Variable), R1csError> {
        Ok(self.next_multiplier())
    }

    fn metrics(&self) -> Metrics {
        Metrics {
            multipliers: self.multipliers,
            constraints: self.constraints.len() + self.deferred.len(),
            phase_one_constraints: self.constraints.len(),
            phase_two_constraints: self.deferred.len(),
        }
    }

    fn constrain(&mut self, lc: LinearCombination) {
        self.constraints.push(lc);
    }
}

impl TwoPhase for Verifier<'_> {
    fn end_phase_one(&mut self) -> Vec<Deferred<Self>> {
        self.pending = None;
        std::mem::take(&mut self.deferred)
    }
}

impl<'t> RandomizableConstraintSystem for Verifier<'t> {
    type RandomizedCS = RandomizingVerifier<'t>;

    fn specify_randomized_constraints<F>(&mut self, callback: F) -> Result<(), R1csError>
    where
        F: 'static + FnOnce(&mut Self::RandomizedCS) -> Result<(), R1csError>,
    {
        self.deferred.push(Box::new(callback));
        Ok(())
    }
}

impl std::fmt::Debug for Verifier<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("commitments", &self.commitments.len())
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

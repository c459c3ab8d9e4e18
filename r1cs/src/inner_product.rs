//! The inner-product argument: a proof that `P = ⟨a, G'⟩ + ⟨b, H'⟩ + ⟨a, b⟩·Q` for
//! secret vectors `a`, `b`, in `2·log₂ n` points and two scalars.
//!
//! Each round halves the vectors: the prover sends the cross terms `L`, `R`, draws a
//! challenge `u` and folds `a`, `b`, `G'`, `H'` with `u` and `u⁻¹`. The verifier never
//! folds: it expands the fold into one scalar `sᵢ` per generator (see
//! [`InnerProductProof::verification_scalars`]) and checks everything in one
//! multiscalar multiplication.

use crate::proof_point::ProofPoint;
use crate::transcript::TranscriptProtocol;
use crate::R1csError;
use batch::field::Fe;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use merlin::Transcript;
use rayon::prelude::*;
use zeroize::{Zeroize, Zeroizing};

/// The argument: one `(L, R)` pair per round, then the folded scalars `a`, `b`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InnerProductProof {
    /// The `(L, R)` pairs in the order the rounds ran.
    pub(crate) rounds: Vec<(ProofPoint, ProofPoint)>,
    /// `a` folded to one element.
    pub(crate) a: Scalar,
    /// `b` folded to one element.
    pub(crate) b: Scalar,
}

/// What the verifier needs of an argument: per-round challenge squares and what
/// expands all folds into one scalar per generator.
pub(crate) struct VerificationScalars {
    /// `uⱼ²`, in round order.
    pub(crate) u_sq: Vec<Scalar>,
    /// `uⱼ⁻²`, in round order.
    pub(crate) u_inv_sq: Vec<Scalar>,
    /// `uⱼ²` in Montgomery form, for the recurrence.
    u_sq_fe: Vec<Fe>,
    /// `Π uⱼ⁻¹ = s₀`.
    s_0: Fe,
    /// The padded length `n`.
    n: usize,
}

impl VerificationScalars {
    /// `k·sᵢ` for `i < n`, where `sᵢ` is the coefficient of the `i`th generator in the
    /// fully folded `G`; the coefficient of `Hᵢ` is `1/sᵢ = s_{n-1-i}`.
    ///
    /// `sᵢ = Π uⱼ^(±1)`, with `+1` where bit `k-1-j` of `i` is set: from `s₀`,
    /// setting the highest bit `t` of `i` multiplies `s_{i - 2ᵗ}` by `u²_{k-1-t}`.
    /// One multiplication per element; `k` rides along for free.
    pub(crate) fn s_times(&self, k: Fe) -> Vec<Fe> {
        let rounds = self.u_sq_fe.len();
        let mut s = Vec::with_capacity(self.n);
        s.push(k * self.s_0);
        for i in 1..self.n {
            let top = (usize::BITS - 1 - i.leading_zeros()) as usize;
            let prev = s[i - (1 << top)];
            s.push(prev * self.u_sq_fe[rounds - 1 - top]);
        }
        s
    }
}

/// The statement's bases: `G'ᵢ = g_factors[i]·g[i]` and `H'ᵢ = h_factors[i]·h[i]`.
pub(crate) struct Bases<'a> {
    pub(crate) q: &'a RistrettoPoint,
    pub(crate) g_factors: &'a [Scalar],
    pub(crate) h_factors: &'a [Scalar],
    pub(crate) g: &'a [RistrettoPoint],
    pub(crate) h: &'a [RistrettoPoint],
}

impl InnerProductProof {
    /// Proves knowledge of `a`, `b` over `bases`. All vectors have the same length, a
    /// power of two (the caller pads); `a` and `b` are zeroized when done.
    ///
    /// The cross terms are computed in variable time: `L` and `R` are functions of the
    /// blinded vectors `l(x)`, `r(x)`, which the protocol could reveal outright without
    /// losing zero knowledge.
    pub(crate) fn prove(
        transcript: &mut Transcript,
        bases: Bases<'_>,
        mut a: Vec<Scalar>,
        mut b: Vec<Scalar>,
    ) -> InnerProductProof {
        let mut n = a.len();
        debug_assert!(n.is_power_of_two());
        debug_assert!([b.len(), bases.g.len(), bases.h.len()]
            .iter()
            .all(|&m| m == n));
        transcript.innerproduct_domain_sep(n as u64);

        let mut g = FoldedBases::new(bases.g, bases.g_factors);
        let mut h = FoldedBases::new(bases.h, bases.h_factors);
        let mut rounds = Vec::with_capacity(n.trailing_zeros() as usize);

        while n > 1 {
            let half = n / 2;
            let (l, r) = cross_terms(bases.q, &a[..n], &b[..n], &g, &h);
            transcript.append_point(b"L", &l.compressed);
            transcript.append_point(b"R", &r.compressed);
            rounds.push((l, r));
            let u = transcript.challenge_scalar(b"u");
            let u_inv = u.invert();

            for i in 0..half {
                a[i] = a[i] * u + a[half + i] * u_inv;
                b[i] = b[i] * u_inv + b[half + i] * u;
            }
            // G'ᵢ = u⁻¹·G_lo,ᵢ + u·G_hi,ᵢ and H'ᵢ = u·H_lo,ᵢ + u⁻¹·H_hi,ᵢ.
            g.fold(&u_inv, &u);
            h.fold(&u, &u_inv);
            n = half;
        }

        let proof = InnerProductProof {
            rounds,
            a: a.first().copied().unwrap_or(Scalar::ZERO),
            b: b.first().copied().unwrap_or(Scalar::ZERO),
        };
        a.zeroize();
        b.zeroize();
        proof
    }

    /// Replays the argument's transcript for `n` elements and expands the folds, and
    /// returns `extra⁻¹` (zero for zero) from the same batch inversion as the
    /// challenges: the caller's inversion costs three multiplications instead of an
    /// exponentiation.
    ///
    /// Fails when the argument has the wrong number of rounds for `n`, or when an
    /// `L` or `R` is the identity.
    pub(crate) fn verification_scalars(
        &self,
        n: usize,
        transcript: &mut Transcript,
        extra: &Scalar,
    ) -> Result<(VerificationScalars, Scalar), R1csError> {
        let k = self.rounds.len();
        if k >= 32 || n != 1usize << k {
            return Err(R1csError::VerificationFailed);
        }
        transcript.innerproduct_domain_sep(n as u64);
        let mut u = Vec::with_capacity(k);
        for (l, r) in &self.rounds {
            transcript.validate_and_append_point(b"L", &l.compressed)?;
            transcript.validate_and_append_point(b"R", &r.compressed)?;
            u.push(transcript.challenge_scalar(b"u"));
        }

        // A zero would zero every inverse of the batch: a zero `extra` stays out of
        // it (its inverse is taken as zero, as `Scalar::invert` gives). A zero
        // challenge has negligible probability and fails the proof, as before.
        let extra_is_zero = *extra == Scalar::ZERO;
        let mut u_inv = u.clone();
        if !extra_is_zero {
            u_inv.push(*extra);
        }
        let all_inv = Scalar::invert_batch_alloc(&mut u_inv);
        let (s_0, extra_inv) = match extra_is_zero {
            true => (all_inv, Scalar::ZERO),
            false => (all_inv * extra, u_inv.pop().unwrap_or(Scalar::ZERO)),
        };
        let u_sq: Vec<Scalar> = u.iter().map(|x| x * x).collect();
        let scalars = VerificationScalars {
            u_sq_fe: u_sq.iter().map(Fe::from_scalar).collect(),
            u_sq,
            u_inv_sq: u_inv.iter().map(|x| x * x).collect(),
            s_0: Fe::from_scalar(&s_0),
            n,
        };
        Ok((scalars, extra_inv))
    }

    /// Bytes: `L₀ R₀ … L_{k-1} R_{k-1} a b`.
    pub(crate) fn encoded_len(&self) -> usize {
        (2 * self.rounds.len() + 2) * 32
    }
}

/// `L = ⟨a_lo, G'_hi⟩ + ⟨b_hi, H'_lo⟩ + ⟨a_lo, b_hi⟩·Q` and the mirror image `R`.
fn cross_terms(
    q: &RistrettoPoint,
    a: &[Scalar],
    b: &[Scalar],
    g: &FoldedBases,
    h: &FoldedBases,
) -> (ProofPoint, ProofPoint) {
    let half = a.len() / 2;
    let (a_lo, a_hi) = a.split_at(half);
    let (b_lo, b_hi) = b.split_at(half);
    let mut c_l = inner_product(a_lo, b_hi);
    let mut c_r = inner_product(a_hi, b_lo);
    let side = |a: &[Scalar], g_offset: usize, b: &[Scalar], h_offset: usize, c: Scalar| {
        let size = (g.points.len() + h.points.len()) / 2 + 1;
        let (mut scalars, mut points) = (Vec::with_capacity(size), Vec::with_capacity(size));
        g.push_terms(a, g_offset, &mut scalars, &mut points);
        h.push_terms(b, h_offset, &mut scalars, &mut points);
        scalars.push(c);
        points.push(*q);
        // The scalars are the witness vectors times public factors: wiped after use.
        let scalars = Zeroizing::new(scalars);
        batch::msm::vartime_multiscalar_mul(&scalars, &points)
    };
    let (l, r) = rayon::join(
        || side(a_lo, half, b_hi, 0, c_l),
        || side(a_hi, 0, b_lo, half, c_r),
    );
    c_l.zeroize();
    c_r.zeroize();
    (ProofPoint::from_point(l), ProofPoint::from_point(r))
}

/// Bases that fold without multiplying points.
///
/// With `len` bases left, base `i` is `Σₘ cⱼ·Pⱼ` over `j = i + m·len`: folding
/// `lo·(first half) + hi·(second half)` only multiplies each `cⱼ` by `lo` or `hi`, and
/// the cross terms become multiscalar multiplications over every `Pⱼ`. That costs
/// more points per round but saves a full scalar multiplication (about 250
/// doublings) per folded base; once each base spans [`SPAN`] points, they are summed
/// into fresh points with small multiscalar multiplications.
struct FoldedBases {
    points: Vec<RistrettoPoint>,
    coefficients: Vec<Scalar>,
    len: usize,
}

/// How many points a base may span before the bases are recomputed.
const SPAN: usize = 8;
/// Below this many bases, recomputing them costs more than it saves.
const MIN_RECOMPUTED: usize = 16;

impl FoldedBases {
    /// The bases `factors[i]·points[i]`.
    fn new(points: &[RistrettoPoint], factors: &[Scalar]) -> Self {
        FoldedBases {
            points: points.to_vec(),
            coefficients: factors.to_vec(),
            len: points.len(),
        }
    }

    /// Appends the terms of `Σ vᵢ·base_{offset+i}`.
    fn push_terms(
        &self,
        v: &[Scalar],
        offset: usize,
        scalars: &mut Vec<Scalar>,
        points: &mut Vec<RistrettoPoint>,
    ) {
        let range = offset..offset + v.len();
        for (c, p) in self
            .coefficients
            .chunks_exact(self.len)
            .zip(self.points.chunks_exact(self.len))
        {
            scalars.extend(v.iter().zip(&c[range.clone()]).map(|(x, c)| x * c));
            points.extend_from_slice(&p[range.clone()]);
        }
    }

    /// Replaces the bases by `lo·(first half) + hi·(second half)`.
    fn fold(&mut self, lo: &Scalar, hi: &Scalar) {
        let half = self.len / 2;
        for block in self.coefficients.chunks_exact_mut(self.len) {
            let (c_lo, c_hi) = block.split_at_mut(half);
            c_lo.iter_mut().for_each(|c| *c *= lo);
            c_hi.iter_mut().for_each(|c| *c *= hi);
        }
        self.len = half;
        if self.points.len() / self.len >= SPAN && self.len >= MIN_RECOMPUTED {
            self.recompute();
        }
    }

    /// Sums each base into one point.
    fn recompute(&mut self) {
        let len = self.len;
        let span = self.points.len() / len;
        let (c, p) = (&self.coefficients, &self.points);
        self.points = (0..len)
            .into_par_iter()
            .map(|i| {
                RistrettoPoint::vartime_multiscalar_mul(
                    (0..span).map(|m| c[i + m * len]),
                    (0..span).map(|m| p[i + m * len]),
                )
            })
            .collect();
        self.coefficients = vec![Scalar::ONE; len];
    }
}

/// `Σ aᵢ·bᵢ` over the common length.
pub(crate) fn inner_product(a: &[Scalar], b: &[Scalar]) -> Scalar {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use batch::Generators;
    use curve25519_dalek::traits::IsIdentity;
    use rand::thread_rng;

    fn random_vec(n: usize) -> Vec<Scalar> {
        (0..n)
            .map(|_| encoding::random_scalar(&mut thread_rng()))
            .collect()
    }

    /// Proves over random factors and checks the expanded verification equation:
    /// `P = Σ a·sᵢ·G'ᵢ + Σ b/sᵢ·H'ᵢ + a·b·Q − Σ (uⱼ²·Lⱼ + uⱼ⁻²·Rⱼ)`.
    fn prove_and_check(n: usize) {
        let gens = Generators::new(n);
        let q = encoding::random_point(&mut thread_rng());
        let (gf, hf) = (random_vec(n), random_vec(n));
        let (a, b) = (random_vec(n), random_vec(n));
        let p = RistrettoPoint::vartime_multiscalar_mul(
            a.iter()
                .zip(&gf)
                .map(|(x, f)| x * f)
                .chain(b.iter().zip(&hf).map(|(x, f)| x * f))
                .chain([inner_product(&a, &b)]),
            gens.g().iter().chain(gens.h()).chain([&q]),
        );
        let bases = || Bases {
            q: &q,
            g_factors: &gf,
            h_factors: &hf,
            g: gens.g(),
            h: gens.h(),
        };
        let proof = InnerProductProof::prove(&mut Transcript::new(b"ipp"), bases(), a, b);
        assert_eq!(proof.rounds.len(), n.trailing_zeros() as usize);
        let v = proof
            .verification_scalars(n, &mut Transcript::new(b"ipp"), &Scalar::ONE)
            .expect("scalars")
            .0;
        let s: Vec<Scalar> = v.s_times(Fe::ONE).iter().map(|x| x.to_scalar()).collect();
        for i in 0..n {
            assert_eq!(
                s[i] * s[n - 1 - i],
                Scalar::ONE,
                "s is its own reversed inverse"
            );
        }
        let check = RistrettoPoint::vartime_multiscalar_mul(
            gf.iter()
                .zip(&s)
                .map(|(f, s)| proof.a * s * f)
                .chain(hf.iter().zip(s.iter().rev()).map(|(f, s)| proof.b * s * f))
                .chain([proof.a * proof.b])
                .chain(v.u_sq.iter().chain(&v.u_inv_sq).map(|x| -x))
                .chain([-Scalar::ONE]),
            gens.g()
                .iter()
                .chain(gens.h())
                .chain([&q])
                .copied()
                .chain(proof.rounds.iter().map(|(l, _)| l.point("L").unwrap()))
                .chain(proof.rounds.iter().map(|(_, r)| r.point("R").unwrap()))
                .chain([p]),
        );
        assert!(check.is_identity(), "n = {n}");
    }

    #[test]
    fn argument_verifies_for_every_small_size() {
        // 128 and 256 recompute their bases after three rounds.
        for n in [1, 2, 4, 8, 32, 128, 256] {
            prove_and_check(n);
        }
    }

    #[test]
    fn wrong_length_is_refused() {
        let gens = Generators::new(4);
        let one = vec![Scalar::ONE; 4];
        let q = encoding::random_point(&mut thread_rng());
        let bases = Bases {
            q: &q,
            g_factors: &one,
            h_factors: &one,
            g: gens.g(),
            h: gens.h(),
        };
        let proof = InnerProductProof::prove(
            &mut Transcript::new(b"ipp"),
            bases,
            one.clone(),
            one.clone(),
        );
        let mut t = Transcript::new(b"ipp");
        assert!(proof.verification_scalars(8, &mut t, &Scalar::ONE).is_err());
        assert!(proof.verification_scalars(3, &mut t, &Scalar::ONE).is_err());
    }

    #[test]
    fn the_extra_inversion_changes_nothing_else() {
        let n = 8;
        let gens = Generators::new(n);
        let q = encoding::random_point(&mut thread_rng());
        let ones = vec![Scalar::ONE; n];
        let bases = Bases {
            q: &q,
            g_factors: &ones,
            h_factors: &ones,
            g: gens.g(),
            h: gens.h(),
        };
        let (a, b) = (random_vec(n), random_vec(n));
        let proof = InnerProductProof::prove(&mut Transcript::new(b"ipp"), bases, a, b);
        let (plain, one) = proof
            .verification_scalars(n, &mut Transcript::new(b"ipp"), &Scalar::ONE)
            .expect("scalars");
        assert_eq!(one, Scalar::ONE);
        let extra = encoding::random_scalar(&mut thread_rng());
        for (x, expected) in [(extra, extra.invert()), (Scalar::ZERO, Scalar::ZERO)] {
            let (v, inv) = proof
                .verification_scalars(n, &mut Transcript::new(b"ipp"), &x)
                .expect("scalars");
            assert_eq!(inv, expected);
            assert_eq!(v.u_sq, plain.u_sq);
            assert_eq!(v.u_inv_sq, plain.u_inv_sq);
            let s = |v: &VerificationScalars| -> Vec<Scalar> {
                v.s_times(Fe::ONE).into_iter().map(Fe::to_scalar).collect()
            };
            assert_eq!(s(&v), s(&plain));
        }
    }
}

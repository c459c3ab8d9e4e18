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

        let mut g = FactoredBases::new(bases.g, bases.g_factors);
        let mut h = FactoredBases::new(bases.h, bases.h_factors);
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

    /// Replays the argument's transcript for `n` elements and expands the folds.
    ///
    /// Fails when the argument has the wrong number of rounds for `n`, or when an
    /// `L` or `R` is the identity.
    pub(crate) fn verification_scalars(
        &self,
        n: usize,
        transcript: &mut Transcript,
    ) -> Result<VerificationScalars, R1csError> {
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

        let mut u_inv = u.clone();
        let s_0 = Scalar::invert_batch_alloc(&mut u_inv);
        let u_sq: Vec<Scalar> = u.iter().map(|x| x * x).collect();
        Ok(VerificationScalars {
            u_sq_fe: u_sq.iter().map(Fe::from_scalar).collect(),
            u_sq,
            u_inv_sq: u_inv.iter().map(|x| x * x).collect(),
            s_0: Fe::from_scalar(&s_0),
            n,
        })
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
    g: &FactoredBases,
    h: &FactoredBases,
) -> (ProofPoint, ProofPoint) {
    let half = a.len() / 2;
    let (a_lo, a_hi) = a.split_at(half);
    let (b_lo, b_hi) = b.split_at(half);
    let (g_lo, g_hi) = g.points.split_at(half);
    let (h_lo, h_hi) = h.points.split_at(half);
    let (gf_lo, gf_hi) = g.factors.split_at(half);
    let (hf_lo, hf_hi) = h.factors.split_at(half);

    let mut c_l = inner_product(a_lo, b_hi);
    let mut c_r = inner_product(a_hi, b_lo);
    let side = |a: &[Scalar],
                gf: &[Scalar],
                gp: &[RistrettoPoint],
                b: &[Scalar],
                hf: &[Scalar],
                hp: &[RistrettoPoint],
                c: Scalar| {
        let scalars: Vec<Scalar> = a
            .iter()
            .zip(gf)
            .map(|(x, f)| x * f)
            .chain(b.iter().zip(hf).map(|(x, f)| x * f))
            .chain([c])
            .collect();
        // The scalars are the witness vectors times public factors: wiped after use.
        let scalars = Zeroizing::new(scalars);
        let points: Vec<RistrettoPoint> = gp.iter().chain(hp).chain([q]).copied().collect();
        batch::msm::vartime_multiscalar_mul(&scalars, &points)
    };
    let (l, r) = rayon::join(
        || side(a_lo, gf_hi, g_hi, b_hi, hf_lo, h_lo, c_l),
        || side(a_hi, gf_lo, g_lo, b_lo, hf_hi, h_hi, c_r),
    );
    c_l.zeroize();
    c_r.zeroize();
    (ProofPoint::from_point(l), ProofPoint::from_point(r))
}

/// Bases `fᵢ·Pᵢ` kept as points and factors, so that folding costs one scalar
/// multiplication per base instead of two:
/// `x·fᵢ·Pᵢ + y·fⱼ·Pⱼ = (x·fᵢ)·(Pᵢ + (y·fⱼ/(x·fᵢ))·Pⱼ)`.
struct FactoredBases {
    points: Vec<RistrettoPoint>,
    factors: Vec<Scalar>,
    inverses: Vec<Scalar>,
}

impl FactoredBases {
    fn new(points: &[RistrettoPoint], factors: &[Scalar]) -> Self {
        let mut inverses = factors.to_vec();
        Scalar::invert_batch_alloc(&mut inverses);
        FactoredBases {
            points: points.to_vec(),
            factors: factors.to_vec(),
            inverses,
        }
    }

    /// Replaces the first half by `lo·(first half) + hi·(second half)` and drops the
    /// second half.
    fn fold(&mut self, lo: &Scalar, hi: &Scalar) {
        let half = self.points.len() / 2;
        let ratio = hi * lo.invert();
        let coefficients: Vec<Scalar> = self.factors[half..]
            .iter()
            .zip(&self.inverses[..half])
            .map(|(f_hi, f_lo_inv)| ratio * f_hi * f_lo_inv)
            .collect();
        let (p_lo, p_hi) = self.points.split_at_mut(half);
        p_lo.par_iter_mut()
            .zip(p_hi.par_iter())
            .zip(coefficients.par_iter())
            .with_min_len(32)
            .for_each(|((lo, hi), c)| {
                *lo += RistrettoPoint::vartime_multiscalar_mul([c], [hi]);
            });
        let lo_inv = lo.invert();
        self.points.truncate(half);
        self.factors.truncate(half);
        self.inverses.truncate(half);
        for (f, f_inv) in self.factors.iter_mut().zip(self.inverses.iter_mut()) {
            *f *= lo;
            *f_inv *= lo_inv;
        }
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
            .verification_scalars(n, &mut Transcript::new(b"ipp"))
            .expect("scalars");
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
                .chain(proof.rounds.iter().map(|(l, _)| l.point))
                .chain(proof.rounds.iter().map(|(_, r)| r.point))
                .chain([p]),
        );
        assert!(check.is_identity(), "n = {n}");
    }

    #[test]
    fn argument_verifies_for_every_small_size() {
        for n in [1, 2, 4, 8, 32] {
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
        assert!(proof.verification_scalars(8, &mut t).is_err());
        assert!(proof.verification_scalars(3, &mut t).is_err());
    }
}

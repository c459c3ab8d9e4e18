//! Multiscalar multiplications split across rayon's threads.
//!
//! Used by the verifiers' final check and by the R1CS prover's commitments.
//!
//! A multiscalar multiplication is a sum, so it splits into independent chunks whose
//! results add up. With one thread (or small inputs) this is the plain call.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, MultiscalarMul, VartimeMultiscalarMul};
use rayon::prelude::*;

/// Chunks smaller than this are not worth a thread.
const MIN_CHUNK: usize = 128;

/// `Σ sᵢ·Pᵢ` in constant time (for secret scalars), on all of rayon's threads.
pub fn multiscalar_mul(scalars: &[Scalar], points: &[RistrettoPoint]) -> RistrettoPoint {
    split(scalars, points, |s, p| {
        <RistrettoPoint as MultiscalarMul>::multiscalar_mul(s, p)
    })
}

/// `Σ sᵢ·Pᵢ` in variable time (for public scalars), on all of rayon's threads.
pub fn vartime_multiscalar_mul(scalars: &[Scalar], points: &[RistrettoPoint]) -> RistrettoPoint {
    split(scalars, points, |s, p| {
        <RistrettoPoint as VartimeMultiscalarMul>::vartime_multiscalar_mul(s, p)
    })
}

fn split(
    scalars: &[Scalar],
    points: &[RistrettoPoint],
    f: impl Fn(&[Scalar], &[RistrettoPoint]) -> RistrettoPoint + Sync,
) -> RistrettoPoint {
    debug_assert_eq!(scalars.len(), points.len());
    let chunks = rayon::current_num_threads().min(scalars.len() / MIN_CHUNK);
    if chunks <= 1 {
        return f(scalars, points);
    }
    let size = scalars.len().div_ceil(chunks);
    scalars
        .par_chunks(size)
        .zip(points.par_chunks(size))
        .map(|(s, p)| f(s, p))
        .reduce(RistrettoPoint::identity, |a, b| a + b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::thread_rng;

    #[test]
    fn split_sums_match_one_multiplication() {
        let mut rng = thread_rng();
        for n in [0, 1, 127, 300, 1000] {
            let s: Vec<Scalar> = (0..n).map(|_| encoding::random_scalar(&mut rng)).collect();
            let p: Vec<RistrettoPoint> = (0..n).map(|_| encoding::random_point(&mut rng)).collect();
            let expected = RistrettoPoint::vartime_multiscalar_mul(&s, &p);
            assert_eq!(multiscalar_mul(&s, &p), expected);
            assert_eq!(vartime_multiscalar_mul(&s, &p), expected);
        }
    }
}

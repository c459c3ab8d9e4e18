//! MuSig2 round two: with everyone's public nonces, each signer computes the
//! session's nonce `R` and its partial signature; an aggregator checks the shares
//! and sums them into an ordinary signature.
//!
//! ```text
//! T  = the caller's message-bound transcript, then the context (keys, messages)
//! b  = copy(T).append("dom-sep", "musig2-nonce v1").append_u64("n", n)
//!            .append("R1", R1ᵢ).append("R2", R2ᵢ) for each signer .challenge_scalar("b")
//! R  = Σ R1ᵢ + b·Σ R2ᵢ;  T.append("R", R);  eᵢ from the context
//! sᵢ = r1ᵢ + b·r2ᵢ + eᵢ·xᵢ       checked as  sᵢ·B == R1ᵢ + b·R2ᵢ + eᵢ·Xᵢ
//! s  = Σ sᵢ, signature (R, s)
//! ```

use crate::key::exact;
use crate::transcript::TranscriptProtocol;
use crate::{MusigContext, MusigError, PublicNonce, SecretNonce, Signature, SigningKey};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use merlin::Transcript;

/// One signing session after round one: the context, every signer's public nonce,
/// and what follows from them (the coefficient `b`, the nonce `R`, the challenge
/// coefficients `eᵢ`). Holds nothing secret, so every signer and the aggregator
/// build the same one.
#[allow(non_snake_case)]
#[derive(Clone, Debug)]
pub struct Session<C> {
    context: C,
    nonces: Vec<PublicNonce>,
    b: Scalar,
    R: CompressedRistretto,
    challenges: Vec<Scalar>,
}

impl<C: MusigContext> Session<C> {
    /// Starts round two. `transcript` is bound to the message exactly as the
    /// verifier's will be (it is copied, not changed); `nonces[i]` is signer `i`'s.
    ///
    /// Fails with [`MusigError::CountMismatch`] unless there is one nonce per signer.
    pub fn new(
        transcript: &Transcript,
        context: C,
        nonces: Vec<PublicNonce>,
    ) -> Result<Self, MusigError> {
        if nonces.len() != context.signers() {
            return Err(MusigError::CountMismatch {
                what: "public nonces",
                expected: context.signers(),
                got: nonces.len(),
            });
        }
        let mut t = transcript.clone();
        context.commit(&mut t);
        let b = t.nonce_coefficient(nonces.iter().map(PublicNonce::compressed));
        let nonce = aggregate_nonce(&nonces, &b).compress();
        t.commit_nonce(&nonce);
        let challenges = context.challenges(&mut t);
        Ok(Session {
            context,
            nonces,
            b,
            R: nonce,
            challenges,
        })
    }

    /// The context being signed.
    pub fn context(&self) -> &C {
        &self.context
    }

    /// The signature's nonce commitment `R`.
    pub fn nonce_commitment(&self) -> &CompressedRistretto {
        &self.R
    }

    /// Signer `index`'s partial signature `r1 + b·r2 + eᵢ·xᵢ`, consuming its nonce.
    ///
    /// Refuses ([`MusigError::SignerOutOfRange`], [`MusigError::KeyMismatch`],
    /// [`MusigError::NonceMismatch`]) a position that does not exist, a key that is
    /// not the context's key at `index`, or a session whose nonce at `index` is not
    /// this one's. The nonce is consumed either way: a failed attempt restarts at
    /// round one. Constant time in the key and the nonce.
    pub fn sign(
        &self,
        index: usize,
        key: &SigningKey,
        nonce: SecretNonce,
    ) -> Result<PartialSignature, MusigError> {
        let signers = self.context.signers();
        let e = self
            .challenges
            .get(index)
            .ok_or(MusigError::SignerOutOfRange { index, signers })?;
        if self.context.key(index) != Some(&key.verification_key()) {
            return Err(MusigError::KeyMismatch { index });
        }
        if self.nonces.get(index) != Some(nonce.public()) {
            return Err(MusigError::NonceMismatch { index });
        }
        Ok(PartialSignature(
            nonce.combine(&self.b) + e * key.as_scalar(),
        ))
    }

    /// Checks signer `index`'s share: `sᵢ·B == R1ᵢ + b·R2ᵢ + eᵢ·Xᵢ`, failing with
    /// [`MusigError::InvalidShare`] naming the signer.
    pub fn verify_share(&self, index: usize, share: &PartialSignature) -> Result<(), MusigError> {
        let signers = self.context.signers();
        let out_of_range = MusigError::SignerOutOfRange { index, signers };
        let e = self.challenges.get(index).ok_or(out_of_range)?;
        let nonce = self.nonces.get(index).ok_or(out_of_range)?;
        let key = self.context.key(index).ok_or(out_of_range)?;
        let [r1, r2] = nonce.points();
        let sum = RistrettoPoint::vartime_multiscalar_mul(
            [-share.0, Scalar::ONE, self.b, *e],
            [RISTRETTO_BASEPOINT_POINT, *r1, *r2, *key.as_point()],
        );
        if sum.is_identity() {
            Ok(())
        } else {
            Err(MusigError::InvalidShare { index })
        }
    }

    /// Checks every share (`shares[i]` from signer `i`) and sums them into the
    /// signature. Fails with [`MusigError::CountMismatch`] or with
    /// [`MusigError::InvalidShare`] naming the first bad signer.
    pub fn aggregate(&self, shares: &[PartialSignature]) -> Result<Signature, MusigError> {
        if shares.len() != self.context.signers() {
            return Err(MusigError::CountMismatch {
                what: "partial signatures",
                expected: self.context.signers(),
                got: shares.len(),
            });
        }
        for (index, share) in shares.iter().enumerate() {
            self.verify_share(index, share)?;
        }
        Ok(Signature {
            R: self.R,
            s: shares.iter().map(|share| share.0).sum(),
        })
    }
}

/// `R = Σ R1ᵢ + b·Σ R2ᵢ`.
fn aggregate_nonce(nonces: &[PublicNonce], b: &Scalar) -> RistrettoPoint {
    let (sum1, sum2) = nonces.iter().fold(
        (RistrettoPoint::default(), RistrettoPoint::default()),
        |(a, c), n| {
            let [r1, r2] = n.points();
            (a + r1, c + r2)
        },
    );
    sum1 + b * sum2
}

/// One signer's share `sᵢ` of the signature's `s`. Public once sent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PartialSignature(Scalar);

impl PartialSignature {
    /// Length of the encoding.
    pub const BYTE_LEN: usize = 32;

    /// Decodes a canonical 32-byte scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MusigError> {
        let array = exact::<32>("partial signature", bytes)?;
        Option::<Scalar>::from(Scalar::from_canonical_bytes(array))
            .map(PartialSignature)
            .ok_or(MusigError::NonCanonicalScalar {
                what: "partial signature",
            })
    }

    /// The 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The share as a scalar.
    pub fn as_scalar(&self) -> &Scalar {
        &self.0
    }
}

impl From<Scalar> for PartialSignature {
    fn from(s: Scalar) -> Self {
        PartialSignature(s)
    }
}

impl std::fmt::Debug for PartialSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PartialSignature({})", encoding::Hex(self.0.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_signatures_round_trip() {
        let share = PartialSignature::from(Scalar::from(42u64));
        assert_eq!(PartialSignature::from_bytes(&share.to_bytes()), Ok(share));
        assert_eq!(
            PartialSignature::from_bytes(&[0xff; 32]),
            Err(MusigError::NonCanonicalScalar {
                what: "partial signature"
            })
        );
        assert_eq!(
            PartialSignature::from_bytes(&[0; 31]),
            Err(MusigError::InvalidLength {
                what: "partial signature",
                expected: 32,
                got: 31
            })
        );
    }
}

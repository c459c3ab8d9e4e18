//! MuSig2 round one: every signer draws a pair of nonces and publishes their
//! commitments.

use crate::key::exact;
use crate::transcript::TranscriptProtocol;
use crate::{MusigError, SigningKey};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A signer's secret nonce pair `(r₁, r₂)` for one signing session.
///
/// Neither `Clone` nor `Copy`: [`crate::Session::sign`] takes it by value, so a nonce
/// signs at most once. Wiped on drop, never printed.
///
/// Signing twice with one nonce does not compile:
///
/// ```compile_fail
/// # use musig::*;
/// # fn reuse(session: &Session<Multikey>, key: &SigningKey, nonce: SecretNonce) {
/// let first = session.sign(0, key, nonce);
/// let second = session.sign(0, key, nonce); // error: use of moved value
/// # }
/// ```
///
/// ```compile_fail
/// # use musig::*;
/// # fn copy(nonce: SecretNonce) {
/// let spare: SecretNonce = nonce.clone(); // error: SecretNonce is not Clone
/// # }
/// ```
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SecretNonce {
    r1: Scalar,
    r2: Scalar,
    #[zeroize(skip)]
    public: PublicNonce,
}

impl SecretNonce {
    /// Draws a fresh nonce pair for signing with `key` in the session whose message
    /// `transcript` holds. The nonces come from the transcript, the key and `rng`
    /// together; `rng` must be a good CSPRNG, because in a multi-party session a
    /// nonce that repeats across two sessions reveals the key.
    pub fn generate<R: RngCore + CryptoRng>(
        transcript: &Transcript,
        key: &SigningKey,
        rng: &mut R,
    ) -> (SecretNonce, PublicNonce) {
        let mut nonce_rng = transcript.witness_rng([key.as_scalar()], rng);
        let r1 = encoding::random_scalar(&mut nonce_rng);
        let r2 = encoding::random_scalar(&mut nonce_rng);
        let public =
            PublicNonce::from_points(RistrettoPoint::mul_base(&r1), RistrettoPoint::mul_base(&r2));
        (SecretNonce { r1, r2, public }, public)
    }

    /// The commitments to send to the other signers.
    pub fn public(&self) -> &PublicNonce {
        &self.public
    }

    /// The effective nonce `r₁ + b·r₂` for the session's coefficient `b`.
    pub(crate) fn combine(&self, b: &Scalar) -> Scalar {
        self.r1 + b * self.r2
    }
}

impl std::fmt::Debug for SecretNonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretNonce")
            .field("secret", &"<redacted>")
            .field("public", &self.public)
            .finish()
    }
}

/// A signer's public nonce pair `(R₁, R₂) = (r₁·B, r₂·B)`.
///
/// Encoded as 64 bytes, `R₁` then `R₂`; decoding refuses invalid points, so a
/// session only ever holds valid ones.
#[allow(non_snake_case)]
#[derive(Clone, Copy)]
pub struct PublicNonce {
    R1: CompressedRistretto,
    R2: CompressedRistretto,
    points: [RistrettoPoint; 2],
}

impl PublicNonce {
    /// Length of the encoding.
    pub const BYTE_LEN: usize = 64;

    /// Decodes `R₁ || R₂`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MusigError> {
        let array = exact::<64>("public nonce", bytes)?;
        let mut halves = [[0u8; 32]; 2];
        halves[0].copy_from_slice(&array[..32]);
        halves[1].copy_from_slice(&array[32..]);
        let decompress = |bytes: [u8; 32], what| {
            CompressedRistretto(bytes)
                .decompress()
                .ok_or(MusigError::InvalidPoint { what })
        };
        let p1 = decompress(halves[0], "nonce R1")?;
        let p2 = decompress(halves[1], "nonce R2")?;
        Ok(PublicNonce {
            R1: CompressedRistretto(halves[0]),
            R2: CompressedRistretto(halves[1]),
            points: [p1, p2],
        })
    }

    /// The 64-byte encoding.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(self.R1.as_bytes());
        out[32..].copy_from_slice(self.R2.as_bytes());
        out
    }

    /// The two commitments, compressed.
    pub fn compressed(&self) -> (&CompressedRistretto, &CompressedRistretto) {
        (&self.R1, &self.R2)
    }

    /// The two commitments.
    pub fn points(&self) -> &[RistrettoPoint; 2] {
        &self.points
    }

    fn from_points(p1: RistrettoPoint, p2: RistrettoPoint) -> Self {
        PublicNonce {
            R1: p1.compress(),
            R2: p2.compress(),
            points: [p1, p2],
        }
    }
}

impl PartialEq for PublicNonce {
    fn eq(&self, other: &Self) -> bool {
        self.R1 == other.R1 && self.R2 == other.R2
    }
}

impl Eq for PublicNonce {}

impl std::fmt::Debug for PublicNonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicNonce({})", encoding::Hex(&self.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> (SecretNonce, PublicNonce) {
        let key = SigningKey::random(&mut rand::thread_rng());
        SecretNonce::generate(&Transcript::new(b"t"), &key, &mut rand::thread_rng())
    }

    #[test]
    fn public_nonces_round_trip() {
        let (secret, public) = fresh();
        assert_eq!(secret.public(), &public);
        assert_eq!(PublicNonce::from_bytes(&public.to_bytes()), Ok(public));
        assert_eq!(public.points()[0], RistrettoPoint::mul_base(&secret.r1));
        assert_eq!(public.points()[1], RistrettoPoint::mul_base(&secret.r2));
    }

    #[test]
    fn bad_public_nonces_are_refused() {
        let (_, public) = fresh();
        let mut bytes = public.to_bytes();
        bytes[40] ^= 0xff;
        bytes[63] = 0xff;
        assert_eq!(
            PublicNonce::from_bytes(&bytes),
            Err(MusigError::InvalidPoint { what: "nonce R2" })
        );
        bytes[..32].copy_from_slice(&[0xff; 32]);
        assert_eq!(
            PublicNonce::from_bytes(&bytes),
            Err(MusigError::InvalidPoint { what: "nonce R1" })
        );
        assert_eq!(
            PublicNonce::from_bytes(&bytes[..63]),
            Err(MusigError::InvalidLength {
                what: "public nonce",
                expected: 64,
                got: 63
            })
        );
    }

    #[test]
    fn nonces_are_fresh_and_hidden() {
        let (a, _) = fresh();
        let (b, _) = fresh();
        assert_ne!(a.public(), b.public());
        let shown = format!("{a:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains(&hex::encode(a.r1.as_bytes())));
    }
}

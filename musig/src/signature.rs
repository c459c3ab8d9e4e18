//! Signatures, their encoding, and the single-message protocol.
//!
//! A signature `(R, s)` proves knowledge of `x` with `X = x·B` in the context of a
//! transcript `T` already bound to the message:
//!
//! ```text
//! T.append("dom-sep", "starsig v1"); T.append("X", X); T.append("R", R)
//! c = T.challenge_scalar("c")
//! s·B == R + c·X
//! ```

use crate::key::exact;
use crate::transcript::{message_transcript, TranscriptProtocol};
use crate::{MusigError, SigningKey, VerificationKey};
use batch::{BatchVerification, Generators, SingleVerifier};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use encoding::{Encodable, EncodingError, Reader, Writer};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// A Schnorr signature: the nonce commitment `R` and the response `s`.
///
/// Encoded as 64 bytes, `R` (compressed) then `s` (canonical, little-endian). `R` is
/// kept compressed because the transcript absorbs its bytes; verification
/// decompresses it and refuses an invalid point before anything reaches a batch.
#[allow(non_snake_case)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// The nonce commitment `R = r·B`.
    pub R: CompressedRistretto,
    /// The response `s = r + Σ cᵢ·xᵢ`.
    pub s: Scalar,
}

impl Signature {
    /// Length of the encoding.
    pub const BYTE_LEN: usize = 64;

    /// Decodes `R || s`: exactly 64 bytes, `s` canonical. `R` is checked when the
    /// signature is verified.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MusigError> {
        let array = exact::<64>("signature", bytes)?;
        Reader::parse(&array, Self::read).map_err(|e| match e {
            EncodingError::NonCanonicalScalar => MusigError::NonCanonicalScalar {
                what: "signature s",
            },
            // Impossible with exactly 64 bytes; reported as a length error all the same.
            _ => MusigError::InvalidLength {
                what: "signature",
                expected: Self::BYTE_LEN,
                got: bytes.len(),
            },
        })
    }

    /// Reads `R || s` from a reader (for larger encodings that embed a signature).
    pub fn read(r: &mut Reader<'_>) -> Result<Self, EncodingError> {
        let nonce = r.read_point()?;
        let s = r.read_scalar()?;
        Ok(Signature { R: nonce, s })
    }

    /// The 64-byte encoding.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(self.R.as_bytes());
        out[32..].copy_from_slice(self.s.as_bytes());
        out
    }

    /// Signs with `key` over `transcript`, which the caller has bound to the message.
    ///
    /// The nonce comes from the transcript, the key and `rng` together, so it stays
    /// unpredictable if either the key or the RNG is good. Constant time in the key
    /// and the nonce.
    pub fn sign<R: RngCore + CryptoRng>(
        transcript: &mut Transcript,
        key: &SigningKey,
        rng: &mut R,
    ) -> Signature {
        let x = key.as_scalar();
        let mut nonce_rng = transcript.witness_rng([x], rng);
        let r = Zeroizing::new(encoding::random_scalar(&mut nonce_rng));
        let nonce = RistrettoPoint::mul_base(&r).compress();
        transcript.commit_single_key(&key.verification_key());
        transcript.commit_nonce(&nonce);
        let c = transcript.signature_challenge();
        Signature {
            R: nonce,
            s: *r + c * x,
        }
    }

    /// Adds the check `s·B − R − c·X = 0` to `batch`, with `transcript` in the state
    /// the signer's was in. Fails at once if `R` is not a valid point; otherwise the
    /// batch decides (a [`SingleVerifier`] at once: [`MusigError::InvalidSignature`]).
    pub fn verify(
        &self,
        transcript: &mut Transcript,
        key: &VerificationKey,
        batch: &mut impl BatchVerification,
    ) -> Result<(), MusigError> {
        transcript.commit_single_key(key);
        transcript.commit_nonce(&self.R);
        let c = transcript.signature_challenge();
        self.append_statement("signature", [(c, key)], batch)
    }

    /// Verifies at once, with a [`SingleVerifier`].
    pub fn verify_single(
        &self,
        transcript: &mut Transcript,
        key: &VerificationKey,
    ) -> Result<(), MusigError> {
        SingleVerifier::verify(signature_generators(), |v| self.verify(transcript, key, v))
    }

    /// Signs `message` under `label` in a fresh `Starsig.sign_message` transcript.
    pub fn sign_message<R: RngCore + CryptoRng>(
        label: &'static [u8],
        message: &[u8],
        key: &SigningKey,
        rng: &mut R,
    ) -> Signature {
        Self::sign(&mut message_transcript(label, message), key, rng)
    }

    /// Verifies a signature made by [`Signature::sign_message`].
    pub fn verify_message(
        &self,
        label: &'static [u8],
        message: &[u8],
        key: &VerificationKey,
    ) -> Result<(), MusigError> {
        self.verify_single(&mut message_transcript(label, message), key)
    }

    /// The nonce commitment, decompressed; an invalid `R` is refused here, before any
    /// statement is formed.
    pub(crate) fn nonce_point(&self) -> Result<RistrettoPoint, MusigError> {
        self.R.decompress().ok_or(MusigError::InvalidPoint {
            what: "signature R",
        })
    }

    /// Appends `s·B − R − Σ cᵢ·Xᵢ = 0`.
    pub(crate) fn append_statement<'k>(
        &self,
        what: &'static str,
        terms: impl IntoIterator<Item = (Scalar, &'k VerificationKey)>,
        batch: &mut impl BatchVerification,
    ) -> Result<(), MusigError> {
        let nonce = self.nonce_point()?;
        let dynamic = std::iter::once((-Scalar::ONE, nonce))
            .chain(terms.into_iter().map(|(c, key)| (-c, *key.as_point())));
        batch.append(what, self.s, Scalar::ZERO, [], [], dynamic)?;
        Ok(())
    }
}

/// The generators a [`SingleVerifier`] needs for signatures: only the base point,
/// so none of the Bulletproofs chains.
pub fn signature_generators() -> &'static Generators {
    static GENERATORS: OnceLock<Generators> = OnceLock::new();
    GENERATORS.get_or_init(|| Generators::new(0))
}

impl Encodable for Signature {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_point(&self.R);
        w.write_scalar(&self.s);
    }

    fn encoded_len(&self) -> usize {
        Self::BYTE_LEN
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({})", encoding::Hex(&self.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed() -> (Signature, VerificationKey) {
        let key = SigningKey::random(&mut rand::thread_rng());
        let sig = Signature::sign_message(b"test", b"hello", &key, &mut rand::thread_rng());
        (sig, key.verification_key())
    }

    #[test]
    fn sign_then_verify() {
        let (sig, key) = signed();
        assert_eq!(sig.verify_message(b"test", b"hello", &key), Ok(()));
        assert_eq!(
            sig.verify_message(b"test", b"hellO", &key),
            Err(MusigError::InvalidSignature)
        );
        assert_eq!(
            sig.verify_message(b"tesT", b"hello", &key),
            Err(MusigError::InvalidSignature)
        );
    }

    #[test]
    fn encoding_round_trips() {
        let (sig, _) = signed();
        assert_eq!(Signature::from_bytes(&sig.to_bytes()), Ok(sig));
        assert_eq!(sig.encode_to_vec(), sig.to_bytes());
    }

    #[test]
    fn wrong_lengths_are_refused() {
        for len in [0usize, 32, 63, 65] {
            assert_eq!(
                Signature::from_bytes(&vec![0u8; len]),
                Err(MusigError::InvalidLength {
                    what: "signature",
                    expected: 64,
                    got: len
                })
            );
        }
    }

    #[test]
    fn non_canonical_s_is_refused() {
        let (sig, _) = signed();
        let mut bytes = sig.to_bytes();
        bytes[32..].copy_from_slice(&[0xff; 32]);
        assert_eq!(
            Signature::from_bytes(&bytes),
            Err(MusigError::NonCanonicalScalar {
                what: "signature s"
            })
        );
    }

    #[test]
    fn invalid_r_is_refused_before_the_batch() {
        let (mut sig, key) = signed();
        sig.R = CompressedRistretto([0xff; 32]);
        assert_eq!(
            sig.verify_message(b"test", b"hello", &key),
            Err(MusigError::InvalidPoint {
                what: "signature R"
            })
        );
    }

    #[test]
    fn signatures_are_randomized() {
        let key = SigningKey::random(&mut rand::thread_rng());
        let a = Signature::sign_message(b"t", b"m", &key, &mut rand::thread_rng());
        let b = Signature::sign_message(b"t", b"m", &key, &mut rand::thread_rng());
        assert_ne!(a.R, b.R);
    }
}

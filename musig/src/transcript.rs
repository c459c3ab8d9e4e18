//! Every transcript label of the crate, in one place.
//!
//! The byte protocol of v1 is fixed by the reference: single-message signatures use
//! the `starsig v1` domain separator, multi-message signatures
//! `musig-multimessage v1`, key aggregation the transcript `Musig.aggregated-key`.
//! The MuSig2 nonce coefficient is ours (it never reaches the wire: only its effect
//! on `R` does).

use crate::VerificationKey;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use merlin::{Transcript, TranscriptRng};
use rand_core::{CryptoRng, RngCore};

/// Transcript name of the byte-oriented message API.
pub const MESSAGE_TRANSCRIPT: &[u8] = b"Starsig.sign_message";
/// Transcript name of key aggregation.
pub const KEY_AGGREGATION_TRANSCRIPT: &[u8] = b"Musig.aggregated-key";

/// The signature protocols' operations on a Merlin transcript.
pub trait TranscriptProtocol {
    /// Appends a compressed point.
    fn append_point(&mut self, label: &'static [u8], point: &CompressedRistretto);
    /// 64 challenge bytes reduced modulo the group order.
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar;

    /// Single-message protocol: domain separator, then the key `X`.
    fn commit_single_key(&mut self, key: &VerificationKey);
    /// Multi-message protocol: domain separator and the number of pairs.
    fn multimessage_domain_sep(&mut self, n: usize);
    /// Multi-message protocol: one (key, submessage) pair.
    fn commit_pair(&mut self, key: &VerificationKey, message: &[u8]);
    /// The nonce commitment `R` of a signature.
    fn commit_nonce(&mut self, nonce: &CompressedRistretto);
    /// The single-message challenge `c`, squeezed from this transcript.
    fn signature_challenge(&mut self) -> Scalar;
    /// The multi-message challenge of pair `i`, from a copy of this transcript.
    fn pair_challenge(&self, i: usize) -> Scalar;

    /// Key aggregation: a fresh transcript over the number of keys.
    fn key_aggregation(n: usize) -> Transcript;
    /// Key aggregation: one key of the list.
    fn commit_aggregated_key(&mut self, key: &VerificationKey);
    /// Key aggregation: the factor of key `i`, from a copy of this transcript.
    fn key_factor(&self, i: usize) -> Scalar;

    /// MuSig2: the nonce coefficient `b` over all signers' public nonces, from a copy
    /// of this transcript (which already holds the message and the signing context).
    fn nonce_coefficient<'a>(
        &self,
        nonces: impl ExactSizeIterator<Item = (&'a CompressedRistretto, &'a CompressedRistretto)>,
    ) -> Scalar;

    /// A nonce generator keyed by this transcript, the secret `witnesses` and fresh
    /// randomness from `rng`: unpredictable if either the witnesses or the RNG are.
    fn witness_rng<'a, R: RngCore + CryptoRng>(
        &self,
        witnesses: impl IntoIterator<Item = &'a Scalar>,
        rng: &mut R,
    ) -> TranscriptRng;
}

impl TranscriptProtocol for Transcript {
    fn append_point(&mut self, label: &'static [u8], point: &CompressedRistretto) {
        self.append_message(label, point.as_bytes());
    }

    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar {
        let mut wide = [0u8; 64];
        self.challenge_bytes(label, &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }

    fn commit_single_key(&mut self, key: &VerificationKey) {
        self.append_message(b"dom-sep", b"starsig v1");
        self.append_point(b"X", key.as_compressed());
    }

    fn multimessage_domain_sep(&mut self, n: usize) {
        self.append_message(b"dom-sep", b"musig-multimessage v1");
        self.append_u64(b"n", n as u64);
    }

    fn commit_pair(&mut self, key: &VerificationKey, message: &[u8]) {
        self.append_point(b"X", key.as_compressed());
        self.append_message(b"m", message);
    }

    fn commit_nonce(&mut self, nonce: &CompressedRistretto) {
        self.append_point(b"R", nonce);
    }

    fn signature_challenge(&mut self) -> Scalar {
        self.challenge_scalar(b"c")
    }

    fn pair_challenge(&self, i: usize) -> Scalar {
        let mut t = self.clone();
        t.append_u64(b"i", i as u64);
        t.challenge_scalar(b"c")
    }

    fn key_aggregation(n: usize) -> Transcript {
        let mut t = Transcript::new(KEY_AGGREGATION_TRANSCRIPT);
        t.append_u64(b"n", n as u64);
        t
    }

    fn commit_aggregated_key(&mut self, key: &VerificationKey) {
        self.append_point(b"X", key.as_compressed());
    }

    fn key_factor(&self, i: usize) -> Scalar {
        let mut t = self.clone();
        t.append_u64(b"i", i as u64);
        t.challenge_scalar(b"a_i")
    }

    fn nonce_coefficient<'a>(
        &self,
        nonces: impl ExactSizeIterator<Item = (&'a CompressedRistretto, &'a CompressedRistretto)>,
    ) -> Scalar {
        let mut t = self.clone();
        t.append_message(b"dom-sep", b"musig2-nonce v1");
        t.append_u64(b"n", nonces.len() as u64);
        for (r1, r2) in nonces {
            t.append_point(b"R1", r1);
            t.append_point(b"R2", r2);
        }
        t.challenge_scalar(b"b")
    }

    fn witness_rng<'a, R: RngCore + CryptoRng>(
        &self,
        witnesses: impl IntoIterator<Item = &'a Scalar>,
        rng: &mut R,
    ) -> TranscriptRng {
        let mut builder = self.build_rng();
        for x in witnesses {
            builder = builder.rekey_with_witness_bytes(b"x", x.as_bytes());
        }
        builder.finalize(rng)
    }
}

/// A transcript for signing `message` under the caller's `label`, as the reference's
/// byte-oriented API makes it: `Transcript("Starsig.sign_message")` then
/// `append(label, message)`.
pub fn message_transcript(label: &'static [u8], message: &[u8]) -> Transcript {
    let mut t = Transcript::new(MESSAGE_TRANSCRIPT);
    t.append_message(label, message);
    t
}

//! Every transcript operation of the protocol, with its label, in one place.

use crate::R1csError;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use merlin::Transcript;

/// The R1CS and inner-product operations on a Merlin transcript.
pub(crate) trait TranscriptProtocol {
    /// Marks the start of a constraint-system proof.
    fn r1cs_domain_sep(&mut self);
    /// Marks a proof whose constraints are all known before any challenge.
    fn r1cs_1phase_domain_sep(&mut self);
    /// Marks a proof with randomized (second-phase) constraints.
    fn r1cs_2phase_domain_sep(&mut self);
    /// Marks the start of an inner-product argument over `n` elements.
    fn innerproduct_domain_sep(&mut self, n: u64);
    /// Appends a scalar's canonical bytes.
    fn append_scalar(&mut self, label: &'static [u8], scalar: &Scalar);
    /// Appends a compressed point.
    fn append_point(&mut self, label: &'static [u8], point: &CompressedRistretto);
    /// Appends a compressed point after refusing the identity.
    fn validate_and_append_point(
        &mut self,
        label: &'static [u8],
        point: &CompressedRistretto,
    ) -> Result<(), R1csError>;
    /// Draws a challenge: 64 bytes reduced modulo the group order.
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar;
}

impl TranscriptProtocol for Transcript {
    fn r1cs_domain_sep(&mut self) {
        self.append_message(b"dom-sep", b"r1cs v1");
    }

    fn r1cs_1phase_domain_sep(&mut self) {
        self.append_message(b"dom-sep", b"r1cs-1phase");
    }

    fn r1cs_2phase_domain_sep(&mut self) {
        self.append_message(b"dom-sep", b"r1cs-2phase");
    }

    fn innerproduct_domain_sep(&mut self, n: u64) {
        self.append_message(b"dom-sep", b"ipp v1");
        self.append_u64(b"n", n);
    }

    fn append_scalar(&mut self, label: &'static [u8], scalar: &Scalar) {
        self.append_message(label, scalar.as_bytes());
    }

    fn append_point(&mut self, label: &'static [u8], point: &CompressedRistretto) {
        self.append_message(label, point.as_bytes());
    }

    fn validate_and_append_point(
        &mut self,
        label: &'static [u8],
        point: &CompressedRistretto,
    ) -> Result<(), R1csError> {
        if point.is_identity() {
            return Err(R1csError::InvalidPoint(label_name(label)));
        }
        self.append_point(label, point);
        Ok(())
    }

    fn challenge_scalar(&mut self, label: &'static [u8]) -> Scalar {
        let mut wide = [0u8; 64];
        self.challenge_bytes(label, &mut wide);
        Scalar::from_bytes_mod_order_wide(&wide)
    }
}

/// The label as text for error messages (labels are ASCII).
fn label_name(label: &'static [u8]) -> &'static str {
    std::str::from_utf8(label).unwrap_or("point")
}

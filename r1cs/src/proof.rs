//! The proof and its byte layout.
//!
//! ```text
//! version (1 byte: 0 = one phase, 1 = two phases)
//! A_I1 A_O1 S1 [A_I2 A_O2 S2 if version 1] T_1 T_3 T_4 T_5 T_6   (points)
//! t_x t_x_blinding e_blinding                                    (canonical scalars)
//! L_0 R_0 … L_{k-1} R_{k-1}                                      (points)
//! a b                                                            (canonical scalars)
//! ```
//!
//! The prover writes a proof whose three second-phase points are the identity in the
//! one-phase layout; reading it back restores them as the identity. Both layouts of
//! such a proof verify (as in the reference), so a decoded proof keeps the layout it
//! was read in and re-encodes to exactly its bytes: a relayed transaction is never
//! rewritten.

use crate::inner_product::InnerProductProof;
use crate::proof_point::ProofPoint;
use crate::R1csError;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use encoding::{Reader, Writer};

const ONE_PHASE: u8 = 0;
const TWO_PHASE: u8 = 1;

/// A proof that the committed values satisfy a constraint system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct R1csProof {
    pub(crate) a_i1: ProofPoint,
    pub(crate) a_o1: ProofPoint,
    pub(crate) s1: ProofPoint,
    pub(crate) a_i2: ProofPoint,
    pub(crate) a_o2: ProofPoint,
    pub(crate) s2: ProofPoint,
    pub(crate) t_1: ProofPoint,
    pub(crate) t_3: ProofPoint,
    pub(crate) t_4: ProofPoint,
    pub(crate) t_5: ProofPoint,
    pub(crate) t_6: ProofPoint,
    pub(crate) t_x: Scalar,
    pub(crate) t_x_blinding: Scalar,
    pub(crate) e_blinding: Scalar,
    pub(crate) ipp: InnerProductProof,
    /// Whether the encoding carries the second-phase points (version 1).
    pub(crate) two_phase_layout: bool,
}

impl R1csProof {
    /// The encoding: `1 + 32·(11 + 2k + 2)` bytes for one phase, `1 + 32·(14 + 2k + 2)`
    /// for two, where `k = log₂` of the padded multiplier count.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.serialized_size());
        let two_phase = self.two_phase_layout;
        out.write_u8(if two_phase { TWO_PHASE } else { ONE_PHASE });
        out.write_point(&self.a_i1.compressed);
        out.write_point(&self.a_o1.compressed);
        out.write_point(&self.s1.compressed);
        if two_phase {
            out.write_point(&self.a_i2.compressed);
            out.write_point(&self.a_o2.compressed);
            out.write_point(&self.s2.compressed);
        }
        for t in self.t_points() {
            out.write_point(&t.compressed);
        }
        out.write_scalar(&self.t_x);
        out.write_scalar(&self.t_x_blinding);
        out.write_scalar(&self.e_blinding);
        for (l, r) in &self.ipp.rounds {
            out.write_point(&l.compressed);
            out.write_point(&r.compressed);
        }
        out.write_scalar(&self.ipp.a);
        out.write_scalar(&self.ipp.b);
        out
    }

    /// The exact length of [`R1csProof::to_bytes`].
    pub fn serialized_size(&self) -> usize {
        let elements = if self.two_phase_layout { 14 } else { 11 };
        1 + 32 * elements + self.ipp.encoded_len()
    }

    /// Decodes a proof, checking its length against its version and that every
    /// scalar is canonical. Points are checked when the proof is verified (whether
    /// each is a valid encoding, and whether it may be the identity), as in the
    /// reference: a node that decodes a block it has verified already needs none.
    pub fn from_bytes(bytes: &[u8]) -> Result<R1csProof, R1csError> {
        let mut r = Reader::new(bytes);
        let version = r.read_u8()?;
        let fixed = match version {
            ONE_PHASE => 11,
            TWO_PHASE => 14,
            other => return Err(R1csError::UnknownVersion(other)),
        };
        let rounds = ipp_rounds(r.remaining(), fixed).ok_or(R1csError::ProofLength {
            version,
            length: bytes.len(),
        })?;

        let a_i1 = read_point(&mut r)?;
        let a_o1 = read_point(&mut r)?;
        let s1 = read_point(&mut r)?;
        let (a_i2, a_o2, s2) = if version == TWO_PHASE {
            (
                read_point(&mut r)?,
                read_point(&mut r)?,
                read_point(&mut r)?,
            )
        } else {
            let id = ProofPoint::identity();
            (id, id, id)
        };
        let t_1 = read_point(&mut r)?;
        let t_3 = read_point(&mut r)?;
        let t_4 = read_point(&mut r)?;
        let t_5 = read_point(&mut r)?;
        let t_6 = read_point(&mut r)?;
        let t_x = r.read_scalar()?;
        let t_x_blinding = r.read_scalar()?;
        let e_blinding = r.read_scalar()?;
        // `rounds` is bounded by the input length (64 bytes per round).
        let mut ipp_rounds = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            ipp_rounds.push((read_point(&mut r)?, read_point(&mut r)?));
        }
        let a = r.read_scalar()?;
        let b = r.read_scalar()?;
        r.finish()?;

        Ok(R1csProof {
            a_i1,
            a_o1,
            s1,
            a_i2,
            a_o2,
            s2,
            t_1,
            t_3,
            t_4,
            t_5,
            t_6,
            t_x,
            t_x_blinding,
            e_blinding,
            ipp: InnerProductProof {
                rounds: ipp_rounds,
                a,
                b,
            },
            two_phase_layout: version == TWO_PHASE,
        })
    }

    /// Whether second-phase commitments exist (any of them not the identity): the
    /// prover's choice of layout.
    pub(crate) fn has_second_phase(a_i2: &ProofPoint, a_o2: &ProofPoint, s2: &ProofPoint) -> bool {
        !(a_i2.compressed.is_identity()
            && a_o2.compressed.is_identity()
            && s2.compressed.is_identity())
    }

    /// `T_1, T_3, T_4, T_5, T_6` in order.
    pub(crate) fn t_points(&self) -> [&ProofPoint; 5] {
        [&self.t_1, &self.t_3, &self.t_4, &self.t_5, &self.t_6]
    }
}

/// How many inner-product rounds follow `fixed` 32-byte elements when `remaining`
/// bytes follow the version byte; `None` when no count fits exactly.
fn ipp_rounds(remaining: usize, fixed: usize) -> Option<usize> {
    if !remaining.is_multiple_of(32) {
        return None;
    }
    let pairs = (remaining / 32).checked_sub(fixed + 2)?;
    if pairs % 2 != 0 || pairs / 2 >= 32 {
        return None;
    }
    Some(pairs / 2)
}

fn read_point(r: &mut Reader<'_>) -> Result<ProofPoint, R1csError> {
    let bytes = r.read_array::<32>().map_err(R1csError::from)?;
    Ok(ProofPoint::decode(bytes))
}

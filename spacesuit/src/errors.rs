//! The one error type of the crate.

use r1cs::R1csError;

/// Why a gadget could not be built or assigned.
///
/// Gadgets return [`R1csError`] so that they compose with the constraint-system calls
/// they make; a `CloakError` travels inside it as [`R1csError::Gadget`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloakError {
    /// Two lists that a gadget pairs up have different lengths.
    #[error("{gadget}: {left} values on one side, {right} on the other")]
    LengthMismatch {
        /// The gadget that was called.
        gadget: &'static str,
        /// Length of the first list.
        left: usize,
        /// Length of the second list.
        right: usize,
    },
    /// A gadget that needs at least one value received none.
    #[error("{gadget}: needs at least one value")]
    Empty {
        /// The gadget that was called.
        gadget: &'static str,
    },
    /// Adding up the quantities of one flavor left the signed 64-bit range.
    #[error("a sum of quantities of one flavor leaves the signed 64-bit range")]
    QuantityOverflow,
    /// A range proof was asked for with a bit width above 64.
    #[error("bit width {0} exceeds 64")]
    BitWidth(usize),
    /// The prover's quantity is negative or does not fit the range proof's bits.
    #[error("quantity does not lie in [0, 2^{bits})")]
    OutOfRange {
        /// The width of the range proof.
        bits: usize,
    },
    /// The prover's inputs and outputs do not balance flavor by flavor.
    #[error("inputs and outputs do not balance per flavor")]
    Unbalanced,
}

impl From<CloakError> for R1csError {
    fn from(e: CloakError) -> Self {
        R1csError::Gadget(e.to_string())
    }
}

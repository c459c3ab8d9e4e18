use crate::Variable;
use encoding::EncodingError;

/// Why building, proving or verifying a constraint system failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum R1csError {
    /// The circuit needs more generators than were supplied.
    #[error("circuit needs {needed} generators, {capacity} are available")]
    TooFewGenerators {
        /// Generators the padded circuit needs.
        needed: usize,
        /// Generators available.
        capacity: usize,
    },
    /// The prover was asked to allocate a variable without its assignment.
    #[error("a variable was allocated without an assignment in the prover")]
    MissingAssignment,
    /// The proof bytes are malformed.
    #[error("malformed proof: {0}")]
    Format(#[from] EncodingError),
    /// The proof's version byte is neither one phase nor two.
    #[error("unknown proof version byte {0}")]
    UnknownVersion(u8),
    /// A point in the proof does not decode, or is the identity where that is refused.
    #[error("invalid point in the proof: {0}")]
    InvalidPoint(&'static str),
    /// The proof does not verify.
    #[error("proof does not verify")]
    VerificationFailed,
    /// A gadget reported that its statement cannot hold.
    #[error("gadget error: {0}")]
    Gadget(String),
    /// A commitment handed to the verifier is not a valid point encoding.
    #[error("commitment {index} is not a valid point encoding")]
    InvalidCommitment {
        /// Its position in commit order.
        index: usize,
    },
    /// A constraint names a variable the system never allocated.
    #[error("constraint uses unallocated variable {0:?}")]
    UnknownVariable(Variable),
    /// The prover's assignments leave a linear constraint unsatisfied (found by
    /// [`Prover::check`](crate::Prover::check) or
    /// [`Prover::prove_checked`](crate::Prover::prove_checked)).
    #[error("constraint {index} is not satisfied by the assignments")]
    Unsatisfied {
        /// The constraint's position: first-phase constraints in the order they were
        /// added, then those of the second phase.
        index: usize,
        /// The second-phase callback that added it (its position among the deferred
        /// callbacks), or `None` for a first-phase constraint.
        deferred: Option<usize>,
    },
    /// The proof's length fits no layout of its version.
    #[error("a proof of version {version} cannot be {length} bytes long")]
    ProofLength {
        /// The version byte.
        version: u8,
        /// The whole length of the proof bytes.
        length: usize,
    },
}

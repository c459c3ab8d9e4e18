//! The error type of the crate.

use crate::types::ItemKind;
use batch::BatchError;
use encoding::EncodingError;
use r1cs::R1csError;

/// Why a program, a transaction or one of their parts was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VmError {
    /// Bytes that do not decode: a transaction, an instruction, an output structure,
    /// a scalar, a call proof, a signature.
    #[error("malformed encoding: {0}")]
    Format(#[from] EncodingError),

    /// An output structure has a payload item with an unknown type tag.
    #[error("unknown payload item type 0x{tag:02x}")]
    UnknownPayloadType {
        /// The tag.
        tag: u8,
    },

    /// A 32-byte string that must be a Ristretto point is not one.
    #[error("invalid point: {what}")]
    InvalidPoint {
        /// Which point.
        what: &'static str,
    },

    /// An unassigned opcode in a transaction whose version does not enable extensions.
    #[error("opcode 0x{opcode:02x} is unassigned and extensions are disabled")]
    ExtensionsNotAllowed {
        /// The opcode.
        opcode: u8,
    },

    /// An instruction found an item of the wrong type.
    #[error("expected {expected}, found {found}")]
    TypeMismatch {
        /// The type the instruction needs.
        expected: &'static str,
        /// The type of the item it found.
        found: ItemKind,
    },

    /// `dup` on an item that is not copyable.
    #[error("{found} is not copyable")]
    NotCopyable {
        /// The item's type.
        found: ItemKind,
    },

    /// `drop` on an item that is not droppable.
    #[error("{found} is not droppable")]
    NotDroppable {
        /// The item's type.
        found: ItemKind,
    },

    /// `output` or `contract` on an item that is not portable.
    #[error("{found} is not portable")]
    NotPortable {
        /// The item's type.
        found: ItemKind,
    },

    /// An instruction needs more items than the stack holds.
    #[error("stack underflow: {needed} items needed, {available} available")]
    StackUnderflow {
        /// Items the instruction needs.
        needed: usize,
        /// Items on the stack.
        available: usize,
    },

    /// The program finished with items left on the stack.
    #[error("{remaining} items left on the stack")]
    StackNotClean {
        /// Items left.
        remaining: usize,
    },

    /// `issue`, `output` or `contract` ran before an anchor was set, or the
    /// transaction finished without one.
    #[error("no anchor: the transaction has not claimed an input")]
    AnchorMissing,

    /// The prover was not given a secret it needs.
    #[error("witness missing: {what}")]
    WitnessMissing {
        /// Which secret.
        what: &'static str,
    },

    /// The prover's secrets contradict each other (for example an integer was
    /// expected and a scalar given, or a balance does not hold).
    #[error("inconsistent witness: {what}")]
    InconsistentWitness {
        /// What was inconsistent.
        what: &'static str,
    },

    /// `range` on a constant outside `[0, 2^64)`.
    #[error("constant is outside the 64-bit range")]
    ConstantOutOfRange,

    /// `and`, `or` or `not` nested constraints deeper than the VM allows.
    #[error("constraints nested deeper than {limit}")]
    ConstraintTooDeep {
        /// The limit.
        limit: u32,
    },

    /// The program copied (with `dup`) more string bytes than it is long, or rolled
    /// items farther than its work limit allows.
    #[error("work limit exceeded: {what}")]
    WorkLimitExceeded {
        /// Which limit.
        what: &'static str,
    },

    /// The transaction's weight would exceed [`MAX_TX_WEIGHT`](crate::cost::MAX_TX_WEIGHT).
    #[error("transaction weight exceeds the limit of {limit}")]
    TxWeightExceeded {
        /// The limit.
        limit: u64,
    },

    /// The constraint system would hold more multipliers than
    /// [`MAX_MULTIPLIERS`](crate::cost::MAX_MULTIPLIERS).
    #[error("more than {limit} multipliers")]
    TooManyMultipliers {
        /// The limit.
        limit: usize,
    },

    /// The constraint system would hold more linear constraints than
    /// [`MAX_CONSTRAINTS`](crate::cost::MAX_CONSTRAINTS).
    #[error("more than {limit} constraints")]
    TooManyConstraints {
        /// The limit.
        limit: usize,
    },

    /// `verify` on a cleartext constraint that is false.
    #[error("cleartext constraint is false")]
    CleartextConstraintFalse,

    /// The fees of the transaction exceed 2^24.
    #[error("fee too high: the total would be {total}, the limit is 2^24")]
    FeeTooHigh {
        /// The total fee that was refused.
        total: u64,
    },

    /// Building the constraint system failed.
    #[error("constraint system: {0}")]
    R1cs(R1csError),

    /// The R1CS proof is malformed or does not verify.
    #[error("{}", r1cs_proof_message(.0))]
    InvalidR1csProof(R1csError),

    /// A deferred point check (signature, unblinding, issuance flavor, Taproot call)
    /// or the proof's equation failed. Checked together ([`batch::BatchVerifier`]),
    /// the failure cannot say which; checked one at a time
    /// ([`Verifier::explain_failure`](crate::Verifier::explain_failure)), it is
    /// [`BatchError::StatementFailed`] naming the check.
    #[error("{}", point_check_message(.0))]
    PointCheck(#[from] BatchError),

    /// The transaction at `index` of a list failed.
    #[error("transaction {index}: {error}")]
    InTx {
        /// Its position in the list.
        index: usize,
        /// Why it failed.
        error: Box<VmError>,
    },

    /// A prover's dry run (or [`Prover::build_tx`](crate::Prover::build_tx)) found
    /// the witness wrong at instruction `step` of the run: `error` says how (for an
    /// unsatisfied constraint, [`r1cs::R1csError::Unsatisfied`] inside
    /// [`VmError::R1cs`]).
    #[error("instruction {step} ({opcode}): {error}")]
    AtInstruction {
        /// The instruction's position in the run (see [`crate::trace::Step::index`]).
        step: usize,
        /// Its opcode's name.
        opcode: String,
        /// What failed.
        error: Box<VmError>,
    },

    /// A signature is malformed, or signing failed.
    #[error("signature: {0}")]
    Signature(#[from] musig::MusigError),

    /// A Taproot tree cannot be built or has no such clause.
    #[error("invalid predicate tree: {what}")]
    InvalidPredicateTree {
        /// What is wrong.
        what: &'static str,
    },

    /// Assembly text that does not parse.
    #[error("assembly, line {line}: {message}")]
    Assembly {
        /// The line (from 1).
        line: usize,
        /// What is wrong.
        message: String,
    },

    /// Text that is not a fee rate (see [`FeeRate`](crate::FeeRate)'s `FromStr`).
    #[error(
        "\"{text}\" is not a fee rate: write fee units per weight unit as a decimal \
         (0.1) or as a fraction F/W (1/10: 1 unit per 10 weight units)"
    )]
    InvalidFeeRate {
        /// The text that was given.
        text: String,
    },

    /// A builder was asked for something impossible (for example a payment whose
    /// inputs do not cover its outputs).
    #[error("bad arguments: {0}")]
    BadArguments(String),
}

/// How a false transaction came to be, in the words every failed check uses.
const FALSE_TX: &str = "it was changed after it was made, or made wrongly";

fn point_check_message(error: &BatchError) -> String {
    match error {
        BatchError::BatchFailed => {
            format!("the transaction's proof or one of its signatures is false: {FALSE_TX}")
        }
        BatchError::StatementFailed { what } => {
            format!("the transaction's {what} is false: {FALSE_TX}")
        }
        BatchError::TooManyGenerators { .. } => error.to_string(),
    }
}

fn r1cs_proof_message(error: &R1csError) -> String {
    match error {
        R1csError::VerificationFailed => {
            format!("the transaction's proof (R1CS) is false: {FALSE_TX}")
        }
        other => format!("invalid R1CS proof: {other}"),
    }
}

impl VmError {
    /// A signature's failure: one found false by a check on its own
    /// ([`musig::MusigError::InvalidSignature`]) becomes the failed point check
    /// `which` (for example `"signid signature"`); a malformed one stays
    /// [`VmError::Signature`].
    pub(crate) fn signature(which: &'static str, error: musig::MusigError) -> Self {
        match error {
            musig::MusigError::InvalidSignature => {
                VmError::PointCheck(BatchError::StatementFailed { what: which })
            }
            other => VmError::Signature(other),
        }
    }

    /// A type mismatch error.
    pub(crate) fn expected(expected: &'static str, found: ItemKind) -> Self {
        VmError::TypeMismatch { expected, found }
    }

    /// `error`, attributed to the transaction at `index` of a list.
    pub(crate) fn in_tx(index: usize, error: VmError) -> Self {
        VmError::InTx {
            index,
            error: Box::new(error),
        }
    }
}

impl From<R1csError> for VmError {
    fn from(e: R1csError) -> Self {
        VmError::R1cs(e)
    }
}

impl From<merkle::MerkleError> for VmError {
    fn from(e: merkle::MerkleError) -> Self {
        match e {
            merkle::MerkleError::Encoding(e) => VmError::Format(e),
            merkle::MerkleError::IndexOutOfRange { .. } => VmError::InvalidPredicateTree {
                what: "no clause at that index",
            },
            merkle::MerkleError::RootMismatch => VmError::InvalidPredicateTree {
                what: "path does not lead to the root",
            },
        }
    }
}

/// Why a set of statements was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// A statement checked on its own did not hold; `what` is the caller's name for it.
    #[error("{what} does not verify")]
    StatementFailed {
        /// The caller's name for the statement (for example `"signature"`).
        what: &'static str,
    },
    /// The weighted sum of a batch of statements did not hold: at least one of them is
    /// false, and a batch cannot tell which.
    #[error(
        "at least one of the statements checked together is false (a combined check cannot \
         say which)"
    )]
    BatchFailed,
    /// A statement used more Bulletproofs generators than the verifier holds.
    #[error("statement needs {needed} generators, {capacity} are available")]
    TooManyGenerators {
        /// Generators the statement needs.
        needed: usize,
        /// Generators the verifier holds.
        capacity: usize,
    },
}

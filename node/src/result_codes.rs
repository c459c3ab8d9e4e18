//! The ABCI result codes of the application: what `CheckTx` and the queries answer,
//! what the CometBFT RPC client reads back and the API maps to HTTP statuses. Below
//! the application, its RPC client and the routes, which all speak them.

use crate::error::NodeError;
use blockchain::BlockchainError;

/// The ABCI result codes of this application; 0 is success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ErrorCode {
    /// The bytes are not a transaction nor a block transaction, or a field of the
    /// request is malformed.
    Malformed = 1,
    /// The VM refused the transaction, or its proofs or signatures do not verify,
    /// or the bridge's rule refuses it.
    Invalid = 2,
    /// An input is not an unspent output this node can prove (spent or unknown).
    UnknownInput = 3,
    /// An input is spent by a pending transaction, or twice by this one.
    DoubleSpend = 4,
    /// The time bounds or version do not fit.
    Time = 5,
    /// The mempool refused it: full, fee rate too low, already waiting, too large.
    Mempool = 6,
    /// The chain does not exist here yet (before `InitChain` or state sync).
    NotReady = 7,
    /// A query path this application does not serve, or nothing found there.
    NotFound = 8,
    /// A height that does not fit the chain's state.
    WrongHeight = 9,
    /// The store failed.
    Internal = 10,
}

impl ErrorCode {
    /// The code of an error.
    pub fn of(error: &NodeError) -> ErrorCode {
        match error {
            NodeError::Chain(e) => Self::of_chain(e),
            NodeError::Encoding(_) | NodeError::Vm(_) | NodeError::Hex { .. } => {
                ErrorCode::Malformed
            }
            NodeError::NotInitialized(_) | NodeError::NotReady => ErrorCode::NotReady,
            NodeError::NotWaiting => ErrorCode::Mempool,
            NodeError::Bridge(_) => ErrorCode::Invalid,
            NodeError::NoProof { .. } => ErrorCode::UnknownInput,
            NodeError::Database(_)
            | NodeError::Corrupt(_)
            | NodeError::Io { .. }
            | NodeError::StoreFailing(_)
            | NodeError::StoreBusy(_) => ErrorCode::Internal,
            _ => ErrorCode::Malformed,
        }
    }

    fn of_chain(error: &BlockchainError) -> ErrorCode {
        use BlockchainError as E;
        match error {
            E::InTx { error, .. } => Self::of_chain(error),
            E::Encoding(_) | E::MalformedTx(_) | E::MalformedProof(_) => ErrorCode::Malformed,
            E::Spend { .. } | E::SpentByBlock { .. } | E::Mined { .. } => ErrorCode::UnknownInput,
            E::Conflict { .. } | E::DuplicateInput { .. } => ErrorCode::DoubleSpend,
            E::TxTime { .. } | E::TxVersion { .. } | E::Expired { .. } => ErrorCode::Time,
            E::AlreadyInMempool { .. }
            | E::FeeRateTooLow { .. }
            | E::TxTooLarge { .. }
            | E::Evicted { .. } => ErrorCode::Mempool,
            E::WrongHeight { .. } => ErrorCode::WrongHeight,
            _ => ErrorCode::Invalid,
        }
    }

    /// The code's value.
    pub fn value(self) -> u32 {
        self as u32
    }
}

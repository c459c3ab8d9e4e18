//! The bridge's one error type.

use thiserror::Error;

/// Everything that can go wrong in the bridge.
#[derive(Debug, Error)]
pub enum BridgeError {
    /// A consensus encoding could not be read.
    #[error("malformed {what}: {source}")]
    Encoding {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        source: encoding::EncodingError,
    },
    /// A field was read but holds a value the format does not allow.
    #[error("malformed {what}")]
    Malformed {
        /// The field.
        what: &'static str,
    },
    /// An encoding names a version this code does not know.
    #[error("unknown {what} version {version}: upgrade the node")]
    UnknownVersion {
        /// What was being read.
        what: &'static str,
        /// The version found.
        version: u8,
    },
    /// A vote extension is larger than a validator may send.
    #[error("vote extension of {size} bytes exceeds the limit of {limit} bytes")]
    VoteExtensionTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A vote extension lists something twice or out of order.
    #[error("vote extension lists {what} twice or out of order")]
    NotStrictlyIncreasing {
        /// Which list.
        what: &'static str,
    },
    /// A signature is not a valid secp256k1 signature over its digest.
    #[error("invalid signature: {0}")]
    InvalidSignature(String),
    /// A validator set is empty, names an address twice or has a zero power.
    #[error("invalid validator set: {0}")]
    InvalidValidatorSet(&'static str),
    /// The signatures gathered hold too little voting power.
    #[error("signatures hold {signed} of {total} voting power; more than two thirds is needed")]
    NotEnoughPower {
        /// Power that signed.
        signed: u128,
        /// Total power.
        total: u128,
    },
    /// A deposit was already imported.
    #[error("deposit {nonce} was already imported")]
    AlreadyImported {
        /// Its nonce.
        nonce: u64,
    },
    /// A transaction signed with the bridge issuer key is not the import of an
    /// agreed deposit.
    #[error("the bridge issuer key signed a transaction that is not the import of an agreed deposit: {0}")]
    IssuerKeyMisused(&'static str),
    /// A deposit's ZkVM address does not decode.
    #[error("deposit {nonce} is addressed to an invalid ZkVM address")]
    BadDepositAddress {
        /// Its nonce.
        nonce: u64,
    },
    /// An export is not backed by an open retirement of its value.
    #[error("export payload at log entry {index} has no open retirement of its token and amount")]
    ExportNotRetired {
        /// The log index of the payload.
        index: u32,
    },
    /// A withdrawal asks for more of a token than the chain holds of it.
    #[error("withdrawal of {amount} exceeds the {held} held of token 0x{token}")]
    ExceedsHeld {
        /// The token, hex.
        token: String,
        /// Amount asked.
        amount: u64,
        /// Amount held.
        held: u128,
    },
    /// A withdrawal is not known to the bridge state.
    #[error("unknown withdrawal {0}")]
    UnknownWithdrawal(String),
    /// The ZkVM refused to build a transaction.
    #[error("zkvm: {0}")]
    Vm(#[from] zkvm::VmError),
    /// The validator key file could not be read or written.
    #[error("validator key file {path}: {message}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The L1 node refused a call or could not be reached.
    #[error("L1: {0}")]
    L1(String),
}

impl BridgeError {
    /// A reading error of `what`.
    pub(crate) fn encoding(what: &'static str) -> impl Fn(encoding::EncodingError) -> BridgeError {
        move |source| BridgeError::Encoding { what, source }
    }

    /// An L1 error, from anything that displays.
    pub(crate) fn l1(e: impl std::fmt::Display) -> BridgeError {
        BridgeError::L1(e.to_string())
    }
}

impl From<encoding::EncodingError> for BridgeError {
    fn from(source: encoding::EncodingError) -> Self {
        BridgeError::Encoding {
            what: "bridge encoding",
            source,
        }
    }
}

//! The error type of the node: every failure of the store, the chain service, the
//! follower, the command line and the transaction tools names its reason here.

use blockchain::BlockchainError;
use std::path::PathBuf;
use zkvm::VmError;

/// Why a node operation failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Bytes that do not decode.
    #[error("malformed encoding: {0}")]
    Encoding(#[from] encoding::EncodingError),

    /// The embedded database failed (I/O, a lock held by another process, corruption
    /// detected by redb).
    #[error("database: {0}")]
    Database(Box<redb::Error>),

    /// The store was written by a node of another format version.
    #[error("store format version {found}, this node reads version {expected}")]
    FormatVersion {
        /// The version recorded in the store.
        found: u32,
        /// The version this node reads and writes.
        expected: u32,
    },

    /// The data directory holds no store (run `zkvm-node init` first).
    #[error("no store in {0} (run `zkvm-node init --data-dir` first)")]
    NotInitialized(PathBuf),

    /// `init` on a data directory that already holds a store.
    #[error("{0} already holds a store")]
    AlreadyInitialized(PathBuf),

    /// The store met an I/O error (a full disk, a failing device) and is not
    /// reopened yet: nothing is admitted or produced meanwhile.
    #[error("the store cannot be used: {0}; nothing is admitted or produced until it can (free disk space or mend the device; the node retries by itself)")]
    StoreFailing(String),

    /// The store's contents contradict each other or do not decode.
    #[error("corrupt store: {0}")]
    Corrupt(String),

    /// A file of the data directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },

    /// A block or transaction was refused by the chain rules or the mempool.
    #[error("{0}")]
    Chain(#[from] BlockchainError),

    /// The VM refused a transaction.
    #[error("{0}")]
    Vm(#[from] VmError),

    /// Hex input that does not decode.
    #[error("{what} is not valid hex: {source}")]
    Hex {
        /// What the hex was meant to be.
        what: &'static str,
        /// The decoding error.
        #[source]
        source: hex::FromHexError,
    },

    /// Input of the right encoding but the wrong meaning (a key, a length).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was invalid.
        what: &'static str,
        /// Why.
        reason: String,
    },

    /// The ABCI connection with CometBFT closed on an error: a request that could
    /// not be read or converted, a failed socket, or a request the application
    /// answered with an error.
    #[error("ABCI connection: {0}")]
    AbciConnection(String),

    /// The bridge to the L1 refused something or could not reach the L1.
    #[error("bridge: {0}")]
    Bridge(#[from] bridge::BridgeError),

    /// A sealed blob could not be opened: wrong passphrase or damaged bytes.
    #[error("wrong passphrase or damaged sealed data")]
    Unseal,

    /// Key derivation from a passphrase failed.
    #[error("key derivation failed: {0}")]
    KeyDerivation(String),

    /// The remote node of `--follow` could not be reached or answered badly.
    #[error("remote node {url}: {reason}")]
    Remote {
        /// The URL asked.
        url: String,
        /// What went wrong.
        reason: String,
    },

    /// The followed node's chain differs from ours (another genesis, a fork).
    #[error("the followed node's chain differs: {0}")]
    Diverged(String),

    /// The chain does not exist on this node yet: a CometBFT node before `InitChain`
    /// or state sync.
    #[error("this node has no chain yet: it waits for CometBFT's InitChain or a state sync; try again once it has blocks")]
    NotReady,

    /// A recheck of a transaction that no longer waits in the mempool (mined,
    /// evicted, or never admitted here).
    #[error("the transaction no longer waits in this node's mempool")]
    NotWaiting,

    /// CometBFT's `CheckTx` refused a transaction: the application's result code and
    /// its message.
    #[error("{message}")]
    Refused {
        /// The ABCI result code ([`crate::result_codes::ErrorCode`]).
        code: u32,
        /// Why.
        message: String,
    },

    /// The node cannot take more now (a full CometBFT mempool); the request may be
    /// tried again later.
    #[error("{0}")]
    Busy(String),

    /// A bare transaction spends an output this node keeps no Utreexo proof of: it
    /// is spent or unknown, or the node joined by state sync after it was made.
    #[error("input {input} is not an unspent output this node can prove: it was spent, never existed, or was made before this node joined by state sync (then submit the transaction with its input proofs)")]
    NoProof {
        /// The input.
        input: zkvm::ContractId,
    },

    /// Blocks asked of a node that does not keep them: it joined the network by
    /// state sync after them.
    #[error("this node keeps no blocks from height {asked} to {}: it joined the network by state sync at height {}; sync from a node that keeps them, or start a new wallet at the tip", .first - 1, .first - 1)]
    NoHistory {
        /// The first height asked.
        asked: u64,
        /// The first height it holds after that.
        first: u64,
    },

    /// Compact blocks asked of a node that has none for those heights: it stored
    /// them from a later height on (it joined by state sync, or was upgraded).
    #[error("this node has no compact blocks from height {asked} to {}: it keeps them from height {first} on; sync this wallet in full (without --light) past that height, or from a node that keeps them", .first - 1)]
    NoCompactBlocks {
        /// The first height asked.
        asked: u64,
        /// The first height it holds after that.
        first: u64,
    },

    /// A CometBFT header offered as a block's evidence does not prove it to a light
    /// wallet (not signed by its validators, of another chain or height, or about
    /// another block).
    #[error("{0}")]
    HeaderEvidence(String),

    /// Light sync asked of a node that cannot prove its blocks' headers to a light
    /// wallet.
    #[error("{0}")]
    NoLightSync(String),

    /// The node stopped while the request waited.
    #[error("the node is shutting down")]
    ShuttingDown,

    /// The wallet library refused (insufficient funds, malformed or wrong-network
    /// address, a block that does not extend the wallet's tip).
    #[error("{0}")]
    Wallet(#[from] wallet::WalletError),

    /// No wallet of this name in the data directory.
    #[error("no wallet named {0:?} (create it with `zkvm-node wallet create`)")]
    UnknownWallet(String),

    /// `wallet create` with a name already taken.
    #[error("a wallet named {0:?} exists already")]
    WalletExists(String),

    /// A watch-only wallet was asked to sign.
    #[error("wallet {0:?} holds only a viewing key and cannot sign: pay with --unsigned FILE, sign that file with `zkvm-node wallet sign` where the root key is, then `zkvm-node wallet submit`")]
    WatchOnlyWallet(String),

    /// The user did not confirm what a command showed.
    #[error("not signed: the review was not confirmed (answer y to sign, or pass --yes)")]
    NotConfirmed,

    /// No passphrase was given for a wallet.
    #[error("no wallet passphrase: pass --passphrase-file FILE or --passphrase-fd N, set ZKVM_WALLET_PASSPHRASE, or run the command in a terminal to be asked")]
    NoPassphrase,

    /// The data directory holds no wallet file.
    #[error("no wallet file {}: create a wallet with `zkvm-node wallet create NAME --data-dir DIR`, or give the --data-dir that holds yours", .0.display())]
    NoWalletFile(PathBuf),

    /// The wallet file may be read by other users.
    #[error("{} has mode {mode:04o}: other users may copy the sealed wallets and try passphrases offline; run `chmod 600 {}` and try again", .path.display(), .path.display())]
    WalletFileMode {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// Another node holds the data directory's store open.
    #[error("another zkvm-node is using {}; stop it or choose another --data-dir", .0.display())]
    StoreBusy(PathBuf),

    /// Another process holds the wallet file open.
    #[error("{} is in use by another wallet command; wait for it to end and try again", .0.display())]
    WalletFileBusy(PathBuf),

    /// A task of the node failed unexpectedly (a panic in a blocking task).
    #[error("internal task failure: {0}")]
    Task(String),
}

/// Converts each redb error kind through the umbrella [`redb::Error`].
macro_rules! from_redb {
    ($($t:ty),*) => {
        $(impl From<$t> for NodeError {
            fn from(e: $t) -> Self {
                NodeError::Database(Box::new(e.into()))
            }
        })*
    };
}
from_redb!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

impl NodeError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        NodeError::Io {
            path: path.into(),
            source,
        }
    }

    /// The same failure, for one more of the requests it answers: the kinds that
    /// carry no source are kept, a storage I/O error becomes
    /// [`NodeError::StoreFailing`], the others [`NodeError::Task`] with the text.
    pub fn again(&self) -> NodeError {
        match self {
            NodeError::NotReady => NodeError::NotReady,
            NodeError::ShuttingDown => NodeError::ShuttingDown,
            NodeError::StoreFailing(cause) => NodeError::StoreFailing(cause.clone()),
            io if io.is_storage_io() => NodeError::StoreFailing(io.to_string()),
            other => NodeError::Task(other.to_string()),
        }
    }

    /// Whether this is an I/O error of the store (which puts the store in a fault).
    pub fn is_storage_io(&self) -> bool {
        match self {
            NodeError::Database(e) => matches!(**e, redb::Error::Io(_) | redb::Error::PreviousIo),
            NodeError::StoreFailing(_) => true,
            _ => false,
        }
    }

    /// Decodes hex naming what it was.
    pub fn decode_hex(what: &'static str, text: &str) -> Result<Vec<u8>, NodeError> {
        hex::decode(text.trim()).map_err(|source| NodeError::Hex { what, source })
    }
}

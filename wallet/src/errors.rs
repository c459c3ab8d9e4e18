//! The wallet's errors: one enum, a variant per failure a caller can act on.

use blockchain::{BlockId, BlockchainError};
use merkle::Hash;
use zkvm::{ContractId, TxId, VmError};

/// What can go wrong in the wallet. A call that fails changes nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WalletError {
    /// An address string is not valid bech32m text.
    #[error("malformed address: {0}")]
    AddressSyntax(String),
    /// An address string's checksum does not match.
    #[error("address checksum does not match")]
    AddressChecksum,
    /// An address or request is for another network.
    #[error("wrong network: expected {expected}, found {found}")]
    WrongNetwork {
        /// The network of this wallet.
        expected: String,
        /// The network named in the input.
        found: String,
    },
    /// Text (a viewing key, a disclosure) is not valid bech32m of the expected kind.
    #[error("this is not a valid {what}: {reason}")]
    TextSyntax {
        /// What the text should have been.
        what: &'static str,
        /// Why it is not.
        reason: String,
    },
    /// The checksum of a viewing key's or disclosure's text does not match.
    #[error("the {what} has a wrong checksum: a character was changed or lost; copy it again")]
    TextChecksum {
        /// What the text is.
        what: &'static str,
    },
    /// An encoding of a newer (or unknown) version.
    #[error("this {what} has version {version}; this wallet reads version {supported}: update the software")]
    UnsupportedVersion {
        /// What was encoded.
        what: &'static str,
        /// Its version.
        version: u8,
        /// The version this code reads.
        supported: u8,
    },
    /// A watch-only wallet (one made from a viewing key) was asked to do what needs
    /// a secret key.
    #[error("this wallet holds only a viewing key and cannot {action}: use the wallet that holds the root key")]
    WatchOnly {
        /// What it was asked to do.
        action: &'static str,
    },
    /// A wallet made from an incoming viewing key was asked to build a transaction.
    #[error("an incoming viewing key cannot {action}: make the watch-only wallet from the full viewing key")]
    NeedsFullViewingKey {
        /// What it was asked to do.
        action: &'static str,
    },
    /// A payment disclosure does not match the transaction it names.
    #[error("the disclosure does not hold: {what}; it was altered, or it is false")]
    DisclosureMismatch {
        /// Which part does not match.
        what: &'static str,
    },
    /// A transaction has no output of that index.
    #[error("transaction {tx} has {outputs} output(s), none with index {index}: check the output number")]
    NoSuchOutput {
        /// The transaction.
        tx: TxId,
        /// The index asked for.
        index: u32,
        /// How many outputs it has.
        outputs: usize,
    },
    /// The wallet neither received nor sent this output, so it cannot disclose it.
    #[error("output {index} of transaction {tx} was neither paid to nor sent by this wallet: only its recipient or its sender can disclose it")]
    NotOurOutput {
        /// The transaction.
        tx: TxId,
        /// The output's index.
        index: u32,
    },
    /// An output of the wallet that a disclosure cannot describe.
    #[error("this output cannot be disclosed: {reason}")]
    NotDisclosable {
        /// Why.
        reason: &'static str,
    },
    /// An offline signer refuses a proposal: what it shows differs from what its
    /// transaction does.
    #[error(
        "the proposal is refused: {what}; do not sign it, and build it again on the online machine"
    )]
    ProposalRefused {
        /// What differs.
        what: String,
    },
    /// A field of an address, request or note has the wrong size or version.
    #[error("malformed {what}")]
    Malformed {
        /// What was malformed.
        what: &'static str,
    },
    /// A point in an address or request is not a valid Ristretto encoding.
    #[error("invalid point in {what}")]
    InvalidPoint {
        /// Where the point was.
        what: &'static str,
    },
    /// A block does not follow the wallet's tip.
    #[error(
        "block {block} at height {height} does not extend the tip {tip} at height {tip_height}"
    )]
    NotExtendingTip {
        /// The block's ID.
        block: BlockId,
        /// The block's height.
        height: u64,
        /// The wallet's tip.
        tip: BlockId,
        /// The tip's height.
        tip_height: u64,
    },
    /// The block's catch-up data is not for the wallet's forest generation.
    #[error("catch-up moves proofs from generation {from}, the wallet is at {at}")]
    GenerationMismatch {
        /// The generation the catch-up starts from.
        from: u64,
        /// The wallet's generation.
        at: u64,
    },
    /// The wallet has not been started on a chain.
    #[error("the wallet has no chain tip yet")]
    NotStarted,
    /// An output's Utreexo proof could not be brought to the new forest.
    #[error("the proof of output {output} could not be updated: {reason}")]
    ProofUpdate {
        /// The output.
        output: ContractId,
        /// Why.
        reason: String,
    },
    /// Not enough unreserved confirmed value of a flavor.
    #[error("insufficient funds of flavor {flavor}: needed {needed}, available {available}{}", on_its_way(.pending))]
    InsufficientFunds {
        /// The flavor (hex).
        flavor: String,
        /// What the transaction needs.
        needed: u64,
        /// What is spendable.
        available: u64,
        /// What of the flavor is on its way to the wallet (change of its pending
        /// transactions, announced payments): spendable once in a block.
        pending: u64,
    },
    /// Quantities overflow 64 bits.
    #[error("quantities overflow 64 bits")]
    Overflow,
    /// A transaction needs a spent output to anchor it, and the account has none.
    #[error("the account has no unreserved output to anchor a transaction")]
    NoAnchor,
    /// A memo that is empty or longer than the limit.
    #[error("a memo holds 1 to {max} bytes, this one has {length}: shorten it (or leave it out)")]
    MemoLength {
        /// Its length.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// A transaction needs at least one payment, retirement or issuance.
    #[error("nothing to send")]
    NothingToSend,
    /// A payment, request, retirement or issuance of zero units.
    #[error("a {what} of zero units does nothing: give a quantity above zero")]
    ZeroAmount {
        /// What had zero units.
        what: &'static str,
    },
    /// The fee needed exceeds the largest fee a transaction may pay.
    #[error("fee {fee} exceeds the maximum")]
    FeeTooHigh {
        /// The fee.
        fee: u64,
    },
    /// A payment request has expired.
    #[error("payment request expired at {expiry_ms} (now {now_ms})")]
    RequestExpired {
        /// The request's expiry.
        expiry_ms: u64,
        /// The time it was checked against.
        now_ms: u64,
    },
    /// A reply names a request this wallet does not have (or no longer has).
    #[error("unknown payment request {0}")]
    UnknownRequest(u64),
    /// A pending transaction is not known.
    #[error("transaction {0} is not pending in this wallet (the wallet's pending transactions are listed by `pending`)")]
    UnknownTx(TxId),
    /// No account with this index is open.
    #[error("no account {0}")]
    UnknownAccount(u64),
    /// The wallet has no shared (2-of-2) account.
    #[error("no shared account")]
    NoSharedAccount,
    /// A proposal spends an output the co-signer does not know as a shared one, or
    /// an output that is already reserved.
    #[error("cannot co-sign: {0}")]
    CosignRefused(String),
    /// The other party of a signing session misbehaved (bad nonce, bad share).
    #[error("signing session failed: {0}")]
    Signing(String),
    /// The VM refused to build or run the transaction.
    #[error("transaction: {0}")]
    Vm(#[from] VmError),
    /// The chain refused something (used where the wallet runs chain checks).
    #[error("chain: {0}")]
    Chain(#[from] BlockchainError),
    /// A stored state could not be decoded.
    #[error("stored state: {0}")]
    State(String),
    /// A stored state could not be decrypted with this root key.
    #[error("stored state does not open with this key")]
    StateKey,
    /// The storage backend failed.
    #[error("storage: {0}")]
    Storage(String),

    // Light sync, birthdays and pending transactions.
    /// A stored ledger was written by another version of the wallet.
    #[error(
        "the stored wallet state has ledger version {found}, this wallet reads version 2: \
         recover the wallet from its root key with a birthday"
    )]
    LedgerVersion {
        /// The version found.
        found: u8,
    },
    /// A checkpoint's forest is not the one its header commits to.
    #[error(
        "the forest given for block {height} has root {computed}, its header commits to \
         {header}: ask the node for the checkpoint again, or another node"
    )]
    CheckpointMismatch {
        /// The block's height.
        height: u64,
        /// The header's UTXO root.
        header: Hash,
        /// The root of the forest given.
        computed: Hash,
    },
    /// The bytes of a compact or light block do not decode, or a block and its
    /// applied form do not belong together.
    #[error("malformed compact block: {0}")]
    MalformedCompactBlock(String),
    /// The evidence does not prove a block's header (the node lied, or is on another
    /// chain).
    #[error(
        "the header of block {height} is not proven by its evidence ({reason}): sync from \
         another node"
    )]
    HeaderNotSigned {
        /// The block's height.
        height: u64,
        /// What the header verifier refused.
        reason: String,
    },
    /// A compact block's spend does not fit the wallet's forest: its position or
    /// hashes are forged.
    #[error(
        "the node forged the catch-up of block {height}: the spend of {input} does not fit \
         the forest ({reason}); sync from another node"
    )]
    ForgedCatchup {
        /// The block's height.
        height: u64,
        /// The input whose spend does not fit.
        input: ContractId,
        /// Why the forest refused it.
        reason: String,
    },
    /// The forest after a compact block's spends and outputs is not the one the
    /// header commits to: an output or a spend was withheld or invented.
    #[error(
        "block {height}'s spends and outputs lead to the UTXO root {computed}, its header \
         commits to {header}: the node withheld or invented an output or a spend; sync from \
         another node"
    )]
    ForestMismatch {
        /// The block's height.
        height: u64,
        /// The header's UTXO root.
        header: Hash,
        /// The root the compact block leads to.
        computed: Hash,
    },
    /// The node's mempool was read at a height the wallet has not reached.
    #[error(
        "the mempool was read at height {mempool_height}, the wallet is at {tip_height}: \
         sync the blocks first"
    )]
    MempoolAhead {
        /// The node's tip when its mempool was read.
        mempool_height: u64,
        /// The wallet's tip.
        tip_height: u64,
    },
}

impl From<encoding::EncodingError> for WalletError {
    fn from(e: encoding::EncodingError) -> Self {
        WalletError::State(e.to_string())
    }
}

impl From<musig::MusigError> for WalletError {
    fn from(e: musig::MusigError) -> Self {
        WalletError::Signing(e.to_string())
    }
}

/// The end of the insufficient-funds message when value is on its way.
fn on_its_way(pending: &u64) -> String {
    match pending {
        0 => String::new(),
        n => format!(
            "; {n} more is on its way (change of a payment not yet in a block): try again after the next block"
        ),
    }
}

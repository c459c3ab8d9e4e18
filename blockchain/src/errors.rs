//! The error type of the crate: every refusal of a block, of a transaction in a block
//! or in the mempool, and every mempool eviction names its reason here.

use crate::header::BlockId;
use encoding::EncodingError;
use merkle::Hash;
use musig::MusigError;
use utreexo::UtreexoError;
use zkvm::{ContractId, FeeRate, TxId, VmError};

/// Why a block or a transaction was refused, or why the mempool let a transaction go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockchainError {
    /// Bytes that do not decode as a header, a block or a block transaction.
    #[error("malformed encoding: {0}")]
    Encoding(#[from] EncodingError),

    /// A transaction inside a block transaction does not decode.
    #[error("malformed transaction: {0}")]
    MalformedTx(VmError),

    /// A Utreexo proof inside a block transaction does not decode.
    #[error("malformed Utreexo proof: {0}")]
    MalformedProof(UtreexoError),

    /// The block's transactions weigh more than
    /// [`MAX_BLOCK_WEIGHT`](crate::validation::MAX_BLOCK_WEIGHT) (their encoded bytes
    /// alone, or their weights as verification counts them).
    #[error("block weight exceeds the limit of {limit}")]
    BlockWeightExceeded {
        /// The limit.
        limit: u64,
    },

    /// The block's version is lower than its predecessor's.
    #[error("block version {got} is lower than the previous block's {previous}")]
    VersionDecreased {
        /// The previous header's version.
        previous: u64,
        /// The block's version.
        got: u64,
    },

    /// A version 1 header carries extension bytes.
    #[error("a version 1 header must have an empty extension, found {len} bytes")]
    ExtensionNotEmpty {
        /// The length of the extension.
        len: usize,
    },

    /// The block's height is not one more than its predecessor's.
    #[error("block height {got}, expected {expected}")]
    WrongHeight {
        /// The previous height plus one.
        expected: u64,
        /// The block's height.
        got: u64,
    },

    /// The block does not name the current tip as its predecessor.
    #[error("block names {got} as previous, the tip is {expected}")]
    WrongPrevious {
        /// The ID of the tip header.
        expected: BlockId,
        /// The ID the block names.
        got: BlockId,
    },

    /// The block's timestamp is not strictly later than its predecessor's.
    #[error("block time {got} ms is not later than the previous block's {previous} ms")]
    TimestampNotLater {
        /// The previous header's timestamp.
        previous: u64,
        /// The block's timestamp.
        got: u64,
    },

    /// A transaction's time bounds do not contain the block (or mempool) time.
    #[error("time {time} ms lies outside the transaction's bounds [{mintime}, {maxtime}]")]
    TxTime {
        /// The transaction's earliest time.
        mintime: u64,
        /// The transaction's latest time.
        maxtime: u64,
        /// The time it was checked at.
        time: u64,
    },

    /// A transaction's version is not allowed in a block of this version.
    #[error("transaction version {tx_version} is not allowed in a version {block_version} block")]
    TxVersion {
        /// The transaction's version.
        tx_version: u64,
        /// The block's version.
        block_version: u64,
    },

    /// The transaction root in the header does not match the block's transactions.
    #[error("header commits transaction root {header}, the transactions give {computed}")]
    TxRootMismatch {
        /// The root in the header.
        header: Hash,
        /// The root of the block's transactions.
        computed: Hash,
    },

    /// The UTXO root in the header does not match the state after the block.
    #[error("header commits UTXO root {header}, applying the block gives {computed}")]
    UtxoRootMismatch {
        /// The root in the header.
        header: Hash,
        /// The root of the normalized forest after the block.
        computed: Hash,
    },

    /// The producer's signature over the block ID does not verify.
    #[error("the producer's block signature does not verify: {0}")]
    BadBlockSignature(MusigError),

    /// The VM refused the transaction (execution, a malformed proof, a failed point check).
    #[error("transaction is invalid: {0}")]
    TxInvalid(VmError),

    /// The transaction passed execution, but its deferred proofs and signatures
    /// failed when checked together (which one is false, the combined check cannot
    /// say; `zkvm::Verifier::explain_failure` finds it).
    #[error(
        "the transaction's proof or one of its signatures is false: it was changed after it \
         was made, or made wrongly"
    )]
    TxProofInvalid,

    /// A block transaction does not carry one Utreexo proof per input.
    #[error("transaction has {inputs} inputs but {proofs} Utreexo proofs")]
    ProofCount {
        /// Inputs in the transaction log.
        inputs: usize,
        /// Proofs in the block transaction.
        proofs: usize,
    },

    /// An input is not in the UTXO set at the place its proof says (unknown, already
    /// spent, or a stale or forged proof). The message says which, in the user's
    /// words: an output the forest does not hold "was spent or never existed".
    #[error("input {input} is not an unspent output: {}", unspendable(.error))]
    Spend {
        /// The contract ID of the input.
        input: ContractId,
        /// Why the forest refused it.
        error: UtreexoError,
    },

    /// An output could not be added to the forest.
    #[error("output {output} could not be inserted: {error}")]
    Insert {
        /// The contract ID of the output.
        output: ContractId,
        /// Why the forest refused it.
        error: UtreexoError,
    },

    /// A transaction of a block failed; `index` is its position in the block.
    #[error("transaction {index} of the block: {error}")]
    InTx {
        /// The position of the transaction in the block.
        index: usize,
        /// Why it failed.
        error: Box<BlockchainError>,
    },

    /// The transaction is already in the mempool.
    #[error("transaction {id} is already in the mempool")]
    AlreadyInMempool {
        /// Its ID.
        id: TxId,
    },

    /// The transaction spends an input that a transaction in the mempool already spends.
    #[error("input {input} is already spent by mempool transaction {with}")]
    Conflict {
        /// The contested input.
        input: ContractId,
        /// The mempool transaction that spends it.
        with: TxId,
    },

    /// The same input appears twice in one transaction.
    #[error("input {input} is spent twice by the transaction")]
    DuplicateInput {
        /// The repeated input.
        input: ContractId,
    },

    /// The mempool is full and the transaction pays no more than the cheapest one in it.
    #[error(
        "the mempool is full and fee rate {rate} does not beat its lowest, {lowest}: \
         pay a higher fee rate or wait for a block"
    )]
    FeeRateTooLow {
        /// The transaction's fee rate.
        rate: FeeRate,
        /// The lowest fee rate in the mempool.
        lowest: FeeRate,
    },

    /// The transaction alone is larger than the mempool.
    #[error(
        "the transaction with its input proofs takes {size} bytes, more than the whole \
         mempool holds ({limit} bytes)"
    )]
    TxTooLarge {
        /// The bytes it would take in the mempool: the transaction with its input
        /// proofs ([`MempoolEntry::size`](crate::MempoolEntry::size)).
        size: usize,
        /// The mempool's size limit.
        limit: usize,
    },

    /// The transaction was evicted: the mempool outgrew its limit and this one paid
    /// the lowest fee rate.
    #[error("evicted from the full mempool: its fee rate, {rate}, was the lowest")]
    Evicted {
        /// Its fee rate.
        rate: FeeRate,
    },

    /// The transaction was included in a block.
    #[error("mined in block {height}")]
    Mined {
        /// The height of that block.
        height: u64,
    },

    /// A block spent one of the transaction's inputs.
    #[error("input {input} was spent by block {height}")]
    SpentByBlock {
        /// The input.
        input: ContractId,
        /// The height of that block.
        height: u64,
    },

    /// The transaction's latest time passed: no later block can include it.
    #[error("expired: maxtime {maxtime} ms is not after the tip's {tip_time} ms")]
    Expired {
        /// The transaction's latest time.
        maxtime: u64,
        /// The new tip's timestamp.
        tip_time: u64,
    },

    /// The mempool and the chain state it is used with are at different blocks: a
    /// block that does not follow the mempool's state, or a producer whose state is
    /// not the mempool's.
    #[error("the chain is at forest generation {from}, the mempool at {at}")]
    MempoolOutOfStep {
        /// The generation of the chain's forest (a block's catch-up starts there).
        from: u64,
        /// The generation of the mempool's forest.
        at: u64,
    },
}

/// Why the forest refused to delete an input, as its owner would say it.
fn unspendable(error: &UtreexoError) -> String {
    use UtreexoError as E;
    match error {
        E::NotInForest | E::AlreadyDeleted | E::NotInserted => {
            "it was spent or never existed".into()
        }
        E::WrongGeneration { proof, forest } => format!(
            "its Utreexo proof is out of date (made at generation {proof}, the UTXO set is at \
             {forest}): update the proof to the current block and send it again"
        ),
        E::PositionOutOfRange { .. }
        | E::PathLength { .. }
        | E::NeighborMismatch { .. }
        | E::RootMismatch
        | E::TransientProof => "its Utreexo proof does not lead to the UTXO set: the output was \
             spent or never existed, or the proof is out of date"
            .into(),
        E::TooManyChanges | E::UnknownProofKind(_) | E::Encoding(_) => error.to_string(),
    }
}

impl BlockchainError {
    /// Places the error at the transaction of position `index` in a block.
    pub fn in_tx(self, index: usize) -> Self {
        BlockchainError::InTx {
            index,
            error: Box::new(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spend(error: UtreexoError) -> String {
        BlockchainError::Spend {
            input: ContractId([0xab; 32]),
            error,
        }
        .to_string()
    }

    #[test]
    fn an_input_the_utxo_set_lacks_reads_as_spent_or_never_existing() {
        let expected = format!(
            "input {} is not an unspent output: it was spent or never existed",
            "ab".repeat(32)
        );
        for error in [
            UtreexoError::NotInForest,
            UtreexoError::AlreadyDeleted,
            UtreexoError::NotInserted,
        ] {
            assert_eq!(spend(error), expected);
        }
    }

    #[test]
    fn a_stale_or_wrong_proof_says_so() {
        let stale = spend(UtreexoError::WrongGeneration {
            proof: 3,
            forest: 5,
        });
        assert!(
            stale.ends_with(
                "its Utreexo proof is out of date (made at generation 3, the UTXO set is at 5): \
                 update the proof to the current block and send it again"
            ),
            "{stale}"
        );
        let wrong = spend(UtreexoError::RootMismatch);
        assert!(
            wrong.ends_with(
                "its Utreexo proof does not lead to the UTXO set: the output was spent or never \
                 existed, or the proof is out of date"
            ),
            "{wrong}"
        );
        for message in [stale, wrong] {
            assert!(!message.contains("normaliz"), "{message}");
        }
    }
}

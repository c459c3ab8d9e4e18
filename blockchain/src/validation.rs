//! The rules a block must meet before its transactions run: the header against the
//! previous header, the producer's signature over the block ID, and each
//! transaction's header against the block's time and version.
//!
//! The producer signs each block ID with a Schnorr signature over the transcript
//! `ZkVM.stubnet1` that absorbs `block_id`. Every node knows the producer's key and
//! refuses a block whose signature does not verify.

use crate::block::BlockTx;
use crate::errors::BlockchainError;
use crate::header::BlockHeader;
use merlin::Transcript;
use musig::{Signature, SigningKey, VerificationKey};
use rand_core::OsRng;
use zkvm::TxHeader;

/// The largest total weight of a block's transactions: eight transactions of the
/// largest weight ([`zkvm::MAX_TX_WEIGHT`]).
pub const MAX_BLOCK_WEIGHT: u64 = 8 * zkvm::MAX_TX_WEIGHT;

/// Checks, before anything runs, that the transactions' sizes ([`zkvm::Tx::size`], a
/// lower bound of their weights) fit in [`MAX_BLOCK_WEIGHT`].
pub fn check_block_bytes(txs: &[BlockTx]) -> Result<(), BlockchainError> {
    let bytes = txs
        .iter()
        .map(|btx| btx.tx.size() as u64)
        .fold(0u64, u64::saturating_add);
    check_block_weight(bytes)
}

/// Checks a block's total weight against [`MAX_BLOCK_WEIGHT`].
pub fn check_block_weight(weight: u64) -> Result<(), BlockchainError> {
    if weight > MAX_BLOCK_WEIGHT {
        return Err(BlockchainError::BlockWeightExceeded {
            limit: MAX_BLOCK_WEIGHT,
        });
    }
    Ok(())
}

/// Checks `header` against `prev`, the header it claims to follow, in this order:
/// the version does not decrease; a version 1 header has an empty extension; the
/// height is one more; the previous ID is `prev`'s ID; the time is strictly later.
pub fn check_header(header: &BlockHeader, prev: &BlockHeader) -> Result<(), BlockchainError> {
    if header.version < prev.version {
        return Err(BlockchainError::VersionDecreased {
            previous: prev.version,
            got: header.version,
        });
    }
    if header.version == 1 && !header.ext.is_empty() {
        return Err(BlockchainError::ExtensionNotEmpty {
            len: header.ext.len(),
        });
    }
    let expected = prev.height.saturating_add(1);
    if header.height != expected || prev.height == u64::MAX {
        return Err(BlockchainError::WrongHeight {
            expected,
            got: header.height,
        });
    }
    let prev_id = prev.id();
    if header.prev != prev_id {
        return Err(BlockchainError::WrongPrevious {
            expected: prev_id,
            got: header.prev,
        });
    }
    if header.timestamp_ms <= prev.timestamp_ms {
        return Err(BlockchainError::TimestampNotLater {
            previous: prev.timestamp_ms,
            got: header.timestamp_ms,
        });
    }
    Ok(())
}

/// Transcript label of block signatures.
const SIGNATURE_LABEL: &[u8] = b"ZkVM.stubnet1";

/// The transcript a block signature is made over.
fn signature_transcript(header: &BlockHeader) -> Transcript {
    let mut t = Transcript::new(SIGNATURE_LABEL);
    t.append_message(b"block_id", &header.id().0);
    t
}

/// Signs the ID of `header` with `key`.
pub fn sign_block(header: &BlockHeader, key: &SigningKey) -> Signature {
    Signature::sign(&mut signature_transcript(header), key, &mut OsRng)
}

/// Checks the producer's signature over the ID of `header`.
pub fn verify_block_signature(
    header: &BlockHeader,
    signature: &Signature,
    producer: &VerificationKey,
) -> Result<(), BlockchainError> {
    signature
        .verify_single(&mut signature_transcript(header), producer)
        .map_err(BlockchainError::BadBlockSignature)
}

/// Checks that a transaction may appear at `time_ms` in a block of `block_version`:
/// its time bounds contain the time, and in a version 1 block its version is 1
/// (later block versions admit later transaction versions).
pub fn check_tx_header(
    tx: &TxHeader,
    time_ms: u64,
    block_version: u64,
) -> Result<(), BlockchainError> {
    if time_ms < tx.mintime_ms || time_ms > tx.maxtime_ms {
        return Err(BlockchainError::TxTime {
            mintime: tx.mintime_ms,
            maxtime: tx.maxtime_ms,
            time: time_ms,
        });
    }
    if block_version == 1 && tx.version != 1 {
        return Err(BlockchainError::TxVersion {
            tx_version: tx.version,
            block_version,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use merkle::Hash;

    fn next(prev: &BlockHeader) -> BlockHeader {
        BlockHeader {
            version: prev.version,
            height: prev.height + 1,
            prev: prev.id(),
            timestamp_ms: prev.timestamp_ms + 1,
            txroot: Hash::default(),
            utxoroot: Hash::default(),
            ext: Vec::new(),
        }
    }

    #[test]
    fn a_well_formed_successor_passes() {
        let genesis = BlockHeader::initial(10, Hash::default());
        assert_eq!(check_header(&next(&genesis), &genesis), Ok(()));
        let mut v2 = next(&genesis);
        v2.version = 2;
        v2.ext = vec![1, 2];
        assert_eq!(check_header(&v2, &genesis), Ok(()));
    }

    #[test]
    fn each_header_rule_has_its_error() {
        let genesis = BlockHeader::initial(10, Hash::default());
        let mut later = next(&genesis);
        later.version = 2;
        let mut h = next(&later);
        h.version = 1;
        assert_eq!(
            check_header(&h, &later),
            Err(BlockchainError::VersionDecreased {
                previous: 2,
                got: 1
            })
        );
        let mut h = next(&genesis);
        h.ext = vec![0];
        assert_eq!(
            check_header(&h, &genesis),
            Err(BlockchainError::ExtensionNotEmpty { len: 1 })
        );
        let mut h = next(&genesis);
        h.height = 3;
        assert_eq!(
            check_header(&h, &genesis),
            Err(BlockchainError::WrongHeight {
                expected: 2,
                got: 3
            })
        );
        let mut h = next(&genesis);
        h.prev.0[5] ^= 1;
        assert!(matches!(
            check_header(&h, &genesis),
            Err(BlockchainError::WrongPrevious { expected, .. }) if expected == genesis.id()
        ));
        let mut h = next(&genesis);
        h.timestamp_ms = genesis.timestamp_ms;
        assert_eq!(
            check_header(&h, &genesis),
            Err(BlockchainError::TimestampNotLater {
                previous: 10,
                got: 10
            })
        );
    }

    #[test]
    fn block_weight_at_the_limit_passes_and_one_more_fails() {
        assert_eq!(check_block_weight(MAX_BLOCK_WEIGHT), Ok(()));
        assert_eq!(
            check_block_weight(MAX_BLOCK_WEIGHT + 1),
            Err(BlockchainError::BlockWeightExceeded {
                limit: MAX_BLOCK_WEIGHT
            })
        );
        assert_eq!(check_block_bytes(&[]), Ok(()));
    }

    #[test]
    fn transaction_headers_must_fit_the_block() {
        let tx = TxHeader {
            version: 1,
            mintime_ms: 5,
            maxtime_ms: 9,
        };
        for t in [5, 7, 9] {
            assert_eq!(check_tx_header(&tx, t, 1), Ok(()));
        }
        for t in [4, 10] {
            assert_eq!(
                check_tx_header(&tx, t, 1),
                Err(BlockchainError::TxTime {
                    mintime: 5,
                    maxtime: 9,
                    time: t
                })
            );
        }
        let v2 = TxHeader { version: 2, ..tx };
        assert_eq!(
            check_tx_header(&v2, 7, 1),
            Err(BlockchainError::TxVersion {
                tx_version: 2,
                block_version: 1
            })
        );
        assert_eq!(check_tx_header(&v2, 7, 2), Ok(()));
    }
}

//! Block transactions, witness hashes, the transaction root and blocks.
//!
//! A block transaction is a ZkVM transaction followed by the Utreexo proofs of its
//! inputs, in the order its log names the inputs:
//! `tx || LE32 count || proofs` (each proof: a kind byte, then a path for kind 1).
//!
//! Its witness hash commits to all of those bytes, signature and proofs included:
//! `Transcript("ZkVM.tx_witness_hash")`, `append_message("tx", encoding)`, 32
//! challenge bytes labelled `hash`. The transaction root is the Merkle root, under
//! the label `ZkVM.txroot`, of the witness hashes, each committed as
//! `append_message("txwit", hash)`.
//!
//! A block is `header || producer signature (64) || LE32 count || block txs`.

use crate::errors::BlockchainError;
use crate::header::BlockHeader;
use encoding::{Encodable, Reader, Writer};
use merkle::{Hash, Hasher, MerkleItem};
use merlin::Transcript;
use musig::Signature;
use utreexo::Proof;
use zkvm::Tx;

/// Transcript label of the transaction root.
pub const TXROOT_LABEL: &[u8] = b"ZkVM.txroot";

/// The smallest encoding of a transaction: header, two empty lengths, a signature.
const MIN_TX_LEN: usize = 24 + 4 + 64 + 4;
/// The smallest encoding of a block transaction: a transaction and no proofs.
const MIN_BLOCK_TX_LEN: usize = MIN_TX_LEN + 4;

/// The hash of a block transaction with all its witness data.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct WitnessHash(pub [u8; 32]);

encoding::hex_display!(WitnessHash);

impl MerkleItem for WitnessHash {
    fn commit(&self, t: &mut Transcript) {
        t.append_message(b"txwit", &self.0);
    }
}

/// The Merkle root of the witness hashes, in block order.
pub fn txroot(hashes: &[WitnessHash]) -> Hash {
    merkle::root(&Hasher::new(TXROOT_LABEL), hashes)
}

/// A transaction as a block carries it: with the Utreexo proofs of its inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockTx {
    /// The transaction.
    pub tx: Tx,
    /// One proof per input, in the order of the inputs in the transaction log.
    pub proofs: Vec<Proof>,
}

impl BlockTx {
    /// The witness hash.
    pub fn witness_hash(&self) -> WitnessHash {
        let mut t = Transcript::new(b"ZkVM.tx_witness_hash");
        t.append_message(b"tx", &self.encode_to_vec());
        let mut hash = [0u8; 32];
        t.challenge_bytes(b"hash", &mut hash);
        WitnessHash(hash)
    }

    /// Reads a block transaction.
    pub fn decode(r: &mut Reader<'_>) -> Result<BlockTx, BlockchainError> {
        let tx = read_tx(r)?;
        let count = r.read_count(1)?;
        let mut proofs = Vec::with_capacity(count);
        for _ in 0..count {
            proofs.push(Proof::decode(r).map_err(BlockchainError::MalformedProof)?);
        }
        Ok(BlockTx { tx, proofs })
    }

    /// Decodes a block transaction that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<BlockTx, BlockchainError> {
        Reader::parse(bytes, BlockTx::decode)
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }
}

/// Reads one transaction from the middle of a stream: its length follows from its
/// two length fields, and zkvm decodes exactly those bytes.
fn read_tx(r: &mut Reader<'_>) -> Result<Tx, BlockchainError> {
    let len = tx_len(r)?;
    Tx::from_bytes(r.read_bytes(len)?).map_err(BlockchainError::MalformedTx)
}

/// The length of the transaction encoding at the reader's position, from its header
/// and two length fields, without decoding it.
fn tx_len(r: &Reader<'_>) -> Result<usize, BlockchainError> {
    let mut scan = r.clone();
    scan.read_bytes(24)?;
    scan.read_len_prefixed()?;
    scan.read_bytes(Signature::BYTE_LEN)?;
    scan.read_len_prefixed()?;
    Ok(r.remaining() - scan.remaining())
}

/// The bytes of the transaction that `bytes` starts with (all of a bare transaction,
/// the front of a block transaction), found from its length fields without decoding
/// it, which is a hundred times cheaper (no point is decompressed). Fails as
/// [`BlockTx::from_bytes`] fails on bytes too short for those fields.
pub fn leading_tx(bytes: &[u8]) -> Result<&[u8], BlockchainError> {
    let len = tx_len(&Reader::new(bytes))?;
    Ok(&bytes[..len])
}

impl Encodable for BlockTx {
    fn encode(&self, w: &mut Vec<u8>) {
        self.tx.encode(w);
        w.write_u32(count32(self.proofs.len()));
        for proof in &self.proofs {
            proof.encode(w);
        }
    }

    fn encoded_len(&self) -> usize {
        self.tx.encoded_len()
            + 4
            + self
                .proofs
                .iter()
                .map(Encodable::encoded_len)
                .sum::<usize>()
    }
}

/// A block: the header, the producer's signature over its ID, the transactions.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The header.
    pub header: BlockHeader,
    /// The producer's signature over the block ID.
    pub signature: Signature,
    /// The transactions, in the order they apply.
    pub txs: Vec<BlockTx>,
}

impl Block {
    /// The witness hashes of the transactions, in order.
    pub fn witness_hashes(&self) -> Vec<WitnessHash> {
        self.txs.iter().map(BlockTx::witness_hash).collect()
    }

    /// The encoded size of the transactions (what block size limits count).
    pub fn txs_len(&self) -> usize {
        self.txs.iter().map(Encodable::encoded_len).sum()
    }

    /// Reads a block.
    pub fn decode(r: &mut Reader<'_>) -> Result<Block, BlockchainError> {
        let header = BlockHeader::decode(r)?;
        let signature = Signature::read(r)?;
        let count = r.read_count(MIN_BLOCK_TX_LEN)?;
        let mut txs = Vec::with_capacity(count);
        for _ in 0..count {
            txs.push(BlockTx::decode(r)?);
        }
        Ok(Block {
            header,
            signature,
            txs,
        })
    }

    /// Decodes a block that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Block, BlockchainError> {
        Reader::parse(bytes, Block::decode)
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }
}

impl Encodable for Block {
    fn encode(&self, w: &mut Vec<u8>) {
        self.header.encode(w);
        self.signature.encode(w);
        w.write_u32(count32(self.txs.len()));
        for tx in &self.txs {
            tx.encode(w);
        }
    }

    fn encoded_len(&self) -> usize {
        self.header.encoded_len() + Signature::BYTE_LEN + 4 + self.txs_len()
    }
}

/// A count as the LE32 the format has room for. Blocks and transactions are built
/// far below 2^32 items; a larger count is a bug in the caller.
fn count32(n: usize) -> u32 {
    u32::try_from(n).expect("more than 2^32 items in one block or transaction")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::BlockId;
    use encoding::EncodingError;
    use merkle::Path;
    use proptest::prelude::*;
    use zkvm::{R1csProof, TxHeader};

    fn block_tx(proofs: Vec<Proof>) -> BlockTx {
        BlockTx {
            tx: Tx {
                header: TxHeader {
                    version: 1,
                    mintime_ms: 2,
                    maxtime_ms: 3,
                },
                program: vec![1, 2, 3],
                signature: zkvm::tx::empty_signature(),
                proof: R1csProof::from_bytes(&[0u8; 1 + 32 * 13]).unwrap(),
            },
            proofs,
        }
    }

    fn committed(position: u64, depth: usize) -> Proof {
        Proof::Committed(Path {
            position,
            neighbors: (0..depth).map(|i| Hash([i as u8; 32])).collect(),
        })
    }

    fn block() -> Block {
        Block {
            header: BlockHeader::initial(5, Hash([4; 32])),
            signature: zkvm::tx::empty_signature(),
            txs: vec![
                block_tx(vec![]),
                block_tx(vec![Proof::Transient, committed(3, 2)]),
            ],
        }
    }

    #[test]
    fn block_transactions_round_trip() {
        for proofs in [
            vec![],
            vec![Proof::Transient],
            vec![committed(6, 3), Proof::Transient],
        ] {
            let btx = block_tx(proofs);
            let bytes = btx.to_bytes();
            assert_eq!(bytes.len(), btx.encoded_len());
            assert_eq!(BlockTx::from_bytes(&bytes), Ok(btx));
        }
    }

    #[test]
    fn the_leading_transaction_is_found_without_decoding() {
        let btx = block_tx(vec![committed(6, 3)]);
        let tx = btx.tx.to_bytes();
        assert_eq!(leading_tx(&btx.to_bytes()), Ok(tx.as_slice()));
        assert_eq!(leading_tx(&tx), Ok(tx.as_slice()));
        // Too short for the length fields: the error decoding gives.
        let short = &tx[..30];
        assert_eq!(leading_tx(short).err(), BlockTx::from_bytes(short).err());
        assert!(leading_tx(short).is_err());
    }

    #[test]
    fn blocks_round_trip() {
        let b = block();
        let bytes = b.to_bytes();
        assert_eq!(bytes.len(), b.encoded_len());
        assert_eq!(Block::from_bytes(&bytes), Ok(b));
    }

    #[test]
    fn malformed_block_transactions_are_refused() {
        let bytes = block_tx(vec![Proof::Transient]).to_bytes();
        let mut kind = bytes.clone();
        *kind.last_mut().unwrap() = 7;
        assert_eq!(
            BlockTx::from_bytes(&kind),
            Err(BlockchainError::MalformedProof(
                utreexo::UtreexoError::UnknownProofKind(7)
            ))
        );
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(
            BlockTx::from_bytes(&trailing),
            Err(BlockchainError::Encoding(EncodingError::TrailingBytes {
                remaining: 1
            }))
        );
        // A proof count larger than the bytes left is refused before allocating.
        let mut count = bytes[..bytes.len() - 5].to_vec();
        count.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            BlockTx::from_bytes(&count),
            Err(BlockchainError::Encoding(
                EncodingError::CountTooLarge { .. }
            ))
        ));
        // A transaction whose proof field does not hold a proof.
        let mut proof = bytes.clone();
        let at = 24 + 4 + 3 + 64 + 4;
        proof[at] = 9;
        assert!(matches!(
            BlockTx::from_bytes(&proof),
            Err(BlockchainError::MalformedTx(_))
        ));
    }

    #[test]
    fn witness_hashes_cover_every_byte_and_order_matters_in_the_root() {
        let a = block_tx(vec![Proof::Transient]);
        let mut b = a.clone();
        b.tx.signature.R.0[0] ^= 1;
        let mut c = a.clone();
        c.proofs = vec![committed(0, 1)];
        let (ha, hb, hc) = (a.witness_hash(), b.witness_hash(), c.witness_hash());
        assert_ne!(ha, hb);
        assert_ne!(ha, hc);
        assert_ne!(txroot(&[ha, hb]), txroot(&[hb, ha]));
        assert_eq!(txroot(&[ha]), Hasher::new(TXROOT_LABEL).leaf(&ha));
        assert_ne!(BlockId::default().0, ha.0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = BlockTx::from_bytes(&bytes);
            let _ = Block::from_bytes(&bytes);
        }

        #[test]
        fn decoding_mutated_blocks_never_panics(at in 0usize..2000, byte in any::<u8>()) {
            let mut bytes = block().to_bytes();
            let at = at % bytes.len();
            bytes[at] = byte;
            if let Ok(b) = Block::from_bytes(&bytes) {
                prop_assert_eq!(b.to_bytes(), bytes);
            }
        }
    }
}

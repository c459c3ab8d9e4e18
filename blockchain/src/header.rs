//! Block headers, their v1 encoding and their IDs.
//!
//! Encoding: `LE64 version || LE64 height || previous ID (32) || LE64 timestamp_ms ||
//! txroot (32) || utxoroot (32) || LE32 ext length || ext`.
//!
//! ID: a transcript `ZkVM.blockheader` that absorbs every field under its own label
//! (`version`, `height`, `previd`, `timestamp_ms`, `txroot`, `utxoroot`, `ext`; the
//! integers as LE64) and yields 32 challenge bytes labelled `id`.

use crate::block::txroot;
use encoding::{Encodable, EncodingError, Reader, Writer};
use merkle::Hash;
use merlin::Transcript;

/// The header version this crate implements.
pub const CURRENT_VERSION: u64 = 1;

/// Transcript label of block IDs.
const ID_LABEL: &[u8] = b"ZkVM.blockheader";

/// Encoded size of a header without its extension.
const FIXED_LEN: usize = 8 + 8 + 32 + 8 + 32 + 32 + 4;

/// The ID of a block: a hash of its header.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct BlockId(pub [u8; 32]);

encoding::hex_display!(BlockId);

impl BlockId {
    /// The ID's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The metadata of a block: it commits to the transactions and to the UTXO set after
/// them, and links to the previous block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockHeader {
    /// The consensus version; never decreases along the chain.
    pub version: u64,
    /// 1 for the initial block, one more for each block after it.
    pub height: u64,
    /// The ID of the previous block; all zero for the initial block.
    pub prev: BlockId,
    /// Milliseconds since the Unix epoch; strictly increasing along the chain.
    pub timestamp_ms: u64,
    /// Merkle root of the witness hashes of the block's transactions.
    pub txroot: Hash,
    /// Utreexo root of the UTXO set after the block (normalized).
    pub utxoroot: Hash,
    /// Room for future versions; empty in version 1.
    pub ext: Vec<u8>,
}

impl BlockHeader {
    /// The header of height 1: version 1, no predecessor, no transactions, and the
    /// root of the initial UTXO set.
    pub fn initial(timestamp_ms: u64, utxoroot: Hash) -> BlockHeader {
        BlockHeader {
            version: CURRENT_VERSION,
            height: 1,
            prev: BlockId::default(),
            timestamp_ms,
            txroot: txroot(&[]),
            utxoroot,
            ext: Vec::new(),
        }
    }

    /// The block ID.
    pub fn id(&self) -> BlockId {
        let mut t = Transcript::new(ID_LABEL);
        t.append_u64(b"version", self.version);
        t.append_u64(b"height", self.height);
        t.append_message(b"previd", &self.prev.0);
        t.append_u64(b"timestamp_ms", self.timestamp_ms);
        t.append_message(b"txroot", &self.txroot.0);
        t.append_message(b"utxoroot", &self.utxoroot.0);
        t.append_message(b"ext", &self.ext);
        let mut id = [0u8; 32];
        t.challenge_bytes(b"id", &mut id);
        BlockId(id)
    }

    /// Reads a header.
    pub fn decode(r: &mut Reader<'_>) -> Result<BlockHeader, EncodingError> {
        Ok(BlockHeader {
            version: r.read_u64()?,
            height: r.read_u64()?,
            prev: BlockId(r.read_array()?),
            timestamp_ms: r.read_u64()?,
            txroot: Hash(r.read_array()?),
            utxoroot: Hash(r.read_array()?),
            ext: r.read_len_prefixed()?.to_vec(),
        })
    }

    /// Decodes a header that fills `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<BlockHeader, EncodingError> {
        Reader::parse(bytes, BlockHeader::decode)
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }
}

impl Encodable for BlockHeader {
    fn encode(&self, w: &mut Vec<u8>) {
        w.write_u64(self.version);
        w.write_u64(self.height);
        w.write_bytes(&self.prev.0);
        w.write_u64(self.timestamp_ms);
        w.write_bytes(&self.txroot.0);
        w.write_bytes(&self.utxoroot.0);
        w.write_len_prefixed(&self.ext);
    }

    fn encoded_len(&self) -> usize {
        FIXED_LEN + self.ext.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BlockHeader {
        BlockHeader {
            version: 1,
            height: 7,
            prev: BlockId([1; 32]),
            timestamp_ms: 1234,
            txroot: Hash([2; 32]),
            utxoroot: Hash([3; 32]),
            ext: vec![9, 9],
        }
    }

    #[test]
    fn encoding_round_trips() {
        let h = sample();
        let bytes = h.to_bytes();
        assert_eq!(bytes.len(), h.encoded_len());
        assert_eq!(BlockHeader::from_bytes(&bytes), Ok(h));
    }

    #[test]
    fn malformed_encodings_are_refused() {
        let bytes = sample().to_bytes();
        assert!(matches!(
            BlockHeader::from_bytes(&bytes[..bytes.len() - 1]),
            Err(EncodingError::Truncated { .. })
        ));
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            BlockHeader::from_bytes(&long),
            Err(EncodingError::TrailingBytes { remaining: 1 })
        );
    }

    #[test]
    fn every_field_changes_the_id() {
        let base = sample();
        let id = base.id();
        let mutations: [fn(&mut BlockHeader); 7] = [
            |h| h.version += 1,
            |h| h.height += 1,
            |h| h.prev.0[0] ^= 1,
            |h| h.timestamp_ms += 1,
            |h| h.txroot.0[0] ^= 1,
            |h| h.utxoroot.0[0] ^= 1,
            |h| h.ext.push(0),
        ];
        for mutate in mutations {
            let mut h = base.clone();
            mutate(&mut h);
            assert_ne!(h.id(), id);
        }
    }

    #[test]
    fn ids_display_as_hex() {
        let id = BlockId([0xab; 32]);
        assert_eq!(id.to_string(), "ab".repeat(32));
        assert_eq!(format!("{id:?}"), format!("BlockId({})", "ab".repeat(32)));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn headers_round_trip(
            version in any::<u64>(),
            height in any::<u64>(),
            prev in any::<[u8; 32]>(),
            timestamp_ms in any::<u64>(),
            txroot in any::<[u8; 32]>(),
            utxoroot in any::<[u8; 32]>(),
            ext in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let h = BlockHeader {
                version, height, prev: BlockId(prev), timestamp_ms,
                txroot: Hash(txroot), utxoroot: Hash(utxoroot), ext,
            };
            let bytes = h.to_bytes();
            prop_assert_eq!(bytes.len(), h.encoded_len());
            prop_assert_eq!(BlockHeader::from_bytes(&bytes), Ok(h));
        }
    }
}

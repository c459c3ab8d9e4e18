//! Light wallets' side of the node: the pages of `GET /v1/compact/blocks`, and how a
//! wallet reads them.
//!
//! A page is binary (`application/octet-stream`), all integers little-endian:
//!
//! ```text
//! page = LE64 tip height || LE32 count || count × (LE32 length || light block)
//! ```
//!
//! Each light block is `wallet::LightBlock`'s encoding (`spec/wallet.md`, compact
//! blocks): the compact block, then the evidence of its header. On a devnet the
//! evidence is the producer's signature of the block ID (64 bytes), stored with the
//! compact block when the block is committed ([`crate::store`]). On a validator's
//! API the evidence is CometBFT's signed header of the block's height, fetched from
//! CometBFT's RPC as the page is served ([`cometbft`],
//! `CometRpc::with_evidence`); the page's tip is then the
//! last block CometBFT's headers prove.

pub mod cometbft;

use crate::error::NodeError;
use crate::store::Store;
use encoding::{Reader, Writer};
use wallet::LightBlock;

/// The most light blocks one page holds.
pub const MAX_PAGE_LIGHT_BLOCKS: usize = 100;
/// The most bytes of light blocks one page holds (a larger single one is sent alone).
pub const MAX_PAGE_LIGHT_BYTES: usize = 4 << 20;
/// The content type of a page.
pub const PAGE_CONTENT_TYPE: &str = "application/octet-stream";

/// The node's tip height and its stored light blocks from height `from` on, at most
/// `limit` of them (the devnet's form: the producer's signature as evidence).
pub fn stored(store: &Store, from: u64, limit: usize) -> Result<(u64, Vec<Vec<u8>>), NodeError> {
    let limit = limit.clamp(1, MAX_PAGE_LIGHT_BLOCKS);
    store.light_blocks(from, limit, MAX_PAGE_LIGHT_BYTES)
}

/// Encodes a page of encoded light blocks.
pub fn encode_page(tip: u64, blocks: &[Vec<u8>]) -> Vec<u8> {
    let mut w = Vec::with_capacity(12 + blocks.iter().map(|b| 4 + b.len()).sum::<usize>());
    w.write_u64(tip);
    // At most MAX_PAGE_LIGHT_BLOCKS blocks of at most a block's size each.
    w.write_u32(blocks.len() as u32);
    for block in blocks {
        w.write_len_prefixed(block);
    }
    w
}

/// Decodes a page: the node's tip height and the light blocks, in order.
pub fn decode_page(bytes: &[u8]) -> Result<(u64, Vec<LightBlock>), NodeError> {
    let malformed = |reason: String| NodeError::Invalid {
        what: "compact blocks page",
        reason: format!("{reason}; is the node of the same version as this wallet?"),
    };
    let mut r = Reader::new(bytes);
    let tip = r.read_u64().map_err(|e| malformed(e.to_string()))?;
    let count = r.read_count(4).map_err(|e| malformed(e.to_string()))?;
    let mut blocks = Vec::with_capacity(count);
    for _ in 0..count {
        let block = r
            .read_len_prefixed()
            .map_err(|e| malformed(e.to_string()))?;
        blocks.push(LightBlock::from_bytes(block).map_err(|e| malformed(e.to_string()))?);
    }
    r.finish().map_err(|e| malformed(e.to_string()))?;
    Ok((tip, blocks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_round_trips_and_bad_pages_are_refused() {
        let forest = utreexo::Forest::new();
        let block = wallet::CompactBlock {
            header: blockchain::BlockHeader::initial(7, forest.root()),
            txs: Vec::new(),
        };
        let light = LightBlock {
            block,
            evidence: vec![5; 64],
        };
        let bytes = encode_page(9, &[light.to_bytes(), light.to_bytes()]);
        let (tip, blocks) = decode_page(&bytes).unwrap();
        assert_eq!(tip, 9);
        assert_eq!(blocks, vec![light.clone(), light]);
        assert!(decode_page(&bytes[..bytes.len() - 1]).is_err());
        let mut long = bytes.clone();
        long.push(0);
        let message = decode_page(&long).unwrap_err().to_string();
        assert!(message.contains("same version"), "{message}");
        let mut huge = bytes;
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_page(&huge).is_err());
    }
}

//! Block, block transaction and header bytes: whatever decodes re-encodes to itself
//! and hashes the same after the round trip.
#![no_main]

use blockchain::{Block, BlockHeader, BlockTx};
use encoding::Encodable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(block) = Block::from_bytes(data) {
        assert_eq!(block.to_bytes(), data);
        assert_eq!(block.encoded_len(), block.to_bytes().len());
        let again = Block::from_bytes(&block.to_bytes()).expect("re-decodes");
        assert_eq!(again.header.id(), block.header.id());
        assert_eq!(again.witness_hashes(), block.witness_hashes());
    }
    if let Ok(btx) = BlockTx::from_bytes(data) {
        assert_eq!(btx.to_bytes(), data);
        assert_eq!(btx.encoded_len(), btx.to_bytes().len());
        assert_eq!(
            BlockTx::from_bytes(&btx.to_bytes())
                .map(|b| b.witness_hash())
                .ok(),
            Some(btx.witness_hash())
        );
    }
    if let Ok(header) = BlockHeader::from_bytes(data) {
        assert_eq!(header.to_bytes(), data);
        assert_eq!(header.encoded_len(), data.len());
    }
});

//! The compact blocks of committed blocks, for light wallets (`wallet::compact`).
//!
//! Table `compact_blocks`: height → the light block of the devnet's form (the
//! compact block and the block's producer signature as evidence,
//! `wallet::LightBlock::devnet`), written in the write transaction that commits the
//! block. A node beside CometBFT serves the same compact block with CometBFT's
//! commit as evidence instead ([`crate::light`]). Blocks committed before this table
//! existed, or before a state sync, have none.

use super::{corrupt, read_u64, Store, KEY_TIP, META};
use crate::error::NodeError;
use blockchain::{AppliedBlock, Block};
use redb::TableDefinition;
use wallet::LightBlock;

const COMPACT: TableDefinition<u64, &[u8]> = TableDefinition::new("compact_blocks");

/// Writes the light block of `block`, as applied, in the transaction `w`.
pub(super) fn write(
    w: &redb::WriteTransaction,
    block: &Block,
    applied: &AppliedBlock,
) -> Result<(), NodeError> {
    // The block was just validated into `applied`: they always belong together.
    let light = LightBlock::devnet(block, applied)
        .map_err(|e| corrupt(&format!("compact block {}: {e}", block.header.height)))?;
    w.open_table(COMPACT)?
        .insert(block.header.height, light.to_bytes().as_slice())?;
    Ok(())
}

impl Store {
    /// The tip height and the stored light blocks from height `from` on, in order,
    /// at most `limit` of them and no more than `max_bytes` in total (always one if
    /// there is one). Asking for a height up to the tip that has none is
    /// [`NodeError::NoCompactBlocks`].
    pub fn light_blocks(
        &self,
        from: u64,
        limit: usize,
        max_bytes: usize,
    ) -> Result<(u64, Vec<Vec<u8>>), NodeError> {
        self.read(|r| {
            let tip = read_u64(&r.open_table(META)?, KEY_TIP)?;
            let none_from = |first: u64| match from <= tip {
                true => Err(NodeError::NoCompactBlocks { asked: from, first }),
                false => Ok((tip, Vec::new())),
            };
            let table = match r.open_table(COMPACT) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return none_from(tip + 1),
                Err(e) => return Err(e.into()),
            };
            let mut out = Vec::new();
            let mut bytes = 0usize;
            for entry in table.range(from..)?.take(limit) {
                let (height, light) = entry?;
                if out.is_empty() && height.value() != from {
                    return none_from(height.value());
                }
                let light = light.value();
                if !out.is_empty() && bytes + light.len() > max_bytes {
                    break;
                }
                bytes += light.len();
                out.push(light.to_vec());
            }
            match out.is_empty() {
                true => none_from(tip + 1),
                false => Ok((tip, out)),
            }
        })
    }
}
